/* Flink's optional pod decorations, driven by the Flink configuration: what Flink's Kubernetes
 * deployer adds to the JobManager pod (InitJobManagerDecorator's tolerations and log
 * directory, EnvSecretsDecorator, MountSecretsDecorator, HadoopConfMountDecorator) and the
 * Apache operator's standalone deployer to the TaskManager pods too. In native mode Flink
 * applies the same options to the TaskManager pods it creates, so a user who sets
 * kubernetes.secrets or kubernetes.jobmanager.tolerations expects them on every Flink pod.
 * Kerberos files and a Hadoop directory local to the deployer have no equivalent here: flinkop
 * has no local files to ship (an existing ConfigMap or Secret through these options or the pod
 * template does the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "controller/resources_util.h"

/* Constants of Flink's Kubernetes module (org.apache.flink.kubernetes.utils.Constants). */
#define FO_HADOOP_CONF_VOLUME "hadoop-config-volume"
#define FO_HADOOP_CONF_DIR_IN_POD "/opt/hadoop/conf"

/* KubernetesToleration.fromMap: keys case-insensitive, tolerationSeconds a long; other keys
 * are ignored (Flink logs a warning). NULL when nothing usable is left. */
static json_t *toleration(const json_t *map)
{
    json_t *t = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (strcasecmp(k, "tolerationSeconds") == 0) {
            char *end = NULL;
            long long n = strtoll(s, &end, 10);
            if (end != s && *end == '\0')
                json_object_set_new(t, "tolerationSeconds", json_integer(n));
            continue;
        }
        static const char *const fields[] = {"effect", "key", "operator", "value", NULL};
        for (size_t i = 0; fields[i]; i++)
            if (strcasecmp(k, fields[i]) == 0)
                json_object_set_new(t, fields[i], json_string(s));
    }
    if (json_object_size(t) == 0) {
        json_decref(t);
        return NULL;
    }
    return t;
}

/* kubernetes.<role>.tolerations ("key:k,operator:Equal,value:v,effect:NoSchedule;..."),
 * appended to the template's tolerations (an identical one is not repeated). */
static void add_tolerations(const fo_res_ctx *c, const char *kube_prefix, json_t *pod_spec)
{
    char key[128];
    snprintf(key, sizeof key, "%s.tolerations", kube_prefix);
    json_t *items = fo_res_parse_flink_list(fo_res_conf(c, key, NULL));
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *map = fo_res_parse_flink_map(json_string_value(item));
        json_t *t = toleration(map);
        json_decref(map);
        if (!t)
            continue;
        json_t *list = json_object_get(pod_spec, "tolerations");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(pod_spec, "tolerations", list);
        }
        bool known = false;
        for (size_t j = 0; j < json_array_size(list) && !known; j++)
            known = fo_json_equal(json_array_get(list, j), t);
        if (known)
            json_decref(t);
        else
            json_array_append_new(list, t);
    }
    json_decref(items);
}

/* kubernetes.env.secretKeyRef ("env:FOO,secret:s,key:k;..."): KubernetesSecretEnvVar.fromMap.
 * An entry without all three keys would be refused by the API server; it is left out. */
static void add_secret_env(const fo_res_ctx *c, json_t *main)
{
    json_t *items = fo_res_parse_flink_list(fo_res_conf(c, "kubernetes.env.secretKeyRef", NULL));
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *map = fo_res_parse_flink_map(json_string_value(item));
        const char *env = fo_json_str(map, "env"), *secret = fo_json_str(map, "secret");
        const char *k = fo_json_str(map, "key");
        if (env && *env && secret && *secret && k && *k)
            fo_res_merge_by(main, "env", "name",
                            json_pack("{s:s, s:{s:{s:s, s:s}}}", "name", env, "valueFrom",
                                      "secretKeyRef", "name", secret, "key", k));
        json_decref(map);
    }
    json_decref(items);
}

/* kubernetes.secrets ("foo:/opt/secrets-foo,bar:/opt/secrets-bar"): each Secret as the volume
 * <secret>-volume, mounted at its path. */
static void add_secret_mounts(const fo_res_ctx *c, json_t *pod_spec, json_t *main)
{
    json_t *secrets = fo_res_parse_flink_map(fo_res_conf(c, "kubernetes.secrets", NULL));
    const char *name;
    json_t *path;
    json_object_foreach(secrets, name, path) {
        const char *p = json_string_value(path);
        if (!p || !*p)
            continue;
        char volume[320];
        snprintf(volume, sizeof volume, "%s-volume", name);
        fo_res_add_volume(pod_spec, json_pack("{s:s, s:{s:s}}", "name", volume, "secret",
                                              "secretName", name));
        fo_res_add_mount(main, volume, p);
    }
    json_decref(secrets);
}

/* kubernetes.hadoop.conf.config-map.name: the ConfigMap at /opt/hadoop/conf and
 * HADOOP_CONF_DIR pointing there, unless kubernetes.decorator.hadoop-conf-mount.enabled is
 * false. */
static void add_hadoop_conf(const fo_res_ctx *c, json_t *pod_spec, json_t *main)
{
    const char *cm = fo_res_conf(c, "kubernetes.hadoop.conf.config-map.name", NULL);
    const char *enabled = fo_res_conf(c, "kubernetes.decorator.hadoop-conf-mount.enabled", NULL);
    bool on = true;
    if (!cm || (enabled && fo_flink_parse_bool(enabled, &on) && !on))
        return;
    fo_res_add_volume(pod_spec, json_pack("{s:s, s:{s:s}}", "name", FO_HADOOP_CONF_VOLUME,
                                          "configMap", "name", cm));
    fo_res_add_mount(main, FO_HADOOP_CONF_VOLUME, FO_HADOOP_CONF_DIR_IN_POD);
    fo_res_merge_by(main, "env", "name",
                    json_pack("{s:s, s:s}", "name", "HADOOP_CONF_DIR", "value",
                              FO_HADOOP_CONF_DIR_IN_POD));
}

void fo_res_decorate_pod(const fo_res_ctx *c, const char *kube_prefix, json_t *pod_spec,
                         json_t *main)
{
    add_tolerations(c, kube_prefix, pod_spec);
    const char *log_dir = fo_res_conf(c, "kubernetes.flink.log.dir", NULL);
    if (log_dir)
        fo_res_merge_by(main, "env", "name",
                        json_pack("{s:s, s:s}", "name", "FLINK_LOG_DIR", "value", log_dir));
    add_secret_env(c, main);
    add_secret_mounts(c, pod_spec, main);
    add_hadoop_conf(c, pod_spec, main);
}
