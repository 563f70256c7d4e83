/* The fake API server's HTTP surface: discovery documents kubectl reads (aggregated v2 and
 * legacy), OpenAPI v3 (built-in files and documents built from CRDs), Table answers with
 * printer columns, bearer-token authentication and HTTPS for the in-cluster path
 * (kube-api-semantics.md §11), the /fake/ fault hooks (429 with Retry-After, §3), and the
 * embedding API. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define CM "/api/v1/namespaces/default/configmaps"
#define AGG_V2 "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define TABLE "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

static fo_fake_apiserver *fa;
static fka_tc *tc;

static void start(const fo_fake_apiserver_opts *o, const char *scheme, const char *ca,
                  const char *token)
{
    fo_err err = {0};
    fa = fo_fake_apiserver_start(o, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    char base[64];
    snprintf(base, sizeof base, "%s://127.0.0.1:%d", scheme, fo_fake_apiserver_port(fa));
    tc = fka_tc_new(base, ca, token);
    ck_assert_ptr_nonnull(tc);
}

static void setup(void)
{
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true};
    start(&o, "http", NULL, NULL);
    fka_tc_install_crd(tc, "apiserver-crd-widgets.yaml");
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
}

static const json_t *find_by(const json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(fka_str(v, key), value) == 0) return v;
    return NULL;
}

/* Aggregated discovery (what kubectl 1.32 asks for first) lists the CRD with its scope,
 * short names, categories and subresources, with the aggregated Content-Type. */
START_TEST(aggregated_discovery_lists_builtins_and_crds)
{
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "GET", "/apis", NULL, AGG_V2 ",application/json", NULL, &res),
                     200);
    ck_assert_str_eq(res.content_type, AGG_V2);
    ck_assert_str_eq(fka_str(res.body, "kind"), "APIGroupDiscoveryList");
    ck_assert_str_eq(fka_str(res.body, "apiVersion"), "apidiscovery.k8s.io/v2");
    const json_t *items = json_object_get(res.body, "items");
    const json_t *apps = find_by(items, "metadata.name", "apps");
    ck_assert_ptr_nonnull(apps);
    const json_t *fake = find_by(items, "metadata.name", "fake.example.com");
    ck_assert_ptr_nonnull(fake);
    const json_t *v1 = json_array_get(json_object_get(fake, "versions"), 0);
    ck_assert_str_eq(fka_str(v1, "version"), "v1");
    const json_t *w = find_by(json_object_get(v1, "resources"), "resource", "widgets");
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(fka_str(w, "scope"), "Namespaced");
    ck_assert_str_eq(fka_str(w, "singularResource"), "widget");
    ck_assert_str_eq(fka_str(w, "responseKind.kind"), "Widget");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(w, "shortNames"), 0)), "wd");
    const json_t *subs = json_object_get(w, "subresources");
    ck_assert_ptr_nonnull(find_by(subs, "subresource", "status"));
    const json_t *scale = find_by(subs, "subresource", "scale");
    ck_assert_str_eq(fka_str(scale, "responseKind.group"), "autoscaling");
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_req(tc, "GET", "/api", NULL, AGG_V2, NULL, &res), 200);
    const json_t *core = json_array_get(json_object_get(res.body, "items"), 0);
    const json_t *cv1 = json_array_get(json_object_get(core, "versions"), 0);
    ck_assert_ptr_nonnull(find_by(json_object_get(cv1, "resources"), "resource", "configmaps"));
    fka_tc_res_release(&res);
}
END_TEST

/* Legacy discovery documents, for clients that do not ask for the aggregated form. */
START_TEST(legacy_discovery_documents)
{
    json_t *doc = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api", NULL, &doc), 200);
    ck_assert_str_eq(fka_str(doc, "kind"), "APIVersions");
    json_decref(doc);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/apis", NULL, &doc), 200);
    ck_assert_str_eq(fka_str(doc, "kind"), "APIGroupList");
    ck_assert_ptr_nonnull(find_by(json_object_get(doc, "groups"), "name", "coordination.k8s.io"));
    json_decref(doc);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/apis/apps/v1", NULL, &doc), 200);
    ck_assert_str_eq(fka_str(doc, "kind"), "APIResourceList");
    ck_assert_str_eq(fka_str(doc, "groupVersion"), "apps/v1");
    const json_t *scale = find_by(json_object_get(doc, "resources"), "name", "deployments/scale");
    ck_assert_str_eq(fka_str(scale, "kind"), "Scale");
    ck_assert_str_eq(fka_str(scale, "group"), "autoscaling");
    json_decref(doc);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/apis/fake.example.com", NULL, &doc), 200);
    ck_assert_str_eq(fka_str(doc, "kind"), "APIGroup");
    ck_assert_str_eq(fka_str(doc, "preferredVersion.groupVersion"), "fake.example.com/v1");
    json_decref(doc);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/version", NULL, &doc), 200);
    ck_assert_str_eq(fka_str(doc, "major"), "1");
    ck_assert_str_eq(fka_str(doc, "minor"), "35");
    json_decref(doc);
}
END_TEST

