/*
 * The registry token server (E6) and internal tokens; the contract is in
 * include/console/registry_auth.h, the policy in app/core/token_policy.c.
 * This file only gathers the facts the policy needs (whitelist, SSO
 * answers) and renders the answer.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "console/api.h"
#include "console/base64.h"
#include "console/clock.h"
#include "console/cluster.h"
#include "console/ipset.h"
#include "console/jws.h"
#include "console/log.h"
#include "console/metrics.h"
#include "console/oplog.h"
#include "console/registry_auth.h"
#include "console/robot.h"
#include "console/sso.h"
#include "console/store.h"
#include "console/token_policy.h"
#include "console/xalloc.h"
#include "peers.h"
#include "robots.h"
#include "console/banned.h"

/* How long a worker trusts its copy of the whitelist (as the auth switch). */
#define WHITELIST_TTL_MS 2000
/* Longest Authorization header looked at. */
#define AUTH_MAX 4096

static const char *const basic_challenge = "Basic realm=\"lain registry\"";
static const char *const bad_credentials = "the username or password may not be correct.";

struct tokens_state {
	jws_key_t *key;
	bool key_inherited;     /* the master's (registry_token_preload): not ours to free */
	ipset_t allow;          /* whitelist + node network */
	int64_t allow_at;        /* clock_mono_ms of the last good read */
	bool allow_loaded;
};

static void destroy(void *p)
{
	struct tokens_state *s = p;
	if (!s->key_inherited)
		jws_key_free(s->key);
	ipset_release(&s->allow);
	free(s);
}

static struct tokens_state *state_of(ctx_t *ctx)
{
	return ctx_slot(ctx, CTX_SLOT_TOKENS, sizeof(struct tokens_state), destroy);
}

/* The key the master loaded for the workers it forks, and from where. */
static jws_key_t *master_key;
static char *master_key_path;

void registry_token_preload(const config_t *cfg)
{
	jws_key_free(master_key);
	free(master_key_path);
	master_key = NULL;
	master_key_path = NULL;
	const char *path = cfg ? cfg->registry_key : NULL;
	err_t err = ERR_INIT;
	buf_t sig = BUF_INIT;
	if (!path || !*path || jws_key_load(&master_key, path, &err))
		return; /* the workers say why, on first use */
	master_key_path = xstrdup(path);
	/* One signature: what OpenSSL builds for it is built here, once. */
	if (jws_sign(master_key, "{}", &sig, &err))
		log_warn("registry tokens: signing key %s cannot sign: %s", path, err.msg);
	buf_release(&sig);
}

int registry_token_key(ctx_t *ctx, const struct jws_key **out, err_t *err)
{
	struct tokens_state *s = state_of(ctx);
	if (s->key) {
		*out = s->key;
		return 0;
	}
	const char *path = ctx->cfg->registry_key;
	err_t why = ERR_INIT;
	if (master_key && path && !strcmp(path, master_key_path)) {
		s->key = master_key;
		s->key_inherited = true;
	} else if (!path || !*path) {
		return err_set(err, -ERR_UNAVAILABLE,
			       "registry token server has no signing key: set CONSOLE_REGISTRY_KEY "
			       "to the PEM file of its private key (scripts/gen-registry-key makes one)");
	} else if (jws_key_load(&s->key, path, &why)) {
		return err_set(err, -ERR_UNAVAILABLE,
			       "registry token server cannot use CONSOLE_REGISTRY_KEY: %s", why.msg);
	}
	log_info("registry tokens: signing key %s, %s, kid %s", path, jws_key_alg(s->key),
		 jws_key_kid(s->key));
	*out = s->key;
	return 0;
}

/* ---- whitelist --------------------------------------------------------------- */

/* The whitelist and node network, re-read at most every WHITELIST_TTL_MS.
 * A failed read keeps the last good set (an etcd hiccup must neither open
 * nor close the door); before any good read the set is empty. */
