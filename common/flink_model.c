#include "common/flink_model.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/jsonutil.h"

/* ---- enums ------------------------------------------------------------------------------- */

/* Reference a.2: the FlinkVersion enum, oldest first; index + 1 == fo_flink_version. */
const char *const fo_flink_version_names[] = {
    "v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19",
    "v1_20", "v2_0",  "v2_1",  "v2_2",  "v2_3",  "v2_4",  NULL,
};
static const unsigned char version_major[] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
static const unsigned char version_minor[] = {0, 13, 14, 15, 16, 17, 18, 19, 20, 0, 1, 2, 3, 4};

const char *const fo_flink_mode_names[] = {"native", "standalone", NULL};
const char *const fo_flink_pull_policy_names[] = {"Always", "IfNotPresent", "Never", NULL};
const char *const fo_flink_service_exposed_types[] = {"ClusterIP", "NodePort", "LoadBalancer",
                                                      "Headless_ClusterIP", NULL};
const char *const fo_flink_job_state_names[] = {"running", "suspended", NULL};
const char *const fo_flink_upgrade_mode_names[] = {"stateless", "savepoint", "last-state", NULL};

static const char *const job_status_names[] = {
    NULL,         "INITIALIZING", "CREATED",  "RUNNING",    "FAILING",   "FAILED",
    "CANCELLING", "CANCELED",     "FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING",
};
static const char *const lifecycle_names[] = {
    NULL,           "CREATED",     "SUSPENDED", "UPGRADING", "DEPLOYED", "STABLE",
    "ROLLING_BACK", "ROLLED_BACK", "FAILED",    "DELETING",  "DELETED",
};
static const char *const recon_state_names[] = {"UPGRADING", "DEPLOYED", "ROLLING_BACK",
                                                "ROLLED_BACK"};
