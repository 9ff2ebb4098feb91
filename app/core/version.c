/* version: meta/release tags, ordering and the latest usable version. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console/version.h"
#include "console/xalloc.h"
#include "console/banned.h"

char *version_from_meta_tag(const char *tag)
{
	if (!tag || strncmp(tag, "meta-", 5))
		return NULL;
	const char *v = tag + 5;
	size_t n = strlen(v);
	bool dash = false;
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)v[i]))
			return NULL;
		if (v[i] == '-' && i >= 1 && i + 1 < n)
			dash = true;
	}
	return dash ? xstrdup(v) : NULL;
}

struct ver {
	char *v;
	uint64_t ts;
};

/* The timestamp before the first '-': digits only, no overflow. */
static bool version_timestamp(const char *v, uint64_t *ts)
{
	uint64_t t = 0;
	const char *p = v;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (t > (UINT64_MAX - 9) / 10)
			return false;
		t = t * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '-')
		return false;
	*ts = t;
	return true;
}

static int ver_cmp(const void *pa, const void *pb)
{
	const struct ver *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? 1 : -1;
	return -strcmp(a->v, b->v);
}

char **version_list_meta(const char *const *tags, size_t n_tags)
{
	struct ver *vs = xcalloc(n_tags + 1, sizeof(*vs));
	size_t n = 0;
	for (size_t i = 0; i < n_tags; i++) {
		char *v = version_from_meta_tag(tags[i]);
		uint64_t ts;
		if (!v)
			continue;
		if (!version_timestamp(v, &ts)) {
			free(v);
			continue;
		}
		vs[n].v = v;
		vs[n].ts = ts;
		n++;
	}
	qsort(vs, n, sizeof(*vs), ver_cmp);
	char **list = xcalloc(n + 1, sizeof(*list));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(list[m - 1], vs[i].v)) {
			free(vs[i].v);
			continue;
		}
		list[m++] = vs[i].v;
	}
	free(vs);
	return list;
}

bool version_has_release(const char *const *tags, size_t n_tags, const char *version)
{
	for (size_t i = 0; i < n_tags; i++)
		if (tags[i] && !strncmp(tags[i], "release-", 8) && !strcmp(tags[i] + 8, version))
			return true;
	return false;
}

char *version_latest_usable(const char *const *tags, size_t n_tags)
{
	char **list = version_list_meta(tags, n_tags);
	char *found = NULL;
	for (size_t i = 0; list[i] && !found; i++)
		if (version_has_release(tags, n_tags, list[i]))
			found = xstrdup(list[i]);
	version_list_free(list);
	return found;
}

char *version_normalize(const char *v)
{
	static const char *const pre[] = { "meta-", "build-", "release-" };
	char *s = xstrdup(v ? v : "");
	/* one left-to-right pass per prefix, as Python's str.replace */
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(pre[i]);
		char *r = s, *w = s;
		while (*r) {
			if (!strncmp(r, pre[i], n)) {
				r += n;
				continue;
			}
			*w++ = *r++;
		}
		*w = '\0';
	}
	return s;
}

bool version_is_canonical(const char *v)
{
	if (!v || strlen(v) != 51)
		return false;
	for (int i = 0; i < 10; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	if (v[10] != '-')
		return false;
	for (int i = 11; i < 51; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_')
			return false;
	return true;
}

void version_list_free(char **list)
{
	if (!list)
		return;
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}
