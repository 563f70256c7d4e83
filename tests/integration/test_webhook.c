/* flinkop-webhook as a real process ($FO_BIN_DIR/flinkop-webhook) behind HTTPS with a test CA:
 * allow, deny with every message, mutate (the patch applied with fo_json_patch_apply),
 * idempotence, dryRun, each bad input of issue 3 and its metrics. The process's life
 * (rotation, reloads, bounds, shutdown) is test_webhook_process's. Waiting on the process uses
 * generous deadlines; nothing asserts on time. */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "tests/support/webhookproc.h"
#include "webhook/review_json.h"

/* ---- tests ---- */

START_TEST(a_valid_deployment_is_allowed_and_the_uid_echoed)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = fo_test_review("11111111-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(&w, "/validate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    ck_assert_ptr_null(json_object_get(resp, "patchType"));
    ck_assert_ptr_null(json_object_get(resp, "status"));
    fo_test_webhook_reply_release(&r);
    /* allowed requests are logged at debug with the identifying fields */
    ck_assert(fo_test_webhook_log_has(&w, "11111111-2222-4333-8444-555555555555",
                                      "\"verdict\":\"allowed\""));
    json_decref(doc);
    json_decref(obj);
    fo_test_webhook_stop(&w);
}
END_TEST

START_TEST(an_invalid_deployment_is_denied_with_every_message)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-four-errors.yaml");
    json_t *doc = fo_test_review("22222222-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(&w, "/validate", doc, &r);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    json_t *st = json_object_get(resp, "status");
    ck_assert_int_eq(json_integer_value(json_object_get(st, "code")), 422);
    ck_assert_str_eq(fo_json_str(st, "reason"), "Invalid");
    const char *msg = fo_json_str(st, "message");
    const char *fields[] = {"metadata.name", "spec.flinkVersion", "spec.job.parallelism",
                            "spec.serviceAccount"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(strstr(msg, fields[i]) != NULL, "message lacks %s: %s", fields[i], msg);
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(st, "details"), "causes")),
                      4);
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    fo_test_webhook_reply_release(&r);
    /* a denial is logged at info: uid, kind, namespace/name, operation, verdict, latency */
    char *text = fo_test_read_text(w.log);
    char *line = strstr(text, "22222222-2222-4333-8444-555555555555");
    ck_assert_ptr_nonnull(line);
    while (line > text && line[-1] != '\n')
        line--;
    *strchrnul(line, '\n') = '\0';
    json_t *entry = json_loads(line, 0, NULL);
    ck_assert_ptr_nonnull(entry);
    ck_assert_str_eq(fo_json_str(entry, "level"), "info");
    ck_assert_str_eq(fo_json_str(entry, "kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_str(entry, "namespace"), "flink-jobs");
    ck_assert_str_eq(fo_json_str(entry, "name"), "Bad_Name");
    ck_assert_str_eq(fo_json_str(entry, "operation"), "CREATE");
    ck_assert_str_eq(fo_json_str(entry, "verdict"), "denied");
    ck_assert(json_is_integer(json_object_get(entry, "latency_us")));
    json_decref(entry);
    free(text);

    /* a deprecated value is allowed with a warning */
    json_t *old = fo_test_load_yaml("admission-flinkdeployment-deprecated-version.yaml");
    json_t *doc2 = fo_test_review("33333333-2222-4333-8444-555555555555", "UPDATE", old, false);
    resp = fo_test_admit(&w, "/validate", doc2, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_t *warnings = json_object_get(resp, "warnings");
    ck_assert_uint_ge(json_array_size(warnings), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(warnings, 0)), "deprecated"));
    fo_test_webhook_reply_release(&r);
    json_decref(doc2);
    json_decref(old);

    /* the same invalid object being deleted: taking its finalizer off (oldObject has the same
     * generation: the spec did not change) is allowed untouched; it must not stay in
     * Terminating */
    json_t *meta = json_object_get(obj, "metadata");
    json_object_set_new(meta, "generation", json_integer(2));
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-11-26T11:40:00Z"));
    json_object_set_new(meta, "finalizers", json_array());
    json_t *doc3 = fo_test_review("44444444-2222-4333-8444-555555555555", "UPDATE", obj, false);
    resp = fo_test_admit(&w, "/validate", doc3, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "status"));
    fo_test_webhook_reply_release(&r);
    json_decref(doc3);
    json_decref(doc);
    json_decref(obj);
    fo_test_webhook_stop(&w);
}
END_TEST

