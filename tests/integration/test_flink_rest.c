/* The product's Flink REST client (common/flink_rest.h) against the fake Flink server: every
 * call the controller needs, error mapping (unreachable vs HTTP errors, Flink's messages),
 * timeouts, and one client shared by many threads. Time moves through the fake's clock. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_rest.h"
#include "common/jsonutil.h"
#include "tests/fakes/flink/fake_flink.h"
#include "tests/support/rawsrv.h"
#include "tests/support/testutil.h"

static fo_clock *clk;
static fo_fake_flink *ff;
static fo_flink_rest *fr;

static void setup(void)
{
    fo_err err = {0};
    clk = fo_clock_fake_new(1700000000000LL);
    fo_fake_flink_opts o = {.clock = clk};
    ff = fo_fake_flink_start(&o, &err);
    ck_assert_msg(ff, "%s", err.message);
    fr = fo_flink_rest_new(NULL, &err);
    ck_assert_msg(fr, "%s", err.message);
}

static void teardown(void)
{
    fo_flink_rest_free(fr);
    fo_fake_flink_stop(ff);
    fo_clock_free(clk);
}

/* Create a cluster from a JSON spec; its base URL goes to base. */
static void cluster(const char *name, const char *spec, char *base, size_t len)
{
    fo_err err = {0};
    json_t *s = spec ? json_loads(spec, 0, NULL) : NULL;
    ck_assert(!spec || s);
    ck_assert_msg(fo_fake_flink_create(ff, "ns", name, s, &err) == FO_OK, "%s", err.message);
    json_decref(s);
    fo_fake_flink_cluster_url(ff, "ns", name, base, len);
}

static void control(const char *method, const char *path, const char *body)
{
    json_t *b = body ? json_loads(body, 0, NULL) : NULL;
    int status = fo_fake_flink_control(ff, method, path, b, NULL);
    ck_assert_msg(status >= 200 && status < 300, "%s %s -> %d", method, path, status);
    json_decref(b);
}

static const char *APP = "{\"flinkVersion\": \"1.20.1\", \"taskManagers\": 2,"
                         " \"slotsPerTaskManager\": 2, \"checkpointIntervalMs\": 1000,"
                         " \"checkpointDir\": \"s3://b/ck\", \"savepointDir\": \"s3://b/sp\","
                         " \"job\": {\"jobId\": \"0000000000000000000000000000a001\","
                         " \"name\": \"orders\", \"parallelism\": 2}}";
#define JID "0000000000000000000000000000a001"

START_TEST(cluster_info_comes_from_config_overview_and_taskmanagers)
{
    char base[256];
    cluster("info", APP, base, sizeof base);
    fo_err err = {0};
    fo_flink_config c;
    ck_assert_int_eq(fo_flink_rest_config(fr, base, &c, &err), FO_OK);
    ck_assert_str_eq(c.flink_version, "1.20.1");
    ck_assert_ptr_nonnull(c.flink_revision);
    fo_flink_rest_config_release(&c);
    fo_fake_flink_tick(ff, 500);
    fo_flink_overview o;
    ck_assert_int_eq(fo_flink_rest_overview(fr, base, &o, &err), FO_OK);
    ck_assert_int_eq(o.taskmanagers, 2);
    ck_assert_int_eq(o.slots_total, 4);
    ck_assert_int_eq(o.slots_available, 2);
    ck_assert_int_eq(o.jobs_running, 1);
    fo_flink_rest_overview_release(&o);
    fo_flink_taskmanagers tm;
    ck_assert_int_eq(fo_flink_rest_taskmanagers(fr, base, &tm, &err), FO_OK);
    ck_assert_int_eq(tm.count, 2);
    ck_assert_int_eq(tm.slots_total, 4);
    ck_assert_int_eq(tm.slots_free, 2);
    /* a trailing slash on the base URL is fine */
    char slash[300];
    snprintf(slash, sizeof slash, "%s/", base);
    ck_assert_int_eq(fo_flink_rest_taskmanagers(fr, slash, &tm, &err), FO_OK);
}
END_TEST

