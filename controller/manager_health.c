/* The manager's health server (/healthz, /readyz, /metrics), canary health, its metric
 * families and the cluster defaults file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/log.h"
#include "controller/manager_internal.h"

/* Seconds; passes are mostly under 10 ms, an upgrade step with API writes under a second. */
static const double PASS_BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,   0.25,   0.5,   1,    2.5,   10};
static const double QUEUE_BUCKETS[] = {0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60};

/* How often the resources-by-state gauge is recomputed from the cache. */
#define GAUGE_PERIOD_MS 5000
/* How often the canary thread looks for canaries due (a fraction of any sensible timeout). */
#define CANARY_STEP_MS 250

void fo_manager_register_metrics(fo_manager *m)
{
    fo_metrics *r = m->metrics;
    m->reconciles = fo_metrics_counter(r, "flinkop_controller_reconciles_total",
                                       "Reconcile passes by kind and result (success, requeue, "
                                       "terminal, error).",
                                       2, (const char *[]){"kind", "result"});
    m->reconcile_seconds = fo_metrics_histogram(
        r, "flinkop_controller_reconcile_duration_seconds", "Duration of one reconcile pass.", 1,
        (const char *[]){"kind"}, sizeof PASS_BUCKETS / sizeof *PASS_BUCKETS, PASS_BUCKETS);
    m->queue_depth = fo_metrics_gauge(r, "flinkop_controller_workqueue_depth",
                                      "Keys ready in the work queue.", 0, NULL);
    m->queue_seconds =
        fo_metrics_histogram(r, "flinkop_controller_workqueue_latency_seconds",
                             "Time a key waited in the work queue after it became ready.", 0, NULL,
                             sizeof QUEUE_BUCKETS / sizeof *QUEUE_BUCKETS, QUEUE_BUCKETS);
    m->resources = fo_metrics_gauge(r, "flinkop_controller_resources",
                                    "Resources in the cache by kind and lifecycle state.", 2,
                                    (const char *[]){"kind", "state"});
    m->oversized = fo_metrics_gauge(
        r, "flinkop_controller_oversized_resources",
        "Resources too heavy to hold, cached as their metadata and status (status.error says "
        "why), by kind.",
        1, (const char *[]){"kind"});
    m->rest_errors = fo_metrics_counter(r, "flinkop_controller_flink_rest_errors_total",
                                        "Flink REST calls that failed, by endpoint.", 1,
                                        (const char *[]){"endpoint"});
    m->leader = fo_metrics_gauge(r, "flinkop_controller_leader",
                                 "1 while this process holds the leader Lease.", 0, NULL);
    m->defaults_reloads =
        fo_metrics_counter(r, "flinkop_controller_defaults_reloads_total",
                           "Reloads of the cluster defaults file by result (success, failure).", 1,
                           (const char *[]){"result"});
    m->defaults_degraded = fo_metrics_gauge(
        r, "flinkop_controller_defaults_degraded",
        "1 while the defaults file is broken and the last good defaults are used.", 0, NULL);
    m->canaries_idle = fo_metrics_gauge(
        r, "flinkop_controller_canaries_not_exercised",
        "Canaries the health check cannot judge by, by reason: write_refused (the API server "
        "refused their change for good: 400, 403, 422, a 409 that is no conflict), oversized "
        "(cached without their spec).",
        1, (const char *[]){"reason"});
    fo_gauge_set(m->leader, 0, NULL);
    fo_gauge_set(m->defaults_degraded, 0, NULL);
    fo_gauge_set(m->canaries_idle, 0, (const char *[]){"write_refused"});
    fo_gauge_set(m->canaries_idle, 0, (const char *[]){"oversized"});
}

void fo_manager_rest_error(void *ctx, const char *endpoint)
{
    fo_manager *m = ctx;
    fo_counter_add(m->rest_errors, 1, (const char *[]){endpoint}); /* a route: bounded values */
}

bool fo_manager_synced(fo_manager *m)
{
    for (int k = 0; k < FO_CTL_KIND_COUNT; k++)
        if (m->informers[k] && !fo_informer_synced(m->informers[k]))
            return false;
    return true;
}

void fo_manager_update_gauges(fo_manager *m)
{
    fo_gauge_set(m->queue_depth, (double)fo_workqueue_len(m->queue), NULL);
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    if (m->last_gauges_ms && now - m->last_gauges_ms < GAUGE_PERIOD_MS)
        return;
    m->last_gauges_ms = now;
    json_t *all = fo_informer_list(m->informers[FO_CTL_FLINK_DEPLOYMENT], NULL);
    json_t *counts = json_object();
    size_t i, oversized = 0;
    json_t *o;
    json_array_foreach(all, i, o)
    {
        if (fo_kube_oversized(o))
            oversized++;
        const char *st = fo_json_get_str(o, "status.lifecycleState");
        if (!st)
            st = "CREATED";
        json_int_t n = json_integer_value(json_object_get(counts, st));
        json_object_set_new(counts, st, json_integer(n + 1));
    }
    /* Publish a full snapshot: states nobody is in any more read 0. */
    static const char *const states[] = {"CREATED",  "SUSPENDED",    "UPGRADING",   "DEPLOYED",
                                         "STABLE",   "ROLLING_BACK", "ROLLED_BACK", "FAILED",
                                         "DELETING", "DELETED"};
    for (size_t s = 0; s < sizeof states / sizeof *states; s++)
        fo_gauge_set(m->resources, (double)json_integer_value(json_object_get(counts, states[s])),
                     (const char *[]){"FlinkDeployment", states[s]});
    fo_gauge_set(m->oversized, (double)oversized, (const char *[]){"FlinkDeployment"});
    json_decref(counts);
    json_decref(all);
}

