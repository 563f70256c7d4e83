/* controller/resources: the objects a FlinkDeployment owns, per mode (reference c.13, c.15,
 * c.16). Inputs and expected objects are fixtures in tests/data/resources-*.yaml. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/normalize.h"
#include "common/yamlconv.h"
#include "controller/resources.h"
#include "tests/support/testyaml.h"

/* The controller's path from a stored object to desired objects: normalise, build the
 * effective configuration, render the file, build the objects. */
static json_t *desired_for_object_at(json_t *obj, int render);

static json_t *desired_for_object(json_t *obj)
{
    return desired_for_object_at(obj, 0);
}

/* The objects, or NULL with err when fo_resources_desired refuses the spec. */
static json_t *build_objects(json_t *obj, int render, fo_err *out)
{
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_normalize_resource(obj, NULL, &err), FO_OK);
    int64_t generation = 1;
    fo_json_get_int(obj, "metadata.generation", &generation);
    /* as controller/reconcile_build.c: the generation merged as a map from level 3 on */
    fo_flink_deploy_opts opts = {.generation = generation,
                                 .generation_in_flink_map = render == 0 || render >= 3};
    json_t *conf = fo_flink_conf_build(obj, NULL, &opts, &err);
    ck_assert_msg(conf != NULL, "%s", err.message);
    fo_flink_view v;
    ck_assert_int_eq(fo_flink_view_init(&v, obj, NULL), FO_OK);
    json_t *cluster = fo_flink_conf_cluster_side(conf);
    char *text = fo_flink_conf_render(cluster, v.flink_version, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    fo_resource_inputs in = {
        .deployment = obj,
        .flink_conf = conf,
        .conf_file = fo_flink_conf_file_name(v.flink_version),
        .conf_text = text,
        .deployed_generation = generation,
        .render = render,
    };
    json_t *objects = fo_resources_desired(&in, out);
    free(text);
    json_decref(cluster);
    json_decref(conf);
    return objects;
}

/* ... with the pods of rendering level `render` (0: the current one). */
static json_t *desired_for_object_at(json_t *obj, int render)
{
    fo_err err;
    fo_err_clear(&err);
    json_t *objects = build_objects(obj, render, &err);
    ck_assert_msg(objects != NULL, "%s", err.message);
    return objects;
}

static json_t *desired_for(const char *fixture)
{
    json_t *obj = fo_test_load_yaml(fixture);
    json_t *objects = desired_for_object(obj);
    json_decref(obj);
    return objects;
}

static json_t *find(const json_t *objects, const char *kind, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)objects, i, o) {
        if (strcmp(fo_json_str(o, "kind"), kind) == 0 &&
            strcmp(fo_json_get_str(o, "metadata.name"), name) == 0)
            return o;
    }
    return NULL;
}

/* data[key] of a ConfigMap (keys contain dots, so no dotted path). */
static const char *cm_data(const json_t *cm, const char *key)
{
    return fo_json_str(json_object_get(cm, "data"), key);
}

static json_t *main_container(const json_t *deployment)
{
    return json_array_get(fo_json_get(deployment, "spec.template.spec.containers"), 0);
}

static bool has_str(const json_t *array, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)array, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

START_TEST(native_application_objects_match_the_fixture)
{
    json_t *objects = desired_for("resources-native-application.yaml");
    json_t *expected = fo_test_load_yaml("resources-native-application-expected.yaml");
    json_t *cm = find(objects, "ConfigMap", "flink-config-basic-example");
    ck_assert_ptr_nonnull(cm);
    const char *conf = cm_data(cm, "config.yaml");
    ck_assert_ptr_nonnull(conf);
    ck_assert_ptr_nonnull(strstr(conf, "kubernetes.cluster-id: basic-example\n"));
    ck_assert_ptr_nonnull(strstr(conf, "execution.target: kubernetes-application\n"));
    ck_assert_ptr_nonnull(cm_data(cm, "log4j-console.properties"));
    json_object_del(cm, "data");
    char *got = fo_json_dumps_canonical(objects);
    char *want = fo_json_dumps_canonical(expected);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    json_decref(expected);
    json_decref(objects);
}
END_TEST

START_TEST(standalone_application_gets_a_taskmanager_deployment_and_job_args)
{
    json_t *objects = desired_for("resources-standalone-application.yaml");
    json_t *jm = find(objects, "Deployment", "standalone-app");
    json_t *tm = find(objects, "Deployment", "standalone-app-taskmanager");
    ck_assert_ptr_nonnull(jm);
    ck_assert_ptr_nonnull(tm);
    ck_assert_str_eq(fo_json_get_str(jm, "metadata.labels.type"), "flink-standalone-kubernetes");
    ck_assert_str_eq(fo_json_get_str(tm, "spec.selector.matchLabels.component"), "taskmanager");
    /* c.13: standalone-job --job-classname C <job args> */
    json_t *args = json_object_get(main_container(jm), "args");
    ck_assert_str_eq(json_string_value(json_array_get(args, 0)), "standalone-job");
    ck_assert_str_eq(json_string_value(json_array_get(args, 1)), "--job-classname");
    ck_assert_str_eq(json_string_value(json_array_get(args, 2)), "com.example.Main");
    ck_assert(has_str(args, "--input") && has_str(args, "kafka"));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(main_container(tm), "args"),
                                                     0)),
                     "taskmanager");
    /* TM replicas = ceil(parallelism 5 / 2 slots) = 3 */
    int64_t replicas = 0;
    ck_assert(fo_json_get_int(tm, "spec.replicas", &replicas));
    ck_assert_int_eq(replicas, 3);
    /* TM resources from taskManager.resource: 2 GiB, 2 cpu */
    ck_assert_str_eq(fo_json_get_str(main_container(tm), "resources.requests.memory"), "2Gi");
    ck_assert_str_eq(fo_json_get_str(main_container(tm), "resources.requests.cpu"), "2");
    ck_assert_str_eq(fo_json_get_str(main_container(jm), "resources.requests.cpu"), "500m");
    /* the user-lib-dir emptyDir for the jar */
    json_t *mounts = json_object_get(main_container(jm), "volumeMounts");
    bool usrlib = false;
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m) {
        if (strcmp(fo_json_str(m, "mountPath"), "/opt/flink/usrlib") == 0)
            usrlib = true;
    }
    ck_assert(usrlib);
    /* ... on the JobManager only (UserLibMountDecorator): a TaskManager keeps its image's
     * usrlib, where Flink looks for the user classpath */
    json_array_foreach(json_object_get(main_container(tm), "volumeMounts"), i, m) {
        ck_assert_str_ne(fo_json_str(m, "mountPath"), "/opt/flink/usrlib");
    }
    json_array_foreach(fo_json_get(tm, "spec.template.spec.volumes"), i, m) {
        ck_assert_str_ne(fo_json_str(m, "name"), "user-lib-dir");
    }
    /* Flink < 1.19 would use flink-conf.yaml; 1.19 uses config.yaml */
    ck_assert_ptr_nonnull(cm_data(find(objects, "ConfigMap", "flink-config-standalone-app"),
                                  "config.yaml"));
    json_decref(objects);
}
END_TEST

