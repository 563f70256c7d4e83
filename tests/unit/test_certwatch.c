/* common/certwatch with common/httpd: HTTPS round trips verified against a test CA, TLS 1.1
 * refused, certificate rotation through a Kubernetes-style `..data` symlink swap while serving
 * (a bad new pair keeps the old one), and refusals at start. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/httpd.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testcerts.h"
#include "tests/support/testhttp.h"
#include "tests/support/testutil.h"

/* ---- a test server ---- */

static void handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    json_t *o = json_pack("{s:s, s:s}", "method", req->method, "path", req->path);
    fo_http_response_json(resp, 200, o);
    json_decref(o);
}

static fo_httpd *start(unsigned threads, size_t max_body, fo_certwatch *tls)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1",
                       .port = 0,
                       .max_body_bytes = max_body,
                       .threads = threads,
                       .tls = tls,
                       .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "start: %s", err.message);
    return srv;
}

static char *url(const fo_httpd *srv, bool tls, const char *path)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "%s://%s:%d%s", tls ? "https" : "http",
                              tls ? "localhost" : "127.0.0.1", fo_httpd_port(srv), path),
                     0);
    return u;
}

/* ---- TLS ---- */

static fo_testcerts *g_certs;

static fo_certwatch *watch(const char *crt, const char *key)
{
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(cw != NULL, "certwatch: %s", err.message);
    return cw;
}

START_TEST(tls_round_trip_verifies_against_the_test_ca)
{
    char *crt, *key;
    fo_testcerts_issue(g_certs, "srv", NULL, &crt, &key);
    fo_certwatch *cw = watch(crt, key);
    ck_assert_int_eq(fo_certwatch_generation(cw), 1);
    fo_httpd *srv = start(2, 0, cw);
    char *u = url(srv, true, "/hello?q=1");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = u, .cainfo = g_certs->ca_cert}, &r);
    ck_assert_msg(r.cc == CURLE_OK, "curl: %s", r.error);
    ck_assert_int_eq(r.status, 200);
    json_t *o = json_loads(r.body.data, 0, NULL);
    ck_assert_str_eq(fo_json_str(o, "path"), "/hello");
    json_decref(o);
    fo_test_reply_release(&r);
    /* plain HTTP to the TLS port does not get an answer */
    char *plain = url(srv, false, "/hello");
    fo_test_perform(&(fo_test_request){.url = plain}, &r);
    ck_assert_int_ne(r.cc, CURLE_OK);
    fo_test_reply_release(&r);
    free(plain);
    free(u);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
}
END_TEST

/* A raw GnuTLS handshake with only the given protocol version enabled. Returns the handshake
 * result; *alert gets the alert the server sent, if any. */
static int handshake_with(int port, const char *priority, const char *ca, int *alert,
                          gnutls_protocol_t *version)
{
    int fd = fo_test_connect(port);
    ck_assert_int_ge(fd, 0);
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_x509_trust_file(cred, ca, GNUTLS_X509_FMT_PEM);
    gnutls_session_t s;
    gnutls_init(&s, GNUTLS_CLIENT);
    const char *errpos = NULL;
    ck_assert_int_eq(gnutls_priority_set_direct(s, priority, &errpos), 0);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 20000);
    int ret;
    do {
        ret = gnutls_handshake(s);
    } while (ret < 0 && !gnutls_error_is_fatal(ret));
    *alert = ret == GNUTLS_E_FATAL_ALERT_RECEIVED ? (int)gnutls_alert_get(s) : -1;
    *version = gnutls_protocol_get_version(s);
    if (ret == 0)
        gnutls_bye(s, GNUTLS_SHUT_RDWR);
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return ret;
}

