/* Where a webhook URL may point; see urlpolicy.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "console/strx.h"
#include "console/urlpolicy.h"
#include "console/banned.h"

static enum urlpolicy_class class_v4(uint32_t a)
{
	if ((a >> 24) == 127 || (a >> 24) == 0)
		return URLPOLICY_LOOPBACK;
	if ((a >> 16) == 0xa9fe) /* 169.254/16 */
		return URLPOLICY_LINK_LOCAL;
	if ((a >> 24) == 10 || (a >> 20) == 0xac1 /* 172.16/12 */ ||
	    (a >> 16) == 0xc0a8 /* 192.168/16 */ || (a >> 22) == 0x191 /* 100.64/10 */ ||
	    (a >> 17) == 0x6309 /* 198.18/15 */)
		return URLPOLICY_PRIVATE;
	if ((a >> 28) >= 0xe) /* 224/4 multicast, 240/4 reserved and broadcast */
		return URLPOLICY_OTHER;
	return URLPOLICY_PUBLIC;
}

static uint32_t v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static enum urlpolicy_class class_v6(const unsigned char b[16])
{
	static const unsigned char zero[12] = { 0 };
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	/* ::/96 (:: and ::1 among them), ::ffff:0:0/96 and 64:ff9b::/96 carry
	 * an IPv4 address, which decides; :: itself reaches the host. */
	if (!memcmp(b, zero, 12)) {
		uint32_t a = v4_at(b + 12);
		return a <= 1 ? URLPOLICY_LOOPBACK : class_v4(a);
	}
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12))
		return class_v4(v4_at(b + 12));
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */
		return URLPOLICY_LINK_LOCAL;
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)) /* fc00::/7, fec0::/10 */
		return URLPOLICY_PRIVATE;
	if (b[0] == 0xff)
		return URLPOLICY_OTHER;
	return URLPOLICY_PUBLIC;
}

bool urlpolicy_classify(const char *ip, enum urlpolicy_class *out)
{
	char text[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(ip);
	if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
		ip++;
		n -= 2;
	}
	if (!n || n >= sizeof(text))
		return false;
	memcpy(text, ip, n);
	text[n] = '\0';
	char *zone = strchr(text, '%'); /* fe80::1%eth0 */
	if (zone)
		*zone = '\0';
	unsigned char b[16];
	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, b) != 1)
			return false;
		*out = class_v6(b);
		return true;
	}
	/* inet_aton's forms (what a resolver makes of a numeric name), and
	 * nothing after them: it would ignore text after a space. */
	struct in_addr a;
	if (strspn(text, "0123456789abcdefABCDEFxX.") != strlen(text) || !inet_aton(text, &a))
		return false;
	*out = class_v4(ntohl(a.s_addr));
	return true;
}

static bool allowed(const urlpolicy_t *p, enum urlpolicy_class c)
{
	return c == URLPOLICY_PUBLIC || (c == URLPOLICY_PRIVATE && p->allow_private) ||
	       (c == URLPOLICY_LOOPBACK && p->allow_loopback);
}

bool urlpolicy_addr_allowed(const urlpolicy_t *p, const char *ip)
{
	enum urlpolicy_class c;
	return urlpolicy_classify(ip, &c) && allowed(p, c);
}

/* The host of url as libcurl will connect to it (lower case, no trailing
 * dot) into host; 0, or -ERR_INVALID naming what is wrong. */
static int curl_host(const char *url, char *host, size_t len, err_t *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *user = NULL, *password = NULL;
	int rc = 0;
	CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_HOST, &h, 0);
	if (uc != CURLUE_OK) {
		rc = err_set(err, -ERR_INVALID, "invalid notify_url '%s': %s", url,
			     curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
		/* Not repeated: whoever reads the answer or the log would see them. */
		rc = err_set(err, -ERR_INVALID,
			     "invalid notify_url: it carries credentials (user:password@); every "
			     "LAIN admin could read them in the webhook list");
		goto out;
	}
	size_t n = strlen(h);
	while (n && h[n - 1] == '.')
		n--;
	if (!n || n >= len) {
		rc = err_set(err, -ERR_INVALID, "invalid notify_url '%s': no host", url);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[n] = '\0';
out:
	curl_free(h);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return rc;
}

int urlpolicy_webhook(const urlpolicy_t *p, const char *url, err_t *err)
{
	for (const char *s = url; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return err_set(err, -ERR_INVALID,
				       "invalid notify_url: it holds control characters or spaces "
				       "(CR and LF would split the request)");
	size_t skip = !strncasecmp(url, "http://", 7) ? 7 : !strncasecmp(url, "https://", 8) ? 8 : 0;
	if (!skip)
		return err_set(err, -ERR_INVALID,
			       "invalid notify_url '%s': an http:// or https:// URL", url);
	/* libcurl would take "http:///x" as the host "x". */
	if (!url[skip] || strchr("/?#", url[skip]))
		return err_set(err, -ERR_INVALID, "invalid notify_url '%s': no host", url);
	char host[256];
	int rc = curl_host(url, host, sizeof(host), err);
	if (rc)
		return rc;
	enum urlpolicy_class c;
	if (!strcmp(host, "localhost") || strx_suffix(host, ".localhost"))
		c = URLPOLICY_LOOPBACK;
	else if (!urlpolicy_classify(host, &c))
		return 0; /* a name: its address is checked when it is called */
	if (allowed(p, c))
		return 0;
	switch (c) {
	case URLPOLICY_LOOPBACK:
		return err_set(err, -ERR_INVALID, "invalid notify_url '%s': %s is a loopback address "
			       "(CONSOLE_NOTIFY_ALLOW_LOOPBACK=1 allows it)", url, host);
	case URLPOLICY_PRIVATE:
		return err_set(err, -ERR_INVALID, "invalid notify_url '%s': %s is a private address "
			       "(CONSOLE_NOTIFY_ALLOW_PRIVATE=1 allows it)", url, host);
	case URLPOLICY_LINK_LOCAL:
		return err_set(err, -ERR_INVALID, "invalid notify_url '%s': %s is a link-local "
			       "address (never allowed: cloud metadata services live there)", url,
			       host);
	default:
		return err_set(err, -ERR_INVALID, "invalid notify_url '%s': %s is not a unicast "
			       "address", url, host);
	}
}
