// The console's entry: the session, the header (navigation, who is logged
// in, log in/out) and the page table.
import { h, fill } from "./dom.js";
import { get } from "./api.js";
import { session, startSession, setStatus, needsLogin, logout, rememberPlace, onSessionChange } from "./session.js";
import { startRouter, reload, notFound } from "./router.js";
import { notify } from "./actions.js";
import { appsPage } from "./pages/apps.js";
import { appPage } from "./pages/app.js";
import { versionsPage } from "./pages/versions.js";
import { procPage } from "./pages/proc.js";
import { activityPage } from "./pages/activity.js";
import { peoplePage } from "./pages/people.js";
import { adminPage } from "./pages/admin.js";

const LOGIN_URL = "/api/v1/authorize/login";

const loginLink = (cls) => h("a", { href: LOGIN_URL, class: cls, onclick: rememberPlace }, "Log in with SSO");

function header() {
  fill(document.getElementById("nav"),
    h("a", { href: "/" }, "Apps"),
    session.admin && !needsLogin() ? h("a", { href: "/admin" }, "Admin") : null);
  let who;
  if (session.auth === "closed") {
    who = h("span", { class: "muted" }, "Auth is off");
  } else if (needsLogin()) {
    who = loginLink("btn small");
  } else {
    who = [h("span", { class: "user" }, h("span", { class: "sr" }, "Logged in as "), session.user || "…"),
      h("button", { type: "button", class: "btn small", onclick: () => {
        logout("You logged out.");
      } }, "Log out")];
  }
  fill(document.getElementById("who"), who);
}

// Instead of any page while auth is on and nobody is logged in.
function loginGate(main) {
  if (!needsLogin()) return null;
  main.append(h("section", { class: "login" },
    h("h1", null, "Log in to the LAIN console"),
    session.reason ? h("p", { class: "notice warn", role: "alert" }, session.reason) : null,
    h("p", null, "This cluster's console uses LAIN SSO. You will come back to ",
      h("code", null, location.pathname), " after logging in."),
    h("p", null, loginLink("btn primary"))));
  return { title: "Log in" };
}

// Reads the auth status (and, with a token, whose it is). A token SSO
// refuses ends the login here, with the reason.
async function readStatus() {
  try {
    const r = await get("/authorize/status/");
    setStatus(r.auth || {});
    if (session.auth === "opened" && session.token && r.auth && r.auth.user === null) {
      logout("You were logged out: the SSO no longer accepts your login (it expired or was revoked). Log in again.");
    }
  } catch (e) {
    session.auth = "unknown";
    notify("The console's auth status could not be read: " + e.message, "error");
  }
}

async function boot() {
  startSession();
  document.getElementById("alert-close").addEventListener("click", () => {
    document.getElementById("alert").hidden = true;
  });
  await readStatus();
  header();
  onSessionChange(async () => {
    if (session.token) await readStatus();
    header();
    reload();
  });
  const app = "([a-z0-9][a-z0-9.-]*)";
  startRouter([
    [/^\/(?:index\.html)?$/, appsPage],
    [new RegExp("^/apps/" + app + "/?$"), appPage],
    [new RegExp("^/apps/" + app + "/versions/?$"), versionsPage],
    [new RegExp("^/apps/" + app + "/procs/([a-z0-9][a-z0-9._-]*)/?$"), procPage],
    [new RegExp("^/apps/" + app + "/activity/?$"), activityPage],
    [new RegExp("^/apps/" + app + "/people/?$"), peoplePage],
    [/^\/admin\/?$/, adminPage],
  ], notFound, loginGate);
}

boot();
