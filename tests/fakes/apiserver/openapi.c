#include "tests/fakes/apiserver/openapi.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/jsonutil.h"

/* Largest OpenAPI file we read (the core group's is about 2 MB). */
#define FKA_OPENAPI_MAX_FILE (16u * 1024 * 1024)
#define META "io.k8s.apimachinery.pkg.apis.meta.v1."

typedef struct gv_file {
    char gvpath[160]; /* "api/v1", "apis/apps/v1" */
    char file[512];
    char hash[40];
    json_t *doc; /* parsed on first use */
} gv_file;

struct fka_openapi {
    pthread_mutex_t mu;
    gv_file *files;
    size_t nfiles;
};

static void hash_file(const char *path, char *out, size_t len)
{
    /* FNV-1a over the bytes: the index's ?hash= only has to change with the content. */
    uint64_t h = 1469598103934665603ULL;
    FILE *f = fopen(path, "rb");
    int c;
    while (f && (c = fgetc(f)) != EOF) {
        h ^= (unsigned char)c;
        h *= 1099511628211ULL;
    }
    if (f)
        fclose(f);
    snprintf(out, len, "%016llX", (unsigned long long)h);
}

static void scan_dir(fka_openapi *oa, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        /* Upstream names: api__v1_openapi.json, apis__apps__v1_openapi.json. */
        const char *suffix = "_openapi.json";
        size_t n = strlen(e->d_name), sl = strlen(suffix);
        if (n <= sl || strcmp(e->d_name + n - sl, suffix) != 0)
            continue;
        char stem[160], gvpath[160];
        snprintf(stem, sizeof stem, "%.*s", (int)(n - sl), e->d_name);
        size_t w = 0;
        for (size_t i = 0; stem[i] && w + 1 < sizeof gvpath; i++) {
            if (stem[i] == '_' && stem[i + 1] == '_') {
                gvpath[w++] = '/';
                i++;
            } else {
                gvpath[w++] = stem[i];
            }
        }
        gvpath[w] = '\0';
        bool dup = false;
        for (size_t i = 0; i < oa->nfiles; i++)
            if (strcmp(oa->files[i].gvpath, gvpath) == 0)
                dup = true; /* an earlier directory wins */
        if (dup)
            continue;
        gv_file *nf = realloc(oa->files, (oa->nfiles + 1) * sizeof *nf);
        if (!nf)
            break;
        oa->files = nf;
        gv_file *g = &oa->files[oa->nfiles++];
        memset(g, 0, sizeof *g);
        snprintf(g->gvpath, sizeof g->gvpath, "%s", gvpath);
        snprintf(g->file, sizeof g->file, "%s/%s", dir, e->d_name);
        hash_file(g->file, g->hash, sizeof g->hash);
    }
    if (d)
        closedir(d);
}

fka_openapi *fka_openapi_new(const char *dirs)
{
    fka_openapi *oa = calloc(1, sizeof *oa);
    if (!oa)
        return NULL;
    pthread_mutex_init(&oa->mu, NULL);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dirs ? dirs : "");
    char *save = NULL;
    for (char *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
        scan_dir(oa, dir);
    return oa;
}

void fka_openapi_free(fka_openapi *oa)
{
    if (!oa)
        return;
    for (size_t i = 0; i < oa->nfiles; i++)
        json_decref(oa->files[i].doc);
    free(oa->files);
    pthread_mutex_destroy(&oa->mu);
    free(oa);
}

bool fka_openapi_has_builtins(const fka_openapi *oa)
{
    return oa && oa->nfiles > 0;
}

static gv_file *find_file(const fka_openapi *oa, const char *gvpath)
{
    for (size_t i = 0; i < oa->nfiles; i++)
        if (strcmp(oa->files[i].gvpath, gvpath) == 0)
            return &oa->files[i];
    return NULL;
}

