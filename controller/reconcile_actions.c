/* The steps of controller/upgrade, executed. Every step that cannot be repeated safely
 * (deleting a cluster, stopping a job with a savepoint, creating a cluster for a new spec)
 * first writes its intent to status and acts only once that write succeeded, so a controller
 * killed at any instant resumes from status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "controller/reconcile_internal.h"
#include "controller/status.h"

json_t *fo_act_job_status(fo_pass *p)
{
    return fo_json_ensure_object(p->st, "jobStatus");
}

static void set_job_state(fo_pass *p, const char *state)
{
    json_t *js = fo_act_job_status(p);
    const char *old = fo_json_str(js, "state");
    if (old && strcmp(old, state) == 0)
        return;
    json_object_set_new(js, "state", json_string(state));
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)p->now_ms);
    json_object_set_new(js, "updateTime", json_string(buf));
}

void fo_act_clear_trigger(fo_pass *p)
{
    json_t *si = json_object_get(fo_act_job_status(p), "savepointInfo");
    if (!json_is_object(si))
        return;
    json_object_del(si, "triggerId");
    json_object_del(si, "triggerTimestamp");
    json_object_del(si, "triggerType");
    json_object_del(si, "formatType");
}

/* The recorded spec (canonical) becomes `spec`. */
void fo_act_adopt_last(fo_pass *p, const json_t *spec)
{
    json_t *canon = fo_flink_spec_canonical(spec, FO_FLINK_DEPLOYMENT);
    if (!canon)
        return;
    json_decref(p->last);
    p->last = canon;
    memset(&p->diff, 0, sizeof p->diff);
}

void fo_act_spec_changed_event(fo_pass *p)
{
    fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_SPEC_CHANGED,
                     "%s change(s) detected (Diff: %s), starting reconciliation.",
                     fo_diff_type_name(p->diff.type), p->diff.summary);
}

/* Queue a Warning only when the error it reports is new (no repeat each pass). These are the
 * failures of a reconcile action, which the Apache operator tells from its controller's error
 * handler (triggerErrorEvent): component JobManagerDeployment. */
void fo_act_warn_once(fo_pass *p, const char *reason)
{
    /* the type and message: additionalMetadata (a retry record) is no news */
    const char *old = fo_json_str(p->st, "error");
    char msg[FO_STATUS_MESSAGE_MAX + 1];
    bool same = old && fo_status_error_is(old, p->error_type) &&
                strcmp(fo_status_error_message(old, msg, sizeof msg), p->error_msg) == 0;
    if (!same)
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOBMANAGER, reason, "%s",
                         p->error_msg);
}

/* ---- Flink calls ---------------------------------------------------------------------------- */

void fo_act_cancel_job(fo_pass *p)
{
    const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
    fo_flink_job_status js = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    if (!jid || fo_flink_job_status_is_globally_terminal(js))
        return;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_ctl_rest_counted(p->env, "/jobs/:id",
                                   fo_flink_rest_cancel(p->env->flink, p->base_url, jid, &err));
    if (rc == FO_OK)
        fo_log_info("job %s cancelled", jid);
    else
        fo_log_info("job %s not cancelled (%s); going on without it", jid, err.message);
}

/* ---- cluster deletion ---------------------------------------------------------------------- */

static fo_rc delete_one(fo_pass *p, fo_ctl_kind kind, const json_t *live, const char *propagation,
                        int *sent, fo_err *err)
{
    if (!live || fo_json_get(live, "metadata.deletionTimestamp"))
        return FO_OK;
    const char *name = fo_json_get_str(live, "metadata.name");
    fo_rc rc = p->env->kube.remove(p->env->kube.ctx, kind, p->ns, name,
                                   fo_json_get_str(live, "metadata.uid"), propagation, err);
    if (rc == FO_ENOTFOUND) {
        fo_err_clear(err);
        return FO_OK;
    }
    if (rc == FO_OK) {
        (*sent)++;
        p->writes++;
        fo_log_info("deleting %s %s", fo_ctl_kind_get(kind)->kind, name);
    }
    return rc;
}

