/*
 * registry — the client of the cluster's Docker registry (HTTP API v2):
 * ping and bearer auth, tag lists, manifests, blobs, and the lain.yaml of a
 * meta image (console-api.md §4.4, lain-ecosystem.md §2.1–2.2).
 *
 * A client (registry_new) is given the registry ("host[:port]" means
 * http://host[:port]; a value with a scheme is used as it is), its
 * timeouts, and where its tokens come from.
 *
 * Auth: the first call of a client pings GET /v2/. A 200 means no auth; a
 * 401 means every later call carries "Authorization: Bearer <token>" from
 * the client's token source (the cluster's own token server, issue 6, mints
 * one for the repository). Without one such a registry fails with
 * -ERR_BAD_GATEWAY saying so.
 *
 * Errors name the registry: -ERR_UNAVAILABLE "registry unavailable: ...",
 * -ERR_NOT_FOUND for an unknown repository, tag or blob, -ERR_BAD_GATEWAY for
 * nonsense and for an answer past its size cap ("registry answered more
 * than N bytes", as httpc), -ERR_NOT_ACCEPTABLE when what is inside an image
 * passes a cap (the caps are named in the message).
 *
 * A client keeps its connections alive and remembers the ping's outcome.
 */
#ifndef CONSOLE_REGISTRY_H
#define CONSOLE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "console/buf.h"
#include "console/err.h"

struct json_object;

/* Caps: a manifest, a meta image layer (compressed), the lain.yaml in it;
 * and what reading the layers of one image may cost: the uncompressed bytes
 * they expand to (everything read or skipped, tar headers included) and the
 * tar entries in them (a meta image, FROM scratch, holds lain.yaml alone). */
#define REGISTRY_MAX_MANIFEST (4u << 20)
#define REGISTRY_MAX_LAYER (16u << 20)
#define REGISTRY_MAX_LAINYAML (1u << 20)
#define REGISTRY_MAX_UNPACKED (64u << 20)
#define REGISTRY_MAX_ENTRIES 10000u

/* What is left of those two caps while the layers of one image are read;
 * REGISTRY_BUDGET_INIT is the whole of both. */
typedef struct registry_budget {
	size_t bytes;
	size_t entries;
} registry_budget_t;
#define REGISTRY_BUDGET_INIT { REGISTRY_MAX_UNPACKED, REGISTRY_MAX_ENTRIES }

typedef struct registry registry_t;

/* A token source: a bearer token for pulling and pushing repo, appended to
 * token (data: what the source was given with it). */
typedef int (*registry_token_fn)(void *data, const char *repo, buf_t *token, err_t *err);

/* A client of registry; token NULL: no token source. Never NULL. */
registry_t *registry_new(const char *registry, long timeout_ms, long connect_timeout_ms,
			 registry_token_fn token, void *token_data);
void registry_free(registry_t *r);

/* GET /v2/: *auth = the registry wants a token. */
int registry_ping(registry_t *r, bool *auth, err_t *err);

/*
 * Every tag of repo, following the Link: <...>; rel="next" pages the
 * registry sends (page_size tags asked per page; 0: let the registry
 * choose). *tags is a NULL-terminated array (registry_tags_free() it), in
 * the registry's order (which is not sorted); *n its length (may be NULL).
 * -ERR_NOT_FOUND when the registry does not know repo.
 */
int registry_tags(registry_t *r, const char *repo, size_t page_size, char ***tags, size_t *n,
		  err_t *err);
void registry_tags_free(char **tags);

/*
 * The image manifest of repo:ref (a tag or a digest), always asked for as
 * Docker schema2, OCI, a manifest list or an OCI index (never the old
 * schema1, which the registry sends otherwise). A list or index resolves to
 * its linux/amd64 entry, fetched by digest. *manifest is a new json-c
 * reference (json_object_put it).
 */
int registry_manifest(registry_t *r, const char *repo, const char *ref,
		      struct json_object **manifest, err_t *err);

/* The blob digest of repo, at most max bytes (-ERR_BAD_GATEWAY beyond), appended
 * to out. A redirect (storage behind a CDN) is followed once. The content
 * must match a sha256 digest (-ERR_BAD_GATEWAY otherwise); other algorithms
 * are taken as they come. */
int registry_blob(registry_t *r, const char *repo, const char *digest, size_t max, buf_t *out,
		  err_t *err);

