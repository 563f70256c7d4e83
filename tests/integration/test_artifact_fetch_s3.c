/* flinkop-fetch, the real binary (FO_BIN_DIR), over s3, s3a and s3p URIs against the fake S3 of
 * tests/support/fetchtest (path-style, as with --s3-endpoint), which checks every request's AWS
 * SigV4 Authorization with the independent verifier of tests/support/sigv4 (itself checked
 * against AWS's published example). Credentials never appear in what the program writes. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/http_client.h"
#include "tests/support/fetchtest.h"
#include "tests/support/testutil.h"

/* ---- what the fetcher needs of common/http_client.c -----------------------------------------
 * libcurl signs only headers that are sent: libcurl 7.88 lists a suppressed "Expect:" in the
 * SigV4 SignedHeaders without sending it (curl issue 11664, fixed in 8.3.0), so the client must
 * not add "Expect:" to requests without a body. Checked in this process first, so a regression
 * names the client rather than the fetcher. */

static bool sigv4_signs_only_sent_headers(void)
{
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:us-east-1:s3",
                             .aws_access_key_id = "AKIDPROBE",
                             .aws_secret_access_key = "probe"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_ptr_nonnull(c);
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/probe/sigv4");
    fo_http_result res;
    fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 10000, &res, &err);
    bool ok = res.status == 200 && res.body.data && !strcmp(res.body.data, "ok");
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    return ok;
}

#define NEEDS_SIGV4_FIX()                                                                          \
    ck_assert_msg(sigv4_signs_only_sent_headers(),                                                 \
                  "common/http_client.c has libcurl sign an \"Expect:\" it never sends")

/* ---- S3 ------------------------------------------------------------------------------------- */

static void set_region(const char *region)
{
    pthread_mutex_lock(&fo_ft.mu);
    fo_ft.region = region;
    pthread_mutex_unlock(&fo_ft.mu);
}

static char *endpoint(void)
{
    return fo_fetchtest_url("http", fo_ft.plain_port, "");
}

START_TEST(a_signed_s3_get_passes_an_independent_sigv4_check)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest",
                                          fo_ft.dest, "--s3-endpoint", ep, NULL},
                         (const char *[]){"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                                          "AWS_SECRET_ACCESS_KEY=" FO_FT_S3_SECRET,
                                          "AWS_REGION=" FO_FT_S3_REGION, NULL});
    fo_fetchtest_assert_fetched(&r);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.s3_refused), 0);
    ck_assert_str_eq(fo_ft.s3_last_path, "/private-bucket/jobs/job.jar");
    ck_assert_str_eq(fo_ft.s3_last_token, "");
    /* The secret is never logged. */
    ck_assert_ptr_null(strstr(r.err, FO_FT_S3_SECRET));
    fo_fetchtest_run_release(&r);
    free(ep);
}
END_TEST

START_TEST(s3a_and_s3p_and_an_encoded_key_are_signed_the_same_way)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    const char *uris[] = {"s3a://private-bucket/jobs/job.jar", "s3p://private-bucket/jobs/job.jar"};
    const char *const envs[] = {"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                                "AWS_SECRET_ACCESS_KEY=" FO_FT_S3_SECRET,
                                "AWS_REGION=" FO_FT_S3_REGION, NULL};
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    for (size_t i = 0; i < 2; i++) {
        fo_fetchtest_run_result r = fo_fetchtest_run(
            (const char *[]){"--uri", uris[i], "--dest", fo_ft.dest, "--s3-endpoint", ep, NULL},
            envs);
        fo_fetchtest_assert_fetched(&r);
        fo_fetchtest_run_release(&r);
        unlink(jar);
    }
    /* A key with a space and a '+': sent as AWS encodes it, and the signature still holds. */
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "s3://private-bucket/jobs/my%20job+1.jar",
                                          "--dest", fo_ft.dest, "--s3-endpoint", ep, NULL},
                         envs);
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, fo_ft.s3_last_why);
    ck_assert_str_eq(fo_ft.s3_last_path, "/private-bucket/jobs/my%20job%2B1.jar");
    fo_fetchtest_run_release(&r);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.s3_refused), 0);
    free(ep);
}
END_TEST

START_TEST(a_wrong_secret_is_refused_403_and_reported)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest",
                                          fo_ft.dest, "--s3-endpoint", ep, NULL},
                         (const char *[]){"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                                          "AWS_SECRET_ACCESS_KEY=not-the-secret",
                                          "AWS_REGION=" FO_FT_S3_REGION, NULL});
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(fo_ft.s3_last_why, "SignatureDoesNotMatch"));
    ck_assert_msg(strstr(r.err, "access denied (HTTP 403) (SignatureDoesNotMatch") != NULL, "%s",
                  r.err);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.s3_calls), 1); /* a 403 is not retried */
    ck_assert_ptr_null(strstr(r.err, "not-the-secret"));
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(ep);
}
END_TEST

