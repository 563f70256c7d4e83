/* kube_config: kubeconfig fixtures (tests/data/kubeconfig-*) and in-cluster settings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "tests/support/rawsrv.h"
#include "tests/support/testutil.h"

static fo_kube_config *load(const char *fixture, const char *context, fo_err *err)
{
    char *path = fo_test_data_path(fixture);
    fo_kube_config_opts o = {.kubeconfig = path, .context = context};
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, err);
    free(path);
    return kc;
}

static const char *token(fo_kube_config *kc)
{
    static char buf[256];
    fo_err err;
    ck_assert_int_eq(fo_kube_config_token(kc, buf, sizeof buf, &err), FO_OK);
    return buf;
}

START_TEST(current_context_gives_server_prefix_token_ca_and_namespace)
{
    fo_err err;
    fo_kube_config *kc = load("kubeconfig-two-contexts.yaml", NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    /* the trailing slash goes, the path prefix stays */
    ck_assert_str_eq(fo_kube_config_server(kc), "https://k8s.example.com:6443/clusters/c-1");
    ck_assert_str_eq(fo_kube_config_namespace(kc), "flink-jobs");
    ck_assert_str_eq(token(kc), "dev-token-abc");
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    char *ca = fo_test_read_data("kubeconfig-files/ca.crt", NULL);
    ck_assert_str_eq(ho.ca_pem, ca);
    ck_assert_ptr_null(ho.ca_file);
    ck_assert_ptr_null(ho.client_cert_file);
    ck_assert_ptr_null(ho.client_cert_pem);
    ck_assert(!ho.insecure_skip_verify);
    free(ca);
    fo_kube_config_free(kc);
}
END_TEST

