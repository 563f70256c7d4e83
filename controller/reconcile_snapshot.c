/* Manual and periodic savepoints and checkpoints (reference c.10, the legacy status path
 * without FlinkStateSnapshot resources): a new spec.job.savepointTriggerNonce
 * (checkpointTriggerNonce) asks for one savepoint (checkpoint) of the running job, and
 * kubernetes.operator.periodic.savepoint.interval (.periodic.checkpoint.interval) for one each
 * interval; taken with POST /jobs/:id/savepoints (/checkpoints, Flink 1.17 and later) while
 * the job keeps running, tracked in status.jobStatus.savepointInfo (checkpointInfo), recorded
 * in lastSavepoint and savepointHistory (lastCheckpoint), a manual one with its nonce, which
 * is then recorded in lastReconciledSpec, as Apache's SnapshotObserver and
 * ReconciliationUtils.updateLastReconciledSnapshotTriggerNonce do; the savepoint history is
 * kept to savepoint.history.max.count and .max.age by reconcile_history.c. One code path for
 * both kinds (snap_kind).
 * docs/controller.md "Manual and periodic savepoints". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/flink_conf.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/reconcile_internal.h"
#include "controller/status.h"

#define DEFAULT_GRACE_MS (60 * 1000)

/* What differs between the two kinds of snapshot; everything else is one code path. */
typedef struct snap_kind {
    const char *noun;          /* "savepoint" */
    const char *title;         /* "Savepoint", to begin a message */
    const char *info;          /* its status.jobStatus member */
    const char *nonce;         /* its spec.job nonce */
    const char *nonce_path;    /* the nonce in a spec */
    const char *grace_key;     /* kubernetes.operator.*.trigger.grace-period */
    const char *format_key;    /* the operator's option for its formatType */
    const char *format_dflt;   /* formatType when the option is not set */
    const char *format_alt;    /* the other formatType the option can ask for */
    const char *periodic_key;  /* kubernetes.operator.periodic.*.interval */
    const char *last_periodic; /* lastPeriodic*Timestamp of the info */
    const char *reason;        /* the Warning's reason */
    const char *action;        /* the pass's action when it triggers one */
    bool checkpoint;
} snap_kind;

static const snap_kind SAVEPOINT = {
    .noun = "savepoint",
    .title = "Savepoint",
    .info = "savepointInfo",
    .nonce = "savepointTriggerNonce",
    .nonce_path = "job.savepointTriggerNonce",
    .grace_key = "kubernetes.operator.savepoint.trigger.grace-period",
    .format_key = "kubernetes.operator.savepoint.format.type",
    .format_dflt = "CANONICAL",
    .format_alt = "NATIVE",
    .periodic_key = "kubernetes.operator.periodic.savepoint.interval",
    .last_periodic = "lastPeriodicSavepointTimestamp",
    .reason = FO_REASON_SAVEPOINT_ERROR,
    .action = "TRIGGER_SAVEPOINT",
};

/* CheckpointInfo, Checkpoint, CheckpointType (FULL, INCREMENTAL) of Apache's status;
 * KubernetesOperatorConfigOptions.OPERATOR_CHECKPOINT_TYPE (default FULL) and
 * OPERATOR_CHECKPOINT_TRIGGER_GRACE_PERIOD. */
static const snap_kind CHECKPOINT = {
    .noun = "checkpoint",
    .title = "Checkpoint",
    .info = "checkpointInfo",
    .nonce = "checkpointTriggerNonce",
    .nonce_path = "job.checkpointTriggerNonce",
    .grace_key = "kubernetes.operator.checkpoint.trigger.grace-period",
    .format_key = "kubernetes.operator.checkpoint.type",
    .format_dflt = "FULL",
    .format_alt = "INCREMENTAL",
    .periodic_key = "kubernetes.operator.periodic.checkpoint.interval",
    .last_periodic = "lastPeriodicCheckpointTimestamp",
    .reason = FO_REASON_CHECKPOINT_ERROR,
    .action = "TRIGGER_CHECKPOINT",
    .checkpoint = true,
};

static const snap_kind *const KINDS[] = {&SAVEPOINT, &CHECKPOINT};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

/* The kind's info in the working status (borrowed; NULL when absent). */
static json_t *info_of(const fo_pass *p, const snap_kind *k)
{
    return json_object_get(json_object_get(p->st, "jobStatus"), k->info);
}

