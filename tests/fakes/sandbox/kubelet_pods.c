/* Pods and Deployment status: what the ReplicaSet controller, the kubelet and the deployment
 * controller would write for one Deployment in its current phase. Writes happen only when
 * the stored objects differ from what they should be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "tests/fakes/sandbox/kubelet_int.h"
#include "tests/fakes/sandbox/workload.h"

/* Most pods one Deployment gets (replicas above it are capped). */
#define MAX_PODS_PER_DEPLOYMENT 64

void kl_pod_name(const workload *w, int index, char *buf, size_t len)
{
    char seed[400], suffix[8];
    snprintf(seed, sizeof seed, "%s/%s/%d/%d", w->uid, w->hash, w->pod_gen, index);
    fo_sandbox_name_suffix(seed, 5, suffix, sizeof suffix);
    snprintf(buf, len, "%s-%s-%s", w->name, w->hash, suffix);
}

static bool owned_by(const json_t *pod, const char *uid)
{
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(pod, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (u && strcmp(u, uid) == 0)
            return true;
    }
    return false;
}

static bool failed_create(const workload *w)
{
    return w->phase == PH_FAILING && w->fault && strcmp(w->fault->reason, "FailedCreate") == 0;
}

static int main_pods_wanted(const workload *w)
{
    if (w->phase == PH_STOPPED || w->deleting || failed_create(w))
        return 0;
    return w->replicas > MAX_PODS_PER_DEPLOYMENT ? MAX_PODS_PER_DEPLOYMENT : (int)w->replicas;
}

static int tm_pods_wanted(const workload *w)
{
    if (w->role != ROLE_JM || !w->cluster_up || w->standalone || !w->view)
        return 0;
    int64_t n = 0;
    fo_json_get_int(w->view, "taskManagers", &n);
    return n > MAX_PODS_PER_DEPLOYMENT ? MAX_PODS_PER_DEPLOYMENT : (int)n;
}

/* True when every member of want equals the same member of have (the server may add more). */
static bool subset_equal(const json_t *want, const json_t *have)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)want, key, v)
    {
        if (!fo_json_equal(v, json_object_get(have, key)))
            return false;
    }
    return true;
}

static const json_t *find_pod(const json_t *pods, const char *ns, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p)
    {
        const char *n = fo_json_get_str(p, "metadata.name");
        const char *pns = fo_json_get_str(p, "metadata.namespace");
        if (n && pns && strcmp(n, name) == 0 && strcmp(pns, ns) == 0)
            return p;
    }
    return NULL;
}

static void pod_path(const char *ns, const char *name, const char *sub, char *buf, size_t len)
{
    snprintf(buf, len, "/api/v1/namespaces/%s/pods/%s%s", ns, name, sub);
}

/* Create the pod when absent, then make its status what `st` says. */
static bool ensure_pod(fo_sandbox_kubelet *k, const workload *w, const json_t *pods,
                       json_t *(*make)(const workload *, int), int index, const char *name,
                       const fo_sandbox_pod_status_in *st)
{
    char path[700];
    const json_t *have = find_pod(pods, w->ns, name);
    json_t *created = NULL;
    if (have && fo_json_get(have, "metadata.deletionTimestamp"))
        return false; /* going away; its replacement comes in a later pass */
    if (!have) {
        json_t *pod = make(w, index);
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", w->ns);
        int code = fo_fake_apiserver_call(k->o.api, "POST", path, NULL, pod, &created, NULL);
        json_decref(pod);
        if (code != 201) {
            const char *msg = fo_json_str(created, "message");
            fo_log_warn("sandbox: creating pod %s/%s answered %d: %.300s", w->ns, name, code,
                        msg ? msg : "");
            json_decref(created);
            return false;
        }
        have = created;
    }
    json_t *status = fo_sandbox_pod_status(have, st);
    if (!subset_equal(status, json_object_get(have, "status"))) {
        json_t *body = json_deep_copy(have);
        json_object_set_new(body, "apiVersion", json_string("v1")); /* list items have none */
        json_object_set_new(body, "kind", json_string("Pod"));
        json_object_set(body, "status", status);
        pod_path(w->ns, name, "/status", path, sizeof path);
        kl_call(k, "PUT", path, NULL, body, 409);
        json_decref(body);
    }
    json_decref(status);
    json_decref(created);
    return true;
}

