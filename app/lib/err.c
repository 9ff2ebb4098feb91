#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "console/array.h"
#include "console/err.h"
#include "console/banned.h"

/* The one place where a failure becomes an HTTP status: one row per
 * enum err_code, in its order. */
static const struct {
	int status;
	const char *name;
} err_table[] = {
	{ 200, "ok" },                 /* ERR_OK */
	{ 400, "invalid" },            /* ERR_INVALID */
	{ 401, "unauthorized" },       /* ERR_UNAUTHORIZED */
	{ 403, "forbidden" },          /* ERR_FORBIDDEN */
	{ 404, "not found" },          /* ERR_NOT_FOUND */
	{ 405, "method not allowed" }, /* ERR_METHOD */
	{ 406, "not acceptable" },     /* ERR_NOT_ACCEPTABLE */
	{ 409, "conflict" },           /* ERR_CONFLICT */
	{ 413, "too big" },            /* ERR_TOO_BIG */
	{ 500, "internal" },           /* ERR_INTERNAL */
	{ 502, "bad gateway" },        /* ERR_BAD_GATEWAY */
	{ 503, "unavailable" },        /* ERR_UNAVAILABLE */
	{ 504, "timeout" },            /* ERR_TIMEOUT */
};
_Static_assert(ARRAY_SIZE(err_table) == ERR__COUNT,
	       "err_table has one row per enum err_code");

static int index_of(int code)
{
	if (code < 0)
		code = -code;
	return code < ERR__COUNT ? code : ERR_INTERNAL;
}

int err_set(err_t *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int err_wrap(err_t *err, const char *fmt, ...)
{
	if (!err)
		return -ERR_INTERNAL;
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return err->code;
}

void err_clear(err_t *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

int err_http_status(int code)
{
	return err_table[index_of(code)].status;
}

const char *err_name(int code)
{
	return err_table[index_of(code)].name;
}
