/* Snapshots and asynchronous operations of the simulated cluster: checkpoints, savepoints,
 * stop-with-savepoint, savepoint disposal, jars and fault settings (see flink_sim.h).
 *
 * Flink's REST API runs these as "asynchronous operations": the trigger answers 202 with a
 * TriggerResponse {"request-id": <32 hex>}, and polling the operation answers an
 * AsynchronousOperationResult that is IN_PROGRESS until the snapshot ends, then COMPLETED with
 * either the result (location / checkpointId) or a failure cause. */
#include "tests/fakes/flink/flink_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/flink/flink_sim_int.h"

ff_op *ff_op_find(const fo_flink_sim *sim, const char *id, int kind, const char *job)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sim->nops; i++) {
        ff_op *op = &sim->ops[i];
        if (op->kind == kind && strcmp(op->id, id) == 0 &&
            (kind == FF_OP_DISPOSAL || strcmp(op->job, job ? job : "") == 0))
            return op;
    }
    return NULL;
}

static void op_clear(ff_op *op)
{
    free(op->location);
    free(op->fail_class);
    free(op->fail_stack);
    free(op->path);
}

/* A new operation slot; when the table is full the oldest finished operation goes (Flink
 * also forgets finished operations after rest.async.store-duration). */
static ff_op *op_new(fo_flink_sim *sim, int kind, const char *job, const char *id, fo_err *err)
{
    if (sim->nops == FO_FLINK_SIM_MAX_OPS) {
        size_t victim = sim->nops;
        for (size_t i = 0; i < sim->nops; i++)
            if (sim->ops[i].done) {
                victim = i;
                break;
            }
        if (victim == sim->nops) {
            ff_http_err(err, 503, FO_ELIMIT, "%d operations are in progress",
                        FO_FLINK_SIM_MAX_OPS);
            return NULL;
        }
        op_clear(&sim->ops[victim]);
        memmove(&sim->ops[victim], &sim->ops[victim + 1],
                (sim->nops - victim - 1) * sizeof sim->ops[0]);
        sim->nops--;
    }
    if (sim->nops == sim->capops) {
        size_t cap = sim->capops ? sim->capops * 2 : 16;
        ff_op *p = realloc(sim->ops, cap * sizeof *p);
        if (!p) {
            ff_http_err(err, 500, FO_ENOMEM, "out of memory");
            return NULL;
        }
        sim->ops = p;
        sim->capops = cap;
    }
    char fresh[33];
    if (id && *id)
        snprintf(fresh, sizeof fresh, "%s", id);
    else
        do
            ff_hex(sim, fresh, 32);
        while (ff_op_find(sim, fresh, kind, job));
    ff_op *op = &sim->ops[sim->nops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->checkpoint_id = -1;
    snprintf(op->job, sizeof op->job, "%s", job ? job : "");
    memcpy(op->id, fresh, sizeof fresh);
    return op;
}

/* Flink reports an operation's failure as a SerializedThrowable whose outermost exception is
 * the CompletionException of the future that carried it. */
static void op_fail(ff_op *op, const char *cls, const char *message)
{
    char stack[1400];
    snprintf(stack, sizeof stack,
             "java.util.concurrent.CompletionException: %s: %s\n"
             "\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable("
             "CompletableFuture.java:331)\n"
             "Caused by: %s: %s\n\tat org.apache.flink.fake.FakeCoordinator.trigger("
             "FakeCoordinator.java:7)\n",
             cls, message, cls, message);
    free(op->fail_class);
    free(op->fail_stack);
    op->fail_class = ff_strdup("java.util.concurrent.CompletionException");
    op->fail_stack = ff_strdup(stack);
    op->done = true;
}

static char *join_path(const char *dir, const char *leaf)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t len = n + strlen(leaf) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%.*s/%s", (int)n, dir, leaf);
    return p;
}

/* Keep the table bounded: drop the oldest snapshot that is not in progress. */
static bool snaps_reserve(ff_job *j)
{
    if (j->nsnaps == FO_FLINK_SIM_MAX_SNAPSHOTS) {
        for (size_t i = 0; i < j->nsnaps; i++) {
            if (j->snaps[i].status == FF_SNAP_IN_PROGRESS)
                continue;
            free(j->snaps[i].path);
            free(j->snaps[i].failure);
            memmove(&j->snaps[i], &j->snaps[i + 1], (j->nsnaps - i - 1) * sizeof j->snaps[0]);
            j->nsnaps--;
            break;
        }
        if (j->nsnaps == FO_FLINK_SIM_MAX_SNAPSHOTS)
            return false;
    }
    if (j->nsnaps == j->capsnaps) {
        size_t cap = j->capsnaps ? j->capsnaps * 2 : 8;
        ff_snap *p = realloc(j->snaps, cap * sizeof *p);
        if (!p)
            return false;
        j->snaps = p;
        j->capsnaps = cap;
    }
    return true;
}

