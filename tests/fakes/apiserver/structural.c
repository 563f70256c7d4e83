#include "tests/fakes/apiserver/structural.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_DEPTH 64

static void prune_value(json_t *v, fka_schema s, bool defaults, json_t *unknown, fo_strbuf *path,
                        int depth, bool root);

static void add_defaults(json_t *obj, fka_schema s)
{
    const char *k;
    json_t *p;
    json_object_foreach((json_t *)json_object_get(s.node, "properties"), k, p)
    {
        if (json_object_get(obj, k))
            continue;
        const json_t *d = json_object_get(p, "default");
        if (d)
            json_object_set_new(obj, k, fo_json_copy(d));
    }
}

static void prune_object(json_t *obj, fka_schema s, bool defaults, json_t *unknown, fo_strbuf *path,
                         int depth, bool root)
{
    if (!s.node)
        return;
    if (defaults)
        add_defaults(obj, s);
    bool keep_unknown = fka_schema_preserves_unknown(s);
    const char *k;
    size_t kl;
    json_t *v;
    void *tmp;
    /* Member names are taken with their length: one may hold NUL (common/json_read.h), and
     * the API server prunes or keeps that member, never the one named by its part before the
     * NUL. */
    json_object_keylen_foreach_safe(obj, tmp, k, kl, v)
    {
        bool declared = fka_schema_declares_n(s, k, kl);
        if (root && kl == strlen(k) &&
            (strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "metadata") == 0))
            declared = true;
        size_t mark = path->len;
        fo_strbuf_printf(path, ".%s", k);
        if (!declared) {
            if (!keep_unknown) {
                if (unknown)
                    json_array_append_new(unknown, json_string(path->data));
                json_object_deln(obj, k, kl);
            }
        } else {
            fka_schema fs = fka_schema_field_n(s, k, kl);
            if (json_is_null(v) && fs.node && !json_is_true(json_object_get(fs.node, "nullable")) &&
                !fka_schema_preserves_unknown(fs)) {
                /* A null in a non-nullable field is dropped, and defaulted if it can be. */
                const json_t *d = defaults ? fka_schema_default(fs) : NULL;
                if (d)
                    json_object_setn_new(obj, k, kl, fo_json_copy(d));
                else
                    json_object_deln(obj, k, kl);
            } else {
                prune_value(v, fs, defaults, unknown, path, depth + 1, false);
            }
        }
        path->len = mark;
        path->data[mark] = '\0';
    }
}

static void prune_value(json_t *v, fka_schema s, bool defaults, json_t *unknown, fo_strbuf *path,
                        int depth, bool root)
{
    if (depth > MAX_DEPTH || !s.node)
        return;
    if (json_is_object(v)) {
        prune_object(v, s, defaults, unknown, path, depth, root);
    } else if (json_is_array(v)) {
        fka_schema is = fka_schema_items(s);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            size_t mark = path->len;
            fo_strbuf_printf(path, "[%zu]", i);
            prune_value(x, is, defaults, unknown, path, depth + 1, false);
            path->len = mark;
            path->data[mark] = '\0';
        }
    }
}

void fka_structural_prune(json_t *obj, fka_schema s, bool defaults, json_t *unknown)
{
    fo_strbuf path;
    fo_strbuf_init(&path, 64 * 1024);
    prune_value(obj, s, defaults, unknown, &path, 0, true);
    fo_strbuf_release(&path);
}

/* ---- validation (CRs) ---- */

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool type_ok(const json_t *v, const char *type)
{
    if (strcmp(type, "number") == 0)
        return json_is_number(v);
    if (strcmp(type, "integer") == 0)
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    return strcmp(json_type_name(v), type) == 0;
}

/* "spec.x" from the ".spec.x" path. */
static const char *field_of(const fo_strbuf *path)
{
    return path->data[0] == '.' ? path->data + 1 : path->data;
}

