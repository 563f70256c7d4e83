#ifndef FO_FLINK_MODEL_H
#define FO_FLINK_MODEL_H

/* The FlinkDeployment / FlinkSessionJob model (flink.apache.org/v1beta1, reference section a):
 * enums with parse/format, typed read-only views over an object's raw JSON, the
 * lastReconciledSpec / lastStableSpec JSON-string format, and small helpers the controller and
 * webhook share (application vs session, effective mode, names, HA).
 *
 * The raw JSON stays the source of truth: a view only borrows pointers into it, so unknown
 * fields survive untouched and nothing is copied. A view is valid while the object lives and
 * is not modified. Wrong types never crash: the field reads as absent and, when the caller
 * passes a fo_field_errors, a field error names it ("spec.job.parallelism: Invalid value:
 * "two": must be an integer"); so does a string holding a NUL character ("\u0000"), which C
 * would cut short. All functions are pure and thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/field_errors.h"
#include "common/rc.h"

#define FO_FLINK_GROUP "flink.apache.org"
#define FO_FLINK_API_VERSION "flink.apache.org/v1beta1"
#define FO_FLINK_KIND_DEPLOYMENT "FlinkDeployment"
#define FO_FLINK_KIND_SESSION_JOB "FlinkSessionJob"
#define FO_FLINK_CANARY_LABEL "flink.apache.org/canary"

/* The most one FlinkDeployment or FlinkSessionJob may build, in common/json_read's weight (a
 * value 1, an object 3, each key 1 more; managedFields not counted). A large real one (long
 * pod templates, a few hundred configuration keys) weighs a few thousand; built, a weight
 * unit costs 140-700 bytes whatever its text, so 1.5 MB of empty objects (what etcd takes)
 * would cost about 60 MB. The webhook refuses reviews past it (413); the controller caches
 * heavier objects as stubs (common/kube_oversized.h) and reports them in status.error. */
#define FO_FLINK_MAX_OBJECT_WEIGHT 50000u

/* Largest lastReconciledSpec / lastStableSpec string we parse. */
#define FO_FLINK_SPEC_JSON_MAX (4u * 1024 * 1024)

/* ---- enums ------------------------------------------------------------------------------- */

typedef enum fo_flink_kind {
    FO_FLINK_KIND_OTHER = 0,
    FO_FLINK_DEPLOYMENT,
    FO_FLINK_SESSION_JOB,
} fo_flink_kind;

/* The kind of obj from its "kind" member. */
fo_flink_kind fo_flink_kind_of(const json_t *obj);

/* spec.flinkVersion. Ordered, so versions compare with < and >=. */
typedef enum fo_flink_version {
    FO_FLINK_VERSION_UNKNOWN = 0, /* absent or not one of the enum values */
    FO_FLINK_V1_13,
    FO_FLINK_V1_14,
    FO_FLINK_V1_15,
    FO_FLINK_V1_16,
    FO_FLINK_V1_17,
    FO_FLINK_V1_18,
    FO_FLINK_V1_19,
    FO_FLINK_V1_20,
    FO_FLINK_V2_0,
    FO_FLINK_V2_1,
    FO_FLINK_V2_2,
    FO_FLINK_V2_3,
    FO_FLINK_V2_4,
    FO_FLINK_VERSION_COUNT
} fo_flink_version;

/* "v1_20" -> FO_FLINK_V1_20; anything else (NULL, "1.20", "v1_99") -> UNKNOWN. */
fo_flink_version fo_flink_version_parse(const char *s);
/* "v1_20"; "unknown" for UNKNOWN. Never NULL. */
const char *fo_flink_version_name(fo_flink_version v);
int fo_flink_version_major(fo_flink_version v); /* 0 for UNKNOWN */
int fo_flink_version_minor(fo_flink_version v);
/* Known and >= v1_15 (older ones are rejected by the validator). */
bool fo_flink_version_is_supported(fo_flink_version v);
/* v1_13..v1_18: accepted with a warning when supported. */
bool fo_flink_version_is_deprecated(fo_flink_version v);
/* NULL-terminated list of every enum value, oldest first (for "supported values"). */
extern const char *const fo_flink_version_names[];

