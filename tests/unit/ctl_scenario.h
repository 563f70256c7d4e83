#ifndef FO_CTL_SCENARIO_H
#define FO_CTL_SCENARIO_H

/* Scenario helpers for the FlinkDeployment pass suites (test_reconcile_*.c): a fake world
 * loaded from a fixture, one pass (checking afterwards that no cache snapshot was changed),
 * what the kubelet and Flink would do between passes, and spec edits as a user makes them.
 * Header-only test code; failures abort through Check. */

#include <check.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/reconcile_deployment.h"
#include "tests/support/testyaml.h"
#include "tests/unit/ctl_fake_io.h"

#define NS "default"

static inline fake_world *world_with(const char *fixture)
{
    fake_world *w = fake_world_new();
    json_t *obj = fo_test_load_yaml(fixture);
    fake_put(&w->kube, obj);
    json_decref(obj);
    return w;
}

/* Calls to Flink since `from` that went anywhere but `host`: 0 when all reached it. */
static inline int flink_calls_elsewhere(const fake_world *w, size_t from, const char *host)
{
    int n = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        if (strcmp(w->flink.hosts[i], host) != 0)
            n++;
    return n;
}

static inline fo_rc pass(fake_world *w, const char *name, fo_reconcile_result *res)
{
    fo_reconcile_result local;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_reconcile_deployment(&w->env, NS, name, res ? res : &local, &err);
    fake_check_snapshots(&w->kube); /* the pass changed no cache snapshot it read */
    return rc;
}

static inline json_t *fd(fake_world *w, const char *name)
{
    return fake_get(&w->kube, FO_CTL_FLINK_DEPLOYMENT, NS, name);
}

static inline const char *st_str(fake_world *w, const char *name, const char *path)
{
    return fo_json_get_str(json_object_get(fd(w, name), "status"), path);
}

/* What the kubelet and Deployment controller would do: one available JobManager. */
static inline void jm_available(fake_world *w, const char *name)
{
    json_t *jm = fake_get(&w->kube, FO_CTL_DEPLOYMENT, NS, name);
    ck_assert_ptr_nonnull(jm);
    json_object_set_new(
        jm, "status",
        json_pack("{s:i, s:i, s:i}", "replicas", 1, "readyReplicas", 1, "availableReplicas", 1));
}

/* What Flink would answer for a cluster running the recorded job in `state`. */
static inline void flink_job(fake_world *w, const char *name, const char *state)
{
    const char *jid = st_str(w, name, "jobStatus.jobId");
    fake_flink_answer(&w->flink, "GET /config",
                      json_pack("{s:s, s:s}", "flink-version", "1.20.1", "flink-revision",
                                "abc1234 @ 2025-01-01T00:00:00+00:00"));
    fake_flink_answer(&w->flink, "GET /taskmanagers",
                      json_pack("{s:[{s:s}]}", "taskmanagers", "id", "tm-1"));
    json_t *jobs = json_array();
    if (jid)
        json_array_append_new(jobs, json_pack("{s:s, s:s, s:s, s:I, s:I}", "jid", jid, "name",
                                              "State machine job", "state", state, "start-time",
                                              (json_int_t)1776676400000LL, "last-modification",
                                              (json_int_t)1776676400000LL));
    fake_flink_answer(&w->flink, "GET /jobs/overview", json_pack("{s:o}", "jobs", jobs));
}

/* Deploy and run until the lifecycle is STABLE. */
static inline void until_stable(fake_world *w, const char *name)
{
    ck_assert_int_eq(pass(w, name, NULL), FO_OK);
    jm_available(w, name);
    flink_job(w, name, "RUNNING");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, name, "lifecycleState"), "STABLE");
}

static inline void edit_spec(fake_world *w, const char *name, const char *path, json_t *value)
{
    json_t *obj = fd(w, name);
    ck_assert_int_eq(fo_json_set_path(json_object_get(obj, "spec"), path, value), FO_OK);
    int64_t g = 1;
    fo_json_get_int(obj, "metadata.generation", &g);
    json_object_set_new(json_object_get(obj, "metadata"), "generation", json_integer(g + 1));
}

static inline json_t *owned(fake_world *w, fo_ctl_kind kind, const char *name)
{
    return fake_get(&w->kube, kind, NS, name);
}

/* Flink's HA ConfigMaps of last-state-example (tests/data/controller-ha-configmaps.yaml). */
static inline void put_ha_configmaps(fake_world *w)
{
    json_t *maps = fo_test_load_yaml("controller-ha-configmaps.yaml");
    size_t i;
    json_t *cm;
    json_array_foreach(maps, i, cm)
    {
        fake_put(&w->kube, cm);
    }
    json_decref(maps);
}

/* A JobManager pod of `cluster` (its labels), owned by a ReplicaSet or by nothing. */
static inline void put_jm_pod(fake_world *w, const char *cluster, const char *name, bool owned)
{
    json_t *pod = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s}}}", "apiVersion", "v1",
                            "kind", "Pod", "metadata", "name", name, "namespace", NS, "labels",
                            "app", cluster, "component", "jobmanager", "type",
                            "flink-native-kubernetes");
    if (owned)
        json_object_set_new(json_object_get(pod, "metadata"), "ownerReferences",
                            json_pack("[{s:s, s:s, s:s}]", "kind", "ReplicaSet", "name", "rs",
                                      "uid", "rs-uid"));
    fake_put(&w->kube, pod);
    json_decref(pod);
}

#endif
