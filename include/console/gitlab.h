/*
 * gitlab — the two GitLab API v4 calls of an image push whose notification
 * carries no commits (console-api.md §7.1, E20; §9.3 #28 fixed): the
 * project by its path, then its commits in a time window, every page.
 *
 * A client is made with GitLab's base URL ("https://gitlab.example.com"),
 * its private token (sent as PRIVATE-TOKEN; none: public projects only)
 * and a time budget for one lookup as a whole: each call gets what is left
 * of it, so a slow GitLab costs the push at most that long. GitLab
 * unreachable or too slow: -ERR_UNAVAILABLE "gitlab unavailable: ...";
 * a token it refuses or an answer that is not what v4 answers:
 * -ERR_BAD_GATEWAY. Results live in the caller's arena.
 */
#ifndef CONSOLE_GITLAB_H
#define CONSOLE_GITLAB_H

#include <stdbool.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

struct json_object;

typedef struct gitlab gitlab_t;

/* Pages of 100 commits read at most: a window with more is cut there. */
#define GITLAB_MAX_PAGES 50

/* A client; never NULL. token may be NULL or "". */
gitlab_t *gitlab_new(const char *base, const char *token, long budget_ms,
		     long connect_timeout_ms);
void gitlab_free(gitlab_t *g);

/* The commits of project (its path, "team/hello" or "group/sub/app")
 * committed from since to until (Unix seconds, both included, as git log
 * and GitLab count them), newest first: GitLab's commit objects in
 * *commits (a JSON array owned by arena), every page up to
 * GITLAB_MAX_PAGES (*cut tells whether there were more). -ERR_NOT_FOUND
 * "gitlab has no project '<p>' (or the token may not see it)". */
int gitlab_commits(gitlab_t *g, arena_t *arena, const char *project, int64_t since,
		   int64_t until, struct json_object **commits, bool *cut, err_t *err);

#endif
