/* tmpl: the Jinja2 subset of resource templates, with typed results. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/buf.h"
#include "console/tmpl.h"
#include "console/xalloc.h"
#include "ynode.h"
#include "console/banned.h"

enum tv_type { TV_UNDEF, TV_NULL, TV_BOOL, TV_INT, TV_FLOAT, TV_STR };

typedef struct tval {
	enum tv_type t;
	bool b;
	int64_t i;
	double f;
	char *s;        /* TV_STR: owned */
} tval_t;

struct tparse {
	const char *tmpl;   /* whole template, for messages */
	const char *p;
	const struct json_object *ctx;
	err_t *err;
};

static void tval_clear(tval_t *v)
{
	if (v->t == TV_STR)
		free(v->s);
	memset(v, 0, sizeof(*v));
}

static int tfail(struct tparse *tp, const char *what)
{
	return err_set(tp->err, -ERR_INVALID, "template '%s': %s", tp->tmpl, what);
}

static void skip_ws(struct tparse *tp)
{
	while (*tp->p == ' ' || *tp->p == '\t' || *tp->p == '\n' || *tp->p == '\r')
		tp->p++;
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Python int() of a string: optional spaces and sign, decimal digits. */
static bool str_to_int(const char *s, int64_t *out)
{
	while (isspace((unsigned char)*s))
		s++;
	const char *b = s;
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	const char *e = s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s)
		return false;
	char tmp[32];
	if ((size_t)(e - b) >= sizeof(tmp))
		return false;
	memcpy(tmp, b, (size_t)(e - b));
	tmp[e - b] = '\0';
	errno = 0;
	long long v = strtoll(tmp, NULL, 10);
	if (errno)
		return false;
	*out = v;
	return true;
}

static bool str_to_float(const char *s, double *out)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	double d = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || errno)
		return false;
	*out = d;
	return true;
}

static int parse_literal(struct tparse *tp, tval_t *v)
{
	const char *p = tp->p;
	memset(v, 0, sizeof(*v));
	if (*p == '\'' || *p == '"') {
		char q = *p++;
		buf_t b = BUF_INIT;
		while (*p && *p != q) {
			if (*p == '\\' && p[1])
				p++;
			buf_addch(&b, *p++);
		}
		if (*p != q) {
			buf_release(&b);
			return tfail(tp, "unterminated string literal");
		}
		tp->p = p + 1;
		v->t = TV_STR;
		v->s = buf_detach(&b, NULL);
		return 0;
	}
	if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
		const char *s = p;
		if (*p == '-' || *p == '+')
			p++;
		while (isdigit((unsigned char)*p) || *p == '_')
			p++;
		bool is_float = false;
		if (*p == '.' && isdigit((unsigned char)p[1])) {
			is_float = true;
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		char tmp[64];
		size_t n = 0;
		for (const char *c = s; c < p && n + 1 < sizeof(tmp); c++)
			if (*c != '_')
				tmp[n++] = *c;
		tmp[n] = '\0';
		tp->p = p;
		if (is_float) {
			v->t = TV_FLOAT;
			v->f = strtod(tmp, NULL);
			return 0;
		}
		v->t = TV_INT;
		if (!str_to_int(tmp, &v->i))
			return tfail(tp, "integer literal out of range");
		return 0;
	}
	if (ident_start(*p)) {
		const char *s = p;
		while (ident_char(*p))
			p++;
		size_t n = (size_t)(p - s);
		if ((n == 4 && (!strncmp(s, "true", 4) || !strncmp(s, "True", 4)))) {
			v->t = TV_BOOL;
			v->b = true;
		} else if (n == 5 && (!strncmp(s, "false", 5) || !strncmp(s, "False", 5))) {
			v->t = TV_BOOL;
			v->b = false;
		} else if (n == 4 && (!strncmp(s, "none", 4) || !strncmp(s, "None", 4))) {
			v->t = TV_NULL;
		} else {
			return tfail(tp, "a filter argument must be a literal ('text', 2, true, none)");
		}
		tp->p = p;
		return 0;
	}
	return tfail(tp, "expected a literal");
}

static int lookup(struct tparse *tp, const char *name, tval_t *v)
{
	json_object *j;
	memset(v, 0, sizeof(*v));
	if (!tp->ctx || !json_object_object_get_ex(tp->ctx, name, &j)) {
		v->t = TV_UNDEF;
		return 0;
	}
	switch (json_object_get_type(j)) {
	case json_type_null: v->t = TV_NULL; return 0;
	case json_type_boolean: v->t = TV_BOOL; v->b = json_object_get_boolean(j); return 0;
	case json_type_int: v->t = TV_INT; v->i = json_object_get_int64(j); return 0;
	case json_type_double: v->t = TV_FLOAT; v->f = json_object_get_double(j); return 0;
	case json_type_string: v->t = TV_STR; v->s = xstrdup(json_object_get_string(j)); return 0;
	default:
		return err_set(tp->err, -ERR_INVALID,
			       "template '%s': context value '%s' must be a string, number, boolean or null",
			       tp->tmpl, name);
	}
}

