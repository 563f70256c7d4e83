/* An informer whose watch goes silent without closing (a proxy that stopped passing data, a
 * hung API server: the fake's POST /fake/stall-watches) opens it again from where it was
 * within its idle limit and loses nothing; a watch that is quiet but hears the server's
 * bookmarks is never ended for it. Timings come from the options (bookmarks every 200 ms,
 * an idle limit of 1 s), not from waiting minutes. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/informer.h"
#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testutil.h"

/* Upper bound for waits that should end long before; reaching it is a failure. */
#define CONVERGE_MS 30000
#define BOOKMARK_MS 200
#define IDLE_MS 1000
/* Slack over the idle limit for noticing, closing and opening the next watch on a loaded
 * machine (under the sanitizers); the limit without an idle check is the watch's own
 * timeoutSeconds (60 s here) plus 30 s. */
#define NOTICE_SLACK_MS 3000

static struct {
    fo_fake_apiserver *fa;
    char *dir;
    fo_kube_config *cfg;
    fo_kube_client *kc;
} env;

static void setup_with(int bookmark_ms)
{
    memset(&env, 0, sizeof env);
    fo_err err;
    fo_fake_apiserver_opts fo = {.port = 0, .no_gc = true, .bookmark_interval_ms = bookmark_ms};
    env.fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(env.fa != NULL, "%s", err.message);
    env.dir = fo_test_mkdtemp();
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", env.dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
                              "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                              "contexts: [{name: fake, context: {cluster: fake}}]\n",
                              fo_fake_apiserver_port(env.fa)),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts co = {.kubeconfig = path};
    env.cfg = fo_kube_config_from_kubeconfig(&co, &err);
    ck_assert_ptr_nonnull(env.cfg);
    env.kc = fo_kube_client_new(env.cfg, NULL, &err);
    ck_assert_ptr_nonnull(env.kc);
    free(path);
    free(text);
}

static void setup(void)
{
    setup_with(BOOKMARK_MS);
}

/* A server that sends no bookmarks within the test (kube-apiserver without its watch cache,
 * or one restarted before 1.31 that has seen no event of the resource yet). */
static void setup_without_bookmarks(void)
{
    setup_with(10 * 60 * 1000);
}

static void teardown(void)
{
    fo_kube_client_free(env.kc);
    fo_kube_config_free(env.cfg);
    fo_fake_apiserver_stop(env.fa);
    fo_test_rmdir(env.dir);
    free(env.dir);
}

static void control(const char *method, const char *path)
{
    json_t *out = NULL;
    int status = fo_fake_apiserver_call(env.fa, method, path, NULL, NULL, &out, NULL);
    ck_assert_msg(status >= 200 && status < 300, "%s %s: %d", method, path, status);
    json_decref(out);
}

static json_int_t open_watches(void)
{
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_apiserver_call(env.fa, "GET", "/fake/state", NULL, NULL, &out, NULL),
                     200);
    json_int_t n = json_integer_value(json_object_get(out, "watches"));
    json_decref(out);
    return n;
}

static void wait_watching(json_int_t want)
{
    for (int waited = 0; waited < CONVERGE_MS; waited += 5) {
        if (open_watches() >= want)
            return;
        fo_test_sleep_ms(5);
    }
    ck_abort_msg("no %lld open watches after %d ms", (long long)want, CONVERGE_MS);
}

/* ConfigMap default/name with data.k = value, created or replaced (server-side apply). */
static void put_cm(const char *name, const char *value)
{
    fo_kube_ref ref = {.version = "v1", .resource = "configmaps", .ns = "default", .name = name};
    json_t *cm = json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", "name", name, "data", "k", value);
    fo_kube_patch_opts po = {.field_manager = "test", .force = true};
    fo_err err;
    ck_assert_msg(fo_kube_patch(env.kc, &ref, FO_PATCH_APPLY, cm, &po, NULL, &err) == FO_OK, "%s",
                  err.message);
    json_decref(cm);
}

static void del_cm(const char *name)
{
    fo_kube_ref ref = {.version = "v1", .resource = "configmaps", .ns = "default", .name = name};
    fo_err err;
    ck_assert_msg(fo_kube_delete(env.kc, &ref, NULL, NULL, &err) == FO_OK, "%s", err.message);
}

static fo_informer *start_informer(void)
{
    fo_informer_opts o = {.kc = env.kc,
                          .version = "v1",
                          .resource = "configmaps",
                          .namespaces = (const char *const[]){"default", NULL},
                          .watch_timeout_s = 60,
                          .watch_idle_timeout_ms = IDLE_MS,
                          .backoff_initial_ms = 20,
                          .backoff_max_ms = 200};
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    ck_assert_msg(inf != NULL, "%s", err.message);
    ck_assert_int_eq(fo_informer_start(inf, &err), FO_OK);
    ck_assert(fo_informer_wait_synced(inf, CONVERGE_MS));
    wait_watching(1);
    return inf;
}

