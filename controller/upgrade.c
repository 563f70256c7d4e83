#include "controller/upgrade.h"

#include <stddef.h>

const char *fo_upgrade_action_name(fo_upgrade_action a)
{
    static const char *const names[] = {
        [FO_UP_NOTHING] = "NOTHING",
        [FO_UP_CONVERGE] = "CONVERGE",
        [FO_UP_RECORD] = "RECORD",
        [FO_UP_DEPLOY] = "DEPLOY",
        [FO_UP_FINISH_DEPLOY] = "FINISH_DEPLOY",
        [FO_UP_SUSPEND] = "SUSPEND",
        [FO_UP_STOP_SAVEPOINT] = "STOP_SAVEPOINT",
        [FO_UP_AWAIT_SAVEPOINT] = "AWAIT_SAVEPOINT",
        [FO_UP_DELETE_CLUSTER] = "DELETE_CLUSTER",
        [FO_UP_WAIT] = "WAIT",
        [FO_UP_MARK_SUSPENDED] = "MARK_SUSPENDED",
        [FO_UP_REFUSE] = "REFUSE",
    };
    return (size_t)a < sizeof names / sizeof *names && names[a] ? names[a] : "?";
}

static fo_upgrade_step step(fo_upgrade_action a)
{
    fo_upgrade_step s = {.action = a};
    return s;
}

static fo_upgrade_step refuse(const char *reason)
{
    fo_upgrade_step s = {.action = FO_UP_REFUSE, .reason = reason};
    return s;
}

/* The refusals of a teardown or restore that would lose where an ended job resumes from. */
#define SOURCE_UNKNOWN                                                                             \
    "the job ended but its last checkpoint could not be read from Flink yet (no answer, or "       \
    "Flink is not answering), so its restore source is unknown; the cluster is kept and the "      \
    "read is tried again at each pass (delete the JobManager Deployment to give the state up)"
#define PATH_SUPERSEDED                                                                            \
    "the job ended and status.jobStatus.upgradeSavepointPath is older than a checkpoint or "       \
    "savepoint status records of the job (savepointInfo.lastSavepoint, "                           \
    "checkpointInfo.lastCheckpoint): restoring it would take the job back in time. Manual "        \
    "restore required."

/* Tear down what is there, or say it is gone (action NOTHING). The HA ConfigMaps (when they
 * go) go last, once the cluster's Deployments are gone: a JobManager still shutting down
 * writes them, and its leader election creates the leader map again when it is missing. They
 * are waited for until they are gone: a checkpoint map left behind could be restored from by
 * a new cluster with the same job id (what holds them is reported in status.error). */
static fo_upgrade_step teardown(const fo_upgrade_input *in, bool delete_ha)
{
    if (!in->cluster_present && delete_ha && in->ha_maps_present) {
        fo_upgrade_step s = {.action = FO_UP_DELETE_CLUSTER, .delete_ha_data = true};
        return s;
    }
    if (!in->cluster_present)
        return step(FO_UP_NOTHING);
    if (in->cluster_deleting) {
        fo_upgrade_step s = {.action = FO_UP_WAIT,
                             .reason = "waiting for the old cluster's Deployments to be deleted"};
        return s;
    }
    fo_upgrade_step s = {.action = FO_UP_DELETE_CLUSTER, .delete_ha_data = delete_ha};
    return s;
}

/* Deploy the desired running spec after a suspension (or a teardown): restore state the way
 * the job was suspended, unless the new spec asks for stateless (c.6 "After suspend"). */
