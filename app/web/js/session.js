// Who is logged in. The SSO access token lives in localStorage with its
// expiry, so a login lasts across reloads and new tabs until the token
// expires (its expires_in); a logout in one tab logs out the others.
const KEY = "lain-console.login";
const RETURN_KEY = "lain-console.return-to";
const listeners = [];
let timer = null;

export const session = {
  auth: "unknown",   // "opened", "closed" or "unknown" (status not read yet)
  token: null,
  expires: 0,        // ms since the epoch
  user: null,        // the token's user name (auth on) or null
  admin: false,      // a LAIN admin (everyone when auth is off)
  reason: "",        // why the last logout happened, shown once
};

function load() {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  if (saved && typeof saved.token === "string" && saved.expires > Date.now()) {
    session.token = saved.token;
    session.expires = saved.expires;
  } else {
    if (saved) {
      localStorage.removeItem(KEY);
      session.reason = "Your login expired. Log in again.";
    }
    session.token = null;
    session.expires = 0;
  }
  clearTimeout(timer);
  if (session.token) {
    timer = setTimeout(() => logout("Your login expired. Log in again."),
      Math.min(session.expires - Date.now(), 2 ** 31 - 1));
  }
}

// After the SSO login, /api/v1/authorize/ sends the browser back with the
// token in the URL fragment: keep it and take it out of the address bar (and
// so out of history), back to the page the user was on before logging in.
export function startSession() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("access_token");
  if (token) {
    const ttl = Number(params.get("expires_in")) || 3600;
    localStorage.setItem(KEY, JSON.stringify({ token, expires: Date.now() + ttl * 1000 }));
    const back = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    history.replaceState(null, "", back && back.startsWith("/") && !back.startsWith("//") ? back : "/");
  } else if (location.pathname === "/index.html") {
    history.replaceState(null, "", "/" + location.search);
  }
  load();
  addEventListener("storage", (e) => {
    if (e.key !== KEY) return;
    const had = session.token;
    load();
    if (had && !session.token) session.reason = "You logged out in another tab.";
    changed();
  });
}

// Remembers where to come back to, then the browser goes to the login.
export function rememberPlace() {
  sessionStorage.setItem(RETURN_KEY, location.pathname + location.search);
}

export function setStatus(status) {
  session.auth = status.status === "opened" ? "opened" : "closed";
  if (session.auth === "closed") {
    session.user = null;
    session.admin = true;
  } else {
    session.user = typeof status.user === "string" ? status.user : null;
    session.admin = status.admin === true;
  }
}

// True when the pages need a login first.
export function needsLogin() {
  return session.auth === "opened" && !session.token;
}

export function logout(reason) {
  localStorage.removeItem(KEY);
  clearTimeout(timer);
  const had = session.token;
  session.token = null;
  session.expires = 0;
  session.user = null;
  session.admin = false;
  session.reason = reason || "";
  if (had) changed();
}

export function onSessionChange(fn) { listeners.push(fn); }
function changed() { for (const fn of listeners) fn(); }