/*
 * Writes (the token source's tokens carry push): data uploaded as a blob of
 * repo in one piece (POST /v2/<repo>/blobs/uploads/, then PUT to the
 * upload's Location with ?digest=), digest being registry_digest(data);
 * and a manifest (JSON text of media_type) PUT as repo:tag.
 */
int registry_blob_put(registry_t *r, const char *repo, const void *data, size_t len,
		      const char *digest, err_t *err);
int registry_manifest_put(registry_t *r, const char *repo, const char *tag, const char *media_type,
			  const char *manifest, err_t *err);

/*
 * repo:tag with one more layer of files on top (registry_layer_build),
 * pushed as repo:new_tag — a config image (§4.6). The layer and the new
 * image config (rootfs.diff_ids extended; when it keeps a history, an entry
 * "created_by": created_by) are uploaded as blobs, then the manifest, of
 * the base's type (schema2 or OCI, with the layer's media type to match).
 * -ERR_BAD_GATEWAY when the base has no schema2/OCI manifest or its config
 * no rootfs.diff_ids.
 */
struct registry_file;
int registry_image_add_layer(registry_t *r, const char *repo, const char *tag, const char *new_tag,
			     const struct registry_file *files, size_t n, const char *created_by,
			     err_t *err);

/*
 * The lain.yaml of repo:meta-<version>: the manifest, then its layers from
 * the top down, each a (gzip) tar searched for lain.yaml or ./lain.yaml,
 * all of them within one REGISTRY_BUDGET_INIT (registry_untar_file).
 * Appended to yaml. A meta image without it: -ERR_NOT_FOUND "meta image
 * '<repo>:meta-<v>' has no lain.yaml"; one past a cap: -ERR_NOT_ACCEPTABLE
 * naming it. This is the one way lain-console reads what is inside an image
 * (config images only add a layer, secrets.h).
 */
int registry_read_lainyaml(registry_t *r, const char *repo, const char *version, buf_t *yaml,
			   err_t *err);

/* ---- Pure helpers (no I/O; unit-tested). */

/* The target of the rel="next" link in a Link header value, appended to
 * out; false when there is none. "<" ">" removed, the rest kept as sent. */
bool registry_link_next(const char *link, buf_t *out);

/* The digest of the linux/amd64 manifest of a manifest list / OCI index
 * ("manifests": [{digest, platform: {os, architecture}}]), or NULL. An
 * entry without a platform counts as a match only when it is the only one. */
const char *registry_pick_platform(struct json_object *list);

/* Layer digests of an image manifest, top layer first: schema2/OCI
 * "layers" reversed, schema1 "fsLayers" as they are. Up to max; the count. */
size_t registry_layers_top_down(struct json_object *manifest, const char **out, size_t max);

/* A file of an image layer: an absolute path, its bytes, its mode. */
typedef struct registry_file {
	const char *path;
	const void *data;
	size_t len;
	unsigned mode;
} registry_file_t;

/* An image layer holding files (owned by root, mtime 0, the permission
 * bits of their mode only: setuid, setgid and sticky cleared; their parent
 * directories 0755 before them): the tar appended to tar (its sha256 is the
 * layer's diff_id) and the same tar gzipped appended to gz (the blob). */
int registry_layer_build(const registry_file_t *files, size_t n, buf_t *tar, buf_t *gz,
			 err_t *err);

/* "sha256:<64 lower-case hex>" of data. */
#define REGISTRY_DIGEST_SIZE 72
void registry_digest(const void *data, size_t len, char out[REGISTRY_DIGEST_SIZE]);

/* True when data has the digest "sha256:<64 lower-case hex>". */
bool registry_digest_matches(const void *data, size_t len, const char *digest);

/*
 * The file named name (also matched as "./name" and "/name") in a tar,
 * possibly gzip/bzip2/xz compressed, held in memory; appended to out.
 * Every uncompressed byte read or skipped on the way (tar headers, entries
 * before it) is charged to budget->bytes and every entry to
 * budget->entries, as it goes: the reading stops as soon as either runs out
 * (not between entries, so one huge entry cannot run away). -ERR_NOT_FOUND
 * when absent, -ERR_NOT_ACCEPTABLE when it is bigger than max or a cap is
 * reached (the message names it and the entry it stopped in),
 * -ERR_BAD_GATEWAY when the data is not an archive.
 */
int registry_untar_file(const void *data, size_t len, const char *name, size_t max,
			registry_budget_t *budget, buf_t *out, err_t *err);

#endif
