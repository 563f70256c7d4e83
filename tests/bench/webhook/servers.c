/* The servers the webhook benchmark compares, started as processes with one test CA's
 * certificate, and the requests they are sent. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/bench/webhook/bench.h"
#include "tests/support/testutil.h"

const char *const WB_BODY_FILES[WB_NBODIES] = {"create-basic.json", "update-pod-templates.json"};
const char *const WB_ROUTES[2] = {"/validate", "/mutate"};

char *wb_make_request(const char *route, const char *body)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb,
                     "POST %s?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nAccept: application/json, */*\r\nUser-Agent: "
                     "kube-apiserver-admission\r\nContent-Length: %zu\r\n\r\n%s",
                     route, strlen(body), body);
    return fo_strbuf_take(&sb);
}

static char *read_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_err err;
    if (fo_strbuf_read_file(&sb, path, &err) != FO_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(1);
    }
    return fo_strbuf_take(&sb);
}

void wb_setup_init(wb_setup *s, const char *review_dir)
{
    memset(s, 0, sizeof *s);
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    signal(SIGPIPE, SIG_IGN);
    s->ca = fo_testcerts_new();
    fo_testcerts_issue(s->ca, "bench", NULL, &s->crt, &s->key);
    wb_client_trust(s->ca->ca_cert);
    s->defaults = fo_test_data_path("admission-cluster-defaults.yaml");
    s->log = malloc(strlen(s->ca->dir) + 16);
    sprintf(s->log, "%s/bench.log", s->ca->dir);
    for (int b = 0; b < WB_NBODIES; b++) {
        s->bodies[b] = read_file(review_dir, WB_BODY_FILES[b]);
        for (int r = 0; r < 2; r++) {
            s->reqs[b][r] = wb_make_request(WB_ROUTES[r], s->bodies[b]);
            s->lens[b][r] = strlen(s->reqs[b][r]);
        }
    }
}

void wb_setup_release(wb_setup *s)
{
    for (int b = 0; b < WB_NBODIES; b++) {
        free(s->bodies[b]);
        for (int r = 0; r < 2; r++)
            free(s->reqs[b][r]);
    }
    wb_client_trust(NULL);
    free(s->defaults);
    free(s->crt);
    free(s->key);
    free(s->log);
    fo_testcerts_free(s->ca);
}

pid_t wb_start_server(const wb_setup *s, const char *bin, wb_server_kind kind, char *const *wrapper,
                      int *port, int wait_ms)
{
    static char ports[16];
    *port = fo_test_free_port();
    snprintf(ports, sizeof ports, "%d", *port);
    char *argv[32];
    int k = 0;
    for (; wrapper && wrapper[k]; k++)
        argv[k] = wrapper[k];
    argv[k++] = (char *)bin;
    argv[k++] = "--port";
    argv[k++] = ports;
    argv[k++] = "--tls-cert";
    argv[k++] = s->crt;
    argv[k++] = "--tls-key";
    argv[k++] = s->key;
    if (kind == WB_JSON_CHECK)
        argv[k++] = "--check-json";
    if (kind == WB_WEBHOOK) {
        char *more[] = {"--bind-address", "127.0.0.1",   "--defaults",
                        s->defaults,      "--log-level", "warn"};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            argv[k++] = more[i];
    }
    argv[k] = NULL;
    pid_t pid = fo_test_spawn(argv, s->log);
    if (!fo_test_wait_port(*port, wait_ms)) {
        fprintf(stderr, "bench: %s did not start, see %s\n", bin, s->log);
        exit(1);
    }
    return pid;
}
