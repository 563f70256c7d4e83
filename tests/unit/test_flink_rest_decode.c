/* Pure decoding of Flink REST answers (common/flink_rest.h) on fixtures in tests/data/flink-*.
 * Fixtures that stand for spec-shaped answers are first validated against the operation's
 * response schema in rest_v1_dispatcher-1.20.yml, so the decoder is tested on what the spec
 * allows; the others show what real Flink writes outside the spec (nulls, a bare metrics array,
 * "operation": null) and say so in their names. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_rest.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/fakes/flink/openapi_check.h"
#include "tests/support/testutil.h"

static json_t *spec;

static void load_spec(void)
{
    fo_err err = {0};
    spec = fo_openapi_load_flink_spec("rest_v1_dispatcher-1.20.yml", &err);
    ck_assert_msg(spec, "%s", err.message);
}

static void unload_spec(void)
{
    json_decref(spec);
    spec = NULL;
}

static json_t *fixture(const char *name)
{
    size_t len = 0;
    char *text = fo_test_read_data(name, &len);
    fo_err err = {0};
    json_t *v = fo_json_parse(text, len, 0, &err);
    ck_assert_msg(v, "%s: %s", name, err.message);
    free(text);
    return v;
}

/* A fixture that must be a valid answer of the operation (method lower case). */
static json_t *spec_fixture(const char *name, const char *path, const char *method,
                            const char *status)
{
    json_t *v = fixture(name);
    fo_err err = {0};
    const json_t *schema = fo_openapi_response_schema(spec, path, method, status, &err);
    ck_assert_msg(schema, "%s", err.message);
    ck_assert_msg(fo_openapi_validate(spec, schema, v, &err) == FO_OK, "%s: %s", name, err.message);
    return v;
}

START_TEST(config_gives_version_and_revision)
{
    json_t *v = spec_fixture("flink-config.json", "/config", "get", "200");
    fo_flink_config c;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_config(v, &c, &err), FO_OK);
    ck_assert_str_eq(c.flink_version, "1.20.1");
    ck_assert_str_eq(c.flink_revision, "c3e8f07 @ 2025-02-07T11:30:52+01:00");
    fo_flink_rest_config_release(&c);
    json_object_del(v, "flink-version");
    ck_assert_int_eq(fo_flink_rest_decode_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "config.flink-version: missing");
    json_decref(v);
}
END_TEST

START_TEST(overview_and_taskmanagers_give_slot_counts)
{
    json_t *v = spec_fixture("flink-overview.json", "/overview", "get", "200");
    fo_flink_overview o;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_overview(v, &o, &err), FO_OK);
    ck_assert_int_eq(o.taskmanagers, 3);
    ck_assert_int_eq(o.slots_total, 6);
    ck_assert_int_eq(o.slots_available, 2);
    ck_assert_int_eq(o.jobs_cancelled, 2);
    ck_assert_str_eq(o.flink_version, "2.0.0");
    fo_flink_rest_overview_release(&o);
    json_decref(v);

    v = spec_fixture("flink-taskmanagers.json", "/taskmanagers", "get", "200");
    fo_flink_taskmanagers tm;
    ck_assert_int_eq(fo_flink_rest_decode_taskmanagers(v, &tm, &err), FO_OK);
    ck_assert_int_eq(tm.count, 2);
    ck_assert_int_eq(tm.slots_total, 4);
    ck_assert_int_eq(tm.slots_free, 1);
    json_decref(v);
}
END_TEST