static const char *const jm_status_names[] = {"MISSING", "READY", "DEPLOYED_NOT_READY", "DEPLOYING",
                                              "ERROR"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index of s in names[0..n) (exact, case-sensitive like Jackson), or -1. */
static int lookup(const char *const *names, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

fo_flink_kind fo_flink_kind_of(const json_t *obj)
{
    const char *kind = fo_json_str(obj, "kind");
    if (kind && strcmp(kind, FO_FLINK_KIND_DEPLOYMENT) == 0)
        return FO_FLINK_DEPLOYMENT;
    if (kind && strcmp(kind, FO_FLINK_KIND_SESSION_JOB) == 0)
        return FO_FLINK_SESSION_JOB;
    return FO_FLINK_KIND_OTHER;
}

fo_flink_version fo_flink_version_parse(const char *s)
{
    int i = lookup(fo_flink_version_names, COUNT(fo_flink_version_names) - 1, s);
    return i < 0 ? FO_FLINK_VERSION_UNKNOWN : (fo_flink_version)(i + 1);
}

const char *fo_flink_version_name(fo_flink_version v)
{
    if (v <= FO_FLINK_VERSION_UNKNOWN || v >= FO_FLINK_VERSION_COUNT)
        return "unknown";
    return fo_flink_version_names[v - 1];
}

int fo_flink_version_major(fo_flink_version v)
{
    return v > 0 && v < FO_FLINK_VERSION_COUNT ? version_major[v] : 0;
}

int fo_flink_version_minor(fo_flink_version v)
{
    return v > 0 && v < FO_FLINK_VERSION_COUNT ? version_minor[v] : 0;
}

bool fo_flink_version_is_supported(fo_flink_version v)
{
    return v >= FO_FLINK_V1_15 && v < FO_FLINK_VERSION_COUNT;
}

bool fo_flink_version_is_deprecated(fo_flink_version v)
{
    return v >= FO_FLINK_V1_13 && v <= FO_FLINK_V1_18;
}

fo_flink_mode fo_flink_mode_parse(const char *s)
{
    if (!s)
        return FO_FLINK_MODE_NATIVE;
    int i = lookup(fo_flink_mode_names, 2, s);
    return i < 0 ? FO_FLINK_MODE_INVALID : (fo_flink_mode)i;
}

const char *fo_flink_mode_name(fo_flink_mode m)
{
    return m < FO_FLINK_MODE_INVALID ? fo_flink_mode_names[m] : "invalid";
}

fo_flink_job_state fo_flink_job_state_parse(const char *s)
{
    if (!s)
        return FO_FLINK_JOB_RUNNING;
    int i = lookup(fo_flink_job_state_names, 2, s);
    return i < 0 ? FO_FLINK_JOB_STATE_INVALID : (fo_flink_job_state)i;
}

const char *fo_flink_job_state_name(fo_flink_job_state s)
{
    return s < FO_FLINK_JOB_STATE_INVALID ? fo_flink_job_state_names[s] : "invalid";
}

fo_flink_upgrade_mode fo_flink_upgrade_mode_parse(const char *s)
{
    if (!s)
        return FO_FLINK_UPGRADE_STATELESS;
    int i = lookup(fo_flink_upgrade_mode_names, 3, s);
    return i < 0 ? FO_FLINK_UPGRADE_INVALID : (fo_flink_upgrade_mode)i;
}

const char *fo_flink_upgrade_mode_name(fo_flink_upgrade_mode m)
{
    return m < FO_FLINK_UPGRADE_INVALID ? fo_flink_upgrade_mode_names[m] : "invalid";
}

fo_flink_job_status fo_flink_job_status_parse(const char *s)
{
    int i = lookup(job_status_names, COUNT(job_status_names), s);
    return i < 0 ? FO_JOB_STATUS_UNKNOWN : (fo_flink_job_status)i;
}

const char *fo_flink_job_status_name(fo_flink_job_status s)
{
    return (size_t)s < COUNT(job_status_names) ? job_status_names[s] : NULL;
}

bool fo_flink_job_status_is_globally_terminal(fo_flink_job_status s)
{
    return s == FO_JOB_STATUS_FAILED || s == FO_JOB_STATUS_CANCELED || s == FO_JOB_STATUS_FINISHED;
}

bool fo_flink_job_status_is_terminal(fo_flink_job_status s)
{
    return fo_flink_job_status_is_globally_terminal(s) || s == FO_JOB_STATUS_SUSPENDED;
}

fo_flink_lifecycle fo_flink_lifecycle_parse(const char *s)
{
    int i = lookup(lifecycle_names, COUNT(lifecycle_names), s);
    return i < 0 ? FO_LIFECYCLE_UNKNOWN : (fo_flink_lifecycle)i;
}

const char *fo_flink_lifecycle_name(fo_flink_lifecycle l)
{
    return (size_t)l < COUNT(lifecycle_names) ? lifecycle_names[l] : NULL;
}

bool fo_flink_lifecycle_is_terminal(fo_flink_lifecycle l)
{
    return l == FO_LIFECYCLE_SUSPENDED || l == FO_LIFECYCLE_STABLE ||
           l == FO_LIFECYCLE_ROLLED_BACK || l == FO_LIFECYCLE_FAILED || l == FO_LIFECYCLE_DELETED;
}

fo_flink_recon_state fo_flink_recon_state_parse(const char *s)
{
    if (!s)
        return FO_RECON_UPGRADING;
    int i = lookup(recon_state_names, COUNT(recon_state_names), s);
    return i < 0 ? FO_RECON_INVALID : (fo_flink_recon_state)i;
}

const char *fo_flink_recon_state_name(fo_flink_recon_state s)
{
    return (size_t)s < COUNT(recon_state_names) ? recon_state_names[s] : "INVALID";
}

fo_flink_jm_status fo_flink_jm_status_parse(const char *s)
{
    if (!s)
        return FO_JM_MISSING;
    int i = lookup(jm_status_names, COUNT(jm_status_names), s);
    return i < 0 ? FO_JM_INVALID : (fo_flink_jm_status)i;
}

const char *fo_flink_jm_status_name(fo_flink_jm_status s)
{
    return (size_t)s < COUNT(jm_status_names) ? jm_status_names[s] : "INVALID";
}

/* ---- typed reads ------------------------------------------------------------------------- */

/* A reader carries the path prefix of the object it reads, so type errors name the full
 * field ("spec.jobManager.replicas"). */
typedef struct reader {
    const json_t *obj;
    const char *path;
    fo_field_errors *errs;
} reader;

static void type_error(const reader *r, const char *key, const json_t *value, const char *what)
{
    if (!r->errs)
        return;
    char field[256];
    snprintf(field, sizeof field, "%s.%s", r->path, key);
    fo_field_errors_add_json(r->errs, FO_FE_INVALID, field, value, "must be %s", what);
}

/* The member, or NULL when absent or JSON null (null reads as absent, as in Jackson). */
static const json_t *member(const reader *r, const char *key)
{
    const json_t *v = json_is_object(r->obj) ? json_object_get(r->obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

static const char *get_str(const reader *r, const char *key)
{
    const json_t *v = member(r, key);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        type_error(r, key, v, "a string");
        return NULL;
    }
    /* JSON allows "\u0000"; as a C string the value would silently end there (a name or an
     * image cut short), so such a string reads as absent and is reported. */
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        type_error(r, key, v, "a string without NUL characters");
        return NULL;
    }
    return json_string_value(v);
}

static const json_t *get_obj(const reader *r, const char *key)
{
    const json_t *v = member(r, key);
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        type_error(r, key, v, "an object");
        return NULL;
    }
    return v;
}

/* An integer in [lo, hi]. Jackson also accepts a real with no fraction for an int field; so
 * do we (YAML tooling sometimes writes 2.0). */
static bool get_int(const reader *r, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    const json_t *v = member(r, key);
    if (!v)
        return false;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= lo && i <= hi) {
            *out = i;
            return true;
        }
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && d >= (double)lo && d <= (double)hi) {
            *out = (int64_t)d;
            return true;
        }
    }
    type_error(r, key, v, hi == INT32_MAX ? "a 32-bit integer" : "an integer");
    return false;
}

