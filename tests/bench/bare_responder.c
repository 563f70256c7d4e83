/* The webhook benchmark's baseline: the same common/httpd server (pool mode, TLS through
 * certwatch, the webhook's serving options: fo_webhook_serving_opts) answering every request
 * with one canned AdmissionReview, so the benchmark can tell the cost of the webhook's own work
 * from the cost of HTTP and TLS.
 *
 *   bare_responder --port N --tls-cert FILE --tls-key FILE [--threads N] [--check-json]
 *
 * --check-json: first check that the body is one JSON object, as the library checks what it
 * does not build (common/json_skim; common/json_read where the skim cannot vouch), and answer
 * 400 when it is not. The least any webhook must do with a review (a malformed body gets a
 * 400), so the benchmark can show how much of the 0.8 budget that alone takes.
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
#include "common/json_read.h"
#include "common/json_skim.h"
#include "common/log.h"
#include "webhook/admission.h"
#include "webhook/webhook.h"

static const char CANNED[] =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":"
    "\"7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b\",\"allowed\":true}}";

static const char NOT_JSON[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                               "\"message\":\"the body is not a JSON object\",\"code\":400}";

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool only_space(const unsigned char *p, const unsigned char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p == end;
}

/* One JSON object, checked the cheapest way the library has. */
static bool is_json_object(const char *body, size_t len)
{
    const unsigned char *p = (const unsigned char *)body, *end = p + len;
    while (p < end && is_space(*p))
        p++;
    if (p == end || *p != '{')
        return false;
    const unsigned char *after = fo_json_skim_container(p, end, FO_JSON_READ_MAX_DEPTH);
    if (after)
        return only_space(after, end);
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_json_read(body, len, NULL, &err);
    bool ok = v && json_is_object(v);
    json_decref(v);
    return ok;
}

static void respond(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    const bool *check_json = ctx;
    if (*check_json && !is_json_object(req->body, req->body_len)) {
        fo_http_response_text(resp, 400, "application/json", NOT_JSON);
        return;
    }
    fo_http_response_text(resp, 200, "application/json", CANNED);
}

int main(int argc, char **argv)
{
    fo_webhook_tune_malloc(); /* as the webhook: the same cost for the same buffers */
    int port = 0;
    static bool check_json = false;
    unsigned threads = fo_webhook_pool_threads();
    const char *crt = NULL, *key = NULL;
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},    {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'}, {"threads", required_argument, NULL, 't'},
        {"check-json", no_argument, NULL, 'j'},    {NULL, 0, NULL, 0}};
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
        case 'j':
            check_json = true;
            break;
        default:
            fprintf(stderr, "usage: bare_responder --port N --tls-cert F --tls-key F [--threads N] "
                            "[--check-json]\n");
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
                       .tls = cw,
                       .handler = respond,
                       .handler_ctx = &check_json};
    fo_webhook_serving_opts(&o);
    o.threads = threads;
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
