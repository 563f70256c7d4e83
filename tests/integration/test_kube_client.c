/* kube_client against the fake API server (in-process, over HTTP with a bearer token):
 * every verb, every error of kube-api-semantics.md §3, retries, watches. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/kube_events.h"
#include "common/kube_oversized.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define TOKEN "integration-token"

static struct {
    fo_fake_apiserver *fa;
    char *dir;
    fo_kube_config *cfg;
    fo_kube_client *kc;
    int64_t slept[64]; /* delays the client asked for */
    int nslept;
} env;

static void record_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    if (env.nslept < 64)
        env.slept[env.nslept++] = ms;
}

static fo_kube_config *config_for(const char *token)
{
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig-%s", env.dir, token), 0);
    ck_assert_int_gt(
        asprintf(&text,
                 "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
                 "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:%d/'}}]\n"
                 "users: [{name: u, user: {token: '%s'}}]\n"
                 "contexts: [{name: fake, context: {cluster: fake, user: u, "
                 "namespace: default}}]\n",
                 fo_fake_apiserver_port(env.fa), token),
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

static void setup(void)
{
    memset(&env, 0, sizeof env);
    fo_err err;
    fo_fake_apiserver_opts fo = {.token = TOKEN};
    env.fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(env.fa != NULL, "%s", err.message);
    env.dir = fo_test_mkdtemp();
    env.cfg = config_for(TOKEN);
    fo_kube_client_opts ko = {
        .sleep_ms = record_sleep, .timeout_ms = 5000, .field_manager = "flinkop-test"};
    env.kc = fo_kube_client_new(env.cfg, &ko, &err);
    ck_assert_msg(env.kc != NULL, "%s", err.message);
}

static void teardown(void)
{
    fo_kube_client_free(env.kc);
    fo_kube_config_free(env.cfg);
    fo_fake_apiserver_stop(env.fa);
    fo_test_rmdir(env.dir);
    free(env.dir);
}

static const fo_kube_ref CM = {.version = "v1", .resource = "configmaps", .ns = "default"};
static const fo_kube_ref WIDGETS = {
    .group = "test.flinkop.io", .version = "v1", .resource = "widgets", .ns = "default"};

static fo_kube_ref named(fo_kube_ref r, const char *name)
{
    r.name = name;
    return r;
}

static json_t *configmap(const char *name, const char *app)
{
    return json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                     "metadata", "name", name, "labels", "app", app, "data", "k", "v");
}

static void install_widgets_crd(void)
{
    json_t *crd = fo_test_load_yaml("crd-widgets-test.yaml");
    fo_kube_ref ref = {
        .group = "apiextensions.k8s.io", .version = "v1", .resource = "customresourcedefinitions"};
    fo_err err;
    ck_assert_msg(fo_kube_create(env.kc, &ref, crd, NULL, NULL, &err) == FO_OK, "%s", err.message);
    json_decref(crd);
}

START_TEST(create_get_update_and_delete_round_trip)
{
    fo_err err;
    json_t *cm = configmap("round-trip", "a"), *created = NULL, *got = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &created, &err), FO_OK);
    /* §2: server-owned metadata */
    ck_assert_ptr_nonnull(fo_json_get_str(created, "metadata.uid"));
    ck_assert_ptr_nonnull(fo_json_get_str(created, "metadata.creationTimestamp"));
    const char *rv1 = fo_json_get_str(created, "metadata.resourceVersion");
    ck_assert_ptr_nonnull(rv1);
    fo_kube_ref one = named(CM, "round-trip");
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &got, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(got, "data.k"), "v");
    ck_assert_str_eq(fo_json_get_str(got, "metadata.resourceVersion"), rv1);

    json_t *changed = json_deep_copy(got), *updated = NULL;
    fo_json_set_path(changed, "data.k", json_string("v2"));
    ck_assert_int_eq(fo_kube_update(env.kc, &one, changed, NULL, &updated, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(updated, "data.k"), "v2");
    ck_assert_str_ne(fo_json_get_str(updated, "metadata.resourceVersion"), rv1);

    /* §4: a PUT with the stale resourceVersion conflicts */
    fo_json_set_path(changed, "data.k", json_string("v3"));
    ck_assert_int_eq(fo_kube_update(env.kc, &one, changed, NULL, NULL, &err), FO_ECONFLICT);
    ck_assert_int_eq(err.http_status, 409);
    ck_assert_str_eq(err.reason, "Conflict");
    ck_assert_ptr_nonnull(strstr(err.message, "the object has been modified"));

    ck_assert_int_eq(fo_kube_delete(env.kc, &one, NULL, NULL, &err), FO_OK);
    json_t *gone = NULL;
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &gone, &err), FO_ENOTFOUND);
    ck_assert_ptr_null(gone);
    ck_assert_str_eq(err.reason, "NotFound");
    ck_assert_ptr_nonnull(strstr(err.message, "configmaps \"round-trip\" not found"));
    json_decref(cm);
    json_decref(created);
    json_decref(got);
    json_decref(changed);
    json_decref(updated);
}
END_TEST

START_TEST(creating_an_existing_name_is_already_exists)
{
    fo_err err;
    json_t *cm = configmap("twice", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_EEXISTS);
    ck_assert_str_eq(err.reason, "AlreadyExists");
    ck_assert_int_eq(err.http_status, 409);
    json_decref(cm);
}
END_TEST

START_TEST(an_invalid_object_is_invalid_with_its_causes)
{
    fo_err err;
    json_t *cm = configmap("Not_A_DNS_Name", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_EINVALID);
    ck_assert_int_eq(err.http_status, 422);
    ck_assert_str_eq(err.reason, "Invalid");
    ck_assert_ptr_nonnull(strstr(err.message, "metadata.name"));
    json_decref(cm);
    /* a missing namespace is NotFound (§2) */
    fo_kube_ref elsewhere = CM;
    elsewhere.ns = "no-such-namespace";
    cm = configmap("x", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &elsewhere, cm, NULL, NULL, &err), FO_ENOTFOUND);
    json_decref(cm);
}
END_TEST

