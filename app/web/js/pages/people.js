// People (/apps/<app>/people): maintainers (E14), add, remove (E15).
import { h, fill, table, badge, muted } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { act, run, notify } from "../actions.js";
import { appFrame, enc, failure, empty } from "./common.js";

export function peoplePage(main, name) {
  const { body } = appFrame(main, name, "people");
  const base = "/repos/" + enc(name) + "/maintainers/";
  const list = h("div", null, muted("Loading…"));
  const user = h("input", { id: "m-user", autocomplete: "off", spellcheck: "false", autocapitalize: "off" });
  const role = h("select", { id: "m-role" }, h("option", null, "normal"), h("option", null, "admin"));
  const form = h("form", { class: "card", "aria-labelledby": "add" }, h("h2", { id: "add" }, "Add a maintainer"),
    h("div", { class: "row" }, h("label", { for: "m-user" }, "SSO user"), user, h("label", { for: "m-role" }, "Role"), role,
      h("button", { class: "btn primary" }, "Add maintainer")),
    muted("Maintainers may deploy, scale and undeploy " + name + "; only its admins may change its maintainers. LAIN admins may do everything."));
  body.append(h("h2", null, "Maintainers"), list, form);
  if (session.auth === "closed") {
    form.hidden = true;
    fill(list, empty("Auth is off in this cluster: there are no maintainers, anyone may change every app."));
    return { title: name + " people" };
  }

  form.onsubmit = (e) => {
    e.preventDefault();
    const u = user.value.trim(), r = role.value;
    if (!u) return notify("Type the SSO user name of the new maintainer.", "error");
    run({ key: "add", button: e.submitter, pending: "Adding…", after: refresh, work: async () => {
      await call("POST", base, { username: u, role: r });
      user.value = "";
      return "Added " + u + " as " + r + " maintainer of " + name + ".";
    } });
  };

  async function refresh() {
    let people;
    try {
      people = (await get(base)).maintainers.sort((a, b) => a.username.localeCompare(b.username));
    } catch (e) {
      return fill(list, failure(e, name));
    }
    fill(list, !people.length ? empty("No maintainers of its own: only LAIN admins have access.")
      : table("Maintainers of " + name, ["User", "Role", "Action"], people.map(({ username: u, role: r }) => h("tr", null,
        h("th", { scope: "row" }, u, u === session.user && h("span", { class: "muted" }, " (you)")), h("td", null, badge(r === "admin" ? "admin" : "", r)),
        h("td", null, act("rm:" + u, "Remove", { name: "Remove " + u, cls: "btn small danger-text", pending: "Removing…",
          confirm: { title: "Remove " + u + " from " + name + "?", confirm: "Remove", danger: true,
            text: (u === session.user ? "You" : u) + " will lose access to " + name + "." },
          work: async () => {
            await call("DELETE", base + enc(u) + "/");
            return "Removed " + u + " from the maintainers of " + name + ".";
          },
          after: refresh }))))));
  }

  return { title: name + " people", refresh };
}
