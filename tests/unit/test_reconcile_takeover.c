/* controller: taking over the Flink clusters the Apache Flink Kubernetes Operator deployed
 * (docs/install.md, "Migrating"), whose objects are owned as Apache and Flink own them:
 *
 * - the JobManager Deployment (and a standalone cluster's TaskManager Deployment) by the
 *   FlinkDeployment, through kubernetes.jobmanager.owner.reference, which Apache's operator
 *   sets since 1.3 (AbstractFlinkResourceReconciler.setOwnerReference: controller false,
 *   blockOwnerDeletion true); before 1.3, and for a session cluster Apache recovered before
 *   1.15 (FLINK-39559), by nothing at all;
 * - the objects Flink's client creates beside it (the rest and internal Services, the
 *   flink-config and pod-template ConfigMaps) by that Deployment alone
 *   (Fabric8FlinkKubeClient.createJobManagerComponent, setOwnerReference: controller and
 *   blockOwnerDeletion true), not by the FlinkDeployment.
 *
 * The clusters are deployed here by the controller, then their ownerReferences, the record
 * and flinkop's annotations are rewritten as Apache and Flink write them (names and labels are
 * already Flink's); where the pods and configuration matter, the JobManager Deployment and
 * flink-config ConfigMap are replaced by the ones Flink's native client renders
 * (tests/data/apache-native-jobmanager.yaml). Kubernetes' garbage collector, which a unit
 * fake does not run, is simulated where a test deletes an owner (kube-api-semantics.md §8). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "controller/reconcile_deployment.h"
#include "tests/unit/ctl_scenario.h"

/* ---- the objects as Apache's operator and Flink leave them -------------------------------- */

/* Replace the record with the spec as the Apache operator records it: as written, without
 * flinkop's mark. */
static void record_as_apache_would(fake_world *w, const char *name)
{
    json_t *obj = fd(w, name);
    char *spec = fo_json_dumps_compact(json_object_get(obj, "spec"));
    char apache[16384];
    snprintf(apache, sizeof apache,
             "{\"spec\":%s,\"resource_metadata\":{\"apiVersion\":\"flink.apache.org/v1beta1\","
             "\"firstDeployment\":false}}",
             spec);
    free(spec);
    ck_assert_int_eq(fo_json_set_path(json_object_get(obj, "status"),
                                      "reconciliationStatus.lastReconciledSpec",
                                      json_string(apache)),
                     FO_OK);
}

/* AbstractFlinkResourceReconciler.setOwnerReference: the reference Apache puts into
 * kubernetes.jobmanager.owner.reference. */
static json_t *apache_owner_ref(fake_world *w, const char *name)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", "flink.apache.org/v1beta1",
                     "kind", "FlinkDeployment", "name", name, "uid",
                     fo_json_get_str(fd(w, name), "metadata.uid"), "blockOwnerDeletion", 1,
                     "controller", 0);
}

/* Fabric8FlinkKubeClient.setOwnerReference: the JobManager Deployment as the one owner. */
static json_t *flink_owner_ref(const json_t *jm)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", "apps/v1", "kind",
                     "Deployment", "name", fo_json_get_str(jm, "metadata.name"), "uid",
                     fo_json_get_str(jm, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1);
}

/* Store the object with these ownerReferences (stolen; NULL: none), as the server keeps it. */
static void set_owners(fake_world *w, fo_ctl_kind kind, const char *name, json_t *refs)
{
    json_t *o = owned(w, kind, name);
    ck_assert_ptr_nonnull(o);
    json_t *copy = json_deep_copy(o);
    json_t *meta = json_object_get(copy, "metadata");
    if (refs)
        json_object_set_new(meta, "ownerReferences", refs);
    else
        json_object_del(meta, "ownerReferences");
    fake_put(&w->kube, copy);
    json_decref(copy);
}

/* The objects Flink's client creates beside the JobManager Deployment, by name. */
static void beside_names(const char *name, char out[4][300])
{
    snprintf(out[0], 300, "%s-rest", name);
    snprintf(out[1], 300, "%s", name);
    snprintf(out[2], 300, "flink-config-%s", name);
    snprintf(out[3], 300, "pod-template-%s", name);
}

static const fo_ctl_kind beside_kinds[4] = {FO_CTL_SERVICE, FO_CTL_SERVICE, FO_CTL_CONFIG_MAP,
                                            FO_CTL_CONFIG_MAP};

/* Store the object without the annotations flinkop writes on what it launches (the rendering
 * level and launch of a Deployment, the launch and its defaults' record on the flink-config
 * ConfigMap): neither Apache nor Flink writes them. */
