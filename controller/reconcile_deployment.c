/* The FlinkDeployment pass: preamble (cache, deletion, finalizer, validation), observation,
 * the decision, and the recording of status and Events. The actions live in
 * reconcile_actions.c, the deletion path in reconcile_cleanup.c. */
#include "controller/reconcile_deployment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/field_errors.h"
#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/log.h"
#include "common/normalize.h"
#include "common/validate.h"
#include "controller/reconcile_internal.h"
#include "controller/status.h"

void fo_pass_fail(fo_pass *p, const char *type, const char *stalled_reason, const char *fmt, ...)
{
    p->error_type = type;
    p->stalled_reason = stalled_reason;
    p->error_reason[0] = '\0';
    json_decref(p->error_meta);
    p->error_meta = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error_msg, sizeof p->error_msg, fmt, ap);
    va_end(ap);
}

void fo_pass_requeue(fo_pass *p, int64_t ms)
{
    if (ms > 0 && (p->requeue_ms <= 0 || ms < p->requeue_ms))
        p->requeue_ms = ms;
}

/* ---- status.error bookkeeping ------------------------------------------------------------ */

/* Does the cluster run again, as fo_status_finish marks a spec stable: an application's job
 * RUNNING or FINISHED, a session cluster's JobManager READY; or is nothing meant to run (the
 * recorded job suspended)? */
static bool runs_again(const fo_pass *p, fo_flink_jm_status jm, fo_flink_job_status job)
{
    const char *last_state = fo_json_get_str(p->last, "job.state");
    if (p->application && last_state && strcmp(last_state, "suspended") == 0)
        return true;
    if (jm != FO_JM_READY)
        return false;
    return !p->application || job == FO_JOB_STATUS_RUNNING || job == FO_JOB_STATUS_FINISHED;
}

/* Errors a pass sets itself are re-derived each pass: they stay only while their cause does. */
static void settle_error(fo_pass *p)
{
    if (p->error_type) {
        const char *old = fo_json_str(p->st, "error");
        char *text =
            p->error_meta ? fo_status_error_text_meta(p->error_type, p->error_msg, p->error_meta)
                          : fo_status_error_text_reason(p->error_type, p->error_msg,
                                                        p->error_reason);
        if (text && (!old || strcmp(old, text) != 0))
            json_object_set_new(p->st, "error", json_string(text));
        free(text);
        return;
    }
    const char *old = fo_json_str(p->st, "error");
    if (!old)
        return;
    fo_flink_jm_status jm =
        fo_flink_jm_status_parse(fo_json_str(p->st, "jobManagerDeploymentStatus"));
    fo_flink_job_status job = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    /* a failed job's cause, also as flinkop wrote it before it wrote Apache's type */
    bool job_failure = fo_status_error_is(old, FO_ERROR_JOB_FAILED) ||
                       fo_status_error_is(old, "org.apache.flink.runtime.JobException");
    bool keep = (job_failure && job == FO_JOB_STATUS_FAILED) ||
                (fo_status_error_is(old, FO_ERROR_DEPLOYMENT_FAILED) &&
                 (jm == FO_JM_ERROR || jm == FO_JM_MISSING) && p->obs.jm_status != FO_JM_READY) ||
                /* a lost JobManager Deployment: told until the recovered cluster runs (Apache
                 * clears errors once the spec is running and stable) */
                (fo_status_error_is(old, FO_ERROR_MISSING_JOBMANAGER) && !runs_again(p, jm, job)) ||
                (strcmp(old, FO_OBSERVE_JOB_NOT_FOUND) == 0 && p->job_not_found);
    if (!keep)
        json_object_del(p->st, "error");
}

static int tm_replicas(const fo_pass *p)
{
    const json_t *spec = p->last ? p->last : json_object_get(p->want, "spec");
    fo_flink_view v;
    if (fo_flink_view_init_spec(&v, spec, FO_FLINK_DEPLOYMENT, NULL) != FO_OK)
        return -1;
    if (v.task_manager.has_replicas)
        return v.task_manager.replicas;
    if (p->obs.taskmanagers >= 0)
        return p->obs.taskmanagers;
    /* FlinkUtils.getNumTaskManagers: ceil(parallelism / slots). */
    json_t *conf = fo_flink_conf_flatten(v.flink_configuration, NULL);
    const char *slots_text = fo_json_str(conf, "taskmanager.numberOfTaskSlots");
    long slots = slots_text ? strtol(slots_text, NULL, 10) : 1;
    json_decref(conf);
    if (slots < 1)
        slots = 1;
    int32_t par = v.job.parallelism > 0 ? v.job.parallelism : 0;
    return (int)((par + slots - 1) / slots);
}

fo_rc fo_pass_write_status(fo_pass *p, fo_err *err)
{
    settle_error(p);
    fo_status_facts f = {
        .name = p->name,
        .generation = p->generation,
        .application = p->application,
        .last_suspended = fo_json_get_str(p->last, "job.state") &&
                          strcmp(fo_json_get_str(p->last, "job.state"), "suspended") == 0,
        .tm_replicas = tm_replicas(p),
        .stalled_reason = p->stalled_reason,
        .stalled_message = p->error_type ? p->error_msg : NULL,
    };
    fo_status_finish(p->st, &f, p->now_ms);
    json_t *patch = fo_status_patch(json_object_get(p->obj, "status"), p->st,
                                    fo_json_get_str(p->obj, "metadata.resourceVersion"));
    if (!patch) {
        fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
        return FO_OK;
    }
    json_t *out = NULL;
    fo_rc rc = p->env->kube.patch(p->env->kube.ctx, FO_CTL_FLINK_DEPLOYMENT, p->ns, p->name, true,
                                  patch, &out, err);
    if (rc == FO_OK) /* the version the patch was conditional on is no longer current */
        fo_own_writes_note(p->env->own_writes, p->ns, p->name,
                           fo_json_get_str(patch, "metadata.resourceVersion"),
                           fo_json_get_str(out, "metadata.resourceVersion"));
    json_decref(patch);
    if (rc != FO_OK) {
        fo_err_wrap(err, "status update");
        return rc;
    }
    p->writes++;
    if (json_is_object(out)) {
        json_decref(p->obj);
        p->obj = out;
    } else {
        json_decref(out);
    }
    /* The transitions are on record: now tell about them (an intent's Events go out even if
     * the step after it fails). */
    fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
    return FO_OK;
}

