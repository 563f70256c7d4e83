/* Pure decoding of Flink REST responses into the typed results of common/flink_rest.h.
 *
 * Shapes follow rest_v1_dispatcher.yml (1.20 and 2.x) and, where a class has its own JSON
 * serializer, what that serializer writes (JobResult: id, application-status, net-runtime,
 * failure-cause; SerializedThrowable: class, stack-trace, serialized-throwable;
 * MetricCollectionResponseBody: a bare array). Members the spec marks optional may be absent or
 * null; values we need to act on (job ids, states, trigger ids) are required, and a missing or
 * malformed one is FO_EPROTO naming the field. Unknown members are ignored (newer Flink). */
#include "common/flink_rest.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

static fo_rc proto(fo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static fo_rc proto(fo_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fo_rc rc = fo_err_setv(err, FO_EPROTO, fmt, ap);
    va_end(ap);
    return rc;
}

/* A string member copied, or NULL when absent/null/not a string. */
static char *dup_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? strdup(s) : NULL;
}

/* A number member held within [lo, hi], or dflt when absent/null. Reals are truncated (Jackson
 * may write 1.0E3). Whatever answers on the REST port may write any number: one past the
 * field's range is held at the range's end (converting it would be undefined for a real and
 * wrap an integer, a count of 2^32 + 1 task managers reading as 1). */
static int64_t get_num(const json_t *obj, const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i < lo ? lo : i > hi ? hi : i;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != d)
            return dflt;
        /* (double)INT64_MAX is 2^63, itself out of range: >= sends it to hi */
        return d <= (double)lo ? lo : d >= (double)hi ? hi : (int64_t)d;
    }
    return dflt;
}

static int64_t get_i64(const json_t *obj, const char *key, int64_t dflt)
{
    return get_num(obj, key, dflt, INT64_MIN, INT64_MAX);
}

static int get_int(const json_t *obj, const char *key, int dflt)
{
    return (int)get_num(obj, key, dflt, INT_MIN, INT_MAX);
}

/* a + b held within int's range. */
static int add_int(int a, int b)
{
    int64_t sum = (int64_t)a + b;
    return sum < INT_MIN ? INT_MIN : sum > INT_MAX ? INT_MAX : (int)sum;
}

static const char *str_or_empty(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static bool get_bool(const json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}

/* Absent and null members of the spec's non-nullable schemas are treated alike. */
static const json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static fo_rc need_object(const json_t *v, const char *what, fo_err *err)
{
    return json_is_object(v) ? FO_OK : proto(err, "%s: expected a JSON object", what);
}

static fo_rc copy_id(const json_t *obj, const char *key, const char *what, char out[33],
                     fo_err *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        return proto(err, "%s.%s: missing", what, key);
    if (!fo_flink_rest_is_id(s))
        return proto(err, "%s.%s: '%.64s' is not a 32-hex id", what, key, s);
    memcpy(out, s, 33);
    return FO_OK;
}

/* ---- failures ---- */

void fo_flink_rest_failure_release(fo_flink_failure *f)
{
    if (!f)
        return;
    free(f->class_name);
    free(f->message);
    free(f->stack_trace);
    memset(f, 0, sizeof *f);
}

/* The first line of a stack trace without the future wrappers around the real cause. */
static char *one_line(const char *trace, const char *cls)
{
    static const char *const wrappers[] = {
        "java.util.concurrent.CompletionException: ", "java.util.concurrent.ExecutionException: ",
        "org.apache.flink.util.SerializedThrowable: "};
    const char *s = trace && *trace ? trace : cls;
    if (!s)
        return NULL;
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < sizeof wrappers / sizeof wrappers[0]; i++) {
            size_t n = strlen(wrappers[i]);
            if (strncmp(s, wrappers[i], n) == 0) {
                s += n;
                again = true;
            }
        }
    }
    size_t len = strcspn(s, "\r\n");
    return strndup(s, len);
}

