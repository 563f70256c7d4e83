/* flinkop-fetch, the real binary (FO_BIN_DIR), over http, https, file and local URIs, against the
 * local servers of tests/support/fetchtest: a jar, redirects, a 404 and a 403, a 503-then-200,
 * a body over --max-bytes, a server that stalls, an HTTPS server whose redirect to http must be
 * refused. Each run checks the exit status, the path on stdout, the saved bytes, and that no
 * temporary file is left in the destination. S3 is in test_artifact_fetch_s3.c. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/http_client.h"
#include "tests/support/fetchtest.h"
#include "tests/support/testutil.h"

/* ---- what the fetcher needs of common/http_client.c -----------------------------------------
 * fo_http_stream tells on_status the final response's status, not that of a redirect libcurl
 * follows (else the fetcher cannot judge the body). Checked in this process before the cases
 * that depend on it, so a regression names the client rather than the fetcher. */

static bool probe_status(void *ctx, const fo_http_head *head)
{
    *(int *)ctx = head->status;
    return true;
}

static bool probe_chunk(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return true;
}

static bool stream_reports_final_status(void)
{
    fo_err err;
    fo_http_client *c = fo_http_client_new(&(fo_http_client_opts){.max_redirects = 5}, &err);
    ck_assert_ptr_nonnull(c);
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/redirect/job.jar");
    int last = 0;
    fo_http_stream(c, u, NULL, 0, 10000, probe_status, probe_chunk, &last, NULL, &err);
    free(u);
    fo_http_client_free(c);
    return last == 200;
}

#define NEEDS_REDIRECT_STATUS()                                                                    \
    ck_assert_msg(stream_reports_final_status(),                                                   \
                  "common/http_client.c reports a followed redirect's status instead of the "      \
                  "final one")