START_TEST(named_context_resolves_files_against_the_kubeconfig_directory)
{
    fo_err err;
    fo_kube_config *kc = load("kubeconfig-two-contexts.yaml", "prod", &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://[2001:db8::10]:443");
    ck_assert_str_eq(fo_kube_config_namespace(kc), "default");
    ck_assert_str_eq(token(kc), "");
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    char *ca = fo_test_data_path("kubeconfig-files/ca.crt");
    char *crt = fo_test_data_path("kubeconfig-files/client.crt");
    char *key = fo_test_data_path("kubeconfig-files/client.key");
    ck_assert_str_eq(ho.ca_file, ca);
    ck_assert_str_eq(ho.client_cert_file, crt);
    ck_assert_str_eq(ho.client_key_file, key);
    free(ca);
    free(crt);
    free(key);
    fo_kube_config_free(kc);
}
END_TEST

START_TEST(embedded_client_certificate_and_key_are_decoded)
{
    fo_err err;
    fo_kube_config *kc = load("kubeconfig-embedded-client-cert.yaml", NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    char *crt = fo_test_read_data("kubeconfig-files/client.crt", NULL);
    char *key = fo_test_read_data("kubeconfig-files/client.key", NULL);
    ck_assert_str_eq(ho.client_cert_pem, crt);
    ck_assert_str_eq(ho.client_key_pem, key);
    ck_assert_str_eq(fo_kube_config_namespace(kc), "default");
    free(crt);
    free(key);
    fo_kube_config_free(kc);
}
END_TEST

START_TEST(token_file_wins_over_token_and_insecure_needs_no_ca)
{
    fo_err err;
    fo_kube_config *kc = load("kubeconfig-token-file-insecure.yaml", NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(token(kc), "token-from-file-1");
    ck_assert_str_eq(fo_kube_config_server(kc), "http://127.0.0.1:8080");
    ck_assert_str_eq(fo_kube_config_namespace(kc), "ops");
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    ck_assert(ho.insecure_skip_verify);
    fo_kube_config_free(kc);
}
END_TEST

static void expect_error(const char *fixture, const char *context, fo_rc rc, const char *needle)
{
    fo_err err;
    fo_kube_config *kc = load(fixture, context, &err);
    ck_assert_ptr_null(kc);
    ck_assert_int_eq(err.rc, rc);
    ck_assert_msg(strstr(err.message, fixture), "\"%s\" does not name %s", err.message, fixture);
    ck_assert_msg(strstr(err.message, needle), "\"%s\" lacks \"%s\"", err.message, needle);
}

START_TEST(bad_kubeconfigs_name_the_file_and_the_field)
{
    expect_error("kubeconfig-insecure-with-ca.yaml", NULL, FO_EINVAL,
                 ": clusters[0].cluster.insecure-skip-tls-verify: cannot be combined");
    expect_error("kubeconfig-exec-user.yaml", NULL, FO_EINVAL,
                 ": users[1].user.exec.interactiveMode: Always needs a terminal");
    expect_error("kubeconfig-bad-base64.yaml", NULL, FO_EINVAL,
                 ": users[0].user.client-key-data: not valid base64");
    expect_error("kubeconfig-missing-server.yaml", NULL, FO_EINVAL,
                 ": clusters[1].cluster.server: required");
    expect_error("kubeconfig-not-yaml.yaml", NULL, FO_EINVAL, "line");
    expect_error("kubeconfig-two-contexts.yaml", "staging", FO_ENOTFOUND,
                 "no context named \"staging\"");
}
END_TEST

START_TEST(a_missing_single_file_is_not_found)
{
    fo_err err;
    fo_kube_config_opts o = {.kubeconfig = "/nonexistent/kubeconfig"};
    ck_assert_ptr_null(fo_kube_config_from_kubeconfig(&o, &err));
    ck_assert_int_eq(err.rc, FO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/kubeconfig"));
}
END_TEST

/* An empty kubeconfig exists and was read: it is an empty config (no current-context), as
 * kubectl reads it, never "no such file", alone or in a path list. */
START_TEST(an_empty_file_is_an_empty_config_not_a_missing_one)
{
    char *dir = fo_test_mkdtemp();
    char *path = NULL, *list = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/config", dir), 0);
    ck_assert_int_gt(asprintf(&list, "%s:%s", path, path), 0);
    fo_test_write_file(path, "");
    const char *const paths[] = {path, list};
    for (size_t i = 0; i < 2; i++) {
        fo_err err;
        fo_kube_config_opts o = {.kubeconfig = paths[i]};
        ck_assert_ptr_null(fo_kube_config_from_kubeconfig(&o, &err));
        ck_assert_msg(err.rc == FO_EINVAL && !strstr(err.message, "no such file") &&
                          strncmp(err.message, path, strlen(path)) == 0 &&
                          strstr(err.message, "current-context: not set"),
                      "%s: %s", paths[i], err.message);
    }
    fo_test_rmdir(dir);
    free(dir);
    free(path);
    free(list);
}
END_TEST

START_TEST(a_path_list_merges_with_the_first_file_winning)
{
    char *a = fo_test_data_path("kubeconfig-merge-first.yaml");
    char *b = fo_test_data_path("kubeconfig-merge-second.yaml");
    char *list = NULL;
    ck_assert_int_gt(asprintf(&list, "%s:/nonexistent/skipped:%s", a, b), 0);
    fo_kube_config_opts o = {.kubeconfig = list};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://first.example.com");
    ck_assert_str_eq(token(kc), "second-token");
    ck_assert_str_eq(fo_kube_config_namespace(kc), "second-ns");
    fo_kube_config_free(kc);
    /* $KUBECONFIG is read when no path is given */
    setenv("KUBECONFIG", list, 1);
    fo_kube_config_opts none = {0};
    kc = fo_kube_config_load(&none, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://first.example.com");
    fo_kube_config_free(kc);
    unsetenv("KUBECONFIG");
    free(list);
    free(a);
    free(b);
}
END_TEST

struct sa_dir {
    char *dir, *token, *ca, *ns;
};

static void sa_make(struct sa_dir *d, const char *tok)
{
    d->dir = fo_test_mkdtemp();
    ck_assert_int_gt(asprintf(&d->token, "%s/token", d->dir), 0);
    ck_assert_int_gt(asprintf(&d->ca, "%s/ca.crt", d->dir), 0);
    ck_assert_int_gt(asprintf(&d->ns, "%s/namespace", d->dir), 0);
    fo_test_write_file(d->token, tok);
    fo_test_write_file(d->ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    fo_test_write_file(d->ns, "flink-operator\n");
}

static void sa_free(struct sa_dir *d)
{
    fo_test_rmdir(d->dir);
    free(d->dir);
    free(d->token);
    free(d->ca);
    free(d->ns);
}

START_TEST(in_cluster_reads_service_account_files_and_brackets_ipv6)
{
    struct sa_dir d;
    sa_make(&d, "sa-token-1\n");
    fo_kube_config_opts o = {.host = "fd00:10:96::1",
                             .port = "443",
                             .token_path = d.token,
                             .ca_path = d.ca,
                             .namespace_path = d.ns};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_in_cluster(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://[fd00:10:96::1]:443");
    ck_assert_str_eq(fo_kube_config_namespace(kc), "flink-operator");
    ck_assert_str_eq(fo_kube_config_source(kc), "in-cluster");
    ck_assert_str_eq(token(kc), "sa-token-1");
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    ck_assert_str_eq(ho.ca_file, d.ca);
    fo_kube_config_free(kc);

    o.host = "10.96.0.1";
    kc = fo_kube_config_in_cluster(&o, &err);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://10.96.0.1:443");
    fo_kube_config_free(kc);
    sa_free(&d);
}
END_TEST

START_TEST(in_cluster_token_is_reread_when_it_rotates)
{
    struct sa_dir d;
    sa_make(&d, "first\n");
    fo_clock *clk = fo_clock_fake_new(1776676502000LL);
    fo_kube_config_opts o = {.host = "10.0.0.1",
                             .port = "6443",
                             .token_path = d.token,
                             .ca_path = d.ca,
                             .namespace_path = d.ns,
                             .clock = clk};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_in_cluster(&o, &err);
    ck_assert_ptr_nonnull(kc);
    ck_assert_str_eq(token(kc), "first");
    fo_test_write_file(d.token, "second\n");
    fo_clock_fake_advance(clk, FO_KUBE_TOKEN_REFRESH_MS - 1);
    ck_assert_str_eq(token(kc), "first"); /* cached within the interval */
    fo_clock_fake_advance(clk, 1);
    ck_assert_str_eq(token(kc), "second");
    /* after a 401 the caller marks it stale: re-read at once */
    fo_test_write_file(d.token, "third\n");
    fo_kube_config_token_stale(kc);
    ck_assert_str_eq(token(kc), "third");
    /* a failed re-read keeps the last good token */
    unlink(d.token);
    fo_clock_fake_advance(clk, FO_KUBE_TOKEN_REFRESH_MS);
    ck_assert_str_eq(token(kc), "third");
    /* a buffer too small is refused, not overrun */
    char tiny[4];
    ck_assert_int_eq(fo_kube_config_token(kc, tiny, sizeof tiny, &err), FO_ELIMIT);
    fo_kube_config_free(kc);
    fo_clock_free(clk);
    sa_free(&d);
}
END_TEST

START_TEST(in_cluster_needs_host_port_and_a_token)
{
    struct sa_dir d;
    sa_make(&d, "t");
    fo_kube_config_opts o = {.host = "", .port = "443", .token_path = d.token, .ca_path = d.ca};
    fo_err err;
    ck_assert_ptr_null(fo_kube_config_in_cluster(&o, &err));
    ck_assert_int_eq(err.rc, FO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "KUBERNETES_SERVICE_HOST"));
    o.host = "10.0.0.1";
    unlink(d.token);
    ck_assert_ptr_null(fo_kube_config_in_cluster(&o, &err));
    ck_assert_int_eq(err.rc, FO_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, d.token));
    /* no namespace file: "default" */
    fo_test_write_file(d.token, "t");
    o.namespace_path = "/nonexistent/namespace";
    fo_kube_config *kc = fo_kube_config_in_cluster(&o, &err);
    ck_assert_ptr_nonnull(kc);
    ck_assert_str_eq(fo_kube_config_namespace(kc), "default");
    fo_kube_config_free(kc);
    sa_free(&d);
}
END_TEST

START_TEST(load_prefers_an_explicit_path_then_in_cluster)
{
    struct sa_dir d;
    sa_make(&d, "t");
    unsetenv("KUBECONFIG");
    char *path = fo_test_data_path("kubeconfig-two-contexts.yaml");
    fo_kube_config_opts o = {.kubeconfig = path,
                             .host = "10.0.0.1",
                             .port = "443",
                             .token_path = d.token,
                             .ca_path = d.ca,
                             .namespace_path = d.ns};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_load(&o, &err);
    ck_assert_str_eq(fo_kube_config_server(kc), "https://k8s.example.com:6443/clusters/c-1");
    fo_kube_config_free(kc);
    o.kubeconfig = NULL;
    kc = fo_kube_config_load(&o, &err);
    ck_assert_str_eq(fo_kube_config_source(kc), "in-cluster");
    fo_kube_config_free(kc);
    free(path);
    sa_free(&d);
}
END_TEST

/* Answers every request with the Namespace "default", as the API server behind a proxy. */
static bool reply_namespace(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    static const char body[] = "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
                               "\"metadata\":{\"name\":\"default\"}}";
    char head[200];
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             sizeof body - 1);
    fo_rawsrv_send_str(fd, head);
    fo_rawsrv_send_str(fd, body);
    return true;
}

/* clusters[].cluster.proxy-url (kubectl config set-cluster --proxy-url): every request goes
 * through that proxy, whatever NO_PROXY says (client-go's http.ProxyURL). */
START_TEST(requests_go_through_the_clusters_proxy_url)
{
    fo_rawsrv_opts ro = {.reply = reply_namespace};
    fo_rawsrv *proxy = fo_rawsrv_start(&ro);
    char *dir = fo_test_mkdtemp(), *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: "
                              "'http://kubernetes.invalid:6443', proxy-url: "
                              "'http://127.0.0.1:%d'}}]\n"
                              "contexts: [{name: c, context: {cluster: c}}]\n",
                              fo_rawsrv_port(proxy)),
                     0);
    fo_test_write_file(path, text);
    setenv("NO_PROXY", "*", 1);
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    fo_kube_client_opts ko = {.max_retries = -1, .timeout_ms = 5000};
    fo_kube_client *client = fo_kube_client_new(kc, &ko, &err);
    ck_assert_ptr_nonnull(client);
    fo_kube_ref ref = {.version = "v1", .resource = "namespaces", .name = "default"};
    json_t *out = NULL;
    ck_assert_msg(fo_kube_get(client, &ref, &out, &err) == FO_OK, "%s", err.message);
    json_decref(out);
    const char *head = fo_rawsrv_last(proxy)->head;
    ck_assert_msg(strncmp(head, "GET http://kubernetes.invalid:6443/api/v1/namespaces/default ",
                          61) == 0,
                  "the proxy got: %.100s", head);
    fo_kube_client_free(client);
    fo_kube_config_free(kc);
    unsetenv("NO_PROXY");
    fo_rawsrv_stop(proxy);
    /* socks5: the proxy resolves the server's name, as Go's SOCKS5 dialer has it do */
    fo_test_write_file(path, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: 'https://k8s.internal', "
                             "proxy-url: 'socks5://127.0.0.1:1080'}}]\n"
                             "contexts: [{name: c, context: {cluster: c}}]\n");
    kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    fo_http_client_opts ho = {0};
    fo_kube_config_tls_opts(kc, &ho);
    ck_assert_str_eq(ho.proxy, "socks5h://127.0.0.1:1080");
    fo_kube_config_free(kc);
    fo_test_write_file(path, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: 'https://k8s.internal', "
                             "proxy-url: 'ftp://127.0.0.1:21'}}]\n"
                             "contexts: [{name: c, context: {cluster: c}}]\n");
    ck_assert_ptr_null(fo_kube_config_from_kubeconfig(&o, &err));
    ck_assert_msg(strstr(err.message, "clusters[0].cluster.proxy-url: the scheme must be"), "%s",
                  err.message);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
    free(text);
}
END_TEST

/* GET the namespace "default" with a fresh client of kc (which reads the proxy variables
 * when it is made), without retries. */
static fo_rc get_default(fo_kube_config *kc, fo_err *err)
{
    fo_kube_client_opts ko = {.max_retries = -1, .timeout_ms = 5000};
    fo_kube_client *client = fo_kube_client_new(kc, &ko, err);
    ck_assert_ptr_nonnull(client);
    fo_kube_ref ref = {.version = "v1", .resource = "namespaces", .name = "default"};
    json_t *out = NULL;
    fo_rc rc = fo_kube_get(client, &ref, &out, err);
    json_decref(out);
    fo_kube_client_free(client);
    return rc;
}

/* Without proxy-url, client-go's transport takes http.ProxyFromEnvironment: HTTP_PROXY for an
 * http server (the upper-case name too, which libcurl ignores for http), a value without a
 * scheme read as http://, never ALL_PROXY (which libcurl would use), and NO_PROXY entries that
 * may name a port. kubernetes.invalid never resolves, so a request that does not go through
 * the proxy fails. */
START_TEST(without_proxy_url_the_environments_proxy_is_read_as_client_go_reads_it)
{
    char **saved = fo_test_proxy_env_clear();
    fo_rawsrv *proxy = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_namespace});
    char *dir = fo_test_mkdtemp(), *path = NULL, *value = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", dir), 0);
    ck_assert_int_gt(asprintf(&value, "127.0.0.1:%d", fo_rawsrv_port(proxy)), 0);
    fo_test_write_file(path, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: "
                             "'http://kubernetes.invalid:6443'}}]\n"
                             "contexts: [{name: c, context: {cluster: c}}]\n");
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);

    setenv("ALL_PROXY", value, 1);
    setenv("all_proxy", value, 1);
    ck_assert_int_ne(get_default(kc, &err), FO_OK);
    ck_assert_msg(fo_rawsrv_requests(proxy) == 0, "ALL_PROXY was used");

    setenv("HTTP_PROXY", value, 1);
    ck_assert_msg(get_default(kc, &err) == FO_OK, "%s", err.message);
    ck_assert_int_eq(fo_rawsrv_requests(proxy), 1);
    const char *head = fo_rawsrv_last(proxy)->head;
    ck_assert_msg(strncmp(head, "GET http://kubernetes.invalid:6443/api/v1/namespaces/default ",
                          61) == 0,
                  "the proxy got: %.100s", head);

    setenv("NO_PROXY", "localhost, kubernetes.invalid:6443", 1);
    ck_assert_int_ne(get_default(kc, &err), FO_OK);
    ck_assert_int_eq(fo_rawsrv_requests(proxy), 1);
    setenv("NO_PROXY", "kubernetes.invalid:443", 1);
    ck_assert_msg(get_default(kc, &err) == FO_OK, "%s", err.message);
    ck_assert_int_eq(fo_rawsrv_requests(proxy), 2);

    fo_test_proxy_env_restore(saved);
    fo_kube_config_free(kc);
    fo_rawsrv_stop(proxy);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
    free(value);
}
END_TEST

