/* The part of a template layer that another template still holds, by the merge's own rules
 * (common/podtemplate.c): what of a role's recorded own template an edit left in place. */
#include "common/podtemplate.h"

#include <stdlib.h>

#include "common/jsonutil.h"
#include "common/podtemplate_internal.h"
#include "common/strbuf.h"

static json_t *held(const json_t *upper, const json_t *now, fo_strbuf *path);

static json_t *incref(const json_t *v)
{
    return json_incref((json_t *)v);
}

/* now's elements indexed by value, and, in a list merged by key, grouped by key in list order:
 * the merge puts the k-th element of upper with a key into the k-th element of lower with it
 * (common/podtemplate.c, map_list), so the k-th element of now with it is where that one of
 * upper went. */
typedef struct now_index {
    const json_t *list;
    const list_rule *rule;
    fo_pt_index values, leaders; /* value hash -> index; key hash -> first index with the key */
    size_t *next;                /* index -> next index with its key + 1 */
    size_t *last;                /* leader -> last index with its key + 1 */
    size_t *cursor;              /* leader -> index the next upper element goes to + 1 */
} now_index;

/* The first element of now with e's key (its group), or false. */
static bool leader_of(const now_index *x, const json_t *e, size_t *leader)
{
    size_t it = 0;
    uint64_t h = fo_pt_key_hash(e, x->rule);
    while (fo_pt_index_each(&x->leaders, h, &it, leader))
        if (fo_pt_same_key(json_array_get(x->list, *leader), e, x->rule))
            return true;
    return false;
}

static bool now_index_init(now_index *x, const json_t *now, const list_rule *r)
{
    size_t n = json_array_size(now);
    x->list = now;
    x->rule = r;
    x->next = calloc(n + 1, sizeof *x->next);
    x->last = calloc(n + 1, sizeof *x->last);
    x->cursor = calloc(n + 1, sizeof *x->cursor);
    bool ok = fo_pt_index_init(&x->values, n);
    ok = fo_pt_index_init(&x->leaders, n) && ok && x->next && x->last && x->cursor;
    for (size_t j = 0; ok && j < n; j++) {
        const json_t *e = json_array_get(now, j);
        fo_pt_index_add(&x->values, fo_pt_value_hash(e), j);
        if (r->kind != RULE_MAP || !fo_pt_keyed(e, r))
            continue;
        size_t leader;
        if (leader_of(x, e, &leader)) {
            x->next[x->last[leader] - 1] = j + 1;
            x->last[leader] = j + 1;
        } else {
            fo_pt_index_add(&x->leaders, fo_pt_key_hash(e, r), j);
            x->last[j] = x->cursor[j] = j + 1;
        }
    }
    return ok;
}

static void now_index_release(now_index *x)
{
    fo_pt_index_release(&x->values);
    fo_pt_index_release(&x->leaders);
    free(x->next);
    free(x->last);
    free(x->cursor);
}

/* The element of now where keyed u (the next of upper with its key) went, or NULL. */
static const json_t *slot_of(now_index *x, const json_t *u)
{
    size_t leader;
    if (!leader_of(x, u, &leader) || !x->cursor[leader])
        return NULL;
    size_t at = x->cursor[leader] - 1;
    x->cursor[leader] = x->next[at];
    return json_array_get(x->list, at);
}

/* One element of upper: whole when now has it as it is; else, in a list merged by key, the
 * part of it that the element of now where it went holds (its keys among them, so that it
 * still matches: an element reduced to its keys still says the element is there); else
 * nothing. */
static json_t *held_element(const json_t *u, now_index *x, fo_strbuf *path)
{
    const json_t *slot = NULL;
    if (x->rule->kind == RULE_MAP && fo_pt_keyed(u, x->rule))
        slot = slot_of(x, u);
    if ((slot && fo_json_equal(u, slot)) ||
        fo_pt_index_contains(&x->values, x->list, u, fo_pt_value_hash(u)))
        return incref(u);
    return slot ? held(u, slot, path) : NULL;
}

/* A list: an atomic one when now has it as it is, else element by element (held_element).
 * NULL when nothing is left. */
static json_t *held_list(const json_t *upper, const json_t *now, fo_strbuf *path)
{
    const list_rule *r = fo_pt_find_rule(path->data);
    if (!r)
        return NULL; /* not equal (held checked): replaced as a whole */
    now_index x;
    json_t *out = now_index_init(&x, now, r) ? json_array() : NULL;
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    for (size_t i = 0; out && i < json_array_size(upper); i++) {
        json_t *e = held_element(json_array_get(upper, i), &x, path);
        if (e && json_array_append_new(out, e) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    fo_strbuf_truncate(path, mark);
    now_index_release(&x);
    if (!out)
        return incref(upper); /* out of memory: the list whole, which loses nothing */
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* upper without what now no longer holds; NULL when nothing is left. */
static json_t *held(const json_t *upper, const json_t *now, fo_strbuf *path)
{
    if (!now)
        return NULL;
    if (fo_json_equal(upper, now)) /* a null the merge wrote as it is too */
        return incref(upper);
    if (json_is_null(now) || json_is_null(upper))
        return NULL;
    if (json_is_array(upper) && json_is_array(now))
        return held_list(upper, now, path);
    if (!json_is_object(upper) || !json_is_object(now))
        return NULL;
    json_t *out = json_object();
    const char *k;
    json_t *uv;
    size_t mark = path->len;
    json_object_foreach((json_t *)upper, k, uv)
    {
        if (!out)
            break;
        fo_pt_path_push(path, k);
        json_t *m = held(uv, json_object_get(now, k), path);
        fo_strbuf_truncate(path, mark);
        if (m && json_object_set_new(out, k, m) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    if (!out)
        return incref(upper); /* out of memory: upper whole, which loses nothing */
    if (json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *fo_podtemplate_held(const json_t *upper, const json_t *now)
{
    if (!upper || json_is_null(upper))
        return NULL;
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    json_t *part = held(upper, now, &path);
    fo_strbuf_release(&path);
    return part;
}
