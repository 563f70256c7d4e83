/* The normalisation pipeline: defaults + pod-template layering + target.session label
 * (fixtures tests/data/normalize-*: {name, clusterDefaults?, input, expected}). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/json_read.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static const char *const fixtures[] = {
    "normalize-deployment-layering.yaml",
    "normalize-deployment-templates-create-roles.yaml",
    "normalize-deployment-wrong-types.yaml",
    "normalize-sessionjob-target-label.yaml",
    "normalize-other-kinds.yaml",
};

static void assert_json_eq(const json_t *got, const json_t *want, const char *what)
{
    if (!fo_json_equal(got, want)) {
        char *g = got ? fo_json_dumps_canonical(got) : strdup("(NULL)");
        char *w = want ? fo_json_dumps_canonical(want) : strdup("(NULL)");
        ck_abort_msg("%s:\n got  %s\n want %s", what, g, w);
    }
}

/* Cluster defaults from the fixture's clusterDefaults object (JSON text is YAML). */
static fo_cluster_defaults *defaults_of(const json_t *tc)
{
    const json_t *v = json_object_get(tc, "clusterDefaults");
    if (!v)
        return NULL;
    char *text = fo_json_dumps_compact(v);
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, strlen(text), &err);
    ck_assert_msg(cd != NULL, "clusterDefaults: %s", err.message);
    free(text);
    return cd;
}

START_TEST(every_fixture_normalises_to_its_expected_resource_and_again_to_the_same)
{
    int cases = 0;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        json_t *docs = fo_test_load_yaml_all(fixtures[f]);
        size_t i;
        json_t *tc;
        json_array_foreach(docs, i, tc)
        {
            char what[256];
            snprintf(what, sizeof what, "%s: %s", fixtures[f], fo_json_str(tc, "name"));
            fo_cluster_defaults *cd = defaults_of(tc);
            json_t *obj = json_deep_copy(json_object_get(tc, "input"));
            fo_err err;
            fo_err_clear(&err);
            ck_assert_msg(fo_normalize_resource(obj, cd, &err) == FO_OK, "%s: %s", what,
                          err.message);
            assert_json_eq(obj, json_object_get(tc, "expected"), what);
            /* normalise(normalise(x)) == normalise(x) */
            ck_assert_int_eq(fo_normalize_resource(obj, cd, &err), FO_OK);
            assert_json_eq(obj, json_object_get(tc, "expected"), what);
            json_decref(obj);
            fo_cluster_defaults_unref(cd);
            cases++;
        }
        json_decref(docs);
    }
    ck_assert_int_ge(cases, 9);
}
END_TEST

/* A spec the Apache operator recorded (as the user wrote it) gets the role templates
 * normalisation without cluster defaults gives; one flinkop recorded (normalised, cluster
 * defaults included) means the same again (its lists may come out in another order: the
 * controller decides which shape to compare, controller/reconcile_deployment.c). */
START_TEST(recorded_specs_get_the_role_templates_normalisation_gives)
{
    int cases = 0;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        json_t *docs = fo_test_load_yaml_all(fixtures[f]);
        size_t i;
        json_t *tc;
        json_array_foreach(docs, i, tc)
        {
            const json_t *input = json_object_get(tc, "input");
            if (!json_is_object(json_object_get(input, "spec")) ||
                strcmp(fo_json_str(input, "kind") ? fo_json_str(input, "kind") : "",
                       "FlinkDeployment") != 0)
                continue;
            char what[256];
            snprintf(what, sizeof what, "%s: %s", fixtures[f], fo_json_str(tc, "name"));
            const json_t *flinkop = json_object_get(json_object_get(tc, "expected"), "spec");
            json_t *rec = json_deep_copy(flinkop);
            ck_assert_int_eq(fo_normalize_recorded_spec(rec), FO_OK);
            if (!json_object_get(tc, "clusterDefaults"))
                ck_assert_msg(fo_json_identical(rec, flinkop), "%s: flinkop's record changed",
                              what);
            json_decref(rec);

            json_t *apache = json_deep_copy(json_object_get(input, "spec"));
            json_t *normalised = json_deep_copy(input);
            fo_err err;
            fo_err_clear(&err);
            ck_assert_int_eq(fo_normalize_recorded_spec(apache), FO_OK);
            ck_assert_int_eq(fo_normalize_resource(normalised, NULL, &err), FO_OK);
            static const char *const roles[] = {"jobManager.podTemplate",
                                                "taskManager.podTemplate"};
            for (size_t r = 0; r < 2; r++) {
                const json_t *want = fo_json_get(json_object_get(normalised, "spec"), roles[r]);
                if (json_is_object(want) || !want)
                    assert_json_eq(fo_json_get(apache, roles[r]), want, what);
            }
            json_decref(apache);
            json_decref(normalised);
            cases++;
        }
        json_decref(docs);
    }
    ck_assert_int_ge(cases, 5);
}
END_TEST

