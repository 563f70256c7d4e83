/* The simulated cluster's lifecycle and job state machine (see flink_sim.h). Snapshot and
 * operation handling lives in flink_sim_ops.c, the REST views in flink_sim_json.c. */
#include "tests/fakes/flink/flink_sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/fakes/flink/flink_sim_int.h"

static const char *const state_names[FF_STATE_COUNT] = {
    "INITIALIZING", "CREATED",  "RUNNING",  "FAILING",    "FAILED",      "CANCELLING",
    "CANCELED",     "FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING",
};

const char *ff_state_name(int state)
{
    return state >= 0 && state < FF_STATE_COUNT ? state_names[state] : "RECONCILING";
}

/* Flink's JobStatus.isGloballyTerminalState: FINISHED, CANCELED, FAILED. */
bool ff_state_globally_terminal(int state)
{
    return state == FF_FINISHED || state == FF_CANCELED || state == FF_FAILED;
}

char *ff_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

fo_rc ff_http_err(fo_err *err, int status, fo_rc rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        fo_err_setv(err, rc, fmt, ap);
        va_end(ap);
        err->http_status = status;
    }
    return rc;
}

/* xorshift64*: reproducible ids from the cluster's seed. */
static uint64_t rnd(fo_flink_sim *sim)
{
    uint64_t x = sim->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    sim->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void ff_hex(fo_flink_sim *sim, char *out, size_t nhex)
{
    static const char digits[] = "0123456789abcdef";
    uint64_t r = 0;
    for (size_t i = 0; i < nhex; i++) {
        if (i % 16 == 0)
            r = rnd(sim);
        out[i] = digits[r & 15];
        r >>= 4;
    }
    out[nhex] = '\0';
}

bool ff_is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

ff_job *ff_job_find(const fo_flink_sim *sim, const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sim->njobs; i++)
        if (strcmp(sim->jobs[i]->id, id) == 0)
            return sim->jobs[i];
    return NULL;
}

ff_job *ff_job_get(const fo_flink_sim *sim, const char *id, fo_err *err)
{
    ff_job *j = ff_job_find(sim, id);
    if (!j)
        ff_http_err(err, 404, FO_ENOTFOUND, "org.apache.flink.runtime.rest.NotFoundException: Job %s not found",
                    id ? id : "");
    return j;
}

int ff_snap_status(const fo_flink_sim *sim, const ff_job *j, const ff_snap *s)
{
    if (sim->ha_pointer_ack && !s->savepoint && s->status == FF_SNAP_COMPLETED &&
        s->id > j->ha_written_id)
        return FF_SNAP_IN_PROGRESS;
    return s->status;
}

const ff_snap *ff_latest(const fo_flink_sim *sim, const ff_job *j, int status, int kind)
{
    for (size_t i = j->nsnaps; i-- > 0;) {
        const ff_snap *s = &j->snaps[i];
        if (ff_snap_status(sim, j, s) != status)
            continue;
        if (kind == 0 && s->savepoint)
            continue;
        if (kind == 1 && !s->savepoint)
            continue;
        return s;
    }
    return NULL;
}

/* Jobs whose tasks are deployed hold one slot per parallel subtask (slot sharing). */
static bool holds_slots(const ff_job *j)
{
    return (j->state == FF_RUNNING || j->state == FF_FAILING || j->state == FF_CANCELLING ||
            j->state == FF_RESTARTING) &&
           !j->waiting_slots;
}

bool ff_tasks_running(const ff_job *j)
{
    return j->state == FF_RUNNING && !j->waiting_slots;
}

int ff_slots_used(const fo_flink_sim *sim)
{
    int used = 0;
    for (size_t i = 0; i < sim->njobs; i++)
        if (holds_slots(sim->jobs[i]))
            used += sim->jobs[i]->parallelism;
    return used;
}

static int slots_free(const fo_flink_sim *sim)
{
    int free_slots = sim->taskmanagers * sim->slots_per_tm - ff_slots_used(sim);
    return free_slots > 0 ? free_slots : 0;
}

/* The job's tasks run (from t on): checkpoints and injected faults are scheduled. */
static void tasks_deployed(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    j->waiting_slots = false;
    j->running_since = t;
    j->next_periodic_ms = sim->checkpoint_interval_ms > 0 && !j->batch
                              ? t + sim->checkpoint_interval_ms
                              : FF_NEVER;
    j->next_fault_ms = sim->fail_every_ms > 0 ? t + sim->fail_every_ms : FF_NEVER;
}

