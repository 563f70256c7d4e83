#ifndef FO_KUBE_OVERSIZED_H
#define FO_KUBE_OVERSIZED_H

/* Objects too heavy to hold. A reader of many objects bounds what each may build
 * (fo_json_read_filter.max_weight: a 1.5 MB custom resource of empty objects becomes about
 * 60 MB of jansson values, and a controller holding a few of them is OOM-killed at every
 * restart, for every tenant). An object past the bound is not dropped, which would hide it
 * (its finalizer would never come off): it is replaced by a stub, its apiVersion, kind,
 * metadata (without managedFields and annotations) and status when they fit, or less when
 * they do not (identity, labels and finalizers; without labels; identity alone), with the
 * top-level members FO_KUBE_OVERSIZED saying why and FO_KUBE_OVERSIZED_KEEPS what was kept.
 * The API server never sends top-level members of those names (it prunes unknown fields).
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/json_read.h"
#include "common/rc.h"

#define FO_KUBE_OVERSIZED "flinkop.io/oversized"
/* ...and what the stub keeps, one of (each tried when the one before does not fit): */
#define FO_KUBE_OVERSIZED_KEEPS "flinkop.io/oversized-keeps"
#define FO_KUBE_KEEPS_STATUS "metadata-and-status" /* all but managedFields and annotations */
#define FO_KUBE_KEEPS_LABELS "identity-labels-finalizers"
#define FO_KUBE_KEEPS_FINALIZERS "identity-finalizers"
#define FO_KUBE_KEEPS_IDENTITY "identity"

/* The stub of the object at the start of text[0..len) (event: the watch event holding it, as
 * {"type", "object": stub}), each part within max_weight; *used is where the value ends
 * (may be NULL). NULL with err when not even the object's name fits, or the text is not JSON. */
json_t *fo_kube_oversized_stub(const char *text, size_t len, bool event, size_t max_weight,
                               size_t *used, fo_err *err);

/* Why obj is a stub, or NULL for a whole object. */
const char *fo_kube_oversized(const json_t *obj);
/* Whether obj's status (absent: an empty one) and its finalizers and labels are as stored:
 * true for a whole object. */
bool fo_kube_oversized_keeps_status(const json_t *obj);
bool fo_kube_oversized_keeps_finalizers(const json_t *obj);

/* A List page read with filter, whose item_state and max_weight bound each item: every item
 * past the bound is replaced by its stub (the page is read again without it), the rest read as
 * filter says. With item_state the root's state, one object: itself or its stub. Without an
 * item bound in filter, fo_json_read. */
json_t *fo_kube_read_with_stubs(const char *body, size_t len, const fo_json_read_filter *filter,
                                fo_err *err);

#endif
