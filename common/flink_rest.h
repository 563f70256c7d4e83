#ifndef FO_FLINK_REST_H
#define FO_FLINK_REST_H

/* Client of the Flink JobManager REST API (v1; Flink 1.20 and 2.x), the calls the operator
 * makes (reference section e): cluster config and overview, job list and details, execution
 * result, exceptions, cancel, stop-with-savepoint, savepoint and checkpoint triggers with status
 * polling, checkpoint statistics and configuration, savepoint disposal, job metrics, jar
 * upload/run/delete.
 *
 * Every call takes the cluster's base URL ("http://<name>-rest.<ns>:8081", or whatever the
 * controller's address template gives) and returns a typed result whose strings the caller owns
 * (release with the matching _release; releasing a zeroed struct is fine).
 *
 * Errors (fo_err carries Flink's own messages from {"errors": [...]} and err->http_status):
 *   FO_EUNAVAIL    unreachable: connection refused/reset, no answer, 502/503 (also the
 *                  fake's "no cluster" 503); FO_ETIMEOUT: no answer in time (408/504 too).
 *                  fo_flink_rest_unreachable() is true for both.
 *   FO_ENOTFOUND   404 (unknown job, trigger, jar route)   FO_EINVAL    400 (bad request)
 *   FO_ECONFLICT   409 (e.g. cancelling a finished job)    FO_EEXISTS   job id already submitted
 *   FO_EPROTO      any other HTTP error (500 included: Flink's handler failed) or an answer that
 *                  does not decode (the message names the field).
 *
 * Pure decoding (fo_flink_rest_decode_*) is separate from I/O so it is tested on fixture JSON.
 * Thread-safety: a fo_flink_rest is immutable after creation and may be shared by all workers;
 * result structs belong to the caller. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/flink_model.h"
#include "common/http_client.h"
#include "common/rc.h"

#define FO_FLINK_REST_TIMEOUT_MS 10000             /* flink.client.timeout */
/* GETs (they only read state): a JobManager that answers nothing (a GC pause, overloaded)
 * holds the caller this long instead of the full timeout; the calls that change things
 * (cancel, stop-with-savepoint, triggers, jar runs) keep theirs. */
#define FO_FLINK_REST_READ_TIMEOUT_MS 5000
#define FO_FLINK_REST_UPLOAD_TIMEOUT_MS 600000     /* job.submission.timeout */
#define FO_FLINK_REST_MAX_BODY (16u * 1024 * 1024) /* largest response we read */
#define FO_FLINK_REST_MAX_JAR (512u * 1024 * 1024) /* largest jar we upload */
#define FO_FLINK_REST_MAX_URL 2048

/* Job states are flink_model's fo_flink_job_status (Flink's JobStatus names plus the
 * operator's RECONCILING, which Flink never reports): parse with fo_flink_job_status_parse,
 * name with fo_flink_job_status_name, test with fo_flink_job_status_is_globally_terminal.
 * Entries of per-state arrays (fo_flink_job_details.state_since_ms) run up to this count. */
#define FO_FLINK_REST_JOB_STATUS_COUNT (FO_JOB_STATUS_RECONCILING + 1)

/* True for the result codes that mean "the JobManager could not be reached". */
bool fo_flink_rest_unreachable(fo_rc rc);

/* True when s is a Flink id (job, trigger): 32 lower-case hex digits. */
bool fo_flink_rest_is_id(const char *s);

/* Fill a REST address template: "{namespace}", "{name}" and "{port}" are replaced (any
 * number of times), e.g. "http://{name}-rest.{namespace}.svc:{port}" (port: the cluster's
 * rest.port, fo_flink_conf_rest_port) or the fake's "http://127.0.0.1:F/{namespace}/{name}"; a
 * template without "{port}" keeps its own port and ignores `port`. Trailing '/' are dropped
 * (paths are appended). FO_EINVAL for an unknown "{...}" placeholder, a "{port}" with a port
 * outside 1-65535 or a result that is not an http(s) URL, FO_ELIMIT when it does not fit in
 * len. Pure. */
fo_rc fo_flink_rest_base_url(const char *tmpl, const char *ns, const char *name, int port,
                             char *out, size_t len, fo_err *err);

/* ---- results ---- */

typedef struct fo_flink_config { /* GET /config */
    char *flink_version;
    char *flink_revision;
} fo_flink_config;
void fo_flink_rest_config_release(fo_flink_config *c);

