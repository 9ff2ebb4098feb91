/* E4 (OAuth callback), E5 (auth status), and the browser login that starts
 * the code flow with a state it can check (§9.3 #8).
 *
 * CONSOLE_LEGACY_LOGIN=1 also completes archon's login, which starts at SSO
 * with a state of its own (so no cookie of ours comes back) and reads the
 * token from the query string of the page it lands on. That gives up the
 * state check for such callbacks (login CSRF: a forged callback logs a
 * browser in as someone else) and puts the token where logs, history and
 * Referer headers keep it. A callback that does carry our cookie is still
 * checked strictly and answered with the fragment. */
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "console/api.h"
#include "console/auth.h"
#include "console/cluster.h"
#include "console/sso.h"
#include "console/store.h"
#include "answer.h"
#include "peers.h"
#include "console/banned.h"

#define STATE_COOKIE "console_oauth_state"

/* E5. With auth on and an access-token header, also who the token belongs
 * to ("user": null when SSO refuses it; left out when SSO cannot be asked),
 * and whether that user is a LAIN admin: what the web console shows. */
int api_authorize_status(request_t *req, response_t *res, err_t *err)
{
	const auth_switch_t *sw;
	int rc = auth_get(req->ctx, &sw, err);
	if (rc)
		return rc;
	json_object *auth = json_object_new_object();
	json_object_object_add(auth, "status", json_object_new_string(sw->on ? "opened" : "closed"));
	if (sw->on && req->access_token && *req->access_token) {
		sso_user_t *user = NULL;
		rc = sso_me(peers_sso(req->ctx), req->arena, req->access_token, false,
			    store_revision_seen(req->ctx), &user, NULL);
		if (rc == -ERR_UNAUTHORIZED) {
			json_object_object_add(auth, "user", NULL);
		} else if (!rc) {
			json_object_object_add(auth, "user", json_object_new_string(user->name));
			json_object_object_add(
				auth, "admin",
				json_object_new_boolean(sso_user_in(user, req->ctx->cfg->lain_admin_name)));
		}
	}
	return api_answer(req, res, 200, auth, "/v1/authorize/status/", "get auth status success");
}

/* The auth switch and the cluster facts, which both flows need. */
static int load(request_t *req, const auth_switch_t **sw, const cluster_t **cl, err_t *err)
{
	int rc = auth_get(req->ctx, sw, err);
	return rc ? rc : cluster_get(req->ctx, cl, err);
}

static const char *escape(request_t *req, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	const char *out = arena_strdup(req->arena, e ? e : "");
	curl_free(e);
	return out;
}

/* GET /v1/authorize/login: to SSO's login page with a fresh state, which a
 * short-lived cookie remembers for the callback. */
int api_authorize_login(request_t *req, response_t *res, err_t *err)
{
	const auth_switch_t *sw;
	const cluster_t *cl;
	int rc = load(req, &sw, &cl, err);
	if (rc)
		return rc;
	const char *base = sso_base(peers_sso(req->ctx));
	if (!sw->on || !*base)
		return api_fail(req, res, -ERR_INVALID, NULL, "/v1/authorize/status/",
				"console auth is closed: nothing to log in to");
	unsigned char raw[16];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return err_set(err, -ERR_INTERNAL, "no randomness for the login state");
	char state[33];
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(state + 2 * i, 3, "%02x", raw[i]);
	const char *location = arena_printf(
		req->arena,
		"%s/oauth2/auth?response_type=code&client_id=%s&redirect_uri=%s"
		"&scope=read%%3Agroup+write%%3Agroup&state=%s",
		base, escape(req, req->ctx->cfg->sso_client_id), escape(req, cl->sso_redirect_uri),
		state);
	http_text(res, 302, "");
	http_header(res, "Location", location);
	/* Lax: the callback is a top-level navigation coming from SSO. */
	http_header(res, "Set-Cookie",
		    arena_printf(req->arena,
				 "%s=%s; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax",
				 STATE_COOKIE, state));
	http_header(res, "Cache-Control", "no-store");
	return HTTP_ANSWERED;
}

static int unauthorized(request_t *req, response_t *res)
{
	return api_fail(req, res, -ERR_UNAUTHORIZED, NULL, "/v1/docs/",
			"unauthorized : don't have the access to console");
}

/* E4: the code comes back with the state we set; the token goes to the UI in
 * the URL fragment (never a query string that logs and Referer keep). */
int api_authorize_callback(request_t *req, response_t *res, err_t *err)
{
	const char *code = http_query(req, "code");
	if (!code || !*code)
		return api_fail(req, res, -ERR_INVALID, NULL, "/v1/docs/",
				"invalid request: should be json body with sso code(string)");
	const char *state = http_query(req, "state");
	const char *expected = http_cookie(req, STATE_COOKIE);
	bool legacy = !expected && req->ctx->cfg->legacy_login;
	if (!legacy && (!state || !expected || strlen(expected) != 32 || strcmp(state, expected)))
		return api_fail(req, res, -ERR_UNAUTHORIZED, NULL, "/v1/docs/",
				"unauthorized : the login state does not match, start the login again");
	const auth_switch_t *sw;
	const cluster_t *cl;
	int rc = load(req, &sw, &cl, err);
	if (rc)
		return rc;
	if (!sw->on)
		return unauthorized(req, res);
	const char *token;
	long expires = 0;
	rc = sso_exchange_code(peers_sso(req->ctx), cl->sso_redirect_uri, req->arena, code, &token,
			       &expires, err);
	if (rc == -ERR_UNAVAILABLE)
		return rc;
	if (rc)
		return unauthorized(req, res);
	const char *sep = !legacy ? "#" : strchr(cl->auth_complete_url, '?') ? "&" : "?";
	http_text(res, 302, "");
	http_header(res, "Location",
		    arena_printf(req->arena, "%s%saccess_token=%s&expires_in=%ld", cl->auth_complete_url,
				 sep, escape(req, token), expires));
	http_header(res, "Set-Cookie",
		    STATE_COOKIE "=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax");
	http_header(res, "Cache-Control", "no-store");
	return HTTP_ANSWERED;
}
