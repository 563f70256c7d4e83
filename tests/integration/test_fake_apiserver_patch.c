/* The fake API server against kube-api-semantics.md §9 (PATCH content types: JSON patch,
 * merge patch, strategic merge patch for built-ins and 415 for CRs, server-side apply with
 * managedFields, conflicts and force), and §2's fieldManager records, plus what the API server
 * does to incoming objects against their schema (defaults, pruning, fieldValidation, CRD
 * schema validation), over HTTP. */
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
#define DEPLOY "/apis/apps/v1/namespaces/default/deployments"
#define MERGE "application/merge-patch+json"
#define JSONP "application/json-patch+json"
#define SMP "application/strategic-merge-patch+json"
#define APPLY "application/apply-patch+yaml"

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

static int req(const char *method, const char *path, const char *type, const char *body,
               json_t **out)
{
    fka_tc_res res;
    int code = fka_tc_req(tc, method, path, type, NULL, body, &res);
    if (out)
        *out = json_incref(res.body);
    fka_tc_res_release(&res);
    return code;
}

static char *containers_text(const json_t *d)
{
    json_t *names = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(d, "spec.template.spec.containers"), i, c)
    {
        char buf[200];
        snprintf(buf, sizeof buf, "%s=%s", fka_str(c, "name"), fka_str(c, "image"));
        json_array_append_new(names, json_string(buf));
    }
    char *t = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    return t;
}

/* §9: merge patch merges maps, deletes with null, replaces lists whole. */
START_TEST(section9_merge_patch_rules)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, WIDGETS, "apiserver-widget.yaml", NULL), 201);
    json_t *w = NULL;
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", MERGE,
                         "{\"metadata\":{\"labels\":{\"app\":null,\"b\":\"c\"}},\"spec\":"
                         "{\"ports\":[{\"name\":\"grpc\",\"port\":9}]}}",
                         &w),
                     200);
    ck_assert_ptr_null(fo_json_get(w, "metadata.labels.app"));
    ck_assert_str_eq(fka_str(w, "metadata.labels.b"), "c");
    ck_assert_uint_eq(json_array_size(fo_json_get(w, "spec.ports")), 1);
    ck_assert_str_eq(fka_str(json_array_get(fo_json_get(w, "spec.ports"), 0), "name"), "grpc");
    json_decref(w);
}
END_TEST

/* §9: JSON patch applies operations; a failing test is 422, a malformed document 400. */
START_TEST(section9_json_patch_test_failure_is_422)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, WIDGETS, "apiserver-widget.yaml", NULL), 201);
    json_t *w = NULL;
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", JSONP,
                         "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":2},"
                         "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]",
                         &w),
                     200);
    json_decref(w);
    json_t *st = NULL;
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", JSONP,
                         "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":2}]", &st),
                     422);
    ck_assert_str_eq(fka_str(st, "reason"), "Invalid");
    ck_assert_str_eq(fka_str(st, "message"),
                     "the server rejected our request due to an error in our request");
    json_decref(st);
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", JSONP, "{\"op\":\"add\"}", &st), 400);
    ck_assert_str_eq(fka_str(st, "reason"), "BadRequest");
    json_decref(st);
}
END_TEST

/* §9 JSON patch (RFC 6901 pointers): a path naming a key that holds NUL ("a\u0000b" in a
 * preserved map, which the API server stores) applies to that key, not to the key "a"
 * before the NUL; a test on it compares that key's value. */
