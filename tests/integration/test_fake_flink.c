/* The fake Flink server against Flink's published REST specs: every answer the fake gives for
 * the operations it implements, in every state we can drive it into, must validate against the
 * response schema of that operation in rest_v1_dispatcher-<version>.yml (1.20, 2.0 and 2.1/2.2;
 * see ../shared/specs/README.md), with the success code the spec lists. Also: errors look like
 * Flink's, unknown clusters look unreachable, faults, the control API, the program. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/jsonutil.h"
#include "tests/fakes/flink/fake_flink.h"
#include "tests/fakes/flink/openapi_check.h"
#include "tests/support/testutil.h"

typedef struct env {
    fo_clock *clock;
    fo_fake_flink *ff;
    fo_http_client *http;
    json_t *spec;
    char base[256];
    int checked; /* answers validated */
} env;

static void env_start(env *e, const char *spec_file)
{
    memset(e, 0, sizeof *e);
    fo_err err = {0};
    if (spec_file) {
        e->spec = fo_openapi_load_flink_spec(spec_file, &err);
        ck_assert_msg(e->spec, "%s", err.message);
    }
    e->clock = fo_clock_fake_new(1700000000000LL);
    fo_fake_flink_opts o = {.clock = e->clock};
    e->ff = fo_fake_flink_start(&o, &err);
    ck_assert_msg(e->ff, "%s", err.message);
    fo_http_client_opts ho = {.timeout_ms = 5000};
    e->http = fo_http_client_new(&ho, &err);
    ck_assert_msg(e->http, "%s", err.message);
}

static void env_stop(env *e)
{
    fo_http_client_free(e->http);
    fo_fake_flink_stop(e->ff);
    fo_clock_free(e->clock);
    json_decref(e->spec);
}

/* A request to the fake; returns the status, *out the JSON body (NULL if none/not JSON). */
static int call(env *e, const char *method, const char *url, const char *ctype, const char *body,
                size_t len, json_t **out)
{
    fo_http_header h[1] = {{"Content-Type", ctype ? ctype : "application/json"}};
    fo_http_result res;
    fo_err err = {0};
    fo_rc rc = fo_http_client_request(e->http, method, url, h, body ? 1 : 0, body, len, 0, &res,
                                      &err);
    ck_assert_msg(rc == FO_OK, "%s %s: %s", method, url, err.message);
    int status = res.status;
    if (out)
        *out = res.body.len ? json_loadb(res.body.data, res.body.len, 0, NULL) : NULL;
    fo_http_result_release(&res);
    return status;
}

static int rest(env *e, const char *method, const char *path, const char *body, json_t **out)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", e->base, path);
    return call(e, method, url, NULL, body, body ? strlen(body) : 0, out);
}

/* Call and check against the spec: the status is the spec's success status and the body
 * validates against the operation's response schema. Returns the body (caller frees). */
static json_t *conform(env *e, const char *method, const char *spec_path, const char *path,
                       const char *body)
{
    char lower[16];
    size_t k = 0;
    for (; method[k] && k < sizeof lower - 1; k++)
        lower[k] = (char)(method[k] | 0x20);
    lower[k] = '\0';
    const char *want = fo_openapi_success_status(e->spec, spec_path, lower);
    ck_assert_msg(want, "spec has no %s %s", method, spec_path);
    json_t *v = NULL;
    int status = rest(e, method, path, body, &v);
    char got[8];
    snprintf(got, sizeof got, "%d", status);
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    ck_assert_msg(!strcmp(got, want), "%s %s: status %s, spec says %s; body %.300s", method, path,
                  got, want, text ? text : "");
    fo_err err = {0};
    const json_t *schema = fo_openapi_response_schema(e->spec, spec_path, lower, want, &err);
    if (schema) {
        ck_assert_msg(v, "%s %s: no JSON body", method, path);
        ck_assert_msg(fo_openapi_validate(e->spec, schema, v, &err) == FO_OK,
                      "%s %s does not conform: %s\nbody: %.2000s", method, path, err.message,
                      text);
    } else {
        /* The spec lists no body (PATCH cancel, DELETE jar): Flink sends an empty object. */
        ck_assert_msg(json_is_object(v) && json_object_size(v) == 0, "%s %s: body %.300s",
                      method, path, text ? text : "(none)");
    }
    free(text);
    e->checked++;
    return v;
}

/* GET /jobs/:id/checkpoints/config: Flink's ProcessingModeSerializer writes the mode in lower
 * case where the generated spec lists the enum constants; the rest must conform. */
static json_t *conform_checkpoint_config(env *e, const char *path)
{
    json_t *v = NULL;
    ck_assert_int_eq(rest(e, "GET", path, NULL, &v), 200);
    ck_assert_str_eq(
        fo_openapi_success_status(e->spec, "/jobs/{jobid}/checkpoints/config", "get"), "200");
    const char *mode = fo_json_str(v, "mode");
    ck_assert_msg(mode && (!strcmp(mode, "exactly_once") || !strcmp(mode, "at_least_once")),
                  "mode %s", mode ? mode : "(none)");
    json_t *rest_of = json_deep_copy(v);
    json_object_del(rest_of, "mode");
    fo_err err = {0};
    const json_t *schema =
        fo_openapi_response_schema(e->spec, "/jobs/{jobid}/checkpoints/config", "get", "200", &err);
    ck_assert_msg(schema, "%s", err.message);
    ck_assert_msg(fo_openapi_validate(e->spec, schema, rest_of, &err) == FO_OK,
                  "%s does not conform: %s", path, err.message);
    json_decref(rest_of);
    e->checked++;
    return v;
}

