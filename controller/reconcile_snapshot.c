/* Manual and periodic savepoints (reference c.10, the legacy status path without
 * FlinkStateSnapshot resources): a new spec.job.savepointTriggerNonce asks for one savepoint
 * of the running job, and kubernetes.operator.periodic.savepoint.interval for one each
 * interval; taken with POST /jobs/:id/savepoints (the job keeps running), tracked in
 * status.jobStatus.savepointInfo, recorded in lastSavepoint and savepointHistory (a manual one
 * with its nonce, which is then recorded in lastReconciledSpec), as Apache's SnapshotObserver
 * and ReconciliationUtils.updateLastReconciledSnapshotTriggerNonce do; the history is kept to
 * savepoint.history.max.count and .max.age. docs/controller.md "Manual and periodic
 * savepoints". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/cluster_defaults.h"
#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/reconcile_internal.h"
#include "controller/status.h"

#define NONCE_PATH "job.savepointTriggerNonce"
#define GRACE_KEY "kubernetes.operator.savepoint.trigger.grace-period"
#define FORMAT_KEY "kubernetes.operator.savepoint.format.type"
#define PERIODIC_KEY "kubernetes.operator.periodic.savepoint.interval"
#define MAX_COUNT_KEY "kubernetes.operator.savepoint.history.max.count"
#define MAX_AGE_KEY "kubernetes.operator.savepoint.history.max.age"
#define DEFAULT_GRACE_MS (60 * 1000)
#define DEFAULT_MAX_COUNT 10
#define DEFAULT_MAX_AGE_MS (24LL * 3600 * 1000)

static const char *trigger_type(const fo_pass *p)
{
    return fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerType");
}

static bool is_manual(const fo_pass *p)
{
    const char *t = trigger_type(p);
    return t && strcmp(t, "MANUAL") == 0;
}

static bool is_periodic(const fo_pass *p)
{
    const char *t = trigger_type(p);
    return t && strcmp(t, "PERIODIC") == 0;
}

/* The trigger id of a manual or periodic savepoint in flight, or NULL. */
static const char *snap_trigger_id(const fo_pass *p)
{
    const char *tid = fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerId");
    return (is_manual(p) || is_periodic(p)) && tid && *tid ? tid : NULL;
}

bool fo_snap_in_flight(const fo_pass *p)
{
    return snap_trigger_id(p) != NULL;
}

bool fo_snap_pending(const fo_pass *p)
{
    if (is_manual(p) && snap_trigger_id(p))
        return true;
    const json_t *had = fo_json_get(p->last, NONCE_PATH);
    const char *last_state = fo_json_get_str(p->last, "job.state");
    /* fo_snap_trigger's conditions on the spec: it takes one only of such a job */
    return p->application && p->last && (!last_state || strcmp(last_state, "running") == 0) &&
           p->want_sp_nonce && !(had && json_equal(p->want_sp_nonce, had));
}

/* The job was seen RUNNING by this pass. */
static bool job_runs(const fo_pass *p)
{
    return p->obs.rest_ok && fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state")) ==
                                 FO_JOB_STATUS_RUNNING;
}

/* The nonce as text for messages ("null" when none). */
static void nonce_text(const fo_pass *p, char *buf, size_t len)
{
    if (json_is_integer(p->want_sp_nonce))
        snprintf(buf, len, "%lld", (long long)json_integer_value(p->want_sp_nonce));
    else
        snprintf(buf, len, "null");
}

void fo_snap_read_nonce(fo_pass *p)
{
    const json_t *want = fo_json_get(json_object_get(p->want, "spec"), NONCE_PATH);
    json_decref(p->want_sp_nonce);
    p->want_sp_nonce = json_is_integer(want) ? json_deep_copy(want) : NULL;
}

void fo_snap_mask_nonce(fo_pass *p)
{
    json_t *job = json_object_get(json_object_get(p->want, "spec"), "job");
    if (!p->last || !json_is_object(job) || p->invalid)
        return;
    /* Apache's updateStatusForSpecReconciliation keeps the recorded nonce whenever it records
     * a spec ("to not lose new triggers during upgrade"): only the savepoint's end
     * (updateLastReconciledSnapshotTriggerNonce) records a new one. So a nonce changed with an
     * upgrade is still asked for once the upgraded job runs, and one removed stays recorded
     * (putting the same value back asks for nothing). Edited in place: the pass holds
     * pointers into the spec. */
    const json_t *had = fo_json_get(p->last, NONCE_PATH);
    const json_t *want = json_object_get(job, "savepointTriggerNonce");
    if (had && want && json_equal(want, had))
        return;
    if (had)
        json_object_set_new(job, "savepointTriggerNonce", json_deep_copy(had));
    else
        json_object_del(job, "savepointTriggerNonce");
}

