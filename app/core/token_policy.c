/*
 * token_policy: scope parsing, the grant table and the claims of registry
 * tokens. The table and the grammar are documented in token_policy.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/appname.h"
#include "console/robot.h"
#include "console/token_policy.h"
#include "console/banned.h"

/* Longest scope entry looked at: type, a 255-character name, actions. */
#define ENTRY_MAX 512

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/* One path component: alnum+ ((sep) alnum+)*, sep = '.', '_', '__' or '-'+.
 * [s, end) is the component; false when it does not follow the grammar. */
static bool component_valid(const char *s, const char *end)
{
	if (s == end || !is_lower_alnum(*s))
		return false;
	while (s < end) {
		while (s < end && is_lower_alnum(*s))
			s++;
		if (s == end)
			return true;
		/* a separator, then alnum again */
		if (*s == '.') {
			s++;
		} else if (*s == '_') {
			s++;
			if (s < end && *s == '_')
				s++;
		} else if (*s == '-') {
			while (s < end && *s == '-')
				s++;
		} else {
			return false;
		}
		if (s == end || !is_lower_alnum(*s))
			return false;
	}
	return true;
}

bool token_repo_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (!len || len > TOKEN_NAME_MAX)
		return false;
	const char *p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		const char *end = slash ? slash : name + len;
		if (!component_valid(p, end))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

bool token_policy_app_repo(const char *name)
{
	return appname_check(name, NULL) == 0;
}

/* "repository" or "repository(plugin)": a word, optionally "(word)". */
static bool type_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_word(s[i]))
		i++;
	if (i == 0)
		return false;
	if (i == n)
		return true;
	if (s[i] != '(' || s[n - 1] != ')' || n - i < 3)
		return false;
	for (size_t j = i + 1; j < n - 1; j++)
		if (!is_word(s[j]))
			return false;
	return true;
}

/* Printable, no space: what a name of another type may hold. */
static bool other_name_valid(const char *s, size_t n)
{
	if (!n || n > TOKEN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

/* Parses the actions list [s, s+n): the TOKEN_* bits among them in *bits.
 * false when the list is malformed. */
static bool actions_parse(const char *s, size_t n, unsigned *bits)
{
	*bits = 0;
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && s[i] != ',') {
			if (!is_word(s[i]) && s[i] != '*')
				return false;
			i++;
		}
		size_t len = i - start;
		if (!len)
			return false;
		if (len == 4 && !memcmp(s + start, "pull", 4))
			*bits |= TOKEN_PULL;
		else if (len == 4 && !memcmp(s + start, "push", 4))
			*bits |= TOKEN_PUSH;
		if (i == n)
			return true;
		i++;   /* the ',' */
	}
}

/* One entry [s, s+n) into req. */
static int entry_add(token_request_t *req, arena_t *a, const char *s, size_t n, err_t *err)
{
	if (n > ENTRY_MAX)
		return err_set(err, -ERR_INVALID, "scope '%.64s...' is too long (at most %d characters)",
			       s, ENTRY_MAX);
	const char *first = memchr(s, ':', n);
	const char *last = NULL;
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ':') {
			last = s + i - 1;
			break;
		}
	if (!first || first == last)
		return err_set(err, -ERR_INVALID,
			       "scope '%.*s' is malformed: expected <type>:<name>:<actions>", (int)n, s);
	const char *name = first + 1;
	size_t tlen = (size_t)(first - s), nlen = (size_t)(last - name), alen = n - (size_t)(last + 1 - s);
	unsigned bits;
	if (!type_valid(s, tlen))
		return err_set(err, -ERR_INVALID, "scope '%.*s' is malformed: bad resource type",
			       (int)n, s);
	if (memchr(name, ':', nlen))
		return err_set(err, -ERR_INVALID,
			       "scope '%.*s' is malformed: a name cannot contain ':'", (int)n, s);
	if (!actions_parse(last + 1, alen, &bits))
		return err_set(err, -ERR_INVALID,
			       "scope '%.*s' is malformed: actions must be a comma-separated list "
			       "such as 'pull,push'", (int)n, s);
	req->nscopes++;
	bool repository = tlen == 10 && !memcmp(s, "repository", 10);
	char *nm = arena_strndup(a, name, nlen);
	if (!repository) {
		if (!other_name_valid(name, nlen))
			return err_set(err, -ERR_INVALID, "scope '%.*s' is malformed: bad name",
				       (int)n, s);
		req->ndropped++;
		return 0;
	}
	if (!token_repo_name_valid(nm))
		return err_set(err, -ERR_INVALID,
			       "scope '%.*s' is malformed: '%s' is not a repository name (lower-case "
			       "letters, digits, '.', '_', '-', components separated by '/')",
			       (int)n, s, nm);
	for (size_t i = 0; i < req->nrepos; i++)
		if (!strcmp(req->repos[i].name, nm)) {
			req->repos[i].want |= bits;
			return 0;
		}
	if (req->nrepos == TOKEN_REPOS_MAX)
		return err_set(err, -ERR_INVALID, "too many repositories in the scopes (at most %d)",
			       TOKEN_REPOS_MAX);
	req->repos[req->nrepos].name = nm;
	req->repos[req->nrepos].want = bits;
	req->nrepos++;
	return 0;
}

