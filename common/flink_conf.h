#ifndef FO_FLINK_CONF_H
#define FO_FLINK_CONF_H

/* Flink configuration: value syntax (memory sizes, durations, booleans, doubles as Flink and
 * Java read and print them), flinkConfiguration flattening, operator default scoping, the
 * spec -> effective configuration mapping of the Apache operator's FlinkConfigBuilder
 * (reference c.14, a.4, c.11, c.13) and rendering of the flink-conf.yaml / config.yaml file.
 *
 * A "flat configuration" is a JSON object of string -> string ({"taskmanager.numberOfTaskSlots":
 * "2"}). Every function is pure and thread-safe; returned JSON is a new reference the caller
 * owns, and inputs are never modified. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/flink_model.h"
#include "common/rc.h"

/* Limits on outside input (a resource's flinkConfiguration, the operator defaults). */
#define FO_FLINK_CONF_MAX_KEYS 10000
#define FO_FLINK_CONF_MAX_DEPTH 32
#define FO_FLINK_CONF_MAX_KEY_LEN 1024
#define FO_FLINK_CONF_MAX_RENDER (8u * 1024 * 1024)

/* ---- value syntax -------------------------------------------------------------------------- */

/* A memory amount as the Apache operator reads spec memory (ResourceConfigUtils): first
 * Flink's MemorySize syntax - digits, optional whitespace, optional unit b|bytes,
 * k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes (case-insensitive, all
 * binary: "2048m" = 2 GiB, "1g" = 1 GiB, "100" = 100 bytes) - and only when that fails, a
 * Kubernetes quantity after removing whitespace, upper-casing and dropping a trailing "B"
 * ("2Gi", "1.5G" = 1.5e9 bytes, "2gb" is MemorySize's 2 GiB). Writes bytes (rounded up; may be
 * 0 or negative for quantities such as "-2Gi", which callers reject). FO_EINVAL with err naming
 * the text when neither syntax applies; FO_ELIMIT when it overflows 64 bits. */
fo_rc fo_flink_memory_parse(const char *text, int64_t *bytes, fo_err *err);

/* Flink's MemorySize syntax only (what Flink itself accepts in jobmanager.memory.* keys). */
fo_rc fo_flink_memory_parse_flink(const char *text, int64_t *bytes, fo_err *err);

/* MemorySize.toString: the largest unit that divides exactly, "%d <unit>" with unit one of
 * bytes/kb/mb/gb/tb ("2 gb", "1536 mb", "100 bytes"). buf of 32 bytes is enough. */
char *fo_flink_memory_format(int64_t bytes, char *buf, size_t len);

/* A Flink Duration (TimeUtils.parseDuration): a number and an optional unit, case-insensitive,
 * whitespace allowed between (ns/us/ms/s/min/h/d and their long forms; "m" is minutes; no
 * unit = milliseconds). Result in milliseconds (sub-millisecond values round down). */
fo_rc fo_flink_duration_parse(const char *text, int64_t *ms, fo_err *err);

/* java.time.Duration.toString of ms ("PT30S", "PT5M", "PT1H30M", "PT0.5S"): what the Apache
 * operator's messages print. buf of 48 bytes is enough. */
char *fo_flink_duration_format_iso(int64_t ms, char *buf, size_t len);

/* A Flink boolean ("true"/"false", any case, surrounding whitespace ignored). */
bool fo_flink_parse_bool(const char *s, bool *out);

/* A Java double (Double.parseDouble: decimal or exponent form, NaN, Infinity, surrounding
 * whitespace). */
bool fo_flink_parse_double(const char *s, double *out);

/* Java's Double.toString: shortest text that reads back to d, always with a fraction digit
 * ("1.0", "0.7", "1.0E10", "1.0E-5", "NaN", "Infinity"). buf of 32 bytes is enough. */
char *fo_flink_format_double(double d, char *buf, size_t len);

/* Flink's list value syntax (ConfigurationUtils / StructuredOptionsSplitter): items joined by
 * ';', an item containing ';', '\'' or '"' wrapped in single quotes (inner ' doubled).
 * list is a JSON array of strings. Caller frees. NULL when out of memory. */
char *fo_flink_conf_format_list(const json_t *list);

/* ---- Flink's Kubernetes pod options (flink_conf_pods.c) ------------------------------------ */

/* What Flink's decorators make of a pod option's value, read as Flink v reads it (map and
 * list-of-maps syntax with StructuredOptionsSplitter's quoting; with config.yaml, Flink 1.19+,
 * YAML first). Each sets *out to a new reference (an empty one for NULL), or fails with
 * FO_EINVAL, *out NULL and err saying what is wrong (without the option's name) where Flink
 * refuses the value or would build a pod the API server refuses. Pure; thread-safe. */

