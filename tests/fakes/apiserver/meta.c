#include "tests/fakes/apiserver/meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/names.h"

/* Total size limit of annotations (apimachinery TotalAnnotationSizeLimitB). */
#define FKA_ANNOTATIONS_MAX_BYTES (256 * 1024)

void fka_meta_prepare_create(const fka_resource *r, json_t *obj, int64_t now_ms)
{
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    char uid[40], ts[40];
    fka_uuid(uid, sizeof uid);
    json_object_set_new(meta, "uid", json_string(uid));
    json_object_set_new(meta, "creationTimestamp",
                        json_string(fo_clock_format_rfc3339(now_ms, false, ts, sizeof ts)));
    if (r->flags & FKA_R_GENERATION)
        json_object_set_new(meta, "generation", json_integer(1));
    else
        json_object_del(meta, "generation");
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "deletionGracePeriodSeconds");
    json_object_del(meta, "selfLink");
    json_object_del(meta, "resourceVersion");
}

/* Equal after removing the named top-level members from copies of both. */
static bool equal_without(const json_t *a, const json_t *b, const char *const *skip)
{
    json_t *x = json_copy((json_t *)a), *y = json_copy((json_t *)b);
    for (size_t i = 0; skip[i]; i++) {
        json_object_del(x, skip[i]);
        json_object_del(y, skip[i]);
    }
    bool same = fo_json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

bool fka_meta_generation_changes(const fka_resource *r, const json_t *old, const json_t *obj)
{
    if (!(r->flags & FKA_R_GENERATION))
        return false;
    /* CRs without the status subresource: status is an ordinary field (§7). */
    static const char *const with_status[] = {"metadata", "status", "apiVersion", "kind", NULL};
    static const char *const without_status[] = {"metadata", "apiVersion", "kind", NULL};
    bool status_ordinary = (r->flags & FKA_R_CUSTOM) && !(r->flags & FKA_R_STATUS);
    if (!equal_without(old, obj, status_ordinary ? without_status : with_status))
        return true;
    if (r->flags & FKA_R_GEN_ANNOTATIONS) {
        const json_t *a = fo_json_get(old, "metadata.annotations");
        const json_t *b = fo_json_get(obj, "metadata.annotations");
        if (!fo_json_equal(fo_json_is_empty(a) ? NULL : a, fo_json_is_empty(b) ? NULL : b))
            return true;
    }
    return false;
}

void fka_meta_prepare_update(const fka_resource *r, json_t *obj, const json_t *old)
{
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    const json_t *om = json_object_get(old, "metadata");
    static const char *const kept[] = {
        "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
        NULL};
    for (size_t i = 0; kept[i]; i++) {
        json_t *v = json_object_get(om, kept[i]);
        if (v)
            json_object_set(meta, kept[i], v);
        else
            json_object_del(meta, kept[i]);
    }
    json_object_del(meta, "selfLink");
    if (fka_meta_generation_changes(r, old, obj)) {
        json_int_t g = json_integer_value(json_object_get(om, "generation"));
        json_object_set_new(meta, "generation", json_integer(g + 1));
    }
}

bool fka_meta_deleting(const json_t *obj)
{
    const json_t *dt = fo_json_get(obj, "metadata.deletionTimestamp");
    return dt && !json_is_null(dt);
}

size_t fka_meta_finalizer_count(const json_t *obj)
{
    return json_array_size(fo_json_get(obj, "metadata.finalizers"));
}

bool fka_meta_has_finalizer(const json_t *obj, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(fo_json_get(obj, "metadata.finalizers"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), f) == 0)
            return true;
    }
    return false;
}

static bool standard_finalizer(const char *f)
{
    return strcmp(f, "kubernetes") == 0 || strcmp(f, "orphan") == 0 ||
           strcmp(f, "foregroundDeletion") == 0;
}

