/*
 * sdnotify — tells the service manager where the master is in its life, for a
 * systemd unit of Type=notify (deploy/systemd/lain-console.service.in).
 *
 * Thin wrappers around libsystemd's sd_notify(3), which is loaded (dlopen)
 * on the first message: every call does nothing when NOTIFY_SOCKET is not
 * set (lain-console started by hand, by a test, by another supervisor), and
 * libsystemd is then never mapped. A message that cannot be sent is
 * logged as a warning and otherwise ignored — the service keeps serving.
 *
 * Only the master calls these (NotifyAccess=main: systemd ignores messages of
 * other processes), and NOTIFY_SOCKET stays in the environment so that the
 * messages of reload and stop can follow READY=1.
 */
#ifndef CONSOLE_SDNOTIFY_H
#define CONSOLE_SDNOTIFY_H

#include "console/err.h"

/*
 * Sends state (newline-separated VAR=value assignments, see sd_notify(3)).
 * Returns 0 when sent or when NOTIFY_SOCKET is unset, -ERR_UNAVAILABLE (err
 * says why) when the message could not be sent.
 */
int sdnotify_send(const char *state, err_t *err);

/*
 * READY=1 and STATUS=<printf(fmt, ...)>, cut at its first newline: the socket
 * listens and the workers run (at start), or a reload is over (after
 * sdnotify_reloading()).
 */
void sdnotify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * RELOADING=1 with MONOTONIC_USEC=<now, CLOCK_MONOTONIC>: a SIGHUP reload
 * begins; sdnotify_ready() must follow when it is over, whether the new
 * configuration was taken or refused. (systemd >= 253 wants the timestamp for
 * Type=notify-reload; older ones ignore it.)
 */
void sdnotify_reloading(void);

/* STOPPING=1: the master stops accepting and drains its workers. */
void sdnotify_stopping(void);

#endif