START_TEST(section9_json_patch_paths_name_keys_holding_nul_whole)
{
    json_t *w = NULL;
    ck_assert_int_eq(req("POST", WIDGETS, "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"nul\"},\"spec\":{\"image\":\"i\","
                         "\"config\":{\"a\":\"1\",\"a\\u0000b\":\"2\"}}}",
                         &w),
                     201);
    /* Stored as sent: two members, neither cut at the NUL. */
    ck_assert_str_eq(json_string_value(fo_json_get(w, "spec.config.a")), "1");
    ck_assert_str_eq(json_string_value(json_object_getn(fo_json_get(w, "spec.config"), "a\0b", 3)),
                     "2");
    json_decref(w);
    ck_assert_int_eq(req("PATCH", WIDGETS "/nul", JSONP,
                         "[{\"op\":\"test\",\"path\":\"/spec/config/a\\u0000b\",\"value\":\"2\"},"
                         "{\"op\":\"replace\",\"path\":\"/spec/config/a\\u0000b\","
                         "\"value\":\"3\"}]",
                         &w),
                     200);
    const json_t *cfg = fo_json_get(w, "spec.config");
    ck_assert_str_eq(json_string_value(json_object_get(cfg, "a")), "1");
    ck_assert_str_eq(json_string_value(json_object_getn(cfg, "a\0b", 3)), "3");
    json_decref(w);
    /* "a" holds "1": a test of "a\u0000b" against "1" fails. */
    json_t *st = NULL;
    ck_assert_int_eq(req("PATCH", WIDGETS "/nul", JSONP,
                         "[{\"op\":\"test\",\"path\":\"/spec/config/a\\u0000b\",\"value\":\"1\"}]",
                         &st),
                     422);
    json_decref(st);
    ck_assert_int_eq(req("PATCH", WIDGETS "/nul", JSONP,
                         "[{\"op\":\"remove\",\"path\":\"/spec/config/a\\u0000b\"}]", &w),
                     200);
    cfg = fo_json_get(w, "spec.config");
    ck_assert_str_eq(json_string_value(json_object_get(cfg, "a")), "1");
    ck_assert_ptr_null(json_object_getn(cfg, "a\0b", 3));
    json_decref(w);
    /* Pruning an unknown "image\u0000x" leaves the declared "image" alone. */
    ck_assert_int_eq(req("POST", WIDGETS "?fieldValidation=Ignore", "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"nul2\"},\"spec\":{\"image\":\"i\","
                         "\"image\\u0000x\":\"y\"}}",
                         &w),
                     201);
    ck_assert_str_eq(fka_str(w, "spec.image"), "i");
    ck_assert_uint_eq(json_object_size(fo_json_get(w, "spec")), 2); /* image, mode (default) */
    json_decref(w);
}
END_TEST

/* §9: strategic merge patch merges containers by name and honours $patch: delete and
 * $setElementOrder. */
START_TEST(section9_strategic_merge_patch_merges_by_key)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, DEPLOY, "apiserver-deployment.yaml", NULL), 201);
    json_t *d = NULL;
    ck_assert_int_eq(req("PATCH", DEPLOY "/web", SMP,
                         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\","
                         "\"image\":\"nginx:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}]}}}}",
                         &d),
                     200);
    char *t = containers_text(d);
    ck_assert_str_eq(t, "[\"main=nginx:2\",\"sidecar=busybox\"]");
    free(t);
    /* env merged by name too. */
    ck_assert_uint_eq(
        json_array_size(json_object_get(json_array_get(fo_json_get(d, "spec.template.spec."
                                                                      "containers"),
                                                       0),
                                        "env")),
        2);
    json_decref(d);
    ck_assert_int_eq(req("PATCH", DEPLOY "/web", SMP,
                         "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
                         "[{\"name\":\"sidecar\"},{\"name\":\"main\"}],\"containers\":[{\"name\":"
                         "\"sidecar\",\"image\":\"busybox:2\"}]}}}}",
                         &d),
                     200);
    t = containers_text(d);
    ck_assert_str_eq(t, "[\"sidecar=busybox:2\",\"main=nginx:2\"]");
    free(t);
    json_decref(d);
    ck_assert_int_eq(req("PATCH", DEPLOY "/web", SMP,
                         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"sidecar\","
                         "\"$patch\":\"delete\"}]}}}}",
                         &d),
                     200);
    t = containers_text(d);
    ck_assert_str_eq(t, "[\"main=nginx:2\"]");
    free(t);
    json_decref(d);
}
END_TEST

