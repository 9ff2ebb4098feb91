#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "console/httpc.h"
#include "console/log.h"
#include "console/sso.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define CACHE_SIZE 128
#define KEY_LEN 32
#define SSO_MAX_ANSWER (1 << 20)

/* A cached answer: the key is an HMAC (with a per-worker random key) of the
 * token or of user and password, so no secret is kept in memory as is. */
struct entry {
	unsigned char key[KEY_LEN];
	time_t expires;
	int64_t stamp;              /* sso_me's stamp of the answer */
	char *body;                 /* /api/me body; NULL for password entries */
};

struct sso {
	httpc_t *http;
	long cache_seconds;
	char *client_id, *client_secret;
	unsigned char hmac_key[KEY_LEN];
	struct entry me[CACHE_SIZE];
	struct entry pw[CACHE_SIZE];
	size_t next_me, next_pw;
	buf_t url;
	buf_t base;
	httpc_response_t resp;
};

sso_t *sso_new(const sso_opts_t *o)
{
	sso_t *s = xcalloc(1, sizeof(*s));
	s->http = httpc_new("sso", NULL, o->timeout_ms, o->connect_timeout_ms);
	s->cache_seconds = o->cache_seconds;
	s->client_id = xstrdup(o->client_id ? o->client_id : "");
	s->client_secret = xstrdup(o->client_secret ? o->client_secret : "");
	if (RAND_bytes(s->hmac_key, KEY_LEN) != 1)
		abort(); /* no randomness: nothing safe to do */
	buf_init(&s->url, 0);
	buf_init(&s->base, 0);
	s->resp = (httpc_response_t)HTTPC_RESPONSE_INIT;
	return s;
}

void sso_free(sso_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		free(s->me[i].body);
	httpc_free(s->http);
	free(s->client_id);
	free(s->client_secret);
	buf_release(&s->url);
	buf_release(&s->base);
	httpc_response_release(&s->resp);
	free(s);
}

/* ---- cache ---------------------------------------------------------------- */

static void cache_key(struct sso *s, const char *a, const char *b, unsigned char out[KEY_LEN])
{
	buf_t in = BUF_INIT;
	buf_addstr(&in, a);
	if (b) {
		buf_addch(&in, '\0');
		buf_addstr(&in, b);
	}
	unsigned int len = KEY_LEN;
	HMAC(EVP_sha256(), s->hmac_key, KEY_LEN, (const unsigned char *)in.data, in.len, out, &len);
	buf_release(&in);
}

static struct entry *cache_find(struct entry *tab, const unsigned char key[KEY_LEN])
{
	time_t now = time(NULL);
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (tab[i].expires > now && !memcmp(tab[i].key, key, KEY_LEN))
			return &tab[i];
	return NULL;
}

static void cache_put(struct entry *tab, size_t *next, const unsigned char key[KEY_LEN],
		      long ttl, int64_t stamp, const char *body)
{
	if (ttl <= 0)
		return;
	/* A fresh answer replaces the one cached for the same key: a lookup
	 * must not find the older one first. */
	struct entry *e = NULL;
	for (size_t i = 0; i < CACHE_SIZE && !e; i++)
		if (tab[i].expires && !memcmp(tab[i].key, key, KEY_LEN))
			e = &tab[i];
	if (!e) {
		e = &tab[*next];
		*next = (*next + 1) % CACHE_SIZE;
	}
	free(e->body);
	memcpy(e->key, key, KEY_LEN);
	e->expires = time(NULL) + ttl;
	e->stamp = stamp;
	e->body = body ? xstrdup(body) : NULL;
}

/* ---- transport ------------------------------------------------------------ */

void sso_set_base(sso_t *s, const char *url)
{
	buf_reset(&s->base);
	buf_addstr(&s->base, url ? url : "");
	while (s->base.len && s->base.data[s->base.len - 1] == '/')
		s->base.data[--s->base.len] = '\0';
}

const char *sso_base(const sso_t *s)
{
	return s->base.len ? s->base.data : "";
}

