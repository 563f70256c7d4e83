/* flink_conf, the spec -> effective Flink configuration mapping: the Apache operator's
 * FlinkConfigBuilder.buildFrom (reference c.14), with the resource rules of a.4
 * (ResourceConfigUtils), the standalone keys of c.13 and the HA keys of c.11, plus the
 * deploy-time keys the reconciler adds (owner reference, generation annotation, job id,
 * savepoint path) and the session-job configuration (FlinkConfigManager.getSessionJobConfig). */
#include "common/flink_conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/quantity.h"
#include "common/strbuf.h"

/* Flink / operator keys (KubernetesConfigOptions, JobManagerOptions, ...). */
#define K_NAMESPACE "kubernetes.namespace"
#define K_CLUSTER_ID "kubernetes.cluster-id"
#define K_HA_CLUSTER_ID "high-availability.cluster-id"
#define K_REST_TYPE "kubernetes.rest-service.exposed.type"
#define K_WEB_CANCEL "web.cancel.enable"
#define K_FLINK_VERSION "$internal.flink.version"
#define K_IMAGE "kubernetes.container.image.ref"
#define K_IMAGE_LEGACY "kubernetes.container.image"
#define K_PULL_POLICY "kubernetes.container.image.pull-policy"
#define K_SERVICE_ACCOUNT "kubernetes.service-account"
#define K_JM_REPLICAS "kubernetes.jobmanager.replicas"
#define K_TM_REPLICAS "kubernetes.internal.taskmanager.replicas"
#define K_CLUSTER_MODE "kubernetes.internal.cluster-mode"
#define K_TARGET "execution.target"
#define K_JARS "pipeline.jars"
#define K_CLASSPATHS "pipeline.classpaths"
#define K_PARALLELISM "parallelism.default"
#define K_SLOTS "taskmanager.numberOfTaskSlots"
#define K_OVERRIDES "pipeline.jobvertex-parallelism-overrides"
#define K_SHUTDOWN_ON_FINISH "execution.shutdown-on-application-finish"
#define K_SUBMIT_FAILED "execution.submit-failed-job-on-application-error"
#define K_PIPELINE_NAME "pipeline.name"
#define K_CP_INTERVAL "execution.checkpointing.interval"
#define K_CP_RETENTION "execution.checkpointing.externalized-checkpoint-retention"
#define K_IGNORE_UNCLAIMED "execution.savepoint.ignore-unclaimed-state"
#define K_MAIN_CLASS "$internal.application.main"
#define K_PROGRAM_ARGS "$internal.application.program-args"
#define K_SAVEPOINT_PATH "execution.savepoint.path"
#define K_JOB_ID "$internal.pipeline.job-id"
#define K_OWNER_REF "kubernetes.jobmanager.owner.reference"
#define K_JM_ANNOTATIONS "kubernetes.jobmanager.annotations"
#define K_JRS_PATH "job-result-store.storage-path"
#define K_JRS_DELETE "job-result-store.delete-on-commit"
#define K_JM_POD_TEMPLATE "kubernetes.pod-template-file.jobmanager"
#define K_TM_POD_TEMPLATE "kubernetes.pod-template-file.taskmanager"
#define GENERATION_ANNOTATION "flinkdeployment.flink.apache.org/generation"

typedef struct role_keys {
    const char *label; /* "JobManager" */
    const char *path;  /* "spec.jobManager" */
    const char *memory, *cpu, *cpu_legacy, *cpu_factor, *memory_factor;
} role_keys;

static const role_keys JM_KEYS = {
    "JobManager",
    "spec.jobManager",
    "jobmanager.memory.process.size",
    "kubernetes.jobmanager.cpu.amount",
    "kubernetes.jobmanager.cpu",
    "kubernetes.jobmanager.cpu.limit-factor",
    "kubernetes.jobmanager.memory.limit-factor",
};
static const role_keys TM_KEYS = {
    "TaskManager",
    "spec.taskManager",
    "taskmanager.memory.process.size",
    "kubernetes.taskmanager.cpu.amount",
    "kubernetes.taskmanager.cpu",
    "kubernetes.taskmanager.cpu.limit-factor",
    "kubernetes.taskmanager.memory.limit-factor",
};