static json_t *ensure_info(fo_pass *p, const snap_kind *k)
{
    return fo_json_ensure_object(fo_act_job_status(p), k->info);
}

/* The desired nonce of the kind (borrowed; NULL: none). */
static json_t *want_nonce(const fo_pass *p, const snap_kind *k)
{
    return k->checkpoint ? p->want_cp_nonce : p->want_sp_nonce;
}

static const char *trigger_type(const fo_pass *p, const snap_kind *k)
{
    return fo_json_str(info_of(p, k), "triggerType");
}

static bool is_manual(const fo_pass *p, const snap_kind *k)
{
    const char *t = trigger_type(p, k);
    return t && strcmp(t, "MANUAL") == 0;
}

static bool is_periodic(const fo_pass *p, const snap_kind *k)
{
    const char *t = trigger_type(p, k);
    return t && strcmp(t, "PERIODIC") == 0;
}

/* The trigger id of a manual or periodic snapshot of the kind in flight, or NULL. */
static const char *snap_trigger_id(const fo_pass *p, const snap_kind *k)
{
    const char *tid = fo_json_str(info_of(p, k), "triggerId");
    return (is_manual(p, k) || is_periodic(p, k)) && tid && *tid ? tid : NULL;
}

/* Apache's readyToReconcile waits for a savepoint only. A checkpoint is waited for too: its end
 * records its nonce in lastReconciledSpec, which must not be rewritten under an upgrade (the
 * record's timestamp names the launch under way), and a checkpoint takes seconds. */
bool fo_snap_in_flight(const fo_pass *p)
{
    return snap_trigger_id(p, &SAVEPOINT) != NULL || snap_trigger_id(p, &CHECKPOINT) != NULL;
}

/* Can the deployed Flink version trigger a snapshot of the kind? Savepoints always; a
 * checkpoint needs POST /jobs/:id/checkpoints, which Flink has since 1.17 (FLINK-27101;
 * SnapshotUtils.isSnapshotTriggeringSupported). */
static bool kind_supported(const fo_pass *p, const snap_kind *k)
{
    const json_t *spec = p->last ? p->last : json_object_get(p->want, "spec");
    return !k->checkpoint ||
           fo_flink_version_parse(fo_json_str(spec, "flinkVersion")) >= FO_FLINK_V1_17;
}

bool fo_snap_pending(const fo_pass *p)
{
    const char *last_state = fo_json_get_str(p->last, "job.state");
    /* fo_snap_trigger's conditions on the spec: it takes one only of such a job */
    bool may_take =
        p->application && p->last && (!last_state || strcmp(last_state, "running") == 0);
    for (size_t i = 0; i < NKINDS; i++) {
        const snap_kind *k = KINDS[i];
        if (is_manual(p, k) && snap_trigger_id(p, k))
            return true;
        const json_t *want = want_nonce(p, k), *had = fo_json_get(p->last, k->nonce_path);
        /* a nonce Flink cannot take (a checkpoint before 1.17) stays unrecorded for ever and
         * is waited for by nobody */
        if (may_take && want && !(had && json_equal(want, had)) && kind_supported(p, k))
            return true;
    }
    return false;
}

/* Remove the trigger fields of the kind (CheckpointInfo/SavepointInfo.resetTrigger). */
static void clear_trigger(fo_pass *p, const snap_kind *k)
{
    json_t *info = info_of(p, k);
    if (!json_is_object(info))
        return;
    json_object_del(info, "triggerId");
    json_object_del(info, "triggerTimestamp");
    json_object_del(info, "triggerType");
    json_object_del(info, "formatType");
}

/* The job was seen RUNNING by this pass. */
static bool job_runs(const fo_pass *p)
{
    return p->obs.rest_ok && fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state")) ==
                                 FO_JOB_STATUS_RUNNING;
}

/* The nonce as text for messages ("null" when none). */
static void nonce_text(const fo_pass *p, const snap_kind *k, char *buf, size_t len)
{
    const json_t *n = want_nonce(p, k);
    if (json_is_integer(n))
        snprintf(buf, len, "%lld", (long long)json_integer_value(n));
    else
        snprintf(buf, len, "null");
}

