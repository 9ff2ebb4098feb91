// Pieces the app pages share: the frame (breadcrumb, title, tabs, "you
// are ..."), the pods table with its actions, and error panels.
import { h, fill, table, badge } from "../dom.js";
import { get, call, ApiError } from "../api.js";
import { session } from "../session.js";
import { actionButton, run } from "../actions.js";
import { isUp, podStart, podInstance, ago, fmtTime, imageVersion, shortVersion } from "../model.js";

export const enc = encodeURIComponent;
export const appUrl = (app, rest) => "/apps/" + enc(app) + (rest ? "/" + rest : "");
export const apiApp = (app, rest) => "/apps/" + enc(app) + "/" + (rest ? rest + "/" : "");

// The tabs of an app. A new one (e.g. "Releases") is one row here.
const TABS = [
  ["Overview", ""],
  ["Versions", "versions"],
  ["Activity", "activity"],
  ["People", "people", () => session.auth !== "closed"],
];

// Appends the frame of an app page to main; answers the element the page
// fills and a slot for a state badge next to the title.
export function appFrame(main, app, tab, heading) {
  const slot = h("span", { class: "title-badge" });
  const you = h("p", { class: "you muted" });
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "/" }, "Apps"), " / ",
      tab || heading ? h("a", { href: appUrl(app) }, app) : h("span", { "aria-current": "page" }, app),
      heading ? [" / ", h("span", { "aria-current": "page" }, heading)] : null),
    h("div", { class: "title" }, h("h1", null, heading || app), slot),
    h("nav", { class: "tabs", "aria-label": "App " + app },
      TABS.filter((t) => !t[2] || t[2]()).map(([label, path]) => h("a", {
        href: appUrl(app, path), "aria-current": path === tab && !heading ? "page" : null,
      }, label))),
    you);
  youAre(app, you);
  const body = h("div", { class: "page-body" });
  main.append(body);
  return { body, slot };
}

// "You are alice, admin of hello." (E16)
async function youAre(app, el) {
  if (session.auth === "closed") {
    el.textContent = "Auth is off in this cluster: anyone may change " + app + ".";
    return;
  }
  try {
    const r = await get("/repos/" + enc(app) + "/roles/");
    const role = r.role && r.role.role;
    el.textContent = "You are " + (session.user || "logged in") + ", " + (role || "no") + " maintainer of " + app + ".";
  } catch (e) {
    el.textContent = "You are " + (session.user || "logged in") + "; your role here is unknown (" + e.message + ").";
  }
}

// A page's load failure, said as a person needs it.
export function failure(err, app) {
  let text = err.message;
  if (err instanceof ApiError && err.status === 403) {
    text = "You are not a maintainer of " + app + ". Ask one of its maintainers to add you. (" + err.message + ")";
  }
  return h("div", { class: "notice error", role: "alert" }, text);
}

export function empty(text, more) {
  return h("div", { class: "empty" }, h("p", null, text), more || null);
}

const ING = { start: "Starting", stop: "Stopping", restart: "Restarting" };