/* spec.mode: absent/null = native. */
typedef enum fo_flink_mode {
    FO_FLINK_MODE_NATIVE = 0,
    FO_FLINK_MODE_STANDALONE,
    FO_FLINK_MODE_INVALID, /* present but not an enum value */
} fo_flink_mode;
fo_flink_mode fo_flink_mode_parse(const char *s); /* NULL -> NATIVE */
const char *fo_flink_mode_name(fo_flink_mode m);  /* "native", "standalone", "invalid" */
extern const char *const fo_flink_mode_names[];

/* spec.imagePullPolicy: Flink's ImagePullPolicy enum names (NULL-terminated). */
extern const char *const fo_flink_pull_policy_names[];

/* kubernetes.rest-service.exposed.type: Flink's ServiceExposedType names (NULL-terminated). */
extern const char *const fo_flink_service_exposed_types[];

/* spec.job.state: absent = running. */
typedef enum fo_flink_job_state {
    FO_FLINK_JOB_RUNNING = 0,
    FO_FLINK_JOB_SUSPENDED,
    FO_FLINK_JOB_STATE_INVALID,
} fo_flink_job_state;
fo_flink_job_state fo_flink_job_state_parse(const char *s); /* NULL -> RUNNING */
const char *fo_flink_job_state_name(fo_flink_job_state s);
extern const char *const fo_flink_job_state_names[];

/* spec.job.upgradeMode: absent = stateless. */
typedef enum fo_flink_upgrade_mode {
    FO_FLINK_UPGRADE_STATELESS = 0,
    FO_FLINK_UPGRADE_SAVEPOINT,
    FO_FLINK_UPGRADE_LAST_STATE,
    FO_FLINK_UPGRADE_INVALID,
} fo_flink_upgrade_mode;
fo_flink_upgrade_mode fo_flink_upgrade_mode_parse(const char *s); /* NULL -> STATELESS */
const char *fo_flink_upgrade_mode_name(fo_flink_upgrade_mode m);
/* {"stateless", "savepoint", "last-state", NULL}: the order the error messages list them. */
extern const char *const fo_flink_upgrade_mode_names[];

/* status.jobStatus.state: Flink's JobStatus names plus RECONCILING (operator: being deployed
 * or unknown). */
typedef enum fo_flink_job_status {
    FO_JOB_STATUS_UNKNOWN = 0, /* absent or unrecognised */
    FO_JOB_STATUS_INITIALIZING,
    FO_JOB_STATUS_CREATED,
    FO_JOB_STATUS_RUNNING,
    FO_JOB_STATUS_FAILING,
    FO_JOB_STATUS_FAILED,
    FO_JOB_STATUS_CANCELLING,
    FO_JOB_STATUS_CANCELED,
    FO_JOB_STATUS_FINISHED,
    FO_JOB_STATUS_RESTARTING,
    FO_JOB_STATUS_SUSPENDED,
    FO_JOB_STATUS_RECONCILING,
} fo_flink_job_status;
fo_flink_job_status fo_flink_job_status_parse(const char *s); /* exact upper-case names */
const char *fo_flink_job_status_name(fo_flink_job_status s);  /* "RUNNING"; NULL for UNKNOWN */
/* FAILED, CANCELED, FINISHED (Flink's globally terminal states). */
bool fo_flink_job_status_is_globally_terminal(fo_flink_job_status s);
/* Globally terminal or SUSPENDED. */
bool fo_flink_job_status_is_terminal(fo_flink_job_status s);

/* status.lifecycleState. */
typedef enum fo_flink_lifecycle {
    FO_LIFECYCLE_UNKNOWN = 0,
    FO_LIFECYCLE_CREATED,
    FO_LIFECYCLE_SUSPENDED,
    FO_LIFECYCLE_UPGRADING,
    FO_LIFECYCLE_DEPLOYED,
    FO_LIFECYCLE_STABLE,
    FO_LIFECYCLE_ROLLING_BACK,
    FO_LIFECYCLE_ROLLED_BACK,
    FO_LIFECYCLE_FAILED,
    FO_LIFECYCLE_DELETING,
    FO_LIFECYCLE_DELETED,
} fo_flink_lifecycle;
fo_flink_lifecycle fo_flink_lifecycle_parse(const char *s);
const char *fo_flink_lifecycle_name(fo_flink_lifecycle l); /* NULL for UNKNOWN */
/* SUSPENDED, STABLE, ROLLED_BACK, FAILED, DELETED (the metric's terminal states). */
bool fo_flink_lifecycle_is_terminal(fo_flink_lifecycle l);