static void set_str(json_t *conf, const char *key, const char *value)
{
    json_object_set_new(conf, key, json_string(value));
}

static void set_default(json_t *conf, const char *key, const char *value)
{
    if (!json_object_get(conf, key))
        set_str(conf, key, value);
}

static void set_double(json_t *conf, const char *key, double d)
{
    char buf[40];
    set_str(conf, key, fo_flink_format_double(d, buf, sizeof buf));
}

static void set_int(json_t *conf, const char *key, long long n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", n);
    set_str(conf, key, buf);
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return false;
    return true;
}

/* ---- resources (reference a.4) ------------------------------------------------------------ */

/* ResourceConfigUtils.hasResourceRequirements: a non-empty requests or limits map. */
static bool has_requirements(const json_t *res)
{
    return json_object_size(json_object_get(res, "requests")) > 0 ||
           json_object_size(json_object_get(res, "limits")) > 0;
}

const json_t *fo_flink_conf_request_or_limit(const json_t *res, const char *key,
                                             const char **section)
{
    const char *from = "requests";
    const json_t *v = json_object_get(json_object_get(res, "requests"), key);
    if (!v || json_is_null(v)) {
        v = json_object_get(json_object_get(res, "limits"), key);
        from = "limits";
    }
    if (section)
        *section = from;
    return json_is_null(v) ? NULL : v;
}

const char *fo_flink_conf_quantity_text(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v))
        return fo_flink_format_double(json_real_value(v), buf, len);
    return NULL;
}

static fo_rc cpu_value(const json_t *v, double *out, const char *field, fo_err *err)
{
    char buf[40];
    const char *t = fo_flink_conf_quantity_text(v, buf, sizeof buf);
    fo_quantity q;
    if (!t || fo_quantity_parse(t, &q, NULL) != FO_OK)
        return fo_err_set(err, FO_EINVAL, "%s: cpu is not a quantity", field);
    double mag = (double)q.units + (double)q.nanos / 1e9;
    *out = q.negative ? -mag : mag;
    return FO_OK;
}

static fo_rc memory_value(const json_t *v, int64_t *out, const char *field, fo_err *err)
{
    char buf[40];
    const char *t = fo_flink_conf_quantity_text(v, buf, sizeof buf);
    if (!t)
        return fo_err_set(err, FO_EINVAL, "%s: memory is not a quantity", field);
    fo_rc rc = fo_flink_memory_parse(t, out, err);
    return rc == FO_OK ? FO_OK : fo_err_wrap(err, "%s", field);
}

static void set_memory(json_t *conf, const char *key, int64_t bytes)
{
    char buf[40];
    set_str(conf, key, fo_flink_memory_format(bytes, buf, sizeof buf));
}

static void set_cpu(json_t *conf, const role_keys *k, double cpu, fo_flink_version v)
{
    set_double(conf, k->cpu, cpu);
    if (v < FO_FLINK_V1_17)
        set_double(conf, k->cpu_legacy, cpu);
}

/* FlinkConfigBuilder.setResourceRequirements. Limit factors are computed from byte counts for
 * memory (Apache divides the quantities' raw numbers, which mixes units: "2048m" would read as
 * 2.048 bytes against a "4Gi" limit); equal for inputs in one syntax. */
