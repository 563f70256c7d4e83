/* flink_model: enums, views over the raw JSON, the lastReconciledSpec format in both directions
 * between the Apache operator and flinkop, the canonical comparison form, lifecycle derivation.
 * Expected values come from reference section a and fixtures written in the Apache operator's
 * status format. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "tests/support/testyaml.h"

/* ---- enums ---------------------------------------------------------------------------- */

START_TEST(flink_versions_parse_compare_and_print)
{
    ck_assert_int_eq(fo_flink_version_parse("v1_20"), FO_FLINK_V1_20);
    ck_assert_int_eq(fo_flink_version_parse("v2_4"), FO_FLINK_V2_4);
    ck_assert_int_eq(fo_flink_version_parse("1.20"), FO_FLINK_VERSION_UNKNOWN);
    ck_assert_int_eq(fo_flink_version_parse("V1_20"), FO_FLINK_VERSION_UNKNOWN);
    ck_assert_int_eq(fo_flink_version_parse(NULL), FO_FLINK_VERSION_UNKNOWN);
    ck_assert(FO_FLINK_V1_19 < FO_FLINK_V1_20 && FO_FLINK_V1_20 < FO_FLINK_V2_0);
    for (int v = 1; v < FO_FLINK_VERSION_COUNT; v++)
        ck_assert_int_eq(fo_flink_version_parse(fo_flink_version_name((fo_flink_version)v)), v);
    ck_assert_str_eq(fo_flink_version_name(FO_FLINK_VERSION_UNKNOWN), "unknown");
    ck_assert_int_eq(fo_flink_version_major(FO_FLINK_V2_1), 2);
    ck_assert_int_eq(fo_flink_version_minor(FO_FLINK_V2_1), 1);
    ck_assert_int_eq(fo_flink_version_minor(FO_FLINK_V1_13), 13);
    /* a.2: < v1_15 rejected, v1_15..v1_18 deprecated */
    ck_assert(!fo_flink_version_is_supported(FO_FLINK_V1_14));
    ck_assert(fo_flink_version_is_supported(FO_FLINK_V1_15));
    ck_assert(!fo_flink_version_is_supported(FO_FLINK_VERSION_UNKNOWN));
    ck_assert(fo_flink_version_is_deprecated(FO_FLINK_V1_18));
    ck_assert(!fo_flink_version_is_deprecated(FO_FLINK_V1_19));
}
END_TEST

START_TEST(job_enums_default_when_absent_and_flag_unknown_values)
{
    ck_assert_int_eq(fo_flink_mode_parse(NULL), FO_FLINK_MODE_NATIVE);
    ck_assert_int_eq(fo_flink_mode_parse("standalone"), FO_FLINK_MODE_STANDALONE);
    ck_assert_int_eq(fo_flink_mode_parse("Native"), FO_FLINK_MODE_INVALID);
    ck_assert_int_eq(fo_flink_job_state_parse(NULL), FO_FLINK_JOB_RUNNING);
    ck_assert_int_eq(fo_flink_job_state_parse("suspended"), FO_FLINK_JOB_SUSPENDED);
    ck_assert_int_eq(fo_flink_job_state_parse("paused"), FO_FLINK_JOB_STATE_INVALID);
    ck_assert_int_eq(fo_flink_upgrade_mode_parse(NULL), FO_FLINK_UPGRADE_STATELESS);
    ck_assert_int_eq(fo_flink_upgrade_mode_parse("last-state"), FO_FLINK_UPGRADE_LAST_STATE);
    ck_assert_int_eq(fo_flink_upgrade_mode_parse("fast"), FO_FLINK_UPGRADE_INVALID);
    ck_assert_str_eq(fo_flink_upgrade_mode_name(FO_FLINK_UPGRADE_SAVEPOINT), "savepoint");
    ck_assert_str_eq(fo_flink_upgrade_mode_names[2], "last-state");

    ck_assert_int_eq(fo_flink_job_status_parse("RECONCILING"), FO_JOB_STATUS_RECONCILING);
    ck_assert_int_eq(fo_flink_job_status_parse("running"), FO_JOB_STATUS_UNKNOWN);
    ck_assert_str_eq(fo_flink_job_status_name(FO_JOB_STATUS_CANCELED), "CANCELED");
    ck_assert(fo_flink_job_status_is_globally_terminal(FO_JOB_STATUS_FINISHED));
    ck_assert(!fo_flink_job_status_is_globally_terminal(FO_JOB_STATUS_SUSPENDED));
    ck_assert(fo_flink_job_status_is_terminal(FO_JOB_STATUS_SUSPENDED));
    ck_assert_int_eq(fo_flink_lifecycle_parse("ROLLED_BACK"), FO_LIFECYCLE_ROLLED_BACK);
    ck_assert(fo_flink_lifecycle_is_terminal(FO_LIFECYCLE_STABLE));
    ck_assert(!fo_flink_lifecycle_is_terminal(FO_LIFECYCLE_DEPLOYED));
    ck_assert_int_eq(fo_flink_recon_state_parse(NULL), FO_RECON_UPGRADING);
    ck_assert_int_eq(fo_flink_jm_status_parse(NULL), FO_JM_MISSING);
    ck_assert_int_eq(fo_flink_jm_status_parse("DEPLOYED_NOT_READY"), FO_JM_DEPLOYED_NOT_READY);
    ck_assert_str_eq(fo_flink_jm_status_name(FO_JM_READY), "READY");
}
END_TEST

