/* The rules a CRD's openAPIV3Schema must follow before the API server accepts it: the
 * apiextensions static checks (forbidden keywords, additionalProperties beside properties,
 * list and map type extensions, x-kubernetes-validations shape) and the structural-schema
 * invariants (Kubernetes KEP-1002 "structural schemas"): every node has a type except
 * int-or-string and preserve-unknown-fields nodes, arrays have items, the root is an object
 * without additionalProperties, root metadata restricts only name and generateName, and the
 * logical junctors (allOf, anyOf, oneOf, not) hold value checks only, on fields that are also
 * declared outside them. Messages follow the API server's wording. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/kubecheck/cel_subset.h"
#include "tests/tools/kubecheck/internal.h"
#include "tests/tools/kubecheck/kubecheck.h"

typedef enum { LVL_ROOT, LVL_ITEM, LVL_FIELD } level;

typedef struct sctx {
    fo_field_errors *errs;
    fo_kc_path p;
} sctx;

static void err_at(sctx *c, const char *child, fo_fe_type type, const char *detail)
{
    if (fo_kc_full(c->errs))
        return;
    size_t mark = child ? fo_kc_path_field(&c->p, child) : c->p.len;
    fo_field_errors_add(c->errs, type, fo_kc_path_str(&c->p), NULL, "%s", detail);
    fo_kc_path_pop(&c->p, mark);
}

static bool is_true(const json_t *s, const char *key)
{
    return json_is_true(json_object_get(s, key));
}

static const char *str(const json_t *s, const char *key)
{
    return json_string_value(json_object_get(s, key));
}

/* anyOf: [{type: integer}, {type: string}] exactly: the int-or-string spelling allowed under
 * a junctor. */
static bool int_or_string_any_of(const json_t *any)
{
    if (!json_is_array(any) || json_array_size(any) != 2)
        return false;
    const json_t *a = json_array_get(any, 0), *b = json_array_get(any, 1);
    return json_object_size(a) == 1 && json_object_size(b) == 1 && str(a, "type") &&
           str(b, "type") && !strcmp(str(a, "type"), "integer") &&
           !strcmp(str(b, "type"), "string");
}

/* ---- under the logical junctors: value validation only ------------------------------------ */

static void junctor_node(sctx *c, const json_t *s, bool skip_any_of, bool skip_first_all_of);

static void junctor_list(sctx *c, const json_t *s, const char *key, bool skip_any_of,
                         bool skip_first_all_of)
{
    const json_t *list = json_object_get(s, key);
    size_t i;
    const json_t *sub;
    size_t mark = fo_kc_path_field(&c->p, key);
    json_array_foreach(list, i, sub)
    {
        if (!strcmp(key, "anyOf") && skip_any_of)
            break;
        size_t m2 = fo_kc_path_index(&c->p, i);
        bool skip = !strcmp(key, "allOf") && i == 0 && skip_first_all_of;
        junctor_node(c, sub, skip, false);
        fo_kc_path_pop(&c->p, m2);
    }
    fo_kc_path_pop(&c->p, mark);
}