static fo_rc apply_requirements(json_t *conf, const json_t *res, const role_keys *k,
                                fo_flink_version v, fo_err *err)
{
    char field[96];
    const char *section;
    const json_t *mem = fo_flink_conf_request_or_limit(res, "memory", &section);
    if (mem) {
        int64_t bytes = 0;
        snprintf(field, sizeof field, "%s.resources.%s.memory", k->path, section);
        if (memory_value(mem, &bytes, field, err) != FO_OK)
            return FO_EINVAL;
        set_memory(conf, k->memory, bytes);
    }
    const json_t *cpu = fo_flink_conf_request_or_limit(res, "cpu", &section);
    if (cpu) {
        double c = 0;
        snprintf(field, sizeof field, "%s.resources.%s.cpu", k->path, section);
        if (cpu_value(cpu, &c, field, err) != FO_OK)
            return FO_EINVAL;
        set_cpu(conf, k, c, v);
    }
    const json_t *req = json_object_get(res, "requests"), *lim = json_object_get(res, "limits");
    const json_t *rc = json_object_get(req, "cpu"), *lc = json_object_get(lim, "cpu");
    double r = 0, l = 0;
    if (rc && lc && cpu_value(rc, &r, "", NULL) == FO_OK && cpu_value(lc, &l, "", NULL) == FO_OK &&
        r > 0)
        set_double(conf, k->cpu_factor, l / r);
    const json_t *rm = json_object_get(req, "memory"), *lm = json_object_get(lim, "memory");
    int64_t rb = 0, lb = 0;
    if (rm && lm && memory_value(rm, &rb, "", NULL) == FO_OK &&
        memory_value(lm, &lb, "", NULL) == FO_OK && rb > 0)
        set_double(conf, k->memory_factor, (double)lb / (double)rb);
    return FO_OK;
}

static fo_rc apply_role(json_t *conf, const fo_flink_role_view *role, const role_keys *k,
                        fo_flink_version v, fo_err *err)
{
    if (!role->raw)
        return FO_OK;
    if (role->resources && has_requirements(role->resources))
        return apply_requirements(conf, role->resources, k, v, err);
    if (role->resource) {
        if (role->memory) {
            int64_t bytes = 0;
            if (fo_flink_memory_parse(role->memory, &bytes, err) != FO_OK)
                return fo_err_wrap(err, "%s.resource.memory", k->path);
            set_memory(conf, k->memory, bytes);
        }
        if (role->has_cpu)
            set_cpu(conf, k, role->cpu, v);
    }
    return FO_OK;
}

/* ---- job ---------------------------------------------------------------------------------- */

/* FlinkConfigBuilder.applyJobConfig, shared by applications and session jobs. */
static void apply_job_config(json_t *conf, const char *name, const fo_flink_job_view *job)
{
    set_default(conf, K_PIPELINE_NAME, name);
    if (job->upgrade_mode == FO_FLINK_UPGRADE_LAST_STATE)
        set_default(conf, K_CP_INTERVAL, "5 min");
    set_default(conf, K_CP_RETENTION, "RETAIN_ON_CANCELLATION");
    if (job->allow_non_restored_state >= 0)
        set_str(conf, K_IGNORE_UNCLAIMED, job->allow_non_restored_state ? "true" : "false");
    if (job->entry_class)
        set_str(conf, K_MAIN_CLASS, job->entry_class);
    /* Apache sets the (possibly empty) list always; an empty list is Flink's default, so
     * flinkop writes the key only when there are arguments. */
    if (job->args && json_array_size(job->args) > 0) {
        char *a = fo_flink_conf_format_list(job->args);
        if (a)
            set_str(conf, K_PROGRAM_ARGS, a);
        free(a);
    }
}

/* An integer option as Flink converts it (Integer.parseInt / Long.parseLong of the trimmed
 * text) within [lo, hi]; false when s is NULL, not a number or out of range. */
