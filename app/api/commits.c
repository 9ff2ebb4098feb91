/* The commits of an image push, from GitLab; see commits.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "console/log.h"
#include "commits.h"
#include "peers.h"
#include "console/banned.h"

/* "http(s)://host[:port]/rest" -> host[:port] and rest (arena); false when
 * url is not that. */
static bool split_url(arena_t *a, const char *url, const char **host, const char **rest)
{
	const char *s = strstr(url, "://");
	if (!s)
		return false;
	s += 3;
	size_t n = strcspn(s, "/?#");
	if (!n)
		return false;
	*host = arena_strndup(a, s, n);
	*rest = s + n;
	return true;
}

/* The project path of a giturl's rest ("/team/hello/" -> "team/hello"):
 * two or more segments of [A-Za-z0-9_.-], else NULL. */
static const char *project_of(arena_t *a, const char *rest)
{
	while (*rest == '/')
		rest++;
	size_t n = strcspn(rest, "?#");
	while (n && rest[n - 1] == '/')
		n--;
	const char *p = arena_strndup(a, rest, n);
	size_t segments = *p ? 1 : 0;
	for (const char *c = p; *c; c++) {
		if (*c == '/') {
			if (c[1] == '/' || !c[1])
				return NULL;
			segments++;
		} else if (!isalnum((unsigned char)*c) && !strchr("_.-", *c)) {
			return NULL;
		}
	}
	return segments >= 2 && p[0] != '.' ? p : NULL;
}

/* The commit time of a meta version "<unix time>-<sha>", 0 when none. */
static int64_t version_time(const char *v)
{
	char *end = NULL;
	long long t = strtoll(v, &end, 10);
	return end && end != v && *end == '-' && t > 0 ? (int64_t)t : 0;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

/* text without leading and trailing white space, in arena. */
static const char *stripped(arena_t *a, const char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	return arena_strndup(a, text, n);
}

int commits_lookup(request_t *req, const app_record_t *app, const char *next, bool *looked,
		   json_object **authors, json_object **commits, err_t *err)
{
	const config_t *cfg = req->ctx->cfg;
	gitlab_t *gl = peers_gitlab(req->ctx);
	const char *host, *rest, *gl_host = cfg->gitlab_host, *gl_rest;
	*looked = false;
	if (!gl || !split_url(req->arena, app->giturl, &host, &rest))
		return 0;
	if (!*gl_host && !split_url(req->arena, cfg->gitlab_url, &gl_host, &gl_rest))
		gl_host = cfg->gitlab_url;
	if (strcasecmp(host, gl_host))
		return 0;
	*looked = true;
	const char *project = project_of(req->arena, rest);
	if (!project)
		return err_set(err, -ERR_INVALID, "giturl '%s' names no GitLab project", app->giturl);
	int64_t since = version_time(app->meta_version), until = version_time(next);
	if (!since || !until)
		return err_set(err, -ERR_INVALID, "app %s has no deployed version to compare with",
			       app->appname);
	json_object *list = NULL;
	bool cut = false;
	/* The deployed commit itself is not news: from the second after it. */
	int rc = gitlab_commits(gl, req->arena, project, since + 1, until, &list, &cut, err);
	if (rc)
		return rc;
	if (cut)
		http_log(req, LOG_WARN, "image push of %s: more than %d pages of commits in %s; the "
			 "webhooks get the newest", app->appname, GITLAB_MAX_PAGES, project);
	*authors = arena_json(req->arena, json_object_new_array());
	*commits = arena_json(req->arena, json_object_new_array());
	json_object *seen = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i), *one = json_object_new_object();
		const char *email = str_of(c, "committer_email");
		if (*email && !json_object_object_get_ex(seen, email, NULL)) {
			json_object_object_add(seen, email, NULL);
			json_object_array_add(*authors, json_object_new_string(email));
		}
		json_object_object_add(one, "id", json_object_new_string(str_of(c, "short_id")));
		json_object_object_add(
			one, "message",
			json_object_new_string(arena_printf(req->arena, "%s [%s]",
							    str_of(c, "committer_name"),
							    stripped(req->arena, str_of(c, "message")))));
		json_object_array_add(*commits, one);
	}
	json_object_put(seen);
	return 0;
}
