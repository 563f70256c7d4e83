#include "controller/apply.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"

/* ---- comparison ----------------------------------------------------------------------------- */

bool fo_apply_owned_by(const json_t *live, const char *uid)
{
    size_t i;
    json_t *ref;
    if (!uid || !*uid)
        return false;
    json_array_foreach(fo_json_get(live, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (u && strcmp(u, uid) == 0)
            return true;
    }
    return false;
}

bool fo_apply_ours(const json_t *live, const char *uid, const char *via_uid)
{
    if (fo_apply_owned_by(live, uid))
        return true;
    if (!via_uid || !*via_uid || !fo_apply_owned_by(live, via_uid))
        return false;
    /* Flink's client gives the object the Deployment's reference alone: one more owner, the
     * object is someone else's as well, and stays theirs. */
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(live, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (!u || (strcmp(u, via_uid) != 0 && strcmp(u, uid) != 0))
            return false;
    }
    return true;
}

/* The API server omits zero values (omitempty), so an absent member matches them. */
static bool is_zero(const json_t *v)
{
    if (!v)
        return true;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return json_object_size(v) == 0;
    case JSON_ARRAY:
        return json_array_size(v) == 0;
    case JSON_STRING:
        return json_string_length(v) == 0;
    case JSON_INTEGER:
        return json_integer_value(v) == 0;
    case JSON_REAL:
        return json_real_value(v) == 0.0;
    case JSON_FALSE:
    case JSON_NULL:
        return true;
    default:
        return false;
    }
}

static bool subset(const json_t *want, const json_t *live)
{
    if (!want)
        return true;
    if (!live)
        return is_zero(want);
    if (json_is_object(want)) {
        if (!json_is_object(live))
            return false;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)want, key, v)
        {
            if (!subset(v, json_object_get(live, key)))
                return false;
        }
        return true;
    }
    if (json_is_array(want)) {
        if (!json_is_array(live) || json_array_size(want) != json_array_size(live))
            return false;
        for (size_t i = 0; i < json_array_size(want); i++)
            if (!subset(json_array_get(want, i), json_array_get(live, i)))
                return false;
        return true;
    }
    return fo_json_equal(want, live);
}

/* The ownerReference in list (an array) with this uid, or NULL. Borrowed. */
static const json_t *ref_with_uid(const json_t *list, const char *uid)
{
    size_t i;
    json_t *ref;
    json_array_foreach((json_t *)list, i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (uid && u && strcmp(uid, u) == 0)
            return ref;
    }
    return NULL;
}

/* Our ownerReferences (by uid) are present and equal in live. */
static bool owner_refs_match(const json_t *want, const json_t *live)
{
    const json_t *have = fo_json_get(live, "metadata.ownerReferences");
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(want, "metadata.ownerReferences"), i, ref)
    {
        const json_t *same = ref_with_uid(have, fo_json_str(ref, "uid"));
        if (!same || !subset(ref, same))
            return false;
    }
    return true;
}

static bool is_config_map(const json_t *obj)
{
    const char *kind = fo_json_str(obj, "kind");
    return kind && strcmp(kind, "ConfigMap") == 0;
}

/* The top-level members compared and patched: all but metadata, apiVersion, kind, status. */
static bool is_content(const char *key)
{
    return strcmp(key, "metadata") != 0 && strcmp(key, "apiVersion") != 0 &&
           strcmp(key, "kind") != 0 && strcmp(key, "status") != 0;
}

/* Does live's member `key` match desired's value v? */
static bool member_matches(const json_t *desired, const char *key, const json_t *v,
                           const json_t *live)
{
    const json_t *have = json_object_get(live, key);
    /* Flink reads the whole file set: a changed, missing or extra key is drift. */
    if (strcmp(key, "data") == 0 && is_config_map(desired))
        return fo_json_equal(v, have) || (is_zero(v) && is_zero(have));
    return subset(v, have);
}

bool fo_apply_matches(const json_t *desired, const json_t *live)
{
    if (!json_is_object(live))
        return false;
    if (!subset(fo_json_get(desired, "metadata.labels"), fo_json_get(live, "metadata.labels")) ||
        !subset(fo_json_get(desired, "metadata.annotations"),
                fo_json_get(live, "metadata.annotations")) ||
        !owner_refs_match(desired, live))
        return false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)desired, key, v)
    {
        if (is_content(key) && !member_matches(desired, key, v, live))
            return false;
    }
    return true;
}

/* ---- patch construction -------------------------------------------------------------------- */

static bool has_controller(const json_t *refs)
{
    size_t i;
    json_t *ref;
    json_array_foreach((json_t *)refs, i, ref)
    {
        if (json_is_true(json_object_get(ref, "controller")))
            return true;
    }
    return false;
}

