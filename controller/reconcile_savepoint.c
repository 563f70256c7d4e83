/* The stop-with-savepoint half of a savepoint upgrade (reference c.6): the intent, the stop
 * request, polling its trigger, and recording the path together with the suspended marker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/reconcile_internal.h"
#include "controller/savepoint_retry.h"
#include "controller/status.h"

/* ---- retries of a failing savepoint (controller/savepoint_retry.h) --------------------------- */

static void read_policy(fo_pass *p, fo_sp_retry_policy *pol)
{
    fo_sp_retry_policy_read(fo_pass_want_conf(p), p->set->observe_interval_ms, pol);
}

/* The retry record in the stored status.error (an UpgradeFailureException only this file
 * writes with one), or false. */
static bool stored_record(const fo_pass *p, fo_sp_retry_record *r)
{
    const char *old = fo_json_str(p->st, "error");
    return fo_status_error_is(old, FO_ERROR_UPGRADE_FAILURE) && fo_sp_retry_record_read(old, r);
}

/* Keep the stored error, record included, as this pass's verdict (a Stalled one once the
 * tries are used up): no new Event, nothing rewritten. */
static void carry(fo_pass *p, const fo_sp_retry_record *r, bool stalled)
{
    char msg[FO_STATUS_MESSAGE_MAX + 1];
    fo_status_error_message(fo_json_str(p->st, "error"), msg, sizeof msg);
    fo_pass_fail(p, FO_ERROR_UPGRADE_FAILURE, stalled ? "SavepointFailed" : NULL, "%s", msg);
    p->error_meta = fo_sp_retry_record_meta(r);
}

/* A try failed (what: why, as a clause). Counted with the earlier failures of the same
 * generation; the next try is put off by the policy's delay, or none is made once the tries
 * are used up: the job keeps running the recorded spec, and status.error (Stalled) and a
 * Warning say so until the spec changes. */
static void attempt_failed(fo_pass *p, const char *what)
{
    fo_sp_retry_record r;
    int failures = 1;
    if (stored_record(p, &r) && r.generation == p->generation)
        failures = r.failures + 1;
    fo_sp_retry_policy pol;
    read_policy(p, &pol);
    r.failures = failures;
    r.generation = p->generation;
    r.next_attempt_ms = 0;
    fo_act_clear_trigger(p);
    if (failures >= pol.max_attempts) {
        fo_pass_fail(p, FO_ERROR_UPGRADE_FAILURE, "SavepointFailed",
                     "%s; it failed %d times: no savepoint is tried again until the spec "
                     "changes, and the job keeps running its last reconciled spec",
                     what, failures);
        fo_pass_requeue(p, p->set->observe_interval_ms);
    } else {
        int64_t delay = fo_sp_retry_delay_ms(&pol, failures);
        char iso[48];
        r.next_attempt_ms = p->now_ms + delay;
        fo_pass_fail(p, FO_ERROR_UPGRADE_FAILURE, NULL,
                     "%s; the job keeps running; try %d of %d, the next in %s", what, failures,
                     pol.max_attempts, fo_flink_duration_format_iso(delay, iso, sizeof iso));
        fo_pass_requeue(p, delay);
    }
    p->error_meta = fo_sp_retry_record_meta(&r);
    fo_act_warn_once(p, FO_REASON_SAVEPOINT_ERROR);
}

/* ---- stop-with-savepoint ------------------------------------------------------------------- */

/* Send the stop request of the recorded intent, under its trigger id. Flink treats a trigger id
 * it already has as the same request (rest_v1_dispatcher.yml, StopWithSavepointRequestBody
 * triggerId), so sending it again after a crash or a lost answer never takes a second
 * savepoint. Without an answer the request may have reached Flink: the intent stays and the
 * next pass asks Flink about the trigger. An answer refusing it ends the attempt. */
static void send_stop(fo_pass *p, const char *job_id, const char *tid)
{
    fo_flink_savepoint_opts so = {
        .target_dir = p->savepoint_dir, .format_type = "CANONICAL", .trigger_id = tid};
    char got[33];
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/stop",
        fo_flink_rest_stop_with_savepoint(p->env->flink, p->base_url, job_id, &so, got, &ferr));
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (rc == FO_OK) {
        if (strcmp(got, tid) != 0) /* a Flink that picks its own id: follow that one */
            json_object_set_new(fo_json_ensure_object(fo_act_job_status(p), "savepointInfo"),
                                "triggerId", json_string(got));
        fo_log_info("stop-with-savepoint of job %s triggered: %s", job_id, got);
    } else if (fo_flink_rest_unreachable(rc)) {
        fo_log_info("stop-with-savepoint of job %s not answered (%s); trigger %s is asked about "
                    "next",
                    job_id, ferr.message, tid);
    } else {
        char what[1024];
        snprintf(what, sizeof what, "stop-with-savepoint could not be started (%s)",
                 ferr.message);
        attempt_failed(p, what);
    }
}

