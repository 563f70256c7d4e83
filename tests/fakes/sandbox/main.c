/* flinkop-sandbox: a simulated Kubernetes cluster with Flink for the demo and the end-to-end
 * suites (sandbox.h): the fake API server, the fake Flink and the simulated kubelet.
 *
 *   flinkop-sandbox --api-port A --flink-port F [--bind ADDR] [--ready-delay-ms MS]
 *                   [--webhook-service-map name.namespace=HOST:PORT]...
 *                   [--kubeconfig-out FILE] [--openapi-dir DIR] [--log-level LEVEL]
 *
 * Port 0 picks a free port; the ports are printed as one JSON line on stdout once everything
 * serves ({"apiPort": A, "flinkPort": F}), after the kubeconfig was written. Runs until
 * SIGINT/SIGTERM; exit status 0 then, 1 when it cannot start, 2 for bad usage. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tests/fakes/sandbox/sandbox.h"

#define MAX_MAPS 32
#define DEFAULT_READY_DELAY_MS 1000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "flinkop-sandbox: %s\n", why);
    fprintf(stderr,
            "usage: flinkop-sandbox --api-port A --flink-port F [options]\n"
            "  --api-port N                 fake API server port (0 = any)\n"
            "  --flink-port N               fake Flink port: /{namespace}/{name}/... (0 = any)\n"
            "  --bind ADDR                  listen address (default 127.0.0.1)\n"
            "  --ready-delay-ms MS          pod creation to Ready (default %d)\n"
            "  --webhook-service-map name.namespace=HOST:PORT   where a webhook Service is\n"
            "  --kubeconfig-out FILE        write a kubeconfig for kubectl\n"
            "  --openapi-dir DIR            the fake API server's OpenAPI files\n"
            "  --log-level LEVEL            debug, info, warn, error\n",
            DEFAULT_READY_DELAY_MS);
    return 2;
}

static bool parse_int(const char *s, long lo, long hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

int main(int argc, char **argv)
{
    fo_sandbox_opts o = {
        .api_port = -1, .flink_port = -1, .ready_delay_ms = DEFAULT_READY_DELAY_MS};
    const char *maps[MAX_MAPS + 1] = {0};
    size_t nmaps = 0;
    const char *kubeconfig = NULL;
    fo_log_set_component("sandbox");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return usage(NULL), 0;
        if (!v)
            return usage("every option takes a value");
        i++;
        if (!strcmp(a, "--api-port")) {
            if (!parse_int(v, 0, 65535, &o.api_port))
                return usage("--api-port: want 0..65535");
        } else if (!strcmp(a, "--flink-port")) {
            if (!parse_int(v, 0, 65535, &o.flink_port))
                return usage("--flink-port: want 0..65535");
        } else if (!strcmp(a, "--ready-delay-ms")) {
            if (!parse_int(v, 0, 600000, &o.ready_delay_ms))
                return usage("--ready-delay-ms: want 0..600000");
        } else if (!strcmp(a, "--bind")) {
            o.bind_addr = v;
        } else if (!strcmp(a, "--webhook-service-map")) {
            if (nmaps == MAX_MAPS || !strchr(v, '=') || !strchr(v, ':'))
                return usage("--webhook-service-map: want name.namespace=HOST:PORT (32 at most)");
            maps[nmaps++] = v;
        } else if (!strcmp(a, "--kubeconfig-out")) {
            kubeconfig = v;
        } else if (!strcmp(a, "--openapi-dir")) {
            o.openapi_dir = v;
        } else if (!strcmp(a, "--log-level")) {
            fo_log_level level;
            if (!fo_log_parse_level(v, &level))
                return usage("--log-level: want debug, info, warn or error");
            fo_log_set_level(level);
        } else {
            char why[300];
            snprintf(why, sizeof why, "unknown option %s", a);
            return usage(why);
        }
    }
    if (o.api_port < 0 || o.flink_port < 0)
        return usage("--api-port and --flink-port are required");
    o.webhook_service_map = maps;

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fo_err err = {0};
    fo_sandbox *sb = fo_sandbox_start(&o, &err);
    if (!sb) {
        fprintf(stderr, "flinkop-sandbox: %s\n", err.message);
        return 1;
    }
    if (kubeconfig && fo_sandbox_write_kubeconfig(sb, kubeconfig, &err) != FO_OK) {
        fprintf(stderr, "flinkop-sandbox: %s\n", err.message);
        fo_sandbox_stop(sb);
        return 1;
    }
    fo_log_info("sandbox serving: api server on %d, flink on %d", fo_sandbox_api_port(sb),
                fo_sandbox_flink_port(sb));
    printf("{\"apiPort\": %d, \"flinkPort\": %d}\n", fo_sandbox_api_port(sb),
           fo_sandbox_flink_port(sb));
    fflush(stdout);
    while (!stop)
        pause();
    fo_log_info("sandbox stopping");
    fo_sandbox_stop(sb);
    return 0;
}