void ff_set_state(fo_flink_sim *sim, ff_job *j, int state, int64_t t)
{
    if (j->state == FF_RUNNING && state != FF_RUNNING)
        ff_abort_snapshots(sim, j, t, "Checkpoint Coordinator is suspending.");
    j->state = state;
    j->state_since = t;
    j->timestamps[state] = t;
    /* A job whose tasks never got slots has none to keep while it fails, cancels or restarts
     * (a restart of such a job asks for slots again); other states end the wait. */
    if (state != FF_FAILING && state != FF_CANCELLING && state != FF_RESTARTING)
        j->waiting_slots = false;
    if (ff_state_globally_terminal(state)) {
        j->end_ms = t;
        ff_discard_on_end(sim, j, state);
        /* Flink cleans a globally terminated job's HA data. */
        if (sim->ha && sim->reg.ha_remove)
            sim->reg.ha_remove(sim->reg.ctx, j->id);
    }
    if (state == FF_RUNNING)
        tasks_deployed(sim, j, t);
}

void ff_add_exception(ff_job *j, int64_t t, const char *cls, const char *message)
{
    char stack[1024];
    snprintf(stack, sizeof stack,
             "%s: %s\n\tat org.apache.flink.fake.FakeTask.invoke(FakeTask.java:42)\n"
             "\tat org.apache.flink.runtime.taskmanager.Task.run(Task.java:566)\n"
             "\tat java.base/java.lang.Thread.run(Thread.java:829)\n",
             cls, message);
    if (j->nexc == FO_FLINK_SIM_MAX_EXCEPTIONS) {
        j->nexc--;
        free(j->exc[j->nexc].name);
        free(j->exc[j->nexc].stack);
    }
    memmove(&j->exc[1], &j->exc[0], j->nexc * sizeof j->exc[0]);
    j->exc[0] = (ff_exc){.ts = t, .name = ff_strdup(cls), .stack = ff_strdup(stack)};
    j->nexc++;
}

static void job_free(ff_job *j)
{
    if (!j)
        return;
    free(j->name);
    free(j->jar_id);
    free(j->jar_uri);
    free(j->entry_class);
    free(j->restore_mode);
    json_decref(j->args);
    free(j->restore_path);
    free(j->initial_restore_path);
    for (size_t i = 0; i < j->nsnaps; i++) {
        free(j->snaps[i].path);
        free(j->snaps[i].failure);
    }
    free(j->snaps);
    for (size_t i = 0; i < j->nexc; i++) {
        free(j->exc[i].name);
        free(j->exc[i].stack);
    }
    free(j->failure_class);
    free(j->failure_stack);
    free(j);
}

/* Set where the current run restores from. The checkpoint id comes from the registry, from our
 * own snapshots, or from a "chk-<n>" path; a savepoint is a path with a "savepoint-" name. */
static void set_restore(fo_flink_sim *sim, ff_job *j, const char *path, int64_t id, bool savepoint,
                        int source, int64_t t)
{
    (void)sim;
    j->restore_source = source;
    char *copy = ff_strdup(path); /* path may be j->restore_path itself */
    free(j->restore_path);
    j->restore_path = copy;
    j->restore_id = id;
    j->restore_savepoint = savepoint;
    j->restore_ms = t;
    j->restored_count++;
    if (j->next_ckpt_id <= id)
        j->next_ckpt_id = id + 1;
}

static int lookup_path(fo_flink_sim *sim, const char *path, int64_t *id)
{
    for (size_t i = 0; i < sim->njobs; i++) {
        const ff_job *o = sim->jobs[i];
        for (size_t k = 0; k < o->nsnaps; k++) {
            const ff_snap *s = &o->snaps[k];
            if (s->status == FF_SNAP_COMPLETED && s->path && strcmp(s->path, path) == 0) {
                *id = s->id;
                return s->discarded ? 2 : 1;
            }
        }
    }
    if (sim->reg.lookup)
        return sim->reg.lookup(sim->reg.ctx, path, id);
    return 0;
}

/* A path we accept without having written it: one named like Flink's snapshot directories
 * (savepoint-<hex>-<hex>, or .../chk-<n>), so fixtures may invent them. Anything else that we
 * do not know (the operator's KUBERNETES_OPERATOR_LAST_STATE placeholder among them) does not
 * exist, as on a real file system. */
