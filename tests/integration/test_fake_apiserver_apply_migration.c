/* The fake API server's server-side apply by kubectl and the client-side apply annotation
 * kubectl.kubernetes.io/last-applied-configuration, over HTTP, as the API server's field
 * manager has them (k8s.io/apimachinery/pkg/util/managedfields/internal):
 * lastappliedmanager.go (an object created by client-side apply moves to
 * `kubectl apply --server-side` without conflicts on the fields the annotation records) and
 * lastappliedupdater.go with lastapplied.go (a kubectl apply rewrites an annotation the
 * object has, or drops it past 256 KiB of annotations). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define CM "/api/v1/namespaces/default/configmaps"
#define WIDGETS "/apis/fake.example.com/v1/namespaces/default/widgets"
#define APPLY "application/apply-patch+yaml"
#define CSA "kubectl-client-side-apply"
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static fo_fake_apiserver *fa;
static fka_tc *tc;

static void setup(void)
{
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true};
    tc = fka_tc_start_fake(&o, &fa);
    fka_tc_install_crd(tc, "apiserver-crd-widgets.yaml");
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
}

/* One request with a JSON body built from obj (stolen); the answer in *out when wanted. */
static int send(const char *method, const char *path, const char *type, json_t *obj, json_t **out)
{
    char *body = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    fka_tc_res res;
    int code = fka_tc_req(tc, method, path, type, NULL, body, &res);
    free(body);
    if (out)
        *out = json_incref(res.body);
    fka_tc_res_release(&res);
    return code;
}

static const char *annotation(const json_t *obj)
{
    return json_string_value(
        json_object_get(fo_json_get(obj, "metadata.annotations"), LAST_APPLIED));
}

/* A ConfigMap as client-side `kubectl apply` creates it: POSTed by its field manager with
 * the annotation last_applied and the data (a JSON object). */
static void csa_create(const char *name, const char *last_applied, const char *data)
{
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:o}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", name, "annotations", LAST_APPLIED,
                           last_applied, "data", json_loads(data, 0, NULL));
    ck_assert_int_eq(send("POST", CM "?fieldManager=" CSA, "application/json", cm, NULL), 201);
}

/* What client-side apply records for a ConfigMap default/<name> with data a: "1". */
static char *csa_annotation(const char *name, const char *data)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"data\":%s,\"kind\":\"ConfigMap\",\"metadata\":{"
             "\"annotations\":{},\"name\":\"%s\",\"namespace\":\"default\"}}\n",
             data, name);
    return strdup(buf);
}

static json_t *cm_config(const char *name, const char *data)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "apiVersion", "v1", "kind", "ConfigMap",
                     "metadata", "name", name, "namespace", "default", "data",
                     json_loads(data, 0, NULL));
}

static int apply_cm(const char *manager, const char *name, json_t *config, json_t **out)
{
    char path[300];
    snprintf(path, sizeof path, CM "/%s?fieldManager=%s", name, manager);
    return send("PATCH", path, APPLY, config, out);
}

/* The review's reproduction: client-side apply of data a: "1", then `kubectl apply
 * --server-side` of a: "2" succeeds (a real server gives no 409), takes .data.a over from
 * the client-side apply manager and rewrites the annotation from the applied configuration. */
START_TEST(kubectl_apply_takes_over_what_last_applied_records)
{
    char *la = csa_annotation("mig", "{\"a\":\"1\"}");
    csa_create("mig", la, "{\"a\":\"1\"}");
    free(la);
    json_t *obj = NULL;
    ck_assert_int_eq(apply_cm("kubectl", "mig", cm_config("mig", "{\"a\":\"2\"}"), &obj), 200);
    ck_assert_str_eq(fka_str(obj, "data.a"), "2");
    ck_assert_str_eq(annotation(obj), "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"2\"},\"kind\":"
                                      "\"ConfigMap\",\"metadata\":{\"name\":\"mig\","
                                      "\"namespace\":\"default\"}}\n");
    const json_t *csa = fka_managed_entry(obj, CSA);
    ck_assert_ptr_nonnull(csa);
    ck_assert_ptr_null(fo_json_get(json_object_get(csa, "fieldsV1"), "f:data.f:a"));
    const json_t *ann = fo_json_get(json_object_get(csa, "fieldsV1"), "f:metadata.f:annotations");
    ck_assert_ptr_nonnull(json_object_get(ann, "f:" LAST_APPLIED));
    ck_assert_ptr_nonnull(
        fo_json_get(json_object_get(fka_managed_entry(obj, "kubectl"), "fieldsV1"), "f:data.f:a"));
    json_decref(obj);
}
END_TEST

