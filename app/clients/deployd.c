#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/deployd.h"
#include "console/httpc.h"
#include "console/httpm.h"
#include "console/xalloc.h"
#include "console/banned.h"

deployd_t *deployd_new(const char *base_url, long timeout_ms, long connect_timeout_ms)
{
	return httpc_at("deployd", base_url, timeout_ms, connect_timeout_ms);
}

void deployd_free(deployd_t *d)
{
	httpc_free(d);
}

void deployd_result_release(deployd_result_t *res)
{
	json_object_put(res->json);
	free(res->message);
	*res = (deployd_result_t)DEPLOYD_RESULT_INIT;
}

int deployd_judge(long status, const char *body, size_t len, const char *what,
		  deployd_result_t *res, err_t *err)
{
	deployd_result_release(res);
	res->status = status;
	json_tokener *tok = json_tokener_new();
	json_object *obj = len ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	res->json = obj;

	json_object *m;
	if (obj && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "message", &m) && json_object_is_type(m, json_type_string))
		res->message = xstrdup(json_object_get_string(m));
	else if (obj && json_object_is_type(obj, json_type_string))
		res->message = xstrdup(json_object_get_string(obj));
	else {
		/* Plain text (the read-only 403) or a body without a message. */
		size_t l = len;
		while (l && (body[l - 1] == '\n' || body[l - 1] == '\r' || body[l - 1] == ' '))
			l--;
		res->message = status >= 400 ? xstrndup(body, l > 300 ? 300 : l) : xstrdup("");
	}
	if (status < 400)
		return 0;

	int code;
	switch (status) {
	case 400: code = -ERR_INVALID; break;
	case 404: code = -ERR_NOT_FOUND; break;
	case 405:
	case 409:
	case 423: code = -ERR_CONFLICT; break;
	default: code = -ERR_BAD_GATEWAY; break;
	}
	return err_set(err, code, "deployd refused to %s (%ld): %s", what, status,
		       *res->message ? res->message : "no message");
}

/* "deployd unavailable: <why> (while trying to <what>)": the dependency
 * stays first in the message. */
static void add_context(err_t *err, const char *what)
{
	if (!err)
		return;
	char msg[ERR_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s", err->msg);
	err_set(err, err->code, "%s (while trying to %s)", msg, what);
}

/* One call of deployd: what is sent, and what it is for in messages:
 * "<what> '<subject>'" ("create podgroup 'hello.web.web'"), or <what>
 * alone when there is no subject. */
struct call {
	const char *method;
	const char *path;          /* "/api/podgroups?name=" */
	const char *name;          /* appended to path, percent-encoded; NULL: none */
	const char *query;         /* appended after it; NULL: none */
	json_object *body;         /* sent as JSON; NULL: none */
	const char *what;
	const char *subject;
};

/* The call's what and subject as messages say them. */
static void describe(buf_t *out, const char *what, const char *subject)
{
	buf_addstr(out, what);
	if (subject)
		buf_addf(out, " '%s'", subject);
}

/* c made and judged into res. */
static int call(deployd_t *d, const struct call *c, deployd_result_t *res, err_t *err)
{
	buf_t url = BUF_INIT, what = BUF_INIT;
	httpc_response_t resp = HTTPC_RESPONSE_INIT;
	deployd_result_release(res);
	res->message = xstrdup("");
	httpc_url(d, &url, c->path, c->name);
	if (c->query)
		buf_addstr(&url, c->query);
	describe(&what, c->what, c->subject);
	const char *text = c->body ? json_object_to_json_string_ext(c->body, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE)
				   : NULL;
	httpc_request_t req = { .method = c->method, .url = url.data, .body = text,
				.body_len = text ? strlen(text) : 0 };
	int rc = httpc_perform(d, &req, &resp, err);
	if (rc)
		add_context(err, what.data);
	else
		rc = deployd_judge(resp.status, resp.body.data, resp.body.len, what.data, res, err);
	buf_release(&url);
	buf_release(&what);
	httpc_response_release(&resp);
	return rc;
}

int deployd_status(deployd_t *d, bool *started, err_t *err)
{
	deployd_result_t res = DEPLOYD_RESULT_INIT;
	struct call c = { .method = "GET", .path = "/api/status", .what = "report its status" };
	*started = false;
	int rc = call(d, &c, &res, err);
	json_object *s;
	if (!rc && res.status == 200 && res.json &&
	    json_object_object_get_ex(res.json, "status", &s) &&
	    json_object_is_type(s, json_type_string))
		*started = !strcmp(json_object_get_string(s), "started");
	deployd_result_release(&res);
	return rc == -ERR_UNAVAILABLE ? rc : 0;
}

int deployd_gate(deployd_t *d, err_t *err)
{
	bool started;
	int rc = deployd_status(d, &started, err);
	if (rc)
		return rc;
	if (!started)
		return err_set(err, -ERR_UNAVAILABLE,
			       "deployd is now in maintain state, please wait for a while");
	return 0;
}

static const char *spec_name(json_object *spec)
{
	json_object *n;
	if (spec && json_object_object_get_ex(spec, "Name", &n))
		return json_object_get_string(n);
	return "";
}

#define PODGROUPS "/api/podgroups?name="
#define DEPENDS "/api/depends?name="

int deployd_podgroup_create(deployd_t *d, json_object *spec, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "POST", .path = "/api/podgroups", .body = spec,
			  .what = "create podgroup", .subject = spec_name(spec) };
	return call(d, &c, res, err);
}

