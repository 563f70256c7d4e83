#include "common/normalize.h"

#include <stdbool.h>
#include <string.h>

#include "common/defaults.h"
#include "common/json_fingerprint.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/own_templates.h"
#include "common/podtemplate.h"

/* The label the Apache operator puts on session jobs so a session cluster finds its jobs
 * (reference: FlinkSessionJob handling). */
#define TARGET_SESSION_LABEL "target.session"

/* A template layer: an object, or nothing. A template of another type is not ours to fix: it
 * is left where the user wrote it for validation to report. */
static const json_t *as_layer(const json_t *v)
{
    return json_is_object(v) ? v : NULL;
}

static bool absent(const json_t *v)
{
    return !v || json_is_null(v);
}

/* What layering a resource's roles reads and writes. */
typedef struct layering {
    const fo_cluster_defaults *cd;
    const json_t *record;   /* the resource's record of its own templates, or NULL */
    const json_t *old;      /* the previous version (an UPDATE), or NULL */
    bool has_old;           /* there is a previous version */
    fo_own_applied applied; /* kubectl's last applied manifests, when they changed */
    json_t *new_record;     /* the record being built, when the caller writes it; else NULL */
} layering;

/* The role's own layer after its template changed from `reference` (what layering wrote
 * from the recorded own template) to current: what of the recorded own template current still
 * holds, with what current has beyond reference on top. What the change removed or changed is
 * out of the user's own layer (an inherited value they had overridden shows again), what the
 * role inherits keeps following its layers (a merge patch of the change would have made a
 * changed list the role's own whole, frozen), and a value the user pinned equal to an
 * inherited one stays theirs. False (*own untouched) when out of memory, or when the change
 * cannot be told member by member (the subtraction gives the template whole: the caller's
 * other way freezes less). */
static bool own_after_change(const json_t *recorded, const json_t *reference,
                             const json_t *current, json_t **own)
{
    json_t *since = fo_podtemplate_subtract(current, reference);
    if (since == current) {
        json_decref(since);
        return false;
    }
    json_t *kept = fo_podtemplate_held(recorded, current);
    json_t *out = since ? fo_podtemplate_merge(kept, since) : json_incref(kept);
    bool lost = since && !out;
    json_decref(since);
    json_decref(kept);
    if (lost)
        return false;
    *own = out;
    return true;
}

/* The role's template was layered before (a record exists) and then changed by a writer the
 * record cannot follow (a mutating webhook after ours, an edit past it). When layering the
 * recorded own template over the layers it was written over (the cluster defaults and the
 * previous version's spec.podTemplate) gives what the record says was written, the change is
 * taken from that (own_after_change); otherwise (the record does not match: the cluster
 * defaults changed since) the own layer is what of the recorded own template is still there,
 * with what the template has beyond the lower layers on top (a value the old defaults gave
 * that the new ones do not stays on top). Either way what it inherited keeps following them
 * instead of staying frozen on top. */
static void take_out_layered(fo_own_layer *own, const char *role_key, const json_t *defaults,
                             const json_t *common, const layering *l)
{
    const json_t *was_common = common;
    if (l->has_old) {
        const json_t *old_spec = json_object_get(l->old, "spec");
        was_common = json_is_object(old_spec) ? as_layer(json_object_get(old_spec, "podTemplate"))
                                              : NULL;
    }
    const json_t *under[] = {defaults, was_common};
    json_t *was_lower = fo_podtemplate_layer(under, 2);
    if (!was_lower)
        return; /* nothing was layered in (or out of memory): the template is all its own */
    const json_t *recorded = NULL;
    fo_own_templates_entry(l->record, role_key, &recorded);
    const json_t *written_layers[] = {defaults, was_common, recorded};
    json_t *written = fo_podtemplate_layer(written_layers, 3);
    json_t *smaller = NULL;
    bool by_written = written &&
                      fo_own_templates_wrote(l->record, role_key, fo_json_fingerprint(written));
    if (!(by_written && own_after_change(recorded, written, own->own, &smaller)) &&
        !own_after_change(recorded, was_lower, own->own, &smaller))
        smaller = json_incref(own->own); /* as it is, which loses nothing */
    json_decref(written);
    json_decref(was_lower);
    json_decref(own->own);
    own->own = smaller;
}