static bool take_fault(int *budget)
{
    if (*budget < 0)
        return true;
    if (*budget > 0) {
        (*budget)--;
        return true;
    }
    return false;
}

ff_snap *ff_snap_start(fo_flink_sim *sim, ff_job *j, bool savepoint, const char *dir, int64_t t)
{
    if (!snaps_reserve(j))
        return NULL;
    ff_snap *s = &j->snaps[j->nsnaps];
    memset(s, 0, sizeof *s);
    s->id = j->next_ckpt_id++;
    s->savepoint = savepoint;
    s->status = FF_SNAP_IN_PROGRESS;
    s->trigger_ms = t;
    s->due_ms = t + (savepoint ? sim->t.savepoint_ms : sim->t.checkpoint_ms);
    s->will_fail = take_fault(savepoint ? &sim->fail_savepoints : &sim->fail_checkpoints);
    s->state_size = 4096 * (int64_t)j->parallelism + 512 * s->id;
    if (savepoint) {
        /* Flink names savepoint directories savepoint-<6 hex of the job id>-<12 hex>. */
        char leaf[40], rand12[13];
        ff_hex(sim, rand12, 12);
        snprintf(leaf, sizeof leaf, "savepoint-%.6s-%s", j->id, rand12);
        s->path = join_path(dir, leaf);
    } else if (sim->checkpoint_dir) {
        char leaf[80];
        snprintf(leaf, sizeof leaf, "%s/chk-%lld", j->id, (long long)s->id);
        s->path = join_path(sim->checkpoint_dir, leaf);
    } else {
        /* JobManagerCheckpointStorage: nothing is written outside the JobManager. */
        s->path = ff_strdup("<checkpoint-not-externally-addressable>");
    }
    j->nsnaps++;
    j->n_total++;
    return s;
}

static bool addressable(const char *path)
{
    return path && path[0] != '<';
}

static void finish_op(fo_flink_sim *sim, ff_job *j, const ff_snap *s)
{
    ff_op *op = s->op[0] ? ff_op_find(sim, s->op, s->savepoint ? FF_OP_SAVEPOINT : FF_OP_CHECKPOINT,
                                      j->id)
                         : NULL;
    if (!op || op->done)
        return;
    if (s->status == FF_SNAP_FAILED) {
        op_fail(op, "org.apache.flink.runtime.checkpoint.CheckpointException", s->failure);
        return;
    }
    op->done = true;
    op->checkpoint_id = s->id;
    if (s->savepoint)
        op->location = ff_strdup(s->path);
}

/* DefaultCompletedCheckpointStore.addCheckpoint writes the new checkpoint to the HA store
 * (addAndLock) and subsumes the oldest ones only once that write succeeded: a failed write keeps
 * every checkpoint the HA data may name. Without ha_pointer_ack the write is taken as done at
 * completion. */
void ff_subsume(fo_flink_sim *sim, ff_job *j)
{
    int kept = 0;
    for (size_t i = j->nsnaps; i-- > 0;) {
        ff_snap *o = &j->snaps[i];
        if (o->savepoint || o->status != FF_SNAP_COMPLETED || o->discarded)
            continue;
        if (sim->ha_pointer_ack && o->id > j->ha_written_id)
            continue; /* not in the store yet: subsumes nothing */
        if (++kept > sim->retained) {
            o->discarded = true;
            if (sim->reg.dispose && addressable(o->path))
                sim->reg.dispose(sim->reg.ctx, o->path);
        }
    }
}

