/* The fake API server against kube-api-semantics.md §5 (list: selectors, paging,
 * resourceVersion, 410) and §6 (watch: event types, resume, 410 as an ERROR event, selector
 * transitions, bookmarks, server-side close), over HTTP. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define CM "/api/v1/namespaces/default/configmaps"

static fo_fake_apiserver *fa;
static fka_tc *tc;

static void start(size_t history)
{
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true, .history_size = history};
    tc = fka_tc_start_fake(&o, &fa);
}

static void setup(void)
{
    start(0);
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
}

/* Create ConfigMap name with labels (a JSON object text, may be NULL); returns its RV. */
static char *make_cm(const char *name, const char *labels)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"%s%s}}",
             name, labels ? ",\"labels\":" : "", labels ? labels : "");
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, &obj), 201);
    char *rv = strdup(fka_str(obj, "metadata.resourceVersion"));
    json_decref(obj);
    return rv;
}

static int merge_patch(const char *path, const char *patch)
{
    fka_tc_res res;
    int code = fka_tc_req(tc, "PATCH", path, "application/merge-patch+json", NULL, patch, &res);
    fka_tc_res_release(&res);
    return code;
}

static char *list_rv(const char *path)
{
    json_t *list = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &list), 200);
    char *rv = strdup(fka_str(list, "metadata.resourceVersion"));
    json_decref(list);
    return rv;
}

static json_t *names_of(const json_t *list)
{
    json_t *names = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(list, "items"), i, it)
        json_array_append_new(names, json_string(fka_str(it, "metadata.name")));
    return names;
}

static char *names_text(const char *path)
{
    json_t *list = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &list), 200);
    json_t *names = names_of(list);
    char *text = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    json_decref(list);
    return text;
}

/* §5: built-in list items carry no kind/apiVersion; the list does, with its RV. */
START_TEST(section5_builtin_list_items_have_no_kind)
{
    free(make_cm("a", NULL));
    json_t *list = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, &list), 200);
    ck_assert_str_eq(fka_str(list, "kind"), "ConfigMapList");
    ck_assert_str_eq(fka_str(list, "apiVersion"), "v1");
    ck_assert_str_ne(fka_str(list, "metadata.resourceVersion"), "");
    json_t *item = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_ptr_null(json_object_get(item, "kind"));
    ck_assert_ptr_null(json_object_get(item, "apiVersion"));
    json_decref(list);
}
END_TEST

/* §5: custom resource list items carry kind and apiVersion. */
START_TEST(section5_custom_resource_list_items_have_kind)
{
    fka_tc_install_crd(tc, "apiserver-crd-widgets.yaml");
    ck_assert_int_eq(fka_tc_post_fixture(tc, "/apis/fake.example.com/v1/namespaces/default/widgets",
                                         "apiserver-widget.yaml", NULL),
                     201);
    json_t *list = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/apis/fake.example.com/v1/widgets", NULL, &list), 200);
    ck_assert_str_eq(fka_str(list, "kind"), "WidgetList");
    json_t *item = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_str_eq(fka_str(item, "kind"), "Widget");
    ck_assert_str_eq(fka_str(item, "apiVersion"), "fake.example.com/v1");
    json_decref(list);
}
END_TEST

