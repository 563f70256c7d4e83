#include "tests/fakes/apiserver/fieldset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

/* Metadata the server owns: never part of a manager's set. */
static bool server_owned_meta(const char *k)
{
    static const char *const owned[] = {"name",
                                        "namespace",
                                        "uid",
                                        "resourceVersion",
                                        "generation",
                                        "creationTimestamp",
                                        "managedFields",
                                        "selfLink",
                                        "deletionTimestamp",
                                        "deletionGracePeriodSeconds",
                                        "generateName",
                                        NULL};
    for (size_t i = 0; owned[i]; i++)
        if (strcmp(k, owned[i]) == 0)
            return true;
    return false;
}

static bool skip_top(const char *k, bool with_status)
{
    return strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 ||
           (!with_status && strcmp(k, "status") == 0);
}

static char *token(const char *prefix, const char *text)
{
    size_t n = strlen(prefix) + strlen(text) + 1;
    char *t = malloc(n);
    if (t) {
        strcpy(t, prefix);
        strcat(t, text);
    }
    return t;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "k:{...}" with the key fields sorted by name, or NULL when the item lacks a key. A key
 * field the item leaves out takes the schema's default (ports' protocol: TCP), as
 * structured-merge-diff does. */
static char *item_key_token(const json_t *item, const char **keys, size_t nkeys, fka_schema is)
{
    const char *sorted[FKA_SCHEMA_MAX_KEYS];
    memcpy(sorted, keys, nkeys * sizeof *keys);
    qsort(sorted, nkeys, sizeof *sorted, cmp_str);
    json_t *k = json_object();
    for (size_t i = 0; i < nkeys; i++) {
        const json_t *v = json_object_get(item, sorted[i]);
        if (!v)
            v = fka_schema_default(fka_schema_field(is, sorted[i]));
        if (v && !json_is_null(v))
            json_object_set(k, sorted[i], (json_t *)v);
    }
    char *text = NULL;
    if (json_object_size(k) > 0) {
        char *j = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
        text = j ? token("k:", j) : NULL;
        free(j);
    }
    json_decref(k);
    return text;
}

static char *set_item_token(const json_t *item)
{
    char *j = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *t = j ? token("v:", j) : NULL;
    free(j);
    return t;
}

static json_t *fields_of_value(const json_t *v, fka_schema s);

/* Members of an object into set. */
static void object_fields(json_t *set, const json_t *obj, fka_schema s)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        char *t = token("f:", k);
        if (!t)
            continue;
        json_object_set_new(set, t, fields_of_value(v, fka_schema_field(s, k)));
        free(t);
    }
}

static void list_fields(json_t *set, const json_t *arr, fka_schema s)
{
    const char *keys[FKA_SCHEMA_MAX_KEYS];
    size_t nkeys = 0;
    fka_list_kind lk = fka_schema_list(s, keys, &nkeys);
    fka_schema is = fka_schema_items(s);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        char *t = lk == FKA_LIST_MAP ? item_key_token(item, keys, nkeys, is) : set_item_token(item);
        if (!t)
            continue;
        if (lk == FKA_LIST_MAP)
            json_object_set_new(set, t, fields_of_value(item, is));
        else
            json_object_set_new(set, t, json_object());
        free(t);
    }
}

static bool atomic_list(fka_schema s)
{
    const char *keys[FKA_SCHEMA_MAX_KEYS];
    size_t n;
    return fka_schema_list(s, keys, &n) == FKA_LIST_ATOMIC;
}

static json_t *fields_of_value(const json_t *v, fka_schema s)
{
    json_t *set = json_object();
    if (json_is_object(v) && json_object_size(v) > 0) {
        json_object_set_new(set, ".", json_object());
        object_fields(set, v, s);
    } else if (json_is_array(v) && json_array_size(v) > 0 && !atomic_list(s)) {
        json_object_set_new(set, ".", json_object());
        list_fields(set, v, s);
    }
    return set;
}

json_t *fka_fields_of(const json_t *obj, fka_schema s, bool with_status)
{
    json_t *set = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (skip_top(k, with_status))
            continue;
        if (strcmp(k, "metadata") == 0) {
            json_t *m = json_object();
            fka_schema ms = fka_schema_field(s, "metadata");
            const char *mk;
            json_t *mv;
            json_object_foreach(v, mk, mv)
            {
                if (server_owned_meta(mk))
                    continue;
                char *t = token("f:", mk);
                json_object_set_new(m, t, fields_of_value(mv, fka_schema_field(ms, mk)));
                free(t);
            }
            if (json_object_size(m))
                json_object_set_new(set, "f:metadata", m);
            else
                json_decref(m);
            continue;
        }
        char *t = token("f:", k);
        json_object_set_new(set, t, fields_of_value(v, fka_schema_field(s, k)));
        free(t);
    }
    return set;
}