static void without_flinkops_marks(fake_world *w, fo_ctl_kind kind, const char *name)
{
    json_t *o = owned(w, kind, name);
    if (!o)
        return;
    json_t *copy = json_deep_copy(o);
    json_t *annotations = (json_t *)fo_json_get(copy, "metadata.annotations");
    static const char *const marks[] = {"flinkop.io/render", "flinkop.io/launch",
                                        "flinkop.io/launch-defaults"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        json_object_del(annotations, marks[i]);
    fake_put(&w->kube, copy);
    json_decref(copy);
}

/* A cluster of `name` as Apache's operator and Flink left it: the Deployments owned by the
 * FlinkDeployment (Apache 1.3 and later) or by nothing (`deployments_owned` false), the objects
 * beside the JobManager Deployment owned by that Deployment alone, the spec recorded by Apache,
 * none of flinkop's annotations. */
static void leave_as_apache_would(fake_world *w, const char *name, bool deployments_owned)
{
    record_as_apache_would(w, name);
    char tm[300];
    snprintf(tm, sizeof tm, "%s-taskmanager", name);
    const char *deployments[] = {name, tm};
    for (int i = 0; i < 2; i++) {
        if (!owned(w, FO_CTL_DEPLOYMENT, deployments[i]))
            continue;
        set_owners(w, FO_CTL_DEPLOYMENT, deployments[i],
                   deployments_owned ? json_pack("[o]", apache_owner_ref(w, name)) : NULL);
        without_flinkops_marks(w, FO_CTL_DEPLOYMENT, deployments[i]);
    }
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, name);
    char names[4][300];
    beside_names(name, names);
    for (int i = 0; i < 4; i++) {
        if (owned(w, beside_kinds[i], names[i]))
            set_owners(w, beside_kinds[i], names[i], json_pack("[o]", flink_owner_ref(jm)));
        without_flinkops_marks(w, beside_kinds[i], names[i]);
    }
}

/* The ownerReference with this uid in obj, or NULL. Borrowed. */
static const json_t *ref_to(const json_t *obj, const char *uid)
{
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(obj, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (u && uid && strcmp(u, uid) == 0)
            return ref;
    }
    return NULL;
}

/* Kubernetes' garbage collector (kube-api-semantics.md §8, attemptToDeleteItem): references to
 * owners that are gone are dropped; an object none of whose owners is left is deleted. Runs
 * until nothing changes (a deleted owner's dependents go next). */
static void collect_garbage(fake_world *w)
{
    for (bool acted = true; acted;) {
        acted = false;
        for (int k = 0; k < FO_CTL_KIND_COUNT; k++) {
            json_t *names = json_array();
            const char *key;
            json_t *o;
            json_object_foreach(w->kube.store[k], key, o)
            {
                json_array_append_new(names, json_string(fo_json_get_str(o, "metadata.name")));
            }
            size_t i;
            json_t *n;
            json_array_foreach(names, i, n)
            {
                json_t *o2 = owned(w, (fo_ctl_kind)k, json_string_value(n));
                const json_t *refs = fo_json_get(o2, "metadata.ownerReferences");
                if (json_array_size(refs) == 0)
                    continue;
                json_t *kept = json_array();
                size_t j;
                json_t *ref;
                json_array_foreach((json_t *)refs, j, ref)
                {
                    bool there = false;
                    for (int ok = 0; ok < FO_CTL_KIND_COUNT && !there; ok++) {
                        json_t *owner;
                        const char *okey;
                        json_object_foreach(w->kube.store[ok], okey, owner)
                        {
                            const char *uid = fo_json_get_str(owner, "metadata.uid");
                            if (uid && strcmp(uid, fo_json_str(ref, "uid")) == 0)
                                there = true;
                        }
                    }
                    if (there)
                        json_array_append(kept, ref);
                }
                if (json_array_size(kept) == 0) {
                    fake_drop(&w->kube, (fo_ctl_kind)k, NS, json_string_value(n));
                    acted = true;
                } else if (json_array_size(kept) < json_array_size(refs)) {
                    set_owners(w, (fo_ctl_kind)k, json_string_value(n), json_incref(kept));
                    acted = true;
                }
                json_decref(kept);
            }
            json_decref(names);
        }
    }
}

/* Three passes an observe interval apart: nothing deleted or created, no Flink call but GETs
 * (no job cancelled or savepoint taken), STABLE, no status.error, no Warning. */
static void passes_leave_it_running(fake_world *w, const char *name)
{
    size_t before = w->kube.nlog, calls = w->flink.ncalls, events = w->events.n;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms + 1000);
    }
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_KIND_COUNT), 0);
    const char *error = st_str(w, name, "error");
    ck_assert_msg(!error, "status.error: %s", error ? error : "");
    ck_assert_str_eq(st_str(w, name, "lifecycleState"), "STABLE");
    for (size_t i = calls; i < w->flink.ncalls; i++)
        ck_assert_msg(strncmp(w->flink.calls[i], "GET ", 4) == 0, "called %s", w->flink.calls[i]);
    for (size_t i = events; i < w->events.n; i++)
        ck_assert_msg(w->events.ev[i].type != FO_EVENT_WARNING, "Warning %s: %s",
                      w->events.ev[i].reason, w->events.ev[i].message);
}

/* No write since `from` changed a Deployment's spec (its pods): the takeover restarts
 * nothing. */
static void no_deployment_spec_written(fake_world *w, size_t from)
{
    for (size_t i = from; i < w->kube.nlog; i++)
        if (w->kube.log[i].kind == FO_CTL_DEPLOYMENT)
            ck_assert_msg(!json_object_get(w->kube.log[i].body, "spec"),
                          "%s of Deployment %s wrote its spec", w->kube.log[i].verb,
                          w->kube.log[i].name);
}

/* Each object beside the JobManager Deployment is the resource's now (its reference, the
 * controller one) and keeps the Deployment's, which may no longer say controller. */
