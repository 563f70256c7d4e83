#include "tests/support/fetchtest.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/httpd.h"
#include "tests/support/rawsrv.h"
#include "tests/support/sigv4.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

extern char **environ;

fo_fetchtest_state fo_ft = {.mu = PTHREAD_MUTEX_INITIALIZER};

static fo_httpd *g_plain, *g_tls;
static fo_certwatch *g_cw;
static fo_testcerts *g_certs;

void fo_fetchtest_count(int *n)
{
    pthread_mutex_lock(&fo_ft.mu);
    (*n)++;
    pthread_mutex_unlock(&fo_ft.mu);
}

int fo_fetchtest_read_count(const int *n)
{
    pthread_mutex_lock(&fo_ft.mu);
    int v = *n;
    pthread_mutex_unlock(&fo_ft.mu);
    return v;
}

/* ---- the HTTP servers ----------------------------------------------------------------------- */

static void serve_jar(fo_http_response *resp)
{
    char *body = malloc(fo_ft.jar_len);
    memcpy(body, fo_ft.jar, fo_ft.jar_len);
    fo_http_response_take_body(resp, 200, "application/java-archive", body, fo_ft.jar_len);
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
 * requests signed with FO_FT_S3_KEY_ID / FO_FT_S3_SECRET for fo_ft.region. */
static void fake_s3(const fo_http_request *req, fo_http_response *resp)
{
    fo_fetchtest_count(&fo_ft.s3_calls);
    pthread_mutex_lock(&fo_ft.mu);
    snprintf(fo_ft.s3_last_path, sizeof fo_ft.s3_last_path, "%s", req->path);
    const char *tok = fo_http_request_header(req, "x-amz-security-token");
    snprintf(fo_ft.s3_last_token, sizeof fo_ft.s3_last_token, "%s", tok ? tok : "");
    const char *region = fo_ft.region;
    pthread_mutex_unlock(&fo_ft.mu);
    bool public = strncmp(req->path, "/public-bucket/", 15) == 0;
    bool signed_req = fo_http_request_header(req, "authorization") != NULL;
    if (!public || signed_req) {
        char why[4096] = "";
        bool ok = signed_req &&
                  fo_test_sigv4_verify(req->method, req->path, "", req_header, (void *)req,
                                       FO_FT_S3_KEY_ID, FO_FT_S3_SECRET, region, why, sizeof why);
        if (!signed_req)
            snprintf(why, sizeof why, "AccessDenied: Access Denied");
        if (!ok) {
            pthread_mutex_lock(&fo_ft.mu);
            fo_ft.s3_refused++;
            snprintf(fo_ft.s3_last_why, sizeof fo_ft.s3_last_why, "%s", why);
            pthread_mutex_unlock(&fo_ft.mu);
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
        redirect(resp, 302, "http", fo_ft.plain_port, "/files/job.jar");
    } else if (!strncmp(path, "/chain/", 7)) {
        /* /chain/<n>/job.jar redirects n more times before the jar. */
        int n = atoi(path + 7);
        char next[64];
        snprintf(next, sizeof next, "/chain/%d/job.jar", n - 1);
        redirect(resp, 301, "http", fo_ft.plain_port, n > 0 ? next : "/files/job.jar");
    } else if (!strcmp(path, "/tls-to-plain/job.jar")) {
        redirect(resp, 302, "http", fo_ft.plain_port, "/files/job.jar");
    } else if (!strcmp(path, "/tls-to-presigned/job.jar")) {
        redirect(resp, 302, "http", fo_ft.plain_port,
                 "/files/job.jar?X-Amz-Signature=" FO_FT_PRESIGNED_SIG);
    } else if (!strcmp(path, "/missing/job.jar")) {
        fo_fetchtest_count(&fo_ft.missing_calls);
        fo_http_response_text(resp, 404, "text/html", "<html>no such jar</html>");
    } else if (!strcmp(path, "/forbidden/job.jar")) {
        fo_fetchtest_count(&fo_ft.forbidden_calls);
        fo_http_response_text(resp, 403, "text/plain", "forbidden");
    } else if (!strcmp(path, "/flaky/job.jar")) {
        pthread_mutex_lock(&fo_ft.mu);
        int n = ++fo_ft.flaky_calls;
        pthread_mutex_unlock(&fo_ft.mu);
        if (n == 1)
            fo_http_response_text(resp, 503, "text/plain", "try again");
        else if (n == 2)
            fo_http_response_text(resp, 429, "text/plain", "slow down");
        else
            serve_jar(resp);
    } else if (!strcmp(path, "/down/job.jar")) {
        fo_fetchtest_count(&fo_ft.down_calls);
        fo_http_response_text(resp, 503, "text/plain", "down");
    } else if (!strcmp(path, "/big/job.jar")) {
        char *body = malloc(FO_FT_BIG_BYTES);
        memset(body, 'x', FO_FT_BIG_BYTES);
        fo_http_response_take_body(resp, 200, "application/java-archive", body, FO_FT_BIG_BYTES);
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

/* ---- the scripted raw server (tests/support/rawsrv) with one canned reply per connection -- */

static struct {
    fo_rawsrv *srv;
    const char *const *replies;
    size_t n;
} g_raw;

static void raw_accepted(void *ctx, int conn)
{
    (void)ctx;
    (void)conn;
    fo_fetchtest_count(&fo_ft.raw_conns);
}

/* The i-th connection's reply, as is, after its request head; then the connection closes. */
static bool raw_reply(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)ctx;
    size_t i = (size_t)r->conn < g_raw.n ? (size_t)r->conn : g_raw.n - 1;
    if (g_raw.replies[i])
        fo_rawsrv_send_str(fd, g_raw.replies[i]);
    else
        fo_rawsrv_hold(s, fd);
    return false;
}

void fo_fetchtest_raw_start(const char *const *replies, size_t n)
{
    ck_assert(n > 0 && !g_raw.srv);
    g_raw.replies = replies;
    g_raw.n = n;
    g_raw.srv = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = raw_reply, .on_accept = raw_accepted});
    fo_ft.raw_port = fo_rawsrv_port(g_raw.srv);
}

/* ---- fixture -------------------------------------------------------------------------------- */

void fo_fetchtest_setup(void)
{
    pthread_mutex_lock(&fo_ft.mu);
    fo_ft.flaky_calls = fo_ft.forbidden_calls = fo_ft.missing_calls = fo_ft.down_calls = 0;
    fo_ft.s3_calls = fo_ft.s3_refused = fo_ft.raw_conns = 0;
    fo_ft.s3_last_token[0] = fo_ft.s3_last_why[0] = fo_ft.s3_last_path[0] = '\0';
    fo_ft.region = FO_FT_S3_REGION;
    pthread_mutex_unlock(&fo_ft.mu);
    fo_ft.jar = fo_test_read_data(FO_FT_JAR_FIXTURE, &fo_ft.jar_len);
    fo_ft.dest = fo_test_mkdtemp();
    fo_ft.work = fo_test_mkdtemp();
    fo_err err;
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .port = 0, .threads = 0, .handler = handle};
    g_plain = fo_httpd_start(&o, &err);
    ck_assert_msg(g_plain != NULL, "%s", err.message);
    fo_ft.plain_port = fo_httpd_port(g_plain);
}

