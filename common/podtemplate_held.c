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

/* Does object e hold nothing but r's keys? */
static bool only_keys(const json_t *e, const list_rule *r)
{
    size_t keys = 0;
    for (size_t i = 0; i < sizeof r->keys / sizeof r->keys[0] && r->keys[i]; i++)
        keys += json_object_get(e, r->keys[i]) != NULL;
    return json_object_size(e) == keys;
}

/* A list merged by key, element by element. The merge puts the k-th element of upper with a
 * key into the k-th element of lower with it (common/podtemplate.c, map_list), so that is
 * where each element of upper is looked for first; then (an edit may take out one of two
 * elements with one key) among the elements of now not paired yet, an equal one; then the
 * first element left with its key, whose part it holds is kept (its keys among them: an
 * element reduced to its keys still says the element is there, except a volume or resource
 * claim, where it would take the inherited source away). Each element of now is paired once.
 * out[i] gets upper's i-th element's part (new reference) or NULL. False when out of memory. */
static bool held_map_elements(const json_t *upper, const json_t *now, const list_rule *r,
                              json_t **out, fo_strbuf *path)
{
    size_t nu = json_array_size(upper), nn = json_array_size(now);
    fo_pt_groups keys, values;
    bool *taken = calloc(nn + 1, sizeof *taken), *done = calloc(nu + 1, sizeof *done);
    bool ok = fo_pt_groups_init(&keys, now, r);
    ok = fo_pt_groups_init(&values, now, NULL) && ok && taken && done;
    size_t leader, at;
    for (size_t i = 0; ok && i < nu; i++) { /* where the merge put it, when it is there as is */
        const json_t *u = json_array_get(upper, i);
        if (fo_pt_keyed(u, r) && fo_pt_groups_find(&keys, u, &leader) &&
            fo_pt_groups_take(&keys, leader, NULL, &at) &&
            fo_json_equal(u, json_array_get(now, at)) && !taken[at])
            done[i] = taken[at] = true;
    }
    for (size_t i = 0; ok && i < nu; i++) { /* an equal element not paired yet */
        const json_t *u = json_array_get(upper, i);
        if (!done[i] && fo_pt_groups_find(&values, u, &leader) &&
            fo_pt_groups_take(&values, leader, taken, &at))
            done[i] = taken[at] = true;
    }
    fo_pt_groups_rewind(&keys);
    for (size_t i = 0; ok && i < nu; i++) {
        const json_t *u = json_array_get(upper, i);
        if (done[i]) {
            out[i] = incref(u);
            continue;
        }
        if (!fo_pt_keyed(u, r) || !fo_pt_groups_find(&keys, u, &leader) ||
            !fo_pt_groups_take(&keys, leader, taken, &at))
            continue;
        taken[at] = true;
        out[i] = held(u, json_array_get(now, at), path);
        if (out[i] && r->retain_keys && only_keys(out[i], r)) {
            json_decref(out[i]);
            out[i] = NULL;
        }
    }
    fo_pt_groups_release(&keys);
    fo_pt_groups_release(&values);
    free(taken);
    free(done);
    return ok;
}

/* A list: an atomic one when now has it as it is, a union list's elements now has too, a list
 * merged by key as held_map_elements says. NULL when nothing is left. */
static json_t *held_list(const json_t *upper, const json_t *now, fo_strbuf *path)
{
    const list_rule *r = fo_pt_find_rule(path->data);
    if (!r)
        return NULL; /* not equal (held checked): replaced as a whole */
    size_t nu = json_array_size(upper);
    json_t **parts = calloc(nu + 1, sizeof *parts);
    bool ok = parts != NULL;
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    if (ok && r->kind == RULE_MAP) {
        ok = held_map_elements(upper, now, r, parts, path);
    } else if (ok) {
        fo_pt_groups values;
        size_t leader;
        ok = fo_pt_groups_init(&values, now, NULL);
        for (size_t i = 0; ok && i < nu; i++)
            if (fo_pt_groups_find(&values, json_array_get(upper, i), &leader))
                parts[i] = incref(json_array_get(upper, i));
        fo_pt_groups_release(&values);
    }
    fo_strbuf_truncate(path, mark);
    /* out of memory: the list whole, which loses nothing */
    return fo_pt_list_of_parts(parts, nu, ok, upper);
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