static void junctor_node(sctx *c, const json_t *s, bool skip_any_of, bool skip_first_all_of)
{
    static const struct {
        const char *key;
        const char *detail;
    } forbidden[] = {
        {"type", "must be empty to be structural"},
        {"additionalProperties", "must be undefined to be structural"},
        {"default", "must be undefined to be structural"},
        {"title", "must be empty to be structural"},
        {"description", "must be empty to be structural"},
        {"nullable", "must be false to be structural"},
        {"x-kubernetes-preserve-unknown-fields", "must be false to be structural"},
        {"x-kubernetes-embedded-resource", "must be false to be structural"},
        {"x-kubernetes-int-or-string", "must be false to be structural"},
        {"x-kubernetes-list-map-keys", "must be empty to be structural"},
        {"x-kubernetes-list-type", "must be undefined to be structural"},
    };
    if (!json_is_object(s))
        return;
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        const json_t *v = json_object_get(s, forbidden[i].key);
        if (v && !json_is_false(v))
            err_at(c, forbidden[i].key, FO_FE_FORBIDDEN, forbidden[i].detail);
    }
    const json_t *props = json_object_get(s, "properties");
    if (json_object_get(props, "metadata")) {
        size_t mark = fo_kc_path_field(&c->p, "properties");
        fo_kc_path_key(&c->p, "metadata");
        err_at(c, NULL, FO_FE_FORBIDDEN, "must not be specified in a nested context");
        fo_kc_path_pop(&c->p, mark);
    }
    const char *key;
    const json_t *child;
    json_object_foreach((json_t *)props, key, child)
    {
        size_t mark = fo_kc_path_field(&c->p, "properties");
        fo_kc_path_key(&c->p, key);
        junctor_node(c, child, false, false);
        fo_kc_path_pop(&c->p, mark);
    }
    if (json_object_get(s, "items")) {
        size_t mark = fo_kc_path_field(&c->p, "items");
        junctor_node(c, json_object_get(s, "items"), false, false);
        fo_kc_path_pop(&c->p, mark);
    }
    junctor_list(c, s, "anyOf", skip_any_of, false);
    junctor_list(c, s, "allOf", false, skip_first_all_of);
    junctor_list(c, s, "oneOf", false, false);
    if (json_object_get(s, "not")) {
        size_t mark = fo_kc_path_field(&c->p, "not");
        junctor_node(c, json_object_get(s, "not"), false, false);
        fo_kc_path_pop(&c->p, mark);
    }
}

/* Fields and items named under a junctor must also be declared outside it. */
static void completeness(sctx *c, const json_t *outer, const json_t *inner)
{
    const json_t *props = json_object_get(inner, "properties");
    const char *key;
    const json_t *child;
    json_object_foreach((json_t *)props, key, child)
    {
        const json_t *o = json_object_get(json_object_get(outer, "properties"), key);
        size_t mark = fo_kc_path_field(&c->p, "properties");
        fo_kc_path_key(&c->p, key);
        if (!o)
            err_at(c, NULL, FO_FE_REQUIRED, "must be specified outside of the logical junctors");
        else
            completeness(c, o, child);
        fo_kc_path_pop(&c->p, mark);
    }
    const json_t *items = json_object_get(inner, "items");
    if (items) {
        size_t mark = fo_kc_path_field(&c->p, "items");
        if (!json_object_get(outer, "items"))
            err_at(c, NULL, FO_FE_REQUIRED, "must be specified outside of the logical junctors");
        else
            completeness(c, json_object_get(outer, "items"), items);
        fo_kc_path_pop(&c->p, mark);
    }
    static const char *const junctors[] = {"allOf", "anyOf", "oneOf"};
    for (int j = 0; j < 3; j++) {
        size_t i;
        const json_t *sub;
        json_array_foreach(json_object_get(inner, junctors[j]), i, sub) completeness(c, outer, sub);
    }
    if (json_object_get(inner, "not"))
        completeness(c, outer, json_object_get(inner, "not"));
}

/* ---- the node itself -------------------------------------------------------------------- */