/* status.reconciliationStatus.state: absent = UPGRADING (the Java default). */
typedef enum fo_flink_recon_state {
    FO_RECON_UPGRADING = 0,
    FO_RECON_DEPLOYED,
    FO_RECON_ROLLING_BACK,
    FO_RECON_ROLLED_BACK,
    FO_RECON_INVALID,
} fo_flink_recon_state;
fo_flink_recon_state fo_flink_recon_state_parse(const char *s); /* NULL -> UPGRADING */
const char *fo_flink_recon_state_name(fo_flink_recon_state s);

/* status.jobManagerDeploymentStatus: absent = MISSING (the Java default). */
typedef enum fo_flink_jm_status {
    FO_JM_MISSING = 0,
    FO_JM_READY,
    FO_JM_DEPLOYED_NOT_READY,
    FO_JM_DEPLOYING,
    FO_JM_ERROR,
    FO_JM_INVALID,
} fo_flink_jm_status;
fo_flink_jm_status fo_flink_jm_status_parse(const char *s); /* NULL -> MISSING */
const char *fo_flink_jm_status_name(fo_flink_jm_status s);

/* ---- views ------------------------------------------------------------------------------- */

/* An optional int64 (nonces): has == false when absent or null. */
typedef struct fo_flink_opt_i64 {
    bool has;
    int64_t value;
} fo_flink_opt_i64;

/* spec.job (JobSpec, reference a.3). Defaults applied when absent. */
typedef struct fo_flink_job_view {
    const json_t *raw;   /* the job object; NULL when absent (session cluster) */
    const char *jar_uri; /* NULL when absent */
    int32_t parallelism; /* 0 when absent or unreadable */
    bool parallelism_unreadable; /* present but not a 32-bit integer (reported as such) */
    const char *entry_class;
    const json_t *args; /* JSON array of strings; NULL when absent (= []) */
    fo_flink_job_state state;
    const char *state_text; /* as written; NULL when absent */
    fo_flink_upgrade_mode upgrade_mode;
    const char *upgrade_mode_text;
    fo_flink_opt_i64 savepoint_trigger_nonce; /* deprecated */
    const char *initial_savepoint_path;
    fo_flink_opt_i64 checkpoint_trigger_nonce; /* deprecated */
    int allow_non_restored_state;              /* -1 absent, 0 false, 1 true */
    fo_flink_opt_i64 savepoint_redeploy_nonce;
    fo_flink_opt_i64 autoscaler_reset_nonce;
} fo_flink_job_view;

/* spec.jobManager / spec.taskManager (reference a.4). */
typedef struct fo_flink_role_view {
    const json_t *raw;      /* NULL when the block is absent */
    const json_t *resource; /* deprecated Resource object, or NULL */
    bool has_cpu;           /* resource.cpu */
    double cpu;
    const char *memory;            /* resource.memory */
    const char *ephemeral_storage; /* resource.ephemeralStorage */
    const json_t *resources;       /* core/v1 ResourceRequirements object, or NULL */
    bool has_replicas;             /* false: absent (JM reads 1, TM reads "not set") */
    int32_t replicas;              /* JM: 1 when absent; TM: 0 when absent */
    const json_t *pod_template;
} fo_flink_role_view;

/* status (reference a.7), the fields the controller reads. */
typedef struct fo_flink_status_view {
    const json_t *raw; /* NULL when there is no status */
    const char *job_name, *job_id;
    fo_flink_job_status job_status;
    const char *job_status_text;
    const char *job_start_time, *job_update_time; /* epoch ms as strings */
    const char *upgrade_savepoint_path;
    const char *error;
    fo_flink_opt_i64 observed_generation;
    fo_flink_lifecycle lifecycle;
    fo_flink_jm_status jm_status; /* FlinkDeployment only */
    fo_flink_recon_state recon_state;
    fo_flink_opt_i64 reconciliation_timestamp;
    const char *last_reconciled_spec; /* the JSON string, or NULL */
    const char *last_stable_spec;
} fo_flink_status_view;

