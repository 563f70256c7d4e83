/* controller/disposal_backoff: the wait before the next savepoint disposal after failures in a
 * row, and its record in status.clusterInfo (docs/controller.md "Manual and periodic
 * savepoints", Disposal). Expected values come from the documented rule (the wait doubles from
 * the observe interval up to an hour; a Warning at a streak's first failure and when the wait
 * reaches the hour), not from the code. */
#include <check.h>
#include <jansson.h>

#include "common/jsonutil.h"
#include "controller/disposal_backoff.h"

START_TEST(the_wait_doubles_from_the_observe_interval_up_to_an_hour)
{
    static const int64_t want_s[] = {15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
    for (int n = 1; n <= 10; n++)
        ck_assert_int_eq(fo_disposal_wait_ms(15000, n), want_s[n - 1] * 1000);
    ck_assert_int_eq(fo_disposal_wait_ms(15000, 1000), 3600 * 1000LL);
    ck_assert_int_eq(fo_disposal_wait_ms(2 * 3600 * 1000LL, 3), 2 * 3600 * 1000LL);
}
END_TEST

START_TEST(each_failure_is_recorded_and_only_some_are_told)
{
    json_t *ci = json_pack("{s:s}", "flink-version", "1.20.1");
    fo_disposal_streak s;
    ck_assert(!fo_disposal_streak_read(ci, &s));
    int64_t now = 1700000000000LL;
    int told = 0;
    for (int n = 1; n <= 12; n++) {
        bool tell = fo_disposal_streak_fail(ci, 15000, now, &s);
        ck_assert_int_eq(s.failures, n);
        /* the first failure, and the ninth, whose wait is the first of an hour */
        ck_assert_msg(tell == (n == 1 || n == 9), "failure %d told: %d", n, tell);
        told += tell;
        fo_disposal_streak r;
        ck_assert(fo_disposal_streak_read(ci, &r));
        ck_assert_int_eq(r.failures, n);
        ck_assert_int_eq(r.next_ms, s.next_ms);
        now = s.next_ms;
    }
    ck_assert_int_eq(told, 2);
    /* clusterInfo is a map of strings */
    ck_assert_str_eq(fo_json_str(ci, FO_DISPOSAL_FAILURES_KEY), "12");
    ck_assert(json_is_string(json_object_get(ci, FO_DISPOSAL_NEXT_KEY)));
    fo_disposal_streak_clear(ci);
    ck_assert(!fo_disposal_streak_read(ci, &s));
    ck_assert_str_eq(fo_json_str(ci, "flink-version"), "1.20.1");
    fo_disposal_streak_clear(NULL);
    json_decref(ci);
}
END_TEST

START_TEST(a_record_that_cannot_be_read_counts_as_none)
{
    static const char *const bad[][2] = {
        {"x", "1700000000000"}, {"3", "soon"}, {"-2", "1700000000000"}, {"0", "1"}, {"3", ""}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *ci = json_pack("{s:s, s:s}", FO_DISPOSAL_FAILURES_KEY, bad[i][0],
                               FO_DISPOSAL_NEXT_KEY, bad[i][1]);
        fo_disposal_streak s;
        ck_assert_msg(!fo_disposal_streak_read(ci, &s), "case %zu read", i);
        ck_assert_int_eq(s.failures, 0);
        ck_assert(fo_disposal_streak_fail(ci, 15000, 1000, &s)); /* a new streak: told */
        ck_assert_int_eq(s.failures, 1);
        ck_assert_int_eq(s.next_ms, 16000);
        json_decref(ci);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("disposal_backoff");
    TCase *tc = tcase_create("backoff");
    tcase_add_test(tc, the_wait_doubles_from_the_observe_interval_up_to_an_hour);
    tcase_add_test(tc, each_failure_is_recorded_and_only_some_are_told);
    tcase_add_test(tc, a_record_that_cannot_be_read_counts_as_none);
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
