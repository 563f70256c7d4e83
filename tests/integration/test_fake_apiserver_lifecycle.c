/* The fake API server against kube-api-semantics.md §7 (status subresource, generation),
 * §8 (deletion, finalizers, ownerReferences and garbage collection), §10 (Leases) and §12
 * (core and events.k8s.io Events are one store), over HTTP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/testclient.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define CM "/api/v1/namespaces/default/configmaps"
#define WIDGETS "/apis/fake.example.com/v1/namespaces/default/widgets"
#define GADGETS "/apis/fake.example.com/v1/gadgets"
#define DEPLOY "/apis/apps/v1/namespaces/default/deployments"

static fo_fake_apiserver *fa;
static fka_tc *tc;

static void setup(void)
{
    /* The GC runs only when a test asks (POST /fake/gc), so results do not race. */
    fo_fake_apiserver_opts o = {.port = 0, .no_gc = true};
    tc = fka_tc_start_fake(&o, &fa);
    fka_tc_install_crd(tc, "apiserver-crd-widgets.yaml");
    fka_tc_install_crd(tc, "apiserver-crd-gadgets.yaml");
}

static void teardown(void)
{
    fka_tc_free(tc);
    fo_fake_apiserver_stop(fa);
}

static int64_t num(const json_t *o, const char *path)
{
    int64_t v = -1;
    fo_json_get_int(o, path, &v);
    return v;
}

static json_t *get(const char *path)
{
    json_t *obj = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &obj), 200);
    return obj;
}

static int patch(const char *path, const char *type, const char *body, json_t **out)
{
    fka_tc_res res;
    int code = fka_tc_req(tc, "PATCH", path, type, NULL, body, &res);
    if (out)
        *out = json_incref(res.body);
    fka_tc_res_release(&res);
    return code;
}

#define MERGE "application/merge-patch+json"

/* §7: for CRs with the status subresource, the main endpoint ignores status, /status ignores
 * everything but status, and only spec changes bump generation. */
START_TEST(section7_status_subresource_splits_spec_and_status)
{
    json_t *w = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"a\"},"
                                 "\"status\":{\"state\":\"dropped\"}}",
                                 &w),
                     201);
    ck_assert_ptr_null(json_object_get(w, "status"));
    ck_assert_int_eq(num(w, "metadata.generation"), 1);
    json_decref(w);
    /* status write: spec and labels in the body are discarded, generation stays. */
    ck_assert_int_eq(patch(WIDGETS "/w/status", MERGE,
                           "{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"spec\":{\"image\":\"b\"},"
                           "\"status\":{\"state\":\"Ready\"}}",
                           &w),
                     200);
    ck_assert_str_eq(fka_str(w, "status.state"), "Ready");
    ck_assert_str_eq(fka_str(w, "spec.image"), "a");
    ck_assert_ptr_null(fo_json_get(w, "metadata.labels"));
    ck_assert_int_eq(num(w, "metadata.generation"), 1);
    json_decref(w);
    /* main endpoint: status in the body is ignored; a label change keeps generation. */
    ck_assert_int_eq(patch(WIDGETS "/w", MERGE,
                           "{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"status\":{\"state\":"
                           "\"Gone\"}}",
                           &w),
                     200);
    ck_assert_str_eq(fka_str(w, "status.state"), "Ready");
    ck_assert_int_eq(num(w, "metadata.generation"), 1);
    json_decref(w);
    ck_assert_int_eq(patch(WIDGETS "/w", MERGE, "{\"spec\":{\"image\":\"c\"}}", &w), 200);
    ck_assert_int_eq(num(w, "metadata.generation"), 2);
    json_decref(w);
}
END_TEST

/* §7: a PUT to /status still needs the current resourceVersion. */
START_TEST(section7_status_put_checks_resource_version)
{
    json_t *w = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"w\"},\"spec\":{\"image\":\"a\"}}",
                                 &w),
                     201);
    json_object_set_new(w, "status", json_pack("{s:s}", "state", "Ready"));
    char *body = json_dumps(w, JSON_COMPACT);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", WIDGETS "/w/status", body, NULL), 200);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "PUT", WIDGETS "/w/status", body, &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "Conflict");
    json_decref(st);
    free(body);
    json_decref(w);
}
END_TEST

