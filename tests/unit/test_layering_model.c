/* Pod-template layering under random edits, against a model of what the user wrote in each
 * layer. The user edits the layered role template (kubectl edit: what they see), and
 * spec.podTemplate, and another mutating webhook now and then adds to the role's template.
 * The model keeps, per layer, the labels and the main container's env variables the user (or
 * that webhook) wrote there: a value set in the role's template is the role's own from then
 * on, even when it equals an inherited one; a value removed from it is no longer its own (an
 * inherited one shows again); everything else the role inherits keeps following the cluster
 * defaults and spec.podTemplate (reference: podTemplate layering; common/own_templates.h).
 * After every UPDATE (fo_normalize_admission with the stored object as the previous version),
 * both roles' templates must be what the model layers, the controller
 * (fo_normalize_resource, without the previous version) must find the same, and normalising
 * the result again must change nothing. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/own_templates.h"
#include "common/podtemplate.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

/* What was written in each layer: maps of label -> value and env name -> value. */
typedef struct model {
    json_t *defaults_labels; /* the cluster defaults' role template */
    json_t *common_labels, *common_env;
    json_t *own_labels, *own_env; /* the JobManager's own */
} model;

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* few keys and values, so that pins equal to an inherited value and removals of values a
 * layer below also has come often */
static const char *const label_keys[] = {"team", "tier", "cost-center", "mine"};
static const char *const label_values[] = {"a", "payments", "42"};
static const char *const env_names[] = {"A", "B"};
static const char *const env_values[] = {"1", "2"};
#define PICK(list) (list)[rnd(sizeof(list) / sizeof((list)[0]))]

static fo_cluster_defaults *test_defaults(void)
{
    return fo_test_load_cluster_defaults("admission-cluster-defaults.yaml");
}

static json_t *labels_of(json_t *tmpl)
{
    return fo_json_ensure_object(fo_json_ensure_object(tmpl, "metadata"), "labels");
}

/* The main container's env list in tmpl, created when absent. */
static json_t *env_of(json_t *tmpl)
{
    json_t *spec = fo_json_ensure_object(tmpl, "spec");
    json_t *containers = json_object_get(spec, "containers");
    if (!json_is_array(containers)) {
        containers = json_array();
        json_object_set_new(spec, "containers", containers);
    }
    json_t *main = NULL;
    for (size_t i = 0; !main && i < json_array_size(containers); i++)
        if (!strcmp(fo_json_str(json_array_get(containers, i), "name"), FO_MAIN_CONTAINER))
            main = json_array_get(containers, i);
    if (!main) {
        main = json_pack("{s:s}", "name", FO_MAIN_CONTAINER);
        json_array_append_new(containers, main);
    }
    json_t *env = json_object_get(main, "env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(main, "env", env);
    }
    return env;
}

static ssize_t env_index(const json_t *env, const char *name)
{
    for (size_t i = 0; i < json_array_size(env); i++)
        if (!strcmp(fo_json_str(json_array_get(env, i), "name"), name))
            return (ssize_t)i;
    return -1;
}

/* The env list as a map; every name once. */
static json_t *env_map(const char *where, int round, const json_t *env)
{
    json_t *map = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(env, i, e)
    {
        const char *name = fo_json_str(e, "name");
        ck_assert_msg(!json_object_get(map, name), "round %d: %s: env %s twice", round, where,
                      name);
        json_object_set_new(map, name, json_string(fo_json_str(e, "value")));
    }
    return map;
}

/* Set label or env key to value in a template as an edit would, and note it in the layer's
 * maps when it changes what the template showed (setting a value it already shows is no
 * edit). */
static void set_label(json_t *tmpl, json_t *layer, const char *key, const char *value)
{
    json_t *labels = labels_of(tmpl);
    const char *shown = fo_json_str(labels, key);
    if (shown && !strcmp(shown, value))
        return;
    json_object_set_new(labels, key, json_string(value));
    json_object_set_new(layer, key, json_string(value));
}

static void remove_label(json_t *tmpl, json_t *layer, const char *key)
{
    json_t *labels = labels_of(tmpl);
    if (!json_object_get(labels, key))
        return;
    json_object_del(labels, key);
    json_object_del(layer, key);
}