/* ---- differences ---- */

static void changed_value(json_t *out, json_t *removed, const char *tok, const json_t *b,
                          const json_t *a, fka_schema s);

static void changed_members(json_t *out, json_t *removed, const json_t *before, const json_t *after,
                            fka_schema s, bool top, bool with_status, bool meta)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)after, k, v)
    {
        if ((top && skip_top(k, with_status)) || (meta && server_owned_meta(k)))
            continue;
        char *t = token("f:", k);
        if (top && strcmp(k, "metadata") == 0) {
            json_t *mo = json_object(), *mr = json_object();
            changed_members(mo, mr, json_object_get(before, k), v, fka_schema_field(s, k), false,
                            true, true);
            if (json_object_size(mo))
                json_object_set(out, t, mo);
            if (json_object_size(mr) && removed)
                json_object_set(removed, t, mr);
            json_decref(mo);
            json_decref(mr);
        } else {
            changed_value(out, removed, t, json_object_get(before, k), v, fka_schema_field(s, k));
        }
        free(t);
    }
    if (!removed)
        return;
    json_object_foreach((json_t *)before, k, v)
    {
        if ((top && skip_top(k, with_status)) || (meta && server_owned_meta(k)) ||
            json_object_get(after, k) || (top && strcmp(k, "metadata") == 0))
            continue;
        char *t = token("f:", k);
        json_t *f = fields_of_value(v, fka_schema_field(s, k));
        json_object_set_new(removed, t, f);
        free(t);
    }
}

static const json_t *find_item(const json_t *arr, const char *tok, fka_list_kind lk,
                               const char **keys, size_t nkeys, fka_schema is)
{
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        char *t = lk == FKA_LIST_MAP ? item_key_token(item, keys, nkeys, is) : set_item_token(item);
        bool same = t && strcmp(t, tok) == 0;
        free(t);
        if (same)
            return item;
    }
    return NULL;
}

static void changed_list(json_t *out, json_t *removed, const json_t *before, const json_t *after,
                         fka_schema s)
{
    const char *keys[FKA_SCHEMA_MAX_KEYS];
    size_t nkeys = 0;
    fka_list_kind lk = fka_schema_list(s, keys, &nkeys);
    fka_schema is = fka_schema_items(s);
    size_t i;
    json_t *item;
    json_array_foreach(after, i, item)
    {
        char *t = lk == FKA_LIST_MAP ? item_key_token(item, keys, nkeys, is) : set_item_token(item);
        if (!t)
            continue;
        const json_t *old = find_item(before, t, lk, keys, nkeys, is);
        if (lk == FKA_LIST_MAP)
            changed_value(out, removed, t, old, item, is);
        else if (!old)
            json_object_set_new(out, t, json_object());
        free(t);
    }
    if (!removed)
        return;
    json_array_foreach(before, i, item)
    {
        char *t = lk == FKA_LIST_MAP ? item_key_token(item, keys, nkeys, is) : set_item_token(item);
        if (t && !find_item(after, t, lk, keys, nkeys, is))
            json_object_set_new(removed, t,
                                lk == FKA_LIST_MAP ? fields_of_value(item, is) : json_object());
        free(t);
    }
}

static void changed_value(json_t *out, json_t *removed, const char *tok, const json_t *b,
                          const json_t *a, fka_schema s)
{
    if (b && fo_json_equal(a, b))
        return;
    bool a_obj = json_is_object(a) && json_object_size(a) > 0;
    bool a_list = json_is_array(a) && json_array_size(a) > 0 && !atomic_list(s);
    if (!b || (!a_obj && !a_list) || json_typeof(a) != json_typeof(b)) {
        json_object_set_new(out, tok, fields_of_value(a, s));
        return;
    }
    json_t *sub = json_object(), *subr = removed ? json_object() : NULL;
    if (a_obj)
        changed_members(sub, subr, b, a, s, false, true, false);
    else
        changed_list(sub, subr, b, a, s);
    if (json_object_size(sub))
        json_object_set(out, tok, sub);
    if (subr && json_object_size(subr))
        json_object_set(removed, tok, subr);
    json_decref(sub);
    json_decref(subr);
}

json_t *fka_fields_changed(const json_t *before, const json_t *after, fka_schema s,
                           bool with_status, json_t **removed)
{
    json_t *out = json_object();
    json_t *rem = removed ? json_object() : NULL;
    changed_members(out, rem, before, after, s, true, with_status, false);
    if (removed)
        *removed = rem;
    return out;
}