fo_rc fo_flink_rest_decode_failure(const json_t *v, fo_flink_failure *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v))
        return FO_OK;
    if (need_object(v, "failure-cause", err) != FO_OK)
        return FO_EPROTO;
    out->class_name = dup_str(v, "class");
    out->stack_trace = dup_str(v, "stack-trace");
    if (!out->class_name) /* only serialized bytes: we still know it failed */
        out->class_name = strdup("java.lang.Throwable");
    out->message = one_line(out->stack_trace, out->class_name);
    if (!out->class_name || !out->message) {
        fo_flink_rest_failure_release(out);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

/* ---- cluster ---- */

void fo_flink_rest_config_release(fo_flink_config *c)
{
    if (!c)
        return;
    free(c->flink_version);
    free(c->flink_revision);
    memset(c, 0, sizeof *c);
}

fo_rc fo_flink_rest_decode_config(const json_t *v, fo_flink_config *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "config", err) != FO_OK)
        return FO_EPROTO;
    if (!json_is_string(json_object_get(v, "flink-version")))
        return proto(err, "config.flink-version: missing");
    out->flink_version = dup_str(v, "flink-version");
    out->flink_revision = dup_str(v, "flink-revision");
    return FO_OK;
}

void fo_flink_rest_overview_release(fo_flink_overview *o)
{
    if (!o)
        return;
    free(o->flink_version);
    free(o->flink_commit);
    memset(o, 0, sizeof *o);
}

fo_rc fo_flink_rest_decode_overview(const json_t *v, fo_flink_overview *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "overview", err) != FO_OK)
        return FO_EPROTO;
    out->taskmanagers = get_int(v, "taskmanagers", 0);
    out->slots_total = get_int(v, "slots-total", 0);
    out->slots_available = get_int(v, "slots-available", 0);
    out->jobs_running = get_int(v, "jobs-running", 0);
    out->jobs_finished = get_int(v, "jobs-finished", 0);
    out->jobs_cancelled = get_int(v, "jobs-cancelled", 0);
    out->jobs_failed = get_int(v, "jobs-failed", 0);
    out->flink_version = dup_str(v, "flink-version");
    out->flink_commit = dup_str(v, "flink-commit");
    return FO_OK;
}

fo_rc fo_flink_rest_decode_taskmanagers(const json_t *v, fo_flink_taskmanagers *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "taskmanagers", err) != FO_OK)
        return FO_EPROTO;
    const json_t *arr = member(v, "taskmanagers");
    if (!arr)
        return FO_OK;
    if (!json_is_array(arr))
        return proto(err, "taskmanagers.taskmanagers: expected an array");
    size_t i;
    json_t *tm;
    json_array_foreach(arr, i, tm)
    {
        if (!json_is_object(tm))
            return proto(err, "taskmanagers.taskmanagers[%zu]: expected an object", i);
        out->count++;
        out->slots_total = add_int(out->slots_total, get_int(tm, "slotsNumber", 0));
        out->slots_free = add_int(out->slots_free, get_int(tm, "freeSlots", 0));
    }
    return FO_OK;
}

/* ---- jobs ---- */

static void job_release(fo_flink_job *j)
{
    free(j->name);
    memset(j, 0, sizeof *j);
}