static void conform_free(env *e, const char *method, const char *spec_path, const char *path,
                         const char *body)
{
    json_decref(conform(e, method, spec_path, path, body));
}

/* Flink's error body: {"errors": [string, ...]} with at least one message. */
static void is_flink_error(const json_t *v, const char *contains)
{
    const json_t *errors = json_object_get(v, "errors");
    ck_assert(json_is_array(errors) && json_array_size(errors) >= 1);
    size_t i;
    json_t *m;
    json_array_foreach(errors, i, m) {
        ck_assert(json_is_string(m));
    }
    if (contains)
        ck_assert_msg(strstr(json_string_value(json_array_get(errors, 0)), contains),
                      "error '%s' lacks '%s'", json_string_value(json_array_get(errors, 0)),
                      contains);
}

static void tick(env *e, int64_t ms)
{
    fo_fake_flink_tick(e->ff, ms);
}

static void control(env *e, const char *method, const char *path, const char *body, int want)
{
    json_t *b = body ? json_loads(body, 0, NULL) : NULL;
    ck_assert(!body || b);
    json_t *out = NULL;
    int status = fo_fake_flink_control(e->ff, method, path, b, &out);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    ck_assert_msg(status == want, "%s %s -> %d (%.300s)", method, path, status, text);
    free(text);
    json_decref(b);
    json_decref(out);
}

static char *trigger_of(json_t *v)
{
    const char *t = fo_json_str(v, "request-id");
    ck_assert_ptr_nonnull(t);
    char *copy = strdup(t);
    json_decref(v);
    return copy;
}

static const char *JAR_BODY = "--B0undary\r\n"
                              "Content-Disposition: form-data; name=\"jarfile\"; "
                              "filename=\"wordcount.jar\"\r\n"
                              "Content-Type: application/x-java-archive\r\n\r\n"
                              "PK\003\004not really a jar\r\n"
                              "--B0undary--\r\n";

/* Drive one cluster of the given Flink version through every implemented operation in the
 * states that change their answers, checking each answer against the spec. */