START_TEST(lists_follow_selectors_and_pages)
{
    fo_err err;
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "cm-%d", i);
        json_t *cm = configmap(name, i < 5 ? "a" : "b");
        ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
        json_decref(cm);
    }
    fo_kube_list_opts lo = {.label_selector = "app=a", .limit = 2};
    json_t *page = NULL, *all = NULL;
    ck_assert_int_eq(fo_kube_list(env.kc, &CM, &lo, &page, &err), FO_OK);
    ck_assert_uint_eq(json_array_size(json_object_get(page, "items")), 2);
    const char *cont = fo_json_get_str(page, "metadata.continue");
    ck_assert(cont && *cont);
    ck_assert_int_eq(fo_kube_list_all(env.kc, &CM, &lo, &all, &err), FO_OK);
    ck_assert_uint_eq(json_array_size(json_object_get(all, "items")), 5);
    ck_assert_ptr_null(fo_json_get(all, "metadata.continue"));
    ck_assert_ptr_nonnull(fo_json_get_str(all, "metadata.resourceVersion"));
    json_decref(all);
    fo_kube_list_opts by_name = {.field_selector = "metadata.name=cm-6"};
    ck_assert_int_eq(fo_kube_list_all(env.kc, &CM, &by_name, &all, &err), FO_OK);
    ck_assert_uint_eq(json_array_size(json_object_get(all, "items")), 1);
    ck_assert_str_eq(
        fo_json_get_str(json_array_get(json_object_get(all, "items"), 0), "metadata.name"), "cm-6");
    json_decref(all);
    fo_kube_list_opts bad = {.label_selector = "app in (a"};
    ck_assert_int_ne(fo_kube_list_all(env.kc, &CM, &bad, &all, &err), FO_OK);
    ck_assert_ptr_null(all);
    json_decref(page);
}
END_TEST

/* page_filter: every page of a list is read without what the filter leaves out (here each
 * item's labels), so a caller that drops fields never holds them for a whole list. */
enum { PF_NONE, PF_LIST, PF_ITEMS, PF_ITEM, PF_META };
static int page_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
#define IS(lit) (key && n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    switch (st) {
    case PF_LIST:
        return IS("items") ? PF_ITEMS : PF_NONE;
    case PF_ITEMS:
        return key ? PF_NONE : PF_ITEM;
    case PF_ITEM:
        return IS("metadata") ? PF_META : PF_NONE;
    case PF_META:
        if (IS("labels"))
            *skip = 0;
        return PF_NONE;
    }
#undef IS
    return PF_NONE;
}

START_TEST(list_pages_are_read_through_the_page_filter)
{
    fo_err err;
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "pf-%d", i);
        json_t *cm = configmap(name, "pf");
        ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
        json_decref(cm);
    }
    fo_json_read_filter f = {.root_state = PF_LIST, .member = page_member};
    fo_kube_list_opts lo = {.label_selector = "app=pf", .limit = 2, .page_filter = &f};
    json_t *all = NULL;
    ck_assert_int_eq(fo_kube_list_all(env.kc, &CM, &lo, &all, &err), FO_OK);
    json_t *items = json_object_get(all, "items");
    ck_assert_uint_eq(json_array_size(items), 3); /* two pages, both filtered */
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        ck_assert_ptr_null(fo_json_get(item, "metadata.labels"));
        ck_assert_ptr_nonnull(fo_json_get_str(item, "metadata.name"));
    }
    ck_assert_ptr_nonnull(fo_json_get_str(all, "metadata.resourceVersion"));
    json_decref(all);
}
END_TEST

START_TEST(merge_json_and_apply_patches)
{
    fo_err err;
    json_t *cm = configmap("patched", "a"), *out = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    fo_kube_ref one = named(CM, "patched");
    json_t *merge = json_pack("{s:{s:{s:s,s:n}}}", "metadata", "labels", "tier", "web", "app");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_MERGE, merge, NULL, &out, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "metadata.labels.tier"), "web");
    ck_assert_ptr_null(fo_json_get(out, "metadata.labels.app")); /* null deletes (RFC 7386) */
    json_decref(out);
    json_t *ops = json_pack("[{s:s,s:s,s:s}]", "op", "add", "path", "/data/extra", "value", "1");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_JSON, ops, NULL, &out, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "data.extra"), "1");
    json_decref(out);
    json_t *failing = json_pack("[{s:s,s:s,s:s}]", "op", "test", "path", "/data/k", "value", "no");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_JSON, failing, NULL, &out, &err),
                     FO_EINVALID); /* §9: a failing test op is 422 */
    /* server-side apply: creates, then conflicts with another manager unless forced */
    fo_kube_ref applied = named(CM, "applied");
    json_t *mine = json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                             "metadata", "name", "applied", "data", "k", "mine");
    fo_kube_patch_opts po = {.field_manager = "manager-a"};
    ck_assert_int_eq(fo_kube_patch(env.kc, &applied, FO_PATCH_APPLY, mine, &po, &out, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "data.k"), "mine");
    json_decref(out);
    json_t *theirs = json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                               "metadata", "name", "applied", "data", "k", "theirs");
    fo_kube_patch_opts other = {.field_manager = "manager-b"};
    ck_assert_int_eq(fo_kube_patch(env.kc, &applied, FO_PATCH_APPLY, theirs, &other, &out, &err),
                     FO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(err.message, "manager-a"));
    other.force = true;
    ck_assert_int_eq(fo_kube_patch(env.kc, &applied, FO_PATCH_APPLY, theirs, &other, &out, &err),
                     FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "data.k"), "theirs");
    json_decref(out);
    /* a patch of a missing object is NotFound */
    fo_kube_ref missing = named(CM, "missing");
    ck_assert_int_eq(fo_kube_patch(env.kc, &missing, FO_PATCH_MERGE, merge, NULL, &out, &err),
                     FO_ENOTFOUND);
    json_decref(mine);
    json_decref(theirs);
    json_decref(failing);
    json_decref(ops);
    json_decref(merge);
    json_decref(cm);
}
END_TEST

