#include "controller/status.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

/* ---- status.error ------------------------------------------------------------------------- */

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
    return fo_utf8_prefix(s, strlen(s), max);
}

char *fo_status_error_text(const char *type, const char *message)
{
    return fo_status_error_text_reason(type, message, NULL);
}

/* One FlinkResourceException: {"type", "message" (none when NULL), "additionalMetadata":
 * meta (taken; NULL = {})}, members in the order Jackson writes its fields. New reference,
 * NULL when out of memory. */
static json_t *resource_exception(const char *type, const char *message, json_t *meta)
{
    json_t *e = json_pack("{s:s}", "type", type);
    if (e && message) {
        json_t *m = json_stringn(message, utf8_cut(message, FO_STATUS_MESSAGE_MAX));
        if (!m) /* invalid UTF-8: keep the type, say so */
            m = json_string("(message was not valid UTF-8)");
        json_object_set_new(e, "message", m);
    }
    if (!meta)
        meta = json_object();
    if (!e || json_object_set_new(e, "additionalMetadata", meta) != 0) {
        if (!e)
            json_decref(meta);
        json_decref(e);
        return NULL;
    }
    return e;
}

/* e (taken) with its throwableList (taken) as compact text. Caller frees; NULL when out of
 * memory. */
static char *dump(json_t *e, json_t *list)
{
    char *text = NULL;
    if (e && list && json_object_set(e, "throwableList", list) == 0)
        text = fo_json_dumps_compact(e);
    json_decref(list);
    json_decref(e);
    return text;
}

char *fo_status_error_text_reason(const char *type, const char *message, const char *reason)
{
    json_t *meta = reason && *reason ? json_pack("{s:s}", "reason", reason) : NULL;
    return dump(resource_exception(type, message ? message : "", meta), json_array());
}

char *fo_status_error_text_meta(const char *type, const char *message, const json_t *meta)
{
    json_t *m = meta ? json_deep_copy(meta) : NULL;
    if (meta && !m)
        return NULL;
    return dump(resource_exception(type, message ? message : "", m), json_array());
}

char *fo_status_error_throwables(const char *type, const char *const *messages, size_t n)
{
    if (n == 0)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 1; list && i < n && i <= FO_STATUS_THROWABLE_LIST_MAX; i++) {
        if (json_array_append_new(list, resource_exception(type, messages[i], NULL)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return dump(resource_exception(type, messages[0], NULL), list);
}

char *fo_status_error_message(const char *error, char *buf, size_t len)
{
    if (!len)
        return buf;
    buf[0] = '\0';
    if (!error)
        return buf;
    json_t *e = error[0] == '{' ? json_loads(error, 0, NULL) : NULL;
    const char *msg = fo_json_str(e, "message");
    snprintf(buf, len, "%s", msg ? msg : error);
    json_decref(e);
    return buf;
}

bool fo_status_error_is(const char *error, const char *type)
{
    if (!error || error[0] != '{')
        return false;
    json_t *e = json_loads(error, 0, NULL);
    const char *t = fo_json_str(e, "type");
    bool is = t && strcmp(t, type) == 0;
    json_decref(e);
    return is;
}

/* ---- conditions --------------------------------------------------------------------------- */

const json_t *fo_status_condition(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *t = fo_json_str(c, "type");
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

void fo_status_set_condition(json_t *status, const char *type, const char *cond_status,
                             const char *reason, const char *message, int64_t generation,
                             int64_t now_ms)
{
    json_t *list = json_object_get(status, "conditions");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(status, "conditions", list);
    }
    json_t *c = (json_t *)fo_status_condition(status, type);
    char ts[40];
    const char *since = NULL;
    if (c && fo_json_str(c, "status") && strcmp(fo_json_str(c, "status"), cond_status) == 0)
        since = fo_json_str(c, "lastTransitionTime");
    if (!since)
        since = fo_clock_format_rfc3339(now_ms, false, ts, sizeof ts);
    char msg[FO_STATUS_MESSAGE_MAX + 1];
    snprintf(msg, sizeof msg, "%.*s", (int)utf8_cut(message ? message : "", FO_STATUS_MESSAGE_MAX),
             message ? message : "");
    /* Field order as kubectl and the Apache operator print a Condition. */
    json_t *fresh = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", type, "status", cond_status,
                              "reason", reason, "message", msg, "lastTransitionTime", since,
                              "observedGeneration", (json_int_t)generation);
    if (!fresh)
        return;
    if (c) {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            if (v == c) {
                json_array_set_new(list, i, fresh);
                return;
            }
        }
    }
    json_array_append_new(list, fresh);
}

