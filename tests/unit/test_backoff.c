/* backoff: exponential delays with jitter, and the token bucket (client-go BucketRateLimiter
 * semantics). Times are explicit milliseconds; nothing sleeps. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/backoff.h"

START_TEST(delays_double_from_initial_until_the_cap)
{
    fo_backoff b;
    ck_assert_int_eq(fo_backoff_init(&b, 100, 1000, 2.0, 0, 1), FO_OK);
    const int64_t want[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_int_eq(fo_backoff_next_ms(&b), want[i]);
    ck_assert_uint_eq(b.attempt, 7);
}
END_TEST

START_TEST(many_attempts_stay_at_the_cap_without_overflow)
{
    fo_backoff b;
    ck_assert_int_eq(fo_backoff_init(&b, 5, 300000, 10.0, 0, 1), FO_OK);
    for (int i = 0; i < 5000; i++) {
        int64_t d = fo_backoff_next_ms(&b);
        ck_assert_int_ge(d, 5);
        ck_assert_int_le(d, 300000);
    }
    ck_assert_int_eq(fo_backoff_next_ms(&b), 300000);
}
END_TEST

START_TEST(a_cap_of_int64_max_is_returned_exactly)
{
    /* (double)INT64_MAX is 2^63, one past the range: rounding it back to an integer overflowed
     * into a negative delay. */
    fo_backoff b;
    ck_assert_int_eq(fo_backoff_init(&b, 1, INT64_MAX, 2.0, 0, 1), FO_OK);
    int64_t d = 0;
    for (int i = 0; i < 100; i++) {
        d = fo_backoff_next_ms(&b);
        ck_assert_int_ge(d, 1);
    }
    ck_assert_int_eq(d, INT64_MAX);
    ck_assert_int_eq(fo_backoff_init(&b, INT64_MAX, INT64_MAX, 1.0, 0.5, 7), FO_OK);
    for (int i = 0; i < 100; i++)
        ck_assert_int_ge(fo_backoff_next_ms(&b), 0);
}
END_TEST

START_TEST(jitter_stays_within_its_fraction_and_below_the_cap)
{
    fo_backoff b;
    ck_assert_int_eq(fo_backoff_init(&b, 1000, 8000, 2.0, 0.1, 42), FO_OK);
    int64_t lo = 1000000, hi = 0;
    for (int round = 0; round < 500; round++) {
        fo_backoff_reset(&b);
        /* bases 1000, 2000, 4000, 8000 (cap): each within +-10 %, never above 8000 */
        const double base[] = {1000, 2000, 4000, 8000};
        for (int i = 0; i < 4; i++) {
            int64_t d = fo_backoff_next_ms(&b);
            ck_assert_int_ge(d, (int64_t)(base[i] * 0.9));
            ck_assert_int_le(d, i == 3 ? 8000 : (int64_t)(base[i] * 1.1));
            if (i == 0) {
                lo = d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
        }
    }
    /* the jitter actually spreads the delays (500 draws over +-100 ms) */
    ck_assert_int_lt(lo, 950);
    ck_assert_int_gt(hi, 1050);
}
END_TEST

START_TEST(same_seed_gives_the_same_delays)
{
    fo_backoff a, b, c;
    fo_backoff_init(&a, 100, 100000, 1.5, 0.5, 7);
    fo_backoff_init(&b, 100, 100000, 1.5, 0.5, 7);
    fo_backoff_init(&c, 100, 100000, 1.5, 0.5, 8);
    int differ = 0;
    for (int i = 0; i < 20; i++) {
        int64_t x = fo_backoff_next_ms(&a), y = fo_backoff_next_ms(&b), z = fo_backoff_next_ms(&c);
        ck_assert_int_eq(x, y);
        differ += x != z;
    }
    ck_assert_int_gt(differ, 0);
}
END_TEST

START_TEST(reset_starts_again_from_the_initial_delay)
{
    fo_backoff b;
    fo_backoff_init(&b, 50, 10000, 3.0, 0, 0);
    ck_assert_int_eq(fo_backoff_next_ms(&b), 50);
    ck_assert_int_eq(fo_backoff_next_ms(&b), 150);
    ck_assert_int_eq(fo_backoff_next_ms(&b), 450);
    fo_backoff_reset(&b);
    ck_assert_uint_eq(b.attempt, 0);
    ck_assert_int_eq(fo_backoff_next_ms(&b), 50);
}
END_TEST

START_TEST(invalid_backoff_parameters_are_refused)
{
    fo_backoff b = {0};
    ck_assert_int_eq(fo_backoff_init(&b, -1, 100, 2, 0, 0), FO_EINVAL);
    ck_assert_int_eq(fo_backoff_init(&b, 200, 100, 2, 0, 0), FO_EINVAL);
    ck_assert_int_eq(fo_backoff_init(&b, 1, 100, 0.5, 0, 0), FO_EINVAL);
    ck_assert_int_eq(fo_backoff_init(&b, 1, 100, 2, 1.5, 0), FO_EINVAL);
    ck_assert_int_eq(fo_backoff_init(&b, 1, 100, 2, -0.1, 0), FO_EINVAL);
    ck_assert_int_eq(fo_backoff_init(&b, 1, 100, 0.0 / 0.0, 0, 0), FO_EINVAL);
    ck_assert_int_eq(b.max_ms, 0); /* untouched */
}
END_TEST

/* The stateless doubling the controller's records use: first, doubled, capped; a first step
 * past the cap is kept; no overflow at huge counts. */
START_TEST(doubled_delays_stop_at_the_cap_and_keep_a_longer_first_step)
{
    ck_assert_int_eq(fo_backoff_doubled_ms(15000, 0, 120000), 15000);
    ck_assert_int_eq(fo_backoff_doubled_ms(15000, 1, 120000), 30000);
    ck_assert_int_eq(fo_backoff_doubled_ms(15000, 3, 120000), 120000);
    ck_assert_int_eq(fo_backoff_doubled_ms(15000, 4, 120000), 120000);
    ck_assert_int_eq(fo_backoff_doubled_ms(15000, 2147483647, 120000), 120000);
    ck_assert_int_eq(fo_backoff_doubled_ms(300000, 5, 120000), 300000);
    ck_assert_int_eq(fo_backoff_doubled_ms(5, 100, INT64_MAX), INT64_MAX);
}
END_TEST

START_TEST(bucket_lets_a_burst_through_then_paces_at_qps)
{
    /* client-go's default overall limiter: 10 qps, burst 100 */
    fo_token_bucket tb;
    ck_assert_int_eq(fo_token_bucket_init(&tb, 10, 100, 5000), FO_OK);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(fo_token_bucket_reserve(&tb, 5000), 0);
    /* the next reservations queue 100 ms apart */
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 5000), 100);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 5000), 200);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 5000), 300);
    /* 150 ms later one and a half tokens came back: the queue is 150 ms shorter */
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 5150), 250);
}
END_TEST