/* ---- preamble: the record ---------------------------------------------------------------- */

/* A spec the Apache operator recorded holds spec.podTemplate unlayered (it merges the
 * templates when it deploys): in the shape flinkop records, layered into the role templates
 * (fo_normalize_recorded_spec), it compares with the wanted spec as flinkop's own record
 * would, and what is built from it holds the common template. Which record is whose cannot be
 * told for sure (flinkop's own, layered again, may come out with its lists in another order),
 * so the layered record is taken only when it is closer to the wanted spec than the record as
 * written: fewer changed fields. flinkop's own records, equal to the wanted spec until it
 * changes, are never replaced, so a misread one cannot upgrade a job. Layered from the record
 * as written, before the canonical form drops empty lists (a role template's `args: []` that
 * overrides the common template's). Records flinkop writes carry its mark and are never
 * layered: after a change of the cluster defaults one can read exactly like the Apache
 * operator's record of another spec, closer in its layered shape, which would turn the
 * upgrade into an in-place patch of the JobManager. */
static fo_rc adopt_layered_record(fo_pass *p)
{
    if (p->last_meta.by_flinkop)
        return FO_OK;
    const json_t *want_spec = json_object_get(p->want, "spec");
    fo_spec_diff as_written, as_layered;
    fo_err ignored;
    if (fo_spec_diff_compute(p->last, want_spec, FO_FLINK_MODE_NATIVE, &as_written, &ignored) !=
            FO_OK ||
        as_written.changes == 0)
        return FO_OK;
    json_t *raw = fo_flink_last_reconciled_spec_as_written(p->obj);
    if (!raw || !json_is_object(raw)) {
        json_decref(raw);
        return raw ? FO_OK : FO_ENOMEM; /* it parsed once: only memory can fail now */
    }
    json_t *layered = NULL;
    if (fo_normalize_recorded_spec(raw) == FO_OK)
        layered = fo_flink_spec_canonical(raw, FO_FLINK_DEPLOYMENT);
    json_decref(raw);
    if (!layered)
        return FO_ENOMEM;
    if (fo_spec_diff_compute(layered, want_spec, FO_FLINK_MODE_NATIVE, &as_layered, &ignored) ==
            FO_OK &&
        as_layered.changes < as_written.changes) {
        fo_log_debug("the recorded spec is compared in its layered shape (%zu changes, %zu as "
                     "written)",
                     as_layered.changes, as_written.changes);
        json_decref(p->last);
        p->last = layered;
        return FO_OK;
    }
    json_decref(layered);
    return FO_OK;
}

/* ---- preamble: validation ------------------------------------------------------------------ */

/* Normalise and validate a copy of the resource (the webhook's code). On errors, the pass
 * goes on with the last reconciled spec (forced running when an upgrade was under way, as
 * the Apache operator does) and reports them. */
static fo_rc validate(fo_pass *p, fo_err *err)
{
    fo_rc rc = FO_OK;
    fo_field_errors *errs = fo_field_errors_new();
    char *joined = NULL;
    p->want = fo_json_copy(p->obj);
    if (!errs || !p->want) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    fo_err nerr;
    fo_err_clear(&nerr);
    const char *oversized = fo_kube_oversized(p->obj);
    bool normalized = false; /* p->want is the resource as both processes judge it */
    if (oversized) { /* only its metadata (and status) were kept: nothing to judge */
        fo_field_errors_add(errs, FO_FE_INVALID, "spec", NULL, "too large for flinkop: %s",
                            oversized);
    } else if (fo_normalize_resource(p->want, p->cd, &nerr) != FO_OK) {
        fo_field_errors_add(errs, FO_FE_INVALID, "spec", NULL, "%s", nerr.message);
    } else {
        normalized = true;
        fo_validate_env venv = {
            .default_flink_config = fo_cluster_defaults_flink_config(p->cd),
            .reconcile_interval_ms = p->set->observe_interval_ms,
        };
        fo_validate_deployment(p->want, &venv, errs);
    }
    fo_rc lrc = FO_OK;
    p->last = fo_flink_last_reconciled_spec(p->obj, &p->last_meta, &lrc);
    /* also for an invalid spec: the pass then goes on with the record, which must hold the
     * common template too */
    if (p->last && normalized && adopt_layered_record(p) != FO_OK) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    if (lrc != FO_OK)
        fo_field_errors_add(errs, FO_FE_INVALID, "status.reconciliationStatus.lastReconciledSpec",
                            NULL, "cannot be parsed; it is kept as it is");
    if (fo_field_errors_count(errs) == 0)
        goto out;

    /* The status message and the Event each hold the errors that fit whole and say how many
     * they leave out: a list cut anywhere else hides that more errors follow. */
    joined = fo_field_errors_join_within(errs, "; ", sizeof p->error_msg - 1);
    p->invalid = true;
    fo_pass_fail(p, FO_ERROR_VALIDATION, "InvalidSpec", "%s", joined ? joined : "invalid spec");
    const char *old = fo_json_str(p->st, "error");
    char *text = fo_status_error_text(FO_ERROR_VALIDATION, p->error_msg);
    if (!old || !text || strcmp(old, text) != 0) {
        char *told = fo_field_errors_join_within(errs, "; ", FO_EVENT_MAX_MESSAGE - 1);
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_VALIDATION_ERROR, "%s", told ? told : p->error_msg);
        free(told);
    }
    free(text);
    if (p->last) {
        json_t *spec = fo_json_copy(p->last);
        fo_flink_recon_state rs =
            fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
        json_t *job = json_object_get(spec, "job");
        if (rs == FO_RECON_UPGRADING && json_is_object(job))
            json_object_set_new(job, "state", json_string("running"));
        json_object_set_new(p->want, "spec", spec);
    }
