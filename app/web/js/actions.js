// Actions: confirmation (or a plan), pending state, the API's message, refresh after.
import { h, field, labelled } from "./dom.js";
import { call, describe } from "./api.js";

const pending = new Map();  // action key -> its button's text meanwhile
const $ = (id) => document.getElementById(id);

export function notify(text, kind) {
	const st = $("status"), al = $("alert"), err = kind === "error";
	if (err) al.firstElementChild.textContent = text;
	if (err || text) al.hidden = !err;
	Object.assign(st, { textContent: err ? "" : text || "", className: "toast " + (kind || ""), hidden: err || !text });
}

export const clearNotices = () => { notify(""); $("alert").hidden = true; };

// A button for action o (see run); o.name: its accessible name.
export function act(key, label, o) {
	const busy = pending.get(key);
	return h("button", { type: "button", class: o.cls || "btn", "aria-label": o.name, dataset: { key }, disabled: !!busy,
		"aria-busy": busy && "true", onclick: (e) => run({ ...o, key, button: e.currentTarget }) }, busy || label);
}

// A small button that calls DELETE path (body) once confirmed; label
// ("Remove", "Revoke") whom, text: what follows, said: what to say after.
export const drop = (label, whom, text, path, said, after, body) => act(label + ":" + whom, label, {
	name: label + " " + whom, cls: "btn small danger-text", pending: label.slice(0, -1) + "ing…", after,
	confirm: { title: label + " " + whom + "?", text, confirm: label, danger: true },
	work: () => call("DELETE", path, body).then(() => said) });

// The secret of whom, shown this once as text, and a button that copies it.
export const once = (whom, v) => h("div.notice", { role: "status" }, "Secret of " + whom + " (shown this once: keep it now)\n",
	h("code", v), " ", h("button.btn.small", { type: "button", "aria-label": "Copy the secret of " + whom, onclick: () =>
		navigator.clipboard.writeText(v).then(() => notify("Copied the secret of " + whom + "."), (e) => notify(describe(e), "error")) }, "Copy"));

// run({key, button, confirm (a dialog, or makes one), pending, work(choice) -> what to say, after}).
export async function run(o) {
	const b = o.button, label = b && b.textContent;
	const busy = (t) => {
		if (t) pending.set(o.key, t); else pending.delete(o.key);
		if (b) Object.assign(b, { disabled: !!t, textContent: t || label }).setAttribute("aria-busy", !!t);
	};
	let c = o.confirm, choice = {};
	if (typeof c === "function") {
		busy("Planning…");
		c = await c();
		busy();
	}
	if (c && !(choice = await confirmDialog(c))) return;
	busy(choice.wait ? "Waiting…" : o.pending || "Working…");
	if (choice.wait) notify("Deploying, then waiting until every changed proc is healthy (" + choice.timeout + " s at most, then it rolls back)…", "pending");
	else if (o.pending === "Deploying…") notify("Deploying; a deploy may take a minute…", "pending");
	try {
		notify(((await o.work(choice)) || "Done.").trim(), "ok");
	} catch (e) {
		notify(describe(e), "error");
	}
	busy();
	if (o.after) await o.after();
	b?.form?.scrollIntoView({ block: "nearest" }); // clear of the toast
}

// A modal {title, text, body, confirm, typed, danger, wait} -> false or, confirmed, {wait, timeout}.
function confirmDialog(c) {
	return new Promise((resolve) => {
		const input = c.typed && field("typed");
		const wait = c.wait && h("input", { type: "checkbox", id: "wait" });
		const secs = h("input", { type: "number", id: "wait-s", min: 1, max: 600, value: 120, required: true });
		const ok = c.confirm && h("button.btn." + (c.danger ? "danger" : "primary"), { disabled: !!c.typed }, c.confirm);
		const d = h("dialog", { "aria-labelledby": "dlg-title" }, h("form", { method: "dialog" }, h("h2", { id: "dlg-title" }, c.title),
			c.text && h("p", c.text), c.body,
			wait && h("div.row", h("label", wait, " Wait until healthy (roll back automatically if not)"), labelled("Time limit (s)", secs)),
			input && h("p.row", labelled(["Type ", h("strong", c.typed), " to confirm"], input)),
			h("div.buttons", h("button.btn", { type: "button", onclick: () => d.close() }, ok ? "Cancel" : "Close"), ok)));
		if (input) input.oninput = () => { ok.disabled = input.value !== c.typed; };
		d.firstChild.onsubmit = (e) => {
			e.preventDefault();
			if (ok && !ok.disabled) d.close("ok");
		};
		d.onclose = () => { d.remove(); resolve(d.returnValue === "ok" && { wait: wait && wait.checked, timeout: +secs.value }); };
		document.body.append(d);
		d.showModal();
		(input || ok || d.querySelector("button")).focus();
	});
}
