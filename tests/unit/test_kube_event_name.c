/* The names of Events: the same for the same identity in every process, different for another,
 * and always a name the API server takes. */
#include <check.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kube_event_name.h"

/* apimachinery's IsDNS1123Subdomain: dns1123SubdomainFmt, at most 253 characters. */
static bool is_dns1123_subdomain(const char *s)
{
    static const char *const fmt =
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    regex_t re;
    ck_assert_int_eq(regcomp(&re, fmt, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = strlen(s) <= 253 && regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* The FNV reference test vectors (draft-eastlake-fnv, FNV-1a 64). */
START_TEST(the_hash_is_fnv1a_64_of_the_identity)
{
    ck_assert_uint_eq(fo_kube_event_hash("", 0), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(fo_kube_event_hash("a", 0), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(fo_kube_event_hash("foobar", 0), 0x85944171f73967e8ull);
    /* a further probe hashes the identity, a NUL byte and the probe number */
    ck_assert_uint_ne(fo_kube_event_hash("a", 1), fo_kube_event_hash("a", 0));
    ck_assert_uint_ne(fo_kube_event_hash("a", 1), fo_kube_event_hash("a", 2));
    ck_assert_uint_ne(fo_kube_event_hash("a", 1), fo_kube_event_hash("a1", 0));
}
END_TEST

START_TEST(the_name_is_the_object_name_and_the_identity_hash)
{
    char name[FO_KUBE_EVENT_NAME_MAX + 1];
    fo_kube_event_name("basic-example", "a", 0, name);
    ck_assert_str_eq(name, "basic-example.af63dc4c8601ec8c");
    /* the same again: nothing but the inputs counts */
    char again[FO_KUBE_EVENT_NAME_MAX + 1];
    fo_kube_event_name("basic-example", "a", 0, again);
    ck_assert_str_eq(again, name);
    fo_kube_event_name("basic-example", "foobar", 0, name);
    ck_assert_str_eq(name, "basic-example.85944171f73967e8");
    fo_kube_event_name("basic-example", "a", 1, name);
    ck_assert_str_ne(name, "basic-example.af63dc4c8601ec8c");
    ck_assert(strncmp(name, "basic-example.", 14) == 0);
    ck_assert_uint_eq(strlen(name), 14 + 16);
}
END_TEST

START_TEST(names_are_dns_subdomains_of_at_most_253_characters)
{
    char name[FO_KUBE_EVENT_NAME_MAX + 1];
    /* The longest object name: cut so that the whole name is 253, the hash kept whole. */
    char longest[254];
    memset(longest, 'a', 253);
    longest[253] = '\0';
    fo_kube_event_name(longest, "a", 0, name);
    ck_assert_uint_eq(strlen(name), 253);
    ck_assert_str_eq(name + 253 - 17, ".af63dc4c8601ec8c");
    ck_assert(is_dns1123_subdomain(name));
    /* A cut that ends on a '.' or a '-' drops it (a label cannot end with one). */
    memset(longest, 'a', 253);
    longest[235] = '-';
    longest[236] = '.';
    fo_kube_event_name(longest, "a", 0, name);
    ck_assert_msg(is_dns1123_subdomain(name), "%s", name);
    ck_assert_uint_eq(strlen(name), 235 + 17);
    /* Names another kind allows, or none at all. */
    static const struct {
        const char *object, *want;
    } cases[] = {
        {"Job_1", "job-1.af63dc4c8601ec8c"}, {"-a..b.-c-", "a.b.c.af63dc4c8601ec8c"},
        {"a.b", "a.b.af63dc4c8601ec8c"},     {"caf\xc3\xa9", "caf.af63dc4c8601ec8c"},
        {"...", "af63dc4c8601ec8c"},         {"", "af63dc4c8601ec8c"},
        {NULL, "af63dc4c8601ec8c"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_kube_event_name(cases[i].object, "a", 0, name);
        ck_assert_msg(strcmp(name, cases[i].want) == 0, "%s: %s", cases[i].object, name);
        ck_assert(is_dns1123_subdomain(name));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_event_name");
    TCase *tc = tcase_create("kube_event_name");
    tcase_add_test(tc, the_hash_is_fnv1a_64_of_the_identity);
    tcase_add_test(tc, the_name_is_the_object_name_and_the_identity_hash);
    tcase_add_test(tc, names_are_dns_subdomains_of_at_most_253_characters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
