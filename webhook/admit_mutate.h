#ifndef FO_ADMIT_MUTATE_H
#define FO_ADMIT_MUTATE_H

/* POST /mutate: the JSON Patch that normalises a FlinkDeployment or FlinkSessionJob.
 *
 * Works on a copy of request.object: fo_normalize_resource (defaults, cluster-wide pod
 * defaults layered under the resource's own templates, the target.session label on session
 * jobs), then fo_json_patch_diff(before, after). No change gives no patch; since normalising is
 * idempotent, mutating the mutated object gives no patch either. dryRun changes nothing here
 * (the webhook has no side effects). DELETE, CONNECT, subresources, other kinds and canaries
 * are allowed without a patch. Thread-safe. */

#include "common/cluster_defaults.h"
#include "webhook/admission.h"

/* Fill resp (initialised by the caller, allowed) with the patch for req. cd may be NULL (no
 * cluster defaults). An object the normaliser refuses is allowed without a patch and with a
 * warning saying why (validation reports the problem). */
void fo_admit_mutate(const fo_admission_request *req, const fo_cluster_defaults *cd,
                     fo_admission_response *resp);

#endif
