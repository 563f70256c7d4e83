#ifndef FO_ADMIT_VALIDATE_H
#define FO_ADMIT_VALIDATE_H

/* POST /validate: judge a decoded AdmissionReview with the shared validator (common/validate).
 *
 * FlinkDeployment and FlinkSessionJob CREATE/UPDATE of the main resource are validated; every
 * field error goes into one denial (422 Invalid, details.causes), and deprecation warnings are
 * sent back with allow and deny alike. Everything else (DELETE, CONNECT, subresources, other
 * kinds), canaries (label flink.apache.org/canary: "true") and updates of an object being
 * deleted that leave its spec alone (metadata.generation unchanged: its finalizers coming off)
 * are allowed untouched. An object past the weight bound (req->too_large) is refused with a
 * message saying so, unless its finalizers are coming off. The webhook writes no rule of its
 * own. Thread-safe when env's callbacks are. */

#include "common/validate.h"
#include "webhook/admission.h"

/* Fill resp (initialised by the caller) for req. env may be NULL (no defaults, no cluster
 * lookups: the session-job checks that need the cluster are skipped). */
void fo_admit_validate(const fo_admission_request *req, const fo_validate_env *env,
                       fo_admission_response *resp);

#endif