/* §7: CRs without the status subresource: status is ordinary and bumps generation. */
START_TEST(section7_without_status_subresource_status_bumps_generation)
{
    json_t *g = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", GADGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Gadget\","
                                 "\"metadata\":{\"name\":\"g\"},\"spec\":{\"a\":1},\"status\":"
                                 "{\"s\":\"x\"}}",
                                 &g),
                     201);
    ck_assert_str_eq(fka_str(g, "status.s"), "x");
    json_decref(g);
    ck_assert_int_eq(patch(GADGETS "/g", MERGE, "{\"status\":{\"s\":\"y\"}}", &g), 200);
    ck_assert_int_eq(num(g, "metadata.generation"), 2);
    json_decref(g);
    ck_assert_int_eq(fka_tc_json(tc, "GET", GADGETS "/g/status", NULL, NULL), 404);
}
END_TEST

/* §7: Deployments bump generation on spec or annotation changes, not on labels. */
START_TEST(section7_deployment_generation_follows_spec_and_annotations)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, DEPLOY, "apiserver-deployment.yaml", NULL), 201);
    json_t *d = NULL;
    ck_assert_int_eq(patch(DEPLOY "/web", MERGE, "{\"metadata\":{\"labels\":{\"l\":\"1\"}}}", &d),
                     200);
    ck_assert_int_eq(num(d, "metadata.generation"), 1);
    json_decref(d);
    ck_assert_int_eq(
        patch(DEPLOY "/web", MERGE, "{\"metadata\":{\"annotations\":{\"a\":\"1\"}}}", &d), 200);
    ck_assert_int_eq(num(d, "metadata.generation"), 2);
    json_decref(d);
    ck_assert_int_eq(patch(DEPLOY "/web/status", MERGE, "{\"status\":{\"replicas\":1}}", &d), 200);
    ck_assert_int_eq(num(d, "metadata.generation"), 2);
    ck_assert_int_eq(num(d, "status.replicas"), 1);
    json_decref(d);
    ck_assert_int_eq(patch(DEPLOY "/web", MERGE, "{\"spec\":{\"replicas\":2}}", &d), 200);
    ck_assert_int_eq(num(d, "metadata.generation"), 3);
    ck_assert_int_eq(num(d, "status.replicas"), 1);
    json_decref(d);
}
END_TEST

/* §8: with finalizers, DELETE sets deletionTimestamp (+ generation) and answers the object;
 * new finalizers are refused; removing the last one deletes. */
START_TEST(section8_finalizers_hold_deletion)
{
    json_t *w = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"w\",\"finalizers\":[\"fake.example.com/"
                                 "a\",\"fake.example.com/b\"]},\"spec\":{\"image\":\"a\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", WIDGETS "/w", NULL, &w), 200);
    ck_assert_str_eq(fka_str(w, "kind"), "Widget");
    char ts[64];
    snprintf(ts, sizeof ts, "%s", fka_str(w, "metadata.deletionTimestamp"));
    ck_assert_str_ne(ts, "");
    ck_assert_int_eq(num(w, "metadata.deletionGracePeriodSeconds"), 0);
    ck_assert_int_eq(num(w, "metadata.generation"), 2);
    json_decref(w);
    /* A second DELETE keeps the original timestamp. */
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", WIDGETS "/w", NULL, &w), 200);
    ck_assert_str_eq(fka_str(w, "metadata.deletionTimestamp"), ts);
    json_decref(w);
    json_t *st = NULL;
    ck_assert_int_eq(patch(WIDGETS "/w", MERGE,
                           "{\"metadata\":{\"finalizers\":[\"fake.example.com/a\",\"fake.example."
                           "com/b\",\"fake.example.com/c\"]}}",
                           &st),
                     422);
    ck_assert(strstr(fka_str(st, "message"),
                     "metadata.finalizers: Forbidden: no new finalizers can be added if the object "
                     "is being deleted, found new finalizers []string{\"fake.example.com/c\"}"));
    json_decref(st);
    /* status and spec can still change while terminating. */
    ck_assert_int_eq(
        patch(WIDGETS "/w/status", MERGE, "{\"status\":{\"state\":\"Stopping\"}}", NULL), 200);
    ck_assert_int_eq(patch(WIDGETS "/w", MERGE,
                           "{\"metadata\":{\"finalizers\":[\"fake.example.com/b\"]}}", NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS "/w", NULL, NULL), 200);
    ck_assert_int_eq(patch(WIDGETS "/w", MERGE, "{\"metadata\":{\"finalizers\":null}}", &w), 200);
    json_decref(w);
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS "/w", NULL, NULL), 404);
}
END_TEST

static const char *fins_text(const json_t *o, char *buf, size_t len)
{
    char *t = json_dumps(fo_json_get(o, "metadata.finalizers"), JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, len, "%s", t ? t : "null");
    free(t);
    return buf;
}