static void beside_objects_owned_by_both(fake_world *w, const char *name, const char *jm_uid)
{
    const char *uid = fo_json_get_str(fd(w, name), "metadata.uid");
    char names[4][300];
    beside_names(name, names);
    for (int i = 0; i < 4; i++) {
        json_t *o = owned(w, beside_kinds[i], names[i]);
        if (!o)
            continue;
        const json_t *ours = ref_to(o, uid), *jms = ref_to(o, jm_uid);
        ck_assert_msg(ours != NULL, "%s has no reference to the FlinkDeployment", names[i]);
        ck_assert(json_is_true(json_object_get(ours, "controller")));
        ck_assert_msg(jms != NULL, "%s lost the JobManager Deployment's reference", names[i]);
        ck_assert(!json_is_true(json_object_get(jms, "controller")));
        ck_assert(json_is_true(json_object_get(jms, "blockOwnerDeletion")));
    }
}

static int warnings(const fake_world *w, const char *reason)
{
    int n = 0;
    for (size_t i = 0; i < w->events.n; i++)
        if (w->events.ev[i].type == FO_EVENT_WARNING && strcmp(w->events.ev[i].reason, reason) == 0)
            n++;
    return n;
}

/* How the Deployments of a taken-over cluster were owned: by the FlinkDeployment (Apache 1.3
 * and later), by nothing (before). The tests of what follows a takeover run with each. */
static const bool deployments_owned[] = {true, false};
#define N_OWNED (sizeof deployments_owned / sizeof *deployments_owned)

/* ---- Apache 1.3 and later: the Deployment is the resource's, what is beside it the
 * Deployment's ---------------------------------------------------------------------------- */

START_TEST(a_native_cluster_the_apache_operator_deployed_is_taken_over_as_it_runs)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, true);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    int64_t gen = 0;
    fo_json_get_int(jm, "metadata.generation", &gen);
    const char *jid = st_str(w, n, "jobStatus.jobId");
    char job[64];
    snprintf(job, sizeof job, "%s", jid);
    size_t from = w->kube.nlog;

    passes_leave_it_running(w, n);
    beside_objects_owned_by_both(w, n, jm_uid);
    no_deployment_spec_written(w, from);
    int64_t now = 0;
    fo_json_get_int(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.generation", &now);
    ck_assert_int_eq(now, gen);
    ck_assert_str_eq(fo_json_get_str(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.uid"), jm_uid);
    ck_assert_str_eq(st_str(w, n, "jobStatus.jobId"), job);
    /* taken over once: later passes write nothing */
    size_t settled = w->kube.nlog;
    passes_leave_it_running(w, n);
    ck_assert_int_eq(fake_count(&w->kube, settled, NULL, FO_CTL_KIND_COUNT), 0);
    fake_world_free(w);
}
END_TEST

/* A session cluster (with its Ingress, which Apache's IngressUtils makes the resource's). */
START_TEST(a_session_cluster_the_apache_operator_deployed_is_taken_over)
{
    fake_world *w = world_with("controller-session.yaml");
    const char *n = "session-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, true);
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s",
             fo_json_get_str(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.uid"));
    size_t from = w->kube.nlog;
    passes_leave_it_running(w, n);
    beside_objects_owned_by_both(w, n, jm_uid);
    no_deployment_spec_written(w, from);
    fake_world_free(w);
}
END_TEST

/* ---- no owner at all: Apache before 1.3, a session recovered before 1.15 ------------------ */

/* The adoption: the Deployment's first write, before anything else of the pass, only its
 * ownerReferences (Apache's reference) under its resourceVersion; a Normal Event. */
static void adopted_first(fake_world *w, size_t from, const char *name, const char *deployment,
                          const char *rv)
{
    int at = fake_find(&w->kube, from, "patch", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(fake_find(&w->kube, from, "patch", FO_CTL_KIND_COUNT), at);
    const json_t *body = w->kube.log[at].body;
    ck_assert_str_eq(w->kube.log[at].name, deployment);
    ck_assert_str_eq(fo_json_get_str(body, "metadata.resourceVersion"), rv);
    ck_assert_int_eq(json_object_size(body), 1); /* metadata alone: no spec */
    const json_t *refs = fo_json_get(body, "metadata.ownerReferences");
    ck_assert_int_eq(json_array_size(refs), 1);
    json_t *want = apache_owner_ref(w, name);
    ck_assert_msg(fo_json_equal(json_array_get(refs, 0), want), "adopted with %s",
                  fo_json_dumps_compact(json_array_get(refs, 0)));
    json_decref(want);
}

START_TEST(a_jobmanager_deployment_left_without_owner_is_adopted_before_anything_is_decided)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, false);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    char jm_uid[64], rv[32];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    snprintf(rv, sizeof rv, "%s", fo_json_get_str(jm, "metadata.resourceVersion"));
    int64_t gen = 0;
    fo_json_get_int(jm, "metadata.generation", &gen);
    size_t from = w->kube.nlog, events = w->events.n;

    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    adopted_first(w, from, n, n, rv);
    /* and nothing else: no status from a pass that observed nothing */
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_KIND_COUNT), 1);
    ck_assert_ptr_nonnull(
        ref_to(owned(w, FO_CTL_DEPLOYMENT, n), fo_json_get_str(fd(w, n), "metadata.uid")));
    int normal = 0;
    for (size_t i = events; i < w->events.n; i++) {
        ck_assert_msg(w->events.ev[i].type != FO_EVENT_WARNING, "Warning %s: %s",
                      w->events.ev[i].reason, w->events.ev[i].message);
        if (strstr(w->events.ev[i].message, "Deployment basic-example"))
            normal++;
    }
    ck_assert_int_eq(normal, 1);
    ck_assert_str_eq(st_str(w, n, "jobManagerDeploymentStatus"), "READY");

    passes_leave_it_running(w, n);
    ck_assert_int_eq(warnings(w, "Missing"), 0);
    beside_objects_owned_by_both(w, n, jm_uid);
    no_deployment_spec_written(w, from);
    int64_t now = 0;
    fo_json_get_int(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.generation", &now);
    ck_assert_int_eq(now, gen);
    fake_world_free(w);
}
END_TEST

/* FLINK-39559: Apache's session recovery (before 1.15) made the JobManager Deployment again
 * without ownerReferences. */
START_TEST(a_session_jobmanager_apache_recovered_without_owner_is_adopted)
{
    fake_world *w = world_with("controller-session.yaml");
    const char *n = "session-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, false);
    char rv[32];
    snprintf(rv, sizeof rv, "%s",
             fo_json_get_str(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.resourceVersion"));
    size_t from = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    adopted_first(w, from, n, n, rv);
    passes_leave_it_running(w, n);
    ck_assert_int_eq(warnings(w, "Missing"), 0);
    no_deployment_spec_written(w, from);
    fake_world_free(w);
}
END_TEST

/* A standalone cluster: Apache's standalone client makes both Deployments (labels type
 * flink-standalone-kubernetes, component jobmanager and taskmanager) with the same owner
 * reference, so both carry Apache's (controller false: the TaskManager Deployment's becomes
 * flinkop's controller one, its pods untouched) or both none (both adopted). */
START_TEST(a_standalone_cluster_has_both_deployments_taken_over)
{
    for (size_t c = 0; c < N_OWNED; c++) {
        fake_world *w = world_with("controller-application-standalone.yaml");
        const char *n = "standalone-example", *tm = "standalone-example-taskmanager";
        until_stable(w, n);
        leave_as_apache_would(w, n, deployments_owned[c]);
        size_t from = w->kube.nlog;
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        const char *uid = fo_json_get_str(fd(w, n), "metadata.uid");
        ck_assert_ptr_nonnull(ref_to(owned(w, FO_CTL_DEPLOYMENT, n), uid));
        ck_assert_ptr_nonnull(ref_to(owned(w, FO_CTL_DEPLOYMENT, tm), uid));
        passes_leave_it_running(w, n);
        ck_assert_int_eq(warnings(w, "Missing"), 0);
        ck_assert_int_eq(fake_events_count(&w->events, "Adopted"), deployments_owned[c] ? 0 : 2);
        no_deployment_spec_written(w, from);
        fake_world_free(w);
    }
}
END_TEST

/* ---- what stays refused ----------------------------------------------------------------- */

/* Store a Deployment `name` with these labels and owners (both stolen, NULL = none). */
static void put_deployment(fake_world *w, const char *name, json_t *labels, json_t *owners)
{
    json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i}}", "apiVersion", "apps/v1",
                          "kind", "Deployment", "metadata", "name", name, "namespace", NS, "spec",
                          "replicas", 1, "status", "availableReplicas", 1);
    if (labels)
        json_object_set_new(json_object_get(d, "metadata"), "labels", labels);
    if (owners)
        json_object_set_new(json_object_get(d, "metadata"), "ownerReferences", owners);
    fake_put(&w->kube, d);
    json_decref(d);
}