static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (errno || !end || end == s || *end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* Largest value of a Flink map option "k1:v1,k2:v2" (pipeline.jobvertex-parallelism-overrides,
 * int values; others are ignored here and fail in Flink). */
static int64_t max_override(const char *map)
{
    int64_t best = 0;
    if (!map)
        return 0;
    const char *p = map;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        if (colon) {
            char num[32];
            size_t vl = n - (size_t)(colon + 1 - p);
            int64_t v = 0;
            if (vl < sizeof num) {
                memcpy(num, colon + 1, vl);
                num[vl] = '\0';
                if (parse_int(num, 0, INT32_MAX, &v) && v > best)
                    best = v;
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return best;
}

/* taskmanager.numberOfTaskSlots, an int option (default 1). */
static fo_rc task_slots(const json_t *conf, int64_t *slots, fo_err *err)
{
    const char *t = fo_json_str(conf, K_SLOTS);
    *slots = 1;
    if (t && !parse_int(t, 1, INT32_MAX, slots))
        return fo_err_set(err, FO_EINVAL,
                          "spec.flinkConfiguration[" K_SLOTS "]: \"%.64s\" is not an integer "
                          "from 1 to %d",
                          t, INT32_MAX);
    return FO_OK;
}

/* FlinkConfigBuilder.getParallelism. Flink's parallelism is an int: replicas x slots beyond
 * that is refused rather than wrapped as Java's int arithmetic would. */
static fo_rc job_parallelism(const fo_flink_view *v, const json_t *conf, int64_t *out, fo_err *err)
{
    if (v->task_manager.has_replicas) {
        int64_t slots = 1;
        if (task_slots(conf, &slots, err) != FO_OK)
            return FO_EINVAL;
        *out = (int64_t)v->task_manager.replicas * slots;
        if (*out > INT32_MAX)
            return fo_err_set(err, FO_EINVAL,
                              "spec.taskManager.replicas: %d replicas x %lld slots is a "
                              "parallelism above %d",
                              v->task_manager.replicas, (long long)slots, INT32_MAX);
        return FO_OK;
    }
    if (v->mode == FO_FLINK_MODE_STANDALONE) {
        int64_t m = max_override(fo_json_str(conf, K_OVERRIDES));
        if (m > 0) {
            *out = m;
            return FO_OK;
        }
    }
    *out = v->job.parallelism;
    return FO_OK;
}

/* Standalone Flink does not know local://: rewrite it to file:// (authority and path kept). */
static char *standalone_jar_uri(const char *jar)
{
    if (strncmp(jar, "local:", 6) != 0) /* URI.getScheme().equals("local"): case-sensitive */
        return strdup(jar);
    const char *rest = jar + 6;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "file:");
    if (strncmp(rest, "//", 2) != 0)
        fo_strbuf_puts(&sb, "//"); /* java.net.URI(scheme, "", path, ...) adds "//" */
    fo_strbuf_puts(&sb, rest);
    return fo_strbuf_take(&sb);
}

static fo_rc apply_job_or_session(json_t *conf, const fo_flink_view *v, fo_err *err)
{
    bool standalone = v->mode == FO_FLINK_MODE_STANDALONE;
    if (v->job.raw) {
        int64_t parallelism = 0;
        if (job_parallelism(v, conf, &parallelism, err) != FO_OK)
            return FO_EINVAL;
        set_str(conf, K_TARGET, "kubernetes-application");
        if (!standalone && v->job.jar_uri)
            set_str(conf, K_JARS, v->job.jar_uri);
        set_int(conf, K_PARALLELISM, (long long)parallelism);
        set_str(conf, K_SHUTDOWN_ON_FINISH, "false");
        set_default(conf, K_SUBMIT_FAILED, "true");
        apply_job_config(conf, v->name, &v->job);
    } else {
        set_str(conf, K_TARGET, "kubernetes-session");
    }
    if (standalone) {
        set_str(conf, K_TARGET, "remote");
        set_str(conf, K_CLUSTER_MODE, v->job.raw ? "APPLICATION" : "SESSION");
        if (v->job.raw && v->job.jar_uri) {
            if (!strchr(v->job.jar_uri, ':'))
                return fo_err_set(err, FO_EINVAL, "spec.job.jarURI: has no scheme");
            char *jar = standalone_jar_uri(v->job.jar_uri);
            if (!jar)
                return fo_err_set(err, FO_ENOMEM, "out of memory");
            set_str(conf, K_CLASSPATHS, jar);
            free(jar);
        }
    }
    return FO_OK;
}

/* ---- deploy-time keys ------------------------------------------------------------------ */

/* FlinkUtils.setGenerationAnnotation: the annotations read as a map, the generation put in,
 * the map written back. False (nothing set) when Flink cannot read the user's value (the
 * validator refuses it). */
static bool set_generation_in_map(json_t *conf, int64_t generation, fo_flink_version v)
{
    json_t *map = NULL;
    if (fo_flink_conf_map(fo_json_str(conf, K_JM_ANNOTATIONS), v, &map, NULL) != FO_OK)
        return false;
    char gen[32];
    snprintf(gen, sizeof gen, "%lld", (long long)generation);
    json_object_set_new(map, GENERATION_ANNOTATION, json_string(gen));
    char *text = fo_flink_conf_map_write(map, v);
    if (text)
        set_str(conf, K_JM_ANNOTATIONS, text);
    free(text);
    json_decref(map);
    return text != NULL;
}

/* Merge the generation into kubernetes.jobmanager.annotations ("k:v,k:v"), replacing an older
 * generation entry (FlinkUtils.setGenerationAnnotation), as text. */
static void set_generation(json_t *conf, int64_t generation)
{
    const char *cur = fo_json_str(conf, K_JM_ANNOTATIONS);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    if (cur) {
        const char *p = cur;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            size_t gl = strlen(GENERATION_ANNOTATION);
            bool is_gen = n > gl && strncmp(p, GENERATION_ANNOTATION, gl) == 0 && p[gl] == ':';
            if (!is_gen && n > 0) {
                if (sb.len)
                    fo_strbuf_puts(&sb, ",");
                fo_strbuf_printf(&sb, "%.*s", (int)n, p);
            }
            p += n;
            if (*p == ',')
                p++;
        }
    }
    if (sb.len)
        fo_strbuf_puts(&sb, ",");
    fo_strbuf_printf(&sb, GENERATION_ANNOTATION ":%lld", (long long)generation);
    set_str(conf, K_JM_ANNOTATIONS, sb.data);
    fo_strbuf_release(&sb);
}

/* ApplicationReconciler.setRandomJobResultStorePath, with the caller's launch id in place of
 * a random UUID (the controller rebuilds the configuration on every pass). */
static void set_job_result_store(json_t *conf, const char *name, const char *id)
{
    static const char *const fallbacks[] = {"high-availability.zookeeper.storageDir",
                                            "recovery.zookeeper.storageDir", NULL};
    const char *dir = fo_flink_conf_get(conf, "high-availability.storageDir", fallbacks);
    if (!dir || !*dir)
        return;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "%.*s/job-result-store/%s/%s", (int)n, dir, name, id);
    set_str(conf, K_JRS_PATH, sb.data);
    fo_strbuf_release(&sb);
    set_default(conf, K_JRS_DELETE, "false");
}