START_TEST(jobs_overview_gives_ids_names_states_and_times)
{
    json_t *v = spec_fixture("flink-jobs-overview.json", "/jobs/overview", "get", "200");
    fo_flink_jobs jobs;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_jobs(v, &jobs, &err), FO_OK);
    ck_assert_uint_eq(jobs.count, 3);
    ck_assert_str_eq(jobs.items[0].id, "a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b");
    ck_assert_str_eq(jobs.items[0].name, "TopSpeedWindowing");
    ck_assert_int_eq(jobs.items[0].state, FO_JOB_STATUS_RUNNING);
    ck_assert_int_eq(jobs.items[0].start_time_ms, 1700000000000LL);
    ck_assert_int_eq(jobs.items[0].end_time_ms, -1);
    ck_assert_int_eq(jobs.items[1].state, FO_JOB_STATUS_FINISHED);
    ck_assert(fo_flink_job_status_is_globally_terminal(jobs.items[1].state));
    ck_assert_int_eq(jobs.items[2].state, FO_JOB_STATUS_RESTARTING);
    ck_assert(!fo_flink_job_status_is_globally_terminal(jobs.items[2].state));
    /* "tasks": the subtasks by ExecutionState (JobDetails, lower-case names plus total). */
    ck_assert_int_eq(jobs.items[0].tasks_total, 4);
    ck_assert_int_eq(jobs.items[0].tasks_running, 4);
    ck_assert_int_eq(jobs.items[1].tasks_finished, 2);
    ck_assert_int_eq(jobs.items[2].tasks_running, 0);
    const fo_flink_job *j = fo_flink_rest_jobs_find(&jobs, "0123456789abcdef0123456789abcdef");
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(j->name, "Nightly Batch");
    ck_assert_ptr_null(fo_flink_rest_jobs_find(&jobs, "00000000000000000000000000000000"));
    fo_flink_rest_jobs_release(&jobs);
    json_decref(v);
}
END_TEST

START_TEST(a_malformed_job_id_is_a_protocol_error_naming_the_entry)
{
    json_t *v = fixture("flink-jobs-overview-bad-id.json");
    fo_flink_jobs jobs;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_jobs(v, &jobs, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "jobs[1].jid: 'not-a-job-id' is not a 32-hex id");
    ck_assert_uint_eq(jobs.count, 0);
    ck_assert_ptr_null(jobs.items);
    json_decref(v);
}
END_TEST

START_TEST(an_unknown_state_is_kept_by_name_not_refused)
{
    json_t *v = json_pack("{s:[{s:s, s:s}]}", "jobs", "jid", "a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b",
                          "state", "HIBERNATING");
    fo_flink_jobs jobs;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_jobs(v, &jobs, &err), FO_OK);
    ck_assert_int_eq(jobs.items[0].state, FO_JOB_STATUS_UNKNOWN);
    ck_assert_str_eq(jobs.items[0].state_name, "HIBERNATING");
    ck_assert_str_eq(jobs.items[0].name, "");
    ck_assert_int_eq(jobs.items[0].tasks_total, -1); /* no "tasks" */
    fo_flink_rest_jobs_release(&jobs);
    json_decref(v);
    ck_assert_str_eq(fo_flink_job_status_name(FO_JOB_STATUS_CANCELLING), "CANCELLING");
    ck_assert_int_eq(fo_flink_job_status_parse("CANCELED"), FO_JOB_STATUS_CANCELED);
}
END_TEST

START_TEST(job_details_give_parallelism_and_state_timestamps)
{
    json_t *v = spec_fixture("flink-job-details.json", "/jobs/{jobid}", "get", "200");
    fo_flink_job_details d;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_job_details(v, &d, &err), FO_OK);
    ck_assert_str_eq(d.job.id, "a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b");
    ck_assert_int_eq(d.job.state, FO_JOB_STATUS_RUNNING);
    ck_assert_int_eq(d.parallelism, 4);
    ck_assert_int_eq(d.now_ms, 1700000061000LL);
    ck_assert_int_eq(d.state_since_ms[FO_JOB_STATUS_RUNNING], 1700000000400LL);
    ck_assert_int_eq(d.state_since_ms[FO_JOB_STATUS_FAILED], 0);
    fo_flink_rest_job_details_release(&d);
    json_decref(v);
}
END_TEST

START_TEST(execution_result_of_a_failed_job_gives_the_cause)
{
    json_t *v = spec_fixture("flink-execution-result-failed.json", "/jobs/{jobid}/execution-result",
                             "get", "200");
    fo_flink_execution_result r;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_execution_result(v, &r, &err), FO_OK);
    ck_assert(r.completed);
    ck_assert_str_eq(r.application_status, "FAILED");
    ck_assert_int_eq(r.net_runtime_ms, 5230);
    ck_assert_str_eq(r.failure.class_name, "org.apache.flink.runtime.JobException");
    ck_assert_str_eq(r.failure.message, "org.apache.flink.runtime.JobException: Recovery is "
                                        "suppressed by NoRestartBackoffTimeStrategy");
    ck_assert_ptr_nonnull(strstr(r.failure.stack_trace, "/ by zero"));
    fo_flink_rest_execution_result_release(&r);
    json_decref(v);

    v = spec_fixture("flink-execution-result-running.json", "/jobs/{jobid}/execution-result", "get",
                     "200");
    ck_assert_int_eq(fo_flink_rest_decode_execution_result(v, &r, &err), FO_OK);
    ck_assert(!r.completed);
    ck_assert_ptr_null(r.failure.class_name);
    fo_flink_rest_execution_result_release(&r);
    json_decref(v);
}
END_TEST

