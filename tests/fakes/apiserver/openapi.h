#ifndef FKA_OPENAPI_H
#define FKA_OPENAPI_H

/* OpenAPI v3 for the fake API server: the built-in group-version documents (the upstream
 * Kubernetes v1.35 files under openapi/, served byte for byte), documents built from stored
 * CRD schemas, the /openapi/v3 index kubectl reads first, and the schemas of kinds for the
 * modules that need merge rules (schema.h).
 *
 * Only group-versions the registry serves are listed. Built-in documents are parsed on first use
 * and kept until fka_openapi_free, so schema positions borrowed from them stay valid. Thread-safe.
 */

#include <jansson.h>
#include <stddef.h>

#include "tests/fakes/apiserver/resources.h"
#include "tests/fakes/apiserver/schema.h"

typedef struct fka_openapi fka_openapi;

/* dirs: directories (':'-separated) holding the upstream *_openapi.json files, the first
 * one having a group-version winning; NULL or none found means no built-in documents (then
 * built-in kinds have no schema: lists merge atomically and nothing is pruned). */
fka_openapi *fka_openapi_new(const char *dirs);
void fka_openapi_free(fka_openapi *oa);

/* Is the built-in document set available? */
bool fka_openapi_has_builtins(const fka_openapi *oa);

/* The /openapi/v3 index: {"paths": {"api/v1": {"serverRelativeURL": ...}, ...}} covering
 * the built-in documents and every group-version served from CRDs. New reference. */
json_t *fka_openapi_index(fka_openapi *oa, fka_registry *reg);

/* The document for "api/v1" or "apis/<group>/<version>": a built-in file's bytes in *raw
 * (heap, *len bytes), or a CRD document in *doc (new reference). Returns false when the
 * group-version is unknown. */
bool fka_openapi_document(fka_openapi *oa, fka_registry *reg, const char *gvpath, char **raw,
                          size_t *len, json_t **doc);

/* The schema of a resource's kind: its built-in definition, or the CRD version's
 * openAPIV3Schema with ObjectMeta for metadata. Node NULL when unknown. */
fka_schema fka_openapi_schema(fka_openapi *oa, const fka_resource *r);

#endif
