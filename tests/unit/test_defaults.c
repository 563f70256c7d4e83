/* Model defaults (common/defaults): what is filled, what is never touched, idempotence.
 * Expected values come from reference a.3/a.4 (JobSpec.state running, upgradeMode stateless,
 * JobManagerSpec.replicas 1). */
#include <check.h>
#include <stdlib.h>

#include "common/defaults.h"
#include "common/jsonutil.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    ck_assert_msg(v != NULL, "bad test JSON: %s", jerr.text);
    return v;
}

static void assert_json_eq(const json_t *got, const char *want_text)
{
    json_t *want = parse(want_text);
    char *g = fo_json_dumps_canonical(got);
    char *w = fo_json_dumps_canonical(want);
    ck_assert_str_eq(g, w);
    free(g);
    free(w);
    json_decref(want);
}

START_TEST(application_gets_job_state_and_upgrade_mode)
{
    json_t *obj =
        parse("{\"kind\":\"FlinkDeployment\",\"spec\":{\"job\":{\"jarURI\":\"local:///a.jar\"},"
              "\"jobManager\":{\"resource\":{\"memory\":\"1g\"}}}}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    assert_json_eq(obj,
                   "{\"kind\":\"FlinkDeployment\",\"spec\":{\"job\":{\"jarURI\":\"local:///a.jar\","
                   "\"state\":\"running\",\"upgradeMode\":\"stateless\"},"
                   "\"jobManager\":{\"resource\":{\"memory\":\"1g\"},\"replicas\":1}}}");
    json_decref(obj);
}
END_TEST

START_TEST(user_values_are_never_changed)
{
    const char *text = "{\"spec\":{\"job\":{\"state\":\"suspended\",\"upgradeMode\":\"last-state\","
                       "\"parallelism\":4},\"jobManager\":{\"replicas\":2}}}";
    json_t *obj = parse(text);
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    assert_json_eq(obj, text);
    json_decref(obj);
}
END_TEST

START_TEST(wrong_types_are_left_for_the_validator)
{
    /* A wrong type is a user's value: defaults must not paper over it. */
    const char *text = "{\"spec\":{\"job\":{\"state\":7,\"upgradeMode\":\"fast\"},"
                       "\"jobManager\":{\"replicas\":\"two\"},\"taskManager\":\"x\"}}";
    json_t *obj = parse(text);
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    assert_json_eq(obj, text);
    json_decref(obj);
}
END_TEST

START_TEST(null_counts_as_absent)
{
    json_t *obj = parse("{\"spec\":{\"job\":{\"state\":null,\"upgradeMode\":null},"
                        "\"jobManager\":{\"replicas\":null}}}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    assert_json_eq(obj, "{\"spec\":{\"job\":{\"state\":\"running\",\"upgradeMode\":\"stateless\"},"
                        "\"jobManager\":{\"replicas\":1}}}");
    json_decref(obj);
}
END_TEST

START_TEST(session_cluster_and_missing_blocks_get_nothing_invented)
{
    /* No job (session cluster), no jobManager block: nothing to fill, nothing created. */
    const char *text = "{\"spec\":{\"flinkVersion\":\"v1_20\",\"taskManager\":{}}}";
    json_t *obj = parse(text);
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    assert_json_eq(obj, text);
    json_decref(obj);
}
END_TEST

START_TEST(parallelism_args_and_mode_are_not_materialised)
{
    json_t *obj = parse("{\"spec\":{\"job\":{}}}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    ck_assert_ptr_null(fo_json_get(obj, "spec.job.parallelism"));
    ck_assert_ptr_null(fo_json_get(obj, "spec.job.args"));
    ck_assert_ptr_null(fo_json_get(obj, "spec.mode"));
    ck_assert_ptr_null(fo_json_get(obj, "spec.flinkConfiguration"));
    json_decref(obj);
}
END_TEST

START_TEST(applying_twice_changes_nothing)
{
    json_t *obj = parse("{\"spec\":{\"job\":{\"jarURI\":\"x\"},\"jobManager\":{}}}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    json_t *once = json_deep_copy(obj);
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_OK);
    ck_assert(fo_json_equal(once, obj));
    json_decref(once);
    json_decref(obj);
}
END_TEST

START_TEST(session_job_gets_job_defaults_only)
{
    json_t *obj = parse("{\"kind\":\"FlinkSessionJob\",\"spec\":{\"deploymentName\":\"s\","
                        "\"job\":{\"jarURI\":\"https://x/a.jar\",\"parallelism\":2}}}");
    ck_assert_int_eq(fo_defaults_apply_session_job(obj), FO_OK);
    assert_json_eq(obj, "{\"kind\":\"FlinkSessionJob\",\"spec\":{\"deploymentName\":\"s\","
                        "\"job\":{\"jarURI\":\"https://x/a.jar\",\"parallelism\":2,"
                        "\"state\":\"running\",\"upgradeMode\":\"stateless\"}}}");
    json_decref(obj);
}
END_TEST

START_TEST(objects_without_spec_are_refused)
{
    json_t *obj = parse("{\"kind\":\"FlinkDeployment\"}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_EINVAL);
    ck_assert_int_eq(fo_defaults_apply_session_job(obj), FO_EINVAL);
    json_decref(obj);
    obj = parse("{\"spec\":[1]}");
    ck_assert_int_eq(fo_defaults_apply_deployment(obj), FO_EINVAL);
    json_decref(obj);
    ck_assert_int_eq(fo_defaults_apply_deployment(NULL), FO_EINVAL);
    json_t *arr = json_array();
    ck_assert_int_eq(fo_defaults_apply_session_job(arr), FO_EINVAL);
    json_decref(arr);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("defaults");
    TCase *tc = tcase_create("defaults");
    tcase_add_test(tc, application_gets_job_state_and_upgrade_mode);
    tcase_add_test(tc, user_values_are_never_changed);
    tcase_add_test(tc, wrong_types_are_left_for_the_validator);
    tcase_add_test(tc, null_counts_as_absent);
    tcase_add_test(tc, session_cluster_and_missing_blocks_get_nothing_invented);
    tcase_add_test(tc, parallelism_args_and_mode_are_not_materialised);
    tcase_add_test(tc, applying_twice_changes_nothing);
    tcase_add_test(tc, session_job_gets_job_defaults_only);
    tcase_add_test(tc, objects_without_spec_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
