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

/* The path of `render` and of a deploy: tmpl_load_conf() then the specs. */
static void load_and_build(const char *text, size_t len, const char *instance,
			   const json_object *ctx)
{
	lain_parse_opts_t po = {
		.domain = "lain.local", .extra_domains = extra, .n_extra_domains = 1,
		.registry = "registry.lain.local", .meta_version = "1-abc",
		.default_image = instance ? "registry.lain.local/fuzz:release-1-abc" : NULL,
	};
	spec_opts_t so = {
		.deploy_env = true, .main_domain = "example.com", .meta_version = "1-abc",
		.system_volumes = sysvols, .n_system_volumes = 1,
	};
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	if (tmpl_load_conf(text, len, &po, instance, ctx, &c, &err))
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
	json_object *ctx = json_tokener_parse(
		"{\"memory\": \"128M\", \"num_instances\": 2, \"stateful\": false, \"x\": null}");
	load_and_build(text, size, NULL, NULL);
	load_and_build(text, size, "resource.fuzz.client", ctx);
	json_object_put(ctx);
	return 0;
}