static void validations(sctx *c, const json_t *s, bool uncorrelatable)
{
    static const char *const reasons[] = {"FieldValueInvalid", "FieldValueForbidden",
                                          "FieldValueRequired", "FieldValueDuplicate", NULL};
    const json_t *rules = json_object_get(s, "x-kubernetes-validations");
    size_t i;
    const json_t *r;
    size_t mark = fo_kc_path_field(&c->p, "x-kubernetes-validations");
    json_array_foreach(rules, i, r)
    {
        size_t m2 = fo_kc_path_index(&c->p, i);
        const char *rule = str(r, "rule"), *msg = str(r, "message"), *reason = str(r, "reason");
        const char *fp = str(r, "fieldPath");
        if (!rule || !*rule)
            err_at(c, "rule", FO_FE_REQUIRED, "rule is not specified");
        else if (msg && strspn(msg, " \t") == strlen(msg))
            err_at(c, "message", FO_FE_INVALID, "message must be non-empty if specified");
        else if (msg && strpbrk(msg, "\r\n"))
            err_at(c, "message", FO_FE_INVALID, "message must not contain line breaks");
        else if (strpbrk(rule, "\r\n") && !msg)
            err_at(c, "message", FO_FE_REQUIRED,
                   "message must be specified if rule contains line breaks");
        if (reason) {
            bool ok = false;
            for (int k = 0; reasons[k]; k++)
                ok = ok || !strcmp(reasons[k], reason);
            if (!ok)
                err_at(c, "reason", FO_FE_UNSUPPORTED,
                       "supported values: FieldValueInvalid, FieldValueForbidden, "
                       "FieldValueRequired, FieldValueDuplicate");
        }
        if (fp && (!*fp || strpbrk(fp, "\r\n")))
            err_at(c, "fieldPath", FO_FE_INVALID, "fieldPath must be non-empty and on one line");
        if (rule && *rule) {
            fo_err err;
            fo_err_clear(&err);
            fo_cel_expr *e = fo_cel_parse(rule, &err);
            char detail[FO_ERR_MSG_MAX + 80];
            if (!e) {
                snprintf(detail, sizeof detail, "not in the CEL subset kubecheck can verify (%s)",
                         err.message);
                err_at(c, "rule", FO_FE_INVALID, detail);
            } else {
                if (fo_cel_check(e, s, &err) != FO_OK) {
                    snprintf(detail, sizeof detail, "compilation failed: %s", err.message);
                    err_at(c, "rule", FO_FE_INVALID, detail);
                }
                if (fo_cel_uses_old_self(e) && uncorrelatable)
                    err_at(c, "rule", FO_FE_INVALID,
                           "oldSelf cannot be used on the uncorrelatable portion of the schema");
            }
            fo_cel_free(e);
        }
        fo_kc_path_pop(&c->p, m2);
    }
    fo_kc_path_pop(&c->p, mark);
}

static void list_map(sctx *c, const json_t *s)
{
    const char *lt = str(s, "x-kubernetes-list-type");
    const json_t *keys = json_object_get(s, "x-kubernetes-list-map-keys");
    const json_t *items = json_object_get(s, "items");
    if (json_array_size(keys) > 0 && (!lt || strcmp(lt, "map")))
        err_at(c, "x-kubernetes-list-type", lt ? FO_FE_INVALID : FO_FE_REQUIRED,
               "must be map if x-kubernetes-list-map-keys is non-empty");
    if (lt && (!strcmp(lt, "set") || !strcmp(lt, "map")) && is_true(items, "nullable"))
        err_at(c, "items", FO_FE_FORBIDDEN,
               "cannot be nullable when x-kubernetes-list-type is set or map");
    if (!lt || strcmp(lt, "map"))
        return;
    if (json_array_size(keys) == 0)
        err_at(c, "x-kubernetes-list-map-keys", FO_FE_REQUIRED,
               "must not be empty if x-kubernetes-list-type is map");
    if (!json_is_object(items) || !str(items, "type") || strcmp(str(items, "type"), "object")) {
        err_at(c, "items", FO_FE_INVALID,
               "must be object if parent array's x-kubernetes-list-type is map");
        return;
    }
    size_t i, j;
    const json_t *k, *k2;
    json_array_foreach(keys, i, k)
    {
        const char *name = json_string_value(k);
        const json_t *prop =
            json_object_get(json_object_get(items, "properties"), name ? name : "");
        if (!prop) {
            err_at(c, "x-kubernetes-list-map-keys", FO_FE_INVALID,
                   "entries must all be names of item properties");
            continue;
        }
        const char *t = str(prop, "type");
        if (t && (!strcmp(t, "array") || !strcmp(t, "object")))
            err_at(c, "items", FO_FE_INVALID, "map keys must be of a scalar type");
        bool required = false;
        json_array_foreach(json_object_get(items, "required"), j, k2) required =
            required || json_equal(k, k2);
        if (!required && !json_object_get(prop, "default"))
            err_at(c, "items", FO_FE_REQUIRED,
                   "a property in x-kubernetes-list-map-keys must have a default or be a required "
                   "property");
        if (is_true(prop, "nullable"))
            err_at(c, "items", FO_FE_FORBIDDEN,
                   "a property in x-kubernetes-list-map-keys cannot be nullable");
        for (size_t m = 0; m < i; m++)
            if (json_equal(json_array_get(keys, m), k))
                err_at(c, "x-kubernetes-list-map-keys", FO_FE_INVALID,
                       "must not contain duplicate entries");
    }
}

