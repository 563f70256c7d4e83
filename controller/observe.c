#include "controller/observe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/flink_conf.h"
#include "common/java_trace.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "controller/apply.h"
#include "controller/status.h"

void fo_observed_release(fo_observed *o)
{
    fo_flink_rest_config_release(&o->config);
    free(o->job.name);
    o->job.name = NULL;
    o->has_job = false;
}

/* ---- JobManager deployment status (pure) -------------------------------------------------- */

/* A failure the Deployment controller reports: ReplicaFailure=True, or Progressing=False with
 * ProgressDeadlineExceeded. */
static bool deployment_failed(const json_t *jm, char *failure, size_t len)
{
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(jm, "status.conditions"), i, c)
    {
        const char *type = fo_json_str(c, "type");
        const char *st = fo_json_str(c, "status");
        const char *reason = fo_json_str(c, "reason");
        if (!type || !st)
            continue;
        bool replica_failure = strcmp(type, "ReplicaFailure") == 0 && strcmp(st, "True") == 0;
        bool deadline = strcmp(type, "Progressing") == 0 && strcmp(st, "False") == 0 && reason &&
                        strcmp(reason, "ProgressDeadlineExceeded") == 0;
        if (replica_failure || deadline) {
            const char *msg = fo_json_str(c, "message");
            snprintf(failure, len, "%s: %s", reason ? reason : type, msg ? msg : "");
            return true;
        }
    }
    return false;
}

static bool deployment_available(const json_t *jm)
{
    int64_t replicas = 1, available = 0;
    fo_json_get_int(jm, "spec.replicas", &replicas);
    fo_json_get_int(jm, "status.availableReplicas", &available);
    return replicas > 0 && available > 0;
}

fo_flink_jm_status fo_observe_jm_status(const json_t *jm, bool rest_ok, fo_flink_jm_status previous,
                                        char *failure, size_t len)
{
    if (len)
        failure[0] = '\0';
    if (!jm)
        return FO_JM_MISSING;
    if (deployment_available(jm)) {
        if (rest_ok)
            return previous == FO_JM_DEPLOYED_NOT_READY || previous == FO_JM_READY
                       ? FO_JM_READY
                       : FO_JM_DEPLOYED_NOT_READY;
        if (previous == FO_JM_READY)
            return FO_JM_READY;
    }
    if (deployment_failed(jm, failure, len))
        return FO_JM_ERROR;
    return FO_JM_DEPLOYING;
}

static bool waiting_failure(const json_t *statuses, char *failure, size_t len)
{
    static const char *const reasons[] = {
        "CrashLoopBackOff",  "ImagePullBackOff",           "ErrImagePull",
        "RunContainerError", "CreateContainerConfigError", "CreateContainerError",
        "InvalidImageName",
    };
    size_t i;
    json_t *cs;
    json_array_foreach((json_t *)statuses, i, cs)
    {
        const json_t *waiting = fo_json_get(cs, "state.waiting");
        const char *reason = fo_json_str(waiting, "reason");
        const char *term = fo_json_get_str(cs, "lastState.terminated.reason");
        for (size_t r = 0; reason && r < sizeof reasons / sizeof *reasons; r++) {
            if (strcmp(reason, reasons[r]) == 0) {
                const char *msg = fo_json_str(waiting, "message");
                snprintf(failure, len, "%s: %s", reason,
                         msg    ? msg
                         : term ? term
                                : "the container cannot start");
                return true;
            }
        }
        if (term && strcmp(term, "OOMKilled") == 0 && reason) {
            snprintf(failure, len, "OOMKilled: the container ran out of memory");
            return true;
        }
    }
    return false;
}

bool fo_observe_pod_failure(const json_t *pods, char *failure, size_t len)
{
    size_t i;
    json_t *pod;
    json_array_foreach((json_t *)pods, i, pod)
    {
        if (fo_json_get(pod, "metadata.deletionTimestamp"))
            continue;
        if (waiting_failure(fo_json_get(pod, "status.initContainerStatuses"), failure, len) ||
            waiting_failure(fo_json_get(pod, "status.containerStatuses"), failure, len))
            return true;
    }
    return false;
}