/* Appends a path segment, escaped. */
static void add_segment(buf_t *url, const char *seg)
{
	char *esc = curl_easy_escape(NULL, seg, 0);
	buf_addch(url, '/');
	buf_addstr(url, esc ? esc : "");
	curl_free(esc);
}

struct call {
	const char *method;
	const char *path;          /* already escaped, starting with '/' */
	const char *token;         /* Bearer, or NULL */
	const char *body;
	const char *content_type;
};

static int call(sso_t *s, const struct call *c, err_t *err)
{
	const char *base = sso_base(s);
	if (!*base)
		return err_set(err, -ERR_UNAVAILABLE,
			       "sso unavailable: no SSO URL (auth switch has none, SSO_SERVER_NAME unset)");
	buf_reset(&s->url);
	buf_addf(&s->url, "%s%s", base, c->path);
	char auth[4096];
	const char *headers[3] = { NULL };
	size_t nh = 0;
	if (c->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
		headers[nh++] = auth;
	}
	headers[nh++] = "Accept: application/json";
	httpc_request_t req = {
		.method = c->method,
		.url = s->url.data,
		.body = c->body,
		.body_len = c->body ? strlen(c->body) : 0,
		.content_type = c->content_type,
		.headers = headers,
		.max_body = SSO_MAX_ANSWER,
	};
	return httpc_perform(s->http, &req, &s->resp, err);
}

/* SSO answers errors as a JSON string, an object with a message, or text. */
static const char *reason(struct sso *s, arena_t *a)
{
	json_object *o = json_tokener_parse(s->resp.body.data), *v;
	const char *r = NULL;
	if (o && json_object_is_type(o, json_type_string))
		r = json_object_get_string(o);
	else if (o && (json_object_object_get_ex(o, "error_description", &v) ||
		       json_object_object_get_ex(o, "message", &v) ||
		       json_object_object_get_ex(o, "msg", &v) ||
		       json_object_object_get_ex(o, "error", &v)))
		r = json_object_get_string(v);
	const char *out = arena_strndup(a, r ? r : s->resp.body.data, 300);
	json_object_put(o);
	return *out ? out : "no reason given";
}

/* Maps a non-success status to an error naming SSO and its reason. */
static int refused(sso_t *s, const char *what, err_t *err)
{
	arena_t *a = arena_new();
	long st = s->resp.status;
	int code = st == 400   ? -ERR_INVALID
		   : st == 401 ? -ERR_UNAUTHORIZED
		   : st == 403 ? -ERR_FORBIDDEN
		   : st == 404 ? -ERR_NOT_FOUND
		   : st == 409 ? -ERR_CONFLICT
		   : st >= 500 ? -ERR_UNAVAILABLE
			       : -ERR_BAD_GATEWAY;
	int rc = err_set(err, code, "sso %s: %s (HTTP %ld)", what, reason(s, a), st);
	if (code == -ERR_UNAVAILABLE)
		rc = err_set(err, code, "sso unavailable: %s answered HTTP %ld", what, st);
	arena_free(a);
	return rc;
}

static json_object *parse_body(sso_t *s, arena_t *arena, json_type type, err_t *err)
{
	json_object *o = json_tokener_parse(s->resp.body.data);
	if (!o || !json_object_is_type(o, type)) {
		json_object_put(o);
		err_set(err, -ERR_BAD_GATEWAY, "sso answered something unexpected: %.200s",
			s->resp.body.data);
		return NULL;
	}
	return arena_json(arena, o);
}

/* {name, groups: [...]} -> sso_user_t in the arena. */
static int user_from(arena_t *arena, json_object *o, sso_user_t **out, err_t *err)
{
	json_object *name, *groups;
	if (!json_object_object_get_ex(o, "name", &name) || !json_object_is_type(name, json_type_string))
		return err_set(err, -ERR_BAD_GATEWAY, "sso answered a user without a name");
	sso_user_t *u = arena_alloc(arena, sizeof(*u));
	u->name = arena_strdup(arena, json_object_get_string(name));
	if (json_object_object_get_ex(o, "groups", &groups) &&
	    json_object_is_type(groups, json_type_array)) {
		size_t n = json_object_array_length(groups);
		const char **g = arena_alloc(arena, (n ? n : 1) * sizeof(*g));
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(groups, i);
			/* Groups may come as names or as {"name": ...} objects. */
			json_object *gn;
			if (json_object_is_type(e, json_type_object) &&
			    json_object_object_get_ex(e, "name", &gn))
				e = gn;
			g[u->ngroups++] = arena_strdup(arena, json_object_get_string(e));
		}
		u->groups = g;
	}
	*out = u;
	return 0;
}

