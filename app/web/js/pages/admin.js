// Admin (/admin): image-push webhooks (E23), stream-router ports (E22).
import { h, fill, table, row, card, field, labelled, muted, get, call, session, run, notify, drop, once, appUrl, empty, settled } from "./common.js";

const HOOKS = "/notify/imagepush/";

export function adminPage(main) {
	main.append(h("h1", "Admin"));
	if (!session.admin) {
		main.append(empty("This page is for LAIN admins (the SSO group of LAIN admins)."));
		return { title: "Admin" };
	}
	const hooks = h("div", muted("Loading…")), ports = h("div", muted("Loading…"));
	const url = field("hook", { type: "url", placeholder: "https://ci.example.com/hook" }), made = h("div");
	const form = h("form.row", labelled("Webhook URL", url), h("button.btn.primary", "Add webhook"));
	main.append(card("section", "wh", "Image-push webhooks",
		muted("Called with an app's commits whenever its images are pushed (lain push), signed with the webhook's secret."), hooks, form, made),
	card("section", "sp", "Stream-router ports in use", ports));

	form.onsubmit = (e) => {
		e.preventDefault();
		const u = url.value.trim();
		if (!/^https?:\/\/[^\s/]/.test(u)) return notify("A webhook is an http:// or https:// URL.", "error");
		run({ key: "add", button: e.submitter, pending: "Adding…", after: refresh, work: () => call("POST", HOOKS, { notify_url: u }).then((r) => {
			fill(made, r.secret && once(u, r.secret));
			url.value = "";
			return "Added the webhook " + u + ".";
		}) });
	};

	let gen = 0;  // an older refresh answering late draws nothing
	async function refresh() {
		const mine = ++gen, [hk, pt] = await Promise.allSettled([get(HOOKS), get("/usedstreamrouterports")]);
		if (mine !== gen) return;
		settled(hooks, hk, (r) => (r.notify.length ? table("Webhooks", ["URL", "Action"], r.notify.map((u) => row(h("td.mono", u),
			drop("Remove", "webhook " + u, u, HOOKS, "Removed the webhook " + u + ".", refresh, { notify_url: u }))))
			: empty("No webhook is registered.")));
		settled(ports, pt, (r) => ((r.streamrouter || []).length ? table("Stream-router ports", ["Port", "To port", "Protocol", "App", "Proc"],
			r.streamrouter.map((p) => row(p.srcport, p.dstport, p.proto, h("a", { href: appUrl(p.NameSpace) }, p.NameSpace), p.ProcName)))
			: empty("No stream-router port is in use.")));
	}

	return { title: "Admin", refresh };
}