START_TEST(no_defaults_and_empty_defaults_normalise_the_same)
{
    json_t *docs = fo_test_load_yaml_all("normalize-deployment-templates-create-roles.yaml");
    fo_cluster_defaults *empty = fo_cluster_defaults_empty();
    json_t *in = json_object_get(json_array_get(docs, 1), "input");
    json_t *a = json_deep_copy(in), *b = json_deep_copy(in);
    ck_assert_int_eq(fo_normalize_resource(a, NULL, NULL), FO_OK);
    ck_assert_int_eq(fo_normalize_resource(b, empty, NULL), FO_OK);
    assert_json_eq(a, b, "NULL vs empty defaults");
    json_decref(a);
    json_decref(b);
    fo_cluster_defaults_unref(empty);
    json_decref(docs);
}
END_TEST

START_TEST(empty_default_templates_add_no_empty_pod_templates)
{
    /* manifests/base/cluster-defaults.yaml ships "podTemplate: {}": a spec without templates
     * must stay without them, not gain jobManager.podTemplate: {} (noise in every object and
     * in kubectl diff). A template the user wrote, even an empty one, stays. */
    static const char text[] = "podTemplate: {}\nflinkConfiguration: {}\n"
                               "jobManager: {podTemplate: {}}\ntaskManager: {podTemplate: {}}\n";
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, strlen(text), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    json_t *obj = json_pack("{s:s,s:s,s:{s:s},s:{s:s,s:s,s:{s:s},s:{s:{}}}}", "apiVersion",
                            "flink.apache.org/v1beta1", "kind", "FlinkDeployment", "metadata",
                            "name", "basic", "spec", "image", "flink:1.20", "flinkVersion",
                            "v1_20", "jobManager", "memory", "2048m", "taskManager",
                            "podTemplate");
    ck_assert_int_eq(fo_normalize_resource(obj, cd, &err), FO_OK);
    ck_assert_ptr_null(fo_json_get(obj, "spec.jobManager.podTemplate"));
    ck_assert_ptr_null(fo_json_get(obj, "spec.podTemplate"));
    const json_t *own = fo_json_get(obj, "spec.taskManager.podTemplate");
    ck_assert_msg(json_is_object(own) && json_object_size(own) == 0,
                  "the user's own empty template stays");
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(cluster_defaults_change_only_the_role_templates)
{
    /* The user's spec.podTemplate is never rewritten, whatever the defaults say. */
    json_t *docs = fo_test_load_yaml_all("normalize-deployment-layering.yaml");
    json_t *tc = json_array_get(docs, 0);
    fo_cluster_defaults *cd = defaults_of(tc);
    json_t *obj = json_deep_copy(json_object_get(tc, "input"));
    ck_assert_int_eq(fo_normalize_resource(obj, cd, NULL), FO_OK);
    assert_json_eq(fo_json_get(obj, "spec.podTemplate"),
                   fo_json_get(json_object_get(tc, "input"), "spec.podTemplate"),
                   "spec.podTemplate untouched");
    /* the cluster layer is under the user's: the user's TZ wins */
    json_t *env = fo_json_get(obj, "spec.taskManager.podTemplate.spec");
    env = json_object_get(json_array_get(json_object_get(env, "containers"), 0), "env");
    ck_assert_str_eq(fo_json_str(json_array_get(env, 0), "value"), "Europe/Paris");
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
    json_decref(docs);
}
END_TEST

START_TEST(non_objects_and_specless_resources_are_refused)
{
    fo_err err;
    fo_err_clear(&err);
    json_t *arr = json_array();
    ck_assert_int_eq(fo_normalize_resource(arr, NULL, &err), FO_EINVAL);
    ck_assert_str_eq(err.message, "resource: must be an object");
    json_decref(arr);
    json_t *dep = json_pack("{s:s,s:s}", "kind", "FlinkDeployment", "spec", "x");
    ck_assert_int_eq(fo_normalize_resource(dep, NULL, &err), FO_EINVAL);
    ck_assert_str_eq(err.message, "spec: must be an object");
    json_decref(dep);
    json_t *job = json_pack("{s:s}", "kind", "FlinkSessionJob");
    ck_assert_int_eq(fo_normalize_resource(job, NULL, &err), FO_EINVAL);
    json_decref(job);
    /* a key with a NUL character under spec, at any depth: refused, nothing changed (layering
     * would write it shorter) */
    static const char nul[] = "{\"kind\":\"FlinkDeployment\",\"spec\":{\"jobManager\":"
                              "{\"podTemplate\":{\"metadata\":{\"labels\":[{\"k\\u0000x\":\"v\"}]}}}}}";
    dep = fo_json_read(nul, strlen(nul), NULL, &err);
    ck_assert_ptr_nonnull(dep);
    json_t *before = fo_json_copy(dep);
    ck_assert_int_eq(fo_normalize_resource(dep, NULL, &err), FO_EINVAL);
    ck_assert_str_eq(err.message, "spec.jobManager.podTemplate.metadata.labels[0]: key "
                                  "\"k\\u0000x\" holds a NUL character (shown as \\u0000)");
    ck_assert(fo_json_equal(dep, before));
    json_decref(before);
    json_decref(dep);
}
END_TEST

START_TEST(a_deployment_name_with_a_nul_character_gets_no_label)
{
    /* As a C string "abc\u0000x" reads "abc", a valid label value for another cluster. */
    json_t *job = json_loads("{\"kind\":\"FlinkSessionJob\",\"metadata\":{\"name\":\"j\"},"
                             "\"spec\":{\"deploymentName\":\"abc\\u0000x\",\"job\":{}}}",
                             JSON_ALLOW_NUL, NULL);
    ck_assert_ptr_nonnull(job);
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_normalize_resource(job, NULL, &err), FO_OK);
    ck_assert_ptr_null(fo_json_get(job, "metadata.labels"));
    json_decref(job);
}
END_TEST

