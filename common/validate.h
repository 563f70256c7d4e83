#ifndef FO_VALIDATE_H
#define FO_VALIDATE_H

/* Every FlinkDeployment / FlinkSessionJob rule of the reference (sections b.3, b.4, b.6), in
 * that order, reporting every error (not only the first) as Kubernetes-style field errors,
 * and warnings for deprecated values. Update rules compare the spec with
 * status.reconciliationStatus.lastReconciledSpec embedded in the object (never oldObject).
 * Checks that need the outside world go through the optional callbacks of fo_validate_env.
 * Pure apart from those callbacks; thread-safe when they are. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/field_errors.h"

typedef struct fo_validate_env {
    /* Operator/cluster default Flink configuration, flattened ({"key": "value"}); may be NULL.
     * The effective configuration is this overlaid by the resource's own. */
    const json_t *default_flink_config;

    /* Looks up a FlinkDeployment (session cluster of a session job) in ns by name. Returns a
     * new reference, or NULL when not found. NULL callback = the cluster is unknown: the
     * checks that need it are skipped (never failing closed). */
    json_t *(*lookup_deployment)(void *ctx, const char *ns, const char *name);

    /* Resolves a jar host to addresses for the restricted-host check (session jobs). Returns
     * the number of addresses written into out (textual IPs, each < 64 bytes), 0 when it does
     * not resolve, -1 when the lookup could not be done (then the check is skipped). NULL
     * callback = skip DNS checks. Must be time-bounded. */
    int (*resolve_host)(void *ctx, const char *host, char out[][64], int max);
    void *ctx;

    /* Session job jarURI allow-list (NULL-terminated); NULL = the default configuration's
     * kubernetes.operator.user.artifacts.allowed-schemes (a ';' or ',' separated list), else
     * {"https"}. */
    const char *const *allowed_jar_schemes;
    /* false (the default): refuse http(s) jar hosts that are loopback, link-local, private,
     * wildcard or multicast (the operator's disallow-restricted-hosts=true), unless the
     * default configuration sets kubernetes.operator.user.artifacts.disallow-restricted-hosts
     * to false; true: allow them. (The resource's own flinkConfiguration never sets either.) */
    bool allow_restricted_hosts;
    /* The object was read by common/json_read, which built no key holding NUL
     * (fo_json_read_filter.nul_key_built): the walk that names such keys is skipped. */
    bool keys_read_without_nul;

    /* Operator reconcile interval, for the autoscaler metrics-window rule; 0 = 60 s. */
    int64_t reconcile_interval_ms;
} fo_validate_env;

/* Validate a FlinkDeployment object. env may be NULL (all defaults). Errors and warnings are
 * added to errs. Canaries (see fo_validate_is_canary) produce nothing. */
void fo_validate_deployment(const json_t *obj, const fo_validate_env *env, fo_field_errors *errs);

/* Validate a FlinkSessionJob object. */
void fo_validate_session_job(const json_t *obj, const fo_validate_env *env, fo_field_errors *errs);

/* True for objects labelled flink.apache.org/canary: "true" (never validated or deployed). */
bool fo_validate_is_canary(const json_t *obj);

#endif
