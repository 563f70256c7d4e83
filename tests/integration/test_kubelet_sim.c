/* The sandbox's simulated kubelet against the embedded fake API server and fake Flink, with a
 * fake clock and kubelet passes run by the test (no thread, no sleeps): Deployments become
 * Pods and status as the deployment controller writes them, JobManager Deployments start
 * Flink clusters from their ConfigMap and args, HA ConfigMaps follow checkpoints and drive
 * restores, scaling/deletion/rollouts/faults do what a real cluster does.
 *
 * Also the pure parts: configuration file parsing, launch specs, HA map contents. Expected
 * values come from the fixtures tests/data/sandbox-*.yaml and reference c.11/c.13. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "common/yamlconv.h"
#include "tests/fakes/sandbox/ha.h"
#include "tests/fakes/sandbox/launch.h"
#include "tests/fakes/sandbox/sandbox.h"
#include "tests/fakes/sandbox/workload.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

#define READY_DELAY_MS 1000
#define START_MS 1790000000000LL

static fo_clock *clk;
static fo_sandbox *sb;

static void setup(void)
{
    fo_log_set_level(FO_LOG_WARN);
    clk = fo_clock_fake_new(START_MS);
    fo_sandbox_opts o = {.clock = clk, .ready_delay_ms = READY_DELAY_MS, .no_kubelet_thread = true};
    fo_err err = {0};
    sb = fo_sandbox_start(&o, &err);
    ck_assert_msg(sb != NULL, "sandbox: %s", err.message);
}

static void teardown(void)
{
    fo_sandbox_stop(sb);
    fo_clock_free(clk);
    sb = NULL;
    clk = NULL;
}

/* ---- helpers ---- */

static int call(const char *method, const char *path, const json_t *body, json_t **out)
{
    return fo_fake_apiserver_call(fo_sandbox_api(sb), method, path, NULL, body, out, NULL);
}

static json_t *get(const char *fmt, const char *a, const char *b)
{
    char path[600];
    snprintf(path, sizeof path, fmt, a, b);
    json_t *out = NULL;
    int code = call("GET", path, NULL, &out);
    if (code != 200) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *deployment(const char *name)
{
    return get("/apis/apps/v1/namespaces/%s/deployments/%s", "default", name);
}

static json_t *configmap(const char *name)
{
    return get("/api/v1/namespaces/%s/configmaps/%s", "default", name);
}

static const char *collection(const char *kind)
{
    return strcmp(kind, "ConfigMap") == 0 ? "/api/v1/namespaces/default/configmaps"
                                          : "/apis/apps/v1/namespaces/default/deployments";
}

/* Create every object of a fixture, or only those of one kind (NULL = all). */
static void apply_kind(const char *fixture, const char *only_kind)
{
    json_t *docs = fo_test_load_yaml_all(fixture);
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *kind = fo_json_str(d, "kind");
        if (only_kind && strcmp(kind, only_kind) != 0)
            continue;
        json_t *out = NULL;
        int code = call("POST", collection(kind), d, &out);
        ck_assert_msg(code == 201, "create %s %s: %d %s", kind, fo_json_get_str(d, "metadata.name"),
                      code, fo_json_str(out, "message"));
        json_decref(out);
    }
    json_decref(docs);
}

static void apply(const char *fixture)
{
    apply_kind(fixture, NULL);
}

static void step(int64_t ms)
{
    fo_clock_fake_advance(clk, ms);
    fo_sandbox_sync(sb);
}

static json_t *pods_of(const char *selector)
{
    json_t *out = get("/api/v1/namespaces/%s/pods?labelSelector=%s", "default", selector);
    json_t *items = json_incref(json_object_get(out, "items"));
    json_decref(out);
    return items;
}

static json_t *cluster(const char *name)
{
    return fo_fake_flink_view(fo_sandbox_flink(sb), "default", name);
}

static const json_t *first_job(const json_t *view)
{
    return json_array_get(json_object_get(view, "jobs"), 0);
}

static int64_t int_at(const json_t *obj, const char *path)
{
    int64_t v = -1;
    fo_json_get_int(obj, path, &v);
    return v;
}

static const char *condition(const json_t *obj, const char *type, const char *field)
{
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(obj, "status.conditions"), i, c)
    {
        if (strcmp(fo_json_str(c, "type"), type) == 0)
            return fo_json_str(c, field);
    }
    return NULL;
}

static void delete_path(const char *fmt, const char *a, const char *b)
{
    char path[600];
    snprintf(path, sizeof path, fmt, a, b);
    json_t *out = NULL;
    int code = call("DELETE", path, NULL, &out);
    ck_assert_msg(code == 200 || code == 202, "DELETE %s: %d", path, code);
    json_decref(out);
}

/* ---- pure parts ---- */

START_TEST(legacy_flink_conf_is_read_with_flinks_line_parser)
{
    fo_err err = {0};
    json_t *conf = fo_sandbox_parse_flink_conf(
        "flink-conf.yaml", "# comment\na.b: 1 # trailing\n  c: x: y\nno separator\nd:\ne: \n",
        &err);
    ck_assert_ptr_nonnull(conf);
    ck_assert_str_eq(fo_json_str(conf, "a.b"), "1");
    ck_assert_str_eq(fo_json_str(conf, "c"), "x: y");
    ck_assert_int_eq(json_object_size(conf), 2);
    json_decref(conf);
}
END_TEST

START_TEST(config_yaml_is_flattened_to_flink_keys)
{
    fo_err err = {0};
    json_t *conf = fo_sandbox_parse_flink_conf(
        "config.yaml", "taskmanager:\n  numberOfTaskSlots: 2\nweb.cancel.enable: false\n", &err);
    ck_assert_ptr_nonnull(conf);
    ck_assert_str_eq(fo_json_str(conf, "taskmanager.numberOfTaskSlots"), "2");
    ck_assert_str_eq(fo_json_str(conf, "web.cancel.enable"), "false");
    json_decref(conf);
    conf = fo_sandbox_parse_flink_conf("config.yaml", "a: [1\n", &err);
    ck_assert_ptr_null(conf);
    ck_assert_ptr_nonnull(strstr(err.message, "config.yaml"));
}
END_TEST

