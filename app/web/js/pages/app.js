// App (/apps/<app>): summary, procs and pods, portals, what it uses, a
// resource's instances; upgrade, deploy a version, undeploy.
import { h, fill, dl, table, badge, muted, td, tr, rh, tc, h2 } from "../dom.js";
import { get, call } from "../api.js";
import { act } from "../actions.js";
import { appState, procHealthy, versionTime, fmtTime, shortVersion, podCounts } from "../model.js";
import { appFrame, appUrl, apiApp, enc, failure, podsTable, loadHistories, specFacts, empty } from "./common.js";

export function appPage(main, name) {
  const { body, slot } = appFrame(main, name, "");
  const ctx = { app: name, open: new Set(), hist: new Map(), refresh };
  const summary = h("section", { class: "card", "aria-labelledby": "sum" }), procs = h("div"), related = h("div");
  body.append(summary, procs, related);
  let latest, detail, clients;
  const link = (a) => h("a", { href: appUrl(a) }, a);

  const upgrade = () => act("upgrade", "Upgrade to latest", { cls: "btn primary", pending: "Deploying…",
    confirm: { title: "Upgrade " + name + " to " + (latest ? shortVersion(latest) : "the latest version") + "?",
      text: "Every proc is deployed again with the newest image; its pods are replaced.", confirm: "Upgrade" },
    work: async () => (await call("PUT", apiApp(name), {})).msg, after: refresh });

  const undeploy = () => act("undeploy", "Undeploy", { cls: "btn danger", pending: "Undeploying…",
    confirm: { title: "Undeploy " + name + "?", typed: name, danger: true, confirm: "Undeploy",
      text: "Every proc of " + name + " is removed from the cluster. It stays registered and can be deployed again." },
    work: async () => "Undeployed " + name + ". " + (await call("DELETE", apiApp(name))).msg, after: refresh });

  const firstDeploy = () => act("deploy", "Deploy", { cls: "btn primary", name: "Deploy " + name, pending: "Deploying…",
    work: async () => (await call("POST", "/apps/", { appname: name })).msg, after: refresh });

  const restartAll = (p) => act("restart-all:" + p, "Restart all", { name: "Restart all pods of " + p, cls: "btn small",
    pending: "Restarting…", confirm: { title: "Restart every pod of " + p + "?", text: "Every container of the proc restarts.", confirm: "Restart all" },
    work: async () => {
      await call("PATCH", apiApp(name, "procs/" + enc(p)), { operation: "restart" });
      return "Restart of every pod of " + p + " accepted.";
    },
    after: refresh });

  // kind: "proc", "portal" or "template" (a resource's)
  function drawProc(p, kind) {
    const id = "proc-" + p.procname, ok = procHealthy(p), url = appUrl(name, "procs/" + enc(p.procname));
    return h("section", { class: "card", "aria-labelledby": id },
      h("div", { class: "card-head" }, h("h3", { id }, kind === "proc" ? h("a", { href: url }, p.procname) : p.procname),
        h("span", { class: "muted" }, p.proctype),
        kind !== "template" && badge(ok ? "healthy" : "deploying", ok ? "all running" : "not all running"),
        kind === "proc" && [h("span", { class: "spacer" }), h("a", { class: "btn small", href: url, "aria-label": "Scale " + p.procname }, "Scale…"),
          restartAll(p.procname)]),
      specFacts(p), p.lasterror && h("p", { class: "notice error" }, p.lasterror),
      kind !== "template" && podsTable(p, { ...ctx, actions: kind === "proc" }));
  }

  async function drawRelated(a) {
    const parts = [];
    if (a.apptype === "resource") {
      let rows;
      try {
        rows = (await get("/resources/" + enc(name) + "/instances/")).instances.map((i) => tr(
          rh(link(i.appname)), tc("mono", shortVersion(i.metaversion)), td(badge(appState(i)))));
      } catch (e) {
        rows = [tr(h("td", { colspan: 3 }, e.message))];
      }
      parts.push(h2("Instances"), rows.length ? table("Instances of " + name, ["Instance", "Version", "State"], rows)
        : empty("No app uses " + name + " yet."));
    } else if ((a.portals || []).length) {
      if (clients === undefined) {
        clients = await get("/apps/").then((r) => r.apps.filter((c) => c.useservices.some((u) => u.servicename === name)).map((c) => c.appname), () => null);
      }
      parts.push(h2("Portals"), h("p", null, "Clients you can see: ",
        clients ? (clients.length ? clients.map((c, i) => [i ? ", " : "", link(c)]) : "none") : "unknown"),
      a.portals.map((p) => drawProc(p, "portal")));
    }
    const uses = (title, list, cols, row) => list.length && parts.push(h2(title), table(title, cols, list.map(row)));
    uses("Uses services", a.useservices || [], ["Service", "Portals", "State"], (u) => {
      const ok = (u.service?.portals || []).length && u.service.portals.every(procHealthy);
      return tr(rh(link(u.servicename)), td((u.serviceprocs || []).join(", ")),
        td(badge(ok ? "healthy" : "failed", ok ? "portal running" : "portal missing")));
    });
    uses("Uses resources", a.useresources || [], ["Resource", "Instance", "State"], (u) => {
      const i = u.resourceinstance?.appname && u.resourceinstance;
      return tr(rh(link(u.resourcename)), td(i ? link(i.appname) : "not deployed"),
        td(i ? badge(appState(i)) : badge("failed", "missing")));
    });
    fill(related, parts);
  }

  // live: the periodic refresh skips the versions and the git URL.
  async function refresh(live) {
    let a;
    try {
      const [r, d, v] = await Promise.all([get(apiApp(name)), !live && get("/repos/" + enc(name) + "/details/").catch(() => null),
        !live && get("/repos/" + enc(name) + "/versions/").catch(() => null), loadHistories(ctx)]);
      a = r.app;
      if (!live) [detail, latest] = [d && d.detail, v && v.version.tags[0]];
    } catch (e) {
      fill(procs);
      fill(related);
      if (e.status !== 404 || !/not been deployd/.test(e.message)) return fill(summary, failure(e, name));
      fill(slot, badge("registered"));
      return fill(summary, h("h2", { id: "sum" }, "Summary"),
        h("p", null, name + " is registered but not deployed. Deploy its newest version once its images are in the registry."),
        h("div", { class: "bar" }, firstDeploy(), h("a", { class: "btn", href: appUrl(name, "versions") }, "Versions")));
    }
    const state = appState(a), [run, all] = podCounts(a), res = a.apptype === "resource";
    fill(slot, badge(state), h("span", { class: "muted" }, a.apptype));
    fill(summary, h("h2", { id: "sum" }, "Summary"),
      dl([["Version", h("span", { class: "mono" }, a.metaversion)], ["Commit time", fmtTime(versionTime(a.metaversion))],
        ["Updated", a.updatetime + " UTC"], ["Git URL", detail?.giturl || "–"],
        ["State", [badge(state), " ", res ? "a resource: its instances run, not itself" : run + " of " + all + " pods running"]],
        a.deployerror && ["Deploy error", h("pre", { class: "error-text" }, a.deployerror)]]),
      h("div", { class: "bar" }, !res && upgrade(), h("a", { class: "btn", href: appUrl(name, "versions") }, "Deploy a version…"),
        !res && h("span", { class: "spacer" }), !res && undeploy()));
    const list = res ? [...(a.procs || []), ...(a.portals || [])] : a.procs || [];
    fill(procs, list.length && [h2(res ? "Proc templates" : "Procs"),
      res && muted("A resource runs nothing itself: every app that uses it gets an instance (below) with these procs and portals."),
      list.map((p) => drawProc(p, res ? "template" : "proc"))]);
    await drawRelated(a);
  }

  return { title: name, refresh, live: true };
}
