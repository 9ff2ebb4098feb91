// People (/apps/<app>/people): maintainers (E14, E15) and deploy tokens (issue 18: the secret shown once): list, add, remove.
import { h, fill, table, row, rh, card, field, labelled, badge, muted, call, get, session, run, notify, drop, once, fmtTime, appFrame,
	apiRepo, enc, empty, settled } from "./common.js";

export function peoplePage(main, name) {
	const { body } = appFrame(main, name, "people");
	const base = apiRepo(name, "maintainers"), tok = apiRepo(name, "tokens"), title = name + " people";
	const [list, tlist, made] = [h("div", muted("Loading…")), h("div"), h("div")];
	const [user, tname, scopes] = [field("m-user"), field("t-name"), field("t-scopes", { value: "push deploy" })];
	const role = h("select", { id: "m-role" }, h("option", "normal"), h("option", "admin"));
	const form = card("form", "add", "Add a maintainer",
		h("div.row", labelled("SSO user", user), labelled("Role", role), h("button.btn.primary", "Add maintainer")),
		muted("Maintainers may deploy, scale and undeploy " + name + "; only its admins may change its maintainers. LAIN admins may do everything."));
	const tform = card("form", "mk", "Make a deploy token",
		h("div.row", labelled("Name", tname), labelled("Scopes", scopes), h("button.btn.primary", "Make token")),
		muted("For CI: the registry login robot:" + name + ":<name>, or the API's access-token. Scopes: pull, push, deploy, read."), made);
	body.append(h("h2", "Maintainers"), list, form, h("h2", "Deploy tokens"), tlist, tform);
	if (session.auth === "closed") {
		form.hidden = tform.hidden = true;
		fill(list, empty("Auth is off in this cluster: there are no maintainers, anyone may change every app."));
		return { title };
	}

	form.onsubmit = (e) => {
		e.preventDefault();
		const u = user.value.trim(), r = role.value;
		if (!u) return notify("Type the SSO user name of the new maintainer.", "error");
		run({ key: "add", button: e.submitter, pending: "Adding…", after: refresh, work: () => call("POST", base, { username: u, role: r }).then(() => {
			user.value = "";
			return "Added " + u + " as " + r + " maintainer of " + name + ".";
		}) });
	};

	tform.onsubmit = (e) => {
		e.preventDefault();
		run({ key: "mk", button: e.submitter, pending: "Making…", after: refresh,
			work: () => call("POST", tok, { name: tname.value.trim(), scopes: scopes.value.split(/[\s,]+/).filter(Boolean) }).then(({ token: t }) => {
				fill(made, once(t.user, t.secret));
				tname.value = "";
				return "Made the deploy token " + t.user + ".";
			}) });
	};

	const at = (s) => fmtTime(new Date(s));
	async function refresh() {
		const [p, t] = await Promise.allSettled([get(base), get(tok)]);
		settled(list, p, (r) => (!r.maintainers.length ? empty("No maintainers of its own: only LAIN admins have access.")
			: table("Maintainers of " + name, ["User", "Role", "Action"], r.maintainers.sort((a, b) => a.username.localeCompare(b.username))
				.map(({ username: u, role: r }) => row(rh(u, u === session.user && h("span.muted", " (you)")), badge(r === "admin" ? "admin" : "", r),
					drop("Remove", u + " from " + name, (u === session.user ? "You" : u) + " will lose access to " + name + ".", base + enc(u) + "/",
						"Removed " + u + " from the maintainers of " + name + ".", refresh))))), name);
		settled(tlist, t, (r) => (!r.tokens.length ? empty("No deploy tokens.")
			: table("Deploy tokens of " + name, ["Name", "Scopes", "Expires", "Last used", "Action"], r.tokens.map((k) =>
				row(rh(k.name), k.scopes.join(", "), k.expired ? badge("failed", "expired") : at(k.expires), k.last_used ? at(k.last_used) : "never",
					drop("Revoke", k.user, "It is refused from its next use on.", tok + enc(k.name) + "/", "Revoked " + k.user + ".", refresh))), [3])), name);
	}

	return { title, refresh };
}