START_TEST(native_application_launch_follows_the_configmap)
{
    json_t *docs = fo_test_load_yaml_all("sandbox-native-application.yaml");
    fo_sandbox_launch l;
    fo_err err = {0};
    ck_assert_int_eq(fo_sandbox_launch_build(json_array_get(docs, 1), json_array_get(docs, 0), NULL,
                                             -1, &l, &err),
                     FO_OK);
    ck_assert(l.application);
    ck_assert(!l.standalone);
    ck_assert(!l.ha);
    ck_assert_str_eq(l.cluster_id, "app");
    ck_assert_str_eq(fo_json_get_str(l.spec, "flinkVersion"), "1.19.1");
    const json_t *job = json_object_get(l.spec, "job");
    ck_assert_str_eq(fo_json_str(job, "jarURI"), "local:///opt/flink/usrlib/app.jar");
    ck_assert_str_eq(fo_json_str(job, "entryClass"), "com.example.StreamingJob");
    ck_assert_str_eq(fo_json_str(job, "jobId"), "0000000000000000000000000000a001");
    ck_assert_int_eq(int_at(job, "parallelism"), 3);
    json_t *want_args = json_pack("[s, s, s]", "--input", "kafka", "a;b");
    ck_assert(fo_json_equal(json_object_get(job, "args"), want_args));
    json_decref(want_args);
    ck_assert_ptr_null(json_object_get(job, "restorePath"));
    fo_sandbox_launch_release(&l);

    ck_assert_int_eq(fo_sandbox_launch_build(json_array_get(docs, 1), NULL, NULL, -1, &l, &err),
                     FO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "flink-config-app"));
    json_decref(docs);
}
END_TEST

START_TEST(standalone_launch_reads_the_container_args)
{
    json_t *docs = fo_test_load_yaml_all("sandbox-standalone-application.yaml");
    fo_sandbox_launch l;
    fo_err err = {0};
    ck_assert_int_eq(fo_sandbox_launch_build(json_array_get(docs, 1), json_array_get(docs, 0), NULL,
                                             2, &l, &err),
                     FO_OK);
    ck_assert(l.application);
    ck_assert(l.standalone);
    ck_assert_str_eq(fo_json_get_str(l.spec, "flinkVersion"), "1.18.1");
    ck_assert_int_eq(int_at(l.spec, "taskManagers"), 2);
    const json_t *job = json_object_get(l.spec, "job");
    ck_assert_str_eq(fo_json_str(job, "jarURI"), "file:///opt/flink/usrlib/top-speed.jar");
    ck_assert_str_eq(fo_json_str(job, "entryClass"), "com.example.TopSpeedWindowing");
    ck_assert_str_eq(fo_json_str(job, "restorePath"),
                     "file:///flink-data/savepoints/savepoint-a001aa-0123456789ab");
    ck_assert(json_is_true(json_object_get(job, "allowNonRestoredState")));
    ck_assert_str_eq(fo_json_str(job, "name"), "top-speed");
    ck_assert_int_eq(int_at(job, "parallelism"), 4);
    json_t *want_args = json_pack("[s, s]", "--output", "stdout");
    ck_assert(fo_json_equal(json_object_get(job, "args"), want_args));
    json_decref(want_args);
    fo_sandbox_launch_release(&l);
    json_decref(docs);
}
END_TEST

START_TEST(ha_job_data_keeps_the_retained_checkpoints_and_the_counter)
{
    json_t *existing = json_pack("{s:s, s:s, s:s}", "checkpointID-0000000000000000007", "old",
                                 "counter", "8", "other", "kept");
    json_t *paths = json_pack("[s, s, s]", "file:///c/j/chk-9", "file:///c/j/chk-8",
                              "file:///c/j/not-a-checkpoint");
    json_t *data = fo_sandbox_ha_job_data(existing, paths, 2);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_null(json_object_get(data, "checkpointID-0000000000000000007"));
    ck_assert_ptr_nonnull(json_object_get(data, "checkpointID-0000000000000000008"));
    ck_assert_ptr_nonnull(json_object_get(data, "checkpointID-0000000000000000009"));
    ck_assert_str_eq(fo_json_str(data, "counter"), "10");
    ck_assert_str_eq(fo_json_str(data, "other"), "kept");
    int64_t id = 0;
    char *path =
        fo_sandbox_ha_pointer_decode(fo_json_str(data, "checkpointID-0000000000000000009"), &id);
    ck_assert_str_eq(path, "file:///c/j/chk-9");
    ck_assert_int_eq(id, 9);
    free(path);
    json_decref(data);
    json_decref(existing);
    json_decref(paths);
    ck_assert_ptr_null(fo_sandbox_ha_pointer_decode("rO0ABXNy", &id));
}
END_TEST

START_TEST(kubernetes_ha_is_detected_in_every_spelling)
{
    json_t *c = json_pack("{s:s}", "high-availability.type", "KUBERNETES");
    ck_assert(fo_sandbox_ha_kubernetes(c));
    json_decref(c);
    c = json_pack("{s:s}", "high-availability",
                  "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory");
    ck_assert(fo_sandbox_ha_kubernetes(c));
    json_decref(c);
    c = json_pack("{s:s}", "high-availability.type", "zookeeper");
    ck_assert(!fo_sandbox_ha_kubernetes(c));
    json_decref(c);
}
END_TEST

/* ---- the kubelet ---- */

