/* The record of a FlinkDeployment's own role templates (common/own_templates.h) through the
 * normalisation both processes run: a resource is mutated (fo_normalize_admission) and stored
 * as the API server stores it (keys sorted), users change their manifest and kubectl applies
 * the change as a JSON merge patch computed from the last applied manifest (as client-side
 * `kubectl apply` does for custom resources), and what the roles end up with is compared with
 * the layering of the user's own templates (cluster defaults < spec.podTemplate < the role's
 * own: common/podtemplate.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/json_fingerprint.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/own_templates.h"
#include "common/podtemplate.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    ck_assert_msg(v != NULL, "%s: %s", text, jerr.text);
    return v;
}

static fo_cluster_defaults *defaults(const char *yaml)
{
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, strlen(yaml), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    return cd;
}

/* The API server's copy: the same document with every object's keys sorted. */
static json_t *stored(const json_t *obj)
{
    char *text = fo_json_dumps_canonical(obj);
    json_t *out = parse(text);
    free(text);
    return out;
}

/* What the mutating webhook makes of obj (old: the stored version on an UPDATE), stored. */
static json_t *admit(const json_t *obj, const json_t *old, const fo_cluster_defaults *cd)
{
    json_t *copy = json_deep_copy(obj);
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_normalize_admission(copy, old, cd, false, &err) == FO_OK, "%s", err.message);
    json_t *out = stored(copy);
    json_decref(copy);
    return out;
}

/* The merge patch client-side `kubectl apply` sends for a custom resource: what the last
 * applied manifest had and the new one has not is deleted (null), and every value of the new
 * manifest that the live object does not hold as it is gets set (a list whole: lists of
 * custom resources are replaced, so a layered list comes back as the manifest writes it). */
static json_t *three_way(const json_t *last, const json_t *next, const json_t *live)
{
    json_t *patch = json_object();
    const char *key;
    json_t *v;
    if (json_is_object(last))
        json_object_foreach((json_t *)last, key, v)
        {
            if (!json_object_get(next, key))
                json_object_set_new(patch, key, json_null());
        }
    json_object_foreach((json_t *)next, key, v)
    {
        const json_t *lv = json_is_object(live) ? json_object_get(live, key) : NULL;
        if (lv && fo_json_equal(lv, v))
            continue;
        if (json_is_object(v) && json_is_object(lv))
            json_object_set_new(patch, key,
                                three_way(json_is_object(last) ? json_object_get(last, key) : NULL,
                                          v, lv));
        else
            json_object_set(patch, key, v);
    }
    return patch;
}

/* Client-side kubectl apply of `next` over the live object, `last` being the manifest
 * applied before. */
static json_t *kubectl_apply(const json_t *live, const json_t *last, const json_t *next)
{
    json_t *patch = three_way(last, next, live);
    json_t *out = fo_json_merge_patch_apply(live, patch);
    json_decref(patch);
    return out;
}

static void assert_same(const json_t *got, const json_t *want, const char *what)
{
    if (!fo_json_equal(got, want)) {
        char *g = got ? fo_json_dumps_canonical(got) : strdup("(absent)");
        char *w = want ? fo_json_dumps_canonical(want) : strdup("(absent)");
        ck_abort_msg("%s:\n got  %s\n want %s", what, g, w);
    }
}

/* The role's template must be the layering of the user's own templates. */
static void assert_role(const json_t *obj, const char *role, const fo_cluster_defaults *cd,
                        const json_t *common, const json_t *own)
{
    const json_t *layers[] = {
        fo_cluster_defaults_pod_template(cd, strcmp(role, "jobManager") == 0
                                                 ? FO_ROLE_JOBMANAGER
                                                 : FO_ROLE_TASKMANAGER),
        common, own};
    json_t *want = fo_podtemplate_layer(layers, 3);
    const json_t *got = json_object_get(json_object_get(json_object_get(obj, "spec"), role),
                                        "podTemplate");
    assert_same(got, want, role);
    json_decref(want);
}

static const char *const CLUSTER = "podTemplate:\n"
                                   "  metadata: {labels: {tier: cluster}}\n"
                                   "  spec: {priorityClassName: flink-standard}\n";

/* The user's manifest: a common template with an env value and a sidecar, a JobManager
 * template with a label of its own. */
