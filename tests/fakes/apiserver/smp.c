#include "tests/fakes/apiserver/smp.h"

#include <string.h>

#include "common/jsonutil.h"

#define SET_ORDER "$setElementOrder/"
#define DELETE_PRIM "$deleteFromPrimitiveList/"

static json_t *merge_map(const json_t *orig, const json_t *patch, fka_schema s, fo_err *err);

/* A copy of v with every directive key removed (for values that replace or are new). */
static json_t *strip(const json_t *v)
{
    if (json_is_object(v)) {
        json_t *out = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            if (k[0] == '$')
                continue;
            json_object_set_new(out, k, strip(x));
        }
        return out;
    }
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (json_is_object(x) && json_object_get(x, "$patch"))
                continue;
            json_array_append_new(out, strip(x));
        }
        return out;
    }
    return fo_json_copy(v);
}

static bool has_item(const json_t *arr, const json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (fo_json_equal(x, v)) return true;
    return false;
}

static json_t *find_by_key(const json_t *arr, const char *key, const json_t *val, size_t *idx)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        if (fo_json_equal(json_object_get(x, key), val)) {
            if (idx)
                *idx = i;
            return x;
        }
    }
    return NULL;
}

static json_t *merge_list(const json_t *orig, const json_t *patch, fka_schema s, fo_err *err)
{
    const char *strategy, *key;
    fka_schema_patch_meta(s, &strategy, &key);
    /* A {"$patch":"replace"} item makes the rest of the patch list the whole list. */
    size_t i;
    json_t *p;
    json_array_foreach(patch, i, p)
    {
        const char *d = json_is_object(p) ? fo_json_str(p, "$patch") : NULL;
        if (d && strcmp(d, "replace") == 0)
            return strip(patch);
    }
    if (!strategy || !strstr(strategy, "merge"))
        return strip(patch);
    json_t *out = fo_json_copy(orig);
    if (!key) {
        /* Merging a list of scalars: a set union keeping the original order. */
        json_array_foreach(patch, i, p) if (!has_item(out, p)) json_array_append(out, p);
        return out;
    }
    fka_schema items = fka_schema_items(s);
    json_array_foreach(patch, i, p)
    {
        if (!json_is_object(p)) {
            if (!has_item(out, p))
                json_array_append(out, p);
            continue;
        }
        json_t *kv = json_object_get(p, key);
        if (!kv) {
            fo_err_set(err, FO_EINVAL, "map: %s does not contain declared merge key: %s",
                       "patch item", key);
            json_decref(out);
            return NULL;
        }
        size_t at = 0;
        json_t *cur = find_by_key(out, key, kv, &at);
        const char *d = fo_json_str(p, "$patch");
        if (d && strcmp(d, "delete") == 0) {
            if (cur)
                json_array_remove(out, at);
            continue;
        }
        if (!cur) {
            json_array_append_new(out, strip(p));
            continue;
        }
        json_t *m = merge_map(cur, p, items, err);
        if (!m) {
            json_decref(out);
            return NULL;
        }
        json_array_set_new(out, at, m);
    }
    return out;
}

/* $setElementOrder: put the listed items first, in that order (the rest keep theirs). */
static void reorder(json_t *list, const json_t *order, const char *key)
{
    json_t *sorted = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(order, i, o)
    {
        json_t *match = NULL;
        size_t at = 0, j;
        json_t *x;
        json_array_foreach(list, j, x)
        {
            bool same = key ? fo_json_equal(json_object_get(x, key), json_object_get(o, key))
                            : fo_json_equal(x, o);
            if (same) {
                match = x;
                at = j;
                break;
            }
        }
        if (match) {
            json_array_append(sorted, match);
            json_array_remove(list, at);
        }
    }
    json_array_extend(sorted, list);
    json_array_clear(list);
    json_array_extend(list, sorted);
    json_decref(sorted);
}

static json_t *merge_map(const json_t *orig, const json_t *patch, fka_schema s, fo_err *err)
{
    const char *d = fo_json_str(patch, "$patch");
    if (d && strcmp(d, "replace") == 0)
        return strip(patch);
    if (d && strcmp(d, "delete") == 0)
        return json_null();
    if (d && strcmp(d, "merge") != 0) {
        fo_err_set(err, FO_EINVAL, "unknown patch type: %s in map: %s", d, "patch");
        return NULL;
    }
    json_t *out = json_is_object(orig) ? fo_json_copy(orig) : json_object();
    const char *k;
    json_t *pv;
    json_object_foreach((json_t *)patch, k, pv)
    {
        if (k[0] == '$')
            continue;
        json_t *ov = json_object_get(out, k);
        fka_schema fs = fka_schema_field(s, k);
        if (json_is_null(pv)) {
            json_object_del(out, k);
        } else if (json_is_object(pv) && json_is_object(ov)) {
            json_t *m = merge_map(ov, pv, fs, err);
            if (!m) {
                json_decref(out);
                return NULL;
            }
            if (json_is_null(m)) {
                json_decref(m);
                json_object_del(out, k);
            } else {
                json_object_set_new(out, k, m);
            }
        } else if (json_is_array(pv) && json_is_array(ov)) {
            json_t *m = merge_list(ov, pv, fs, err);
            if (!m) {
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, m);
        } else if (json_is_object(pv) && fo_json_str(pv, "$patch") &&
                   strcmp(fo_json_str(pv, "$patch"), "delete") == 0) {
            json_object_del(out, k);
        } else {
            json_object_set_new(out, k, strip(pv));
        }
    }
    /* List directives after the merge. */
    json_object_foreach((json_t *)patch, k, pv)
    {
        if (strncmp(k, DELETE_PRIM, strlen(DELETE_PRIM)) == 0) {
            json_t *list = json_object_get(out, k + strlen(DELETE_PRIM));
            size_t i;
            json_t *x;
            json_array_foreach(pv, i, x)
            {
                size_t j;
                json_t *y;
                json_array_foreach(list, j, y) if (fo_json_equal(x, y))
                {
                    json_array_remove(list, j);
                    break;
                }
            }
        } else if (strncmp(k, SET_ORDER, strlen(SET_ORDER)) == 0) {
            const char *field = k + strlen(SET_ORDER);
            json_t *list = json_object_get(out, field);
            if (json_is_array(list) && json_is_array(pv)) {
                const char *strategy, *key;
                fka_schema_patch_meta(fka_schema_field(s, field), &strategy, &key);
                reorder(list, pv, key);
            }
        }
    }
    json_t *retain = json_object_get(patch, "$retainKeys");
    if (json_is_array(retain)) {
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(out, tmp, key, v)
        {
            bool keep = false;
            size_t i;
            json_t *r;
            json_array_foreach(retain, i, r) if (json_is_string(r) && strcmp(json_string_value(r),
                                                                             key) == 0) keep = true;
            if (!keep)
                json_object_del(out, key);
        }
    }
    return out;
}

json_t *fka_smp_apply(const json_t *doc, const json_t *patch, fka_schema s, fo_err *err)
{
    if (!json_is_object(patch)) {
        fo_err_set(err, FO_EINVAL, "strategic merge patch must be a JSON object");
        return NULL;
    }
    json_t *out = merge_map(doc, patch, s, err);
    if (out && json_is_null(out)) {
        json_decref(out);
        return json_object();
    }
    return out;
}