/* §5: the label selector grammar (=, !=, in, notin, exists, !exists, comma = AND). */
START_TEST(section5_label_selectors)
{
    free(make_cm("a", "{\"env\":\"prod\",\"tier\":\"web\"}"));
    free(make_cm("b", "{\"env\":\"dev\",\"tier\":\"web\"}"));
    free(make_cm("c", "{\"env\":\"test\"}"));
    free(make_cm("d", NULL));
    struct {
        const char *sel, *want;
    } cases[] = {
        {"env%3Dprod", "[\"a\"]"},
        {"env!%3Dprod", "[\"b\",\"c\",\"d\"]"},
        {"env%20in%20(dev,test)", "[\"b\",\"c\"]"},
        {"env%20notin%20(dev)", "[\"a\",\"c\",\"d\"]"},
        {"tier", "[\"a\",\"b\"]"},
        {"!tier", "[\"c\",\"d\"]"},
        {"tier%3Dweb,env%3Ddev", "[\"b\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, CM "?labelSelector=%s", cases[i].sel);
        char *got = names_text(path);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s: got %s", cases[i].sel, got);
        free(got);
    }
}
END_TEST

/* §5: field selectors on metadata.name / metadata.namespace; unsupported fields are 400. */
START_TEST(section5_field_selectors)
{
    free(make_cm("a", NULL));
    free(make_cm("b", NULL));
    char *got = names_text(CM "?fieldSelector=metadata.name%3Db");
    ck_assert_str_eq(got, "[\"b\"]");
    free(got);
    got = names_text("/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault,"
                     "metadata.name!%3Db");
    ck_assert_str_eq(got, "[\"a\"]");
    free(got);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?fieldSelector=data.x%3Dy", NULL, &st), 400);
    ck_assert_str_eq(fka_str(st, "message"), "field label not supported: data.x");
    json_decref(st);
}
END_TEST

/* §5: limit/continue pages over a snapshot taken at the first call. */
START_TEST(section5_paging_is_a_snapshot)
{
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        free(make_cm(names[i], NULL));
    json_t *page = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?limit=2", NULL, &page), 200);
    ck_assert_uint_eq(json_array_size(json_object_get(page, "items")), 2);
    int64_t remaining = 0;
    ck_assert(fo_json_get_int(page, "metadata.remainingItemCount", &remaining));
    ck_assert_int_eq(remaining, 3);
    char cont[1024];
    snprintf(cont, sizeof cont, "%s", fka_str(page, "metadata.continue"));
    ck_assert_str_ne(cont, "");
    json_decref(page);
    /* Changes after the first page must not show in the rest of the sequence. */
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/d", NULL, NULL), 200);
    free(make_cm("f", NULL));
    char path[1200];
    snprintf(path, sizeof path, CM "?limit=2&continue=%s", cont);
    char *got = names_text(path);
    ck_assert_str_eq(got, "[\"c\",\"d\"]");
    free(got);
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &page), 200);
    snprintf(cont, sizeof cont, "%s", fka_str(page, "metadata.continue"));
    json_decref(page);
    snprintf(path, sizeof path, CM "?limit=2&continue=%s", cont);
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &page), 200);
    json_t *n = names_of(page);
    char *text = json_dumps(n, JSON_COMPACT);
    ck_assert_str_eq(text, "[\"e\"]");
    ck_assert_ptr_null(fo_json_get(page, "metadata.continue"));
    free(text);
    json_decref(n);
    json_decref(page);
}
END_TEST

/* §5: an Exact list of a compacted version, or an expired continue token, is a plain 410. */
START_TEST(section5_compacted_versions_are_410_expired)
{
    char *rv = make_cm("a", NULL);
    free(make_cm("b", NULL));
    char path[256];
    snprintf(path, sizeof path, CM "?resourceVersion=%s&resourceVersionMatch=Exact", rv);
    char *got = names_text(path);
    ck_assert_str_eq(got, "[\"a\"]");
    free(got);
    json_t *page = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?limit=1", NULL, &page), 200);
    char cont[1024], p2[1200];
    snprintf(cont, sizeof cont, "%s", fka_str(page, "metadata.continue"));
    json_decref(page);
    free(make_cm("c", NULL));
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/compact", "{}", NULL), 200);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &st), 410);
    ck_assert_str_eq(fka_str(st, "reason"), "Expired");
    json_decref(st);
    snprintf(p2, sizeof p2, CM "?limit=1&continue=%s", cont);
    ck_assert_int_eq(fka_tc_json(tc, "GET", p2, NULL, &st), 410);
    ck_assert_str_eq(fka_str(st, "reason"), "Expired");
    json_decref(st);
    free(rv);
}
END_TEST

static const char *ev_type(const json_t *events, size_t i)
{
    return fka_str(json_array_get(events, i), "type");
}

static const char *ev_str(const json_t *events, size_t i, const char *path)
{
    return fka_str(json_object_get(json_array_get(events, i), "object"), path);
}

/* §6: a watch from the list's version gets the later changes in order; DELETED carries the
 * version of the deletion; objects have kind and apiVersion. */
START_TEST(section6_watch_from_list_version_gets_changes_in_order)
{
    free(make_cm("a", NULL));
    char *rv = list_rv(CM);
    ck_assert_int_eq(merge_patch(CM "/a", "{\"data\":{\"x\":\"1\"}}"), 200);
    json_t *del = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/a", NULL, &del), 200);
    json_decref(del);
    char *after = list_rv(CM);
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 2, 10000);
    ck_assert_uint_eq(json_array_size(events), 2);
    ck_assert_str_eq(ev_type(events, 0), "MODIFIED");
    ck_assert_str_eq(ev_str(events, 0, "kind"), "ConfigMap");
    ck_assert_str_eq(ev_str(events, 0, "apiVersion"), "v1");
    ck_assert_str_eq(ev_str(events, 0, "data.x"), "1");
    ck_assert_str_eq(ev_type(events, 1), "DELETED");
    ck_assert_str_eq(ev_str(events, 1, "metadata.resourceVersion"), after);
    json_decref(events);
    free(rv);
    free(after);
}
END_TEST

