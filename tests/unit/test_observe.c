/* controller/observe: the JobManager deployment status machine (reference c.3), job selection,
 * clusterInfo (c.3: flink-version, flink-revision, total-cpu, total-memory), and what one
 * observation asks Flink and folds into status. Flink answers are shaped after the REST specs
 * (../shared/specs/flink). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/observe.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "tests/unit/ctl_fake_io.h"

#define BASE "http://flink.test/default/basic-example"
/* Flink job ids are 32 lower-case hex digits (rest_v1_dispatcher.yml: JobID). */
#define J1 "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define JA "000000000000000000000000000000aa"
#define JB "000000000000000000000000000000bb"
#define JC "000000000000000000000000000000cc"
#define FD_UID "6f1c2a4e-0000-4000-8000-00000000fd01"

static json_t *jm_deployment(int replicas, int available)
{
    json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s, s:[{s:s, s:s, s:s}]}, s:{s:i}}", "apiVersion",
                          "apps/v1", "kind", "Deployment", "metadata", "name", "basic-example",
                          "namespace", "default", "ownerReferences", "kind", "FlinkDeployment",
                          "name", "basic-example", "uid", FD_UID, "spec", "replicas", replicas);
    if (available >= 0)
        json_object_set_new(d, "status", json_pack("{s:i}", "availableReplicas", available));
    return d;
}

static int rest_errors;
static void count_rest_error(void *ctx, const char *endpoint)
{
    (void)ctx;
    (void)endpoint;
    rest_errors++;
}

/* ---- JobManager deployment status ----------------------------------------------------------- */

START_TEST(jobmanager_status_follows_deployment_and_rest)
{
    char failure[256];
    json_t *none = jm_deployment(1, -1);
    json_t *avail = jm_deployment(1, 1);
    json_t *scaled_down = jm_deployment(0, 1);
    ck_assert_int_eq(fo_observe_jm_status(NULL, false, FO_JM_READY, failure, sizeof failure),
                     FO_JM_MISSING);
    ck_assert_int_eq(fo_observe_jm_status(none, false, FO_JM_MISSING, failure, sizeof failure),
                     FO_JM_DEPLOYING);
    /* Available and Flink answers: DEPLOYED_NOT_READY, then READY on the next look. */
    ck_assert_int_eq(fo_observe_jm_status(avail, true, FO_JM_DEPLOYING, failure, sizeof failure),
                     FO_JM_DEPLOYED_NOT_READY);
    ck_assert_int_eq(
        fo_observe_jm_status(avail, true, FO_JM_DEPLOYED_NOT_READY, failure, sizeof failure),
        FO_JM_READY);
    ck_assert_int_eq(fo_observe_jm_status(avail, true, FO_JM_READY, failure, sizeof failure),
                     FO_JM_READY);
    /* Available but Flink silent: READY stays READY (the job observer reports it). */
    ck_assert_int_eq(fo_observe_jm_status(avail, false, FO_JM_READY, failure, sizeof failure),
                     FO_JM_READY);
    ck_assert_int_eq(fo_observe_jm_status(avail, false, FO_JM_DEPLOYING, failure, sizeof failure),
                     FO_JM_DEPLOYING);
    ck_assert_int_eq(
        fo_observe_jm_status(scaled_down, true, FO_JM_DEPLOYING, failure, sizeof failure),
        FO_JM_DEPLOYING);
    json_decref(none);
    json_decref(avail);
    json_decref(scaled_down);
}
END_TEST

START_TEST(replica_failure_is_an_error_with_its_message)
{
    char failure[256];
    json_t *d = jm_deployment(1, 0);
    json_object_set_new(json_object_get(d, "status"), "conditions",
                        json_pack("[{s:s, s:s, s:s, s:s}]", "type", "ReplicaFailure", "status",
                                  "True", "reason", "FailedCreate", "message",
                                  "pods \"x\" is forbidden: exceeded quota"));
    ck_assert_int_eq(fo_observe_jm_status(d, false, FO_JM_DEPLOYING, failure, sizeof failure),
                     FO_JM_ERROR);
    ck_assert_str_eq(failure, "FailedCreate: pods \"x\" is forbidden: exceeded quota");
    json_decref(d);
    d = jm_deployment(1, 0);
    json_object_set_new(json_object_get(d, "status"), "conditions",
                        json_pack("[{s:s, s:s, s:s, s:s}]", "type", "Progressing", "status",
                                  "False", "reason", "ProgressDeadlineExceeded", "message",
                                  "ReplicaSet has timed out progressing."));
    ck_assert_int_eq(fo_observe_jm_status(d, false, FO_JM_DEPLOYING, failure, sizeof failure),
                     FO_JM_ERROR);
    json_decref(d);
}
END_TEST

static json_t *jm_pod(const char *waiting_reason, const char *message)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:[{s:s, s:{s:{s:s, s:s}}}]}}",
                     "apiVersion", "v1", "kind", "Pod", "metadata", "name", "basic-example-abc",
                     "namespace", "default", "labels", "app", "basic-example", "component",
                     "jobmanager", "status", "containerStatuses", "name", "flink-main-container",
                     "state", "waiting", "reason", waiting_reason, "message", message);
}

