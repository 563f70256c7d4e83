/* FlinkDeployment validation (common/validate.h): the Apache operator's DefaultValidatorTest
 * case list (reference b.7) as fixtures. Failing cases are files named by what they show, each
 * the base object deployment-valid-application.yaml with one change; the expected message
 * prefixes are the Apache operator's. Passing variants patch the base in the table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/field_errors.h"
#include "common/flink_model.h"
#include "common/json_patch.h"
#include "common/json_read.h"
#include "common/jsonutil.h"
#include "common/validate.h"
#include "tests/support/testyaml.h"

#define BASE "deployment-valid-application.yaml"

static void dump_errors(const fo_field_errors *errs, const char *what)
{
    char *all = fo_field_errors_join(errs, "\n  ");
    fprintf(stderr, "%s:\n  %s\n", what, all);
    free(all);
}

/* Validate obj; return the error list (caller frees). */
static fo_field_errors *run(const json_t *obj, const fo_validate_env *env)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_deployment(obj, env, errs);
    return errs;
}

/* ---- failing fixtures ---------------------------------------------------------------- */

static const struct {
    const char *fixture;
    const char *field;
    fo_fe_type type;
    const char *detail_prefix; /* the Apache operator's message (prefix match, as its test) */
} failing[] = {
    {"deployment-invalid-name-with-dots.yaml", "metadata.name", FO_FE_INVALID,
     "The FlinkDeployment name: session-cluster-1.13 is invalid, must consist of lower case "
     "alphanumeric characters or '-', start with an alphabetic character, and end with an "
     "alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the length must be no more "
     "than 45 characters."},
    {"deployment-invalid-parallelism-zero.yaml", "spec.job.parallelism", FO_FE_INVALID,
     "Job parallelism must be larger than 0"},
    {"deployment-invalid-taskmanager-replicas-zero.yaml", "spec.taskManager.replicas",
     FO_FE_INVALID, "TaskManager replicas must be larger than 0"},
    {"deployment-invalid-savepoint-mode-without-savepoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.savepoint-dir]", FO_FE_REQUIRED,
     "Job could not be upgraded with savepoint while config "
     "key[execution.checkpointing.savepoint-dir] is not set"},
    {"deployment-invalid-savepoint-mode-without-checkpoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.dir]", FO_FE_REQUIRED,
     "Checkpoint directory"},
    {"deployment-invalid-last-state-without-checkpoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.dir]", FO_FE_REQUIRED,
     "Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and "
     "savepoint upgrade modes"},
    {"deployment-invalid-savepoint-nonce-without-savepoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.savepoint-dir]", FO_FE_REQUIRED,
     "Savepoint could not be manually triggered for the running job while config "
     "key[execution.checkpointing.savepoint-dir] is not set"},
    {"deployment-invalid-periodic-savepoint-without-savepoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.savepoint-dir]", FO_FE_REQUIRED,
     "Periodic savepoints cannot be enabled when config "
     "key[execution.checkpointing.savepoint-dir] is not set"},
    {"deployment-invalid-max-checkpoint-age-without-savepoint-dir.yaml",
     "spec.flinkConfiguration[execution.checkpointing.savepoint-dir]", FO_FE_REQUIRED,
     "In order to use max-checkpoint age functionality config "
     "key[execution.checkpointing.savepoint-dir] must be set to allow triggering savepoint "
     "upgrades."},
    {"deployment-invalid-forbidden-namespace-key.yaml",
     "spec.flinkConfiguration[kubernetes.namespace]", FO_FE_FORBIDDEN,
     "Forbidden Flink config key: kubernetes.namespace"},
    {"deployment-invalid-forbidden-ha-cluster-id-key.yaml",
     "spec.flinkConfiguration[high-availability.cluster-id]", FO_FE_FORBIDDEN,
     "Forbidden Flink config key"},
    {"deployment-invalid-health-check-without-recovery.yaml",
     "spec.flinkConfiguration[kubernetes.operator.cluster.health-check.enabled]", FO_FE_INVALID,
     "Deployment recovery (kubernetes.operator.jm-deployment-recovery.enabled) must be enabled"},
    /* the recovery switch under its deprecated key, which Flink still reads */
    {"deployment-invalid-health-check-with-deprecated-recovery-key.yaml",
     "spec.flinkConfiguration[kubernetes.operator.cluster.health-check.enabled]", FO_FE_INVALID,
     "Deployment recovery (kubernetes.operator.jm-deployment-recovery.enabled) must be enabled"},
    {"deployment-invalid-ingress-without-template.yaml", "spec.ingress.template", FO_FE_REQUIRED,
     "Ingress template must be defined"},
    {"deployment-invalid-ingress-port.yaml", "spec.ingress.template", FO_FE_INVALID,
     "Unable to process the Ingress template(example.com:port). Error: Error at index 0 in: "
     "\"port\" (the port after the host must be a number)"},
    {"deployment-invalid-log-config-key.yaml", "spec.logConfiguration", FO_FE_INVALID,
     "Invalid log config key"},
    {"deployment-invalid-standby-jobmanagers-without-ha.yaml", "spec.jobManager.replicas",
     FO_FE_INVALID, "High availability should be enabled when starting standby JobManagers."},
    {"deployment-invalid-rollback-without-ha.yaml",
     "spec.flinkConfiguration[kubernetes.operator.deployment.rollback.enabled]", FO_FE_INVALID,
     "HA must be enabled for rollback support."},
    /* Flink reads the legacy recovery mode "standalone" as no HA (any case), as NONE. */
    {"deployment-invalid-rollback-with-legacy-standalone-ha.yaml",
     "spec.flinkConfiguration[kubernetes.operator.deployment.rollback.enabled]", FO_FE_INVALID,
     "HA must be enabled for rollback support."},
    {"deployment-invalid-standby-jobmanagers-with-legacy-standalone-ha.yaml",
     "spec.jobManager.replicas", FO_FE_INVALID,
     "High availability should be enabled when starting standby JobManagers."},
    {"deployment-invalid-jobmanager-replicas-zero.yaml", "spec.jobManager.replicas", FO_FE_INVALID,
     "JobManager replicas should not be configured less than one."},
    {"deployment-invalid-taskmanager-memory-text.yaml", "spec.taskManager.resource.memory",
     FO_FE_INVALID, "TaskManager resource memory parse error"},
    {"deployment-invalid-jobmanager-memory-text.yaml", "spec.jobManager.resource.memory",
     FO_FE_INVALID, "JobManager resource memory parse error"},
    {"deployment-invalid-taskmanager-memory-missing.yaml",
     "spec.taskManager.resources.requests[memory]", FO_FE_REQUIRED,
     "TaskManager resource memory must be defined using `spec.taskManager.resource.memory`"},
    {"deployment-invalid-jobmanager-memory-missing.yaml",
     "spec.jobManager.resources.requests[memory]", FO_FE_REQUIRED,
     "JobManager resource memory must be defined using `spec.jobManager.resource.memory`"},
    {"deployment-invalid-taskmanager-memory-task-heap-only.yaml",
     "spec.taskManager.resources.requests[memory]", FO_FE_REQUIRED,
     "TaskManager resource memory must be defined using `spec.taskManager.resource.memory`"},
    {"deployment-invalid-resources-memory-text.yaml", "spec.taskManager.resources.requests[memory]",
     FO_FE_INVALID, "TaskManager resource requirements requests memory parse error"},
    {"deployment-invalid-resources-cpu-text.yaml", "spec.jobManager.resources.requests[cpu]",
     FO_FE_INVALID, "JobManager resource requirements requests cpu parse error"},
    {"deployment-invalid-resources-limit-memory-text.yaml",
     "spec.taskManager.resources.limits[memory]", FO_FE_INVALID,
     "TaskManager resource requirements limits memory parse error"},
    {"deployment-invalid-resources-negative-cpu.yaml", "spec.taskManager.resources.requests[cpu]",
     FO_FE_INVALID, "TaskManager resource requirements requests cpu must be positive"},
    {"deployment-invalid-resources-negative-ephemeral-storage.yaml",
     "spec.taskManager.resources.requests[ephemeral-storage]", FO_FE_INVALID,
     "TaskManager resource requirements requests ephemeral-storage must not be negative"},
    /* Apache says "parse error" here (by accident: MemorySize cannot read "-"); we say why. */
    {"deployment-invalid-resources-negative-memory.yaml",
     "spec.taskManager.resources.requests[memory]", FO_FE_INVALID,
     "TaskManager resource requirements requests memory must be positive"},
    {"deployment-invalid-resources-zero-cpu.yaml", "spec.taskManager.resources.requests[cpu]",
     FO_FE_INVALID, "TaskManager resource requirements requests cpu must be positive"},
    {"deployment-invalid-resources-zero-memory.yaml", "spec.taskManager.resources.requests[memory]",
     FO_FE_INVALID, "TaskManager resource requirements requests memory must be positive"},
    {"deployment-invalid-resources-memory-request-over-limit.yaml",
     "spec.taskManager.resources.requests[memory]", FO_FE_INVALID,
     "TaskManager resource requirements memory request (4Gi) must not exceed its limit (2Gi)"},
    {"deployment-invalid-resources-cpu-request-over-limit.yaml",
     "spec.taskManager.resources.requests[cpu]", FO_FE_INVALID,
     "TaskManager resource requirements cpu request"},
    {"deployment-invalid-job-to-session-switch.yaml", "spec.job", FO_FE_FORBIDDEN,
     "Cannot switch from job to session cluster"},
    {"deployment-invalid-session-to-job-switch.yaml", "spec.job", FO_FE_FORBIDDEN,
     "Cannot switch from session to job cluster"},
    {"deployment-invalid-native-to-standalone-switch.yaml", "spec.mode", FO_FE_FORBIDDEN,
     "Cannot switch from native kubernetes to standalone kubernetes cluster"},
    {"deployment-invalid-default-mode-to-standalone-switch.yaml", "spec.mode", FO_FE_FORBIDDEN,
     "Cannot switch from native kubernetes to standalone kubernetes cluster"},
    {"deployment-invalid-standalone-to-default-mode-switch.yaml", "spec.mode", FO_FE_FORBIDDEN,
     "Cannot switch from standalone kubernetes to native kubernetes cluster"},
    {"deployment-invalid-standalone-to-native-switch.yaml", "spec.mode", FO_FE_FORBIDDEN,
     "Cannot switch from standalone kubernetes to native kubernetes cluster"},
    {"deployment-invalid-missing-flink-version.yaml", "spec.flinkVersion", FO_FE_REQUIRED,
     "Flink Version must be defined."},
    {"deployment-invalid-flink-version-1-14.yaml", "spec.flinkVersion", FO_FE_INVALID,
     "Flink version v1_14 is not supported by this operator version"},
    {"deployment-invalid-flink-version-value.yaml", "spec.flinkVersion", FO_FE_UNSUPPORTED,
     "supported values: \"v1_15\", \"v1_16\""},
    {"deployment-invalid-missing-service-account.yaml", "spec.serviceAccount", FO_FE_REQUIRED,
     "spec.serviceAccount must be defined. If you use helm, its value should be the same with "
     "the name of jobServiceAccount."},
    {"deployment-invalid-jobmanager-ephemeral-storage-text.yaml",
     "spec.jobManager.resource.ephemeralStorage", FO_FE_INVALID,
     "JobManager resource ephemeral storage parse error"},
    {"deployment-invalid-taskmanager-ephemeral-storage-text.yaml",
     "spec.taskManager.resource.ephemeralStorage", FO_FE_INVALID,
     "TaskManager resource ephemeral storage parse error"},
    {"deployment-invalid-redeploy-nonce-without-savepoint-path.yaml",
     "spec.job.initialSavepointPath", FO_FE_REQUIRED,
     "InitialSavepointPath must not be empty for savepoint redeployment"},
    {"deployment-invalid-redeploy-nonce-with-blank-savepoint-path.yaml",
     "spec.job.initialSavepointPath", FO_FE_REQUIRED,
     "InitialSavepointPath must not be empty for savepoint redeploymen"},
    {"deployment-invalid-redeploy-nonce-bumped-path-removed.yaml", "spec.job.initialSavepointPath",
     FO_FE_REQUIRED, "InitialSavepointPath must not be empty for savepoint redeploymen"},
    {"deployment-invalid-version-change-after-last-state-suspend.yaml", "spec.flinkVersion",
     FO_FE_FORBIDDEN, "Changing flinkVersion after last-state suspend is not allowed."},
    {"deployment-invalid-upgrade-mode.yaml", "spec.job.upgradeMode", FO_FE_UNSUPPORTED,
     "supported values: \"stateless\", \"savepoint\", \"last-state\""},
    {"deployment-invalid-job-state.yaml", "spec.job.state", FO_FE_UNSUPPORTED,
     "supported values: \"running\", \"suspended\""},
    {"deployment-invalid-mode-value.yaml", "spec.mode", FO_FE_UNSUPPORTED,
     "supported values: \"native\", \"standalone\""},
    {"deployment-invalid-image-pull-policy.yaml", "spec.imagePullPolicy", FO_FE_UNSUPPORTED,
     "supported values: \"Always\", \"IfNotPresent\", \"Never\""},
};

