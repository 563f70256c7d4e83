#ifndef FKA_STRUCTURAL_H
#define FKA_STRUCTURAL_H

/* What the API server does with an incoming object against its schema: defaulting (CRs:
 * `default` values of the structural schema), pruning of fields the schema does not declare
 * (unless x-kubernetes-preserve-unknown-fields), and, for CRs, the schema validation that
 * gives 422 (type, required, enum, minimum/maximum, minLength/maxLength, minItems/maxItems).
 * The caller applies fieldValidation to the pruned paths (Strict: 400, Warn: warnings).
 * Pure; thread-safe. */

#include <jansson.h>
#include <stdbool.h>

#include "common/field_errors.h"
#include "tests/fakes/apiserver/schema.h"

/* Prune obj in place; each dropped field's path (".spec.foo") is appended to unknown (a
 * JSON array, may be NULL). With defaults, absent fields that declare `default` are set
 * first. */
void fka_structural_prune(json_t *obj, fka_schema s, bool defaults, json_t *unknown);

/* Validate obj against s (CRs), adding errors named by field path ("spec.replicas"). */
void fka_structural_validate(const json_t *obj, fka_schema s, fo_field_errors *errs);

#endif
