/* The fake API server calling admission webhooks as admission-review-v1.md describes: the
 * request it sends (§2), denials mapped to Status (§4), JSON patches of mutating webhooks
 * applied before validation and storage, the answers that break §4 rules 1-7, timeouts and
 * failurePolicy, rule and selector matching, caBundle verification, service references,
 * warnings as Warning headers, and managedFields recorded before mutating admission. The
 * webhook is a small HTTPS server in this process with canned answers per path. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/httpd.h"
#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

#define CM "/api/v1/namespaces/default/configmaps"
#define MWC "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"
#define VWC "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"

static fo_testcerts *certs;
static fo_certwatch *cw;
static fo_httpd *hook;
static int hook_port;
static char *ca_b64;
static fo_fake_apiserver *fa;
static fka_tc *tc;

/* What the webhook saw last (under seen_mu). */
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *seen_review;
static char seen_timeout[32];
static int seen_calls;

static char *b64(const char *data, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    size_t w = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)data[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)data[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)data[i + 2];
        out[w++] = a[(v >> 18) & 63];
        out[w++] = a[(v >> 12) & 63];
        out[w++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[w++] = i + 2 < n ? a[v & 63] : '=';
    }
    out[w] = '\0';
    return out;
}

static char *b64s(const char *s)
{
    return b64(s, strlen(s));
}

/* The canned answers: the path names the behaviour. */
static void webhook(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    json_error_t jerr;
    json_t *review = json_loads(req->body, 0, &jerr);
    const char *uid = fo_json_get_str(review, "request.uid");
    const char *t = fo_http_request_query(req, "timeout");
    pthread_mutex_lock(&seen_mu);
    json_decref(seen_review);
    seen_review = json_incref(review);
    snprintf(seen_timeout, sizeof seen_timeout, "%s", t ? t : "");
    seen_calls++;
    pthread_mutex_unlock(&seen_mu);
    const char *p = req->path;
    json_t *r = json_pack("{s:s, s:b}", "uid", uid ? uid : "", "allowed", true);
    json_t *answer = json_pack("{s:s, s:s, s:O}", "apiVersion", "admission.k8s.io/v1", "kind",
                               "AdmissionReview", "response", r);
    if (strcmp(p, "/allow") == 0) {
        json_object_set_new(r, "warnings", json_pack("[s]", "spec.x is deprecated"));
        json_object_set_new(r, "auditAnnotations", json_pack("{s:s}", "checked", "yes"));
    } else if (strcmp(p, "/deny") == 0) {
        json_object_set_new(r, "allowed", json_false());
        json_object_set_new(r, "status",
                            json_pack("{s:i, s:s, s:s}", "code", 422, "reason", "Invalid",
                                      "message", "data.k: must be set"));
        json_object_set_new(r, "warnings", json_pack("[s]", "denied but warned"));
    } else if (strcmp(p, "/deny-200") == 0) {
        json_object_set_new(r, "allowed", json_false());
        json_object_set_new(r, "status", json_pack("{s:i, s:s}", "code", 200, "message", "nope"));
    } else if (strcmp(p, "/deny-empty") == 0) {
        json_object_set_new(r, "allowed", json_false());
    } else if (strcmp(p, "/deny-reason") == 0) {
        json_object_set_new(r, "allowed", json_false());
        json_object_set_new(r, "status",
                            json_pack("{s:i, s:s}", "code", 403, "reason", "Forbidden"));
    } else if (strcmp(p, "/patch") == 0) {
        char *patch = b64s("[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":"
                           "{\"mutated\":\"yes\"}}]");
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/patch-echo") == 0) { /* annotates with the object's data.k */
        char ops[512];
        const char *k = fo_json_get_str(review, "request.object.data.k");
        snprintf(ops, sizeof ops,
                 "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":"
                 "{\"seen\":\"%.100s\"}}]",
                 k ? k : "none");
        char *patch = b64s(ops);
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/patch-managed-fields") == 0) { /* an operation that does not exist */
        char *patch = b64s("[{\"op\":\"add\",\"path\":\"/metadata/managedFields\",\"value\":"
                           "[{\"manager\":\"m\",\"operation\":\"Bogus\",\"apiVersion\":"
                           "\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{}}]}]");
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/patch-unknown") == 0) { /* a field ConfigMaps do not have */
        char *patch = b64s("[{\"op\":\"add\",\"path\":\"/colour\",\"value\":\"red\"}]");
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/rule1") == 0) {
        json_object_del(answer, "response");
    } else if (strcmp(p, "/rule2") == 0) {
        json_object_set_new(r, "uid", json_string("not-the-uid"));
    } else if (strcmp(p, "/rule3") == 0) {
        json_object_del(answer, "apiVersion");
        json_object_del(answer, "kind");
    } else if (strcmp(p, "/rule4") == 0) {
        char *patch = b64s("[]");
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/rule4b") == 0) {
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
    } else if (strcmp(p, "/rule5") == 0) {
        char *patch = b64s("[]");
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/rule6") == 0) {
        char *patch = b64s("this is not json");
        json_object_set_new(r, "patchType", json_string("JSONPatch"));
        json_object_set_new(r, "patch", json_string(patch));
        free(patch);
    } else if (strcmp(p, "/rule7") == 0) {
        fo_http_response_text(resp, 500, "text/plain", "boom");
        json_decref(answer);
        json_decref(r);
        json_decref(review);
        return;
    } else if (strcmp(p, "/slow") == 0) {
        fo_test_sleep_ms(2500);
    }
    fo_http_response_json(resp, 200, answer);
    json_decref(answer);
    json_decref(r);
    json_decref(review);
}

