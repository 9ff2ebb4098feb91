/*
 * deploy_env — the neighbours of the deploy suites, started on free loopback
 * ports next to the stack of harness.h: the deployd stand-in
 * (tests/fakes/deployd) and a real Debian docker-registry (filesystem
 * storage in a temporary directory, no auth), seeded by
 * tests/tools/push-image. Both are stopped at exit.
 *
 * denv_up() also exports CONSOLE_APISERVER and CONSOLE_PRIVATE_REGISTRY, so
 * a stack started after it (stack_up) talks to them.
 */
#ifndef CONSOLE_IT_DEPLOY_ENV_H
#define CONSOLE_IT_DEPLOY_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include <CUnit/CUnit.h>

/* One image a suite needs in the registry: app:meta-<version> holding yaml
 * and app:release-<version>; extra: more push-image arguments
 * ("--no-release") or NULL. */
typedef struct denv_image {
	const char *app;
	const char *version;
	const char *yaml;
	const char *extra;
} denv_image_t;

/* How a deploy suite starts and ends (denv_main). */
typedef struct denv_suite {
	const char *name;              /* "it_deploy_flow", for messages */
	const denv_image_t *images;    /* pushed while the stack starts */
	size_t nimages;
	const char *stack_args;        /* stack_up's, or NULL */
	int (*before)(void);           /* after denv_up, before the stack (more stand-ins,
	                                  settings the stack reads): 0 or -1; may be NULL */
	int (*after)(void);            /* once the stack is up, before the tests (seeds):
	                                  0 or -1; may be NULL */
	int (*check)(void);            /* after the tests: non-zero fails the program
	                                  (what the servers logged); may be NULL */
	void (*cleanup)(void);         /* at the very end; may be NULL */
	CU_SuiteInfo *suites;
} denv_suite_t;

/* The main() of a deploy suite: denv_up, s->before, s->images pushed (one
 * after another, in a child) while stack_up(s->stack_args) runs,
 * s->after, then test_main(s->suites) and s->check; the stack and the
 * neighbours are stopped in every case. The program's exit status. */
int denv_main(const denv_suite_t *s);

/* 0, or -1 after printing why (77 would be a skip: no docker-registry). */
int denv_up(void);
void denv_down(void);

/* Stops the (first) registry: what a registry outage looks like. */
void denv_registry_stop(void);

const char *denv_deployd(void);     /* "http://127.0.0.1:PORT" */
const char *denv_registry(void);    /* "http://127.0.0.1:PORT" */
const char *denv_dir(void);         /* where the registries keep their data and logs */

/* A second registry that wants tokens (auth: token, service, issuer "auth
 * server") signed by a key made by scripts/gen-registry-key: its URL and
 * the key file (for CONSOLE_REGISTRY_KEY). 0 on success. */
int denv_auth_registry(const char *service, char *url, size_t url_len, char *key, size_t key_len);
/* The same with the realm clients fetch tokens at (the stack's E6, for
 * clients such as skopeo that follow the registry's challenge). */
int denv_auth_registry_at(const char *service, const char *realm, char *url, size_t url_len,
			  char *key, size_t key_len);

/* Pushes app:meta-<version> (holding yaml) and app:release-<version>;
 * extra: more push-image arguments ("--no-release") or NULL. 0 on success. */
int denv_push(const char *app, const char *version, const char *yaml, const char *extra);

/* A call to any URL (the fakes' control API, the registry): status, and the
 * body in *body when non-NULL (free() it). content_type may be NULL. */
long denv_call(const char *method, const char *url, const char *body, const char *header,
	       char **out);

/* denv_call on the deployd fake: path appended to its URL. */
long denv_fake(const char *method, const char *path, const char *body, char **out);

/* The calls the deployd fake logged since its log was last cleared (*n)
 * and the most of them it was answering at once (their "in_flight"): what
 * ran in parallel, as the fake saw it. */
int denv_fake_peak(int *n);

/* How many calls that are not GETs (what changes deployd) the deployd fake
 * logged since its log was last cleared (DELETE /__fake/calls); each is
 * printed. */
int denv_fake_writes(void);

/* Waits (up to 5 s) until the deployd fake has done all accepted work
 * (deployd answers 423 to a podgroup whose operation is in progress).
 * 0 when it settled, -1 when it did not. */
int denv_settle(void);

/* lain-cli's health rule (lain-ecosystem.md §5.2) on an App object: no
 * deployerror, at least one proc, every proc with as many pods as its
 * numinstances and all of them "True"; every used service and resource
 * instance the same. */
struct json_object;
bool denv_healthy(struct json_object *app);

struct it_response;
/* Polls GET /api/v1/apps/<app>/ (10 s at most) until denv_healthy, as
 * lain-cli does after a deploy; the last answer in *r (it_response_free
 * it), printed when it gives up. */
bool denv_wait_healthy(const char *app, struct it_response *r);

/* POST /api/v1/repos/ and POST /api/v1/apps/ of app, with token (NULL:
 * none): the status, the answer printed when it is not want (201 for
 * the registration). */
long denv_reposit(const char *token, const char *app);
long denv_deploy(const char *token, const char *app, long want);

/* How many podgroups and depends the deployd fake holds whose names start
 * with prefix (each printed). */
int denv_count(const char *prefix);

/* Asserts (CUnit) that a request as token (NULL: none) answers want, and
 * msg want_msg unless NULL; prints the answer when it does not. */
void denv_expect(const char *token, const char *method, const char *path, const char *body,
		 long want, const char *want_msg);

/* The webhook stand-in at base (tests/fakes/webhook): a call to its control
 * API, its JSON answer when 200 (else NULL, printed unless nothing
 * answered: it may be down); its calls so far. json_object_put both. */
struct json_object *denv_hook(const char *base, const char *method, const char *path,
			      const char *body);
struct json_object *denv_hook_calls(const char *base);

/* GET /api/v1/apps/<app>/releases/: the releases, newest first (a new
 * reference; NULL, printed, unless 200). */
struct json_object *denv_releases(const char *app);

/* deployd's Spec of podgroup pg (a new reference; NULL when it has none). */
struct json_object *denv_pg_spec(const char *pg);

/* Its Pod's first container, or NULL. */
struct json_object *denv_container0(struct json_object *spec);

/* Starts the lvault stand-in (its URL into url) and points the stack
 * started after it at it (LVAULT_CONFIG_URL). 0, or -1. */
int denv_lvault_up(char *url, size_t len);

/* Milliseconds of a monotonic clock. */
long long denv_now_ms(void);

#endif