void fo_fetchtest_teardown(void)
{
    fo_rawsrv_stop(g_raw.srv);
    g_raw.srv = NULL;
    fo_httpd_stop(g_plain);
    g_plain = NULL;
    fo_httpd_stop(g_tls);
    g_tls = NULL;
    fo_certwatch_free(g_cw);
    g_cw = NULL;
    fo_testcerts_free(g_certs);
    g_certs = NULL;
    free(fo_ft.ca);
    fo_ft.ca = NULL;
    fo_test_rmdir(fo_ft.dest);
    fo_test_rmdir(fo_ft.work);
    free(fo_ft.dest);
    free(fo_ft.work);
    free(fo_ft.jar);
    fo_ft.dest = fo_ft.work = fo_ft.jar = NULL;
}

void fo_fetchtest_start_tls(void)
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
    fo_ft.tls_port = fo_httpd_port(g_tls);
    fo_ft.ca = strdup(g_certs->ca_cert);
    free(crt);
    free(key);
}

/* ---- running the program -------------------------------------------------------------------- */

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

fo_fetchtest_run_result fo_fetchtest_run_limited(const char *const *args, const char *const *envs,
                                                 long fsize_limit)
{
    char *bin = fo_test_bin_path("flinkop-fetch");
    const char *argv[32];
    int argc = 0;
    argv[argc++] = bin;
    for (int i = 0; args[i] && argc < 30; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    const char *envp[256];
    int envc = 0;
    for (char **e = environ; *e && envc < 200; e++)
        if (strncmp(*e, "AWS_", 4) != 0 && strncmp(*e, "FLINKOP_", 8) != 0)
            envp[envc++] = *e;
    for (int i = 0; envs && envs[i] && envc < 250; i++)
        envp[envc++] = envs[i];
    envp[envc] = NULL;
    char out_path[512], err_path[512];
    snprintf(out_path, sizeof out_path, "%s/stdout", fo_ft.work);
    snprintf(err_path, sizeof err_path, "%s/stderr", fo_ft.work);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        if (fsize_limit > 0) {
            /* An ignored signal stays ignored across exec: writes then fail with EFBIG. */
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(126);
        }
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
    fo_fetchtest_run_result rr = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_path),
                                  slurp(err_path)};
    return rr;
}