/* OpenAPI v3: the index lists served group-versions; built-in documents are the upstream
 * files; CRD documents carry the schema under the reversed-group name with the GVK and no
 * strategic merge patch body. */
START_TEST(openapi_v3_index_and_documents)
{
    json_t *idx = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/openapi/v3", NULL, &idx), 200);
    json_t *paths = json_object_get(idx, "paths");
    ck_assert_ptr_nonnull(json_object_get(paths, "api/v1"));
    ck_assert_ptr_nonnull(json_object_get(paths, "apis/fake.example.com/v1"));
    ck_assert(strncmp(fka_str(json_object_get(paths, "apis/apps/v1"), "serverRelativeURL"),
                      "/openapi/v3/apis/apps/v1?hash=", 30) == 0);
    json_decref(idx);
    json_t *doc = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/openapi/v3/apis/apps/v1", NULL, &doc), 200);
    ck_assert_ptr_nonnull(fo_json_get(doc, "components.schemas"));
    ck_assert_ptr_nonnull(
        json_object_get(fo_json_get(doc, "components.schemas"), "io.k8s.api.apps.v1.Deployment"));
    json_decref(doc);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/openapi/v3/apis/fake.example.com/v1", NULL, &doc),
                     200);
    const json_t *schemas = fo_json_get(doc, "components.schemas");
    const json_t *w = json_object_get(schemas, "com.example.fake.v1.Widget");
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(
        fka_str(json_array_get(json_object_get(w, "x-kubernetes-group-version-kind"), 0), "kind"),
        "Widget");
    ck_assert_ptr_nonnull(
        json_object_get(schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    const json_t *item = json_object_get(json_object_get(doc, "paths"),
                                         "/apis/fake.example.com/v1/namespaces/{namespace}/widgets/"
                                         "{name}");
    const json_t *content = fo_json_get(item, "patch.requestBody.content");
    ck_assert_ptr_nonnull(json_object_get(content, "application/merge-patch+json"));
    ck_assert_ptr_null(json_object_get(content, "application/strategic-merge-patch+json"));
    json_decref(doc);
}
END_TEST

/* Table answers: the CRD's printer columns, cells from JSONPath, dates as ages. */
START_TEST(tables_use_printer_columns)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/apis/fake.example.com/v1/namespaces/default/widgets",
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"a\","
                                 "\"replicas\":3}}",
                                 NULL),
                     201);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "PATCH",
                                "/apis/fake.example.com/v1/namespaces/default/widgets/w/status",
                                "application/merge-patch+json", NULL,
                                "{\"status\":{\"state\":\"Running\",\"conditions\":[{\"type\":"
                                "\"Ready\",\"status\":\"True\"}]}}",
                                &res),
                     200);
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_req(tc, "GET", "/apis/fake.example.com/v1/namespaces/default/widgets",
                                NULL, TABLE, NULL, &res),
                     200);
    ck_assert_str_eq(fka_str(res.body, "kind"), "Table");
    ck_assert_str_eq(fka_str(res.body, "apiVersion"), "meta.k8s.io/v1");
    const json_t *cols = json_object_get(res.body, "columnDefinitions");
    const char *want[] = {"Name", "State", "Replicas", "Ready", "Age"};
    ck_assert_uint_eq(json_array_size(cols), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(fka_str(json_array_get(cols, i), "name"), want[i]);
    const json_t *cells =
        json_object_get(json_array_get(json_object_get(res.body, "rows"), 0), "cells");
    ck_assert_str_eq(json_string_value(json_array_get(cells, 0)), "w");
    ck_assert_str_eq(json_string_value(json_array_get(cells, 1)), "Running");
    ck_assert_int_eq(json_integer_value(json_array_get(cells, 2)), 3);
    ck_assert_str_eq(json_string_value(json_array_get(cells, 3)), "True");
    const char *age = json_string_value(json_array_get(cells, 4));
    ck_assert(age && age[strlen(age) - 1] == 's');
    const json_t *obj =
        json_object_get(json_array_get(json_object_get(res.body, "rows"), 0), "object");
    ck_assert_str_eq(fka_str(obj, "kind"), "PartialObjectMetadata");
    fka_tc_res_release(&res);
}
END_TEST

/* §11: with a token configured, requests need "Authorization: Bearer <token>" (401 else). */
START_TEST(bearer_token_is_required_when_configured)
{
    teardown();
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true, .token = "s3cret"};
    start(&o, "http", NULL, "wrong");
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, &st), 401);
    ck_assert_str_eq(fka_str(st, "reason"), "Unauthorized");
    json_decref(st);
    fka_tc_free(tc);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    tc = fka_tc_new(base, NULL, "s3cret");
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 200);
}
END_TEST

/* GET /fake/requests (a test hook, like an audit log): the requests that passed
 * authentication, in order, with who they authenticated as; a refused one is not there. */