int token_scopes_add(token_request_t *req, arena_t *a, const char *scope, err_t *err)
{
	const char *p = scope ? scope : "";
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		int rc = entry_add(req, a, p, n, err);
		if (rc)
			return rc;
		p += n;
	}
	return 0;
}

unsigned token_policy_grant(const token_caller_t *caller, const char *name, unsigned want,
			    bool member)
{
	want &= TOKEN_PULL | TOKEN_PUSH;
	unsigned granted = 0;
	switch (caller->kind) {
	case TOKEN_CALLER_WHITELISTED:
		granted = want;
		break;
	case TOKEN_CALLER_USER:
		if (caller->admin || (member && token_policy_app_repo(name)))
			granted = want;
		break;
	case TOKEN_CALLER_ROBOT:
		if (caller->robot_app && !strcmp(name, caller->robot_app)) {
			if (caller->robot_scopes & (ROBOT_PULL | ROBOT_PUSH))
				granted |= want & TOKEN_PULL;
			if (caller->robot_scopes & ROBOT_PUSH)
				granted |= want & TOKEN_PUSH;
		}
		break;
	case TOKEN_CALLER_ANONYMOUS:
		break;
	}
	if (caller->anonymous_pull)
		granted |= want & TOKEN_PULL;
	return granted;
}

json_object *token_claims_json(const token_claims_t *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "iss", json_object_new_string(c->iss ? c->iss : ""));
	json_object_object_add(o, "sub", json_object_new_string(c->sub ? c->sub : ""));
	json_object_object_add(o, "aud", json_object_new_string(c->aud ? c->aud : ""));
	json_object_object_add(o, "exp", json_object_new_int64(c->iat + c->ttl));
	json_object_object_add(o, "nbf", json_object_new_int64(c->iat - 1));
	json_object_object_add(o, "iat", json_object_new_int64(c->iat));
	json_object_object_add(o, "jti", json_object_new_string(c->jti ? c->jti : ""));
	json_object *access = json_object_new_array();
	for (size_t i = 0; i < c->ngrants; i++) {
		unsigned g = c->grants[i].want & (TOKEN_PULL | TOKEN_PUSH);
		if (!g)
			continue;
		json_object *e = json_object_new_object(), *actions = json_object_new_array();
		json_object_object_add(e, "type", json_object_new_string("repository"));
		json_object_object_add(e, "name", json_object_new_string(c->grants[i].name));
		if (g & TOKEN_PULL)
			json_object_array_add(actions, json_object_new_string("pull"));
		if (g & TOKEN_PUSH)
			json_object_array_add(actions, json_object_new_string("push"));
		json_object_object_add(e, "actions", actions);
		json_object_array_add(access, e);
	}
	json_object_object_add(o, "access", access);
	return o;
}

void token_time_rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 32, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
