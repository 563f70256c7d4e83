/* informer against the fake API server: initial sync, live changes, dropped watches, 410
 * relists, 5xx bursts, namespaces, selectors, owner index; every scenario ends with the cache
 * equal to a fresh list. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/informer.h"
#include "common/informer_internal.h"
#include "common/json_read.h"
#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/kube_oversized.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testutil.h"

/* Upper bound for the informer to catch up; reaching it is a failure, not a measurement. */
#define CONVERGE_MS 30000

static struct {
    fo_fake_apiserver *fa;
    char *dir;
    fo_kube_config *cfg;
    fo_kube_client *kc;
} env;

/* ---- what the handlers saw ---- */

#define LOG_MAX 512

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
    char type[LOG_MAX]; /* 'A', 'U', 'D' */
    char key[LOG_MAX][96];
    char rv[LOG_MAX][32];
    bool old_rv_differs[LOG_MAX]; /* updates: old and new versions differ */
} seen;

static void note(char type, const json_t *obj, const json_t *old)
{
    char *key = fo_informer_key_of(obj);
    const char *rv = fo_json_get_str(obj, "metadata.resourceVersion");
    pthread_mutex_lock(&seen.mu);
    if (seen.n < LOG_MAX) {
        seen.type[seen.n] = type;
        snprintf(seen.key[seen.n], sizeof seen.key[0], "%s", key ? key : "?");
        snprintf(seen.rv[seen.n], sizeof seen.rv[0], "%s", rv ? rv : "");
        const char *orv = old ? fo_json_get_str(old, "metadata.resourceVersion") : NULL;
        seen.old_rv_differs[seen.n] = orv && rv && strcmp(orv, rv) != 0;
        seen.n++;
    }
    pthread_cond_broadcast(&seen.cv);
    pthread_mutex_unlock(&seen.mu);
    free(key);
}

static void on_add(void *ctx, const json_t *obj)
{
    (void)ctx;
    note('A', obj, NULL);
}

static void on_update(void *ctx, const json_t *old_obj, const json_t *new_obj)
{
    (void)ctx;
    note('U', new_obj, old_obj);
}

static void on_delete(void *ctx, const json_t *obj)
{
    (void)ctx;
    note('D', obj, NULL);
}

static int seen_count(char type, const char *key)
{
    int c = 0;
    pthread_mutex_lock(&seen.mu);
    for (int i = 0; i < seen.n; i++)
        if (seen.type[i] == type && (!key || strcmp(seen.key[i], key) == 0))
            c++;
    pthread_mutex_unlock(&seen.mu);
    return c;
}

/* Wait until the handlers saw at least `want` notifications of type for key. */
static bool wait_seen(char type, const char *key, int want)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += CONVERGE_MS / 1000;
    pthread_mutex_lock(&seen.mu);
    for (;;) {
        int c = 0;
        for (int i = 0; i < seen.n; i++)
            if (seen.type[i] == type && (!key || strcmp(seen.key[i], key) == 0))
                c++;
        if (c >= want)
            break;
        if (pthread_cond_timedwait(&seen.cv, &seen.mu, &ts) != 0) {
            pthread_mutex_unlock(&seen.mu);
            return false;
        }
    }
    pthread_mutex_unlock(&seen.mu);
    return true;
}

/* ---- environment ---- */

static void setup(void)
{
    memset(&env, 0, sizeof env);
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.mu, NULL);
    pthread_cond_init(&seen.cv, NULL);
    fo_err err;
    /* No garbage collector: the owner-index test uses owner uids that do not exist, which the
     * GC would rightly collect (kube-api-semantics.md §8). */
    fo_fake_apiserver_opts fo = {.port = 0, .no_gc = true};
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
    fo_kube_client_opts ko = {.retry_initial_ms = 10, .retry_max_ms = 100};
    env.kc = fo_kube_client_new(env.cfg, &ko, &err);
    ck_assert_ptr_nonnull(env.kc);
    free(path);
    free(text);
}

static void teardown(void)
{
    fo_kube_client_free(env.kc);
    fo_kube_config_free(env.cfg);
    fo_fake_apiserver_stop(env.fa);
    fo_test_rmdir(env.dir);
    free(env.dir);
}

static void control(const char *method, const char *path, const char *body_json)
{
    json_t *body = NULL, *out = NULL;
    if (body_json) {
        fo_err err;
        body = fo_json_parse(body_json, strlen(body_json), 0, &err);
        ck_assert_ptr_nonnull(body);
    }
    int status = fo_fake_apiserver_call(env.fa, method, path, NULL, body, &out, NULL);
    ck_assert_msg(status >= 200 && status < 300, "%s %s: %d", method, path, status);
    json_decref(body);
    json_decref(out);
}

/* Wait until the fake server holds at least `want` open watches: an informer is synced when its
 * list reached the handlers, and its watch request may still be on the way. */
