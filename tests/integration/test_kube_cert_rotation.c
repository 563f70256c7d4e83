/* An exec credential plugin that answers with a client certificate pair (Teleport's `tsh kube
 * credentials`), rotating while watches run: client-go's exec authenticator (one per plugin
 * configuration, shared by every client made from it) closes every connection made with the
 * old pair when the plugin gives a new one, so running watches end and resume, from where they
 * were, with the new pair. Here: an informer (its own kube client, as in the controller) and
 * another client of the same config that makes the request which runs the plugin again, against
 * the fake API server over HTTPS with x509 client authentication, whose request record says
 * which certificate each watch request came with. */
#include <check.h>
#include <pthread.h>
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

/* The fake API server over HTTPS, a kubeconfig whose exec plugin answers run n with
 * answer-<n>.json (pair A good until 10:00, then pair B), run from its second run on after
 * `sleep later_run_s`, a client of it and an informer on default's ConfigMaps watching with A. */
static struct {
    fo_testcerts *tc;
    char *c[2], *k[2];
    fo_clock *clk;
    fo_kube_config *cfg;
    fo_kube_client *kc;
    fo_informer *inf;
} rig;

static void rig_start(int later_run_s)
{
    memset(&rig, 0, sizeof rig);
    rig.tc = fo_testcerts_new();
    fo_testcerts *tc = rig.tc;
    char *crt = NULL, *key = NULL;
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_issue_client(tc, "pair-a", NULL, NULL, &rig.c[0], &rig.k[0]);
    fo_testcerts_issue_client(tc, "pair-b", NULL, NULL, &rig.c[1], &rig.k[1]);
    /* the plugin's expirations, against the config's fake clock (2026-04-20T09:15:02Z) */
    write_answer(tc->dir, 1, rig.c[0], rig.k[0], "2026-04-20T10:00:00Z");
    write_answer(tc->dir, 2, rig.c[1], rig.k[1], "2026-04-20T12:00:00Z");
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
                              "if [ $n -gt 1 ]; then sleep %d; fi\n"
                              "cat '%s/answer-'$n.json\n",
                              tc->dir, tc->dir, later_run_s, tc->dir),
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
    rig.clk = fo_clock_fake_new(1776676502000LL);
    fo_kube_config_opts o = {.kubeconfig = path, .clock = rig.clk};
    rig.cfg = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(rig.cfg != NULL, "%s", err.message);
    fo_kube_client_opts ko = {.max_retries = -1};
    rig.kc = fo_kube_client_new(rig.cfg, &ko, &err);
    ck_assert_msg(rig.kc != NULL, "%s", err.message);

    /* an informer watching with pair A */
    cm("POST", "changes", "1");
    cm("POST", "goes", "1");
    fo_informer_opts io = {.kc = rig.kc,
                           .version = "v1",
                           .resource = "configmaps",
                           .namespaces = (const char *const[]){"default", NULL},
                           .watch_timeout_s = 60, /* not ending on its own during the test */
                           .backoff_initial_ms = 20,
                           .backoff_max_ms = 200};
    rig.inf = fo_informer_new(&io, &err);
    ck_assert_msg(rig.inf != NULL, "%s", err.message);
    ck_assert_int_eq(fo_informer_start(rig.inf, &err), FO_OK);
    ck_assert(fo_informer_wait_synced(rig.inf, WAIT_MS));
    char rv[64];
    ck_assert_msg(wait_watch_by("pair-a", rv, sizeof rv), "no watch with pair A");
    free(plugin);
    free(script);
    free(path);
    free(text);
    free(ca);
    free(ca64);
    free(crt);
    free(key);
}

/* How many times the plugin ran ("" before any). */
static char *plugin_runs(void)
{
    char *runs_path = NULL;
    ck_assert_int_gt(asprintf(&runs_path, "%s/runs", rig.tc->dir), 0);
    FILE *f = fopen(runs_path, "rb");
    char buf[32] = "";
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    free(runs_path);
    return strdup(buf);
}

