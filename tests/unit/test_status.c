/* controller/status: status.error in the Apache shape, stable marking and lifecycle (reference
 * a.7 rules), the Running condition (c.20), kstatus Ready/Reconciling/Stalled, and the "write
 * only what changed" patch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/status.h"

#define T0 1776676500000LL /* 2026-04-20T09:15:00Z */
#define SPEC_A "{\"spec\":{\"job\":{\"state\":\"running\"}},\"resource_metadata\":{}}"
#define SPEC_SUSPENDED "{\"spec\":{\"job\":{\"state\":\"suspended\"}},\"resource_metadata\":{}}"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    ck_assert_msg(v != NULL, "%s: %s", text, e.text);
    return v;
}

static fo_status_facts app_facts(void)
{
    fo_status_facts f = {
        .name = "basic-example", .generation = 3, .application = true, .tm_replicas = 1};
    return f;
}

static const json_t *cond(const json_t *st, const char *type)
{
    const json_t *c = fo_status_condition(st, type);
    ck_assert_msg(c != NULL, "no %s condition", type);
    return c;
}

static void assert_cond(const json_t *st, const char *type, const char *status, const char *reason)
{
    const json_t *c = cond(st, type);
    ck_assert_str_eq(fo_json_str(c, "status"), status);
    ck_assert_str_eq(fo_json_str(c, "reason"), reason);
}

/* ---- status.error ---------------------------------------------------------------------------- */

START_TEST(error_text_has_the_apache_shape)
{
    char *text = fo_status_error_text(FO_ERROR_VALIDATION, "spec.job.jarURI: Required value");
    /* FlinkResourceException as Apache serialises it (reference a.7): type, message,
     * additionalMetadata, throwableList, in that order. */
    ck_assert_str_eq(text, "{\"type\":\"org.apache.flink.kubernetes.operator.exception."
                           "ValidationException\",\"message\":\"spec.job.jarURI: Required "
                           "value\",\"additionalMetadata\":{},\"throwableList\":[]}");
    char buf[256];
    ck_assert_str_eq(fo_status_error_message(text, buf, sizeof buf),
                     "spec.job.jarURI: Required value");
    ck_assert(fo_status_error_is(text, FO_ERROR_VALIDATION));
    ck_assert(!fo_status_error_is(text, FO_ERROR_UPGRADE_FAILURE));
    free(text);
    /* A plain-text error (written by hand or by an older operator) reads as itself. */
    ck_assert_str_eq(fo_status_error_message("boom", buf, sizeof buf), "boom");
    ck_assert(!fo_status_error_is("boom", FO_ERROR_VALIDATION));
}
END_TEST

/* A SerializedThrowable with three causes, the first without a message, as
 * FlinkResourceExceptionUtils writes it: no "message" member for a null message
 * (@JsonInclude NON_NULL), the causes with no throwableList of their own, and only the first
 * two of them (kubernetes.operator.exception.throwable.list.max.count = 2). */
START_TEST(a_throwable_and_its_causes_have_the_apache_shape)
{
    const char *messages[] = {"top", NULL, "second", "third"};
    char *text = fo_status_error_throwables(FO_ERROR_JOB_FAILED, messages, 4);
    ck_assert_str_eq(text, "{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                           "\"message\":\"top\",\"additionalMetadata\":{},\"throwableList\":["
                           "{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                           "\"additionalMetadata\":{}},"
                           "{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                           "\"message\":\"second\",\"additionalMetadata\":{}}]}");
    ck_assert(fo_status_error_is(text, FO_ERROR_JOB_FAILED));
    free(text);
    /* no cause: an empty list */
    text = fo_status_error_throwables(FO_ERROR_JOB_FAILED, messages, 1);
    ck_assert_str_eq(text, "{\"type\":\"org.apache.flink.util.SerializedThrowable\","
                           "\"message\":\"top\",\"additionalMetadata\":{},"
                           "\"throwableList\":[]}");
    free(text);
    ck_assert_ptr_null(fo_status_error_throwables(FO_ERROR_JOB_FAILED, messages, 0));
}
END_TEST

