/* controller/upgrade: the decision table of the deploy / upgrade / suspend / resume state
 * machine (reference c.5 - c.7, c.9), one row per situation. */
#include <check.h>
#include <string.h>

#include "controller/upgrade.h"

/* A deployed, running application with a RUNNING job and nothing special. */
static fo_upgrade_input running_app(void)
{
    fo_upgrade_input in = {
        .has_last = true,
        .recon_state = FO_RECON_DEPLOYED,
        .application = true,
        .specs_equal = true,
        .diff = FO_DIFF_IGNORE,
        .last_job_state = FO_FLINK_JOB_RUNNING,
        .last_mode = FO_FLINK_UPGRADE_STATELESS,
        .want_job_state = FO_FLINK_JOB_RUNNING,
        .want_mode = FO_FLINK_UPGRADE_STATELESS,
        .cluster_present = true,
        .job = FO_JOB_STATUS_RUNNING,
        .rest_ok = true,
        .savepoint_dir = true,
        .can_stop_with_savepoint = true,
        .can_last_state = true,
    };
    return in;
}

static fo_upgrade_input changed(fo_upgrade_input in, fo_diff_type d)
{
    in.specs_equal = false;
    in.diff = d;
    return in;
}

#define ACTION(in) fo_upgrade_action_name(fo_upgrade_next(&(in)).action)

START_TEST(new_resources_deploy_unless_created_suspended)
{
    fo_upgrade_input in = {.application = true, .want_job_state = FO_FLINK_JOB_RUNNING};
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert(s.initial_savepoint);
    in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    ck_assert_str_eq(ACTION(in), "NOTHING");
    in.application = false; /* a session cluster has no job state */
    ck_assert_str_eq(ACTION(in), "DEPLOY");
}
END_TEST

START_TEST(settled_and_ignored_changes_touch_nothing)
{
    fo_upgrade_input in = running_app();
    ck_assert_str_eq(ACTION(in), "CONVERGE");
    in = changed(running_app(), FO_DIFF_IGNORE);
    ck_assert_str_eq(ACTION(in), "RECORD");
}
END_TEST

START_TEST(stateless_upgrade_suspends_then_deploys)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
    ck_assert(s.spec_changed_event);
    /* Next: the marker is recorded; the old cluster is deleted (with HA data). */
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    in.cluster_deleting = true;
    ck_assert_str_eq(ACTION(in), "WAIT");
    /* the HA ConfigMaps go once the Deployments are gone (a JobManager shutting down writes
     * them), before the new cluster */
    in.cluster_present = false;
    in.ha_maps_present = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    in.ha_maps_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
    ck_assert(!s.initial_savepoint);
}
END_TEST

START_TEST(upgrading_towards_the_recorded_spec_finishes_first)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.recon_state = FO_RECON_UPGRADING;
    ck_assert_str_eq(ACTION(in), "FINISH_DEPLOY");
}
END_TEST

START_TEST(savepoint_upgrade_of_a_running_job_stops_with_a_savepoint)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    ck_assert_str_eq(ACTION(in), "STOP_SAVEPOINT");
    in.savepoint_pending = true;
    ck_assert_str_eq(ACTION(in), "AWAIT_SAVEPOINT");
    /* After the savepoint: marker "suspended by savepoint"; HA data goes with the cluster. */
    in.savepoint_pending = false;
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.savepoint_path_known = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    in.cluster_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    /* ...unless the new spec asks for stateless. */
    in.want_mode = FO_FLINK_UPGRADE_STATELESS;
    ck_assert_int_eq(fo_upgrade_next(&in).mode, FO_FLINK_UPGRADE_STATELESS);
}
END_TEST

START_TEST(savepoint_upgrade_is_refused_when_state_would_be_lost)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.savepoint_dir = false;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "savepoint directory"));
    in.savepoint_dir = true;
    in.job = FO_JOB_STATUS_FAILED;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
    /* A job that ended with a recorded savepoint is suspended from it. */
    in.savepoint_path_known = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    /* Flink silent: no savepoint can be taken, nothing is done. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.rest_ok = false;
    in.job = FO_JOB_STATUS_RECONCILING;
    ck_assert_str_eq(ACTION(in), "REFUSE");
    /* A build without the capability refuses instead of degrading. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.can_stop_with_savepoint = false;
    ck_assert_str_eq(ACTION(in), "REFUSE");
}
END_TEST

/* A job Flink lists RUNNING with tasks still waiting for slots (or restoring) reads CREATED, as
 * under the Apache operator; a restarting job is alive too. Neither has lost its state: Apache
 * waits for an upgradable state (AbstractJobReconciler.getJobUpgrade) and keeps "Manual restore
 * required" for a job that ended with no known checkpoint. */
