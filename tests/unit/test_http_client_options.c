/* http_client's options: redirects (plain, and from an HTTPS server of common/httpd that must
 * not downgrade to http), tls_server_name, AWS SigV4, and how libcurl is loaded (dlopen on
 * first use, tried in a child process running this suite's own binary; programs must not name
 * libcurl in DT_NEEDED). Requests, errors and streams are in test_http_client.c. */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/http_client.h"
#include "common/httpd.h"
#include "common/strbuf.h"
#include "tests/support/connproxy.h"
#include "tests/support/rawsrv.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

/* ---- replies ---- */

/* GET /hop/N answers 302 to /hop/N-1 (a relative Location, RFC 9110 section 10.2.2), and
 * /hop/0 answers 200 "landed". */
static bool reply_hops(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)ctx;
    int n = 0;
    if (sscanf(r->head, "GET /hop/%d ", &n) != 1 || n <= 0) {
        fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 6\r\n\r\nlanded");
        return true;
    }
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 302 Found\r\nLocation: /hop/%d\r\nContent-Length: 0\r\n\r\n", n - 1);
    fo_rawsrv_send_str(fd, head);
    return true;
}

static bool reply_ok(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           "Content-Length: 2\r\n\r\nok");
    return true;
}

/* ---- redirects ---- */

START_TEST(redirects_are_followed_up_to_the_limit)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_hops});
    const fo_rawsrv_request *last = fo_rawsrv_last(s);
    fo_err err;
    fo_http_client_opts o = {.max_redirects = 3};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *u = fo_rawsrv_url(s, "/hop/3");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "landed");
    ck_assert_int_eq(fo_rawsrv_requests(s), 4);
    ck_assert(strncmp(last->head, "GET /hop/0 HTTP/1.1\r\n", 21) == 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(without_redirects_a_302_is_the_answer)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_hops});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err); /* max_redirects 0 */
    char *u = fo_rawsrv_url(s, "/hop/1");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 302);
    ck_assert_int_eq(fo_rawsrv_requests(s), 1);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(a_redirect_chain_longer_than_the_limit_fails)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_hops});
    fo_err err;
    fo_http_client_opts o = {.max_redirects = 2};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = fo_rawsrv_url(s, "/hop/5");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_EIO);
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(err.message, u) && strstr(err.message, "more than 2 redirects"), "%s",
                  err.message);
    /* The first answer and the two redirects allowed; the third is not followed. */
    ck_assert_int_eq(fo_rawsrv_requests(s), 3);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

/* An HTTPS server (common/httpd) that redirects /down to the plain server's /hop/0, /up to its
 * own /final, and answers /final with 200 "secure". */
struct tls_redirector {
    int plain_port, tls_port;
};

static void tls_redirect_handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    struct tls_redirector *t = ctx;
    char loc[128];
    if (strcmp(req->path, "/down") == 0) {
        snprintf(loc, sizeof loc, "http://127.0.0.1:%d/hop/0", t->plain_port);
    } else if (strcmp(req->path, "/up") == 0) {
        snprintf(loc, sizeof loc, "https://localhost:%d/final", t->tls_port);
    } else {
        fo_http_response_text(resp, 200, "text/plain", "secure");
        return;
    }
    fo_http_response_text(resp, 302, "text/plain", "");
    fo_http_response_header(resp, "Location", loc);
}

