// Admin (/admin, LAIN admins only): image-push webhooks (E23) and the
// stream-router ports in use (E22).
import { h, fill, table } from "../dom.js";
import { get, call } from "../api.js";
import { session } from "../session.js";
import { actionButton, run, notify } from "../actions.js";
import { empty } from "./common.js";

const HOOKS = "/notify/imagepush/";

export function adminPage(main) {
  main.append(h("h1", null, "Admin"));
  if (!session.admin) {
    main.append(empty("This page is for LAIN admins (members of the SSO group of LAIN admins)."));
    return { title: "Admin" };
  }
  const hooks = h("div", null, h("p", { class: "muted" }, "Loading webhooks…"));
  const ports = h("div", null, h("p", { class: "muted" }, "Loading ports…"));
  const url = h("input", { id: "hook-url", type: "url", placeholder: "https://ci.example.com/lain-hook", required: true, autocomplete: "off" });
  const form = h("form", { class: "row add-hook" },
    h("label", { for: "hook-url" }, "Webhook URL"), url,
    h("button", { type: "submit", class: "btn primary" }, "Add webhook"));
  main.append(
    h("section", { class: "card", "aria-labelledby": "hooks-title" },
      h("h2", { id: "hooks-title" }, "Image-push webhooks"),
      h("p", { class: "muted" }, "Called with the commits of an app whenever its images are pushed (lain push)."),
      hooks, form),
    h("section", { class: "card", "aria-labelledby": "ports-title" },
      h("h2", { id: "ports-title" }, "Stream-router ports in use"), ports));

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const u = url.value.trim();
    if (!/^https?:\/\/[^\s/]+/.test(u)) {
      notify("A webhook is an http:// or https:// URL.", "error");
      return;
    }
    run({
      key: "add-hook", button: e.submitter, pending: "Adding…", progress: "Adding the webhook…",
      work: async () => {
        await call("POST", HOOKS, { notify_url: u });
        url.value = "";
        return "Added the webhook " + u + ".";
      },
      after: refresh,
    });
  });

  async function refresh() {
    const [h1, p1] = await Promise.allSettled([get(HOOKS), get("/usedstreamrouterports")]);
    if (h1.status === "rejected") fill(hooks, h("p", { class: "notice error", role: "alert" }, h1.reason.message));
    else {
      const list = h1.value.notify || [];
      fill(hooks, list.length ? table({ text: "Webhooks", visible: false }, ["URL", "Action"],
        list.map((u) => h("tr", null, h("td", { class: "mono break" }, u),
          h("td", null, actionButton("rm-hook:" + u, "Remove", (b) => run({
            key: "rm-hook:" + u, button: b, pending: "Removing…",
            confirm: { title: "Remove this webhook?", text: u, confirm: "Remove", danger: true },
            progress: "Removing the webhook…",
            work: async () => {
              await call("DELETE", HOOKS, { notify_url: u });
              return "Removed the webhook " + u + ".";
            },
            after: refresh,
          }), { cls: "btn small danger-text", name: "Remove webhook " + u }))))) : empty("No webhook is registered."));
    }
    if (p1.status === "rejected") fill(ports, h("p", { class: "notice error", role: "alert" }, p1.reason.message));
    else {
      const list = p1.value.streamrouter || [];
      fill(ports, list.length ? table({ text: "Stream-router ports", visible: false },
        ["Port", "To port", "Protocol", "App", "Proc"],
        list.map((p) => h("tr", null, h("td", { class: "num" }, p.srcport), h("td", { class: "num" }, p.dstport),
          h("td", null, p.proto), h("td", null, h("a", { href: "/apps/" + encodeURIComponent(p.NameSpace) }, p.NameSpace)),
          h("td", null, p.ProcName)))) : empty("No stream-router port is in use."));
    }
  }

  return { title: "Admin", refresh, live: false };
}