static json_t *manifest(const char *env_value, bool sidecar, bool common)
{
    json_t *m = parse("{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
                      "\"metadata\":{\"name\":\"t\",\"namespace\":\"ns\"},"
                      "\"spec\":{\"image\":\"flink:2.2\",\"flinkVersion\":\"v2_2\","
                      "\"jobManager\":{\"podTemplate\":{\"metadata\":{\"labels\":{\"jm\":\"own\"}}}},"
                      "\"taskManager\":{\"resource\":{\"memory\":\"2g\",\"cpu\":1}}}}");
    if (!common)
        return m;
    json_t *containers = json_array();
    json_array_append_new(containers,
                          json_pack("{s:s, s:[{s:s, s:s}]}", "name", "flink-main-container",
                                    "env", "name", "A", "value", env_value));
    if (sidecar)
        json_array_append_new(containers, json_pack("{s:s, s:s}", "name", "side", "image", "s:1"));
    json_object_set_new(json_object_get(m, "spec"), "podTemplate",
                        json_pack("{s:{s:o}}", "spec", "containers", containers));
    return m;
}

/* The record's annotation in obj, or NULL (fo_json_get splits its key at the dots). */
static const json_t *record_of(const json_t *obj)
{
    return json_object_get(fo_json_get(obj, "metadata.annotations"), FO_OWN_TEMPLATES_ANNOTATION);
}

static const json_t *common_of(const json_t *m)
{
    return json_object_get(json_object_get(m, "spec"), "podTemplate");
}

static const json_t *jm_own_of(const json_t *m)
{
    return fo_json_get(m, "spec.jobManager.podTemplate");
}

/* Create, then edit the common template through kubectl apply: an env value changes and
 * the sidecar goes, in both roles; then spec.podTemplate goes altogether. */
START_TEST(changes_to_the_common_template_reach_the_roles)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *live = admit(m1, NULL, cd);
    assert_role(live, "jobManager", cd, common_of(m1), jm_own_of(m1));
    assert_role(live, "taskManager", cd, common_of(m1), NULL);
    ck_assert_ptr_nonnull(record_of(live));

    json_t *m2 = manifest("2", false, true);
    json_t *sent = kubectl_apply(live, m1, m2);
    json_t *live2 = admit(sent, live, cd);
    assert_role(live2, "jobManager", cd, common_of(m2), jm_own_of(m2));
    assert_role(live2, "taskManager", cd, common_of(m2), NULL);

    json_t *m3 = manifest("2", false, false);
    json_t *sent3 = kubectl_apply(live2, m2, m3);
    json_t *live3 = admit(sent3, live2, cd);
    assert_role(live3, "jobManager", cd, NULL, jm_own_of(m3));
    assert_role(live3, "taskManager", cd, NULL, NULL);

    json_t *objs[] = {m1, live, m2, sent, live2, m3, sent3, live3};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        json_decref(objs[i]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A change to the JobManager's own template (kubectl apply of the edited manifest, which
 * patches the layered template) is the user's: it stays, and a later change to the common
 * template still reaches the role. */
