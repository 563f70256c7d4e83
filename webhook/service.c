/* The webhook service's state: cluster defaults (load, reload, keep the last good), readiness,
 * metric families. Routes live in routes.c, health endpoints in health.c. */
#include "webhook/webhook.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/cpu_limit.h"
#include "common/httpd.h"
#include "common/log.h"
#include "webhook/admission.h"
#include "webhook/webhook_internal.h"

/* Latency buckets (seconds): the target is p99 <= 2 ms, so most resolution sits below 10 ms. */
static const double LATENCY_BUCKETS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005,
                                         0.01,   0.025,   0.05,   0.1,   0.5,   1};
static const double PATCH_BUCKETS[] = {64, 256, 1024, 4096, 16384, 65536, 262144};

static void register_metrics(fo_webhook *wh)
{
    fo_metrics *m = wh->metrics;
    wh->requests = fo_metrics_counter(m, "flinkop_webhook_requests_total",
                                      "Webhook requests by route and verdict.", 2,
                                      (const char *[]){"route", "verdict"});
    wh->latency = fo_metrics_histogram(
        m, "flinkop_webhook_request_duration_seconds",
        "Time from the complete request to the answer, by route.", 1, (const char *[]){"route"},
        sizeof LATENCY_BUCKETS / sizeof LATENCY_BUCKETS[0], LATENCY_BUCKETS);
    wh->patch_bytes = fo_metrics_histogram(m, "flinkop_webhook_patch_bytes",
                                           "Size of the JSON patches sent by /mutate (before "
                                           "base64).",
                                           0, NULL, sizeof PATCH_BUCKETS / sizeof PATCH_BUCKETS[0],
                                           PATCH_BUCKETS);
    wh->defaults_reloads = fo_metrics_counter(
        m, "flinkop_webhook_defaults_reloads_total",
        "Reloads of the cluster defaults file by result (success, failure).", 1,
        (const char *[]){"result"});
    wh->defaults_degraded = fo_metrics_gauge(
        m, "flinkop_webhook_defaults_degraded",
        "1 while the defaults file is broken and the last good defaults are served.", 0, NULL);
    wh->tls_reloads = fo_metrics_counter(
        m, "flinkop_webhook_tls_reloads_total",
        "Reloads of the TLS certificate and key by result (success, failure).", 1,
        (const char *[]){"result"});
    wh->connections = fo_metrics_gauge(m, "flinkop_webhook_open_connections",
                                       "Client connections open now.", 0, NULL);
    wh->held_bytes = fo_metrics_gauge(
        m, "flinkop_webhook_held_bytes",
        "Bytes of request bodies and answers held now; requests that would pass the bound get 429 "
        "(requests_total verdict busy).",
        0, NULL);
    if (wh->opts.lookup_health) {
        wh->cached_deployments = fo_metrics_gauge(
            m, "flinkop_webhook_cached_flinkdeployments",
            "FlinkDeployments kept for the session-job checks (name, job, flinkConfiguration, "
            "flinkVersion of each; 0 until the first check starts the watch).",
            0, NULL);
        wh->lookup_state = fo_metrics_gauge(
            m, "flinkop_webhook_cluster_lookup_state",
            "1 for the state of the FlinkDeployment watch behind the session-job checks: idle "
            "(no check yet), syncing, synced, stale (out of contact past "
            "--cluster-cache-stale-after: checks skipped).",
            1, (const char *[]){"state"});
        wh->lookup_out_of_contact = fo_metrics_gauge(
            m, "flinkop_webhook_cluster_lookup_out_of_contact_seconds",
            "How long the FlinkDeployment watch has been unable to list or watch (0 while in "
            "contact).",
            0, NULL);
    }
    fo_gauge_set(wh->defaults_degraded, 0, NULL);
}