out:
    free(joined);
    fo_field_errors_free(errs);
    return rc;
}

/* ---- observation and decision ----------------------------------------------------------- */

/* The cluster's HA ConfigMaps (c.11): in->ha_maps_present (any, for a teardown that removes
 * them) and, when asked, what they hold: in->ha_metadata (a checkpoint to restore) and
 * in->ha_job_map (the job's map, checkpoint or not). */
static void observe_ha_maps(fo_pass *p, fo_upgrade_input *in, bool metadata)
{
    json_t *maps = fo_observe_ha_maps(p->env, p->ns, p->name);
    in->ha_maps_present = json_array_size(maps) > 0;
    in->ha_job_map = metadata && fo_flink_ha_metadata_available(maps, false);
    /* The checkpoint must be the one of the job id the restore deploys: Flink recovers only
     * that job's map, and starts a job without one from empty state (a map left by an earlier
     * job id, or a user id changed in the same edit, would read as state to restore). */
    char id[33];
    in->ha_metadata = in->ha_job_map && fo_build_restore_job_id(p, id, NULL) &&
                      fo_flink_ha_job_checkpoint_available(maps, id);
    json_decref(maps);
}

/* KubernetesOperatorConfigOptions.OPERATOR_JOB_UPGRADE_LAST_STATE_FALLBACK_ENABLED. */
#define LAST_STATE_FALLBACK_KEY "kubernetes.operator.job.upgrade.last-state-fallback.enabled"

/* What the desired spec's configuration says for the upgrade (c.6): the last-state fallback
 * option (default true; a value that is not a boolean turns it off, where Apache's
 * reconciliation fails on it) and whether the new spec keeps HA. */
static void read_want_conf(fo_pass *p, fo_upgrade_input *in)
{
    const json_t *conf = fo_pass_want_conf(p);
    const char *v = fo_json_str(conf, LAST_STATE_FALLBACK_KEY);
    in->last_state_fallback = true;
    if (v && !fo_flink_parse_bool(v, &in->last_state_fallback)) {
        fo_log_warn("%s: '%s' is not a boolean: no last-state fallback", LAST_STATE_FALLBACK_KEY,
                    v);
        in->last_state_fallback = false;
    }
    in->want_ha_enabled = conf && fo_flink_ha_enabled(conf);
}

/* KubernetesOperatorConfigOptions.OPERATOR_JOB_RESTART_FAILED (default false). */
#define RESTART_FAILED_KEY "kubernetes.operator.job.restart.failed"

/* Is kubernetes.operator.job.restart.failed true for the desired spec (the resource's
 * flinkConfiguration over the cluster defaults)? A value that is not a boolean is false. */
static bool restart_failed_enabled(fo_pass *p)
{
    const json_t *conf = fo_pass_want_conf(p);
    const char *v = fo_json_str(conf, RESTART_FAILED_KEY);
    bool on = false;
    if (v && !fo_flink_parse_bool(v, &on)) {
        fo_log_warn("%s: '%s' is not a boolean: failed jobs are not restarted",
                    RESTART_FAILED_KEY, v);
        on = false;
    }
    return on;
}

static void fill_input(fo_pass *p, const json_t *conf, fo_upgrade_input *in)
{
    memset(in, 0, sizeof *in);
    const json_t *want_spec = json_object_get(p->want, "spec");
    in->has_last = p->last != NULL;
    in->recon_state =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    in->application = json_is_object(json_object_get(want_spec, "job"));
    in->specs_equal = p->last && p->diff.changes == 0;
    in->diff = p->diff.type;
    in->last_job_state = fo_flink_job_state_parse(fo_json_get_str(p->last, "job.state"));
    in->last_mode = fo_flink_upgrade_mode_parse(fo_json_get_str(p->last, "job.upgradeMode"));
    in->want_job_state = fo_flink_job_state_parse(fo_json_get_str(want_spec, "job.state"));
    in->want_mode = fo_flink_upgrade_mode_parse(fo_json_get_str(want_spec, "job.upgradeMode"));
    in->cluster_present = p->obs.jm_present || p->obs.tm_present;
    in->cluster_deleting =
        (!p->obs.jm_present || p->obs.jm_deleting) && (!p->obs.tm_present || p->obs.tm_deleting);
    in->job = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    in->rest_ok = p->obs.rest_ok;
    const char *trig = fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerType");
    in->savepoint_pending = trig && strcmp(trig, "UPGRADE") == 0 &&
                            fo_json_get(p->st, "jobStatus.savepointInfo.triggerTimestamp");
    in->savepoint_path_known = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath") != NULL;
    in->savepoint_path_superseded =
        fo_observe_restore_path_superseded(fo_json_get(p->st, "jobStatus"));
    /* The restore source of a job that ended under its cluster: read through that cluster in
     * this pass (fo_pass_record_final_state), or unknown; a JobManager that answers without the
     * job can tell nothing more of it (job_forgotten). */
    bool ended = p->application && p->obs.jm_present &&
                 fo_flink_job_status_is_globally_terminal(in->job) && !in->savepoint_path_known;
    bool not_found = fo_observe_job_not_found(&p->obs, fo_json_get_str(p->st, "jobStatus.jobId"));
    in->restore_source_none = ended && p->restore_source_read;
    in->restore_source_unknown = ended && !p->restore_source_read && !not_found;
    in->job_forgotten = ended && not_found;
    in->state_empty = ended && p->restore_source_read && p->restore_source_empty;
    in->savepoint_dir = conf && fo_build_savepoint_dir(conf) != NULL;
    in->ha_enabled = conf && fo_flink_ha_enabled(conf);
    /* A FAILED job under an unchanged spec may be restarted (c.9): asked only then. */
    in->restart_failed = in->application && in->rest_ok && in->job == FO_JOB_STATUS_FAILED &&
                         in->specs_equal && in->recon_state == FO_RECON_DEPLOYED &&
                         restart_failed_enabled(p);
    /* Scanning the HA ConfigMaps costs a cache walk: only when a decision can need it. */
    bool deciding = !in->specs_equal || in->recon_state == FO_RECON_UPGRADING ||
                    in->restart_failed;
    if (deciding)
        read_want_conf(p, in);
    bool last_state = in->last_mode == FO_FLINK_UPGRADE_LAST_STATE ||
                      in->want_mode == FO_FLINK_UPGRADE_LAST_STATE ||
                      (in->want_mode == FO_FLINK_UPGRADE_SAVEPOINT && in->last_state_fallback) ||
                      in->restart_failed;
    if (deciding)
        observe_ha_maps(p, in, in->ha_enabled && last_state);
    const char *v1 = fo_json_get_str(p->last, "flinkVersion");
    const char *v2 = fo_json_get_str(want_spec, "flinkVersion");
    in->flink_version_changed = v1 && v2 && strcmp(v1, v2) != 0;
    in->can_stop_with_savepoint = true;
    in->can_last_state = true;
}