START_TEST(failing_jobmanager_pod_is_an_error_with_its_reason)
{
    char failure[256];
    json_t *pods = json_pack("[o]", jm_pod("CrashLoopBackOff", "back-off 5m0s restarting"));
    ck_assert(fo_observe_pod_failure(pods, failure, sizeof failure));
    ck_assert_str_eq(failure, "CrashLoopBackOff: back-off 5m0s restarting");
    json_decref(pods);
    pods = json_pack("[o]", jm_pod("ContainerCreating", "pulling"));
    ck_assert(!fo_observe_pod_failure(pods, failure, sizeof failure));
    json_decref(pods);
    ck_assert(!fo_observe_pod_failure(NULL, failure, sizeof failure));

    /* Through the seam: the Deployment says nothing, the pod does. */
    fake_world *w = fake_world_new();
    json_t *d = jm_deployment(1, 0);
    fake_put(&w->kube, d);
    json_t *pod = jm_pod("ImagePullBackOff", "Back-off pulling image \"flink:9.9\"");
    fake_put(&w->kube, pod);
    json_t *obj = json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind", "FlinkDeployment", "metadata",
                            "name", "basic-example", "namespace", "default", "uid", FD_UID);
    fo_observed o;
    fo_observe_deployment(&w->env, obj, "http://flink.test/default/basic-example", true, false,
                          NULL, FO_JM_DEPLOYING, &o);
    ck_assert_int_eq(o.jm_status, FO_JM_ERROR);
    ck_assert_str_eq(o.jm_failure, "ImagePullBackOff: Back-off pulling image \"flink:9.9\"");
    fo_observed_release(&o);
    json_decref(obj);
    json_decref(pod);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

/* A pod stuck in ContainerCreating because a volume cannot be mounted: Apache's EventUtils
 * reads the kubelet's FailedMount Events of such a pod and reports a DeploymentFailedException
 * (reference c.3). Pod and Events as the API server returns them
 * (tests/data/observe-jobmanager-failed-mount.yaml). */
START_TEST(a_volume_that_cannot_mount_is_an_error_with_the_kubelets_message)
{
    json_t *docs = fo_test_load_yaml_all("observe-jobmanager-failed-mount.yaml");
    ck_assert_ptr_nonnull(docs);
    json_t *pod = json_array_get(docs, 0);
    json_t *all = json_object_get(json_array_get(docs, 1), "items");
    const char *uid = fo_json_get_str(pod, "metadata.uid");

    /* Only a pod whose containers cannot be prepared yet is worth its Events. */
    ck_assert(fo_observe_pod_mounting(pod));
    json_t *started = json_deep_copy(pod);
    json_object_set_new(json_array_get(fo_json_get(started, "status.conditions"), 0), "status",
                        json_string("True"));
    ck_assert(!fo_observe_pod_mounting(started)); /* volumes mounted: the containers start */
    json_t *old_node = json_deep_copy(pod);       /* before 1.29: Initialized decides */
    json_array_remove(fo_json_get(old_node, "status.conditions"), 0);
    ck_assert(!fo_observe_pod_mounting(old_node));
    json_object_set_new(json_array_get(fo_json_get(old_node, "status.conditions"), 0), "status",
                        json_string("False"));
    ck_assert(fo_observe_pod_mounting(old_node));
    json_t *going = json_deep_copy(pod);
    json_object_set_new(json_object_get(going, "metadata"), "deletionTimestamp",
                        json_string("2026-04-20T09:16:00Z"));
    ck_assert(!fo_observe_pod_mounting(going));
    json_t *bare = jm_pod("ContainerCreating", ""); /* no conditions written yet */
    ck_assert(!fo_observe_pod_mounting(bare));
    json_decref(bare);

    /* The pod's own Events: the latest FailedMount speaks. */
    json_t *own = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e)
    {
        if (strcmp(fo_json_get_str(e, "involvedObject.uid"), uid) == 0)
            json_array_append(own, e);
    }
    char failure[512];
    ck_assert(fo_observe_mount_failure(own, failure, sizeof failure));
    ck_assert_str_eq(failure, "FailedMount: MountVolume.SetUp failed for volume "
                              "\"s3-credentials\" : secret \"s3-credentials\" not found");
    json_t *normal_only = json_pack("[O]", json_array_get(own, 0)); /* Scheduled */
    ck_assert(!fo_observe_mount_failure(normal_only, failure, sizeof failure));
    ck_assert(!fo_observe_mount_failure(NULL, failure, sizeof failure));

    /* Through the seam: the Deployment and the container say nothing, the Events do. One list,
     * selected by the pod's uid and the reason. */
    fake_world *w = fake_world_new();
    json_t *d = jm_deployment(1, 0);
    fake_put(&w->kube, d);
    fake_put(&w->kube, pod);
    json_array_foreach(all, i, e) json_array_append(w->kube.core_events, e);
    json_t *obj = json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind", "FlinkDeployment", "metadata",
                            "name", "basic-example", "namespace", "default", "uid", FD_UID);
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, NULL, FO_JM_DEPLOYING, &o);
    ck_assert_int_eq(o.jm_status, FO_JM_ERROR);
    ck_assert_str_eq(o.jm_failure, "FailedMount: MountVolume.SetUp failed for volume "
                                   "\"s3-credentials\" : secret \"s3-credentials\" not found");
    ck_assert_str_eq(o.jm_failure_reason, "FailedMount");
    ck_assert_int_eq(w->kube.event_lists, 1);
    fo_observed_release(&o);

    /* A pod that got past its volumes is not asked about. */
    fake_put(&w->kube, started);
    fo_observe_deployment(&w->env, obj, BASE, true, false, NULL, FO_JM_DEPLOYING, &o);
    ck_assert_int_eq(o.jm_status, FO_JM_DEPLOYING);
    ck_assert_int_eq(w->kube.event_lists, 1);
    fo_observed_release(&o);

    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
    json_decref(normal_only);
    json_decref(own);
    json_decref(going);
    json_decref(old_node);
    json_decref(started);
    json_decref(docs);
}
END_TEST

