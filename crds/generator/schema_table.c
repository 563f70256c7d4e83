/* A structural schema of a generated CRD -> the C table common/schema_check.h checks values
 * against (see crdgen.h). Nodes are numbered depth first from the root; each object's members
 * are sorted by name for the checker's binary search. */
#include "crds/generator/crdgen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/schema_check.h"
#include "common/strbuf.h"

typedef struct table {
    fo_strbuf nodes, members;
    uint32_t nnodes, nmembers;
    fo_err *err;
} table;

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool flag(const json_t *node, const char *key)
{
    return json_is_true(json_object_get(node, key));
}

static const char *const KIND_NAMES[] = {
    [FO_SCHEMA_ANY] = "FO_SCHEMA_ANY",
    [FO_SCHEMA_OBJECT] = "FO_SCHEMA_OBJECT",
    [FO_SCHEMA_MAP] = "FO_SCHEMA_MAP",
    [FO_SCHEMA_ARRAY] = "FO_SCHEMA_ARRAY",
    [FO_SCHEMA_STRING] = "FO_SCHEMA_STRING",
    [FO_SCHEMA_INTEGER] = "FO_SCHEMA_INTEGER",
    [FO_SCHEMA_NUMBER] = "FO_SCHEMA_NUMBER",
    [FO_SCHEMA_BOOLEAN] = "FO_SCHEMA_BOOLEAN",
    [FO_SCHEMA_INT_OR_STRING] = "FO_SCHEMA_INT_OR_STRING",
};

/* The node's kind from its keys; -1 with t->err set for a node the API server would not
 * take as structural. */
static int kind_of(table *t, const json_t *node, const char *path)
{
    if (flag(node, "x-kubernetes-int-or-string"))
        return FO_SCHEMA_INT_OR_STRING;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type)
        return flag(node, "x-kubernetes-preserve-unknown-fields") ? FO_SCHEMA_ANY : -1;
    static const struct {
        const char *type;
        fo_schema_kind kind;
    } scalars[] = {{"string", FO_SCHEMA_STRING},
                   {"integer", FO_SCHEMA_INTEGER},
                   {"number", FO_SCHEMA_NUMBER},
                   {"boolean", FO_SCHEMA_BOOLEAN}};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        if (strcmp(type, scalars[i].type) == 0)
            return scalars[i].kind;
    if (strcmp(type, "array") == 0)
        return FO_SCHEMA_ARRAY;
    if (strcmp(type, "object") == 0) {
        if (json_is_object(json_object_get(node, "additionalProperties")))
            return FO_SCHEMA_MAP;
        return FO_SCHEMA_OBJECT; /* preserved, without properties: an object of any fields */
    }
    fo_err_set(t->err, FO_EINVAL, "%s: type \"%s\" has no table kind", path, type);
    return -1;
}

/* Add node (and what is under it) to the table; its index, or UINT32_MAX on error. */
static uint32_t add(table *t, const json_t *node, const char *path, int depth)
{
    if (depth > FO_CRDGEN_MAX_DEPTH) {
        fo_err_set(t->err, FO_EINVAL, "%s: nested too deeply", path);
        return UINT32_MAX;
    }
    int kind = kind_of(t, node, path);
    if (kind < 0) {
        if (t->err->rc == FO_OK)
            fo_err_set(t->err, FO_EINVAL, "%s: neither a type nor a preserved node", path);
        return UINT32_MAX;
    }
    uint32_t index = t->nnodes++;
    /* the line is written when the children are known: reserve its place */
    size_t line_at = t->nodes.len;
    char placeholder[96];
    memset(placeholder, ' ', sizeof placeholder);
    if (fo_strbuf_append(&t->nodes, placeholder, sizeof placeholder) != FO_OK)
        goto oom;
    uint32_t first = 0, count = 0;
    bool preserve = kind == FO_SCHEMA_OBJECT && flag(node, "x-kubernetes-preserve-unknown-fields");
    char child_path[1024];
    if (kind == FO_SCHEMA_ARRAY || kind == FO_SCHEMA_MAP) {
        const json_t *child =
            json_object_get(node, kind == FO_SCHEMA_ARRAY ? "items" : "additionalProperties");
        snprintf(child_path, sizeof child_path, "%s%s", path,
                 kind == FO_SCHEMA_ARRAY ? "[]" : "{}");
        if (!json_is_object(child)) {
            fo_err_set(t->err, FO_EINVAL, "%s: no schema for the items", path);
            return UINT32_MAX;
        }
        first = add(t, child, child_path, depth + 1);
        if (first == UINT32_MAX)
            return UINT32_MAX;
    } else if (kind == FO_SCHEMA_OBJECT) {
        const json_t *props = json_object_get(node, "properties");
        count = (uint32_t)json_object_size(props);
        if (count > UINT16_MAX) {
            fo_err_set(t->err, FO_EINVAL, "%s: too many properties", path);
            return UINT32_MAX;
        }
        const char **keys = malloc((count ? count : 1) * sizeof *keys);
        uint32_t *children = malloc((count ? count : 1) * sizeof *children);
        if (!keys || !children) {
            free(keys);
            free(children);
            goto oom;
        }
        const char *key;
        json_t *value;
        size_t k = 0;
        json_object_foreach((json_t *)props, key, value) keys[k++] = key;
        qsort(keys, count, sizeof *keys, compare_keys);
        bool ok = true;
        for (k = 0; ok && k < count; k++) {
            snprintf(child_path, sizeof child_path, "%s.%s", path, keys[k]);
            children[k] = add(t, json_object_get(props, keys[k]), child_path, depth + 1);
            ok = children[k] != UINT32_MAX;
        }
        /* the members of one object are consecutive in the member table */
        first = t->nmembers;
        for (k = 0; ok && k < count; k++) {
            ok =
                fo_strbuf_printf(&t->members, "    {\"%s\", %u},\n", keys[k], children[k]) == FO_OK;
            t->nmembers++;
        }
        free(keys);
        free(children);
        if (!ok && t->err->rc == FO_OK)
            goto oom; /* the member lines */
        if (!ok)
            return UINT32_MAX;
    }
    char line[sizeof placeholder + 1];
    int n = snprintf(line, sizeof line, "    {%s, %d, %u, %u}, /* %u */", KIND_NAMES[kind],
                     preserve ? 1 : 0, count, first, index);
    if (n < 0 || (size_t)n >= sizeof placeholder) {
        fo_err_set(t->err, FO_EINVAL, "%s: table line too long", path);
        return UINT32_MAX;
    }
    /* replace the placeholder by the line, padding cut: the file stays readable */
    memcpy(t->nodes.data + line_at, line, (size_t)n);
    memset(t->nodes.data + line_at + n, ' ', sizeof placeholder - (size_t)n);
    t->nodes.data[line_at + sizeof placeholder - 1] = '\n';
    return index;
oom:
    fo_err_set(t->err, FO_ENOMEM, "out of memory");
    return UINT32_MAX;
}

