#include "tests/fakes/sandbox/workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"

#define MAIN_CONTAINER "flink-main-container"

/* k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and look-alikes. */
static const char safe_alpha[] = "bcdfghjklmnpqrstvwxz2456789";

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

void fo_sandbox_template_hash(const json_t *deployment, char *buf, size_t len)
{
    char *text = fo_json_dumps_canonical(fo_json_get(deployment, "spec.template"));
    char num[16];
    snprintf(num, sizeof num, "%" PRIu32, fnv1a(text ? text : ""));
    free(text);
    size_t i = 0;
    for (; num[i] && i + 1 < len; i++)
        buf[i] = safe_alpha[(unsigned char)num[i] % (sizeof safe_alpha - 1)];
    buf[i] = '\0';
}

void fo_sandbox_name_suffix(const char *seed, int n, char *buf, size_t len)
{
    uint32_t h = fnv1a(seed);
    int i = 0;
    for (; i < n && (size_t)i + 1 < len; i++) {
        buf[i] = safe_alpha[h % (sizeof safe_alpha - 1)];
        h = h / (sizeof safe_alpha - 1) ^ (h * 2654435761u);
    }
    buf[i] = '\0';
}

/* ---- Deployment status ---- */

static json_t *condition(const json_t *current, const char *type, const char *status,
                         const char *reason, const char *message, int64_t now_ms)
{
    char now[40];
    fo_clock_format_rfc3339(now_ms, false, now, sizeof now);
    const char *transition = now, *update = now;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(current, "conditions"), i, c)
    {
        const char *t = fo_json_str(c, "type");
        if (!t || strcmp(t, type) != 0)
            continue;
        const char *s = fo_json_str(c, "status");
        if (s && strcmp(s, status) == 0) {
            if (fo_json_str(c, "lastTransitionTime"))
                transition = fo_json_str(c, "lastTransitionTime");
            const char *r = fo_json_str(c, "reason"), *m = fo_json_str(c, "message");
            if (r && m && strcmp(r, reason) == 0 && strcmp(m, message) == 0 &&
                fo_json_str(c, "lastUpdateTime"))
                update = fo_json_str(c, "lastUpdateTime");
        }
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status,
                     "lastUpdateTime", update, "lastTransitionTime", transition, "reason", reason,
                     "message", message);
}

static void set_count(json_t *status, const char *key, int64_t n)
{
    if (n > 0)
        json_object_set_new(status, key, json_integer(n));
}

json_t *fo_sandbox_deployment_status(const fo_sandbox_rollout *r, const json_t *current)
{
    json_t *status = json_object();
    json_object_set_new(status, "observedGeneration", json_integer(r->generation));
    set_count(status, "replicas", r->pods);
    set_count(status, "updatedReplicas", r->pods);
    set_count(status, "readyReplicas", r->ready);
    set_count(status, "availableReplicas", r->ready);
    set_count(status, "unavailableReplicas", r->replicas - r->ready);
    json_t *conds = json_array();
    /* DeploymentComplete-style availability: the Deployment is available when at least
     * replicas - maxUnavailable pods are; the Flink Deployments use Recreate, so that is
     * every replica (and trivially true at 0 replicas). */
    bool available = r->ready >= r->replicas;
    json_array_append_new(
        conds, condition(current, "Available", available ? "True" : "False",
                         available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                         available ? "Deployment has minimum availability."
                                   : "Deployment does not have minimum availability.",
                         r->now_ms));
    char msg[512];
    const char *reason;
    if (available) {
        reason = "NewReplicaSetAvailable";
        snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", r->rs_name);
    } else {
        reason = "ReplicaSetUpdated";
        snprintf(msg, sizeof msg, "ReplicaSet \"%s\" is progressing.", r->rs_name);
    }
    json_array_append_new(conds, condition(current, "Progressing", "True", reason, msg, r->now_ms));
    if (r->failure)
        json_array_append_new(conds,
                              condition(current, "ReplicaFailure", "True",
                                        r->failure_reason ? r->failure_reason : "FailedCreate",
                                        r->failure, r->now_ms));
    json_object_set_new(status, "conditions", conds);
    return status;
}

/* ---- Pods ---- */

static json_t *owner(const json_t *deployment)
{
    return json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", "apps/v1", "kind",
                     "Deployment", "name", fo_json_get_str(deployment, "metadata.name"), "uid",
                     fo_json_get_str(deployment, "metadata.uid"), "controller", 1,
                     "blockOwnerDeletion", 1);
}