void fo_snap_read_nonce(fo_pass *p)
{
    const json_t *spec = json_object_get(p->want, "spec");
    const json_t *sp = fo_json_get(spec, SAVEPOINT.nonce_path);
    const json_t *cp = fo_json_get(spec, CHECKPOINT.nonce_path);
    json_decref(p->want_sp_nonce);
    json_decref(p->want_cp_nonce);
    p->want_sp_nonce = json_is_integer(sp) ? json_deep_copy(sp) : NULL;
    p->want_cp_nonce = json_is_integer(cp) ? json_deep_copy(cp) : NULL;
}

/* `job` (a spec's job) with the kind's nonce set to `had` (removed when NULL). */
static void set_nonce(json_t *job, const snap_kind *k, const json_t *had)
{
    if (had)
        json_object_set_new(job, k->nonce, json_deep_copy(had));
    else
        json_object_del(job, k->nonce);
}

static void mask_nonce(fo_pass *p, const snap_kind *k)
{
    json_t *job = json_object_get(json_object_get(p->want, "spec"), "job");
    if (!p->last || !json_is_object(job) || p->invalid)
        return;
    /* Apache's updateStatusForSpecReconciliation keeps the recorded nonces whenever it records
     * a spec ("to not lose new triggers during upgrade"): only the snapshot's end
     * (updateLastReconciledSnapshotTriggerNonce) records a new one. So a nonce changed with an
     * upgrade is still asked for once the upgraded job runs, and one removed stays recorded
     * (putting the same value back asks for nothing). Edited in place: the pass holds
     * pointers into the spec. */
    const json_t *had = fo_json_get(p->last, k->nonce_path);
    const json_t *want = json_object_get(job, k->nonce);
    if (had && want && json_equal(want, had))
        return;
    set_nonce(job, k, had);
}

void fo_snap_mask_nonce(fo_pass *p)
{
    for (size_t i = 0; i < NKINDS; i++)
        mask_nonce(p, KINDS[i]);
}

/* Record the desired nonce of the kind in lastReconciledSpec
 * (updateLastReconciledSnapshotTriggerNonce). */
static void record_nonce(fo_pass *p, const snap_kind *k)
{
    if (!p->last)
        return;
    json_t *spec = fo_json_copy(p->last);
    json_t *job = json_object_get(spec, "job");
    if (json_is_object(job)) {
        set_nonce(job, k, want_nonce(p, k));
        fo_flink_recon_state rs =
            fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
        fo_build_record_spec(p, spec, rs, true);
        fo_act_adopt_last(p, spec);
    }
    json_decref(spec);
}

static int64_t grace_ms(fo_pass *p, const snap_kind *k)
{
    const json_t *conf = fo_pass_want_conf(p);
    const char *v = fo_json_str(conf, k->grace_key);
    int64_t ms = DEFAULT_GRACE_MS;
    fo_err err;
    if (v && (fo_flink_duration_parse(v, &ms, &err) != FO_OK || ms < 0)) {
        fo_log_warn("%s: '%s' is not a duration; 1 min is used", k->grace_key, v);
        ms = DEFAULT_GRACE_MS;
    }
    return ms;
}

/* A try failed. A periodic one: a Warning, and the next one an interval after this try. A
 * manual one: within the grace period since the first try for this nonce (the
 * triggerTimestamp the tries keep) it is tried again at a later pass: the trigger id goes, the
 * rest of the trigger stays as the record of that first try; after it (or when `final`), the
 * nonce is recorded as reconciled and nothing more is tried. A Warning SavepointError
 * (CheckpointError) either way. */
static void snap_failed(fo_pass *p, const snap_kind *k, const char *why, bool final)
{
    p->snapshot_failed = true;
    fo_pass_requeue(p, p->set->observe_interval_ms);
    if (is_periodic(p, k)) { /* SavepointInfo/CheckpointInfo.formatErrorMessage */
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, k->reason,
                         "Periodic %s failed (%s)", k->noun, why);
        fo_log_warn("periodic %s failed: %s", k->noun, why);
        clear_trigger(p, k);
        return;
    }
    char nonce[32];
    nonce_text(p, k, nonce, sizeof nonce);
    int64_t since = p->now_ms;
    fo_json_get_int(info_of(p, k), "triggerTimestamp", &since);
    bool give_up = final || p->now_ms - since > grace_ms(p, k);
    fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, k->reason,
                     "%s failed for %s: %s (%s); %s", k->title, k->nonce, nonce, why,
                     give_up ? "not tried again" : "tried again");
    if (give_up) {
        fo_log_error("%s for %s %s failed, not tried again: %s", k->noun, k->nonce, nonce, why);
        clear_trigger(p, k);
        record_nonce(p, k);
    } else {
        fo_log_warn("%s for %s %s failed within the grace period, tried again: %s", k->noun,
                    k->nonce, nonce, why);
        json_object_del(info_of(p, k), "triggerId");
    }
}