static fo_rc decode_job(const json_t *v, const char *what, fo_flink_job *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, what, err) != FO_OK)
        return FO_EPROTO;
    if (copy_id(v, "jid", what, out->id, err) != FO_OK)
        return FO_EPROTO;
    const char *state = json_string_value(json_object_get(v, "state"));
    if (!state)
        return proto(err, "%s.state: missing", what);
    out->state = fo_flink_job_status_parse(state);
    snprintf(out->state_name, sizeof out->state_name, "%s", state);
    out->name = dup_str(v, "name");
    if (!out->name)
        out->name = strdup("");
    out->start_time_ms = get_i64(v, "start-time", -1);
    out->end_time_ms = get_i64(v, "end-time", -1);
    out->duration_ms = get_i64(v, "duration", -1);
    out->last_modification_ms = get_i64(v, "last-modification", -1);
    /* JobDetails writes "tasks" as "total" plus every ExecutionState in lower case. */
    const json_t *tasks = member(v, "tasks");
    bool counted = json_is_object(tasks) && json_is_integer(json_object_get(tasks, "total"));
    out->tasks_total = counted ? get_i64(tasks, "total", -1) : -1;
    out->tasks_running = counted ? get_i64(tasks, "running", 0) : -1;
    out->tasks_finished = counted ? get_i64(tasks, "finished", 0) : -1;
    if (!out->name)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    return FO_OK;
}

void fo_flink_rest_jobs_release(fo_flink_jobs *jobs)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < jobs->count; i++)
        job_release(&jobs->items[i]);
    free(jobs->items);
    memset(jobs, 0, sizeof *jobs);
}

const fo_flink_job *fo_flink_rest_jobs_find(const fo_flink_jobs *jobs, const char *id)
{
    for (size_t i = 0; id && i < jobs->count; i++)
        if (strcmp(jobs->items[i].id, id) == 0)
            return &jobs->items[i];
    return NULL;
}

fo_rc fo_flink_rest_decode_jobs(const json_t *v, fo_flink_jobs *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "jobs overview", err) != FO_OK)
        return FO_EPROTO;
    const json_t *arr = json_object_get(v, "jobs");
    if (!json_is_array(arr))
        return proto(err, "jobs: expected an array");
    size_t n = json_array_size(arr);
    out->items = n ? calloc(n, sizeof *out->items) : NULL;
    if (n && !out->items)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "jobs[%zu]", i);
        if (decode_job(json_array_get(arr, i), what, &out->items[i], err) != FO_OK) {
            job_release(&out->items[i]);
            fo_flink_rest_jobs_release(out);
            return err ? err->rc : FO_EPROTO;
        }
        out->count++;
    }
    return FO_OK;
}

void fo_flink_rest_job_details_release(fo_flink_job_details *d)
{
    if (!d)
        return;
    job_release(&d->job);
    memset(d, 0, sizeof *d);
}

fo_rc fo_flink_rest_decode_job_details(const json_t *v, fo_flink_job_details *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    fo_rc rc = decode_job(v, "job", &out->job, err);
    if (rc != FO_OK) {
        job_release(&out->job);
        return rc;
    }
    out->stoppable = get_bool(v, "isStoppable");
    out->max_parallelism = get_i64(v, "maxParallelism", -1);
    out->now_ms = get_i64(v, "now", 0);
    const json_t *ts = member(v, "timestamps");
    for (int s = FO_JOB_STATUS_INITIALIZING;
         json_is_object(ts) && s < FO_FLINK_REST_JOB_STATUS_COUNT; s++)
        out->state_since_ms[s] = get_i64(ts, fo_flink_job_status_name((fo_flink_job_status)s), 0);
    const json_t *vertices = member(v, "vertices");
    size_t i;
    json_t *vx;
    json_array_foreach(vertices, i, vx)
    {
        int p = get_int(vx, "parallelism", 0);
        if (p > out->parallelism)
            out->parallelism = p;
    }
    return FO_OK;
}

void fo_flink_rest_execution_result_release(fo_flink_execution_result *r)
{
    if (!r)
        return;
    free(r->application_status);
    fo_flink_rest_failure_release(&r->failure);
    memset(r, 0, sizeof *r);
}

/* QueueStatus {"id": "IN_PROGRESS" | "COMPLETED"} (required in both places it appears). */
static fo_rc queue_status(const json_t *v, const char *what, bool *completed, fo_err *err)
{
    const char *id = json_string_value(json_object_get(json_object_get(v, "status"), "id"));
    if (!id)
        return proto(err, "%s.status.id: missing", what);
    if (strcmp(id, "COMPLETED") == 0)
        *completed = true;
    else if (strcmp(id, "IN_PROGRESS") == 0)
        *completed = false;
    else
        return proto(err, "%s.status.id: unknown value '%.32s'", what, id);
    return FO_OK;
}

