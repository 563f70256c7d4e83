/* The decoders of JobManager REST answers (common/flink_rest.h, fo_flink_rest_decode_*) on
 * arbitrary bodies, read as the client reads them (fo_json_parse). A JobManager runs user
 * code, and whatever listens on its port answers, so every body is untrusted. The first input
 * byte picks the decoder (the 16th is the HTTP error decoder, with the second byte picking the
 * status); the rest is the body. Properties, checked against the JSON as jansson gives it:
 *  - a refusal is FO_EPROTO with a message and leaves nothing to release (callers release
 *    only after FO_OK: LeakSanitizer sees what a refusal leaves behind);
 *  - what is decoded is what the body says: ids are the 32-hex strings of the body, strings are
 *    copies of its members, counts are its array sizes, numbers its numbers (a count or time
 *    that Flink writes as a whole number past the field's range is held at the range's end:
 *    a non-negative count never reads as a negative one), and a failure's one-line message
 *    is a line of its stack trace (or its class);
 *  - an error answer never decodes as FO_OK, its message starts "HTTP <status>: ", and it is
 *    one line when the body is Flink's {"errors": [...]} with an error whose first line is not
 *    empty (the message is made of those first lines, cut to fit). */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_rest.h"
#include "common/jsonutil.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    CONFIG,
    OVERVIEW,
    TASKMANAGERS,
    JOBS,
    JOB_DETAILS,
    EXEC_RESULT,
    EXCEPTIONS,
    OPERATION,
    CHECKPOINTS,
    CHECKPOINT,
    CHECKPOINT_CONFIG,
    METRICS,
    TRIGGER,
    JAR_RUN,
    JAR_UPLOAD,
    ERROR_ANSWER,
    NDECODERS
};

/* What a number member should read as in a field of [lo, hi]; dflt when absent or not a
 * number. */
static int64_t want_num(const json_t *obj, const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i < lo ? lo : i > hi ? hi : i;
    }
    if (json_is_real(v)) {
        double d = trunc(json_real_value(v));
        return d <= (double)lo ? lo : d >= (double)hi ? hi : (int64_t)d;
    }
    return dflt;
}

static int64_t want_int(const json_t *obj, const char *key, int64_t dflt)
{
    return want_num(obj, key, dflt, INT_MIN, INT_MAX);
}

static int64_t want_i64(const json_t *obj, const char *key, int64_t dflt)
{
    return want_num(obj, key, dflt, INT64_MIN, INT64_MAX);
}

static void check_str(const char *got, const json_t *obj, const char *key, const char *what)
{
    const char *want = json_string_value(json_object_get(obj, key));
    FUZZ_CHECK((!got && !want) || (got && want && strcmp(got, want) == 0),
               "%s: \"%s\" decoded as \"%s\"", what, want ? want : "(none)", got ? got : "(none)");
}

static void check_id(const char *id, const json_t *obj, const char *key)
{
    FUZZ_CHECK(fo_flink_rest_is_id(id), "%s: '%s' is not an id", key, id);
    check_str(id, obj, key, key);
}

static void check_failure(const fo_flink_failure *f, const json_t *cause)
{
    if (!json_is_object(cause)) {
        FUZZ_CHECK(!f->class_name && !f->message && !f->stack_trace, "a failure made up");
        return;
    }
    const char *cls = json_string_value(json_object_get(cause, "class"));
    FUZZ_CHECK(f->class_name && strcmp(f->class_name, cls ? cls : "java.lang.Throwable") == 0,
               "failure class %s", f->class_name);
    check_str(f->stack_trace, cause, "stack-trace", "failure stack-trace");
    const char *from = f->stack_trace && *f->stack_trace ? f->stack_trace : f->class_name;
    FUZZ_CHECK(f->message && !strpbrk(f->message, "\r\n") && strstr(from, f->message),
               "failure message \"%s\" is not a line of \"%s\"", f->message, from);
}

