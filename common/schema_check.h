#ifndef FO_SCHEMA_CHECK_H
#define FO_SCHEMA_CHECK_H

/* A structural schema (the OpenAPI v3 subset a CustomResourceDefinition holds its objects to)
 * as a constant table, and the check of a JSON value against it: what the API server would
 * refuse (a value of the wrong type) or silently drop (a field the schema does not know).
 *
 * What the tables are made from: crds/generator writes them from the same schema it writes
 * into crds/ (common/pod_template_schema.h), so a check here and the API server's agree.
 * What is checked: types (integer, number, string, boolean, object, array), int-or-string,
 * fields of objects with declared properties (unknown ones are reported unless the node
 * preserves unknown fields), maps (additionalProperties) and list items. Not checked: string
 * formats. A null member of an object or a map passes (the API server drops it), a null list
 * element does not (it refuses it). An integer may be written as a real with no fractional part
 * within +-2^53 (2.0), as YAML and JSON readers may give it. Pure; thread-safe. */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum fo_schema_kind {
    FO_SCHEMA_ANY,    /* anything, null elements too (preserved, no type) */
    FO_SCHEMA_OBJECT, /* members[first .. first+count), sorted by name (strcmp) */
    FO_SCHEMA_MAP,    /* an object whose every member is of node `first` */
    FO_SCHEMA_ARRAY,  /* every item is of node `first` */
    FO_SCHEMA_STRING,
    FO_SCHEMA_INTEGER,
    FO_SCHEMA_NUMBER,
    FO_SCHEMA_BOOLEAN,
    FO_SCHEMA_INT_OR_STRING, /* x-kubernetes-int-or-string */
} fo_schema_kind;

typedef struct fo_schema_node {
    uint8_t kind;             /* fo_schema_kind */
    uint8_t preserve_unknown; /* OBJECT: fields it does not declare are kept, not dropped (an
                                 object of any fields: preserved, no members) */
    uint16_t count;
    uint32_t first;
} fo_schema_node;

typedef struct fo_schema_member {
    const char *name;
    uint32_t node;
} fo_schema_member;

/* nodes[0] is the root. */
typedef struct fo_schema {
    const fo_schema_node *nodes;
    const fo_schema_member *members;
    uint32_t nnodes, nmembers;
} fo_schema;

/* Called for each problem: path names the value ("podTemplate.spec.containers[0].image",
 * map keys in brackets: "podTemplate.metadata.labels[app]"), problem says what is wrong ("unknown
 * field", "must be an integer"). */
typedef void (*fo_schema_report_fn)(void *ctx, const char *path, const char *problem);

/* Check value against the schema's root; path names value in the reports. Returns how many
 * problems were reported. */
size_t fo_schema_check(const fo_schema *schema, const json_t *value, const char *path,
                       fo_schema_report_fn report, void *ctx);

#endif
