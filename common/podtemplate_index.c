/* Hashes of pod-template values and a multimap from hashes to list indices, so that long
 * lists are merged and compared in linear time (common/podtemplate_internal.h). */
#include "common/podtemplate_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

/* The seed comes from the address space layout, so collisions cannot be prepared in advance;
 * results never depend on it. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t bytes_hash(const char *s, size_t len, uint64_t h)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return mix(h ^ len);
}

static uint64_t layout_seed(void)
{
    static const char seed_anchor = 0;
    return mix((uint64_t)(uintptr_t)&seed_anchor);
}

uint64_t fo_pt_value_hash(const json_t *v)
{
    const uint64_t seed = layout_seed();
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        /* a sum of per-member hashes does not depend on member order */
        uint64_t h = mix(seed ^ 1);
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) h +=
            mix(bytes_hash(k, strlen(k), seed) ^ fo_pt_value_hash(c));
        return h;
    }
    case JSON_ARRAY: {
        uint64_t h = mix(seed ^ 2);
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) h = mix(h ^ fo_pt_value_hash(c));
        return h;
    }
    case JSON_STRING:
        return bytes_hash(json_string_value(v), json_string_length(v), seed);
    case JSON_INTEGER:
    case JSON_REAL: {
        double d = json_number_value(v);
        uint64_t bits = 0;
        if (d == 0)
            d = 0; /* -0.0 equals 0 */
        memcpy(&bits, &d, sizeof bits);
        return mix(seed ^ 3 ^ bits);
    }
    default:
        return mix(seed ^ (uint64_t)(4 + json_typeof(v)));
    }
}

/* The hash of an element's list-map key (a missing key counts as its default, as in
 * same_key). */
uint64_t fo_pt_key_hash(const json_t *e, const list_rule *r)
{
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof r->keys / sizeof r->keys[0] && r->keys[i]; i++) {
        const json_t *f = fo_pt_key_field(e, r->keys[i]);
        const char *dflt = f || !r->key_defaults[i] ? NULL : r->key_defaults[i];
        /* a default hashes as the string it stands for (fo_pt_value_hash of a string) */
        h = mix(h ^ (dflt ? bytes_hash(dflt, strlen(dflt), layout_seed())
                          : fo_pt_value_hash(f ? f : json_null())));
    }
    return h;
}

bool fo_pt_index_init(fo_pt_index *m, size_t cap)
{
    size_t buckets = 8;
    while (buckets < 2 * cap)
        buckets *= 2;
    memset(m, 0, sizeof *m);
    m->mask = buckets - 1;
    m->head = calloc(buckets, sizeof *m->head);
    m->tail = calloc(buckets, sizeof *m->tail);
    m->next = calloc(cap + 1, sizeof *m->next);
    m->hash = calloc(cap + 1, sizeof *m->hash);
    m->value = calloc(cap + 1, sizeof *m->value);
    return m->head && m->tail && m->next && m->hash && m->value;
}

void fo_pt_index_release(fo_pt_index *m)
{
    free(m->head);
    free(m->tail);
    free(m->next);
    free(m->hash);
    free(m->value);
}

void fo_pt_index_add(fo_pt_index *m, uint64_t hash, size_t value)
{
    size_t e = m->n++, b = hash & m->mask;
    m->hash[e] = hash;
    m->value[e] = value;
    m->next[e] = 0;
    if (m->tail[b])
        m->next[m->tail[b] - 1] = e + 1;
    else
        m->head[b] = e + 1;
    m->tail[b] = e + 1;
}

/* Entries with this hash: start with *it = 0; returns false when there are no more. */
bool fo_pt_index_each(const fo_pt_index *m, uint64_t hash, size_t *it, size_t *value)
{
    size_t e = *it ? m->next[*it - 1] : m->head[hash & m->mask];
    for (; e; e = m->next[e - 1]) {
        if (m->hash[e - 1] == hash) {
            *it = e;
            *value = m->value[e - 1];
            return true;
        }
    }
    return false;
}

/* Is there an element equal to v among the indexed elements of list? */
bool fo_pt_index_contains(const fo_pt_index *m, const json_t *list, const json_t *v, uint64_t hash)
{
    size_t it = 0, i;
    while (fo_pt_index_each(m, hash, &it, &i))
        if (fo_json_equal(json_array_get(list, i), v))
            return true;
    return false;
}

/* ---- groups ---- */

static bool same(const fo_pt_groups *g, const json_t *a, const json_t *b)
{
    return g->rule ? fo_pt_same_key(a, b, g->rule) : fo_json_equal(a, b);
}

static uint64_t group_hash(const fo_pt_groups *g, const json_t *e)
{
    return g->rule ? fo_pt_key_hash(e, g->rule) : fo_pt_value_hash(e);
}

bool fo_pt_groups_init(fo_pt_groups *g, const json_t *list, const list_rule *by_key)
{
    size_t n = json_array_size(list);
    memset(g, 0, sizeof *g);
    g->list = list;
    g->rule = by_key;
    g->next = calloc(n + 1, sizeof *g->next);
    g->last = calloc(n + 1, sizeof *g->last);
    g->cursor = calloc(n + 1, sizeof *g->cursor);
    bool ok = fo_pt_index_init(&g->leaders, n) && g->next && g->last && g->cursor;
    for (size_t j = 0; ok && j < n; j++) {
        const json_t *e = json_array_get(list, j);
        if (by_key && !fo_pt_keyed(e, by_key))
            continue;
        size_t leader;
        if (fo_pt_groups_find(g, e, &leader)) {
            g->next[g->last[leader] - 1] = j + 1;
            g->last[leader] = j + 1;
        } else {
            fo_pt_index_add(&g->leaders, group_hash(g, e), j);
            g->last[j] = g->cursor[j] = j + 1;
        }
    }
    return ok;
}

void fo_pt_groups_release(fo_pt_groups *g)
{
    fo_pt_index_release(&g->leaders);
    free(g->next);
    free(g->last);
    free(g->cursor);
}

bool fo_pt_groups_find(const fo_pt_groups *g, const json_t *e, size_t *leader)
{
    size_t it = 0;
    uint64_t h = group_hash(g, e);
    while (fo_pt_index_each(&g->leaders, h, &it, leader))
        if (same(g, json_array_get(g->list, *leader), e))
            return true;
    return false;
}

bool fo_pt_groups_take(fo_pt_groups *g, size_t leader, const bool *taken, size_t *at)
{
    size_t c = g->cursor[leader];
    while (c && taken && taken[c - 1])
        c = g->next[c - 1];
    g->cursor[leader] = c ? g->next[c - 1] : 0;
    if (!c)
        return false;
    *at = c - 1;
    return true;
}

void fo_pt_groups_rewind(fo_pt_groups *g)
{
    for (size_t j = 0; j < json_array_size(g->list); j++)
        if (g->last[j])
            g->cursor[j] = j + 1;
}

json_t *fo_pt_list_of_parts(json_t **parts, size_t n, bool ok, const json_t *whole)
{
    json_t *out = ok && parts ? json_array() : NULL;
    for (size_t i = 0; i < n && parts; i++) {
        if (out && parts[i] && json_array_append(out, parts[i]) != 0) {
            json_decref(out);
            out = NULL;
        }
        json_decref(parts[i]);
    }
    free(parts);
    if (!out)
        return json_incref((json_t *)whole);
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