static void check_job(const fo_flink_job *j, const json_t *v)
{
    check_id(j->id, v, "jid");
    const char *state = json_string_value(json_object_get(v, "state"));
    FUZZ_CHECK(state && strncmp(j->state_name, state, sizeof j->state_name - 1) == 0 &&
                   j->state == fo_flink_job_status_parse(state),
               "state %s read as %s", state, j->state_name);
    const char *name = json_string_value(json_object_get(v, "name"));
    FUZZ_CHECK(j->name && strcmp(j->name, name ? name : "") == 0, "name %s", j->name);
    FUZZ_CHECK(j->start_time_ms == want_i64(v, "start-time", -1) &&
                   j->end_time_ms == want_i64(v, "end-time", -1) &&
                   j->duration_ms == want_i64(v, "duration", -1),
               "job times");
}

static void decode(int which, const json_t *v)
{
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = FO_EPROTO;
    switch (which) {
    case CONFIG: {
        fo_flink_config c;
        if ((rc = fo_flink_rest_decode_config(v, &c, &err)) != FO_OK)
            break;
        check_str(c.flink_version, v, "flink-version", "flink-version");
        check_str(c.flink_revision, v, "flink-revision", "flink-revision");
        fo_flink_rest_config_release(&c);
        break;
    }
    case OVERVIEW: {
        fo_flink_overview o;
        if ((rc = fo_flink_rest_decode_overview(v, &o, &err)) != FO_OK)
            break;
        FUZZ_CHECK(o.taskmanagers == want_int(v, "taskmanagers", 0) &&
                       o.slots_total == want_int(v, "slots-total", 0) &&
                       o.slots_available == want_int(v, "slots-available", 0) &&
                       o.jobs_running == want_int(v, "jobs-running", 0) &&
                       o.jobs_failed == want_int(v, "jobs-failed", 0),
                   "overview counts differ from the body");
        check_str(o.flink_version, v, "flink-version", "flink-version");
        fo_flink_rest_overview_release(&o);
        break;
    }
    case TASKMANAGERS: {
        fo_flink_taskmanagers t;
        if ((rc = fo_flink_rest_decode_taskmanagers(v, &t, &err)) != FO_OK)
            break;
        const json_t *arr = json_object_get(v, "taskmanagers");
        int64_t slots = 0, free_slots = 0;
        size_t i;
        json_t *tm;
        json_array_foreach(arr, i, tm)
        {
            slots += want_int(tm, "slotsNumber", 0);
            free_slots += want_int(tm, "freeSlots", 0);
            slots = slots < INT_MIN ? INT_MIN : slots > INT_MAX ? INT_MAX : slots;
            free_slots = free_slots < INT_MIN   ? INT_MIN
                         : free_slots > INT_MAX ? INT_MAX
                                                : free_slots;
        }
        FUZZ_CHECK((size_t)t.count == json_array_size(arr), "%d task managers of %zu", t.count,
                   json_array_size(arr));
        FUZZ_CHECK(t.slots_total == slots && t.slots_free == free_slots,
                   "slots %d/%d, the body sums to %" PRId64 "/%" PRId64, t.slots_total,
                   t.slots_free, slots, free_slots);
        break;
    }
    case JOBS: {
        fo_flink_jobs jobs;
        if ((rc = fo_flink_rest_decode_jobs(v, &jobs, &err)) != FO_OK)
            break;
        const json_t *arr = json_object_get(v, "jobs");
        FUZZ_CHECK(jobs.count == json_array_size(arr), "%zu jobs of %zu", jobs.count,
                   json_array_size(arr));
        for (size_t i = 0; i < jobs.count; i++)
            check_job(&jobs.items[i], json_array_get(arr, i));
        fo_flink_rest_jobs_release(&jobs);
        break;
    }
    case JOB_DETAILS: {
        fo_flink_job_details d;
        if ((rc = fo_flink_rest_decode_job_details(v, &d, &err)) != FO_OK)
            break;
        check_job(&d.job, v);
        FUZZ_CHECK(d.parallelism >= 0 && d.max_parallelism == want_i64(v, "maxParallelism", -1) &&
                       d.now_ms == want_i64(v, "now", 0),
                   "job details numbers");
        fo_flink_rest_job_details_release(&d);
        break;
    }
    case EXEC_RESULT: {
        fo_flink_execution_result r;
        if ((rc = fo_flink_rest_decode_execution_result(v, &r, &err)) != FO_OK)
            break;
        const char *id = fo_json_get_str(v, "status.id");
        FUZZ_CHECK(id && r.completed == (strcmp(id, "COMPLETED") == 0), "status %s", id);
        const json_t *res = json_object_get(v, "job-execution-result");
        if (r.completed) {
            const json_t *cause = json_object_get(res, "failure-cause");
            if (!cause || json_is_null(cause))
                cause = json_object_get(res, "serializedThrowable");
            check_failure(&r.failure, cause);
            FUZZ_CHECK(r.net_runtime_ms ==
                           want_i64(res, "net-runtime", want_i64(res, "netRuntime", -1)),
                       "net-runtime");
        }
        fo_flink_rest_execution_result_release(&r);
        break;
    }
    case EXCEPTIONS: {
        fo_flink_exceptions e;
        if ((rc = fo_flink_rest_decode_exceptions(v, &e, &err)) != FO_OK)
            break;
        const json_t *entries = fo_json_get(v, "exceptionHistory.entries");
        FUZZ_CHECK(e.count == json_array_size(entries), "%zu exceptions of %zu", e.count,
                   json_array_size(entries));
        for (size_t i = 0; i < e.count; i++) {
            const json_t *x = json_array_get(entries, i);
            check_str(e.items[i].name, x, "exceptionName", "exceptionName");
            check_str(e.items[i].stacktrace, x, "stacktrace", "stacktrace");
            FUZZ_CHECK(e.items[i].timestamp_ms == want_i64(x, "timestamp", 0), "timestamp");
        }
        fo_flink_rest_exceptions_release(&e);
        break;
    }
    case OPERATION: {
        fo_flink_operation op;
        if ((rc = fo_flink_rest_decode_operation(v, &op, &err)) != FO_OK)
            break;
        const json_t *o = json_object_get(v, "operation");
        if (op.completed && json_is_object(o)) {
            const json_t *cause = json_object_get(o, "failure-cause");
            if (!cause || json_is_null(cause))
                cause = json_object_get(o, "failureCause");
            check_failure(&op.failure, cause);
            check_str(op.location, o, "location", "location");
            FUZZ_CHECK(op.checkpoint_id == want_i64(o, "checkpointId", -1), "checkpointId");
        }
        fo_flink_rest_operation_release(&op);
        break;
    }
    case CHECKPOINTS: {
        fo_flink_checkpoint_stats s;
        if ((rc = fo_flink_rest_decode_checkpoints(v, &s, &err)) != FO_OK)
            break;
        const json_t *c = fo_json_get(v, "latest.completed");
        FUZZ_CHECK(s.latest_completed.id ==
                       (json_is_object(c) ? json_integer_value(json_object_get(c, "id")) : -1),
                   "latest completed id");
        FUZZ_CHECK(s.completed == want_i64(json_object_get(v, "counts"), "completed", 0),
                   "completed count");
        fo_flink_rest_checkpoint_stats_release(&s);
        break;
    }
    case CHECKPOINT: {
        fo_flink_checkpoint c;
        if ((rc = fo_flink_rest_decode_checkpoint(v, &c, &err)) != FO_OK)
            break;
        FUZZ_CHECK(c.id == json_integer_value(json_object_get(v, "id")), "id");
        check_str(c.external_path, v, "external_path", "external_path");
        FUZZ_CHECK(c.state_size == want_i64(v, "state_size", 0) &&
                       c.trigger_ms == want_i64(v, "trigger_timestamp", 0),
                   "checkpoint numbers");
        fo_flink_rest_checkpoint_release(&c);
        break;
    }
    case CHECKPOINT_CONFIG: {
        fo_flink_checkpoint_config c;
        if ((rc = fo_flink_rest_decode_checkpoint_config(v, &c, &err)) != FO_OK)
            break;
        const json_t *ext = json_object_get(v, "externalization");
        FUZZ_CHECK(c.enabled && c.externalized == json_is_true(json_object_get(ext, "enabled")) &&
                       c.interval_ms == want_i64(v, "interval", -1) && c.retention,
                   "checkpoint config");
        break;
    }
    case METRICS: {
        fo_flink_metrics m;
        if ((rc = fo_flink_rest_decode_metrics(v, &m, &err)) != FO_OK)
            break;
        const json_t *arr = json_is_object(v) ? json_object_get(v, "metrics") : v;
        FUZZ_CHECK(m.count == json_array_size(arr), "%zu metrics of %zu", m.count,
                   json_array_size(arr));
        for (size_t i = 0; i < m.count; i++) {
            const json_t *x = json_array_get(arr, i), *val = json_object_get(x, "value");
            check_str(m.items[i].id, x, "id", "metric id");
            if (json_is_string(val))
                check_str(m.items[i].value, x, "value", "metric value");
            else if (json_is_number(val))
                FUZZ_CHECK(m.items[i].value &&
                               strtod(m.items[i].value, NULL) == json_number_value(val),
                           "metric value %s", m.items[i].value);
            else
                FUZZ_CHECK(!m.items[i].value, "metric value made up");
        }
        fo_flink_rest_metrics_release(&m);
        break;
    }
    case TRIGGER:
    case JAR_RUN: {
        char id[33];
        rc = which == TRIGGER ? fo_flink_rest_decode_trigger(v, id, &err)
                              : fo_flink_rest_decode_jar_run(v, id, &err);
        if (rc == FO_OK)
            check_id(id, v, which == TRIGGER ? "request-id" : "jobid");
        break;
    }
    case JAR_UPLOAD: {
        char *jar = NULL;
        if ((rc = fo_flink_rest_decode_jar_upload(v, &jar, &err)) != FO_OK) {
            FUZZ_CHECK(!jar, "a refused upload answer left a jar id");
            break;
        }
        const char *filename = json_string_value(json_object_get(v, "filename"));
        size_t n = strlen(jar), fn = strlen(filename);
        FUZZ_CHECK(n > 0 && !strchr(jar, '/') && n <= fn && strcmp(filename + fn - n, jar) == 0 &&
                       (n == fn || filename[fn - n - 1] == '/'),
                   "jar id '%s' is not the file name of '%s'", jar, filename);
        free(jar);
        break;
    }
    }
    if (rc != FO_OK)
        FUZZ_CHECK((rc == FO_EPROTO || rc == FO_ENOMEM) && err.rc == rc && err.message[0],
                   "refusal %d without a message", (int)rc);
}

