#ifndef FKA_APPLY_H
#define FKA_APPLY_H

/* Server-side apply (application/apply-patch+yaml, kube-api-semantics.md §9): the applied
 * configuration is merged into the live object by the schema's list rules; the manager's
 * managedFields entry (operation Apply) becomes exactly the applied field set; fields it
 * applied before and now leaves out are removed unless another manager owns them; a field
 * owned by another manager with a different value is a conflict (409) unless force, which
 * takes it over. Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/fakes/apiserver/resources.h"
#include "tests/fakes/apiserver/schema.h"

/* Merge applied (borrowed) into cur (borrowed; NULL creates). subresource is "" or
 * "status". Returns the new object (new reference) with managedFields updated, or NULL with
 * *status set (409 Conflict with FieldManagerConflict causes). */
json_t *fka_apply(const fka_resource *r, fka_schema s, const json_t *cur, const json_t *applied,
                  const char *manager, bool force, const char *subresource, int64_t now_ms,
                  json_t **status);

#endif