/* The status of a pod condition by type ("True", "False"), or NULL when it has none. */
static const char *pod_condition(const json_t *pod, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(pod, "status.conditions"), i, c)
    {
        const char *t = fo_json_str(c, "type");
        if (t && strcmp(t, type) == 0)
            return fo_json_str(c, "status");
    }
    return NULL;
}

bool fo_observe_pod_mounting(const json_t *pod)
{
    if (!pod || fo_json_get(pod, "metadata.deletionTimestamp"))
        return false;
    /* EventUtils.checkForVolumeMountErrors: PodReadyToStartContainers (Kubernetes 1.29+), else
     * Initialized, is False, and Ready is False: the sandbox and volumes are not set up. */
    const char *prepared = pod_condition(pod, "PodReadyToStartContainers");
    if (!prepared)
        prepared = pod_condition(pod, "Initialized");
    const char *ready = pod_condition(pod, "Ready");
    return prepared && strcmp(prepared, "False") == 0 && ready && strcmp(ready, "False") == 0;
}

bool fo_observe_mount_failure(const json_t *events, char *failure, size_t len)
{
    const json_t *latest = NULL;
    const char *latest_ts = "";
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)events, i, e)
    {
        const char *reason = fo_json_str(e, "reason");
        if (!reason || strcmp(reason, FO_OBSERVE_FAILED_MOUNT) != 0)
            continue;
        /* The kubelet folds repeats into one Event (count, lastTimestamp); an Event written
         * through events.k8s.io has eventTime instead. RFC 3339 UTC texts compare in order. */
        const char *ts = fo_json_str(e, "lastTimestamp");
        if (!ts)
            ts = fo_json_str(e, "eventTime");
        if (!ts)
            ts = "";
        if (!latest || strcmp(ts, latest_ts) > 0) {
            latest = e;
            latest_ts = ts;
        }
    }
    if (!latest)
        return false;
    const char *msg = fo_json_str(latest, "message");
    snprintf(failure, len, "%s: %s", FO_OBSERVE_FAILED_MOUNT,
             msg ? msg : "a volume of the pod cannot be mounted");
    return true;
}

/* ---- jobs and cluster info (pure) --------------------------------------------------------- */

bool fo_observe_job_cancelled(const char *prev, const char *state)
{
    if (!state || (prev && strcmp(prev, state) == 0))
        return false;
    fo_flink_job_status now = fo_flink_job_status_parse(state);
    if (now == FO_JOB_STATUS_CANCELED)
        return true;
    return prev && fo_flink_job_status_parse(prev) == FO_JOB_STATUS_CANCELLING &&
           fo_flink_job_status_is_globally_terminal(now);
}

bool fo_observe_checkpoints_kept(const char *retention, fo_flink_job_status ended)
{
    if (ended == FO_JOB_STATUS_FINISHED)
        return false;
    bool on_cancel = retention && strcasecmp(retention, "RETAIN_ON_CANCELLATION") == 0;
    bool on_failure =
        on_cancel || (retention && strcasecmp(retention, "DELETE_ON_CANCELLATION") == 0);
    if (ended == FO_JOB_STATUS_CANCELED)
        return on_cancel;
    if (ended == FO_JOB_STATUS_FAILED)
        return on_failure;
    return true;
}

