#ifndef FKA_FIELDSET_H
#define FKA_FIELDSET_H

/* Field sets in the `FieldsV1` form of metadata.managedFields (server-side apply): a tree
 * whose keys are "f:<field>", "k:<json of list-map keys>", "v:<json of a set item>" and "."
 * (the node itself). Leaves are {}. These functions build sets from objects (using the
 * schema for list kinds), combine them, and keep managedFields up to date for Update
 * operations (kube-api-semantics.md §2, §9). Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/fakes/apiserver/schema.h"

/* Every field set in obj (apiVersion, kind and server-owned metadata excluded; `status`
 * excluded unless with_status). New reference. */
json_t *fka_fields_of(const json_t *obj, fka_schema s, bool with_status);

/* Fields present in after whose value is new or different from before, plus, in *removed
 * (when not NULL), fields present in before and gone in after. New references. */
json_t *fka_fields_changed(const json_t *before, const json_t *after, fka_schema s,
                           bool with_status, json_t **removed);

/* a ∪ b, a − b, a ∩ b (leaves compared; "." counts as a leaf). New references. */
json_t *fka_fields_union(const json_t *a, const json_t *b);
json_t *fka_fields_minus(const json_t *a, const json_t *b);
json_t *fka_fields_intersect(const json_t *a, const json_t *b);
bool fka_fields_empty(const json_t *set);

/* The value at a leaf path of a set (the path as a list of "f:"/"k:"/"v:" tokens) in obj,
 * or NULL (borrowed). */
const json_t *fka_fields_value_at(const json_t *obj, const json_t *path);

/* Call fn(ctx, path) for every leaf of set; path is a JSON array of tokens (borrowed). */
void fka_fields_foreach_leaf(const json_t *set, void (*fn)(void *ctx, const json_t *path),
                             void *ctx);

/* ".spec.containers[name=\"x\"].image"-style text for a token path (conflict messages).
 * Caller frees. */
char *fka_fields_path_string(const json_t *path);

/* Remove the fields of set from obj (in place), for fields an applier gave up. */
void fka_fields_remove(json_t *obj, const json_t *set);

/* Record an Update operation by manager on obj (in place): the fields it changed
 * relative to old (everything for a create, old == NULL) move to its entry, other managers
 * lose them, removed fields leave every set, and empty entries are dropped.
 * subresource is "" or "status"; with_status false leaves `status` out (main-endpoint
 * writes of kinds with a status subresource, whose status the server resets). */
void fka_fields_record_update(json_t *obj, const json_t *old, fka_schema s, const char *manager,
                              const char *api_version, const char *subresource, bool with_status,
                              int64_t now_ms);

/* Order managedFields entries (a JSON array, in place) as the API server encodes them
 * (sortEncodedManagedFields): by operation (Apply before Update), time to the second,
 * manager, apiVersion, subresource. */
void fka_managed_fields_sort(json_t *mf);

/* Whether managedFields (borrowed; NULL is none) fail to decode as the API server's
 * DecodeManagedFields would have them: a list of entries with operation Apply or Update, an
 * apiVersion, fieldsType FieldsV1 and fieldsV1 in the set grammar. When invalid, *why (len
 * bytes) says why. */
bool fka_managed_fields_invalid(const json_t *mf, char *why, size_t len);

#endif