START_TEST(jobmanager_becomes_ready_after_the_delay_and_runs_the_job)
{
    apply("sandbox-native-application.yaml");
    fo_sandbox_sync(sb);
    json_t *d = deployment("app");
    ck_assert_int_eq(int_at(d, "status.observedGeneration"), int_at(d, "metadata.generation"));
    ck_assert_int_eq(int_at(d, "status.replicas"), 1);
    ck_assert_int_eq(int_at(d, "status.unavailableReplicas"), 1);
    ck_assert_ptr_null(fo_json_get(d, "status.availableReplicas"));
    ck_assert_str_eq(condition(d, "Available", "status"), "False");
    ck_assert_str_eq(condition(d, "Progressing", "reason"), "ReplicaSetUpdated");
    json_decref(d);
    json_t *pods = pods_of("component%3Djobmanager");
    ck_assert_int_eq(json_array_size(pods), 1);
    const json_t *pod = json_array_get(pods, 0);
    ck_assert_str_eq(fo_json_get_str(pod, "status.phase"), "Pending");
    ck_assert_str_eq(
        fo_json_str(json_array_get(fo_json_get(pod, "metadata.ownerReferences"), 0), "kind"),
        "Deployment");
    ck_assert_ptr_nonnull(fo_json_get_str(pod, "metadata.labels.pod-template-hash"));
    json_decref(pods);
    json_t *view = cluster("app");
    ck_assert_ptr_null(view);

    step(READY_DELAY_MS);
    d = deployment("app");
    ck_assert_int_eq(int_at(d, "status.readyReplicas"), 1);
    ck_assert_int_eq(int_at(d, "status.availableReplicas"), 1);
    ck_assert_int_eq(int_at(d, "status.updatedReplicas"), 1);
    ck_assert_ptr_null(fo_json_get(d, "status.unavailableReplicas"));
    ck_assert_str_eq(condition(d, "Available", "status"), "True");
    ck_assert_str_eq(condition(d, "Available", "reason"), "MinimumReplicasAvailable");
    ck_assert_str_eq(condition(d, "Progressing", "reason"), "NewReplicaSetAvailable");
    char rv_before[32];
    snprintf(rv_before, sizeof rv_before, "%s", fo_json_get_str(d, "metadata.resourceVersion"));
    json_decref(d);

    step(1000);
    view = cluster("app");
    ck_assert_ptr_nonnull(view);
    const json_t *job = first_job(view);
    ck_assert_str_eq(fo_json_str(job, "jobId"), "0000000000000000000000000000a001");
    ck_assert_str_eq(fo_json_str(job, "state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(job, "submission.entryClass"), "com.example.StreamingJob");
    ck_assert_int_eq(int_at(job, "submission.parallelism"), 3);
    ck_assert(json_is_null(json_object_get(job, "restoredFrom")));
    ck_assert_str_eq(fo_json_str(view, "flinkVersion"), "1.19.1");
    /* Native: Flink starts ceil(3 / 2) TaskManager pods, owned by the JobManager Deployment. */
    ck_assert_int_eq(int_at(view, "taskManagers"), 2);
    json_decref(view);
    fo_sandbox_sync(sb);
    json_t *tms = pods_of("component%3Dtaskmanager");
    ck_assert_int_eq(json_array_size(tms), 2);
    ck_assert_str_eq(fo_json_get_str(json_array_get(tms, 0), "metadata.name"),
                     "app-taskmanager-1-1");
    json_decref(tms);

    /* Nothing changes: no write. */
    step(1000);
    d = deployment("app");
    ck_assert_str_eq(fo_json_get_str(d, "metadata.resourceVersion"), rv_before);
    json_decref(d);
}
END_TEST

START_TEST(jobmanager_waits_for_its_configmap)
{
    apply_kind("sandbox-native-application.yaml", "Deployment");
    step(0);
    step(READY_DELAY_MS * 3);
    json_t *view = cluster("app");
    ck_assert_ptr_null(view);
    json_t *pods = pods_of("component%3Djobmanager");
    ck_assert_str_eq(fo_json_get_str(json_array_get(pods, 0), "status.phase"), "Pending");
    json_decref(pods);
    json_t *state = fo_sandbox_kubelet_state(fo_sandbox_kubelet_of(sb));
    const char *why =
        fo_json_str(json_array_get(json_object_get(state, "deployments"), 0), "waitingFor");
    ck_assert_ptr_nonnull(strstr(why, "flink-config-app"));
    json_decref(state);

    apply_kind("sandbox-native-application.yaml", "ConfigMap");
    step(0);
    view = cluster("app");
    ck_assert_ptr_nonnull(view);
    json_decref(view);
}
END_TEST

/* A volume the kubelet cannot mount (a Secret that does not exist) keeps the pod in
 * ContainerCreating, condition PodReadyToStartContainers False, with the kubelet's Warning
 * FailedMount Event on the pod (involvedObject with the pod's uid, source kubelet); once the
 * Secret exists, the pod starts. */
START_TEST(a_missing_secret_volume_keeps_the_pod_creating_with_a_failed_mount_event)
{
    apply_kind("sandbox-native-application.yaml", "ConfigMap");
    json_t *docs = fo_test_load_yaml_all("sandbox-native-application.yaml");
    json_t *d = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(docs, i, o) if (strcmp(fo_json_str(o, "kind"), "Deployment") == 0) d = o;
    ck_assert_ptr_nonnull(d);
    json_t *pod_spec = (json_t *)fo_json_get(d, "spec.template.spec");
    json_t *vols = json_object_get(pod_spec, "volumes");
    if (!vols) {
        vols = json_array();
        json_object_set_new(pod_spec, "volumes", vols);
    }
    json_array_append_new(vols, json_pack("{s:s, s:{s:s}}", "name", "s3-credentials", "secret",
                                          "secretName", "s3-credentials"));
    json_array_append_new(vols, json_pack("{s:s, s:{s:s, s:b}}", "name", "maybe", "secret",
                                          "secretName", "absent-but-optional", "optional", 1));
    ck_assert_int_eq(call("POST", collection("Deployment"), d, NULL), 201);
    json_decref(docs);
    step(0);
    step(READY_DELAY_MS * 3);
    json_t *view = cluster("app");
    ck_assert_ptr_null(view);
    json_t *pods = pods_of("component%3Djobmanager");
    const json_t *pod = json_array_get(pods, 0);
    ck_assert_str_eq(fo_json_get_str(pod, "status.phase"), "Pending");
    ck_assert_str_eq(condition(pod, "PodReadyToStartContainers", "status"), "False");
    ck_assert_str_eq(condition(pod, "Ready", "status"), "False");
    ck_assert_str_eq(
        fo_json_get_str(json_array_get(fo_json_get(pod, "status.containerStatuses"), 0),
                        "state.waiting.reason"),
        "ContainerCreating");
    char sel[300];
    snprintf(sel, sizeof sel, "involvedObject.uid%%3D%s,reason%%3DFailedMount",
             fo_json_get_str(pod, "metadata.uid"));
    json_t *list = get("/api/v1/namespaces/%s/events?fieldSelector=%s", "default", sel);
    json_t *items = json_object_get(list, "items");
    ck_assert_uint_eq(json_array_size(items), 1);
    const json_t *ev = json_array_get(items, 0);
    ck_assert_str_eq(fo_json_str(ev, "type"), "Warning");
    ck_assert_str_eq(fo_json_get_str(ev, "involvedObject.kind"), "Pod");
    ck_assert_str_eq(fo_json_get_str(ev, "involvedObject.name"),
                     fo_json_get_str(pod, "metadata.name"));
    ck_assert_str_eq(fo_json_get_str(ev, "source.component"), "kubelet");
    ck_assert_str_eq(fo_json_str(ev, "message"), "MountVolume.SetUp failed for volume "
                                                 "\"s3-credentials\" : secret \"s3-credentials\" "
                                                 "not found");
    json_decref(list);
    json_decref(pods);

    json_t *secret = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "Secret",
                               "metadata", "name", "s3-credentials", "stringData", "k", "v");
    ck_assert_int_eq(call("POST", "/api/v1/namespaces/default/secrets", secret, NULL), 201);
    json_decref(secret);
    step(0);
    step(READY_DELAY_MS);
    view = cluster("app");
    ck_assert_ptr_nonnull(view);
    json_decref(view);
    pods = pods_of("component%3Djobmanager");
    ck_assert_str_eq(condition(json_array_get(pods, 0), "Ready", "status"), "True");
    json_decref(pods);
}
END_TEST

START_TEST(scaling_to_zero_removes_the_cluster_and_reports_no_replicas)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *view = cluster("app");
    ck_assert_ptr_nonnull(view);
    json_decref(view);

    json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 0);
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_apiserver_call(fo_sandbox_api(sb), "PATCH",
                                            "/apis/apps/v1/namespaces/default/deployments/app",
                                            "application/merge-patch+json", patch, &out, NULL),
                     200);
    json_decref(out);
    json_decref(patch);
    step(0);
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    json_t *d = deployment("app");
    ck_assert_int_eq(int_at(d, "status.observedGeneration"), int_at(d, "metadata.generation"));
    ck_assert_ptr_null(fo_json_get(d, "status.replicas"));
    ck_assert_ptr_null(fo_json_get(d, "status.readyReplicas"));
    ck_assert_str_eq(condition(d, "Available", "status"), "True");
    json_decref(d);
    json_t *pods = pods_of("app%3Dapp");
    ck_assert_int_eq(json_array_size(pods), 0);
    json_decref(pods);
}
END_TEST