static bool last_suspended(const fo_pass *p)
{
    const char *s = fo_json_get_str(p->last, "job.state");
    return s && strcmp(s, "suspended") == 0;
}

/* JobStatusObserver.onTargetJobNotFound (c.3): Flink answers but does not list the deployed
 * job. Its state already reads RECONCILING (fo_observe_record); status.error says "Job Not
 * Found" as Apache writes it (a plain text), for as long as the job stays missing, and a
 * Warning Missing tells it when it goes missing. Apache observes no job of a suspended record
 * or during an upgrade. */
static void observe_missing_job(fo_pass *p)
{
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    if (!p->last || !p->application || last_suspended(p) || rs != FO_RECON_DEPLOYED ||
        !fo_observe_job_not_found(&p->obs, fo_json_get_str(p->st, "jobStatus.jobId")))
        return;
    p->job_not_found = true;
    const char *old = fo_json_str(p->st, "error");
    if (old && strcmp(old, FO_OBSERVE_JOB_NOT_FOUND) == 0)
        return;
    fo_log_info("job %s is not in flink's job list", fo_json_get_str(p->st, "jobStatus.jobId"));
    fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOB, FO_REASON_MISSING, "%s",
                     FO_OBSERVE_JOB_NOT_FOUND);
    json_object_set_new(p->st, "error", json_string(FO_OBSERVE_JOB_NOT_FOUND));
}

/* Does the retention a job ran with decide whether the latest snapshot in its statistics
 * outlived it? Only when that snapshot is a checkpoint Flink does not already say it discarded,
 * and the job ended in a state where retentions differ (CANCELED, FAILED: FINISHED discards the
 * checkpoints of every retention). */
static bool retention_decides(const fo_flink_checkpoint_stats *stats, fo_flink_job_status ended)
{
    return fo_observe_checkpoints_kept(FO_FLINK_RETAIN_ON_CANCELLATION, ended) !=
               fo_observe_checkpoints_kept(FO_FLINK_NO_EXTERNALIZED_CHECKPOINTS, ended) &&
           fo_observe_latest_checkpoint_path(stats, true) !=
               fo_observe_latest_checkpoint_path(stats, false);
}

/* The client for the reads that record an ended job's restore source: it decides a later
 * restore (a restart.failed restart, a savepoint upgrade of the ended job) as a change's
 * observation does, and a read that fails leaves it unknown until a later pass reads it
 * (observe_unknown_restore_source), so it waits as long as that one
 * (fo_ctl_env.flink_patient), in whatever pass reads it. */
static fo_flink_rest *restore_source_client(const fo_pass *p)
{
    return p->env->flink_patient ? p->env->flink_patient : p->env->flink;
}

/* The retention the job ran with, as Flink tells it (GET /jobs/:id/checkpoints/config): what
 * the job's code set (CheckpointConfig.setExternalizedCheckpointRetention) over the
 * configuration the cluster was launched with. NULL when Flink cannot tell (the job has no
 * checkpointing, the endpoint or the job is gone, an error): the caller falls back to the
 * configuration; *rc is FO_OK unless the read itself failed. Flink serves it from the same
 * archived job as the statistics, so it answers whenever they did; it never changes for a job
 * id, and is asked once, here, when it decides something. Returns a static name. */
static const char *job_retention(fo_pass *p, const char *job_id, fo_rc *rc_out)
{
    fo_flink_checkpoint_config cc;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/checkpoints/config",
        fo_flink_rest_checkpoint_config(restore_source_client(p), p->base_url, job_id, &cc,
                                        &err));
    *rc_out = rc;
    if (rc != FO_OK) {
        fo_log_warn("the checkpoint retention of job %s is unknown (%s): the configuration's "
                    "is taken",
                    job_id, err.message);
        return NULL;
    }
    return cc.enabled ? cc.retention : NULL;
}

/* The latest checkpoint of a job that ended, into jobStatus.upgradeSavepointPath, as Apache's
 * SnapshotObserver.observeLatestCheckpoint records it for a job in a terminal state: the
 * resume of a job cancelled from outside starts from it. A job without checkpointing keeps
 * the path it was deployed from (status holds its restore source, or none): no newer state
 * exists. Statistics that cannot be read, or hold no restorable snapshot, leave no path, and
 * so does a latest checkpoint Flink deleted with the job (the retention the job ran with is not
 * RETAIN_ON_CANCELLATION: Apache records that path and the resumed job fails to restore): a
 * savepoint-mode resume then asks for a manual restore rather than start from an older
 * savepoint or from nothing. That retention is the job's own as Flink tells it (job_retention),
 * else the configuration's (only to keep the checkpoint when the job's own was not read: to
 * drop it on the configuration's word would conclude "nothing restorable" from a failed read);
 * Flink's `discarded` flag on the checkpoint is not enough alone: the statistics archived when
 * the job ended may predate the discard. */