/* ---- views ---------------------------------------------------------------------------- */

START_TEST(view_reads_every_field_with_defaults)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    fo_flink_view v;
    fo_field_errors *errs = fo_field_errors_new();
    ck_assert_int_eq(fo_flink_view_init(&v, obj, errs), FO_OK);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_int_eq(v.kind, FO_FLINK_DEPLOYMENT);
    ck_assert_str_eq(v.name, "test-cluster");
    ck_assert_str_eq(v.namespace_, "flink-operator-test");
    ck_assert(v.generation.has && v.generation.value == 1);
    ck_assert_str_eq(v.image, "flink:latest");
    ck_assert_str_eq(v.service_account, "flink-operator");
    ck_assert_int_eq(v.flink_version, FO_FLINK_V1_20);
    ck_assert_int_eq(v.mode, FO_FLINK_MODE_NATIVE);
    ck_assert(fo_flink_is_application(&v));
    ck_assert_str_eq(v.job.jar_uri, "local:///tmp/sample.jar");
    ck_assert_int_eq(v.job.parallelism, 1);
    ck_assert_ptr_null(v.job.args);
    ck_assert_int_eq(v.job.allow_non_restored_state, -1);
    ck_assert(!v.job.savepoint_redeploy_nonce.has);
    ck_assert(v.job_manager.has_replicas && v.job_manager.replicas == 1);
    ck_assert_ptr_nonnull(v.job_manager.resources);
    ck_assert(!v.task_manager.has_replicas);
    ck_assert_ptr_null(v.status.raw);
    ck_assert_int_eq(v.status.jm_status, FO_JM_MISSING);
    ck_assert_int_eq(v.status.recon_state, FO_RECON_UPGRADING);

    /* A session cluster: no job; defaults read without the fields. */
    json_object_del(json_object_get(obj, "spec"), "job");
    json_object_del(json_object_get(obj, "spec"), "jobManager");
    ck_assert_int_eq(fo_flink_view_init(&v, obj, errs), FO_OK);
    ck_assert(!fo_flink_is_application(&v));
    ck_assert_int_eq(v.job.state, FO_FLINK_JOB_RUNNING);
    ck_assert_int_eq(v.job.upgrade_mode, FO_FLINK_UPGRADE_STATELESS);
    ck_assert(!v.job_manager.has_replicas && v.job_manager.replicas == 1);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(wrong_types_become_field_errors_not_crashes)
{
    json_t *obj = fo_test_load_yaml("deployment-wrong-types.yaml");
    fo_flink_view v;
    fo_field_errors *errs = fo_field_errors_new();
    ck_assert_int_eq(fo_flink_view_init(&v, obj, errs), FO_OK);
    const char *fields[] = {"spec.image",
                            "spec.serviceAccount",
                            "spec.jobManager.replicas",
                            "spec.jobManager.resource.cpu",
                            "spec.jobManager.resource.memory",
                            "spec.taskManager",
                            "spec.job.parallelism",
                            "spec.job.args",
                            "spec.job.savepointRedeployNonce",
                            "spec.job.allowNonRestoredState"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ck_assert_msg(fo_field_errors_has_field(errs, fields[i]), "no error for %s", fields[i]);
    ck_assert_uint_eq(fo_field_errors_count(errs), sizeof fields / sizeof fields[0]);
    char *all = fo_field_errors_join(errs, "\n");
    ck_assert_ptr_nonnull(strstr(all, "spec.jobManager.replicas: Invalid value: \"two\": must be "
                                      "a 32-bit integer"));
    ck_assert_ptr_nonnull(strstr(all, "spec.job.parallelism: Invalid value: 2.5"));
    free(all);
    /* The wrong values read as absent (defaults), the right ones are kept. */
    ck_assert_ptr_null(v.image);
    ck_assert_int_eq(v.job_manager.replicas, 1);
    ck_assert_int_eq(v.job.parallelism, 0);
    ck_assert_str_eq(v.job.jar_uri, "local:///a.jar");
    ck_assert_ptr_null(v.task_manager.raw);

    json_t *arr = json_array();
    ck_assert_int_eq(fo_flink_view_init(&v, arr, NULL), FO_EINVAL);
    json_decref(arr);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(strings_with_nul_characters_are_field_errors_not_cut_short)
{
    /* JSON's "\u0000" would end the C string: "flink" would be deployed instead of what the
     * user wrote, and "good\u0000..." would pass the name rules. */
    json_t *obj = json_loads("{\"kind\":\"FlinkDeployment\",\"metadata\":{\"name\":\"d\"},"
                             "\"spec\":{\"image\":\"flink\\u0000:evil\",\"serviceAccount\":\"sa\","
                             "\"job\":{\"jarURI\":\"local:///a.jar\\u0000x\"}}}",
                             JSON_ALLOW_NUL, NULL);
    ck_assert_ptr_nonnull(obj);
    fo_flink_view v;
    fo_field_errors *errs = fo_field_errors_new();
    ck_assert_int_eq(fo_flink_view_init(&v, obj, errs), FO_OK);
    ck_assert_ptr_null(v.image);
    ck_assert_ptr_null(v.job.jar_uri);
    ck_assert_str_eq(v.service_account, "sa");
    ck_assert_msg(fo_field_errors_has_field(errs, "spec.image"), "no error for spec.image");
    ck_assert_msg(fo_field_errors_has_field(errs, "spec.job.jarURI"), "no error for jarURI");
    char *all = fo_field_errors_join(errs, "\n");
    ck_assert_msg(strstr(all, "NUL") != NULL, "%s", all);
    free(all);
    fo_field_errors_free(errs);
    json_decref(obj);
}
END_TEST

START_TEST(session_jobs_read_deployment_name_and_job)
{
    json_t *obj = json_loads("{\"kind\":\"FlinkSessionJob\",\"metadata\":{\"name\":\"j\"},"
                             "\"spec\":{\"deploymentName\":\"s\",\"image\":\"ignored\","
                             "\"job\":{\"jarURI\":\"https://x/a.jar\",\"parallelism\":3}}}",
                             0, NULL);
    fo_flink_view v;
    ck_assert_int_eq(fo_flink_view_init(&v, obj, NULL), FO_OK);
    ck_assert_int_eq(v.kind, FO_FLINK_SESSION_JOB);
    ck_assert_str_eq(v.deployment_name, "s");
    ck_assert_ptr_null(v.image);
    ck_assert_int_eq(v.job.parallelism, 3);
    json_decref(obj);
}
END_TEST

START_TEST(helpers_name_objects_and_detect_ha)
{
    ck_assert(fo_flink_name_is_valid("test-cluster"));
    ck_assert(fo_flink_name_is_valid("a"));
    ck_assert(!fo_flink_name_is_valid("session-cluster-1.13")); /* dots */
    ck_assert(!fo_flink_name_is_valid("1cluster"));
    ck_assert(!fo_flink_name_is_valid("cluster-"));
    ck_assert(!fo_flink_name_is_valid("Cluster"));
    ck_assert(!fo_flink_name_is_valid(""));
    ck_assert(fo_flink_name_is_valid("a23456789012345678901234567890123456789012345"));   /* 45 */
    ck_assert(!fo_flink_name_is_valid("a234567890123456789012345678901234567890123456")); /* 46 */

    char buf[64];
    ck_assert_str_eq(fo_flink_rest_service_name("app", buf, sizeof buf), "app-rest");
    ck_assert_str_eq(fo_flink_config_map_name("app", buf, sizeof buf), "flink-config-app");
    ck_assert_str_eq(fo_flink_pod_template_cm_name("app", buf, sizeof buf), "pod-template-app");
    ck_assert_str_eq(fo_flink_tm_deployment_name("app", buf, sizeof buf), "app-taskmanager");
    ck_assert_str_eq(fo_flink_ha_cluster_cm_name("app", buf, sizeof buf), "app-cluster-config-map");
    ck_assert_ptr_null(fo_flink_rest_service_name("app", buf, 5));

    json_t *c = json_pack("{ss}", "high-availability.type", "kubernetes");
    ck_assert(fo_flink_ha_enabled(c) && fo_flink_ha_is_kubernetes(c));
    json_decref(c);
    c = json_pack("{ss}", "high-availability",
                  "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory");
    ck_assert(fo_flink_ha_enabled(c) && fo_flink_ha_is_kubernetes(c));
    json_decref(c);
    c = json_pack("{ss}", "high-availability.type", "zookeeper");
    ck_assert(fo_flink_ha_enabled(c) && !fo_flink_ha_is_kubernetes(c));
    json_decref(c);
    c = json_pack("{ss}", "high-availability.type", "NONE");
    ck_assert(!fo_flink_ha_enabled(c));
    json_decref(c);
    /* HighAvailabilityMode.fromConfig maps the old default recovery mode to NONE */
    c = json_pack("{ss}", "high-availability.type", "standalone");
    ck_assert(!fo_flink_ha_enabled(c) && !fo_flink_ha_is_kubernetes(c));
    json_decref(c);
    c = json_pack("{ss}", "high-availability", "Standalone");
    ck_assert(!fo_flink_ha_enabled(c));
    json_decref(c);
    c = json_object();
    ck_assert(!fo_flink_ha_enabled(c));
    json_decref(c);

    json_t *canary =
        json_loads("{\"metadata\":{\"labels\":{\"flink.apache.org/canary\":\"true\"}}}", 0, NULL);
    ck_assert(fo_flink_is_canary(canary));
    json_object_set_new(fo_json_get(canary, "metadata.labels"), "flink.apache.org/canary",
                        json_string("false"));
    ck_assert(!fo_flink_is_canary(canary));
    json_object_set_new(fo_json_get(canary, "metadata.labels"), "flink.apache.org/canary",
                        json_string("TRUE"));
    ck_assert(fo_flink_is_canary(canary)); /* the Apache operator ignores the case */
    json_object_set_new(fo_json_get(canary, "metadata.labels"), "flink.apache.org/canary",
                        json_string("truely"));
    ck_assert(!fo_flink_is_canary(canary));
    json_decref(canary);
}
END_TEST

START_TEST(ha_metadata_is_found_in_job_config_maps_only)
{
    json_t *cms = fo_test_load_yaml("deployment-ha-configmaps.yaml");
    ck_assert(fo_flink_ha_metadata_available(cms, false));
    ck_assert(fo_flink_ha_metadata_available(cms, true));
    /* Without the job's map: the cluster map, the autoscaler map and a deleting map do not
     * count. */
    json_array_remove(cms, 2);
    ck_assert(!fo_flink_ha_metadata_available(cms, false));
    json_t *legacy = json_pack("{s{ss}}", "metadata", "name", "basic-jobmanager-leader");
    json_array_append_new(cms, legacy);
    ck_assert(fo_flink_ha_metadata_available(cms, false));
    ck_assert(!fo_flink_ha_metadata_available(cms, true)); /* no checkpoint in it */
    ck_assert(!fo_flink_ha_metadata_available(NULL, false));
    json_decref(cms);
}
END_TEST

/* A last-state restore of a job id recovers only that job's map: the checkpoint must be in
 * <cluster>-<job id>-config-map (fixture: job 3b5e... has one; 0...02's map is being deleted). */
START_TEST(ha_checkpoint_is_looked_for_in_the_map_of_the_job_id)
{
    json_t *cms = fo_test_load_yaml("deployment-ha-configmaps.yaml");
    ck_assert(fo_flink_ha_job_checkpoint_available(cms, "3b5e2a9c6d4f4e1f8a7b6c5d4e3f2a1b"));
    ck_assert(!fo_flink_ha_job_checkpoint_available(cms, "00000000000000000000000000000001"));
    ck_assert(!fo_flink_ha_job_checkpoint_available(cms, "00000000000000000000000000000002"));
    ck_assert(!fo_flink_ha_job_checkpoint_available(cms, "3b5e2a9c"));
    ck_assert(!fo_flink_ha_job_checkpoint_available(cms, NULL));
    ck_assert(!fo_flink_ha_job_checkpoint_available(NULL, "3b5e2a9c6d4f4e1f8a7b6c5d4e3f2a1b"));
    json_decref(cms);
}
END_TEST

START_TEST(effective_mode_comes_from_the_deployed_spec)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    fo_flink_view v;
    fo_flink_view_init(&v, obj, NULL);
    ck_assert_int_eq(fo_flink_effective_mode(&v, NULL), FO_FLINK_MODE_NATIVE);
    json_t *last = json_pack("{ss}", "mode", "standalone");
    ck_assert_int_eq(fo_flink_effective_mode(&v, last), FO_FLINK_MODE_STANDALONE);
    json_decref(last);
    json_decref(obj);
}
END_TEST

/* ---- lastReconciledSpec ---------------------------------------------------------------- */

START_TEST(apache_new_format_parses_to_the_spec_the_user_wrote)
{
    json_t *obj = fo_test_load_yaml("deployment-status-apache-new-format.yaml");
    fo_flink_spec_meta meta;
    fo_rc rc;
    json_t *last = fo_flink_last_reconciled_spec(obj, &meta, &rc);
    ck_assert_int_eq(rc, FO_OK);
    ck_assert_ptr_nonnull(last);
    ck_assert(meta.present);
    ck_assert_str_eq(meta.api_version, "flink.apache.org/v1beta1");
    ck_assert(meta.first_deployment);
    /* Nulls, Java defaults and fabric8's dropped empties do not make a difference. */
    json_t *mine = fo_flink_spec_canonical(json_object_get(obj, "spec"), FO_FLINK_DEPLOYMENT);
    ck_assert_msg(fo_json_equal(last, mine), "%s\n%s", fo_json_dumps_canonical(last),
                  fo_json_dumps_canonical(mine));
    ck_assert_str_eq(fo_json_get_str(last, "job.state"), "running");
    ck_assert_ptr_null(fo_json_get(last, "job.entryClass"));
    ck_assert_ptr_null(fo_json_get(last, "job.args"));

    fo_flink_view v;
    ck_assert_int_eq(fo_flink_view_init(&v, obj, NULL), FO_OK);
    ck_assert_int_eq(v.status.job_status, FO_JOB_STATUS_RUNNING);
    ck_assert_int_eq(v.status.jm_status, FO_JM_READY);
    ck_assert_int_eq(v.status.recon_state, FO_RECON_DEPLOYED);
    ck_assert_int_eq(v.status.lifecycle, FO_LIFECYCLE_STABLE);
    ck_assert(v.status.observed_generation.has && v.status.observed_generation.value == 2);
    ck_assert_str_eq(v.status.job_id, "3b5e2a9c6d4f4e1f8a7b6c5d4e3f2a1b");
    json_decref(mine);
    json_decref(last);
    json_decref(obj);
}
END_TEST

START_TEST(apache_old_format_parses_without_api_version)
{
    json_t *obj = fo_test_load_yaml("deployment-status-apache-old-format.yaml");
    fo_flink_spec_meta meta;
    json_t *last = fo_flink_last_reconciled_spec(obj, &meta, NULL);
    ck_assert_ptr_nonnull(last);
    ck_assert(!meta.present);
    ck_assert_str_eq(meta.api_version, "flink.apache.org/v1beta1");
    ck_assert_ptr_null(json_object_get(last, "apiVersion"));
    ck_assert_ptr_null(json_object_get(last, "flinkConfiguration"));
    ck_assert_str_eq(fo_json_get_str(last, "job.state"), "suspended");
    ck_assert_str_eq(fo_json_get_str(last, "flinkVersion"), "v1_15");
    json_t *mine = fo_flink_spec_canonical(json_object_get(obj, "spec"), FO_FLINK_DEPLOYMENT);
    ck_assert(fo_json_equal(last, mine));
    json_decref(mine);
    json_decref(last);
    json_decref(obj);
}
END_TEST

START_TEST(written_specs_use_the_apache_layout_and_read_back)
{
    json_t *spec = json_loads("{\"job\":{\"jarURI\":\"local:///a.jar\",\"parallelism\":2},"
                              "\"flinkVersion\":\"v1_20\",\"unknownField\":{\"kept\":true}}",
                              JSON_PRESERVE_ORDER, NULL);
    char *text = fo_flink_spec_write(spec, NULL, true);
    ck_assert_str_eq(text, "{\"spec\":{\"job\":{\"jarURI\":\"local:///a.jar\",\"parallelism\":2},"
                           "\"flinkVersion\":\"v1_20\",\"unknownField\":{\"kept\":true}},"
                           "\"resource_metadata\":{\"apiVersion\":\"flink.apache.org/v1beta1\","
                           "\"metadata\":{\"writer\":\"flinkop\"},\"firstDeployment\":true}}");
    json_t *back = NULL;
    fo_flink_spec_meta meta;
    ck_assert_int_eq(fo_flink_spec_parse(text, FO_FLINK_DEPLOYMENT, &back, &meta, NULL), FO_OK);
    ck_assert(meta.present && meta.first_deployment && meta.by_flinkop);
    ck_assert(json_is_true(fo_json_get(back, "unknownField.kept")));
    json_t *canon = fo_flink_spec_canonical(spec, FO_FLINK_DEPLOYMENT);
    ck_assert(fo_json_equal(back, canon));
    json_decref(canon);
    json_decref(back);
    free(text);

    text = fo_flink_spec_write(spec, "flink.apache.org/v1beta1", false);
    ck_assert_ptr_nonnull(strstr(text, "\"firstDeployment\":false}}"));
    free(text);
    json_decref(spec);
}
END_TEST

START_TEST(broken_spec_strings_are_errors_not_crashes)
{
    const char *bad[] = {"",
                         "not json",
                         "[1,2]",
                         "{\"resource_metadata\":{}}",
                         "{\"resource_metadata\":5,\"spec\":{}}",
                         "{\"spec\":\"x\",\"resource_metadata\":{}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *spec = (json_t *)1;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_msg(fo_flink_spec_parse(bad[i], FO_FLINK_DEPLOYMENT, &spec, NULL, &err) != FO_OK,
                      "%s", bad[i]);
        ck_assert_ptr_null(spec);
        ck_assert(err.message[0] != '\0');
    }
    json_t *obj = json_loads("{\"status\":{\"reconciliationStatus\":{\"lastReconciledSpec\":"
                             "\"{oops\"}},\"spec\":{}}",
                             0, NULL);
    fo_rc rc = FO_OK;
    ck_assert_ptr_null(fo_flink_last_reconciled_spec(obj, NULL, &rc));
    ck_assert_int_eq(rc, FO_EINVAL);
    json_decref(obj);
}
END_TEST

