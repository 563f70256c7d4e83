#ifndef FO_CLUSTER_DEFAULTS_H
#define FO_CLUSTER_DEFAULTS_H

/* Cluster-wide defaults set by the platform admin (a mounted ConfigMap file, YAML):
 *
 *     podTemplate: {...}                  # a core/v1 PodTemplateSpec for both roles
 *     jobManager:  {podTemplate: {...}}   # optional, JobManager only (over podTemplate)
 *     taskManager: {podTemplate: {...}}   # optional, TaskManager only
 *     flinkConfiguration: {...}           # default Flink configuration (flat or nested keys)
 *
 * They sit under every resource's own settings (cluster defaults < spec.podTemplate <
 * spec.jobManager/taskManager.podTemplate; default flinkConfiguration < spec's). An object is
 * immutable once parsed, so readers share it freely; reference counted so a reload can swap
 * it while requests still use the old one. */

#include <jansson.h>

#include "common/rc.h"

/* Largest defaults file accepted. */
#define FO_CLUSTER_DEFAULTS_MAX_BYTES (1024u * 1024)
/* Largest flinkConfiguration accepted, as the compact JSON of its flattened form: the
 * controller records what the defaults gave each launch in an annotation of the cluster's
 * ConfigMap (controller/launch_defaults.h), and the API server allows 256 KiB for all
 * annotations of an object. Flink's own options, all set, take a few dozen KiB. */
#define FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES (128u * 1024)

typedef struct fo_cluster_defaults fo_cluster_defaults;

typedef enum fo_role {
    FO_ROLE_JOBMANAGER,
    FO_ROLE_TASKMANAGER,
} fo_role;

/* Parse the YAML text. Unknown top-level keys and wrong types are errors naming the key, and
 * so is a flinkConfiguration past FO_CLUSTER_DEFAULTS_MAX_CONF_BYTES.
 * An empty document means "no defaults". Returns a new object (refcount 1) or NULL. */
fo_cluster_defaults *fo_cluster_defaults_parse(const char *yaml, size_t len, fo_err *err);

/* Empty defaults (no templates, no configuration). */
fo_cluster_defaults *fo_cluster_defaults_empty(void);

fo_cluster_defaults *fo_cluster_defaults_ref(fo_cluster_defaults *cd);
void fo_cluster_defaults_unref(fo_cluster_defaults *cd); /* NULL ok */

/* The admin pod template for a role: podTemplate with the role's template layered on top
 * (podtemplate merge). Borrowed; NULL when there is none. */
const json_t *fo_cluster_defaults_pod_template(const fo_cluster_defaults *cd, fo_role role);

/* Default Flink configuration, flattened to a {"dotted.key": "string"} object. Borrowed; never
 * NULL (an empty object when unset). */
const json_t *fo_cluster_defaults_flink_config(const fo_cluster_defaults *cd);

#endif
