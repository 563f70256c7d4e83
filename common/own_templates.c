#include "common/own_templates.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_fingerprint.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"

#define FINGERPRINT_HEX 16

static void fingerprint_text(const json_t *v, char out[FINGERPRINT_HEX + 1])
{
    snprintf(out, FINGERPRINT_HEX + 1, "%016" PRIx64, fo_json_fingerprint(v));
}

static bool has_fingerprint(const json_t *entry, const json_t *v)
{
    char fp[FINGERPRINT_HEX + 1];
    fingerprint_text(v, fp);
    const char *recorded = fo_json_str(entry, "fingerprint");
    return recorded && strcmp(recorded, fp) == 0;
}

static bool entry_valid(const json_t *entry)
{
    const json_t *own = json_object_get(entry, "own");
    return json_is_object(entry) && json_is_string(json_object_get(entry, "fingerprint")) &&
           (!own || json_is_object(own));
}

json_t *fo_own_templates_read(const json_t *obj)
{
    const json_t *annotations = fo_json_get(obj, "metadata.annotations");
    const json_t *text = json_is_object(annotations)
                             ? json_object_get(annotations, FO_OWN_TEMPLATES_ANNOTATION)
                             : NULL;
    if (!json_is_string(text))
        return NULL;
    json_t *record = json_loadb(json_string_value(text), json_string_length(text), 0, NULL);
    if (!json_is_object(record)) {
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

json_t *fo_own_templates_layer(const json_t *record, const char *role_key,
                               const json_t *current, const json_t *old, bool has_old)
{
    const json_t *entry = record ? json_object_get(record, role_key) : NULL;
    if (!entry)
        return incref(current);
    const json_t *own = json_object_get(entry, "own");
    if (has_fingerprint(entry, current))
        return incref(own);
    if (!current)
        return NULL; /* the role's template was taken out: so is the user's own */
    if (!has_old || !has_fingerprint(entry, old))
        return incref(current);
    /* What changed between the layered template the previous version held and this one is
     * what the user changed (kubectl apply's merge patch, kubectl edit): change it in the
     * user's own template. */
    json_t *change = fo_json_merge_patch_diff(old, current);
    json_t *base = own ? incref(own) : json_object();
    json_t *updated = change && base ? fo_json_merge_patch_apply(base, change) : NULL;
    json_decref(change);
    json_decref(base);
    return updated ? updated : incref(current);
}

fo_rc fo_own_templates_note(json_t *record, const char *role_key, const json_t *own,
                            const json_t *written)
{
    if (!written || fo_json_fingerprint(written) == fo_json_fingerprint(own))
        return FO_OK;
    char fp[FINGERPRINT_HEX + 1];
    fingerprint_text(written, fp);
    json_t *entry = json_pack("{s:s}", "fingerprint", fp);
    if (!entry || (own && json_object_set(entry, "own", (json_t *)own) != 0) ||
        json_object_set_new(record, role_key, entry) != 0) {
        json_decref(entry);
        return FO_ENOMEM;
    }
    return FO_OK;
}

fo_rc fo_own_templates_write(json_t *obj, const json_t *record)
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
    char *text = fo_json_dumps_canonical(record);
    if (!text)
        return FO_ENOMEM;
    const char *now = json_is_object(annotations)
                          ? fo_json_str(annotations, FO_OWN_TEMPLATES_ANNOTATION)
                          : NULL;
    fo_rc rc = FO_OK;
    if (!now || strcmp(now, text) != 0) {
        meta = fo_json_ensure_object(obj, "metadata");
        annotations = meta ? fo_json_ensure_object(meta, "annotations") : NULL;
        if (!annotations || json_object_set_new(annotations, FO_OWN_TEMPLATES_ANNOTATION,
                                                json_string(text)) != 0)
            rc = FO_ENOMEM;
    }
    free(text);
    return rc;
}
