#ifndef FO_CTL_STATUS_H
#define FO_CTL_STATUS_H

/* The status of a FlinkDeployment as a pass leaves it (reference a.7, c.4, c.20): the error
 * text in Apache's shape, stable-spec marking, lifecycleState, the taskManager block, and the
 * conditions (Apache's Running plus kstatus Ready, Reconciling, Stalled), then the minimal
 * merge patch that writes it - none at all when nothing changed, so an idle pass writes
 * nothing. Pure: time comes in as now_ms; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/flink_model.h"

/* status.error types (the Java exception classes the Apache operator names). */
#define FO_ERROR_VALIDATION "org.apache.flink.kubernetes.operator.exception.ValidationException"
#define FO_ERROR_UPGRADE_FAILURE                                                                   \
    "org.apache.flink.kubernetes.operator.exception.UpgradeFailureException"
#define FO_ERROR_DEPLOYMENT_FAILED                                                                 \
    "org.apache.flink.kubernetes.operator.exception.DeploymentFailedException"
#define FO_ERROR_RECONCILIATION                                                                    \
    "org.apache.flink.kubernetes.operator.exception.ReconciliationException"
#define FO_ERROR_MISSING_JOBMANAGER                                                                \
    "org.apache.flink.kubernetes.operator.exception.MissingJobManagerException"
/* A failed job's failure: JobResult's SerializedThrowable, as JobStatusObserver passes it on. */
#define FO_ERROR_JOB_FAILED "org.apache.flink.util.SerializedThrowable"

/* Longest message kept in status.error and condition messages (Apache's field limit). */
#define FO_STATUS_MESSAGE_MAX 2048
/* Causes listed in status.error's throwableList (kubernetes.operator.exception.throwable.list
 * .max.count, default 2). */
#define FO_STATUS_THROWABLE_LIST_MAX 2

/* status.error as the Apache operator writes it (FlinkResourceException serialised):
 * {"type":"<type>","message":"<message>","additionalMetadata":{},"throwableList":[]},
 * message cut to FO_STATUS_MESSAGE_MAX bytes on a UTF-8 boundary. Caller frees; NULL when out
 * of memory. */
char *fo_status_error_text(const char *type, const char *message);

/* The same with additionalMetadata {"reason": reason}, as Apache writes a
 * DeploymentFailedException (reason NULL or "": none). Caller frees; NULL when out of memory. */
char *fo_status_error_text_reason(const char *type, const char *message, const char *reason);

/* The same with additionalMetadata a copy of meta (an object; NULL: {}). Caller frees; NULL
 * when out of memory. */
char *fo_status_error_text_meta(const char *type, const char *message, const json_t *meta);

/* status.error of an exception and its causes as the Apache operator writes a Flink
 * SerializedThrowable (FlinkResourceExceptionUtils): {"type","message","additionalMetadata":
 * {},"throwableList":[...]} with messages[0] the exception's message, then messages[1..n-1]
 * its causes' as throwableList entries {"type","message","additionalMetadata":{}} (at most
 * FO_STATUS_THROWABLE_LIST_MAX), every entry of the same type: a SerializedThrowable's causes
 * are SerializedThrowables. A NULL message leaves "message" out (an exception without one).
 * Messages are cut as fo_status_error_text cuts them. Caller frees; NULL when out of memory
 * or n is 0. */
char *fo_status_error_throwables(const char *type, const char *const *messages, size_t n);

/* The message inside a status.error text (its "message" member), or the text itself when it is
 * not such JSON, into buf. Returns buf ("" for NULL). */
char *fo_status_error_message(const char *error, char *buf, size_t len);

/* Does a status.error text name this exception type? */
bool fo_status_error_is(const char *error, const char *type);

/* Set (or add) the condition `type` in status.conditions: status ("True", "False",
 * "Unknown"), reason, message and observedGeneration are written as given;
 * lastTransitionTime moves to now_ms only when status differs from the stored one (or the
 * condition is new). Other conditions are kept in their order. */
void fo_status_set_condition(json_t *status, const char *type, const char *cond_status,
                             const char *reason, const char *message, int64_t generation,
                             int64_t now_ms);

/* A condition of status by type (borrowed) or NULL. */
const json_t *fo_status_condition(const json_t *status, const char *type);

/* What fo_status_finish needs beyond the status itself. */
typedef struct fo_status_facts {
    const char *name;    /* metadata.name (taskManager.labelSelector) */
    int64_t generation;  /* metadata.generation of the object this pass saw */
    bool application;    /* the last reconciled (else desired) spec has a job */
    bool last_suspended; /* last reconciled job.state is suspended */
    int tm_replicas;     /* TaskManagers for status.taskManager.replicas; < 0 = leave */
    /* The pass is blocked until a person acts (invalid spec, refused upgrade, an object we do
     * not own): reason in CamelCase ("InvalidSpec", "UpgradeRefused", "NotOwned") and the
     * message. NULL = not stalled by this pass. */
    const char *stalled_reason;
    const char *stalled_message;
} fo_status_facts;

/* Finish a working status in place:
 * 0. before the first deployment (no lastReconciledSpec), the defaults Apache's status has
 *    then, where absent: jobManagerDeploymentStatus MISSING, reconciliationStatus
 *    {reconciliationTimestamp 0, state UPGRADING};
 * 1. lastStableSpec = lastReconciledSpec when the reconciliation state is DEPLOYED and the
 *    spec runs: application job RUNNING or FINISHED (or the recorded spec is suspended),
 *    session JobManager READY (c.4);
 * 2. lifecycleState from the rules of a.7 (fo_flink_lifecycle_derive);
 * 3. taskManager {labelSelector "component=taskmanager,app=<name>", replicas}; for an
 *    application whose recorded spec is suspended {labelSelector "", replicas 0}, as Apache;
 * 4. conditions Running (c.20), Ready, Reconciling and Stalled (kstatus: Ready when the
 *    lifecycle is STABLE or SUSPENDED with observedGeneration current and nothing stalled;
 *    Stalled when a person must act or the lifecycle is FAILED; Reconciling otherwise).
 * Messages carry no timestamps, so finishing an unchanged status twice changes nothing. */
void fo_status_finish(json_t *status, const fo_status_facts *f, int64_t now_ms);

/* The merge patch body that turns old_status into new_status on the status subresource:
 * {"metadata": {"resourceVersion": rv}, "status": <merge patch>} (rv NULL = unconditional),
 * or NULL when they are equal. Removed members become null; arrays are replaced whole.
 * New reference. */
json_t *fo_status_patch(const json_t *old_status, const json_t *new_status, const char *rv);

/* "Running", "Failed", "Reconciling" ... : a JobStatus name in CamelCase, into buf. */
char *fo_status_camel(const char *upper, char *buf, size_t len);

#endif