/* ---- canaries ------------------------------------------------------------------------------ */

void fo_manager_canary_seen(void *ctx, const char *ns, const char *name, const json_t *canary)
{
    fo_manager *m = ctx;
    fo_canary_seen(m->canary, ns, name, canary);
}

/* The timeout from the cluster defaults now (they are reloaded on change), a bad value logged
 * once. */
static void canary_timeout(fo_manager *m)
{
    fo_cluster_defaults *cd = fo_defaults_file_ref(m->defaults);
    int64_t ms = FO_CANARY_TIMEOUT_DEFAULT_MS;
    fo_err err;
    fo_err_clear(&err);
    if (fo_canary_timeout_from(fo_cluster_defaults_flink_config(cd), &ms, &err) != FO_OK) {
        if (strcmp(err.message, m->canary_conf_error) != 0)
            fo_log_error("cluster defaults: %s; canaries use the default of %d ms", err.message,
                         FO_CANARY_TIMEOUT_DEFAULT_MS);
        snprintf(m->canary_conf_error, sizeof m->canary_conf_error, "%s", err.message);
    } else {
        m->canary_conf_error[0] = '\0';
    }
    fo_cluster_defaults_unref(cd);
    fo_canary_set_timeout_ms(m->canary, ms);
}

/* Apart from the workers, so that a stuck pass, a full queue or a stalled watch cannot stop
 * the changes whose passes the health check waits for. Only the leader has canaries: passes
 * run only there. */
static void *canary_loop(void *arg)
{
    fo_manager *m = arg;
    pthread_mutex_lock(&m->cmu);
    while (!m->canary_stop) {
        pthread_mutex_unlock(&m->cmu);
        if (atomic_load(&m->leading)) {
            canary_timeout(m);
            fo_canary_exercise(m->canary, &m->env, fo_clock_mono_ms(m->env.clock));
        }
        pthread_mutex_lock(&m->cmu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)CANARY_STEP_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!m->canary_stop)
            pthread_cond_timedwait(&m->ccv, &m->cmu, &until);
    }
    pthread_mutex_unlock(&m->cmu);
    return NULL;
}

fo_rc fo_manager_start_canaries(fo_manager *m, fo_err *err)
{
    canary_timeout(m);
    if (pthread_create(&m->canary_thread, NULL, canary_loop, m) != 0)
        return fo_err_set(err, FO_EIO, "cannot start the canary thread");
    m->canary_started = true;
    return FO_OK;
}

void fo_manager_stop_canaries(fo_manager *m)
{
    if (!m->canary_started)
        return;
    pthread_mutex_lock(&m->cmu);
    m->canary_stop = true;
    pthread_cond_signal(&m->ccv);
    pthread_mutex_unlock(&m->cmu);
    pthread_join(m->canary_thread, NULL);
    m->canary_started = false;
}

/* ---- health server ------------------------------------------------------------------------ */

/* Alive, as the Apache operator's probe means it (reference d.4): every canary's latest change
 * was seen by a pass within the timeout. Judged only while leading: a standby runs no passes
 * and tracks no canary. */
static void healthz(fo_manager *m, fo_http_response *resp)
{
    bool leading = atomic_load(&m->leading);
    size_t tracked = 0;
    json_t *overdue = leading
                          ? fo_canary_report(m->canary, fo_clock_mono_ms(m->env.clock), &tracked)
                          : json_array();
    bool ok = json_array_size(overdue) == 0;
    /* Canaries a restart would not mend are told, and fail nothing (controller/canary.h). */
    json_t *body =
        json_pack("{s:s, s:b, s:I, s:I, s:o, s:o, s:o}", "status", ok ? "ok" : "canary overdue",
                  "leader", leading, "canaries", (json_int_t)tracked, "canaryTimeoutMs",
                  (json_int_t)fo_canary_timeout_ms(m->canary), "overdueCanaries", overdue,
                  "refusedCanaries", leading ? fo_canary_refused(m->canary) : json_array(),
                  "oversizedCanaries", leading ? fo_canary_oversized(m->canary) : json_array());
    fo_http_response_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}

/* The canaries-not-exercised gauge, as /healthz would tell them now. */
static void canary_gauge(fo_manager *m)
{
    bool leading = atomic_load(&m->leading);
    json_t *refused = leading ? fo_canary_refused(m->canary) : NULL;
    json_t *oversized = leading ? fo_canary_oversized(m->canary) : NULL;
    fo_gauge_set(m->canaries_idle, (double)json_array_size(refused),
                 (const char *[]){"write_refused"});
    fo_gauge_set(m->canaries_idle, (double)json_array_size(oversized),
                 (const char *[]){"oversized"});
    json_decref(refused);
    json_decref(oversized);
}

