// App (/apps/<app>): summary, deploy error in full, procs with their pods,
// portals and their clients, used services and resources, resource
// instances; upgrade, deploy a version, undeploy.
import { h, fill, dl, table, badge } from "../dom.js";
import { get, call, ApiError } from "../api.js";
import { actionButton, run } from "../actions.js";
import { appState, procHealthy, parseVersion, fmtTime, shortVersion, podCounts } from "../model.js";
import { appFrame, appUrl, apiApp, enc, failure, podsTable, loadHistories, specFacts, empty } from "./common.js";

export function appPage(main, name) {
  const { body, slot } = appFrame(main, name, "");
  const ctx = { app: name, open: new Set(), histories: new Map(), refresh };
  const actions = h("div", { class: "actions-bar" });
  const summary = h("section", { class: "card", "aria-labelledby": "summary-title" });
  const procs = h("div");
  const related = h("div");
  body.append(summary, procs, related);
  let latest = null;
  let detail = null;
  let clients;           // apps using this service, read once per page

  function upgrade(button) {
    const to = latest ? " (" + shortVersion(latest) + ")" : "";
    return run({
      key: "upgrade", button, pending: "Deploying…",
      confirm: { title: "Upgrade " + name + " to the latest version" + to + "?",
        text: "Every proc is deployed again with the newest image; pods are replaced.", confirm: "Upgrade" },
      progress: "Upgrading " + name + to + " (a deploy may take a minute)…",
      work: async () => {
        const r = await call("PUT", apiApp(name), {});
        return (r.msg || "Upgrade of " + name + " accepted.").trim();
      },
      after: refresh,
    });
  }

  function undeploy(button) {
    return run({
      key: "undeploy", button, pending: "Undeploying…",
      confirm: { title: "Undeploy " + name + "?", typed: name, danger: true, confirm: "Undeploy",
        text: "Every proc of " + name + " is removed from the cluster. The app stays registered and can be deployed again." },
      progress: "Undeploying " + name + "…",
      work: async () => {
        const r = await call("DELETE", apiApp(name));
        return "Undeployed " + name + ". " + (r.msg || "").trim();
      },
      after: refresh,
    });
  }

  function firstDeploy(button) {
    return run({
      key: "deploy", button, pending: "Deploying…",
      progress: "Deploying " + name + " (a deploy may take a minute)…",
      work: async () => {
        const r = await call("POST", "/apps/", { appname: name });
        return (r.msg || "Deploy of " + name + " accepted.").trim();
      },
      after: refresh,
    });
  }

  function drawSummary(a) {
    const v = parseVersion(a.metaversion);
    const state = appState(a);
    fill(slot, badge(state), h("span", { class: "muted" }, a.apptype));
    const [running, total] = podCounts(a);
    fill(summary,
      h("h2", { id: "summary-title" }, "Summary"),
      dl([
        ["Version", h("span", { class: "mono" }, a.metaversion || "–")],
        ["Commit time", v.time ? fmtTime(v.time) : "–"],
        ["Updated", a.updatetime ? a.updatetime + " UTC" : "–"],
        ["Git URL", detail && detail.giturl ? detail.giturl : "–"],
        ["State", [badge(state), " ", a.apptype === "resource" ? "a resource: its instances run, not itself"
          : running + " of " + total + " pods running"]],
        a.deployerror ? ["Deploy error", h("pre", { class: "deployerror" }, a.deployerror)] : null,
      ]),
      actions);
    fill(actions,
      a.apptype === "resource" ? null : actionButton("upgrade", "Upgrade to latest", upgrade, { cls: "btn primary" }),
      h("a", { class: "btn", href: appUrl(name, "versions") }, "Deploy a version…"),
      a.apptype === "resource" ? null : actionButton("undeploy", "Undeploy", undeploy, { cls: "btn danger" }));
  }

  // A resource's procs are templates: each client's instance runs them.
  function drawTemplate(p) {
    const id = "proc-" + p.procname;
    return h("section", { class: "card proc", "aria-labelledby": id },
      h("div", { class: "card-head" }, h("h3", { id }, p.procname), h("span", { class: "muted" }, p.proctype)),
      specFacts(p));
  }

  function drawProc(p, portal) {
    const id = "proc-" + p.procname;
    return h("section", { class: "card proc", "aria-labelledby": id },
      h("div", { class: "card-head" },
        h("h3", { id }, portal ? p.procname : h("a", { href: appUrl(name, "procs/" + enc(p.procname)) }, p.procname)),
        h("span", { class: "muted" }, p.proctype),
        badge(procHealthy(p) ? "healthy" : "deploying", procHealthy(p) ? "all running" : "not all running"),
        portal ? null : h("span", { class: "spacer" }),
        portal ? null : h("a", { class: "btn small", href: appUrl(name, "procs/" + enc(p.procname)),
          "aria-label": "Scale " + p.procname }, "Scale…"),
        portal ? null : actionButton("restart-all:" + p.procname, "Restart all", (b) => run({
          key: "restart-all:" + p.procname, button: b, pending: "Restarting…",
          confirm: { title: "Restart every pod of " + p.procname + "?", text: "Every container of the proc restarts.", confirm: "Restart all" },
          progress: "Restarting every pod of " + p.procname + "…",
          work: async () => {
            await call("PATCH", apiApp(name, "procs/" + enc(p.procname)), { operation: "restart" });
            return "Restart of every pod of " + p.procname + " accepted.";
          },
          after: refresh,
        }), { name: "Restart all pods of " + p.procname, cls: "btn small" })),
      specFacts(p),
      p.lasterror ? h("p", { class: "notice error" }, p.lasterror) : null,
      podsTable(p, { ...ctx, actions: !portal }));
  }

  function allResourceProcs(a) {
    return a.apptype === "resource" ? [...(a.procs || []), ...(a.portals || [])] : a.procs || [];
  }

  function appLink(a) {
    return h("a", { href: appUrl(a) }, a);
  }

  async function drawRelated(a) {
    const parts = [];
    if ((a.portals || []).length && a.apptype !== "resource") {
      if (clients === undefined) {
        try {
          const all = await get("/apps/");
          clients = (all.apps || []).filter((c) => (c.useservices || []).some((u) => u.servicename === name))
            .map((c) => c.appname);
        } catch (e) { clients = null; }
      }
      parts.push(h("h2", null, "Portals"),
        h("p", null, "Clients you can see: ", clients === null ? "unknown" : clients.length
          ? clients.map((c, i) => [i ? ", " : "", appLink(c)]) : "none"),
        a.portals.map((p) => drawProc(p, true)));
    }
    if ((a.useservices || []).length) {
      parts.push(h("h2", null, "Uses services"), table("Services " + name + " uses", ["Service", "Portals", "State"],
        a.useservices.map((u) => {
          const ps = (u.service && u.service.portals) || [];
          const ok = ps.length && ps.every(procHealthy);
          return h("tr", null, h("th", { scope: "row" }, appLink(u.servicename)),
            h("td", null, (u.serviceprocs || []).join(", ")),
            h("td", null, badge(ok ? "healthy" : "failed", ok ? "portal running" : "portal missing")));
        })));
    }
    if ((a.useresources || []).length) {
      parts.push(h("h2", null, "Uses resources"), table("Resources " + name + " uses", ["Resource", "Instance", "State"],
        a.useresources.map((u) => {
          const inst = u.resourceinstance && u.resourceinstance.appname ? u.resourceinstance : null;
          return h("tr", null, h("th", { scope: "row" }, appLink(u.resourcename)),
            h("td", null, inst ? appLink(inst.appname) : "not deployed"),
            h("td", null, inst ? badge(appState(inst)) : badge("failed", "missing")));
        })));
    }
    if (a.apptype === "resource") {
      let rows;
      try {
        const r = await get("/resources/" + enc(name) + "/instances/");
        rows = (r.instances || []).map((i) => h("tr", null, h("th", { scope: "row" }, appLink(i.appname)),
          h("td", { class: "mono" }, shortVersion(i.metaversion)), h("td", null, badge(appState(i)))));
      } catch (e) {
        rows = [h("tr", null, h("td", { colspan: 3 }, "The instances could not be listed: " + e.message))];
      }
      parts.push(h("h2", null, "Instances"), rows.length
        ? table("Instances of " + name, ["Instance", "Version", "State"], rows)
        : empty("No app uses this resource yet."));
    }
    fill(related, parts);
  }

  // live: a periodic refresh, which reads only what changes by itself (the
  // app and its pods), not the registry's versions or the git URL.
  async function refresh(live) {
    let a;
    try {
      const [r, d, v] = await Promise.all([
        get(apiApp(name)),
        live ? null : get("/repos/" + enc(name) + "/details/").catch(() => null),
        live ? null : get("/repos/" + enc(name) + "/versions/").catch(() => null),
        loadHistories(ctx),
      ]);
      a = r.app;
      if (!live) {
        detail = d && d.detail;
        latest = v && v.version && v.version.tags ? v.version.tags[0] : null;
      }
    } catch (e) {
      fill(procs);
      fill(related);
      if (e instanceof ApiError && e.status === 404 && /has not been deployd/.test(e.message)) {
        fill(slot, badge("registered"));
        fill(summary, h("h2", { id: "summary-title" }, "Summary"),
          h("p", null, name + " is registered but not deployed. Deploy its newest version once its images are in the registry."),
          h("div", { class: "actions-bar" },
            actionButton("deploy", "Deploy", firstDeploy, { cls: "btn primary", name: "Deploy " + name }),
            h("a", { class: "btn", href: appUrl(name, "versions") }, "Versions")));
        return;
      }
      fill(summary, failure(e, name));
      return;
    }
    drawSummary(a);
    const resource = a.apptype === "resource";
    fill(procs, (a.procs || []).length ? [h("h2", null, resource ? "Proc templates" : "Procs"),
      resource ? h("p", { class: "muted" }, "A resource runs nothing itself: every app that uses it gets an instance " +
        "(below) with these procs and portals.") : null,
      allResourceProcs(a).map((p) => resource ? drawTemplate(p) : drawProc(p, false))] : null);
    await drawRelated(a);
  }

  return { title: name, refresh, live: true };
}