static json_t *owner_refs_patch(const json_t *desired, const json_t *live)
{
    const json_t *ours = fo_json_get(desired, "metadata.ownerReferences");
    bool ours_control = has_controller(ours);
    json_t *list = json_array();
    size_t i;
    json_t *have;
    /* Keep other owners' references, in their order; ours replace any with the same uid. At
     * most one may say controller (kube-api-semantics.md §8: 422 otherwise): when ours does, a
     * kept one no longer does (the JobManager Deployment's on what Flink made beside it). */
    json_array_foreach(fo_json_get(live, "metadata.ownerReferences"), i, have)
    {
        if (ref_with_uid(ours, fo_json_str(have, "uid")))
            continue;
        if (ours_control && json_is_true(json_object_get(have, "controller"))) {
            json_t *demoted = fo_json_copy(have);
            json_object_set_new(demoted, "controller", json_false());
            json_array_append_new(list, demoted);
        } else {
            json_array_append(list, have);
        }
    }
    json_array_foreach((json_t *)ours, i, have)
    {
        json_array_append(list, have);
    }
    return list;
}

json_t *fo_apply_patch(const json_t *desired, const json_t *live)
{
    if (fo_apply_matches(desired, live))
        return NULL;
    json_t *patch = json_object();
    json_t *meta = json_object();
    json_object_set_new(patch, "metadata", meta);
    const char *rv = fo_json_get_str(live, "metadata.resourceVersion");
    if (rv)
        json_object_set_new(meta, "resourceVersion", json_string(rv));
    const json_t *labels = fo_json_get(desired, "metadata.labels");
    if (json_object_size(labels))
        json_object_set(meta, "labels", (json_t *)labels);
    const json_t *annotations = fo_json_get(desired, "metadata.annotations");
    if (json_object_size(annotations))
        json_object_set(meta, "annotations", (json_t *)annotations);
    if (!owner_refs_match(desired, live))
        json_object_set_new(meta, "ownerReferences", owner_refs_patch(desired, live));

    const char *key;
    json_t *v;
    json_object_foreach((json_t *)desired, key, v)
    {
        /* A member that matches is left out: a Deployment whose metadata alone is repaired (an
         * ownerReference, a label) gets no write of its pod template, which the API server
         * would default again and could find changed (a restart of its pods). */
        if (!is_content(key) || member_matches(desired, key, v, live))
            continue;
        if (strcmp(key, "data") == 0 && is_config_map(desired)) {
            json_t *data = fo_json_copy(v);
            const char *k;
            json_t *old;
            json_object_foreach(json_object_get(live, "data"), k, old)
            {
                if (!json_object_get(v, k))
                    json_object_set_new(data, k, json_null());
            }
            json_object_set_new(patch, key, data);
        } else {
            json_object_set(patch, key, v);
        }
    }
    return patch;
}

/* ---- writes ------------------------------------------------------------------------------- */

static void note(char *buf, size_t len, const char *kind, const char *name)
{
    size_t n = strlen(buf);
    if (n + 4 >= len)
        return;
    snprintf(buf + n, len - n, "%s%s %s", n ? ", " : "", kind, name);
}

static const char *obj_name(const json_t *o)
{
    const char *n = fo_json_get_str(o, "metadata.name");
    return n ? n : "";
}

static const char *obj_ns(const json_t *o)
{
    const char *n = fo_json_get_str(o, "metadata.namespace");
    return n ? n : "";
}

/* Patch live towards want when needed. */
static fo_rc converge(const fo_ctl_kube *kube, fo_ctl_kind kind, const json_t *want,
                      const json_t *live, fo_apply_report *rep, fo_err *err)
{
    json_t *patch = fo_apply_patch(want, live);
    if (!patch) {
        rep->unchanged++;
        return FO_OK;
    }
    fo_rc rc = kube->patch(kube->ctx, kind, obj_ns(want), obj_name(want), false, patch, NULL, err);
    json_decref(patch);
    if (rc == FO_OK) {
        rep->patched++;
        note(rep->changed, sizeof rep->changed, fo_ctl_kind_get(kind)->kind, obj_name(want));
        fo_log_info("patched %s %s back to the desired state", fo_ctl_kind_get(kind)->kind,
                    obj_name(want));
    }
    return rc;
}

static fo_rc refuse(fo_apply_report *rep, fo_ctl_kind kind, const json_t *obj, fo_err *err)
{
    snprintf(rep->not_owned, sizeof rep->not_owned, "%s %s/%s", fo_ctl_kind_get(kind)->kind,
             obj_ns(obj), obj_name(obj));
    return fo_err_set(err, FO_EFORBIDDEN,
                      "%s already exists and is not owned by this FlinkDeployment; it is left "
                      "untouched (delete or rename it to let the controller create its own)",
                      rep->not_owned);
}

/* want without its content (spec, data): what a live object whose content is kept is
 * converged to. New reference. */
