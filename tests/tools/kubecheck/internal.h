#ifndef FO_KUBECHECK_INTERNAL_H
#define FO_KUBECHECK_INTERNAL_H

/* Shared between the kubecheck files only. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/field_errors.h"

#define FO_KUBECHECK_PATH_MAX 1024

/* A path being built while walking a document: "spec.containers[0].name". */
typedef struct fo_kc_path {
    char buf[FO_KUBECHECK_PATH_MAX];
    size_t len;
} fo_kc_path;

/* Append ".key" (or "key" at the start), "[key]" or "[i]"; return the old length to restore
 * with fo_kc_path_pop. Overlong paths are cut (and end in "..."). */
size_t fo_kc_path_field(fo_kc_path *p, const char *key);
size_t fo_kc_path_key(fo_kc_path *p, const char *key);
size_t fo_kc_path_index(fo_kc_path *p, size_t i);
void fo_kc_path_pop(fo_kc_path *p, size_t len);
/* The path, or "<root>" while it is empty. */
const char *fo_kc_path_str(const fo_kc_path *p);

/* True once errs holds FO_KUBECHECK_MAX_ERRORS entries (callers stop adding). */
bool fo_kc_full(const fo_field_errors *errs);

/* How to validate one value. */
typedef struct fo_kc_validation {
    const json_t *components;  /* components.schemas for $ref, or NULL (CRD schemas) */
    bool crd;                  /* CRD semantics (preserve-unknown-fields, pruning of unknowns) */
    const json_t *object_meta; /* ObjectMeta schema for root metadata, or NULL */
    const json_t *object_meta_components; /* its components */
    fo_field_errors *errs;
} fo_kc_validation;

/* Validate value against schema at path p (p is restored on return). old is the previous
 * version of the same value (for CEL transition rules), or NULL. root: value is a whole
 * object (apiVersion, kind and metadata are then always allowed). */
void fo_kc_validate(const fo_kc_validation *v, const json_t *schema, const json_t *value,
                    const json_t *old, bool root, fo_kc_path *p);

/* Kubernetes name rules: a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.',
 * at most 253) and a DNS-1035 label (lower-case alphanumerics and '-', starting with a
 * letter, at most 63). */
bool fo_kc_dns1123_subdomain(const char *s);
bool fo_kc_dns1035_label(const char *s);

#endif
