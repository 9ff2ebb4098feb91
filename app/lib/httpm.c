#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "console/httpc.h"
#include "console/httpm.h"
#include "curl_common.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define HTTPM_DEFAULT_MAX_BODY (8u << 20)

/* Per call while a batch runs. */
struct slot {
	CURL *h;
	struct curl_slist *headers;
	httpm_call_t *call;
	struct httpc_sink sink;
	char errbuf[CURL_ERROR_SIZE];
};

/* Keeps the headers the caller asked for; a later line of the same name
 * (e.g. after a 100 Continue or a redirect) replaces an earlier one. */
static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
	struct slot *s = userdata;
	size_t n = size * nitems;
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return n;
	size_t name_len = (size_t)(colon - line);
	for (int i = 0; i < HTTPM_MAX_HEADERS; i++) {
		const char *want = s->call->want[i];
		if (!want || strlen(want) != name_len || strncasecmp(want, line, name_len))
			continue;
		const char *v = colon + 1, *end = line + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		free(s->call->header[i]);
		s->call->header[i] = xstrndup(v, (size_t)(end - v));
	}
	return n;
}

/* c's multi handle, made on first use: NULL only when libcurl cannot. */
static CURLM *multi_of(httpc_t *c)
{
	if (!c->multi && (c->multi = curl_multi_init()))
		/* A burst of calls to one host opens at most this many
		 * connections; the rest wait for one of them (and reuse it). */
		curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)HTTPM_MAX_PER_HOST);
	return c->multi;
}

void httpm_call_release(httpm_call_t *call)
{
	httpc_response_release(&call->resp);
	for (int i = 0; i < HTTPM_MAX_HEADERS; i++) {
		free(call->header[i]);
		call->header[i] = NULL;
	}
	call->rc = 0;
	err_clear(&call->err);
}

static void slot_setup(httpc_t *m, struct slot *s, httpm_call_t *call)
{
	const httpc_request_t *req = &call->req;
	httpm_call_release(call);
	buf_init(&call->resp.body, req->max_body ? req->max_body : HTTPM_DEFAULT_MAX_BODY);
	s->call = call;
	s->h = curl_easy_init();
	if (!s->h)
		return;
	s->sink.body = &call->resp.body;
	s->headers = httpc_prepare(s->h, req, &m->target, s->errbuf, &s->sink);
	curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
}

static void slot_finish(httpc_t *m, struct slot *s, CURLcode cc)
{
	httpm_call_t *call = s->call;
	call->rc = httpc_outcome(s->h, &m->target, cc, &s->sink, s->errbuf, &call->resp.status,
				 &call->err);
}

size_t httpm_perform(httpc_t *m, httpm_call_t *calls, size_t n)
{
	struct slot *slots = xcalloc(n ? n : 1, sizeof(*slots));
	size_t failed = 0, running_total = 0;
	CURLM *multi = multi_of(m);

	for (size_t i = 0; i < n; i++) {
		slot_setup(m, &slots[i], &calls[i]);
		if (!multi || !slots[i].h || curl_multi_add_handle(multi, slots[i].h) != CURLM_OK) {
			calls[i].rc = err_set(&calls[i].err, -ERR_INTERNAL,
					      "%s: cannot start a call (libcurl)", m->target.dep);
			curl_easy_cleanup(slots[i].h);
			slots[i].h = NULL;
			continue;
		}
		running_total++;
	}

	int running = 1;
	while (running_total && running) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			if (s)
				slot_finish(m, s, msg->data.result);
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (slots[i].h) {
			/* A call the loop never saw finish (multi failure): say so. */
			if (!calls[i].rc && !calls[i].resp.status)
				calls[i].rc = err_set(&calls[i].err, -ERR_UNAVAILABLE,
						      "%s unavailable: the call did not complete",
						      m->target.dep);
			curl_multi_remove_handle(multi, slots[i].h);
			curl_easy_cleanup(slots[i].h);
		}
		curl_slist_free_all(slots[i].headers);
		if (calls[i].rc)
			failed++;
	}
	free(slots);
	return failed;
}
