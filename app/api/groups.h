/*
 * groups — the SSO group of an app (spec §5.4), made when it is registered
 * (repos.c) and when a resource instance is (instances.c). Internal to
 * app/api; only meaningful with auth on (req_user() and req->access_token
 * set).
 */
#ifndef CONSOLE_API_GROUPS_H
#define CONSOLE_API_GROUPS_H

#include <stdbool.h>

#include "console/cluster.h"
#include "console/http.h"

/* The SSO group of app name (cluster_app_group), in the request's arena. */
const char *groups_name(request_t *req, const cluster_t *cl, const char *name);

/* Another registered app whose SSO group is name's, or NULL in *other:
 * two such apps would share their maintainers (§9.3 #9). */
int groups_collision(request_t *req, const cluster_t *cl, const char *name, const char **other,
		     err_t *err);

/* Creates the group of app name with the caller's token (the caller becomes
 * its admin) and nests the LAIN admin group into it. A group that exists
 * already is taken over only when the caller is its admin and nobody else
 * is in it (the LAIN admin group aside): else -ERR_CONFLICT naming the
 * others (a group made in advance by someone who wants into the app).
 * *created tells whether the group was made here (what groups_undo
 * removes). */
int groups_create(request_t *req, const cluster_t *cl, const char *name, bool *created,
		  err_t *err);

/* Adds the direct members of app from's group, with their roles, to app
 * to's group; the caller (already to's admin) is left as is. */
int groups_copy_members(request_t *req, const cluster_t *cl, const char *from, const char *to,
			err_t *err);

/* Removes the group groups_create made (created true); a failure is logged. */
void groups_undo(request_t *req, const cluster_t *cl, const char *name, bool created);

/* After the members of app name's group changed at SSO through this
 * console: store_members_changed, so every worker's next list reads its
 * callers' groups again (a failure is logged: lists then lag for at most
 * the SSO cache time, as for changes made at SSO directly). */
void groups_changed(request_t *req, const char *name);

#endif