typedef struct fo_flink_overview { /* GET /overview */
    int taskmanagers, slots_total, slots_available;
    int jobs_running, jobs_finished, jobs_cancelled, jobs_failed;
    char *flink_version, *flink_commit;
} fo_flink_overview;
void fo_flink_rest_overview_release(fo_flink_overview *o);

typedef struct fo_flink_taskmanagers { /* GET /taskmanagers, summed */
    int count, slots_total, slots_free;
} fo_flink_taskmanagers;

typedef struct fo_flink_job { /* one entry of GET /jobs/overview */
    char id[33];
    char *name;
    fo_flink_job_status state; /* FO_JOB_STATUS_UNKNOWN for a state this client does not know */
    char state_name[24];       /* as Flink wrote it (also for unknown states) */
    int64_t start_time_ms, end_time_ms, duration_ms, last_modification_ms; /* end -1: running */
    /* JobDetails "tasks" (the job's subtasks by ExecutionState): total, running, finished;
     * all -1 when the entry has none (GET /jobs/:id lists its vertices instead). */
    int64_t tasks_total, tasks_running, tasks_finished;
} fo_flink_job;

typedef struct fo_flink_jobs {
    fo_flink_job *items;
    size_t count;
} fo_flink_jobs;
void fo_flink_rest_jobs_release(fo_flink_jobs *jobs);
/* The job with that id, or NULL. Borrowed from jobs. */
const fo_flink_job *fo_flink_rest_jobs_find(const fo_flink_jobs *jobs, const char *id);

typedef struct fo_flink_job_details { /* GET /jobs/:id */
    fo_flink_job job;
    bool stoppable;
    int parallelism; /* largest vertex parallelism; 0 when no vertices yet */
    int64_t max_parallelism;
    int64_t now_ms;
    int64_t state_since_ms[FO_FLINK_REST_JOB_STATUS_COUNT]; /* "timestamps"; 0 = never */
} fo_flink_job_details;
void fo_flink_rest_job_details_release(fo_flink_job_details *d);

/* A SerializedThrowable: class, the whole stack trace, and a one-line message (the first line
 * of the trace without CompletionException wrappers). All NULL when there was no failure. */
typedef struct fo_flink_failure {
    char *class_name;
    char *message;
    char *stack_trace;
} fo_flink_failure;

typedef struct fo_flink_execution_result { /* GET /jobs/:id/execution-result */
    bool completed;                        /* false while the job runs (IN_PROGRESS) */
    char *application_status;              /* SUCCEEDED, FAILED, CANCELED, UNKNOWN */
    int64_t net_runtime_ms;
    fo_flink_failure failure;
} fo_flink_execution_result;
void fo_flink_rest_execution_result_release(fo_flink_execution_result *r);

typedef struct fo_flink_exception {
    char *name, *stacktrace, *task_name, *endpoint;
    int64_t timestamp_ms;
} fo_flink_exception;

typedef struct fo_flink_exceptions { /* GET /jobs/:id/exceptions (exceptionHistory) */
    fo_flink_exception *items;       /* newest first, as Flink lists them */
    size_t count;
    bool truncated;
} fo_flink_exceptions;
void fo_flink_rest_exceptions_release(fo_flink_exceptions *e);

/* An asynchronous operation's status (savepoint, stop-with-savepoint, checkpoint, disposal). */
typedef struct fo_flink_operation {
    bool completed;           /* false: IN_PROGRESS */
    char *location;           /* savepoints that succeeded */
    int64_t checkpoint_id;    /* checkpoints that succeeded, else -1 */
    fo_flink_failure failure; /* failure.class_name != NULL: the operation failed */
} fo_flink_operation;
void fo_flink_rest_operation_release(fo_flink_operation *op);

typedef struct fo_flink_checkpoint { /* CheckpointStatistics */
    int64_t id;                      /* -1 when absent */
    char status[16];                 /* IN_PROGRESS, COMPLETED, FAILED */
    bool savepoint;
    char type[24];       /* CHECKPOINT, SAVEPOINT, SYNC_SAVEPOINT, UNALIGNED_CHECKPOINT */
    char *external_path; /* completed ones */
    bool discarded;
    int64_t trigger_ms, latest_ack_ms, state_size, duration_ms;
    char *failure_message; /* failed ones */
} fo_flink_checkpoint;
void fo_flink_rest_checkpoint_release(fo_flink_checkpoint *c);

