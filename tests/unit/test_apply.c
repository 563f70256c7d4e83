/* controller/apply: subset comparison (what the API server adds is not drift), merge patch
 * construction (RFC 7386: our fields only, lists whole, stray ConfigMap keys nulled, the
 * resourceVersion as precondition; kube-api-semantics.md §4, §9), the refusal to touch objects
 * we do not own (but for what the resource's JobManager Deployment owns), and create-or-patch
 * through the seam. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/apply.h"
#include "tests/unit/ctl_fake_io.h"

#define UID "3f6a1c9e-0000-4000-8000-000000000001"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    ck_assert_msg(v != NULL, "%s", e.text);
    return v;
}

static json_t *owner_ref(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", "flink.apache.org/v1beta1",
                     "kind", "FlinkDeployment", "name", "x", "uid", UID, "controller", 1,
                     "blockOwnerDeletion", 1);
}

static json_t *desired_service(void)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}, s:[o]}, s:{s:s, s:[{s:s, s:i, s:i}], "
                     "s:{s:s}}}",
                     "apiVersion", "v1", "kind", "Service", "metadata", "name", "x-rest",
                     "namespace", "default", "labels", "app", "x", "type",
                     "flink-native-kubernetes", "ownerReferences", owner_ref(), "spec", "type",
                     "ClusterIP", "ports", "name", "rest", "port", 8081, "targetPort", 8081,
                     "selector", "app", "x");
}

/* The Service as the API server stores it: defaults and its own fields added. */
static json_t *stored_service(void)
{
    json_t *s = desired_service();
    json_t *meta = json_object_get(s, "metadata");
    json_object_set_new(meta, "uid", json_string("svc-uid"));
    json_object_set_new(meta, "resourceVersion", json_string("17"));
    json_object_set_new(json_object_get(meta, "labels"), "team", json_string("data"));
    json_object_set_new(meta, "annotations", json_pack("{s:s}", "cloud.example/lb", "internal"));
    json_t *spec = json_object_get(s, "spec");
    json_object_set_new(spec, "clusterIP", json_string("10.0.0.12"));
    json_object_set_new(spec, "sessionAffinity", json_string("None"));
    json_object_set_new(json_array_get(json_object_get(spec, "ports"), 0), "protocol",
                        json_string("TCP"));
    return s;
}

START_TEST(server_defaults_and_foreign_metadata_are_not_drift)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    ck_assert(fo_apply_matches(want, live));
    ck_assert_ptr_null(fo_apply_patch(want, live));
    json_decref(want);
    json_decref(live);
}
END_TEST

START_TEST(changed_missing_or_resized_fields_are_drift)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    fo_json_set_path(live, "spec.type", json_string("NodePort"));
    ck_assert(!fo_apply_matches(want, live));
    json_decref(live);

    live = stored_service();
    json_object_del(fo_json_get(live, "metadata.labels"), "app");
    ck_assert(!fo_apply_matches(want, live));
    json_decref(live);

    live = stored_service();
    json_array_append_new(fo_json_get(live, "spec.ports"),
                          json_pack("{s:s, s:i}", "name", "extra", "port", 9));
    ck_assert(!fo_apply_matches(want, live));
    json_decref(live);
    json_decref(want);
}
END_TEST

START_TEST(absent_equals_a_zero_value)
{
    json_t *want = parse("{\"kind\":\"Deployment\",\"spec\":{\"paused\":false,\"replicas\":1,"
                         "\"template\":{\"metadata\":{\"annotations\":{}},\"spec\":{"
                         "\"volumes\":[]}}}}");
    json_t *live = parse("{\"kind\":\"Deployment\",\"spec\":{\"replicas\":1,\"template\":{"
                         "\"metadata\":{},\"spec\":{}}}}");
    ck_assert(fo_apply_matches(want, live));
    json_decref(want);
    json_decref(live);
}
END_TEST