START_TEST(a_role_template_that_layering_leaves_as_it_is_stays_the_same_value)
{
    /* An UPDATE of a running deployment carries the templates layered at its creation: the
     * resource keeps its own template value (so a diff stops at the pointer). A template that
     * layering changes, or writes differently (members in another order), is replaced by the
     * layered one, exactly as written for a new resource. */
    json_t *docs = fo_test_load_yaml_all("normalize-deployment-layering.yaml");
    json_t *tc = json_array_get(docs, 0);
    fo_cluster_defaults *cd = defaults_of(tc);
    json_t *obj = json_deep_copy(json_object_get(tc, "input"));
    ck_assert_int_eq(fo_normalize_resource(obj, cd, NULL), FO_OK);
    char *layered = fo_json_dumps_compact(obj);

    json_t *jm = fo_json_get(obj, "spec.jobManager.podTemplate");
    json_t *tm = fo_json_get(obj, "spec.taskManager.podTemplate");
    ck_assert(json_is_object(jm) && json_is_object(tm));
    ck_assert_int_eq(fo_normalize_resource(obj, cd, NULL), FO_OK);
    ck_assert_ptr_eq(fo_json_get(obj, "spec.jobManager.podTemplate"), jm);
    ck_assert_ptr_eq(fo_json_get(obj, "spec.taskManager.podTemplate"), tm);

    /* the cluster's team label was dropped: layering puts it back in a new value */
    json_t *edited = json_deep_copy(obj);
    json_object_del(fo_json_get(edited, "spec.jobManager.podTemplate.metadata.labels"), "team");
    jm = fo_json_get(edited, "spec.jobManager.podTemplate");
    ck_assert_int_eq(fo_normalize_resource(edited, cd, NULL), FO_OK);
    ck_assert_ptr_ne(fo_json_get(edited, "spec.jobManager.podTemplate"), jm);
    ck_assert_str_eq(fo_json_get_str(edited, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "platform");
    char *text = fo_json_dumps_compact(edited);
    ck_assert_str_eq(text, layered);
    free(text);

    /* equal, but spec written before metadata: the layered template (metadata first) wins */
    json_t *reordered = json_deep_copy(obj);
    json_t *own = fo_json_get(reordered, "spec.jobManager.podTemplate");
    json_t *meta = json_incref(json_object_get(own, "metadata"));
    json_object_del(own, "metadata");
    json_object_set_new(own, "metadata", meta);
    ck_assert_int_eq(fo_normalize_resource(reordered, cd, NULL), FO_OK);
    ck_assert_ptr_ne(fo_json_get(reordered, "spec.jobManager.podTemplate"), own);
    text = fo_json_dumps_compact(reordered);
    ck_assert_str_eq(text, layered);
    free(text);

    free(layered);
    json_decref(reordered);
    json_decref(edited);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
    json_decref(docs);
}
END_TEST

/* Every FlinkDeployment / FlinkSessionJob found anywhere in v (fixtures nest them under input,
 * expected, ...), appended to out. */
static void collect_resources(const json_t *v, json_t *out)
{
    if (json_is_object(v)) {
        const char *kind = fo_json_str(v, "kind");
        if (kind && (strcmp(kind, "FlinkDeployment") == 0 || strcmp(kind, "FlinkSessionJob") == 0))
            json_array_append(out, (json_t *)v);
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m) collect_resources(m, out);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) collect_resources(m, out);
    }
}