static void set_env(json_t *tmpl, json_t *layer, const char *name, const char *value)
{
    json_t *env = env_of(tmpl);
    ssize_t at = env_index(env, name);
    if (at >= 0 && !strcmp(fo_json_str(json_array_get(env, (size_t)at), "value"), value))
        return;
    if (at >= 0)
        json_object_set_new(json_array_get(env, (size_t)at), "value", json_string(value));
    else
        json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", value));
    json_object_set_new(layer, name, json_string(value));
}

static void remove_env(json_t *tmpl, json_t *layer, const char *name)
{
    json_t *env = env_of(tmpl);
    ssize_t at = env_index(env, name);
    if (at < 0)
        return;
    json_array_remove(env, (size_t)at);
    json_object_del(layer, name);
}

/* One random edit of the JobManager's template or of spec.podTemplate in obj. */
static void random_edit(json_t *obj, model *m)
{
    json_t *role = fo_json_get(obj, "spec.jobManager.podTemplate");
    json_t *common = fo_json_get(obj, "spec.podTemplate");
    bool own = rnd(2) == 0;
    json_t *tmpl = own ? role : common;
    json_t *labels = own ? m->own_labels : m->common_labels;
    json_t *env = own ? m->own_env : m->common_env;
    switch (rnd(4)) {
    case 0:
        set_label(tmpl, labels, PICK(label_keys), PICK(label_values));
        break;
    case 1:
        remove_label(tmpl, labels, PICK(label_keys));
        break;
    case 2:
        set_env(tmpl, env, PICK(env_names), PICK(env_values));
        break;
    default:
        remove_env(tmpl, env, PICK(env_names));
        break;
    }
}

/* Layers of maps, lowest first, into one. */
static json_t *layered(const json_t *a, const json_t *b, const json_t *c)
{
    json_t *out = json_object();
    const json_t *layers[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (layers[i])
            json_object_update(out, (json_t *)layers[i]);
    return out;
}

static void assert_map(const char *what, int round, json_t *got, json_t *want)
{
    if (!fo_json_equal(got, want)) {
        char *g = fo_json_dumps_canonical(got), *w = fo_json_dumps_canonical(want);
        ck_abort_msg("round %d: %s:\n got  %s\n want %s", round, what, g, w);
    }
    json_decref(got);
    json_decref(want);
}

/* Both roles' templates in obj are what the model layers. */
static void assert_model(const json_t *obj, const model *m, int round)
{
    json_t *jm = json_deep_copy(fo_json_get(obj, "spec.jobManager.podTemplate"));
    json_t *tm = json_deep_copy(fo_json_get(obj, "spec.taskManager.podTemplate"));
    ck_assert_ptr_nonnull(jm);
    ck_assert_ptr_nonnull(tm);
    assert_map("JobManager labels", round, json_incref(labels_of(jm)),
               layered(m->defaults_labels, m->common_labels, m->own_labels));
    assert_map("JobManager env", round, env_map("JobManager", round, env_of(jm)),
               layered(NULL, m->common_env, m->own_env));
    assert_map("TaskManager labels", round, json_incref(labels_of(tm)),
               layered(m->defaults_labels, m->common_labels, NULL));
    assert_map("TaskManager env", round, env_map("TaskManager", round, env_of(tm)),
               layered(NULL, m->common_env, NULL));
    json_decref(jm);
    json_decref(tm);
}

static json_t *admit(const json_t *obj, const json_t *old, const fo_cluster_defaults *cd)
{
    json_t *out = json_deep_copy(obj);
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_normalize_admission(out, old, cd, false, &err) == FO_OK, "%s", err.message);
    return out;
}

