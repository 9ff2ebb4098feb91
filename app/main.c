/*
 * lain-console — the master process.
 *
 * Reads the configuration, opens the FastCGI socket, forks N single-threaded
 * workers (app/http/server.c) and then only watches them: a worker that dies
 * is replaced (and the request it was serving is logged), SIGHUP reloads the
 * configuration (a bad one is refused and the old one kept) and replaces the
 * workers gracefully, SIGTERM stops accepting, lets the requests in flight
 * finish, and exits. Signal handlers only set flags; the loop sleeps in
 * sigsuspend() and acts on them.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "console/api.h"
#include "console/child.h"
#include "console/cmd_render.h"
#include "console/config.h"
#include "console/ctx.h"
#include "console/log.h"
#include "console/logring.h"
#include "console/metrics.h"
#include "console/sdnotify.h"
#include "console/podcache.h"
#include "console/registry_auth.h"
#include "console/snapshot.h"
#include "console/secret.h"
#include "console/server.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define MAX_WORKERS 1024
_Static_assert(MAX_WORKERS <= METRICS_MAX_WORKERS, "a worker slot without its in-flight flag");

static volatile sig_atomic_t got_term, got_hup, got_chld, got_alrm;
static volatile sig_atomic_t worker_stop;

static void on_master_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		got_term = 1;
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	case SIGALRM:
		got_alrm = 1;
		break;
	}
}

static void on_worker_signal(int sig)
{
	(void)sig;
	worker_stop = 1;
}

struct worker {
	pid_t pid;
	unsigned generation;
	struct timespec started;
};

#define NHELPERS 3         /* the snapshot watcher, the webhook deliverer, the access log writer */

struct master {
	config_t cfg;
	const char *config_path;
	const char *flag_socket, *flag_workers;
	int listen_fd;
	char *unix_path;           /* set when listening on a unix socket */
	server_slot_t *slots;      /* shared with the workers */
	struct worker workers[MAX_WORKERS];
	unsigned generation;
	/* The processes beside the workers, one each per host (HELPERS). */
	pid_t helpers[NHELPERS];   /* -1: not running */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lain-console [--config FILE] [--socket PATH | HOST:PORT] [--workers N]\n"
		"       lain-console --check-config [--config FILE] [--socket ...] [--workers N]\n"
		"       lain-console render [options] FILE\n"
		"\n"
		"Serves the LAIN console API over FastCGI. Settings come from FILE\n"
		"(default %s, if present) and the environment (which wins);\n"
		"--check-config prints the effective settings.\n",
		CONFIG_DEFAULT_PATH);
}

/* Config file, environment, then the command-line flags. */
static int load_config(struct master *m, config_t *cfg, err_t *err)
{
	int rc = config_load(cfg, m->config_path, err);
	if (rc)
		return rc;
	if (m->flag_socket && (rc = config_set(cfg, "CONSOLE_FCGI_SOCKET", m->flag_socket, err)))
		goto fail;
	if (m->flag_workers && (rc = config_set(cfg, "CONSOLE_WORKERS", m->flag_workers, err)))
		goto fail;
	return 0;
fail:
	err_wrap(err, "command line");
	config_release(cfg);
	return rc;
}

static bool is_tcp(const char *spec)
{
	return !strchr(spec, '/') && strchr(spec, ':');
}

static int open_tcp(const char *spec, err_t *err)
{
	char *host = xstrdup(spec);
	char *colon = strrchr(host, ':');
	*colon = '\0';
	const char *port = colon + 1;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai = NULL;
	int fd = -1;
	int gai = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (gai) {
		err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: cannot resolve '%s': %s", spec,
			gai_strerror(gai));
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
		err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: cannot listen on %s: %s", spec,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (ai)
		freeaddrinfo(ai);
	free(host);
	return fd;
}