START_TEST(savepoint_upgrade_of_a_job_not_yet_running_waits_for_it)
{
    static const fo_flink_job_status alive[] = {
        FO_JOB_STATUS_CREATED, FO_JOB_STATUS_INITIALIZING, FO_JOB_STATUS_RESTARTING,
        FO_JOB_STATUS_FAILING, FO_JOB_STATUS_CANCELLING,
    };
    for (size_t i = 0; i < sizeof alive / sizeof *alive; i++) {
        fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
        in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
        in.job = alive[i];
        fo_upgrade_step s = fo_upgrade_next(&in);
        ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
        ck_assert_msg(strstr(s.reason, "Manual restore required") == NULL, "%s: %s",
                      fo_flink_job_status_name(alive[i]), s.reason);
        ck_assert_msg(strstr(s.reason, "waits") != NULL, "%s: %s",
                      fo_flink_job_status_name(alive[i]), s.reason);
    }
}
END_TEST

/* A savepoint-mode application with Kubernetes HA whose HA metadata holds a checkpoint, the
 * last-state fallback at its default (enabled), its job in `job`, the new spec changed. */
static fo_upgrade_input savepoint_app_with_ha(fo_flink_job_status job)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.last_mode = in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = job;
    in.ha_enabled = in.want_ha_enabled = true;
    in.ha_job_map = in.ha_metadata = in.ha_maps_present = true;
    in.last_state_fallback = true;
    return in;
}

/* AbstractJobReconciler.getJobUpgrade (c.6): a savepoint upgrade of a job that is neither
 * RUNNING nor ended (a crash loop, a job waiting for slots, failing, initializing, or one whose
 * JobManager does not answer) cannot take a savepoint; with
 * kubernetes.operator.job.upgrade.last-state-fallback.enabled (default true) it goes through
 * last-state: the HA data is kept and the new spec restores from its checkpoint with the same
 * job id. */
START_TEST(savepoint_upgrade_of_a_job_not_running_falls_back_to_last_state)
{
    static const fo_flink_job_status stuck[] = {
        FO_JOB_STATUS_RESTARTING,   FO_JOB_STATUS_CREATED,     FO_JOB_STATUS_FAILING,
        FO_JOB_STATUS_INITIALIZING, FO_JOB_STATUS_RECONCILING, FO_JOB_STATUS_UNKNOWN,
    };
    for (size_t i = 0; i < sizeof stuck / sizeof *stuck; i++) {
        for (int answering = 0; answering < 2; answering++) {
            fo_upgrade_input in = savepoint_app_with_ha(stuck[i]);
            in.rest_ok = answering;
            fo_upgrade_step s = fo_upgrade_next(&in);
            const char *name = fo_flink_job_status_name(stuck[i]);
            ck_assert_msg(s.action == FO_UP_SUSPEND, "%s: %s %s", name ? name : "null",
                          fo_upgrade_action_name(s.action), s.reason ? s.reason : "");
            ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
            ck_assert(s.last_state_fallback);
            ck_assert(s.spec_changed_event);
        }
    }
    /* The job state is in the HA data: the JobManager goes, the HA ConfigMaps stay, and the new
     * spec is restored from them (last-state, job id kept). */
    fo_upgrade_input in = savepoint_app_with_ha(FO_JOB_STATUS_RESTARTING);
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data);
    in.cluster_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    /* A RUNNING job still takes its savepoint. */
    in = savepoint_app_with_ha(FO_JOB_STATUS_RUNNING);
    ck_assert_str_eq(ACTION(in), "STOP_SAVEPOINT");
}
END_TEST

/* job.state suspended is the suspend half of an upgrade (c.7), decided by the same getJobUpgrade
 * in Apache: a savepoint job that cannot take a savepoint is suspended through last-state (the
 * HA data stays), and its resume restores from the HA data with the job id kept, as a job
 * suspended with last-state is. */
