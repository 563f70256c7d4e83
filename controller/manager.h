#ifndef FO_CTL_MANAGER_H
#define FO_CTL_MANAGER_H

/* The controller's machinery (docs/controller.md "Process"): informers for FlinkDeployments
 * and the kinds they own, a rate-limited work queue fed by their events, N workers that run
 * one pass per key (never two at once for a key) only while this process leads, leader
 * election on a Lease, the cluster defaults file (reloaded on change; a broken file keeps the
 * last good one), metrics, and the health server (/healthz, /readyz, /metrics over HTTP).
 *
 * Worker semantics (controller-runtime's): FO_OK -> forget the key's failures and requeue
 * after the pass's delay (if any; longer for a resource whose JobManager does not answer, see
 * fo_manager_silent_delay_ms); FO_ETERMINAL -> forget, no retry (status says why); other
 * errors -> rate-limited retry. An event of a resource queues it at once whatever delay it
 * waits for.
 *
 * A follower keeps its caches warm and its queue filled, so it takes over at once when it
 * wins the Lease. Losing the Lease is final (as in controller-runtime): the process exits and
 * a fresh one starts clean.
 *
 * fo_manager_tick is called by the main thread; everything else runs on the manager's threads.
 * Thread-safe. */

#include <stdbool.h>

#include "common/flink_rest.h"
#include "common/kube_client.h"
#include "common/kube_events.h"
#include "common/rc.h"
#include "controller/config.h"

typedef struct fo_manager fo_manager;

/* The longest a reconciled resource whose JobManager does not answer waits between passes. */
#define FO_CTL_SILENT_MAX_DELAY_MS 120000

/* The requeue delay of a reconciled resource after `silent_passes` (>= 1) passes in a row whose
 * observation its JobManager let time out (fo_reconcile_result.flink_silent): twice the observe
 * interval, doubling with each such pass, at most FO_CTL_SILENT_MAX_DELAY_MS (or the observe
 * interval when that is longer). Such a pass holds a worker for the whole REST timeout; spaced
 * out, a few silent JobManagers cannot keep every worker from the other resources. Pure. */
int64_t fo_manager_silent_delay_ms(int64_t observe_interval_ms, int silent_passes);

typedef struct fo_manager_opts {
    fo_kube_client *kc;       /* borrowed; outlives the manager */
    fo_flink_rest *flink;     /* borrowed: Flink REST calls */
    fo_flink_rest *flink_patient; /* borrowed: the same, reads at the full timeout; NULL = flink
                                   * (fo_ctl_env.flink_patient) */
    fo_kube_events *events;   /* borrowed; NULL = Events only logged */
    const fo_ctl_config *cfg; /* borrowed */
    const char *lease_namespace;
    const char *identity; /* leader election identity (unique per process) */
    /* Called (on the elector's thread, no lock held) the moment leadership is lost, also
     * while fo_manager_stop waits for the passes in flight, but not at its release of the
     * Lease; NULL = fo_manager_lost_leadership alone tells. The program ends the process
     * there: a pass in flight must not go on acting for a replica that no longer leads. */
    void (*on_lost)(void *ctx);
    void *on_lost_ctx;
} fo_manager_opts;

/* Load the defaults file, start informers, the health server and leader election (or the
 * workers at once without it). NULL with err when something cannot start (a broken defaults
 * file at start, the health port taken). */
fo_manager *fo_manager_start(const fo_manager_opts *opts, fo_err *err);

/* Housekeeping, about once a second: reload the defaults file when it changed, refresh the
 * queue-depth and resources-by-state gauges. */
void fo_manager_tick(fo_manager *m);

/* Make the next tick read the defaults file whether it changed or not (SIGHUP). */
void fo_manager_recheck_defaults(fo_manager *m);

/* True once leadership was lost (the process should exit non-zero). */
bool fo_manager_lost_leadership(fo_manager *m);

/* The health server's port. */
int fo_manager_health_port(const fo_manager *m);

/* Stop workers after their current pass, release the Lease, stop informers and the health
 * server, free. NULL is fine. */
void fo_manager_stop(fo_manager *m);

#endif