/* ---- set algebra ----
 * A leaf {} under a key means "this path"; a subtree's "." means the same for its node. So
 * for the algebra a {} value counts as {".":{}}, and a result holding only "." is written
 * back as {} (the fieldsV1 form of a leaf). */

static bool is_leaf(const json_t *v)
{
    return json_object_size(v) == 0;
}

static json_t *norm(const json_t *v)
{
    return is_leaf(v) ? json_pack("{s:{}}", ".") : json_incref((json_t *)v);
}

static void put_result(json_t *out, const char *k, json_t *r)
{
    if (json_object_size(r) == 0) {
        json_decref(r);
        return;
    }
    if (json_object_size(r) == 1 && json_object_get(r, ".")) {
        json_decref(r);
        r = json_object();
    }
    json_object_set_new(out, k, r);
}

json_t *fka_fields_union(const json_t *a, const json_t *b)
{
    json_t *out = a ? fo_json_copy(a) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)b, k, v)
    {
        json_t *mine = json_object_get(out, k);
        if (!mine) {
            json_object_set_new(out, k, fo_json_copy(v));
        } else if (strcmp(k, ".") != 0) {
            json_t *x = norm(mine), *y = norm(v);
            json_t *u = fka_fields_union(x, y);
            json_decref(x);
            json_decref(y);
            put_result(out, k, u);
        }
    }
    return out;
}

json_t *fka_fields_minus(const json_t *a, const json_t *b)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        json_t *theirs = json_object_get(b, k);
        if (!theirs) {
            json_object_set_new(out, k, fo_json_copy(v));
            continue;
        }
        if (strcmp(k, ".") == 0)
            continue;
        json_t *x = norm(v), *y = norm(theirs);
        put_result(out, k, fka_fields_minus(x, y));
        json_decref(x);
        json_decref(y);
    }
    return out;
}

json_t *fka_fields_intersect(const json_t *a, const json_t *b)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        json_t *theirs = json_object_get(b, k);
        if (!theirs)
            continue;
        if (strcmp(k, ".") == 0) {
            json_object_set_new(out, k, json_object());
            continue;
        }
        json_t *x = norm(v), *y = norm(theirs);
        put_result(out, k, fka_fields_intersect(x, y));
        json_decref(x);
        json_decref(y);
    }
    return out;
}

bool fka_fields_empty(const json_t *set)
{
    return !set || json_object_size(set) == 0;
}

/* ---- paths ---- */

static const json_t *step(const json_t *v, const char *tok)
{
    if (strncmp(tok, "f:", 2) == 0)
        return json_object_get(v, tok + 2);
    if (!json_is_array(v))
        return NULL;
    json_error_t jerr;
    json_t *want = json_loads(tok + 2, JSON_DECODE_ANY, &jerr);
    const json_t *found = NULL;
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        bool match;
        if (strncmp(tok, "k:", 2) == 0) {
            /* A key field the item leaves out stands for its default (see item_key_token). */
            match = json_is_object(want);
            const char *k;
            json_t *kv;
            json_object_foreach(want, k, kv)
            {
                json_t *iv = json_object_get(item, k);
                if (iv && !fo_json_equal(iv, kv))
                    match = false;
            }
        } else {
            match = fo_json_equal(item, want);
        }
        if (match) {
            found = item;
            break;
        }
    }
    json_decref(want);
    return found;
}

const json_t *fka_fields_value_at(const json_t *obj, const json_t *path)
{
    const json_t *v = obj;
    size_t i;
    json_t *t;
    json_array_foreach(path, i, t)
    {
        const char *tok = json_string_value(t);
        if (!tok || !v)
            return NULL;
        if (strcmp(tok, ".") == 0)
            return v;
        v = step(v, tok);
    }
    return v;
}

static void leaves(const json_t *set, json_t *path, void (*fn)(void *, const json_t *), void *ctx)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)set, k, v)
    {
        json_array_append_new(path, json_string(k));
        if (json_object_size(v) == 0)
            fn(ctx, path);
        else
            leaves(v, path, fn, ctx);
        json_array_remove(path, json_array_size(path) - 1);
    }
}

void fka_fields_foreach_leaf(const json_t *set, void (*fn)(void *ctx, const json_t *path),
                             void *ctx)
{
    json_t *path = json_array();
    leaves(set, path, fn, ctx);
    json_decref(path);
}

