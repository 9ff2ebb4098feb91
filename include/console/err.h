/*
 * err — error codes and the message that goes with them.
 *
 * Functions that can fail return int: 0 on success, a negative -ERR_* code on
 * failure, and fill an err_t with a message a user can act on (lower case, no
 * full stop, names in quotes). One table maps each code to its HTTP status, so
 * handlers never pick statuses for failures themselves:
 *
 *     if (!valid)
 *         return err_set(err, -ERR_INVALID, "app name '%s' is invalid", name);
 *
 * err may be NULL where the caller does not want the message.
 */
#ifndef CONSOLE_ERR_H
#define CONSOLE_ERR_H

#include <stddef.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,        /* 400 bad input */
	ERR_UNAUTHORIZED,   /* 401 */
	ERR_FORBIDDEN,      /* 403 */
	ERR_NOT_FOUND,      /* 404 */
	ERR_METHOD,         /* 405 */
	ERR_NOT_ACCEPTABLE, /* 406 */
	ERR_CONFLICT,       /* 409 exists already / changed under us */
	ERR_TOO_BIG,        /* 413 a size cap was hit */
	ERR_INTERNAL,       /* 500 a bug or an impossible state */
	ERR_BAD_GATEWAY,    /* 502 a dependency answered nonsense */
	ERR_UNAVAILABLE,    /* 503 a dependency cannot be reached */
	ERR_TIMEOUT,        /* 504 a dependency took too long */
	ERR__COUNT
};

#define ERR_MSG_MAX 1024

typedef struct err {
	int code;               /* 0 or a negative -ERR_* */
	char msg[ERR_MSG_MAX];
} err_t;

#define ERR_INIT { 0, "" }

/* Records code and message in err (when non-NULL); returns code. */
int err_set(err_t *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message already in err: "<prefix>: <old message>". */
int err_wrap(err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void err_clear(err_t *err);

/* HTTP status for a (negative or positive) code; 500 for unknown codes. */
int err_http_status(int code);

/* Short symbolic name ("not found", "unavailable"), for logs. */
const char *err_name(int code);

#endif
