#ifndef FO_FLINK_SIM_H
#define FO_FLINK_SIM_H

/* One simulated Flink cluster (a JobManager with its TaskManagers): the pure state machine
 * behind the fake Flink REST server. No sockets, no clock reads: every call takes the current
 * time in epoch milliseconds, and fo_flink_sim_advance moves the simulation to that time, so
 * tests are deterministic (they pass the time of a fake clock).
 *
 * What it models (Flink's JobStatus and the REST API's asynchronous operations):
 *   - jobs: INITIALIZING -> CREATED -> RUNNING (the default scheduler turns a job RUNNING before
 *     it has slots: its tasks wait SCHEDULED while free slots are fewer than its parallelism;
 *     under jobmanager.scheduler: adaptive the job waits in CREATED instead) -> FINISHED (bounded jobs, stop-with-savepoint) / CANCELLING ->
 *     CANCELED / FAILING -> FAILED / RESTARTING -> RUNNING (restart count, restore from the
 *     latest completed checkpoint: since 1.15, FLINK-25191, never a savepoint, which Flink no
 *     longer adds to its completed checkpoint store; before, the latest of either) / SUSPENDED;
 *   - periodic checkpoints while RUNNING when an interval is configured, with external paths
 *     `<checkpoint dir>/<job id>/chk-<n>` and retention (older ones are marked discarded); a
 *     streaming job without an interval still has checkpointing (statistics, config, triggered
 *     snapshots), a batch job (execution.runtime-mode BATCH) has no periodic ones, and none
 *     at all on the AdaptiveBatchScheduler's dynamic graph (the batch default since 1.17);
 *   - what becomes of a job's checkpoints when it ends, by the retention it runs with (its
 *     code's setting, else its submission's configuration, else the cluster's
 *     execution.checkpointing.externalized-checkpoint-retention, else Flink's default
 *     NO_EXTERNALIZED_CHECKPOINTS), as CheckpointProperties decide when the checkpoint store
 *     shuts down: FINISHED discards them whatever the retention, CANCELED unless
 *     RETAIN_ON_CANCELLATION, FAILED only under NO_EXTERNALIZED_CHECKPOINTS; savepoints stay.
 *     Discarded ones are marked so in the statistics and their paths disposed (a restore from
 *     one fails); GET /jobs/:id/checkpoints/config tells the retention;
 *   - savepoints (`<dir>/savepoint-<first 6 hex of the job id>-<12 hex>`), stop-with-savepoint,
 *     checkpoint triggers, savepoint disposal, each as an operation with a 32-hex trigger id
 *     that is IN_PROGRESS until its duration passed, then COMPLETED with a location or a
 *     failure cause;
 *   - where each job was restored from (savepoint, checkpoint or nothing);
 *   - faults: failing snapshots, failing jobs (with or without restart), restart loops.
 *
 * Views of the state are JSON documents shaped like the REST responses of the Flink version the
 * cluster runs (see flink_sim_json.c). Operations report errors as Flink does: err->http_status
 * is the HTTP status to answer and err->message the text for `{"errors": [...]}`.
 *
 * Ownership: the caller owns the sim; returned JSON is a new reference. Not thread-safe: the
 * fake server serialises access with its own lock. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"

/* Named limits on what one simulated cluster keeps. */
#define FO_FLINK_SIM_MAX_JOBS 256
#define FO_FLINK_SIM_MAX_JARS 256
#define FO_FLINK_SIM_MAX_OPS 1024       /* asynchronous operations remembered (oldest done first out) */
#define FO_FLINK_SIM_MAX_SNAPSHOTS 256  /* checkpoints/savepoints remembered per job */
#define FO_FLINK_SIM_MAX_EXCEPTIONS 16  /* Flink's web.exception-history-size default */
#define FO_FLINK_SIM_HISTORY 10         /* Flink's web.checkpoints.history default */
#define FO_FLINK_SIM_MAX_PARALLELISM 4096
#define FO_FLINK_SIM_MAX_TASKMANAGERS 1024

typedef struct fo_flink_sim fo_flink_sim;