bool sso_user_in(const sso_user_t *user, const char *group)
{
	for (size_t i = 0; i < user->ngroups; i++)
		if (!strcmp(user->groups[i], group))
			return true;
	return false;
}

/* ---- API ------------------------------------------------------------------ */

/* A cached /api/me body as the user it names. */
static int user_cached(arena_t *arena, const struct entry *hit, sso_user_t **out, err_t *err)
{
	json_object *o = arena_json(arena, json_tokener_parse(hit->body));
	if (!o)
		return err_set(err, -ERR_INTERNAL, "sso: a cached answer does not parse");
	int rc = user_from(arena, o, out, err);
	if (!rc)
		(*out)->stamp = hit->stamp;
	return rc;
}

/* GET /api/me with token; its body stays in s->resp. */
static int fetch_me(sso_t *s, arena_t *arena, const char *token, sso_user_t **out, err_t *err)
{
	struct call c = { .method = "GET", .path = "/api/me", .token = token };
	int rc = call(s, &c, err);
	if (rc)
		return rc;
	if (s->resp.status == 401 || s->resp.status == 403)
		return err_set(err, -ERR_UNAUTHORIZED, "sso refused the token");
	if (s->resp.status != 200)
		return refused(s, "/api/me", err);
	json_object *o = parse_body(s, arena, json_type_object, err);
	return o ? user_from(arena, o, out, err) : -ERR_BAD_GATEWAY;
}

int sso_me(sso_t *s, arena_t *arena, const char *token, bool fresh, int64_t stamp,
	   sso_user_t **out, err_t *err)
{
	if (!token || !*token)
		return err_set(err, -ERR_UNAUTHORIZED, "no access-token given");
	unsigned char key[KEY_LEN];
	cache_key(s, token, NULL, key);
	struct entry *hit = fresh ? NULL : cache_find(s->me, key);
	if (hit)
		return user_cached(arena, hit, out, err);
	int rc = fetch_me(s, arena, token, out, err);
	if (!rc) {
		(*out)->stamp = stamp;
		cache_put(s->me, &s->next_me, key, s->cache_seconds, stamp, s->resp.body.data);
	}
	return rc;
}

