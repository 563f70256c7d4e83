/* controller/reconcile_*: an idle pass writes nothing (DESIGN.md "Record", STYLE.md "An idle
 * pass writes nothing"). For each kind of resource the fixtures describe, once it is settled,
 * passes spread over several observe intervals make no API write, send no Event and ask Flink
 * nothing but GETs, however much time passes between them. */
#include <check.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/support/testutil.h"
#include "tests/unit/ctl_scenario.h"

#define IDLE_PASSES 4

/* Settle name (stable, or suspended when the spec says so), then pass IDLE_PASSES times, one
 * observe interval (and then some) apart. */
static void check_idle(fake_world *w, const char *name, const char *settled_state)
{
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
        if (owned(w, FO_CTL_DEPLOYMENT, name))
            jm_available(w, name);
        flink_job(w, name, "RUNNING");
        fo_clock_fake_advance(w->clock, 1000);
    }
    ck_assert_str_eq(st_str(w, name, "lifecycleState"), settled_state);
    size_t writes = w->kube.nlog, events = w->events.n, calls = w->flink.ncalls;
    for (int i = 0; i < IDLE_PASSES; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms + 7000);
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, name, &res), FO_OK);
        ck_assert_int_eq(res.writes, 0);
        ck_assert_int_gt(res.requeue_after_ms, 0);
    }
    for (size_t i = writes; i < w->kube.nlog; i++)
        ck_assert_msg(0, "%s: idle pass wrote: %s %s %s", name, w->kube.log[i].verb,
                      fo_ctl_kind_get(w->kube.log[i].kind)->kind, w->kube.log[i].name);
    ck_assert_uint_eq(w->events.n, events);
    for (size_t i = calls; i < w->flink.ncalls; i++)
        ck_assert_msg(strncmp(w->flink.calls[i], "GET ", 4) == 0, "%s: idle pass called %s", name,
                      w->flink.calls[i]);
}

START_TEST(a_stable_application_is_left_alone)
{
    fake_world *w = world_with("controller-application.yaml");
    check_idle(w, "basic-example", "STABLE");
    fake_world_free(w);
}
END_TEST

START_TEST(a_stable_session_cluster_is_left_alone)
{
    fake_world *w = world_with("controller-session.yaml");
    check_idle(w, "session-example", "STABLE");
    fake_world_free(w);
}
END_TEST

START_TEST(a_stable_standalone_application_is_left_alone)
{
    fake_world *w = world_with("controller-application-standalone.yaml");
    json_t *obj = fd(w, "standalone-example");
    ck_assert_ptr_nonnull(obj);
    for (int i = 0; i < 8; i++) { /* its TaskManager Deployment is there too */
        char tm[300];
        snprintf(tm, sizeof tm, "%s-taskmanager", "standalone-example");
        ck_assert_int_eq(pass(w, "standalone-example", NULL), FO_OK);
        if (owned(w, FO_CTL_DEPLOYMENT, tm))
            jm_available(w, tm);
    }
    check_idle(w, "standalone-example", "STABLE");
    fake_world_free(w);
}
END_TEST

START_TEST(a_stable_last_state_application_with_ha_data_is_left_alone)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    put_ha_configmaps(w);
    check_idle(w, "last-state-example", "STABLE");
    fake_world_free(w);
}
END_TEST

START_TEST(a_suspended_application_is_left_alone)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    until_stable(w, "savepoint-example");
    edit_spec(w, "savepoint-example", "job.upgradeMode", json_string("stateless"));
    edit_spec(w, "savepoint-example", "job.state", json_string("suspended"));
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, "savepoint-example", NULL), FO_OK);
    w->flink.unreachable = true; /* no cluster any more */
    check_idle(w, "savepoint-example", "SUSPENDED");
    fake_world_free(w);
}
END_TEST

/* A job that FAILED, its restore source (upgradeSavepointPath) recorded, whether by the pass that
 * saw it fail or, that read lost, by a later one: its passes ask Flink nothing more than an
 * observation (the checkpoint statistics are not read again) and write nothing. */
START_TEST(a_failed_application_with_its_restore_source_known_is_left_alone)
{
    for (int lost = 0; lost < 2; lost++) {
        fake_world *w = world_with("controller-application-savepoint.yaml");
        const char *n = "savepoint-example";
        until_stable(w, n);
        char key[128];
        snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
        size_t len = 0;
        char *text = fo_test_read_data("flink-checkpoints.json", &len);
        fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
        free(text);
        snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
        w->flink.lose_times = lost;
        flink_job(w, n, "FAILED");
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
            fo_clock_fake_advance(w->clock, 1000);
        }
        ck_assert_msg(st_str(w, n, "jobStatus.upgradeSavepointPath") != NULL,
                      "no restore source recorded (answer lost: %d)", lost);
        ck_assert_str_eq(st_str(w, n, "lifecycleState"), "FAILED");
        size_t writes = w->kube.nlog, events = w->events.n, calls = w->flink.ncalls;
        for (int i = 0; i < IDLE_PASSES; i++) {
            fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms + 7000);
            fo_reconcile_result res;
            ck_assert_int_eq(pass(w, n, &res), FO_OK);
            ck_assert_int_eq(res.writes, 0);
        }
        ck_assert_uint_eq(w->kube.nlog, writes);
        ck_assert_uint_eq(w->events.n, events);
        for (size_t i = calls; i < w->flink.ncalls; i++)
            ck_assert_msg(strstr(w->flink.calls[i], "/checkpoints") == NULL &&
                              strncmp(w->flink.calls[i], "GET ", 4) == 0,
                          "idle pass of a failed job called %s", w->flink.calls[i]);
        fake_world_free(w);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_idle");
    TCase *tc = tcase_create("idle");
    tcase_add_test(tc, a_stable_application_is_left_alone);
    tcase_add_test(tc, a_stable_session_cluster_is_left_alone);
    tcase_add_test(tc, a_stable_standalone_application_is_left_alone);
    tcase_add_test(tc, a_stable_last_state_application_with_ha_data_is_left_alone);
    tcase_add_test(tc, a_suspended_application_is_left_alone);
    tcase_add_test(tc, a_failed_application_with_its_restore_source_known_is_left_alone);
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