void ff_snap_finish(fo_flink_sim *sim, ff_job *j, ff_snap *s, int64_t t)
{
    s->ack_ms = t;
    if (s->will_fail) {
        s->status = FF_SNAP_FAILED;
        s->failure = ff_strdup(sim->failure_message ? sim->failure_message
                                                    : "Checkpoint expired before completing.");
        j->n_failed++;
        finish_op(sim, j, s);
        return;
    }
    s->status = FF_SNAP_COMPLETED;
    j->n_completed++;
    if (sim->reg.record && addressable(s->path))
        sim->reg.record(sim->reg.ctx, s->path, s->id);
    /* CheckpointCoordinator.completePendingCheckpoint adds a savepoint to the completed
     * checkpoint store, and so to the HA data, only before 1.15 (FLINK-25191). */
    if (sim->ha && sim->reg.ha_record && addressable(s->path) &&
        (!s->savepoint || ff_savepoints_in_store(sim)))
        sim->reg.ha_record(sim->reg.ctx, j->id, s->path, s->id);
    if (!s->savepoint)
        ff_subsume(sim, j);
    int after = FF_AFTER_NONE;
    ff_op *op = s->op[0] ? ff_op_find(sim, s->op, s->savepoint ? FF_OP_SAVEPOINT : FF_OP_CHECKPOINT,
                                      j->id)
                         : NULL;
    if (op)
        after = op->after;
    finish_op(sim, j, s);
    if (after == FF_AFTER_STOP)
        ff_set_state(sim, j, FF_FINISHED, t);
    else if (after == FF_AFTER_CANCEL)
        ff_set_state(sim, j, FF_CANCELED, t);
}

/* CheckpointProperties of CheckpointRetentionPolicy: every policy discards on FINISHED,
 * RETAIN_ON_FAILURE (DELETE_ON_CANCELLATION) also on CANCELED, NEVER_RETAIN_AFTER_TERMINATION on
 * FAILED too. The completed checkpoint store discards them when it shuts down with the job's
 * terminal state; savepoints are never its to discard. */
void ff_discard_on_end(fo_flink_sim *sim, ff_job *j, int state)
{
    bool discard = state == FF_FINISHED ||
                   (state == FF_CANCELED && j->retention != FF_RETAIN_ON_CANCELLATION) ||
                   (state == FF_FAILED && j->retention == FF_RETAIN_NEVER);
    for (size_t i = 0; discard && i < j->nsnaps; i++) {
        ff_snap *s = &j->snaps[i];
        if (s->savepoint || s->status != FF_SNAP_COMPLETED || s->discarded)
            continue;
        s->discarded = true;
        if (sim->reg.dispose && addressable(s->path))
            sim->reg.dispose(sim->reg.ctx, s->path);
    }
}

void ff_abort_snapshots(fo_flink_sim *sim, ff_job *j, int64_t t, const char *why)
{
    for (size_t i = 0; i < j->nsnaps; i++) {
        ff_snap *s = &j->snaps[i];
        if (s->status != FF_SNAP_IN_PROGRESS)
            continue;
        s->status = FF_SNAP_FAILED;
        s->ack_ms = t;
        free(s->failure);
        s->failure = ff_strdup(why);
        j->n_failed++;
        finish_op(sim, j, s);
    }
}

/* Trigger on a job that is not running: Flink accepts the request and fails the operation. */
static void fail_not_running(ff_op *op, const ff_job *j)
{
    char msg[300];
    if (ff_state_globally_terminal(j->state)) {
        snprintf(msg, sizeof msg, "Could not find Flink job (%s)", j->id);
        op_fail(op, "org.apache.flink.runtime.messages.FlinkJobNotFoundException", msg);
    } else {
        snprintf(msg, sizeof msg,
                 "Checkpoint triggering task Source: Custom Source (1/%d) of job %s is not being "
                 "executed at the moment. Aborting checkpoint. Failure reason: Not all required "
                 "tasks are currently running.",
                 j->parallelism, j->id);
        op_fail(op, "org.apache.flink.runtime.checkpoint.CheckpointException", msg);
    }
}

/* SchedulerBase refuses snapshots of a job without a checkpoint coordinator (a batch job on a
 * dynamic graph); a globally terminal one has no scheduler left, the dispatcher answers. */
static bool fail_batch(ff_op *op, const ff_job *j)
{
    if (!j->no_checkpointing || ff_state_globally_terminal(j->state))
        return false;
    char msg[80];
    snprintf(msg, sizeof msg, "Job %s is not a streaming job.", j->id);
    op_fail(op, "java.lang.IllegalStateException", msg);
    return true;
}

static fo_rc check_trigger_id(const char *request_trigger, const char *body_type, fo_err *err)
{
    if (request_trigger && !ff_is_hex32(request_trigger))
        return ff_http_err(err, 400, FO_EINVAL, "Request did not match expected format %s.",
                           body_type);
    return FO_OK;
}

