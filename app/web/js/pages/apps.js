// Apps (/): the apps the user sees, unhealthy first; filters; register.
import { h, fill, table, row, rh, alert, card, field, labelled, badge, muted, get, call, session, act, run, notify, appState, STATE_ORDER, podCounts, allProcs,
	shortVersion, appUrl, empty, firstDeploy } from "./common.js";

const TYPES = ["app", "service", "resource", "resource-instance"];

export function appsPage(main) {
	const q = new URLSearchParams(location.search);
	let rows = null, sig = "";
	const counts = h("p.muted");
	const type = h("select", { id: "f-type" }, h("option", { value: "" }, "All types"), TYPES.map((t) => h("option", t)));
	type.value = TYPES.includes(q.get("type")) ? q.get("type") : "";
	const text = h("input", { id: "f-text", type: "search", placeholder: "name, version, proc", value: q.get("q") || "" });
	const list = h("div", muted("Loading apps…"));
	const name = field("new-app");
	const form = card("form", "reg", "Register a new app",
		h("div.row", labelled("App name", name),
			h("button.btn", { value: "" }, "Register"), h("button.btn.primary", { value: "deploy" }, "Register and deploy")),
		muted("Lower-case letters, digits and dashes. Push its images (lain build, lain push) before deploying it."));
	main.append(h("div.title", h("h1", "Apps"), counts),
		h("div.row", { role: "search", "aria-label": "Filter apps" },
			labelled("Type", type), labelled("Filter", text)), list, form);

	type.onchange = text.oninput = () => {
		const p = new URLSearchParams();
		if (type.value) p.set("type", type.value);
		if (text.value.trim()) p.set("q", text.value.trim());
		history.replaceState(null, "", "/" + (p.size ? "?" + p : ""));
		draw();
	};

	form.onsubmit = (e) => {
		e.preventDefault();
		const app = name.value.trim(), button = e.submitter, deploy = button.value;
		if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(app)) return notify("“" + app + "” is not a valid app name: lower-case letters, digits and dashes, starting with a letter.", "error");
		let done;
		run({ key: "reg", button, pending: "Registering…",
			work: () => call("POST", "/repos/", { appname: app }).then(() => {
				name.value = "";
				done = true;
				return "Registered " + app + "." + (deploy ? "" : " Push its images, then deploy it.");
			}),
			// registered, its first deploy follows (planned)
			after: async () => {
				await refresh();
				if (done && deploy) await run({ key: "reg", button, after: refresh, ...firstDeploy(app) });
			} });
	};

	// The rows shown, unless the list shows them already.
	function draw() {
		if (!rows) return;
		const words = text.value.trim().toLowerCase();
		const shown = rows.filter((r) => (!type.value || r.type === type.value) && r.search.includes(words)), s = JSON.stringify(shown);
		if (s === sig) return;
		sig = s;
		const live = rows.filter((r) => r.state !== "registered");
		const pods = live.reduce((a, r) => [a[0] + r.pods[0], a[1] + r.pods[1]], [0, 0]);
		counts.textContent = rows.length + " apps · " + live.reduce((n, r) => n + r.procs.length, 0) + " procs · " + pods[0] + " of " + pods[1] + " pods running";
		fill(list, !rows.length ? (session.auth === "closed" ? empty("No app is registered yet.") : empty("You maintain no apps yet.",
			muted("Apps appear here when you register one below, or when a maintainer of an app adds you to it (its People page). LAIN admins see every app.")))
			: !shown.length ? empty("No app matches the filter.")
				: table("Apps", ["App", "Type", "Version", "Procs", "Pods", "State"],
					shown.map((r) => row(rh(h("a", { href: appUrl(r.name), dataset: { key: r.name } }, r.name)),
						r.type, h("td.mono", shortVersion(r.version)), r.procs.join(", "),
						r.state === "registered" ? "–" : r.type === "resource" ? "template" : r.pods.join("/"),
						[badge(r.state), r.error && h("span.err-line", r.error.split("\n")[0]),
							r.state === "registered" && act("deploy:" + r.name, "Deploy", { name: "Deploy " + r.name, cls: "btn small",
								after: refresh, ...firstDeploy(r.name) })])), [1, 2, 3]));
	}

	async function refresh() {
		try {
			const [apps, repos] = await Promise.all([get("/apps/"), get("/repos/")]);
			const deployed = apps.apps || [], seen = new Set(deployed.map((a) => a.appname));
			rows = deployed.map((a) => ({ name: a.appname, type: a.apptype, version: a.metaversion,
				procs: allProcs(a).map((p) => p.procname), pods: podCounts(a), state: appState(a), error: a.deployerror || "" }))
				.concat((repos.repos || []).filter((r) => !seen.has(r.appname)).map((r) => ({ name: r.appname,
					type: r.appname.startsWith("resource.") ? "resource-instance" : "", version: "", procs: [], pods: [0, 0], state: "registered" })));
			for (const r of rows) r.search = [r.name, r.type, r.version, ...r.procs].join(" ").toLowerCase();
			rows.sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.name.localeCompare(y.name));
			draw();
		} catch (e) {
			sig = "";
			fill(list, alert("The apps could not be listed: " + e.message));
		}
	}

	return { title: "Apps", refresh, live: true };
}
