#include "common/jsonutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "common/json_write.h"
#include "common/strbuf.h"

json_t *fo_json_parse_filtered(const char *buf, size_t len, size_t limit,
                               const struct fo_json_read_filter *filter, fo_err *err)
{
    if (limit && len > limit) {
        fo_err_set(err, FO_ELIMIT, "document of %zu bytes exceeds the limit of %zu bytes", len,
                   limit);
        return NULL;
    }
    return fo_json_read(buf, len, filter, err);
}

json_t *fo_json_parse(const char *buf, size_t len, size_t limit, fo_err *err)
{
    return fo_json_parse_filtered(buf, len, limit, NULL, err);
}

json_t *fo_json_load_file(const char *path, size_t limit, fo_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    json_t *v = NULL;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap);
            if (!p) {
                fo_err_set(err, FO_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = p;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (limit && len > limit) {
            fo_err_set(err, FO_ELIMIT, "%s: file exceeds the limit of %zu bytes", path, limit);
            goto out;
        }
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fo_err_set(err, FO_EIO, "%s: read error", path);
        goto out;
    }
    v = fo_json_parse(buf, len, limit, err);
    if (!v)
        fo_err_wrap(err, "%s", path);
out:
    free(buf);
    fclose(f);
    return v;
}

json_t *fo_json_get(const json_t *root, const char *path)
{
    if (!root || !path)
        return NULL;
    json_t *cur = (json_t *)root;
    const char *p = path;
    char key[256];
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key || !json_is_object(cur))
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        if (!cur)
            return NULL;
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

