/* The kubelet's passes: list Deployments and Pods, move each Deployment through its phases
 * (stopped -> starting -> running, or failing under a fault), then let kubelet_pods.c and
 * kubelet_flink.c converge pods, status, clusters and HA data. */
#include "tests/fakes/sandbox/kubelet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "tests/fakes/sandbox/kubelet_int.h"
#include "tests/fakes/sandbox/workload.h"

#define DEFAULT_RESYNC_MS 250
#define WAIT_SLICE_MS 100

static const char *const fault_reasons[] = {
    "CrashLoopBackOff",           "ImagePullBackOff",  "ErrImagePull",
    "CreateContainerConfigError", "RunContainerError", "OOMKilled",
    "InvalidImageName",           "FailedCreate",      NULL};

int64_t kl_now(const fo_sandbox_kubelet *k)
{
    return fo_clock_now_ms(k->o.clock);
}

json_t *kl_get(fo_sandbox_kubelet *k, const char *path)
{
    json_t *out = NULL;
    int code = fo_fake_apiserver_call(k->o.api, "GET", path, NULL, NULL, &out, NULL);
    if (code == 200)
        return out;
    if (code != 404)
        fo_log_warn("sandbox: GET %s answered %d", path, code);
    json_decref(out);
    return NULL;
}

int kl_call(fo_sandbox_kubelet *k, const char *method, const char *path, const char *ctype,
            const json_t *body, int quiet)
{
    json_t *out = NULL;
    int code = fo_fake_apiserver_call(k->o.api, method, path, ctype, body, &out, NULL);
    if ((code < 200 || code > 299) && code != quiet) {
        const char *msg = fo_json_str(out, "message");
        fo_log_warn("sandbox: %s %s answered %d: %.300s", method, path, code, msg ? msg : "");
    }
    if (code == 409)
        k->dirty = true; /* someone wrote in between: look again soon */
    json_decref(out);
    return code;
}

workload *kl_find(fo_sandbox_kubelet *k, const char *ns, const char *name)
{
    for (size_t i = 0; i < k->nwl; i++)
        if (strcmp(k->wl[i]->ns, ns) == 0 && strcmp(k->wl[i]->name, name) == 0)
            return k->wl[i];
    return NULL;
}

static const wl_fault *find_fault(const fo_sandbox_kubelet *k, const char *ns, const char *name)
{
    for (size_t i = 0; i < k->nfaults; i++)
        if (strcmp(k->faults[i].ns, ns) == 0 && strcmp(k->faults[i].name, name) == 0)
            return &k->faults[i];
    return NULL;
}

static workload *add_workload(fo_sandbox_kubelet *k, const char *ns, const char *name)
{
    if (k->nwl == k->capwl) {
        size_t cap = k->capwl ? k->capwl * 2 : 16;
        workload **p = realloc(k->wl, cap * sizeof *p);
        if (!p)
            return NULL;
        k->wl = p;
        k->capwl = cap;
    }
    workload *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    snprintf(w->ns, sizeof w->ns, "%s", ns);
    snprintf(w->name, sizeof w->name, "%s", name);
    w->ip_base = k->next_ip;
    k->next_ip += 16;
    k->wl[k->nwl++] = w;
    return w;
}

static void free_workload(workload *w)
{
    json_decref(w->view);
    json_decref(w->obj);
    free(w);
}

static wl_role role_of(const json_t *d)
{
    const json_t *labels = fo_json_get(d, "metadata.labels");
    const char *type = fo_json_str(labels, "type"), *component = fo_json_str(labels, "component");
    if (!type || !component)
        return ROLE_OTHER;
    bool flink = strcmp(type, "flink-native-kubernetes") == 0 ||
                 strcmp(type, "flink-standalone-kubernetes") == 0;
    if (flink && strcmp(component, "jobmanager") == 0)
        return ROLE_JM;
    if (flink && strcmp(component, "taskmanager") == 0)
        return ROLE_TM;
    return ROLE_OTHER;
}

/* True when a pod this workload created for the current template is gone (deleted by
 * someone): its replacement then starts from scratch under a new name. */
static bool own_pod_missing(const workload *w, const json_t *pods)
{
    for (int64_t i = 0; i < w->replicas && w->pods_made; i++) {
        char name[320];
        kl_pod_name(w, (int)i, name, sizeof name);
        bool found = false;
        size_t j;
        json_t *p;
        json_array_foreach(pods, j, p)
        {
            const char *n = fo_json_get_str(p, "metadata.name");
            const char *ns = fo_json_get_str(p, "metadata.namespace");
            if (n && ns && strcmp(n, name) == 0 && strcmp(ns, w->ns) == 0 &&
                !fo_json_get(p, "metadata.deletionTimestamp")) {
                found = true;
                break;
            }
        }
        if (!found)
            return true;
    }
    return false;
}