START_TEST(https_is_never_redirected_to_http)
{
    fo_rawsrv *plain = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_hops});
    fo_testcerts *certs = fo_testcerts_new();
    char *crt, *key;
    fo_testcerts_issue(certs, "srv", NULL, &crt, &key);
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(cw != NULL, "%s", err.message);
    struct tls_redirector t = {.plain_port = fo_rawsrv_port(plain)};
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1",
                        .threads = 2,
                        .tls = cw,
                        .handler = tls_redirect_handler,
                        .handler_ctx = &t};
    fo_httpd *srv = fo_httpd_start(&ho, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    t.tls_port = fo_httpd_port(srv);

    fo_http_client_opts o = {.max_redirects = 3, .ca_file = certs->ca_cert};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *up = NULL, *down = NULL;
    ck_assert_int_gt(asprintf(&up, "https://localhost:%d/up", t.tls_port), 0);
    ck_assert_int_gt(asprintf(&down, "https://localhost:%d/down", t.tls_port), 0);
    fo_http_result res;
    /* https to https is followed... */
    ck_assert_int_eq(fo_http_client_request(c, "GET", up, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "secure");
    fo_http_result_release(&res);
    /* ... https to http is refused, and nothing reaches the plain server. */
    fo_rc rc = fo_http_client_request(c, "GET", down, NULL, 0, NULL, 0, 0, &res, &err);
    ck_assert_int_ne(rc, FO_OK);
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(err.message, down) && strstr(err.message, "redirect to http://127.0.0.1:"),
                  "%s", err.message);
    ck_assert_int_eq(rc, FO_EIO);
    ck_assert_int_eq(fo_rawsrv_requests(plain), 0);
    fo_http_result_release(&res);
    free(up);
    free(down);
    fo_http_client_free(c);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
    fo_testcerts_free(certs);
    fo_rawsrv_stop(plain);
}
END_TEST

/* ---- tls_server_name ---- */

/* Keeps the Host header of the last request; answers 200 "named". */
struct host_log {
    pthread_mutex_t mu;
    char host[128];
};

static void host_handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    struct host_log *l = ctx;
    const char *host = fo_http_request_header(req, "Host");
    pthread_mutex_lock(&l->mu);
    snprintf(l->host, sizeof l->host, "%s", host ? host : "");
    pthread_mutex_unlock(&l->mu);
    fo_http_response_text(resp, 200, "text/plain", "named");
}

static bool keep_chunk(void *ctx, const char *data, size_t len)
{
    fo_strbuf_append(ctx, data, len);
    return true;
}

/* A server whose certificate names api.internal only, reached at 127.0.0.1 (a load balancer's
 * address, an SSH tunnel): with tls_server_name the certificate is checked against that name,
 * the Host header still names the address the URL has (as Go's transport sends it), and the
 * kept connection serves the next requests; a name the certificate does not hold fails. */
START_TEST(tls_server_name_is_checked_and_the_host_header_names_the_url)
{
    fo_testcerts *certs = fo_testcerts_new();
    char *crt, *key;
    fo_testcerts_issue_names(certs, "srv", "api.internal", &crt, &key);
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(cw != NULL, "%s", err.message);
    struct host_log log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1",
                        .threads = 2,
                        .tls = cw,
                        .handler = host_handler,
                        .handler_ctx = &log};
    fo_httpd *srv = fo_httpd_start(&ho, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    char *url = NULL, authority[64];
    ck_assert_int_gt(asprintf(&url, "https://127.0.0.1:%d/named", fo_httpd_port(srv)), 0);
    snprintf(authority, sizeof authority, "127.0.0.1:%d", fo_httpd_port(srv));

    fo_http_client_opts o = {.ca_file = certs->ca_cert,
                             .tls_server_name = "api.internal",
                             .proxy_env = FO_HTTP_PROXY_NONE};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    fo_http_result res;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(fo_http_client_request(c, "GET", url, NULL, 0, NULL, 0, 0, &res, &err) ==
                          FO_OK,
                      "%s", err.message);
        ck_assert_int_eq(res.status, 200);
        ck_assert_str_eq(res.body.data, "named");
        fo_http_result_release(&res);
        pthread_mutex_lock(&log.mu);
        ck_assert_str_eq(log.host, authority);
        pthread_mutex_unlock(&log.mu);
    }
    ck_assert_uint_eq(fo_httpd_connections(srv), 1);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    ck_assert_msg(fo_http_stream(c, url, NULL, 0, 5000, NULL, keep_chunk, &body, NULL, &err) ==
                      FO_OK,
                  "%s", err.message);
    ck_assert_str_eq(body.data, "named");
    fo_strbuf_release(&body);
    fo_http_client_free(c);

    /* without the name, or with one the certificate does not hold: refused */
    const char *names[] = {NULL, "other.internal"};
    for (int i = 0; i < 2; i++) {
        o.tls_server_name = names[i];
        c = fo_http_client_new(&o, &err);
        ck_assert_int_eq(fo_http_client_request(c, "GET", url, NULL, 0, NULL, 0, 0, &res, &err),
                         FO_EIO);
        ck_assert_msg(strstr(err.message, names[i] ? names[i] : "'127.0.0.1'"), "%s",
                      err.message);
        fo_http_result_release(&res);
        fo_http_client_free(c);
    }
    /* a name that cannot be a host is refused when the client is made */
    o.tls_server_name = "api internal/";
    ck_assert_ptr_null(fo_http_client_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_msg(strstr(err.message, "api internal/"), "%s", err.message);

    free(url);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
    fo_testcerts_free(certs);
}
END_TEST