static void run_conformance(const char *version, const char *spec_file)
{
    env e;
    env_start(&e, spec_file);
    char spec[1024], p[512], p2[512];
    snprintf(spec, sizeof spec,
             "{\"flinkVersion\": \"%s\", \"taskManagers\": 2, \"slotsPerTaskManager\": 2,"
             " \"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
             " \"savepointDir\": \"s3://b/sp\","
             " \"configuration\": {\"rest.port\": \"8081\", \"parallelism.default\": \"2\"},"
             " \"job\": {\"jobId\": \"0000000000000000000000000000a001\","
             " \"entryClass\": \"org.example.Top\", \"args\": [\"--in\", \"x\"],"
             " \"parallelism\": 2}}",
             version);
    control(&e, "POST", "/_fake/clusters/conf/app", spec, 201);
    fo_fake_flink_cluster_url(e.ff, "conf", "app", e.base, sizeof e.base);
    const char *jid = "0000000000000000000000000000a001";
    json_t *v = NULL;
    char *t = NULL;

    /* INITIALIZING: no vertices yet, result in progress. */
    conform_free(&e, "GET", "/jobs/overview", "/jobs/overview", NULL);
    snprintf(p, sizeof p, "/jobs/%s", jid);
    conform_free(&e, "GET", "/jobs/{jobid}", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/execution-result", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/execution-result", p, NULL);

    /* RUNNING with one completed and one in-progress checkpoint. */
    tick(&e, 2210);
    conform_free(&e, "GET", "/config", "/config", NULL);
    conform_free(&e, "GET", "/jobmanager/config", "/jobmanager/config", NULL);
    conform_free(&e, "GET", "/overview", "/overview", NULL);
    conform_free(&e, "GET", "/taskmanagers", "/taskmanagers", NULL);
    conform_free(&e, "GET", "/jobs", "/jobs", NULL);
    conform_free(&e, "GET", "/jobs/overview", "/jobs/overview", NULL);
    snprintf(p, sizeof p, "/jobs/%s", jid);
    conform_free(&e, "GET", "/jobs/{jobid}", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/status", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/status", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/checkpoints", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints/details/1", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints/details/2", jid); /* in progress */
    conform_free(&e, "GET", "/jobs/{jobid}/checkpoints/details/{checkpointid}", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/exceptions", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/exceptions", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints/config", jid);
    v = conform_checkpoint_config(&e, p);
    ck_assert_str_eq(fo_json_str(v, "mode"), "exactly_once");
    bool b = false;
    ck_assert(fo_json_get_bool(v, "externalization.enabled", &b)); /* no retention configured */
    ck_assert(!b);
    json_decref(v);

    /* Savepoint: IN_PROGRESS, then COMPLETED with a location. */
    snprintf(p, sizeof p, "/jobs/%s/savepoints", jid);
    t = trigger_of(conform(&e, "POST", "/jobs/{jobid}/savepoints", p,
                                 "{\"target-directory\": \"s3://b/sp2\", \"cancel-job\": false,"
                                 " \"formatType\": \"CANONICAL\"}"));
    snprintf(p2, sizeof p2, "/jobs/%s/savepoints/%s", jid, t);
    v = conform(&e, "GET", "/jobs/{jobid}/savepoints/{triggerid}", p2, NULL);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "IN_PROGRESS");
    json_decref(v);
    tick(&e, 300);
    v = conform(&e, "GET", "/jobs/{jobid}/savepoints/{triggerid}", p2, NULL);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "COMPLETED");
    ck_assert_ptr_nonnull(fo_json_get_str(v, "operation.location"));
    json_decref(v);
    free(t);

    /* A failing savepoint: COMPLETED with a failure cause. */
    control(&e, "POST", "/_fake/clusters/conf/app/faults", "{\"failSavepoints\": 1}", 200);
    t = trigger_of(conform(&e, "POST", "/jobs/{jobid}/savepoints", p, "{}"));
    tick(&e, 300);
    snprintf(p2, sizeof p2, "/jobs/%s/savepoints/%s", jid, t);
    v = conform(&e, "GET", "/jobs/{jobid}/savepoints/{triggerid}", p2, NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "operation.failure-cause"));
    json_decref(v);
    free(t);

    /* Checkpoint trigger, and a failed checkpoint in the statistics. */
    snprintf(p, sizeof p, "/jobs/%s/checkpoints", jid);
    t = trigger_of(
        conform(&e, "POST", "/jobs/{jobid}/checkpoints", p, "{\"checkpointType\": \"FULL\"}"));
    snprintf(p2, sizeof p2, "/jobs/%s/checkpoints/%s", jid, t);
    conform_free(&e, "GET", "/jobs/{jobid}/checkpoints/{triggerid}", p2, NULL);
    tick(&e, 100);
    v = conform(&e, "GET", "/jobs/{jobid}/checkpoints/{triggerid}", p2, NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "operation.checkpointId"));
    json_decref(v);
    free(t);
    control(&e, "POST", "/_fake/clusters/conf/app/faults", "{\"failCheckpoints\": 1}", 200);
    t = trigger_of(conform(&e, "POST", "/jobs/{jobid}/checkpoints", p, NULL));
    tick(&e, 100);
    v = conform(&e, "GET", "/jobs/{jobid}/checkpoints/{triggerid}", p2, NULL); /* old one */
    json_decref(v);
    snprintf(p2, sizeof p2, "/jobs/%s/checkpoints/%s", jid, t);
    v = conform(&e, "GET", "/jobs/{jobid}/checkpoints/{triggerid}", p2, NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "operation.failureCause"));
    json_decref(v);
    free(t);
    v = conform(&e, "GET", "/jobs/{jobid}/checkpoints", p, NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "latest.failed"));
    json_decref(v);

    /* A failover: exceptions, restored statistics, restart metric. */
    snprintf(p2, sizeof p2, "/_fake/clusters/conf/app/jobs/%s/fail", jid);
    control(&e, "POST", p2, "{\"restart\": true, \"message\": \"boom\"}", 200);
    snprintf(p2, sizeof p2, "/jobs/%s", jid);
    conform_free(&e, "GET", "/jobs/{jobid}", p2, NULL); /* RESTARTING */
    tick(&e, 500);
    v = conform(&e, "GET", "/jobs/{jobid}/checkpoints", p, NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "latest.restored.external_path"));
    json_decref(v);
    snprintf(p2, sizeof p2, "/jobs/%s/exceptions", jid);
    v = conform(&e, "GET", "/jobs/{jobid}/exceptions", p2, NULL);
    ck_assert_int_eq(json_array_size(fo_json_get(v, "exceptionHistory.entries")), 1);
    json_decref(v);

    /* Metrics: Flink's own serializer writes a bare array of {id, value} (the snapshot spec
     * records "any"; the OpenAPI object schema is generated by reflection). */
    snprintf(p2, sizeof p2, "/jobs/%s/metrics?get=numRestarts,numberOfCompletedCheckpoints", jid);
    ck_assert_int_eq(rest(&e, "GET", p2, NULL, &v), 200);
    ck_assert(json_is_array(v));
    ck_assert_int_eq(json_array_size(v), 2);
    ck_assert_str_eq(fo_json_str(json_array_get(v, 0), "id"), "numRestarts");
    ck_assert_str_eq(fo_json_str(json_array_get(v, 0), "value"), "1");
    json_decref(v);

    /* Disposal of the first savepoint. */
    json_t *view = fo_fake_flink_view(e.ff, "conf", "app");
    const char *sp =
        json_string_value(json_array_get(fo_json_get(json_array_get(json_object_get(view, "jobs"),
                                                                    0),
                                                     "savepoints"),
                                         0));
    ck_assert_ptr_nonnull(sp);
    char body[600];
    snprintf(body, sizeof body, "{\"savepoint-path\": \"%s\"}", sp);
    json_decref(view);
    t = trigger_of(conform(&e, "POST", "/savepoint-disposal", "/savepoint-disposal", body));
    snprintf(p2, sizeof p2, "/savepoint-disposal/%s", t);
    conform_free(&e, "GET", "/savepoint-disposal/{triggerid}", p2, NULL);
    tick(&e, 300);
    v = conform(&e, "GET", "/savepoint-disposal/{triggerid}", p2, NULL);
    ck_assert_str_eq(fo_json_get_str(v, "status.id"), "COMPLETED");
    json_decref(v);
    free(t);

    /* Jars: upload, list, run (a session job), delete. */
    char url[512];
    snprintf(url, sizeof url, "%s/jars/upload", e.base);
    ck_assert_int_eq(call(&e, "POST", url, "multipart/form-data; boundary=B0undary", JAR_BODY,
                          strlen(JAR_BODY), &v),
                     200);
    fo_err err = {0};
    const json_t *schema = fo_openapi_response_schema(e.spec, "/jars/upload", "post", "200", &err);
    ck_assert_int_eq(fo_openapi_validate(e.spec, schema, v, &err), FO_OK);
    char jar[300];
    snprintf(jar, sizeof jar, "%s", strrchr(fo_json_str(v, "filename"), '/') + 1);
    json_decref(v);
    conform_free(&e, "GET", "/jars", "/jars", NULL);
    snprintf(p2, sizeof p2, "/jars/%s/run", jar);
    v = conform(&e, "POST", "/jars/{jarid}/run", p2,
                "{\"entryClass\": \"org.example.Session\", \"programArgsList\": [\"a\"],"
                " \"parallelism\": 1, \"jobId\": \"0000000000000000000000000000b002\","
                " \"allowNonRestoredState\": false}");
    ck_assert_str_eq(fo_json_str(v, "jobid"), "0000000000000000000000000000b002");
    json_decref(v);
    snprintf(p2, sizeof p2, "/jars/%s", jar);
    conform_free(&e, "DELETE", "/jars/{jarid}", p2, NULL);

    /* The session job fails for good: execution result with a failure cause. */
    tick(&e, 300);
    control(&e, "POST", "/_fake/clusters/conf/app/jobs/0000000000000000000000000000b002/fail",
            "{\"restart\": false}", 200);
    tick(&e, 100);
    v = conform(&e, "GET", "/jobs/{jobid}/execution-result",
                "/jobs/0000000000000000000000000000b002/execution-result", NULL);
    ck_assert_ptr_nonnull(fo_json_get(v, "job-execution-result.failure-cause"));
    json_decref(v);
    conform_free(&e, "GET", "/jobs/{jobid}/exceptions",
                 "/jobs/0000000000000000000000000000b002/exceptions", NULL);

    /* Stop-with-savepoint ends the application job FINISHED. */
    snprintf(p, sizeof p, "/jobs/%s/stop", jid);
    t = trigger_of(conform(&e, "POST", "/jobs/{jobid}/stop", p,
                           "{\"drain\": false, \"formatType\": \"NATIVE\"}"));
    tick(&e, 300);
    snprintf(p2, sizeof p2, "/jobs/%s/savepoints/%s", jid, t);
    conform_free(&e, "GET", "/jobs/{jobid}/savepoints/{triggerid}", p2, NULL);
    free(t);
    snprintf(p2, sizeof p2, "/jobs/%s/execution-result", jid);
    v = conform(&e, "GET", "/jobs/{jobid}/execution-result", p2, NULL);
    ck_assert_str_eq(fo_json_get_str(v, "job-execution-result.application-status"), "SUCCEEDED");
    json_decref(v);
    conform_free(&e, "GET", "/jobs/overview", "/jobs/overview", NULL);
    conform_free(&e, "GET", "/overview", "/overview", NULL);

    /* Cancel (202, empty body) of a third job. */
    control(&e, "POST", "/_fake/clusters/conf/app/jobs",
            "{\"jobId\": \"0000000000000000000000000000c003\"}", 200);
    conform_free(&e, "PATCH", "/jobs/{jobid}", "/jobs/0000000000000000000000000000c003?mode=cancel",
                 NULL);
    conform_free(&e, "GET", "/jobs/{jobid}", "/jobs/0000000000000000000000000000c003", NULL);
    tick(&e, 200);
    conform_free(&e, "GET", "/jobs/{jobid}/execution-result",
                 "/jobs/0000000000000000000000000000c003/execution-result", NULL);
    /* The ended job's checkpoint configuration is still served. */
    snprintf(p, sizeof p, "/jobs/%s/checkpoints/config", jid);
    json_decref(conform_checkpoint_config(&e, p));

    /* A streaming job without an interval: its statistics (nothing yet) and its config
     * (interval Long.MAX_VALUE) conform too. */
    snprintf(spec, sizeof spec, "{\"flinkVersion\": \"%s\", \"job\": {\"jobId\": \"%s\"}}",
             version, jid);
    control(&e, "POST", "/_fake/clusters/conf/nointerval", spec, 201);
    fo_fake_flink_cluster_url(e.ff, "conf", "nointerval", e.base, sizeof e.base);
    tick(&e, 2000);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints", jid);
    conform_free(&e, "GET", "/jobs/{jobid}/checkpoints", p, NULL);
    snprintf(p, sizeof p, "/jobs/%s/checkpoints/config", jid);
    v = conform_checkpoint_config(&e, p);
    int64_t interval = 0;
    ck_assert(fo_json_get_int(v, "interval", &interval));
    ck_assert_int_eq(interval, INT64_MAX);
    json_decref(v);
    ck_assert_int_ge(e.checked, 50); /* every conform() above ran */
    env_stop(&e);
}

