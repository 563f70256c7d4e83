/* Static checks of a CustomResourceDefinition object (apiextensions.k8s.io/v1), as the API
 * server applies them on create: names, versions, printer columns, subresources and the
 * schema rules of structural.c. In addition (our own bar): the scale subresource paths and
 * the printer columns must point at fields the schema declares, with the right types. */
#include <stdio.h>
#include <string.h>

#include "tests/tools/kubecheck/internal.h"
#include "tests/tools/kubecheck/kubecheck.h"

static void add(fo_field_errors *errs, const char *field, fo_fe_type type, const char *detail)
{
    if (!fo_kc_full(errs))
        fo_field_errors_add(errs, type, field, NULL, "%s", detail);
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void lower(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < n; i++)
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
    dst[i] = '\0';
}

/* The schema node a simple JSON path (".spec.taskManager.replicas") leads to, or NULL. */
static const json_t *schema_at(const json_t *root, const char *path)
{
    if (!path || path[0] != '.')
        return NULL;
    const json_t *s = root;
    char part[256];
    const char *p = path + 1;
    while (*p && s) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        s = json_object_get(json_object_get(s, "properties"), part);
        p += n;
        if (*p == '.')
            p++;
    }
    return s;
}

static void names(const json_t *crd, fo_field_errors *errs)
{
    const json_t *spec = json_object_get(crd, "spec");
    const json_t *nm = json_object_get(spec, "names");
    const char *group = str(spec, "group"), *plural = str(nm, "plural");
    const char *name = str(json_object_get(crd, "metadata"), "name");
    char want[600];
    snprintf(want, sizeof want, "%s.%s", plural ? plural : "", group ? group : "");
    if (!name || strcmp(name, want))
        add(errs, "metadata.name", FO_FE_INVALID, "must be spec.names.plural+\".\"+spec.group");
    if (!group || !strchr(group, '.') || !fo_kc_dns1123_subdomain(group))
        add(errs, "spec.group", FO_FE_INVALID, "should be a domain with at least one dot");
    if (!plural || !fo_kc_dns1035_label(plural))
        add(errs, "spec.names.plural", plural ? FO_FE_INVALID : FO_FE_REQUIRED,
            "a lowercase RFC 1035 label");
    const char *singular = str(nm, "singular");
    if (singular && !fo_kc_dns1035_label(singular))
        add(errs, "spec.names.singular", FO_FE_INVALID, "a lowercase RFC 1035 label");
    char low[128];
    const char *kind = str(nm, "kind"), *list_kind = str(nm, "listKind");
    lower(low, sizeof low, kind);
    if (!kind || !fo_kc_dns1035_label(low))
        add(errs, "spec.names.kind", kind ? FO_FE_INVALID : FO_FE_REQUIRED,
            "may have mixed case, but should otherwise be an RFC 1035 label");
    lower(low, sizeof low, list_kind);
    if (list_kind && !fo_kc_dns1035_label(low))
        add(errs, "spec.names.listKind", FO_FE_INVALID,
            "may have mixed case, but should otherwise be an RFC 1035 label");
    if (kind && list_kind && !strcmp(kind, list_kind))
        add(errs, "spec.names.listKind", FO_FE_INVALID, "kind and listKind may not be the same");
    static const char *const lists[] = {"shortNames", "categories"};
    for (int l = 0; l < 2; l++) {
        size_t i;
        const json_t *v;
        json_array_foreach(json_object_get(nm, lists[l]), i, v)
        {
            if (!fo_kc_dns1035_label(json_string_value(v))) {
                char field[64];
                snprintf(field, sizeof field, "spec.names.%s[%zu]", lists[l], i);
                add(errs, field, FO_FE_INVALID, "a lowercase RFC 1035 label");
            }
        }
    }
    const char *scope = str(spec, "scope");
    if (!scope || (strcmp(scope, "Namespaced") && strcmp(scope, "Cluster")))
        add(errs, "spec.scope", FO_FE_UNSUPPORTED, "supported values: Cluster, Namespaced");
}

static bool simple_json_path(const char *p)
{
    return p && p[0] == '.';
}