/* JobStatusObserver.onTargetJobNotFound runs when Flink answered its job list without the
 * recorded job, and only once the JobManager is READY (Apache observes jobs only then). */
START_TEST(a_job_is_missing_only_from_an_answered_list_of_a_ready_jobmanager)
{
    fo_observed o;
    memset(&o, 0, sizeof o);
    o.jm_status = FO_JM_READY;
    o.jobs_listed = true;
    ck_assert(fo_observe_job_not_found(&o, J1));
    ck_assert(!fo_observe_job_not_found(&o, NULL)); /* nothing recorded to miss */
    ck_assert(!fo_observe_job_not_found(&o, ""));
    o.has_job = true;
    ck_assert(!fo_observe_job_not_found(&o, J1));
    o.has_job = false;
    o.jobs_listed = false; /* the list failed: nothing is known */
    ck_assert(!fo_observe_job_not_found(&o, J1));
    o.jobs_listed = true;
    o.jm_status = FO_JM_DEPLOYED_NOT_READY; /* the job may not be submitted yet */
    ck_assert(!fo_observe_job_not_found(&o, J1));
}
END_TEST

/* JobStatusObserver.updateJobStatus marks the record suspended when a job's state changes to
 * CANCELED, or to a globally terminal state after CANCELLING (Flink's JobStatus). */
START_TEST(a_job_is_cancelled_when_it_turns_canceled_or_ends_while_cancelling)
{
    ck_assert(fo_observe_job_cancelled("RUNNING", "CANCELED"));
    ck_assert(fo_observe_job_cancelled("RECONCILING", "CANCELED"));
    ck_assert(fo_observe_job_cancelled(NULL, "CANCELED"));
    ck_assert(fo_observe_job_cancelled("CANCELLING", "CANCELED"));
    ck_assert(fo_observe_job_cancelled("CANCELLING", "FAILED"));
    ck_assert(fo_observe_job_cancelled("CANCELLING", "FINISHED"));
    ck_assert(!fo_observe_job_cancelled("CANCELED", "CANCELED")); /* no change */
    ck_assert(!fo_observe_job_cancelled("RUNNING", "FAILED"));
    ck_assert(!fo_observe_job_cancelled("RUNNING", "FINISHED"));
    ck_assert(!fo_observe_job_cancelled("RUNNING", "CANCELLING"));
    ck_assert(!fo_observe_job_cancelled("CANCELLING", "RECONCILING")); /* not terminal */
    ck_assert(!fo_observe_job_cancelled("RUNNING", NULL));
}
END_TEST

/* The last checkpoint a cancelled job can be resumed from (GET /jobs/:id/checkpoints,
 * tests/data/flink-checkpoints.json: checkpoint 8 completed after savepoint 6). */
/* A restore path status records as a savepoint has a time (its timeStamp): a checkpoint or
 * another savepoint recorded later is state written after it, and the path is superseded. A
 * path status does not record (a checkpoint Flink named the newest) is not. */
START_TEST(a_restore_path_older_than_a_recorded_snapshot_is_superseded)
{
    json_t *js = json_pack("{s:s, s:{s:{s:s, s:I}, s:[{s:s, s:I}]}}", "upgradeSavepointPath",
                           "s3://sp/savepoint-2", "savepointInfo", "lastSavepoint", "location",
                           "s3://sp/savepoint-2", "timeStamp", (json_int_t)2000, "savepointHistory",
                           "location", "s3://sp/savepoint-1", "timeStamp", (json_int_t)1000);
    ck_assert(!fo_observe_restore_path_superseded(js));
    json_object_set_new(js, "checkpointInfo",
                        json_pack("{s:{s:I}}", "lastCheckpoint", "timeStamp", (json_int_t)3000));
    ck_assert(fo_observe_restore_path_superseded(js));
    /* the path is the older savepoint of the history, the last one is later */
    json_object_del(js, "checkpointInfo");
    json_object_set_new(js, "upgradeSavepointPath", json_string("s3://sp/savepoint-1"));
    ck_assert(fo_observe_restore_path_superseded(js));
    /* a checkpoint path status does not record, or none */
    json_object_set_new(js, "upgradeSavepointPath", json_string("s3://chk/chk-8"));
    ck_assert(!fo_observe_restore_path_superseded(js));
    json_object_del(js, "upgradeSavepointPath");
    ck_assert(!fo_observe_restore_path_superseded(js));
    ck_assert(!fo_observe_restore_path_superseded(NULL));
    json_decref(js);
}
END_TEST