START_TEST(job_list_details_and_state_follow_the_cluster)
{
    char base[256];
    cluster("jobs", APP, base, sizeof base);
    fo_err err = {0};
    fo_flink_jobs jobs;
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_OK);
    ck_assert_uint_eq(jobs.count, 1);
    ck_assert_int_eq(jobs.items[0].state, FO_JOB_STATUS_INITIALIZING);
    ck_assert_str_eq(jobs.items[0].name, "orders");
    fo_flink_rest_jobs_release(&jobs);
    fo_fake_flink_tick(ff, 300);
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_OK);
    const fo_flink_job *j = fo_flink_rest_jobs_find(&jobs, JID);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(j->state, FO_JOB_STATUS_RUNNING);
    ck_assert_int_eq(j->start_time_ms, 1700000000000LL);
    fo_flink_rest_jobs_release(&jobs);
    fo_flink_job_details d;
    ck_assert_int_eq(fo_flink_rest_job_details(fr, base, JID, &d, &err), FO_OK);
    ck_assert_int_eq(d.parallelism, 2);
    ck_assert_int_eq(d.state_since_ms[FO_JOB_STATUS_RUNNING], 1700000000200LL);
    fo_flink_rest_job_details_release(&d);
    fo_flink_execution_result r;
    ck_assert_int_eq(fo_flink_rest_execution_result(fr, base, JID, &r, &err), FO_OK);
    ck_assert(!r.completed);
    fo_flink_rest_execution_result_release(&r);
}
END_TEST

START_TEST(savepoint_trigger_and_polling_give_the_location)
{
    char base[256];
    cluster("sp", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    fo_err err = {0};
    char trig[33];
    fo_flink_savepoint_opts o = {.target_dir = "s3://b/manual", .format_type = "CANONICAL"};
    ck_assert_int_eq(fo_flink_rest_trigger_savepoint(fr, base, JID, &o, trig, &err), FO_OK);
    ck_assert(fo_flink_rest_is_id(trig));
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert(!op.completed);
    fo_flink_rest_operation_release(&op);
    fo_fake_flink_tick(ff, 250);
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_ptr_null(op.failure.class_name);
    ck_assert_int_eq(strncmp(op.location, "s3://b/manual/savepoint-000000-", 31), 0);
    fo_flink_rest_operation_release(&op);

    /* the caller's own trigger id makes a retry safe */
    o.trigger_id = "abcdefabcdefabcdefabcdefabcdef01";
    char t1[33], t2[33];
    ck_assert_int_eq(fo_flink_rest_trigger_savepoint(fr, base, JID, &o, t1, &err), FO_OK);
    ck_assert_int_eq(fo_flink_rest_trigger_savepoint(fr, base, JID, &o, t2, &err), FO_OK);
    ck_assert_str_eq(t1, o.trigger_id);
    ck_assert_str_eq(t2, o.trigger_id);
}
END_TEST

START_TEST(a_failed_savepoint_reports_flinks_cause)
{
    char base[256];
    cluster("spfail", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    control("POST", "/_fake/clusters/ns/spfail/faults",
            "{\"failSavepoints\": -1, \"failureMessage\": \"Checkpoint Coordinator is shut down\"}");
    fo_err err = {0};
    char trig[33];
    ck_assert_int_eq(fo_flink_rest_stop_with_savepoint(fr, base, JID, NULL, trig, &err), FO_OK);
    fo_fake_flink_tick(ff, 300);
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_ptr_null(op.location);
    ck_assert_str_eq(op.failure.message, "org.apache.flink.runtime.checkpoint.CheckpointException: "
                                         "Checkpoint Coordinator is shut down");
    fo_flink_rest_operation_release(&op);
    fo_flink_jobs jobs;
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_OK);
    ck_assert_int_eq(jobs.items[0].state, FO_JOB_STATUS_RUNNING); /* still running */
    fo_flink_rest_jobs_release(&jobs);
}
END_TEST

START_TEST(stop_with_savepoint_finishes_the_job_and_the_path_is_in_the_statistics)
{
    char base[256];
    cluster("stop", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 1300);
    fo_err err = {0};
    char trig[33];
    fo_flink_savepoint_opts o = {.drain = false, .format_type = "NATIVE"};
    ck_assert_int_eq(fo_flink_rest_stop_with_savepoint(fr, base, JID, &o, trig, &err), FO_OK);
    fo_fake_flink_tick(ff, 300);
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert_int_eq(strncmp(op.location, "s3://b/sp/savepoint-000000-", 27), 0);
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_checkpoints(fr, base, JID, &st, &err), FO_OK);
    ck_assert(st.enabled);
    ck_assert_str_eq(st.latest_savepoint.external_path, op.location);
    ck_assert_str_eq(st.latest_savepoint.type, "SYNC_SAVEPOINT");
    ck_assert_str_eq(st.latest_completed.external_path, "s3://b/ck/" JID "/chk-1");
    fo_flink_rest_checkpoint_stats_release(&st);
    fo_flink_rest_operation_release(&op);
    fo_flink_execution_result r;
    ck_assert_int_eq(fo_flink_rest_execution_result(fr, base, JID, &r, &err), FO_OK);
    ck_assert(r.completed);
    ck_assert_str_eq(r.application_status, "SUCCEEDED");
    fo_flink_rest_execution_result_release(&r);
    /* cancelling a FINISHED job is a conflict, with Flink's words */
    ck_assert_int_eq(fo_flink_rest_cancel(fr, base, JID, &err), FO_ECONFLICT);
    ck_assert_int_eq(err.http_status, 409);
    ck_assert_ptr_nonnull(strstr(err.message, "already reached another terminal state (FINISHED)"));
}
END_TEST