START_TEST(long_error_message_is_cut_on_a_character_boundary)
{
    size_t n = FO_STATUS_MESSAGE_MAX + 100;
    char *msg = malloc(n + 1);
    /* "é" is two bytes: an odd cut would split one. */
    for (size_t i = 0; i + 1 < n; i += 2) {
        msg[i] = (char)0xC3;
        msg[i + 1] = (char)0xA9;
    }
    msg[n - 1] = 'x';
    msg[n] = '\0';
    char *text = fo_status_error_text(FO_ERROR_RECONCILIATION, msg + 1); /* starts mid-char */
    ck_assert_ptr_nonnull(text);
    json_t *e = parse(text);
    /* msg + 1 is not valid UTF-8, so the message is replaced, never passed on broken */
    ck_assert_ptr_nonnull(fo_json_str(e, "message"));
    json_decref(e);
    free(text);
    text = fo_status_error_text(FO_ERROR_RECONCILIATION, msg);
    e = parse(text);
    ck_assert_uint_le(strlen(fo_json_str(e, "message")), FO_STATUS_MESSAGE_MAX);
    ck_assert_uint_ge(strlen(fo_json_str(e, "message")), FO_STATUS_MESSAGE_MAX - 1);
    json_decref(e);
    free(text);
    free(msg);
}
END_TEST

/* ---- lifecycle --------------------------------------------------------------------------------
 */

static const char *finish_lifecycle(const char *status_text, fo_status_facts f, json_t **out)
{
    json_t *st = parse(status_text);
    fo_status_finish(st, &f, T0);
    *out = st;
    return fo_json_str(st, "lifecycleState");
}

START_TEST(lifecycle_follows_the_reference_rules)
{
    json_t *st;
    fo_status_facts f = app_facts();
    ck_assert_str_eq(finish_lifecycle("{}", f, &st), "CREATED");
    json_decref(st);
    ck_assert_str_eq(finish_lifecycle("{\"error\":\"bad\"}", f, &st), "FAILED");
    json_decref(st);
    ck_assert_str_eq(finish_lifecycle("{\"reconciliationStatus\":{\"state\":\"UPGRADING\","
                                      "\"lastReconciledSpec\":"
                                      "\"x\"}}",
                                      f, &st),
                     "UPGRADING");
    json_decref(st);
    ck_assert_str_eq(finish_lifecycle("{\"lifecycleState\":\"DELETING\"}", f, &st), "DELETING");
    json_decref(st);
}
END_TEST

/* Before the first deployment, Apache's status carries its classes' defaults
 * (FlinkDeploymentStatus.jobManagerDeploymentStatus = MISSING, ReconciliationStatus.state =
 * UPGRADING, reconciliationTimestamp 0); the lifecycle stays CREATED, or FAILED with an
 * error (CommonStatus.getLifecycleState checks isBeforeFirstDeployment first). A status with
 * a recorded spec is left as it is. */
START_TEST(a_status_before_the_first_deployment_has_apaches_defaults)
{
    json_t *st;
    fo_status_facts f = app_facts();
    ck_assert_str_eq(finish_lifecycle("{\"error\":\"bad\"}", f, &st), "FAILED");
    ck_assert_str_eq(fo_json_str(st, "jobManagerDeploymentStatus"), "MISSING");
    ck_assert_str_eq(fo_json_get_str(st, "reconciliationStatus.state"), "UPGRADING");
    const json_t *ts = fo_json_get(st, "reconciliationStatus.reconciliationTimestamp");
    ck_assert(json_is_integer(ts));
    ck_assert_int_eq(json_integer_value(ts), 0);
    ck_assert_ptr_null(fo_json_get(st, "taskManager"));
    json_decref(st);
    ck_assert_str_eq(finish_lifecycle("{\"jobManagerDeploymentStatus\":\"DEPLOYING\"}", f, &st),
                     "CREATED");
    ck_assert_str_eq(fo_json_str(st, "jobManagerDeploymentStatus"), "DEPLOYING");
    json_decref(st);
    ck_assert_str_eq(finish_lifecycle("{\"reconciliationStatus\":{\"state\":\"DEPLOYED\","
                                      "\"lastReconciledSpec\":\"x\"}}",
                                      f, &st),
                     "DEPLOYED");
    ck_assert_ptr_null(fo_json_get(st, "jobManagerDeploymentStatus"));
    ck_assert_ptr_null(fo_json_get(st, "reconciliationStatus.reconciliationTimestamp"));
    int64_t tms = -1;
    ck_assert(fo_json_get_int(st, "taskManager.replicas", &tms));
    ck_assert_int_eq(tms, f.tm_replicas);
    json_decref(st);
}
END_TEST