/* The cluster's Deployments: the JobManager's and (standalone) the TaskManagers'. */
typedef struct cluster_names {
    char tm[300];
    const char *names[2];
} cluster_names;

static void cluster_names_of(const fo_pass *p, cluster_names *c)
{
    fo_flink_tm_deployment_name(p->name, c->tm, sizeof c->tm);
    c->names[0] = p->name;
    c->names[1] = c->tm;
}

/* The cached Deployment `name` when it is ours (new reference), else NULL. */
static json_t *owned_deployment(fo_pass *p, const char *name)
{
    return fo_observe_owned_deployment(p->env, p->obj, name);
}

/* What keeps a teardown waiting that nothing may resolve. The report is the first cause in
 * text order with how many there are, so that it (and its one Warning) stays the same from
 * pass to pass whatever order the cache lists them in. */
typedef struct holds {
    char first[512];
    int count;
} holds;

static void hold(holds *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hold(holds *h, const char *fmt, ...)
{
    char text[sizeof h->first + FO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* kept whole characters only: a cut one makes the status and the Event invalid UTF-8 */
    text[fo_utf8_prefix(text, strlen(text), sizeof h->first - 1)] = '\0';
    if (!h->count++ || strcmp(text, h->first) < 0)
        snprintf(h->first, sizeof h->first, "%s", text);
}

/* In status.error (a Warning when it is new); the wait goes on. */
static void report_holds(fo_pass *p, const holds *h)
{
    if (!h->count)
        return;
    if (h->count > 1)
        fo_pass_fail(p, FO_ERROR_RECONCILIATION, "TeardownHeld", "%s (and %d more)", h->first,
                     h->count - 1);
    else
        fo_pass_fail(p, FO_ERROR_RECONCILIATION, "TeardownHeld", "%s", h->first);
    fo_act_warn_once(p, FO_REASON_CLEANUP_FAILED);
}

/* Has an object been terminating for longer than the cleanup timeout? */
static bool terminating_long(const fo_pass *p, const json_t *obj)
{
    int64_t since = 0;
    const char *ts = fo_json_get_str(obj, "metadata.deletionTimestamp");
    return ts && fo_clock_parse_rfc3339(ts, &since) &&
           p->now_ms - since >= p->set->cleanup_timeout_ms;
}

/* The HA ConfigMaps go once the cluster is gone: its Deployments, then its JobManager pods (a
 * JobManager shutting down writes them, and its leader election creates the leader map again
 * when it is missing). The teardown comes back for them until they are gone
 * (controller/upgrade.c); what holds them for long is reported. */
static fo_rc delete_ha_maps(fo_pass *p, const cluster_names *c, int *sent)
{
    for (int i = 0; i < 2; i++) {
        json_t *live = owned_deployment(p, c->names[i]);
        json_decref(live);
        if (live)
            return FO_OK;
    }
    json_t *pods = fo_observe_jobmanager_pods(p->env, p->ns, p->name);
    if (!pods)
        return FO_OK; /* out of memory: the next pass looks again */
    holds h = {.count = 0};
    size_t i;
    json_t *o;
    json_array_foreach(pods, i, o)
    {
        const char *pod = fo_json_get_str(o, "metadata.name");
        if (!fo_json_get(o, "metadata.ownerReferences") &&
            !fo_json_get(o, "metadata.deletionTimestamp"))
            hold(&h,
                 "JobManager pod %s belongs to nothing that removes it: Flink's HA ConfigMaps "
                 "are deleted once it is gone (kubectl delete pod)",
                 pod);
        else if (terminating_long(p, o))
            hold(&h,
                 "JobManager pod %s is still terminating after the cleanup timeout: Flink's HA "
                 "ConfigMaps are deleted once it is gone (is its node lost? kubectl delete pod "
                 "--force)",
                 pod);
    }
    size_t left = json_array_size(pods);
    json_decref(pods);
    if (left) {
        report_holds(p, &h);
        return FO_OK;
    }
    json_t *maps = fo_observe_ha_maps(p->env, p->ns, p->name);
    json_array_foreach(maps, i, o)
    {
        const char *map = fo_json_get_str(o, "metadata.name");
        if (terminating_long(p, o)) {
            char *fins = fo_json_dumps_compact(fo_json_get(o, "metadata.finalizers"));
            hold(&h, "ConfigMap %s is held by finalizers %s: the upgrade waits for it", map,
                 fins ? fins : "");
            free(fins);
            continue;
        }
        fo_err e;
        fo_err_clear(&e);
        fo_rc drc = delete_one(p, FO_CTL_CONFIG_MAP, o, NULL, sent, &e);
        if (drc != FO_OK)
            fo_log_warn("cannot delete ConfigMap %s: %s", map, e.message);
        /* a refusal stays (RBAC, a policy): said; a passing failure is tried again */
        if (drc == FO_EFORBIDDEN || drc == FO_EINVALID)
            hold(&h, "ConfigMap %s (Flink's HA data) cannot be deleted: %s", map, e.message);
    }
    json_decref(maps);
    report_holds(p, &h);
    return FO_OK;
}

/* The teardown waits for the cluster's Deployments to be deleted (Foreground: until their
 * pods are gone). One terminating past its pods' grace period and the cleanup timeout is
 * reported: a pod of it does not go (a lost node). */
void fo_act_report_slow_teardown(fo_pass *p)
{
    cluster_names c;
    cluster_names_of(p, &c);
    holds h = {.count = 0};
    for (int i = 0; i < 2; i++) {
        json_t *live = owned_deployment(p, c.names[i]);
        int64_t grace_s = 30; /* the API's default terminationGracePeriodSeconds */
        fo_json_get_int(live, "spec.template.spec.terminationGracePeriodSeconds", &grace_s);
        int64_t since = 0;
        const char *ts = fo_json_get_str(live, "metadata.deletionTimestamp");
        bool late = ts && fo_clock_parse_rfc3339(ts, &since) &&
                    p->now_ms - since >= p->set->cleanup_timeout_ms + grace_s * 1000;
        if (late)
            hold(&h,
                 "Deployment %s is still being deleted after the cleanup timeout: a pod of it "
                 "does not go (is its node lost? kubectl delete pod --force)",
                 c.names[i]);
        json_decref(live);
    }
    report_holds(p, &h);
}

fo_rc fo_act_delete_cluster(fo_pass *p, bool delete_ha, int *sent, fo_err *err)
{
    *sent = 0;
    cluster_names c;
    cluster_names_of(p, &c);
    fo_rc rc = FO_OK;
    for (int i = 0; i < 2 && rc == FO_OK; i++) {
        json_t *live = owned_deployment(p, c.names[i]);
        /* Foreground: the TaskManager pods the JobManager Deployment owns go first (c.13). */
        rc = delete_one(p, FO_CTL_DEPLOYMENT, live, "Foreground", sent, err);
        json_decref(live);
    }
    if (rc != FO_OK || !delete_ha)
        return rc;
    return delete_ha_maps(p, &c, sent);
}

/* ---- deploy --------------------------------------------------------------------------------- */

static bool is_suspended_spec(const json_t *spec)
{
    const char *s = fo_json_get_str(spec, "job.state");
    return s && strcmp(s, "suspended") == 0;
}

/* A JobManager with HA recovers every job graph stored in its HA ConfigMap: drop them (Flink
 * 1.x "jobGraph-<id>", 2.x "executionPlan-<id>") before an application's JobManager starts, so
 * the recorded spec's graph runs, keeping the checkpoint pointers (c.6: the job-graph entries go
 * before each deploy). Whatever the recorded upgradeMode: a job suspended through HA and resumed
 * under another mode is still restored from HA, and a stateless restore must not bring the old
 * job back. Never once the JobManager exists (its graph is its own), nor while a Deployment of
 * the name that is not ours stands: that one runs a cluster of its own, whose HA data shares
 * the cluster id, and the deploy is refused anyway (apply_recorded). */
static fo_rc drop_job_graphs(fo_pass *p, fo_err *err)
{
    if (p->obs.jm_present || !p->application)
        return FO_OK;
    json_t *other = p->env->kube.cached(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, p->name);
    bool taken = other != NULL;
    json_decref(other);
    if (taken)
        return FO_OK;
    char name[300];
    if (!fo_flink_ha_cluster_cm_name(p->name, name, sizeof name))
        return FO_OK;
    json_t *cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name);
    json_t *data = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(cm, "data"), key, v)
    {
        if (strncmp(key, "jobGraph-", 9) == 0 || strncmp(key, "executionPlan-", 14) == 0)
            json_object_set_new(data, key, json_null());
    }
    fo_rc rc = FO_OK;
    if (json_object_size(data)) {
        json_t *patch = json_pack("{s:{s:s?}, s:O}", "metadata", "resourceVersion",
                                  fo_json_get_str(cm, "metadata.resourceVersion"), "data", data);
        rc = p->env->kube.patch(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns, name, false, patch,
                                NULL, err);
        json_decref(patch);
        if (rc == FO_OK) {
            p->writes++;
            fo_log_info("job graph removed from %s: the new spec's graph is used", name);
        }
    }
    json_decref(data);
    json_decref(cm);
    return rc == FO_ENOTFOUND ? FO_OK : rc;
}