START_TEST(random_edits_leave_what_the_role_inherits_following)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    model m = {
        .defaults_labels = json_deep_copy(fo_json_get(
            fo_cluster_defaults_pod_template(cd, FO_ROLE_JOBMANAGER), "metadata.labels")),
        .common_labels = json_deep_copy(fo_json_get(obj, "spec.podTemplate.metadata.labels")),
        .common_env = json_object(),
        .own_labels = json_deep_copy(fo_json_get(obj, "spec.jobManager.podTemplate.metadata."
                                                      "labels")),
        .own_env = json_object(),
    };
    ck_assert_ptr_nonnull(m.defaults_labels);
    set_env(fo_json_get(obj, "spec.podTemplate"), m.common_env, "A", "1");
    json_t *stored = admit(obj, NULL, cd);
    assert_model(stored, &m, -1);
    for (int round = 0; round < 400; round++) {
        if (rnd(5) == 0) { /* another mutating webhook after ours changed the stored template */
            json_t *tmpl = fo_json_get(stored, "spec.jobManager.podTemplate");
            static const char *const keys[] = {"injected", "team", "mine"};
            if (rnd(2))
                set_label(tmpl, m.own_labels, PICK(keys), PICK(label_values));
            else
                set_env(tmpl, m.own_env, rnd(2) ? "PROXY" : "A", PICK(env_values));
        }
        json_t *edited = json_deep_copy(stored);
        for (unsigned k = 0, n = 1 + rnd(3); k < n; k++)
            random_edit(edited, &m);
        json_t *next = admit(edited, stored, cd);
        assert_model(next, &m, round);

        json_t *again = admit(next, next, cd);
        ck_assert_msg(fo_json_equal(again, next), "round %d: a second pass changed it", round);
        json_t *ctl = json_deep_copy(next);
        fo_err err;
        ck_assert_int_eq(fo_normalize_resource(ctl, cd, &err), FO_OK);
        ck_assert_msg(fo_json_equal(fo_json_get(ctl, "spec"), fo_json_get(next, "spec")),
                      "round %d: the controller layers otherwise", round);
        json_decref(ctl);
        json_decref(again);
        json_decref(edited);
        json_decref(stored);
        stored = next;
    }
    json_decref(stored);
    json_decref(obj);
    json_decref(m.defaults_labels);
    json_decref(m.common_labels);
    json_decref(m.common_env);
    json_decref(m.own_labels);
    json_decref(m.own_env);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A FlinkDeployment of the fixture with spec.podTemplate and the JobManager's template as
 * given (JSON), admitted (CREATE), as stored. */
static json_t *stored_with(const char *common, const char *role, const fo_cluster_defaults *cd)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    json_t *spec = json_object_get(obj, "spec");
    json_object_set_new(spec, "podTemplate", json_loads(common, 0, NULL));
    json_object_set_new(json_object_get(spec, "jobManager"), "podTemplate",
                        json_loads(role, 0, NULL));
    ck_assert_ptr_nonnull(fo_json_get(obj, "spec.podTemplate"));
    ck_assert_ptr_nonnull(fo_json_get(obj, "spec.jobManager.podTemplate"));
    json_t *stored = admit(obj, NULL, cd);
    json_decref(obj);
    return stored;
}

/* The UPDATE of stored whose JobManager label x the user set to value (kubectl edit). */
static json_t *edit_role_label(const json_t *stored, const char *value,
                               const fo_cluster_defaults *cd)
{
    json_t *edited = json_deep_copy(stored);
    json_object_set_new(labels_of(fo_json_get(edited, "spec.jobManager.podTemplate")), "x",
                        json_string(value));
    json_t *next = admit(edited, stored, cd);
    json_decref(edited);
    return next;
}

/* The UPDATE of stored with spec.podTemplate replaced by common (JSON). */
static json_t *replace_common(const json_t *stored, const char *common,
                              const fo_cluster_defaults *cd)
{
    json_t *edited = json_deep_copy(stored);
    json_object_set_new(json_object_get(edited, "spec"), "podTemplate",
                        json_loads(common, 0, NULL));
    json_t *next = admit(edited, stored, cd);
    json_decref(edited);
    return next;
}

/* A volume of the role's own over one of spec.podTemplate with the same name: the layered one
 * holds the lower one's nested members too (a volume keeps only the sources the upper one
 * names, and merges inside them), so it never equals the role's own. An unrelated edit of
 * the role must not lose it. */
