/* REST views of the simulated cluster, shaped after the schemas of Flink's OpenAPI spec
 * (docs/static/generated/rest_v1_dispatcher.yml, 1.20 and 2.x; see ../shared/specs/README.md)
 * and, where a class has its own JSON serializer, after what that serializer writes:
 *   - JobResult (execution-result) is written by JobResultSerializer: id, application-status,
 *     accumulator-results, net-runtime, failure-cause;
 *   - SerializedThrowable (failure causes) by SerializedThrowableSerializer: class,
 *     stack-trace, serialized-throwable;
 *   - MetricCollectionResponseBody as a bare array of {id, value} (the snapshot spec says "any").
 * Fields that a version's spec does not list are left out for that version (2.x drops the
 * deprecated root-exception/all-exceptions, adds pending-operators). Absent values are left out
 * rather than written as null, because the spec's schemas are not nullable. */
#include "tests/fakes/flink/flink_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/fakes/flink/flink_sim_int.h"

static const char *const exec_states[] = {"CREATED",  "SCHEDULED", "DEPLOYING",   "RUNNING",
                                          "FINISHED", "CANCELING", "CANCELED",    "FAILED",
                                          "RECONCILING", "INITIALIZING"};
#define N_EXEC_STATES (sizeof exec_states / sizeof exec_states[0])

/* The ExecutionState the tasks of a job are in (a RUNNING job's wait for slots: SCHEDULED). */
static const char *task_state(const ff_job *j)
{
    switch (j->state) {
    case FF_CREATED: return "SCHEDULED";
    case FF_RUNNING: return j->waiting_slots ? "SCHEDULED" : "RUNNING";
    case FF_FAILING:
    case FF_CANCELLING: return "CANCELING";
    case FF_FAILED: return "FAILED";
    case FF_FINISHED: return "FINISHED";
    case FF_RESTARTING: return "CREATED";
    case FF_RECONCILING: return "RECONCILING";
    case FF_INITIALIZING: return NULL; /* no execution graph yet */
    default: return "CANCELED";
    }
}

static int64_t ntasks(const ff_job *j)
{
    return j->state == FF_INITIALIZING ? 0 : 2 * (int64_t)j->parallelism;
}

static int64_t duration(const fo_flink_sim *sim, const ff_job *j)
{
    return (j->end_ms >= 0 ? j->end_ms : sim->now) - j->start_ms;
}

/* JobDetails.tasks: lower-case execution states plus "total". */
static json_t *task_counts_lower(const ff_job *j)
{
    json_t *o = json_object();
    const char *st = task_state(j);
    for (size_t i = 0; i < N_EXEC_STATES; i++) {
        char lower[32];
        size_t k = 0;
        for (; exec_states[i][k] && k < sizeof lower - 1; k++)
            lower[k] = (char)(exec_states[i][k] | 0x20);
        lower[k] = '\0';
        json_object_set_new(o, lower,
                            json_integer(st && strcmp(st, exec_states[i]) == 0 ? ntasks(j) : 0));
    }
    json_object_set_new(o, "pending", json_integer(0));
    json_object_set_new(o, "total", json_integer(ntasks(j)));
    return o;
}

static json_t *status_counts(const char *st, int64_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < N_EXEC_STATES; i++)
        json_object_set_new(o, exec_states[i],
                            json_integer(st && strcmp(st, exec_states[i]) == 0 ? n : 0));
    return o;
}

json_t *fo_flink_sim_json_config(const fo_flink_sim *sim)
{
    return json_pack("{s:i, s:s, s:i, s:s, s:s, s:{s:b, s:b, s:b, s:b}}", "refresh-interval", 3000,
                     "timezone-name", "Coordinated Universal Time", "timezone-offset", 0,
                     "flink-version", sim->version, "flink-revision", sim->revision, "features",
                     "web-submit", 0, "web-cancel", 0, "web-rescale", 0, "web-history", 0);
}