/* Record the desired nonce in lastReconciledSpec (updateLastReconciledSnapshotTriggerNonce). */
static void record_nonce(fo_pass *p)
{
    if (!p->last)
        return;
    json_t *spec = fo_json_copy(p->last);
    json_t *job = json_object_get(spec, "job");
    if (json_is_object(job)) {
        if (p->want_sp_nonce)
            json_object_set_new(job, "savepointTriggerNonce", json_deep_copy(p->want_sp_nonce));
        else
            json_object_del(job, "savepointTriggerNonce");
        fo_flink_recon_state rs =
            fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
        fo_build_record_spec(p, spec, rs, true);
        fo_act_adopt_last(p, spec);
    }
    json_decref(spec);
}

static int64_t grace_ms(const fo_pass *p)
{
    json_t *conf = fo_build_operator_conf(p, json_object_get(p->want, "spec"));
    const char *v = fo_json_str(conf, GRACE_KEY);
    int64_t ms = DEFAULT_GRACE_MS;
    fo_err err;
    if (v && (fo_flink_duration_parse(v, &ms, &err) != FO_OK || ms < 0)) {
        fo_log_warn("%s: '%s' is not a duration; 1 min is used", GRACE_KEY, v);
        ms = DEFAULT_GRACE_MS;
    }
    json_decref(conf);
    return ms;
}

/* A try failed. Within the grace period since the first try for this nonce (the
 * triggerTimestamp the tries keep) it is tried again at a later pass: the trigger id goes, the
 * rest of the trigger stays as the record of that first try. After it, the nonce is recorded
 * as reconciled and nothing more is tried. A Warning SavepointError either way. */
/* A try failed. A periodic one: a Warning, and the next one an interval after this try. A
 * manual one: within the grace period since the first try for this nonce (the
 * triggerTimestamp the tries keep) it is tried again at a later pass: the trigger id goes, the
 * rest of the trigger stays as the record of that first try; after it (or when `final`), the
 * nonce is recorded as reconciled and nothing more is tried. A Warning SavepointError either
 * way. */
static void snap_failed(fo_pass *p, const char *why, bool final)
{
    p->snapshot_failed = true;
    fo_pass_requeue(p, p->set->observe_interval_ms);
    if (is_periodic(p)) { /* SavepointInfo.formatErrorMessage */
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_SAVEPOINT_ERROR, "Periodic savepoint failed (%s)", why);
        fo_log_warn("periodic savepoint failed: %s", why);
        fo_act_clear_trigger(p);
        return;
    }
    char nonce[32];
    nonce_text(p, nonce, sizeof nonce);
    int64_t since = p->now_ms;
    fo_json_get_int(p->st, "jobStatus.savepointInfo.triggerTimestamp", &since);
    bool give_up = final || p->now_ms - since > grace_ms(p);
    fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, FO_REASON_SAVEPOINT_ERROR,
                     "Savepoint failed for savepointTriggerNonce: %s (%s); %s", nonce, why,
                     give_up ? "not tried again" : "tried again");
    json_t *si = json_object_get(fo_act_job_status(p), "savepointInfo");
    if (give_up) {
        fo_log_error("savepoint for savepointTriggerNonce %s failed, not tried again: %s", nonce,
                     why);
        fo_act_clear_trigger(p);
        record_nonce(p);
    } else {
        fo_log_warn("savepoint for savepointTriggerNonce %s failed within the grace period, "
                    "tried again: %s",
                    nonce, why);
        json_object_del(si, "triggerId");
    }
}

/* The lastSavepoint and history entry for a completed savepoint (Apache's
 * SavepointInfo.updateLastSavepoint: a location already last is not added again). */