static void validate_owner_refs(const json_t *refs, fo_field_errors *errs)
{
    if (!refs || json_is_null(refs))
        return;
    if (!json_is_array(refs)) {
        fo_field_errors_add(errs, FO_FE_INVALID, "metadata.ownerReferences", NULL,
                            "must be a list");
        return;
    }
    size_t i, controllers = 0;
    json_t *ref;
    fo_strbuf who;
    fo_strbuf_init(&who, 4096);
    json_array_foreach(refs, i, ref)
    {
        static const struct {
            const char *key, *what;
        } req[] = {{"apiVersion", "version"}, {"kind", "kind"}, {"name", "name"}, {"uid", "uid"}};
        for (size_t k = 0; k < 4; k++) {
            const char *v = fo_json_str(ref, req[k].key);
            if (!v || !*v) {
                char field[64];
                snprintf(field, sizeof field, "metadata.ownerReferences.%s", req[k].key);
                fo_field_errors_add(errs, FO_FE_INVALID, field, "", "%s must not be empty",
                                    req[k].what);
            }
        }
        if (json_is_true(json_object_get(ref, "controller"))) {
            controllers++;
            fo_strbuf_printf(&who, "%s%s/%s", who.len ? " and " : "",
                             fo_json_str(ref, "kind") ? fo_json_str(ref, "kind") : "",
                             fo_json_str(ref, "name") ? fo_json_str(ref, "name") : "");
        }
    }
    if (controllers > 1)
        fo_field_errors_add_json(errs, FO_FE_INVALID, "metadata.ownerReferences", refs,
                                 "Only one reference can have Controller set to true. Found "
                                 "\"true\" in references for %s",
                                 who.data);
    fo_strbuf_release(&who);
}

static void validate_finalizers(const json_t *obj, const json_t *old, fo_field_errors *errs,
                                void (*warn)(void *ctx, const char *text), void *ctx)
{
    const json_t *fins = fo_json_get(obj, "metadata.finalizers");
    size_t i;
    json_t *f;
    bool orphan = false, foreground = false;
    json_array_foreach(fins, i, f)
    {
        const char *s = json_string_value(f);
        char field[64];
        snprintf(field, sizeof field, "metadata.finalizers[%zu]", i);
        /* ValidateFinalizers: each name is a qualified name, reported on the list's path. */
        char probs[FKA_QN_MAX_PROBLEMS][FKA_QN_MSG_MAX];
        int np = fka_qualified_name_problems(s ? s : "", probs);
        for (int p = 0; p < np; p++)
            fo_field_errors_add(errs, FO_FE_INVALID, "metadata.finalizers", s ? s : "", "%s",
                                probs[p]);
        if (!s || np)
            continue;
        orphan = orphan || strcmp(s, "orphan") == 0;
        foreground = foreground || strcmp(s, "foregroundDeletion") == 0;
        if (!strchr(s, '/') && !standard_finalizer(s) && warn) {
            char w[512];
            snprintf(w, sizeof w,
                     "%s: \"%s\": prefer a domain-qualified finalizer name including a path (/) to "
                     "avoid accidental conflicts with other finalizer writers",
                     field, s);
            warn(ctx, w);
        }
    }
    if (orphan && foreground) {
        fo_strbuf list;
        fo_strbuf_init(&list, 4096);
        json_array_foreach(fins, i, f)
        {
            const char *s = json_string_value(f);
            fo_strbuf_printf(&list, "%s\"%s\"", i ? ", " : "", s ? s : "");
        }
        /* The value is the whole list, printed as Go prints a []string (%#v). */
        fo_field_errors_add(errs, FO_FE_INVALID, "metadata.finalizers", NULL,
                            "[]string{%s}: finalizer orphan and foregroundDeletion cannot be both "
                            "set",
                            list.data);
        fo_strbuf_release(&list);
    }
    if (!old || !fka_meta_deleting(old))
        return;
    /* §8: while deleting, finalizers may only be removed. */
    fo_strbuf added;
    fo_strbuf_init(&added, 4096);
    size_t n = 0;
    json_array_foreach(fins, i, f)
    {
        const char *s = json_string_value(f);
        if (s && !fka_meta_has_finalizer(old, s)) {
            fo_strbuf_printf(&added, "%s\"%s\"", n++ ? ", " : "", s);
        }
    }
    if (n)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "metadata.finalizers", NULL,
                            "no new finalizers can be added if the object is being deleted, "
                            "found new finalizers []string{%s}",
                            added.data);
    fo_strbuf_release(&added);
}