json_t *fo_flink_sim_json_jm_config(const fo_flink_sim *sim)
{
    json_t *arr = json_array();
    char slots[16];
    snprintf(slots, sizeof slots, "%d", sim->slots_per_tm);
    const char *defaults[][2] = {{"rest.port", "8081"},
                                 {"jobmanager.rpc.port", "6123"},
                                 {"taskmanager.numberOfTaskSlots", slots}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (!json_object_get(sim->conf, defaults[i][0]))
            json_array_append_new(arr, json_pack("{s:s, s:s}", "key", defaults[i][0], "value",
                                                 defaults[i][1]));
    const char *key;
    json_t *v;
    json_object_foreach(sim->conf, key, v) {
        json_array_append_new(arr, json_pack("{s:s, s:O}", "key", key, "value", v));
    }
    return arr;
}

json_t *fo_flink_sim_json_overview(const fo_flink_sim *sim)
{
    int running = 0, finished = 0, cancelled = 0, failed = 0;
    for (size_t i = 0; i < sim->njobs; i++) {
        switch (sim->jobs[i]->state) {
        case FF_FINISHED: finished++; break;
        case FF_CANCELED: cancelled++; break;
        case FF_FAILED: failed++; break;
        default: running++; break;
        }
    }
    int total = sim->taskmanagers * sim->slots_per_tm;
    int avail = total - ff_slots_used(sim);
    char commit[96];
    snprintf(commit, sizeof commit, "%s", sim->revision);
    char *sp = strchr(commit, ' ');
    if (sp)
        *sp = '\0';
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:s}", "taskmanagers",
                     sim->taskmanagers, "taskmanagers-blocked", 0, "slots-total", total,
                     "slots-available", avail > 0 ? avail : 0, "slots-free-and-blocked", 0,
                     "jobs-running", running, "jobs-finished", finished, "jobs-cancelled",
                     cancelled, "jobs-failed", failed, "flink-version", sim->version,
                     "flink-commit", commit);
}

json_t *fo_flink_sim_json_jobs(const fo_flink_sim *sim)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sim->njobs; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s}", "id", sim->jobs[i]->id, "status",
                                             ff_state_name(sim->jobs[i]->state)));
    return json_pack("{s:o}", "jobs", arr);
}

static json_t *job_details_entry(const fo_flink_sim *sim, const ff_job *j)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:I, s:o}", "jid", j->id, "name",
                          j->name, "start-time", (json_int_t)j->start_ms, "end-time",
                          (json_int_t)j->end_ms, "duration", (json_int_t)duration(sim, j), "state",
                          ff_state_name(j->state), "last-modification",
                          (json_int_t)j->state_since, "tasks", task_counts_lower(j));
    if (sim->major >= 2)
        json_object_set_new(o, "pending-operators", json_integer(0));
    return o;
}

json_t *fo_flink_sim_json_jobs_overview(const fo_flink_sim *sim)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sim->njobs; i++)
        json_array_append_new(arr, job_details_entry(sim, sim->jobs[i]));
    return json_pack("{s:o}", "jobs", arr);
}

static json_t *io_metrics(void)
{
    return json_pack("{s:i, s:b, s:i, s:b, s:i, s:b, s:i, s:b, s:i, s:i, s:f}", "read-bytes", 0,
                     "read-bytes-complete", 1, "write-bytes", 0, "write-bytes-complete", 1,
                     "read-records", 0, "read-records-complete", 1, "write-records", 0,
                     "write-records-complete", 1, "accumulated-backpressured-time", 0,
                     "accumulated-idle-time", 0, "accumulated-busy-time", 0.0);
}

static const char *const vertex_names[2] = {"Source: Custom Source", "Sink: Print to Std. Out"};

json_t *fo_flink_sim_json_job(const fo_flink_sim *sim, const char *job_id, fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    json_t *ts = json_object();
    for (int s = 0; s < FF_STATE_COUNT; s++)
        json_object_set_new(ts, ff_state_name(s), json_integer(j->timestamps[s]));
    const char *st = task_state(j);
    json_t *vertices = json_array(), *nodes = json_array();
    for (int v = 0; st && v < 2; v++) {
        json_array_append_new(
            vertices,
            json_pack("{s:s, s:s, s:i, s:i, s:s, s:I, s:I, s:I, s:o, s:o}", "id", j->vertex[v],
                      "name", vertex_names[v], "maxParallelism", 128, "parallelism",
                      j->parallelism, "status", st, "start-time", (json_int_t)j->start_ms,
                      "end-time", (json_int_t)j->end_ms, "duration", (json_int_t)duration(sim, j),
                      "tasks", status_counts(st, j->parallelism), "metrics", io_metrics()));
        json_t *node = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}", "id", j->vertex[v],
                                 "parallelism", j->parallelism, "operator", "", "operator_strategy",
                                 "", "description", vertex_names[v], "optimizer_properties",
                                 json_object());
        if (v == 1)
            json_object_set_new(node, "inputs",
                                json_pack("[{s:i, s:s, s:s, s:s}]", "num", 0, "id", j->vertex[0],
                                          "ship_strategy", "FORWARD", "exchange",
                                          "pipelined_bounded"));
        json_array_append_new(nodes, node);
    }
    json_t *o = json_pack(
        "{s:s, s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:i, s:I, s:o, s:o, s:o, s:o}", "jid", j->id,
        "name", j->name, "isStoppable", 0, "state", ff_state_name(j->state), "job-type",
        "STREAMING", "start-time", (json_int_t)j->start_ms, "end-time", (json_int_t)j->end_ms,
        "duration", (json_int_t)duration(sim, j), "maxParallelism", -1, "now", (json_int_t)sim->now,
        "timestamps", ts, "vertices", vertices, "status-counts", status_counts(st, st ? 2 : 0),
        "plan",
        json_pack("{s:s, s:s, s:s, s:o}", "jid", j->id, "name", j->name, "type", "STREAMING",
                  "nodes", nodes));
    if (sim->major >= 2)
        json_object_set_new(o, "pending-operators", json_integer(0));
    return o;
}

