/* flinkop-webhook: signals, wiring, the reload loop (its flags: webhook/config.h).
 *
 *   flinkop-webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key [--port 9443]
 *                   [--defaults /etc/flinkop/defaults.yaml] [--kubeconfig FILE]
 *                   [--log-level info] [--bind-address 0.0.0.0] [--plain-http]
 *                   [--shutdown-delay 0]
 *
 * Exit status: 0 after SIGTERM or SIGINT (in-flight requests finished), 1 when it cannot
 * start, 2 for bad usage.
 *
 * SIGTERM stops accepting at once, finishes the requests in flight and exits. With
 * --shutdown-delay N it first reports not ready and serves N more seconds, closing each
 * connection after its next answer: in a cluster the pod leaves the Service's endpoints a
 * moment after its SIGTERM, and the API server keeps its connections to the pod alive, so
 * this lets the admissions already on their way land and moves the API server's connections
 * to the other replica. A second SIGTERM or SIGINT ends the delay. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/clock.h"
#include "common/defaults_file.h"
#include "common/httpd.h"
#include "common/json_arena.h"
#include "common/log.h"
#include "webhook/admission.h"
#include "webhook/cluster_lookup.h"
#include "webhook/config.h"
#include "webhook/resolve.h"
#include "webhook/webhook.h"

/* How often the certificate and defaults files are looked at. */
#define RELOAD_POLL_MS 1000
/* --check-defaults: load the file as the webhook and the controller would. Exit status. */
static int check_defaults(const char *path)
{
    fo_err err;
    fo_err_clear(&err);
    fo_defaults_file *df = fo_defaults_file_open(path, &err);
    if (!df) {
        fprintf(stderr, "flinkop-webhook: %s\n", err.message);
        return 1;
    }
    fo_defaults_file_free(df);
    printf("%s: ok\n", path);
    return 0;
}

/* Look at the certificate and defaults files once. */
static void reload(fo_webhook *wh, fo_certwatch *cw)
{
    fo_err err;
    fo_err_clear(&err);
    bool reloaded = false;
    if (cw) {
        fo_rc rc = fo_certwatch_check(cw, &reloaded, &err); /* logs what it does */
        if (rc != FO_OK || reloaded)
            fo_webhook_note_tls_reload(wh, rc == FO_OK);
    }
    fo_webhook_reload_defaults(wh, NULL, &err); /* logs what it does */
}