START_TEST(an_edit_keeps_the_roles_own_volume_over_an_inherited_one)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 = stored_with(
        "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"c\","
        "\"items\":[{\"key\":\"a\",\"path\":\"a\"}]}}]}}",
        "{\"metadata\":{\"labels\":{\"x\":\"1\"}},\"spec\":{\"volumes\":[{\"name\":\"v\","
        "\"configMap\":{\"name\":\"mine\"}}]}}",
        cd);
    json_t *s1 = edit_role_label(s0, "2", cd);
    ck_assert_str_eq(fo_json_get_str(json_array_get(fo_json_get(s1, "spec.jobManager."
                                                                    "podTemplate.spec.volumes"),
                                                    0),
                                     "configMap.name"),
                     "mine");
    json_t *s2 =
        replace_common(s1, "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}", cd);
    json_t *v = json_array_get(fo_json_get(s2, "spec.jobManager.podTemplate.spec.volumes"), 0);
    ck_assert_str_eq(fo_json_get_str(v, "configMap.name"), "mine");
    ck_assert_ptr_null(json_object_get(v, "emptyDir"));
    json_decref(s2);
    json_decref(s1);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Elements of the role's own that are their keys alone (an env var that must exist, a port)
 * over richer inherited ones stay the role's through an unrelated edit, and so does what is
 * left of an element when an edit removes all but its key: when spec.podTemplate drops them
 * later, the role still has them. */
START_TEST(an_edit_keeps_elements_of_the_roles_own_reduced_to_their_keys)
{
    fo_cluster_defaults *cd = test_defaults();
    const char *common = "{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\","
                         "\"env\":[{\"name\":\"X\",\"value\":\"1\"}],"
                         "\"ports\":[{\"containerPort\":8081,\"name\":\"ui\"}]}]}}";
    for (int removal = 0; removal < 2; removal++) {
        json_t *s0 = stored_with(
            common,
            removal ? "{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\","
                      "\"env\":[{\"name\":\"X\",\"value\":\"v\"}],"
                      "\"ports\":[{\"containerPort\":8081,\"name\":\"mine\"}]}]}}"
                    : "{\"metadata\":{\"labels\":{\"x\":\"1\"}},\"spec\":{\"containers\":[{"
                      "\"name\":\"flink-main-container\",\"env\":[{\"name\":\"X\"}],"
                      "\"ports\":[{\"containerPort\":8081}]}]}}",
            cd);
        json_t *s1 = NULL;
        if (removal) { /* the edit takes X's value and the port's name out */
            json_t *edited = json_deep_copy(s0);
            json_t *main = json_array_get(
                fo_json_get(edited, "spec.jobManager.podTemplate.spec.containers"), 0);
            json_object_del(json_array_get(json_object_get(main, "env"), 0), "value");
            json_object_del(json_array_get(json_object_get(main, "ports"), 0), "name");
            s1 = admit(edited, s0, cd);
            json_decref(edited);
        } else {
            s1 = edit_role_label(s0, "2", cd);
        }
        json_t *s2 = replace_common(s1, "{\"metadata\":{\"labels\":{\"c\":\"1\"}}}", cd);
        json_t *main =
            json_array_get(fo_json_get(s2, "spec.jobManager.podTemplate.spec.containers"), 0);
        ck_assert_msg(fo_json_str(main, "name") &&
                          !strcmp(fo_json_str(main, "name"), FO_MAIN_CONTAINER),
                      "case %d: the main container went", removal);
        ck_assert_uint_eq(json_array_size(json_object_get(main, "env")), 1);
        ck_assert_str_eq(fo_json_str(json_array_get(json_object_get(main, "env"), 0), "name"), "X");
        ck_assert_uint_eq(json_array_size(json_object_get(main, "ports")), 1);
        json_decref(s2);
        json_decref(s1);
        json_decref(s0);
    }
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A removal from a long list of the role's own (300 env vars, past any bound of pairwise
 * comparison) sticks. */
START_TEST(a_removal_from_a_long_own_list_sticks)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 =
        stored_with("{\"metadata\":{\"labels\":{\"c\":\"1\"}}}",
                    "{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\"}]}}", cd);
    json_t *edited = json_deep_copy(s0);
    json_t *env = env_of(fo_json_get(edited, "spec.jobManager.podTemplate"));
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", "x"));
    }
    json_t *s1 = admit(edited, s0, cd);
    json_decref(edited);
    edited = json_deep_copy(s1);
    json_array_remove(env_of(fo_json_get(edited, "spec.jobManager.podTemplate")), 0);
    json_t *s2 = admit(edited, s1, cd);
    json_t *got = env_of(fo_json_get(s2, "spec.jobManager.podTemplate"));
    ck_assert_uint_eq(json_array_size(got), 299);
    ck_assert_int_eq(env_index(got, "V0"), -1);
    json_decref(s2);
    json_decref(edited);
    json_decref(s1);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* The env list of the JobManager's main container in obj. */
