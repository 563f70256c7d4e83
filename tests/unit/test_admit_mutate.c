/* webhook/admit_mutate: copy -> normalise -> diff -> patch. Expected values come from the
 * fixtures and the documented defaults (reference section h: job.state running, upgradeMode
 * stateless, jobManager.replicas 1; cluster_defaults.h: cluster defaults < spec.podTemplate <
 * spec.<role>.podTemplate; reference b.8: the target.session label). Every patch is applied
 * with fo_json_patch_apply to the request object, as the API server would. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "webhook/admission.h"
#include "webhook/admit_mutate.h"

/* An AdmissionReview around obj (and old as oldObject on an UPDATE; NULL: obj), decoded as
 * /mutate decodes it. */
static void make_update(const char *op, const json_t *obj, const json_t *old, bool dry_run,
                        const char *sub, fo_admission_request *req)
{
    const char *kind = fo_json_str(obj, "kind");
    const char *plural =
        strcmp(kind, "FlinkSessionJob") == 0 ? "flinksessionjobs" : "flinkdeployments";
    bool has_object = strcmp(op, "CREATE") == 0 || strcmp(op, "UPDATE") == 0;
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:O, s:O, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid",
        "0c9e4a71-52b3-4d7e-8f60-1b2a3c4d5e6f", "kind", "group", "flink.apache.org", "version",
        "v1beta1", "kind", kind, "resource", "group", "flink.apache.org", "version", "v1beta1",
        "resource", plural, "name", fo_json_get_str(obj, "metadata.name"), "namespace",
        "flink-jobs", "operation", op, "object", has_object ? obj : json_null(), "oldObject",
        has_object && strcmp(op, "CREATE") == 0 ? json_null() : old ? old : obj, "dryRun",
        dry_run);
    ck_assert_ptr_nonnull(doc);
    if (sub)
        json_object_set_new(json_object_get(doc, "request"), "subResource", json_string(sub));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    /* a key "nul-key" becomes one holding NUL (jansson cannot make such a key) */
    for (char *k = strstr(text, "\"nul-key\""); k; k = strstr(k, "\"nul-key\""))
        memcpy(k + 1, "\\u0000x", 7); /* as long as nul-key: the key NUL, x */
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_admission_decode_without_status(text, strlen(text), req, &err) == FO_OK,
                  "%s", err.message);
    free(text);
}

static void make_request(const char *op, const json_t *obj, bool dry_run, const char *sub,
                         fo_admission_request *req)
{
    make_update(op, obj, NULL, dry_run, sub, req);
}

/* Mutate obj; returns the patched object (new reference; equal to obj when no patch) and
 * the patch length through *nops. */
static json_t *mutate_update(const json_t *obj, const json_t *old, const fo_cluster_defaults *cd,
                             const char *op, bool dry_run, size_t *nops)
{
    fo_admission_request req;
    make_update(op, obj, old, dry_run, NULL, &req);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_mutate(&req, cd, &resp);
    ck_assert(resp.allowed);
    json_t *patch = NULL;
    if (resp.patch) {
        /* the patch is compact JSON, as json_dumps writes the array fo_json_patch_diff gives */
        json_error_t jerr;
        patch = json_loadb(resp.patch, resp.patch_len, 0, &jerr);
        ck_assert_msg(patch != NULL, "patch is not JSON: %s", jerr.text);
    }
    *nops = patch ? json_array_size(patch) : 0;
    if (resp.patch)
        ck_assert_uint_gt(*nops, 0); /* an empty patch is never sent */
    json_t *out;
    if (patch) {
        char *compact = json_dumps(patch, JSON_COMPACT);
        ck_assert_uint_eq(strlen(compact), resp.patch_len);
        ck_assert(memcmp(compact, resp.patch, resp.patch_len) == 0);
        free(compact);
        fo_err err;
        fo_err_clear(&err);
        out = fo_json_patch_apply(req.object, patch, &err);
        ck_assert_msg(out != NULL, "patch does not apply: %s", err.message);
        json_decref(patch);
    } else {
        out = json_deep_copy(req.object);
    }
    /* the request document itself is never changed */
    ck_assert(fo_json_equal(req.object, obj));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    return out;
}