int main(int argc, char **argv)
{
    fo_log_set_component("webhook");
    fo_webhook_tune_malloc();
    /* Requests build their jansson values in a per-thread arena (webhook/routes.c). */
    fo_json_arena_install();
    fo_wh_config c;
    bool help = false;
    fo_err perr;
    fo_err_clear(&perr);
    if (fo_wh_config_parse(argc, argv, &c, &help, &perr) != FO_OK) {
        fprintf(stderr, "flinkop-webhook: %s\n", perr.message);
        return 2;
    }
    if (help) {
        fputs(fo_wh_config_usage(), stdout);
        return 0;
    }
    fo_log_set_level(c.log_level);
    if (c.check_defaults)
        return check_defaults(c.check_defaults);

    /* Signals are taken synchronously by the main loop: block them before any thread starts
     * so every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = 1;
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = NULL;
    fo_webhook *wh = NULL;
    fo_httpd *srv = NULL;
    fo_wh_cluster_lookup *lookup = NULL;

    if (!c.plain_http) {
        cw = fo_certwatch_new(c.tls_cert, c.tls_key, &err);
        if (!cw) {
            fo_log_error("cannot load the serving certificate: %s", err.message);
            goto out;
        }
    } else {
        fo_log_warn("serving plain HTTP without TLS: for local tests and the sandbox only; the "
                    "API server calls webhooks over HTTPS");
    }

    lookup = fo_wh_cluster_lookup_start(c.kubeconfig, c.cluster_cache_stale_after_ms,
                                        c.namespaces, &err);
    if (!lookup)
        fo_log_warn("no API access (%s): session-job checks that need the target cluster are "
                    "skipped",
                    err.message);

    fo_webhook_opts wo = {
        .defaults_path = c.defaults,
        .lookup_deployment = lookup ? fo_wh_cluster_lookup_get : NULL,
        .resolve_host = fo_wh_resolve_host,
        .lookup_health = lookup ? fo_wh_cluster_lookup_health : NULL,
        .lookup_ctx = lookup,
        .reconcile_interval_ms = c.reconcile_interval_ms,
    };
    wh = fo_webhook_new(&wo, &err);
    if (!wh) {
        fo_log_error("cannot start: %s", err.message);
        goto out;
    }

    fo_httpd_opts ho = {
        .bind_addr = c.bind_address,
        .port = c.port,
        .tls = cw,
        .handler = fo_webhook_handle,
        .handler_ctx = wh,
        .refused = fo_webhook_refused,
    };
    fo_webhook_serving_opts(&ho);
    srv = fo_httpd_start(&ho, &err);
    if (!srv) {
        fo_log_error("cannot serve: %s", err.message);
        goto out;
    }
    fo_webhook_set_server(wh, srv);
    fo_webhook_set_ready(wh, true);
    fo_log_info("serving %s on %s:%d with %u threads", cw ? "https" : "plain http",
                c.bind_address, fo_httpd_port(srv), ho.threads);

    struct timespec poll = {RELOAD_POLL_MS / 1000, (RELOAD_POLL_MS % 1000) * 1000000L};
    uint64_t seen = 0, trimmed = 0;
    int64_t drain_until_ms = 0; /* after SIGTERM with --shutdown-delay: serve until then */
    for (;;) {
        struct timespec wait = poll;
        if (drain_until_ms) {
            int64_t left = drain_until_ms - fo_clock_mono_ms(fo_clock_real());
            if (left <= 0) {
                fo_log_info("shutdown delay over: finishing requests in flight, then exiting");
                break;
            }
            if (left < RELOAD_POLL_MS)
                wait = (struct timespec){0, (long)left * 1000000L};
        }
        int sig = sigtimedwait(&sigs, NULL, &wait);
        if (sig == SIGTERM || sig == SIGINT) {
            const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
            if (c.shutdown_delay_s > 0 && !drain_until_ms) {
                fo_webhook_set_ready(wh, false);
                fo_httpd_drain(srv);
                drain_until_ms =
                    fo_clock_mono_ms(fo_clock_real()) + (int64_t)c.shutdown_delay_s * 1000;
                fo_log_info("%s received: not ready; serving %d s more, each connection closed "
                            "after its next answer",
                            name, c.shutdown_delay_s);
                continue;
            }
            fo_log_info("%s received: finishing requests in flight, then exiting", name);
            break;
        }
        if (sig == SIGHUP) { /* reload by hand: the files are read again, changed or not */
            fo_log_info("SIGHUP received: reading the certificate and the defaults again");
            if (cw)
                fo_certwatch_recheck(cw);
            fo_webhook_recheck_defaults(wh);
        }
        reload(wh, cw); /* every poll interval, and at once on SIGHUP */
        /* A burst of requests leaves freed memory in malloc's arenas (bodies, documents);
         * once a poll interval passed without a request, give it back to the system, so the
         * resident size returns to its idle level (the peak is what it is). Only then: a trim
         * takes the arena locks while it walks the free lists. */
        uint64_t now_seen = fo_webhook_requests_handled(wh);
        if (now_seen == seen && seen != trimmed) {
            malloc_trim(0);
            trimmed = seen;
        }
        seen = now_seen;
    }
    fo_webhook_set_ready(wh, false);
    fo_httpd_quiesce(srv);
    fo_httpd_stop(srv);
    srv = NULL;
    status = 0;
    fo_log_info("stopped");
out:
    fo_httpd_stop(srv);
    fo_webhook_free(wh);
    fo_wh_cluster_lookup_stop(lookup);
    fo_certwatch_free(cw);
    return status;
}