START_TEST(an_edit_of_a_role_template_is_kept_and_the_common_one_still_reaches_it)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *live = admit(m1, NULL, cd);

    json_t *m2 = manifest("1", true, true);
    json_object_set_new(json_object_get(json_object_get(jm_own_of(m2), "metadata"), "labels"),
                        "jm", json_string("edited"));
    json_t *sent = kubectl_apply(live, m1, m2);
    json_t *live2 = admit(sent, live, cd);
    assert_role(live2, "jobManager", cd, common_of(m2), jm_own_of(m2));

    json_t *m3 = manifest("3", false, true);
    json_object_set_new(json_object_get(json_object_get(jm_own_of(m3), "metadata"), "labels"),
                        "jm", json_string("edited"));
    json_t *sent3 = kubectl_apply(live2, m2, m3);
    json_t *live3 = admit(sent3, live2, cd);
    assert_role(live3, "jobManager", cd, common_of(m3), jm_own_of(m3));
    assert_role(live3, "taskManager", cd, common_of(m3), NULL);

    json_t *objs[] = {m1, live, m2, sent, live2, m3, sent3, live3};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        json_decref(objs[i]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Client-side kubectl apply as it really goes: the patch also sets the last applied manifest
 * annotation (and a CREATE carries it). */
static json_t *with_last_applied(const json_t *obj, const json_t *manifest)
{
    json_t *out = json_deep_copy(obj);
    char *text = fo_json_dumps_compact(manifest);
    json_t *meta = fo_json_ensure_object(out, "metadata");
    json_object_set_new(fo_json_ensure_object(meta, "annotations"), FO_LAST_APPLIED_ANNOTATION,
                        json_string(text));
    free(text);
    return out;
}

/* A value moved from spec.podTemplate into a role's own template, where kubectl sends nothing
 * for it (the layered template already held the same value): the last applied manifest says
 * it is the role's own now, so it stays in the JobManager and leaves the TaskManager; applying
 * the same file again changes nothing. */
START_TEST(a_value_moved_into_a_role_template_by_kubectl_apply_stays_there)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = parse("{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
                       "\"metadata\":{\"name\":\"t\"},\"spec\":{\"image\":\"flink:2.2\","
                       "\"podTemplate\":{\"spec\":{\"serviceAccountName\":\"flink\"}},"
                       "\"jobManager\":{\"podTemplate\":{\"metadata\":{\"labels\":{\"jm\":\"1\"}}}}}}");
    json_t *m2 = parse("{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\","
                       "\"metadata\":{\"name\":\"t\"},\"spec\":{\"image\":\"flink:2.2\","
                       "\"jobManager\":{\"podTemplate\":{\"metadata\":{\"labels\":{\"jm\":\"1\"}},"
                       "\"spec\":{\"serviceAccountName\":\"flink\"}}}}}");
    json_t *created = with_last_applied(m1, m1);
    json_t *live = admit(created, NULL, cd);
    json_t *patched = kubectl_apply(live, m1, m2);
    json_t *sent = with_last_applied(patched, m2);
    json_t *live2 = admit(sent, live, cd);
    assert_role(live2, "jobManager", cd, NULL, jm_own_of(m2));
    assert_role(live2, "taskManager", cd, NULL, NULL);
    json_t *again_patched = kubectl_apply(live2, m2, m2);
    json_t *again_sent = with_last_applied(again_patched, m2);
    json_t *live3 = admit(again_sent, live2, cd);
    ck_assert(fo_json_equal(live3, live2));
    json_t *objs[] = {m1, m2, created, live, patched, sent, live2, again_patched, again_sent, live3};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        json_decref(objs[i]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* An object stored before records (its role templates layered, no annotation): the next
 * kubectl apply of a changed manifest takes the roles' own templates from the manifest, so
 * the change to spec.podTemplate reaches them. */
START_TEST(an_object_without_a_record_takes_its_own_templates_from_the_applied_manifest)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *recorded = admit(m1, NULL, cd);
    json_object_del(fo_json_get(recorded, "metadata.annotations"), FO_OWN_TEMPLATES_ANNOTATION);
    json_t *legacy = with_last_applied(recorded, m1);
    json_t *m2 = manifest("2", false, true);
    json_t *patched = kubectl_apply(legacy, m1, m2);
    json_t *sent = with_last_applied(patched, m2);
    json_t *live = admit(sent, legacy, cd);
    assert_role(live, "jobManager", cd, common_of(m2), jm_own_of(m2));
    assert_role(live, "taskManager", cd, common_of(m2), NULL);
    ck_assert_ptr_nonnull(record_of(live));
    json_t *objs[] = {m1, recorded, legacy, m2, patched, sent, live};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        json_decref(objs[i]);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Mutating what was stored again changes nothing (no perpetual drift for GitOps tools), as
 * an UPDATE with the stored object as oldObject and without, and kubectl apply of the same
 * manifest (which sends the layered lists back as the manifest writes them) comes back to
 * the stored object. */
START_TEST(mutating_the_stored_object_again_changes_nothing)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *jm_containers = json_pack("[{s:s, s:s}]", "name", "jm-side", "image", "j:1");
    json_object_set_new(json_object_get(jm_own_of(m1), "metadata"), "annotations",
                        json_pack("{s:s}", "a", "b"));
    json_object_set_new((json_t *)jm_own_of(m1), "spec",
                        json_pack("{s:o}", "containers", jm_containers));
    json_t *live = admit(m1, NULL, cd);
    json_t *reapplied = kubectl_apply(live, m1, m1);
    ck_assert(!fo_json_equal(reapplied, live)); /* the JobManager's containers came back */
    json_t *back = admit(reapplied, live, cd);
    ck_assert(fo_json_equal(back, live));
    json_decref(back);
    json_decref(reapplied);
    json_t *again = admit(live, live, cd);
    ck_assert(fo_json_equal(again, live));
    json_t *again_create = admit(live, NULL, cd);
    ck_assert(fo_json_equal(again_create, live));
    json_decref(again);
    json_decref(again_create);
    json_decref(live);
    json_decref(m1);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* The controller layers the stored object on every pass (fo_normalize_resource): a change to
 * the cluster defaults, or to spec.podTemplate written past the webhook, reaches the roles
 * through the record too. */
START_TEST(the_controller_layers_the_own_templates_over_changed_lower_layers)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *live = admit(m1, NULL, cd);

    fo_cluster_defaults *cd2 = defaults("podTemplate:\n"
                                        "  metadata: {labels: {tier: changed}}\n");
    json_t *want = json_deep_copy(live);
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_normalize_resource(want, cd2, &err), FO_OK);
    assert_role(want, "jobManager", cd2, common_of(m1), jm_own_of(m1));
    assert_role(want, "taskManager", cd2, common_of(m1), NULL);
    json_decref(want);

    json_t *m2 = manifest("2", false, true);
    json_t *written = kubectl_apply(live, m1, m2); /* no webhook on the way */
    ck_assert_int_eq(fo_normalize_resource(written, cd, &err), FO_OK);
    assert_role(written, "jobManager", cd, common_of(m2), jm_own_of(m2));
    json_decref(written);

    json_decref(live);
    json_decref(m1);
    json_decref(m2);
    fo_cluster_defaults_unref(cd);
    fo_cluster_defaults_unref(cd2);
}
END_TEST

