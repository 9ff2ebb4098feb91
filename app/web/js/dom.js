// DOM helpers. Everything from the API goes into the page through these, as
// text nodes and attributes: nothing here ever parses HTML, so a name like
// "<img onerror=...>" stays text.

// h("a", {href: "/x", class: "c", onclick: fn}, "text", child, [more]) builds
// an element. Props: "class", "text", on<event> handlers, "dataset" (object),
// booleans (true sets the attribute empty, false/null/undefined leaves it
// out), anything else through setAttribute. Children: strings and numbers
// become text nodes; null, undefined and false are skipped; arrays are spread.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" && "value" in el) el.value = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the children of el. Focus inside el survives when the focused
// element carries data-key and the new content has an element with the
// same key (live refresh must not yank focus from a keyboard user).
export function fill(el, ...children) {
  const active = document.activeElement;
  const key = active && el.contains(active) && active.dataset ? active.dataset.key : null;
  el.replaceChildren();
  append(el, children);
  if (key) {
    const again = [...el.querySelectorAll("[data-key]")].find((e) => e.dataset.key === key);
    if (again) again.focus();
  }
  return el;
}

// A status or error message in a notice element (role=status / role=alert).
export function say(el, text, kind) {
  el.className = "notice " + (kind || "info");
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.textContent = text || "";
  el.hidden = !text;
}

// A definition list from [term, value] pairs; values may be nodes.
export function dl(pairs, cls) {
  return h("dl", { class: cls || "facts" },
    pairs.filter((p) => p).map(([t, v]) => [h("dt", null, t), h("dd", null, v)]));
}

// A table with a caption (its accessible name), column headings and rows of
// cells; a heading with a class hides that column on narrow screens.
export function table(caption, heads, rows, cls) {
  const cols = heads.map((c) => (typeof c === "string" ? { text: c } : c));
  return h("table", { class: cls || "grid" },
    h("caption", { class: caption.visible ? "" : "sr" }, caption.text || caption),
    h("thead", null, h("tr", null, cols.map((c) => h("th", { scope: "col", class: c.cls }, c.text)))),
    h("tbody", null, rows));
}

// A badge with a state word (healthy, deploying, failed, registered, ...).
export function badge(state, label) {
  return h("span", { class: "badge " + state }, label || state);
}