/* A fixture without the roles' resources, with memory keys in flinkConfiguration instead. */
static json_t *sized_by_configuration(const char *fixture, const char *const *pairs)
{
    json_t *obj = fo_test_load_yaml(fixture);
    json_t *spec = json_object_get(obj, "spec");
    const char *roles[] = {"jobManager", "taskManager"};
    for (int i = 0; i < 2; i++) {
        json_object_del(json_object_get(spec, roles[i]), "resources");
        json_object_del(json_object_get(spec, roles[i]), "resource");
    }
    json_t *conf = json_object_get(spec, "flinkConfiguration");
    for (size_t i = 0; pairs[i]; i += 2)
        json_object_set_new(conf, pairs[i], json_string(pairs[i + 1]));
    json_t *objects = desired_for_object(obj);
    json_decref(obj);
    return objects;
}

/* Without resources in the spec, the pods get the process size Flink's memory model derives
 * from the configuration, in MiB rounded down as Flink's deployer does. */
START_TEST(pods_without_resources_get_what_flinks_memory_model_derives)
{
    /* Native: a legacy JobManager heap key is read as the process size. */
    const char *native[] = {"jobmanager.heap.size", "1600m", NULL};
    json_t *objects = sized_by_configuration("resources-native-session-ha-ingress.yaml", native);
    ck_assert_str_eq(fo_json_get_str(main_container(find(objects, "Deployment", "session")),
                                     "resources.requests.memory"),
                     "1600Mi");
    json_decref(objects);

    /* Standalone: the pods are sized as the Apache operator's standalone deployer sizes them
     * (the legacy key is the process size there too: 1024m). The TaskManager's 512m task heap
     * and 512m managed memory with 20 % JVM overhead need 2199679441 bytes (network 0.1f /
     * 0.9f of the rest, overhead 0.2f / 0.8f of Flink memory and metaspace): 2097 MiB. */
    const char *standalone[] = {"jobmanager.heap.size",
                                "1024m",
                                "taskmanager.memory.task.heap.size",
                                "512m",
                                "taskmanager.memory.managed.size",
                                "512m",
                                "taskmanager.memory.jvm-overhead.fraction",
                                "0.2",
                                NULL};
    objects = sized_by_configuration("resources-standalone-application.yaml", standalone);
    ck_assert_str_eq(fo_json_get_str(main_container(find(objects, "Deployment", "standalone-app")),
                                     "resources.requests.memory"),
                     "1Gi");
    ck_assert_str_eq(
        fo_json_get_str(main_container(find(objects, "Deployment", "standalone-app-taskmanager")),
                        "resources.requests.memory"),
        "2097Mi");
    json_decref(objects);
}
END_TEST

START_TEST(ha_session_with_ingress_has_no_internal_service_and_routes_by_path)
{
    json_t *objects = desired_for("resources-native-session-ha-ingress.yaml");
    ck_assert_ptr_null(find(objects, "Service", "session"));
    ck_assert_ptr_nonnull(find(objects, "Service", "session-rest"));
    json_t *jm = find(objects, "Deployment", "session");
    json_t *args = json_object_get(main_container(jm), "args");
    ck_assert_str_eq(json_string_value(json_array_get(args, 2)),
                     "kubernetes-jobmanager.sh kubernetes-session");
    int64_t replicas = 0;
    ck_assert(fo_json_get_int(jm, "spec.replicas", &replicas));
    ck_assert_int_eq(replicas, 2);
    /* a.4: 2048m is 2 GiB; limits over requests give the limit factor */
    json_t *main = main_container(jm);
    ck_assert_str_eq(fo_json_get_str(main, "resources.requests.memory"), "2Gi");
    ck_assert_str_eq(fo_json_get_str(main, "resources.limits.memory"), "4Gi");
    ck_assert_str_eq(fo_json_get_str(main, "resources.requests.cpu"), "500m");
    ck_assert_str_eq(fo_json_get_str(main, "resources.limits.cpu"), "1");
    ck_assert_str_eq(fo_json_get_str(main, "resources.limits.ephemeral-storage"), "2Gi");
    /* c.16: placeholders in any case, no host, path kept, class and annotations copied */
    json_t *ing = find(objects, "Ingress", "session");
    ck_assert_ptr_nonnull(ing);
    json_t *rule = json_array_get(fo_json_get(ing, "spec.rules"), 0);
    ck_assert_ptr_null(json_object_get(rule, "host"));
    json_t *path = json_array_get(fo_json_get(rule, "http.paths"), 0);
    ck_assert_str_eq(fo_json_str(path, "path"), "/team-a/session(/|$)(.*)");
    ck_assert_str_eq(fo_json_str(path, "pathType"), "ImplementationSpecific");
    ck_assert_str_eq(fo_json_get_str(path, "backend.service.name"), "session-rest");
    ck_assert_str_eq(fo_json_get_str(ing, "spec.ingressClassName"), "nginx");
    ck_assert_str_eq(fo_json_get_str(ing, "metadata.labels.component"), "ingress");
    ck_assert_str_eq(fo_json_get_str(ing, "metadata.labels.team"), "a");
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(ing, "metadata.annotations"),
                                          "nginx.ingress.kubernetes.io/rewrite-target"));
    json_decref(objects);
}
END_TEST

START_TEST(pod_templates_keep_user_parts_and_ship_the_taskmanager_template)
{
    json_t *objects = desired_for("resources-native-pod-templates.yaml");
    json_t *jm = find(objects, "Deployment", "templated");
    json_t *containers = fo_json_get(jm, "spec.template.spec.containers");
    ck_assert_uint_eq(json_array_size(containers), 2);
    ck_assert_str_eq(fo_json_str(json_array_get(containers, 0), "name"), "flink-main-container");
    ck_assert_str_eq(fo_json_str(json_array_get(containers, 1), "name"), "log-shipper");
    json_t *main = json_array_get(containers, 0);
    /* template env and mounts survive beside Flink's */
    size_t i;
    json_t *e;
    bool shared = false, pod_ip = false;
    json_array_foreach(json_object_get(main, "env"), i, e) {
        shared |= strcmp(fo_json_str(e, "name"), "SHARED") == 0;
        pod_ip |= strcmp(fo_json_str(e, "name"), "_POD_IP_ADDRESS") == 0;
    }
    ck_assert(shared && pod_ip);
    ck_assert_str_eq(fo_json_get_str(jm, "spec.template.metadata.labels.team"), "data");
    ck_assert_str_eq(fo_json_get_str(main, "resources.requests.ephemeral-storage"), "1Gi");
    /* the TaskManager template goes to Flink through pod-template-<name>, mounted in the JM */
    json_t *ptcm = find(objects, "ConfigMap", "pod-template-templated");
    ck_assert_ptr_nonnull(ptcm);
    const char *tm_yaml = cm_data(ptcm, "taskmanager-pod-template.yaml");
    ck_assert_ptr_nonnull(tm_yaml);
    ck_assert_ptr_nonnull(strstr(tm_yaml, "kind: Pod"));
    ck_assert_ptr_nonnull(strstr(tm_yaml, "pool: tm"));
    ck_assert_ptr_nonnull(strstr(tm_yaml, "SHARED"));
    bool mounted = false;
    json_array_foreach(json_object_get(main, "volumeMounts"), i, e) {
        mounted |= strcmp(fo_json_str(e, "mountPath"), "/opt/flink/pod-template") == 0;
    }
    ck_assert(mounted);
    json_decref(objects);
}
END_TEST