/* §9: CRs take no strategic merge patch (415), and unknown patch types are 415. */
START_TEST(section9_strategic_merge_patch_on_crs_is_415)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, WIDGETS, "apiserver-widget.yaml", NULL), 201);
    json_t *st = NULL;
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", SMP, "{\"spec\":{\"replicas\":1}}", &st), 415);
    ck_assert_str_eq(fka_str(st, "reason"), "UnsupportedMediaType");
    ck_assert_str_eq(fka_str(st, "message"),
                     "the body of the request was in an unknown format - accepted media types "
                     "include: application/json-patch+json, application/merge-patch+json, "
                     "application/apply-patch+yaml");
    json_decref(st);
    ck_assert_int_eq(req("PATCH", WIDGETS "/w1", "text/plain", "x", NULL), 415);
    ck_assert_int_eq(req("PATCH", WIDGETS "/missing", MERGE, "{}", NULL), 404);
}
END_TEST

/* §9: apply needs ?fieldManager (422). */
START_TEST(section9_apply_requires_field_manager)
{
    json_t *st = NULL;
    ck_assert_int_eq(req("PATCH", CM "/a", APPLY,
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", &st),
                     422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                     "Required value: is required for apply patch");
    json_decref(st);
}
END_TEST

/* §9: apply creates (201), records an Apply entry with exactly the applied fields, and an
 * identical re-apply changes nothing. */
START_TEST(section9_apply_creates_and_owns_its_fields)
{
    const char *cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: \"1\"\n";
    json_t *obj = NULL;
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl", APPLY, cfg, &obj), 201);
    const json_t *e = fka_managed_entry(obj, "ctl");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(fka_str(e, "operation"), "Apply");
    ck_assert_str_eq(fka_str(e, "fieldsType"), "FieldsV1");
    ck_assert_ptr_nonnull(fo_json_get(json_object_get(e, "fieldsV1"), "f:data"));
    char rv[32];
    snprintf(rv, sizeof rv, "%s", fka_str(obj, "metadata.resourceVersion"));
    json_decref(obj);
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl", APPLY, cfg, &obj), 200);
    ck_assert_str_eq(fka_str(obj, "metadata.resourceVersion"), rv);
    json_decref(obj);
}
END_TEST

/* §9: a field another manager owns with a different value is a conflict (409 with
 * FieldManagerConflict causes) unless force, which takes it over. */
START_TEST(section9_apply_conflicts_and_force)
{
    ck_assert_int_eq(req("POST", CM "?fieldManager=editor", "application/json",
                         "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                         "\"a\"},\"data\":{\"one\":\"1\",\"two\":\"1\"}}",
                         NULL),
                     201);
    json_t *st = NULL;
    const char *cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  one: \"2\"\n"
                      "  two: \"1\"\n";
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl", APPLY, cfg, &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "Conflict");
    ck_assert_str_eq(fka_str(st, "message"),
                     "Apply failed with 1 conflict: conflict with \"editor\" using v1: .data.one");
    json_t *cause = json_array_get(fo_json_get(st, "details.causes"), 0);
    ck_assert_str_eq(fka_str(cause, "reason"), "FieldManagerConflict");
    ck_assert_str_eq(fka_str(cause, "field"), ".data.one");
    json_decref(st);
    json_t *obj = NULL;
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl&force=true", APPLY, cfg, &obj), 200);
    ck_assert_str_eq(fka_str(obj, "data.one"), "2");
    const json_t *editor = fka_managed_entry(obj, "editor");
    ck_assert_ptr_nonnull(editor);
    ck_assert_ptr_null(fo_json_get(json_object_get(editor, "fieldsV1"), "f:data.f:one"));
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(editor, "fieldsV1.f:data"), "f:two"));
    json_decref(obj);
}
END_TEST

/* §9: a field the manager applied before and now leaves out is removed, unless another
 * manager owns it too. */
