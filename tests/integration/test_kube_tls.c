/* The TLS settings of a kubeconfig cluster, through kube_client to the fake API server over
 * HTTPS: tls-server-name (the name the API server's certificate is checked against, client-go's
 * tls.Config.ServerName) and an https proxy-url, which client-go's transport checks with the
 * cluster's own TLS settings (Go's net/http Transport does the proxy's handshake with the same
 * TLSClientConfig: its CA, insecure flag and client certificate). */
#include <check.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/connproxy.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

#define TOKEN "tls-token"

static const fo_kube_ref NS = {.version = "v1", .resource = "namespaces", .name = "default"};
static const fo_kube_ref CM = {.version = "v1", .resource = "configmaps", .ns = "default"};

/* A kubeconfig in dir whose one cluster has `cluster` (YAML flow fields after server) and
 * whose user has `user` (YAML flow fields), loaded. */
static fo_kube_config *load(const char *dir, const char *server, const char *cluster,
                            const char *user)
{
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: '%s'%s%s}}]\n"
                              "users: [{name: u, user: {%s}}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              server, *cluster ? ", " : "", cluster, user),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    free(path);
    free(text);
    return cfg;
}

/* GET the namespace "default" with a fresh client of cfg (no retries): FO_OK or why not. */
static fo_rc get_default(fo_kube_config *cfg, fo_err *err)
{
    fo_kube_client_opts o = {.max_retries = -1, .timeout_ms = 10000};
    fo_kube_client *kc = fo_kube_client_new(cfg, &o, err);
    ck_assert_ptr_nonnull(kc);
    json_t *out = NULL;
    fo_rc rc = fo_kube_get(kc, &NS, &out, err);
    if (rc == FO_OK)
        ck_assert_str_eq(fo_json_get_str(out, "metadata.name"), "default");
    json_decref(out);
    fo_kube_client_free(kc);
    return rc;
}

static char *server_url(const fo_fake_apiserver *fa)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "https://127.0.0.1:%d", fo_fake_apiserver_port(fa)), 0);
    return u;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    ck_assert_int_ge(vasprintf(&s, f, ap), 0);
    va_end(ap);
    return s;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    char buf[16384];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return strdup(buf);
}

static fo_fake_apiserver *start_apiserver(const char *crt, const char *key, const char *client_ca)
{
    fo_fake_apiserver_opts o = {
        .token = TOKEN, .tls_cert_file = crt, .tls_key_file = key, .client_ca_file = client_ca};
    fo_err err;
    fo_fake_apiserver *fa = fo_fake_apiserver_start(&o, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    return fa;
}

static fo_rc on_event(void *ctx, fo_watch_type type, json_t *obj, fo_err *err)
{
    (void)err;
    (void)obj;
    atomic_int *stop = ctx;
    if (type == FO_WATCH_ADDED)
        atomic_store(stop, 1);
    return FO_OK;
}

/* kubeadm HA behind a load balancer, an SSH tunnel to 127.0.0.1: the API server is reached at
 * an address its certificate does not name, and tls-server-name says which name to check it
 * against (and send as SNI). The connection still goes to the server URL's address. */
START_TEST(tls_server_name_is_the_name_the_api_server_is_checked_against)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL;
    fo_testcerts_issue_names(tc, "apiserver", "apiserver.internal", &crt, &key);
    fo_fake_apiserver *fa = start_apiserver(crt, key, NULL);
    char *server = server_url(fa);
    fo_err err;

    /* without it, 127.0.0.1 is not a name of the certificate */
    char *cl = fmt("certificate-authority: '%s'", tc->ca_cert);
    fo_kube_config *cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_int_eq(get_default(cfg, &err), FO_EIO);
    fo_kube_config_free(cfg);
    free(cl);

    /* with it: requests, a list and a watch (a stream on its own connection) */
    cl = fmt("certificate-authority: '%s', tls-server-name: apiserver.internal", tc->ca_cert);
    cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    fo_kube_client *kc = fo_kube_client_new(cfg, NULL, &err);
    json_t *list = NULL;
    ck_assert_msg(fo_kube_list_all(kc, &CM, NULL, &list, &err) == FO_OK, "%s", err.message);
    json_t *cm = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap", "metadata",
                           "name", "named");
    ck_assert_msg(fo_kube_create(kc, &CM, cm, NULL, NULL, &err) == FO_OK, "%s", err.message);
    atomic_int stop = 0;
    fo_kube_watch_opts wo = {.resource_version = fo_json_get_str(list, "metadata.resourceVersion"),
                             .timeout_s = 10};
    ck_assert_int_eq(fo_kube_watch(kc, &CM, &wo, on_event, (void *)&stop, &stop, &err),
                     FO_ESHUTDOWN);
    ck_assert_int_eq(atomic_load(&stop), 1);
    json_decref(cm);
    json_decref(list);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    free(cl);

    /* a name the certificate does not hold is refused as before */
    cl = fmt("certificate-authority: '%s', tls-server-name: other.internal", tc->ca_cert);
    cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_int_eq(get_default(cfg, &err), FO_EIO);
    ck_assert_msg(strstr(err.message, "other.internal"), "%s", err.message);
    fo_kube_config_free(cfg);
    free(cl);

    fo_fake_apiserver_stop(fa);
    free(server);
    free(crt);
    free(key);
    fo_testcerts_free(tc);
}
END_TEST

