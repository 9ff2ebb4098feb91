/* Which hosts mountpoints may claim; see mountpolicy.h. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "console/buf.h"
#include "console/mountpolicy.h"
#include "console/banned.h"

/* The layer-0 and layer-1 parts of LAIN (lain-ecosystem.md §5.1) and the
 * names the console and lain-cli reach them by. */
const char *const mountpolicy_services[] = {
	"archon",     "backupctl", "calico",    "console",   "deploy",   "deployd",
	"docker",     "entry",     "etcd",      "lainlet",   "lvault",   "networkd",
	"rebellion",  "registry",  "sso",       "streamrouter", "swarm", "tinydns",
	"webrouter",  NULL,
};

/* mountpoint's host into host (lower case, no port, no trailing dot). */
static void host_of(const char *mountpoint, buf_t *host)
{
	size_t n = strcspn(mountpoint, "/");
	const char *colon = memchr(mountpoint, ':', n);
	if (colon && !memchr(mountpoint, '*', n))
		n = (size_t)(colon - mountpoint);
	while (n && mountpoint[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		buf_addch(host, (char)tolower((unsigned char)mountpoint[i]));
}

/* appname split on '.' and reversed ("resource.rdb.shop" -> "shop.rdb.resource"). */
static void appdomain(const char *appname, buf_t *out)
{
	size_t end = strlen(appname);
	while (end) {
		size_t start = end;
		while (start && appname[start - 1] != '.')
			start--;
		if (out->len)
			buf_addch(out, '.');
		buf_add(out, appname + start, end - start);
		end = start ? start - 1 : 0;
	}
}

/* Whether host is "<label>.<domain>" (label non-empty); *label is where
 * the label ends (its length). */
static bool under(const char *host, const char *domain, size_t *label)
{
	size_t h = strlen(host), d = strlen(domain);
	if (h <= d + 1 || host[h - d - 1] != '.' || strcasecmp(host + h - d, domain))
		return false;
	*label = h - d - 1;
	return true;
}

/* The cluster domains and "lain", as the i-th of n. */
static const char *domain_at(const mountpolicy_t *p, size_t i)
{
	return i == 0 ? p->domain : i <= p->n_extra_domains ? p->extra_domains[i - 1] : "lain";
}

/* Why host may not be claimed by the app (own: its appdomain), or NULL. */
static const char *refusal(const mountpolicy_t *p, const char *host, const char *own, buf_t *why)
{
	size_t nd = p->n_extra_domains + 2, label;
	if (!*host || strchr(host, '*'))
		return "a wildcard host (it claims every host)";
	for (size_t i = 0; i < nd; i++) {
		const char *d = domain_at(p, i);
		if (!strcasecmp(host, d))
			return "the cluster's domain itself";
		if (!under(host, d, &label))
			continue;
		for (const char *const *s = mountpolicy_services; *s; s++)
			if (strlen(*s) == label && !strncmp(host, *s, label)) {
				buf_addf(why, "the host of the cluster's %s service", *s);
				return why->data;
			}
		if (strlen(own) == label && !strncmp(host, own, label))
			break;
		buf_t name = BUF_INIT, rev = BUF_INIT;
		buf_add(&name, host, label);
		appdomain(name.data, &rev);
		buf_addf(why, "the host of app '%s'", rev.data);
		buf_release(&name);
		buf_release(&rev);
		return why->data;
	}
	for (size_t i = 0; i < p->n_service_hosts; i++) {
		buf_t s = BUF_INIT;
		host_of(p->service_hosts[i], &s);
		bool same = s.len && !strcmp(s.data, host);
		buf_release(&s);
		if (same)
			return "the host of a service of the cluster";
	}
	return NULL;
}

int mountpolicy_check(const lain_conf_t *conf, const mountpolicy_t *p, err_t *err)
{
	if (p->cluster_admin)
		return 0;
	buf_t name = BUF_INIT, own = BUF_INIT, host = BUF_INIT, why = BUF_INIT;
	int rc = 0;
	for (size_t k = 0; p->appname[k]; k++)
		buf_addch(&name, (char)tolower((unsigned char)p->appname[k]));
	appdomain(name.data, &own);
	buf_release(&name);
	for (size_t i = 0; i < conf->n_procs && !rc; i++) {
		const lain_proc_t *pr = &conf->procs[i];
		for (size_t m = 0; m < pr->mountpoints.n && !rc; m++) {
			buf_reset(&host);
			buf_reset(&why);
			host_of(pr->mountpoints.v[m], &host);
			const char *r = refusal(p, host.data, own.data, &why);
			if (r)
				rc = err_set(err, -ERR_NOT_ACCEPTABLE,
					     "mountpoint '%s' of proc %s is %s: only a LAIN admin may "
					     "deploy it",
					     pr->mountpoints.v[m], pr->podname, r);
		}
	}
	buf_release(&own);
	buf_release(&host);
	buf_release(&why);
	return rc;
}