static json_t *jm_env(json_t *obj)
{
    return env_of(fo_json_get(obj, "spec.jobManager.podTemplate"));
}

/* Two env vars of one name in the role's own (as a user may write them): taking the first out
 * leaves the second, once. */
START_TEST(taking_out_one_of_two_own_elements_with_one_key_leaves_the_other_once)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 = stored_with("{\"metadata\":{\"labels\":{\"c\":\"1\"}}}",
                             "{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\","
                             "\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"A\","
                             "\"value\":\"2\"}]}]}}",
                             cd);
    json_t *edited = json_deep_copy(s0);
    json_array_remove(jm_env(edited), 0);
    json_t *s1 = admit(edited, s0, cd);
    json_t *env = jm_env(s1);
    ck_assert_uint_eq(json_array_size(env), 1);
    ck_assert_str_eq(fo_json_str(json_array_get(env, 0), "value"), "2");
    json_decref(s1);
    json_decref(edited);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* An edit of one of two inherited env vars with one name makes that one the role's own, not
 * the whole template: a later label of spec.podTemplate still reaches the role. */
START_TEST(an_edit_among_inherited_elements_with_one_key_leaves_the_rest_following)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 =
        stored_with("{\"metadata\":{\"labels\":{\"team\":\"a\"}},\"spec\":{"
                    "\"containers\":[{\"name\":\"flink-main-container\",\"env\":[{"
                    "\"name\":\"A\",\"value\":\"0\"},{\"name\":\"A\",\"value\":\"1\"}]}]}}",
                    "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", cd);
    json_t *edited = json_deep_copy(s0);
    json_object_set_new(json_array_get(jm_env(edited), 1), "value", json_string("9"));
    json_t *s1 = admit(edited, s0, cd);
    json_t *later = json_deep_copy(s1);
    json_object_set_new(fo_json_get(later, "spec.podTemplate.metadata.labels"), "team",
                        json_string("b"));
    json_t *s2 = admit(later, s1, cd);
    ck_assert_str_eq(fo_json_get_str(s2, "spec.jobManager.podTemplate.metadata.labels.team"), "b");
    ck_assert_str_eq(fo_json_str(json_array_get(jm_env(s2), 1), "value"), "9");
    json_decref(s2);
    json_decref(later);
    json_decref(s1);
    json_decref(edited);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* An edit of one env var among 300 inherited ones makes only that one the role's own: a later
 * change of another in spec.podTemplate reaches the role (a bound on pairwise comparison made
 * the whole list the role's own, frozen). */
START_TEST(an_edit_in_a_long_inherited_list_leaves_the_rest_following)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 = stored_with("{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\"}]}}",
                             "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", cd);
    json_t *grown = json_deep_copy(s0);
    json_t *common_env = env_of(fo_json_get(grown, "spec.podTemplate"));
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        json_array_append_new(common_env, json_pack("{s:s, s:s}", "name", name, "value", "x"));
    }
    json_t *s1 = admit(grown, s0, cd);
    json_t *edited = json_deep_copy(s1);
    json_object_set_new(json_array_get(jm_env(edited), 1), "value", json_string("mine"));
    json_t *s2 = admit(edited, s1, cd);
    json_t *later = json_deep_copy(s2);
    json_object_set_new(json_array_get(env_of(fo_json_get(later, "spec.podTemplate")), 2), "value",
                        json_string("new"));
    json_t *s3 = admit(later, s2, cd);
    ck_assert_str_eq(fo_json_str(json_array_get(jm_env(s3), 1), "value"), "mine");
    ck_assert_str_eq(fo_json_str(json_array_get(jm_env(s3), 2), "value"), "new");
    json_t *to_free[] = {s3, later, s2, edited, s1, grown, s0};
    for (size_t i = 0; i < sizeof to_free / sizeof to_free[0]; i++)
        json_decref(to_free[i]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* jansson's allocations fail after `alloc_budget` of them (the test's out-of-memory). */
static long alloc_budget;
static void *budget_malloc(size_t n)
{
    return alloc_budget-- > 0 ? malloc(n) : NULL;
}