fo_rc fo_flink_sim_trigger_savepoint(fo_flink_sim *sim, const char *job_id, const char *target_dir,
                                     bool stop, bool drain, bool cancel_job, const char *format,
                                     const char *request_trigger, char trigger_out[33],
                                     fo_err *err)
{
    (void)drain;
    const char *body_type = stop ? "StopWithSavepointRequestBody" : "SavepointTriggerRequestBody";
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    if (check_trigger_id(request_trigger, body_type, err) != FO_OK)
        return FO_EINVAL;
    if (format && strcmp(format, "CANONICAL") != 0 && strcmp(format, "NATIVE") != 0)
        return ff_http_err(err, 400, FO_EINVAL, "Request did not match expected format %s.",
                           body_type);
    ff_op *op = ff_op_find(sim, request_trigger, FF_OP_SAVEPOINT, j->id);
    if (op) {
        memcpy(trigger_out, op->id, 33);
        return FO_OK;
    }
    const char *dir = target_dir && *target_dir ? target_dir : sim->savepoint_dir;
    if (!dir)
        return ff_http_err(err, 400, FO_EINVAL,
                           "Config key [%s] is not set. Property [%s] must be provided.",
                           sim->major >= 2 ? "execution.checkpointing.savepoint-dir"
                                           : "state.savepoints.dir",
                           stop ? "targetDirectory" : "target-directory");
    op = op_new(sim, FF_OP_SAVEPOINT, j->id, request_trigger, err);
    if (!op)
        return err ? err->rc : FO_ENOMEM;
    memcpy(trigger_out, op->id, 33);
    if (fail_batch(op, j))
        return FO_OK;
    if (!ff_tasks_running(j)) {
        fail_not_running(op, j);
        return FO_OK;
    }
    /* SchedulerBase.stopWithSavepoint stops the checkpoint scheduler first, which aborts the
     * pending snapshots (CHECKPOINT_COORDINATOR_SUSPEND); job_step triggers no periodic
     * checkpoint while the stop runs, so its savepoint is the job's last snapshot. */
    if (stop)
        ff_abort_snapshots(sim, j, sim->now, "Checkpoint Coordinator is suspending.");
    ff_snap *s = ff_snap_start(sim, j, true, dir, sim->now);
    if (!s) {
        op_fail(op, "org.apache.flink.runtime.checkpoint.CheckpointException",
                "too many snapshots in progress");
        return FO_OK;
    }
    s->sync = stop;
    snprintf(s->format, sizeof s->format, "%s", format ? format : "CANONICAL");
    memcpy(s->op, op->id, 33);
    op->after = stop ? FF_AFTER_STOP : cancel_job ? FF_AFTER_CANCEL : FF_AFTER_NONE;
    return FO_OK;
}

fo_rc fo_flink_sim_trigger_checkpoint(fo_flink_sim *sim, const char *job_id,
                                      const char *checkpoint_type, const char *request_trigger,
                                      char trigger_out[33], fo_err *err)
{
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    if (check_trigger_id(request_trigger, "CheckpointTriggerRequestBody", err) != FO_OK)
        return FO_EINVAL;
    if (checkpoint_type && strcmp(checkpoint_type, "CONFIGURED") != 0 &&
        strcmp(checkpoint_type, "FULL") != 0 && strcmp(checkpoint_type, "INCREMENTAL") != 0)
        return ff_http_err(err, 400, FO_EINVAL,
                           "Request did not match expected format CheckpointTriggerRequestBody.");
    ff_op *op = ff_op_find(sim, request_trigger, FF_OP_CHECKPOINT, j->id);
    if (op) {
        memcpy(trigger_out, op->id, 33);
        return FO_OK;
    }
    op = op_new(sim, FF_OP_CHECKPOINT, j->id, request_trigger, err);
    if (!op)
        return err ? err->rc : FO_ENOMEM;
    memcpy(trigger_out, op->id, 33);
    if (fail_batch(op, j))
        return FO_OK;
    if (!ff_tasks_running(j)) {
        fail_not_running(op, j);
        return FO_OK;
    }
    ff_snap *s = ff_snap_start(sim, j, false, NULL, sim->now);
    if (!s) {
        op_fail(op, "org.apache.flink.runtime.checkpoint.CheckpointException",
                "too many snapshots in progress");
        return FO_OK;
    }
    memcpy(s->op, op->id, 33);
    return FO_OK;
}