static json_t *metadata_of(const json_t *want)
{
    json_t *meta = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)want, key, v)
    {
        if (!is_content(key))
            json_object_set(meta, key, v);
    }
    return meta;
}

static fo_rc apply_one(const fo_ctl_kube *kube, const json_t *want, const char *uid,
                       const char *via_uid, unsigned keep_content, fo_apply_report *rep,
                       fo_err *err)
{
    fo_ctl_kind kind = fo_ctl_kind_of(want);
    if (kind == FO_CTL_KIND_COUNT)
        return fo_err_set(err, FO_EINVAL, "cannot apply an object of kind %s",
                          fo_json_str(want, "kind") ? fo_json_str(want, "kind") : "(none)");
    json_t *live = kube->cached(kube->ctx, kind, obj_ns(want), obj_name(want));
    fo_rc rc = FO_OK;
    if (!live) {
        rc = kube->create(kube->ctx, kind, want, NULL, err);
        if (rc == FO_OK) {
            rep->created++;
            note(rep->changed, sizeof rep->changed, fo_ctl_kind_get(kind)->kind, obj_name(want));
            fo_log_info("created %s %s", fo_ctl_kind_get(kind)->kind, obj_name(want));
            return FO_OK;
        }
        if (rc != FO_EEXISTS)
            return rc;
        /* The cache is behind (or the object lost the labels our informers select on). */
        fo_err_clear(err);
        rc = kube->get(kube->ctx, kind, obj_ns(want), obj_name(want), &live, err);
        if (rc != FO_OK)
            return rc;
    }
    if (!fo_apply_ours(live, uid, via_uid)) {
        rc = refuse(rep, kind, live, err);
    } else if (keep_content & FO_APPLY_KIND_BIT(kind)) {
        json_t *meta = metadata_of(want);
        rc = converge(kube, kind, meta, live, rep, err);
        json_decref(meta);
    } else {
        rc = converge(kube, kind, want, live, rep, err);
    }
    json_decref(live);
    return rc;
}

fo_rc fo_apply_set(const fo_ctl_kube *kube, const json_t *desired, const char *owner_uid,
                   const char *via_uid, fo_apply_report *rep, fo_err *err)
{
    return fo_apply_set_keeping(kube, desired, owner_uid, via_uid, 0, rep, err);
}

fo_rc fo_apply_set_keeping(const fo_ctl_kube *kube, const json_t *desired, const char *owner_uid,
                           const char *via_uid, unsigned keep_content, fo_apply_report *rep,
                           fo_err *err)
{
    size_t i;
    json_t *want;
    /* All or nothing on ownership: never half-deploy next to someone else's object. */
    json_array_foreach((json_t *)desired, i, want)
    {
        fo_ctl_kind kind = fo_ctl_kind_of(want);
        if (kind == FO_CTL_KIND_COUNT)
            continue;
        json_t *live = kube->cached(kube->ctx, kind, obj_ns(want), obj_name(want));
        fo_rc rc = live && !fo_apply_ours(live, owner_uid, via_uid) ? refuse(rep, kind, live, err)
                                                                     : FO_OK;
        json_decref(live);
        if (rc != FO_OK)
            return rc;
    }
    json_array_foreach((json_t *)desired, i, want)
    {
        fo_rc rc = apply_one(kube, want, owner_uid, via_uid, keep_content, rep, err);
        if (rc != FO_OK)
            return rc;
    }
    return FO_OK;
}

static bool desired_has(const json_t *desired, fo_ctl_kind kind, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)desired, i, o)
    {
        if (fo_ctl_kind_of(o) == kind && strcmp(obj_name(o), name) == 0)
            return true;
    }
    return false;
}

fo_rc fo_apply_prune(const fo_ctl_kube *kube, const char *ns, const fo_apply_ref *candidates,
                     size_t n, const json_t *desired, const char *owner_uid, fo_apply_report *rep,
                     fo_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const fo_apply_ref *c = &candidates[i];
        if (desired_has(desired, c->kind, c->name))
            continue;
        json_t *live = kube->cached(kube->ctx, c->kind, ns, c->name);
        if (!live)
            continue;
        fo_rc rc = FO_OK;
        if (fo_apply_owned_by(live, owner_uid) &&
            !fo_json_get(live, "metadata.deletionTimestamp")) {
            rc = kube->remove(kube->ctx, c->kind, ns, c->name,
                              fo_json_get_str(live, "metadata.uid"), NULL, err);
            if (rc == FO_ENOTFOUND) {
                fo_err_clear(err);
                rc = FO_OK;
            } else if (rc == FO_OK) {
                rep->deleted++;
                fo_log_info("deleted %s %s: no longer desired", fo_ctl_kind_get(c->kind)->kind,
                            c->name);
            }
        }
        json_decref(live);
        if (rc != FO_OK)
            return rc;
    }
    return FO_OK;
}
