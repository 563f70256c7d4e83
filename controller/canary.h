#ifndef FO_CTL_CANARY_H
#define FO_CTL_CANARY_H

/* Canary resources (docs/controller.md "Health"; reference d.4): FlinkDeployments labelled
 * flink.apache.org/canary: "true", never deployed, validated or given a status, that prove
 * the reconcile loop works. As the Apache operator does it (CanaryResourceManager): once a
 * pass has seen a canary, its spec.restartNonce is raised every timeout, and a pass must see
 * the change (a generation above the one the write started from) within the timeout. A canary
 * whose change no pass has seen for longer is overdue, and /healthz fails, so the kubelet
 * restarts a controller whose watches or workers are stuck.
 *
 * The timeout is kubernetes.operator.health.canary.resource.timeout of the operator's
 * configuration (the cluster defaults' flinkConfiguration in flinkop), default 1 min. Apache
 * tells overdue from healthy once per period (at the check that follows each write); here
 * the answer is current at every probe and says by how much the canary is overdue.
 *
 * Two departures from Apache, where a restart would mend nothing: a canary whose change the
 * API server refuses for good (400, 403, 422, a 409 that is no Conflict: RBAC, the schema, an
 * admission policy) is not exercised until a change is accepted, and one cached as a stub
 * (common/kube_oversized.h: no spec, so no restartNonce to raise) is not exercised at all;
 * both are logged and reported (fo_canary_refused, fo_canary_oversized) instead of turning
 * overdue, which would restart the controller into CrashLoopBackOff and stop every pass.
 *
 * A tracker holds what passes saw; every function is thread-safe (passes run on the workers,
 * the exercise on the manager's canary thread, reports on the health server's threads). */

#include <jansson.h>
#include <stdint.h>

#include "common/rc.h"
#include "controller/ctl_io.h"

/* KubernetesOperatorConfigOptions.CANARY_RESOURCE_TIMEOUT, and its default. */
#define FO_CANARY_TIMEOUT_KEY "kubernetes.operator.health.canary.resource.timeout"
#define FO_CANARY_TIMEOUT_DEFAULT_MS 60000
/* Canaries tracked at most (one per watched namespace is the intended use); more are not
 * exercised (a warning says so once). */
#define FO_CANARY_MAX 256

typedef struct fo_canary fo_canary;

/* An empty tracker with the default timeout. NULL when out of memory. */
fo_canary *fo_canary_new(void);
void fo_canary_free(fo_canary *t); /* NULL ok */

/* The timeout the operator's flat configuration sets (FO_CANARY_TIMEOUT_KEY, Flink's duration
 * syntax: "1 min", "30s", "500 ms"; no unit = milliseconds) into *ms: the default when unset;
 * FO_EINVAL with err naming the key, and the default in *ms, when it is no positive
 * duration. Pure. */
fo_rc fo_canary_timeout_from(const json_t *flat_conf, int64_t *ms, fo_err *err);

/* Use timeout_ms (> 0) from now on. */
void fo_canary_set_timeout_ms(fo_canary *t, int64_t timeout_ms);
int64_t fo_canary_timeout_ms(fo_canary *t);

/* A pass read the FlinkDeployment ns/name from the cache. canary: the object (borrowed) when
 * it is a canary, which the pass does nothing else with; NULL when the key is gone, no canary
 * (any more) or being deleted: it is forgotten. A canary seen for the first time (or under a
 * new uid) is due for an exercise at once. */
void fo_canary_seen(fo_canary *t, const char *ns, const char *name, const json_t *canary);

/* The exercise (the manager's periodic step): each canary due at now_ms (monotonic; never
 * exercised, or exercised a timeout ago) gets spec.restartNonce raised by one from the cached
 * object, through env->kube (a merge patch conditional on the cached resourceVersion).
 * From the moment its write is sent (env->clock, the clock of now_ms: the writes of many
 * canaries to a slow API server take time) a pass must see a generation above the cached one
 * within the timeout; while one change is still unseen the next write does not restart that
 * wait. A write that fails is logged and not repeated before the next period (as Apache's): if
 * nothing else raises the generation, the canary turns overdue, since a controller that cannot
 * write cannot reconcile either (transport errors, 401, 404, a Conflict, 429, 5xx). Unless the
 * write was refused for good (HTTP 400, 403, 422, a 409 that is no Conflict): then no wait
 * starts (one begun by an earlier failed write, whose change was never made, ends) and the
 * refusal is logged at error level, once a period, and kept for fo_canary_refused until a
 * change is accepted. A canary cached as a stub is not written (a warning says why once; see
 * fo_canary_oversized). Also logs a canary turning overdue, once. Returns the writes tried. */
int fo_canary_exercise(fo_canary *t, const fo_ctl_env *env, int64_t now_ms);

/* The overdue canaries at now_ms: a new array of {"kind", "namespace", "name", "overdueMs"
 * (past the timeout), "unseenForMs" (since the change no pass saw), "generationSeen" (by the
 * last pass), "generationAwaitedAbove"}, empty when none is. *tracked (may be NULL) gets how
 * many canaries are tracked. */
json_t *fo_canary_report(fo_canary *t, int64_t now_ms, size_t *tracked);

/* The canaries whose last write was refused for good: a new array of {"kind", "namespace",
 * "name", "code" (HTTP), "reason" (the Status reason, may be ""), "message" (the API's, cut to
 * 511 bytes)}, empty when none is. */
json_t *fo_canary_refused(fo_canary *t);

/* The canaries not exercised because the cache holds a stub of them: a new array of {"kind",
 * "namespace", "name", "reason" (why it is a stub)}, empty when none is. */
json_t *fo_canary_oversized(fo_canary *t);

#endif