START_TEST(each_failing_fixture_reports_exactly_its_error)
{
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        json_t *obj = fo_test_load_yaml(failing[i].fixture);
        fo_field_errors *errs = run(obj, NULL);
        if (fo_field_errors_count(errs) != 1)
            dump_errors(errs, failing[i].fixture);
        ck_assert_msg(fo_field_errors_count(errs) == 1, "%s: %zu errors", failing[i].fixture,
                      fo_field_errors_count(errs));
        const fo_field_error *e = fo_field_errors_get(errs, 0);
        ck_assert_msg(strcmp(e->field, failing[i].field) == 0, "%s: field %s", failing[i].fixture,
                      e->field);
        ck_assert_msg(e->type == failing[i].type, "%s: type %d", failing[i].fixture, e->type);
        const char *detail = e->type == FO_FE_UNSUPPORTED ? e->message : e->detail;
        ck_assert_msg(
            e->type == FO_FE_UNSUPPORTED
                ? strstr(detail, failing[i].detail_prefix) != NULL
                : strncmp(detail, failing[i].detail_prefix, strlen(failing[i].detail_prefix)) == 0,
            "%s: %s", failing[i].fixture, e->message);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

START_TEST(messages_read_like_kubernetes_field_errors)
{
    static const struct {
        const char *fixture;
        const char *message;
    } cases[] = {
        {"deployment-invalid-upgrade-mode.yaml",
         "spec.job.upgradeMode: Unsupported value: \"fast\": supported values: \"stateless\", "
         "\"savepoint\", \"last-state\""},
        {"deployment-invalid-parallelism-zero.yaml",
         "spec.job.parallelism: Invalid value: 0: Job parallelism must be larger than 0"},
        {"deployment-invalid-missing-service-account.yaml",
         "spec.serviceAccount: Required value: spec.serviceAccount must be defined. If you use "
         "helm, its value should be the same with the name of jobServiceAccount."},
        {"deployment-invalid-forbidden-namespace-key.yaml",
         "spec.flinkConfiguration[kubernetes.namespace]: Forbidden: Forbidden Flink config key: "
         "kubernetes.namespace"},
        {"deployment-invalid-resources-memory-request-over-limit.yaml",
         "spec.taskManager.resources.requests[memory]: Invalid value: \"4Gi\": TaskManager "
         "resource requirements memory request (4Gi) must not exceed its limit (2Gi)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *obj = fo_test_load_yaml(cases[i].fixture);
        fo_field_errors *errs = run(obj, NULL);
        ck_assert_uint_eq(fo_field_errors_count(errs), 1);
        ck_assert_str_eq(fo_field_errors_get(errs, 0)->message, cases[i].message);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

START_TEST(several_errors_are_all_reported_in_rule_order)
{
    json_t *obj = fo_test_load_yaml("deployment-invalid-several-errors.yaml");
    fo_field_errors *errs = run(obj, NULL);
    static const char *const fields[] = {
        "metadata.name",                                  /* 1 */
        "spec.flinkConfiguration[kubernetes.cluster-id]", /* 4 */
        "spec.job.upgradeMode",                           /* 9 */
        "spec.job.parallelism",
        "spec.jobManager.replicas", /* 10 */
        "spec.serviceAccount",      /* 13 */
    };
    if (fo_field_errors_count(errs) != 6)
        dump_errors(errs, "several errors");
    ck_assert_uint_eq(fo_field_errors_count(errs), 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_str_eq(fo_field_errors_get(errs, i)->field, fields[i]);
    json_t *causes = fo_field_errors_causes(errs);
    ck_assert_uint_eq(json_array_size(causes), 6);
    json_decref(causes);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

/* A parallelism of the wrong type is one error, its type: not also "0 must be larger than 0",
 * a value nobody wrote. */
START_TEST(a_parallelism_of_the_wrong_type_is_one_error)
{
    static const char *const values[] = {"1e29", "\"4\"", "2.5", "[1]"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
                 "\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{\"image\":\"f\","
                 "\"flinkVersion\":\"v1_20\",\"serviceAccount\":\"flink\",\"jobManager\":"
                 "{\"resource\":{\"memory\":\"2g\",\"cpu\":1}},\"taskManager\":{\"resource\":"
                 "{\"memory\":\"2g\",\"cpu\":1}},\"job\":{\"jarURI\":"
                 "\"local:///j.jar\",\"parallelism\":%s}}}",
                 values[i]);
        json_t *obj = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(obj);
        fo_field_errors *errs = run(obj, NULL);
        if (fo_field_errors_count(errs) != 1)
            dump_errors(errs, values[i]);
        ck_assert_uint_eq(fo_field_errors_count(errs), 1);
        ck_assert_str_eq(fo_field_errors_get(errs, 0)->field, "spec.job.parallelism");
        ck_assert_ptr_null(strstr(fo_field_errors_get(errs, 0)->message, "larger than 0"));
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

START_TEST(wrong_types_are_reported_by_the_validator_too)
{
    json_t *obj = fo_test_load_yaml("deployment-wrong-types.yaml");
    fo_field_errors *errs = run(obj, NULL);
    ck_assert(fo_field_errors_has_field(errs, "spec.jobManager.replicas"));
    ck_assert(fo_field_errors_has_field(errs, "spec.job.args"));
    ck_assert(fo_field_errors_has_field(errs, "spec.taskManager"));
    fo_field_errors_free(errs);
    json_decref(obj);

    /* Not an object, no spec: clean errors. */
    json_t *arr = json_array();
    errs = run(arr, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    fo_field_errors_free(errs);
    json_decref(arr);
    obj = json_loads("{\"kind\":\"FlinkDeployment\",\"metadata\":{\"name\":\"x\"}}", 0, NULL);
    errs = run(obj, NULL);
    ck_assert(fo_field_errors_has_field(errs, "spec"));
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

/* ---- passing variants ------------------------------------------------------------------ */

static const struct {
    const char *what;
    const char *patches[3]; /* RFC 7386 merge patches applied to the base in order */
} passing[] = {
    {"the base object", {NULL}},
    {"name session-cluster", {"{\"metadata\":{\"name\":\"session-cluster\"}}"}},
    {"job suspended", {"{\"spec\":{\"job\":{\"state\":\"suspended\"}}}"}},
    {"taskManager.replicas 1 with parallelism 0",
     {"{\"spec\":{\"taskManager\":{\"replicas\":1},\"job\":{\"parallelism\":0}}}"}},
    {"stateless without checkpoint dir",
     {"{\"spec\":{\"flinkConfiguration\":{\"execution.checkpointing.dir\":null}}}"}},
    {"random flink config",
     {"{\"spec\":{\"flinkConfiguration\":null}}",
      "{\"spec\":{\"flinkConfiguration\":{\"random\":\"config\"}}}"}},
    {"log4j configuration",
     {"{\"spec\":{\"logConfiguration\":{\"log4j-console.properties\":\"rootLogger.level = "
      "INFO\"}}}"}},
    {"ingress with placeholders",
     {"{\"spec\":{\"ingress\":{\"template\":\"example.com/{{namespace}}/{{name}}\"}}}"}},
    {"ingress with a numeric port",
     {"{\"spec\":{\"ingress\":{\"template\":\"https://{{name}}.example.com:8443/x\"}}}"}},
    {"deprecated resource, TaskManager 1G",
     {"{\"spec\":{\"jobManager\":{\"resources\":null,\"resource\":{\"cpu\":1.0,\"memory\":"
      "\"2048m\",\"ephemeralStorage\":\"2G\"}},\"taskManager\":{\"resources\":null,\"resource\":"
      "{\"cpu\":1.0,\"memory\":\"1G\"}}}}"}},
    {"deprecated resource, JobManager 1Gi",
     {"{\"spec\":{\"jobManager\":{\"resources\":null,\"resource\":{\"memory\":\"1Gi\"}}}}"}},
    {"JobManager memory from jobmanager.memory.heap.size",
     {"{\"spec\":{\"jobManager\":{\"resources\":null},\"flinkConfiguration\":"
      "{\"jobmanager.memory.heap.size\":\"2048m\"}}}"}},
    {"TaskManager memory from taskmanager.memory.flink.size",
     {"{\"spec\":{\"taskManager\":{\"resources\":null},\"flinkConfiguration\":"
      "{\"taskmanager.memory.flink.size\":\"2048m\"}}}"}},
    {"TaskManager memory from task heap and managed size",
     {"{\"spec\":{\"taskManager\":{\"resources\":null},\"flinkConfiguration\":"
      "{\"taskmanager.memory.task.heap.size\":\"1024m\",\"taskmanager.memory.managed.size\":"
      "\"1024m\"}}}"}},
    {"resources with memory only",
     {"{\"spec\":{\"jobManager\":{\"resources\":null}}}",
      "{\"spec\":{\"jobManager\":{\"resources\":{\"requests\":{\"memory\":\"2Gi\"}}}}}"}},
    {"resources with memory and 500m cpu",
     {"{\"spec\":{\"taskManager\":{\"resources\":null}}}",
      "{\"spec\":{\"taskManager\":{\"resources\":{\"requests\":{\"memory\":\"2Gi\",\"cpu\":"
      "\"500m\"}}}}}"}},
    {"limits only",
     {"{\"spec\":{\"jobManager\":{\"resources\":null},\"taskManager\":{\"resources\":null}}}",
      "{\"spec\":{\"jobManager\":{\"resources\":{\"limits\":{\"memory\":\"2Gi\",\"cpu\":\"2\"}}},"
      "\"taskManager\":{\"resources\":{\"limits\":{\"memory\":\"2Gi\",\"cpu\":\"2\"}}}}}"}},
    {"requests below limits",
     {"{\"spec\":{\"taskManager\":{\"resources\":null}}}",
      "{\"spec\":{\"taskManager\":{\"resources\":{\"requests\":{\"memory\":\"2Gi\",\"cpu\":\"1\"},"
      "\"limits\":{\"memory\":\"4Gi\",\"cpu\":\"2\"}}}}}"}},
    {"flinkVersion v1_15", {"{\"spec\":{\"flinkVersion\":\"v1_15\"}}"}},
    {"flinkVersion v1_18", {"{\"spec\":{\"flinkVersion\":\"v1_18\"}}"}},
    {"flinkVersion v1_19", {"{\"spec\":{\"flinkVersion\":\"v1_19\"}}"}},
    {"flinkVersion v2_2", {"{\"spec\":{\"flinkVersion\":\"v2_2\"}}"}},
    {"service account flink", {"{\"spec\":{\"serviceAccount\":\"flink\"}}"}},
    {"last-state with high-availability: kubernetes",
     {"{\"spec\":{\"job\":{\"upgradeMode\":\"last-state\"},\"flinkConfiguration\":"
      "{\"high-availability.type\":\"kubernetes\"}}}"}},
    {"two JobManagers with the legacy HA key",
     {"{\"spec\":{\"jobManager\":{\"replicas\":2},\"flinkConfiguration\":{"
      "\"high-availability.type\":null,\"high-availability\":\"kubernetes\"}}}"}},
    {"deprecated checkpoint and savepoint keys for savepoint mode",
     {"{\"spec\":{\"job\":{\"upgradeMode\":\"savepoint\"},\"flinkConfiguration\":{"
      "\"execution.checkpointing.dir\":null,\"execution.checkpointing.savepoint-dir\":null,"
      "\"state.checkpoints.dir\":\"s3://b/cp\",\"state.savepoints.dir\":\"s3://b/sp\"}}}"}},
    {"nested flinkConfiguration",
     {"{\"spec\":{\"flinkConfiguration\":null}}",
      "{\"spec\":{\"flinkConfiguration\":{\"execution\":{\"checkpointing\":{\"dir\":\"s3://b/cp\","
      "\"savepoint-dir\":\"s3://b/sp\"}}},\"job\":{\"upgradeMode\":\"savepoint\"}}}"}},
    {"blank imagePullPolicy (templated YAML; unset at deploy time)",
     {"{\"spec\":{\"imagePullPolicy\":\"\"}}", "{\"spec\":{\"imagePullPolicy\":\" \"}}"}},
    {"a canary with anything in it",
     {"{\"metadata\":{\"labels\":{\"flink.apache.org/canary\":\"true\"}},\"spec\":{\"job\":"
      "{\"parallelism\":0},\"serviceAccount\":null}}"}},
};

static json_t *patched(const char *fixture, const char *const *patches)
{
    json_t *obj = fo_test_load_yaml(fixture);
    for (size_t p = 0; p < 3 && patches[p]; p++) {
        json_error_t jerr;
        json_t *patch = json_loads(patches[p], 0, &jerr);
        ck_assert_msg(patch != NULL, "bad patch %s: %s", patches[p], jerr.text);
        json_t *next = fo_json_merge_patch_apply(obj, patch);
        json_decref(patch);
        json_decref(obj);
        obj = next;
    }
    return obj;
}

START_TEST(passing_variants_report_nothing)
{
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++) {
        json_t *obj = patched(BASE, passing[i].patches);
        fo_field_errors *errs = run(obj, NULL);
        if (fo_field_errors_count(errs))
            dump_errors(errs, passing[i].what);
        ck_assert_msg(fo_field_errors_count(errs) == 0, "%s", passing[i].what);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

/* A negative quantity in the deprecated resource.memory reads as a Kubernetes quantity but
 * is no Flink MemorySize: refused (Apache: "resource memory parse error"). */
START_TEST(negative_resource_memory_is_refused)
{
    static const char *const texts[] = {"-1g", "-2Gi"};
    for (size_t i = 0; i < 2; i++) {
        char patch[200];
        snprintf(patch, sizeof patch,
                 "{\"spec\":{\"taskManager\":{\"resources\":null,\"resource\":{\"memory\":"
                 "\"%s\"}}}}",
                 texts[i]);
        const char *const patches[] = {patch, NULL};
        json_t *obj = patched(BASE, patches);
        fo_field_errors *errs = run(obj, NULL);
        ck_assert_uint_eq(fo_field_errors_count(errs), 1);
        const fo_field_error *e = fo_field_errors_get(errs, 0);
        ck_assert_str_eq(e->field, "spec.taskManager.resource.memory");
        ck_assert_msg(strstr(e->message, "resource memory parse error: memory size must not be "
                                         "negative"),
                      "%s", e->message);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

/* Flink's Kubernetes pod options (not an Apache rule: there Flink refuses these at deploy
 * time, after the old cluster is gone). flinkop builds those pods itself and refuses the spec
 * first, at the option's field; what Flink reads (quoting, spaces) passes. */
START_TEST(pod_options_flink_would_refuse_are_refused_at_their_key)
{
    static const struct {
        const char *key, *value;
        bool ok;
    } cases[] = {
        {"kubernetes.jobmanager.tolerations", "key: a ,operator:Equal,value: x ;'key:b,"
                                              "operator:Exists,effect:NoExecute,"
                                              "tolerationSeconds:60'", true},
        /* tolerations the API server takes (ValidateTolerations): no key with Exists tolerates
         * every taint; no operator is Equal; a qualified key */
        {"kubernetes.jobmanager.tolerations", "operator:Exists", true},
        {"kubernetes.jobmanager.tolerations", "key:a,value:b-1", true},
        {"kubernetes.taskmanager.tolerations", "key:node.kubernetes.io/unreachable,"
                                               "operator:Exists,effect:NoExecute,"
                                               "tolerationSeconds:30", true},
        /* ... and those it refuses, in the middle of a deploy */
        {"kubernetes.jobmanager.tolerations", "key:a,operator:exists", false},
        {"kubernetes.jobmanager.tolerations", "key:a,operator:Exists,effect:noschedule", false},
        {"kubernetes.jobmanager.tolerations", "key:a,operator:Exists,tolerationSeconds:30",
         false},
        {"kubernetes.taskmanager.tolerations", "operator:Equal,value:x", false},
        {"kubernetes.taskmanager.tolerations", "key:a,operator:Exists,value:x", false},
        {"kubernetes.taskmanager.tolerations", "key:a,value:x y", false},
        {"kubernetes.taskmanager.tolerations", "key:a b,operator:Exists", false},
        /* a quote inside an unquoted part is a character to StructuredOptionsSplitter, so a
         * part of the next level may be quoted within it */
        {"kubernetes.jobmanager.tolerations", "key: a ,operator:Equal,value:'x';key:b", true},
        {"kubernetes.secrets", "s3:/opt/it's", true},
        {"kubernetes.jobmanager.annotations", "note:'a:b',team:data", true},
        {"kubernetes.env.secretKeyRef", "env:A,secret:s,key:k;env:B,secret:s,key:k2", true},
        {"kubernetes.secrets", "s3:/opt/s3,'tls:/opt/tls'", true},
        {"kubernetes.secrets", "s3:/opt/s3,'tls':'/opt/tls'", false}, /* quoted, then ':' */
        {"kubernetes.taskmanager.tolerations", "key:a,tolerationSeconds:1.5", false},
        {"kubernetes.jobmanager.tolerations", "key:a;;key:b", false},
        {"kubernetes.env.secretKeyRef", "env:A,secret:s", false},
        {"kubernetes.secrets", "s3", false},
        {"kubernetes.secrets", "s3:/a,s3:/b", false},
        {"kubernetes.secrets", "s3:'/a", false},
        {"kubernetes.decorator.hadoop-conf-mount.enabled", "yes please", false},
        /* map options: as Flink reads them ("team: data" is team=data, as YAML too), labels
         * and node selectors the API server takes, annotation keys it takes */
        {"kubernetes.jobmanager.labels", "team: data", true},
        {"kubernetes.jobmanager.labels", "team:data, owner:me", true},
        /* Flink 1.19+ reads this as the YAML map {team: "data, owner:me"} */
        {"kubernetes.jobmanager.labels", "team: data, owner:me", false},
        {"kubernetes.taskmanager.labels", "{team: data, app.kubernetes.io/part-of: flink}", true},
        {"kubernetes.jobmanager.node-selector", "disk: ssd", true},
        {"kubernetes.jobmanager.annotations", "Prometheus.io/Scrape: true,'note:''a, b: c'''",
         true},
        {"kubernetes.jobmanager.labels", "team:data:eng", false},
        {"kubernetes.taskmanager.labels", "team:data,team:eng", false},
        {"kubernetes.jobmanager.labels", "team:da ta", false},
        {"kubernetes.taskmanager.node-selector", "disk/:ssd", false},
        {"kubernetes.jobmanager.annotations", "my note:x", false},
        {"kubernetes.rest-service.annotations", "a:'b", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *obj = fo_test_load_yaml(BASE);
        json_t *conf = json_object_get(json_object_get(obj, "spec"), "flinkConfiguration");
        if (!json_is_object(conf)) {
            conf = json_object();
            json_object_set_new(json_object_get(obj, "spec"), "flinkConfiguration", conf);
        }
        json_object_set_new(conf, cases[i].key, json_string(cases[i].value));
        fo_field_errors *errs = run(obj, NULL);
        char field[256];
        snprintf(field, sizeof field, "spec.flinkConfiguration[%s]", cases[i].key);
        if (cases[i].ok) {
            if (fo_field_errors_count(errs))
                dump_errors(errs, cases[i].value);
            ck_assert_msg(fo_field_errors_count(errs) == 0, "%s refused", cases[i].value);
        } else {
            ck_assert_msg(fo_field_errors_count(errs) == 1, "%s: %zu errors", cases[i].value,
                          fo_field_errors_count(errs));
            ck_assert_str_eq(fo_field_errors_get(errs, 0)->field, field);
        }
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

/* Flink reads these enum options in any case (ConfigurationUtils.convertToEnum) and refuses
 * any other value; flinkop writes them into the Service and the containers itself, where an
 * unknown one is refused by the API server in the middle of a deploy. */
START_TEST(enum_options_pass_in_any_case_and_unknown_values_are_refused)
{
    static const struct {
        const char *key, *value;
        bool ok;
    } cases[] = {
        {"kubernetes.rest-service.exposed.type", "nodeport", true},
        {"kubernetes.rest-service.exposed.type", "HEADLESS_CLUSTERIP", true},
        {"kubernetes.rest-service.exposed.type", "NodePorts", false},
        {"kubernetes.container.image.pull-policy", "always", true},
        {"kubernetes.container.image.pull-policy", "sometimes", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *obj = fo_test_load_yaml(BASE);
        json_t *spec = json_object_get(obj, "spec");
        json_t *conf = json_object_get(spec, "flinkConfiguration");
        if (!json_is_object(conf)) {
            conf = json_object();
            json_object_set_new(spec, "flinkConfiguration", conf);
        }
        json_object_set_new(conf, cases[i].key, json_string(cases[i].value));
        fo_field_errors *errs = run(obj, NULL);
        ck_assert_msg(fo_field_errors_count(errs) == (cases[i].ok ? 0 : 1), "%s: %zu errors",
                      cases[i].value, fo_field_errors_count(errs));
        if (!cases[i].ok) {
            char field[256];
            snprintf(field, sizeof field, "spec.flinkConfiguration[%s]", cases[i].key);
            ck_assert_str_eq(fo_field_errors_get(errs, 0)->field, field);
        }
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

/* rest.port is an int option (RestOptions.PORT) and the port of the REST Service, whose ports
 * the API server takes from 1 to 65535 (ServicePort.port); the cluster defaults' value is
 * judged as the spec's. Flink reads an int option with Integer.parseInt, which takes no
 * blanks, and config.yaml (Flink 1.19+) keeps them in a quoted value. */
START_TEST(a_rest_port_that_is_no_port_is_refused_at_its_key)
{
    static const struct {
        const char *value;
        bool ok;
    } cases[] = {
        {"8082", true}, {"1", true},       {"65535", true},     {"0", false},
        {"65536", false}, {"-1", false},   {"80a", false},      {"8081-8090", false},
        {"", false},    {"8082.0", false}, {" 8082", false},    {"8082 ", false},
        /* Integer.parseInt: an optional sign, then digits, nothing else */
        {"+8082", true}, {"\n8082", false}, {"\r8082", false}, {"\f8082", false},
        {"\v8082", false}, {"+ 8082", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *obj = fo_test_load_yaml(BASE);
        json_t *spec = json_object_get(obj, "spec");
        json_t *conf = json_object_get(spec, "flinkConfiguration");
        if (!json_is_object(conf)) {
            conf = json_object();
            json_object_set_new(spec, "flinkConfiguration", conf);
        }
        json_object_set_new(conf, "rest.port", json_string(cases[i].value));
        fo_field_errors *errs = run(obj, NULL);
        ck_assert_msg(fo_field_errors_count(errs) == (cases[i].ok ? 0 : 1), "'%s': %zu errors",
                      cases[i].value, fo_field_errors_count(errs));
        if (!cases[i].ok) {
            ck_assert_str_eq(fo_field_errors_get(errs, 0)->field,
                             "spec.flinkConfiguration[rest.port]");
            ck_assert_ptr_nonnull(strstr(fo_field_errors_get(errs, 0)->message, "1 to 65535"));
        }
        fo_field_errors_free(errs);
        json_decref(obj);
    }
    /* From the cluster defaults: the same key. */
    json_t *obj = fo_test_load_yaml(BASE);
    json_t *defaults = json_pack("{s:s}", "rest.port", "http");
    fo_validate_env env = {.default_flink_config = defaults};
    fo_field_errors *errs = run(obj, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->field, "spec.flinkConfiguration[rest.port]");
    fo_field_errors_free(errs);
    json_decref(defaults);
    json_decref(obj);
}
END_TEST

/* Flink's memory model (not an Apache rule: Apache accepts these and the pods exit at start).
 * Apache's own test passes a 100-byte TaskManager (reference b.7); flinkop refuses it. The
 * error sits at the field the size came from: the spec's resources, or the configuration key. */
START_TEST(memory_flink_cannot_start_with_is_refused_at_its_field)
{
    static const struct {
        const char *patch, *field, *detail;
    } cases[] = {
        {"{\"spec\":{\"taskManager\":{\"resources\":null,\"resource\":{\"memory\":\"100\"}}}}",
         "spec.taskManager.resource.memory",
         "TaskManager memory configuration failed: Sum of configured JVM Metaspace"},
        {"{\"spec\":{\"taskManager\":{\"resources\":{\"requests\":{\"memory\":\"768Mi\"}}}}}",
         "spec.taskManager.resources.requests.memory",
         "TaskManager memory configuration failed: Sum of configured Framework Heap Memory"},
        {"{\"spec\":{\"jobManager\":{\"resources\":{\"requests\":null,\"limits\":"
         "{\"memory\":\"512m\"}}}}}",
         "spec.jobManager.resources.limits.memory",
         "JobManager memory configuration failed: The Total Flink Memory"},
        {"{\"spec\":{\"flinkConfiguration\":{\"taskmanager.memory.managed.size\":\"4g\"}}}",
         "spec.taskManager.resources.requests.memory", "exceed configured Total Flink Memory"},
        {"{\"spec\":{\"flinkConfiguration\":{\"jobmanager.memory.off-heap.size\":\"two\"}}}",
         "spec.flinkConfiguration[jobmanager.memory.off-heap.size]",
         "JobManager memory configuration failed: cannot read memory size"},
        {"{\"spec\":{\"jobManager\":{\"resources\":null},\"flinkConfiguration\":"
         "{\"jobmanager.memory.process.size\":\"300m\"}}}",
         "spec.flinkConfiguration[jobmanager.memory.process.size]",
         "JobManager memory configuration failed: Sum of configured JVM Metaspace"},
        /* "0" is a size (the builder writes 0 bytes), not "none" */
        {"{\"spec\":{\"taskManager\":{\"resources\":null,\"resource\":{\"memory\":\"0\"}}}}",
         "spec.taskManager.resource.memory", "exceed configured Total Process Memory (0 bytes)"},
        /* resources with requests or limits win over resource: its memory is not used */
        {"{\"spec\":{\"taskManager\":{\"resource\":{\"memory\":\"2g\"},\"resources\":"
         "{\"requests\":null,\"limits\":{\"cpu\":\"2\"}}}}}",
         "spec.taskManager.resources.requests.memory", "Either required fine-grained memory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const patches[] = {cases[i].patch, NULL};
        json_t *obj = patched(BASE, patches);
        fo_field_errors *errs = run(obj, NULL);
        if (fo_field_errors_count(errs) != 1)
            dump_errors(errs, cases[i].patch);
        ck_assert_uint_eq(fo_field_errors_count(errs), 1);
        const fo_field_error *e = fo_field_errors_get(errs, 0);
        ck_assert_str_eq(e->field, cases[i].field);
        /* required when nothing sizes the process, else invalid */
        bool none = strstr(cases[i].detail, "Either required") != NULL;
        ck_assert_int_eq(e->type, none ? FO_FE_REQUIRED : FO_FE_INVALID);
        ck_assert_msg(strstr(e->detail, cases[i].detail), "%s", e->message);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
    /* The sizes Apache's tests use, and a 1g TaskManager, fit. */
    static const char *const fitting[] = {
        "{\"spec\":{\"taskManager\":{\"resources\":{\"requests\":{\"memory\":\"1g\"}}}}}",
        "{\"spec\":{\"jobManager\":{\"resources\":{\"requests\":{\"memory\":\"1Gi\"}}}}}",
    };
    for (size_t i = 0; i < 2; i++) {
        const char *const patches[] = {fitting[i], NULL};
        json_t *obj = patched(BASE, patches);
        fo_field_errors *errs = run(obj, NULL);
        ck_assert_msg(fo_field_errors_count(errs) == 0, "%s", fitting[i]);
        fo_field_errors_free(errs);
        json_decref(obj);
    }
}
END_TEST

/* A key with a NUL character (the API server stores one; the reader reads it) is refused at
 * the object holding it, under spec at any depth, arrays included. */
START_TEST(keys_with_a_nul_character_are_refused)
{
    static const char text[] =
        "{\"spec\":{\"flinkConfiguration\":{\"taskmanager.numberOfTaskSlots\\u0000x\":\"2\"},"
        "\"podTemplate\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":"
        "{\"limits\":{\"\\u0000\":\"1\"}}}]}}}}";
    fo_err err;
    json_t *patch = fo_json_read(text, strlen(text), NULL, &err);
    ck_assert_msg(patch != NULL, "%s", err.message);
    json_t *base = fo_test_load_yaml(BASE);
    json_t *obj = fo_json_merge_patch_apply(base, patch);
    fo_field_errors *errs = run(obj, NULL);
    ck_assert(fo_field_errors_has_field(errs, "spec.flinkConfiguration"));
    ck_assert(fo_field_errors_has_field(errs, "spec.podTemplate.spec.containers[0].resources.limits"));
    bool named = false;
    for (size_t i = 0; i < fo_field_errors_count(errs); i++)
        named = named || strstr(fo_field_errors_get(errs, i)->detail,
                                "key \"taskmanager.numberOfTaskSlots\\u0000x\" holds a NUL");
    ck_assert(named);
    fo_field_errors_free(errs);
    errs = run(base, NULL); /* the control */
    ck_assert(!fo_field_errors_has_field(errs, "spec.flinkConfiguration"));
    fo_field_errors_free(errs);
    json_decref(obj);
    json_decref(base);
    json_decref(patch);
}
END_TEST

START_TEST(deprecated_versions_pass_with_a_warning)
{
    const char *patches[] = {"{\"spec\":{\"flinkVersion\":\"v1_16\"}}", NULL};
    json_t *obj = patched(BASE, patches);
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    ck_assert_ptr_nonnull(strstr(fo_field_errors_warning(errs, 0), "v1_16 is deprecated"));
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(ignored_settings_pass_with_warnings)
{
    const char *patches[] = {"{\"spec\":{\"taskManager\":{\"replicas\":2,\"resource\":"
                             "{\"memory\":\"1g\"}}}}",
                             NULL};
    json_t *obj = patched(BASE, patches);
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 2);
    ck_assert_ptr_nonnull(strstr(fo_field_errors_warning(errs, 0), "spec.taskManager.resource"));
    ck_assert_ptr_nonnull(strstr(fo_field_errors_warning(errs, 1), "spec.job.parallelism"));
    for (size_t i = 0; i < 2; i++) /* admission-review-v1.md: keep each under 120 characters */
        ck_assert_uint_lt(strlen(fo_field_errors_warning(errs, i)), 120);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(operator_defaults_count_as_configuration)
{
    /* testValidationWithDefaultConfig: HA and the checkpoint dir come from the operator. */
    json_t *defaults = json_pack("{ssss}", "high-availability.type",
                                 "org.apache.flink.kubernetes.highavailability."
                                 "KubernetesHaServicesFactory",
                                 "execution.checkpointing.dir", "cpdir");
    fo_validate_env env = {.default_flink_config = defaults};
    const char *patches[] = {"{\"spec\":{\"flinkConfiguration\":null,\"job\":{\"upgradeMode\":"
                             "\"last-state\"}}}",
                             NULL};
    json_t *obj = patched(BASE, patches);
    fo_field_errors *errs = run(obj, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    /* Without them the same object fails. */
    errs = run(obj, NULL);
    ck_assert(
        fo_field_errors_has_field(errs, "spec.flinkConfiguration[execution.checkpointing.dir]"));
    fo_field_errors_free(errs);
    /* Scoped defaults apply by namespace. */
    json_t *scoped = json_pack("{ss}",
                               "kubernetes.operator.default-configuration.namespace."
                               "flink-operator-test.kubernetes.namespace",
                               "x");
    fo_validate_env senv = {.default_flink_config = scoped};
    errs = run(obj, &senv);
    ck_assert(fo_field_errors_has_field(errs, "spec.flinkConfiguration[kubernetes.namespace]"));
    fo_field_errors_free(errs);
    json_decref(scoped);
    json_decref(obj);
    json_decref(defaults);
}
END_TEST

/* ---- update rules with a status built like the Apache test does ------------------------- */

/* obj with status.reconciliationStatus.lastReconciledSpec = last (serialised by flinkop). */
static void set_last(json_t *obj, const json_t *last)
{
    char *text = fo_flink_spec_write(last, NULL, true);
    fo_json_set_path(obj, "status.reconciliationStatus.lastReconciledSpec", json_string(text));
    fo_json_set_path(obj, "status.reconciliationStatus.state", json_string("DEPLOYED"));
    free(text);
}

static size_t errors_for(json_t *obj)
{
    fo_field_errors *errs = run(obj, NULL);
    size_t n = fo_field_errors_count(errs);
    if (n)
        dump_errors(errs, "update case");
    fo_field_errors_free(errs);
    return n;
}

START_TEST(savepoint_redeploy_nonce_rules_follow_the_apache_cases)
{
    json_t *obj = fo_test_load_yaml(BASE);
    json_t *job = fo_json_get(obj, "spec.job");

    /* nonce 1 with a path after deploying without: OK */
    set_last(obj, json_object_get(obj, "spec"));
    json_object_set_new(job, "savepointRedeployNonce", json_integer(1));
    json_object_set_new(job, "initialSavepointPath", json_string("s"));
    ck_assert_uint_eq(errors_for(obj), 0);

    /* deployed with nonce 1 + path; nonce removed (with or without path): OK */
    set_last(obj, json_object_get(obj, "spec"));
    json_object_del(job, "savepointRedeployNonce");
    ck_assert_uint_eq(errors_for(obj), 0);
    json_object_del(job, "initialSavepointPath");
    ck_assert_uint_eq(errors_for(obj), 0);

    /* nonce unchanged without path: OK (only a new nonce needs a path) */
    json_object_set_new(job, "savepointRedeployNonce", json_integer(1));
    ck_assert_uint_eq(errors_for(obj), 0);

    /* nonce 2 with path: OK */
    json_object_set_new(job, "savepointRedeployNonce", json_integer(2));
    json_object_set_new(job, "initialSavepointPath", json_string("s"));
    ck_assert_uint_eq(errors_for(obj), 0);
    json_decref(obj);
}
END_TEST

START_TEST(version_change_is_refused_only_after_a_last_state_suspend)
{
    static const char *const modes[] = {"stateless", "savepoint", "last-state"};
    for (int to = 0; to < 3; to++) {
        for (int from = 0; from < 3; from++) {
            for (int suspended = 0; suspended < 2; suspended++) {
                json_t *obj = fo_test_load_yaml(BASE);
                json_t *spec = json_object_get(obj, "spec");
                json_object_set_new(json_object_get(spec, "job"), "upgradeMode",
                                    json_string(modes[to]));
                json_t *last = json_deep_copy(spec);
                json_object_set_new(last, "flinkVersion", json_string("v1_19"));
                json_object_set_new(json_object_get(last, "job"), "upgradeMode",
                                    json_string(modes[from]));
                json_object_set_new(json_object_get(last, "job"), "state",
                                    json_string(suspended ? "suspended" : "running"));
                set_last(obj, last);
                fo_field_errors *errs = run(obj, NULL);
                bool refused = suspended && from == 2 && to != 0;
                ck_assert_msg(fo_field_errors_has_field(errs, "spec.flinkVersion") == refused,
                              "from %s (%s) to %s", modes[from],
                              suspended ? "suspended" : "running", modes[to]);
                ck_assert_uint_eq(fo_field_errors_count(errs), refused ? 1 : 0);
                fo_field_errors_free(errs);
                json_decref(last);
                json_decref(obj);
            }
        }
    }
}
END_TEST

START_TEST(resume_from_suspended_with_savepoint_mode_passes)
{
    json_t *obj = fo_test_load_yaml(BASE);
    json_t *spec = json_object_get(obj, "spec");
    json_t *last = json_deep_copy(spec);
    json_object_set_new(json_object_get(last, "job"), "state", json_string("suspended"));
    set_last(obj, last);
    json_object_set_new(json_object_get(spec, "flinkConfiguration"),
                        "execution.checkpointing.savepoint-dir",
                        json_string("file:///flink-data/savepoints"));
    json_object_set_new(json_object_get(spec, "job"), "upgradeMode", json_string("savepoint"));
    ck_assert_uint_eq(errors_for(obj), 0);
    json_decref(last);
    json_decref(obj);
}
END_TEST

START_TEST(a_corrupt_last_spec_skips_update_rules_with_a_warning)
{
    json_t *obj = fo_test_load_yaml(BASE);
    fo_json_set_path(obj, "status.reconciliationStatus.lastReconciledSpec", json_string("{bad"));
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(canaries_are_never_validated)
{
    json_t *obj = fo_test_load_yaml("deployment-invalid-several-errors.yaml");
    fo_json_set_path(obj, "metadata.labels", json_pack("{ss}", "flink.apache.org/canary", "true"));
    ck_assert(fo_validate_is_canary(obj));
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

/* ---- options flinkop accepts but does not act on yet ------------------------------------ */

/* docs/controller.md "Not done" and docs/install.md "Migrating": the options a user of the
 * Apache operator sets for a feature flinkop does not have yet, with a value that asks for it
 * (Apache's defaults: reference, operator configuration table). */
static const struct {
    const char *key;
    const char *value;
} noeffect[] = {
    {"job.autoscaler.enabled", "true"},
    {"kubernetes.operator.job.autoscaler.enabled", "true"}, /* the old key Flink still reads */
    {"kubernetes.operator.jm-deployment.shutdown-ttl", "1h"},
    {"kubernetes.operator.deployment.rollback.enabled", "true"},
    {"kubernetes.operator.cluster.health-check.enabled", "true"},
    {"kubernetes.operator.job.upgrade.ignore-pending-savepoint", "true"},
    {"kubernetes.operator.job.savepoint-on-deletion", "true"},
    {"kubernetes.operator.session.deletion.block-on-session-jobs", "true"},
    {"kubernetes.operator.periodic.savepoint.interval", "0 0 0/6 * * ?"}, /* Quartz cron */
    {"kubernetes.operator.periodic.checkpoint.interval", "0 0/30 * * * ?"}, /* Quartz cron */
};

/* What the rules other than these need for each key: HA (rollback), deployment recovery
 * (health check), a savepoint directory (periodic savepoints: the base has both). */
static json_t *with_option(const char *key, json_t *value, bool nested)
{
    json_t *obj = fo_test_load_yaml(BASE);
    json_t *conf = json_object_get(json_object_get(obj, "spec"), "flinkConfiguration");
    json_object_set_new(conf, "kubernetes.operator.jm-deployment-recovery.enabled",
                        json_string("true"));
    if (!nested) {
        json_object_set_new(conf, key, value);
        return obj;
    }
    /* the same key as nested YAML: {"kubernetes": {"operator": {...}}} */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", key);
    json_t *at = conf;
    char *save = NULL;
    char *part = strtok_r(buf, ".", &save);
    for (char *next = strtok_r(NULL, ".", &save); next; next = strtok_r(NULL, ".", &save)) {
        json_t *child = json_object_get(at, part);
        if (!json_is_object(child)) {
            child = json_object();
            json_object_set_new(at, part, child);
        }
        at = child;
        part = next;
    }
    json_object_set_new(at, part, value);
    return obj;
}

/* The one warning of obj that names key's field, or NULL; every warning other than that one
 * fails the test. */
static const char *only_warning_for(const fo_field_errors *errs, const char *key)
{
    char field[512];
    snprintf(field, sizeof field, "spec.flinkConfiguration[%s]: ", key);
    const char *found = NULL;
    for (size_t i = 0; i < fo_field_errors_warning_count(errs); i++) {
        const char *w = fo_field_errors_warning(errs, i);
        ck_assert_msg(strncmp(w, field, strlen(field)) == 0, "%s: unexpected warning: %s", key,
                      w);
        ck_assert_msg(!found, "%s: two warnings", key);
        found = w;
    }
    return found;
}

START_TEST(options_flinkop_does_not_act_on_yet_pass_with_a_warning_naming_them)
{
    for (size_t i = 0; i < sizeof noeffect / sizeof noeffect[0]; i++) {
        for (int nested = 0; nested < 2; nested++) {
            json_t *obj = with_option(noeffect[i].key, json_string(noeffect[i].value), nested);
            fo_field_errors *errs = run(obj, NULL);
            if (fo_field_errors_count(errs))
                dump_errors(errs, noeffect[i].key);
            ck_assert_uint_eq(fo_field_errors_count(errs), 0);
            const char *w = only_warning_for(errs, noeffect[i].key);
            ck_assert_msg(w, "%s (%s): no warning", noeffect[i].key, nested ? "nested" : "flat");
            ck_assert_msg(strstr(w, "flinkop does not act on this yet"), "%s", w);
            /* webhook/admission.h: the API server may cut warnings past 256 bytes */
            ck_assert_uint_le(strlen(w), 256);
            fo_field_errors_free(errs);
            json_decref(obj);
        }
    }
}
END_TEST

START_TEST(nested_yaml_booleans_count_as_their_text)
{
    /* job: {autoscaler: {enabled: true}} written with a YAML boolean, as Apache's examples do */
    json_t *obj = with_option("job.autoscaler.enabled", json_true(), true);
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_ptr_nonnull(only_warning_for(errs, "job.autoscaler.enabled"));
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(options_turned_off_or_working_give_no_warning)
{
    static const struct {
        const char *key;
        const char *value;
    } quiet[] = {
        {"job.autoscaler.enabled", "false"},
        {"kubernetes.operator.job.autoscaler.enabled", "FALSE"},
        {"kubernetes.operator.deployment.rollback.enabled", "false"},
        {"kubernetes.operator.cluster.health-check.enabled", "false"},
        {"kubernetes.operator.savepoint.cleanup.enabled", "false"},
        {"kubernetes.operator.job.upgrade.ignore-pending-savepoint", "false"},
        {"kubernetes.operator.job.savepoint-on-deletion", "false"},
        {"kubernetes.operator.session.deletion.block-on-session-jobs", "false"},
        /* what works: periodic savepoints by duration, history retention, grace period */
        {"kubernetes.operator.periodic.savepoint.interval", "6h"},
        {"kubernetes.operator.periodic.savepoint.interval", "30 min"},
        {"kubernetes.operator.savepoint.history.max.count", "5"},
        {"kubernetes.operator.savepoint.cleanup.enabled", "true"}, /* disposal works */
        {"kubernetes.operator.savepoint.trigger.grace-period", "2 min"},
        {"kubernetes.operator.job.upgrade.last-state-fallback.enabled", "true"},
        /* another branch makes these work: no warning for them here */
        {"kubernetes.operator.periodic.checkpoint.interval", "1h"},
        {"kubernetes.operator.job.restart.failed", "true"},
    };
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
        for (int nested = 0; nested < 2; nested++) {
            json_t *obj = with_option(quiet[i].key, json_string(quiet[i].value), nested);
            fo_field_errors *errs = run(obj, NULL);
            ck_assert_uint_eq(fo_field_errors_count(errs), 0);
            ck_assert_msg(fo_field_errors_warning_count(errs) == 0, "%s: %s: %s", quiet[i].key,
                          quiet[i].value, fo_field_errors_warning(errs, 0));
            fo_field_errors_free(errs);
            json_decref(obj);
        }
    }
    /* manual savepoints, restarts, redeploys from a savepoint and every upgrade mode */
    const char *patches[] = {"{\"spec\":{\"restartNonce\":3,\"job\":{\"savepointTriggerNonce\":2,"
                             "\"checkpointTriggerNonce\":4,\"upgradeMode\":\"savepoint\"}}}",
                             NULL};
    json_t *obj = patched(BASE, patches);
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(options_the_cluster_defaults_set_give_no_warning)
{
    /* the operator's choice, not the resource's: only what the resource sets is told */
    json_t *defaults = json_object();
    for (size_t i = 0; i < sizeof noeffect / sizeof noeffect[0]; i++)
        json_object_set_new(defaults, noeffect[i].key, json_string(noeffect[i].value));
    json_object_set_new(defaults, "kubernetes.operator.jm-deployment-recovery.enabled",
                        json_string("true"));
    fo_validate_env env = {.default_flink_config = defaults};
    json_t *obj = fo_test_load_yaml(BASE);
    fo_field_errors *errs = run(obj, &env);
    if (fo_field_errors_count(errs))
        dump_errors(errs, "defaults");
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_msg(fo_field_errors_warning_count(errs) == 0, "%s",
                  fo_field_errors_warning(errs, 0));
    fo_field_errors_free(errs);
    /* the resource turning one off where the defaults turn it on: nothing either */
    json_object_set_new(json_object_get(json_object_get(obj, "spec"), "flinkConfiguration"),
                        "job.autoscaler.enabled", json_string("false"));
    errs = run(obj, &env);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 0);
    fo_field_errors_free(errs);
    /* and setting one the defaults also set: told */
    json_object_set_new(json_object_get(json_object_get(obj, "spec"), "flinkConfiguration"),
                        "job.autoscaler.enabled", json_string("true"));
    errs = run(obj, &env);
    ck_assert_ptr_nonnull(only_warning_for(errs, "job.autoscaler.enabled"));
    fo_field_errors_free(errs);
    json_decref(obj);
    json_decref(defaults);
}
END_TEST

START_TEST(a_cron_savepoint_interval_warning_names_the_value)
{
    json_t *obj = with_option("kubernetes.operator.periodic.savepoint.interval",
                              json_string("0 0 0/6 * * ?"), false);
    fo_field_errors *errs = run(obj, NULL);
    const char *w = only_warning_for(errs, "kubernetes.operator.periodic.savepoint.interval");
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "'0 0 0/6 * * ?' is not a duration") && strstr(w, "6h"), "%s", w);
    fo_field_errors_free(errs);
    json_decref(obj);
    /* a long value of two-byte characters is cut between characters: the warning stays UTF-8
     * (JSON, and HTTP headers through the API server) and within the bound */
    char text[202] = "0"; /* an odd start, so a cut by bytes would fall inside a character */
    for (int i = 0; i < 100; i++)
        strcat(text, "\xc3\xa9");
    obj = with_option("kubernetes.operator.periodic.savepoint.interval", json_string(text), false);
    errs = run(obj, NULL);
    w = only_warning_for(errs, "kubernetes.operator.periodic.savepoint.interval");
    ck_assert_ptr_nonnull(w);
    json_t *as_json = json_string(w); /* NULL when not valid UTF-8 */
    ck_assert_msg(as_json != NULL, "not UTF-8: %s", w);
    json_decref(as_json);
    ck_assert_uint_le(strlen(w), 256);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(every_warning_of_no_effect_together_stays_within_the_webhook_bounds)
{
    json_t *obj = fo_test_load_yaml(BASE);
    json_t *conf = json_object_get(json_object_get(obj, "spec"), "flinkConfiguration");
    json_object_set_new(conf, "kubernetes.operator.jm-deployment-recovery.enabled",
                        json_string("true"));
    for (size_t i = 0; i < sizeof noeffect / sizeof noeffect[0]; i++)
        json_object_set_new(conf, noeffect[i].key, json_string(noeffect[i].value));
    fo_field_errors *errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    size_t n = sizeof noeffect / sizeof noeffect[0];
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), n);
    ck_assert_uint_le(n, 32); /* FO_ADMISSION_MAX_WARNINGS, with room for the others */
    fo_field_errors_free(errs);
    /* a canary says nothing, whatever it sets */
    fo_json_set_path(obj, "metadata.labels", json_pack("{ss}", "flink.apache.org/canary", "true"));
    errs = run(obj, NULL);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate_deployment");
    TCase *tc = tcase_create("validate_deployment");
    tcase_add_test(tc, each_failing_fixture_reports_exactly_its_error);
    tcase_add_test(tc, messages_read_like_kubernetes_field_errors);
    tcase_add_test(tc, several_errors_are_all_reported_in_rule_order);
    tcase_add_test(tc, wrong_types_are_reported_by_the_validator_too);
    tcase_add_test(tc, a_parallelism_of_the_wrong_type_is_one_error);
    tcase_add_test(tc, passing_variants_report_nothing);
    tcase_add_test(tc, negative_resource_memory_is_refused);
    tcase_add_test(tc, pod_options_flink_would_refuse_are_refused_at_their_key);
    tcase_add_test(tc, enum_options_pass_in_any_case_and_unknown_values_are_refused);
    tcase_add_test(tc, a_rest_port_that_is_no_port_is_refused_at_its_key);
    tcase_add_test(tc, memory_flink_cannot_start_with_is_refused_at_its_field);
    tcase_add_test(tc, keys_with_a_nul_character_are_refused);
    tcase_add_test(tc, deprecated_versions_pass_with_a_warning);
    tcase_add_test(tc, ignored_settings_pass_with_warnings);
    tcase_add_test(tc, operator_defaults_count_as_configuration);
    tcase_add_test(tc, savepoint_redeploy_nonce_rules_follow_the_apache_cases);
    tcase_add_test(tc, version_change_is_refused_only_after_a_last_state_suspend);
    tcase_add_test(tc, resume_from_suspended_with_savepoint_mode_passes);
    tcase_add_test(tc, a_corrupt_last_spec_skips_update_rules_with_a_warning);
    tcase_add_test(tc, canaries_are_never_validated);
    tcase_add_test(tc, options_flinkop_does_not_act_on_yet_pass_with_a_warning_naming_them);
    tcase_add_test(tc, nested_yaml_booleans_count_as_their_text);
    tcase_add_test(tc, options_turned_off_or_working_give_no_warning);
    tcase_add_test(tc, options_the_cluster_defaults_set_give_no_warning);
    tcase_add_test(tc, a_cron_savepoint_interval_warning_names_the_value);
    tcase_add_test(tc, every_warning_of_no_effect_together_stays_within_the_webhook_bounds);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