/* The lastSavepoint and history entry for a completed savepoint (Apache's
 * SavepointInfo.updateLastSavepoint: a location already last is not added again). */
void fo_snap_add_savepoint(fo_pass *p, json_t *sp)
{
    json_t *si = ensure_info(p, &SAVEPOINT);
    const char *last = fo_json_get_str(si, "lastSavepoint.location");
    const char *loc = fo_json_str(sp, "location");
    const char *type = fo_json_str(sp, "triggerType");
    if (last && loc && strcmp(last, loc) == 0) {
        json_decref(sp);
        return;
    }
    json_t *history = json_object_get(si, "savepointHistory");
    if (!json_is_array(history)) {
        history = json_array();
        json_object_set_new(si, "savepointHistory", history);
    }
    json_array_append(history, sp);
    if (type && strcmp(type, "PERIODIC") == 0)
        json_object_set(si, "lastPeriodicSavepointTimestamp", json_object_get(sp, "timeStamp"));
    json_object_set_new(si, "lastSavepoint", sp);
}

/* A completed savepoint goes to lastSavepoint and the history, a checkpoint to lastCheckpoint
 * (CheckpointInfo.updateLastCheckpoint: no location, no history); a manual one carries its
 * nonce, which is then recorded. */
static void snap_done(fo_pass *p, const snap_kind *k, const char *location)
{
    int64_t ts = p->now_ms;
    fo_json_get_int(info_of(p, k), "triggerTimestamp", &ts);
    const char *fmt = fo_json_str(info_of(p, k), "formatType");
    bool manual = is_manual(p, k);
    json_t *snap = json_pack("{s:I, s:s, s:s}", "timeStamp", (json_int_t)ts, "triggerType",
                             manual ? "MANUAL" : "PERIODIC", "formatType",
                             fmt ? fmt : k->format_dflt);
    if (!k->checkpoint)
        json_object_set_new(snap, "location", json_string(location));
    if (manual && want_nonce(p, k))
        json_object_set_new(snap, "triggerNonce", json_deep_copy(want_nonce(p, k)));
    fo_log_info("%s %s completed: %s", manual ? "manual" : "periodic", k->noun, location);
    clear_trigger(p, k);
    if (k->checkpoint) {
        json_t *ci = ensure_info(p, k);
        if (!manual)
            json_object_set(ci, k->last_periodic, json_object_get(snap, "timeStamp"));
        json_object_set_new(ci, "lastCheckpoint", snap);
    } else {
        fo_snap_add_savepoint(p, snap);
    }
    if (manual)
        record_nonce(p, k);
}

/* ---- periodic snapshots ---- */

/* The kind's periodic interval option in ms (0: none). A value that is not a duration (a
 * Quartz cron expression) gives 0, and is copied into refused. */
static int64_t periodic_interval(fo_pass *p, const snap_kind *k, char *refused, size_t len)
{
    const json_t *conf = fo_pass_want_conf(p);
    const char *v = fo_json_str(conf, k->periodic_key);
    int64_t ms = 0;
    fo_err err;
    refused[0] = '\0';
    if (v && *v && fo_flink_duration_parse(v, &ms, &err) != FO_OK) {
        snprintf(refused, len, "%s", v);
        ms = 0;
    }
    return ms > 0 ? ms : 0;
}

/* Is a new nonce of the kind waiting for its snapshot? */
static bool nonce_pending(const fo_pass *p, const snap_kind *k)
{
    const json_t *want = want_nonce(p, k);
    const json_t *had = fo_json_get(p->last, k->nonce_path);
    return want && !(had && json_equal(want, had));
}

