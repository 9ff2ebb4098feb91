// Debian's Chromium driven by playwright-core (nothing is downloaded), with
// every page's JS errors, console errors and CSP violations collected.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { BUILD } from "./stack.mjs";

export const CHROMIUM = process.env.UI_CHROMIUM || "/usr/bin/chromium";
export const SHOTS = path.join(BUILD, "ui-screenshots");

export async function launch() {
  // --no-sandbox: the tests run as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

// A browser context (its own cookies and storage: one person) whose pages
// report into problems[].
export async function person(browser, name, base, opts) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, ...(opts || {}) });
  ctx.person = name;
  ctx.base = base;
  ctx.problems = [];
  ctx.on("page", (page) => watch(ctx, page));
  // A CSP violation also as a console error of its own (runs outside the
  // page's CSP: the driver injects it).
  await ctx.addInitScript(() => document.addEventListener("securitypolicyviolation",
    (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI)));
  return ctx;
}

// Only the console's own pages count (not the SSO stand-in's login page).
function watch(ctx, page) {
  const ours = () => page.url().startsWith(ctx.base);
  page.on("pageerror", (e) => ours() && ctx.problems.push(ctx.person + ": JS error on " + page.url() + ": " + e.message));
  page.on("console", (m) => {
    if (!ours()) return;
    // Chromium logs CSP violations ("Refused to ...") and failed loads as
    // console errors. An API answer of 4xx/5xx, which the UI shows as a
    // message on purpose, is logged as "Failed to load resource": not one.
    if (m.type() !== "error") return;
    const text = m.text();
    if (/^Failed to load resource: the server responded with a status of [45]\d\d/.test(text) &&
        /\/api\/v1\//.test((m.location() || {}).url || "")) return;
    ctx.problems.push(ctx.person + ": console error on " + page.url() + ": " + text);
  });
}

// Logs in through the SSO stand-in's form, as a person does.
export async function login(page, base, user) {
  await page.goto(base + "/");
  await page.getByRole("link", { name: "Log in with SSO" }).first().click();
  await page.getByLabel("Login").fill(user);
  await page.getByLabel("Password").fill(user);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

// Saves page as <name>-1280.png and <name>-390.png (full page).
export async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.waitForTimeout(50);
    await page.screenshot({ path: path.join(SHOTS, name + "-" + width + ".png"), fullPage: true });
  }
  await page.setViewportSize(size);
}

// Whether the page scrolls sideways at its current width.
export function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