/* Values normalisation only reads (normalize.h), so fo_normalize_copy shares them. */
static const char *const SHARED_PATHS[] = {
    "spec.podTemplate", "spec.jobManager.podTemplate", "spec.taskManager.podTemplate",
    "spec.flinkConfiguration", "spec.jobManager.resource", "spec.taskManager.resource",
    "metadata.annotations", "status"};

/* Normalise fo_normalize_copy(obj): obj must come out as it went in (byte for byte), the copy
 * exactly as a deep copy of obj normalises (member order included, so a patch diffed from it
 * is the same). Returns how many of SHARED_PATHS were shared. */
static int check_shared_copy(const json_t *obj, const fo_cluster_defaults *cd, const char *what)
{
    char *frozen = fo_json_dumps_compact(obj);
    json_t *want = json_deep_copy(obj);
    fo_err err;
    fo_err_clear(&err);
    fo_rc want_rc = fo_normalize_resource(want, cd, &err);
    json_t *copy = fo_normalize_copy(obj);
    ck_assert_ptr_nonnull(copy);
    int shared = 0;
    for (size_t i = 0; i < sizeof SHARED_PATHS / sizeof SHARED_PATHS[0]; i++) {
        const json_t *t = fo_json_get(obj, SHARED_PATHS[i]);
        if (json_is_object(t)) {
            ck_assert_msg(fo_json_get(copy, SHARED_PATHS[i]) == t, "%s: %s is not shared", what,
                          SHARED_PATHS[i]);
            shared++;
        }
    }
    ck_assert_int_eq(fo_normalize_resource(copy, cd, &err), want_rc);
    char *after = fo_json_dumps_compact(obj);
    ck_assert_msg(strcmp(after, frozen) == 0, "%s: normalising the copy changed the original:\n"
                  " before %s\n after  %s", what, frozen, after);
    if (want_rc == FO_OK) {
        char *got = fo_json_dumps_compact(copy), *exp = fo_json_dumps_compact(want);
        ck_assert_msg(strcmp(got, exp) == 0, "%s:\n shared %s\n deep   %s", what, got, exp);
        free(got);
        free(exp);
    }
    free(after);
    free(frozen);
    json_decref(copy);
    json_decref(want);
    return shared;
}