START_TEST(tls_1_1_is_refused_and_tls_1_2_accepted)
{
    char *crt, *key;
    fo_testcerts_issue(g_certs, "ver", NULL, &crt, &key);
    fo_certwatch *cw = watch(crt, key);
    fo_httpd *srv = start(1, 0, cw);
    int alert = -1;
    gnutls_protocol_t v;
    int ret = handshake_with(fo_httpd_port(srv), "NORMAL:-VERS-ALL:+VERS-TLS1.1",
                             g_certs->ca_cert, &alert, &v);
    /* The server refuses the version: a protocol_version alert, or (MHD) a closed socket;
     * not a client-side error such as "no supported protocols". */
    ck_assert_msg((ret == GNUTLS_E_FATAL_ALERT_RECEIVED && alert == GNUTLS_A_PROTOCOL_VERSION) ||
                      ret == GNUTLS_E_PREMATURE_TERMINATION,
                  "handshake: %s, alert %d", gnutls_strerror(ret), alert);
    ret = handshake_with(fo_httpd_port(srv), "NORMAL:-VERS-ALL:+VERS-TLS1.2", g_certs->ca_cert,
                         &alert, &v);
    ck_assert_msg(ret == 0, "tls 1.2 handshake: %s", gnutls_strerror(ret));
    ck_assert_int_eq(v, GNUTLS_TLS1_2);
    ret = handshake_with(fo_httpd_port(srv), "NORMAL", g_certs->ca_cert, &alert, &v);
    ck_assert_int_eq(ret, 0);
    ck_assert_int_eq(v, GNUTLS_TLS1_3);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(from, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(getdelim(&text, &len, '\0', f) > 0, 1);
    fclose(f);
    fo_test_write_file(to, text);
    free(text);
}

static long https_status(const fo_httpd *srv, const char *ca, CURLcode *cc)
{
    char *u = url(srv, true, "/x");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = u, .cainfo = ca, .close_after = true}, &r);
    long st = r.status;
    *cc = r.cc;
    fo_test_reply_release(&r);
    free(u);
    return st;
}

/* Kubernetes Secret volume layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>. */
static void secret_dir(const char *root, const char *version, const char *crt, const char *key)
{
    char path[600], link[600];
    snprintf(path, sizeof path, "%s/%s", root, version);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/%s/tls.crt", root, version);
    copy_file(crt, path);
    snprintf(path, sizeof path, "%s/%s/tls.key", root, version);
    copy_file(key, path);
    /* atomic swap: new symlink beside, renamed over ..data */
    snprintf(link, sizeof link, "%s/..data_tmp", root);
    ck_assert_int_eq(symlink(version, link), 0);
    snprintf(path, sizeof path, "%s/..data", root);
    ck_assert_int_eq(rename(link, path), 0);
}

START_TEST(certificate_rotation_through_a_symlink_swap_takes_effect_while_serving)
{
    /* two CAs: a client trusting only one of them tells which certificate is served */
    fo_testcerts *ca2 = fo_testcerts_new();
    char *crt1, *key1, *crt2, *key2;
    fo_testcerts_issue(g_certs, "rot1", NULL, &crt1, &key1);
    fo_testcerts_issue(ca2, "rot2", NULL, &crt2, &key2);
    char *root = fo_test_mkdtemp();
    secret_dir(root, "..v1", crt1, key1);
    char crt[600], key[600], path[600];
    snprintf(crt, sizeof crt, "%s/tls.crt", root);
    snprintf(key, sizeof key, "%s/tls.key", root);
    ck_assert_int_eq(symlink("..data/tls.crt", crt), 0);
    ck_assert_int_eq(symlink("..data/tls.key", key), 0);

    fo_certwatch *cw = watch(crt, key);
    char fp1[65], fp2[65];
    fo_certwatch_fingerprint(cw, fp1);
    fo_httpd *srv = start(2, 0, cw);
    CURLcode cc;
    ck_assert_int_eq(https_status(srv, g_certs->ca_cert, &cc), 200);
    ck_assert_int_eq(https_status(srv, ca2->ca_cert, &cc), 0);
    ck_assert_int_ne(cc, CURLE_OK);

    /* nothing changed yet */
    bool reloaded = true;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(!reloaded);

    /* a mismatched pair (cert 2 with key 1) is refused and the old pair keeps serving */
    snprintf(path, sizeof path, "%s/..v2", root);
    secret_dir(root, "..v2", crt2, key1);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert(!reloaded);
    ck_assert_ptr_nonnull(strstr(err.message, "does not belong"));
    ck_assert_int_eq(fo_certwatch_generation(cw), 1);
    ck_assert_int_eq(https_status(srv, g_certs->ca_cert, &cc), 200);

    /* garbage is refused too */
    fo_err_clear(&err);
    secret_dir(root, "..v3", crt2, crt2);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "key"));
    ck_assert_int_eq(https_status(srv, g_certs->ca_cert, &cc), 200);

    /* the good new pair is served from the next connection on */
    secret_dir(root, "..v4", crt2, key2);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(reloaded);
    ck_assert_int_eq(fo_certwatch_generation(cw), 2);
    fo_certwatch_fingerprint(cw, fp2);
    ck_assert_str_ne(fp1, fp2);
    ck_assert_int_eq(https_status(srv, ca2->ca_cert, &cc), 200);
    ck_assert_int_eq(https_status(srv, g_certs->ca_cert, &cc), 0);
    ck_assert_int_ne(cc, CURLE_OK);

    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    fo_test_rmdir(root);
    free(root);
    free(crt1);
    free(key1);
    free(crt2);
    free(key2);
    fo_testcerts_free(ca2);
}
END_TEST

