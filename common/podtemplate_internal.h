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

#endif
