/* fake-apiserver: the fake Kubernetes API server as a program (see fake_apiserver.h).
 *
 *   fake-apiserver --port P [--bind ADDR] [--tls-cert F --tls-key F] [--token T]
 *                  [--webhook-service-map name.namespace=127.0.0.1:PORT]...
 *                  [--openapi-dir DIR] [--history-size N] [--bookmark-interval-ms MS]
 *                  [--max-watch-seconds S] [--no-gc] [--port-file F] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tests/fakes/apiserver/fake_apiserver.h"

#define MAX_MAPS 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: fake-apiserver --port P [--bind ADDR] [--tls-cert F --tls-key F] "
                    "[--token T] [--webhook-service-map name.namespace=HOST:PORT]... "
                    "[--openapi-dir DIR] [--history-size N] [--bookmark-interval-ms MS] "
                    "[--max-watch-seconds S] [--no-gc] [--port-file F]\n");
    return 2;
}

int main(int argc, char **argv)
{
    fo_fake_apiserver_opts o = {0};
    const char *maps[MAX_MAPS + 1] = {0};
    size_t nmaps = 0;
    const char *port_file = NULL;
    fo_log_set_component("fake-apiserver");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-gc") == 0) {
            o.no_gc = true;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--port") == 0)
            o.port = atoi(v);
        else if (strcmp(a, "--bind") == 0)
            o.bind_addr = v;
        else if (strcmp(a, "--tls-cert") == 0)
            o.tls_cert_file = v;
        else if (strcmp(a, "--tls-key") == 0)
            o.tls_key_file = v;
        else if (strcmp(a, "--token") == 0)
            o.token = v;
        else if (strcmp(a, "--openapi-dir") == 0)
            o.openapi_dir = v;
        else if (strcmp(a, "--history-size") == 0)
            o.history_size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--bookmark-interval-ms") == 0)
            o.bookmark_interval_ms = atoi(v);
        else if (strcmp(a, "--max-watch-seconds") == 0)
            o.max_watch_s = atoi(v);
        else if (strcmp(a, "--port-file") == 0)
            port_file = v;
        else if (strcmp(a, "--webhook-service-map") == 0 && nmaps < MAX_MAPS)
            maps[nmaps++] = v;
        else
            return usage();
    }
    if ((o.tls_cert_file == NULL) != (o.tls_key_file == NULL)) {
        fprintf(stderr, "fake-apiserver: --tls-cert and --tls-key go together\n");
        return 2;
    }
    o.webhook_service_map = maps;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fo_err err = {0};
    fo_fake_apiserver *fa = fo_fake_apiserver_start(&o, &err);
    if (!fa) {
        fprintf(stderr, "fake-apiserver: %s\n", err.message);
        return 1;
    }
    int port = fo_fake_apiserver_port(fa);
    fo_log_info("serving %s on %s:%d", o.tls_cert_file ? "https" : "http",
                o.bind_addr ? o.bind_addr : "127.0.0.1", port);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%d\n", port);
            fclose(f);
        }
    }
    while (!stop)
        pause();
    fo_log_info("stopping");
    fo_fake_apiserver_stop(fa);
    return 0;
}
