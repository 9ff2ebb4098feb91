/*
 * Deploy tokens: the endpoints that make, list and revoke them (api.h) and
 * their checks as callers (robots.h). The secret is made here, answered
 * once, and forgotten: only its salted hash is stored (tokens.h), and no
 * log line carries it.
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "console/api.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/robot.h"
#include "console/secret.h"
#include "console/token_policy.h"
#include "answer.h"
#include "robots.h"
#include "console/banned.h"

static bool expired(const token_record_t *t)
{
	return (int64_t)time(NULL) >= t->expires;
}

static const char *user_of(request_t *req, const token_record_t *t)
{
	return robot_user(req->arena, t->app, t->name);
}

/* The token of v[0..n) whose hash secret matches; every one is compared. */
static const token_record_t *find(const token_record_t *v, size_t n, const char *secret)
{
	const token_record_t *hit = NULL;
	for (size_t i = 0; i < n; i++)
		if (secret_matches(v[i].salt, v[i].hash, secret) && !hit)
			hit = &v[i];
	return hit;
}

/* last_used, at most every ROBOTS_TOUCH_SECONDS (robots.h). */
static void touch(request_t *req, const token_record_t *t)
{
	int64_t now = (int64_t)time(NULL);
	if (now - t->last_used < ROBOTS_TOUCH_SECONDS)
		return;
	err_t e = ERR_INIT;
	int rc = store_token_touch(req->ctx, req->arena, t, now, &e);
	if (rc && rc != -ERR_CONFLICT)
		http_log(req, LOG_WARN, "deploy token %s: its last use not recorded: %s",
			 user_of(req, t), e.msg);
}

/* A read of its app by t (a GET): a row of the oplog, coalesced with the
 * newest one as read (oplog.h), and last used, in one write. */
static void note_read(request_t *req, const token_record_t *t, oplog_last_t *last)
{
	err_t e = ERR_INIT;
	const char *user = user_of(req, t);
	if (store_token_read(req->ctx, req->arena, t, user,
			     arena_printf(req->arena, "%s %s", req->method, req->path), last,
			     ROBOTS_TOUCH_SECONDS, &e))
		http_log(req, LOG_WARN, "deploy token %s: its read not recorded: %s", user, e.msg);
}

static int unauthorized(request_t *req, response_t *res, const token_record_t *t)
{
	if (t)
		http_log(req, LOG_INFO, "deploy token %s refused: it expired", user_of(req, t));
	return api_fail_key(req, res, "app", -ERR_UNAUTHORIZED, API_DOCS_URL, "%s%s",
			    PERM_UNAUTHORIZED_MSG, t ? " (the deploy token expired)" : "");
}

static const char *scope_names(request_t *req, unsigned scopes, const char *sep)
{
	json_object *a = robot_scopes_json(scopes);
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		buf_addf(&b, "%s%s", i ? sep : "", json_object_get_string(json_object_array_get_idx(a, i)));
	json_object_put(a);
	const char *s = arena_strdup(req->arena, b.len ? b.data : "none");
	buf_release(&b);
	return s;
}