typedef struct fo_flink_checkpoint_stats { /* GET /jobs/:id/checkpoints */
    bool enabled; /* false: Flink answered "Checkpointing has not been enabled." */
    int64_t completed, failed, in_progress, restored, total;
    fo_flink_checkpoint latest_completed, latest_savepoint, latest_failed; /* id -1: none */
    struct {
        int64_t id; /* -1: the job was not restored */
        bool savepoint;
        char *external_path;
        int64_t restore_ms;
    } restored_from;
} fo_flink_checkpoint_stats;
void fo_flink_rest_checkpoint_stats_release(fo_flink_checkpoint_stats *s);

/* The names Flink's configuration gives a job's checkpoint retention
 * (execution.checkpointing.externalized-checkpoint-retention, ExternalizedCheckpointRetention). */
#define FO_FLINK_RETAIN_ON_CANCELLATION "RETAIN_ON_CANCELLATION"
#define FO_FLINK_DELETE_ON_CANCELLATION "DELETE_ON_CANCELLATION"
#define FO_FLINK_NO_EXTERNALIZED_CHECKPOINTS "NO_EXTERNALIZED_CHECKPOINTS"

typedef struct fo_flink_checkpoint_config { /* GET /jobs/:id/checkpoints/config */
    bool enabled;        /* false: Flink answered "Checkpointing is not enabled for this job" */
    int64_t interval_ms; /* "interval": Long.MAX_VALUE when periodic checkpoints are off (the
                          * job may still take triggered ones), -1 when absent */
    /* "externalization" (ExternalizedCheckpointInfo), the retention the job runs with, its
     * code's setting over the configuration: enabled is false for NO_EXTERNALIZED_CHECKPOINTS,
     * delete_on_cancellation true for every retention but RETAIN_ON_CANCELLATION. */
    bool externalized, delete_on_cancellation;
    const char *retention; /* its FO_FLINK_* name (static), NULL when !enabled */
} fo_flink_checkpoint_config;

typedef struct fo_flink_metric {
    char *id, *value;
} fo_flink_metric;
typedef struct fo_flink_metrics { /* GET /jobs/:id/metrics?get=... */
    fo_flink_metric *items;
    size_t count;
} fo_flink_metrics;
void fo_flink_rest_metrics_release(fo_flink_metrics *m);
/* The value of metric id, or NULL. Borrowed. */
const char *fo_flink_rest_metrics_get(const fo_flink_metrics *m, const char *id);

/* ---- pure decoding (no I/O; thread-safe). v is borrowed; out is filled (and must be released)
 * only on FO_OK; errors are FO_EPROTO naming the offending field. ---- */

fo_rc fo_flink_rest_decode_config(const json_t *v, fo_flink_config *out, fo_err *err);
fo_rc fo_flink_rest_decode_overview(const json_t *v, fo_flink_overview *out, fo_err *err);
fo_rc fo_flink_rest_decode_taskmanagers(const json_t *v, fo_flink_taskmanagers *out, fo_err *err);
fo_rc fo_flink_rest_decode_jobs(const json_t *v, fo_flink_jobs *out, fo_err *err);
fo_rc fo_flink_rest_decode_job_details(const json_t *v, fo_flink_job_details *out, fo_err *err);
fo_rc fo_flink_rest_decode_execution_result(const json_t *v, fo_flink_execution_result *out,
                                            fo_err *err);
fo_rc fo_flink_rest_decode_exceptions(const json_t *v, fo_flink_exceptions *out, fo_err *err);
fo_rc fo_flink_rest_decode_operation(const json_t *v, fo_flink_operation *out, fo_err *err);
fo_rc fo_flink_rest_decode_checkpoints(const json_t *v, fo_flink_checkpoint_stats *out,
                                       fo_err *err);
fo_rc fo_flink_rest_decode_checkpoint(const json_t *v, fo_flink_checkpoint *out, fo_err *err);
/* CheckpointConfigInfo: externalization.enabled and .delete_on_cancellation are required. */
fo_rc fo_flink_rest_decode_checkpoint_config(const json_t *v, fo_flink_checkpoint_config *out,
                                             fo_err *err);