static fo_flink_opt_i64 get_opt_i64(const reader *r, const char *key)
{
    fo_flink_opt_i64 o = {false, 0};
    o.has = get_int(r, key, INT64_MIN, INT64_MAX, &o.value);
    return o;
}

static void read_job(fo_flink_job_view *j, const json_t *job, fo_field_errors *errs)
{
    memset(j, 0, sizeof *j);
    j->allow_non_restored_state = -1;
    if (!job)
        return;
    reader r = {job, "spec.job", errs};
    j->raw = job;
    j->jar_uri = get_str(&r, "jarURI");
    int64_t p = 0;
    if (get_int(&r, "parallelism", INT32_MIN, INT32_MAX, &p))
        j->parallelism = (int32_t)p;
    else
        j->parallelism_unreadable = member(&r, "parallelism") != NULL;
    j->entry_class = get_str(&r, "entryClass");
    const json_t *args = member(&r, "args");
    if (args) {
        bool ok = json_is_array(args);
        for (size_t i = 0; ok && i < json_array_size(args); i++)
            ok = json_is_string(json_array_get(args, i));
        if (ok)
            j->args = args;
        else
            type_error(&r, "args", args, "a list of strings");
    }
    j->state_text = get_str(&r, "state");
    j->state = fo_flink_job_state_parse(j->state_text);
    j->upgrade_mode_text = get_str(&r, "upgradeMode");
    j->upgrade_mode = fo_flink_upgrade_mode_parse(j->upgrade_mode_text);
    j->savepoint_trigger_nonce = get_opt_i64(&r, "savepointTriggerNonce");
    j->initial_savepoint_path = get_str(&r, "initialSavepointPath");
    j->checkpoint_trigger_nonce = get_opt_i64(&r, "checkpointTriggerNonce");
    const json_t *anrs = member(&r, "allowNonRestoredState");
    if (anrs) {
        if (json_is_boolean(anrs))
            j->allow_non_restored_state = json_is_true(anrs) ? 1 : 0;
        else
            type_error(&r, "allowNonRestoredState", anrs, "a boolean");
    }
    j->savepoint_redeploy_nonce = get_opt_i64(&r, "savepointRedeployNonce");
    j->autoscaler_reset_nonce = get_opt_i64(&r, "autoscalerResetNonce");
}

