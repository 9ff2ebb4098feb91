// Pages on real URLs (history API), and a live refresh of the page shown:
// at most every 5 s, paused while the tab is hidden.
import { h } from "./dom.js";
import { clearNotices } from "./actions.js";

const LIVE = 5000;
let routes, gate, current, timer, busy = false, last = 0, gen = 0;

// table: [[/re/, page]]; page(main, ...groups) -> {title, live, refresh(live)}
// (live: the periodic one). gate(main) may answer the login instead.
export function startRouter(table, loginGate) {
  routes = table;
  gate = loginGate;
  document.addEventListener("click", (e) => {
    const a = e.target.closest("a[href]");
    if (!a || e.defaultPrevented || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
    const u = new URL(a.href);
    if (u.origin !== location.origin || /^\/(api|v1)\//.test(u.pathname)) return;
    e.preventDefault();
    go(u.pathname + u.search);
  });
  addEventListener("popstate", () => show(true));
  document.addEventListener("visibilitychange", tick);
  show(false);
}

export function go(path) {
  history.pushState(null, "", path);
  show(true);
}

// Draws the page again (after a login or logout).
export const reload = () => show(false, true);

async function show(focus, keep) {
  clearInterval(timer);
  const mine = ++gen;
  if (!keep) clearNotices();
  const main = document.getElementById("main");
  main.replaceChildren();
  let page = gate(main);
  if (!page) {
    const [m, p] = routes.map(([re, pg]) => [re.exec(location.pathname), pg]).find(([x]) => x) || [];
    page = m ? p(main, ...m.slice(1).map(decodeURIComponent)) : notFound(main);
  }
  current = page;
  document.title = (page.title ? page.title + " · " : "") + "LAIN console";
  for (const a of document.querySelectorAll("#nav a")) {
    const here = a.pathname === "/" ? !location.pathname.startsWith("/admin") : location.pathname.startsWith(a.pathname);
    a.toggleAttribute("aria-current", here);
    if (here) a.setAttribute("aria-current", "page");
  }
  if (focus) {
    const t = main.querySelector("h1") || main;
    t.tabIndex = -1;
    t.focus({ preventScroll: true });
    scrollTo(0, 0);
  }
  if (page.refresh) {
    busy = true;
    last = Date.now();
    try { await page.refresh(); } finally { busy = false; }
  }
  if (mine === gen && page.live) timer = setInterval(tick, LIVE);
}

async function tick() {
  if (busy || document.hidden || !current.live || Date.now() - last < LIVE - 250) return;
  busy = true;
  last = Date.now();
  try { await current.refresh(true); } catch (e) { /* the page shows its errors */ } finally { busy = false; }
}

function notFound(main) {
  main.append(h("h1", null, "No such page"),
    h("p", null, "Nothing lives at ", h("code", null, location.pathname), ". ", h("a", { href: "/" }, "Back to the apps"), "."));
  return { title: "Not found" };
}
