// App (/apps/<app>): summary, procs, pods, portals, what it uses, a resource's instances; upgrade, deploy, roll back, undeploy.
import { h, fill, dl, table, row, rh, badge, muted, get, call, act, change, appState, procHealthy, portalsUp, versionTime, fmtTime,
	shortVersion, podCounts, allProcs, appFrame, appUrl, apiApp, apiRepo, enc, failure, podsTable, loadHistories, specFacts, empty, firstDeploy,
	rollback } from "./common.js";

export function appPage(main, name) {
	const { body, slot } = appFrame(main, name, "");
	const ctx = { app: name, open: new Set(), hist: new Map(), refresh };
	const [summary, procs, related] = [h("section.card", { "aria-labelledby": "sum" }), h("div"), h("div")];
	body.append(summary, procs, related);
	let latest, detail, clients;
	const link = (a) => h("a", { href: appUrl(a) }, a), head = (a) => rh(link(a));
	const versions = (label) => h("a.btn", { href: appUrl(name, "versions") }, label), repo = (r) => get(apiRepo(name, r)).catch(() => null);

	const upgrade = () => act("upgrade", "Upgrade to latest", { cls: "btn primary", after: refresh, ...change({ method: "PUT",
		path: apiApp(name), body: {}, title: "Upgrade " + name + " to " + (latest ? shortVersion(latest) : "the latest version") + "?",
		ok: "Upgrade", said: (r) => r.msg }) });

	const undeploy = () => act("undeploy", "Undeploy", { cls: "btn danger", pending: "Undeploying…", after: refresh,
		confirm: { title: "Undeploy " + name + "?", typed: name, danger: true, confirm: "Undeploy",
			text: "Every proc of " + name + " is removed from the cluster. It stays registered and can be deployed again." },
		work: () => call("DELETE", apiApp(name)).then((r) => "Undeployed " + name + ". " + r.msg) });

	const restartAll = (p) => act("restart-all:" + p, "Restart all", { name: "Restart all pods of " + p, cls: "btn small",
		pending: "Restarting…", confirm: { title: "Restart every pod of " + p + "?", text: "Every container of the proc restarts.", confirm: "Restart all" },
		work: () => call("PATCH", apiApp(name, "procs/" + enc(p)), { operation: "restart" }).then(() => "Restart of every pod of " + p + " accepted."),
		after: refresh });

	// kind: "proc", "portal" or "template" (a resource's)
	function drawProc(p, kind) {
		const id = "proc-" + p.procname, ok = procHealthy(p), url = appUrl(name, "procs/" + enc(p.procname));
		return h("section.card", { "aria-labelledby": id },
			h("div.card-head", h("h3", { id }, kind === "proc" ? h("a", { href: url }, p.procname) : p.procname), h("span.muted", p.proctype),
				kind !== "template" && badge(ok ? "healthy" : "deploying", ok ? "all running" : "not all running"),
				kind === "proc" && [h("span.spacer"), h("a.btn.small", { href: url, "aria-label": "Scale " + p.procname }, "Scale…"), restartAll(p.procname)]),
			specFacts(p), p.lasterror && h("p.notice.error", p.lasterror), kind !== "template" && podsTable(p, { ...ctx, actions: kind === "proc" }));
	}

	async function drawRelated(a) {
		const parts = [], uses = (title, list, cols, draw) => list?.length && parts.push(h("h2", title), table(title, cols, list.map(draw)));
		if (a.apptype === "resource") {
			const rows = await get(apiApp(name, "instances", "resources")).then((r) => r.instances.map((i) =>
				row(head(i.appname), h("td.mono", shortVersion(i.metaversion)), badge(appState(i)))), (e) => [row(h("td", { colspan: 3 }, e.message))]);
			parts.push(h("h2", "Instances"), rows.length ? table("Instances of " + name, ["Instance", "Version", "State"], rows)
				: empty("No app uses " + name + " yet."));
		} else if (a.portals?.length) {
			clients ??= await get("/apps/").then((r) => r.apps.filter((c) => c.useservices.some((u) => u.servicename === name)).map((c) => c.appname), () => null);
			parts.push(h("h2", "Portals"), h("p", "Clients you can see: ", clients ? (clients.length ? clients.map((c, i) => [i ? ", " : "", link(c)]) : "none")
				: "unknown"), a.portals.map((p) => drawProc(p, "portal")));
		}
		uses("Uses services", a.useservices, ["Service", "Portals", "State"], (u) => row(head(u.servicename), (u.serviceprocs || []).join(", "),
			portalsUp(u) ? badge("healthy", "portal running") : badge("failed", "portal missing")));
		uses("Uses resources", a.useresources, ["Resource", "Instance", "State"], (u) => {
			const i = u.resourceinstance?.appname && u.resourceinstance;
			return row(head(u.resourcename), i ? link(i.appname) : "not deployed", i ? badge(appState(i)) : badge("failed", "missing"));
		});
		fill(related, parts);
	}

	// live: the periodic refresh skips the versions and the git URL.
	async function refresh(live) {
		let a;
		try {
			const [r, d, v] = await Promise.all([get(apiApp(name)), !live && repo("details"), !live && repo("versions"), loadHistories(ctx)]);
			a = r.app;
			if (!live) [detail, latest] = [d && d.detail, v && v.version.tags[0]];
		} catch (e) {
			fill(procs);
			fill(related);
			if (e.status !== 404 || !/not been deployd/.test(e.message)) return fill(summary, failure(e, name));
			fill(slot, badge("registered"));
			return fill(summary, h("h2", { id: "sum" }, "Summary"),
				h("p", name + " is registered but not deployed. Deploy its newest version once its images are in the registry."),
				h("div.bar", act("deploy", "Deploy", { cls: "btn primary", name: "Deploy " + name, after: refresh, ...firstDeploy(name) }), versions("Versions")));
		}
		const state = appState(a), [run, all] = podCounts(a), res = a.apptype === "resource", list = res ? allProcs(a) : a.procs || [];
		fill(slot, badge(state), h("span.muted", a.apptype));
		fill(summary, h("h2", { id: "sum" }, "Summary"),
			dl([["Version", h("span.mono", a.metaversion)], ["Commit time", fmtTime(versionTime(a.metaversion))],
				["Updated", a.updatetime + " UTC"], ["Git URL", detail?.giturl || "–"],
				["State", [badge(state), " ", res ? "a resource: its instances run, not itself" : run + " of " + all + " pods running"]],
				a.deployerror && ["Deploy error", h("pre.error-text", a.deployerror)]]),
			h("div.bar", !res && upgrade(), versions("Deploy a version…"),
				!res && [act("rb", "Roll back", { after: refresh, ...rollback(name) }), h("span.spacer"), undeploy()]));
		fill(procs, list.length && [h("h2", res ? "Proc templates" : "Procs"),
			res && muted("A resource runs nothing itself: every app that uses it gets an instance (below) with these procs and portals."),
			list.map((p) => drawProc(p, res ? "template" : "proc"))]);
		await drawRelated(a);
	}

	return { title: name, refresh, live: true };
}
