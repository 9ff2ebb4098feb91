/*
 * etcd — an etcd v3 client over its JSON gateway (/v3/kv/..., /v3/lease/...).
 *
 * Keys and values are byte strings (base64 on the wire, plain here). Every
 * call has the client's timeouts; with several endpoints a call that cannot
 * reach one tries the next, and the one that answered is used first next
 * time. When none answers the call fails with -ERR_UNAVAILABLE and the
 * message "etcd unavailable: <reason>"; the next call tries again, so a
 * worker recovers by itself when etcd is back.
 *
 * Not thread-safe: one client per worker process.
 */
#ifndef CONSOLE_ETCD_H
#define CONSOLE_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/buf.h"
#include "console/err.h"

typedef struct etcd etcd_t;

typedef struct etcd_kv {
	const char *key;
	size_t key_len;
	const char *value;         /* NUL-terminated as well */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;
} etcd_kv_t;

/* Called once per key; a non-zero return stops the walk and is returned. The
 * kv is valid only during the call. */
typedef int (*etcd_kv_fn)(const etcd_kv_t *kv, void *ctx);

/*
 * endpoints: comma-separated "host:port" or "http://host:port" entries.
 * Fails with -ERR_INVALID on an empty or malformed list.
 */
int etcd_new(etcd_t **out, const char *endpoints, long timeout_ms, long connect_timeout_ms,
	     err_t *err);
void etcd_free(etcd_t *e);

/* The endpoint used last ("http://127.0.0.1:2379"). */
const char *etcd_endpoint(const etcd_t *e);

/* The highest store revision (an answer's header.revision) this client has
 * seen in the answers of its reads and txns; 0 before any. Every write at
 * or below it was committed before the call that answered it returned. */
int64_t etcd_revision_seen(const etcd_t *e);

/* Reads one key into value (appended) and its revisions into kv_out
 * (may be NULL; its key/value pointers are not set). -ERR_NOT_FOUND if absent. */
int etcd_get(etcd_t *e, const char *key, buf_t *value, etcd_kv_t *kv_out, err_t *err);

/* Calls fn for every key starting with prefix, in key order, fetching
 * page_size keys per round trip (0: 1000). */
int etcd_range_prefix(etcd_t *e, const char *prefix, size_t page_size, etcd_kv_fn fn,
		      void *ctx, err_t *err);

/* As etcd_range_prefix, without the values (keys_only): kv->value is "" but
 * the revisions are there. Cheap for etcd to answer: a cache can tell from
 * mod_revision which values it already holds. */
int etcd_range_prefix_keys(etcd_t *e, const char *prefix, size_t page_size, etcd_kv_fn fn,
			   void *ctx, err_t *err);

/* Number of keys under prefix (count_only). */
int etcd_count_prefix(etcd_t *e, const char *prefix, int64_t *count, err_t *err);

/* Deletes the first keys under prefix (the oldest, when keys are
 * time-ordered) beyond keep of them, at most 100 per call: a log bounded by
 * its writers. */
int etcd_trim_prefix(etcd_t *e, const char *prefix, int64_t keep, err_t *err);

/* The last key under prefix in key order, value included, to fn (not
 * called when there is none), and the number of keys under prefix in
 * *count (may be NULL): one round trip (sorted descending, limit 1). */
int etcd_range_last(etcd_t *e, const char *prefix, etcd_kv_fn fn, void *ctx, int64_t *count,
		    err_t *err);

int etcd_put(etcd_t *e, const char *key, const char *value, size_t value_len, int64_t lease,
	     err_t *err);

/* Deletes key (or every key under it when prefix); *deleted may be NULL. */
int etcd_delete(etcd_t *e, const char *key, bool prefix, int64_t *deleted, err_t *err);

/* Creates key only if it does not exist: -ERR_CONFLICT when it does. */
int etcd_create(etcd_t *e, const char *key, const char *value, size_t value_len, int64_t lease,
		err_t *err);

/* Writes key only if its mod_revision is still mod_revision (0: the key must
 * not exist): -ERR_CONFLICT when it changed in between. */
int etcd_update(etcd_t *e, const char *key, const char *value, size_t value_len,
		int64_t mod_revision, err_t *err);

/* Deletes key only if its mod_revision is still mod_revision. */
int etcd_delete_if(etcd_t *e, const char *key, int64_t mod_revision, err_t *err);

/* Leases: grant a lease of ttl seconds, keep it alive (*ttl_left = remaining
 * seconds, 0 when it had expired), revoke it. */
int etcd_lease_grant(etcd_t *e, long ttl, int64_t *id, err_t *err);
int etcd_lease_keepalive(etcd_t *e, int64_t id, long *ttl_left, err_t *err);
int etcd_lease_revoke(etcd_t *e, int64_t id, err_t *err);

/* Reads a key through etcd's v2 keys API (GET /v2/keys/<key>), where other
 * LAIN tools of an existing cluster keep /lain/config/ (DESIGN.md).
 * -ERR_NOT_FOUND if absent. */
int etcd_v2_get(etcd_t *e, const char *key, buf_t *value, err_t *err);

/* As etcd_v2_get, with the key's modifiedIndex (its v2 revision) in *index
 * (may be NULL). */