void fo_snap_add_savepoint(fo_pass *p, json_t *sp)
{
    json_t *si = fo_json_ensure_object(fo_act_job_status(p), "savepointInfo");
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

static void snap_done(fo_pass *p, const char *location)
{
    int64_t ts = p->now_ms;
    fo_json_get_int(p->st, "jobStatus.savepointInfo.triggerTimestamp", &ts);
    const char *fmt = fo_json_get_str(p->st, "jobStatus.savepointInfo.formatType");
    bool manual = is_manual(p);
    json_t *sp = json_pack("{s:I, s:s, s:s, s:s}", "timeStamp", (json_int_t)ts, "location",
                           location, "triggerType", manual ? "MANUAL" : "PERIODIC", "formatType",
                           fmt ? fmt : "CANONICAL");
    if (manual && p->want_sp_nonce)
        json_object_set_new(sp, "triggerNonce", json_deep_copy(p->want_sp_nonce));
    fo_log_info("%s savepoint completed: %s", manual ? "manual" : "periodic", location);
    fo_act_clear_trigger(p);
    fo_snap_add_savepoint(p, sp);
    if (manual)
        record_nonce(p);
}

/* ---- history retention ---- */

/* key of conf (flat) as a count or a duration, at most the operator's threshold (key
 * "<key>.threshold" of the cluster defaults, flat) when it sets one
 * (ConfigOptionUtils.getValueWithThreshold). */
static int64_t read_limit(const json_t *conf, const json_t *defaults, const char *key,
                          bool duration, int64_t dflt)
{
    char tkey[128];
    snprintf(tkey, sizeof tkey, "%s.threshold", key);
    const char *texts[2] = {fo_json_str(conf, key), fo_json_str(defaults, tkey)};
    int64_t vals[2] = {dflt, -1};
    for (int i = 0; i < 2; i++) {
        if (!texts[i])
            continue;
        int64_t v = -1;
        bool ok;
        if (duration) {
            fo_err err;
            ok = fo_flink_duration_parse(texts[i], &v, &err) == FO_OK;
        } else {
            char *end = NULL;
            v = strtoll(texts[i], &end, 10);
            ok = end != texts[i] && *end == '\0';
        }
        if (!ok || v < 0) {
            fo_log_warn("%s: '%s' cannot be read; ignored", i ? tkey : key, texts[i]);
            continue;
        }
        vals[i] = v;
    }
    return vals[1] >= 0 && vals[1] < vals[0] ? vals[1] : vals[0];
}

/* SnapshotObserver.cleanupSavepointHistoryLegacy without disposal: the oldest entries over
 * max.count (at least 1), then the ones older than max.age, leave savepointHistory; the newest
 * is always kept. The savepoints' data stays where it is. */
static void trim_history(fo_pass *p)
{
    json_t *history = (json_t *)fo_json_get(p->st, "jobStatus.savepointInfo.savepointHistory");
    if (!json_is_array(history) || json_array_size(history) < 2)
        return;
    json_t *conf = fo_build_operator_conf(p, json_object_get(p->want, "spec"));
    json_t *defaults = fo_flink_conf_flatten(fo_cluster_defaults_flink_config(p->cd), NULL);
    int64_t max_count = read_limit(conf, defaults, MAX_COUNT_KEY, false, DEFAULT_MAX_COUNT);
    int64_t max_age = read_limit(conf, defaults, MAX_AGE_KEY, true, DEFAULT_MAX_AGE_MS);
    json_decref(conf);
    json_decref(defaults);
    if (max_count < 1)
        max_count = 1;
    size_t before = json_array_size(history);
    while ((int64_t)json_array_size(history) > max_count)
        json_array_remove(history, 0);
    for (size_t i = 0; i + 1 < json_array_size(history);) {
        int64_t ts = 0;
        if (fo_json_get_int(json_array_get(history, i), "timeStamp", &ts) &&
            ts < p->now_ms - max_age)
            json_array_remove(history, i);
        else
            i++;
    }
    if (json_array_size(history) != before)
        fo_log_info("%zu savepoint(s) left the history (max.count %lld, max.age %lld ms); their "
                    "data is kept",
                    before - json_array_size(history), (long long)max_count, (long long)max_age);
}

/* ---- periodic savepoints ---- */

/* kubernetes.operator.periodic.savepoint.interval in ms (0: none). A value that is not a
 * duration (a Quartz cron expression) gives 0, and is copied into refused. */
static int64_t periodic_interval(const fo_pass *p, char *refused, size_t len)
{
    json_t *conf = fo_build_operator_conf(p, json_object_get(p->want, "spec"));
    const char *v = fo_json_str(conf, PERIODIC_KEY);
    int64_t ms = 0;
    fo_err err;
    refused[0] = '\0';
    if (v && *v && fo_flink_duration_parse(v, &ms, &err) != FO_OK) {
        snprintf(refused, len, "%s", v);
        ms = 0;
    }
    json_decref(conf);
    return ms > 0 ? ms : 0;
}

void fo_snap_check_conf(fo_pass *p, int64_t observed_before)
{
    char refused[256];
    periodic_interval(p, refused, sizeof refused);
    if (!refused[0])
        return;
    int64_t seen = -1;
    fo_json_get_int(p->st, "observedGeneration", &seen);
    /* told once for each spec: by the pass that observes it (a pass that waits, for a
     * savepoint or a backoff, observes nothing, and a first deploy observes the first) */
    if (seen != p->generation || observed_before == p->generation) {
        fo_log_debug("%s: '%s' is not a duration: no periodic savepoints", PERIODIC_KEY, refused);
        return;
    }
    fo_log_warn("%s: '%s' is not a duration: no periodic savepoints", PERIODIC_KEY, refused);
    fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR, FO_REASON_SAVEPOINT_ERROR,
                     "%s: '%s' is not a duration; flinkop does not take Quartz cron "
                     "expressions, so no periodic savepoint is taken (give a duration such as "
                     "'6h')",
                     PERIODIC_KEY, refused);
}

