/* The JobManager and TaskManager pods of a FlinkDeployment: what Flink's Kubernetes decorators
 * (InitJobManagerDecorator, CmdJobManagerDecorator, FlinkConfMountDecorator,
 * PodTemplateMountDecorator and their standalone twins) build on top of the user's pod
 * template, plus the operator's additions (startup probe, ephemeral storage; reference c.13,
 * c.15). The template is already layered (common/normalize); here Flink's owned fields are set
 * and its lists merged. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/flink_conf.h"
#include "common/flink_memory_model.h"
#include "common/jsonutil.h"
#include "common/podtemplate.h"
#include "common/quantity.h"
#include "common/strbuf.h"
#include "controller/resources.h"
#include "controller/resources_util.h"

#define MIB (1024LL * 1024)
#define FO_CONF_DIR_DEFAULT "/opt/flink/conf"
#define FO_POD_TEMPLATE_DIR "/opt/flink/pod-template"
#define FO_USRLIB_DIR "/opt/flink/usrlib"

typedef struct role {
    const char *component;        /* "jobmanager" / "taskmanager" */
    const char *prefix;           /* "jobmanager" / "taskmanager" (memory keys) */
    const char *kube;             /* "kubernetes.jobmanager" / "kubernetes.taskmanager" */
    const char *env_prefix;       /* containerized.master.env. / containerized.taskmanager.env. */
    const char *spec_path;        /* "spec.jobManager" */
    const fo_flink_role_view *view;
} role;

/* ---- memory and cpu ------------------------------------------------------------------------ */

static int64_t conf_mem(const fo_res_ctx *c, const char *key, int64_t fallback)
{
    const char *v = fo_json_str(c->conf, key);
    int64_t bytes;
    if (v && fo_flink_memory_parse_flink(v, &bytes, NULL) == FO_OK)
        return bytes;
    return fallback;
}

/* Flink's total process memory for a role: what Flink's memory model derives from the
 * configuration as Flink's Kubernetes deployer reads it (legacy heap keys as the process size,
 * in standalone mode too, as the Apache operator's standalone deployer does). Validation
 * refuses what the model refuses before anything is deployed; should it fail here anyway, the
 * configured process size, else Flink's distribution default. */
static int64_t process_memory(const fo_res_ctx *c, const role *r)
{
    fo_flink_memory_process p = strcmp(r->prefix, "jobmanager") == 0 ? FO_FLINK_MEMORY_JOBMANAGER
                                                                     : FO_FLINK_MEMORY_TASKMANAGER;
    /* the deployer's reading (the standalone scripts' one is validation's to check) */
    fo_flink_memory_opts opts = {c->view.flink_version, false, false, 0};
    fo_flink_memory m;
    if (fo_flink_memory_derive(c->conf, p, &opts, &m, NULL, NULL) == FO_OK)
        return m.process_bytes;
    int64_t process = conf_mem(c, fo_flink_memory_process_key(p), -1);
    if (process > 0)
        return process;
    return p == FO_FLINK_MEMORY_JOBMANAGER ? 1600 * MIB : 1728 * MIB;
}

static double role_cpu(const fo_res_ctx *c, const role *r)
{
    char key[128], legacy[128];
    snprintf(key, sizeof key, "%s.cpu.amount", r->kube);
    snprintf(legacy, sizeof legacy, "%s.cpu", r->kube);
    double fallback = 1.0;
    if (strcmp(r->component, "taskmanager") == 0)
        fallback = (double)fo_res_conf_int(c, "taskmanager.numberOfTaskSlots", 1);
    double cpu = fo_res_conf_double(c, key, -1);
    if (cpu <= 0)
        cpu = fo_res_conf_double(c, legacy, -1);
    return cpu > 0 ? cpu : fallback;
}

static json_t *millis_quantity(double cores)
{
    char buf[64];
    return json_string(fo_quantity_format_millis((int64_t)llround(cores * 1000.0), buf,
                                                 (int)sizeof buf));
}