fo_rc fo_act_stop_with_savepoint(fo_pass *p, const fo_upgrade_step *s, fo_err *err)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    if (!jid || !p->savepoint_dir[0]) {
        fo_pass_fail(p, FO_ERROR_UPGRADE_FAILURE, "UpgradeRefused",
                     "stop-with-savepoint needs the job id and a savepoint directory");
        return FO_OK;
    }
    fo_sp_retry_record r;
    if (stored_record(p, &r) && r.generation == p->generation) {
        fo_sp_retry_policy pol;
        read_policy(p, &pol);
        if (r.next_attempt_ms == 0 || r.failures >= pol.max_attempts) {
            carry(p, &r, true);
            p->action = "SAVEPOINT_GIVEN_UP";
            fo_pass_requeue(p, p->set->observe_interval_ms);
            return FO_OK;
        }
        carry(p, &r, false); /* the record stays through the try */
        if (p->now_ms < r.next_attempt_ms) {
            p->action = "SAVEPOINT_BACKOFF";
            fo_pass_requeue(p, r.next_attempt_ms - p->now_ms);
            return FO_OK;
        }
    }
    char job_id[33], tid[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    fo_ctl_new_id(p->env, tid);
    json_t *si = fo_json_ensure_object(fo_act_job_status(p), "savepointInfo");
    json_object_set_new(si, "triggerId", json_string(tid));
    json_object_set_new(si, "triggerTimestamp", json_integer(p->now_ms));
    json_object_set_new(si, "triggerType", json_string("UPGRADE"));
    json_object_set_new(si, "formatType", json_string("CANONICAL"));
    if (s->spec_changed_event)
        fo_act_spec_changed_event(p);
    /* c.19: a suspend says so whatever the upgradeMode (the other modes: suspend()). */
    const char *want_state = fo_json_get_str(json_object_get(p->want, "spec"), "job.state");
    if (want_state && strcmp(want_state, "suspended") == 0)
        fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER,
                         FO_REASON_SUSPENDED, "Suspending existing deployment.");
    fo_rc rc = fo_pass_write_status(p, err); /* intent, trigger id included, before the stop */
    if (rc != FO_OK)
        return rc;
    send_stop(p, job_id, tid);
    return FO_OK;
}

static void savepoint_done(fo_pass *p, const char *location)
{
    char *path = strdup(location);
    json_t *js = fo_act_job_status(p);
    json_object_set_new(js, "upgradeSavepointPath", json_string(path));
    fo_snap_add_savepoint(p, json_pack("{s:I, s:s, s:s, s:s}", "timeStamp",
                                       (json_int_t)p->now_ms, "location", path, "triggerType",
                                       "UPGRADE", "formatType", "CANONICAL"));
    fo_act_clear_trigger(p);
    /* The path and the suspended marker are recorded in one write: the savepoint can never
     * be lost between them. */
    json_t *marker = fo_build_suspended_spec(p->last, FO_FLINK_UPGRADE_SAVEPOINT);
    fo_build_record_spec(p, marker, FO_RECON_UPGRADING, false);
    fo_act_adopt_last(p, marker);
    json_decref(marker);
    if (p->error_meta) { /* the failures before are over */
        p->error_type = NULL;
        p->stalled_reason = NULL;
        json_decref(p->error_meta);
        p->error_meta = NULL;
    }
    fo_log_info("savepoint for the upgrade completed: %s", path);
    free(path);
}

/* The stop-with-savepoint of a job that ended meanwhile (failed, cancelled or finished while
 * the stop was in flight) failed: the observer left the job's final state to the stop, which
 * records its own path (reconcile_deployment.c, observe_ended_job), so upgradeSavepointPath
 * still names the state the job was deployed from, older than what it wrote since. Its latest
 * checkpoint is read now, as in the pass that sees a job end: a savepoint upgrade or suspend of
 * the ended job must restore that, never the older path (a read that fails leaves the source
 * unknown, read again by later passes). */