/* The parsed document of a built-in group-version (borrowed; lives as long as oa). */
static const json_t *builtin_doc(fka_openapi *oa, const char *gvpath)
{
    pthread_mutex_lock(&oa->mu);
    gv_file *g = find_file(oa, gvpath);
    if (g && !g->doc)
        g->doc = fo_json_load_file(g->file, FKA_OPENAPI_MAX_FILE, NULL);
    const json_t *doc = g ? g->doc : NULL;
    pthread_mutex_unlock(&oa->mu);
    return doc;
}

static void gv_path(char *buf, size_t len, const char *group, const char *version)
{
    if (*group)
        snprintf(buf, len, "apis/%s/%s", group, version);
    else
        snprintf(buf, len, "api/%s", version);
}

static const json_t *core_components(fka_openapi *oa)
{
    return fo_json_get(builtin_doc(oa, "api/v1"), "components.schemas");
}

fka_schema fka_openapi_schema(fka_openapi *oa, const fka_resource *r)
{
    if (r->flags & FKA_R_CUSTOM) {
        const json_t *root = fo_json_get(r->crd_version, "schema.openAPIV3Schema");
        const json_t *comps = core_components(oa);
        return fka_schema_at(root, comps, json_object_get(comps, META "ObjectMeta"), true);
    }
    char gvp[256];
    gv_path(gvp, sizeof gvp, r->group, r->version);
    const json_t *comps = fo_json_get(builtin_doc(oa, gvp), "components.schemas");
    const char *key;
    json_t *def;
    /* The definition whose x-kubernetes-group-version-kind names this kind. */
    json_object_foreach((json_t *)comps, key, def)
    {
        size_t i;
        json_t *gvk;
        json_array_foreach(json_object_get(def, "x-kubernetes-group-version-kind"), i, gvk)
        {
            const char *g = fo_json_str(gvk, "group"), *v = fo_json_str(gvk, "version"),
                       *k = fo_json_str(gvk, "kind");
            if (g && v && k && strcmp(g, r->group) == 0 && strcmp(v, r->version) == 0 &&
                strcmp(k, r->kind) == 0)
                return fka_schema_at(def, comps, NULL, false);
        }
    }
    return fka_schema_at(NULL, comps, NULL, false);
}

/* ---- documents built from CRDs ---- */

/* "flink.apache.org" -> "org.apache.flink" (how kube-openapi names CRD definitions). */
static void reversed_group(const char *group, char *out, size_t len)
{
    out[0] = '\0';
    const char *end = group + strlen(group);
    size_t w = 0;
    while (end > group) {
        const char *dot = end;
        while (dot > group && dot[-1] != '.')
            dot--;
        int n = snprintf(out + w, len - w, "%s%.*s", w ? "." : "", (int)(end - dot), dot);
        if (n < 0 || (size_t)n >= len - w)
            break;
        w += (size_t)n;
        end = dot > group ? dot - 1 : group;
    }
}

static json_t *param(const char *name, const char *in, bool required, const char *desc)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:{s:s, s:b}}", "name", name, "in", in, "description",
                          desc, "schema", "type", "string", "uniqueItems", true);
    if (required)
        json_object_set_new(p, "required", json_true());
    return p;
}

static json_t *gvk_ext(const fka_resource *r)
{
    return json_pack("{s:s, s:s, s:s}", "group", r->group, "kind", r->kind, "version", r->version);
}

static json_t *ref(const char *def)
{
    char buf[512];
    snprintf(buf, sizeof buf, "#/components/schemas/%s", def);
    return json_pack("{s:s}", "$ref", buf);
}

static json_t *json_response(json_t *schema)
{
    return json_pack("{s:{s:s, s:{s:{s:o}, s:{s:o}}}}", "200", "description", "OK", "content",
                     "application/json", "schema", schema, "application/yaml", "schema",
                     fo_json_copy(schema));
}

/* An operation; the write verbs take fieldManager/fieldValidation/dryRun, which is how kubectl
 * decides that the server validates fields itself. */