json_t *fo_sandbox_pod(const json_t *deployment, const char *pod_name, const char *hash)
{
    const json_t *tmpl = fo_json_get(deployment, "spec.template");
    json_t *labels = json_deep_copy(fo_json_get(tmpl, "metadata.labels"));
    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(labels, "pod-template-hash", json_string(hash));
    json_t *meta = json_pack("{s:s, s:s, s:o, s:o}", "name", pod_name, "namespace",
                             fo_json_get_str(deployment, "metadata.namespace"), "labels", labels,
                             "ownerReferences", owner(deployment));
    const json_t *ann = fo_json_get(tmpl, "metadata.annotations");
    if (json_is_object(ann) && json_object_size(ann))
        json_object_set_new(meta, "annotations", json_deep_copy(ann));
    json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
    if (!json_is_object(spec)) {
        json_decref(spec);
        spec = json_object();
    }
    json_object_set_new(spec, "nodeName", json_string(FO_SANDBOX_NODE_NAME));
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", meta,
                     "spec", spec);
}

json_t *fo_sandbox_native_tm_pod(const json_t *jm_deployment, const char *cluster_id, int index)
{
    char name[320], cmd[512];
    snprintf(name, sizeof name, "%s-taskmanager-1-%d", cluster_id, index);
    snprintf(cmd, sizeof cmd, "kubernetes-taskmanager.sh -Dtaskmanager.resource-id=%s", name);
    const json_t *jm_spec = fo_json_get(jm_deployment, "spec.template.spec");
    const char *image = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(jm_spec, "containers"), i, c)
    {
        if (!image || (fo_json_str(c, "name") && !strcmp(fo_json_str(c, "name"), MAIN_CONTAINER)))
            image = fo_json_str(c, "image");
    }
    json_t *pod = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s}, s:o}, s:{s:s, s:s, s:[{s:s, s:s, "
        "s:[s, s, s], s:[{s:s, s:i, s:s}]}]}}",
        "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
        fo_json_get_str(jm_deployment, "metadata.namespace"), "labels", "type",
        "flink-native-kubernetes", "app", cluster_id, "component", "taskmanager", "ownerReferences",
        owner(jm_deployment), "spec", "restartPolicy", "Never", "nodeName", FO_SANDBOX_NODE_NAME,
        "containers", "name", MAIN_CONTAINER, "image", image ? image : "flink", "args", "bash",
        "-c", cmd, "ports", "name", "taskmanager-rpc", "containerPort", 6122, "protocol", "TCP");
    const char *sa = fo_json_str(jm_spec, "serviceAccountName");
    if (pod && sa)
        json_object_set_new(json_object_get(pod, "spec"), "serviceAccountName", json_string(sa));
    return pod;
}

static json_t *pod_condition(const char *type, bool ok, const char *reason, const char *message,
                             const char *when)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:n}", "type", type, "status", ok ? "True" : "False",
                          "lastTransitionTime", when, "lastProbeTime");
    if (!ok && reason) {
        json_object_set_new(c, "reason", json_string(reason));
        json_object_set_new(c, "message", json_string(message));
    }
    return c;
}

static bool pending_reason(const char *reason)
{
    return strcmp(reason, "ImagePullBackOff") == 0 || strcmp(reason, "ErrImagePull") == 0 ||
           strcmp(reason, "CreateContainerConfigError") == 0 ||
           strcmp(reason, "InvalidImageName") == 0 || strcmp(reason, "ContainerCreating") == 0;
}

