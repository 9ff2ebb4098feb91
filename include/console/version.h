/*
 * version — meta_version values and the image tags that carry them
 * (console-api.md §3.3, lain-ecosystem.md §2.1).
 *
 * A meta_version is "<commit unix timestamp>-<commit sha>". An app's registry
 * repository holds meta-<v> (its lain.yaml) and release-<v> (runnable) tags
 * among others. All functions are pure; lists are NULL-terminated arrays of
 * strings that the caller frees with version_list_free().
 */
#ifndef CONSOLE_VERSION_H
#define CONSOLE_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* The version of a meta tag: tag matches ^meta-(\S+-\S+)$. Returns a new
 * string (free() it) or NULL when tag is NULL or not a meta tag:
 * "meta-123-abc" -> "123-abc"; "release-123-abc", "meta-", "123-abc" -> NULL. */
char *version_from_meta_tag(const char *tag);

/* Meta versions found in tags, newest first by the number before the first
 * '-'. Versions whose timestamp is not a plain number are skipped (the
 * original failed the whole listing); versions with equal timestamps are all
 * kept, ordered by the rest of the version, descending; a tag listed twice
 * counts once. Never NULL (an empty list has just the terminator). */
char **version_list_meta(const char *const *tags, size_t n_tags);

/* The newest meta version that also has a release-<v> tag, or NULL if none.
 * Unlike the original (which gave up when the newest meta had no release),
 * this falls back to the newest complete pair. Free() the result. */
char *version_latest_usable(const char *const *tags, size_t n_tags);

/* True if tags holds release-<version>. */
bool version_has_release(const char *const *tags, size_t n_tags, const char *version);

/* A user-given version with every "meta-", "build-" and "release-"
 * substring removed (as the original normalised it). Free() the result. */
char *version_normalize(const char *v);

/* ^\d{10}-\w{40}$ — the form a canary image_version must have. */
bool version_is_canonical(const char *v);

void version_list_free(char **list);

#endif