/* kubernetes.<role>.tolerations: an array of Kubernetes tolerations
 * (KubernetesToleration.fromMap). */
fo_rc fo_flink_conf_tolerations(const char *value, fo_flink_version v, json_t **out, fo_err *err);

/* kubernetes.env.secretKeyRef: an array of env vars taken from Secrets
 * (KubernetesSecretEnvVar.fromMap). */
fo_rc fo_flink_conf_secret_env(const char *value, fo_flink_version v, json_t **out, fo_err *err);

/* kubernetes.secrets: an object of Secret name -> mount path (MountSecretsDecorator). */
fo_rc fo_flink_conf_secret_mounts(const char *value, fo_flink_version v, json_t **out, fo_err *err);

/* An untagged plain YAML scalar s[0..len) as Flink 1.19+'s standard YAML reading
 * (snakeyaml-engine's CoreSchema, the YAML 1.2 core schema, then
 * ConfigurationUtils.convertToString) gives it as text: a new JSON string ("2.0" stays "2.0",
 * "0x1A" is "26", "010" is "10", "yes" and "2024-05-01" stay text), JSON null for null, an
 * empty JSON array for a value Flink would hold as no text flinkop reproduces (a number past
 * 1024 bits in base 8 or 16), or NULL where the engine fails ("+.inf": NumberFormatException),
 * as Flink then reads the legacy syntax. A fo_yaml_plain_fn (yamlconv.h) for
 * fo_yaml_parse_with. Pure; thread-safe. */
json_t *fo_flink_conf_yaml_scalar(const char *s, size_t len, bool is_key);

/* A map option (kubernetes.<role>.labels, .annotations, .node-selector,
 * kubernetes.rest-service.annotations): an object of strings, as Flink v reads it. */
fo_rc fo_flink_conf_map(const char *value, fo_flink_version v, json_t **out, fo_err *err);

/* map (an object; members that are not strings are left out) written so that Flink v and
 * fo_flink_conf_map read exactly it back: a YAML flow mapping of double-quoted strings for
 * config.yaml, else the "k:v,k:v" syntax with every part holding more than letters, digits and
 * "._/-" quoted. Caller frees; NULL only when out of memory. */
char *fo_flink_conf_map_write(const json_t *map, fo_flink_version v);

/* ---- resource requirements (reference a.4, ResourceConfigUtils) --------------------------- */

/* getRequestOrLimit: resources.requests[key], else resources.limits[key] (JSON null counts as
 * absent). Borrowed; NULL when neither is set. *section (may be NULL) gets "requests" or
 * "limits". */
const json_t *fo_flink_conf_request_or_limit(const json_t *resources, const char *key,
                                             const char **section);

/* The text of an int-or-string quantity: a string as written, an integer in decimal, a real as
 * Java's Double.toString. Borrowed from v or written to buf (40 bytes are enough); NULL for
 * any other type. */
const char *fo_flink_conf_quantity_text(const json_t *v, char *buf, size_t len);

/* ---- flattening and layering ------------------------------------------------------------- */

/* Flatten a flinkConfiguration (nested YAML, flat dotted keys, or both) into a flat
 * configuration, as the Apache operator's ConfigObjectNode.asFlatMap does: nested object keys
 * are joined with '.'; strings are kept, integers and booleans become their text, reals
 * Java's Double.toString ("0.5", "2.0"); a list becomes its items' texts joined with ';' (an
 * empty list sets nothing; a nested object or list inside a list is kept as compact JSON).
 * Where Apache writes the text "null" for a null value, flinkop drops the key: `key:` with no
 * value in YAML means "not set", and "null" as a directory or class name only fails later.
 * Later members win over earlier ones that flatten to the same key (Apache: the same).
 * conf NULL or JSON null gives {}. FO_EINVAL (via NULL + err) when conf is not an object or a
 * value holds a NUL character; FO_ELIMIT past FO_FLINK_CONF_MAX_KEYS/DEPTH/KEY_LEN. */
json_t *fo_flink_conf_flatten(const json_t *conf, fo_err *err);

/* Set every member of overlay (flat) onto base (flat), in place. */
void fo_flink_conf_overlay(json_t *base, const json_t *overlay);

