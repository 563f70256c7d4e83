#include "common/own_templates.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/json_fingerprint.h"
#include "common/json_patch.h"
#include "common/json_read.h"
#include "common/jsonutil.h"

#define HEX 16

static void hex(uint64_t v, char out[HEX + 1])
{
    snprintf(out, HEX + 1, "%016" PRIx64, v);
}

static bool says(const json_t *entry, const char *key, uint64_t v)
{
    char want[HEX + 1];
    hex(v, want);
    const char *recorded = fo_json_str(entry, key);
    return recorded && strcmp(recorded, want) == 0;
}

static bool entry_valid(const json_t *entry)
{
    const json_t *own = json_object_get(entry, "own");
    return json_is_object(entry) && json_is_string(json_object_get(entry, "fingerprint")) &&
           json_is_string(json_object_get(entry, "lower")) && (!own || json_is_object(own));
}

json_t *fo_own_templates_read(const json_t *obj)
{
    const json_t *annotations = fo_json_get(obj, "metadata.annotations");
    const json_t *text = json_is_object(annotations)
                             ? json_object_get(annotations, FO_OWN_TEMPLATES_ANNOTATION)
                             : NULL;
    if (!json_is_string(text))
        return NULL;
    fo_err err;
    /* one string in the object, many values built: held to the object's own bound */
    bool nul_key = false;
    fo_json_read_filter bound = {.max_weight = FO_FLINK_MAX_OBJECT_WEIGHT,
                                 .nul_key_built = &nul_key};
    json_t *record =
        fo_json_read(json_string_value(text), json_string_length(text), &bound, &err);
    /* keys with NUL would be layered as shorter ones (normalize.c refuses them in spec) */
    if (!json_is_object(record) || nul_key) {
        json_decref(record);
        return NULL;
    }
    const char *key;
    json_t *entry;
    json_object_foreach(record, key, entry)
    {
        if (!entry_valid(entry)) {
            json_decref(record);
            return NULL;
        }
    }
    return record;
}

static json_t *incref(const json_t *v)
{
    return json_incref((json_t *)v);
}

uint64_t fo_own_templates_lower(const json_t *defaults, const json_t *common)
{
    /* in order: the defaults under spec.podTemplate is not spec.podTemplate under them */
    uint64_t d = fo_json_fingerprint(defaults), c = fo_json_fingerprint(common);
    return (d << 17 | d >> 47) ^ (c * 0x9e3779b97f4a7c15ull);
}

static const char *last_applied_text(const json_t *obj)
{
    const json_t *a = fo_json_get(obj, "metadata.annotations");
    const json_t *t = json_is_object(a) ? json_object_get(a, FO_LAST_APPLIED_ANNOTATION) : NULL;
    return json_is_string(t) ? json_string_value(t) : NULL;
}

/* Where the manifest reader is: only spec.<role>.podTemplate is built. */
enum { M_NONE = 0, M_ROOT, M_SPEC, M_ROLE };

static int manifest_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
#define IS(lit) (key && n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    int child = M_NONE;
    if (st == M_ROOT && IS("spec"))
        child = M_SPEC;
    else if (st == M_SPEC && (IS("jobManager") || IS("taskManager")))
        child = M_ROLE;
    else if (st == M_ROLE && IS("podTemplate"))
        return M_NONE; /* built whole */
    if (key && child == M_NONE)
        *skip = 0;
    return child;
#undef IS
}

/* The manifest's role templates; NULL when it is not an object, or when a key in them holds
 * NUL (*nul_key set: it would be layered as a shorter one; normalize.c refuses such keys in
 * spec). */
static json_t *parse_manifest(const char *text, bool *nul_key)
{
    fo_err err;
    fo_json_read_filter f = {.root_state = M_ROOT,
                             .member = manifest_member,
                             .max_weight = FO_FLINK_MAX_OBJECT_WEIGHT,
                             .nul_key_built = nul_key};
    json_t *m = text ? fo_json_read(text, strlen(text), &f, &err) : NULL;
    if (m && (!json_is_object(m) || *nul_key)) {
        json_decref(m);
        m = NULL;
    }
    return m;
}

void fo_own_applied_read(const json_t *obj, const json_t *old, fo_own_applied *out)
{
    out->now = out->before = NULL;
    const char *now = last_applied_text(obj), *before = last_applied_text(old);
    if (!old || !now || (before && strcmp(now, before) == 0))
        return;
    bool nul_now = false, nul_before = false;
    out->now = parse_manifest(now, &nul_now);
    out->before = out->now ? parse_manifest(before, &nul_before) : NULL;
    if (nul_before) { /* what the user changed cannot be told: as without manifests */
        json_decref(out->now);
        out->now = NULL;
    }
}

void fo_own_applied_release(fo_own_applied *a)
{
    json_decref(a->now);
    json_decref(a->before);
    a->now = a->before = NULL;
}

const json_t *fo_own_templates_role(const json_t *obj, const char *role_key)
{
    const json_t *spec = json_is_object(obj) ? json_object_get(obj, "spec") : NULL;
    const json_t *role = json_is_object(spec) ? json_object_get(spec, role_key) : NULL;
    const json_t *t = json_is_object(role) ? json_object_get(role, "podTemplate") : NULL;
    return json_is_object(t) ? t : NULL;
}

/* own with the change from before to after applied (RFC 7386: maps member by member, lists
 * whole); NULL when that leaves nothing, current when memory runs out. New reference. */
static json_t *own_changed(const json_t *own, const json_t *before, const json_t *after,
                           const json_t *current)
{
    json_t *change = fo_json_merge_patch_diff(before, after);
    json_t *base = own ? incref(own) : json_object();
    json_t *updated = change && base ? fo_json_merge_patch_apply(base, change) : NULL;
    json_decref(base);
    json_decref(change);
    if (!updated)
        return incref(current);
    if (!json_is_object(updated)) { /* the whole template taken out */
        json_decref(updated);
        return NULL;
    }
    return updated;
}

