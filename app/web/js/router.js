// Pages on real URLs (history API); a live refresh of the page shown at most every 5 s, paused while the tab is hidden.
import { h } from "./dom.js";
import { clearNotices } from "./actions.js";

const LIVE = 5000;
let routes, gate, current, timer, busy = false, last = 0, gen = 0;

// table: [[/re/, name]]: pages/<name>.js exports <name>Page(main, ...groups) -> {title, live, refresh(periodic)};
// gate(main) may answer the login instead.
export function startRouter(table, loginGate) {
	[routes, gate] = [table, loginGate];
	document.addEventListener("click", (e) => {
		const a = e.target.closest("a[href]"), u = a && new URL(a.href);
		if (!a || e.defaultPrevented || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target ||
			u.origin !== location.origin || /^\/(api|v1)\//.test(u.pathname)) return;
		e.preventDefault();
		history.pushState(null, "", u.pathname + u.search);
		show(true);
	});
	addEventListener("popstate", () => show(true));
	document.addEventListener("visibilitychange", tick);
	show(false);
}

export const reload = () => show(false, true);

async function show(focus, keep) {
	clearInterval(timer);
	const mine = ++gen, main = document.getElementById("main"), path = location.pathname;
	if (!keep) clearNotices();
	main.replaceChildren();
	let page = gate(main);
	if (!page) {
		const [m, p] = routes.map(([re, pg]) => [re.exec(path), pg]).find(([x]) => x) || [];
		const mod = m && await import("./pages/" + p + ".js");
		if (mine !== gen) return;  // left meanwhile
		page = m ? mod[p + "Page"](main, ...m.slice(1).map(decodeURIComponent)) : notFound(main);
	}
	current = page;
	document.title = (page.title ? page.title + " · " : "") + "LAIN console";
	for (const a of document.querySelectorAll("#nav a")) {
		if (a.pathname === "/" ? !path.startsWith("/admin") : path.startsWith(a.pathname)) a.setAttribute("aria-current", "page");
		else a.removeAttribute("aria-current");
	}
	if (focus) {
		const t = main.querySelector("h1") || main;
		t.tabIndex = -1;
		t.focus({ preventScroll: true });
		scrollTo(0, 0);
	}
	if (page.refresh) await refresh(page);
	if (mine === gen && page.live) timer = setInterval(tick, LIVE);
}

function tick() {
	if (!busy && !document.hidden && current.live && Date.now() - last >= LIVE - 250) refresh(current, true);
}

// One refresh at a time (the page shows its own errors).
async function refresh(page, live) {
	[busy, last] = [true, Date.now()];
	try { await page.refresh(live); } catch (e) { /* shown */ } finally { busy = false; }
}

function notFound(main) {
	main.append(h("h1", "No such page"), h("p", "Nothing lives at ", h("code", location.pathname), ". ", h("a", { href: "/" }, "Back to the apps"), "."));
	return { title: "Not found" };
}