/* The operator default configuration for one resource (reference d.1): flat_defaults with
 * kubernetes.operator.default-configuration.namespace.<ns>.<key> applied, then
 * ...flink-version.<vX_Y>+.<key> for every listed version <= v (oldest first), then
 * ...flink-version.<v>.<key>. The scoped keys themselves stay (they are operator keys and are
 * stripped from the cluster's file). ns may be NULL, v UNKNOWN (then no version scoping). */
json_t *fo_flink_conf_defaults_for(const json_t *flat_defaults, const char *ns, fo_flink_version v);

/* A key's value with Flink's key fallbacks: key first, then each fallback in order. */
const char *fo_flink_conf_get(const json_t *flat, const char *key, const char *const *fallbacks);

/* ---- spec -> effective configuration (reference c.14) -------------------------------------- */

/* What is decided at deploy time, by the controller, not by the spec. NULL/0 = not set. */
typedef struct fo_flink_deploy_opts {
    /* execution.savepoint.path to restore from; NULL removes any value (stateless start). */
    const char *savepoint_path;
    bool keep_user_savepoint_path; /* true: leave a user-set execution.savepoint.path alone */
    /* $internal.pipeline.job-id (32 hex); NULL keeps a user value or leaves it unset. */
    const char *job_id;
    /* kubernetes.jobmanager.owner.reference, Flink's "k:v,k:v" form of the ownerReference to
     * the resource; build it with fo_flink_conf_owner_reference. */
    const char *owner_reference;
    /* The generation put into kubernetes.jobmanager.annotations as
     * flinkdeployment.flink.apache.org/generation (merged with user annotations); 0 = none. */
    int64_t generation;
    /* Merge the generation as Flink merges a map (the user's annotations read as Flink reads
     * them, written back with fo_flink_conf_map_write) instead of appending ",<key>:<n>" to
     * their text. The text of the earlier way is what pods rendered before reading the option
     * as Flink does keep (controller/resources.h FO_RENDER_FLINK_MAPS). */
    bool generation_in_flink_map;
    /* A name unique to this launch of an application cluster (c.6, FLINK-27573): with an HA
     * storage directory configured, job-result-store.storage-path becomes
     * <high-availability.storageDir>/job-result-store/<name>/<id> and
     * job-result-store.delete-on-commit false unless set, so that a JobManager restarted after
     * its job ended finds the job's result and does not run the job again from empty state
     * (FLINK-27569), while the next launch does not find the last one's. NULL = not set. */
    const char *job_result_store_id;
    /* Pod template files inside the pods (kubernetes.pod-template-file.jobmanager /
     * .taskmanager), NULL = not set. */
    const char *jm_pod_template_file;
    const char *tm_pod_template_file;
} fo_flink_deploy_opts;

/* The effective configuration of a (normalised) FlinkDeployment object as the Apache
 * operator's FlinkConfigBuilder produces it: defaults (already scoped, see
 * fo_flink_conf_defaults_for; NULL = none) overlaid by the flattened spec.flinkConfiguration,
 * then rest-service type ClusterIP and web.cancel.enable=false unless set, image and pull
 * policy, service account, JobManager and TaskManager cpu/memory (from `resources`, falling
 * back to the deprecated `resource`; requests over limits; limit factors), JM replicas,
 * standalone TM replicas, execution target, pipeline.jars / pipeline.classpaths,
 * parallelism.default, application settings (shutdown-on-application-finish=false, ...,
 * pipeline.name, checkpoint interval for last-state, externalized checkpoint retention, main
 * class, args, allowNonRestoredState), then kubernetes.namespace, kubernetes.cluster-id and
 * high-availability.cluster-id (with HA), and the deploy-time opts (may be NULL). The result
 * still holds operator keys (kubernetes.operator.*, job.autoscaler.*): the controller reads
 * them; fo_flink_conf_cluster_side removes them for the ConfigMap.
 * FO_EINVAL (NULL + err naming the field) for a spec the builder cannot map (no name, bad
 * memory text, bad jarURI); call the validator first for the user-facing errors. */
json_t *fo_flink_conf_build(const json_t *obj, const json_t *defaults,
                            const fo_flink_deploy_opts *opts, fo_err *err);

/* The configuration a session job's submission uses (FlinkConfigManager.getSessionJobConfig,
 * minus the cluster part): the session cluster's effective configuration overlaid by the
 * job's flattened flinkConfiguration and the job settings (pipeline.name = job name, ...). */
json_t *fo_flink_conf_build_session_job(const json_t *session_job, const json_t *cluster_conf,
                                        fo_err *err);

