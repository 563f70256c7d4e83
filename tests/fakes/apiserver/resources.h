#ifndef FKA_RESOURCES_H
#define FKA_RESOURCES_H

/* The resources the fake API server serves: a fixed table of built-ins (core, apps,
 * networking, coordination, events, apiextensions, admissionregistration) and entries made
 * from stored CustomResourceDefinitions (one per served version).
 *
 * A fka_resource is immutable once made and reference-counted, so a request can keep one
 * while a CRD changes under it. The registry has its own lock; every function is
 * thread-safe. Lookups return new references (release with fka_resource_unref). */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/fakes/apiserver/names.h"

enum {
    FKA_R_NAMESPACED = 1u << 0,
    FKA_R_STATUS = 1u << 1,             /* has a /status subresource */
    FKA_R_SCALE = 1u << 2,              /* has a /scale subresource */
    FKA_R_GENERATION = 1u << 3,         /* tracks metadata.generation */
    FKA_R_GEN_ANNOTATIONS = 1u << 4,    /* annotation changes bump generation (Deployments) */
    FKA_R_CREATE_ON_UPDATE = 1u << 5,   /* PUT of a missing name creates it (Leases, Services) */
    FKA_R_PUT_NEEDS_RV = 1u << 6,       /* PUT without resourceVersion is 422 (CRs, Leases) */
    FKA_R_CUSTOM = 1u << 7,             /* served from a CRD */
    FKA_R_DELETE_RETURNS_OBJ = 1u << 8, /* DELETE answers with the object (Pods) */
    FKA_R_TERMINATING = 1u << 9,        /* the CRD is being deleted: no creates */
    FKA_R_EVENTS_V1 = 1u << 10,         /* events.k8s.io/v1 view of core events */
};

typedef struct fka_resource {
    const char *group;     /* "" for core */
    const char *version;   /* "v1", "v1beta1" */
    const char *resource;  /* plural, lower case */
    const char *kind;      /* "ConfigMap" */
    const char *singular;  /* "configmap" */
    const char *list_kind; /* "ConfigMapList" */
    const char *short_names[4];
    const char *categories[2];
    const char *storage; /* store collection key: "<group>/<plural>" */
    unsigned flags;
    fka_name_rule name_rule;
    json_t *crd;         /* CRs: the CRD object (held reference); else NULL */
    json_t *crd_version; /* CRs: borrowed spec.versions[] entry of crd */
    int refs;            /* 0 for the static built-ins */
} fka_resource;

typedef struct fka_registry fka_registry;

fka_registry *fka_registry_new(void);
void fka_registry_free(fka_registry *reg);

/* Serve (or re-serve) the versions of a stored CRD (borrowed; copied as needed). A CRD
 * with a deletionTimestamp keeps its entries but marks them terminating. */
void fka_registry_put_crd(fka_registry *reg, const json_t *crd);

/* Stop serving a CRD by its name ("flinkdeployments.flink.apache.org"). */
void fka_registry_remove_crd(fka_registry *reg, const char *crd_name);

/* The resource for group/version/plural, or NULL. New reference. */
fka_resource *fka_registry_find(fka_registry *reg, const char *group, const char *version,
                                const char *resource);

/* The resource serving apiVersion ("apps/v1", "v1") and kind, or NULL. New reference. */
fka_resource *fka_registry_find_kind(fka_registry *reg, const char *api_version, const char *kind);

/* Every served resource, built-ins first, in a new array of new references; *n gets the
 * count. Free with fka_registry_snapshot_free. */
fka_resource **fka_registry_snapshot(fka_registry *reg, size_t *n);
void fka_registry_snapshot_free(fka_resource **all, size_t n);

/* Changes with every CRD change (discovery and OpenAPI hashes use it). */
uint64_t fka_registry_epoch(fka_registry *reg);

fka_resource *fka_resource_ref(fka_resource *r);
void fka_resource_unref(fka_resource *r);

/* "apps/v1" or "v1" into buf. */
const char *fka_resource_api_version(const fka_resource *r, char *buf, size_t len);

/* The qualified resource of messages: "configmaps" or "flinkdeployments.flink.apache.org". */
const char *fka_resource_qualified(const fka_resource *r, char *buf, size_t len);

/* The qualified kind of Invalid messages: "ConfigMap" or "FlinkDeployment.flink.apache.org". */
const char *fka_resource_qualified_kind(const fka_resource *r, char *buf, size_t len);

/* CRs: the version's subresources.scale paths (borrowed), or NULL. */
const char *fka_resource_scale_path(const fka_resource *r, const char *which);

#endif
