#ifndef FO_SANDBOX_LAUNCH_H
#define FO_SANDBOX_LAUNCH_H

/* What a JobManager pod of the sandbox starts: the fake Flink cluster spec (see
 * tests/fakes/flink/fake_flink.h) read from the objects a real JobManager container reads.
 *
 *   - the Flink configuration file from the ConfigMap mounted at /opt/flink/conf
 *     (`config.yaml`, standard YAML, Flink 1.19+; else `flink-conf.yaml`, Flink's line parser);
 *   - the main container's args: native `bash -c "kubernetes-jobmanager.sh
 *     kubernetes-application|kubernetes-session"`, standalone `standalone-job [--job-classname C]
 *     [--job-id ID] [--allowNonRestoredState] [--fromSavepoint P] [-Dk=v]... <program args>`
 *     or `jobmanager [-Dk=v]...`;
 *   - the image tag for the Flink version ("flink:1.20" -> "1.20.0"; without a numeric tag,
 *     config.yaml means 1.20.0 and flink-conf.yaml 1.18.0);
 *   - with Kubernetes HA, the HA ConfigMaps (reference c.11): the job id of a job graph in
 *     `<cluster-id>-cluster-config-map` and the latest `checkpointID-` entry of
 *     `<cluster-id>-<jobId>-config-map`, which wins over any savepoint path, as Flink's
 *     checkpoint coordinator restores from its completed-checkpoint store first.
 *
 * Application mode (a job is started with the cluster): native execution.target
 * kubernetes-application, standalone `standalone-job`. The job is pipeline.jars (standalone:
 * pipeline.classpaths), $internal.application.main (or --job-classname),
 * $internal.application.program-args (or the trailing args), parallelism.default,
 * $internal.pipeline.job-id (or --job-id), execution.savepoint.path /
 * execution.state-recovery.path (or --fromSavepoint), allowNonRestoredState from
 * execution.savepoint.ignore-unclaimed-state / execution.state-recovery.ignore-unclaimed-state
 * (or --allowNonRestoredState), pipeline.name.
 *
 * Pure functions; thread-safe; inputs are borrowed and never modified. */

#include <jansson.h>
#include <stdbool.h>

#include "common/rc.h"

/* Largest Flink configuration file read from a ConfigMap. */
#define FO_SANDBOX_MAX_CONF_FILE (1024u * 1024)

/* What was decided, for logs and for the kubelet's bookkeeping. */
typedef struct fo_sandbox_launch {
    json_t *spec;             /* the fake Flink cluster spec (new reference; caller decrefs) */
    json_t *conf;             /* the flat Flink configuration (new reference; caller decrefs) */
    char cluster_id[256];     /* kubernetes.cluster-id, else the Deployment's app label/name */
    char ha_namespace[256];   /* where Flink keeps its HA ConfigMaps (kubernetes.namespace) */
    bool ha;                  /* Kubernetes HA is configured */
    bool application;         /* a job starts with the cluster */
    bool standalone;          /* the Deployment carries the standalone type label */
    bool flink2;              /* Flink 2.x: the job graph key is executionPlan-<id> */
    char job_id[33];          /* application mode: the job id when one is fixed, else "" */
    char restore_path[1024];  /* where the job restores from, "" for an empty start */
    bool restore_from_ha;     /* restore_path came from the HA ConfigMaps */
    int retained_checkpoints; /* execution.checkpointing.num-retained (default 1) */
} fo_sandbox_launch;

/* Build the launch of the JobManager Deployment `deployment` from its Flink ConfigMap
 * `configmap` (NULL: FO_ENOTFOUND naming the ConfigMap, as a pod stuck in ContainerCreating
 * would report) and the HA ConfigMaps of its namespace `ha_maps` (a JSON array of ConfigMap
 * objects, may be NULL; maps being deleted are ignored). taskmanagers >= 0 fixes the number of
 * TaskManagers (standalone: the TaskManager Deployment's ready replicas; native session: 0,
 * since Flink's resource manager starts them on demand); < 0 lets the fake size them for the
 * job. FO_EINVAL naming the key or argument for a configuration or args the JobManager would
 * refuse. On success *out owns two references (release with fo_sandbox_launch_release). */
fo_rc fo_sandbox_launch_build(const json_t *deployment, const json_t *configmap,
                              const json_t *ha_maps, int taskmanagers, fo_sandbox_launch *out,
                              fo_err *err);

void fo_sandbox_launch_release(fo_sandbox_launch *l);

/* Parse a Flink configuration file into a flat configuration (new reference): `config.yaml`
 * as YAML flattened like Flink's standard YAML reader, `flink-conf.yaml` with Flink's legacy
 * line parser (`key: value`, '#' starts a comment, other lines ignored). NULL with err naming
 * the file and line on a YAML error. */
json_t *fo_sandbox_parse_flink_conf(const char *file_name, const char *text, fo_err *err);

/* The name of the ConfigMap a JobManager Deployment mounts at /opt/flink/conf (its
 * flink-config-volume), else "flink-config-<name>". buf needs 300 bytes. */
void fo_sandbox_config_map_name(const json_t *deployment, char *buf, size_t len);

#endif
