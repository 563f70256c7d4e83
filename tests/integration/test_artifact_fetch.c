/* flinkop-fetch, the real binary (FO_BIN_DIR), against local servers: a plain HTTP server with
 * a jar, a redirect, a 404, a 503-then-200, a body over --max-bytes and a server that stalls;
 * an HTTPS server whose redirect to http must be refused; a fake S3 (path-style, as with
 * --s3-endpoint) that checks every request's AWS SigV4 Authorization with the independent
 * verifier of tests/support/sigv4 (itself checked against AWS's published example). Each run
 * checks the exit status, the path on stdout, the saved bytes, and that no temporary file is
 * left in the destination. The served jar is tests/data/artifact-fetch-job.jar; its SHA-256
 * below was computed with sha256sum. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/http_client.h"
#include "common/httpd.h"
#include "tests/support/sigv4.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

#define JAR_FIXTURE "artifact-fetch-job.jar"
#define JAR_SHA256 "7c809087275e25497a2b2fe8241416c45510f4a56bceb3af4665b59e4049ad68"
#define BIG_BYTES (2u * 1024 * 1024)
#define S3_KEY_ID "AKIDFLINKOPTEST0001"
#define S3_SECRET "flinkop/test/secret+key/0123456789abcdef"
#define S3_REGION "eu-central-1"
#define S3_TOKEN "FwoGZXIvYXdzEXAMPLEsessiontoken//+=="

extern char **environ;

/* ---- the servers ---------------------------------------------------------------------------- */

typedef struct server_state {
    pthread_mutex_t mu;
    char *jar;
    size_t jar_len;
    int plain_port, tls_port;
    int flaky_calls, forbidden_calls, missing_calls, down_calls;
    /* fake S3 */
    const char *region;
    int s3_calls, s3_refused;
    char s3_last_token[128];
    char s3_last_why[1024];
    char s3_last_path[512];
} server_state;

static server_state g = {.mu = PTHREAD_MUTEX_INITIALIZER};
static fo_httpd *g_plain, *g_tls;
static fo_certwatch *g_cw;
static fo_testcerts *g_certs;
static char *g_dest, *g_work, *g_ca;

static void count(int *n)
{
    pthread_mutex_lock(&g.mu);
    (*n)++;
    pthread_mutex_unlock(&g.mu);
}

static int read_count(const int *n)
{
    pthread_mutex_lock(&g.mu);
    int v = *n;
    pthread_mutex_unlock(&g.mu);
    return v;
}

static void serve_jar(fo_http_response *resp)
{
    char *body = malloc(g.jar_len);
    memcpy(body, g.jar, g.jar_len);
    fo_http_response_take_body(resp, 200, "application/java-archive", body, g.jar_len);
}

static void redirect(fo_http_response *resp, int status, const char *scheme, int port,
                     const char *path)
{
    char loc[256];
    snprintf(loc, sizeof loc, "%s://127.0.0.1:%d%s", scheme, port, path);
    fo_http_response_header(resp, "Location", loc);
    fo_http_response_text(resp, status, "text/plain", "moved\n");
}

/* A body that starts and then never ends (until the client goes away). */
static ssize_t stall(void *ctx, char *buf, size_t max)
{
    int *sent = ctx;
    if (!*sent && max >= 4) {
        *sent = 1;
        memcpy(buf, "PK\3\4", 4);
        return 4;
    }
    fo_test_sleep_ms(200);
    return 0;
}

static const char *req_header(void *ctx, const char *name)
{
    return fo_http_request_header(ctx, name);
}

static void s3_error(fo_http_response *resp, int status, const char *code, const char *msg)
{
    char body[1024];
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s"
             "</Message></Error>",
             code, msg);
    fo_http_response_text(resp, status, "application/xml", body);
}

/* Path-style S3: /<bucket>/<key>. "public-bucket" answers anyone; "private-bucket" only
 * requests signed with S3_KEY_ID / S3_SECRET for g.region. */