fo_own_layer fo_own_templates_layer(const json_t *record, const char *role_key,
                                    const json_t *current, const json_t *old, bool has_old,
                                    uint64_t lower, const fo_own_applied *applied)
{
    fo_own_layer out = {.current = fo_json_fingerprint(current)};
    const json_t *entry = record ? json_object_get(record, role_key) : NULL;
    if (!entry) {
        /* No record (an object stored before records, or by another writer): a manifest kubectl
         * just applied says what the role's own template is; else the template as it is. */
        bool usable = applied && applied->now;
        out.own = incref(usable ? fo_own_templates_role(applied->now, role_key) : current);
        return out;
    }
    const json_t *own = json_object_get(entry, "own");
    if (applied && applied->now) {
        /* What the manifest changed in the role's template is what the user changed. */
        const json_t *before = fo_own_templates_role(applied->before, role_key);
        const json_t *now = fo_own_templates_role(applied->now, role_key);
        if (!fo_json_equal(before, now)) {
            out.own = own_changed(own, before, now, current);
            return out;
        }
        /* the manifest left the role's template alone: as without it */
    }
    if (says(entry, "fingerprint", out.current)) {
        out.own = incref(own);
        out.as_written = says(entry, "lower", lower);
        return out;
    }
    if (!current)
        return out; /* the role's template was taken out: so is the user's own */
    if (!has_old || !says(entry, "fingerprint", fo_json_fingerprint(old))) {
        out.own = incref(current);
        out.unexplained = true;
        return out;
    }
    /* What changed between the layered template the previous version held and this one is
     * what the user changed (kubectl apply's merge patch, kubectl edit): change it in the
     * user's own template. */
    out.own = own_changed(own, old, current, current);
    out.edited = true;
    return out;
}

bool fo_own_templates_entry(const json_t *record, const char *role_key, const json_t **own)
{
    const json_t *entry = record ? json_object_get(record, role_key) : NULL;
    *own = entry ? json_object_get(entry, "own") : NULL;
    return entry != NULL;
}

bool fo_own_templates_wrote(const json_t *record, const char *role_key, uint64_t written)
{
    const json_t *entry = record ? json_object_get(record, role_key) : NULL;
    return entry && says(entry, "fingerprint", written);
}

fo_rc fo_own_templates_note(json_t *record, const char *role_key, const json_t *own,
                            uint64_t written, uint64_t lower)
{
    char fp[HEX + 1], lo[HEX + 1];
    hex(written, fp);
    hex(lower, lo);
    json_t *entry = json_pack("{s:s, s:s}", "fingerprint", fp, "lower", lo);
    bool ok = entry && (!own || json_object_set(entry, "own", (json_t *)own) == 0) &&
              json_object_set(record, role_key, entry) == 0;
    json_decref(entry);
    return ok ? FO_OK : FO_ENOMEM;
}

/* The API server's bound on an object's annotations: the bytes of all keys and values. */
#define ANNOTATIONS_MAX_BYTES (256u * 1024)

/* The bytes the API server counts for annotations, ours left out. */
static size_t annotations_bytes(const json_t *annotations)
{
    size_t total = 0;
    const char *key;
    size_t key_len;
    json_t *v;
    if (!json_is_object(annotations))
        return 0;
    json_object_keylen_foreach((json_t *)annotations, key, key_len, v)
    {
        if (key_len == strlen(FO_OWN_TEMPLATES_ANNOTATION) &&
            memcmp(key, FO_OWN_TEMPLATES_ANNOTATION, key_len) == 0)
            continue;
        total += key_len + (json_is_string(v) ? json_string_length(v) : 0);
    }
    return total;
}

fo_rc fo_own_templates_write(json_t *obj, const json_t *record, const json_t *was)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *annotations = json_is_object(meta) ? json_object_get(meta, "annotations") : NULL;
    if ((meta && !json_is_null(meta) && !json_is_object(meta)) ||
        (annotations && !json_is_null(annotations) && !json_is_object(annotations)))
        return FO_EINVAL; /* not ours to overwrite: validation reports it */
    if (json_object_size(record) == 0) {
        if (json_is_object(annotations))
            json_object_del(annotations, FO_OWN_TEMPLATES_ANNOTATION);
        return FO_OK;
    }
    if (was && fo_json_equal(was, record))
        return FO_OK; /* the usual UPDATE: the record stays as it is written */
    char *text = fo_json_dumps_compact(record);
    if (!text)
        return FO_ENOMEM;
    if (annotations_bytes(annotations) + strlen(FO_OWN_TEMPLATES_ANNOTATION) + strlen(text) >
            ANNOTATIONS_MAX_BYTES ||
        fo_json_weight(record, FO_FLINK_MAX_OBJECT_WEIGHT + 1) > FO_FLINK_MAX_OBJECT_WEIGHT) {
        /* The API server would refuse the object, or fo_own_templates_read would not build
         * the record back. Without a record the role templates are their own layers again
         * (what was layered into them stays on top). */
        free(text);
        if (json_is_object(annotations))
            json_object_del(annotations, FO_OWN_TEMPLATES_ANNOTATION);
        return FO_ELIMIT;
    }
    meta = fo_json_ensure_object(obj, "metadata");
    annotations = meta ? fo_json_ensure_object(meta, "annotations") : NULL;
    fo_rc rc = FO_OK;
    if (!annotations ||
        json_object_set_new(annotations, FO_OWN_TEMPLATES_ANNOTATION, json_string(text)) != 0)
        rc = FO_ENOMEM;
    free(text);
    return rc;
}