static void read_role(fo_flink_role_view *rv, const json_t *role, const char *path, bool is_jm,
                      fo_field_errors *errs)
{
    memset(rv, 0, sizeof *rv);
    if (is_jm)
        rv->replicas = 1; /* JobManagerSpec.replicas initialiser */
    if (!role)
        return;
    reader r = {role, path, errs};
    rv->raw = role;
    rv->resource = get_obj(&r, "resource");
    if (rv->resource) {
        char rpath[64];
        snprintf(rpath, sizeof rpath, "%s.resource", path);
        reader rr = {rv->resource, rpath, errs};
        const json_t *cpu = member(&rr, "cpu");
        if (cpu) {
            if (json_is_number(cpu)) {
                rv->has_cpu = true;
                rv->cpu = json_number_value(cpu);
            } else {
                type_error(&rr, "cpu", cpu, "a number");
            }
        }
        rv->memory = get_str(&rr, "memory");
        rv->ephemeral_storage = get_str(&rr, "ephemeralStorage");
    }
    rv->resources = get_obj(&r, "resources");
    int64_t n = 0;
    if (get_int(&r, "replicas", INT32_MIN, INT32_MAX, &n)) {
        rv->has_replicas = true;
        rv->replicas = (int32_t)n;
    }
    rv->pod_template = get_obj(&r, "podTemplate");
}

static void read_status(fo_flink_status_view *s, const json_t *status, fo_field_errors *errs)
{
    memset(s, 0, sizeof *s);
    if (!status)
        return;
    reader r = {status, "status", errs};
    s->raw = status;
    const json_t *js = get_obj(&r, "jobStatus");
    if (js) {
        reader jr = {js, "status.jobStatus", errs};
        s->job_name = get_str(&jr, "jobName");
        s->job_id = get_str(&jr, "jobId");
        s->job_status_text = get_str(&jr, "state");
        s->job_status = fo_flink_job_status_parse(s->job_status_text);
        s->job_start_time = get_str(&jr, "startTime");
        s->job_update_time = get_str(&jr, "updateTime");
        s->upgrade_savepoint_path = get_str(&jr, "upgradeSavepointPath");
    }
    s->error = get_str(&r, "error");
    s->observed_generation = get_opt_i64(&r, "observedGeneration");
    s->lifecycle = fo_flink_lifecycle_parse(get_str(&r, "lifecycleState"));
    s->jm_status = fo_flink_jm_status_parse(get_str(&r, "jobManagerDeploymentStatus"));
    const json_t *rs = get_obj(&r, "reconciliationStatus");
    reader rr = {rs, "status.reconciliationStatus", errs};
    s->recon_state = fo_flink_recon_state_parse(rs ? get_str(&rr, "state") : NULL);
    if (rs) {
        s->reconciliation_timestamp = get_opt_i64(&rr, "reconciliationTimestamp");
        s->last_reconciled_spec = get_str(&rr, "lastReconciledSpec");
        s->last_stable_spec = get_str(&rr, "lastStableSpec");
    }
}

static void read_spec(fo_flink_view *v, const json_t *spec, fo_field_errors *errs)
{
    reader r = {spec, "spec", errs};
    v->spec = spec;
    read_job(&v->job, get_obj(&r, "job"), errs);
    v->restart_nonce = get_opt_i64(&r, "restartNonce");
    v->flink_configuration = get_obj(&r, "flinkConfiguration");
    if (v->kind == FO_FLINK_SESSION_JOB) {
        v->deployment_name = get_str(&r, "deploymentName");
        read_role(&v->job_manager, NULL, "spec.jobManager", true, NULL);
        read_role(&v->task_manager, NULL, "spec.taskManager", false, NULL);
        return;
    }
    v->image = get_str(&r, "image");
    v->image_pull_policy = get_str(&r, "imagePullPolicy");
    v->service_account = get_str(&r, "serviceAccount");
    v->flink_version_text = get_str(&r, "flinkVersion");
    v->flink_version = fo_flink_version_parse(v->flink_version_text);
    v->ingress = get_obj(&r, "ingress");
    v->pod_template = get_obj(&r, "podTemplate");
    v->log_configuration = get_obj(&r, "logConfiguration");
    read_role(&v->job_manager, get_obj(&r, "jobManager"), "spec.jobManager", true, errs);
    read_role(&v->task_manager, get_obj(&r, "taskManager"), "spec.taskManager", false, errs);
    v->mode_text = get_str(&r, "mode");
    v->mode = fo_flink_mode_parse(v->mode_text);
}