static json_t *mib_quantity(int64_t mib)
{
    char buf[64];
    return json_string(fo_quantity_format_bytes(mib * MIB, buf, (int)sizeof buf));
}

/* Extra resource keys of the spec (ephemeral storage, ...) go to the main container as they
 * are, in requests and limits (reference a.4, c.15). */
static void add_extra_resources(const role *r, json_t *requests, json_t *limits)
{
    const fo_flink_role_view *v = r->view;
    if (v->ephemeral_storage) {
        json_object_set_new(requests, "ephemeral-storage", json_string(v->ephemeral_storage));
        json_object_set_new(limits, "ephemeral-storage", json_string(v->ephemeral_storage));
    }
    const char *sections[] = {"requests", "limits"};
    for (int i = 0; i < 2; i++) {
        json_t *section = json_object_get(v->resources, sections[i]);
        json_t *target = i == 0 ? requests : limits;
        const char *key;
        json_t *value;
        json_object_foreach(section, key, value) {
            if (strcmp(key, "cpu") == 0 || strcmp(key, "memory") == 0)
                continue;
            json_object_set(target, key, value);
        }
    }
}

/* Whether the role has resources beyond cpu and memory (which go through the configuration). */
static bool has_extra_resources(const fo_flink_role_view *v)
{
    if (v->ephemeral_storage)
        return true;
    const char *sections[] = {"requests", "limits"};
    for (int i = 0; i < 2; i++) {
        const char *key;
        json_t *value;
        json_object_foreach(json_object_get(v->resources, sections[i]), key, value) {
            if (strcmp(key, "cpu") != 0 && strcmp(key, "memory") != 0)
                return true;
        }
    }
    return false;
}

bool fo_res_tm_template_needed(const fo_res_ctx *c)
{
    const fo_flink_role_view *tm = &c->view.task_manager;
    return json_is_object(tm->pod_template) ||
           (c->render >= FO_RENDER_FLINK_PODS && has_extra_resources(tm));
}

static json_t *container_resources(const fo_res_ctx *c, const role *r, const json_t *template)
{
    json_t *res = json_is_object(template) ? fo_json_copy(template) : json_object();
    json_t *requests = fo_json_ensure_object(res, "requests");
    json_t *limits = fo_json_ensure_object(res, "limits");
    char key[128];
    int64_t mib = process_memory(c, r) / MIB;
    snprintf(key, sizeof key, "%s.memory.limit-factor", r->kube);
    double mem_factor = fo_res_conf_double(c, key, 1.0);
    snprintf(key, sizeof key, "%s.cpu.limit-factor", r->kube);
    double cpu_factor = fo_res_conf_double(c, key, 1.0);
    double cpu = role_cpu(c, r);
    json_object_set_new(requests, "memory", mib_quantity(mib));
    json_object_set_new(limits, "memory", mib_quantity((int64_t)((double)mib * mem_factor)));
    json_object_set_new(requests, "cpu", millis_quantity(cpu));
    json_object_set_new(limits, "cpu", millis_quantity(cpu * cpu_factor));
    add_extra_resources(r, requests, limits);
    return res;
}

/* ---- container pieces ---------------------------------------------------------------------- */

void fo_res_merge_by(json_t *container, const char *list_name, const char *key, json_t *item)
{
    json_t *list = json_object_get(container, list_name);
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(container, list_name, list);
    }
    json_t *existing = fo_res_find(list, key, json_object_get(item, key));
    if (existing) {
        /* An env var has a value or a valueFrom: the later one stands alone, as the later of
         * two same-named vars Flink appends wins (both would be refused). */
        if (strcmp(list_name, "env") == 0) {
            json_object_del(existing, "value");
            json_object_del(existing, "valueFrom");
        }
        json_object_update(existing, item);
        json_decref(item);
    } else {
        json_array_append_new(list, item);
    }
}

