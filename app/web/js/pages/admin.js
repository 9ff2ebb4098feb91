// Admin (/admin): image-push webhooks (E23), stream-router ports (E22).
import { h, fill, table, muted, once, card, input, td, tr, tc, primary } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { drop, run, notify } from "../actions.js";
import { empty } from "./common.js";

const HOOKS = "/notify/imagepush/";

export function adminPage(main) {
  main.append(h("h1", null, "Admin"));
  if (!session.admin) {
    main.append(empty("This page is for LAIN admins (the SSO group of LAIN admins)."));
    return { title: "Admin" };
  }
  const hooks = h("div", null, muted("Loading…")), ports = h("div", null, muted("Loading…"));
  const url = input("hook", { type: "url", placeholder: "https://ci.example.com/hook" });
  const form = h("form", { class: "row" }, h("label", { for: "hook" }, "Webhook URL"), url, primary("Add webhook"));
  const made = h("div");
  main.append(card("section", "wh", "Image-push webhooks",
    muted("Called with an app's commits whenever its images are pushed (lain push), signed with the webhook's secret."), hooks, form, made),
  card("section", "sp", "Stream-router ports in use", ports));

  form.onsubmit = (e) => {
    e.preventDefault();
    const u = url.value.trim();
    if (!/^https?:\/\/[^\s/]/.test(u)) return notify("A webhook is an http:// or https:// URL.", "error");
    run({ key: "add", button: e.submitter, pending: "Adding…", after: refresh, work: async () => {
      const r = await call("POST", HOOKS, { notify_url: u });
      fill(made, r.secret && once(u, r.secret));
      url.value = "";
      return "Added the webhook " + u + ".";
    } });
  };

  const show = (el, p, draw) => fill(el, p.status === "rejected" ? h("p", { class: "notice error", role: "alert" }, p.reason.message) : draw(p.value));

  async function refresh() {
    const [hk, pt] = await Promise.allSettled([get(HOOKS), get("/usedstreamrouterports")]);
    show(hooks, hk, (r) => (r.notify.length ? table("Webhooks", ["URL", "Action"], r.notify.map((u) => tr(
      tc("mono", u), td(drop("Remove", "webhook " + u, u, HOOKS, "Removed the webhook " + u + ".", refresh, { notify_url: u })))))
      : empty("No webhook is registered.")));
    show(ports, pt, (r) => ((r.streamrouter || []).length ? table("Stream-router ports", ["Port", "To port", "Protocol", "App", "Proc"],
      r.streamrouter.map((p) => tr(td(p.srcport), td(p.dstport), td(p.proto),
        td(h("a", { href: "/apps/" + encodeURIComponent(p.NameSpace) }, p.NameSpace)), td(p.ProcName))))
      : empty("No stream-router port is in use.")));
  }

  return { title: "Admin", refresh };
}