/* Accepts Flink's bare array and the spec's {"metrics": [...]} object. */
fo_rc fo_flink_rest_decode_metrics(const json_t *v, fo_flink_metrics *out, fo_err *err);
/* TriggerResponse {"request-id"} -> trigger; JarRunResponseBody {"jobid"} -> job id. */
fo_rc fo_flink_rest_decode_trigger(const json_t *v, char trigger[33], fo_err *err);
fo_rc fo_flink_rest_decode_jar_run(const json_t *v, char job_id[33], fo_err *err);
/* JarUploadResponseBody: the jar id is the file name of "filename". Caller frees *jar_id. */
fo_rc fo_flink_rest_decode_jar_upload(const json_t *v, char **jar_id, fo_err *err);
/* A SerializedThrowable object (NULL or null leaves out zeroed). */
fo_rc fo_flink_rest_decode_failure(const json_t *v, fo_flink_failure *out, fo_err *err);
void fo_flink_rest_failure_release(fo_flink_failure *f);

/* Turn an HTTP error answer into a result code and err (message: Flink's errors, first line of
 * each, joined by "; "; http_status set). body may be NULL or not JSON. Never returns FO_OK. */
fo_rc fo_flink_rest_decode_error(int status, const char *body, size_t len, fo_err *err);

/* ---- the client ---- */

typedef struct fo_flink_rest fo_flink_rest;

/* The exchange under every call, with fo_http_client_request's contract (FO_OK whenever an
 * HTTP response arrived, whatever its status; res always initialised). The default sends
 * through the HTTP client; unit tests give an in-memory Flink instead. */
typedef fo_rc (*fo_flink_rest_send_fn)(void *ctx, const char *method, const char *url,
                                       const fo_http_header *headers, size_t nheaders,
                                       const char *body, size_t body_len, long timeout_ms,
                                       fo_http_result *res, fo_err *err);

/* The client makes its own HTTP client, which never uses a proxy, whatever HTTPS_PROXY,
 * HTTP_PROXY or ALL_PROXY say: Flink's RestClient and the Apache operator use none, and a
 * JobManager's cluster-local name (basic-example-rest.default) is seldom in a NO_PROXY. */
typedef struct fo_flink_rest_opts {
    long connect_timeout_ms;    /* 0 = fo_http_client_opts' default */
    const char *user_agent;     /* NULL = fo_http_client_opts' default */
    long timeout_ms;            /* per call; 0 = FO_FLINK_REST_TIMEOUT_MS */
    long read_timeout_ms;       /* per GET; 0 = FO_FLINK_REST_READ_TIMEOUT_MS (at most
                                 * timeout_ms) */
    long upload_timeout_ms;     /* jar uploads and runs; 0 = FO_FLINK_REST_UPLOAD_TIMEOUT_MS */
    fo_flink_rest_send_fn send; /* NULL = fo_http_client_request on http */
    void *send_ctx;             /* send's ctx (must outlive the client) */
} fo_flink_rest_opts;

/* New client (opts may be NULL). NULL with err when the HTTP client cannot be made. */
fo_flink_rest *fo_flink_rest_new(const fo_flink_rest_opts *opts, fo_err *err);
void fo_flink_rest_free(fo_flink_rest *fr);

/* Cluster. */
fo_rc fo_flink_rest_config(fo_flink_rest *fr, const char *base, fo_flink_config *out, fo_err *err);
fo_rc fo_flink_rest_overview(fo_flink_rest *fr, const char *base, fo_flink_overview *out,
                             fo_err *err);
fo_rc fo_flink_rest_taskmanagers(fo_flink_rest *fr, const char *base, fo_flink_taskmanagers *out,
                                 fo_err *err);

/* Jobs. job_id must be a Flink id (FO_EINVAL otherwise, nothing is sent). */
fo_rc fo_flink_rest_jobs(fo_flink_rest *fr, const char *base, fo_flink_jobs *out, fo_err *err);
fo_rc fo_flink_rest_job_details(fo_flink_rest *fr, const char *base, const char *job_id,
                                fo_flink_job_details *out, fo_err *err);
fo_rc fo_flink_rest_execution_result(fo_flink_rest *fr, const char *base, const char *job_id,
                                     fo_flink_execution_result *out, fo_err *err);
/* max_exceptions <= 0: Flink's default. */
fo_rc fo_flink_rest_exceptions(fo_flink_rest *fr, const char *base, const char *job_id,
                               int max_exceptions, fo_flink_exceptions *out, fo_err *err);
/* PATCH /jobs/:id?mode=cancel (202). */
fo_rc fo_flink_rest_cancel(fo_flink_rest *fr, const char *base, const char *job_id, fo_err *err);
/* names: metric ids (n > 0). */
fo_rc fo_flink_rest_job_metrics(fo_flink_rest *fr, const char *base, const char *job_id,
                                const char *const *names, size_t n, fo_flink_metrics *out,
                                fo_err *err);