/* The rules' parse builds job, mode, flinkVersion and deploymentName exactly as the full parse
 * does, and nothing else; both formats, both kinds; broken strings fail alike. */
static void check_rules_parse(const json_t *obj)
{
    static const char *const members[] = {"job", "mode", "flinkVersion", "deploymentName"};
    fo_rc full_rc = FO_OK, rules_rc = FO_OK;
    json_t *full = fo_flink_last_reconciled_spec(obj, NULL, &full_rc);
    json_t *rules = fo_flink_last_reconciled_spec_for_rules(obj, &rules_rc);
    ck_assert_int_eq(rules_rc, full_rc);
    ck_assert_int_eq(full == NULL, rules == NULL);
    if (!full)
        return;
    size_t expected = 0;
    for (size_t i = 0; i < sizeof members / sizeof *members; i++) {
        json_t *a = json_object_get(full, members[i]), *b = json_object_get(rules, members[i]);
        ck_assert_msg(fo_json_equal(a, b), "%s differs", members[i]);
        expected += a != NULL;
    }
    ck_assert_uint_eq(json_object_size(rules), expected);
    json_decref(full);
    json_decref(rules);
}

START_TEST(the_rules_parse_builds_only_what_the_rules_compare)
{
    const char *files[] = {"deployment-status-apache-new-format.yaml",
                           "deployment-status-apache-old-format.yaml"};
    for (size_t i = 0; i < 2; i++) {
        json_t *obj = fo_test_load_yaml(files[i]);
        check_rules_parse(obj);
        const char *text = fo_json_get_str(obj, "status.reconciliationStatus.lastReconciledSpec");
        ck_assert_ptr_nonnull(text);
        json_t *rules = fo_flink_last_reconciled_spec_for_rules(obj, NULL);
        ck_assert_ptr_nonnull(json_object_get(rules, "job"));
        ck_assert_ptr_nonnull(json_object_get(rules, "flinkVersion"));
        ck_assert_ptr_null(json_object_get(rules, "taskManager"));
        json_decref(rules);
        json_decref(obj);
    }
    /* a session job's deploymentName; members nested under a skipped one stay out; nulls and
     * Java defaults canonicalised as in the full parse */
    const char *strings[] = {
        "{\"spec\":{\"deploymentName\":\"session\",\"job\":{\"jarURI\":\"https://x/a.jar\","
        "\"parallelism\":0,\"args\":[],\"entryClass\":null},\"flinkConfiguration\":{\"job\":1}},"
        "\"resource_metadata\":{\"apiVersion\":\"flink.apache.org/v1beta1\"}}",
        "{\"job\":{\"state\":\"suspended\",\"upgradeMode\":\"last-state\"},\"mode\":\"native\","
        "\"podTemplate\":{\"spec\":{\"job\":{}}},\"apiVersion\":\"flink.apache.org/v1beta1\"}",
        "{\"spec\":{\"job\":5},\"resource_metadata\":{}}",
        "{\"spec\":{\"taskManager\":{\"x\":[1,{\"job\":2}]}, \"job\":null},\"resource_metadata\":{}}",
        "{\"spec\":{\"taskManager\":{\"x\":[1,{\"job\":2]}},\"resource_metadata\":{}}",
        "[]",
    };
    const char *kinds[] = {"FlinkSessionJob", "FlinkDeployment"};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        for (size_t k = 0; k < 2; k++) {
            json_t *obj = json_pack("{s:s, s:{}, s:{s:{s:s}}}", "kind", kinds[k], "spec",
                                    "status", "reconciliationStatus", "lastReconciledSpec",
                                    strings[i]);
            check_rules_parse(obj);
            json_decref(obj);
        }
    }
}
END_TEST