fo_rc fo_flink_view_init_spec(fo_flink_view *v, const json_t *spec, fo_flink_kind kind,
                              fo_field_errors *errs)
{
    memset(v, 0, sizeof *v);
    if (!json_is_object(spec))
        return FO_EINVAL;
    v->kind = kind == FO_FLINK_SESSION_JOB ? FO_FLINK_SESSION_JOB : FO_FLINK_DEPLOYMENT;
    read_spec(v, spec, errs);
    read_status(&v->status, NULL, NULL);
    return FO_OK;
}

fo_rc fo_flink_view_init(fo_flink_view *v, const json_t *obj, fo_field_errors *errs)
{
    return fo_flink_view_init_as(v, obj, fo_flink_kind_of(obj), errs);
}

fo_rc fo_flink_view_init_as(fo_flink_view *v, const json_t *obj, fo_flink_kind kind,
                            fo_field_errors *errs)
{
    memset(v, 0, sizeof *v);
    const json_t *spec = json_is_object(obj) ? json_object_get(obj, "spec") : NULL;
    if (!json_is_object(spec))
        return FO_EINVAL;
    fo_rc rc = fo_flink_view_init_spec(v, spec, kind, errs);
    if (rc != FO_OK)
        return rc;
    v->raw = obj;
    reader r = {obj, "", NULL};
    const json_t *meta = get_obj(&r, "metadata");
    if (meta) {
        reader mr = {meta, "metadata", errs};
        v->name = get_str(&mr, "name");
        v->namespace_ = get_str(&mr, "namespace");
        v->uid = get_str(&mr, "uid");
        v->generation = get_opt_i64(&mr, "generation");
        v->labels = get_obj(&mr, "labels");
    }
    reader sr = {obj, "", NULL};
    read_status(&v->status, get_obj(&sr, "status"), errs);
    return FO_OK;
}

/* ---- helpers ------------------------------------------------------------------------------ */

bool fo_flink_is_application(const fo_flink_view *v)
{
    return v && v->job.raw != NULL;
}

fo_flink_mode fo_flink_effective_mode(const fo_flink_view *v, const json_t *last_spec)
{
    if (json_is_object(last_spec)) {
        const json_t *m = json_object_get(last_spec, "mode");
        return fo_flink_mode_parse(json_is_string(m) ? json_string_value(m) : NULL);
    }
    return v ? v->mode : FO_FLINK_MODE_NATIVE;
}

bool fo_flink_is_canary(const json_t *obj)
{
    const json_t *labels = fo_json_get(obj, "metadata.labels");
    const json_t *c =
        json_is_object(labels) ? json_object_get(labels, FO_FLINK_CANARY_LABEL) : NULL;
    /* any case, as the Apache operator compares it ("True" marks a canary there too) */
    return json_is_string(c) && strcasecmp(json_string_value(c), "true") == 0;
}

bool fo_flink_name_is_valid(const char *name)
{
    /* [a-z]([-a-z0-9]{0,43}[a-z0-9])? */
    if (!name)
        return false;
    size_t n = strlen(name);
    if (n < 1 || n > 45 || !(name[0] >= 'a' && name[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i + 1 < n))
            return false;
    }
    return true;
}

