/*
 * webrouter — the admin API of the ABTestingGateway in LAIN's webrouter
 * (console-api.md §7.3, §7.6): canary policy groups. Every call is POST
 * <CONSOLE_WEBROUTER_URL>?action=<action>[&...] (3 s to connect and to
 * answer), and every answer HTTP 200 {"code": C, "desc": "...", "data":
 * ...}: code 200 is success.
 *
 * Results: 0 for code 200 (*data: its "data", a new reference or NULL);
 * -ERR_INVALID when the gateway refused with another code (*code set; the
 * message quotes its desc: "webrouter refused policygroup_set (50201):
 * policies invalid for ..."); -ERR_UNAVAILABLE when it cannot be reached;
 * -ERR_BAD_GATEWAY when its answer is no such object.
 */
#ifndef CONSOLE_WEBROUTER_H
#define CONSOLE_WEBROUTER_H

#include "console/err.h"
#include "console/httpc.h"

struct json_object;

/* A webrouter client is an HTTP client at the admin URL. */
typedef httpc_t webrouter_t;

/* A client of the admin API at url ("http://webrouter.<domain>/ab_admin");
 * never NULL. */
webrouter_t *webrouter_new(const char *url);
void webrouter_free(webrouter_t *w);

/* action with the query parameters params (NULL-terminated name, value
 * pairs; values percent-encoded here) and body (JSON text or NULL). data
 * and code may be NULL. */
int webrouter_call(webrouter_t *w, const char *action, const char *const *params,
		   const char *body, struct json_object **data, long *code, err_t *err);

#endif