static void add_port(json_t *container, const char *name, int64_t port)
{
    fo_res_merge_by(container, "ports", "containerPort",
                    json_pack("{s:s, s:I, s:s}", "name", name, "containerPort", (json_int_t)port,
                              "protocol", "TCP"));
}

static void add_env(const fo_res_ctx *c, const role *r, json_t *container)
{
    size_t plen = strlen(r->env_prefix);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)c->conf, key, value) {
        if (strncmp(key, r->env_prefix, plen) == 0 && key[plen] && json_is_string(value))
            fo_res_merge_by(container, "env", "name",
                            json_pack("{s:s, s:O}", "name", key + plen, "value", value));
    }
    fo_res_merge_by(container, "env", "name",
                    json_pack("{s:s, s:{s:{s:s, s:s}}}", "name", "_POD_IP_ADDRESS", "valueFrom",
                              "fieldRef", "apiVersion", "v1", "fieldPath", "status.podIP"));
}

static bool mounts_path(const json_t *container, const char *path);

void fo_res_add_mount(json_t *container, const char *volume, const char *path)
{
    if (!mounts_path(container, path))
        fo_res_merge_by(container, "volumeMounts", "mountPath",
                        json_pack("{s:s, s:s}", "name", volume, "mountPath", path));
}

static bool mounts_path(const json_t *container, const char *path)
{
    json_t *p = json_string(path);
    bool found = fo_res_find(json_object_get(container, "volumeMounts"), "mountPath", p) != NULL;
    json_decref(p);
    return found;
}

void fo_res_add_volume(json_t *pod_spec, json_t *volume)
{
    json_t *volumes = json_object_get(pod_spec, "volumes");
    if (!json_is_array(volumes)) {
        volumes = json_array();
        json_object_set_new(pod_spec, "volumes", volumes);
    }
    const json_t *name = json_object_get(volume, "name");
    for (size_t i = 0; i < json_array_size(volumes); i++) {
        if (fo_json_equal(json_object_get(json_array_get(volumes, i), "name"), name)) {
            json_array_set_new(volumes, i, volume);
            return;
        }
    }
    json_array_append_new(volumes, volume);
}

static json_t *config_volume(const fo_res_ctx *c)
{
    char name[300];
    fo_flink_config_map_name(c->name, name, sizeof name);
    json_t *items = json_array();
    /* Flink mounts the log configuration files it ships, then the configuration file. */
    const char *logs[] = {"logback-console.xml", "log4j-console.properties"};
    const json_t *log_conf = c->view.log_configuration;
    for (int i = 0; i < 2; i++) {
        bool shipped = json_is_object(log_conf) && json_object_size(log_conf)
                           ? json_object_get(log_conf, logs[i]) != NULL
                           : i == 1;
        if (shipped)
            json_array_append_new(items, json_pack("{s:s, s:s}", "key", logs[i], "path", logs[i]));
    }
    const char *file = fo_flink_conf_file_name(c->view.flink_version);
    json_array_append_new(items, json_pack("{s:s, s:s}", "key", file, "path", file));
    return json_pack("{s:s, s:{s:s, s:o}}", "name", "flink-config-volume", "configMap", "name",
                     name, "items", items);
}

/* ---- the pod ------------------------------------------------------------------------------- */

