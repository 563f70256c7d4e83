#ifndef FO_SANDBOX_KUBELET_H
#define FO_SANDBOX_KUBELET_H

/* The simulated kubelet and deployment controller of the sandbox: it watches the Deployments
 * of a fake API server and plays what a real cluster does with them.
 *
 *   - Every Deployment gets Pods (owned by it; see workload.h) that start, then become Ready
 *     `ready_delay_ms` after they were created; its status is written through the /status
 *     subresource like the deployment controller writes it, and only when it changes.
 *   - A Flink JobManager Deployment (labels component=jobmanager and type
 *     flink-native-kubernetes / flink-standalone-kubernetes) also starts a cluster in the fake
 *     Flink at /{namespace}/{cluster-id} when its pods become Ready, from its ConfigMap and
 *     container args (launch.h); the pods stay in ContainerCreating while that ConfigMap is
 *     missing. Scaling to 0 or deleting the Deployment removes the cluster; a changed pod
 *     template (a rollout; the Deployments are Recreate) restarts it from the new
 *     configuration; deleting a JobManager pod restarts it too (a new pod), and so does a
 *     cluster that disappeared from the fake Flink (a crashed JobManager: its container's
 *     restartCount goes up).
 *   - With Kubernetes HA configured, Flink's HA ConfigMaps (ha.h) are written as the cluster's
 *     jobs start and complete checkpoints, and cleaned when a job reaches a globally terminal
 *     state; a starting cluster recovers its job id and latest checkpoint from them.
 *   - TaskManagers: standalone clusters get as many as the TaskManager Deployment
 *     (`<cluster-id>-taskmanager`) has ready pods; native session clusters as many as their
 *     jobs need (Flink's active resource manager); native clusters get TaskManager pods
 *     `<cluster-id>-taskmanager-1-<n>` owned by the JobManager Deployment.
 *   - Volumes: a configMap or secret volume (not optional) of a pod template whose object does
 *     not exist keeps the pods in ContainerCreating (PodReadyToStartContainers False), with the
 *     kubelet's Warning FailedMount Event on each pod ("MountVolume.SetUp failed for volume
 *     \"v\" : secret \"s\" not found", one Event per pod and message); they start once it
 *     exists.
 *   - Faults: fo_sandbox_kubelet_set_fault makes a Deployment's pods fail (CrashLoopBackOff,
 *     ImagePullBackOff, ...: the main container waits with that reason, the Flink cluster goes
 *     away, and the Deployment gets condition ReplicaFailure with the same reason, as the
 *     issue's contract asks) or, with reason FailedCreate, keeps it from creating pods
 *     (condition ReplicaFailure, reason FailedCreate).
 *
 * The work happens in passes (level-triggered: each pass lists Deployments and Pods and
 * converges them), run by a thread after every watch event and every `resync_ms`, or by the
 * caller with fo_sandbox_kubelet_sync (opts.no_thread; tests with a fake clock).
 *
 * Thread-safety: every function may be called from any thread; passes are serialised. */

#include <jansson.h>
#include <stdbool.h>

#include "common/clock.h"
#include "common/rc.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/flink/fake_flink.h"

/* Most faults remembered at once. */
#define FO_SANDBOX_MAX_FAULTS 256

typedef struct fo_sandbox_kubelet fo_sandbox_kubelet;

typedef struct fo_sandbox_kubelet_opts {
    fo_fake_apiserver *api; /* borrowed; must outlive the kubelet */
    fo_fake_flink *flink;   /* borrowed; must outlive the kubelet */
    const fo_clock *clock;  /* NULL = the real clock; borrowed */
    int ready_delay_ms;     /* pod creation -> Ready; < 0 = 0 */
    int resync_ms;          /* pass at least this often; 0 = 250 */
    bool no_thread;         /* no thread: the caller runs passes with fo_sandbox_kubelet_sync */
} fo_sandbox_kubelet_opts;

/* Start (and its thread unless opts->no_thread). NULL with err when an option is wrong or the
 * API server does not serve Deployments and Pods. */
fo_sandbox_kubelet *fo_sandbox_kubelet_start(const fo_sandbox_kubelet_opts *opts, fo_err *err);

/* Stop the thread and free. The Flink clusters it started stay in the fake Flink. NULL ok. */
void fo_sandbox_kubelet_stop(fo_sandbox_kubelet *k);

/* Run one pass now. */
void fo_sandbox_kubelet_sync(fo_sandbox_kubelet *k);

/* Make the pods of Deployment ns/name fail with `reason` (CrashLoopBackOff, ImagePullBackOff,
 * ErrImagePull, CreateContainerConfigError, RunContainerError, OOMKilled; FailedCreate = no
 * pods and a ReplicaFailure condition) and `message` (NULL = the kubelet's usual text), from
 * the next pass on; reason NULL clears the fault (the pods start again). The Deployment need
 * not exist yet. FO_EINVAL for an unknown reason, FO_ELIMIT past FO_SANDBOX_MAX_FAULTS. */
fo_rc fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet *k, const char *ns, const char *name,
                                   const char *reason, const char *message, fo_err *err);

/* What the kubelet tracks (new reference): {"deployments": [{namespace, name, role, phase,
 * replicas, restarts, cluster, waitingFor, fault}], "passes": n}. */
json_t *fo_sandbox_kubelet_state(fo_sandbox_kubelet *k);

#endif