// The pods of a proc as table rows, with start/stop/restart and the status
// history (E11) of each pod. ctx: {app, open: Set of "proc:n", histories:
// Map, refresh, actions: false for portals}.
export function podsTable(proc, ctx) {
  const pods = (proc.pods || []).slice().sort((a, b) => podInstance(a) - podInstance(b));
  const cols = ["Instance", { text: "Node", cls: "wide" }, { text: "IP", cls: "wide" }, "Status", "Up for",
    { text: "Version", cls: "wide" }, "Actions"];
  const rows = [];
  for (const pod of pods) {
    const n = podInstance(pod);
    const key = proc.procname + ":" + n;
    const start = podStart(pod);
    const what = proc.procname + " instance " + n;
    const op = (operation, label, confirm) => actionButton(operation + ":" + key, label, (b) => run({
      key: operation + ":" + key, button: b, pending: ING[operation] + "…",
      confirm: confirm && { title: label + " " + what + "?", text: confirm, confirm: label, danger: operation === "stop" },
      progress: ING[operation] + " " + what + "…",
      work: async () => {
        const r = await call("PATCH", apiApp(ctx.app, "procs/" + enc(proc.procname)), { operation, instance: n });
        return label + " of " + what + " accepted. " + (r.msg || "").trim();
      },
      after: ctx.refresh,
    }), { name: label + " " + what, cls: "btn small" + (operation === "stop" ? " danger-text" : "") });
    const open = ctx.open.has(key);
    rows.push(h("tr", null,
      h("td", { class: "num" }, n),
      h("td", { class: "wide" }, pod.nodeip || "–"),
      h("td", { class: "wide mono" }, pod.containerip || "–"),
      h("td", null, isUp(pod) ? badge("healthy", "running") : badge("failed", "not running")),
      h("td", null, isUp(pod) ? h("span", { title: start ? "since " + fmtTime(start, true) : "" }, ago(start)) : "–"),
      h("td", { class: "wide mono" }, shortVersion(imageVersion(proc.image))),
      h("td", { class: "actions" }, ctx.actions === false ? h("span", { class: "muted" }, "–") : [
        isUp(pod) ? op("stop", "Stop", "Its container stops and stays stopped until started again.") : op("start", "Start"),
        op("restart", "Restart", "Its container restarts; it is down for a moment."),
        h("button", {
          type: "button", class: "btn small link", "aria-expanded": open ? "true" : "false",
          "aria-label": "History of " + what, dataset: { key: "hist:" + key },
          onclick: () => { if (open) ctx.open.delete(key); else ctx.open.add(key); ctx.refresh(true); },
        }, "History"),
      ])));
    if (open) rows.push(h("tr", { class: "sub" }, h("td", { colspan: 7 }, history(ctx.histories.get(key), what))));
  }
  if (!rows.length) {
    rows.push(h("tr", null, h("td", { colspan: 7, class: "muted" },
      proc.numinstances ? "No pods yet: deployd has not scheduled them." : "No pods: scaled to 0 instances.")));
  }
  return table("Pods of " + proc.procname, cols, rows, "grid pods");
}

function history(entries, what) {
  if (!entries) return h("p", { class: "muted" }, "Loading the history of " + what + "…");
  if (entries instanceof Error) return h("p", { class: "muted" }, "No history: " + entries.message);
  if (!entries.length) return h("p", { class: "muted" }, "No history recorded for " + what + ".");
  return h("ol", { class: "history", "aria-label": "Status history of " + what },
    entries.map((e) => h("li", null,
      h("time", null, fmtTime(new Date(e.time * 1000), true)), " ",
      h("strong", null, e.action || e.status), " ",
      h("span", { class: "muted" }, (e.image || "") + (e.node ? " on " + e.node : "")))));
}

// Fetches the histories of the open pods into ctx.histories.
export async function loadHistories(ctx) {
  await Promise.all([...ctx.open].map(async (key) => {
    const [proc, n] = key.split(":");
    try {
      const r = await get(apiApp(ctx.app, "procs/" + enc(proc) + "/instance/" + n + "/histories"));
      ctx.histories.set(key, Array.isArray(r.proc) ? [] : (r.proc && r.proc.StatusHistory) || []);
    } catch (e) {
      ctx.histories.set(key, e);
    }
  }));
}

// One proc's spec in a line of facts.
export function specFacts(p) {
  const ports = (p.ports || []).map((x) => x.portnumber + "/" + x.porttype).join(", ");
  return h("ul", { class: "facts-inline" },
    h("li", null, h("span", { class: "k" }, "image "), h("span", { class: "mono" }, shortVersion(imageVersion(p.image)) || p.image)),
    h("li", null, h("span", { class: "k" }, "instances "), String(p.numinstances)),
    h("li", null, h("span", { class: "k" }, "cpu "), String(p.cpu)),
    h("li", null, h("span", { class: "k" }, "memory "), String(p.memory)),
    ports ? h("li", null, h("span", { class: "k" }, "ports "), ports) : null,
    (p.mountpoints || []).length ? h("li", null, h("span", { class: "k" }, "mountpoints "), p.mountpoints.join(", ")) : null);
}

export { fill };