/* Without a usable record the role's template is the own layer, as before records existed:
 * no annotation, a broken one, a role template changed with no previous version to compare
 * with, and a server-side apply that took the layered fields and the annotation back. */
START_TEST(without_a_usable_record_the_role_template_is_the_own_layer)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m1 = manifest("1", true, true);
    json_t *live = admit(m1, NULL, cd);
    const json_t *layered_jm = fo_json_get(live, "spec.jobManager.podTemplate");

    const char *broken[] = {"not json", "[]", "{\"jobManager\":{\"own\":{}}}",
                            "{\"jobManager\":{\"fingerprint\":\"0\",\"own\":[]}}",
                            /* a key with NUL would be layered as a shorter one */
                            "{\"jobManager\":{\"fingerprint\":\"0\",\"lower\":\"0\","
                            "\"own\":{\"metadata\":{\"labels\":{\"a\\u0000b\":\"x\"}}}}}"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        json_t *obj = json_deep_copy(live);
        json_object_set_new(fo_json_get(obj, "metadata.annotations"),
                            FO_OWN_TEMPLATES_ANNOTATION, json_string(broken[i]));
        ck_assert_ptr_null(fo_own_templates_read(obj));
        json_t *m2 = manifest("2", false, true);
        json_t *sent = kubectl_apply(obj, m1, m2);
        json_t *out = admit(sent, obj, cd);
        /* the layered JobManager template was taken as the user's own: its old values win */
        assert_role(out, "jobManager", cd, common_of(m2), layered_jm);
        json_decref(out);
        json_decref(sent);
        json_decref(m2);
        json_decref(obj);
    }

    /* the role template changed, nothing to compare with (a CREATE of a copied object) */
    json_t *edited = json_deep_copy(live);
    json_object_set_new(fo_json_get(edited, "spec.jobManager.podTemplate.metadata.labels"), "x",
                        json_string("y"));
    json_t *out = admit(edited, NULL, cd);
    assert_role(out, "jobManager", cd, common_of(m1),
                fo_json_get(edited, "spec.jobManager.podTemplate"));
    json_decref(out);
    json_decref(edited);

    /* server-side apply gives back the manifest's own template and drops the annotation */
    json_t *ssa = json_deep_copy(live);
    json_object_del(fo_json_get(ssa, "metadata.annotations"), FO_OWN_TEMPLATES_ANNOTATION);
    json_object_set(fo_json_get(ssa, "spec.jobManager"), "podTemplate",
                    (json_t *)jm_own_of(m1));
    json_object_del(fo_json_get(ssa, "spec.taskManager"), "podTemplate");
    json_t *ssa_out = admit(ssa, live, cd);
    assert_role(ssa_out, "jobManager", cd, common_of(m1), jm_own_of(m1));
    assert_role(ssa_out, "taskManager", cd, common_of(m1), NULL);
    json_t *again = admit(ssa_out, ssa_out, cd);
    ck_assert(fo_json_equal(again, ssa_out));
    json_decref(again);
    json_decref(ssa_out);
    json_decref(ssa);

    json_decref(live);
    json_decref(m1);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* An object with kubectl's last applied manifest text (NULL: none). */