START_TEST(exceptions_come_newest_first_with_truncation)
{
    json_t *v = spec_fixture("flink-exceptions.json", "/jobs/{jobid}/exceptions", "get", "200");
    fo_flink_exceptions e;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_exceptions(v, &e, &err), FO_OK);
    ck_assert_uint_eq(e.count, 2);
    ck_assert(e.truncated);
    ck_assert_str_eq(e.items[0].name, "java.lang.ArithmeticException");
    ck_assert_str_eq(e.items[0].task_name, "Map (2/2)#1");
    ck_assert_str_eq(e.items[0].endpoint, "10.0.1.8:6121");
    ck_assert_int_eq(e.items[1].timestamp_ms, 1700000003000LL);
    fo_flink_rest_exceptions_release(&e);
    json_decref(v);
}
END_TEST

START_TEST(savepoint_status_in_progress_completed_and_failed)
{
    fo_flink_operation op;
    fo_err err = {0};
    /* Flink writes "operation": null while in progress (outside the schema). */
    json_t *v = fixture("flink-savepoint-status-in-progress-null-operation.json");
    ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_OK);
    ck_assert(!op.completed);
    ck_assert_ptr_null(op.location);
    fo_flink_rest_operation_release(&op);
    json_decref(v);

    v = spec_fixture("flink-savepoint-status-completed.json",
                     "/jobs/{jobid}/savepoints/{triggerid}", "get", "200");
    ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_str_eq(op.location, "s3://flink/savepoints/savepoint-a7f3c2-8d1e2f3a4b5c");
    ck_assert_ptr_null(op.failure.class_name);
    fo_flink_rest_operation_release(&op);
    json_decref(v);

    v = spec_fixture("flink-savepoint-status-failed.json", "/jobs/{jobid}/savepoints/{triggerid}",
                     "get", "200");
    ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_OK);
    ck_assert(op.completed);
    ck_assert_ptr_null(op.location);
    ck_assert_str_eq(op.failure.class_name, "java.util.concurrent.CompletionException");
    /* the CompletionException wrapper is peeled off the one-line message */
    ck_assert_str_eq(op.failure.message, "org.apache.flink.runtime.checkpoint.CheckpointException: "
                                         "Checkpoint expired before completing.");
    fo_flink_rest_operation_release(&op);
    json_decref(v);
}
END_TEST

START_TEST(checkpoint_status_gives_the_id_or_the_failure)
{
    fo_flink_operation op;
    fo_err err = {0};
    json_t *v = spec_fixture("flink-checkpoint-status-completed.json",
                             "/jobs/{jobid}/checkpoints/{triggerid}", "get", "200");
    ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_OK);
    ck_assert_int_eq(op.checkpoint_id, 42);
    fo_flink_rest_operation_release(&op);
    json_decref(v);
    v = spec_fixture("flink-checkpoint-status-failed.json", "/jobs/{jobid}/checkpoints/{triggerid}",
                     "get", "200");
    ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_OK);
    ck_assert_int_eq(op.checkpoint_id, -1);
    ck_assert_ptr_nonnull(op.failure.class_name);
    fo_flink_rest_operation_release(&op);
    json_decref(v);
}
END_TEST

START_TEST(checkpoint_statistics_give_latest_paths_and_the_restore_source)
{
    json_t *v = spec_fixture("flink-checkpoints.json", "/jobs/{jobid}/checkpoints", "get", "200");
    fo_flink_checkpoint_stats s;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &s, &err), FO_OK);
    ck_assert(s.enabled);
    ck_assert_int_eq(s.completed, 7);
    ck_assert_int_eq(s.in_progress, 1);
    ck_assert_int_eq(s.latest_completed.id, 8);
    ck_assert_str_eq(s.latest_completed.external_path,
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    ck_assert(!s.latest_completed.savepoint);
    ck_assert_str_eq(s.latest_savepoint.type, "SAVEPOINT");
    ck_assert_str_eq(s.latest_savepoint.external_path,
                     "s3://flink/savepoints/savepoint-a7f3c2-0a1b2c3d4e5f");
    ck_assert_str_eq(s.latest_failed.status, "FAILED");
    ck_assert_str_eq(s.latest_failed.failure_message, "Checkpoint expired before completing.");
    ck_assert_int_eq(s.restored_from.id, 5);
    ck_assert(s.restored_from.savepoint);
    ck_assert_str_eq(s.restored_from.external_path,
                     "s3://flink/savepoints/savepoint-a7f3c2-ffeeddccbbaa");
    fo_flink_rest_checkpoint_stats_release(&s);
    json_decref(v);
}
END_TEST