static void to_phase(workload *w, wl_phase ph, int64_t now)
{
    w->phase = ph;
    if (ph == PH_STARTING || ph == PH_FAILING)
        w->since_ms = now;
    if (ph == PH_RUNNING)
        w->started_ms = now;
    w->waiting[0] = '\0';
}

/* Move one Deployment's workload to where its spec, its pods and the faults say it is. */
static void observe(fo_sandbox_kubelet *k, workload *w, const json_t *d, const json_t *pods,
                    int64_t now)
{
    w->role = role_of(d);
    int64_t replicas = 1;
    fo_json_get_int(d, "spec.replicas", &replicas);
    w->replicas = replicas < 0 ? 0 : replicas;
    w->generation = 0;
    fo_json_get_int(d, "metadata.generation", &w->generation);
    w->deleting = fo_json_get(d, "metadata.deletionTimestamp") != NULL;
    w->fault = find_fault(k, w->ns, w->name);
    char hash[16];
    fo_sandbox_template_hash(d, hash, sizeof hash);
    if (strcmp(hash, w->hash) != 0) {
        if (w->hash[0])
            fo_log_info("sandbox: deployment %s/%s rolls out a new pod template", w->ns, w->name);
        kl_cluster_stop(k, w, "its pod template changed");
        snprintf(w->hash, sizeof w->hash, "%s", hash);
        w->pods_made = false;
        w->restarts = 0;
        w->phase = PH_STOPPED;
    }
    if (w->replicas == 0 || w->deleting) {
        kl_cluster_stop(k, w,
                        w->deleting ? "its deployment is being deleted"
                                    : "its deployment was scaled to 0");
        w->phase = PH_STOPPED;
        w->pods_made = false;
        return;
    }
    if (w->fault) {
        if (w->phase != PH_FAILING) {
            kl_cluster_stop(k, w, w->fault->reason);
            fo_log_info("sandbox: deployment %s/%s fails: %s", w->ns, w->name, w->fault->reason);
            to_phase(w, PH_FAILING, now);
            w->restarts++;
        }
        return;
    }
    if (w->phase == PH_STOPPED || w->phase == PH_FAILING)
        to_phase(w, PH_STARTING, now);
    if (own_pod_missing(w, pods)) {
        fo_log_info("sandbox: a pod of %s/%s was deleted: a new one starts", w->ns, w->name);
        kl_cluster_stop(k, w, "its pod was deleted");
        w->pod_gen++;
        w->pods_made = false;
        w->restarts = 0;
        to_phase(w, PH_STARTING, now);
    }
    if (w->phase == PH_RUNNING && w->role == ROLE_JM && !kl_cluster_exists(k, w)) {
        fo_log_info("sandbox: the flink cluster of %s/%s is gone: its container restarts", w->ns,
                    w->name);
        w->cluster_up = false;
        w->restarts++;
        to_phase(w, PH_STARTING, now);
    }
    if (w->phase == PH_STARTING) {
        /* The kubelet mounts the volumes before it starts any container: a missing ConfigMap
         * or Secret keeps the pods in ContainerCreating (FailedMount Events on them). */
        char why[sizeof w->mount_failure];
        bool missing = kl_volume_missing(k, w, why, sizeof why);
        if (missing && strcmp(why, w->mount_failure) != 0)
            fo_log_info("sandbox: pods of %s/%s cannot start: %s", w->ns, w->name, why);
        snprintf(w->mount_failure, sizeof w->mount_failure, "%s", missing ? why : "");
        if (missing) {
            snprintf(w->waiting, sizeof w->waiting, "%s", why);
            return;
        }
    } else {
        w->mount_failure[0] = '\0';
    }
    if (w->phase == PH_STARTING && now - w->since_ms >= k->o.ready_delay_ms) {
        if (w->role != ROLE_JM || kl_cluster_start(k, w))
            to_phase(w, PH_RUNNING, now);
    }
}

/* The API server keeps a deleted Pod bound to a node until that node's kubelet has stopped
 * its containers and deletes it again with grace period 0: ours stop at once. */
static void finish_deleted_pods(fo_sandbox_kubelet *k, const json_t *pods)
{
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p)
    {
        const char *node = fo_json_get_str(p, "spec.nodeName");
        if (!fo_json_get(p, "metadata.deletionTimestamp") || !node ||
            strcmp(node, FO_SANDBOX_NODE_NAME) != 0)
            continue;
        char path[700];
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0",
                 fo_json_get_str(p, "metadata.namespace"), fo_json_get_str(p, "metadata.name"));
        kl_call(k, "DELETE", path, NULL, NULL, 404);
    }
}