START_TEST(running_job_marks_the_spec_stable)
{
    json_t *st =
        json_pack("{s:{s:s}, s:{s:s, s:s}, s:s, s:I}", "jobStatus", "state", "RUNNING",
                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                  "jobManagerDeploymentStatus", "READY", "observedGeneration", (json_int_t)3);
    fo_status_facts f = app_facts();
    fo_status_finish(st, &f, T0);
    ck_assert_str_eq(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"), SPEC_A);
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "STABLE");
    assert_cond(st, "Running", "True", "Running");
    ck_assert_str_eq(fo_json_str(cond(st, "Running"), "message"), "Job status RUNNING");
    assert_cond(st, "Ready", "True", "Stable");
    assert_cond(st, "Reconciling", "False", "Reconciled");
    assert_cond(st, "Stalled", "False", "Reconciled");
    ck_assert_str_eq(fo_json_get_str(st, "taskManager.labelSelector"),
                     "component=taskmanager,app=basic-example");
    int64_t replicas = 0;
    ck_assert(fo_json_get_int(st, "taskManager.replicas", &replicas));
    ck_assert_int_eq(replicas, 1);
    json_decref(st);
}
END_TEST

START_TEST(job_finished_on_its_own_marks_the_spec_stable)
{
    /* Reference c.4 (ReconciliationUtils.checkAndUpdateStableSpec): a job observed FINISHED
     * while the recorded spec wants it running is stable, also when no pass saw it RUNNING (a
     * short batch job). */
    json_t *st =
        json_pack("{s:{s:s}, s:{s:s, s:s}, s:s, s:I}", "jobStatus", "state", "FINISHED",
                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                  "jobManagerDeploymentStatus", "READY", "observedGeneration", (json_int_t)3);
    fo_status_facts f = app_facts();
    fo_status_finish(st, &f, T0);
    ck_assert_str_eq(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"), SPEC_A);
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "STABLE");
    json_decref(st);
    /* Any other end (CANCELED, FAILED) is not. */
    st = json_pack("{s:{s:s}, s:{s:s, s:s}, s:s}", "jobStatus", "state", "CANCELED",
                   "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                   "jobManagerDeploymentStatus", "READY");
    fo_status_finish(st, &f, T0);
    ck_assert_ptr_null(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"));
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "DEPLOYED");
    json_decref(st);
}
END_TEST

START_TEST(job_not_running_yet_is_deployed_and_reconciling)
{
    json_t *st =
        json_pack("{s:{s:s}, s:{s:s, s:s}, s:s, s:I}", "jobStatus", "state", "RECONCILING",
                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                  "jobManagerDeploymentStatus", "DEPLOYING", "observedGeneration", (json_int_t)3);
    fo_status_facts f = app_facts();
    fo_status_finish(st, &f, T0);
    ck_assert_ptr_null(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"));
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "DEPLOYED");
    assert_cond(st, "Running", "False", "Reconciling");
    assert_cond(st, "Ready", "False", "Deployed");
    assert_cond(st, "Reconciling", "True", "Deployed");
    assert_cond(st, "Stalled", "False", "Progressing");
    json_decref(st);
}
END_TEST

START_TEST(suspended_spec_is_stable_and_ready)
{
    json_t *st =
        json_pack("{s:{s:s, s:s}, s:I}", "reconciliationStatus", "state", "DEPLOYED",
                  "lastReconciledSpec", SPEC_SUSPENDED, "observedGeneration", (json_int_t)3);
    fo_status_facts f = app_facts();
    f.last_suspended = true;
    fo_status_finish(st, &f, T0);
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "SUSPENDED");
    ck_assert_str_eq(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"), SPEC_SUSPENDED);
    assert_cond(st, "Ready", "True", "Suspended");
    /* No TaskManager runs: the scale subresource reads 0 replicas and no selector, as Apache
     * writes them (ReconciliationUtils.getTaskManagerInfo), so an HPA does not act on it. */
    ck_assert_str_eq(fo_json_get_str(st, "taskManager.labelSelector"), "");
    int64_t replicas = -1;
    ck_assert(fo_json_get_int(st, "taskManager.replicas", &replicas));
    ck_assert_int_eq(replicas, 0);
    json_decref(st);
}
END_TEST

START_TEST(failed_job_is_stalled)
{
    json_t *st = json_pack("{s:{s:s}, s:{s:s, s:s}, s:I, s:s}", "jobStatus", "state", "FAILED",
                           "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec",
                           SPEC_A, "observedGeneration", (json_int_t)3, "error",
                           "{\"type\":\"x\",\"message\":\"java.lang.RuntimeException: boom\"}");
    fo_status_facts f = app_facts();
    fo_status_finish(st, &f, T0);
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "FAILED");
    assert_cond(st, "Running", "False", "Failed");
    assert_cond(st, "Stalled", "True", "Failed");
    ck_assert_str_eq(fo_json_str(cond(st, "Stalled"), "message"),
                     "java.lang.RuntimeException: boom");
    assert_cond(st, "Reconciling", "False", "Stalled");
    json_decref(st);
}
END_TEST