char *fo_status_camel(const char *upper, char *buf, size_t len)
{
    size_t j = 0;
    bool start = true;
    for (const char *p = upper; p && *p && j + 1 < len; p++) {
        if (*p == '_' || *p == '-') {
            start = true;
            continue;
        }
        buf[j++] = (char)(start ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
        start = false;
    }
    buf[j] = '\0';
    return buf;
}

/* Apache's Running condition for a session cluster, from the JobManager status: the reasons and
 * messages of its JobManagerDeploymentStatus enum, word for word. */
static void session_running(fo_flink_jm_status jm, const char **st, const char **reason,
                            const char **msg)
{
    switch (jm) {
    case FO_JM_READY:
        *st = "True";
        *reason = "JobManagerReady";
        *msg = "JobManager is running and ready to receive REST API calls";
        return;
    case FO_JM_DEPLOYED_NOT_READY:
        *reason = "DeployedNotReady";
        *msg = "JobManager is running but not yet ready to receive REST API calls";
        break;
    case FO_JM_DEPLOYING:
        *reason = "JobManagerIsDeploying";
        *msg = "JobManager process is starting up";
        break;
    case FO_JM_ERROR:
        *reason = "Error";
        *msg = "JobManager deployment failed";
        break;
    default:
        *reason = "JobManagerDeploymentMissing";
        *msg = "JobManager deployment not found";
        break;
    }
    *st = "False";
}

static void set_conditions(json_t *status, const fo_status_facts *f, fo_flink_lifecycle life,
                           int64_t now_ms)
{
    char reason[64], msg[FO_STATUS_MESSAGE_MAX + 64];
    const char *st, *r, *m;

    /* Running (c.20). */
    if (f->application) {
        const char *job = fo_json_get_str(status, "jobStatus.state");
        st = job && strcmp(job, "RUNNING") == 0 ? "True" : job ? "False" : "Unknown";
        fo_status_camel(job ? job : "UNKNOWN", reason, sizeof reason);
        snprintf(msg, sizeof msg, "Job status %s", job ? job : "unknown");
        fo_status_set_condition(status, "Running", st, reason, msg, f->generation, now_ms);
    } else {
        session_running(fo_flink_jm_status_parse(fo_json_str(status, "jobManagerDeploymentStatus")),
                        &st, &r, &m);
        fo_status_set_condition(status, "Running", st, r, m, f->generation, now_ms);
    }

    int64_t observed = -1;
    fo_json_get_int(status, "observedGeneration", &observed);
    const char *life_name = fo_flink_lifecycle_name(life);
    char life_camel[64];
    fo_status_camel(life_name ? life_name : "UNKNOWN", life_camel, sizeof life_camel);
    char err[FO_STATUS_MESSAGE_MAX + 1];
    fo_status_error_message(fo_json_str(status, "error"), err, sizeof err);

    bool stalled = f->stalled_reason || life == FO_LIFECYCLE_FAILED;
    const char *stall_reason = f->stalled_reason ? f->stalled_reason : "Failed";
    const char *stall_message = f->stalled_message ? f->stalled_message
                                : err[0]           ? err
                                                   : "The resource failed";
    bool settled = life == FO_LIFECYCLE_STABLE || life == FO_LIFECYCLE_SUSPENDED;
    bool ready = settled && !stalled && observed == f->generation;

    /* Ready. */
    if (ready) {
        snprintf(msg, sizeof msg, "%s",
                 life == FO_LIFECYCLE_SUSPENDED ? "The job is suspended as the spec asks"
                                                : "The deployed spec is running and stable");
        fo_status_set_condition(status, "Ready", "True",
                                life == FO_LIFECYCLE_SUSPENDED ? "Suspended" : "Stable", msg,
                                f->generation, now_ms);
    } else if (stalled) {
        /* Not ready because it is stalled: say why (a STABLE lifecycle with an invalid new
         * spec must not read "Lifecycle state is STABLE"). */
        fo_status_set_condition(status, "Ready", "False", stall_reason, stall_message,
                                f->generation, now_ms);
    } else if (settled && observed != f->generation) {
        snprintf(msg, sizeof msg, "Generation %lld is being reconciled", (long long)f->generation);
        fo_status_set_condition(status, "Ready", "False", "GenerationNotObserved", msg,
                                f->generation, now_ms);
    } else {
        snprintf(msg, sizeof msg, "Lifecycle state is %s", life_name ? life_name : "unknown");
        fo_status_set_condition(status, "Ready", "False", life_camel, msg, f->generation, now_ms);
    }

    /* Stalled: a person has to act before anything moves again. */
    if (stalled) {
        fo_status_set_condition(status, "Stalled", "True", stall_reason, stall_message,
                                f->generation, now_ms);
    } else {
        fo_status_set_condition(status, "Stalled", "False", ready ? "Reconciled" : "Progressing",
                                "", f->generation, now_ms);
    }

    /* Reconciling: the controller is still working towards the spec. */
    if (!ready && !stalled) {
        if (observed != f->generation)
            snprintf(msg, sizeof msg, "Generation %lld is being reconciled",
                     (long long)f->generation);
        else
            snprintf(msg, sizeof msg, "Lifecycle state is %s, JobManager %s",
                     life_name ? life_name : "unknown",
                     fo_json_str(status, "jobManagerDeploymentStatus")
                         ? fo_json_str(status, "jobManagerDeploymentStatus")
                         : "MISSING");
        fo_status_set_condition(status, "Reconciling", "True", life_camel, msg, f->generation,
                                now_ms);
    } else {
        fo_status_set_condition(status, "Reconciling", "False", ready ? "Reconciled" : "Stalled",
                                "", f->generation, now_ms);
    }
}

/* ---- finish ------------------------------------------------------------------------------- */

static void mark_stable(json_t *status, const fo_status_facts *f)
{
    json_t *rs = json_object_get(status, "reconciliationStatus");
    const char *last = fo_json_str(rs, "lastReconciledSpec");
    if (!last || fo_flink_recon_state_parse(fo_json_str(rs, "state")) != FO_RECON_DEPLOYED)
        return;
    bool runs;
    if (f->last_suspended) {
        runs = true;
    } else if (f->application) {
        /* The recorded job wants to run: observed RUNNING, or FINISHED on its own (c.4). */
        const char *job = fo_json_get_str(status, "jobStatus.state");
        runs = job && (strcmp(job, "RUNNING") == 0 || strcmp(job, "FINISHED") == 0);
    } else {
        runs = fo_flink_jm_status_parse(fo_json_str(status, "jobManagerDeploymentStatus")) ==
               FO_JM_READY;
    }
    if (runs)
        json_object_set_new(rs, "lastStableSpec", json_string(last));
}

/* Before anything was deployed (no lastReconciledSpec) the Apache operator's status still
 * carries the defaults of its status classes: jobManagerDeploymentStatus MISSING
 * (FlinkDeploymentStatus) and a reconciliationStatus with state UPGRADING and timestamp 0
 * (ReconciliationStatus), also for a spec that is invalid from its first apply or created
 * suspended. Tools read them (Argo CD's health check looks at both). Only what is absent is
 * filled in. */
static void first_deployment_defaults(json_t *status)
{
    json_t *rs = json_object_get(status, "reconciliationStatus");
    if (fo_json_str(rs, "lastReconciledSpec"))
        return;
    if (!json_is_object(rs)) {
        rs = json_object();
        json_object_set_new(status, "reconciliationStatus", rs);
    }
    if (!json_object_get(rs, "reconciliationTimestamp"))
        json_object_set_new(rs, "reconciliationTimestamp", json_integer(0));
    if (!fo_json_str(rs, "state"))
        json_object_set_new(rs, "state", json_string("UPGRADING"));
    if (!fo_json_str(status, "jobManagerDeploymentStatus"))
        json_object_set_new(status, "jobManagerDeploymentStatus", json_string("MISSING"));
}

void fo_status_finish(json_t *status, const fo_status_facts *f, int64_t now_ms)
{
    first_deployment_defaults(status);
    mark_stable(status, f);

    json_t *tmp = json_pack("{s:s, s:O}", "kind", "FlinkDeployment", "status", status);
    fo_flink_lifecycle life = fo_flink_lifecycle_derive(tmp);
    json_decref(tmp);
    const char *name = fo_flink_lifecycle_name(life);
    if (name)
        json_object_set_new(status, "lifecycleState", json_string(name));

    if (f->application && f->last_suspended) {
        /* No TaskManager runs: Apache writes an empty selector and 0 replicas, so the scale
         * subresource reads 0 and an HPA leaves the job alone. */
        json_object_set_new(status, "taskManager",
                            json_pack("{s:s, s:i}", "labelSelector", "", "replicas", 0));
    } else if (f->tm_replicas >= 0 && f->name &&
               fo_json_get_str(status, "reconciliationStatus.lastReconciledSpec")) {
        /* Nothing deployed yet (a spec invalid from its first apply): no TaskManagers, and
         * none in status, as Apache leaves it; the scale subresource then reads 0. */
        char selector[320];
        snprintf(selector, sizeof selector, "component=taskmanager,app=%s", f->name);
        json_object_set_new(
            status, "taskManager",
            json_pack("{s:s, s:i}", "labelSelector", selector, "replicas", f->tm_replicas));
    }
    set_conditions(status, f, life, now_ms);
}

json_t *fo_status_patch(const json_t *old_status, const json_t *new_status, const char *rv)
{
    json_t *empty = json_object();
    const json_t *before = json_is_object(old_status) ? old_status : empty;
    json_t *diff = fo_json_merge_patch_diff(before, new_status);
    json_decref(empty);
    if (!diff || json_object_size(diff) == 0) {
        json_decref(diff);
        return NULL;
    }
    json_t *patch = json_pack("{s:o}", "status", diff);
    if (patch && rv)
        json_object_set_new(patch, "metadata", json_pack("{s:s}", "resourceVersion", rv));
    return patch;
}
