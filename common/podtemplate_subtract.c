/* The smallest upper layer: what a template holds beyond the layers under it, by the merge's
 * own rules (common/podtemplate.c), checked by merging it back. */
#include "common/podtemplate.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/podtemplate_internal.h"
#include "common/strbuf.h"

/* Most element pairs compared in one list (a list-map is matched by scanning): past it the
 * list is kept whole, which is always correct, only not the smallest. */
#define MAX_PAIRS (64u * 1024)

static json_t *minus(const json_t *upper, const json_t *lower, fo_strbuf *path);

static json_t *incref(const json_t *v)
{
    return json_incref((json_t *)v);
}

/* A list-map element matched by key: its key members stay (they match it), the rest as
 * minus; NULL when the rest is nothing (lower's element already holds it all); with
 * retainKeys the element whole (the merge keeps only what it names). Out of memory gives the
 * element whole, which is always right. */
static json_t *minus_element(const json_t *u, const json_t *l, const list_rule *r,
                             fo_strbuf *path)
{
    if (r->retain_keys || !json_is_object(u) || !json_is_object(l))
        return incref(u);
    json_t *out = minus(u, l, path);
    if (!out)
        return NULL;
    for (size_t i = 0; i < 2 && r->keys[i]; i++) {
        const json_t *k = fo_pt_key_field(u, r->keys[i]);
        if (k && json_object_set(out, r->keys[i], (json_t *)k) != 0) {
            json_decref(out);
            return incref(u);
        }
    }
    return out;
}

/* A union list (tolerations, finalizers, envFrom) without the elements lower has, wherever
 * they stand: the merge appends only those. NULL when nothing is left. */
static json_t *minus_union(const json_t *upper, const json_t *lower)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < json_array_size(upper); i++) {
        const json_t *u = json_array_get(upper, i);
        bool there = false;
        for (size_t j = 0; !there && j < json_array_size(lower); j++)
            there = fo_json_equal(u, json_array_get(lower, j));
        if (!there && json_array_append(out, (json_t *)u) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    if (out && json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out ? out : incref(upper);
}

/* Lists merged by key lose the elements equal to their lower match, union lists the elements
 * lower has; an atomic list stays whole. NULL when nothing is left. */
static json_t *minus_list(const json_t *upper, const json_t *lower, fo_strbuf *path)
{
    const list_rule *r = fo_pt_find_rule(path->data);
    size_t nu = json_array_size(upper), nl = json_array_size(lower);
    if (!r || (nl && nu > MAX_PAIRS / nl))
        return incref(upper);
    if (r->kind == RULE_UNION)
        return minus_union(upper, lower);
    json_t *out = json_array();
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    for (size_t i = 0; out && i < nu; i++) {
        const json_t *u = json_array_get(upper, i), *match = NULL;
        for (size_t j = 0; fo_pt_keyed(u, r) && !match && j < nl; j++) {
            const json_t *l = json_array_get(lower, j);
            if (fo_pt_keyed(l, r) && fo_pt_same_key(u, l, r))
                match = l;
        }
        if (match && fo_json_equal(u, match))
            continue;
        json_t *e = match ? minus_element(u, match, r, path) : incref(u);
        if (!e)
            continue; /* lower's element holds all of it */
        if (json_array_append_new(out, e) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    fo_strbuf_truncate(path, mark);
    if (out && json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out ? out : incref(upper);
}

/* upper without what lower already has; NULL when nothing is left. New reference (parts of
 * upper shared). */
static json_t *minus(const json_t *upper, const json_t *lower, fo_strbuf *path)
{
    if (!lower || json_is_null(lower))
        return incref(upper);
    if (fo_json_equal(upper, lower))
        return NULL;
    if (json_is_array(upper) && json_is_array(lower))
        return minus_list(upper, lower, path);
    if (!json_is_object(upper) || !json_is_object(lower))
        return incref(upper);
    json_t *out = json_object();
    const char *k;
    json_t *uv;
    size_t mark = path->len;
    json_object_foreach((json_t *)upper, k, uv) {
        if (!out)
            break;
        const json_t *lv = json_object_get(lower, k);
        json_t *m = NULL;
        if (!lv) {
            m = incref(uv);
        } else if (!json_is_null(uv)) { /* an upper null changes nothing */
            fo_pt_path_push(path, k);
            m = minus(uv, lv, path);
            fo_strbuf_truncate(path, mark);
        }
        if (m && json_object_set_new(out, k, m) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    if (out && json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out ? out : incref(upper);
}

json_t *fo_podtemplate_subtract(const json_t *upper, const json_t *lower)
{
    if (!upper || json_is_null(upper))
        return NULL;
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    json_t *smallest = minus(upper, lower, &path);
    fo_strbuf_release(&path);
    if (smallest == upper)
        return smallest;
    /* Kept only when it layers into what upper layers into (one-of groups, retainKeys and
     * the port names have their own ways; whatever this walk missed falls back here). */
    json_t *want = fo_podtemplate_merge(lower, upper);
    json_t *got = fo_podtemplate_merge(lower, smallest);
    bool same = want && got && fo_json_equal(want, got);
    json_decref(want);
    json_decref(got);
    if (same)
        return smallest;
    json_decref(smallest);
    return incref(upper);
}