fo_rc fo_flink_rest_decode_execution_result(const json_t *v, fo_flink_execution_result *out,
                                            fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "execution-result", err) != FO_OK ||
        queue_status(v, "execution-result", &out->completed, err) != FO_OK)
        return FO_EPROTO;
    out->net_runtime_ms = -1;
    if (!out->completed)
        return FO_OK;
    const json_t *res = member(v, "job-execution-result");
    if (!json_is_object(res))
        return proto(err, "execution-result.job-execution-result: missing");
    /* JobResultSerializer's names first, then the spec's reflection names. */
    out->application_status = dup_str(res, "application-status");
    if (!out->application_status)
        out->application_status = dup_str(res, "applicationStatus");
    out->net_runtime_ms = get_i64(res, "net-runtime", get_i64(res, "netRuntime", -1));
    const json_t *cause = member(res, "failure-cause");
    if (!cause)
        cause = member(res, "serializedThrowable");
    fo_rc rc = fo_flink_rest_decode_failure(cause, &out->failure, err);
    if (rc != FO_OK) {
        fo_flink_rest_execution_result_release(out);
        fo_err_wrap(err, "execution-result.job-execution-result");
        return rc;
    }
    return FO_OK;
}

void fo_flink_rest_exceptions_release(fo_flink_exceptions *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->count; i++) {
        free(e->items[i].name);
        free(e->items[i].stacktrace);
        free(e->items[i].task_name);
        free(e->items[i].endpoint);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}

fo_rc fo_flink_rest_decode_exceptions(const json_t *v, fo_flink_exceptions *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_object(v, "exceptions", err) != FO_OK)
        return FO_EPROTO;
    const json_t *hist = member(v, "exceptionHistory");
    const json_t *entries = member(hist, "entries");
    if (hist && !json_is_object(hist))
        return proto(err, "exceptions.exceptionHistory: expected an object");
    if (entries && !json_is_array(entries))
        return proto(err, "exceptions.exceptionHistory.entries: expected an array");
    out->truncated = get_bool(hist, "truncated");
    size_t n = json_array_size(entries);
    if (n == 0)
        return FO_OK;
    out->items = calloc(n, sizeof *out->items);
    if (!out->items)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(entries, i);
        if (!json_is_object(e)) {
            fo_flink_rest_exceptions_release(out);
            return proto(err, "exceptions.exceptionHistory.entries[%zu]: expected an object", i);
        }
        fo_flink_exception *x = &out->items[out->count++];
        x->name = dup_str(e, "exceptionName");
        x->stacktrace = dup_str(e, "stacktrace");
        x->task_name = dup_str(e, "taskName");
        x->endpoint = dup_str(e, "endpoint");
        x->timestamp_ms = get_i64(e, "timestamp", 0);
    }
    return FO_OK;
}

/* ---- asynchronous operations ---- */

void fo_flink_rest_operation_release(fo_flink_operation *op)
{
    if (!op)
        return;
    free(op->location);
    fo_flink_rest_failure_release(&op->failure);
    memset(op, 0, sizeof *op);
    op->checkpoint_id = -1;
}

