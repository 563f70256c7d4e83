/* controller/restart_backoff: when kubernetes.operator.job.restart.failed may restart a job
 * that keeps failing. Expected values come from the documented rule (docs/controller.md
 * "Restarts of a job that keeps failing"): at once without a streak; else after as long as the
 * streak had lasted, at least 10 s and at most 5 min; a streak ends after 10 min of a healthy
 * run since it began, or with another generation. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/restart_backoff.h"
#include "controller/status.h"

#define T0 1776676500000LL /* 2026-04-20T09:15:00Z */
#define MIN (60 * 1000LL)

START_TEST(the_first_restart_is_at_once_and_later_ones_wait_as_long_as_the_streak)
{
    ck_assert_int_eq(fo_restart_due_ms(NULL, T0), T0);
    fo_restart_streak s = {.since_ms = T0, .generation = 3};
    ck_assert_int_eq(fo_restart_due_ms(&s, T0 + 3000), T0 + 3000 + 10000);
    ck_assert_int_eq(fo_restart_due_ms(&s, T0 + 100000), T0 + 200000);
    ck_assert_int_eq(fo_restart_due_ms(&s, T0 + 60 * MIN), T0 + 60 * MIN + 5 * MIN);
}
END_TEST

static json_t *status_of(const char *state, int64_t start_ms, int64_t update_ms)
{
    char start[32], update[32];
    snprintf(start, sizeof start, "%lld", (long long)start_ms);
    snprintf(update, sizeof update, "%lld", (long long)update_ms);
    return json_pack("{s:{s:s, s:s, s:s}}", "jobStatus", "state", state, "startTime", start,
                     "updateTime", update);
}

static bool counts(const char *state, int64_t start_ms, int64_t update_ms, int64_t generation,
                   int64_t now_ms)
{
    fo_restart_streak s = {.since_ms = T0, .generation = 3};
    json_t *st = status_of(state, start_ms, update_ms);
    bool c = fo_restart_streak_counts(st, &s, generation, now_ms);
    json_decref(st);
    return c;
}

START_TEST(a_streak_ends_with_a_healthy_run_an_end_or_another_generation)
{
    /* RUNNING since a restart of the streak: 9 minutes count, 10 do not. */
    ck_assert(counts("RUNNING", T0 + MIN, T0 + MIN, 3, T0 + 10 * MIN - 1));
    ck_assert(!counts("RUNNING", T0 + MIN, T0 + MIN, 3, T0 + 11 * MIN));
    /* RUNNING as seen before the streak began: not a run of it. */
    ck_assert(counts("RUNNING", T0 - 60 * MIN, T0 - 60 * MIN, 3, T0 + 11 * MIN));
    /* FAILED after a run of the streak: quick counts, 10 minutes end it. */
    ck_assert(counts("FAILED", T0 + MIN, T0 + 2 * MIN, 3, T0 + 2 * MIN));
    ck_assert(!counts("FAILED", T0 + MIN, T0 + 11 * MIN, 3, T0 + 11 * MIN));
    /* The job that opened the streak (started before it) does not end it. */
    ck_assert(counts("FAILED", T0 - 60 * MIN, T0, 3, T0));
    ck_assert(!counts("FINISHED", T0 + MIN, T0 + 2 * MIN, 3, T0 + 2 * MIN));
    ck_assert(!counts("FAILED", T0 + MIN, T0 + 2 * MIN, 4, T0 + 2 * MIN));
}
END_TEST

START_TEST(the_streak_is_a_condition_whose_start_stays_while_it_goes_on)
{
    json_t *st = json_object();
    fo_restart_streak s;
    ck_assert(!fo_restart_streak_read(st, &s));
    fo_restart_streak_mark(st, 3, "first", T0);
    ck_assert(fo_restart_streak_read(st, &s));
    ck_assert_int_eq(s.since_ms, T0);
    ck_assert_int_eq(s.generation, 3);
    fo_restart_streak_mark(st, 3, "second", T0 + 5 * MIN);
    ck_assert(fo_restart_streak_read(st, &s));
    ck_assert_int_eq(s.since_ms, T0);
    const json_t *c = fo_status_condition(st, FO_RESTART_CONDITION);
    ck_assert_str_eq(fo_json_str(c, "status"), "True");
    ck_assert_str_eq(fo_json_str(c, "message"), "second");
    ck_assert_str_eq(fo_json_str(c, "lastTransitionTime"), "2026-04-20T09:15:00Z");
    fo_restart_streak_drop(st);
    ck_assert(!fo_restart_streak_read(st, &s));
    ck_assert_int_eq(json_array_size(json_object_get(st, "conditions")), 0);
    json_decref(st);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("restart_backoff");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, the_first_restart_is_at_once_and_later_ones_wait_as_long_as_the_streak);
    tcase_add_test(tc, a_streak_ends_with_a_healthy_run_an_end_or_another_generation);
    tcase_add_test(tc, the_streak_is_a_condition_whose_start_stays_while_it_goes_on);
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