/* Jinja's int filter: Python int(), then int(float()), else the default. */
static void filter_int(tval_t *v, const tval_t *dflt)
{
	int64_t i = 0;
	bool ok = false;
	switch (v->t) {
	case TV_INT: return;
	case TV_BOOL: i = v->b; ok = true; break;
	case TV_FLOAT:
		if (isfinite(v->f) && v->f > -9.2e18 && v->f < 9.2e18) {
			i = (int64_t)v->f;
			ok = true;
		}
		break;
	case TV_STR: {
		double d;
		if (str_to_int(v->s, &i))
			ok = true;
		else if (str_to_float(v->s, &d) && isfinite(d) && d > -9.2e18 && d < 9.2e18) {
			i = (int64_t)d;
			ok = true;
		}
		break;
	}
	default: break;
	}
	tval_clear(v);
	if (ok) {
		v->t = TV_INT;
		v->i = i;
	} else if (dflt) {
		*v = *dflt;
		if (v->t == TV_STR)
			v->s = xstrdup(dflt->s);
	} else {
		v->t = TV_INT;
		v->i = 0;
	}
}

/* Parses "<primary> (| filter)*" up to the closing braces. */
static int eval_expr(struct tparse *tp, tval_t *v)
{
	int rc;
	skip_ws(tp);
	memset(v, 0, sizeof(*v));
	if (ident_start(*tp->p)) {
		const char *s = tp->p;
		while (ident_char(*tp->p))
			tp->p++;
		size_t n = (size_t)(tp->p - s);
		char name[128];
		if (n >= sizeof(name))
			return tfail(tp, "variable name too long");
		memcpy(name, s, n);
		name[n] = '\0';
		if (!strcmp(name, "true") || !strcmp(name, "True") || !strcmp(name, "false") ||
		    !strcmp(name, "False") || !strcmp(name, "none") || !strcmp(name, "None")) {
			tp->p = s;
			if ((rc = parse_literal(tp, v)))
				return rc;
		} else if ((rc = lookup(tp, name, v))) {
			return rc;
		}
	} else if ((rc = parse_literal(tp, v))) {
		return rc;
	}
	for (;;) {
		skip_ws(tp);
		if (*tp->p != '|')
			break;
		tp->p++;
		skip_ws(tp);
		const char *s = tp->p;
		while (ident_char(*tp->p))
			tp->p++;
		size_t n = (size_t)(tp->p - s);
		bool is_default = (n == 7 && !strncmp(s, "default", 7)) || (n == 1 && *s == 'd');
		bool is_int = n == 3 && !strncmp(s, "int", 3);
		if (!is_default && !is_int) {
			tval_clear(v);
			return tfail(tp, "only the filters default(<literal>) and int are supported");
		}
		tval_t arg = { .t = TV_UNDEF };
		bool have_arg = false;
		skip_ws(tp);
		if (*tp->p == '(') {
			tp->p++;
			skip_ws(tp);
			if (*tp->p != ')') {
				if ((rc = parse_literal(tp, &arg))) {
					tval_clear(v);
					return rc;
				}
				have_arg = true;
				skip_ws(tp);
			}
			if (*tp->p != ')') {
				tval_clear(v);
				tval_clear(&arg);
				return tfail(tp, "a filter takes one literal argument");
			}
			tp->p++;
		}
		if (is_default) {
			if (v->t == TV_UNDEF) {
				if (have_arg) {
					*v = arg;
					arg.t = TV_UNDEF;
				} else {
					v->t = TV_STR;
					v->s = xstrdup("");
				}
			}
		} else {
			filter_int(v, have_arg ? &arg : NULL);
		}
		tval_clear(&arg);
	}
	skip_ws(tp);
	if (strncmp(tp->p, "}}", 2)) {
		tval_clear(v);
		return tfail(tp, "expected '}}' (only {{ var|default(<literal>)|int }} is supported)");
	}
	tp->p += 2;
	return 0;
}

static void tval_append(buf_t *b, const tval_t *v)
{
	switch (v->t) {
	case TV_UNDEF: break;
	case TV_NULL: buf_addstr(b, "None"); break;
	case TV_BOOL: buf_addstr(b, v->b ? "True" : "False"); break;
	case TV_INT: buf_addf(b, "%" PRId64, v->i); break;
	case TV_FLOAT: {
		ynode_t n = { .type = YN_FLOAT, .f = v->f };
		arena_t *a = arena_new();
		buf_addstr(b, ynode_str(a, &n));
		arena_free(a);
		break;
	}
	case TV_STR: buf_addstr(b, v->s); break;
	}
}

static json_object *string_result(const char *s)
{
	int64_t i;
	if (str_to_int(s, &i))
		return json_object_new_int64(i);
	return json_object_new_string(s);
}

