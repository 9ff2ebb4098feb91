/* The envelope answers of app/api; see answer.h. */
#include <stdarg.h>

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "console/router.h"
#include "console/xalloc.h"
#include "answer.h"
#include "console/banned.h"

static int envelope(request_t *req, response_t *res, int status, const char *key,
		    json_object *payload, const char *url, const char *fmt, va_list ap)
{
	buf_t msg = BUF_INIT;
	buf_vaddf(&msg, fmt, ap);
	if (!url)
		url = req->route && req->route->url ? req->route->url : http_self_url(req);
	http_envelope(res, status, key, payload, msg.data, url);
	buf_release(&msg);
	return HTTP_ANSWERED;
}

static const char *route_key(const request_t *req)
{
	return req->route ? req->route->key : "app";
}

api_text_t *api_text_of(json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o, HTTP_JSON_FLAGS, &len);
	api_text_t *t = xmalloc(sizeof(*t) + len + 1);
	t->refs = 1;
	t->len = len;
	memcpy(t->s, s, len + 1);
	return t;
}

void api_text_put(api_text_t *t)
{
	if (t && !--t->refs)
		free(t);
}

/* json-c's writer for a value rendered ahead: its text as it is. */
static int text_write(json_object *o, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags; /* always HTTP_JSON_FLAGS: only http_json writes these */
	const api_text_t *t = json_object_get_userdata(o);
	return printbuf_memappend(pb, t->s, (int)t->len);
}

static void text_release(json_object *o, void *userdata)
{
	(void)o;
	api_text_put(userdata);
}

json_object *api_text_value(api_text_t *t)
{
	/* a boolean: the smallest json-c value to hang the writer on */
	json_object *o = json_object_new_boolean(0);
	t->refs++;
	json_object_set_serializer(o, text_write, t, text_release);
	return o;
}

int api_answer(request_t *req, response_t *res, int status, json_object *payload,
	       const char *url, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	envelope(req, res, status, route_key(req), payload, url, fmt, ap);
	va_end(ap);
	return HTTP_ANSWERED;
}

int api_fail(request_t *req, response_t *res, int code, json_object *payload, const char *url,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	envelope(req, res, err_http_status(code), route_key(req), payload, url, fmt, ap);
	va_end(ap);
	return HTTP_ANSWERED;
}

int api_fail_key(request_t *req, response_t *res, const char *key, int code, const char *url,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	envelope(req, res, err_http_status(code), key, NULL, url, fmt, ap);
	va_end(ap);
	return HTTP_ANSWERED;
}

int api_answer_more(request_t *req, response_t *res, int status, const char *key,
		    json_object *payload, const char *more_key, json_object *more,
		    const char *url, const char *fmt, ...)
{
	buf_t msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!url)
		url = req->route && req->route->url ? req->route->url : http_self_url(req);
	json_object *env = json_object_new_object();
	json_object_object_add(env, key ? key : route_key(req), payload);
	if (more_key)
		json_object_object_add(env, more_key, more);
	else
		json_object_put(more);
	json_object_object_add(env, "msg", json_object_new_string(msg.data));
	json_object_object_add(env, "url", json_object_new_string(url));
	http_json(res, status, env);
	buf_release(&msg);
	return HTTP_ANSWERED;
}
