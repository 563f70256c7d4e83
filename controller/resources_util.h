#ifndef FO_RESOURCES_UTIL_H
#define FO_RESOURCES_UTIL_H

/* Helpers shared by the files that build a FlinkDeployment's desired objects
 * (controller/resources*.c). Pure; private to those files. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/flink_model.h"
#include "common/rc.h"

/* What every builder needs: the resource, its view and its effective configuration. */
typedef struct fo_res_ctx {
    const json_t *obj;       /* normalised FlinkDeployment */
    fo_flink_view view;      /* over obj */
    const json_t *conf;      /* effective flat Flink configuration */
    const char *name, *ns;
    const char *type;        /* FO_TYPE_NATIVE or FO_TYPE_STANDALONE */
    bool standalone;
    bool application;        /* spec.job set */
    bool ha;                 /* high availability enabled in conf */
    bool tm_template;        /* native: a TaskManager pod template is shipped to Flink */
    const char *savepoint_path;
    int64_t launch_ms;       /* FO_LAUNCH_ANNOTATION of the cluster, 0 = none */
    int render;              /* FO_RENDER_* level of the pods */
    bool foreign;            /* another operator launched the cluster (FO_FOREIGN_LAUNCH_LABEL) */
} fo_res_ctx;

/* A configuration value, or fallback when absent. */
const char *fo_res_conf(const fo_res_ctx *c, const char *key, const char *fallback);

/* An enum configuration value as Flink reads it (ConfigurationUtils.convertToEnum: any case):
 * the name in `names` (NULL-terminated) it matches, else the value as written (for the API
 * server or Flink to refuse), or fallback when absent. */
const char *fo_res_conf_enum(const fo_res_ctx *c, const char *key, const char *const *names,
                             const char *fallback);

/* An integer configuration value, or fallback when absent or not an integer. */
int64_t fo_res_conf_int(const fo_res_ctx *c, const char *key, int64_t fallback);

/* A double configuration value (Java syntax), or fallback. */
double fo_res_conf_double(const fo_res_ctx *c, const char *key, double fallback);

/* Flink's map syntax "k1:v1,k2:v2" (values may be single-quoted) as a JSON object, as
 * rendering levels 1 and 2 read it. New reference; an empty object for NULL/"". */
json_t *fo_res_parse_flink_map(const char *text);

/* The map option `key` (kubernetes.<role>.labels, ...) as the pods' rendering level reads it:
 * from FO_RENDER_FLINK_MAPS on as Flink does (fo_flink_conf_map), before that with
 * fo_res_parse_flink_map. New reference (empty when the option is not set), or NULL with err
 * naming the option when Flink cannot read the value. */
json_t *fo_res_conf_map(const fo_res_ctx *c, const char *key, fo_err *err);

/* {"type": <type>, "app": <name>} (Flink's common labels). New reference. */
json_t *fo_res_common_labels(const fo_res_ctx *c);

/* Common labels plus component=<component>: the selector of the role's pods. */
json_t *fo_res_selector(const fo_res_ctx *c, const char *component);

/* metadata {name, namespace, labels (stolen), ownerReferences: [the resource]}. */
json_t *fo_res_metadata(const fo_res_ctx *c, const char *name, json_t *labels, bool controller);

/* Set every member of add onto obj (add borrowed). */
void fo_res_update(json_t *obj, const json_t *add);

/* Find the element of array `list` whose member `key` equals the string/number `value`. */
json_t *fo_res_find(const json_t *list, const char *key, const json_t *value);

/* Put item (stolen) into container[list_name], merged into the element whose `key` member
 * equals item's (an env var's value or valueFrom replaced), else appended (resources_pod.c). */
void fo_res_merge_by(json_t *container, const char *list_name, const char *key, json_t *item);

/* Mount volume at path in container unless something is mounted there already. */
void fo_res_add_mount(json_t *container, const char *volume, const char *path);

/* Add volume (stolen) to pod_spec.volumes, replacing one of the same name. */
void fo_res_add_volume(json_t *pod_spec, json_t *volume);

/* Flink's optional decorations of a pod it builds from the configuration (resources_decorate.c):
 * tolerations of the role (kube_prefix "kubernetes.jobmanager"), the log directory, env from
 * Secrets, Secrets mounted as volumes and an existing Hadoop configuration ConfigMap. A value
 * Flink refuses fails with FO_EINVAL and err naming the option (pod_spec and main may then be
 * partly decorated). */
fo_rc fo_res_decorate_pod(const fo_res_ctx *c, const char *kube_prefix, json_t *pod_spec,
                          json_t *main, fo_err *err);

/* Pod-side builders (resources_pod.c). */
json_t *fo_res_jm_deployment(const fo_res_ctx *c, fo_err *err);
json_t *fo_res_tm_deployment(const fo_res_ctx *c, fo_err *err);
/* Native mode: whether Flink gets a TaskManager pod template, because the spec layers one or
 * the TaskManagers have resources beyond cpu and memory (ephemeral storage, ...) that only a
 * template can carry (FlinkConfigBuilder.applyResourcesToPodTemplate). */
bool fo_res_tm_template_needed(const fo_res_ctx *c);

/* The TaskManager pod template Flink reads in native mode (a v1 Pod). */
json_t *fo_res_tm_pod_template(const fo_res_ctx *c, fo_err *err);

#endif