/* Only the field manager "kubectl" migrates: any other name opts out and conflicts. */
START_TEST(other_managers_still_conflict)
{
    char *la = csa_annotation("mig", "{\"a\":\"1\"}");
    csa_create("mig", la, "{\"a\":\"1\"}");
    json_t *st = NULL;
    ck_assert_int_eq(apply_cm("kubectl-ssa", "mig", cm_config("mig", "{\"a\":\"2\"}"), &st), 409);
    ck_assert_str_eq(fka_str(st, "message"), "Apply failed with 1 conflict: conflict with "
                                             "\"kubectl-client-side-apply\" using v1: .data.a");
    json_decref(st);
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/mig", NULL, &obj), 200);
    ck_assert_str_eq(annotation(obj), la);
    json_decref(obj);
    free(la);
}
END_TEST

/* A field whose live value is not the recorded one stays a conflict, and is then the only
 * conflict reported (conflictsDifference); the recorded ones are not taken over alone. */
START_TEST(fields_changed_since_last_apply_still_conflict)
{
    char *la = csa_annotation("mig", "{\"a\":\"1\",\"b\":\"9\"}");
    csa_create("mig", la, "{\"a\":\"1\",\"b\":\"1\"}");
    free(la);
    json_t *st = NULL;
    ck_assert_int_eq(apply_cm("kubectl", "mig", cm_config("mig", "{\"a\":\"2\",\"b\":\"2\"}"), &st),
                     409);
    ck_assert_str_eq(fka_str(st, "message"), "Apply failed with 1 conflict: conflict with "
                                             "\"kubectl-client-side-apply\" using v1: .data.b");
    ck_assert_int_eq(json_array_size(fo_json_get(st, "details.causes")), 1);
    json_decref(st);
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/mig", NULL, &obj), 200);
    ck_assert_str_eq(fka_str(obj, "data.a"), "1");
    json_decref(obj);
}
END_TEST

/* Annotations allowedConflictsFromLastApplied cannot use leave every conflict in place:
 * empty, not JSON, no kind, another apiVersion, a field the type does not have. */
START_TEST(unusable_annotations_do_not_migrate)
{
    static const char *const bad[] = {
        "",
        "nonempty",
        "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\"}}",
        "{\"apiVersion\":\"v2\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"1\"}}",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"1\"},\"extra\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[16];
        snprintf(name, sizeof name, "bad%zu", i);
        csa_create(name, bad[i], "{\"a\":\"1\"}");
        json_t *st = NULL;
        ck_assert_int_eq(apply_cm("kubectl", name, cm_config(name, "{\"a\":\"2\"}"), &st), 409);
        ck_assert_str_eq(fka_str(st, "reason"), "Conflict");
        json_decref(st);
    }
}
END_TEST

/* An object with no annotation keeps having none; other managers leave it as it is. */
START_TEST(annotation_is_only_rewritten_where_it_is)
{
    json_t *obj = NULL;
    ck_assert_int_eq(apply_cm("kubectl", "plain", cm_config("plain", "{\"a\":\"1\"}"), &obj), 201);
    ck_assert_ptr_null(fo_json_get(obj, "metadata.annotations"));
    json_decref(obj);
    csa_create("kept", "old", "{\"a\":\"1\"}");
    ck_assert_int_eq(apply_cm("editor", "kept", cm_config("kept", "{\"b\":\"1\"}"), &obj), 200);
    ck_assert_str_eq(annotation(obj), "old");
    json_decref(obj);
}
END_TEST

/* buildLastApplied: the configuration as sent (no namespace added), without the annotation
 * but with the annotations map it leaves empty, in encoding/json's form: keys sorted, <, >,
 * & and U+2028 escaped, numbers as float64. */
