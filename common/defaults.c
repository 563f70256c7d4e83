#include "common/defaults.h"

/* Which model defaults are written, and why (reference a.2, a.3, a.4).
 *
 * Whatever this file writes becomes a mutating-webhook patch that kubectl, ArgoCD and Flux
 * see, so a field is written only when all of these hold:
 *   - its absence and the written value mean exactly the same to the Apache operator (the
 *     Java model initialises the field to that value) and to flinkop;
 *   - the value is a real choice a reader benefits from seeing ("this job is upgraded
 *     statelessly"), not an "unset" marker;
 *   - writing it creates no new parent object (no `jobManager: {}` the user never wrote).
 *
 * Written:
 *   spec.job.state = "running"         JobSpec.state initialiser; the desired job state.
 *   spec.job.upgradeMode = "stateless" JobSpec.upgradeMode initialiser; shows users how an
 *                                      upgrade will treat their state.
 *   spec.jobManager.replicas = 1       JobManagerSpec.replicas initialiser; only when the
 *                                      jobManager block exists.
 * Deliberately not written, though the Java model has them:
 *   spec.job.parallelism = 0   0 is the "not set" marker: invalid unless taskManager.replicas
 *                              is set, and ignored when it is. Writing it would make an
 *                              omission look like a user's choice of 0.
 *   spec.job.args = []         no information; readers treat absent as [] (flink_model).
 *   spec.flinkConfiguration = {}, spec.mode = native, taskManager.replicas = null: absent
 *                              already says it; mode cannot change after the first deploy, so
 *                              never pin it from here.
 * Session jobs get the same job defaults; deploymentName has none.
 *
 * A JSON null counts as absent (Jackson would otherwise null the field, which both operators
 * read as the default), so null is replaced by the default too. A present value of another
 * type is left alone for the validator to report. */

static void default_string(json_t *obj, const char *key, const char *value)
{
    json_t *cur = json_object_get(obj, key);
    if (cur && !json_is_null(cur))
        return;
    json_object_set_new(obj, key, json_string(value));
}

static void default_job(json_t *spec)
{
    json_t *job = json_object_get(spec, "job");
    if (!json_is_object(job))
        return; /* absent (session cluster), null, or a wrong type the validator reports */
    default_string(job, "state", "running");
    default_string(job, "upgradeMode", "stateless");
}

static json_t *spec_of(json_t *obj)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *spec = json_object_get(obj, "spec");
    return json_is_object(spec) ? spec : NULL;
}

fo_rc fo_defaults_apply_deployment(json_t *obj)
{
    json_t *spec = spec_of(obj);
    if (!spec)
        return FO_EINVAL;
    default_job(spec);
    json_t *jm = json_object_get(spec, "jobManager");
    if (json_is_object(jm)) {
        json_t *replicas = json_object_get(jm, "replicas");
        if (!replicas || json_is_null(replicas))
            json_object_set_new(jm, "replicas", json_integer(1));
    }
    return FO_OK;
}

fo_rc fo_defaults_apply_session_job(json_t *obj)
{
    json_t *spec = spec_of(obj);
    if (!spec)
        return FO_EINVAL;
    default_job(spec);
    return FO_OK;
}