void fka_meta_validate(const fka_resource *r, const json_t *obj, const json_t *old,
                       fo_field_errors *errs, void (*warn)(void *ctx, const char *text), void *ctx)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = fo_json_str(meta, "name");
    if (!name || !*name) {
        fo_field_errors_add(errs, FO_FE_REQUIRED, "metadata.name", NULL,
                            "name or generateName is required");
    } else {
        const char *probs[2];
        int n = fka_name_problems(r->name_rule, name, probs);
        for (int i = 0; i < n; i++)
            fo_field_errors_add(errs, FO_FE_INVALID, "metadata.name", name, "%s", probs[i]);
        const char *seg = fka_name_segment_problem(name);
        if (seg && !n)
            fo_field_errors_add(errs, FO_FE_INVALID, "metadata.name", name, "%s", seg);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(meta, "labels"), key, v)
    {
        char field[400];
        snprintf(field, sizeof field, "metadata.labels");
        if (!fo_label_key_valid(key))
            fo_field_errors_add(errs, FO_FE_INVALID, field, key,
                                "name part must consist of alphanumeric characters, '-', '_' or "
                                "'.', and must start and end with an alphanumeric character");
        if (!json_is_string(v) || !fo_label_value_valid(json_string_value(v)))
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                     "a valid label must be an empty string or consist of "
                                     "alphanumeric characters, '-', '_' or '.', and must start "
                                     "and end with an alphanumeric character");
    }
    size_t ann_bytes = 0;
    json_object_foreach((json_t *)json_object_get(meta, "annotations"), key, v)
    {
        /* ValidateAnnotations: keys are qualified names, case aside. */
        char *lower = strdup(key);
        for (char *c = lower; c && *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        char probs[FKA_QN_MAX_PROBLEMS][FKA_QN_MSG_MAX];
        int np = lower ? fka_qualified_name_problems(lower, probs) : 0;
        free(lower);
        for (int p = 0; p < np; p++)
            fo_field_errors_add(errs, FO_FE_INVALID, "metadata.annotations", key, "%s",
                                probs[p]);
        if (!json_is_string(v)) {
            fo_field_errors_add_json(errs, FO_FE_INVALID, "metadata.annotations", v,
                                     "annotation values must be strings");
            continue;
        }
        ann_bytes += strlen(key) + json_string_length(v);
    }
    if (ann_bytes > FKA_ANNOTATIONS_MAX_BYTES)
        fo_field_errors_add(errs, FO_FE_TOO_LONG, "metadata.annotations", NULL,
                            "may not be more than %d bytes", FKA_ANNOTATIONS_MAX_BYTES);
    validate_owner_refs(json_object_get(meta, "ownerReferences"), errs);
    validate_finalizers(obj, old, errs, warn, ctx);
}

/* A copy without metadata.resourceVersion and without managedFields[].time. */
static json_t *comparable(const json_t *o)
{
    json_t *c = fo_json_copy(o);
    json_t *meta = json_object_get(c, "metadata");
    json_object_del(meta, "resourceVersion");
    size_t i;
    json_t *mf;
    json_array_foreach(json_object_get(meta, "managedFields"), i, mf) json_object_del(mf, "time");
    return c;
}

bool fka_meta_same(const json_t *a, const json_t *b)
{
    json_t *x = comparable(a), *y = comparable(b);
    bool same = fo_json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}