START_TEST(the_latest_checkpoint_or_savepoint_with_a_path_is_resumed_from)
{
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    fo_err err = {0};
    json_t *v = fo_json_parse(text, len, 0, &err);
    free(text);
    ck_assert_ptr_nonnull(v);
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &st, &err), FO_OK);
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&st, true),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    st.latest_savepoint.id = 9; /* a savepoint taken after it */
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&st, true),
                     "s3://flink/savepoints/savepoint-a7f3c2-0a1b2c3d4e5f");
    st.latest_savepoint.id = 6;
    char *kept = st.latest_completed.external_path;
    st.latest_completed.external_path = (char *)"<checkpoint-not-externally-addressable>";
    ck_assert_ptr_null(fo_observe_latest_checkpoint_path(&st, true));
    st.latest_completed.external_path = kept;
    st.enabled = false; /* "Checkpointing has not been enabled." */
    ck_assert_ptr_null(fo_observe_latest_checkpoint_path(&st, true));
    fo_flink_rest_checkpoint_stats_release(&st);
    json_decref(v);
    fo_flink_checkpoint_stats none;
    memset(&none, 0, sizeof none);
    none.enabled = true;
    none.latest_completed.id = none.latest_savepoint.id = none.restored_from.id = -1;
    ck_assert_ptr_null(fo_observe_latest_checkpoint_path(&none, true));
    /* Nothing completed since it was restored: the restore source is its latest state. */
    none.restored_from.id = 5;
    none.restored_from.external_path = (char *)"s3://flink/savepoints/savepoint-a7f3c2-05";
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&none, true),
                     "s3://flink/savepoints/savepoint-a7f3c2-05");
}
END_TEST

/* Flink's CheckpointProperties per execution.checkpointing.externalized-checkpoint-retention
 * (CheckpointRetentionPolicy: RETAIN_ON_CANCELLATION retained on cancellation and failure,
 * DELETE_ON_CANCELLATION = RETAIN_ON_FAILURE, NO_EXTERNALIZED_CHECKPOINTS never retained;
 * every checkpoint is discarded when the job finishes). */
START_TEST(checkpoints_outlive_a_cancel_only_when_retained_on_cancellation)
{
    ck_assert(fo_observe_checkpoints_kept("RETAIN_ON_CANCELLATION", FO_JOB_STATUS_CANCELED));
    ck_assert(fo_observe_checkpoints_kept("retain_on_cancellation", FO_JOB_STATUS_CANCELED));
    ck_assert(fo_observe_checkpoints_kept("RETAIN_ON_CANCELLATION", FO_JOB_STATUS_FAILED));
    ck_assert(!fo_observe_checkpoints_kept("RETAIN_ON_CANCELLATION", FO_JOB_STATUS_FINISHED));
    ck_assert(!fo_observe_checkpoints_kept("DELETE_ON_CANCELLATION", FO_JOB_STATUS_CANCELED));
    ck_assert(fo_observe_checkpoints_kept("DELETE_ON_CANCELLATION", FO_JOB_STATUS_FAILED));
    ck_assert(!fo_observe_checkpoints_kept("NO_EXTERNALIZED_CHECKPOINTS", FO_JOB_STATUS_CANCELED));
    ck_assert(!fo_observe_checkpoints_kept("NO_EXTERNALIZED_CHECKPOINTS", FO_JOB_STATUS_FAILED));
    ck_assert(!fo_observe_checkpoints_kept(NULL, FO_JOB_STATUS_CANCELED)); /* Flink's default */
}
END_TEST

/* A checkpoint deleted with the job (or disposed: Flink's `discarded`) cannot be restored
 * from, and an older snapshot is no stand-in for it; a savepoint newer than it, or the
 * snapshot the job was restored from, is not deleted with the job. */
START_TEST(a_checkpoint_deleted_with_the_job_is_not_resumed_from)
{
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    json_t *v = json_loadb(text, len, 0, NULL);
    free(text);
    fo_err err;
    fo_err_clear(&err);
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &st, &err), FO_OK);
    ck_assert_ptr_null(fo_observe_latest_checkpoint_path(&st, false));
    st.latest_completed.savepoint = true; /* Flink files some savepoints there: never deleted */
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&st, false),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    st.latest_completed.savepoint = false;
    st.latest_completed.discarded = true;
    ck_assert_ptr_null(fo_observe_latest_checkpoint_path(&st, true));
    st.latest_savepoint.id = 9; /* a savepoint taken after it outlives the job */
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&st, false),
                     "s3://flink/savepoints/savepoint-a7f3c2-0a1b2c3d4e5f");
    fo_flink_rest_checkpoint_stats_release(&st);
    json_decref(v);
    fo_flink_checkpoint_stats none;
    memset(&none, 0, sizeof none);
    none.enabled = true;
    none.latest_completed.id = none.latest_savepoint.id = -1;
    none.restored_from.id = 5;
    none.restored_from.external_path = (char *)"s3://flink/savepoints/savepoint-a7f3c2-05";
    ck_assert_str_eq(fo_observe_latest_checkpoint_path(&none, false),
                     "s3://flink/savepoints/savepoint-a7f3c2-05");
}
END_TEST

START_TEST(job_is_picked_by_id_or_as_the_newest)
{
    json_t *ov = json_pack("{s:[{s:s, s:s, s:I}, {s:s, s:s, s:I}]}", "jobs", "jid", JA, "state",
                           "RUNNING", "start-time", (json_int_t)100, "jid", JB, "state", "FAILED",
                           "start-time", (json_int_t)200);
    fo_flink_jobs jobs, none = {0};
    ck_assert_int_eq(fo_flink_rest_decode_jobs(ov, &jobs, NULL), FO_OK);
    ck_assert_str_eq(fo_observe_pick_job(&jobs, JA)->id, JA);
    ck_assert_str_eq(fo_observe_pick_job(&jobs, NULL)->id, JB);
    ck_assert_ptr_null(fo_observe_pick_job(&jobs, JC));
    ck_assert_ptr_null(fo_observe_pick_job(&none, NULL));
    fo_flink_rest_jobs_release(&jobs);
    json_decref(ov);
}
END_TEST

