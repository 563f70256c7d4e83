#ifndef FO_FLINK_SIM_INT_H
#define FO_FLINK_SIM_INT_H

/* Internal structures of the simulated Flink cluster, shared by flink_sim*.c only. */

#include "tests/fakes/flink/flink_sim.h"

#include <stddef.h>

/* Flink's JobStatus, in the order of the OpenAPI enum. */
enum ff_state {
    FF_INITIALIZING,
    FF_CREATED,
    FF_RUNNING,
    FF_FAILING,
    FF_FAILED,
    FF_CANCELLING,
    FF_CANCELED,
    FF_FINISHED,
    FF_RESTARTING,
    FF_SUSPENDED,
    FF_RECONCILING,
    FF_STATE_COUNT
};

enum ff_snap_status { FF_SNAP_IN_PROGRESS, FF_SNAP_COMPLETED, FF_SNAP_FAILED };
enum ff_op_kind { FF_OP_SAVEPOINT, FF_OP_CHECKPOINT, FF_OP_DISPOSAL };
enum ff_after { FF_AFTER_NONE, FF_AFTER_STOP, FF_AFTER_CANCEL };
enum ff_restore_source { FF_FROM_NOTHING, FF_FROM_SUBMISSION, FF_FROM_HA, FF_FROM_FAILOVER };
/* Flink's CheckpointRetentionPolicy, by the ExternalizedCheckpointRetention that names it:
 * NO_EXTERNALIZED_CHECKPOINTS, DELETE_ON_CANCELLATION, RETAIN_ON_CANCELLATION. */
enum ff_retention { FF_RETAIN_NEVER, FF_RETAIN_ON_FAILURE, FF_RETAIN_ON_CANCELLATION };

#define FF_NEVER INT64_MAX

typedef struct ff_timings {
    int64_t initializing_ms; /* INITIALIZING -> CREATED */
    int64_t created_ms;      /* CREATED -> RUNNING (adaptive scheduler: once slots are free) */
    int64_t checkpoint_ms;   /* a checkpoint's duration */
    int64_t savepoint_ms;    /* a savepoint's (and a disposal's) duration */
    int64_t cancel_ms;       /* CANCELLING -> CANCELED */
    int64_t failing_ms;      /* FAILING -> FAILED */
    int64_t restart_ms;      /* RESTARTING -> RUNNING */
} ff_timings;

typedef struct ff_snap {
    int64_t id;
    bool savepoint;  /* is_savepoint */
    bool sync;       /* stop-with-savepoint (SYNC_SAVEPOINT) */
    int status;      /* enum ff_snap_status */
    int64_t trigger_ms;
    int64_t due_ms;  /* when an in-progress snapshot ends */
    int64_t ack_ms;  /* when it ended */
    char *path;      /* external path (known from the trigger on) */
    char *failure;   /* failed snapshots */
    char format[16]; /* savepoints: CANONICAL / NATIVE */
    bool discarded;
    bool will_fail;  /* decided at trigger time by the fault settings */
    int64_t state_size;
    char op[33];     /* the operation waiting for it ("" for periodic checkpoints) */
} ff_snap;

typedef struct ff_exc {
    int64_t ts;
    char *name;  /* exception class */
    char *stack; /* "class: message\n\tat ..." */
} ff_exc;

typedef struct ff_job {
    char id[33];
    char *name, *jar_id, *jar_uri, *entry_class, *restore_mode;
    json_t *args; /* array of strings */
    int parallelism;
    bool allow_nrs;
    int64_t finish_after_ms;
    int retention; /* enum ff_retention: what becomes of its checkpoints when it ends */
    bool batch;    /* runs in BATCH mode (ff_parse_runtime_mode): checkpointing disabled in its
                    * config, so no periodic checkpoints and interval Long.MAX_VALUE */
    bool no_checkpointing; /* its graph has no checkpointing (batch_graph_is_dynamic) */

    int state;
    int64_t state_since;
    int64_t timestamps[FF_STATE_COUNT]; /* when each state was last entered (0 = never) */
    int64_t start_ms, end_ms;           /* end_ms = -1 while not globally terminal */
    int64_t running_since;
    bool waiting_slots; /* RUNNING (default scheduler) with its tasks SCHEDULED: no slots yet;
                         * kept while such a job fails, cancels or restarts */
    int64_t next_periodic_ms;
    int64_t next_fault_ms;

    /* restore source of the current run */
    char *restore_path;
    int64_t restore_id;
    bool restore_savepoint;
    int restore_source; /* enum ff_restore_source */
    int64_t restore_ms;
    int64_t restored_count;
    char *initial_restore_path; /* what the submission asked for */

    int64_t restarts;
    int64_t next_ckpt_id;
    /* With sim->ha_pointer_ack: the newest checkpoint whose HA pointer write succeeded
     * (-1 = none). Only checkpoints up to it are in the completed checkpoint store. */
    int64_t ha_written_id;
    ff_snap *snaps; /* oldest first */
    size_t nsnaps, capsnaps;
    int64_t n_completed, n_failed, n_total;

    ff_exc exc[FO_FLINK_SIM_MAX_EXCEPTIONS]; /* newest first */
    size_t nexc;
    char *failure_class, *failure_stack; /* the cause when FAILED */

    char vertex[2][33];
} ff_job;

typedef struct ff_op {
    char id[33];
    int kind;      /* enum ff_op_kind */
    char job[33];  /* "" for disposals */
    bool done;
    int64_t due_ms; /* disposals: when they end */
    int after;      /* enum ff_after */
    char *location;
    int64_t checkpoint_id;
    char *fail_class, *fail_stack;
    char *path;     /* disposals: the path */
    bool will_fail; /* disposals: an injected failure (failDisposals) */
} ff_op;

