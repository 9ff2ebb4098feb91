// The entry: session, header (nav, user, log in/out), page table (pages/<name>.js, loaded when first shown).
import { h, fill, alert } from "./dom.js";
import { get, REVOKED } from "./api.js";
import { session, startSession, setStatus, needsLogin, logout, rememberPlace, onSessionChange } from "./session.js";
import { startRouter, reload } from "./router.js";
import { notify } from "./actions.js";

const $ = (id) => document.getElementById(id);

function header() {
	const out = needsLogin();
	fill($("nav"), !out && h("a", { href: "/" }, "Apps"), session.admin && !out && h("a", { href: "/admin" }, "Admin"));
	fill($("who"), session.auth === "closed" ? h("span", "Auth is off") : !out && [h("span.user", h("span.sr", "Logged in as "), session.user || "…"),
		h("button.btn.small", { onclick: () => logout("You logged out.") }, "Log out")]);
}

function loginGate(main) {
	if (!needsLogin()) return null;
	main.append(h("section.login", h("h1", "Log in to the LAIN console"), session.reason && alert(session.reason, "warn"),
		h("p", "The console uses LAIN SSO; you come back to ", h("code", location.pathname), " afterwards."),
		h("a.btn.primary", { href: "/api/v1/authorize/login", onclick: rememberPlace }, "Log in with SSO")));
	return { title: "Log in" };
}

// The auth status and the token's user; a refused token ends the login.
const readStatus = () => get("/authorize/status/").then((r) => {
	setStatus(r.auth || {});
	if (session.auth === "opened" && session.token && r.auth.user === null) logout(REVOKED);
}, (e) => notify("The auth status could not be read: " + e.message, "error"));

startSession();
$("alert-close").onclick = () => { $("alert").hidden = true; };
await readStatus();
header();
onSessionChange(async () => {
	if (session.token) await readStatus();
	header();
	reload();
});
const app = (rest) => new RegExp("^/apps/([a-z0-9][a-z0-9.-]*)" + rest + "/?$");
startRouter([[/^\/$/, "apps"], [app(""), "app"], [app("/versions"), "versions"], [app("/releases"), "releases"],
	[app("/procs/([a-z0-9][a-z0-9._-]*)"), "proc"], [app("/activity"), "activity"], [app("/people"), "people"], [/^\/admin\/?$/, "admin"]], loginGate);
