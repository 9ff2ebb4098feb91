/*
 * ipset — a set of IP addresses given as text, and whether an address is in
 * it: the registry whitelist (/lain/config/registry_ip_whitelist) and the
 * node network (/lain/config/node_network) of console-api.md §6.2.
 *
 * The text is a list of entries separated by commas, whitespace or
 * newlines (a JSON array of strings is accepted as well: its brackets and
 * quotes are separators too). An entry is one of
 *
 *     10.0.0.7                    one address (IPv4 or IPv6)
 *     10.0.0.10-10.0.0.20         an inclusive range (both ends of one
 *                                 family, first <= last)
 *     10.0.0.0/24  fd00::/64      a CIDR block (prefix 0..32 or 0..128;
 *                                 host bits set are ignored, as Python's
 *                                 ip_network(strict=False) does)
 *
 * Malformed entries are skipped (counted in ipset_t.skipped), never an error:
 * a typo in one entry must not disable the others, nor let anything in.
 * IPv4-mapped IPv6 addresses (::ffff:10.0.0.7) match IPv4 entries, since a
 * dual-stack listener reports IPv4 peers that way.
 *
 *     ipset_t set;
 *     ipset_parse(&set, "10.0.0.0/8, 192.168.1.5-192.168.1.9");
 *     if (ipset_contains(&set, req->remote_addr)) ...
 *     ipset_release(&set);
 */
#ifndef CONSOLE_IPSET_H
#define CONSOLE_IPSET_H

#include <stdbool.h>
#include <stddef.h>

/* One entry as an inclusive range of 16-byte addresses (IPv4 as mapped
 * IPv6, ::ffff:a.b.c.d). */
typedef struct ipset_range {
	unsigned char lo[16];
	unsigned char hi[16];
} ipset_range_t;

typedef struct ipset {
	ipset_range_t *ranges;   /* owned; NULL when empty */
	size_t n;
	size_t skipped;          /* malformed entries left out */
} ipset_t;

#define IPSET_INIT { NULL, 0, 0 }

/* Most entries kept from one text; the rest are counted as skipped. */
#define IPSET_MAX_ENTRIES 4096

/* Parses text (NULL or "" gives the empty set) into set, which need not be
 * initialised; free it with ipset_release. Never fails. */
void ipset_parse(ipset_t *set, const char *text);

/* Adds the entries of text to set (set must be initialised). */
void ipset_add(ipset_t *set, const char *text);

/* Whether addr (an IPv4 or IPv6 address in text form, as nginx's
 * $remote_addr gives it) is in set. A NULL, empty or malformed addr is in
 * no set. */
bool ipset_contains(const ipset_t *set, const char *addr);

void ipset_release(ipset_t *set);

#endif
