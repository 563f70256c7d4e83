/* common/json_write: the writer must give the bytes json_dumps(JSON_COMPACT) gives (jansson is
 * the reference: it is what the answer was written with before), and the copy must equal
 * json_deep_copy's and share nothing with its source. Inputs: every JSON fixture in tests/data
 * plus values chosen for the escaping and number-formatting corners. */
#include <check.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_write.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testutil.h"

static void same_as_jansson(const json_t *v, const char *label)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    ck_assert_ptr_nonnull(want);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    ck_assert_int_eq(fo_json_write(&sb, v), FO_OK);
    ck_assert_msg(strcmp(sb.data, want) == 0, "%s: wrote\n%s\njansson\n%s", label, sb.data, want);
    fo_strbuf_release(&sb);
    free(want);

    json_t *copy = fo_json_copy(v);
    ck_assert_msg(json_equal(copy, (json_t *)v), "%s: the copy differs", label);
    json_decref(copy);
}

START_TEST(corner_values_are_written_as_jansson_writes_them)
{
    const double reals[] = {0.1,
                            1.0,
                            -0.0,
                            2.5,
                            1e20,
                            1e-5,
                            1e300,
                            1e16,
                            1e17,
                            0.0001,
                            123456789012345678.0,
                            DBL_MAX,
                            DBL_MIN,
                            5e-324,
                            -1.5e-7};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *r = json_real(reals[i]);
        char label[64];
        snprintf(label, sizeof label, "real %g", reals[i]);
        same_as_jansson(r, label);
        json_decref(r);
    }
    const json_int_t ints[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1000000007};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *v = json_integer(ints[i]);
        same_as_jansson(v, "integer");
        json_decref(v);
    }
    /* every control character, quote, backslash, slash, DEL, UTF-8, an embedded NUL */
    char all[40];
    for (int c = 0; c < 32; c++)
        all[c] = (char)(c + 1 == 32 ? 0x1F : c + 1);
    json_t *s = json_pack("[s, s, s#, s, {s:s, s:[], s:{}}]", "\"quoted\" \\back\\ /slash/ \x7f",
                          "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", all, (int)32, "", "k\tey",
                          "v\n", "empty", "obj");
    json_array_append_new(s, json_stringn("a\0b", 3));
    json_array_append_new(s, json_pack("{s:b, s:b, s:n, s:f}", "t", 1, "f", 0, "n", "r", 2.0));
    ck_assert_ptr_nonnull(s);
    same_as_jansson(s, "strings and structure");
    json_decref(s);
}
END_TEST

static void written_as_jansson(const char *name, const char *text, size_t len, void *ctx)
{
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v) {
        same_as_jansson(v, name);
        (*(int *)ctx)++;
    }
    json_decref(v);
}

START_TEST(the_fixtures_are_written_as_jansson_writes_them)
{
    int parsed = 0;
    fo_test_each_json_fixture(written_as_jansson, &parsed);
    ck_assert_int_gt(parsed, 10);
}
END_TEST

START_TEST(a_copy_shares_nothing_with_its_source)
{
    json_t *src = json_pack("{s:{s:[i, s, {s:s}]}, s:f}", "a", "b", 1, "x", "c", "d", "r", 1.5);
    json_t *copy = fo_json_copy(src);
    json_object_set_new(json_object_get(copy, "a"), "new", json_true());
    json_t *arr = fo_json_get(copy, "a.b");
    json_integer_set(json_array_get(arr, 0), 2);
    json_string_set(json_array_get(arr, 1), "y");
    json_object_set_new(json_array_get(arr, 2), "c", json_string("changed"));
    json_real_set(json_object_get(copy, "r"), 2.5);
    json_t *want = json_pack("{s:{s:[i, s, {s:s}]}, s:f}", "a", "b", 1, "x", "c", "d", "r", 1.5);
    ck_assert(json_equal(src, want));
    ck_assert_ptr_null(fo_json_copy(NULL));
    json_decref(want);
    json_decref(copy);
    json_decref(src);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_write");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, corner_values_are_written_as_jansson_writes_them);
    tcase_add_test(tc, the_fixtures_are_written_as_jansson_writes_them);
    tcase_add_test(tc, a_copy_shares_nothing_with_its_source);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