json_t *fo_flink_sim_json_job_status(const fo_flink_sim *sim, const char *job_id, fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    return j ? json_pack("{s:s}", "status", ff_state_name(j->state)) : NULL;
}

/* SerializedThrowableSerializer. The serialized bytes are a stand-in (Java serialisation
 * magic "aced0005"), since nothing outside a JVM can read them anyway. */
static json_t *throwable(const char *cls, const char *stack)
{
    return json_pack("{s:s, s:s, s:s}", "class", cls, "stack-trace", stack,
                     "serialized-throwable", "rO0ABQ==");
}

json_t *fo_flink_sim_json_execution_result(const fo_flink_sim *sim, const char *job_id,
                                           fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    if (!ff_state_globally_terminal(j->state))
        return json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS");
    const char *app = j->state == FF_FINISHED ? "SUCCEEDED"
                      : j->state == FF_FAILED ? "FAILED"
                                              : "CANCELED";
    json_t *res = json_pack("{s:s, s:s, s:{}, s:I}", "id", j->id, "application-status", app,
                            "accumulator-results", "net-runtime",
                            (json_int_t)(j->end_ms - j->start_ms));
    if (j->state == FF_FAILED && j->failure_class)
        json_object_set_new(res, "failure-cause", throwable(j->failure_class, j->failure_stack));
    return json_pack("{s:{s:s}, s:o}", "status", "id", "COMPLETED", "job-execution-result", res);
}

json_t *fo_flink_sim_json_exceptions(const fo_flink_sim *sim, const char *job_id,
                                     int max_exceptions, fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    size_t n = j->nexc;
    if (max_exceptions >= 0 && (size_t)max_exceptions < n)
        n = (size_t)max_exceptions;
    json_t *entries = json_array();
    for (size_t i = 0; i < n; i++) {
        const ff_exc *e = &j->exc[i];
        char task[128];
        snprintf(task, sizeof task, "%s (1/%d)#%lld", vertex_names[0], j->parallelism,
                 (long long)j->restarts);
        json_t *entry = json_pack(
            "{s:s, s:s, s:I, s:s, s:s, s:s, s:{}, s:[]}", "exceptionName", e->name, "stacktrace",
            e->stack, "timestamp", (json_int_t)e->ts, "taskName", task, "endpoint",
            "10.0.0.11:6121", "taskManagerId", sim->tm_ids[0], "failureLabels",
            "concurrentExceptions");
        if (sim->major < 2)
            json_object_set_new(entry, "location", json_string("10.0.0.11:6121"));
        json_array_append_new(entries, entry);
    }
    json_t *o = json_pack("{s:{s:o, s:b}}", "exceptionHistory", "entries", entries, "truncated",
                          n < j->nexc);
    if (sim->major < 2) {
        /* The deprecated first-level members of 1.x. */
        json_object_set_new(o, "all-exceptions", json_array());
        json_object_set_new(o, "truncated", json_false());
        if (j->nexc) {
            json_object_set_new(o, "root-exception", json_string(j->exc[0].stack));
            json_object_set_new(o, "timestamp", json_integer(j->exc[0].ts));
        }
    }
    return o;
}

static const char *snap_type(const ff_snap *s)
{
    return !s->savepoint ? "CHECKPOINT" : s->sync ? "SYNC_SAVEPOINT" : "SAVEPOINT";
}

