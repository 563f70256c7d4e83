/* FlinkDeployment validation: every rule of reference b.3 in its order (DefaultValidator.
 * validateDeployment), reporting every error instead of the first, each at the field it is
 * about, with the Apache operator's wording kept in the detail so users find it. */
#include "common/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/flink_conf.h"
#include "common/flink_memory_model.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "common/quantity.h"
#include "common/validate_common.h"

#define ROLLBACK_ENABLED "kubernetes.operator.deployment.rollback.enabled"
#define HEALTH_CHECK_ENABLED "kubernetes.operator.cluster.health-check.enabled"
#define JM_RECOVERY_ENABLED "kubernetes.operator.jm-deployment-recovery.enabled"

static const char *const forbidden_keys[] = {"kubernetes.namespace", "kubernetes.cluster-id",
                                             "high-availability.cluster-id", NULL};
static const char *const log_config_keys[] = {"log4j-console.properties", "logback-console.xml",
                                              NULL};

bool fo_validate_is_canary(const json_t *obj)
{
    return fo_flink_is_canary(obj);
}

/* ---- b.3 items 1-3 ------------------------------------------------------------------------ */

static void check_name(const fo_flink_view *v, fo_field_errors *errs)
{
    if (!v->name || !*v->name) {
        /* generateName is resolved before validating admission; a real request has a name. */
        fo_field_errors_add(errs, FO_FE_REQUIRED, "metadata.name", NULL, "name is required");
        return;
    }
    if (!fo_flink_name_is_valid(v->name)) {
        char msg[512];
        fo_field_errors_add(errs, FO_FE_INVALID, "metadata.name", v->name, "%s",
                            fo_validate_name_message(msg, sizeof msg, v->name));
    }
}

static void check_version(const fo_flink_view *v, const json_t *last, fo_field_errors *errs)
{
    if (!v->flink_version_text) {
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.flinkVersion", NULL,
                            "Flink Version must be defined.");
        return;
    }
    if (v->flink_version == FO_FLINK_VERSION_UNKNOWN) {
        /* the values worth naming are the supported ones (the enum still knows older names,
         * which get the "not supported" message below) */
        const char *supported[64];
        size_t n = 0;
        for (size_t i = 0; fo_flink_version_names[i] && n + 1 < 64; i++)
            if (fo_flink_version_is_supported(fo_flink_version_parse(fo_flink_version_names[i])))
                supported[n++] = fo_flink_version_names[i];
        supported[n] = NULL;
        fo_field_errors_add_unsupported(errs, "spec.flinkVersion", v->flink_version_text,
                                        supported);
        return;
    }
    if (!fo_flink_version_is_supported(v->flink_version)) {
        fo_field_errors_add(errs, FO_FE_INVALID, "spec.flinkVersion", v->flink_version_text,
                            "Flink version %s is not supported by this operator version",
                            v->flink_version_text);
        return;
    }
    if (fo_flink_version_is_deprecated(v->flink_version))
        fo_field_errors_warn(errs,
                             "spec.flinkVersion: Flink version %s is deprecated and will not be "
                             "supported by a future operator version",
                             v->flink_version_text);

    /* Item 3: HA metadata is not portable across Flink minors, so a job suspended with
     * last-state must come back on the version it was suspended with. */
    if (!last || !v->job.raw || v->job.upgrade_mode == FO_FLINK_UPGRADE_STATELESS)
        return;
    fo_flink_view old;
    if (fo_flink_view_init_spec(&old, last, FO_FLINK_DEPLOYMENT, NULL) != FO_OK || !old.job.raw)
        return;
    if (old.job.state == FO_FLINK_JOB_SUSPENDED &&
        old.job.upgrade_mode == FO_FLINK_UPGRADE_LAST_STATE &&
        old.flink_version != v->flink_version)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "spec.flinkVersion", NULL,
                            "Changing flinkVersion after last-state suspend is not allowed. "
                            "Restore your cluster with the current flinkVersion and perform the "
                            "version upgrade afterwards.");
}

/* ---- b.3 items 4-6 ------------------------------------------------------------------------ */