static void read_final_state(fo_pass *p)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    fo_flink_job_status js = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    if (!jid || !fo_flink_job_status_is_globally_terminal(js))
        return;
    char job_id[64];
    snprintf(job_id, sizeof job_id, "%s", jid);
    fo_log_info("job %s ended (%s) while stopped with a savepoint that failed: its latest "
                "checkpoint is recorded as its final state",
                job_id, fo_flink_job_status_name(js));
    json_t *conf = fo_build_deployed_conf(p);
    fo_pass_record_final_state(p, job_id, conf, js);
    json_decref(conf);
}

static void savepoint_failed(fo_pass *p, const char *why)
{
    char what[1024];
    snprintf(what, sizeof what, "the savepoint for the upgrade failed (%s)", why);
    attempt_failed(p, what);
    read_final_state(p);
}

/* A savepoint intent without a trigger id Flink knows: recorded by an earlier flinkop version
 * (trigger id "" until Flink answered), or forgotten by a restarted JobManager. Flink's
 * checkpoint statistics tell whether a savepoint completed since the intent (a comparison of
 * two machines' clocks, hence only the fallback). */
char *fo_act_savepoint_since(fo_pass *p, const char *jid, int64_t since)
{
    fo_flink_checkpoint_stats stats;
    fo_err ferr;
    fo_err_clear(&ferr);
    if (fo_ctl_rest_counted(
            p->env, "/jobs/:id/checkpoints",
            fo_flink_rest_checkpoints(p->env->flink, p->base_url, jid, &stats, &ferr)) != FO_OK)
        return NULL;
    const fo_flink_checkpoint *sp = &stats.latest_savepoint;
    char *path = sp->id >= 0 && sp->external_path && sp->trigger_ms >= since
                     ? strdup(sp->external_path)
                     : NULL;
    fo_flink_rest_checkpoint_stats_release(&stats);
    return path;
}

static void await_untracked(fo_pass *p, const char *jid, int64_t since)
{
    char *path = fo_act_savepoint_since(p, jid, since);
    if (path) {
        savepoint_done(p, path);
        free(path);
        return;
    }
    fo_flink_job_status js = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    if (js == FO_JOB_STATUS_RUNNING && p->now_ms - since > FO_SAVEPOINT_LOST_MS) {
        fo_log_warn("stop-with-savepoint intent without a trigger id and the job still runs: "
                    "the request never reached Flink, it will be sent again");
        fo_act_clear_trigger(p);
    } else if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS) {
        savepoint_failed(p, "no savepoint found after the stop request");
    }
}

/* The job was seen RUNNING by this pass. */
static bool job_runs(const fo_pass *p)
{
    return p->obs.rest_ok && fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state")) ==
                                 FO_JOB_STATUS_RUNNING;
}

fo_rc fo_act_await_savepoint(fo_pass *p)
{
    fo_pass_requeue(p, p->set->progress_interval_ms);
    fo_sp_retry_record r;
    /* failures of this generation before this try: told until it ends */
    if (stored_record(p, &r) && r.generation == p->generation)
        carry(p, &r, false);
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    const char *tid = fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerId");
    int64_t since = p->now_ms;
    fo_json_get_int(p->st, "jobStatus.savepointInfo.triggerTimestamp", &since);
    if (!jid) {
        savepoint_failed(p, "the job id is unknown");
        return FO_OK;
    }
    char job_id[33];
    snprintf(job_id, sizeof job_id, "%s", jid);
    if (!tid || !*tid) {
        await_untracked(p, job_id, since);
        return FO_OK;
    }
    fo_flink_operation op;
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/savepoints/:id",
        fo_flink_rest_savepoint_status(p->env->flink, p->base_url, job_id, tid, &op, &ferr));
    if (rc == FO_OK && op.completed) {
        if (op.failure.class_name)
            savepoint_failed(p, op.failure.message);
        else if (op.location && *op.location)
            savepoint_done(p, op.location);
        else
            savepoint_failed(p, "Flink reported no location");
    } else if (rc == FO_ENOTFOUND && job_runs(p) && p->now_ms - since <= FO_SAVEPOINT_TIMEOUT_MS) {
        /* The job runs and Flink does not know the trigger: the request never reached it
         * (killed right after the intent, or no answer). The same trigger id again. */
        send_stop(p, job_id, tid);
    } else if (rc == FO_ENOTFOUND) {
        /* Flink forgot the trigger (a JobManager restart): look at the statistics instead. */
        await_untracked(p, job_id, since);
    } else if (p->now_ms - since > FO_SAVEPOINT_TIMEOUT_MS) {
        savepoint_failed(p, "timed out");
    }
    fo_flink_rest_operation_release(&op); /* zeroed by the call whatever it returned */
    return FO_OK;
}