START_TEST(cancel_is_accepted_and_the_job_ends_canceled)
{
    char base[256];
    cluster("cancel", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_cancel(fr, base, JID, &err), FO_OK);
    fo_fake_flink_tick(ff, 200);
    fo_flink_jobs jobs;
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_OK);
    ck_assert_int_eq(jobs.items[0].state, FO_JOB_STATUS_CANCELED);
    fo_flink_rest_jobs_release(&jobs);
    ck_assert_int_eq(fo_flink_rest_cancel(fr, base, JID, &err), FO_OK); /* again: fine */
}
END_TEST

START_TEST(checkpoint_trigger_status_details_and_restore_source)
{
    char base[256];
    cluster("ck", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    fo_err err = {0};
    char trig[33];
    ck_assert_int_eq(fo_flink_rest_trigger_checkpoint(fr, base, JID, "FULL", NULL, trig, &err),
                     FO_OK);
    fo_fake_flink_tick(ff, 100);
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_checkpoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_int_eq(op.checkpoint_id, 1);
    fo_flink_rest_operation_release(&op);
    fo_flink_checkpoint c;
    ck_assert_int_eq(fo_flink_rest_checkpoint_details(fr, base, JID, 1, &c, &err), FO_OK);
    ck_assert_str_eq(c.external_path, "s3://b/ck/" JID "/chk-1");
    fo_flink_rest_checkpoint_release(&c);
    ck_assert_int_eq(fo_flink_rest_checkpoint_details(fr, base, JID, 77, &c, &err), FO_ENOTFOUND);

    /* a failover restores from chk-1 and the statistics say so */
    control("POST", "/_fake/clusters/ns/ck/jobs/" JID "/fail", "{\"restart\": true}");
    fo_fake_flink_tick(ff, 300);
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_checkpoints(fr, base, JID, &st, &err), FO_OK);
    ck_assert_int_eq(st.restored_from.id, 1);
    ck_assert(!st.restored_from.savepoint);
    ck_assert_str_eq(st.restored_from.external_path, "s3://b/ck/" JID "/chk-1");
    fo_flink_rest_checkpoint_stats_release(&st);
    const char *names[] = {"numRestarts", "numberOfCompletedCheckpoints"};
    fo_flink_metrics m;
    ck_assert_int_eq(fo_flink_rest_job_metrics(fr, base, JID, names, 2, &m, &err), FO_OK);
    ck_assert_str_eq(fo_flink_rest_metrics_get(&m, "numRestarts"), "1");
    ck_assert_str_eq(fo_flink_rest_metrics_get(&m, "numberOfCompletedCheckpoints"), "1");
    fo_flink_rest_metrics_release(&m);
    fo_flink_exceptions ex;
    ck_assert_int_eq(fo_flink_rest_exceptions(fr, base, JID, 5, &ex, &err), FO_OK);
    ck_assert_uint_eq(ex.count, 1);
    ck_assert_str_eq(ex.items[0].name, "org.apache.flink.util.FlinkRuntimeException");
    fo_flink_rest_exceptions_release(&ex);
}
END_TEST

