/* quantity: Kubernetes resource.Quantity parsing, rounding, comparison and canonical text.
 * Expected values are worked out from the Kubernetes docs ("Resource units in Kubernetes",
 * apimachinery resource.Quantity): 1Ki = 1024, 1k = 1000, 1m = 1/1000, Value() and
 * MilliValue() round up, values are capped at 2^63-1. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/quantity.h"

static fo_quantity parse_ok(const char *s)
{
    fo_quantity q;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_quantity_parse(s, &q, &err) == FO_OK, "%s: %s", s, err.message);
    return q;
}

static const struct {
    const char *text;
    int64_t value;  /* Value(): base units, rounded up (away from zero) */
    int64_t millis; /* MilliValue() */
} values[] = {
    {"100m", 1, 100},
    {"0.1", 1, 100},
    {"0.5", 1, 500},
    {"1", 1, 1000},
    {"2", 2, 2000},
    {"1.5", 2, 1500},
    {"1500m", 2, 1500},
    {"250m", 1, 250},
    {"1k", 1000, 1000000},
    {"1e3", 1000, 1000000},
    {"1E3", 1000, 1000000},
    {"1e+3", 1000, 1000000},
    {"5e-3", 1, 5},
    {"1Ki", 1024, 1024000},
    {"1.5Gi", 1610612736, 1610612736000},
    {"2048Mi", 2147483648, 2147483648000},
    {"2Gi", 2147483648, 2147483648000},
    {"128974848", 128974848, 128974848000},
    {"129e6", 129000000, 129000000000},
    {"129M", 129000000, 129000000000},
    {"128974848000m", 128974848, 128974848000},
    {"123Mi", 128974848, 128974848000},
    {"1Ei", 1152921504606846976, INT64_MAX},
    {"1n", 1, 1},
    {"1u", 1, 1},
    {"1500u", 1, 2},
    {"0.5n", 1, 1}, /* rounded up to 1n when parsed */
    {".5", 1, 500},
    {"1.", 1, 1000},
    {"+1", 1, 1000},
    {"007", 7, 7000},
    {"0", 0, 0},
    {"-0", 0, 0},
    {"0Gi", 0, 0},
    {"-1", -1, -1000},
    {"-1.5", -2, -1500},
    {"-100m", -1, -100},
    {"-1.5Gi", -1610612736, -1610612736000},
    {"1e-100", 1, 1},
    {"0.000000001Ki", 1, 1}, /* 1024n: under a milli, rounded up */
};

START_TEST(values_round_up_like_quantity_value_and_milli_value)
{
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        fo_quantity q = parse_ok(values[i].text);
        ck_assert_msg(fo_quantity_value(&q) == values[i].value, "%s: value %lld", values[i].text,
                      (long long)fo_quantity_value(&q));
        ck_assert_msg(fo_quantity_milli_value(&q) == values[i].millis, "%s: millis %lld",
                      values[i].text, (long long)fo_quantity_milli_value(&q));
    }
}
END_TEST

START_TEST(sub_nano_fractions_round_up_to_a_whole_nano)
{
    fo_quantity q = parse_ok("0.0000000001Ki"); /* 102.4n */
    ck_assert_int_eq(q.units, 0);
    ck_assert_int_eq(q.nanos, 103);
    q = parse_ok("0.000000001Ki"); /* exactly 1024n */
    ck_assert_int_eq(q.nanos, 1024);
    q = parse_ok("1.0000000001"); /* 1 + 0.1n */
    ck_assert_int_eq(q.units, 1);
    ck_assert_int_eq(q.nanos, 1);
    q = parse_ok("0.9999999999"); /* rounds up to exactly 1 */
    ck_assert_int_eq(q.units, 1);
    ck_assert_int_eq(q.nanos, 0);
}
END_TEST

static const struct {
    const char *a, *b;
    int cmp;
} comparisons[] = {
    {"2048Mi", "2Gi", 0}, {"1e3", "1k", 0},   {"0.1", "100m", 0},     {"1", "1000m", 0},
    {"1Ki", "1024", 0},   {"1G", "1000M", 0}, {"1Gi", "1G", 1},       {"999m", "1", -1},
    {"-1", "1", -1},      {"-2", "-1", -1},   {"-1", "-1000m", 0},    {"0", "-0", 0},
    {"0", "1n", -1},      {"-1n", "0", -1},   {"1.5Gi", "1536Mi", 0}, {"129M", "123Mi", 1},
    {"10Ei", "8Ei", 0}, /* both saturate at 2^63-1 */
};

START_TEST(equal_amounts_in_different_notations_compare_equal)
{
    for (size_t i = 0; i < sizeof comparisons / sizeof comparisons[0]; i++) {
        fo_quantity a = parse_ok(comparisons[i].a), b = parse_ok(comparisons[i].b);
        ck_assert_msg(fo_quantity_cmp(&a, &b) == comparisons[i].cmp, "%s vs %s", comparisons[i].a,
                      comparisons[i].b);
        ck_assert_msg(fo_quantity_cmp(&b, &a) == -comparisons[i].cmp, "%s vs %s", comparisons[i].b,
                      comparisons[i].a);
    }
}
END_TEST