/* Apply the recorded spec's objects (built with bo) and prune what it no longer has. A set that
 * cannot be built, or a name taken by an object we do not own, is the pass's verdict: FO_OK
 * with *applied false and status saying why. Other write failures are returned. */
static fo_rc apply_recorded(fo_pass *p, const fo_build_opts *bo, fo_apply_report *rep,
                            bool *applied, fo_err *err)
{
    *applied = false;
    memset(rep, 0, sizeof *rep);
    json_t *objects = fo_build_objects(p, p->last, bo, err);
    if (!objects) {
        fo_pass_fail(p, FO_ERROR_DEPLOYMENT_FAILED, "InvalidSpec", "%s", err->message);
        fo_err_clear(err);
        return FO_OK;
    }
    /* What Flink's client made beside the resource's JobManager Deployment is that
     * Deployment's (a cluster the Apache operator deployed): ours too (controller/apply.h). */
    json_t *jm = owned_deployment(p, p->name);
    char jm_uid[64] = "";
    if (jm)
        snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    json_decref(jm);
    /* A cluster another operator launched keeps what its pods run with and read (the
     * Deployments' spec, the ConfigMaps they mount) until its next launch: only metadata is
     * repaired there, and none of them is pruned. */
    unsigned keep = bo->foreign ? FO_APPLY_KIND_BIT(FO_CTL_DEPLOYMENT) |
                                      FO_APPLY_KIND_BIT(FO_CTL_CONFIG_MAP)
                                : 0;
    fo_rc rc = fo_apply_set_keeping(&p->env->kube, objects, p->uid, jm_uid, keep, rep, err);
    p->writes += rep->created + rep->patched;
    if (rc == FO_OK) {
        fo_apply_ref refs[8];
        char bufs[8][300];
        size_t all = fo_build_owned_refs(p->name, refs, bufs), n = 0;
        for (size_t i = 0; i < all; i++)
            if (!(keep & FO_APPLY_KIND_BIT(refs[i].kind)))
                refs[n++] = refs[i];
        rc = fo_apply_prune(&p->env->kube, p->ns, refs, n, objects, p->uid, rep, err);
        p->writes += rep->deleted;
    }
    json_decref(objects);
    if (rc == FO_EFORBIDDEN && rep->not_owned[0]) {
        fo_pass_fail(p, FO_ERROR_RECONCILIATION, "NotOwned", "%s", err->message);
        fo_act_warn_once(p, FO_REASON_ERROR);
        fo_err_clear(err);
        return FO_OK;
    }
    *applied = rc == FO_OK;
    return rc;
}

