#ifndef FO_FAKE_FLINK_H
#define FO_FAKE_FLINK_H

/* A fake Flink JobManager REST server for many clusters at once (test code).
 *
 * Every cluster lives under its own prefix: http://127.0.0.1:<port>/{namespace}/{name}/...
 * serves the Flink REST API (v1, also under /v1/...) of that cluster as the OpenAPI specs in
 * ../shared/specs/flink describe it: /config, /overview, /jobmanager/config, /taskmanagers,
 * /jobs, /jobs/overview, /jobs/:id (GET details, PATCH ?mode=cancel -> 202), /jobs/:id/status,
 * /execution-result, /exceptions, /metrics, /checkpoints (GET statistics, POST trigger),
 * /checkpoints/config, /checkpoints/details/:cpid, /checkpoints/:triggerid, /savepoints (POST),
 * /savepoints/:triggerid, /stop (POST), /savepoint-disposal (POST) and
 * /savepoint-disposal/:triggerid, /jars, /jars/upload (multipart, one file), /jars/:jarid
 * (DELETE), /jars/:jarid/run (POST). The product reaches a cluster through the URL template
 * http://127.0.0.1:<port>/{namespace}/{name}. Behaviour of each cluster: flink_sim.h.
 *
 * A cluster that does not exist answers 503 with {"errors": ["fake-flink: no cluster
 * <ns>/<name> (JobManager not running)"]} and the header X-Fake-Flink: no-cluster: like a
 * Service without ready endpoints behind a proxy. A client must treat it, like a refused
 * connection, as "unreachable" (never as "job not found").
 *
 * Control API (JSON in and out; "_fake" can never be a namespace, since namespaces are DNS
 * labels):
 *   POST   /_fake/clusters/{ns}/{name}          create; body = cluster spec below; 201 + view,
 *                                               409 when it exists, 400 naming a bad field
 *   GET    /_fake/clusters/{ns}/{name}          the control view (jobs with state, restart count,
 *                                               restoredFrom, savepoints, checkpoints, ...)
 *   DELETE /_fake/clusters/{ns}/{name}          remove it (its URLs answer 503 from then on)
 *   GET    /_fake/clusters                      {"clusters": [{namespace, name, flinkVersion, jobs}]}
 *   POST   /_fake/clusters/{ns}/{name}/faults   merge faults: {"unreachable": "none"|"reset"|"503",
 *                                               "delayMs": n, "failSavepoints": n (-1 = all),
 *                                               "failCheckpoints": n, "failDisposals": n,
 *                                               "failureMessage": s,
 *                                               "failEveryMs": n}; "reset" drops the connection
 *                                               after the headers, "503" answers 503, "hang"
 *                                               reads each request and answers nothing, nor
 *                                               acts on it (a JobManager in a long GC pause),
 *                                               until the fault is lifted: held requests are
 *                                               then served as if they had just come (deleting
 *                                               the cluster answers them 503 no-cluster)
 *   POST   /_fake/clusters/{ns}/{name}/taskmanagers  {"taskManagers": n}
 *   POST   /_fake/clusters/{ns}/{name}/jobs     submit a job (fields of spec.job) -> {"jobid"}
 *   POST   /_fake/clusters/{ns}/{name}/jobs/{jobid}/fail     {"restart": bool, "message": s}
 *   POST   /_fake/clusters/{ns}/{name}/jobs/{jobid}/suspend
 *   POST   /_fake/clusters/{ns}/{name}/jobs/{jobid}/ha-written  {"checkpointId": n}: the HA
 *                                               pointer write naming checkpoint n succeeded
 *                                               (clusters created with "haPointerAck": true)
 *   POST   /_fake/tick                          {"ms": n}: move the fake's time forward
 *   GET    /_fake/time                          {"nowMs": t}
 *   GET    /_fake/snapshots                     {"snapshots": [{path, checkpointId, disposed}]}
 *   GET    /_fake/ha                            the HA store: {"ha": [{namespace, name, jobId,
 *                                               path, checkpointId}]}
 *   DELETE /_fake/ha/{ns}/{name}                drop a cluster's HA data ({"removed": n}), as
 *                                               deleting its HA ConfigMaps does
 *
 * High availability (opt-in, spec "highAvailabilityStore": true): a cluster whose
 * configuration also sets high-availability.type (or the legacy high-availability) to anything
 * but NONE keeps each job's latest completed checkpoint (Flink 1.15 and later never a
 * savepoint, FLINK-25191; earlier versions also a savepoint) in the fake's HA store under
 * {ns}/{name}/{jobId}; it survives deleting the cluster, and a new cluster of the same name
 * running a job with that id recovers from it (restoredFrom.source "ha") instead of from
 * execution.savepoint.path. A globally terminal job's entry is removed. Leave it off when the
 * harness keeps Flink's HA ConfigMaps itself and passes the restore path (the sandbox does).
 * Such a harness sets "haPointerAck": true and reports each successful pointer write through
 * .../jobs/{jobid}/ha-written: Flink writes a completed checkpoint's pointer to the HA store
 * before it subsumes older checkpoints, so with it a checkpoint is discarded only once a write
 * naming a newer one succeeded, never while the HA data may still name it; and until its own
 * write landed a checkpoint is reported in progress (statistics, metrics, its trigger's
 * operation) and no failover restores it, as Flink reports a checkpoint completed only once its
 * completed checkpoint store holds it.
 *
 * Cluster spec (every field optional):
 *   {"flinkVersion": "1.20.1" | "2.0.0" | ..., "flinkRevision": "<commit> @ <date>",
 *    "configuration": {"<flink key>": "<value>", ...},   (what /jobmanager/config shows; also
 *        read: taskmanager.numberOfTaskSlots, parallelism.default, state.checkpoints.dir /
 *        execution.checkpointing.dir, state.savepoints.dir /
 *        execution.checkpointing.savepoint-dir, execution.checkpointing.interval,
 *        state.checkpoints.num-retained,
 *        execution.checkpointing.externalized-checkpoint-retention (what becomes of a job's
 *        checkpoints when it ends; a bad value is refused), execution.checkpointing.mode,
 *        execution.checkpointing.timeout, state.backend.type, jobmanager.scheduler /
 *        scheduler-mode (adaptive or reactive: jobs wait for slots in CREATED, not RUNNING),
 *        execution.runtime-mode (BATCH, or AUTOMATIC for a job with finishAfterMs: no
 *        periodic checkpoints, and under the AdaptiveBatchScheduler, the batch default since
 *        1.17, no checkpointing at all: 404 for its statistics and checkpoint config; a jar
 *        run's flinkConfiguration may set it for its job; a bad value is refused),
 *        and for the job
 *        $internal.pipeline.job-id,
 *        execution.savepoint.path / execution.state-recovery.path)
 *    "taskManagers": n, "slotsPerTaskManager": n, "parallelismDefault": n,
 *    "checkpointDir": s, "savepointDir": s, "checkpointIntervalMs": n, "retainedCheckpoints": n,
 *    "timings": {"initializingMs", "createdMs", "checkpointMs", "savepointMs", "cancelMs",
 *                "failingMs", "restartMs"},
 *    "faults": {...as above, without unreachable/delayMs}, "highAvailabilityStore": bool,
 *    "haPointerAck": bool,
 *    "job": {"jobId", "name", "jarURI", "entryClass", "args": [..], "parallelism",
 *            "restorePath" (= "initialSavepointPath"), "allowNonRestoredState", "restoreMode",
 *            "finishAfterMs", "checkpointRetention"}}  (present = application mode;
 *        checkpointRetention: what the job's code sets with setExternalizedCheckpointRetention,
 *        over the configuration; also a field of POST .../jobs, and a jar run's
 *        flinkConfiguration may set the configuration key for its job)
 *
 * Time: the fake's time is its clock's wall time plus the ticks it was given. Every request
 * first moves each cluster's simulation to that time, so with a fake clock (or a real clock
 * and explicit ticks) tests decide exactly when jobs and snapshots advance.
 *
 * Thread-safety: all functions and the HTTP handler may be called from any thread; one lock
 * serialises the clusters (fault delays are slept outside it; held requests wait on a condition
 * variable, releasing it). */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/httpd.h"
