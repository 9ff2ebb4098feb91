// What the pages compute from the API's objects (console-api.md §1.4): the
// health of an app by lain-cli's rule, counts, versions and times.

const up = (pod) => pod && pod.status === "True";

// lain-cli's rule (lain-ecosystem.md §5.2): a proc is healthy when it has
// pods and every one runs.
export function procHealthy(p) {
  return Array.isArray(p.pods) && p.pods.length > 0 && p.pods.every(up);
}

function healthy(app) {
  if (!app || typeof app !== "object" || app.deployerror) return false;
  if (app.apptype === "resource") return true;
  if (!Array.isArray(app.procs) || app.procs.length === 0 || !app.procs.every(procHealthy)) return false;
  for (const u of app.useservices || []) {
    const portals = u.service && u.service.portals;
    if (!Array.isArray(portals) || !portals.every(procHealthy)) return false;
  }
  return (app.useresources || []).every((u) => healthy(u.resourceinstance));
}

// "healthy", "deploying" (not healthy yet, no error) or "failed" (deployerror).
export function appState(app) {
  if (app.deployerror) return "failed";
  return healthy(app) ? "healthy" : "deploying";
}

export const STATE_ORDER = { failed: 0, deploying: 1, healthy: 2, registered: 3 };

export function allProcs(app) {
  return [...(app.procs || []), ...(app.portals || [])];
}

// [running, total] pods of an app; total counts the instances asked for
// when fewer pods exist yet.
export function podCounts(app) {
  let running = 0, total = 0;
  if (app.apptype === "resource") return [0, 0];   // templates: its instances run
  for (const p of allProcs(app)) {
    const pods = p.pods || [];
    running += pods.filter(up).length;
    total += Math.max(pods.length, Number(p.numinstances) || 0);
  }
  return [running, total];
}

export function isUp(pod) { return up(pod); }

// "1796644056-8d5019c7..." -> {time: Date|null, sha: "8d5019c"}
export function parseVersion(v) {
  const m = /^(\d+)-([0-9a-f]+)/.exec(v || "");
  return m ? { time: new Date(Number(m[1]) * 1000), sha: m[2].slice(0, 7) } : { time: null, sha: "" };
}

const pad = (n) => String(n).padStart(2, "0");

// A Date as "2026-12-07 11:47" in the browser's time zone.
export function fmtTime(d, seconds) {
  if (!d || isNaN(d)) return "–";
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
    pad(d.getHours()) + ":" + pad(d.getMinutes()) + (seconds ? ":" + pad(d.getSeconds()) : "");
}

// A short form of a version: "2026-12-07 11:47 · 8d5019c" (or the text as is).
export function shortVersion(v) {
  const p = parseVersion(v);
  return p.time ? fmtTime(p.time) + " · " + p.sha : (v || "–");
}

// The version a proc's image runs (archon's rule: the part after "release-").
export function imageVersion(image) {
  const i = (image || "").lastIndexOf("release-");
  return i < 0 ? "" : image.slice(i + 8).replace(/-[^-]+-config-\d+$/, "");
}

// Pod uptime: the API gives the start as "YYYY-MM-DD HH:MM:SS" in
// Asia/Shanghai time (UTC+8, spec §1.4).
export function podStart(pod) {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/.exec(pod.uptime || "");
  return m ? new Date(m[1] + "T" + m[2] + "+08:00") : null;
}

export function ago(d) {
  if (!d || isNaN(d)) return "–";
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  if (s < 86400) return Math.floor(s / 3600) + " h " + (Math.floor(s / 60) % 60) + " min";
  return Math.floor(s / 86400) + " d " + (Math.floor(s / 3600) % 24) + " h";
}

// The instance number of a pod: from DEPLOYD_POD_INSTANCE_NO, else the
// container name's "-i<n>-".
export function podInstance(pod) {
  const env = (pod.envs || []).find((e) => e.startsWith("DEPLOYD_POD_INSTANCE_NO="));
  if (env) return Number(env.split("=")[1]);
  const m = /-i(\d+)-/.exec(pod.containername || "");
  return m ? Number(m[1]) : 0;
}

// lain.yaml memory sizes as the API parses them (humanfriendly: binary
// units by their first letter); bytes, or NaN.
export function parseSize(s) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpe]?)[a-z]*\s*$/i.exec(s || "");
  if (!m) return NaN;
  return Math.floor(Number(m[1]) * 1024 ** " kmgtpe".indexOf((m[2] || " ").toLowerCase()));
}
