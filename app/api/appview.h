/*
 * appview — what the API shows of apps: the App, Proc and Pod objects of
 * console-api.md §1.4, shared by the app endpoints (apps.c, deploy.c,
 * procs.c, instances.c). Internal to app/api. (Not to be confused with
 * `lain-console render`, cmd_render.c, which prints deployd specs.)
 *
 * One call renders any number of app records; every deployd status those
 * records need (a podgroup per proc, a depends per portal) goes out in ONE
 * deployd_fetch_many, so a listing costs about one deployd round trip.
 *
 * What is rendered:
 *   - a record without meta (or meta_version): the record's fields with
 *     metaversion "" and empty procs/portals;
 *   - otherwise its stored lain.yaml is parsed (tmpl_load_conf) and every
 *     non-portal proc becomes a Proc with the status of its podgroup, every
 *     portal a Proc with the pods of its depends (flattened over the client
 *     namespaces); a status deployd did not give (down, 404) leaves the
 *     static values and no pods;
 *   - a resource app (never deployed) renders its procs statically;
 *   - deployerror: the stored last_error, else the LastError of the last
 *     podgroup (spec order) that deployd answered;
 *   - useservices / useresources of the apps asked for: per use_services /
 *     use_resources entry, the portal procs used and the provider / the
 *     instance resource.<r>.<app> ({} when not deployed), rendered with
 *     only the used portals and the client's pods, no expansion of its own;
 *   - a resource app asked for gets "resourceinstances": its deployed
 *     instances.
 * Their deployd statuses go out in the same single fetch.
 */
#ifndef CONSOLE_API_APPVIEW_H
#define CONSOLE_API_APPVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "console/http.h"
#include "console/lainyaml.h"
#include "console/store.h"

struct json_object;

/* App objects of apps[0..n) (new references, in out[0..n)). Fails only
 * when the cluster facts cannot be read; deployd trouble is not a failure.
 * as_text: the objects are only written out (http_json), never looked
 * into, so a steady app's may be its text rendered earlier (the worker's
 * cache, appview.c). */
int appview_apps(request_t *req, const app_record_t *const *apps, size_t n, bool as_text,
		 struct json_object **out, err_t *err);

/* One App object (a new reference) or NULL with err set. */
struct json_object *appview_app(request_t *req, const app_record_t *app, err_t *err);

/* The Proc object of proc p of the app of the path (req_app) as its App
 * object shows it (a new reference; NULL when the App could not be
 * rendered). */
struct json_object *appview_proc(request_t *req, const lain_proc_t *p);

#endif
