// Apps (/): every app the user may see with its health, unhealthy first;
// filters; register and first deploy of a new app.
import { h, fill, table, badge } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { actionButton, run, notify } from "../actions.js";
import { appState, STATE_ORDER, podCounts, allProcs, shortVersion } from "../model.js";
import { appUrl, empty } from "./common.js";

const TYPES = ["app", "service", "resource", "resource-instance"];
const NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function appsPage(main) {
  const q = new URLSearchParams(location.search);
  const st = { rows: null, sig: "" };
  const counts = h("p", { class: "counts", "aria-live": "polite" });
  const type = h("select", { id: "f-type" },
    h("option", { value: "" }, "All types"), TYPES.map((t) => h("option", { value: t }, t)));
  type.value = TYPES.includes(q.get("type")) ? q.get("type") : "";
  const text = h("input", { id: "f-text", type: "search", placeholder: "name, version, proc", value: q.get("q") || "" });
  const list = h("div", { class: "list" }, h("p", { class: "muted" }, "Loading apps…"));
  const name = h("input", { id: "new-app", name: "appname", autocomplete: "off", spellcheck: "false",
    autocapitalize: "off", required: true, "aria-describedby": "new-app-hint" });

  const onFilter = () => {
    const p = new URLSearchParams();
    if (type.value) p.set("type", type.value);
    if (text.value.trim()) p.set("q", text.value.trim());
    history.replaceState(null, "", "/" + (p.toString() ? "?" + p : ""));
    st.sig = "";
    draw();
  };
  type.addEventListener("change", onFilter);
  text.addEventListener("input", onFilter);

  const form = h("form", { class: "register", "aria-labelledby": "register-title" },
    h("h2", { id: "register-title" }, "Register a new app"),
    h("div", { class: "row" },
      h("label", { for: "new-app" }, "App name"), name,
      h("button", { type: "submit", class: "btn", value: "register" }, "Register"),
      h("button", { type: "submit", class: "btn primary", value: "deploy" }, "Register and deploy")),
    h("p", { id: "new-app-hint", class: "muted" },
      "Lower-case letters, digits and dashes, starting with a letter. Push the app's meta and release images " +
      "to the registry (lain build, lain push) before deploying it."));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    register(e.submitter, e.submitter && e.submitter.value === "deploy");
  });

  main.append(
    h("div", { class: "title" }, h("h1", null, "Apps"), counts),
    h("div", { class: "toolbar", role: "search", "aria-label": "Filter apps" },
      h("label", { for: "f-type" }, "Type"), type,
      h("label", { for: "f-text" }, "Filter"), text),
    list, form);

  async function register(button, andDeploy) {
    const app = name.value.trim();
    if (!NAME_RE.test(app)) {
      notify("“" + app + "” is not a valid app name: lower-case letters, digits and dashes, starting with a letter.", "error");
      name.focus();
      return;
    }
    await run({
      key: "register", button, pending: andDeploy ? "Deploying…" : "Registering…",
      progress: andDeploy ? "Registering and deploying " + app + " (a deploy may take a minute)…" : "Registering " + app + "…",
      work: async () => {
        await call("POST", "/repos/", { appname: app });
        name.value = "";
        if (!andDeploy) return "Registered " + app + ". Push its images, then deploy it from the list.";
        try {
          const r = await call("POST", "/apps/", { appname: app });
          return "Registered and deployed " + app + ": " + (r.app ? appState(r.app) : "accepted") + ". " + (r.msg || "");
        } catch (e) {
          e.message = "Registered " + app + ", but its deploy failed: " + e.message;
          throw e;
        }
      },
      after: refresh,
    });
  }

  function deploy(app, button) {
    return run({
      key: "deploy:" + app, button, pending: "Deploying…",
      progress: "Deploying " + app + " (a deploy may take a minute)…",
      work: async () => {
        const r = await call("POST", "/apps/", { appname: app });
        return "Deployed " + app + ": " + (r.app ? appState(r.app) : "accepted") + ". " + (r.msg || "");
      },
      after: refresh,
    });
  }

  function draw() {
    if (!st.rows) return;
    const want = type.value;
    const words = text.value.trim().toLowerCase();
    const shown = st.rows.filter((r) => (!want || r.type === want) && (!words || r.search.includes(words)));
    const sig = JSON.stringify(shown.map((r) => r.sig));
    if (sig === st.sig) return;
    st.sig = sig;
    const all = st.rows.filter((r) => r.state !== "registered");
    const procs = all.reduce((n, r) => n + r.procs.length, 0);
    const pods = all.reduce((a, r) => [a[0] + r.pods[0], a[1] + r.pods[1]], [0, 0]);
    counts.textContent = st.rows.length + " apps · " + procs + " procs · " + pods[0] + " of " + pods[1] + " pods running";
    if (!st.rows.length) {
      fill(list, session.auth === "closed" ? empty("No app is registered in this cluster yet.")
        : empty("You maintain no apps yet.", h("p", { class: "muted" },
          "Apps appear here when you register one below, or when a maintainer of an app adds you to it (its People page). " +
          "LAIN admins see every app.")));
      return;
    }
    if (!shown.length) {
      fill(list, empty("No app matches the filter."));
      return;
    }
    fill(list, table({ text: "Apps", visible: false },
      ["App", { text: "Type", cls: "wide" }, { text: "Version", cls: "wide" }, { text: "Procs", cls: "wide" }, "Pods", "State"],
      shown.map((r) => h("tr", { class: "state-" + r.state },
        h("th", { scope: "row" }, h("a", { href: appUrl(r.name), dataset: { key: "app:" + r.name } }, r.name)),
        h("td", { class: "wide" }, r.type || "–"),
        h("td", { class: "wide mono" }, r.version ? shortVersion(r.version) : "–"),
        h("td", { class: "wide" }, r.procs.join(", ") || "–"),
        h("td", { class: "num" }, r.state === "registered" ? "–" : r.type === "resource" ? "template" : r.pods[0] + "/" + r.pods[1]),
        h("td", { class: "state" }, badge(r.state),
          r.error ? h("span", { class: "err-line" }, r.error.split("\n")[0]) : null,
          r.state === "registered" ? actionButton("deploy:" + r.name, "Deploy", (b) => deploy(r.name, b),
            { name: "Deploy " + r.name, cls: "btn small" }) : null))), "grid apps"));
  }

  async function refresh() {
    try {
      const [apps, repos] = await Promise.all([get("/apps/"), get("/repos/")]);
      const deployed = new Map((apps.apps || []).map((a) => [a.appname, a]));
      const rows = [];
      for (const a of deployed.values()) {
        const procs = allProcs(a).map((p) => p.procname);
        rows.push({ name: a.appname, type: a.apptype, version: a.metaversion, procs, pods: podCounts(a),
          state: appState(a), error: a.deployerror || "" });
      }
      for (const r of repos.repos || []) {
        if (deployed.has(r.appname)) continue;
        const type = r.appname.startsWith("resource.") ? "resource-instance" : "";
        rows.push({ name: r.appname, type, version: "", procs: [], pods: [0, 0], state: "registered", error: "" });
      }
      for (const r of rows) {
        r.search = [r.name, r.type, r.version, ...r.procs].join(" ").toLowerCase();
        r.sig = [r.name, r.type, r.version, r.procs, r.pods, r.state, r.error];
      }
      rows.sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.name.localeCompare(y.name));
      st.rows = rows;
      draw();
    } catch (e) {
      st.sig = "";
      fill(list, h("div", { class: "notice error", role: "alert" }, "The apps could not be listed: " + e.message));
    }
  }

  return { title: "Apps", refresh, live: true };
}