static int open_unix(struct master *m, err_t *err)
{
	const config_t *cfg = &m->cfg;
	const char *path = cfg->fcgi_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	gid_t gid = (gid_t)-1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: path '%s' is too long", path);
	if (*cfg->fcgi_socket_group) {
		struct group *gr = getgrnam(cfg->fcgi_socket_group);
		if (!gr)
			return err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET_GROUP: no group '%s'",
				       cfg->fcgi_socket_group);
		gid = gr->gr_gid;
	}
	/* The default lives under /run/lain-console/: create the folder. */
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: cannot create '%s': %s", dir,
				strerror(errno));
			free(dir);
			return -ERR_INVALID;
		}
	}
	free(dir);
	/* A socket left by an earlier run is replaced; anything else is not ours. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode))
			return err_set(err, -ERR_INVALID,
				       "CONSOLE_FCGI_SOCKET: '%s' exists and is not a socket", path);
		unlink(path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024)) {
		err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: cannot listen on '%s': %s", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ERR_INVALID;
	}
	/* So that nginx's workers (www-data) can connect (DESIGN.md facts). */
	if (chmod(path, (mode_t)cfg->fcgi_socket_mode) ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid))) {
		err_set(err, -ERR_INVALID, "CONSOLE_FCGI_SOCKET: cannot set mode/group of '%s': %s",
			path, strerror(errno));
		close(fd);
		unlink(path);
		return -ERR_INVALID;
	}
	m->unix_path = xstrdup(path);
	return fd;
}

static void worker_main(struct master *m, int index, pid_t master_pid)
{
	child_init(on_worker_signal, master_pid);

	server_slot_t *slot = &m->slots[index];
	metrics_worker_slot(index);
	podcache_worker_slot(index);
	snapshot_worker_slot(index);
	logring_worker_slot(index);
	slot->pid = getpid();
	slot->current[0] = '\0';

	ctx_t ctx = { .cfg = &m->cfg };
	err_t err = ERR_INIT;
	if (ctx_open(&ctx, &err)) {
		log_error("worker cannot start: %s", err.msg);
		_exit(2);
	}
	/* The api's routes, with its checks before every handler. */
	const router_t router = { api_routes, api_routes_count, api_route_check, api_route_done };
	const server_opts_t opts = { .router = &router, .body_limit = m->cfg.body_limit };
	int rc = server_run(m->listen_fd, &ctx, &opts, &worker_stop, slot);
	ctx_close(&ctx);
	config_release(&m->cfg);
	free(m->unix_path);
	_exit(rc ? 1 : 0);
}

/*
 * The webhook deliverer: one process per host that drains the deliveries
 * that are due (api_idle), every API_IDLE_MS and up to a second more. Not
 * the workers: a delivery may wait 10 s on a slow receiver, and a worker
 * doing it would serve nobody meanwhile; a worker only accepts, so it
 * waits for a connection the way the no-op responder does.
 */
static void deliverer_main(struct master *m, pid_t master_pid)
{
	child_init(on_worker_signal, master_pid);
	prctl(PR_SET_NAME, "lc-deliveries");
	srandom((unsigned)getpid());
	ctx_t ctx = { .cfg = &m->cfg };
	err_t err = ERR_INIT;
	if (ctx_open(&ctx, &err)) {
		log_error("webhook deliverer cannot start: %s", err.msg);
		_exit(2);
	}
	arena_t *arena = arena_new();
	while (!worker_stop) {
		long ms = API_IDLE_MS + random() % 1000;
		struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
		/* SIGTERM interrupts the pause: the stop is seen at once. */
		nanosleep(&pause, NULL);
		if (worker_stop)
			break;
		api_idle(&ctx, arena);
		arena_reset(arena);
	}
	arena_free(arena);
	ctx_close(&ctx);
	config_release(&m->cfg);
	free(m->unix_path);
	_exit(0);
}

static void watcher_main(struct master *m, pid_t master_pid)
{
	snapshot_watcher_main(&m->cfg, master_pid);
}

/* The access log writer: the workers' rings out to the log every
 * LOGRING_DRAIN_MS (logring.h). A stop ends the pause at once; what the
 * workers log after that, the master writes once they are gone. */