bool kl_volume_missing(fo_sandbox_kubelet *k, const workload *w, char *why, size_t len)
{
    size_t i;
    json_t *v;
    json_array_foreach(fo_json_get(w->obj, "spec.template.spec.volumes"), i, v)
    {
        const char *kind = NULL, *name = NULL;
        const json_t *src;
        if ((src = json_object_get(v, "configMap"))) {
            kind = "configmap";
            name = fo_json_str(src, "name");
        } else if ((src = json_object_get(v, "secret"))) {
            kind = "secret";
            name = fo_json_str(src, "secretName");
        }
        if (!kind || !name || json_is_true(json_object_get(src, "optional")))
            continue;
        char path[700];
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/%ss/%s", w->ns, kind, name);
        json_t *obj = kl_get(k, path);
        json_decref(obj);
        if (!obj) {
            const char *vol = fo_json_str(v, "name");
            snprintf(why, len, "MountVolume.SetUp failed for volume \"%s\" : %s \"%s\" not found",
                     vol ? vol : "", kind, name);
            return true;
        }
    }
    return false;
}

/* The kubelet's Warning about a volume of the pod it cannot mount, on the pod (involvedObject
 * with its uid), once per pod and message: the name is derived from both, so later passes
 * find it there (409) as a kubelet folds its repeats into one Event. */
static void mount_event(fo_sandbox_kubelet *k, const workload *w, const json_t *pod)
{
    const char *name = fo_json_get_str(pod, "metadata.name");
    const char *uid = fo_json_get_str(pod, "metadata.uid");
    if (!name || !uid)
        return;
    char seed[1100], suffix[20], ev_name[400], ts[40];
    snprintf(seed, sizeof seed, "%s/%s", uid, w->mount_failure);
    fo_sandbox_name_suffix(seed, 16, suffix, sizeof suffix);
    snprintf(ev_name, sizeof ev_name, "%s.%s", name, suffix);
    fo_clock_format_rfc3339(kl_now(k), false, ts, sizeof ts);
    json_t *ev = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:O?}, s:s, s:s, s:{s:s, s:s},"
        " s:s, s:s, s:i, s:s, s:s, s:s}",
        "apiVersion", "v1", "kind", "Event", "metadata", "name", ev_name, "namespace", w->ns,
        "involvedObject", "apiVersion", "v1", "kind", "Pod", "name", name, "namespace", w->ns,
        "uid", uid, "resourceVersion", fo_json_get(pod, "metadata.resourceVersion"), "reason",
        "FailedMount", "message", w->mount_failure, "source", "component", "kubelet", "host",
        FO_SANDBOX_NODE_NAME, "firstTimestamp", ts, "lastTimestamp", ts, "count", 1, "type",
        "Warning", "reportingComponent", "kubelet", "reportingInstance", FO_SANDBOX_NODE_NAME);
    if (!ev)
        return;
    char path[300];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/events", w->ns);
    kl_call(k, "POST", path, NULL, ev, 409);
    json_decref(ev);
}

static json_t *make_main_pod(const workload *w, int index)
{
    char name[320];
    kl_pod_name(w, index, name, sizeof name);
    return fo_sandbox_pod(w->obj, name, w->hash);
}

static json_t *make_tm_pod(const workload *w, int index)
{
    return fo_sandbox_native_tm_pod(w->obj, w->cluster_id, index + 1);
}