/* Only a batch job has no checkpointing: Flink's two 404s decode as "not enabled". A streaming
 * job without an interval has checkpointing with periodic checkpoints off (Long.MAX_VALUE). */
START_TEST(a_job_without_checkpointing_has_statistics_disabled)
{
    char base[256];
    cluster("nock",
            "{\"configuration\": {\"execution.runtime-mode\": \"BATCH\"},"
            " \"job\": {\"jobId\": \"" JID "\"}}",
            base, sizeof base);
    fo_err err = {0};
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_checkpoints(fr, base, JID, &st, &err), FO_OK);
    ck_assert(!st.enabled);
    ck_assert_int_eq(st.latest_completed.id, -1);
    fo_flink_rest_checkpoint_stats_release(&st);
    /* CheckpointConfigHandler's 404 is an answer too, not an unknown job. */
    fo_flink_checkpoint_config cc;
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, JID, &cc, &err), FO_OK);
    ck_assert(!cc.enabled);
    ck_assert_ptr_null(cc.retention);
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, "0000000000000000000000000000dead",
                                                     &cc, &err),
                     FO_ENOTFOUND);

    cluster("nointerval", "{\"job\": {\"jobId\": \"" JID "\"}}", base, sizeof base);
    ck_assert_int_eq(fo_flink_rest_checkpoints(fr, base, JID, &st, &err), FO_OK);
    ck_assert(st.enabled);
    ck_assert_int_eq(st.total, 0);
    ck_assert_int_eq(st.latest_completed.id, -1);
    ck_assert_int_eq(st.restored_from.id, -1);
    fo_flink_rest_checkpoint_stats_release(&st);
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, JID, &cc, &err), FO_OK);
    ck_assert(cc.enabled);
    ck_assert_int_eq(cc.interval_ms, INT64_MAX);
    ck_assert_str_eq(cc.retention, FO_FLINK_NO_EXTERNALIZED_CHECKPOINTS);
}
END_TEST

/* The retention a job runs with is what its code set (here DELETE_ON_CANCELLATION) over the
 * cluster's configuration (RETAIN_ON_CANCELLATION), and Flink still tells it once the job has
 * ended, for as long as it lists the job. */