static void subresources(const json_t *version, const json_t *root, const char *at,
                         fo_field_errors *errs)
{
    char field[128];
    const json_t *sub = json_object_get(version, "subresources");
    const json_t *status = json_object_get(sub, "status");
    if (status && (!json_is_object(status) || json_object_size(status) != 0)) {
        snprintf(field, sizeof field, "%s.subresources.status", at);
        add(errs, field, FO_FE_INVALID, "must be an empty object");
    }
    const json_t *scale = json_object_get(sub, "scale");
    if (!scale)
        return;
    static const struct {
        const char *key, *prefix, *type;
    } paths[] = {{"specReplicasPath", ".spec.", "integer"},
                 {"statusReplicasPath", ".status.", "integer"},
                 {"labelSelectorPath", NULL, "string"}};
    for (size_t i = 0; i < 3; i++) {
        const char *p = str(scale, paths[i].key);
        snprintf(field, sizeof field, "%s.subresources.scale.%s", at, paths[i].key);
        if (!p) {
            if (i < 2)
                add(errs, field, FO_FE_REQUIRED, "");
            continue;
        }
        if (!simple_json_path(p))
            add(errs, field, FO_FE_INVALID, "must be a simple json path starting with .");
        else if (paths[i].prefix && strncmp(p, paths[i].prefix, strlen(paths[i].prefix)))
            add(errs, field, FO_FE_INVALID,
                i == 0 ? "should be a json path under .spec"
                       : "should be a json path under .status");
        else if (!paths[i].prefix && strncmp(p, ".spec.", 6) && strncmp(p, ".status.", 8))
            add(errs, field, FO_FE_INVALID, "should be a json path under either .spec or .status");
        const json_t *target = schema_at(root, p);
        const char *t = str(target, "type");
        if (!target || !t || strcmp(t, paths[i].type)) {
            char d[96];
            snprintf(d, sizeof d, "must name a field of type %s declared in the schema",
                     paths[i].type);
            add(errs, field, FO_FE_INVALID, d);
        }
    }
    if (!status && scale)
        add(errs, at, FO_FE_INVALID, "the scale subresource needs the status subresource");
}

static void columns(const json_t *version, const json_t *root, const char *at,
                    fo_field_errors *errs)
{
    static const char *const types[] = {"integer", "number", "string", "boolean", "date", NULL};
    static const char *const formats[] = {"int32", "int64",     "float",    "double", "byte",
                                          "date",  "date-time", "password", NULL};
    size_t i;
    const json_t *col;
    json_array_foreach(json_object_get(version, "additionalPrinterColumns"), i, col)
    {
        char field[160];
        snprintf(field, sizeof field, "%s.additionalPrinterColumns[%zu]", at, i);
        const char *name = str(col, "name"), *type = str(col, "type"), *fmt = str(col, "format");
        const char *jp = str(col, "jsonPath");
        bool ok = false;
        for (int k = 0; type && types[k]; k++)
            ok = ok || !strcmp(types[k], type);
        if (!name || !*name)
            add(errs, field, FO_FE_REQUIRED, "name");
        if (!ok)
            add(errs, field, FO_FE_UNSUPPORTED,
                "type must be one of boolean,date,integer,number,string");
        ok = !fmt;
        for (int k = 0; fmt && formats[k]; k++)
            ok = ok || !strcmp(formats[k], fmt);
        if (!ok)
            add(errs, field, FO_FE_UNSUPPORTED, "unsupported format");
        if (!simple_json_path(jp))
            add(errs, field, FO_FE_INVALID, "jsonPath must be a simple json path starting with .");
        else if (strncmp(jp, ".metadata.", 10) && !strpbrk(jp, "[]*@") && !schema_at(root, jp))
            add(errs, field, FO_FE_INVALID, "jsonPath names no field of the schema");
        const json_t *prio = json_object_get(col, "priority");
        if (prio && (!json_is_integer(prio) || json_integer_value(prio) < 0))
            add(errs, field, FO_FE_INVALID, "priority must be a non-negative integer");
        for (size_t j = 0; j < i && name; j++) {
            const char *other = str(
                json_array_get(json_object_get(version, "additionalPrinterColumns"), j), "name");
            if (other && !strcmp(other, name))
                add(errs, field, FO_FE_DUPLICATE, "column name");
        }
    }
}