fo_rc fo_flink_rest_decode_operation(const json_t *v, fo_flink_operation *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    out->checkpoint_id = -1;
    if (need_object(v, "operation result", err) != FO_OK ||
        queue_status(v, "operation result", &out->completed, err) != FO_OK)
        return FO_EPROTO;
    const json_t *op = member(v, "operation");
    if (!out->completed || !op)
        return FO_OK;
    if (!json_is_object(op))
        return proto(err, "operation result.operation: expected an object");
    /* SavepointInfo and AsynchronousOperationInfo spell it failure-cause, CheckpointInfo
     * failureCause. */
    const json_t *cause = member(op, "failure-cause");
    if (!cause)
        cause = member(op, "failureCause");
    fo_rc rc = fo_flink_rest_decode_failure(cause, &out->failure, err);
    if (rc != FO_OK) {
        fo_err_wrap(err, "operation result.operation");
        return rc;
    }
    out->location = dup_str(op, "location");
    out->checkpoint_id = get_i64(op, "checkpointId", -1);
    return FO_OK;
}

fo_rc fo_flink_rest_decode_trigger(const json_t *v, char trigger[33], fo_err *err)
{
    trigger[0] = '\0';
    if (need_object(v, "trigger response", err) != FO_OK)
        return FO_EPROTO;
    return copy_id(v, "request-id", "trigger response", trigger, err);
}

/* ---- checkpoints ---- */

void fo_flink_rest_checkpoint_release(fo_flink_checkpoint *c)
{
    if (!c)
        return;
    free(c->external_path);
    free(c->failure_message);
    memset(c, 0, sizeof *c);
    c->id = -1;
}

fo_rc fo_flink_rest_decode_checkpoint(const json_t *v, fo_flink_checkpoint *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = -1;
    if (need_object(v, "checkpoint", err) != FO_OK)
        return FO_EPROTO;
    if (!json_is_integer(json_object_get(v, "id")))
        return proto(err, "checkpoint.id: missing");
    out->id = json_integer_value(json_object_get(v, "id"));
    snprintf(out->status, sizeof out->status, "%s", str_or_empty(v, "status"));
    snprintf(out->type, sizeof out->type, "%s", str_or_empty(v, "checkpoint_type"));
    out->savepoint = get_bool(v, "is_savepoint");
    out->discarded = get_bool(v, "discarded");
    out->trigger_ms = get_i64(v, "trigger_timestamp", 0);
    out->latest_ack_ms = get_i64(v, "latest_ack_timestamp", 0);
    out->state_size = get_i64(v, "state_size", 0);
    out->duration_ms = get_i64(v, "end_to_end_duration", 0);
    out->external_path = dup_str(v, "external_path");
    out->failure_message = dup_str(v, "failure_message");
    return FO_OK;
}

void fo_flink_rest_checkpoint_stats_release(fo_flink_checkpoint_stats *s)
{
    if (!s)
        return;
    fo_flink_rest_checkpoint_release(&s->latest_completed);
    fo_flink_rest_checkpoint_release(&s->latest_savepoint);
    fo_flink_rest_checkpoint_release(&s->latest_failed);
    free(s->restored_from.external_path);
    memset(s, 0, sizeof *s);
    s->latest_completed.id = s->latest_savepoint.id = s->latest_failed.id = -1;
    s->restored_from.id = -1;
}

fo_rc fo_flink_rest_decode_checkpoints(const json_t *v, fo_flink_checkpoint_stats *out, fo_err *err)
{
    fo_flink_checkpoint_stats zero = {0};
    *out = zero;
    fo_flink_rest_checkpoint_stats_release(out); /* sets the -1 ids */
    if (need_object(v, "checkpoints", err) != FO_OK)
        return FO_EPROTO;
    out->enabled = true;
    const json_t *counts = member(v, "counts");
    out->completed = get_i64(counts, "completed", 0);
    out->failed = get_i64(counts, "failed", 0);
    out->in_progress = get_i64(counts, "in_progress", 0);
    out->restored = get_i64(counts, "restored", 0);
    out->total = get_i64(counts, "total", 0);
    const json_t *latest = member(v, "latest");
    static const char *const keys[] = {"completed", "savepoint", "failed"};
    fo_flink_checkpoint *dst[] = {&out->latest_completed, &out->latest_savepoint,
                                  &out->latest_failed};
    for (size_t i = 0; i < 3; i++) {
        const json_t *c = member(latest, keys[i]);
        fo_rc rc = c ? fo_flink_rest_decode_checkpoint(c, dst[i], err) : FO_OK;
        if (rc != FO_OK) {
            fo_flink_rest_checkpoint_stats_release(out);
            fo_err_wrap(err, "checkpoints.latest.%s", keys[i]);
            return rc;
        }
    }
    const json_t *r = member(latest, "restored");
    if (r) {
        if (!json_is_object(r)) {
            fo_flink_rest_checkpoint_stats_release(out);
            return proto(err, "checkpoints.latest.restored: expected an object");
        }
        out->restored_from.id = get_i64(r, "id", -1);
        out->restored_from.savepoint = get_bool(r, "is_savepoint");
        out->restored_from.external_path = dup_str(r, "external_path");
        out->restored_from.restore_ms = get_i64(r, "restore_timestamp", 0);
    }
    return FO_OK;
}