static const ipset_t *allow_set(request_t *req)
{
	ctx_t *ctx = req->ctx;
	struct tokens_state *s = state_of(ctx);
	if (s->allow_loaded && clock_mono_ms() - s->allow_at < WHITELIST_TTL_MS)
		return &s->allow;
	const char *wl, *nodes;
	err_t err = ERR_INIT;
	if (store_registry_allowed(ctx, req->arena, &wl, &nodes, &err)) {
		http_log(req, LOG_WARN, "registry tokens: cannot read the whitelist, using the %s: %s",
			 s->allow_loaded ? "last one read" : "empty one", err.msg);
		s->allow_at = clock_mono_ms();
		return &s->allow;
	}
	ipset_release(&s->allow);
	ipset_parse(&s->allow, wl);
	ipset_add(&s->allow, nodes);
	if (s->allow.skipped)
		http_log(req, LOG_WARN, "registry tokens: %zu malformed entries skipped in "
			 "/lain/config/registry_ip_whitelist and /lain/config/node_network",
			 s->allow.skipped);
	s->allow_loaded = true;
	s->allow_at = clock_mono_ms();
	return &s->allow;
}

/* ---- membership ------------------------------------------------------------- */

/* Whether user (as the password check found them: their recursive groups)
 * is in the SSO group of app. */
static bool is_member(const cluster_t *cl, const sso_user_t *user, const char *app)
{
	buf_t group = BUF_INIT;
	cluster_app_group(cl, app, &group);
	bool yes = sso_user_in(user, group.data);
	buf_release(&group);
	return yes;
}

/* ---- answers -------------------------------------------------------------------- */

/* The token protocol's error form. */
static void answer_error(response_t *res, int status, const char *code, const char *message)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array(),
		    *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(list, e);
	json_object_object_add(o, "errors", list);
	http_json(res, status, o);
}

static int answer_failure(const request_t *req, response_t *res, const err_t *err)
{
	int status = err_http_status(err->code);
	if (status >= 500)
		http_log(req, LOG_ERROR, "registry tokens: %s", err->msg);
	answer_error(res, status, status == 400 ? "INVALID_REQUEST" : "UNAVAILABLE", err->msg);
	return HTTP_ANSWERED;
}

static int answer_unauthorized(response_t *res)
{
	http_text(res, err_http_status(-ERR_UNAUTHORIZED), bad_credentials);
	http_header(res, "WWW-Authenticate", basic_challenge);
	return HTTP_ANSWERED;
}

/* ---- credentials ---------------------------------------------------------------- */

/* "Basic base64(user:password)" -> user, password (arena). 0 when there is
 * no header, 1 when there are credentials, -1 when they are malformed. */
static int basic_credentials(request_t *req, const char **user, const char **password)
{
	const char *h = req->authorization;
	if (!h || !*h)
		return 0;
	if (strlen(h) > AUTH_MAX || strncasecmp(h, "Basic ", 6))
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	buf_t dec = BUF_INIT;
	int found = -1;
	if (base64_decode(&dec, h, strlen(h)) == 0 && !memchr(dec.data, '\0', dec.len)) {
		/* A user name has no ':' (RFC 7617), so the first one ends it;
		 * but a deploy token's user is robot:<app>:<name> (docker login
		 * -u robot:hello:ci sends it whole), and its secret has none. */
		bool robot = !strncmp(dec.data, ROBOT_USER_PREFIX, strlen(ROBOT_USER_PREFIX));
		char *colon = robot ? strrchr(dec.data, ':') : strchr(dec.data, ':');
		if (colon && colon != dec.data) {
			*user = arena_strndup(req->arena, dec.data, (size_t)(colon - dec.data));
			*password = arena_strdup(req->arena, colon + 1);
			found = 1;
		}
	}
	buf_release(&dec);
	return found;
}

/* ---- signing -------------------------------------------------------------------- */

/* Signs claims into token (appended). */
static int sign_claims(const jws_key_t *key, const token_claims_t *c, buf_t *token, err_t *err)
{
	json_object *claims = token_claims_json(c);
	int rc = jws_sign_json(key, claims, token, err);
	json_object_put(claims);
	return rc;
}

/* 128 random bits, base64url: the jti. */
static int new_jti(buf_t *out, err_t *err)
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return err_set(err, -ERR_INTERNAL, "openssl could not produce random bytes for a jti");
	return base64url_encode(out, r, sizeof(r));
}