START_TEST(certwatch_refuses_missing_and_mismatched_files_at_start)
{
    char *crt1, *key1, *crt2, *key2;
    fo_testcerts_issue(g_certs, "m1", NULL, &crt1, &key1);
    fo_testcerts_issue(g_certs, "m2", NULL, &crt2, &key2);
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_certwatch_new("/nonexistent/tls.crt", key1, &err));
    ck_assert_int_eq(err.rc, FO_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/tls.crt"));
    ck_assert_ptr_null(fo_certwatch_new(crt1, key2, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "does not belong"));
    ck_assert_ptr_null(fo_certwatch_new(key1, key1, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "certificate"));
    fo_certwatch_free(NULL);
    free(crt1);
    free(key1);
    free(crt2);
    free(key2);
}
END_TEST

/* A Kubernetes-style secret directory under a new root with pair crt/key; the watched paths
 * in crt_out / key_out. */
static char *secret_root(const char *crt, const char *key, char crt_out[600], char key_out[600])
{
    char *root = fo_test_mkdtemp();
    secret_dir(root, "..v1", crt, key);
    snprintf(crt_out, 600, "%s/tls.crt", root);
    snprintf(key_out, 600, "%s/tls.key", root);
    ck_assert_int_eq(symlink("..data/tls.crt", crt_out), 0);
    ck_assert_int_eq(symlink("..data/tls.key", key_out), 0);
    return root;
}

/* A pair clients would refuse is not swapped in: expired, or not valid yet (then tried again
 * at every check, as the time may come). At start there is no other, so it is served. */
START_TEST(certificates_outside_their_validity_are_refused_on_reload)
{
    char *crt1, *key1, *old_crt, *old_key, *new_crt, *new_key;
    fo_testcerts_issue(g_certs, "v1", NULL, &crt1, &key1);
    fo_testcerts_issue_dated(g_certs, "expired", "2019-01-01 00:00:00", "2020-02-01 00:00:00",
                             &old_crt, &old_key);
    fo_testcerts_issue_dated(g_certs, "future", "2099-01-01 00:00:00", "2100-01-01 00:00:00",
                             &new_crt, &new_key);
    char crt[600], key[600];
    char *root = secret_root(crt1, key1, crt, key);
    fo_certwatch *cw = watch(crt, key);
    char fp1[65], fp[65];
    fo_certwatch_fingerprint(cw, fp1);
    bool reloaded = true;
    fo_err err;
    secret_dir(root, "..v2", old_crt, old_key);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert(!reloaded);
    ck_assert_ptr_nonnull(strstr(err.message, "expired at 2020-02-01T00:00:00Z"));
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK); /* not tried again */

    secret_dir(root, "..v3", new_crt, new_key);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "not valid before 2099-01-01T00:00:00Z"));
    /* tried again at every check, reported once */
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(!reloaded);
    ck_assert_int_eq(fo_certwatch_generation(cw), 1);
    fo_certwatch_fingerprint(cw, fp);
    ck_assert_str_eq(fp, fp1);
    fo_certwatch_free(cw);

    /* at start: served */
    cw = watch(old_crt, old_key);
    ck_assert_int_eq(fo_certwatch_generation(cw), 1);
    fo_certwatch_free(cw);
    fo_test_rmdir(root);
    free(root);
    free(crt1);
    free(key1);
    free(old_crt);
    free(old_key);
    free(new_crt);
    free(new_key);
}
END_TEST