static void rig_stop(void)
{
    fo_informer_free(rig.inf);
    fo_kube_client_free(rig.kc);
    fo_kube_config_free(rig.cfg);
    fo_clock_free(rig.clk);
    fo_fake_apiserver_stop(fa);
    for (int i = 0; i < 2; i++) {
        free(rig.c[i]);
        free(rig.k[i]);
    }
    fo_testcerts_free(rig.tc);
}

START_TEST(running_watches_end_when_the_pair_rotates_and_resume_with_the_new_one)
{
    rig_start(0);
    fo_informer *inf = rig.inf;
    char rv[64], user[128];
    cm("PUT", "changes", "2");
    ck_assert(wait_cached(inf, "changes", "2")); /* delivered on A's watch */

    /* A expires; the next request of another client of the config runs the plugin: B */
    fo_clock_fake_advance(rig.clk, 45 * 60 * 1000);
    ck_assert_str_eq(whoami(rig.kc, user, sizeof user), "pair-b");
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
    char *runs = plugin_runs();
    ck_assert_str_eq(runs, "2\n"); /* the plugin ran once for B, not once per client */
    free(runs);
    rig_stop();
}
END_TEST

struct asker {
    pthread_t thread;
    char user[128];
    fo_rc rc;
};

/* A request of the client, in its own thread (it runs the plugin again). */
static void *ask(void *arg)
{
    struct asker *a = arg;
    fo_kube_ref r = {
        .group = "authentication.k8s.io", .version = "v1", .resource = "selfsubjectreviews"};
    json_t *req = json_pack("{s:s,s:s}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "SelfSubjectReview"),
           *out = NULL;
    fo_err err;
    a->rc = fo_kube_create(rig.kc, &r, req, NULL, &out, &err);
    const char *u = fo_json_get_str(out, "status.userInfo.username");
    snprintf(a->user, sizeof a->user, "%s", u ? u : "");
    json_decref(req);
    json_decref(out);
    return NULL;
}

/* A plugin run takes as long as the plugin does (tsh waiting for its proxy, a slow identity
 * provider: up to the exec timeout, 60 s); the running watches, which go on with the pair
 * they have, still deliver every change meanwhile and only then move to the new pair. */
START_TEST(running_watches_go_on_while_the_plugin_runs)
{
    rig_start(5);
    fo_clock_fake_advance(rig.clk, 45 * 60 * 1000); /* A expired */
    struct asker a = {0};
    ck_assert_int_eq(pthread_create(&a.thread, NULL, ask, &a), 0);
    char *runs = NULL;
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        free(runs);
        runs = plugin_runs();
        if (strcmp(runs, "2\n") == 0)
            break;
        fo_test_sleep_ms(10);
    }
    ck_assert_str_eq(runs, "2\n"); /* the plugin is asleep for 5 s */
    free(runs);
    fo_test_sleep_ms(300); /* the watches' next looks at their pair (every 100 ms) */
    cm("PUT", "changes", "2");
    bool seen = false;
    for (int waited = 0; waited < 3000 && !seen; waited += 10) {
        seen = cached_is(rig.inf, "changes", "2");
        if (!seen)
            fo_test_sleep_ms(10);
    }
    /* within 3.3 s of the plugin's start, which sleeps 5 s */
    ck_assert_msg(seen, "the change reached no cache while the plugin ran");
    ck_assert_int_eq(pthread_join(a.thread, NULL), 0);
    ck_assert_int_eq(a.rc, FO_OK);
    ck_assert_str_eq(a.user, "pair-b");
    char rv[64];
    ck_assert_msg(wait_watch_by("pair-b", rv, sizeof rv), "no watch with pair B");
    rig_stop();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_cert_rotation");
    TCase *tc = tcase_create("kube_cert_rotation");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, running_watches_end_when_the_pair_rotates_and_resume_with_the_new_one);
    tcase_add_test(tc, running_watches_go_on_while_the_plugin_runs);
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