/* A boolean option under key, else its deprecated keys (NULL-terminated, may be NULL), as
 * Flink's Configuration.get reads them; a bad value is reported at the key it was written
 * under. */
static void check_bool_key(const json_t *conf, const char *key, const char *const *deprecated,
                           bool dflt, bool *out, fo_field_errors *errs)
{
    const char *at = key;
    const char *t = fo_json_str(conf, key);
    for (size_t i = 0; !t && deprecated && deprecated[i]; i++)
        if ((t = fo_json_str(conf, deprecated[i])) != NULL)
            at = deprecated[i];
    *out = dflt;
    if (t && !fo_flink_parse_bool(t, out)) {
        char field[FO_VALIDATE_FIELD_MAX];
        fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, at), t,
                            "must be true or false");
        *out = dflt;
    }
}

/* KubernetesOperatorConfigOptions.OPERATOR_JM_DEPLOYMENT_RECOVERY_ENABLED's deprecated key. */
static const char *const jm_recovery_deprecated[] = {
    "kubernetes.operator.reconciler.jm-deployment-recovery.enabled", NULL};

static void check_config(const json_t *conf, fo_field_errors *errs)
{
    char field[FO_VALIDATE_FIELD_MAX];
    for (size_t i = 0; forbidden_keys[i]; i++)
        if (json_object_get(conf, forbidden_keys[i]))
            fo_field_errors_add(errs, FO_FE_FORBIDDEN,
                                fo_validate_conf_field(field, forbidden_keys[i]), NULL,
                                "Forbidden Flink config key: %s", forbidden_keys[i]);

    bool rollback, health, recovery;
    check_bool_key(conf, ROLLBACK_ENABLED, NULL, false, &rollback, errs);
    if (rollback && !fo_flink_ha_enabled(conf))
        fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, ROLLBACK_ENABLED),
                            "true", "HA must be enabled for rollback support.");
    check_bool_key(conf, HEALTH_CHECK_ENABLED, NULL, false, &health, errs);
    check_bool_key(conf, JM_RECOVERY_ENABLED, jm_recovery_deprecated, true, &recovery, errs);
    if (health && !recovery)
        fo_field_errors_add(errs, FO_FE_INVALID,
                            fo_validate_conf_field(field, HEALTH_CHECK_ENABLED), "true",
                            "Deployment recovery (" JM_RECOVERY_ENABLED ") must be enabled for "
                            "job health check (" HEALTH_CHECK_ENABLED ") support.");
}

/* Not an Apache rule: Flink's Kubernetes pod options that Flink refuses, or turns into a pod the
 * API server refuses, fail only at deploy time there, after the old cluster is gone. flinkop
 * builds those pods itself with the same reading (common/flink_conf_pods.c) and refuses the
 * spec first. */
static void check_pod_options(const fo_flink_view *v, const json_t *conf, fo_field_errors *errs)
{
    static const struct {
        const char *key;
        fo_rc (*read)(const char *value, fo_flink_version v, json_t **out, fo_err *err);
    } options[] = {
        {"kubernetes.jobmanager.tolerations", fo_flink_conf_tolerations},
        {"kubernetes.taskmanager.tolerations", fo_flink_conf_tolerations},
        {"kubernetes.env.secretKeyRef", fo_flink_conf_secret_env},
        {"kubernetes.secrets", fo_flink_conf_secret_mounts},
    };
    char field[FO_VALIDATE_FIELD_MAX];
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const char *value = fo_json_str(conf, options[i].key);
        if (!value || !*value)
            continue;
        json_t *out = NULL;
        fo_err err;
        fo_err_clear(&err);
        if (options[i].read(value, v->flink_version, &out, &err) != FO_OK)
            fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, options[i].key),
                                value, "%s", err.message);
        json_decref(out);
    }
    bool hadoop_conf;
    check_bool_key(conf, "kubernetes.decorator.hadoop-conf-mount.enabled", NULL, true,
                   &hadoop_conf, errs);
    /* Enums Flink reads in any case (ConfigurationUtils.convertToEnum) and flinkop writes into
     * the Service and the containers in the API server's spelling; another value is refused
     * by the API server in the middle of a deploy. */
    static const struct {
        const char *key;
        const char *const *names;
        const char *listed;
    } enums[] = {
        {"kubernetes.rest-service.exposed.type", fo_flink_service_exposed_types,
         "ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP"},
        {"kubernetes.container.image.pull-policy", fo_flink_pull_policy_names,
         "Always, IfNotPresent, Never"},
    };
    for (size_t i = 0; i < sizeof enums / sizeof *enums; i++) {
        const char *value = fo_json_str(conf, enums[i].key);
        if (!value || !*value)
            continue;
        bool known = false;
        for (size_t j = 0; enums[i].names[j] && !known; j++)
            known = strcasecmp(value, enums[i].names[j]) == 0;
        if (!known)
            fo_field_errors_add(errs, FO_FE_UNSUPPORTED,
                                fo_validate_conf_field(field, enums[i].key), value,
                                "supported values (any case): %s", enums[i].listed);
    }
}