/* An exec plugin's client certificate (presented through the http client's rotation path)
 * with tls-server-name; a plugin asking for the cluster's details (provideClusterInfo) is
 * told the name too, as client-go's clientauthentication Cluster has tls-server-name. */
START_TEST(tls_server_name_works_with_an_exec_plugins_client_certificate)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *ucrt = NULL, *ukey = NULL;
    fo_testcerts_issue_names(tc, "apiserver", "apiserver.internal", &crt, &key);
    fo_testcerts_issue_client(tc, "exec-user", NULL, NULL, &ucrt, &ukey);
    fo_fake_apiserver *fa = start_apiserver(crt, key, tc->ca_cert);
    char *server = server_url(fa);
    /* The plugin answers with the pair (jansson writes the PEM with its newlines escaped) and
     * keeps what KUBERNETES_EXEC_INFO said. */
    char *c = NULL, *k = NULL, *answer = NULL, *plugin = NULL, *script = NULL;
    size_t n = 0;
    fo_err err;
    c = slurp(ucrt, &n);
    k = slurp(ukey, &n);
    json_t *cred =
        json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "client.authentication.k8s.io/v1", "kind",
                  "ExecCredential", "status", "clientCertificateData", c, "clientKeyData", k);
    answer = fmt("%s/answer.json", tc->dir);
    ck_assert_int_eq(json_dump_file(cred, answer, JSON_COMPACT), 0);
    plugin = fmt("%s/plugin.sh", tc->dir);
    script = fmt("#!/bin/sh\nprintf '%%s' \"$KUBERNETES_EXEC_INFO\" > '%s/info.json'\n"
                 "cat '%s'\n",
                 tc->dir, answer);
    fo_test_write_file(plugin, script);
    ck_assert_int_eq(chmod(plugin, 0755), 0);
    char *cl = fmt("certificate-authority: '%s', tls-server-name: apiserver.internal", tc->ca_cert);
    fo_kube_config *cfg =
        load(tc->dir, server, cl,
             "exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh,"
             " interactiveMode: Never, provideClusterInfo: true}");
    fo_kube_client *kc = fo_kube_client_new(cfg, NULL, &err);
    fo_kube_ref r = {
        .group = "authentication.k8s.io", .version = "v1", .resource = "selfsubjectreviews"};
    json_t *req = json_pack("{s:s,s:s}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "SelfSubjectReview"),
           *out = NULL;
    ck_assert_msg(fo_kube_create(kc, &r, req, NULL, &out, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(fo_json_get_str(out, "status.userInfo.username"), "exec-user");
    char *info_path = fmt("%s/info.json", tc->dir), *info_text = NULL;
    info_text = slurp(info_path, &n);
    json_t *info = fo_json_parse(info_text, n, 0, &err);
    ck_assert_msg(info != NULL, "%s", info_text);
    ck_assert_str_eq(fo_json_get_str(info, "spec.cluster.tls-server-name"), "apiserver.internal");
    ck_assert_str_eq(fo_json_get_str(info, "spec.cluster.server"), server);
    json_decref(info);
    json_decref(req);
    json_decref(out);
    json_decref(cred);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    fo_fake_apiserver_stop(fa);
    free(info_path);
    free(info_text);
    free(cl);
    free(c);
    free(k);
    free(answer);
    free(plugin);
    free(script);
    free(server);
    free(crt);
    free(key);
    free(ucrt);
    free(ukey);
    fo_testcerts_free(tc);
}
END_TEST

/* An https proxy-url whose certificate the cluster's CA signed: client-go checks the proxy with
 * the cluster's TLS settings, so the kubeconfig's CA is the one that must vouch for it (the
 * system's CAs do not know a private CA). A proxy the CA did not sign is refused before
 * anything reaches the API server. */
START_TEST(an_https_proxy_is_checked_with_the_clusters_ca)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *pcrt = NULL, *pkey = NULL, *bcrt = NULL, *bkey = NULL;
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_issue(tc, "proxy", NULL, &pcrt, &pkey);
    fo_testcerts_self_signed(tc, "impostor", &bcrt, &bkey);
    fo_fake_apiserver *fa = start_apiserver(crt, key, NULL);
    char *server = server_url(fa), target[64], seen[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", fo_fake_apiserver_port(fa));
    fo_err err;

    fo_connproxy *px = fo_connproxy_start(&(fo_connproxy_opts){pcrt, pkey, NULL, NULL});
    char *cl = fmt("certificate-authority: '%s', proxy-url: 'https://127.0.0.1:%d'", tc->ca_cert,
                   fo_connproxy_port(px));
    fo_kube_config *cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    ck_assert_int_ge(fo_connproxy_tunnels(px), 1);
    fo_connproxy_last_target(px, seen, sizeof seen);
    ck_assert_str_eq(seen, target);
    fo_kube_config_free(cfg);
    fo_connproxy_stop(px);
    free(cl);

    px = fo_connproxy_start(&(fo_connproxy_opts){bcrt, bkey, NULL, NULL});
    cl = fmt("certificate-authority: '%s', proxy-url: 'https://127.0.0.1:%d'", tc->ca_cert,
             fo_connproxy_port(px));
    cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_int_eq(get_default(cfg, &err), FO_EIO);
    ck_assert_int_ge(fo_connproxy_accepts(px), 1);
    ck_assert_int_eq(fo_connproxy_tunnels(px), 0);
    fo_kube_config_free(cfg);
    fo_connproxy_stop(px);
    free(cl);

    fo_fake_apiserver_stop(fa);
    free(server);
    free(crt);
    free(key);
    free(pcrt);
    free(pkey);
    free(bcrt);
    free(bkey);
    fo_testcerts_free(tc);
}
END_TEST

/* insecure-skip-tls-verify is Go's InsecureSkipVerify on the one TLS config client-go's
 * transport uses for every hop: the https proxy is not checked either. */
START_TEST(insecure_skip_tls_verify_covers_the_https_proxy_too)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *pcrt = NULL, *pkey = NULL;
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_self_signed(tc, "proxy", &pcrt, &pkey);
    fo_fake_apiserver *fa = start_apiserver(crt, key, NULL);
    char *server = server_url(fa);
    fo_connproxy *px = fo_connproxy_start(&(fo_connproxy_opts){pcrt, pkey, NULL, NULL});
    char *cl = fmt("insecure-skip-tls-verify: true, proxy-url: 'https://localhost:%d'",
                   fo_connproxy_port(px));
    fo_kube_config *cfg = load(tc->dir, server, cl, "token: " TOKEN);
    fo_err err;
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    ck_assert_int_ge(fo_connproxy_tunnels(px), 1);
    fo_kube_config_free(cfg);
    fo_connproxy_stop(px);
    fo_fake_apiserver_stop(fa);
    free(cl);
    free(server);
    free(crt);
    free(key);
    free(pcrt);
    free(pkey);
    fo_testcerts_free(tc);
}
END_TEST

/* Go's transport offers the config's client certificate to an https proxy that asks for one
 * (the same tls.Config), and to the API server inside the tunnel. */
START_TEST(an_https_proxy_that_asks_is_offered_the_client_certificate)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *pcrt = NULL, *pkey = NULL, *ucrt = NULL, *ukey = NULL;
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_issue(tc, "proxy", NULL, &pcrt, &pkey);
    fo_testcerts_issue_client(tc, "kube-user", NULL, NULL, &ucrt, &ukey);
    fo_fake_apiserver *fa = start_apiserver(crt, key, tc->ca_cert);
    char *server = server_url(fa), cn[64];
    fo_connproxy *px = fo_connproxy_start(&(fo_connproxy_opts){pcrt, pkey, tc->ca_cert, NULL});
    char *cl = fmt("certificate-authority: '%s', proxy-url: 'https://127.0.0.1:%d'", tc->ca_cert,
                   fo_connproxy_port(px));
    char *us = fmt("client-certificate: '%s', client-key: '%s'", ucrt, ukey);
    fo_kube_config *cfg = load(tc->dir, server, cl, us);
    fo_err err;
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    fo_connproxy_client_cn(px, cn, sizeof cn);
    ck_assert_str_eq(cn, "kube-user");
    fo_kube_config_free(cfg);
    fo_connproxy_stop(px);
    fo_fake_apiserver_stop(fa);
    free(cl);
    free(us);
    free(server);
    free(crt);
    free(key);
    free(pcrt);
    free(pkey);
    free(ucrt);
    free(ukey);
    fo_testcerts_free(tc);
}
END_TEST