static void fake_s3(const fo_http_request *req, fo_http_response *resp)
{
    count(&g.s3_calls);
    pthread_mutex_lock(&g.mu);
    snprintf(g.s3_last_path, sizeof g.s3_last_path, "%s", req->path);
    const char *tok = fo_http_request_header(req, "x-amz-security-token");
    snprintf(g.s3_last_token, sizeof g.s3_last_token, "%s", tok ? tok : "");
    const char *region = g.region;
    pthread_mutex_unlock(&g.mu);
    bool public = strncmp(req->path, "/public-bucket/", 15) == 0;
    bool signed_req = fo_http_request_header(req, "authorization") != NULL;
    if (!public || signed_req) {
        char why[4096] = "";
        bool ok =
            signed_req && fo_test_sigv4_verify(req->method, req->path, "", req_header, (void *)req,
                                               S3_KEY_ID, S3_SECRET, region, why, sizeof why);
        if (!signed_req)
            snprintf(why, sizeof why, "AccessDenied: Access Denied");
        if (!ok) {
            pthread_mutex_lock(&g.mu);
            g.s3_refused++;
            snprintf(g.s3_last_why, sizeof g.s3_last_why, "%s", why);
            pthread_mutex_unlock(&g.mu);
            const char *code = strncmp(why, "SignatureDoesNotMatch", 21) == 0
                                   ? "SignatureDoesNotMatch"
                                   : "AccessDenied";
            s3_error(resp, 403, code, "The request signature we calculated does not match");
            return;
        }
    }
    const char *key = strchr(req->path + 1, '/');
    if (key && (!strcmp(key, "/jobs/job.jar") || !strcmp(key, "/jobs/my%20job%2B1.jar"))) {
        serve_jar(resp);
        return;
    }
    s3_error(resp, 404, "NoSuchKey", "The specified key does not exist.");
}

static void handle(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    const char *path = req->path;
    if (!strcmp(path, "/files/job.jar")) {
        serve_jar(resp);
    } else if (!strcmp(path, "/redirect/job.jar")) {
        redirect(resp, 302, "http", g.plain_port, "/files/job.jar");
    } else if (!strncmp(path, "/chain/", 7)) {
        /* /chain/<n>/job.jar redirects n more times before the jar. */
        int n = atoi(path + 7);
        char next[64];
        snprintf(next, sizeof next, "/chain/%d/job.jar", n - 1);
        redirect(resp, 301, "http", g.plain_port, n > 0 ? next : "/files/job.jar");
    } else if (!strcmp(path, "/tls-to-plain/job.jar")) {
        redirect(resp, 302, "http", g.plain_port, "/files/job.jar");
    } else if (!strcmp(path, "/missing/job.jar")) {
        count(&g.missing_calls);
        fo_http_response_text(resp, 404, "text/html", "<html>no such jar</html>");
    } else if (!strcmp(path, "/forbidden/job.jar")) {
        count(&g.forbidden_calls);
        fo_http_response_text(resp, 403, "text/plain", "forbidden");
    } else if (!strcmp(path, "/flaky/job.jar")) {
        pthread_mutex_lock(&g.mu);
        int n = ++g.flaky_calls;
        pthread_mutex_unlock(&g.mu);
        if (n == 1)
            fo_http_response_text(resp, 503, "text/plain", "try again");
        else if (n == 2)
            fo_http_response_text(resp, 429, "text/plain", "slow down");
        else
            serve_jar(resp);
    } else if (!strcmp(path, "/down/job.jar")) {
        count(&g.down_calls);
        fo_http_response_text(resp, 503, "text/plain", "down");
    } else if (!strcmp(path, "/big/job.jar")) {
        char *body = malloc(BIG_BYTES);
        memset(body, 'x', BIG_BYTES);
        fo_http_response_take_body(resp, 200, "application/java-archive", body, BIG_BYTES);
    } else if (!strcmp(path, "/slow/job.jar")) {
        int *sent = calloc(1, sizeof *sent);
        fo_http_response_stream(resp, 200, "application/java-archive", stall, sent, free);
    } else if (!strcmp(path, "/probe/sigv4")) {
        const char *a = fo_http_request_header(req, "authorization");
        bool expect_signed = a && strstr(a, "SignedHeaders=") && strstr(a, "expect;") &&
                             !fo_http_request_header(req, "expect");
        fo_http_response_text(resp, 200, "text/plain", expect_signed ? "expect" : "ok");
    } else if (!strncmp(path, "/public-bucket/", 15) || !strncmp(path, "/private-bucket/", 16)) {
        fake_s3(req, resp);
    } else {
        fo_http_response_text(resp, 404, "text/plain", "no route");
    }
}

static void setup(void)
{
    memset(&g.flaky_calls, 0, sizeof g - offsetof(server_state, flaky_calls));
    g.region = S3_REGION;
    g.jar = fo_test_read_data(JAR_FIXTURE, &g.jar_len);
    g_dest = fo_test_mkdtemp();
    g_work = fo_test_mkdtemp();
    fo_err err;
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .port = 0, .threads = 0, .handler = handle};
    g_plain = fo_httpd_start(&o, &err);
    ck_assert_msg(g_plain != NULL, "%s", err.message);
    g.plain_port = fo_httpd_port(g_plain);
}