/* The element of deployment's pod spec list `list` (or of its main container's, when `main`)
 * whose member `key` is `value`. */
static json_t *pod_item(const json_t *deployment, bool main, const char *list, const char *key,
                        const char *value)
{
    const json_t *owner = main ? main_container(deployment)
                               : fo_json_get(deployment, "spec.template.spec");
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(owner, list), i, item) {
        const char *v = fo_json_str(item, key);
        if (v && strcmp(v, value) == 0)
            return item;
    }
    return NULL;
}

/* Flink's deployer turns these KubernetesConfigOptions into parts of the JobManager pod
 * (InitJobManagerDecorator, EnvSecretsDecorator, MountSecretsDecorator,
 * HadoopConfMountDecorator), and the Apache operator's standalone deployer into parts of the
 * TaskManager pods; each role gets its own tolerations. */
static void check_flink_pod_options(const json_t *pod_owner, const char *role_value)
{
    json_t *t = pod_item(pod_owner, false, "tolerations", "value", role_value);
    ck_assert_msg(t != NULL, "toleration %s missing", role_value);
    ck_assert_str_eq(fo_json_str(t, "key"), "dedicated");
    ck_assert_str_eq(fo_json_str(t, "operator"), "Equal");
    ck_assert_str_eq(fo_json_str(t, "effect"), "NoSchedule");
    json_t *env = pod_item(pod_owner, true, "env", "name", "AWS_SECRET_ACCESS_KEY");
    ck_assert_ptr_nonnull(env);
    ck_assert_str_eq(fo_json_get_str(env, "valueFrom.secretKeyRef.name"), "s3-creds");
    ck_assert_str_eq(fo_json_get_str(env, "valueFrom.secretKeyRef.key"), "secret");
    ck_assert_ptr_nonnull(pod_item(pod_owner, true, "env", "name", "AWS_ACCESS_KEY_ID"));
    json_t *vol = pod_item(pod_owner, false, "volumes", "name", "s3-creds-volume");
    ck_assert_ptr_nonnull(vol);
    ck_assert_str_eq(fo_json_get_str(vol, "secret.secretName"), "s3-creds");
    json_t *mount = pod_item(pod_owner, true, "volumeMounts", "mountPath", "/opt/secrets/s3");
    ck_assert_ptr_nonnull(mount);
    ck_assert_str_eq(fo_json_str(mount, "name"), "s3-creds-volume");
    ck_assert_ptr_nonnull(
        pod_item(pod_owner, true, "volumeMounts", "mountPath", "/opt/secrets/tls"));
    env = pod_item(pod_owner, true, "env", "name", "FLINK_LOG_DIR");
    ck_assert_ptr_nonnull(env);
    ck_assert_str_eq(fo_json_str(env, "value"), "/var/log/flink");
    vol = pod_item(pod_owner, false, "volumes", "name", "hadoop-config-volume");
    ck_assert_ptr_nonnull(vol);
    ck_assert_str_eq(fo_json_get_str(vol, "configMap.name"), "hadoop-conf");
    ck_assert_ptr_nonnull(
        pod_item(pod_owner, true, "volumeMounts", "mountPath", "/opt/hadoop/conf"));
    env = pod_item(pod_owner, true, "env", "name", "HADOOP_CONF_DIR");
    ck_assert_ptr_nonnull(env);
    ck_assert_str_eq(fo_json_str(env, "value"), "/opt/hadoop/conf");
}

START_TEST(flinks_kubernetes_pod_options_reach_the_pods_flinkop_builds)
{
    json_t *objects = desired_for("resources-flink-pod-options.yaml");
    json_t *jm = find(objects, "Deployment", "options");
    json_t *tm = find(objects, "Deployment", "options-taskmanager");
    ck_assert_ptr_nonnull(jm);
    ck_assert_ptr_nonnull(tm);
    check_flink_pod_options(jm, "flink-jm");
    check_flink_pod_options(tm, "flink-tm");
    /* the second JobManager toleration, with its seconds as a number */
    json_t *spot = pod_item(jm, false, "tolerations", "key", "spot");
    ck_assert_ptr_nonnull(spot);
    ck_assert_str_eq(fo_json_str(spot, "operator"), "Exists");
    int64_t seconds = 0;
    ck_assert(fo_json_get_int(spot, "tolerationSeconds", &seconds));
    ck_assert_int_eq(seconds, 6000);
    ck_assert_ptr_null(pod_item(tm, false, "tolerations", "value", "flink-jm"));
    json_decref(objects);

    /* native mode: the JobManager pod flinkop builds in Flink's place, whose start command
     * ends with kubernetes.jobmanager.entrypoint.args (CmdJobManagerDecorator) */
    json_t *obj = fo_test_load_yaml("resources-flink-pod-options.yaml");
    json_object_del(json_object_get(obj, "spec"), "mode");
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"),
                        "kubernetes.jobmanager.entrypoint.args",
                        json_string("-Drest.flamegraph.enabled=true"));
    objects = desired_for_object(obj);
    ck_assert_ptr_null(find(objects, "Deployment", "options-taskmanager"));
    check_flink_pod_options(find(objects, "Deployment", "options"), "flink-jm");
    json_t *args = json_object_get(main_container(find(objects, "Deployment", "options")), "args");
    ck_assert_str_eq(json_string_value(json_array_get(args, 2)),
                     "kubernetes-jobmanager.sh kubernetes-application "
                     "-Drest.flamegraph.enabled=true");
    json_decref(objects);
    json_decref(obj);
}
END_TEST

/* The native JobManager Deployment of resources-flink-pod-options.yaml with option = value,
 * for Flink `version` ("v1_18", whose image the spec then names; NULL: the fixture's) (new
 * reference), or NULL with the refusal in why. */