void kl_pods_converge(fo_sandbox_kubelet *k, workload *w, const json_t *pods)
{
    int nmain = main_pods_wanted(w), ntm = tm_pods_wanted(w);
    char(*names)[320] = calloc((size_t)(nmain + ntm) + 1, sizeof *names);
    if (!names)
        return;
    for (int i = 0; i < nmain; i++)
        kl_pod_name(w, i, names[i], sizeof names[i]);
    for (int i = 0; i < ntm; i++)
        snprintf(names[nmain + i], sizeof names[0], "%s-taskmanager-1-%d", w->cluster_id, i + 1);

    /* Pods of ours that should not exist. */
    size_t j;
    json_t *p;
    json_array_foreach(pods, j, p)
    {
        const char *ns = fo_json_get_str(p, "metadata.namespace");
        const char *n = fo_json_get_str(p, "metadata.name");
        if (!ns || !n || strcmp(ns, w->ns) != 0 || !owned_by(p, w->uid) ||
            fo_json_get(p, "metadata.deletionTimestamp"))
            continue;
        bool wanted = false;
        for (int i = 0; i < nmain + ntm && !wanted; i++)
            wanted = strcmp(names[i], n) == 0;
        if (!wanted) {
            char path[700];
            pod_path(ns, n, "", path, sizeof path);
            kl_call(k, "DELETE", path, NULL, NULL, 404);
        }
    }

    fo_sandbox_pod_status_in st = {.restarts = w->restarts};
    switch (w->phase) {
    case PH_RUNNING:
        st.state = FO_SANDBOX_POD_RUNNING;
        st.started_ms = w->started_ms;
        break;
    case PH_FAILING:
        st.state = FO_SANDBOX_POD_FAILING;
        st.reason = w->fault ? w->fault->reason : NULL;
        st.message = w->fault && w->fault->message[0] ? w->fault->message : NULL;
        st.started_ms = w->since_ms;
        break;
    default:
        st.state = FO_SANDBOX_POD_STARTING;
        st.started_ms = w->since_ms;
        break;
    }
    bool all = nmain > 0;
    for (int i = 0; i < nmain; i++) {
        st.ip_index = w->ip_base + i;
        all = ensure_pod(k, w, pods, make_main_pod, i, names[i], &st) && all;
        const json_t *pod = find_pod(pods, w->ns, names[i]); /* made in an earlier pass */
        if (w->phase == PH_STARTING && w->mount_failure[0] && pod)
            mount_event(k, w, pod);
    }
    if (all)
        w->pods_made = true;
    fo_sandbox_pod_status_in tm = {.state = FO_SANDBOX_POD_RUNNING, .started_ms = w->started_ms};
    for (int i = 0; i < ntm; i++) {
        tm.ip_index = w->ip_base + 8 + i;
        ensure_pod(k, w, pods, make_tm_pod, i, names[nmain + i], &tm);
    }
    free(names);
}

void kl_status_converge(fo_sandbox_kubelet *k, workload *w, const json_t *pods)
{
    (void)pods;
    if (w->deleting || !w->obj)
        return;
    char rs[300];
    snprintf(rs, sizeof rs, "%s-%s", w->name, w->hash);
    int npods = main_pods_wanted(w);
    fo_sandbox_rollout r = {.generation = w->generation,
                            .replicas = w->replicas,
                            .pods = npods,
                            .ready = w->phase == PH_RUNNING ? npods : 0,
                            .rs_name = rs,
                            .now_ms = kl_now(k)};
    char failure[900];
    if (failed_create(w)) {
        if (w->fault->message[0])
            snprintf(failure, sizeof failure, "%s", w->fault->message);
        else
            snprintf(failure, sizeof failure,
                     "pods \"%s-\" is forbidden: exceeded quota: compute-resources", rs);
        r.failure = failure;
    } else if (w->phase == PH_FAILING && w->fault) {
        /* The contract: a failing JobManager also shows on its Deployment (a real
         * deployment controller would only report ProgressDeadlineExceeded, minutes later),
         * with the pod's reason and the kubelet's message, so a controller that reads
         * Deployments only still sees why. */
        char pod[320];
        kl_pod_name(w, 0, pod, sizeof pod);
        if (w->fault->message[0])
            snprintf(failure, sizeof failure, "pod %s: %s", pod, w->fault->message);
        else
            snprintf(failure, sizeof failure,
                     "pod %s: container flink-main-container is waiting: %s", pod,
                     w->fault->reason);
        r.failure = failure;
        r.failure_reason = w->fault->reason;
    }
    const json_t *current = json_object_get(w->obj, "status");
    json_t *status = fo_sandbox_deployment_status(&r, current);
    if (!fo_json_equal(status, current)) {
        json_t *body = json_deep_copy(w->obj);
        json_object_set_new(body, "apiVersion", json_string("apps/v1"));
        json_object_set_new(body, "kind", json_string("Deployment"));
        json_object_set(body, "status", status);
        char path[700];
        snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/deployments/%s/status", w->ns,
                 w->name);
        kl_call(k, "PUT", path, NULL, body, 409);
        json_decref(body);
    }
    json_decref(status);
}