START_TEST(normalising_a_copy_that_shares_what_it_only_reads_leaves_the_original_as_it_was)
{
    /* normalize.h promises that only a few objects get members set and all else (the pod
     * templates above all: a role's template is replaced, never edited) is only read, so
     * /mutate's copy shares all else with the request object. Checked on every
     * resource of the normalisation, admission and example fixtures, raw (a CREATE) and
     * normalised once (an UPDATE of a running deployment: templates layered already), under
     * no, the admission, the full and each fixture's own cluster defaults. */
    static const char *const files[] = {
        "normalize-deployment-layering.yaml", "normalize-deployment-templates-create-roles.yaml",
        "normalize-deployment-wrong-types.yaml", "normalize-sessionjob-target-label.yaml",
        "normalize-other-kinds.yaml", "admission-flinkdeployment-basic.yaml",
        "admission-flinkdeployment-canary.yaml", "admission-flinkdeployment-deprecated-version.yaml",
        "admission-flinkdeployment-four-errors.yaml",
        "admission-flinkdeployment-with-templates.yaml", "admission-flinksessionjob-basic.yaml",
        "crd-valid-deployed-with-apache-status.yaml", "../../examples/basic.yaml",
        "../../examples/ha.yaml", "../../examples/ingress.yaml",
        "../../examples/invalid.yaml", "../../examples/pod-templates.yaml",
        "../../examples/session.yaml", "../../examples/standalone.yaml"};
    static const char *const cd_files[] = {"admission-cluster-defaults.yaml",
                                           "cluster-defaults-full.yaml"};
    fo_cluster_defaults *cds[4] = {NULL};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *text = fo_test_read_data(cd_files[i], &len);
        fo_err err;
        fo_err_clear(&err);
        cds[i + 1] = fo_cluster_defaults_parse(text, len, &err);
        ck_assert_msg(cds[i + 1] != NULL, "%s: %s", cd_files[i], err.message);
        free(text);
    }
    int resources = 0, shared = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        json_t *docs = fo_test_load_yaml_all(files[f]);
        size_t d;
        json_t *doc;
        json_array_foreach(docs, d, doc)
        {
            cds[3] = defaults_of(doc); /* the fixture's own, or NULL */
            json_t *found = json_array();
            collect_resources(doc, found);
            size_t r;
            json_t *obj;
            json_array_foreach(found, r, obj)
            {
                for (size_t c = 0; c < 4; c++) {
                    char what[300];
                    snprintf(what, sizeof what, "%s doc %zu resource %zu defaults %zu", files[f],
                             d, r, c);
                    shared += check_shared_copy(obj, cds[c], what);
                    json_t *once = json_deep_copy(obj);
                    if (fo_normalize_resource(once, cds[c], NULL) == FO_OK) {
                        for (size_t c2 = 0; c2 < 4; c2++)
                            shared += check_shared_copy(once, cds[c2], what);
                    }
                    json_decref(once);
                }
                resources++;
            }
            json_decref(found);
            fo_cluster_defaults_unref(cds[3]);
            cds[3] = NULL;
        }
        json_decref(docs);
    }
    ck_assert_int_ge(resources, 25);
    ck_assert_int_ge(shared, 1000);
    for (size_t i = 0; i < 3; i++)
        fo_cluster_defaults_unref(cds[i]);
}
END_TEST

/* Every template found in the podtemplate fixtures, as a pool of realistic layers. */
static json_t *template_pool(void)
{
    static const char *const names[] = {"podtemplate-containers-by-name.yaml",
                                        "podtemplate-init-containers.yaml",
                                        "podtemplate-volumes-retain-keys.yaml",
                                        "podtemplate-env-and-envfrom.yaml",
                                        "podtemplate-ports-by-container-port-and-protocol.yaml",
                                        "podtemplate-pod-lists.yaml",
                                        "podtemplate-tolerations-dedupe.yaml",
                                        "podtemplate-maps-deep-merge.yaml",
                                        "podtemplate-command-args-replaced.yaml",
                                        "podtemplate-three-layers.yaml"};
    json_t *pool = json_array();
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        json_t *docs = fo_test_load_yaml_all(names[f]);
        size_t i, k;
        json_t *tc, *l;
        json_array_foreach(docs, i, tc)
        {
            static const char *const keys[] = {"lower", "upper", "expected"};
            for (k = 0; k < 3; k++)
                if (json_is_object(json_object_get(tc, keys[k])))
                    json_array_append(pool, json_object_get(tc, keys[k]));
            json_array_foreach(json_object_get(tc, "layers"), k, l) json_array_append(pool, l);
        }
        json_decref(docs);
    }
    return pool;
}