/* §8 with the registry's rules for the garbage collector's finalizers: a DELETE's policy puts
 * "foregroundDeletion" or "orphan" in place of the other, also on an object that is already
 * terminating (its deletionTimestamp stays), and an explicit Background takes both out; an
 * object left with no finalizer then goes at once. A DELETE without a policy changes
 * nothing. */
START_TEST(section8_delete_policy_sets_the_garbage_collector_finalizers)
{
    char buf[256];
    json_t *o = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"t\",\"finalizers\":[\"fake.example.com/hold\"]}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/t", NULL, &o), 200);
    char ts[64], rv[32];
    snprintf(ts, sizeof ts, "%s", fka_str(o, "metadata.deletionTimestamp"));
    snprintf(rv, sizeof rv, "%s", fka_str(o, "metadata.resourceVersion"));
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/t?propagationPolicy=Foreground", NULL, &o),
                     200);
    ck_assert_str_eq(fins_text(o, buf, sizeof buf),
                     "[\"fake.example.com/hold\",\"foregroundDeletion\"]");
    ck_assert_str_eq(fka_str(o, "metadata.deletionTimestamp"), ts);
    ck_assert_str_ne(fka_str(o, "metadata.resourceVersion"), rv);
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/t?propagationPolicy=Orphan", NULL, &o), 200);
    ck_assert_str_eq(fins_text(o, buf, sizeof buf), "[\"fake.example.com/hold\",\"orphan\"]");
    snprintf(rv, sizeof rv, "%s", fka_str(o, "metadata.resourceVersion"));
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/t", NULL, &o), 200);
    ck_assert_str_eq(fins_text(o, buf, sizeof buf), "[\"fake.example.com/hold\",\"orphan\"]");
    ck_assert_str_eq(fka_str(o, "metadata.resourceVersion"), rv);
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/t?propagationPolicy=Background", NULL, &o),
                     200);
    ck_assert_str_eq(fins_text(o, buf, sizeof buf), "[\"fake.example.com/hold\"]");
    json_decref(o);

    /* Only "orphan" holds it: an explicit Background deletes at once, terminating or not. */
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"u\",\"finalizers\":[\"orphan\"]}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/u", NULL, &o), 200);
    ck_assert_str_eq(fka_str(o, "kind"), "ConfigMap");
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/u?propagationPolicy=Background", NULL, &o),
                     200);
    ck_assert_str_eq(fka_str(o, "kind"), "Status");
    ck_assert_str_eq(fka_str(o, "status"), "Success");
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/u", NULL, NULL), 404);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"v\",\"finalizers\":[\"orphan\"]}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/v?propagationPolicy=Background", NULL, &o),
                     200);
    ck_assert_str_eq(fka_str(o, "kind"), "Status");
    json_decref(o);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/v", NULL, NULL), 404);
}
END_TEST

/* §8: DELETE preconditions that do not match are 409 Conflict. */
START_TEST(section8_delete_preconditions)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"c\"}}",
                                 NULL),
                     201);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/c",
                                 "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                                 "\"preconditions\":{\"uid\":\"not-it\"}}",
                                 &st),
                     409);
    ck_assert(strncmp(fka_str(st, "message"),
                      "Operation cannot be fulfilled on configmaps \"c\": Precondition failed: "
                      "UID in precondition: not-it, UID in object meta: ",
                      113) == 0);
    json_decref(st);
}
END_TEST

static char *uid_of(const char *path)
{
    json_t *o = get(path);
    char *u = strdup(fka_str(o, "metadata.uid"));
    json_decref(o);
    return u;
}

static void make_dependent(const char *name, const char *owner_uid, bool block)
{
    char body[700];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
             "\"ownerReferences\":[{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
             "\"name\":\"owner\",\"uid\":\"%s\",\"controller\":true,\"blockOwnerDeletion\":%s}]}}",
             name, owner_uid, block ? "true" : "false");
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, NULL), 201);
}

static void make_owner(void)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"owner\"},\"spec\":{\"image\":\"a\"}}",
                                 NULL),
                     201);
}

static void run_gc(void)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/fake/gc", "{}", NULL), 200);
}

/* §8: Background: the owner goes at once, the GC then deletes dependents. */
START_TEST(section8_background_deletion_collects_dependents)
{
    make_owner();
    char *uid = uid_of(WIDGETS "/owner");
    make_dependent("dep", uid, false);
    json_t *st = NULL;
    ck_assert_int_eq(
        fka_tc_json(tc, "DELETE", WIDGETS "/owner", "{\"propagationPolicy\":\"Background\"}", &st),
        200);
    ck_assert_str_eq(fka_str(st, "status"), "Success");
    json_decref(st);
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/dep", NULL, NULL), 200);
    run_gc();
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/dep", NULL, NULL), 404);
    free(uid);
}
END_TEST

