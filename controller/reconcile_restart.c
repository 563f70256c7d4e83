/* Restarts of a job that keeps failing (kubernetes.operator.job.restart.failed, reference c.9):
 * the pass's side of controller/restart_backoff.h. The streak is read from and written to the
 * working status; the wait is told in status.error and a Warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "controller/reconcile_internal.h"
#include "controller/restart_backoff.h"
#include "controller/status.h"

/* additionalMetadata member of status.error holding when the restart is due (epoch ms). */
#define DUE_KEY "nextRestartTimestamp"
/* additionalMetadata member holding the job's failure message while the wait's sentence in
 * front of it cut its tail off (the whole message is kept to FO_STATUS_MESSAGE_MAX bytes). */
#define CUT_KEY "failureMessage"

/* The opening of the sentence fo_restart_wait puts in front of the failure in status.error. */
#define WAIT_SENTENCE "The job failed again after a restart: "

/* The streak ended while a restart waited (restart.failed turned off in the cluster defaults,
 * or a new generation: a suspend, a fix): status.error goes back to the job's failure alone,
 * without the due time. */
static void untell_due(fo_pass *p)
{
    const char *old = fo_json_str(p->st, "error");
    json_t *e = old && old[0] == '{' ? json_loads(old, 0, NULL) : NULL;
    json_t *meta = json_object_get(e, "additionalMetadata");
    if (!json_object_get(meta, DUE_KEY)) {
        json_decref(e);
        return;
    }
    json_object_del(meta, DUE_KEY);
    const char *m = fo_json_str(e, "message");
    const char *end = m && strncmp(m, WAIT_SENTENCE, strlen(WAIT_SENTENCE)) == 0
                          ? strstr(m, ").")
                          : NULL;
    const char *whole = fo_json_str(meta, CUT_KEY);
    if (end && whole) {
        json_object_set(e, "message", json_object_get(meta, CUT_KEY));
        json_object_del(meta, CUT_KEY);
    } else if (end) {
        end += 2;
        while (*end == ' ')
            end++;
        json_object_set_new(e, "message", json_string(*end ? end : "The job failed."));
    }
    char *text = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text)
        json_object_set_new(p->st, "error", json_string(text));
    free(text);
    json_decref(e);
}

void fo_restart_settle(fo_pass *p, bool enabled)
{
    fo_restart_streak s;
    if (!fo_restart_streak_read(p->st, &s)) {
        /* A condition of the type that is no streak (no True status, no readable start or
         * generation: a hand edit, another version) would stay for ever, and a restart would
         * keep its start (fo_status_set_condition keeps a True one's lastTransitionTime). */
        if (fo_status_condition(p->st, FO_RESTART_CONDITION)) {
            fo_log_info("a %s condition that is no restart streak is dropped",
                        FO_RESTART_CONDITION);
            fo_restart_streak_drop(p->st);
        }
        return;
    }
    if (!enabled) {
        fo_log_info("kubernetes.operator.job.restart.failed is off: the failed-job restart "
                    "streak since %lld is dropped",
                    (long long)s.since_ms);
        fo_restart_streak_drop(p->st);
        untell_due(p);
        return;
    }
    if (fo_restart_streak_counts(p->st, &s, p->generation, p->now_ms))
        return;
    fo_log_info("the failed-job restart streak since %lld is over", (long long)s.since_ms);
    fo_restart_streak_drop(p->st);
    untell_due(p); /* a new spec (a suspend, a fix) while it waited: no restart is due now */
}

/* When the job was seen FAILED (status.jobStatus.updateTime). A time that cannot be read
 * (absent, or not epoch milliseconds: written by hand or by another tool) or that is more than
 * the longest wait ahead of now (a replica whose clock ran far ahead) is taken as now and
 * recorded so: counted from a fresh now at every pass, the due time would move on with the
 * clock and the restart never come; counted from a time far ahead, it would wait for that
 * clock too. A time a little ahead (ordinary skew) is kept: the wait grows by that little, and
 * the due time already told stays. */
static int64_t failed_at(fo_pass *p)
{
    const char *v = fo_json_get_str(p->st, "jobStatus.updateTime");
    char *end = NULL;
    long long ms = v ? strtoll(v, &end, 10) : -1;
    if (v && *v && !*end && ms > 0 && ms - p->now_ms <= FO_RESTART_MAX_DELAY_MS)
        return (int64_t)ms;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)p->now_ms);
    json_object_set_new(fo_act_job_status(p), "updateTime", json_string(buf));
    return p->now_ms;
}