static void teardown(void)
{
    fo_httpd_stop(g_plain);
    g_plain = NULL;
    fo_httpd_stop(g_tls);
    g_tls = NULL;
    fo_certwatch_free(g_cw);
    g_cw = NULL;
    fo_testcerts_free(g_certs);
    g_certs = NULL;
    free(g_ca);
    g_ca = NULL;
    fo_test_rmdir(g_dest);
    fo_test_rmdir(g_work);
    free(g_dest);
    free(g_work);
    free(g.jar);
}

/* An HTTPS server (same handler) with a certificate from a throw-away CA. */
static void start_tls(void)
{
    g_certs = fo_testcerts_new();
    char *crt = NULL, *key = NULL;
    fo_testcerts_issue(g_certs, "server", NULL, &crt, &key);
    fo_err err;
    g_cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(g_cw != NULL, "%s", err.message);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = 0, .tls = g_cw, .handler = handle};
    g_tls = fo_httpd_start(&o, &err);
    ck_assert_msg(g_tls != NULL, "%s", err.message);
    g.tls_port = fo_httpd_port(g_tls);
    g_ca = strdup(g_certs->ca_cert);
    free(crt);
    free(key);
}

/* ---- what the fetcher needs of common/http_client.c -----------------------------------------
 * Two properties of the HTTP client the fetcher relies on, checked in this process before the
 * cases that depend on them, so a regression names the client rather than the fetcher:
 * 1. fo_http_stream tells on_status the final response's status, not that of a redirect
 *    libcurl follows (else the fetcher cannot judge the body);
 * 2. libcurl signs only headers that are sent: libcurl 7.88 lists a suppressed "Expect:" in
 *    the SigV4 SignedHeaders without sending it (curl issue 11664, fixed in 8.3.0), so the
 *    client must not add "Expect:" to requests without a body. */

static void probe_status(void *ctx, int status)
{
    *(int *)ctx = status;
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
    char *u = NULL;
    ck_assert_int_ge(asprintf(&u, "http://127.0.0.1:%d/redirect/job.jar", g.plain_port), 0);
    int last = 0;
    fo_http_stream(c, u, NULL, 0, 10000, probe_status, probe_chunk, &last, NULL, &err);
    free(u);
    fo_http_client_free(c);
    return last == 200;
}

static bool sigv4_signs_only_sent_headers(void)
{
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:us-east-1:s3",
                             .aws_access_key_id = "AKIDPROBE",
                             .aws_secret_access_key = "probe"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_ptr_nonnull(c);
    char *u = NULL;
    ck_assert_int_ge(asprintf(&u, "http://127.0.0.1:%d/probe/sigv4", g.plain_port), 0);
    fo_http_result res;
    fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 10000, &res, &err);
    bool ok = res.status == 200 && res.body.data && !strcmp(res.body.data, "ok");
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    return ok;
}

#define REQUIRE(property, what)                                                                    \
    ck_assert_msg(property, "common/http_client.c %s", what)

#define NEEDS_REDIRECT_STATUS()                                                                    \
    REQUIRE(stream_reports_final_status(),                                                         \
            "reports a followed redirect's status instead of the final one")
#define NEEDS_SIGV4_FIX()                                                                          \
    REQUIRE(sigv4_signs_only_sent_headers(), "has libcurl sign an \"Expect:\" it never sends")

/* ---- running the program -------------------------------------------------------------------- */

typedef struct run_result {
    int exit_code; /* -1 when it did not exit normally */
    char *out, *err;
} run_result;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Run flinkop-fetch with args (NULL-terminated) and env additions ("NAME=value", NULL-ended);
 * AWS_* and FLINKOP_* of the test's own environment are not passed on. */