static void refused_untouched(fake_world *w, size_t from, const char *name)
{
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);
    const char *error = st_str(w, name, "error");
    ck_assert_msg(error && strstr(error, "not owned"), "status.error: %s",
                  error ? error : "(none)");
}

/* A Deployment of the name without an owner is adopted only when it carries the labels Flink
 * gives this cluster's JobManager: another cluster's (app), another mode's (type), no labels,
 * or an owner that is someone else's keep it refused. */
START_TEST(a_deployment_that_is_not_this_clusters_jobmanager_is_not_adopted)
{
    static const char *const cases[][3] = {
        {"other", "jobmanager", "flink-native-kubernetes"},
        {"basic-example", "taskmanager", "flink-native-kubernetes"},
        {"basic-example", "jobmanager", "flink-standalone-kubernetes"},
        {NULL, NULL, NULL},
        {"basic-example", "jobmanager", "flink-native-kubernetes"}, /* owned by a ReplicaSet */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fake_world *w = world_with("controller-application.yaml");
        const char *n = "basic-example";
        until_stable(w, n);
        leave_as_apache_would(w, n, false);
        fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, n);
        json_t *labels = cases[c][0] ? json_pack("{s:s, s:s, s:s}", "app", cases[c][0], "component",
                                                 cases[c][1], "type", cases[c][2])
                                     : NULL;
        json_t *owners =
            c == 4 ? json_pack("[{s:s, s:s, s:s, s:s, s:b}]", "apiVersion", "apps/v1", "kind",
                               "ReplicaSet", "name", "rs", "uid", "rs-uid", "controller", 1)
                   : NULL;
        put_deployment(w, n, labels, owners);
        refused_untouched(w, w->kube.nlog, n);
        fake_world_free(w);
    }
}
END_TEST

/* A resource with nothing recorded has deployed no cluster: a Deployment of its name with
 * Flink's labels and no owner is a cluster that outlived an earlier resource of the name
 * (deleted with --cascade=orphan), not one to adopt. */