/* Where snapshot paths live beyond one cluster (a job restored on a new cluster reads the
 * savepoint an old one wrote). All callbacks may be NULL. `lookup` returns 0 when the path is
 * unknown, 1 when it holds a snapshot (id in *checkpoint_id), 2 when it was disposed. */
typedef struct fo_flink_sim_registry {
    void *ctx;
    int (*lookup)(void *ctx, const char *path, int64_t *checkpoint_id);
    void (*record)(void *ctx, const char *path, int64_t checkpoint_id);
    void (*dispose)(void *ctx, const char *path);
    /* High availability (clusters with spec "highAvailabilityStore": true whose configuration
     * sets high-availability.type, or the legacy high-availability, to anything but NONE):
     * Flink keeps each job's latest completed checkpoint (since 1.15 never a savepoint, before
     * also one) in the HA store, recovers a job from it when a new JobManager starts (before
     * and instead of execution.savepoint.path), and removes it once the job is globally
     * terminal. ha_lookup copies the path into path[len] and returns true when there is one. */
    bool (*ha_lookup)(void *ctx, const char *job_id, char *path, size_t len,
                      int64_t *checkpoint_id);
    void (*ha_record)(void *ctx, const char *job_id, const char *path, int64_t checkpoint_id);
    void (*ha_remove)(void *ctx, const char *job_id);
} fo_flink_sim_registry;

/* A job to submit (application mode at cluster creation, or POST /jars/:jarid/run). Strings
 * are copied. */
typedef struct fo_flink_sim_job_spec {
    const char *job_id;       /* 32 lower-case hex, or NULL for a random one */
    const char *name;         /* NULL: derived from the entry class */
    const char *jar_id;       /* session jobs: the uploaded jar; may be NULL */
    const char *jar_uri;      /* application jobs: the jar URI; may be NULL */
    const char *entry_class;  /* may be NULL */
    const json_t *args;       /* array of strings, borrowed; may be NULL */
    int parallelism;          /* <= 0: the cluster's parallelism.default */
    const char *restore_path; /* savepoint/checkpoint to restore from; NULL or "" = none */
    bool allow_non_restored_state;
    const char *restore_mode; /* "CLAIM", "NO_CLAIM", "LEGACY" or NULL */
    int64_t finish_after_ms;  /* > 0: a bounded job that FINISHES after running this long */
    /* Flink configuration the job was submitted with (JarRunRequestBody.flinkConfiguration: an
     * object of strings, borrowed; may be NULL), over the cluster's: its
     * execution.checkpointing.externalized-checkpoint-retention is read. */
    const json_t *configuration;
    /* The retention the job's code sets (CheckpointConfig.setExternalizedCheckpointRetention),
     * over any configuration: an ExternalizedCheckpointRetention name, or NULL. */
    const char *checkpoint_retention;
} fo_flink_sim_job_spec;

/* Create a cluster from a control-API document (see fake_flink.h for its fields; NULL or {}
 * is a 1.20 session cluster with one TaskManager of one slot). When the document has a `job`
 * it is submitted at once (application mode). `seed` makes generated ids reproducible.
 * Returns NULL with err (FO_EINVAL naming the field) on a bad document. */
fo_flink_sim *fo_flink_sim_new(const json_t *spec, int64_t now_ms, uint64_t seed,
                               const fo_flink_sim_registry *registry, fo_err *err);
void fo_flink_sim_free(fo_flink_sim *sim);

/* Run every event due up to now_ms, in time order. Time never goes backwards (an earlier
 * now_ms is ignored). */
void fo_flink_sim_advance(fo_flink_sim *sim, int64_t now_ms);

/* The time of the next scheduled event, or INT64_MAX when nothing is scheduled. */
int64_t fo_flink_sim_next_event_ms(const fo_flink_sim *sim);

/* The simulation's current time (the largest now_ms seen). */
int64_t fo_flink_sim_now_ms(const fo_flink_sim *sim);

/* The Flink version the cluster reports ("1.20.1") and whether it is 2.x or later. */
const char *fo_flink_sim_version(const fo_flink_sim *sim);
bool fo_flink_sim_is_v2(const fo_flink_sim *sim);

