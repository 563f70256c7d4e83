/* The manager: informers -> work queue -> workers, gated by leader election. */
#include "controller/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/enqueue.h"
#include "controller/manager_internal.h"
#include "controller/reconcile_deployment.h"

/* Objects whose labels say Flink made them for a FlinkDeployment (c.13). */
#define FLINK_OBJECTS_SELECTOR "type in (flink-native-kubernetes,flink-standalone-kubernetes)"

/* ---- queue -------------------------------------------------------------------------------- */

/* Note when key becomes ready, for the queue-wait histogram. */
static void note_queued(fo_manager *m, const char *key, int64_t delay_ms)
{
    int64_t ready = fo_clock_mono_ms(fo_clock_real()) + (delay_ms > 0 ? delay_ms : 0);
    pthread_mutex_lock(&m->qmu);
    json_t *have = json_object_get(m->queued_at, key);
    if (!have || json_integer_value(have) > ready)
        json_object_set_new(m->queued_at, key, json_integer(ready));
    pthread_mutex_unlock(&m->qmu);
}

void fo_manager_queue_add(fo_manager *m, const char *key, int64_t delay_ms)
{
    note_queued(m, key, delay_ms);
    if (delay_ms > 0)
        fo_workqueue_add_after(m->queue, key, delay_ms);
    else
        fo_workqueue_add(m->queue, key);
}

/* An informer's event (a user's change, a deletion, an owned object's change such as the new
 * JobManager's Deployment turning available), or the next step of a change under way: the pass
 * goes ahead of the periodic ones, so a change is not kept waiting behind a fleet of
 * observations (hundreds of silent JobManagers hold a worker 5 s each). Owned objects' events
 * must be urgent too: they drive an upgrade's steps (measured: with them in the normal lane a
 * change took 41 s instead of 4 s to be taken up behind 200 silent JobManagers). */
static void queue_urgent(fo_manager *m, const char *key, int64_t delay_ms)
{
    note_queued(m, key, delay_ms);
    fo_workqueue_add_after_urgent(m->queue, key, delay_ms);
}

static void queue_taken(fo_manager *m, const char *key)
{
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    pthread_mutex_lock(&m->qmu);
    json_t *at = json_object_get(m->queued_at, key);
    int64_t ready = at ? json_integer_value(at) : now;
    json_object_del(m->queued_at, key);
    pthread_mutex_unlock(&m->qmu);
    fo_histogram_observe(m->queue_seconds, (double)(now > ready ? now - ready : 0) / 1000.0, NULL);
}

/* ---- JobManagers that do not answer ------------------------------------------------------ */

int64_t fo_manager_silent_delay_ms(int64_t observe_interval_ms, int silent_passes)
{
    return fo_backoff_doubled_ms(observe_interval_ms > 0 ? observe_interval_ms : 1, silent_passes,
                                 FO_CTL_SILENT_MAX_DELAY_MS);
}

/* The delay before key's next pass: the pass's own, or, for a pass that found its JobManager
 * silent, the silent delay of its run of such passes. The run ends at any other pass. */
static int64_t next_pass_ms(fo_manager *m, const char *key, const fo_reconcile_result *res,
                            int *silent_passes)
{
    int n = 0;
    pthread_mutex_lock(&m->qmu);
    if (res && res->flink_silent) {
        n = (int)json_integer_value(json_object_get(m->silent, key)) + 1;
        json_object_set_new(m->silent, key, json_integer(n));
    } else {
        json_object_del(m->silent, key);
    }
    pthread_mutex_unlock(&m->qmu);
    *silent_passes = n;
    int64_t own = res ? res->requeue_after_ms : 0;
    if (n == 0 || own <= 0)
        return own;
    int64_t silent = fo_manager_silent_delay_ms(m->settings.observe_interval_ms, n);
    return silent > own ? silent : own;
}

/* ---- event handlers ----------------------------------------------------------------------- */

static void enqueue(fo_manager_handler_ctx *h, const json_t *obj)
{
    char key[600];
    if (fo_enqueue_key(obj, h->kind, key, sizeof key))
        queue_urgent(h->m, key, 0);
}

static void on_add(void *ctx, const json_t *obj)
{
    enqueue(ctx, obj);
}

/* Same spec and metadata (resourceVersion and managedFields aside)? */
static bool only_status_changed(const json_t *a, const json_t *b)
{
    if (!fo_json_equal(json_object_get(a, "spec"), json_object_get(b, "spec")))
        return false;
    json_t *ma = fo_json_copy(json_object_get(a, "metadata"));
    json_t *mb = fo_json_copy(json_object_get(b, "metadata"));
    json_object_del(ma, "resourceVersion");
    json_object_del(mb, "resourceVersion");
    json_object_del(ma, "managedFields");
    json_object_del(mb, "managedFields");
    bool same = fo_json_equal(ma, mb);
    json_decref(ma);
    json_decref(mb);
    return same;
}