static void wait_watching(size_t want)
{
    for (int waited = 0; waited < CONVERGE_MS; waited += 5) {
        json_t *out = NULL;
        int status = fo_fake_apiserver_call(env.fa, "GET", "/fake/state", NULL, NULL, &out, NULL);
        ck_assert_int_eq(status, 200);
        json_int_t n = json_integer_value(json_object_get(out, "watches"));
        json_decref(out);
        if (n >= (json_int_t)want)
            return;
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    }
    ck_abort_msg("no %zu open watches after %d ms", want, CONVERGE_MS);
}

static fo_kube_ref cm_ref(const char *ns, const char *name)
{
    return (fo_kube_ref){.version = "v1", .resource = "configmaps", .ns = ns, .name = name};
}

static void make_ns(const char *name)
{
    fo_kube_ref ref = {.version = "v1", .resource = "namespaces"};
    json_t *ns = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata",
                           "name", name);
    fo_err err;
    ck_assert_msg(fo_kube_create(env.kc, &ref, ns, NULL, NULL, &err) == FO_OK, "%s", err.message);
    json_decref(ns);
}

/* Server-side apply of cm (stolen) as ns/name. */
static void apply_cm(const char *ns, const char *name, json_t *cm)
{
    fo_kube_ref ref = cm_ref(ns, name);
    fo_kube_patch_opts po = {.field_manager = "test", .force = true};
    fo_err err;
    json_t *out = NULL;
    ck_assert_msg(fo_kube_patch(env.kc, &ref, FO_PATCH_APPLY, cm, &po, &out, &err) == FO_OK, "%s",
                  err.message);
    json_decref(out);
    json_decref(cm);
}

static void put_cm(const char *ns, const char *name, const char *value, const char *app,
                   const char *owner_uid)
{
    json_t *cm =
        json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                  "metadata", "name", name, "labels", "app", app, "data", "k", value);
    if (owner_uid)
        json_object_set_new(json_object_get(cm, "metadata"), "ownerReferences",
                            json_pack("[{s:s,s:s,s:s,s:s}]", "apiVersion", "v1", "kind",
                                      "ConfigMap", "name", "owner", "uid", owner_uid));
    apply_cm(ns, name, cm);
}

static void del_cm(const char *ns, const char *name)
{
    fo_kube_ref ref = cm_ref(ns, name);
    fo_err err;
    ck_assert_msg(fo_kube_delete(env.kc, &ref, NULL, NULL, &err) == FO_OK, "%s", err.message);
}

static fo_informer *start_informer(const char *const *namespaces, const char *selector)
{
    fo_informer_opts o = {.kc = env.kc,
                          .version = "v1",
                          .resource = "configmaps",
                          .namespaces = namespaces,
                          .label_selector = selector,
                          .page_size = 3,
                          .backoff_initial_ms = 20,
                          .backoff_max_ms = 200};
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    ck_assert_msg(inf != NULL, "%s", err.message);
    fo_informer_handlers h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
    ck_assert_int_eq(fo_informer_add_handlers(inf, &h), FO_OK);
    ck_assert_int_eq(fo_informer_start(inf, &err), FO_OK);
    ck_assert_int_eq(fo_informer_add_handlers(inf, &h), FO_EINVAL); /* only before start */
    ck_assert(fo_informer_wait_synced(inf, CONVERGE_MS));
    return inf;
}

/* "key=rv" lines, sorted, of a list of objects. */
static char *fingerprint(json_t *objs)
{
    json_t *keys = json_object();
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        char *key = fo_informer_key_of(o);
        json_object_set_new(keys, key, json_string(fo_json_get_str(o, "metadata.resourceVersion")));
        free(key);
    }
    char *s = fo_json_dumps_canonical(keys);
    json_decref(keys);
    return s;
}

/* Wait until the cache (of ns, NULL = all) equals a fresh list of the same scope. */
static bool cache_matches_list(fo_informer *inf, const char *ns, const char *selector,
                               const char *const *namespaces)
{
    int64_t deadline = fo_clock_mono_ms(fo_clock_real()) + CONVERGE_MS;
    char *want = NULL, *got = NULL;
    bool ok = false;
    while (!ok && fo_clock_mono_ms(fo_clock_real()) < deadline) {
        json_t *items = json_array();
        const char *const one[] = {ns, NULL};
        const char *const *scopes = namespaces ? namespaces : one;
        size_t nscopes = namespaces ? 0 : 1;
        while (namespaces && namespaces[nscopes])
            nscopes++;
        for (size_t s = 0; s < nscopes; s++) {
            fo_kube_ref ref = cm_ref(scopes[s], NULL);
            fo_kube_list_opts lo = {.label_selector = selector};
            json_t *list = NULL;
            fo_err err;
            ck_assert_int_eq(fo_kube_list_all(env.kc, &ref, &lo, &list, &err), FO_OK);
            json_array_extend(items, json_object_get(list, "items"));
            json_decref(list);
        }
        json_t *cached = fo_informer_list(inf, ns);
        free(want);
        free(got);
        want = fingerprint(items);
        got = fingerprint(cached);
        ok = strcmp(want, got) == 0;
        json_decref(items);
        json_decref(cached);
        if (!ok)
            fo_test_sleep_ms(20);
    }
    if (!ok)
        fprintf(stderr, "cache %s\nlist  %s\n", got, want);
    free(want);
    free(got);
    return ok;
}