static void check_kind_conf(fo_pass *p, const snap_kind *k, bool told)
{
    char refused[256];
    int64_t interval = periodic_interval(p, k, refused, sizeof refused);
    if (refused[0] && told) {
        fo_log_debug("%s: '%s' is not a duration: no periodic %ss", k->periodic_key, refused,
                     k->noun);
    } else if (refused[0]) {
        fo_log_warn("%s: '%s' is not a duration: no periodic %ss", k->periodic_key, refused,
                    k->noun);
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, k->reason,
                         "%s: '%s' is not a duration; flinkop does not take Quartz cron "
                         "expressions, so no periodic %s is taken (give a duration such as "
                         "'6h')",
                         k->periodic_key, refused, k->noun);
    }
    if (kind_supported(p, k) || (interval <= 0 && !nonce_pending(p, k)))
        return;
    const json_t *spec = p->last ? p->last : json_object_get(p->want, "spec");
    const char *version = fo_json_str(spec, "flinkVersion");
    const char *asked = interval > 0 ? k->periodic_key : k->nonce;
    if (told) {
        fo_log_debug("%s: no %s is triggered on Flink %s", asked, k->noun,
                     version ? version : "(unknown)");
        return;
    }
    fo_log_warn("%s: no %s is triggered on Flink %s (needs 1.17 or later)", asked, k->noun,
                version ? version : "(unknown)");
    fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, k->reason,
                     "%s is set, but Flink %s cannot trigger a %s (POST /jobs/:id/checkpoints "
                     "needs Flink 1.17 or later): no %s is taken",
                     asked, version ? version : "(unknown)", k->noun, k->noun);
}

void fo_snap_check_conf(fo_pass *p, int64_t observed_before)
{
    int64_t seen = -1;
    fo_json_get_int(p->st, "observedGeneration", &seen);
    /* told once for each spec: by the pass that observes it (a pass that waits, for a
     * snapshot or a backoff, observes nothing, and a first deploy observes the first) */
    bool told = seen != p->generation || observed_before == p->generation;
    for (size_t i = 0; i < NKINDS; i++)
        check_kind_conf(p, KINDS[i], told);
}

/* Is a periodic snapshot of the kind due (SnapshotUtils.shouldTriggerIntervalBasedSnapshot: an
 * interval after the last periodic trigger, else after the resource's creation)? One
 * configured but not yet due requeues the pass for it. */
static bool periodic_due(fo_pass *p, const snap_kind *k)
{
    char refused[256];
    int64_t interval = periodic_interval(p, k, refused, sizeof refused);
    if (interval <= 0)
        return false;
    int64_t last = 0, created = 0;
    fo_json_get_int(info_of(p, k), k->last_periodic, &last);
    const char *ct = fo_json_get_str(p->obj, "metadata.creationTimestamp");
    if (ct && fo_clock_parse_rfc3339(ct, &created) && created > last)
        last = created;
    /* compared without the sum: an interval near INT64_MAX ms would overflow it */
    if (p->now_ms > last && p->now_ms - last > interval)
        return true;
    int64_t wait = p->now_ms > last ? interval - (p->now_ms - last) : interval;
    fo_pass_requeue(p, wait < INT64_MAX ? wait + 1 : wait);
    return false;
}

/* ---- trigger and poll ---- */

/* Send the trigger of the recorded intent, under its trigger id (Flink keeps a trigger id it
 * has as the same request: sending it again never takes a second snapshot). */
static void send_trigger(fo_pass *p, const snap_kind *k, const char *job_id, const char *tid)
{
    const char *fmt = fo_json_str(info_of(p, k), "formatType");
    char got[33] = "";
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc;
    if (k->checkpoint) {
        rc = fo_ctl_rest_counted(p->env, "/jobs/:id/checkpoints",
                                 fo_flink_rest_trigger_checkpoint(p->env->flink, p->base_url,
                                                                  job_id, fmt, tid, got, &ferr));
    } else {
        fo_flink_savepoint_opts so = {
            .target_dir = p->savepoint_dir, .format_type = fmt, .trigger_id = tid};
        rc = fo_ctl_rest_counted(
            p->env, "/jobs/:id/savepoints",
            fo_flink_rest_trigger_savepoint(p->env->flink, p->base_url, job_id, &so, got, &ferr));
    }
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (rc == FO_OK) {
        if (strcmp(got, tid) != 0)
            json_object_set_new(ensure_info(p, k), "triggerId", json_string(got));
        fo_log_info("%s of job %s triggered: %s", k->noun, job_id, got);
    } else if (fo_flink_rest_unreachable(rc)) {
        fo_log_info("%s trigger of job %s not answered (%s); trigger %s is asked about next",
                    k->noun, job_id, ferr.message, tid);
    } else {
        snap_failed(p, k, ferr.message, false);
    }
}