static void on_update(void *ctx, const json_t *old_obj, const json_t *new_obj)
{
    /* A resync without a change (same resourceVersion) needs no pass. */
    const char *a = fo_json_get_str(old_obj, "metadata.resourceVersion");
    const char *b = fo_json_get_str(new_obj, "metadata.resourceVersion");
    if (a && b && strcmp(a, b) == 0)
        return;
    fo_manager_handler_ctx *h = ctx;
    /* A FlinkDeployment whose status alone changed (our own writes, mostly) needs no pass:
     * the pass that wrote it asked to come back when it needs to. */
    if (h->kind == FO_CTL_FLINK_DEPLOYMENT && only_status_changed(old_obj, new_obj))
        return;
    /* Flink rewrites its HA ConfigMaps at every checkpoint and leader renewal; only their
     * coming and going matters to a pass. */
    const char *type = fo_json_get_str(new_obj, "metadata.labels.configmap-type");
    if (h->kind == FO_CTL_CONFIG_MAP && type && strcmp(type, "high-availability") == 0)
        return;
    enqueue(ctx, new_obj);
}

static void on_delete(void *ctx, const json_t *last)
{
    enqueue(ctx, last);
}

/* ---- workers ------------------------------------------------------------------------------ */

static void run_pass(fo_manager *m, const char *key)
{
    char ns[256], name[256];
    if (!fo_enqueue_split(key, ns, name)) {
        fo_log_warn("dropping malformed queue key %s", key);
        fo_workqueue_forget(m->queue, key);
        return;
    }
    char id[32];
    snprintf(id, sizeof id, "%llu", (unsigned long long)atomic_fetch_add(&m->pass_seq, 1) + 1);
    fo_log_ctx_set("FlinkDeployment", ns, name, id);
    fo_reconcile_result res;
    fo_err err;
    fo_err_clear(&err);
    int64_t t0 = fo_clock_real_mono_ns();
    fo_rc rc = fo_reconcile_deployment(&m->env, ns, name, &res, &err);
    double secs = (double)(fo_clock_real_mono_ns() - t0) / 1e9;
    fo_histogram_observe(m->reconcile_seconds, secs, (const char *[]){"FlinkDeployment"});
    const char *result;
    int silent = 0;
    int64_t next = next_pass_ms(m, key, rc == FO_OK ? &res : NULL, &silent);
    if (rc == FO_OK) {
        fo_workqueue_forget(m->queue, key);
        result = next > 0 ? "requeue" : "success";
        if (next > 0 && res.changing)
            queue_urgent(m, key, next);
        else if (next > 0)
            fo_manager_queue_add(m, key, next);
        if (silent)
            fo_log_info("jobmanager silent %d passes in a row: next observation in %lld ms", silent,
                        (long long)next);
        fo_log_debug("pass done in %.1f ms: %s, %d writes, next in %lld ms", secs * 1000,
                     res.action ? res.action : "", res.writes, (long long)next);
    } else if (rc == FO_ETERMINAL) {
        /* Status says why; the next change of the resource brings it back. */
        fo_workqueue_forget(m->queue, key);
        result = "terminal";
        fo_log_info("not retried until the resource changes: %s", err.message);
    } else {
        result = "error";
        int64_t delay = fo_workqueue_when(m->queue, key);
        /* A conflict is optimistic concurrency at work (the cache had not seen a write yet):
         * the retry settles it, and a warning each time would only be noise. */
        fo_log(rc == FO_ECONFLICT ? FO_LOG_DEBUG : FO_LOG_WARN,
               "pass failed (%s), retrying in %lld ms: %s", fo_rc_name(rc), (long long)delay,
               err.message);
        fo_manager_queue_add(m, key, delay);
    }
    fo_counter_add(m->reconciles, 1, (const char *[]){"FlinkDeployment", result});
    fo_log_ctx_clear();
}

static void *worker(void *arg)
{
    fo_manager *m = arg;
    /* Act only on a complete view of the cluster. */
    while (!atomic_load(&m->stopping) && !fo_manager_synced(m))
        for (int k = 0; k < FO_CTL_KIND_COUNT; k++)
            if (m->informers[k])
                fo_informer_wait_synced(m->informers[k], 200);
    for (;;) {
        char *key = NULL;
        if (fo_workqueue_get(m->queue, &key) != FO_OK)
            break;
        queue_taken(m, key);
        if (!atomic_load(&m->stopping)) /* stopping: drain without acting */
            run_pass(m, key);
        fo_workqueue_done(m->queue, key);
        free(key);
    }
    return NULL;
}