START_TEST(a_jar_is_saved_under_its_name_and_the_path_printed)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/files/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "ok"), 1);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(flags_can_come_from_the_environment)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/files/job.jar");
    char e1[512], e2[512];
    snprintf(e1, sizeof e1, "FLINKOP_URI=%s", u);
    snprintf(e2, sizeof e2, "FLINKOP_DEST=%s", fo_ft.dest);
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){NULL}, (const char *[]){e1, e2, "FLINKOP_SHA256=" FO_FT_JAR_SHA256, NULL});
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_matching_sha256_is_accepted_in_either_case)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/files/job.jar");
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(FO_FT_JAR_SHA256[i] >= 'a' && FO_FT_JAR_SHA256[i] <= 'f'
                              ? FO_FT_JAR_SHA256[i] - 32
                              : FO_FT_JAR_SHA256[i]);
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--sha256", upper, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_sha256_mismatch_fails_and_keeps_nothing)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/files/job.jar");
    const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--sha256", wrong, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "SHA-256 mismatch"));
    ck_assert_ptr_nonnull(strstr(r.err, FO_FT_JAR_SHA256)); /* what was received */
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_redirect_is_followed_and_the_name_comes_from_the_uri)
{
    NEEDS_REDIRECT_STATUS();
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/redirect/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(five_redirects_are_followed_and_a_sixth_is_refused)
{
    NEEDS_REDIRECT_STATUS();
    char *five =
        fo_fetchtest_url("http", fo_ft.plain_port, "/chain/4/job.jar"); /* 4 + the last = 5 */
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", five, "--dest", fo_ft.dest, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    unlink(jar);
    char *six = fo_fetchtest_url("http", fo_ft.plain_port, "/chain/5/job.jar");
    r = fo_fetchtest_run((const char *[]){"--uri", six, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "redirect"));
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(five);
    free(six);
}
END_TEST

START_TEST(a_404_is_not_found_naming_the_url_and_not_retried)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/missing/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_str_eq(r.out, "");
    char want[512];
    snprintf(want, sizeof want, "GET %s: not found (HTTP 404)", u);
    ck_assert_msg(strstr(r.err, want) != NULL, "stderr:\n%s", r.err);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.missing_calls), 1);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, NULL), 1);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_403_is_access_denied_and_not_retried)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/forbidden/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "access denied (HTTP 403)"));
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.forbidden_calls), 1);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_503_and_a_429_are_retried_until_the_jar_comes)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/flaky/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.flaky_calls), 3);
    /* One log line per attempt: two retries, then ok. */
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "retry"), 2);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "ok"), 1);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_server_that_stays_down_is_given_up_on)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/down/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "3", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "HTTP 503"));
    int calls = fo_fetchtest_read_count(&fo_ft.down_calls);
    ck_assert_int_ge(calls, 2);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, NULL), calls);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_body_over_max_bytes_fails_and_keeps_nothing)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/big/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--max-bytes", "1048576", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "larger than 1048576 bytes (--max-bytes)"));
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    /* The same body fits under the default limit (1 GiB). */
    r = fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 0);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    struct stat st;
    ck_assert_int_eq(stat(jar, &st), 0);
    ck_assert_int_eq(st.st_size, FO_FT_BIG_BYTES);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_stalled_transfer_ends_at_the_timeout_and_keeps_nothing)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/slow/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "2", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "--timeout") != NULL, "stderr:\n%s", r.err);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(nothing_listening_is_a_fetch_failure)
{
    int port = fo_test_free_port();
    char *u = fo_fetchtest_url("http", port, "/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "2", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "onnect"));
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(sigterm_mid_transfer_leaves_no_temporary_file)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/slow/job.jar");
    char *bin = fo_test_bin_path("flinkop-fetch");
    char log[512];
    snprintf(log, sizeof log, "%s/fetch.log", fo_ft.work);
    char *argv[] = {bin, "--uri", u, "--dest", fo_ft.dest, NULL};
    pid_t pid = fo_test_spawn(argv, log);
    ck_assert_int_gt(pid, 0);
    /* Wait (for a real process) until the temporary file exists, the body having started. */
    char names[4096] = "";
    for (int i = 0; i < 600 && fo_fetchtest_dest_entries(names, sizeof names) == 0; i++)
        fo_test_sleep_ms(50);
    ck_assert_msg(strstr(names, ".flinkop-fetch.") != NULL, "DEST holds: %s", names);
    int st = fo_test_stop(pid, SIGTERM, 30000);
    ck_assert_msg(st != -1 && WIFEXITED(st), "did not exit on SIGTERM");
    ck_assert_int_eq(WEXITSTATUS(st), 1);
    fo_fetchtest_assert_dest_empty();
    free(bin);
    free(u);
}
END_TEST

/* ---- usage ---------------------------------------------------------------------------------- */

START_TEST(usage_errors_exit_2_before_any_request)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/missing/job.jar");
    const char *const *cases[] = {
        (const char *[]){"--dest", fo_ft.dest, NULL},
        (const char *[]){"--uri", u, NULL},
        (const char *[]){"--uri", "gs://bucket/job.jar", "--dest", fo_ft.dest, NULL},
        (const char *[]){"--uri", "https://h.example/jobs/", "--dest", fo_ft.dest, NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--sha256", "abc", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--max-bytes", "-1", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "0", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--log-level", "loud", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--s3-endpoint", "minio:9000", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--bogus", NULL},
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "extra", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_fetchtest_run_result r = fo_fetchtest_run(cases[i], NULL);
        ck_assert_msg(r.exit_code == 2, "case %zu: exit %d\n%s", i, r.exit_code, r.err);
        ck_assert_str_eq(r.out, "");
        fo_fetchtest_run_release(&r);
    }
    /* Only one of the two AWS keys. */
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "s3://b/k.jar", "--dest", fo_ft.dest, NULL},
                         (const char *[]){"AWS_ACCESS_KEY_ID=x", NULL});
    ck_assert_int_eq(r.exit_code, 2);
    fo_fetchtest_run_release(&r);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.missing_calls), 0);
    fo_fetchtest_assert_dest_empty();
    free(u);
}
END_TEST

