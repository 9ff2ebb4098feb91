// The entry: session, header (nav, user, log in/out), page table.
import { h, fill } from "./dom.js";
import { get, REVOKED } from "./api.js";
import { session, startSession, setStatus, needsLogin, logout, rememberPlace, onSessionChange } from "./session.js";
import { startRouter, reload } from "./router.js";
import { notify } from "./actions.js";
import { appsPage } from "./pages/apps.js";
import { appPage } from "./pages/app.js";
import { versionsPage } from "./pages/versions.js";
import { procPage } from "./pages/proc.js";
import { activityPage } from "./pages/activity.js";
import { peoplePage } from "./pages/people.js";
import { adminPage } from "./pages/admin.js";

function header() {
  const out = needsLogin();
  fill(document.getElementById("nav"), !out && h("a", { href: "/" }, "Apps"), session.admin && !out && h("a", { href: "/admin" }, "Admin"));
  fill(document.getElementById("who"),
    session.auth === "closed" ? h("span", null, "Auth is off")
      : out ? null
        : [h("span", { class: "user" }, h("span", { class: "sr" }, "Logged in as "), session.user || "…"),
          h("button", { class: "btn small", onclick: () => logout("You logged out.") }, "Log out")]);
}

// Shown instead of any page while auth is on and nobody is logged in.
function loginGate(main) {
  if (!needsLogin()) return null;
  main.append(h("section", { class: "login" }, h("h1", null, "Log in to the LAIN console"),
    session.reason && h("p", { class: "notice warn", role: "alert" }, session.reason),
    h("p", null, "The console uses LAIN SSO; you come back to ", h("code", null, location.pathname), " afterwards."),
    h("a", { href: "/api/v1/authorize/login", class: "btn primary", onclick: rememberPlace }, "Log in with SSO")));
  return { title: "Log in" };
}

// The auth status and the token's user; a refused token ends the login.
async function readStatus() {
  try {
    const r = await get("/authorize/status/");
    setStatus(r.auth || {});
    if (session.auth === "opened" && session.token && r.auth.user === null) logout(REVOKED);
  } catch (e) {
    notify("The auth status could not be read: " + e.message, "error");
  }
}

startSession();
document.getElementById("alert-close").onclick = () => { document.getElementById("alert").hidden = true; };
await readStatus();
header();
onSessionChange(async () => {
  if (session.token) await readStatus();
  header();
  reload();
});
const app = (rest) => new RegExp("^/apps/([a-z0-9][a-z0-9.-]*)" + rest + "/?$");
startRouter([[/^\/$/, appsPage], [app(""), appPage], [app("/versions"), versionsPage],
  [app("/procs/([a-z0-9][a-z0-9._-]*)"), procPage], [app("/activity"), activityPage], [app("/people"), peoplePage],
  [/^\/admin\/?$/, adminPage]], loginGate);