const char *fo_observe_latest_checkpoint_path(const fo_flink_checkpoint_stats *stats,
                                              bool checkpoints_kept)
{
    if (!stats->enabled)
        return NULL;
    const fo_flink_checkpoint *c = &stats->latest_completed, *sp = &stats->latest_savepoint;
    const fo_flink_checkpoint *latest = sp->id > c->id ? sp : c;
    const char *path = latest->id >= 0 ? latest->external_path : NULL;
    /* Gone with the job (DELETE_ON_CANCELLATION, NO_EXTERNALIZED_CHECKPOINTS: Flink deleted
     * it when the job ended) or disposed since: a restore from it would fail to start. */
    if (latest->id >= 0 && (latest->discarded || (!latest->savepoint && !checkpoints_kept)))
        return NULL;
    /* None completed since the job started from a savepoint or checkpoint: that one is still
     * its latest state (Apache's CheckpointHistoryWrapper also weighs latest.restored).
     * Restored in the default NO_CLAIM mode it is not the job's own and outlives it (a
     * CLAIM-mode restore hands it to the job's retention, which is not looked at here). */
    if (latest->id < 0 && stats->restored_from.id >= 0)
        path = stats->restored_from.external_path;
    /* NonPersistentMetadataCheckpointStorageLocation.EXTERNAL_POINTER: nothing to restore. */
    if (!path || !*path || strcmp(path, "<checkpoint-not-externally-addressable>") == 0)
        return NULL;
    return path;
}

/* The trigger time of a recorded snapshot into *at (the later of the two), or -1. */
static void snapshot_time(const json_t *snap, const char *path, bool same, int64_t *at)
{
    int64_t ts = -1;
    const char *loc = fo_json_str(snap, "location");
    if (!json_is_object(snap) || !fo_json_get_int(snap, "timeStamp", &ts))
        return;
    if (path && (loc && strcmp(loc, path) == 0) == same && ts > *at)
        *at = ts;
}

bool fo_observe_restore_path_superseded(const json_t *job_status)
{
    const char *path = fo_json_str(job_status, "upgradeSavepointPath");
    if (!path)
        return false;
    const json_t *si = json_object_get(job_status, "savepointInfo");
    const json_t *history = json_object_get(si, "savepointHistory");
    int64_t taken = -1, later = -1;
    snapshot_time(json_object_get(si, "lastSavepoint"), path, true, &taken);
    snapshot_time(json_object_get(si, "lastSavepoint"), path, false, &later);
    size_t i;
    const json_t *e;
    json_array_foreach(history, i, e)
    {
        snapshot_time(e, path, true, &taken);
        snapshot_time(e, path, false, &later);
    }
    /* a checkpoint has no location in status (CheckpointInfo.updateLastCheckpoint) */
    int64_t ts = -1;
    const json_t *cp = fo_json_get(job_status, "checkpointInfo.lastCheckpoint");
    if (json_is_object(cp) && fo_json_get_int(cp, "timeStamp", &ts) && ts > later)
        later = ts;
    return taken >= 0 && later > taken;
}

bool fo_observe_job_not_found(const fo_observed *o, const char *job_id)
{
    return job_id && *job_id && o->jm_status == FO_JM_READY && o->jobs_listed && !o->has_job;
}

const fo_flink_job *fo_observe_pick_job(const fo_flink_jobs *jobs, const char *job_id)
{
    if (job_id)
        return fo_flink_rest_jobs_find(jobs, job_id);
    const fo_flink_job *best = NULL;
    for (size_t i = 0; i < jobs->count; i++)
        if (!best || jobs->items[i].start_time_ms > best->start_time_ms)
            best = &jobs->items[i];
    return best;
}

static double conf_double(const json_t *conf, const char *key, const char *fallback_key,
                          double fallback)
{
    double d;
    const char *v = fo_json_str(conf, key);
    if (!v && fallback_key)
        v = fo_json_str(conf, fallback_key);
    return v && fo_flink_parse_double(v, &d) ? d : fallback;
}

static int64_t conf_bytes(const json_t *conf, const char *key)
{
    int64_t bytes = 0;
    const char *v = fo_json_str(conf, key);
    if (!v || fo_flink_memory_parse_flink(v, &bytes, NULL) != FO_OK)
        return 0;
    return bytes;
}

