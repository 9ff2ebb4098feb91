/*
 * commits — what an image push (E20) tells the webhooks when its body has
 * no commits: the commits between the deployed version and the pushed one,
 * from GitLab (console-api.md §7.1; §9.3 #28 fixed: the project must
 * exist, every page is read, any host is GitLab's when configured so).
 * Internal to app/api.
 */
#ifndef CONSOLE_API_COMMITS_H
#define CONSOLE_API_COMMITS_H

#include <stdbool.h>

#include "console/http.h"
#include "console/store.h"

struct json_object;

/*
 * The commits of app from its deployed meta_version (excluded) to next
 * (included), by their commit times, from the GitLab at CONSOLE_GITLAB_URL
 * when the app's giturl is on it (its host is CONSOLE_GITLAB_HOST, or the
 * URL's): *authors (unique committer e-mails) and *commits ([{"id": short
 * id, "message": "<committer name> [<message>]"}]), JSON arrays owned by the
 * request's arena, as lain-cli would have sent them. *looked is false, and
 * nothing else is set, when there is no GitLab to ask (none configured, or
 * the giturl is elsewhere). A failed lookup: -ERR_* with the reason.
 */
int commits_lookup(request_t *req, const app_record_t *app, const char *next, bool *looked,
		   struct json_object **authors, struct json_object **commits, err_t *err);

#endif