START_TEST(a_resource_that_recorded_nothing_adopts_nothing)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    put_deployment(w, n,
                   json_pack("{s:s, s:s, s:s}", "app", n, "component", "jobmanager", "type",
                             "flink-native-kubernetes"),
                   NULL);
    refused_untouched(w, 0, n);
    fake_world_free(w);
}
END_TEST

/* The objects beside the JobManager are taken over only when the resource's own JobManager
 * Deployment owns them, and owns them alone. */
START_TEST(a_service_another_owner_holds_is_not_taken_over)
{
    for (int c = 0; c < 2; c++) {
        fake_world *w = world_with("controller-application.yaml");
        const char *n = "basic-example";
        until_stable(w, n);
        leave_as_apache_would(w, n, true);
        json_t *other =
            json_pack("{s:s, s:s, s:s, s:s, s:b}", "apiVersion", "apps/v1", "kind", "Deployment",
                      "name", "someone-else", "uid", "other-uid", "controller", 1);
        json_t *refs;
        if (c == 0) {
            refs = json_pack("[o]", other);
        } else { /* the JobManager's reference, and another owner's */
            json_t *jm_ref = flink_owner_ref(owned(w, FO_CTL_DEPLOYMENT, n));
            json_object_set_new(jm_ref, "controller", json_false());
            refs = json_pack("[o, o]", jm_ref, other);
        }
        set_owners(w, FO_CTL_SERVICE, "basic-example-rest", refs);
        size_t from = w->kube.nlog;
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_SERVICE), 0);
        const char *error = st_str(w, n, "error");
        ck_assert_msg(error && strstr(error, "basic-example-rest") && strstr(error, "not owned"),
                      "status.error: %s", error ? error : "(none)");
        fake_world_free(w);
    }
}
END_TEST

/* ---- after the takeover --------------------------------------------------------------- */

/* An upgrade deletes the JobManager Deployment. The objects beside it are the resource's too
 * now, so the garbage collector only drops the Deployment's reference from them: the new
 * cluster is deployed onto the same objects, and no NotOwned refusal or gap in between. */
static void upgraded_onto_the_same_objects(bool owned_by_apache)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, owned_by_apache);
    passes_leave_it_running(w, n);
    char rest_uid[64], cm_uid[64], jm_uid[64];
    snprintf(rest_uid, sizeof rest_uid, "%s",
             fo_json_get_str(owned(w, FO_CTL_SERVICE, "basic-example-rest"), "metadata.uid"));
    snprintf(
        cm_uid, sizeof cm_uid, "%s",
        fo_json_get_str(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "metadata.uid"));
    snprintf(jm_uid, sizeof jm_uid, "%s",
             fo_json_get_str(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.uid"));

    edit_spec(w, n, "job.parallelism", json_integer(4));
    for (int i = 0; i < 6 && owned(w, FO_CTL_DEPLOYMENT, n); i++) {
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        collect_garbage(w);
    }
    ck_assert_ptr_nonnull(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        collect_garbage(w);
    }
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert_ptr_nonnull(jm);
    ck_assert_str_ne(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_ptr_null(st_str(w, n, "error"));
    json_t *rest = owned(w, FO_CTL_SERVICE, "basic-example-rest");
    json_t *cm = owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example");
    ck_assert_str_eq(fo_json_get_str(rest, "metadata.uid"), rest_uid);
    ck_assert_str_eq(fo_json_get_str(cm, "metadata.uid"), cm_uid);
    ck_assert_int_eq(json_array_size(fo_json_get(rest, "metadata.ownerReferences")), 1);
    ck_assert_ptr_nonnull(
        strstr(fo_json_str(json_object_get(cm, "data"), "config.yaml"), "parallelism.default: 4"));
    fake_world_free(w);
}

START_TEST(a_taken_over_cluster_is_upgraded_onto_the_same_objects)
{
    for (size_t c = 0; c < N_OWNED; c++)
        upgraded_onto_the_same_objects(deployments_owned[c]);
}
END_TEST

/* A JobManager Deployment deleted by hand (or lost) after the takeover: its flink-config
 * ConfigMap outlives it, so the recovery goes on with the launch it records. */
START_TEST(a_lost_jobmanager_of_a_taken_over_cluster_keeps_its_config_map)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    char level[16]; /* what a launch by flinkop renders now */
    snprintf(level, sizeof level, "%s",
             fo_json_str(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.annotations"),
                         "flinkop.io/render"));
    leave_as_apache_would(w, n, true);
    passes_leave_it_running(w, n);
    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, n);
    collect_garbage(w);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_int_eq(fake_events_count(&w->events, "RecoverDeployment"), 1);
    /* the recovery launches flinkop's rendering, not the Apache operator's */
    ck_assert_str_eq(fo_json_str(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n),
                                             "metadata.annotations"),
                                 "flinkop.io/render"),
                     level);
    fake_world_free(w);
}
END_TEST

static void delete_fd(fake_world *w, const char *name)
{
    fo_err err;
    ck_assert_int_eq(fk_remove(&w->kube, FO_CTL_FLINK_DEPLOYMENT, NS, name, NULL, NULL, &err),
                     FO_OK);
}

