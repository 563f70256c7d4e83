#ifndef FO_PODTEMPLATE_INTERNAL_H
#define FO_PODTEMPLATE_INTERNAL_H

/* Shared by the files of the podtemplate module: the list rules of the merge
 * (common/podtemplate.c has them and their spec) and the walk's path. Not for other
 * modules. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

typedef enum rule_kind {
    RULE_MAP,   /* merge elements by key */
    RULE_UNION, /* append elements not already present (JSON equality) */
} rule_kind;

typedef struct list_rule {
    const char *path; /* relative to the template, "[]" marks list elements */
    rule_kind kind;
    const char *keys[2];
    const char *key_defaults[2]; /* value of a missing key, or NULL (then it is required) */
    bool retain_keys;
    const char *unique; /* a member the API server wants unique in the list, or NULL */
} list_rule;

/* The rule of the list at path ("spec.containers", "spec.containers[].env"), or NULL: the
 * list is atomic (the upper one replaces the lower). */
const list_rule *fo_pt_find_rule(const char *path);

/* Does e carry every key of r (or a default for it)? */
bool fo_pt_keyed(const json_t *e, const list_rule *r);

/* Do a and b have the same key under r (a missing key counting as its default)? */
bool fo_pt_same_key(const json_t *a, const json_t *b, const list_rule *r);

/* e's member key when present and not null, else NULL. Borrowed. */
const json_t *fo_pt_key_field(const json_t *e, const char *key);

/* Append a member name (or "[]" for list elements) to the walk's path. */
void fo_pt_path_push(fo_strbuf *path, const char *seg);

/* Lists come from users (a template can hold 10^5 tolerations in a few hundred KB), so an
 * element is never looked for by scanning: elements are hashed consistently with
 * fo_json_equal and only elements with the same hash are compared
 * (common/podtemplate_index.c). */

/* A hash of v consistent with fo_json_equal (numbers by value, objects in any member order). */
uint64_t fo_pt_value_hash(const json_t *v);

/* The hash of an element's list-map key under r (a missing key counts as its default). */
uint64_t fo_pt_key_hash(const json_t *e, const list_rule *r);

/* A multimap from hashes to list indices, sized once for at most cap entries; entries with
 * the same hash come back in insertion order. */
typedef struct fo_pt_index {
    size_t *head, *tail; /* bucket -> first / last entry + 1 (0: none) */
    size_t *next;        /* entry -> next entry + 1 in its bucket */
    uint64_t *hash;      /* entry -> hash */
    size_t *value;       /* entry -> list index */
    size_t mask, n;
} fo_pt_index;

/* Size the map for at most cap entries; false when out of memory (release it all the same). */
bool fo_pt_index_init(fo_pt_index *m, size_t cap);
void fo_pt_index_release(fo_pt_index *m);
void fo_pt_index_add(fo_pt_index *m, uint64_t hash, size_t value);

/* Entries with this hash: start with *it = 0; returns false when there are no more. */
bool fo_pt_index_each(const fo_pt_index *m, uint64_t hash, size_t *it, size_t *value);

/* Is there an element equal to v among the indexed elements of list? */
bool fo_pt_index_contains(const fo_pt_index *m, const json_t *list, const json_t *v,
                          uint64_t hash);

/* The elements of a list in groups, each in list order: elements with the same key under a
 * rule (elements without their key are left out), or, without a rule, equal elements. Each
 * group has a cursor, so that the k-th element of another list with a key can be paired with
 * the k-th element of this one with it, as the merge pairs them (map_list). */
typedef struct fo_pt_groups {
    const json_t *list;
    const list_rule *rule; /* NULL: by value */
    fo_pt_index leaders;   /* hash -> first index of a group */
    size_t *next;          /* index -> next index in its group + 1 */
    size_t *last;          /* first index -> last index in its group + 1 */
    size_t *cursor;        /* first index -> next index to take + 1 (0: none left) */
} fo_pt_groups;

/* Group list (borrowed) by key under by_key, or by value when by_key is NULL. False when out
 * of memory (release it all the same). */
bool fo_pt_groups_init(fo_pt_groups *g, const json_t *list, const list_rule *by_key);
void fo_pt_groups_release(fo_pt_groups *g);

/* The group of an element with e's key (or equal to e): its first index in *leader. */
bool fo_pt_groups_find(const fo_pt_groups *g, const json_t *e, size_t *leader);

/* The group's next index not marked in taken (NULL: none is), in *at; the cursor moves past
 * it. False when the group has none left. */
bool fo_pt_groups_take(fo_pt_groups *g, size_t leader, const bool *taken, size_t *at);

/* Every group's cursor back to its first element. */
void fo_pt_groups_rewind(fo_pt_groups *g);

/* The list of the parts parts[0..n) that are there (NULL: none), in order; each part is
 * released and parts freed. NULL when none is; `whole` (a new reference) when !ok or memory
 * runs out, which loses nothing of a list it was taken from. */
json_t *fo_pt_list_of_parts(json_t **parts, size_t n, bool ok, const json_t *whole);

#endif