static bool looks_like_snapshot(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    /* Flink also takes the _metadata file inside the snapshot directory. */
    if (n >= 10 && strncmp(path + n - 10, "/_metadata", 10) == 0)
        n -= 10;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    const char *leaf = path + start;
    return (n - start > 10 && strncmp(leaf, "savepoint-", 10) == 0) ||
           (n - start > 4 && strncmp(leaf, "chk-", 4) == 0);
}

/* The first start of a job restores from what the submission named. A disposed or missing
 * snapshot fails the job the way Flink does when the metadata file is gone. */
static bool initial_restore(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    const char *path = j->initial_restore_path;
    if (!path || !*path)
        return true;
    int64_t id = 0;
    int found = lookup_path(sim, path, &id);
    if (found == 2 || (found == 0 && !looks_like_snapshot(path))) {
        char msg[1200];
        snprintf(msg, sizeof msg,
                 "Cannot find checkpoint or savepoint file/directory '%s' on file system 'file'.",
                 path);
        ff_add_exception(j, t, "java.io.FileNotFoundException", msg);
        free(j->failure_class);
        free(j->failure_stack);
        j->failure_class = ff_strdup(j->exc[0].name);
        j->failure_stack = ff_strdup(j->exc[0].stack);
        ff_set_state(sim, j, FF_FAILED, t);
        return false;
    }
    if (found == 0) {
        const char *chk = strstr(path, "chk-");
        id = chk ? strtoll(chk + 4, NULL, 10) : 0;
    }
    set_restore(sim, j, path, id, strstr(path, "savepoint-") != NULL, FF_FROM_SUBMISSION, t);
    return true;
}

/* A new JobManager with HA finds the job's latest checkpoint in the HA store and recovers
 * from it, whatever the submission named. */
static bool first_start_restore(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    char path[2048];
    int64_t id = 0;
    if (sim->ha && sim->reg.ha_lookup &&
        sim->reg.ha_lookup(sim->reg.ctx, j->id, path, sizeof path, &id)) {
        set_restore(sim, j, path, id, strstr(path, "savepoint-") != NULL, FF_FROM_HA, t);
        return true;
    }
    return initial_restore(sim, j, t);
}

bool ff_savepoints_in_store(const fo_flink_sim *sim)
{
    return sim->major == 1 && sim->minor < 15;
}

/* After a failover Flink restores from the latest checkpoint in its completed checkpoint store,
 * else from what the submission named (a checkpoint whose HA pointer write has not landed is not
 * in the store yet). Since 1.15 (FLINK-25191) a savepoint never goes into the store, so an
 * intermediate savepoint is not restored from; earlier versions added it like a checkpoint. */
