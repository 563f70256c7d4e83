/* flinkop-webhook: flags and FLINKOP_* environment, signals, wiring, the reload loop.
 *
 *   flinkop-webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key [--port 9443]
 *                   [--defaults /etc/flinkop/defaults.yaml] [--kubeconfig FILE]
 *                   [--log-level info] [--bind-address 0.0.0.0] [--plain-http]
 *                   [--shutdown-delay 0]
 *
 * Every flag has an environment equivalent (FLINKOP_PORT, FLINKOP_TLS_CERT, FLINKOP_TLS_KEY,
 * FLINKOP_DEFAULTS, FLINKOP_KUBECONFIG, FLINKOP_LOG_LEVEL, FLINKOP_BIND_ADDRESS,
 * FLINKOP_PLAIN_HTTP=true, FLINKOP_SHUTDOWN_DELAY); a flag wins over its variable. Exit
 * status: 0 after SIGTERM or SIGINT (in-flight requests finished), 1 when it cannot start, 2
 * for bad usage.
 *
 * SIGTERM stops accepting at once, finishes the requests in flight and exits. With
 * --shutdown-delay N it first reports not ready and serves N more seconds, closing each
 * connection after its next answer: in a cluster the pod leaves the Service's endpoints a
 * moment after its SIGTERM, and the API server keeps its connections to the pod alive, so
 * this lets the admissions already on their way land and moves the API server's connections
 * to the other replica. A second SIGTERM or SIGINT ends the delay. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
#include "webhook/resolve.h"
#include "webhook/webhook.h"

/* How often the certificate and defaults files are looked at. */
#define RELOAD_POLL_MS 1000
/* The longest --shutdown-delay: Kubernetes kills after terminationGracePeriodSeconds anyway. */
#define MAX_SHUTDOWN_DELAY_S 300
typedef struct config {
    int port;
    const char *tls_cert, *tls_key, *defaults, *kubeconfig, *log_level, *bind_address;
    const char *check_defaults; /* --check-defaults: check this file and exit */
    bool plain_http;
    int shutdown_delay_s;
} config;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: flinkop-webhook --tls-cert FILE --tls-key FILE [options]\n"
            "  --port N              HTTPS port (default 9443; 0: any)    FLINKOP_PORT\n"
            "  --tls-cert FILE       serving certificate (PEM, chain)     FLINKOP_TLS_CERT\n"
            "  --tls-key FILE        its private key (PEM)                FLINKOP_TLS_KEY\n"
            "  --defaults FILE       cluster defaults YAML (reloaded)     FLINKOP_DEFAULTS\n"
            "  --kubeconfig FILE     API access for session-job checks    FLINKOP_KUBECONFIG\n"
            "  --log-level LEVEL     debug, info, warn, error             FLINKOP_LOG_LEVEL\n"
            "  --bind-address ADDR   listen address (default 0.0.0.0)     FLINKOP_BIND_ADDRESS\n"
            "  --plain-http          serve HTTP without TLS (local tests) FLINKOP_PLAIN_HTTP\n"
            "  --shutdown-delay SEC  SEC s more after SIGTERM (0)         FLINKOP_SHUTDOWN_DELAY\n"
            "                        (not ready; each connection closed after its next answer)\n"
            "  --check-defaults FILE check a cluster defaults file and exit (0: it loads; 1: the\n"
            "                        problems are printed), e.g. before an upgrade\n");
}

/* true, 1, yes / false, 0, no (any case); false for anything else, which *ok says. */
static bool boolean(const char *s, bool *ok)
{
    *ok = true;
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0)
        return true;
    *ok = strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0;
    return false;
}

/* A whole number in [0, max]: digits (strtol alone would also take " 5" and "+5"), then the
 * optional suffix (NULL: none), such as the "s" of "5s". */
static bool parse_number(const char *s, long max, const char *suffix, int *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || v > max || (*end && (!suffix || strcmp(end, suffix) != 0)))
        return false;
    *out = (int)v;
    return true;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Returns 0 to go on, or the exit status. Errors name where the value came from: the flag,
 * or its environment variable. */