/* Flink forgets a finished operation's trigger id after rest.async.store-duration (5 min by
 * default), and the same id sent again then takes a second savepoint. A savepoint of the job
 * triggered since the intent in its checkpoint statistics is recorded as this trigger's
 * instead (true). A comparison of two machines' clocks, hence only for a trigger older than
 * FO_SAVEPOINT_LOST_MS, as the upgrade's fallback does. Savepoints only: any checkpoint Flink
 * schedules itself would pass for a manual one, and a second checkpoint costs little. */
static bool found_in_statistics(fo_pass *p, const char *job_id, int64_t since)
{
    char *path = fo_act_savepoint_since(p, job_id, since);
    bool found = path && *path;
    if (found)
        snap_done(p, &SAVEPOINT, path);
    free(path);
    return found;
}

/* GET the trigger's status into *op (released by the caller). */
static fo_rc ask_status(fo_pass *p, const snap_kind *k, const char *job_id, const char *trig,
                        fo_flink_operation *op, fo_err *ferr)
{
    return k->checkpoint
               ? fo_ctl_rest_counted(p->env, "/jobs/:id/checkpoints/:id",
                                     fo_flink_rest_checkpoint_status(p->env->flink, p->base_url,
                                                                     job_id, trig, op, ferr))
               : fo_ctl_rest_counted(p->env, "/jobs/:id/savepoints/:id",
                                     fo_flink_rest_savepoint_status(p->env->flink, p->base_url,
                                                                    job_id, trig, op, ferr));
}

/* A snapshot that completed before the job stopped running: Flink keeps the trigger's result
 * after the job ended (rest.async.store-duration), and the savepoint's data is in storage, so
 * it is recorded (true) rather than given up with the triggers of a job that does not run. */
static bool completed_before_end(fo_pass *p, const snap_kind *k, const char *job_id,
                                 const char *trig)
{
    if (p->obs.rest_timed_out)
        return false;
    fo_flink_operation op;
    fo_err ferr;
    fo_err_clear(&ferr);
    bool done = false;
    if (ask_status(p, k, job_id, trig, &op, &ferr) == FO_OK && op.completed &&
        !op.failure.class_name) {
        char id[32];
        snprintf(id, sizeof id, "checkpoint %lld", (long long)op.checkpoint_id);
        if (k->checkpoint && op.checkpoint_id >= 0) {
            snap_done(p, k, id);
            done = true;
        } else if (!k->checkpoint && op.location && *op.location) {
            snap_done(p, k, op.location);
            done = true;
        }
    }
    fo_flink_rest_operation_release(&op);
    return done;
}

static void poll(fo_pass *p, const snap_kind *k, const char *tid)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (!jid) {
        snap_failed(p, k, "the job id is unknown", true);
        return;
    }
    char job_id[33], trig[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    snprintf(trig, sizeof trig, "%s", tid);
    /* SnapshotUtils.resetSnapshotTriggers, for a job Flink listed as not running: one whose
     * list failed (GET /config answered, /jobs/overview did not) reads RECONCILING, unknown.
     * Unless Flink reports the snapshot completed before the job stopped. */
    if (p->obs.jobs_listed && !job_runs(p)) {
        if (!completed_before_end(p, k, job_id, trig))
            snap_failed(p, k, "the job is not running", true);
        return;
    }
    int64_t since = p->now_ms;
    fo_json_get_int(info_of(p, k), "triggerTimestamp", &since);
    if (p->obs.rest_timed_out) {
        /* The JobManager let this pass's observation time out: asking it now would hold the
         * worker for a second timeout. The next pass asks; the timeout still ends a snapshot
         * that never completes. */
        if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS)
            snap_failed(p, k, "timed out", false);
        return;
    }
    fo_flink_operation op;
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = ask_status(p, k, job_id, trig, &op, &ferr);
    if (rc == FO_OK && op.completed) {
        char id[32];
        snprintf(id, sizeof id, "checkpoint %lld", (long long)op.checkpoint_id);
        if (op.failure.class_name)
            snap_failed(p, k, op.failure.message ? op.failure.message : op.failure.class_name,
                        false);
        else if (k->checkpoint && op.checkpoint_id >= 0)
            snap_done(p, k, id);
        else if (!k->checkpoint && op.location && *op.location)
            snap_done(p, k, op.location);
        else
            snap_failed(p, k, k->checkpoint ? "Flink reported no checkpoint id"
                                            : "Flink reported no location",
                        false);
    } else if (rc == FO_ENOTFOUND && job_runs(p)) {
        /* The request never reached Flink (killed right after the intent, or no answer), a
         * restarted JobManager forgot it, or Flink forgot its result after an outage of the
         * controller: the same trigger id again, unless a savepoint came since or the trigger
         * is past the timeout (a try sent now would time out while it runs). */
        bool found = !k->checkpoint && p->now_ms - since > FO_SAVEPOINT_LOST_MS &&
                     found_in_statistics(p, job_id, since);
        if (!found && p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS)
            snap_failed(p, k,
                        k->checkpoint ? "Flink does not know the trigger"
                                      : "Flink does not know the trigger and no savepoint came "
                                        "since",
                        false);
        else if (!found)
            send_trigger(p, k, job_id, trig);
    } else if (rc == FO_ENOTFOUND) {
        snap_failed(p, k, "Flink does not know the trigger", false);
    } else if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS) {
        snap_failed(p, k, "timed out", false);
    }
    fo_flink_rest_operation_release(&op);
}