static void start_fake(const char *const *service_map)
{
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true, .webhook_service_map = service_map};
    fo_err err = {0};
    fa = fo_fake_apiserver_start(&o, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    tc = fka_tc_new(base, NULL, NULL);
}

static void setup(void)
{
    certs = fo_testcerts_new();
    char *cert = NULL, *key = NULL;
    fo_testcerts_issue(certs, "webhook", "hook.flinkop.svc", &cert, &key);
    fo_err err = {0};
    cw = fo_certwatch_new(cert, key, &err);
    ck_assert_msg(cw != NULL, "%s", err.message);
    free(cert);
    free(key);
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1", .threads = 4, .tls = cw, .handler = webhook};
    hook = fo_httpd_start(&ho, &err);
    ck_assert_msg(hook != NULL, "%s", err.message);
    hook_port = fo_httpd_port(hook);
    size_t len = 0;
    char *ca = NULL;
    {
        FILE *f = fopen(certs->ca_cert, "rb");
        ck_assert_ptr_nonnull(f);
        ca = calloc(1, 65536);
        len = fread(ca, 1, 65535, f);
        fclose(f);
    }
    ca_b64 = b64(ca, len);
    free(ca);
    seen_calls = 0;
    start_fake(NULL);
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
    fo_httpd_stop(hook);
    fo_certwatch_free(cw);
    fo_testcerts_free(certs);
    free(ca_b64);
    json_decref(seen_review);
    seen_review = NULL;
}

/* Register one webhook on ConfigMaps; extra is more JSON members for the webhook entry. */
static void register_hook(bool mutating, const char *name, const char *path, const char *extra)
{
    char body[8192];
    snprintf(
        body, sizeof body,
        "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":\"%s\",\"metadata\":"
        "{\"name\":\"%s\"},\"webhooks\":[{\"name\":\"%s\",\"admissionReviewVersions\":"
        "[\"v1\"],\"sideEffects\":\"None\",\"clientConfig\":{\"url\":\"https://127.0.0.1:%d%s\","
        "\"caBundle\":\"%s\"},\"rules\":[{\"operations\":[\"CREATE\",\"UPDATE\",\"DELETE\"],"
        "\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"resources\":[\"configmaps\"]}]%s%s}]}",
        mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration", name, name,
        hook_port, path, ca_b64, extra ? "," : "", extra ? extra : "");
    json_t *out = NULL;
    int code = fka_tc_json(tc, "POST", mutating ? MWC : VWC, body, &out);
    ck_assert_msg(code == 201, "register: %d %s", code, fka_str(out, "message"));
    json_decref(out);
}