/* What goes into the cluster's ConfigMap, from an effective configuration: a copy without the
 * keys only the operator reads (kubernetes.operator.*, job.autoscaler.*) and the client-side
 * keys Flink's deployer drops (kubernetes.config.file, $internal.deployment.config-dir), plus
 * what Flink's Kubernetes deployer (KubernetesClusterDescriptor, InternalServiceDecorator) would
 * add, since flinkop creates the cluster itself: blob.server.port 6124 and
 * taskmanager.rpc.port 6122 unless a single fixed port is set, rest.bind-port 8081 when it holds
 * a range; with HA, high-availability.jobmanager.port = jobmanager.rpc.port (6123) unless fixed;
 * without HA, jobmanager.rpc.address = "<cluster-id>.<namespace>" (the internal Service). */
json_t *fo_flink_conf_cluster_side(const json_t *effective);

/* Flink's REST ports, read from an effective configuration. rest.port (RestOptions.PORT, an
 * int, default 8081) is what the cluster's REST Service exposes (ExternalServiceDecorator's
 * port), the Ingress backend and the JobManager's "rest" container port, and what an operator
 * connects to (the Apache operator's getClusterClient: RestOptions.PORT). rest.bind-port only
 * moves the Service's targetPort: the port the JobManager binds, as the cluster's ConfigMap
 * holds it (fo_flink_conf_cluster_side pins a range or 0 to 8081; unset: RestOptions.BIND_PORT
 * falls back to rest.port). A rest.port that is not a port (the validator refuses it) reads
 * as 8081, in every one of those places alike. Pure. */
#define FO_FLINK_REST_PORT_DEFAULT 8081
int fo_flink_conf_rest_port(const json_t *conf);
int fo_flink_conf_rest_bind_port(const json_t *conf);

/* True when text is a single port number 1-65535 as Flink's Integer.parseInt reads it (an
 * optional '+', then digits, no white space of any kind around them), into *port (may be
 * NULL). */
bool fo_flink_conf_port_parse(const char *text, int *port);

/* Flink's form of an ownerReference for kubernetes.jobmanager.owner.reference:
 * "apiVersion:<v>,blockOwnerDeletion:true,controller:false,kind:<k>,name:<n>,uid:<u>"
 * from the resource object. Caller frees; NULL when name or uid is missing. */
char *fo_flink_conf_owner_reference(const json_t *obj);

/* ---- rendering ----------------------------------------------------------------------------- */

/* "flink-conf.yaml" for Flink < 1.19 (and UNKNOWN), "config.yaml" for 1.19 and newer. */
const char *fo_flink_conf_file_name(fo_flink_version v);

/* Render a flat configuration as the file for version v, keys sorted (so equal configurations
 * give equal files and an unchanged ConfigMap is not rewritten):
 * - config.yaml (>= 1.19, standard YAML): one `key: value` line per key - flat keys, never
 *   nested, so Flink 2.x's "overlapping key prefixes" failure cannot happen; a value is
 *   double-quoted (YAML escapes, fo_yaml_quote) when plain YAML would read it as anything but that
 * string (true/yes/null, numbers other than plain integers, leading indicators, ": ", " #", ...).
 * - flink-conf.yaml (< 1.19, Flink's line parser): `key: value` exactly, no quoting (that
 *   parser keeps quotes), so a value with a newline or '#' (the parser's comment start)
 *   cannot be carried and fails with FO_EINVAL naming the key.
 * Caller frees; NULL with err on failure (FO_ELIMIT past FO_FLINK_CONF_MAX_RENDER). */
char *fo_flink_conf_render(const json_t *flat, fo_flink_version v, fo_err *err);

/* A cluster's configuration file (file_name "flink-conf.yaml" or "config.yaml", text its
 * content) read back as the JobManager that mounts it reads it (GlobalConfiguration): a
 * flink-conf.yaml line by line (a line ends at "\n", "\r" or "\r\n"; everything from '#' a
 * comment, each line split at the first ": " and trimmed, a line without ": " or with an empty
 * key or value skipped), a config.yaml
 * as standard YAML with Flink's scalar rules (fo_flink_conf_yaml_scalar), nested maps flattened
 * with '.' as fo_flink_conf_flatten does. What fo_flink_conf_render writes reads back as the
 * configuration it was given (but for the values flink-conf.yaml cannot carry). FO_OK with
 * *flat (new reference); FO_EINVAL (FO_ELIMIT past FO_FLINK_CONF_MAX_RENDER or the flattening
 * limits) with err naming the file and why, *flat NULL. */
fo_rc fo_flink_conf_read(const char *file_name, const char *text, json_t **flat, fo_err *err);

#endif