static void validate_value(const json_t *v, fka_schema s, fo_field_errors *errs, fo_strbuf *path,
                           int depth)
{
    if (depth > MAX_DEPTH || !s.node || !v)
        return;
    const char *field = field_of(path);
    bool int_or_string = json_is_true(json_object_get(s.node, "x-kubernetes-int-or-string"));
    const char *type = fo_json_str(s.node, "type");
    if (json_is_null(v))
        return;
    if (int_or_string) {
        if (!type_ok(v, "integer") && !json_is_string(v)) /* 2.0 is an integer too */
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                     "%s in body must be of type integer,string: \"%s\"", field,
                                     json_type_name(v));
        return;
    }
    if (type && !type_ok(v, type)) {
        fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                 "%s in body must be of type %s: \"%s\"", field, type,
                                 json_type_name(v));
        return;
    }
    const json_t *en = json_object_get(s.node, "enum");
    if (json_is_array(en)) {
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(en, i, e) if (fo_json_equal(e, v)) found = true;
        if (!found) {
            fo_strbuf sup;
            fo_strbuf_init(&sup, 4096);
            json_array_foreach(en, i, e)
            {
                char *t = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
                fo_strbuf_printf(&sup, "%s%s", i ? ", " : "", t ? t : "");
                free(t);
            }
            fo_field_errors_add_json(errs, FO_FE_UNSUPPORTED, field, v, "supported values: %s",
                                     sup.data);
            fo_strbuf_release(&sup);
        }
    }
    if (json_is_number(v)) {
        double x = json_number_value(v);
        const json_t *mn = json_object_get(s.node, "minimum");
        const json_t *mx = json_object_get(s.node, "maximum");
        if (json_is_number(mn) && x < json_number_value(mn))
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                     "%s in body should be greater than or equal to %g", field,
                                     json_number_value(mn));
        if (json_is_number(mx) && x > json_number_value(mx))
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                     "%s in body should be less than or equal to %g", field,
                                     json_number_value(mx));
    }
    if (json_is_string(v)) {
        const json_t *mn = json_object_get(s.node, "minLength");
        const json_t *mx = json_object_get(s.node, "maxLength");
        json_int_t n = (json_int_t)json_string_length(v);
        if (json_is_integer(mn) && n < json_integer_value(mn))
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, v,
                                     "%s in body should be at least %lld chars long", field,
                                     (long long)json_integer_value(mn));
        if (json_is_integer(mx) && n > json_integer_value(mx))
            fo_field_errors_add(errs, FO_FE_TOO_LONG, field, NULL,
                                "may not be more than %lld bytes",
                                (long long)json_integer_value(mx));
    }
    if (json_is_array(v)) {
        const json_t *mn = json_object_get(s.node, "minItems");
        const json_t *mx = json_object_get(s.node, "maxItems");
        json_int_t n = (json_int_t)json_array_size(v);
        if (json_is_integer(mn) && n < json_integer_value(mn))
            fo_field_errors_add_int(errs, FO_FE_INVALID, field, (int64_t)n,
                                    "%s in body should have at least %lld items", field,
                                    (long long)json_integer_value(mn));
        if (json_is_integer(mx) && n > json_integer_value(mx))
            fo_field_errors_add(errs, FO_FE_INVALID, field, NULL, "must have at most %lld items",
                                (long long)json_integer_value(mx));
        fka_schema is = fka_schema_items(s);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            size_t mark = path->len;
            fo_strbuf_printf(path, "[%zu]", i);
            /* nulls are dropped from objects, not from lists: a null element is refused */
            const char *item_type = is.node ? fo_json_str(is.node, "type") : NULL;
            if (json_is_null(x) && item_type &&
                !json_is_true(json_object_get(is.node, "nullable")))
                fo_field_errors_add_json(errs, FO_FE_INVALID, field_of(path), x,
                                         "%s in body must be of type %s: \"null\"",
                                         field_of(path), item_type);
            validate_value(x, is, errs, path, depth + 1);
            path->len = mark;
            path->data[mark] = '\0';
        }
    }
    if (json_is_object(v)) {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(s.node, "required"), i, r)
        {
            const char *name = json_string_value(r);
            if (name && !json_object_get(v, name)) {
                size_t mark = path->len;
                fo_strbuf_printf(path, ".%s", name);
                fo_field_errors_add(errs, FO_FE_REQUIRED, field_of(path), NULL, NULL);
                path->len = mark;
                path->data[mark] = '\0';
            }
        }
        const char *k;
        size_t kl;
        json_t *x;
        json_object_keylen_foreach((json_t *)v, k, kl, x)
        {
            if (depth == 0 && kl == strlen(k) &&
                (strcmp(k, "metadata") == 0 || strcmp(k, "apiVersion") == 0 ||
                 strcmp(k, "kind") == 0))
                continue;
            size_t mark = path->len;
            fo_strbuf_printf(path, ".%s", k);
            validate_value(x, fka_schema_field_n(s, k, kl), errs, path, depth + 1);
            path->len = mark;
            path->data[mark] = '\0';
        }
    }
}

void fka_structural_validate(const json_t *obj, fka_schema s, fo_field_errors *errs)
{
    fo_strbuf path;
    fo_strbuf_init(&path, 64 * 1024);
    validate_value(obj, s, errs, &path, 0);
    fo_strbuf_release(&path);
}
