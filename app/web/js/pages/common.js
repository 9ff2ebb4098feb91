// What the app pages share: the frame, list pages, pods, planned deploys.
import { h, fill, table, row, badge, muted, alert } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { act } from "../actions.js";
import { change } from "../plan.js";
import { isUp, podStart, podInstance, ago, fmtTime, imageVersion, shortVersion, appState } from "../model.js";

// The pages' one import.
export * from "../dom.js";
export * from "../model.js";
export * from "../api.js";
export * from "../session.js";
export * from "../actions.js";
export * from "../plan.js";

export const enc = encodeURIComponent;
export const appUrl = (app, rest) => "/apps/" + enc(app) + (rest ? "/" + rest : "");
export const apiApp = (app, rest, kind = "apps") => "/" + kind + "/" + enc(app) + "/" + (rest ? rest + "/" : "");
export const apiRepo = (app, rest) => apiApp(app, rest, "repos");

const TABS = [["Overview", ""], ["Versions", "versions"], ["Releases", "releases"], ["Activity", "activity"],
	["People", "people", () => session.auth !== "closed"]];

// An app page's frame (sub: a proc's name) -> {body, slot by the title}.
export function appFrame(main, app, tab, sub) {
	const slot = h("span.title-badge"), you = h("p.you.muted"), body = h("div");
	main.append(
		h("nav.crumbs", { "aria-label": "Breadcrumb" }, h("a", { href: "/" }, "Apps"), " / ",
			tab || sub ? h("a", { href: appUrl(app) }, app) : app, sub && " / " + sub),
		h("div.title", h("h1", sub || app), slot),
		h("nav.tabs", { "aria-label": "App " + app }, TABS.filter((t) => !t[2] || t[2]()).map(([label, path]) =>
			h("a", { href: appUrl(app, path), "aria-current": path === tab && !sub && "page" }, label))),
		you, body);
	if (session.auth === "closed") you.textContent = "Auth is off in this cluster: anyone may change " + app + ".";
	else get(apiRepo(app, "roles")).then((r) => r.role.role, () => "no")
		.then((role) => { you.textContent = "You are " + session.user + ", " + role + " maintainer of " + app + "."; });
	return { body, slot };
}

// Draws a settled promise p into el: its value by draw, or why it failed.
export const settled = (el, p, draw, app) => fill(el, p.status === "rejected" ? failure(p.reason, app) : draw(p.value));

// An app page that is one list: load() its data, draw(data, refresh) it.
export function listPage(main, app, tab, load, draw, live) {
	const list = h("div", muted("Loading…"));
	appFrame(main, app, tab).body.append(list);
	const refresh = () => load().then((data) => fill(list, draw(data, refresh)), (e) => fill(list, failure(e, app)));
	return { title: app + " " + tab, refresh, live };
}

export const failure = (e, app) => alert(e.status === 403 && app
	? "You are not a maintainer of " + app + ": ask one of its maintainers to add you. (" + e.message + ")" : e.message);

export const empty = (text, more) => h("div.empty", h("p", text), more);

export const deployed = (app) => get(apiApp(app)).then((r) => r.app, (e) => { if (e.status === 404) return null; throw e; });

// Planned: the first deploy (E7); a rollback to release id (none: the one before the current).
export const firstDeploy = (app) => change({ method: "POST", path: "/apps/", body: { appname: app }, title: "Deploy " + app + "?",
	ok: "Deploy", said: (r) => "Deployed " + app + ": " + (r.app ? appState(r.app) : "accepted") + ". " + (r.msg || "") });
export const rollback = (app, id) => change({ method: "POST", path: apiApp(app, "rollback"), body: id ? { release: id } : {},
	title: "Roll back " + app + " to " + (id ? "release " + id : "the release before the current one") + "?", ok: "Roll back", said: (r) => r.msg });

const ING = { start: "Starting…", stop: "Stopping…", restart: "Restarting…" };

// A proc's pods, start/stop/restart, history (E11). ctx: {app, open: Set("proc:n"), hist: Map, refresh, actions}.
export function podsTable(p, ctx) {
	const rows = [];
	for (const pod of (p.pods || []).slice().sort((a, b) => podInstance(a) - podInstance(b))) {
		const n = podInstance(pod), key = p.procname + ":" + n, what = p.procname + " instance " + n, open = ctx.open.has(key), up = isUp(pod);
		const op = (o, label, text) => act(o + ":" + key, label, { name: label + " " + what, cls: "btn small", pending: ING[o],
			confirm: text && { title: label + " " + what + "?", text, confirm: label, danger: o === "stop" },
			work: () => call("PATCH", apiApp(ctx.app, "procs/" + enc(p.procname)), { operation: o, instance: n }).then(() => label + " of " + what + " accepted."),
			after: ctx.refresh });
		rows.push(row(n, pod.nodeip, h("td.mono", pod.containerip), up ? badge("healthy", "running") : badge("failed", "not running"),
			up ? ago(podStart(pod)) : "–", h("td.mono", shortVersion(imageVersion(p.image))), h("td.actions", ctx.actions === false ? "–" : [
				up ? op("stop", "Stop", "Its container stops until started again.") : op("start", "Start"),
				op("restart", "Restart", "Its container restarts; it is down for a moment."),
				h("button.btn.small.link", { "aria-expanded": String(open), "aria-label": "History of " + what,
					dataset: { key: "h:" + key }, onclick: () => { ctx.open[open ? "delete" : "add"](key); ctx.refresh(true); } }, "History")])));
		if (open) rows.push(row(h("td", { colspan: 7 }, history(ctx.hist.get(key), what))));
	}
	return table("Pods of " + p.procname, ["Instance", "Node", "IP", "Status", "Up for", "Version", "Actions"],
		rows.length ? rows : row(h("td.muted", { colspan: 7 }, p.numinstances ? "No pods yet." : "Scaled to 0 instances.")), [1, 2, 5]);
}

function history(list, what) {
	if (!Array.isArray(list)) return muted(list ? "No history: " + list.message : "Loading…");
	return list.length ? h("ol", { "aria-label": "Status history of " + what }, list.map((e) => h("li",
		fmtTime(new Date(e.time * 1000), true) + " ", h("strong", e.action || e.status), " " + (e.image || "") + (e.node ? " on " + e.node : ""))))
		: muted("No history of " + what + ".");
}

export const loadHistories = (ctx) => Promise.all([...ctx.open].map((key) => {
	const [proc, n] = key.split(":");
	return get(apiApp(ctx.app, "procs/" + enc(proc) + "/instance/" + n + "/histories"))
		.then((r) => r.proc.StatusHistory || [], (e) => e).then((v) => ctx.hist.set(key, v));
}));

export function specFacts(p) {
	const f = (k, v) => v !== "" && h("li", h("span.muted", k + " "), v);
	return h("ul.facts-inline", f("image", h("span.mono", shortVersion(imageVersion(p.image)))),
		f("instances", p.numinstances), f("cpu", p.cpu), f("memory", p.memory),
		f("ports", (p.ports || []).map((x) => x.portnumber + "/" + x.porttype).join(", ")), f("mountpoints", (p.mountpoints || []).join(", ")));
}