/* kubectl edit, a patch or server-side apply changed the role's template as layering wrote it
 * (the previous version still had the recorded fingerprint). The record applied the change as
 * a merge patch, which replaces a changed list whole: appending an env var to a container
 * inherited from spec.podTemplate, or removing one, made the container's whole env list the
 * role's own, frozen. The change is taken member by member instead (own_after_change). */
static void put_edit_on(fo_own_layer *own, const char *role_key, const json_t *current,
                        const layering *l)
{
    const json_t *before = fo_own_templates_role(l->old, role_key);
    const json_t *recorded = NULL;
    json_t *exact = NULL;
    if (!before || !current || !fo_own_templates_entry(l->record, role_key, &recorded) ||
        !own_after_change(recorded, before, current, &exact))
        return; /* the merge patch's result stays */
    json_decref(own->own);
    own->own = exact;
}

/* Write layer(cluster role template, spec.podTemplate, the role's own template) to
 * spec.<role>.podTemplate. The own template is the role's template as written, or the one the
 * record keeps for it (common/own_templates.h). spec.podTemplate itself stays as the user
 * wrote it. */
static fo_rc layer_role(json_t *spec, const char *role_key, fo_role role, layering *l)
{
    json_t *role_obj = json_object_get(spec, role_key);
    if (!absent(role_obj) && !json_is_object(role_obj))
        return FO_OK; /* wrong type: validation reports it; do not overwrite user data */
    const json_t *current = json_is_object(role_obj) ? json_object_get(role_obj, "podTemplate")
                                                     : NULL;
    if (!absent(current) && !json_is_object(current))
        return FO_OK;
    if (absent(current))
        current = NULL;
    const json_t *defaults = fo_cluster_defaults_pod_template(l->cd, role);
    const json_t *common = as_layer(json_object_get(spec, "podTemplate"));
    uint64_t lower = fo_own_templates_lower(defaults, common);
    fo_own_layer own = fo_own_templates_layer(l->record, role_key, current,
                                              fo_own_templates_role(l->old, role_key), l->has_old,
                                              lower, &l->applied);
    if (own.unexplained)
        take_out_layered(&own, role_key, defaults, common, l);
    else if (own.edited)
        put_edit_on(&own, role_key, current, l);
    const json_t *layers[] = {defaults, common, own.own};
    /* The usual UPDATE: the template is what layering wrote before over the same layers, and
     * the resource keeps it (written as layering would write it; with a record, as the API
     * server stored it). That spares building the merge, and a diff against a copy that
     * shares it (fo_normalize_copy) stops at the pointer. */
    bool kept = own.as_written;
    json_t *effective = NULL;
    if (!kept && own.own == current) {
        effective = fo_podtemplate_layer_keep(layers, 3, &kept);
    } else if (!kept) {
        effective = fo_podtemplate_layer(layers, 3);
        kept = current && effective && fo_json_fingerprint(effective) == own.current;
        if (kept) {
            json_decref(effective);
            effective = NULL;
        }
    }
    fo_rc rc = FO_OK;
    if (!kept && !effective && (defaults || common || own.own)) {
        rc = FO_ENOMEM; /* a layer is there: the merge ran out of memory */
        goto out;
    }
    /* recorded whenever something lies under the own layer */
    if (l->new_record && (!fo_json_is_empty(defaults) || !fo_json_is_empty(common)) &&
        (kept || effective))
        rc = fo_own_templates_note(l->new_record, role_key, own.own,
                                   kept ? own.current : fo_json_fingerprint(effective), lower);
    if (rc != FO_OK || kept)
        goto out;
    if (!effective) { /* no template anywhere */
        if (current && own.own != current) /* the record says all of it was layered in */
            json_object_del(role_obj, "podTemplate");
        goto out; /* on an absent role: create nothing */
    }
    if (!current && fo_json_is_empty(effective))
        goto out; /* only empty layers (cluster defaults "podTemplate: {}") */
    /* Only now is a jobManager / taskManager object created (or a null one replaced). */
    json_t *target = fo_json_ensure_object(spec, role_key);
    if (!target || json_object_set(target, "podTemplate", effective) != 0)
        rc = FO_ENOMEM;
out:
    json_decref(effective);
    json_decref(own.own);
    return rc;
}