/* §6: without a resourceVersion the watch starts with ADDED for what exists. */
START_TEST(section6_watch_without_version_starts_with_added)
{
    free(make_cm("a", NULL));
    free(make_cm("b", NULL));
    json_t *events = fka_tc_watch(tc, CM "?watch=true", 2, 10000);
    ck_assert_uint_eq(json_array_size(events), 2);
    ck_assert_str_eq(ev_type(events, 0), "ADDED");
    ck_assert_str_eq(ev_str(events, 0, "metadata.name"), "a");
    ck_assert_str_eq(ev_type(events, 1), "ADDED");
    json_decref(events);
}
END_TEST

/* §6: a version older than the history kept gives 200, one ERROR event (410 Expired), end. */
START_TEST(section6_too_old_version_is_an_error_event)
{
    char *rv = make_cm("a", NULL);
    free(make_cm("b", NULL));
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/compact", "{}", NULL), 200);
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 5, 10000);
    ck_assert_uint_eq(json_array_size(events), 1);
    ck_assert_str_eq(ev_type(events, 0), "ERROR");
    ck_assert_str_eq(ev_str(events, 0, "kind"), "Status");
    ck_assert_str_eq(ev_str(events, 0, "reason"), "Expired");
    int64_t code = 0;
    ck_assert(fo_json_get_int(json_object_get(json_array_get(events, 0), "object"), "code", &code));
    ck_assert_int_eq(code, 410);
    ck_assert(strncmp(ev_str(events, 0, "message"), "too old resource version: ", 26) == 0);
    json_decref(events);
    free(rv);
}
END_TEST

/* §6: a server-side failure during a watch is an ERROR event with its Status after a 200;
 * the fake's watchError fault gives that (watches only: a list is not failed by it). */
START_TEST(section6_an_injected_watch_failure_is_an_error_event)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/faults",
                                 "{\"count\":1,\"code\":500,\"watchError\":true,"
                                 "\"pathPrefix\":\"/api/v1/\"}",
                                 NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM, NULL, NULL), 200); /* not a watch */
    json_t *events = fka_tc_watch(tc, CM "?watch=true", 5, 10000);
    ck_assert_uint_eq(json_array_size(events), 1);
    ck_assert_str_eq(ev_type(events, 0), "ERROR");
    ck_assert_str_eq(ev_str(events, 0, "kind"), "Status");
    int64_t code = 0;
    ck_assert(fo_json_get_int(json_object_get(json_array_get(events, 0), "object"), "code", &code));
    ck_assert_int_eq(code, 500);
    json_decref(events);
    /* used up: the next watch is a watch */
    free(make_cm("after", NULL));
    events = fka_tc_watch(tc, CM "?watch=true", 1, 10000);
    ck_assert_str_eq(ev_type(events, 0), "ADDED");
    json_decref(events);
}
END_TEST

/* §6 (fake): the history is bounded per collection; beyond it a watch gets 410. */
START_TEST(section6_bounded_history_expires_old_versions)
{
    teardown();
    start(3);
    char *rv = make_cm("a", NULL);
    for (int i = 0; i < 4; i++) {
        char p[64];
        snprintf(p, sizeof p, "{\"data\":{\"i\":\"%d\"}}", i);
        ck_assert_int_eq(merge_patch(CM "/a", p), 200);
    }
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 5, 10000);
    ck_assert_uint_eq(json_array_size(events), 1);
    ck_assert_str_eq(ev_type(events, 0), "ERROR");
    json_decref(events);
    free(rv);
}
END_TEST