static json_t *jm_at_version_with_option(const char *version, const char *option,
                                         const char *value, char *why, size_t len)
{
    json_t *obj = fo_test_load_yaml("resources-flink-pod-options.yaml");
    json_t *spec = json_object_get(obj, "spec");
    json_object_del(spec, "mode");
    if (version) {
        json_object_set_new(spec, "flinkVersion", json_string(version));
        json_object_set_new(spec, "image", json_string("flink:1.18"));
    }
    json_object_set_new(json_object_get(spec, "flinkConfiguration"), option, json_string(value));
    fo_err err;
    fo_err_clear(&err);
    json_t *objects = build_objects(obj, 0, &err);
    snprintf(why, len, "%s", err.message);
    json_t *jm = objects ? json_incref(find(objects, "Deployment", "options")) : NULL;
    json_decref(objects);
    json_decref(obj);
    return jm;
}

/* jm_at_version_with_option at the fixture's version. */
static json_t *jm_with_option(const char *option, const char *value, char *why, size_t len)
{
    return jm_at_version_with_option(NULL, option, value, why, len);
}

/* Flink splits these options with StructuredOptionsSplitter (unquoted parts trimmed, a part
 * quoted with ' or ") and refuses what ConfigurationUtils cannot read as maps (an item that is
 * not one key:value pair, a key twice, an open quote), as KubernetesToleration refuses seconds
 * that are no long; an env entry without env, secret and key, or a Secret without a path,
 * gives a pod the API server refuses. flinkop reads them the same way, and a bad value is an
 * error naming the option, not a pod that silently differs from Flink's. */