static void root_metadata(sctx *c, const json_t *meta)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)meta, key, v)
    {
        bool ok = !strcmp(key, "type") || !strcmp(key, "properties");
        if (!strcmp(key, "properties")) {
            const char *pk;
            const json_t *pv;
            json_object_foreach((json_t *)v, pk, pv) ok =
                ok && (!strcmp(pk, "name") || !strcmp(pk, "generateName"));
        }
        if (!ok) {
            size_t mark = fo_kc_path_field(&c->p, "properties");
            fo_kc_path_key(&c->p, "metadata");
            err_at(c, NULL, FO_FE_FORBIDDEN,
                   "must not specify anything other than name and generateName, but metadata is "
                   "implicitly specified");
            fo_kc_path_pop(&c->p, mark);
            return;
        }
    }
}

static void node(sctx *c, const json_t *s, level lvl, bool in_meta, bool uncorrelatable, int depth)
{
    static const char *const types[] = {"array",  "boolean", "integer", "number",
                                        "object", "string",  NULL};
    static const char *const unsupported[] = {
        "id", "additionalItems", "patternProperties", "definitions", "dependencies", "$ref", NULL};
    if (!json_is_object(s)) {
        err_at(c, NULL, FO_FE_INVALID, "must be a schema object");
        return;
    }
    if (depth > FO_KUBECHECK_MAX_DEPTH || fo_kc_full(c->errs))
        return;
    const char *type = str(s, "type");
    bool ios = is_true(s, "x-kubernetes-int-or-string");
    bool puf = is_true(s, "x-kubernetes-preserve-unknown-fields");
    bool emb = is_true(s, "x-kubernetes-embedded-resource");
    const json_t *props = json_object_get(s, "properties");
    const json_t *addl = json_object_get(s, "additionalProperties");

    if (type) {
        bool known = false;
        for (int i = 0; types[i]; i++)
            known = known || !strcmp(types[i], type);
        if (!strcmp(type, "null"))
            err_at(c, "type", FO_FE_FORBIDDEN,
                   "type cannot be set to null, use nullable as an alternative");
        else if (!known)
            err_at(c, "type", FO_FE_UNSUPPORTED,
                   "supported values: array, boolean, integer, number, object, string");
    }
    for (int i = 0; unsupported[i]; i++)
        if (json_object_get(s, unsupported[i])) {
            char d[64];
            snprintf(d, sizeof d, "%s is not supported", unsupported[i]);
            err_at(c, unsupported[i], FO_FE_FORBIDDEN, d);
        }
    if (is_true(s, "uniqueItems"))
        err_at(c, "uniqueItems", FO_FE_FORBIDDEN,
               "uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
    if (addl && json_object_size(props) > 0 && !json_is_true(addl))
        err_at(c, "additionalProperties", FO_FE_FORBIDDEN,
               "additionalProperties and properties are mutual exclusive");
    if (json_is_array(json_object_get(s, "items")))
        err_at(c, "items", FO_FE_FORBIDDEN, "items must be a schema object and not an array");
    if (json_is_false(json_object_get(s, "x-kubernetes-preserve-unknown-fields")))
        err_at(c, "x-kubernetes-preserve-unknown-fields", FO_FE_INVALID,
               "must be true or undefined");
    const char *mt = str(s, "x-kubernetes-map-type");
    if (mt && (!type || strcmp(type, "object")))
        err_at(c, "type", FO_FE_INVALID, "must be object if x-kubernetes-map-type is specified");
    if (mt && strcmp(mt, "atomic") && strcmp(mt, "granular"))
        err_at(c, "x-kubernetes-map-type", FO_FE_UNSUPPORTED, "supported values: atomic, granular");
    const char *lt = str(s, "x-kubernetes-list-type");
    if (lt && (!type || strcmp(type, "array")))
        err_at(c, "type", FO_FE_INVALID, "must be array if x-kubernetes-list-type is specified");
    if (lt && strcmp(lt, "atomic") && strcmp(lt, "set") && strcmp(lt, "map"))
        err_at(c, "x-kubernetes-list-type", FO_FE_UNSUPPORTED,
               "supported values: atomic, set, map");
    list_map(c, s);
    if (json_object_get(s, "default") && in_meta)
        err_at(c, "default", FO_FE_FORBIDDEN,
               "must not be set in top-level metadata, apiVersion or kind");
    if (emb && in_meta)
        err_at(c, "x-kubernetes-embedded-resource", FO_FE_FORBIDDEN,
               "must not be used inside of resource meta");

    /* structural invariants */
    if (type && !strcmp(type, "array") && !json_object_get(s, "items"))
        err_at(c, "items", FO_FE_REQUIRED, "must be specified");
    if (emb && (!type || strcmp(type, "object")))
        err_at(c, "type", type ? FO_FE_INVALID : FO_FE_REQUIRED,
               "must be object if x-kubernetes-embedded-resource is true");
    else if (!type && !ios && !puf)
        err_at(c, "type", FO_FE_REQUIRED,
               lvl == LVL_ROOT   ? "must not be empty at the root"
               : lvl == LVL_ITEM ? "must not be empty for specified array items"
                                 : "must not be empty for specified object fields");
    if (emb && addl)
        err_at(c, "additionalProperties", FO_FE_FORBIDDEN,
               "must not be used if x-kubernetes-embedded-resource is set");
    if (emb && !puf && json_object_size(props) == 0)
        err_at(c, "properties", FO_FE_REQUIRED,
               "must not be empty if x-kubernetes-embedded-resource is true without "
               "x-kubernetes-preserve-unknown-fields");
    if (lvl == LVL_ROOT && type && strcmp(type, "object"))
        err_at(c, "type", FO_FE_INVALID, "must be object at the root");
    if (lvl == LVL_ROOT && addl)
        err_at(c, "additionalProperties", FO_FE_FORBIDDEN, "must not be used at the root");
    if (ios && puf)
        err_at(c, "x-kubernetes-preserve-unknown-fields", FO_FE_INVALID,
               "must be false if x-kubernetes-int-or-string is true");
    if (ios && emb)
        err_at(c, "x-kubernetes-embedded-resource", FO_FE_INVALID,
               "must be false if x-kubernetes-int-or-string is true");
    if (ios && type)
        err_at(c, "type", FO_FE_INVALID, "must be empty if x-kubernetes-int-or-string is true");
    if (lvl == LVL_ROOT || emb) {
        const json_t *k = json_object_get(props, "kind"),
                     *av = json_object_get(props, "apiVersion");
        const json_t *md = json_object_get(props, "metadata");
        if (k && (!str(k, "type") || strcmp(str(k, "type"), "string")))
            err_at(c, "properties", FO_FE_INVALID, "kind must be of type string");
        if (av && (!str(av, "type") || strcmp(str(av, "type"), "string")))
            err_at(c, "properties", FO_FE_INVALID, "apiVersion must be of type string");
        if (md && (!str(md, "type") || strcmp(str(md, "type"), "object")))
            err_at(c, "properties", FO_FE_INVALID, "metadata must be of type object");
        if (md && lvl == LVL_ROOT)
            root_metadata(c, md);
    }
    const char *pattern = str(s, "pattern");
    regex_t re;
    if (pattern && !strstr(pattern, "\\") && regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        err_at(c, "pattern", FO_FE_INVALID, "must be a valid regular expression");
    else if (pattern && !strstr(pattern, "\\"))
        regfree(&re);

    /* value validation under junctors, and completeness */
    bool skip_any = int_or_string_any_of(json_object_get(s, "anyOf"));
    const json_t *all = json_object_get(s, "allOf");
    bool skip_all = json_array_size(all) >= 1 &&
                    int_or_string_any_of(json_object_get(json_array_get(all, 0), "anyOf"));
    junctor_list(c, s, "anyOf", skip_any, false);
    junctor_list(c, s, "allOf", false, skip_all);
    junctor_list(c, s, "oneOf", false, false);
    if (json_object_get(s, "not")) {
        size_t mark = fo_kc_path_field(&c->p, "not");
        junctor_node(c, json_object_get(s, "not"), false, false);
        fo_kc_path_pop(&c->p, mark);
    }
    static const char *const junctors[] = {"allOf", "anyOf", "oneOf"};
    for (int j = 0; j < 3; j++) {
        size_t i;
        const json_t *sub;
        json_array_foreach(json_object_get(s, junctors[j]), i, sub) completeness(c, s, sub);
    }
    if (json_object_get(s, "not"))
        completeness(c, s, json_object_get(s, "not"));

    validations(c, s, uncorrelatable);

    /* children */
    const char *key;
    const json_t *child;
    bool atomic_map = mt && !strcmp(mt, "atomic");
    json_object_foreach((json_t *)props, key, child)
    {
        size_t mark = fo_kc_path_field(&c->p, "properties");
        fo_kc_path_key(&c->p, key);
        bool meta =
            (lvl == LVL_ROOT || emb) &&
            (!strcmp(key, "metadata") || !strcmp(key, "apiVersion") || !strcmp(key, "kind"));
        node(c, child, LVL_FIELD, meta || in_meta, uncorrelatable || atomic_map, depth + 1);
        fo_kc_path_pop(&c->p, mark);
    }
    if (json_is_object(addl)) {
        size_t mark = fo_kc_path_field(&c->p, "additionalProperties");
        node(c, addl, LVL_FIELD, in_meta, uncorrelatable || atomic_map, depth + 1);
        fo_kc_path_pop(&c->p, mark);
    }
    const json_t *items = json_object_get(s, "items");
    if (json_is_object(items)) {
        size_t mark = fo_kc_path_field(&c->p, "items");
        node(c, items, LVL_ITEM, in_meta, uncorrelatable || !lt || strcmp(lt, "map"), depth + 1);
        fo_kc_path_pop(&c->p, mark);
    }
}

void fo_kubecheck_structural(const json_t *schema, const char *path, bool status_subresource,
                             fo_field_errors *errs)
{
    static const char *const root_allowed[] = {"description",
                                               "type",
                                               "format",
                                               "title",
                                               "maximum",
                                               "exclusiveMaximum",
                                               "minimum",
                                               "exclusiveMinimum",
                                               "maxLength",
                                               "minLength",
                                               "pattern",
                                               "maxItems",
                                               "minItems",
                                               "uniqueItems",
                                               "multipleOf",
                                               "required",
                                               "items",
                                               "properties",
                                               "externalDocs",
                                               "example",
                                               "x-kubernetes-preserve-unknown-fields",
                                               "x-kubernetes-validations",
                                               NULL};
    sctx c = {.errs = errs};
    fo_kc_path_field(&c.p, path);
    if (status_subresource && json_is_object(schema)) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)schema, key, v)
        {
            bool ok = false;
            for (int i = 0; root_allowed[i]; i++)
                ok = ok || !strcmp(root_allowed[i], key);
            if (!ok) {
                char d[160];
                snprintf(d, sizeof d,
                         "%s is not allowed at the root of the schema if the status subresource is "
                         "enabled",
                         key);
                err_at(&c, NULL, FO_FE_INVALID, d);
            }
        }
    }
    if (is_true(schema, "nullable"))
        err_at(&c, "nullable", FO_FE_FORBIDDEN, "nullable cannot be true at the root");
    node(&c, schema, LVL_ROOT, false, false, 0);
}
