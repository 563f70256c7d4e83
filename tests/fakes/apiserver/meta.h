#ifndef FKA_META_H
#define FKA_META_H

/* The metadata the API server owns (kube-api-semantics.md §2, §7, §8): what a create sets,
 * what an update keeps from the stored object, when generation moves, and the metadata
 * validation that ends in 422. Pure functions over jansson objects; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/field_errors.h"
#include "tests/fakes/apiserver/resources.h"

/* Create: set uid, creationTimestamp (now_ms), generation 1 where tracked, and drop what
 * a client may not set (deletionTimestamp, deletionGracePeriodSeconds, selfLink). obj is
 * changed in place. */
void fka_meta_prepare_create(const fka_resource *r, json_t *obj, int64_t now_ms);

/* Update: copy uid, creationTimestamp, generation, deletionTimestamp and
 * deletionGracePeriodSeconds from old, then bump generation when the change needs it
 * (§7). obj is changed in place. */
void fka_meta_prepare_update(const fka_resource *r, json_t *obj, const json_t *old);

/* Does the change from old to obj bump generation (§7)? */
bool fka_meta_generation_changes(const fka_resource *r, const json_t *old, const json_t *obj);

/* Add the metadata errors of obj (name, labels, annotations, ownerReferences, finalizers;
 * old is the stored object for updates, else NULL). Warnings (unqualified finalizer names)
 * go to warn(ctx, text) when warn is not NULL. */
void fka_meta_validate(const fka_resource *r, const json_t *obj, const json_t *old,
                       fo_field_errors *errs, void (*warn)(void *ctx, const char *text), void *ctx);

/* Are a and b the same object apart from resourceVersion and the timestamps inside
 * managedFields? (A write that changes nothing else is not stored.) */
bool fka_meta_same(const json_t *a, const json_t *b);

/* Does the object carry deletionTimestamp? */
bool fka_meta_deleting(const json_t *obj);

/* Number of metadata.finalizers. */
size_t fka_meta_finalizer_count(const json_t *obj);

/* Does obj list finalizer f? */
bool fka_meta_has_finalizer(const json_t *obj, const char *f);

#endif
