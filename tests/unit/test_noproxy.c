/* common/noproxy: the NO_PROXY list as libcurl documents it (CURLOPT_NOPROXY: host names match
 * themselves and their subdomains, "*" alone matches every host, addresses match exactly or by
 * CIDR since 7.86.0) and implements it in lib/noproxy.c. */
#include <check.h>
#include <stdlib.h>

#include "common/noproxy.h"

START_TEST(a_name_matches_itself_and_its_subdomains_only)
{
    ck_assert(fo_noproxy_matches("example.com", "example.com"));
    ck_assert(fo_noproxy_matches("www.example.com", "example.com"));
    ck_assert(fo_noproxy_matches("www.example.com", ".example.com"));
    ck_assert(fo_noproxy_matches("EXAMPLE.com", "example.COM"));
    ck_assert(fo_noproxy_matches("example.com.", "example.com"));
    ck_assert(fo_noproxy_matches("example.com", "example.com."));
    ck_assert(!fo_noproxy_matches("nonexample.com", "example.com"));
    ck_assert(!fo_noproxy_matches("example.com", "www.example.com"));
    ck_assert(!fo_noproxy_matches("example.org", "example.com"));
}
END_TEST

START_TEST(patterns_are_separated_by_commas_or_blanks)
{
    ck_assert(fo_noproxy_matches("api.internal", "localhost,127.0.0.1,api.internal"));
    ck_assert(fo_noproxy_matches("api.internal", " localhost , api.internal "));
    ck_assert(fo_noproxy_matches("api.internal", "localhost\tapi.internal"));
    ck_assert(fo_noproxy_matches("api.internal", ",,api.internal,,"));
    ck_assert(!fo_noproxy_matches("api.internal", "localhost,127.0.0.1"));
}
END_TEST

START_TEST(a_lone_star_matches_every_host)
{
    ck_assert(fo_noproxy_matches("example.com", "*"));
    ck_assert(fo_noproxy_matches("10.1.2.3", "*"));
    ck_assert(fo_noproxy_matches("[::1]", "*"));
    /* only alone: in a list it is one more name */
    ck_assert(!fo_noproxy_matches("example.com", "localhost,*"));
}
END_TEST

START_TEST(an_empty_list_or_host_matches_nothing)
{
    ck_assert(!fo_noproxy_matches("example.com", NULL));
    ck_assert(!fo_noproxy_matches("example.com", ""));
    ck_assert(!fo_noproxy_matches("example.com", " , "));
    ck_assert(!fo_noproxy_matches("", "*"));
    ck_assert(!fo_noproxy_matches(NULL, "*"));
}
END_TEST

START_TEST(an_ipv4_address_matches_an_equal_one_or_a_cidr_range)
{
    ck_assert(fo_noproxy_matches("127.0.0.1", "127.0.0.1"));
    ck_assert(fo_noproxy_matches("10.96.0.1", "10.0.0.0/8"));
    ck_assert(fo_noproxy_matches("192.168.7.9", "192.168.0.0/16"));
    ck_assert(fo_noproxy_matches("192.168.7.9", "192.168.7.9/32"));
    ck_assert(!fo_noproxy_matches("192.169.7.9", "192.168.0.0/16"));
    ck_assert(!fo_noproxy_matches("10.0.0.2", "10.0.0.1"));
    ck_assert(!fo_noproxy_matches("10.0.0.2", "10.0.0.0/33"));
    /* an address is never read as a name: "0.0.1" is no parent domain of it */
    ck_assert(!fo_noproxy_matches("127.0.0.1", "0.0.1"));
    ck_assert(!fo_noproxy_matches("127.0.0.1", "localhost"));
}
END_TEST

START_TEST(an_ipv6_address_matches_an_equal_one_or_a_cidr_range)
{
    ck_assert(fo_noproxy_matches("[::1]", "::1"));
    ck_assert(fo_noproxy_matches("::1", "::1"));
    ck_assert(fo_noproxy_matches("[fd12:3456::1]", "fd00::/8"));
    /* a prefix that ends inside a byte: fc00::/7 holds fc.. and fd.., not fe.. */
    ck_assert(fo_noproxy_matches("[fd12::1]", "fc00::/7"));
    ck_assert(fo_noproxy_matches("[fc12::1]", "fc00::/7"));
    ck_assert(!fo_noproxy_matches("[fe80::1]", "fc00::/7"));
    ck_assert(!fo_noproxy_matches("[::2]", "::1"));
    ck_assert(!fo_noproxy_matches("[::1]", "127.0.0.1"));
    ck_assert(!fo_noproxy_matches("[not-an-address]", "not-an-address"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("noproxy");
    TCase *tc = tcase_create("noproxy");
    tcase_add_test(tc, a_name_matches_itself_and_its_subdomains_only);
    tcase_add_test(tc, patterns_are_separated_by_commas_or_blanks);
    tcase_add_test(tc, a_lone_star_matches_every_host);
    tcase_add_test(tc, an_empty_list_or_host_matches_nothing);
    tcase_add_test(tc, an_ipv4_address_matches_an_equal_one_or_a_cidr_range);
    tcase_add_test(tc, an_ipv6_address_matches_an_equal_one_or_a_cidr_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
