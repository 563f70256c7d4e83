#ifndef FO_CTL_EVENTS_H
#define FO_CTL_EVENTS_H

/* Events of one reconcile pass (reference c.19), held until the pass has recorded its status
 * and then sent through the fo_ctl_events seam. Holding them back means a pass whose status
 * write fails (a 409 from a stale cache) emits nothing, and the retry that succeeds emits
 * each transition once; repeats that still happen are folded by the recorder
 * (common/kube_events: count + lastTimestamp).
 *
 * The buffer is owned by the pass (on its stack); not thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/kube_events.h"
#include "controller/ctl_io.h"

/* Reasons (Apache's EventRecorder.Reason names, plus the free-form ones it uses). */
#define FO_REASON_SUBMIT "Submit"
#define FO_REASON_JOB_STATUS_CHANGED "JobStatusChanged"
#define FO_REASON_SPEC_CHANGED "SpecChanged"
#define FO_REASON_VALIDATION_ERROR "ValidationError"
#define FO_REASON_MISSING "Missing"
#define FO_REASON_RECOVER_DEPLOYMENT "RecoverDeployment"
#define FO_REASON_CLEANUP "Cleanup"
#define FO_REASON_CLEANUP_FAILED "CleanupFailed"
#define FO_REASON_ERROR "Error"
#define FO_REASON_SUSPENDED "Suspended"
#define FO_REASON_UPGRADE_FAILED "UpgradeFailed"
#define FO_REASON_SAVEPOINT_ERROR "SavepointError"
#define FO_REASON_CHECKPOINT_ERROR "CheckpointError"
/* flinkop's own: a Deployment of the cluster that had no owner was given the resource's
 * (a cluster an Apache operator before 1.3 deployed, controller/reconcile_takeover.c). */
#define FO_REASON_ADOPTED "Adopted"
/* flinkop's own: the restart of a job that keeps failing waits
 * (kubernetes.operator.job.restart.failed, controller/restart_backoff.h). */
#define FO_REASON_RESTART_BACKOFF "RestartBackoff"

/* source.component of an Event: the Apache operator's EventRecorder.Component, the one it
 * names where it emits the same reason (reference c.19; `kubectl get events --field-selector
 * source=JobManagerDeployment` and alerting rules select on it). The Operator's own work
 * (validation, cleanup, snapshot triggers), the JobManager Deployment (deploys, upgrades,
 * suspends and their failures), the Flink job (its state, failure, loss and recovery). */
#define FO_COMPONENT_OPERATOR "Operator"
#define FO_COMPONENT_JOBMANAGER "JobManagerDeployment"
#define FO_COMPONENT_JOB "Job"

#define FO_CTL_EVBUF_MAX 16

typedef struct fo_ctl_evbuf {
    size_t n;
    struct {
        fo_event_type type;
        const char *component; /* one of FO_COMPONENT_* (static) */
        char reason[64];
        char message[FO_EVENT_MAX_MESSAGE];
    } ev[FO_CTL_EVBUF_MAX];
} fo_ctl_evbuf;

/* Queue an event (printf-style message) from component (FO_COMPONENT_*, a string that lives as
 * long as the buffer). Past FO_CTL_EVBUF_MAX the event is dropped and logged: one pass has no
 * business emitting more. */
void fo_ctl_evbuf_add(fo_ctl_evbuf *b, fo_event_type type, const char *component,
                      const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Is an event with this reason queued? (tests and callers that emit once per pass) */
int fo_ctl_evbuf_count(const fo_ctl_evbuf *b, const char *reason);

/* Send every queued event about obj (borrowed) and empty the buffer. */
void fo_ctl_evbuf_flush(fo_ctl_evbuf *b, const fo_ctl_env *env, const json_t *obj);

#endif