START_TEST(deleting_the_deployment_removes_the_cluster)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    ck_assert(fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    delete_path("/apis/apps/v1/namespaces/%s/deployments/%s", "default", "app");
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    fo_fake_apiserver_gc(fo_sandbox_api(sb));
    step(0);
    json_t *pods = pods_of("app%3Dapp");
    ck_assert_int_eq(json_array_size(pods), 0);
    json_decref(pods);
}
END_TEST

/* A kubelet that cannot list (an API server answering 500, as the fake's fault rules make it
 * answer every client) learns nothing: its Deployments and their clusters stay as they were.
 * Taking the failed list for an empty one stopped every cluster of the sandbox and started it
 * again from its configuration at the next pass (a savepoint job from empty state), which no
 * kubelet does. */
START_TEST(a_failed_list_stops_no_cluster)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *view = cluster("app");
    ck_assert_ptr_nonnull(view);
    char job[64];
    snprintf(job, sizeof job, "%s", fo_json_str(first_job(view), "jobId"));
    json_decref(view);
    json_t *fault = json_pack("{s:i, s:i, s:s}", "count", -1, "code", 500, "method", "GET");
    json_t *out = NULL;
    ck_assert_int_eq(call("POST", "/fake/faults", fault, &out), 200);
    json_decref(out);
    json_decref(fault);
    step(0);
    step(500);
    ck_assert_msg(fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"),
                  "the cluster was stopped while the kubelet could not list");
    ck_assert_int_eq(call("DELETE", "/fake/faults", NULL, &out), 200);
    json_decref(out);
    step(0);
    view = cluster("app");
    ck_assert_ptr_nonnull(view);
    ck_assert_str_eq(fo_json_str(first_job(view), "jobId"), job);
    ck_assert_int_eq(int_at(first_job(view), "restartCount"), 0);
    ck_assert_msg(strcmp(fo_json_str(first_job(view), "state"), "RUNNING") == 0,
                  "job state %s", fo_json_str(first_job(view), "state"));
    json_decref(view);
}
END_TEST