static void failover_restore(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    const ff_snap *s = ff_latest(sim, j, FF_SNAP_COMPLETED, ff_savepoints_in_store(sim) ? -1 : 0);
    if (s && s->path)
        set_restore(sim, j, s->path, s->id, s->savepoint, FF_FROM_FAILOVER, t);
    else if (j->restore_path)
        set_restore(sim, j, j->restore_path, j->restore_id, j->restore_savepoint, FF_FROM_FAILOVER,
                    t);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t job_due(const fo_flink_sim *sim, const ff_job *j)
{
    int64_t due = FF_NEVER;
    switch (j->state) {
    case FF_INITIALIZING:
        return j->state_since + sim->t.initializing_ms;
    case FF_CREATED:
        /* The adaptive scheduler waits for resources in CREATED; the default one schedules. */
        return !sim->adaptive || slots_free(sim) >= j->parallelism
                   ? j->state_since + sim->t.created_ms
                   : FF_NEVER;
    case FF_RUNNING:
        if (j->waiting_slots)
            return slots_free(sim) >= j->parallelism ? j->state_since : FF_NEVER;
        for (size_t i = 0; i < j->nsnaps; i++)
            if (j->snaps[i].status == FF_SNAP_IN_PROGRESS)
                due = min64(due, j->snaps[i].due_ms);
        due = min64(due, j->next_periodic_ms);
        due = min64(due, j->next_fault_ms);
        if (j->finish_after_ms > 0)
            due = min64(due, j->running_since + j->finish_after_ms);
        return due;
    case FF_CANCELLING:
        return j->state_since + sim->t.cancel_ms;
    case FF_FAILING:
        return j->state_since + sim->t.failing_ms;
    case FF_RESTARTING:
        return j->state_since + sim->t.restart_ms;
    default:
        return FF_NEVER;
    }
}

static void fail_job(fo_flink_sim *sim, ff_job *j, bool restart, const char *cls,
                     const char *message, int64_t t)
{
    ff_add_exception(j, t, cls, message);
    if (restart) {
        j->restarts++;
        ff_set_state(sim, j, FF_RESTARTING, t);
    } else {
        free(j->failure_class);
        free(j->failure_stack);
        j->failure_class = ff_strdup(j->exc[0].name);
        j->failure_stack = ff_strdup(j->exc[0].stack);
        ff_set_state(sim, j, FF_FAILING, t);
    }
}

static bool checkpoint_in_progress(const ff_job *j)
{
    for (size_t i = 0; i < j->nsnaps; i++)
        if (j->snaps[i].status == FF_SNAP_IN_PROGRESS && !j->snaps[i].savepoint)
            return true;
    return false;
}

/* A stop-with-savepoint runs: its checkpoint scheduler is stopped until the stop fails. */
static bool stop_in_progress(const ff_job *j)
{
    for (size_t i = 0; i < j->nsnaps; i++)
        if (j->snaps[i].status == FF_SNAP_IN_PROGRESS && j->snaps[i].sync)
            return true;
    return false;
}

/* RUNNING as Flink's default scheduler does it (DefaultScheduler.startSchedulingInternal): the
 * job turns RUNNING first, then asks for slots; its tasks stay SCHEDULED, and nothing is
 * checkpointed, until enough slots are free. */
static void enter_running(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    int own = holds_slots(j) ? j->parallelism : 0; /* a restart keeps its slots */
    bool wait = slots_free(sim) + own < j->parallelism;
    ff_set_state(sim, j, FF_RUNNING, t);
    j->waiting_slots = wait;
    if (wait)
        j->next_periodic_ms = j->next_fault_ms = FF_NEVER;
}

/* Run the event of job j that is due at t. */
static void job_step(fo_flink_sim *sim, ff_job *j, int64_t t)
{
    switch (j->state) {
    case FF_INITIALIZING:
        ff_set_state(sim, j, FF_CREATED, t);
        return;
    case FF_CREATED:
        if (j->timestamps[FF_RUNNING] == 0 && !first_start_restore(sim, j, t))
            return;
        enter_running(sim, j, t);
        return;
    case FF_CANCELLING:
        ff_set_state(sim, j, FF_CANCELED, t);
        return;
    case FF_FAILING:
        ff_set_state(sim, j, FF_FAILED, t);
        return;
    case FF_RESTARTING:
        failover_restore(sim, j, t);
        enter_running(sim, j, t);
        return;
    case FF_RUNNING:
        if (j->waiting_slots) {
            tasks_deployed(sim, j, t);
            return;
        }
        break;
    default:
        return;
    }
    /* RUNNING: finish snapshots first (a stop-with-savepoint ends the job), then the rest. */
    for (size_t i = 0; i < j->nsnaps && j->state == FF_RUNNING; i++) {
        ff_snap *s = &j->snaps[i];
        if (s->status == FF_SNAP_IN_PROGRESS && s->due_ms <= t)
            ff_snap_finish(sim, j, s, t);
    }
    if (j->state != FF_RUNNING)
        return;
    if (j->finish_after_ms > 0 && j->running_since + j->finish_after_ms <= t) {
        ff_set_state(sim, j, FF_FINISHED, t);
        return;
    }
    if (j->next_fault_ms <= t) {
        fail_job(sim, j, true, "org.apache.flink.util.FlinkRuntimeException",
                 sim->failure_message ? sim->failure_message : "injected failure (failEveryMs)", t);
        return;
    }
    if (j->next_periodic_ms <= t) {
        /* One checkpoint at a time (execution.checkpointing.max-concurrent-checkpoints = 1). */
        if (!checkpoint_in_progress(j) && !stop_in_progress(j))
            ff_snap_start(sim, j, false, NULL, t);
        while (j->next_periodic_ms <= t)
            j->next_periodic_ms += sim->checkpoint_interval_ms;
    }
}

static int64_t ops_due(const fo_flink_sim *sim)
{
    int64_t due = FF_NEVER;
    for (size_t i = 0; i < sim->nops; i++)
        if (!sim->ops[i].done && sim->ops[i].kind == FF_OP_DISPOSAL)
            due = min64(due, sim->ops[i].due_ms);
    return due;
}

int64_t fo_flink_sim_next_event_ms(const fo_flink_sim *sim)
{
    int64_t due = ops_due(sim);
    for (size_t i = 0; i < sim->njobs; i++)
        due = min64(due, job_due(sim, sim->jobs[i]));
    return due;
}

void fo_flink_sim_advance(fo_flink_sim *sim, int64_t now_ms)
{
    /* A bound on events per call keeps a misconfigured cluster (say a 1 ms checkpoint
     * interval after a jump of days) from spinning for ever. */
    for (int guard = 0; guard < 1000000; guard++) {
        ff_job *next = NULL;
        int64_t due = ops_due(sim);
        bool op_first = true;
        for (size_t i = 0; i < sim->njobs; i++) {
            int64_t d = job_due(sim, sim->jobs[i]);
            if (d < due) {
                due = d;
                next = sim->jobs[i];
                op_first = false;
            }
        }
        if (due > now_ms || due == FF_NEVER)
            break;
        int64_t t = due > sim->now ? due : sim->now;
        sim->now = t;
        if (op_first)
            ff_ops_advance(sim, t);
        else
            job_step(sim, next, t);
    }
    if (now_ms > sim->now)
        sim->now = now_ms;
}

int64_t fo_flink_sim_now_ms(const fo_flink_sim *sim)
{
    return sim->now;
}

const char *fo_flink_sim_version(const fo_flink_sim *sim)
{
    return sim->version;
}

bool fo_flink_sim_is_v2(const fo_flink_sim *sim)
{
    return sim->major >= 2;
}

static void set_tm_ids(fo_flink_sim *sim)
{
    for (int i = 0; i < FO_FLINK_SIM_MAX_TASKMANAGERS; i++)
        if (!sim->tm_ids[i][0])
            ff_hex(sim, sim->tm_ids[i], 32);
}

fo_flink_sim *fo_flink_sim_new(const json_t *spec, int64_t now_ms, uint64_t seed,
                               const fo_flink_sim_registry *registry, fo_err *err)
{
    fo_flink_sim *sim = calloc(1, sizeof *sim);
    if (!sim) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    sim->now = now_ms;
    sim->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    if (registry)
        sim->reg = *registry;
    snprintf(sim->version, sizeof sim->version, "1.20.1");
    sim->major = 1;
    sim->minor = 20;
    sim->conf = json_object();
    sim->scratch = json_object();
    sim->slots_per_tm = 1;
    sim->default_parallelism = 1;
    sim->retained = 1;
    sim->t = (ff_timings){.initializing_ms = 100,
                          .created_ms = 100,
                          .checkpoint_ms = 50,
                          .savepoint_ms = 200,
                          .cancel_ms = 100,
                          .failing_ms = 50,
                          .restart_ms = 200};
    fo_flink_sim_job_spec job = {0};
    bool has_job = false;
    if (!sim->conf || !sim->scratch || ff_parse_spec(sim, spec, &job, &has_job, err) != FO_OK)
        goto fail;
    set_tm_ids(sim);
    char id[33];
    if (has_job && fo_flink_sim_submit(sim, &job, id, err) != FO_OK) {
        fo_err_wrap(err, "spec.job");
        goto fail;
    }
    return sim;
fail:
    fo_flink_sim_free(sim);
    return NULL;
}

void fo_flink_sim_free(fo_flink_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->njobs; i++)
        job_free(sim->jobs[i]);
    for (size_t i = 0; i < sim->nops; i++) {
        free(sim->ops[i].location);
        free(sim->ops[i].fail_class);
        free(sim->ops[i].fail_stack);
        free(sim->ops[i].path);
    }
    free(sim->ops);
    for (size_t i = 0; i < sim->njars; i++) {
        free(sim->jars[i].id);
        free(sim->jars[i].name);
    }
    json_decref(sim->conf);
    json_decref(sim->scratch);
    free(sim->checkpoint_dir);
    free(sim->savepoint_dir);
    free(sim->failure_message);
    free(sim);
}

