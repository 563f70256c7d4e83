#ifndef FO_KUBECHECK_H
#define FO_KUBECHECK_H

/* kubecheck: offline checks of Kubernetes objects, for the install files' tests and the
 * flinkop-kubecheck program (test tooling; not linked into the operator).
 *
 *  - Objects are validated against the schema of their apiVersion/kind: the Kubernetes
 *    OpenAPI v3 documents (built-in kinds, $ref resolved) or a loaded CRD's openAPIV3Schema
 *    (custom resources, with x-kubernetes-preserve-unknown-fields, -int-or-string,
 *    -embedded-resource, list types and the CEL rules of cel_subset.h). Like `kubectl apply
 *    --validate=strict`, unknown fields are errors.
 *  - CRDs are checked against the API server's static rules: names, versions, printer
 *    columns, subresources, and the structural-schema rules (a type on every node, no $ref,
 *    no additionalProperties beside properties, root metadata limited to name/generateName,
 *    nothing but value checks under allOf/anyOf/oneOf/not, list-type map keys, ...).
 *
 * Problems are added to a fo_field_errors list as "<path>: <what>" lines (paths of the object,
 * e.g. spec.template.spec.containers[0].image, or of the CRD, e.g.
 * spec.versions[0].schema.openAPIV3Schema.properties[spec].type). At most
 * FO_KUBECHECK_MAX_ERRORS are reported per call. A fo_kubecheck_schemas set is read-only once
 * loaded and may then be shared between threads. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/field_errors.h"
#include "common/rc.h"

/* Largest OpenAPI document or YAML stream read from a file. */
#define FO_KUBECHECK_MAX_FILE_BYTES (16u * 1024 * 1024)
/* Problems reported by one check call (a broken object could otherwise flood the output). */
#define FO_KUBECHECK_MAX_ERRORS 200
/* Deepest object or schema nesting followed. */
#define FO_KUBECHECK_MAX_DEPTH 100

typedef struct fo_kubecheck_schemas fo_kubecheck_schemas;

fo_kubecheck_schemas *fo_kubecheck_schemas_new(void);
void fo_kubecheck_schemas_free(fo_kubecheck_schemas *s); /* NULL ok */

/* Add a Kubernetes OpenAPI v3 document (takes the reference). Every component with an
 * x-kubernetes-group-version-kind becomes the schema of that kind. */
fo_rc fo_kubecheck_schemas_add_openapi(fo_kubecheck_schemas *s, json_t *doc, fo_err *err);

/* Load every *.json file of dir as OpenAPI documents. */
fo_rc fo_kubecheck_schemas_load_dir(fo_kubecheck_schemas *s, const char *dir, fo_err *err);

/* Register the served versions of a CustomResourceDefinition (copied). */
fo_rc fo_kubecheck_schemas_add_crd(fo_kubecheck_schemas *s, const json_t *crd, fo_err *err);

/* Load every CRD document of a YAML file (other kinds are ignored). */
fo_rc fo_kubecheck_schemas_load_crd_file(fo_kubecheck_schemas *s, const char *path, fo_err *err);

/* The schema of apiVersion/kind, or NULL. Borrowed; *is_crd tells which kind of schema. */
const json_t *fo_kubecheck_schemas_find(const fo_kubecheck_schemas *s, const char *api_version,
                                        const char *kind, bool *is_crd);

/* Validate obj (a whole object with apiVersion and kind) against its schema. With old
 * non-NULL the object is an update of old, and CEL transition rules (oldSelf) are checked
 * too. Objects of a kind without a schema are an error. CustomResourceDefinitions also get
 * fo_kubecheck_crd. */
void fo_kubecheck_object(const fo_kubecheck_schemas *s, const json_t *obj, const json_t *old,
                         fo_field_errors *errs);

/* The API server's static checks of a CustomResourceDefinition (see the top). */
void fo_kubecheck_crd(const json_t *crd, fo_field_errors *errs);

/* The structural-schema and apiextensions rules for one openAPIV3Schema; path prefixes the
 * reported paths. status_subresource: the root may then hold only what the API server allows
 * there. */
void fo_kubecheck_structural(const json_t *schema, const char *path, bool status_subresource,
                             fo_field_errors *errs);

/* Schema nodes of a CRD's openAPIV3Schema (below the root, metadata excepted) that have no
 * description: the project wants every field explained by `kubectl explain`. */
void fo_kubecheck_crd_descriptions(const json_t *crd, fo_field_errors *errs);

/* Read a multi-document YAML file into a JSON array of its documents (empty documents and
 * nulls dropped). New reference or NULL with err set. */
json_t *fo_kubecheck_load_yaml_file(const char *path, fo_err *err);

#endif
