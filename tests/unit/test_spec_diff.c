/* controller/spec_diff: the change classes of reference c.5 (IGNORE < SCALE < UPGRADE <
 * SAVEPOINT_REDEPLOY, the largest wins), on the spec of tests/data/controller-application.yaml
 * with one field changed at a time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/yamlconv.h"
#include "controller/events.h"
#include "controller/spec_diff.h"
#include "tests/support/testyaml.h"

static json_t *base_spec(void)
{
    json_t *obj = fo_test_load_yaml("controller-application.yaml");
    json_t *spec = json_incref(json_object_get(obj, "spec"));
    json_decref(obj);
    return spec;
}

/* The diff between the base spec and a copy with `path` set to value (stolen). */
static fo_spec_diff diff_with(const char *path, json_t *value, fo_flink_mode mode)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    ck_assert_int_eq(fo_json_set_path(b, path, value), FO_OK);
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, mode, &d, &err), FO_OK);
    json_decref(a);
    json_decref(b);
    return d;
}

/* Same for a flinkConfiguration key (keys contain dots). */
static fo_spec_diff conf_diff(const char *key, const char *value, fo_flink_mode mode)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    json_object_set_new(json_object_get(b, "flinkConfiguration"), key, json_string(value));
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, mode, &d, &err), FO_OK);
    json_decref(a);
    json_decref(b);
    return d;
}

START_TEST(equal_specs_have_no_changes)
{
    json_t *a = base_spec();
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, a, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_uint_eq(d.changes, 0);
    ck_assert_int_eq(d.type, FO_DIFF_IGNORE);
    ck_assert_str_eq(d.summary, "");
    json_decref(a);
}
END_TEST

