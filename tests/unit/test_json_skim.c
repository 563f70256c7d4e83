/* json_skim: the fast check of skipped containers vouches for valid JSON (returning its end),
 * gives up on what it leaves to the byte-wise reader, and never vouches for what jansson
 * refuses: checked on hand-written cases at every offset of its 64-byte blocks and on
 * corruptions of a realistic object. On a CPU without AVX2 it always gives up, which the
 * tests accept (the reader then does all the work). */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_skim.h"
#include "tests/support/testcorrupt.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static bool have_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
}

/* skim text placed after `pad` spaces of padding in a buffer followed by `tail` */
static const unsigned char *skim_at(char *buf, size_t pad, const char *text, const char *tail,
                                    size_t *len)
{
    memset(buf, ' ', pad);
    size_t n = strlen(text), t = strlen(tail);
    memcpy(buf + pad, text, n);
    memcpy(buf + pad + n, tail, t);
    *len = n;
    const unsigned char *p = (const unsigned char *)buf + pad;
    return fo_json_skim_container(p, p + n + t, 64);
}

START_TEST(valid_containers_are_vouched_for_at_every_offset)
{
    static const char *const cases[] = {
        "{}",
        "[]",
        "{\"a\":[1,-2,0,true,false,null,{\"b\":\"c\\\"d\\\\e\\/f\\b\\f\\n\\r\\t\\u00e9\"}]}",
        "[ {\"k\" : \"v\" } , [ [ ] ] ,\t\"x\"\r\n]",
        "{\"spec\":\"{\\\"job\\\":{\\\"args\\\":[\\\"a\\\\\\\\b\\\"]}}\",\"n\":123456789012345678}",
        "[\"\\\\\\\\\\\\\\\"\",\"\\\\\"]",
    };
    if (!have_avx2())
        return;
    char buf[512];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t pad = 0; pad < 70; pad++) {
            size_t n;
            const unsigned char *e = skim_at(buf, pad, cases[c], ",\"next\":1}", &n);
            ck_assert_msg(e == (const unsigned char *)buf + pad + n, "case %zu at offset %zu: %s",
                          c, pad, e ? "a wrong end" : "gave up");
            /* at the very end of the input too */
            e = skim_at(buf, pad, cases[c], "", &n);
            ck_assert_msg(e == (const unsigned char *)buf + pad + n, "case %zu at the end", c);
        }
    }
}
END_TEST

START_TEST(what_it_cannot_vouch_for_is_left_to_the_reader)
{
    static const char *const cases[] = {
        "{\"a\":\"\xC3\xA9\"}",                 /* UTF-8 */
        "[1.5]",                                /* a real */
        "[1e3]",                                /* a real */
        "[1234567890123456789]",                /* 19 digits */
        "{\"\\u0000\":1}",                      /* NUL */
        "[\"\\ud83d\\ude00\"]",                 /* surrogates */
        "{\"a\":1",                             /* unterminated */
        "[\"abc]",                              /* unterminated string */
        "{\"a\" 1}", "[1,]", "{\"a\":1,}", "[01]", "[-]", "[truex]", "{1:2}", "[\"a\" \"b\"]",
        "[\"a\\x\"]", "[\"a\x01\"]", "[}", "{]", "[\\\"]", "{\"a\"::1}", "[,1]",
    };
    char buf[512];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t pad = 0; pad < 70; pad += 7) {
            size_t n;
            ck_assert_msg(skim_at(buf, pad, cases[c], "]}", &n) == NULL, "case %zu vouched", c);
        }
    }
    /* a NUL byte after a number (jansson drops it; the reader refuses it) */
    static const char nul[] = "[1\0]";
    const unsigned char *z = (const unsigned char *)nul;
    ck_assert_ptr_null(fo_json_skim_container(z, z + 4, 64));
    /* nesting past what the caller allows */
    char deep[200];
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    deep[140] = '\0';
    const unsigned char *p = (const unsigned char *)deep;
    ck_assert_ptr_null(fo_json_skim_container(p, p + 140, 64));
    ck_assert_ptr_null(fo_json_skim_container(p + 10, p + 130, 59));
    if (have_avx2())
        ck_assert_ptr_eq(fo_json_skim_container(p + 10, p + 130, 60), p + 130);
}
END_TEST

/* Every byte after a backslash, at every lane of the 32-byte halves: only the eight simple
 * escapes are vouched for, inside a skipped container and in escape-dense text. */
START_TEST(only_the_simple_escapes_pass_the_block_checks)
{
    if (!have_avx2())
        return;
    char buf[256];
    for (int c = 0; c < 256; c++) {
        bool simple = c && strchr("\"\\/bfnrt", c) != NULL;
        for (size_t pad = 0; pad < 64; pad += 3) {
            /* ["aaa\c"] with the escape at lane pad + 3 */
            memset(buf, 'a', sizeof buf);
            buf[0] = '[';
            buf[1] = '"';
            buf[2 + pad] = '\\';
            buf[3 + pad] = (char)c;
            memcpy(buf + 4 + pad, "\"]", 2);
            const unsigned char *p = (const unsigned char *)buf, *end = p + 6 + pad;
            const unsigned char *e = fo_json_skim_container(p, p + sizeof buf, 64);
            ck_assert_msg(simple ? e == end : e == NULL, "byte 0x%02X at lane %zu: %s", c,
                          pad + 3, e ? "vouched" : "gave up");
            /* escape-dense text: stops at a backslash that does not escape simply */
            const unsigned char *t = fo_json_skim_escaped_text(p + 2, p + sizeof buf);
            if (simple)
                ck_assert_msg(t == end - 2 || t >= p + sizeof buf - 32,
                              "byte 0x%02X at lane %zu: stopped at %td", c, pad + 3, t - p);
            else
                ck_assert_msg(t == p + 2 + pad, "byte 0x%02X at lane %zu: stopped at %td", c,
                              pad + 3, t - p);
        }
    }
}
END_TEST

START_TEST(it_never_vouches_for_what_jansson_refuses)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    char *spec = json_dumps(json_object_get(obj, "spec"), JSON_COMPACT);
    json_object_set_new(obj, "status", json_pack("{s:s}", "lastReconciledSpec", spec));
    char *text = json_dumps(obj, JSON_COMPACT);
    size_t len = strlen(text);
    static const char interesting[] = "{}[],:\"\\u0123456789-+.eE tfnrlsa\x01\n\t/";
    uint64_t seed = 0x243F6A8885A308D3ULL;
    char *buf = malloc(len + 16);
    int vouched = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, text, len);
        size_t n = len;
        fo_test_corrupt(buf, &n, 1, interesting, false, &seed); /* the '{' stays */
        const unsigned char *p = (const unsigned char *)buf;
        const unsigned char *e = fo_json_skim_container(p, p + n, 64);
        if (!e)
            continue;
        vouched++;
        json_error_t jerr;
        json_t *v = json_loadb(buf, (size_t)(e - p), JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        ck_assert_msg(v != NULL, "round %d: vouched for what jansson refuses: %s", round,
                      jerr.text);
        json_decref(v);
    }
    /* most corruptions break the document; those that do not are vouched for */
    if (have_avx2())
        ck_assert_int_gt(vouched, 1000);
    free(buf);
    free(text);
    free(spec);
    json_decref(obj);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_skim");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, valid_containers_are_vouched_for_at_every_offset);
    tcase_add_test(tc, what_it_cannot_vouch_for_is_left_to_the_reader);
    tcase_add_test(tc, only_the_simple_escapes_pass_the_block_checks);
    tcase_add_test(tc, it_never_vouches_for_what_jansson_refuses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