static int create_cm(const char *name, const char *labels, json_t **out)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"%s%s},"
             "\"data\":{\"k\":\"v\"}}",
             name, labels ? ",\"labels\":" : "", labels ? labels : "");
    return fka_tc_json(tc, "POST", CM, body, out);
}

/* §1/§2: the request the webhook receives on CREATE, with ?timeout=Ns appended. */
START_TEST(review_request_has_the_documented_fields)
{
    register_hook(false, "v.test", "/allow", "\"timeoutSeconds\":7");
    ck_assert_int_eq(create_cm("a", NULL, NULL), 201);
    pthread_mutex_lock(&seen_mu);
    json_t *rq = json_object_get(seen_review, "request");
    ck_assert_str_eq(fka_str(seen_review, "apiVersion"), "admission.k8s.io/v1");
    ck_assert_str_eq(fka_str(seen_review, "kind"), "AdmissionReview");
    ck_assert_uint_eq(strlen(fka_str(rq, "uid")), 36);
    ck_assert_str_eq(fka_str(rq, "kind.group"), "");
    ck_assert_str_eq(fka_str(rq, "kind.version"), "v1");
    ck_assert_str_eq(fka_str(rq, "kind.kind"), "ConfigMap");
    ck_assert_str_eq(fka_str(rq, "resource.resource"), "configmaps");
    ck_assert_str_eq(fka_str(rq, "requestKind.kind"), "ConfigMap");
    ck_assert_str_eq(fka_str(rq, "requestResource.resource"), "configmaps");
    ck_assert_ptr_null(json_object_get(rq, "subResource"));
    ck_assert_str_eq(fka_str(rq, "name"), "a");
    ck_assert_str_eq(fka_str(rq, "namespace"), "default");
    ck_assert_str_eq(fka_str(rq, "operation"), "CREATE");
    ck_assert_ptr_nonnull(fo_json_get(rq, "userInfo.username"));
    ck_assert_str_eq(fka_str(rq, "object.metadata.name"), "a");
    ck_assert(json_is_null(json_object_get(rq, "oldObject")));
    ck_assert(json_is_false(json_object_get(rq, "dryRun")));
    ck_assert_str_eq(fka_str(rq, "options.kind"), "CreateOptions");
    ck_assert_str_eq(fka_str(rq, "options.apiVersion"), "meta.k8s.io/v1");
    ck_assert_str_eq(seen_timeout, "7s");
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

/* UPDATE carries oldObject; DELETE has a null object. */
START_TEST(update_and_delete_requests_carry_the_old_object)
{
    ck_assert_int_eq(create_cm("a", NULL, NULL), 201);
    register_hook(false, "v.test", "/allow", NULL);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "PATCH", CM "/a", "application/merge-patch+json", NULL,
                                "{\"data\":{\"k\":\"w\"}}", &res),
                     200);
    fka_tc_res_release(&res);
    pthread_mutex_lock(&seen_mu);
    ck_assert_str_eq(fka_str(seen_review, "request.operation"), "UPDATE");
    ck_assert_str_eq(fka_str(seen_review, "request.oldObject.data.k"), "v");
    ck_assert_str_eq(fka_str(seen_review, "request.object.data.k"), "w");
    ck_assert_str_eq(fka_str(seen_review, "request.options.kind"), "UpdateOptions");
    pthread_mutex_unlock(&seen_mu);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/a", NULL, NULL), 200);
    pthread_mutex_lock(&seen_mu);
    ck_assert_str_eq(fka_str(seen_review, "request.operation"), "DELETE");
    ck_assert(json_is_null(fo_json_get(seen_review, "request.object")));
    ck_assert_str_eq(fka_str(seen_review, "request.oldObject.metadata.name"), "a");
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

/* §3/§4: warnings become Warning: 299 headers, audit annotations are prefixed. */
START_TEST(warnings_become_headers_and_audit_annotations_are_recorded)
{
    register_hook(false, "v.test", "/allow", NULL);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM, NULL, NULL,
                                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                "{\"name\":\"a\"}}",
                                &res),
                     201);
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_str_eq(res.warnings[0], "299 - \"spec.x is deprecated\"");
    fka_tc_res_release(&res);
    json_t *calls = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/fake/webhook-calls", NULL, &calls), 200);
    json_t *c = json_array_get(json_object_get(calls, "items"), 0);
    ck_assert_str_eq(fka_str(c, "outcome"), "allowed");
    ck_assert_str_eq(json_string_value(
                         json_object_get(json_object_get(c, "auditAnnotations"), "v.test/checked")),
                     "yes");
    json_decref(calls);
}
END_TEST

