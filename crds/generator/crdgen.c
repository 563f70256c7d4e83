/* Source expansion and rendering for flinkop-crdgen (see crdgen.h). */
#include "crds/generator/crdgen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"

#define PLACEHOLDER "x-flinkop-k8s"
#define PATH_MAX_LEN 512

/* Keys of a schema node in the order they are written; other keys follow, sorted. The
 * description comes first so the YAML reads like documentation. */
static const char *const key_order[] = {"description",
                                        "type",
                                        "format",
                                        "enum",
                                        "minimum",
                                        "maximum",
                                        "minLength",
                                        "maxLength",
                                        "minItems",
                                        "maxItems",
                                        "minProperties",
                                        "maxProperties",
                                        "pattern",
                                        "required",
                                        "items",
                                        "properties",
                                        "additionalProperties",
                                        "anyOf",
                                        "allOf",
                                        "oneOf",
                                        "not",
                                        "x-kubernetes-int-or-string",
                                        "x-kubernetes-preserve-unknown-fields",
                                        "x-kubernetes-embedded-resource",
                                        "x-kubernetes-list-type",
                                        "x-kubernetes-list-map-keys",
                                        "x-kubernetes-map-type",
                                        "x-kubernetes-validations",
                                        NULL};

static bool in_key_order(const char *key)
{
    for (int i = 0; key_order[i]; i++)
        if (!strcmp(key_order[i], key))
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys of obj, sorted; *n receives the count. Caller frees the array (not the strings). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
    size_t count = json_object_size(obj), i = 0;
    const char **keys = calloc(count ? count : 1, sizeof *keys);
    if (!keys)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) keys[i++] = key;
    qsort(keys, count, sizeof *keys, cmp_str);
    *n = count;
    return keys;
}

static json_t *order_schema(const json_t *node);

static json_t *order_schema_map(const json_t *props)
{
    size_t n;
    const char **keys = sorted_keys(props, &n);
    json_t *out = json_object();
    if (!keys || !out)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        json_t *child = order_schema(json_object_get(props, keys[i]));
        if (!child || json_object_set_new(out, keys[i], child) != 0)
            goto fail;
    }
    free(keys);
    return out;
fail:
    free(keys);
    json_decref(out);
    return NULL;
}

static json_t *order_schema_list(const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        json_t *child = order_schema(v);
        if (!child || json_array_append_new(out, child) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* A copy of a schema node with its keys (and its sub-schemas' keys) in the fixed order. */
static json_t *order_schema(const json_t *node)
{
    if (!json_is_object(node))
        return json_deep_copy(node);
    json_t *out = json_object();
    if (!out)
        return NULL;
    size_t n = 0;
    const char **rest = sorted_keys(node, &n);
    if (!rest)
        goto fail;
    for (int pass = 0; pass < 2; pass++) {
        size_t count = pass == 0 ? 0 : n;
        if (pass == 0)
            while (key_order[count])
                count++;
        for (size_t i = 0; i < count; i++) {
            const char *key = pass == 0 ? key_order[i] : rest[i];
            if (pass == 1 && in_key_order(key))
                continue;
            const json_t *v = json_object_get(node, key);
            if (!v)
                continue;
            json_t *copy;
            if (!strcmp(key, "properties"))
                copy = order_schema_map(v);
            else if (!strcmp(key, "items") || !strcmp(key, "not") ||
                     (!strcmp(key, "additionalProperties") && json_is_object(v)))
                copy = order_schema(v);
            else if (!strcmp(key, "anyOf") || !strcmp(key, "allOf") || !strcmp(key, "oneOf"))
                copy = order_schema_list(v);
            else
                copy = json_deep_copy(v);
            if (!copy || json_object_set_new(out, key, copy) != 0)
                goto fail;
        }
    }
    free(rest);
    return out;
fail:
    free(rest);
    json_decref(out);
    return NULL;
}

/* Merge over into base (copies; objects merge per key, anything else replaces). */
static fo_rc merge_into(json_t *base, const json_t *over)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)over, key, v)
    {
        json_t *b = json_object_get(base, key);
        if (json_is_object(b) && json_is_object(v)) {
            fo_rc rc = merge_into(b, v);
            if (rc != FO_OK)
                return rc;
            continue;
        }
        if (json_object_set_new(base, key, json_deep_copy(v)) != 0)
            return FO_ENOMEM;
    }
    return FO_OK;
}

static void path_push(char *path, size_t *len, const char *fmt, const char *s, size_t idx)
{
    int n = s ? snprintf(path + *len, PATH_MAX_LEN - *len, fmt, s)
              : snprintf(path + *len, PATH_MAX_LEN - *len, fmt, idx);
    if (n > 0)
        *len = *len + (size_t)n < PATH_MAX_LEN ? *len + (size_t)n : PATH_MAX_LEN - 1;
}

