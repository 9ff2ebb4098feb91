#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/auth.h"
#include "console/clock.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* How long a worker trusts what it read (spec §5.1 read it on every check;
 * two seconds keeps a flip prompt without an etcd read per request). */
#define AUTH_TTL_MS 2000

struct auth_state {
	auth_switch_t sw;
	char *url;
	int64_t read_at;         /* clock_mono_ms of the read */
	int valid;
};

static void destroy(void *p)
{
	struct auth_state *s = p;
	free(s->url);
	free(s);
}

int auth_get(ctx_t *ctx, const auth_switch_t **out, err_t *err)
{
	struct auth_state *s = ctx_slot(ctx, CTX_SLOT_AUTH, sizeof(*s), destroy);
	if (s->valid && clock_mono_ms() - s->read_at < AUTH_TTL_MS) {
		*out = &s->sw;
		return 0;
	}
	arena_t *a = arena_new();
	const char *flag;
	int rc = store_config_get(ctx, a, ctx->cfg->need_auth_key, &flag, err);
	if (rc) {
		arena_free(a);
		return rc;
	}
	bool on = false;
	const char *url = "";
	json_object *obj = flag ? arena_json(a, json_tokener_parse(flag)) : NULL, *v;
	if (obj && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "type", &v) && json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), "lain-sso")) {
		on = true;
		if (json_object_object_get_ex(obj, "url", &v) && json_object_is_type(v, json_type_string))
			url = json_object_get_string(v);
	}
	free(s->url);
	/* Without a trailing slash: paths are appended as "/api/me". */
	size_t len = strlen(url);
	while (len && url[len - 1] == '/')
		len--;
	s->url = xstrndup(url, len);
	s->sw.on = on;
	s->sw.sso_url = s->url;
	s->read_at = clock_mono_ms();
	s->valid = 1;
	arena_free(a);
	*out = &s->sw;
	return 0;
}
