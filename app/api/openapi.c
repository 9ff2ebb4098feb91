/* GET /v1/openapi.json: the OpenAPI document of every route. Its source is
 * app/api/openapi.json; app/api/openapi.mk turns it into a C array at build
 * time, so nothing is read at run time. tests/unit/test_openapi.c checks
 * it against the route table. */
#include "console/api.h"
#include "console/banned.h"

/* app/api/openapi_doc.c (generated): the file's bytes and a NUL. */
extern const unsigned char api_openapi_doc[];

int api_openapi(request_t *req, response_t *res, err_t *err)
{
	http_text(res, 200, (const char *)api_openapi_doc);
	res->content_type = "application/json";
	return 0;
}