/* Apply the recorded spec's objects and mark it DEPLOYED. */
static fo_rc finish_deploy(fo_pass *p, fo_err *err)
{
    fo_rc hrc = drop_job_graphs(p, err);
    if (hrc != FO_OK)
        return hrc;
    int64_t gen = p->generation;
    fo_json_get_int(p->st, "observedGeneration", &gen);
    fo_build_opts bo = {
        .job_id = p->application ? fo_json_get_str(p->st, "jobStatus.jobId") : NULL,
        .savepoint_path = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath"),
        .generation = gen,
        .launch_ms = fo_build_intent_launch(p),
    };
    /* A deploy another operator recorded (UPGRADING) and launched, but did not mark done: the
     * Apache operator's next pass takes the cluster for deployed (checkIfAlreadyUpgraded), and
     * so is it here, kept as it runs (fo_takeover_adopt marked it): writing flinkop's
     * rendering over it would roll the JobManager that runs the job. */
    json_t *jm = owned_deployment(p, p->name);
    bool foreign = fo_takeover_is_foreign(jm) && !fo_json_get(jm, "metadata.deletionTimestamp");
    json_decref(jm);
    bo.foreign = foreign;
    /* The defaults this launch recorded first, when a crash (or a failed write) cut an earlier
     * pass short: never a second set, nor a mix of two. */
    fo_rc rc = bo.foreign ? fo_build_foreign_conf(p, p->last, false, &bo, err)
                          : fo_build_launch_defaults(p, p->last, bo.launch_ms, false, &bo, err);
    fo_apply_report rep;
    bool applied = false;
    if (rc == FO_OK)
        rc = apply_recorded(p, &bo, &rep, &applied, err);
    fo_build_opts_release(&bo);
    if (rc != FO_OK || !applied)
        return rc;
    json_object_set_new(fo_json_ensure_object(p->st, "reconciliationStatus"), "state",
                        json_string("DEPLOYED"));
    if (foreign) {
        fo_log_info("the deploy recorded by another operator had launched its cluster: it is "
                    "taken as deployed");
        return FO_OK;
    }
    if (!p->obs.jm_available)
        json_object_set_new(p->st, "jobManagerDeploymentStatus", json_string("DEPLOYING"));
    fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_SUBMIT,
                     "Starting deployment");
    fo_pass_requeue(p, p->set->progress_interval_ms);
    return FO_OK;
}