/* The environment's NO_PROXY is about the host a request goes to, as Go's
 * ProxyFromEnvironment reads req.URL (kubectl with a kubeconfig's tls-server-name): with
 * tls_server_name that is still the URL's host, not the name the certificate is checked
 * against. The URL names the server api.proxied.test, which only the proxy resolves (to
 * 127.0.0.1: Go's rules never send a loopback address through a proxy). libcurl, given the
 * name as the URL's host, would match NO_PROXY against it, so a client with tls_server_name
 * never leaves the environment's proxy to libcurl. */
START_TEST(no_proxy_is_matched_against_the_urls_host_not_the_tls_server_name)
{
    fo_testcerts *certs = fo_testcerts_new();
    char *crt, *key;
    fo_testcerts_issue_names(certs, "srv", "api.internal", &crt, &key);
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(cw != NULL, "%s", err.message);
    struct host_log log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1",
                        .threads = 2,
                        .tls = cw,
                        .handler = host_handler,
                        .handler_ctx = &log};
    fo_httpd *srv = fo_httpd_start(&ho, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    char *url = NULL, *proxy = NULL, target[64], seen[64];
    ck_assert_int_gt(asprintf(&url, "https://api.proxied.test:%d/named", fo_httpd_port(srv)), 0);
    snprintf(target, sizeof target, "api.proxied.test:%d", fo_httpd_port(srv));
    fo_connproxy_opts po = {.loopback_alias = "api.proxied.test"};
    fo_connproxy *px = fo_connproxy_start(&po);
    ck_assert_int_gt(asprintf(&proxy, "http://127.0.0.1:%d", fo_connproxy_port(px)), 0);
    char **saved = fo_test_proxy_env_clear();
    setenv("HTTPS_PROXY", proxy, 1);

    /* NO_PROXY names only the name the certificate holds: through the proxy, to the URL's host */
    setenv("NO_PROXY", "api.internal", 1);
    fo_http_client_opts o = {.ca_file = certs->ca_cert,
                             .tls_server_name = "api.internal",
                             .proxy_env = FO_HTTP_PROXY_ENV_GO,
                             .connect_timeout_ms = 2000};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    fo_http_result res;
    fo_rc rc = fo_http_client_request(c, "GET", url, NULL, 0, NULL, 0, 0, &res, &err);
    ck_assert_msg(rc == FO_OK, "%s", err.message);
    ck_assert_int_eq(res.status, 200);
    fo_http_result_release(&res);
    fo_http_client_free(c);
    ck_assert_int_eq(fo_connproxy_tunnels(px), 1);
    fo_connproxy_last_target(px, seen, sizeof seen);
    ck_assert_str_eq(seen, target);

    /* NO_PROXY names the URL's host: straight to it, where the name resolves to nothing */
    setenv("NO_PROXY", "api.proxied.test", 1);
    c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    rc = fo_http_client_request(c, "GET", url, NULL, 0, NULL, 0, 0, &res, &err);
    ck_assert_int_ne(rc, FO_OK);
    fo_http_result_release(&res);
    fo_http_client_free(c);
    ck_assert_int_eq(fo_connproxy_accepts(px), 1);

    /* the environment's proxy left to libcurl: refused when the client is made */
    o.proxy_env = FO_HTTP_PROXY_ENV_CURL;
    ck_assert_ptr_null(fo_http_client_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_msg(strstr(err.message, "tls_server_name"), "%s", err.message);
    /* a proxy named for the client is used for every host, NO_PROXY or not */
    o.proxy = proxy;
    c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    rc = fo_http_client_request(c, "GET", url, NULL, 0, NULL, 0, 0, &res, &err);
    ck_assert_msg(rc == FO_OK, "%s", err.message);
    fo_http_result_release(&res);
    fo_http_client_free(c);
    ck_assert_int_eq(fo_connproxy_tunnels(px), 2);

    fo_test_proxy_env_restore(saved);
    fo_connproxy_stop(px);
    free(proxy);
    free(url);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
    fo_testcerts_free(certs);
}
END_TEST

/* libcurl names a proxy it cannot use as it was given, credentials and all ("Unsupported proxy
 * syntax in 'http://alice:s3cret@...'"), and an error text goes to the log and to the
 * unauthenticated /readyz (an informer's reason). A host Go's url.Parse takes and libcurl
 * refuses ('!' is a sub-delim Go allows in a host) gets there from HTTPS_PROXY or a
 * kubeconfig's proxy-url: the error names the proxy without its password. */
START_TEST(an_error_never_shows_a_proxys_password)
{
    char **saved = fo_test_proxy_env_clear();
    setenv("HTTP_PROXY", "http://alice:s3cret@proxy!corp:3128", 1);
    fo_http_client_opts o = {.proxy_env = FO_HTTP_PROXY_ENV_GO, .connect_timeout_ms = 2000};
    fo_err err;
    for (int named = 0; named < 2; named++) {
        if (named) { /* as a kubeconfig's proxy-url reaches the client */
            unsetenv("HTTP_PROXY");
            o.proxy = "http://alice%40corp.example:s3cret@proxy!corp:3128";
        }
        fo_err_clear(&err);
        fo_http_client *c = fo_http_client_new(&o, &err);
        ck_assert_msg(c != NULL, "%s", err.message);
        fo_http_result res;
        fo_rc rc = fo_http_client_request(c, "GET", "http://api.example.test/x", NULL, 0, NULL,
                                          0, 0, &res, &err);
        ck_assert_int_ne(rc, FO_OK);
        fo_http_result_release(&res);
        fo_http_client_free(c);
        ck_assert_msg(!strstr(err.message, "s3cret"), "%s", err.message);
        ck_assert_msg(strstr(err.message, "proxy!corp:3128"), "%s", err.message);
    }
    fo_test_proxy_env_restore(saved);
}
END_TEST

/* libcurl's error text is cut at CURL_ERROR_SIZE (256 bytes), so a long password (a token
 * a proxy takes as one) ends the text before the '@' that tells it from a host: not a byte of
 * it is shown all the same. */
START_TEST(an_error_cut_inside_a_long_proxy_password_shows_none_of_it)
{
    char **saved = fo_test_proxy_env_clear();
    char token[301];
    for (size_t i = 0; i < sizeof token - 1; i++)
        token[i] = "TOKEN"[i % 5];
    token[sizeof token - 1] = '\0';
    char proxy[512];
    snprintf(proxy, sizeof proxy, "http://alice:%s@proxy!corp:3128", token);
    fo_http_client_opts o = {.proxy = proxy, .connect_timeout_ms = 2000};
    fo_err err;
    fo_err_clear(&err);
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    fo_http_result res;
    fo_rc rc = fo_http_client_request(c, "GET", "http://api.example.test/x", NULL, 0, NULL, 0, 0,
                                      &res, &err);
    ck_assert_int_ne(rc, FO_OK);
    fo_http_result_release(&res);
    fo_http_client_free(c);
    ck_assert_msg(!strstr(err.message, "TOKENTOKEN"), "%s", err.message);
    ck_assert_msg(strstr(err.message, "http://alice:xxxxx"), "%s", err.message);
    fo_test_proxy_env_restore(saved);
}
END_TEST

/* ---- AWS Signature Version 4 ---- */

START_TEST(aws_sigv4_signs_every_request)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_ok});
    const fo_rawsrv_request *last = fo_rawsrv_last(s);
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:eu-west-1:s3",
                             .aws_access_key_id = "AKIDEXAMPLE",
                             .aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *u = fo_rawsrv_url(s, "/bucket/job.jar");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    /* Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/<service>/
     * aws4_request, SignedHeaders=..., Signature=<64 hex> (AWS SigV4 documentation). */
    const char *a = strcasestr(last->head, "\r\nAuthorization: AWS4-HMAC-SHA256 ");
    ck_assert_msg(a != NULL, "%s", last->head);
    const char *cred = strstr(a, "Credential=AKIDEXAMPLE/");
    ck_assert_ptr_nonnull(cred);
    ck_assert(strncmp(cred + 23 + 8, "/eu-west-1/s3/aws4_request,", 27) == 0);
    ck_assert_ptr_nonnull(strstr(a, "Signature="));
    ck_assert_ptr_nonnull(strcasestr(last->head, "\r\nX-Amz-Date: "));
    ck_assert_ptr_null(strstr(last->head, "wJalrXUtnFEMI"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(aws_sigv4_without_keys_is_refused)
{
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:eu-west-1:s3", .aws_access_key_id = "AKID"};
    ck_assert_ptr_null(fo_http_client_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
}
END_TEST

/* ---- loading libcurl ---- */

/* This suite's own binary, run as a probe (see main): it makes one client in a fresh process
 * with FLINKOP_LIBCURL set to `lib` and prints "<rc> <message>". */
static char *run_probe(const char *lib)
{
    char *self = fo_test_bin_path("tests/unit/test_http_client_options");
    char *dir = fo_test_mkdtemp();
    char *log = NULL;
    ck_assert_int_gt(asprintf(&log, "%s/probe.out", dir), 0);
    setenv("FO_HTTP_CLIENT_PROBE", "1", 1);
    setenv("FLINKOP_LIBCURL", lib, 1);
    char *argv[] = {self, NULL};
    pid_t pid = fo_test_spawn(argv, log);
    unsetenv("FO_HTTP_CLIENT_PROBE");
    unsetenv("FLINKOP_LIBCURL");
    ck_assert_int_gt(pid, 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probe ended with status %d", st);
    char *out = NULL;
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 0;
    ck_assert_int_gt(getline(&out, &cap, f), 0);
    fclose(f);
    free(log);
    fo_test_rmdir(dir);
    free(dir);
    free(self);
    return out;
}

static int probe_main(void)
{
    fo_err err;
    fo_err_clear(&err);
    fo_http_client *c = fo_http_client_new(NULL, &err);
    printf("%d %s\n", c ? FO_OK : (int)err.rc, c ? "ok" : err.message);
    fo_http_client_free(c);
    return 0;
}

START_TEST(a_missing_libcurl_is_a_clear_error)
{
    char *out = run_probe("libflinkop-no-such-curl.so.4");
    char want[32];
    snprintf(want, sizeof want, "%d ", (int)FO_EIO);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_msg(strstr(out, "cannot load libflinkop-no-such-curl.so.4 (from FLINKOP_LIBCURL)"),
                  "%s", out);
    ck_assert_msg(strstr(out, "cannot open shared object file"), "%s", out);
    free(out);
}
END_TEST

START_TEST(a_library_that_is_not_libcurl_is_refused)
{
    char *out = run_probe("libc.so.6");
    char want[32];
    snprintf(want, sizeof want, "%d ", (int)FO_EIO);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_msg(strstr(out, "libc.so.6 has no curl_"), "%s", out);
    free(out);
}
END_TEST

START_TEST(the_gnutls_libcurl_loads_by_its_debian_name)
{
    char *out = run_probe("libcurl-gnutls.so.4");
    ck_assert_str_eq(out, "0 ok\n");
    free(out);
}
END_TEST

/* The DT_NEEDED entries of a 64-bit ELF file (the libraries the loader maps at start), each
 * followed by a space. */
static void elf_needed(const char *path, fo_strbuf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "%s: cannot open", path);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    size_t size = (size_t)st.st_size;
    ck_assert_uint_gt(size, sizeof(Elf64_Ehdr));
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ck_assert(m != MAP_FAILED);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    ck_assert(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64);
    ck_assert_uint_le(eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr), size);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNAMIC)
            continue;
        ck_assert_uint_lt(sh[i].sh_link, eh->e_shnum);
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        ck_assert_uint_le(sh[i].sh_offset + sh[i].sh_size, size);
        ck_assert_uint_le(strs->sh_offset + strs->sh_size, size);
        const Elf64_Dyn *d = (const Elf64_Dyn *)(m + sh[i].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *d && d[k].d_tag != DT_NULL; k++) {
            if (d[k].d_tag != DT_NEEDED)
                continue;
            ck_assert_uint_lt(d[k].d_un.d_val, strs->sh_size);
            const char *name = (const char *)(m + strs->sh_offset + d[k].d_un.d_val);
            fo_strbuf_printf(out, "%s ", name);
        }
    }
    munmap((void *)m, size);
    close(fd);
}