static int whole_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    (void)st;
    (void)key;
    (void)n;
    (void)skip;
    return 0; /* nothing left out below the object */
}

START_TEST(a_patch_answer_past_the_bound_comes_back_as_a_stub)
{
    fo_err err;
    json_t *cm = configmap("heavy", "h");
    json_t *data = json_object_get(cm, "data");
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(data, k, json_string("v"));
    }
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    fo_kube_ref one = named(CM, "heavy");
    fo_json_read_filter bound = {
        .root_state = 1, .member = whole_member, .max_weight = 200, .item_state = 1};
    fo_kube_patch_opts po = {.answer_filter = &bound};
    json_t *merge = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "tier", "web");
    json_t *out = NULL;
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_MERGE, merge, &po, &out, &err), FO_OK);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(fo_kube_oversized(out));
    ck_assert_ptr_null(json_object_get(out, "data"));
    ck_assert_str_eq(fo_json_get_str(out, "metadata.labels.tier"), "web");
    json_t *now = NULL;
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &now, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "metadata.resourceVersion"),
                     fo_json_get_str(now, "metadata.resourceVersion"));
    ck_assert_uint_eq(json_object_size(json_object_get(now, "data")), 301); /* untouched */
    json_decref(now);
    json_decref(out);
    /* a light answer through the same filter is whole */
    json_t *smaller = json_pack("{s:n}", "data");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_MERGE, smaller, &po, &out, &err), FO_OK);
    ck_assert_ptr_null(fo_kube_oversized(out));
    ck_assert_str_eq(fo_json_get_str(out, "metadata.labels.tier"), "web");
    json_decref(out);
    json_decref(smaller);
    json_decref(merge);
    json_decref(cm);
}
END_TEST

START_TEST(custom_resources_with_the_status_subresource)
{
    install_widgets_crd();
    fo_err err;
    json_t *w = json_pack("{s:s,s:s,s:{s:s},s:{s:i},s:{s:s}}", "apiVersion", "test.flinkop.io/v1",
                          "kind", "Widget", "metadata", "name", "w1", "spec", "size", 1, "status",
                          "phase", "ignored");
    json_t *created = NULL, *out = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &WIDGETS, w, NULL, &created, &err), FO_OK);
    ck_assert_ptr_null(fo_json_get(created, "status.phase")); /* §7: status dropped on create */
    int64_t gen = 0;
    ck_assert(fo_json_get_int(created, "metadata.generation", &gen));
    ck_assert_int_eq(gen, 1);
    fo_kube_ref one = named(WIDGETS, "w1");
    /* status update: only .status changes, generation stays */
    json_t *st = json_deep_copy(created);
    fo_json_set_path(st, "status.phase", json_string("Running"));
    fo_json_set_path(st, "spec.size", json_integer(99));
    ck_assert_int_eq(fo_kube_update_status(env.kc, &one, st, &out, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "status.phase"), "Running");
    int64_t size = 0;
    ck_assert(fo_json_get_int(out, "spec.size", &size));
    ck_assert_int_eq(size, 1);
    ck_assert(fo_json_get_int(out, "metadata.generation", &gen));
    ck_assert_int_eq(gen, 1);
    json_decref(out);
    json_t *sp = json_pack("{s:{s:s}}", "status", "phase", "Stable");
    ck_assert_int_eq(fo_kube_patch_status(env.kc, &one, FO_PATCH_MERGE, sp, &out, &err), FO_OK);
    ck_assert_str_eq(fo_json_get_str(out, "status.phase"), "Stable");
    json_decref(out);
    /* §9: no strategic merge for custom resources */
    json_t *spec = json_pack("{s:{s:i}}", "spec", "size", 2);
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_STRATEGIC, spec, NULL, &out, &err),
                     FO_EINVAL);
    ck_assert_int_eq(err.http_status, 415);
    ck_assert_str_eq(err.reason, "UnsupportedMediaType");
    /* §4: a PUT of a custom resource without resourceVersion is 422 */
    json_t *norv = json_deep_copy(created);
    fo_json_del_path(norv, "metadata.resourceVersion");
    ck_assert_int_eq(fo_kube_update(env.kc, &one, norv, NULL, NULL, &err), FO_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "resourceVersion"));
    json_decref(norv);
    json_decref(spec);
    json_decref(sp);
    json_decref(st);
    json_decref(created);
    json_decref(w);
}
END_TEST

START_TEST(delete_honours_preconditions_finalizers_and_policy)
{
    fo_err err;
    json_t *cm = configmap("guarded", "a"), *created = NULL, *out = NULL;
    json_object_set_new(json_object_get(cm, "metadata"), "finalizers",
                        json_pack("[s]", "flinkop.example.com/finalizer"));
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &created, &err), FO_OK);
    fo_kube_ref one = named(CM, "guarded");
    fo_kube_delete_opts wrong = {.precondition_uid = "00000000-0000-0000-0000-000000000000"};
    ck_assert_int_eq(fo_kube_delete(env.kc, &one, &wrong, NULL, &err), FO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(err.message, "Precondition failed"));
    fo_kube_delete_opts right = {.precondition_uid = fo_json_get_str(created, "metadata.uid"),
                                 .propagation_policy = "Background"};
    /* §8: with finalizers the answer is the object, now terminating */
    ck_assert_int_eq(fo_kube_delete(env.kc, &one, &right, &out, &err), FO_OK);
    ck_assert_ptr_nonnull(fo_json_get_str(out, "metadata.deletionTimestamp"));
    json_decref(out);
    json_t *cur = NULL;
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &cur, &err), FO_OK);
    json_t *nofin = json_pack("{s:{s:n}}", "metadata", "finalizers");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_MERGE, nofin, NULL, &out, &err), FO_OK);
    json_decref(out);
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &out, &err), FO_ENOTFOUND);
    ck_assert_int_eq(fo_kube_delete(env.kc, &one, NULL, NULL, &err), FO_ENOTFOUND);
    json_decref(nofin);
    json_decref(cur);
    json_decref(created);
    json_decref(cm);
}
END_TEST