START_TEST(written_defaults_and_nulls_are_not_changes)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    /* job.state running and jobManager.replicas 1 are the model defaults; null means unset. */
    fo_json_set_path(b, "job.state", json_string("running"));
    fo_json_set_path(b, "jobManager.replicas", json_integer(1));
    fo_json_set_path(b, "job.entryClass", json_null());
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_uint_eq(d.changes, 0);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(nested_and_flat_configuration_are_equal)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    /* {taskmanager: {numberOfTaskSlots: 2}} flattens to taskmanager.numberOfTaskSlots: "2" */
    json_object_set_new(b, "flinkConfiguration",
                        json_pack("{s:{s:i}}", "taskmanager", "numberOfTaskSlots", 2));
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_uint_eq(d.changes, 0);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(job_settings_that_restore_nothing_are_ignored)
{
    ck_assert_int_eq(
        diff_with("job.upgradeMode", json_string("savepoint"), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_IGNORE);
    ck_assert_int_eq(
        diff_with("job.initialSavepointPath", json_string("s3://x/sp"), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_IGNORE);
    ck_assert_int_eq(diff_with("job.allowNonRestoredState", json_true(), FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_IGNORE);
    ck_assert_int_eq(
        diff_with("job.savepointTriggerNonce", json_integer(3), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_IGNORE);
    ck_assert_int_eq(
        diff_with("job.checkpointTriggerNonce", json_integer(3), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_IGNORE);
    ck_assert_int_eq(
        diff_with("job.autoscalerResetNonce", json_integer(3), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_IGNORE);
    fo_spec_diff d = diff_with("job.upgradeMode", json_string("savepoint"), FO_FLINK_MODE_NATIVE);
    ck_assert_uint_eq(d.changes, 1); /* ignored, but still a change to record */
}
END_TEST

START_TEST(operator_configuration_keys_are_ignored)
{
    ck_assert_int_eq(
        conf_diff("kubernetes.operator.periodic.savepoint.interval", "1h", FO_FLINK_MODE_NATIVE)
            .type,
        FO_DIFF_IGNORE);
    ck_assert_int_eq(conf_diff("job.autoscaler.enabled", "true", FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_IGNORE);
    ck_assert_int_eq(conf_diff("parallelism.default", "8", FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_IGNORE);
    ck_assert_int_eq(conf_diff("state.backend.type", "rocksdb", FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_UPGRADE);
}
END_TEST

START_TEST(parallelism_overrides_scale_in_native_mode_only)
{
    const char *key = "pipeline.jobvertex-parallelism-overrides";
    ck_assert_int_eq(conf_diff(key, "a:2", FO_FLINK_MODE_NATIVE).type, FO_DIFF_SCALE);
    ck_assert_int_eq(conf_diff(key, "a:2", FO_FLINK_MODE_STANDALONE).type, FO_DIFF_UPGRADE);
}
END_TEST

START_TEST(parallelism_and_replicas_scale_in_standalone_mode_only)
{
    ck_assert_int_eq(diff_with("job.parallelism", json_integer(4), FO_FLINK_MODE_STANDALONE).type,
                     FO_DIFF_SCALE);
    ck_assert_int_eq(diff_with("job.parallelism", json_integer(4), FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_UPGRADE);
    ck_assert_int_eq(
        diff_with("taskManager.replicas", json_integer(3), FO_FLINK_MODE_STANDALONE).type,
        FO_DIFF_SCALE);
    ck_assert_int_eq(diff_with("taskManager.replicas", json_integer(3), FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_UPGRADE);
}
END_TEST

START_TEST(new_redeploy_nonce_asks_for_a_savepoint_redeploy)
{
    ck_assert_int_eq(
        diff_with("job.savepointRedeployNonce", json_integer(1), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_SAVEPOINT_REDEPLOY);
    /* Together with an UPGRADE change the larger class wins. */
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    fo_json_set_path(b, "image", json_string("flink:2.0"));
    fo_json_set_path(b, "job.savepointRedeployNonce", json_integer(2));
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_int_eq(d.type, FO_DIFF_SAVEPOINT_REDEPLOY);
    ck_assert_uint_eq(d.changes, 2);
    /* Removing the nonce asks for nothing. */
    ck_assert_int_eq(fo_spec_diff_compute(b, a, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_int_eq(d.type, FO_DIFF_UPGRADE); /* the image still changed back */
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(restart_nonce_set_upgrades_and_removed_is_ignored)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "restartNonce", json_integer(7));
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_int_eq(d.type, FO_DIFF_UPGRADE);
    ck_assert_int_eq(fo_spec_diff_compute(b, a, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_int_eq(d.type, FO_DIFF_IGNORE);
    ck_assert_uint_eq(d.changes, 1);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(ingress_changes_are_applied_in_place)
{
    fo_spec_diff d = diff_with("ingress", json_pack("{s:s}", "template", "{{name}}.example.com"),
                               FO_FLINK_MODE_NATIVE);
    ck_assert_int_eq(d.type, FO_DIFF_IGNORE);
    ck_assert_uint_eq(d.changes, 1);
}
END_TEST

START_TEST(everything_else_is_an_upgrade)
{
    ck_assert_int_eq(diff_with("image", json_string("flink:2.0"), FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_UPGRADE);
    ck_assert_int_eq(diff_with("job.state", json_string("suspended"), FO_FLINK_MODE_NATIVE).type,
                     FO_DIFF_UPGRADE);
    ck_assert_int_eq(
        diff_with("jobManager.resource.memory", json_string("4g"), FO_FLINK_MODE_NATIVE).type,
        FO_DIFF_UPGRADE);
    ck_assert_int_eq(diff_with("podTemplate",
                               json_pack("{s:{s:{s:s}}}", "metadata", "labels", "a", "b"),
                               FO_FLINK_MODE_NATIVE)
                         .type,
                     FO_DIFF_UPGRADE);
}
END_TEST

START_TEST(summary_names_each_change_like_apache)
{
    fo_spec_diff d = diff_with("job.parallelism", json_integer(4), FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[job.parallelism : 2 -> 4]");
    d = diff_with("image", json_string("flink:2.0"), FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[image : flink:1.20 -> flink:2.0]");
    d = conf_diff("a.b", "c", FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[flinkConfiguration.a.b : null -> c]");
}
END_TEST

/* Apache's ReflectiveDiffBuilder descends into JobManagerSpec, TaskManagerSpec and Resource, so
 * an Event says which memory changed instead of two cut-off copies of the whole role object. */
START_TEST(summary_names_the_changed_field_inside_jobmanager_and_taskmanager)
{
    fo_spec_diff d = diff_with("jobManager.resource.memory", json_string("4g"), FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[jobManager.resource.memory : 2048m -> 4g]");
    ck_assert_int_eq(d.type, FO_DIFF_UPGRADE);
    d = diff_with("taskManager.resource.cpu", json_integer(2), FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[taskManager.resource.cpu : 1 -> 2]");
    d = diff_with("jobManager.replicas", json_integer(2), FO_FLINK_MODE_NATIVE);
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[jobManager.replicas : 1 -> 2]");
    ck_assert_int_eq(d.type, FO_DIFF_UPGRADE);
}
END_TEST

/* Two specs whose taskManager.podTemplate differ as `before` and `after` (YAML flow). */
static fo_spec_diff template_diff(const char *before, const char *after)
{
    json_t *a = base_spec(), *b = json_deep_copy(a);
    fo_err err;
    json_t *ta = fo_yaml_parse(before, strlen(before), 0, &err);
    json_t *tb = fo_yaml_parse(after, strlen(after), 0, &err);
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    ck_assert_int_eq(fo_json_set_path(a, "taskManager.podTemplate", ta), FO_OK);
    ck_assert_int_eq(fo_json_set_path(b, "taskManager.podTemplate", tb), FO_OK);
    fo_spec_diff d;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    json_decref(a);
    json_decref(b);
    return d;
}

START_TEST(summary_names_the_changed_field_inside_a_pod_template)
{
    const char *before = "{spec: {containers: [{name: flink-main-container, env: [{name: A, "
                         "value: '1'}, {name: LOG_LEVEL, value: INFO}]}, {name: sidecar, "
                         "image: 'busybox:1'}]}}";
    /* one env value */
    fo_spec_diff d = template_diff(before, "{spec: {containers: [{name: flink-main-container, "
                                           "env: [{name: A, value: '1'}, {name: LOG_LEVEL, "
                                           "value: DEBUG}]}, {name: sidecar, image: "
                                           "'busybox:1'}]}}");
    ck_assert_str_eq(d.summary, "FlinkDeploymentSpec[taskManager.podTemplate.spec.containers"
                                "[flink-main-container].env[LOG_LEVEL].value : INFO -> DEBUG]");
    ck_assert_int_eq(d.type, FO_DIFF_UPGRADE);
    ck_assert_int_eq(d.changes, 1);
    /* a container removed, a label added */
    d = template_diff(before, "{metadata: {labels: {team: a}}, spec: {containers: [{name: "
                              "flink-main-container, env: [{name: A, value: '1'}, {name: "
                              "LOG_LEVEL, value: INFO}]}]}}");
    ck_assert_str_eq(d.summary,
                     "FlinkDeploymentSpec[taskManager.podTemplate.spec.containers[sidecar] : "
                     "{\"name\":\"sidecar\",\"image\":\"busybox:1\"} -> null, "
                     "taskManager.podTemplate.metadata : null -> {\"labels\":{\"team\":\"a\"}}]");
    ck_assert_int_eq(d.changes, 2);
    /* the same containers in another order: the list's order changed */
    d = template_diff(before, "{spec: {containers: [{name: sidecar, image: 'busybox:1'}, {name: "
                              "flink-main-container, env: [{name: A, value: '1'}, {name: "
                              "LOG_LEVEL, value: INFO}]}]}}");
    ck_assert_int_eq(d.changes, 1);
    ck_assert_ptr_nonnull(strstr(d.summary, "taskManager.podTemplate.spec.containers : "));
    /* equal templates: nothing */
    d = template_diff(before, before);
    ck_assert_int_eq(d.changes, 0);
}
END_TEST

START_TEST(cut_values_and_event_messages_never_split_a_character)
{
    /* "x" then 25 two-byte characters: the 40-byte cut falls inside one. The summary goes
     * into an Event; half a character would make it unencodable, and the Event lost. */
    char value[64] = "x";
    for (int i = 0; i < 25; i++)
        strcat(value, "\xc3\xa9");
    fo_spec_diff d = diff_with("image", json_string(value), FO_FLINK_MODE_NATIVE);
    json_t *as_json = json_string(d.summary);
    ck_assert_msg(as_json != NULL, "summary is not valid UTF-8: %s", d.summary);
    json_decref(as_json);
    ck_assert_ptr_nonnull(strstr(d.summary, "x\xc3\xa9"));
    ck_assert_ptr_nonnull(strstr(d.summary, "...]"));
    /* the controller's event buffer cuts at a character too */
    fo_ctl_evbuf ev = {0};
    char msg[FO_EVENT_MAX_MESSAGE + 8];
    memset(msg, 'a', FO_EVENT_MAX_MESSAGE - 2);
    strcpy(msg + FO_EVENT_MAX_MESSAGE - 2, "\xc3\xa9\xc3\xa9"); /* straddles the end */
    fo_ctl_evbuf_add(&ev, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, "SpecChanged", "%s", msg);
    as_json = json_string(ev.ev[0].message);
    ck_assert_msg(as_json != NULL, "event message is not valid UTF-8");
    json_decref(as_json);
    ck_assert_uint_eq(strlen(ev.ev[0].message), FO_EVENT_MAX_MESSAGE - 2);
}
END_TEST

START_TEST(very_long_named_lists_are_compared_as_one_value)
{
    /* 300 env entries, one changed: one change for the whole list (item by item would walk
     * the list once per item on every pass). */
    json_t *a = base_spec(), *b;
    json_t *env = json_array();
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        json_array_append_new(env, json_pack("{s:s,s:s}", "name", name, "value", "1"));
    }
    json_t *pt = json_pack("{s:{s:[{s:s,s:o}]}}", "spec", "containers", "name",
                           "flink-main-container", "env", env);
    ck_assert_int_eq(fo_json_set_path(a, "taskManager.podTemplate", pt), FO_OK);
    b = json_deep_copy(a);
    json_t *env_b = fo_json_get(json_array_get(fo_json_get(b, "taskManager.podTemplate.spec.containers"), 0), "env");
    json_object_set_new(json_array_get(env_b, 150), "value", json_string("2"));
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_int_eq(d.changes, 1);
    ck_assert_ptr_nonnull(
        strstr(d.summary, "taskManager.podTemplate.spec.containers[flink-main-container].env : "));
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(long_summaries_are_cut_but_every_change_counts)
{
    json_t *a = base_spec();
    json_t *b = json_deep_copy(a);
    json_t *conf = json_object_get(b, "flinkConfiguration");
    for (int i = 0; i < 200; i++) {
        char key[64];
        snprintf(key, sizeof key, "custom.key.number.%03d", i);
        json_object_set_new(conf, key, json_string("a-fairly-long-value-for-the-summary"));
    }
    fo_spec_diff d;
    fo_err err;
    ck_assert_int_eq(fo_spec_diff_compute(a, b, FO_FLINK_MODE_NATIVE, &d, &err), FO_OK);
    ck_assert_uint_eq(d.changes, 200);
    ck_assert_uint_lt(strlen(d.summary), FO_SPEC_DIFF_SUMMARY_MAX);
    ck_assert_ptr_nonnull(strstr(d.summary, ", ...]"));
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(spec_that_is_not_an_object_is_an_error)
{
    json_t *a = base_spec();
    json_t *s = json_string("x");
    fo_spec_diff d;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_spec_diff_compute(a, s, FO_FLINK_MODE_NATIVE, &d, &err), FO_EINVAL);
    ck_assert_str_ne(err.message, "");
    json_decref(a);
    json_decref(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("spec_diff");
    TCase *tc = tcase_create("classes");
    tcase_add_test(tc, equal_specs_have_no_changes);
    tcase_add_test(tc, written_defaults_and_nulls_are_not_changes);
    tcase_add_test(tc, nested_and_flat_configuration_are_equal);
    tcase_add_test(tc, job_settings_that_restore_nothing_are_ignored);
    tcase_add_test(tc, operator_configuration_keys_are_ignored);
    tcase_add_test(tc, parallelism_overrides_scale_in_native_mode_only);
    tcase_add_test(tc, parallelism_and_replicas_scale_in_standalone_mode_only);
    tcase_add_test(tc, new_redeploy_nonce_asks_for_a_savepoint_redeploy);
    tcase_add_test(tc, restart_nonce_set_upgrades_and_removed_is_ignored);
    tcase_add_test(tc, ingress_changes_are_applied_in_place);
    tcase_add_test(tc, everything_else_is_an_upgrade);
    tcase_add_test(tc, summary_names_each_change_like_apache);
    tcase_add_test(tc, summary_names_the_changed_field_inside_jobmanager_and_taskmanager);
    tcase_add_test(tc, summary_names_the_changed_field_inside_a_pod_template);
    tcase_add_test(tc, cut_values_and_event_messages_never_split_a_character);
    tcase_add_test(tc, very_long_named_lists_are_compared_as_one_value);
    tcase_add_test(tc, long_summaries_are_cut_but_every_change_counts);
    tcase_add_test(tc, spec_that_is_not_an_object_is_an_error);
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