static json_t *mutate(const json_t *obj, const fo_cluster_defaults *cd, const char *op,
                      bool dry_run, size_t *nops)
{
    return mutate_update(obj, NULL, cd, op, dry_run, nops);
}

/* The cluster defaults of the webhook tests (tests/data/admission-cluster-defaults.yaml). */
static fo_cluster_defaults *test_defaults(void)
{
    return fo_test_load_cluster_defaults("admission-cluster-defaults.yaml");
}

START_TEST(a_deployment_gets_the_documented_defaults_and_keeps_what_the_user_wrote)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    size_t nops = 0;
    json_t *out = mutate(obj, NULL, "CREATE", false, &nops);
    ck_assert_uint_gt(nops, 0);
    ck_assert_str_eq(fo_json_get_str(out, "spec.job.state"), "running");
    int64_t replicas = 0;
    ck_assert(fo_json_get_int(out, "spec.jobManager.replicas", &replicas));
    ck_assert_int_eq(replicas, 1);
    /* user values untouched */
    ck_assert_str_eq(fo_json_get_str(out, "spec.job.upgradeMode"), "stateless");
    int64_t par = 0;
    ck_assert(fo_json_get_int(out, "spec.job.parallelism", &par));
    ck_assert_int_eq(par, 2);
    ck_assert_str_eq(fo_json_get_str(out, "spec.image"), "flink:2.2");
    json_decref(out);
    json_decref(obj);
}
END_TEST

START_TEST(mutating_the_mutated_object_gives_no_patch)
{
    const char *fixtures[] = {
        "admission-flinkdeployment-basic.yaml", "admission-flinkdeployment-with-templates.yaml",
        "admission-flinksessionjob-basic.yaml", "admission-flinkdeployment-four-errors.yaml"};
    fo_cluster_defaults *cd = test_defaults();
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        json_t *obj = fo_test_load_yaml(fixtures[i]);
        size_t n1 = 0, n2 = 0;
        json_t *once = mutate(obj, cd, "CREATE", false, &n1);
        ck_assert_msg(n1 > 0, "%s: expected a first patch", fixtures[i]);
        json_t *twice = mutate(once, cd, "UPDATE", false, &n2);
        ck_assert_msg(n2 == 0, "%s: second mutation produced %zu operations", fixtures[i], n2);
        ck_assert(fo_json_equal(once, twice));
        json_decref(once);
        json_decref(twice);
        json_decref(obj);
    }
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(cluster_pod_defaults_sit_under_the_resource_templates)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    size_t nops = 0;
    json_t *out = mutate(obj, cd, "CREATE", false, &nops);
    json_t *jm = fo_json_get(out, "spec.jobManager.podTemplate.metadata.labels");
    json_t *tm = fo_json_get(out, "spec.taskManager.podTemplate.metadata.labels");
    ck_assert_ptr_nonnull(jm);
    ck_assert_ptr_nonnull(tm);
    /* JobManager: cluster < spec.podTemplate < spec.jobManager.podTemplate */
    ck_assert_str_eq(fo_json_str(jm, "cost-center"), "42");
    ck_assert_str_eq(fo_json_str(jm, "team"), "payments");
    ck_assert_str_eq(fo_json_str(jm, "tier"), "jobmanager-level");
    /* TaskManager has no own template: spec.podTemplate wins over the cluster */
    ck_assert_str_eq(fo_json_str(tm, "cost-center"), "42");
    ck_assert_str_eq(fo_json_str(tm, "tier"), "spec-level");
    ck_assert_str_eq(fo_json_get_str(out, "spec.taskManager.podTemplate.spec.priorityClassName"),
                     "flink-standard");
    json_decref(out);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(a_session_job_gets_the_target_session_label_and_keeps_its_others)
{
    json_t *obj = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    size_t nops = 0;
    json_t *out = mutate(obj, NULL, "CREATE", false, &nops);
    ck_assert_str_eq(fo_json_str(fo_json_get(out, "metadata.labels"), "target.session"),
                     "session-cluster");
    ck_assert_str_eq(fo_json_str(fo_json_get(out, "metadata.labels"), "app"), "payments");
    json_decref(out);

    /* no labels at all: the label map is created (RFC 6902 add needs the parent) */
    json_object_del(json_object_get(obj, "metadata"), "labels");
    out = mutate(obj, NULL, "CREATE", false, &nops);
    ck_assert_str_eq(fo_json_str(fo_json_get(out, "metadata.labels"), "target.session"),
                     "session-cluster");
    json_decref(out);

    /* a wrong label value is corrected */
    json_object_set_new(json_object_get(obj, "metadata"), "labels",
                        json_pack("{s:s}", "target.session", "other-cluster"));
    out = mutate(obj, NULL, "UPDATE", false, &nops);
    ck_assert_str_eq(fo_json_str(fo_json_get(out, "metadata.labels"), "target.session"),
                     "session-cluster");
    json_decref(out);
    json_decref(obj);
}
END_TEST