START_TEST(suspending_a_savepoint_job_not_running_falls_back_to_last_state)
{
    fo_upgrade_input in = savepoint_app_with_ha(FO_JOB_STATUS_RESTARTING);
    in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_msg(s.action == FO_UP_SUSPEND, "%s %s", fo_upgrade_action_name(s.action),
                  s.reason ? s.reason : "");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    ck_assert(s.last_state_fallback);
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data);
    in.cluster_present = false;
    ck_assert_str_eq(ACTION(in), "MARK_SUSPENDED");
    /* resumed under the spec's savepoint mode: restored the way it was suspended */
    in.recon_state = FO_RECON_DEPLOYED;
    in.want_job_state = FO_FLINK_JOB_RUNNING;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
}
END_TEST

/* Where the fallback cannot keep the job's state, or is switched off, the upgrade waits as
 * before (never stateless, never "Manual restore required" for a live job): no HA, HA without a
 * checkpoint, HA off in the new spec, the option false (Apache: "Last-state fallback is
 * disabled, waiting for upgradable state"), a Flink version change (HA data is not portable) and
 * a job being cancelled. An ended job answered by its JobManager is not a fallback case: its
 * final state is known. */
START_TEST(savepoint_upgrade_without_a_usable_last_state_waits)
{
    fo_upgrade_input cases[9];
    for (size_t i = 0; i < 9; i++)
        cases[i] = savepoint_app_with_ha(FO_JOB_STATUS_RESTARTING);
    cases[0].ha_enabled = cases[0].want_ha_enabled = false;
    cases[0].ha_job_map = cases[0].ha_metadata = cases[0].ha_maps_present = false;
    cases[1].ha_metadata = false; /* the job's map, no completed checkpoint */
    cases[2].want_ha_enabled = false;
    cases[3].last_state_fallback = false;
    cases[4].flink_version_changed = true;
    cases[5].flink_version_changed = true;
    cases[5].last_state_fallback = false;
    cases[6].job = FO_JOB_STATUS_CANCELLING;
    cases[7].want_job_state = FO_FLINK_JOB_SUSPENDED; /* a suspend waits where an upgrade does */
    cases[7].last_state_fallback = false;
    cases[8].job = FO_JOB_STATUS_CREATED;
    cases[8].last_state_fallback = false;
    for (size_t i = 0; i < 9; i++) {
        fo_upgrade_step s = fo_upgrade_next(&cases[i]);
        ck_assert_msg(s.action == FO_UP_REFUSE, "case %zu: %s", i,
                      fo_upgrade_action_name(s.action));
        ck_assert(!s.last_state_fallback);
        ck_assert_msg(strstr(s.reason, "Manual restore required") == NULL, "case %zu: %s", i,
                      s.reason);
    }
    fo_upgrade_input in = savepoint_app_with_ha(FO_JOB_STATUS_FAILED);
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
    /* ...but one whose JobManager stopped answering may have been restarted by it since
     * (useStatusSavepoint: HA metadata there and the JobManager not accessible). */
    in.rest_ok = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
}
END_TEST

START_TEST(last_state_upgrade_goes_through_ha_data)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_LAST_STATE;
    in.ha_enabled = true;
    fo_upgrade_step s = fo_upgrade_next(&in); /* no HA metadata */
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
    /* The job's map is there but no checkpoint completed yet: a wait, not a manual restore. */
    in.ha_job_map = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_null(strstr(s.reason, "Manual restore required"));
    ck_assert_ptr_nonnull(strstr(s.reason, "no completed checkpoint yet"));
    in.ha_metadata = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data); /* the HA data carries the state */
    in.cluster_present = false;
    in.ha_maps_present = true; /* and stays */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    in.ha_metadata = false; /* vanished meanwhile */
    ck_assert_str_eq(ACTION(in), "REFUSE");
    /* A new Flink version cannot read the HA data: savepoint instead. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_LAST_STATE;
    in.ha_enabled = in.ha_metadata = true;
    in.flink_version_changed = true;
    ck_assert_str_eq(ACTION(in), "STOP_SAVEPOINT");
    in.savepoint_dir = false;
    ck_assert_str_eq(ACTION(in), "REFUSE");
}
END_TEST

START_TEST(suspend_and_resume)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    ck_assert_str_eq(ACTION(in), "SUSPEND");
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.cluster_present = false;
    ck_assert_str_eq(ACTION(in), "MARK_SUSPENDED");
    /* Suspended and deployed: another suspended change is only recorded. */
    in.recon_state = FO_RECON_DEPLOYED;
    ck_assert_str_eq(ACTION(in), "RECORD");
    /* Resume. */
    in.want_job_state = FO_FLINK_JOB_RUNNING;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert(s.spec_changed_event);
}
END_TEST

