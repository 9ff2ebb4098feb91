/* cmd_render: `lain-console render [options] FILE` — lain.yaml -> deployd specs.
 *
 * The same path a deploy takes: tmpl_load_conf() (lain_conf_parse(), after
 * rendering for a resource instance), then spec_build_app() with deploy-time
 * env. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/buf.h"
#include "console/cmd_render.h"
#include "console/err.h"
#include "console/lainyaml.h"
#include "console/mountpolicy.h"
#include "console/spec.h"
#include "console/strx.h"
#include "console/tmpl.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define RENDER_DEFAULT_DOMAIN "lain.local"
#define RENDER_DEFAULT_VERSION "0000000000-0000000000000000000000000000000000000000"
#define RENDER_MAX_LIST 64

static const char usage[] =
	"usage: lain-console render [--domain D] [--extra-domain E]... [--registry R] "
	"[--meta-version V] [--appname NAME] [--context JSON] [--system-volume H:C]... "
	"[--cluster-admin] FILE";

struct render_args {
	bool cluster_admin;      /* mountpoints checked as for a LAIN admin's deploy: not at all */
	const char *domain, *registry, *meta_version, *appname, *context, *file;
	const char *extra[RENDER_MAX_LIST];
	size_t n_extra;
	const char *sysvols[RENDER_MAX_LIST];
	size_t n_sysvols;
};

/* "--name value" or "--name=value"; advances *i past what it used. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **out, err_t *err)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 1;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 0;
	}
	if (a[n])
		return 1;
	if (*i + 1 >= argc)
		return err_set(err, -ERR_INVALID, "option %s needs a value; %s", name, usage);
	*out = argv[++*i];
	return 0;
}

/* v as the next of a repeatable option's values (at most RENDER_MAX_LIST). */
static int list_add(const char **list, size_t *n, const char *v, const char *option, err_t *err)
{
	if (*n == RENDER_MAX_LIST)
		return err_set(err, -ERR_INVALID, "too many %s options", option);
	list[(*n)++] = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct render_args *ra, err_t *err)
{
	static const char *const names[] = { "--domain", "--extra-domain", "--registry",
		"--meta-version", "--appname", "--context", "--system-volume" };
	memset(ra, 0, sizeof(*ra));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (i + 2 != argc)
				return err_set(err, -ERR_INVALID, "expected one FILE; %s", usage);
			ra->file = argv[i + 1];
			break;
		}
		if (!strcmp(a, "--cluster-admin")) {
			ra->cluster_admin = true;
			continue;
		}
		if (a[0] != '-' || !strcmp(a, "-")) {
			if (ra->file)
				return err_set(err, -ERR_INVALID, "expected one FILE; %s", usage);
			ra->file = a;
			continue;
		}
		size_t k;
		const char *v = NULL;
		int rc = 1;
		for (k = 0; k < ARRAY_SIZE(names); k++)
			if ((rc = opt_value(argc, argv, &i, names[k], &v, err)) <= 0)
				break;
		if (rc < 0)
			return rc;
		if (rc > 0)
			return err_set(err, -ERR_INVALID, "unknown option '%s'; %s", a, usage);
		switch (k) {
		case 0: ra->domain = v; break;
		case 1: rc = list_add(ra->extra, &ra->n_extra, v, "--extra-domain", err); break;
		case 2: ra->registry = v; break;
		case 3: ra->meta_version = v; break;
		case 4: ra->appname = v; break;
		case 5: ra->context = v; break;
		case 6: rc = list_add(ra->sysvols, &ra->n_sysvols, v, "--system-volume", err); break;
		}
		if (rc)
			return rc;
	}
	if (!ra->file)
		return err_set(err, -ERR_INVALID, "FILE is missing; %s", usage);
	if (ra->domain && !*ra->domain)
		return err_set(err, -ERR_INVALID, "--domain must not be empty");
	for (size_t i = 0; i < ra->n_extra; i++)
		if (!*ra->extra[i])
			return err_set(err, -ERR_INVALID, "--extra-domain must not be empty");
	for (size_t i = 0; i < ra->n_sysvols; i++) {
		const char *c = strchr(ra->sysvols[i], ':');
		if (!c || c == ra->sysvols[i] || !c[1])
			return err_set(err, -ERR_INVALID,
				       "--system-volume '%s' must look like /host/path:/container/path[:ro]",
				       ra->sysvols[i]);
	}
	if (ra->meta_version && !*ra->meta_version)
		return err_set(err, -ERR_INVALID, "--meta-version must not be empty");
	return 0;
}

