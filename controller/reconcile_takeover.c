/* Taking over a cluster whose Deployments Flink's clients left without an owner. The Apache
 * operator gives the JobManager Deployment (and a standalone cluster's TaskManager Deployment)
 * the FlinkDeployment's ownerReference through kubernetes.jobmanager.owner.reference since
 * 1.3 (FLINK-28979); before that, and in a session cluster its recovery made again before 1.15
 * (FLINK-39559: the recovery's configuration lacked the option), the Deployment has none. Such a
 * Deployment, with the labels Flink gives this cluster's JobManager (or TaskManager), is the
 * resource's cluster: it gets the reference Apache's operator would have given it, under its
 * resourceVersion, before the pass reads anything from it.
 *
 * A cluster another operator launched is marked so on its Deployments (FO_FOREIGN_LAUNCH_LABEL)
 * in the same step, before flinkop writes anything else to it: Flink's client rendered its pods
 * and its configuration, which flinkop's rendering of the recorded spec never matches exactly
 * (Flink's JobManager arguments end with a blank, its configuration file holds the Apache
 * operator's defaults in another order), and repairing them would roll the JobManager without
 * savepoint or upgrade mode. The cluster keeps them until its next launch (resources.h). */
#include <stdio.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/apply.h"
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

bool fo_takeover_is_foreign(const json_t *deployment)
{
    const char *v =
        fo_json_str(fo_json_get(deployment, "metadata.labels"), FO_FOREIGN_LAUNCH_LABEL);
    return v && strcmp(v, FO_FOREIGN_LAUNCH_VALUE) == 0;
}

/* Did another operator launch the cluster whose JobManager Deployment is jm (the resource's,
 * or one adopted in this pass)? Asked once, before flinkop writes anything to the cluster, and
 * told the later passes (and a restarted controller) by FO_FOREIGN_LAUNCH_LABEL on its
 * Deployments: the record flinkop writes at its first IGNORE-class change would tell them
 * otherwise. Every Deployment flinkop launched carries FO_RENDER_ANNOTATION (level 2 and later) or
 * FO_LAUNCH_ANNOTATION (a job result store per launch, with HA), and next to them flinkop's
 * record carries its mark; a cluster launched before both, and before the mark, is told by its
 * flink-config ConfigMap, which flinkop makes the resource's alone and Flink's client the
 * JobManager Deployment's (Fabric8FlinkKubeClient.createJobManagerComponent; the takeover adds
 * the resource's reference and keeps the Deployment's). A ConfigMap that is missing is no
 * evidence either way: the cluster is kept as it runs, the safe side (a JobManager that
 * flinkop's repair of its pod template would restart may run a job without HA). */
static bool launched_elsewhere(const fo_pass *p, const json_t *jm)
{
    if (fo_takeover_is_foreign(jm))
        return true;
    const json_t *annotations = fo_json_get(jm, "metadata.annotations");
    if (fo_json_str(annotations, FO_RENDER_ANNOTATION) ||
        fo_json_str(annotations, FO_LAUNCH_ANNOTATION))
        return false;
    fo_rc lrc = FO_OK;
    fo_flink_spec_meta meta = {.by_flinkop = false};
    json_t *last = fo_flink_last_reconciled_spec(p->obj, &meta, &lrc);
    bool apache_record = last && !meta.by_flinkop;
    json_decref(last);
    if (!apache_record)
        return false;
    char name[300];
    json_t *cm = p->env->kube.cached(p->env->kube.ctx, FO_CTL_CONFIG_MAP, p->ns,
                                     fo_flink_config_map_name(p->name, name, sizeof name));
    bool flinkops = cm && fo_apply_owned_by(cm, p->uid) &&
                    !fo_apply_owned_by(cm, fo_json_get_str(jm, "metadata.uid"));
    json_decref(cm);
    return !flinkops;
}