START_TEST(checkpoint_config_tells_the_retention_the_job_set_for_itself)
{
    char base[256];
    cluster("retention",
            "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
            " \"configuration\": {\"execution.checkpointing.externalized-checkpoint-retention\":"
            " \"RETAIN_ON_CANCELLATION\"}, \"job\": {\"jobId\": \"" JID "\","
            " \"checkpointRetention\": \"DELETE_ON_CANCELLATION\"}}",
            base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    fo_err err = {0};
    fo_flink_checkpoint_config cc;
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, JID, &cc, &err), FO_OK);
    ck_assert(cc.enabled);
    ck_assert_int_eq(cc.interval_ms, 1000);
    ck_assert_str_eq(cc.retention, "DELETE_ON_CANCELLATION");
    ck_assert_int_eq(fo_flink_rest_cancel(fr, base, JID, &err), FO_OK);
    fo_fake_flink_tick(ff, 200);
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, JID, &cc, &err), FO_OK);
    ck_assert_str_eq(cc.retention, "DELETE_ON_CANCELLATION");
    ck_assert_int_eq(fo_flink_rest_checkpoint_config(fr, base, "not-an-id", &cc, &err), FO_EINVAL);
}
END_TEST

START_TEST(a_failed_job_gives_its_cause_in_the_execution_result)
{
    char base[256];
    cluster("failed", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    control("POST", "/_fake/clusters/ns/failed/jobs/" JID "/fail",
            "{\"restart\": false, \"message\": \"poison record at offset 42\"}");
    fo_fake_flink_tick(ff, 100);
    fo_err err = {0};
    fo_flink_execution_result r;
    ck_assert_int_eq(fo_flink_rest_execution_result(fr, base, JID, &r, &err), FO_OK);
    ck_assert(r.completed);
    ck_assert_str_eq(r.application_status, "FAILED");
    ck_assert_str_eq(r.failure.message,
                     "org.apache.flink.util.FlinkRuntimeException: poison record at offset 42");
    fo_flink_rest_execution_result_release(&r);
}
END_TEST

START_TEST(savepoint_disposal_completes_or_fails)
{
    char base[256];
    cluster("dispose", APP, base, sizeof base);
    fo_fake_flink_tick(ff, 300);
    fo_err err = {0};
    char trig[33], d[33];
    ck_assert_int_eq(fo_flink_rest_trigger_savepoint(fr, base, JID, NULL, trig, &err), FO_OK);
    fo_fake_flink_tick(ff, 300);
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID, trig, &op, &err), FO_OK);
    ck_assert_int_eq(fo_flink_rest_dispose_savepoint(fr, base, op.location, d, &err), FO_OK);
    fo_flink_rest_operation_release(&op);
    fo_fake_flink_tick(ff, 300);
    ck_assert_int_eq(fo_flink_rest_disposal_status(fr, base, d, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_ptr_null(op.failure.class_name);
    fo_flink_rest_operation_release(&op);
    ck_assert_int_eq(fo_flink_rest_dispose_savepoint(fr, base, "s3://b/sp/none", d, &err), FO_OK);
    fo_fake_flink_tick(ff, 300);
    ck_assert_int_eq(fo_flink_rest_disposal_status(fr, base, d, &op, &err), FO_OK);
    /* Dispatcher.disposeSavepoint: a FlinkException around Checkpoints' cause */
    ck_assert_str_eq(op.failure.message,
                     "org.apache.flink.util.FlinkException: Could not dispose savepoint "
                     "s3://b/sp/none.");
    ck_assert_ptr_nonnull(strstr(op.failure.stack_trace,
                                 "Caused by: java.io.FileNotFoundException: Cannot find "
                                 "checkpoint or savepoint file/directory 's3://b/sp/none'"));
    fo_flink_rest_operation_release(&op);
}
END_TEST

START_TEST(a_session_job_is_uploaded_run_and_its_jar_deleted)
{
    char base[256];
    cluster("session", "{\"flinkVersion\": \"2.0.0\", \"taskManagers\": 2}", base, sizeof base);
    fo_err err = {0};
    char *jar = NULL;
    static const char bytes[] = "PK\003\004\0fake jar with a NUL and \r\n--boundary-ish text";
    ck_assert_int_eq(fo_flink_rest_jar_upload(fr, base, "top-speed.jar", bytes, sizeof bytes, &jar,
                                              &err),
                     FO_OK);
    ck_assert_ptr_nonnull(strstr(jar, "_top-speed.jar"));
    const char *args[] = {"--window", "10 s"};
    json_t *conf = json_pack("{s:s}", "pipeline.name", "session-job");
    fo_flink_jar_run run = {.entry_class = "org.example.TopSpeed",
                            .args = args,
                            .nargs = 2,
                            .parallelism = 2,
                            .job_id = "00000000000000000000000000005e55",
                            .savepoint_path = "s3://b/sp/savepoint-000000-aaaaaaaaaaaa",
                            .allow_non_restored_state = true,
                            .flink_configuration = conf};
    char jid[33];
    ck_assert_int_eq(fo_flink_rest_jar_run(fr, base, jar, &run, jid, &err), FO_OK);
    ck_assert_str_eq(jid, "00000000000000000000000000005e55");
    /* the same job id again is refused as already submitted */
    ck_assert_int_eq(fo_flink_rest_jar_run(fr, base, jar, &run, jid, &err), FO_EEXISTS);
    json_decref(conf);
    ck_assert_int_eq(fo_flink_rest_jar_delete(fr, base, jar, &err), FO_OK);
    ck_assert_int_eq(fo_flink_rest_jar_delete(fr, base, jar, &err), FO_EINVAL);
    json_t *view = fo_fake_flink_view(ff, "ns", "session");
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "submission.entryClass"), "org.example.TopSpeed");
    ck_assert_str_eq(json_string_value(json_array_get(fo_json_get(job, "submission.args"), 1)),
                     "10 s");
    ck_assert_str_eq(fo_json_get_str(job, "submission.restorePath"),
                     "s3://b/sp/savepoint-000000-aaaaaaaaaaaa");
    json_decref(view);
    free(jar);

    /* from a file on disk */
    char *dir = fo_test_mkdtemp();
    char path[512];
    snprintf(path, sizeof path, "%s/from-disk.jar", dir);
    fo_test_write_file(path, "PK\003\004disk");
    ck_assert_int_eq(fo_flink_rest_jar_upload_file(fr, base, path, &jar, &err), FO_OK);
    ck_assert_ptr_nonnull(strstr(jar, "_from-disk.jar"));
    free(jar);

    /* a name that needs percent-encoding in the URL path */
    ck_assert_int_eq(fo_flink_rest_jar_upload(fr, base, "my job+v2%.jar", "PK", 2, &jar, &err),
                     FO_OK);
    ck_assert_ptr_nonnull(strstr(jar, "_my job+v2%.jar"));
    fo_flink_jar_run plain = {.entry_class = "org.example.Plain"};
    ck_assert_int_eq(fo_flink_rest_jar_run(fr, base, jar, &plain, jid, &err), FO_OK);
    ck_assert_int_eq(fo_flink_rest_jar_delete(fr, base, jar, &err), FO_OK);
    free(jar);
    fo_test_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(unknown_jobs_and_triggers_are_not_found_with_flinks_message)
{
    char base[256];
    cluster("nf", APP, base, sizeof base);
    fo_err err = {0};
    fo_flink_job_details d;
    ck_assert_int_eq(fo_flink_rest_job_details(fr, base, "ffffffffffffffffffffffffffffffff", &d,
                                               &err),
                     FO_ENOTFOUND);
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_ptr_nonnull(strstr(err.message, "Job ffffffffffffffffffffffffffffffff not found"));
    ck_assert(!fo_flink_rest_unreachable(FO_ENOTFOUND));
    fo_flink_operation op;
    ck_assert_int_eq(fo_flink_rest_savepoint_status(fr, base, JID,
                                                    "ffffffffffffffffffffffffffffffff", &op, &err),
                     FO_ENOTFOUND);
}
END_TEST