static char *fmt_name(char *buf, size_t len, const char *fmt, const char *name)
{
    if (!buf || !name)
        return NULL;
    int n = snprintf(buf, len, fmt, name);
    return n < 0 || (size_t)n >= len ? NULL : buf;
}

char *fo_flink_rest_service_name(const char *name, char *buf, size_t len)
{
    return fmt_name(buf, len, "%s-rest", name);
}

char *fo_flink_config_map_name(const char *name, char *buf, size_t len)
{
    return fmt_name(buf, len, "flink-config-%s", name);
}

char *fo_flink_pod_template_cm_name(const char *name, char *buf, size_t len)
{
    return fmt_name(buf, len, "pod-template-%s", name);
}

char *fo_flink_tm_deployment_name(const char *name, char *buf, size_t len)
{
    return fmt_name(buf, len, "%s-taskmanager", name);
}

char *fo_flink_ha_cluster_cm_name(const char *name, char *buf, size_t len)
{
    return fmt_name(buf, len, "%s-cluster-config-map", name);
}

/* high-availability.type, falling back to the legacy high-availability key (Flink's
 * HighAvailabilityOptions.HA_MODE). */
static const char *ha_type(const json_t *flat_conf)
{
    const char *t = fo_json_str(flat_conf, "high-availability.type");
    return t ? t : fo_json_str(flat_conf, "high-availability");
}

/* HighAvailabilityMode.fromConfig / isHighAvailabilityModeActivated: "NONE" and the old
 * default recovery mode "standalone" (ConfigConstants.DEFAULT_RECOVERY_MODE, still mapped in
 * Flink 1.20 and 2.x) are both no HA, in any case. */
bool fo_flink_ha_enabled(const json_t *flat_conf)
{
    const char *t = ha_type(flat_conf);
    if (!t)
        return false;
    while (isspace((unsigned char)*t))
        t++;
    return *t && strcasecmp(t, "NONE") != 0 && strcasecmp(t, "standalone") != 0;
}

bool fo_flink_ha_is_kubernetes(const json_t *flat_conf)
{
    const char *t = ha_type(flat_conf);
    return t && (strcasecmp(t, "kubernetes") == 0 ||
                 strcmp(t, "org.apache.flink.kubernetes.highavailability."
                           "KubernetesHaServicesFactory") == 0);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool holds_checkpoint(const json_t *cm)
{
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)json_object_get(cm, "data"), key, val)
    {
        (void)val;
        if (strncmp(key, "checkpointID-", 13) == 0)
            return true;
    }
    return false;
}

/* The name of an HA map that counts (not being deleted, not the autoscaler's), or NULL. */
static const char *ha_map_name(const json_t *cm)
{
    const json_t *meta = json_object_get(cm, "metadata");
    const json_t *deleting = json_object_get(meta, "deletionTimestamp");
    const char *component = fo_json_get_str(meta, "labels.component");
    if ((deleting && !json_is_null(deleting)) ||
        (component && strcmp(component, "autoscaler") == 0))
        return NULL;
    return fo_json_str(meta, "name");
}

bool fo_flink_ha_job_checkpoint_available(const json_t *configmaps, const char *job_id)
{
    char suffix[64];
    if (!job_id || strlen(job_id) != 32)
        return false;
    snprintf(suffix, sizeof suffix, "-%s-config-map", job_id);
    size_t i;
    const json_t *cm;
    json_array_foreach(configmaps, i, cm)
    {
        const char *name = ha_map_name(cm);
        if (name && ends_with(name, suffix) && holds_checkpoint(cm))
            return true;
    }
    return false;
}

bool fo_flink_ha_metadata_available(const json_t *configmaps, bool with_checkpoint)
{
    size_t i;
    const json_t *cm;
    json_array_foreach(configmaps, i, cm)
    {
        const char *name = ha_map_name(cm);
        if (!name)
            continue;
        bool valid = ends_with(name, "-config-map") ? !ends_with(name, "-cluster-config-map")
                                                    : ends_with(name, "-jobmanager-leader");
        if (!valid)
            continue;
        if (!with_checkpoint || holds_checkpoint(cm))
            return true;
    }
    return false;
}