/* Reference c.11, on the HA maps the controller reads (fo_observe_ha_maps): HA metadata = a job
 * map (not the cluster map) not being deleted; "with a checkpoint" also needs a checkpointID-
 * key. The controller decides with the library's fo_flink_ha_metadata_available. */
START_TEST(ha_metadata_is_a_live_job_map_with_a_checkpoint)
{
    json_t *maps = fo_test_load_yaml("controller-ha-configmaps.yaml");
    ck_assert(fo_flink_ha_metadata_available(maps, true));
    json_t *cluster_only = json_pack("[O]", json_array_get(maps, 0));
    ck_assert(!fo_flink_ha_metadata_available(cluster_only, false));
    json_t *deleting = json_deep_copy(maps);
    json_object_set_new(json_object_get(json_array_get(deleting, 1), "metadata"),
                        "deletionTimestamp", json_string("2026-04-20T09:15:00Z"));
    ck_assert(!fo_flink_ha_metadata_available(deleting, false));
    json_t *no_checkpoint = json_deep_copy(maps);
    json_object_del(json_object_get(json_array_get(no_checkpoint, 1), "data"),
                    "checkpointID-0000000000000000007");
    ck_assert(!fo_flink_ha_metadata_available(no_checkpoint, true));
    ck_assert(fo_flink_ha_metadata_available(no_checkpoint, false)); /* the map is there */
    json_decref(no_checkpoint);
    json_decref(deleting);
    json_decref(cluster_only);
    json_decref(maps);
}
END_TEST

START_TEST(cluster_info_totals_as_apache_prints_them)
{
    json_t *cfg_json = json_pack("{s:s, s:s}", "flink-version", "1.20.1", "flink-revision",
                                 "abc1234 @ 2025-01-01T00:00:00+00:00");
    fo_flink_config cfg_value;
    ck_assert_int_eq(fo_flink_rest_decode_config(cfg_json, &cfg_value, NULL), FO_OK);
    const fo_flink_config *cfg = &cfg_value;
    json_t *conf = json_pack(
        "{s:s, s:s, s:s, s:s, s:s}", "kubernetes.jobmanager.cpu.amount", "0.5",
        "kubernetes.taskmanager.cpu.amount", "2.0", "jobmanager.memory.process.size", "1 gb",
        "taskmanager.memory.process.size", "2048m", "kubernetes.jobmanager.replicas", "2");
    json_t *info = fo_observe_cluster_info(cfg, conf, 3);
    ck_assert_str_eq(fo_json_str(info, "flink-version"), "1.20.1");
    ck_assert_str_eq(fo_json_str(info, "flink-revision"), "abc1234 @ 2025-01-01T00:00:00+00:00");
    /* 0.5 x 2 + 2.0 x 3 = 7.0; 1 GiB x 2 + 2 GiB x 3 = 8 GiB */
    ck_assert_str_eq(fo_json_str(info, "total-cpu"), "7.0");
    ck_assert_str_eq(fo_json_str(info, "total-memory"), "8589934592");
    json_decref(info);
    info = fo_observe_cluster_info(NULL, conf, -1);
    ck_assert_ptr_null(fo_json_str(info, "flink-version"));
    ck_assert_str_eq(fo_json_str(info, "total-cpu"), "1.0");
    json_decref(info);
    fo_flink_rest_config_release(&cfg_value);
    json_decref(cfg_json);
    json_decref(conf);
}
END_TEST

START_TEST(cluster_info_totals_count_the_limit_factors)
{
    /* FlinkUtils.calculateClusterCpuUsage / calculateClusterMemoryUsage: cpu x cpu limit factor
     * x replicas; process memory in whole MiB x memory limit factor x replicas. */
    json_t *conf = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kubernetes.jobmanager.cpu.amount", "1.0",
        "kubernetes.jobmanager.cpu.limit-factor", "2.0", "kubernetes.taskmanager.cpu.amount",
        "0.5", "kubernetes.taskmanager.cpu.limit-factor", "3", "jobmanager.memory.process.size",
        "1g", "kubernetes.jobmanager.memory.limit-factor", "1.5",
        "taskmanager.memory.process.size", "2g", "kubernetes.taskmanager.memory.limit-factor",
        "2");
    json_t *info = fo_observe_cluster_info(NULL, conf, 2);
    /* 1.0 x 2.0 x 1 + 0.5 x 3 x 2 = 5.0 */
    ck_assert_str_eq(fo_json_str(info, "total-cpu"), "5.0");
    /* 1024 MiB x 1.5 + 2048 MiB x 2 x 2 = 9728 MiB */
    ck_assert_str_eq(fo_json_str(info, "total-memory"), "10200547328");
    json_decref(info);
    json_decref(conf);
    /* Memory counts whole MiB, as KubernetesJobManagerParameters.getJobManagerMemoryMB and
     * ClusterSpecification.getTaskManagerMemoryMB give it: 1000000 KiB is 976 MiB. */
    conf = json_pack("{s:s, s:s}", "jobmanager.memory.process.size", "1000000k",
                     "taskmanager.memory.process.size", "1000000k");
    info = fo_observe_cluster_info(NULL, conf, 1);
    ck_assert_str_eq(fo_json_str(info, "total-memory"), "2046820352"); /* 2 x 976 MiB */
    json_decref(info);
    json_decref(conf);
}
END_TEST