/* The items of a list, or NULL when the list failed (an injected 500, a 429): a kubelet that
 * cannot list knows nothing new, and must not take every Deployment for deleted. */
static json_t *list_items(fo_sandbox_kubelet *k, const char *path)
{
    json_t *list = kl_get(k, path);
    json_t *items = json_incref(json_object_get(list, "items"));
    json_decref(list);
    return items;
}

void fo_sandbox_kubelet_sync(fo_sandbox_kubelet *k)
{
    pthread_mutex_lock(&k->mu);
    k->dirty = false;
    k->passes++;
    int64_t now = kl_now(k);
    json_t *deps = list_items(k, "/apis/apps/v1/deployments");
    json_t *pods = deps ? list_items(k, "/api/v1/pods") : NULL;
    if (!pods) {
        k->dirty = true; /* look again soon */
        json_decref(deps);
        pthread_mutex_unlock(&k->mu);
        return;
    }
    for (size_t i = 0; i < k->nwl; i++) {
        workload *w = k->wl[i];
        w->seen = false;
        json_decref(w->obj);
        json_decref(w->view);
        w->obj = w->view = NULL;
    }
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d)
    {
        const char *ns = fo_json_get_str(d, "metadata.namespace");
        const char *name = fo_json_get_str(d, "metadata.name");
        const char *uid = fo_json_get_str(d, "metadata.uid");
        if (!ns || !name || !uid)
            continue;
        workload *w = kl_find(k, ns, name);
        if (w && strcmp(w->uid, uid) != 0) {
            /* Deleted and created again between two passes: a new Deployment. */
            kl_cluster_stop(k, w, "its deployment was replaced");
            char keep_ns[64], keep_name[254];
            snprintf(keep_ns, sizeof keep_ns, "%s", w->ns);
            snprintf(keep_name, sizeof keep_name, "%s", w->name);
            int ip = w->ip_base;
            json_decref(w->obj);
            json_decref(w->view);
            memset(w, 0, sizeof *w);
            snprintf(w->ns, sizeof w->ns, "%s", keep_ns);
            snprintf(w->name, sizeof w->name, "%s", keep_name);
            w->ip_base = ip;
        }
        if (!w && !(w = add_workload(k, ns, name)))
            continue;
        snprintf(w->uid, sizeof w->uid, "%s", uid);
        w->seen = true;
        w->obj = json_incref(d);
        observe(k, w, d, pods, now);
    }
    finish_deleted_pods(k, pods);
    /* Clusters next: TaskManager counts need every Deployment's phase. */
    for (size_t j = 0; j < k->nwl; j++)
        if (k->wl[j]->seen && k->wl[j]->cluster_up)
            kl_cluster_refresh(k, k->wl[j]);
    for (size_t j = 0; j < k->nwl; j++) {
        workload *w = k->wl[j];
        if (!w->seen)
            continue;
        kl_pods_converge(k, w, pods);
        kl_status_converge(k, w, pods);
    }
    size_t keep = 0;
    for (size_t j = 0; j < k->nwl; j++) {
        workload *w = k->wl[j];
        if (w->seen) {
            k->wl[keep++] = w;
            continue;
        }
        kl_cluster_stop(k, w, "its deployment was deleted");
        free_workload(w);
    }
    k->nwl = keep;
    json_decref(deps);
    json_decref(pods);
    pthread_mutex_unlock(&k->mu);
}

/* Wait for the next change of a collection; reopen a watch that ended. */
static bool drain(fo_sandbox_kubelet *k, fo_fake_apiserver_watch **w, const char *api_version,
                  const char *resource, int timeout_ms)
{
    bool changed = false;
    if (!*w || fo_fake_apiserver_watch_ended(*w)) {
        fo_fake_apiserver_watch_close(*w);
        *w = fo_fake_apiserver_watch_open(k->o.api, api_version, resource, NULL,
                                          fo_fake_apiserver_resource_version(k->o.api));
        changed = true; /* events may have been missed: look */
        if (!*w)
            return changed;
    }
    const char *type = NULL;
    json_t *obj = NULL;
    while (fo_fake_apiserver_watch_next(*w, timeout_ms, &type, &obj)) {
        json_decref(obj);
        obj = NULL;
        changed = true;
        timeout_ms = 0;
    }
    return changed;
}

static void *run(void *arg)
{
    fo_sandbox_kubelet *k = arg;
    fo_fake_apiserver_watch *deps = NULL, *pods = NULL;
    int64_t last = 0;
    while (!k->stop) {
        bool changed = drain(k, &deps, "apps/v1", "deployments", WAIT_SLICE_MS);
        changed = drain(k, &pods, "v1", "pods", 0) || changed;
        int64_t mono = fo_clock_mono_ms(fo_clock_real());
        if (changed || k->dirty || mono - last >= k->o.resync_ms) {
            fo_sandbox_kubelet_sync(k);
            last = mono;
        }
    }
    fo_fake_apiserver_watch_close(deps);
    fo_fake_apiserver_watch_close(pods);
    return NULL;
}