static int read_file(const char *path, buf_t *out, err_t *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char chunk[8192];
	int rc = 0;
	if (!f)
		return err_set(err, -ERR_NOT_FOUND, "cannot open '%s': %s", path, strerror(errno));
	buf_init(out, 1024 * 1024);
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n && buf_add(out, chunk, n)) {
			rc = err_set(err, -ERR_TOO_BIG, "'%s' is larger than the limit of 1 MiB", path);
			break;
		}
		if (n < sizeof(chunk)) {
			if (ferror(f))
				rc = err_set(err, -ERR_INVALID, "cannot read '%s'", path);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The render: everything but printing. *out is {"podgroups", "portals"}. */
static int render(const struct render_args *ra, json_object **out, err_t *err)
{
	buf_t text = BUF_INIT;
	json_object *ctx = NULL;
	char *res = NULL, *client = NULL, *default_image = NULL;
	char *registry = NULL;
	lain_conf_t *conf = NULL;
	int rc;
	const char *domain = ra->domain ? ra->domain : RENDER_DEFAULT_DOMAIN;
	const char *version = ra->meta_version ? ra->meta_version : RENDER_DEFAULT_VERSION;

	*out = NULL;
	registry = ra->registry ? xstrdup(ra->registry) : xasprintf("registry.%s", domain);
	if ((rc = read_file(ra->file, &text, err)))
		goto cleanup;
	bool instance = ra->appname && !tmpl_instance_split(ra->appname, &res, &client);
	if (ra->appname && lain_is_instance(ra->appname) && !instance) {
		rc = err_set(err, -ERR_INVALID, "--appname '%s' must look like resource.<resource>.<client>",
			     ra->appname);
		goto cleanup;
	}
	if (ra->context) {
		if (!instance) {
			rc = err_set(err, -ERR_INVALID,
				     "--context needs --appname resource.<resource>.<client>");
			goto cleanup;
		}
		enum json_tokener_error jerr;
		ctx = json_tokener_parse_verbose(ra->context, &jerr);
		if (!ctx || !json_object_is_type(ctx, json_type_object)) {
			rc = err_set(err, -ERR_INVALID, "--context must be a JSON object%s%s",
				     ctx ? "" : ": ", ctx ? "" : json_tokener_error_desc(jerr));
			goto cleanup;
		}
	}
	lain_parse_opts_t po = {
		.domain = domain,
		.extra_domains = ra->extra,
		.n_extra_domains = ra->n_extra,
		.registry = registry,
		.meta_version = version,
	};
	if (instance) {
		default_image = xasprintf("%s/%s:release-%s", registry, res, version);
		po.default_image = default_image;
	}
	if ((rc = tmpl_load_conf(text.data, text.len, &po, instance ? ra->appname : NULL, ctx,
				 &conf, err)))
		goto cleanup;
	if (ra->appname && strcmp(conf->appname, ra->appname)) {
		rc = err_set(err, -ERR_INVALID, "appname '%s' of '%s' is not '%s'", conf->appname,
			     ra->file, ra->appname);
		goto cleanup;
	}
	/* What a deploy would refuse (issue 14 #4). */
	const char *service_hosts[] = { registry };
	mountpolicy_t mp = {
		.appname = conf->appname,
		.domain = domain,
		.extra_domains = ra->extra,
		.n_extra_domains = ra->n_extra,
		.service_hosts = service_hosts,
		.n_service_hosts = ARRAY_SIZE(service_hosts),
		.cluster_admin = ra->cluster_admin,
	};
	if ((rc = mountpolicy_check(conf, &mp, err)))
		goto cleanup;
	spec_opts_t so = {
		.deploy_env = true,
		.main_domain = ra->n_extra ? ra->extra[0] : domain,
		.meta_version = version,
		.system_volumes = ra->sysvols,
		.n_system_volumes = ra->n_sysvols,
	};
	rc = spec_build_app(conf, &so, out, err);
cleanup:
	lain_conf_free(conf);
	json_object_put(ctx);
	buf_release(&text);
	free(res);
	free(client);
	free(default_image);
	free(registry);
	return rc;
}

int cmd_render(int argc, char **argv)
{
	struct render_args ra;
	err_t err = ERR_INIT;
	json_object *out = NULL;
	int rc = parse_args(argc, argv, &ra, &err);
	if (!rc)
		rc = render(&ra, &out, &err);
	if (rc) {
		out = json_object_new_object();
		json_object_object_add(out, "error", json_object_new_string(err.msg));
	}
	fputs(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
	fflush(stdout);
	json_object_put(out);
	return rc ? 1 : 0;
}
