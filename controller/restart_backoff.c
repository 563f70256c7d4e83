#include "controller/restart_backoff.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "controller/status.h"

/* status.jobStatus times are strings of epoch milliseconds; -1 when absent or unreadable. */
static int64_t job_time(const json_t *status, const char *field)
{
    const char *v = fo_json_str(fo_json_get(status, "jobStatus"), field);
    if (!v || !*v)
        return -1;
    char *end = NULL;
    long long ms = strtoll(v, &end, 10);
    return *end || ms < 0 ? -1 : (int64_t)ms;
}

bool fo_restart_streak_read(const json_t *status, fo_restart_streak *s)
{
    const json_t *c = fo_status_condition(status, FO_RESTART_CONDITION);
    const char *st = fo_json_str(c, "status");
    const char *since = fo_json_str(c, "lastTransitionTime");
    s->since_ms = 0;
    s->generation = 0;
    if (!st || strcmp(st, "True") != 0 || !since || !fo_clock_parse_rfc3339(since, &s->since_ms))
        return false;
    return fo_json_get_int(c, "observedGeneration", &s->generation);
}

bool fo_restart_streak_counts(const json_t *status, const fo_restart_streak *s, int64_t generation,
                              int64_t now_ms)
{
    if (s->generation != generation)
        return false;
    const char *state = fo_json_get_str(status, "jobStatus.state");
    if (!state)
        return true;
    if (strcmp(state, "FINISHED") == 0 || strcmp(state, "CANCELED") == 0)
        return false;
    int64_t update = job_time(status, "updateTime");
    if (strcmp(state, "RUNNING") == 0)
        return update < s->since_ms || now_ms - update < FO_RESTART_HEALTHY_MS;
    int64_t start = job_time(status, "startTime");
    if (strcmp(state, "FAILED") == 0 && start >= s->since_ms && update >= 0)
        return update - start < FO_RESTART_HEALTHY_MS;
    return true;
}

int64_t fo_restart_due_ms(const fo_restart_streak *s, int64_t failed_ms)
{
    if (!s)
        return failed_ms;
    int64_t wait = failed_ms - s->since_ms;
    if (wait < FO_RESTART_MIN_DELAY_MS)
        wait = FO_RESTART_MIN_DELAY_MS;
    if (wait > FO_RESTART_MAX_DELAY_MS)
        wait = FO_RESTART_MAX_DELAY_MS;
    return failed_ms + wait;
}

void fo_restart_streak_mark(json_t *status, int64_t generation, const char *message, int64_t now_ms)
{
    fo_status_set_condition(status, FO_RESTART_CONDITION, "True", "JobFailed", message, generation,
                            now_ms);
}

void fo_restart_streak_drop(json_t *status)
{
    json_t *list = json_object_get(status, "conditions");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *t = fo_json_str(c, "type");
        if (t && strcmp(t, FO_RESTART_CONDITION) == 0) {
            json_array_remove(list, i);
            return;
        }
    }
}