/* ---- tests ---- */

START_TEST(lists_then_watches_adds_updates_and_deletes)
{
    for (int i = 0; i < 7; i++) { /* more than one page of 3 */
        char name[16];
        snprintf(name, sizeof name, "pre-%d", i);
        put_cm("default", name, "v", "a", NULL);
    }
    fo_informer *inf = start_informer(NULL, NULL);
    /* synced means the first list reached the handlers */
    ck_assert_int_ge(seen_count('A', NULL), 7);
    ck_assert_uint_ge(fo_informer_len(inf), 7);
    json_t *pre = fo_informer_get(inf, "default", "pre-3");
    ck_assert_ptr_nonnull(pre);
    ck_assert_str_eq(fo_json_str(pre, "kind"), "ConfigMap"); /* filled in for list items */
    ck_assert_str_eq(fo_json_str(pre, "apiVersion"), "v1");

    put_cm("default", "live", "1", "a", NULL);
    ck_assert(wait_seen('A', "default/live", 1));
    put_cm("default", "live", "2", "a", NULL);
    ck_assert(wait_seen('U', "default/live", 1));
    json_t *live = fo_informer_get(inf, "default", "live");
    ck_assert_str_eq(fo_json_get_str(live, "data.k"), "2");
    del_cm("default", "live");
    ck_assert(wait_seen('D', "default/live", 1));
    ck_assert_ptr_null(fo_informer_get(inf, "default", "live"));
    /* the snapshots we hold are untouched by later changes */
    ck_assert_str_eq(fo_json_get_str(live, "data.k"), "2");
    ck_assert_str_eq(fo_json_get_str(pre, "metadata.name"), "pre-3");
    /* handler order for one key: add, update, delete */
    pthread_mutex_lock(&seen.mu);
    char order[8] = "";
    for (int i = 0, n = 0; i < seen.n && n < 7; i++)
        if (strcmp(seen.key[i], "default/live") == 0)
            order[n++] = seen.type[i];
    pthread_mutex_unlock(&seen.mu);
    ck_assert_str_eq(order, "AUD");
    ck_assert(cache_matches_list(inf, NULL, NULL, NULL));
    json_decref(live);
    json_decref(pre);
    fo_informer_free(inf);
}
END_TEST

START_TEST(survives_dropped_watches_without_losing_changes)
{
    fo_informer *inf = start_informer(NULL, NULL);
    for (int round = 0; round < 5; round++) {
        char name[16];
        snprintf(name, sizeof name, "drop-%d", round);
        put_cm("default", name, "v", "a", NULL);
        control("POST", "/fake/drop-watches", NULL);
        put_cm("default", name, "w", "a", NULL);
        if (round % 2)
            del_cm("default", name);
        control("POST", "/fake/bookmark", NULL);
    }
    ck_assert(cache_matches_list(inf, NULL, NULL, NULL));
    fo_informer_stats st;
    fo_informer_get_stats(inf, &st);
    ck_assert_uint_ge(st.watches, 2);
    ck_assert_uint_eq(st.relists_gone, 0); /* resumed, not relisted */
    fo_informer_free(inf);
}
END_TEST

START_TEST(relists_after_410_and_emits_the_differences)
{
    put_cm("default", "stays", "v", "a", NULL);
    put_cm("default", "changes", "v1", "a", NULL);
    put_cm("default", "vanishes", "v", "a", NULL);
    fo_informer *inf = start_informer(NULL, NULL);
    int adds0 = seen_count('A', NULL);
    /* A watch that reached the server after the drop below would stay open and carry the
     * changes as events: no 410 to test. */
    wait_watching(1);
    /* Keep the informer from reading while the world changes, then forget history. */
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":503,\"method\":\"GET\",\"pathPrefix\":\"/api/v1/\"}");
    control("POST", "/fake/drop-watches", NULL);
    put_cm("default", "changes", "v2", "a", NULL);
    del_cm("default", "vanishes");
    put_cm("default", "appears", "v", "a", NULL);
    control("POST", "/fake/compact", NULL);
    control("DELETE", "/fake/faults", NULL);
    ck_assert(wait_seen('D', "default/vanishes", 1));
    ck_assert(wait_seen('A', "default/appears", 1));
    ck_assert(wait_seen('U', "default/changes", 1));
    ck_assert(cache_matches_list(inf, NULL, NULL, NULL));
    /* only the differences: nothing for "stays", one add in all */
    ck_assert_int_eq(seen_count('U', "default/stays"), 0);
    ck_assert_int_eq(seen_count('A', NULL), adds0 + 1);
    fo_informer_stats st;
    fo_informer_get_stats(inf, &st);
    /* (whether the informer also hit the injected 503s depends on timing: not asserted) */
    ck_assert_uint_ge(st.relists_gone, 1);
    fo_informer_free(inf);
}
END_TEST

/* Poll until the informer's out-of-contact time satisfies want (> 0, or == 0). */
static bool wait_contact(fo_informer *inf, bool out_of_contact)
{
    for (int waited = 0; waited < CONVERGE_MS; waited += 5) {
        if ((fo_informer_out_of_contact_ms(inf) > 0) == out_of_contact)
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    }
    return false;
}