static void start_workers(fo_manager *m)
{
    pthread_mutex_lock(&m->wmu);
    /* Leadership won while stopping (or a second time) starts nothing: fo_manager_stop joins
     * exactly the workers counted here. */
    if (m->started == 0 && !atomic_load(&m->stopping)) {
        while (m->started < m->nworkers &&
               pthread_create(&m->workers[m->started], NULL, worker, m) == 0)
            m->started++;
        if (m->started < m->nworkers)
            fo_log_error("only %d of %d workers started", m->started, m->nworkers);
        fo_log_info("%d workers started", m->started);
    }
    pthread_mutex_unlock(&m->wmu);
}

/* ---- leadership --------------------------------------------------------------------------- */

static void on_started_leading(void *ctx)
{
    fo_manager *m = ctx;
    atomic_store(&m->leading, true);
    fo_gauge_set(m->leader, 1, NULL);
    fo_log_info("leading: reconciling FlinkDeployments");
    start_workers(m);
}

static void on_stopped_leading(void *ctx)
{
    fo_manager *m = ctx;
    atomic_store(&m->leading, false);
    fo_gauge_set(m->leader, 0, NULL);
    /* Our own release comes after every worker was joined. Before that it is a loss, also
     * while stopping: a SIGTERM lets the passes in flight finish, and they must not go on
     * acting once the Lease is gone (controller-runtime skips its graceful shutdown then). */
    if (atomic_load(&m->releasing))
        return;
    if (!atomic_load(&m->stopping))
        atomic_store(&m->lost, true);
    fo_log_error("leadership lost: stopping so that a fresh process takes over");
    if (m->opts.on_lost)
        m->opts.on_lost(m->opts.on_lost_ctx);
}

/* ---- informers ---------------------------------------------------------------------------- */

static fo_rc start_informer(fo_manager *m, fo_ctl_kind kind, const char *selector, fo_err *err)
{
    const fo_ctl_kind_info *k = fo_ctl_kind_get(kind);
    /* Of a JobManager pod a pass reads only its status (why it does not start: observe.c);
     * its spec, the whole pod template, is most of the pod. */
    static const char *const no_spec_members[] = {NULL};
    fo_informer_opts o = {
        .kc = m->opts.kc,
        .group = k->group,
        .version = k->version,
        .resource = k->resource,
        .namespaces = m->cfg->namespaces[0] ? m->cfg->namespaces : NULL,
        .label_selector = selector,
        .name = k->resource,
        .spec_members = kind == FO_CTL_POD ? no_spec_members : NULL,
        /* the custom resources come from users; what else is cached, from us and Kubernetes */
        .max_object_weight = kind == FO_CTL_FLINK_DEPLOYMENT ? FO_FLINK_MAX_OBJECT_WEIGHT : 0,
        /* a page is read again for each heavy item in it: keep them small */
        .page_size = kind == FO_CTL_FLINK_DEPLOYMENT ? 100 : 0,
        .watch_idle_timeout_ms = m->cfg->watch_idle_timeout_ms > 0 ? m->cfg->watch_idle_timeout_ms
                                                                   : -1,
    };
    m->informers[kind] = fo_informer_new(&o, err);
    if (!m->informers[kind]) {
        fo_err_wrap(err, "%s informer", k->resource);
        return err ? err->rc : FO_EINVAL;
    }
    m->handler_ctx[kind] = (fo_manager_handler_ctx){m, kind};
    fo_informer_handlers h = {on_add, on_update, on_delete, &m->handler_ctx[kind]};
    fo_rc rc = fo_informer_add_handlers(m->informers[kind], &h);
    if (rc == FO_OK)
        rc = fo_informer_start(m->informers[kind], err);
    return rc;
}