/* Not an Apache rule either: Flink's map options, read as Flink reads them (and flinkop from
 * rendering level 3 on). A value Flink cannot read, or labels, node selectors and annotation
 * keys the API server refuses, fail at deploy time otherwise: a JobManager Deployment refused
 * after the old cluster is gone, TaskManager pods Flink cannot create. */
static void check_map_options(const fo_flink_view *v, const json_t *conf, fo_field_errors *errs)
{
    static const struct {
        const char *key;
        bool labels; /* else annotations */
    } maps[] = {
        {"kubernetes.jobmanager.labels", true},
        {"kubernetes.taskmanager.labels", true},
        {"kubernetes.jobmanager.node-selector", true},
        {"kubernetes.taskmanager.node-selector", true},
        {"kubernetes.jobmanager.annotations", false},
        {"kubernetes.taskmanager.annotations", false},
        {"kubernetes.rest-service.annotations", false},
    };
    char field[FO_VALIDATE_FIELD_MAX];
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) {
        const char *value = fo_json_str(conf, maps[i].key);
        if (!value || !*value)
            continue;
        json_t *map = NULL;
        fo_err err;
        fo_err_clear(&err);
        if (fo_flink_conf_map(value, v->flink_version, &map, &err) != FO_OK) {
            fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, maps[i].key),
                                value, "%s", err.message);
            continue;
        }
        const char *k;
        json_t *x;
        json_object_foreach(map, k, x)
        {
            const char *s = json_string_value(x);
            /* ValidateAnnotations checks the key in lower case */
            char lower[320];
            snprintf(lower, sizeof lower, "%s", k);
            for (char *c = lower; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            const char *why = NULL;
            if (maps[i].labels && !fo_label_key_valid(k))
                why = "is not a valid label key";
            else if (maps[i].labels && !fo_label_value_valid(s))
                why = "has a value that is not a valid label value";
            else if (!maps[i].labels && (strlen(k) >= sizeof lower || !fo_label_key_valid(lower)))
                why = "is not a valid annotation key";
            if (why) {
                fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, maps[i].key),
                                    value, "\"%.100s\" %s (as Flink reads the value)", k, why);
                break;
            }
        }
        json_decref(map);
    }
}

/* Not an Apache rule: rest.port (RestOptions.PORT, an int) is the port of the cluster's REST
 * Service, its Ingress backend and the JobManager's container, and the port the controller
 * connects to. A value that is no port 1-65535 fails in Flink at deploy time (not an int), or
 * gives a Service the API server refuses, after the old cluster is gone. */
static void check_rest_port(const json_t *conf, fo_field_errors *errs)
{
    const char *value = fo_json_str(conf, "rest.port");
    if (!value || fo_flink_conf_port_parse(value, NULL))
        return;
    char field[FO_VALIDATE_FIELD_MAX];
    fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, "rest.port"), value,
                        "must be a port number from 1 to 65535");
}

/* ---- b.3 items 7-8 ------------------------------------------------------------------------ */

/* IngressUtils.getIngressUrl: prefix http:// unless there is an http(s) scheme, substitute
 * {{name}}/{{namespace}} (any case), parse as a URL. java.net.URL only really fails on the
 * port, so that is what is checked. */