/* A job cancelled from outside leaves its JobManager running while the observer marks the
 * record suspended (JobStatusObserver.updateJobStatus). Resuming it deploys a new cluster, so
 * the old one goes first, as Apache's ApplicationReconciler.deploy deletes "the cluster with
 * terminated application": its HA data too, unless the job is restored from it (last-state);
 * a resume that is refused touches nothing. */
START_TEST(resuming_a_job_cancelled_under_its_cluster_tears_the_cluster_down_first)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.job = FO_JOB_STATUS_CANCELED;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    ck_assert(!s.spec_changed_event);
    in.cluster_deleting = true;
    ck_assert_str_eq(ACTION(in), "WAIT");
    in.cluster_present = in.cluster_deleting = false;
    in.ha_maps_present = true; /* the stateless job's HA maps go before the new cluster */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    in.ha_maps_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert(s.spec_changed_event);

    /* Savepoint mode: from the recorded last checkpoint, after the teardown. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = FO_JOB_STATUS_CANCELED;
    in.savepoint_path_known = true;
    ck_assert_str_eq(ACTION(in), "DELETE_CLUSTER");
    in.cluster_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    /* No checkpoint known: refused, the cluster stays as it is. */
    in.cluster_present = true;
    in.savepoint_path_known = false;
    ck_assert_str_eq(ACTION(in), "REFUSE");

    /* The spec asks suspended too: the cluster left behind is torn down as a suspend, the
     * way the record was suspended; gone, nothing more. */
    in = running_app();
    in.last_job_state = in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = FO_JOB_STATUS_CANCELED;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    in.cluster_present = false;
    ck_assert_str_eq(ACTION(in), "CONVERGE");

    /* Last-state: the HA data the restore reads is kept. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = in.want_mode = FO_FLINK_UPGRADE_LAST_STATE;
    in.ha_enabled = in.ha_metadata = in.ha_job_map = in.ha_maps_present = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data);
}
END_TEST

/* An ended job's restore source decides before anything of it goes. A job cancelled under a
 * suspended spec keeps its cluster while its last checkpoint is unknown (the read failed, Flink
 * silent): that cluster is where it is read; known (a path, or read and none), it goes. A
 * stateless record has no source to keep. */
START_TEST(an_ended_jobs_cluster_stays_until_its_restore_source_is_known)
{
    fo_upgrade_input in = running_app();
    in.last_job_state = in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = FO_JOB_STATUS_CANCELED;
    in.restore_source_unknown = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "could not be read"));
    in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    ck_assert_str_eq(ACTION(in), "REFUSE");
    in.last_mode = FO_FLINK_UPGRADE_STATELESS;
    ck_assert_str_eq(ACTION(in), "SUSPEND");
    in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.restore_source_unknown = false;
    in.restore_source_none = true;
    ck_assert_str_eq(ACTION(in), "SUSPEND");

    /* A stateless record resumed in savepoint mode would take a recorded path: not before it
     * is known. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = FO_JOB_STATUS_CANCELED;
    in.restore_source_unknown = true;
    ck_assert_str_eq(ACTION(in), "REFUSE");
    in.restore_source_unknown = false;
    ck_assert_str_eq(ACTION(in), "DELETE_CLUSTER");
}
END_TEST

/* A FAILED job to restart (restart.failed) whose checkpoint read failed in this pass: its
 * restore source is unknown, not gone. The restart waits for the next pass's read, saying so,
 * as docs/controller.md tells it (no "Manual restore required" while Flink still holds the
 * checkpoint); it said "no state to restart it from is known ... Manual restore required" in a
 * Warning, and the next pass restarted the job all the same. */