void fo_kubecheck_crd(const json_t *crd, fo_field_errors *errs)
{
    names(crd, errs);
    const json_t *versions = json_object_get(json_object_get(crd, "spec"), "versions");
    if (!json_is_array(versions) || json_array_size(versions) == 0) {
        add(errs, "spec.versions", FO_FE_REQUIRED,
            "must have exactly one version marked as storage version");
        return;
    }
    size_t storage = 0, i;
    const json_t *v;
    json_array_foreach(versions, i, v)
    {
        char at[64];
        snprintf(at, sizeof at, "spec.versions[%zu]", i);
        const char *name = str(v, "name");
        if (!fo_kc_dns1035_label(name))
            add(errs, at, FO_FE_INVALID, "name must be an RFC 1035 label");
        for (size_t j = 0; j < i; j++)
            if (name && str(json_array_get(versions, j), "name") &&
                !strcmp(name, str(json_array_get(versions, j), "name")))
                add(errs, at, FO_FE_DUPLICATE, "version name");
        if (!json_is_boolean(json_object_get(v, "served")) ||
            !json_is_boolean(json_object_get(v, "storage")))
            add(errs, at, FO_FE_REQUIRED, "served and storage must be set");
        storage += json_is_true(json_object_get(v, "storage"));
        const json_t *root = json_object_get(json_object_get(v, "schema"), "openAPIV3Schema");
        char field[96];
        snprintf(field, sizeof field, "%s.schema.openAPIV3Schema", at);
        if (!json_is_object(root)) {
            add(errs, field, FO_FE_REQUIRED, "schemas are required");
            continue;
        }
        bool status = json_object_get(json_object_get(v, "subresources"), "status") != NULL;
        fo_kubecheck_structural(root, field, status, errs);
        subresources(v, root, at, errs);
        columns(v, root, at, errs);
    }
    if (storage != 1)
        add(errs, "spec.versions", FO_FE_INVALID,
            "must have exactly one version marked as storage version");
}

/* Fields more than this many levels inside an embedded Kubernetes type (a pod template) may
 * go without a description: the generator keeps Kubernetes' words only that deep, so the CRD
 * fits kubectl's client-side apply annotation (crds/generator/k8s_schema.c). */
#define EMBEDDED_DESCRIPTION_DEPTH 3

/* embedded: -1 outside an embedded type, else the properties level inside it. */
static void describe(const json_t *s, fo_kc_path *p, fo_field_errors *errs, int depth,
                     int embedded)
{
    if (!json_is_object(s) || depth > FO_KUBECHECK_MAX_DEPTH)
        return;
    const char *key;
    const json_t *child;
    int inner = embedded >= 0 ? embedded + 1 : -1;
    json_object_foreach((json_t *)json_object_get(s, "properties"), key, child)
    {
        size_t mark = fo_kc_path_field(p, key);
        const char *d = str(child, "description");
        if ((!d || !*d) && inner <= EMBEDDED_DESCRIPTION_DEPTH && !fo_kc_full(errs))
            fo_field_errors_add(errs, FO_FE_REQUIRED, fo_kc_path_str(p), NULL, "%s",
                                "description is missing");
        describe(child, p, errs, depth + 1,
                 inner < 0 && strcmp(key, "podTemplate") == 0 ? 0 : inner);
        fo_kc_path_pop(p, mark);
    }
    if (json_object_get(s, "items")) {
        size_t mark = fo_kc_path_field(p, "items");
        describe(json_object_get(s, "items"), p, errs, depth + 1, embedded);
        fo_kc_path_pop(p, mark);
    }
    if (json_is_object(json_object_get(s, "additionalProperties"))) {
        size_t mark = fo_kc_path_field(p, "additionalProperties");
        describe(json_object_get(s, "additionalProperties"), p, errs, depth + 1, embedded);
        fo_kc_path_pop(p, mark);
    }
}

void fo_kubecheck_crd_descriptions(const json_t *crd, fo_field_errors *errs)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(json_object_get(crd, "spec"), "versions"), i, v)
    {
        fo_kc_path p = {.len = 0};
        p.buf[0] = '\0';
        describe(json_object_get(json_object_get(v, "schema"), "openAPIV3Schema"), &p, errs, 0,
                 -1);
    }
}
