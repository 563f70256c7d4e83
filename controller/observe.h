#ifndef FO_CTL_OBSERVE_H
#define FO_CTL_OBSERVE_H

/* What the caches and Flink's REST API say about a FlinkDeployment now (reference c.3, c.4):
 * the JobManager Deployment's readiness (jobManagerDeploymentStatus), the job (id, name,
 * state, start time), the facts of clusterInfo, and the TaskManager count.
 *
 * fo_observe_deployment reads the JobManager (and standalone TaskManager) Deployment from the
 * cache and, only when the JobManager Deployment has an available replica, asks Flink through
 * env->flink (common/flink_rest): GET /config (reachability, flink-version, flink-revision),
 * GET /taskmanagers, and for applications GET /jobs/overview. REST failures never fail the
 * pass: they are recorded in the observation, logged and counted through env->hooks.
 *
 * fo_observe_record folds an observation into a working status, queueing the transition
 * Events (JobStatusChanged; Error with the failure cause of a FAILED job).
 * The jm status and cluster-info functions are pure. Thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "common/flink_model.h"
#include "common/flink_rest.h"
#include "controller/ctl_io.h"
#include "controller/events.h"

typedef struct fo_observed {
    /* From the cache. */
    bool jm_present;   /* the JobManager Deployment <name> exists (maybe terminating) */
    bool jm_deleting;  /* it has a deletionTimestamp */
    bool jm_available; /* spec.replicas > 0 and status.availableReplicas > 0 */
    bool tm_present;   /* standalone TaskManager Deployment <name>-taskmanager */
    bool tm_deleting;
    char jm_failure[512]; /* why the JobManager Deployment failed ("" when it did not) */
    char jm_failure_reason[64]; /* its reason alone ("ImagePullBackOff", "FailedCreate") */
    fo_flink_jm_status jm_status;

    /* From Flink's REST API. */
    bool rest_tried;        /* the JobManager was available, so Flink was asked */
    bool rest_ok;           /* GET /config answered */
    char rest_error[512];   /* the first REST failure ("" when none) */
    bool rest_timed_out;    /* a call got no answer within its timeout: the JobManager took
                             * the connection and said nothing (FO_ETIMEOUT) */
    fo_flink_config config; /* GET /config (owned; zeroed unless rest_ok) */
    bool jobs_listed;       /* GET /jobs/overview answered */
    bool has_job;           /* job holds the job's /jobs/overview entry */
    fo_flink_job job;       /* (owned: job.name); state as the Apache operator reports it:
                             * RUNNING with tasks not all running or finished is CREATED */
    int taskmanagers;       /* GET /taskmanagers count; -1 when unknown */
} fo_observed;

/* Release what an observation holds (safe on a zeroed struct). */
void fo_observed_release(fo_observed *o);

/* The JobManager deployment status (c.3): no Deployment -> MISSING; available and Flink
 * answers -> DEPLOYED_NOT_READY, or READY when it was already DEPLOYED_NOT_READY or READY (one
 * rest-ready delay later: the caller requeues after it); available but Flink silent -> stays
 * READY when it was READY (the job observer reports the REST error), else DEPLOYING; a
 * ReplicaFailure condition -> ERROR with the condition's message in failure; otherwise
 * DEPLOYING. jm may be NULL. */
fo_flink_jm_status fo_observe_jm_status(const json_t *jm, bool rest_ok, fo_flink_jm_status previous,
                                        char *failure, size_t len);

/* A failure of the JobManager's pods (borrowed array) that keeps the Deployment from becoming
 * available (c.3): a container or init container waiting with CrashLoopBackOff,
 * ImagePullBackOff, ErrImagePull, RunContainerError, CreateContainerConfigError,
 * CreateContainerError or InvalidImageName, or last terminated OOMKilled. Writes
 * "<reason>: <message>" into failure and returns true; false when none. */
bool fo_observe_pod_failure(const json_t *pods, char *failure, size_t len);