START_TEST(section9_apply_removes_fields_it_gave_up)
{
    /* (Keys like y/n/on/off would be YAML 1.1 booleans, as in kubectl.) */
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl", APPLY,
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"
                         "  one: \"1\"\n  two: \"1\"\n",
                         NULL),
                     201);
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=other", APPLY,
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"
                         "  two: \"1\"\n",
                         NULL),
                     200);
    json_t *obj = NULL;
    ck_assert_int_eq(req("PATCH", CM "/a?fieldManager=ctl", APPLY,
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {}\n", &obj),
                     200);
    ck_assert_ptr_null(fo_json_get(obj, "data.one"));
    ck_assert_str_eq(fka_str(obj, "data.two"), "1");
    json_decref(obj);
}
END_TEST

/* §2: non-apply writes record an Update entry for ?fieldManager. */
START_TEST(section2_updates_record_managed_fields)
{
    json_t *obj = NULL;
    ck_assert_int_eq(req("POST", CM "?fieldManager=flinkop", "application/json",
                         "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                         "\"a\"},\"data\":{\"x\":\"1\"}}",
                         &obj),
                     201);
    const json_t *e = fka_managed_entry(obj, "flinkop");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(fka_str(e, "operation"), "Update");
    ck_assert_str_eq(fka_str(e, "apiVersion"), "v1");
    json_decref(obj);
    ck_assert_int_eq(
        req("PATCH", CM "/a?fieldManager=other", MERGE, "{\"data\":{\"x\":\"2\"}}", &obj), 200);
    /* The changed field moved to the new manager; the creator keeps the data map itself. */
    ck_assert_ptr_nonnull(fka_managed_entry(obj, "other"));
    ck_assert_ptr_nonnull(
        json_object_get(fo_json_get(fka_managed_entry(obj, "other"), "fieldsV1.f:data"), "f:x"));
    e = fka_managed_entry(obj, "flinkop");
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(json_object_get(fo_json_get(e, "fieldsV1.f:data"), "f:x"));
    json_decref(obj);
}
END_TEST

/* CRD schemas: defaults are filled, unknown fields pruned, preserved objects kept. */
START_TEST(crd_schema_defaults_and_prunes)
{
    json_t *w = NULL;
    ck_assert_int_eq(req("POST", WIDGETS, "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"a\",\"colour\":"
                         "\"red\",\"config\":{\"any\":{\"thing\":1}}}}",
                         &w),
                     201);
    ck_assert_str_eq(fka_str(w, "spec.mode"), "slow");
    ck_assert_ptr_null(fo_json_get(w, "spec.colour"));
    ck_assert_ptr_nonnull(fo_json_get(w, "spec.config.any.thing"));
    json_decref(w);
}
END_TEST

/* fieldValidation: Strict is 400 naming the field, Warn is a Warning header. */
START_TEST(field_validation_strict_and_warn)
{
    json_t *st = NULL;
    const char *body = "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\",\"metadata\":"
                       "{\"name\":\"w\"},\"spec\":{\"image\":\"a\",\"colour\":\"red\"}}";
    ck_assert_int_eq(req("POST", WIDGETS "?fieldValidation=Strict", "application/json", body, &st),
                     400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "Widget in version \"v1\" cannot be handled as a Widget: "
                     "strict decoding error: unknown field \"spec.colour\"");
    json_decref(st);
    fka_tc_res res;
    ck_assert_int_eq(
        fka_tc_req(tc, "POST", WIDGETS "?fieldValidation=Warn", NULL, NULL, body, &res), 201);
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_str_eq(res.warnings[0], "299 - \"unknown field \\\"spec.colour\\\"\"");
    fka_tc_res_release(&res);
    /* Built-ins too. */
    ck_assert_int_eq(req("POST", CM "?fieldValidation=Strict", "application/json",
                         "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                         "\"a\"},\"dta\":{}}",
                         &st),
                     400);
    ck_assert(strstr(fka_str(st, "message"), "unknown field \"dta\""));
    json_decref(st);
}
END_TEST