static json_t *operation(const fka_resource *r, const char *action, const char *def,
                         const char *body_types[], bool write)
{
    json_t *op = json_object();
    char opid[300];
    snprintf(opid, sizeof opid, "%s%s", action, r->kind);
    json_object_set_new(op, "operationId", json_string(opid));
    json_t *params = json_array();
    if (write) {
        json_array_append_new(params, param("dryRun", "query", false,
                                            "When present, indicates that modifications should "
                                            "not be persisted."));
        json_array_append_new(params, param("fieldManager", "query", false,
                                            "fieldManager is a name associated with the actor or "
                                            "entity that is making these changes."));
        json_array_append_new(params, param("fieldValidation", "query", false,
                                            "fieldValidation instructs the server on how to "
                                            "handle objects in the request containing unknown "
                                            "or duplicate fields."));
    }
    json_object_set_new(op, "parameters", params);
    if (body_types) {
        json_t *content = json_object();
        for (size_t i = 0; body_types[i]; i++)
            json_object_set_new(content, body_types[i], json_pack("{s:o}", "schema", ref(def)));
        json_object_set_new(op, "requestBody",
                            json_pack("{s:o, s:b}", "content", content, "required", true));
    }
    json_object_set_new(op, "responses", json_response(ref(def)));
    json_object_set_new(op, "x-kubernetes-action", json_string(action));
    json_object_set_new(op, "x-kubernetes-group-version-kind", gvk_ext(r));
    return op;
}

static void add_paths(json_t *paths, const fka_resource *r, const char *def, const char *list_def)
{
    static const char *post_types[] = {"*/*", NULL};
    /* Custom resources take no strategic merge patch (kube-api-semantics.md §9). */
    static const char *patch_types[] = {"application/apply-patch+yaml",
                                        "application/json-patch+json",
                                        "application/merge-patch+json", NULL};
    char base[600], item[700], status[720], scale[720], all[600];
    bool ns = r->flags & FKA_R_NAMESPACED;
    snprintf(all, sizeof all, "/apis/%s/%s/%s", r->group, r->version, r->resource);
    if (ns)
        snprintf(base, sizeof base, "/apis/%s/%s/namespaces/{namespace}/%s", r->group, r->version,
                 r->resource);
    else
        snprintf(base, sizeof base, "%s", all);
    snprintf(item, sizeof item, "%s/{name}", base);
    snprintf(status, sizeof status, "%s/status", item);
    snprintf(scale, sizeof scale, "%s/scale", item);

    json_t *coll = json_object();
    json_object_set_new(coll, "get", operation(r, "list", list_def, NULL, false));
    json_object_set_new(coll, "post", operation(r, "post", def, post_types, true));
    json_object_set_new(coll, "delete", operation(r, "deletecollection", def, NULL, false));
    json_t *ps = json_array();
    if (ns)
        json_array_append_new(ps, param("namespace", "path", true, "object name and auth scope"));
    json_object_set_new(coll, "parameters", ps);
    json_object_set_new(paths, base, coll);

    json_t *one = json_object();
    json_object_set_new(one, "get", operation(r, "get", def, NULL, false));
    json_object_set_new(one, "put", operation(r, "put", def, post_types, true));
    json_object_set_new(one, "patch", operation(r, "patch", def, patch_types, true));
    json_object_set_new(one, "delete", operation(r, "delete", def, NULL, false));
    ps = json_array();
    json_array_append_new(ps, param("name", "path", true, "name of the resource"));
    if (ns)
        json_array_append_new(ps, param("namespace", "path", true, "object name and auth scope"));
    json_object_set_new(one, "parameters", ps);
    json_object_set_new(paths, item, one);

    if (r->flags & FKA_R_STATUS) {
        json_t *st = json_object();
        json_object_set_new(st, "get", operation(r, "get", def, NULL, false));
        json_object_set_new(st, "put", operation(r, "put", def, post_types, true));
        json_object_set_new(st, "patch", operation(r, "patch", def, patch_types, true));
        json_object_set_new(st, "parameters", fo_json_copy(ps));
        json_object_set_new(paths, status, st);
    }
    if (r->flags & FKA_R_SCALE) {
        json_t *sc = json_object();
        json_object_set_new(sc, "get",
                            operation(r, "get", "io.k8s.api.autoscaling.v1.Scale", NULL, false));
        json_object_set_new(sc, "parameters", fo_json_copy(ps));
        json_object_set_new(paths, scale, sc);
    }
    if (ns) {
        json_t *a = json_object();
        json_object_set_new(a, "get", operation(r, "list", list_def, NULL, false));
        json_object_set_new(paths, all, a);
    }
}