/* §4: a denial becomes the user's Status: the webhook's code (floor 400), reason and message
 * behind "admission webhook "<name>" denied the request: "; warnings still reach the user. */
START_TEST(denials_map_to_status)
{
    register_hook(false, "deny.test", "/deny", NULL);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM, NULL, NULL,
                                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                "{\"name\":\"a\"}}",
                                &res),
                     422);
    ck_assert_str_eq(fka_str(res.body, "kind"), "Status");
    ck_assert_str_eq(fka_str(res.body, "status"), "Failure");
    ck_assert_str_eq(fka_str(res.body, "reason"), "Invalid");
    ck_assert_str_eq(fka_str(res.body, "message"),
                     "admission webhook \"deny.test\" denied the request: data.k: must be set");
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_str_eq(res.warnings[0], "299 - \"denied but warned\"");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/a", NULL, NULL), 404);
}
END_TEST

START_TEST(denial_code_below_400_becomes_400)
{
    register_hook(false, "deny.test", "/deny-200", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "admission webhook \"deny.test\" denied the request: nope");
    json_decref(st);
}
END_TEST

START_TEST(denial_without_message_uses_reason_or_says_without_explanation)
{
    register_hook(false, "deny.test", "/deny-empty", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "admission webhook \"deny.test\" denied the request without explanation");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", VWC "/deny.test", NULL, NULL), 200);
    register_hook(false, "deny2.test", "/deny-reason", NULL);
    ck_assert_int_eq(create_cm("a", NULL, &st), 403);
    ck_assert_str_eq(fka_str(st, "message"),
                     "admission webhook \"deny2.test\" denied the request: Forbidden");
    ck_assert_str_eq(fka_str(st, "reason"), "Forbidden");
    json_decref(st);
}
END_TEST

/* Mutating webhooks run first and their JSON patch is stored; validating webhooks see the
 * final object. */
START_TEST(mutation_is_applied_before_validation_and_storage)
{
    register_hook(true, "m.test", "/patch", NULL);
    register_hook(false, "v.test", "/allow", NULL);
    json_t *obj = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &obj), 201);
    ck_assert_str_eq(fka_str(obj, "metadata.labels.mutated"), "yes");
    json_decref(obj);
    pthread_mutex_lock(&seen_mu);
    ck_assert_str_eq(fka_str(seen_review, "request.object.metadata.labels.mutated"), "yes");
    /* A validating webhook sees server-filled metadata. */
    ck_assert_uint_eq(strlen(fka_str(seen_review, "request.object.metadata.uid")), 36);
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

/* fieldValidation judges what the client sent, as decoded before admission (webhooks see the
 * object without the fields dropped there); a field a mutating webhook adds that the schema
 * does not know is dropped without a word, and an update it alone would change stores nothing. */
