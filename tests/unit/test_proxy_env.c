/* common/proxy_env: the proxy for a URL as Go's http.ProxyFromEnvironment chooses it. The cases
 * and their answers are those golang.org/x/net/http/httpproxy documents in proxy.go and checks
 * in proxy_test.go (proxyForURLTests, UseProxyTests with its NO_PROXY list, TestAllNoProxy,
 * TestInvalidNoProxy, TestFromEnvironment*), written as libcurl is told them: with the port
 * net/http's transport dials when the proxy URL has none (http 80, https 443, socks5 1080). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proxy_env.h"
#include "tests/support/testutil.h"

/* The proxy for url under env: the string, "<nil>" for none, or "error: <message>". */
static const char *proxy_for(const fo_proxy_env *env, const char *url)
{
    static char out[512];
    char *proxy = NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_proxy_env_for_url(env, url, &proxy, &err);
    if (rc != FO_OK) {
        ck_assert_ptr_null(proxy);
        snprintf(out, sizeof out, "error: %s", err.message);
    } else {
        snprintf(out, sizeof out, "%s", proxy ? proxy : "<nil>");
    }
    free(proxy);
    return out;
}

/* proxyForURLTests: the value read, the variable per scheme, CGI. */
START_TEST(the_proxy_is_the_urls_schemes_variable_read_as_go_reads_it)
{
    static const struct {
        fo_proxy_env env;
        const char *url, *want;
    } cases[] = {
        {{.http_proxy = "127.0.0.1:8080"}, "http://example.com", "http://127.0.0.1:8080"},
        {{.http_proxy = "cache.corp.example.com:1234"},
         "http://example.com",
         "http://cache.corp.example.com:1234"},
        {{.http_proxy = "cache.corp.example.com"},
         "http://example.com",
         "http://cache.corp.example.com:80"},
        /* a single label, which url.Parse reads as a scheme */
        {{.http_proxy = "localhost"}, "http://example.com", "http://localhost:80"},
        {{.http_proxy = "https://cache.corp.example.com"},
         "http://example.com",
         "https://cache.corp.example.com:443"},
        {{.http_proxy = "http://127.0.0.1:8080"}, "http://example.com", "http://127.0.0.1:8080"},
        {{.http_proxy = "https://127.0.0.1:8080"}, "http://example.com", "https://127.0.0.1:8080"},
        /* Go's SOCKS5 dialer sends the server's name: socks5h to libcurl */
        {{.http_proxy = "socks5://127.0.0.1"}, "http://example.com", "socks5h://127.0.0.1:1080"},
        {{.http_proxy = "socks5h://proxy.corp:1081"},
         "http://example.com",
         "socks5h://proxy.corp:1081"},
        /* each scheme its own variable */
        {{.http_proxy = "http.proxy.tld", .https_proxy = "secure.proxy.tld"},
         "http://insecure.tld/",
         "http://http.proxy.tld:80"},
        {{.http_proxy = "http.proxy.tld", .https_proxy = "secure.proxy.tld"},
         "https://secure.tld/",
         "http://secure.proxy.tld:80"},
        {{.http_proxy = "http.proxy.tld", .https_proxy = "https://secure.proxy.tld"},
         "https://secure.tld/",
         "https://secure.proxy.tld:443"},
        {{.http_proxy = "http.proxy.tld"}, "https://secure.tld/", "<nil>"},
        {{.http_proxy = "http.proxy.tld"}, "ftp://insecure.tld/", "<nil>"},
        /* HTTPS_PROXY still applies in a CGI program */
        {{.https_proxy = "https://secure.proxy.tld", .cgi = true},
         "https://secure.tld/",
         "https://secure.proxy.tld:443"},
        {{0}, "http://example.com", "<nil>"},
        {{.http_proxy = "", .https_proxy = ""}, "https://example.com", "<nil>"},
        {{.https_proxy = "http://[fd00::3128]:3128"},
         "https://example.com",
         "http://[fd00::3128]:3128"},
        /* a value that is no URL is ignored, as httpproxy's config.init ignores it */
        {{.https_proxy = "proxy corp:3128"}, "https://example.com", "<nil>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(strcmp(proxy_for(&cases[i].env, cases[i].url), cases[i].want) == 0,
                      "case %zu (%s): got %s, want %s", i, cases[i].url,
                      proxy_for(&cases[i].env, cases[i].url), cases[i].want);
}
END_TEST

/* A proxy's user and password as Go's url.Parse reads them: RFC 3986 userinfo up to the last
 * '@', split at its first ':', percent-escapes decoded (net/url parseAuthority). libcurl decodes
 * them too but ends them at the first '@' ("Unsupported proxy syntax" for a user
 * "alice@corp.example"), so it gets every byte but the unreserved ones percent-encoded. */
START_TEST(credentials_reach_libcurl_as_go_decodes_them)
{
    static const struct {
        const char *value, *want;
    } cases[] = {
        {"http://user:pa%40ss@proxy.corp:3128", "http://user:pa%40ss@proxy.corp:3128"},
        {"http://alice@corp.example:s3cret@proxy.corp:3128",
         "http://alice%40corp.example:s3cret@proxy.corp:3128"},
        {"alice@corp.example:s3cret@proxy.corp:3128",
         "http://alice%40corp.example:s3cret@proxy.corp:3128"},
        {"http://us%65r:p%3Ass@proxy.corp:3128", "http://user:p%3Ass@proxy.corp:3128"},
        {"http://u:p:q@proxy.corp:3128", "http://u:p%3Aq@proxy.corp:3128"},
        {"http://token@proxy.corp", "http://token@proxy.corp:80"},
        {"socks5://u!x:p$=@proxy.corp", "socks5h://u%21x:p%24%3D@proxy.corp:1080"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fo_proxy_env env = {.https_proxy = cases[i].value};
        ck_assert_msg(strcmp(proxy_for(&env, "https://example.com"), cases[i].want) == 0,
                      "%s: got %s, want %s", cases[i].value, proxy_for(&env, "https://example.com"),
                      cases[i].want);
    }
    char *out = NULL;
    fo_err err;
    ck_assert_int_eq(fo_proxy_env_curl_proxy("HTTP://alice@corp.example@proxy.corp", &out, &err),
                     FO_OK);
    ck_assert_str_eq(out, "http://alice%40corp.example@proxy.corp:80");
    free(out);
}
END_TEST

/* httpproxy's parseProxy ignores a value url.Parse refuses even with "http://" before it, and
 * keeps any other: "scheme://" followed by no URL is read again as "http://scheme://...", a
 * proxy named after the scheme, and "proxy.corp:3128 " as the scheme "proxy.corp" with no host.
 * No request reaches a server through those, so here those requests fail, naming the variable
 * but never quoting it (it may hold a password), instead of going direct. */
START_TEST(a_value_go_reads_as_no_reachable_proxy_fails)
{
    static const char *const bogus[] = {
        "http://proxy.corp:3128 ",        /* a port that is no number */
        "proxy.corp:3128 ",               /* the scheme "proxy.corp" */
        "http://proxy.corp:31x8",         /* a port that is no number */
        "http://CORP\\alice:s3cret@proxy.corp:3128", /* outside validUserinfo */
        "http://alice:s3cret%zz@proxy.corp:3128",      /* a '%' without two hex digits */
        "http://proxy corp:3128",                      /* a blank in the host */
        "proxy corp",                                  /* a path, with no scheme nor host */
    };
    for (size_t i = 0; i < sizeof bogus / sizeof *bogus; i++) {
        fo_proxy_env env = {.https_proxy = bogus[i]};
        const char *got = proxy_for(&env, "https://example.com");
        ck_assert_msg(strstr(got, "error: HTTPS_PROXY: not a proxy URL"), "%s: got %s", bogus[i],
                      got);
        ck_assert_msg(!strstr(got, "proxy.corp") && !strstr(got, "s3cret"), "%s", got);
        /* NO_PROXY and loopback still come first */
        env.no_proxy = "example.com";
        ck_assert_str_eq(proxy_for(&env, "https://example.com"), "<nil>");
        ck_assert_str_eq(proxy_for(&env, "https://127.0.0.1"), "<nil>");
    }
    /* url.Parse refuses these with and without "http://": ignored */
    static const char *const ignored[] = {"10.0.0.1:3128 ", " proxy.corp:3128", ":3128 ",
                                          "proxy corp:3128"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) {
        fo_proxy_env env = {.https_proxy = ignored[i]};
        ck_assert_msg(strcmp(proxy_for(&env, "https://example.com"), "<nil>") == 0,
                      "\"%s\": got %s", ignored[i], proxy_for(&env, "https://example.com"));
    }
}
END_TEST

/* Issue 16405 (golang.org/s/cgihttpproxy): in a CGI program a client sets HTTP_PROXY with its
 * "Proxy:" header, so a request HTTP_PROXY would send through a proxy fails. A scheme Go would
 * dial as an HTTP proxy and libcurl cannot (foo://) fails too, instead of going elsewhere. */
START_TEST(a_request_the_rules_refuse_fails)
{
    fo_proxy_env cgi = {.http_proxy = "http://10.1.2.3:8080", .cgi = true};
    const char *got = proxy_for(&cgi, "http://example.com");
    ck_assert_msg(strstr(got, "error: HTTP_PROXY is not used in a CGI program"), "%s", got);
    fo_proxy_env foo = {.https_proxy = "foo://host"};
    got = proxy_for(&foo, "https://example.com");
    ck_assert_msg(strstr(got, "error: HTTPS_PROXY: the proxy's scheme \"foo\""), "%s", got);
    /* the refusal comes only with a proxy to use */
    ck_assert_str_eq(proxy_for(&(fo_proxy_env){.cgi = true}, "http://example.com"), "<nil>");
    foo.no_proxy = "example.com";
    ck_assert_str_eq(proxy_for(&foo, "https://example.com"), "<nil>");
    /* a URL without a host is refused */
    got = proxy_for(&foo, "https:///path");
    ck_assert_msg(strncmp(got, "error: ", 7) == 0, "%s", got);
}
END_TEST

/* UseProxyTests: localhost and loopback addresses never use a proxy, then NO_PROXY. */
START_TEST(localhost_loopback_and_no_proxy_go_direct)
{
    static const char *const no_proxy =
        "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, "
        "10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, "
        "2002:db8:a::45/64";
    static const struct {
        const char *host;
        bool proxied;
    } cases[] = {
        {"localhost", false},
        {"127.0.0.1", false},
        {"127.0.0.2", false},
        {"[::1]", false},
        {"[::2]", true},
        {"192.168.1.1", false},
        {"192.168.1.2", true}, /* the entry's port is 81 */
        {"192.168.1.3", false},
        {"192.168.1.4", true},
        {"10.0.0.2", false},
        {"[2001:db8::52:0:1]", false},
        {"[2001:db8::52:0:2]", true}, /* the entry's port is 443 */
        {"[2001:db8::52:0:3]", false},
        {"[2002:db8:a::123]", false},
        {"[fe80::424b:c8be:1643:a1b6]", true},
        {"barbaz.net", true},
        {"www.barbaz.net", false},
        {"foobar.com", false},
        {"www.foobar.com", false},
        {"foofoobar.com", true},
        {"baz.com", true},
        {"localhost.net", true},
        {"local.localhost", true},
        {"barbarbaz.net", true},
        {"wildcard.io", true},
        {"nested.wildcard.io", false},
        {"awildcard.io", true},
    };
    fo_proxy_env env = {.http_proxy = "proxy", .no_proxy = no_proxy};
    fo_proxy_env all = {.http_proxy = "proxy", .no_proxy = "*"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char url[128];
        snprintf(url, sizeof url, "http://%s:80/", cases[i].host);
        const char *want = cases[i].proxied ? "http://proxy:80" : "<nil>";
        ck_assert_msg(strcmp(proxy_for(&env, url), want) == 0, "%s: got %s, want %s", url,
                      proxy_for(&env, url), want);
        ck_assert_msg(strcmp(proxy_for(&all, url), "<nil>") == 0, "%s with NO_PROXY=*: got %s", url,
                      proxy_for(&all, url));
    }
    /* TestInvalidNoProxy: an entry without a host is skipped */
    ck_assert_str_eq(proxy_for(&(fo_proxy_env){.http_proxy = "proxy", .no_proxy = ":1"},
                               "http://example.com:80"),
                     "http://proxy:80");
}
END_TEST

/* The rest of proxy.go's NO_PROXY rules: names and their subdomains, ports against the
 * scheme's default, "*" anywhere, entries trimmed and lower-cased, names never matching
 * addresses (CVE-2025-22870: not even through an IPv6 zone), a bracketed address without a
 * port matching nothing (net.SplitHostPort needs the port), IPv4-mapped addresses. */
START_TEST(no_proxy_entries_are_read_as_go_reads_them)
{
    static const struct {
        const char *no_proxy, *url;
        bool proxied;
    } cases[] = {
        {"example.com", "https://example.com/", false},
        {".example.com", "https://example.com/", true},
        {"ample.com", "https://example.com/", true},
        {"example.com", "https://foo.example.com/", false},
        {".foo.com", "https://example.com/", true},
        {"example.com", "https://[1000::%25.example.com]:123/", true},
        {" Example.COM ", "https://EXAMPLE.com/", false},
        {"other.org,*", "https://example.com/", false},
        {"example.com:443", "https://example.com/", false},
        {"example.com:443", "https://example.com:8443/", true},
        {"example.com:8443", "https://example.com:8443/", false},
        {"10.1.2.3:443", "https://10.1.2.3/", false},
        {"10.1.2.3:80", "https://10.1.2.3/", true},
        {"[2001:db8::1]", "https://[2001:db8::1]/", true},
        {"[2001:db8::1]:443", "https://[2001:db8::1]/", false},
        {"2001:db8::1", "https://[2001:db8::1]:6443/", false},
        {"10.0.0.0/8", "https://ten.example/", true},
        {"10.1.2.3", "https://10.1.2.3.example/", true},
        {"10.0.0.0/8", "https://[::ffff:10.1.2.3]/", false},
        {"::ffff:10.1.2.3", "https://10.1.2.3/", false},
        {"::ffff:10.0.0.0/104", "https://10.200.0.1/", false},
        /* a mapped range that masks part of "::ffff:" away is an IPv6 network (net.ParseCIDR
         * masks the 16 bytes; IPNet.Contains then finds no IPv4 form): "::/80" here */
        {"::ffff:0:0/96", "https://10.200.0.1/", false},
        {"::ffff:0:0/80", "https://10.200.0.1/", true},
        {"::ffff:0:0/80", "https://[::5]/", false},
        {"::ffff:10.0.0.0/95", "https://10.200.0.1/", true},
        {"::ffff:10.0.0.0/95", "https://[::fffe:a01:203]/", false},
        /* Kubernetes: the API server's ClusterIP and the cluster's own names */
        {".svc,.cluster.local,10.96.0.0/12", "https://10.96.0.1:443/api", false},
        {".svc,.cluster.local,10.96.0.0/12", "https://kubernetes.default.svc/api", false},
        {".svc,.cluster.local,10.96.0.0/12", "https://k8s.example.com:6443/api", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fo_proxy_env env = {.https_proxy = "proxy.corp:3128", .no_proxy = cases[i].no_proxy};
        const char *want = cases[i].proxied ? "http://proxy.corp:3128" : "<nil>";
        ck_assert_msg(strcmp(proxy_for(&env, cases[i].url), want) == 0,
                      "NO_PROXY=%s %s: got %s, want %s", cases[i].no_proxy, cases[i].url,
                      proxy_for(&env, cases[i].url), want);
    }
}
END_TEST

/* NO_PROXY lists read as libcurl reads them otherwise (CURLOPT_NOPROXY): only commas separate
 * entries (a tab or blank inside one is part of it: strings.Split, then TrimSpace), "*" counts
 * anywhere in the list, a trailing dot is compared as written (libcurl ignores it), and a
 * prefix length over the address's is no range at all, just a name that matches nothing. */
START_TEST(no_proxy_lists_libcurl_reads_otherwise_are_read_as_go_reads_them)
{
    static const struct {
        const char *no_proxy, *url;
        bool proxied;
    } cases[] = {
        {" localhost , api.internal ", "https://api.internal/", false},
        {",,api.internal,,", "https://api.internal/", false},
        {"localhost\tapi.internal", "https://api.internal/", true},
        {"localhost api.internal", "https://api.internal/", true},
        {" , ", "https://api.internal/", true},
        {"localhost,*", "https://api.internal/", false},
        {"example.com", "https://example.com./", true},
        {"example.com.", "https://example.com/", true},
        {"example.com", "https://nonexample.com/", true},
        {"www.example.com", "https://example.com/", true},
        {"10.0.0.0/33", "https://10.0.0.2/", true},
        {"2.3", "https://10.1.2.3/", true},
        {"fc00::/7", "https://[fd12::1]/", false},
        {"fc00::/7", "https://[fc12::1]/", false},
        {"fc00::/7", "https://[fe80::1]/", true},
        {"::2", "https://[::2]/", false},
        {"[::2]", "https://[::2]/", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fo_proxy_env env = {.https_proxy = "proxy.corp:3128", .no_proxy = cases[i].no_proxy};
        const char *want = cases[i].proxied ? "http://proxy.corp:3128" : "<nil>";
        ck_assert_msg(strcmp(proxy_for(&env, cases[i].url), want) == 0,
                      "NO_PROXY=\"%s\" %s: got %s, want %s", cases[i].no_proxy, cases[i].url,
                      proxy_for(&env, cases[i].url), want);
    }
}
END_TEST

/* FromEnvironment: the upper-case name first, the lower-case one when it is unset or empty;
 * ALL_PROXY is not read (libcurl would use it for both schemes); REQUEST_METHOD makes a CGI
 * program. */
START_TEST(the_environment_is_read_as_go_reads_it)
{
    char **saved = fo_test_proxy_env_clear();
    fo_proxy_env env;
    setenv("ALL_PROXY", "http://all.proxy:3128", 1);
    setenv("all_proxy", "http://all.proxy:3128", 1);
    fo_proxy_env_from_environ(&env);
    ck_assert_ptr_null(env.http_proxy);
    ck_assert_ptr_null(env.https_proxy);
    ck_assert_str_eq(proxy_for(&env, "https://example.com"), "<nil>");
    ck_assert_str_eq(proxy_for(&env, "http://example.com"), "<nil>");

    setenv("HTTP_PROXY", "httpproxy", 1);
    setenv("HTTPS_PROXY", "httpsproxy", 1);
    setenv("NO_PROXY", "noproxy", 1);
    setenv("http_proxy", "lower-http", 1);
    setenv("https_proxy", "lower-https", 1);
    setenv("no_proxy", "lower-no", 1);
    setenv("REQUEST_METHOD", "", 1);
    fo_proxy_env_from_environ(&env);
    ck_assert_str_eq(env.http_proxy, "httpproxy");
    ck_assert_str_eq(env.https_proxy, "httpsproxy");
    ck_assert_str_eq(env.no_proxy, "noproxy");
    ck_assert(!env.cgi);

    setenv("HTTP_PROXY", "", 1);
    unsetenv("HTTPS_PROXY");
    setenv("NO_PROXY", "", 1);
    setenv("REQUEST_METHOD", "PUT", 1);
    fo_proxy_env_from_environ(&env);
    ck_assert_str_eq(env.http_proxy, "lower-http");
    ck_assert_str_eq(env.https_proxy, "lower-https");
    ck_assert_str_eq(env.no_proxy, "lower-no");
    ck_assert(env.cgi);

    fo_test_proxy_env_restore(saved);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proxy_env");
    TCase *tc = tcase_create("proxy_env");
    tcase_add_test(tc, the_proxy_is_the_urls_schemes_variable_read_as_go_reads_it);
    tcase_add_test(tc, a_request_the_rules_refuse_fails);
    tcase_add_test(tc, credentials_reach_libcurl_as_go_decodes_them);
    tcase_add_test(tc, a_value_go_reads_as_no_reachable_proxy_fails);
    tcase_add_test(tc, localhost_loopback_and_no_proxy_go_direct);
    tcase_add_test(tc, no_proxy_entries_are_read_as_go_reads_them);
    tcase_add_test(tc, no_proxy_lists_libcurl_reads_otherwise_are_read_as_go_reads_them);
    tcase_add_test(tc, the_environment_is_read_as_go_reads_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