static json_t *container_args(const fo_res_ctx *c, const role *r)
{
    bool jm = strcmp(r->component, "jobmanager") == 0;
    if (!c->standalone) {
        /* CmdJobManagerDecorator: the script, the deployment target, then
         * kubernetes.<role>.entrypoint.args (Flink's trailing blank when they are empty is
         * left out). */
        char key[128];
        snprintf(key, sizeof key, "%s.entrypoint.args", r->kube);
        const char *extra = c->render >= FO_RENDER_FLINK_PODS ? fo_res_conf(c, key, "") : "";
        fo_strbuf cmd;
        fo_strbuf_init(&cmd, 0);
        fo_strbuf_printf(&cmd, "kubernetes-%s.sh", jm ? "jobmanager" : "taskmanager");
        if (jm)
            fo_strbuf_puts(&cmd, c->application ? " kubernetes-application"
                                                : " kubernetes-session");
        if (*extra)
            fo_strbuf_printf(&cmd, " %s", extra);
        while (cmd.len && cmd.data[cmd.len - 1] == ' ')
            cmd.data[--cmd.len] = '\0';
        json_t *args = json_pack("[s, s, s]", "bash", "-c", cmd.data);
        fo_strbuf_release(&cmd);
        return args;
    }
    if (!jm)
        return json_pack("[s]", "taskmanager");
    json_t *args = json_array();
    if (!c->application) {
        json_array_append_new(args, json_string("jobmanager"));
    } else {
        json_array_append_new(args, json_string("standalone-job"));
        if (c->view.job.entry_class) {
            json_array_append_new(args, json_string("--job-classname"));
            json_array_append_new(args, json_string(c->view.job.entry_class));
        }
        if (c->view.job.allow_non_restored_state == 1)
            json_array_append_new(args, json_string("--allowNonRestoredState"));
        if (c->savepoint_path && *c->savepoint_path) {
            json_array_append_new(args, json_string("--fromSavepoint"));
            json_array_append_new(args, json_string(c->savepoint_path));
        }
    }
    if (c->ha)
        json_array_append_new(args, json_string("-Djobmanager.rpc.address=$(_POD_IP_ADDRESS)"));
    if (c->application) {
        size_t i;
        json_t *a;
        json_array_foreach((json_t *)c->view.job.args, i, a) {
            if (json_is_string(a))
                json_array_append(args, a);
        }
    }
    return args;
}

/* The image when neither the spec, the configuration nor the template names one: the Flink
 * project's image of the spec's Flink version ("flink:1.20"). Flink's own default is the image
 * of the Flink version the deployer runs, which flinkop, not being Flink, does not have; a
 * moving "latest" would start another Flink than flinkVersion says (a Flink 2 image does not
 * even read the flink-conf.yaml written for 1.x). */
static void default_image(const fo_res_ctx *c, char *buf, size_t len)
{
    fo_flink_version v = c->view.flink_version;
    if (c->render >= FO_RENDER_FLINK_PODS && fo_flink_version_major(v) > 0)
        snprintf(buf, len, "flink:%d.%d", fo_flink_version_major(v), fo_flink_version_minor(v));
    else
        snprintf(buf, len, "flink:latest");
}

/* Take the main container out of the template's list (creating it when absent). */
static json_t *take_main_container(json_t *pod_spec)
{
    json_t *containers = json_object_get(pod_spec, "containers");
    json_t *main = NULL;
    json_t *others = json_array();
    size_t i;
    json_t *ct;
    json_array_foreach(containers, i, ct) {
        if (!main && json_is_object(ct) && strcmp(fo_json_str(ct, "name") ? fo_json_str(ct, "name")
                                                                          : "",
                                                  FO_MAIN_CONTAINER) == 0)
            main = json_incref(ct);
        else
            json_array_append(others, ct);
    }
    json_object_set_new(pod_spec, "containers", others);
    return main ? main : json_pack("{s:s}", "name", FO_MAIN_CONTAINER);
}

