#ifndef FKA_APPLY_H
#define FKA_APPLY_H

/* Server-side apply (application/apply-patch+yaml, kube-api-semantics.md §9): the applied
 * configuration is merged into the live object by the schema's list rules; the manager's
 * managedFields entry (operation Apply) becomes exactly the applied field set; fields it
 * applied before and now leaves out are removed unless another manager owns them; a field
 * owned by another manager with a different value is a conflict (409) unless force, which
 * takes it over. The fields of an object whose managedFields are empty count as an Update
 * by "before-first-apply". Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/fakes/apiserver/resources.h"
#include "tests/fakes/apiserver/schema.h"

/* One apply request (all borrowed). */
typedef struct fka_apply_in {
    const fka_resource *r;
    fka_schema s;
    const json_t *cur;     /* the stored object; NULL creates */
    const json_t *applied; /* the applied configuration, in stored form */
    const json_t *sent;    /* it as the client sent it (the last-applied annotation is built
                              from that); NULL: applied */
    const char *manager;
    bool force;
    const char *subresource; /* "" or "status" */
    int64_t now_ms;
} fka_apply_in;

/* Merge in->applied into in->cur. Returns the new object (new reference) with managedFields
 * updated, or NULL with *status set (409 Conflict with FieldManagerConflict causes). The
 * manager "kubectl" also gets the last-applied annotation's behaviours (lastapplied.h). */
json_t *fka_apply(const fka_apply_in *in, json_t **status);

#endif