START_TEST(fields_a_webhook_adds_that_the_schema_lacks_are_dropped_silently)
{
    register_hook(true, "m.test", "/patch-unknown", NULL);
    static const char plain[] = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                "{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}";
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM "?fieldValidation=Strict", NULL, NULL, plain, &res),
                     201);
    ck_assert_ptr_null(res.warnings);
    ck_assert_ptr_null(json_object_get(res.body, "colour"));
    const char *rv = fka_str(res.body, "metadata.resourceVersion");
    char first_rv[64];
    snprintf(first_rv, sizeof first_rv, "%s", rv);
    fka_tc_res_release(&res);

    /* the same again: nothing changes, nothing is written */
    static const char same[] = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                               "{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}";
    ck_assert_int_eq(fka_tc_req(tc, "PUT", CM "/a?fieldValidation=Strict", NULL, NULL, same, &res),
                     200);
    ck_assert_ptr_null(res.warnings);
    ck_assert_str_eq(fka_str(res.body, "metadata.resourceVersion"), first_rv);
    fka_tc_res_release(&res);

    /* the client's own unknown field: refused with Strict, warned of with Warn, never shown to
     * the webhook */
    static const char typo[] = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                               "{\"name\":\"b\"},\"dta\":{\"k\":\"v\"}}";
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM "?fieldValidation=Strict", NULL, NULL, typo, &res),
                     400);
    ck_assert_ptr_nonnull(strstr(fka_str(res.body, "message"), "unknown field \"dta\""));
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM "?fieldValidation=Warn", NULL, NULL, typo, &res),
                     201);
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_str_eq(res.warnings[0], "299 - \"unknown field \\\"dta\\\"\"");
    ck_assert_ptr_null(res.warnings[1]);
    fka_tc_res_release(&res);
    pthread_mutex_lock(&seen_mu);
    ck_assert_ptr_null(fo_json_get(seen_review, "request.object.dta"));
    ck_assert_str_eq(fka_str(seen_review, "request.object.metadata.name"), "b");
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

/* The manager of the first managedFields entry whose set holds path ("f:a.f:b"), or NULL. */
static const char *owner_of(const json_t *obj, const char *path)
{
    size_t i;
    json_t *e;
    json_array_foreach(fo_json_get(obj, "metadata.managedFields"), i, e)
    {
        const json_t *set = json_object_get(e, "fieldsV1");
        char buf[256];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && set;
             t = strtok_r(NULL, ".", &save))
            set = json_object_get(set, t);
        if (set)
            return fka_str(e, "manager");
    }
    return NULL;
}

/* One write: the webhook's annotation is in the result and nobody's; data.k is manager's. */
static void write_and_check(const char *method, const char *path, const char *ct, const char *body,
                            int code, const char *manager, const char *seen)
{
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, method, path, ct, NULL, body, &res), code);
    ck_assert_str_eq(fka_str(res.body, "metadata.annotations.seen"), seen);
    ck_assert_ptr_nonnull(owner_of(res.body, "f:data.f:k"));
    ck_assert_str_eq(owner_of(res.body, "f:data.f:k"), manager);
    ck_assert_ptr_null(owner_of(res.body, "f:metadata.f:annotations"));
    fka_tc_res_release(&res);
}

/* The field manager records a write before mutating admission (handlers/create.go, update.go,
 * patch.go), so what a webhook adds or changes is nobody's, while what the client sent is the
 * client's: after a create, a PUT, a merge patch and a server-side apply. */
START_TEST(fields_a_webhook_adds_are_not_the_requesters)
{
    register_hook(true, "m.test", "/patch-echo", NULL);
    write_and_check("POST", CM "?fieldManager=creator", NULL,
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                    "\"a\",\"labels\":{\"app\":\"a\"}},\"data\":{\"k\":\"v\"}}",
                    201, "creator", "v");
    write_and_check("PUT", CM "/a?fieldManager=putter", NULL,
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                    "\"a\",\"labels\":{\"app\":\"a\"}},\"data\":{\"k\":\"w\"}}",
                    200, "putter", "w");
    write_and_check("PATCH", CM "/a?fieldManager=patcher", "application/merge-patch+json",
                    "{\"data\":{\"k\":\"x\"}}", 200, "patcher", "x");
    write_and_check("PATCH", CM "/a?fieldManager=applier&force=true",
                    "application/apply-patch+yaml",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                    "\"a\"},\"data\":{\"k\":\"y\"}}",
                    200, "applier", "y");
    /* the client's label stays the creator's: the PUT sent it unchanged */
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/a", NULL, &obj), 200);
    ck_assert_ptr_nonnull(owner_of(obj, "f:metadata.f:labels.f:app"));
    ck_assert_str_eq(owner_of(obj, "f:metadata.f:labels.f:app"), "creator");
    json_decref(obj);
}
END_TEST

/* managedFields a webhook leaves invalid are put back as the field manager recorded them,
 * with a warning (fieldmanager.NewManagedFieldsValidatingAdmissionController). */
