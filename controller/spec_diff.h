#ifndef FO_SPEC_DIFF_H
#define FO_SPEC_DIFF_H

/* What kind of change separates the last reconciled spec of a FlinkDeployment from the new
 * one (reference c.5, the Apache operator's ReflectiveDiffBuilder): the largest class of any
 * changed field wins, IGNORE < SCALE < UPGRADE < SAVEPOINT_REDEPLOY.
 *
 * - IGNORE: job.upgradeMode, job.initialSavepointPath, job.allowNonRestoredState, the snapshot
 *   and autoscaler-reset nonces, flinkConfiguration keys under "kubernetes.operator.",
 *   "job.autoscaler." and "parallelism.default", a restartNonce removed (set to null), and
 *   (flinkop, not Apache) spec.ingress: the Ingress is re-applied in place from the recorded
 *   spec, so routing changes never restart a job.
 * - SCALE: pipeline.jobvertex-parallelism-overrides (native mode); job.parallelism and
 *   taskManager.replicas (standalone mode).
 * - SAVEPOINT_REDEPLOY: a new job.savepointRedeployNonce.
 * - UPGRADE: everything else.
 *
 * Specs are compared in canonical form (fo_flink_spec_canonical: nulls and written defaults
 * settled) and flinkConfiguration after flattening, so `a: {b: 1}` equals `a.b: "1"`.
 * Pure; thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/flink_model.h"
#include "common/rc.h"

typedef enum fo_diff_type {
    FO_DIFF_IGNORE = 0,
    FO_DIFF_SCALE,
    FO_DIFF_UPGRADE,
    FO_DIFF_SAVEPOINT_REDEPLOY,
} fo_diff_type;

/* "IGNORE", "SCALE", "UPGRADE", "SAVEPOINT_REDEPLOY" (Apache's DiffType names). */
const char *fo_diff_type_name(fo_diff_type t);

/* Longest summary kept (further changes are counted, not listed). */
#define FO_SPEC_DIFF_SUMMARY_MAX 1024

typedef struct fo_spec_diff {
    fo_diff_type type; /* IGNORE when nothing changed */
    size_t changes;    /* changed fields; 0 = the specs mean the same */
    /* Apache's shape: "FlinkDeploymentSpec[job.parallelism : 2 -> 4, image : a -> b]"; values
     * longer than a few dozen characters are cut with "...". "" when nothing changed. */
    char summary[FO_SPEC_DIFF_SUMMARY_MAX];
} fo_spec_diff;

/* Compare two FlinkDeployment specs (borrowed; either may be in canonical form or not).
 * `mode` is the effective deployment mode (it decides which changes are SCALE).
 * FO_EINVAL with err when a spec is not an object or a flinkConfiguration cannot be
 * flattened (the validator reports those first). */
fo_rc fo_spec_diff_compute(const json_t *old_spec, const json_t *new_spec, fo_flink_mode mode,
                           fo_spec_diff *out, fo_err *err);

#endif
