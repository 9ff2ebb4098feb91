// Proc (/apps/<app>/procs/<proc>): scale (planned), pods, remove or deploy it (lain deploy -p).
import { h, fill, dl, card, field, labelled, muted, get, call, act, run, notify, change, parseSize, appFrame, apiApp, enc, failure, podsTable,
	loadHistories, specFacts } from "./common.js";

// The API's limits (app/api/procs.c); Docker's smallest memory limit.
const MAX_N = 100000, MAX_CPU = 1024, MIN_MEM = 4 << 20;

export function procPage(main, name, proc) {
	const { body, slot } = appFrame(main, name, "", proc);
	const ctx = { app: name, open: new Set(), hist: new Map(), refresh }, url = apiApp(name, "procs/" + enc(proc));
	let cur, filled = false;  // the forms hold the current values once, then what the user types
	const num = (id, max) => h("input", { id, type: "number", min: 0, max, step: 1, required: true });
	const n = num("f-n", MAX_N), cpu = num("f-cpu", MAX_CPU);
	const mem = field("f-mem");
	const [nNow, resNow, facts, pods, bottom] = [h("span.muted"), muted(), h("div"), h("div"), h("div.bar")];
	const ok = (text) => h("button.btn.primary", text);
	const scale = card("form", "sc", "Scale", h("div.row", labelled("Instances", n), ok("Scale"), nNow));
	const res = card("form", "rs", "CPU and memory", h("div.row", labelled("CPU", cpu), labelled("Memory", mem),
		ok("Apply cpu and memory")), muted("CPU: a whole number 0–" + MAX_CPU + " (0: no limit). Memory: a size such as 64M or 1.5G, at least 4M."), resNow);
	body.append(facts, h("div.forms", scale, res), h("h2", "Pods"), pods, h("h2", "Remove or deploy"), bottom);

	const patch = (e, key, body, title, said) => run({ key, button: e.submitter, after: refresh,
		...change({ method: "PATCH", path: url, body, title, ok: key === "scale" ? "Scale" : "Apply", danger: body.num_instances === 0,
			said: () => { filled = false; return said; } }), pending: "Applying…" });

	// the inputs' limits are checked by the browser
	scale.onsubmit = (e) => {
		e.preventDefault();
		const to = +n.value;
		patch(e, "scale", { num_instances: to }, "Scale " + proc + " from " + cur.numinstances + " to " + to + "?", "Scaled " + proc + " to " + to + ".");
	};
	res.onsubmit = (e) => {
		e.preventDefault();
		const c = +cpu.value, m = mem.value.trim(), bytes = parseSize(m), to = "cpu " + c + ", memory " + m;
		if (!(bytes >= MIN_MEM)) return notify(isNaN(bytes) ? "Memory: “" + m + "” is not a size such as 64M." : "Memory: at least 4M.", "error");
		patch(e, "res", { cpu: c, memory: m }, "Change " + proc + " to " + to + "?", "Changed " + proc + ": " + to + ".");
	};

	async function refresh() {
		let r;
		try {
			[r] = await Promise.all([get(url), loadHistories(ctx)]);
		} catch (e) {
			fill(facts, failure(e, name));
			scale.hidden = res.hidden = true;
			return;
		}
		cur = r.proc;
		const deployed = !/not deployed/.test(r.msg);
		fill(slot, h("span.muted", cur.proctype + " of " + name));
		fill(facts, h("section.card", h("h2", "Spec"), specFacts(cur),
			dl([["Image", h("span.mono", cur.image)], ["Command", (cur.cmd || []).join(" ")],
				cur.lasterror && ["Last error", h("pre.error-text", cur.lasterror)]])));
		scale.hidden = res.hidden = !deployed;
		nNow.textContent = "now " + cur.numinstances;
		resNow.textContent = "Now: cpu " + cur.cpu + ", memory " + cur.memory + ".";
		if (!filled) [n.value, cpu.value, mem.value, filled] = [cur.numinstances, cur.cpu, String(cur.memory).replace(/ ?([KMGT])B$/, "$1"), true];
		fill(pods, deployed ? podsTable(cur, ctx) : muted(proc + " is not deployed."));
		fill(bottom, deployed
			? act("rm", "Remove proc", { cls: "btn danger", name: "Remove proc " + proc, pending: "Removing…", after: refresh,
				confirm: { title: "Remove " + proc + " from " + name + "?", typed: proc, danger: true, confirm: "Remove proc",
					text: "Every pod of " + proc + " is removed. It stays in lain.yaml and can be deployed again here." },
				work: () => call("DELETE", url).then((r) => "Removed " + proc + ". " + r.msg) })
			: act("dp", "Deploy proc", { cls: "btn primary", name: "Deploy proc " + proc, pending: "Deploying…", after: refresh,
				work: () => call("POST", apiApp(name, "procs"), { procname: proc }).then((r) => "Deployed " + proc + ". " + r.msg) }));
	}

	return { title: proc + " · " + name, refresh, live: true };
}
