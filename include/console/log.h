/*
 * log — one line per event on stderr, with time, pid and level, and the id
 * of the request being served when there is one.
 *
 *     2026-11-25T14:03:07.123Z [1234] error: etcd unavailable: ... id=5f0c...
 *
 * or, with CONSOLE_LOG_FORMAT=json (log_set_format), the same fields as one
 * JSON object per line, for log shippers:
 *
 *     {"time":"2026-11-25T14:03:07.123Z","pid":1234,"level":"error",
 *      "msg":"etcd unavailable: ...","id":"5f0c..."}
 *
 * A worker names the request it serves (log_set_request) for as long as it
 * serves it: every line logged meanwhile, by any module, carries its id. The
 * access line (log_access) has its own fields: method, path, status,
 * duration, id.
 *
 * The master's stderr is the log file chosen by whoever starts it; workers
 * inherit it. Lines are written with a single write(2) of at most 4096
 * bytes (a longer message is cut), so lines of different processes never
 * interleave. A worker's access lines go through its ring (logring.h) and
 * reach the log in batches, up to LOGRING_DRAIN_MS after the request.
 */
#ifndef CONSOLE_LOG_H
#define CONSOLE_LOG_H

#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* Parses "debug", "info", "warn"/"warning", "error" (any case); -1 if unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "text", "json" (any case); -1 if unknown. */
int log_format_parse(const char *s);
void log_set_format(enum log_format format);

/* The id of the request this process serves from now on (copied; NULL or
 * "" when it serves none). */
void log_set_request(const char *id);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_msg about the request whose id is given (NULL: the one being served,
 * if any). */
void log_msg_id(enum log_level level, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg_id(enum log_level level, const char *id, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The access line of one request (info): "GET /api/v1/apps/ 200 1234us
 * id=..." as text; method, path, status, duration_us and id as JSON. */
void log_access(const char *method, const char *uri, int status, long duration_us,
		const char *id);

#endif
