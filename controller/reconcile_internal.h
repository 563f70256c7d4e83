#ifndef FO_RECONCILE_INTERNAL_H
#define FO_RECONCILE_INTERNAL_H

/* State shared by the files of one FlinkDeployment pass (reconcile_deployment.c,
 * reconcile_build.c, reconcile_actions.c, reconcile_cleanup.c). Private to them. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cluster_defaults.h"
#include "common/flink_model.h"
#include "controller/apply.h"
#include "controller/ctl_io.h"
#include "controller/events.h"
#include "controller/observe.h"
#include "controller/reconcile_deployment.h"
#include "controller/spec_diff.h"
#include "controller/upgrade.h"

/* Where stop-with-savepoint gives up (Flink's checkpoint timeout default is 10 min). */
#define FO_SAVEPOINT_TIMEOUT_MS (10 * 60 * 1000)
/* A recorded savepoint intent without a trigger id Flink knows (earlier versions recorded ""),
 * with the job still RUNNING after this long, is taken as "the request never reached Flink"
 * and may be sent again. */
#define FO_SAVEPOINT_LOST_MS (60 * 1000)

typedef struct fo_pass {
    const fo_ctl_env *env;
    const fo_ctl_settings *set;
    json_t *obj; /* the resource as last read or written (owned reference) */
    char ns[64], name[256], uid[64];
    int64_t generation;
    int64_t now_ms;

    json_t *st;   /* working status (owned) */
    json_t *want; /* normalised copy of obj: the desired spec (owned) */
    json_t *last; /* last reconciled spec, canonical (owned) or NULL */
    fo_flink_spec_meta last_meta;
    bool invalid;            /* the desired spec failed validation: want is the last one */
    fo_cluster_defaults *cd; /* owned reference */
    char base_url[FO_FLINK_REST_MAX_URL]; /* the cluster's REST base URL ("" = none) */
    bool application, standalone;
    fo_spec_diff diff;
    fo_observed obs;
    fo_flink_jm_status prev_jm; /* jobManagerDeploymentStatus as stored before this pass */
    char savepoint_dir[1024];   /* of the deployed configuration ("" when none) */
    fo_ctl_evbuf events;

    /* The pass's verdict for status.error (set by actions; NULL = none this pass). */
    const char *error_type;
    char error_msg[2048];
    char error_reason[64]; /* additionalMetadata.reason of status.error ("" = none) */
    json_t *error_meta;    /* additionalMetadata of status.error (owned; NULL = the reason's) */
    const char *stalled_reason; /* for the Stalled condition */
    bool job_not_found;         /* Flink does not list the recorded job (status.error says so) */
    bool restore_source_read;   /* this pass read the ended job's statistics (upgrade.h) */
    bool restore_source_empty;  /* ... and they say its state is empty (upgrade.h state_empty) */

    json_t *want_sp_nonce; /* the desired spec.job.savepointTriggerNonce (owned; NULL: none) */
    json_t *want_cp_nonce; /* the desired spec.job.checkpointTriggerNonce (owned; NULL: none) */
    /* fo_pass_want_conf's cache: the operator configuration of want_conf_spec (both owned) */
    json_t *want_conf, *want_conf_spec;
    bool snapshot_failed;  /* a snapshot failed this pass: tried again at a later one */
    bool disposal_busy;    /* a savepoint disposal is under way, or failed this pass */
    /* the history options as fo_history_observe read them this pass (read: it did) */
    struct {
        bool read, cleanup;
        int64_t max_count, max_age;
    } hist;
    const char *action; /* what the pass did, when it is not the step's name (static) */
    int64_t requeue_ms;
    int writes;
} fo_pass;

/* ---- reconcile_deployment.c ---- */

/* Set the pass verdict (status.error type + message, stalled reason may be NULL; no
 * additionalMetadata). */
