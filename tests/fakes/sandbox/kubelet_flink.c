/* The Flink side of a JobManager Deployment: start its cluster in the fake Flink from the
 * ConfigMap, args and HA data (launch.h), keep its TaskManager count where the cluster would
 * have it, and write Flink's Kubernetes HA ConfigMaps (ha.h) as its jobs run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "tests/fakes/sandbox/ha.h"
#include "tests/fakes/sandbox/kubelet_int.h"
#include "tests/fakes/sandbox/launch.h"

#define LEADER_ANNOTATION "control-plane.alpha.kubernetes.io/leader"
/* kubernetes.transactional-operation.max-retries: Flink's default. */
#define HA_MAX_RETRIES 5

static bool terminal(const char *state)
{
    /* Flink's globally terminal job states: the job's HA data is cleaned up. */
    return state && (strcmp(state, "FINISHED") == 0 || strcmp(state, "CANCELED") == 0 ||
                     strcmp(state, "FAILED") == 0);
}

/* The TaskManager Deployment of a standalone cluster (labels app=<cluster-id>,
 * component=taskmanager in the same namespace). */
static const workload *tm_workload(fo_sandbox_kubelet *k, const char *ns, const char *cluster_id)
{
    for (size_t i = 0; i < k->nwl; i++) {
        const workload *t = k->wl[i];
        const char *app = fo_json_get_str(t->obj, "metadata.labels.app");
        if (t->seen && t->role == ROLE_TM && strcmp(t->ns, ns) == 0 && app &&
            strcmp(app, cluster_id) == 0)
            return t;
    }
    return NULL;
}

static int ready_tms(fo_sandbox_kubelet *k, const char *ns, const char *cluster_id)
{
    const workload *t = tm_workload(k, ns, cluster_id);
    return t && t->phase == PH_RUNNING ? (int)t->replicas : 0;
}

static void set_waiting(workload *w, const char *why)
{
    if (strcmp(w->waiting, why) != 0)
        fo_log_info("sandbox: jobmanager %s/%s is not starting yet: %s", w->ns, w->name, why);
    snprintf(w->waiting, sizeof w->waiting, "%s", why);
}

bool kl_cluster_start(fo_sandbox_kubelet *k, workload *w)
{
    char cm_name[300], path[700];
    fo_sandbox_config_map_name(w->obj, cm_name, sizeof cm_name);
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps/%s", w->ns, cm_name);
    json_t *cm = kl_get(k, path);
    snprintf(path, sizeof path,
             "/api/v1/namespaces/%s/configmaps?labelSelector=configmap-type%%3Dhigh-availability",
             w->ns);
    json_t *ha_list = kl_get(k, path);
    fo_sandbox_launch l;
    fo_err err = {0};
    fo_rc rc = fo_sandbox_launch_build(w->obj, cm, json_object_get(ha_list, "items"), -1, &l, &err);
    json_decref(cm);
    json_decref(ha_list);
    if (rc != FO_OK) {
        char why[600];
        snprintf(why, sizeof why, "%s: %s",
                 rc == FO_ENOTFOUND ? "MountVolume.SetUp failed" : "the jobmanager exits",
                 err.message);
        set_waiting(w, why);
        return false;
    }
    /* TaskManagers: standalone from its TaskManager Deployment, native sessions start with
     * none (the resource manager asks for pods when jobs come). */
    if (l.standalone)
        json_object_set_new(l.spec, "taskManagers",
                            json_integer(ready_tms(k, w->ns, l.cluster_id)));
    else if (!l.application)
        json_object_set_new(l.spec, "taskManagers", json_integer(0));
    if (fo_fake_flink_exists(k->o.flink, w->ns, l.cluster_id))
        fo_fake_flink_delete(k->o.flink, w->ns, l.cluster_id, NULL);
    rc = fo_fake_flink_create(k->o.flink, w->ns, l.cluster_id, l.spec, &err);
    if (rc != FO_OK) {
        char why[600];
        snprintf(why, sizeof why, "the jobmanager exits: %s", err.message);
        set_waiting(w, why);
        fo_sandbox_launch_release(&l);
        return false;
    }
    w->cluster_up = true;
    snprintf(w->cluster_id, sizeof w->cluster_id, "%s", l.cluster_id);
    w->ha = l.ha;
    w->flink2 = l.flink2;
    w->standalone = l.standalone;
    w->application = l.application;
    w->retained = l.retained_checkpoints;
    if (l.application)
        fo_log_info("sandbox: jobmanager %s/%s is ready: application cluster %s, job %s, %s%s%s",
                    w->ns, w->name, l.cluster_id, l.job_id[0] ? l.job_id : "(new id)",
                    l.restore_path[0] ? "restored from " : "empty state", l.restore_path,
                    l.restore_from_ha ? " (HA)" : "");
    else
        fo_log_info("sandbox: jobmanager %s/%s is ready: session cluster %s", w->ns, w->name,
                    l.cluster_id);
    fo_sandbox_launch_release(&l);
    return true;
}