START_TEST(checkpoint_statistics_with_null_latest_members_mean_none_yet)
{
    json_t *v = fixture("flink-checkpoints-nothing-yet-nulls.json");
    fo_flink_checkpoint_stats s;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &s, &err), FO_OK);
    ck_assert_int_eq(s.latest_completed.id, -1);
    ck_assert_ptr_null(s.latest_completed.external_path);
    ck_assert_int_eq(s.latest_savepoint.id, -1);
    ck_assert_int_eq(s.restored_from.id, -1);
    fo_flink_rest_checkpoint_stats_release(&s);
    json_decref(v);
}
END_TEST

START_TEST(checkpoint_details_give_the_external_path)
{
    json_t *v = spec_fixture("flink-checkpoint-details.json",
                             "/jobs/{jobid}/checkpoints/details/{checkpointid}", "get", "200");
    fo_flink_checkpoint c;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint(v, &c, &err), FO_OK);
    ck_assert_int_eq(c.id, 8);
    ck_assert_str_eq(c.status, "COMPLETED");
    ck_assert_int_eq(c.duration_ms, 120);
    ck_assert_str_eq(c.external_path,
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    fo_flink_rest_checkpoint_release(&c);
    json_decref(v);
}
END_TEST

/* GET /jobs/:id/checkpoints/config as Flink 1.20 and 2.x write it. CheckpointConfigInfo's
 * ProcessingModeSerializer writes the mode in lower case ("exactly_once") where the generated
 * spec lists the enum constants, so the fixture is checked against each spec without it (the
 * decoder does not read it). The retention comes from ExternalizedCheckpointInfo as
 * CheckpointConfigHandler fills it from the job's CheckpointRetentionPolicy. */
START_TEST(checkpoint_config_gives_the_retention_the_job_runs_with)
{
    static const char *const specs[] = {"rest_v1_dispatcher-1.20.yml", "rest_v1_dispatcher-2.0.yml",
                                        "rest_v1_dispatcher-2.1_2.2.yml"};
    json_t *v = fixture("flink-checkpoint-config.json");
    ck_assert_str_eq(fo_json_str(v, "mode"), "exactly_once");
    json_t *no_mode = json_deep_copy(v);
    json_object_del(no_mode, "mode");
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        fo_err err = {0};
        json_t *sp = fo_openapi_load_flink_spec(specs[i], &err);
        ck_assert_msg(sp, "%s", err.message);
        const json_t *schema = fo_openapi_response_schema(sp, "/jobs/{jobid}/checkpoints/config",
                                                          "get", "200", &err);
        ck_assert_msg(schema, "%s: %s", specs[i], err.message);
        ck_assert_msg(fo_openapi_validate(sp, schema, no_mode, &err) == FO_OK, "%s: %s",
                      specs[i], err.message);
        json_decref(sp);
    }
    json_decref(no_mode);

    fo_flink_checkpoint_config c;
    fo_err err = {0};
    /* RETAIN_ON_FAILURE: the configuration's DELETE_ON_CANCELLATION. */
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_OK);
    ck_assert(c.enabled);
    ck_assert_int_eq(c.interval_ms, 60000);
    ck_assert(c.externalized);
    ck_assert(c.delete_on_cancellation);
    ck_assert_str_eq(c.retention, "DELETE_ON_CANCELLATION");
    json_t *ext = json_object_get(v, "externalization");
    json_object_set_new(ext, "delete_on_cancellation", json_false());
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_OK);
    ck_assert_str_eq(c.retention, "RETAIN_ON_CANCELLATION");
    /* NEVER_RETAIN_AFTER_TERMINATION: not enabled, and Flink says delete_on_cancellation. */
    json_object_set_new(ext, "enabled", json_false());
    json_object_set_new(ext, "delete_on_cancellation", json_true());
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_OK);
    ck_assert(!c.externalized);
    ck_assert_str_eq(c.retention, "NO_EXTERNALIZED_CHECKPOINTS");
    /* Periodic checkpoints off (Flink 1.20+ keeps a coordinator: Long.MAX_VALUE). */
    json_object_set_new(v, "interval", json_integer(INT64_MAX));
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_OK);
    ck_assert_int_eq(c.interval_ms, INT64_MAX);

    /* Without the two booleans nothing says what became of the checkpoints. */
    json_object_del(ext, "enabled");
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message,
                     "checkpoint_config.externalization.enabled: missing or not a boolean");
    ck_assert_ptr_null(c.retention);
    json_object_set_new(ext, "enabled", json_true());
    json_object_set_new(ext, "delete_on_cancellation", json_string("false"));
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "checkpoint_config.externalization.delete_on_cancellation: "
                                  "missing or not a boolean");
    json_object_set_new(v, "externalization", json_null());
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "checkpoint_config.externalization: missing");
    json_object_set_new(v, "externalization", json_array());
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "checkpoint_config.externalization: expected an object");
    json_decref(v);
    v = json_array();
    ck_assert_int_eq(fo_flink_rest_decode_checkpoint_config(v, &c, &err), FO_EPROTO);
    ck_assert_str_eq(err.message, "checkpoint_config: expected a JSON object");
    json_decref(v);
}
END_TEST