START_TEST(dry_run_gets_the_same_patch)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    size_t n1 = 0, n2 = 0;
    json_t *a = mutate(obj, NULL, "CREATE", false, &n1);
    json_t *b = mutate(obj, NULL, "CREATE", true, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(fo_json_equal(a, b));
    json_decref(a);
    json_decref(b);
    json_decref(obj);
}
END_TEST

/* A label of spec.podTemplate changed after creation (the roles got it copied in when the
 * resource was created): the patch carries the new value into both roles, the JobManager's
 * own label stays on top, and mutating the result again gives no patch. */
START_TEST(an_update_of_the_common_template_reaches_both_roles)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    ck_assert_str_eq(fo_json_get_str(stored, "spec.taskManager.podTemplate.metadata.labels.team"),
                     "payments");

    json_t *edited = json_deep_copy(stored);
    json_object_set_new(fo_json_get(edited, "spec.podTemplate.metadata.labels"), "team",
                        json_string("billing"));
    json_t *next = mutate_update(edited, stored, cd, "UPDATE", false, &n);
    ck_assert_uint_gt(n, 0);
    ck_assert_str_eq(fo_json_get_str(next, "spec.taskManager.podTemplate.metadata.labels.team"),
                     "billing");
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "billing");
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.tier"),
                     "jobmanager-level");
    ck_assert_str_eq(fo_json_get_str(next, "spec.taskManager.podTemplate.metadata.labels.tier"),
                     "spec-level");
    json_t *again = mutate_update(next, next, cd, "UPDATE", false, &n);
    ck_assert_uint_eq(n, 0);

    /* the JobManager's template edited in place (its own label), then the common one again:
     * the edit is the user's, the copied team label is not (oldObject tells them apart) */
    json_t *jm_edit = json_deep_copy(next);
    json_object_set_new(fo_json_get(jm_edit, "spec.jobManager.podTemplate.metadata.labels"),
                        "tier", json_string("edited"));
    json_t *after_edit = mutate_update(jm_edit, next, cd, "UPDATE", false, &n);
    json_t *team_edit = json_deep_copy(after_edit);
    json_object_set_new(fo_json_get(team_edit, "spec.podTemplate.metadata.labels"), "team",
                        json_string("ops"));
    json_t *last = mutate_update(team_edit, after_edit, cd, "UPDATE", false, &n);
    ck_assert_str_eq(fo_json_get_str(last, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "ops");
    ck_assert_str_eq(fo_json_get_str(last, "spec.jobManager.podTemplate.metadata.labels.tier"),
                     "edited");
    json_decref(last);
    json_decref(team_edit);
    json_decref(after_edit);
    json_decref(jm_edit);

    json_decref(again);
    json_decref(next);
    json_decref(edited);
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Set a label of the JobManager's pod template (as a user or another webhook would). */
static void set_jm_label(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(fo_json_get(obj, "spec.jobManager.podTemplate.metadata.labels"), key,
                        json_string(value));
}

/* Mutating obj again (as its own previous version) gives no patch. */
static void assert_settled(const json_t *obj, const fo_cluster_defaults *cd)
{
    size_t n = 0;
    json_t *again = mutate_update(obj, obj, cd, "UPDATE", false, &n);
    ck_assert_uint_eq(n, 0);
    json_decref(again);
}

/* The UPDATE of stored that sets spec.podTemplate's label team, mutated (new reference). */
static json_t *update_common_team(const json_t *stored, const char *team,
                                  const fo_cluster_defaults *cd)
{
    json_t *edited = json_deep_copy(stored);
    json_object_set_new(fo_json_get(edited, "spec.podTemplate.metadata.labels"), "team",
                        json_string(team));
    size_t n = 0;
    json_t *next = mutate_update(edited, stored, cd, "UPDATE", false, &n);
    json_decref(edited);
    return next;
}

/* Another mutating webhook after ours (no reinvocation) adds a sidecar to the JobManager's
 * template, so the record no longer explains it. What the template inherited still follows
 * spec.podTemplate (it used to stay frozen in the JobManager while the TaskManager followed),
 * the sidecar and the role's own label stay, and the result is stable. */
START_TEST(a_later_webhooks_change_leaves_what_a_role_inherits_following)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    json_t *containers = fo_json_get(stored, "spec.jobManager.podTemplate.spec.containers");
    if (!json_is_array(containers)) {
        containers = json_array();
        json_object_set_new(
            fo_json_ensure_object(fo_json_get(stored, "spec.jobManager.podTemplate"), "spec"),
            "containers", containers);
    }
    json_array_append_new(containers, json_pack("{s:s, s:s}", "name", "istio-proxy", "image",
                                                "istio/proxyv2"));

    json_t *next = update_common_team(stored, "billing", cd);
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "billing");
    ck_assert_str_eq(fo_json_get_str(next, "spec.taskManager.podTemplate.metadata.labels.team"),
                     "billing");
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.tier"),
                     "jobmanager-level");
    bool sidecar = false;
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(next, "spec.jobManager.podTemplate.spec.containers"), i, c)
        sidecar = sidecar || strcmp(fo_json_str(c, "name"), "istio-proxy") == 0;
    ck_assert(sidecar);
    assert_settled(next, cd);

    /* and later changes of spec.podTemplate keep reaching it */
    json_t *last = update_common_team(next, "ops", cd);
    ck_assert_str_eq(fo_json_get_str(last, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "ops");
    json_decref(last);
    json_decref(next);
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* The same with a value the user pinned in the role's own template equal to the inherited
 * one: after the other webhook's change it stays the user's (it does not start following
 * spec.podTemplate), and the other webhook's label stays too. */
START_TEST(a_later_webhooks_change_keeps_what_the_user_pinned_in_the_role)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    set_jm_label(obj, "team", "payments"); /* what spec.podTemplate gives too */
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    set_jm_label(stored, "injected", "yes"); /* a later webhook */
    json_t *e1 = json_deep_copy(stored);
    json_object_set_new(fo_json_get(e1, "spec.job"), "parallelism", json_integer(3));
    json_t *s1 = mutate_update(e1, stored, cd, "UPDATE", false, &n);
    json_t *s2 = update_common_team(s1, "billing", cd);
    ck_assert_str_eq(fo_json_get_str(s2, "spec.jobManager.podTemplate.metadata.labels.team"),
                     "payments");
    ck_assert_str_eq(fo_json_get_str(s2, "spec.jobManager.podTemplate.metadata.labels.injected"),
                     "yes");
    ck_assert_str_eq(fo_json_get_str(s2, "spec.taskManager.podTemplate.metadata.labels.team"),
                     "billing");
    assert_settled(s2, cd);
    json_decref(s2);
    json_decref(s1);
    json_decref(e1);
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* The other webhook may insert rather than append (a sidecar first, an env var at the front,
 * a toleration first): the user's pin still stays theirs. */
START_TEST(a_later_webhooks_insertion_keeps_what_the_user_pinned)
{
    fo_cluster_defaults *cd = test_defaults();
    for (int how = 0; how < 3; how++) {
        json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
        json_t *jm = fo_json_get(obj, "spec.jobManager.podTemplate");
        json_object_set_new(fo_json_get(jm, "metadata.labels"), "team",
                            json_string("payments")); /* what spec.podTemplate gives too */
        json_object_set_new(jm, "spec",
                            json_pack("{s:[{s:s, s:[{s:s, s:s}]}], s:[{s:s, s:s}]}",
                                      "containers", "name", "flink-main-container", "env",
                                      "name", "A", "value", "1", "tolerations", "key", "k",
                                      "operator", "Exists"));
        size_t n = 0;
        json_t *stored = mutate(obj, cd, "CREATE", false, &n);
        json_t *spec = fo_json_get(stored, "spec.jobManager.podTemplate.spec");
        json_t *main = json_array_get(json_object_get(spec, "containers"), 0);
        if (how == 0)
            json_array_insert_new(json_object_get(spec, "containers"), 0,
                                  json_pack("{s:s, s:s}", "name", "istio-proxy", "image", "p"));
        else if (how == 1)
            json_array_insert_new(json_object_get(main, "env"), 0,
                                  json_pack("{s:s, s:s}", "name", "PROXY", "value", "x"));
        else
            json_array_insert_new(json_object_get(spec, "tolerations"), 0,
                                  json_pack("{s:s, s:s}", "key", "mesh", "operator", "Exists"));
        json_t *next = update_common_team(stored, "billing", cd);
        ck_assert_msg(!strcmp(fo_json_get_str(next,
                                              "spec.jobManager.podTemplate.metadata.labels.team"),
                              "payments"),
                      "insertion %d: the pin went", how);
        json_decref(next);
        json_decref(stored);
        json_decref(obj);
    }
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* After the other webhook's change, what the user then removes from the role's template
 * (kubectl edit, no last-applied manifest) stays removed: their own label goes, and the
 * label they had overridden falls back to what spec.podTemplate gives. */
START_TEST(a_removal_after_a_later_webhooks_change_stays_removed)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    set_jm_label(obj, "mine", "x");
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    set_jm_label(stored, "injected", "yes"); /* a later webhook */
    json_t *edited = json_deep_copy(stored);
    json_t *labels = fo_json_get(edited, "spec.jobManager.podTemplate.metadata.labels");
    json_object_del(labels, "mine");
    json_object_del(labels, "tier");
    json_t *next = mutate_update(edited, stored, cd, "UPDATE", false, &n);
    ck_assert_ptr_null(fo_json_get(next, "spec.jobManager.podTemplate.metadata.labels.mine"));
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.tier"),
                     "spec-level");
    ck_assert_str_eq(fo_json_get_str(next, "spec.jobManager.podTemplate.metadata.labels.injected"),
                     "yes");
    assert_settled(next, cd);
    json_decref(next);
    json_decref(edited);
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* kubectl edit appends an env var to the JobManager's main container, which the role inherits
 * from spec.podTemplate with an env var of its own: only the new variable becomes the role's
 * own, so a later change of the inherited one still reaches the JobManager (a merge patch of
 * the edit made the container's whole env list the role's, frozen). */
START_TEST(an_edit_that_appends_to_an_inherited_list_keeps_the_list_following)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    json_object_set_new(fo_json_get(obj, "spec.podTemplate"), "spec",
                        json_pack("{s:[{s:s, s:[{s:s, s:s}]}]}", "containers", "name",
                                  "flink-main-container", "env", "name", "A", "value", "1"));
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    json_t *edited = json_deep_copy(stored);
    json_t *main =
        json_array_get(fo_json_get(edited, "spec.jobManager.podTemplate.spec.containers"), 0);
    ck_assert_str_eq(fo_json_str(main, "name"), "flink-main-container");
    json_array_append_new(json_object_get(main, "env"),
                          json_pack("{s:s, s:s}", "name", "B", "value", "2"));
    json_t *next = mutate_update(edited, stored, cd, "UPDATE", false, &n);
    json_t *later = json_deep_copy(next);
    json_t *common_env =
        json_object_get(json_array_get(fo_json_get(later, "spec.podTemplate.spec.containers"), 0),
                        "env");
    json_object_set_new(json_array_get(common_env, 0), "value", json_string("9"));
    json_t *last = mutate_update(later, next, cd, "UPDATE", false, &n);
    json_t *env = json_object_get(
        json_array_get(fo_json_get(last, "spec.jobManager.podTemplate.spec.containers"), 0), "env");
    ck_assert_uint_eq(json_array_size(env), 2);
    ck_assert_str_eq(fo_json_str(json_array_get(env, 0), "value"), "9"); /* A follows */
    ck_assert_str_eq(fo_json_str(json_array_get(env, 1), "name"), "B");  /* B stays */
    assert_settled(last, cd);
    json_decref(last);
    json_decref(later);
    json_decref(next);
    json_decref(edited);
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

static uint64_t edit_rng = 0x9E3779B97F4A7C15ULL;
static unsigned edit_rnd(unsigned n)
{
    edit_rng ^= edit_rng << 13;
    edit_rng ^= edit_rng >> 7;
    edit_rng ^= edit_rng << 17;
    return (unsigned)(edit_rng % n);
}

/* One random edit of a role template as kubectl edit or a patch would make it: a label added,
 * changed or removed, an env var appended, changed or removed in the main container. */
static void random_edit(json_t *tmpl)
{
    static const char *const keys[] = {"team", "tier", "mine", "cost-center", "x"};
    static const char *const values[] = {"a", "b", "payments", "spec-level"};
    json_t *labels = fo_json_ensure_object(fo_json_ensure_object(tmpl, "metadata"), "labels");
    json_t *main = json_array_get(fo_json_get(tmpl, "spec.containers"), 0);
    json_t *env = json_object_get(main, "env");
    switch (edit_rnd(6)) {
    case 0:
    case 1:
        json_object_set_new(labels, keys[edit_rnd(5)], json_string(values[edit_rnd(4)]));
        break;
    case 2:
        json_object_del(labels, keys[edit_rnd(5)]);
        break;
    case 3:
        if (json_is_array(env))
            json_array_append_new(env, json_pack("{s:s, s:s}", "name", keys[edit_rnd(5)],
                                                 "value", values[edit_rnd(4)]));
        break;
    case 4:
        if (json_array_size(env))
            json_object_set_new(json_array_get(env, edit_rnd((unsigned)json_array_size(env))),
                                "value", json_string(values[edit_rnd(4)]));
        break;
    default:
        if (json_array_size(env))
            json_array_remove(env, edit_rnd((unsigned)json_array_size(env)));
        break;
    }
}

/* Random edits of the JobManager's template, and of spec.podTemplate, now and then after
 * another webhook changed the role's template: every UPDATE settles in one pass (mutating the
 * result again gives no patch), keeps what the user wrote in the role's template and what the
 * other webhook added, and the controller, which layers the stored object without its
 * previous version, finds the same templates. */
START_TEST(random_edits_of_a_role_template_settle_in_one_pass)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    json_object_set_new(fo_json_get(obj, "spec.podTemplate"), "spec",
                        json_pack("{s:[{s:s, s:[{s:s, s:s}]}]}", "containers", "name",
                                  "flink-main-container", "env", "name", "A", "value", "1"));
    size_t n = 0;
    json_t *stored = mutate(obj, cd, "CREATE", false, &n);
    for (int round = 0; round < 300; round++) {
        /* now and then another mutating webhook changed the stored role template after ours */
        bool injected = edit_rnd(4) == 0;
        if (injected)
            json_object_set_new(
                fo_json_ensure_object(
                    fo_json_ensure_object(fo_json_get(stored, "spec.jobManager.podTemplate"),
                                          "metadata"),
                    "labels"),
                "injected", json_string("yes"));
        json_t *edited = json_deep_copy(stored);
        bool common = edit_rnd(3) == 0;
        json_t *tmpl = common ? fo_json_get(edited, "spec.podTemplate")
                              : fo_json_get(edited, "spec.jobManager.podTemplate");
        for (unsigned k = 0, e = 1 + edit_rnd(3); k < e; k++)
            random_edit(tmpl);
        json_t *next = mutate_update(edited, stored, cd, "UPDATE", false, &n);
        if (!common) { /* what the user now sees in the template is what they wrote there */
            const char *key;
            json_t *v;
            json_t *want = fo_json_get(edited, "spec.jobManager.podTemplate.metadata.labels");
            json_t *got = fo_json_get(next, "spec.jobManager.podTemplate.metadata.labels");
            json_object_foreach(want, key, v)
                ck_assert_msg(fo_json_equal(json_object_get(got, key), v),
                              "round %d: label %s lost its edited value", round, key);
            size_t i;
            json_t *e;
            json_t *got_env = json_object_get(
                json_array_get(fo_json_get(next, "spec.jobManager.podTemplate.spec.containers"),
                               0),
                "env");
            json_array_foreach(json_object_get(json_array_get(fo_json_get(edited, "spec.jobManager"
                                                                          ".podTemplate.spec."
                                                                          "containers"),
                                                              0),
                                               "env"),
                               i, e) {
                bool found = false;
                size_t j;
                json_t *g;
                json_array_foreach(got_env, j, g) found = found || fo_json_equal(g, e);
                ck_assert_msg(found, "round %d: env %s lost its edited value", round,
                              fo_json_str(e, "name"));
            }
        }
        if (injected) /* the other webhook's change stays */
            ck_assert_msg(fo_json_get(next, "spec.jobManager.podTemplate.metadata.labels.injected"),
                          "round %d: the other webhook's label went", round);
        json_t *again = mutate_update(next, next, cd, "UPDATE", false, &n);
        ck_assert_msg(n == 0, "round %d: a second pass patched %zu ops", round, n);
        json_t *ctl = json_deep_copy(next);
        fo_err err;
        ck_assert_int_eq(fo_normalize_resource(ctl, cd, &err), FO_OK);
        const char *roles[] = {"spec.jobManager.podTemplate", "spec.taskManager.podTemplate"};
        for (int r = 0; r < 2; r++)
            ck_assert_msg(fo_json_equal(fo_json_get(ctl, roles[r]), fo_json_get(next, roles[r])),
                          "round %d: the controller layers %s otherwise", round, roles[r]);
        json_decref(ctl);
        json_decref(again);
        json_decref(edited);
        json_decref(stored);
        stored = next;
    }
    json_decref(stored);
    json_decref(obj);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Run mutate on a request and return whether a patch came back. */
static bool patch_for(const json_t *obj, const char *op, const char *sub, const char *kind_override)
{
    json_t *copy = json_deep_copy(obj);
    if (kind_override)
        json_object_set_new(copy, "kind", json_string(kind_override));
    fo_admission_request req;
    make_request(op, copy, false, sub, &req);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_mutate(&req, NULL, &resp);
    ck_assert(resp.allowed);
    bool patched = resp.patch != NULL;
    size_t len = 0, pb = 0;
    char *text = fo_admission_encode(req.uid, &resp, &len, &pb);
    ck_assert_ptr_nonnull(text);
    /* no patch -> no patchType either (admission-review-v1.md section 4, rule 4) */
    if (!patched)
        ck_assert_ptr_null(strstr(text, "patchType"));
    free(text);
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    json_decref(copy);
    return patched;
}

START_TEST(deletes_subresources_other_kinds_and_canaries_get_no_patch)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    ck_assert(patch_for(obj, "CREATE", NULL, NULL)); /* the control: this one is patched */
    ck_assert(!patch_for(obj, "DELETE", NULL, NULL));
    ck_assert(!patch_for(obj, "CONNECT", NULL, NULL));
    ck_assert(!patch_for(obj, "UPDATE", "status", NULL));
    ck_assert(!patch_for(obj, "CREATE", NULL, "FlinkStateSnapshot"));
    json_t *canary = fo_test_load_yaml("admission-flinkdeployment-canary.yaml");
    ck_assert(!patch_for(canary, "CREATE", NULL, NULL));
    json_object_set_new(fo_json_get(canary, "metadata.labels"), "flink.apache.org/canary",
                        json_string("True"));
    ck_assert(!patch_for(canary, "CREATE", NULL, NULL));
    json_decref(canary);
    json_decref(obj);
}
END_TEST

