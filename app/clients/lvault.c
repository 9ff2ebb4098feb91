/* lvault's secrets API; see lvault.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/httpc.h"
#include "console/lvault.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define LVAULT_CONNECT_MS 3000
#define LVAULT_TOTAL_MS 20000
#define LVAULT_MAX_ANSWER (4u << 20)

lvault_t *lvault_new(const char *url)
{
	return httpc_new("lvault", url, LVAULT_TOTAL_MS, LVAULT_CONNECT_MS);
}

void lvault_free(lvault_t *lv)
{
	httpc_free(lv);
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v)
		: NULL;
}

int lvault_secrets(lvault_t *lv, arena_t *arena, const char *token, const char *app,
		   const char *proc, lvault_secret_t **out, size_t *n, err_t *err)
{
	int rc;
	*out = NULL;
	*n = 0;
	buf_t url = BUF_INIT, auth = BUF_INIT;
	httpc_response_t r = HTTPC_RESPONSE_INIT;
	json_object *list = NULL;
	const char *base = httpc_base(lv);
	buf_addf(&url, "%s%capp=", base, strchr(base, '?') ? '&' : '?');
	buf_add_escaped(&url, app, NULL);
	buf_addstr(&url, "&proc=");
	buf_add_escaped(&url, proc, NULL);
	/* lvault refuses a request without the header: without a token (auth
	 * off) it gets what lain-cli sends then, "unknown". */
	buf_addf(&auth, "access-token: %s", token && *token ? token : "unknown");
	const char *headers[2] = { auth.data, NULL };
	httpc_request_t req = { .url = url.data, .headers = headers, .max_body = LVAULT_MAX_ANSWER };
	if ((rc = httpc_perform(lv, &req, &r, err)) || r.status == 404)
		goto cleanup;
	if (r.status != 200) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "lvault answered %ld for the secrets of %s: %.200s",
			     r.status, proc, r.body.data ? r.body.data : "");
		goto cleanup;
	}
	list = json_tokener_parse(r.body.data ? r.body.data : "");
	if (!json_object_is_type(list, json_type_array)) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "lvault's secrets of %s are not a JSON list", proc);
		goto cleanup;
	}
	size_t len = json_object_array_length(list);
	*out = arena_alloc(arena, (len ? len : 1) * sizeof(**out));
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(list, i), *v;
		const char *path = str(s, "path"), *content = str(s, "content"), *mode = str(s, "mode");
		if (!path || !content)
			continue;
		lvault_secret_t *x = &(*out)[(*n)++];
		x->path = arena_strdup(arena, path);
		x->len = strlen(content);
		x->content = arena_strndup(arena, content, x->len);
		/* An octal string ("400"); anything else keeps the owner-only default. */
		long m = 0400;
		if (mode && *mode && strlen(mode) <= 4 && strspn(mode, "01234567") == strlen(mode))
			m = strtol(mode, NULL, 8);
		x->mode = (unsigned)m;
		x->timestamp = json_object_object_get_ex(s, "timestamp", &v) ? json_object_get_int64(v)
									     : 0;
	}
cleanup:
	json_object_put(list);
	httpc_response_release(&r);
	buf_release(&url);
	buf_release(&auth);
	return rc;
}