static void check_ingress(const fo_flink_view *v, fo_field_errors *errs)
{
    if (!v->ingress)
        return;
    const json_t *tmpl = json_object_get(v->ingress, "template");
    if (!tmpl || json_is_null(tmpl)) {
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.ingress.template", NULL,
                            "Ingress template must be defined");
        return;
    }
    if (!json_is_string(tmpl)) {
        fo_field_errors_add_json(errs, FO_FE_INVALID, "spec.ingress.template", tmpl,
                                 "must be a string");
        return;
    }
    const char *t = json_string_value(tmpl);
    const char *p = t;
    if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    /* authority = up to the first '/', '?' or '#'; host[:port] after any userinfo. */
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < p + alen; q++)
        if (*q == '@')
            at = q;
    const char *host = at ? at + 1 : p;
    const char *end = p + alen;
    const char *colon = NULL;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        colon = close && close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(host, ':', (size_t)(end - host));
    }
    if (!colon)
        return;
    /* A port must be digits; a {{name}} placeholder there cannot become digits either. */
    const char *port = colon + 1;
    size_t plen = (size_t)(end - port);
    bool ok = plen <= 9;
    for (size_t i = 0; ok && i < plen; i++)
        ok = isdigit((unsigned char)port[i]);
    if (!ok)
        fo_field_errors_add(errs, FO_FE_INVALID, "spec.ingress.template", t,
                            "Unable to process the Ingress template(%s). Error: Error at index 0 "
                            "in: \"%.*s\" (the port after the host must be a number)",
                            t, (int)plen, port);
}

static void check_log_config(const fo_flink_view *v, fo_field_errors *errs)
{
    if (!v->log_configuration)
        return;
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)v->log_configuration, key, val)
    {
        bool allowed = false;
        for (size_t i = 0; log_config_keys[i]; i++)
            allowed = allowed || strcmp(key, log_config_keys[i]) == 0;
        if (!allowed) {
            fo_field_errors_add(errs, FO_FE_INVALID, "spec.logConfiguration", key,
                                "Invalid log config key: %s. Allowed keys are [%s, %s]", key,
                                log_config_keys[0], log_config_keys[1]);
        } else if (!json_is_string(val) && !json_is_null(val)) {
            char field[FO_VALIDATE_FIELD_MAX];
            snprintf(field, sizeof field, "spec.logConfiguration[%s]", key);
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, val, "must be a string");
        }
    }
}

/* ---- b.3 items 10-11: JobManager / TaskManager ------------------------------------------- */

typedef struct role_rules {
    const char *label;              /* "JobManager" */
    const char *path;               /* "spec.jobManager" */
    const char *const *memory_keys; /* any one of these (parsing) defines the memory */
    const char *const *memory_pair; /* or both of these */
    fo_flink_memory_process process;
} role_rules;

static const char *const jm_memory_keys[] = {
    "jobmanager.memory.process.size", "jobmanager.memory.flink.size", "jobmanager.memory.heap.size",
    "jobmanager.heap.size",           "jobmanager.heap.mb",           NULL};
static const char *const tm_memory_keys[] = {"taskmanager.memory.process.size",
                                             "taskmanager.memory.flink.size",
                                             "taskmanager.heap.size", "taskmanager.heap.mb", NULL};
static const char *const tm_memory_pair[] = {"taskmanager.memory.task.heap.size",
                                             "taskmanager.memory.managed.size", NULL};

static const role_rules JM = {"JobManager", "spec.jobManager", jm_memory_keys, NULL,
                              FO_FLINK_MEMORY_JOBMANAGER};
static const role_rules TM = {"TaskManager", "spec.taskManager", tm_memory_keys, tm_memory_pair,
                              FO_FLINK_MEMORY_TASKMANAGER};

/* A Flink memory key of the effective configuration: 0 absent, 1 parses, -1 bad (reported). */
static int conf_memory(const json_t *conf, const char *key, fo_field_errors *errs)
{
    const char *t = fo_json_str(conf, key);
    if (!t)
        return 0;
    int64_t bytes = 0;
    fo_err err;
    fo_err_clear(&err);
    /* (The legacy *.heap.mb keys hold a bare number, which this syntax also reads.) */
    if (fo_flink_memory_parse_flink(t, &bytes, &err) == FO_OK)
        return 1;
    char field[FO_VALIDATE_FIELD_MAX];
    fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, key), t, "%s",
                        err.message);
    return -1;
}

