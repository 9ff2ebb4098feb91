// The console landing page: API health, auth status, registered apps.
// Plain DOM code, no build step; every response is the {<key>, msg, url}
// envelope of lain-console.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "lain-console-access-token";

function $(id) { return document.getElementById(id); }

// After the SSO login, /api/v1/authorize/ sends the browser back here with
// the token in the URL fragment (never in a query string): keep it for this
// tab only and take it out of the address bar.
(function takeTokenFromFragment() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = params.get("access_token");
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();

function token() { return sessionStorage.getItem(TOKEN_KEY); }

// fetchJSON returns {status, body}; body is null when the answer is not JSON.
// The access token, when there is one, goes in the access-token header.
async function fetchJSON(path, options) {
  const opts = Object.assign({}, options);
  opts.headers = Object.assign({ "Accept": "application/json" }, opts.headers || {});
  if (token()) opts.headers["access-token"] = token();
  const res = await fetch(API + path, opts);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  return { status: res.status, body: body };
}

function badge(el, cls, text) {
  el.className = "badge " + cls;
  el.textContent = text;
}

function describe(r) {
  if (r.body && typeof r.body.msg === "string" && r.body.msg !== "") return r.body.msg.trim();
  return "HTTP " + r.status;
}

async function loadHealth() {
  const details = $("health-details");
  details.textContent = "";
  try {
    const r = await fetchJSON("/healthz");
    badge($("health-badge"), r.status === 200 ? "ok" : "bad", r.status === 200 ? "healthy" : "unhealthy");
    $("health-msg").textContent = describe(r);
    const health = r.body && r.body.health;
    if (health && typeof health === "object") {
      for (const [k, v] of Object.entries(health)) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = typeof v === "object" ? JSON.stringify(v) : String(v);
        details.append(dt, dd);
      }
    }
  } catch (e) {
    badge($("health-badge"), "bad", "unreachable");
    $("health-msg").textContent = String(e);
  }
}

async function loadAuth() {
  try {
    const r = await fetchJSON("/authorize/status/");
    const status = r.body && r.body.auth && r.body.auth.status;
    if (r.status === 200 && status) {
      badge($("auth-badge"), status === "opened" ? "ok" : "unknown",
            status === "opened" ? "SSO on" : "SSO off");
      $("auth-msg").textContent = status === "opened"
        ? (token() ? "logged in through SSO" : "requests need an SSO access token: log in")
        : "auth is off: every request is allowed";
      $("login").hidden = status !== "opened" || !!token();
      $("logout").hidden = status !== "opened" || !token();
    } else {
      badge($("auth-badge"), "bad", "error");
      $("auth-msg").textContent = describe(r);
    }
  } catch (e) {
    badge($("auth-badge"), "bad", "unreachable");
    $("auth-msg").textContent = String(e);
  }
}

async function loadRepos() {
  const list = $("repos-list");
  const msg = $("repos-msg");
  try {
    const r = await fetchJSON("/repos/");
    list.textContent = "";
    if (r.status !== 200 || !r.body || !Array.isArray(r.body.repos)) {
      msg.className = "error";
      msg.textContent = describe(r);
      $("repos-count").textContent = "";
      return;
    }
    const repos = r.body.repos.slice().sort((a, b) => String(a.appname).localeCompare(String(b.appname)));
    $("repos-count").textContent = "(" + repos.length + ")";
    msg.className = "";
    msg.textContent = repos.length === 0 ? "No app registered yet." : "";
    for (const repo of repos) {
      const li = document.createElement("li");
      li.textContent = repo.appname;
      list.append(li);
    }
  } catch (e) {
    msg.className = "error";
    msg.textContent = String(e);
  }
}

async function register(ev) {
  ev.preventDefault();
  const name = $("appname").value.trim();
  const out = $("repo-form-msg");
  out.className = "";
  out.textContent = "…";
  try {
    const r = await fetchJSON("/repos/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ appname: name }),
    });
    out.className = r.status === 201 ? "" : "error";
    out.textContent = r.status === 201 ? "registered " + name : describe(r);
    if (r.status === 201) $("appname").value = "";
    loadRepos();
  } catch (e) {
    out.className = "error";
    out.textContent = String(e);
  }
}

function refresh() {
  loadHealth();
  loadAuth();
  loadRepos();
}

$("refresh").addEventListener("click", refresh);
$("logout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); refresh(); });
$("repo-form").addEventListener("submit", register);
refresh();
setInterval(refresh, 10000);
