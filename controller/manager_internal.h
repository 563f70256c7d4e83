#ifndef FO_CTL_MANAGER_INTERNAL_H
#define FO_CTL_MANAGER_INTERNAL_H

/* The manager's state, shared by manager.c (informers, queue, workers, leadership) and
 * manager_health.c (health server, metrics, cluster defaults). Private to them. */

#include <pthread.h>
#include <stdatomic.h>

#include "common/cluster_defaults.h"
#include "common/defaults_file.h"
#include "common/httpd.h"
#include "common/informer.h"
#include "common/lease.h"
#include "common/metrics.h"
#include "common/workqueue.h"
#include "controller/canary.h"
#include "controller/ctl_io.h"
#include "controller/kube_io.h"
#include "controller/manager.h"

/* What an informer's handlers get: the manager and the kind they watch. */
typedef struct fo_manager_handler_ctx {
    struct fo_manager *m;
    fo_ctl_kind kind;
} fo_manager_handler_ctx;

struct fo_manager {
    fo_manager_opts opts;
    const fo_ctl_config *cfg;
    fo_ctl_settings settings;
    fo_ctl_kube_io kube_io;
    fo_ctl_env env;

    fo_informer *informers[FO_CTL_KIND_COUNT];
    fo_manager_handler_ctx handler_ctx[FO_CTL_KIND_COUNT];
    fo_workqueue *queue;
    pthread_t *workers;
    int nworkers;
    /* Workers start on the elector thread and are joined by fo_manager_stop: wmu orders the
     * two, so no worker starts once stopping is set and every started one is joined. */
    pthread_mutex_t wmu;
    int started; /* workers running (under wmu) */
    atomic_bool leading, lost, stopping;
    /* Set once every worker has been joined, just before the elector is stopped: from then on
     * a stop of leadership is our own release, before it a loss (even while stopping). */
    atomic_bool releasing;
    fo_lease_elector *elector;
    fo_httpd *health;
    atomic_uint_fast64_t pass_seq;

    /* Queue latency: when each queued key became ready (real monotonic ms). */
    pthread_mutex_t qmu;
    json_t *queued_at;
    json_t *silent; /* under qmu: key -> passes in a row whose JobManager did not answer */

    fo_defaults_file *defaults; /* the cluster defaults file (reloaded by the main thread) */

    /* Canary health (controller/canary.h): what passes saw, exercised by the canary thread
     * while leading; cmu/ccv wake it to stop. */
    fo_canary *canary;
    pthread_t canary_thread;
    bool canary_started;
    pthread_mutex_t cmu;
    pthread_cond_t ccv;
    bool canary_stop;                 /* under cmu */
    char canary_conf_error[512];      /* the timeout's last bad value, logged once (thread's) */

    int64_t last_gauges_ms;

    fo_metrics *metrics;
    fo_counter *reconciles, *rest_errors, *defaults_reloads;
    fo_histogram *reconcile_seconds, *queue_seconds;
    fo_gauge *queue_depth, *resources, *leader, *defaults_degraded;
    fo_gauge *oversized; /* resources cached as stubs (common/kube_oversized.h) */
    fo_gauge *canaries_idle; /* canaries not exercised, by why (controller/canary.h) */
};

/* manager_health.c */
void fo_manager_register_metrics(fo_manager *m);
fo_rc fo_manager_start_health(fo_manager *m, fo_err *err);
fo_rc fo_manager_load_defaults(fo_manager *m, fo_err *err);
void fo_manager_reload_defaults(fo_manager *m);
fo_cluster_defaults *fo_manager_defaults_ref(void *ctx);
void fo_manager_rest_error(void *ctx, const char *endpoint);
void fo_manager_update_gauges(fo_manager *m);
bool fo_manager_synced(fo_manager *m);
void fo_manager_canary_seen(void *ctx, const char *ns, const char *name, const json_t *canary);
fo_rc fo_manager_start_canaries(fo_manager *m, fo_err *err);
void fo_manager_stop_canaries(fo_manager *m);

/* manager.c */
void fo_manager_queue_add(fo_manager *m, const char *key, int64_t delay_ms);

#endif