static char *derive_name(const fo_flink_sim_job_spec *spec)
{
    if (spec->name && *spec->name)
        return strdup(spec->name);
    const char *cls = spec->entry_class;
    if (cls && *cls) {
        const char *dot = strrchr(cls, '.');
        return strdup(dot ? dot + 1 : cls);
    }
    return strdup("Flink Streaming Job");
}

/* Does a batch job run on a dynamic execution graph? The AdaptiveBatchScheduler builds one, and
 * DefaultExecutionGraphBuilder sets up no checkpointing for it ("Skip setting up checkpointing
 * for a job with dynamic graph"): no statistics, no config, no snapshots. It is the default
 * scheduler of batch jobs since 1.17 (jobmanager.scheduler: default keeps the DefaultScheduler,
 * adaptive falls back to it), and before only when named; the DefaultScheduler's static graph
 * has the checkpointing settings the job graph generator always writes. */
static bool batch_graph_is_dynamic(const fo_flink_sim *sim)
{
    const char *s = json_string_value(json_object_get(sim->conf, "jobmanager.scheduler"));
    if (s && strcasecmp(s, "AdaptiveBatch") == 0)
        return true;
    bool default_for_batch = sim->major >= 2 || (sim->major == 1 && sim->minor >= 17);
    return default_for_batch && !(s && strcasecmp(s, "default") == 0);
}

