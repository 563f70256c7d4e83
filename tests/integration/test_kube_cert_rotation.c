/* An exec credential plugin that answers with a client certificate pair (Teleport's `tsh kube
 * credentials`), rotating while watches run: client-go's exec authenticator (one per plugin
 * configuration, shared by every client made from it) closes every connection made with the
 * old pair when the plugin gives a new one, so running watches end and resume, from where they
 * were, with the new pair. Here: an informer (its own kube client, as in the controller) and
 * another client of the same config that makes the request which runs the plugin again, against
 * the fake API server over HTTPS with x509 client authentication, whose request record says
 * which certificate each watch request came with. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base64.h"
#include "common/clock.h"
#include "common/informer.h"
#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

#define WAIT_MS 20000
#define CM_PATH "/api/v1/namespaces/default/configmaps"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* <dir>/answer-<n>.json: an ExecCredential (v1) with the pair crt/key, good until expiry. */
static void write_answer(const char *dir, int n, const char *crt, const char *key,
                         const char *expiry)
{
    char *c = slurp(crt), *k = slurp(key), *path = NULL;
    json_t *cred =
        json_pack("{s:s,s:s,s:{s:s,s:s,s:s}}", "apiVersion", "client.authentication.k8s.io/v1",
                  "kind", "ExecCredential", "status", "clientCertificateData", c, "clientKeyData",
                  k, "expirationTimestamp", expiry);
    ck_assert_int_gt(asprintf(&path, "%s/answer-%d.json", dir, n), 0);
    ck_assert_int_eq(json_dump_file(cred, path, JSON_COMPACT), 0);
    json_decref(cred);
    free(c);
    free(k);
    free(path);
}

static fo_fake_apiserver *fa;

/* In-process writes: the test's own, outside any client's credentials. */
static void cm(const char *method, const char *name, const char *value)
{
    char path[256];
    snprintf(path, sizeof path, CM_PATH "%s%s", strcmp(method, "POST") ? "/" : "",
             strcmp(method, "POST") ? name : "");
    json_t *body = strcmp(method, "DELETE")
                       ? json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "apiVersion", "v1", "kind",
                                   "ConfigMap", "metadata", "name", name, "data", "k", value)
                       : NULL;
    json_t *out = NULL;
    int st = fo_fake_apiserver_call(fa, method, path, NULL, body, &out, NULL);
    ck_assert_msg(st >= 200 && st < 300, "%s %s: %d", method, name, st);
    json_decref(body);
    json_decref(out);
}

/* The user of the last watch request the API server saw ("" before any). */
static void last_watch_user(char *user, size_t len, char *rv, size_t rvlen)
{
    json_t *seen = NULL;
    ck_assert_int_eq(fo_fake_apiserver_call(fa, "GET", "/fake/requests", NULL, NULL, &seen, NULL),
                     200);
    snprintf(user, len, "%s", "");
    snprintf(rv, rvlen, "%s", "");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(seen, "items"), i, r)
    {
        if (!json_is_true(json_object_get(r, "watch")))
            continue;
        const char *u = fo_json_str(r, "user"), *v = fo_json_str(r, "resourceVersion");
        snprintf(user, len, "%s", u ? u : "");
        snprintf(rv, rvlen, "%s", v ? v : "");
    }
    json_decref(seen);
}

static bool wait_watch_by(const char *want, char *rv, size_t rvlen)
{
    char user[128];
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        last_watch_user(user, sizeof user, rv, rvlen);
        if (strcmp(user, want) == 0)
            return true;
        fo_test_sleep_ms(10);
    }
    return false;
}

/* The cached data.k of default/name; "(gone)" when not cached. */
static bool cached_is(fo_informer *inf, const char *name, const char *value)
{
    json_t *o = fo_informer_get(inf, "default", name);
    const char *v = o ? fo_json_get_str(o, "data.k") : "(gone)";
    bool same = v && strcmp(v, value) == 0;
    json_decref(o);
    return same;
}

static bool wait_cached(fo_informer *inf, const char *name, const char *value)
{
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        if (cached_is(inf, name, value))
            return true;
        fo_test_sleep_ms(10);
    }
    return false;
}