/* 0 while the watch is open; counting from the first refusal while the server refuses lists
 * and watches (a cache a reader may no longer trust); 0 again once a watch is open. */
START_TEST(reports_how_long_it_has_been_out_of_contact)
{
    fo_informer *inf = start_informer(NULL, NULL);
    wait_watching(1);
    ck_assert_int_eq(fo_informer_out_of_contact_ms(inf), 0);
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":403,\"method\":\"GET\",\"pathPrefix\":\"/api/v1/\"}");
    control("POST", "/fake/drop-watches", NULL);
    ck_assert(wait_contact(inf, true));
    nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
    ck_assert_int_ge(fo_informer_out_of_contact_ms(inf), 300); /* it keeps counting */
    control("DELETE", "/fake/faults", NULL);
    ck_assert(wait_contact(inf, false));
    wait_watching(1);
    /* watches accepted only to fail at once (an ERROR event after the 200) are no contact:
     * the time keeps counting across them */
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":500,\"watchError\":true,\"pathPrefix\":\"/api/v1/\"}");
    control("POST", "/fake/drop-watches", NULL);
    ck_assert(wait_contact(inf, true));
    nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 500 * 1000 * 1000}, NULL);
    ck_assert_int_ge(fo_informer_out_of_contact_ms(inf), 1200);
    control("DELETE", "/fake/faults", NULL);
    ck_assert(wait_contact(inf, false));
    fo_informer_free(inf);
}
END_TEST

/* A server that answers every watch from the version its list just gave with 410 (an ERROR
 * event after the 200) does not make the informer list and watch in a tight loop: it backs
 * off, and recovers once the watches work. */
START_TEST(an_immediate_410_after_a_list_backs_off)
{
    fo_informer *inf = start_informer(NULL, NULL);
    wait_watching(1);
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":410,\"watchError\":true,\"pathPrefix\":\"/api/v1/\"}");
    control("POST", "/fake/drop-watches", NULL);
    nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL);
    fo_informer_stats before, after;
    fo_informer_get_stats(inf, &before);
    nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
    fo_informer_get_stats(inf, &after);
    /* with backoff (20 ms doubling to 200 ms here) a handful; without, over a thousand */
    ck_assert_uint_lt(after.watches - before.watches, 50);
    control("DELETE", "/fake/faults", NULL);
    put_cm("default", "after-410s", "v", "a", NULL);
    ck_assert(wait_seen('A', "default/after-410s", 1));
    ck_assert(cache_matches_list(inf, NULL, NULL, NULL));
    fo_informer_free(inf);
}
END_TEST

START_TEST(rides_out_bursts_of_server_errors)
{
    put_cm("default", "before", "v", "a", NULL);
    control("POST", "/fake/faults", "{\"count\":6,\"code\":500,\"method\":\"GET\"}");
    fo_informer *inf = start_informer(NULL, NULL); /* first lists fail, then it syncs */
    control("POST", "/fake/faults", "{\"count\":4,\"code\":503,\"method\":\"GET\"}");
    control("POST", "/fake/drop-watches", NULL);
    put_cm("default", "during", "v", "a", NULL);
    ck_assert(wait_seen('A', "default/during", 1));
    ck_assert(cache_matches_list(inf, NULL, NULL, NULL));
    fo_informer_free(inf);
}
END_TEST

START_TEST(watches_only_the_namespaces_it_is_given)
{
    make_ns("ns-a");
    make_ns("ns-b");
    make_ns("ns-c");
    put_cm("ns-a", "one", "v", "a", NULL);
    put_cm("ns-c", "one", "v", "a", NULL);
    const char *const nss[] = {"ns-a", "ns-b", NULL};
    fo_informer *inf = start_informer(nss, NULL);
    put_cm("ns-b", "two", "v", "a", NULL);
    put_cm("ns-c", "two", "v", "a", NULL);
    ck_assert(wait_seen('A', "ns-b/two", 1));
    ck_assert(cache_matches_list(inf, NULL, NULL, nss));
    ck_assert_ptr_null(fo_informer_get(inf, "ns-c", "one"));
    json_t *a = fo_informer_list(inf, "ns-a");
    ck_assert_uint_eq(json_array_size(a), 1);
    json_decref(a);
    fo_informer_free(inf);
}
END_TEST

START_TEST(a_label_selector_keeps_only_matching_objects)
{
    put_cm("default", "web", "v", "web", NULL);
    put_cm("default", "db", "v", "db", NULL);
    fo_informer *inf = start_informer(NULL, "app=web");
    json_t *db = fo_informer_get(inf, "default", "db");
    ck_assert_ptr_null(db);
    /* an object that stops matching leaves the cache (the server sends DELETED) */
    put_cm("default", "web", "v", "not-web", NULL);
    ck_assert(wait_seen('D', "default/web", 1));
    put_cm("default", "db", "v", "web", NULL);
    ck_assert(wait_seen('A', "default/db", 1));
    ck_assert(cache_matches_list(inf, NULL, "app=web", NULL));
    fo_informer_free(inf);
}
END_TEST