/* Is a periodic savepoint due (SnapshotUtils.shouldTriggerIntervalBasedSnapshot: an interval
 * after the last periodic trigger, else after the resource's creation)? One configured but not
 * yet due requeues the pass for it. */
static bool periodic_due(fo_pass *p)
{
    char refused[256];
    int64_t interval = periodic_interval(p, refused, sizeof refused);
    if (interval <= 0)
        return false;
    int64_t last = 0, created = 0;
    fo_json_get_int(p->st, "jobStatus.savepointInfo.lastPeriodicSavepointTimestamp", &last);
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
 * has as the same request: sending it again never takes a second savepoint). */
static void send_trigger(fo_pass *p, const char *job_id, const char *tid)
{
    fo_flink_savepoint_opts so = {.target_dir = p->savepoint_dir,
                                  .format_type =
                                      fo_json_get_str(p->st, "jobStatus.savepointInfo.formatType"),
                                  .trigger_id = tid};
    char got[33];
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/savepoints",
        fo_flink_rest_trigger_savepoint(p->env->flink, p->base_url, job_id, &so, got, &ferr));
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (rc == FO_OK) {
        if (strcmp(got, tid) != 0)
            json_object_set_new(fo_json_ensure_object(fo_act_job_status(p), "savepointInfo"),
                                "triggerId", json_string(got));
        fo_log_info("savepoint of job %s triggered: %s", job_id, got);
    } else if (fo_flink_rest_unreachable(rc)) {
        fo_log_info("savepoint trigger of job %s not answered (%s); trigger %s is asked about "
                    "next",
                    job_id, ferr.message, tid);
    } else {
        snap_failed(p, ferr.message, false);
    }
}

/* Flink forgets a finished operation's trigger id after rest.async.store-duration (5 min by
 * default), and the same id sent again then takes a second savepoint. A savepoint of the job
 * triggered since the intent in its checkpoint statistics is recorded as this trigger's
 * instead (true). A comparison of two machines' clocks, hence only for a trigger older than
 * FO_SAVEPOINT_LOST_MS, as the upgrade's fallback does. */
static bool found_in_statistics(fo_pass *p, const char *job_id, int64_t since)
{
    fo_flink_checkpoint_stats stats;
    fo_err ferr;
    fo_err_clear(&ferr);
    if (fo_ctl_rest_counted(
            p->env, "/jobs/:id/checkpoints",
            fo_flink_rest_checkpoints(p->env->flink, p->base_url, job_id, &stats, &ferr)) != FO_OK)
        return false;
    const fo_flink_checkpoint *sp = &stats.latest_savepoint;
    bool found = sp->id >= 0 && sp->external_path && *sp->external_path && sp->trigger_ms >= since;
    if (found)
        snap_done(p, sp->external_path);
    fo_flink_rest_checkpoint_stats_release(&stats);
    return found;
}

