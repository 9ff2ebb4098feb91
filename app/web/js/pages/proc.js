// Proc (/apps/<app>/procs/<proc>): scale instances, cpu and memory (current
// values prefilled, limits checked before sending), its pods, remove it or
// deploy it again (lain deploy -p).
import { h, fill, dl } from "../dom.js";
import { get, call } from "../api.js";
import { actionButton, run, notify } from "../actions.js";
import { parseSize } from "../model.js";
import { appFrame, apiApp, enc, failure, podsTable, loadHistories, specFacts } from "./common.js";

// The API's limits (app/api/procs.c), and Docker's smallest memory limit.
const MAX_INSTANCES = 100000, MAX_CPU = 1024, MIN_MEMORY = 4 * 1024 * 1024;

export function procPage(main, name, procname) {
  const { body, slot } = appFrame(main, name, "", procname);
  const ctx = { app: name, open: new Set(), histories: new Map(), refresh };
  const url = apiApp(name, "procs/" + enc(procname));
  let cur = null;          // the proc as last read
  let filled = false;      // the forms hold the current values (once, then the user's)

  const facts = h("div");
  const pods = h("div");
  const danger = h("div", { class: "actions-bar" });
  const nInput = h("input", { id: "f-instances", type: "number", min: 0, max: MAX_INSTANCES, step: 1, required: true, inputmode: "numeric" });
  const cpuInput = h("input", { id: "f-cpu", type: "number", min: 0, max: MAX_CPU, step: 1, required: true, inputmode: "numeric" });
  const memInput = h("input", { id: "f-memory", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "f-memory-hint" });
  const nNow = h("span", { class: "muted" });
  const resNow = h("span", { class: "muted" });

  const scaleForm = h("form", { class: "card form", "aria-labelledby": "scale-title" },
    h("h2", { id: "scale-title" }, "Instances"),
    h("div", { class: "row" }, h("label", { for: "f-instances" }, "Instances"), nInput,
      h("button", { type: "submit", class: "btn primary" }, "Scale"), nNow));
  const resForm = h("form", { class: "card form", "aria-labelledby": "res-title" },
    h("h2", { id: "res-title" }, "CPU and memory"),
    h("div", { class: "row" }, h("label", { for: "f-cpu" }, "CPU"), cpuInput,
      h("label", { for: "f-memory" }, "Memory"), memInput,
      h("button", { type: "submit", class: "btn primary" }, "Apply cpu and memory")),
    h("p", { class: "muted", id: "f-memory-hint" }, "CPU: an integer 0–" + MAX_CPU +
      " (deployd's cpu shares; 0 = no limit). Memory: a size such as 64M or 1.5G, at least 4M."),
    resNow);
  body.append(facts, h("div", { class: "forms" }, scaleForm, resForm), h("h2", null, "Pods"), pods,
    h("h2", null, "Remove or deploy"), danger);

  scaleForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const n = Number(nInput.value);
    if (!/^\d+$/.test(nInput.value.trim()) || n > MAX_INSTANCES) {
      notify("Instances must be a whole number from 0 to " + MAX_INSTANCES + ".", "error");
      return;
    }
    const from = cur ? cur.numinstances : n;
    run({
      key: "scale", button: e.submitter, pending: "Scaling…",
      confirm: n < from ? { title: "Scale " + procname + " from " + from + " to " + n + "?", confirm: "Scale",
        text: (from - n) + " pod" + (from - n > 1 ? "s are" : " is") + " removed.", danger: n === 0 } : null,
      progress: "Scaling " + procname + " to " + n + "…",
      work: async () => {
        const r = await call("PATCH", url, { num_instances: n });
        filled = false;
        return "Scaled " + procname + " to " + n + ". " + (r.msg || "").trim();
      },
      after: refresh,
    });
  });

  resForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const cpu = Number(cpuInput.value), mem = parseSize(memInput.value);
    const bad = [];
    if (!/^\d+$/.test(cpuInput.value.trim()) || cpu > MAX_CPU) bad.push("CPU must be a whole number from 0 to " + MAX_CPU + ".");
    if (isNaN(mem)) bad.push("Memory “" + memInput.value + "” is not a size such as 64M or 1.5G.");
    else if (mem < MIN_MEMORY) bad.push("Memory must be at least 4M.");
    if (bad.length) {
      notify(bad.join(" "), "error");
      return;
    }
    run({
      key: "resources", button: e.submitter, pending: "Applying…",
      confirm: { title: "Change cpu and memory of " + procname + "?", confirm: "Apply",
        text: "cpu " + cpu + ", memory " + memInput.value.trim() + ". Every pod of the proc is replaced." },
      progress: "Changing cpu and memory of " + procname + "…",
      work: async () => {
        const r = await call("PATCH", url, { cpu, memory: memInput.value.trim() });
        filled = false;
        return "Changed " + procname + ": cpu " + cpu + ", memory " + memInput.value.trim() + ". " + (r.msg || "").trim();
      },
      after: refresh,
    });
  });

  function remove(button) {
    return run({
      key: "remove", button, pending: "Removing…",
      confirm: { title: "Remove " + procname + " from " + name + "?", typed: procname, danger: true, confirm: "Remove proc",
        text: "Every pod of " + procname + " is removed. It stays in lain.yaml and can be deployed again here." },
      progress: "Removing " + procname + "…",
      work: async () => {
        const r = await call("DELETE", url);
        return "Removed " + procname + ". " + (r.msg || "").trim();
      },
      after: refresh,
    });
  }

  function deploy(button) {
    return run({
      key: "deploy-proc", button, pending: "Deploying…",
      progress: "Deploying " + procname + "…",
      work: async () => {
        const r = await call("POST", apiApp(name, "procs"), { procname });
        return "Deployed " + procname + ". " + (r.msg || "").trim();
      },
      after: refresh,
    });
  }

  async function refresh() {
    let r;
    try {
      [r] = await Promise.all([get(url), loadHistories(ctx)]);
    } catch (e) {
      fill(facts, failure(e, name));
      scaleForm.hidden = resForm.hidden = true;
      return;
    }
    cur = r.proc;
    const deployed = !/not deployed/.test(r.msg || "");
    fill(slot, h("span", { class: "muted" }, cur.proctype + " of " + name));
    fill(facts, h("section", { class: "card" }, h("h2", null, "Spec"), specFacts(cur),
      dl([["Image", h("span", { class: "mono" }, cur.image || "–")],
        ["Command", (cur.cmd || []).join(" ") || "–"],
        cur.lasterror ? ["Last error", h("pre", { class: "deployerror" }, cur.lasterror)] : null])));
    scaleForm.hidden = resForm.hidden = !deployed;
    nNow.textContent = "now " + cur.numinstances;
    resNow.textContent = "Now: cpu " + cur.cpu + ", memory " + cur.memory + ".";
    if (!filled) {
      nInput.value = cur.numinstances;
      cpuInput.value = cur.cpu;
      memInput.value = String(cur.memory).replace(/\s*(KB|MB|GB|TB)$/, (m) => m.trim()[0]).replace(/\s+/g, "");
      filled = true;
    }
    fill(pods, deployed ? podsTable(cur, ctx) : h("p", { class: "muted" }, procname + " is not deployed."));
    fill(danger, deployed
      ? actionButton("remove", "Remove proc", remove, { cls: "btn danger", name: "Remove proc " + procname })
      : actionButton("deploy-proc", "Deploy proc", deploy, { cls: "btn primary", name: "Deploy proc " + procname }));
  }

  return { title: procname + " · " + name, refresh, live: true };
}