static run_result run_fetch(const char *const *args, const char *const *envs)
{
    char *bin = fo_test_bin_path("flinkop-fetch");
    const char *argv[32];
    int argc = 0;
    argv[argc++] = bin;
    for (int i = 0; args[i]; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    const char *envp[256];
    int envc = 0;
    for (char **e = environ; *e && envc < 200; e++)
        if (strncmp(*e, "AWS_", 4) != 0 && strncmp(*e, "FLINKOP_", 8) != 0)
            envp[envc++] = *e;
    for (int i = 0; envs && envs[i]; i++)
        envp[envc++] = envs[i];
    envp[envc] = NULL;
    char out_path[512], err_path[512];
    snprintf(out_path, sizeof out_path, "%s/stdout", g_work);
    snprintf(err_path, sizeof err_path, "%s/stderr", g_work);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        execve(bin, (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    int status = 0;
    /* A generous bound for a real process; the suites' own timeouts are shorter than this. */
    for (int waited = 0;; waited += 50) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (waited > 90000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        fo_test_sleep_ms(50);
    }
    free(bin);
    run_result rr = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_path),
                     slurp(err_path)};
    return rr;
}

static void run_release(run_result *r)
{
    free(r->out);
    free(r->err);
}

static char *url(const char *scheme, int port, const char *path)
{
    char *u = NULL;
    ck_assert_int_ge(asprintf(&u, "%s://127.0.0.1:%d%s", scheme, port, path), 0);
    return u;
}

/* Names in the destination directory (space-separated, sorted by the directory). */
static int dest_entries(char *names, size_t n)
{
    DIR *d = opendir(g_dest);
    ck_assert_ptr_nonnull(d);
    int count = 0;
    names[0] = '\0';
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        count++;
        strncat(names, e->d_name, n - strlen(names) - 2);
        strcat(names, " ");
    }
    closedir(d);
    return count;
}

static void assert_dest_empty(void)
{
    char names[4096];
    ck_assert_msg(dest_entries(names, sizeof names) == 0, "left in DEST: %s", names);
}

/* The run succeeded, printed DEST/job.jar, the file holds the fixture, and nothing else is in
 * DEST. */
static void assert_fetched(const run_result *r)
{
    ck_assert_msg(r->exit_code == 0, "exit %d, stderr:\n%s", r->exit_code, r->err);
    char want[1024];
    snprintf(want, sizeof want, "%s/job.jar\n", g_dest);
    ck_assert_str_eq(r->out, want);
    want[strlen(want) - 1] = '\0';
    size_t len = 0;
    FILE *f = fopen(want, "rb");
    ck_assert_ptr_nonnull(f);
    char *got = calloc(1, g.jar_len + 16);
    len = fread(got, 1, g.jar_len + 16, f);
    fclose(f);
    ck_assert_uint_eq(len, g.jar_len);
    ck_assert(memcmp(got, g.jar, len) == 0);
    free(got);
    struct stat st;
    ck_assert_int_eq(stat(want, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644); /* Flink may run as another user */
    char names[4096];
    ck_assert_msg(dest_entries(names, sizeof names) == 1, "DEST holds: %s", names);
    ck_assert_str_eq(names, "job.jar ");
}

/* Lines of stderr that are JSON objects with an "attempt" field. */
static int attempt_lines(const char *err, const char *outcome)
{
    int n = 0;
    char *copy = strdup(err);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(l, 0, NULL);
        if (j && json_object_get(j, "attempt") &&
            (!outcome || !strcmp(json_string_value(json_object_get(j, "outcome")), outcome)))
            n++;
        json_decref(j);
    }
    free(copy);
    return n;
}

/* ---- plain HTTP ----------------------------------------------------------------------------- */