/* §8: Foreground: the owner waits with foregroundDeletion until dependents are gone. */
START_TEST(section8_foreground_deletion_waits_for_dependents)
{
    make_owner();
    char *uid = uid_of(WIDGETS "/owner");
    make_dependent("dep", uid, true);
    json_t *w = NULL;
    ck_assert_int_eq(
        fka_tc_json(tc, "DELETE", WIDGETS "/owner", "{\"propagationPolicy\":\"Foreground\"}", &w),
        200);
    ck_assert_str_eq(json_string_value(json_array_get(fo_json_get(w, "metadata.finalizers"), 0)),
                     "foregroundDeletion");
    json_decref(w);
    run_gc();
    ck_assert_int_eq(fka_tc_json(tc, "GET", CM "/dep", NULL, NULL), 404);
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS "/owner", NULL, NULL), 404);
    free(uid);
}
END_TEST

/* §8 with the garbage collector's rules for a foreground deletion: a dependent that has
 * another owner still there is not deleted, it loses its reference to the owner being
 * deleted; and the owner waits only for dependents whose reference has blockOwnerDeletion
 * (one without it is deleted, but may take its time). */
START_TEST(section8_foreground_deletion_spares_other_owners_dependents)
{
    make_owner();
    char *uid = uid_of(WIDGETS "/owner");
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"other\"},\"spec\":{\"image\":\"a\"}}",
                                 NULL),
                     201);
    char *other = uid_of(WIDGETS "/other");
    char body[1200];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"shared\","
             "\"ownerReferences\":[{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
             "\"name\":\"owner\",\"uid\":\"%s\",\"blockOwnerDeletion\":true},"
             "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\",\"name\":\"other\","
             "\"uid\":\"%s\"}]}}",
             uid, other);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, NULL), 201);
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"loose\","
             "\"finalizers\":[\"fake.example.com/hold\"],\"ownerReferences\":[{\"apiVersion\":"
             "\"fake.example.com/v1\",\"kind\":\"Widget\",\"name\":\"owner\",\"uid\":\"%s\","
             "\"blockOwnerDeletion\":false}]}}",
             uid);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, NULL), 201);
    ck_assert_int_eq(
        fka_tc_json(tc, "DELETE", WIDGETS "/owner", "{\"propagationPolicy\":\"Foreground\"}", NULL),
        200);
    run_gc();
    json_t *d = get(CM "/shared");
    ck_assert_ptr_null(fo_json_get(d, "metadata.deletionTimestamp"));
    const json_t *refs = fo_json_get(d, "metadata.ownerReferences");
    ck_assert_uint_eq(json_array_size(refs), 1);
    ck_assert_str_eq(fka_str(json_array_get(refs, 0), "uid"), other);
    json_decref(d);
    d = get(CM "/loose");
    ck_assert_ptr_nonnull(fo_json_get(d, "metadata.deletionTimestamp"));
    json_decref(d);
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS "/owner", NULL, NULL), 404);
    free(other);
    free(uid);
}
END_TEST

/* §8: Orphan: dependents lose the ownerReference and stay. */
START_TEST(section8_orphan_deletion_keeps_dependents)
{
    make_owner();
    char *uid = uid_of(WIDGETS "/owner");
    make_dependent("dep", uid, false);
    ck_assert_int_eq(
        fka_tc_json(tc, "DELETE", WIDGETS "/owner", "{\"propagationPolicy\":\"Orphan\"}", NULL),
        200);
    run_gc();
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS "/owner", NULL, NULL), 404);
    json_t *d = get(CM "/dep");
    ck_assert_ptr_null(fo_json_get(d, "metadata.ownerReferences"));
    json_decref(d);
    free(uid);
}
END_TEST

/* §8: a dependent with one owner gone and one present keeps living, minus the dangling
 * reference; ownerReferences with two controllers are 422. */
