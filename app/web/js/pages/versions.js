// Versions (/apps/<app>/versions): the registry's versions with their commit
// time, the running one marked, and "Deploy this version".
import { h, fill, table, badge } from "../dom.js";
import { get, call, ApiError } from "../api.js";
import { actionButton, run } from "../actions.js";
import { parseVersion, fmtTime, imageVersion } from "../model.js";
import { appFrame, apiApp, enc, failure, empty } from "./common.js";

export function versionsPage(main, name) {
  const { body } = appFrame(main, name, "versions");
  const list = h("div", null, h("p", { class: "muted" }, "Loading versions…"));
  body.append(h("h2", null, "Versions in the registry"), list);

  function deploy(tag, deployed, button) {
    return run({
      key: "deploy:" + tag, button, pending: "Deploying…",
      confirm: { title: "Deploy version " + tag + " of " + name + "?", confirm: "Deploy",
        text: deployed ? "Every proc is deployed again with this version's image; pods are replaced."
          : name + " is not deployed yet: this is its first deploy." },
      progress: "Deploying " + name + " " + tag + " (a deploy may take a minute)…",
      work: async () => {
        const r = deployed ? await call("PUT", apiApp(name), { meta_version: tag })
          : await call("POST", "/apps/", { appname: name });
        return (r.msg || "Deploy accepted.").trim();
      },
      after: refresh,
    });
  }

  async function refresh() {
    let tags, app = null;
    try {
      const [v, a] = await Promise.all([
        get("/repos/" + enc(name) + "/versions/"),
        get(apiApp(name)).catch((e) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        }),
      ]);
      tags = (v.version && v.version.tags) || [];
      app = a && a.app;
    } catch (e) {
      fill(list, failure(e, name));
      return;
    }
    if (!tags.length) {
      fill(list, empty("No version of " + name + " is in the registry yet.",
        h("p", { class: "muted" }, "Push its meta and release images (lain build, lain push) first.")));
      return;
    }
    const running = new Set(((app && app.procs) || []).map((p) => imageVersion(p.image)));
    const current = app ? app.metaversion : "";
    fill(list, table({ text: "Versions of " + name, visible: false }, ["Version", "Commit time", "State", "Action"],
      tags.map((t) => {
        const here = t === current;
        return h("tr", { class: here ? "current" : null },
          h("th", { scope: "row", class: "mono" }, t),
          h("td", null, fmtTime(parseVersion(t).time)),
          h("td", null, here ? badge("healthy", "running") : running.has(t) ? badge("deploying", "partly running") : ""),
          h("td", null, here ? h("span", { class: "muted" }, "deployed")
            : actionButton("deploy:" + t, "Deploy this version",
              (b) => deploy(t, !!app, b), { cls: "btn small" })));
      }), "grid versions"));
  }

  return { title: name + " versions", refresh, live: false };
}