static json_t *build_pod(const fo_res_ctx *c, const role *r, bool with_startup_probe,
                         fo_err *err)
{
    json_t *tmpl = json_is_object(r->view->pod_template) ? fo_json_copy(r->view->pod_template)
                                                         : json_object();
    json_t *meta = fo_json_ensure_object(tmpl, "metadata");
    json_t *spec = fo_json_ensure_object(tmpl, "spec");
    bool jm = strcmp(r->component, "jobmanager") == 0;

    /* labels and annotations: template's, then Flink's */
    json_t *labels = fo_json_ensure_object(meta, "labels");
    char key[160];
    snprintf(key, sizeof key, "%s.labels", r->kube);
    json_t *user_labels = fo_res_conf_map(c, key, err);
    snprintf(key, sizeof key, "%s.annotations", r->kube);
    json_t *annotations = user_labels ? fo_res_conf_map(c, key, err) : NULL;
    snprintf(key, sizeof key, "%s.node-selector", r->kube);
    json_t *node_selector = annotations ? fo_res_conf_map(c, key, err) : NULL;
    if (!node_selector) {
        json_decref(user_labels);
        json_decref(annotations);
        json_decref(tmpl);
        return NULL;
    }
    fo_res_update(labels, user_labels);
    json_decref(user_labels);
    json_t *selector = fo_res_selector(c, r->component);
    fo_res_update(labels, selector);
    json_decref(selector);
    if (json_object_size(annotations))
        fo_res_update(fo_json_ensure_object(meta, "annotations"), annotations);
    json_decref(annotations);

    /* pod-level fields Flink owns */
    snprintf(key, sizeof key, "%s.service-account", r->kube);
    const char *sa = fo_res_conf(c, key, fo_res_conf(c, "kubernetes.service-account", NULL));
    if (!sa)
        sa = fo_json_str(spec, "serviceAccountName");
    if (!sa)
        sa = "default";
    json_object_set_new(spec, "serviceAccountName", json_string(sa));
    json_object_set_new(spec, "serviceAccount", json_string(sa));
    if (jm || c->standalone)
        json_object_set_new(spec, "restartPolicy", json_string("Always"));
    if (json_object_size(node_selector))
        fo_res_update(fo_json_ensure_object(spec, "nodeSelector"), node_selector);
    json_decref(node_selector);
    const char *pull_secrets = fo_res_conf(c, "kubernetes.container.image.pull-secrets", NULL);
    if (pull_secrets) {
        char *copy = strdup(pull_secrets), *save = NULL;
        for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            json_t *secrets = json_object_get(spec, "imagePullSecrets");
            if (!json_is_array(secrets)) {
                secrets = json_array();
                json_object_set_new(spec, "imagePullSecrets", secrets);
            }
            json_t *name = json_string(tok);
            if (!fo_res_find(secrets, "name", name))
                json_array_append_new(secrets, json_pack("{s:O}", "name", name));
            json_decref(name);
        }
        free(copy);
    }

    /* the main container */
    json_t *main = take_main_container(spec);
    const char *image = fo_res_conf(c, "kubernetes.container.image.ref",
                                    fo_res_conf(c, "kubernetes.container.image", NULL));
    if (!image)
        image = fo_json_str(main, "image");
    char fallback[32];
    if (!image) {
        default_image(c, fallback, sizeof fallback);
        image = fallback;
    }
    json_object_set_new(main, "image", json_string(image));
    const char *policy = fo_res_conf_enum(c, "kubernetes.container.image.pull-policy",
                                          fo_flink_pull_policy_names, NULL);
    if (!policy)
        policy = fo_json_str(main, "imagePullPolicy");
    json_object_set_new(main, "imagePullPolicy", json_string(policy ? policy : "IfNotPresent"));
    json_object_set_new(main, "resources",
                        container_resources(c, r, json_object_get(main, "resources")));
    json_object_set_new(main, "command", json_pack("[s]", fo_res_conf(c, "kubernetes.entry.path",
                                                                      "/docker-entrypoint.sh")));
    json_object_set_new(main, "args", container_args(c, r));
    if (jm) {
        add_port(main, "rest", fo_flink_conf_rest_port(c->conf));
        add_port(main, "jobmanager-rpc", fo_res_conf_int(c, "jobmanager.rpc.port", 6123));
        add_port(main, "blobserver", fo_res_conf_int(c, "blob.server.port", 6124));
    } else {
        add_port(main, "taskmanager-rpc", fo_res_conf_int(c, "taskmanager.rpc.port", 6122));
    }
    add_env(c, r, main);
    if (c->render >= FO_RENDER_FLINK_PODS &&
        fo_res_decorate_pod(c, r->kube, spec, main, err) != FO_OK) {
        json_decref(main);
        json_decref(tmpl);
        return NULL;
    }
    const char *conf_dir = fo_res_conf(c, "kubernetes.flink.conf.dir", FO_CONF_DIR_DEFAULT);
    fo_res_add_mount(main, "flink-config-volume", conf_dir);
    fo_res_add_volume(spec, config_volume(c));
    if (jm && c->tm_template) {
        char cm[300];
        fo_flink_pod_template_cm_name(c->name, cm, sizeof cm);
        fo_res_add_mount(main, "pod-template-volume", FO_POD_TEMPLATE_DIR);
        fo_res_add_volume(spec, json_pack("{s:s, s:{s:s, s:[{s:s, s:s}]}}", "name",
                                          "pod-template-volume", "configMap", "name", cm,
                                          "items", "key", "taskmanager-pod-template.yaml",
                                          "path", "taskmanager-pod-template.yaml"));
    }
    /* UserLibMountDecorator: the JobManager only; a TaskManager keeps what its image (or its
     * template) has under usrlib. */
    if ((jm || c->render < FO_RENDER_FLINK_PODS) && c->standalone && c->application &&
        c->view.job.jar_uri &&
        !mounts_path(main, FO_USRLIB_DIR)) {
        fo_res_add_mount(main, "user-lib-dir", FO_USRLIB_DIR);
        fo_res_add_volume(spec, json_pack("{s:s, s:{}}", "name", "user-lib-dir", "emptyDir"));
    }
    if (with_startup_probe && !json_object_get(main, "startupProbe"))
        json_object_set_new(main, "startupProbe",
                            json_pack("{s:{s:s, s:s}, s:i, s:i}", "httpGet", "path", "/config",
                                      "port", "rest", "periodSeconds", 1, "failureThreshold",
                                      2147483647));

    /* main container first, then the template's other containers */
    json_t *containers = json_object_get(spec, "containers");
    json_array_insert_new(containers, 0, main);
    return tmpl;
}

