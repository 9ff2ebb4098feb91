// DOM helpers: data goes in as text and attributes, never as HTML.

// h("a.cls.more", {href, onclick, dataset}?, "text", node, [more]): false/null props and children left out.
export function h(sel, ...kids) {
	const [tag, ...cls] = sel.split("."), el = document.createElement(tag);
	if (cls.length) el.className = cls.join(" ");
	const props = kids[0] == null || kids[0].constructor === Object ? kids.shift() : {};
	for (const [k, v] of Object.entries(props || {})) {
		if (v == null || v === false) continue;
		if (k === "dataset") Object.assign(el.dataset, v);
		else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
		else if (k === "value") el.value = v;
		else el.setAttribute(k, v === true ? "" : v);
	}
	return add(el, kids);
}

const add = (el, kids) => (el.append(...kids.flat(9).filter((c) => c != null && c !== false)), el);

// New children for el; the focus stays on the same data-key.
export function fill(el, ...kids) {
	const a = document.activeElement, key = el.contains(a) && a.dataset.key;
	el.replaceChildren();
	add(el, kids);
	if (key) [...el.querySelectorAll("[data-key]")].find((e) => e.dataset.key === key)?.focus();
	return el;
}

export const dl = (pairs) => h("dl.facts", pairs.filter(Boolean).map(([t, v]) => [h("dt", t), h("dd", v)]));

// A table named by its caption; the columns in wide (indexes) are hidden when narrow.
export function table(caption, heads, rows, wide = []) {
	const t = h("table.grid", h("caption.sr", caption), h("thead", row(...heads.map((c) => h("th", { scope: "col" }, c)))), h("tbody", rows));
	for (const r of t.rows) for (const i of wide) r.cells[i]?.classList.add("wide");
	return t;
}

// [its label, el] (el has an id).
export const labelled = (text, el) => [h("label", { for: el.id }, text), el];

// A text input that the browser neither corrects nor fills in.
export const field = (id, p) => h("input", { id, autocomplete: "off", spellcheck: "false", autocapitalize: "off", ...p });

export const card = (tag, id, title, ...kids) => h(tag + ".card", { "aria-labelledby": id }, h("h2", { id }, title), ...kids);

// Cells that are no <td> or <th> go into one.
export const row = (...cells) => h("tr", cells.map((c) => (/^T[DH]$/.test(c?.tagName) ? c : h("td", c))));

// A row's header cell; a message that alerts (an error, or kind "warn").
export const rh = (...k) => h("th", { scope: "row" }, ...k), alert = (t, kind = "error") => h("p.notice." + kind, { role: "alert" }, t);

export const badge = (state, label) => h("span.badge." + state, label || state);
export const muted = (...t) => h("p.muted", ...t);