START_TEST(overflow_saturates_at_the_int64_cap)
{
    static const char *big[] = {"8Ei",  "10Ei",     "9223372036854775808",
                                "1e19", "1e100000", "99999999999999999999999999999999999999"};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        fo_quantity q = parse_ok(big[i]);
        ck_assert_msg(q.units == INT64_MAX && q.nanos == 0, "%s", big[i]);
        ck_assert_int_eq(fo_quantity_value(&q), INT64_MAX);
        ck_assert_int_eq(fo_quantity_milli_value(&q), INT64_MAX);
    }
    fo_quantity q = parse_ok("-10Ei");
    ck_assert_int_eq(fo_quantity_value(&q), -INT64_MAX);
    ck_assert_int_eq(fo_quantity_milli_value(&q), INT64_MIN);
    q = parse_ok("9223372036854775807"); /* exactly the cap */
    ck_assert_int_eq(fo_quantity_value(&q), INT64_MAX);
    q = parse_ok("9223372036854775"); /* milli value just fits */
    ck_assert_int_eq(fo_quantity_milli_value(&q), 9223372036854775000);
    q = parse_ok("9223372036854776"); /* milli value does not */
    ck_assert_int_eq(fo_quantity_milli_value(&q), INT64_MAX);
}
END_TEST

START_TEST(malformed_quantities_are_refused_naming_the_text)
{
    static const char *bad[] = {
        "",     "Gi",  "1 Gi",  " 1",   "1 ",   "1gi", "1GI",   "1K",   "1.2.3", "--1",
        "+-1",  "1e",  "1e3.0", "1Ki3", "1mi",  "1ei", "1e3Mi", "1Gi ", "abc",   "1x",
        "0x10", "1,5", ".",     "-",    "1..5", "e3",  "1m3",   "1Eee", "++1",   "1.5.Gi",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fo_quantity q = {.units = 42};
        fo_err err;
        fo_err_clear(&err);
        ck_assert_msg(fo_quantity_parse(bad[i], &q, &err) == FO_EINVAL, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(q.units, 42); /* untouched */
        if (bad[i][0])
            ck_assert_msg(strstr(err.message, bad[i]) != NULL, "%s", err.message);
    }
    char longer[FO_QUANTITY_MAX_LEN + 10];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    fo_quantity q;
    ck_assert_int_eq(fo_quantity_parse(longer, &q, NULL), FO_EINVAL);
    ck_assert_int_eq(fo_quantity_parse(NULL, &q, NULL), FO_EINVAL);
}
END_TEST

START_TEST(the_approximate_value_carries_the_sign)
{
    fo_quantity q = parse_ok("-1.5Gi");
    ck_assert(q.negative);
    ck_assert(q.value == -1610612736.0L);
    q = parse_ok("250m");
    ck_assert(!q.negative);
    ck_assert(q.value > 0.2499L && q.value < 0.2501L);
    q = parse_ok("-0");
    ck_assert(!q.negative);
}
END_TEST

START_TEST(bytes_format_in_the_largest_exact_binary_suffix)
{
    static const struct {
        int64_t bytes;
        const char *text;
    } cases[] = {
        {0, "0"},
        {100, "100"},
        {1000, "1000"},
        {1024, "1Ki"},
        {1536 * 1024 * 1024LL, "1536Mi"},
        {2 * 1024 * 1024 * 1024LL, "2Gi"},
        {1LL << 60, "1Ei"},
        {3LL << 50, "3Pi"},
        {-2048, "-2Ki"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-8Ei"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        ck_assert_str_eq(fo_quantity_format_bytes(cases[i].bytes, buf, sizeof buf), cases[i].text);
        if (cases[i].bytes != INT64_MIN) { /* -8Ei is 2^63 in magnitude: above the cap */
            fo_quantity q = parse_ok(buf);
            ck_assert_int_eq(fo_quantity_value(&q), cases[i].bytes);
        }
    }
}
END_TEST

START_TEST(millis_format_in_kubernetes_decimal_si_form)
{
    static const struct {
        int64_t millis;
        const char *text;
    } cases[] = {
        {0, "0"},
        {500, "500m"},
        {1500, "1500m"},
        {2000, "2"},
        {100, "100m"},
        {1, "1m"},
        {1000000, "1k"},
        {1500000, "1500"},
        {-250, "-250m"},
        {-3000, "-3"},
        {INT64_MAX, "9223372036854775807m"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        ck_assert_str_eq(fo_quantity_format_millis(cases[i].millis, buf, sizeof buf),
                         cases[i].text);
        fo_quantity q = parse_ok(buf);
        ck_assert_int_eq(fo_quantity_milli_value(&q), cases[i].millis);
    }
    char small[4];
    ck_assert_str_eq(fo_quantity_format_millis(1500, small, sizeof small), "150");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("quantity");
    TCase *tc = tcase_create("quantity");
    tcase_add_test(tc, values_round_up_like_quantity_value_and_milli_value);
    tcase_add_test(tc, sub_nano_fractions_round_up_to_a_whole_nano);
    tcase_add_test(tc, equal_amounts_in_different_notations_compare_equal);
    tcase_add_test(tc, overflow_saturates_at_the_int64_cap);
    tcase_add_test(tc, malformed_quantities_are_refused_naming_the_text);
    tcase_add_test(tc, the_approximate_value_carries_the_sign);
    tcase_add_test(tc, bytes_format_in_the_largest_exact_binary_suffix);
    tcase_add_test(tc, millis_format_in_kubernetes_decimal_si_form);
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