static role jm_role(const fo_res_ctx *c)
{
    role r = {"jobmanager", "jobmanager", "kubernetes.jobmanager", "containerized.master.env.",
              "spec.jobManager", &c->view.job_manager};
    return r;
}

static role tm_role(const fo_res_ctx *c)
{
    role r = {"taskmanager", "taskmanager", "kubernetes.taskmanager",
              "containerized.taskmanager.env.", "spec.taskManager", &c->view.task_manager};
    return r;
}

static bool startup_probe_enabled(const fo_res_ctx *c)
{
    bool on = true;
    const char *v = fo_res_conf(c, "kubernetes.operator.jm-deployment.startup.probe.enabled", NULL);
    if (v)
        fo_flink_parse_bool(v, &on);
    return on;
}

static json_t *deployment(const fo_res_ctx *c, const role *r, const char *name, int64_t replicas,
                          json_t *pod, bool controller)
{
    /* KubernetesJobManagerParameters.getLabels: the user's labels, then the selector's, so
     * that a user label cannot take the Deployment out of flinkop's informer (type) or its
     * cluster (app, component). */
    char key[160];
    snprintf(key, sizeof key, "%s.labels", r->kube);
    json_t *labels = fo_res_conf_map(c, key, NULL); /* build_pod read it: never NULL here */
    if (!labels)
        labels = json_object();
    json_t *selector = fo_res_selector(c, r->component);
    fo_res_update(labels, selector);
    json_decref(selector);
    if (c->foreign)
        json_object_set_new(labels, FO_FOREIGN_LAUNCH_LABEL,
                            json_string(FO_FOREIGN_LAUNCH_VALUE));
    json_t *meta = fo_res_metadata(c, name, labels, controller);
    snprintf(key, sizeof key, "%s.annotations", r->kube);
    json_t *annotations = fo_res_conf_map(c, key, NULL);
    if (!annotations)
        annotations = json_object();
    /* The Deployment's own metadata: a pod template change would restart its pods. */
    if (c->render > FO_RENDER_LEGACY && !c->foreign) {
        char level[16];
        snprintf(level, sizeof level, "%d", c->render);
        json_object_set_new(annotations, FO_RENDER_ANNOTATION, json_string(level));
    }
    if (json_object_size(annotations))
        json_object_set(meta, "annotations", annotations);
    json_decref(annotations);
    json_t *spec = json_pack("{s:I, s:{s:o}, s:o}", "replicas", (json_int_t)replicas, "selector",
                             "matchLabels", fo_res_selector(c, r->component), "template", pod);
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "apps/v1", "kind", "Deployment",
                     "metadata", meta, "spec", spec);
}