/* Validate one requests/limits map; keep the parsed cpu and memory for the request <= limit
 * check. */
static void check_quantities(const role_rules *r, const char *section, const json_t *map,
                             fo_field_errors *errs, bool *has_cpu, fo_quantity *cpu, bool *has_mem,
                             int64_t *mem)
{
    *has_cpu = *has_mem = false;
    if (!map || json_is_null(map))
        return;
    char field[FO_VALIDATE_FIELD_MAX];
    if (!json_is_object(map)) {
        snprintf(field, sizeof field, "%s.resources.%s", r->path, section);
        fo_field_errors_add_json(errs, FO_FE_INVALID, field, map, "must be an object");
        return;
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)map, key, val)
    {
        if (json_is_null(val))
            continue;
        snprintf(field, sizeof field, "%s.resources.%s[%s]", r->path, section, key);
        char buf[40];
        const char *t = fo_flink_conf_quantity_text(val, buf, sizeof buf);
        fo_err err;
        fo_err_clear(&err);
        if (!t) {
            fo_field_errors_add_json(errs, FO_FE_INVALID, field, val,
                                     "%s resource requirements %s %s parse error: not a quantity",
                                     r->label, section, key);
        } else if (strcmp(key, "memory") == 0) {
            int64_t bytes = 0;
            if (fo_flink_memory_parse(t, &bytes, &err) != FO_OK)
                fo_field_errors_add(errs, FO_FE_INVALID, field, t,
                                    "%s resource requirements %s memory parse error: %s", r->label,
                                    section, err.message);
            else if (bytes <= 0)
                fo_field_errors_add(errs, FO_FE_INVALID, field, t,
                                    "%s resource requirements %s memory must be positive: %s",
                                    r->label, section, t);
            else {
                *has_mem = true;
                *mem = bytes;
            }
        } else {
            fo_quantity q;
            bool is_cpu = strcmp(key, "cpu") == 0;
            if (fo_quantity_parse(t, &q, &err) != FO_OK)
                fo_field_errors_add(errs, FO_FE_INVALID, field, t,
                                    "%s resource requirements %s %s parse error: %s", r->label,
                                    section, key, err.message);
            else if (is_cpu && (q.negative || (q.units == 0 && q.nanos == 0)))
                fo_field_errors_add(errs, FO_FE_INVALID, field, t,
                                    "%s resource requirements %s cpu must be positive: %s",
                                    r->label, section, t);
            else if (!is_cpu && q.negative)
                fo_field_errors_add(errs, FO_FE_INVALID, field, t,
                                    "%s resource requirements %s %s must not be negative: %s",
                                    r->label, section, key, t);
            else if (is_cpu) {
                *has_cpu = true;
                *cpu = q;
            }
        }
    }
}

/* "<role> resource requirements <what> request (4Gi) must not exceed its limit (2Gi)" */
static void over_limit(const role_rules *r, const json_t *res, const char *what,
                       fo_field_errors *errs)
{
    char field[FO_VALIDATE_FIELD_MAX], b1[40], b2[40];
    const json_t *req = json_object_get(json_object_get(res, "requests"), what);
    const json_t *lim = json_object_get(json_object_get(res, "limits"), what);
    const char *rt = fo_flink_conf_quantity_text(req, b1, sizeof b1);
    const char *lt = fo_flink_conf_quantity_text(lim, b2, sizeof b2);
    snprintf(field, sizeof field, "%s.resources.requests[%s]", r->path, what);
    fo_field_errors_add(errs, FO_FE_INVALID, field, rt,
                        "%s resource requirements %s request (%s) must not exceed its limit (%s)",
                        r->label, what, rt, lt);
}

