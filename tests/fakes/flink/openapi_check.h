#ifndef FO_OPENAPI_CHECK_H
#define FO_OPENAPI_CHECK_H

/* A checker for JSON values against OpenAPI 3.0 schemas (test code), enough for the Flink REST
 * spec: type (object, array, string, integer, number, boolean), properties, required, enum,
 * items, $ref ("#/components/schemas/..."), additionalProperties (false or a schema), allOf,
 * oneOf/anyOf, nullable, pattern (POSIX extended, unanchored as in ECMA-262), format int32.
 *
 * oneOf is checked as "at least one alternative matches": the Flink spec's alternatives (e.g.
 * AsynchronousOperationResult.operation) have no required members and allow any extra member,
 * so a strict "exactly one" could never hold for a real answer. A `discriminator` is ignored.
 *
 * All functions are pure and thread-safe; the spec and values are borrowed. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/rc.h"

/* The schema of the JSON answer of an operation: spec.paths[path][method].responses[status]
 * .content["application/json"].schema (method lower case, status "200"). Borrowed, or NULL with
 * err naming what is missing. */
const json_t *fo_openapi_response_schema(const json_t *spec, const char *path, const char *method,
                                         const char *status, fo_err *err);

/* The success status the spec lists for an operation ("200" or "202"), or NULL. Borrowed. */
const char *fo_openapi_success_status(const json_t *spec, const char *path, const char *method);

/* Check value against schema. Returns FO_OK, or FO_EINVALID with err naming the JSON path of
 * the first violation ("$.jobs[0].state: 'X' is not one of the enum values"). */
fo_rc fo_openapi_validate(const json_t *spec, const json_t *schema, const json_t *value,
                          fo_err *err);

/* Largest spec file we read. */
#define FO_OPENAPI_MAX_SPEC (4u * 1024 * 1024)

/* Load one of the Flink OpenAPI specs (file "rest_v1_dispatcher-1.20.yml" ...) from
 * $FO_FLINK_SPEC_DIR, else $FO_TEST_DATA/flink-openapi (the unchanged upstream copies the
 * repository carries, see their README). New reference, or NULL with err naming the path. */
json_t *fo_openapi_load_flink_spec(const char *file, fo_err *err);

#endif