START_TEST(a_wrong_token_is_forbidden)
{
    fo_kube_config *bad = config_for("not-the-token");
    fo_err err;
    fo_kube_client *kc = fo_kube_client_new(bad, NULL, &err);
    json_t *out = NULL;
    fo_kube_ref one = named(CM, "x");
    ck_assert_int_eq(fo_kube_get(kc, &one, &out, &err), FO_EFORBIDDEN);
    ck_assert_int_eq(err.http_status, 401);
    fo_kube_client_free(kc);
    fo_kube_config_free(bad);
}
END_TEST

/* An exec credential plugin (kubeconfig users[].user.exec) whose first token the API server
 * refuses, as one that expired early: the client runs the plugin again and the call goes
 * through. */
START_TEST(an_exec_plugin_runs_again_when_its_token_is_refused)
{
    char *script = NULL, *plugin = NULL, *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&plugin, "%s/plugin.sh", env.dir), 0);
    ck_assert_int_gt(
        asprintf(&script,
                 "#!/bin/sh\n"
                 "if [ -e '%s/ran' ]; then t='%s'; else t=expired; touch '%s/ran'; fi\n"
                 "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                 "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\"}}' \"$t\"\n",
                 env.dir, TOKEN, env.dir),
        0);
    fo_test_write_file(plugin, script);
    ck_assert_int_eq(chmod(plugin, 0755), 0);
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig-exec", env.dir), 0);
    ck_assert_int_gt(
        asprintf(&text,
                 "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
                 "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                 "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1,"
                 " command: ./plugin.sh, interactiveMode: IfAvailable}}}]\n"
                 "contexts: [{name: fake, context: {cluster: fake, user: u}}]\n",
                 fo_fake_apiserver_port(env.fa)),
        0);
    fo_test_write_file(path, text);
    fo_kube_config_opts o = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    fo_kube_client *kc = fo_kube_client_new(cfg, NULL, &err);
    json_t *out = NULL;
    fo_kube_ref ns = {.version = "v1", .resource = "namespaces", .name = "default"};
    ck_assert_msg(fo_kube_get(kc, &ns, &out, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(fo_json_get_str(out, "metadata.name"), "default");
    json_decref(out);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    free(script);
    free(plugin);
    free(path);
    free(text);
}
END_TEST

START_TEST(an_unreachable_server_is_unavailable_after_retries)
{
    int port = fo_test_free_port();
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig-dead", env.dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                              "contexts: [{name: c, context: {cluster: c}}]\n",
                              port),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts co = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&co, &err);
    fo_kube_client_opts ko = {
        .sleep_ms = record_sleep, .max_retries = 3, .retry_initial_ms = 100, .retry_max_ms = 1000};
    fo_kube_client *kc = fo_kube_client_new(cfg, &ko, &err);
    json_t *cm = configmap("x", "a");
    env.nslept = 0;
    /* nothing was sent, so even a POST is retried */
    ck_assert_int_eq(fo_kube_create(kc, &CM, cm, NULL, NULL, &err), FO_EUNAVAIL);
    ck_assert_int_eq(env.nslept, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_gt(env.slept[i], 0);
        ck_assert_int_le(env.slept[i], 1000);
    }
    json_decref(cm);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    free(path);
    free(text);
}
END_TEST

struct watch_log {
    int n;
    char types[32][12];
    char names[32][64];
    fo_fake_apiserver *fa;
    int stop_after;
    atomic_int stop;
};

static fo_rc log_event(void *ctx, fo_watch_type type, json_t *obj, fo_err *err)
{
    (void)err;
    struct watch_log *w = ctx;
    if (w->n < 32) {
        snprintf(w->types[w->n], sizeof w->types[0], "%s", fo_watch_type_name(type));
        const char *name = fo_json_get_str(obj, "metadata.name");
        snprintf(w->names[w->n], sizeof w->names[0], "%s", name ? name : "");
        w->n++;
    }
    if (w->stop_after && w->n >= w->stop_after)
        w->stop = 1;
    return FO_OK;
}

START_TEST(a_watch_delivers_changes_after_its_resource_version_in_order)
{
    fo_err err;
    json_t *list = NULL;
    ck_assert_int_eq(fo_kube_list_all(env.kc, &CM, NULL, &list, &err), FO_OK);
    char rv[64];
    snprintf(rv, sizeof rv, "%s", fo_json_get_str(list, "metadata.resourceVersion"));
    json_decref(list);
    json_t *cm = configmap("watched", "a"), *out = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    fo_kube_ref one = named(CM, "watched");
    json_t *patch = json_pack("{s:{s:s}}", "data", "k", "v2");
    ck_assert_int_eq(fo_kube_patch(env.kc, &one, FO_PATCH_MERGE, patch, NULL, &out, &err), FO_OK);
    json_decref(out);
    ck_assert_int_eq(fo_kube_delete(env.kc, &one, NULL, NULL, &err), FO_OK);
    /* The history is there already: the watch replays it, then we stop it. */
    struct watch_log w = {.stop_after = 3};
    fo_kube_watch_opts wo = {.resource_version = rv, .allow_bookmarks = true, .timeout_s = 30};
    ck_assert_int_eq(fo_kube_watch(env.kc, &CM, &wo, log_event, &w, &w.stop, &err), FO_ESHUTDOWN);
    ck_assert_int_eq(w.n, 3);
    ck_assert_str_eq(w.types[0], "ADDED");
    ck_assert_str_eq(w.types[1], "MODIFIED");
    ck_assert_str_eq(w.types[2], "DELETED");
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(w.names[i], "watched");
    json_decref(patch);
    json_decref(cm);
}
END_TEST

