#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "console/httpc.h"
#include "console/strx.h"
#include "curl_common.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define HTTPC_DEFAULT_MAX_BODY (8u << 20)

void httpc_target_init(struct httpc_target *t, const char *dep, const char *base,
		       long timeout_ms, long connect_timeout_ms)
{
	t->dep = xstrdup(dep);
	t->metric = metrics_dep_of(dep);
	t->base = xstrdup(base ? base : "");
	t->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 2000;
}

void httpc_target_release(struct httpc_target *t)
{
	free(t->dep);
	free(t->base);
	t->dep = t->base = NULL;
}

size_t httpc_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_sink *s = userdata;
	size_t n = size * nmemb;
	if (buf_add(s->body, ptr, n)) {
		s->too_big = 1;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return n;
}

/* CURLOPT_PREREQFUNCTION: the connection is there, nothing is sent yet. */
static int prereq(void *data, char *ip, char *local_ip, int port, int local_port)
{
	struct httpc_sink *s = data;
	(void)local_ip;
	(void)port;
	(void)local_port;
	if (s->req->allow_addr(ip ? ip : "", s->req->allow_data))
		return CURL_PREREQFUNC_OK;
	snprintf(s->refused, sizeof(s->refused), "%s", ip ? ip : "");
	return CURL_PREREQFUNC_ABORT;
}

struct curl_slist *httpc_prepare(CURL *h, const httpc_request_t *req,
				 const struct httpc_target *t, char *errbuf,
				 struct httpc_sink *sink)
{
	struct curl_slist *headers = NULL;
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : t->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms ? req->connect_timeout_ms : t->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, httpc_sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	sink->req = req;
	sink->refused[0] = '\0';
	if (req->allow_addr) {
		curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, prereq);
		curl_easy_setopt(h, CURLOPT_PREREQDATA, sink);
	}
	if (req->method && strcmp(req->method, "GET"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->method && !strcmp(req->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		char ct[256];
		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 req->content_type ? req->content_type : "application/json");
		headers = curl_slist_append(headers, ct);
	}
	/* No "Expect: 100-continue" round trip before larger bodies. */
	headers = curl_slist_append(headers, "Expect:");
	for (const char *const *hp = req->headers; hp && *hp; hp++)
		headers = curl_slist_append(headers, *hp);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	return headers;
}

int httpc_outcome(CURL *h, const struct httpc_target *t, CURLcode cc,
		  const struct httpc_sink *sink, const char *errbuf, long *status, err_t *err)
{
	curl_off_t us = 0;
	long answered = 0;
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us);
	if (cc == CURLE_OK && !sink->too_big)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answered);
	metrics_dep_call(t->metric, answered, (long)us);
	if (sink->too_big)
		return err_set(err, -ERR_BAD_GATEWAY, "%s answered more than %zu bytes", t->dep,
			       sink->body->max);
	if (sink->refused[0])
		return err_set(err, -ERR_FORBIDDEN, "%s: the address %s is not allowed", t->dep,
			       sink->refused);
	if (cc != CURLE_OK)
		return err_set(err, -ERR_UNAVAILABLE, "%s unavailable: %s", t->dep,
			       errbuf[0] ? errbuf : curl_easy_strerror(cc));
	*status = answered;
	return 0;
}

httpc_t *httpc_new(const char *dep, const char *base, long timeout_ms, long connect_timeout_ms)
{
	httpc_t *c = xcalloc(1, sizeof(*c));
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	httpc_target_init(&c->target, dep, base, timeout_ms, connect_timeout_ms);
	return c;
}

httpc_t *httpc_at(const char *dep, const char *url, long timeout_ms, long connect_timeout_ms)
{
	char *base = strx_base_url(url);
	httpc_t *c = httpc_new(dep, base, timeout_ms, connect_timeout_ms);
	free(base);
	return c;
}

const char *httpc_base(const httpc_t *c)
{
	return c->target.base;
}

void httpc_url(const httpc_t *c, buf_t *url, const char *path, const char *name)
{
	buf_addstr(url, c->target.base);
	buf_addstr(url, path);
	if (name)
		buf_add_escaped(url, name, NULL);
}

void httpc_free(httpc_t *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	httpc_target_release(&c->target);
	free(c);
}

void httpc_response_release(httpc_response_t *resp)
{
	buf_release(&resp->body);
	buf_release(&resp->location);
	resp->status = 0;
}

int httpc_perform(httpc_t *c, const httpc_request_t *req, httpc_response_t *resp, err_t *err)
{
	CURL *h = c->curl;
	struct httpc_sink sink = { .body = &resp->body };

	buf_release(&resp->body);
	buf_init(&resp->body, req->max_body ? req->max_body : HTTPC_DEFAULT_MAX_BODY);
	buf_release(&resp->location);
	resp->status = 0;
	resp->unsent = 0;

	/* Reset keeps the connection cache: the next call to the same host
	 * reuses the open connection. */
	curl_easy_reset(h);
	struct curl_slist *headers =
		httpc_prepare(h, req, &c->target, c->errbuf, &sink);
	CURLcode cc = curl_easy_perform(h);
	resp->unsent = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST;
	int rc = httpc_outcome(h, &c->target, cc, &sink, c->errbuf, &resp->status, err);
	if (!rc) {
		char *location = NULL;
		if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
			buf_addstr(&resp->location, location);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return rc;
}