START_TEST(a_new_pod_template_restarts_the_cluster_from_the_new_configuration)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    /* An upgrade: new configuration (restore from a savepoint), new generation annotation. */
    json_t *cm = configmap("flink-config-app");
    char *text = NULL;
    ck_assert(asprintf(&text, "%sexecution.savepoint.path: file:///sp/savepoint-a001aa-1\n",
                       json_string_value(json_object_get(fo_json_get(cm, "data"), "config.yaml"))) >
              0);
    json_t *patch = json_pack("{s:{s:s}}", "data", "config.yaml", text);
    free(text);
    json_t *out = NULL;
    ck_assert_int_eq(
        fo_fake_apiserver_call(fo_sandbox_api(sb), "PATCH",
                               "/api/v1/namespaces/default/configmaps/flink-config-app",
                               "application/merge-patch+json", patch, &out, NULL),
        200);
    json_decref(out);
    json_decref(patch);
    json_decref(cm);
    step(0);
    json_t *view = cluster("app");
    ck_assert(json_is_null(json_object_get(first_job(view), "restoredFrom")));
    json_decref(view);

    patch = json_pack("{s:{s:{s:{s:{s:s}}}}}", "spec", "template", "metadata", "annotations",
                      "flinkdeployment.flink.apache.org/generation", "2");
    ck_assert_int_eq(fo_fake_apiserver_call(fo_sandbox_api(sb), "PATCH",
                                            "/apis/apps/v1/namespaces/default/deployments/app",
                                            "application/merge-patch+json", patch, &out, NULL),
                     200);
    json_decref(out);
    json_decref(patch);
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    json_t *d = deployment("app");
    ck_assert_str_eq(condition(d, "Available", "status"), "False");
    json_decref(d);
    step(READY_DELAY_MS);
    step(500);
    view = cluster("app");
    ck_assert_ptr_nonnull(view);
    ck_assert_str_eq(fo_json_get_str(first_job(view), "restoredFrom.path"),
                     "file:///sp/savepoint-a001aa-1");
    json_decref(view);
    d = deployment("app");
    ck_assert_str_eq(condition(d, "Available", "status"), "True");
    ck_assert_int_eq(int_at(d, "status.observedGeneration"), int_at(d, "metadata.generation"));
    json_decref(d);
}
END_TEST

START_TEST(standalone_cluster_gets_the_taskmanagers_of_its_taskmanager_deployment)
{
    apply("sandbox-standalone-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    step(1000);
    json_t *view = cluster("sa");
    ck_assert_ptr_nonnull(view);
    ck_assert_int_eq(int_at(view, "taskManagers"), 2);
    const json_t *job = first_job(view);
    ck_assert_str_eq(fo_json_str(job, "state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"),
                     "file:///flink-data/savepoints/savepoint-a001aa-0123456789ab");
    ck_assert_str_eq(fo_json_get_str(job, "submission.entryClass"),
                     "com.example.TopSpeedWindowing");
    json_decref(view);
    json_t *d = deployment("sa-taskmanager");
    ck_assert_int_eq(int_at(d, "status.readyReplicas"), 2);
    json_decref(d);
    /* No TaskManager pods of Flink's own in standalone mode: only the Deployment's two. */
    json_t *tms = pods_of("component%3Dtaskmanager");
    ck_assert_int_eq(json_array_size(tms), 2);
    json_decref(tms);

    json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 1);
    json_t *out = NULL;
    ck_assert_int_eq(
        fo_fake_apiserver_call(fo_sandbox_api(sb), "PATCH",
                               "/apis/apps/v1/namespaces/default/deployments/sa-taskmanager",
                               "application/merge-patch+json", patch, &out, NULL),
        200);
    json_decref(out);
    json_decref(patch);
    step(0);
    view = cluster("sa");
    ck_assert_int_eq(int_at(view, "taskManagers"), 1);
    json_decref(view);
}
END_TEST

static void check_ha_labels(const json_t *cm)
{
    ck_assert_str_eq(fo_json_get_str(cm, "metadata.labels.app"), "ha");
    ck_assert_str_eq(fo_json_get_str(cm, "metadata.labels.type"), "flink-native-kubernetes");
    ck_assert_str_eq(fo_json_get_str(cm, "metadata.labels.configmap-type"), "high-availability");
    ck_assert_ptr_null(fo_json_get(cm, "metadata.ownerReferences"));
}