/* Snapshots. Each trigger returns the operation's trigger id; poll with the _status call. */
typedef struct fo_flink_savepoint_opts {
    const char *target_dir;  /* NULL: the cluster's configured savepoint dir */
    const char *format_type; /* "CANONICAL", "NATIVE" or NULL */
    bool drain;              /* stop-with-savepoint only */
    bool cancel_job;         /* trigger only (deprecated in Flink) */
    const char *trigger_id;  /* optional 32-hex id making the trigger idempotent */
} fo_flink_savepoint_opts;
fo_rc fo_flink_rest_trigger_savepoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                      const fo_flink_savepoint_opts *opts, char trigger[33],
                                      fo_err *err);
fo_rc fo_flink_rest_stop_with_savepoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                        const fo_flink_savepoint_opts *opts, char trigger[33],
                                        fo_err *err);
fo_rc fo_flink_rest_savepoint_status(fo_flink_rest *fr, const char *base, const char *job_id,
                                     const char *trigger, fo_flink_operation *out, fo_err *err);
/* checkpoint_type: "FULL", "INCREMENTAL", "CONFIGURED" or NULL; trigger_id optional. */
fo_rc fo_flink_rest_trigger_checkpoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                       const char *checkpoint_type, const char *trigger_id,
                                       char trigger[33], fo_err *err);
fo_rc fo_flink_rest_checkpoint_status(fo_flink_rest *fr, const char *base, const char *job_id,
                                      const char *trigger, fo_flink_operation *out, fo_err *err);
/* Statistics; a job without checkpointing gives FO_OK with out->enabled = false. */
fo_rc fo_flink_rest_checkpoints(fo_flink_rest *fr, const char *base, const char *job_id,
                                fo_flink_checkpoint_stats *out, fo_err *err);
/* The job's effective checkpointing configuration: what its code set over the cluster's
 * configuration (fixed for the job id). A job without checkpointing gives FO_OK with
 * out->enabled = false; an unknown job FO_ENOTFOUND. Nothing to release. */
fo_rc fo_flink_rest_checkpoint_config(fo_flink_rest *fr, const char *base, const char *job_id,
                                      fo_flink_checkpoint_config *out, fo_err *err);
fo_rc fo_flink_rest_checkpoint_details(fo_flink_rest *fr, const char *base, const char *job_id,
                                       int64_t checkpoint_id, fo_flink_checkpoint *out,
                                       fo_err *err);
fo_rc fo_flink_rest_dispose_savepoint(fo_flink_rest *fr, const char *base, const char *path,
                                      char trigger[33], fo_err *err);
fo_rc fo_flink_rest_disposal_status(fo_flink_rest *fr, const char *base, const char *trigger,
                                    fo_flink_operation *out, fo_err *err);

/* Session jobs: upload a jar (multipart field "jarfile"), run it, delete it. */
fo_rc fo_flink_rest_jar_upload(fo_flink_rest *fr, const char *base, const char *filename,
                               const void *data, size_t len, char **jar_id, fo_err *err);
/* Reads the file at path (up to FO_FLINK_REST_MAX_JAR) and uploads it under its base name. */
fo_rc fo_flink_rest_jar_upload_file(fo_flink_rest *fr, const char *base, const char *path,
                                    char **jar_id, fo_err *err);

typedef struct fo_flink_jar_run {
    const char *entry_class; /* NULL: the jar manifest's */
    const char *const *args; /* sent as programArgsList (1.20 and 2.x) */
    size_t nargs;
    int parallelism;            /* <= 0: left out (cluster default) */
    const char *job_id;         /* NULL: Flink picks one */
    const char *savepoint_path; /* restore from; NULL = none */
    bool allow_non_restored_state;
    const char *restore_mode;          /* "CLAIM", "NO_CLAIM", "LEGACY" or NULL */
    const json_t *flink_configuration; /* object of strings, borrowed; NULL = none */
} fo_flink_jar_run;
/* POST /jars/:jarid/run -> the job id. A job id that exists already gives FO_EEXISTS. */
fo_rc fo_flink_rest_jar_run(fo_flink_rest *fr, const char *base, const char *jar_id,
                            const fo_flink_jar_run *run, char job_id[33], fo_err *err);
fo_rc fo_flink_rest_jar_delete(fo_flink_rest *fr, const char *base, const char *jar_id,
                               fo_err *err);

#endif