START_TEST(bad_arguments_fail_before_anything_is_sent)
{
    char base[256];
    cluster("args", APP, base, sizeof base);
    fo_err err = {0};
    fo_flink_job_details d;
    ck_assert_int_eq(fo_flink_rest_job_details(fr, base, "../../config", &d, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "not a Flink id"));
    ck_assert_int_eq(fo_flink_rest_cancel(fr, "ftp://x", JID, &err), FO_EINVAL);
    char t[33];
    fo_flink_savepoint_opts o = {.format_type = "ZIP"};
    ck_assert_int_eq(fo_flink_rest_trigger_savepoint(fr, base, JID, &o, t, &err), FO_EINVAL);
    ck_assert_int_eq(fo_flink_rest_jar_delete(fr, base, "../etc", &err), FO_EINVAL);
    char *jar = NULL;
    ck_assert_int_eq(fo_flink_rest_jar_upload(fr, base, "a\"b.jar", "x", 1, &jar, &err),
                     FO_EINVAL);
    /* nothing reached the cluster: no savepoint was taken, no jar uploaded */
    json_t *view = fo_fake_flink_view(ff, "ns", "args");
    ck_assert_int_eq(json_array_size(fo_json_get(view, "jars.files")), 0);
    json_decref(view);
}
END_TEST

