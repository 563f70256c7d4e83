/* The part of a template layer that another template still holds, by the merge's own rules
 * (common/podtemplate.c): what of a role's recorded own template an edit left in place. */
#include "common/podtemplate.h"

#include "common/jsonutil.h"
#include "common/podtemplate_internal.h"
#include "common/strbuf.h"

/* Most element pairs compared in one list (a list-map is matched by scanning): past it the
 * list is kept whole (podtemplate.h). */
#define MAX_PAIRS (64u * 1024)

static json_t *held(const json_t *upper, const json_t *now, fo_strbuf *path);

static json_t *incref(const json_t *v)
{
    return json_incref((json_t *)v);
}

/* Is v one of list's elements? */
static bool in_list(const json_t *v, const json_t *list)
{
    for (size_t j = 0; j < json_array_size(list); j++)
        if (fo_json_equal(v, json_array_get(list, j)))
            return true;
    return false;
}

/* Does e hold more than the key members of r? */
static bool beyond_keys(const json_t *e, const list_rule *r)
{
    size_t keys = 0;
    for (size_t i = 0; i < 2 && r->keys[i]; i++)
        keys += json_object_get(e, r->keys[i]) != NULL;
    return json_object_size(e) > keys;
}

/* The element of now that u matches by key, or NULL. */
static const json_t *match_of(const json_t *u, const json_t *now, const list_rule *r)
{
    for (size_t j = 0; j < json_array_size(now); j++) {
        const json_t *n = json_array_get(now, j);
        if (fo_pt_keyed(n, r) && fo_pt_same_key(u, n, r))
            return n;
    }
    return NULL;
}

/* One element of a list merged by key: whole when now has it as it is; else, matched by key,
 * the part now still holds with its keys (so that it still matches), or nothing when only the
 * keys would be left. A volume or resource claim (retainKeys) is all or nothing: the merge
 * keeps only what the upper element names. */
static json_t *held_element(const json_t *u, const json_t *now, const list_rule *r, fo_strbuf *path)
{
    if (in_list(u, now)) /* also one of two elements with the same key, as the user wrote */
        return incref(u);
    const json_t *match = fo_pt_keyed(u, r) ? match_of(u, now, r) : NULL;
    if (!match || r->retain_keys || !json_is_object(u) || !json_is_object(match))
        return NULL;
    json_t *part = held(u, match, path);
    if (part && !beyond_keys(part, r)) {
        json_decref(part);
        return NULL;
    }
    return part;
}

/* A list: an atomic one when now has it as it is, a union list's elements now has too, a
 * list-map's elements as held_element says. NULL when nothing is left. */
static json_t *held_list(const json_t *upper, const json_t *now, fo_strbuf *path)
{
    const list_rule *r = fo_pt_find_rule(path->data);
    size_t nu = json_array_size(upper), nn = json_array_size(now);
    if (!r)
        return NULL; /* not equal (held checked): replaced as a whole */
    if (nn && nu > MAX_PAIRS / nn)
        return incref(upper);
    json_t *out = json_array();
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    for (size_t i = 0; out && i < nu; i++) {
        const json_t *u = json_array_get(upper, i);
        json_t *e = r->kind == RULE_UNION ? (in_list(u, now) ? incref(u) : NULL)
                                          : held_element(u, now, r, path);
        if (e && json_array_append_new(out, e) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    fo_strbuf_truncate(path, mark);
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
    if (!now || json_is_null(now) || json_is_null(upper))
        return NULL;
    if (fo_json_equal(upper, now))
        return incref(upper);
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