fo_sandbox_kubelet *fo_sandbox_kubelet_start(const fo_sandbox_kubelet_opts *opts, fo_err *err)
{
    if (!opts || !opts->api || !opts->flink) {
        fo_err_set(err, FO_EINVAL, "sandbox kubelet: an API server and a fake Flink are needed");
        return NULL;
    }
    fo_sandbox_kubelet *k = calloc(1, sizeof *k);
    if (!k) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    k->o = *opts;
    if (!k->o.clock)
        k->o.clock = fo_clock_real();
    if (k->o.ready_delay_ms < 0)
        k->o.ready_delay_ms = 0;
    if (k->o.resync_ms <= 0)
        k->o.resync_ms = DEFAULT_RESYNC_MS;
    pthread_mutex_init(&k->mu, NULL);
    if (!k->o.no_thread) {
        if (pthread_create(&k->thread, NULL, run, k) != 0) {
            fo_err_set(err, FO_ENOMEM, "sandbox kubelet: cannot start its thread");
            pthread_mutex_destroy(&k->mu);
            free(k);
            return NULL;
        }
        k->thread_started = true;
    }
    return k;
}

void fo_sandbox_kubelet_stop(fo_sandbox_kubelet *k)
{
    if (!k)
        return;
    k->stop = true;
    if (k->thread_started)
        pthread_join(k->thread, NULL);
    for (size_t i = 0; i < k->nwl; i++)
        free_workload(k->wl[i]);
    free(k->wl);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

fo_rc fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet *k, const char *ns, const char *name,
                                   const char *reason, const char *message, fo_err *err)
{
    if (!ns || !*ns || !name || !*name || strlen(ns) >= 64 || strlen(name) >= 254)
        return fo_err_set(err, FO_EINVAL, "a fault needs a namespace and a deployment name");
    bool known = !reason;
    for (size_t i = 0; reason && fault_reasons[i]; i++)
        known = known || strcmp(reason, fault_reasons[i]) == 0;
    if (!known)
        return fo_err_set(err, FO_EINVAL,
                          "reason: '%s' is not one of CrashLoopBackOff, ImagePullBackOff, "
                          "ErrImagePull, CreateContainerConfigError, RunContainerError, "
                          "OOMKilled, InvalidImageName, FailedCreate",
                          reason);
    fo_rc rc = FO_OK;
    pthread_mutex_lock(&k->mu);
    wl_fault *f = (wl_fault *)find_fault(k, ns, name);
    if (!reason) {
        if (f) {
            *f = k->faults[--k->nfaults];
            for (size_t i = 0; i < k->nwl; i++)
                k->wl[i]->fault = NULL; /* pointers into the table moved */
        }
    } else {
        if (!f && k->nfaults == FO_SANDBOX_MAX_FAULTS) {
            rc = fo_err_set(err, FO_ELIMIT, "at most %d faults", FO_SANDBOX_MAX_FAULTS);
        } else {
            if (!f) {
                f = &k->faults[k->nfaults++];
                memset(f, 0, sizeof *f);
                snprintf(f->ns, sizeof f->ns, "%s", ns);
                snprintf(f->name, sizeof f->name, "%s", name);
            }
            snprintf(f->reason, sizeof f->reason, "%s", reason);
            snprintf(f->message, sizeof f->message, "%s", message ? message : "");
        }
    }
    k->dirty = true;
    pthread_mutex_unlock(&k->mu);
    return rc;
}

json_t *fo_sandbox_kubelet_state(fo_sandbox_kubelet *k)
{
    static const char *const roles[] = {"other", "jobmanager", "taskmanager"};
    static const char *const phases[] = {"Stopped", "Starting", "Running", "Failing"};
    pthread_mutex_lock(&k->mu);
    json_t *list = json_array();
    for (size_t i = 0; i < k->nwl; i++) {
        const workload *w = k->wl[i];
        const wl_fault *f = find_fault(k, w->ns, w->name);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:o, s:s, s:o}", "namespace", w->ns,
                            "name", w->name, "role", roles[w->role], "phase", phases[w->phase],
                            "replicas", (json_int_t)w->replicas, "restarts", w->restarts, "cluster",
                            w->cluster_up ? json_string(w->cluster_id) : json_null(), "waitingFor",
                            w->waiting, "fault", f ? json_string(f->reason) : json_null()));
    }
    json_t *out = json_pack("{s:o, s:I}", "deployments", list, "passes", (json_int_t)k->passes);
    pthread_mutex_unlock(&k->mu);
    return out;
}
