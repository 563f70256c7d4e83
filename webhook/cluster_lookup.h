#ifndef FO_WH_CLUSTER_LOOKUP_H
#define FO_WH_CLUSTER_LOOKUP_H

/* The webhook's view of FlinkDeployments, so session-job validation can see the target
 * cluster (fo_validate_env.lookup_deployment). Uses API access from a kubeconfig or the
 * in-cluster service account; without either there is no lookup and those checks are skipped
 * (the webhook never fails closed for want of API access).
 *
 * The watch (an informer over every namespace) starts with the first lookup, not at start:
 * a webhook that never sees a session job never opens an API connection, initialises no
 * HTTP client and caches no FlinkDeployment (docs/performance.md has the resident memory
 * this saves). Lookups wait for the first list up to 2 s after the watch started, then treat
 * clusters not listed yet as unknown; a cache out of contact with the API server for longer
 * than stale_after_ms is not used (unknown) until the watch is back. Thread-safe. */

#include <jansson.h>

#include "common/rc.h"

typedef struct fo_wh_cluster_lookup fo_wh_cluster_lookup;

/* Prepare to look up FlinkDeployments with kubeconfig (NULL: $KUBECONFIG, in-cluster,
 * ~/.kube/config, in that order): reads the configuration only. stale_after_ms: how long the
 * watch may be out of contact with the API server before its cache is not used (0: 60 s).
 * namespaces (NULL-terminated, copied; NULL or empty: all): where FlinkDeployments are
 * watched, one watch each (for RBAC granted per namespace); clusters elsewhere are unknown.
 * NULL with err when there is no usable API access. */
fo_wh_cluster_lookup *fo_wh_cluster_lookup_start(const char *kubeconfig, int64_t stale_after_ms,
                                                 const char *const *namespaces, fo_err *err);

/* Stop and free. NULL ok. */
void fo_wh_cluster_lookup_stop(fo_wh_cluster_lookup *cl);

/* The fo_validate_env.lookup_deployment callback (ctx is the lookup): the FlinkDeployment
 * ns/name as a new reference, or NULL when it does not exist. */
json_t *fo_wh_cluster_lookup_get(void *ctx, const char *ns, const char *name);

typedef enum fo_wh_lookup_state {
    FO_WH_LOOKUP_IDLE,    /* no session-job check yet: no watch */
    FO_WH_LOOKUP_SYNCING, /* watching, the first list not in yet: clusters are unknown */
    FO_WH_LOOKUP_SYNCED,  /* in use */
    FO_WH_LOOKUP_STALE,   /* out of contact past stale_after_ms: clusters are unknown */
} fo_wh_lookup_state;

typedef struct fo_wh_lookup_health {
    fo_wh_lookup_state state;
    long cached;               /* FlinkDeployments kept */
    int64_t out_of_contact_ms; /* fo_informer_out_of_contact_ms; 0 while in contact */
    char reason[256];          /* why it is out of contact (fo_informer_contact_error), or "" */
} fo_wh_lookup_health;

/* The lookup's state (ctx is the lookup), for /readyz and /metrics. Thread-safe. */
void fo_wh_cluster_lookup_health(void *ctx, fo_wh_lookup_health *out);

/* "idle", "syncing", "synced", "stale". */
const char *fo_wh_lookup_state_name(fo_wh_lookup_state s);

#endif