json_t *fo_observe_cluster_info(const fo_flink_config *flink_config, const json_t *conf,
                                int taskmanagers)
{
    json_t *info = json_object();
    const char *version = flink_config ? flink_config->flink_version : NULL;
    const char *revision = flink_config ? flink_config->flink_revision : NULL;
    if (version)
        json_object_set_new(info, "flink-version", json_string(version));
    if (revision)
        json_object_set_new(info, "flink-revision", json_string(revision));
    if (taskmanagers < 0)
        taskmanagers = 0;
    /* FlinkUtils.calculateClusterCpuUsage and calculateClusterMemoryUsage: each role's cpu and
     * process memory (in whole MiB, as Flink's cluster specification holds it) times its limit
     * factor and its replicas; each role's memory rounded on its own. */
    double jm_replicas = conf_double(conf, "kubernetes.jobmanager.replicas", NULL, 1);
    double cpu =
        conf_double(conf, "kubernetes.jobmanager.cpu.amount", "kubernetes.jobmanager.cpu", 1.0) *
            conf_double(conf, "kubernetes.jobmanager.cpu.limit-factor", NULL, 1.0) * jm_replicas +
        conf_double(conf, "kubernetes.taskmanager.cpu.amount", "kubernetes.taskmanager.cpu", 1.0) *
            conf_double(conf, "kubernetes.taskmanager.cpu.limit-factor", NULL, 1.0) *
            taskmanagers;
    const double mib = 1024.0 * 1024.0;
    long long mem =
        llround((double)(conf_bytes(conf, "jobmanager.memory.process.size") >> 20) * mib *
                conf_double(conf, "kubernetes.jobmanager.memory.limit-factor", NULL, 1.0) *
                jm_replicas) +
        llround((double)(conf_bytes(conf, "taskmanager.memory.process.size") >> 20) * mib *
                conf_double(conf, "kubernetes.taskmanager.memory.limit-factor", NULL, 1.0) *
                taskmanagers);
    char buf[64];
    json_object_set_new(info, "total-cpu",
                        json_string(fo_flink_format_double(cpu, buf, sizeof buf)));
    snprintf(buf, sizeof buf, "%lld", mem);
    json_object_set_new(info, "total-memory", json_string(buf));
    return info;
}

/* ---- HA data ------------------------------------------------------------------------------ */

json_t *fo_observe_ha_maps(const fo_ctl_env *env, const char *ns, const char *name)
{
    json_t *labels = json_pack("{s:s, s:s}", "app", name, "configmap-type", "high-availability");
    json_t *maps = env->kube.cached_list(env->kube.ctx, FO_CTL_CONFIG_MAP, ns, labels);
    json_decref(labels);
    return maps;
}

json_t *fo_observe_jobmanager_pods(const fo_ctl_env *env, const char *ns, const char *name)
{
    json_t *labels = json_pack("{s:s, s:s}", "app", name, "component", "jobmanager");
    json_t *pods = labels ? env->kube.cached_list(env->kube.ctx, FO_CTL_POD, ns, labels) : NULL;
    json_decref(labels);
    return pods;
}

bool fo_observe_jobmanager_pods_left(const fo_ctl_env *env, const char *ns, const char *name)
{
    json_t *pods = fo_observe_jobmanager_pods(env, ns, name);
    bool left = !pods || json_array_size(pods) > 0; /* out of memory: as if one were */
    json_decref(pods);
    return left;
}

/* ---- REST (I/O) --------------------------------------------------------------------------- */

/* Note a failed observation call: the first one is kept for the log line, every one counted. */
static bool rest_ok(const fo_ctl_env *env, fo_observed *o, const char *endpoint, fo_rc rc,
                    const fo_err *err)
{
    fo_ctl_rest_counted(env, endpoint, rc);
    if (rc == FO_ETIMEOUT)
        o->rest_timed_out = true;
    if (rc != FO_OK && !o->rest_error[0])
        snprintf(o->rest_error, sizeof o->rest_error, "GET %s: %s", endpoint,
                 err->message[0] ? err->message : fo_rc_name(rc));
    return rc == FO_OK;
}

/* The state the Apache operator reports for a listed job (JobStatusUtils.getEffectiveStatus):
 * Flink's default scheduler turns a job RUNNING when it starts scheduling, before its tasks have
 * slots (they wait SCHEDULED, maybe for minutes when TaskManagers are short); until every task
 * runs or finished the job reads CREATED, so nothing takes it for a running (stable) job. */