START_TEST(the_owner_index_follows_owner_references)
{
    put_cm("default", "child-1", "v", "a", "uid-owner-1");
    put_cm("default", "child-2", "v", "a", "uid-owner-1");
    put_cm("default", "other", "v", "a", "uid-owner-2");
    fo_informer *inf = start_informer(NULL, NULL);
    json_t *kids = fo_informer_by_owner(inf, "uid-owner-1");
    ck_assert_uint_eq(json_array_size(kids), 2);
    json_decref(kids);
    put_cm("default", "child-2", "v", "a", "uid-owner-2"); /* re-parented */
    ck_assert(wait_seen('U', "default/child-2", 1));
    kids = fo_informer_by_owner(inf, "uid-owner-1");
    ck_assert_uint_eq(json_array_size(kids), 1);
    ck_assert_str_eq(fo_json_get_str(json_array_get(kids, 0), "metadata.name"), "child-1");
    json_decref(kids);
    kids = fo_informer_by_owner(inf, "uid-owner-2");
    ck_assert_uint_eq(json_array_size(kids), 2);
    json_decref(kids);
    del_cm("default", "child-1");
    ck_assert(wait_seen('D', "default/child-1", 1));
    kids = fo_informer_by_owner(inf, "uid-owner-1");
    ck_assert_uint_eq(json_array_size(kids), 0);
    json_decref(kids);
    fo_informer_free(inf);
}
END_TEST

START_TEST(the_cache_drops_other_clients_bookkeeping)
{
    /* Server-side apply records managedFields; kubectl apply writes last-applied. */
    put_cm("default", "listed", "1", "a", NULL);
    fo_kube_ref ref = cm_ref("default", "listed");
    json_t *patch = json_pack("{s:{s:{s:s, s:s}}}", "metadata", "annotations",
                              "kubectl.kubernetes.io/last-applied-configuration", "{\"big\":1}",
                              "team", "a");
    fo_err err;
    json_t *out = NULL;
    ck_assert_int_eq(fo_kube_patch(env.kc, &ref, FO_PATCH_MERGE, patch, NULL, &out, &err), FO_OK);
    ck_assert_ptr_nonnull(fo_json_get(out, "metadata.managedFields"));
    json_decref(out);
    fo_informer *inf = start_informer(NULL, NULL);
    json_t *listed = fo_informer_get(inf, "default", "listed");
    ck_assert_ptr_nonnull(listed);
    ck_assert_ptr_null(fo_json_get(listed, "metadata.managedFields"));
    json_t *ann = fo_json_get(listed, "metadata.annotations");
    ck_assert_ptr_null(json_object_get(ann, "kubectl.kubernetes.io/last-applied-configuration"));
    ck_assert_str_eq(fo_json_str(ann, "team"), "a"); /* other annotations stay */
    json_decref(listed);
    /* objects that arrive through the watch are trimmed the same way */
    put_cm("default", "watched", "1", "a", NULL);
    ck_assert(wait_seen('A', "default/watched", 1));
    json_t *watched = fo_informer_get(inf, "default", "watched");
    ck_assert_ptr_null(fo_json_get(watched, "metadata.managedFields"));
    json_decref(watched);
    json_decref(patch);
    fo_informer_free(inf);
}
END_TEST