START_TEST(a_watch_with_server_timeout_ends_cleanly)
{
    fo_err err;
    json_t *list = NULL;
    ck_assert_int_eq(fo_kube_list_all(env.kc, &CM, NULL, &list, &err), FO_OK);
    struct watch_log w = {0};
    fo_kube_watch_opts wo = {.resource_version = fo_json_get_str(list, "metadata.resourceVersion"),
                             .timeout_s = 1};
    ck_assert_int_eq(fo_kube_watch(env.kc, &CM, &wo, log_event, &w, &w.stop, &err), FO_OK);
    json_decref(list);
}
END_TEST

/* POST a /fake/ control request (kube-api-semantics test hooks, control.h). */
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

START_TEST(throttling_is_retried_honouring_retry_after)
{
    fo_err err;
    json_t *cm = configmap("throttled", "a"), *out = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    control("POST", "/fake/faults",
            "{\"count\":2,\"code\":429,\"method\":\"GET\",\"retryAfterSeconds\":2}");
    env.nslept = 0;
    fo_kube_ref one = named(CM, "throttled");
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &out, &err), FO_OK);
    ck_assert_int_eq(env.nslept, 2);
    ck_assert_int_ge(env.slept[0], 2000);
    ck_assert_int_ge(env.slept[1], 2000);
    json_decref(out);
    /* 429 is safe to retry for a POST too: the server did not act */
    control("POST", "/fake/faults",
            "{\"count\":1,\"code\":429,\"method\":\"POST\",\"retryAfterSeconds\":1}");
    env.nslept = 0;
    json_t *cm2 = configmap("throttled-2", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm2, NULL, NULL, &err), FO_OK);
    ck_assert_int_eq(env.nslept, 1);
    ck_assert_int_ge(env.slept[0], 1000);
    json_decref(cm2);
    json_decref(cm);
}
END_TEST

START_TEST(server_errors_are_retried_only_when_safe)
{
    fo_err err;
    json_t *cm = configmap("five-hundred", "a"), *out = NULL;
    control("POST", "/fake/faults", "{\"count\":1,\"code\":503,\"method\":\"POST\"}");
    env.nslept = 0;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, NULL, &err), FO_OK);
    ck_assert_int_eq(env.nslept, 1);
    /* a 500 on a POST may have acted: not retried */
    control("POST", "/fake/faults", "{\"count\":1,\"code\":500,\"method\":\"POST\"}");
    env.nslept = 0;
    json_t *cm2 = configmap("five-hundred-2", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm2, NULL, NULL, &err), FO_EUNAVAIL);
    ck_assert_int_eq(err.http_status, 500);
    ck_assert_int_eq(env.nslept, 0);
    /* ... but a 500 on a GET is */
    control("POST", "/fake/faults", "{\"count\":2,\"code\":500,\"method\":\"GET\"}");
    env.nslept = 0;
    fo_kube_ref one = named(CM, "five-hundred");
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &out, &err), FO_OK);
    ck_assert_int_eq(env.nslept, 2);
    json_decref(out);
    /* a server that keeps failing: give up after max_retries (5) */
    control("POST", "/fake/faults", "{\"count\":-1,\"code\":503,\"method\":\"GET\"}");
    env.nslept = 0;
    ck_assert_int_eq(fo_kube_get(env.kc, &one, &out, &err), FO_EUNAVAIL);
    ck_assert_int_eq(env.nslept, 5);
    for (int i = 1; i < 5; i++) /* exponential, never past the cap */
        ck_assert_int_le(env.slept[i], 30000);
    control("DELETE", "/fake/faults", NULL);
    json_decref(cm2);
    json_decref(cm);
}
END_TEST

START_TEST(every_request_has_a_timeout)
{
    fo_err err;
    fo_kube_client_opts ko = {.sleep_ms = record_sleep, .timeout_ms = 300};
    fo_kube_client *kc = fo_kube_client_new(env.cfg, &ko, &err);
    control("POST", "/fake/delay", "{\"ms\":1500,\"count\":1,\"method\":\"POST\"}");
    json_t *cm = configmap("slow", "a"), *out = NULL;
    env.nslept = 0;
    ck_assert_int_eq(fo_kube_create(kc, &CM, cm, NULL, NULL, &err), FO_ETIMEOUT);
    ck_assert_int_eq(env.nslept, 0); /* a POST that timed out may have acted */
    control("POST", "/fake/delay", "{\"ms\":1500,\"count\":1,\"method\":\"GET\"}");
    fo_kube_ref one = named(CM, "slow");
    fo_rc rc = fo_kube_get(kc, &one, &out, &err);
    ck_assert(rc == FO_OK || rc == FO_ENOTFOUND); /* the first POST may or may not have landed */
    ck_assert_int_eq(env.nslept, 1);
    json_decref(out);
    json_decref(cm);
    fo_kube_client_free(kc);
}
END_TEST

START_TEST(a_watch_from_a_compacted_version_is_gone)
{
    fo_err err;
    json_t *cm = configmap("compacted", "a"), *created = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &created, &err), FO_OK);
    char rv[64];
    snprintf(rv, sizeof rv, "%s", fo_json_get_str(created, "metadata.resourceVersion"));
    json_t *cm2 = configmap("compacted-2", "a");
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm2, NULL, NULL, &err), FO_OK);
    control("POST", "/fake/compact", NULL);
    struct watch_log w = {0};
    fo_kube_watch_opts wo = {.resource_version = rv, .timeout_s = 30};
    ck_assert_int_eq(fo_kube_watch(env.kc, &CM, &wo, log_event, &w, &w.stop, &err), FO_EGONE);
    ck_assert_int_eq(err.http_status, 410);
    ck_assert_str_eq(err.reason, "Expired");
    ck_assert_int_eq(w.n, 0);
    json_decref(cm2);
    json_decref(created);
    json_decref(cm);
}
END_TEST

