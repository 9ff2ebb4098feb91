// Versions (/apps/<app>/versions): the registry's, the running one marked.
import { h, fill, table, badge, muted, td, tr, h2 } from "../dom.js";
import { get, call } from "../api.js";
import { act } from "../actions.js";
import { versionTime, fmtTime } from "../model.js";
import { appFrame, apiApp, enc, failure, empty } from "./common.js";

export function versionsPage(main, name) {
  const { body } = appFrame(main, name, "versions");
  const list = h("div", null, muted("Loading versions…"));
  body.append(h2("Versions in the registry"), list);

  async function refresh() {
    let tags, app;
    try {
      [tags, app] = await Promise.all([get("/repos/" + enc(name) + "/versions/").then((v) => v.version.tags),
        get(apiApp(name)).then((r) => r.app, (e) => { if (e.status === 404) return null; throw e; })]);
    } catch (e) {
      return fill(list, failure(e, name));
    }
    if (!tags.length) return fill(list, empty("No version of " + name + " is in the registry yet: push its images first."));
    fill(list, table("Versions of " + name, ["Version", "Commit time", "State"], tags.map((t) => {
      const here = app && t === app.metaversion;
      return tr(h("th", { scope: "row", class: "mono" }, t), td(fmtTime(versionTime(t))),
        td(here ? badge("healthy", "running") : act("v:" + t, "Deploy this version", { cls: "btn small", pending: "Deploying…",
          confirm: { title: "Deploy version " + t + " of " + name + "?", confirm: "Deploy",
            text: app ? "Every proc is deployed again with this version; its pods are replaced." : "This is its first deploy." },
          work: async () => (await (app ? call("PUT", apiApp(name), { meta_version: t }) : call("POST", "/apps/", { appname: name }))).msg,
          after: refresh })));
    })));
  }

  return { title: name + " versions", refresh };
}