fo_rc fo_flink_sim_dispose(fo_flink_sim *sim, const char *path, char trigger_out[33], fo_err *err)
{
    if (!path || !*path)
        /* SavepointDisposalHandlers.SavepointDisposalTriggerHandler */
        return ff_http_err(err, 400, FO_EINVAL,
                           "Field savepoint-path must not be omitted or be null.");
    ff_op *op = op_new(sim, FF_OP_DISPOSAL, NULL, NULL, err);
    if (!op)
        return err ? err->rc : FO_ENOMEM;
    op->path = ff_strdup(path);
    op->due_ms = sim->now + sim->t.savepoint_ms;
    op->will_fail = take_fault(&sim->fail_disposals);
    memcpy(trigger_out, op->id, 33);
    return FO_OK;
}

/* Dispatcher.disposeSavepoint wraps what Checkpoints.disposeSavepoint threw in a FlinkException
 * "Could not dispose savepoint <path>.", carried by the CompletionException of the future. */
static void disposal_fail(ff_op *op, const char *cls, const char *message)
{
    char stack[2600];
    snprintf(stack, sizeof stack,
             "java.util.concurrent.CompletionException: org.apache.flink.util.FlinkException: "
             "Could not dispose savepoint %s.\n"
             "\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable("
             "CompletableFuture.java:315)\n"
             "Caused by: org.apache.flink.util.FlinkException: Could not dispose savepoint %s.\n"
             "\tat org.apache.flink.runtime.dispatcher.Dispatcher.lambda$disposeSavepoint$0("
             "Dispatcher.java:1005)\n"
             "Caused by: %s: %s\n\tat org.apache.flink.runtime.checkpoint.Checkpoints."
             "disposeSavepoint(Checkpoints.java:384)\n",
             op->path, op->path, cls, message);
    free(op->fail_class);
    free(op->fail_stack);
    op->fail_class = ff_strdup("java.util.concurrent.CompletionException");
    op->fail_stack = ff_strdup(stack);
    op->done = true;
}

/* The scheme Flink's FileSystem names in its messages ("file" without one). */
static void path_scheme(const char *path, char *out, size_t len)
{
    const char *sep = strstr(path, "://");
    if (sep && (size_t)(sep - path) < len)
        snprintf(out, len, "%.*s", (int)(sep - path), path);
    else
        snprintf(out, len, "file");
}

/* A disposal ends: it succeeds for a completed snapshot we know of (ours or the registry's),
 * fails with an injected failure (failDisposals: the file system cannot be reached) before
 * touching anything, and fails with Flink's java.io.FileNotFoundException for a path that holds
 * nothing (never written, or disposed of already). */
static void dispose_now(fo_flink_sim *sim, ff_op *op)
{
    if (op->will_fail) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s",
                 sim->failure_message ? sim->failure_message : "injected failure (failDisposals)");
        disposal_fail(op, "java.io.IOException", msg);
        return;
    }
    bool ok = false;
    for (size_t i = 0; i < sim->njobs && !ok; i++) {
        ff_job *j = sim->jobs[i];
        for (size_t k = 0; k < j->nsnaps; k++) {
            ff_snap *s = &j->snaps[k];
            if (s->status == FF_SNAP_COMPLETED && !s->discarded && s->path &&
                strcmp(s->path, op->path) == 0) {
                s->discarded = true;
                ok = true;
            }
        }
    }
    int64_t id = 0;
    if (!ok && sim->reg.lookup && sim->reg.lookup(sim->reg.ctx, op->path, &id) == 1)
        ok = true;
    if (ok && sim->reg.dispose)
        sim->reg.dispose(sim->reg.ctx, op->path);
    if (ok) {
        op->done = true;
        return;
    }
    /* AbstractFsCheckpointStorageAccess.resolveCheckpointPointer: nothing at the path */
    char msg[1200], scheme[32];
    path_scheme(op->path, scheme, sizeof scheme);
    snprintf(msg, sizeof msg,
             "Cannot find checkpoint or savepoint file/directory '%s' on file system '%s'.",
             op->path, scheme);
    disposal_fail(op, "java.io.FileNotFoundException", msg);
}

void ff_ops_advance(fo_flink_sim *sim, int64_t now)
{
    for (size_t i = 0; i < sim->nops; i++) {
        ff_op *op = &sim->ops[i];
        if (!op->done && op->kind == FF_OP_DISPOSAL && op->due_ms <= now)
            dispose_now(sim, op);
    }
}