static fo_rc normalize_deployment(json_t *obj, const json_t *old, const fo_cluster_defaults *cd,
                                  bool write_record, fo_err *err)
{
    if (fo_defaults_apply_deployment(obj) != FO_OK)
        return fo_err_set(err, FO_EINVAL, "spec: must be an object");
    json_t *spec = json_object_get(obj, "spec");
    layering l = {
        .cd = cd,
        .record = fo_own_templates_read(obj),
        .old = old,
        .has_old = json_is_object(old),
        .new_record = write_record ? json_object() : NULL,
    };
    if (write_record)
        fo_own_applied_read(obj, old, &l.applied);
    fo_rc rc = write_record && !l.new_record ? FO_ENOMEM : FO_OK;
    if (rc == FO_OK)
        rc = layer_role(spec, "jobManager", FO_ROLE_JOBMANAGER, &l);
    if (rc == FO_OK)
        rc = layer_role(spec, "taskManager", FO_ROLE_TASKMANAGER, &l);
    /* metadata of the wrong type: validation reports it, and the record stays unwritten */
    if (rc == FO_OK && l.new_record &&
        fo_own_templates_write(obj, l.new_record, l.record) == FO_ENOMEM)
        rc = FO_ENOMEM;
    fo_own_applied_release(&l.applied);
    json_decref((json_t *)l.record);
    json_decref(l.new_record);
    if (rc != FO_OK)
        return fo_err_set(err, rc, "pod template layering: out of memory");
    /* Layering may have created spec.jobManager; its own defaults (replicas) apply to it now,
     * so that normalising the result again changes nothing. */
    fo_defaults_apply_deployment(obj);
    return FO_OK;
}

fo_rc fo_normalize_recorded_spec(json_t *spec)
{
    const json_t *common = as_layer(json_object_get(spec, "podTemplate"));
    if (!common || fo_json_is_empty(common))
        return FO_OK;
    static const char *const roles[] = {"jobManager", "taskManager"};
    for (size_t i = 0; i < 2; i++) {
        json_t *role = json_object_get(spec, roles[i]);
        if (!absent(role) && !json_is_object(role))
            continue;
        const json_t *own = json_is_object(role) ? json_object_get(role, "podTemplate") : NULL;
        if (!absent(own) && !json_is_object(own))
            continue;
        json_t *layered = fo_podtemplate_merge(common, absent(own) ? NULL : own);
        json_t *target = layered ? fo_json_ensure_object(spec, roles[i]) : NULL;
        if (!target) {
            json_decref(layered);
            return FO_ENOMEM;
        }
        if (json_object_set_new(target, "podTemplate", layered) != 0)
            return FO_ENOMEM;
    }
    return FO_OK;
}

static fo_rc normalize_session_job(json_t *obj, fo_err *err)
{
    if (fo_defaults_apply_session_job(obj) != FO_OK)
        return fo_err_set(err, FO_EINVAL, "spec: must be an object");
    const json_t *name = fo_json_get(obj, "spec.deploymentName");
    const char *target = json_string_value(name);
    /* A name that is no valid label value would make the API server refuse the whole object;
     * validation reports the bad deploymentName instead (also one with a NUL character, whose
     * C string would be a shorter, valid-looking name). */
    if (!target || strlen(target) != json_string_length(name) || !fo_label_value_valid(target))
        return FO_OK;
    json_t *meta = json_object_get(obj, "metadata");
    if (!absent(meta) && !json_is_object(meta))
        return FO_OK;
    meta = fo_json_ensure_object(obj, "metadata");
    json_t *labels = meta ? json_object_get(meta, "labels") : NULL;
    if (!absent(labels) && !json_is_object(labels))
        return FO_OK; /* not ours to overwrite */
    labels = meta ? fo_json_ensure_object(meta, "labels") : NULL;
    if (!labels || json_object_set_new(labels, TARGET_SESSION_LABEL, json_string(target)) != 0)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    return FO_OK;
}

