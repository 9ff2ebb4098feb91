#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/log.h"
#include "console/logring.h"
#include "console/strx.h"
#include "console/banned.h"

/* A line is written with one write(2) of at most this many bytes: up to
 * PIPE_BUF, writes of different processes to one pipe never interleave. */
#define LINE_MAX_BYTES 4096

static enum log_level current = LOG_INFO;
static enum log_format format = LOG_TEXT;
static char request_id[128];

static const char *const names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

static const char *const format_names[] = {
	[LOG_TEXT] = "text",
	[LOG_JSON] = "json",
};

int log_level_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i]))
			return (int)i;
	if (!strcasecmp(s, "warning"))
		return LOG_WARN;
	return -1;
}

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

int log_format_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (!strcasecmp(s, format_names[i]))
			return (int)i;
	return -1;
}

void log_set_format(enum log_format f)
{
	format = f;
}

void log_set_request(const char *id)
{
	size_t n = id ? strnlen(id, sizeof(request_id) - 1) : 0;
	memcpy(request_id, id ? id : "", n);
	request_id[n] = '\0';
}

/* The process's id, asked of the kernel once per process (a syscall per
 * line otherwise): forgotten in the child of every fork. */
static pid_t pid_known;

static void forget_pid(void)
{
	pid_known = 0;
}

static long log_pid(void)
{
	static bool registered;
	if (!registered) {
		pthread_atfork(NULL, NULL, forget_pid);
		registered = true;
	}
	if (!pid_known)
		pid_known = getpid();
	return (long)pid_known;
}

/* Writes one line; an access line goes to the worker's ring when it has
 * one (logring.h), to be written in a batch. */
static void log_raw(const char *line, size_t len, bool access)
{
	char out[LINE_MAX_BYTES];
	if (len > sizeof(out) - 1)
		len = sizeof(out) - 1;
	memcpy(out, line, len);
	out[len] = '\n';
	if (access && logring_put(out, len + 1))
		return;
	/* One write per line: lines of different workers never interleave. */
	if (write(2, out, len + 1) < 0) {
		/* the log is gone; nothing better to do */
	}
}