/* §6: with a label selector, starting to match is ADDED and stopping is DELETED. */
START_TEST(section6_selector_transitions_are_added_and_deleted)
{
    free(make_cm("a", NULL));
    char *rv = list_rv(CM);
    ck_assert_int_eq(merge_patch(CM "/a", "{\"metadata\":{\"labels\":{\"pick\":\"me\"}}}"), 200);
    ck_assert_int_eq(merge_patch(CM "/a", "{\"data\":{\"x\":\"1\"}}"), 200);
    ck_assert_int_eq(merge_patch(CM "/a", "{\"metadata\":{\"labels\":{\"pick\":null}},"
                                          "\"data\":{\"x\":\"2\"}}"),
                     200);
    char *gone_rv = list_rv(CM);
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&labelSelector=pick%%3Dme&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 3, 10000);
    ck_assert_uint_eq(json_array_size(events), 3);
    ck_assert_str_eq(ev_type(events, 0), "ADDED");
    ck_assert_str_eq(ev_type(events, 1), "MODIFIED");
    ck_assert_str_eq(ev_type(events, 2), "DELETED");
    /* The DELETED of a transition carries the last state that matched, stamped with the
     * version of the change (the watch cache's convertToWatchEvent). */
    ck_assert_str_eq(ev_str(events, 2, "metadata.labels.pick"), "me");
    ck_assert_str_eq(ev_str(events, 2, "data.x"), "1");
    ck_assert_str_eq(ev_str(events, 2, "metadata.resourceVersion"), gone_rv);
    json_decref(events);
    free(gone_rv);
    free(rv);
}
END_TEST

/* §6: timeoutSeconds closes the stream, with a last BOOKMARK when bookmarks are allowed;
 * the bookmark has the watched kind and only metadata.resourceVersion. */
START_TEST(section6_timeout_closes_with_a_bookmark)
{
    free(make_cm("a", NULL));
    char *rv = list_rv(CM);
    char path[256];
    snprintf(path, sizeof path,
             CM "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 10, 20000);
    ck_assert_uint_ge(json_array_size(events), 1);
    size_t last = json_array_size(events) - 1;
    ck_assert_str_eq(ev_type(events, last), "BOOKMARK");
    ck_assert_str_eq(ev_str(events, last, "kind"), "ConfigMap");
    ck_assert_str_eq(ev_str(events, last, "metadata.resourceVersion"), rv);
    ck_assert_ptr_null(
        fo_json_get(json_object_get(json_array_get(events, last), "object"), "metadata.name"));
    json_decref(events);
    free(rv);
}
END_TEST

typedef struct bg_watch {
    fka_tc *c;
    char path[256];
    size_t want;
    long timeout_ms; /* 0 = 20 s */
    json_t *events;
} bg_watch;

static void *watch_thread(void *arg)
{
    bg_watch *b = arg;
    b->events = fka_tc_watch(b->c, b->path, b->want, b->timeout_ms ? b->timeout_ms : 20000);
    return NULL;
}

static void wait_for_watchers(size_t n)
{
    for (int i = 0; i < 200; i++) {
        json_t *st = NULL;
        fka_tc_json(tc, "GET", "/fake/state", NULL, &st);
        int64_t w = 0;
        fo_json_get_int(st, "watches", &w);
        json_decref(st);
        if ((size_t)w >= n)
            return;
        fo_test_sleep_ms(20);
    }
    ck_abort_msg("watchers did not start");
}

/* §6 (fake hooks): a forced BOOKMARK reaches a live watch, then dropping watches ends it. */
START_TEST(section6_forced_bookmark_and_drop_reach_live_watches)
{
    char *rv = list_rv(CM);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    bg_watch b = {.c = fka_tc_new(base, NULL, NULL), .want = 10};
    snprintf(b.path, sizeof b.path, CM "?watch=true&allowWatchBookmarks=true&resourceVersion=%s",
             rv);
    pthread_t th;
    pthread_create(&th, NULL, watch_thread, &b);
    wait_for_watchers(1);
    free(make_cm("live", NULL));
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/bookmark", "{}", NULL), 200);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/drop-watches", "{}", NULL), 200);
    pthread_join(th, NULL);
    ck_assert_uint_eq(json_array_size(b.events), 2);
    ck_assert_str_eq(ev_type(b.events, 0), "ADDED");
    ck_assert_str_eq(ev_str(b.events, 0, "metadata.name"), "live");
    ck_assert_str_eq(ev_type(b.events, 1), "BOOKMARK");
    json_decref(b.events);
    fka_tc_free(b.c);
    free(rv);
}
END_TEST

/* Fake hook: a stalled watch (a proxy that stopped passing data) sends nothing more, not even
 * its end at timeoutSeconds, and stays open; a watch opened later gets what it missed. */