void fo_pass_record_final_state(fo_pass *p, const char *job_id, const json_t *conf,
                                fo_flink_job_status ended)
{
    json_t *js = fo_json_ensure_object(p->st, "jobStatus");
    fo_flink_checkpoint_stats stats;
    fo_err err;
    fo_err_clear(&err);
    p->restore_source_empty = false;
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/jobs/:id/checkpoints",
        fo_flink_rest_checkpoints(restore_source_client(p), p->base_url, job_id, &stats, &err));
    if (rc != FO_OK) {
        fo_log_warn("the last checkpoint of job %s is unknown: %s", job_id, err.message);
        json_object_del(js, "upgradeSavepointPath");
        /* read again by the next pass, which a JobManager that let it time out would hold for
         * the whole timeout: such a pass is spaced out as a silent observation is */
        if (rc == FO_ETIMEOUT)
            p->obs.rest_timed_out = true;
        return;
    }
    fo_rc retention_rc = FO_OK;
    const char *retention =
        retention_decides(&stats, ended) ? job_retention(p, job_id, &retention_rc) : NULL;
    const char *source = "the job's";
    bool kept = retention && fo_observe_checkpoints_kept(retention, ended);
    if (!retention) {
        source = "the configuration's";
        retention = fo_json_str(conf, "execution.checkpointing.externalized-checkpoint-retention");
        kept = !conf || fo_observe_checkpoints_kept(retention, ended);
    }
    const char *path = fo_observe_latest_checkpoint_path(&stats, kept);
    if (!path && retention_rc != FO_OK) {
        /* The configuration takes the latest checkpoint for deleted, but the job's code may
         * have retained it and its own retention was not read: that is no proof of "nothing
         * restorable", which would let the ended job's cluster go (and with it every later
         * read). The source stays unknown, read again by the next pass. */
        fo_log_warn("the last checkpoint of job %s is unknown: its retention was not read", job_id);
        json_object_del(js, "upgradeSavepointPath");
        if (retention_rc == FO_ETIMEOUT)
            p->obs.rest_timed_out = true;
        fo_flink_rest_checkpoint_stats_release(&stats);
        return;
    }
    p->restore_source_read = true;
    /* Nothing completed and restored from nothing (latest.restored null): its state is empty. */
    p->restore_source_empty = !path && stats.enabled && stats.completed == 0 &&
                              stats.latest_completed.id < 0 && stats.latest_savepoint.id < 0 &&
                              stats.restored_from.id < 0;
    if (!path && fo_observe_latest_checkpoint_path(&stats, true))
        fo_log_warn("the last checkpoint of job %s was deleted when it ended (%s retention %s, "
                    "job %s): there is no state to resume it from",
                    job_id, source, retention ? retention : FO_FLINK_NO_EXTERNALIZED_CHECKPOINTS,
                    fo_flink_job_status_name(ended));
    if (path)
        json_object_set_new(js, "upgradeSavepointPath", json_string(path));
    else if (stats.enabled)
        json_object_del(js, "upgradeSavepointPath");
    fo_flink_rest_checkpoint_stats_release(&stats);
}

/* JobStatusObserver.updateJobStatus (c.3): a job cancelled from outside flinkop (CANCELED, or
 * terminal after CANCELLING) marks the recorded spec suspended (job.state only, its
 * upgradeMode and the reconciliation timestamp kept, as ReconciliationUtils
 * .updateLastReconciledSpec writes it), so the next decision resumes it from its last
 * checkpoint instead of upgrading a job that is gone. Only for a deployed running record:
 * flinkop's own cancels mark the record first (UPGRADING). */
static void observe_cancelled_job(fo_pass *p, const char *prev_state, const json_t *conf)
{
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    const char *state = fo_json_get_str(p->st, "jobStatus.state");
    const char *job_id = fo_json_get_str(p->st, "jobStatus.jobId");
    if (!p->last || !p->application || last_suspended(p) || rs != FO_RECON_DEPLOYED || !job_id ||
        !fo_observe_job_cancelled(prev_state[0] ? prev_state : NULL, state))
        return;
    char id[64];
    snprintf(id, sizeof id, "%s", job_id);
    fo_log_info("job %s was cancelled outside flinkop (%s): the recorded spec is marked suspended",
                id, state);
    fo_pass_record_final_state(p, id, conf, fo_flink_job_status_parse(state));
    json_t *rstatus = fo_json_ensure_object(p->st, "reconciliationStatus");
    json_t *ts = json_incref(json_object_get(rstatus, "reconciliationTimestamp"));
    json_t *marker = fo_build_suspended_spec(
        p->last, fo_flink_upgrade_mode_parse(fo_json_get_str(p->last, "job.upgradeMode")));
    fo_build_record_spec(p, marker, FO_RECON_DEPLOYED, false);
    if (ts)
        json_object_set_new(rstatus, "reconciliationTimestamp", ts);
    fo_act_adopt_last(p, marker);
    json_decref(marker);
}

/* Does Flink list the recorded job with another start-time than status recorded before this
 * observation? Then it ran again since the last pass saw it (a JobManager restarted without the
 * job's HA data runs the application again under the same job id, from the restore path its
 * configuration names) and may have taken checkpoints since, newer than the final state the
 * pass that saw it end recorded; a state that reads the same (FAILED, FAILED again) hides it.
 * A job that ended keeps its start-time in Flink's job store, so an unchanged one is the same
 * run. */
static bool ran_again(const fo_pass *p, const char *prev_start)
{
    const char *now = fo_json_get_str(p->st, "jobStatus.startTime");
    return p->obs.has_job && prev_start[0] && now && strcmp(prev_start, now) != 0;
}

/* SnapshotObserver.observeLatestCheckpoint (c.3) for a job that ended on its own: FAILED for
 * good, or FINISHED (stopped with a savepoint from outside flinkop, or a bounded job). Its
 * latest checkpoint or savepoint is its final state, recorded as upgradeSavepointPath when the
 * job turns FAILED or FINISHED, so that a savepoint upgrade of the ended job (its JobManager
 * answering: no last-state fallback) restores from it and not from the older path the job was
 * deployed from (its initialSavepointPath, the savepoint of its last upgrade). On the change
 * of state, or when the job ended again after another run (ran_again), for a deployed running
 * record; not while an upgrade's stop-with-savepoint is in flight (that records its own path).
 * A path that cannot be read, or checkpoints Flink deleted with the job, leave none, as for a
 * cancelled job: a savepoint upgrade then asks for a manual restore rather than go back in
 * time, until a later pass reads the path (observe_unknown_restore_source). */