START_TEST(a_restart_of_a_failed_job_waits_for_its_unknown_restore_source)
{
    fo_upgrade_input in = running_app();
    in.job = FO_JOB_STATUS_FAILED;
    in.restart_failed = true;
    in.want_mode = in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.restore_source_unknown = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_msg(strstr(s.reason, "could not be read") && !strstr(s.reason, "Manual restore"),
                  "the restart of a failed job whose source is unknown: %s", s.reason);
    /* Read, and nothing restorable: the manual restore is asked for. */
    in.restore_source_unknown = false;
    in.restore_source_none = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
}
END_TEST

/* FLINK-35857: a last-state change of an ended job whose HA data is gone is made from the final
 * state recorded in upgradeSavepointPath (suspended as savepoint, the way it is restored),
 * unless status records a later snapshot; without a path it waits while the source is unknown
 * and is refused once it is known to be none. HA data with a checkpoint still goes first. */
START_TEST(a_last_state_change_of_an_ended_job_without_ha_data_uses_its_final_state)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_LAST_STATE;
    in.ha_enabled = in.want_ha_enabled = true;
    in.job = FO_JOB_STATUS_FAILED;
    in.savepoint_path_known = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    ck_assert(s.final_state);
    in.savepoint_path_superseded = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "older than"));
    in.savepoint_path_superseded = in.savepoint_path_known = false;
    in.restore_source_unknown = true;
    s = fo_upgrade_next(&in);
    ck_assert_ptr_nonnull(strstr(s.reason, "could not be read"));
    in.restore_source_unknown = false;
    in.restore_source_none = true; /* a FAILED job without state: the user decides */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
    in.ha_metadata = in.ha_job_map = true;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    ck_assert(!s.final_state);
    /* The savepoint mode refuses a superseded path too. */
    in = changed(running_app(), FO_DIFF_UPGRADE);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.job = FO_JOB_STATUS_FAILED;
    in.savepoint_path_known = in.savepoint_path_superseded = true;
    ck_assert_str_eq(ACTION(in), "REFUSE");
}
END_TEST

/* FLINK-39043: a FINISHED job's change is made, from empty state when Flink said it holds
 * nothing restorable; not when that is unknown, nor for a job that FAILED. */
START_TEST(a_change_of_a_finished_job_without_state_starts_empty)
{
    fo_flink_upgrade_mode modes[] = {FO_FLINK_UPGRADE_SAVEPOINT, FO_FLINK_UPGRADE_LAST_STATE};
    for (size_t i = 0; i < 2; i++) {
        fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
        in.want_mode = modes[i];
        in.ha_enabled = in.want_ha_enabled = true;
        in.job = FO_JOB_STATUS_FINISHED;
        in.restore_source_none = true;
        fo_upgrade_step s = fo_upgrade_next(&in);
        ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
        ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
        ck_assert(s.final_state);
        in.restore_source_none = false;
        in.restore_source_unknown = true;
        ck_assert_str_eq(ACTION(in), "REFUSE");
        in.restore_source_unknown = false;
        in.restore_source_none = true;
        in.job = FO_JOB_STATUS_FAILED;
        ck_assert_str_eq(ACTION(in), "REFUSE");
    }
}
END_TEST

/* A FINISHED job Flink no longer lists (purged from its job store after
 * jobstore.expiration-time) with no path recorded: nothing more can be read of it and, while
 * Flink listed it, a snapshot it had would have been recorded; its change, or its suspend,
 * starts from empty state, as for one read to have nothing. A FAILED or CANCELED job Flink
 * forgot without a path is still the user's decision. */
START_TEST(a_change_of_a_finished_job_flink_forgot_starts_empty)
{
    fo_flink_upgrade_mode modes[] = {FO_FLINK_UPGRADE_SAVEPOINT, FO_FLINK_UPGRADE_LAST_STATE};
    fo_flink_job_state states[] = {FO_FLINK_JOB_RUNNING, FO_FLINK_JOB_SUSPENDED};
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < 2; j++) {
            fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
            in.want_mode = modes[i];
            in.want_job_state = states[j];
            in.ha_enabled = in.want_ha_enabled = true;
            in.job = FO_JOB_STATUS_FINISHED;
            in.job_forgotten = true;
            fo_upgrade_step s = fo_upgrade_next(&in);
            ck_assert_msg(s.action == FO_UP_SUSPEND, "mode %zu, state %zu: %s (%s)", i, j,
                          fo_upgrade_action_name(s.action), s.reason ? s.reason : "");
            ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
            ck_assert(s.final_state);
            in.job = FO_JOB_STATUS_FAILED;
            s = fo_upgrade_next(&in);
            ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
            ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));
            in.job = FO_JOB_STATUS_CANCELED;
            ck_assert_str_eq(ACTION(in), "REFUSE");
        }
    }
}
END_TEST