/* Copy a definition and everything it references from the core components. */
static void copy_def(json_t *dst, const json_t *src_comps, const char *name, int depth)
{
    if (depth > 32 || json_object_get(dst, name))
        return;
    const json_t *def = json_object_get(src_comps, name);
    if (!def)
        return;
    json_object_set_new(dst, name, fo_json_copy(def));
    /* Walk for $refs. */
    json_t *stack[256];
    size_t sp = 0;
    stack[sp++] = (json_t *)def;
    while (sp) {
        json_t *n = stack[--sp];
        if (json_is_object(n)) {
            const char *k;
            json_t *v;
            json_object_foreach(n, k, v)
            {
                if (strcmp(k, "$ref") == 0 && json_is_string(v) &&
                    strncmp(json_string_value(v), "#/components/schemas/", 21) == 0)
                    copy_def(dst, src_comps, json_string_value(v) + 21, depth + 1);
                else if ((json_is_object(v) || json_is_array(v)) && sp < 256)
                    stack[sp++] = v;
            }
        } else if (json_is_array(n)) {
            size_t i;
            json_t *v;
            json_array_foreach(n, i, v) if ((json_is_object(v) || json_is_array(v)) && sp < 256)
                stack[sp++] = v;
        }
    }
}

static json_t *crd_definition(const fka_resource *r)
{
    const json_t *root = fo_json_get(r->crd_version, "schema.openAPIV3Schema");
    json_t *def = root ? fo_json_copy(root)
                       : json_pack("{s:s, s:b}", "type", "object",
                                   "x-kubernetes-preserve-unknown-fields", true);
    json_t *props = fo_json_ensure_object(def, "properties");
    json_object_set_new(props, "apiVersion",
                        json_pack("{s:s, s:s}", "description",
                                  "APIVersion defines the versioned schema of this "
                                  "representation of an object.",
                                  "type", "string"));
    json_object_set_new(props, "kind",
                        json_pack("{s:s, s:s}", "description",
                                  "Kind is a string value representing the REST resource this "
                                  "object represents.",
                                  "type", "string"));
    json_t *meta = json_pack("{s:[o], s:s}", "allOf", ref(META "ObjectMeta"), "description",
                             "Standard object's metadata. More info: "
                             "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                             "api-conventions.md#metadata");
    json_object_set_new(props, "metadata", meta);
    json_object_set_new(def, "x-kubernetes-group-version-kind", json_pack("[o]", gvk_ext(r)));
    return def;
}

static json_t *crd_list_definition(const fka_resource *r, const char *item_def)
{
    json_t *props = json_object();
    json_object_set_new(props, "apiVersion", json_pack("{s:s}", "type", "string"));
    json_object_set_new(props, "items",
                        json_pack("{s:s, s:o}", "type", "array", "items", ref(item_def)));
    json_object_set_new(props, "kind", json_pack("{s:s}", "type", "string"));
    json_object_set_new(props, "metadata", json_pack("{s:[o]}", "allOf", ref(META "ListMeta")));
    json_t *gvk = gvk_ext(r);
    json_object_set_new(gvk, "kind", json_string(r->list_kind));
    return json_pack("{s:s, s:[s], s:o, s:s, s:[o]}", "description", "List of objects", "required",
                     "items", "properties", props, "type", "object",
                     "x-kubernetes-group-version-kind", gvk);
}

static json_t *crd_document(fka_openapi *oa, fka_registry *reg, const char *group,
                            const char *version)
{
    size_t n = 0;
    fka_resource **all = fka_registry_snapshot(reg, &n);
    json_t *paths = json_object(), *defs = json_object();
    bool any = false;
    const json_t *core = core_components(oa);
    for (size_t i = 0; i < n; i++) {
        const fka_resource *r = all[i];
        if (!(r->flags & FKA_R_CUSTOM) || strcmp(r->group, group) != 0 ||
            strcmp(r->version, version) != 0)
            continue;
        any = true;
        char rg[256], def[600], list_def[600];
        reversed_group(r->group, rg, sizeof rg);
        snprintf(def, sizeof def, "%s.%s.%s", rg, r->version, r->kind);
        snprintf(list_def, sizeof list_def, "%s.%s.%s", rg, r->version, r->list_kind);
        json_object_set_new(defs, def, crd_definition(r));
        json_t *ld = crd_list_definition(r, def);
        json_object_set_new(defs, list_def, ld);
        add_paths(paths, r, def, list_def);
    }
    fka_registry_snapshot_free(all, n);
    if (!any) {
        json_decref(paths);
        json_decref(defs);
        return NULL;
    }
    static const char *const meta_defs[] = {META "ObjectMeta",
                                            META "ListMeta",
                                            META "Status",
                                            META "DeleteOptions",
                                            META "Patch",
                                            "io.k8s.api.autoscaling.v1.Scale",
                                            NULL};
    for (size_t i = 0; meta_defs[i]; i++)
        copy_def(defs, core, meta_defs[i], 0);
    return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.0.0", "info", "title",
                     "Kubernetes CRD Swagger", "version", "v0.1.0", "paths", paths, "components",
                     "schemas", defs);
}