fo_rc fo_flink_sim_submit(fo_flink_sim *sim, const fo_flink_sim_job_spec *spec,
                          char job_id_out[33], fo_err *err)
{
    if (spec->job_id && *spec->job_id && !ff_is_hex32(spec->job_id))
        return ff_http_err(err, 400, FO_EINVAL,
                           "jobId: '%s' is not a job id (32 lower-case hex digits)", spec->job_id);
    if (spec->job_id && *spec->job_id && ff_job_find(sim, spec->job_id))
        return ff_http_err(err, 500, FO_EEXISTS,
                           "org.apache.flink.runtime.client.DuplicateJobSubmissionException: "
                           "Job has already been submitted. (job %s)",
                           spec->job_id);
    int parallelism = spec->parallelism > 0 ? spec->parallelism : sim->default_parallelism;
    if (parallelism > FO_FLINK_SIM_MAX_PARALLELISM)
        return ff_http_err(err, 400, FO_EINVAL, "parallelism: %d exceeds the maximum of %d",
                           parallelism, FO_FLINK_SIM_MAX_PARALLELISM);
    if (spec->args && !json_is_array(spec->args))
        return ff_http_err(err, 400, FO_EINVAL, "args: must be a list of strings");
    /* The job's checkpoint retention: its code over its configuration over the cluster's. */
    int retention = sim->retention;
    const char *conf_retention =
        json_string_value(json_object_get(spec->configuration, FF_KEY_RETENTION));
    if (conf_retention && !ff_parse_retention(conf_retention, &retention))
        return ff_http_err(err, 400, FO_EINVAL,
                           "flinkConfiguration[" FF_KEY_RETENTION "]: '%s' is not an "
                           "ExternalizedCheckpointRetention",
                           conf_retention);
    if (spec->checkpoint_retention && !ff_parse_retention(spec->checkpoint_retention, &retention))
        return ff_http_err(err, 400, FO_EINVAL,
                           "checkpointRetention: '%s' is not an ExternalizedCheckpointRetention",
                           spec->checkpoint_retention);
    /* Its runtime mode: its configuration's over the cluster's. */
    bool batch;
    const char *mode =
        json_string_value(json_object_get(spec->configuration, FF_KEY_RUNTIME_MODE));
    if (!mode)
        mode = json_string_value(json_object_get(sim->conf, FF_KEY_RUNTIME_MODE));
    if (!ff_parse_runtime_mode(mode, spec->finish_after_ms > 0, &batch))
        return ff_http_err(err, 400, FO_EINVAL,
                           "flinkConfiguration[" FF_KEY_RUNTIME_MODE "]: '%s' is not a "
                           "RuntimeExecutionMode",
                           mode);
    if (sim->njobs == FO_FLINK_SIM_MAX_JOBS)
        return ff_http_err(err, 503, FO_ELIMIT, "the fake cluster holds %d jobs already",
                           FO_FLINK_SIM_MAX_JOBS);
    ff_job *j = calloc(1, sizeof *j);
    if (!j)
        return ff_http_err(err, 500, FO_ENOMEM, "out of memory");
    if (spec->job_id && *spec->job_id)
        snprintf(j->id, sizeof j->id, "%s", spec->job_id);
    else
        do
            ff_hex(sim, j->id, 32);
        while (ff_job_find(sim, j->id));
    j->name = derive_name(spec);
    j->jar_id = ff_strdup(spec->jar_id);
    j->jar_uri = ff_strdup(spec->jar_uri);
    j->entry_class = ff_strdup(spec->entry_class);
    j->restore_mode = ff_strdup(spec->restore_mode);
    j->args = spec->args ? json_deep_copy(spec->args) : json_array();
    j->parallelism = parallelism;
    j->allow_nrs = spec->allow_non_restored_state;
    j->finish_after_ms = spec->finish_after_ms;
    j->retention = retention;
    j->batch = batch;
    j->no_checkpointing = batch && batch_graph_is_dynamic(sim);
    j->initial_restore_path =
        spec->restore_path && *spec->restore_path ? strdup(spec->restore_path) : NULL;
    j->start_ms = sim->now;
    j->end_ms = -1;
    j->next_ckpt_id = 1;
    j->ha_written_id = -1;
    j->next_periodic_ms = FF_NEVER;
    j->next_fault_ms = FF_NEVER;
    ff_hex(sim, j->vertex[0], 32);
    ff_hex(sim, j->vertex[1], 32);
    if (!j->name || !j->args) {
        job_free(j);
        return ff_http_err(err, 500, FO_ENOMEM, "out of memory");
    }
    ff_set_state(sim, j, FF_INITIALIZING, sim->now);
    sim->jobs[sim->njobs++] = j;
    memcpy(job_id_out, j->id, 33);
    return FO_OK;
}