int registry_token_internal(ctx_t *ctx, const char *repo, buf_t *token, err_t *err)
{
	const jws_key_t *key;
	const cluster_t *cl;
	buf_t jti = BUF_INIT;
	int rc;
	if (!repo || !token_repo_name_valid(repo))
		return err_set(err, -ERR_INVALID, "'%s' is not a registry repository name",
			       repo ? repo : "(null)");
	if ((rc = registry_token_key(ctx, &key, err)) || (rc = cluster_get(ctx, &cl, err)) ||
	    (rc = new_jti(&jti, err)))
		goto cleanup;
	token_want_t grant = { .name = repo, .want = TOKEN_PULL | TOKEN_PUSH };
	token_claims_t c = {
		.iss = ctx->cfg->registry_issuer,
		.sub = "lain",
		.aud = cl->domain,
		.iat = (int64_t)time(NULL),
		.ttl = ctx->cfg->registry_token_ttl,
		.jti = jti.data,
		.grants = &grant,
		.ngrants = 1,
	};
	if (!(rc = sign_claims(key, &c, token, err)))
		metrics_token(METRICS_GRANT_INTERNAL);
cleanup:
	buf_release(&jti);
	return rc;
}

/* ---- the endpoint ------------------------------------------------------------- */

/* A deploy token's use of the registry, in its app's oplog (issue 18):
 * what it was given, if anything. */
static void robot_oplog(request_t *req, const char *user, const char *app,
			const token_want_t *grants, size_t n)
{
	unsigned got = 0;
	for (size_t i = 0; i < n; i++)
		got |= grants[i].want;
	if (!got)
		return;
	err_t err = ERR_INIT;
	const char *msg = arena_printf(req->arena, "registry token: %s%s%s of %s",
				       got & TOKEN_PULL ? "pull" : "",
				       got == (TOKEN_PULL | TOKEN_PUSH) ? "," : "",
				       got & TOKEN_PUSH ? "push" : "", app);
	if (oplog_append(req->ctx, "REGISTRY", user, app, "", msg, &err))
		http_log(req, LOG_WARN, "oplog REGISTRY of %s not written: %s", app, err.msg);
}

struct scope_walk {
	token_request_t *treq;
	arena_t *arena;
	err_t *err;
};

static int scope_one(const char *value, void *data)
{
	struct scope_walk *w = data;
	return token_scopes_add(w->treq, w->arena, value, w->err);
}