/* Trailing blanks before each newline go (the placeholders' padding). */
static void trim_lines(fo_strbuf *sb)
{
    size_t out = 0;
    for (size_t i = 0; i < sb->len; i++) {
        if (sb->data[i] == '\n')
            while (out > 0 && sb->data[out - 1] == ' ')
                out--;
        sb->data[out++] = sb->data[i];
    }
    sb->len = out;
    sb->data[out] = '\0';
}

char *fo_crdgen_schema_table(const json_t *schema, const char *header, const char *symbol,
                             const char *about, fo_err *err)
{
    table t = {.err = err};
    fo_strbuf_init(&t.nodes, 0);
    fo_strbuf_init(&t.members, 0);
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    fo_err_clear(err);
    if (add(&t, schema, symbol, 0) == UINT32_MAX)
        goto fail;
    trim_lines(&t.nodes);
    fo_rc rc = fo_strbuf_printf(&out,
                                "/* Generated by flinkop-crdgen (crds/generator):\n * %s.\n"
                                " * Do not edit: `make crds` writes it, `make check-crds` and "
                                "test_crds check it. */\n"
                                "#include \"%s\"\n\n"
                                "static const fo_schema_node nodes[] = {\n%s};\n\n"
                                "static const fo_schema_member members[] = {\n%s};\n\n"
                                "const fo_schema %s = {nodes, members, %u, %u};\n",
                                about, header, t.nodes.data,
                                t.members.len ? t.members.data : "    {NULL, 0},\n", symbol,
                                t.nnodes, t.nmembers);
    if (rc != FO_OK) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    fo_strbuf_release(&t.nodes);
    fo_strbuf_release(&t.members);
    return fo_strbuf_take(&out);
fail:
    fo_strbuf_release(&t.nodes);
    fo_strbuf_release(&t.members);
    fo_strbuf_release(&out);
    return NULL;
}

char *fo_crdgen_pod_template_table(const json_t *crds, fo_err *err)
{
    size_t i;
    json_t *crd;
    json_array_foreach(crds, i, crd)
    {
        const char *kind = fo_json_get_str(crd, "spec.names.kind");
        if (!kind || strcmp(kind, "FlinkDeployment") != 0)
            continue;
        const json_t *version = json_array_get(fo_json_get(crd, "spec.versions"), 0);
        const json_t *schema =
            fo_json_get(version, "schema.openAPIV3Schema.properties.spec.properties.podTemplate");
        if (!schema)
            break;
        return fo_crdgen_schema_table(schema, "common/pod_template_schema.h",
                                      "fo_pod_template_schema",
                                      "the FlinkDeployment CRD's spec.podTemplate schema, from "
                                      "crds/generator/schema.yaml",
                                      err);
    }
    fo_err_set(err, FO_EINVAL, "no FlinkDeployment CRD with a spec.podTemplate schema");
    return NULL;
}
