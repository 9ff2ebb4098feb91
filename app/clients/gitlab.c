/* GitLab's project and commit calls; see gitlab.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/clock.h"
#include "console/gitlab.h"
#include "console/httpc.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define PER_PAGE 100
#define GITLAB_MAX_ANSWER (8u << 20)

struct gitlab {
	httpc_t *http;
	char *token;
	long budget_ms;
};

gitlab_t *gitlab_new(const char *base, const char *token, long budget_ms, long connect_timeout_ms)
{
	gitlab_t *g = xcalloc(1, sizeof(*g));
	g->http = httpc_at("gitlab", base, budget_ms, connect_timeout_ms);
	g->token = xstrdup(token ? token : "");
	g->budget_ms = budget_ms > 0 ? budget_ms : 10000;
	return g;
}

void gitlab_free(gitlab_t *g)
{
	if (!g)
		return;
	httpc_free(g->http);
	free(g->token);
	free(g);
}

/* GET path (under the base) within what is left of the budget until
 * deadline; the answer, parsed, in *out (arena's), for a 200. */
static int get(gitlab_t *g, arena_t *arena, const char *path, long deadline, long *status,
	       json_object **out, err_t *err)
{
	long left = deadline - clock_mono_ms();
	if (left <= 0)
		return err_set(err, -ERR_UNAVAILABLE, "gitlab unavailable: no answer within %ld ms",
			       g->budget_ms);
	buf_t url = BUF_INIT, auth = BUF_INIT;
	httpc_url(g->http, &url, path, NULL);
	buf_addf(&auth, "PRIVATE-TOKEN: %s", g->token);
	const char *headers[] = { "Accept: application/json", *g->token ? auth.data : NULL, NULL };
	httpc_request_t req = { .url = url.data, .headers = headers, .timeout_ms = left,
				.max_body = GITLAB_MAX_ANSWER };
	httpc_response_t r = HTTPC_RESPONSE_INIT;
	int rc = httpc_perform(g->http, &req, &r, err);
	buf_release(&url);
	buf_release(&auth);
	*out = NULL;
	if (!rc) {
		*status = r.status;
		if (r.status == 200 &&
		    !(*out = arena_json(arena, json_tokener_parse(r.body.data))))
			rc = err_set(err, -ERR_BAD_GATEWAY, "gitlab answered %s with no JSON", path);
		else if (r.status == 401 || r.status == 403)
			rc = err_set(err, -ERR_BAD_GATEWAY,
				     "gitlab refused the token (GITLAB_TOKEN): HTTP %ld", r.status);
		else if (r.status >= 500)
			rc = err_set(err, -ERR_UNAVAILABLE, "gitlab unavailable: %s answered HTTP %ld",
				     path, r.status);
		else if (r.status != 200 && r.status != 404)
			rc = err_set(err, -ERR_BAD_GATEWAY, "gitlab answered %s with HTTP %ld: %.200s",
				     path, r.status, r.body.data);
	}
	httpc_response_release(&r);
	return rc;
}

static void iso8601(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int gitlab_commits(gitlab_t *g, arena_t *arena, const char *project, int64_t since,
		   int64_t until, json_object **commits, bool *cut, err_t *err)
{
	long deadline = clock_mono_ms() + g->budget_ms, status = 0;
	json_object *o = NULL, *id;
	*commits = arena_json(arena, json_object_new_array());
	*cut = false;
	/* The project's id by its path, encoded as one segment. */
	buf_t path = BUF_INIT;
	buf_addstr(&path, "/api/v4/projects/");
	buf_add_escaped(&path, project, NULL);
	int rc = get(g, arena, path.data, deadline, &status, &o, err);
	buf_release(&path);
	if (rc)
		return rc;
	/* A project that is not there is a 404 (the original went on with
	 * the error body as the project: §9.3 #28). */
	if (status == 404)
		return err_set(err, -ERR_NOT_FOUND,
			       "gitlab has no project '%s' (or the token may not see it)", project);
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "id", &id) ||
	    !json_object_is_type(id, json_type_int))
		return err_set(err, -ERR_BAD_GATEWAY, "gitlab answered project '%s' without an id",
			       project);
	int64_t pid = json_object_get_int64(id);
	char from[32], to[32];
	iso8601(since, from);
	iso8601(until, to);
	/* Every page, until one comes back short. */
	for (int page = 1;; page++) {
		if (page > GITLAB_MAX_PAGES) {
			*cut = true;
			break;
		}
		char p[256];
		snprintf(p, sizeof(p),
			 "/api/v4/projects/%" PRId64 "/repository/commits?since=%s&until=%s"
			 "&per_page=%d&page=%d",
			 pid, from, to, PER_PAGE, page);
		if ((rc = get(g, arena, p, deadline, &status, &o, err)))
			return rc;
		if (status == 404)
			return err_set(err, -ERR_NOT_FOUND,
				       "gitlab has no project '%s' (or the token may not see it)",
				       project);
		if (!json_object_is_type(o, json_type_array))
			return err_set(err, -ERR_BAD_GATEWAY,
				       "gitlab answered the commits of '%s' with no list", project);
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(*commits, json_object_get(json_object_array_get_idx(o, i)));
		if (n < PER_PAGE)
			break;
	}
	return 0;
}
