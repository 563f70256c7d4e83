#ifndef FKA_ADMISSION_H
#define FKA_ADMISSION_H

/* Calling admission webhooks like kube-apiserver (admission-review-v1.md): the
 * Mutating/ValidatingWebhookConfiguration objects in the store are matched against the
 * request (rules, scope, namespaceSelector, objectSelector), then called over HTTPS with an
 * AdmissionReview (clientConfig.url, or a service mapped by --webhook-service-map),
 * verifying caBundle, with ?timeout=Ns appended. Mutating webhooks run first, in order,
 * each JSON Patch applied before the next; validating webhooks see the final object.
 * Answers breaking §4 rules 1-7 are failed calls; failurePolicy decides what a failed call
 * does; denials become the Status of §4. Warnings go to the response's Warning headers and
 * every call is recorded for GET /fake/webhook-calls.
 *
 * Never called with the store lock held (it takes it briefly to read the configurations). */

#include <jansson.h>
#include <stdbool.h>

#include "tests/fakes/apiserver/server.h"

/* Run the mutating (mutating=true) or validating webhooks matching op for operation
 * ("CREATE", "UPDATE", "DELETE"). *obj is the new object (NULL for DELETE), replaced by the
 * patched one after a mutation; old is the stored object or NULL; sub_obj_kind is the kind
 * sent in request.kind for subresources (NULL = the resource's own). Returns NULL when
 * admitted, else the Status to answer with (new reference). */
json_t *fka_admit(fka_op *op, const char *operation, json_t **obj, const json_t *old,
                  bool mutating);

#endif