START_TEST(the_request_record_tells_who_each_request_was_from)
{
    teardown();
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true, .token = "s3cret"};
    start(&o, "http", NULL, "wrong");
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 401);
    fka_tc_free(tc);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    tc = fka_tc_new(base, NULL, "s3cret");
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 200);
    json_decref(fka_tc_watch(tc, CM "?watch=true&resourceVersion=1&timeoutSeconds=1", 1, 5000));
    json_t *seen = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/fake/requests", NULL, &seen), 200);
    json_t *items = json_object_get(seen, "items");
    ck_assert_uint_eq(json_array_size(items), 2);
    json_t *get = json_array_get(items, 0), *watch = json_array_get(items, 1);
    ck_assert_str_eq(fka_str(get, "method"), "GET");
    ck_assert_str_eq(fka_str(get, "path"), CM);
    ck_assert(json_is_false(json_object_get(get, "watch")));
    ck_assert_str_eq(fka_str(get, "user"), "admin");
    ck_assert(json_is_true(json_object_get(watch, "watch")));
    ck_assert_str_eq(fka_str(watch, "resourceVersion"), "1");
    ck_assert_str_eq(fka_str(watch, "user"), "admin");
    json_decref(seen);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/fake/requests", NULL, NULL), 200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/fake/requests", NULL, &seen), 200);
    ck_assert_uint_eq(json_array_size(json_object_get(seen, "items")), 0);
    json_decref(seen);
}
END_TEST

/* §11: HTTPS with a test CA, as the in-cluster client sees it. */
START_TEST(https_serves_with_the_given_certificate)
{
    teardown();
    fo_testcerts *certs = fo_testcerts_new();
    char *cert = NULL, *key = NULL;
    fo_testcerts_issue(certs, "apiserver", "kubernetes.default.svc", &cert, &key);
    fo_fake_apiserver_opts o = {
        .port = 0, .no_gc = true, .tls_cert_file = cert, .tls_key_file = key, .token = "t"};
    start(&o, "https", certs->ca_cert, "t");
    json_t *list = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces", NULL, &list), 200);
    ck_assert_str_eq(fka_str(list, "kind"), "NamespaceList");
    json_decref(list);
    free(cert);
    free(key);
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
    fo_testcerts_free(certs);
    fa = NULL;
    tc = NULL;
}
END_TEST

/* Fault hooks: fail the next N matching requests; 429 carries Retry-After and
 * details.retryAfterSeconds (§3). */
START_TEST(injected_faults_fail_matching_requests)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/faults",
                                 "{\"count\":2,\"code\":429,\"retryAfterSeconds\":3,\"method\":"
                                 "\"GET\",\"pathPrefix\":\"/api/v1/namespaces/default/\"}",
                                 NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces", NULL, NULL), 200);
    fka_tc_res res;
    ck_assert_int_eq(fka_tc_req(tc, "GET", CM, NULL, NULL, NULL, &res), 429);
    ck_assert_int_eq(res.retry_after_s, 3);
    ck_assert_str_eq(fka_str(res.body, "reason"), "TooManyRequests");
    int64_t ra = 0;
    ck_assert(fo_json_get_int(res.body, "details.retryAfterSeconds", &ra));
    ck_assert_int_eq(ra, 3);
    fka_tc_res_release(&res);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"a\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 429);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 200);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/faults", "{\"count\":-1,\"code\":503}", NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 503);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/fake/faults", NULL, NULL), 200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 200);
}
END_TEST

/* The embedding API: the same handling without a socket. */
START_TEST(in_process_calls_behave_like_http)
{
    json_t *body = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                             "metadata", "name", "inproc");
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_apiserver_call(fa, "POST", CM, NULL, body, &out, NULL), 201);
    ck_assert_str_eq(fka_str(out, "metadata.name"), "inproc");
    json_decref(out);
    ck_assert_int_eq(fo_fake_apiserver_call(fa, "POST", CM, NULL, body, &out, NULL), 409);
    ck_assert_str_eq(fka_str(out, "reason"), "AlreadyExists");
    json_decref(out);
    json_decref(body);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/inproc", NULL, NULL), 200);
    ck_assert_int_eq(
        fo_fake_apiserver_call(fa, "GET", CM "?labelSelector=x%3Dy", NULL, NULL, &out, NULL), 200);
    ck_assert_uint_eq(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_http");
    TCase *t = tcase_create("http");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, aggregated_discovery_lists_builtins_and_crds);
    tcase_add_test(t, legacy_discovery_documents);
    tcase_add_test(t, openapi_v3_index_and_documents);
    tcase_add_test(t, tables_use_printer_columns);
    tcase_add_test(t, bearer_token_is_required_when_configured);
    tcase_add_test(t, the_request_record_tells_who_each_request_was_from);
    tcase_add_test(t, https_serves_with_the_given_certificate);
    tcase_add_test(t, injected_faults_fail_matching_requests);
    tcase_add_test(t, in_process_calls_behave_like_http);
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
