// What the pages compute from the API's objects (console-api.md §1.4).
const up = (pod) => pod.status === "True", all = (list, ok) => !!list?.length && list.every(ok);

// lain-cli's health rule (lain-ecosystem.md §5.2).
export const procHealthy = (p) => all(p.pods, up);
export const portalsUp = (use) => all(use.service?.portals, procHealthy);
const healthy = (a) => !!a && !a.deployerror && (a.apptype === "resource" ||
	all(a.procs, procHealthy) && (a.useservices || []).every(portalsUp) && (a.useresources || []).every((u) => healthy(u.resourceinstance)));

// "healthy", "deploying" (not yet) or "failed" (a deployerror).
export const appState = (a) => (a.deployerror ? "failed" : healthy(a) ? "healthy" : "deploying");
export const STATE_ORDER = { failed: 0, deploying: 1, healthy: 2, registered: 3 };
export const TONE = { create: "healthy", update: "deploying", remove: "failed", succeeded: "healthy", pending: "deploying" };
export const allProcs = (a) => [...(a.procs || []), ...(a.portals || [])];
export { up as isUp };

// [running, total] pods (a resource's procs are templates: none).
export const podCounts = (a) => (a.apptype === "resource" ? [] : allProcs(a)).reduce(([run, n], p) =>
	[run + (p.pods || []).filter(up).length, n + Math.max((p.pods || []).length, p.numinstances || 0)], [0, 0]);

// "2026-12-07 11:47[:05]" in the browser's time zone (Swedish dates are ISO's).
export const fmtTime = (d, sec) => (!d || isNaN(d) ? "–" : d.toLocaleString("sv").slice(0, sec ? 19 : 16));

// A version: "<commit time>-<sha>".
export const versionTime = (v) => (/^\d+-/.test(v || "") ? new Date(parseInt(v, 10) * 1000) : null);
export const shortVersion = (v) => (versionTime(v) ? fmtTime(versionTime(v)) + " · " + v.split("-")[1].slice(0, 7) : v || "–");

// The version a proc's image runs (archon's rule: what follows "release-").
export function imageVersion(image) {
	const i = (image || "").lastIndexOf("release-");
	return i < 0 ? "" : image.slice(i + 8).replace(/-[^-]+-config-\d+$/, "");
}

// A pod's start: "YYYY-MM-DD HH:MM:SS" in Asia/Shanghai time (spec §1.4).
export const podStart = (pod) => (pod.uptime ? new Date(pod.uptime.replace(" ", "T") + "+08:00") : null);

export function ago(d) {
	const m = (Date.now() - d) / 60000 | 0;
	return isNaN(m) ? "–" : m < 60 ? Math.max(m, 0) + " min" : m < 1440 ? (m / 60 | 0) + " h " + m % 60 + " min" : (m / 1440 | 0) + " d " + (m / 60 | 0) % 24 + " h";
}

export function fmtSize(b) {
	let i = 0;
	for (; b >= 1024 && i < 4; i++) b /= 1024;
	return +b.toFixed(1) + "BKMGT"[i];
}

// The instance number of a pod (DEPLOYD_POD_INSTANCE_NO, or "-i<n>-").
export function podInstance(pod) {
	const e = (pod.envs || []).find((x) => x.startsWith("DEPLOYD_POD_INSTANCE_NO="));
	return Number(e ? e.split("=")[1] : (/-i(\d+)-/.exec(pod.containername || "") || [0, 0])[1]);
}

// Bytes of a size as the API parses it (binary units), or NaN.
export function parseSize(s) {
	const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpe]?)[a-z]*\s*$/i.exec(s || "");
	return m ? Math.floor(m[1] * 1024 ** " kmgtpe".indexOf(m[2].toLowerCase() || " ")) : NaN;
}