/* The kubelet's Event reason for a volume it cannot mount (a missing ConfigMap or Secret, a
 * volume that does not attach), the one reason Apache's EventUtils reads. */
#define FO_OBSERVE_FAILED_MOUNT "FailedMount"

/* Is the pod (borrowed) stuck before its containers start, as Apache's
 * EventUtils.checkForVolumeMountErrors judges it: not terminating, its condition
 * PodReadyToStartContainers (Kubernetes 1.29+; else Initialized) False and Ready False. Only
 * then are its Events worth reading. */
bool fo_observe_pod_mounting(const json_t *pod);

/* A FailedMount Event among events (borrowed array of core/v1 Events of one pod): the latest
 * one's message as "FailedMount: <message>" into failure, true; false when there is none. */
bool fo_observe_mount_failure(const json_t *events, char *failure, size_t len);

/* JobStatusObserver.JOB_NOT_FOUND_ERR: the Warning Missing's message and status.error (a
 * plain text there, as Apache writes it) when Flink does not list the recorded job. */
#define FO_OBSERVE_JOB_NOT_FOUND "Job Not Found"

/* Did this observation find the recorded job (job_id, NULL or "" = none recorded) missing
 * from Flink's job list? Only a READY JobManager whose /jobs/overview answered is believed:
 * a JobManager that just opened its port may not have submitted the job yet, and a failed
 * list says nothing (JobStatusObserver.onTargetJobNotFound runs on an answered list only). */
bool fo_observe_job_not_found(const fo_observed *o, const char *job_id);

/* Was the job cancelled, as JobStatusObserver.updateJobStatus judges a state change from
 * prev (as status held it; NULL = none yet) to state (Flink's JobStatus names): it turned
 * CANCELED, or globally terminal (FINISHED, FAILED) after CANCELLING. False when unchanged. */
bool fo_observe_job_cancelled(const char *prev, const char *state);

/* Do the retained checkpoints of a job that ended in state `ended` still exist, as Flink's
 * CheckpointProperties apply execution.checkpointing.externalized-checkpoint-retention
 * (`retention`, NULL = Flink's default NO_EXTERNALIZED_CHECKPOINTS; case-insensitive as
 * Flink reads enums): RETAIN_ON_CANCELLATION keeps them when the job is cancelled or fails,
 * DELETE_ON_CANCELLATION only when it fails, NO_EXTERNALIZED_CHECKPOINTS never; a FINISHED
 * job's are discarded whatever the retention. Savepoints are never discarded with the job. */
bool fo_observe_checkpoints_kept(const char *retention, fo_flink_job_status ended);

/* The latest completed checkpoint or savepoint of a job's statistics (the newer by id) that
 * can be restored from, as AbstractFlinkService.getLastCheckpoint reads GET
 * /jobs/:id/checkpoints; with none completed, the one the job was restored from (still its
 * latest state). Its external path (borrowed from stats), or NULL when there is none, it is
 * not externally addressable (Flink's "<checkpoint-not-externally-addressable>"), or it no
 * longer exists: Flink says it was discarded, or it is a checkpoint and checkpoints_kept
 * (fo_observe_checkpoints_kept) is false. An older snapshot is never offered in its place:
 * restoring from it would silently go back in time. */
const char *fo_observe_latest_checkpoint_path(const fo_flink_checkpoint_stats *stats,
                                              bool checkpoints_kept);

/* Is an ended job's restore source (job_status's upgradeSavepointPath, borrowed jobStatus)
 * older than a snapshot status records of the job? Its age is known only when it is itself a
 * recorded savepoint (savepointInfo.lastSavepoint or a savepointHistory entry, by location):
 * then a checkpointInfo.lastCheckpoint or another recorded savepoint triggered after it is
 * state Flink wrote later, and true. A path status does not record is the snapshot Flink's
 * statistics named the newest (by checkpoint id) when the job ended, newer than every snapshot
 * of the job status records: false, as for no path. Pure. */