static void effective_state(fo_flink_job *j)
{
    if (j->state != FO_JOB_STATUS_RUNNING || j->tasks_total < 0 ||
        j->tasks_running + j->tasks_finished == j->tasks_total)
        return;
    j->state = FO_JOB_STATUS_CREATED;
    snprintf(j->state_name, sizeof j->state_name, "%s",
             fo_flink_job_status_name(FO_JOB_STATUS_CREATED));
}

static void ask_flink(const fo_ctl_env *env, const char *base_url, bool application,
                      const char *job_id, fo_observed *o)
{
    fo_err err;
    fo_err_clear(&err);
    o->rest_tried = true;
    o->rest_ok = rest_ok(env, o, "/config",
                         fo_flink_rest_config(env->flink, base_url, &o->config, &err), &err);
    if (!o->rest_ok) {
        fo_log_info("flink REST API not answering: %s", o->rest_error);
        return;
    }
    fo_flink_taskmanagers tms;
    fo_err_clear(&err);
    if (rest_ok(env, o, "/taskmanagers",
                fo_flink_rest_taskmanagers(env->flink, base_url, &tms, &err), &err))
        o->taskmanagers = tms.count;
    if (!application)
        return;
    fo_flink_jobs jobs;
    fo_err_clear(&err);
    if (!rest_ok(env, o, "/jobs/overview", fo_flink_rest_jobs(env->flink, base_url, &jobs, &err),
                 &err))
        return;
    o->jobs_listed = true;
    const fo_flink_job *j = fo_observe_pick_job(&jobs, job_id);
    if (j) {
        o->job = *j;
        o->job.name = strdup(j->name ? j->name : "");
        o->has_job = o->job.name != NULL;
        effective_state(&o->job);
    }
    fo_flink_rest_jobs_release(&jobs);
}

json_t *fo_observe_owned_deployment(const fo_ctl_env *env, const json_t *obj, const char *name)
{
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    json_t *d = env->kube.cached(env->kube.ctx, FO_CTL_DEPLOYMENT, ns, name);
    if (d && !fo_apply_owned_by(d, fo_json_get_str(obj, "metadata.uid"))) {
        json_decref(d);
        return NULL;
    }
    return d;
}

bool fo_observe_cluster_present(const fo_ctl_env *env, const json_t *obj, bool standalone)
{
    const char *name = fo_json_get_str(obj, "metadata.name");
    json_t *jm = fo_observe_owned_deployment(env, obj, name);
    bool present = jm != NULL;
    json_decref(jm);
    if (!present && standalone) {
        char tm_name[300];
        fo_flink_tm_deployment_name(name, tm_name, sizeof tm_name);
        json_t *tm = fo_observe_owned_deployment(env, obj, tm_name);
        present = tm != NULL;
        json_decref(tm);
    }
    return present;
}

/* A JobManager pod stuck before its containers start whose volume cannot be mounted (the
 * kubelet's FailedMount Events on it): one field-selected list per such pod, so only while the
 * JobManager is not available and its pod waits. A failed list is logged and tells nothing. */
static bool mount_failed(const fo_ctl_env *env, const char *ns, const json_t *pods, char *failure,
                         size_t len)
{
    if (!env->kube.events_about)
        return false;
    size_t i;
    json_t *pod;
    json_array_foreach((json_t *)pods, i, pod)
    {
        const char *uid = fo_json_get_str(pod, "metadata.uid");
        if (!uid || !fo_observe_pod_mounting(pod))
            continue;
        json_t *events = NULL;
        fo_err err;
        fo_err_clear(&err);
        fo_rc rc =
            env->kube.events_about(env->kube.ctx, ns, uid, FO_OBSERVE_FAILED_MOUNT, &events, &err);
        if (rc != FO_OK)
            fo_log_info("events of jobmanager pod %s not read: %s",
                        fo_json_get_str(pod, "metadata.name"), err.message);
        bool failed = rc == FO_OK && fo_observe_mount_failure(events, failure, len);
        json_decref(events);
        if (failed)
            return true;
    }
    return false;
}