START_TEST(ha_configmaps_follow_checkpoints_and_a_restart_restores_the_latest)
{
    apply("sandbox-ha-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    for (int i = 0; i < 8; i++)
        step(500);
    json_t *view = cluster("ha");
    /* First start: no HA data, so the configured savepoint. */
    ck_assert_str_eq(fo_json_get_str(first_job(view), "restoredFrom.path"),
                     "file:///flink-data/savepoints/savepoint-b002bb-000000000001");
    json_decref(view);
    json_t *cm = configmap("ha-cluster-config-map");
    ck_assert_ptr_nonnull(cm);
    check_ha_labels(cm);
    ck_assert_ptr_nonnull(fo_json_get(cm, "data.jobGraph-0000000000000000000000000000b002"));
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(cm, "metadata.annotations"),
                                          "control-plane.alpha.kubernetes.io/leader"));
    json_decref(cm);
    json_t *jm = configmap("ha-0000000000000000000000000000b002-config-map");
    ck_assert_ptr_nonnull(jm);
    check_ha_labels(jm);
    const json_t *data = json_object_get(jm, "data");
    int keys = 0;
    int64_t latest = -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)data, key, v)
    {
        if (strncmp(key, "checkpointID-", 13) == 0) {
            keys++;
            ck_assert_int_eq(strlen(key), 13 + 19);
            if (strtoll(key + 13, NULL, 10) > latest)
                latest = strtoll(key + 13, NULL, 10);
        }
    }
    ck_assert_int_eq(keys, 2); /* execution.checkpointing.num-retained: 2 */
    ck_assert_int_ge(latest, 2);
    char counter[32];
    snprintf(counter, sizeof counter, "%lld", (long long)latest + 1);
    ck_assert_str_eq(fo_json_str(data, "counter"), counter);
    json_decref(jm);

    /* The JobManager goes away with its Deployment; HA data stays; a new one recovers. */
    delete_path("/apis/apps/v1/namespaces/%s/deployments/%s", "default", "ha");
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "ha"));
    jm = configmap("ha-0000000000000000000000000000b002-config-map");
    ck_assert_ptr_nonnull(jm);
    json_decref(jm);
    apply_kind("sandbox-ha-application.yaml", "Deployment");
    step(0);
    step(READY_DELAY_MS);
    step(300);
    view = cluster("ha");
    const json_t *job = first_job(view);
    ck_assert_str_eq(fo_json_str(job, "jobId"), "0000000000000000000000000000b002");
    char want[200];
    snprintf(want, sizeof want,
             "file:///flink-data/checkpoints/0000000000000000000000000000b002/chk-%lld",
             (long long)latest);
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"), want);
    json_decref(view);
    /* Until the new cluster completes a checkpoint, the recovered ones stay listed. */
    jm = configmap("ha-0000000000000000000000000000b002-config-map");
    char latest_key[64];
    snprintf(latest_key, sizeof latest_key, "checkpointID-%019lld", (long long)latest);
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(jm, "data"), latest_key));
    json_decref(jm);
}
END_TEST

/* Is the snapshot at path held by the fake Flink and not disposed? */
static bool snapshot_kept(const char *path)
{
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_flink_control(fo_sandbox_flink(sb), "GET", "/_fake/snapshots", NULL,
                                           &out),
                     200);
    bool kept = false;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(out, "snapshots"), i, e)
    {
        if (strcmp(fo_json_str(e, "path"), path) == 0)
            kept = !json_is_true(json_object_get(e, "disposed"));
    }
    json_decref(out);
    return kept;
}

/* Every checkpoint the job's HA ConfigMap names is one the fake Flink still holds; returns the
 * highest id named. */
static int64_t ha_names_only_kept_checkpoints(const char *when)
{
    json_t *jm = configmap("ha-0000000000000000000000000000b002-config-map");
    ck_assert_ptr_nonnull(jm);
    int64_t latest = -1;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(jm, "data"), key, v)
    {
        if (strncmp(key, "checkpointID-", 13) != 0)
            continue;
        int64_t id = -1;
        char *path = fo_sandbox_ha_pointer_decode(json_string_value(v), &id);
        ck_assert_ptr_nonnull(path);
        ck_assert_msg(snapshot_kept(path), "%s: the HA ConfigMap names %s, which Flink discarded",
                      when, path);
        if (id > latest)
            latest = id;
        free(path);
    }
    json_decref(jm);
    return latest;
}

/* Flink writes a completed checkpoint's pointer into the HA ConfigMap before it discards the
 * checkpoint that one subsumes (DefaultCompletedCheckpointStore.addCheckpoint: addAndLock, then
 * subsume), so a failed write leaves the HA data naming checkpoints that still exist. With the
 * API server refusing the write while checkpoints keep completing, the sandbox's fake Flink
 * discarded them anyway and a new JobManager recovered from a deleted checkpoint. */