/* CheckpointConfigHandler writes ExternalizedCheckpointInfo from the job's
 * CheckpointRetentionPolicy: enabled = not NEVER_RETAIN_AFTER_TERMINATION, delete_on_cancellation
 * = not RETAIN_ON_CANCELLATION (so RETAIN_ON_FAILURE, the DELETE_ON_CANCELLATION of the
 * configuration, is enabled and deleting). Same names in 1.20 and 2.x. */
fo_rc fo_flink_rest_decode_checkpoint_config(const json_t *v, fo_flink_checkpoint_config *out,
                                             fo_err *err)
{
    memset(out, 0, sizeof *out);
    out->interval_ms = -1;
    if (need_object(v, "checkpoint_config", err) != FO_OK)
        return FO_EPROTO;
    const json_t *ext = member(v, "externalization");
    if (!ext)
        return proto(err, "checkpoint_config.externalization: missing");
    if (!json_is_object(ext))
        return proto(err, "checkpoint_config.externalization: expected an object");
    static const char *const keys[] = {"enabled", "delete_on_cancellation"};
    for (size_t i = 0; i < 2; i++)
        if (!json_is_boolean(json_object_get(ext, keys[i])))
            return proto(err, "checkpoint_config.externalization.%s: missing or not a boolean",
                         keys[i]);
    out->enabled = true;
    out->interval_ms = get_i64(v, "interval", -1);
    out->externalized = get_bool(ext, "enabled");
    out->delete_on_cancellation = get_bool(ext, "delete_on_cancellation");
    out->retention = !out->externalized            ? FO_FLINK_NO_EXTERNALIZED_CHECKPOINTS
                     : out->delete_on_cancellation ? FO_FLINK_DELETE_ON_CANCELLATION
                                                   : FO_FLINK_RETAIN_ON_CANCELLATION;
    return FO_OK;
}

/* ---- metrics ---- */

void fo_flink_rest_metrics_release(fo_flink_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++) {
        free(m->items[i].id);
        free(m->items[i].value);
    }
    free(m->items);
    memset(m, 0, sizeof *m);
}

const char *fo_flink_rest_metrics_get(const fo_flink_metrics *m, const char *id)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->items[i].id, id) == 0)
            return m->items[i].value;
    return NULL;
}

fo_rc fo_flink_rest_decode_metrics(const json_t *v, fo_flink_metrics *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    const json_t *arr = json_is_object(v) ? json_object_get(v, "metrics") : v;
    if (!json_is_array(arr))
        return proto(err, "metrics: expected an array");
    size_t n = json_array_size(arr);
    out->items = n ? calloc(n, sizeof *out->items) : NULL;
    if (n && !out->items)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(arr, i);
        const char *id = json_string_value(json_object_get(m, "id"));
        if (!id) {
            fo_flink_rest_metrics_release(out);
            return proto(err, "metrics[%zu].id: missing", i);
        }
        const json_t *val = json_object_get(m, "value");
        char buf[64] = "";
        const char *s = json_string_value(val);
        if (!s && json_is_integer(val))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(val)), s = buf;
        else if (!s && json_is_real(val))
            snprintf(buf, sizeof buf, "%.17g", json_real_value(val)), s = buf;
        out->items[out->count].id = strdup(id);
        out->items[out->count].value = s ? strdup(s) : NULL;
        out->count++;
    }
    return FO_OK;
}