START_TEST(unreachable_clusters_are_unavailable_not_http_errors)
{
    char base[256];
    fo_err err = {0};
    fo_flink_config c;
    /* no such cluster: the fake's 503 */
    fo_fake_flink_cluster_url(ff, "ns", "ghost", base, sizeof base);
    ck_assert_int_eq(fo_flink_rest_config(fr, base, &c, &err), FO_EUNAVAIL);
    ck_assert(fo_flink_rest_unreachable(FO_EUNAVAIL));
    /* nothing listening at all */
    snprintf(base, sizeof base, "http://127.0.0.1:%d/ns/x", fo_test_free_port());
    ck_assert_int_eq(fo_flink_rest_config(fr, base, &c, &err), FO_EUNAVAIL);
    /* connection dropped by the JobManager */
    cluster("flaky", APP, base, sizeof base);
    control("POST", "/_fake/clusters/ns/flaky/faults", "{\"unreachable\": \"reset\"}");
    fo_flink_jobs jobs;
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_EUNAVAIL);
    control("POST", "/_fake/clusters/ns/flaky/faults", "{\"unreachable\": \"503\"}");
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_EUNAVAIL);
    ck_assert_int_eq(err.http_status, 503);
    control("POST", "/_fake/clusters/ns/flaky/faults", "{\"unreachable\": \"none\"}");
    ck_assert_int_eq(fo_flink_rest_jobs(fr, base, &jobs, &err), FO_OK);
    fo_flink_rest_jobs_release(&jobs);
}
END_TEST

START_TEST(a_slow_jobmanager_times_out)
{
    fo_err err = {0};
    fo_flink_rest_opts o = {.timeout_ms = 300};
    fo_flink_rest *quick = fo_flink_rest_new(&o, &err);
    ck_assert_ptr_nonnull(quick);
    char base[256];
    cluster("slow", APP, base, sizeof base);
    control("POST", "/_fake/clusters/ns/slow/faults", "{\"delayMs\": 1500}");
    fo_flink_config c;
    fo_rc rc = fo_flink_rest_config(quick, base, &c, &err);
    ck_assert_msg(rc == FO_ETIMEOUT, "got %s: %s", fo_rc_name(rc), err.message);
    ck_assert(fo_flink_rest_unreachable(rc));
    fo_flink_rest_free(quick);
}
END_TEST

static bool reply_bad_gateway(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    return false;
}

/* Flink's RestClient and the Apache operator reach a JobManager without a proxy. An operator
 * pod whose HTTP_PROXY, http_proxy or ALL_PROXY is set (for downloads, in a corporate cluster)
 * must not send its calls to <name>-rest.<namespace>, seldom in a NO_PROXY, to that proxy. */
