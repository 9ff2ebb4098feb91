/* The pure half of registry.h: Link headers, manifest lists, layer order,
 * reading one file out of a layer (libarchive). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "console/array.h"
#include "console/registry.h"
#include "console/xalloc.h"
#include "console/banned.h"

bool registry_link_next(const char *link, buf_t *out)
{
	/* Link: <url>; rel="next", <url2>; rel="prev" — entries split on ','
	 * outside the <...>; parameters on ';'. */
	const char *p = link;
	while (p && *p) {
		const char *lt = strchr(p, '<');
		if (!lt)
			return false;
		const char *gt = strchr(lt, '>');
		if (!gt)
			return false;
		const char *end = strchr(gt, ',');
		if (!end)
			end = gt + strlen(gt);
		/* Look for rel="next" or rel=next among the parameters. */
		for (const char *q = gt + 1; q < end; q++) {
			if (strncasecmp(q, "rel", 3))
				continue;
			const char *v = q + 3;
			while (v < end && *v == ' ')
				v++;
			if (v >= end || *v != '=')
				continue;
			v++;
			while (v < end && *v == ' ')
				v++;
			if (*v == '"')
				v++;
			/* rel may list several space-separated types. */
			while (v < end && *v != '"' && *v != ';') {
				const char *w = v;
				while (w < end && *w != ' ' && *w != '"' && *w != ';')
					w++;
				if (w - v == 4 && !strncasecmp(v, "next", 4)) {
					buf_add(out, lt + 1, (size_t)(gt - lt - 1));
					return true;
				}
				v = w;
				while (v < end && *v == ' ')
					v++;
			}
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

static const char *field(json_object *o, const char *k)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

const char *registry_pick_platform(json_object *list)
{
	json_object *ms;
	if (!list || !json_object_object_get_ex(list, "manifests", &ms) ||
	    !json_object_is_type(ms, json_type_array))
		return NULL;
	size_t n = json_object_array_length(ms);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(ms, i), *pl;
		if (!json_object_object_get_ex(m, "platform", &pl)) {
			if (n == 1)
				return field(m, "digest");
			continue;
		}
		const char *os = field(pl, "os"), *arch = field(pl, "architecture");
		if (os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64"))
			return field(m, "digest");
	}
	return NULL;
}

size_t registry_layers_top_down(json_object *manifest, const char **out, size_t max)
{
	json_object *layers;
	size_t k = 0;
	if (json_object_object_get_ex(manifest, "layers", &layers) &&
	    json_object_is_type(layers, json_type_array)) {
		for (size_t i = json_object_array_length(layers); i > 0 && k < max; i--) {
			const char *d = field(json_object_array_get_idx(layers, i - 1), "digest");
			if (d)
				out[k++] = d;
		}
	} else if (json_object_object_get_ex(manifest, "fsLayers", &layers) &&
		   json_object_is_type(layers, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(layers) && k < max; i++) {
			const char *d = field(json_object_array_get_idx(layers, i), "blobSum");
			if (d)
				out[k++] = d;
		}
	}
	return k;
}

static bool same_name(const char *path, const char *name)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/')
		path++;
	return !strcmp(path, name);
}

/*
 * A layer is read in two stages so that every uncompressed byte is counted
 * (issue 14 #2: a 3 KB bzip2 layer holding a 4 GiB zero-filled entry before
 * lain.yaml kept a worker inflating for 40 s, the old cap being checked
 * only between entries). The first archive only decompresses (gzip, bzip2,
 * xz; format "raw": the bytes as they are); the tar reader pulls its input
 * from it through pull(), which charges every chunk to the budget —
 * entries read, entries skipped (tar skips by reading: it gets no skip
 * callback), headers — and fails the read once the budget is spent.
 */
struct inflater {
	struct archive *raw;
	registry_budget_t *budget;
	bool spent;                 /* the budget ran out: not an archive error */
	char chunk[64 << 10];
};

static la_ssize_t pull(struct archive *tar, void *data, const void **out)
{
	struct inflater *in = data;
	la_ssize_t n = archive_read_data(in->raw, in->chunk, sizeof(in->chunk));
	if (n < 0) {
		archive_set_error(tar, EIO, "%s", archive_error_string(in->raw));
		return -1;
	}
	if ((size_t)n > in->budget->bytes) {
		in->budget->bytes = 0;
		in->spent = true;
		archive_set_error(tar, EIO, "unpacked size cap reached");
		return -1;
	}
	in->budget->bytes -= (size_t)n;
	*out = in->chunk;
	return n;
}

static int spent(err_t *err, const char *entry)
{
	return err_set(err, -ERR_NOT_ACCEPTABLE,
		       "image layers expand past REGISTRY_MAX_UNPACKED (%u bytes unpacked): "
		       "reading stopped there%s%s%s",
		       REGISTRY_MAX_UNPACKED, entry ? ", in '" : "", entry ? entry : "",
		       entry ? "'" : "");
}

int registry_untar_file(const void *data, size_t len, const char *name, size_t max,
			registry_budget_t *budget, buf_t *out, err_t *err)
{
	struct inflater *in = xcalloc(1, sizeof(*in));
	struct archive *tar = archive_read_new();
	struct archive_entry *e;
	char current[256] = ""; /* the entry being read or skipped, for the message */
	int rc = -ERR_NOT_FOUND, r;
	in->budget = budget;
	in->raw = archive_read_new();
	archive_read_support_filter_gzip(in->raw);
	archive_read_support_filter_bzip2(in->raw);
	archive_read_support_filter_xz(in->raw);
	archive_read_support_format_raw(in->raw);
	archive_read_support_format_tar(tar);
	archive_read_support_format_gnutar(tar);
	if (archive_read_open_memory(in->raw, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(in->raw, &e) != ARCHIVE_OK) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "image layer is not an archive: %s",
			     archive_error_string(in->raw));
		goto cleanup;
	}
	if (archive_read_open(tar, in, NULL, pull, NULL) != ARCHIVE_OK) {
		rc = in->spent ? spent(err, NULL)
			       : err_set(err, -ERR_BAD_GATEWAY, "image layer is not a tar archive: %s",
					 archive_error_string(tar));
		goto cleanup;
	}
	while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK) {
		if (!budget->entries) {
			rc = err_set(err, -ERR_NOT_ACCEPTABLE,
				     "image layers hold more than REGISTRY_MAX_ENTRIES (%u) entries: "
				     "reading stopped there", REGISTRY_MAX_ENTRIES);
			goto cleanup;
		}
		budget->entries--;
		const char *path = archive_entry_pathname(e);
		snprintf(current, sizeof(current), "%s", path ? path : "?");
		if (!path || archive_entry_filetype(e) != AE_IFREG || !same_name(path, name))
			continue;
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)max) {
			rc = err_set(err, -ERR_NOT_ACCEPTABLE,
				     "'%s' in the image is larger than %zu bytes", name, max);
			goto cleanup;
		}
		char chunk[8192];
		la_ssize_t got;
		size_t total = 0;
		while ((got = archive_read_data(tar, chunk, sizeof(chunk))) > 0) {
			total += (size_t)got;
			if (total > max) {
				rc = err_set(err, -ERR_NOT_ACCEPTABLE,
					     "'%s' in the image is larger than %zu bytes", name, max);
				goto cleanup;
			}
			buf_add(out, chunk, (size_t)got);
		}
		if (got < 0) {
			rc = in->spent ? spent(err, current)
				       : err_set(err, -ERR_BAD_GATEWAY,
						 "cannot read '%s' from the image: %s", name,
						 archive_error_string(tar));
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	if (in->spent)
		rc = spent(err, *current ? current : NULL);
	else if (r != ARCHIVE_EOF)
		rc = err_set(err, -ERR_BAD_GATEWAY, "image layer is not a readable tar archive: %s",
			     archive_error_string(tar));
	else
		rc = err_set(err, -ERR_NOT_FOUND, "no '%s' in the image layer", name);
cleanup:
	archive_read_free(tar);
	archive_read_free(in->raw);
	free(in);
	return rc;
}

