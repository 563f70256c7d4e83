#ifndef FO_RECONCILE_DEPLOYMENT_H
#define FO_RECONCILE_DEPLOYMENT_H

/* One reconcile pass of a FlinkDeployment (docs/controller.md): read the resource from the
 * cache -> deletion path when it is being deleted -> finalizer -> normalise and validate a
 * copy (the webhook's code) -> observe -> decide one step (controller/upgrade) -> act, with
 * the intent written to status first whenever the step cannot be repeated safely -> record
 * the status (only when it changed) and the Events of the transitions.
 *
 * All I/O goes through env (controller/ctl_io.h). Thread-safe for different keys; the work
 * queue guarantees one pass per key at a time. */

#include <stdint.h>

#include "common/rc.h"
#include "controller/ctl_io.h"

/* The controller-wide finalizer (reference c.18). */
#define FO_FINALIZER "flinkdeployments.flink.apache.org/finalizer"

typedef struct fo_reconcile_result {
    int64_t requeue_after_ms; /* > 0: come back after this long; 0: only on the next event */
    /* What the pass did, for logs, metrics and tests. */
    const char *action; /* fo_upgrade_action_name(), "DELETE", "GONE", "CANARY",
                           "INVALID" */
    int writes;         /* API writes made (status, objects, finalizer) */
    /* The JobManager's REST API let this pass's observation time out while the resource had
     * nothing to do but be observed (reconciled, no upgrade under way, no manual savepoint
     * asked for or in flight): the manager spaces out the passes that only come back to
     * observe it (docs/controller.md, "A JobManager that does not answer"). */
    bool flink_silent;
    /* A change is under way after this pass (a spec the status has not caught up with and that
     * was not refused, or an upgrade step): its next pass goes ahead of periodic ones. */
    bool changing;
} fo_reconcile_result;

/* Reconcile ns/name. Returns FO_OK (requeue as res says), FO_ETERMINAL for a spec that cannot
 * be acted on (status says why; do not retry until it changes), or another code for a failure
 * worth a rate-limited retry (err says which). */
fo_rc fo_reconcile_deployment(const fo_ctl_env *env, const char *ns, const char *name,
                              fo_reconcile_result *res, fo_err *err);

#endif