START_TEST(stalled_watches_send_nothing_more_and_stay_open)
{
    char *rv = list_rv(CM);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    free(make_cm("before", NULL));
    bg_watch b = {.c = fka_tc_new(base, NULL, NULL), .want = 10, .timeout_ms = 3000};
    snprintf(b.path, sizeof b.path,
             CM "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=%s", rv);
    int64_t t0 = fo_clock_real_mono_ns();
    pthread_t th;
    pthread_create(&th, NULL, watch_thread, &b);
    wait_for_watchers(1);
    fo_test_sleep_ms(300); /* "before", replayed from history, goes out */
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/stall-watches", "{}", NULL), 200);
    char *after = make_cm("after", NULL);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/bookmark", "{}", NULL), 200);
    pthread_join(th, NULL); /* the reader's own 3 s limit ends it, not the server at 1 s */
    int64_t took_ms = (fo_clock_real_mono_ns() - t0) / 1000000;
    ck_assert_msg(took_ms >= 2900, "the stalled watch ended after %lld ms", (long long)took_ms);
    ck_assert_uint_eq(json_array_size(b.events), 1);
    ck_assert_str_eq(ev_str(b.events, 0, "metadata.name"), "before");
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&timeoutSeconds=1&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 10, 20000);
    ck_assert_uint_eq(json_array_size(events), 2);
    ck_assert_str_eq(ev_str(events, 1, "metadata.name"), "after");
    ck_assert_str_eq(ev_str(events, 1, "metadata.resourceVersion"), after);
    json_decref(events);
    json_decref(b.events);
    fka_tc_free(b.c);
    free(after);
    free(rv);
}
END_TEST

/* §6 watch-list: sendInitialEvents=true with resourceVersionMatch=NotOlderThan gives the
 * current objects as ADDED, then the BOOKMARK marked k8s.io/initial-events-end, then later
 * changes, in that order; sendInitialEvents without NotOlderThan is 422 (ListOptions). */
START_TEST(section6_initial_events_end_before_later_changes)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?watch=true&sendInitialEvents=true", NULL, &st),
                     422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
                     "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
    json_decref(st);
    free(make_cm("a", NULL));
    free(make_cm("b", NULL));
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    bg_watch b = {.c = fka_tc_new(base, NULL, NULL), .want = 4};
    snprintf(b.path, sizeof b.path,
             CM "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                "&allowWatchBookmarks=true");
    pthread_t th;
    pthread_create(&th, NULL, watch_thread, &b);
    wait_for_watchers(1);
    free(make_cm("live", NULL));
    pthread_join(th, NULL);
    ck_assert_uint_eq(json_array_size(b.events), 4);
    ck_assert_str_eq(ev_type(b.events, 0), "ADDED");
    ck_assert_str_eq(ev_type(b.events, 1), "ADDED");
    ck_assert_str_eq(ev_type(b.events, 2), "BOOKMARK");
    const json_t *ann =
        fo_json_get(json_object_get(json_array_get(b.events, 2), "object"), "metadata.annotations");
    ck_assert_str_eq(json_string_value(json_object_get(ann, "k8s.io/initial-events-end")), "true");
    ck_assert_str_eq(ev_type(b.events, 3), "ADDED");
    ck_assert_str_eq(ev_str(b.events, 3, "metadata.name"), "live");
    json_decref(b.events);
    fka_tc_free(b.c);
}
END_TEST

/* §5 with the API server's checks of list options: resourceVersionMatch needs a
 * resourceVersion, takes Exact or NotOlderThan, and Exact not with "0" (422 ListOptions); a
 * continue token pins the version, so a resourceVersion next to it is 400. */
START_TEST(section5_list_options_are_checked)
{
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?resourceVersionMatch=Exact", NULL, &st), 422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
                     "resourceVersionMatch is forbidden unless resourceVersion is provided");
    json_decref(st);
    ck_assert_int_eq(
        fka_tc_json(tc, "GET", CM "?resourceVersion=1&resourceVersionMatch=Foo", NULL, &st), 422);
    ck_assert_str_eq(fka_str(st, "message"),
                     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported "
                     "value: \"Foo\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
    json_decref(st);
    ck_assert_int_eq(
        fka_tc_json(tc, "GET", CM "?resourceVersion=0&resourceVersionMatch=Exact", NULL, &st),
        422);
    json_decref(st);
    free(make_cm("a", NULL));
    free(make_cm("b", NULL));
    json_t *page = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "?limit=1", NULL, &page), 200);
    char path[600];
    snprintf(path, sizeof path, CM "?limit=1&continue=%s&resourceVersion=%s",
             fka_str(page, "metadata.continue"), fka_str(page, "metadata.resourceVersion"));
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &st), 400);
    ck_assert_str_eq(fka_str(st, "message"),
                     "specifying resource version is not allowed when using continue");
    json_decref(st);
    snprintf(path, sizeof path, CM "?limit=1&continue=%s&resourceVersion=0",
             fka_str(page, "metadata.continue"));
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, NULL), 200);
    json_decref(page);
}
END_TEST