int tmpl_render_string(const char *tmpl, const struct json_object *ctx, json_object **out,
		       err_t *err)
{
	struct tparse tp = { .tmpl = tmpl, .p = tmpl, .ctx = ctx, .err = err };
	buf_t b = BUF_INIT;
	tval_t single = { .t = TV_UNDEF };
	int parts = 0, exprs = 0, rc = 0;

	*out = NULL;
	if (!strstr(tmpl, "{{") && !strstr(tmpl, "{%") && !strstr(tmpl, "{#")) {
		*out = json_object_new_string(tmpl);
		return 0;
	}
	while (*tp.p) {
		const char *open = strchr(tp.p, '{');
		while (open && open[1] != '{' && open[1] != '%' && open[1] != '#')
			open = strchr(open + 1, '{');
		if (!open) {
			buf_addstr(&b, tp.p);
			parts++;
			break;
		}
		if (open > tp.p) {
			buf_add(&b, tp.p, (size_t)(open - tp.p));
			parts++;
		}
		if (open[1] != '{') {
			rc = tfail(&tp, "only {{ ... }} expressions are supported");
			goto cleanup;
		}
		tp.p = open + 2;
		if (*tp.p == '-' || *tp.p == '+') {
			rc = tfail(&tp, "whitespace control ({{- -}}) is not supported");
			goto cleanup;
		}
		tval_clear(&single);
		if ((rc = eval_expr(&tp, &single)))
			goto cleanup;
		tval_append(&b, &single);
		parts++;
		exprs++;
	}
	if (parts == 1 && exprs == 1) {
		switch (single.t) {
		case TV_UNDEF: *out = json_object_new_string(""); break;
		case TV_NULL: *out = NULL; break;
		case TV_BOOL: *out = json_object_new_boolean(single.b); break;
		case TV_INT: *out = json_object_new_int64(single.i); break;
		case TV_FLOAT: *out = json_object_new_double(single.f); break;
		case TV_STR: *out = string_result(single.s); break;
		}
	} else {
		*out = string_result(b.data);
	}
cleanup:
	tval_clear(&single);
	buf_release(&b);
	return rc;
}

/* Each string of the tree is a template, rendered against ctx. */
static int render_str(const ynode_t *n, void *ctx, json_object **out, err_t *err)
{
	if (tmpl_render_string(n->text, ctx, out, err))
		return err_wrap(err, "line %d", n->line);
	return 0;
}

int tmpl_render_instance(const char *yaml, size_t len, const struct json_object *ctx,
			 const char *instance_app, char **out, err_t *err)
{
	arena_t *a = arena_new();
	ynode_t *root;
	json_object *j = NULL;
	int rc;

	*out = NULL;
	if ((rc = ynode_load_map(a, yaml, len, "resource lain.yaml", &root, err)))
		goto cleanup;
	if ((rc = ynode_to_json_with(root, "template", render_str, (void *)ctx, &j, err))) {
		err_wrap(err, "rendering '%s'", instance_app ? instance_app : "resource");
		goto cleanup;
	}
	if (instance_app) {
		json_object_object_add(j, "appname", json_object_new_string(instance_app));
		json_object_object_del(j, "apptype");
	}
	*out = xstrdup(json_object_to_json_string_ext(
		j, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
cleanup:
	json_object_put(j);
	arena_free(a);
	return rc;
}

int tmpl_load_conf(const char *yaml, size_t len, const lain_parse_opts_t *opts,
		   const char *instance_app, const struct json_object *ctx,
		   lain_conf_t **out, err_t *err)
{
	char *rendered = NULL;
	int rc;
	*out = NULL;
	if (instance_app) {
		if (!(rc = tmpl_render_instance(yaml, len, ctx, instance_app, &rendered, err)))
			rc = lain_conf_parse(rendered, strlen(rendered), opts, out, err);
		free(rendered);
		return rc;
	}
	if (!(rc = lain_conf_parse(yaml, len, opts, out, err)))
		return 0;
	err_t first = *err, scratch = ERR_INIT;
	if (!tmpl_render_instance(yaml, len, NULL, NULL, &rendered, &scratch) &&
	    !lain_conf_parse(rendered, strlen(rendered), opts, out, &scratch) &&
	    !strcmp((*out)->apptype, "resource")) {
		free(rendered);
		err_clear(err);
		return 0;
	}
	lain_conf_free(*out);
	*out = NULL;
	free(rendered);
	*err = first;
	return rc;
}

char *tmpl_instance_name(const char *resource, const char *client)
{
	return xasprintf(LAIN_INSTANCE_PREFIX "%s.%s", resource, client);
}

int tmpl_instance_split(const char *appname, char **resource, char **client)
{
	size_t len = 0;
	const char *r = appname ? lain_instance_resource(appname, &len) : NULL;
	*resource = *client = NULL;
	if (!r || !len || r[len] != '.' || !r[len + 1])
		return -ERR_INVALID;
	*resource = xstrndup(r, len);
	*client = xstrdup(r + len + 1);
	return 0;
}