static json_t *snap_json(const fo_flink_sim *sim, const ff_job *j, const ff_snap *s, bool tasks)
{
    static const char *const class_names[] = {"in_progress", "completed", "failed"};
    static const char *const status_names[] = {"IN_PROGRESS", "COMPLETED", "FAILED"};
    int64_t subtasks = 2 * (int64_t)j->parallelism;
    int st = ff_snap_status(sim, j, s);
    int64_t acked = s->status == FF_SNAP_IN_PROGRESS ? subtasks / 2 : subtasks;
    int64_t latest_ack = s->status == FF_SNAP_IN_PROGRESS ? sim->now : s->ack_ms;
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:s}",
        "className", class_names[st], "id", (json_int_t)s->id, "status", status_names[st],
        "is_savepoint", s->savepoint, "trigger_timestamp",
        (json_int_t)s->trigger_ms, "latest_ack_timestamp", (json_int_t)latest_ack,
        "checkpointed_size", (json_int_t)s->state_size, "state_size", (json_int_t)s->state_size,
        "end_to_end_duration", (json_int_t)(latest_ack - s->trigger_ms), "alignment_buffered", 0,
        "processed_data", 0, "persisted_data", 0, "num_subtasks", (json_int_t)subtasks,
        "num_acknowledged_subtasks", (json_int_t)acked, "checkpoint_type", snap_type(s));
    if (s->savepoint)
        json_object_set_new(o, "savepointFormat", json_string(s->format));
    json_t *t = json_object();
    for (int v = 0; tasks && v < 2; v++)
        json_object_set_new(
            t, j->vertex[v],
            json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:i}", "id",
                      (json_int_t)s->id, "status", status_names[st], "latest_ack_timestamp",
                      (json_int_t)latest_ack, "checkpointed_size", (json_int_t)(s->state_size / 2),
                      "state_size", (json_int_t)(s->state_size / 2), "end_to_end_duration",
                      (json_int_t)(latest_ack - s->trigger_ms), "alignment_buffered", 0,
                      "processed_data", 0, "persisted_data", 0, "num_subtasks", j->parallelism,
                      "num_acknowledged_subtasks",
                      s->status == FF_SNAP_IN_PROGRESS ? j->parallelism / 2 : j->parallelism));
    json_object_set_new(o, "tasks", t);
    if (st == FF_SNAP_COMPLETED) {
        json_object_set_new(o, "external_path", json_string(s->path));
        json_object_set_new(o, "discarded", json_boolean(s->discarded));
    } else if (s->status == FF_SNAP_FAILED) {
        json_object_set_new(o, "failure_timestamp", json_integer(s->ack_ms));
        json_object_set_new(o, "failure_message", json_string(s->failure ? s->failure : ""));
    }
    return o;
}

/* StatsSummaryDto over the completed snapshots we still remember. */
static json_t *summary(const fo_flink_sim *sim, const ff_job *j, bool durations)
{
    int64_t min = 0, max = 0, sum = 0, n = 0;
    for (size_t i = 0; i < j->nsnaps; i++) {
        const ff_snap *s = &j->snaps[i];
        if (ff_snap_status(sim, j, s) != FF_SNAP_COMPLETED)
            continue;
        int64_t v = durations ? s->ack_ms - s->trigger_ms : s->state_size;
        min = n == 0 || v < min ? v : min;
        max = n == 0 || v > max ? v : max;
        sum += v;
        n++;
    }
    double avg = n ? (double)sum / (double)n : 0.0;
    return json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}", "min", (json_int_t)min, "max",
                     (json_int_t)max, "avg", (json_int_t)(n ? sum / n : 0), "p50", avg, "p90",
                     (double)max, "p95", (double)max, "p99", (double)max, "p999", (double)max);
}

/* CheckpointingStatisticsHandler answers 404 for a graph without checkpoint statistics, which
 * only a graph without checkpointing settings has (DefaultExecutionGraphBuilder enables
 * checkpointing whenever the job graph has them): a batch job. A streaming job always has them,
 * with or without an interval (the job graph generator then sets Long.MAX_VALUE: no periodic
 * checkpoints, but triggered ones and savepoints), so its statistics are answered, with nothing
 * counted before its first snapshot; so are a batch job's on a static graph (DefaultScheduler,
 * see batch_graph_is_dynamic). */
