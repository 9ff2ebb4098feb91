#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"

double expo_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *line = text; line && *line;) {
		if (!strncmp(line, series, n) && line[n] == ' ')
			return strtod(line + n + 1, NULL);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* The line at p: its length without the newline, and where the next starts. */
static size_t line_at(const char *p, const char **next)
{
	const char *end = strchr(p, '\n');
	size_t len = end ? (size_t)(end - p) : strlen(p);
	*next = end ? end + 1 : p + len;
	return len;
}

int expo_duplicates(const char *text)
{
	int dups = 0;
	const char *next;
	for (const char *line = text; *line; line = next) {
		size_t len = line_at(line, &next);
		const char *sp = memchr(line, ' ', len);
		if (line[0] == '#' || !sp)
			continue;
		size_t key = (size_t)(sp - line);
		const char *onext;
		for (const char *o = next; *o; o = onext) {
			line_at(o, &onext);
			if (!strncmp(o, line, key) && o[key] == ' ') {
				fprintf(stderr, "\n  twice: %.*s", (int)key, line);
				dups++;
			}
		}
	}
	return dups;
}
