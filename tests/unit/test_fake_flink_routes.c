/* REST routing of the fake Flink server without sockets (tests/fakes/flink/fake_flink_rest.c):
 * Flink's answers for unknown routes, unparsable ids and bodies that do not match their type,
 * the v1 prefix, cancel, and jar upload (multipart), run and delete. Expected messages are
 * Flink's (RouterHandler "Not found: <uri>", HandlerRequest, the strict request mapper,
 * JarUploadHandler). */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/flink/fake_flink_int.h"
#include "tests/fakes/flink/flink_sim.h"
#include "tests/fakes/flink/openapi_check.h"

#define T0 1700000000000LL

static fo_flink_sim *sim_from(const char *spec_text)
{
    fo_err err = {0};
    json_t *spec = spec_text ? fo_json_parse(spec_text, strlen(spec_text), 0, &err) : NULL;
    ck_assert_msg(!spec_text || spec, "bad test spec: %s", err.message);
    fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 42, NULL, &err);
    ck_assert_msg(sim, "sim: %s", err.message);
    json_decref(spec);
    return sim;
}

static bool matches(const char *s, const char *pattern)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = s && regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static const char *APP = "{\"savepointDir\": \"s3://b/sp\","
                         " \"job\": {\"jobId\": \"0000000000000000000000000000a001\"}}";

static int rest(fo_flink_sim *sim, const char *method, const char *path, const char *body,
                json_t **out)
{
    ff_request req = {.method = method,
                      .path = path,
                      .body = body ? body : "",
                      .body_len = body ? strlen(body) : 0,
                      .content_type = "application/json"};
    ff_response resp = {0};
    ff_rest_handle(sim, &req, &resp);
    if (out)
        *out = resp.body;
    else
        json_decref(resp.body);
    return resp.status;
}

static const char *first_error(const json_t *v)
{
    return json_string_value(json_array_get(json_object_get(v, "errors"), 0));
}

START_TEST(rest_routes_answer_like_flink_for_unknown_routes_ids_and_bodies)
{
    fo_flink_sim *sim = sim_from(APP);
    const char *jid = "0000000000000000000000000000a001";
    char path[128];
    json_t *v = NULL;
    ck_assert_int_eq(rest(sim, "GET", "/nothing/here", NULL, &v), 404);
    ck_assert_str_eq(first_error(v), "Not found: /nothing/here");
    json_decref(v);
    ck_assert_int_eq(rest(sim, "GET", "/jobs/0123", NULL, &v), 400);
    ck_assert_str_eq(first_error(v), "Bad request, could not parse parameters: Cannot resolve "
                                     "path parameter (jobid) from value \"0123\".");
    json_decref(v);
    snprintf(path, sizeof path, "/jobs/%s/savepoints", jid);
    ck_assert_int_eq(rest(sim, "POST", path, "{\"target-dir\": \"x\"}", &v), 400);
    ck_assert_str_eq(first_error(v),
                     "Request did not match expected format SavepointTriggerRequestBody.");
    json_decref(v);
    ck_assert_int_eq(rest(sim, "POST", path, "{\"formatType\": \"FANCY\"}", NULL), 400);
    ck_assert_int_eq(rest(sim, "POST", path, "", &v), 202);
    ck_assert(fo_flink_sim_is_id(fo_json_str(v, "request-id")));
    json_decref(v);
    snprintf(path, sizeof path, "/v1/jobs/%s", jid);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, NULL), 200);
    snprintf(path, sizeof path, "/jobs/%s", jid);
    ck_assert_int_eq(rest(sim, "PATCH", path, NULL, &v), 202);
    ck_assert_int_eq(json_object_size(v), 0);
    json_decref(v);
    fo_flink_sim_free(sim);
}
END_TEST

/* rest_v1_dispatcher triggerCheckpoint / getCheckpointStatus: CheckpointTriggerRequestBody
 * {checkpointType CONFIGURED|FULL|INCREMENTAL, triggerId}, 202 TriggerResponse; a triggerId
 * Flink already has names the same operation (no second checkpoint); a cluster before 1.17 has
 * neither route (FLINK-27101), its statistics stay. */