/* A user-set job id wins (c.6 "fix the job ID"); a last-state restore keeps the old one. */
static void choose_job_id(fo_pass *p, const fo_upgrade_step *s, char id[33])
{
    bool from_user = false;
    bool kept = fo_build_restore_job_id(p, id, &from_user);
    if (!(kept && (from_user || s->mode == FO_FLINK_UPGRADE_LAST_STATE)))
        fo_ctl_new_id(p->env, id);
}

static fo_rc deploy(fo_pass *p, const fo_upgrade_step *s, fo_err *err)
{
    const json_t *spec = json_object_get(p->want, "spec");
    json_t *js = fo_act_job_status(p);
    if (p->application) {
        char id[33];
        choose_job_id(p, s, id);
        json_object_set_new(js, "jobId", json_string(id));
        set_job_state(p, "RECONCILING");
        const char *path = NULL;
        if (s->initial_savepoint)
            path = fo_json_get_str(spec, "job.initialSavepointPath");
        else if (s->mode == FO_FLINK_UPGRADE_SAVEPOINT)
            path = fo_json_str(js, "upgradeSavepointPath");
        if (path && *path) {
            char *copy = strdup(path); /* path may point into js */
            json_object_set_new(js, "upgradeSavepointPath", json_string(copy));
            free(copy);
        } else {
            json_object_del(js, "upgradeSavepointPath");
        }
        fo_act_clear_trigger(p);
    }
    fo_build_record_spec(p, spec, FO_RECON_UPGRADING, false);
    if (!p->invalid) /* an invalid generation is never observed (the last spec is redeployed) */
        json_object_set_new(p->st, "observedGeneration", json_integer(p->generation));
    if (s->spec_changed_event)
        fo_act_spec_changed_event(p);
    /* Intent first: a controller killed after this write finishes the deployment from
     * status (FINISH_DEPLOY) instead of starting another one. */
    fo_rc rc = fo_pass_write_status(p, err);
    if (rc != FO_OK)
        return rc;
    fo_act_adopt_last(p, spec);
    return finish_deploy(p, err);
}