/* Deleting a taken-over resource deletes its cluster and every object beside it. */
START_TEST(a_taken_over_cluster_is_deleted_with_its_resource)
{
    for (size_t c = 0; c < N_OWNED; c++) {
        fake_world *w = world_with("controller-application.yaml");
        const char *n = "basic-example";
        until_stable(w, n);
        leave_as_apache_would(w, n, deployments_owned[c]);
        passes_leave_it_running(w, n);
        delete_fd(w, n);
        for (int i = 0; i < 4 && fd(w, n); i++) {
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
            collect_garbage(w);
        }
        ck_assert_ptr_null(fd(w, n));
        collect_garbage(w);
        ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
        ck_assert_ptr_null(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
        ck_assert_ptr_null(owned(w, FO_CTL_SERVICE, n));
        ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
        fake_world_free(w);
    }
}
END_TEST

/* A resource deleted while the Apache operator was stopped, its JobManager Deployment left
 * without an owner: flinkop's first pass is its cleanup, which deletes that cluster as
 * Apache's cleanup would have (by name), not leave it running with nothing to remove it. */
START_TEST(a_deleted_resource_takes_its_ownerless_cluster_with_it)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    leave_as_apache_would(w, n, false);
    delete_fd(w, n);
    for (int i = 0; i < 4 && fd(w, n); i++) {
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        collect_garbage(w);
    }
    ck_assert_ptr_null(fd(w, n));
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_ptr_null(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    fake_world_free(w);
}
END_TEST

/* ---- a cluster Flink's client rendered: kept as it runs until its next launch ------------ */

static const char *annotation(const json_t *obj, const char *key)
{
    return fo_json_str(fo_json_get(obj, "metadata.annotations"), key);
}

/* The JobManager Deployment and flink-config ConfigMap of basic-example as Flink's native
 * client makes them for the Apache operator (tests/data/apache-native-jobmanager.yaml) in place
 * of flinkop's, the ConfigMap's config.yaml with each edits[2i] replaced by edits[2i+1]
 * (NULL-terminated; NULL: none); then the cluster as Apache and Flink leave it. */
static void rendered_by_flink(fake_world *w, const char *name, const char *const *edits)
{
    json_t *docs = fo_test_load_yaml_all("apache-native-jobmanager.yaml");
    ck_assert_int_eq(json_array_size(docs), 2);
    json_t *cm = json_array_get(docs, 1);
    json_t *data = json_object_get(cm, "data");
    for (size_t i = 0; edits && edits[i]; i += 2) {
        const char *text = fo_json_str(data, "config.yaml");
        const char *at = strstr(text, edits[i]);
        ck_assert_msg(at != NULL, "the fixture has no %s", edits[i]);
        char edited[8192];
        snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, edits[i + 1],
                 at + strlen(edits[i]));
        json_object_set_new(data, "config.yaml", json_string(edited));
    }
    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, name);
    fake_put(&w->kube, json_array_get(docs, 0));
    fake_put(&w->kube, cm);
    json_decref(docs);
    leave_as_apache_would(w, name, true);
}

/* No write since `from` changed what the cluster's pods run with or read: a Deployment's spec,
 * a ConfigMap's data. */
static void nothing_the_pods_use_written(fake_world *w, size_t from)
{
    no_deployment_spec_written(w, from);
    for (size_t i = from; i < w->kube.nlog; i++)
        if (w->kube.log[i].kind == FO_CTL_CONFIG_MAP)
            ck_assert_msg(!json_object_get(w->kube.log[i].body, "data"),
                          "%s of ConfigMap %s wrote its data", w->kube.log[i].verb,
                          w->kube.log[i].name);
}

/* The pod template Flink's client rendered differs from flinkop's rendering of the recorded
 * spec (its arguments end with a blank), and so does the configuration (the Apache operator's
 * log configuration, its defaults and Flink's client-side keys in the file): repairing either
 * would roll the JobManager without savepoint or upgrade mode, and a job without HA would start
 * over from empty state. The takeover marks the Deployment instead, and drift repair keeps both
 * (metadata alone is repaired) until the cluster's next launch, which an upgrade of the spec is:
 * it goes through the upgrade mode (stateless: the job cancelled, no savepoint) and the new
 * cluster is flinkop's, at the level its own launches render. */