const char *fo_json_get_str(const json_t *root, const char *path)
{
    json_t *v = fo_json_get(root, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool fo_json_get_int(const json_t *root, const char *path, int64_t *out)
{
    json_t *v = fo_json_get(root, path);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

bool fo_json_get_bool(const json_t *root, const char *path, bool *out)
{
    json_t *v = fo_json_get(root, path);
    if (!json_is_boolean(v))
        return false;
    *out = json_is_true(v);
    return true;
}

const char *fo_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *fo_json_ensure_object(json_t *parent, const char *key)
{
    if (!json_is_object(parent))
        return NULL;
    json_t *child = json_object_get(parent, key);
    if (json_is_object(child))
        return child;
    child = json_object();
    if (!child || json_object_set_new(parent, key, child) != 0)
        return NULL;
    return child;
}

fo_rc fo_json_set_path(json_t *root, const char *path, json_t *value)
{
    if (!json_is_object(root) || !path || !*path) {
        json_decref(value);
        return FO_EINVAL;
    }
    json_t *cur = root;
    const char *p = path;
    char key[256];
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= sizeof key) {
            json_decref(value);
            return FO_EINVAL;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        if (!dot)
            return json_object_set_new(cur, key, value) == 0 ? FO_OK : FO_ENOMEM;
        cur = fo_json_ensure_object(cur, key);
        if (!cur) {
            json_decref(value);
            return FO_ENOMEM;
        }
        p = dot + 1;
    }
}

void fo_json_del_path(json_t *root, const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        json_object_del(root, path);
        return;
    }
    char parent[512];
    size_t n = (size_t)(dot - path);
    if (n >= sizeof parent)
        return;
    memcpy(parent, path, n);
    parent[n] = '\0';
    json_t *obj = fo_json_get(root, parent);
    if (json_is_object(obj))
        json_object_del(obj, dot + 1);
}

static int dump_to_strbuf(const char *buf, size_t size, void *data)
{
    return fo_strbuf_append(data, buf, size) == FO_OK ? 0 : -1;
}

char *fo_json_dumps(const json_t *value, size_t flags)
{
    if (!value)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (json_dump_callback(value, dump_to_strbuf, &sb, flags) != 0) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}

char *fo_json_dumps_canonical(const json_t *value)
{
    return fo_json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

char *fo_json_dumps_compact(const json_t *value)
{
    if (!value)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (fo_json_write(&sb, value) != FO_OK) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}

bool fo_json_equal(const json_t *a, const json_t *b)
{
    if (!a || !b || a == b) /* the same value (shared by reference) is equal to itself */
        return a == b;
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *key;
        size_t key_len;
        json_t *va;
        json_object_keylen_foreach((json_t *)a, key, key_len, va)
        {
            if (!fo_json_equal(va, json_object_getn(b, key, key_len)))
                return false;
        }
        return true;
    }
    if (json_is_array(a)) {
        size_t n = json_array_size(a);
        if (n != json_array_size(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!fo_json_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

bool fo_json_identical(const json_t *a, const json_t *b)
{
    if (!a || !b || a == b)
        return a == b;
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return false;
        /* Members iterate in insertion order, the order they are written in. */
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
                         ib = json_object_iter_next((json_t *)b, ib)) {
            size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
            if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0 ||
                !fo_json_identical(json_object_iter_value(ia), json_object_iter_value(ib)))
                return false;
        }
        return !ia && !ib;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(a);
        if (n != json_array_size(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!fo_json_identical(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        /* -0.0 == 0.0, but they are written differently */
        double x = json_real_value(a), y = json_real_value(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    default: /* true, false, null: the type says it all */
        return true;
    }
}

json_t *fo_json_string_lossy(const char *text)
{
    if (!text)
        return NULL;
    json_t *v = json_string(text);
    if (v)
        return v;
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    v = json_string(copy);
    free(copy);
    return v;
}

bool fo_json_is_empty(const json_t *v)
{
    if (!v || json_is_null(v))
        return true;
    if (json_is_object(v))
        return json_object_size(v) == 0;
    if (json_is_array(v))
        return json_array_size(v) == 0;
    return false;
}

/* The copy of fo_json_copy (share_scalars false) and fo_json_copy_containers (true). */
static json_t *copy(const json_t *v, bool share_scalars)
{
    if (!v)
        return NULL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        json_t *o = json_object();
        if (!o)
            return NULL;
        const char *key;
        size_t key_len;
        json_t *m;
        json_object_keylen_foreach((json_t *)v, key, key_len, m)
        {
            /* setn_new takes c even when it fails */
            json_t *c = copy(m, share_scalars);
            if (!c || json_object_setn_new_nocheck(o, key, key_len, c) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    case JSON_ARRAY: {
        json_t *a = json_array();
        size_t n = json_array_size(v);
        for (size_t i = 0; a && i < n; i++) {
            if (json_array_append_new(a, copy(json_array_get(v, i), share_scalars)) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case JSON_STRING:
        return share_scalars ? json_incref((json_t *)v)
                             : json_stringn_nocheck(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return share_scalars ? json_incref((json_t *)v) : json_integer(json_integer_value(v));
    case JSON_REAL:
        return share_scalars ? json_incref((json_t *)v) : json_real(json_real_value(v));
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        return (json_t *)v; /* singletons: no reference to take */
    }
    return NULL;
}

json_t *fo_json_copy(const json_t *v)
{
    return copy(v, false);
}

json_t *fo_json_copy_containers(const json_t *v)
{
    return copy(v, true);
}

static size_t weigh(const json_t *v, size_t used, size_t stop)
{
    used++;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && used <= stop; i++)
            used = weigh(json_array_get(v, i), used, stop);
    } else if (json_is_object(v)) {
        used += 2;
        const char *key;
        json_t *m;
        json_object_foreach((json_t *)v, key, m)
        {
            if (used > stop)
                break;
            used = weigh(m, used + 1, stop);
        }
    }
    return used;
}

size_t fo_json_weight(const json_t *v, size_t stop)
{
    return v ? weigh(v, 0, stop) : 0;
}

#define NUL_PATH_MAX 1024
#define NUL_KEY_SHOWN 160
#define NUL_DEPTH_NAMED 64 /* path steps named; deeper ones are cut ("...") */

/* The walk keeps the steps taken (a key or an index each) and writes the path only for a key
 * it reports: no formatting on the way (the walk runs on every review and every pass). */
typedef struct nul_step {
    const char *key; /* NULL: an array index */
    size_t len_or_index;
} nul_step;

typedef struct nul_walk {
    const char *prefix;
    nul_step steps[NUL_DEPTH_NAMED];
    size_t depth, left, found;
    void (*fn)(void *ctx, const char *path, const char *key);
    void *ctx;
} nul_walk;

/* The path of the current object: prefix, then ".key" / "[i]" steps; "..." where it is cut
 * (too long or too deep), never with a step left out. */
static void nul_path(const nul_walk *w, char path[NUL_PATH_MAX])
{
    size_t used = (size_t)snprintf(path, NUL_PATH_MAX, "%s", w->prefix);
    if (used >= NUL_PATH_MAX)
        used = NUL_PATH_MAX - 1;
    size_t named = w->depth < NUL_DEPTH_NAMED ? w->depth : NUL_DEPTH_NAMED;
    for (size_t i = 0; i < named; i++) {
        const nul_step *st = &w->steps[i];
        int n = st->key ? snprintf(path + used, NUL_PATH_MAX - used, ".%.*s",
                                   (int)st->len_or_index, st->key)
                        : snprintf(path + used, NUL_PATH_MAX - used, "[%zu]", st->len_or_index);
        if (n < 0 || used + (size_t)n + 4 >= NUL_PATH_MAX) {
            memcpy(path + used, "...", 4);
            return;
        }
        used += (size_t)n;
    }
    if (w->depth > named && used + 4 <= NUL_PATH_MAX)
        memcpy(path + used, "...", 4);
}

/* The key for a message: its NULs and other control characters as \u00XX (a message line,
 * and an admission warning, must not break), at most NUL_KEY_SHOWN - 1 bytes, never a UTF-8
 * character cut in two (the message goes into JSON). */
static void show_key(const char *key, size_t key_len, char shown[NUL_KEY_SHOWN])
{
    size_t o = 0, i = 0;
    for (; i < key_len && o + 7 < NUL_KEY_SHOWN; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c >= 0x20 && c != 0x7f) {
            shown[o++] = key[i];
        } else {
            snprintf(shown + o, 7, "\\u%04x", c);
            o += 6;
        }
    }
    if (i < key_len) { /* cut: drop a last character left incomplete */
        size_t lead = o;
        while (lead > 0 && ((unsigned char)shown[lead - 1] & 0xC0) == 0x80)
            lead--;
        if (lead > 0) {
            unsigned char c = (unsigned char)shown[lead - 1];
            size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (o - (lead - 1) < want)
                o = lead - 1;
        }
    }
    shown[o] = '\0';
}

static void nul_walk_value(nul_walk *w, const json_t *v)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && w->left; i++) {
            if (w->depth < NUL_DEPTH_NAMED)
                w->steps[w->depth] = (nul_step){NULL, i};
            w->depth++;
            nul_walk_value(w, json_array_get(v, i));
            w->depth--;
        }
    } else if (json_is_object(v)) {
        const char *key;
        size_t key_len;
        json_t *m;
        json_object_keylen_foreach((json_t *)v, key, key_len, m)
        {
            if (!w->left)
                break;
            if (memchr(key, '\0', key_len)) {
                char path[NUL_PATH_MAX], shown[NUL_KEY_SHOWN];
                nul_path(w, path);
                show_key(key, key_len, shown);
                w->fn(w->ctx, path, shown);
                w->left--;
                w->found++;
                continue;
            }
            if (!json_is_object(m) && !json_is_array(m))
                continue;
            if (w->depth < NUL_DEPTH_NAMED)
                w->steps[w->depth] = (nul_step){key, key_len};
            w->depth++;
            nul_walk_value(w, m);
            w->depth--;
        }
    }
}

size_t fo_json_nul_keys(const json_t *v, const char *prefix, size_t max,
                        void (*fn)(void *ctx, const char *path, const char *key), void *ctx)
{
    nul_walk w = {.prefix = prefix ? prefix : "", .left = max, .fn = fn, .ctx = ctx};
    nul_walk_value(&w, v);
    return w.found;
}
