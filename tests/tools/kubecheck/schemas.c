/* The schema set of kubecheck: Kubernetes OpenAPI documents indexed by
 * x-kubernetes-group-version-kind, and CRD versions; plus the object entry point that adds
 * the API server's metadata rules (names, label keys and values). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/yamlconv.h"
#include "tests/tools/kubecheck/internal.h"
#include "tests/tools/kubecheck/kubecheck.h"

#define OBJECT_META "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
/* Kubernetes caps all annotations of an object at 256 KiB together. */
#define ANNOTATIONS_MAX_BYTES (256u * 1024)

typedef struct entry {
    char *api_version;
    char *kind;
    const json_t *schema;     /* borrowed from docs */
    const json_t *components; /* borrowed, NULL for CRDs */
    bool crd;
} entry;

struct fo_kubecheck_schemas {
    entry *v;
    size_t n, cap;
    json_t *docs; /* owned documents (OpenAPI and CRD copies) */
    const json_t *object_meta;
    const json_t *object_meta_components;
};

fo_kubecheck_schemas *fo_kubecheck_schemas_new(void)
{
    fo_kubecheck_schemas *s = calloc(1, sizeof *s);
    if (s && !(s->docs = json_array())) {
        free(s);
        return NULL;
    }
    return s;
}

void fo_kubecheck_schemas_free(fo_kubecheck_schemas *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].api_version);
        free(s->v[i].kind);
    }
    free(s->v);
    json_decref(s->docs);
    free(s);
}

static const entry *find(const fo_kubecheck_schemas *s, const char *av, const char *kind)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].api_version, av) && !strcmp(s->v[i].kind, kind))
            return &s->v[i];
    return NULL;
}

static fo_rc add_entry(fo_kubecheck_schemas *s, const char *av, const char *kind,
                       const json_t *schema, const json_t *components, bool crd)
{
    if (find(s, av, kind))
        return FO_OK; /* documents repeat shared kinds (DeleteOptions, ...): first wins */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        entry *grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return FO_ENOMEM;
        s->v = grown;
        s->cap = cap;
    }
    entry *e = &s->v[s->n];
    e->api_version = strdup(av);
    e->kind = strdup(kind);
    if (!e->api_version || !e->kind) {
        free(e->api_version);
        free(e->kind);
        return FO_ENOMEM;
    }
    e->schema = schema;
    e->components = components;
    e->crd = crd;
    s->n++;
    return FO_OK;
}

fo_rc fo_kubecheck_schemas_add_openapi(fo_kubecheck_schemas *s, json_t *doc, fo_err *err)
{
    if (json_array_append_new(s->docs, doc) != 0)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    const json_t *components = json_object_get(json_object_get(doc, "components"), "schemas");
    if (!json_is_object(components))
        return fo_err_set(err, FO_EINVAL, "not an OpenAPI v3 document: no components.schemas");
    if (!s->object_meta && json_object_get(components, OBJECT_META)) {
        s->object_meta = json_object_get(components, OBJECT_META);
        s->object_meta_components = components;
    }
    const char *name;
    const json_t *schema;
    json_object_foreach((json_t *)components, name, schema)
    {
        size_t i;
        const json_t *gvk;
        json_array_foreach(json_object_get(schema, "x-kubernetes-group-version-kind"), i, gvk)
        {
            const char *group = fo_json_str(gvk, "group"), *version = fo_json_str(gvk, "version");
            const char *kind = fo_json_str(gvk, "kind");
            if (!version || !kind)
                continue;
            char av[256];
            snprintf(av, sizeof av, "%s%s%s", group && *group ? group : "",
                     group && *group ? "/" : "", version);
            if (add_entry(s, av, kind, schema, components, false) != FO_OK)
                return fo_err_set(err, FO_ENOMEM, "out of memory");
        }
    }
    return FO_OK;
}

