// A change shown as its plan (a dry run) before it is confirmed, with the option to wait until healthy (issue 13).
import { h, badge, alert } from "./dom.js";
import { call, describe } from "./api.js";
import { shortVersion, TONE } from "./model.js";

// o: {method, path, body, title, ok (its button), danger, said(answer)} -> the options of act()/run().
export const change = (o) => ({ pending: "Deploying…",
	confirm: () => call(o.method, o.path + "?dry_run=1", o.body).then(
		(r) => ({ ...o, confirm: o.ok, body: drawPlan(r.plan), wait: true }),
		(e) => ({ title: o.title, body: alert("No plan: " + describe(e)) })),
	// a health-gated answer may wait twice: the change, then its rollback
	work: (c) => call(o.method, o.path, c.wait ? { ...o.body, wait: "healthy", timeout: c.timeout } : o.body, c.wait ? 2 * c.timeout + 400 : undefined)
		.then((r) => o.said(r) + (r.release ? " Release " + r.release.id + ": " + r.release.state + "." : ""), (e) => {
			const r = e.data && e.data.release;
			if (r) e.message = "Release " + r.id + " " + r.state.replace("_", " ") + ": " + e.message;
			throw e;
		}) });

const changed = (p) => p.procs.some((x) => x.action !== "unchanged") || p.resource_instances.some(changed);

// plan: {app, from_version, to_version, procs, resource_instances (plans), config_images}.
function drawPlan(p, sub) {
	const v = (x) => h("span.mono", shortVersion(x));
	return h("div.plan",
		h("p", sub && h("strong", "Resource instance " + p.app + ": "), "Version ",
			p.from_version === p.to_version ? [v(p.to_version), " (stays)"] : [p.from_version && [v(p.from_version), " → "], v(p.to_version)]),
		!sub && !changed(p) && h("p.notice", "No change: every proc stays as it runs."),
		h("ul", p.procs.map((x) => {
			const list = x.changes.length > 0 && h("ul.changes", x.changes.map(drawChange));
			return h("li", h("strong", x.name), " ", badge(TONE[x.action] || "", x.action),
				x.changes.length > 6 ? h("details", h("summary", x.changes.length + " fields"), list) : list);
		})),
		p.config_images.map((c) => h("p", "Config image of " + c.proc + ": ", val(c.tag),
			c.exists ? " (in the registry)" : " (to be built and pushed)")),
		p.resource_instances.map((i) => drawPlan(i, true)));
}

// path: from → to; of two lists, what leaves (−) and what comes (+).
function drawChange({ path, from, to }) {
	const out = (a, b) => a.filter((x) => !b.some((y) => JSON.stringify(y) === JSON.stringify(x)));
	return h("li", h("code", path), " ", Array.isArray(from) && Array.isArray(to)
		? [out(from, to).map((x) => h("div", "− ", val(x))), out(to, from).map((x) => h("div", "+ ", val(x)))]
		: from === null ? val(to) : [val(from), " → ", val(to)]);
}

// A value as text; a long one shortened (hex ids to 7 digits, the middle cut), the whole of it a click away.
function val(x) {
	const s = typeof x === "string" && x ? x : JSON.stringify(x);
	let t = s.replace(/([0-9a-f]{7})[0-9a-f]{9,}/g, "$1…");
	if (t.length > 64) t = t.slice(0, 30) + "…" + t.slice(-30);
	return t === s ? h("code", s) : h("details.val", h("summary", h("code", t)), h("code", s));
}