static void check_requirements(const role_rules *r, const json_t *res, fo_field_errors *errs)
{
    bool rc, rm, lc, lm;
    fo_quantity rcpu, lcpu;
    int64_t rmem = 0, lmem = 0;
    check_quantities(r, "requests", json_object_get(res, "requests"), errs, &rc, &rcpu, &rm, &rmem);
    check_quantities(r, "limits", json_object_get(res, "limits"), errs, &lc, &lcpu, &lm, &lmem);
    if (rc && lc && fo_quantity_cmp(&rcpu, &lcpu) > 0)
        over_limit(r, res, "cpu", errs);
    if (rm && lm && rmem > lmem)
        over_limit(r, res, "memory", errs);
}

/* The process size the spec gives a role (what the configuration builder writes to
 * <role>.memory.process.size), the field it comes from and its text: false when the spec
 * gives none (resources with requests or limits win over resource, as in the builder) or it
 * cannot be read (reported by the rules above). */
static bool spec_process_bytes(const role_rules *r, const fo_flink_role_view *role, char *field,
                               char *text, size_t text_len, int64_t *bytes)
{
    const json_t *res = role->resources;
    const char *t = NULL, *section = NULL;
    if (json_object_size(json_object_get(res, "requests")) ||
        json_object_size(json_object_get(res, "limits"))) {
        t = fo_flink_conf_quantity_text(fo_flink_conf_request_or_limit(res, "memory", &section),
                                        text, text_len);
        snprintf(field, FO_VALIDATE_FIELD_MAX, "%s.resources.%s.memory", r->path, section);
    } else if (role->resource) {
        t = role->memory;
        snprintf(field, FO_VALIDATE_FIELD_MAX, "%s.resource.memory", r->path);
    }
    if (!t || fo_flink_memory_parse(t, bytes, NULL) != FO_OK || *bytes < 0)
        return false;
    if (t != text)
        snprintf(text, text_len, "%s", t);
    return true;
}

/* Not an Apache rule: Flink's own memory derivation, which refuses to start a JobManager or
 * TaskManager whose sizes do not fit together (a 768m TaskManager, a 512m JobManager). The
 * Apache operator deploys such a spec and the pods exit at start; flinkop says why at apply. */
static void check_memory_model(const role_rules *r, const fo_flink_role_view *role,
                               const json_t *conf, const fo_flink_memory_opts *deployment,
                               fo_field_errors *errs)
{
    char field[FO_VALIDATE_FIELD_MAX], text[64];
    fo_flink_memory_opts opts = *deployment;
    opts.process_given =
        spec_process_bytes(r, role, field, text, sizeof text, &opts.process_bytes);
    const char *blame = NULL;
    fo_err err;
    if (fo_flink_memory_derive(conf, r->process, &opts, NULL, &blame, &err) != FO_EINVAL)
        return;
    const char *process_key = fo_flink_memory_process_key(r->process);
    if (!blame)
        blame = process_key;
    if (opts.process_given && strcmp(blame, process_key) == 0) {
        fo_field_errors_add(errs, FO_FE_INVALID, field, text, "%s", err.message);
        return;
    }
    if (!fo_json_str(conf, blame)) { /* nothing sizes the process (resource.memory is ignored
                                        beside resources with requests or limits) */
        snprintf(field, sizeof field, "%s.resources.requests.memory", r->path);
        fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL, "%s", err.message);
        return;
    }
    fo_field_errors_add(errs, FO_FE_INVALID, fo_validate_conf_field(field, blame),
                        fo_json_str(conf, blame), "%s", err.message);
}