bool fo_observe_restore_path_superseded(const json_t *job_status);

/* Pick the job from a /jobs/overview answer: the entry whose id is job_id, or (job_id NULL)
 * the one that started last. Borrowed from jobs; NULL when there is none. */
const fo_flink_job *fo_observe_pick_job(const fo_flink_jobs *jobs, const char *job_id);

/* Flink's HA ConfigMaps of the cluster `name` in ns (labels app=<name> and
 * configmap-type=high-availability, reference c.11) from the cache: a new array of shared
 * snapshots (never modify them). */
json_t *fo_observe_ha_maps(const fo_ctl_env *env, const char *ns, const char *name);

/* The JobManager pods of the cluster `name` in ns (labels app=<name>, component=jobmanager)
 * in the cache, running or terminating: a new array of shared snapshots, NULL when out of
 * memory. While one is there, Flink may write its HA ConfigMaps. */
json_t *fo_observe_jobmanager_pods(const fo_ctl_env *env, const char *ns, const char *name);

/* Is one of them still there? */
bool fo_observe_jobmanager_pods_left(const fo_ctl_env *env, const char *ns, const char *name);


/* clusterInfo (c.3): flink-version and flink-revision from GET /config, total-cpu and
 * total-memory from the effective configuration (JobManager cpu x its cpu limit factor x
 * replicas + TaskManager cpu x its limit factor x taskmanagers; process memory in whole MiB
 * likewise, with the memory limit factors, in bytes), as the Apache operator computes and
 * prints them ("2.0", "4294967296"). flink_config may be NULL (then only the totals). New
 * reference. */
json_t *fo_observe_cluster_info(const fo_flink_config *flink_config, const json_t *conf,
                                int taskmanagers);

/* The cached Deployment `name` in obj's namespace when obj owns it (new reference), else NULL.
 * Another's Deployment of that name is no cluster of obj's: waiting for it to go would wait
 * for ever, and the deploy that follows says whose it is (apply.c). */
json_t *fo_observe_owned_deployment(const fo_ctl_env *env, const json_t *obj, const char *name);

/* Whether the cache holds obj's JobManager Deployment (or, standalone, its TaskManager one),
 * terminating or not: the same presence fo_observe_deployment reports as jm_present ||
 * tm_present, known before Flink is asked (its address depends on what runs). */
bool fo_observe_cluster_present(const fo_ctl_env *env, const json_t *obj, bool standalone);

/* Observe the resource `obj` (borrowed). A JobManager that is not available is also judged
 * by its pods (fo_observe_pod_failure, then for a pod stuck before its containers start
 * (fo_observe_pod_mounting) its FailedMount Events through env->kube.events_about): a failing
 * pod makes the status ERROR. base_url is the
 * cluster's REST base URL; job_id the recorded job id (NULL = pick the newest). previous is the
 * stored JobManager status. Fills o (release it with fo_observed_release). base_url "" = Flink
 * cannot be addressed (asked anyway, so the failure is recorded like any other). */
void fo_observe_deployment(const fo_ctl_env *env, const json_t *obj, const char *base_url,
                           bool application, bool standalone, const char *job_id,
                           fo_flink_jm_status previous, fo_observed *o);

/* Fold o into the working status st: jobManagerDeploymentStatus; for applications the job
 * block (jobId, jobName, state, startTime; updateTime = now_ms when the state changed, with a
 * Normal JobStatusChanged event; RUNNING becomes RECONCILING when Flink could not be asked
 * although the JobManager was READY; a FAILED job's failure cause from
 * GET /jobs/:id/execution-result goes into status.error with a Warning Error event);
 * clusterInfo when Flink answered. env is used only for the execution-result call. */
void fo_observe_record(const fo_ctl_env *env, const char *base_url, const fo_observed *o,
                       bool application, const json_t *conf, json_t *st, fo_ctl_evbuf *events,
                       int64_t now_ms);

#endif
