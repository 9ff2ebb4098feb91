// Apps (/): the apps the user sees, unhealthy first; filters; register.
import { h, fill, table, badge, muted, card, input, td, rh, tr, tc } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { act, run, notify } from "../actions.js";
import { appState, STATE_ORDER, podCounts, allProcs, shortVersion } from "../model.js";
import { appUrl, empty } from "./common.js";

const TYPES = ["app", "service", "resource", "resource-instance"];

export function appsPage(main) {
  const q = new URLSearchParams(location.search);
  let rows = null, sig = "";
  const counts = h("p", { class: "muted" });
  const type = h("select", { id: "f-type" }, h("option", { value: "" }, "All types"), TYPES.map((t) => h("option", null, t)));
  type.value = TYPES.includes(q.get("type")) ? q.get("type") : "";
  const text = h("input", { id: "f-text", type: "search", placeholder: "name, version, proc", value: q.get("q") || "" });
  const list = h("div", null, muted("Loading apps…"));
  const name = input("new-app");
  const form = card("form", "reg", "Register a new app",
    h("div", { class: "row" }, h("label", { for: "new-app" }, "App name"), name,
      h("button", { class: "btn", value: "" }, "Register"), h("button", { class: "btn primary", value: "deploy" }, "Register and deploy")),
    muted("Lower-case letters, digits and dashes. Push its images (lain build, lain push) before deploying it."));
  main.append(h("div", { class: "title" }, h("h1", null, "Apps"), counts),
    h("div", { class: "row", role: "search", "aria-label": "Filter apps" },
      h("label", { for: "f-type" }, "Type"), type, h("label", { for: "f-text" }, "Filter"), text), list, form);

  const filter = () => {
    const p = new URLSearchParams();
    if (type.value) p.set("type", type.value);
    if (text.value.trim()) p.set("q", text.value.trim());
    history.replaceState(null, "", "/" + (p.size ? "?" + p : ""));
    sig = "";
    draw();
  };
  type.onchange = text.oninput = filter;

  // The first deploy (E7): its answer carries the app's state.
  const deploy = async (app) => {
    const r = await call("POST", "/apps/", { appname: app });
    return "Deployed " + app + ": " + (r.app ? appState(r.app) : "accepted") + ". " + (r.msg || "");
  };

  form.onsubmit = (e) => {
    e.preventDefault();
    const app = name.value.trim(), andDeploy = e.submitter.value === "deploy";
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(app)) return notify("“" + app + "” is not a valid app name: lower-case letters, digits and dashes, starting with a letter.", "error");
    run({ key: "reg", button: e.submitter, pending: andDeploy ? "Deploying…" : "Registering…",
      work: async () => {
        await call("POST", "/repos/", { appname: app });
        name.value = "";
        if (!andDeploy) return "Registered " + app + ". Push its images, then deploy it.";
        try { return "Registered. " + (await deploy(app)); } catch (err) {
          err.message = "Registered " + app + ", but its deploy failed: " + err.message;
          throw err;
        }
      },
      after: refresh });
  };

  function draw() {
    if (!rows) return;
    const words = text.value.trim().toLowerCase();
    const shown = rows.filter((r) => (!type.value || r.type === type.value) && r.search.includes(words));
    const s = JSON.stringify(shown.map((r) => r.sig));
    if (s === sig) return;
    sig = s;
    const live = rows.filter((r) => r.state !== "registered");
    const pods = live.reduce((a, r) => [a[0] + r.pods[0], a[1] + r.pods[1]], [0, 0]);
    counts.textContent = rows.length + " apps · " + live.reduce((n, r) => n + r.procs.length, 0) + " procs · " + pods[0] + " of " + pods[1] + " pods running";
    fill(list, !rows.length ? (session.auth === "closed" ? empty("No app is registered yet.") : empty("You maintain no apps yet.",
      muted("Apps appear here when you register one below, or when a maintainer of an app adds you to it (its People page). LAIN admins see every app.")))
      : !shown.length ? empty("No app matches the filter.")
        : table("Apps", ["App", { text: "Type", cls: "wide" }, { text: "Version", cls: "wide" }, { text: "Procs", cls: "wide" }, "Pods", "State"],
          shown.map((r) => tr(
            rh(h("a", { href: appUrl(r.name), dataset: { key: r.name } }, r.name)),
            tc("wide", r.type), tc("wide mono", shortVersion(r.version)),
            tc("wide", r.procs.join(", ")),
            td(r.state === "registered" ? "–" : r.type === "resource" ? "template" : r.pods.join("/")),
            td(badge(r.state), r.error && h("span", { class: "err-line" }, r.error.split("\n")[0]),
              r.state === "registered" && act("deploy:" + r.name, "Deploy", { name: "Deploy " + r.name, cls: "btn small",
                pending: "Deploying…", work: () => deploy(r.name), after: refresh }))))));
  }

  async function refresh() {
    try {
      const [apps, repos] = await Promise.all([get("/apps/"), get("/repos/")]);
      const seen = new Set();
      rows = (apps.apps || []).map((a) => (seen.add(a.appname), { name: a.appname, type: a.apptype, version: a.metaversion,
        procs: allProcs(a).map((p) => p.procname), pods: podCounts(a), state: appState(a), error: a.deployerror || "" }))
        .concat((repos.repos || []).filter((r) => !seen.has(r.appname)).map((r) => ({ name: r.appname,
          type: r.appname.startsWith("resource.") ? "resource-instance" : "", version: "", procs: [], pods: [0, 0], state: "registered", error: "" })));
      for (const r of rows) {
        r.search = [r.name, r.type, r.version, ...r.procs].join(" ").toLowerCase();
        r.sig = [r.name, r.type, r.version, r.procs, r.pods, r.state, r.error];
      }
      rows.sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.name.localeCompare(y.name));
      draw();
    } catch (e) {
      sig = "";
      fill(list, h("div", { class: "notice error", role: "alert" }, "The apps could not be listed: " + e.message));
    }
  }

  return { title: "Apps", refresh, live: true };
}