START_TEST(our_owner_reference_must_be_there)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    json_object_set_new(json_object_get(live, "metadata"), "ownerReferences",
                        json_pack("[{s:s, s:s, s:s, s:s}]", "apiVersion", "v1", "kind", "Other",
                                  "name", "o", "uid", "other-uid"));
    ck_assert(!fo_apply_owned_by(live, UID));
    ck_assert(!fo_apply_matches(want, live));
    /* The patch keeps the other owner and adds ours. */
    json_t *patch = fo_apply_patch(want, live);
    json_t *refs = fo_json_get(patch, "metadata.ownerReferences");
    ck_assert_uint_eq(json_array_size(refs), 2);
    ck_assert_str_eq(fo_json_str(json_array_get(refs, 0), "uid"), "other-uid");
    ck_assert_str_eq(fo_json_str(json_array_get(refs, 1), "uid"), UID);
    json_decref(patch);
    json_decref(want);
    json_decref(live);
}
END_TEST

/* Flink's native client makes the JobManager Deployment the one owner (controller) of what it
 * creates beside it (Fabric8FlinkKubeClient.setOwnerReference). */
static json_t *jm_ref(const char *uid)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", "apps/v1", "kind",
                     "Deployment", "name", "x", "uid", uid, "controller", 1,
                     "blockOwnerDeletion", 1);
}

START_TEST(what_the_resources_jobmanager_deployment_alone_owns_is_ours)
{
    json_t *live = stored_service();
    json_t *meta = json_object_get(live, "metadata");
    json_object_set_new(meta, "ownerReferences", json_pack("[o]", jm_ref("jm-uid")));
    ck_assert(!fo_apply_owned_by(live, UID));
    ck_assert(!fo_apply_ours(live, UID, NULL));
    ck_assert(!fo_apply_ours(live, UID, ""));
    ck_assert(fo_apply_ours(live, UID, "jm-uid"));
    ck_assert(!fo_apply_ours(live, UID, "another-deployment"));
    /* with a third owner it is someone else's as well */
    json_array_append_new(json_object_get(meta, "ownerReferences"),
                          json_pack("{s:s, s:s, s:s, s:s}", "apiVersion", "v1", "kind", "Other",
                                    "name", "o", "uid", "other-uid"));
    ck_assert(!fo_apply_ours(live, UID, "jm-uid"));
    /* ours, whatever else owns it */
    json_array_append_new(json_object_get(meta, "ownerReferences"), owner_ref());
    ck_assert(fo_apply_ours(live, UID, NULL));
    json_decref(live);
}
END_TEST

/* Adding our controller reference next to the Deployment's: the API server takes one
 * controller (kube-api-semantics.md §8), so the Deployment's is kept without the flag. */
START_TEST(our_controller_reference_takes_the_flag_from_the_kept_one)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    json_object_set_new(json_object_get(live, "metadata"), "ownerReferences",
                        json_pack("[o]", jm_ref("jm-uid")));
    json_t *patch = fo_apply_patch(want, live);
    json_t *refs = fo_json_get(patch, "metadata.ownerReferences");
    ck_assert_uint_eq(json_array_size(refs), 2);
    json_t *kept = json_array_get(refs, 0), *ours = json_array_get(refs, 1);
    ck_assert_str_eq(fo_json_str(kept, "uid"), "jm-uid");
    ck_assert(json_is_false(json_object_get(kept, "controller")));
    ck_assert(json_is_true(json_object_get(kept, "blockOwnerDeletion")));
    ck_assert_str_eq(fo_json_str(ours, "uid"), UID);
    ck_assert(json_is_true(json_object_get(ours, "controller")));
    /* the live object keeps its own flag (a snapshot is never changed) */
    json_t *before = json_array_get(fo_json_get(live, "metadata.ownerReferences"), 0);
    ck_assert(json_is_true(json_object_get(before, "controller")));
    json_decref(patch);
    json_decref(want);
    json_decref(live);
}
END_TEST

/* A patch of metadata alone carries no spec: written again, a Deployment's pod template is
 * defaulted again by the API server, and a list written whole drops what others added inside
 * its items (a restart of its pods). */
START_TEST(a_patch_leaves_out_what_already_matches)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    json_object_del(fo_json_get(live, "metadata.labels"), "app");
    json_t *patch = fo_apply_patch(want, live);
    ck_assert_ptr_nonnull(patch);
    ck_assert_str_eq(fo_json_get_str(patch, "metadata.labels.app"), "x");
    ck_assert_ptr_null(json_object_get(patch, "spec"));
    json_t *after = fo_json_merge_patch_apply(live, patch);
    ck_assert(fo_apply_matches(want, after));
    json_decref(after);
    json_decref(patch);
    json_decref(want);
    json_decref(live);
}
END_TEST

