/* The finalizer and the deletion path (reference c.18). Deletion never gets stuck: a missing
 * cluster, an unreachable Flink or objects that are already gone all end with the finalizer
 * removed, at the latest once the cleanup timeout has passed since deletionTimestamp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/log.h"
#include "controller/reconcile_internal.h"

static bool has_finalizer(const json_t *obj)
{
    size_t i;
    json_t *f;
    json_array_foreach(fo_json_get(obj, "metadata.finalizers"), i, f)
    {
        if (json_is_string(f) && strcmp(json_string_value(f), FO_FINALIZER) == 0)
            return true;
    }
    return false;
}

/* Merge-patch metadata.finalizers to `list` (stolen), conditional on the resourceVersion. */
static fo_rc patch_finalizers(fo_pass *p, json_t *list, fo_err *err)
{
    json_t *patch = json_pack("{s:{s:o}}", "metadata", "finalizers", list);
    const char *rv = fo_json_get_str(p->obj, "metadata.resourceVersion");
    if (rv)
        json_object_set_new(json_object_get(patch, "metadata"), "resourceVersion", json_string(rv));
    json_t *out = NULL;
    fo_rc rc = p->env->kube.patch(p->env->kube.ctx, FO_CTL_FLINK_DEPLOYMENT, p->ns, p->name, false,
                                  patch, &out, err);
    json_decref(patch);
    if (rc == FO_OK) {
        fo_own_writes_note(p->env->own_writes, p->ns, p->name, rv,
                           fo_json_get_str(out, "metadata.resourceVersion"));
        p->writes++;
        if (json_is_object(out) && fo_json_get(out, "metadata")) {
            json_decref(p->obj);
            p->obj = out;
            out = NULL;
        }
    }
    json_decref(out);
    return rc;
}

fo_rc fo_ensure_finalizer(fo_pass *p, fo_err *err)
{
    if (has_finalizer(p->obj))
        return FO_OK;
    json_t *list = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(fo_json_get(p->obj, "metadata.finalizers"), i, f)
    {
        json_array_append(list, f);
    }
    json_array_append_new(list, json_string(FO_FINALIZER));
    fo_rc rc = patch_finalizers(p, list, err);
    if (rc != FO_OK)
        fo_err_wrap(err, "adding the finalizer");
    return rc;
}

static fo_rc remove_finalizer(fo_pass *p, fo_err *err)
{
    json_t *list = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(fo_json_get(p->obj, "metadata.finalizers"), i, f)
    {
        if (!(json_is_string(f) && strcmp(json_string_value(f), FO_FINALIZER) == 0))
            json_array_append(list, f);
    }
    fo_rc rc = patch_finalizers(p, list, err);
    if (rc == FO_ENOTFOUND) { /* already gone: nothing left to hold */
        fo_err_clear(err);
        rc = FO_OK;
    }
    if (rc != FO_OK)
        fo_err_wrap(err, "removing the finalizer");
    return rc;
}

fo_rc fo_release_canary(fo_pass *p, fo_err *err)
{
    if (!fo_kube_oversized_keeps_finalizers(p->obj) || !has_finalizer(p->obj))
        return FO_OK;
    fo_rc rc = remove_finalizer(p, err);
    if (rc == FO_OK)
        fo_log_info("finalizer removed from the canary being deleted");
    return rc;
}

/* Can Flink write HA ConfigMaps for this resource: it has some, or the cluster as deployed
 * (conf: its recorded spec with the defaults of its launch) has HA on? (A JobManager pod stuck
 * terminating holds the deletion only then.) Without a recorded spec, the resource's spec with
 * the current defaults tells. */
