#ifndef FO_TEST_WEBHOOKPROC_H
#define FO_TEST_WEBHOOKPROC_H

/* flinkop-webhook as a real process for the integration suites: started behind HTTPS with a
 * test CA, its certificate and cluster defaults published as the kubelet publishes a mounted
 * Secret or ConfigMap (a ..data symlink swapped to a new directory), and a libcurl client
 * that trusts the CA. Failures abort the running Check test. */

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/strbuf.h"
#include "tests/support/testcerts.h"

typedef struct fo_test_webhook {
    char *dir;
    fo_testcerts *ca;
    char tls_dir[512], crt[512], key[512];
    char cfg_dir[512], defaults[512];
    char log[512];
    int port;
    pid_t pid;
    int versions; /* ..data generations made so far */
} fo_test_webhook;

/* Start it (debug logging, the cluster defaults of admission-cluster-defaults.yaml) and wait
 * until /readyz answers 200. */
void fo_test_webhook_start(fo_test_webhook *w);
/* SIGTERM; checks that it exits 0; removes its files. */
void fo_test_webhook_stop(fo_test_webhook *w);

/* Publish files in dir the way the kubelet does: a new ..<version> directory, then ..data
 * swapped to it atomically. names and sources pair up, n of them. */
void fo_test_webhook_publish(fo_test_webhook *w, const char *dir, const char *const *names,
                             const char *const *sources, int n);
void fo_test_webhook_publish_tls(fo_test_webhook *w, const char *crt, const char *key);
/* tests/data/<fixture> as the defaults file. */
void fo_test_webhook_publish_defaults(fo_test_webhook *w, const char *fixture);

/* The whole file, or "" when it cannot be read. Free it. */
char *fo_test_read_text(const char *path);
/* A line of the webhook's log holding a (and b, unless NULL). */
bool fo_test_webhook_log_has(const fo_test_webhook *w, const char *a, const char *b);

typedef struct fo_test_webhook_reply {
    long status;
    CURLcode cc;
    fo_strbuf body;
    fo_strbuf headers; /* the response's header lines */
    json_t *json;      /* parsed body, or NULL */
} fo_test_webhook_reply;

/* GET path trusting ca; the status (0 when no answer came) and the body into body (or
 * dropped when NULL). */
long fo_test_webhook_get(fo_test_webhook *w, const char *path, const char *ca, fo_strbuf *body);
/* Any request: content_type NULL sends none ("<type>\n<header line>" sends one more header);
 * r->json is the body parsed, or NULL. */
void fo_test_webhook_send(fo_test_webhook *w, const char *method, const char *path,
                          const char *body, size_t len, const char *content_type,
                          fo_test_webhook_reply *r);
void fo_test_webhook_reply_release(fo_test_webhook_reply *r);
/* The request as fo_test_webhook_send makes it, checked: a Status answer of code whose message
 * holds want. */
void fo_test_webhook_expect_error(fo_test_webhook *w, const char *method, const char *path,
                                  const char *body, size_t len, const char *ct, long code,
                                  const char *want);
/* A curl handle for https://localhost:<port><path> trusting ca, the body collected into body
 * (for requests the helpers above do not make). */
CURL *fo_test_webhook_client(const fo_test_webhook *w, const char *path, const char *ca,
                             fo_strbuf *body);

/* An AdmissionReview of obj (borrowed) as the API server sends it, for flink-jobs. */
json_t *fo_test_review(const char *uid, const char *op, const json_t *obj, bool dry_run);
/* tests/data/admission-review-create-flinkdeployment.json, changed by edit (unless NULL), as
 * compact JSON. Free it. */
char *fo_test_review_text(void (*edit)(json_t *));
/* POST a review to path (with the query string the API server adds), check the envelope
 * (200, apiVersion, kind, the uid echoed) and return its response (borrowed from r). */
json_t *fo_test_admit(fo_test_webhook *w, const char *path, const json_t *doc,
                      fo_test_webhook_reply *r);
/* response.patch (base64 JSON Patch, decoded here independently of the code under test)
 * applied to obj. New reference. */
json_t *fo_test_apply_patch(const json_t *resp, const json_t *obj);

#endif