static void apply_deploy_opts(json_t *conf, const fo_flink_view *v, const fo_flink_deploy_opts *o)
{
    if (!o)
        return;
    if (o->savepoint_path)
        set_str(conf, K_SAVEPOINT_PATH, o->savepoint_path);
    else if (!o->keep_user_savepoint_path)
        json_object_del(conf, K_SAVEPOINT_PATH);
    if (o->job_id)
        set_str(conf, K_JOB_ID, o->job_id);
    if (o->owner_reference)
        set_str(conf, K_OWNER_REF, o->owner_reference);
    bool in_map = o->generation > 0 && o->generation_in_flink_map &&
                  set_generation_in_map(conf, o->generation, v->flink_version);
    if (o->generation > 0 && !in_map)
        set_generation(conf, o->generation);
    if (o->job_result_store_id && *o->job_result_store_id && v->job.raw)
        set_job_result_store(conf, v->name, o->job_result_store_id);
    if (o->jm_pod_template_file)
        set_str(conf, K_JM_POD_TEMPLATE, o->jm_pod_template_file);
    if (o->tm_pod_template_file)
        set_str(conf, K_TM_POD_TEMPLATE, o->tm_pod_template_file);
}

/* ---- entry points ------------------------------------------------------------------------- */

json_t *fo_flink_conf_build(const json_t *obj, const json_t *defaults,
                            const fo_flink_deploy_opts *opts, fo_err *err)
{
    fo_flink_view v;
    json_t *conf = NULL, *user = NULL;
    if (fo_flink_view_init(&v, obj, NULL) != FO_OK) {
        fo_err_set(err, FO_EINVAL, "not a FlinkDeployment with a spec");
        return NULL;
    }
    if (!v.name || !v.namespace_) {
        fo_err_set(err, FO_EINVAL, "metadata.name and metadata.namespace are required");
        return NULL;
    }
    if (v.flink_version == FO_FLINK_VERSION_UNKNOWN) {
        fo_err_set(err, FO_EINVAL, "spec.flinkVersion: missing or unknown");
        return NULL;
    }
    conf = json_is_object(defaults) ? fo_json_copy(defaults) : json_object();
    user = fo_flink_conf_flatten(v.flink_configuration, err);
    if (!conf || !user)
        goto fail;

    /* applyFlinkConfiguration */
    fo_flink_conf_overlay(conf, user);
    set_default(conf, K_REST_TYPE, "ClusterIP");
    set_default(conf, K_WEB_CANCEL, "false");
    set_str(conf, K_FLINK_VERSION, fo_flink_version_name(v.flink_version));

    /* applyImage, applyImagePullPolicy, applyServiceAccount */
    if (!blank(v.image))
        set_str(conf, v.flink_version >= FO_FLINK_V1_17 ? K_IMAGE : K_IMAGE_LEGACY, v.image);
    if (!blank(v.image_pull_policy)) {
        bool ok = false;
        for (size_t i = 0; fo_flink_pull_policy_names[i]; i++)
            ok = ok || strcmp(v.image_pull_policy, fo_flink_pull_policy_names[i]) == 0;
        if (!ok) {
            fo_err_set(err, FO_EINVAL,
                       "spec.imagePullPolicy: \"%s\" is not one of Always, IfNotPresent, Never",
                       v.image_pull_policy);
            goto fail;
        }
        set_str(conf, K_PULL_POLICY, v.image_pull_policy);
    }
    if (v.service_account)
        set_str(conf, K_SERVICE_ACCOUNT, v.service_account);

    /* applyJobManagerSpec, applyTaskManagerSpec */
    if (apply_role(conf, &v.job_manager, &JM_KEYS, v.flink_version, err) != FO_OK)
        goto fail;
    if (v.job_manager.raw && v.job_manager.replicas > 0)
        set_int(conf, K_JM_REPLICAS, v.job_manager.replicas);
    if (apply_role(conf, &v.task_manager, &TM_KEYS, v.flink_version, err) != FO_OK)
        goto fail;
    if (v.task_manager.has_replicas && v.task_manager.replicas > 0)
        set_int(conf, K_TM_REPLICAS, v.task_manager.replicas);
    if (v.job.raw && v.mode == FO_FLINK_MODE_STANDALONE && !json_object_get(conf, K_TM_REPLICAS)) {
        int64_t slots = 1, p = 0;
        if (task_slots(conf, &slots, err) != FO_OK || job_parallelism(&v, conf, &p, err) != FO_OK)
            goto fail;
        set_int(conf, K_TM_REPLICAS, (long long)((p + slots - 1) / slots));
    }

    /* applyJobOrSessionSpec */
    if (apply_job_or_session(conf, &v, err) != FO_OK)
        goto fail;

    /* build(): the operator owns these keys (hence the validator's forbidden-key rule). */
    set_str(conf, K_NAMESPACE, v.namespace_);
    set_str(conf, K_CLUSTER_ID, v.name);
    if (fo_flink_ha_enabled(conf))
        set_str(conf, K_HA_CLUSTER_ID, v.name);

    apply_deploy_opts(conf, &v, opts);
    json_decref(user);
    return conf;
fail:
    json_decref(user);
    json_decref(conf);
    return NULL;
}