START_TEST(list_pages_are_read_without_what_the_cache_drops)
{
    /* The filter the reflector hands to fo_kube_list_all: a page never builds the items'
     * managedFields or last-applied annotation (a first list of a thousand objects would
     * otherwise hold all of them at once); everything else, and the List's own metadata,
     * stays. With both keep_* options there is nothing to leave out. */
    static const char page[] =
        "{\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
        "{\"metadata\":{\"name\":\"a\",\"managedFields\":[{\"manager\":\"kubectl\"}],"
        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\","
        "\"team\":\"x\"}},\"data\":{\"managedFields\":\"data stays\"}}]}";
    fo_informer *inf = start_informer(NULL, NULL);
    const fo_json_read_filter *f = fo_informer_list_filter(inf);
    ck_assert_ptr_nonnull(f);
    fo_err err;
    json_t *list = fo_json_read(page, strlen(page), f, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    json_t *item = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_ptr_null(fo_json_get(item, "metadata.managedFields"));
    json_t *ann = fo_json_get(item, "metadata.annotations");
    ck_assert_ptr_null(json_object_get(ann, "kubectl.kubernetes.io/last-applied-configuration"));
    ck_assert_str_eq(fo_json_str(ann, "team"), "x");
    ck_assert_str_eq(fo_json_str(json_object_get(item, "data"), "managedFields"), "data stays");
    ck_assert_str_eq(fo_json_get_str(list, "metadata.resourceVersion"), "7");
    json_decref(list);
    fo_informer_free(inf);

    fo_informer_opts o = {.kc = env.kc,
                          .version = "v1",
                          .resource = "configmaps",
                          .keep_managed_fields = true,
                          .keep_last_applied = true};
    inf = fo_informer_new(&o, &err);
    ck_assert_ptr_nonnull(inf);
    ck_assert_ptr_null(fo_informer_list_filter(inf));
    fo_informer_free(inf);
}
END_TEST

START_TEST(drop_status_leaves_each_objects_status_out)
{
    /* For a reader of spec and metadata only (the webhook's session-job checks): list pages
     * never build items[].status, and an object from a watch loses it before it is cached.
     * A member called "status" below the top level stays. */
    static const char page[] =
        "{\"kind\":\"WidgetList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"},"
        "\"spec\":{\"status\":\"spec stays\"},\"status\":{\"phase\":\"Running\"}}]}";
    for (int drop = 0; drop <= 1; drop++) {
        fo_informer_opts o = {.kc = env.kc,
                              .version = "v1",
                              .resource = "configmaps",
                              .keep_managed_fields = true,
                              .keep_last_applied = true,
                              .drop_status = drop};
        fo_err err;
        fo_informer *inf = fo_informer_new(&o, &err);
        ck_assert_ptr_nonnull(inf);
        const fo_json_read_filter *f = fo_informer_list_filter(inf);
        ck_assert(drop ? f != NULL : f == NULL); /* nothing to leave out without it */
        json_t *list = fo_json_read(page, strlen(page), f, &err);
        ck_assert_msg(list != NULL, "%s", err.message);
        json_t *item = json_array_get(json_object_get(list, "items"), 0);
        ck_assert(drop ? !json_object_get(item, "status") : !!json_object_get(item, "status"));
        ck_assert_str_eq(fo_json_get_str(item, "spec.status"), "spec stays");
        json_decref(list);

        json_t *obj =
            json_pack("{s:{s:s, s:s}, s:{s:s}, s:{s:s}}", "metadata", "name", "b", "namespace",
                      "ns", "spec", "status", "spec stays", "status", "phase", "Running");
        fo_informer_apply_upsert(inf, obj);
        json_decref(obj);
        json_t *cached = fo_informer_get(inf, "ns", "b");
        ck_assert_ptr_nonnull(cached);
        ck_assert(drop ? !json_object_get(cached, "status") : !!json_object_get(cached, "status"));
        ck_assert_str_eq(fo_json_get_str(cached, "spec.status"), "spec stays");
        json_decref(cached);
        fo_informer_free(inf);
    }
}
END_TEST