START_TEST(a_failed_ha_write_leaves_the_pointer_on_a_kept_checkpoint)
{
    apply("sandbox-ha-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    for (int i = 0; i < 4; i++)
        step(500);
    int64_t before = ha_names_only_kept_checkpoints("before the fault");
    ck_assert_int_ge(before, 1);
    json_t *fault = json_pack(
        "{s:i, s:i, s:s, s:s}", "count", -1, "code", 500, "method", "PUT", "pathPrefix",
        "/api/v1/namespaces/default/configmaps/ha-0000000000000000000000000000b002-config-map");
    json_t *out = NULL;
    ck_assert_int_eq(call("POST", "/fake/faults", fault, &out), 200);
    json_decref(out);
    json_decref(fault);
    /* Four more checkpoints complete (one a second, two retained) while no write lands. */
    for (int i = 0; i < 8; i++)
        step(500);
    ck_assert_int_eq(ha_names_only_kept_checkpoints("while the writes fail"), before);
    /* The JobManager goes while the API server still refuses: the new one recovers from what
     * the HA data names, and that checkpoint must still be there. */
    delete_path("/apis/apps/v1/namespaces/%s/deployments/%s", "default", "ha");
    step(0);
    ck_assert_int_eq(ha_names_only_kept_checkpoints("after the JobManager went"), before);
    ck_assert_int_eq(call("DELETE", "/fake/faults", NULL, &out), 200);
    json_decref(out);
    apply_kind("sandbox-ha-application.yaml", "Deployment");
    step(0);
    step(READY_DELAY_MS);
    step(300);
    json_t *view = cluster("ha");
    const json_t *job = first_job(view);
    ck_assert_msg(strcmp(fo_json_str(job, "state"), "RUNNING") == 0,
                  "the recovered job is %s, not RUNNING", fo_json_str(job, "state"));
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.source"), "submission");
    char want[200];
    snprintf(want, sizeof want,
             "file:///flink-data/checkpoints/0000000000000000000000000000b002/chk-%lld",
             (long long)before);
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"), want);
    json_decref(view);
    /* Writes land again: the pointer moves on and only then are subsumed checkpoints dropped. */
    for (int i = 0; i < 6; i++)
        step(500);
    ck_assert_int_gt(ha_names_only_kept_checkpoints("after the writes land again"), before);
}
END_TEST

START_TEST(a_globally_terminal_job_loses_its_ha_data)
{
    apply("sandbox-ha-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    for (int i = 0; i < 4; i++)
        step(500);
    json_t *jm = configmap("ha-0000000000000000000000000000b002-config-map");
    ck_assert_ptr_nonnull(jm);
    json_decref(jm);
    json_t *body = json_pack("{s:b}", "restart", 0);
    ck_assert_int_eq(fo_fake_flink_control(fo_sandbox_flink(sb), "POST",
                                           "/_fake/clusters/default/ha/jobs/"
                                           "0000000000000000000000000000b002/fail",
                                           body, NULL) /
                         100,
                     2);
    json_decref(body);
    step(1000);
    jm = configmap("ha-0000000000000000000000000000b002-config-map");
    ck_assert_ptr_null(jm);
    json_t *cm = configmap("ha-cluster-config-map");
    ck_assert_ptr_null(fo_json_get(cm, "data.jobGraph-0000000000000000000000000000b002"));
    json_decref(cm);
}
END_TEST

START_TEST(crash_loop_fault_fails_the_pod_and_stops_the_cluster)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    fo_err err = {0};
    ck_assert_int_eq(fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet_of(sb), "default", "app",
                                                  "CrashLoopBackOff", NULL, &err),
                     FO_OK);
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    json_t *pods = pods_of("component%3Djobmanager");
    const json_t *cs =
        json_array_get(fo_json_get(json_array_get(pods, 0), "status.containerStatuses"), 0);
    ck_assert_str_eq(fo_json_get_str(cs, "state.waiting.reason"), "CrashLoopBackOff");
    ck_assert(json_is_false(json_object_get(cs, "ready")));
    ck_assert_int_ge(int_at(cs, "restartCount"), 1);
    json_decref(pods);
    json_t *d = deployment("app");
    ck_assert_str_eq(condition(d, "Available", "status"), "False");
    ck_assert_str_eq(condition(d, "ReplicaFailure", "status"), "True");
    ck_assert_str_eq(condition(d, "ReplicaFailure", "reason"), "CrashLoopBackOff");
    ck_assert_ptr_nonnull(strstr(condition(d, "ReplicaFailure", "message"), "CrashLoopBackOff"));
    json_decref(d);

    ck_assert_int_eq(
        fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet_of(sb), "default", "app", NULL, NULL, &err),
        FO_OK);
    step(0);
    step(READY_DELAY_MS);
    ck_assert(fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    d = deployment("app");
    ck_assert_ptr_null(condition(d, "ReplicaFailure", "status"));
    json_decref(d);
    ck_assert_int_eq(fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet_of(sb), "default", "app",
                                                  "Sleepy", NULL, &err),
                     FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "Sleepy"));
}
END_TEST

START_TEST(failed_create_fault_sets_replica_failure_without_pods)
{
    fo_err err = {0};
    ck_assert_int_eq(fo_sandbox_kubelet_set_fault(fo_sandbox_kubelet_of(sb), "default", "app",
                                                  "FailedCreate", "quota exceeded", &err),
                     FO_OK);
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *d = deployment("app");
    ck_assert_str_eq(condition(d, "ReplicaFailure", "status"), "True");
    ck_assert_str_eq(condition(d, "ReplicaFailure", "reason"), "FailedCreate");
    ck_assert_str_eq(condition(d, "ReplicaFailure", "message"), "quota exceeded");
    ck_assert_int_eq(int_at(d, "status.unavailableReplicas"), 1);
    json_decref(d);
    json_t *pods = pods_of("app%3Dapp");
    ck_assert_int_eq(json_array_size(pods), 0);
    json_decref(pods);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
}
END_TEST

