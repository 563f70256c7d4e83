#ifndef FKA_STATUS_H
#define FKA_STATUS_H

/* The Status bodies of kube-api-semantics.md §3, built exactly as kube-apiserver builds them
 * (k8s.io/apimachinery/pkg/api/errors): key order kind, apiVersion, metadata, status,
 * message, reason, details, code. Every function returns a new reference; pure and
 * thread-safe. */

#include <jansson.h>

#include "common/field_errors.h"
#include "tests/fakes/apiserver/resources.h"

/* A generic Failure Status (reason may be "" for the API server's "Unknown"); details is
 * stolen and may be NULL. */
json_t *fka_status_failure(int code, const char *reason, const char *message, json_t *details);

/* 404 `<resource>[.<group>] "<name>" not found`. */
json_t *fka_status_not_found(const fka_resource *r, const char *name);

/* 404 `namespaces "<ns>" not found`. */
json_t *fka_status_namespace_not_found(const char *ns);

/* 409 AlreadyExists. */
json_t *fka_status_already_exists(const fka_resource *r, const char *name);

/* 409 Conflict: "the object has been modified; ..." */
json_t *fka_status_conflict(const fka_resource *r, const char *name);

/* 409 Conflict: "Precondition failed: <detail>". */
json_t *fka_status_precondition(const fka_resource *r, const char *name, const char *detail);

/* 422 Invalid from field errors (messages as the API server joins them). */
json_t *fka_status_invalid(const fka_resource *r, const char *name, const fo_field_errors *errs);

/* 422 Invalid with one cause whose body (the text after "<field>: ") is given as is. */
json_t *fka_status_invalid_one(const fka_resource *r, const char *name, const char *field,
                               const char *reason, const char *body);

/* 410 Expired with message. */
json_t *fka_status_expired(const char *message);

/* 400 BadRequest. */
json_t *fka_status_bad_request(const char *message);

/* 415 UnsupportedMediaType naming the accepted types (comma-separated list). */
json_t *fka_status_unsupported_media(const char *content_type, const char *accepted);

/* 405 MethodNotAllowed. */
json_t *fka_status_method_not_allowed(const char *verb, const fka_resource *r);

/* 500 InternalError "Internal error occurred: <message>". */
json_t *fka_status_internal(const char *message);

/* 429 TooManyRequests with details.retryAfterSeconds. */
json_t *fka_status_too_many(const char *message, int retry_after_s);

/* 200 Success of a delete: details {name, group, kind: plural, uid}. */
json_t *fka_status_deleted(const fka_resource *r, const char *name, const char *uid);

/* The code of a Status object (500 when absent). */
int fka_status_code(const json_t *status);

/* A field error's body without the field ("Invalid value: ..."), as causes[].message. */
const char *fka_field_error_body(const fo_field_error *fe);

#endif