START_TEST(section8_partial_owners_and_controller_uniqueness)
{
    make_owner();
    char *uid = uid_of(WIDGETS "/owner");
    char body[900];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dep\","
             "\"ownerReferences\":[{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
             "\"name\":\"owner\",\"uid\":\"%s\"},{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
             "\"name\":\"ghost\",\"uid\":\"00000000-0000-0000-0000-000000000000\"}]}}",
             uid);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, NULL), 201);
    run_gc();
    json_t *d = get(CM "/dep");
    ck_assert_uint_eq(json_array_size(fo_json_get(d, "metadata.ownerReferences")), 1);
    json_decref(d);
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"two\","
             "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"A\",\"name\":\"a\",\"uid\":"
             "\"1\",\"controller\":true},{\"apiVersion\":\"v1\",\"kind\":\"B\",\"name\":\"b\","
             "\"uid\":\"2\",\"controller\":true}]}}");
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, &st), 422);
    ck_assert(strstr(fka_str(st, "message"), "Only one reference can have Controller set to true"));
    json_decref(st);
    free(uid);
}
END_TEST

/* §8 (namespace controller): a deleted namespace empties, then goes; creating in it while it
 * terminates is 403. */
START_TEST(section8_namespace_deletion_empties_then_removes_it)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                                 "{\"name\":\"temp\"}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces/temp/configmaps",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"x\"}}",
                                 NULL),
                     201);
    json_t *ns = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/api/v1/namespaces/temp", NULL, &ns), 200);
    ck_assert_str_eq(fka_str(ns, "status.phase"), "Terminating");
    json_decref(ns);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/api/v1/namespaces/temp/configmaps",
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"y\"}}",
                                 &st),
                     403);
    ck_assert_str_eq(fka_str(st, "reason"), "Forbidden");
    json_decref(st);
    run_gc();
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces/temp/configmaps/x", NULL, NULL),
                     404);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces/temp", NULL, NULL), 404);
}
END_TEST

/* §8 (CRD cleanup): deleting a CRD deletes its custom resources, then stops serving it. */
START_TEST(section8_crd_deletion_removes_its_resources)
{
    make_owner();
    ck_assert_int_eq(fka_tc_json(tc, "DELETE",
                                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                 "widgets.fake.example.com",
                                 NULL, NULL),
                     200);
    json_t *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", WIDGETS,
                                 "{\"apiVersion\":\"fake.example.com/v1\",\"kind\":\"Widget\","
                                 "\"metadata\":{\"name\":\"late\"},\"spec\":{\"image\":\"a\"}}",
                                 &st),
                     405);
    json_decref(st);
    run_gc();
    ck_assert_int_eq(fka_tc_json(tc, "GET", WIDGETS, NULL, NULL), 404);
    ck_assert_int_eq(fka_tc_json(tc, "GET",
                                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                 "widgets.fake.example.com",
                                 NULL, NULL),
                     404);
}
END_TEST

/* §8: the automatic GC runs on its own (asynchronously) when enabled. */
START_TEST(section8_automatic_gc_runs_asynchronously)
{
    teardown();
    fo_fake_apiserver_opts o = {.port = 0};
    fo_err err = {0};
    fa = fo_fake_apiserver_start(&o, &err);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fo_fake_apiserver_port(fa));
    tc = fka_tc_new(base, NULL, NULL);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"owner\"}}",
                                 NULL),
                     201);
    char *uid = uid_of(CM "/owner");
    char body[600];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dep\","
             "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":"
             "\"owner\",\"uid\":\"%s\"}]}}",
             uid);
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM, body, NULL), 201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/owner", NULL, NULL), 200);
    int code = 200;
    for (int i = 0; i < 250 && code == 200; i++) {
        code = fka_tc_json(tc, "GET", CM "/dep", NULL, NULL);
        if (code == 200)
            fo_test_sleep_ms(20);
    }
    ck_assert_int_eq(code, 404);
    free(uid);
}
END_TEST

/* §10: leader election needs Lease CRUD with resourceVersion checks; MicroTime is kept. */
START_TEST(section10_lease_takeover_with_resource_version)
{
    const char *path = "/apis/coordination.k8s.io/v1/namespaces/default/leases/flinkop";
    json_t *l = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST",
                                 "/apis/coordination.k8s.io/v1/namespaces/default/leases",
                                 "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
                                 "\"metadata\":{\"name\":\"flinkop\"},\"spec\":{\"holderIdentity\":"
                                 "\"a\",\"leaseDurationSeconds\":15,\"acquireTime\":"
                                 "\"2026-04-20T09:15:02.123456Z\",\"renewTime\":"
                                 "\"2026-04-20T09:15:02.123456Z\",\"leaseTransitions\":0}}",
                                 &l),
                     201);
    ck_assert_str_eq(fka_str(l, "spec.renewTime"), "2026-04-20T09:15:02.123456Z");
    json_object_set_new(json_object_get(l, "spec"), "holderIdentity", json_string("b"));
    char *take = json_dumps(l, JSON_COMPACT);
    json_t *mine = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "PUT", path, take, &mine), 200);
    ck_assert_str_eq(fka_str(mine, "spec.holderIdentity"), "b");
    json_decref(mine);
    /* The other elector with the old resourceVersion loses. */
    ck_assert_int_eq(fka_tc_json(tc, "PUT", path, take, NULL), 409);
    free(take);
    json_decref(l);
}
END_TEST