START_TEST(managed_fields_a_webhook_breaks_are_restored)
{
    register_hook(true, "m.test", "/patch-managed-fields", NULL);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "POST", CM "?fieldManager=creator", NULL, NULL,
                                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                "{\"name\":\"a\"},\"data\":{\"k\":\"v\"}}",
                                &res),
                     201);
    json_t *mf = fo_json_get(res.body, "metadata.managedFields");
    ck_assert_uint_eq(json_array_size(mf), 1);
    ck_assert_str_eq(fka_str(json_array_get(mf, 0), "manager"), "creator");
    ck_assert_str_eq(fka_str(json_array_get(mf, 0), "operation"), "Update");
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_ptr_nonnull(strstr(res.warnings[0], ".metadata.managedFields was in an invalid "
                                                  "state after admission"));
    ck_assert_ptr_nonnull(strstr(res.warnings[0], "operation must be `Apply` or `Update`"));
    fka_tc_res_release(&res);
}
END_TEST

static void expect_invalid_answer(bool mutating, const char *path, const char *detail)
{
    register_hook(mutating, "bad.test", path, NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert_str_eq(fka_str(st, "reason"), "InternalError");
    char want[1024];
    snprintf(want, sizeof want,
             "Internal error occurred: failed calling webhook \"bad.test\": received invalid "
             "webhook response: %s",
             detail);
    ck_assert_str_eq(fka_str(st, "message"), want);
    json_decref(st);
}

/* §4 rules 1-7: each is a failed call; with failurePolicy Fail the user gets 500. */
START_TEST(rule1_absent_response_is_a_failed_call)
{
    expect_invalid_answer(false, "/rule1", "webhook response was absent");
}
END_TEST

START_TEST(rule2_wrong_uid_is_a_failed_call)
{
    register_hook(false, "bad.test", "/rule2", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert(strstr(fka_str(st, "message"), "received invalid webhook response: expected "
                                             "response.uid=\""));
    ck_assert(strstr(fka_str(st, "message"), "\", got \"not-the-uid\""));
    json_decref(st);
}
END_TEST

START_TEST(rule3_missing_api_version_and_kind_is_a_failed_call)
{
    register_hook(false, "bad.test", "/rule3", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert(strstr(fka_str(st, "message"),
                     "received invalid webhook response: expected webhook "
                     "response of admission.k8s.io/v1, Kind=AdmissionReview"));
    json_decref(st);
}
END_TEST

START_TEST(rule4_patch_without_type_is_a_failed_call)
{
    expect_invalid_answer(true, "/rule4",
                          "webhook returned response.patch but not "
                          "response.patchType");
}
END_TEST

START_TEST(rule4_type_without_patch_is_a_failed_call)
{
    expect_invalid_answer(true, "/rule4b",
                          "webhook returned response.patchType but not "
                          "response.patch");
}
END_TEST

START_TEST(rule5_validating_webhook_may_not_patch)
{
    expect_invalid_answer(false, "/rule5", "validating webhook may not return response.patch");
}
END_TEST

START_TEST(rule6_undecodable_patch_is_a_failed_call)
{
    expect_invalid_answer(true, "/rule6", "received undecodable patch in webhook response");
}
END_TEST

START_TEST(rule7_http_error_is_a_failed_call_and_ignore_lets_it_pass)
{
    register_hook(false, "bad.test", "/rule7", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert(strncmp(fka_str(st, "message"),
                      "Internal error occurred: failed calling webhook \"bad.test\": ", 60) == 0);
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", VWC "/bad.test", NULL, NULL), 200);
    register_hook(false, "ignored.test", "/rule7", "\"failurePolicy\":\"Ignore\"");
    ck_assert_int_eq(create_cm("a", NULL, NULL), 201);
}
END_TEST

/* §1: a webhook slower than timeoutSeconds is a failed call (Fail: 500, Ignore: passes). */
START_TEST(timeout_applies_the_failure_policy)
{
    register_hook(false, "slow.test", "/slow", "\"timeoutSeconds\":1");
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert(strstr(fka_str(st, "message"), "failed calling webhook \"slow.test\""));
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", VWC "/slow.test", NULL, NULL), 200);
    register_hook(false, "slow-ignored.test", "/slow",
                  "\"timeoutSeconds\":1,\"failurePolicy\":\"Ignore\"");
    ck_assert_int_eq(create_cm("b", NULL, NULL), 201);
}
END_TEST

/* Rules, namespaceSelector and objectSelector decide which requests a webhook sees. */
START_TEST(rules_and_selectors_pick_requests)
{
    register_hook(false, "deny.test", "/deny",
                  "\"objectSelector\":{\"matchLabels\":{\"check\":\"me\"}}");
    ck_assert_int_eq(create_cm("free", NULL, NULL), 201);
    ck_assert_int_eq(create_cm("checked", "{\"check\":\"me\"}", NULL), 422);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", VWC "/deny.test", NULL, NULL), 200);
    register_hook(false, "deny.test", "/deny",
                  "\"namespaceSelector\":{\"matchExpressions\":[{\"key\":"
                  "\"kubernetes.io/metadata.name\",\"operator\":\"NotIn\",\"values\":"
                  "[\"default\"]}]}");
    ck_assert_int_eq(create_cm("other", NULL, NULL), 201);
    /* A rule for Secrets only does not see ConfigMaps. */
    char body[2048];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":"
             "\"ValidatingWebhookConfiguration\",\"metadata\":{\"name\":\"secrets\"},\"webhooks\":"
             "[{\"name\":\"s.test\",\"admissionReviewVersions\":[\"v1\"],\"sideEffects\":\"None\","
             "\"clientConfig\":{\"url\":\"https://127.0.0.1:%d/deny\",\"caBundle\":\"%s\"},"
             "\"rules\":[{\"operations\":[\"*\"],\"apiGroups\":[\"\"],\"apiVersions\":[\"*\"],"
             "\"resources\":[\"secrets\"]}]}]}",
             hook_port, ca_b64);
    ck_assert_int_eq(fka_tc_json(tc, "POST", VWC, body, NULL), 201);
    ck_assert_int_eq(create_cm("third", NULL, NULL), 201);
}
END_TEST

/* The OpenAPI description of objectSelector: the old and the new object are matched, either
 * matching calls the webhook, and a null object (the old one on CREATE, the new one on DELETE)
 * matches nothing. A NotIn selector skips an object with the label on CREATE and DELETE too,
 * as the manifests' canary selector relies on. */
START_TEST(object_selector_never_matches_a_null_object)
{
    register_hook(false, "deny.test", "/deny",
                  "\"objectSelector\":{\"matchExpressions\":[{\"key\":\"skip\","
                  "\"operator\":\"NotIn\",\"values\":[\"yes\"]}]}");
    json_t *st = NULL;
    int code = create_cm("skipped", "{\"skip\":\"yes\"}", &st);
    ck_assert_msg(code == 201, "CREATE with the label: %d %s", code, fka_str(st, "message"));
    json_decref(st);
    st = NULL;
    code = fka_tc_json(tc, "DELETE", CM "/skipped", NULL, &st);
    ck_assert_msg(code == 200, "DELETE with the label: %d %s", code, fka_str(st, "message"));
    json_decref(st);
    ck_assert_int_eq(seen_calls, 0);
    /* an object without the label is checked, labels or none */
    ck_assert_int_eq(create_cm("checked", NULL, NULL), 422);
    ck_assert_int_eq(create_cm("other", "{\"skip\":\"no\"}", NULL), 422);
}
END_TEST

/* §1: the server certificate must verify against caBundle. */
START_TEST(wrong_ca_bundle_is_a_failed_call)
{
    fo_testcerts *other = fo_testcerts_new();
    FILE *f = fopen(other->ca_cert, "rb");
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *wrong = b64(buf, n);
    char *saved = ca_b64;
    ca_b64 = wrong;
    register_hook(false, "tls.test", "/allow", NULL);
    ca_b64 = saved;
    free(wrong);
    fo_testcerts_free(other);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 500);
    ck_assert(strstr(fka_str(st, "message"), "failed calling webhook \"tls.test\""));
    json_decref(st);
    ck_assert_int_eq(seen_calls, 0);
}
END_TEST

/* clientConfig.service is called through --webhook-service-map (name.namespace=host:port). */
START_TEST(service_references_use_the_service_map)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
    char map[128];
    snprintf(map, sizeof map, "hook.flinkop=127.0.0.1:%d", hook_port);
    const char *maps[] = {map, NULL};
    start_fake(maps);
    char body[4096];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":"
             "\"ValidatingWebhookConfiguration\",\"metadata\":{\"name\":\"svc\"},\"webhooks\":"
             "[{\"name\":\"svc.test\",\"admissionReviewVersions\":[\"v1\"],\"sideEffects\":"
             "\"None\",\"clientConfig\":{\"service\":{\"name\":\"hook\",\"namespace\":\"flinkop\","
             "\"path\":\"/deny\",\"port\":443},\"caBundle\":\"%s\"},\"rules\":[{\"operations\":"
             "[\"CREATE\"],\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"resources\":"
             "[\"configmaps\"]}]}]}",
             ca_b64);
    ck_assert_int_eq(fka_tc_json(tc, "POST", VWC, body, NULL), 201);
    json_t *st = NULL;
    ck_assert_int_eq(create_cm("a", NULL, &st), 422);
    ck_assert(strstr(fka_str(st, "message"), "admission webhook \"svc.test\" denied the request"));
    json_decref(st);
}
END_TEST

