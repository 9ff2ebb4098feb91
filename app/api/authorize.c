#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/store.h"
#include "console/banned.h"

/* Auth is "opened" iff the flag key holds JSON whose type is "lain-sso"
 * (spec §5.1); absent or unreadable means closed. */
int api_authorize_status(request_t *req, response_t *res, err_t *err)
{
	const char *flag;
	int rc = store_config_get(req->ctx, req->arena, req->ctx->cfg->need_auth_key, &flag, err);
	if (rc)
		return rc;
	bool opened = false;
	if (flag) {
		json_object *obj = arena_json(req->arena, json_tokener_parse(flag)), *type;
		opened = obj && json_object_is_type(obj, json_type_object) &&
			 json_object_object_get_ex(obj, "type", &type) &&
			 !strcmp(json_object_get_string(type), "lain-sso");
	}
	json_object *auth = json_object_new_object();
	json_object_object_add(auth, "status", json_object_new_string(opened ? "opened" : "closed"));
	http_envelope(res, 200, "auth", auth, "get auth status success", "/v1/authorize/status/");
	return 0;
}
