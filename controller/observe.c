#include "controller/observe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "controller/status.h"

void fo_observed_release(fo_observed *o)
{
    json_decref(o->flink_config);
    json_decref(o->job);
    o->flink_config = NULL;
    o->job = NULL;
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

/* ---- jobs and cluster info (pure) --------------------------------------------------------- */

const json_t *fo_observe_pick_job(const json_t *overview, const char *job_id)
{
    const json_t *best = NULL;
    json_int_t best_start = -1;
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(overview, "jobs"), i, j)
    {
        const char *jid = fo_json_str(j, "jid");
        if (!jid)
            continue;
        if (job_id) {
            if (strcmp(jid, job_id) == 0)
                return j;
            continue;
        }
        json_int_t start = json_integer_value(json_object_get(j, "start-time"));
        if (!best || start > best_start) {
            best = j;
            best_start = start;
        }
    }
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

json_t *fo_observe_cluster_info(const json_t *flink_config, const json_t *conf, int taskmanagers)
{
    json_t *info = json_object();
    const char *version = fo_json_str(flink_config, "flink-version");
    const char *revision = fo_json_str(flink_config, "flink-revision");
    if (version)
        json_object_set_new(info, "flink-version", json_string(version));
    if (revision)
        json_object_set_new(info, "flink-revision", json_string(revision));
    if (taskmanagers < 0)
        taskmanagers = 0;
    double jm_replicas = conf_double(conf, "kubernetes.jobmanager.replicas", NULL, 1);
    double cpu =
        conf_double(conf, "kubernetes.jobmanager.cpu.amount", "kubernetes.jobmanager.cpu", 1.0) *
            jm_replicas +
        conf_double(conf, "kubernetes.taskmanager.cpu.amount", "kubernetes.taskmanager.cpu", 1.0) *
            taskmanagers;
    double mem = (double)conf_bytes(conf, "jobmanager.memory.process.size") * jm_replicas +
                 (double)conf_bytes(conf, "taskmanager.memory.process.size") * taskmanagers;
    char buf[64];
    json_object_set_new(info, "total-cpu",
                        json_string(fo_flink_format_double(cpu, buf, sizeof buf)));
    snprintf(buf, sizeof buf, "%lld", (long long)llround(mem));
    json_object_set_new(info, "total-memory", json_string(buf));
    return info;
}

/* ---- REST (I/O) --------------------------------------------------------------------------- */

static fo_rc rest_get(const fo_ctl_env *env, const char *base_url, const char *path, json_t **out,
                      fo_observed *o)
{
    *out = NULL;
    if (!env->flink.call)
        return FO_EUNAVAIL;
    char url[2300];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = env->flink.call(env->flink.ctx, "GET", url, NULL, out, &err);
    if (rc != FO_OK) {
        if (o && !o->rest_error[0])
            snprintf(o->rest_error, sizeof o->rest_error, "GET %s: %s", path,
                     err.message[0] ? err.message : fo_rc_name(rc));
        if (env->hooks.rest_error)
            env->hooks.rest_error(env->hooks.ctx, path);
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

void fo_observe_deployment(const fo_ctl_env *env, const json_t *obj, const char *base_url,
                           bool application, bool standalone, const char *job_id,
                           fo_flink_jm_status previous, fo_observed *o)
{
    memset(o, 0, sizeof *o);
    o->taskmanagers = -1;
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    const char *name = fo_json_get_str(obj, "metadata.name");
    json_t *jm = env->kube.cached(env->kube.ctx, FO_CTL_DEPLOYMENT, ns, name);
    o->jm_present = jm != NULL;
    o->jm_deleting = jm && fo_json_get(jm, "metadata.deletionTimestamp");
    o->jm_available = jm && !o->jm_deleting && deployment_available(jm);
    if (standalone) {
        char tm_name[300];
        fo_flink_tm_deployment_name(name, tm_name, sizeof tm_name);
        json_t *tm = env->kube.cached(env->kube.ctx, FO_CTL_DEPLOYMENT, ns, tm_name);
        o->tm_present = tm != NULL;
        o->tm_deleting = tm && fo_json_get(tm, "metadata.deletionTimestamp");
        json_decref(tm);
    }

    if (o->jm_available && base_url) {
        o->rest_tried = true;
        o->rest_ok = rest_get(env, base_url, "/config", &o->flink_config, o) == FO_OK;
        if (o->rest_ok) {
            json_t *tms = NULL;
            if (rest_get(env, base_url, "/taskmanagers", &tms, o) == FO_OK)
                o->taskmanagers = (int)json_array_size(json_object_get(tms, "taskmanagers"));
            json_decref(tms);
            if (application) {
                json_t *overview = NULL;
                if (rest_get(env, base_url, "/jobs/overview", &overview, o) == FO_OK) {
                    o->jobs_listed = true;
                    const json_t *j = fo_observe_pick_job(overview, job_id);
                    o->job = j ? json_incref((json_t *)j) : NULL;
                }
                json_decref(overview);
            }
        }
    }
    o->jm_status = fo_observe_jm_status(o->jm_deleting ? NULL : jm, o->rest_ok, previous,
                                        o->jm_failure, sizeof o->jm_failure);
    if (o->jm_status == FO_JM_DEPLOYING) {
        json_t *labels = json_pack("{s:s, s:s}", "app", name, "component", "jobmanager");
        json_t *pods = env->kube.cached_list(env->kube.ctx, FO_CTL_POD, ns, labels);
        if (fo_observe_pod_failure(pods, o->jm_failure, sizeof o->jm_failure))
            o->jm_status = FO_JM_ERROR;
        json_decref(pods);
        json_decref(labels);
    }
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

/* The first line of a Java stack trace ("java.lang.X: message"), else the class name. */
static void failure_text(const json_t *result, char *buf, size_t len)
{
    const json_t *cause = fo_json_get(result, "job-execution-result.failure-cause");
    const char *stack = fo_json_str(cause, "stack-trace");
    const char *cls = fo_json_str(cause, "class");
    if (stack && *stack) {
        size_t n = strcspn(stack, "\r\n");
        snprintf(buf, len, "%.*s", (int)n, stack);
    } else {
        snprintf(buf, len, "%s", cls ? cls : "the job failed (no failure cause reported)");
    }
}

static void record_failure(const fo_ctl_env *env, const char *base_url, const char *job_id,
                           json_t *st, fo_ctl_evbuf *events)
{
    char path[128], msg[1024];
    snprintf(path, sizeof path, "/jobs/%s/execution-result", job_id);
    json_t *result = NULL;
    if (rest_get(env, base_url, path, &result, NULL) == FO_OK)
        failure_text(result, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "job %s failed; Flink did not report why", job_id);
    json_decref(result);
    char *error = fo_status_error_text(FO_ERROR_JOB_FAILED, msg);
    if (error)
        json_object_set_new(st, "error", json_string(error));
    free(error);
    fo_ctl_evbuf_add(events, FO_EVENT_WARNING, FO_REASON_ERROR, "%s", msg);
}

static void record_job(const fo_ctl_env *env, const char *base_url, const fo_observed *o,
                       json_t *st, fo_ctl_evbuf *events, int64_t now_ms)
{
    json_t *js = fo_json_ensure_object(st, "jobStatus");
    const char *prev = fo_json_str(js, "state");
    char prev_state[32];
    snprintf(prev_state, sizeof prev_state, "%s", prev ? prev : "");
    const char *next = NULL;

    if (o->job) {
        next = fo_json_str(o->job, "state");
        set_str(js, "jobId", fo_json_str(o->job, "jid"));
        set_str(js, "jobName", fo_json_str(o->job, "name"));
        json_t *start = json_object_get(o->job, "start-time");
        if (json_is_integer(start) && json_integer_value(start) > 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(start));
            json_object_set_new(js, "startTime", json_string(buf));
        }
    } else if (o->jobs_listed || (o->rest_tried && !o->rest_ok) || !o->jm_available ||
               o->jm_status == FO_JM_MISSING) {
        /* Not listed (yet), Flink unreachable, or no available JobManager: the state is
         * unknown, except that a job already known to have ended stays ended. */
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
        fo_ctl_evbuf_add(events, FO_EVENT_NORMAL, FO_REASON_JOB_STATUS_CHANGED,
                         "Job status changed from %s to %s", prev_state, next);
    if (strcmp(next, "FAILED") == 0 && o->job && base_url)
        record_failure(env, base_url, fo_json_str(o->job, "jid"), st, events);
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
        json_t *info = fo_observe_cluster_info(o->flink_config, conf, o->taskmanagers);
        json_object_set_new(st, "clusterInfo", info);
    }
}
