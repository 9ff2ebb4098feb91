/* size: humanfriendly 1.x compatible parsing and formatting of byte counts. */
#include <ctype.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "console/size.h"
#include "console/banned.h"

static const char units[] = "kmgtpe";

int size_parse(const char *s, int64_t *out, err_t *err)
{
	const char *p = s;
	unsigned __int128 whole = 0, frac = 0, scale = 1;
	bool digits = false;

	if (!s)
		return err_set(err, -ERR_INVALID, "memory size is missing");
	while (isspace((unsigned char)*p))
		p++;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (unsigned)(*p++ - '0');
		digits = true;
		if (whole > INT64_MAX)
			goto invalid;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			/* digits past the 18th cannot change a truncated result
			 * of practical sizes; ignore them rather than overflow */
			if (scale < 1000000000000000000ULL) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
			p++;
			digits = true;
		}
	}
	if (!digits)
		goto invalid;
	while (isspace((unsigned char)*p))
		p++;
	unsigned __int128 mult = 1;
	if (*p) {
		const char *unit = p;
		while (isalpha((unsigned char)*p))
			p++;
		size_t ulen = (size_t)(p - unit);
		while (isspace((unsigned char)*p))
			p++;
		if (*p || !ulen)
			goto invalid;
		char c = (char)tolower((unsigned char)*unit);
		const char *u = strchr(units, c);
		if (u) {
			for (int i = 0; i <= u - units; i++)
				mult *= 1024;
		} else if (!((ulen == 1 && c == 'b') || (ulen == 4 && !strncasecmp(unit, "byte", 4)) ||
			     (ulen == 5 && !strncasecmp(unit, "bytes", 5)))) {
			goto invalid;
		}
	}
	unsigned __int128 v = whole * mult + frac * mult / scale;
	if (v > INT64_MAX)
		goto invalid;
	*out = (int64_t)v;
	return 0;
invalid:
	return err_set(err, -ERR_INVALID,
		       "memory size '%s' is invalid: expected a number and an optional unit like 32m, 1.5g",
		       s);
}

char *size_format(int64_t bytes, char *out, size_t n)
{
	static const char *const labels[] = { "KB", "MB", "GB", "TB", "PB", "EB" };
	if (bytes < 1024) {
		snprintf(out, n, "%" PRId64 " %s", bytes, bytes == 1 ? "byte" : "bytes");
		return out;
	}
	int i = 5;
	while (i > 0 && (uint64_t)bytes < (1ULL << (10 * (i + 1))))
		i--;
	double v = (double)bytes / (double)(1ULL << (10 * (i + 1)));
	char num[32];
	snprintf(num, sizeof(num), "%.2f", v);
	char *e = num + strlen(num);
	while (e[-1] == '0')
		*--e = '\0';
	if (e[-1] == '.')
		*--e = '\0';
	snprintf(out, n, "%s %s", num, labels[i]);
	return out;
}
