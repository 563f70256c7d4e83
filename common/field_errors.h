#ifndef FO_FIELD_ERRORS_H
#define FO_FIELD_ERRORS_H

/* A list of field errors (and warnings) in the style Kubernetes uses:
 *
 *     spec.job.upgradeMode: Unsupported value: "fast": supported values: "stateless", ...
 *     spec.serviceAccount: Required value: must be defined
 *     spec.job.parallelism: Invalid value: 0: must be larger than 0
 *
 * Validation collects every error (not only the first) so the user fixes them in one go.
 * The list owns copies of every string. Not thread-safe: one owner at a time. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"

typedef enum fo_fe_type {
    FO_FE_REQUIRED,      /* "Required value" */
    FO_FE_INVALID,       /* "Invalid value" */
    FO_FE_UNSUPPORTED,   /* "Unsupported value" (an enum); detail lists supported values */
    FO_FE_FORBIDDEN,     /* "Forbidden" */
    FO_FE_TOO_LONG,      /* "Too long" */
    FO_FE_DUPLICATE,     /* "Duplicate value" */
    FO_FE_NOT_FOUND,     /* "Not found" */
    FO_FE_INTERNAL,      /* "Internal error" */
} fo_fe_type;

typedef struct fo_field_error {
    fo_fe_type type;
    char *field;   /* "spec.job.parallelism" */
    char *value;   /* rendered bad value (already quoted for strings), or NULL */
    char *detail;  /* free text, may be "" */
    char *message; /* the whole line: "<field>: <type words>[: <value>][: <detail>]" */
} fo_field_error;

typedef struct fo_field_errors fo_field_errors;

fo_field_errors *fo_field_errors_new(void);
void fo_field_errors_free(fo_field_errors *errs);

/* Add an error. `value` is the offending value as the user wrote it; it is shown quoted
 * (Go %q style) and may be NULL (then no value is shown). detail is printf-style and may be
 * NULL. Returns FO_ENOMEM only when allocation fails. */
fo_rc fo_field_errors_add(fo_field_errors *errs, fo_fe_type type, const char *field,
                          const char *value, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Same, with a numeric bad value shown without quotes. */
fo_rc fo_field_errors_add_int(fo_field_errors *errs, fo_fe_type type, const char *field,
                              int64_t value, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Same, with a value rendered from JSON (strings quoted, numbers and booleans bare). */
fo_rc fo_field_errors_add_json(fo_field_errors *errs, fo_fe_type type, const char *field,
                               const json_t *value, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "Unsupported value" with the list of supported values (NULL-terminated array). */
fo_rc fo_field_errors_add_unsupported(fo_field_errors *errs, const char *field, const char *value,
                                      const char *const *supported);

/* Add a warning (deprecated values, ignored settings): free text, printf-style. */
fo_rc fo_field_errors_warn(fo_field_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

size_t fo_field_errors_count(const fo_field_errors *errs);
/* Borrowed: valid until the list changes or is freed. i < count. */
const fo_field_error *fo_field_errors_get(const fo_field_errors *errs, size_t i);

size_t fo_field_errors_warning_count(const fo_field_errors *errs);
const char *fo_field_errors_warning(const fo_field_errors *errs, size_t i);

/* True when some error's field equals `field` (tests and callers that branch on a field).
 * Fields longer than 256 bytes are stored cut ("... (N more bytes)") and never match. */
bool fo_field_errors_has_field(const fo_field_errors *errs, const char *field);

/* All error messages joined by sep (e.g. "; " or "\n"), and when more errors were added than
 * the list keeps (256), "and N more errors not shown" after a last sep. Caller frees. "" when
 * empty. */
char *fo_field_errors_join(const fo_field_errors *errs, const char *sep);

/* The same in at most max_bytes (0: no bound; a status message, an Event): the errors that fit
 * whole, in order, then "and N more errors not shown" after a last sep for the others (those
 * past the bound of 256 included); when not even the first fits, its start cut at a character
 * and "...". Caller frees. */
char *fo_field_errors_join_within(const fo_field_errors *errs, const char *sep, size_t max_bytes);

/* Kubernetes Status details.causes: [{"reason":"FieldValueInvalid","message":..,"field":..}],
 * where message is the error without its field ("Invalid value: 0: must be ..."), as the API
 * server writes causes. New reference. */
json_t *fo_field_errors_causes(const fo_field_errors *errs);

/* The Kubernetes cause reason of a type ("FieldValueRequired", ...). */
const char *fo_fe_reason(fo_fe_type type);

#endif
