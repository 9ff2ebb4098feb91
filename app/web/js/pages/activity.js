// Activity (/apps/<app>/activity): the oplog (E24), newest first.
import { h, fill, table } from "../dom.js";
import { get } from "../api.js";
import { fmtTime, shortVersion } from "../model.js";
import { appFrame, enc, failure, empty } from "./common.js";

export function activityPage(main, name) {
  const { body } = appFrame(main, name, "activity");
  const list = h("div", null, h("p", { class: "muted" }, "Loading the activity…"));
  body.append(h("h2", null, "Operations"), list);

  async function refresh() {
    let rows;
    try {
      const r = await get("/oplogs/" + enc(name) + "/");
      // E24: the log is a JSON array inside a string (archon's contract).
      rows = typeof r.oplog === "string" ? JSON.parse(r.oplog) : r.oplog || [];
    } catch (e) {
      fill(list, failure(e, name));
      return;
    }
    if (!rows.length) {
      fill(list, empty("Nothing has been done to " + name + " yet."));
      return;
    }
    const f = (row) => row.fields || {};
    rows.sort((a, b) => String(f(b).time).localeCompare(String(f(a).time)));
    fill(list, table({ text: "Operations on " + name, visible: false },
      ["Time", "User", "Operation", { text: "Version", cls: "wide" }, "Message"],
      rows.map((row) => h("tr", null,
        h("td", { class: "nowrap" }, fmtTime(new Date(f(row).time), true)),
        h("td", null, f(row).user || "–"),
        h("td", null, h("span", { class: "op" }, f(row).op || "–")),
        h("td", { class: "wide mono" }, f(row).app_version ? shortVersion(f(row).app_version) : "–"),
        h("td", { class: "msg" }, (f(row).message || "").trim()))), "grid activity"));
  }

  return { title: name + " activity", refresh, live: true };
}