/* §12: core Events and events.k8s.io Events are views of the same objects. */
START_TEST(section12_event_groups_share_objects)
{
    json_t *e = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", "/apis/events.k8s.io/v1/namespaces/default/events",
                                 "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\","
                                 "\"metadata\":{\"name\":\"w.1\"},\"regarding\":{\"kind\":"
                                 "\"Widget\",\"name\":\"w\",\"namespace\":\"default\"},\"note\":"
                                 "\"hello\",\"reason\":\"Started\",\"type\":\"Normal\",\"action\":"
                                 "\"Start\",\"reportingController\":\"flinkop\","
                                 "\"reportingInstance\":\"flinkop-1\",\"eventTime\":"
                                 "\"2026-04-20T09:15:02.123456Z\"}",
                                 &e),
                     201);
    ck_assert_str_eq(fka_str(e, "note"), "hello");
    ck_assert_str_eq(fka_str(e, "apiVersion"), "events.k8s.io/v1");
    json_decref(e);
    e = get("/api/v1/namespaces/default/events/w.1");
    ck_assert_str_eq(fka_str(e, "apiVersion"), "v1");
    ck_assert_str_eq(fka_str(e, "message"), "hello");
    ck_assert_str_eq(fka_str(e, "involvedObject.name"), "w");
    ck_assert_str_eq(fka_str(e, "reportingComponent"), "flinkop");
    json_decref(e);
    /* Recorders de-duplicate by patching count on the core view. */
    ck_assert_int_eq(patch("/api/v1/namespaces/default/events/w.1", MERGE, "{\"count\":2}", NULL),
                     200);
    e = get("/apis/events.k8s.io/v1/namespaces/default/events/w.1");
    ck_assert_int_eq(num(e, "deprecatedCount"), 2);
    json_decref(e);
    json_t *list = get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dw");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 1);
    json_decref(list);
}
END_TEST

/* §3/§4/§12: a recorder that names its Events finds its own again. A create of a name that
 * exists is 409 AlreadyExists; a merge patch or PUT that names a resourceVersion other than
 * the stored one is 409 Conflict (so a repeat counted elsewhere is never overwritten), a PUT
 * without one overwrites (Events, like most built-in kinds, allow it), and a missing Event is
 * 404. */
START_TEST(section12_named_events_are_created_once_and_bumped_by_resource_version)
{
    const char *events = "/api/v1/namespaces/default/events";
    const char *one = "/api/v1/namespaces/default/events/fd.1";
    const char *body = "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"fd.1\"},"
                       "\"involvedObject\":{\"kind\":\"FlinkDeployment\",\"name\":\"fd\","
                       "\"namespace\":\"default\",\"uid\":\"u-1\"},\"reason\":\"Missing\","
                       "\"message\":\"m\",\"type\":\"Warning\",\"count\":1,"
                       "\"firstTimestamp\":\"2026-04-20T09:15:01Z\","
                       "\"lastTimestamp\":\"2026-04-20T09:15:01Z\"}";
    json_t *e = NULL, *st = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "POST", events, body, &e), 201);
    char rv1[32];
    snprintf(rv1, sizeof rv1, "%s", fka_str(e, "metadata.resourceVersion"));
    json_decref(e);
    ck_assert_int_eq(fka_tc_json(tc, "POST", events, body, &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "AlreadyExists");
    ck_assert_str_eq(fka_str(st, "message"), "events \"fd.1\" already exists");
    ck_assert_str_eq(fka_str(st, "details.kind"), "events");
    json_decref(st);
    /* a bump from the version read */
    char bump[200];
    snprintf(bump, sizeof bump,
             "{\"metadata\":{\"resourceVersion\":\"%s\"},\"count\":2,"
             "\"lastTimestamp\":\"2026-04-20T09:16:01Z\"}",
             rv1);
    ck_assert_int_eq(patch(one, MERGE, bump, &e), 200);
    ck_assert_int_eq(num(e, "count"), 2);
    ck_assert_str_ne(fka_str(e, "metadata.resourceVersion"), rv1);
    json_decref(e);
    /* the same bump again is from a stale version */
    ck_assert_int_eq(patch(one, MERGE, bump, &st), 409);
    ck_assert_str_eq(fka_str(st, "reason"), "Conflict");
    ck_assert_str_eq(fka_str(st, "message"),
                     "Operation cannot be fulfilled on events \"fd.1\": the object has been "
                     "modified; please apply your changes to the latest version and try again");
    json_decref(st);
    e = get(one);
    ck_assert_int_eq(num(e, "count"), 2);
    /* PUT: a stale resourceVersion conflicts, none overwrites */
    json_object_set_new(e, "count", json_integer(3));
    json_object_set_new(json_object_get(e, "metadata"), "resourceVersion", json_string(rv1));
    char *text = json_dumps(e, JSON_COMPACT);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", one, text, NULL), 409);
    free(text);
    json_object_del(json_object_get(e, "metadata"), "resourceVersion");
    text = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    ck_assert_int_eq(fka_tc_json(tc, "PUT", one, text, &e), 200);
    ck_assert_int_eq(num(e, "count"), 3);
    free(text);
    json_decref(e);
    /* a bump of an Event that is gone */
    ck_assert_int_eq(patch("/api/v1/namespaces/default/events/fd.2", MERGE, bump, &st), 404);
    ck_assert_str_eq(fka_str(st, "reason"), "NotFound");
    json_decref(st);
}
END_TEST