static void access_writer_main(struct master *m, pid_t master_pid)
{
	child_init(on_worker_signal, master_pid);
	prctl(PR_SET_NAME, "lc-accesslog");
	config_release(&m->cfg);
	free(m->unix_path);
	struct timespec pause = { 0, LOGRING_DRAIN_MS * 1000000L };
	while (!worker_stop) {
		logring_drain();
		nanosleep(&pause, NULL);
	}
	logring_drain();
	_exit(0);
}

static const struct helper {
	const char *name;
	/* Whether it runs (NULL: always). */
	bool (*wanted)(void);
	/* Runs in a child forked here, without the FastCGI socket (it serves
	 * no request); never returns. */
	void (*main)(struct master *m, pid_t master_pid);
} helpers[NHELPERS] = {
	{ "snapshot watcher", snapshot_on, watcher_main },     /* snapshot.h */
	{ "webhook deliverer", NULL, deliverer_main },
	{ "access log writer", NULL, access_writer_main },     /* logring.h */
};

/* Its pid; -1 when it is not wanted or did not start. */
static pid_t fork_helper(struct master *m, const struct helper *h)
{
	if (h->wanted && !h->wanted())
		return -1;
	pid_t master_pid = getpid();
	pid_t pid = fork();
	if (pid < 0)
		log_error("cannot fork the %s: %s", h->name, strerror(errno));
	if (pid == 0) {
		close(m->listen_fd);
		h->main(m, master_pid);
	}
	return pid < 0 ? -1 : pid;
}

/* Helper i, again when it died (status: how; -1: the first start; a clean
 * exit is a reload's stop), not in a tight loop. */
static void start_helper(struct master *m, int i, int status)
{
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		if (WIFSIGNALED(status))
			log_error("the %s died of signal %d; starting it again", helpers[i].name,
				  WTERMSIG(status));
		else
			log_error("the %s exited with status %d; starting it again",
				  helpers[i].name, WEXITSTATUS(status));
		struct timespec pause = { 0, 200 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	m->helpers[i] = fork_helper(m, &helpers[i]);
}

static void signal_helpers(struct master *m, int sig)
{
	for (int i = 0; i < NHELPERS; i++)
		if (m->helpers[i] > 0)
			kill(m->helpers[i], sig);
}

static int live_workers(const struct master *m)
{
	int n = 0;
	for (int i = 0; i < MAX_WORKERS; i++)
		n += m->workers[i].pid > 0;
	return n;
}

static void spawn(struct master *m, int index)
{
	pid_t master_pid = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot fork a worker: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		worker_main(m, index, master_pid);
	m->workers[index].pid = pid;
	m->workers[index].generation = m->generation;
	clock_gettime(CLOCK_MONOTONIC, &m->workers[index].started);
	metrics_workers_alive(live_workers(m));
}

static void signal_workers(struct master *m, int sig, bool old_only)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].pid > 0 && (!old_only || m->workers[i].generation != m->generation))
			kill(m->workers[i].pid, sig);
}

/* A free slot index for a new worker, or -1. */
static int free_slot(const struct master *m)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].pid <= 0)
			return i;
	return -1;
}

/* Reaps every dead worker; replaces those of the current generation unless
 * the master is stopping. */