json_t *fo_flink_sim_json_checkpoints(const fo_flink_sim *sim, const char *job_id, fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    if (j->no_checkpointing) {
        ff_http_err(err, 404, FO_ENOTFOUND, "Checkpointing has not been enabled.");
        return NULL;
    }
    int64_t in_progress = 0, completed = j->n_completed;
    for (size_t i = 0; i < j->nsnaps; i++) {
        int st = ff_snap_status(sim, j, &j->snaps[i]);
        in_progress += st == FF_SNAP_IN_PROGRESS;
        completed -= st != j->snaps[i].status; /* reported in progress until stored */
    }
    json_t *latest = json_object();
    const ff_snap *s;
    if ((s = ff_latest(sim, j, FF_SNAP_COMPLETED, 0)))
        json_object_set_new(latest, "completed", snap_json(sim, j, s, false));
    if ((s = ff_latest(sim, j, FF_SNAP_COMPLETED, 1)))
        json_object_set_new(latest, "savepoint", snap_json(sim, j, s, false));
    if ((s = ff_latest(sim, j, FF_SNAP_FAILED, -1)))
        json_object_set_new(latest, "failed", snap_json(sim, j, s, false));
    if (j->restore_path)
        json_object_set_new(latest, "restored",
                            json_pack("{s:I, s:I, s:b, s:s}", "id", (json_int_t)j->restore_id,
                                      "restore_timestamp", (json_int_t)j->restore_ms,
                                      "is_savepoint", j->restore_savepoint, "external_path",
                                      j->restore_path));
    json_t *history = json_array();
    for (size_t i = j->nsnaps, k = 0; i-- > 0 && k < FO_FLINK_SIM_HISTORY; k++)
        json_array_append_new(history, snap_json(sim, j, &j->snaps[i], false));
    json_t *size = summary(sim, j, false), *dur = summary(sim, j, true);
    return json_pack(
        "{s:{s:I, s:I, s:I, s:I, s:I}, s:{s:o, s:O, s:o, s:O, s:O, s:O}, s:o, s:o}", "counts",
        "restored", (json_int_t)j->restored_count, "total", (json_int_t)j->n_total, "in_progress",
        (json_int_t)in_progress, "completed", (json_int_t)completed, "failed",
        (json_int_t)j->n_failed, "summary", "checkpointed_size", size, "state_size", size,
        "end_to_end_duration", dur, "alignment_buffered", dur, "processed_data", dur,
        "persisted_data", dur, "latest", latest, "history", history);
}

/* CheckpointConfigInfo as CheckpointConfigHandler writes it: the mode in lower case
 * (ProcessingModeSerializer, where the generated spec lists the enum constants), and
 * ExternalizedCheckpointInfo from the job's retention policy: enabled unless
 * NEVER_RETAIN_AFTER_TERMINATION, delete_on_cancellation unless RETAIN_ON_CANCELLATION. A job
 * without checkpointing (batch) answers 404, as its statistics do. Without an interval the
 * job graph generator sets Long.MAX_VALUE, and the mode it sets is AT_LEAST_ONCE whatever
 * execution.checkpointing.mode says (getCheckpointingMode when checkpointing is off). */
json_t *fo_flink_sim_json_checkpoint_config(const fo_flink_sim *sim, const char *job_id,
                                            fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    if (j->no_checkpointing) {
        ff_http_err(err, 404, FO_ENOTFOUND, "Checkpointing is not enabled for this job (%s).",
                    j->id);
        return NULL;
    }
    const char *mode =
        json_string_value(json_object_get(sim->conf, "execution.checkpointing.mode"));
    const char *backend = json_string_value(json_object_get(sim->conf, "state.backend.type"));
    int64_t timeout = 600000;
    ff_parse_duration_ms(
        json_string_value(json_object_get(sim->conf, "execution.checkpointing.timeout")),
        &timeout);
    bool rocksdb = backend && strcasecmp(backend, "rocksdb") == 0;
    bool periodic = sim->checkpoint_interval_ms > 0 && !j->batch;
    bool exactly_once = periodic && !(mode && strcasecmp(mode, "AT_LEAST_ONCE") == 0);
    return json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:{s:b, s:b}, s:s, s:s, s:b, s:i, s:I, s:b, s:b, s:I, s:s}",
        "mode", exactly_once ? "exactly_once" : "at_least_once", "interval",
        (json_int_t)(periodic ? sim->checkpoint_interval_ms : INT64_MAX), "timeout",
        (json_int_t)timeout,
        "min_pause", (json_int_t)0, "max_concurrent", (json_int_t)1, "externalization",
        "enabled", j->retention != FF_RETAIN_NEVER, "delete_on_cancellation",
        j->retention != FF_RETAIN_ON_CANCELLATION, "state_backend",
        rocksdb ? "EmbeddedRocksDBStateBackend" : "HashMapStateBackend", "checkpoint_storage",
        sim->checkpoint_dir ? "FileSystemCheckpointStorage" : "JobManagerCheckpointStorage",
        "unaligned_checkpoints", 0, "tolerable_failed_checkpoints", 0,
        "aligned_checkpoint_timeout", (json_int_t)0, "checkpoints_after_tasks_finish", 1,
        "state_changelog_enabled", 0, "changelog_periodic_materialization_interval",
        (json_int_t)600000, "changelog_storage", "memory");
}