START_TEST(programs_do_not_link_libcurl)
{
    /* Only a request loads libcurl: the webhook and the controller do not map it (nor its
     * dependency chain) at start. */
    static const char *const programs[] = {"flinkop-webhook", "flinkop-controller"};
    for (size_t i = 0; i < 2; i++) {
        char *path = fo_test_bin_path(programs[i]);
        fo_strbuf needed;
        fo_strbuf_init(&needed, 0);
        elf_needed(path, &needed);
        ck_assert_msg(needed.data && strstr(needed.data, "libc.so.6 "), "%s: NEEDED %s", path,
                      needed.data ? needed.data : "(none)");
        ck_assert_msg(!strstr(needed.data, "libcurl"), "%s: NEEDED %s", path, needed.data);
        fo_strbuf_release(&needed);
        free(path);
    }
}
END_TEST

int main(void)
{
    if (getenv("FO_HTTP_CLIENT_PROBE"))
        return probe_main();
    Suite *s = suite_create("http_client_options");
    TCase *tc = tcase_create("http_client_options");
    tcase_add_test(tc, redirects_are_followed_up_to_the_limit);
    tcase_add_test(tc, without_redirects_a_302_is_the_answer);
    tcase_add_test(tc, a_redirect_chain_longer_than_the_limit_fails);
    tcase_add_test(tc, https_is_never_redirected_to_http);
    tcase_add_test(tc, tls_server_name_is_checked_and_the_host_header_names_the_url);
    tcase_add_test(tc, no_proxy_is_matched_against_the_urls_host_not_the_tls_server_name);
    tcase_add_test(tc, an_error_never_shows_a_proxys_password);
    tcase_add_test(tc, an_error_cut_inside_a_long_proxy_password_shows_none_of_it);
    tcase_add_test(tc, aws_sigv4_signs_every_request);
    tcase_add_test(tc, aws_sigv4_without_keys_is_refused);
    tcase_add_test(tc, a_missing_libcurl_is_a_clear_error);
    tcase_add_test(tc, a_library_that_is_not_libcurl_is_refused);
    tcase_add_test(tc, the_gnutls_libcurl_loads_by_its_debian_name);
    tcase_add_test(tc, programs_do_not_link_libcurl);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