/* ---- observing through the seams ------------------------------------------------------------ */

static fake_world *world(void)
{
    fake_world *w = fake_world_new();
    w->env.hooks.rest_error = count_rest_error;
    rest_errors = 0;
    fake_flink_answer(
        &w->flink, "GET /config",
        json_pack("{s:s, s:s}", "flink-version", "1.20.1", "flink-revision", "abc @ 2025"));
    fake_flink_answer(&w->flink, "GET /taskmanagers",
                      json_pack("{s:[{s:s}, {s:s}]}", "taskmanagers", "id", "a", "id", "b"));
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I}]}", "jobs", "jid", J1, "name", "job",
                                "state", "RUNNING", "start-time", (json_int_t)1000));
    return w;
}

static json_t *resource(void)
{
    return json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind", "FlinkDeployment", "metadata", "name",
                     "basic-example", "namespace", "default", "uid", FD_UID);
}

/* A Deployment of the cluster's name that another owner made is not its JobManager: not
 * present, and its Flink (if any) is not asked. */
START_TEST(a_deployment_owned_by_another_is_not_the_jobmanager)
{
    fake_world *w = world();
    json_t *d = jm_deployment(1, 1);
    json_object_del(json_object_get(d, "metadata"), "ownerReferences");
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    ck_assert(!o.jm_present);
    ck_assert(!o.rest_tried);
    ck_assert_uint_eq(w->flink.ncalls, 0);
    ck_assert_int_eq(o.jm_status, FO_JM_MISSING);
    ck_assert(!fo_observe_cluster_present(&w->env, obj, false));
    fo_observed_release(&o);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

START_TEST(unavailable_jobmanager_is_not_asked)
{
    fake_world *w = world();
    json_t *d = jm_deployment(1, 0);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_DEPLOYING, &o);
    ck_assert(o.jm_present);
    ck_assert(!o.jm_available);
    ck_assert(!o.rest_tried);
    ck_assert_uint_eq(w->flink.ncalls, 0);
    ck_assert_int_eq(o.jm_status, FO_JM_DEPLOYING);
    /* A job said to run while its JobManager is not available is in an unknown state. */
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RECONCILING");
    json_decref(st);
    fo_observed_release(&o);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

START_TEST(available_jobmanager_is_asked_for_config_taskmanagers_and_jobs)
{
    fake_world *w = world();
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_DEPLOYED_NOT_READY, &o);
    ck_assert(o.rest_ok);
    ck_assert(o.jobs_listed);
    ck_assert_int_eq(o.taskmanagers, 2);
    ck_assert(o.has_job);
    ck_assert_str_eq(o.job.state_name, "RUNNING");
    ck_assert_int_eq(o.jm_status, FO_JM_READY);
    ck_assert_uint_eq(w->flink.ncalls, 3);
    ck_assert_str_eq(w->flink.calls[0], "GET /config");
    ck_assert_int_eq(rest_errors, 0);

    /* Folded into status: the job, a JobStatusChanged event, clusterInfo. */
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RECONCILING");
    json_t *conf = json_pack("{s:s}", "jobmanager.memory.process.size", "1 gb");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, conf, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.jobName"), "job");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.startTime"), "1000");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.updateTime"), "5000");
    ck_assert_str_eq(fo_json_str(st, "jobManagerDeploymentStatus"), "READY");
    ck_assert_str_eq(fo_json_get_str(st, "clusterInfo.flink-version"), "1.20.1");
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "JobStatusChanged"), 1);
    ck_assert_str_eq(ev.ev[0].message, "Job status changed from RECONCILING to RUNNING");
    /* The same observation again changes nothing. */
    json_t *again = json_deep_copy(st);
    fo_ctl_evbuf ev2 = {0};
    fo_observe_record(&w->env, BASE, &o, true, conf, again, &ev2, 9000);
    ck_assert(fo_json_equal(st, again));
    ck_assert_uint_eq(ev2.n, 0);
    json_decref(again);
    json_decref(st);
    json_decref(conf);
    fo_observed_release(&o);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

