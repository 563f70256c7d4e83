/* Taking over a cluster whose Deployments Flink's clients left without an owner. The Apache
 * operator gives the JobManager Deployment (and a standalone cluster's TaskManager Deployment)
 * the FlinkDeployment's ownerReference through kubernetes.jobmanager.owner.reference since
 * 1.3 (FLINK-28979); before that, and in a session cluster its recovery made again before 1.15
 * (FLINK-39559: the recovery's configuration lacked the option), the Deployment has none. Such a
 * Deployment, with the labels Flink gives this cluster's JobManager (or TaskManager), is the
 * resource's cluster: it gets the reference Apache's operator would have given it, under its
 * resourceVersion, before the pass reads anything from it. */
#include <stdio.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/reconcile_internal.h"
#include "controller/resources.h"

/* Did the Apache operator deploy a cluster that is meant to run (a session cluster, or a job
 * recorded running), and in which mode? Only its record says so. A resource that recorded
 * nothing has deployed nothing, and flinkop records a spec (its mark on it) before it creates
 * a cluster, always with the resource's ownerReference: a Deployment of the name without one
 * is then a cluster that outlived an earlier resource of that name (deleted with
 * --cascade=orphan, whose garbage collector strips the ownerReferences) or one made by hand.
 * Nor is one adopted for a job recorded suspended: it is no cluster the resource runs, and
 * adopting it would hand it to the suspend's teardown. */
static bool apache_cluster_runs(const json_t *last, bool by_flinkop, bool *standalone)
{
    fo_flink_view v;
    if (!json_is_object(last) || by_flinkop ||
        fo_flink_view_init_spec(&v, last, FO_FLINK_DEPLOYMENT, NULL) != FO_OK)
        return false;
    *standalone = fo_flink_effective_mode(&v, last) == FO_FLINK_MODE_STANDALONE;
    const char *state = fo_json_get_str(last, "job.state");
    return !fo_flink_is_application(&v) || !state || strcmp(state, "suspended") != 0;
}

static bool label_is(const json_t *labels, const char *key, const char *value)
{
    const char *v = fo_json_str(labels, key);
    return v && strcmp(v, value) == 0;
}

const char *fo_takeover_orphan(const fo_pass *p, const json_t *live)
{
    if (!live || json_array_size(fo_json_get(live, "metadata.ownerReferences")) > 0 ||
        fo_json_get(live, "metadata.deletionTimestamp"))
        return NULL;
    const char *name = fo_json_get_str(live, "metadata.name");
    char tm[300];
    fo_flink_tm_deployment_name(p->name, tm, sizeof tm);
    const char *component = NULL;
    if (name && strcmp(name, p->name) == 0)
        component = "jobmanager";
    else if (name && strcmp(name, tm) == 0)
        component = "taskmanager";
    /* KubernetesUtils / StandaloneKubernetesUtils selectors: type, app=<cluster id>, component */
    const json_t *labels = fo_json_get(live, "metadata.labels");
    if (!component || !label_is(labels, "app", p->name) ||
        !label_is(labels, "component", component))
        return NULL;
    /* Only now the record, which is worth reading for a Deployment that could be adopted. */
    fo_rc lrc = FO_OK;
    fo_flink_spec_meta meta = {.by_flinkop = false};
    json_t *last = fo_flink_last_reconciled_spec(p->obj, &meta, &lrc);
    bool standalone = false;
    bool runs = apache_cluster_runs(last, meta.by_flinkop, &standalone);
    json_decref(last);
    if (!runs || (!standalone && strcmp(component, "taskmanager") == 0) ||
        !label_is(labels, "type", standalone ? FO_TYPE_STANDALONE : FO_TYPE_NATIVE))
        return NULL;
    return component;
}

/* AbstractFlinkResourceReconciler.setOwnerReference: the reference Apache's operator gives the
 * Deployments (controller false, as Flink's owner-reference option writes it). */
static fo_rc adopt(fo_pass *p, const json_t *live, const char *component, fo_err *err)
{
    const char *api_version = fo_json_str(p->obj, "apiVersion");
    const char *name = fo_json_get_str(live, "metadata.name");
    json_t *patch = json_pack(
        "{s:{s:s?, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}}", "metadata", "resourceVersion",
        fo_json_get_str(live, "metadata.resourceVersion"), "ownerReferences", "apiVersion",
        api_version ? api_version : FO_FLINK_API_VERSION, "kind", FO_FLINK_KIND_DEPLOYMENT, "name",
        p->name, "uid", p->uid, "blockOwnerDeletion", 1, "controller", 0);
    if (!patch)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_rc rc = p->env->kube.patch(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, name, false, patch,
                                  NULL, err);
    json_decref(patch);
    if (rc != FO_OK) {
        fo_err_wrap(err, "adopting Deployment %s", name);
        return rc;
    }
    p->writes++;
    fo_log_info("adopted Deployment %s: it had no owner and carries the labels of this "
                "cluster's %s",
                name, component);
    fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_ADOPTED,
                     "Deployment %s had no owner; its labels make it this cluster's %s: it is "
                     "taken over as it runs",
                     name, component);
    return FO_OK;
}

fo_rc fo_takeover_adopt(fo_pass *p, bool *adopted, fo_err *err)
{
    *adopted = false;
    char tm[300];
    const char *names[2] = {p->name, fo_flink_tm_deployment_name(p->name, tm, sizeof tm)};
    for (int i = 0; i < 2; i++) {
        json_t *live = p->env->kube.cached(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, names[i]);
        const char *component = fo_takeover_orphan(p, live);
        fo_rc rc = component ? adopt(p, live, component, err) : FO_OK;
        json_decref(live);
        if (rc != FO_OK)
            return rc;
        if (component)
            *adopted = true;
    }
    return FO_OK;
}