int etcd_v2_get_index(etcd_t *e, const char *key, buf_t *value, uint64_t *index, err_t *err);

/* Writes key through the v2 API only if its modifiedIndex is still
 * prev_index (0: only if the key does not exist): -ERR_CONFLICT when
 * another writer got there first (calico keeps its profiles there). */
int etcd_v2_update(etcd_t *e, const char *key, const char *value, uint64_t prev_index,
		   err_t *err);

/* ---- Transactions: compare, then do one list of operations or the other. */

enum etcd_cmp_target { ETCD_CMP_MOD, ETCD_CMP_CREATE, ETCD_CMP_VERSION, ETCD_CMP_VALUE };
enum etcd_cmp_result { ETCD_EQUAL, ETCD_NOT_EQUAL, ETCD_GREATER, ETCD_LESS };

typedef struct etcd_cmp {
	const char *key;
	enum etcd_cmp_target target;
	enum etcd_cmp_result result;
	int64_t revision;          /* MOD / CREATE / VERSION */
	const char *value;         /* VALUE */
	size_t value_len;
	const char *range_end;     /* non-NULL: every key from key up to it
				      (excluded) compares, each must pass;
				      none there compares as a key with
				      revisions 0 (etcd >= 3.3) */
} etcd_cmp_t;

/* RANGE: a read of one key, or of every key under it with prefix
 * (etcd_read; in a txn that writes, read back with etcd_txn_read). */
enum etcd_op_type { ETCD_OP_PUT, ETCD_OP_DELETE, ETCD_OP_RANGE };

typedef struct etcd_op {
	enum etcd_op_type type;
	const char *key;
	const char *value;         /* PUT */
	size_t value_len;
	int64_t lease;             /* PUT */
	bool prefix;               /* DELETE, RANGE */
	int64_t limit;             /* RANGE: at most this many keys (0: all) */
	bool descend;              /* RANGE: last key first (with limit 1: the newest
				      of a time-ordered prefix) */
} etcd_op_t;

/* Reads keys[0..n) in one read-only txn: one round trip, one revision.
 * fn is called for each key that exists (in the order of keys); an absent
 * one is left out. */
int etcd_get_many(etcd_t *e, const char *const *keys, size_t n, etcd_kv_fn fn, void *ctx,
		  err_t *err);

/* Reads ranges[0..n) (each ETCD_OP_RANGE: one key, or a prefix) in one
 * read-only txn: one round trip, one revision. fn is called for every kv
 * found, range after range, keys in order within a range. */
int etcd_read(etcd_t *e, const etcd_op_t *ranges, size_t n, etcd_kv_fn fn, void *ctx,
	      err_t *err);

/* The keys from `from` (included) up to `below` (excluded), in key order,
 * at most limit of them (0: all). What a queue whose keys start with their
 * due time reads to find what is due. */
int etcd_range_below(etcd_t *e, const char *from, const char *below, int64_t limit,
		     etcd_kv_fn fn, void *ctx, err_t *err);

/* *succeeded tells which branch ran. */
int etcd_txn(etcd_t *e, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then, size_t nthen,
	     const etcd_op_t *otherwise, size_t nother, bool *succeeded, err_t *err);

/* As etcd_txn, and fn is called for every kv that the RANGE operations of
 * the branch that ran found: a conditional write whose otherwise branch
 * reads what changed, so a retry needs no other round trip. */
int etcd_txn_read(etcd_t *e, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then,
		  size_t nthen, const etcd_op_t *otherwise, size_t nother, bool *succeeded,
		  etcd_kv_fn fn, void *ctx, err_t *err);

/* ---- The wire format, exposed for the unit tests. */

/* The range_end that selects every key starting with prefix (appended to out). */
void etcd_prefix_end(const char *prefix, size_t len, buf_t *out);

/* JSON request bodies (appended to out). flags: ETCD_RANGE_*. */
enum {
	ETCD_RANGE_COUNT_ONLY = 1 << 0,
	ETCD_RANGE_KEYS_ONLY = 1 << 1,
	ETCD_RANGE_DESCEND = 1 << 2,   /* newest key first (sort by key, descending) */
};
void etcd_encode_range(buf_t *out, const char *key, size_t key_len, const char *end,
		       size_t end_len, int64_t limit, unsigned flags);
void etcd_encode_txn(buf_t *out, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then,
		     size_t nthen, const etcd_op_t *otherwise, size_t nother);

/* Decodes a range answer, calling fn per kv; more, count and revision (the
 * answer's header.revision) may be NULL. The last key seen is left in
 * last_key (for paging), when non-NULL. */
int etcd_decode_range(const char *json, size_t len, etcd_kv_fn fn, void *ctx, bool *more,
		      int64_t *count, buf_t *last_key, int64_t *revision, err_t *err);
int etcd_decode_txn(const char *json, size_t len, bool *succeeded, int64_t *revision,
		    err_t *err);
/* The kvs of the range responses of a txn answer, fn called per kv. */
int etcd_decode_txn_ranges(const char *json, size_t len, etcd_kv_fn fn, void *ctx,
			   int64_t *revision, err_t *err);

#endif