START_TEST(help_prints_the_flags_and_exits_0)
{
    fo_fetchtest_run_result r = fo_fetchtest_run((const char *[]){"--help", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--s3-endpoint"));
    ck_assert_ptr_nonnull(strstr(r.out, "FLINKOP_SHA256"));
    fo_fetchtest_run_release(&r);
}
END_TEST

/* ---- file and local ------------------------------------------------------------------------- */

START_TEST(a_file_uri_is_copied_atomically_with_its_hash_checked)
{
    char *src = fo_test_data_path(FO_FT_JAR_FIXTURE);
    char *uri = NULL;
    ck_assert_int_ge(asprintf(&uri, "file://%s", src), 0);
    /* The fixture's name is not job.jar: copy it under its own name. */
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", uri, "--dest", fo_ft.dest, "--sha256", FO_FT_JAR_SHA256, NULL},
        NULL);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    char want[1024];
    snprintf(want, sizeof want, "%s/" FO_FT_JAR_FIXTURE "\n", fo_ft.dest);
    ck_assert_str_eq(r.out, want);
    fo_fetchtest_run_release(&r);
    char *missing = NULL;
    ck_assert_int_ge(asprintf(&missing, "file://%s/nope.jar", fo_ft.work), 0);
    r = fo_fetchtest_run((const char *[]){"--uri", missing, "--dest", fo_ft.work, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "not found"));
    fo_fetchtest_run_release(&r);
    free(missing);
    free(uri);
    free(src);
}
END_TEST

START_TEST(a_local_uri_is_only_checked_and_its_own_path_printed)
{
    char *src = fo_test_data_path(FO_FT_JAR_FIXTURE);
    char *uri = NULL;
    ck_assert_int_ge(asprintf(&uri, "local://%s", src), 0);
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", uri, "--sha256", FO_FT_JAR_SHA256, NULL}, NULL);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    char want[1024];
    snprintf(want, sizeof want, "%s\n", src);
    ck_assert_str_eq(r.out, want);
    fo_fetchtest_run_release(&r);
    r = fo_fetchtest_run((const char *[]){"--uri", "local:///nonexistent/flinkop/job.jar", NULL},
                         NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/flinkop/job.jar: not found"));
    fo_fetchtest_run_release(&r);
    free(uri);
    free(src);
}
END_TEST

/* ---- TLS ------------------------------------------------------------------------------------ */

START_TEST(https_is_verified_with_the_given_ca_and_never_redirected_to_http)
{
    fo_fetchtest_start_tls();
    char *u = fo_fetchtest_url("https", fo_ft.tls_port, "/files/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--ca-file", fo_ft.ca, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r);
    fo_fetchtest_run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", fo_ft.dest);
    unlink(jar);
    /* Without the CA the server is not trusted. */
    r = fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    /* An https URL redirected to http: refused, nothing saved. */
    char *down = fo_fetchtest_url("https", fo_ft.tls_port, "/tls-to-plain/job.jar");
    r = fo_fetchtest_run(
        (const char *[]){"--uri", down, "--dest", fo_ft.dest, "--ca-file", fo_ft.ca, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "refused") != NULL, "%s", r.err);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(down);
    free(u);
}
END_TEST

/* ---- hardening: what an attacker or a bad network can do ---------------------------------- */

/* DEST/job.jar holds exactly body (and nothing else is in DEST). */
static void assert_saved(const fo_fetchtest_run_result *r, const char *body)
{
    ck_assert_msg(r->exit_code == 0, "exit %d, stderr:\n%s", r->exit_code, r->err);
    char path[1024];
    snprintf(path, sizeof path, "%s/job.jar", fo_ft.dest);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char got[256] = "";
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    ck_assert_str_eq(got, body);
    char names[4096];
    ck_assert_int_eq(fo_fetchtest_dest_entries(names, sizeof names), 1);
}

/* The "error" line of stderr (the run's final word), or "". */
static const char *error_line(const char *err, char *buf, size_t n)
{
    const char *l = strstr(err, "\"level\":\"error\"");
    buf[0] = '\0';
    if (l) {
        while (l > err && l[-1] != '\n')
            l--;
        snprintf(buf, n, "%.*s", (int)strcspn(l, "\n"), l);
    }
    return buf;
}

#define FULL_REPLY "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nfull body"

START_TEST(a_200_cut_short_of_its_content_length_is_retried_and_never_saved)
{
    static const char *const replies[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nPK only the start",
        FULL_REPLY};
    fo_fetchtest_raw_start(replies, 2);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    assert_saved(&r, "full body");
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.raw_conns), 2);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "retry"), 1);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_chunked_200_without_its_last_chunk_is_retried_and_never_saved)
{
    static const char *const replies[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "a\r\nPK partial\r\n",
        FULL_REPLY};
    fo_fetchtest_raw_start(replies, 2);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    assert_saved(&r, "full body");
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.raw_conns), 2);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* Only a 200 is the whole artifact: a 206 is a piece of it, a 204 nothing at all. */
START_TEST(a_2xx_other_than_200_is_not_saved_as_the_jar)
{
    static const char *const replies[] = {
        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/100\r\nContent-Length: 5\r\n"
        "Connection: close\r\n\r\nPK...",
        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"};
    fo_fetchtest_raw_start(replies, 2);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    const char *status[] = {"HTTP 206", "HTTP 204"};
    for (int i = 0; i < 2; i++) {
        fo_fetchtest_run_result r =
            fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
        ck_assert_msg(r.exit_code == 1, "exit %d\n%s", r.exit_code, r.err);
        ck_assert_msg(strstr(r.err, status[i]) != NULL, "%s", r.err);
        ck_assert_str_eq(r.out, "");
        fo_fetchtest_assert_dest_empty();
        fo_fetchtest_run_release(&r);
    }
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.raw_conns), 2); /* neither is retried */
    free(u);
}
END_TEST

