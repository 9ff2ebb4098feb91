// Admin (/admin): image-push webhooks (E23), stream-router ports (E22).
import { h, fill, table, muted } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { act, run, notify } from "../actions.js";
import { empty } from "./common.js";

const HOOKS = "/notify/imagepush/";

export function adminPage(main) {
  main.append(h("h1", null, "Admin"));
  if (!session.admin) {
    main.append(empty("This page is for LAIN admins (the SSO group of LAIN admins)."));
    return { title: "Admin" };
  }
  const hooks = h("div", null, muted("Loading…")), ports = h("div", null, muted("Loading…"));
  const url = h("input", { id: "hook", type: "url", placeholder: "https://ci.example.com/hook", autocomplete: "off" });
  const form = h("form", { class: "row" }, h("label", { for: "hook" }, "Webhook URL"), url, h("button", { class: "btn primary" }, "Add webhook"));
  main.append(h("section", { class: "card", "aria-labelledby": "wh" }, h("h2", { id: "wh" }, "Image-push webhooks"),
    muted("Called with an app's commits whenever its images are pushed (lain push)."), hooks, form),
  h("section", { class: "card", "aria-labelledby": "sp" }, h("h2", { id: "sp" }, "Stream-router ports in use"), ports));

  form.onsubmit = (e) => {
    e.preventDefault();
    const u = url.value.trim();
    if (!/^https?:\/\/[^\s/]/.test(u)) return notify("A webhook is an http:// or https:// URL.", "error");
    run({ key: "add", button: e.submitter, pending: "Adding…", after: refresh, work: async () => {
      await call("POST", HOOKS, { notify_url: u });
      url.value = "";
      return "Added the webhook " + u + ".";
    } });
  };

  const show = (el, p, draw) => fill(el, p.status === "rejected" ? h("p", { class: "notice error", role: "alert" }, p.reason.message) : draw(p.value));

  async function refresh() {
    const [hk, pt] = await Promise.allSettled([get(HOOKS), get("/usedstreamrouterports")]);
    show(hooks, hk, (r) => (r.notify.length ? table("Webhooks", ["URL", "Action"], r.notify.map((u) => h("tr", null,
      h("td", { class: "mono" }, u), h("td", null, act("rm:" + u, "Remove", { name: "Remove webhook " + u, cls: "btn small danger-text",
        pending: "Removing…", confirm: { title: "Remove this webhook?", text: u, confirm: "Remove", danger: true },
        work: async () => {
          await call("DELETE", HOOKS, { notify_url: u });
          return "Removed the webhook " + u + ".";
        },
        after: refresh }))))) : empty("No webhook is registered.")));
    show(ports, pt, (r) => ((r.streamrouter || []).length ? table("Stream-router ports", ["Port", "To port", "Protocol", "App", "Proc"],
      r.streamrouter.map((p) => h("tr", null, h("td", null, p.srcport), h("td", null, p.dstport), h("td", null, p.proto),
        h("td", null, h("a", { href: "/apps/" + encodeURIComponent(p.NameSpace) }, p.NameSpace)), h("td", null, p.ProcName))))
      : empty("No stream-router port is in use.")));
  }

  return { title: "Admin", refresh };
}