typedef struct ff_jar {
    char *id, *name;
    int64_t uploaded_ms;
    size_t size;
} ff_jar;

struct fo_flink_sim {
    int64_t now;
    uint64_t rng;
    fo_flink_sim_registry reg;

    char version[32];
    char revision[96];
    int major, minor;
    json_t *conf;    /* user configuration: object of strings */
    json_t *scratch; /* values parsed from the spec that outlive parsing (job args) */
    int taskmanagers, slots_per_tm, default_parallelism;
    char *checkpoint_dir, *savepoint_dir;
    int64_t checkpoint_interval_ms;
    int retained;
    int retention; /* enum ff_retention of the configuration (jobs may set their own) */
    bool ha;       /* high availability configured */
    bool ha_pointer_ack; /* subsume only after fo_flink_sim_ha_written (spec haPointerAck) */
    bool adaptive; /* jobmanager.scheduler: adaptive (or scheduler-mode: reactive) */
    ff_timings t;
    char tm_ids[FO_FLINK_SIM_MAX_TASKMANAGERS][33];

    /* faults */
    int fail_savepoints, fail_checkpoints, fail_disposals; /* -1 = always */
    char *failure_message;
    int64_t fail_every_ms;

    ff_job *jobs[FO_FLINK_SIM_MAX_JOBS];
    size_t njobs;
    ff_op *ops;
    size_t nops, capops;
    ff_jar jars[FO_FLINK_SIM_MAX_JARS];
    size_t njars;
};

/* flink_sim.c */
const char *ff_state_name(int state);
bool ff_state_globally_terminal(int state);
ff_job *ff_job_find(const fo_flink_sim *sim, const char *id);
ff_job *ff_job_get(const fo_flink_sim *sim, const char *id, fo_err *err); /* 404 when absent */
/* The status Flink reports for s: with sim->ha_pointer_ack a completed checkpoint whose HA
 * pointer write has not landed is still IN_PROGRESS (CheckpointCoordinator reports a checkpoint
 * completed only after the completed checkpoint store added it; savepoints never go there). */
int ff_snap_status(const fo_flink_sim *sim, const ff_job *j, const ff_snap *s);
/* Does the simulated version add savepoints to the completed checkpoint store (HA data,
 * failover restores)? Before 1.15 only: FLINK-25191 keeps them out since. */
bool ff_savepoints_in_store(const fo_flink_sim *sim);
/* The newest snapshot of j that Flink reports with status (ff_snap_status). */
const ff_snap *ff_latest(const fo_flink_sim *sim, const ff_job *j, int status,
                         int kind); /* kind: 0 ckpt, 1 sp, -1 any */
int ff_slots_used(const fo_flink_sim *sim);
bool ff_tasks_running(const ff_job *j); /* RUNNING with every task deployed */
void ff_hex(fo_flink_sim *sim, char *out, size_t nhex); /* nhex random hex digits + NUL */
bool ff_is_hex32(const char *s);
fo_rc ff_http_err(fo_err *err, int status, fo_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
char *ff_strdup(const char *s);
void ff_set_state(fo_flink_sim *sim, ff_job *j, int state, int64_t t);
void ff_add_exception(ff_job *j, int64_t t, const char *cls, const char *message);

/* flink_sim_ops.c */
ff_op *ff_op_find(const fo_flink_sim *sim, const char *id, int kind, const char *job);
void ff_snap_finish(fo_flink_sim *sim, ff_job *j, ff_snap *s, int64_t t);
void ff_abort_snapshots(fo_flink_sim *sim, ff_job *j, int64_t t, const char *why);
ff_snap *ff_snap_start(fo_flink_sim *sim, ff_job *j, bool savepoint, const char *dir,
                       int64_t t);
void ff_ops_advance(fo_flink_sim *sim, int64_t now);
/* Discard the completed checkpoints the retained ones subsume (execution.checkpointing.
 * num-retained), counting with sim->ha_pointer_ack only those whose HA write succeeded. */
void ff_subsume(fo_flink_sim *sim, ff_job *j);
/* A job became globally terminal (state): discard the checkpoints its retention does not keep. */
void ff_discard_on_end(fo_flink_sim *sim, ff_job *j, int state);

/* flink_sim_spec.c */
fo_rc ff_parse_spec(fo_flink_sim *sim, const json_t *spec, fo_flink_sim_job_spec *job,
                    bool *has_job, fo_err *err);
bool ff_parse_duration_ms(const char *s, int64_t *out);
/* An ExternalizedCheckpointRetention name (case-insensitive, as Flink reads enums) into *out
 * (enum ff_retention); false for anything else. ff_retention_name is the reverse. */
bool ff_parse_retention(const char *s, int *out);
const char *ff_retention_name(int retention);
/* Whether a job runs in BATCH mode under execution.runtime-mode s (RuntimeExecutionMode,
 * case-insensitive as Flink reads enums; NULL is Flink's default STREAMING), into *batch:
 * AUTOMATIC is BATCH when every source is bounded, which a job that finishes by itself stands
 * for. False for a name Flink cannot read. */
bool ff_parse_runtime_mode(const char *s, bool bounded, bool *batch);
#define FF_KEY_RUNTIME_MODE "execution.runtime-mode"
#define FF_KEY_RETENTION "execution.checkpointing.externalized-checkpoint-retention"

#endif