/* ---- suspend and teardown -------------------------------------------------------------------- */

/* A savepoint upgrade of a job that cannot take a savepoint goes through last-state (c.6,
 * AbstractJobReconciler.getJobUpgrade): the marker records last-state, so a restarted
 * controller restores from the HA data too. The user is told, in a Normal Suspended Event (the
 * reason Apache gives the suspend of an upgrade), that no savepoint was taken. The recorded
 * upgradeSavepointPath is an older restore source the job has moved past: it goes, so that no
 * later restore can take the job back to it. */
static void fallback_to_last_state(fo_pass *p)
{
    const char *state = fo_json_get_str(p->st, "jobStatus.state");
    char job[32];
    snprintf(job, sizeof job, "%s", state ? state : "UNKNOWN");
    fo_log_info("falling back to last-state upgrade mode from savepoint: job is %s", job);
    json_object_del(fo_act_job_status(p), "upgradeSavepointPath");
    bool suspend = is_suspended_spec(json_object_get(p->want, "spec"));
    fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_SUSPENDED,
                     "Falling back to last-state upgrade mode from savepoint: the job is %s%s, so "
                     "no savepoint can be taken; it is %s from its last checkpoint in the HA "
                     "metadata (kubernetes.operator.job.upgrade.last-state-fallback.enabled)",
                     job, p->obs.rest_ok ? "" : " and Flink is not answering",
                     suspend ? "suspended keeping its HA data, and resumed" : "upgraded");
}

/* An ended job upgraded from its final state in place of the mechanism its upgradeMode names
 * (controller/upgrade.c, from_final_state, finished_empty): the user is told what it is
 * restored from, in a Normal Suspended Event, as a fallback is. */
static void from_final_state(fo_pass *p, const fo_upgrade_step *s)
{
    const char *state = fo_json_get_str(p->st, "jobStatus.state");
    const char *path = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath");
    bool suspend = is_suspended_spec(json_object_get(p->want, "spec"));
    char job[32];
    snprintf(job, sizeof job, "%s", state ? state : "UNKNOWN");
    if (s->mode == FO_FLINK_UPGRADE_SAVEPOINT && path) {
        fo_log_info("job %s: restored from its final state %s", job, path);
        fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_SUSPENDED,
                         "The job is %s and its HA metadata is gone: it is %s from its final "
                         "state, the latest checkpoint or savepoint Flink reported when it ended: "
                         "%s",
                         job, suspend ? "suspended, to be resumed," : "upgraded", path);
        return;
    }
    bool finished = strcmp(job, "FINISHED") == 0;
    fo_log_info("job %s: restored from empty state, it ended with no state to carry", job);
    fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_SUSPENDED,
                     "The job is %s with no checkpoint or savepoint to restore (%s): it is %s "
                     "from empty state",
                     job,
                     finished ? "its state is complete"
                              : "it completed none and was restored from none: its state is empty",
                     s->restart ? "restarted" : suspend ? "suspended, to be resumed," : "upgraded");
}