START_TEST(the_environments_proxy_is_never_used)
{
    char **saved = fo_test_proxy_env_clear();
    fo_rawsrv *proxy = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_bad_gateway});
    char *value = fo_rawsrv_url(proxy, "");
    const char *const vars[] = {"HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                                "HTTPS_PROXY", "https_proxy"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        setenv(vars[i], value, 1);
    fo_err err = {0};
    fo_flink_rest *direct = fo_flink_rest_new(NULL, &err);
    ck_assert_msg(direct, "%s", err.message);
    char base[256];
    cluster("direct", APP, base, sizeof base);
    fo_flink_config c;
    fo_rc rc = fo_flink_rest_config(direct, base, &c, &err);
    ck_assert_msg(rc == FO_OK, "got %s: %s", fo_rc_name(rc), err.message);
    fo_flink_rest_config_release(&c);
    ck_assert_msg(fo_rawsrv_accepts(proxy) == 0, "the proxy got %d connections",
                  fo_rawsrv_accepts(proxy));
    fo_flink_rest_free(direct);
    fo_test_proxy_env_restore(saved);
    fo_rawsrv_stop(proxy);
    free(value);
}
END_TEST

struct worker {
    const char *base;
    int ok;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 40; i++) {
        fo_err err = {0};
        fo_flink_jobs jobs;
        fo_flink_config c;
        if (fo_flink_rest_jobs(fr, w->base, &jobs, &err) == FO_OK && jobs.count == 1)
            w->ok++;
        fo_flink_rest_jobs_release(&jobs);
        if (fo_flink_rest_config(fr, w->base, &c, &err) == FO_OK)
            w->ok++;
        fo_flink_rest_config_release(&c);
    }
    return NULL;
}

START_TEST(one_client_serves_many_threads)
{
    char bases[4][256];
    pthread_t th[8];
    struct worker w[8];
    for (int i = 0; i < 4; i++) {
        char name[16], spec[300];
        snprintf(name, sizeof name, "c%d", i);
        snprintf(spec, sizeof spec, "{\"flinkVersion\": \"%s\", \"job\": {}}",
                 i % 2 ? "2.0.0" : "1.20.1");
        cluster(name, spec, bases[i], sizeof bases[i]);
    }
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){bases[i % 4], 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].ok, 80);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flink_rest");
    TCase *tc = tcase_create("client");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cluster_info_comes_from_config_overview_and_taskmanagers);
    tcase_add_test(tc, job_list_details_and_state_follow_the_cluster);
    tcase_add_test(tc, savepoint_trigger_and_polling_give_the_location);
    tcase_add_test(tc, a_failed_savepoint_reports_flinks_cause);
    tcase_add_test(tc, stop_with_savepoint_finishes_the_job_and_the_path_is_in_the_statistics);
    tcase_add_test(tc, cancel_is_accepted_and_the_job_ends_canceled);
    tcase_add_test(tc, checkpoint_trigger_status_details_and_restore_source);
    tcase_add_test(tc, a_job_without_checkpointing_has_statistics_disabled);
    tcase_add_test(tc, checkpoint_config_tells_the_retention_the_job_set_for_itself);
    tcase_add_test(tc, a_failed_job_gives_its_cause_in_the_execution_result);
    tcase_add_test(tc, savepoint_disposal_completes_or_fails);
    tcase_add_test(tc, a_session_job_is_uploaded_run_and_its_jar_deleted);
    tcase_add_test(tc, unknown_jobs_and_triggers_are_not_found_with_flinks_message);
    tcase_add_test(tc, bad_arguments_fail_before_anything_is_sent);
    tcase_add_test(tc, unreachable_clusters_are_unavailable_not_http_errors);
    tcase_add_test(tc, a_slow_jobmanager_times_out);
    tcase_add_test(tc, the_environments_proxy_is_never_used);
    tcase_add_test(tc, one_client_serves_many_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