static int parse_config(int argc, char **argv, config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 9443;
    const char *port = env("FLINKOP_PORT");
    c->tls_cert = env("FLINKOP_TLS_CERT");
    c->tls_key = env("FLINKOP_TLS_KEY");
    c->defaults = env("FLINKOP_DEFAULTS");
    c->kubeconfig = env("FLINKOP_KUBECONFIG");
    c->log_level = env("FLINKOP_LOG_LEVEL");
    c->bind_address = env("FLINKOP_BIND_ADDRESS");
    const char *plain = env("FLINKOP_PLAIN_HTTP");
    if (plain) {
        bool ok;
        c->plain_http = boolean(plain, &ok);
        if (!ok) {
            fprintf(stderr, "flinkop-webhook: FLINKOP_PLAIN_HTTP: %s is not true or false\n",
                    plain);
            return 2;
        }
    }
    const char *delay = env("FLINKOP_SHUTDOWN_DELAY");
    const char *port_from = "FLINKOP_PORT", *delay_from = "FLINKOP_SHUTDOWN_DELAY";
    const char *level_from = "FLINKOP_LOG_LEVEL", *bind_from = "FLINKOP_BIND_ADDRESS";
    const char *kubeconfig_from = "FLINKOP_KUBECONFIG";
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"defaults", required_argument, NULL, 'd'},
        {"kubeconfig", required_argument, NULL, 'K'},
        {"log-level", required_argument, NULL, 'l'},
        {"bind-address", required_argument, NULL, 'b'},
        {"plain-http", no_argument, NULL, 'P'},
        {"shutdown-delay", required_argument, NULL, 'D'},
        {"check-defaults", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'p': port = optarg; port_from = "--port"; break;
        case 'c': c->tls_cert = optarg; break;
        case 'k': c->tls_key = optarg; break;
        case 'd': c->defaults = optarg; break;
        case 'K': c->kubeconfig = optarg; kubeconfig_from = "--kubeconfig"; break;
        case 'l': c->log_level = optarg; level_from = "--log-level"; break;
        case 'b': c->bind_address = optarg; bind_from = "--bind-address"; break;
        case 'P': c->plain_http = true; break;
        case 'D': delay = optarg; delay_from = "--shutdown-delay"; break;
        case 'C': c->check_defaults = optarg; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "flinkop-webhook: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    if (port && !parse_number(port, 65535, NULL, &c->port)) {
        fprintf(stderr, "flinkop-webhook: %s: %s is not a port number (0-65535)\n", port_from,
                port);
        return 2;
    }
    if (delay && !parse_number(delay, MAX_SHUTDOWN_DELAY_S, "s", &c->shutdown_delay_s)) {
        fprintf(stderr, "flinkop-webhook: %s: %s is not a number of seconds (0-%d)\n",
                delay_from, delay, MAX_SHUTDOWN_DELAY_S);
        return 2;
    }
    fo_log_level level = FO_LOG_INFO;
    if (c->log_level && !fo_log_parse_level(c->log_level, &level)) {
        fprintf(stderr, "flinkop-webhook: %s: %s is not debug, info, warn or error\n",
                level_from, c->log_level);
        return 2;
    }
    unsigned char addr[sizeof(struct in6_addr)];
    if (c->bind_address && inet_pton(AF_INET, c->bind_address, addr) != 1 &&
        inet_pton(AF_INET6, c->bind_address, addr) != 1) {
        fprintf(stderr, "flinkop-webhook: %s: %s is not an IPv4 or IPv6 address\n", bind_from,
                c->bind_address);
        return 2;
    }
    /* a file named by hand that cannot be read is a mistake, not "no API access" */
    if (c->kubeconfig && access(c->kubeconfig, R_OK) != 0) {
        fprintf(stderr, "flinkop-webhook: %s: %s: %s\n", kubeconfig_from, c->kubeconfig,
                strerror(errno));
        return 2;
    }
    fo_log_set_level(level);
    if (c->check_defaults)
        return 0; /* nothing else is needed */
    if (!c->plain_http && (!c->tls_cert || !c->tls_key)) {
        fprintf(stderr, "flinkop-webhook: --tls-cert and --tls-key are required (the API server "
                        "calls webhooks over HTTPS only); --plain-http is for local tests\n");
        return 2;
    }
    if (!c->bind_address)
        c->bind_address = "0.0.0.0";
    return 0;
}

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
    config c;
    int st = parse_config(argc, argv, &c);
    if (st)
        return st < 0 ? 0 : st;
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

    lookup = fo_wh_cluster_lookup_start(c.kubeconfig, &err);
    if (!lookup)
        fo_log_warn("no API access (%s): session-job checks that need the target cluster are "
                    "skipped",
                    err.message);

    fo_webhook_opts wo = {
        .defaults_path = c.defaults,
        .lookup_deployment = lookup ? fo_wh_cluster_lookup_get : NULL,
        .resolve_host = fo_wh_resolve_host,
        .cached_deployments = lookup ? fo_wh_cluster_lookup_cached : NULL,
        .lookup_ctx = lookup,
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