fo_rc fo_flink_sim_set_faults(fo_flink_sim *sim, const json_t *faults, fo_err *err)
{
    if (!json_is_object(faults))
        return ff_http_err(err, 400, FO_EINVAL, "faults: must be an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)faults, key, v) {
        if (strcmp(key, "failSavepoints") == 0 || strcmp(key, "failCheckpoints") == 0 ||
            strcmp(key, "failDisposals") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < -1 ||
                json_integer_value(v) > 1000000)
                return ff_http_err(err, 400, FO_EINVAL,
                                   "faults.%s: must be an integer from -1 (always) up", key);
            int n = (int)json_integer_value(v);
            if (key[4] == 'S')
                sim->fail_savepoints = n;
            else if (key[4] == 'C')
                sim->fail_checkpoints = n;
            else
                sim->fail_disposals = n;
        } else if (strcmp(key, "failureMessage") == 0) {
            if (!json_is_string(v) && !json_is_null(v))
                return ff_http_err(err, 400, FO_EINVAL, "faults.failureMessage: must be a string");
            free(sim->failure_message);
            sim->failure_message = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
        } else if (strcmp(key, "failEveryMs") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return ff_http_err(err, 400, FO_EINVAL,
                                   "faults.failEveryMs: must be a non-negative integer");
            sim->fail_every_ms = json_integer_value(v);
            for (size_t i = 0; i < sim->njobs; i++) {
                ff_job *j = sim->jobs[i];
                if (ff_tasks_running(j))
                    j->next_fault_ms =
                        sim->fail_every_ms > 0 ? sim->now + sim->fail_every_ms : FF_NEVER;
            }
        } else {
            return ff_http_err(err, 400, FO_EINVAL, "faults.%s: unknown field", key);
        }
    }
    return FO_OK;
}

fo_rc fo_flink_sim_jar_add(fo_flink_sim *sim, const char *filename, size_t size,
                           char **jar_id_out, fo_err *err)
{
    const char *base = filename ? strrchr(filename, '/') : NULL;
    base = base ? base + 1 : filename;
    size_t n = base ? strlen(base) : 0;
    if (n < 5 || strcmp(base + n - 4, ".jar") != 0)
        return ff_http_err(err, 400, FO_EINVAL, "Only Jar files are allowed.");
    if (n > 200)
        return ff_http_err(err, 400, FO_EINVAL, "jar file name longer than 200 characters");
    if (sim->njars == FO_FLINK_SIM_MAX_JARS)
        return ff_http_err(err, 503, FO_ELIMIT, "the fake cluster holds %d jars already",
                           FO_FLINK_SIM_MAX_JARS);
    /* Flink stores uploads as <random UUID>_<original name>; the file name is the jar id. */
    char h[33], id[260];
    ff_hex(sim, h, 32);
    snprintf(id, sizeof id, "%.8s-%.4s-%.4s-%.4s-%.12s_%s", h, h + 8, h + 12, h + 16, h + 20, base);
    ff_jar *jar = &sim->jars[sim->njars];
    jar->id = strdup(id);
    jar->name = strdup(base);
    jar->uploaded_ms = sim->now;
    jar->size = size;
    *jar_id_out = strdup(id);
    if (!jar->id || !jar->name || !*jar_id_out) {
        free(jar->id);
        free(jar->name);
        free(*jar_id_out);
        *jar_id_out = NULL;
        return ff_http_err(err, 500, FO_ENOMEM, "out of memory");
    }
    sim->njars++;
    return FO_OK;
}

bool fo_flink_sim_jar_exists(const fo_flink_sim *sim, const char *jar_id)
{
    for (size_t i = 0; i < sim->njars; i++)
        if (strcmp(sim->jars[i].id, jar_id) == 0)
            return true;
    return false;
}

fo_rc fo_flink_sim_jar_delete(fo_flink_sim *sim, const char *jar_id, fo_err *err)
{
    for (size_t i = 0; i < sim->njars; i++) {
        if (strcmp(sim->jars[i].id, jar_id) != 0)
            continue;
        free(sim->jars[i].id);
        free(sim->jars[i].name);
        memmove(&sim->jars[i], &sim->jars[i + 1], (sim->njars - i - 1) * sizeof sim->jars[0]);
        sim->njars--;
        return FO_OK;
    }
    return ff_http_err(err, 400, FO_EINVAL, "File %s does not exist in /tmp/flink-web-upload.",
                       jar_id);
}