START_TEST(mutate_patches_a_copy_and_mutating_again_gives_nothing)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = fo_test_review("44444444-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(&w, "/mutate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_t *mutated = fo_test_apply_patch(resp, obj);
    char *first_patch = strdup(fo_json_str(resp, "patch"));
    fo_test_webhook_reply_release(&r);
    /* documented defaults, and the cluster defaults file layered into both roles */
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.job.state"), "running");
    ck_assert_str_eq(fo_json_str(fo_json_get(mutated, "spec.jobManager.podTemplate.metadata."
                                                      "labels"),
                                 "cost-center"),
                     "42");
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.taskManager.podTemplate.spec."
                                              "priorityClassName"),
                     "flink-standard");
    ck_assert_str_eq(fo_json_get_str(mutated, "spec.job.jarURI"),
                     fo_json_get_str(obj, "spec.job.jarURI"));

    /* idempotent: the mutated object needs no patch */
    json_t *doc2 = fo_test_review("55555555-2222-4333-8444-555555555555", "UPDATE", mutated, false);
    resp = fo_test_admit(&w, "/mutate", doc2, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    ck_assert_ptr_null(json_object_get(resp, "patchType"));
    fo_test_webhook_reply_release(&r);

    /* dryRun: the same patch */
    json_t *doc3 = fo_test_review("66666666-2222-4333-8444-555555555555", "CREATE", obj, true);
    resp = fo_test_admit(&w, "/mutate", doc3, &r);
    ck_assert_str_eq(fo_json_str(resp, "patch"), first_patch);
    fo_test_webhook_reply_release(&r);

    /* session jobs get the target.session label */
    json_t *job = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    json_t *doc4 = fo_test_review("77777777-2222-4333-8444-555555555555", "CREATE", job, false);
    resp = fo_test_admit(&w, "/mutate", doc4, &r);
    json_t *job2 = fo_test_apply_patch(resp, job);
    ck_assert_str_eq(fo_json_str(fo_json_get(job2, "metadata.labels"), "target.session"),
                     "session-cluster");
    fo_test_webhook_reply_release(&r);

    /* DELETE: allowed, no patch */
    json_t *del = fo_test_review("88888888-2222-4333-8444-555555555555", "DELETE", obj, false);
    json_object_set_new(json_object_get(del, "request"), "object", json_null());
    resp = fo_test_admit(&w, "/mutate", del, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    fo_test_webhook_reply_release(&r);

    free(first_patch);
    json_decref(del);
    json_decref(job2);
    json_decref(doc4);
    json_decref(job);
    json_decref(doc3);
    json_decref(doc2);
    json_decref(mutated);
    json_decref(doc);
    json_decref(obj);
    fo_test_webhook_stop(&w);
}
END_TEST

/* Expect a 400 (or code) Status whose message contains want. */
static void v1beta1(json_t *d)
{
    json_object_set_new(d, "apiVersion", json_string("admission.k8s.io/v1beta1"));
}
static void conversion(json_t *d)
{
    json_object_set_new(d, "kind", json_string("ConversionReview"));
}
static void no_uid(json_t *d)
{
    json_object_del(json_object_get(d, "request"), "uid");
}
/* more in the object than the reader builds: a hundred KB of text */
static json_t *many_ints(void)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < FO_WH_JSON_MAX_WEIGHT; i++)
        json_array_append_new(a, json_integer(1));
    return a;
}

/* The object builds more values than the bound. */
static void too_many_values(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "request"), "object"), "extra",
                        many_ints());
}

