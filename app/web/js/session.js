// Who is logged in: the token in localStorage until it expires (across reloads and tabs; a logout in one tab ends the others).
const KEY = "lain-console.login", BACK = "lain-console.return-to", EXPIRED = "Your login expired. Log in again.";
const listeners = [];
let timer;

// auth: "opened" or "closed" once read; admin: a LAIN admin (everyone when auth is off); reason: of the last logout.
export const session = { auth: "unknown", token: null, user: null, admin: false, reason: "" };

function load() {
	let s = null;
	try { s = JSON.parse(localStorage.getItem(KEY)); } catch (e) { /* none */ }
	const ok = s && typeof s.token === "string" && s.expires > Date.now();
	if (s && !ok) {
		localStorage.removeItem(KEY);
		session.reason = EXPIRED;
	}
	session.token = ok ? s.token : null;
	clearTimeout(timer);
	if (ok) timer = setTimeout(() => logout(EXPIRED), Math.min(s.expires - Date.now(), 2 ** 31 - 1));
}

// The login comes back with the token in the fragment: keep it, clear the address bar, go back to where the user was.
export function startSession() {
	const p = new URLSearchParams(location.hash.slice(1)), token = p.get("access_token");
	if (token) {
		localStorage.setItem(KEY, JSON.stringify({ token, expires: Date.now() + (Number(p.get("expires_in")) || 3600) * 1000 }));
		const back = sessionStorage.getItem(BACK) || "/";
		sessionStorage.removeItem(BACK);
		history.replaceState(null, "", /^\/(?!\/)/.test(back) ? back : "/");
	} else if (location.pathname === "/index.html") history.replaceState(null, "", "/" + location.search);
	load();
	addEventListener("storage", (e) => {
		if (e.key !== KEY) return;
		const had = session.token;
		load();
		if (had && !session.token) session.reason = "You logged out in another tab.";
		changed();
	});
}

export const rememberPlace = () => sessionStorage.setItem(BACK, location.pathname + location.search);

export function setStatus(st) {
	session.auth = st.status === "opened" ? "opened" : "closed";
	session.user = session.auth === "opened" && typeof st.user === "string" ? st.user : null;
	session.admin = session.auth === "closed" || st.admin === true;
}

export const needsLogin = () => session.auth === "opened" && !session.token;

export function logout(reason) {
	const had = session.token;
	localStorage.removeItem(KEY);
	clearTimeout(timer);
	Object.assign(session, { token: null, user: null, admin: false, reason: reason || "" });
	if (had) changed();
}

export const onSessionChange = (fn) => listeners.push(fn);
const changed = () => listeners.forEach((fn) => fn());