static void reap(struct master *m, bool stopping)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int h;
		for (h = 0; h < NHELPERS && m->helpers[h] != pid; h++)
			;
		if (h < NHELPERS) {
			m->helpers[h] = -1;
			if (!stopping)
				start_helper(m, h, status);
			continue;
		}
		int i;
		for (i = 0; i < MAX_WORKERS && m->workers[i].pid != pid; i++)
			;
		if (i == MAX_WORKERS)
			continue;
		struct worker *w = &m->workers[i];
		bool current = w->generation == m->generation;
		const char *doing = m->slots[i].current;
		/* The request it was serving, id included: its other lines have it. */
		const char *id = m->slots[i].request_id;
		if (WIFSIGNALED(status) && !(stopping || !current))
			log_msg_id(LOG_ERROR, *doing ? id : NULL, "worker %ld died of signal %d%s%s",
				   (long)pid, WTERMSIG(status), *doing ? " while serving " : "", doing);
		else if (WIFEXITED(status) && WEXITSTATUS(status) && !stopping)
			log_msg_id(LOG_ERROR, *doing ? id : NULL, "worker %ld exited with status %d%s%s",
				   (long)pid, WEXITSTATUS(status), *doing ? " while serving " : "",
				   doing);
		w->pid = 0;
		m->slots[i].current[0] = '\0';
		m->slots[i].request_id[0] = '\0';
		metrics_worker_gone(i, status, !(stopping || !current));
		podcache_worker_gone(i, pid);
		snapshot_worker_gone(i);
		metrics_workers_alive(live_workers(m));
		if (stopping || !current)
			continue;
		/* A worker that dies right after starting (etcd config broken,
		 * ...) is not respawned in a tight loop. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - w->started.tv_sec < 1) {
			struct timespec pause = { 0, 200 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
		spawn(m, i);
	}
}

static void start_generation(struct master *m)
{
	m->generation++;
	registry_token_preload(&m->cfg);
	for (long n = 0; n < m->cfg.workers; n++) {
		int i = free_slot(m);
		if (i < 0) {
			log_error("no free worker slot (at most %d workers)", MAX_WORKERS);
			break;
		}
		spawn(m, i);
	}
}

static void reload(struct master *m)
{
	config_t fresh;
	err_t err = ERR_INIT;
	if (load_config(m, &fresh, &err)) {
		log_error("reload refused, keeping the running configuration: %s", err.msg);
		return;
	}
	if (strcmp(fresh.fcgi_socket, m->cfg.fcgi_socket))
		log_warn("CONSOLE_FCGI_SOCKET changed; the socket changes only on restart");
	free(fresh.fcgi_socket);
	fresh.fcgi_socket = xstrdup(m->cfg.fcgi_socket);
	config_release(&m->cfg);
	m->cfg = fresh;
	podcache_set_ttl(m->cfg.podstatus_ttl_ms);
	log_set_level((enum log_level)log_level_parse(m->cfg.log_level));
	log_set_format((enum log_format)log_format_parse(m->cfg.log_format));
	/* New workers with the new settings; the old ones finish what they
	 * serve and leave. */
	start_generation(m);
	signal_workers(m, SIGTERM, true);
	/* The helpers read the new config when reap starts them again. */
	signal_helpers(m, SIGTERM);
	log_info("configuration reloaded: %ld workers", m->cfg.workers);
}

static void drain(struct master *m)
{
	log_info("stopping: letting %d workers finish their requests", live_workers(m));
	signal_workers(m, SIGTERM, false);
	signal_helpers(m, SIGTERM);
	time_t deadline = time(NULL) + m->cfg.drain_timeout;
	sigset_t none;
	sigemptyset(&none);
	while (live_workers(m) > 0) {
		if (time(NULL) >= deadline) {
			log_error("drain timeout (%lds): killing %d workers", m->cfg.drain_timeout,
				  live_workers(m));
			signal_workers(m, SIGKILL, false);
			while (waitpid(-1, NULL, 0) > 0)
				;
			break;
		}
		alarm(1);
		if (!got_chld && !got_alrm)
			sigsuspend(&none);
		got_chld = 0;
		if (got_alrm) {
			/* A worker between its stop check and accept() missed
			 * the first signal; this one interrupts the accept. */
			got_alrm = 0;
			signal_workers(m, SIGTERM, false);
		}
		reap(m, true);
	}
	alarm(0);
}