/* §5/§12: core Events are selected by the fields the API server's event strategy declares
 * (involvedObject.kind/namespace/name/uid/apiVersion/resourceVersion/fieldPath, reason,
 * reportingComponent, source, type): the controller lists a pod's FailedMount Events with
 * involvedObject.uid and reason. Any other field (message, count) is refused with 400 and
 * the apiserver's "field label not supported" text. */
START_TEST(section12_core_events_are_selected_by_involved_object_and_reason)
{
    const char *events = "/api/v1/namespaces/default/events";
    static const char *const shape =
        "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"%s\"},"
        "\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"%s\","
        "\"namespace\":\"default\",\"uid\":\"%s\"},\"reason\":\"%s\",\"message\":\"m\","
        "\"type\":\"%s\",\"source\":{\"component\":\"kubelet\"},\"count\":1,"
        "\"firstTimestamp\":\"2026-04-20T09:15:01Z\",\"lastTimestamp\":\"2026-04-20T09:15:01Z\"}";
    const char *made[][5] = {
        {"jm.1", "jm", "uid-jm", "FailedMount", "Warning"},
        {"jm.2", "jm", "uid-jm", "Scheduled", "Normal"},
        {"old.1", "jm", "uid-old", "FailedMount", "Warning"}, /* a former pod of that name */
        {"tm.1", "tm", "uid-tm", "FailedMount", "Warning"},
    };
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, shape, made[i][0], made[i][1], made[i][2], made[i][3],
                 made[i][4]);
        ck_assert_int_eq(fka_tc_json(tc, "POST", events, body, NULL), 201);
    }
    char path[256];
    snprintf(path, sizeof path,
             "%s?fieldSelector=involvedObject.uid%%3Duid-jm,reason%%3DFailedMount", events);
    json_t *list = get(path);
    json_t *items = json_object_get(list, "items");
    ck_assert_uint_eq(json_array_size(items), 1);
    ck_assert_str_eq(fka_str(json_array_get(items, 0), "metadata.name"), "jm.1");
    json_decref(list);
    list = get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod,"
               "involvedObject.name%3Djm,type%3DWarning,source%3Dkubelet");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 2);
    json_decref(list);
    static const char *const refused[] = {"message", "count", "involvedObject.labels"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        json_t *st = NULL;
        snprintf(path, sizeof path, "%s?fieldSelector=%s%%3Dx", events, refused[i]);
        ck_assert_int_eq(fka_tc_json(tc, "GET", path, NULL, &st), 400);
        char want[128];
        snprintf(want, sizeof want, "field label not supported: %s", refused[i]);
        ck_assert_str_eq(fka_str(st, "message"), want);
        ck_assert_str_eq(fka_str(st, "reason"), "BadRequest");
        json_decref(st);
    }
}
END_TEST

/* §1/§8: Pods answer DELETE with the object; a Pod bound to a node is deleted gracefully
 * (it waits for its kubelet: gracePeriodSeconds=0 finishes it). */