/* tls-server-name behind a proxy (plain and https): the CONNECT names the server URL's own
 * address, as client-go's does; only the API server's certificate is checked against
 * tls-server-name. The https proxy's is checked against the proxy's host (client-go would
 * check it against tls-server-name too: see docs/install.md). */
START_TEST(tls_server_name_through_a_proxy_tunnels_to_the_servers_address)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *pcrt = NULL, *pkey = NULL;
    fo_testcerts_issue_names(tc, "apiserver", "apiserver.internal", &crt, &key);
    fo_testcerts_issue(tc, "proxy", NULL, &pcrt, &pkey);
    fo_fake_apiserver *fa = start_apiserver(crt, key, NULL);
    char *server = server_url(fa), target[64], seen[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", fo_fake_apiserver_port(fa));
    for (int tls = 0; tls < 2; tls++) {
        fo_connproxy_opts po = {tls ? pcrt : NULL, tls ? pkey : NULL, NULL, NULL};
        fo_connproxy *px = fo_connproxy_start(&po);
        char *cl = fmt("certificate-authority: '%s', tls-server-name: apiserver.internal, "
                       "proxy-url: '%s://127.0.0.1:%d'",
                       tc->ca_cert, tls ? "https" : "http", fo_connproxy_port(px));
        fo_kube_config *cfg = load(tc->dir, server, cl, "token: " TOKEN);
        fo_err err;
        ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s proxy: %s", tls ? "https" : "http",
                      err.message);
        fo_connproxy_last_target(px, seen, sizeof seen);
        ck_assert_str_eq(seen, target);
        fo_kube_config_free(cfg);
        fo_connproxy_stop(px);
        free(cl);
    }
    fo_fake_apiserver_stop(fa);
    free(server);
    free(crt);
    free(key);
    free(pcrt);
    free(pkey);
    fo_testcerts_free(tc);
}
END_TEST