int sso_check_password(sso_t *s, arena_t *arena, const char *redirect_uri, const char *user,
		       const char *password, sso_user_t **out, err_t *err)
{
	unsigned char key[KEY_LEN];
	cache_key(s, user, password, key);
	struct entry *hit = cache_find(s->pw, key);
	if (hit)
		return user_cached(arena, hit, out, err);
	unsigned char nonce[8];
	RAND_bytes(nonce, sizeof(nonce));
	char *cid = curl_easy_escape(NULL, s->client_id, 0);
	char *redirect = curl_easy_escape(NULL, redirect_uri, 0);
	char *u = curl_easy_escape(NULL, user, 0);
	char *p = curl_easy_escape(NULL, password, 0);
	buf_t path = BUF_INIT, form = BUF_INIT;
	buf_addf(&path,
		 "/oauth2/auth?client_id=%s&response_type=code&scope=write%%3Agroup&redirect_uri=%s"
		 "&state=%02x%02x%02x%02x%02x%02x%02x%02x",
		 cid, redirect, nonce[0], nonce[1], nonce[2], nonce[3], nonce[4], nonce[5], nonce[6],
		 nonce[7]);
	buf_addf(&form, "login=%s&password=%s", u, p);
	curl_free(cid);
	curl_free(redirect);
	curl_free(u);
	curl_free(p);
	struct call c = { .method = "POST", .path = path.data, .body = form.data,
			  .content_type = "application/x-www-form-urlencoded" };
	int rc = call(s, &c, err);
	buf_release(&path);
	buf_release(&form);
	if (rc)
		return rc;
	if (s->resp.status >= 500)
		return refused(s, "/oauth2/auth", err);
	/* Valid iff SSO redirects with a non-empty code. */
	const char *loc = s->resp.location.data;
	const char *q = strchr(loc, '?');
	const char *code = NULL;
	for (const char *p2 = q; p2 && *p2 && !code; p2 = strchr(p2 + 1, '&'))
		if (!strncmp(p2 + 1, "code=", 5) && p2[6] && p2[6] != '&')
			code = arena_strndup(arena, p2 + 6, strcspn(p2 + 6, "&#"));
	if (!code || s->resp.status < 300 || s->resp.status >= 400)
		return err_set(err, -ERR_UNAUTHORIZED, "the username or password may not be correct.");
	/* The login may be the user's name or e-mail address (or a name in
	 * another case): who logged in is what /api/me says of the code's
	 * token. The token is used for that one call and forgotten. */
	char *plain = curl_unescape(code, 0);
	const char *token = NULL;
	long expires = 0;
	rc = sso_exchange_code(s, redirect_uri, arena, plain ? plain : code, &token, &expires, err);
	curl_free(plain);
	if (rc == -ERR_UNAUTHORIZED)
		return err_set(err, -ERR_BAD_GATEWAY, "sso gave no token for the code of a valid "
			       "password check (is SSO_CLIENT_SECRET right?)");
	if (rc || (rc = fetch_me(s, arena, token, out, err)))
		return rc == -ERR_UNAUTHORIZED ? err_set(err, -ERR_BAD_GATEWAY,
							 "sso refused the token it had just given")
					       : rc;
	cache_put(s->pw, &s->next_pw, key, s->cache_seconds, 0, s->resp.body.data);
	return 0;
}

/* "/api/groups/<group>[/<sub>/<name>]", escaped. */
static void group_path(buf_t *path, const char *group, const char *sub, const char *name)
{
	buf_addstr(path, "/api/groups");
	add_segment(path, group);
	if (sub) {
		buf_addf(path, "/%s", sub);
		add_segment(path, name);
	}
}

/* GET path (released here) that must answer 200 with a JSON object. */
static int get_object(sso_t *s, arena_t *arena, buf_t *path, const char *what,
		      json_object **out, err_t *err)
{
	struct call c = { .method = "GET", .path = path->data };
	int rc = call(s, &c, err);
	buf_release(path);
	if (rc)
		return rc;
	if (s->resp.status != 200)
		return refused(s, what, err);
	*out = parse_body(s, arena, json_type_object, err);
	return *out ? 0 : -ERR_BAD_GATEWAY;
}

int sso_user_get(sso_t *s, arena_t *arena, const char *user, sso_user_t **out, err_t *err)
{
	buf_t path = BUF_INIT;
	json_object *o;
	buf_addstr(&path, "/api/users");
	add_segment(&path, user);
	int rc = get_object(s, arena, &path, "user lookup", &o, err);
	return rc ? rc : user_from(arena, o, out, err);
}

int sso_member_role(sso_t *s, arena_t *arena, const char *group, const char *user,
		    const char **role, err_t *err)
{
	buf_t path = BUF_INIT;
	json_object *o, *r;
	group_path(&path, group, "members", user);
	int rc = get_object(s, arena, &path, "member lookup", &o, err);
	if (rc)
		return rc;
	const char *v = json_object_object_get_ex(o, "role", &r) ? json_object_get_string(r) : "";
	*role = *v ? arena_strdup(arena, v) : "normal";
	return 0;
}

int sso_group_get(sso_t *s, arena_t *arena, const char *group, json_object **out, err_t *err)
{
	buf_t path = BUF_INIT;
	group_path(&path, group, NULL, NULL);
	return get_object(s, arena, &path, "group lookup", out, err);
}