int robots_check(request_t *req, response_t *res, err_t *err)
{
	caller_t *c = req_caller(req);
	const route_t *r = req->route;
	const char *name = r->perm == PERM_MAINTAIN ? http_param(req, "app") : NULL;
	token_record_t *v = NULL;
	size_t n = 0;
	app_record_t *app = NULL;
	const token_record_t *t = NULL;
	/* A GET is a read: the oplog's newest row is read with the rest. */
	bool read = !strcmp(req->method, "GET");
	oplog_last_t last = { 0 };
	int rc;
	if (name) {
		/* The app's record and its tokens: one round trip, as the
		 * maintain check of a person reads the record. */
		rc = store_app_get_tokens(req->ctx, req->arena, name, &app, &v, &n,
					  read ? &last : NULL, err);
		if (rc && rc != -ERR_NOT_FOUND)
			return rc;
		t = find(v, n, req->access_token);
	}
	if (!t) {
		/* Not one of this app's: another app's token, or none at all
		 * (only failures come here, so reading every token is fine). */
		if ((rc = store_token_all(req->ctx, req->arena, &v, &n, err)))
			return rc;
		t = find(v, n, req->access_token);
		if (t && name && !expired(t)) {
			c->name = user_of(req, t);
			return api_fail_key(req, res, "maintainer", -ERR_FORBIDDEN, API_DOCS_URL,
					    "forbidden : deploy token %s may only act on app %s",
					    c->name, t->app);
		}
		if (!t)
			return unauthorized(req, res, NULL);
	}
	if (expired(t))
		return unauthorized(req, res, t);
	unsigned scopes = 0;
	if (robot_scopes_parse(t->scopes, &scopes, NULL))
		scopes = 0;
	c->robot = t;
	c->robot_scopes = scopes;
	c->name = user_of(req, t);
	c->app = app;
	if (!robot_may(r->scopes, scopes))
		return api_fail_key(req, res, "maintainer", -ERR_FORBIDDEN, API_DOCS_URL,
				    "forbidden : deploy token %s (scopes: %s) may not %s %s: %s%s",
				    c->name, scope_names(req, scopes, ", "), req->method, req->path,
				    r->scopes ? "it takes the scope " : "deploy tokens may not use it",
				    r->scopes ? scope_names(req, r->scopes, " or ") : "");
	if (read && app)
		note_read(req, t, &last);
	else
		touch(req, t);
	return 0;
}

int robots_verify(request_t *req, const char *app, const char *name, const char *secret,
		  token_record_t **out, err_t *err)
{
	if (!robot_secret_form(secret))
		return err_set(err, -ERR_UNAUTHORIZED, "not a deploy token's secret");
	int rc = store_token_get(req->ctx, req->arena, app, name, out, err);
	if (rc == -ERR_NOT_FOUND)
		return err_set(err, -ERR_UNAUTHORIZED, "no such token");
	if (rc)
		return rc;
	if (!secret_matches((*out)->salt, (*out)->hash, secret))
		return err_set(err, -ERR_UNAUTHORIZED, "another secret");
	if (expired(*out))
		return err_set(err, -ERR_UNAUTHORIZED, "it expired");
	touch(req, *out);
	return 0;
}

/* ---- the endpoints */

static json_object *time_or_null(int64_t t)
{
	char s[32];
	if (!t)
		return NULL;
	token_time_rfc3339(t, s);
	return json_object_new_string(s);
}

/* A token as the API shows it: never its salt or hash. */
static json_object *view(request_t *req, const token_record_t *t)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "app", json_object_new_string(t->app));
	json_object_object_add(o, "user", json_object_new_string(user_of(req, t)));
	json_object_object_add(o, "scopes", json_object_get(t->scopes));
	json_object_object_add(o, "creator", json_object_new_string(t->creator));
	json_object_object_add(o, "created", time_or_null(t->created));
	json_object_object_add(o, "expires", time_or_null(t->expires));
	json_object_object_add(o, "last_used", time_or_null(t->last_used));
	json_object_object_add(o, "expired", json_object_new_boolean(expired(t)));
	return o;
}

static const char *tokens_url(request_t *req)
{
	return arena_printf(req->arena, "/v1/repos/%s/tokens/", req_app(req)->appname);
}

int api_tokens_list(request_t *req, response_t *res, err_t *err)
{
	token_record_t *v = NULL;
	size_t n = 0;
	int rc = store_token_list(req->ctx, req->arena, req_app(req)->appname, &v, &n, err);
	if (rc)
		return rc;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, view(req, &v[i]));
	return api_answer(req, res, 200, a, tokens_url(req), "");
}

