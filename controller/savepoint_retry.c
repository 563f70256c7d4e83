#include "controller/savepoint_retry.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"

/* Apache's defaults (KubernetesOperatorConfigOptions.OPERATOR_RETRY_*). */
#define DEFAULT_INITIAL_MS 5000
#define DEFAULT_MULTIPLIER 1.5
#define DEFAULT_MAX_ATTEMPTS 15
/* Longest delay whatever the configuration says (a day): keeps the arithmetic finite. */
#define DELAY_CAP_MS (24LL * 3600 * 1000)

static int64_t read_duration(const json_t *conf, const char *key, int64_t dflt)
{
    const char *v = fo_json_str(conf, key);
    int64_t ms = 0;
    fo_err err;
    if (!v)
        return dflt;
    if (fo_flink_duration_parse(v, &ms, &err) != FO_OK || ms < 0) {
        fo_log_warn("%s: '%s' is not a duration; %lld ms is used", key, v, (long long)dflt);
        return dflt;
    }
    return ms;
}

void fo_sp_retry_policy_read(const json_t *conf, int64_t observe_ms, fo_sp_retry_policy *pol)
{
    int64_t initial = read_duration(conf, FO_SP_RETRY_INITIAL_KEY, DEFAULT_INITIAL_MS);
    pol->first_ms = initial > observe_ms ? initial : observe_ms;
    pol->max_interval_ms = read_duration(conf, FO_SP_RETRY_MAX_INTERVAL_KEY, 0);
    pol->multiplier = DEFAULT_MULTIPLIER;
    const char *v = fo_json_str(conf, FO_SP_RETRY_MULTIPLIER_KEY);
    double m = 0;
    if (v && (!fo_flink_parse_double(v, &m) || !isfinite(m) || m < 1.0))
        fo_log_warn("%s: '%s' is not a number of at least 1; %g is used",
                    FO_SP_RETRY_MULTIPLIER_KEY, v, DEFAULT_MULTIPLIER);
    else if (v)
        pol->multiplier = m;
    pol->max_attempts = DEFAULT_MAX_ATTEMPTS;
    v = fo_json_str(conf, FO_SP_RETRY_MAX_ATTEMPTS_KEY);
    if (v) {
        char *end = NULL;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > 1000)
            fo_log_warn("%s: '%s' is not a number from 1 to 1000; %d is used",
                        FO_SP_RETRY_MAX_ATTEMPTS_KEY, v, DEFAULT_MAX_ATTEMPTS);
        else
            pol->max_attempts = (int)n;
    }
}

int64_t fo_sp_retry_delay_ms(const fo_sp_retry_policy *pol, int failures)
{
    double d = (double)pol->first_ms;
    for (int i = 1; i < failures && d < (double)DELAY_CAP_MS; i++)
        d *= pol->multiplier;
    int64_t ms = d < (double)DELAY_CAP_MS ? (int64_t)d : DELAY_CAP_MS;
    if (pol->max_interval_ms > 0 && ms > pol->max_interval_ms)
        ms = pol->max_interval_ms;
    return ms;
}

bool fo_sp_retry_record_read(const char *error, fo_sp_retry_record *r)
{
    r->failures = 0;
    r->generation = 0;
    r->next_attempt_ms = 0;
    if (!error || error[0] != '{')
        return false;
    json_t *e = json_loads(error, 0, NULL);
    const json_t *meta = json_object_get(e, "additionalMetadata");
    int64_t n = 0;
    bool found = fo_json_get_int(meta, "savepointFailures", &n) && n > 0 && n <= 1000 &&
                 fo_json_get_int(meta, "generation", &r->generation);
    if (found) {
        r->failures = (int)n;
        fo_json_get_int(meta, "nextAttemptTimestamp", &r->next_attempt_ms);
    }
    json_decref(e);
    return found;
}

json_t *fo_sp_retry_record_meta(const fo_sp_retry_record *r)
{
    json_t *m = json_pack("{s:i, s:I}", "savepointFailures", r->failures, "generation",
                          (json_int_t)r->generation);
    if (m && r->next_attempt_ms > 0 &&
        json_object_set_new(m, "nextAttemptTimestamp", json_integer(r->next_attempt_ms)) != 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}