/* The cached data.k of default/name, "" when absent, "(gone)" when not cached. */
static bool cached_is(fo_informer *inf, const char *name, const char *value)
{
    json_t *o = fo_informer_get(inf, "default", name);
    const char *v = o ? fo_json_get_str(o, "data.k") : "(gone)";
    bool same = strcmp(v ? v : "", value) == 0;
    json_decref(o);
    return same;
}

/* ms until the cache shows every one of the changes made below, or -1. */
static int64_t ms_until_caught_up(fo_informer *inf, int64_t since_ms)
{
    for (;;) {
        int64_t now = fo_clock_mono_ms(fo_clock_real());
        if (cached_is(inf, "changed", "2") && cached_is(inf, "added", "1") &&
            cached_is(inf, "deleted", "(gone)"))
            return now - since_ms;
        if (now - since_ms > CONVERGE_MS)
            return -1;
        fo_test_sleep_ms(10);
    }
}

START_TEST(a_stalled_watch_is_opened_again_within_its_idle_limit_and_loses_nothing)
{
    put_cm("changed", "1");
    put_cm("deleted", "1");
    fo_informer *inf = start_informer();
    ck_assert(cached_is(inf, "changed", "1"));
    /* The idle limit holds once the watch has heard the server's bookmarks. */
    fo_informer_stats st;
    fo_informer_get_stats(inf, &st);
    for (int waited = 0; st.events == 0 && waited < CONVERGE_MS; waited += 10) {
        fo_test_sleep_ms(10);
        fo_informer_get_stats(inf, &st);
    }
    ck_assert_uint_gt(st.events, 0);
    int64_t t0 = fo_clock_mono_ms(fo_clock_real());
    control("POST", "/fake/stall-watches");
    /* Changes the stalled watch never carries: the next one, from the version the informer
     * last saw, must. */
    put_cm("changed", "2");
    put_cm("added", "1");
    del_cm("deleted");
    int64_t took = ms_until_caught_up(inf, t0);
    ck_assert_msg(took >= 0, "the informer never caught up after its watch stalled");
    ck_assert_msg(took <= IDLE_MS + NOTICE_SLACK_MS, "caught up only after %lld ms",
                  (long long)took);
    fo_informer_get_stats(inf, &st);
    ck_assert_uint_eq(st.watch_stalls, 1);
    ck_assert_uint_eq(st.lists, 1); /* watched again from where it was: no relist */
    ck_assert_uint_eq(st.watch_errors, 0);
    ck_assert_uint_ge(st.watches, 2);
    /* and it goes on: a change after the new watch opened arrives on it */
    put_cm("changed", "3");
    for (int waited = 0; !cached_is(inf, "changed", "3") && waited < CONVERGE_MS; waited += 10)
        fo_test_sleep_ms(10);
    ck_assert(cached_is(inf, "changed", "3"));
    fo_informer_free(inf);
}
END_TEST

START_TEST(a_quiet_watch_that_hears_bookmarks_is_not_ended)
{
    fo_informer *inf = start_informer();
    fo_informer_stats before, after;
    fo_informer_get_stats(inf, &before);
    fo_test_sleep_ms(3 * IDLE_MS); /* nothing changes: only bookmarks arrive */
    put_cm("late", "1");
    for (int waited = 0; !cached_is(inf, "late", "1") && waited < CONVERGE_MS; waited += 10)
        fo_test_sleep_ms(10);
    ck_assert(cached_is(inf, "late", "1"));
    fo_informer_get_stats(inf, &after);
    ck_assert_uint_eq(after.watches, before.watches); /* the same watch all along */
    ck_assert_uint_eq(after.watch_stalls, 0);
    ck_assert_uint_gt(after.events, before.events + 1); /* bookmarks, then the change */
    fo_informer_free(inf);
}
END_TEST

/* Silence is all a quiet watch hears from a server that sends no bookmarks: it is not taken
 * for a stall, so the watch is not ended and opened again at every idle limit. */
START_TEST(a_quiet_watch_of_a_server_without_bookmarks_is_not_ended)
{
    fo_informer *inf = start_informer();
    fo_informer_stats before, after;
    fo_informer_get_stats(inf, &before);
    fo_test_sleep_ms(3 * IDLE_MS);
    put_cm("late", "1");
    for (int waited = 0; !cached_is(inf, "late", "1") && waited < CONVERGE_MS; waited += 10)
        fo_test_sleep_ms(10);
    ck_assert(cached_is(inf, "late", "1"));
    fo_informer_get_stats(inf, &after);
    ck_assert_uint_eq(after.watch_stalls, 0);
    ck_assert_uint_eq(after.watches, before.watches); /* the same watch all along */
    fo_informer_free(inf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("informer_liveness");
    TCase *tc = tcase_create("informer_liveness");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_stalled_watch_is_opened_again_within_its_idle_limit_and_loses_nothing);
    tcase_add_test(tc, a_quiet_watch_that_hears_bookmarks_is_not_ended);
    suite_add_tcase(s, tc);
    TCase *none = tcase_create("without_bookmarks");
    tcase_set_timeout(none, 60);
    tcase_add_checked_fixture(none, setup_without_bookmarks, teardown);
    tcase_add_test(none, a_quiet_watch_of_a_server_without_bookmarks_is_not_ended);
    suite_add_tcase(s, none);
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