void fo_observe_deployment(const fo_ctl_env *env, const json_t *obj, const char *base_url,
                           bool application, bool standalone, const char *job_id,
                           fo_flink_jm_status previous, fo_observed *o)
{
    memset(o, 0, sizeof *o);
    o->taskmanagers = -1;
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    const char *name = fo_json_get_str(obj, "metadata.name");
    json_t *jm = fo_observe_owned_deployment(env, obj, name);
    o->jm_present = jm != NULL;
    o->jm_deleting = jm && fo_json_get(jm, "metadata.deletionTimestamp");
    o->jm_available = jm && !o->jm_deleting && deployment_available(jm);
    if (standalone) {
        char tm_name[300];
        fo_flink_tm_deployment_name(name, tm_name, sizeof tm_name);
        json_t *tm = fo_observe_owned_deployment(env, obj, tm_name);
        o->tm_present = tm != NULL;
        o->tm_deleting = tm && fo_json_get(tm, "metadata.deletionTimestamp");
        json_decref(tm);
    }
    if (o->jm_available)
        ask_flink(env, base_url ? base_url : "", application, job_id, o);
    o->jm_status = fo_observe_jm_status(o->jm_deleting ? NULL : jm, o->rest_ok, previous,
                                        o->jm_failure, sizeof o->jm_failure);
    if (o->jm_status == FO_JM_DEPLOYING) {
        json_t *labels = json_pack("{s:s, s:s}", "app", name, "component", "jobmanager");
        json_t *pods = env->kube.cached_list(env->kube.ctx, FO_CTL_POD, ns, labels);
        if (fo_observe_pod_failure(pods, o->jm_failure, sizeof o->jm_failure) ||
            mount_failed(env, ns, pods, o->jm_failure, sizeof o->jm_failure))
            o->jm_status = FO_JM_ERROR;
        json_decref(pods);
        json_decref(labels);
    }
    /* Both failure texts read "<reason>: <message>". */
    size_t reason_len = strcspn(o->jm_failure, ":");
    if (o->jm_status == FO_JM_ERROR && o->jm_failure[reason_len])
        snprintf(o->jm_failure_reason, sizeof o->jm_failure_reason, "%.*s", (int)reason_len,
                 o->jm_failure);
    json_decref(jm);
}

/* ---- folding into status ------------------------------------------------------------------ */

static void set_str(json_t *obj, const char *key, const char *value)
{
    if (value)
        json_object_set_new(obj, key, json_string(value));
    else
        json_object_del(obj, key);
}

/* Levels of causes in the message of a failed job's Warning (Apache's ExceptionUtils
 * EXCEPTION_LIMIT_FOR_EVENT_MESSAGE). */
#define EVENT_MESSAGE_LEVELS 3

/* A FAILED job's cause (GET /jobs/:id/execution-result) into status.error, with a Warning, as
 * JobStatusObserver.recordJobErrorIfPresent writes them: the JobResult's SerializedThrowable
 * in Apache's shape (its message, its first causes in throwableList, every type
 * SerializedThrowable), and an Error whose message is ExceptionUtils.getExceptionMessage's,
 * "message -> cause's message -> its cause's" (a throwable without a message by its simple
 * class name). The messages are read from the failure's stack trace (common/java_trace). A
 * failure Flink does not report (no cause, or no answer) writes neither, as in Apache. */