START_TEST(section8_pods_bound_to_a_node_are_deleted_gracefully)
{
    const char *pods = "/api/v1/namespaces/default/pods";
    ck_assert_int_eq(fka_tc_json(tc, "POST", pods,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                                 "\"free\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                                 "\"x\"}]}}",
                                 NULL),
                     201);
    json_t *p = NULL;
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/api/v1/namespaces/default/pods/free", NULL, &p),
                     200);
    ck_assert_str_eq(fka_str(p, "kind"), "Pod");
    json_decref(p);
    ck_assert_int_eq(
        fka_tc_json(tc, "POST", pods,
                    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                    "\"bound\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":"
                    "\"c\",\"image\":\"x\"}]}}",
                    &p),
        201);
    ck_assert_str_eq(fka_str(p, "status.phase"), "Pending");
    json_decref(p);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/api/v1/namespaces/default/pods/bound", NULL, &p),
                     200);
    ck_assert_int_eq(num(p, "metadata.deletionGracePeriodSeconds"), 30);
    json_decref(p);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces/default/pods/bound", NULL, NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", "/api/v1/namespaces/default/pods/bound",
                                 "{\"gracePeriodSeconds\":0}", NULL),
                     200);
    ck_assert_int_eq(fka_tc_json(tc, "GET", "/api/v1/namespaces/default/pods/bound", NULL, NULL),
                     404);
}
END_TEST

/* §1: 202 only when deletion is not immediate and the legacy orphanDependents: false came. */
START_TEST(section1_legacy_orphan_dependents_false_gets_202)
{
    ck_assert_int_eq(fka_tc_json(tc, "POST", CM,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"f\",\"finalizers\":[\"fake.example.com/x\"]}}",
                                 NULL),
                     201);
    ck_assert_int_eq(fka_tc_json(tc, "DELETE", CM "/f", "{\"orphanDependents\":false}", NULL), 202);
}
END_TEST

/* /scale of a Deployment is an autoscaling/v1 Scale; writing it changes spec.replicas. */
START_TEST(section7_deployment_scale_subresource)
{
    ck_assert_int_eq(fka_tc_post_fixture(tc, DEPLOY, "apiserver-deployment.yaml", NULL), 201);
    json_t *s = get(DEPLOY "/web/scale");
    ck_assert_str_eq(fka_str(s, "kind"), "Scale");
    ck_assert_str_eq(fka_str(s, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(num(s, "spec.replicas"), 1);
    ck_assert_str_eq(fka_str(s, "status.selector"), "app=web");
    json_decref(s);
    ck_assert_int_eq(patch(DEPLOY "/web/scale", MERGE, "{\"spec\":{\"replicas\":4}}", &s), 200);
    ck_assert_str_eq(fka_str(s, "kind"), "Scale");
    json_decref(s);
    json_t *d = get(DEPLOY "/web");
    ck_assert_int_eq(num(d, "spec.replicas"), 4);
    ck_assert_int_eq(num(d, "metadata.generation"), 2);
    json_decref(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fake_apiserver_lifecycle");
    TCase *t = tcase_create("lifecycle");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, section7_status_subresource_splits_spec_and_status);
    tcase_add_test(t, section7_status_put_checks_resource_version);
    tcase_add_test(t, section7_without_status_subresource_status_bumps_generation);
    tcase_add_test(t, section7_deployment_generation_follows_spec_and_annotations);
    tcase_add_test(t, section8_finalizers_hold_deletion);
    tcase_add_test(t, section8_delete_policy_sets_the_garbage_collector_finalizers);
    tcase_add_test(t, section8_delete_preconditions);
    tcase_add_test(t, section8_background_deletion_collects_dependents);
    tcase_add_test(t, section8_foreground_deletion_waits_for_dependents);
    tcase_add_test(t, section8_foreground_deletion_spares_other_owners_dependents);
    tcase_add_test(t, section8_orphan_deletion_keeps_dependents);
    tcase_add_test(t, section8_partial_owners_and_controller_uniqueness);
    tcase_add_test(t, section8_namespace_deletion_empties_then_removes_it);
    tcase_add_test(t, section8_crd_deletion_removes_its_resources);
    tcase_add_test(t, section8_automatic_gc_runs_asynchronously);
    tcase_add_test(t, section8_pods_bound_to_a_node_are_deleted_gracefully);
    tcase_add_test(t, section1_legacy_orphan_dependents_false_gets_202);
    tcase_add_test(t, section7_deployment_scale_subresource);
    tcase_add_test(t, section10_lease_takeover_with_resource_version);
    tcase_add_test(t, section12_event_groups_share_objects);
    tcase_add_test(t, section12_named_events_are_created_once_and_bumped_by_resource_version);
    tcase_add_test(t, section12_core_events_are_selected_by_involved_object_and_reason);
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