static bool uses_ha(const fo_pass *p, const json_t *ha, const json_t *conf)
{
    if (json_array_size(ha) > 0)
        return true;
    if (conf)
        return fo_flink_ha_enabled(conf);
    fo_err err;
    fo_err_clear(&err);
    const json_t *spec = json_object_get(p->obj, "spec");
    json_t *built = json_is_object(spec) ? fo_build_conf(p, spec, NULL, &err) : NULL;
    if (!built) /* a spec that cannot be read (a stub has none): the defaults alone */
        built = fo_flink_conf_defaults_for(fo_cluster_defaults_flink_config(p->cd), p->ns,
                                           FO_FLINK_VERSION_UNKNOWN);
    bool on = !built || fo_flink_ha_enabled(built); /* out of memory: wait, which is safe */
    json_decref(built);
    return on;
}

/* Delete what is left (owned objects and the HA ConfigMaps); count what still exists. The HA
 * ConfigMaps go only once no JobManager pod is left (or the cleanup timeout passed): a
 * JobManager still shutting down writes them, and its leader election creates the leader
 * map again when it is missing, which would outlive the resource (the Apache operator awaits
 * the pods too, reference c.13). */
static fo_rc delete_owned(fo_pass *p, const json_t *conf, bool timed_out, int *remaining,
                          fo_err *err)
{
    *remaining = 0;
    fo_apply_ref refs[8];
    char bufs[8][300];
    size_t n = fo_build_owned_refs(p->name, refs, bufs);
    /* The HA data goes too unless the operator keeps it (--delete-ha-data=false), e.g. to
     * recreate the resource later from its last checkpoint. */
    json_t *ha = p->set->delete_ha_data ? fo_observe_ha_maps(p->env, p->ns, p->name) : json_array();
    bool ha_waits = p->set->delete_ha_data && !timed_out && uses_ha(p, ha, conf) &&
                    fo_observe_jobmanager_pods_left(p->env, p->ns, p->name);
    char config_map[300];
    fo_flink_config_map_name(p->name, config_map, sizeof config_map);
    if (ha_waits)
        (*remaining)++; /* the pods, which can still write HA data */
    fo_rc first = FO_OK;
    /* refs start with the JobManager Deployment: it goes first, so Flink stops writing. */
    for (size_t i = 0; i < n + json_array_size(ha); i++) {
        fo_ctl_kind kind = i < n ? refs[i].kind : FO_CTL_CONFIG_MAP;
        json_t *live = i < n ? p->env->kube.cached(p->env->kube.ctx, kind, p->ns, refs[i].name)
                             : json_incref(json_array_get(ha, i - n));
        if (!live)
            continue;
        /* A Deployment of the cluster Flink left without an owner goes too, as the Apache
         * operator's cleanup deletes the cluster by name (controller/reconcile_takeover.c). */
        if (i < n && !fo_apply_owned_by(live, p->uid) &&
            !(kind == FO_CTL_DEPLOYMENT && fo_takeover_orphan(p, live))) {
            json_decref(live);
            continue;
        }
        (*remaining)++;
        /* While the wait lasts, the flink-config ConfigMap stays too: its record of the
         * launch's defaults tells the next passes that the cluster has HA. */
        bool kept = ha_waits && (i >= n || (kind == FO_CTL_CONFIG_MAP &&
                                             strcmp(refs[i].name, config_map) == 0));
        if (!fo_json_get(live, "metadata.deletionTimestamp") && !kept) {
            const char *name = fo_json_get_str(live, "metadata.name");
            fo_err e;
            fo_err_clear(&e);
            fo_rc rc = p->env->kube.remove(p->env->kube.ctx, kind, p->ns, name,
                                           fo_json_get_str(live, "metadata.uid"), "Background", &e);
            if (rc == FO_OK) {
                p->writes++;
                fo_log_info("deleted %s %s", fo_ctl_kind_get(kind)->kind, name);
            } else if (rc != FO_ENOTFOUND) {
                fo_log_warn("cannot delete %s %s: %s", fo_ctl_kind_get(kind)->kind, name,
                            e.message);
                if (first == FO_OK) {
                    first = rc;
                    *err = e;
                }
            }
        }
        json_decref(live);
    }
    json_decref(ha);
    return first;
}

