/*
 * harness — a real stack (etcd, lain-console, nginx) for one integration
 * suite, started on free loopback ports by scripts/stack and always torn
 * down (at exit, and on SIGINT/SIGTERM/SIGABRT of the test).
 *
 * Plus a small libcurl client for the suites: every call goes through nginx
 * over TLS (verified against the stack's own certificate).
 */
#ifndef CONSOLE_IT_HARNESS_H
#define CONSOLE_IT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;

/* Starts the stack; extra_args go to `scripts/stack up` (may be NULL).
 * Returns 0, or -1 after printing why. */
int stack_up(const char *extra_args);
void stack_down(void);

/* A value of the stack's stack.env ("CONSOLE_URL", "ETCD_PID", ...); "" if absent. */
const char *stack_get(const char *key);
pid_t stack_pid(const char *key);

/* Runs `scripts/stack <verb> --dir <stack dir>`; its exit status. */
int stack_run(const char *verb);

typedef struct it_response {
	long status;                  /* 0: no HTTP answer */
	char *body;
	char *headers;                /* raw header block, lower-cased names */
	struct json_object *json;     /* body parsed, or NULL */
} it_response_t;

/* method path [body]: path is appended to CONSOLE_URL (or a full URL).
 * extra_header may be NULL ("Name: value"). Frees nothing of a previous
 * response: call it_response_free. */
int it_request(const char *method, const char *path, const char *body, const char *extra_header,
	       it_response_t *out);
/* it_request from the local address from (NULL: the system's choice):
 * "127.0.0.2" is another loopback client, one nginx passes as REMOTE_ADDR. */
int it_request_from(const char *from, const char *method, const char *path, const char *body,
		    const char *extra_header, it_response_t *out);
void it_response_free(it_response_t *r);

/* it_request with an access-token header when token is not NULL: the
 * status (0 when nothing answered). */
long it_req_as(const char *token, const char *method, const char *path, const char *body,
	       it_response_t *r);
long it_req(const char *method, const char *path, const char *body, it_response_t *r);

/* The same, status only: the answer is printed when the status is not
 * want (what a failing assertion then shows). */
long it_call_as(const char *token, const char *method, const char *path, const char *body,
		long want);
long it_call(const char *method, const char *path, const char *body, long want);

/* Turns auth on with the SSO at sso_url (/lain/config/auth/console) and
 * waits (8 s at most) until every worker sees it: ten answers in a row
 * without a token are 401. 0 when they were. */
int it_auth_on(const char *sso_url);

/* The answer's top-level value at key (the payload of the envelope), or NULL. */
struct json_object *it_payload(const it_response_t *r, const char *key);

/* The answer's "msg", or "(no msg)". */
const char *it_msg(const it_response_t *r);

/* The value of header name (case-insensitive) in r, or NULL (static buffer). */
const char *it_header(const it_response_t *r, const char *name);

/* Top-level field of the JSON body as a string ("(null)" for null, NULL if absent). */
const char *it_field(const it_response_t *r, const char *key);

/* The "snapshot" object of the console's /healthz (state, revision,
 * lag_ms, ...): a reference to put, or NULL when the answer has none. */
struct json_object *it_snapshot_health(void);

/* Worker pids of the master (its children but its helpers, named "lc-...":
 * the snapshot's watcher, the webhook deliverer, the access log writer), up
 * to max; returns the count. */
int it_children(pid_t master, pid_t *out, int max);

/* Starts a stand-in from tests/fakes (script "sso", args such as "--seed
 * FILE"), on a free port; its base URL goes to url. Stopped at exit.
 * Returns its pid, or -1. */
pid_t fake_start(const char *script, const char *args, char *url, size_t url_len);
void fake_stop(pid_t pid);

/* Starts the SSO stand-in with seed_file (NULL: tests/fakes/sso-seed.json
 * under $srcdir), its URL into url, and points the stack started after it
 * at it: lain-console's OAuth client (SSO_CLIENT_ID/SECRET as the seed has
 * them) and a 2 s /api/me cache, so group changes show quickly. 0, or -1. */
int it_sso_up(const char *seed_file, char *url, size_t url_len);

/* An access token for user from the SSO stand-in at sso_url (its
 * /__fake/token shortcut, scope read:group write:group: no login pages).
 * "" when it gives none; free() it. */
char *it_sso_token(const char *sso_url, const char *user);

/* Writes key = value into the stack's etcd (v3). 0 on success. A write of
 * an app record returns once the console's snapshot holds it (/healthz). */
int it_etcd_put(const char *key, const char *value);
int it_etcd_delete(const char *key);

/* Runs a shell command made from fmt (sh -c): its exit status, -1 when it
 * did not exit. */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads key from the stack's etcd: its value (*value, malloc'd; NULL when
 * absent), its mod_revision (0 when absent) and the store's revision;
 * each may be NULL. 0 when etcd answered. */
int it_etcd_get(const char *key, char **value, long long *mod_revision, long long *revision);

/* The number of keys under prefix, or -1. */
long it_etcd_count(const char *prefix);

/* A registry signing key made by scripts/gen-registry-key in dir (RSA);
 * its path into key. 0, or -1 when the script failed. */
int it_registry_key(const char *dir, char *key, size_t key_len);

/* Sleeps ms milliseconds. */
void it_sleep_ms(long ms);

#endif