/* The same object being deleted, its finalizers coming off (generation unchanged). */
static void too_many_values_finalizing(json_t *d)
{
    too_many_values(d);
    json_t *r = json_object_get(d, "request");
    json_object_set_new(r, "operation", json_string("UPDATE"));
    json_t *meta = json_object_get(json_object_get(r, "object"), "metadata");
    json_object_set_new(meta, "generation", json_integer(3));
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-11-26T11:40:00Z"));
    json_object_set_new(r, "oldObject", json_pack("{s:{s:i}}", "metadata", "generation", 3));
}

/* Outside the object the review builds more values than the bound. */
static void too_many_values_outside(json_t *d)
{
    json_object_set_new(json_object_get(d, "request"), "extra", many_ints());
}

/* The answer to the review edit() makes on path, checked to be a 200 AdmissionReview; its
 * response (new reference). */
static json_t *answer_to(fo_test_webhook *w, const char *path, void (*edit)(json_t *))
{
    char *t = fo_test_review_text(edit);
    fo_test_webhook_reply r;
    fo_test_webhook_send(w, "POST", path, t, strlen(t), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    json_t *resp = json_incref(json_object_get(r.json, "response"));
    ck_assert_ptr_nonnull(resp);
    fo_test_webhook_reply_release(&r);
    free(t);
    return resp;
}

START_TEST(every_bad_input_gets_a_clear_error_and_the_server_keeps_serving)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    /* 413: over the 7 MiB limit */
    size_t big_len = 7u * 1024 * 1024 + 1;
    char *big = malloc(big_len);
    memset(big, ' ', big_len);
    fo_test_webhook_expect_error(&w, "POST", "/validate", big, big_len, "application/json", 413,
                                 "too large");
    free(big);
    /* a small body whose object would build more values than the limit: refused by
     * /validate with a message (not a failed call), let through by /mutate without a patch,
     * and let go when its finalizers come off */
    json_t *resp = answer_to(&w, "/validate", too_many_values);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    ck_assert_int_eq(json_integer_value(fo_json_get(resp, "status.code")), 422);
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(resp, "status.message"),
                                 "spec: Invalid value: too large for flinkop: the object "
                                 "holds more than 50000 JSON values"));
    json_decref(resp);
    resp = answer_to(&w, "/mutate", too_many_values);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(json_object_get(resp, "patch"));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(
                                     json_object_get(resp, "warnings"), 0)),
                                 "too large for flinkop"));
    json_decref(resp);
    resp = answer_to(&w, "/validate", too_many_values_finalizing);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_decref(resp);
    /* 413 when the rest of the review builds too much */
    char *t = fo_test_review_text(too_many_values_outside);
    fo_test_webhook_expect_error(&w, "POST", "/mutate", t, strlen(t), "application/json", 413,
                                 "too large to check: outside request.object it holds more "
                                 "than 50000 JSON values");
    free(t);
    fo_test_webhook_expect_error(&w, "POST", "/validate", "{\"apiVersion\":", 14,
                                 "application/json", 400, "malformed JSON");
    t = fo_test_review_text(v1beta1);
    fo_test_webhook_expect_error(&w, "POST", "/mutate", t, strlen(t), "application/json", 400,
                                 "apiVersion");
    free(t);
    t = fo_test_review_text(conversion);
    fo_test_webhook_expect_error(&w, "POST", "/validate", t, strlen(t), "application/json", 400,
                                 "kind: expected \"AdmissionReview\"");
    free(t);
    t = fo_test_review_text(no_uid);
    fo_test_webhook_expect_error(&w, "POST", "/validate", t, strlen(t), "application/json", 400,
                                 "request.uid: required");
    free(t);
    t = fo_test_review_text(NULL);
    fo_test_webhook_expect_error(&w, "POST", "/validate", t, strlen(t), "text/plain", 400,
                                 "Content-Type");
    fo_test_webhook_expect_error(&w, "POST", "/mutate", t, strlen(t), NULL, 400, "Content-Type");
    fo_test_webhook_expect_error(&w, "POST", "/validate", t, strlen(t),
                                 "application/json\nContent-Encoding: gzip", 415,
                                 "Content-Encoding \"gzip\" is not supported");
    fo_test_webhook_expect_error(&w, "GET", "/validate", NULL, 0, NULL, 400, "method GET");
    fo_test_webhook_expect_error(&w, "PUT", "/mutate", t, strlen(t), "application/json", 400,
                                 "method PUT");
    /* a wrong method is 400, as issue 3 names it, and still lists the methods the resource
     * takes (the Allow header RFC 9110 section 15.5.6 asks of a 405) */
    fo_test_webhook_reply mr;
    fo_test_webhook_send(&w, "DELETE", "/readyz", NULL, 0, NULL, &mr);
    ck_assert_int_eq(mr.status, 400);
    ck_assert_str_eq(fo_json_str(mr.json, "reason"), "BadRequest");
    ck_assert_msg(strcasestr(mr.headers.data, "\nAllow: GET, HEAD\r\n"), "%s", mr.headers.data);
    fo_test_webhook_reply_release(&mr);
    fo_test_webhook_send(&w, "GET", "/mutate", NULL, 0, NULL, &mr);
    ck_assert_int_eq(mr.status, 400);
    ck_assert_msg(strcasestr(mr.headers.data, "\nAllow: POST\r\n"), "%s", mr.headers.data);
    fo_test_webhook_reply_release(&mr);
    fo_test_webhook_expect_error(&w, "POST", "/nope", t, strlen(t), "application/json", 404,
                                 "/validate");
    /* still serving, and the answer to a good request is still right */
    fo_test_webhook_reply r;
    fo_test_webhook_send(&w, "POST", "/validate", t, strlen(t), "application/json; charset=utf-8",
                         &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(fo_json_get_str(r.json, "response.uid"),
                     "7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b");
    fo_test_webhook_reply_release(&r);
    free(t);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    ck_assert_int_eq(fo_test_webhook_get(&w, "/healthz", w.ca->ca_cert, &body), 200);
    fo_strbuf_reset(&body);
    ck_assert_int_eq(fo_test_webhook_get(&w, "/metrics", w.ca->ca_cert, &body), 200);
    ck_assert_ptr_nonnull(strstr(
        body.data, "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"bad_request\"}"));
    /* both 413s: the body over the limit (answered by the server), the value bound (/mutate) */
    ck_assert_ptr_nonnull(
        strstr(body.data,
               "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"too_large\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        body.data, "flinkop_webhook_requests_total{route=\"/mutate\",verdict=\"too_large\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(body.data, "flinkop_webhook_request_duration_seconds_bucket"));
    fo_strbuf_release(&body);
    /* at debug every request has its line, those answered before their body included */
    static const char *const lines[] = {
        "request to /validate: 413 too_large",   "request GET /validate: 400 bad_request",
        "request PUT /mutate: 400 bad_request",  "request POST /nope: 404 not_found",
        "request GET /healthz: 200 ok",          "request POST /mutate: 400 bad_request",
    };
    char *text = fo_test_read_text(w.log);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_msg(strstr(text, lines[i]), "no \"%s\" in the log", lines[i]);
    /* a review that does not decode has its line at info instead: of the /validate 400s only
     * the one with the wrong Content-Type has a debug line */
    const char *at = strstr(text, "request POST /validate: 400");
    ck_assert_ptr_nonnull(at);
    ck_assert_ptr_null(strstr(at + 1, "request POST /validate: 400"));
    free(text);
    fo_test_webhook_stop(&w);
}
END_TEST

/* Poll until fn(w) is true (the webhook looks at its files once a second). */
int main(void)
{
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("webhook");
    TCase *tc = tcase_create("webhook");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_valid_deployment_is_allowed_and_the_uid_echoed);
    tcase_add_test(tc, an_invalid_deployment_is_denied_with_every_message);
    tcase_add_test(tc, mutate_patches_a_copy_and_mutating_again_gives_nothing);
    tcase_add_test(tc, every_bad_input_gets_a_clear_error_and_the_server_keeps_serving);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