START_TEST(every_answer_conforms_to_the_1_20_spec)
{
    run_conformance("1.20.1", "rest_v1_dispatcher-1.20.yml");
}
END_TEST

START_TEST(every_answer_conforms_to_the_2_0_spec)
{
    run_conformance("2.0.0", "rest_v1_dispatcher-2.0.yml");
}
END_TEST

START_TEST(every_answer_conforms_to_the_2_1_and_2_2_spec)
{
    run_conformance("2.2.0", "rest_v1_dispatcher-2.1_2.2.yml");
}
END_TEST

START_TEST(the_checker_rejects_answers_that_break_the_spec)
{
    fo_err err = {0};
    json_t *spec = fo_openapi_load_flink_spec("rest_v1_dispatcher-1.20.yml", &err);
    ck_assert_msg(spec, "%s", err.message);
    const json_t *jobs = fo_openapi_response_schema(spec, "/jobs/overview", "get", "200", &err);
    const json_t *cps =
        fo_openapi_response_schema(spec, "/jobs/{jobid}/checkpoints", "get", "200", &err);
    ck_assert_ptr_nonnull(jobs);
    ck_assert_ptr_nonnull(cps);
    static const struct {
        int which;
        const char *doc, *msg;
    } bad[] = {
        {0, "{\"jobs\": [{\"jid\": \"0000000000000000000000000000a001\", \"state\": \"GOOD\"}]}",
         "$.jobs[0].state"},
        {0, "{\"jobs\": [{\"jid\": \"xyz\"}]}", "does not match pattern"},
        {0, "{\"jobs\": {}}", "expected array"},
        {0, "{\"jobs\": [{\"start-time\": \"soon\"}]}", "expected integer"},
        {0, "{\"jobs\": [{\"tasks\": {\"running\": \"1\"}}]}", "$.jobs[0].tasks.running"},
        {1, "{\"latest\": {\"completed\": {\"id\": 1}}}", "required member 'className'"},
        {1, "{\"latest\": {\"completed\": null}}", "null is not allowed"},
        {1, "{\"counts\": {\"in_progress\": 4294967296}}", "int32"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_loads(bad[i].doc, 0, NULL);
        ck_assert_ptr_nonnull(v);
        ck_assert_msg(fo_openapi_validate(spec, bad[i].which ? cps : jobs, v, &err) ==
                          FO_EINVALID,
                      "accepted %s", bad[i].doc);
        ck_assert_msg(strstr(err.message, bad[i].msg), "%s: %s", bad[i].doc, err.message);
        json_decref(v);
    }
    json_decref(spec);
}
END_TEST

START_TEST(errors_look_like_flink_errors)
{
    env e;
    env_start(&e, NULL);
    control(&e, "POST", "/_fake/clusters/ns/err", "{\"job\": {}}", 201);
    fo_fake_flink_cluster_url(e.ff, "ns", "err", e.base, sizeof e.base);
    json_t *v = NULL;
    ck_assert_int_eq(rest(&e, "GET", "/jobs/ffffffffffffffffffffffffffffffff", NULL, &v), 404);
    is_flink_error(v, "not found");
    json_decref(v);
    ck_assert_int_eq(rest(&e, "GET", "/no/such/route", NULL, &v), 404);
    is_flink_error(v, "Not found: /no/such/route");
    json_decref(v);
    ck_assert_int_eq(rest(&e, "GET", "/jobs/ffffffffffffffffffffffffffffffff/savepoints/"
                                     "ffffffffffffffffffffffffffffffff",
                          NULL, &v),
                     404);
    is_flink_error(v, NULL);
    json_decref(v);
    ck_assert_int_eq(rest(&e, "POST", "/savepoint-disposal", "{not json", &v), 400);
    is_flink_error(v, "Request did not match expected format SavepointDisposalRequest.");
    json_decref(v);
    env_stop(&e);
}
END_TEST

START_TEST(a_cluster_that_does_not_exist_answers_like_an_unreachable_jobmanager)
{
    env e;
    env_start(&e, NULL);
    fo_fake_flink_cluster_url(e.ff, "ns", "ghost", e.base, sizeof e.base);
    json_t *v = NULL;
    ck_assert_int_eq(rest(&e, "GET", "/config", NULL, &v), 503);
    is_flink_error(v, "no cluster ns/ghost");
    json_decref(v);
    /* created later: reachable; deleted: 503 again */
    control(&e, "POST", "/_fake/clusters/ns/ghost", NULL, 201);
    ck_assert_int_eq(rest(&e, "GET", "/config", NULL, NULL), 200);
    control(&e, "POST", "/_fake/clusters/ns/ghost", NULL, 409);
    control(&e, "DELETE", "/_fake/clusters/ns/ghost", NULL, 200);
    ck_assert_int_eq(rest(&e, "GET", "/config", NULL, NULL), 503);
    control(&e, "DELETE", "/_fake/clusters/ns/ghost", NULL, 404);
    env_stop(&e);
}
END_TEST

START_TEST(injected_faults_reset_connections_answer_503_or_delay)
{
    env e;
    env_start(&e, NULL);
    control(&e, "POST", "/_fake/clusters/ns/f", NULL, 201);
    fo_fake_flink_cluster_url(e.ff, "ns", "f", e.base, sizeof e.base);
    char url[512];
    snprintf(url, sizeof url, "%s/config", e.base);

    control(&e, "POST", "/_fake/clusters/ns/f/faults", "{\"unreachable\": \"reset\"}", 200);
    fo_http_result res;
    fo_err err = {0};
    fo_rc rc = fo_http_client_request(e.http, "GET", url, NULL, 0, NULL, 0, 0, &res, &err);
    fo_http_result_release(&res);
    ck_assert_msg(rc == FO_EUNAVAIL, "reset gave %s: %s", fo_rc_name(rc), err.message);

    control(&e, "POST", "/_fake/clusters/ns/f/faults", "{\"unreachable\": \"503\"}", 200);
    ck_assert_int_eq(rest(&e, "GET", "/config", NULL, NULL), 503);

    control(&e, "POST", "/_fake/clusters/ns/f/faults", "{\"unreachable\": \"none\", \"delayMs\": 1500}",
            200);
    rc = fo_http_client_request(e.http, "GET", url, NULL, 0, NULL, 0, 300, &res, &err);
    fo_http_result_release(&res);
    ck_assert_msg(rc == FO_ETIMEOUT, "delay gave %s", fo_rc_name(rc));
    control(&e, "POST", "/_fake/clusters/ns/f/faults", "{\"delayMs\": 0}", 200);
    ck_assert_int_eq(rest(&e, "GET", "/config", NULL, NULL), 200);
    control(&e, "POST", "/_fake/clusters/ns/f/faults", "{\"unreachable\": \"maybe\"}", 400);
    env_stop(&e);
}
END_TEST

typedef struct held_call {
    env *e;
    char url[512];
    fo_rc rc;
    int status;
} held_call;

/* A GET that waits as long as the client's default timeout (5 s) allows. */
static void *held_get(void *arg)
{
    held_call *h = arg;
    fo_http_result res;
    fo_err err = {0};
    h->rc = fo_http_client_request(h->e->http, "GET", h->url, NULL, 0, NULL, 0, 0, &res, &err);
    h->status = res.status;
    fo_http_result_release(&res);
    return NULL;
}

/* Until the fake holds n requests (each is then sure to be held when the test goes on). */
static void wait_held(env *e, size_t n)
{
    for (int i = 0; i < 500 && fo_fake_flink_held(e->ff) != n; i++)
        usleep(10 * 1000);
    ck_assert_uint_eq(fo_fake_flink_held(e->ff), n);
}

START_TEST(a_hanging_cluster_neither_answers_nor_acts_until_the_fault_is_lifted)
{
    env e;
    env_start(&e, NULL);
    control(&e, "POST", "/_fake/clusters/ns/h",
            "{\"job\": {\"jobId\": \"000000000000000000000000000000b1\"}}", 201);
    fo_fake_flink_cluster_url(e.ff, "ns", "h", e.base, sizeof e.base);
    tick(&e, 1500);
    control(&e, "POST", "/_fake/clusters/ns/h/faults", "{\"unreachable\": \"hang\"}", 200);
    json_t *v = fo_fake_flink_view(e.ff, "ns", "h");
    ck_assert_str_eq(fo_json_get_str(v, "faults.unreachable"), "hang");
    json_decref(v);

    /* The connection is taken and nothing comes back: the client's own timeout ends it. */
    char url[512];
    snprintf(url, sizeof url, "%s/jobs/000000000000000000000000000000b1?mode=cancel", e.base);
    fo_http_result res;
    fo_err err = {0};
    fo_rc rc = fo_http_client_request(e.http, "PATCH", url, NULL, 0, NULL, 0, 300, &res, &err);
    fo_http_result_release(&res);
    ck_assert_msg(rc == FO_ETIMEOUT, "hang gave %s: %s", fo_rc_name(rc), err.message);
    /* ... and the JobManager did nothing with it: it holds it. */
    wait_held(&e, 1);
    v = fo_fake_flink_view(e.ff, "ns", "h");
    ck_assert_str_eq(fo_json_str(json_array_get(json_object_get(v, "jobs"), 0), "state"),
                     "RUNNING");
    json_decref(v);

    /* A request held when the fault is lifted is answered. */
    held_call h = {.e = &e};
    snprintf(h.url, sizeof h.url, "%s/config", e.base);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, held_get, &h), 0);
    wait_held(&e, 2); /* the cancel the client gave up on is still held too */
    control(&e, "POST", "/_fake/clusters/ns/h/faults", "{\"unreachable\": \"none\"}", 200);
    pthread_join(t, NULL);
    wait_held(&e, 0);
    ck_assert_msg(h.rc == FO_OK && h.status == 200, "after the lift: %s, HTTP %d",
                  fo_rc_name(h.rc), h.status);

    /* One held while the cluster is deleted reads as a JobManager that is gone. */
    control(&e, "POST", "/_fake/clusters/ns/h/faults", "{\"unreachable\": \"hang\"}", 200);
    held_call d = {.e = &e};
    snprintf(d.url, sizeof d.url, "%s/overview", e.base);
    ck_assert_int_eq(pthread_create(&t, NULL, held_get, &d), 0);
    wait_held(&e, 1);
    control(&e, "DELETE", "/_fake/clusters/ns/h", NULL, 200);
    pthread_join(t, NULL);
    ck_assert_msg(d.rc == FO_OK && d.status == 503, "after the delete: %s, HTTP %d",
                  fo_rc_name(d.rc), d.status);

    /* Stopping the fake ends what it holds (the test would not end otherwise). */
    control(&e, "POST", "/_fake/clusters/ns/h", NULL, 201);
    control(&e, "POST", "/_fake/clusters/ns/h/faults", "{\"unreachable\": \"hang\"}", 200);
    held_call q = {.e = &e};
    snprintf(q.url, sizeof q.url, "%s/config", e.base);
    ck_assert_int_eq(pthread_create(&t, NULL, held_get, &q), 0);
    wait_held(&e, 1);
    fo_fake_flink_quiesce(e.ff);
    pthread_join(t, NULL);
    ck_assert_uint_eq(fo_fake_flink_held(e.ff), 0);
    ck_assert_msg(q.rc != FO_OK || q.status != 200, "a quiesced fake served a held request");
    env_stop(&e);
}
END_TEST