START_TEST(redeploy_nonce_restarts_from_the_initial_savepoint)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_SAVEPOINT_REDEPLOY);
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
    in.recon_state = FO_RECON_UPGRADING;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED;
    in.cluster_present = false;
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert(s.initial_savepoint);
}
END_TEST

START_TEST(session_clusters_tear_down_then_deploy)
{
    fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
    in.application = false;
    ck_assert_str_eq(ACTION(in), "SUSPEND");
    in.recon_state = FO_RECON_UPGRADING;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data);
    in.cluster_present = false;
    ck_assert_str_eq(ACTION(in), "DEPLOY");
    /* The change reverted meanwhile: just finish deploying what is recorded. */
    in.specs_equal = true;
    ck_assert_str_eq(ACTION(in), "FINISH_DEPLOY");
}
END_TEST

START_TEST(lost_jobmanager_is_recovered_only_when_state_survives)
{
    fo_upgrade_input in = running_app();
    const char *why = NULL;
    ck_assert(fo_upgrade_can_recover(&in, &why)); /* stateless */
    in.want_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    ck_assert(!fo_upgrade_can_recover(&in, &why));
    ck_assert_ptr_nonnull(strstr(why, "Manual restore required"));
    in.ha_enabled = true;
    ck_assert(fo_upgrade_can_recover(&in, &why));
    in.application = false;
    in.ha_enabled = false;
    ck_assert(fo_upgrade_can_recover(&in, &why)); /* session cluster */
}
END_TEST

/* kubernetes.operator.job.restart.failed (c.9): a FAILED job under an unchanged spec is
 * suspended and restored by the upgrade path (AbstractJobReconciler.reconcileOtherChanges):
 * from the path recorded when it failed (its final state, at least as new as the HA checkpoint)
 * even while HA metadata is still seen (Flink deletes a FAILED job's HA data right after the
 * failure, the informer cache may show it a while longer), from its HA checkpoint only when no
 * path is recorded, else refused; stateless without state; only with the option, only for a
 * FAILED job Flink reports, and not when the spec changed too (that is an upgrade). */
START_TEST(a_failed_job_is_restarted_from_its_latest_state_when_asked)
{
    fo_upgrade_input in = running_app();
    in.job = FO_JOB_STATUS_FAILED;
    ck_assert_str_eq(ACTION(in), "CONVERGE"); /* option off: the FAILED job stays */
    in.restart_failed = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
    ck_assert(s.restart);
    ck_assert(!s.spec_changed_event);

    in.want_mode = in.last_mode = FO_FLINK_UPGRADE_SAVEPOINT;
    in.ha_enabled = in.want_ha_enabled = in.ha_metadata = true;
    in.savepoint_path_known = false; /* no final state recorded: the HA checkpoint */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);
    /* Next: the HA data stays, then the job is deployed from it with its id. */
    fo_upgrade_input next = in;
    next.recon_state = FO_RECON_UPGRADING;
    next.last_job_state = FO_FLINK_JOB_SUSPENDED;
    next.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    s = fo_upgrade_next(&next);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(!s.delete_ha_data);
    next.cluster_present = false;
    s = fo_upgrade_next(&next);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_LAST_STATE);

    in.savepoint_path_known = true; /* its final state recorded: taken over the HA data */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);

    in.ha_metadata = false; /* Flink removed it with the failed job: the recorded path */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "SUSPEND");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);
    next = in;
    next.recon_state = FO_RECON_UPGRADING;
    next.last_job_state = FO_FLINK_JOB_SUSPENDED;
    s = fo_upgrade_next(&next);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
    ck_assert(s.delete_ha_data);
    next.cluster_present = false;
    s = fo_upgrade_next(&next);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
    ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_SAVEPOINT);

    in.savepoint_path_known = false; /* nothing known: not restarted from nothing */
    s = fo_upgrade_next(&in);
    ck_assert_str_eq(fo_upgrade_action_name(s.action), "REFUSE");
    ck_assert_ptr_nonnull(strstr(s.reason, "Manual restore required"));

    in.savepoint_path_known = true;
    in.rest_ok = false; /* a FAILED state Flink did not report this pass */
    ck_assert_str_eq(ACTION(in), "CONVERGE");
    in.rest_ok = true;
    in.job = FO_JOB_STATUS_RESTARTING;
    ck_assert_str_eq(ACTION(in), "CONVERGE");
    in.job = FO_JOB_STATUS_FAILED;
    in.last_job_state = FO_FLINK_JOB_SUSPENDED; /* nothing is meant to run */
    in.want_job_state = FO_FLINK_JOB_SUSPENDED;
    in.cluster_present = false;
    ck_assert_str_eq(ACTION(in), "CONVERGE");
}
END_TEST