/* A proxy URL's user and password as Go's url.Parse reads them (RFC 3986 userinfo, the last
 * '@' ending it, so a user may be an address "alice@corp.example"), sent as Basic credentials
 * (RFC 7617: base64 of "alice@corp.example:s3cret"); the request goes to the proxy either way,
 * from proxy-url or from HTTP_PROXY (there without a scheme, read as http://). */
START_TEST(a_proxys_credentials_are_read_as_go_reads_them)
{
    static const char basic[] = "Proxy-Authorization: Basic YWxpY2VAY29ycC5leGFtcGxlOnMzY3JldA==";
    char **saved = fo_test_proxy_env_clear();
    fo_rawsrv *proxy = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_namespace});
    char *dir = fo_test_mkdtemp(), *path = NULL, *text = NULL, *value = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", dir), 0);
    ck_assert_int_gt(asprintf(&value, "alice@corp.example:s3cret@127.0.0.1:%d",
                              fo_rawsrv_port(proxy)),
                     0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: "
                              "'http://kubernetes.invalid:6443', proxy-url: 'http://%s'}}]\n"
                              "contexts: [{name: c, context: {cluster: c}}]\n",
                              value),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_msg(get_default(kc, &err) == FO_OK, "proxy-url: %s", err.message);
    ck_assert_int_eq(fo_rawsrv_requests(proxy), 1);
    ck_assert_msg(strstr(fo_rawsrv_last(proxy)->head, basic), "the proxy got: %s",
                  fo_rawsrv_last(proxy)->head);
    fo_kube_config_free(kc);

    fo_test_write_file(path, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: "
                             "'http://kubernetes.invalid:6443'}}]\n"
                             "contexts: [{name: c, context: {cluster: c}}]\n");
    kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    setenv("HTTP_PROXY", value, 1);
    ck_assert_msg(get_default(kc, &err) == FO_OK, "HTTP_PROXY: %s", err.message);
    ck_assert_int_eq(fo_rawsrv_requests(proxy), 2);
    ck_assert_msg(strstr(fo_rawsrv_last(proxy)->head, basic), "the proxy got: %s",
                  fo_rawsrv_last(proxy)->head);
    fo_kube_config_free(kc);

    fo_test_proxy_env_restore(saved);
    fo_rawsrv_stop(proxy);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
    free(text);
    free(value);
}
END_TEST

