/* Cluster-wide defaults file: parsing, role templates, flattened configuration, errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static void assert_json_eq(const json_t *got, const json_t *want, const char *what)
{
    if (!fo_json_equal(got, want)) {
        char *g = got ? fo_json_dumps_canonical(got) : strdup("(NULL)");
        char *w = want ? fo_json_dumps_canonical(want) : strdup("(NULL)");
        ck_abort_msg("%s:\n got  %s\n want %s", what, g, w);
    }
}

static fo_cluster_defaults *parse_fixture(const char *name)
{
    size_t len = 0;
    char *text = fo_test_read_data(name, &len);
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, len, &err);
    ck_assert_msg(cd != NULL, "%s: %s", name, err.message);
    free(text);
    return cd;
}

START_TEST(full_defaults_give_layered_role_templates_and_flat_configuration)
{
    fo_cluster_defaults *cd = parse_fixture("cluster-defaults-full.yaml");
    json_t *want = fo_test_load_yaml("cluster-defaults-full-expected.yaml");
    assert_json_eq(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER),
                   json_object_get(want, "jobManager"), "jobManager template");
    assert_json_eq(fo_cluster_defaults_pod_template(cd, FO_ROLE_TASKMANAGER),
                   json_object_get(want, "taskManager"), "taskManager template");
    assert_json_eq(fo_cluster_defaults_flink_config(cd),
                   json_object_get(want, "flinkConfiguration"), "flinkConfiguration");
    json_decref(want);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(empty_document_means_no_defaults)
{
    fo_cluster_defaults *cd = parse_fixture("cluster-defaults-empty.yaml");
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER));
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_TASKMANAGER));
    const json_t *conf = fo_cluster_defaults_flink_config(cd);
    ck_assert(json_is_object(conf) && json_object_size(conf) == 0);
    fo_cluster_defaults_unref(cd);

    fo_err err;
    cd = fo_cluster_defaults_parse("", 0, &err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER));
    fo_cluster_defaults_unref(cd);

    cd = fo_cluster_defaults_empty();
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_TASKMANAGER));
    ck_assert_uint_eq(json_object_size(fo_cluster_defaults_flink_config(cd)), 0);
    fo_cluster_defaults_unref(cd);

    /* no defaults object at all */
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(NULL, FO_ROLE_JOBMANAGER));
    ck_assert_uint_eq(json_object_size(fo_cluster_defaults_flink_config(NULL)), 0);
    fo_cluster_defaults_unref(NULL);
}
END_TEST

START_TEST(configuration_only_and_one_role_only)
{
    fo_cluster_defaults *cd = parse_fixture("cluster-defaults-config-only.yaml");
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER));
    const json_t *conf = fo_cluster_defaults_flink_config(cd);
    ck_assert_str_eq(fo_json_str(conf, "kubernetes.operator.periodic.savepoint.interval"), "6h");
    ck_assert_str_eq(fo_json_str(conf, "high-availability.type"), "kubernetes");
    ck_assert_uint_eq(json_object_size(conf), 2);
    fo_cluster_defaults_unref(cd);

    cd = parse_fixture("cluster-defaults-taskmanager-only.yaml");
    ck_assert_ptr_null(fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER));
    const json_t *tm = fo_cluster_defaults_pod_template(cd, FO_ROLE_TASKMANAGER);
    ck_assert_str_eq(fo_json_get_str(tm, "spec.nodeSelector.pool"), "spot");
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(wrong_shapes_are_errors_naming_the_key_path)
{
    struct {
        const char *yaml, *message;
    } cases[] = {
        {"podTemplate: [1]\n", "podTemplate: must be an object"},
        {"podTemplate: {spec: []}\n", "podTemplate.spec: must be an object"},
        {"podTemplate: {metadata: x}\n", "podTemplate.metadata: must be an object"},
        {"jobManager:\n  podTemplate: x\n", "jobManager.podTemplate: must be an object"},
        {"taskManager:\n  podTemplate: {spec: 1}\n",
         "taskManager.podTemplate.spec: must be an object"},
        {"jobManager: {replicas: 2}\n", "jobManager.replicas: unknown field"},
        {"taskManager: [a]\n", "taskManager: must be an object"},
        {"flinkConfigurations: {}\n", "flinkConfigurations: unknown field"},
        {"flinkConfiguration: [a, b]\n", "flinkConfiguration: must be an object"},
        {"flinkConfiguration: 3\n", "flinkConfiguration: must be an object"},
        {"- a\n- b\n", "cluster defaults: the document must be a mapping"},
        {"podTemplate: [\n", "cluster defaults: "},
        /* what the CRD's pod template schema would drop or refuse (common/pod_template_schema.h) */
        {"podTemplate: {spec: {schedulerNameTypo: foo}}\n",
         "podTemplate.spec.schedulerNameTypo: unknown field (the API server would drop it)"},
        {"podTemplate: {spec: {terminationGracePeriodSeconds: thirty}}\n",
         "podTemplate.spec.terminationGracePeriodSeconds: must be an integer"},
        {"taskManager:\n"
         "  podTemplate: {spec: {containers: [{name: x, env: [{name: A, value: 1}]}]}}\n",
         "taskManager.podTemplate.spec.containers[0].env[0].value: must be a string"},
        {"jobManager:\n  podTemplate: {metadata: {labels: {app.kubernetes.io/name: [x]}}}\n",
         "jobManager.podTemplate.metadata.labels[app.kubernetes.io/name]: must be a string"},
        {"podTemplate: {spec: {tolerations: [~]}}\n",
         "podTemplate.spec.tolerations[0]: must not be null"},
        {"podTemplate: {status: running}\n", "podTemplate.status: must be an object"},
        /* every section's problems at once */
        {"podTemplate: {spec: {nodeSelectr: {}}}\njobManager: {replicas: 2}\n"
         "taskManager: {podTemplate: {spec: {priority: high}}}\n",
         "podTemplate.spec.nodeSelectr: unknown field (the API server would drop it); "
         "jobManager.replicas: unknown field (expected podTemplate); "
         "taskManager.podTemplate.spec.priority: must be an integer"},
        {"podTemplate: {spec: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7}}\n",
         "podTemplate.spec.a: unknown field (the API server would drop it); podTemplate.spec.b: "
         "unknown field (the API server would drop it); podTemplate.spec.c: unknown field (the "
         "API server would drop it); podTemplate.spec.d: unknown field (the API server would drop "
         "it); podTemplate.spec.e: unknown field (the API server would drop it); and 2 more"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_err err;
        fo_err_clear(&err);
        fo_cluster_defaults *cd =
            fo_cluster_defaults_parse(cases[i].yaml, strlen(cases[i].yaml), &err);
        ck_assert_msg(cd == NULL, "%s should fail", cases[i].yaml);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strncmp(err.message, cases[i].message, strlen(cases[i].message)) == 0,
                      "\"%s\" does not start with \"%s\"", err.message, cases[i].message);
    }
}
END_TEST

