// The API client: token, {<key>, msg, url} envelope, 401 ends the login.
import { session, logout } from "./session.js";

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export const REVOKED = "You were logged out: the SSO no longer accepts your login (it expired or was revoked). Log in again.";

// The body of a 2xx answer, else an ApiError with the API's msg. Deploys
// may take 180 s at the server.
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.token) headers["access-token"] = session.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res, data = null;
  try {
    res = await fetch("/api/v1" + path, { method, headers, cache: "no-store", signal: AbortSignal.timeout(200000),
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "The console could not be reached (" + (e.name === "TimeoutError" ? "no answer in 200 s" : "network error") + ").");
  }
  try { data = await res.json(); } catch (e) { /* 204, or not JSON */ }
  if (res.ok) return data || {};
  const msg = (data && typeof data.msg === "string" && data.msg.trim()) || "HTTP " + res.status;
  if (res.status === 401 && session.auth === "opened") logout(session.token ? REVOKED : "Log in to continue.");
  throw new ApiError(res.status, msg);
}

export const get = (path) => call("GET", path);

export function describe(e) {
  if (e.status === 409 && /another request/.test(e.message)) return "Another deploy is running: " + e.message;
  return (e.status === 403 ? "Not allowed: " : "") + e.message;
}
