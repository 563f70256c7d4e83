#ifndef FO_SANDBOX_HA_H
#define FO_SANDBOX_HA_H

/* Flink's Kubernetes HA ConfigMaps as the sandbox writes and reads them (reference c.11):
 *
 *   <cluster-id>-cluster-config-map   leader election and job graphs: one key per job,
 *                                     `jobGraph-<jobId>` (Flink 2.x: `executionPlan-<jobId>`)
 *   <cluster-id>-<jobId>-config-map   the job's completed checkpoints: `checkpointID-<id as 19
 *                                     digits>` per retained checkpoint, and `counter` (the next
 *                                     checkpoint id)
 *
 * both labelled app=<cluster-id>, type=flink-native-kubernetes,
 * configmap-type=high-availability, with no owner reference (they outlive the cluster).
 * Flink stores a Java-serialised state handle (base64) under each checkpoint key; nobody but
 * Flink reads it (the operator only looks for the keys), so the sandbox stores the base64 of
 * {"externalPointer": "<checkpoint path>", "checkpointId": n} instead and reads it back on
 * recovery. Pure functions; thread-safe; inputs borrowed. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_SANDBOX_HA_LABEL_TYPE "flink-native-kubernetes"
#define FO_SANDBOX_HA_CONFIGMAP_TYPE "high-availability"

/* True when the flat configuration selects Kubernetes HA: high-availability.type (legacy
 * high-availability, legacy high-availability.mode) is "kubernetes" in any case, or the
 * KubernetesHaServicesFactory class name. */
bool fo_sandbox_ha_kubernetes(const json_t *conf);

/* Map names (buf of 600 bytes is enough for any valid cluster id and job id). */
void fo_sandbox_ha_cluster_map_name(const char *cluster_id, char *buf, size_t len);
void fo_sandbox_ha_job_map_name(const char *cluster_id, const char *job_id, char *buf, size_t len);

/* The key of a job in the cluster map: "jobGraph-<id>" or, for Flink 2.x, "executionPlan-<id>". */
void fo_sandbox_ha_job_graph_key(const char *job_id, bool flink2, char *buf, size_t len);

/* The labels of an HA ConfigMap (new reference). */
json_t *fo_sandbox_ha_labels(const char *cluster_id);

/* A checkpoint's id from its external path ".../chk-<n>"; -1 when the path has none. */
int64_t fo_sandbox_ha_checkpoint_id(const char *path);

/* The data of a job's checkpoint map after new checkpoints completed: the checkpointID keys
 * of `existing` (the stored data, may be NULL: a restarted cluster keeps what its predecessor
 * wrote) together with `checkpoint_paths` (JSON array of "<dir>/<job>/chk-<n>" strings, any
 * order; others are skipped), the last `retained` (>= 1) of them by id, and counter = the
 * highest id + 1 (never lower than the stored counter; "1" with no checkpoint). Other keys of
 * `existing` are kept. New reference. */
json_t *fo_sandbox_ha_job_data(const json_t *existing, const json_t *checkpoint_paths,
                               int retained);

/* Encode / decode a checkpoint pointer value. encode: caller frees. decode: the external path
 * (caller frees) and its id, or NULL when the value is not one the sandbox wrote. */
char *fo_sandbox_ha_pointer_encode(const char *path, int64_t checkpoint_id);
char *fo_sandbox_ha_pointer_decode(const char *value, int64_t *checkpoint_id);

/* The ConfigMap named `name` in `maps` (a JSON array of ConfigMaps), skipping one that is
 * being deleted; borrowed, or NULL. */
const json_t *fo_sandbox_ha_find(const json_t *maps, const char *name);

/* What a restarting JobManager recovers. job_id: fixed_job_id when given (32 hex), else the
 * job of the first job-graph key of the cluster map ("" when none). Then the latest
 * checkpoint of that job's map: its path into path (may be "" when the map holds none) and id.
 * Returns true when a checkpoint was found. */
bool fo_sandbox_ha_recover(const json_t *maps, const char *cluster_id, const char *fixed_job_id,
                           char job_id[33], char *path, size_t path_len, int64_t *checkpoint_id);

#endif