START_TEST(metrics_decode_from_flinks_bare_array_and_the_specs_object)
{
    json_t *v = fixture("flink-metrics.json");
    fo_flink_metrics m;
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_metrics(v, &m, &err), FO_OK);
    ck_assert_str_eq(fo_flink_rest_metrics_get(&m, "numRestarts"), "3");
    ck_assert_str_eq(fo_flink_rest_metrics_get(&m, "numberOfCompletedCheckpoints"), "17");
    ck_assert_ptr_null(fo_flink_rest_metrics_get(&m, "uptime"));
    fo_flink_rest_metrics_release(&m);
    json_t *wrapped = json_pack("{s:O}", "metrics", v);
    ck_assert_int_eq(fo_flink_rest_decode_metrics(wrapped, &m, &err), FO_OK);
    ck_assert_uint_eq(m.count, 2);
    fo_flink_rest_metrics_release(&m);
    json_decref(wrapped);
    json_decref(v);
}
END_TEST

START_TEST(trigger_upload_and_run_answers_give_their_ids)
{
    fo_err err = {0};
    char id[33];
    json_t *v = spec_fixture("flink-trigger.json", "/jobs/{jobid}/savepoints", "post", "202");
    ck_assert_int_eq(fo_flink_rest_decode_trigger(v, id, &err), FO_OK);
    ck_assert_str_eq(id, "9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f");
    json_decref(v);
    v = spec_fixture("flink-jar-upload.json", "/jars/upload", "post", "200");
    char *jar = NULL;
    ck_assert_int_eq(fo_flink_rest_decode_jar_upload(v, &jar, &err), FO_OK);
    ck_assert_str_eq(jar, "7b3e4b1c-1f2d-4a5b-9c8d-0e1f2a3b4c5d_wordcount.jar");
    free(jar);
    json_decref(v);
    v = spec_fixture("flink-jar-run.json", "/jars/{jarid}/run", "post", "200");
    ck_assert_int_eq(fo_flink_rest_decode_jar_run(v, id, &err), FO_OK);
    ck_assert_str_eq(id, "0123456789abcdef0123456789abcdef");
    json_decref(v);
    v = json_pack("{s:s}", "request-id", "123");
    ck_assert_int_eq(fo_flink_rest_decode_trigger(v, id, &err), FO_EPROTO);
    ck_assert_str_eq(id, "");
    json_decref(v);
}
END_TEST