/* §6: watching one object by fieldSelector=metadata.name. */
START_TEST(section6_watch_one_object_by_name)
{
    free(make_cm("a", NULL));
    free(make_cm("b", NULL));
    json_t *events = fka_tc_watch(tc, CM "?watch=true&fieldSelector=metadata.name%3Db", 1, 10000);
    ck_assert_uint_eq(json_array_size(events), 1);
    ck_assert_str_eq(ev_str(events, 0, "metadata.name"), "b");
    json_decref(events);
}
END_TEST

/* §6: the informer loop: list, watch from the list RV, and after 410 a fresh list. */
START_TEST(section6_relist_after_410_sees_current_state)
{
    free(make_cm("a", NULL));
    char *rv = list_rv(CM);
    free(make_cm("b", NULL));
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/a", NULL, NULL), 200);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/compact", "{}", NULL), 200);
    char path[256];
    snprintf(path, sizeof path, CM "?watch=true&resourceVersion=%s", rv);
    json_t *events = fka_tc_watch(tc, path, 5, 10000);
    ck_assert_str_eq(ev_type(events, 0), "ERROR");
    json_decref(events);
    char *got = names_text(CM);
    ck_assert_str_eq(got, "[\"b\"]");
    free(got);
    char *now = list_rv(CM);
    snprintf(path, sizeof path, CM "?watch=true&resourceVersion=%s", now);
    free(make_cm("c", NULL));
    events = fka_tc_watch(tc, path, 1, 10000);
    ck_assert_str_eq(ev_type(events, 0), "ADDED");
    ck_assert_str_eq(ev_str(events, 0, "metadata.name"), "c");
    json_decref(events);
    free(rv);
    free(now);
}
END_TEST

/* In-process watches see the same events (embedding API). */
START_TEST(in_process_watch_sees_changes)
{
    uint64_t rv = fo_fake_apiserver_resource_version(fa);
    fo_fake_apiserver_watch *w =
        fo_fake_apiserver_watch_open(fa, "v1", "configmaps", "default", rv);
    ck_assert_ptr_nonnull(w);
    free(make_cm("x", NULL));
    const char *type = NULL;
    json_t *obj = NULL;
    ck_assert(fo_fake_apiserver_watch_next(w, 5000, &type, &obj));
    ck_assert_str_eq(type, "ADDED");
    ck_assert_str_eq(fka_str(obj, "metadata.name"), "x");
    ck_assert_str_eq(fka_str(obj, "kind"), "ConfigMap");
    json_decref(obj);
    fo_fake_apiserver_watch_close(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_watch");
    TCase *t = tcase_create("list_watch");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, section5_builtin_list_items_have_no_kind);
    tcase_add_test(t, section5_custom_resource_list_items_have_kind);
    tcase_add_test(t, section5_label_selectors);
    tcase_add_test(t, section5_field_selectors);
    tcase_add_test(t, section5_paging_is_a_snapshot);
    tcase_add_test(t, section5_compacted_versions_are_410_expired);
    tcase_add_test(t, section6_watch_from_list_version_gets_changes_in_order);
    tcase_add_test(t, section6_watch_without_version_starts_with_added);
    tcase_add_test(t, section6_too_old_version_is_an_error_event);
    tcase_add_test(t, section6_an_injected_watch_failure_is_an_error_event);
    tcase_add_test(t, section6_bounded_history_expires_old_versions);
    tcase_add_test(t, section6_selector_transitions_are_added_and_deleted);
    tcase_add_test(t, section6_timeout_closes_with_a_bookmark);
    tcase_add_test(t, section6_forced_bookmark_and_drop_reach_live_watches);
    tcase_add_test(t, stalled_watches_send_nothing_more_and_stay_open);
    tcase_add_test(t, section6_watch_one_object_by_name);
    tcase_add_test(t, section6_initial_events_end_before_later_changes);
    tcase_add_test(t, section5_list_options_are_checked);
    tcase_add_test(t, section6_relist_after_410_sees_current_state);
    tcase_add_test(t, in_process_watch_sees_changes);
    suite_add_tcase(s, t);
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
