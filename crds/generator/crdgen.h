#ifndef FO_CRDGEN_H
#define FO_CRDGEN_H

/* flinkop-crdgen: builds the CustomResourceDefinitions in crds/ from a hand-written source
 * (crds/generator/schema.yaml: our own fields, with our descriptions) and the Kubernetes
 * OpenAPI v3 document of core/v1 (the pod template and resource requirement schemas, which
 * must not be copied by hand).
 *
 * A schema node of the source written as {x-flinkop-k8s: <component name>, ...} is replaced
 * by that Kubernetes component, turned into a structural CRD schema (fo_crdgen_k8s_schema),
 * with the node's other keys merged on top (the source wins; `properties` merge per key). All
 * functions are pure apart from the file helpers in main.c, and thread-safe. */

#include <jansson.h>
#include <stddef.h>

#include "common/rc.h"

/* Largest accepted source file and OpenAPI document. */
#define FO_CRDGEN_MAX_SOURCE_BYTES (1024u * 1024)
#define FO_CRDGEN_MAX_OPENAPI_BYTES (16u * 1024 * 1024)

/* Descriptions taken from Kubernetes are cut to their first sentence and at most this many
 * bytes, which keeps the FlinkDeployment CRD (three pod templates) well under the 1.5 MiB
 * object limit of etcd while `kubectl explain` still says what a field is. */
#define FO_CRDGEN_K8S_DESCRIPTION_MAX 200
/* Levels of an embedded Kubernetes type that keep their descriptions (see k8s_schema.c). */
#define FO_CRDGEN_K8S_DESCRIPTION_DEPTH 3

/* Deepest nesting of Kubernetes types followed; a deeper (or recursive) type is an error. */
#define FO_CRDGEN_MAX_DEPTH 48

/* The structural CRD form of the component schema `name` of an OpenAPI v3 document
 * (components.schemas.<name>): $ref and single-element allOf wrappers inlined (the field's
 * own description wins over the type's), IntOrString and Quantity turned into
 * x-kubernetes-int-or-string, objects without any declared fields (FieldsV1) marked
 * x-kubernetes-preserve-unknown-fields, and `default`, `required`, string formats and the
 * x-kubernetes list/map/patch annotations dropped, so that every object the Apache operator's
 * CRD accepts is accepted here and the API server never fills values in. Descriptions are
 * shortened (FO_CRDGEN_K8S_DESCRIPTION_MAX). Returns a new reference, or NULL with err set
 * (unknown name, unresolvable $ref, recursive type). */
json_t *fo_crdgen_k8s_schema(const json_t *openapi, const char *name, fo_err *err);

/* The first sentence of a Kubernetes description, whitespace collapsed, "More info: ..."
 * dropped, cut at a word boundary to at most max bytes (then ending in "..."). Caller
 * frees; NULL only when out of memory. */
char *fo_crdgen_short_description(const char *text, size_t max);

/* Expand a parsed source document ({definitions: ..., crds: [...]}) into the list of CRD
 * objects it describes, placeholders resolved against openapi and every schema node's keys
 * put in a fixed order. Returns a new JSON array, or NULL with err set naming the path. */
json_t *fo_crdgen_build(const json_t *source, const json_t *openapi, fo_err *err);

/* The text written to crds/<name>.yaml for one CRD: a header comment that says the file is
 * generated, then the YAML. Caller frees; NULL when out of memory. */
char *fo_crdgen_render(const json_t *crd);

/* C source of the table common/schema_check.h checks values against, for the structural
 * schema `schema` (a node of a CRD built by fo_crdgen_build): it includes `header` and defines
 * `const fo_schema <symbol>`; `about` says in its header comment what the schema is. Caller
 * frees; NULL with err set for a node the table cannot hold (no type and not preserved, a
 * type it does not know) or when out of memory. */
char *fo_crdgen_schema_table(const json_t *schema, const char *header, const char *symbol,
                             const char *about, fo_err *err);

/* fo_crdgen_schema_table of the FlinkDeployment CRD's spec.podTemplate among crds (what
 * fo_crdgen_build returned): the text of common/pod_template_schema.c. */
char *fo_crdgen_pod_template_table(const json_t *crds, fo_err *err);

/* The file name of a CRD inside crds/: "<metadata.name>.yaml". Caller frees; NULL when the
 * CRD has no name. */
char *fo_crdgen_file_name(const json_t *crd);

#endif