/* The update that takes the finalizer off an object being deleted gets no defaults: a spec
 * change would bump its generation and make the validating webhook judge the spec again. */
START_TEST(an_object_being_deleted_gets_no_patch)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    ck_assert(patch_for(obj, "UPDATE", NULL, NULL)); /* the control: defaults are missing */
    json_t *meta = json_object_get(obj, "metadata");
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-11-26T11:40:00Z"));
    ck_assert(!patch_for(obj, "UPDATE", NULL, NULL));
    json_object_set_new(meta, "deletionTimestamp", json_null());
    ck_assert(patch_for(obj, "UPDATE", NULL, NULL));
    json_decref(obj);
}
END_TEST

START_TEST(an_object_the_normaliser_refuses_is_allowed_with_a_warning)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_object_set_new(obj, "spec", json_string("not an object"));
    fo_admission_request req;
    make_request("CREATE", obj, false, NULL, &req);
    fo_admission_response resp;
    fo_admission_response_init(&resp);
    fo_admit_mutate(&req, NULL, &resp);
    ck_assert(resp.allowed);
    ck_assert_ptr_null(resp.patch);
    ck_assert_uint_eq(json_array_size(resp.warnings), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(resp.warnings, 0)), "spec"));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);

    /* a key holding NUL in the spec (the reader saw it): layering would shorten it */
    json_object_set_new(obj, "spec",
                        json_pack("{s:{s:{s:{s:s}}}}", "podTemplate", "metadata", "labels",
                                  "nul-key", "1"));
    make_request("CREATE", obj, false, NULL, &req);
    ck_assert(!req.keys_without_nul);
    fo_admission_response_init(&resp);
    fo_admit_mutate(&req, NULL, &resp);
    ck_assert(resp.allowed);
    ck_assert_ptr_null(resp.patch);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_array_get(resp.warnings, 0)), "holds a NUL character"));
    fo_admission_response_release(&resp);
    fo_admission_request_release(&req);
    json_decref(obj);
}
END_TEST