START_TEST(canonical_form_fills_written_defaults_and_drops_java_only_ones)
{
    json_t *a = json_loads("{\"job\":{\"parallelism\":0,\"args\":[],\"state\":null},"
                           "\"flinkConfiguration\":{},\"jobManager\":{\"resources\":{\"requests\":"
                           "{\"cpu\":1}}},\"taskManager\":{\"podTemplate\":{\"spec\":{}}}}",
                           0, NULL);
    json_t *c = fo_flink_spec_canonical(a, FO_FLINK_DEPLOYMENT);
    json_t *want = json_loads("{\"job\":{\"state\":\"running\",\"upgradeMode\":\"stateless\"},"
                              "\"jobManager\":{\"replicas\":1,\"resources\":{\"requests\":"
                              "{\"cpu\":\"1\"}}},\"taskManager\":{}}",
                              0, NULL);
    ck_assert_msg(fo_json_equal(c, want), "%s", fo_json_dumps_canonical(c));
    json_decref(want);
    json_decref(c);
    /* Empty volume sources are meaningful (fabric8 keeps empty objects; only empty
     * collections go): emptyDir: {} must survive. */
    json_t *v = json_loads("{\"podTemplate\":{\"spec\":{\"volumes\":[{\"name\":\"logs\","
                           "\"emptyDir\":{}}],\"nodeSelector\":{}}}}",
                           0, NULL);
    json_t *vc = fo_flink_spec_canonical(v, FO_FLINK_DEPLOYMENT);
    ck_assert_ptr_nonnull(
        fo_json_get(json_array_get(fo_json_get(vc, "podTemplate.spec.volumes"), 0), "emptyDir"));
    ck_assert_ptr_null(fo_json_get(vc, "podTemplate.spec.nodeSelector"));
    json_decref(vc);
    json_decref(v);
    /* Flat and nested flinkConfiguration compare equal. */
    json_t *x = json_loads("{\"flinkConfiguration\":{\"a\":{\"b\":1}}}", 0, NULL);
    json_t *y = json_loads("{\"flinkConfiguration\":{\"a.b\":\"1\"}}", 0, NULL);
    json_t *cx = fo_flink_spec_canonical(x, FO_FLINK_SESSION_JOB);
    json_t *cy = fo_flink_spec_canonical(y, FO_FLINK_SESSION_JOB);
    ck_assert(fo_json_equal(cx, cy));
    json_decref(cx);
    json_decref(cy);
    json_decref(x);
    json_decref(y);
    json_decref(a);
}
END_TEST

