#ifndef FO_WH_REVIEW_JSON_H
#define FO_WH_REVIEW_JSON_H

/* The AdmissionReview reader: common/json_read.h with a filter that checks all of the body as
 * JSON but leaves out what the webhook never reads. A review of a running deployment is 20 KB,
 * about half of it oldObject and managedFields; validation compares with
 * status.reconciliationStatus, never with oldObject (reference b.2).
 *
 * Skipped members (with FO_WH_JSON_REVIEW) are checked like everything else, then left out of
 * the result: everything in request.oldObject but its metadata.generation (which tells whether
 * an update changes the spec), request.userInfo, request.options,
 * request.object.metadata.managedFields, and everything in request.object.status but
 * reconciliationStatus.lastReconciledSpec (the rules compare the spec with it; the rest of a
 * status is the controller's, and no member of it of the wrong type may stand in the way of a
 * user's change). With FO_WH_JSON_REVIEW_NO_STATUS (/mutate) all of request.object.status is
 * left out too, while oldObject.spec.jobManager.podTemplate, spec.taskManager.podTemplate and
 * its kubectl.kubernetes.io/last-applied-configuration annotation are kept
 * (common/own_templates.h compares with them). An integer past 64 bits is read as a real, as
 * the API server (which wrote it from a float64) read it, so that validation names the field
 * instead of the whole review being refused. Acceptance and results otherwise as
 * fo_json_read (= json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL)). Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/flink_model.h"
#include "common/json_read.h"
#include "common/rc.h"

#define FO_WH_JSON_MAX_DEPTH FO_JSON_READ_MAX_DEPTH
/* The most one review may build, in json_read's weight (review modes: a value 1, an object 3,
 * each key 1 more; what is skipped weighs nothing): the bound on a Flink resource's weight,
 * which the controller holds to as well. The body limit alone does not bound memory: what is
 * built costs 140-700 bytes a value on /mutate (jansson, then the copies and the patch)
 * whatever its text, so a 2.8 MB review of one-character strings took the webhook to 177 MB,
 * and 300 KB of empty objects to 74 MB. Measured peaks at this bound are in
 * docs/performance.md. */
#define FO_WH_JSON_MAX_WEIGHT FO_FLINK_MAX_OBJECT_WEIGHT

typedef enum fo_wh_json_mode {
    FO_WH_JSON_ALL,              /* build everything (what json_loadb builds) */
    FO_WH_JSON_REVIEW,           /* leave out the members listed above */
    FO_WH_JSON_REVIEW_NO_STATUS, /* and request.object.status; oldObject's role templates
                                    kept (for /mutate) */
    FO_WH_JSON_REVIEW_NO_STATUS_NO_OLD, /* the same without oldObject's role templates (a
                                           review past the bound with them) */
    FO_WH_JSON_REVIEW_IDENTITY,  /* of request.object only metadata.name, namespace,
                                    generation, deletionTimestamp and the canary label (a
                                    review past the weight bound: webhook/admission.h) */
} fo_wh_json_mode;

/* Parse buf[0..len) (need not be NUL-terminated); *nul_key_built (when not NULL) is set when a
 * key holding NUL was built (common/json_read.h). Returns a new reference, or NULL with err:
 * FO_EINVAL "invalid JSON at line L, column C: <why>" (column counts characters, as jansson
 * does), FO_ELIMIT "more than FO_WH_JSON_MAX_WEIGHT JSON values (...)" (review modes) or FO_ENOMEM. */
json_t *fo_wh_json_parse(const char *buf, size_t len, fo_wh_json_mode mode, bool *nul_key_built,
                         fo_err *err);

#endif