static void observe_ended_job(fo_pass *p, const char *prev_state, bool rerun, const json_t *conf)
{
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    const char *state = fo_json_get_str(p->st, "jobStatus.state");
    const char *job_id = fo_json_get_str(p->st, "jobStatus.jobId");
    const char *trig = fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerType");
    fo_flink_job_status ended = fo_flink_job_status_parse(state);
    if (!p->last || !p->application || last_suspended(p) || rs != FO_RECON_DEPLOYED || !job_id ||
        (ended != FO_JOB_STATUS_FAILED && ended != FO_JOB_STATUS_FINISHED) ||
        (strcmp(prev_state, state) == 0 && !rerun) || (trig && strcmp(trig, "UPGRADE") == 0))
        return;
    char id[64];
    snprintf(id, sizeof id, "%s", job_id);
    fo_log_info("job %s ended (%s%s): its latest checkpoint is recorded as its final state", id,
                state, strcmp(prev_state, state) == 0 ? ", again after another run" : "");
    fo_pass_record_final_state(p, id, conf, ended);
}

/* SnapshotObserver.observeLatestCheckpoint (c.3) reads the latest checkpoint of a job at every
 * observation while it is globally terminal. flinkop reads it in the pass that sees the job end
 * (observe_ended_job, observe_cancelled_job) and, while that read has not recorded it, again in
 * each later pass until it does: a read that failed (an error, a JobManager slower than the
 * timeout, a lost answer) would otherwise leave a FAILED job's restart
 * (kubernetes.operator.job.restart.failed) or a savepoint upgrade of the ended job refused
 * "Manual restore required" though Flink still holds the checkpoint. Not yet known means no
 * upgradeSavepointPath: the pass that sees the job end replaces the path the job was deployed
 * from or deletes it (a read that fails deletes it), so a path there is this job's final state
 * (or, without checkpointing, the state it was deployed from, which nothing newer replaced),
 * never an earlier run's. Only when Flink lists the recorded job id in a globally terminal state
 * in this pass (a state status keeps while Flink is silent says nothing of its checkpoints), its
 * state unchanged (a change is the transition pass's), the record deployed (cancelled from
 * outside: marked suspended by then), and no upgrade's stop-with-savepoint in flight (that
 * records its own path). A path found is recorded; nothing found leaves none, as before. */