int deployd_podgroup_get(deployd_t *d, const char *name, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "GET", .path = PODGROUPS, .name = name,
			  .query = "&force_update=false", .what = "read podgroup", .subject = name };
	return call(d, &c, res, err);
}

int deployd_podgroup_delete(deployd_t *d, const char *name, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "DELETE", .path = PODGROUPS, .name = name,
			  .what = "remove podgroup", .subject = name };
	return call(d, &c, res, err);
}

int deployd_podgroup_replica(deployd_t *d, const char *name, long num_instances,
			     deployd_result_t *res, err_t *err)
{
	if (num_instances < 0)
		return err_set(err, -ERR_INVALID, "num_instances of '%s' must be 0 or more", name);
	char q[64];
	snprintf(q, sizeof(q), "&cmd=replica&num_instances=%ld", num_instances);
	struct call c = { .method = "PATCH", .path = PODGROUPS, .name = name, .query = q,
			  .what = "scale podgroup", .subject = name };
	return call(d, &c, res, err);
}

int deployd_podgroup_spec(deployd_t *d, const char *name, json_object *pod_spec,
			  deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "PATCH", .path = PODGROUPS, .name = name, .query = "&cmd=spec",
			  .body = pod_spec, .what = "update the spec of podgroup", .subject = name };
	return call(d, &c, res, err);
}

int deployd_podgroup_operate(deployd_t *d, const char *name, const char *optype, long instance,
			     deployd_result_t *res, err_t *err)
{
	if (!optype || (strcmp(optype, "start") && strcmp(optype, "stop") &&
			strcmp(optype, "restart")))
		return err_set(err, -ERR_INVALID,
			       "operation '%s' is unknown: use start, stop or restart",
			       optype ? optype : "");
	if (instance < 0)
		return err_set(err, -ERR_INVALID, "instance of '%s' must be 0 or more", name);
	char q[96], what[32];
	snprintf(q, sizeof(q), "&cmd=operation&optype=%s&instance=%ld", optype, instance);
	snprintf(what, sizeof(what), "%s podgroup", optype);
	struct call c = { .method = "PATCH", .path = PODGROUPS, .name = name, .query = q,
			  .what = what, .subject = name };
	return call(d, &c, res, err);
}

int deployd_depends_create(deployd_t *d, json_object *pod_spec, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "POST", .path = "/api/depends", .body = pod_spec,
			  .what = "create portal", .subject = spec_name(pod_spec) };
	return call(d, &c, res, err);
}

int deployd_depends_get(deployd_t *d, const char *name, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "GET", .path = DEPENDS, .name = name, .what = "read portal",
			  .subject = name };
	return call(d, &c, res, err);
}

int deployd_depends_update(deployd_t *d, json_object *pod_spec, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "PUT", .path = "/api/depends", .body = pod_spec,
			  .what = "update portal", .subject = spec_name(pod_spec) };
	return call(d, &c, res, err);
}

int deployd_depends_delete(deployd_t *d, const char *name, bool force, deployd_result_t *res,
			   err_t *err)
{
	struct call c = { .method = "DELETE", .path = DEPENDS, .name = name,
			  .query = force ? "&force=true" : NULL, .what = "remove portal",
			  .subject = name };
	return call(d, &c, res, err);
}