START_TEST(error_bodies_map_to_result_codes_with_flinks_messages)
{
    size_t len = 0;
    char *body = fo_test_read_data("flink-error-job-not-found.json", &len);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_error(404, body, len, &err), FO_ENOTFOUND);
    ck_assert_int_eq(err.http_status, 404);
    /* first line of each error, joined */
    ck_assert_str_eq(err.message,
                     "HTTP 404: org.apache.flink.runtime.rest.handler.RestHandlerException: Job "
                     "a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7c not found; "
                     "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find "
                     "Flink job (a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7c)");
    free(body);
    static const struct {
        int status;
        const char *body;
        fo_rc rc;
    } cases[] = {
        {400, "{\"errors\":[\"Request did not match expected format X.\"]}", FO_EINVAL},
        {409, "{\"errors\":[\"Job cancellation failed\"]}", FO_ECONFLICT},
        {503, "{\"errors\":[\"fake-flink: no cluster ns/x\"]}", FO_EUNAVAIL},
        {502, "<html>bad gateway</html>", FO_EUNAVAIL},
        {504, NULL, FO_ETIMEOUT},
        {500, "{\"errors\":[\"Internal server error.\"]}", FO_EPROTO},
        {500,
         "{\"errors\":[\"org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has "
         "already been submitted.\"]}",
         FO_EEXISTS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *b = cases[i].body;
        ck_assert_int_eq(fo_flink_rest_decode_error(cases[i].status, b, b ? strlen(b) : 0, &err),
                         cases[i].rc);
        ck_assert(fo_flink_rest_unreachable(cases[i].rc) ==
                  (cases[i].status == 503 || cases[i].status == 502 || cases[i].status == 504));
    }
    ck_assert_str_eq(err.message, "HTTP 500: org.apache.flink.runtime.client."
                                  "DuplicateJobSubmissionException: Job has already been "
                                  "submitted.");
}
END_TEST

/* A Flink error whose first line does not fit in a message is cut, not replaced by the raw
 * body: the message still says what Flink said, in whole UTF-8 characters. */
START_TEST(an_error_line_too_long_for_the_message_is_cut_not_dropped)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "{\"errors\":[\"org.apache.flink.client.program."
                        "ProgramInvocationException: The main method caused an error: ");
    for (int i = 0; i < 2000; i++)
        fo_strbuf_puts(&sb, "\u00e9"); /* 2 bytes each in UTF-8 */
    fo_strbuf_puts(&sb, "\\n\\tat Main.main(Main.java:1)\"]}");
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_decode_error(400, sb.data, sb.len, &err), FO_EINVAL);
    ck_assert_msg(strncmp(err.message,
                          "HTTP 400: org.apache.flink.client.program.ProgramInvocationException: "
                          "The main method caused an error: \xc3\xa9",
                          105) == 0,
                  "%.120s", err.message);
    json_t *as_json = json_string(err.message);
    ck_assert_msg(as_json != NULL, "the message is not valid UTF-8");
    json_decref(as_json);
    ck_assert_int_gt(strlen(err.message), FO_ERR_MSG_MAX - 3);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(wrong_shapes_are_protocol_errors_not_crashes)
{
    const char *docs[] = {"[]",
                          "\"x\"",
                          "null",
                          "{\"jobs\": 3}",
                          "{\"status\": {}}",
                          "{\"status\": {\"id\": \"MAYBE\"}}",
                          "{\"latest\": {\"completed\": 5}}",
                          "{\"jobs\": [7]}"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        fo_err err = {0};
        fo_flink_jobs jobs;
        fo_flink_operation op;
        fo_flink_checkpoint_stats st;
        fo_flink_execution_result r;
        fo_flink_config c;
        ck_assert_int_eq(fo_flink_rest_decode_jobs(v, &jobs, &err), FO_EPROTO);
        ck_assert_int_eq(fo_flink_rest_decode_operation(v, &op, &err), FO_EPROTO);
        ck_assert_int_eq(fo_flink_rest_decode_execution_result(v, &r, &err), FO_EPROTO);
        ck_assert_int_eq(fo_flink_rest_decode_config(v, &c, &err), FO_EPROTO);
        if (json_is_object(v) && !json_object_get(v, "latest")) {
            /* statistics have no required member: an object without "latest" is empty */
            ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &st, &err), FO_OK);
            fo_flink_rest_checkpoint_stats_release(&st);
        } else {
            ck_assert_int_eq(fo_flink_rest_decode_checkpoints(v, &st, &err), FO_EPROTO);
        }
        ck_assert(err.message[0]);
        json_decref(v);
    }
}
END_TEST

/* Callers that do not want the text pass err = NULL: the result code must not change. */
/* Whatever answers on a JobManager's REST port may write any number: one past a field's range
 * is held at the range's end, never converted out of range (undefined for a real: a sanitized
 * build aborts) nor wrapped (2^32 + 1 task managers are not 1, two of 2^31 - 1 slots are not
 * -2). */