/* A Content-Length over --max-bytes is refused from the head, before any byte of the body
 * (the server here sends none and then closes: a fetcher that waited for the body would see a
 * broken transfer and retry), and a too large artifact is not retried. */
START_TEST(an_announced_size_over_the_limit_is_refused_before_the_body)
{
    static const char *const replies[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\nConnection: close\r\n\r\n"};
    fo_fetchtest_raw_start(replies, 1);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--max-bytes", "1000", NULL}, NULL);
    ck_assert_msg(r.exit_code == 1, "exit %d\n%s", r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, "larger than 1000 bytes (--max-bytes)") != NULL, "%s", r.err);
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "retry"), 0);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.raw_conns), 1);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* A 503 with Retry-After: the next attempt waits as long as asked, not the shorter backoff
 * (500 ms); the attempt's log line says how long. */
START_TEST(retry_after_sets_the_wait_before_the_next_attempt)
{
    static const char *const replies[] = {
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n",
        FULL_REPLY};
    fo_fetchtest_raw_start(replies, 2);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    assert_saved(&r, "full body");
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "retry"), 1);
    ck_assert_msg(strstr(r.err, "\"retry_in_ms\":2000") != NULL, "%s", r.err);
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* A Retry-After past --timeout (here one no client should honour: capped at a day) ends the
 * run at once with a timeout that says why, instead of sleeping or overflowing. */
START_TEST(a_retry_after_past_the_timeout_ends_the_run_and_says_so)
{
    static const char *const replies[] = {
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 9223372036854775807\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n"};
    fo_fetchtest_raw_start(replies, 1);
    char *u = fo_fetchtest_url("http", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "60", NULL}, NULL);
    ck_assert_msg(r.exit_code == 1, "exit %d\n%s", r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, "the server asks to come back in 86400 s") != NULL, "%s", r.err);
    ck_assert_int_eq(fo_fetchtest_read_count(&fo_ft.raw_conns), 1);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* A server that accepts and never answers the TLS handshake ends an attempt at libcurl's
 * connect timeout (5 s), long before --timeout: that attempt is retried, and the run still
 * ends at --timeout. */
