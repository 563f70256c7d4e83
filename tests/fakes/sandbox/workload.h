#ifndef FO_SANDBOX_WORKLOAD_H
#define FO_SANDBOX_WORKLOAD_H

/* What the Kubernetes deployment controller and kubelet write, as pure functions: a
 * Deployment's status (apps/v1 DeploymentStatus: replica counts, observedGeneration, the
 * Available / Progressing / ReplicaFailure conditions with the reasons and messages of
 * pkg/controller/deployment) and its Pods (labels with pod-template-hash, the template's
 * spec, a status per container).
 *
 * Simplification: the sandbox has no ReplicaSets. Pods are owned by their Deployment directly
 * (ownerReference controller: true), so the API server's garbage collector still removes them
 * with it, and the ReplicaSet name in messages is "<deployment>-<pod-template-hash>".
 *
 * Thread-safe; inputs borrowed; returned JSON is a new reference. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The node every pod of the sandbox runs on. */
#define FO_SANDBOX_NODE_NAME "sandbox-node"

/* The pod-template-hash of a Deployment's spec.template: FNV-1a over its canonical JSON,
 * written with Kubernetes' SafeEncodeString alphabet. buf needs 16 bytes. */
void fo_sandbox_template_hash(const json_t *deployment, char *buf, size_t len);

/* A name suffix of n characters (n < 16) from the same alphabet, derived from seed. */
void fo_sandbox_name_suffix(const char *seed, int n, char *buf, size_t len);

/* How the pods of a Deployment are doing. */
typedef enum fo_sandbox_pod_state {
    FO_SANDBOX_POD_STARTING, /* Pending, containers being created */
    FO_SANDBOX_POD_RUNNING,  /* Running and Ready */
    FO_SANDBOX_POD_FAILING,  /* the main container waits with a failure reason */
} fo_sandbox_pod_state;

/* What the deployment controller knows when it writes status. */
typedef struct fo_sandbox_rollout {
    int64_t generation;         /* metadata.generation -> observedGeneration */
    int64_t replicas;           /* spec.replicas */
    int64_t pods;               /* pods that exist (all of the current template) */
    int64_t ready;              /* of those, Ready (minReadySeconds 0: also available) */
    const char *rs_name;        /* "<deployment>-<hash>" */
    const char *failure;        /* ReplicaFailure message, or NULL */
    const char *failure_reason; /* its reason; NULL = FailedCreate */
    int64_t now_ms;             /* for condition times */
} fo_sandbox_rollout;

/* The status for a rollout. current (may be NULL) is the stored status: a condition keeps its
 * lastTransitionTime while its status stays, and its lastUpdateTime while nothing changes, so
 * an unchanged rollout gives a status equal to the stored one (no write). Zero counts are left
 * out, as the API's omitempty does. */
json_t *fo_sandbox_deployment_status(const fo_sandbox_rollout *r, const json_t *current);

/* A pod of a Deployment (metadata + spec, no status): template labels plus pod-template-hash,
 * template annotations, ownerReference to the Deployment, the template's spec on node
 * "sandbox-node". */
json_t *fo_sandbox_pod(const json_t *deployment, const char *pod_name, const char *hash);

/* A TaskManager pod that Flink's native resource manager creates for cluster `cluster_id`
 * (name <cluster-id>-taskmanager-1-<index>, labels type/app/component=taskmanager, owned by
 * the JobManager Deployment, restartPolicy Never, port taskmanager-rpc 6122). */
json_t *fo_sandbox_native_tm_pod(const json_t *jm_deployment, const char *cluster_id, int index);

/* A pod's status: state, the failure reason/message (FAILING only; reason NULL =
 * CrashLoopBackOff), restarts of the main container, start time and pod IP index. The main
 * container is flink-main-container (else the first); other containers run normally. */
typedef struct fo_sandbox_pod_status_in {
    fo_sandbox_pod_state state;
    const char *reason;
    const char *message;
    int restarts;
    int64_t started_ms;
    int ip_index;
} fo_sandbox_pod_status_in;
json_t *fo_sandbox_pod_status(const json_t *pod, const fo_sandbox_pod_status_in *in);

#endif
