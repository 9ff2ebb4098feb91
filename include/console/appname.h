/*
 * appname — which app names may be registered (spec §9.3 #9).
 *
 * A name is lower-case letters and digits in dash-separated words, starting
 * with a letter: ^[a-z][a-z0-9]*(-[a-z0-9]+)*$, at most 64 characters, and
 * not one of lain-sdk's reserved words (service, resource, portal). Dots are
 * refused, so no user can register a name of the resource-instance form
 * "resource.<res>.<client>" (those are created by deploys only).
 */
#ifndef CONSOLE_APPNAME_H
#define CONSOLE_APPNAME_H

#include "console/err.h"

#define APPNAME_MAX 64

/* 0, or -ERR_INVALID with a message that says why. */
int appname_check(const char *name, err_t *err);

#endif