fo_manager *fo_manager_start(const fo_manager_opts *opts, fo_err *err)
{
    fo_manager *m = calloc(1, sizeof *m);
    if (!m) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    m->opts = *opts;
    m->cfg = opts->cfg;
    pthread_mutex_init(&m->qmu, NULL);
    pthread_mutex_init(&m->wmu, NULL);
    pthread_mutex_init(&m->cmu, NULL);
    pthread_condattr_t ca; /* the canary thread's waits count on the monotonic clock */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->ccv, &ca);
    pthread_condattr_destroy(&ca);
    m->queued_at = json_object();
    m->silent = json_object();
    m->metrics = fo_metrics_new();
    fo_manager_register_metrics(m);

    m->settings = m->cfg->pass;

    if (fo_manager_load_defaults(m, err) != FO_OK) {
        fo_err_wrap(err, "cluster defaults");
        goto fail;
    }
    fo_workqueue_opts qo = {.name = "flinkdeployments"};
    m->queue = fo_workqueue_new(&qo);
    m->nworkers = m->cfg->workers;
    m->workers = calloc((size_t)m->nworkers, sizeof *m->workers);
    m->canary = fo_canary_new();
    m->env.own_writes = fo_own_writes_new();
    if (!m->queue || !m->workers || !m->canary || !m->env.own_writes) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }

    m->kube_io.kc = opts->kc;
    fo_ctl_kube_io_bind(&m->kube_io, &m->env.kube);
    m->env.flink = opts->flink;
    m->env.flink_patient = opts->flink_patient;
    if (opts->events)
        fo_ctl_events_io_bind(opts->events, &m->env.events);
    m->env.hooks = (fo_ctl_hooks){m, fo_manager_rest_error, fo_manager_canary_seen};
    m->env.clock = fo_clock_real();
    m->env.settings = &m->settings;
    m->env.defaults = fo_manager_defaults_ref;
    m->env.defaults_ctx = m;

    if (start_informer(m, FO_CTL_FLINK_DEPLOYMENT, NULL, err) != FO_OK ||
        start_informer(m, FO_CTL_CONFIG_MAP, FLINK_OBJECTS_SELECTOR, err) != FO_OK ||
        start_informer(m, FO_CTL_SERVICE, FLINK_OBJECTS_SELECTOR, err) != FO_OK ||
        start_informer(m, FO_CTL_DEPLOYMENT, FLINK_OBJECTS_SELECTOR, err) != FO_OK ||
        start_informer(m, FO_CTL_INGRESS, "component=ingress", err) != FO_OK ||
        start_informer(m, FO_CTL_POD, "component=jobmanager," FLINK_OBJECTS_SELECTOR, err) != FO_OK)
        goto fail;
    for (int k = 0; k < FO_CTL_KIND_COUNT; k++)
        m->kube_io.informers[k] = m->informers[k];

    if (fo_manager_start_health(m, err) != FO_OK || fo_manager_start_canaries(m, err) != FO_OK)
        goto fail;

    if (m->cfg->leader_elect) {
        fo_lease_elector_opts lo = {
            .params = {.ns = opts->lease_namespace,
                       .name = m->cfg->lease_name,
                       .identity = opts->identity,
                       .lease_duration_ms = m->cfg->lease_duration_ms,
                       .renew_deadline_ms = m->cfg->renew_deadline_ms,
                       .retry_period_ms = m->cfg->retry_period_ms},
            .kc = opts->kc,
            .on_started_leading = on_started_leading,
            .on_stopped_leading = on_stopped_leading,
            .ctx = m,
        };
        m->elector = fo_lease_elector_start(&lo, err);
        if (!m->elector) {
            fo_err_wrap(err, "leader election");
            goto fail;
        }
        fo_log_info("waiting to lead through Lease %s/%s as %s", opts->lease_namespace,
                    m->cfg->lease_name, opts->identity);
    } else {
        on_started_leading(m);
    }
    return m;
fail:
    fo_manager_stop(m);
    return NULL;
}

void fo_manager_tick(fo_manager *m)
{
    fo_manager_reload_defaults(m);
    fo_manager_update_gauges(m);
}

void fo_manager_recheck_defaults(fo_manager *m)
{
    fo_defaults_file_recheck(m->defaults);
}

bool fo_manager_lost_leadership(fo_manager *m)
{
    return atomic_load(&m->lost) ||
           (m->elector && fo_lease_elector_done(m->elector) && !atomic_load(&m->stopping));
}

int fo_manager_health_port(const fo_manager *m)
{
    return m->health ? fo_httpd_port(m->health) : 0;
}

void fo_manager_stop(fo_manager *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->wmu);
    atomic_store(&m->stopping, true); /* from here on no worker starts */
    int started = m->started;
    pthread_mutex_unlock(&m->wmu);
    if (m->health)
        fo_httpd_quiesce(m->health);
    /* Workers finish their current pass, then see the shutdown. */
    if (m->queue)
        fo_workqueue_shutdown(m->queue);
    for (int i = 0; i < started; i++)
        pthread_join(m->workers[i], NULL);
    fo_manager_stop_canaries(m); /* no write after the Lease is released */
    atomic_store(&m->releasing, true);
    fo_lease_elector_stop(m->elector); /* releases the Lease */
    for (int k = 0; k < FO_CTL_KIND_COUNT; k++)
        fo_informer_free(m->informers[k]);
    fo_httpd_stop(m->health);
    fo_workqueue_free(m->queue);
    free(m->workers);
    fo_defaults_file_free(m->defaults);
    fo_canary_free(m->canary);
    fo_own_writes_free(m->env.own_writes);
    json_decref(m->queued_at);
    json_decref(m->silent);
    fo_metrics_free(m->metrics);
    pthread_mutex_destroy(&m->qmu);
    pthread_mutex_destroy(&m->wmu);
    pthread_cond_destroy(&m->ccv);
    pthread_mutex_destroy(&m->cmu);
    free(m);
}