START_TEST(unreachable_flink_moves_a_running_job_to_reconciling)
{
    fake_world *w = world();
    w->flink.unreachable = true;
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    ck_assert(o.rest_tried);
    ck_assert(!o.rest_ok);
    ck_assert_int_eq(o.jm_status, FO_JM_READY);
    ck_assert_int_eq(rest_errors, 1);
    ck_assert_ptr_nonnull(strstr(o.rest_error, "GET /config"));
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RECONCILING");
    ck_assert_ptr_null(json_object_get(st, "clusterInfo"));
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

/* One /jobs/overview entry (JobDetails) of J1 in Flink's state `state` whose "tasks" count
 * `running` and `finished` subtasks of `total`, the others SCHEDULED. */
static json_t *overview_with_tasks(const char *state, int total, int running, int finished)
{
    return json_pack("{s:[{s:s, s:s, s:s, s:I, s:I, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
                     " s:i, s:i, s:i}}]}",
                     "jobs", "jid", J1, "name", "job", "state", state, "start-time",
                     (json_int_t)1000, "end-time", (json_int_t)-1, "tasks", "total", total,
                     "created", 0, "scheduled", total - running - finished, "deploying", 0,
                     "running", running, "finished", finished, "canceling", 0, "canceled", 0,
                     "failed", 0, "reconciling", 0, "initializing", 0);
}

static const char *observed_state(json_t *overview)
{
    static char state[32];
    fake_world *w = world();
    fake_flink_answer(&w->flink, "GET /jobs/overview", overview);
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RECONCILING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    snprintf(state, sizeof state, "%s", fo_json_get_str(st, "jobStatus.state"));
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
    return state;
}

/* Flink's default scheduler reports RUNNING as soon as it starts scheduling, while the tasks
 * still wait for slots; the Apache operator reports such a job CREATED until every task runs or
 * finished (JobStatusUtils.getEffectiveStatus), so it is not taken for a running job. */
START_TEST(a_running_job_whose_tasks_wait_for_slots_reads_created)
{
    ck_assert_str_eq(observed_state(overview_with_tasks("RUNNING", 4, 0, 0)), "CREATED");
    ck_assert_str_eq(observed_state(overview_with_tasks("RUNNING", 4, 3, 0)), "CREATED");
    ck_assert_str_eq(observed_state(overview_with_tasks("RUNNING", 4, 4, 0)), "RUNNING");
    ck_assert_str_eq(observed_state(overview_with_tasks("RUNNING", 4, 1, 3)), "RUNNING");
    /* Other states are Flink's own, whatever the tasks do. */
    ck_assert_str_eq(observed_state(overview_with_tasks("RESTARTING", 4, 0, 0)), "RESTARTING");
    /* An entry without "tasks" is taken as Flink wrote it. */
    ck_assert_str_eq(observed_state(json_pack("{s:[{s:s, s:s, s:s}]}", "jobs", "jid", J1,
                                              "name", "job", "state", "RUNNING")),
                     "RUNNING");
}
END_TEST

/* GET /config answers but GET /jobs/overview does not (the JobManager busy, a timeout): the
 * job's state could not be read, so a RUNNING job is no longer known to run (JobStatusObserver
 * moves it to RECONCILING on any error of the job list). */
START_TEST(a_job_list_that_fails_moves_a_running_job_to_reconciling)
{
    fake_world *w = world();
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /jobs/overview");
    w->flink.lose_times = 1;
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    ck_assert(o.rest_ok);
    ck_assert(!o.jobs_listed);
    ck_assert_int_eq(rest_errors, 1);
    ck_assert_ptr_nonnull(strstr(o.rest_error, "GET /jobs/overview"));
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RECONCILING");
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "JobStatusChanged"), 1);
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

/* Only a job said to run is moved (Apache's ifRunningMoveToReconciling): a restarting or
 * created job keeps its state through a passing REST error, with no Event either way. */
START_TEST(a_job_list_that_fails_leaves_a_job_that_is_not_running_as_it_was)
{
    static const char *const states[] = {"RESTARTING", "CREATED", "INITIALIZING"};
    for (size_t i = 0; i < sizeof states / sizeof *states; i++) {
        fake_world *w = world();
        snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /jobs/overview");
        w->flink.lose_times = 1;
        json_t *d = jm_deployment(1, 1);
        fake_put(&w->kube, d);
        json_t *obj = resource();
        fo_observed o;
        fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
        ck_assert(!o.jobs_listed);
        json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", states[i]);
        fo_ctl_evbuf ev = {0};
        fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
        ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), states[i]);
        ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "JobStatusChanged"), 0);
        fo_observed_release(&o);
        json_decref(st);
        json_decref(obj);
        json_decref(d);
        fake_world_free(w);
    }
}
END_TEST

START_TEST(failed_job_brings_its_failure_cause_into_status)
{
    fake_world *w = world();
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I}]}", "jobs", "jid", J1, "name", "job",
                                "state", "FAILED", "start-time", (json_int_t)1000));
    fake_flink_answer(
        &w->flink, "GET /jobs/" J1 "/execution-result",
        json_pack("{s:{s:s}, s:{s:s, s:s, s:{s:s, s:s}}}", "status", "id", "COMPLETED",
                  "job-execution-result", "id", J1, "application-status", "FAILED", "failure-cause",
                  "class", "java.lang.RuntimeException", "stack-trace",
                  "java.lang.RuntimeException: out of coffee\n\tat Main.main(Main.java:1)"));
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "FAILED");
    ck_assert_ptr_nonnull(strstr(fo_json_str(st, "error"), "out of coffee"));
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "Error"), 1);
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "JobStatusChanged"), 1);
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

/* What the Apache operator writes for a FAILED job (JobStatusObserver.recordJobErrorIfPresent):
 * the JobResult's failure is a Flink SerializedThrowable, whose getMessage() is the original
 * exception's and whose causes are SerializedThrowables too; FlinkResourceExceptionUtils
 * writes it with type org.apache.flink.util.SerializedThrowable, its message, an empty
 * additionalMetadata and its causes (up to 2 by default) in throwableList, and the Warning
 * Error carries ExceptionUtils.getExceptionMessage: the messages joined by " -> ". The
 * failure is Flink's own answer (tests/data/flink-execution-result-failed.json). */