START_TEST(caller_that_waits_as_told_is_paced_exactly_at_qps)
{
    fo_token_bucket tb;
    fo_token_bucket_init(&tb, 4, 1, 0);
    int64_t now = 0;
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, now), 0);
    for (int i = 0; i < 10; i++) {
        int64_t wait = fo_token_bucket_reserve(&tb, now);
        ck_assert_int_eq(wait, 250);
        now += wait; /* use the token when it is valid, then ask again */
    }
}
END_TEST

START_TEST(fractional_rates_round_the_wait_up)
{
    fo_token_bucket tb;
    fo_token_bucket_init(&tb, 3, 1, 0);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 0);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 334); /* 333.3 ms, rounded up */
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 667);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 1000);
}
END_TEST

START_TEST(long_idle_refills_only_up_to_burst)
{
    fo_token_bucket tb;
    fo_token_bucket_init(&tb, 10, 5, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 0);
    ck_assert(fo_token_bucket_tokens(&tb, 0) == 0);
    /* an hour idle: still only 5 tokens */
    int64_t later = 3600 * 1000;
    ck_assert(fo_token_bucket_tokens(&tb, later) == 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(fo_token_bucket_reserve(&tb, later), 0);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, later), 100);
}
END_TEST

START_TEST(time_going_backwards_adds_no_tokens)
{
    fo_token_bucket tb;
    fo_token_bucket_init(&tb, 1, 1, 10000);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 10000), 0);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 9000), 1000);
    ck_assert_int_eq(tb.last_ms, 10000);
    /* the reservation made "in the past" still counts: at 11000 the queue holds one */
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 11000), 1000);
}
END_TEST

START_TEST(waits_at_tiny_rates_saturate_instead_of_overflowing)
{
    /* one token per 10^300 seconds: the wait does not fit in 64 bits of milliseconds */
    fo_token_bucket tb;
    ck_assert_int_eq(fo_token_bucket_init(&tb, 1e-300, 1, 0), FO_OK);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), 0);
    ck_assert_int_eq(fo_token_bucket_reserve(&tb, 0), INT64_MAX);
}
END_TEST

START_TEST(invalid_bucket_parameters_are_refused)
{
    fo_token_bucket tb = {0};
    ck_assert_int_eq(fo_token_bucket_init(&tb, 0, 1, 0), FO_EINVAL);
    ck_assert_int_eq(fo_token_bucket_init(&tb, -5, 1, 0), FO_EINVAL);
    ck_assert_int_eq(fo_token_bucket_init(&tb, 1.0 / 0.0, 1, 0), FO_EINVAL);
    ck_assert_int_eq(fo_token_bucket_init(&tb, 0.0 / 0.0, 1, 0), FO_EINVAL);
    ck_assert_int_eq(fo_token_bucket_init(&tb, 10, 0, 0), FO_EINVAL);
    ck_assert_int_eq(tb.burst, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("backoff");
    TCase *exp = tcase_create("exponential");
    tcase_add_test(exp, delays_double_from_initial_until_the_cap);
    tcase_add_test(exp, many_attempts_stay_at_the_cap_without_overflow);
    tcase_add_test(exp, a_cap_of_int64_max_is_returned_exactly);
    tcase_add_test(exp, jitter_stays_within_its_fraction_and_below_the_cap);
    tcase_add_test(exp, same_seed_gives_the_same_delays);
    tcase_add_test(exp, reset_starts_again_from_the_initial_delay);
    tcase_add_test(exp, invalid_backoff_parameters_are_refused);
    tcase_add_test(exp, doubled_delays_stop_at_the_cap_and_keep_a_longer_first_step);
    suite_add_tcase(s, exp);
    TCase *bucket = tcase_create("token_bucket");
    tcase_add_test(bucket, bucket_lets_a_burst_through_then_paces_at_qps);
    tcase_add_test(bucket, caller_that_waits_as_told_is_paced_exactly_at_qps);
    tcase_add_test(bucket, fractional_rates_round_the_wait_up);
    tcase_add_test(bucket, long_idle_refills_only_up_to_burst);
    tcase_add_test(bucket, time_going_backwards_adds_no_tokens);
    tcase_add_test(bucket, waits_at_tiny_rates_saturate_instead_of_overflowing);
    tcase_add_test(bucket, invalid_bucket_parameters_are_refused);
    suite_add_tcase(s, bucket);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
