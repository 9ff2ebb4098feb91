#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "console/log.h"
#include "console/sdnotify.h"
#include "console/banned.h"

/* libsystemd's sd_notify, loaded on the first message there is a service
 * manager to send to: libsystemd and what it links (libgcrypt, liblzma,
 * liblz4, libzstd, libcap) are not mapped into a master, nor into the
 * workers it forks, that has nobody to tell. NULL when it cannot be loaded
 * (*why says why). */
static __typeof__(sd_notify) *notify_fn(const char **why)
{
	static __typeof__(sd_notify) *fn;
	static const char *failed;
	if (!fn && !failed) {
		void *lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		if (lib)
			*(void **)&fn = dlsym(lib, "sd_notify");
		if (!fn)
			failed = dlerror();
	}
	*why = failed ? failed : "";
	return fn;
}

int sdnotify_send(const char *state, err_t *err)
{
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	const char *why;
	__typeof__(sd_notify) *notify = notify_fn(&why);
	if (!notify)
		return err_set(err, -ERR_UNAVAILABLE,
			       "cannot notify the service manager: libsystemd.so.0: %s", why);
	/* sd_notify() answers 0 without NOTIFY_SOCKET, > 0 once sent. */
	int rc = notify(0, state);
	if (rc < 0)
		return err_set(err, -ERR_UNAVAILABLE, "cannot notify the service manager at '%s': %s",
			       getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "", strerror(-rc));
	return 0;
}

static void send_or_warn(const char *state)
{
	err_t err = ERR_INIT;
	if (sdnotify_send(state, &err))
		log_warn("%s", err.msg);
}

void sdnotify_ready(const char *fmt, ...)
{
	char status[400], state[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	/* STATUS= is one line. */
	status[strcspn(status, "\n")] = '\0';
	snprintf(state, sizeof(state), "READY=1\nSTATUS=%s", status);
	send_or_warn(state);
}

void sdnotify_reloading(void)
{
	struct timespec now;
	char state[96];
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t usec = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, usec);
	send_or_warn(state);
}

void sdnotify_stopping(void)
{
	send_or_warn("STOPPING=1\nSTATUS=draining: letting the workers finish their requests");
}