START_TEST(flinks_pod_options_read_as_flink_reads_them_and_bad_values_name_the_option)
{
    char why[FO_ERR_MSG_MAX];
    /* a quote must span a whole part of its level: here the second toleration */
    json_t *jm = jm_with_option("kubernetes.jobmanager.tolerations",
                                " key : dedicated , operator:Equal,value: flink ;'key:spot,"
                                "operator:Exists,effect:NoExecute,TolerationSeconds:-1'",
                                why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    json_t *t = pod_item(jm, false, "tolerations", "key", "dedicated");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(fo_json_str(t, "value"), "flink");
    int64_t seconds = 0;
    ck_assert(fo_json_get_int(pod_item(jm, false, "tolerations", "key", "spot"),
                              "tolerationSeconds", &seconds));
    ck_assert_int_eq(seconds, -1);
    json_decref(jm);
    /* quoted at both levels, the inner quotes doubled */
    jm = jm_with_option("kubernetes.env.secretKeyRef", "'env: FOO , secret: s ,''key: k'''", why,
                        sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_get_str(pod_item(jm, true, "env", "name", "FOO"),
                                     "valueFrom.secretKeyRef.key"),
                     "k");
    json_decref(jm);
    jm = jm_with_option("kubernetes.secrets", " creds : /opt/creds ", why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/creds"),
                                 "name"),
                     "creds-volume");
    json_decref(jm);
    /* StructuredOptionsSplitter keeps a quote inside an unquoted part ("A'BD;B';C" gives
     * A'BD, B', C), so a part of the next level may be quoted within it */
    jm = jm_with_option("kubernetes.jobmanager.tolerations",
                        "key:dedicated,operator:Equal,value:'flink';key:spot,operator:Exists",
                        why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(pod_item(jm, false, "tolerations", "key", "dedicated"), "value"),
                     "flink");
    ck_assert_ptr_nonnull(pod_item(jm, false, "tolerations", "key", "spot"));
    json_decref(jm);
    jm = jm_with_option("kubernetes.env.secretKeyRef", "env:FOO,secret:s,key:'k'", why,
                        sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_get_str(pod_item(jm, true, "env", "name", "FOO"),
                                     "valueFrom.secretKeyRef.key"),
                     "k");
    json_decref(jm);
    jm = jm_with_option("kubernetes.secrets", "creds:/opt/it's", why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_ptr_nonnull(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/it's"));
    json_decref(jm);

    /* the template's plain AWS_ACCESS_KEY_ID gives way to the Secret's (Flink appends its
     * var after the template's, and the later one wins; both in one var are refused) */
    json_t *obj = fo_test_load_yaml("resources-flink-pod-options.yaml");
    json_object_set_new(json_object_get(obj, "spec"), "podTemplate",
                        json_pack("{s:{s:[{s:s, s:[{s:s, s:s}]}]}}", "spec", "containers", "name",
                                  "flink-main-container", "env", "name", "AWS_ACCESS_KEY_ID",
                                  "value", "plain"));
    json_t *objects = desired_for_object(obj);
    json_t *env = pod_item(find(objects, "Deployment", "options"), true, "env", "name",
                           "AWS_ACCESS_KEY_ID");
    ck_assert_ptr_null(json_object_get(env, "value"));
    ck_assert_str_eq(fo_json_get_str(env, "valueFrom.secretKeyRef.key"), "access");
    json_decref(objects);
    json_decref(obj);

    static const struct {
        const char *option, *value;
    } bad[] = {
        {"kubernetes.secrets", "creds"},
        {"kubernetes.secrets", "creds:"},
        {"kubernetes.secrets", "creds:/a,creds:/b"},
        {"kubernetes.secrets", "creds:/a:/b"},
        {"kubernetes.env.secretKeyRef", "env:FOO,secret:s"},
        {"kubernetes.env.secretKeyRef", "env:FOO,secret:s,key:k;;env:BAR,secret:s,key:k"},
        {"kubernetes.env.secretKeyRef", "env:FOO,secret:'s,key:k"},
        {"kubernetes.jobmanager.tolerations", "key:a,tolerationSeconds:soon"},
        {"kubernetes.jobmanager.tolerations", "key:a,tolerationSeconds:99999999999999999999"},
        {"kubernetes.jobmanager.tolerations", "'key:a'x"},
        /* a toleration the API server refuses (the operator is case-sensitive there) */
        {"kubernetes.jobmanager.tolerations", "key:a,operator:exists"},
        {"kubernetes.jobmanager.tolerations", "colour:blue"},
        {"kubernetes.decorator.hadoop-conf-mount.enabled", "maybe"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = '\0';
        jm = jm_with_option(bad[i].option, bad[i].value, why, sizeof why);
        ck_assert_msg(jm == NULL, "%s=%s was taken", bad[i].option, bad[i].value);
        ck_assert_msg(strstr(why, bad[i].option) != NULL, "%s=%s: %s", bad[i].option,
                      bad[i].value, why);
    }
}
END_TEST

/* With config.yaml (Flink 1.19+) ConfigurationUtils reads a map or list-of-maps option as
 * YAML first (convertToProperties, convertToList with standard YAML), and only when that gives
 * no map (list of maps) of scalars in the "k:v,k:v;k:v" syntax. Flink 1.18 (flink-conf.yaml)
 * reads the same text in that syntax alone. */
START_TEST(with_config_yaml_flink_reads_pod_options_as_yaml_first)
{
    char why[FO_ERR_MSG_MAX];
    json_t *jm = jm_with_option("kubernetes.secrets", "{creds: /opt/creds, 'tls': \"/opt/tls\"}",
                                why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/creds"),
                                 "name"),
                     "creds-volume");
    ck_assert_str_eq(fo_json_str(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/tls"),
                                 "name"),
                     "tls-volume");
    json_decref(jm);
    /* "k: v" is a YAML map; a plain YAML scalar may hold a quote */
    jm = jm_with_option("kubernetes.secrets", "creds: /opt/it's", why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_ptr_nonnull(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/it's"));
    json_decref(jm);
    /* YAML scalars of other types are their text (a whole number for tolerationSeconds) */
    jm = jm_with_option("kubernetes.jobmanager.tolerations",
                        "[{key: dedicated, operator: Exists, effect: NoExecute, "
                        "tolerationSeconds: 30}, {Key: spot, Operator: Exists}]",
                        why, sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    int64_t seconds = 0;
    ck_assert(fo_json_get_int(pod_item(jm, false, "tolerations", "key", "dedicated"),
                              "tolerationSeconds", &seconds));
    ck_assert_int_eq(seconds, 30);
    ck_assert_ptr_nonnull(pod_item(jm, false, "tolerations", "key", "spot"));
    json_decref(jm);
    jm = jm_with_option("kubernetes.env.secretKeyRef", "- {env: FOO, secret: s, key: k}", why,
                        sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_get_str(pod_item(jm, true, "env", "name", "FOO"),
                                     "valueFrom.secretKeyRef.name"),
                     "s");
    json_decref(jm);
    /* a YAML map that is not one of scalars would be its YAML text: refused at the option */
    jm = jm_with_option("kubernetes.secrets", "{creds: [/a, /b]}", why, sizeof why);
    ck_assert_ptr_null(jm);
    ck_assert_ptr_nonnull(strstr(why, "kubernetes.secrets"));
    /* a null value makes Flink fall back to the legacy syntax, which refuses "creds:" */
    jm = jm_with_option("kubernetes.secrets", "creds:", why, sizeof why);
    ck_assert_ptr_null(jm);

    /* Flink 1.18: "{creds" at "/opt/creds" (not YAML); "creds: /opt/it's" in the legacy
     * syntax, the quote kept */
    jm = jm_at_version_with_option("v1_18", "kubernetes.secrets", "{creds: /opt/creds}", why,
                                   sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/creds}"),
                                 "name"),
                     "{creds-volume");
    json_decref(jm);
    jm = jm_at_version_with_option("v1_18", "kubernetes.secrets", "creds: /opt/it's", why,
                                   sizeof why);
    ck_assert_msg(jm != NULL, "%s", why);
    ck_assert_ptr_nonnull(pod_item(jm, true, "volumeMounts", "mountPath", "/opt/it's"));
    json_decref(jm);
}
END_TEST

/* The labels, annotations and node selector Flink's options give the JobManager pod at
 * rendering level `render` of resources-flink-pod-options.yaml (Flink `version`), into
 * pod_meta (a new object {labels, annotations, nodeSelector}); NULL with the refusal in why. */
static json_t *jm_maps_at(int render, const char *version, const char *labels,
                          const char *annotations, const char *node_selector, char *why, size_t len)
{
    json_t *obj = fo_test_load_yaml("resources-flink-pod-options.yaml");
    json_t *spec = json_object_get(obj, "spec");
    json_object_del(spec, "mode");
    json_object_set_new(spec, "flinkVersion", json_string(version));
    json_t *conf = json_object_get(spec, "flinkConfiguration");
    json_object_set_new(conf, "kubernetes.jobmanager.labels", json_string(labels));
    json_object_set_new(conf, "kubernetes.jobmanager.annotations", json_string(annotations));
    json_object_set_new(conf, "kubernetes.jobmanager.node-selector", json_string(node_selector));
    fo_err err;
    fo_err_clear(&err);
    json_t *objects = build_objects(obj, render, &err);
    snprintf(why, len, "%s", err.message);
    json_t *out = NULL;
    json_t *jm = objects ? find(objects, "Deployment", "options") : NULL;
    if (jm)
        out = json_pack("{s:O?, s:O?, s:O?, s:O?}", "labels",
                        fo_json_get(jm, "spec.template.metadata.labels"), "annotations",
                        fo_json_get(jm, "spec.template.metadata.annotations"), "nodeSelector",
                        fo_json_get(jm, "spec.template.spec.nodeSelector"), "deployment",
                        fo_json_get(jm, "metadata.annotations"));
    json_decref(objects);
    json_decref(obj);
    return out;
}

/* Flink reads kubernetes.<role>.labels, .annotations and .node-selector as maps (parts trimmed,
 * YAML first with config.yaml): "team: data" is the label team=data. Levels 1 and 2 kept the
 * blank ("team: data" gave " data", which the API server refuses for a label, and a Prometheus
 * annotation " true" no scrape config matches); a running cluster of those levels keeps its
 * pods, the next launch (level 3) gets Flink's reading, with the generation still on the
 * Deployment and the pod. */
START_TEST(flink_map_options_read_as_flink_reads_them_from_level_three)
{
    char why[FO_ERR_MSG_MAX];
    const char *labels = "team: data", *annotations = "prometheus.io/scrape: true";
    json_t *m = jm_maps_at(2, "v1_20", labels, annotations, "disk: ssd", why, sizeof why);
    ck_assert_msg(m != NULL, "%s", why);
    ck_assert_str_eq(fo_json_get_str(m, "labels.team"), " data");
    ck_assert_str_eq(fo_json_str(json_object_get(m, "annotations"), "prometheus.io/scrape"),
                     " true");
    json_decref(m);
    for (int v = 0; v < 2; v++) {
        m = jm_maps_at(0, v ? "v1_18" : "v1_20", labels, annotations, "disk: ssd", why, sizeof why);
        ck_assert_msg(m != NULL, "%s", why);
        ck_assert_str_eq(fo_json_get_str(m, "labels.team"), "data");
        ck_assert_str_eq(fo_json_get_str(m, "labels.component"), "jobmanager");
        json_t *a = json_object_get(m, "annotations");
        ck_assert_str_eq(fo_json_str(a, "prometheus.io/scrape"), "true");
        ck_assert_str_eq(fo_json_str(a, "flinkdeployment.flink.apache.org/generation"), "1");
        ck_assert_str_eq(fo_json_str(json_object_get(m, "deployment"),
                                     "flinkdeployment.flink.apache.org/generation"),
                         "1");
        ck_assert_str_eq(fo_json_get_str(m, "nodeSelector.disk"), "ssd");
        json_decref(m);
    }
    /* YAML with config.yaml, quotes as Flink takes them */
    m = jm_maps_at(0, "v1_20", "{team: data, 'app.kubernetes.io/part-of': flink}",
                   "'note:''a, b: c''',x:y", "", why, sizeof why);
    ck_assert_msg(m != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(json_object_get(m, "labels"), "app.kubernetes.io/part-of"),
                     "flink");
    ck_assert_str_eq(fo_json_str(json_object_get(m, "annotations"), "note"), "a, b: c");
    ck_assert_str_eq(fo_json_str(json_object_get(m, "annotations"), "x"), "y");
    json_decref(m);
    /* what Flink cannot read fails naming the option (the validator refused it first) */
    m = jm_maps_at(0, "v1_20", "team:data:eng", "", "", why, sizeof why);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(why, "kubernetes.jobmanager.labels"));
}
END_TEST

/* Flink 1.19+ reads config.yaml's map values with snakeyaml-engine's CoreSchema (YAML 1.2 core)
 * and writes what is not a string back as its representer dumps it
 * (ConfigurationUtils.convertToString, toYAMLString): a float as Java prints a double, an int
 * in decimal (0o17 is octal), y/on stay text (the core booleans are true/false only), 1:30 is
 * no number. The pods flinkop builds carry the same text as the TaskManagers Flink builds. */
START_TEST(yaml_scalars_in_map_options_are_the_text_flink_makes_of_them)
{
    char why[FO_ERR_MSG_MAX];
    json_t *m = jm_maps_at(0, "v1_20", "{version: 2.0, big: 1e7, tier: y, port: 0x1F}",
                           "{scrape: on, mode: 0o17, window: 1:30}", "disk: ssd", why,
                           sizeof why);
    ck_assert_msg(m != NULL, "%s", why);
    json_t *l = json_object_get(m, "labels"), *a = json_object_get(m, "annotations");
    ck_assert_str_eq(fo_json_str(l, "version"), "2.0");
    ck_assert_str_eq(fo_json_str(l, "big"), "1.0E7");
    ck_assert_str_eq(fo_json_str(l, "tier"), "y");
    ck_assert_str_eq(fo_json_str(l, "port"), "31");
    ck_assert_str_eq(fo_json_str(a, "scrape"), "on");
    ck_assert_str_eq(fo_json_str(a, "mode"), "15");
    ck_assert_str_eq(fo_json_str(a, "window"), "1:30");
    json_decref(m);
    /* a toleration's value the same way: "1.0" is no "1" */
    m = jm_with_option("kubernetes.jobmanager.tolerations",
                       "[{key: gpu, operator: Equal, value: 1.0, effect: NoSchedule}]", why,
                       sizeof why);
    ck_assert_msg(m != NULL, "%s", why);
    ck_assert_str_eq(fo_json_str(pod_item(m, false, "tolerations", "key", "gpu"), "value"), "1.0");
    json_decref(m);
}
END_TEST

/* The JobManager image when the spec names none: the Flink image of spec.flinkVersion. */
static const char *jm_image_for(json_t *obj, const char *version)
{
    static char image[64];
    json_t *spec = json_object_get(obj, "spec");
    json_object_del(spec, "image");
    json_object_set_new(spec, "flinkVersion", json_string(version));
    json_t *objects = desired_for_object(obj);
    snprintf(image, sizeof image, "%s",
             fo_json_str(main_container(find(objects, "Deployment", "basic-example")), "image"));
    json_decref(objects);
    return image;
}

START_TEST(without_an_image_the_jobmanager_runs_the_flink_version_of_the_spec)
{
    json_t *obj = fo_test_load_yaml("resources-native-application.yaml");
    ck_assert_str_eq(jm_image_for(obj, "v1_18"), "flink:1.18");
    ck_assert_str_eq(jm_image_for(obj, "v1_20"), "flink:1.20");
    ck_assert_str_eq(jm_image_for(obj, "v2_0"), "flink:2.0");
    /* an image in the pod template still wins over the default */
    json_t *tmpl = json_pack("{s:{s:[{s:s, s:s}]}}", "spec", "containers", "name",
                             "flink-main-container", "image", "registry.example/flink:custom");
    json_object_set_new(json_object_get(obj, "spec"), "podTemplate", tmpl);
    ck_assert_str_eq(jm_image_for(obj, "v1_20"), "registry.example/flink:custom");
    json_decref(obj);
}
END_TEST

/* kubernetes.<role>.labels add labels; Flink's own (type, app, component) stay, on the
 * Deployment as on its pods, or the Deployment would leave the informer's selection and its
 * cluster. */
START_TEST(user_labels_never_replace_flinks_labels)
{
    json_t *obj = fo_test_load_yaml("resources-standalone-application.yaml");
    json_t *conf = fo_json_get(obj, "spec.flinkConfiguration");
    json_object_set_new(conf, "kubernetes.jobmanager.labels",
                        json_string("type:mine,app:other,team:data"));
    json_object_set_new(conf, "kubernetes.taskmanager.labels",
                        json_string("component:worker,team:data"));
    json_t *objects = desired_for_object(obj);
    const char *names[] = {"standalone-app", "standalone-app-taskmanager"};
    const char *components[] = {"jobmanager", "taskmanager"};
    for (int i = 0; i < 2; i++) {
        json_t *d = find(objects, "Deployment", names[i]);
        const char *paths[] = {"metadata.labels", "spec.template.metadata.labels"};
        for (int j = 0; j < 2; j++) {
            json_t *labels = fo_json_get(d, paths[j]);
            ck_assert_str_eq(fo_json_str(labels, "type"), "flink-standalone-kubernetes");
            ck_assert_str_eq(fo_json_str(labels, "app"), "standalone-app");
            ck_assert_str_eq(fo_json_str(labels, "component"), components[i]);
            ck_assert_str_eq(fo_json_str(labels, "team"), "data");
        }
    }
    json_decref(objects);
    json_decref(obj);
}
END_TEST

/* Flink reads enum options in any case (ConfigurationUtils.convertToEnum); the API server
 * takes only its own spelling, so the objects carry the canonical names. */
START_TEST(enum_options_in_any_case_give_the_api_servers_spelling)
{
    json_t *obj = fo_test_load_yaml("resources-native-application.yaml");
    json_t *conf = fo_json_get(obj, "spec.flinkConfiguration");
    json_object_set_new(conf, "kubernetes.rest-service.exposed.type", json_string("nodeport"));
    json_object_set_new(conf, "kubernetes.container.image.pull-policy", json_string("always"));
    json_t *objects = desired_for_object(obj);
    ck_assert_str_eq(fo_json_get_str(find(objects, "Service", "basic-example-rest"), "spec.type"),
                     "NodePort");
    json_t *jm = find(objects, "Deployment", "basic-example");
    ck_assert_str_eq(fo_json_str(main_container(jm), "imagePullPolicy"), "Always");
    json_decref(objects);

    json_object_set_new(conf, "kubernetes.rest-service.exposed.type",
                        json_string("HEADLESS_CLUSTERIP"));
    objects = desired_for_object(obj);
    json_t *rest = find(objects, "Service", "basic-example-rest");
    ck_assert_str_eq(fo_json_get_str(rest, "spec.type"), "ClusterIP");
    ck_assert_str_eq(fo_json_get_str(rest, "spec.clusterIP"), "None");
    json_decref(objects);
    json_decref(obj);
}
END_TEST

/* The rest Service's port is rest.port (ExternalServiceDecorator: getRestPort) and its target
 * the port the JobManager binds (getRestBindPort): rest.bind-port as the ConfigMap holds it,
 * which Flink's Kubernetes deployer (and flinkop, fo_flink_conf_cluster_side) turn into 8081
 * when it is 0 or not one port; unset, Flink binds rest.port. */
START_TEST(the_rest_service_targets_the_port_the_jobmanager_binds)
{
    static const struct {
        const char *bind; /* NULL: unset */
        const char *bound;
        int target;
    } cases[] = {
        {NULL, NULL, 8082},
        {"9090", "9090", 9090},
        {"0", "8081", 8081},
        {"50100-50200", "8081", 8081},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *obj = fo_test_load_yaml("resources-native-application.yaml");
        json_t *conf = fo_json_get(obj, "spec.flinkConfiguration");
        json_object_set_new(conf, "rest.port", json_string("8082"));
        if (cases[i].bind)
            json_object_set_new(conf, "rest.bind-port", json_string(cases[i].bind));
        json_t *objects = desired_for_object(obj);
        json_t *port = json_array_get(
            fo_json_get(find(objects, "Service", "basic-example-rest"), "spec.ports"), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(port, "port")), 8082);
        ck_assert_msg(json_integer_value(json_object_get(port, "targetPort")) == cases[i].target,
                      "bind-port %s: targetPort %lld", cases[i].bind ? cases[i].bind : "unset",
                      (long long)json_integer_value(json_object_get(port, "targetPort")));
        /* the port the JobManager is told to bind */
        const char *text =
            cm_data(find(objects, "ConfigMap", "flink-config-basic-example"), "config.yaml");
        fo_err err;
        json_t *file = fo_yaml_parse(text, strlen(text), 1u << 20, &err);
        ck_assert_msg(file != NULL, "%s", err.message);
        json_t *bound = json_object_get(file, "rest.bind-port");
        char got[32] = "";
        if (json_is_integer(bound))
            snprintf(got, sizeof got, "%lld", (long long)json_integer_value(bound));
        else if (json_is_string(bound))
            snprintf(got, sizeof got, "%s", json_string_value(bound));
        ck_assert_str_eq(got, cases[i].bound ? cases[i].bound : "");
        json_decref(file);
        json_t *jm = find(objects, "Deployment", "basic-example");
        json_t *cport = json_array_get(json_object_get(main_container(jm), "ports"), 0);
        ck_assert_str_eq(fo_json_str(cport, "name"), "rest");
        ck_assert_int_eq(json_integer_value(json_object_get(cport, "containerPort")), 8082);
        json_decref(objects);
        json_decref(obj);
    }
}
END_TEST

/* The path of the Ingress rule for an ingress template (c.16), NULL when it has none (or the
 * empty one, which the API server stores as none). */
static const char *ingress_path(json_t *obj, const char *template, const char **host)
{
    static char out[2][128];
    json_object_set_new(json_object_get(obj, "spec"), "ingress",
                        json_pack("{s:s}", "template", template));
    json_t *objects = desired_for_object(obj);
    json_t *rule = json_array_get(fo_json_get(find(objects, "Ingress", "basic-example"),
                                              "spec.rules"), 0);
    const char *p = fo_json_str(json_array_get(fo_json_get(rule, "http.paths"), 0), "path");
    snprintf(out[0], sizeof out[0], "%s", p ? p : "");
    snprintf(out[1], sizeof out[1], "%s", fo_json_str(rule, "host") ? fo_json_str(rule, "host")
                                                                     : "");
    json_decref(objects);
    *host = out[1];
    return out[0][0] ? out[0] : NULL;
}

/* IngressUtils takes the rule's path from java.net.URL.getPath and sets none when it is
 * blank: a host template routes every path of the host. */
START_TEST(a_host_only_ingress_template_routes_every_path)
{
    json_t *obj = fo_test_load_yaml("resources-native-application.yaml");
    const char *host = NULL;
    ck_assert_ptr_null(ingress_path(obj, "{{name}}.{{namespace}}.flink.example.com", &host));
    ck_assert_str_eq(host, "basic-example.default.flink.example.com");
    ck_assert_ptr_null(ingress_path(obj, "https://flink.example.com:8443", &host));
    ck_assert_str_eq(host, "flink.example.com");
    ck_assert_str_eq(ingress_path(obj, "flink.example.com/", &host), "/");
    ck_assert_str_eq(ingress_path(obj, "/{{namespace}}/{{name}}(/|$)(.*)", &host),
                     "/default/basic-example(/|$)(.*)");
    ck_assert_str_eq(host, "");
    json_decref(obj);
}
END_TEST

/* Native mode, no pod template: TaskManager resources beyond cpu and memory still reach the
 * TaskManager pods through a template Flink reads (applyResourcesToPodTemplate), from the
 * deprecated resource.ephemeralStorage as from resources. */
START_TEST(taskmanager_ephemeral_storage_without_a_template_reaches_flink)
{
    json_t *obj = fo_test_load_yaml("resources-native-application.yaml");
    json_object_set_new(fo_json_get(obj, "spec.taskManager.resource"), "ephemeralStorage",
                        json_string("3Gi"));
    json_t *objects = desired_for_object(obj);
    json_t *cm = find(objects, "ConfigMap", "pod-template-basic-example");
    ck_assert_ptr_nonnull(cm);
    const char *tm = cm_data(cm, "taskmanager-pod-template.yaml");
    ck_assert_ptr_nonnull(tm);
    ck_assert_ptr_nonnull(strstr(tm, "name: flink-main-container"));
    ck_assert_ptr_nonnull(strstr(tm, "ephemeral-storage: 3Gi"));
    ck_assert_ptr_nonnull(pod_item(find(objects, "Deployment", "basic-example"), true,
                                   "volumeMounts", "mountPath", "/opt/flink/pod-template"));
    json_decref(objects);

    json_t *tm_spec = fo_json_get(obj, "spec.taskManager");
    json_object_del(tm_spec, "resource");
    json_object_set_new(tm_spec, "resources",
                        json_pack("{s:{s:s, s:s}, s:{s:s}}", "requests", "memory", "2Gi",
                                  "ephemeral-storage", "1Gi", "limits", "ephemeral-storage",
                                  "4Gi"));
    objects = desired_for_object(obj);
    tm = cm_data(find(objects, "ConfigMap", "pod-template-basic-example"),
                 "taskmanager-pod-template.yaml");
    ck_assert_ptr_nonnull(tm);
    ck_assert_ptr_nonnull(strstr(tm, "ephemeral-storage: 1Gi"));
    ck_assert_ptr_nonnull(strstr(tm, "ephemeral-storage: 4Gi"));
    json_decref(objects);

    /* nothing beyond cpu and memory: no template, as before */
    json_object_set_new(tm_spec, "resources", json_pack("{s:{s:s}}", "requests", "memory", "2Gi"));
    objects = desired_for_object(obj);
    ck_assert_ptr_null(find(objects, "ConfigMap", "pod-template-basic-example"));
    json_decref(objects);
    json_decref(obj);
}
END_TEST

/* The rendering level a Deployment's metadata records, or NULL. */
static const char *render_of(const json_t *deployment)
{
    return fo_json_str(fo_json_get(deployment, "metadata.annotations"), "flinkop.io/render");
}

/* Level 1 is what flinkop rendered before the level existed (68e0598), so that a cluster it
 * launched compares equal after an operator upgrade: no Flink pod options, flink:latest,
 * user-lib-dir on the TaskManagers too, no TaskManager template for extra resources alone, no
 * rendering annotation. The current level annotates the Deployments. */
START_TEST(rendering_level_one_gives_the_pods_of_earlier_versions)
{
    json_t *obj = fo_test_load_yaml("resources-flink-pod-options.yaml");
    json_object_del(json_object_get(obj, "spec"), "image");
    json_t *objects = desired_for_object_at(obj, 1);
    json_t *jm = find(objects, "Deployment", "options");
    json_t *tm = find(objects, "Deployment", "options-taskmanager");
    ck_assert_str_eq(fo_json_str(main_container(jm), "image"), "flink:latest");
    ck_assert_str_eq(fo_json_str(main_container(tm), "image"), "flink:latest");
    for (int i = 0; i < 2; i++) {
        json_t *d = i ? tm : jm;
        ck_assert_ptr_null(fo_json_get(d, "spec.template.spec.tolerations"));
        ck_assert_ptr_null(pod_item(d, true, "env", "name", "FLINK_LOG_DIR"));
        ck_assert_ptr_null(pod_item(d, false, "volumes", "name", "s3-creds-volume"));
        ck_assert_ptr_nonnull(pod_item(d, false, "volumes", "name", "user-lib-dir"));
        ck_assert_ptr_null(render_of(d));
    }
    json_decref(objects);
    objects = desired_for_object_at(obj, 2);
    jm = find(objects, "Deployment", "options");
    tm = find(objects, "Deployment", "options-taskmanager");
    ck_assert_str_eq(fo_json_str(main_container(jm), "image"), "flink:1.20");
    ck_assert_ptr_null(pod_item(tm, false, "volumes", "name", "user-lib-dir"));
    ck_assert_str_eq(render_of(jm), "2");
    ck_assert_str_eq(render_of(tm), "2");
    ck_assert_ptr_null(fo_json_str(fo_json_get(jm, "spec.template.metadata.annotations"),
                                   "flinkop.io/render"));
    json_decref(objects);

    /* native: no entrypoint arguments, no template for ephemeral storage alone */
    json_object_del(json_object_get(obj, "spec"), "mode");
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"),
                        "kubernetes.jobmanager.entrypoint.args", json_string("-Dx=y"));
    json_object_set_new(fo_json_get(obj, "spec.taskManager.resource"), "ephemeralStorage",
                        json_string("3Gi"));
    objects = desired_for_object_at(obj, 1);
    json_t *args = json_object_get(main_container(find(objects, "Deployment", "options")), "args");
    ck_assert_str_eq(json_string_value(json_array_get(args, 2)),
                     "kubernetes-jobmanager.sh kubernetes-application");
    ck_assert_ptr_null(find(objects, "ConfigMap", "pod-template-options"));
    json_decref(objects);
    json_decref(obj);
}
END_TEST

