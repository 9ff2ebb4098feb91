// Activity (/apps/<app>/activity): the oplog (E24), newest first.
import { h, table, row, get, fmtTime, shortVersion, listPage, enc, empty } from "./common.js";

export const activityPage = (main, name) => listPage(main, name, "activity",
	// E24: a JSON array inside a string (archon's contract)
	async () => JSON.parse((await get("/oplogs/" + enc(name) + "/")).oplog || "[]").map((r) => r.fields)
		.sort((a, b) => (a.time < b.time) - (a.time > b.time)),
	(rows) => [h("h2", "Operations"), rows.length ? table("Operations on " + name, ["Time", "User", "Operation", "Version", "Message"],
		rows.map((f) => row(h("td.nowrap", fmtTime(new Date(f.time), true)), f.user, h("td.mono", f.op),
			h("td.mono", f.app_version ? shortVersion(f.app_version) : "–"), h("td.msg", f.message.trim()))), [3])
		: empty("Nothing has been done to " + name + " yet.")], true);