START_TEST(stalled_pass_names_its_reason)
{
    json_t *st = json_pack("{s:{s:s}, s:{s:s, s:s}, s:I}", "jobStatus", "state", "RUNNING",
                           "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec",
                           SPEC_A, "observedGeneration", (json_int_t)2);
    fo_status_facts f = app_facts();
    f.stalled_reason = "InvalidSpec";
    f.stalled_message = "spec.jobManager.replicas: Invalid value: 0";
    fo_status_finish(st, &f, T0);
    assert_cond(st, "Stalled", "True", "InvalidSpec");
    ck_assert_str_eq(fo_json_str(cond(st, "Stalled"), "message"), f.stalled_message);
    /* Ready says the same, not "Lifecycle state is STABLE" (the old spec still runs) */
    assert_cond(st, "Ready", "False", "InvalidSpec");
    ck_assert_str_eq(fo_json_str(cond(st, "Ready"), "message"), f.stalled_message);
    int64_t og = 0;
    ck_assert(fo_json_get_int(cond(st, "Stalled"), "observedGeneration", &og));
    ck_assert_int_eq(og, 3);
    json_decref(st);
}
END_TEST

START_TEST(stale_observed_generation_is_not_ready)
{
    json_t *st =
        json_pack("{s:{s:s}, s:{s:s, s:s}, s:s, s:I}", "jobStatus", "state", "RUNNING",
                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                  "jobManagerDeploymentStatus", "READY", "observedGeneration", (json_int_t)2);
    fo_status_facts f = app_facts(); /* generation 3 */
    fo_status_finish(st, &f, T0);
    ck_assert_str_eq(fo_json_str(st, "lifecycleState"), "STABLE");
    assert_cond(st, "Ready", "False", "GenerationNotObserved");
    ck_assert_str_eq(fo_json_str(cond(st, "Ready"), "message"), "Generation 3 is being reconciled");
    assert_cond(st, "Reconciling", "True", "Stable");
    ck_assert_str_eq(fo_json_str(cond(st, "Reconciling"), "message"),
                     "Generation 3 is being reconciled");
    json_decref(st);
}
END_TEST

START_TEST(session_running_condition_follows_the_jobmanager)
{
    static const char *const jm[] = {"READY", "DEPLOYED_NOT_READY", "DEPLOYING", "MISSING",
                                     "ERROR"};
    static const char *const reasons[] = {"JobManagerReady", "DeployedNotReady",
                                          "JobManagerIsDeploying", "JobManagerDeploymentMissing",
                                          "Error"};
    /* The messages of Apache's JobManagerDeploymentStatus enum, which it writes as they are. */
    static const char *const messages[] = {
        "JobManager is running and ready to receive REST API calls",
        "JobManager is running but not yet ready to receive REST API calls",
        "JobManager process is starting up", "JobManager deployment not found",
        "JobManager deployment failed"};
    for (int i = 0; i < 5; i++) {
        json_t *st = json_pack("{s:s}", "jobManagerDeploymentStatus", jm[i]);
        fo_status_facts f = app_facts();
        f.application = false;
        fo_status_finish(st, &f, T0);
        assert_cond(st, "Running", i == 0 ? "True" : "False", reasons[i]);
        ck_assert_str_eq(fo_json_str(cond(st, "Running"), "message"), messages[i]);
        json_decref(st);
    }
}
END_TEST

/* ---- conditions over time ------------------------------------------------------------------- */

START_TEST(transition_time_moves_only_when_status_flips)
{
    json_t *st = json_object();
    fo_status_set_condition(st, "Running", "False", "Reconciling", "Job status RECONCILING", 1, T0);
    ck_assert_str_eq(fo_json_str(cond(st, "Running"), "lastTransitionTime"),
                     "2026-04-20T09:15:00Z");
    /* Same status, new reason: the time stays. */
    fo_status_set_condition(st, "Running", "False", "Created", "Job status CREATED", 1, T0 + 60000);
    ck_assert_str_eq(fo_json_str(cond(st, "Running"), "lastTransitionTime"),
                     "2026-04-20T09:15:00Z");
    ck_assert_str_eq(fo_json_str(cond(st, "Running"), "reason"), "Created");
    /* Flip: the time moves. */
    fo_status_set_condition(st, "Running", "True", "Running", "Job status RUNNING", 1, T0 + 120000);
    ck_assert_str_eq(fo_json_str(cond(st, "Running"), "lastTransitionTime"),
                     "2026-04-20T09:17:00Z");
    ck_assert_uint_eq(json_array_size(json_object_get(st, "conditions")), 1);
    json_decref(st);
}
END_TEST