START_TEST(numbers_past_a_fields_range_are_held_at_its_end)
{
    fo_err err = {0};
    json_t *v = json_loads("{\"jid\":\"0123456789abcdef0123456789abcdef\",\"state\":\"RUNNING\","
                           "\"now\":1e300,\"start-time\":-1.5e301,\"maxParallelism\":9.3e18,"
                           "\"vertices\":[{\"parallelism\":1e10},{\"parallelism\":3}]}",
                           0, NULL);
    fo_flink_job_details d;
    ck_assert_int_eq(fo_flink_rest_decode_job_details(v, &d, &err), FO_OK);
    ck_assert_int_eq(d.now_ms, INT64_MAX);
    ck_assert_int_eq(d.job.start_time_ms, INT64_MIN);
    ck_assert_int_eq(d.max_parallelism, INT64_MAX);
    ck_assert_int_eq(d.parallelism, INT_MAX);
    fo_flink_rest_job_details_release(&d);
    json_decref(v);

    v = json_loads("{\"taskmanagers\":4294967297,\"slots-total\":-4294967297}", 0, NULL);
    fo_flink_overview o;
    ck_assert_int_eq(fo_flink_rest_decode_overview(v, &o, &err), FO_OK);
    ck_assert_int_eq(o.taskmanagers, INT_MAX);
    ck_assert_int_eq(o.slots_total, INT_MIN);
    fo_flink_rest_overview_release(&o);
    json_decref(v);

    v = json_loads("{\"taskmanagers\":[{\"slotsNumber\":2147483647,\"freeSlots\":1},"
                   "{\"slotsNumber\":2147483647,\"freeSlots\":2}]}",
                   0, NULL);
    fo_flink_taskmanagers t;
    ck_assert_int_eq(fo_flink_rest_decode_taskmanagers(v, &t, &err), FO_OK);
    ck_assert_int_eq(t.count, 2);
    ck_assert_int_eq(t.slots_total, INT_MAX);
    ck_assert_int_eq(t.slots_free, 3);
    json_decref(v);
}
END_TEST

START_TEST(a_nested_decoding_error_keeps_its_code_without_an_err)
{
    json_t *result = json_loads("{\"status\": {\"id\": \"COMPLETED\"}, \"job-execution-result\": "
                                "{\"id\": \"x\", \"failure-cause\": 7}}",
                                0, NULL);
    json_t *op = json_loads(
        "{\"status\": {\"id\": \"COMPLETED\"}, \"operation\": {\"failure-cause\": [1]}}", 0, NULL);
    json_t *stats = json_loads("{\"latest\": {\"savepoint\": {\"id\": \"one\"}}}", 0, NULL);
    ck_assert_ptr_nonnull(result);
    ck_assert_ptr_nonnull(op);
    ck_assert_ptr_nonnull(stats);
    fo_flink_execution_result r;
    fo_flink_operation o;
    fo_flink_checkpoint_stats st;
    ck_assert_int_eq(fo_flink_rest_decode_execution_result(result, &r, NULL), FO_EPROTO);
    ck_assert_int_eq(fo_flink_rest_decode_operation(op, &o, NULL), FO_EPROTO);
    ck_assert_int_eq(fo_flink_rest_decode_checkpoints(stats, &st, NULL), FO_EPROTO);
    json_decref(result);
    json_decref(op);
    json_decref(stats);
}
END_TEST

START_TEST(address_templates_are_filled_with_namespace_and_name)
{
    char url[128];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}-rest.{namespace}:8081", "prod", "orders",
                                            8081, url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "http://orders-rest.prod:8081");
    ck_assert_int_eq(fo_flink_rest_base_url("http://127.0.0.1:9/{namespace}/{name}", "a", "b", 8081,
                                            url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "http://127.0.0.1:9/a/b");
    /* Paths are appended to the base: a template's trailing '/' is dropped. */
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}-rest.{namespace}.svc:8081/", "ns1",
                                            "app", 8081, url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "http://app-rest.ns1.svc:8081");
    ck_assert_int_eq(
        fo_flink_rest_base_url("http://{cluster}:8081", "a", "b", 8081, url, sizeof url, &err),
        FO_EINVAL);
    ck_assert_int_eq(fo_flink_rest_base_url("{name}:8081", "a", "b", 8081, url, sizeof url, &err),
                     FO_EINVAL);
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}", "a", "b", 8081, url, 8, &err),
                     FO_ELIMIT);
}
END_TEST

