/*
 * libFuzzer target: the registry token server's scopes (token_policy.h), as
 * the handler takes them: the query string of a token request, its `scope`
 * parameters URL-decoded (http_query_each), each parsed and merged by
 * token_scopes_add; then the grant for every kind of caller and the claims.
 * Besides crashes, leaks and sanitizer reports, these abort:
 *   - a merged repository whose name is not a registry name, or more of
 *     them than TOKEN_REPOS_MAX;
 *   - a grant with more than was wanted, or beyond pull and push;
 *   - a repository taken for an app's that has a '/' or '.'; anything for
 *     one that is no app's, or whose group the user is not in, to a user
 *     who is no admin;
 *   - claims that are not JSON, or whose "access" holds another type or
 *     action than repository pull/push.
 *
 *     make fuzz FUZZ_SECONDS=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/arena.h"
#include "console/http.h"
#include "console/token_policy.h"

struct parse {
	token_request_t *tr;
	arena_t *a;
	bool bad;
};

static int add(const char *value, void *data)
{
	struct parse *p = data;
	err_t err = ERR_INIT;
	if (token_scopes_add(p->tr, p->a, value, &err)) {
		if (err.code != -ERR_INVALID || !err.msg[0])
			abort();
		p->bad = true;
		return 1; /* the handler stops at the first malformed one: 400 */
	}
	return 0;
}

static void check_claims(const token_request_t *tr, const unsigned *granted)
{
	token_want_t grants[TOKEN_REPOS_MAX];
	for (size_t i = 0; i < tr->nrepos; i++)
		grants[i] = (token_want_t){ tr->repos[i].name, granted[i] };
	token_claims_t c = { .iss = "auth server", .sub = "fuzz", .aud = "lain.local",
			     .iat = 1700000000, .ttl = 1800, .jti = "j", .grants = grants,
			     .ngrants = tr->nrepos };
	json_object *o = token_claims_json(&c);
	json_object *back = json_tokener_parse(json_object_to_json_string(o));
	json_object *access;
	if (!back || !json_object_object_get_ex(back, "access", &access) ||
	    !json_object_is_type(access, json_type_array))
		abort();
	for (size_t i = 0; i < json_object_array_length(access); i++) {
		json_object *e = json_object_array_get_idx(access, i), *v, *acts;
		if (!json_object_object_get_ex(e, "type", &v) ||
		    strcmp(json_object_get_string(v), "repository") ||
		    !json_object_object_get_ex(e, "actions", &acts) || !json_object_array_length(acts))
			abort();
		for (size_t k = 0; k < json_object_array_length(acts); k++) {
			const char *act = json_object_get_string(json_object_array_get_idx(acts, k));
			if (strcmp(act, "pull") && strcmp(act, "push"))
				abort();
		}
	}
	json_object_put(back);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (16u << 10))
		return 0;
	arena_t *a = arena_new();
	char *query = arena_alloc(a, size + 1);
	memcpy(query, data, size);
	query[size] = '\0';
	request_t req;
	const char *env[] = { arena_printf(a, "QUERY_STRING=%s", query), NULL };
	http_request_init(&req, a, NULL, env);
	token_request_t tr = TOKEN_REQUEST_INIT;
	struct parse p = { &tr, a, false };
	http_query_each(&req, "scope", add, &p);
	if (tr.nrepos > TOKEN_REPOS_MAX)
		abort();
	static const token_caller_t callers[] = {
		{ TOKEN_CALLER_ANONYMOUS, false, false }, { TOKEN_CALLER_ANONYMOUS, false, true },
		{ TOKEN_CALLER_USER, false, false },      { TOKEN_CALLER_USER, true, false },
		{ TOKEN_CALLER_WHITELISTED, false, false },
	};
	unsigned granted[TOKEN_REPOS_MAX] = { 0 };
	for (size_t i = 0; i < tr.nrepos; i++) {
		const token_want_t *w = &tr.repos[i];
		if (!token_repo_name_valid(w->name) || (w->want & ~(unsigned)(TOKEN_PULL | TOKEN_PUSH)))
			abort();
		for (size_t c = 0; c < sizeof(callers) / sizeof(callers[0]); c++) {
			for (int member = 0; member < 2; member++) {
				unsigned g = token_policy_grant(&callers[c], w->name, w->want, member);
				if (g & ~w->want)
					abort();
				bool app = token_policy_app_repo(w->name);
				if (app && (strchr(w->name, '/') || strchr(w->name, '.')))
					abort();
				if (callers[c].kind == TOKEN_CALLER_USER && !callers[c].admin &&
				    (!app || !member) && g)
					abort();
				if (callers[c].kind == TOKEN_CALLER_ANONYMOUS && (g & TOKEN_PUSH))
					abort();
				granted[i] |= g;
			}
		}
	}
	check_claims(&tr, granted);
	/* The raw input as one parameter's value, not URL-decoded. */
	token_request_t raw = TOKEN_REQUEST_INIT;
	struct parse q = { &raw, a, false };
	add(query, &q);
	if (raw.nrepos > TOKEN_REPOS_MAX)
		abort();
	arena_free(a);
	return 0;
}
