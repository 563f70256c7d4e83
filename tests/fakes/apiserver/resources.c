#include "tests/fakes/apiserver/resources.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

#define NS FKA_R_NAMESPACED
#define ST FKA_R_STATUS
#define GEN FKA_R_GENERATION

/* What kube-apiserver v1.35 serves for the kinds the project touches (short names and
 * categories as `kubectl api-resources` lists them). */
static fka_resource builtins[] = {
    {"",
     "v1",
     "namespaces",
     "Namespace",
     "namespace",
     "NamespaceList",
     {"ns"},
     {NULL},
     "/namespaces",
     ST,
     FKA_NAME_LABEL1123,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "configmaps",
     "ConfigMap",
     "configmap",
     "ConfigMapList",
     {"cm"},
     {NULL},
     "/configmaps",
     NS,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "secrets",
     "Secret",
     "secret",
     "SecretList",
     {NULL},
     {NULL},
     "/secrets",
     NS,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "services",
     "Service",
     "service",
     "ServiceList",
     {"svc"},
     {"all"},
     "/services",
     NS | ST | FKA_R_CREATE_ON_UPDATE,
     FKA_NAME_LABEL1035,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "pods",
     "Pod",
     "pod",
     "PodList",
     {"po"},
     {"all"},
     "/pods",
     NS | ST | GEN | FKA_R_DELETE_RETURNS_OBJ,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "events",
     "Event",
     "event",
     "EventList",
     {"ev"},
     {NULL},
     "/events",
     NS,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"",
     "v1",
     "serviceaccounts",
     "ServiceAccount",
     "serviceaccount",
     "ServiceAccountList",
     {"sa"},
     {NULL},
     "/serviceaccounts",
     NS,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"apps",
     "v1",
     "deployments",
     "Deployment",
     "deployment",
     "DeploymentList",
     {"deploy"},
     {"all"},
     "apps/deployments",
     NS | ST | GEN | FKA_R_SCALE | FKA_R_GEN_ANNOTATIONS,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"networking.k8s.io",
     "v1",
     "ingresses",
     "Ingress",
     "ingress",
     "IngressList",
     {"ing"},
     {NULL},
     "networking.k8s.io/ingresses",
     NS | ST | GEN,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"coordination.k8s.io",
     "v1",
     "leases",
     "Lease",
     "lease",
     "LeaseList",
     {NULL},
     {NULL},
     "coordination.k8s.io/leases",
     NS | FKA_R_CREATE_ON_UPDATE | FKA_R_PUT_NEEDS_RV,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"events.k8s.io",
     "v1",
     "events",
     "Event",
     "event",
     "EventList",
     {"ev"},
     {NULL},
     "/events",
     NS | FKA_R_EVENTS_V1,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"apiextensions.k8s.io",
     "v1",
     "customresourcedefinitions",
     "CustomResourceDefinition",
     "customresourcedefinition",
     "CustomResourceDefinitionList",
     {"crd", "crds"},
     {NULL},
     "apiextensions.k8s.io/customresourcedefinitions",
     ST | GEN,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"admissionregistration.k8s.io",
     "v1",
     "mutatingwebhookconfigurations",
     "MutatingWebhookConfiguration",
     "mutatingwebhookconfiguration",
     "MutatingWebhookConfigurationList",
     {NULL},
     {"api-extensions"},
     "admissionregistration.k8s.io/mutatingwebhookconfigurations",
     GEN,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
    {"admissionregistration.k8s.io",
     "v1",
     "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration",
     "validatingwebhookconfiguration",
     "ValidatingWebhookConfigurationList",
     {NULL},
     {"api-extensions"},
     "admissionregistration.k8s.io/validatingwebhookconfigurations",
     GEN,
     FKA_NAME_SUBDOMAIN,
     NULL,
     NULL,
     0},
};
#define NBUILTIN (sizeof builtins / sizeof builtins[0])

struct fka_registry {
    pthread_mutex_t mu;
    fka_resource **custom; /* held references */
    size_t ncustom, cap;
    uint64_t epoch;
};

fka_registry *fka_registry_new(void)
{
    fka_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    pthread_mutex_init(&reg->mu, NULL);
    reg->epoch = 1;
    return reg;
}

void fka_registry_free(fka_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->ncustom; i++)
        fka_resource_unref(reg->custom[i]);
    free(reg->custom);
    pthread_mutex_destroy(&reg->mu);
    free(reg);
}

fka_resource *fka_resource_ref(fka_resource *r)
{
    if (r && r->refs)
        __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQUIRE);
    return r;
}