static fo_rc suspend(fo_pass *p, const fo_upgrade_step *s, fo_err *err)
{
    bool delete_ha = false;
    if (p->application) {
        json_t *marker = fo_build_suspended_spec(p->last, s->mode);
        fo_build_record_spec(p, marker, FO_RECON_UPGRADING, false);
        json_decref(marker);
        if (s->mode == FO_FLINK_UPGRADE_STATELESS)
            json_object_del(fo_act_job_status(p), "upgradeSavepointPath");
        if (s->last_state_fallback)
            fallback_to_last_state(p);
        if (s->final_state)
            from_final_state(p, s);
        if (s->restart) { /* as Apache's reconcileOtherChanges clears the error it restarts */
            const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
            fo_log_info("kubernetes.operator.job.restart.failed: restarting failed job %s (%s)",
                        jid ? jid : "?", fo_flink_upgrade_mode_name(s->mode));
            json_object_del(p->st, "error");
            fo_restart_mark(p);
        }
        delete_ha = s->mode != FO_FLINK_UPGRADE_LAST_STATE;
        if (is_suspended_spec(json_object_get(p->want, "spec")))
            fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER,
                             FO_REASON_SUSPENDED, "Suspending existing deployment.");
    } else {
        json_object_set_new(fo_json_ensure_object(p->st, "reconciliationStatus"), "state",
                            json_string("UPGRADING"));
    }
    if (s->spec_changed_event)
        fo_act_spec_changed_event(p);
    fo_rc rc = fo_pass_write_status(p, err);
    if (rc != FO_OK)
        return rc;
    if (p->application) {
        json_t *marker = fo_build_suspended_spec(p->last, s->mode);
        fo_act_adopt_last(p, marker);
        json_decref(marker);
        if (s->mode == FO_FLINK_UPGRADE_STATELESS && p->obs.rest_ok)
            fo_act_cancel_job(p);
    }
    int sent = 0;
    rc = fo_act_delete_cluster(p, delete_ha, &sent, err);
    fo_pass_requeue(p, p->set->progress_interval_ms);
    return rc;
}

static fo_rc mark_suspended(fo_pass *p)
{
    const json_t *spec = json_object_get(p->want, "spec");
    fo_build_record_spec(p, spec, FO_RECON_DEPLOYED, false);
    if (!p->invalid) /* an invalid generation is never observed (the last spec is redeployed) */
        json_object_set_new(p->st, "observedGeneration", json_integer(p->generation));
    fo_flink_job_status js = fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
    if (!fo_flink_job_status_is_globally_terminal(js))
        set_job_state(p, "SUSPENDED");
    fo_act_adopt_last(p, spec);
    return FO_OK;
}

/* ---- converge (drift repair and recovery) ---------------------------------------------------- */

/* The cache says the JobManager Deployment is gone; make sure (the cache may lag our own
 * create) before treating it as lost. Another's Deployment of that name is no JobManager of
 * ours either. */
static bool jm_really_missing(fo_pass *p)
{
    if (p->obs.jm_present)
        return false;
    json_t *live = NULL;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = p->env->kube.get(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, p->name, &live, &err);
    bool missing = rc == FO_ENOTFOUND || (rc == FO_OK && !fo_apply_owned_by(live, p->uid));
    json_decref(live);
    return missing;
}