static void check_error_answer(int status, const char *body, size_t len)
{
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = fo_flink_rest_decode_error(status, body, len, &err);
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "HTTP %d: ", status);
    FUZZ_CHECK(rc != FO_OK && err.rc == rc && err.http_status == status &&
                   strncmp(err.message, prefix, (size_t)n) == 0 && err.message[n],
               "error answer %d: rc %d, \"%s\"", status, (int)rc, err.message);
    json_t *v = json_loadb(body, len, 0, NULL);
    const json_t *errors = json_object_get(v, "errors");
    bool flink_errors = false;
    for (size_t i = 0; i < json_array_size(errors); i++) {
        const char *e = json_string_value(json_array_get(errors, i));
        flink_errors |= e && strcspn(e, "\r\n") > 0; /* a first line to show */
    }
    if (flink_errors)
        FUZZ_CHECK(!strpbrk(err.message, "\r\n"), "Flink's errors, not one line: %s", err.message);
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504, 418};
    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    int which = data[0] % NDECODERS;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (which == ERROR_ANSWER) {
        if (len < 1)
            return 0;
        check_error_answer(statuses[(uint8_t)body[0] % (sizeof statuses / sizeof statuses[0])],
                           body + 1, len - 1);
        return 0;
    }
    fo_err err;
    fo_err_clear(&err);
    /* as the client reads an answer (flink_rest.c): an empty body is {} */
    json_t *v = len ? fo_json_parse(body, len, FO_FLINK_REST_MAX_BODY, &err) : json_object();
    if (!v)
        return 0;
    decode(which, v);
    json_decref(v);
    return 0;
}
