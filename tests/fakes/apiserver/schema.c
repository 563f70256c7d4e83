#include "tests/fakes/apiserver/schema.h"

#include <string.h>

#include "common/jsonutil.h"

#define REF_PREFIX "#/components/schemas/"

/* Follow $ref and one-element allOf wrappers (the OpenAPI v3 files write a typed property
 * as {"allOf":[{"$ref":...}], "default":..., "description":...}). Bounded against cycles. */
static const json_t *resolve(const json_t *node, const json_t *components)
{
    for (int depth = 0; node && depth < 16; depth++) {
        const char *ref = fo_json_str(node, "$ref");
        if (ref) {
            if (!components || strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) != 0)
                return NULL;
            node = json_object_get(components, ref + strlen(REF_PREFIX));
            continue;
        }
        const json_t *all = json_object_get(node, "allOf");
        if (json_array_size(all) == 1 && !json_object_get(node, "properties") &&
            !json_object_get(node, "type")) {
            node = json_array_get(all, 0);
            continue;
        }
        return node;
    }
    return NULL;
}

fka_schema fka_schema_at(const json_t *node, const json_t *components, const json_t *object_meta,
                         bool structural)
{
    fka_schema s = {resolve(node, components), components, object_meta, node, structural};
    return s;
}

static fka_schema child(fka_schema parent, const json_t *node, bool structural)
{
    fka_schema s = {resolve(node, parent.components), parent.components, NULL, node, structural};
    return s;
}

fka_schema fka_schema_field(fka_schema s, const char *name)
{
    return fka_schema_field_n(s, name, strlen(name));
}

fka_schema fka_schema_field_n(fka_schema s, const char *name, size_t len)
{
    fka_schema none = {NULL, s.components, NULL, NULL, s.structural};
    if (!s.node)
        return none;
    if (s.object_meta && len == 8 && memcmp(name, "metadata", 8) == 0)
        return child(s, s.object_meta, false);
    const json_t *p = json_object_getn(json_object_get(s.node, "properties"), name, len);
    if (p)
        return child(s, p, s.structural);
    const json_t *ap = json_object_get(s.node, "additionalProperties");
    if (json_is_object(ap))
        return child(s, ap, s.structural);
    return none;
}

fka_schema fka_schema_items(fka_schema s)
{
    fka_schema none = {NULL, s.components, NULL, NULL, s.structural};
    const json_t *items = s.node ? json_object_get(s.node, "items") : NULL;
    return items && json_is_object(items) ? child(s, items, s.structural) : none;
}

const char *fka_schema_type(fka_schema s)
{
    const char *t = s.node ? fo_json_str(s.node, "type") : NULL;
    if (!t && s.node &&
        (json_object_get(s.node, "properties") || json_object_get(s.node, "additionalProperties")))
        t = "object";
    return t;
}

bool fka_schema_preserves_unknown(fka_schema s)
{
    if (!s.node)
        return true;
    if (json_is_true(json_object_get(s.node, "x-kubernetes-preserve-unknown-fields")) ||
        (s.outer && json_is_true(json_object_get(s.outer, "x-kubernetes-preserve-unknown-fields"))))
        return true;
    /* Built-in definitions without properties (RawExtension, JSONSchemaPropsOrArray, ...)
     * take anything; in a CRD schema such an object holds nothing. */
    return !s.structural && !json_object_get(s.node, "properties") &&
           !json_is_object(json_object_get(s.node, "additionalProperties"));
}

bool fka_schema_declares(fka_schema s, const char *name)
{
    return fka_schema_declares_n(s, name, strlen(name));
}

bool fka_schema_declares_n(fka_schema s, const char *name, size_t len)
{
    if (!s.node)
        return true;
    if (s.object_meta && len == 8 && memcmp(name, "metadata", 8) == 0)
        return true;
    if (json_object_getn(json_object_get(s.node, "properties"), name, len))
        return true;
    const json_t *ap = json_object_get(s.node, "additionalProperties");
    return json_is_object(ap) || json_is_true(ap);
}

/* An extension on the outer property node or on the resolved one. */
static const json_t *ext(fka_schema s, const char *name)
{
    const json_t *v = s.outer ? json_object_get(s.outer, name) : NULL;
    if (!v && s.node)
        v = json_object_get(s.node, name);
    return v;
}

fka_list_kind fka_schema_list(fka_schema s, const char **keys, size_t *nkeys)
{
    *nkeys = 0;
    const char *lt = json_string_value(ext(s, "x-kubernetes-list-type"));
    if (lt && strcmp(lt, "map") == 0) {
        size_t i;
        json_t *k;
        json_array_foreach(ext(s, "x-kubernetes-list-map-keys"), i, k)
        {
            if (*nkeys < FKA_SCHEMA_MAX_KEYS && json_is_string(k))
                keys[(*nkeys)++] = json_string_value(k);
        }
        return *nkeys ? FKA_LIST_MAP : FKA_LIST_ATOMIC;
    }
    if (lt && strcmp(lt, "set") == 0)
        return FKA_LIST_SET;
    if (lt)
        return FKA_LIST_ATOMIC;
    const char *strategy, *key;
    fka_schema_patch_meta(s, &strategy, &key);
    if (strategy && strstr(strategy, "merge")) {
        if (key) {
            keys[(*nkeys)++] = key;
            return FKA_LIST_MAP;
        }
        return FKA_LIST_SET;
    }
    return FKA_LIST_ATOMIC;
}

void fka_schema_patch_meta(fka_schema s, const char **strategy, const char **merge_key)
{
    *strategy = json_string_value(ext(s, "x-kubernetes-patch-strategy"));
    *merge_key = json_string_value(ext(s, "x-kubernetes-patch-merge-key"));
}

const json_t *fka_schema_default(fka_schema s)
{
    const json_t *d = s.outer ? json_object_get(s.outer, "default") : NULL;
    if (!d && s.node)
        d = json_object_get(s.node, "default");
    return d;
}
