// Actions: confirmation, pending state, the API's message, refresh after.
import { h, input as field } from "./dom.js";
import { call, describe } from "./api.js";

const pending = new Map();  // action key -> what its button says meanwhile
const $ = (id) => document.getElementById(id);

// Progress/success in the status region; failures in the alert region.
export function notify(text, kind) {
  const st = $("status"), al = $("alert");
  if (kind === "error") {
    al.querySelector(".text").textContent = text;
    al.hidden = false;
  } else if (text) al.hidden = true;
  st.textContent = kind === "error" ? "" : text || "";
  st.className = "toast " + (kind || "");
  st.hidden = kind === "error" || !text;
}

export const clearNotices = () => { notify(""); $("alert").hidden = true; };

// A button for action o (see run); o.name: its accessible name.
export function act(key, label, o) {
  const busy = pending.get(key);
  return h("button", { type: "button", class: o.cls || "btn", "aria-label": o.name, dataset: { key },
    disabled: !!busy, "aria-busy": busy ? "true" : null,
    onclick: (e) => run({ ...o, key, button: e.currentTarget }) }, busy || label);
}

// A small button that, once confirmed (text: what follows), calls DELETE
// path (body) and says done; label "Remove", "Revoke": what for whom.
export const drop = (label, whom, text, path, done, after, body) => act(label + ":" + whom, label, {
  name: label + " " + whom, cls: "btn small danger-text", pending: label.slice(0, -1) + "ing…", after,
  confirm: { title: label + " " + whom + "?", confirm: label, danger: true, text },
  work: async () => { await call("DELETE", path, body); return done; } });

// run({key, button, confirm, pending, work, after}): work()
// calls the API and answers what to say.
export async function run(o) {
  if (o.confirm && !(await confirmDialog(o.confirm))) return;
  const b = o.button, label = b && b.textContent, wait = o.pending || "Working…";
  pending.set(o.key, wait);
  if (b) Object.assign(b, { disabled: true, textContent: wait }).setAttribute("aria-busy", "true");
  if (wait === "Deploying…") notify("Deploying; a deploy may take a minute…", "pending");
  try {
    notify(((await o.work()) || "Done.").trim(), "ok");
  } catch (e) {
    notify(describe(e), "error");
  }
  pending.delete(o.key);
  if (b) Object.assign(b, { disabled: false, textContent: label }).removeAttribute("aria-busy");
  if (o.after) await o.after();
}

// A modal {title, text, confirm, typed, danger}: true when confirmed (with
// typed, only once that text is typed).
export function confirmDialog(c) {
  return new Promise((resolve) => {
    const input = c.typed && field("typed");
    const ok = h("button", { class: "btn " + (c.danger ? "danger" : "primary"), disabled: !!c.typed }, c.confirm);
    const d = h("dialog", { class: "confirm", "aria-labelledby": "dlg-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "dlg-title" }, c.title),
        c.text && h("p", null, c.text),
        input && h("p", { class: "field" }, h("label", { for: "typed" }, "Type ", h("strong", null, c.typed), " to confirm"), input),
        h("div", { class: "buttons" }, h("button", { type: "button", class: "btn", onclick: () => d.close() }, "Cancel"), ok)));
    if (input) input.oninput = () => { ok.disabled = input.value !== c.typed; };
    d.querySelector("form").onsubmit = (e) => {
      e.preventDefault();
      if (!ok.disabled) d.close("ok");
    };
    d.onclose = () => { d.remove(); resolve(d.returnValue === "ok"); };
    document.body.append(d);
    d.showModal();
    (input || ok).focus();
  });
}