static fo_upgrade_step restore(const fo_upgrade_input *in)
{
    fo_upgrade_step s = {.action = FO_UP_DEPLOY, .mode = FO_FLINK_UPGRADE_STATELESS};
    if (in->diff == FO_DIFF_SAVEPOINT_REDEPLOY) {
        s.initial_savepoint = true;
        return s;
    }
    if (in->want_mode == FO_FLINK_UPGRADE_STATELESS)
        return s;
    switch (in->last_mode) {
    case FO_FLINK_UPGRADE_SAVEPOINT:
        if (!in->savepoint_path_known)
            return refuse("the job was suspended with a savepoint but its path is not recorded "
                          "in status.jobStatus.upgradeSavepointPath. Manual restore required.");
        s.mode = FO_FLINK_UPGRADE_SAVEPOINT;
        return s;
    case FO_FLINK_UPGRADE_LAST_STATE:
        if (!in->can_last_state)
            return refuse("restoring a job suspended with last-state (from HA data) is not "
                          "supported by this flinkop build; the cluster is left as it is");
        if (!in->ha_metadata)
            return refuse("HA metadata is not available to restore from last state. Manual "
                          "restore required.");
        s.mode = FO_FLINK_UPGRADE_LAST_STATE;
        return s;
    default:
        /* Suspended statelessly: there is no state to restore; a savepoint-mode spec may still
         * name a recorded savepoint (a stateless suspend clears it), which the cluster of a job
         * that ended under it may not have told yet. */
        if (in->savepoint_path_known && in->want_mode == FO_FLINK_UPGRADE_SAVEPOINT)
            s.mode = FO_FLINK_UPGRADE_SAVEPOINT;
        else if (in->want_mode == FO_FLINK_UPGRADE_SAVEPOINT && in->restore_source_unknown)
            return refuse(SOURCE_UNKNOWN);
        return s;
    }
}

/* AbstractJobReconciler.getJobUpgrade (c.6): a savepoint upgrade of a job that cannot take a
 * savepoint (neither RUNNING nor known to have ended: restarting in a crash loop, waiting for
 * slots, failing, its JobManager not answering) goes through last-state when
 * kubernetes.operator.job.upgrade.last-state-fallback.enabled (default true), restored from the
 * checkpoint in its HA metadata as ApplicationReconciler.getJobUpgrade does then (HA on in the
 * deployed and in the new spec). Not across a Flink version change (HA data is not portable;
 * Apache cancels a cancellable job then, a mechanism flinkop does not have), not while the job
 * is being cancelled (Apache waits for it). A suspend (c.7) falls back alike: its record keeps
 * last-state, the way the job was suspended, and the resume restores from the HA data. */
static bool falls_back(const fo_upgrade_input *in, bool ended)
{
    if (!in->last_state_fallback || in->flink_version_changed || !in->can_last_state)
        return false;
    /* an ended job answered by its JobManager has a final state: its savepoint or nothing */
    if (in->job == FO_JOB_STATUS_CANCELLING || (ended && in->rest_ok))
        return false;
    return in->ha_enabled && in->want_ha_enabled && in->ha_metadata;
}

/* A FINISHED job (a bounded job that completed, c.6 "job terminal and its final state known")
 * whose statistics this pass read and found nothing restorable in: its state is complete and
 * there is none to carry, so the upgrade starts it from empty state (FLINK-39043: Apache refuses
 * every further change of such a job). So too once Flink has purged it (jobstore.expiration-time,
 * 1 h by default) with no path recorded: while Flink listed it, every pass read its restore
 * source again until known (observe_unknown_restore_source), so a snapshot that existed would
 * have been recorded, and nothing more can be read now. A FAILED or cancelled job without a
 * source is no such case: its state was lost, which the user must decide about. */
static bool finished_empty(const fo_upgrade_input *in)
{
    return in->job == FO_JOB_STATUS_FINISHED && in->rest_ok &&
           (in->restore_source_none || in->job_forgotten) && !in->savepoint_path_known;
}

/* An ended job whose state is empty: a FINISHED one as above, or any whose statistics this pass
 * read say it completed no checkpoint or savepoint and was restored from nothing (state_empty:
 * it failed or was cancelled before its first checkpoint, deployed from empty state). A deploy
 * from empty state loses nothing, as Apache's does. A job restored from X that ended before its
 * first checkpoint has X recorded as its final state instead, and statistics unknown are not
 * empty. */
static bool empty_state(const fo_upgrade_input *in)
{
    return finished_empty(in) || (in->state_empty && in->rest_ok && !in->savepoint_path_known);
}

/* The end of every decision for an ended job with no path recorded to restore from: from empty
 * state when its state is empty, a wait while its source is not read yet, else `refusal`. */
