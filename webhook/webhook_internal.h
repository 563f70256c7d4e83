#ifndef FO_WEBHOOK_INTERNAL_H
#define FO_WEBHOOK_INTERNAL_H

/* Shared state of the webhook service (service.c, routes.c, health.c). Not for other users. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/cluster_defaults.h"
#include "common/defaults_file.h"
#include "common/httpd.h"
#include "common/metrics.h"
#include "webhook/webhook.h"

struct fo_webhook {
    fo_webhook_opts opts;
    fo_defaults_file *defaults; /* never NULL once created */

    /* Held while a review of more than FO_WEBHOOK_HEAVY_BODY_BYTES is handled: one at a time
     * (such a review can take 40 MiB or more to handle); another one meanwhile gets 429.
     * Ordinary reviews never take it. */
    pthread_mutex_t heavy;

    atomic_bool ready;
    atomic_uint_fast64_t handled; /* requests answered, for the idle trim in main.c */
    _Atomic(const fo_httpd *) server; /* for the connections and held-bytes gauges; may be
                                         * NULL; set while requests may read it */

    fo_metrics *metrics;
    fo_counter *requests;        /* route, verdict */
    fo_histogram *latency;       /* route */
    fo_histogram *patch_bytes;
    fo_counter *defaults_reloads; /* result */
    fo_gauge *defaults_degraded;
    fo_counter *tls_reloads;     /* result */
    fo_gauge *connections;
    fo_gauge *held_bytes;
    /* NULL without opts.lookup_health: */
    fo_gauge *cached_deployments, *lookup_state, *lookup_out_of_contact;
};

/* A new reference to the defaults served now (never NULL). */
fo_cluster_defaults *fo_webhook_defaults_ref(fo_webhook *wh);

/* Health routes (health.c). */
void fo_webhook_healthz(fo_webhook *wh, fo_http_response *resp);
void fo_webhook_readyz(fo_webhook *wh, fo_http_response *resp);
void fo_webhook_render_metrics(fo_webhook *wh, fo_http_response *resp);

/* Answer with a Kubernetes Status JSON body. */
void fo_webhook_status(fo_http_response *resp, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