/* A group change: method on path with an optional JSON body; success when
 * the status is the expected one (or any 2xx when expect is 0). */
static int change(sso_t *s, const char *what, const char *method, buf_t *path,
		  json_object *body, const char *token, long expect, err_t *err)
{
	const char *json = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
	struct call c = { .method = method, .path = path->data, .token = token, .body = json,
			  .content_type = "application/json" };
	int rc = call(s, &c, err);
	json_object_put(body);
	buf_release(path);
	if (rc)
		return rc;
	long st = s->resp.status;
	if (expect ? st != expect : (st < 200 || st >= 300))
		return refused(s, what, err);
	return 0;
}

static json_object *role_body(const char *role)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "role", json_object_new_string(role));
	return o;
}

int sso_group_create(sso_t *s, const char *token, const char *group, const char *fullname,
		     err_t *err)
{
	buf_t path = BUF_INIT;
	buf_addstr(&path, "/api/groups");
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(group));
	json_object_object_add(o, "fullname", json_object_new_string(fullname));
	return change(s, "group create", "POST", &path, o, token, 0, err);
}

int sso_group_delete(sso_t *s, const char *token, const char *group, err_t *err)
{
	buf_t path = BUF_INIT;
	group_path(&path, group, NULL, NULL);
	return change(s, "group delete", "DELETE", &path, NULL, token, 0, err);
}

int sso_group_nest(sso_t *s, const char *token, const char *group, const char *member_group,
		   const char *role, err_t *err)
{
	buf_t path = BUF_INIT;
	group_path(&path, group, "group-members", member_group);
	return change(s, "group nesting", "PUT", &path, role_body(role), token, 0, err);
}

const char *sso_last_body(const sso_t *s)
{
	return s->resp.body.data ? s->resp.body.data : "";
}

int sso_member_put(sso_t *s, const char *token, const char *group, const char *user,
		   const char *role, err_t *err)
{
	buf_t path = BUF_INIT;
	group_path(&path, group, "members", user);
	return change(s, "member change", "PUT", &path, role_body(role), token, 0, err);
}

int sso_member_delete(sso_t *s, const char *token, const char *group, const char *user,
		      err_t *err)
{
	buf_t path = BUF_INIT;
	group_path(&path, group, "members", user);
	return change(s, "member removal", "DELETE", &path, NULL, token, 0, err);
}

int sso_exchange_code(sso_t *s, const char *redirect_uri, arena_t *arena, const char *code,
		      const char **access_token, long *expires_in, err_t *err)
{
	char *cid = curl_easy_escape(NULL, s->client_id, 0);
	char *sec = curl_easy_escape(NULL, s->client_secret, 0);
	char *cd = curl_easy_escape(NULL, code, 0);
	char *red = curl_easy_escape(NULL, redirect_uri, 0);
	buf_t form = BUF_INIT;
	/* The secret goes in the POST body, never in a URL (§9.3 #8). */
	buf_addf(&form, "client_id=%s&client_secret=%s&grant_type=authorization_code&code=%s"
			"&redirect_uri=%s", cid, sec, cd, red);
	curl_free(cid);
	curl_free(sec);
	curl_free(cd);
	curl_free(red);
	struct call c = { .method = "POST", .path = "/oauth2/token", .body = form.data,
			  .content_type = "application/x-www-form-urlencoded" };
	int rc = call(s, &c, err);
	buf_release(&form);
	if (rc)
		return rc;
	if (s->resp.status >= 500)
		return refused(s, "/oauth2/token", err);
	/* Success is a body with access_token, whatever the status (SSO
	 * reports errors as 200 with "error"). */
	json_object *o = arena_json(arena, json_tokener_parse(s->resp.body.data)), *t, *e;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "access_token", &t) ||
	    !json_object_is_type(t, json_type_string) || !*json_object_get_string(t))
		return err_set(err, -ERR_UNAUTHORIZED, "sso gave no token for the code");
	*access_token = arena_strdup(arena, json_object_get_string(t));
	*expires_in = json_object_object_get_ex(o, "expires_in", &e) ? json_object_get_int64(e) : 0;
	return 0;
}