START_TEST(a_session_token_is_sent_and_signed)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest", fo_ft.dest,
                         "--s3-endpoint", ep, NULL},
        (const char *[]){"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                         "AWS_SECRET_ACCESS_KEY=" FO_FT_S3_SECRET,
                         "AWS_SESSION_TOKEN=" FO_FT_S3_TOKEN, "AWS_REGION=" FO_FT_S3_REGION, NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, fo_ft.s3_last_why);
    ck_assert_str_eq(fo_ft.s3_last_token, FO_FT_S3_TOKEN);
    ck_assert_ptr_null(strstr(r.err, FO_FT_S3_TOKEN));
    fo_fetchtest_run_release(&r);
    free(ep);
}
END_TEST

START_TEST(the_region_falls_back_to_aws_default_region_then_us_east_1)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    const char *const *uri_args = (const char *[]){
        "--uri", "s3://private-bucket/jobs/job.jar", "--dest", fo_ft.dest, "--s3-endpoint", ep,
        NULL};
    set_region("ap-south-1");
    fo_fetchtest_run_result r =
        fo_fetchtest_run(uri_args, (const char *[]){"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                                                    "AWS_SECRET_ACCESS_KEY=" FO_FT_S3_SECRET,
                                                    "AWS_DEFAULT_REGION=ap-south-1", NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, fo_ft.s3_last_why);
    fo_fetchtest_run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    unlink(jar);
    set_region("us-east-1");
    r = fo_fetchtest_run(uri_args,
                         (const char *[]){"AWS_ACCESS_KEY_ID=" FO_FT_S3_KEY_ID,
                                          "AWS_SECRET_ACCESS_KEY=" FO_FT_S3_SECRET, NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, fo_ft.s3_last_why);
    fo_fetchtest_run_release(&r);
    free(ep);
}
END_TEST

START_TEST(without_credentials_requests_go_unsigned)
{
    char *ep = endpoint();
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "s3://public-bucket/jobs/job.jar", "--dest",
                                          fo_ft.dest, "--s3-endpoint", ep, NULL},
                         NULL);
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    unlink(jar);
    r = fo_fetchtest_run((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest",
                                          fo_ft.dest, "--s3-endpoint", ep, NULL},
                         NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "(AccessDenied"));
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    /* A missing key is S3's 404 NoSuchKey. */
    r = fo_fetchtest_run((const char *[]){"--uri", "s3://public-bucket/jobs/none.jar", "--dest",
                                          fo_ft.dest, "--s3-endpoint", ep, NULL},
                         NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "not found (HTTP 404) (NoSuchKey"));
    fo_fetchtest_run_release(&r);
    free(ep);
}
END_TEST
/* --s3-endpoint is printed in every log line: credentials in it are refused, unquoted. */
START_TEST(an_endpoint_with_user_information_or_a_query_is_a_usage_error)
{
    char *ep1 = fo_fetchtest_url("http", fo_ft.plain_port, "");
    char ep[512], ep2[512];
    snprintf(ep, sizeof ep, "http://minio:s3cr3tpw@127.0.0.1:%d", fo_ft.plain_port);
    snprintf(ep2, sizeof ep2, "%s/?token=s3cr3tpw", ep1);
    const char *eps[] = {ep, ep2};
    for (int i = 0; i < 2; i++) {
        fo_fetchtest_run_result r =
            fo_fetchtest_run((const char *[]){"--uri", "s3://public-bucket/jobs/job.jar", "--dest",
                                              fo_ft.dest, "--s3-endpoint", eps[i], NULL},
                             NULL);
        ck_assert_msg(r.exit_code == 2, "exit %d\n%s", r.exit_code, r.err);
        ck_assert_msg(strstr(r.err, "s3cr3tpw") == NULL, "%s", r.err);
        ck_assert_msg(strstr(r.err, "--s3-endpoint") != NULL, "%s", r.err);
        fo_fetchtest_run_release(&r);
    }
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.s3_calls), 0);
    free(ep1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("artifact_fetch_s3");
    TCase *s3 = tcase_create("s3");
    tcase_add_checked_fixture(s3, fo_fetchtest_setup, fo_fetchtest_teardown);
    tcase_set_timeout(s3, 120);
    tcase_add_test(s3, a_signed_s3_get_passes_an_independent_sigv4_check);
    tcase_add_test(s3, s3a_and_s3p_and_an_encoded_key_are_signed_the_same_way);
    tcase_add_test(s3, a_wrong_secret_is_refused_403_and_reported);
    tcase_add_test(s3, a_session_token_is_sent_and_signed);
    tcase_add_test(s3, the_region_falls_back_to_aws_default_region_then_us_east_1);
    tcase_add_test(s3, without_credentials_requests_go_unsigned);
    tcase_add_test(s3, an_endpoint_with_user_information_or_a_query_is_a_usage_error);
    suite_add_tcase(s, s3);
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
