// Versions (/apps/<app>/versions): the registry's, the running one marked.
import { h, table, row, badge, get, act, change, versionTime, fmtTime, shortVersion, listPage, apiApp, apiRepo, empty, deployed, firstDeploy } from "./common.js";

export const versionsPage = (main, name) => listPage(main, name, "versions",
	() => Promise.all([get(apiRepo(name, "versions")).then((v) => v.version.tags), deployed(name)]),
	([tags, app], refresh) => [h("h2", "Versions in the registry"), !tags.length
		? empty("No version of " + name + " is in the registry yet: push its images first.")
		: table("Versions of " + name, ["Version", "Commit time", "State"], tags.map((t) => row(h("th.mono", { scope: "row" }, t),
			fmtTime(versionTime(t)), app && t === app.metaversion ? badge("healthy", "running") : act("v:" + t, "Deploy this version", {
				cls: "btn small", after: refresh, ...(app ? change({ method: "PUT", path: apiApp(name), body: { meta_version: t }, ok: "Deploy",
					title: "Deploy version " + shortVersion(t) + " of " + name + "?", said: (r) => r.msg }) : firstDeploy(name)) }))))]);