START_TEST(a_failed_jobs_error_is_written_as_the_apache_operator_writes_it)
{
    fake_world *w = world();
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I}]}", "jobs", "jid", J1, "name", "job",
                                "state", "FAILED", "start-time", (json_int_t)1000));
    char *path = fo_test_data_path("flink-execution-result-failed.json");
    json_t *answer = json_load_file(path, 0, NULL);
    free(path);
    ck_assert_ptr_nonnull(answer);
    json_object_set_new(json_object_get(answer, "job-execution-result"), "id", json_string(J1));
    fake_flink_answer(&w->flink, "GET /jobs/" J1 "/execution-result", answer);
    json_t *d = jm_deployment(1, 1);
    fake_put(&w->kube, d);
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    json_t *st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "FAILED");
    ck_assert_str_eq(fo_json_str(st, "error"),
                     "{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                     "\"message\":\"Recovery is suppressed by NoRestartBackoffTimeStrategy\","
                     "\"additionalMetadata\":{},"
                     "\"throwableList\":[{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                     "\"message\":\"/ by zero\",\"additionalMetadata\":{}}]}");
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev, "Error"), 1);
    for (size_t i = 0; i < ev.n; i++)
        if (strcmp(ev.ev[i].reason, "Error") == 0)
            ck_assert_str_eq(ev.ev[i].message,
                             "Recovery is suppressed by NoRestartBackoffTimeStrategy -> / by zero");
    fo_observed_release(&o);
    json_decref(st);

    /* Flink reports no failure cause: Apache writes neither an error nor a Warning. */
    fake_flink_answer(&w->flink, "GET /jobs/" J1 "/execution-result",
                      json_pack("{s:{s:s}, s:{s:s, s:s}}", "status", "id", "COMPLETED",
                                "job-execution-result", "id", J1, "application-status",
                                "FAILED"));
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    st = json_pack("{s:{s:s, s:s}}", "jobStatus", "jobId", J1, "state", "RUNNING");
    fo_ctl_evbuf ev2 = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev2, 6000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "FAILED");
    ck_assert_ptr_null(fo_json_str(st, "error"));
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev2, "Error"), 0);
    ck_assert_int_eq(fo_ctl_evbuf_count(&ev2, "JobStatusChanged"), 1);
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    json_decref(d);
    fake_world_free(w);
}
END_TEST

START_TEST(missing_jobmanager_keeps_an_ended_job_ended)
{
    fake_world *w = world();
    json_t *obj = resource();
    fo_observed o;
    fo_observe_deployment(&w->env, obj, BASE, true, false, J1, FO_JM_READY, &o);
    ck_assert_int_eq(o.jm_status, FO_JM_MISSING);
    json_t *st = json_pack("{s:{s:s}}", "jobStatus", "state", "FINISHED");
    fo_ctl_evbuf ev = {0};
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "FINISHED");
    ck_assert_str_eq(fo_json_str(st, "jobManagerDeploymentStatus"), "MISSING");
    json_object_set_new(json_object_get(st, "jobStatus"), "state", json_string("RUNNING"));
    fo_observe_record(&w->env, BASE, &o, true, NULL, st, &ev, 5000);
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RECONCILING");
    fo_observed_release(&o);
    json_decref(st);
    json_decref(obj);
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("observe");
    TCase *tc = tcase_create("observe");
    tcase_add_test(tc, jobmanager_status_follows_deployment_and_rest);
    tcase_add_test(tc, replica_failure_is_an_error_with_its_message);
    tcase_add_test(tc, failing_jobmanager_pod_is_an_error_with_its_reason);
    tcase_add_test(tc, a_volume_that_cannot_mount_is_an_error_with_the_kubelets_message);
    tcase_add_test(tc, a_job_is_missing_only_from_an_answered_list_of_a_ready_jobmanager);
    tcase_add_test(tc, a_job_is_cancelled_when_it_turns_canceled_or_ends_while_cancelling);
    tcase_add_test(tc, the_latest_checkpoint_or_savepoint_with_a_path_is_resumed_from);
    tcase_add_test(tc, checkpoints_outlive_a_cancel_only_when_retained_on_cancellation);
    tcase_add_test(tc, a_checkpoint_deleted_with_the_job_is_not_resumed_from);
    tcase_add_test(tc, job_is_picked_by_id_or_as_the_newest);
    tcase_add_test(tc, a_failed_jobs_error_is_written_as_the_apache_operator_writes_it);
    tcase_add_test(tc, ha_metadata_is_a_live_job_map_with_a_checkpoint);
    tcase_add_test(tc, cluster_info_totals_as_apache_prints_them);
    tcase_add_test(tc, cluster_info_totals_count_the_limit_factors);
    tcase_add_test(tc, a_deployment_owned_by_another_is_not_the_jobmanager);
    tcase_add_test(tc, unavailable_jobmanager_is_not_asked);
    tcase_add_test(tc, available_jobmanager_is_asked_for_config_taskmanagers_and_jobs);
    tcase_add_test(tc, unreachable_flink_moves_a_running_job_to_reconciling);
    tcase_add_test(tc, a_running_job_whose_tasks_wait_for_slots_reads_created);
    tcase_add_test(tc, a_job_list_that_fails_moves_a_running_job_to_reconciling);
    tcase_add_test(tc, a_job_list_that_fails_leaves_a_job_that_is_not_running_as_it_was);
    tcase_add_test(tc, failed_job_brings_its_failure_cause_into_status);
    tcase_add_test(tc, missing_jobmanager_keeps_an_ended_job_ended);
    tcase_add_test(tc, a_restore_path_older_than_a_recorded_snapshot_is_superseded);
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
