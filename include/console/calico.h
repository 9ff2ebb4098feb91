/*
 * calico — the calico v1 profiles of docker networks (console-api.md §4.7,
 * §2.2), kept in etcd's v2 keys API under /calico/v1/policy/profile/<p>/:
 * "rules" = {"inbound_rules": [rule...], "outbound_rules": [rule...]}, a
 * rule being a calico v1 rule object such as {"action": "allow",
 * "src_tag": "lain"}.
 *
 * Changes are compare-and-swaps on the key's modifiedIndex, read again and
 * retried when another writer (another console worker, calico itself) got
 * there first — the original wrote back without a check (§9.3 #11).
 */
#ifndef CONSOLE_CALICO_H
#define CONSOLE_CALICO_H

#include "console/ctx.h"
#include "console/err.h"

struct json_object;

/* Puts inbound's rules in front of the profile's inbound rules and
 * outbound's in front of its outbound rules, each list in its own order
 * (either may be NULL). A profile that does not exist yet is made first
 * with pycalico's defaults: tags ["<profile>"], labels {}, inbound allow
 * from its own tag, outbound allow all. */
int calico_profile_prepend(ctx_t *ctx, const char *profile, struct json_object *inbound,
			   struct json_object *outbound, err_t *err);

#endif