static void observe_unknown_restore_source(fo_pass *p, const char *prev_state, bool rerun,
                                           const json_t *conf)
{
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    const char *state = fo_json_get_str(p->st, "jobStatus.state");
    const char *job_id = fo_json_get_str(p->st, "jobStatus.jobId");
    const char *trig = fo_json_get_str(p->st, "jobStatus.savepointInfo.triggerType");
    if (!p->last || !p->application || rs != FO_RECON_DEPLOYED || !job_id || !state ||
        !p->obs.has_job || strcmp(p->obs.job.id, job_id) != 0 ||
        !fo_flink_job_status_is_globally_terminal(p->obs.job.state) ||
        strcmp(prev_state, state) != 0 || rerun || (trig && strcmp(trig, "UPGRADE") == 0) ||
        fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath"))
        return;
    char id[64];
    snprintf(id, sizeof id, "%s", job_id);
    fo_pass_record_final_state(p, id, conf, p->obs.job.state);
    const char *path = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath");
    if (path)
        fo_log_info("the last checkpoint of job %s, unknown since it ended (%s), is recorded: %s",
                    id, state, path);
}

/* A suspended record says how its job was suspended (c.7): job.upgradeMode is the mode the
 * suspend actually used (a last-state job stopped with a savepoint for a new Flink version, a
 * savepoint job that fell back to last-state), and the resume restores that way. While the spec
 * asks suspended too, it is read with the record's upgradeMode, as Apache's suspend records the
 * restore mode getJobUpgrade chose over the spec's (AbstractJobReconciler.reconcileSpecChange)
 * and an IGNORE-only change rewrites only the record's metadata: an upgradeMode set meanwhile
 * is no change to record, other changes are recorded with the mode kept, and the suspend's end
 * (MARK_SUSPENDED) records the marker's mode. The resume reads the spec's own upgradeMode
 * (stateless there wins, c.6 "After suspend"). */
static void read_with_suspended_mode(fo_pass *p)
{
    json_t *job = json_object_get(json_object_get(p->want, "spec"), "job");
    const char *want = fo_json_str(job, "state");
    const char *mode = fo_json_get_str(p->last, "job.upgradeMode");
    if (!p->application || !last_suspended(p) || !want || strcmp(want, "suspended") != 0 || !mode)
        return;
    json_object_set_new(job, "upgradeMode", json_string(mode));
}

/* Requeue by what the JobManager is doing (c.1). */
static void requeue_by_state(fo_pass *p)
{
    switch (p->obs.jm_status) {
    case FO_JM_DEPLOYING:
        fo_pass_requeue(p, p->set->progress_interval_ms);
        break;
    case FO_JM_DEPLOYED_NOT_READY:
        fo_pass_requeue(p, p->set->rest_ready_delay_ms);
        break;
    default:
        fo_pass_requeue(p, p->set->observe_interval_ms);
        break;
    }
    if (fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state")) ==
        FO_RECON_UPGRADING)
        fo_pass_requeue(p, p->set->progress_interval_ms);
}

static fo_rc run(fo_pass *p, fo_reconcile_result *res, fo_err *err)
{
    /* A stub (common/kube_oversized.h) may lack its finalizers: writing the list from it could
     * drop other controllers'. */
    bool stub = fo_kube_oversized(p->obj) != NULL;
    fo_rc rc = stub ? FO_OK : fo_ensure_finalizer(p, err);
    if (rc != FO_OK)
        return rc;
    stub = fo_kube_oversized(p->obj) != NULL; /* the write's answer may be one */
    /* A Deployment of the cluster that Flink left without an owner is the resource's before
     * anything is read or decided from it: observed as it is, it would read as a lost
     * JobManager. A cluster another operator launched is marked so before anything is written
     * to it: its drift repair must not roll its pods. The pass ends there, writing nothing
     * else (its observation would be of a cluster it has not seen); the next one (the
     * Deployment's update enqueues it) finds it ours in the cache, which may not hold the
     * patch yet now. */
    bool adopted = false;
    rc = fo_takeover_adopt(p, &adopted, err);
    if (rc != FO_OK)
        return rc;
    if (adopted) {
        res->action = "ADOPT";
        fo_pass_requeue(p, p->set->progress_interval_ms);
        fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
        return FO_OK;
    }
    json_t *status = json_object_get(p->obj, "status");
    p->st = json_is_object(status) ? fo_json_copy(status) : json_object();
    rc = validate(p, err);
    if (rc != FO_OK)
        return rc;
    bool keeps_status = fo_kube_oversized_keeps_status(p->obj);
    if (stub && (!p->last || !keeps_status)) {
        /* Nothing deployed to keep running. When the stub could not keep the status, writing
         * one from nothing would overwrite what is recorded there: the Event alone tells. */
        res->action = fo_upgrade_action_name(FO_UP_NOTHING);
        rc = keeps_status ? fo_pass_write_status(p, err) : FO_OK;
        if (!keeps_status)
            fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
        return rc != FO_OK ? rc : fo_err_set(err, FO_ETERMINAL, "%s", p->error_msg);
    }

    const json_t *want_spec = json_object_get(p->want, "spec");
    const json_t *deployed = p->last ? p->last : want_spec;
    fo_flink_view dv;
    if (fo_flink_view_init_spec(&dv, deployed, FO_FLINK_DEPLOYMENT, NULL) != FO_OK)
        return fo_err_set(err, FO_EINVAL, "the spec cannot be read");
    p->application = fo_flink_is_application(&dv);
    p->standalone = fo_flink_effective_mode(&dv, p->last) == FO_FLINK_MODE_STANDALONE;
    fo_build_opts bo = {.job_id = fo_json_get_str(p->st, "jobStatus.jobId"),
                        .savepoint_path = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath"),
                        .generation = p->generation};
    fo_err cerr;
    fo_err_clear(&cerr);
    /* A cluster that runs is judged by the defaults it was launched with (its savepoint
     * directory, HA, its size, the port its REST API listens on). */
    if (p->last && fo_observe_cluster_present(p->env, p->obj, p->standalone))
        fo_build_cached_defaults(p, deployed, &bo);
    json_t *conf = p->last || !p->invalid ? fo_build_conf(p, deployed, &bo, &cerr) : NULL;
    fo_build_opts_release(&bo);
    fo_build_rest_base(p, conf); /* the deployed spec's (without a record nothing runs yet) */

    /* Observe. */
    p->prev_jm = fo_flink_jm_status_parse(fo_json_str(p->st, "jobManagerDeploymentStatus"));
    fo_observe_deployment(p->env, p->obj, p->base_url, p->application, p->standalone,
                          fo_json_get_str(p->st, "jobStatus.jobId"), p->prev_jm, &p->obs);
    if (conf && fo_build_savepoint_dir(conf))
        snprintf(p->savepoint_dir, sizeof p->savepoint_dir, "%s", fo_build_savepoint_dir(conf));
    /* the job state and start before this observation (status is rewritten below) */
    const char *prev = fo_json_get_str(p->st, "jobStatus.state");
    char prev_state[32];
    snprintf(prev_state, sizeof prev_state, "%s", prev ? prev : "");
    const char *started = fo_json_get_str(p->st, "jobStatus.startTime");
    char prev_start[32];
    snprintf(prev_start, sizeof prev_start, "%s", started ? started : "");
    if (p->last)
        fo_observe_record(p->env, p->base_url, &p->obs, p->application, conf, p->st, &p->events,
                          p->now_ms);
    bool rerun = ran_again(p, prev_start);
    observe_cancelled_job(p, prev_state, conf);
    observe_ended_job(p, prev_state, rerun, conf);
    observe_unknown_restore_source(p, prev_state, rerun, conf);
    observe_missing_job(p);
    fo_restart_settle(p, restart_failed_enabled(p));
    if (p->obs.jm_status == FO_JM_ERROR && !p->error_type) {
        /* Apache's DeploymentFailedException (c.3): its reason goes into the error's
         * additionalMetadata and names the Warning told when the JobManager turns ERROR. */
        fo_pass_fail(p, FO_ERROR_DEPLOYMENT_FAILED, NULL, "%s", p->obs.jm_failure);
        snprintf(p->error_reason, sizeof p->error_reason, "%s", p->obs.jm_failure_reason);
        if (p->prev_jm != FO_JM_ERROR)
            fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOBMANAGER,
                             p->error_reason[0] ? p->error_reason : FO_REASON_ERROR, "%s",
                             p->obs.jm_failure);
    }

    /* Snapshots: a manual savepoint or checkpoint in flight ends or goes on (it may record
     * its nonce). */
    fo_snap_read_nonce(p);
    if (p->last)
        fo_snap_observe(p);
    int64_t observed_before = -1;
    fo_json_get_int(p->st, "observedGeneration", &observed_before);

    /* Decide. */
    read_with_suspended_mode(p);
    fo_snap_mask_nonce(p);
    if (p->last) {
        rc = fo_spec_diff_compute(p->last, want_spec,
                                  p->standalone ? FO_FLINK_MODE_STANDALONE : FO_FLINK_MODE_NATIVE,
                                  &p->diff, err);
        if (rc != FO_OK) {
            json_decref(conf);
            return rc;
        }
    }
    fo_upgrade_input in;
    fill_input(p, conf, &in);
    json_decref(conf);
    fo_upgrade_step s = fo_upgrade_next(&in);
    /* An invalid spec never touches the running cluster and is never deployed. */
    if (p->invalid && (!p->last || s.action == FO_UP_CONVERGE || s.action == FO_UP_RECORD ||
                       s.action == FO_UP_SUSPEND))
        s.action = FO_UP_NOTHING;
    res->action = fo_upgrade_action_name(s.action);
    /* Apache's readyToReconcile: a change waits for the pending savepoint. */
    if (fo_snap_in_flight(p) && s.action != FO_UP_CONVERGE && s.action != FO_UP_RECORD &&
        s.action != FO_UP_NOTHING) {
        s.action = FO_UP_NOTHING;
        res->action = "AWAIT_SNAPSHOT";
    }
    fo_log_debug("decided %s (diff %s, %zu changes)", res->action, fo_diff_type_name(p->diff.type),
                 p->diff.changes);

    /* Act (one step), then record. */
    rc = fo_act(p, &s, &in, err);
    if (p->action)
        res->action = p->action;
    if (rc != FO_OK)
        return rc;
    fo_snap_check_conf(p, observed_before);
    requeue_by_state(p);
    /* A manual savepoint asked for or in flight keeps the pace of a change: taken, or seen to
     * its end, as soon as the JobManager answers again. A change refused before any step (the
     * record still DEPLOYED), with a JobManager that let the observation time out, waits for
     * that JobManager: its passes are spaced out as an observation's are, each of them holding
     * a worker for the full timeout a deciding pass reads with. */
    bool upgrading =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state")) ==
        FO_RECON_UPGRADING;
    res->flink_silent = p->obs.rest_timed_out && !upgrading &&
                        ((s.action == FO_UP_CONVERGE && !fo_snap_pending(p)) ||
                         s.action == FO_UP_REFUSE);
    int64_t observed = -1;
    fo_json_get_int(p->st, "observedGeneration", &observed);
    /* A resource created suspended (nothing recorded, nothing to deploy) has no change under
     * way, though its status says UPGRADING and no observedGeneration until its first deploy. */
    bool parked = !p->last && s.action == FO_UP_NOTHING;
    res->changing =
        !parked && (upgrading || (observed != p->generation && s.action != FO_UP_REFUSE));
    rc = fo_pass_write_status(p, err); /* sends the pass's Events once recorded */
    if (rc != FO_OK)
        return rc;
    if (p->invalid && s.action == FO_UP_NOTHING)
        return fo_err_set(err, FO_ETERMINAL, "%s", p->error_msg);
    return FO_OK;
}

