// Releases (/apps/<app>/releases, issue 13): newest first, the current one marked; roll back to an older one.
import { h, table, row, rh, badge, get, act, TONE, ago, fmtTime, fmtSize, shortVersion, listPage, apiApp, empty, deployed, rollback } from "./common.js";

export const releasesPage = (main, name) => listPage(main, name, "releases",
	() => Promise.all([get(apiApp(name, "releases")).then((r) => r.releases), deployed(name)]),
	([rels, app], refresh) => {
		// What runs: the newest release that did not fail (none once undeployed).
		const cur = app && rels.find((r) => /succeeded|pending/.test(r.state));
		return [h("h2", "Release history"), !rels.length ? empty("No release of " + name + " yet: its first deploy makes one.")
			: table("Releases of " + name, ["Release", "Version and procs", "State"], rels.map((r) => {
				const at = new Date(r.created);
				return row(rh(r.id, " ", r === cur && badge("current"), h("span.line", r.op, r.rollback_of && " to " + r.rollback_of),
					h("span.muted.line", r.user + " · ", h("time", { datetime: r.created, title: fmtTime(at, true) }, ago(at) + " ago"))),
				[h("span.mono", shortVersion(r.meta_version)), Object.entries(r.procs).map(([p, s]) =>
					h("span.muted.line", p + " ×" + s.num_instances + (s.cpu ? " · cpu " + s.cpu : "") + " · " + fmtSize(s.memory)))],
				[badge(TONE[r.state] || "failed", r.state.replace("_", " ")), r.error && h("pre.error-text", r.error),
					cur && r.id < cur.id && r.state === "succeeded" && act("rb:" + r.id, "Roll back to here", { cls: "btn small", after: refresh,
						name: "Roll back to here (release " + r.id + ")", ...rollback(name, r.id) })]);
			}))];
	}, true);
