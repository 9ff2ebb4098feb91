// The web console in Chromium, against a real stack: what a person does
// with an app, checked on the page and in what the deployd and SSO
// stand-ins recorded. One stack for the file; the tests run in order and
// build on each other (a story: alice scales, restarts, deploys, ...).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Stack, ROOT, BUILD, until, version, request } from "./lib/stack.mjs";
import { launch, person, login, shoot, scrollsSideways, SHOTS } from "./lib/browser.mjs";

const NOW = Math.floor(Date.now() / 1000);
const V1 = version(NOW - 3 * 86400, "a1");   // older
const V2 = version(NOW - 86400, "b2");       // newest: the first deploy takes it
const V3 = version(NOW - 3600, "c3");        // pushed later; its pods never come up
const PORTAL = "  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n";
const YAML = {
  hello: "appname: hello\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\nworker.bg:\n  cmd: /hello -bg\n",
  redis: "appname: redis\nbuild:\n  base: redis\nservice.redis:\n  cmd: redis-server\n  port: 6379\n" + PORTAL,
  blog: "appname: blog\nbuild:\n  base: golang\nuse_services:\n  redis:\n    - redis\nweb:\n  cmd: /blog\n  port: 80\n",
  rdb: "appname: rdb\napptype: resource\nbuild:\n  base: redis\nservice.rdb:\n  cmd: redis-server\n  port: 6379\n" +
    "  num_instances: \"{{ num_instances|default(1)|int(1) }}\"\n  memory: \"{{ memory|default('64M') }}\"\n" + PORTAL,
  shop: "appname: shop\nbuild:\n  base: golang\nuse_resources:\n  rdb:\n    services:\n      - rdb\n    memory: 128M\n" +
    "web:\n  cmd: /shop\n  port: 80\n",
  secret: "appname: secret\nbuild:\n  base: golang\nweb:\n  cmd: /secret\n  port: 80\n",
  fresh: "appname: fresh\nbuild:\n  base: golang\nweb:\n  cmd: /fresh\n  port: 80\n",
};
// alice's apps as the list must show them (resource.rdb.shop comes with shop)
const ALICE_APPS = ["blog", "draft", "hello", "rdb", "redis", "resource.rdb.shop", "shop"];

const stack = new Stack(path.join(BUILD, "ui-stack"));
let browser, alice, bob, admin, page, base, aliceToken;

// The deployd calls made since seq that match.
async function deploydCalls(since, method, p, pred) {
  return (await stack.calls(since)).filter((c) => c.method === method && c.path === p && (!pred || pred(c)));
}

// The mutating calls deployd received since seq (anything but a GET).
async function mutations(since) {
  return (await stack.calls(since)).filter((c) => c.method !== "GET").map((c) => c.method + " " + c.path + " " + (c.query || ""));
}

// The text of the visible notices (status and alert regions).
async function statusText(pg) { return (await pg.locator("#status").textContent()) || ""; }
async function alertText(pg) {
  return (await pg.getByRole("alert").filter({ hasText: /\S/ }).allTextContents()).join(" ");
}

async function seed() {
  const versions = { hello: [V1, V2] };
  for (const app of Object.keys(YAML)) {
    for (const v of versions[app] || [V2]) stack.push(app, v, YAML[app]);
  }
  aliceToken = await stack.token("alice");
  const adminToken = await stack.token("admin");
  const as = (t, m, p, b) => stack.api(t, m, p, b);
  for (const app of ["rdb", "redis", "hello", "blog", "shop", "draft"]) {
    assert.equal((await as(aliceToken, "POST", "/repos/", { appname: app })).status, 201, "register " + app);
  }
  assert.equal((await as(adminToken, "POST", "/repos/", { appname: "secret" })).status, 201);
  for (const [t, app] of [[aliceToken, "rdb"], [aliceToken, "redis"], [aliceToken, "hello"], [aliceToken, "blog"],
    [aliceToken, "shop"], [adminToken, "secret"]]) {
    const r = await as(t, "POST", "/apps/", { appname: app });
    assert.equal(r.status, 202, "deploy " + app + ": " + JSON.stringify(r.body));
  }
  // every pod runs (the portal of redis starts with its client blog)
  await until(async () => {
    for (const app of ["hello", "blog", "shop"]) {
      const r = await as(aliceToken, "GET", "/apps/" + app + "/");
      const procs = [...r.body.app.procs, ...r.body.app.useservices.flatMap((u) => u.service.portals || [])];
      if (!procs.every((p) => p.pods.length && p.pods.every((x) => x.status === "True"))) return false;
    }
    return true;
  }, "the seeded apps to run", 30000);
  // blog's pod stopped: an unhealthy app, which the list shows first
  assert.equal((await as(aliceToken, "PATCH", "/apps/blog/procs/web/", { operation: "stop", instance: 1 })).status, 202);
  await until(async () => {
    const r = await as(aliceToken, "GET", "/apps/blog/");
    return r.body.app.procs[0].pods[0].status === "False";
  }, "blog's pod to stop");
}