START_TEST(the_event_recorder_writes_events_the_server_accepts)
{
    fo_err err;
    json_t *cm = configmap("evented", "a"), *created = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &created, &err), FO_OK);
    fo_kube_events_opts eo = {.kc = env.kc, .instance = "test-0"};
    fo_kube_events *ev = fo_kube_events_new(&eo, &err);
    ck_assert_ptr_nonnull(ev);
    fo_kube_events_record(ev, created, FO_EVENT_WARNING, "ConfigBroken", "key %s missing", "x");
    fo_kube_events_record(ev, created, FO_EVENT_WARNING, "ConfigBroken", "key %s missing", "x");
    fo_kube_events_record(ev, created, FO_EVENT_NORMAL, "ConfigFixed", "fixed");
    ck_assert(fo_kube_events_flush(ev, 20000));
    fo_kube_events_stats st;
    fo_kube_events_get_stats(ev, &st);
    ck_assert_uint_eq(st.failed, 0);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.patched, 1);
    fo_kube_ref events = {.version = "v1", .resource = "events", .ns = "default"};
    fo_kube_list_opts lo = {.field_selector = "metadata.namespace=default"};
    json_t *list = NULL;
    ck_assert_int_eq(fo_kube_list_all(env.kc, &events, &lo, &list, &err), FO_OK);
    size_t i;
    json_t *e;
    int broken = 0, fixed = 0;
    json_array_foreach(json_object_get(list, "items"), i, e)
    {
        if (strcmp(fo_json_get_str(e, "involvedObject.uid"),
                   fo_json_get_str(created, "metadata.uid")) != 0)
            continue;
        int64_t n = 0;
        fo_json_get_int(e, "count", &n);
        if (strcmp(fo_json_str(e, "reason"), "ConfigBroken") == 0) {
            broken++;
            ck_assert_int_eq(n, 2);
            ck_assert_str_eq(fo_json_str(e, "type"), "Warning");
            ck_assert_str_eq(fo_json_str(e, "message"), "key x missing");
        } else if (strcmp(fo_json_str(e, "reason"), "ConfigFixed") == 0) {
            fixed++;
            ck_assert_int_eq(n, 1);
        }
    }
    ck_assert_int_eq(broken, 1);
    ck_assert_int_eq(fixed, 1);
    json_decref(list);
    fo_kube_events_free(ev);
    json_decref(created);
    json_decref(cm);
}
END_TEST

/* The Events of one object with reason `reason` (new reference: a list). */
static json_t *events_of(const json_t *obj, const char *reason)
{
    fo_err err;
    fo_kube_ref events = {.version = "v1", .resource = "events", .ns = "default"};
    char sel[300];
    snprintf(sel, sizeof sel, "involvedObject.uid=%s,reason=%s",
             fo_json_get_str(obj, "metadata.uid"), reason);
    fo_kube_list_opts lo = {.field_selector = sel};
    json_t *list = NULL;
    ck_assert_int_eq(fo_kube_list_all(env.kc, &events, &lo, &list, &err), FO_OK);
    json_t *items = json_incref(json_object_get(list, "items"));
    json_decref(list);
    return items;
}

/* A restarted process, and two processes in turn (the replicas around a leader hand-over, each
 * with its own stale memory of the Event), count every repeat into one Event. */
START_TEST(recorders_count_into_one_event_across_restarts_and_each_other)
{
    fo_err err;
    json_t *cm = configmap("folded", "a"), *created = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &created, &err), FO_OK);
    fo_kube_events_opts eo = {.kc = env.kc, .instance = "test-0"};
    fo_kube_events *first = fo_kube_events_new(&eo, &err);
    ck_assert_ptr_nonnull(first);
    for (int i = 0; i < 3; i++)
        fo_kube_events_record(first, created, FO_EVENT_WARNING, "ConfigBroken", "key x missing");
    ck_assert(fo_kube_events_flush(first, 20000));
    fo_kube_events_free(first);
    fo_kube_events *a = fo_kube_events_new(&eo, &err), *b = fo_kube_events_new(&eo, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (int i = 0; i < 5; i++) {
        fo_kube_events_record(a, created, FO_EVENT_WARNING, "ConfigBroken", "key x missing");
        ck_assert(fo_kube_events_flush(a, 20000));
        fo_kube_events_record(b, created, FO_EVENT_WARNING, "ConfigBroken", "key x missing");
        ck_assert(fo_kube_events_flush(b, 20000));
    }
    fo_kube_events_stats sa, sb;
    fo_kube_events_get_stats(a, &sa);
    fo_kube_events_get_stats(b, &sb);
    ck_assert_uint_eq(sa.failed + sb.failed, 0);
    ck_assert_uint_eq(sa.created + sb.created, 0);
    json_t *items = events_of(created, "ConfigBroken");
    ck_assert_uint_eq(json_array_size(items), 1);
    int64_t n = 0;
    fo_json_get_int(json_array_get(items, 0), "count", &n);
    ck_assert_int_eq(n, 13);
    json_decref(items);
    /* deleted and created again under its name: a new uid, a new Event */
    fo_kube_ref one = CM;
    one.name = "folded";
    ck_assert_int_eq(fo_kube_delete(env.kc, &one, NULL, NULL, &err), FO_OK);
    json_t *recreated = NULL;
    ck_assert_int_eq(fo_kube_create(env.kc, &CM, cm, NULL, &recreated, &err), FO_OK);
    fo_kube_events_record(a, recreated, FO_EVENT_WARNING, "ConfigBroken", "key x missing");
    ck_assert(fo_kube_events_flush(a, 20000));
    items = events_of(recreated, "ConfigBroken");
    ck_assert_uint_eq(json_array_size(items), 1);
    fo_json_get_int(json_array_get(items, 0), "count", &n);
    ck_assert_int_eq(n, 1);
    json_decref(items);
    fo_kube_events_free(a);
    fo_kube_events_free(b);
    json_decref(recreated);
    json_decref(created);
    json_decref(cm);
}
END_TEST

