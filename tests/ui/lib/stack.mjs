// The stack the browser tests run against: scripts/stack (etcd,
// lain-console, nginx with TLS, the SSO and deployd stand-ins, a
// docker-registry) on free loopback ports, images pushed with
// tests/tools/push-image, apps registered and deployed through the API.
// Stopped by scripts/stack down (by pid); a watchdog stops it if this
// process dies first.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Agent } from "node:https";
import https from "node:https";
import http from "node:http";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const BUILD = process.env.UI_BUILD_DIR || path.join(ROOT, "build");

export class Stack {
  constructor(dir) {
    this.dir = dir;
    this.env = {};
  }

  up() {
    const bin = process.env.LAIN_CONSOLE_BIN || path.join(BUILD, "default", "lain-console");
    rmSync(this.dir, { recursive: true, force: true });
    execFileSync(path.join(ROOT, "scripts/stack"), ["up", "--dir", this.dir, "--bin", bin, "--workers", "4",
      "--sso", "--deployd", "--deployd-delay", "0.2", "--registry", "--owner-pid", String(process.pid), "--quiet"],
    { stdio: ["ignore", "inherit", "inherit"],
      // a revoked login is refused within a second (the default cache is 5 s)
      env: { ...process.env, CONSOLE_SSO_CACHE_SECONDS: "1" } });
    for (const line of readFileSync(path.join(this.dir, "stack.env"), "utf8").split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) this.env[line.slice(0, i)] = line.slice(i + 1);
    }
    this.url = this.env.CONSOLE_URL;
    this.agent = new Agent({ ca: readFileSync(this.env.CA_CERT), keepAlive: false });
  }

  down() {
    try {
      execFileSync(path.join(ROOT, "scripts/stack"), ["down", "--dir", this.dir, "--quiet"], { stdio: "inherit" });
    } catch (e) { /* reported by the script */ }
  }

  // push(app, version, lainYaml): meta and release images into the registry.
  push(app, version, yaml) {
    const tmp = mkdtempSync(path.join(tmpdir(), "ui-yaml-"));
    const file = path.join(tmp, "lain.yaml");
    writeFileSync(file, yaml);
    try {
      execFileSync(path.join(ROOT, "tests/tools/push-image"), ["--registry", this.env.REGISTRY_URL,
        "--app", app, "--version", version, "--lain-yaml", file], { stdio: "pipe" });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  // A token for user straight from the SSO stand-in (no login pages).
  async token(user) {
    const r = await request("POST", this.env.SSO_URL + "/__fake/token", { user });
    return r.body.access_token;
  }

  // The API through nginx, as user's token (or none): {status, body}.
  api(token, method, p, body) {
    return request(method, this.url + "/api/v1" + p, body, token ? { "access-token": token } : {}, this.agent);
  }

  sso(what, body) { return request("POST", this.env.SSO_URL + "/__fake/" + what, body); }
  deployd(method, what, body) { return request(method, this.env.DEPLOYD_URL + "/__fake/" + what, body); }

  // deployd's call log since seq (every /api/ call it received).
  async calls(since) {
    return (await this.deployd("GET", "calls?since=" + (since || 0))).body.calls;
  }

  async lastSeq() {
    const c = await this.calls(0);
    return c.length ? c[c.length - 1].seq : 0;
  }

  etcdPut(key, value) {
    const b64 = (s) => Buffer.from(s).toString("base64");
    return request("POST", this.env.ETCD_URL + "/v3/kv/put", { key: b64(key), value: b64(value) });
  }

  etcdDelete(key) {
    return request("POST", this.env.ETCD_URL + "/v3/kv/deleterange", { key: Buffer.from(key).toString("base64") });
  }
}

// One HTTP(S) request with a JSON body; answers {status, headers, body}.
export function request(method, url, body, headers, agent) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(u, {
      method, agent, timeout: 200000,
      headers: { ...(headers || {}), ...(data ? { "Content-Type": "application/json", "Content-Length": data.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed = text;
        try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout: " + method + " " + url)));
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

// Polls fn until it answers something truthy; fails with what after 20 s.
export async function until(fn, what, ms) {
  const end = Date.now() + (ms || 20000);
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error("timed out waiting for " + what + (last instanceof Error ? ": " + last.message : ""));
    await new Promise((r) => setTimeout(r, 150));
  }
}

// A LAIN meta version: <10-digit commit time>-<40 hex>.
export function version(ts, seed) {
  return String(ts) + "-" + seed.repeat(40).slice(0, 40);
}