START_TEST(native_session_starts_taskmanagers_for_submitted_jobs)
{
    apply("sandbox-native-session.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *view = cluster("session");
    ck_assert_ptr_nonnull(view);
    ck_assert_int_eq(int_at(view, "taskManagers"), 0);
    ck_assert_str_eq(fo_json_str(view, "flinkVersion"), "2.0.0");
    json_decref(view);
    json_t *body = json_pack("{s:s, s:i}", "entryClass", "com.example.Job", "parallelism", 3);
    ck_assert_int_eq(fo_fake_flink_control(fo_sandbox_flink(sb), "POST",
                                           "/_fake/clusters/default/session/jobs", body, NULL) /
                         100,
                     2);
    json_decref(body);
    step(0);
    step(0);
    view = cluster("session");
    ck_assert_int_eq(int_at(view, "taskManagers"), 2);
    json_decref(view);
    json_t *tms = pods_of("component%3Dtaskmanager");
    ck_assert_int_eq(json_array_size(tms), 2);
    const json_t *ref =
        json_array_get(fo_json_get(json_array_get(tms, 0), "metadata.ownerReferences"), 0);
    ck_assert_str_eq(fo_json_str(ref, "name"), "session");
    json_decref(tms);
}
END_TEST

START_TEST(deleting_the_jobmanager_pod_starts_a_new_one)
{
    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *pods = pods_of("component%3Djobmanager");
    char old[300];
    snprintf(old, sizeof old, "%s", fo_json_get_str(json_array_get(pods, 0), "metadata.name"));
    json_decref(pods);
    delete_path("/api/v1/namespaces/%s/pods/%s", "default", old);
    step(0);
    ck_assert(!fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
    step(0);
    pods = pods_of("component%3Djobmanager");
    ck_assert_int_eq(json_array_size(pods), 1);
    ck_assert_str_ne(fo_json_get_str(json_array_get(pods, 0), "metadata.name"), old);
    json_decref(pods);
    step(READY_DELAY_MS);
    ck_assert(fo_fake_flink_exists(fo_sandbox_flink(sb), "default", "app"));
}
END_TEST

static int hook(const char *method, const char *path, const char *body, json_t **out)
{
    fo_http_request req = {.method = method,
                           .path = path,
                           .body = body ? body : "",
                           .body_len = body ? strlen(body) : 0,
                           .remote_addr = "127.0.0.1"};
    fo_http_response resp = {.status = 200};
    fo_sandbox_handle(sb, &req, &resp);
    *out = resp.body ? fo_json_parse(resp.body, resp.body_len, 1 << 20, NULL) : NULL;
    free(resp.body);
    for (size_t i = 0; i < resp.nheaders; i++) {
        free(resp.headers[i].name);
        free(resp.headers[i].value);
    }
    return resp.status;
}

START_TEST(fault_hooks_answer_under_the_sandbox_path)
{
    json_t *out = NULL;
    ck_assert_int_eq(
        hook("POST", "/_sandbox/faults/default/app", "{\"reason\": \"ImagePullBackOff\"}", &out),
        200);
    ck_assert_str_eq(fo_json_str(out, "reason"), "ImagePullBackOff");
    json_decref(out);
    ck_assert_int_eq(hook("POST", "/_sandbox/faults/default/app", "{\"reason\": \"Nope\"}", &out),
                     400);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_array_get(json_object_get(out, "errors"), 0)), "Nope"));
    json_decref(out);
    ck_assert_int_eq(hook("POST", "/_sandbox/faults/default", "{}", &out), 404);
    json_decref(out);
    ck_assert_int_eq(hook("POST", "/_sandbox/faults/default/app", "not json", &out), 400);
    json_decref(out);

    apply("sandbox-native-application.yaml");
    step(0);
    step(READY_DELAY_MS);
    json_t *pods = pods_of("component%3Djobmanager");
    const json_t *pod = json_array_get(pods, 0);
    ck_assert_str_eq(fo_json_get_str(pod, "status.phase"), "Pending");
    const json_t *cs = json_array_get(fo_json_get(pod, "status.containerStatuses"), 0);
    ck_assert_str_eq(fo_json_get_str(cs, "state.waiting.reason"), "ImagePullBackOff");
    ck_assert_str_eq(fo_json_get_str(cs, "state.waiting.message"),
                     "Back-off pulling image \"flink:1.19.1\"");
    json_decref(pods);

    ck_assert_int_eq(hook("DELETE", "/_sandbox/faults/default/app", NULL, &out), 200);
    json_decref(out);
    ck_assert_int_eq(hook("GET", "/_sandbox/state", NULL, &out), 200);
    const json_t *dep = json_array_get(json_object_get(out, "deployments"), 0);
    ck_assert_str_eq(fo_json_str(dep, "name"), "app");
    ck_assert(json_is_null(json_object_get(dep, "fault")));
    json_decref(out);
}
END_TEST

START_TEST(kubeconfig_points_at_the_api_server)
{
    fo_err err = {0};
    char *dir = fo_test_mkdtemp(), *kc = NULL;
    ck_assert(asprintf(&kc, "%s/kubeconfig", dir) > 0);
    ck_assert_int_eq(fo_sandbox_write_kubeconfig(sb, kc, &err), FO_OK);
    json_t *doc = NULL;
    FILE *f = fopen(kc, "r");
    ck_assert_ptr_nonnull(f);
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    doc = fo_yaml_parse(buf, n, sizeof buf, &err);
    ck_assert_ptr_nonnull(doc);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", fo_sandbox_api_port(sb));
    ck_assert_str_eq(
        fo_json_get_str(json_array_get(json_object_get(doc, "clusters"), 0), "cluster.server"),
        want);
    ck_assert_str_eq(fo_json_str(doc, "current-context"), "flinkop-sandbox");
    json_decref(doc);
    free(kc);
    fo_test_rmdir(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kubelet_sim");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, legacy_flink_conf_is_read_with_flinks_line_parser);
    tcase_add_test(pure, config_yaml_is_flattened_to_flink_keys);
    tcase_add_test(pure, native_application_launch_follows_the_configmap);
    tcase_add_test(pure, standalone_launch_reads_the_container_args);
    tcase_add_test(pure, ha_job_data_keeps_the_retained_checkpoints_and_the_counter);
    tcase_add_test(pure, kubernetes_ha_is_detected_in_every_spelling);
    suite_add_tcase(s, pure);
    TCase *k = tcase_create("kubelet");
    tcase_add_checked_fixture(k, setup, teardown);
    tcase_add_test(k, jobmanager_becomes_ready_after_the_delay_and_runs_the_job);
    tcase_add_test(k, jobmanager_waits_for_its_configmap);
    tcase_add_test(k, a_missing_secret_volume_keeps_the_pod_creating_with_a_failed_mount_event);
    tcase_add_test(k, scaling_to_zero_removes_the_cluster_and_reports_no_replicas);
    tcase_add_test(k, deleting_the_deployment_removes_the_cluster);
    tcase_add_test(k, a_failed_list_stops_no_cluster);
    tcase_add_test(k, a_new_pod_template_restarts_the_cluster_from_the_new_configuration);
    tcase_add_test(k, standalone_cluster_gets_the_taskmanagers_of_its_taskmanager_deployment);
    tcase_add_test(k, ha_configmaps_follow_checkpoints_and_a_restart_restores_the_latest);
    tcase_add_test(k, a_failed_ha_write_leaves_the_pointer_on_a_kept_checkpoint);
    tcase_add_test(k, a_globally_terminal_job_loses_its_ha_data);
    tcase_add_test(k, crash_loop_fault_fails_the_pod_and_stops_the_cluster);
    tcase_add_test(k, failed_create_fault_sets_replica_failure_without_pods);
    tcase_add_test(k, native_session_starts_taskmanagers_for_submitted_jobs);
    tcase_add_test(k, deleting_the_jobmanager_pod_starts_a_new_one);
    tcase_add_test(k, fault_hooks_answer_under_the_sandbox_path);
    tcase_add_test(k, kubeconfig_points_at_the_api_server);
    suite_add_tcase(s, k);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