#include "common/rc.h"

/* Largest request body (jar uploads) and number of clusters. */
#define FO_FAKE_FLINK_MAX_BODY (64u * 1024 * 1024)
#define FO_FAKE_FLINK_MAX_CLUSTERS 1024
#define FO_FAKE_FLINK_MAX_SNAPSHOTS 65536

typedef struct fo_fake_flink fo_fake_flink;

typedef struct fo_fake_flink_opts {
    const char *bind_addr; /* NULL = "127.0.0.1" */
    int port;              /* 0 = a free port */
    const fo_clock *clock; /* NULL = the real clock; borrowed, must outlive the fake */
    bool no_server;        /* true: no HTTP listener (in-process use through _control) */
} fo_fake_flink_opts;

/* Start the fake (and its HTTP listener unless opts->no_server). NULL with err on failure. */
fo_fake_flink *fo_fake_flink_start(const fo_fake_flink_opts *opts, fo_err *err);

/* Answer every request held by a "hang" fault (the connection is dropped) and hold none from
 * then on. Call it before stopping an fo_httpd the fake is mounted in: that server's threads
 * may be waiting in the handler. fo_fake_flink_stop does it for its own listener. */
void fo_fake_flink_quiesce(fo_fake_flink *ff);

/* How many requests a "hang" fault holds now (for tests that must know a request is held
 * before they lift the fault). */
