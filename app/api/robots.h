/*
 * robots — deploy tokens as callers (issue 18; robot.h, tokens.h): the
 * check of a request that carries one, the registry token server's check
 * of one given as a Basic password, and when their "last used" is
 * written. Internal to app/api; the endpoints that make, list and revoke
 * tokens are in api.h.
 *
 * Nothing here asks SSO. Every check reads etcd (no worker remembers that
 * a token is valid), so a revoked token fails at its next request on every
 * worker and host. "last used" is written back only when the stored value
 * is a minute old or more, by compare-and-swap on the record's revision:
 * at most about once a minute per token, whatever the number of workers.
 * A GET by a token is a read: a row of the app's oplog, coalesced with the
 * newest one (oplog.h), written with last used in one txn
 * (store_token_read); a failure to write it is logged, the request served.
 */
#ifndef CONSOLE_API_ROBOTS_H
#define CONSOLE_API_ROBOTS_H

#include "console/http.h"
#include "console/tokens.h"

/* Seconds between two writes of a token's last_used. */
#define ROBOTS_TOUCH_SECONDS 60

/* The check of permission.c for a request whose access-token has a
 * token's form, with auth on (see permission.h for the answers): 0 with
 * req's caller the robot and its app loaded (a read recorded), HTTP_ANSWERED (401, 403, 404),
 * or -ERR_* (etcd). */
int robots_check(request_t *req, response_t *res, err_t *err);

/* The token named name of app whose secret is secret, not expired, into
 * *out (last used touched): 0; -ERR_UNAUTHORIZED (no such token, another
 * secret, expired: err says which, for the log only); -ERR_* (etcd). */
int robots_verify(request_t *req, const char *app, const char *name, const char *secret,
		  token_record_t **out, err_t *err);

#endif