json_t *fo_flink_conf_build_session_job(const json_t *session_job, const json_t *cluster_conf,
                                        fo_err *err)
{
    fo_flink_view v;
    if (fo_flink_view_init(&v, session_job, NULL) != FO_OK || !v.name) {
        fo_err_set(err, FO_EINVAL, "not a FlinkSessionJob with a name and a spec");
        return NULL;
    }
    json_t *conf = json_is_object(cluster_conf) ? fo_json_copy(cluster_conf) : json_object();
    json_t *user = fo_flink_conf_flatten(v.flink_configuration, err);
    if (!conf || !user) {
        json_decref(conf);
        json_decref(user);
        return NULL;
    }
    fo_flink_conf_overlay(conf, user);
    json_decref(user);
    if (v.job.raw)
        apply_job_config(conf, v.name, &v.job);
    return conf;
}

bool fo_flink_conf_port_parse(const char *text, int *port)
{
    int64_t p = 0;
    /* Flink reads an int option with Integer.parseInt: an optional sign, then digits, with
     * nothing around them (strtoll in parse_int would skip any leading white space). */
    if (!text || !*text || !(isdigit((unsigned char)text[0]) || text[0] == '+') ||
        !isdigit((unsigned char)text[strlen(text) - 1]))
        return false;
    if (!parse_int(text, 1, 65535, &p))
        return false;
    if (port)
        *port = (int)p;
    return true;
}

