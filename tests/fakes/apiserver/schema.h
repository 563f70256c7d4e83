#ifndef FKA_SCHEMA_H
#define FKA_SCHEMA_H

/* Walking an OpenAPI v3 schema: the built-in definitions (components.schemas of the
 * Kubernetes OpenAPI files, with $ref and allOf wrappers) and CRD structural schemas
 * (openAPIV3Schema, whose root `metadata` is the standard ObjectMeta). Strategic merge
 * patch, server-side apply, pruning and defaulting all ask it the same questions: what is
 * this field, and how do lists of it merge.
 *
 * A fka_schema is a small value borrowing nodes from documents that outlive the request
 * (the loaded OpenAPI files, or the CRD held by a fka_resource). A NULL node means
 * "unknown here": anything is accepted and lists are atomic. Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct fka_schema {
    const json_t *node;        /* the schema object at this position, or NULL */
    const json_t *components;  /* components.schemas for $ref, or NULL */
    const json_t *object_meta; /* ObjectMeta schema for a CR root's `metadata`, or NULL */
    const json_t *outer;       /* the unresolved property node (carries list extensions) */
    bool structural;           /* a CRD schema: an object without properties holds nothing
                                  (built-in definitions leave such objects free-form) */
} fka_schema;

typedef enum fka_list_kind {
    FKA_LIST_ATOMIC,
    FKA_LIST_SET,
    FKA_LIST_MAP,
} fka_list_kind;

#define FKA_SCHEMA_MAX_KEYS 4

/* A schema position rooted at node (structural = a CRD's openAPIV3Schema). */
fka_schema fka_schema_at(const json_t *node, const json_t *components, const json_t *object_meta,
                         bool structural);

/* The schema of member `name` of an object (properties, else additionalProperties). */
fka_schema fka_schema_field(fka_schema s, const char *name);

/* The same for a name of len bytes, which may hold NUL (a member name read by
 * common/json_read.h): such a name is no declared property, only additionalProperties take it. */
fka_schema fka_schema_field_n(fka_schema s, const char *name, size_t len);

/* The schema of the items of an array. */
fka_schema fka_schema_items(fka_schema s);

/* "object", "array", "string", "integer", "number", "boolean", or NULL when not said. */
const char *fka_schema_type(fka_schema s);

/* x-kubernetes-preserve-unknown-fields: true here (or unknown node: everything kept). */
bool fka_schema_preserves_unknown(fka_schema s);

/* Does the object schema declare `name` (properties) or take any key (additionalProperties)? */
bool fka_schema_declares(fka_schema s, const char *name);

/* The same for a name of len bytes, which may hold NUL. */
bool fka_schema_declares_n(fka_schema s, const char *name, size_t len);

/* How an array merges, for server-side apply: x-kubernetes-list-type and list-map-keys,
 * falling back to the strategic-merge extensions (patch-strategy merge + merge key = map,
 * merge on scalars = set). keys receives up to FKA_SCHEMA_MAX_KEYS key names. */
fka_list_kind fka_schema_list(fka_schema s, const char **keys, size_t *nkeys);

/* Strategic merge patch extensions of an array or map field: *strategy gets
 * "merge", "replace", "retainKeys", "merge,retainKeys" or NULL; *merge_key the key or NULL. */
void fka_schema_patch_meta(fka_schema s, const char **strategy, const char **merge_key);

/* The `default` value declared here, or NULL (borrowed). */
const json_t *fka_schema_default(fka_schema s);

#endif