/* spec.podTemplate with n labels (2 weight units each), layered into both roles. */
static bool patched_with_labels(size_t n, fo_admission_response *resp)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *labels = json_object();
    for (size_t i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "l%zu", i);
        json_object_set_new(labels, key, json_string("v"));
    }
    json_object_set_new(json_object_get(obj, "spec"), "podTemplate",
                        json_pack("{s:{s:o}}", "metadata", "labels", labels));
    fo_admission_request req;
    make_request("CREATE", obj, false, NULL, &req);
    fo_admission_response_init(resp);
    fo_admit_mutate(&req, NULL, resp);
    ck_assert(resp->allowed);
    bool patched = resp->patch != NULL;
    fo_admission_request_release(&req);
    json_decref(obj);
    return patched;
}

/* An object within the bound on a resource that layering would take past it (its
 * spec.podTemplate copied into both roles) is stored as written, with a warning: the
 * validating webhook and the controller's cache would refuse the layered one. */
START_TEST(a_patch_that_would_take_the_object_past_the_weight_bound_is_not_sent)
{
    fo_admission_response resp;
    ck_assert(patched_with_labels(100, &resp)); /* the control */
    fo_admission_response_release(&resp);
    ck_assert(!patched_with_labels(12000, &resp)); /* 24,000 -> about 72,000 */
    ck_assert_uint_eq(json_array_size(resp.warnings), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(resp.warnings, 0)),
                                 "defaults not applied: the result would hold more than 48000"));
    fo_admission_response_release(&resp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admit_mutate");
    TCase *tc = tcase_create("admit_mutate");
    tcase_add_test(tc, a_deployment_gets_the_documented_defaults_and_keeps_what_the_user_wrote);
    tcase_add_test(tc, mutating_the_mutated_object_gives_no_patch);
    tcase_add_test(tc, cluster_pod_defaults_sit_under_the_resource_templates);
    tcase_add_test(tc, a_session_job_gets_the_target_session_label_and_keeps_its_others);
    tcase_add_test(tc, dry_run_gets_the_same_patch);
    tcase_add_test(tc, deletes_subresources_other_kinds_and_canaries_get_no_patch);
    tcase_add_test(tc, an_object_being_deleted_gets_no_patch);
    tcase_add_test(tc, an_update_of_the_common_template_reaches_both_roles);
    tcase_add_test(tc, a_later_webhooks_change_leaves_what_a_role_inherits_following);
    tcase_add_test(tc, a_later_webhooks_change_keeps_what_the_user_pinned_in_the_role);
    tcase_add_test(tc, a_removal_after_a_later_webhooks_change_stays_removed);
    tcase_add_test(tc, a_later_webhooks_insertion_keeps_what_the_user_pinned);
    tcase_add_test(tc, an_edit_that_appends_to_an_inherited_list_keeps_the_list_following);
    tcase_add_test(tc, random_edits_of_a_role_template_settle_in_one_pass);
    tcase_add_test(tc, an_object_the_normaliser_refuses_is_allowed_with_a_warning);
    tcase_add_test(tc, a_patch_that_would_take_the_object_past_the_weight_bound_is_not_sent);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