fo_webhook *fo_webhook_new(const fo_webhook_opts *opts, fo_err *err)
{
    fo_webhook *wh = calloc(1, sizeof *wh);
    if (!wh) {
        fo_err_set(err, FO_ENOMEM, "webhook: out of memory");
        return NULL;
    }
    if (opts)
        wh->opts = *opts;
    pthread_mutex_init(&wh->heavy, NULL);
    wh->metrics = fo_metrics_new();
    if (!wh->metrics) {
        fo_err_set(err, FO_ENOMEM, "webhook: out of memory");
        goto fail;
    }
    register_metrics(wh);
    wh->defaults = fo_defaults_file_open(opts ? opts->defaults_path : NULL, err);
    if (!wh->defaults) {
        fo_err_wrap(err, "cluster defaults");
        goto fail;
    }
    wh->opts.defaults_path = NULL; /* the caller's string: fo_defaults_file_state has a copy */
    if (opts && opts->defaults_path)
        fo_counter_add(wh->defaults_reloads, 1, (const char *[]){"success"});
    return wh;
fail:
    fo_webhook_free(wh);
    return NULL;
}

void fo_webhook_free(fo_webhook *wh)
{
    if (!wh)
        return;
    fo_defaults_file_free(wh->defaults);
    fo_metrics_free(wh->metrics);
    pthread_mutex_destroy(&wh->heavy);
    free(wh);
}

fo_cluster_defaults *fo_webhook_defaults_ref(fo_webhook *wh)
{
    return fo_defaults_file_ref(wh->defaults);
}

void fo_webhook_recheck_defaults(fo_webhook *wh)
{
    fo_defaults_file_recheck(wh->defaults);
}

fo_rc fo_webhook_reload_defaults(fo_webhook *wh, bool *reloaded, fo_err *err)
{
    if (reloaded)
        *reloaded = false;
    fo_err local;
    fo_err_clear(&local);
    fo_defaults_state st;
    switch (fo_defaults_file_poll(wh->defaults, &local)) {
    case FO_DEFAULTS_UNCHANGED:
        return FO_OK;
    case FO_DEFAULTS_REFUSED_AGAIN: /* a retry, reported already: degraded still */
        return FO_OK;
    case FO_DEFAULTS_REFUSED:
        fo_log_error("cluster defaults not reloaded, still serving the last good version: %s",
                     local.message);
        fo_counter_add(wh->defaults_reloads, 1, (const char *[]){"failure"});
        fo_gauge_set(wh->defaults_degraded, 1, NULL);
        if (err)
            *err = local;
        return local.rc;
    case FO_DEFAULTS_LOADED:
        break;
    }
    fo_defaults_file_state(wh->defaults, &st);
    fo_counter_add(wh->defaults_reloads, 1, (const char *[]){"success"});
    fo_gauge_set(wh->defaults_degraded, 0, NULL);
    fo_log_info("cluster defaults reloaded from %s (version %llu)", st.path,
                (unsigned long long)st.version);
    if (reloaded)
        *reloaded = true;
    return FO_OK;
}

void fo_webhook_set_ready(fo_webhook *wh, bool ready)
{
    atomic_store(&wh->ready, ready);
}

void fo_webhook_note_tls_reload(fo_webhook *wh, bool ok)
{
    fo_counter_add(wh->tls_reloads, 1, (const char *[]){ok ? "success" : "failure"});
}

void fo_webhook_set_server(fo_webhook *wh, const fo_httpd *srv)
{
    atomic_store(&wh->server, srv);
}

uint64_t fo_webhook_requests_handled(const fo_webhook *wh)
{
    return atomic_load(&((fo_webhook *)wh)->handled);
}

fo_metrics *fo_webhook_metrics(fo_webhook *wh)
{
    return wh->metrics;
}

unsigned fo_webhook_pool_threads(void)
{
    unsigned n = fo_cpu_usable();
    if (n < 2)
        n = 2;
    if (n > 8)
        n = 8;
    return n;
}

void fo_webhook_serving_opts(fo_httpd_opts *o)
{
    o->max_body_bytes = FO_ADMISSION_MAX_BODY;
    o->max_bodies_bytes = FO_WEBHOOK_MAX_BODIES_BYTES;
    o->max_connections = FO_WEBHOOK_MAX_CONNECTIONS;
    o->connection_timeout_s = FO_WEBHOOK_IDLE_TIMEOUT_S;
    o->request_timeout_s = FO_WEBHOOK_REQUEST_TIMEOUT_S;
    o->connection_memory_bytes = FO_WEBHOOK_CONN_MEMORY_BYTES;
    o->threads = fo_webhook_pool_threads();
}

void fo_webhook_tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, FO_WEBHOOK_MMAP_THRESHOLD_BYTES);
}