/* What the API server takes as it is passes: int-or-string ports, integers written as 30.0,
 * nulls (it drops them), a template written as a whole Pod (status kept as anything). */
START_TEST(templates_the_api_server_stores_as_they_are_pass)
{
    static const char yaml[] =
        "podTemplate:\n"
        "  apiVersion: v1\n"
        "  kind: Pod\n"
        "  status: {phase: Running, anything: [1]}\n"
        "  metadata: {labels: {team: a}, annotations: null}\n"
        "  spec:\n"
        "    terminationGracePeriodSeconds: 30.0\n"
        "    containers:\n"
        "      - name: flink-main-container\n"
        "        ports: [{containerPort: 8081}]\n"
        "        livenessProbe: {httpGet: {port: http, path: /}}\n"
        "        readinessProbe: {tcpSocket: {port: 8081}}\n"
        "        resources: {limits: {cpu: 2, memory: 1Gi}}\n"
        "taskManager:\n"
        "  podTemplate: {spec: {priorityClassName: flink-batch, nodeSelector: {a: b}}}\n";
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, strlen(yaml), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(oversized_files_are_refused)
{
    size_t n = FO_CLUSTER_DEFAULTS_MAX_BYTES + 1;
    char *text = malloc(n + 1);
    memset(text, '#', n);
    text[n] = '\0';
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_cluster_defaults_parse(text, n, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    free(text);
}
END_TEST

/* A launch records what the defaults' flinkConfiguration gave it in an annotation of the
 * cluster's ConfigMap (controller/launch_defaults.h), which the API server bounds: a
 * configuration that could not be recorded is refused like any broken file. The bound is on
 * the flattened form as compact JSON, {"a":"<value>"} here: 8 bytes besides the value. */
START_TEST(a_configuration_too_large_to_record_is_refused)
{
    for (int over = 0; over < 2; over++) {
        size_t value = FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES - 8 + (size_t)over;
        char *yaml = malloc(value + 64);
        ck_assert_ptr_nonnull(yaml);
        int n = sprintf(yaml, "flinkConfiguration:\n  a: ");
        memset(yaml + n, 'v', value);
        yaml[n + value] = '\n';
        yaml[n + value + 1] = '\0';
        fo_err err;
        fo_err_clear(&err);
        fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, strlen(yaml), &err);
        if (over) {
            ck_assert_ptr_null(cd);
            ck_assert_int_eq(err.rc, FO_ELIMIT);
            ck_assert_msg(strstr(err.message, "flinkConfiguration"), "%s", err.message);
        } else {
            ck_assert_msg(cd != NULL, "%s", err.message);
        }
        fo_cluster_defaults_unref(cd);
        free(yaml);
    }
}
END_TEST

START_TEST(references_keep_the_object_alive)
{
    fo_cluster_defaults *cd = parse_fixture("cluster-defaults-full.yaml");
    fo_cluster_defaults *held = fo_cluster_defaults_ref(cd);
    ck_assert_ptr_eq(held, cd);
    fo_cluster_defaults_unref(cd); /* the reloader drops its reference */
    /* a request still holding the old defaults can read them */
    ck_assert_str_eq(fo_json_get_str(fo_cluster_defaults_pod_template(held, FO_ROLE_TASKMANAGER),
                                     "metadata.labels.team"),
                     "streaming");
    fo_cluster_defaults_unref(held);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster_defaults");
    TCase *tc = tcase_create("cluster_defaults");
    tcase_add_test(tc, full_defaults_give_layered_role_templates_and_flat_configuration);
    tcase_add_test(tc, empty_document_means_no_defaults);
    tcase_add_test(tc, configuration_only_and_one_role_only);
    tcase_add_test(tc, wrong_shapes_are_errors_naming_the_key_path);
    tcase_add_test(tc, templates_the_api_server_stores_as_they_are_pass);
    tcase_add_test(tc, oversized_files_are_refused);
    tcase_add_test(tc, a_configuration_too_large_to_record_is_refused);
    tcase_add_test(tc, references_keep_the_object_alive);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
