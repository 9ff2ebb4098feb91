/*
 * child — what every process the master forks (workers, the snapshot
 * watcher) does first.
 */
#ifndef CONSOLE_CHILD_H
#define CONSOLE_CHILD_H

#include <sys/types.h>

/* SIGTERM and SIGINT to on_stop (without SA_RESTART, so that they interrupt
 * a blocked accept() or read), SIGHUP ignored, SIGCHLD and SIGALRM back to
 * their defaults, every signal unblocked; SIGTERM when the master dies, and
 * _exit(0) at once when it already has (the parent is no longer master:
 * compared by pid, as the new parent may be pid 1 in a container). */
void child_init(void (*on_stop)(int), pid_t master);

#endif
