/* Rules shared by FlinkDeployment and FlinkSessionJob validation (reference b.3 item 9, b.4
 * item 7) and small helpers of the validate module. */
#include "common/validate_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"

/* Flink 1.20 key names (CheckpointingOptions, KubernetesOperatorConfigOptions); the deprecated
 * keys still count, as Flink reads them as fallbacks. */
#define CHECKPOINT_DIR "execution.checkpointing.dir"
#define SAVEPOINT_DIR "execution.checkpointing.savepoint-dir"
#define PERIODIC_SAVEPOINT "kubernetes.operator.periodic.savepoint.interval"
#define MAX_CHECKPOINT_AGE "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"

static const char *const checkpoint_dir_fallbacks[] = {"state.checkpoints.dir", NULL};
static const char *const savepoint_dir_fallbacks[] = {"state.savepoints.dir", NULL};

bool fo_validate_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

const char *fo_validate_conf_field(char *buf, const char *key)
{
    snprintf(buf, FO_VALIDATE_FIELD_MAX, "spec.flinkConfiguration[%s]", key);
    return buf;
}

const char *fo_validate_name_message(char *buf, size_t len, const char *name)
{
    /* DefaultValidator.validateDeploymentName, word for word (double space included). */
    snprintf(buf, len,
             "The FlinkDeployment name: %s is invalid, must consist of lower case alphanumeric "
             "characters or '-', start with an alphabetic character, and end with an "
             "alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the length must be no "
             "more than 45 characters.",
             name);
    return buf;
}

json_t *fo_validate_effective_conf(const fo_validate_env *env, const char *ns, fo_flink_version v,
                                   const json_t *const *layers, const char *const *fields, size_t n,
                                   fo_field_errors *errs, json_t **own)
{
    if (own)
        *own = NULL;
    json_t *conf = fo_flink_conf_defaults_for(env ? env->default_flink_config : NULL, ns, v);
    if (!conf)
        conf = json_object();
    for (size_t i = 0; conf && i < n; i++) {
        if (!layers[i])
            continue;
        fo_err err;
        fo_err_clear(&err);
        json_t *flat = fo_flink_conf_flatten(layers[i], &err);
        if (!flat) {
            fo_field_errors_add(errs, FO_FE_INVALID, fields[i], NULL, "%s", err.message);
            continue;
        }
        fo_flink_conf_overlay(conf, flat);
        if (own && i == n - 1)
            *own = flat;
        else
            json_decref(flat);
    }
    return conf;
}

bool fo_validate_enum(fo_field_errors *errs, const char *field, const char *value,
                      const char *const *names)
{
    if (!value)
        return true;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(value, names[i]) == 0)
            return true;
    fo_field_errors_add_unsupported(errs, field, value, names);
    return false;
}

void fo_validate_job_enums(const fo_flink_job_view *job, fo_field_errors *errs)
{
    if (!job->raw)
        return;
    fo_validate_enum(errs, "spec.job.state", job->state_text, fo_flink_job_state_names);
    fo_validate_enum(errs, "spec.job.upgradeMode", job->upgrade_mode_text,
                     fo_flink_upgrade_mode_names);
}

void fo_validate_job_spec(const fo_flink_job_view *job, const fo_flink_role_view *tm,
                          const json_t *conf, fo_field_errors *errs)
{
    if (!job->raw)
        return;
    char field[FO_VALIDATE_FIELD_MAX];
    fo_flink_upgrade_mode mode = job->upgrade_mode;

    if (mode == FO_FLINK_UPGRADE_SAVEPOINT || mode == FO_FLINK_UPGRADE_LAST_STATE) {
        if (fo_validate_blank(fo_flink_conf_get(conf, CHECKPOINT_DIR, checkpoint_dir_fallbacks)))
            fo_field_errors_add(errs, FO_FE_REQUIRED, fo_validate_conf_field(field, CHECKPOINT_DIR),
                                NULL,
                                "Checkpoint directory[%s] must be defined for last-state and "
                                "savepoint upgrade modes",
                                CHECKPOINT_DIR);
    }

    /* Apache reports only the first of these (an else-if chain); each is its own reason, so
     * all that apply are reported. */
    if (fo_validate_blank(fo_flink_conf_get(conf, SAVEPOINT_DIR, savepoint_dir_fallbacks))) {
        fo_validate_conf_field(field, SAVEPOINT_DIR);
        if (mode == FO_FLINK_UPGRADE_SAVEPOINT)
            fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL,
                                "Job could not be upgraded with savepoint while config key[%s] "
                                "is not set",
                                SAVEPOINT_DIR);
        if (job->savepoint_trigger_nonce.has)
            fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL,
                                "Savepoint could not be manually triggered for the running job "
                                "while config key[%s] is not set",
                                SAVEPOINT_DIR);
        if (json_object_get(conf, PERIODIC_SAVEPOINT))
            fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL,
                                "Periodic savepoints cannot be enabled when config key[%s] is "
                                "not set",
                                SAVEPOINT_DIR);
        if (json_object_get(conf, MAX_CHECKPOINT_AGE))
            fo_field_errors_add(errs, FO_FE_REQUIRED, field, NULL,
                                "In order to use max-checkpoint age functionality config key[%s] "
                                "must be set to allow triggering savepoint upgrades.",
                                SAVEPOINT_DIR);
    }

    if (tm && tm->has_replicas) {
        if (tm->replicas < 1)
            fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.taskManager.replicas", tm->replicas,
                                    "TaskManager replicas must be larger than 0");
    } else if (job->parallelism < 1 && !job->parallelism_unreadable) {
        /* an unreadable value has its own error: "0" would be a value nobody wrote */
        fo_field_errors_add_int(errs, FO_FE_INVALID, "spec.job.parallelism", job->parallelism,
                                "Job parallelism must be larger than 0");
    }
}

#define NUL_KEYS_REPORTED 8

static void report_nul_key(void *ctx, const char *path, const char *key)
{
    fo_field_errors_add(ctx, FO_FE_INVALID, path, NULL,
                        "key \"%s\" holds a NUL character (shown as \\u0000); no key may", key);
}

void fo_validate_keys_without_nul(const json_t *obj, fo_field_errors *errs)
{
    const json_t *spec = json_is_object(obj) ? json_object_get(obj, "spec") : NULL;
    fo_json_nul_keys(spec, "spec", NUL_KEYS_REPORTED, report_nul_key, errs);
}
