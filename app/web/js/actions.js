// Actions a person starts: a confirmation where something is destroyed or
// restarted, a visible pending state while the API works, the API's message
// on failure, and the page refreshed from the API afterwards.
import { h } from "./dom.js";
import { describe } from "./api.js";

const pending = new Map();  // action key -> label shown while it runs

// The two message areas (index.html): progress and success in a status
// region, failures in an alert region that stays until dismissed.
export function notify(text, kind) {
  const status = document.getElementById("status");
  const alert = document.getElementById("alert");
  if (kind === "error") {
    alert.querySelector(".text").textContent = text;
    alert.hidden = false;
    status.textContent = "";
    status.hidden = true;
  } else {
    status.textContent = text || "";
    status.className = "toast " + (kind || "info");
    status.hidden = !text;
    if (text) alert.hidden = true;
  }
}

export function clearNotices() {
  notify("");
  document.getElementById("alert").hidden = true;
}

// A button for an action. key names the action (e.g. "restart:web:1"), so a
// button drawn again by a live refresh while it runs still shows it.
// label is the visible text; name, when given, the accessible name.
export function actionButton(key, label, onclick, opts) {
  const o = opts || {};
  const busy = pending.get(key);
  return h("button", {
    type: "button", class: o.cls || "btn", "aria-label": o.name, dataset: { key },
    disabled: !!busy || o.disabled, "aria-busy": busy ? "true" : null,
    onclick: (e) => onclick(e.currentTarget),
  }, busy || label);
}

// run({key, button, confirm, pending, progress, work, done, after}):
// confirm (optional) is what confirmDialog takes; work() calls the API and
// answers what to say on success (or nothing); after() refreshes the page.
export async function run(o) {
  if (o.confirm && !(await confirmDialog(o.confirm))) return false;
  const b = o.button;
  const label = b ? b.textContent : "";
  pending.set(o.key, o.pending || "Working…");
  if (b) {
    b.disabled = true;
    b.setAttribute("aria-busy", "true");
    b.textContent = o.pending || "Working…";
  }
  if (o.progress) notify(o.progress, "pending");
  let ok = false;
  try {
    const said = await o.work();
    notify(said || "Done.", "ok");
    ok = true;
  } catch (e) {
    notify(describe(e), "error");
  } finally {
    pending.delete(o.key);
    if (b && b.isConnected) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
      b.textContent = label;
    }
  }
  if (o.after) await o.after();
  return ok;
}

// A modal confirmation: {title, text, confirm: "Undeploy", typed: "hello"}.
// With typed, the confirm button works only once that text is typed.
// Resolves true when confirmed.
export function confirmDialog(c) {
  return new Promise((resolve) => {
    const input = c.typed ? h("input", {
      id: "confirm-typed", autocomplete: "off", spellcheck: "false", autocapitalize: "off",
    }) : null;
    const ok = h("button", { type: "submit", class: "btn " + (c.danger ? "danger" : "primary"),
      disabled: !!c.typed }, c.confirm);
    const form = h("form", { method: "dialog" },
      h("h2", { id: "confirm-title" }, c.title),
      c.text ? h("p", null, c.text) : null,
      input ? h("p", { class: "field" },
        h("label", { for: "confirm-typed" }, "Type ", h("strong", null, c.typed), " to confirm"),
        input) : null,
      h("div", { class: "buttons" },
        h("button", { type: "button", class: "btn", onclick: () => dialog.close("cancel") }, "Cancel"),
        ok));
    const dialog = h("dialog", { "aria-labelledby": "confirm-title", class: "confirm" }, form);
    if (input) input.addEventListener("input", () => { ok.disabled = input.value !== c.typed; });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!c.typed || input.value === c.typed) dialog.close("ok");
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok");
    });
    document.body.append(dialog);
    dialog.showModal();
    (input || ok).focus();
  });
}