START_TEST(patch_sets_our_fields_and_the_resource_version)
{
    json_t *want = desired_service();
    json_t *live = stored_service();
    fo_json_set_path(live, "spec.type", json_string("NodePort"));
    json_t *patch = fo_apply_patch(want, live);
    ck_assert_ptr_nonnull(patch);
    ck_assert_str_eq(fo_json_get_str(patch, "metadata.resourceVersion"), "17");
    ck_assert_str_eq(fo_json_get_str(patch, "spec.type"), "ClusterIP");
    ck_assert_str_eq(fo_json_get_str(patch, "metadata.labels.app"), "x");
    ck_assert_ptr_null(fo_json_get(patch, "metadata.ownerReferences")); /* already right */
    ck_assert_ptr_null(fo_json_get(patch, "apiVersion"));
    /* Applied as a merge patch it yields a matching object that keeps the foreign fields. */
    json_t *after = fo_json_merge_patch_apply(live, patch);
    ck_assert(fo_apply_matches(want, after));
    ck_assert_str_eq(fo_json_get_str(after, "metadata.labels.team"), "data");
    ck_assert_str_eq(fo_json_get_str(after, "spec.clusterIP"), "10.0.0.12");
    json_decref(after);
    json_decref(patch);
    json_decref(want);
    json_decref(live);
}
END_TEST

START_TEST(config_map_data_must_match_exactly)
{
    json_t *want =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:[o]}, s:{s:s}}", "apiVersion", "v1", "kind",
                  "ConfigMap", "metadata", "name", "flink-config-x", "namespace", "default",
                  "ownerReferences", owner_ref(), "data", "config.yaml", "a: 1\n");
    json_t *live = json_deep_copy(want);
    ck_assert(fo_apply_matches(want, live));
    json_object_set_new(json_object_get(live, "data"), "stray.txt", json_string("x"));
    ck_assert(!fo_apply_matches(want, live));
    json_t *patch = fo_apply_patch(want, live);
    ck_assert(json_is_null(json_object_get(json_object_get(patch, "data"), "stray.txt")));
    json_t *after = fo_json_merge_patch_apply(live, patch);
    ck_assert(fo_apply_matches(want, after));
    ck_assert_ptr_null(json_object_get(json_object_get(after, "data"), "stray.txt"));
    json_decref(after);
    json_decref(patch);
    json_decref(want);
    json_decref(live);
}
END_TEST

/* ---- through the seam -------------------------------------------------------------------------
 */

START_TEST(set_creates_missing_and_patches_drifted_objects)
{
    fake_world *w = fake_world_new();
    json_t *live = stored_service();
    fo_json_set_path(live, "spec.type", json_string("NodePort"));
    fake_put(&w->kube, live);
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:[o]}, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", "flink-config-x", "namespace",
                           "default", "ownerReferences", owner_ref(), "data", "k", "v");
    json_t *desired = json_pack("[o, o]", cm, desired_service());
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, NULL, &rep, &err), FO_OK);
    ck_assert_int_eq(rep.created, 1);
    ck_assert_int_eq(rep.patched, 1);
    ck_assert_str_eq(w->kube.log[0].verb, "create");
    ck_assert_str_eq(w->kube.log[1].verb, "patch");
    ck_assert_str_eq(
        fo_json_get_str(fake_get(&w->kube, FO_CTL_SERVICE, "default", "x-rest"), "spec.type"),
        "ClusterIP");
    /* Again: nothing to do. */
    memset(&rep, 0, sizeof rep);
    size_t before = w->kube.nlog;
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, NULL, &rep, &err), FO_OK);
    ck_assert_int_eq(rep.unchanged, 2);
    ck_assert_uint_eq(w->kube.nlog, before);
    json_decref(desired);
    json_decref(live);
    fake_world_free(w);
}
END_TEST

START_TEST(object_not_owned_stops_the_whole_set)
{
    fake_world *w = fake_world_new();
    json_t *foreign = stored_service();
    json_object_del(json_object_get(foreign, "metadata"), "ownerReferences");
    fake_put(&w->kube, foreign);
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:[o]}, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", "flink-config-x", "namespace",
                           "default", "ownerReferences", owner_ref(), "data", "k", "v");
    json_t *desired = json_pack("[o, o]", cm, desired_service());
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, NULL, &rep, &err), FO_EFORBIDDEN);
    ck_assert_str_eq(rep.not_owned, "Service default/x-rest");
    ck_assert_ptr_nonnull(strstr(err.message, "not owned"));
    ck_assert_uint_eq(w->kube.nlog, 0); /* not even the ConfigMap was created */
    json_decref(desired);
    json_decref(foreign);
    fake_world_free(w);
}
END_TEST

