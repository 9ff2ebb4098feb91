// Pages on real URLs: the history API, links that stay in the page, and a
// live refresh of the page shown (at most every 5 s, paused while the tab
// is hidden). nginx serves index.html for these paths (deploy/nginx).
import { h } from "./dom.js";
import { clearNotices } from "./actions.js";

const LIVE_MS = 5000;
let routes = [];
let fallback = null;
let gate = null;       // () => a page to show instead (the login), or null
let current = null;    // {refresh, live}
let timer = null;
let busy = false;
let last = 0;        // when the last refresh started (ms)
let generation = 0;

// routes: [[/regexp with groups/, page], ...]; a page is
// page(main, ...groups) -> {title, refresh(live): Promise, live: bool};
// refresh(true) is the periodic one, which may skip what does not change.
export function startRouter(table, notFound, loginGate) {
  routes = table;
  fallback = notFound;
  gate = loginGate;
  document.addEventListener("click", onClick);
  addEventListener("popstate", () => show(true));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) tick(); });
  show(false);
}

function onClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest("a[href]");
  if (!a || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(api|v1)\//.test(url.pathname)) return;
  if (url.pathname === location.pathname && url.hash) return;
  e.preventDefault();
  go(url.pathname + url.search);
}

// Shows path as a new history entry. keepNotices: after an action (its
// message stays on the next page).
export function go(path, keepNotices) {
  history.pushState(null, "", path);
  show(true, keepNotices);
}

// Draws the current URL's page again (after a login or logout).
export function reload() { show(false, true); }

async function show(moveFocus, keepNotices) {
  clearInterval(timer);
  const mine = ++generation;
  if (!keepNotices) clearNotices();
  const main = document.getElementById("main");
  main.replaceChildren();
  let page = gate && gate(main);
  if (!page) {
    const path = location.pathname;
    const hit = routes.map(([re, p]) => [re.exec(path), p]).find(([m]) => m);
    page = hit ? hit[1](main, ...hit[0].slice(1).map(decodeURIComponent)) : fallback(main);
  }
  current = page;
  document.title = (page.title ? page.title + " · " : "") + "LAIN console";
  for (const a of document.querySelectorAll("#nav a")) {
    const here = a.getAttribute("href") === "/" ? location.pathname === "/" || location.pathname.startsWith("/apps/")
      : location.pathname.startsWith(a.getAttribute("href"));
    if (here) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  if (moveFocus) {
    const h1 = main.querySelector("h1");
    (h1 || main).setAttribute("tabindex", "-1");
    (h1 || main).focus({ preventScroll: true });
    scrollTo(0, 0);
  }
  if (page.refresh) {
    busy = true;
    last = Date.now();
    try { await page.refresh(); } finally { busy = false; }
  }
  if (mine === generation && page.live) timer = setInterval(tick, LIVE_MS);
}

async function tick() {
  if (busy || document.hidden || !current || !current.live || !current.refresh) return;
  if (Date.now() - last < LIVE_MS - 250) return;
  busy = true;
  last = Date.now();
  try { await current.refresh(true); } catch (e) { /* the page shows its own errors */ }
  finally { busy = false; }
}

export function notFound(main) {
  main.append(h("h1", null, "No such page"),
    h("p", null, "Nothing lives at ", h("code", null, location.pathname), ". ",
      h("a", { href: "/" }, "Back to the apps"), "."));
  return { title: "Not found" };
}
