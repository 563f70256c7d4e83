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
 * this saves). The first lookups wait up to 2 s for the first list. Thread-safe. */

#include <jansson.h>

#include "common/rc.h"

typedef struct fo_wh_cluster_lookup fo_wh_cluster_lookup;

/* Prepare to look up FlinkDeployments with kubeconfig (NULL: $KUBECONFIG, in-cluster,
 * ~/.kube/config, in that order): reads the configuration only. NULL with err when there is no
 * usable API access. */
fo_wh_cluster_lookup *fo_wh_cluster_lookup_start(const char *kubeconfig, fo_err *err);

/* Stop and free. NULL ok. */
void fo_wh_cluster_lookup_stop(fo_wh_cluster_lookup *cl);

/* The fo_validate_env.lookup_deployment callback (ctx is the lookup): the FlinkDeployment
 * ns/name as a new reference, or NULL when it does not exist. */
json_t *fo_wh_cluster_lookup_get(void *ctx, const char *ns, const char *name);

/* How many FlinkDeployments the lookup keeps (ctx is the lookup): 0 until the first lookup
 * starts the watch. For the webhook's metrics. */
long fo_wh_cluster_lookup_cached(void *ctx);

#endif