START_TEST(a_savepoint_from_one_cluster_restores_a_job_on_the_next)
{
    env e;
    env_start(&e, NULL);
    control(&e, "POST", "/_fake/clusters/ns/up",
            "{\"savepointDir\": \"s3://b/sp\", \"checkpointIntervalMs\": 1000,"
            " \"job\": {\"jobId\": \"000000000000000000000000000000a1\"}}",
            201);
    fo_fake_flink_cluster_url(e.ff, "ns", "up", e.base, sizeof e.base);
    tick(&e, 1500);
    json_t *v = NULL;
    ck_assert_int_eq(rest(&e, "POST", "/jobs/000000000000000000000000000000a1/stop", "{}", &v), 202);
    char *t = trigger_of(v);
    tick(&e, 300);
    char p[256];
    snprintf(p, sizeof p, "/jobs/000000000000000000000000000000a1/savepoints/%s", t);
    ck_assert_int_eq(rest(&e, "GET", p, NULL, &v), 200);
    char *location = strdup(fo_json_get_str(v, "operation.location"));
    json_decref(v);
    free(t);
    /* the upgrade: the cluster goes, a new one restores from the savepoint */
    control(&e, "DELETE", "/_fake/clusters/ns/up", NULL, 200);
    char spec[600];
    snprintf(spec, sizeof spec,
             "{\"checkpointIntervalMs\": 1000, \"configuration\": {\"execution.savepoint.path\": "
             "\"%s\"}, \"job\": {\"jobId\": \"000000000000000000000000000000a1\"}}",
             location);
    control(&e, "POST", "/_fake/clusters/ns/up", spec, 201);
    tick(&e, 1500);
    ck_assert_int_eq(rest(&e, "GET", "/jobs/000000000000000000000000000000a1/checkpoints", NULL, &v),
                     200);
    ck_assert_str_eq(fo_json_get_str(v, "latest.restored.external_path"), location);
    bool sp = false;
    ck_assert(fo_json_get_bool(v, "latest.restored.is_savepoint", &sp) && sp);
    int64_t restored_id = 0, completed_id = 0;
    ck_assert(fo_json_get_int(v, "latest.restored.id", &restored_id));
    ck_assert(fo_json_get_int(v, "latest.completed.id", &completed_id));
    ck_assert_int_eq(completed_id, restored_id + 1);
    json_decref(v);
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_flink_control(e.ff, "GET", "/_fake/snapshots", NULL, &out), 200);
    ck_assert_int_ge(json_array_size(json_object_get(out, "snapshots")), 1);
    json_decref(out);
    free(location);
    env_stop(&e);
}
END_TEST