/* "2026-11-25T14:03:07.123Z" */
static void now_text(char out[32])
{
	/* The date and time to the second, made once a second (a line of
	 * every request has one: the access line). */
	static time_t second = -1;
	static char upto[24];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	if (tv.tv_sec != second) {
		struct tm tm;
		gmtime_r(&tv.tv_sec, &tm);
		snprintf(upto, sizeof(upto), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		second = tv.tv_sec;
	}
	int ms = (int)(tv.tv_usec / 1000);
	size_t n = strlen(upto);
	memcpy(out, upto, n);
	out[n] = '.';
	out[n + 1] = (char)('0' + ms / 100);
	out[n + 2] = (char)('0' + ms / 10 % 10);
	out[n + 3] = (char)('0' + ms % 10);
	out[n + 4] = 'Z';
	out[n + 5] = '\0';
}

/* The id a line carries: the one given, else the request being served. */
static const char *id_of(const char *id)
{
	if (id && *id)
		return id;
	return request_id[0] ? request_id : NULL;
}

/* A JSON line: time, pid, level, then the fields of obj (taken over). A
 * long "msg" is cut until the line fits one write. */
static void emit_json(enum log_level level, json_object *obj, bool access)
{
	char when[32];
	now_text(when);
	json_object *line = json_object_new_object();
	json_object_object_add(line, "time", json_object_new_string(when));
	json_object_object_add(line, "pid", json_object_new_int64((int64_t)log_pid()));
	json_object_object_add(line, "level", json_object_new_string(names[level]));
	json_object_object_foreach(obj, k, v)
		json_object_object_add(line, k, json_object_get(v));
	json_object_put(obj);
	for (;;) {
		size_t len;
		const char *s = json_object_to_json_string_length(
			line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		json_object *msg;
		if (len < LINE_MAX_BYTES || !json_object_object_get_ex(line, "msg", &msg) ||
		    !json_object_get_string_len(msg)) {
			log_raw(s, len, access);
			break;
		}
		/* Escapes may make a byte six: halve until it fits. */
		int keep = json_object_get_string_len(msg) / 2;
		json_object_object_add(line, "msg",
				       json_object_new_string_len(json_object_get_string(msg), keep));
	}
	json_object_put(line);
}

/* Appends len bytes of s to line[0..n), cut at LINE_MAX_BYTES - 1; the new n. */
static size_t put(char *line, size_t n, const char *s, size_t len)
{
	if (len > LINE_MAX_BYTES - 1 - n)
		len = LINE_MAX_BYTES - 1 - n;
	memcpy(line + n, s, len);
	return n + len;
}

static size_t puts0(char *line, size_t n, const char *s)
{
	return put(line, n, s, strlen(s));
}

/* "<time> [<pid>] <level>: " into line (LINE_MAX_BYTES); its length. */
static size_t line_start(char *line, enum log_level level)
{
	char when[32], pid[STRX_UTOA_MAX];
	now_text(when);
	size_t n = puts0(line, 0, when);
	n = put(line, n, " [", 2);
	n = put(line, n, pid, strx_utoa((unsigned long long)log_pid(), pid));
	n = put(line, n, "] ", 2);
	n = puts0(line, n, names[level]);
	return put(line, n, ": ", 2);
}

/* A text line: "<time> [<pid>] <level>: <message>[ id=<id>]", written into
 * one buffer (cut at LINE_MAX_BYTES) and out with one write. */
static void text_line(enum log_level level, const char *id, const char *fmt, va_list ap)
{
	char line[LINE_MAX_BYTES];
	size_t n = line_start(line, level);
	int k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k < 0)
		return;
	n = n + (size_t)k < sizeof(line) ? n + (size_t)k : sizeof(line) - 1;
	if (id) {
		n = put(line, n, " id=", 4);
		n = puts0(line, n, id);
	}
	log_raw(line, n, false);
}

void log_vmsg_id(enum log_level level, const char *id, const char *fmt, va_list ap)
{
	if (level < current)
		return;
	id = id_of(id);
	if (format == LOG_TEXT) {
		text_line(level, id, fmt, ap);
		return;
	}
	char msg[LINE_MAX_BYTES];
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (id)
		json_object_object_add(o, "id", json_object_new_string(id));
	emit_json(level, o, false);
}

void log_msg_id(enum log_level level, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg_id(level, id, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg_id(level, NULL, fmt, ap);
	va_end(ap);
}

void log_access(const char *method, const char *uri, int status, long duration_us, const char *id)
{
	if (LOG_INFO < current)
		return;
	if (format == LOG_TEXT) {
		/* "<method> <path> <status> <n>us[ id=<id>]", in pieces: a line
		 * of every request, where a printf pass cost more than the rest. */
		char line[LINE_MAX_BYTES], num[STRX_UTOA_MAX];
		size_t n = line_start(line, LOG_INFO);
		n = puts0(line, n, method ? method : "");
		n = put(line, n, " ", 1);
		n = puts0(line, n, uri ? uri : "");
		n = put(line, n, " ", 1);
		n = put(line, n, num, strx_utoa((unsigned long long)(status < 0 ? 0 : status), num));
		n = put(line, n, " ", 1);
		n = put(line, n, num, strx_utoa(duration_us < 0 ? 0 : (unsigned long long)duration_us, num));
		n = put(line, n, "us", 2);
		if ((id = id_of(id))) {
			n = put(line, n, " id=", 4);
			n = puts0(line, n, id);
		}
		log_raw(line, n, true);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "method", json_object_new_string(method ? method : ""));
	json_object_object_add(o, "path", json_object_new_string(uri ? uri : ""));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "duration_us", json_object_new_int64(duration_us));
	id = id_of(id);
	if (id)
		json_object_object_add(o, "id", json_object_new_string(id));
	emit_json(LOG_INFO, o, true);
}