void fka_resource_unref(fka_resource *r)
{
    if (!r || !r->refs)
        return;
    if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_RELEASE) != 0)
        return;
    const char **strs[] = {&r->group,          &r->version,        &r->resource,
                           &r->kind,           &r->singular,       &r->list_kind,
                           &r->short_names[0], &r->short_names[1], &r->short_names[2],
                           &r->short_names[3], &r->categories[0],  &r->categories[1],
                           &r->storage};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free((char *)*strs[i]);
    json_decref(r->crd);
    free(r);
}

static const char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* One entry per served version of the CRD. */
static fka_resource *from_crd(const json_t *crd, const json_t *ver)
{
    fka_resource *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->refs = 1;
    const json_t *names = fo_json_get(crd, "spec.names");
    const char *group = fo_json_get_str(crd, "spec.group");
    const char *plural = fo_json_str(names, "plural");
    const char *kind = fo_json_str(names, "kind");
    const char *singular = fo_json_str(names, "singular");
    const char *list_kind = fo_json_str(names, "listKind");
    char buf[256];
    r->group = dupstr(group ? group : "");
    r->version = dupstr(fo_json_str(ver, "name"));
    r->resource = dupstr(plural ? plural : "");
    r->kind = dupstr(kind ? kind : "");
    if (singular && *singular) {
        r->singular = dupstr(singular);
    } else {
        /* The API server defaults the singular to the lower-cased kind. */
        snprintf(buf, sizeof buf, "%s", r->kind);
        for (char *p = buf; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        r->singular = dupstr(buf);
    }
    if (list_kind && *list_kind) {
        r->list_kind = dupstr(list_kind);
    } else {
        snprintf(buf, sizeof buf, "%sList", r->kind);
        r->list_kind = dupstr(buf);
    }
    const json_t *shorts = json_object_get(names, "shortNames");
    for (size_t i = 0; i < json_array_size(shorts) && i < 4; i++)
        r->short_names[i] = dupstr(json_string_value(json_array_get(shorts, i)));
    const json_t *cats = json_object_get(names, "categories");
    for (size_t i = 0; i < json_array_size(cats) && i < 2; i++)
        r->categories[i] = dupstr(json_string_value(json_array_get(cats, i)));
    snprintf(buf, sizeof buf, "%s/%s", r->group, r->resource);
    r->storage = dupstr(buf);
    r->flags = FKA_R_CUSTOM | FKA_R_PUT_NEEDS_RV | FKA_R_GENERATION;
    const char *scope = fo_json_get_str(crd, "spec.scope");
    if (!scope || strcmp(scope, "Cluster") != 0)
        r->flags |= FKA_R_NAMESPACED;
    if (fo_json_get(ver, "subresources.status"))
        r->flags |= FKA_R_STATUS;
    if (fo_json_get(ver, "subresources.scale"))
        r->flags |= FKA_R_SCALE;
    if (fo_json_get(crd, "metadata.deletionTimestamp"))
        r->flags |= FKA_R_TERMINATING;
    r->name_rule = FKA_NAME_SUBDOMAIN;
    r->crd = fo_json_copy(crd);
    /* Point at the same version inside our own copy. */
    json_t *vers = fo_json_get(r->crd, "spec.versions");
    size_t i;
    json_t *v;
    json_array_foreach(vers, i, v)
    {
        const char *n = fo_json_str(v, "name");
        if (n && strcmp(n, r->version) == 0)
            r->crd_version = v;
    }
    return r;
}

static bool crd_named(const fka_resource *r, const char *crd_name)
{
    const char *n = fo_json_get_str(r->crd, "metadata.name");
    return n && strcmp(n, crd_name) == 0;
}

static void remove_locked(fka_registry *reg, const char *crd_name)
{
    size_t w = 0;
    for (size_t i = 0; i < reg->ncustom; i++) {
        if (crd_named(reg->custom[i], crd_name))
            fka_resource_unref(reg->custom[i]);
        else
            reg->custom[w++] = reg->custom[i];
    }
    reg->ncustom = w;
}

void fka_registry_put_crd(fka_registry *reg, const json_t *crd)
{
    const char *name = fo_json_get_str(crd, "metadata.name");
    const char *plural = fo_json_get_str(crd, "spec.names.plural");
    const char *kind = fo_json_get_str(crd, "spec.names.kind");
    if (!name || !plural || !kind)
        return;
    pthread_mutex_lock(&reg->mu);
    remove_locked(reg, name);
    const json_t *vers = fo_json_get(crd, "spec.versions");
    size_t i;
    json_t *v;
    json_array_foreach(vers, i, v)
    {
        if (json_is_false(json_object_get(v, "served")) || !fo_json_str(v, "name"))
            continue;
        fka_resource *r = from_crd(crd, v);
        if (!r)
            continue;
        if (reg->ncustom == reg->cap) {
            size_t cap = reg->cap ? reg->cap * 2 : 8;
            fka_resource **n = realloc(reg->custom, cap * sizeof *n);
            if (!n) {
                fka_resource_unref(r);
                continue;
            }
            reg->custom = n;
            reg->cap = cap;
        }
        reg->custom[reg->ncustom++] = r;
    }
    reg->epoch++;
    pthread_mutex_unlock(&reg->mu);
}

void fka_registry_remove_crd(fka_registry *reg, const char *crd_name)
{
    pthread_mutex_lock(&reg->mu);
    remove_locked(reg, crd_name);
    reg->epoch++;
    pthread_mutex_unlock(&reg->mu);
}

static bool eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The resource of group/version whose plural (by_kind false) or kind (true) is name. */
static fka_resource *lookup(fka_registry *reg, const char *group, const char *version,
                            const char *name, bool by_kind)
{
    for (size_t i = 0; i < NBUILTIN; i++) {
        fka_resource *r = &builtins[i];
        if (eq(r->group, group) && eq(r->version, version) &&
            eq(by_kind ? r->kind : r->resource, name))
            return r;
    }
    fka_resource *found = NULL;
    pthread_mutex_lock(&reg->mu);
    for (size_t i = 0; i < reg->ncustom && !found; i++) {
        fka_resource *r = reg->custom[i];
        if (eq(r->group, group) && eq(r->version, version) &&
            eq(by_kind ? r->kind : r->resource, name))
            found = fka_resource_ref(r);
    }
    pthread_mutex_unlock(&reg->mu);
    return found;
}

fka_resource *fka_registry_find(fka_registry *reg, const char *group, const char *version,
                                const char *resource)
{
    return lookup(reg, group, version, resource, false);
}

fka_resource *fka_registry_find_kind(fka_registry *reg, const char *api_version, const char *kind)
{
    char group[256] = "";
    const char *version = api_version ? api_version : "";
    const char *slash = strchr(version, '/');
    if (slash) {
        snprintf(group, sizeof group, "%.*s", (int)(slash - version), version);
        version = slash + 1;
    }
    return lookup(reg, group, version, kind, true);
}

fka_resource **fka_registry_snapshot(fka_registry *reg, size_t *n)
{
    pthread_mutex_lock(&reg->mu);
    size_t total = NBUILTIN + reg->ncustom;
    fka_resource **all = calloc(total ? total : 1, sizeof *all);
    if (!all) {
        pthread_mutex_unlock(&reg->mu);
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < NBUILTIN; i++)
        all[i] = &builtins[i];
    for (size_t i = 0; i < reg->ncustom; i++)
        all[NBUILTIN + i] = fka_resource_ref(reg->custom[i]);
    pthread_mutex_unlock(&reg->mu);
    *n = total;
    return all;
}

void fka_registry_snapshot_free(fka_resource **all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fka_resource_unref(all[i]);
    free(all);
}

uint64_t fka_registry_epoch(fka_registry *reg)
{
    pthread_mutex_lock(&reg->mu);
    uint64_t e = reg->epoch;
    pthread_mutex_unlock(&reg->mu);
    return e;
}

/* A name with its group, "<group>/<name>" or "<name>.<group>"; the core group adds nothing. */
static const char *with_group(char *buf, size_t len, const char *group, bool group_first,
                              const char *name)
{
    if (!*group)
        snprintf(buf, len, "%s", name);
    else if (group_first)
        snprintf(buf, len, "%s/%s", group, name);
    else
        snprintf(buf, len, "%s.%s", name, group);
    return buf;
}

const char *fka_resource_api_version(const fka_resource *r, char *buf, size_t len)
{
    return with_group(buf, len, r->group, true, r->version);
}

const char *fka_resource_qualified(const fka_resource *r, char *buf, size_t len)
{
    return with_group(buf, len, r->group, false, r->resource);
}

const char *fka_resource_qualified_kind(const fka_resource *r, char *buf, size_t len)
{
    return with_group(buf, len, r->group, false, r->kind);
}

const char *fka_resource_scale_path(const fka_resource *r, const char *which)
{
    const json_t *scale = fo_json_get(r->crd_version, "subresources.scale");
    return scale ? fo_json_str(scale, which) : NULL;
}