json_t *fka_openapi_index(fka_openapi *oa, fka_registry *reg)
{
    json_t *paths = json_object();
    char url[400];
    size_t n = 0;
    fka_resource **all = fka_registry_snapshot(reg, &n);
    uint64_t epoch = fka_registry_epoch(reg);
    for (size_t i = 0; i < n; i++) {
        const fka_resource *r = all[i];
        char gvp[300];
        gv_path(gvp, sizeof gvp, r->group, r->version);
        if (json_object_get(paths, gvp))
            continue;
        if (r->flags & FKA_R_CUSTOM) {
            snprintf(url, sizeof url, "/openapi/v3/%s?hash=CRD%016llX", gvp,
                     (unsigned long long)epoch);
        } else {
            /* Only the group-versions served here, from the upstream files. */
            gv_file *g = find_file(oa, gvp);
            if (!g)
                continue;
            snprintf(url, sizeof url, "/openapi/v3/%s?hash=%s", g->gvpath, g->hash);
        }
        json_object_set_new(paths, gvp, json_pack("{s:s}", "serverRelativeURL", url));
    }
    fka_registry_snapshot_free(all, n);
    return json_pack("{s:o}", "paths", paths);
}

bool fka_openapi_document(fka_openapi *oa, fka_registry *reg, const char *gvpath, char **raw,
                          size_t *len, json_t **doc)
{
    *raw = NULL;
    *doc = NULL;
    *len = 0;
    gv_file *g = find_file(oa, gvpath);
    if (g) {
        FILE *f = fopen(g->file, "rb");
        if (!f)
            return false;
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || st.st_size > (off_t)FKA_OPENAPI_MAX_FILE) {
            fclose(f);
            return false;
        }
        char *buf = malloc((size_t)st.st_size + 1);
        size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
        fclose(f);
        if (!buf || got != (size_t)st.st_size) {
            free(buf);
            return false;
        }
        buf[got] = '\0';
        *raw = buf;
        *len = got;
        return true;
    }
    char group[256], version[64];
    if (sscanf(gvpath, "apis/%255[^/]/%63s", group, version) != 2)
        return false;
    *doc = crd_document(oa, reg, group, version);
    return *doc != NULL;
}