json_t *fo_res_jm_deployment(const fo_res_ctx *c, fo_err *err)
{
    role r = jm_role(c);
    json_t *pod = build_pod(c, &r, startup_probe_enabled(c), err);
    if (!pod)
        return NULL;
    int64_t replicas = fo_res_conf_int(c, "kubernetes.jobmanager.replicas", 1);
    /* Flink's own owner reference on the JobManager Deployment says controller: false. */
    json_t *jm = deployment(c, &r, c->name, replicas, pod, false);
    /* On the Deployment only: a pod template change would restart the JobManager. */
    if (jm && c->launch_ms > 0) {
        char ms[32];
        snprintf(ms, sizeof ms, "%lld", (long long)c->launch_ms);
        json_t *meta = json_object_get(jm, "metadata");
        json_object_set_new(fo_json_ensure_object(meta, "annotations"), FO_LAUNCH_ANNOTATION,
                            json_string(ms));
    }
    return jm;
}

json_t *fo_res_tm_deployment(const fo_res_ctx *c, fo_err *err)
{
    role r = tm_role(c);
    json_t *pod = build_pod(c, &r, false, err);
    if (!pod)
        return NULL;
    int64_t replicas = fo_res_conf_int(c, "kubernetes.internal.taskmanager.replicas", -1);
    if (replicas < 0) {
        int64_t slots = fo_res_conf_int(c, "taskmanager.numberOfTaskSlots", 1);
        int64_t parallelism = fo_res_conf_int(c, "parallelism.default", 1);
        if (slots < 1)
            slots = 1;
        replicas = parallelism > 0 ? (parallelism + slots - 1) / slots : 1;
    }
    char name[300];
    fo_flink_tm_deployment_name(c->name, name, sizeof name);
    return deployment(c, &r, name, replicas, pod, true);
}

json_t *fo_res_tm_pod_template(const fo_res_ctx *c, fo_err *err)
{
    (void)err;
    role r = tm_role(c);
    const json_t *layered = c->view.task_manager.pod_template;
    json_t *tmpl = json_is_object(layered) ? fo_json_copy(layered) : json_object();
    json_t *spec = fo_json_ensure_object(tmpl, "spec");
    /* Flink itself sets the TaskManager's image, resources, ports and command when it creates
     * the pods; the operator only adds the spec's extra resources to the main container. */
    json_t *main = take_main_container(spec);
    json_t *res = json_is_object(json_object_get(main, "resources"))
                      ? fo_json_copy(json_object_get(main, "resources"))
                      : json_object();
    json_t *requests = fo_json_ensure_object(res, "requests");
    json_t *limits = fo_json_ensure_object(res, "limits");
    add_extra_resources(&r, requests, limits);
    if (json_object_size(requests) == 0)
        json_object_del(res, "requests");
    if (json_object_size(limits) == 0)
        json_object_del(res, "limits");
    if (json_object_size(res))
        json_object_set_new(main, "resources", res);
    else
        json_decref(res);
    json_array_insert_new(json_object_get(spec, "containers"), 0, main);
    json_t *pod = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "Pod");
    json_t *meta = json_object_get(tmpl, "metadata");
    json_object_set_new(pod, "metadata", meta ? json_incref(meta) : json_object());
    json_object_set(pod, "spec", spec);
    json_decref(tmpl);
    return pod;
}
