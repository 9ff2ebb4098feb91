// The API client: token, {<key>, msg, url} envelope, 401 ends the login.
import { session, logout } from "./session.js";

export const REVOKED = "You were logged out: the SSO no longer accepts your login (it expired or was revoked). Log in again.";

// data: the answer's body (a 406 of a health-gated change has its release).
const failure = (status, msg, data) => Object.assign(new Error(msg), { status, data });

// The body of a 2xx answer, else an error with the API's msg. A deploy may take 180 s, a health-gated one longer (s).
export async function call(method, path, body, s = 200) {
	const headers = { Accept: "application/json" };
	if (session.token) headers["access-token"] = session.token;
	if (body) headers["Content-Type"] = "application/json";
	let res, data = null;
	try {
		res = await fetch("/api/v1" + path, { method, headers, cache: "no-store", signal: AbortSignal.timeout(s * 1000), body: body && JSON.stringify(body) });
	} catch (e) {
		throw failure(0, "The console could not be reached (" + (e.name === "TimeoutError" ? "no answer in " + s + " s" : "network error") + ").");
	}
	try { data = await res.json(); } catch (e) { /* 204, or not JSON */ }
	if (res.ok) return data || {};
	if (res.status === 401 && session.auth === "opened") logout(session.token ? REVOKED : "Log in to continue.");
	throw failure(res.status, (typeof data?.msg === "string" && data.msg.trim()) || "HTTP " + res.status, data);
}

export const get = (path) => call("GET", path);

export const describe = (e) => (e.status === 409 && /another request/.test(e.message) ? "Another deploy is running: "
	: e.status === 403 ? "Not allowed: " : "") + e.message;