/* The cluster's REST Service listens on its rest.port (Flink's ExternalServiceDecorator), which
 * is what "{port}" stands for; a template naming its own port (a proxy, the sandbox's fake)
 * keeps it whatever the cluster's port. */
START_TEST(address_templates_fill_the_port_where_asked_and_keep_a_written_one)
{
    char url[128];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}-rest.{namespace}.svc:{port}", "prod",
                                            "orders", 8082, url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "http://orders-rest.prod.svc:8082");
    ck_assert_int_eq(fo_flink_rest_base_url("https://{name}.example.com:{port}/{namespace}/{port}/",
                                            "ns1", "app", 65535, url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "https://app.example.com:65535/ns1/65535");
    /* A written port stays, and the cluster's port is not checked since it is not used. */
    ck_assert_int_eq(fo_flink_rest_base_url("http://127.0.0.1:9/{namespace}/{name}", "a", "b", 0,
                                            url, sizeof url, &err),
                     FO_OK);
    ck_assert_str_eq(url, "http://127.0.0.1:9/a/b");
    /* "{port}" with no port to put there is refused, naming the port. */
    int bad[] = {0, -1, 65536};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fo_err_clear(&err);
        ck_assert_int_eq(fo_flink_rest_base_url("http://{name}-rest.{namespace}.svc:{port}", "a",
                                                "b", bad[i], url, sizeof url, &err),
                         FO_EINVAL);
        ck_assert_msg(strstr(err.message, "port"), "%s", err.message);
    }
    /* A placeholder written differently is no placeholder. */
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}:{PORT}", "a", "b", 8081, url,
                                            sizeof url, &err),
                     FO_EINVAL);
    ck_assert_int_eq(fo_flink_rest_base_url("http://{name}-rest.{namespace}.svc:{port}", "ns",
                                            "n", 8081, url, 20, &err),
                     FO_ELIMIT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flink_rest_decode");
    TCase *tc = tcase_create("decode");
    tcase_add_unchecked_fixture(tc, load_spec, unload_spec);
    tcase_add_test(tc, config_gives_version_and_revision);
    tcase_add_test(tc, overview_and_taskmanagers_give_slot_counts);
    tcase_add_test(tc, jobs_overview_gives_ids_names_states_and_times);
    tcase_add_test(tc, a_malformed_job_id_is_a_protocol_error_naming_the_entry);
    tcase_add_test(tc, an_unknown_state_is_kept_by_name_not_refused);
    tcase_add_test(tc, job_details_give_parallelism_and_state_timestamps);
    tcase_add_test(tc, execution_result_of_a_failed_job_gives_the_cause);
    tcase_add_test(tc, exceptions_come_newest_first_with_truncation);
    tcase_add_test(tc, savepoint_status_in_progress_completed_and_failed);
    tcase_add_test(tc, checkpoint_status_gives_the_id_or_the_failure);
    tcase_add_test(tc, checkpoint_statistics_give_latest_paths_and_the_restore_source);
    tcase_add_test(tc, checkpoint_statistics_with_null_latest_members_mean_none_yet);
    tcase_add_test(tc, checkpoint_details_give_the_external_path);
    tcase_add_test(tc, checkpoint_config_gives_the_retention_the_job_runs_with);
    tcase_add_test(tc, metrics_decode_from_flinks_bare_array_and_the_specs_object);
    tcase_add_test(tc, trigger_upload_and_run_answers_give_their_ids);
    tcase_add_test(tc, error_bodies_map_to_result_codes_with_flinks_messages);
    tcase_add_test(tc, wrong_shapes_are_protocol_errors_not_crashes);
    tcase_add_test(tc, a_nested_decoding_error_keeps_its_code_without_an_err);
    tcase_add_test(tc, numbers_past_a_fields_range_are_held_at_its_end);
    tcase_add_test(tc, an_error_line_too_long_for_the_message_is_cut_not_dropped);
    tcase_add_test(tc, address_templates_are_filled_with_namespace_and_name);
    tcase_add_test(tc, address_templates_fill_the_port_where_asked_and_keep_a_written_one);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
