// DOM helpers: data goes in as text and attributes, never as HTML.

// h("a", {href, onclick, dataset}, "text", node, [more]): false/null props
// and children are left out; strings become text nodes.
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  add(el, kids);
  return el;
}

function add(el, kids) {
  for (const c of kids) {
    if (Array.isArray(c)) add(el, c);
    else if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
}

// Replaces el's children, keeping the focus on the same data-key.
export function fill(el, ...kids) {
  const a = document.activeElement;
  const key = a && el.contains(a) ? a.dataset.key : null;
  el.replaceChildren();
  add(el, kids);
  if (key) [...el.querySelectorAll("[data-key]")].find((e) => e.dataset.key === key)?.focus();
  return el;
}

export const dl = (pairs) => h("dl", { class: "facts" }, pairs.filter(Boolean).map(([t, v]) => [h("dt", null, t), h("dd", null, v)]));

// A table named by its caption; {text, cls: "wide"}: hidden when narrow.
export function table(caption, heads, rows) {
  return h("table", { class: "grid" }, h("caption", { class: "sr" }, caption),
    h("thead", null, h("tr", null, heads.map((c) => h("th", { scope: "col", class: c.cls }, c.text || c)))),
    h("tbody", null, rows));
}

// A card named by its heading: a form or a section.
export const card = (tag, id, title, ...kids) => h(tag, { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...kids);
// A text input that the browser neither corrects nor fills in.
export const input = (id, p) => h("input", { id, autocomplete: "off", spellcheck: "false", autocapitalize: "off", ...p });

export const h2 = (...k) => h("h2", null, ...k), primary = (t) => h("button", { class: "btn primary" }, t);
// Table cells and rows.
export const td = (...k) => h("td", null, ...k), tr = (...k) => h("tr", null, ...k), rh = (...k) => h("th", { scope: "row" }, ...k);
export const tc = (c, ...k) => h("td", { class: c }, ...k);

export const badge = (state, label) => h("span", { class: "badge " + state }, label || state);
export const muted = (...t) => h("p", { class: "muted" }, ...t);
// The secret of whom, shown once, as text.
export const once = (whom, v) => h("div", { class: "notice", role: "status" }, "Secret of " + whom + " (shown this once: keep it now)\n", h("code", null, v));