int api_registry_authorize(request_t *req, response_t *res, err_t *err)
{
	ctx_t *ctx = req->ctx;
	const config_t *cfg = ctx->cfg;
	const jws_key_t *key;
	token_request_t treq = TOKEN_REQUEST_INIT;
	token_caller_t caller = { .kind = TOKEN_CALLER_ANONYMOUS,
				  .anonymous_pull = cfg->registry_anonymous_pull };
	const char *user = NULL, *password = NULL, *robot_app = NULL, *robot_name = NULL;
	sso_user_t *me = NULL;
	const cluster_t *cl = NULL;
	buf_t token = BUF_INIT, jti = BUF_INIT;
	int rc;

	if ((rc = registry_token_key(ctx, &key, err)))
		goto fail;
	const char *service = http_query(req, "service");
	if (!service || !*service) {
		rc = err_set(err, -ERR_INVALID,
			     "the 'service' parameter is required (the registry's auth.token.service)");
		goto fail;
	}
	struct scope_walk w = { &treq, req->arena, err };
	if ((rc = http_query_each(req, "scope", scope_one, &w)))
		goto fail;

	if (ipset_contains(allow_set(req), req->remote_addr)) {
		caller.kind = TOKEN_CALLER_WHITELISTED;
	} else {
		int found = basic_credentials(req, &user, &password);
		if (found < 0 || (found == 0 && !cfg->registry_anonymous_pull)) {
			rc = answer_unauthorized(res);
			goto cleanup;
		}
		if (found > 0 && robot_user_parse(req->arena, user, &robot_app, &robot_name)) {
			/* A deploy token: its hash in etcd, never SSO (issue 18). */
			token_record_t *t = NULL;
			err_t why = ERR_INIT;
			rc = robots_verify(req, robot_app, robot_name, password, &t, &why);
			if (rc == -ERR_UNAUTHORIZED) {
				http_log(req, LOG_INFO, "registry token refused to %s: %s", user,
					 why.msg);
				rc = answer_unauthorized(res);
				goto cleanup;
			}
			if (rc) {
				*err = why;
				goto fail;
			}
			caller.kind = TOKEN_CALLER_ROBOT;
			caller.robot_app = t->app;
			if (robot_scopes_parse(t->scopes, &caller.robot_scopes, NULL))
				caller.robot_scopes = 0;
			user = robot_user(req->arena, t->app, t->name);
		} else if (found > 0) {
			/* The check logs in as the OAuth2 client, with its redirect URI. */
			if ((rc = cluster_get(ctx, &cl, err)))
				goto fail;
			rc = sso_check_password(peers_sso(ctx), req->arena, cl->sso_redirect_uri, user,
						password, &me, err);
			if (rc == -ERR_UNAUTHORIZED) {
				rc = answer_unauthorized(res);
				goto cleanup;
			}
			if (rc)
				goto fail;
			caller.kind = TOKEN_CALLER_USER;
			/* The user as SSO names them, not the login given (an e-mail
			 * address logs in too): the token's sub and every membership
			 * are the canonical name's (issue 14 #7). */
			user = me->name;
			caller.admin = sso_user_in(me, cfg->lain_admin_name);
		}
	}

	token_want_t grants[TOKEN_REPOS_MAX];
	for (size_t i = 0; i < treq.nrepos; i++) {
		const token_want_t *t = &treq.repos[i];
		bool member = caller.kind == TOKEN_CALLER_USER && !caller.admin && t->want &&
			      token_policy_app_repo(t->name) && is_member(cl, me, t->name);
		grants[i].name = t->name;
		grants[i].want = token_policy_grant(&caller, t->name, t->want, member);
	}

	if ((rc = new_jti(&jti, err)))
		goto fail;
	token_claims_t c = {
		.iss = cfg->registry_issuer,
		.sub = caller.kind == TOKEN_CALLER_USER || caller.kind == TOKEN_CALLER_ROBOT ? user
										     : "",
		.aud = service,
		.iat = (int64_t)time(NULL),
		.ttl = cfg->registry_token_ttl,
		.jti = jti.data,
		.grants = grants,
		.ngrants = treq.nrepos,
	};
	if ((rc = sign_claims(key, &c, &token, err)))
		goto fail;
	if (caller.kind == TOKEN_CALLER_ROBOT)
		robot_oplog(req, user, caller.robot_app, grants, treq.nrepos);
	metrics_token(caller.kind == TOKEN_CALLER_WHITELISTED ? METRICS_GRANT_WHITELISTED
		      : caller.kind == TOKEN_CALLER_ANONYMOUS   ? METRICS_GRANT_ANONYMOUS
		      : caller.kind == TOKEN_CALLER_ROBOT       ? METRICS_GRANT_ROBOT
		      : caller.admin                            ? METRICS_GRANT_ADMIN
								: METRICS_GRANT_USER);
	char issued[32];
	token_time_rfc3339(c.iat, issued);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "token", json_object_new_string(token.data));
	json_object_object_add(o, "access_token", json_object_new_string(token.data));
	json_object_object_add(o, "expires_in", json_object_new_int64(c.ttl));
	json_object_object_add(o, "issued_at", json_object_new_string(issued));
	http_json(res, 200, o);
	http_header(res, "Cache-Control", "no-store");
	if (log_get_level() <= LOG_DEBUG) {
		buf_t granted = BUF_INIT;
		for (size_t i = 0; i < treq.nrepos; i++)
			buf_addf(&granted, " %s:%s%s%s", grants[i].name,
				 grants[i].want & TOKEN_PULL ? "pull" : "",
				 grants[i].want == (TOKEN_PULL | TOKEN_PUSH) ? "," : "",
				 grants[i].want & TOKEN_PUSH ? "push" : "");
		http_log(req, LOG_DEBUG, "registry token for '%s' from %s, aud '%s':%s", c.sub,
			 req->remote_addr, service, granted.len ? granted.data : " no access");
		buf_release(&granted);
	}
	rc = HTTP_ANSWERED;
	goto cleanup;
fail:
	rc = answer_failure(req, res, err);
cleanup:
	buf_release(&token);
	buf_release(&jti);
	return rc;
}
