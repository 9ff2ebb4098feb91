// People (/apps/<app>/people): the maintainers and their roles (E14), add
// one as normal or admin, remove one (E15). SSO decides who may change
// them (its group admins).
import { h, fill, table, badge } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { actionButton, run, notify } from "../actions.js";
import { appFrame, enc, failure, empty } from "./common.js";

export function peoplePage(main, name) {
  const { body } = appFrame(main, name, "people");
  const base = "/repos/" + enc(name) + "/maintainers/";
  const list = h("div", null, h("p", { class: "muted" }, "Loading maintainers…"));
  const user = h("input", { id: "m-user", autocomplete: "off", spellcheck: "false", autocapitalize: "off", required: true });
  const role = h("select", { id: "m-role" }, h("option", { value: "normal" }, "normal"), h("option", { value: "admin" }, "admin"));
  const form = h("form", { class: "card form", "aria-labelledby": "add-title" },
    h("h2", { id: "add-title" }, "Add a maintainer"),
    h("div", { class: "row" },
      h("label", { for: "m-user" }, "SSO user"), user,
      h("label", { for: "m-role" }, "Role"), role,
      h("button", { type: "submit", class: "btn primary" }, "Add maintainer")),
    h("p", { class: "muted" }, "Maintainers may deploy, scale and undeploy " + name +
      "; only admins may add or remove maintainers. Members of the LAIN admin group have access to every app."));
  body.append(h("h2", null, "Maintainers"), list, form);

  if (session.auth === "closed") {
    fill(list, empty("Auth is off in this cluster: there are no maintainers, anyone may change every app."));
    form.hidden = true;
    return { title: name + " people" };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const u = user.value.trim();
    if (!u) {
      notify("Type the SSO user name of the new maintainer.", "error");
      return;
    }
    run({
      key: "add", button: e.submitter, pending: "Adding…",
      progress: "Adding " + u + " as " + role.value + "…",
      work: async () => {
        await call("POST", base, { username: u, role: role.value });
        user.value = "";
        return "Added " + u + " as " + role.value + " maintainer of " + name + ".";
      },
      after: refresh,
    });
  });

  function remove(u, button) {
    const self = u === session.user;
    return run({
      key: "remove:" + u, button, pending: "Removing…",
      confirm: { title: "Remove " + u + " from " + name + "?", confirm: "Remove", danger: true,
        text: self ? "You remove yourself: you lose access to " + name + "." : u + " loses access to " + name + "." },
      progress: "Removing " + u + "…",
      work: async () => {
        await call("DELETE", base + enc(u) + "/");
        return "Removed " + u + " from the maintainers of " + name + ".";
      },
      after: refresh,
    });
  }

  async function refresh() {
    let people;
    try {
      const r = await get(base);
      people = r.maintainers || [];
    } catch (e) {
      fill(list, failure(e, name));
      return;
    }
    if (!people.length) {
      fill(list, empty("No direct maintainers: only LAIN admins have access."));
      return;
    }
    people.sort((a, b) => a.username.localeCompare(b.username));
    fill(list, table({ text: "Maintainers of " + name, visible: false }, ["User", "Role", "Action"],
      people.map((m) => h("tr", null,
        h("th", { scope: "row" }, m.username, m.username === session.user ? h("span", { class: "muted" }, " (you)") : null),
        h("td", null, badge(m.role === "admin" ? "admin" : "normal", m.role)),
        h("td", null, actionButton("remove:" + m.username, "Remove", (b) => remove(m.username, b),
          { cls: "btn small danger-text", name: "Remove " + m.username }))))));
  }

  return { title: name + " people", refresh, live: false };
}
