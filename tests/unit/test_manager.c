/* controller/manager: how long a reconciled resource whose JobManager does not answer waits
 * between passes (docs/controller.md, "A JobManager that does not answer"): twice the observe
 * interval after the first such pass, doubling, at most two minutes, never less than the
 * observe interval. */
#include <check.h>
#include <stdlib.h>

#include "controller/manager.h"

START_TEST(silent_passes_are_spaced_out_doubling_up_to_two_minutes)
{
    /* The default observe interval, 15 s. */
    ck_assert_int_eq(fo_manager_silent_delay_ms(15000, 1), 30000);
    ck_assert_int_eq(fo_manager_silent_delay_ms(15000, 2), 60000);
    ck_assert_int_eq(fo_manager_silent_delay_ms(15000, 3), 120000);
    ck_assert_int_eq(fo_manager_silent_delay_ms(15000, 4), 120000);
    ck_assert_int_eq(fo_manager_silent_delay_ms(15000, 1000), 120000);
    /* An observe interval of 100 s: 200 s would be past the bound. */
    ck_assert_int_eq(fo_manager_silent_delay_ms(100000, 1), 120000);
    /* An observe interval past the bound is kept. */
    ck_assert_int_eq(fo_manager_silent_delay_ms(300000, 1), 300000);
    ck_assert_int_eq(fo_manager_silent_delay_ms(300000, 9), 300000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("manager");
    TCase *tc = tcase_create("silent");
    tcase_add_test(tc, silent_passes_are_spaced_out_doubling_up_to_two_minutes);
    suite_add_tcase(s, tc);
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
