/*
 * mountpolicy — which hosts the mountpoints of a lain.yaml may claim
 * (issue 14 #4). webrouter sends a host's traffic (under a path) to the
 * proc whose mountpoint names it, so a mountpoint on another app's host or
 * on a service of the cluster takes their traffic; lain-sdk allowed any.
 * Pure: a function of the parsed lain.yaml and the facts below; the deploy
 * (deployer.c) and `lain-console render` use it alike.
 *
 * The host of a mountpoint is the text before its first '/', compared
 * without case, port or trailing dot. A mountpoint is refused when its
 * host
 *   - has a '*' (or is empty): it claims every host;
 *   - is a service host: <service>.<d> or <service>.lain for every cluster
 *     domain d and every name of mountpolicy_services (console, registry,
 *     sso, ...), or one of the policy's service_hosts (the hosts of the
 *     configured neighbours' URLs) — also for the app named like the
 *     service: such apps are the cluster's, deployed by its admins;
 *   - is a cluster domain itself, or lies under one (or under "lain") and
 *     is not one of the app's own default hosts <appdomain>.<d> /
 *     <appdomain>.lain (appdomain: the app's name split on '.' and
 *     reversed): those are other apps' hosts, registered or to come.
 * Hosts outside the cluster's domains (www.example.com) are any app's.
 * A LAIN admin's deploy (cluster_admin) is not checked.
 */
#ifndef CONSOLE_MOUNTPOLICY_H
#define CONSOLE_MOUNTPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "console/err.h"
#include "console/lainyaml.h"

/* The services of a LAIN cluster whose <name>.<domain> no app may claim;
 * NULL-terminated. */
extern const char *const mountpolicy_services[];

typedef struct mountpolicy {
	const char *appname;                   /* the app deployed (an instance's full name) */
	const char *domain;                    /* the cluster domain (required) */
	const char *const *extra_domains;
	size_t n_extra_domains;
	const char *const *service_hosts;      /* more hosts no app may claim (NULL: none) */
	size_t n_service_hosts;
	bool cluster_admin;                    /* a LAIN admin deploys: anything goes */
} mountpolicy_t;

/* 0 when every mountpoint of conf's procs may be claimed under p; else
 * -ERR_NOT_ACCEPTABLE naming the first that may not, its proc and why:
 * "mountpoint 'hello.lain.local/' of proc shop.web.web is the host of app
 * 'hello': only a LAIN admin may deploy it". */
int mountpolicy_check(const lain_conf_t *conf, const mountpolicy_t *p, err_t *err);

#endif