static void record_failure(const fo_ctl_env *env, const char *base_url, const char *job_id,
                           json_t *st, fo_ctl_evbuf *events)
{
    fo_flink_execution_result r;
    fo_java_trace t = {0};
    fo_strbuf msg;
    fo_strbuf_init(&msg, 0); /* the Event is cut to its limit */
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc =
        fo_ctl_rest_counted(env, "/jobs/:id/execution-result",
                            fo_flink_rest_execution_result(env->flink, base_url, job_id, &r, &err));
    if (rc != FO_OK) {
        fo_log_warn("failure cause of job %s not read: %s", job_id, err.message);
        goto out;
    }
    rc = r.failure.class_name
             ? fo_java_trace_parse(r.failure.stack_trace, r.failure.class_name, &t)
             : FO_OK;
    fo_flink_rest_execution_result_release(&r);
    if (rc != FO_OK || t.n == 0) {
        fo_log_info("job %s failed without a failure cause", job_id);
        goto out;
    }
    const char *messages[FO_STATUS_THROWABLE_LIST_MAX + 1];
    size_t n = t.n < FO_STATUS_THROWABLE_LIST_MAX + 1 ? t.n : FO_STATUS_THROWABLE_LIST_MAX + 1;
    for (size_t i = 0; i < n; i++)
        messages[i] = t.chain[i].message;
    char *error = fo_status_error_throwables(FO_ERROR_JOB_FAILED, messages, n);
    if (error)
        json_object_set_new(st, "error", json_string(error));
    free(error);
    for (size_t i = 0; i < t.n && i < EVENT_MESSAGE_LEVELS; i++) {
        const char *m = t.chain[i].message;
        fo_strbuf_printf(&msg, "%s%s", i ? " -> " : "",
                         m ? m : fo_java_trace_simple_name(t.chain[i].class_name));
    }
    fo_ctl_evbuf_add(events, FO_EVENT_WARNING, FO_COMPONENT_JOB, FO_REASON_ERROR, "%s", msg.data);
out:
    fo_java_trace_release(&t);
    fo_strbuf_release(&msg);
}

static void record_job(const fo_ctl_env *env, const char *base_url, const fo_observed *o,
                       json_t *st, fo_ctl_evbuf *events, int64_t now_ms)
{
    json_t *js = fo_json_ensure_object(st, "jobStatus");
    const char *prev = fo_json_str(js, "state");
    char prev_state[32];
    snprintf(prev_state, sizeof prev_state, "%s", prev ? prev : "");
    const char *next = NULL;

    if (o->has_job) {
        next = o->job.state_name; /* as Flink wrote it */
        set_str(js, "jobId", o->job.id);
        set_str(js, "jobName", o->job.name);
        if (o->job.start_time_ms > 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)o->job.start_time_ms);
            json_object_set_new(js, "startTime", json_string(buf));
        }
    } else if (o->rest_tried && !o->jobs_listed) {
        /* Flink unreachable or its job list failing: a job said to run is no longer known to,
         * any other state stands until Flink answers (Apache's ifRunningMoveToReconciling; a
         * passing error otherwise flips CREATED or RESTARTING back and forth with an Event
         * each way). */
        if (strcmp(prev_state, "RUNNING") == 0)
            next = "RECONCILING";
    } else if (o->rest_tried || !o->jm_available || o->jm_status == FO_JM_MISSING) {
        /* Not listed (yet), or no available JobManager: the state is unknown, except that a
         * job already known to have ended stays ended. */
        fo_flink_job_status ps = fo_flink_job_status_parse(prev_state);
        next = prev && fo_flink_job_status_is_terminal(ps) ? prev_state : "RECONCILING";
    }
    if (!next || strcmp(next, prev_state) == 0)
        return;
    json_object_set_new(js, "state", json_string(next));
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)now_ms);
    json_object_set_new(js, "updateTime", json_string(buf));
    if (prev_state[0])
        fo_ctl_evbuf_add(events, FO_EVENT_NORMAL, FO_COMPONENT_JOB, FO_REASON_JOB_STATUS_CHANGED,
                         "Job status changed from %s to %s", prev_state, next);
    if (strcmp(next, "FAILED") == 0 && o->has_job && base_url)
        record_failure(env, base_url, o->job.id, st, events);
}

void fo_observe_record(const fo_ctl_env *env, const char *base_url, const fo_observed *o,
                       bool application, const json_t *conf, json_t *st, fo_ctl_evbuf *events,
                       int64_t now_ms)
{
    const char *jm_name = fo_flink_jm_status_name(o->jm_status);
    json_object_set_new(st, "jobManagerDeploymentStatus", json_string(jm_name));
    if (application)
        record_job(env, base_url, o, st, events, now_ms);
    if (o->rest_ok) {
        json_t *info = fo_observe_cluster_info(&o->config, conf, o->taskmanagers);
        json_object_set_new(st, "clusterInfo", info);
    }
}