static fo_upgrade_step without_path(const fo_upgrade_input *in, fo_upgrade_step s,
                                    const char *refusal)
{
    if (empty_state(in)) {
        s.mode = FO_FLINK_UPGRADE_STATELESS;
        s.final_state = true;
        return s;
    }
    if (in->restore_source_unknown)
        return refuse(SOURCE_UNKNOWN);
    return refuse(refusal);
}

/* The upgrade of an ended job whose HA data is gone, under upgradeMode last-state: suspended
 * from the final state the observer recorded in upgradeSavepointPath when the job ended (the
 * newest snapshot Flink reported of it, by checkpoint id), restored as a savepoint (the record
 * says savepoint, the way the job is then restored), unless status records a later snapshot
 * of the job; a FINISHED job with nothing restorable starts empty; a source not read yet waits. */
static fo_upgrade_step from_final_state(const fo_upgrade_input *in, fo_upgrade_step s)
{
    if (in->savepoint_path_known) {
        if (in->savepoint_path_superseded)
            return refuse(PATH_SUPERSEDED);
        s.mode = FO_FLINK_UPGRADE_SAVEPOINT;
        s.final_state = true;
        return s;
    }
    return without_path(in, s,
                        "JobManager HA metadata is not available to make a last-state upgrade, "
                        "and the job ended without a restorable checkpoint or savepoint recorded "
                        "in status.jobStatus.upgradeSavepointPath. Manual restore required.");
}

/* Suspend a deployed application with `mode` (the new spec's upgradeMode), c.6. */
static fo_upgrade_step suspend(const fo_upgrade_input *in, fo_flink_upgrade_mode mode)
{
    fo_upgrade_step s = {.action = FO_UP_SUSPEND, .mode = mode, .spec_changed_event = true};
    if (mode == FO_FLINK_UPGRADE_STATELESS)
        return s;
    bool running = in->job == FO_JOB_STATUS_RUNNING && in->rest_ok;
    bool ended = fo_flink_job_status_is_globally_terminal(in->job);
    if (mode == FO_FLINK_UPGRADE_SAVEPOINT) {
        if (running) {
            if (!in->can_stop_with_savepoint)
                return refuse("savepoint upgrades are not supported by this flinkop build; the "
                              "running job is left untouched");
            if (!in->savepoint_dir)
                return refuse("a savepoint upgrade needs a savepoint directory "
                              "(state.savepoints.dir); the running job is left untouched");
            s.action = FO_UP_STOP_SAVEPOINT;
            return s;
        }
        if (ended && in->savepoint_path_known)
            /* suspend from the savepoint already recorded, unless a later one is known */
            return in->savepoint_path_superseded ? refuse(PATH_SUPERSEDED) : s;
        if (falls_back(in, ended)) {
            s.mode = FO_FLINK_UPGRADE_LAST_STATE;
            s.last_state_fallback = true;
            return s;
        }
        if (in->job == FO_JOB_STATUS_RECONCILING || !in->rest_ok)
            return refuse("the job state is unknown (Flink is not answering), so no savepoint "
                          "can be taken; waiting before upgrading");
        /* Alive but not RUNNING: CREATED (Flink lists it RUNNING while its tasks wait for slots
         * or restore), INITIALIZING, RESTARTING... Its state is not lost: Apache waits for an
         * upgradable state and says "Manual restore required" only of an ended job. */
        if (!ended)
            return refuse("the job is not running yet (jobStatus.state is not RUNNING: its tasks "
                          "may still wait for slots, restore their state or restart), so no "
                          "savepoint can be taken; the savepoint upgrade waits for it to run "
                          "(upgradeMode stateless upgrades it now, without its state)");
        return without_path(in, s,
                            "the job is not running and the last checkpoint is unknown, so the "
                            "savepoint upgrade cannot keep its state. Manual restore required.");
    }
    /* last-state of a job that ended: Flink removes its HA data with it (a job globally
     * terminal is cleaned up), so what it resumes from is its final state as the observer
     * recorded it when the job ended (FLINK-35857, FLINK-39043: Apache refuses here). A
     * recorded final state is taken even while HA metadata is still seen: the informer cache
     * may hold the ConfigMap Flink is deleting, and a last-state deploy would find it gone
     * after the teardown; the final state is at least as new as the HA checkpoint. HA data
     * only when no final state is recorded. */
    if (ended && in->can_last_state &&
        (in->savepoint_path_known || !(in->ha_enabled && in->ha_metadata)))
        return from_final_state(in, s);
    /* last-state. HA data is not portable across Flink versions (c.6): take a savepoint. */
    if (in->flink_version_changed) {
        if (running && in->savepoint_dir && in->can_stop_with_savepoint) {
            s.action = FO_UP_STOP_SAVEPOINT;
            return s;
        }
        return refuse("the Flink version changes, so HA data cannot carry the job's state; a "
                      "running job and a savepoint directory are needed to upgrade through a "
                      "savepoint. The running job is left untouched.");
    }
    if (!in->can_last_state)
        return refuse("last-state upgrades (through HA data) are not supported by this "
                      "flinkop build; the running job is left untouched. Use upgradeMode "
                      "savepoint or stateless.");
    if (in->ha_enabled && !in->ha_metadata && in->ha_job_map)
        return refuse("the job's HA metadata holds no completed checkpoint yet; the last-state "
                      "upgrade waits for one (is checkpointing on?); the running job is left "
                      "untouched");
    if (!in->ha_enabled || !in->ha_metadata)
        return refuse("JobManager HA metadata is not available to make a last-state upgrade. "
                      "Manual restore required.");
    return s;
}