START_TEST(finishing_an_unchanged_status_again_changes_nothing)
{
    json_t *st =
        json_pack("{s:{s:s}, s:{s:s, s:s}, s:s, s:I}", "jobStatus", "state", "RUNNING",
                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec", SPEC_A,
                  "jobManagerDeploymentStatus", "READY", "observedGeneration", (json_int_t)3);
    fo_status_facts f = app_facts();
    fo_status_finish(st, &f, T0);
    json_t *again = json_deep_copy(st);
    fo_status_finish(again, &f, T0 + 3600000);
    ck_assert(fo_json_equal(st, again));
    ck_assert_ptr_null(fo_status_patch(st, again, "42"));
    json_decref(st);
    json_decref(again);
}
END_TEST

START_TEST(patch_carries_only_changes_and_the_resource_version)
{
    json_t *old = parse("{\"error\":\"x\",\"jobStatus\":{\"state\":\"RUNNING\",\"jobId\":\"a\"},"
                        "\"conditions\":[{\"type\":\"A\"},{\"type\":\"B\"}]}");
    json_t *new = parse("{\"jobStatus\":{\"state\":\"FAILED\",\"jobId\":\"a\"},"
                        "\"conditions\":[{\"type\":\"A\"},{\"type\":\"C\"}]}");
    json_t *patch = fo_status_patch(old, new, "42");
    ck_assert_ptr_nonnull(patch);
    json_t *want = parse("{\"metadata\":{\"resourceVersion\":\"42\"},\"status\":{\"error\":null,"
                         "\"jobStatus\":{\"state\":\"FAILED\"},"
                         "\"conditions\":[{\"type\":\"A\"},{\"type\":\"C\"}]}}");
    ck_assert_msg(fo_json_equal(patch, want), "%s", json_dumps(patch, JSON_SORT_KEYS));
    json_decref(patch);
    patch = fo_status_patch(NULL, new, NULL);
    ck_assert_ptr_null(fo_json_get(patch, "metadata"));
    ck_assert_ptr_nonnull(fo_json_get(patch, "status.jobStatus"));
    json_decref(patch);
    json_decref(want);
    json_decref(old);
    json_decref(new);
}
END_TEST

START_TEST(camel_case_of_enum_names)
{
    char buf[64];
    ck_assert_str_eq(fo_status_camel("RUNNING", buf, sizeof buf), "Running");
    ck_assert_str_eq(fo_status_camel("ROLLING_BACK", buf, sizeof buf), "RollingBack");
    ck_assert_str_eq(fo_status_camel("DEPLOYED_NOT_READY", buf, sizeof buf), "DeployedNotReady");
    ck_assert_str_eq(fo_status_camel("", buf, sizeof buf), "");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, error_text_has_the_apache_shape);
    tcase_add_test(tc, a_throwable_and_its_causes_have_the_apache_shape);
    tcase_add_test(tc, long_error_message_is_cut_on_a_character_boundary);
    tcase_add_test(tc, lifecycle_follows_the_reference_rules);
    tcase_add_test(tc, a_status_before_the_first_deployment_has_apaches_defaults);
    tcase_add_test(tc, running_job_marks_the_spec_stable);
    tcase_add_test(tc, job_finished_on_its_own_marks_the_spec_stable);
    tcase_add_test(tc, job_not_running_yet_is_deployed_and_reconciling);
    tcase_add_test(tc, suspended_spec_is_stable_and_ready);
    tcase_add_test(tc, failed_job_is_stalled);
    tcase_add_test(tc, stalled_pass_names_its_reason);
    tcase_add_test(tc, stale_observed_generation_is_not_ready);
    tcase_add_test(tc, session_running_condition_follows_the_jobmanager);
    tcase_add_test(tc, transition_time_moves_only_when_status_flips);
    tcase_add_test(tc, finishing_an_unchanged_status_again_changes_nothing);
    tcase_add_test(tc, patch_carries_only_changes_and_the_resource_version);
    tcase_add_test(tc, camel_case_of_enum_names);
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