describe("the web console in Chromium", { concurrency: 1 }, () => {
  before(async () => {
    stack.up();
    base = stack.url;
    await seed();
    browser = await launch();
    alice = await person(browser, "alice", base);
    bob = await person(browser, "bob", base);
    admin = await person(browser, "admin", base);
    page = await alice.newPage();
  });

  after(async () => {
    if (browser) await browser.close();
    stack.down();
    console.log("# screenshots: " + SHOTS);
  });

  it("is plain static files: under 60 KB of JS and CSS, data only as text", () => {
    const files = [];
    const walk = (d) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(js|css)$/.test(f)) files.push(p);
      }
    };
    walk(path.join(ROOT, "app/web"));
    const size = files.reduce((n, f) => n + statSync(f).size, 0);
    console.log("# app/web JS+CSS: " + size + " bytes in " + files.length + " files");
    assert.ok(size < 60 * 1024, "JS+CSS is " + size + " bytes");
    for (const f of files.filter((x) => x.endsWith(".js"))) {
      const src = readFileSync(f, "utf8");
      assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, f);
    }
    const html = readFileSync(path.join(ROOT, "app/web/index.html"), "utf8");
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=|https?:\/\//, "index.html: inline code or a CDN");
  });

  it("nginx serves index.html for the UI's paths with a strict CSP, nosniff and no-referrer", async () => {
    for (const p of ["/", "/apps/hello", "/apps/hello/procs/web", "/apps/hello/versions", "/admin", "/js/main.js", "/css/console.css"]) {
      const r = await request("GET", base + p, undefined, {}, stack.agent);
      assert.equal(r.status, 200, p);
      const csp = r.headers["content-security-policy"] || "";
      for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
        assert.ok(csp.includes(d), p + ": CSP " + csp + " lacks " + d);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(r.headers["x-content-type-options"], "nosniff", p);
      assert.equal(r.headers["referrer-policy"], "no-referrer", p);
      if (!p.includes(".")) assert.match(String(r.body), /<script type="module" src="\/js\/main.js">/, p);
    }
    assert.match((await request("GET", base + "/js/main.js", undefined, {}, stack.agent)).headers["content-type"], /javascript/);
    assert.equal((await request("GET", base + "/nonsense", undefined, {}, stack.agent)).status, 404);
    // the API is still the API
    assert.equal((await stack.api(null, "GET", "/apps/")).status, 401);
  });

  it("bob, member of nothing, logs in and is told so honestly", async () => {
    const p = await bob.newPage();
    await p.goto(base + "/");
    await shoot(p, "login");
    await login(p, base, "bob");
    await p.getByText("You maintain no apps yet.").waitFor();
    assert.equal(await p.getByRole("table").count(), 0);
    assert.match(await p.getByRole("main").textContent(), /maintainer of an app adds you/);
    await shoot(p, "apps-empty");
  });

  it("alice logs in with SSO; the token leaves the address bar; the login survives a reload and a new tab", async () => {
    await page.goto(base + "/apps/redis");
    // a bookmarked page first asks for the login, then comes back to it
    await page.getByRole("heading", { name: "Log in to the LAIN console" }).waitFor();
    await page.getByRole("link", { name: "Log in with SSO" }).first().click();
    await page.getByLabel("Login").fill("alice");
    await page.getByLabel("Password").fill("alice");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "redis", level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/apps/redis");
    assert.doesNotMatch(page.url(), /access_token|#/);
    assert.equal(await page.evaluate(() => history.length > 0 && location.hash), "");
    assert.equal(await page.locator("#who .user").textContent(), "Logged in as alice");
    await page.reload();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    const tab = await alice.newPage();
    await tab.goto(base + "/");
    await tab.getByRole("link", { name: "hello", exact: true }).waitFor();
    assert.equal(await tab.getByRole("link", { name: "Log in with SSO" }).count(), 0);
    await tab.close();
  });

  it("the apps page lists exactly alice's apps, with health, unhealthy first, filtered by type and text", async () => {
    await page.goto(base + "/");
    const table = page.getByRole("table", { name: "Apps" });
    await table.waitFor();
    await until(async () => (await table.getByRole("row").count()) === ALICE_APPS.length + 1, "7 app rows");
    const names = await table.getByRole("rowheader").allTextContents();
    assert.deepEqual([...names].sort(), ALICE_APPS);
    assert.ok(!names.includes("secret"));
    for (const n of names) {
      const link = table.getByRole("link", { name: n, exact: true });
      assert.equal(await link.getAttribute("href"), "/apps/" + n);
    }
    const state = async (n) => (await table.getByRole("row").filter({ has: page.getByRole("link", { name: n, exact: true }) })
      .locator("td").last().textContent());
    assert.match(await state("blog"), /deploying/);
    assert.match(await state("hello"), /healthy/);
    assert.match(await state("draft"), /registered/);
    assert.equal(names[0], "blog", "unhealthy first: " + names);
    assert.equal(names[names.length - 1], "draft", "registered last: " + names);
    assert.match(await page.getByText(/\d+ apps ·/).textContent(), /^7 apps · \d+ procs · \d+ of \d+ pods running$/);

    await page.getByLabel("Type").selectOption("service");
    assert.deepEqual(await table.getByRole("rowheader").allTextContents(), ["redis"]);
    await page.getByLabel("Type").selectOption("");
    await page.getByRole("searchbox", { name: "Filter" }).fill("sho");
    assert.deepEqual(await table.getByRole("rowheader").allTextContents(), ["resource.rdb.shop", "shop"]);
    await page.reload();   // the filter is in the URL
    await until(async () => (await page.getByRole("table", { name: "Apps" }).getByRole("rowheader").allTextContents())
      .join() === "resource.rdb.shop,shop", "the filter to survive a reload");
    await page.getByRole("searchbox", { name: "Filter" }).fill("");
  });

  it("registers and deploys a new app, and shows why a deploy without images fails", async () => {
    await page.goto(base + "/");
    await page.getByLabel("App name").fill("Bad_Name");
    await page.getByRole("button", { name: "Register", exact: true }).click();
    await until(async () => /not a valid app name/.test(await alertText(page)), "the name to be refused");
    await page.getByRole("button", { name: "Dismiss" }).click();
    const seq = await stack.lastSeq();
    await page.getByLabel("App name").fill("fresh");
    await page.getByRole("button", { name: "Register and deploy" }).click();
    // registered, its first deploy shows its plan: web created
    const dialog = page.getByRole("dialog", { name: "Deploy fresh?" });
    await dialog.waitFor();
    assert.match(await dialog.getByRole("listitem").filter({ hasText: /^web/ }).first().textContent(), /^web create/);
    assert.deepEqual(await mutations(seq), []);
    await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
    await until(async () => /Deployed fresh: /.test(await statusText(page)), "the deploy to be reported");
    assert.equal((await deploydCalls(seq, "POST", "/api/podgroups", (c) => c.body.Name === "fresh.web.web")).length, 1);
    await page.getByRole("link", { name: "fresh", exact: true }).waitFor();
    // draft has no images in the registry: the dry run's message is shown, no confirmation offered
    await page.getByRole("button", { name: "Deploy draft" }).click();
    const failed = page.getByRole("dialog", { name: "Deploy draft?" });
    await until(async () => /no images here/.test(await failed.textContent()), "the failed plan to be shown");
    assert.equal(await failed.getByRole("button", { name: "Deploy" }).count(), 0);
    await failed.getByRole("button", { name: "Close" }).click();
    await page.getByRole("button", { name: "Deploy draft" }).waitFor();
  });

  it("works from the keyboard: Tab reaches an app, Enter opens it, Escape cancels a confirmation", async () => {
    await page.goto(base + "/");
    await page.getByRole("link", { name: "hello", exact: true }).waitFor();
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press("Tab");
      found = await page.evaluate(() => document.activeElement.textContent === "hello" && document.activeElement.tagName === "A");
    }
    assert.ok(found, "Tab never reached the link hello");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "hello", level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/apps/hello");
    await page.getByRole("button", { name: "Undeploy" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Undeploy hello?" }).waitFor();
    await page.keyboard.press("Escape");
    await until(async () => (await page.getByRole("dialog").count()) === 0, "the dialog to close");
  });

  it("takes a screenshot of every page at 1280 and 390 px; none scrolls sideways at 390 px", async () => {
    const pages = [["apps", "/"], ["app", "/apps/hello"], ["app-service", "/apps/redis"], ["app-client", "/apps/blog"],
      ["app-resource", "/apps/rdb"], ["app-resource-client", "/apps/shop"], ["app-registered", "/apps/draft"],
      ["versions", "/apps/hello/versions"], ["proc", "/apps/hello/procs/web"], ["activity", "/apps/hello/activity"],
      ["people", "/apps/hello/people"], ["not-found", "/apps/hello/nowhere"]];
    const wide = [];
    for (const [name, p] of pages) {
      await page.goto(base + p);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.waitForLoadState("networkidle");
      await shoot(page, name);
      await page.setViewportSize({ width: 390, height: 844 });
      if (await scrollsSideways(page)) wide.push(p);
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    assert.deepEqual(wide, []);
    await page.emulateMedia({ colorScheme: "dark" });
    for (const [name, p] of [["dark-app", "/apps/blog"], ["dark-apps", "/"]]) {
      await page.goto(base + p);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.waitForLoadState("networkidle");
      await shoot(page, name);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(base + "/apps/hello");
    await page.getByRole("button", { name: "Undeploy" }).click();
    await shoot(page, "confirm-undeploy");
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  it("scales web of hello to 2: deployd gets the PATCH and the page shows 2 pods", async () => {
    await page.goto(base + "/apps/hello/procs/web");
    const n = page.getByLabel("Instances", { exact: true });
    await until(async () => (await n.inputValue()) === "1", "the current instances prefilled");
    const seq = await stack.lastSeq();
    await n.fill("2");
    await page.getByRole("button", { name: "Scale", exact: true }).click();
    // the plan first: instances 1 → 2, nothing sent to deployd yet
    const dialog = page.getByRole("dialog", { name: "Scale web from 1 to 2?" });
    await dialog.getByText("NumInstances").waitFor();
    assert.match(await dialog.textContent(), /web update\s*NumInstances 1 → 2/);
    assert.match(await dialog.textContent(), /Version .* \(stays\)/);
    assert.deepEqual(await mutations(seq), []);
    await dialog.getByRole("button", { name: "Scale" }).click();
    await until(async () => /^Scaled web to 2\.$/.test(await statusText(page)), "the scale to be reported");
    const calls = await deploydCalls(seq, "PATCH", "/api/podgroups",
      (c) => c.params.name === "hello.web.web" && c.params.cmd === "replica");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].params.num_instances, "2");
    const pods = page.getByRole("table", { name: "Pods of web" });
    await until(async () => (await pods.getByRole("row").filter({ hasText: "running" }).count()) === 2,
      "2 running pods on the page (live refresh)");
  });

  it("keeps what the user types through the live refresh", async () => {
    const n = page.getByLabel("Instances", { exact: true });
    await n.fill("7");
    for (let i = 0; i < 2; i++) {
      await page.waitForResponse((r) => r.url().endsWith("/api/v1/apps/hello/procs/web/") && r.request().method() === "GET",
        { timeout: 15000 });
    }
    assert.equal(await n.inputValue(), "7");
    await n.fill("2");
  });

  it("restarts one pod after a confirmation, and shows its status history", async () => {
    const seq = await stack.lastSeq();
    await page.getByRole("button", { name: "Restart web instance 1" }).click();
    const dialog = page.getByRole("dialog", { name: "Restart web instance 1?" });
    await dialog.getByRole("button", { name: "Restart" }).click();
    await until(async () => /Restart of web instance 1 accepted/.test(await statusText(page)), "the restart to be reported");
    const calls = await deploydCalls(seq, "PATCH", "/api/podgroups", (c) => c.params.cmd === "operation");
    assert.equal(calls.length, 1);
    assert.deepEqual([calls[0].params.name, calls[0].params.optype, calls[0].params.instance], ["hello.web.web", "restart", "1"]);
    await page.getByRole("button", { name: "History of web instance 1" }).click();
    const hist = page.getByRole("list", { name: "Status history of web instance 1" });
    await until(async () => /restart/.test(await hist.textContent()), "a restart in the history");
  });

  it("deploys an older version: its procs run it", async () => {
    await page.goto(base + "/apps/hello/versions");
    const table = page.getByRole("table", { name: "Versions of hello" });
    const row = (v) => table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: v }) });
    await row(V2).getByText("running").waitFor();
    const seq = await stack.lastSeq();
    await row(V1).getByRole("button", { name: "Deploy this version" }).click();
    // the plan: each proc's image from V2 to V1 (shortened, the whole value a click away)
    const dialog = page.getByRole("dialog", { name: new RegExp("^Deploy version .* · " + V1.slice(11, 18) + " of hello\\?$") });
    const image = dialog.getByRole("listitem").filter({ hasText: /^Pod\.Containers\[0\]\.Image/ }).first();
    await image.waitFor();
    const full = await image.textContent();
    assert.ok(full.indexOf("release-" + V2) >= 0 && full.indexOf("release-" + V2) < full.indexOf("release-" + V1), full);
    const to = image.getByRole("group").last();
    assert.ok(!(await to.getByText("release-" + V1).isVisible()), "the long value is shortened");
    await to.getByText("release-" + V1.slice(0, 18) + "…").click();
    await to.getByText(new RegExp("release-" + V1 + "$")).waitFor();
    assert.match(await dialog.getByRole("listitem").filter({ hasText: /^bg/ }).first().textContent(), /^bg update/);
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot(page, "dark-plan-deploy-version");
    await page.emulateMedia({ colorScheme: "light" });
    await shoot(page, "plan-deploy-version");
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(!(await scrollsSideways(page)), "the plan dialog scrolls sideways at 390 px");
    await page.setViewportSize({ width: 1280, height: 900 });
    // while the dialog was open, deployd got nothing that changes anything
    assert.deepEqual(await mutations(seq), []);
    await dialog.getByRole("button", { name: "Deploy" }).click();
    await until(async () => /update request of app hello has been accepted\./.test(await statusText(page)), "the deploy to be reported");
    const specs = await deploydCalls(seq, "PATCH", "/api/podgroups", (c) => c.params.cmd === "spec");
    assert.ok(specs.length >= 2, "a new spec per proc: " + specs.length);
    for (const c of specs) assert.match(c.body.Containers[0].Image, new RegExp("release-" + V1 + "$"));
    await row(V1).getByText("running").waitFor();
    await page.goto(base + "/apps/hello");
    const pods = page.getByRole("table", { name: "Pods of web" });
    await until(async () => {
      const rows = pods.getByRole("row").filter({ hasText: "running" });
      return (await rows.count()) === 2 && (await rows.filter({ hasText: V1.slice(11, 18) }).count()) === 2;
    }, "web's pods to run " + V1);
  });

  it("shows a 409 while another deploy runs as such", async () => {
    await page.goto(base + "/apps/hello");
    await page.getByRole("button", { name: "Restart all pods of web" }).waitFor();
    // deployd answers the next spec change slowly: the upgrade below holds
    // hello's deploy lock meanwhile.
    await stack.deployd("POST", "fail", { mode: "slow", match: "/api/podgroups", method: "PATCH", delay: 5, count: 1 });
    const upgrade = stack.api(aliceToken, "PUT", "/apps/hello/", { meta_version: V2 });
    await until(async () => (await stack.deployd("GET", "state")).body.rules.every((r) => r.count === 0),
      "the slow deployd call to start");
    await page.getByRole("button", { name: "Restart all pods of web" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Restart all" }).click();
    await until(async () => /Another deploy is running/.test(await alertText(page)), "the 409 to be shown");
    assert.match(await alertText(page), /being changed by another request/);
    assert.equal((await upgrade).status, 202);
    await stack.deployd("POST", "fail", { mode: "none" });
    await page.getByRole("button", { name: "Dismiss" }).click();
  });

  it("the Releases page lists what was done: deploy, scale, older version, update; states; the current one marked", async () => {
    await page.goto(base + "/apps/hello");
    await page.getByRole("navigation", { name: "App hello" }).getByRole("link", { name: "Releases" }).click();
    const table = page.getByRole("table", { name: "Releases of hello" });
    await table.waitFor();
    // what the API recorded of this story ...
    const recorded = (await stack.api(aliceToken, "GET", "/apps/hello/releases/")).body.releases;
    assert.deepEqual(recorded.map((r) => [r.id, r.op, r.state]),
      [[4, "update", "succeeded"], [3, "update", "succeeded"], [2, "scale", "succeeded"], [1, "deploy", "succeeded"]]);
    // ... is what the page shows, newest first
    const heads = await table.getByRole("rowheader").allInnerTexts();
    assert.equal(heads.length, 4);
    assert.match(heads[0], /^4 current\nupdate\nalice · \d+ min ago$/);
    assert.match(heads[1], /^3\s*\nupdate\nalice · /);
    assert.match(heads[2], /^2\s*\nscale\n/);
    assert.match(heads[3], /^1\s*\ndeploy\n/);
    const rows = table.getByRole("row");
    const cells = async (i) => (await rows.nth(i).getByRole("cell").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    const short = (v) => v.slice(11, 18);
    for (const [i, v, web] of [[1, V2, 2], [2, V1, 2], [3, V2, 2], [4, V2, 1]]) {
      const [version, state] = await cells(i);
      assert.match(version, new RegExp(short(v) + " web ×" + web + " · 32M bg ×1 · 32M$"), "row " + i);
      assert.match(state, i === 1 ? /^succeeded$/ : /^succeeded ?Roll back to here$/, "row " + i);
    }
    assert.match(await rows.nth(1).locator("time").getAttribute("title"), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(await table.getByRole("button", { name: /^Roll back to here/ }).count(), 3);
  });

  it("rolls back to release 3 after showing its plan: deployd gets the older version, the page shows the rollback release", async () => {
    const table = page.getByRole("table", { name: "Releases of hello" });
    const seq = await stack.lastSeq();
    await table.getByRole("button", { name: "Roll back to here (release 3)" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back hello to release 3?" });
    await dialog.getByText("Pod.Containers[0].Image").first().waitFor();
    assert.match(await dialog.textContent(), new RegExp("Version .*" + V2.slice(11, 18) + " → .*" + V1.slice(11, 18)));
    await shoot(page, "plan-rollback");
    assert.deepEqual(await mutations(seq), []);
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await until(async () => /rollback request of app hello to release 3 has been accepted\. Release 5: succeeded\./.test(await statusText(page)),
      "the rollback to be reported");
    const changed = (await stack.calls(seq)).filter((c) => c.method !== "GET");
    assert.deepEqual(changed.map((c) => c.method + " " + c.params.name + " " + c.params.cmd).sort(),
      ["PATCH hello.web.web spec", "PATCH hello.worker.bg spec"]);
    for (const c of changed) assert.match(c.body.Containers[0].Image, new RegExp("release-" + V1 + "$"));
    await until(async () => /^5 current\nrollback to 3\n/.test((await table.getByRole("rowheader").allInnerTexts())[0]),
      "release 5, the rollback, on the page");
    assert.equal((await table.getByRole("row").nth(1).getByRole("cell").allInnerTexts())[1].trim(), "succeeded");
  });

  it("a wait-healthy upgrade to a version whose pods never come up ends rolled back, as the API says", async () => {
    stack.push("hello", V3, YAML.hello);
    await stack.deployd("POST", "pods", { image: "release-" + V3, fate: "pending" });
    await page.goto(base + "/apps/hello");
    const seq = await stack.lastSeq();
    await page.getByRole("button", { name: "Upgrade to latest" }).click();
    const dialog = page.getByRole("dialog", { name: new RegExp("^Upgrade hello to .* · " + V3.slice(11, 18) + "\\?$") });
    await dialog.getByText("Pod.Containers[0].Image").first().waitFor();
    await dialog.getByLabel("Wait until healthy (roll back automatically if not)").check();
    await dialog.getByLabel("Time limit (s)").fill("3");
    await shoot(page, "plan-upgrade-wait");
    await dialog.getByRole("button", { name: "Upgrade" }).click();
    // pending meanwhile, visibly: the button and the status region say so
    await page.getByRole("button", { name: "Waiting…" }).waitFor();
    assert.match(await statusText(page), /waiting until every changed proc is healthy \(3 s at most, then it rolls back\)/);
    await shoot(page, "upgrade-waiting");
    await until(async () => /rolled back to release 5/.test(await alertText(page)), "the outcome to be shown", 60000);
    // the API's 406, as it says it: the release rolled back and why
    assert.match(await alertText(page), /Release 6 rolled back: web: 0 of 2 pods running after 3 s; rolled back to release 5/);
    const recorded = (await stack.api(aliceToken, "GET", "/apps/hello/releases/")).body.releases;
    assert.deepEqual(recorded.slice(0, 2).map((r) => [r.id, r.op, r.state, r.rollback_of]),
      [[7, "rollback", "succeeded", 5], [6, "update", "rolled_back", undefined]]);
    // deployd got V3, then V1 again
    const images = (await stack.calls(seq)).filter((c) => c.method === "PATCH" && c.params.cmd === "spec" && c.params.name === "hello.web.web")
      .map((c) => c.body.Containers[0].Image.replace(/.*release-/, ""));
    assert.deepEqual(images, [V3, V1]);
    await page.getByRole("button", { name: "Dismiss" }).click();
    await page.goto(base + "/apps/hello/releases");
    const table = page.getByRole("table", { name: "Releases of hello" });
    await until(async () => (await table.getByRole("rowheader").count()) === 7, "7 releases");
    assert.match((await table.getByRole("rowheader").allInnerTexts())[0], /^7 current\nrollback to 5\n/);
    const failed = (await table.getByRole("row").nth(2).getByRole("cell").allInnerTexts())[1];
    assert.match(failed, /^rolled back\s+web: 0 of 2 pods running after 3 s$/);
    await shoot(page, "releases");
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot(page, "dark-releases");
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(!(await scrollsSideways(page)), "the Releases page scrolls sideways at 390 px");
    await page.setViewportSize({ width: 1280, height: 900 });
    await stack.deployd("DELETE", "pods");
  });

  it("pauses the live refresh while the tab is hidden, and resumes when it is shown", async () => {
    const p = await alice.newPage();
    // the tab's visibility as the test says, and the page's clock in the test's hand
    await p.addInitScript(() => {
      window.hiddenForTest = false;
      Object.defineProperty(document, "hidden", { configurable: true, get: () => window.hiddenForTest });
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (window.hiddenForTest ? "hidden" : "visible") });
    });
    await p.clock.install();
    const calls = [];
    p.on("request", (r) => r.method() === "GET" && new URL(r.url()).pathname === "/api/v1/apps/hello/" && calls.push(r.url()));
    await p.goto(base + "/apps/hello");
    await p.getByRole("table", { name: "Pods of web" }).waitFor();
    await p.waitForLoadState("networkidle");
    const setHidden = (hidden) => p.evaluate((x) => {
      window.hiddenForTest = x;
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
    // visible: a refresh every 5 s of the page's time
    let n = calls.length;
    for (let i = 1; i <= 2; i++) {
      await p.clock.runFor(5000);
      await until(async () => calls.length === n + i, "live refresh " + i + " while visible");
    }
    // hidden: none in six periods
    await setHidden(true);
    n = calls.length;
    for (let i = 0; i < 6; i++) await p.clock.runFor(5000);
    await p.waitForLoadState("networkidle");
    assert.equal(calls.length, n, "refreshes while hidden");
    // shown again: one at once, then on
    await setHidden(false);
    await until(async () => calls.length === n + 1, "a refresh when the tab is shown");
    await p.clock.runFor(5000);
    await until(async () => calls.length === n + 2, "the refresh going on");
    await p.close();
  });

  it("alice adds bob as a maintainer; bob then sees hello", async () => {
    await page.goto(base + "/apps/hello/people");
    await page.getByText("You are alice, admin maintainer of hello.").waitFor();
    await page.getByLabel("SSO user").fill("bob");
    await page.getByLabel("Role").selectOption("normal");
    await page.getByRole("button", { name: "Add maintainer" }).click();
    const table = page.getByRole("table", { name: "Maintainers of hello" });
    await table.getByRole("rowheader", { name: "bob" }).waitFor();
    const state = await request("GET", stack.env.SSO_URL + "/__fake/state");
    const group = Object.values(state.body.groups).find((g) => g.name.endsWith("-hello"));
    assert.equal(group.members.bob, "normal");
    const p = bob.pages()[0];
    await p.goto(base + "/");
    const apps = p.getByRole("table", { name: "Apps" });
    await apps.waitFor();
    assert.deepEqual(await apps.getByRole("rowheader").allTextContents(), ["hello"]);
    await p.getByRole("link", { name: "hello", exact: true }).click();
    await p.getByText("You are bob, normal maintainer of hello.").waitFor();
    // removing asks first, naming whom and from what
    await table.getByRole("button", { name: "Remove bob from hello" }).click();
    const ask = page.getByRole("dialog", { name: "Remove bob from hello?" });
    await ask.getByText("bob will lose access to hello.").waitFor();
    await ask.getByRole("button", { name: "Cancel" }).click();
    await table.getByRole("rowheader", { name: "bob" }).waitFor();
  });

  it("undeploys hello only after its name is typed", async () => {
    await page.goto(base + "/apps/hello");
    await page.getByRole("button", { name: "Undeploy" }).click();
    const dialog = page.getByRole("dialog", { name: "Undeploy hello?" });
    const ok = dialog.getByRole("button", { name: "Undeploy" });
    assert.ok(await ok.isDisabled());
    await dialog.getByLabel("Type hello to confirm").fill("hell");
    assert.ok(await ok.isDisabled());
    await dialog.getByLabel("Type hello to confirm").fill("hello");
    const seq = await stack.lastSeq();
    await ok.click();
    await until(async () => /Undeployed hello/.test(await statusText(page)), "the undeploy to be reported");
    const gone = (await deploydCalls(seq, "DELETE", "/api/podgroups")).map((c) => c.params.name).sort();
    assert.deepEqual(gone, ["hello.web.web", "hello.worker.bg"]);
    await page.getByRole("button", { name: "Deploy hello" }).waitFor();
    assert.match(await page.getByRole("main").textContent(), /registered but not deployed/);
  });

  it("the activity page shows these operations, newest first", async () => {
    await page.goto(base + "/apps/hello/activity");
    const table = page.getByRole("table", { name: "Operations on hello" });
    await table.waitFor();
    const ops = await table.locator("tbody tr td:nth-child(3)").allTextContents();
    // the automatic rollback after the upgrade that never became healthy is an operation of its own
    assert.deepEqual(ops, ["DELETE", "ROLLBACK", "UPDATE", "ROLLBACK", "UPDATE", "UPDATE", "RESTART", "SCALE", "DEPLOY", "REPOSIT"]);
    const users = new Set(await table.locator("tbody tr td:nth-child(2)").allTextContents());
    assert.deepEqual([...users], ["alice"]);
    assert.match(await table.textContent(), /restart container|instance 1/i);
  });

  it("alice makes a deploy token on the People page, sees its secret once, and revokes it", async () => {
    await page.goto(base + "/apps/hello/people");
    await page.getByText("No deploy tokens.").waitFor();
    // on a phone: the message after it covers neither the form nor the secret
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel("Name", { exact: true }).fill("ci");
    assert.equal(await page.getByLabel("Scopes").inputValue(), "push deploy");
    await page.getByRole("button", { name: "Make token" }).click();
    const table = page.getByRole("table", { name: "Deploy tokens of hello" });
    await table.getByRole("rowheader", { name: "ci" }).waitFor();
    const shown = page.getByText(/^lc_[a-z2-7]{52}$/);
    const secret = await shown.textContent();
    await page.getByText("Made the deploy token robot:hello:ci.").waitFor();
    const toast = await page.getByRole("status").filter({ hasText: "Made the deploy" }).boundingBox();
    for (const l of [page.getByRole("heading", { name: "Make a deploy token" }), shown, page.getByRole("button", { name: /^Copy/ })]) {
      const b = await l.boundingBox();
      assert.ok(b.y + b.height <= toast.y || toast.y + toast.height <= b.y, "the toast covers " + await l.textContent());
    }
    await page.screenshot({ path: SHOTS + "/people-made-390.png" });
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.match(await page.getByRole("main").textContent(), /Secret of robot:hello:ci \(shown this once/);
    assert.match(await table.textContent(), /push, deploy/);
    assert.match(await table.textContent(), /never/);
    // Copy puts it on the clipboard
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.getByRole("button", { name: "Copy the secret of robot:hello:ci" }).click();
    await page.getByText("Copied the secret of robot:hello:ci.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    // it works as hello's access-token, and for nothing else
    assert.equal((await stack.api(secret, "GET", "/repos/hello/")).status, 200);
    assert.equal((await stack.api(secret, "GET", "/repos/")).status, 403);
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await scrollsSideways(page), false);
    await page.setViewportSize({ width: 1280, height: 900 });
    await shoot(page, "people-tokens");
    // the secret is gone with the page: the list never has it
    await page.reload();
    await table.getByRole("rowheader", { name: "ci" }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0);
    await page.getByRole("button", { name: "Revoke robot:hello:ci" }).click();
    await page.getByRole("dialog", { name: "Revoke robot:hello:ci?" }).getByRole("button", { name: "Revoke" }).click();
    await page.getByText("No deploy tokens.").waitFor();
    assert.equal((await stack.api(secret, "GET", "/repos/hello/")).status, 401);
  });

  it("admins get the Admin page: webhooks added and removed, stream ports listed", async () => {
    assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count(), 0);
    const p = await admin.newPage();
    await login(p, base, "admin");
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await p.getByRole("heading", { name: "Admin", level: 1 }).waitFor();
    await p.getByLabel("Webhook URL").fill("https://ci.example.com/hook");
    await p.getByRole("button", { name: "Add webhook" }).click();
    await p.getByRole("table", { name: "Webhooks" }).getByText("https://ci.example.com/hook").waitFor();
    // its secret, this once (issue 18)
    assert.match(await p.getByText(/^lcw_[a-z2-7]{52}$/).textContent(), /^lcw_/);
    assert.match(await p.getByRole("main").textContent(), /Secret of https:\/\/ci.example.com\/hook \(shown this once/);
    await p.getByRole("button", { name: "Copy the secret of https://ci.example.com/hook" }).waitFor();
    await p.setViewportSize({ width: 390, height: 844 });
    assert.equal(await scrollsSideways(p), false);
    await p.setViewportSize({ width: 1280, height: 900 });
    await shoot(p, "admin-webhook-secret");
    const adminToken = await stack.token("admin");
    assert.deepEqual((await stack.api(adminToken, "GET", "/notify/imagepush/")).body.notify, ["https://ci.example.com/hook"]);
    assert.equal((await stack.api(aliceToken, "GET", "/notify/imagepush/")).status, 403);
    await p.getByText("No stream-router port is in use.").waitFor();
    await shoot(p, "admin");
    await p.getByRole("button", { name: "Remove webhook https://ci.example.com/hook" }).click();
    await p.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await p.getByText("No webhook is registered.").waitFor();
    assert.deepEqual((await stack.api(adminToken, "GET", "/notify/imagepush/")).body.notify, []);
    // admins see every app, secret included
    await p.getByRole("link", { name: "Apps" }).click();
    await p.getByRole("link", { name: "secret", exact: true }).waitFor();
  });

  it("a login revoked at SSO ends in the UI with the reason", async () => {
    await page.goto(base + "/");
    await page.getByRole("link", { name: "blog", exact: true }).waitFor();
    const r = await stack.sso("revoke", { user: "alice" });
    assert.ok(r.body.revoked >= 1);
    // the next call of the live refresh gets a 401
    await page.getByRole("heading", { name: "Log in to the LAIN console" }).waitFor({ timeout: 20000 });
    assert.match(await page.getByRole("main").textContent(), /no longer accepts your login/);
    assert.equal(await page.evaluate(() => localStorage.getItem("lain-console.login")), null);
    assert.equal(await page.getByRole("button", { name: "Log out" }).count(), 0);
  });

  it("an expired login asks for a new one", async () => {
    const p = bob.pages()[0];
    await p.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("lain-console.login"));
      localStorage.setItem("lain-console.login", JSON.stringify({ token: s.token, expires: Date.now() - 1000 }));
    });
    await p.reload();
    await p.getByRole("heading", { name: "Log in to the LAIN console" }).waitFor();
    assert.match(await p.getByRole("main").textContent(), /Your login expired/);
  });

  it("with auth off there is no login, and no People tab", async () => {
    await stack.etcdDelete("/lain/config/auth/console");
    const p = await (await person(browser, "anyone", base)).newPage();
    await until(async () => {
      await p.goto(base + "/");
      return (await p.getByText("Auth is off").count()) > 0;
    }, "the console to see auth off");
    await p.getByRole("link", { name: "secret", exact: true }).waitFor();
    assert.equal(await p.getByRole("link", { name: "Log in with SSO" }).count(), 0);
    await p.getByRole("link", { name: "secret", exact: true }).click();
    await p.getByRole("heading", { name: "secret", level: 1 }).waitFor();
    assert.equal(await p.getByRole("navigation", { name: "App secret" }).getByRole("link", { name: "People" }).count(), 0);
    alice.problems.push(...p.context().problems);
  });

  it("no page had a JS error, a console error or a CSP violation", () => {
    assert.deepEqual([...alice.problems, ...bob.problems, ...admin.problems], []);
  });
});
