/*
 * tmpl — resource templates and resource instances (console-api.md §3.6).
 *
 * A resource app's lain.yaml may hold Jinja2-style templates in its scalar
 * values; a client that uses the resource gets an instance app named
 * resource.<resource>.<client> whose lain.yaml is the resource's rendered
 * with the client's context (use_resources.<resource> minus services).
 *
 * Only this subset is understood; anything else ({% %}, {# #}, other
 * filters, attribute access, ...) is an error naming the template:
 *     {{ var }}                 undefined variables render empty
 *     {{ x|default(<literal>) }} the literal when x is undefined ('d' too)
 *     {{ x|int }}, {{ x|int(<literal>) }}
 *                               Python int(): ints, truncated floats and
 *                               numeric strings; otherwise the default (0)
 * Literals: 'text', "text", integers, floats, true/false, none (any case
 * as Jinja accepts: True, False, None).
 *
 * Values keep their type (the original's defect §9.3 #20 is fixed): a
 * template that is exactly one {{ }} gives the value itself, so a context
 * false stays the boolean false and null stays null; a string result that
 * is an integer becomes an int (as the original did). A template mixing
 * text and {{ }} gives a string (an integer string becomes an int). Strings
 * without a template, and non-string values, are left unchanged.
 */
#ifndef CONSOLE_TMPL_H
#define CONSOLE_TMPL_H

#include <stddef.h>

#include "console/err.h"
#include "console/lainyaml.h"

struct json_object;

/* Renders one template string with ctx (a JSON object, may be NULL) into
 * *out, a new reference the caller puts (NULL for a null result). */
int tmpl_render_string(const char *tmpl, const struct json_object *ctx,
		       struct json_object **out, err_t *err);

/* Renders a resource's lain.yaml (any stored-meta style) for the instance
 * named instance_app: every string leaf rendered, map keys untouched, then
 * appname set to instance_app and apptype dropped (instance_app NULL: both
 * kept, to check the resource itself with the defaults). *out is the instance's
 * lain.yaml as JSON text (valid YAML; free() it); parse it with
 * lain_conf_parse() to validate it. */
int tmpl_render_instance(const char *yaml, size_t len, const struct json_object *ctx,
			 const char *instance_app, char **out, err_t *err);

/* Loads an app's lain.yaml the way a deploy does, so `render` and the API
 * share one path:
 *  - instance_app set ("resource.<res>.<client>"): renders yaml (the
 *    resource's) with ctx for that instance and parses the result; opts'
 *    default_image should be <registry>/<res>:release-<resource version>;
 *  - otherwise parses yaml; when that fails, a resource app whose templates
 *    only parse once rendered (num_instances: "{{ ... }}") is parsed as
 *    rendered with its defaults; anything else keeps the first error.
 * *out as lain_conf_parse() gives it. */
int tmpl_load_conf(const char *yaml, size_t len, const lain_parse_opts_t *opts,
		   const char *instance_app, const struct json_object *ctx,
		   lain_conf_t **out, err_t *err);

/* "resource.<resource>.<client>"; free() it. */
char *tmpl_instance_name(const char *resource, const char *client);

/* Splits "resource.<resource>.<client>" (both parts non-empty, the
 * resource without dots); 0 or -ERR_INVALID. *resource and *client are
 * new strings (free() them). */
int tmpl_instance_split(const char *appname, char **resource, char **client);

#endif
