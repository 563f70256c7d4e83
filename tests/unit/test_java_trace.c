/* common/java_trace: traces laid out as java.lang.Throwable.printStackTrace prints them (the
 * exception's toString, "\tat" frames, "\t... n more", "Caused by: " causes at the margin,
 * "\tSuppressed: " throwables indented) and as Flink sends one (tests/data). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/java_trace.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"

START_TEST(a_flink_job_failure_reads_as_the_exception_and_its_cause)
{
    char *path = fo_test_data_path("flink-execution-result-failed.json");
    json_t *v = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(v);
    const json_t *cause = fo_json_get(v, "job-execution-result.failure-cause");
    fo_java_trace t;
    ck_assert_int_eq(
        fo_java_trace_parse(fo_json_str(cause, "stack-trace"), fo_json_str(cause, "class"), &t),
        FO_OK);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_str_eq(t.chain[0].class_name, "org.apache.flink.runtime.JobException");
    ck_assert_str_eq(t.chain[0].message, "Recovery is suppressed by NoRestartBackoffTimeStrategy");
    ck_assert_str_eq(t.chain[1].class_name, "java.lang.ArithmeticException");
    ck_assert_str_eq(t.chain[1].message, "/ by zero");
    fo_java_trace_release(&t);
    json_decref(v);
    free(path);
}
END_TEST

START_TEST(messages_span_lines_and_a_throwable_may_have_none)
{
    const char *trace = "java.lang.IllegalStateException: first line\r\n"
                        "second line\r\n"
                        "\tat a.B.c(B.java:1)\r\n"
                        "Caused by: java.lang.NullPointerException\r\n"
                        "\tat a.B.d(B.java:2)\r\n"
                        "\t... 3 more\r\n"
                        "Caused by: java.lang.Exception: \r\n"
                        "\t... 4 more\r\n";
    fo_java_trace t;
    ck_assert_int_eq(fo_java_trace_parse(trace, NULL, &t), FO_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.chain[0].class_name, "java.lang.IllegalStateException");
    ck_assert_str_eq(t.chain[0].message, "first line\nsecond line");
    ck_assert_str_eq(t.chain[1].class_name, "java.lang.NullPointerException");
    ck_assert_ptr_null(t.chain[1].message); /* toString without ": " */
    ck_assert_str_eq(t.chain[2].class_name, "java.lang.Exception");
    ck_assert_str_eq(t.chain[2].message, ""); /* new Exception("") */
    fo_java_trace_release(&t);
}
END_TEST

START_TEST(suppressed_throwables_and_their_causes_are_not_causes)
{
    const char *trace = "java.io.IOException: close failed\n"
                        "\tat a.B.c(B.java:1)\n"
                        "\tSuppressed: java.lang.RuntimeException: also\n"
                        "\t\tat a.B.d(B.java:2)\n"
                        "\tCaused by: java.lang.Error: inner\n"
                        "\t\t... 1 more\n"
                        "Caused by: java.net.SocketException: Connection reset\n"
                        "\tat a.B.e(B.java:3)\n";
    fo_java_trace t;
    ck_assert_int_eq(fo_java_trace_parse(trace, "java.io.IOException", &t), FO_OK);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_str_eq(t.chain[0].message, "close failed");
    ck_assert_str_eq(t.chain[1].class_name, "java.net.SocketException");
    ck_assert_str_eq(t.chain[1].message, "Connection reset");
    fo_java_trace_release(&t);
}
END_TEST

/* A cause chain that comes back to a throwable already printed ends in Throwable's
 * "[CIRCULAR REFERENCE: <toString>]"; Flink's SerializedThrowable, which the Apache operator
 * reads, stops its chain at that throwable again (its message, no further cause). */
START_TEST(a_circular_cause_is_the_throwable_it_names_and_ends_the_chain)
{
    const char *trace = "java.lang.IllegalStateException: top\n"
                        "\tat a.B.c(B.java:1)\n"
                        "Caused by: java.io.IOException: middle\n"
                        "line two\n"
                        "\tat a.B.d(B.java:2)\n"
                        "\t... 1 more\n"
                        "Caused by: [CIRCULAR REFERENCE: java.lang.IllegalStateException: top]\n";
    fo_java_trace t;
    ck_assert_int_eq(fo_java_trace_parse(trace, NULL, &t), FO_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.chain[1].message, "middle\nline two");
    ck_assert_str_eq(t.chain[2].class_name, "java.lang.IllegalStateException");
    ck_assert_str_eq(t.chain[2].message, "top");
    fo_java_trace_release(&t);
    ck_assert_int_eq(fo_java_trace_parse("java.lang.Error\n"
                                         "Caused by: java.lang.Exception\n"
                                         "Caused by: [CIRCULAR REFERENCE: java.lang.Error]",
                                         NULL, &t),
                     FO_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.chain[2].class_name, "java.lang.Error");
    ck_assert_ptr_null(t.chain[2].message);
    fo_java_trace_release(&t);
}
END_TEST

START_TEST(without_a_trace_the_class_alone_is_known)
{
    fo_java_trace t;
    ck_assert_int_eq(fo_java_trace_parse(NULL, "org.apache.flink.util.FlinkException", &t), FO_OK);
    ck_assert_uint_eq(t.n, 1);
    ck_assert_str_eq(t.chain[0].class_name, "org.apache.flink.util.FlinkException");
    ck_assert_ptr_null(t.chain[0].message);
    fo_java_trace_release(&t);
    ck_assert_int_eq(fo_java_trace_parse("", NULL, &t), FO_OK);
    ck_assert_uint_eq(t.n, 0);
    fo_java_trace_release(&t);
}
END_TEST

START_TEST(a_long_chain_is_cut)
{
    char trace[4096] = "java.lang.Exception: 0\n";
    for (int i = 1; i < 20; i++) {
        char line[64];
        snprintf(line, sizeof line, "Caused by: java.lang.Exception: %d\n\t... 1 more\n", i);
        strcat(trace, line);
    }
    fo_java_trace t;
    ck_assert_int_eq(fo_java_trace_parse(trace, NULL, &t), FO_OK);
    ck_assert_uint_eq(t.n, FO_JAVA_TRACE_MAX_CHAIN);
    ck_assert_str_eq(t.chain[FO_JAVA_TRACE_MAX_CHAIN - 1].message, "7");
    fo_java_trace_release(&t);
}
END_TEST

START_TEST(simple_names_follow_class_get_simple_name)
{
    ck_assert_str_eq(fo_java_trace_simple_name("java.lang.ArithmeticException"),
                     "ArithmeticException");
    ck_assert_str_eq(fo_java_trace_simple_name("java.util.Map$Entry"), "Entry");
    ck_assert_str_eq(fo_java_trace_simple_name("Plain"), "Plain");
    ck_assert_str_eq(fo_java_trace_simple_name(NULL), "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("java_trace");
    TCase *tc = tcase_create("java_trace");
    tcase_add_test(tc, a_flink_job_failure_reads_as_the_exception_and_its_cause);
    tcase_add_test(tc, messages_span_lines_and_a_throwable_may_have_none);
    tcase_add_test(tc, suppressed_throwables_and_their_causes_are_not_causes);
    tcase_add_test(tc, a_circular_cause_is_the_throwable_it_names_and_ends_the_chain);
    tcase_add_test(tc, without_a_trace_the_class_alone_is_known);
    tcase_add_test(tc, a_long_chain_is_cut);
    tcase_add_test(tc, simple_names_follow_class_get_simple_name);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