/* A seam whose cache never sees anything: creates find the name taken. */
static json_t *blind_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    (void)ctx;
    (void)kind;
    (void)ns;
    (void)name;
    return NULL;
}

START_TEST(create_that_finds_the_name_taken_reads_and_patches)
{
    fake_world *w = fake_world_new();
    json_t *live = stored_service();
    fo_json_set_path(live, "spec.type", json_string("NodePort"));
    fake_put(&w->kube, live);
    fo_ctl_kube kube = w->env.kube;
    kube.cached = blind_cached;
    json_t *desired = json_pack("[o]", desired_service());
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set(&kube, desired, UID, NULL, &rep, &err), FO_OK);
    ck_assert_int_eq(rep.created, 0);
    ck_assert_int_eq(rep.patched, 1);
    json_decref(desired);
    json_decref(live);
    fake_world_free(w);
}
END_TEST

/* What the resource's JobManager Deployment owns is converged with the set, and what another
 * owner holds stops it as before. */
START_TEST(set_takes_over_what_the_jobmanager_deployment_owns)
{
    fake_world *w = fake_world_new();
    json_t *live = stored_service();
    json_object_set_new(json_object_get(live, "metadata"), "ownerReferences",
                        json_pack("[o]", jm_ref("jm-uid")));
    fake_put(&w->kube, live);
    json_t *desired = json_pack("[o]", desired_service());
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, "other-deployment", &rep, &err),
                     FO_EFORBIDDEN);
    ck_assert_uint_eq(w->kube.nlog, 0);
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, "jm-uid", &rep, &err), FO_OK);
    ck_assert_int_eq(rep.patched, 1);
    json_t *stored = fake_get(&w->kube, FO_CTL_SERVICE, "default", "x-rest");
    ck_assert(fo_apply_owned_by(stored, UID));
    ck_assert(fo_apply_owned_by(stored, "jm-uid"));
    memset(&rep, 0, sizeof rep);
    ck_assert_int_eq(fo_apply_set(&w->env.kube, desired, UID, NULL, &rep, &err), FO_OK);
    ck_assert_int_eq(rep.unchanged, 1);
    json_decref(desired);
    json_decref(live);
    fake_world_free(w);
}
END_TEST

/* A cluster whose pods must not change (one another operator launched): its live ConfigMaps
 * keep their data and get their metadata repaired (labels, our reference), an absent one is
 * created whole, and the kinds not kept (the Service) are converged in full. */
