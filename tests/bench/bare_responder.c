/* The webhook benchmark's baseline: the same common/httpd server (pool mode, TLS through
 * certwatch, the webhook's body limit, pool size, idle timeout and threads) answering every request
 * with one canned AdmissionReview, so the benchmark can tell the cost of the webhook's own work
 * from the cost of HTTP and TLS.
 *
 *   bare_responder --port N --tls-cert FILE --tls-key FILE [--threads N]
 *
 * Runs until SIGTERM or SIGINT. Not part of the product. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/httpd.h"
#include "common/log.h"
#include "webhook/admission.h"
#include "webhook/webhook.h"

static const char CANNED[] =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":"
    "\"7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b\",\"allowed\":true}}";

static void respond(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    (void)req;
    fo_http_response_text(resp, 200, "application/json", CANNED);
}

int main(int argc, char **argv)
{
    int port = 0;
    unsigned threads = fo_webhook_pool_threads();
    const char *crt = NULL, *key = NULL;
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"tls-cert", required_argument, NULL, 'c'},
                                         {"tls-key", required_argument, NULL, 'k'},
                                         {"threads", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'c':
            crt = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 't':
            threads = (unsigned)atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: bare_responder --port N --tls-cert F --tls-key F\n");
            return 2;
        }
    }
    fo_log_set_component("bare-responder");
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = NULL;
    if (crt && key && !(cw = fo_certwatch_new(crt, key, &err))) {
        fo_log_error("%s", err.message);
        return 1;
    }
    fo_httpd_opts o = {.bind_addr = "127.0.0.1",
                       .port = port,
                       .max_body_bytes = FO_ADMISSION_MAX_BODY,
                       .connection_timeout_s = FO_WEBHOOK_IDLE_TIMEOUT_S,
                       .connection_memory_bytes = FO_WEBHOOK_CONN_MEMORY_BYTES,
                       .threads = threads,
                       .tls = cw,
                       .handler = respond};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    if (!srv) {
        fo_log_error("%s", err.message);
        fo_certwatch_free(cw);
        return 1;
    }
    int sig = 0;
    sigwait(&sigs, &sig);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    return 0;
}