/* A FlinkDeployment or FlinkSessionJob. */
typedef struct fo_flink_view {
    const json_t *raw;
    fo_flink_kind kind;
    const char *name, *namespace_, *uid;
    fo_flink_opt_i64 generation;
    const json_t *labels; /* metadata.labels object or NULL */
    const json_t *spec;   /* never NULL after a successful fo_flink_view_init */

    fo_flink_job_view job;
    fo_flink_opt_i64 restart_nonce;
    const json_t *flink_configuration; /* raw: flat or nested; NULL when absent */

    /* FlinkDeployment */
    const char *image, *image_pull_policy, *service_account;
    fo_flink_version flink_version;
    const char *flink_version_text; /* as written; NULL when absent */
    const json_t *ingress, *pod_template, *log_configuration;
    fo_flink_role_view job_manager, task_manager;
    fo_flink_mode mode;
    const char *mode_text;

    /* FlinkSessionJob */
    const char *deployment_name;

    fo_flink_status_view status;
} fo_flink_view;

/* Fill v from a FlinkDeployment or FlinkSessionJob object (kind from obj.kind; an object
 * without kind is read as a FlinkDeployment). Every field of reference a is read; a field of
 * the wrong type reads as absent and, when errs is not NULL, adds an "Invalid value" error
 * with its path. Enum values that are not in the enum read as *_INVALID (the validator
 * reports them; the view does not). Returns FO_EINVAL when obj is not an object or has no
 * object spec (then v is zeroed). */
fo_rc fo_flink_view_init(fo_flink_view *v, const json_t *obj, fo_field_errors *errs);

/* Same, reading obj as the given kind whatever its "kind" member says. */
fo_rc fo_flink_view_init_as(fo_flink_view *v, const json_t *obj, fo_flink_kind kind,
                            fo_field_errors *errs);

/* Same, for a bare spec (e.g. one parsed from lastReconciledSpec); metadata and status stay
 * empty. kind decides which fields are read. */
fo_rc fo_flink_view_init_spec(fo_flink_view *v, const json_t *spec, fo_flink_kind kind,
                              fo_field_errors *errs);

/* ---- helpers ------------------------------------------------------------------------------ */

/* Application cluster (spec.job set) vs session cluster. */
bool fo_flink_is_application(const fo_flink_view *v);

/* The mode that applies: the last reconciled spec's mode when the resource was deployed
 * before (mode cannot change after the first deploy), else the spec's; null = native.
 * last_spec may be NULL. */
fo_flink_mode fo_flink_effective_mode(const fo_flink_view *v, const json_t *last_spec);

/* metadata.labels["flink.apache.org/canary"] == "true". */
bool fo_flink_is_canary(const json_t *obj);

/* Flink's cluster-id rule for FlinkDeployment names (and session jobs' deploymentName):
 * [a-z]([-a-z0-9]{0,43}[a-z0-9])? (at most 45 characters). */
bool fo_flink_name_is_valid(const char *name);

/* Names of the Kubernetes objects of a FlinkDeployment (reference c.13, c.11). Each writes
 * into buf (len bytes) and returns buf, or NULL when it does not fit. */
char *fo_flink_rest_service_name(const char *name, char *buf, size_t len);    /* <n>-rest */
char *fo_flink_config_map_name(const char *name, char *buf, size_t len);      /* flink-config-<n> */
char *fo_flink_pod_template_cm_name(const char *name, char *buf, size_t len); /* pod-template-<n> */
char *fo_flink_tm_deployment_name(const char *name, char *buf, size_t len);   /* <n>-taskmanager */
char *fo_flink_ha_cluster_cm_name(const char *name, char *buf,
                                  size_t len); /* <n>-cluster-config-map */

/* HA per reference c.11, on a flat Flink configuration object ({"key": "value"}):
 * activated = high-availability.type (legacy high-availability) set and neither NONE nor the
 * legacy "standalone" recovery mode (both no HA to Flink, any case);
 * Kubernetes HA = "kubernetes" or the KubernetesHaServicesFactory class name. */
bool fo_flink_ha_enabled(const json_t *flat_conf);
bool fo_flink_ha_is_kubernetes(const json_t *flat_conf);

/* Kubernetes HA metadata (reference c.11) among configmaps, a JSON array of ConfigMap objects
 * already selected by the labels app=<name>,type=flink-native-kubernetes: true when one that
 * is not being deleted is named *-config-map but not *-cluster-config-map (or the pre-1.15
 * *-jobmanager-leader); with_checkpoint also needs a data key starting with "checkpointID-".
 * ConfigMaps labelled component=autoscaler never count. */
bool fo_flink_ha_metadata_available(const json_t *configmaps, bool with_checkpoint);