/* kubernetes.operator.job.restart.failed (c.9; AbstractJobReconciler.reconcileOtherChanges and
 * resubmitJob): a FAILED job is suspended and restored under the same spec. A stateless spec
 * restarts without state. Otherwise from the job's latest state: the path the observer recorded
 * when the job FAILED (its latest retained checkpoint or savepoint, or the savepoint it was
 * deployed from when it took none), restored as a savepoint as Apache's resubmitJob does; only
 * with none recorded the checkpoint in its HA metadata (the last-state path: the HA data is
 * kept, the same job id recovers it). The recorded path goes first because Flink deletes a
 * FAILED job's HA data right after the failure while the informer cache may still show it: the
 * last-state path would tear the cluster down and find nothing to recover; the recorded final
 * state is at least as new as the HA checkpoint. A job whose statistics say it took no snapshot
 * and was restored from none (state_empty) restarts from empty state, losing nothing. With no
 * known state, Apache deploys a non-stateless spec from nothing (or an older lastSavepoint);
 * flinkop refuses rather than lose or rewind the state, and while the path is not read yet it
 * says that it waits for the read. */
static fo_upgrade_step restart_failed(const fo_upgrade_input *in)
{
    fo_upgrade_step s = {.action = FO_UP_SUSPEND, .mode = FO_FLINK_UPGRADE_STATELESS,
                         .restart = true};
    if (in->want_mode == FO_FLINK_UPGRADE_STATELESS)
        return s;
    if (in->savepoint_path_known) {
        if (in->savepoint_path_superseded)
            return refuse(PATH_SUPERSEDED);
        s.mode = FO_FLINK_UPGRADE_SAVEPOINT;
        return s;
    }
    if (in->can_last_state && in->ha_enabled && in->ha_metadata) {
        s.mode = FO_FLINK_UPGRADE_LAST_STATE;
        return s;
    }
    /* a source not read yet: the next pass may find the checkpoint Flink still holds */
    return without_path(in, s,
                        "the job FAILED and kubernetes.operator.job.restart.failed is true, but "
                        "no state to restart it from is known (no checkpoint in its HA metadata, "
                        "no path in status.jobStatus.upgradeSavepointPath). Manual restore "
                        "required.");
}