/* ---- lifecycle ------------------------------------------------------------------------- */

static fo_flink_lifecycle lifecycle_of(const char *status_json, const char *kind)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "{\"kind\":\"%s\",\"spec\":{},\"status\":%s}", kind, status_json);
    json_error_t jerr;
    json_t *obj = json_loads(buf, 0, &jerr);
    ck_assert_msg(obj != NULL, "%s", jerr.text);
    fo_flink_lifecycle l = fo_flink_lifecycle_derive(obj);
    json_decref(obj);
    return l;
}

#define RUNNING_SPEC                                                                               \
    "\"{\\\"spec\\\":{\\\"job\\\":{\\\"state\\\":\\\"running\\\"}},\\\"resource_metadata\\\":{}}"  \
    "\""
#define SUSPENDED_SPEC                                                                             \
    "\"{\\\"spec\\\":{\\\"job\\\":{\\\"state\\\":\\\"suspended\\\"}},\\\"resource_metadata\\\":{}" \
    "}\""

START_TEST(lifecycle_follows_the_apache_derivation_order)
{
    const char *fd = "FlinkDeployment";
    ck_assert_int_eq(lifecycle_of("{}", fd), FO_LIFECYCLE_CREATED);
    ck_assert_int_eq(lifecycle_of("{\"error\":\"boom\"}", fd), FO_LIFECYCLE_FAILED);
    ck_assert_int_eq(lifecycle_of("{\"lifecycleState\":\"DELETING\"}", fd), FO_LIFECYCLE_DELETING);
    ck_assert_int_eq(
        lifecycle_of("{\"reconciliationStatus\":{\"lastReconciledSpec\":" RUNNING_SPEC "}}", fd),
        FO_LIFECYCLE_UPGRADING); /* state absent = UPGRADING */
    ck_assert_int_eq(lifecycle_of("{\"reconciliationStatus\":{\"state\":\"ROLLING_BACK\","
                                  "\"lastReconciledSpec\":" RUNNING_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_ROLLING_BACK);
    ck_assert_int_eq(lifecycle_of("{\"reconciliationStatus\":{\"state\":\"DEPLOYED\","
                                  "\"lastReconciledSpec\":" SUSPENDED_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_SUSPENDED);
    ck_assert_int_eq(lifecycle_of("{\"jobStatus\":{\"state\":\"FAILED\"},\"reconciliationStatus\":"
                                  "{\"state\":\"DEPLOYED\",\"lastReconciledSpec\":" RUNNING_SPEC
                                  "}}",
                                  fd),
                     FO_LIFECYCLE_FAILED);
    ck_assert_int_eq(lifecycle_of("{\"jobManagerDeploymentStatus\":\"MISSING\",\"error\":\"x "
                                  "Manual restore required.\",\"reconciliationStatus\":{\"state\":"
                                  "\"DEPLOYED\",\"lastReconciledSpec\":" RUNNING_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_FAILED);
    /* The same error on a session job does not count (FlinkDeployment only). */
    ck_assert_int_eq(lifecycle_of("{\"error\":\"Manual restore required.\",\"reconciliationStatus\""
                                  ":{\"state\":\"DEPLOYED\",\"lastReconciledSpec\":" RUNNING_SPEC
                                  "}}",
                                  "FlinkSessionJob"),
                     FO_LIFECYCLE_DEPLOYED);
    ck_assert_int_eq(lifecycle_of("{\"reconciliationStatus\":{\"state\":\"ROLLED_BACK\","
                                  "\"lastReconciledSpec\":" RUNNING_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_ROLLED_BACK);
    ck_assert_int_eq(lifecycle_of("{\"reconciliationStatus\":{\"state\":\"DEPLOYED\","
                                  "\"lastReconciledSpec\":" RUNNING_SPEC
                                  ",\"lastStableSpec\":" RUNNING_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_STABLE);
    ck_assert_int_eq(lifecycle_of("{\"reconciliationStatus\":{\"state\":\"DEPLOYED\","
                                  "\"lastReconciledSpec\":" RUNNING_SPEC "}}",
                                  fd),
                     FO_LIFECYCLE_DEPLOYED);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flink_model");
    TCase *tc = tcase_create("flink_model");
    tcase_add_test(tc, flink_versions_parse_compare_and_print);
    tcase_add_test(tc, job_enums_default_when_absent_and_flag_unknown_values);
    tcase_add_test(tc, view_reads_every_field_with_defaults);
    tcase_add_test(tc, wrong_types_become_field_errors_not_crashes);
    tcase_add_test(tc, strings_with_nul_characters_are_field_errors_not_cut_short);
    tcase_add_test(tc, session_jobs_read_deployment_name_and_job);
    tcase_add_test(tc, helpers_name_objects_and_detect_ha);
    tcase_add_test(tc, ha_metadata_is_found_in_job_config_maps_only);
    tcase_add_test(tc, ha_checkpoint_is_looked_for_in_the_map_of_the_job_id);
    tcase_add_test(tc, effective_mode_comes_from_the_deployed_spec);
    tcase_add_test(tc, apache_new_format_parses_to_the_spec_the_user_wrote);
    tcase_add_test(tc, apache_old_format_parses_without_api_version);
    tcase_add_test(tc, written_specs_use_the_apache_layout_and_read_back);
    tcase_add_test(tc, broken_spec_strings_are_errors_not_crashes);
    tcase_add_test(tc, the_rules_parse_builds_only_what_the_rules_compare);
    tcase_add_test(tc, canonical_form_fills_written_defaults_and_drops_java_only_ones);
    tcase_add_test(tc, lifecycle_follows_the_apache_derivation_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