fo_rc fo_cleanup(fo_pass *p, fo_err *err)
{
    /* A stub (common/kube_oversized.h) may have kept less than the finalizers, or the status. */
    bool knows_finalizers = fo_kube_oversized_keeps_finalizers(p->obj);
    bool knows_status = fo_kube_oversized_keeps_status(p->obj);
    if (knows_finalizers && !has_finalizer(p->obj))
        return FO_OK; /* not ours (any more): the API server finishes the deletion */
    json_t *status = json_object_get(p->obj, "status");
    p->st = json_is_object(status) ? fo_json_copy(status) : json_object();
    fo_flink_view v;
    if (fo_flink_view_init(&v, p->obj, NULL) == FO_OK) {
        p->application = fo_flink_is_application(&v);
    } else if (fo_kube_oversized(p->obj)) { /* no spec: what was deployed */
        fo_rc lrc = FO_OK;
        json_t *last = fo_flink_last_reconciled_spec(p->obj, NULL, &lrc);
        p->application = json_is_object(json_object_get(last, "job"));
        json_decref(last);
    }
    json_t *conf = fo_build_deployed_conf(p); /* the cluster's, launch defaults included */
    fo_build_rest_base(p, conf);

    const char *life = fo_json_str(p->st, "lifecycleState");
    /* Without the status there is no job id to cancel (deleting the cluster stops the job) and
     * nothing to tell whether the Cleanup Event went out: every pass would send it. */
    if (knows_status && (!life || strcmp(life, "DELETING") != 0)) {
        fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_OPERATOR, FO_REASON_CLEANUP,
                         "Cleaning up FlinkDeployment");
        /* Best effort: a job that ends cleanly writes its final state; nothing waits on it. */
        if (p->application)
            fo_act_cancel_job(p);
        json_object_set_new(p->st, "lifecycleState", json_string("DELETING"));
    }

    int64_t since = p->now_ms;
    fo_clock_parse_rfc3339(fo_json_get_str(p->obj, "metadata.deletionTimestamp"), &since);
    bool timed_out = p->now_ms - since >= p->set->cleanup_timeout_ms;
    int remaining = 0;
    fo_err derr;
    fo_err_clear(&derr);
    fo_rc drc = delete_owned(p, conf, timed_out, &remaining, &derr);
    json_decref(conf);
    if (remaining > 0 && !timed_out) {
        /* sends the Cleanup Event once recorded; from nothing it would overwrite the status */
        fo_rc rc = knows_status ? fo_pass_write_status(p, err) : FO_OK;
        if (rc != FO_OK && rc != FO_ENOTFOUND)
            return rc;
        fo_pass_requeue(p,
                        p->set->progress_interval_ms < 2000 ? p->set->progress_interval_ms : 2000);
        return FO_OK;
    }
    if (remaining > 0 && knows_finalizers)
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_CLEANUP_FAILED,
                         "%d owned object(s) still present after the cleanup timeout (%s%s); "
                         "removing the finalizer anyway",
                         remaining, drc != FO_OK ? derr.message : "still terminating",
                         fo_observe_jobmanager_pods_left(p->env, p->ns, p->name)
                             ? "; a JobManager pod is still there"
                             : "");
    if (!knows_finalizers) {
        /* The list could not be read without building the heavy object; writing one from the
         * stub would drop the others'. */
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_CLEANUP_FAILED,
                         "%s; its metadata.finalizers are too many to read: remove %s by hand "
                         "if it is there",
                         remaining ? "owned objects are still present after the cleanup timeout"
                                   : "its Flink cluster is deleted",
                         FO_FINALIZER);
        fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
        return fo_err_set(err, FO_ETERMINAL, "finalizers too many to read");
    }
    fo_rc rc = remove_finalizer(p, err);
    if (rc != FO_OK)
        return rc;
    fo_log_info("finalizer removed, %s",
                remaining ? "after the cleanup timeout" : "every owned object is gone");
    fo_ctl_evbuf_flush(&p->events, p->env, p->obj);
    return FO_OK;
}