/* Submit a job; its id goes to job_id_out. Errors: 409-like (DuplicateJobSubmissionException)
 * for a job id already known, 400 for a bad id, parallelism or checkpoint retention (naming
 * where it came from), FO_ELIMIT past the job limit. */
fo_rc fo_flink_sim_submit(fo_flink_sim *sim, const fo_flink_sim_job_spec *spec,
                          char job_id_out[33], fo_err *err);

/* PATCH /jobs/:id?mode=cancel. 404 for an unknown job, 409 when it already ended otherwise
 * than CANCELED; a CANCELED job is accepted again. */
fo_rc fo_flink_sim_cancel(fo_flink_sim *sim, const char *job_id, fo_err *err);

/* Snapshot triggers. target_dir NULL or "" falls back to the configured savepoint dir (400 when
 * there is none). request_trigger (may be NULL) makes the call idempotent: a known trigger id
 * returns the same operation. An operation on a job that is not RUNNING is accepted and then
 * fails, as in Flink. stop=true is stop-with-savepoint (the job FINISHES after the savepoint);
 * cancel_job=true cancels it after the savepoint. format: "CANONICAL"/"NATIVE"/NULL. */
fo_rc fo_flink_sim_trigger_savepoint(fo_flink_sim *sim, const char *job_id, const char *target_dir,
                                     bool stop, bool drain, bool cancel_job, const char *format,
                                     const char *request_trigger, char trigger_out[33],
                                     fo_err *err);
/* checkpoint_type: "CONFIGURED", "FULL", "INCREMENTAL" or NULL. */
fo_rc fo_flink_sim_trigger_checkpoint(fo_flink_sim *sim, const char *job_id,
                                      const char *checkpoint_type, const char *request_trigger,
                                      char trigger_out[33], fo_err *err);
/* POST /savepoint-disposal: completes after the savepoint duration. Fails as Flink's Dispatcher
 * does (a FlinkException "Could not dispose savepoint <path>." in a CompletionException) with
 * java.io.FileNotFoundException "Cannot find checkpoint or savepoint file/directory" for a path
 * that holds no snapshot (never taken, or disposed of already), and with java.io.IOException for
 * an injected failure (failDisposals), which disposes of nothing. 400 without a path. */
fo_rc fo_flink_sim_dispose(fo_flink_sim *sim, const char *path, char trigger_out[33], fo_err *err);

/* Fault injection. fail_job: record an exception; restart=true -> RESTARTING then RUNNING
 * (restored from the latest checkpoint), false -> FAILING then FAILED. 404 for an unknown job,
 * 409 when it is not running. message NULL = a default one. */
fo_rc fo_flink_sim_fail_job(fo_flink_sim *sim, const char *job_id, bool restart,
                            const char *message, fo_err *err);
/* Move a non-terminal job to SUSPENDED (as when the JobManager loses leadership). */
fo_rc fo_flink_sim_suspend_job(fo_flink_sim *sim, const char *job_id, fo_err *err);
/* The HA pointer write naming checkpoint_id (and every older one of the job) succeeded: on a
 * cluster created with "haPointerAck": true, the checkpoints it subsumes are discarded now, not
 * at completion. 404 for an unknown job, 400 for a negative id. */
fo_rc fo_flink_sim_ha_written(fo_flink_sim *sim, const char *job_id, int64_t checkpoint_id,
                              fo_err *err);
/* Merge a faults document: {"failSavepoints": n (-1 = all until reset, 0 = none),
 * "failCheckpoints": n, "failDisposals": n (savepoint disposals requested from now on),
 * "failureMessage": "...", "failEveryMs": n (while RUNNING, fail with a restart every n ms;
 * 0 = off)}. FO_EINVAL on a bad field. */
fo_rc fo_flink_sim_set_faults(fo_flink_sim *sim, const json_t *faults, fo_err *err);
/* Change the number of TaskManagers (waiting jobs start when slots become free). */
fo_rc fo_flink_sim_set_taskmanagers(fo_flink_sim *sim, int count, fo_err *err);

