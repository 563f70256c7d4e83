#ifndef FO_KUBE_STATUS_H
#define FO_KUBE_STATUS_H

/* Decoding of Kubernetes `Status` objects (meta/v1 Status, kube-api-semantics.md §3) into
 * fo_err. Pure; thread-safe.
 *
 * The result code comes from `reason` first (NotFound, AlreadyExists, Conflict, Invalid,
 * Expired/Gone, Forbidden/Unauthorized, TooManyRequests) and from the HTTP code otherwise,
 * so that "409 AlreadyExists" and "409 Conflict" stay apart. err->reason receives `reason`,
 * err->http_status the code, err->message the Status message with every `details.causes[]`
 * entry that the message does not already contain appended as "field: message". */

#include <jansson.h>
#include <stddef.h>

#include "common/rc.h"

/* Largest error body we try to decode; longer bodies are cut in the message. */
#define FO_KUBE_STATUS_MAX_BODY (1u * 1024 * 1024)

/* The result code for an HTTP status and a Status reason (reason may be NULL or ""). */
fo_rc fo_kube_status_rc(int http_status, const char *reason);

/* Fill err from a Status object (borrowed; may be NULL or not a Status). http_status is the
 * response's code (0 for a watch ERROR event: then Status.code is used). `what` (may be NULL)
 * prefixes the message, e.g. "get configmaps ns/x". Returns the result code (never FO_OK:
 * a Status without a usable code gives FO_EPROTO). */
fo_rc fo_kube_status_to_err(int http_status, const json_t *status, const char *what, fo_err *err);

/* Same from a raw response body: JSON Status bodies are decoded; other bodies (a proxy's
 * HTML page) become the message, cut to 200 bytes. */
fo_rc fo_kube_status_body_to_err(int http_status, const char *body, size_t len, const char *what,
                                 fo_err *err);

/* details.retryAfterSeconds of a Status, or -1. */
long fo_kube_status_retry_after_s(const json_t *status);

#endif
