/*
 * registry_auth — the token server of the cluster's Docker registry
 * (console-api.md §6, E6; issue 6) and the tokens lain-console mints for its
 * own registry calls (§6.4).
 *
 * `/v1/authorize/registry/` (any method; only the query is read):
 *   service   required: the token's "aud" (the registry's auth.token.service)
 *   scope     any number, each "<type>:<name>:<actions>" (token_policy.h)
 *   account   ignored: "sub" is the user whose credentials were checked
 *   Authorization: Basic base64(user:password)   optional
 *
 * The caller is, in this order:
 *   1. whitelisted: REMOTE_ADDR (nginx's $remote_addr) in
 *      /lain/config/registry_ip_whitelist or /lain/config/node_network
 *      (ipset.h; both re-read at most every 2 s per worker, the last good
 *      read kept when etcd fails): granted what it asked for among pull
 *      and push, credentials not looked at, "sub" "";
 *   2. with Basic credentials: checked at SSO (sso_check_password, cached
 *      per worker by a hash of user and password for
 *      CONSOLE_SSO_CACHE_SECONDS; failures never cached), which tells who
 *      logged in as SSO names them — the login may be an e-mail address —
 *      and their groups (nested ones included): "sub" is that name, the
 *      admin group (CONSOLE_LAIN_ADMIN_NAME) and, per app repository asked
 *      for, the app's group (cluster_app_group) are looked up in those
 *      groups (issue 14 #7);
 *   3. without: anonymous (only CONSOLE_REGISTRY_ANONYMOUS_PULL gives it
 *      anything: pull).
 * The grant is token_policy_grant's; what is not granted is left out of
 * "access" (a non-member gets a 200 with "access": [] and the registry
 * refuses the operation), never turned into an error.
 *
 * Answers:
 *   200 application/json {"token", "access_token" (the same), "expires_in"
 *       (CONSOLE_REGISTRY_TOKEN_TTL), "issued_at" (RFC 3339)}, no envelope,
 *       Cache-Control: no-store;
 *   400 {"errors":[{"code":"INVALID_REQUEST","message":...}]} (the error
 *       form of the registry's token protocol): no service, a malformed
 *       scope, more than TOKEN_REPOS_MAX repositories;
 *   401 text/plain "the username or password may not be correct." with
 *       WWW-Authenticate: Basic realm="lain registry": wrong, malformed or
 *       (unless anonymous pull is on) missing credentials;
 *   503 (502 for a nonsense answer) {"errors":[{"code":"UNAVAILABLE",...}]}:
 *       SSO or etcd down, or no signing key (the message names
 *       CONSOLE_REGISTRY_KEY).
 *
 * Claims are built per request from scratch (§9.3 #1): iss
 * (CONSOLE_REGISTRY_ISSUER), sub, aud, iat, nbf = iat - 1, exp = iat + TTL,
 * jti (128 random bits from OpenSSL, base64url), access.
 *
 * The signing key (CONSOLE_REGISTRY_KEY, PEM) is loaded once per worker on
 * first use (CTX_SLOT_TOKENS) and its algorithm and kid are logged; a
 * failed load is not kept, so the next request tries again.
 */
#ifndef CONSOLE_REGISTRY_AUTH_H
#define CONSOLE_REGISTRY_AUTH_H

#include "console/buf.h"
#include "console/config.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/http.h"

struct jws_key;

/* The handler of /v1/authorize/registry/ (route key "token") is
 * api_registry_authorize in api.h. */

/*
 * A token for lain-console's own registry calls (tags, manifests, pushes;
 * §6.4): sub "lain", aud = the cluster domain (the registry's service in a
 * LAIN cluster), access pull and push on repo, the configured issuer and
 * lifetime. Appends the compact JWS to token. -ERR_INVALID when repo is not
 * a repository name; -ERR_UNAVAILABLE when there is no key or etcd (the
 * domain) cannot be read.
 */
int registry_token_internal(ctx_t *ctx, const char *repo, buf_t *token, err_t *err);

/* The worker's signing key: the master's (registry_token_preload) when it
 * loaded the configured one, else loaded on first use (owned by ctx).
 * -ERR_UNAVAILABLE when CONSOLE_REGISTRY_KEY is unset or cannot be loaded. */
int registry_token_key(ctx_t *ctx, const struct jws_key **out, err_t *err);

/* In the master, before it forks a generation of workers: loads
 * CONSOLE_REGISTRY_KEY and signs once, so that the workers inherit the key
 * and what OpenSSL built for it instead of each decoding the PEM and
 * building it again (a worker that signed a token touched ~1.3 MB more of
 * libcrypto's pages; issue 17). A key that cannot be loaded is left to the
 * workers, which answer 503 with the reason. Called again on reload;
 * NULL forgets the key (at exit). */
void registry_token_preload(const config_t *cfg);

#endif