size_t fo_fake_flink_held(fo_fake_flink *ff);

/* Stop the listener and free every cluster. NULL is fine. */
void fo_fake_flink_stop(fo_fake_flink *ff);

/* The port the listener is bound to (0 without a server). */
int fo_fake_flink_port(const fo_fake_flink *ff);

/* The base URL of a cluster ("http://127.0.0.1:<port>/<ns>/<name>") into buf. */
void fo_fake_flink_cluster_url(const fo_fake_flink *ff, const char *ns, const char *name,
                               char *buf, size_t len);

/* Create a cluster from a spec (borrowed; NULL = defaults). FO_EEXISTS when it exists,
 * FO_EINVAL naming the field of a bad spec, FO_ELIMIT past FO_FAKE_FLINK_MAX_CLUSTERS. */
fo_rc fo_fake_flink_create(fo_fake_flink *ff, const char *ns, const char *name,
                           const json_t *spec, fo_err *err);

/* Remove a cluster; FO_ENOTFOUND when there is none. */
fo_rc fo_fake_flink_delete(fo_fake_flink *ff, const char *ns, const char *name, fo_err *err);

bool fo_fake_flink_exists(fo_fake_flink *ff, const char *ns, const char *name);

/* The control view of a cluster (new reference), or NULL when it does not exist. */
json_t *fo_fake_flink_view(fo_fake_flink *ff, const char *ns, const char *name);

/* Run one control-API call in-process: method, path ("/_fake/..."), body (borrowed, may be
 * NULL). Returns the HTTP status; *out (may be NULL) receives the JSON answer (new reference). */
int fo_fake_flink_control(fo_fake_flink *ff, const char *method, const char *path,
                          const json_t *body, json_t **out);

/* Drop the HA data of a cluster (all its jobs); returns the number of entries removed. */
int fo_fake_flink_ha_delete(fo_fake_flink *ff, const char *ns, const char *name);

/* Move the fake's time forward by ms and advance every cluster. */
void fo_fake_flink_tick(fo_fake_flink *ff, int64_t ms);

/* The fake's current time (epoch ms). */
int64_t fo_fake_flink_now_ms(fo_fake_flink *ff);

/* The HTTP handler (ctx = the fake), for mounting the fake inside another fo_httpd. */
void fo_fake_flink_handle(void *ctx, const fo_http_request *req, fo_http_response *resp);

#endif