/* The body of a new token: name, scopes, lifetime; 400 answered. */
static int parse_new(request_t *req, response_t *res, token_record_t *t, err_t *err)
{
	json_object *j = req->json, *name = NULL, *ttl = NULL;
	unsigned bits = 0;
	const char *msg = NULL;
	if (!j || !json_object_is_type(j, json_type_object) ||
	    !json_object_object_get_ex(j, "name", &name) ||
	    !json_object_is_type(name, json_type_string))
		msg = "invalid request: should be json body with name(string), scopes(list of pull, "
		      "push, read, deploy) and expires_in(seconds, optional)";
	else if (robot_name_check(json_object_get_string(name), err) ||
		 robot_scopes_parse(json_object_object_get(j, "scopes"), &bits, err))
		msg = err->msg;
	else if (json_object_object_get_ex(j, "expires_in", &ttl) &&
		 (!json_object_is_type(ttl, json_type_int) || json_object_get_int64(ttl) < 1))
		msg = "expires_in must be a number of seconds, at least 1";
	else if (robot_expiry((int64_t)time(NULL), ttl ? json_object_get_int64(ttl) : 0,
			      req->ctx->cfg->deploy_token_max_days, &t->expires, err))
		msg = err->msg;
	if (msg)
		return api_fail(req, res, -ERR_INVALID, NULL, tokens_url(req), "%s", msg);
	t->name = json_object_get_string(name);
	t->scopes = arena_json(req->arena, robot_scopes_json(bits));
	return 0;
}

int api_tokens_create(request_t *req, response_t *res, err_t *err)
{
	const char *app = req_app(req)->appname;
	token_record_t t = { .app = app, .creator = req_operator(req), .created = (int64_t)time(NULL) };
	int rc = parse_new(req, res, &t, err);
	if (rc)
		return rc;
	token_record_t *v = NULL;
	size_t n = 0;
	if ((rc = store_token_list(req->ctx, req->arena, app, &v, &n, err)))
		return rc;
	if (n >= ROBOT_TOKENS_MAX)
		return api_fail(req, res, -ERR_INVALID, NULL, tokens_url(req),
				"app %s has %d deploy tokens already: revoke one first", app,
				ROBOT_TOKENS_MAX);
	char salt[SECRET_SALT_HEX + 1], hash[SECRET_HASH_HEX + 1];
	buf_t secret = BUF_INIT;
	if ((rc = secret_new(&secret, ROBOT_SECRET_PREFIX, err)) ||
	    (rc = secret_random_hex(salt, SECRET_SALT_HEX / 2, err)))
		goto out;
	secret_hash(salt, secret.data, hash);
	t.salt = salt;
	t.hash = hash;
	rc = store_token_create(req->ctx, &t, err);
	if (rc == -ERR_CONFLICT)
		rc = api_fail(req, res, rc, NULL, tokens_url(req), "%s", err->msg);
	if (rc)
		goto out;
	const char *user = user_of(req, &t);
	json_object *o = view(req, &t);
	json_object_object_add(o, "secret", json_object_new_string(secret.data));
	unsigned bits = 0;
	robot_scopes_parse(t.scopes, &bits, NULL);
	char until[32];
	token_time_rfc3339(t.expires, until);
	oplogs_write(req, "TOKEN", app, "",
		     arena_printf(req->arena, "created deploy token %s (%s), expires %s", user,
				  scope_names(req, bits, ", "), until));
	http_log(req, LOG_INFO, "TOKEN: %s created by %s, expires %s", user, t.creator, until);
	rc = api_answer(req, res, 201, o, tokens_url(req),
			"deploy token %s created: keep its secret now, it is not shown again", user);
	http_header(res, "Cache-Control", "no-store");
out:
	OPENSSL_cleanse(secret.data, secret.len);
	buf_release(&secret);
	return rc;
}

int api_token_delete(request_t *req, response_t *res, err_t *err)
{
	const char *app = req_app(req)->appname, *name = http_param(req, "name");
	int rc = store_token_delete(req->ctx, app, name, err);
	if (rc == -ERR_NOT_FOUND)
		return api_fail(req, res, rc, NULL, tokens_url(req), "%s", err->msg);
	if (rc)
		return rc;
	const char *user = robot_user(req->arena, app, name);
	oplogs_write(req, "TOKEN", app, "", arena_printf(req->arena, "revoked deploy token %s", user));
	http_log(req, LOG_INFO, "TOKEN: %s revoked by %s", user, req_operator(req));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "app", json_object_new_string(app));
	json_object_object_add(o, "user", json_object_new_string(user));
	return api_answer(req, res, 200, o, tokens_url(req), "deploy token %s revoked", user);
}