START_TEST(a_connect_timeout_is_retried_within_the_overall_timeout)
{
    static const char *const replies[] = {NULL};
    fo_fetchtest_raw_start(replies, 1);
    char *u = fo_fetchtest_url("https", fo_ft.raw_port, "/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--timeout", "7", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(fo_fetchtest_read_count(&fo_ft.raw_conns) >= 2, "%s", r.err);
    ck_assert_int_ge(fo_fetchtest_attempt_lines(r.err, "retry"), 1);
    ck_assert_msg(strstr(r.err, "(--timeout)") != NULL, "%s", r.err);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_presigned_query_never_appears_in_the_output)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port,
                               "/missing/job.jar?X-Amz-Signature=" FO_FT_PRESIGNED_SIG);
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "/missing/job.jar?...") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, FO_FT_PRESIGNED_SIG) == NULL, "%s", r.err);
    fo_fetchtest_run_release(&r);
    free(u);
    /* Nor the query of a redirect's target, here one refused (https to http). */
    fo_fetchtest_start_tls();
    u = fo_fetchtest_url("https", fo_ft.tls_port, "/tls-to-presigned/job.jar");
    r = fo_fetchtest_run(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, "--ca-file", fo_ft.ca, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "refused") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, FO_FT_PRESIGNED_SIG) == NULL, "%s", r.err);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* A full disk: a write that fails (here EFBIG under RLIMIT_FSIZE, as ENOSPC would) ends the
 * fetch at once, names the URL and the cause, and removes the temporary file. */