/* Without proxy-url, client-go's transport takes its proxy from http.ProxyFromEnvironment,
 * which never sends a request for localhost or a loopback address through one, whatever
 * HTTPS_PROXY says, and never reads ALL_PROXY: an SSH tunnel or a port-forward to 127.0.0.1
 * works from a shell whose proxy is set for everything else. A proxy-url is still used for
 * every host (client-go's http.ProxyURL). */
START_TEST(a_loopback_api_server_is_reached_without_the_environments_proxy)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL;
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_fake_apiserver *fa = start_apiserver(crt, key, NULL);
    char *server = server_url(fa);
    fo_connproxy *px = fo_connproxy_start(&(fo_connproxy_opts){NULL, NULL, NULL, NULL});
    char *proxy = fmt("http://127.0.0.1:%d", fo_connproxy_port(px));
    char **saved = fo_test_proxy_env_clear();
    setenv("HTTPS_PROXY", proxy, 1);
    setenv("https_proxy", proxy, 1);
    setenv("ALL_PROXY", proxy, 1);
    fo_err err;

    char *cl = fmt("certificate-authority: '%s'", tc->ca_cert);
    fo_kube_config *cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    ck_assert_msg(fo_connproxy_accepts(px) == 0, "the environment's proxy got %d connections",
                  fo_connproxy_accepts(px));
    fo_kube_config_free(cfg);
    free(cl);

    cl = fmt("certificate-authority: '%s', proxy-url: '%s'", tc->ca_cert, proxy);
    cfg = load(tc->dir, server, cl, "token: " TOKEN);
    ck_assert_msg(get_default(cfg, &err) == FO_OK, "%s", err.message);
    ck_assert_int_ge(fo_connproxy_tunnels(px), 1);
    fo_kube_config_free(cfg);
    free(cl);

    fo_test_proxy_env_restore(saved);
    fo_connproxy_stop(px);
    fo_fake_apiserver_stop(fa);
    free(proxy);
    free(server);
    free(crt);
    free(key);
    fo_testcerts_free(tc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_tls");
    TCase *tc = tcase_create("kube_tls");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tls_server_name_is_the_name_the_api_server_is_checked_against);
    tcase_add_test(tc, tls_server_name_works_with_an_exec_plugins_client_certificate);
    tcase_add_test(tc, an_https_proxy_is_checked_with_the_clusters_ca);
    tcase_add_test(tc, insecure_skip_tls_verify_covers_the_https_proxy_too);
    tcase_add_test(tc, an_https_proxy_that_asks_is_offered_the_client_certificate);
    tcase_add_test(tc, tls_server_name_through_a_proxy_tunnels_to_the_servers_address);
    tcase_add_test(tc, a_loopback_api_server_is_reached_without_the_environments_proxy);
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
