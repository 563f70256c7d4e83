#ifndef FO_VALIDATE_COMMON_H
#define FO_VALIDATE_COMMON_H

/* Internal to the validate module (validate_*.c): the rules FlinkDeployment and
 * FlinkSessionJob validation share. Not for other modules: use common/validate.h. Pure apart
 * from the env callbacks; thread-safe when they are. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/field_errors.h"
#include "common/flink_model.h"
#include "common/validate.h"

/* Longest field path we build ("spec.flinkConfiguration[<key>]"). */
#define FO_VALIDATE_FIELD_MAX 1200

/* "spec.flinkConfiguration[<key>]" into buf (FO_VALIDATE_FIELD_MAX bytes). */
const char *fo_validate_conf_field(char *buf, const char *key);

/* The effective configuration a rule sees (reference b.3): the operator defaults of env scoped
 * to (ns, v), then each raw flinkConfiguration of layers (NULL entries skipped) flattened on
 * top, in order. A layer that cannot be flattened adds an error at its field (fields[i]) and
 * is skipped. own (may be NULL) receives the last layer flattened alone (what the resource
 * itself sets, without the defaults; new reference), or NULL when that layer is absent or
 * could not be flattened. Never NULL (an empty object when out of memory is avoided by the
 * caller). */
json_t *fo_validate_effective_conf(const fo_validate_env *env, const char *ns, fo_flink_version v,
                                   const json_t *const *layers, const char *const *fields, size_t n,
                                   fo_field_errors *errs, json_t **own);

/* An enum field: absent is fine; a value outside names adds "Unsupported value". Returns
 * false when it added an error. */
bool fo_validate_enum(fo_field_errors *errs, const char *field, const char *value,
                      const char *const *names);

/* spec.job.state and spec.job.upgradeMode values. */
void fo_validate_job_enums(const fo_flink_job_view *job, fo_field_errors *errs);

/* Reference b.3 item 9 (also b.4 item 7): checkpoint / savepoint directories for the upgrade
 * mode, savepoint nonce, periodic savepoints, max checkpoint age; parallelism or TaskManager
 * replicas. tm is NULL for session jobs (then parallelism must be >= 1). */
void fo_validate_job_spec(const fo_flink_job_view *job, const fo_flink_role_view *tm,
                          const json_t *conf, fo_field_errors *errs);

/* Reference b.6 and the metrics-window rule of b.3 item 14, on an effective configuration. */
void fo_validate_autoscaler(const json_t *conf, const fo_validate_env *env, fo_field_errors *errs);

/* Quartz-style checks used by the autoscaler's excluded.periods (exposed for tests):
 * "HH:mm[:ss[:SSS]]-HH:mm[:ss[:SSS]]" with start before end, and a 6 or 7 field Quartz cron
 * expression. */
bool fo_validate_daily_range(const char *expr);
bool fo_validate_quartz_cron(const char *expr);

/* Warnings for what a FlinkDeployment's own flinkConfiguration (own: flat, without the
 * operator defaults; NULL adds nothing) asks of the operator that flinkop accepts but does not
 * act on yet (validate_noeffect.c holds the list). Warnings only, never errors. */
void fo_validate_noeffect_options(const json_t *own, fo_field_errors *errs);

/* The warning that a FlinkSessionJob is accepted but not acted on yet (no controller reconciles
 * session jobs): deployment_name (may be NULL) is its session cluster. */
void fo_validate_noeffect_session_job(const char *deployment_name, fo_field_errors *errs);

/* The FlinkDeployment name rule's message (b.3 item 1), for name. Returns buf. */
const char *fo_validate_name_message(char *buf, size_t len, const char *name);

/* Every key under spec that holds a NUL character (the API server stores them; the reader
 * reads them: common/json_read.h) is an error at the object holding it, the key shown with
 * the NUL as \u0000: no Flink configuration or Kubernetes object may carry one, and code
 * that reads keys as C strings would see a shorter one. At most 8 are reported. */
void fo_validate_keys_without_nul(const json_t *obj, fo_field_errors *errs);

/* True when the string is NULL, empty or whitespace only (StringUtils.isNullOrWhitespaceOnly). */
bool fo_validate_blank(const char *s);

#endif
