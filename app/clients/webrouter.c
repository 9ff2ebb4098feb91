/* The ABTestingGateway admin API; see webrouter.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/webrouter.h"
#include "console/banned.h"

#define WEBROUTER_MS 3000
#define WEBROUTER_MAX_ANSWER (1u << 20)

webrouter_t *webrouter_new(const char *url)
{
	return httpc_new("webrouter", url, WEBROUTER_MS, WEBROUTER_MS);
}

void webrouter_free(webrouter_t *w)
{
	httpc_free(w);
}

int webrouter_call(webrouter_t *w, const char *action, const char *const *params,
		   const char *body, json_object **data, long *code, err_t *err)
{
	buf_t url = BUF_INIT;
	httpc_response_t r = HTTPC_RESPONSE_INIT;
	json_object *ans = NULL, *v;
	const char *base = httpc_base(w);
	if (data)
		*data = NULL;
	if (code)
		*code = 0;
	buf_addf(&url, "%s%caction=", base, strchr(base, '?') ? '&' : '?');
	buf_add_escaped(&url, action, NULL);
	for (size_t i = 0; params && params[i] && params[i + 1]; i += 2) {
		buf_addf(&url, "&%s=", params[i]);
		buf_add_escaped(&url, params[i + 1], NULL);
	}
	httpc_request_t req = { .method = "POST", .url = url.data, .body = body ? body : "",
				.body_len = body ? strlen(body) : 0,
				.max_body = WEBROUTER_MAX_ANSWER };
	int rc = httpc_perform(w, &req, &r, err);
	if (rc)
		goto out;
	ans = r.status == 200 ? json_tokener_parse(r.body.data) : NULL;
	if (!json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "code", &v)) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "webrouter answered %s with HTTP %ld: %.200s",
			     action, r.status, r.body.data);
		goto out;
	}
	long c = (long)json_object_get_int64(v);
	if (code)
		*code = c;
	if (c != 200) {
		const char *desc = json_object_object_get_ex(ans, "desc", &v) ? json_object_get_string(v)
									      : "";
		rc = err_set(err, -ERR_INVALID, "webrouter refused %s (%ld): %s", action, c, desc);
		goto out;
	}
	if (data && json_object_object_get_ex(ans, "data", &v))
		*data = json_object_get(v);
out:
	json_object_put(ans);
	httpc_response_release(&r);
	buf_release(&url);
	return rc;
}
