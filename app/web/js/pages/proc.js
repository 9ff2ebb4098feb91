// Proc (/apps/<app>/procs/<proc>): scale (limits checked first), pods,
// remove or deploy it (lain deploy -p).
import { h, fill, dl, muted, card, input, h2, primary } from "../dom.js";
import { get, call } from "../api.js";
import { act, run, notify } from "../actions.js";
import { parseSize } from "../model.js";
import { appFrame, apiApp, enc, failure, podsTable, loadHistories, specFacts } from "./common.js";

// The API's limits (app/api/procs.c); Docker's smallest memory limit.
const MAX_N = 100000, MAX_CPU = 1024, MIN_MEM = 4 << 20;

export function procPage(main, name, proc) {
  const { body, slot } = appFrame(main, name, "", proc);
  const ctx = { app: name, open: new Set(), hist: new Map(), refresh };
  const url = apiApp(name, "procs/" + enc(proc));
  let cur, filled = false;  // the forms hold the current values once; then what the user types
  const num = (id, max) => h("input", { id, type: "number", min: 0, max, step: 1, inputmode: "numeric" });
  const n = num("f-n", MAX_N), cpu = num("f-cpu", MAX_CPU);
  const mem = input("f-mem");
  const nNow = h("span", { class: "muted" }), resNow = muted();
  const facts = h("div"), pods = h("div"), bottom = h("div", { class: "bar" });
  const form = (...a) => card("form", ...a);
  const scale = form("sc", "Scale", h("div", { class: "row" }, h("label", { for: "f-n" }, "Instances"), n,
    primary("Scale"), nNow));
  const res = form("rs", "CPU and memory", h("div", { class: "row" }, h("label", { for: "f-cpu" }, "CPU"), cpu,
    h("label", { for: "f-mem" }, "Memory"), mem, primary("Apply cpu and memory")),
  muted("CPU: a whole number 0–" + MAX_CPU + " (0: no limit). Memory: a size such as 64M or 1.5G, at least 4M."), resNow);
  body.append(facts, h("div", { class: "forms" }, scale, res), h2("Pods"), pods, h2("Remove or deploy"), bottom);

  const change = (e, key, body, confirm, said) => run({ key, button: e.submitter, pending: "Applying…", confirm,
    work: async () => {
      await call("PATCH", url, body);
      filled = false;
      return said;
    },
    after: refresh });

  scale.onsubmit = (e) => {
    e.preventDefault();
    const to = Number(n.value), from = cur.numinstances;
    if (!/^\d+$/.test(n.value) || to > MAX_N) return notify("Instances: a whole number from 0 to " + MAX_N + ".", "error");
    change(e, "scale", { num_instances: to }, to < from && { title: "Scale " + proc + " from " + from + " to " + to + "?",
      text: from - to + " pod(s) will be removed.", confirm: "Scale", danger: !to }, "Scaled " + proc + " to " + to + ".");
  };
  res.onsubmit = (e) => {
    e.preventDefault();
    const c = Number(cpu.value), m = mem.value.trim(), bytes = parseSize(m);
    const bad = [!/^\d+$/.test(cpu.value) || c > MAX_CPU ? "CPU: a whole number from 0 to " + MAX_CPU + "." : "",
      isNaN(bytes) ? "Memory: “" + m + "” is not a size such as 64M." : bytes < MIN_MEM ? "Memory: at least 4M." : ""].join(" ").trim();
    if (bad) return notify(bad, "error");
    change(e, "res", { cpu: c, memory: m }, { title: "Change " + proc + " to cpu " + c + ", memory " + m + "?",
      text: "Every pod of the proc is replaced.", confirm: "Apply" }, "Changed " + proc + ": cpu " + c + ", memory " + m + ".");
  };

  async function refresh() {
    let r;
    try {
      [r] = await Promise.all([get(url), loadHistories(ctx)]);
    } catch (e) {
      fill(facts, failure(e, name));
      scale.hidden = res.hidden = true;
      return;
    }
    cur = r.proc;
    const deployed = !/not deployed/.test(r.msg);
    fill(slot, h("span", { class: "muted" }, cur.proctype + " of " + name));
    fill(facts, h("section", { class: "card" }, h2("Spec"), specFacts(cur),
      dl([["Image", h("span", { class: "mono" }, cur.image)], ["Command", (cur.cmd || []).join(" ")],
        cur.lasterror && ["Last error", h("pre", { class: "error-text" }, cur.lasterror)]])));
    scale.hidden = res.hidden = !deployed;
    nNow.textContent = "now " + cur.numinstances;
    resNow.textContent = "Now: cpu " + cur.cpu + ", memory " + cur.memory + ".";
    if (!filled) {
      [n.value, cpu.value, mem.value] = [cur.numinstances, cur.cpu, String(cur.memory).replace(/ ?([KMGT])B$/, "$1")];
      filled = true;
    }
    fill(pods, deployed ? podsTable(cur, ctx) : muted(proc + " is not deployed."));
    fill(bottom, deployed
      ? act("rm", "Remove proc", { cls: "btn danger", name: "Remove proc " + proc, pending: "Removing…",
        confirm: { title: "Remove " + proc + " from " + name + "?", typed: proc, danger: true, confirm: "Remove proc",
          text: "Every pod of " + proc + " is removed. It stays in lain.yaml and can be deployed again here." },
        work: async () => "Removed " + proc + ". " + (await call("DELETE", url)).msg, after: refresh })
      : act("dp", "Deploy proc", { cls: "btn primary", name: "Deploy proc " + proc, pending: "Deploying…",
        work: async () => "Deployed " + proc + ". " + (await call("POST", apiApp(name, "procs"), { procname: proc })).msg, after: refresh }));
  }

  return { title: proc + " · " + name, refresh, live: true };
}
