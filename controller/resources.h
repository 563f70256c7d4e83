#ifndef FO_RESOURCES_H
#define FO_RESOURCES_H

/* The Kubernetes objects a FlinkDeployment should own (reference c.13, c.16), computed from
 * a normalised spec and its effective Flink configuration. Pure: no I/O, no clock.
 *
 * Native mode (Flink creates its TaskManager pods itself): ConfigMap flink-config-<name>,
 * ConfigMap pod-template-<name> (only with a TaskManager pod template), JobManager Deployment
 * <name>, Service <name>-rest, Service <name> (headless, only without HA), Ingress <name>
 * (only with spec.ingress). Standalone mode adds the TaskManager Deployment <name>-taskmanager
 * and uses the standalone labels and container arguments.
 *
 * Containers follow what Flink's own Kubernetes decorators build: the main container
 * `flink-main-container` first, its image, pull policy, resources (memory and cpu from the
 * Flink configuration, times the limit factors), ports, the pod IP env var and the config
 * volume set by us, plus what Flink's own pod options ask for (kubernetes.secrets,
 * kubernetes.env.secretKeyRef, kubernetes.<role>.tolerations, kubernetes.flink.log.dir,
 * kubernetes.hadoop.conf.config-map.name); everything else comes from the layered pod
 * template. Quantities are
 * written in the API server's canonical form, so a stored object compares equal to what we
 * desire and an idle pass sees no drift. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"

typedef struct fo_resource_inputs {
    const json_t *deployment;  /* normalised FlinkDeployment (borrowed): metadata + spec */
    const json_t *flink_conf;  /* effective flat Flink configuration {"key": "value"} */
    const char *conf_file;     /* "config.yaml" or "flink-conf.yaml" */
    const char *conf_text;     /* rendered configuration file */
    const json_t *log_files;   /* {"log4j-console.properties": "..."}; NULL = built-in */
    int64_t deployed_generation; /* metadata.generation whose spec these objects carry */
    const char *savepoint_path;/* standalone application restore source, or NULL */
    int64_t launch_ms;         /* FO_LAUNCH_ANNOTATION of the cluster; 0 = none */
    int render;                /* FO_RENDER_* of the pods; 0 = FO_RENDER_CURRENT */
    bool foreign;              /* another operator launched the cluster: FO_FOREIGN_LAUNCH_LABEL */
    /* FO_LAUNCH_DEFAULTS_ANNOTATION of the flink-config ConfigMap (controller/launch_defaults.h):
     * what the cluster defaults gave this launch, which flink_conf was built with; NULL = none */
    const char *defaults_record;
} fo_resource_inputs;

/* Every desired object, in apply order (ConfigMaps, Services, Deployments, Ingress), as a new
 * JSON array of complete objects (apiVersion, kind, metadata with ownerReferences, spec/data).
 * Fails with FO_EINVAL and a message naming the field when the spec cannot be turned into
 * objects (e.g. an unparsable memory size). */
json_t *fo_resources_desired(const fo_resource_inputs *in, fo_err *err);

/* The built-in log4j2 console configuration written when spec.logConfiguration is absent. */
const char *fo_resources_default_log4j(void);

/* Names of the owned objects (buf needs 300 bytes). */
#define FO_JM_DEPLOYMENT_SUFFIX ""
#define FO_TM_DEPLOYMENT_SUFFIX "-taskmanager"
#define FO_REST_SERVICE_SUFFIX "-rest"
#define FO_CONFIG_MAP_PREFIX "flink-config-"
#define FO_POD_TEMPLATE_MAP_PREFIX "pod-template-"

/* Annotation on the JobManager Deployment carrying the deployed generation (Apache's name). */
#define FO_GENERATION_ANNOTATION "flinkdeployment.flink.apache.org/generation"

/* Annotation on the JobManager Deployment (its metadata only, never the pod template) and on
 * the flink-config ConfigMap naming the launch its job result store belongs to: the
 * reconciliationTimestamp of the deploy intent, in milliseconds. The ConfigMap's outlives a
 * lost JobManager Deployment, whose recovery goes on with the same launch. */
#define FO_LAUNCH_ANNOTATION "flinkop.io/launch"

/* What flinkop puts into the pods of an unchanged spec, by level. A running cluster keeps the
 * level it was launched with (FO_RENDER_ANNOTATION on its Deployments' metadata; none: level
 * 1), so that drift repair after an operator upgrade never rolls its pods (a JobManager
 * without HA would start its job over); its next launch takes FO_RENDER_CURRENT. A change to
 * the pods of an unchanged spec adds a level and keeps what the earlier levels render.
 *   1: up to 68e0598: the image flink:latest when none is named; user-lib-dir on the
 *      standalone TaskManagers too; none of Flink's pod options below; no TaskManager pod
 *      template for extra resources alone.
 *   2: Flink's pod options (kubernetes.secrets, kubernetes.env.secretKeyRef,
 *      kubernetes.<role>.tolerations, kubernetes.flink.log.dir,
 *      kubernetes.hadoop.conf.config-map.name, kubernetes.jobmanager.entrypoint.args); the
 *      image of spec.flinkVersion; user-lib-dir on the JobManager only; a TaskManager pod
 *      template for TaskManager resources beyond cpu and memory.
 *   3: kubernetes.<role>.labels, .annotations, .node-selector (and the REST Service's
 *      annotations) read as Flink reads them (fo_flink_conf_map: parts trimmed, quotes,
 *      YAML first with config.yaml) where levels 1 and 2 kept the blank after a ':' ("team:
 *      data" gave the label " data", which the API server refuses) and split at the first
 *      ':'; the generation merged into the JobManager's annotations as a map. */
#define FO_RENDER_LEGACY 1
#define FO_RENDER_FLINK_PODS 2
#define FO_RENDER_FLINK_MAPS 3
#define FO_RENDER_CURRENT FO_RENDER_FLINK_MAPS
#define FO_RENDER_ANNOTATION "flinkop.io/render"

/* Label (value FO_FOREIGN_LAUNCH_VALUE) on the Deployments of a cluster flinkop did not
 * launch: Flink's client rendered its pods and its flink-config ConfigMap for the Apache
 * operator, and flinkop took it over (controller/reconcile_takeover.c marks its Deployments).
 * No rendering level renders those pods, so until its next launch drift repair writes nothing
 * that its pods run with or read (the Deployments' spec, the ConfigMaps' data) and repairs
 * their metadata only; its objects are built with the configuration its flink-config ConfigMap
 * holds. Its next launch (an upgrade, a resume, the recovery of a lost JobManager Deployment)
 * is flinkop's, at FO_RENDER_CURRENT. A label rather than a value of FO_RENDER_ANNOTATION: a
 * change of a Deployment's annotations moves its metadata.generation (they are copied to its
 * ReplicaSets), a change of its labels moves nothing and restarts nothing. */
#define FO_FOREIGN_LAUNCH_LABEL "flinkop.io/foreign-launch"
#define FO_FOREIGN_LAUNCH_VALUE "true"

/* Label values that mark Flink's objects (and select our informers). */
#define FO_TYPE_NATIVE "flink-native-kubernetes"
#define FO_TYPE_STANDALONE "flink-standalone-kubernetes"

#endif