/* The informers that keep the controller unready (not synced) or may be stale (out of contact
 * with the API server), with the error of their last list or watch (common/informer.h). */
static json_t *informer_troubles(fo_manager *m)
{
    json_t *out = json_array();
    for (int k = 0; k < FO_CTL_KIND_COUNT; k++) {
        fo_informer *inf = m->informers[k];
        if (!inf)
            continue;
        bool synced = fo_informer_synced(inf);
        int64_t away = fo_informer_out_of_contact_ms(inf);
        if (synced && away == 0)
            continue;
        json_t *one = json_pack("{s:s, s:b, s:I}", "resource", fo_ctl_kind_get(k)->resource,
                                "synced", synced, "outOfContactSeconds", (json_int_t)(away / 1000));
        char reason[256];
        if (one && fo_informer_contact_error(inf, reason, sizeof reason))
            json_object_set_new(one, "reason", fo_json_string_lossy(reason));
        json_array_append_new(out, one);
    }
    return out;
}

static void handle(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    fo_manager *m = ctx;
    if (!fo_http_method_allowed(req, resp, "GET, HEAD"))
        return;
    if (strcmp(req->path, "/healthz") == 0) {
        healthz(m, resp);
    } else if (strcmp(req->path, "/readyz") == 0) {
        /* Ready = caches synced; a follower on standby is ready too (it takes over warm). */
        bool synced = fo_manager_synced(m);
        fo_defaults_state st;
        fo_defaults_file_state(m->defaults, &st);
        bool defaults_ok = st.ok;
        json_t *body = json_pack("{s:s, s:b, s:b, s:b, s:o}", "status",
                                 synced ? "ready" : "not ready", "synced", synced, "leader",
                                 atomic_load(&m->leading), "defaultsDegraded", !defaults_ok,
                                 "informers", informer_troubles(m));
        fo_http_response_json(resp, synced ? 200 : 503, body);
        json_decref(body);
    } else if (strcmp(req->path, "/metrics") == 0) {
        fo_gauge_set(m->queue_depth, (double)fo_workqueue_len(m->queue), NULL);
        canary_gauge(m);
        char *text = fo_metrics_render(m->metrics);
        if (text)
            fo_http_response_take_body(resp, 200, FO_METRICS_CONTENT_TYPE, text, strlen(text));
        else
            fo_http_response_text(resp, 500, "text/plain; charset=utf-8", "cannot render\n");
    } else {
        fo_http_response_text(resp, 404, "text/plain; charset=utf-8", "not found\n");
    }
}

fo_rc fo_manager_start_health(fo_manager *m, fo_err *err)
{
    fo_httpd_opts ho = {
        .bind_addr = m->cfg->health_bind,
        .port = m->cfg->health_port,
        .max_body_bytes = 4096,
        .threads = 2,
        .handler = handle,
        .handler_ctx = m,
    };
    m->health = fo_httpd_start(&ho, err);
    if (!m->health) {
        fo_err_wrap(err, "health server on %s:%d", m->cfg->health_bind, m->cfg->health_port);
        return err ? err->rc : FO_EIO;
    }
    return FO_OK;
}

/* ---- cluster defaults ---------------------------------------------------------------------- */

fo_rc fo_manager_load_defaults(fo_manager *m, fo_err *err)
{
    m->defaults = fo_defaults_file_open(m->cfg->defaults_path, err);
    if (!m->defaults)
        return err ? err->rc : FO_EINVAL;
    if (m->cfg->defaults_path) {
        fo_counter_add(m->defaults_reloads, 1, (const char *[]){"success"});
        fo_log_info("cluster defaults loaded from %s", m->cfg->defaults_path);
    }
    return FO_OK;
}

void fo_manager_reload_defaults(fo_manager *m)
{
    fo_err err;
    fo_err_clear(&err);
    switch (fo_defaults_file_poll(m->defaults, &err)) {
    case FO_DEFAULTS_UNCHANGED:
        return;
    case FO_DEFAULTS_REFUSED_AGAIN: /* a retry, reported already: degraded still */
        return;
    case FO_DEFAULTS_REFUSED:
        fo_log_error("cluster defaults not reloaded, still using the last good version: %s",
                     err.message);
        fo_counter_add(m->defaults_reloads, 1, (const char *[]){"failure"});
        fo_gauge_set(m->defaults_degraded, 1, NULL);
        return;
    case FO_DEFAULTS_LOADED:
        break;
    }
    fo_counter_add(m->defaults_reloads, 1, (const char *[]){"success"});
    fo_gauge_set(m->defaults_degraded, 0, NULL);
    fo_log_info("cluster defaults reloaded from %s", m->cfg->defaults_path);
}

fo_cluster_defaults *fo_manager_defaults_ref(void *ctx)
{
    fo_manager *m = ctx;
    return fo_defaults_file_ref(m->defaults);
}