/* status.error says when the restart is due: the job's failure (its type, message and
 * throwables, as the observer wrote them) with the sentence in front and the due time in
 * additionalMetadata. False when it says so already. */
static bool tell_due(fo_pass *p, int64_t due, const char *sentence)
{
    const char *old = fo_json_str(p->st, "error");
    json_t *e = old && old[0] == '{' ? json_loads(old, 0, NULL) : NULL;
    char *msg = NULL, *text = NULL;
    int64_t have = 0;
    bool told = fo_json_get_int(json_object_get(e, "additionalMetadata"), DUE_KEY, &have);
    bool changed = false;
    if (told && have == due)
        goto out;
    bool failure = fo_status_error_is(old, FO_ERROR_JOB_FAILED) ||
                   fo_status_error_is(old, "org.apache.flink.runtime.JobException");
    const char *cause = failure && !told ? fo_json_str(e, "message") : NULL;
    if (cause && *cause && asprintf(&msg, "%s %s", sentence, cause) < 0)
        msg = NULL;
    if (!failure) {
        json_decref(e);
        e = json_pack("{s:s, s:{}, s:[]}", "type", FO_ERROR_JOB_FAILED, "additionalMetadata",
                      "throwableList");
    }
    if (!json_is_object(json_object_get(e, "additionalMetadata")))
        json_object_set_new(e, "additionalMetadata", json_object());
    /* its tail is cut below: kept whole for untell_due (cause goes with the old message) */
    json_t *whole = msg && strlen(msg) > FO_STATUS_MESSAGE_MAX ? json_string(cause) : NULL;
    const char *m = msg ? msg : sentence; /* cut as every status.error message is */
    json_object_set_new(e, "message",
                        json_stringn(m, fo_utf8_prefix(m, strlen(m), FO_STATUS_MESSAGE_MAX)));
    json_object_set_new(json_object_get(e, "additionalMetadata"), DUE_KEY, json_integer(due));
    if (whole)
        json_object_set_new(json_object_get(e, "additionalMetadata"), CUT_KEY, whole);
    text = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        json_object_set_new(p->st, "error", json_string(text));
        changed = true;
    }
out:
    free(text);
    free(msg);
    json_decref(e);
    return changed;
}

bool fo_restart_wait(fo_pass *p)
{
    fo_restart_streak s;
    if (!fo_restart_streak_read(p->st, &s)) /* settled this pass: none counts */
        return false;
    int64_t failed = failed_at(p);
    int64_t due = fo_restart_due_ms(&s, failed);
    if (p->now_ms >= due)
        return false;
    char at[48], since[48], wait[48], cap[48];
    fo_clock_format_rfc3339(due, false, at, sizeof at);
    fo_clock_format_rfc3339(s.since_ms, false, since, sizeof since);
    fo_flink_duration_format_iso(due - failed, wait, sizeof wait);
    fo_flink_duration_format_iso(FO_RESTART_MAX_DELAY_MS, cap, sizeof cap);
    char sentence[512];
    snprintf(sentence, sizeof sentence,
             WAIT_SENTENCE "kubernetes.operator.job.restart.failed "
             "restarts it at %s, %s after the failure (it has been failing since %s; the wait "
             "grows with that, to at most %s).",
             at, wait, since, cap);
    if (tell_due(p, due, sentence))
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_JOB, FO_REASON_RESTART_BACKOFF,
                         "%s", sentence);
    p->action = "RESTART_BACKOFF";
    fo_pass_requeue(p, due - p->now_ms);
    return true;
}

void fo_restart_mark(fo_pass *p)
{
    fo_restart_streak s;
    int64_t since = fo_restart_streak_read(p->st, &s) ? s.since_ms : p->now_ms;
    char at[48], from[48], healthy[48], lo[48], hi[48], msg[768];
    fo_clock_format_rfc3339(p->now_ms, false, at, sizeof at);
    fo_clock_format_rfc3339(since, false, from, sizeof from);
    fo_flink_duration_format_iso(FO_RESTART_HEALTHY_MS, healthy, sizeof healthy);
    fo_flink_duration_format_iso(FO_RESTART_MIN_DELAY_MS, lo, sizeof lo);
    fo_flink_duration_format_iso(FO_RESTART_MAX_DELAY_MS, hi, sizeof hi);
    snprintf(msg, sizeof msg,
             "The failed job was restarted at %s (kubernetes.operator.job.restart.failed). "
             "Should it fail again before it has run %s, it is restarted after as long as it "
             "has been failing since %s, at least %s and at most %s.",
             at, healthy, from, lo, hi);
    fo_restart_streak_mark(p->st, p->generation, msg, p->now_ms);
}