START_TEST(normalising_twice_changes_nothing_for_combined_fixture_templates)
{
    json_t *pool = template_pool();
    size_t n = json_array_size(pool);
    ck_assert_uint_ge(n, 20);
    unsigned seed = 7;
    for (int round = 0; round < 400; round++) {
        /* slots: cluster shared, cluster JM, cluster TM, spec, spec JM, spec TM */
        const json_t *slot[6];
        for (int s = 0; s < 6; s++) {
            seed = seed * 1103515245u + 12345u;
            slot[s] = (seed >> 16) % 3 ? json_array_get(pool, (seed >> 4) % n) : NULL;
        }
        json_t *cdj = json_object();
        if (slot[0])
            json_object_set(cdj, "podTemplate", (json_t *)slot[0]);
        if (slot[1])
            json_object_set_new(cdj, "jobManager", json_pack("{s:O}", "podTemplate", slot[1]));
        if (slot[2])
            json_object_set_new(cdj, "taskManager", json_pack("{s:O}", "podTemplate", slot[2]));
        char *text = fo_json_dumps_compact(cdj);
        fo_err err;
        fo_err_clear(&err);
        fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, strlen(text), &err);
        ck_assert_msg(cd != NULL, "%s", err.message);
        json_t *spec = json_object();
        if (slot[3])
            json_object_set(spec, "podTemplate", (json_t *)slot[3]);
        if (slot[4])
            json_object_set_new(spec, "jobManager", json_pack("{s:O}", "podTemplate", slot[4]));
        if (slot[5])
            json_object_set_new(spec, "taskManager", json_pack("{s:O}", "podTemplate", slot[5]));
        json_t *obj = json_pack("{s:s,s:s,s:{s:s},s:o}", "apiVersion", "flink.apache.org/v1beta1",
                                "kind", "FlinkDeployment", "metadata", "name", "g", "spec", spec);
        ck_assert_int_eq(fo_normalize_resource(obj, cd, &err), FO_OK);
        json_t *once = json_deep_copy(obj);
        ck_assert_int_eq(fo_normalize_resource(obj, cd, &err), FO_OK);
        assert_json_eq(obj, once, "normalise twice");
        /* the shared template is never rewritten */
        assert_json_eq(fo_json_get(obj, "spec.podTemplate"), slot[3], "spec.podTemplate");
        json_decref(once);
        json_decref(obj);
        fo_cluster_defaults_unref(cd);
        free(text);
        json_decref(cdj);
    }
    json_decref(pool);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("normalize");
    tcase_add_test(tc, every_fixture_normalises_to_its_expected_resource_and_again_to_the_same);
    tcase_add_test(tc, recorded_specs_get_the_role_templates_normalisation_gives);
    tcase_add_test(tc, no_defaults_and_empty_defaults_normalise_the_same);
    tcase_add_test(tc, empty_default_templates_add_no_empty_pod_templates);
    tcase_add_test(tc, cluster_defaults_change_only_the_role_templates);
    tcase_add_test(tc, non_objects_and_specless_resources_are_refused);
    tcase_add_test(tc, a_deployment_name_with_a_nul_character_gets_no_label);
    tcase_add_test(tc, normalising_twice_changes_nothing_for_combined_fixture_templates);
    tcase_add_test(tc, a_role_template_that_layering_leaves_as_it_is_stays_the_same_value);
    tcase_add_test(tc, normalising_a_copy_that_shares_what_it_only_reads_leaves_the_original_as_it_was);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
