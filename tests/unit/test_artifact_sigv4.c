/* The fake S3 server's SigV4 verifier (tests/support/sigv4) against the example AWS publishes
 * in the Amazon S3 API Reference, "Signature Calculations for the Authorization Header:
 * Transferring Payload in a Single Chunk", Example: GET Object (the first 10 bytes of test.txt
 * in examplebucket, 20130524T000000Z, us-east-1, the documentation's example key pair). Every
 * expected value below is copied from that page; if the verifier reproduces them, the
 * artifact-fetch suite can trust it to judge libcurl's signatures. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/support/sigv4.h"

#define EXAMPLE_KEY "AKIAIOSFODNN7EXAMPLE"
#define EXAMPLE_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char published_canonical_request[] =
    "GET\n"
    "/test.txt\n"
    "\n"
    "host:examplebucket.s3.amazonaws.com\n"
    "range:bytes=0-9\n"
    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-amz-date:20130524T000000Z\n"
    "\n"
    "host;range;x-amz-content-sha256;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static const char published_string_to_sign[] =
    "AWS4-HMAC-SHA256\n"
    "20130524T000000Z\n"
    "20130524/us-east-1/s3/aws4_request\n"
    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972";

static const char published_signature[] =
    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

static const char published_authorization[] =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

/* The example request's headers (as a server sees them: names case-insensitive). */
typedef struct hdrs {
    const char *names[8];
    const char *values[8];
} hdrs;

static const char *lookup(void *ctx, const char *name)
{
    const hdrs *h = ctx;
    for (int i = 0; h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0)
            return h->values[i];
    return NULL;
}

static hdrs example(const char *authorization)
{
    hdrs h = {{"Host", "Range", "x-amz-content-sha256", "x-amz-date", "Authorization", NULL},
              {"examplebucket.s3.amazonaws.com", "bytes=0-9", EMPTY_SHA256, "20130524T000000Z",
               authorization, NULL}};
    return h;
}

START_TEST(the_empty_payload_hash_is_the_published_one)
{
    char h[65];
    fo_test_sha256_hex("", 0, h);
    ck_assert_str_eq(h, EMPTY_SHA256);
}
END_TEST

START_TEST(canonical_request_matches_the_published_example)
{
    hdrs h = example(published_authorization);
    char *creq = fo_test_sigv4_canonical_request("GET", "/test.txt", "",
                                                 "host;range;x-amz-content-sha256;x-amz-date",
                                                 lookup, &h, EMPTY_SHA256);
    ck_assert_str_eq(creq, published_canonical_request);
    free(creq);
}
END_TEST

START_TEST(string_to_sign_matches_the_published_example)
{
    char *sts = fo_test_sigv4_string_to_sign(
        "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", published_canonical_request);
    ck_assert_str_eq(sts, published_string_to_sign);
    free(sts);
}
END_TEST

START_TEST(signature_matches_the_published_example)
{
    char sig[65];
    fo_test_sigv4_signature(EXAMPLE_SECRET, "20130524", "us-east-1", "s3", published_string_to_sign,
                            sig);
    ck_assert_str_eq(sig, published_signature);
}
END_TEST

START_TEST(the_published_request_verifies)
{
    hdrs h = example(published_authorization);
    char why[4096] = "";
    ck_assert_msg(fo_test_sigv4_verify("GET", "/test.txt", "", lookup, &h, EXAMPLE_KEY,
                                       EXAMPLE_SECRET, "us-east-1", why, sizeof why),
                  "%s", why);
}
END_TEST

START_TEST(a_wrong_secret_or_a_changed_request_does_not_verify)
{
    hdrs h = example(published_authorization);
    char why[4096] = "";
    ck_assert(!fo_test_sigv4_verify("GET", "/test.txt", "", lookup, &h, EXAMPLE_KEY,
                                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY", "us-east-1", why,
                                    sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "SignatureDoesNotMatch"));
    /* Another object under the same signature. */
    ck_assert(!fo_test_sigv4_verify("GET", "/other.txt", "", lookup, &h, EXAMPLE_KEY,
                                    EXAMPLE_SECRET, "us-east-1", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "SignatureDoesNotMatch"));
    /* Another region in the scope. */
    ck_assert(!fo_test_sigv4_verify("GET", "/test.txt", "", lookup, &h, EXAMPLE_KEY, EXAMPLE_SECRET,
                                    "eu-west-1", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "credential"));
}
END_TEST

START_TEST(unsigned_amz_headers_and_missing_headers_are_refused)
{
    /* A session token present but left out of SignedHeaders. */
    hdrs h = {{"Host", "Range", "x-amz-content-sha256", "x-amz-date", "Authorization",
               "x-amz-security-token", NULL},
              {"examplebucket.s3.amazonaws.com", "bytes=0-9", EMPTY_SHA256, "20130524T000000Z",
               published_authorization, "token", NULL}};
    char why[4096] = "";
    ck_assert(!fo_test_sigv4_verify("GET", "/test.txt", "", lookup, &h, EXAMPLE_KEY, EXAMPLE_SECRET,
                                    "us-east-1", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "x-amz-security-token is not signed"));
    /* No Authorization at all. */
    hdrs none = {{"Host", NULL}, {"examplebucket.s3.amazonaws.com", NULL}};
    ck_assert(!fo_test_sigv4_verify("GET", "/test.txt", "", lookup, &none, EXAMPLE_KEY,
                                    EXAMPLE_SECRET, "us-east-1", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "AccessDenied"));
}
END_TEST

START_TEST(values_are_trimmed_and_the_query_sorted)
{
    hdrs h = {{"Host", "X-Amz-Date", NULL}, {"  h.example  ", "a   b", NULL}};
    char *creq = fo_test_sigv4_canonical_request("GET", "/k", "b=2&a=1&c", "host;x-amz-date",
                                                 lookup, &h, "UNSIGNED-PAYLOAD");
    ck_assert_str_eq(creq, "GET\n/k\na=1&b=2&c=\nhost:h.example\nx-amz-date:a b\n\n"
                           "host;x-amz-date\nUNSIGNED-PAYLOAD");
    free(creq);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("artifact_sigv4");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, the_empty_payload_hash_is_the_published_one);
    tcase_add_test(tc, canonical_request_matches_the_published_example);
    tcase_add_test(tc, string_to_sign_matches_the_published_example);
    tcase_add_test(tc, signature_matches_the_published_example);
    tcase_add_test(tc, the_published_request_verifies);
    tcase_add_test(tc, a_wrong_secret_or_a_changed_request_does_not_verify);
    tcase_add_test(tc, unsigned_amz_headers_and_missing_headers_are_refused);
    tcase_add_test(tc, values_are_trimmed_and_the_query_sorted);
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