static json_t *applied_object(const char *manifest_text)
{
    json_t *obj = parse("{\"metadata\":{\"annotations\":{}},\"spec\":{}}");
    if (manifest_text)
        json_object_set_new(fo_json_get(obj, "metadata.annotations"),
                            FO_LAST_APPLIED_ANNOTATION, json_string(manifest_text));
    return obj;
}

/* Whether fo_own_applied_read gives manifests for these texts (then both, or only `now` when
 * there is no previous one). */
static bool manifests_used(const char *now_text, const char *before_text)
{
    json_t *obj = applied_object(now_text), *old = applied_object(before_text);
    fo_own_applied a;
    fo_own_applied_read(obj, old, &a);
    bool used = a.now != NULL;
    ck_assert(!a.before || a.now); /* never the previous one alone */
    if (used && before_text)
        ck_assert_ptr_nonnull(a.before);
    fo_own_applied_release(&a);
    json_decref(obj);
    json_decref(old);
    return used;
}

/* A key with NUL in a role template of either manifest would be layered as a shorter one (and
 * a change from or to it cannot be told): then neither manifest is used, as without them. NUL
 * elsewhere in a manifest (not read) or in values does not matter. */
START_TEST(manifests_with_nul_in_a_role_template_key_are_not_used)
{
    static const char plain[] = "{\"spec\":{\"jobManager\":{\"podTemplate\":"
                                "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}}}}";
    static const char other[] = "{\"spec\":{\"jobManager\":{\"podTemplate\":"
                                "{\"metadata\":{\"labels\":{\"a\":\"2\"}}}}}}";
    static const char nul_key[] = "{\"spec\":{\"taskManager\":{\"podTemplate\":"
                                  "{\"metadata\":{\"labels\":{\"a\\u0000b\":\"1\"}}}}}}";
    static const char nul_elsewhere[] =
        "{\"metadata\":{\"labels\":{\"a\\u0000b\":\"1\"}},\"spec\":{\"jobManager\":"
        "{\"podTemplate\":{\"metadata\":{\"labels\":{\"a\":\"x\\u0000y\"}}}}}}";
    ck_assert(manifests_used(plain, other));
    ck_assert(manifests_used(plain, NULL));
    ck_assert(manifests_used(nul_elsewhere, plain));
    ck_assert(manifests_used(plain, nul_elsewhere));
    ck_assert(!manifests_used(nul_key, plain));
    ck_assert(!manifests_used(plain, nul_key));
    ck_assert(!manifests_used(nul_key, NULL));
    ck_assert(!manifests_used(plain, plain)); /* unchanged: nothing to tell */
}
END_TEST

/* A record that would take the annotations past the API server's 256 KiB is not written (the
 * object would be refused): the templates are layered all the same. */
