/* What flinkop accepts but does not act on yet: options users of the Apache operator rely on
 * (docs/controller.md "Not done", docs/install.md "Migrating") and FlinkSessionJobs. Such a
 * resource is admitted and runs, without the autoscaling or recovery its author expected, so
 * the webhook says so with an AdmissionReview warning (kubectl prints "Warning: ..."); nothing
 * is refused, and the controller, which runs the same validation, turns warnings into neither
 * Events nor status errors. Only the resource's own flinkConfiguration is looked at: keys the
 * cluster defaults set are the operator's choice, not a user's expectation.
 *
 * The table below is the one list: when a feature lands, its line goes. */
#include "common/validate_common.h"

#include <stdio.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define VALUE_SHOWN 40 /* bytes of a value a warning quotes: a cron expression fits */

typedef enum when {
    WHEN_SET,          /* any value */
    WHEN_TRUE,         /* a Flink boolean that reads true */
    WHEN_NOT_DURATION, /* a value that is not a Flink duration (a Quartz cron expression) */
} when;

/* Each message follows "spec.flinkConfiguration[<key>]: flinkop does not act on this yet: "
 * and says in a few words what does not happen: the API server may cut a warning past 256
 * bytes, and asks for under 120 characters where it can be done. Every key starts with
 * "kubernetes.operator." or "job.autoscaler." (may_hold_one). */
static const struct noeffect {
    const char *key;
    when when;
    const char *what;
} NOEFFECT[] = {
    {"job.autoscaler.enabled", WHEN_TRUE, "no autoscaler runs"},
    {"kubernetes.operator.job.autoscaler.enabled", WHEN_TRUE, "no autoscaler runs"},
    {"kubernetes.operator.deployment.rollback.enabled", WHEN_TRUE,
     "a failed upgrade is not rolled back"},
    {"kubernetes.operator.cluster.health-check.enabled", WHEN_TRUE,
     "an unhealthy job is not restarted"},
    {"kubernetes.operator.jm-deployment.shutdown-ttl", WHEN_SET,
     "a suspended job's JobManager is deleted at once"},
    {"kubernetes.operator.job.upgrade.ignore-pending-savepoint", WHEN_TRUE,
     "an upgrade waits for a savepoint in flight"},
    {"kubernetes.operator.job.savepoint-on-deletion", WHEN_TRUE,
     "deletion cancels the job without a savepoint"},
    {"kubernetes.operator.session.deletion.block-on-session-jobs", WHEN_TRUE,
     "deletion does not wait for session jobs"},
    {"kubernetes.operator.periodic.savepoint.interval", WHEN_NOT_DURATION,
     "no periodic savepoint is taken (Quartz cron is not read: give a duration such as '6h')"},
    {"kubernetes.operator.periodic.checkpoint.interval", WHEN_NOT_DURATION,
     "no periodic checkpoint is taken (Quartz cron is not read: give a duration such as '6h')"},
    /* FlinkSessionJob: fo_validate_noeffect_session_job */
};

static bool applies(when w, const char *value)
{
    bool b = false;
    int64_t ms;
    fo_err err;
    switch (w) {
    case WHEN_SET:
        return true;
    case WHEN_TRUE:
        return fo_flink_parse_bool(value, &b) && b;
    case WHEN_NOT_DURATION:
        /* as the controller reads it (reconcile_snapshot.c), which also says so in an Event */
        return value[0] && fo_flink_duration_parse(value, &ms, &err) != FO_OK;
    }
    return false;
}

/* Every key of the table starts with one of these: most resources set none of them, and
 * looking their few keys over costs less than hashing each key of the table. */
static bool may_hold_one(const json_t *own)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)own, k, v)
    {
        (void)v;
        if (strncmp(k, "kubernetes.operator.", 20) == 0 || strncmp(k, "job.autoscaler.", 15) == 0)
            return true;
    }
    return false;
}

void fo_validate_noeffect_options(const json_t *own, fo_field_errors *errs)
{
    if (!json_is_object(own) || !may_hold_one(own))
        return;
    char field[FO_VALIDATE_FIELD_MAX];
    for (size_t i = 0; i < sizeof NOEFFECT / sizeof NOEFFECT[0]; i++) {
        const struct noeffect *n = &NOEFFECT[i];
        const char *value = fo_json_str(own, n->key);
        if (!value || !applies(n->when, value))
            continue;
        fo_validate_conf_field(field, n->key);
        if (n->when == WHEN_NOT_DURATION) /* the value cut whole characters at a time */
            fo_field_errors_warn(errs,
                                 "%s: flinkop does not act on this yet: '%.*s' is not a "
                                 "duration; %s",
                                 field, (int)fo_utf8_prefix(value, strlen(value), VALUE_SHOWN),
                                 value, n->what);
        else
            fo_field_errors_warn(errs, "%s: flinkop does not act on this yet: %s", field, n->what);
    }
}

void fo_validate_noeffect_session_job(const char *deployment_name, fo_field_errors *errs)
{
    bool named = deployment_name && deployment_name[0];
    fo_field_errors_warn(errs,
                         "spec.job: flinkop does not act on FlinkSessionJobs yet: the job is not "
                         "submitted to %s%.*s%s; changes and deletion are not applied",
                         named ? "session cluster \"" : "its session cluster",
                         named ? (int)fo_utf8_prefix(deployment_name, strlen(deployment_name), 64)
                               : 0,
                         named ? deployment_name : "", named ? "\"" : "");
}
