#include <string.h>

#include <stdbool.h>

#include "console/appname.h"
#include "console/array.h"
#include "console/banned.h"

static const char *const reserved[] = { "service", "resource", "portal" };

int appname_check(const char *name, err_t *err)
{
	size_t len = strlen(name);
	if (!len)
		return err_set(err, -ERR_INVALID, "invalid appname: it is empty");
	if (len > APPNAME_MAX)
		return err_set(err, -ERR_INVALID, "invalid appname '%.64s...': longer than %d characters",
			       name, APPNAME_MAX);
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (!strcmp(name, reserved[i]))
			return err_set(err, -ERR_INVALID, "invalid appname '%s': it is a reserved word",
				       name);
	/* ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ */
	bool ok = name[0] >= 'a' && name[0] <= 'z' && name[len - 1] != '-';
	for (size_t i = 1; ok && i < len; i++) {
		char c = name[i];
		if (c == '-')
			ok = name[i - 1] != '-';
		else
			ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
	}
	if (!ok)
		return err_set(err, -ERR_INVALID,
			       "invalid appname '%s': use lower-case letters, digits and single dashes, "
			       "starting with a letter (^[a-z][a-z0-9]*(-[a-z0-9]+)*$)",
			       name);
	return 0;
}