void fo_snap_observe(fo_pass *p)
{
    for (size_t i = 0; i < NKINDS; i++) {
        const char *tid = snap_trigger_id(p, KINDS[i]);
        if (tid)
            poll(p, KINDS[i], tid);
    }
    fo_history_observe(p, job_runs(p));
}

/* SnapshotUtils.shouldTriggerSnapshot and AbstractJobReconciler.triggerSnapshotIfNeeded for
 * one kind, the intent written first. */
static fo_rc trigger_kind(fo_pass *p, const snap_kind *k, fo_err *err)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    if (fo_json_str(info_of(p, k), "triggerId") || p->snapshot_failed)
        return FO_OK;
    bool manual = nonce_pending(p, k);
    if (!manual && is_manual(p, k)) /* a retry no nonce asks for any more */
        clear_trigger(p, k);
    if (!kind_supported(p, k) || (!manual && !periodic_due(p, k)))
        return FO_OK;
    if (!k->checkpoint && !p->savepoint_dir[0]) {
        /* no try can succeed (the validator asks for the directory): a manual one is given up
         * at once, a periodic one not tried */
        if (manual)
            snap_failed(p, k, "no savepoint directory is configured", true);
        return FO_OK;
    }
    char job_id[33], tid[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    fo_ctl_new_id(p->env, tid);
    json_t *info = ensure_info(p, k);
    int64_t first = p->now_ms; /* a retry keeps the first try's time: the grace runs from it */
    if (!manual || !is_manual(p, k) || !fo_json_get_int(info, "triggerTimestamp", &first))
        first = p->now_ms;
    if (!manual) /* the interval runs from each trigger, done or not (Apache's trigger store) */
        json_object_set_new(info, k->last_periodic, json_integer(p->now_ms));
    const json_t *conf = fo_pass_want_conf(p);
    const char *fmt = fo_json_str(conf, k->format_key);
    bool alt = fmt && strcasecmp(fmt, k->format_alt) == 0;
    json_object_set_new(info, "triggerId", json_string(tid));
    json_object_set_new(info, "triggerTimestamp", json_integer(first));
    json_object_set_new(info, "triggerType", json_string(manual ? "MANUAL" : "PERIODIC"));
    json_object_set_new(info, "formatType", json_string(alt ? k->format_alt : k->format_dflt));
    p->action = k->action;
    fo_rc rc = fo_pass_write_status(p, err); /* intent, trigger id included, before the POST */
    if (rc != FO_OK)
        return rc;
    send_trigger(p, k, job_id, tid);
    return FO_OK;
}

fo_rc fo_snap_trigger(fo_pass *p, fo_err *err)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    const char *last_state = fo_json_get_str(p->last, "job.state");
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    if (!p->application || !jid || rs != FO_RECON_DEPLOYED ||
        (last_state && strcmp(last_state, "running") != 0) || !job_runs(p))
        return FO_OK;
    for (size_t i = 0; i < NKINDS; i++) {
        fo_rc rc = trigger_kind(p, KINDS[i], err);
        if (rc != FO_OK)
            return rc;
    }
    return fo_history_dispose(p, err);
}