static fo_rc converge(fo_pass *p, const fo_upgrade_input *in, fo_err *err)
{
    if (!p->invalid)
        json_object_set_new(p->st, "observedGeneration", json_integer(p->generation));
    if (p->application && is_suspended_spec(p->last))
        return FO_OK; /* suspended: no cluster to keep */
    bool recover = false;
    if (in->recon_state == FO_RECON_DEPLOYED && jm_really_missing(p)) {
        fo_flink_job_status js =
            fo_flink_job_status_parse(fo_json_get_str(p->st, "jobStatus.state"));
        if (p->application && fo_flink_job_status_is_globally_terminal(js))
            return FO_OK; /* the job ended: never resurrect it */
        if (p->prev_jm != FO_JM_MISSING)
            fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOBMANAGER,
                             FO_REASON_MISSING, "Missing JobManager deployment");
        /* AbstractFlinkDeploymentObserver.onMissingDeployment: the same text in status.error,
         * kept until the cluster runs again (reconcile_deployment.c, settle_error). */
        fo_pass_fail(p, FO_ERROR_MISSING_JOBMANAGER, NULL, "Missing JobManager deployment");
        const char *reason = NULL;
        if (!fo_upgrade_can_recover(in, &reason)) {
            fo_pass_fail(p, FO_ERROR_DEPLOYMENT_FAILED, "ManualRestoreRequired", "%s", reason);
            return FO_OK;
        }
        recover = true;
    }
    fo_build_opts bo = {
        .job_id = p->application ? fo_json_get_str(p->st, "jobStatus.jobId") : NULL,
        .savepoint_path = fo_json_get_str(p->st, "jobStatus.upgradeSavepointPath"),
    };
    fo_rc rc = fo_build_deployed(p, &bo, err);
    /* The cluster keeps the defaults it was launched with (a recovered JobManager too: it goes
     * on with that launch); a changed default waits for its next launch. One another operator
     * launched has no record: it runs with what its flink-config ConfigMap holds. */
    if (rc == FO_OK && bo.foreign)
        rc = fo_build_foreign_conf(p, p->last, false, &bo, err);
    else if (rc == FO_OK)
        rc = fo_build_launch_defaults(p, p->last, bo.launch_ms, true, &bo, err);
    fo_apply_report rep;
    bool applied = false;
    if (rc == FO_OK)
        rc = apply_recorded(p, &bo, &rep, &applied, err);
    fo_build_opts_release(&bo);
    if (rc != FO_OK || !applied)
        return rc;
    if (rep.created || rep.patched)
        fo_log_info("owned objects repaired: %s", rep.changed);
    if (recover) {
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOB,
                         FO_REASON_RECOVER_DEPLOYMENT, "Recovering lost deployment");
        json_object_set_new(p->st, "jobManagerDeploymentStatus", json_string("DEPLOYING"));
        if (p->application)
            set_job_state(p, "RECONCILING");
        fo_pass_requeue(p, p->set->progress_interval_ms);
    }
    return FO_OK;
}

static fo_rc record(fo_pass *p, const fo_upgrade_input *in, fo_err *err)
{
    const json_t *spec = json_object_get(p->want, "spec");
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    fo_build_record_spec(p, spec, rs, true);
    fo_act_adopt_last(p, spec);
    return converge(p, in, err);
}

static fo_rc refuse(fo_pass *p, const fo_upgrade_step *s)
{
    fo_pass_fail(p, FO_ERROR_UPGRADE_FAILURE, "UpgradeRefused", "%s", s->reason);
    fo_act_warn_once(p, FO_REASON_UPGRADE_FAILED);
    fo_pass_requeue(p, p->set->observe_interval_ms);
    return FO_OK;
}

fo_rc fo_act(fo_pass *p, const fo_upgrade_step *s, const fo_upgrade_input *in, fo_err *err)
{
    int sent = 0;
    switch (s->action) {
    case FO_UP_NOTHING:
        return FO_OK;
    case FO_UP_CONVERGE: {
        fo_rc rc = converge(p, in, err);
        return rc == FO_OK ? fo_snap_trigger(p, err) : rc;
    }
    case FO_UP_RECORD:
        return record(p, in, err);
    case FO_UP_DEPLOY:
        return deploy(p, s, err);
    case FO_UP_FINISH_DEPLOY:
        return finish_deploy(p, err);
    case FO_UP_SUSPEND:
        if (s->restart && fo_restart_wait(p))
            return FO_OK;
        return suspend(p, s, err);
    case FO_UP_STOP_SAVEPOINT:
        return fo_act_stop_with_savepoint(p, s, err);
    case FO_UP_AWAIT_SAVEPOINT:
        return fo_act_await_savepoint(p);
    case FO_UP_DELETE_CLUSTER:
        fo_pass_requeue(p, p->set->progress_interval_ms);
        return fo_act_delete_cluster(p, s->delete_ha_data, &sent, err);
    case FO_UP_WAIT:
        fo_act_report_slow_teardown(p);
        fo_pass_requeue(p, p->set->progress_interval_ms);
        return FO_OK;
    case FO_UP_MARK_SUSPENDED:
        return mark_suspended(p);
    case FO_UP_REFUSE:
        return refuse(p, s);
    }
    return FO_OK;
}
