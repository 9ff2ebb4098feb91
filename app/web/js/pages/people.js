// People (/apps/<app>/people): maintainers (E14), add, remove (E15); deploy
// tokens (issue 18): list, make (its secret shown once), revoke.
import { h, fill, table, badge, muted, once, card, input, td, tr, rh, tc, h2, primary } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { drop, run, notify } from "../actions.js";
import { appFrame, enc, failure, empty } from "./common.js";
import { fmtTime } from "../model.js";

const at = (s) => fmtTime(new Date(s));

export function peoplePage(main, name) {
  const { body } = appFrame(main, name, "people");
  const base = "/repos/" + enc(name) + "/maintainers/";
  const list = h("div", null, muted("Loading…"));
  const user = input("m-user");
  const role = h("select", { id: "m-role" }, h("option", null, "normal"), h("option", null, "admin"));
  const form = card("form", "add", "Add a maintainer",
    h("div", { class: "row" }, h("label", { for: "m-user" }, "SSO user"), user, h("label", { for: "m-role" }, "Role"), role,
      primary("Add maintainer")),
    muted("Maintainers may deploy, scale and undeploy " + name + "; only its admins may change its maintainers. LAIN admins may do everything."));
  const tok = "/repos/" + enc(name) + "/tokens/", tlist = h("div"), made = h("div");
  const inp = (id, label, p) => [h("label", { for: id }, label), input(id, p)];
  const tname = inp("t-name", "Name"), scopes = inp("t-scopes", "Scopes", { value: "push deploy" });
  const tform = card("form", "mk", "Make a deploy token",
    h("div", { class: "row" }, tname, scopes, primary("Make token")),
    muted("For CI: the registry login robot:" + name + ":<name>, or the API's access-token."), made);
  body.append(h2("Maintainers"), list, form, h2("Deploy tokens"), tlist, tform);
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

  tform.onsubmit = (e) => {
    e.preventDefault();
    run({ key: "mk", button: e.submitter, pending: "Making…", after: refresh, work: async () => {
      const t = (await call("POST", tok, { name: tname[1].value.trim(), scopes: scopes[1].value.split(/[\s,]+/).filter(Boolean) })).token;
      fill(made, once(t.user, t.secret));
      tname[1].value = "";
      return "Made the deploy token " + t.user + ".";
    } });
  };

  async function refresh() {
    get(tok).then((r) => fill(tlist, r.tokens.length ? table("Deploy tokens of " + name, ["Name", "Scopes", "Expires", { text: "Last used", cls: "wide" }, "Action"],
      r.tokens.map((t) => tr(rh(t.name), td(t.scopes.join(", ")),
        td(t.expired ? badge("failed", "expired") : at(t.expires)), tc("wide", t.last_used ? at(t.last_used) : "never"),
        td(drop("Revoke", t.user, "It is refused from its next use on.", tok + enc(t.name) + "/",
          "Revoked " + t.user + ".", refresh))))) : empty("No deploy tokens.")), (e) => fill(tlist, failure(e, name)));
    let people;
    try {
      people = (await get(base)).maintainers.sort((a, b) => a.username.localeCompare(b.username));
    } catch (e) {
      return fill(list, failure(e, name));
    }
    fill(list, !people.length ? empty("No maintainers of its own: only LAIN admins have access.")
      : table("Maintainers of " + name, ["User", "Role", "Action"], people.map(({ username: u, role: r }) => tr(
        rh(u, u === session.user && h("span", { class: "muted" }, " (you)")), td(badge(r === "admin" ? "admin" : "", r)),
        td(drop("Remove", u, (u === session.user ? "You" : u) + " will lose access to " + name + ".", base + enc(u) + "/",
          "Removed " + u + " from the maintainers of " + name + ".", refresh))))));
  }

  return { title: name + " people", refresh };
}