START_TEST(annotation_is_the_applied_configuration_as_go_encodes_it)
{
    json_t *w =
        json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s, s:{s:f, s:f, s:f, s:f, s:I, s:I, s:s}}}",
                  "apiVersion", "fake.example.com/v1", "kind", "Widget", "metadata", "name", "w",
                  "annotations", LAST_APPLIED, "x", "spec", "image", "i<&>\xe2\x80\xa8", "config",
                  "half", 0.5, "tiny", 1e-7, "huge", 1e21, "whole", 3.0, "int", (json_int_t)42,
                  "big", (json_int_t)9007199254740993LL, "ctl", "\x01\b");
    json_t *obj = NULL;
    ck_assert_int_eq(send("PATCH", WIDGETS "/w?fieldManager=kubectl", APPLY, w, &obj), 201);
    ck_assert_str_eq(annotation(obj),
                     "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\",\"metadata\":{"
                     "\"annotations\":{},\"name\":\"w\"},\"spec\":{\"config\":{"
                     "\"big\":9007199254740992,\"ctl\":\"\\u0001\\b\",\"half\":0.5,"
                     "\"huge\":1e+21,\"int\":42,\"tiny\":1e-7,\"whole\":3},"
                     "\"image\":\"i\\u003c\\u0026\\u003e\\u2028\"}}\n");
    json_decref(obj);
}
END_TEST

/* SetLastApplied: past 256 KiB of annotations the annotation is dropped, not the apply. */
START_TEST(too_large_annotation_is_dropped)
{
    csa_create("big", "old", "{\"a\":\"1\"}");
    size_t n = 256 * 1024;
    char *v = malloc(n + 1);
    memset(v, 'x', n);
    v[n] = 0;
    json_t *cfg = cm_config("big", "{}");
    json_object_set_new(json_object_get(cfg, "data"), "v", json_string(v));
    free(v);
    json_t *obj = NULL;
    ck_assert_int_eq(apply_cm("kubectl", "big", cfg, &obj), 200);
    ck_assert_int_eq(strlen(fka_str(obj, "data.v")), n);
    ck_assert_ptr_null(fo_json_get(obj, "metadata.annotations"));
    json_decref(obj);
}
END_TEST

/* Empties managedFields as a client may ([{}] resets them): the object is untracked. */
static void reset_managed_fields(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, CM "/%s", name);
    json_t *patch = json_pack("[{s:s, s:s, s:[{}]}]", "op", "replace", "path",
                              "/metadata/managedFields", "value");
    json_t *obj = NULL;
    ck_assert_int_eq(send("PATCH", path, "application/json-patch+json", patch, &obj), 200);
    ck_assert_ptr_null(fo_json_get(obj, "metadata.managedFields"));
    json_decref(obj);
}

/* skipnonapplied.go: the first apply to an untracked object finds its fields owned by an
 * Update of "before-first-apply"; they conflict, and kubectl migrates them like any other
 * manager's when the annotation records them. */
START_TEST(untracked_fields_belong_to_before_first_apply)
{
    char *la = csa_annotation("u", "{\"a\":\"1\"}");
    csa_create("u", la, "{\"a\":\"1\"}");
    free(la);
    reset_managed_fields("u");
    json_t *st = NULL;
    ck_assert_int_eq(apply_cm("editor", "u", cm_config("u", "{\"a\":\"2\"}"), &st), 409);
    ck_assert_str_eq(fka_str(st, "message"), "Apply failed with 1 conflict: conflict with "
                                             "\"before-first-apply\" using v1: .data.a");
    json_decref(st);
    json_t *obj = NULL;
    ck_assert_int_eq(apply_cm("kubectl", "u", cm_config("u", "{\"a\":\"2\"}"), &obj), 200);
    ck_assert_str_eq(fka_str(obj, "data.a"), "2");
    const json_t *before = fka_managed_entry(obj, "before-first-apply");
    ck_assert_ptr_nonnull(before);
    ck_assert_str_eq(fka_str(before, "operation"), "Update");
    ck_assert_ptr_null(fo_json_get(json_object_get(before, "fieldsV1"), "f:data.f:a"));
    ck_assert_ptr_nonnull(fka_managed_entry(obj, "kubectl"));
    json_decref(obj);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_apply_migration");
    TCase *t = tcase_create("last_applied");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, kubectl_apply_takes_over_what_last_applied_records);
    tcase_add_test(t, other_managers_still_conflict);
    tcase_add_test(t, fields_changed_since_last_apply_still_conflict);
    tcase_add_test(t, unusable_annotations_do_not_migrate);
    tcase_add_test(t, annotation_is_only_rewritten_where_it_is);
    tcase_add_test(t, annotation_is_the_applied_configuration_as_go_encodes_it);
    tcase_add_test(t, too_large_annotation_is_dropped);
    tcase_add_test(t, untracked_fields_belong_to_before_first_apply);
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