/* ---- HTTPS: the in-cluster path (kube-api-semantics.md §11) and embedded CAs ---- */

static char *b64_file(const char *path)
{
    char *cmd = NULL, buf[16384];
    ck_assert_int_gt(asprintf(&cmd, "base64 -w0 '%s'", path), 0);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    pclose(p);
    free(cmd);
    buf[n] = '\0';
    return strdup(buf);
}

START_TEST(in_cluster_config_talks_https_with_the_service_account)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *other_crt = NULL, *other_key = NULL;
    fo_testcerts_issue(tc, "apiserver", "kubernetes.default.svc", &crt, &key);
    fo_fake_apiserver_opts fo = {.token = TOKEN, .tls_cert_file = crt, .tls_key_file = key};
    fo_err err;
    fo_fake_apiserver *fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    char port[16], *tok = NULL, *nsf = NULL;
    snprintf(port, sizeof port, "%d", fo_fake_apiserver_port(fa));
    ck_assert_int_gt(asprintf(&tok, "%s/token", tc->dir), 0);
    ck_assert_int_gt(asprintf(&nsf, "%s/namespace", tc->dir), 0);
    fo_test_write_file(tok, TOKEN "\n");
    fo_test_write_file(nsf, "default\n");
    fo_kube_config_opts co = {.host = "127.0.0.1",
                              .port = port,
                              .token_path = tok,
                              .ca_path = tc->ca_cert,
                              .namespace_path = nsf};
    fo_kube_config *cfg = fo_kube_config_in_cluster(&co, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    fo_kube_client *kc = fo_kube_client_new(cfg, NULL, &err);
    json_t *out = NULL;
    fo_kube_ref ns = {.version = "v1", .resource = "namespaces", .name = "default"};
    ck_assert_msg(fo_kube_get(kc, &ns, &out, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(fo_json_get_str(out, "metadata.name"), "default");
    json_decref(out);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);

    /* the same CA embedded in a kubeconfig (certificate-authority-data, held in memory) */
    char *ca64 = b64_file(tc->ca_cert), *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", tc->dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:%s',"
                              " certificate-authority-data: %s}}]\n"
                              "users: [{name: u, user: {tokenFile: token}}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              port, ca64),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts ko = {.kubeconfig = path};
    cfg = fo_kube_config_from_kubeconfig(&ko, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    kc = fo_kube_client_new(cfg, NULL, &err);
    ck_assert_msg(fo_kube_get(kc, &ns, &out, &err) == FO_OK, "%s", err.message);
    json_decref(out);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);

    /* a server whose certificate our CA did not sign is refused, not retried forever */
    fo_fake_apiserver_stop(fa);
    fo_testcerts_self_signed(tc, "impostor", &other_crt, &other_key);
    fo_fake_apiserver_opts bad = {
        .token = TOKEN, .tls_cert_file = other_crt, .tls_key_file = other_key};
    fa = fo_fake_apiserver_start(&bad, &err);
    ck_assert_ptr_nonnull(fa);
    snprintf(port, sizeof port, "%d", fo_fake_apiserver_port(fa));
    cfg = fo_kube_config_in_cluster(&co, &err);
    fo_kube_client_opts nr = {.max_retries = -1};
    kc = fo_kube_client_new(cfg, &nr, &err);
    ck_assert_int_eq(fo_kube_get(kc, &ns, &out, &err), FO_EIO);
    ck_assert_ptr_null(out);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    fo_fake_apiserver_stop(fa);
    free(ca64);
    free(path);
    free(text);
    free(tok);
    free(nsf);
    free(crt);
    free(key);
    free(other_crt);
    free(other_key);
    fo_testcerts_free(tc);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* <dir>/answer-<n>.json: an ExecCredential (v1) with the client certificate pair of crt and
 * key, good until expiry. */
static void write_cert_answer(const char *dir, int n, const char *crt, const char *key,
                              const char *expiry)
{
    char *c = slurp(crt), *k = slurp(key), *path = NULL;
    json_t *cred = json_pack("{s:s,s:s,s:{s:s,s:s,s:s}}", "apiVersion",
                             "client.authentication.k8s.io/v1", "kind", "ExecCredential",
                             "status", "clientCertificateData", c, "clientKeyData", k,
                             "expirationTimestamp", expiry);
    ck_assert_int_gt(asprintf(&path, "%s/answer-%d.json", dir, n), 0);
    ck_assert_int_eq(json_dump_file(cred, path, JSON_COMPACT), 0);
    json_decref(cred);
    free(c);
    free(k);
    free(path);
}

/* Who the API server took the client for (SelfSubjectReview, `kubectl auth whoami`). */
static fo_rc whoami(fo_kube_client *kc, char *user, size_t len, fo_err *err)
{
    fo_kube_ref r = {.group = "authentication.k8s.io", .version = "v1",
                     .resource = "selfsubjectreviews"};
    json_t *req = json_pack("{s:s,s:s}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "SelfSubjectReview"),
           *out = NULL;
    fo_rc rc = fo_kube_create(kc, &r, req, NULL, &out, err);
    const char *u = fo_json_get_str(out, "status.userInfo.username");
    snprintf(user, len, "%s", u ? u : "");
    json_decref(req);
    json_decref(out);
    return rc;
}

/* An exec plugin that answers with a client certificate pair (Teleport's `tsh kube
 * credentials`): the pair authenticates every request; when its expirationTimestamp passes the
 * plugin runs again and the next requests present the new pair, on new connections (a kept
 * connection or TLS session would still say who the old pair was); a pair the API server
 * refuses (401: this one expired) has the plugin run once more. */
START_TEST(an_exec_plugin_client_certificate_authenticates_and_rotates)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *crt = NULL, *key = NULL, *c[3] = {0}, *k[3] = {0};
    fo_testcerts_issue(tc, "apiserver", NULL, &crt, &key);
    fo_testcerts_issue_client(tc, "exec-user-1", NULL, NULL, &c[0], &k[0]);
    fo_testcerts_issue_client(tc, "exec-user-2", "2020-01-01 00:00:00", "2020-01-02 00:00:00",
                              &c[1], &k[1]);
    fo_testcerts_issue_client(tc, "exec-user-3", NULL, NULL, &c[2], &k[2]);
    /* the plugin's expirations, against the config's fake clock (2026-04-20T09:15:02Z) */
    write_cert_answer(tc->dir, 1, c[0], k[0], "2026-04-20T10:00:00Z");
    write_cert_answer(tc->dir, 2, c[1], k[1], "2026-04-20T11:00:00Z");
    write_cert_answer(tc->dir, 3, c[2], k[2], "2026-04-20T12:00:00Z");
    fo_fake_apiserver_opts fo = {.token = TOKEN, .tls_cert_file = crt, .tls_key_file = key,
                                 .client_ca_file = tc->ca_cert};
    fo_err err;
    fo_fake_apiserver *fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(fa != NULL, "%s", err.message);
    char *plugin = NULL, *script = NULL, *path = NULL, *text = NULL, *ca64 = b64_file(tc->ca_cert);
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
                              " interactiveMode: Never}}}, {name: nobody, user: {}}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}},"
                              " {name: anon, context: {cluster: c, user: nobody}}]\n",
                              fo_fake_apiserver_port(fa), ca64),
                     0);
    fo_test_write_file(path, text);
    char user[256];

    /* without a credential the server refuses */
    fo_kube_config_opts ao = {.kubeconfig = path, .context = "anon"};
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&ao, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    fo_kube_client_opts nr = {.max_retries = -1};
    fo_kube_client *kc = fo_kube_client_new(cfg, &nr, &err);
    ck_assert_int_eq(whoami(kc, user, sizeof user, &err), FO_EFORBIDDEN);
    ck_assert_int_eq(err.http_status, 401);
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);

    fo_clock *clk = fo_clock_fake_new(1776676502000LL);
    fo_kube_config_opts o = {.kubeconfig = path, .clock = clk};
    cfg = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    kc = fo_kube_client_new(cfg, &nr, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_msg(whoami(kc, user, sizeof user, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(user, "exec-user-1");
    ck_assert_msg(whoami(kc, user, sizeof user, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(user, "exec-user-1");
    char *runs = NULL, *rpath = NULL;
    ck_assert_int_gt(asprintf(&rpath, "%s/runs", tc->dir), 0);
    runs = slurp(rpath);
    ck_assert_str_eq(runs, "1\n"); /* kept until it expires */
    free(runs);
    /* past the first pair's expiration: the plugin runs again; its second pair is refused
     * (expired), so it runs once more and the third pair is used */
    fo_clock_fake_advance(clk, 45 * 60 * 1000);
    ck_assert_msg(whoami(kc, user, sizeof user, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(user, "exec-user-3");
    runs = slurp(rpath);
    ck_assert_str_eq(runs, "3\n");
    free(runs);
    ck_assert_msg(whoami(kc, user, sizeof user, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(user, "exec-user-3");
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    fo_clock_free(clk);
    fo_fake_apiserver_stop(fa);
    for (int i = 0; i < 3; i++) {
        free(c[i]);
        free(k[i]);
    }
    free(rpath);
    free(plugin);
    free(script);
    free(path);
    free(text);
    free(ca64);
    free(crt);
    free(key);
    fo_testcerts_free(tc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_client");
    TCase *tc = tcase_create("kube_client");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_get_update_and_delete_round_trip);
    tcase_add_test(tc, creating_an_existing_name_is_already_exists);
    tcase_add_test(tc, an_invalid_object_is_invalid_with_its_causes);
    tcase_add_test(tc, lists_follow_selectors_and_pages);
    tcase_add_test(tc, list_pages_are_read_through_the_page_filter);
    tcase_add_test(tc, merge_json_and_apply_patches);
    tcase_add_test(tc, a_patch_answer_past_the_bound_comes_back_as_a_stub);
    tcase_add_test(tc, custom_resources_with_the_status_subresource);
    tcase_add_test(tc, delete_honours_preconditions_finalizers_and_policy);
    tcase_add_test(tc, a_wrong_token_is_forbidden);
    tcase_add_test(tc, an_exec_plugin_runs_again_when_its_token_is_refused);
    tcase_add_test(tc, an_unreachable_server_is_unavailable_after_retries);
    tcase_add_test(tc, a_watch_delivers_changes_after_its_resource_version_in_order);
    tcase_add_test(tc, a_watch_with_server_timeout_ends_cleanly);
    tcase_add_test(tc, throttling_is_retried_honouring_retry_after);
    tcase_add_test(tc, server_errors_are_retried_only_when_safe);
    tcase_add_test(tc, every_request_has_a_timeout);
    tcase_add_test(tc, a_watch_from_a_compacted_version_is_gone);
    tcase_add_test(tc, the_event_recorder_writes_events_the_server_accepts);
    tcase_add_test(tc, recorders_count_into_one_event_across_restarts_and_each_other);
    suite_add_tcase(s, tc);
    TCase *tls = tcase_create("tls");
    tcase_set_timeout(tls, 60);
    tcase_add_test(tls, in_cluster_config_talks_https_with_the_service_account);
    tcase_add_test(tls, an_exec_plugin_client_certificate_authenticates_and_rotates);
    suite_add_tcase(s, tls);
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