static const char *whoami(fo_kube_client *kc, char *user, size_t len)
{
    fo_kube_ref r = {
        .group = "authentication.k8s.io", .version = "v1", .resource = "selfsubjectreviews"};
    json_t *req = json_pack("{s:s,s:s}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "SelfSubjectReview"),
           *out = NULL;
    fo_err err;
    ck_assert_msg(fo_kube_create(kc, &r, req, NULL, &out, &err) == FO_OK, "%s", err.message);
    snprintf(user, len, "%s", fo_json_get_str(out, "status.userInfo.username"));
    json_decref(req);
    json_decref(out);
    return user;
}

START_TEST(running_watches_end_when_the_pair_rotates_and_resume_with_the_new_one)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *c[2] = {0}, *k[2] = {0};
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_issue_client(tc, "pair-a", NULL, NULL, &c[0], &k[0]);
    fo_testcerts_issue_client(tc, "pair-b", NULL, NULL, &c[1], &k[1]);
    /* the plugin's expirations, against the config's fake clock (2026-04-20T09:15:02Z) */
    write_answer(tc->dir, 1, c[0], k[0], "2026-04-20T10:00:00Z");
    write_answer(tc->dir, 2, c[1], k[1], "2026-04-20T12:00:00Z");
    fo_fake_apiserver_opts fo = {
        .tls_cert_file = crt, .tls_key_file = key, .client_ca_file = tc->ca_cert, .no_gc = true};
    fo_err err;
    fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    char *plugin = NULL, *script = NULL, *path = NULL, *text = NULL, *ca = slurp(tc->ca_cert);
    char *ca64 = fo_base64_encode(ca, strlen(ca));
    ck_assert_int_gt(asprintf(&plugin, "%s/plugin.sh", tc->dir), 0);
    ck_assert_int_gt(asprintf(&script,
                              "#!/bin/sh\n"
                              "n=$(cat '%s/runs' 2>/dev/null || echo 0); n=$((n + 1))\n"
                              "echo $n > '%s/runs'\n"
                              "cat '%s/answer-'$n.json\n",
                              tc->dir, tc->dir, tc->dir),
                     0);
    fo_test_write_file(plugin, script);
    ck_assert_int_eq(chmod(plugin, 0755), 0);
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", tc->dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:%d',"
                              " certificate-authority-data: %s}}]\n"
                              "users: [{name: u, user: {exec: {apiVersion: "
                              "client.authentication.k8s.io/v1, command: ./plugin.sh,"
                              " interactiveMode: Never}}}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              fo_fake_apiserver_port(fa), ca64),
                     0);
    fo_test_write_file(path, text);
    fo_clock *clk = fo_clock_fake_new(1776676502000LL);
    fo_kube_config_opts o = {.kubeconfig = path, .clock = clk};
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    fo_kube_client_opts ko = {.max_retries = -1};
    fo_kube_client *kc = fo_kube_client_new(cfg, &ko, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);

    /* an informer watching with pair A */
    cm("POST", "changes", "1");
    cm("POST", "goes", "1");
    fo_informer_opts io = {.kc = kc,
                           .version = "v1",
                           .resource = "configmaps",
                           .namespaces = (const char *const[]){"default", NULL},
                           .watch_timeout_s = 60, /* not ending on its own during the test */
                           .backoff_initial_ms = 20,
                           .backoff_max_ms = 200};
    fo_informer *inf = fo_informer_new(&io, &err);
    ck_assert_msg(inf != NULL, "%s", err.message);
    ck_assert_int_eq(fo_informer_start(inf, &err), FO_OK);
    ck_assert(fo_informer_wait_synced(inf, WAIT_MS));
    char rv[64], user[128];
    ck_assert_msg(wait_watch_by("pair-a", rv, sizeof rv), "no watch with pair A");
    cm("PUT", "changes", "2");
    ck_assert(wait_cached(inf, "changes", "2")); /* delivered on A's watch */

    /* A expires; the next request of another client of the config runs the plugin: B */
    fo_clock_fake_advance(clk, 45 * 60 * 1000);
    ck_assert_str_eq(whoami(kc, user, sizeof user), "pair-b");
    /* changes around the rotation: on the old watch before it ends, or on the new one */
    cm("PUT", "changes", "3");
    cm("DELETE", "goes", NULL);
    cm("POST", "comes", "1");
    ck_assert_msg(wait_watch_by("pair-b", rv, sizeof rv),
                  "the informer's watch went on with pair A after the plugin gave pair B");
    ck_assert_str_ne(rv, ""); /* resumed from a version, not started over */
    ck_assert(wait_cached(inf, "changes", "3"));
    ck_assert(wait_cached(inf, "comes", "1"));
    ck_assert(wait_cached(inf, "goes", "(gone)"));
    cm("PUT", "comes", "2"); /* and the new watch carries what follows */
    ck_assert(wait_cached(inf, "comes", "2"));
    last_watch_user(user, sizeof user, rv, sizeof rv);
    ck_assert_str_eq(user, "pair-b");
    fo_informer_stats st;
    fo_informer_get_stats(inf, &st);
    ck_assert_uint_eq(st.lists, 1); /* resumed: nothing was relisted */
    ck_assert_uint_ge(st.watches, 2);
    char *runs_path = NULL, *runs = NULL;
    ck_assert_int_gt(asprintf(&runs_path, "%s/runs", tc->dir), 0);
    runs = slurp(runs_path);
    ck_assert_str_eq(runs, "2\n"); /* the plugin ran once for B, not once per client */

    fo_informer_free(inf);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    fo_clock_free(clk);
    fo_fake_apiserver_stop(fa);
    for (int i = 0; i < 2; i++) {
        free(c[i]);
        free(k[i]);
    }
    free(runs);
    free(runs_path);
    free(plugin);
    free(script);
    free(path);
    free(text);
    free(ca);
    free(ca64);
    free(crt);
    free(key);
    fo_testcerts_free(tc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_cert_rotation");
    TCase *tc = tcase_create("kube_cert_rotation");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, running_watches_end_when_the_pair_rotates_and_resume_with_the_new_one);
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
