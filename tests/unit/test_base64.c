/* common/base64: RFC 4648 standard base64, read the way Go's StdEncoding reads it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

/* RFC 4648 section 10 */
static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

START_TEST(encoding_matches_the_rfc4648_test_vectors)
{
    for (size_t i = 0; i < 7; i++) {
        char *b = fo_base64_encode(plain[i], strlen(plain[i]));
        ck_assert_str_eq(b, coded[i]);
        ck_assert_uint_eq(fo_base64_encoded_len(strlen(plain[i])), strlen(coded[i]));
        free(b);
    }
    unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *b = fo_base64_encode(bytes, 3);
    ck_assert_str_eq(b, "+/+/"); /* the standard alphabet, not the URL-safe one */
    free(b);
}
END_TEST

START_TEST(decoding_reverses_the_test_vectors)
{
    for (size_t i = 0; i < 7; i++) {
        size_t n = 99;
        char *d = fo_base64_decode(coded[i], strlen(coded[i]), &n);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(n, strlen(plain[i]));
        ck_assert_str_eq(d, plain[i]);
        free(d);
    }
    unsigned char bytes[] = {0, 1, 2, 0xff, 0};
    char *e = fo_base64_encode(bytes, 5);
    size_t n = 0;
    char *d = fo_base64_decode(e, strlen(e), &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(d, bytes, 5);
    free(d);
    free(e);
}
END_TEST

START_TEST(line_breaks_are_skipped_as_go_does)
{
    const char *wrapped = "Zm9v\r\nYmFy\n";
    size_t n = 0;
    char *d = fo_base64_decode(wrapped, strlen(wrapped), &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d, "foobar");
    free(d);
}
END_TEST

START_TEST(malformed_input_is_refused)
{
    /* missing padding, too much padding, data after padding, characters outside the
     * alphabet (URL-safe, space), a lone trailing character */
    static const char *const bad[] = {"Zg",      "Zg=",  "Z===", "====", "Zg==Zg==",
                                      "Zm9v-_",  "Zm 9", "Zm9vY", "Zg=a", "!!!!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n;
        char *d = fo_base64_decode(bad[i], strlen(bad[i]), &n);
        ck_assert_msg(d == NULL, "accepted \"%s\"", bad[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("base64");
    tcase_add_test(tc, encoding_matches_the_rfc4648_test_vectors);
    tcase_add_test(tc, decoding_reverses_the_test_vectors);
    tcase_add_test(tc, line_breaks_are_skipped_as_go_does);
    tcase_add_test(tc, malformed_input_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
