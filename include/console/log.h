/*
 * log — one line per event on stderr, with time, pid and level.
 *
 *     2026-11-25T14:03:07.123Z [1234] error: etcd unavailable: ... (while listing repos)
 *
 * The master's stderr is the log file chosen by whoever starts it; workers
 * inherit it. Lines are written with a single write(2), so lines of different
 * processes never interleave.
 */
#ifndef CONSOLE_LOG_H
#define CONSOLE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn"/"warning", "error" (any case); -1 if unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Writes line as it is (plus a newline) with one write(2): the access log. */
void log_raw(const char *line, unsigned long len);

#endif
