/*
 * ipset: every entry becomes an inclusive range of 16-byte addresses, IPv4
 * held as IPv4-mapped IPv6, so one comparison serves both families and a
 * mapped peer address (::ffff:10.0.0.7) matches an IPv4 entry.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "console/ipset.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* Longest entry worth looking at: an IPv6 range is at most 2 x 45 + 1. */
#define ENTRY_MAX 100

static const unsigned char v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Text address -> 16 bytes; *v4 tells the family written. */
static bool parse_addr(const char *s, unsigned char out[16], bool *v4)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4_mapped_prefix, 12);
		memcpy(out + 12, &a4, 4);
		*v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out, &a6, 16);
		*v4 = !memcmp(out, v4_mapped_prefix, 12);
		return true;
	}
	return false;
}

/* lo/hi of the block base/prefix (prefix counted on the 128-bit form). */
static void cidr_range(const unsigned char base[16], int prefix, ipset_range_t *r)
{
	for (int i = 0; i < 16; i++) {
		int bits = prefix - 8 * i;
		unsigned char mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
		r->lo[i] = base[i] & mask;
		r->hi[i] = base[i] | (unsigned char)~mask;
	}
}

/* One entry (NUL-terminated, trimmed) -> r; false when malformed. */
static bool parse_entry(char *e, ipset_range_t *r)
{
	bool v4a, v4b;
	char *dash = strchr(e, '-'), *slash = strchr(e, '/');
	if (dash && slash)
		return false;
	if (slash) {
		*slash = '\0';
		long prefix;
		/* the prefix counts bits of the address as written: a mapped
		 * address in IPv6 form (::ffff:10.0.0.0/104) keeps an IPv6 prefix */
		bool written_v4 = !strchr(e, ':');
		if (!parse_addr(e, r->lo, &v4a) ||
		    strx_to_long(slash + 1, 0, written_v4 ? 32 : 128, &prefix))
			return false;
		cidr_range(r->lo, written_v4 ? (int)prefix + 96 : (int)prefix, r);
		return true;
	}
	if (dash) {
		*dash = '\0';
		if (!parse_addr(e, r->lo, &v4a) || !parse_addr(dash + 1, r->hi, &v4b) || v4a != v4b)
			return false;
		return memcmp(r->lo, r->hi, 16) <= 0;
	}
	if (!parse_addr(e, r->lo, &v4a))
		return false;
	memcpy(r->hi, r->lo, 16);
	return true;
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' ||
	       c == '[' || c == ']' || c == '"' || c == '\'';
}

void ipset_add(ipset_t *set, const char *text)
{
	const char *p = text ? text : "";
	while (*p) {
		while (*p && is_sep(*p))
			p++;
		size_t n = 0;
		while (p[n] && !is_sep(p[n]))
			n++;
		if (!n)
			break;
		ipset_range_t r;
		char e[ENTRY_MAX + 1];
		bool ok = n <= ENTRY_MAX && set->n < IPSET_MAX_ENTRIES;
		if (ok) {
			memcpy(e, p, n);
			e[n] = '\0';
			ok = parse_entry(e, &r);
		}
		if (ok) {
			set->ranges = xrealloc(set->ranges, (set->n + 1) * sizeof(*set->ranges));
			set->ranges[set->n++] = r;
		} else {
			set->skipped++;
		}
		p += n;
	}
}

void ipset_parse(ipset_t *set, const char *text)
{
	set->ranges = NULL;
	set->n = 0;
	set->skipped = 0;
	ipset_add(set, text);
}

bool ipset_contains(const ipset_t *set, const char *addr)
{
	unsigned char a[16];
	bool v4;
	if (!addr || !*addr || strlen(addr) > 64)
		return false;
	/* a scoped link-local peer ("fe80::1%eth0") is compared without its zone */
	char copy[65];
	size_t n = strcspn(addr, "%");
	memcpy(copy, addr, n);
	copy[n] = '\0';
	if (!parse_addr(copy, a, &v4))
		return false;
	for (size_t i = 0; i < set->n; i++)
		if (memcmp(set->ranges[i].lo, a, 16) <= 0 && memcmp(a, set->ranges[i].hi, 16) <= 0)
			return true;
	return false;
}

void ipset_release(ipset_t *set)
{
	free(set->ranges);
	set->ranges = NULL;
	set->n = 0;
	set->skipped = 0;
}