int main(int argc, char **argv)
{
	struct master m = { .listen_fd = -1, .helpers = { -1, -1, -1 } };
	bool check_only = false;
	err_t err = ERR_INIT;

	if (argc > 1 && !strcmp(argv[1], "render"))
		return cmd_render(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--config")    ? &m.config_path
				    : !strcmp(a, "--socket")  ? &m.flag_socket
				    : !strcmp(a, "--workers") ? &m.flag_workers
							      : NULL;
		if (slot) {
			if (i + 1 == argc) {
				fprintf(stderr, "lain-console: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		} else if (!strcmp(a, "--check-config")) {
			check_only = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "lain-console: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}

	if (load_config(&m, &m.cfg, &err)) {
		fprintf(stderr, "lain-console: invalid configuration: %s\n", err.msg);
		return 1;
	}
	if (check_only) {
		config_print(&m.cfg, stdout);
		config_release(&m.cfg);
		return 0;
	}
	log_set_level((enum log_level)log_level_parse(m.cfg.log_level));
	log_set_format((enum log_format)log_format_parse(m.cfg.log_format));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	secret_init();
	FCGX_Init();
	signal(SIGPIPE, SIG_IGN);

	m.listen_fd = is_tcp(m.cfg.fcgi_socket) ? open_tcp(m.cfg.fcgi_socket, &err)
						 : open_unix(&m, &err);
	if (m.listen_fd < 0) {
		log_error("%s", err.msg);
		config_release(&m.cfg);
		return 1;
	}
	m.slots = mmap(NULL, sizeof(server_slot_t) * MAX_WORKERS, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m.slots == MAP_FAILED) {
		log_error("cannot map the worker scoreboard: %s", strerror(errno));
		return 1;
	}
	/* The counters of every worker, for the life of this master: a
	 * respawned worker or a reload's new ones add to them. */
	const char **route_names = xcalloc(api_routes_count, sizeof(*route_names));
	for (size_t i = 0; i < api_routes_count; i++)
		route_names[i] = api_routes[i].pattern;
	int mrc = metrics_open(route_names, api_routes_count, &err);
	free(route_names);
	if (mrc) {
		log_error("%s", err.msg);
		return 1;
	}
	/* The workers' access lines, written out in batches (logring.h). */
	if (logring_open(MAX_WORKERS, &err)) {
		log_error("%s", err.msg);
		return 1;
	}
	/* deployd's pod status, shared by the workers (podcache.h). */
	if (podcache_open(m.cfg.podstatus_ttl_ms, &err)) {
		log_error("%s", err.msg);
		return 1;
	}
	/* The app records, watched from etcd for the workers (snapshot.h). */
	if (snapshot_open(&m.cfg, &err)) {
		log_error("%s", err.msg);
		return 1;
	}

	/* Signals are blocked except inside sigsuspend(): no flag is missed
	 * between a check and the sleep. */
	sigset_t block, none;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&none);
	struct sigaction sa = { .sa_handler = on_master_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	log_info("lain-console listening on %s with %ld workers, etcd %s", m.cfg.fcgi_socket,
		 m.cfg.workers, m.cfg.etcd_host);
	for (int i = 0; i < NHELPERS; i++)
		start_helper(&m, i, -1);
	start_generation(&m);
	/* The socket listens (connections queue in its backlog) and the
	 * workers are forked: ready for systemd (Type=notify). */
	sdnotify_ready("serving on %s with %ld workers", m.cfg.fcgi_socket, m.cfg.workers);

	while (!got_term) {
		if (!got_hup && !got_chld)
			sigsuspend(&none);
		if (got_chld) {
			got_chld = 0;
			reap(&m, false);
		}
		if (got_hup && !got_term) {
			got_hup = 0;
			sdnotify_reloading();
			reload(&m);
			sdnotify_ready("serving on %s with %ld workers", m.cfg.fcgi_socket,
				     m.cfg.workers);
		}
	}
	sdnotify_stopping();

	/* Stop accepting: no new connection reaches the socket path. */
	if (m.unix_path)
		unlink(m.unix_path);
	drain(&m);
	signal_helpers(&m, SIGTERM);
	for (int i = 0; i < NHELPERS; i++)
		if (m.helpers[i] > 0)
			waitpid(m.helpers[i], NULL, 0);
	/* The access lines the workers logged after the writer's last look. */
	logring_drain();
	close(m.listen_fd);
	log_info("lain-console stopped");
	munmap(m.slots, sizeof(server_slot_t) * MAX_WORKERS);
	metrics_close();
	podcache_close();
	snapshot_close();
	logring_close();
	registry_token_preload(NULL);
	free(m.unix_path);
	config_release(&m.cfg);
	curl_global_cleanup();
	return 0;
}