/* Whether this pass may decide on a change: a spec (generation) the status has not caught up
 * with, or an upgrade under way. Its observation then waits as long as the calls that change
 * things do (fo_ctl_env.flink_patient): a JobManager answering in 6 s is slow, not gone, and
 * its job's state decides between a savepoint and the last-state fallback. Passes that only
 * keep a converged cluster under watch read with the shorter timeout, so a silent JobManager
 * holds a worker less (docs/controller.md, "A JobManager that does not answer"). */
static bool decides_change(const json_t *obj)
{
    int64_t generation = 0, observed = -1;
    fo_json_get_int(obj, "metadata.generation", &generation);
    fo_json_get_int(obj, "status.observedGeneration", &observed);
    return generation != observed ||
           fo_flink_recon_state_parse(fo_json_get_str(
               obj, "status.reconciliationStatus.state")) == FO_RECON_UPGRADING;
}

fo_rc fo_reconcile_deployment(const fo_ctl_env *env, const char *ns, const char *name,
                              fo_reconcile_result *res, fo_err *err)
{
    memset(res, 0, sizeof *res);
    json_t *obj = env->kube.cached(env->kube.ctx, FO_CTL_FLINK_DEPLOYMENT, ns, name);
    /* A version this process has replaced itself: what it says was already acted on (a
     * teardown finished, a cluster launched), and acting on it again would undo that. The
     * retry finds the informer caught up. */
    if (fo_own_writes_behind(env->own_writes, ns, name,
                             obj ? fo_json_get_str(obj, "metadata.resourceVersion") : NULL)) {
        json_decref(obj);
        res->action = "CACHE_BEHIND";
        return fo_err_set(err, FO_ECONFLICT,
                          "the cache has not seen this controller's last write to %s/%s yet", ns,
                          name);
    }
    bool canary = obj && fo_flink_is_canary(obj);
    bool deleting = obj && fo_json_get(obj, "metadata.deletionTimestamp");
    /* What this pass saw of a canary is what its health check waits for (controller/canary.h). */
    if (env->hooks.canary)
        env->hooks.canary(env->hooks.ctx, ns, name, canary && !deleting ? obj : NULL);
    if (!obj) {
        res->action = "GONE";
        return FO_OK;
    }
    if (canary && !deleting) {
        json_decref(obj);
        res->action = "CANARY";
        return FO_OK;
    }
    fo_pass *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(obj);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    fo_ctl_env patient;
    p->env = env;
    if (env->flink_patient && decides_change(obj)) {
        patient = *env;
        patient.flink = env->flink_patient;
        p->env = &patient;
    }
    p->set = env->settings;
    p->obj = obj;
    snprintf(p->ns, sizeof p->ns, "%s", ns);
    snprintf(p->name, sizeof p->name, "%s", name);
    const char *uid = fo_json_get_str(obj, "metadata.uid");
    snprintf(p->uid, sizeof p->uid, "%s", uid ? uid : "");
    p->generation = 0;
    fo_json_get_int(obj, "metadata.generation", &p->generation);
    p->now_ms = fo_clock_now_ms(env->clock);
    p->cd = fo_ctl_defaults(env);

    fo_rc rc;
    if (canary) {
        res->action = "CANARY";
        rc = fo_release_canary(p, err);
    } else if (deleting) {
        res->action = "DELETE";
        rc = fo_cleanup(p, err);
    } else {
        rc = run(p, res, err);
    }
    res->requeue_after_ms = rc == FO_OK ? p->requeue_ms : 0;
    res->writes = p->writes;

    fo_observed_release(&p->obs);
    json_decref(p->obj);
    json_decref(p->st);
    json_decref(p->want);
    json_decref(p->last);
    json_decref(p->error_meta);
    json_decref(p->want_sp_nonce);
    json_decref(p->want_cp_nonce);
    json_decref(p->want_conf);
    json_decref(p->want_conf_spec);
    fo_cluster_defaults_unref(p->cd);
    free(p);
    return rc;
}