fo_rc fo_kubecheck_schemas_load_dir(fo_kubecheck_schemas *s, const char *dir, fo_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return fo_err_set(err, FO_EIO, "%s: %s", dir, strerror(errno));
    fo_rc rc = FO_OK;
    size_t loaded = 0;
    struct dirent *de;
    /* Sorted order keeps "first wins" stable: collect names first. */
    char *names[64];
    size_t n = 0;
    while ((de = readdir(d)) && n < 64) {
        size_t len = strlen(de->d_name);
        if (len > 5 && !strcmp(de->d_name + len - 5, ".json"))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (names[i] && names[j] && strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    for (size_t i = 0; i < n; i++) {
        if (rc == FO_OK && names[i]) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            json_t *doc = fo_json_load_file(path, FO_KUBECHECK_MAX_FILE_BYTES, err);
            rc = doc ? fo_kubecheck_schemas_add_openapi(s, doc, err) : err->rc;
            loaded++;
        }
        free(names[i]);
    }
    if (rc == FO_OK && loaded == 0)
        rc = fo_err_set(err, FO_ENOTFOUND, "%s: no *.json OpenAPI documents", dir);
    return rc;
}

fo_rc fo_kubecheck_schemas_add_crd(fo_kubecheck_schemas *s, const json_t *crd, fo_err *err)
{
    json_t *copy = json_deep_copy(crd);
    if (!copy || json_array_append_new(s->docs, copy) != 0)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    const char *group = fo_json_get_str(copy, "spec.group");
    const char *kind = fo_json_get_str(copy, "spec.names.kind");
    if (!group || !kind)
        return fo_err_set(err, FO_EINVAL, "CRD without spec.group or spec.names.kind");
    size_t i;
    const json_t *v;
    json_array_foreach(fo_json_get(copy, "spec.versions"), i, v)
    {
        const json_t *schema = json_object_get(json_object_get(v, "schema"), "openAPIV3Schema");
        const char *version = fo_json_str(v, "name");
        if (!version || !schema || !json_is_true(json_object_get(v, "served")))
            continue;
        char av[256];
        snprintf(av, sizeof av, "%s/%s", group, version);
        if (add_entry(s, av, kind, schema, NULL, true) != FO_OK)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

json_t *fo_kubecheck_load_yaml_file(const char *path, fo_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(FO_KUBECHECK_MAX_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, FO_KUBECHECK_MAX_FILE_BYTES + 1, f) : 0;
    fclose(f);
    json_t *docs = NULL;
    if (!buf)
        fo_err_set(err, FO_ENOMEM, "out of memory");
    else if (n > FO_KUBECHECK_MAX_FILE_BYTES)
        fo_err_set(err, FO_ELIMIT, "%s: larger than %u bytes", path, FO_KUBECHECK_MAX_FILE_BYTES);
    else if (!(docs = fo_yaml_parse_all(buf, n, FO_KUBECHECK_MAX_FILE_BYTES, err)))
        fo_err_wrap(err, "%s", path);
    free(buf);
    /* Drop null documents (a stream that ends in "---"). */
    for (size_t i = docs ? json_array_size(docs) : 0; i-- > 0;)
        if (json_is_null(json_array_get(docs, i)))
            json_array_remove(docs, i);
    return docs;
}

fo_rc fo_kubecheck_schemas_load_crd_file(fo_kubecheck_schemas *s, const char *path, fo_err *err)
{
    json_t *docs = fo_kubecheck_load_yaml_file(path, err);
    if (!docs)
        return err->rc;
    fo_rc rc = FO_OK;
    size_t i;
    const json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *kind = fo_json_str(d, "kind");
        if (rc == FO_OK && kind && !strcmp(kind, "CustomResourceDefinition"))
            rc = fo_kubecheck_schemas_add_crd(s, d, err);
    }
    json_decref(docs);
    return rc;
}

const json_t *fo_kubecheck_schemas_find(const fo_kubecheck_schemas *s, const char *api_version,
                                        const char *kind, bool *is_crd)
{
    const entry *e = api_version && kind ? find(s, api_version, kind) : NULL;
    if (is_crd)
        *is_crd = e && e->crd;
    return e ? e->schema : NULL;
}

/* Name rules by kind (k8s.io/apimachinery validation): RBAC objects allow any path segment
 * name, Namespaces must be DNS-1123 labels, Services DNS-1035 labels, everything else a
 * DNS-1123 subdomain. */
static void check_name(const char *kind, const char *name, fo_field_errors *errs)
{
    bool ok;
    const char *rule;
    if (!strcmp(kind, "Role") || !strcmp(kind, "ClusterRole") || !strcmp(kind, "RoleBinding") ||
        !strcmp(kind, "ClusterRoleBinding")) {
        ok = *name && strcmp(name, ".") && strcmp(name, "..") && !strpbrk(name, "/%");
        rule = "a valid path segment name";
    } else if (!strcmp(kind, "Namespace")) {
        ok = strlen(name) <= 63 && !strchr(name, '.') && fo_kc_dns1123_subdomain(name);
        rule = "an RFC 1123 label";
    } else if (!strcmp(kind, "Service")) {
        ok = fo_kc_dns1035_label(name);
        rule = "an RFC 1035 label";
    } else {
        ok = fo_kc_dns1123_subdomain(name);
        rule = "an RFC 1123 subdomain";
    }
    if (!ok && !fo_kc_full(errs))
        fo_field_errors_add(errs, FO_FE_INVALID, "metadata.name", name, "must be %s", rule);
}

static void check_meta(const char *kind, const json_t *meta, fo_field_errors *errs)
{
    const char *name = fo_json_str(meta, "name");
    if (name)
        check_name(kind, name, errs);
    else if (!fo_json_str(meta, "generateName"))
        fo_field_errors_add(errs, FO_FE_REQUIRED, "metadata.name", NULL,
                            "name or generateName is required");
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(meta, "labels"), key, v)
    {
        char field[512];
        snprintf(field, sizeof field, "metadata.labels[%s]", key);
        if (!fo_label_key_valid(key))
            fo_field_errors_add(errs, FO_FE_INVALID, field, key, "not a valid label key");
        if (json_is_string(v) && !fo_label_value_valid(json_string_value(v)))
            fo_field_errors_add(errs, FO_FE_INVALID, field, json_string_value(v),
                                "not a valid label value");
    }
    size_t total = 0;
    json_object_foreach(json_object_get(meta, "annotations"), key, v)
    {
        if (!fo_label_key_valid(key))
            fo_field_errors_add(errs, FO_FE_INVALID, "metadata.annotations", key,
                                "not a valid annotation key");
        total += strlen(key) + (json_is_string(v) ? strlen(json_string_value(v)) : 0);
    }
    if (total > ANNOTATIONS_MAX_BYTES)
        fo_field_errors_add(errs, FO_FE_TOO_LONG, "metadata.annotations", NULL,
                            "may not have more than %u bytes", ANNOTATIONS_MAX_BYTES);
}

void fo_kubecheck_object(const fo_kubecheck_schemas *s, const json_t *obj, const json_t *old,
                         fo_field_errors *errs)
{
    const char *av = fo_json_str(obj, "apiVersion"), *kind = fo_json_str(obj, "kind");
    if (!av || !kind) {
        fo_field_errors_add(errs, FO_FE_REQUIRED, av ? "kind" : "apiVersion", NULL, "%s",
                            "every object needs apiVersion and kind");
        return;
    }
    const entry *e = find(s, av, kind);
    if (!e) {
        fo_field_errors_add(errs, FO_FE_NOT_FOUND, "apiVersion", av,
                            "no schema for kind %s in this group-version", kind);
        return;
    }
    const json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta))
        fo_field_errors_add(errs, FO_FE_REQUIRED, "metadata", NULL, "%s", "");
    else
        check_meta(kind, meta, errs);
    fo_kc_validation v = {.components = e->components,
                          .crd = e->crd,
                          .object_meta = s->object_meta,
                          .object_meta_components = s->object_meta_components,
                          .errs = errs};
    fo_kc_path p = {.len = 0};
    p.buf[0] = '\0';
    fo_kc_validate(&v, e->schema, obj, old, true, &p);
    if (!strcmp(kind, "CustomResourceDefinition") && !strcmp(av, "apiextensions.k8s.io/v1"))
        fo_kubecheck_crd(obj, errs);
}