/* CRD schema validation gives 422 with the API server's messages. */
START_TEST(crd_schema_validation_is_422)
{
    json_t *st = NULL;
    ck_assert_int_eq(req("POST", WIDGETS, "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"w\"},\"spec\":{\"mode\":\"turbo\",\"replicas\":"
                         "\"three\"}}",
                         &st),
                     422);
    const char *m = fka_str(st, "message");
    ck_assert(strstr(m, "Widget.fake.example.com \"w\" is invalid: ["));
    ck_assert(strstr(m, "spec.image: Required value"));
    ck_assert(strstr(m, "spec.mode: Unsupported value: \"turbo\": supported values: \"fast\", "
                        "\"slow\""));
    ck_assert(strstr(m, "spec.replicas: Invalid value: \"three\": spec.replicas in body must be of "
                        "type integer: \"string\""));
    ck_assert_uint_eq(json_array_size(fo_json_get(st, "details.causes")), 3);
    json_decref(st);
    /* a null list element is refused (a null member would be dropped); 2.0 is an integer */
    ck_assert_int_eq(req("POST", WIDGETS, "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"i\",\"tags\":"
                         "[\"a\",null],\"target\":2.0}}",
                         &st),
                     422);
    ck_assert_str_eq(fka_str(st, "message"), "Widget.fake.example.com \"w\" is invalid: "
                                             "spec.tags[1]: Invalid value: null: spec.tags[1] in "
                                             "body must be of type string: \"null\"");
    json_decref(st);
    ck_assert_int_eq(req("POST", WIDGETS, "application/json",
                         "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                         "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"i\",\"tags\":"
                         "[\"a\"],\"target\":2.0,\"replicas\":null}}",
                         &st),
                     201);
    json_decref(st);
}
END_TEST

/* Built-in defaults a controller sees after a create (Service clusterIP, Deployment). */
START_TEST(builtin_defaults_are_filled)
{
    json_t *svc = NULL;
    ck_assert_int_eq(
        req("POST", "/api/v1/namespaces/default/services", "application/json",
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
            "\"spec\":{\"selector\":{\"a\":\"b\"},\"ports\":[{\"port\":8081}]}}",
            &svc),
        201);
    ck_assert_str_eq(fka_str(svc, "spec.type"), "ClusterIP");
    ck_assert(strncmp(fka_str(svc, "spec.clusterIP"), "10.96.", 6) == 0);
    json_t *port = json_array_get(fo_json_get(svc, "spec.ports"), 0);
    ck_assert_str_eq(fka_str(port, "protocol"), "TCP");
    ck_assert_int_eq(json_integer_value(json_object_get(port, "targetPort")), 8081);
    /* An update without clusterIP keeps the allocated one. */
    char ip[32];
    snprintf(ip, sizeof ip, "%s", fka_str(svc, "spec.clusterIP"));
    json_decref(svc);
    ck_assert_int_eq(
        req("PUT", "/api/v1/namespaces/default/services/s", "application/json",
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
            "\"spec\":{\"ports\":[{\"port\":8082}]}}",
            &svc),
        200);
    ck_assert_str_eq(fka_str(svc, "spec.clusterIP"), ip);
    json_decref(svc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_patch");
    TCase *t = tcase_create("patch");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, section9_merge_patch_rules);
    tcase_add_test(t, section9_json_patch_test_failure_is_422);
    tcase_add_test(t, section9_json_patch_paths_name_keys_holding_nul_whole);
    tcase_add_test(t, section9_strategic_merge_patch_merges_by_key);
    tcase_add_test(t, section9_strategic_merge_patch_on_crs_is_415);
    tcase_add_test(t, section9_apply_requires_field_manager);
    tcase_add_test(t, section9_apply_creates_and_owns_its_fields);
    tcase_add_test(t, section9_apply_conflicts_and_force);
    tcase_add_test(t, section9_apply_removes_fields_it_gave_up);
    tcase_add_test(t, section2_updates_record_managed_fields);
    tcase_add_test(t, crd_schema_defaults_and_prunes);
    tcase_add_test(t, field_validation_strict_and_warn);
    tcase_add_test(t, crd_schema_validation_is_422);
    tcase_add_test(t, builtin_defaults_are_filled);
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