fo_rc fo_flink_sim_cancel(fo_flink_sim *sim, const char *job_id, fo_err *err)
{
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    switch (j->state) {
    case FF_CANCELED:
    case FF_CANCELLING:
        return FO_OK;
    case FF_FINISHED:
    case FF_FAILED:
        return ff_http_err(err, 409, FO_ECONFLICT,
                           "Job cancellation failed because the job has already reached another "
                           "terminal state (%s).",
                           ff_state_name(j->state));
    default:
        ff_set_state(sim, j, FF_CANCELLING, sim->now);
        return FO_OK;
    }
}

fo_rc fo_flink_sim_fail_job(fo_flink_sim *sim, const char *job_id, bool restart,
                            const char *message, fo_err *err)
{
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    if (j->state != FF_RUNNING && j->state != FF_CREATED && j->state != FF_RESTARTING)
        return ff_http_err(err, 409, FO_ECONFLICT, "job %s is %s, not running", job_id,
                           ff_state_name(j->state));
    if (!message)
        message = sim->failure_message ? sim->failure_message : "injected failure";
    fail_job(sim, j, restart, "org.apache.flink.util.FlinkRuntimeException", message, sim->now);
    return FO_OK;
}

fo_rc fo_flink_sim_suspend_job(fo_flink_sim *sim, const char *job_id, fo_err *err)
{
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    if (ff_state_globally_terminal(j->state))
        return ff_http_err(err, 409, FO_ECONFLICT, "job %s already ended (%s)", job_id,
                           ff_state_name(j->state));
    ff_set_state(sim, j, FF_SUSPENDED, sim->now);
    return FO_OK;
}

fo_rc fo_flink_sim_ha_written(fo_flink_sim *sim, const char *job_id, int64_t checkpoint_id,
                              fo_err *err)
{
    ff_job *j = ff_job_get(sim, job_id, err);
    if (!j)
        return FO_ENOTFOUND;
    if (checkpoint_id < 0)
        return ff_http_err(err, 400, FO_EINVAL, "checkpointId: must not be negative");
    if (checkpoint_id > j->ha_written_id)
        j->ha_written_id = checkpoint_id;
    ff_subsume(sim, j);
    return FO_OK;
}

fo_rc fo_flink_sim_set_taskmanagers(fo_flink_sim *sim, int count, fo_err *err)
{
    if (count < 0 || count > FO_FLINK_SIM_MAX_TASKMANAGERS)
        return ff_http_err(err, 400, FO_EINVAL, "taskManagers: %d is outside 0..%d", count,
                           FO_FLINK_SIM_MAX_TASKMANAGERS);
    sim->taskmanagers = count;
    return FO_OK;
}

const char *fo_flink_sim_job_state(const fo_flink_sim *sim, const char *job_id)
{
    const ff_job *j = ff_job_find(sim, job_id);
    return j ? ff_state_name(j->state) : NULL;
}

bool fo_flink_sim_is_id(const char *s)
{
    return ff_is_hex32(s);
}