/* The proxy a proxy-url names as Go's transport dials it: without a port, its scheme's (http
 * 80, https 443; libcurl would dial 1080 for http, CURLOPT_PROXYPORT), and the scheme in any
 * case, which url.Parse lower-cases (client-go's parseProxyURL then accepts it). */
START_TEST(a_proxy_url_without_a_port_is_dialled_at_its_schemes)
{
    static const struct {
        const char *proxy_url, *want;
    } cases[] = {
        {"http://proxy.corp", "http://proxy.corp:80"},
        {"https://proxy.corp/", "https://proxy.corp:443"},
        {"HTTP://proxy.corp:3128", "http://proxy.corp:3128"},
        {"socks5://[fd00::1]", "socks5h://[fd00::1]:1080"},
    };
    char *dir = fo_test_mkdtemp(), *path = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", dir), 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = NULL;
        ck_assert_int_gt(asprintf(&text,
                                  "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                                  "clusters: [{name: c, cluster: {server: 'https://k8s.internal', "
                                  "proxy-url: '%s'}}]\n"
                                  "contexts: [{name: c, context: {cluster: c}}]\n",
                                  cases[i].proxy_url),
                         0);
        fo_test_write_file(path, text);
        free(text);
        fo_kube_config_opts o = {.kubeconfig = path};
        fo_err err;
        fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
        ck_assert_msg(kc != NULL, "%s: %s", cases[i].proxy_url, err.message);
        fo_http_client_opts ho = {0};
        fo_kube_config_tls_opts(kc, &ho);
        ck_assert_msg(ho.proxy && strcmp(ho.proxy, cases[i].want) == 0, "%s: got %s, want %s",
                      cases[i].proxy_url, ho.proxy ? ho.proxy : "(null)", cases[i].want);
        fo_kube_config_free(kc);
    }
    /* a proxy-url that is no URL names the field, never quoting its value (a password) */
    fo_test_write_file(path, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: 'https://k8s.internal', "
                             "proxy-url: 'http://u:s3cret@proxy corp:3128'}}]\n"
                             "contexts: [{name: c, context: {cluster: c}}]\n");
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    ck_assert_ptr_null(fo_kube_config_from_kubeconfig(&o, &err));
    ck_assert_msg(strstr(err.message, "clusters[0].cluster.proxy-url: not a URL"), "%s",
                  err.message);
    ck_assert_msg(!strstr(err.message, "s3cret"), "%s", err.message);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_config");
    TCase *tc = tcase_create("kube_config");
    tcase_add_test(tc, current_context_gives_server_prefix_token_ca_and_namespace);
    tcase_add_test(tc, named_context_resolves_files_against_the_kubeconfig_directory);
    tcase_add_test(tc, embedded_client_certificate_and_key_are_decoded);
    tcase_add_test(tc, token_file_wins_over_token_and_insecure_needs_no_ca);
    tcase_add_test(tc, bad_kubeconfigs_name_the_file_and_the_field);
    tcase_add_test(tc, a_missing_single_file_is_not_found);
    tcase_add_test(tc, an_empty_file_is_an_empty_config_not_a_missing_one);
    tcase_add_test(tc, a_path_list_merges_with_the_first_file_winning);
    tcase_add_test(tc, in_cluster_reads_service_account_files_and_brackets_ipv6);
    tcase_add_test(tc, in_cluster_token_is_reread_when_it_rotates);
    tcase_add_test(tc, in_cluster_needs_host_port_and_a_token);
    tcase_add_test(tc, load_prefers_an_explicit_path_then_in_cluster);
    tcase_add_test(tc, requests_go_through_the_clusters_proxy_url);
    tcase_add_test(tc, without_proxy_url_the_environments_proxy_is_read_as_client_go_reads_it);
    tcase_add_test(tc, a_proxys_credentials_are_read_as_go_reads_them);
    tcase_add_test(tc, a_proxy_url_without_a_port_is_dialled_at_its_schemes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