void fo_pass_fail(fo_pass *p, const char *type, const char *stalled_reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Finish the working status and patch it when it differs from the stored one; on success the
 * pass continues from the object the server returned, and the queued Events are sent. */
fo_rc fo_pass_write_status(fo_pass *p, fo_err *err);

/* Requeue no later than ms. */
void fo_pass_requeue(fo_pass *p, int64_t ms);

/* Read the latest checkpoint or savepoint of job_id, which ended in state `ended`, from Flink
 * into jobStatus.upgradeSavepointPath (SnapshotObserver.observeLatestCheckpoint): the path, or
 * none when the statistics hold nothing restorable; a failed read deletes the path (unknown:
 * read again by a later pass). conf is the deployed configuration (its checkpoint retention;
 * NULL: taken as kept), which decides only when the job's own retention cannot be told; when
 * that read failed and the configuration's would drop the checkpoint, the path is unknown too.
 * Sets p->restore_source_read when Flink answered what the conclusion needs. */
void fo_pass_record_final_state(fo_pass *p, const char *job_id, const json_t *conf,
                                fo_flink_job_status ended);


/* ---- reconcile_build.c ---- */

/* What a build needs beyond the spec. */
typedef struct fo_build_opts {
    const char *job_id;         /* application job id, or NULL */
    const char *savepoint_path; /* restore path, or NULL */
    int64_t generation;         /* the generation annotation */
    int64_t launch_ms;          /* the launch (fo_build_deployed), 0 = none */
    int render;                 /* FO_RENDER_* level of the pods, 0 = the current one */
    /* The cluster defaults to build with, scoped for the resource (owned; NULL: the current
     * ones), and their record for the flink-config ConfigMap (owned; NULL: none), as
     * fo_build_launch_defaults finds them. */
    json_t *defaults;
    char *defaults_record;
    /* Another operator launched the cluster (its JobManager Deployment's FO_FOREIGN_LAUNCH_LABEL:
     * fo_build_deployed, fo_build_cached_defaults), and the configuration its flink-config
     * ConfigMap holds (flat, owned; NULL when there is none to read), which the cluster runs
     * with and every object of it is built with (fo_build_foreign_conf). */
    bool foreign;
    json_t *foreign_conf;
} fo_build_opts;

/* Release what o owns (defaults, defaults_record, foreign_conf). */
void fo_build_opts_release(fo_build_opts *o);

/* The effective Flink configuration of obj's metadata with `spec` (new reference), or NULL
 * with err. With o->foreign_conf, the keys of the cluster's configuration file are that
 * configuration's alone (fo_launch_defaults_merge: the operator's keys stay the built ones). */
json_t *fo_build_conf(const fo_pass *p, const json_t *spec, const fo_build_opts *o, fo_err *err);

/* p->base_url: the REST address of the cluster as deployed (env's template, "{port}" from
 * rest.port of the effective configuration of the last reconciled spec). conf is that
 * configuration when the caller has built it, NULL to build it here (none recorded: Flink's
 * default port). The one place a pass makes its REST address. */
void fo_build_rest_base(fo_pass *p, const json_t *conf);

/* The effective configuration of the last reconciled spec with the defaults recorded at the
 * cluster's launch (fo_build_cached_defaults: the current ones when the cache has no record):
 * the configuration of the cluster as deployed. New reference; NULL when no spec is recorded
 * or it cannot be built. */
json_t *fo_build_deployed_conf(const fo_pass *p);

/* The flattened spec.flinkConfiguration of `spec` over the current cluster defaults scoped for
 * it (namespace, flinkVersion): what the operator's own options (kubernetes.operator.*) are
 * read from, as Apache reads its dynamic options from the deploy configuration, and what a
 * launch of `spec` would configure. New reference; NULL when out of memory or the
 * configuration cannot be flattened (the validator reports that). */
json_t *fo_build_operator_conf(const fo_pass *p, const json_t *spec);

/* fo_build_operator_conf of the desired spec (p->want's), built once a pass: the options a
 * pass reads (retries, grace periods, intervals, history limits, restart.failed) come from
 * it. Borrowed from the pass; NULL as fo_build_operator_conf. */
const json_t *fo_pass_want_conf(fo_pass *p);

/* The job id a last-state restore deploys (c.6 "fix the job ID"): the id the desired spec
 * sets ($internal.pipeline.job-id, 32 characters), else the recorded jobStatus.jobId. Into
 * id; false (id "") when there is neither. from_user tells which (may be NULL). */
bool fo_build_restore_job_id(const fo_pass *p, char id[33], bool *from_user);

/* The desired owned objects for `spec` (new array), or NULL with err. */
json_t *fo_build_objects(const fo_pass *p, const json_t *spec, const fo_build_opts *o, fo_err *err);

/* The launch of a deploy being finished: the reconciliationTimestamp its intent recorded in
 * status (0 when none). */
int64_t fo_build_intent_launch(const fo_pass *p);

/* What a deployed cluster was launched with, as its live JobManager Deployment (the cache, else
 * the API) records it, into o: the generation annotation (else status.observedGeneration, else
 * metadata.generation), the launch of its job result store (FO_LAUNCH_ANNOTATION of the
 * Deployment, else of the cached flink-config ConfigMap: a lost JobManager is recovered into
 * its launch; else fo_build_intent_launch: launched by an earlier version) and the rendering
 * level of its pods (FO_RENDER_ANNOTATION; none: FO_RENDER_LEGACY; no Deployment at all:
 * FO_RENDER_CURRENT, it is launched again; with FO_FOREIGN_LAUNCH_LABEL: o->foreign, and read
 * as the current level reads). Fails with the API's error when the Deployment is not cached
 * and cannot be read (FO_ENOTFOUND is no failure: there is none). */
fo_rc fo_build_deployed(const fo_pass *p, fo_build_opts *o, fo_err *err);

/* The cluster defaults a launch of `spec` is built with, into o->defaults and
 * o->defaults_record (controller/launch_defaults.h): the record on the cluster's flink-config
 * ConfigMap when it is one of the launch launch_ms (of any launch when `running`: drift repair
 * and the recovery of a lost JobManager go on with the launch the ConfigMap records), read from
 * the cache and, when the cache has none, from the API (a launch finished after a crash, or
 * right after our own write, must find the record it wrote); else the current defaults,
 * recorded as launch_ms's. A launch thus keeps the first defaults it wrote on every pass, and a
 * cluster launched before records existed is given the current ones at its next pass, which
 * its objects already hold. Fails with the API's error when the ConfigMap cannot be read
 * (NotFound is none), or FO_ENOMEM. */
fo_rc fo_build_launch_defaults(const fo_pass *p, const json_t *spec, int64_t launch_ms,
                               bool running, fo_build_opts *o, fo_err *err);

/* For the decisions of a pass about the cluster that runs: its recorded defaults, from the
 * cache only, into o->defaults (left NULL, the current ones, when the cache has no record); for
 * a cluster another operator launched (its cached JobManager Deployment says so), o->foreign
 * and the configuration its cached flink-config ConfigMap holds (fo_build_foreign_conf). */
void fo_build_cached_defaults(const fo_pass *p, const json_t *spec, fo_build_opts *o);

/* The configuration a cluster another operator launched runs with, into o->foreign_conf: the
 * configuration file of its flink-config ConfigMap (config.yaml or flink-conf.yaml, the one the
 * Flink version of `spec` reads first), read as its JobManager reads it (fo_flink_conf_read),
 * from the cache and, unless cached_only, from the API when the cache has none. None, or a
 * file that cannot be read (logged), leaves it NULL: the objects are then built from the spec
 * and the current defaults. Fails only with the API's error (NotFound is none). */
fo_rc fo_build_foreign_conf(const fo_pass *p, const json_t *spec, bool cached_only,
                            fo_build_opts *o, fo_err *err);

/* Candidates for pruning: every object name the resource may own. Fills refs (8 entries)
 * with names in bufs (8 x 300 bytes); returns the count. */
size_t fo_build_owned_refs(const char *name, fo_apply_ref *refs, char bufs[][300]);

/* The spec recorded as "suspended by `mode`": a copy of spec with job.state suspended and
 * job.upgradeMode mode. New reference. */
json_t *fo_build_suspended_spec(const json_t *spec, fo_flink_upgrade_mode mode);

/* Write spec as lastReconciledSpec with state, timestamp now (and lastStableSpec following
 * when `keep_stable` and the previous recorded spec was the stable one). */
void fo_build_record_spec(fo_pass *p, const json_t *spec, fo_flink_recon_state state,
                          bool keep_stable);

/* The savepoint directory of the effective configuration, or NULL. */
const char *fo_build_savepoint_dir(const json_t *conf);

/* ---- reconcile_actions.c ---- */

fo_rc fo_act(fo_pass *p, const fo_upgrade_step *s, const fo_upgrade_input *in, fo_err *err);

/* status.jobStatus of the working status (created when absent). */
json_t *fo_act_job_status(fo_pass *p);
/* Remove the savepoint trigger fields (triggerId, triggerTimestamp, triggerType, formatType). */
void fo_act_clear_trigger(fo_pass *p);
/* The pass now treats `spec` (canonicalised) as the recorded spec. */
void fo_act_adopt_last(fo_pass *p, const json_t *spec);
/* Queue the SpecChanged event with the diff summary. */
void fo_act_spec_changed_event(fo_pass *p);
/* Queue a Warning with the pass verdict, unless status.error already says the same. */
void fo_act_warn_once(fo_pass *p, const char *reason);
/* ---- reconcile_savepoint.c ---- */

fo_rc fo_act_stop_with_savepoint(fo_pass *p, const fo_upgrade_step *s, fo_err *err);
fo_rc fo_act_await_savepoint(fo_pass *p);
/* The location of the latest savepoint of job jid that Flink's checkpoint statistics show
 * triggered at or after since (epoch ms), or NULL (none, or the statistics unread). Flink's
 * clock against ours: only for a trigger or stop Flink lost. Free with free(). */
char *fo_act_savepoint_since(fo_pass *p, const char *jid, int64_t since);

/* ---- reconcile_restart.c: restarts of a job that keeps failing (controller/restart_backoff.h) */

/* Drop the restart streak on record once it no longer counts (a healthy run, another
 * generation, kubernetes.operator.job.restart.failed no longer `enabled`: then status.error
 * loses the due time too), and a RestartBackoff condition that is no readable streak. Each
 * pass, after the observation. */
void fo_restart_settle(fo_pass *p, bool enabled);
/* A restart of the FAILED job (kubernetes.operator.job.restart.failed) that is not due yet:
 * true when this pass does not restart it. status.error says when it will, a Warning
 * RestartBackoff says so once, and the pass comes back then. */
bool fo_restart_wait(fo_pass *p);
/* The restart is made in this pass: the streak on record opens or goes on. */
void fo_restart_mark(fo_pass *p);

/* ---- reconcile_snapshot.c ---- */

/* p->want_sp_nonce and p->want_cp_nonce from the desired spec. */
void fo_snap_read_nonce(fo_pass *p);
/* A MANUAL or PERIODIC savepoint or checkpoint in flight (trigger id recorded): poll it;
 * record it (a manual one's nonce too), or its failure (a manual one is retried within
 * kubernetes.operator.savepoint (checkpoint).trigger.grace-period, then given up with the
 * nonce recorded). Not asked of a JobManager that let the pass's observation time out (only
 * the snapshot timeout is judged). Then, while the job runs, the savepoint history is cut to
 * savepoint.history.max.count and .max.age. Before the decision. */
void fo_snap_observe(fo_pass *p);
/* With a record, p->want's spec takes the recorded savepointTriggerNonce and
 * checkpointTriggerNonce (or none when the record has none), whatever else changed: a pass
 * records everything but the nonces, which only their snapshot's end records (Apache's
 * updateStatusForSpecReconciliation). Before the diff. */
void fo_snap_mask_nonce(fo_pass *p);
/* Is a MANUAL or PERIODIC savepoint or checkpoint in flight (upgrades wait for it, as Apache's
 * readyToReconcile does for a savepoint)? */
bool fo_snap_in_flight(const fo_pass *p);
/* Is a snapshot the user asked for still to be taken or seen to its end: a manual one in
 * flight, or one the spec asks for (a nonce not recorded yet) for the running job of the
 * record? Such a pass is more than an observation (fo_reconcile_result.flink_silent); a
 * periodic one in flight is the operator's own and waits like the observation. After the
 * action. */
bool fo_snap_pending(const fo_pass *p);
/* A periodic savepoint or checkpoint interval that is not a duration (a Quartz cron), and a
 * checkpoint asked of a Flink version without POST /jobs/:id/checkpoints (before 1.17):
 * logged, and a Warning from the pass that observes the generation
 * (status.observedGeneration was observed_before when the pass began, and p->st holds this
 * generation now). After the step, before the status is written. */
void fo_snap_check_conf(fo_pass *p, int64_t observed_before);
/* After a CONVERGE, the job RUNNING: for each kind with nothing in flight, for a new nonce
 * (else a periodic one due) the intent (savepointInfo or checkpointInfo MANUAL or PERIODIC
 * with a drawn trigger id) is written, then POST /jobs/:id/savepoints (/checkpoints); then
 * fo_history_dispose. */
fo_rc fo_snap_trigger(fo_pass *p, fo_err *err);

/* ---- reconcile_history.c ---- */

/* The savepoint history kept to kubernetes.operator.savepoint.history.max.count (a count below
 * 1 keeps 1, as Apache) and .max.age, the newest entry always kept, while the job runs
 * (job_runs: seen RUNNING this pass) and the record is DEPLOYED. With
 * kubernetes.operator.savepoint.cleanup.enabled false, entries leave the status only. Else the
 * disposal under way (its intent in status.clusterInfo, carried over the observation's rewrite
 * of it) is asked about with GET /savepoint-disposal/:triggerid: completed, or failed because
 * the savepoint is not there (java.io.FileNotFoundException), its entry leaves the history;
 * any other failure joins the failure streak on record (disposal_backoff.h; a Warning
 * SavepointError at its first failure) and it is tried again once the streak's wait passed; one
 * Flink does not know (or never got) is sent again, unless the running job recovers from it
 * (GET /jobs/:id/checkpoints) or Flink does not say. Sets p->disposal_busy while it is under
 * way or failed this pass. Not of a JobManager that let the observation time out. Before the
 * decision. */
void fo_history_observe(fo_pass *p, bool job_runs);
/* After the triggers of a CONVERGE pass whose job runs, with cleanup enabled, no disposal
 * under way and the wait of a failure streak on record passed: the oldest entry that leaves
 * the history and is no restore source (upgradeSavepointPath, lastSavepoint, the newest entry,
 * a spec's initialSavepointPath) nor what the running job recovers from (Flink's
 * latest.restored and latest completed checkpoint, GET /jobs/:id/checkpoints; such entries
 * stay in the history) has its intent written (its location, in clusterInfo), then POST
 * /savepoint-disposal, whose trigger id goes into the intent. Nothing starts when Flink does
 * not answer the statistics. Fails only with the intent's write. */
fo_rc fo_history_dispose(fo_pass *p, fo_err *err);
/* sp (taken) as lastSavepoint and appended to savepointHistory (and a PERIODIC one's
 * timeStamp as lastPeriodicSavepointTimestamp), unless its location is lastSavepoint's
 * already. */
void fo_snap_add_savepoint(fo_pass *p, json_t *sp);

/* Delete the JobManager and TaskManager Deployments (and the HA ConfigMaps when asked); *sent
 * says how many deletes were sent. The first failing delete is returned. */
fo_rc fo_act_delete_cluster(fo_pass *p, bool delete_ha, int *sent, fo_err *err);

/* While a teardown waits for the cluster's Deployments: report one still being deleted past
 * the cleanup timeout (status.error, one Warning). */
void fo_act_report_slow_teardown(fo_pass *p);

/* Cancel the job through Flink's REST API, best effort (errors are logged). */
void fo_act_cancel_job(fo_pass *p);

/* ---- reconcile_takeover.c ---- */

/* Does the Deployment `deployment` (borrowed; may be NULL) carry FO_FOREIGN_LAUNCH_LABEL: a
 * cluster another operator launched, its pods and configuration kept until its next launch? */
bool fo_takeover_is_foreign(const json_t *deployment);

/* Is `live` (a cached Deployment, borrowed; may be NULL) one of the resource's cluster that
 * Flink's clients left without an owner, to be taken for the resource's: it has no
 * ownerReferences at all and is not being deleted; it is named as the JobManager Deployment
 * (the resource's name) or, standalone, the TaskManager one (<name>-taskmanager), and carries
 * Flink's labels for it: app=<name>, component=jobmanager or taskmanager, type of the recorded
 * mode; and the resource's record (status.reconciliationStatus.lastReconciledSpec, read only
 * for such a Deployment) is the Apache operator's, not flinkop's, with a cluster that runs (a
 * session, or a job not suspended). The component ("jobmanager", "taskmanager"; static), or
 * NULL. Reads nothing but p->obj, p->name and live. */
const char *fo_takeover_orphan(const fo_pass *p, const json_t *live);

/* Give each cached Deployment of the cluster that fo_takeover_orphan names the resource's
 * ownerReference as the Apache operator gives it (controller false, blockOwnerDeletion true),
 * with a log line and a Normal Event (queued in p->events) each; and when another operator
 * launched the cluster, mark its Deployments (the resource's, or adopted now) that carry no
 * FO_RENDER_ANNOTATION with FO_FOREIGN_LAUNCH_LABEL, logged: it is told by its JobManager
 * Deployment, which has neither FO_RENDER_ANNOTATION nor FO_LAUNCH_ANNOTATION, next to a record
 * without flinkop's mark and a flink-config ConfigMap that is not flinkop's (absent, or not the
 * resource's alone). One merge patch of a Deployment's metadata each, conditional on its
 * resourceVersion (FO_ECONFLICT when the cache was stale). *adopted says whether anything was
 * written; the pass then ends, and the next one reads the Deployments from the cache as the
 * resource's, and as foreign. The first failing write is returned. */
fo_rc fo_takeover_adopt(fo_pass *p, bool *adopted, fo_err *err);

/* ---- reconcile_cleanup.c ---- */

fo_rc fo_cleanup(fo_pass *p, fo_err *err);
fo_rc fo_ensure_finalizer(fo_pass *p, fo_err *err);
/* A canary being deleted: FO_FINALIZER comes off when it carries it (the Apache operator puts
 * it on canaries too, and takes it off at their deletion); nothing else is done. */
fo_rc fo_release_canary(fo_pass *p, fo_err *err);

#endif
