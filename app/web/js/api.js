// The one way to lain-console's API: the access token, the {<key>, msg, url}
// envelope, and what a 401 means (the login is over: log out and say why).
import { session, logout } from "./session.js";

const BASE = "/api/v1";
// Synchronous deploys may take up to 180 s at the server.
const TIMEOUT_MS = 200000;

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// call("GET", "/apps/hello/") answers the parsed body (the whole envelope)
// for a 2xx status; otherwise it throws an ApiError whose message is the
// API's msg, or one that says what happened.
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.token) headers["access-token"] = session.token;
  const init = { method, headers, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (e) {
    const why = e && e.name === "TimeoutError" ? "no answer within 200 s" : "network error";
    throw new ApiError(0, "The console could not be reached (" + why + ").", null);
  }
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch (e) { data = null; }
  }
  if (res.ok) return data || {};
  const msg = data && typeof data.msg === "string" && data.msg.trim()
    ? data.msg.trim() : "HTTP " + res.status + " " + res.statusText;
  if (res.status === 401 && session.auth === "opened" && !path.startsWith("/authorize/")) {
    logout(session.token
      ? "You were logged out: the SSO no longer accepts your login (it expired or was revoked). Log in again."
      : "Log in to continue.");
  }
  throw new ApiError(res.status, msg, data);
}

export const get = (path) => call("GET", path);

// What a failed action shows: the API's message, with the cases a person
// should recognise said plainly.
export function describe(err) {
  if (!(err instanceof ApiError)) return String(err && err.message || err);
  if (err.status === 409 && /another request/.test(err.message)) {
    return "Another deploy is running: " + err.message;
  }
  if (err.status === 403) return "Not allowed: " + err.message;
  return err.message;
}