START_TEST(ha_data_outlives_the_cluster_and_deleting_it_loses_the_state)
{
    env e;
    env_start(&e, NULL);
    static const char spec[] =
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
        " \"highAvailabilityStore\": true,"
        " \"configuration\": {\"high-availability.type\": \"kubernetes\","
        " \"execution.savepoint.path\": \"KUBERNETES_OPERATOR_LAST_STATE\"},"
        " \"job\": {\"jobId\": \"000000000000000000000000000000b1\"}}";
    static const char clean[] =
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
        " \"highAvailabilityStore\": true, \"configuration\": {\"high-availability.type\": \"kubernetes\"},"
        " \"job\": {\"jobId\": \"000000000000000000000000000000b1\"}}";
    /* without the opt-in, HA configuration alone keeps nothing in the fake's store */
    control(&e, "POST", "/_fake/clusters/ns/plain",
            "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
            " \"configuration\": {\"high-availability.type\": \"kubernetes\"},"
            " \"job\": {}}",
            201);
    control(&e, "POST", "/_fake/clusters/ns/ha", clean, 201);
    tick(&e, 2300);
    control(&e, "DELETE", "/_fake/clusters/ns/ha", NULL, 200); /* JobManager deleted */
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_flink_control(e.ff, "GET", "/_fake/ha", NULL, &out), 200);
    ck_assert_int_eq(json_array_size(json_object_get(out, "ha")), 1);
    json_t *entry = json_array_get(json_object_get(out, "ha"), 0);
    ck_assert_str_eq(fo_json_str(entry, "jobId"), "000000000000000000000000000000b1");
    ck_assert_str_eq(fo_json_str(entry, "path"), "s3://b/ck/000000000000000000000000000000b1/chk-2");
    json_decref(out);

    /* last-state redeploy: recovers from HA although the submission names the placeholder */
    control(&e, "POST", "/_fake/clusters/ns/ha", spec, 201);
    tick(&e, 300);
    json_t *view = fo_fake_flink_view(e.ff, "ns", "ha");
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.source"), "ha");
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"),
                     "s3://b/ck/000000000000000000000000000000b1/chk-2");
    json_decref(view);

    /* HA ConfigMaps deleted: the placeholder path does not exist, the job fails to start */
    control(&e, "DELETE", "/_fake/clusters/ns/ha", NULL, 200);
    ck_assert_int_eq(fo_fake_flink_ha_delete(e.ff, "ns", "ha"), 1);
    control(&e, "POST", "/_fake/clusters/ns/ha", spec, 201);
    tick(&e, 300);
    view = fo_fake_flink_view(e.ff, "ns", "ha");
    job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "state"), "FAILED");
    json_decref(view);
    env_stop(&e);
}
END_TEST

