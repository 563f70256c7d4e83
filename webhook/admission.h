#ifndef FO_ADMISSION_H
#define FO_ADMISSION_H

/* AdmissionReview admission.k8s.io/v1: decode the API server's request, encode our answer
 * (../shared/specs/admission-review-v1.md).
 *
 * Decoding is strict about what the answer depends on and what the spec says is always sent
 * (apiVersion, kind, request.uid, request.kind, request.resource, request.operation, the object
 * on CREATE and UPDATE), and about the types of the fields we read; it is lenient about
 * everything else (unknown fields, absent userInfo/options). Every refusal names the field.
 * The whole body must be JSON, but the parts nothing here reads are not kept
 * (webhook/review_json.h): request.oldObject (validation compares with the status, never with
 * oldObject: reference b.2), request.userInfo, request.options and the object's
 * metadata.managedFields (owned by the API server; half of a typical review).
 *
 * Encoding follows section 3: the uid echoed, `allowed`, a Status on denial, `patchType:
 * JSONPatch` exactly when a non-empty patch is sent (base64, standard alphabet, padded), and
 * warnings. Pure functions; thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/field_errors.h"
#include "common/rc.h"

/* Largest AdmissionReview body accepted. The API server caps an object at 3 MiB and a review
 * carries up to two of them plus envelope. */
#define FO_ADMISSION_MAX_BODY (7u * 1024 * 1024)
/* Warnings sent back: at most this many, each cut to this many bytes (the API server may
 * truncate longer ones anyway, section 3). */
#define FO_ADMISSION_MAX_WARNINGS 32
#define FO_ADMISSION_MAX_WARNING_BYTES 256

#define FO_ADMISSION_API_VERSION "admission.k8s.io/v1"

typedef enum fo_admission_op {
    FO_ADMISSION_CREATE,
    FO_ADMISSION_UPDATE,
    FO_ADMISSION_DELETE,
    FO_ADMISSION_CONNECT,
} fo_admission_op;

/* A decoded request. Every pointer is borrowed from `review` (owned by the struct). */
typedef struct fo_admission_request {
    json_t *review;         /* the whole document; new reference, released by _release */
    const char *uid;
    fo_admission_op op;
    const char *operation;  /* "CREATE", ... as sent */
    const char *group;      /* request.kind.group ("" for core) */
    const char *version;    /* request.kind.version */
    const char *kind;       /* request.kind.kind */
    const char *resource;   /* request.resource.resource ("flinkdeployments") */
    const char *sub_resource; /* NULL for the main resource */
    const char *name;       /* "" when absent (generateName on CREATE) */
    const char *namespace_; /* "" when absent */
    const json_t *object;   /* NULL when null/absent (DELETE, CONNECT); without
                               metadata.managedFields */
    bool has_old_object;    /* request.oldObject was an object */
    const json_t *old_object;     /* what was kept of it (its metadata.generation, and by
                                     decode_without_status its spec.<role>.podTemplate), or
                                     NULL */
    const json_t *old_generation; /* request.oldObject.metadata.generation, or NULL */
    bool dry_run;
    /* The object builds more than FO_WH_JSON_MAX_WEIGHT: only its identity was read (of
     * request.object, metadata.name, namespace, generation, deletionTimestamp and the canary
     * label), for an answer that says so (webhook/admit_validate.h, admit_mutate.h). */
    bool too_large;
    /* The reader built no key holding NUL anywhere in the review (common/json_read.h): the
     * walks that look for such keys in the object need not run again. */
    bool keys_without_nul;
} fo_admission_request;

/* Parse and check a request body. On failure returns FO_EINVAL (malformed JSON: the message
 * names line and column; a missing or wrong field: the message names it, e.g.
 * "request.uid: required") or FO_ELIMIT (over FO_ADMISSION_MAX_BODY, or building more
 * than FO_WH_JSON_MAX_WEIGHT outside request.object), and req is left empty. A request.object
 * that builds more than that is no failure: req->too_large, with its identity. */
fo_rc fo_admission_decode(const char *body, size_t len, fo_admission_request *req, fo_err *err);

/* The same, leaving out the object's status too (for /mutate: normalising never reads it),
 * and keeping oldObject's role pod templates (normalising compares with them). */
fo_rc fo_admission_decode_without_status(const char *body, size_t len, fo_admission_request *req,
                                         fo_err *err);

/* Release what decode kept. Safe on a zeroed or already released struct. */
void fo_admission_request_release(fo_admission_request *req);

/* True for a CREATE or UPDATE of the main resource of kind FlinkDeployment or FlinkSessionJob
 * in group flink.apache.org: the requests the webhook judges or changes. */
bool fo_admission_is_flink_write(const fo_admission_request *req);

/* Our answer, filled by admit_validate / admit_mutate. Owns everything it points to. */
typedef struct fo_admission_response {
    bool allowed;
    int code;          /* on denial: HTTP code of the Status (422) */
    char reason[32];   /* on denial: Status reason ("Invalid") */
    char *message;     /* on denial: heap */
    json_t *details;   /* on denial: Status details {name, group, kind, causes}, or NULL */
    char *patch;       /* RFC 6902 array to send, as compact JSON (heap), or NULL */
    size_t patch_len;  /* its bytes; a patch of no operation is never set (NULL instead) */
    json_t *warnings;  /* array of strings, or NULL */
} fo_admission_response;

/* Start a response: allowed, nothing else. */
void fo_admission_response_init(fo_admission_response *resp);
void fo_admission_response_release(fo_admission_response *resp);

/* Deny with the field errors of errs: code 422, reason Invalid, the message lists every error
 * ("FlinkDeployment \"x\" is invalid: <e1>; <e2>"); details name the object (so kubectl
 * says `The FlinkDeployment "x" is invalid:`) and details.causes each field. */
void fo_admission_response_deny(fo_admission_response *resp, const fo_admission_request *req,
                                const fo_field_errors *errs);

/* Add one warning (copied; cut to FO_ADMISSION_MAX_WARNING_BYTES; dropped past the count). */
void fo_admission_response_warn(fo_admission_response *resp, const char *text);

/* Copy every warning of errs into resp. */
void fo_admission_response_add_warnings(fo_admission_response *resp, const fo_field_errors *errs);

/* The response AdmissionReview as compact JSON (caller frees), or NULL when out of memory.
 * *patch_bytes (may be NULL) gets the size of the JSON patch before base64, 0 when none. */
char *fo_admission_encode(const char *uid, const fo_admission_response *resp, size_t *len,
                          size_t *patch_bytes);


/* A Kubernetes Status JSON body for HTTP-level errors (400 and friends). Caller frees. */
char *fo_admission_status_body(int code, const char *reason, const char *message);

#endif