static void sync_ha(fo_sandbox_kubelet *k, workload *w);

void kl_cluster_stop(fo_sandbox_kubelet *k, workload *w, const char *why)
{
    if (!w->cluster_up)
        return;
    /* The sandbox copies pointers on its own passes; one last copy as the JobManager goes
     * hands whatever restores from the HA data next the newest checkpoint. Should it fail, the
     * data names older ones, which the fake Flink keeps until a write lands (write_job_map). */
    if (w->ha) {
        json_decref(w->view);
        w->view = fo_fake_flink_view(k->o.flink, w->ns, w->cluster_id);
        if (w->view)
            sync_ha(k, w);
    }
    w->cluster_up = false;
    fo_fake_flink_delete(k->o.flink, w->ns, w->cluster_id, NULL);
    fo_log_info("sandbox: flink cluster %s/%s stopped: %s", w->ns, w->cluster_id, why);
}

bool kl_cluster_exists(fo_sandbox_kubelet *k, workload *w)
{
    return w->cluster_up && fo_fake_flink_exists(k->o.flink, w->ns, w->cluster_id);
}

/* ---- TaskManagers ---- */

static int session_demand(const json_t *view)
{
    int64_t slots = 1, demand = 0;
    fo_json_get_int(view, "slotsPerTaskManager", &slots);
    size_t i;
    json_t *job;
    json_array_foreach(json_object_get(view, "jobs"), i, job)
    {
        int64_t p = 0;
        if (terminal(fo_json_str(job, "state")))
            continue;
        fo_json_get_int(job, "submission.parallelism", &p);
        demand += p > 0 ? p : 1;
    }
    if (slots < 1)
        slots = 1;
    return (int)((demand + slots - 1) / slots);
}

static void sync_taskmanagers(fo_sandbox_kubelet *k, workload *w)
{
    int want = -1;
    if (w->standalone)
        want = ready_tms(k, w->ns, w->cluster_id);
    else if (!w->application)
        want = session_demand(w->view);
    int64_t have = 0;
    fo_json_get_int(w->view, "taskManagers", &have);
    if (want < 0 || want == have)
        return;
    char path[700];
    snprintf(path, sizeof path, "/_fake/clusters/%s/%s/taskmanagers", w->ns, w->cluster_id);
    json_t *body = json_pack("{s:i}", "taskManagers", want);
    int code = fo_fake_flink_control(k->o.flink, "POST", path, body, NULL);
    json_decref(body);
    if (code / 100 != 2) {
        fo_log_warn("sandbox: setting %d taskmanagers on %s/%s answered %d", want, w->ns,
                    w->cluster_id, code);
        return;
    }
    json_decref(w->view);
    w->view = fo_fake_flink_view(k->o.flink, w->ns, w->cluster_id);
}

/* ---- HA ConfigMaps ---- */

static void cm_path(const char *ns, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "/api/v1/namespaces/%s/configmaps%s%s", ns, name ? "/" : "",
             name ? name : "");
}

/* Create the map, or replace its data when it differs. Returns the API server's status code
 * (200 when the data is already there). */
static int put_map(fo_sandbox_kubelet *k, const char *ns, const char *name, const char *cluster_id,
                   json_t *have, json_t *data, json_t *annotations)
{
    char path[700];
    int code;
    if (!have) {
        json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:O}", "apiVersion", "v1", "kind",
                               "ConfigMap", "metadata", "name", name, "namespace", ns, "labels",
                               fo_sandbox_ha_labels(cluster_id), "data", data);
        if (annotations)
            json_object_set(json_object_get(cm, "metadata"), "annotations", annotations);
        cm_path(ns, NULL, path, sizeof path);
        code = kl_call(k, "POST", path, NULL, cm, 409);
        json_decref(cm);
        return code;
    }
    if (fo_json_equal(json_object_get(have, "data"), data))
        return 200;
    json_t *body = json_deep_copy(have);
    json_object_set(body, "data", data);
    cm_path(ns, name, path, sizeof path);
    code = kl_call(k, "PUT", path, NULL, body, 409);
    json_decref(body);
    return code;
}

/* Highest checkpoint id a job map's data names, -1 for none. */
static int64_t newest_pointer(const json_t *data)
{
    int64_t best = -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)data, key, v)
    {
        if (strncmp(key, "checkpointID-", 13) == 0 && key[13] >= '0' && key[13] <= '9') {
            int64_t id = strtoll(key + 13, NULL, 10);
            if (id > best)
                best = id;
        }
    }
    return best;
}