/* A single fixed port (Flink's KubernetesUtils.parsePort is not 0 for it). */
static bool fixed_port(const char *v)
{
    return fo_flink_conf_port_parse(v, NULL);
}

int fo_flink_conf_rest_port(const json_t *conf)
{
    int port = FO_FLINK_REST_PORT_DEFAULT;
    const char *v = fo_json_str(conf, "rest.port");
    return v && fo_flink_conf_port_parse(v, &port) ? port : FO_FLINK_REST_PORT_DEFAULT;
}

int fo_flink_conf_rest_bind_port(const json_t *conf)
{
    const char *v = fo_json_str(conf, "rest.bind-port");
    int port = 0;
    if (!v)
        return fo_flink_conf_rest_port(conf);
    /* as pin_port writes it into the ConfigMap (KubernetesClusterDescriptor: a fixed port) */
    return fo_flink_conf_port_parse(v, &port) ? port : FO_FLINK_REST_PORT_DEFAULT;
}

static void pin_port(json_t *conf, const char *key, const char *port, bool only_if_set)
{
    const char *v = fo_json_str(conf, key);
    if ((!v && only_if_set) || (v && fixed_port(v)))
        return;
    set_str(conf, key, port);
}

json_t *fo_flink_conf_cluster_side(const json_t *effective)
{
    json_t *out = json_object();
    if (!out || !json_is_object(effective))
        return out;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)effective, k, val)
    {
        if (strncmp(k, "kubernetes.operator.", 20) == 0 || strncmp(k, "job.autoscaler.", 15) == 0 ||
            strcmp(k, "kubernetes.config.file") == 0 ||
            strcmp(k, "$internal.deployment.config-dir") == 0)
            continue;
        json_object_set(out, k, val);
    }
    /* KubernetesClusterDescriptor: the ports the Services expose must be fixed. */
    pin_port(out, "blob.server.port", "6124", false);
    pin_port(out, "taskmanager.rpc.port", "6122", false);
    pin_port(out, "rest.bind-port", "8081", true);
    if (fo_flink_ha_enabled(out)) {
        const char *rpc = fo_json_str(out, "jobmanager.rpc.port");
        pin_port(out, "high-availability.jobmanager.port", rpc && fixed_port(rpc) ? rpc : "6123",
                 false);
    } else {
        const char *id = fo_json_str(out, K_CLUSTER_ID), *ns = fo_json_str(out, K_NAMESPACE);
        if (id && ns) {
            char addr[512];
            snprintf(addr, sizeof addr, "%s.%s", id, ns);
            set_str(out, "jobmanager.rpc.address", addr);
        }
    }
    return out;
}

char *fo_flink_conf_owner_reference(const json_t *obj)
{
    const char *name = fo_json_get_str(obj, "metadata.name");
    const char *uid = fo_json_get_str(obj, "metadata.uid");
    const char *api = fo_json_str(obj, "apiVersion");
    const char *kind = fo_json_str(obj, "kind");
    if (!name || !uid)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    /* Keys in sorted order so the text is stable (Apache's Map.of has no order). */
    fo_strbuf_printf(&sb,
                     "apiVersion:%s,blockOwnerDeletion:true,controller:false,kind:%s,"
                     "name:%s,uid:%s",
                     api ? api : FO_FLINK_API_VERSION, kind ? kind : FO_FLINK_KIND_DEPLOYMENT, name,
                     uid);
    return fo_strbuf_take(&sb);
}