START_TEST(kept_kinds_get_their_metadata_converged_alone)
{
    fake_world *w = fake_world_new();
    json_t *live_cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:[o]}, s:{s:s}}", "apiVersion", "v1",
                                "kind", "ConfigMap", "metadata", "name", "flink-config-x",
                                "namespace", "default", "ownerReferences", jm_ref("jm-uid"),
                                "data", "config.yaml", "rest.port: 8081\n");
    fake_put(&w->kube, live_cm);
    json_t *svc = stored_service();
    fo_json_set_path(svc, "spec.type", json_string("NodePort"));
    fake_put(&w->kube, svc);
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}, s:[o]}, s:{s:s}}", "apiVersion",
                           "v1", "kind", "ConfigMap", "metadata", "name", "flink-config-x",
                           "namespace", "default", "labels", "app", "x", "ownerReferences",
                           owner_ref(), "data", "config.yaml", "a: 1\n");
    json_t *absent = json_deep_copy(cm);
    fo_json_set_path(absent, "metadata.name", json_string("pod-template-x"));
    json_t *desired = json_pack("[o, o, o]", cm, absent, desired_service());
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_set_keeping(&w->env.kube, desired, UID, "jm-uid",
                                          FO_APPLY_KIND_BIT(FO_CTL_CONFIG_MAP), &rep, &err),
                     FO_OK);
    ck_assert_int_eq(rep.patched, 2);
    ck_assert_int_eq(rep.created, 1);
    int at = fake_find(&w->kube, 0, "patch", FO_CTL_CONFIG_MAP);
    ck_assert_int_ge(at, 0);
    ck_assert_ptr_null(json_object_get(w->kube.log[at].body, "data"));
    json_t *stored = fake_get(&w->kube, FO_CTL_CONFIG_MAP, "default", "flink-config-x");
    ck_assert_str_eq(fo_json_str(json_object_get(stored, "data"), "config.yaml"),
                     "rest.port: 8081\n");
    ck_assert_str_eq(fo_json_get_str(stored, "metadata.labels.app"), "x");
    ck_assert(fo_apply_owned_by(stored, UID) && fo_apply_owned_by(stored, "jm-uid"));
    ck_assert_str_eq(fo_json_str(json_object_get(fake_get(&w->kube, FO_CTL_CONFIG_MAP, "default",
                                                          "pod-template-x"),
                                                 "data"),
                                 "config.yaml"),
                     "a: 1\n");
    ck_assert_str_eq(
        fo_json_get_str(fake_get(&w->kube, FO_CTL_SERVICE, "default", "x-rest"), "spec.type"),
        "ClusterIP");
    /* settled: the kept data is no drift */
    memset(&rep, 0, sizeof rep);
    size_t before = w->kube.nlog;
    ck_assert_int_eq(fo_apply_set_keeping(&w->env.kube, desired, UID, "jm-uid",
                                          FO_APPLY_KIND_BIT(FO_CTL_CONFIG_MAP), &rep, &err),
                     FO_OK);
    ck_assert_int_eq(rep.unchanged, 3);
    ck_assert_uint_eq(w->kube.nlog, before);
    json_decref(desired);
    json_decref(svc);
    json_decref(live_cm);
    fake_world_free(w);
}
END_TEST

START_TEST(prune_deletes_only_owned_objects_no_longer_desired)
{
    fake_world *w = fake_world_new();
    json_t *ingress = json_pack("{s:s, s:s, s:{s:s, s:s, s:[o]}}", "apiVersion",
                                "networking.k8s.io/v1", "kind", "Ingress", "metadata", "name", "x",
                                "namespace", "default", "ownerReferences", owner_ref());
    json_t *foreign = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Service",
                                "metadata", "name", "x", "namespace", "default");
    fake_put(&w->kube, ingress);
    fake_put(&w->kube, foreign);
    fo_apply_ref refs[] = {{FO_CTL_INGRESS, "x"}, {FO_CTL_SERVICE, "x"}, {FO_CTL_CONFIG_MAP, "y"}};
    json_t *desired = json_array();
    fo_apply_report rep = {0};
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_apply_prune(&w->env.kube, "default", refs, 3, desired, UID, &rep, &err),
                     FO_OK);
    ck_assert_int_eq(rep.deleted, 1);
    ck_assert_ptr_null(fake_get(&w->kube, FO_CTL_INGRESS, "default", "x"));
    ck_assert_ptr_nonnull(fake_get(&w->kube, FO_CTL_SERVICE, "default", "x"));
    json_decref(desired);
    json_decref(ingress);
    json_decref(foreign);
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("apply");
    TCase *tc = tcase_create("apply");
    tcase_add_test(tc, server_defaults_and_foreign_metadata_are_not_drift);
    tcase_add_test(tc, changed_missing_or_resized_fields_are_drift);
    tcase_add_test(tc, absent_equals_a_zero_value);
    tcase_add_test(tc, our_owner_reference_must_be_there);
    tcase_add_test(tc, what_the_resources_jobmanager_deployment_alone_owns_is_ours);
    tcase_add_test(tc, our_controller_reference_takes_the_flag_from_the_kept_one);
    tcase_add_test(tc, a_patch_leaves_out_what_already_matches);
    tcase_add_test(tc, patch_sets_our_fields_and_the_resource_version);
    tcase_add_test(tc, config_map_data_must_match_exactly);
    tcase_add_test(tc, set_creates_missing_and_patches_drifted_objects);
    tcase_add_test(tc, object_not_owned_stops_the_whole_set);
    tcase_add_test(tc, create_that_finds_the_name_taken_reads_and_patches);
    tcase_add_test(tc, set_takes_over_what_the_jobmanager_deployment_owns);
    tcase_add_test(tc, prune_deletes_only_owned_objects_no_longer_desired);
    tcase_add_test(tc, kept_kinds_get_their_metadata_converged_alone);
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