/* Replace every placeholder node below *node (in place). */
static fo_rc expand(json_t **node, const json_t *openapi, char *path, size_t len, fo_err *err)
{
    if (json_is_object(*node)) {
        const json_t *ph = json_object_get(*node, PLACEHOLDER);
        if (ph) {
            const char *name = json_string_value(ph);
            if (!name)
                return fo_err_set(err, FO_EINVAL, "%s: " PLACEHOLDER " must be a string", path);
            json_t *k8s = fo_crdgen_k8s_schema(openapi, name, err);
            if (!k8s)
                return fo_err_wrap(err, "%s", path);
            json_t *over = json_deep_copy(*node);
            json_object_del(over, PLACEHOLDER);
            /* Placeholders may nest inside the overrides (a field added to the template). */
            fo_rc rc = over ? expand(&over, openapi, path, len, err) : FO_ENOMEM;
            if (rc == FO_OK)
                rc = merge_into(k8s, over);
            json_decref(over);
            if (rc != FO_OK) {
                json_decref(k8s);
                return rc == FO_ENOMEM ? fo_err_set(err, rc, "out of memory") : rc;
            }
            json_decref(*node);
            *node = k8s;
            return FO_OK;
        }
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(*node, tmp, key, v)
        {
            size_t l = len;
            path_push(path, &l, len ? ".%s" : "%s", key, 0);
            json_t *child = json_incref(v);
            fo_rc rc = expand(&child, openapi, path, l, err);
            if (rc == FO_OK && child != v && json_object_set(*node, key, child) != 0)
                rc = fo_err_set(err, FO_ENOMEM, "out of memory");
            json_decref(child);
            path[len] = '\0';
            if (rc != FO_OK)
                return rc;
        }
    } else if (json_is_array(*node)) {
        size_t i;
        json_t *v;
        json_array_foreach(*node, i, v)
        {
            size_t l = len;
            path_push(path, &l, "[%zu]", NULL, i);
            json_t *child = json_incref(v);
            fo_rc rc = expand(&child, openapi, path, l, err);
            if (rc == FO_OK && child != v && json_array_set(*node, i, child) != 0)
                rc = fo_err_set(err, FO_ENOMEM, "out of memory");
            json_decref(child);
            path[len] = '\0';
            if (rc != FO_OK)
                return rc;
        }
    }
    return FO_OK;
}

/* Put the keys of every version's openAPIV3Schema in the fixed order. */
static fo_rc order_versions(json_t *crd, fo_err *err)
{
    json_t *versions = json_object_get(json_object_get(crd, "spec"), "versions");
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v)
    {
        json_t *schema = json_object_get(v, "schema");
        json_t *root = json_object_get(schema, "openAPIV3Schema");
        if (!root)
            continue;
        json_t *ordered = order_schema(root);
        if (!ordered || json_object_set_new(schema, "openAPIV3Schema", ordered) != 0)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

json_t *fo_crdgen_build(const json_t *source, const json_t *openapi, fo_err *err)
{
    const json_t *crds = json_object_get(source, "crds");
    if (!json_is_array(crds) || json_array_size(crds) == 0) {
        fo_err_set(err, FO_EINVAL, "source: `crds` must be a non-empty list of CRDs");
        return NULL;
    }
    json_t *out = json_array();
    if (!out) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    size_t i;
    const json_t *src;
    json_array_foreach(crds, i, src)
    {
        char path[PATH_MAX_LEN];
        size_t len = 0;
        path[0] = '\0';
        path_push(path, &len, "crds[%zu]", NULL, i);
        json_t *crd = json_deep_copy(src);
        if (!crd) {
            fo_err_set(err, FO_ENOMEM, "out of memory");
            goto fail;
        }
        const char *name = fo_json_get_str(crd, "metadata.name");
        if (!name || !*name) {
            json_decref(crd);
            fo_err_set(err, FO_EINVAL, "%s: metadata.name is required", path);
            goto fail;
        }
        if (expand(&crd, openapi, path, len, err) != FO_OK || order_versions(crd, err) != FO_OK ||
            json_array_append_new(out, crd) != 0) {
            json_decref(crd);
            goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

char *fo_crdgen_render(const json_t *crd)
{
    char *yaml = fo_yaml_emit(crd);
    if (!yaml)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_rc rc = fo_strbuf_puts(
        &sb, "# Generated by flinkop-crdgen from crds/generator/schema.yaml and the Kubernetes\n"
             "# v1.35 OpenAPI (tests/data/kubernetes-openapi). Do not edit this file: change the\n"
             "# source and run `make -f mk/build.mk crds`.\n");
    if (rc == FO_OK)
        rc = fo_strbuf_puts(&sb, yaml);
    free(yaml);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return NULL;
    }
    return fo_strbuf_take(&sb);
}

char *fo_crdgen_file_name(const json_t *crd)
{
    const char *name = json_string_value(json_object_get(json_object_get(crd, "metadata"), "name"));
    if (!name || !*name || strchr(name, '/'))
        return NULL;
    size_t n = strlen(name) + sizeof ".yaml";
    char *file = malloc(n);
    if (file)
        snprintf(file, n, "%s.yaml", name);
    return file;
}