static void check_role_fields(const role_rules *r, const fo_flink_role_view *role,
                              const json_t *conf, fo_field_errors *errs)
{
    char field[FO_VALIDATE_FIELD_MAX];
    bool defined = role->raw && (!fo_validate_blank(role->memory) ||
                                 fo_flink_conf_request_or_limit(role->resources, "memory", NULL));
    if (!defined) {
        bool from_conf = false;
        for (size_t i = 0; r->memory_keys[i]; i++)
            from_conf |= conf_memory(conf, r->memory_keys[i], errs) > 0;
        if (r->memory_pair) {
            int a = conf_memory(conf, r->memory_pair[0], errs);
            int b = conf_memory(conf, r->memory_pair[1], errs);
            from_conf |= a > 0 && b > 0;
        }
        if (!from_conf) {
            snprintf(field, sizeof field, "%s.resources.requests[memory]", r->path);
            fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL,
                                "%s resource memory must be defined using `%s.resource.memory` "
                                "or `%s.resources.requests.memory`",
                                r->label, r->path, r->path);
        }
    }
    if (!role->raw)
        return;

    fo_err err;
    if (role->memory) {
        int64_t bytes = 0;
        fo_err_clear(&err);
        if (fo_flink_memory_parse(role->memory, &bytes, &err) != FO_OK || bytes < 0) {
            /* a negative quantity is no Flink MemorySize: Apache's parse error too */
            snprintf(field, sizeof field, "%s.resource.memory", r->path);
            fo_field_errors_add(errs, FO_FE_INVALID, field, role->memory,
                                "%s resource memory parse error: %s", r->label,
                                bytes < 0 ? "memory size must not be negative" : err.message);
        }
    }
    if (role->ephemeral_storage) {
        fo_quantity q;
        fo_err_clear(&err);
        if (fo_quantity_parse(role->ephemeral_storage, &q, &err) != FO_OK) {
            snprintf(field, sizeof field, "%s.resource.ephemeralStorage", r->path);
            fo_field_errors_add(errs, FO_FE_INVALID, field, role->ephemeral_storage,
                                "%s resource ephemeral storage parse error: %s", r->label,
                                err.message);
        }
    }
    if (role->resources) {
        check_requirements(r, role->resources, errs);
        if (role->resource && (json_object_size(json_object_get(role->resources, "requests")) ||
                               json_object_size(json_object_get(role->resources, "limits"))))
            fo_field_errors_warn(errs,
                                 "%s.resource: deprecated; resources is set too and takes "
                                 "precedence (resource must still be valid)",
                                 r->path);
    }
}

/* The role's memory and resources; Flink's memory model only when they are readable. */
static void check_role(const role_rules *r, const fo_flink_role_view *role, const json_t *conf,
                       const fo_flink_memory_opts *memory, fo_field_errors *errs)
{
    size_t errors_before = fo_field_errors_count(errs);
    check_role_fields(r, role, conf, errs);
    if (fo_field_errors_count(errs) == errors_before)
        check_memory_model(r, role, conf, memory, errs);
}

static void check_replicas(const fo_flink_view *v, const json_t *conf, fo_field_errors *errs)
{
    const fo_flink_role_view *jm = &v->job_manager, *tm = &v->task_manager;
    if (jm->raw) {
        if (jm->replicas < 1)
            fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.jobManager.replicas", jm->replicas,
                                    "JobManager replicas should not be configured less than one.");
        else if (jm->replicas > 1 && !fo_flink_ha_enabled(conf))
            fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.jobManager.replicas", jm->replicas,
                                    "High availability should be enabled when starting standby "
                                    "JobManagers.");
    }
    /* For applications the job rule already reported this field. */
    if (tm->raw && tm->has_replicas && tm->replicas < 1 && !v->job.raw)
        fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.taskManager.replicas", tm->replicas,
                                "TaskManager replicas should not be configured less than one.");
}

/* ---- b.3 item 12: changes against the last reconciled spec ------------------------------- */

static void check_spec_change(const fo_flink_view *v, const json_t *last, fo_field_errors *errs)
{
    if (!last)
        return;
    fo_flink_view old;
    if (fo_flink_view_init_spec(&old, last, FO_FLINK_DEPLOYMENT, NULL) != FO_OK)
        return;
    if (v->job.raw && !old.job.raw)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "spec.job", NULL,
                            "Cannot switch from session to job cluster");
    if (!v->job.raw && old.job.raw)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "spec.job", NULL,
                            "Cannot switch from job to session cluster");
    if (v->mode != FO_FLINK_MODE_INVALID && old.mode != FO_FLINK_MODE_INVALID &&
        v->mode != old.mode)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, "spec.mode", NULL,
                            old.mode == FO_FLINK_MODE_NATIVE
                                ? "Cannot switch from native kubernetes to standalone kubernetes "
                                  "cluster"
                                : "Cannot switch from standalone kubernetes to native kubernetes "
                                  "cluster");
    if (v->job.raw && old.job.raw && v->job.savepoint_redeploy_nonce.has &&
        (!old.job.savepoint_redeploy_nonce.has ||
         old.job.savepoint_redeploy_nonce.value != v->job.savepoint_redeploy_nonce.value) &&
        fo_validate_blank(v->job.initial_savepoint_path))
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.job.initialSavepointPath", NULL,
                            "InitialSavepointPath must not be empty for savepoint redeployment");
}

