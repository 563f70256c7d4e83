/* The smallest upper layer: what a template holds beyond the layers under it, by the merge's
 * own rules (common/podtemplate.c), checked by merging it back. */
#include "common/podtemplate.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/podtemplate_internal.h"
#include "common/strbuf.h"

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

/* The key members of list-map element u alone (u whole under retainKeys, where the merge would
 * take the lower element's other members away); new reference, NULL when out of memory. */
static json_t *keys_of(const json_t *u, const list_rule *r)
{
    if (r->retain_keys || !json_is_object(u))
        return incref(u);
    json_t *out = json_object();
    for (size_t i = 0; out && i < 2 && r->keys[i]; i++) {
        const json_t *k = fo_pt_key_field(u, r->keys[i]);
        if (k && json_object_set(out, r->keys[i], (json_t *)k) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}

/* A list without what lower has: a union list (tolerations, finalizers, envFrom) without the
 * elements lower has, wherever they stand (the merge appends only those); a list merged by key
 * without the elements equal to their match, the k-th element with a key matched with the
 * k-th of lower with it, as the merge pairs them (common/podtemplate.c, map_list), so an
 * element left out before a later one with its key that stays keeps its place by its keys;
 * an atomic list stays whole. NULL when nothing is left. */
static json_t *minus_list(const json_t *upper, const json_t *lower, fo_strbuf *path)
{
    const list_rule *r = fo_pt_find_rule(path->data);
    if (!r)
        return incref(upper);
    size_t nu = json_array_size(upper), nl = json_array_size(lower);
    bool by_key = r->kind == RULE_MAP;
    fo_pt_groups groups;
    json_t **parts = calloc(nu + 1, sizeof *parts);
    size_t *group = calloc(nu + 1, sizeof *group); /* upper index -> leader + 1 (0: none) */
    bool *later = calloc(nl + 1, sizeof *later);   /* leader -> a later element stays */
    bool ok = fo_pt_groups_init(&groups, lower, by_key ? r : NULL) && parts && group && later;
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    for (size_t i = 0; ok && i < nu; i++) {
        const json_t *u = json_array_get(upper, i), *match = NULL;
        size_t leader, at;
        if (!by_key) {
            if (!fo_pt_groups_find(&groups, u, &leader))
                parts[i] = incref(u);
            continue;
        }
        if (fo_pt_keyed(u, r) && fo_pt_groups_find(&groups, u, &leader)) {
            group[i] = leader + 1;
            if (fo_pt_groups_take(&groups, leader, NULL, &at))
                match = json_array_get(lower, at);
        }
        if (!match)
            parts[i] = incref(u);
        else if (!fo_json_equal(u, match))
            parts[i] = minus_element(u, match, r, path); /* NULL: lower's holds all of it */
    }
    fo_strbuf_truncate(path, mark);
    for (size_t i = nu; ok && i-- > 0;) {
        if (!group[i])
            continue;
        if (parts[i])
            later[group[i] - 1] = true;
        else if (later[group[i] - 1])
            ok = (parts[i] = keys_of(json_array_get(upper, i), r)) != NULL;
    }
    fo_pt_groups_release(&groups);
    free(group);
    free(later);
    return fo_pt_list_of_parts(parts, nu, ok, upper);
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