/* A load that failed for want of file descriptors is tried again at the next check, though
 * the files did not change again; a FIFO is refused at once instead of waited on; a recheck
 * loads the files again unchanged. */
START_TEST(a_passing_failure_is_retried_and_a_fifo_never_waited_on)
{
    char *crt1, *key1, *crt2, *key2;
    fo_testcerts_issue(g_certs, "r1", NULL, &crt1, &key1);
    fo_testcerts_issue(g_certs, "r2", NULL, &crt2, &key2);
    char crt[600], key[600];
    char *root = secret_root(crt1, key1, crt, key);
    fo_certwatch *cw = watch(crt, key);
    secret_dir(root, "..v2", crt2, key2);

    /* no descriptor left */
    struct rlimit saved;
    fo_test_exhaust_fds(&saved);
    bool reloaded = true;
    fo_err err;
    fo_rc rc = fo_certwatch_check(cw, &reloaded, &err);
    fo_test_restore_fd_limit(&saved);
    ck_assert_int_eq(rc, FO_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "Too many open files"));
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(reloaded);
    ck_assert_int_eq(fo_certwatch_generation(cw), 2);

    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(!reloaded);
    fo_certwatch_recheck(cw);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(reloaded);
    ck_assert_int_eq(fo_certwatch_generation(cw), 3);

    char fifo[700];
    snprintf(fifo, sizeof fifo, "%s/fifo", root);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_certwatch_new(crt, fifo, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "not a regular file"));

    fo_certwatch_free(cw);
    fo_test_rmdir(root);
    free(root);
    free(crt1);
    free(key1);
    free(crt2);
    free(key2);
}
END_TEST

/* A new pair refused for the reason of the last refused one is reported again: each is a
 * change someone made, and the failure count and log must show it (only a retry of the same
 * files is reported once). */
START_TEST(a_second_bad_pair_is_reported_though_its_reason_repeats)
{
    char *crt1, *key1, *crt2, *key2, *crt3, *key3;
    fo_testcerts_issue(g_certs, "s1", NULL, &crt1, &key1);
    fo_testcerts_issue(g_certs, "s2", NULL, &crt2, &key2);
    fo_testcerts_issue(g_certs, "s3", NULL, &crt3, &key3);
    char crt[600], key[600];
    char *root = secret_root(crt1, key1, crt, key);
    fo_certwatch *cw = watch(crt, key);
    bool reloaded = true;
    fo_err err;
    secret_dir(root, "..v2", crt2, key3);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "does not belong"));
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK); /* unchanged */
    /* another mismatched pair: the same words, a new refusal */
    secret_dir(root, "..v3", crt3, key2);
    fo_err_clear(&err);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "does not belong"));
    ck_assert(!reloaded);
    /* read again by hand (SIGHUP): the reason already reported */
    fo_certwatch_recheck(cw);
    ck_assert_int_eq(fo_certwatch_check(cw, &reloaded, &err), FO_OK);
    ck_assert(!reloaded);
    ck_assert_int_eq(fo_certwatch_generation(cw), 1);
    fo_certwatch_free(cw);
    fo_test_rmdir(root);
    free(root);
    free(crt1);
    free(key1);
    free(crt2);
    free(key2);
    free(crt3);
    free(key3);
}
END_TEST

static void certs_setup(void)
{
    g_certs = fo_testcerts_new();
}

static void certs_teardown(void)
{
    fo_testcerts_free(g_certs);
    g_certs = NULL;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("certwatch");
    TCase *tls = tcase_create("tls");
    tcase_add_checked_fixture(tls, certs_setup, certs_teardown);
    tcase_add_test(tls, tls_round_trip_verifies_against_the_test_ca);
    tcase_add_test(tls, tls_1_1_is_refused_and_tls_1_2_accepted);
    tcase_add_test(tls, certificate_rotation_through_a_symlink_swap_takes_effect_while_serving);
    tcase_add_test(tls, certwatch_refuses_missing_and_mismatched_files_at_start);
    tcase_add_test(tls, certificates_outside_their_validity_are_refused_on_reload);
    tcase_add_test(tls, a_passing_failure_is_retried_and_a_fifo_never_waited_on);
    tcase_add_test(tls, a_second_bad_pair_is_reported_though_its_reason_repeats);
    suite_add_tcase(s, tls);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