char *fka_fields_path_string(const json_t *path)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 8192);
    size_t i;
    json_t *t;
    json_array_foreach(path, i, t)
    {
        const char *tok = json_string_value(t);
        if (!tok || strcmp(tok, ".") == 0)
            continue;
        if (strncmp(tok, "f:", 2) == 0) {
            fo_strbuf_printf(&sb, ".%s", tok + 2);
        } else if (strncmp(tok, "k:", 2) == 0) {
            /* k:{"name":"x"} -> [name="x"] (sigs.k8s.io/structured-merge-diff style) */
            json_error_t jerr;
            json_t *k = json_loads(tok + 2, 0, &jerr);
            fo_strbuf_putc(&sb, '[');
            const char *kk;
            json_t *kv;
            bool first = true;
            json_object_foreach(k, kk, kv)
            {
                char *val = json_dumps(kv, JSON_ENCODE_ANY | JSON_COMPACT);
                fo_strbuf_printf(&sb, "%s%s=%s", first ? "" : ",", kk, val ? val : "");
                free(val);
                first = false;
            }
            fo_strbuf_putc(&sb, ']');
            json_decref(k);
        } else {
            fo_strbuf_printf(&sb, "[=%s]", tok + 2);
        }
    }
    return fo_strbuf_take(&sb);
}

static bool remove_in(json_t *v, const json_t *set)
{
    /* Returns true when v itself should go. */
    const char *k;
    json_t *sub;
    json_object_foreach((json_t *)set, k, sub)
    {
        if (strcmp(k, ".") == 0)
            continue;
        if (strncmp(k, "f:", 2) == 0 && json_is_object(v)) {
            json_t *child = json_object_get(v, k + 2);
            if (!child)
                continue;
            if (json_object_size(sub) == 0 || remove_in(child, sub))
                json_object_del(v, k + 2);
        } else if (json_is_array(v)) {
            const json_t *item = step(v, k);
            if (!item)
                continue;
            if (json_object_size(sub) == 0 || remove_in((json_t *)item, sub)) {
                size_t i;
                json_t *x;
                json_array_foreach(v, i, x) if (x == item)
                {
                    json_array_remove(v, i);
                    break;
                }
            }
        }
    }
    /* A node the set owned itself (".") that is now empty goes too. */
    bool owned = json_object_get(set, ".") != NULL;
    bool empty = (json_is_object(v) && json_object_size(v) == 0) ||
                 (json_is_array(v) && json_array_size(v) == 0);
    return owned && empty;
}

void fka_fields_remove(json_t *obj, const json_t *set)
{
    remove_in(obj, set);
}

void fka_fields_record_update(json_t *obj, const json_t *old, fka_schema s, const char *manager,
                              const char *api_version, const char *subresource, bool with_status,
                              int64_t now_ms)
{
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_t *mf = json_object_get(meta, "managedFields");
    if (!json_is_array(mf)) {
        const json_t *om = fo_json_get(old, "metadata.managedFields");
        mf = json_is_array(om) ? fo_json_copy(om) : json_array();
    } else {
        mf = fo_json_copy(mf);
    }
    json_t *removed = NULL;
    json_t *changed = old ? fka_fields_changed(old, obj, s, with_status, &removed)
                          : fka_fields_of(obj, s, with_status);
    if (!removed)
        removed = json_object();
    json_t *out = json_array();
    json_t *mine = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        const char *m = fo_json_str(e, "manager"), *op = fo_json_str(e, "operation");
        const char *sub = fo_json_str(e, "subresource"), *av = fo_json_str(e, "apiVersion");
        if (!mine && m && strcmp(m, manager) == 0 && op && strcmp(op, "Update") == 0 &&
            strcmp(sub ? sub : "", subresource ? subresource : "") == 0 && av &&
            strcmp(av, api_version) == 0) {
            mine = fo_json_copy(e);
            continue;
        }
        json_t *f = json_object_get(e, "fieldsV1");
        json_t *a = fka_fields_minus(f, changed);
        json_t *b = fka_fields_minus(a, removed);
        json_decref(a);
        if (!fka_fields_empty(b)) {
            json_t *c = fo_json_copy(e);
            json_object_set_new(c, "fieldsV1", b);
            json_array_append_new(out, c);
        } else {
            json_decref(b);
        }
    }
    json_t *prev = mine ? json_object_get(mine, "fieldsV1") : NULL;
    json_t *u = fka_fields_union(prev, changed);
    json_t *set = fka_fields_minus(u, removed);
    json_decref(u);
    if (!fka_fields_empty(set) && mine && fka_fields_empty(changed)) {
        /* The operation took no field: the entry keeps its time (managedfieldsupdater.go
         * touches it only when the operation took some), so a write that changes nothing
         * leaves managedFields, and the object, as they were. */
        json_object_set_new(mine, "fieldsV1", set);
        json_array_append(out, mine);
    } else if (!fka_fields_empty(set)) {
        char ts[40];
        json_t *entry = json_object();
        json_object_set_new(entry, "manager", json_string(manager));
        json_object_set_new(entry, "operation", json_string("Update"));
        json_object_set_new(entry, "apiVersion", json_string(api_version));
        json_object_set_new(entry, "time",
                            json_string(fo_clock_format_rfc3339(now_ms, false, ts, sizeof ts)));
        json_object_set_new(entry, "fieldsType", json_string("FieldsV1"));
        json_object_set_new(entry, "fieldsV1", set);
        if (subresource && *subresource)
            json_object_set_new(entry, "subresource", json_string(subresource));
        json_array_append_new(out, entry);
    } else {
        json_decref(set);
    }
    json_decref(mine);
    json_decref(changed);
    json_decref(removed);
    json_decref(mf);
    fka_managed_fields_sort(out);
    if (json_array_size(out))
        json_object_set_new(meta, "managedFields", out);
    else {
        json_decref(out);
        json_object_del(meta, "managedFields");
    }
}

