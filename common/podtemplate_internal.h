#ifndef FO_PODTEMPLATE_INTERNAL_H
#define FO_PODTEMPLATE_INTERNAL_H

/* Shared by the files of the podtemplate module: the list rules of the merge
 * (common/podtemplate.c has them and their spec) and the walk's path. Not for other
 * modules. */

#include <jansson.h>
#include <stdbool.h>

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

#endif