START_TEST(a_jar_is_saved_under_its_name_and_the_path_printed)
{
    char *u = url("http", g.plain_port, "/files/job.jar");
    run_result r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    assert_fetched(&r);
    ck_assert_int_eq(attempt_lines(r.err, "ok"), 1);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(flags_can_come_from_the_environment)
{
    char *u = url("http", g.plain_port, "/files/job.jar");
    char e1[512], e2[512];
    snprintf(e1, sizeof e1, "FLINKOP_URI=%s", u);
    snprintf(e2, sizeof e2, "FLINKOP_DEST=%s", g_dest);
    run_result r = run_fetch((const char *[]){NULL},
                             (const char *[]){e1, e2, "FLINKOP_SHA256=" JAR_SHA256, NULL});
    assert_fetched(&r);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_matching_sha256_is_accepted_in_either_case)
{
    char *u = url("http", g.plain_port, "/files/job.jar");
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(JAR_SHA256[i] >= 'a' && JAR_SHA256[i] <= 'f' ? JAR_SHA256[i] - 32
                                                                       : JAR_SHA256[i]);
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--sha256", upper, NULL}, NULL);
    assert_fetched(&r);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_sha256_mismatch_fails_and_keeps_nothing)
{
    char *u = url("http", g.plain_port, "/files/job.jar");
    const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--sha256", wrong, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "SHA-256 mismatch"));
    ck_assert_ptr_nonnull(strstr(r.err, JAR_SHA256)); /* what was received */
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_redirect_is_followed_and_the_name_comes_from_the_uri)
{
    NEEDS_REDIRECT_STATUS();
    char *u = url("http", g.plain_port, "/redirect/job.jar");
    run_result r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    assert_fetched(&r);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(five_redirects_are_followed_and_a_sixth_is_refused)
{
    NEEDS_REDIRECT_STATUS();
    char *five = url("http", g.plain_port, "/chain/4/job.jar"); /* 4 + the last = 5 */
    run_result r = run_fetch((const char *[]){"--uri", five, "--dest", g_dest, NULL}, NULL);
    assert_fetched(&r);
    run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    unlink(jar);
    char *six = url("http", g.plain_port, "/chain/5/job.jar");
    r = run_fetch((const char *[]){"--uri", six, "--dest", g_dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "redirect"));
    assert_dest_empty();
    run_release(&r);
    free(five);
    free(six);
}
END_TEST

START_TEST(a_404_is_not_found_naming_the_url_and_not_retried)
{
    char *u = url("http", g.plain_port, "/missing/job.jar");
    run_result r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_str_eq(r.out, "");
    char want[512];
    snprintf(want, sizeof want, "GET %s: not found (HTTP 404)", u);
    ck_assert_msg(strstr(r.err, want) != NULL, "stderr:\n%s", r.err);
    ck_assert_int_eq(read_count(&g.missing_calls), 1);
    ck_assert_int_eq(attempt_lines(r.err, NULL), 1);
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_403_is_access_denied_and_not_retried)
{
    char *u = url("http", g.plain_port, "/forbidden/job.jar");
    run_result r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "access denied (HTTP 403)"));
    ck_assert_int_eq(read_count(&g.forbidden_calls), 1);
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_503_and_a_429_are_retried_until_the_jar_comes)
{
    char *u = url("http", g.plain_port, "/flaky/job.jar");
    run_result r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    assert_fetched(&r);
    ck_assert_int_eq(read_count(&g.flaky_calls), 3);
    /* One log line per attempt: two retries, then ok. */
    ck_assert_int_eq(attempt_lines(r.err, "retry"), 2);
    ck_assert_int_eq(attempt_lines(r.err, "ok"), 1);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_server_that_stays_down_is_given_up_on)
{
    char *u = url("http", g.plain_port, "/down/job.jar");
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--timeout", "3", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "HTTP 503"));
    int calls = read_count(&g.down_calls);
    ck_assert_int_ge(calls, 2);
    ck_assert_int_eq(attempt_lines(r.err, NULL), calls);
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_body_over_max_bytes_fails_and_keeps_nothing)
{
    char *u = url("http", g.plain_port, "/big/job.jar");
    run_result r = run_fetch(
        (const char *[]){"--uri", u, "--dest", g_dest, "--max-bytes", "1048576", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "larger than 1048576 bytes (--max-bytes)"));
    assert_dest_empty();
    run_release(&r);
    /* The same body fits under the default limit (1 GiB). */
    r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 0);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    struct stat st;
    ck_assert_int_eq(stat(jar, &st), 0);
    ck_assert_int_eq(st.st_size, BIG_BYTES);
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(a_stalled_transfer_ends_at_the_timeout_and_keeps_nothing)
{
    char *u = url("http", g.plain_port, "/slow/job.jar");
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--timeout", "2", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "--timeout") != NULL, "stderr:\n%s", r.err);
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(nothing_listening_is_a_fetch_failure)
{
    int port = fo_test_free_port();
    char *u = url("http", port, "/job.jar");
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--timeout", "2", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "onnect"));
    assert_dest_empty();
    run_release(&r);
    free(u);
}
END_TEST

START_TEST(sigterm_mid_transfer_leaves_no_temporary_file)
{
    char *u = url("http", g.plain_port, "/slow/job.jar");
    char *bin = fo_test_bin_path("flinkop-fetch");
    char log[512];
    snprintf(log, sizeof log, "%s/fetch.log", g_work);
    char *argv[] = {bin, "--uri", u, "--dest", g_dest, NULL};
    pid_t pid = fo_test_spawn(argv, log);
    ck_assert_int_gt(pid, 0);
    /* Wait (for a real process) until the temporary file exists, the body having started. */
    char names[4096] = "";
    for (int i = 0; i < 600 && dest_entries(names, sizeof names) == 0; i++)
        fo_test_sleep_ms(50);
    ck_assert_msg(strstr(names, ".flinkop-fetch.") != NULL, "DEST holds: %s", names);
    int st = fo_test_stop(pid, SIGTERM, 30000);
    ck_assert_msg(st != -1 && WIFEXITED(st), "did not exit on SIGTERM");
    ck_assert_int_eq(WEXITSTATUS(st), 1);
    assert_dest_empty();
    free(bin);
    free(u);
}
END_TEST

/* ---- usage ---------------------------------------------------------------------------------- */

START_TEST(usage_errors_exit_2_before_any_request)
{
    char *u = url("http", g.plain_port, "/missing/job.jar");
    const char *const *cases[] = {
        (const char *[]){"--dest", g_dest, NULL},
        (const char *[]){"--uri", u, NULL},
        (const char *[]){"--uri", "gs://bucket/job.jar", "--dest", g_dest, NULL},
        (const char *[]){"--uri", "https://h.example/jobs/", "--dest", g_dest, NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--sha256", "abc", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--max-bytes", "-1", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--timeout", "0", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--log-level", "loud", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--s3-endpoint", "minio:9000", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "--bogus", NULL},
        (const char *[]){"--uri", u, "--dest", g_dest, "extra", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_fetch(cases[i], NULL);
        ck_assert_msg(r.exit_code == 2, "case %zu: exit %d\n%s", i, r.exit_code, r.err);
        ck_assert_str_eq(r.out, "");
        run_release(&r);
    }
    /* Only one of the two AWS keys. */
    run_result r = run_fetch((const char *[]){"--uri", "s3://b/k.jar", "--dest", g_dest, NULL},
                             (const char *[]){"AWS_ACCESS_KEY_ID=x", NULL});
    ck_assert_int_eq(r.exit_code, 2);
    run_release(&r);
    ck_assert_int_eq(read_count(&g.missing_calls), 0);
    assert_dest_empty();
    free(u);
}
END_TEST

START_TEST(help_prints_the_flags_and_exits_0)
{
    run_result r = run_fetch((const char *[]){"--help", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--s3-endpoint"));
    ck_assert_ptr_nonnull(strstr(r.out, "FLINKOP_SHA256"));
    run_release(&r);
}
END_TEST

/* ---- file and local ------------------------------------------------------------------------- */

START_TEST(a_file_uri_is_copied_atomically_with_its_hash_checked)
{
    char *src = fo_test_data_path(JAR_FIXTURE);
    char *uri = NULL;
    ck_assert_int_ge(asprintf(&uri, "file://%s", src), 0);
    /* The fixture's name is not job.jar: copy it under its own name. */
    run_result r = run_fetch(
        (const char *[]){"--uri", uri, "--dest", g_dest, "--sha256", JAR_SHA256, NULL}, NULL);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    char want[1024];
    snprintf(want, sizeof want, "%s/" JAR_FIXTURE "\n", g_dest);
    ck_assert_str_eq(r.out, want);
    run_release(&r);
    char *missing = NULL;
    ck_assert_int_ge(asprintf(&missing, "file://%s/nope.jar", g_work), 0);
    r = run_fetch((const char *[]){"--uri", missing, "--dest", g_work, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "not found"));
    run_release(&r);
    free(missing);
    free(uri);
    free(src);
}
END_TEST

START_TEST(a_local_uri_is_only_checked_and_its_own_path_printed)
{
    char *src = fo_test_data_path(JAR_FIXTURE);
    char *uri = NULL;
    ck_assert_int_ge(asprintf(&uri, "local://%s", src), 0);
    run_result r = run_fetch((const char *[]){"--uri", uri, "--sha256", JAR_SHA256, NULL}, NULL);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    char want[1024];
    snprintf(want, sizeof want, "%s\n", src);
    ck_assert_str_eq(r.out, want);
    run_release(&r);
    r = run_fetch((const char *[]){"--uri", "local:///nonexistent/flinkop/job.jar", NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/flinkop/job.jar: not found"));
    run_release(&r);
    free(uri);
    free(src);
}
END_TEST

/* ---- TLS ------------------------------------------------------------------------------------ */

START_TEST(https_is_verified_with_the_given_ca_and_never_redirected_to_http)
{
    start_tls();
    char *u = url("https", g.tls_port, "/files/job.jar");
    run_result r =
        run_fetch((const char *[]){"--uri", u, "--dest", g_dest, "--ca-file", g_ca, NULL}, NULL);
    assert_fetched(&r);
    run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    unlink(jar);
    /* Without the CA the server is not trusted. */
    r = run_fetch((const char *[]){"--uri", u, "--dest", g_dest, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    assert_dest_empty();
    run_release(&r);
    /* An https URL redirected to http: refused, nothing saved. */
    char *down = url("https", g.tls_port, "/tls-to-plain/job.jar");
    r = run_fetch((const char *[]){"--uri", down, "--dest", g_dest, "--ca-file", g_ca, NULL}, NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_msg(strstr(r.err, "refused") != NULL, "%s", r.err);
    assert_dest_empty();
    run_release(&r);
    free(down);
    free(u);
}
END_TEST

/* ---- S3 ------------------------------------------------------------------------------------- */

static void set_region(const char *region)
{
    pthread_mutex_lock(&g.mu);
    g.region = region;
    pthread_mutex_unlock(&g.mu);
}

static char *endpoint(void)
{
    return url("http", g.plain_port, "");
}

START_TEST(a_signed_s3_get_passes_an_independent_sigv4_check)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    run_result r = run_fetch((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest",
                                              g_dest, "--s3-endpoint", ep, NULL},
                             (const char *[]){"AWS_ACCESS_KEY_ID=" S3_KEY_ID,
                                              "AWS_SECRET_ACCESS_KEY=" S3_SECRET,
                                              "AWS_REGION=" S3_REGION, NULL});
    assert_fetched(&r);
    ck_assert_int_eq(read_count(&g.s3_refused), 0);
    ck_assert_str_eq(g.s3_last_path, "/private-bucket/jobs/job.jar");
    ck_assert_str_eq(g.s3_last_token, "");
    /* The secret is never logged. */
    ck_assert_ptr_null(strstr(r.err, S3_SECRET));
    run_release(&r);
    free(ep);
}
END_TEST

START_TEST(s3a_and_s3p_and_an_encoded_key_are_signed_the_same_way)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    const char *uris[] = {"s3a://private-bucket/jobs/job.jar", "s3p://private-bucket/jobs/job.jar"};
    const char *const envs[] = {"AWS_ACCESS_KEY_ID=" S3_KEY_ID, "AWS_SECRET_ACCESS_KEY=" S3_SECRET,
                                "AWS_REGION=" S3_REGION, NULL};
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    for (size_t i = 0; i < 2; i++) {
        run_result r = run_fetch(
            (const char *[]){"--uri", uris[i], "--dest", g_dest, "--s3-endpoint", ep, NULL}, envs);
        assert_fetched(&r);
        run_release(&r);
        unlink(jar);
    }
    /* A key with a space and a '+': sent as AWS encodes it, and the signature still holds. */
    run_result r = run_fetch((const char *[]){"--uri", "s3://private-bucket/jobs/my%20job+1.jar",
                                              "--dest", g_dest, "--s3-endpoint", ep, NULL},
                             envs);
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, g.s3_last_why);
    ck_assert_str_eq(g.s3_last_path, "/private-bucket/jobs/my%20job%2B1.jar");
    run_release(&r);
    ck_assert_int_eq(read_count(&g.s3_refused), 0);
    free(ep);
}
END_TEST

START_TEST(a_wrong_secret_is_refused_403_and_reported)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    run_result r = run_fetch((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest",
                                              g_dest, "--s3-endpoint", ep, NULL},
                             (const char *[]){"AWS_ACCESS_KEY_ID=" S3_KEY_ID,
                                              "AWS_SECRET_ACCESS_KEY=not-the-secret",
                                              "AWS_REGION=" S3_REGION, NULL});
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(g.s3_last_why, "SignatureDoesNotMatch"));
    ck_assert_msg(strstr(r.err, "access denied (HTTP 403) (SignatureDoesNotMatch") != NULL, "%s",
                  r.err);
    ck_assert_int_eq(read_count(&g.s3_calls), 1); /* a 403 is not retried */
    ck_assert_ptr_null(strstr(r.err, "not-the-secret"));
    assert_dest_empty();
    run_release(&r);
    free(ep);
}
END_TEST

START_TEST(a_session_token_is_sent_and_signed)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    run_result r = run_fetch(
        (const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest", g_dest,
                         "--s3-endpoint", ep, NULL},
        (const char *[]){"AWS_ACCESS_KEY_ID=" S3_KEY_ID, "AWS_SECRET_ACCESS_KEY=" S3_SECRET,
                         "AWS_SESSION_TOKEN=" S3_TOKEN, "AWS_REGION=" S3_REGION, NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, g.s3_last_why);
    ck_assert_str_eq(g.s3_last_token, S3_TOKEN);
    ck_assert_ptr_null(strstr(r.err, S3_TOKEN));
    run_release(&r);
    free(ep);
}
END_TEST

START_TEST(the_region_falls_back_to_aws_default_region_then_us_east_1)
{
    NEEDS_SIGV4_FIX();
    char *ep = endpoint();
    const char *const *uri_args = (const char *[]){
        "--uri", "s3://private-bucket/jobs/job.jar", "--dest", g_dest, "--s3-endpoint", ep, NULL};
    set_region("ap-south-1");
    run_result r = run_fetch(uri_args, (const char *[]){"AWS_ACCESS_KEY_ID=" S3_KEY_ID,
                                                        "AWS_SECRET_ACCESS_KEY=" S3_SECRET,
                                                        "AWS_DEFAULT_REGION=ap-south-1", NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, g.s3_last_why);
    run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    unlink(jar);
    set_region("us-east-1");
    r = run_fetch(uri_args, (const char *[]){"AWS_ACCESS_KEY_ID=" S3_KEY_ID,
                                             "AWS_SECRET_ACCESS_KEY=" S3_SECRET, NULL});
    ck_assert_msg(r.exit_code == 0, "%s\nfake S3: %s", r.err, g.s3_last_why);
    run_release(&r);
    free(ep);
}
END_TEST

START_TEST(without_credentials_requests_go_unsigned)
{
    char *ep = endpoint();
    run_result r = run_fetch((const char *[]){"--uri", "s3://public-bucket/jobs/job.jar", "--dest",
                                              g_dest, "--s3-endpoint", ep, NULL},
                             NULL);
    assert_fetched(&r);
    run_release(&r);
    char jar[1024];
    snprintf(jar, sizeof jar, "%s/job.jar", g_dest);
    unlink(jar);
    r = run_fetch((const char *[]){"--uri", "s3://private-bucket/jobs/job.jar", "--dest", g_dest,
                                   "--s3-endpoint", ep, NULL},
                  NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "(AccessDenied"));
    assert_dest_empty();
    run_release(&r);
    /* A missing key is S3's 404 NoSuchKey. */
    r = run_fetch((const char *[]){"--uri", "s3://public-bucket/jobs/none.jar", "--dest", g_dest,
                                   "--s3-endpoint", ep, NULL},
                  NULL);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "not found (HTTP 404) (NoSuchKey"));
    run_release(&r);
    free(ep);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("artifact_fetch");
    TCase *tc = tcase_create("http");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_jar_is_saved_under_its_name_and_the_path_printed);
    tcase_add_test(tc, flags_can_come_from_the_environment);
    tcase_add_test(tc, a_matching_sha256_is_accepted_in_either_case);
    tcase_add_test(tc, a_sha256_mismatch_fails_and_keeps_nothing);
    tcase_add_test(tc, a_redirect_is_followed_and_the_name_comes_from_the_uri);
    tcase_add_test(tc, five_redirects_are_followed_and_a_sixth_is_refused);
    tcase_add_test(tc, a_404_is_not_found_naming_the_url_and_not_retried);
    tcase_add_test(tc, a_403_is_access_denied_and_not_retried);
    tcase_add_test(tc, a_503_and_a_429_are_retried_until_the_jar_comes);
    tcase_add_test(tc, a_server_that_stays_down_is_given_up_on);
    tcase_add_test(tc, a_body_over_max_bytes_fails_and_keeps_nothing);
    tcase_add_test(tc, a_stalled_transfer_ends_at_the_timeout_and_keeps_nothing);
    tcase_add_test(tc, nothing_listening_is_a_fetch_failure);
    tcase_add_test(tc, sigterm_mid_transfer_leaves_no_temporary_file);
    tcase_add_test(tc, usage_errors_exit_2_before_any_request);
    tcase_add_test(tc, help_prints_the_flags_and_exits_0);
    tcase_add_test(tc, a_file_uri_is_copied_atomically_with_its_hash_checked);
    tcase_add_test(tc, a_local_uri_is_only_checked_and_its_own_path_printed);
    tcase_add_test(tc, https_is_verified_with_the_given_ca_and_never_redirected_to_http);
    suite_add_tcase(s, tc);
    TCase *s3 = tcase_create("s3");
    tcase_add_checked_fixture(s3, setup, teardown);
    tcase_set_timeout(s3, 120);
    tcase_add_test(s3, a_signed_s3_get_passes_an_independent_sigv4_check);
    tcase_add_test(s3, s3a_and_s3p_and_an_encoded_key_are_signed_the_same_way);
    tcase_add_test(s3, a_wrong_secret_is_refused_403_and_reported);
    tcase_add_test(s3, a_session_token_is_sent_and_signed);
    tcase_add_test(s3, the_region_falls_back_to_aws_default_region_then_us_east_1);
    tcase_add_test(s3, without_credentials_requests_go_unsigned);
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