/* Out of memory at every allocation in turn while an UPDATE is layered: it fails, or gives
 * the whole result (a NULL from the merge once read as "no template anywhere" and deleted
 * the role's template and its record). */
START_TEST(out_of_memory_while_layering_fails_or_gives_all)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 = stored_with("{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
                             "{\"metadata\":{\"labels\":{\"x\":\"1\"}},\"spec\":{\"containers\":[{"
                             "\"name\":\"flink-main-container\",\"env\":[{\"name\":\"A\","
                             "\"value\":\"1\"}]}]}}",
                             cd);
    json_t *edited = json_deep_copy(s0);
    json_object_set_new(fo_json_get(edited, "spec.podTemplate.metadata.labels"), "team",
                        json_string("b"));
    json_t *want = admit(edited, s0, cd);
    bool finished = false;
    for (long budget = 0; !finished && budget < 100000; budget++) {
        json_t *obj = json_deep_copy(edited);
        fo_err err;
        fo_err_clear(&err);
        alloc_budget = budget;
        json_set_alloc_funcs(budget_malloc, free);
        fo_rc rc = fo_normalize_admission(obj, s0, cd, false, &err);
        finished = alloc_budget > 0;
        json_set_alloc_funcs(malloc, free);
        ck_assert_msg(rc != FO_OK || fo_json_equal(obj, want),
                      "budget %ld: layered without all its layers", budget);
        json_decref(obj);
    }
    ck_assert(finished);
    json_decref(want);
    json_decref(edited);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A role's own template of 8,000 env vars: a record that fo_own_templates_read would not
 * build back is not written, and the next UPDATE changes nothing (a second pass took the
 * unreadable record away). */
START_TEST(a_record_too_heavy_to_read_back_is_not_written)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 =
        stored_with("{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
                    "{\"spec\":{\"containers\":[{\"name\":\"flink-main-container\"}]}}", cd);
    json_t *grown = json_deep_copy(s0);
    json_t *env = jm_env(grown);
    for (int i = 0; i < 8000; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", "x"));
    }
    json_t *s1 = admit(grown, s0, cd);
    json_t *s2 = admit(s1, s1, cd);
    ck_assert_msg(fo_json_equal(s1, s2), "a second pass changed it");
    json_t *record = fo_own_templates_read(s1);
    ck_assert_msg(record || !json_object_get(fo_json_get(s1, "metadata.annotations"),
                                             FO_OWN_TEMPLATES_ANNOTATION),
                  "a record that cannot be read back was written");
    json_decref(record);
    json_decref(s2);
    json_decref(s1);
    json_decref(grown);
    json_decref(s0);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Another webhook changed the role's template, then the cluster defaults changed: the record
 * no longer explains the template, yet a value the user pinned in the role equal to the
 * inherited one stays theirs (a later spec.podTemplate change does not reach it). */
START_TEST(a_pin_survives_another_webhooks_change_and_new_cluster_defaults)
{
    fo_err err;
    const char *d1 = "podTemplate:\n  metadata:\n    labels:\n      tier: one\n";
    const char *d2 = "podTemplate:\n  metadata:\n    labels:\n      tier: two\n";
    fo_cluster_defaults *cd1 = fo_cluster_defaults_parse(d1, strlen(d1), &err);
    fo_cluster_defaults *cd2 = fo_cluster_defaults_parse(d2, strlen(d2), &err);
    ck_assert_ptr_nonnull(cd1);
    ck_assert_ptr_nonnull(cd2);
    json_t *s0 = stored_with("{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
                             "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}", cd1);
    json_object_set_new(fo_json_get(s0, "spec.jobManager.podTemplate.metadata.labels"), "injected",
                        json_string("yes")); /* another webhook */
    json_t *edited = json_deep_copy(s0);
    json_object_set_new(fo_json_get(edited, "spec.job"), "parallelism", json_integer(3));
    json_t *s1 = admit(edited, s0, cd2);
    json_t *later = json_deep_copy(s1);
    json_object_set_new(fo_json_get(later, "spec.podTemplate.metadata.labels"), "team",
                        json_string("b"));
    json_t *s2 = admit(later, s1, cd2);
    ck_assert_str_eq(fo_json_get_str(s2, "spec.jobManager.podTemplate.metadata.labels.team"), "a");
    ck_assert_str_eq(fo_json_get_str(s2, "spec.taskManager.podTemplate.metadata.labels.team"), "b");
    ck_assert_str_eq(fo_json_get_str(s2, "spec.jobManager.podTemplate.metadata.labels.injected"),
                     "yes");
    json_t *to_free[] = {s2, later, s1, edited, s0};
    for (size_t i = 0; i < sizeof to_free / sizeof to_free[0]; i++)
        json_decref(to_free[i]);
    fo_cluster_defaults_unref(cd1);
    fo_cluster_defaults_unref(cd2);
}
END_TEST