fo_fetchtest_run_result fo_fetchtest_run(const char *const *args, const char *const *envs)
{
    return fo_fetchtest_run_limited(args, envs, 0);
}

void fo_fetchtest_run_release(fo_fetchtest_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

char *fo_fetchtest_url(const char *scheme, int port, const char *path)
{
    char *u = NULL;
    ck_assert_int_ge(asprintf(&u, "%s://127.0.0.1:%d%s", scheme, port, path), 0);
    return u;
}

int fo_fetchtest_dest_entries(char *names, size_t n)
{
    DIR *d = opendir(fo_ft.dest);
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

void fo_fetchtest_assert_dest_empty(void)
{
    char names[4096];
    ck_assert_msg(fo_fetchtest_dest_entries(names, sizeof names) == 0, "left in DEST: %s", names);
}

void fo_fetchtest_assert_fetched(const fo_fetchtest_run_result *r)
{
    ck_assert_msg(r->exit_code == 0, "exit %d, stderr:\n%s", r->exit_code, r->err);
    char want[1024];
    snprintf(want, sizeof want, "%s/job.jar\n", fo_ft.dest);
    ck_assert_str_eq(r->out, want);
    want[strlen(want) - 1] = '\0';
    FILE *f = fopen(want, "rb");
    ck_assert_ptr_nonnull(f);
    char *got = calloc(1, fo_ft.jar_len + 16);
    size_t len = fread(got, 1, fo_ft.jar_len + 16, f);
    fclose(f);
    ck_assert_uint_eq(len, fo_ft.jar_len);
    ck_assert(memcmp(got, fo_ft.jar, len) == 0);
    free(got);
    struct stat st;
    ck_assert_int_eq(lstat(want, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0644); /* Flink may run as another user */
    char names[4096];
    ck_assert_msg(fo_fetchtest_dest_entries(names, sizeof names) == 1, "DEST holds: %s", names);
    ck_assert_str_eq(names, "job.jar ");
}

int fo_fetchtest_attempt_lines(const char *err, const char *outcome)
{
    int n = 0;
    char *copy = strdup(err);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(l, 0, NULL);
        const char *o = j ? json_string_value(json_object_get(j, "outcome")) : NULL;
        if (j && json_object_get(j, "attempt") && (!outcome || (o && !strcmp(o, outcome))))
            n++;
        json_decref(j);
    }
    free(copy);
    return n;
}