START_TEST(checkpoint_trigger_routes_follow_the_spec_and_exist_from_flink_1_17)
{
    const char *jid = "0000000000000000000000000000a001";
    const char *tid = "00000000000000000000000000c0ffee";
    char path[160], body[160];
#define CKPT_APP(version)                                                                         \
    "{" version "\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","           \
    " \"timings\": {\"initializingMs\": 100, \"createdMs\": 100, \"checkpointMs\": 50},"       \
    " \"job\": {\"jobId\": \"0000000000000000000000000000a001\"}}"
    fo_flink_sim *sim = sim_from(CKPT_APP(""));
    fo_flink_sim_advance(sim, T0 + 300); /* RUNNING, before its first periodic checkpoint */
    json_t *v = NULL;
    snprintf(path, sizeof path, "/jobs/%s/checkpoints", jid);
    snprintf(body, sizeof body, "{\"checkpointType\": \"FULL\", \"triggerId\": \"%s\"}", tid);
    ck_assert_int_eq(rest(sim, "POST", path, body, &v), 202);
    ck_assert_str_eq(fo_json_str(v, "request-id"), tid);
    json_decref(v);
    ck_assert_int_eq(rest(sim, "POST", path, body, &v), 202);
    ck_assert_str_eq(fo_json_str(v, "request-id"), tid);
    json_decref(v);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, &v), 200);
    int64_t total = -1;
    ck_assert(fo_json_get_int(v, "counts.total", &total));
    ck_assert_int_eq(total, 1);
    json_decref(v);
    ck_assert_int_eq(rest(sim, "POST", path, "{\"checkpointType\": \"SAVEPOINT\"}", &v), 400);
    ck_assert_str_eq(first_error(v),
                     "Request did not match expected format CheckpointTriggerRequestBody.");
    json_decref(v);
    fo_flink_sim_advance(sim, T0 + 400);
    snprintf(path, sizeof path, "/jobs/%s/checkpoints/%s", jid, tid);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, &v), 200);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "COMPLETED");
    ck_assert(fo_json_get_int(v, "operation.checkpointId", &total));
    json_decref(v);
    fo_flink_sim_free(sim);

    sim = sim_from(CKPT_APP("\"flinkVersion\": \"1.16.3\", "));
    fo_flink_sim_advance(sim, T0 + 300);
    snprintf(path, sizeof path, "/jobs/%s/checkpoints", jid);
    ck_assert_int_eq(rest(sim, "POST", path, body, &v), 404);
    char want[200];
    snprintf(want, sizeof want, "Not found: %s", path);
    ck_assert_str_eq(first_error(v), want);
    json_decref(v);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, NULL), 200);
    snprintf(path, sizeof path, "/jobs/%s/checkpoints/%s", jid, tid);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, NULL), 404);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(jar_upload_run_and_delete_make_a_session_job)
{
    fo_flink_sim *sim = sim_from("{\"flinkVersion\": \"2.0.0\", \"taskManagers\": 2}");
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"jarfile\"; "
                               "filename=\"/tmp/job.jar\"\r\n"
                               "Content-Type: application/x-java-archive\r\n\r\n"
                               "PK\003\004jar-bytes\r\n"
                               "--XyZ--\r\n";
    ff_request req = {.method = "POST",
                      .path = "/jars/upload",
                      .body = body,
                      .body_len = sizeof body - 1,
                      .content_type = "multipart/form-data; boundary=XyZ"};
    ff_response resp = {0};
    ff_rest_handle(sim, &req, &resp);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_str_eq(fo_json_str(resp.body, "status"), "success");
    const char *filename = fo_json_str(resp.body, "filename");
    ck_assert(matches(filename, "/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                                "_job\\.jar$"));
    char jar_id[256], path[400];
    snprintf(jar_id, sizeof jar_id, "%s", strrchr(filename, '/') + 1);
    json_decref(resp.body);

    json_t *v = NULL;
    snprintf(path, sizeof path, "/jars/%s/run", jar_id);
    /* 2.x has no programArgs string any more */
    ck_assert_int_eq(rest(sim, "POST", path, "{\"programArgs\": \"--a b\"}", NULL), 400);
    ck_assert_int_eq(rest(sim, "POST", path,
                          "{\"entryClass\": \"org.example.S\", \"programArgsList\": [\"--a\"],"
                          " \"parallelism\": 2, \"jobId\": \"0000000000000000000000000000beef\","
                          " \"savepointPath\": \"s3://x/savepoint-000000-bbbbbbbbbbbb\","
                          " \"allowNonRestoredState\": true}",
                          &v),
                     200);
    ck_assert_str_eq(fo_json_str(v, "jobid"), "0000000000000000000000000000beef");
    json_decref(v);
    json_t *view = fo_flink_sim_json_control(sim);
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "submission.entryClass"), "org.example.S");
    ck_assert_str_eq(fo_json_get_str(job, "submission.jarId"), jar_id);
    ck_assert_str_eq(fo_json_get_str(job, "submission.restorePath"),
                     "s3://x/savepoint-000000-bbbbbbbbbbbb");
    json_decref(view);

    ck_assert_int_eq(rest(sim, "GET", "/jars", NULL, &v), 200);
    ck_assert_int_eq(json_array_size(json_object_get(v, "files")), 1);
    json_decref(v);
    snprintf(path, sizeof path, "/jars/%s", jar_id);
    ck_assert_int_eq(rest(sim, "DELETE", path, NULL, NULL), 200);
    ck_assert_int_eq(rest(sim, "DELETE", path, NULL, NULL), 400);
    snprintf(path, sizeof path, "/jars/%s/run", jar_id);
    ck_assert_int_eq(rest(sim, "POST", path, "{}", NULL), 400);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(uploads_that_are_not_one_jar_are_refused)
{
    fo_flink_sim *sim = sim_from(NULL);
    static const char body[] = "--b\r\nContent-Disposition: form-data; name=\"jarfile\"; "
                               "filename=\"notes.txt\"\r\n\r\nhi\r\n--b--\r\n";
    ff_request req = {.method = "POST",
                      .path = "/jars/upload",
                      .body = body,
                      .body_len = sizeof body - 1,
                      .content_type = "multipart/form-data; boundary=b"};
    ff_response resp = {0};
    ff_rest_handle(sim, &req, &resp);
    ck_assert_int_eq(resp.status, 400);
    ck_assert_str_eq(first_error(resp.body), "Only Jar files are allowed.");
    json_decref(resp.body);
    req.content_type = "application/json";
    ff_rest_handle(sim, &req, &resp);
    ck_assert_int_eq(resp.status, 400);
    json_decref(resp.body);
    fo_flink_sim_free(sim);
}
END_TEST

/* The answer v of `method path` (the spec's path template) is of the spec's schema. */
static void of_schema(const json_t *spec, const char *tmpl, const char *method, const json_t *v)
{
    fo_err err = {0};
    const json_t *schema = fo_openapi_response_schema(spec, tmpl, method, "200", &err);
    ck_assert_msg(schema, "%s %s: %s", method, tmpl, err.message);
    ck_assert_msg(fo_openapi_validate(spec, schema, v, &err) == FO_OK, "%s %s: %s", method, tmpl,
                  err.message);
}

/* POST /savepoint-disposal and GET the disposal's state. */
static void dispose(fo_flink_sim *sim, const json_t *spec, const char *path, char tid[33])
{
    char body[512];
    snprintf(body, sizeof body, "{\"savepoint-path\": \"%s\"}", path);
    json_t *v = NULL;
    ck_assert_int_eq(rest(sim, "POST", "/savepoint-disposal", body, &v), 200);
    of_schema(spec, "/savepoint-disposal", "post", v);
    ck_assert(fo_flink_sim_is_id(fo_json_str(v, "request-id")));
    snprintf(tid, 33, "%s", fo_json_str(v, "request-id"));
    json_decref(v);
}

static json_t *disposal(fo_flink_sim *sim, const json_t *spec, const char *tid)
{
    char path[96];
    snprintf(path, sizeof path, "/savepoint-disposal/%s", tid);
    json_t *v = NULL;
    ck_assert_int_eq(rest(sim, "GET", path, NULL, &v), 200);
    of_schema(spec, "/savepoint-disposal/{triggerid}", "get", v);
    return v;
}

/* rest_v1_dispatcher triggerSavepointDisposal / getSavepointDisposalStatus:
 * SavepointDisposalRequest {savepoint-path}, 200 TriggerResponse (Flink draws the trigger id),
 * then AsynchronousOperationResult: IN_PROGRESS, COMPLETED with no failure-cause once disposed
 * of; as Dispatcher.disposeSavepoint, a path that holds nothing (disposed of already) fails
 * with a FlinkException caused by java.io.FileNotFoundException "Cannot find checkpoint or
 * savepoint file/directory", and an injected failure (faults.failDisposals) with an
 * IOException that leaves the savepoint in place. */
START_TEST(savepoint_disposal_routes_follow_the_spec_with_failures_injected)
{
    fo_err err = {0};
    json_t *spec = fo_openapi_load_flink_spec("rest_v1_dispatcher-1.20.yml", &err);
    ck_assert_msg(spec, "%s", err.message);
    fo_flink_sim *sim = sim_from(APP);
    const char *jid = "0000000000000000000000000000a001";
    fo_flink_sim_advance(sim, T0 + 60000);
    char path[128], tid[33];
    json_t *v = NULL;
    snprintf(path, sizeof path, "/jobs/%s/savepoints", jid);
    ck_assert_int_eq(rest(sim, "POST", path, "", &v), 202);
    snprintf(path, sizeof path, "/jobs/%s/savepoints/%s", jid, fo_json_str(v, "request-id"));
    json_decref(v);
    fo_flink_sim_advance(sim, T0 + 120000);
    ck_assert_int_eq(rest(sim, "GET", path, NULL, &v), 200);
    char *location = strdup(fo_json_get_str(v, "operation.location"));
    json_decref(v);
    ck_assert(matches(location, "^s3://b/sp/savepoint-"));

    /* bodies: no path is the handler's 400, an unknown field the mapper's */
    ck_assert_int_eq(rest(sim, "POST", "/savepoint-disposal", "{}", &v), 400);
    ck_assert_str_eq(first_error(v), "Field savepoint-path must not be omitted or be null.");
    json_decref(v);
    ck_assert_int_eq(rest(sim, "POST", "/savepoint-disposal", "{\"path\": \"x\"}", &v), 400);
    ck_assert_str_eq(first_error(v),
                     "Request did not match expected format SavepointDisposalRequest.");
    json_decref(v);
    ck_assert_int_eq(rest(sim, "GET", "/savepoint-disposal/0123", NULL, NULL), 400);
    ck_assert_int_eq(
        rest(sim, "GET", "/savepoint-disposal/ffffffffffffffffffffffffffffffff", NULL, NULL), 404);

    /* an injected failure disposes of nothing */
    json_t *faults = json_pack("{s:i}", "failDisposals", 1);
    ck_assert_int_eq(fo_flink_sim_set_faults(sim, faults, &err), FO_OK);
    json_decref(faults);
    dispose(sim, spec, location, tid);
    fo_flink_sim_advance(sim, T0 + 180000);
    v = disposal(sim, spec, tid);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "COMPLETED");
    const char *trace = fo_json_get_str(v, "operation.failure-cause.stack-trace");
    ck_assert_msg(matches(trace, "Could not dispose savepoint s3://b/sp/savepoint-") &&
                      matches(trace, "Caused by: java.io.IOException: injected failure"),
                  "%s", trace);
    json_decref(v);

    /* the savepoint is still there: disposed of now */
    dispose(sim, spec, location, tid);
    v = disposal(sim, spec, tid);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "IN_PROGRESS");
    json_decref(v);
    fo_flink_sim_advance(sim, T0 + 240000);
    v = disposal(sim, spec, tid);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "COMPLETED");
    ck_assert_ptr_null(fo_json_get(v, "operation.failure-cause"));
    json_decref(v);

    /* again: nothing is there any more */
    dispose(sim, spec, location, tid);
    fo_flink_sim_advance(sim, T0 + 300000);
    v = disposal(sim, spec, tid);
    ck_assert_str_eq(fo_json_get_str(v, "operation.failure-cause.class"),
                     "java.util.concurrent.CompletionException");
    trace = fo_json_get_str(v, "operation.failure-cause.stack-trace");
    char want[512];
    snprintf(want, sizeof want,
             "Caused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint "
             "file/directory '%s' on file system 's3'.",
             location);
    ck_assert_msg(trace && strstr(trace, want), "%s", trace);
    json_decref(v);
    free(location);
    fo_flink_sim_free(sim);
    json_decref(spec);
}
END_TEST


int main(void)
{
    Suite *s = suite_create("fake_flink_routes");
    TCase *tc = tcase_create("routes");
    tcase_add_test(tc, rest_routes_answer_like_flink_for_unknown_routes_ids_and_bodies);
    tcase_add_test(tc, checkpoint_trigger_routes_follow_the_spec_and_exist_from_flink_1_17);
    tcase_add_test(tc, jar_upload_run_and_delete_make_a_session_job);
    tcase_add_test(tc, uploads_that_are_not_one_jar_are_refused);
    tcase_add_test(tc, savepoint_disposal_routes_follow_the_spec_with_failures_injected);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