json_t *fo_flink_sim_json_checkpoint_details(const fo_flink_sim *sim, const char *job_id,
                                             int64_t checkpoint_id, fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    for (size_t i = 0; i < j->nsnaps; i++)
        if (j->snaps[i].id == checkpoint_id)
            return snap_json(sim, j, &j->snaps[i], true);
    ff_http_err(err, 404, FO_ENOTFOUND,
                "Could not find checkpointing statistics for checkpoint %lld.",
                (long long)checkpoint_id);
    return NULL;
}

json_t *fo_flink_sim_json_taskmanagers(const fo_flink_sim *sim)
{
    json_t *arr = json_array();
    int used = ff_slots_used(sim);
    for (int i = 0; i < sim->taskmanagers; i++) {
        int busy = used > sim->slots_per_tm ? sim->slots_per_tm : used;
        used -= busy;
        int free_slots = sim->slots_per_tm - busy;
        char path[96];
        snprintf(path, sizeof path, "pekko.tcp://flink@10.0.1.%d:6122/user/rpc/taskmanager_0",
                 i % 250 + 1);
        json_t *total = json_pack("{s:f, s:i, s:i, s:i, s:i, s:{}}", "cpuCores",
                                  (double)sim->slots_per_tm, "taskHeapMemory",
                                  384 * sim->slots_per_tm, "taskOffHeapMemory", 0, "managedMemory",
                                  512 * sim->slots_per_tm, "networkMemory", 128 * sim->slots_per_tm,
                                  "extendedResources");
        json_t *freer = json_pack("{s:f, s:i, s:i, s:i, s:i, s:{}}", "cpuCores", (double)free_slots,
                                  "taskHeapMemory", 384 * free_slots, "taskOffHeapMemory", 0,
                                  "managedMemory", 512 * free_slots, "networkMemory",
                                  128 * free_slots, "extendedResources");
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:i, s:i, s:I, s:i, s:i, s:o, s:o, s:{s:i, s:I, s:I, s:I}, "
                      "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:b}",
                      "id", sim->tm_ids[i], "path", path, "dataPort", 6121, "jmxPort", -1,
                      "timeSinceLastHeartbeat", (json_int_t)sim->now, "slotsNumber",
                      sim->slots_per_tm, "freeSlots", free_slots, "totalResource", total,
                      "freeResource", freer, "hardware", "cpuCores", 2, "physicalMemory",
                      (json_int_t)4294967296LL, "freeMemory", (json_int_t)1073741824LL,
                      "managedMemory", (json_int_t)536870912LL, "memoryConfiguration",
                      "frameworkHeap", (json_int_t)134217728LL, "taskHeap",
                      (json_int_t)402653184LL, "frameworkOffHeap", (json_int_t)134217728LL,
                      "taskOffHeap", (json_int_t)0, "networkMemory", (json_int_t)134217728LL,
                      "managedMemory", (json_int_t)536870912LL, "jvmMetaspace",
                      (json_int_t)268435456LL, "jvmOverhead", (json_int_t)201326592LL,
                      "totalFlinkMemory", (json_int_t)1342177280LL, "totalProcessMemory",
                      (json_int_t)1811939328LL, "blocked", 0));
    }
    return json_pack("{s:o}", "taskmanagers", arr);
}

json_t *fo_flink_sim_json_jars(const fo_flink_sim *sim)
{
    json_t *files = json_array();
    for (size_t i = 0; i < sim->njars; i++)
        json_array_append_new(files, json_pack("{s:s, s:s, s:I, s:[]}", "id", sim->jars[i].id,
                                               "name", sim->jars[i].name, "uploaded",
                                               (json_int_t)sim->jars[i].uploaded_ms, "entry"));
    return json_pack("{s:s, s:o}", "address", "http://localhost:8081", "files", files);
}

