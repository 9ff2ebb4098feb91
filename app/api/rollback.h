/*
 * rollback — POST /v1/apps/<app>/rollback/ (api.h) and the rollback runs
 * the health gate (gate.h) makes too. Internal to app/api.
 *
 * A rollback restores a release whole: its meta version (its lain.yaml read
 * from the meta image, as `deploy -v` does), every proc's image, its config
 * image as recorded (no new lvault read), instances, cpu and memory; procs
 * the release lacks are removed, procs it has that are missing are
 * created, podgroups that would not change are left alone. It is a deploy
 * run (deployer.h) with the release's procs pinned, and itself a release
 * (op "rollback", "rollback_of": the release restored).
 */
#ifndef CONSOLE_API_ROLLBACK_H
#define CONSOLE_API_ROLLBACK_H

#include "console/releases.h"
#include "deployer.h"

/*
 * The gate's rollback after run's change proved unhealthy (why): a new run
 * (*out) restoring target under run's lock, recorded pending, with
 * run->release rewritten "rolled_back" (its error why) in the same txn.
 * 0 when it ran: (*out)->failure set when the rollback itself failed (then
 * run->release is left as it was), else (*out)->release is the rollback's.
 */
int rollback_after(deploy_run_t *run, const release_t *target, const char *why,
		   deploy_run_t **out, err_t *err);

#endif