/* Does the HA map of job job_id (32 hex digits; Flink 1.15+ names it
 * <cluster-id>-<job id>-config-map) among configmaps, not being deleted, hold a completed
 * checkpoint pointer ("checkpointID-" key)? What a last-state restore of that job id recovers
 * from: with none, Flink would start the job from empty state. False for a NULL or malformed
 * id. */
bool fo_flink_ha_job_checkpoint_available(const json_t *configmaps, const char *job_id);

/* ---- lastReconciledSpec / lastStableSpec --------------------------------------------------- */

/* The resource_metadata part of a serialised spec. */
typedef struct fo_flink_spec_meta {
    bool present;          /* false for the old format (bare spec with apiVersion) */
    char api_version[128]; /* "flink.apache.org/v1beta1"; "" when unknown */
    bool first_deployment;
    /* resource_metadata.metadata.writer is "flinkop": a record flinkop wrote, its spec
     * normalised (pod templates layered). The Apache operator's reader drops
     * resource_metadata.metadata before it reads the rest, so the mark costs it nothing. */
    bool by_flinkop;
} fo_flink_spec_meta;

/* Parse a lastReconciledSpec / lastStableSpec string, written by flinkop or by the Apache
 * operator, in either format:
 *   new: {"spec": {...}, "resource_metadata": {"apiVersion": "...", "firstDeployment": b}}
 *   old: {...spec members..., "apiVersion": "..."}  (apiVersion and any "metadata" dropped)
 * *spec_out receives the spec in canonical form (fo_flink_spec_canonical; new reference).
 * meta may be NULL. FO_EINVAL with err naming the problem for text that is not such a JSON
 * object; FO_ELIMIT over FO_FLINK_SPEC_JSON_MAX. */
fo_rc fo_flink_spec_parse(const char *text, fo_flink_kind kind, json_t **spec_out,
                          fo_flink_spec_meta *meta, fo_err *err);

/* Serialise spec in the new format, as the Apache operator writes it (compact JSON, keys
 * "spec" then "resource_metadata" {"apiVersion", "firstDeployment"}), with flinkop's mark in
 * resource_metadata.metadata ({"writer": "flinkop"}, fo_flink_spec_meta.by_flinkop).
 * api_version NULL means FO_FLINK_API_VERSION. Caller frees; NULL only when out of memory or
 * spec is not an object. */
char *fo_flink_spec_write(const json_t *spec, const char *api_version, bool first_deployment);

/* The comparable form of a spec (new reference): JSON nulls removed everywhere (Java reads
 * null as "not set"); members equal to model defaults that fo_defaults never writes removed
 * (job.parallelism 0, job.args [], empty flinkConfiguration); the defaults fo_defaults writes
 * added (job.state, job.upgradeMode, jobManager.replicas when jobManager is set). Two specs
 * mean the same to both operators iff their canonical forms are equal (up to flat vs nested
 * flinkConfiguration, which fo_flink_conf_flatten settles). NULL when spec is not an object. */
json_t *fo_flink_spec_canonical(const json_t *spec, fo_flink_kind kind);

/* The last reconciled spec of obj (status.reconciliationStatus.lastReconciledSpec), parsed
 * and canonical; NULL when absent ("before first deployment"). A string that does not parse
 * returns NULL with FO_EINVAL in *rc (rc may be NULL). */
json_t *fo_flink_last_reconciled_spec(const json_t *obj, fo_flink_spec_meta *meta, fo_rc *rc);

/* The same as the record holds it, before the canonical form (which drops empty lists, also
 * the `args: []` of a pod template that overrides a lower layer's): new reference, NULL when
 * absent or when it does not parse. */
json_t *fo_flink_last_reconciled_spec_as_written(const json_t *obj);

/* The same, with only the members the admission rules compare (job, mode, flinkVersion,
 * deploymentName): the rest of the string is checked as JSON but not built. Those members are
 * exactly as in fo_flink_last_reconciled_spec. A running deployment's spec string is mostly pod
 * templates and configuration, which reading and canonicalising made the larger part of
 * validating an update. */
json_t *fo_flink_last_reconciled_spec_for_rules(const json_t *obj, fo_rc *rc);

/* The lifecycle state derived from the status as the Apache operator computes it on every
 * write (reference a.7, first match wins). */
fo_flink_lifecycle fo_flink_lifecycle_derive(const json_t *obj);

#endif
