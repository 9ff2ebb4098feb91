// What the app pages share: the frame, the pods table, panels.
import { h, table, badge, muted, td, tr, tc } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { act } from "../actions.js";
import { isUp, podStart, podInstance, ago, fmtTime, imageVersion, shortVersion } from "../model.js";

export const enc = encodeURIComponent;
export const appUrl = (app, rest) => "/apps/" + enc(app) + (rest ? "/" + rest : "");
export const apiApp = (app, rest) => "/apps/" + enc(app) + "/" + (rest ? rest + "/" : "");

// An app's tabs; a new one (e.g. Releases) is one row here.
const TABS = [["Overview", ""], ["Versions", "versions"], ["Activity", "activity"], ["People", "people", () => session.auth !== "closed"]];

// The frame of an app page (sub: a proc's name): {body, slot by the title}.
export function appFrame(main, app, tab, sub) {
  const slot = h("span", { class: "title-badge" }), you = h("p", { class: "you muted" }), body = h("div");
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/" }, "Apps"), " / ",
      tab || sub ? h("a", { href: appUrl(app) }, app) : app, sub && " / " + sub),
    h("div", { class: "title" }, h("h1", null, sub || app), slot),
    h("nav", { class: "tabs", "aria-label": "App " + app }, TABS.filter((t) => !t[2] || t[2]()).map(([label, path]) =>
      h("a", { href: appUrl(app, path), "aria-current": path === tab && !sub && "page" }, label))),
    you, body);
  if (session.auth === "closed") you.textContent = "Auth is off in this cluster: anyone may change " + app + ".";
  else {
    get("/repos/" + enc(app) + "/roles/").then((r) => r.role.role, () => "no").then((role) => {
      you.textContent = "You are " + session.user + ", " + role + " maintainer of " + app + ".";
    });
  }
  return { body, slot };
}

export function failure(e, app) {
  return h("div", { class: "notice error", role: "alert" }, e.status === 403
    ? "You are not a maintainer of " + app + ": ask one of its maintainers to add you. (" + e.message + ")" : e.message);
}

export const empty = (text, more) => h("div", { class: "empty" }, h("p", null, text), more);

const ING = { start: "Starting…", stop: "Stopping…", restart: "Restarting…" };

// A proc's pods with start/stop/restart and history (E11). ctx: {app,
// open: Set of "proc:n", hist: Map, refresh, actions}.
export function podsTable(p, ctx) {
  const rows = [];
  for (const pod of (p.pods || []).slice().sort((a, b) => podInstance(a) - podInstance(b))) {
    const n = podInstance(pod), key = p.procname + ":" + n, what = p.procname + " instance " + n, open = ctx.open.has(key);
    const op = (o, label, text) => act(o + ":" + key, label, {
      name: label + " " + what, cls: "btn small", pending: ING[o],
      confirm: text && { title: label + " " + what + "?", text, confirm: label, danger: o === "stop" },
      work: async () => {
        await call("PATCH", apiApp(ctx.app, "procs/" + enc(p.procname)), { operation: o, instance: n });
        return label + " of " + what + " accepted.";
      },
      after: ctx.refresh,
    });
    rows.push(tr(
      td(n), tc("wide", pod.nodeip), tc("wide mono", pod.containerip),
      td(isUp(pod) ? badge("healthy", "running") : badge("failed", "not running")),
      td(isUp(pod) ? ago(podStart(pod)) : "–"),
      tc("wide mono", shortVersion(imageVersion(p.image))),
      tc("actions", ctx.actions === false ? "–" : [
        isUp(pod) ? op("stop", "Stop", "Its container stops until started again.") : op("start", "Start"),
        op("restart", "Restart", "Its container restarts; it is down for a moment."),
        h("button", { class: "btn small link", "aria-expanded": String(open), "aria-label": "History of " + what,
          dataset: { key: "h:" + key }, onclick: () => { ctx.open[open ? "delete" : "add"](key); ctx.refresh(true); } }, "History")])));
    if (open) rows.push(h("tr", { class: "sub" }, h("td", { colspan: 7 }, history(ctx.hist.get(key), what))));
  }
  if (!rows.length) rows.push(tr(h("td", { colspan: 7, class: "muted" }, p.numinstances ? "No pods yet." : "Scaled to 0 instances.")));
  return table("Pods of " + p.procname, ["Instance", { text: "Node", cls: "wide" }, { text: "IP", cls: "wide" }, "Status",
    "Up for", { text: "Version", cls: "wide" }, "Actions"], rows);
}

function history(list, what) {
  if (!Array.isArray(list)) return muted(list ? "No history: " + list.message : "Loading…");
  return list.length ? h("ol", { class: "history", "aria-label": "Status history of " + what }, list.map((e) => h("li", null,
    fmtTime(new Date(e.time * 1000), true) + " ", h("strong", null, e.action || e.status), " " + (e.image || "") + (e.node ? " on " + e.node : ""))))
    : muted("No history of " + what + ".");
}

// Reads the histories of the open pods into ctx.hist.
export function loadHistories(ctx) {
  return Promise.all([...ctx.open].map(async (key) => {
    const [proc, n] = key.split(":");
    try {
      const r = await get(apiApp(ctx.app, "procs/" + enc(proc) + "/instance/" + n + "/histories"));
      ctx.hist.set(key, r.proc.StatusHistory || []);
    } catch (e) {
      ctx.hist.set(key, e);
    }
  }));
}

// A proc's spec in one line of facts.
export function specFacts(p) {
  const f = (k, v) => v !== "" && h("li", null, h("span", { class: "muted" }, k + " "), v);
  return h("ul", { class: "facts-inline" }, f("image", h("span", { class: "mono" }, shortVersion(imageVersion(p.image)))),
    f("instances", p.numinstances), f("cpu", p.cpu), f("memory", p.memory),
    f("ports", (p.ports || []).map((x) => x.portnumber + "/" + x.porttype).join(", ")), f("mountpoints", (p.mountpoints || []).join(", ")));
}