START_TEST(a_cluster_flinks_client_rendered_keeps_its_pods_and_configuration_until_relaunched)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    char level[16]; /* what a launch by flinkop renders now */
    snprintf(level, sizeof level, "%s",
             annotation(owned(w, FO_CTL_DEPLOYMENT, n), "flinkop.io/render"));
    rendered_by_flink(w, n, NULL);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    int64_t gen = 0, now = 0;
    fo_json_get_int(jm, "metadata.generation", &gen);
    json_t *spec = json_deep_copy(json_object_get(jm, "spec"));
    json_t *data = json_deep_copy(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data"));
    size_t from = w->kube.nlog;

    passes_leave_it_running(w, n);
    passes_leave_it_running(w, n);
    nothing_the_pods_use_written(w, from);
    jm = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert_str_eq(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    fo_json_get_int(jm, "metadata.generation", &now);
    ck_assert_int_eq(now, gen);
    ck_assert(fo_json_equal(json_object_get(jm, "spec"), spec));
    ck_assert(fo_json_equal(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data"),
        data));
    /* its metadata is repaired: marked, and what is beside it the resource's too */
    ck_assert_str_eq(fo_json_str(fo_json_get(jm, "metadata.labels"), "flinkop.io/foreign-launch"),
                     "true");
    ck_assert_ptr_null(annotation(jm, "flinkop.io/render"));
    ck_assert_ptr_null(annotation(jm, "flinkop.io/launch"));
    beside_objects_owned_by_both(w, n, jm_uid);
    size_t settled = w->kube.nlog;
    passes_leave_it_running(w, n);
    ck_assert_int_eq(fake_count(&w->kube, settled, NULL, FO_CTL_KIND_COUNT), 0);

    /* the next launch */
    edit_spec(w, n, "job.parallelism", json_integer(4));
    size_t calls = w->flink.ncalls;
    for (int i = 0; i < 9; i++) {
        json_t *now_jm = owned(w, FO_CTL_DEPLOYMENT, n);
        if (now_jm && strcmp(fo_json_get_str(now_jm, "metadata.uid"), jm_uid) != 0)
            break; /* the new cluster */
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        collect_garbage(w);
    }
    char cancel[128];
    snprintf(cancel, sizeof cancel, "PATCH /jobs/%s", "00000000000000000000000000000001");
    ck_assert_int_eq(fake_flink_calls(&w->flink, cancel), 1);
    for (size_t i = calls; i < w->flink.ncalls; i++)
        ck_assert_msg(!strstr(w->flink.calls[i], "savepoints") &&
                          !strstr(w->flink.calls[i], "/stop"),
                      "called %s", w->flink.calls[i]);
    jm = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert_ptr_nonnull(jm);
    ck_assert_str_ne(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    ck_assert_str_eq(annotation(jm, "flinkop.io/render"), level);
    ck_assert_ptr_null(
        fo_json_str(fo_json_get(jm, "metadata.labels"), "flinkop.io/foreign-launch"));
    json_t *cm_data =
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data");
    const char *conf = fo_json_str(cm_data, "config.yaml");
    ck_assert_ptr_nonnull(strstr(conf, "parallelism.default: 4"));
    ck_assert_ptr_null(strstr(conf, "kubernetes.pod-template-file.jobmanager"));
    ck_assert_ptr_null(strstr(fo_json_str(cm_data, "log4j-console.properties"), "Rolling"));
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_ptr_null(st_str(w, n, "error"));
    json_decref(spec);
    json_decref(data);
    fake_world_free(w);
}
END_TEST

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

/* The cluster runs with what its flink-config ConfigMap holds, here the Apache operator's
 * defaults: rest.port 8082, which neither the spec nor flinkop's defaults set, and its own
 * savepoint and checkpoint directories where flinkop's defaults name others: flinkop asks Flink
 * on that port, leaves the rest Service on it (its metadata alone is repaired), and a savepoint
 * upgrade stops the job into that savepoint directory, as for a cluster flinkop launched with
 * other defaults than today's (docs/controller.md). */
START_TEST(a_taken_over_cluster_is_judged_by_the_configuration_it_runs_with)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    static const char flinkops_defaults[] = "flinkConfiguration:\n"
                                            "  state.savepoints.dir: s3://flinkop/savepoints\n"
                                            "  state.checkpoints.dir: s3://flinkop/checkpoints\n";
    fo_err err;
    fo_err_clear(&err);
    fo_cluster_defaults *cd =
        fo_cluster_defaults_parse(flinkops_defaults, strlen(flinkops_defaults), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
    w->settings.rest_url_template = "http://flink.test:{port}/{namespace}/{name}";
    fo_json_set_path(json_object_get(fd(w, n), "spec"), "job.upgradeMode",
                     json_string("savepoint"));
    until_stable(w, n);
    static const char *const apache_defaults[] = {
        "rest.port: 8081\n",
        "rest.port: 8082\nstate.savepoints.dir: s3://apache/savepoints\n"
        "state.checkpoints.dir: s3://apache/checkpoints\n",
        NULL};
    rendered_by_flink(w, n, apache_defaults);
    /* ExternalServiceDecorator: rest.port, and the JobManager's container port */
    json_t *rest = json_deep_copy(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    fo_json_set_path(rest, "spec.ports",
                     json_pack("[{s:s, s:i, s:i, s:s}]", "name", "rest", "port", 8082,
                               "targetPort", 8082, "protocol", "TCP"));
    fake_put(&w->kube, rest);
    json_decref(rest);
    json_t *jm = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, n));
    json_t *port = json_array_get(
        fo_json_get(json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0), "ports"),
        0);
    json_object_set_new(port, "containerPort", json_integer(8082));
    fake_put(&w->kube, jm);
    json_decref(jm);
    size_t from = w->kube.nlog, calls = w->flink.ncalls;

    passes_leave_it_running(w, n);
    ck_assert_int_gt(w->flink.ncalls, calls);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8082"), 0);
    for (size_t i = from; i < w->kube.nlog; i++)
        if (w->kube.log[i].kind == FO_CTL_SERVICE)
            ck_assert_msg(!json_object_get(w->kube.log[i].body, "spec"),
                          "Service %s patched to %s", w->kube.log[i].name,
                          fo_json_dumps_compact(json_object_get(w->kube.log[i].body, "spec")));
    nothing_the_pods_use_written(w, from);

    char stop[128];
    snprintf(stop, sizeof stop, "POST /jobs/%s/stop", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, stop,
                      json_pack("{s:s}", "request-id", "7f3e2a1b0c9d8e7f6a5b4c3d2e1f0a01"));
    edit_spec(w, n, "job.parallelism", json_integer(4));
    calls = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, stop), 1);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8082"), 0);
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "targetDirectory"), "s3://apache/savepoints");
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* Suspending a taken-over cluster tears it down as any other; its resume is flinkop's launch. */
START_TEST(a_taken_over_cluster_is_suspended_and_resumed_as_flinkops)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    char level[16];
    snprintf(level, sizeof level, "%s",
             annotation(owned(w, FO_CTL_DEPLOYMENT, n), "flinkop.io/render"));
    rendered_by_flink(w, n, NULL);
    passes_leave_it_running(w, n);
    edit_spec(w, n, "job.state", json_string("suspended"));
    for (int i = 0; i < 4 && owned(w, FO_CTL_DEPLOYMENT, n); i++) {
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        collect_garbage(w);
    }
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "SUSPENDED");
    edit_spec(w, n, "job.state", json_string("running"));
    for (int i = 0; i < 3 && !owned(w, FO_CTL_DEPLOYMENT, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(annotation(owned(w, FO_CTL_DEPLOYMENT, n), "flinkop.io/render"), level);
    fake_world_free(w);
}
END_TEST

/* A cluster flinkop launched before it wrote its rendering level, its launch or its record's
 * mark has none of them either: its flink-config ConfigMap, which flinkop makes the
 * resource's alone (Flink's client, the JobManager Deployment's), tells it from one the Apache
 * operator launched, and it is not taken for one: its rendering is repaired as flinkop's. */
START_TEST(a_cluster_flinkop_launched_before_its_marks_is_not_taken_for_anothers)
{
    for (int c = 0; c < 2; c++) {
        fake_world *w = world_with("controller-application.yaml");
        const char *n = "basic-example";
        until_stable(w, n);
        without_flinkops_marks(w, FO_CTL_DEPLOYMENT, n);
        without_flinkops_marks(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example");
        if (c == 1) /* before the record's mark too */
            record_as_apache_would(w, n);
        passes_leave_it_running(w, n);
        json_t *labels = (json_t *)fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.labels");
        ck_assert_ptr_null(fo_json_str(labels, "flinkop.io/foreign-launch"));
        fake_world_free(w);
    }
}
END_TEST

/* The Apache operator records UPGRADING with the new spec before Flink's client launches it,
 * and DEPLOYED after (ReconciliationUtils.updateStatusBeforeDeploymentAttempt, then
 * updateStatusForDeployedSpec); an operator stopped in between (or a deploy that failed after
 * the cluster was made, at its Ingress) leaves that record next to the cluster it launched,
 * which Apache's next pass finds already deployed (checkIfAlreadyUpgraded). Finishing that
 * deploy must keep the cluster as it runs: writing flinkop's rendering over it would roll the
 * JobManager that runs the job. */
START_TEST(a_deploy_the_apache_operator_left_unfinished_keeps_the_cluster_it_launched)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    rendered_by_flink(w, n, NULL);
    ck_assert_int_eq(fo_json_set_path(json_object_get(fd(w, n), "status"),
                                      "reconciliationStatus.state", json_string("UPGRADING")),
                     FO_OK);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    int64_t gen = 0, now = 0;
    fo_json_get_int(jm, "metadata.generation", &gen);
    size_t from = w->kube.nlog, calls = w->flink.ncalls;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms + 1000);
    }
    nothing_the_pods_use_written(w, from);
    jm = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert_str_eq(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    fo_json_get_int(jm, "metadata.generation", &now);
    ck_assert_int_eq(now, gen);
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    for (size_t i = calls; i < w->flink.ncalls; i++)
        ck_assert_msg(strncmp(w->flink.calls[i], "GET ", 4) == 0, "called %s", w->flink.calls[i]);
    passes_leave_it_running(w, n);
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_takeover");
    TCase *tc = tcase_create("takeover");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_native_cluster_the_apache_operator_deployed_is_taken_over_as_it_runs);
    tcase_add_test(tc, a_session_cluster_the_apache_operator_deployed_is_taken_over);
    tcase_add_test(
        tc, a_jobmanager_deployment_left_without_owner_is_adopted_before_anything_is_decided);
    tcase_add_test(tc, a_session_jobmanager_apache_recovered_without_owner_is_adopted);
    tcase_add_test(tc, a_standalone_cluster_has_both_deployments_taken_over);
    tcase_add_test(tc, a_deployment_that_is_not_this_clusters_jobmanager_is_not_adopted);
    tcase_add_test(tc, a_resource_that_recorded_nothing_adopts_nothing);
    tcase_add_test(tc, a_service_another_owner_holds_is_not_taken_over);
    tcase_add_test(tc, a_taken_over_cluster_is_upgraded_onto_the_same_objects);
    tcase_add_test(tc, a_lost_jobmanager_of_a_taken_over_cluster_keeps_its_config_map);
    tcase_add_test(tc, a_taken_over_cluster_is_deleted_with_its_resource);
    tcase_add_test(tc, a_deleted_resource_takes_its_ownerless_cluster_with_it);
    tcase_add_test(
        tc, a_cluster_flinks_client_rendered_keeps_its_pods_and_configuration_until_relaunched);
    tcase_add_test(tc, a_taken_over_cluster_is_judged_by_the_configuration_it_runs_with);
    tcase_add_test(tc, a_taken_over_cluster_is_suspended_and_resumed_as_flinkops);
    tcase_add_test(tc, a_cluster_flinkop_launched_before_its_marks_is_not_taken_for_anothers);
    tcase_add_test(tc, a_deploy_the_apache_operator_left_unfinished_keeps_the_cluster_it_launched);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