/* §1: dryRun requests reach sideEffects: None webhooks with request.dryRun true, and a
 * mutating patch on DELETE is an error. */
START_TEST(dry_run_is_passed_to_webhooks)
{
    register_hook(false, "v.test", "/allow", NULL);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM "?dryRun=All",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"d\"}}",
                                 NULL),
                     201);
    pthread_mutex_lock(&seen_mu);
    ck_assert(json_is_true(fo_json_get(seen_review, "request.dryRun")));
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

START_TEST(mutating_patch_on_delete_is_refused)
{
    ck_assert_int_eq(create_cm("a", NULL, NULL), 201);
    register_hook(true, "m.test", "/patch", NULL);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/a", NULL, &st), 500);
    ck_assert_str_eq(fka_str(st, "message"), "admission webhook \"m.test\" attempted to modify the "
                                             "object, which is not supported for this operation");
    json_decref(st);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_admission");
    TCase *t = tcase_create("admission");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, review_request_has_the_documented_fields);
    tcase_add_test(t, update_and_delete_requests_carry_the_old_object);
    tcase_add_test(t, warnings_become_headers_and_audit_annotations_are_recorded);
    tcase_add_test(t, denials_map_to_status);
    tcase_add_test(t, denial_code_below_400_becomes_400);
    tcase_add_test(t, denial_without_message_uses_reason_or_says_without_explanation);
    tcase_add_test(t, mutation_is_applied_before_validation_and_storage);
    tcase_add_test(t, fields_a_webhook_adds_that_the_schema_lacks_are_dropped_silently);
    tcase_add_test(t, fields_a_webhook_adds_are_not_the_requesters);
    tcase_add_test(t, managed_fields_a_webhook_breaks_are_restored);
    tcase_add_test(t, rule1_absent_response_is_a_failed_call);
    tcase_add_test(t, rule2_wrong_uid_is_a_failed_call);
    tcase_add_test(t, rule3_missing_api_version_and_kind_is_a_failed_call);
    tcase_add_test(t, rule4_patch_without_type_is_a_failed_call);
    tcase_add_test(t, rule4_type_without_patch_is_a_failed_call);
    tcase_add_test(t, rule5_validating_webhook_may_not_patch);
    tcase_add_test(t, rule6_undecodable_patch_is_a_failed_call);
    tcase_add_test(t, rule7_http_error_is_a_failed_call_and_ignore_lets_it_pass);
    tcase_add_test(t, timeout_applies_the_failure_policy);
    tcase_add_test(t, rules_and_selectors_pick_requests);
    tcase_add_test(t, object_selector_never_matches_a_null_object);
    tcase_add_test(t, wrong_ca_bundle_is_a_failed_call);
    tcase_add_test(t, service_references_use_the_service_map);
    tcase_add_test(t, dry_run_is_passed_to_webhooks);
    tcase_add_test(t, mutating_patch_on_delete_is_refused);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