START_TEST(a_record_too_large_for_the_annotations_is_left_out)
{
    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *m = manifest("1", true, true);
    char *big = malloc(200001);
    memset(big, 'x', 200000);
    big[200000] = '\0';
    json_object_set_new(json_object_get(m, "metadata"), "annotations",
                        json_pack("{s:s}", "big", big));
    memset(big, 'y', 70000);
    big[70000] = '\0';
    json_object_set_new(fo_json_get(m, "spec.jobManager.podTemplate.metadata.labels"), "long",
                        json_string(big));
    free(big);
    json_t *live = admit(m, NULL, cd);
    ck_assert_ptr_null(record_of(live));
    assert_role(live, "jobManager", cd, common_of(m), jm_own_of(m));
    json_t *small = manifest("1", true, true); /* the control: recorded */
    json_t *small_live = admit(small, NULL, cd);
    ck_assert_ptr_nonnull(record_of(small_live));
    json_decref(small_live);
    json_decref(small);
    json_decref(live);
    json_decref(m);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Nothing layered in, nothing recorded: no annotation appears, and one left from before goes
 * once the layers are gone. */
START_TEST(a_resource_without_lower_layers_gets_no_record)
{
    json_t *m = manifest("1", false, false);
    json_t *live = admit(m, NULL, NULL);
    ck_assert_ptr_null(record_of(live));
    assert_role(live, "jobManager", NULL, NULL, jm_own_of(m));

    fo_cluster_defaults *cd = defaults(CLUSTER);
    json_t *with = admit(m, NULL, cd);
    ck_assert_ptr_nonnull(record_of(with));
    json_t *without = admit(with, with, NULL); /* the cluster defaults were emptied */
    json_t *ann = fo_json_get(without, "metadata.annotations");
    ck_assert(!ann || !json_object_get(ann, FO_OWN_TEMPLATES_ANNOTATION));
    assert_role(without, "jobManager", NULL, NULL, jm_own_of(m));
    ck_assert_ptr_null(fo_json_get(without, "spec.taskManager.podTemplate"));

    json_decref(without);
    json_decref(with);
    json_decref(live);
    json_decref(m);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* The fingerprint survives what the API server does to a stored value and tells every other
 * change apart. */
START_TEST(the_fingerprint_ignores_key_order_nulls_and_integral_reals_only)
{
    json_t *a = parse("{\"b\":1,\"a\":[1,\"x\"],\"n\":null,\"o\":{\"z\":true,\"y\":2.0}}");
    json_t *same = parse("{\"a\":[1,\"x\"],\"o\":{\"y\":2,\"z\":true},\"b\":1.0}");
    ck_assert(fo_json_fingerprint(a) == fo_json_fingerprint(same));
    const char *different[] = {
        "{\"a\":[\"x\",1],\"o\":{\"y\":2,\"z\":true},\"b\":1}",
        "{\"a\":[1,\"x\"],\"o\":{\"y\":2.5,\"z\":true},\"b\":1}",
        "{\"a\":[1,\"x\"],\"o\":{\"y\":2,\"z\":false},\"b\":1}",
        "{\"a\":[1,\"x\"],\"o\":{\"y\":\"2\",\"z\":true},\"b\":1}",
        "{\"a\":[\"1x\"],\"o\":{\"y\":2,\"z\":true},\"b\":1}",
        "{\"a\":[1,\"x\"],\"o\":{\"y\":2,\"z\":true},\"c\":1}",
        "{\"a\":[1,\"x\",null],\"o\":{\"y\":2,\"z\":true},\"b\":1}",
    };
    for (size_t i = 0; i < sizeof different / sizeof different[0]; i++) {
        json_t *d = parse(different[i]);
        ck_assert_msg(fo_json_fingerprint(a) != fo_json_fingerprint(d), "%s", different[i]);
        json_decref(d);
    }
    ck_assert(fo_json_fingerprint(NULL) == fo_json_fingerprint(json_null()));
    json_decref(a);
    json_decref(same);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("own_templates");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, changes_to_the_common_template_reach_the_roles);
    tcase_add_test(tc, an_edit_of_a_role_template_is_kept_and_the_common_one_still_reaches_it);
    tcase_add_test(tc, mutating_the_stored_object_again_changes_nothing);
    tcase_add_test(tc, a_value_moved_into_a_role_template_by_kubectl_apply_stays_there);
    tcase_add_test(tc, an_object_without_a_record_takes_its_own_templates_from_the_applied_manifest);
    tcase_add_test(tc, the_controller_layers_the_own_templates_over_changed_lower_layers);
    tcase_add_test(tc, without_a_usable_record_the_role_template_is_the_own_layer);
    tcase_add_test(tc, a_resource_without_lower_layers_gets_no_record);
    tcase_add_test(tc, a_record_too_large_for_the_annotations_is_left_out);
    tcase_add_test(tc, manifests_with_nul_in_a_role_template_key_are_not_used);
    tcase_add_test(tc, the_fingerprint_ignores_key_order_nulls_and_integral_reals_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