/* The metrics of a job the operator reads (health checks, observer) and a few more. */
static void metric_value(const fo_flink_sim *sim, const ff_job *j, const char *name, char *out,
                         size_t len)
{
    const ff_snap *last = ff_latest(sim, j, FF_SNAP_COMPLETED, 0);
    int64_t in_progress = 0, completed = j->n_completed;
    for (size_t i = 0; i < j->nsnaps; i++) {
        int st = ff_snap_status(sim, j, &j->snaps[i]);
        in_progress += st == FF_SNAP_IN_PROGRESS;
        completed -= st != j->snaps[i].status; /* reported in progress until stored */
    }
    out[0] = '\0';
    if (!strcmp(name, "numRestarts") || !strcmp(name, "fullRestarts"))
        snprintf(out, len, "%lld", (long long)j->restarts);
    else if (!strcmp(name, "numberOfCompletedCheckpoints"))
        snprintf(out, len, "%lld", (long long)completed);
    else if (!strcmp(name, "numberOfFailedCheckpoints"))
        snprintf(out, len, "%lld", (long long)j->n_failed);
    else if (!strcmp(name, "numberOfInProgressCheckpoints"))
        snprintf(out, len, "%lld", (long long)in_progress);
    else if (!strcmp(name, "totalNumberOfCheckpoints"))
        snprintf(out, len, "%lld", (long long)j->n_total);
    else if (!strcmp(name, "lastCheckpointDuration"))
        snprintf(out, len, "%lld", (long long)(last ? last->ack_ms - last->trigger_ms : -1));
    else if (!strcmp(name, "lastCheckpointSize"))
        snprintf(out, len, "%lld", (long long)(last ? last->state_size : -1));
    else if (!strcmp(name, "lastCheckpointExternalPath"))
        snprintf(out, len, "%s", last && last->path ? last->path : "n/a");
    else if (!strcmp(name, "uptime"))
        snprintf(out, len, "%lld",
                 (long long)(j->state == FF_RUNNING ? sim->now - j->timestamps[FF_RUNNING] : 0));
    else if (!strcmp(name, "downtime"))
        snprintf(out, len, "%lld",
                 (long long)(j->state == FF_RESTARTING ? sim->now - j->state_since : 0));
}

static const char *const metric_names[] = {
    "numRestarts",        "fullRestarts",           "numberOfCompletedCheckpoints",
    "numberOfFailedCheckpoints", "numberOfInProgressCheckpoints", "totalNumberOfCheckpoints",
    "lastCheckpointDuration",    "lastCheckpointSize",   "lastCheckpointExternalPath",
    "uptime",             "downtime",               NULL};

json_t *fo_flink_sim_json_metrics(const fo_flink_sim *sim, const char *job_id, const char *get,
                                  fo_err *err)
{
    const ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return NULL;
    json_t *arr = json_array();
    if (!get) {
        for (size_t i = 0; metric_names[i]; i++)
            json_array_append_new(arr, json_pack("{s:s}", "id", metric_names[i]));
        return arr;
    }
    char *names = strdup(get), *save = NULL;
    for (char *tok = names ? strtok_r(names, ",", &save) : NULL; tok;
         tok = strtok_r(NULL, ",", &save)) {
        char value[512];
        metric_value(sim, j, tok, value, sizeof value);
        if (value[0]) /* unknown metrics are left out, as Flink does */
            json_array_append_new(arr, json_pack("{s:s, s:s}", "id", tok, "value", value));
    }
    free(names);
    return arr;
}