/* Chaos run: Flink deletes a FAILED job's HA data right after the failure, while the informer
 * cache may still show the HA ConfigMap. A last-state change of the ended job with its final
 * state recorded takes that path (savepoint-style, at least as new as the HA checkpoint) even
 * while HA metadata is seen, and so does a restart.failed restart: the last-state path would
 * tear the cluster down and find the HA data gone ("Manual restore required" for good). HA data
 * is used only when no final state is recorded. */
START_TEST(an_ended_job_with_a_final_state_is_not_restored_from_ha_data)
{
    fo_flink_job_status ended[] = {FO_JOB_STATUS_FAILED, FO_JOB_STATUS_CANCELED,
                                   FO_JOB_STATUS_FINISHED};
    for (size_t i = 0; i < 3; i++) {
        fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
        in.want_mode = in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
        in.ha_enabled = in.want_ha_enabled = in.ha_metadata = in.ha_job_map = true;
        in.job = ended[i];
        in.savepoint_path_known = true;
        fo_upgrade_step s = fo_upgrade_next(&in);
        ck_assert_msg(s.action == FO_UP_SUSPEND && s.mode == FO_FLINK_UPGRADE_SAVEPOINT &&
                          s.final_state,
                      "job %zu: a last-state change with a final state recorded: %s mode %d", i,
                      fo_upgrade_action_name(s.action), s.mode);
    }
    fo_upgrade_input in = running_app();
    in.want_mode = in.last_mode = FO_FLINK_UPGRADE_LAST_STATE;
    in.ha_enabled = in.want_ha_enabled = in.ha_metadata = in.ha_job_map = true;
    in.job = FO_JOB_STATUS_FAILED;
    in.restart_failed = true;
    in.savepoint_path_known = true;
    fo_upgrade_step s = fo_upgrade_next(&in);
    ck_assert_msg(s.action == FO_UP_SUSPEND && s.mode == FO_FLINK_UPGRADE_SAVEPOINT && s.restart,
                  "the restart of a failed job with a final state recorded: %s mode %d",
                  fo_upgrade_action_name(s.action), s.mode);
}
END_TEST

/* A job that failed (or was cancelled) before its first checkpoint, deployed from empty state:
 * Flink's statistics say no checkpoint or savepoint completed and latest.restored is null, so
 * its state is empty and a deploy from empty state loses nothing (as Apache does). Its
 * restart.failed restart and its changes, savepoint and last-state, go from empty state; with
 * statistics unknown they wait, and with them read but holding a snapshot Flink deleted
 * (restore_source_none without state_empty) they are refused as before. */