/* Jars: record an upload (content is not kept) and return its id ("<uuid>_<name>"). */
fo_rc fo_flink_sim_jar_add(fo_flink_sim *sim, const char *filename, size_t size,
                           char **jar_id_out, fo_err *err);
bool fo_flink_sim_jar_exists(const fo_flink_sim *sim, const char *jar_id);
fo_rc fo_flink_sim_jar_delete(fo_flink_sim *sim, const char *jar_id, fo_err *err);

/* True when s is a Flink id (JobID, TriggerId, ResourceID): 32 lower-case hex digits. */
bool fo_flink_sim_is_id(const char *s);

/* The state name of a job ("RUNNING"), or NULL when unknown. Borrowed constant. */
const char *fo_flink_sim_job_state(const fo_flink_sim *sim, const char *job_id);

/* REST views: new references shaped like the Flink REST responses of the cluster's version.
 * Those taking a job id return NULL with err (404) for an unknown job. */
json_t *fo_flink_sim_json_config(const fo_flink_sim *sim);           /* GET /config */
json_t *fo_flink_sim_json_jm_config(const fo_flink_sim *sim);        /* GET /jobmanager/config */
json_t *fo_flink_sim_json_overview(const fo_flink_sim *sim);         /* GET /overview */
json_t *fo_flink_sim_json_jobs(const fo_flink_sim *sim);             /* GET /jobs */
json_t *fo_flink_sim_json_jobs_overview(const fo_flink_sim *sim);    /* GET /jobs/overview */
json_t *fo_flink_sim_json_taskmanagers(const fo_flink_sim *sim);     /* GET /taskmanagers */
json_t *fo_flink_sim_json_jars(const fo_flink_sim *sim);             /* GET /jars */
json_t *fo_flink_sim_json_job(const fo_flink_sim *sim, const char *job_id, fo_err *err);
json_t *fo_flink_sim_json_job_status(const fo_flink_sim *sim, const char *job_id, fo_err *err);
json_t *fo_flink_sim_json_execution_result(const fo_flink_sim *sim, const char *job_id,
                                           fo_err *err);
/* max_exceptions < 0: all remembered. */
json_t *fo_flink_sim_json_exceptions(const fo_flink_sim *sim, const char *job_id,
                                     int max_exceptions, fo_err *err);
json_t *fo_flink_sim_json_checkpoints(const fo_flink_sim *sim, const char *job_id, fo_err *err);
/* GET /jobs/:id/checkpoints/config: 404 for an unknown job, and "Checkpointing is not enabled
 * for this job (<id>)." for a job without checkpointing, a batch job on a dynamic graph (as the
 * statistics' "Checkpointing has not been enabled."); a job without periodic checkpoints (no
 * interval, or batch) reports Long.MAX_VALUE. */
json_t *fo_flink_sim_json_checkpoint_config(const fo_flink_sim *sim, const char *job_id,
                                            fo_err *err);
json_t *fo_flink_sim_json_checkpoint_details(const fo_flink_sim *sim, const char *job_id,
                                             int64_t checkpoint_id, fo_err *err);
/* get: comma-separated metric names, or NULL to list the available ones. Flink answers a bare
 * array here (MetricCollectionResponseBody has its own serializer). */
json_t *fo_flink_sim_json_metrics(const fo_flink_sim *sim, const char *job_id, const char *get,
                                  fo_err *err);

/* AsynchronousOperationResult of an operation. kind: "savepoint" (also stop-with-savepoint),
 * "checkpoint" or "disposal" (job_id ignored). 404 when the trigger id is unknown for the job. */
json_t *fo_flink_sim_json_operation(const fo_flink_sim *sim, const char *kind, const char *job_id,
                                    const char *trigger_id, fo_err *err);

/* The fake-only control view: configuration, faults, jars, and per job its state, restart
 * count, restore source (`restoredFrom`: {path, checkpointId, savepoint, source: "submission" |
 * "ha" | "failover"} or null), savepoint
 * and checkpoint paths and the submission (entry class, args, parallelism, jar). */
json_t *fo_flink_sim_json_control(const fo_flink_sim *sim);

#endif