json_t *fo_sandbox_pod_status(const json_t *pod, const fo_sandbox_pod_status_in *in)
{
    char started[40];
    fo_clock_format_rfc3339(in->started_ms, false, started, sizeof started);
    const char *reason = in->reason ? in->reason : "CrashLoopBackOff";
    const char *pod_name = fo_json_get_str(pod, "metadata.name");
    bool running = in->state == FO_SANDBOX_POD_RUNNING;
    bool pending = in->state == FO_SANDBOX_POD_STARTING ||
                   (in->state == FO_SANDBOX_POD_FAILING && pending_reason(reason));
    json_t *statuses = json_array();
    json_t *unready = json_array();
    const json_t *containers = fo_json_get(pod, "spec.containers");
    size_t i;
    json_t *c;
    const char *main_name = NULL;
    json_array_foreach(containers, i, c)
    {
        const char *n = fo_json_str(c, "name");
        if (n && strcmp(n, MAIN_CONTAINER) == 0)
            main_name = n;
    }
    if (!main_name)
        main_name = fo_json_str(json_array_get(containers, 0), "name");
    json_array_foreach(containers, i, c)
    {
        const char *n = fo_json_str(c, "name");
        const char *image = fo_json_str(c, "image");
        bool is_main = n && main_name && strcmp(n, main_name) == 0;
        json_t *cs = json_pack("{s:s, s:s, s:s}", "name", n ? n : "", "image", image ? image : "",
                               "imageID", "");
        json_t *state;
        bool ready = false;
        if (in->state == FO_SANDBOX_POD_STARTING) {
            state = json_pack("{s:{s:s}}", "waiting", "reason", "ContainerCreating");
        } else if (in->state == FO_SANDBOX_POD_FAILING && is_main) {
            char msg[768];
            if (in->message && *in->message)
                snprintf(msg, sizeof msg, "%s", in->message);
            else if (pending_reason(reason))
                snprintf(msg, sizeof msg, "Back-off pulling image \"%s\"", image ? image : "");
            else
                snprintf(msg, sizeof msg,
                         "back-off 5m0s restarting failed container=%s pod=%s_%s(%s)", n,
                         pod_name ? pod_name : "", fo_json_get_str(pod, "metadata.namespace"),
                         fo_json_get_str(pod, "metadata.uid") ? fo_json_get_str(pod, "metadata.uid")
                                                              : "");
            state = json_pack("{s:{s:s, s:s}}", "waiting", "reason", reason, "message", msg);
            if (!pending_reason(reason))
                json_object_set_new(
                    cs, "lastState",
                    json_pack("{s:{s:i, s:s, s:s, s:s}}", "terminated", "exitCode",
                              strcmp(reason, "OOMKilled") == 0 ? 137 : 1, "reason",
                              strcmp(reason, "OOMKilled") == 0 ? "OOMKilled" : "Error", "startedAt",
                              started, "finishedAt", started));
        } else if (pending) {
            state = json_pack("{s:{s:s}}", "waiting", "reason", "PodInitializing");
        } else {
            state = json_pack("{s:{s:s}}", "running", "startedAt", started);
            ready = true;
        }
        json_object_set_new(cs, "state", state);
        json_object_set_new(cs, "ready", json_boolean(ready));
        json_object_set_new(cs, "started", json_boolean(ready));
        json_object_set_new(cs, "restartCount", json_integer(is_main ? in->restarts : 0));
        json_array_append_new(statuses, cs);
        if (!ready)
            json_array_append_new(unready, json_string(n ? n : ""));
    }
    /* kubelet prints the Go slice of names: [a b]. */
    char clean[1024] = "containers with unready status: [";
    size_t k;
    json_t *u;
    json_array_foreach(unready, k, u)
    {
        size_t used = strlen(clean);
        snprintf(clean + used, sizeof clean - used, "%s%s", k ? " " : "", json_string_value(u));
    }
    size_t used = strlen(clean);
    snprintf(clean + used, sizeof clean - used, "]");
    json_decref(unready);
    json_t *conds = json_array();
    json_array_append_new(conds, pod_condition("PodReadyToStartContainers", !pending || running,
                                               NULL, NULL, started));
    json_array_append_new(conds, pod_condition("Initialized", true, NULL, NULL, started));
    json_array_append_new(conds,
                          pod_condition("Ready", running, "ContainersNotReady", clean, started));
    json_array_append_new(
        conds, pod_condition("ContainersReady", running, "ContainersNotReady", clean, started));
    json_array_append_new(conds, pod_condition("PodScheduled", true, NULL, NULL, started));
    json_t *status =
        json_pack("{s:s, s:o, s:s, s:s, s:o, s:s}", "phase", pending ? "Pending" : "Running",
                  "conditions", conds, "hostIP", "10.0.0.10", "startTime", started,
                  "containerStatuses", statuses, "qosClass", "Burstable");
    if (!pending) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.244.%d.%d", (in->ip_index / 250) % 250, in->ip_index % 250 + 2);
        json_object_set_new(status, "podIP", json_string(ip));
        json_object_set_new(status, "podIPs", json_pack("[{s:s}]", "ip", ip));
    }
    return status;
}