/* One metadata-only merge patch of the Deployment live under its resourceVersion, restarting
 * nothing: the reference Apache's operator gives the Deployments when component names an
 * orphan to adopt (AbstractFlinkResourceReconciler.setOwnerReference: controller false, as
 * Flink's owner-reference option writes it), FO_FOREIGN_LAUNCH_LABEL when foreign. */
static fo_rc take(fo_pass *p, const json_t *live, const char *component, bool foreign,
                  fo_err *err)
{
    const char *api_version = fo_json_str(p->obj, "apiVersion");
    const char *name = fo_json_get_str(live, "metadata.name");
    json_t *patch = json_pack("{s:{s:s?}}", "metadata", "resourceVersion",
                              fo_json_get_str(live, "metadata.resourceVersion"));
    json_t *meta = json_object_get(patch, "metadata");
    if (meta && component)
        json_object_set_new(
            meta, "ownerReferences",
            json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion",
                      api_version ? api_version : FO_FLINK_API_VERSION, "kind",
                      FO_FLINK_KIND_DEPLOYMENT, "name", p->name, "uid", p->uid,
                      "blockOwnerDeletion", 1, "controller", 0));
    if (meta && foreign)
        json_object_set_new(meta, "labels",
                            json_pack("{s:s}", FO_FOREIGN_LAUNCH_LABEL, FO_FOREIGN_LAUNCH_VALUE));
    if (!meta)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_rc rc = p->env->kube.patch(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, name, false, patch,
                                  NULL, err);
    json_decref(patch);
    if (rc != FO_OK) {
        fo_err_wrap(err, "%s Deployment %s", component ? "adopting" : "marking", name);
        return rc;
    }
    p->writes++;
    if (component) {
        fo_log_info("adopted Deployment %s: it had no owner and carries the labels of this "
                    "cluster's %s",
                    name, component);
        fo_ctl_evbuf_add(&p->events, FO_EVENT_NORMAL, FO_COMPONENT_JOBMANAGER, FO_REASON_ADOPTED,
                         "Deployment %s had no owner; its labels make it this cluster's %s: it "
                         "is taken over as it runs",
                         name, component);
    }
    if (foreign)
        fo_log_info("Deployment %s was launched by another operator: its pods and its "
                    "configuration are kept as they run until the cluster's next launch (%s: "
                    "%s)",
                    name, FO_FOREIGN_LAUNCH_LABEL, FO_FOREIGN_LAUNCH_VALUE);
    return FO_OK;
}

fo_rc fo_takeover_adopt(fo_pass *p, bool *adopted, fo_err *err)
{
    *adopted = false;
    char tm[300];
    const char *names[2] = {p->name, fo_flink_tm_deployment_name(p->name, tm, sizeof tm)};
    json_t *live[2] = {NULL, NULL};
    const char *orphan[2] = {NULL, NULL};
    bool ours[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        live[i] = p->env->kube.cached(p->env->kube.ctx, FO_CTL_DEPLOYMENT, p->ns, names[i]);
        orphan[i] = fo_takeover_orphan(p, live[i]);
        ours[i] = live[i] && !fo_json_get(live[i], "metadata.deletionTimestamp") &&
                  (orphan[i] || fo_apply_owned_by(live[i], p->uid));
    }
    /* The JobManager Deployment tells for both: the standalone TaskManagers were launched with
     * it. */
    bool foreign = ours[0] && launched_elsewhere(p, live[0]);
    fo_rc rc = FO_OK;
    for (int i = 0; i < 2 && rc == FO_OK; i++) {
        bool mark = foreign && ours[i] && !fo_takeover_is_foreign(live[i]) &&
                    !fo_json_str(fo_json_get(live[i], "metadata.annotations"),
                                 FO_RENDER_ANNOTATION);
        if (!orphan[i] && !mark)
            continue;
        rc = take(p, live[i], orphan[i], mark, err);
        if (rc == FO_OK)
            *adopted = true;
    }
    json_decref(live[0]);
    json_decref(live[1]);
    return rc;
}