/* ---- entry point ------------------------------------------------------------------------- */

void fo_validate_deployment(const json_t *obj, const fo_validate_env *env, fo_field_errors *errs)
{
    if (!errs || fo_validate_is_canary(obj))
        return;
    fo_flink_view v;
    if (fo_flink_view_init_as(&v, obj, FO_FLINK_DEPLOYMENT, errs) != FO_OK) {
        if (!json_is_object(obj))
            fo_field_errors_add(errs, FO_FE_INVALID, "<object>", NULL, "must be a JSON object");
        else
            fo_field_errors_add(errs, FO_FE_REQUIRED, "spec", NULL, "spec must be an object");
        return;
    }
    /* The previous spec, for the update rules (never oldObject, see b.2). */
    fo_rc lrc = FO_OK;
    json_t *last = fo_flink_last_reconciled_spec_for_rules(obj, &lrc);
    if (lrc != FO_OK)
        fo_field_errors_warn(errs, "status.reconciliationStatus.lastReconciledSpec cannot be "
                                   "parsed; rules comparing with the deployed spec were skipped");

    const json_t *layers[1] = {v.flink_configuration};
    const char *fields[1] = {"spec.flinkConfiguration"};
    json_t *own = NULL; /* what the resource sets itself, for the warnings of no effect */
    json_t *conf = fo_validate_effective_conf(env, v.namespace_, v.flink_version, layers, fields,
                                              1, errs, &own);

    if (!env || !env->keys_read_without_nul)
        fo_validate_keys_without_nul(obj, errs);
    check_name(&v, errs);                /* 1 */
    check_version(&v, last, errs);       /* 2, 3 */
    check_config(conf, errs);            /* 4, 5, 6 */
    check_pod_options(&v, conf, errs);
    check_map_options(&v, conf, errs);
    check_rest_port(conf, errs);
    check_ingress(&v, errs);             /* 7 */
    check_log_config(&v, errs);          /* 8 */
    fo_validate_job_enums(&v.job, errs); /* 9 */
    fo_validate_job_spec(&v.job, &v.task_manager, conf, errs);
    fo_flink_memory_opts memory = {
        v.flink_version, fo_flink_effective_mode(&v, last) == FO_FLINK_MODE_STANDALONE, false, 0};
    check_role(&JM, &v.job_manager, conf, &memory, errs);  /* 10 */
    check_role(&TM, &v.task_manager, conf, &memory, errs); /* 11 */
    check_replicas(&v, conf, errs);
    if (v.job.raw && v.task_manager.has_replicas && v.task_manager.replicas > 0 &&
        v.job.parallelism > 0) /* reference a.3 */
        fo_field_errors_warn(errs, "spec.job.parallelism: ignored: spec.taskManager.replicas x "
                                   "taskmanager.numberOfTaskSlots is the parallelism");
    fo_validate_enum(errs, "spec.mode", v.mode_text, fo_flink_mode_names); /* 12 */
    check_spec_change(&v, last, errs);
    if (!v.service_account) /* 13 */
        fo_field_errors_add(errs, FO_FE_REQUIRED, "spec.serviceAccount", NULL,
                            "spec.serviceAccount must be defined. If you use helm, its value "
                            "should be the same with the name of jobServiceAccount.");
    fo_validate_autoscaler(conf, env, errs); /* 14 */
    /* Not an Apache rule: a bad pull policy otherwise fails only at deploy time. A blank one
     * is unset there (and here: templated YAML writes "" for an unset value). */
    if (!fo_validate_blank(v.image_pull_policy))
        fo_validate_enum(errs, "spec.imagePullPolicy", v.image_pull_policy,
                         fo_flink_pull_policy_names);

    fo_validate_noeffect_options(own, errs);

    json_decref(own);
    json_decref(conf);
    json_decref(last);
}