json_t *fo_flink_sim_json_operation(const fo_flink_sim *sim, const char *kind, const char *job_id,
                                    const char *trigger_id, fo_err *err)
{
    int k = !strcmp(kind, "savepoint") ? FF_OP_SAVEPOINT
            : !strcmp(kind, "checkpoint") ? FF_OP_CHECKPOINT
                                          : FF_OP_DISPOSAL;
    const ff_job *j = k != FF_OP_DISPOSAL ? ff_job_get(sim, job_id, err) : NULL;
    if (k != FF_OP_DISPOSAL && !j)
        return NULL;
    const ff_op *op = ff_op_find(sim, trigger_id, k, job_id);
    if (!op) {
        if (k == FF_OP_DISPOSAL)
            ff_http_err(err, 404, FO_ENOTFOUND, "Operation not found under key: %s",
                        trigger_id ? trigger_id : "");
        else
            ff_http_err(err, 404, FO_ENOTFOUND,
                        "There is no %s operation with triggerId=%s for job %s.", kind,
                        trigger_id ? trigger_id : "", job_id);
        return NULL;
    }
    /* A checkpoint the store does not hold yet (its HA pointer write pending) is in progress. */
    bool unstored = k == FF_OP_CHECKPOINT && op->done && !op->fail_class &&
                    sim->ha_pointer_ack && op->checkpoint_id > j->ha_written_id;
    if (!op->done || unstored)
        return json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS");
    json_t *operation = json_object();
    if (op->fail_class) {
        /* CheckpointInfo spells it failureCause, SavepointInfo and the generic info
         * failure-cause. */
        json_object_set_new(operation, k == FF_OP_CHECKPOINT ? "failureCause" : "failure-cause",
                            throwable(op->fail_class, op->fail_stack));
    } else if (k == FF_OP_SAVEPOINT) {
        json_object_set_new(operation, "location", json_string(op->location ? op->location : ""));
    } else if (k == FF_OP_CHECKPOINT) {
        json_object_set_new(operation, "checkpointId", json_integer(op->checkpoint_id));
    }
    return json_pack("{s:{s:s}, s:o}", "status", "id", "COMPLETED", "operation", operation);
}

static json_t *nullable_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *fo_flink_sim_json_control(const fo_flink_sim *sim)
{
    json_t *jobs = json_array();
    for (size_t i = 0; i < sim->njobs; i++) {
        const ff_job *j = sim->jobs[i];
        json_t *savepoints = json_array(), *checkpoints = json_array();
        for (size_t k = 0; k < j->nsnaps; k++) {
            const ff_snap *s = &j->snaps[k];
            if (s->status == FF_SNAP_COMPLETED)
                json_array_append_new(s->savepoint ? savepoints : checkpoints,
                                      json_string(s->path));
        }
        static const char *const sources[] = {"none", "submission", "ha", "failover"};
        json_t *restored = j->restore_path
                               ? json_pack("{s:s, s:I, s:b, s:s}", "path", j->restore_path,
                                           "checkpointId", (json_int_t)j->restore_id, "savepoint",
                                           j->restore_savepoint, "source",
                                           sources[j->restore_source])
                               : json_null();
        json_array_append_new(
            jobs, json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:O, s:i, "
                            "s:o, s:o, s:b, s:o, s:o}}",
                            "jobId", j->id, "name", j->name, "state", ff_state_name(j->state),
                            "restartCount", (json_int_t)j->restarts, "restoredFrom", restored,
                            "savepoints", savepoints, "checkpoints", checkpoints, "exceptions",
                            json_integer((json_int_t)j->nexc), "submission", "entryClass",
                            nullable_str(j->entry_class), "jarId", nullable_str(j->jar_id), "args",
                            j->args, "parallelism", j->parallelism, "jarURI",
                            nullable_str(j->jar_uri), "restorePath",
                            nullable_str(j->initial_restore_path), "allowNonRestoredState",
                            j->allow_nrs, "restoreMode", nullable_str(j->restore_mode),
                            "finishAfterMs", json_integer(j->finish_after_ms)));
        json_object_set_new(json_object_get(json_array_get(jobs, i), "submission"),
                            "checkpointRetention", json_string(ff_retention_name(j->retention)));
    }
    return json_pack(
        "{s:s, s:s, s:O, s:i, s:i, s:i, s:o, s:o, s:I, s:i, s:b, s:{s:i, s:i, s:i, s:o, s:I}, "
        "s:o, s:o, s:I}",
        "flinkVersion", sim->version, "flinkRevision", sim->revision, "configuration", sim->conf,
        "taskManagers", sim->taskmanagers, "slotsPerTaskManager", sim->slots_per_tm,
        "parallelismDefault", sim->default_parallelism, "checkpointDir",
        nullable_str(sim->checkpoint_dir), "savepointDir", nullable_str(sim->savepoint_dir),
        "checkpointIntervalMs", (json_int_t)sim->checkpoint_interval_ms, "retainedCheckpoints",
        sim->retained, "highAvailability", sim->ha, "faults", "failSavepoints",
        sim->fail_savepoints, "failCheckpoints", sim->fail_checkpoints, "failDisposals",
        sim->fail_disposals, "failureMessage", nullable_str(sim->failure_message), "failEveryMs",
        (json_int_t)sim->fail_every_ms, "jobs", jobs, "jars", fo_flink_sim_json_jars(sim), "nowMs",
        (json_int_t)sim->now);
}
