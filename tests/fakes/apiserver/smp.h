#ifndef FKA_SMP_H
#define FKA_SMP_H

/* Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, with
 * the merge rules taken from the OpenAPI extensions x-kubernetes-patch-strategy and
 * x-kubernetes-patch-merge-key (kube-api-semantics.md §9): maps merge, null deletes, lists
 * with strategy "merge" merge by their key (or as sets of scalars), other lists are
 * replaced. Directives: $patch (replace, delete, merge) on maps and list items,
 * $retainKeys, $setElementOrder/<list>, $deleteFromPrimitiveList/<list>. Pure; thread-safe. */

#include <jansson.h>

#include "common/rc.h"
#include "tests/fakes/apiserver/schema.h"

/* Apply patch to a copy of doc (both borrowed). Returns the new document (new reference)
 * or NULL with err (FO_EINVAL: the patch is not an object or a directive is malformed). */
json_t *fka_smp_apply(const json_t *doc, const json_t *patch, fka_schema s, fo_err *err);

#endif