/* deployd answers an empty list as null (a Go nil slice). */
static void null_to_list(deployd_result_t *res)
{
	if (res->status == 200 && !res->json)
		res->json = json_object_new_array();
}

int deployd_ports_list(deployd_t *d, deployd_result_t *res, err_t *err)
{
	struct call c = { .method = "GET", .path = "/api/ports", .what = "list the stream ports" };
	int rc = call(d, &c, res, err);
	if (!rc)
		null_to_list(res);
	if (!rc && !json_object_is_type(res->json, json_type_array))
		rc = err_set(err, -ERR_BAD_GATEWAY, "deployd answered the stream ports with %s",
			     "something that is not a list");
	return rc;
}

int deployd_ports_validate(deployd_t *d, const long *ports, size_t n, deployd_result_t *res,
			   err_t *err)
{
	json_object *body = json_object_new_object();
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, json_object_new_int64(ports[i]));
	json_object_object_add(body, "Ports", list);
	struct call c = { .method = "POST", .path = "/api/ports?cmd=validate", .body = body,
			  .what = "accept the stream ports" };
	int rc = call(d, &c, res, err);
	json_object_put(body);
	return rc;
}

int deployd_history(deployd_t *d, const char *name, long instance, deployd_result_t *res,
		    err_t *err)
{
	char q[48];
	snprintf(q, sizeof(q), "&instance=%ld", instance);
	struct call c = { .method = "GET", .path = "/api/cntstatushistory?name=", .name = name,
			  .query = q, .what = "read the history of podgroup", .subject = name };
	int rc = call(d, &c, res, err);
	if (!rc)
		null_to_list(res);
	return rc;
}

int deployd_fetch_many(deployd_t *d, deployd_fetch_t *items, size_t n, err_t *err)
{
	if (!n)
		return 0;
	httpm_call_t *calls = xcalloc(n, sizeof(*calls));
	buf_t *urls = xcalloc(n, sizeof(*urls));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		deployd_result_release(&items[i].res);
		items[i].res.message = xstrdup("");
		items[i].rc = 0;
		err_clear(&items[i].err);
		free(items[i].body);
		items[i].body = NULL;
		items[i].body_len = 0;
		items[i].status = 0;
		buf_init(&urls[i], 0);
		bool pg = items[i].kind == DEPLOYD_PODGROUP;
		httpc_url(d, &urls[i], pg ? PODGROUPS : DEPENDS, items[i].name);
		if (pg)
			buf_addstr(&urls[i], "&force_update=false");
		calls[i].req.url = urls[i].data;
	}
	httpm_perform(d, calls, n);
	for (size_t i = 0; i < n; i++) {
		deployd_fetch_t *it = &items[i];
		if (calls[i].rc) {
			buf_t w = BUF_INIT;
			describe(&w, it->kind == DEPLOYD_PODGROUP ? "read podgroup" : "read portal",
				 it->name);
			it->rc = calls[i].rc;
			it->err = calls[i].err;
			add_context(&it->err, w.data);
			buf_release(&w);
			if (!rc) {
				rc = it->rc;
				if (err)
					*err = it->err;
			}
			continue;
		}
		deployd_fetch_judge(it, calls[i].resp.status, calls[i].resp.body.data,
				    calls[i].resp.body.len);
		if (it->keep_body) {
			it->status = calls[i].resp.status;
			it->body_len = calls[i].resp.body.len;
			it->body = xmalloc(it->body_len + 1);
			memcpy(it->body, calls[i].resp.body.data, it->body_len);
			it->body[it->body_len] = '\0';
		}
	}
	for (size_t i = 0; i < n; i++) {
		httpm_call_release(&calls[i]);
		buf_release(&urls[i]);
	}
	free(calls);
	free(urls);
	return rc;
}

void deployd_fetch_judge(deployd_fetch_t *it, long status, const char *body, size_t len)
{
	buf_t w = BUF_INIT;
	describe(&w, it->kind == DEPLOYD_PODGROUP ? "read podgroup" : "read portal", it->name);
	deployd_result_release(&it->res);
	err_clear(&it->err);
	it->rc = deployd_judge(status, body, len, w.data, &it->res, &it->err);
	buf_release(&w);
}

void deployd_fetch_release(deployd_fetch_t *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		deployd_result_release(&items[i].res);
		free(items[i].body);
		items[i].body = NULL;
	}
}