START_TEST(the_program_serves_the_control_api_and_moves_time_only_when_told)
{
    int port = fo_test_free_port();
    char *bin = fo_test_bin_path("fake-flink");
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    char *argv[] = {bin, "--port", port_s, "--manual-time", NULL};
    pid_t pid = fo_test_spawn(argv, NULL);
    ck_assert_int_gt(pid, 0);
    ck_assert(fo_test_wait_port(port, 10000));
    env e;
    env_start(&e, NULL);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_fake/clusters/p/q", port);
    static const char spec[] = "{\"flinkVersion\": \"2.0.0\", \"job\": {}}";
    ck_assert_int_eq(call(&e, "POST", url, NULL, spec, sizeof spec - 1, NULL), 201);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/p/q/jobs/overview", port);
    json_t *v = NULL;
    ck_assert_int_eq(call(&e, "GET", url, NULL, NULL, 0, &v), 200);
    ck_assert_str_eq(fo_json_str(json_array_get(json_object_get(v, "jobs"), 0), "state"),
                     "INITIALIZING");
    json_decref(v);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_fake/tick", port);
    ck_assert_int_eq(call(&e, "POST", url, NULL, "{\"ms\": 500}", 11, NULL), 200);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/p/q/jobs/overview", port);
    ck_assert_int_eq(call(&e, "GET", url, NULL, NULL, 0, &v), 200);
    ck_assert_str_eq(fo_json_str(json_array_get(json_object_get(v, "jobs"), 0), "state"),
                     "RUNNING");
    json_decref(v);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/p/q/config", port);
    ck_assert_int_eq(call(&e, "GET", url, NULL, NULL, 0, &v), 200);
    ck_assert_str_eq(fo_json_str(v, "flink-version"), "2.0.0");
    json_decref(v);
    env_stop(&e);
    int status = fo_test_stop(pid, SIGTERM, 10000);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(bin);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fake_flink");
    TCase *tc = tcase_create("conformance");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_answer_conforms_to_the_1_20_spec);
    tcase_add_test(tc, every_answer_conforms_to_the_2_0_spec);
    tcase_add_test(tc, every_answer_conforms_to_the_2_1_and_2_2_spec);
    tcase_add_test(tc, the_checker_rejects_answers_that_break_the_spec);
    tcase_add_test(tc, errors_look_like_flink_errors);
    tcase_add_test(tc, a_cluster_that_does_not_exist_answers_like_an_unreachable_jobmanager);
    tcase_add_test(tc, injected_faults_reset_connections_answer_503_or_delay);
    tcase_add_test(tc, a_hanging_cluster_neither_answers_nor_acts_until_the_fault_is_lifted);
    tcase_add_test(tc, a_savepoint_from_one_cluster_restores_a_job_on_the_next);
    tcase_add_test(tc, ha_data_outlives_the_cluster_and_deleting_it_loses_the_state);
    tcase_add_test(tc, the_program_serves_the_control_api_and_moves_time_only_when_told);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