START_TEST(spec_members_and_identity_only_keep_what_a_reader_needs)
{
    /* The webhook's cache of FlinkDeployments: of spec only the members asked for, of
     * metadata only name, namespace, uid and resourceVersion; in list pages they are never
     * built, and an object from a watch loses the rest before it is cached. */
    static const char page[] =
        "{\"kind\":\"FlinkDeploymentList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
        "{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
        "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"uid\":\"u1\","
        "\"resourceVersion\":\"5\","
        "\"labels\":{\"team\":\"x\"},\"ownerReferences\":[{\"uid\":\"o\"}],\"generation\":3},"
        "\"spec\":{\"job\":{\"jarURI\":\"local:///a.jar\"},\"flinkVersion\":\"v1_20\","
        "\"podTemplate\":{\"spec\":{\"containers\":[]}},\"jobManager\":{\"replicas\":1}},"
        "\"status\":{\"lifecycleState\":\"STABLE\"}}]}";
    static const char *const members[] = {"job", "flinkConfiguration", "flinkVersion", NULL};
    fo_informer_opts o = {.kc = env.kc,
                          .group = "flink.apache.org",
                          .version = "v1beta1",
                          .resource = "flinkdeployments",
                          .keep_managed_fields = true,
                          .keep_last_applied = true,
                          .spec_members = members,
                          .metadata_identity_only = true};
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    ck_assert_ptr_nonnull(inf);
    const fo_json_read_filter *f = fo_informer_list_filter(inf);
    ck_assert_ptr_nonnull(f); /* these options alone need the page filter */
    json_t *list = fo_json_read(page, strlen(page), f, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    json_t *obj = json_deep_copy(json_array_get(json_object_get(list, "items"), 0));
    json_decref(list);
    for (int from_watch = 0; from_watch <= 1; from_watch++) {
        if (from_watch) { /* the same object whole, as a watch event brings it */
            json_decref(obj);
            list = fo_json_read(page, strlen(page), NULL, &err);
            obj = json_deep_copy(json_array_get(json_object_get(list, "items"), 0));
            json_decref(list);
            fo_informer_apply_upsert(inf, obj);
            json_decref(obj);
            obj = fo_informer_get(inf, "ns", "a");
            ck_assert_ptr_nonnull(obj);
        }
        json_t *meta = json_object_get(obj, "metadata");
        ck_assert_uint_eq(json_object_size(meta), 4);
        ck_assert_str_eq(fo_json_str(meta, "uid"), "u1");
        ck_assert_str_eq(fo_json_str(meta, "resourceVersion"), "5");
        json_t *spec = json_object_get(obj, "spec");
        ck_assert_uint_eq(json_object_size(spec), 2);
        ck_assert_str_eq(fo_json_get_str(spec, "job.jarURI"), "local:///a.jar");
        ck_assert_str_eq(fo_json_str(spec, "flinkVersion"), "v1_20");
        ck_assert_str_eq(fo_json_str(obj, "kind"), "FlinkDeployment");
        ck_assert_ptr_nonnull(json_object_get(obj, "status")); /* drop_status is its own */
    }
    json_decref(obj);
    fo_informer_free(inf);
}
END_TEST

START_TEST(an_empty_spec_members_list_keeps_no_spec)
{
    /* The controller's JobManager pods: spec_members with no members leaves spec empty, from
     * a list page and from a watch, and keeps metadata and status. */
    static const char page[] =
        "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
        "{\"metadata\":{\"name\":\"jm\",\"namespace\":\"ns\",\"labels\":{\"app\":\"a\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"flink-main-container\"}]},"
        "\"status\":{\"phase\":\"Pending\"}}]}";
    static const char *const none[] = {NULL};
    fo_informer_opts o = {.kc = env.kc, .version = "v1", .resource = "pods", .spec_members = none};
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    ck_assert_ptr_nonnull(inf);
    json_t *list = fo_json_read(page, strlen(page), fo_informer_list_filter(inf), &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    json_t *item = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_uint_eq(json_object_size(json_object_get(item, "spec")), 0);
    ck_assert_str_eq(fo_json_get_str(item, "status.phase"), "Pending");
    ck_assert_str_eq(fo_json_get_str(item, "metadata.labels.app"), "a");
    json_decref(list);
    list = fo_json_read(page, strlen(page), NULL, &err); /* whole, as a watch brings it */
    fo_informer_apply_upsert(inf, json_array_get(json_object_get(list, "items"), 0));
    json_t *cached = fo_informer_get(inf, "ns", "jm");
    ck_assert_ptr_nonnull(cached);
    ck_assert_uint_eq(json_object_size(json_object_get(cached, "spec")), 0);
    ck_assert_str_eq(fo_json_get_str(cached, "status.phase"), "Pending");
    json_decref(cached);
    json_decref(list);
    fo_informer_free(inf);
}
END_TEST

/* A ConfigMap with nkeys data keys (weight 2 each). */
static void put_cm_keys(const char *ns, const char *name, int nkeys)
{
    json_t *data = json_object();
    for (int i = 0; i < nkeys; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(data, k, json_string("v"));
    }
    json_t *cm = json_pack("{s:s,s:s,s:{s:s},s:o}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", "name", name, "data", data);
    apply_cm(ns, name, cm);
}

/* The cached object ns/name is a stub (or whole, with want_stub false) within the deadline. */
static bool becomes(fo_informer *inf, const char *ns, const char *name, bool want_stub)
{
    for (int waited = 0; waited < CONVERGE_MS; waited += 10) {
        json_t *obj = fo_informer_get(inf, ns, name);
        bool stub = obj && fo_kube_oversized(obj);
        bool whole = obj && !stub && json_object_get(obj, "data");
        json_decref(obj);
        if (want_stub ? stub : whole)
            return true;
        fo_test_sleep_ms(10);
    }
    return false;
}

START_TEST(objects_past_the_weight_bound_are_cached_as_stubs_from_lists_and_watches)
{
    make_ns("big");
    put_cm_keys("big", "heavy", 300); /* about 600 */
    put_cm_keys("big", "light", 3);
    fo_informer_opts o = {.kc = env.kc,
                          .version = "v1",
                          .resource = "configmaps",
                          .page_size = 1, /* each item on a page of its own, and both on one: */
                          .max_object_weight = 200,
                          .backoff_initial_ms = 20,
                          .backoff_max_ms = 200};
    for (int paged = 1; paged >= 0; paged--) {
        o.page_size = paged ? 1 : 0;
        fo_err err;
        fo_informer *inf = fo_informer_new(&o, &err);
        ck_assert_msg(inf != NULL, "%s", err.message);
        fo_informer_handlers h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
        ck_assert_int_eq(fo_informer_add_handlers(inf, &h), FO_OK);
        ck_assert_int_eq(fo_informer_start(inf, &err), FO_OK);
        ck_assert(fo_informer_wait_synced(inf, CONVERGE_MS));
        json_t *heavy = fo_informer_get(inf, "big", "heavy");
        ck_assert_ptr_nonnull(heavy);
        ck_assert_ptr_nonnull(fo_kube_oversized(heavy));
        ck_assert_ptr_null(json_object_get(heavy, "data"));
        ck_assert_str_eq(fo_json_get_str(heavy, "metadata.name"), "heavy");
        json_decref(heavy);
        ck_assert(becomes(inf, "big", "light", false));
        fo_informer_free(inf);
    }
    /* through the watch: light turns heavy, heavy turns light, and a stub's deletion is seen */
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    fo_informer_handlers h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
    ck_assert_int_eq(fo_informer_add_handlers(inf, &h), FO_OK);
    ck_assert_int_eq(fo_informer_start(inf, &err), FO_OK);
    ck_assert(fo_informer_wait_synced(inf, CONVERGE_MS));
    wait_watching(1);
    put_cm_keys("big", "light", 400);
    put_cm_keys("big", "heavy", 2);
    ck_assert(becomes(inf, "big", "light", true));
    ck_assert(becomes(inf, "big", "heavy", false));
    del_cm("big", "light");
    ck_assert(wait_seen('D', "big/light", 1));
    /* a watch weighs what a list builds: not the managedFields, which here list every key and
     * would weigh twice the data (50 keys: about 130 built, well over 200 with them) */
    put_cm_keys("big", "heavy", 50);
    ck_assert(wait_seen('U', "big/heavy", 2));
    json_t *got = fo_informer_get(inf, "big", "heavy");
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(!fo_kube_oversized(got), "cached as a stub from the watch");
    ck_assert_uint_eq(json_object_size(json_object_get(got, "data")), 50);
    ck_assert_ptr_null(fo_json_get(got, "metadata.managedFields"));
    json_decref(got);
    fo_informer_free(inf);
}
END_TEST

START_TEST(an_answer_to_a_write_is_read_as_the_cache_holds_the_object)
{
    /* the same rule and bound as a list or a watch: managedFields and the last-applied
     * annotation are not built, and the object is a stub exactly when the cache's would be */
    fo_informer_opts o = {.kc = env.kc, .version = "v1", .resource = "configmaps",
                          .max_object_weight = 45};
    fo_err err;
    fo_informer *inf = fo_informer_new(&o, &err);
    ck_assert_ptr_nonnull(inf);
    fo_json_read_filter f;
    ck_assert(fo_informer_answer_filter(inf, &f));
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    for (int keys = 10; keys <= 16; keys += 6) {
        fo_strbuf_printf(&sb,
                         "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"n\","
                         "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
                         "\"{}\"},\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{\"f:data\":"
                         "{\"f:k0\":{},\"f:k1\":{},\"f:k2\":{}}}}]},\"data\":{");
        for (int i = 0; i < keys; i++)
            fo_strbuf_printf(&sb, "%s\"k%d\":\"v\"", i ? "," : "", i);
        fo_strbuf_puts(&sb, "}}");
        json_t *answer = fo_kube_read_with_stubs(sb.data, sb.len, &f, &err);
        ck_assert_msg(answer != NULL, "%s", err.message);
        /* the same object in a List page, read as the informer reads pages */
        fo_strbuf page;
        fo_strbuf_init(&page, 0);
        fo_strbuf_printf(&page, "{\"kind\":\"ConfigMapList\",\"items\":[%s]}", sb.data);
        json_t *list = fo_kube_read_with_stubs(page.data, page.len, fo_informer_list_filter(inf),
                                               &err);
        ck_assert_msg(list != NULL, "%s", err.message);
        json_t *item = json_array_get(json_object_get(list, "items"), 0);
        /* built: the object 3, kind 2, metadata 4 + name and namespace 4, annotations 4 (the
         * last-applied one not built), data 4, each key 2: 41 with 10 keys, 53 with 16; the
         * managedFields would add 27 */
        bool heavy = keys == 16;
        ck_assert(heavy == (fo_kube_oversized(answer) != NULL));
        ck_assert(heavy == (fo_kube_oversized(item) != NULL));
        ck_assert_ptr_null(fo_json_get(answer, "metadata.managedFields"));
        if (!heavy)
            ck_assert_uint_eq(json_object_size(json_object_get(answer, "data")), (size_t)keys);
        json_decref(answer);
        json_decref(list);
        fo_strbuf_release(&page);
        fo_strbuf_reset(&sb);
    }
    fo_strbuf_release(&sb);
    fo_informer_free(inf);
}
END_TEST

START_TEST(bad_options_are_refused)
{
    fo_err err;
    fo_informer_opts o = {.kc = env.kc, .version = "v1"};
    ck_assert_ptr_null(fo_informer_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    const char *const empty[] = {"", NULL};
    o.resource = "configmaps";
    o.namespaces = empty;
    ck_assert_ptr_null(fo_informer_new(&o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "namespaces[0]"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("informer");
    TCase *tc = tcase_create("informer");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lists_then_watches_adds_updates_and_deletes);
    tcase_add_test(tc, survives_dropped_watches_without_losing_changes);
    tcase_add_test(tc, relists_after_410_and_emits_the_differences);
    tcase_add_test(tc, rides_out_bursts_of_server_errors);
    tcase_add_test(tc, watches_only_the_namespaces_it_is_given);
    tcase_add_test(tc, a_label_selector_keeps_only_matching_objects);
    tcase_add_test(tc, the_owner_index_follows_owner_references);
    tcase_add_test(tc, the_cache_drops_other_clients_bookkeeping);
    tcase_add_test(tc, list_pages_are_read_without_what_the_cache_drops);
    tcase_add_test(tc, drop_status_leaves_each_objects_status_out);
    tcase_add_test(tc, spec_members_and_identity_only_keep_what_a_reader_needs);
    tcase_add_test(tc, an_empty_spec_members_list_keeps_no_spec);
    tcase_add_test(tc, objects_past_the_weight_bound_are_cached_as_stubs_from_lists_and_watches);
    tcase_add_test(tc, an_answer_to_a_write_is_read_as_the_cache_holds_the_object);
    tcase_add_test(tc, bad_options_are_refused);
    tcase_add_test(tc, reports_how_long_it_has_been_out_of_contact);
    tcase_add_test(tc, an_immediate_410_after_a_list_backs_off);
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