/* ---- jars ---- */

fo_rc fo_flink_rest_decode_jar_upload(const json_t *v, char **jar_id, fo_err *err)
{
    *jar_id = NULL;
    if (need_object(v, "jar upload", err) != FO_OK)
        return FO_EPROTO;
    const char *status = json_string_value(json_object_get(v, "status"));
    if (!status || strcmp(status, "success") != 0)
        return proto(err, "jar upload.status: '%s', not success", status ? status : "(missing)");
    const char *filename = json_string_value(json_object_get(v, "filename"));
    if (!filename || !*filename)
        return proto(err, "jar upload.filename: missing");
    /* The jar id is the uploaded file's name (JarUploadResponseBody, spec of /jars/{jarid}). */
    const char *slash = strrchr(filename, '/');
    const char *id = slash ? slash + 1 : filename;
    if (!*id)
        return proto(err, "jar upload.filename: '%.200s' has no file name", filename);
    *jar_id = strdup(id);
    return *jar_id ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
}

fo_rc fo_flink_rest_decode_jar_run(const json_t *v, char job_id[33], fo_err *err)
{
    job_id[0] = '\0';
    if (need_object(v, "jar run", err) != FO_OK)
        return FO_EPROTO;
    return copy_id(v, "jobid", "jar run", job_id, err);
}

/* ---- errors ---- */

static fo_rc rc_for_status(int status, const char *message)
{
    switch (status) {
    case 400:
        return FO_EINVAL;
    case 404:
        return FO_ENOTFOUND;
    case 409:
        return FO_ECONFLICT;
    case 408:
    case 504:
        return FO_ETIMEOUT;
    case 429:
        return FO_ETOOMANY;
    case 502:
    case 503:
        return FO_EUNAVAIL;
    default:
        break;
    }
    /* Flink answers a submission with a job id it already has with 500 and the exception. */
    if (message && strstr(message, "DuplicateJobSubmissionException"))
        return FO_EEXISTS;
    if (status == 401 || status == 403)
        return FO_EFORBIDDEN;
    return FO_EPROTO;
}

fo_rc fo_flink_rest_decode_error(int status, const char *body, size_t len, fo_err *err)
{
    char msg[FO_ERR_MSG_MAX] = "";
    size_t used = 0;
    /* room for the message behind "HTTP <status>: " in err->message */
    size_t cap = sizeof msg - 1 - (size_t)snprintf(NULL, 0, "HTTP %d: ", status);
    json_t *v = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    const json_t *errors = json_object_get(v, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *s = json_string_value(e);
        if (!s || !*s)
            continue;
        /* the first line of each; one longer than the room left is cut (whole characters) */
        size_t line = strcspn(s, "\r\n"), sep = used ? 2 : 0;
        if (used + sep >= cap)
            break;
        size_t take = fo_utf8_prefix(s, line, cap - used - sep);
        memcpy(msg + used, "; ", sep);
        memcpy(msg + used + sep, s, take);
        used += sep + take;
        msg[used] = '\0';
        if (take < line)
            break;
    }
    if (!used && body && len)
        snprintf(msg, sizeof msg, "%.*s", (int)fo_utf8_prefix(body, len, 300), body);
    if (!msg[0])
        snprintf(msg, sizeof msg, "no error message");
    json_decref(v);
    fo_rc rc = rc_for_status(status, msg);
    fo_err_set(err, rc, "HTTP %d: %s", status, msg);
    if (err)
        err->http_status = status;
    return rc;
}
