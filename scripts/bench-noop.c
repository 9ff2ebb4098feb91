/*
 * bench-noop: a FastCGI responder that does nothing but answer 200 with a tiny
 * JSON body. scripts/bench measures it as the ceiling of the FastCGI
 * architecture (nginx -> unix socket -> prefork libfcgi workers), so it opens
 * its socket and forks its workers the way lain-console does: same settings
 * (CONSOLE_FCGI_SOCKET, CONSOLE_FCGI_SOCKET_MODE, CONSOLE_FCGI_SOCKET_GROUP,
 * CONSOLE_WORKERS or --socket/--workers), same default worker count
 * (4 x cores, at least 8), one connection per worker at a time.
 *
 * --close-at-once: a request's connection is closed as soon as the answer
 * is out, as lain-console closes it (FCGX_Detach), instead of libfcgi's
 * close, which waits for nginx to close its side first.
 *
 * It also stands in for lain-console when the stack scripts are tested
 * without the real binary: unknown options such as --config are ignored.
 *
 * Build: cc -O2 -o bench-noop scripts/bench-noop.c $(pkg-config --cflags --libs fcgi)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcgiapp.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static int close_at_once;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Parses all of s as a number in base; 0 on success. */
static int parse_long(const char *s, int base, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void worker_loop(int fd)
{
	static const char reply[] =
		"Status: 200 OK\r\n"
		"Content-Type: application/json\r\n"
		"\r\n"
		"{\"noop\": {}, \"msg\": \"\", \"url\": \"/\"}\n";
	FCGX_Request req;
	char sink[4096];

	if (FCGX_InitRequest(&req, fd, 0) != 0)
		_exit(1);
	while (!stop_requested && FCGX_Accept_r(&req) >= 0) {
		/* drain a request body so nginx never blocks on it */
		while (FCGX_GetStr(sink, (int)sizeof(sink), req.in) > 0)
			;
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
		if (close_at_once && FCGX_HasSeenEOF(req.in) == EOF)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *path = getenv("CONSOLE_FCGI_SOCKET");
	const char *workers_s = getenv("CONSOLE_WORKERS");
	const char *mode_s = getenv("CONSOLE_FCGI_SOCKET_MODE");
	const char *group = getenv("CONSOLE_FCGI_SOCKET_GROUP");
	long workers, mode, ncpu;
	pid_t *pids;
	struct sigaction sa;
	sigset_t block, old;
	int fd, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			workers_s = argv[++i];
		else if (strcmp(argv[i], "--close-at-once") == 0)
			close_at_once = 1;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++; /* stand-in: accepted and ignored */
	}
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "bench-noop: no socket: pass --socket PATH or set CONSOLE_FCGI_SOCKET\n");
		return 2;
	}
	if (mode_s == NULL || *mode_s == '\0')
		mode_s = "0660";
	if (group == NULL || *group == '\0')
		group = "www-data";
	if (parse_long(mode_s, 8, 0, 07777, &mode) != 0) {
		fprintf(stderr, "bench-noop: CONSOLE_FCGI_SOCKET_MODE '%s' is not an octal mode\n", mode_s);
		return 2;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	workers = (ncpu > 0 ? 4 * ncpu : 8);
	if (workers < 8)
		workers = 8;
	if (workers_s != NULL && *workers_s != '\0' &&
	    parse_long(workers_s, 10, 1, 1024, &workers) != 0) {
		fprintf(stderr, "bench-noop: worker count '%s' is not a number in 1..1024\n", workers_s);
		return 2;
	}

	if (FCGX_Init() != 0) {
		fprintf(stderr, "bench-noop: FCGX_Init failed\n");
		return 1;
	}
	if (path[0] == '/')
		unlink(path);
	fd = FCGX_OpenSocket(path, 1024);
	if (fd < 0) {
		fprintf(stderr, "bench-noop: cannot listen on '%s'\n", path);
		return 1;
	}
	if (path[0] == '/') {
		struct group *gr = getgrnam(group);

		if (chmod(path, (mode_t)mode) != 0)
			fprintf(stderr, "bench-noop: chmod '%s': %s\n", path, strerror(errno));
		if (gr == NULL)
			fprintf(stderr, "bench-noop: group '%s' not found, socket group unchanged\n", group);
		else if (chown(path, (uid_t)-1, gr->gr_gid) != 0)
			fprintf(stderr, "bench-noop: chown '%s': %s\n", path, strerror(errno));
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* blocked until sigsuspend, so a stop signal cannot slip in before the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	pids = calloc((size_t)workers, sizeof(*pids));
	if (pids == NULL)
		abort();
	for (i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* workers die with the default action: nothing to drain here */
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			worker_loop(fd);
		}
		if (pids[i] < 0) {
			fprintf(stderr, "bench-noop: fork: %s\n", strerror(errno));
			stop_requested = 1;
			break;
		}
	}
	fprintf(stderr, "bench-noop: listening on %s with %ld workers\n", path, workers);

	while (!stop_requested)
		sigsuspend(&old);
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	if (path[0] == '/')
		unlink(path);
	free(pids);
	fprintf(stderr, "bench-noop: stopped\n");
	return 0;
}