static const char *entry_str(const json_t *e, const char *key)
{
    const char *v = fo_json_str(e, key);
    return v ? v : "";
}

static int cmp_entries(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
    static const char *const keys[] = {"operation", "time", "manager", "apiVersion",
                                       "subresource"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *x = entry_str(a, keys[i]), *y = entry_str(b, keys[i]);
        /* Times are RFC 3339 to the second in UTC, so text order is time order ("" = none,
         * the API server's zero). */
        int c = i == 1 ? strncmp(x, y, 19) : strcmp(x, y);
        if (c)
            return c;
    }
    return 0;
}

void fka_managed_fields_sort(json_t *mf)
{
    size_t n = json_array_size(mf);
    if (n < 2)
        return;
    json_t **e = calloc(n, sizeof *e);
    if (!e)
        return;
    for (size_t i = 0; i < n; i++)
        e[i] = json_incref(json_array_get(mf, i));
    qsort(e, n, sizeof *e, cmp_entries);
    json_array_clear(mf);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(mf, e[i]);
    free(e);
}

/* ---- checking managedFields ---- */

/* A path element of the set grammar (structured-merge-diff's DeserializePathElement). */
static bool valid_token(const char *k)
{
    if (strcmp(k, ".") == 0 || strncmp(k, "f:", 2) == 0)
        return true;
    if (strncmp(k, "k:", 2) != 0 && strncmp(k, "v:", 2) != 0 && strncmp(k, "i:", 2) != 0)
        return false;
    json_error_t jerr;
    json_t *v = json_loads(k + 2, JSON_DECODE_ANY, &jerr);
    bool ok = v && (k[0] == 'v' || (k[0] == 'k' ? json_is_object(v) : json_is_integer(v)));
    json_decref(v);
    return ok;
}

static bool valid_set(const json_t *set)
{
    if (!json_is_object(set))
        return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)set, k, v)
    {
        if (!valid_token(k) || !valid_set(v))
            return false;
    }
    return true;
}

/* Whether entry i is invalid; why says how. */
static bool entry_invalid(const json_t *e, size_t i, char *why, size_t len)
{
    const char *op = fo_json_str(e, "operation"), *av = fo_json_str(e, "apiVersion");
    const char *ft = fo_json_str(e, "fieldsType");
    const json_t *f = json_object_get(e, "fieldsV1");
    if (!json_is_object(e))
        snprintf(why, len, "managed fields entry %zu is not an object", i);
    else if (!op || (strcmp(op, "Apply") != 0 && strcmp(op, "Update") != 0))
        snprintf(why, len, "operation must be `Apply` or `Update`");
    else if (!av || !*av)
        snprintf(why, len, "apiVersion must not be empty");
    else if (!ft || !*ft)
        snprintf(why, len, "missing fieldsType in managed fields entry %zu", i);
    else if (strcmp(ft, "FieldsV1") != 0)
        snprintf(why, len, "invalid fieldsType \"%s\" in managed fields entry %zu", ft, i);
    else if (f && !valid_set(f))
        snprintf(why, len, "error decoding set in managed fields entry %zu", i);
    else
        return false;
    return true;
}

bool fka_managed_fields_invalid(const json_t *mf, char *why, size_t len)
{
    if (!mf || json_is_null(mf))
        return false;
    if (!json_is_array(mf)) {
        snprintf(why, len, "managedFields must be a list");
        return true;
    }
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (entry_invalid(e, i, why, len))
            return true;
    }
    return false;
}