/* Flink's own pointer write (KubernetesStateHandleStore.addAndLock through
 * FlinkKubeClient.checkAndUpdateConfigMap): read the map, add the completed checkpoints, replace
 * it, and on a failure read and try again, kubernetes.transactional-operation.max-retries (5)
 * more times. Only once a write landed does the fake Flink subsume the older checkpoints
 * (fo_flink_sim_ha_written), so the map never names a discarded one; a write that keeps failing
 * leaves them all, and the next pass tries again as Flink's next checkpoint would. */
static void write_job_map(fo_sandbox_kubelet *k, const workload *w, const json_t *job,
                          const char *job_map, const char *job_path)
{
    const char *id = fo_json_str(job, "jobId");
    for (int attempt = 0; attempt <= HA_MAX_RETRIES; attempt++) {
        json_t *have = kl_get(k, job_path);
        json_t *data = fo_sandbox_ha_job_data(json_object_get(have, "data"),
                                              json_object_get(job, "checkpoints"), w->retained);
        int code = data ? put_map(k, w->ns, job_map, w->cluster_id, have, data, NULL) : 0;
        int64_t newest = newest_pointer(data);
        json_decref(data);
        json_decref(have);
        if (code / 100 != 2)
            continue;
        if (newest >= 0) {
            char path[800];
            snprintf(path, sizeof path, "/_fake/clusters/%s/%s/jobs/%s/ha-written", w->ns,
                     w->cluster_id, id);
            json_t *body = json_pack("{s:I}", "checkpointId", (json_int_t)newest);
            fo_fake_flink_control(k->o.flink, "POST", path, body, NULL);
            json_decref(body);
        }
        return;
    }
    fo_log_warn("sandbox: the HA pointer of job %s on %s/%s was not written after %d attempts",
                id, w->ns, w->cluster_id, HA_MAX_RETRIES + 1);
}

static json_t *leader_annotation(fo_sandbox_kubelet *k, const workload *w)
{
    char now[40], text[600];
    fo_clock_format_rfc3339(kl_now(k), false, now, sizeof now);
    snprintf(text, sizeof text,
             "{\"holderIdentity\":\"%s-%d\",\"leaseDuration\":15.0,\"acquireTime\":\"%s\","
             "\"renewTime\":\"%s\",\"leaderTransitions\":%d}",
             w->uid, w->pod_gen, now, now, w->pod_gen);
    return json_pack("{s:s}", LEADER_ANNOTATION, text);
}

static void sync_ha(fo_sandbox_kubelet *k, workload *w)
{
    char name[600], path[700];
    fo_sandbox_ha_cluster_map_name(w->cluster_id, name, sizeof name);
    cm_path(w->ns, name, path, sizeof path);
    json_t *cluster_map = kl_get(k, path);
    json_t *graphs = json_deep_copy(json_object_get(cluster_map, "data"));
    if (!graphs)
        graphs = json_object();
    size_t i;
    json_t *job;
    json_array_foreach(json_object_get(w->view, "jobs"), i, job)
    {
        const char *id = fo_json_str(job, "jobId");
        if (!id)
            continue;
        char key[128], job_map[600], job_path[700];
        fo_sandbox_ha_job_graph_key(id, w->flink2, key, sizeof key);
        fo_sandbox_ha_job_map_name(w->cluster_id, id, job_map, sizeof job_map);
        cm_path(w->ns, job_map, job_path, sizeof job_path);
        if (terminal(fo_json_str(job, "state"))) {
            json_object_del(graphs, key);
            json_t *have = kl_get(k, job_path);
            if (have)
                kl_call(k, "DELETE", job_path, NULL, NULL, 404);
            json_decref(have);
            continue;
        }
        if (!json_object_get(graphs, key)) {
            /* Flink stores a serialised handle of the job graph file in HA storage. */
            char *value = fo_sandbox_ha_pointer_encode(key, 0);
            json_object_set_new(graphs, key, json_string(value ? value : ""));
            free(value);
        }
        write_job_map(k, w, job, job_map, job_path);
    }
    json_t *ann = cluster_map ? NULL : leader_annotation(k, w);
    put_map(k, w->ns, name, w->cluster_id, cluster_map, graphs, ann);
    json_decref(ann);
    json_decref(graphs);
    json_decref(cluster_map);
}

void kl_cluster_refresh(fo_sandbox_kubelet *k, workload *w)
{
    json_decref(w->view);
    w->view = fo_fake_flink_view(k->o.flink, w->ns, w->cluster_id);
    if (!w->view)
        return; /* gone: the next pass restarts the container */
    sync_taskmanagers(k, w);
    if (w->ha && w->view)
        sync_ha(k, w);
}