fo_upgrade_step fo_upgrade_next(const fo_upgrade_input *in)
{
    if (!in->has_last) {
        if (in->application && in->want_job_state == FO_FLINK_JOB_SUSPENDED)
            return step(FO_UP_NOTHING);
        fo_upgrade_step s = {.action = FO_UP_DEPLOY, .initial_savepoint = true};
        return s;
    }

    /* A stop-with-savepoint in flight blocks everything else until it ends (c.5). */
    if (in->application && in->savepoint_pending)
        return step(FO_UP_AWAIT_SAVEPOINT);

    if (in->recon_state == FO_RECON_UPGRADING) {
        if (in->application && in->last_job_state == FO_FLINK_JOB_SUSPENDED) {
            fo_upgrade_step t = teardown(in, in->last_mode != FO_FLINK_UPGRADE_LAST_STATE);
            if (t.action != FO_UP_NOTHING)
                return t;
            if (in->want_job_state == FO_FLINK_JOB_SUSPENDED)
                return step(FO_UP_MARK_SUSPENDED);
            return restore(in);
        }
        if (!in->application && !in->specs_equal) {
            fo_upgrade_step t = teardown(in, false);
            if (t.action != FO_UP_NOTHING)
                return t;
            return step(FO_UP_DEPLOY);
        }
        /* Finish what was started; a newer spec is an ordinary upgrade afterwards. */
        return step(FO_UP_FINISH_DEPLOY);
    }

    /* A job that ended under its cluster (cancelled from outside: the observer marked the
     * record suspended) while the spec asks suspended: suspended means no cluster (c.7), so
     * the one left behind is torn down as a suspend would, the way the record was suspended
     * (HA data kept for last-state), instead of idling with no job for ever. */
    if (in->application && in->last_job_state == FO_FLINK_JOB_SUSPENDED &&
        in->want_job_state == FO_FLINK_JOB_SUSPENDED && in->cluster_present) {
        /* Its latest checkpoint is read through that cluster: not before it is known (or known
         * to be none) does the cluster go, else the resume could never find it. */
        if (in->restore_source_unknown && in->last_mode != FO_FLINK_UPGRADE_STATELESS)
            return refuse(SOURCE_UNKNOWN);
        fo_upgrade_step s = {.action = FO_UP_SUSPEND, .mode = in->last_mode};
        return s;
    }
    if (in->specs_equal && in->restart_failed && in->application &&
        in->last_job_state == FO_FLINK_JOB_RUNNING && in->job == FO_JOB_STATUS_FAILED &&
        in->rest_ok)
        return restart_failed(in);
    if (in->specs_equal)
        return step(FO_UP_CONVERGE);
    if (in->diff == FO_DIFF_IGNORE)
        return step(FO_UP_RECORD);

    if (!in->application) {
        fo_upgrade_step s = {.action = FO_UP_SUSPEND, .spec_changed_event = true};
        return s;
    }
    if (in->last_job_state == FO_FLINK_JOB_SUSPENDED) {
        if (in->want_job_state == FO_FLINK_JOB_SUSPENDED)
            return step(FO_UP_RECORD);
        fo_upgrade_step s = restore(in);
        /* A job that ended under its cluster (cancelled from outside: the observer marked the
         * record suspended) leaves its JobManager there; as Apache's deploy deletes "the
         * cluster with terminated application" first, it goes (with its HA data unless the
         * job is restored from it: a leader map left behind holds the new JobManager back)
         * before the restore. A refusal touches nothing. */
        bool delete_ha = in->last_mode != FO_FLINK_UPGRADE_LAST_STATE;
        if (s.action == FO_UP_DEPLOY && (in->cluster_present || (delete_ha && in->ha_maps_present)))
            return teardown(in, delete_ha);
        s.spec_changed_event = s.action == FO_UP_DEPLOY;
        return s;
    }
    if (in->diff == FO_DIFF_SAVEPOINT_REDEPLOY)
        return suspend(in, FO_FLINK_UPGRADE_STATELESS);
    return suspend(in, in->want_mode);
}

bool fo_upgrade_can_recover(const fo_upgrade_input *in, const char **reason)
{
    *reason = NULL;
    if (!in->application || in->want_mode == FO_FLINK_UPGRADE_STATELESS)
        return true;
    if (in->ha_enabled)
        return true;
    *reason = "JobManager deployment is missing and HA metadata is not available to make "
              "stateful upgrades. It is possible that the job has finished or terminally "
              "failed, or the configmaps have been deleted. Manual restore required.";
    return false;
}