/* A new object with the members of obj (the same values, one more reference each), in order. */
static json_t *shallow_copy(const json_t *obj)
{
    json_t *out = json_object();
    const char *key;
    size_t key_len;
    json_t *member;
    json_object_keylen_foreach((json_t *)obj, key, key_len, member)
    {
        if (!out || json_object_setn_nocheck(out, key, key_len, member) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* Member key of copy (still the original's value) becomes a shallow copy of its own, when it
 * is an object: normalisation may set its members. Returns that copy (borrowed), or NULL when
 * the member is not an object (*ok stays) or memory runs out (*ok = false). */
static json_t *own_member(json_t *copy, const char *key, bool *ok)
{
    const json_t *member = copy ? json_object_get(copy, key) : NULL;
    if (!*ok || !json_is_object(member))
        return NULL;
    json_t *c = shallow_copy(member);
    if (!c || json_object_set_new(copy, key, c) != 0) {
        *ok = false;
        return NULL;
    }
    return c;
}

json_t *fo_normalize_copy(const json_t *obj)
{
    if (!json_is_object(obj))
        return fo_json_copy(obj);
    /* Only the objects whose members normalisation sets for this kind are copied, one level
     * each (normalize.h); the values below them are only read, so they are shared. */
    const char *kind = fo_json_str(obj, "kind");
    bool deployment = kind && strcmp(kind, "FlinkDeployment") == 0;
    bool session_job = kind && strcmp(kind, "FlinkSessionJob") == 0;
    json_t *out = shallow_copy(obj);
    bool ok = out != NULL;
    json_t *spec = deployment || session_job ? own_member(out, "spec", &ok) : NULL;
    own_member(spec, "job", &ok);
    if (deployment) {
        own_member(spec, "jobManager", &ok);
        own_member(spec, "taskManager", &ok);
        own_member(own_member(out, "metadata", &ok), "annotations", &ok);
    }
    if (session_job)
        own_member(own_member(out, "metadata", &ok), "labels", &ok);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static void nul_key(void *ctx, const char *path, const char *key)
{
    fo_err_set(ctx, FO_EINVAL, "%s: key \"%s\" holds a NUL character (shown as \\u0000)", path,
               key);
}

static fo_rc normalize(json_t *obj, const json_t *old, const fo_cluster_defaults *cd,
                       bool write_record, bool keys_read_without_nul, fo_err *err)
{
    if (!json_is_object(obj))
        return fo_err_set(err, FO_EINVAL, "resource: must be an object");
    /* Layering and diffs read keys as C strings: such a key would come out shorter. */
    fo_err nul;
    fo_err_clear(&nul);
    if (!keys_read_without_nul &&
        fo_json_nul_keys(json_object_get(obj, "spec"), "spec", 1, nul_key, &nul))
        return fo_err_set(err, FO_EINVAL, "%s", nul.message);
    const char *kind = fo_json_str(obj, "kind");
    if (!kind)
        return FO_OK;
    if (strcmp(kind, "FlinkDeployment") == 0)
        return normalize_deployment(obj, old, cd, write_record, err);
    if (strcmp(kind, "FlinkSessionJob") == 0)
        return normalize_session_job(obj, err);
    return FO_OK;
}

fo_rc fo_normalize_resource(json_t *obj, const fo_cluster_defaults *cd, fo_err *err)
{
    return normalize(obj, NULL, cd, false, false, err);
}

fo_rc fo_normalize_admission(json_t *obj, const json_t *old, const fo_cluster_defaults *cd,
                             bool keys_read_without_nul, fo_err *err)
{
    return normalize(obj, old, cd, true, keys_read_without_nul, err);
}
