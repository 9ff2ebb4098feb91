/* Deploy tokens: names, scopes, lifetimes; see robot.h. */
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/robot.h"
#include "console/secret.h"
#include "console/banned.h"

static const struct {
	const char *name;
	unsigned bit;
} scopes[] = {
	{ "pull", ROBOT_PULL },
	{ "push", ROBOT_PUSH },
	{ "read", ROBOT_READ },
	{ "deploy", ROBOT_DEPLOY },
};

unsigned robot_scope_bit(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++)
		if (!strcmp(scopes[i].name, name))
			return scopes[i].bit;
	return 0;
}

json_object *robot_scopes_json(unsigned bits)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++)
		if (bits & scopes[i].bit)
			json_object_array_add(a, json_object_new_string(scopes[i].name));
	return a;
}

int robot_scopes_parse(json_object *list, unsigned *bits, err_t *err)
{
	*bits = 0;
	if (!json_object_is_type(list, json_type_array) || !json_object_array_length(list))
		return err_set(err, -ERR_INVALID,
			       "scopes must be a non-empty list of pull, push, read, deploy");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);
		unsigned bit = json_object_is_type(s, json_type_string)
				       ? robot_scope_bit(json_object_get_string(s))
				       : 0;
		if (!bit) {
			*bits = 0;
			return err_set(err, -ERR_INVALID,
				       "scope %s is not one of pull, push, read, deploy",
				       json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
		}
		*bits |= bit;
	}
	return 0;
}

int robot_name_check(const char *name, err_t *err)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= ROBOT_NAME_MAX && name[0] != '-' && name[0] != '_';
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
	}
	if (!ok)
		return err_set(err, -ERR_INVALID,
			       "token name '%s' is invalid: 1 to %d of a-z, 0-9, '-' and '_', "
			       "starting with a letter or a digit",
			       name, ROBOT_NAME_MAX);
	return 0;
}

const char *robot_user(arena_t *arena, const char *app, const char *name)
{
	return arena_printf(arena, ROBOT_USER_PREFIX "%s:%s", app, name);
}

bool robot_user_parse(arena_t *arena, const char *user, const char **app, const char **name)
{
	size_t p = strlen(ROBOT_USER_PREFIX);
	if (!user || strncmp(user, ROBOT_USER_PREFIX, p))
		return false;
	const char *a = user + p, *colon = strchr(a, ':');
	if (!colon || colon == a || !colon[1] || strchr(colon + 1, ':'))
		return false;
	*app = arena_strndup(arena, a, (size_t)(colon - a));
	*name = arena_strdup(arena, colon + 1);
	return true;
}

bool robot_secret_form(const char *secret)
{
	return secret && secret_wellformed(secret, ROBOT_SECRET_PREFIX);
}

int robot_expiry(int64_t now, int64_t expires_in, long max_days, int64_t *expires, err_t *err)
{
	int64_t max = (int64_t)max_days * 86400;
	if (expires_in > max)
		return err_set(err, -ERR_INVALID,
			       "expires_in must be at most %" PRId64 " seconds (%ld days, "
			       "CONSOLE_DEPLOY_TOKEN_MAX_DAYS)",
			       max, max_days);
	*expires = now + (expires_in > 0 ? expires_in : max);
	return 0;
}
