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

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "controller/resources_util.h"

/* Constants of Flink's Kubernetes module (org.apache.flink.kubernetes.utils.Constants). */
#define FO_HADOOP_CONF_VOLUME "hadoop-config-volume"
#define FO_HADOOP_CONF_DIR_IN_POD "/opt/hadoop/conf"

/* A refusal of fo_flink_conf_* for option, as the pass reports it. */
static fo_rc refused(const char *option, const fo_err *why, fo_err *err)
{
    return fo_err_set(err, FO_EINVAL, "spec.flinkConfiguration[%s]: %s", option, why->message);
}

/* kubernetes.<role>.tolerations, appended to the template's tolerations (an identical one is
 * not repeated). */
static fo_rc add_tolerations(const fo_res_ctx *c, const char *kube_prefix, json_t *pod_spec,
                             fo_err *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s.tolerations", kube_prefix);
    json_t *tolerations = NULL;
    fo_err why;
    fo_err_clear(&why);
    if (fo_flink_conf_tolerations(fo_res_conf(c, key, NULL), c->view.flink_version, &tolerations,
                                  &why) != FO_OK)
        return refused(key, &why, err);
    size_t i;
    json_t *t;
    json_array_foreach(tolerations, i, t)
    {
        json_t *list = json_object_get(pod_spec, "tolerations");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(pod_spec, "tolerations", list);
        }
        bool known = false;
        for (size_t j = 0; j < json_array_size(list) && !known; j++)
            known = fo_json_equal(json_array_get(list, j), t);
        if (!known)
            json_array_append(list, t);
    }
    json_decref(tolerations);
    return FO_OK;
}

/* kubernetes.env.secretKeyRef: EnvSecretsDecorator. */
static fo_rc add_secret_env(const fo_res_ctx *c, json_t *main, fo_err *err)
{
    static const char option[] = "kubernetes.env.secretKeyRef";
    json_t *env = NULL;
    fo_err why;
    fo_err_clear(&why);
    if (fo_flink_conf_secret_env(fo_res_conf(c, option, NULL), c->view.flink_version, &env, &why) !=
        FO_OK)
        return refused(option, &why, err);
    size_t i;
    json_t *var;
    json_array_foreach(env, i, var)
    {
        fo_res_merge_by(main, "env", "name", json_incref(var));
    }
    json_decref(env);
    return FO_OK;
}

/* kubernetes.secrets: each Secret as the volume <secret>-volume, mounted at its path
 * (MountSecretsDecorator). */
static fo_rc add_secret_mounts(const fo_res_ctx *c, json_t *pod_spec, json_t *main, fo_err *err)
{
    static const char option[] = "kubernetes.secrets";
    json_t *secrets = NULL;
    fo_err why;
    fo_err_clear(&why);
    if (fo_flink_conf_secret_mounts(fo_res_conf(c, option, NULL), c->view.flink_version, &secrets,
                                    &why) != FO_OK)
        return refused(option, &why, err);
    const char *name;
    json_t *path;
    json_object_foreach(secrets, name, path)
    {
        char volume[320];
        snprintf(volume, sizeof volume, "%s-volume", name);
        fo_res_add_volume(pod_spec, json_pack("{s:s, s:{s:s}}", "name", volume, "secret",
                                              "secretName", name));
        fo_res_add_mount(main, volume, json_string_value(path));
    }
    json_decref(secrets);
    return FO_OK;
}

/* kubernetes.hadoop.conf.config-map.name: the ConfigMap at /opt/hadoop/conf and
 * HADOOP_CONF_DIR pointing there, unless kubernetes.decorator.hadoop-conf-mount.enabled is
 * false. */
static fo_rc add_hadoop_conf(const fo_res_ctx *c, json_t *pod_spec, json_t *main, fo_err *err)
{
    static const char switch_key[] = "kubernetes.decorator.hadoop-conf-mount.enabled";
    const char *cm = fo_res_conf(c, "kubernetes.hadoop.conf.config-map.name", NULL);
    const char *enabled = fo_res_conf(c, switch_key, NULL);
    bool on = true;
    if (enabled && !fo_flink_parse_bool(enabled, &on))
        return fo_err_set(err, FO_EINVAL, "spec.flinkConfiguration[%s]: \"%.60s\" is not true or "
                          "false", switch_key, enabled);
    if (!cm || !on)
        return FO_OK;
    fo_res_add_volume(pod_spec, json_pack("{s:s, s:{s:s}}", "name", FO_HADOOP_CONF_VOLUME,
                                          "configMap", "name", cm));
    fo_res_add_mount(main, FO_HADOOP_CONF_VOLUME, FO_HADOOP_CONF_DIR_IN_POD);
    fo_res_merge_by(main, "env", "name",
                    json_pack("{s:s, s:s}", "name", "HADOOP_CONF_DIR", "value",
                              FO_HADOOP_CONF_DIR_IN_POD));
    return FO_OK;
}

fo_rc fo_res_decorate_pod(const fo_res_ctx *c, const char *kube_prefix, json_t *pod_spec,
                          json_t *main, fo_err *err)
{
    fo_rc rc = add_tolerations(c, kube_prefix, pod_spec, err);
    if (rc != FO_OK)
        return rc;
    const char *log_dir = fo_res_conf(c, "kubernetes.flink.log.dir", NULL);
    if (log_dir)
        fo_res_merge_by(main, "env", "name",
                        json_pack("{s:s, s:s}", "name", "FLINK_LOG_DIR", "value", log_dir));
    rc = add_secret_env(c, main, err);
    if (rc == FO_OK)
        rc = add_secret_mounts(c, pod_spec, main, err);
    if (rc == FO_OK)
        rc = add_hadoop_conf(c, pod_spec, main, err);
    return rc;
}
