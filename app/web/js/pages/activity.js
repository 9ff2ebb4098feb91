// Activity (/apps/<app>/activity): the oplog (E24), newest first.
import { h, fill, table, muted, td, tr, tc, h2 } from "../dom.js";
import { get } from "../api.js";
import { fmtTime, shortVersion } from "../model.js";
import { appFrame, enc, failure, empty } from "./common.js";

export function activityPage(main, name) {
  const { body } = appFrame(main, name, "activity");
  const list = h("div", null, muted("Loading…"));
  body.append(h2("Operations"), list);

  async function refresh() {
    let rows;
    try {
      // E24: a JSON array inside a string (archon's contract)
      rows = JSON.parse((await get("/oplogs/" + enc(name) + "/")).oplog || "[]").map((r) => r.fields);
    } catch (e) {
      return fill(list, failure(e, name));
    }
    rows.sort((a, b) => (a.time < b.time) - (a.time > b.time));
    fill(list, rows.length ? table("Operations on " + name, ["Time", "User", "Operation", { text: "Version", cls: "wide" }, "Message"],
      rows.map((f) => tr(tc("nowrap", fmtTime(new Date(f.time), true)), td(f.user),
        tc("mono", f.op), tc("wide mono", f.app_version ? shortVersion(f.app_version) : "–"),
        tc("msg", f.message.trim()))))
      : empty("Nothing has been done to " + name + " yet."));
  }

  return { title: name + " activity", refresh, live: true };
}
