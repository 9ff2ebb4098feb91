/*
 * urlpolicy — where lain-console may be sent by a URL someone else gave
 * it: the image-push webhooks (E23; issue 14 #3). Pure: no DNS, no I/O.
 *
 * A webhook URL is refused when it is not http(s), has no host, carries
 * credentials (user:password@, which anyone reading the list would see),
 * holds control characters or spaces (CR/LF would split the request), or
 * names a host that is not a public unicast address: loopback (127/8, ::1,
 * 0.0.0.0, "localhost" and *.localhost), link-local (169.254/16 — cloud
 * metadata lives there —, fe80::/10), private (10/8, 172.16/12,
 * 192.168/16, 100.64/10, 198.18/15, fc00::/7, fec0::/10), multicast and
 * reserved (0.0.0.0 and :: reach the host itself: loopback here).
 * An operator may allow private and loopback targets (settings
 * CONSOLE_NOTIFY_ALLOW_PRIVATE, CONSOLE_NOTIFY_ALLOW_LOOPBACK); link-local
 * and non-unicast ones never. Hosts are read as libcurl reads them (its
 * URL parser: "http://2130706433/" is 127.0.0.1); IPv4-mapped and
 * NAT64 IPv6 addresses count as the IPv4 address inside.
 *
 * A name is only checked for "localhost" here; the address it resolves to
 * is checked when the webhook is called (urlpolicy_addr_allowed, from the
 * connection's address), so a name that points inside is refused then.
 */
#ifndef CONSOLE_URLPOLICY_H
#define CONSOLE_URLPOLICY_H

#include <stdbool.h>

#include "console/err.h"

/* What a webhook may reach beyond public unicast addresses. */
typedef struct urlpolicy {
	bool allow_private;
	bool allow_loopback;
} urlpolicy_t;

enum urlpolicy_class {
	URLPOLICY_PUBLIC,
	URLPOLICY_PRIVATE,
	URLPOLICY_LOOPBACK,
	URLPOLICY_LINK_LOCAL,
	URLPOLICY_OTHER,        /* multicast, broadcast, reserved */
};

/* The class of a numeric address: IPv4 in any form inet_aton() reads
 * ("127.1", "0x7f000001", "2130706433"), IPv6 with or without brackets.
 * false when ip is not a numeric address. */
bool urlpolicy_classify(const char *ip, enum urlpolicy_class *out);

/* Whether a connection to the numeric address ip may be made under p (a
 * name that is not an address: false). */
bool urlpolicy_addr_allowed(const urlpolicy_t *p, const char *ip);

/* 0 when url may be a webhook under p; else -ERR_INVALID with the reason,
 * starting "invalid notify_url" (the URL is not repeated when it carries
 * credentials). */
int urlpolicy_webhook(const urlpolicy_t *p, const char *url, err_t *err);

#endif
