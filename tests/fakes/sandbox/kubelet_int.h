#ifndef FO_SANDBOX_KUBELET_INT_H
#define FO_SANDBOX_KUBELET_INT_H

/* Internals shared by kubelet.c (passes, phases), kubelet_pods.c (pods and Deployment status)
 * and kubelet_flink.c (clusters, HA ConfigMaps, TaskManagers). Everything here runs with
 * k->mu held. */

#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/fakes/sandbox/kubelet.h"

typedef enum wl_role { ROLE_OTHER, ROLE_JM, ROLE_TM } wl_role;
typedef enum wl_phase { PH_STOPPED, PH_STARTING, PH_RUNNING, PH_FAILING } wl_phase;

typedef struct wl_fault {
    char ns[64], name[254];
    char reason[64], message[512];
} wl_fault;

/* One Deployment as the kubelet tracks it. */
typedef struct workload {
    char ns[64], name[254], uid[64], hash[16];
    int64_t replicas, generation;
    wl_role role;
    wl_phase phase;
    int64_t since_ms;   /* pods created (STARTING) */
    int64_t started_ms; /* containers running (RUNNING) */
    int restarts;       /* main container restarts (the cluster vanished) */
    int pod_gen;        /* bumped when a pod was deleted: the replacement gets a new name */
    bool pods_made;     /* the pods of this template were created */
    bool deleting;
    bool seen; /* listed in this pass */
    int ip_base;
    char waiting[512];     /* why STARTING does not finish (missing ConfigMap, ...) */
    char mount_failure[512]; /* a volume of its pods that cannot be mounted ("" = none) */
    const wl_fault *fault; /* this pass */
    /* JobManagers: the cluster started from the launch. */
    bool cluster_up;
    char cluster_id[256];
    bool ha, flink2, standalone, application;
    int retained;
    json_t *view; /* the fake Flink control view of this pass (owned), or NULL */
    json_t *obj;  /* the Deployment of this pass (owned), or NULL */
} workload;

struct fo_sandbox_kubelet {
    fo_sandbox_kubelet_opts o;
    pthread_mutex_t mu;
    pthread_t thread;
    bool thread_started;
    volatile bool stop;
    volatile bool dirty;
    workload **wl;
    size_t nwl, capwl;
    wl_fault faults[FO_SANDBOX_MAX_FAULTS];
    size_t nfaults;
    int64_t passes;
    int next_ip;
};

int64_t kl_now(const fo_sandbox_kubelet *k);

/* In-process API calls. kl_get: the object or NULL (404 or error). kl_call returns the HTTP
 * status and logs failures other than `quiet` (0 = none). */
json_t *kl_get(fo_sandbox_kubelet *k, const char *path);
int kl_call(fo_sandbox_kubelet *k, const char *method, const char *path, const char *ctype,
            const json_t *body, int quiet);

/* kubelet_pods.c: the name of the index-th pod of w's current template. */
void kl_pod_name(const workload *w, int index, char *buf, size_t len);
/* kubelet_pods.c: converge the pods of w (pods = every Pod of this pass) and write w's status. */
void kl_pods_converge(fo_sandbox_kubelet *k, workload *w, const json_t *pods);
void kl_status_converge(fo_sandbox_kubelet *k, workload *w, const json_t *pods);

/* kubelet_pods.c: a configMap or secret volume (not optional) of w's pod template whose
 * object does not exist, as the kubelet's volume manager words it ("MountVolume.SetUp failed
 * for volume \"v\" : secret \"s\" not found") into why; false when every one mounts. */
bool kl_volume_missing(fo_sandbox_kubelet *k, const workload *w, char *why, size_t len);

/* kubelet_flink.c */
bool kl_cluster_start(fo_sandbox_kubelet *k, workload *w); /* false: stays STARTING (waiting) */
void kl_cluster_stop(fo_sandbox_kubelet *k, workload *w, const char *why);
bool kl_cluster_exists(fo_sandbox_kubelet *k, workload *w);
void kl_cluster_refresh(fo_sandbox_kubelet *k, workload *w); /* TaskManagers, HA, view */

/* The workload of ns/name, or NULL. */
workload *kl_find(fo_sandbox_kubelet *k, const char *ns, const char *name);

#endif