void registry_digest(const void *data, size_t len, char out[REGISTRY_DIGEST_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

bool registry_digest_matches(const void *data, size_t len, const char *digest)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 7 + 64)
		return false;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (digest[7 + 2 * i] != hex[md[i] >> 4] || digest[8 + 2 * i] != hex[md[i] & 15])
			return false;
	}
	return true;
}

static la_ssize_t to_buf(struct archive *a, void *data, const void *bytes, size_t n)
{
	(void)a;
	buf_add(data, bytes, n);
	return (la_ssize_t)n;
}

/* Whether dir (a prefix of some path, without its '/') was written already. */
static bool seen(char **dirs, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(dirs[i], dir))
			return true;
	return false;
}

/* One tar of files into out (gzip: through libarchive's gzip filter). */
static int write_layer(const registry_file_t *files, size_t n, bool gzip, buf_t *out, err_t *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *dirs[256];
	size_t ndirs = 0;
	int rc = 0;
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, out, NULL, to_buf, NULL) != ARCHIVE_OK) {
		rc = err_set(err, -ERR_INTERNAL, "cannot write a layer: %s", archive_error_string(a));
		goto cleanup;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const char *path = files[i].path;
		while (*path == '/')
			path++;
		/* Its parent directories first, once each. */
		for (const char *s = strchr(path, '/'); s && !rc; s = strchr(s + 1, '/')) {
			char *dir = strndup(path, (size_t)(s - path));
			if (seen(dirs, ndirs, dir) || ndirs == ARRAY_SIZE(dirs)) {
				free(dir);
				continue;
			}
			dirs[ndirs++] = dir;
			archive_entry_clear(e);
			archive_entry_set_pathname(e, dir);
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			archive_entry_set_mtime(e, 0, 0);
			if (archive_write_header(a, e) != ARCHIVE_OK)
				rc = err_set(err, -ERR_INTERNAL, "cannot write a layer: %s",
					     archive_error_string(a));
		}
		archive_entry_clear(e);
		archive_entry_set_pathname(e, path);
		archive_entry_set_filetype(e, AE_IFREG);
		/* Permission bits only: a setuid, setgid or sticky bit from lvault
		 * (a mode "4777") would make a secret file a setuid program in
		 * every container of the image (issue 14 #5). */
		archive_entry_set_perm(e, files[i].mode & 0777);
		archive_entry_set_size(e, (la_int64_t)files[i].len);
		archive_entry_set_mtime(e, 0, 0);
		if (!rc && (archive_write_header(a, e) != ARCHIVE_OK ||
			    archive_write_data(a, files[i].data, files[i].len) < 0))
			rc = err_set(err, -ERR_INTERNAL, "cannot write a layer: %s",
				     archive_error_string(a));
	}
	if (!rc && archive_write_close(a) != ARCHIVE_OK)
		rc = err_set(err, -ERR_INTERNAL, "cannot write a layer: %s", archive_error_string(a));
cleanup:
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

int registry_layer_build(const registry_file_t *files, size_t n, buf_t *tar, buf_t *gz,
			 err_t *err)
{
	int rc = write_layer(files, n, false, tar, err);
	if (!rc)
		rc = write_layer(files, n, true, gz, err);
	return rc;
}