START_TEST(a_failed_write_is_reported_with_the_url_and_leaves_nothing)
{
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/big/job.jar");
    fo_fetchtest_run_result r = fo_fetchtest_run_limited(
        (const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL, 64 * 1024);
    ck_assert_int_eq(r.exit_code, 1);
    char line[4096];
    error_line(r.err, line, sizeof line);
    ck_assert_msg(strstr(line, "File too large") != NULL, "%s", r.err);
    ck_assert_msg(strstr(line, "GET ") && strstr(strstr(line, "GET "), u), "%s", r.err);
    ck_assert_msg(strstr(line, ".flinkop-fetch.") == NULL, "%s", r.err); /* the URL, not a tmp */
    ck_assert_int_eq(fo_fetchtest_attempt_lines(r.err, "retry"), 0);
    fo_fetchtest_assert_dest_empty();
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

/* DEST/job.jar already a symlink to a file elsewhere: the link is replaced, the file it points
 * to is never written. */
START_TEST(a_symlink_in_dest_is_replaced_not_written_through)
{
    char victim[1024], link[1024];
    snprintf(victim, sizeof victim, "%s/victim", fo_ft.work);
    snprintf(link, sizeof link, "%s/job.jar", fo_ft.dest);
    FILE *f = fopen(victim, "w");
    ck_assert_ptr_nonnull(f);
    fputs("precious\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(victim, link), 0);
    char *u = fo_fetchtest_url("http", fo_ft.plain_port, "/files/job.jar");
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", u, "--dest", fo_ft.dest, NULL}, NULL);
    fo_fetchtest_assert_fetched(&r); /* a regular file now */
    f = fopen(victim, "r");
    char got[64] = "";
    ck_assert_ptr_nonnull(fgets(got, sizeof got, f));
    fclose(f);
    ck_assert_str_eq(got, "precious\n");
    fo_fetchtest_run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_failure_names_the_uri_it_was_fetching)
{
    char missing[1024];
    snprintf(missing, sizeof missing, "%s/no-such-dir", fo_ft.work);
    fo_fetchtest_run_result r =
        fo_fetchtest_run((const char *[]){"--uri", "https://alice:pw@h.example/jobs/job.jar?sig=x",
                                          "--dest", missing, NULL},
                         NULL);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert_msg(strstr(r.err, "h.example/jobs/job.jar") != NULL, "%s", r.err);
    ck_assert_ptr_null(strstr(r.err, "pw@"));
    fo_fetchtest_run_release(&r);
    r = fo_fetchtest_run(
        (const char *[]){"--uri", "https://h.example/jobs/job.jar?sig=x", "--dest", missing, NULL},
        NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "https://h.example/jobs/job.jar?...") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "no-such-dir") != NULL, "%s", r.err);
    fo_fetchtest_run_release(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("artifact_fetch");
    TCase *http = tcase_create("http");
    tcase_add_checked_fixture(http, fo_fetchtest_setup, fo_fetchtest_teardown);
    tcase_set_timeout(http, 120);
    tcase_add_test(http, a_jar_is_saved_under_its_name_and_the_path_printed);
    tcase_add_test(http, flags_can_come_from_the_environment);
    tcase_add_test(http, a_matching_sha256_is_accepted_in_either_case);
    tcase_add_test(http, a_sha256_mismatch_fails_and_keeps_nothing);
    tcase_add_test(http, a_redirect_is_followed_and_the_name_comes_from_the_uri);
    tcase_add_test(http, five_redirects_are_followed_and_a_sixth_is_refused);
    tcase_add_test(http, a_404_is_not_found_naming_the_url_and_not_retried);
    tcase_add_test(http, a_403_is_access_denied_and_not_retried);
    tcase_add_test(http, a_503_and_a_429_are_retried_until_the_jar_comes);
    tcase_add_test(http, a_server_that_stays_down_is_given_up_on);
    tcase_add_test(http, a_body_over_max_bytes_fails_and_keeps_nothing);
    tcase_add_test(http, a_stalled_transfer_ends_at_the_timeout_and_keeps_nothing);
    tcase_add_test(http, nothing_listening_is_a_fetch_failure);
    tcase_add_test(http, sigterm_mid_transfer_leaves_no_temporary_file);
    tcase_add_test(http, usage_errors_exit_2_before_any_request);
    tcase_add_test(http, help_prints_the_flags_and_exits_0);
    tcase_add_test(http, a_file_uri_is_copied_atomically_with_its_hash_checked);
    tcase_add_test(http, a_local_uri_is_only_checked_and_its_own_path_printed);
    tcase_add_test(http, https_is_verified_with_the_given_ca_and_never_redirected_to_http);
    suite_add_tcase(s, http);
    TCase *hard = tcase_create("hardening");
    tcase_add_checked_fixture(hard, fo_fetchtest_setup, fo_fetchtest_teardown);
    tcase_set_timeout(hard, 120);
    tcase_add_test(hard, a_200_cut_short_of_its_content_length_is_retried_and_never_saved);
    tcase_add_test(hard, a_chunked_200_without_its_last_chunk_is_retried_and_never_saved);
    tcase_add_test(hard, a_2xx_other_than_200_is_not_saved_as_the_jar);
    tcase_add_test(hard, an_announced_size_over_the_limit_is_refused_before_the_body);
    tcase_add_test(hard, retry_after_sets_the_wait_before_the_next_attempt);
    tcase_add_test(hard, a_retry_after_past_the_timeout_ends_the_run_and_says_so);
    tcase_add_test(hard, a_connect_timeout_is_retried_within_the_overall_timeout);
    tcase_add_test(hard, a_presigned_query_never_appears_in_the_output);
    tcase_add_test(hard, a_failed_write_is_reported_with_the_url_and_leaves_nothing);
    tcase_add_test(hard, a_symlink_in_dest_is_replaced_not_written_through);
    tcase_add_test(hard, a_failure_names_the_uri_it_was_fetching);
    suite_add_tcase(s, hard);
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