static void poll(fo_pass *p, const char *tid)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (!jid) {
        snap_failed(p, "the job id is unknown", true);
        return;
    }
    char job_id[33], trig[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    snprintf(trig, sizeof trig, "%s", tid);
    /* SnapshotUtils.resetSnapshotTriggers, for a job Flink listed as not running: one whose
     * list failed (GET /config answered, /jobs/overview did not) reads RECONCILING, unknown */
    if (p->obs.jobs_listed && !job_runs(p)) {
        snap_failed(p, "the job is not running", true);
        return;
    }
    int64_t since = p->now_ms;
    fo_json_get_int(p->st, "jobStatus.savepointInfo.triggerTimestamp", &since);
    if (p->obs.rest_timed_out) {
        /* The JobManager let this pass's observation time out: asking it now would hold the
         * worker for a second timeout. The next pass asks; the timeout still ends a savepoint
         * that never completes. */
        if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS)
            snap_failed(p, "timed out", false);
        return;
    }
    fo_flink_operation op;
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/savepoints/:id",
        fo_flink_rest_savepoint_status(p->env->flink, p->base_url, job_id, trig, &op, &ferr));
    if (rc == FO_OK && op.completed) {
        if (op.failure.class_name)
            snap_failed(p, op.failure.message ? op.failure.message : op.failure.class_name, false);
        else if (op.location && *op.location)
            snap_done(p, op.location);
        else
            snap_failed(p, "Flink reported no location", false);
    } else if (rc == FO_ENOTFOUND && job_runs(p)) {
        /* The request never reached Flink (killed right after the intent, or no answer), a
         * restarted JobManager forgot it, or Flink forgot its result after an outage of the
         * controller: the same trigger id again, unless a savepoint came since or the trigger
         * is past the timeout (a try sent now would time out while it runs). */
        bool found = p->now_ms - since > FO_SAVEPOINT_LOST_MS &&
                     found_in_statistics(p, job_id, since);
        if (!found && p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS)
            snap_failed(p, "Flink does not know the trigger and no savepoint came since", false);
        else if (!found)
            send_trigger(p, job_id, trig);
    } else if (rc == FO_ENOTFOUND) {
        snap_failed(p, "Flink does not know the trigger", false);
    } else if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS) {
        snap_failed(p, "timed out", false);
    }
    fo_flink_rest_operation_release(&op);
}

void fo_snap_observe(fo_pass *p)
{
    const char *tid = snap_trigger_id(p);
    if (tid)
        poll(p, tid);
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    if (job_runs(p) && rs == FO_RECON_DEPLOYED) /* lazily, while the job runs (Apache) */
        trim_history(p);
}

fo_rc fo_snap_trigger(fo_pass *p, fo_err *err)
{
    const json_t *had = fo_json_get(p->last, NONCE_PATH);
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    const char *last_state = fo_json_get_str(p->last, "job.state");
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    if (!p->application || !jid || rs != FO_RECON_DEPLOYED ||
        (last_state && strcmp(last_state, "running") != 0) || !job_runs(p) ||
        fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerId") || p->snapshot_failed)
        return FO_OK;
    bool manual = p->want_sp_nonce && !(had && json_equal(p->want_sp_nonce, had));
    if (!manual && is_manual(p)) /* a retry no nonce asks for any more */
        fo_act_clear_trigger(p);
    if (!manual && !periodic_due(p))
        return FO_OK;
    if (!p->savepoint_dir[0]) {
        /* no try can succeed (the validator asks for the directory): a manual one is given up
         * at once, a periodic one not tried */
        if (manual)
            snap_failed(p, "no savepoint directory is configured", true);
        return FO_OK;
    }
    char job_id[33], tid[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    fo_ctl_new_id(p->env, tid);
    json_t *si = fo_json_ensure_object(fo_act_job_status(p), "savepointInfo");
    int64_t first = p->now_ms; /* a retry keeps the first try's time: the grace runs from it */
    if (!manual || !is_manual(p) || !fo_json_get_int(si, "triggerTimestamp", &first))
        first = p->now_ms;
    if (!manual) /* the interval runs from each trigger, done or not (Apache's trigger store) */
        json_object_set_new(si, "lastPeriodicSavepointTimestamp", json_integer(p->now_ms));
    json_t *conf = fo_build_operator_conf(p, json_object_get(p->want, "spec"));
    const char *fmt = fo_json_str(conf, FORMAT_KEY);
    bool native = fmt && strcmp(fmt, "NATIVE") == 0;
    json_decref(conf);
    json_object_set_new(si, "triggerId", json_string(tid));
    json_object_set_new(si, "triggerTimestamp", json_integer(first));
    json_object_set_new(si, "triggerType", json_string(manual ? "MANUAL" : "PERIODIC"));
    json_object_set_new(si, "formatType", json_string(native ? "NATIVE" : "CANONICAL"));
    p->action = "TRIGGER_SAVEPOINT";
    fo_rc rc = fo_pass_write_status(p, err); /* intent, trigger id included, before the POST */
    if (rc != FO_OK)
        return rc;
    send_trigger(p, job_id, tid);
    return FO_OK;
}
