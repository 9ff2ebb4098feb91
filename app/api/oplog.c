/* E24: the oplog of an app (oplog.h), embedded as a string as archon expects. */
#include <json-c/json.h>

#include "console/api.h"
#include "console/oplog.h"
#include "console/permission.h"
#include "console/store.h"
#include "answer.h"
#include "console/banned.h"

int api_oplog_get(request_t *req, response_t *res, err_t *err)
{
	const char *name = req_app(req)->appname;
	buf_t rows = BUF_INIT;
	int rc = oplog_read(req->ctx, name, OPLOG_READ, &rows, err);
	if (!rc)
		rc = api_answer(req, res, 200, json_object_new_string_len(rows.data, (int)rows.len),
				arena_printf(req->arena, "/v1/oplogs/%s/", name), "");
	buf_release(&rows);
	return rc;
}