/* An edit the member-by-member way cannot tell (a port given a name an inherited port has:
 * the merge renames around it, so no smaller layer does the same) falls back to the merge
 * patch, which makes the changed list (the containers) the role's own, no more: a later
 * label of spec.podTemplate reaches the role (the whole template became the role's own,
 * frozen). */
START_TEST(an_edit_that_cannot_be_told_member_by_member_freezes_no_more_than_its_list)
{
    fo_cluster_defaults *cd = test_defaults();
    json_t *s0 = stored_with("{\"metadata\":{\"labels\":{\"team\":\"a\"}},\"spec\":{"
                             "\"containers\":[{\"name\":\"flink-main-container\",\"image\":"
                             "\"img:1\",\"ports\":[{\"containerPort\":80,\"name\":\"web\"}]}]}}",
                             "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", cd);
    json_t *edited = json_deep_copy(s0);
    json_t *main =
        json_array_get(fo_json_get(edited, "spec.jobManager.podTemplate.spec.containers"), 0);
    json_array_append_new(json_object_get(main, "ports"),
                          json_pack("{s:i, s:s}", "containerPort", 81, "name", "web"));
    json_t *s1 = admit(edited, s0, cd);
    json_t *renamed = json_deep_copy(s1);
    main = json_array_get(fo_json_get(renamed, "spec.jobManager.podTemplate.spec.containers"), 0);
    size_t i;
    json_t *port;
    json_array_foreach(json_object_get(main, "ports"), i, port)
    {
        json_int_t n = json_integer_value(json_object_get(port, "containerPort"));
        if (n == 81)
            json_object_set_new(port, "name", json_string("metrics"));
    }
    json_t *s2 = admit(renamed, s1, cd);
    json_t *later = json_deep_copy(s2);
    json_object_set_new(fo_json_get(later, "spec.podTemplate.metadata.labels"), "team",
                        json_string("b"));
    json_object_set_new(json_array_get(fo_json_get(later, "spec.podTemplate.spec.containers"), 0),
                        "image", json_string("img:2"));
    json_t *s3 = admit(later, s2, cd);
    ck_assert_str_eq(fo_json_get_str(s3, "spec.jobManager.podTemplate.metadata.labels.team"), "b");
    ck_assert_str_eq(fo_json_get_str(s3, "spec.taskManager.podTemplate.metadata.labels.team"), "b");
    json_t *to_free[] = {s3, later, s2, renamed, s1, edited, s0};
    for (size_t k = 0; k < sizeof to_free / sizeof to_free[0]; k++)
        json_decref(to_free[k]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layering_model");
    TCase *tc = tcase_create("layering_model");
    tcase_add_test(tc, random_edits_leave_what_the_role_inherits_following);
    tcase_add_test(tc, an_edit_keeps_the_roles_own_volume_over_an_inherited_one);
    tcase_add_test(tc, an_edit_keeps_elements_of_the_roles_own_reduced_to_their_keys);
    tcase_add_test(tc, a_removal_from_a_long_own_list_sticks);
    tcase_add_test(tc, taking_out_one_of_two_own_elements_with_one_key_leaves_the_other_once);
    tcase_add_test(tc, an_edit_among_inherited_elements_with_one_key_leaves_the_rest_following);
    tcase_add_test(tc, an_edit_in_a_long_inherited_list_leaves_the_rest_following);
    tcase_add_test(tc, out_of_memory_while_layering_fails_or_gives_all);
    tcase_add_test(tc, an_edit_that_cannot_be_told_member_by_member_freezes_no_more_than_its_list);
    tcase_add_test(tc, a_record_too_heavy_to_read_back_is_not_written);
    tcase_add_test(tc, a_pin_survives_another_webhooks_change_and_new_cluster_defaults);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
