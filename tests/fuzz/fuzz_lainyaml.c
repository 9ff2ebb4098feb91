/*
 * libFuzzer target: lain.yaml parser + spec builder, and the resource
 * template path (render the input as a resource for an instance, parse the
 * result, build its specs). Any crash, leak or sanitizer report fails.
 *
 *     make fuzz FUZZ_SECONDS=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/lainyaml.h"
#include "console/spec.h"
#include "console/tmpl.h"

static const char *const extra[] = { "example.com" };
static const char *const sysvols[] = { "/var/lib/x:/var/lib/x" };

static void build(const char *text, size_t len, const char *default_image)
{
	lain_parse_opts_t po = {
		.domain = "lain.local", .extra_domains = extra, .n_extra_domains = 1,
		.registry = "registry.lain.local", .meta_version = "1-abc",
		.default_image = default_image,
	};
	spec_opts_t so = {
		.deploy_env = true, .main_domain = "example.com", .meta_version = "1-abc",
		.system_volumes = sysvols, .n_system_volumes = 1,
	};
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	if (lain_conf_parse(text, len, &po, &c, &err))
		return;
	json_object *out = NULL;
	if (!spec_build_app(c, &so, &out, &err))
		(void)json_object_to_json_string(out);
	json_object_put(out);
	lain_conf_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	build(text, size, NULL);

	json_object *ctx = json_tokener_parse(
		"{\"memory\": \"128M\", \"num_instances\": 2, \"stateful\": false, \"x\": null}");
	char *inst = NULL;
	err_t err = ERR_INIT;
	if (!tmpl_render_instance(text, size, ctx, "resource.fuzz.client", &inst, &err))
		build(inst, strlen(inst), "registry.lain.local/fuzz:release-1-abc");
	free(inst);
	json_object_put(ctx);
	return 0;
}