START_TEST(unusable_input_fails_cleanly)
{
    fo_err err;
    fo_err_clear(&err);
    json_t *obj = json_pack("{s:s, s:{}}", "kind", "FlinkDeployment", "spec");
    json_t *conf = json_object();
    fo_resource_inputs in = {.deployment = obj, .flink_conf = conf, .conf_file = "config.yaml"};
    ck_assert_ptr_null(fo_resources_desired(&in, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "metadata.name"));
    json_decref(conf);
    json_decref(obj);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resources");
    TCase *tc = tcase_create("resources");
    tcase_add_test(tc, native_application_objects_match_the_fixture);
    tcase_add_test(tc, standalone_application_gets_a_taskmanager_deployment_and_job_args);
    tcase_add_test(tc, ha_session_with_ingress_has_no_internal_service_and_routes_by_path);
    tcase_add_test(tc, pods_without_resources_get_what_flinks_memory_model_derives);
    tcase_add_test(tc, pod_templates_keep_user_parts_and_ship_the_taskmanager_template);
    tcase_add_test(tc, flinks_kubernetes_pod_options_reach_the_pods_flinkop_builds);
    tcase_add_test(tc, flinks_pod_options_read_as_flink_reads_them_and_bad_values_name_the_option);
    tcase_add_test(tc, with_config_yaml_flink_reads_pod_options_as_yaml_first);
    tcase_add_test(tc, flink_map_options_read_as_flink_reads_them_from_level_three);
    tcase_add_test(tc, yaml_scalars_in_map_options_are_the_text_flink_makes_of_them);
    tcase_add_test(tc, without_an_image_the_jobmanager_runs_the_flink_version_of_the_spec);
    tcase_add_test(tc, user_labels_never_replace_flinks_labels);
    tcase_add_test(tc, enum_options_in_any_case_give_the_api_servers_spelling);
    tcase_add_test(tc, the_rest_service_targets_the_port_the_jobmanager_binds);
    tcase_add_test(tc, a_host_only_ingress_template_routes_every_path);
    tcase_add_test(tc, taskmanager_ephemeral_storage_without_a_template_reaches_flink);
    tcase_add_test(tc, rendering_level_one_gives_the_pods_of_earlier_versions);
    tcase_add_test(tc, unusable_input_fails_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