START_TEST(an_ended_job_whose_state_is_empty_starts_empty)
{
    fo_flink_upgrade_mode modes[] = {FO_FLINK_UPGRADE_SAVEPOINT, FO_FLINK_UPGRADE_LAST_STATE};
    fo_flink_job_status ended[] = {FO_JOB_STATUS_FAILED, FO_JOB_STATUS_CANCELED};
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < 2; j++) {
            fo_upgrade_input in = changed(running_app(), FO_DIFF_UPGRADE);
            in.want_mode = in.last_mode = modes[i];
            in.ha_enabled = in.want_ha_enabled = true;
            in.job = ended[j];
            in.restore_source_none = in.state_empty = true;
            fo_upgrade_step s = fo_upgrade_next(&in);
            ck_assert_msg(s.action == FO_UP_SUSPEND && s.mode == FO_FLINK_UPGRADE_STATELESS &&
                              s.final_state,
                          "mode %d, job %d: a change of a job with empty state: %s (%s)",
                          modes[i], ended[j], fo_upgrade_action_name(s.action),
                          s.reason ? s.reason : "");
            in.state_empty = false;
            ck_assert_str_eq(ACTION(in), "REFUSE");
            in.restore_source_none = false;
            in.restore_source_unknown = true;
            ck_assert_str_eq(ACTION(in), "REFUSE");
        }
        fo_upgrade_input in = running_app();
        in.want_mode = in.last_mode = modes[i];
        in.ha_enabled = in.want_ha_enabled = true;
        in.job = FO_JOB_STATUS_FAILED;
        in.restart_failed = true;
        in.restore_source_none = in.state_empty = true;
        fo_upgrade_step s = fo_upgrade_next(&in);
        ck_assert_msg(s.action == FO_UP_SUSPEND && s.mode == FO_FLINK_UPGRADE_STATELESS &&
                          s.restart && s.final_state,
                      "mode %d: the restart of a failed job with empty state: %s (%s)", modes[i],
                      fo_upgrade_action_name(s.action), s.reason ? s.reason : "");
        /* Then: the cluster goes with its HA data, and the job is deployed without state. */
        fo_upgrade_input next = in;
        next.recon_state = FO_RECON_UPGRADING;
        next.last_job_state = FO_FLINK_JOB_SUSPENDED;
        next.last_mode = FO_FLINK_UPGRADE_STATELESS;
        next.restart_failed = next.state_empty = next.restore_source_none = false;
        s = fo_upgrade_next(&next);
        ck_assert_str_eq(fo_upgrade_action_name(s.action), "DELETE_CLUSTER");
        ck_assert(s.delete_ha_data);
        next.cluster_present = false;
        s = fo_upgrade_next(&next);
        ck_assert_str_eq(fo_upgrade_action_name(s.action), "DEPLOY");
        ck_assert_int_eq(s.mode, FO_FLINK_UPGRADE_STATELESS);
        in.state_empty = false;
        ck_assert_str_eq(ACTION(in), "REFUSE");
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("upgrade");
    TCase *tc = tcase_create("decisions");
    tcase_add_test(tc, new_resources_deploy_unless_created_suspended);
    tcase_add_test(tc, settled_and_ignored_changes_touch_nothing);
    tcase_add_test(tc, stateless_upgrade_suspends_then_deploys);
    tcase_add_test(tc, upgrading_towards_the_recorded_spec_finishes_first);
    tcase_add_test(tc, savepoint_upgrade_of_a_running_job_stops_with_a_savepoint);
    tcase_add_test(tc, savepoint_upgrade_is_refused_when_state_would_be_lost);
    tcase_add_test(tc, savepoint_upgrade_of_a_job_not_yet_running_waits_for_it);
    tcase_add_test(tc, savepoint_upgrade_of_a_job_not_running_falls_back_to_last_state);
    tcase_add_test(tc, savepoint_upgrade_without_a_usable_last_state_waits);
    tcase_add_test(tc, suspending_a_savepoint_job_not_running_falls_back_to_last_state);
    tcase_add_test(tc, last_state_upgrade_goes_through_ha_data);
    tcase_add_test(tc, suspend_and_resume);
    tcase_add_test(tc, resuming_a_job_cancelled_under_its_cluster_tears_the_cluster_down_first);
    tcase_add_test(tc, redeploy_nonce_restarts_from_the_initial_savepoint);
    tcase_add_test(tc, session_clusters_tear_down_then_deploy);
    tcase_add_test(tc, lost_jobmanager_is_recovered_only_when_state_survives);
    tcase_add_test(tc, a_failed_job_is_restarted_from_its_latest_state_when_asked);
    tcase_add_test(tc, an_ended_jobs_cluster_stays_until_its_restore_source_is_known);
    tcase_add_test(tc, a_restart_of_a_failed_job_waits_for_its_unknown_restore_source);
    tcase_add_test(tc, a_last_state_change_of_an_ended_job_without_ha_data_uses_its_final_state);
    tcase_add_test(tc, a_change_of_a_finished_job_without_state_starts_empty);
    tcase_add_test(tc, a_change_of_a_finished_job_flink_forgot_starts_empty);
    tcase_add_test(tc, an_ended_job_with_a_final_state_is_not_restored_from_ha_data);
    tcase_add_test(tc, an_ended_job_whose_state_is_empty_starts_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
