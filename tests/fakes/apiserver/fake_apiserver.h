#ifndef FO_FAKE_APISERVER_H
#define FO_FAKE_APISERVER_H

/* A fake Kubernetes API server that follows ../shared/specs/kube-api-semantics.md and
 * admission-review-v1.md, embeddable in any test or sandbox program.
 *
 *     fo_fake_apiserver_opts o = {.port = 0};
 *     fo_fake_apiserver *fa = fo_fake_apiserver_start(&o, &err);
 *     ... http://127.0.0.1:<fo_fake_apiserver_port(fa)> ... or fo_fake_apiserver_call(...)
 *     fo_fake_apiserver_stop(fa);
 *
 * It serves the built-in kinds the project touches plus every CRD stored through it, with
 * one store, a global resourceVersion, watches with history, finalizers and an asynchronous
 * garbage collector, admission webhooks, discovery and OpenAPI for kubectl.
 *
 * Test hooks live under /fake/ (a path no real API server uses); see control.h for the list:
 * fault injection (fail the next N requests, delays), drop or stall watches, compaction,
 * bookmarks, a synchronous GC pass, and the records of webhook calls and of requests.
 *
 * All functions are thread-safe. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/rc.h"

typedef struct fo_fake_apiserver fo_fake_apiserver;

typedef struct fo_fake_apiserver_opts {
    const char *bind_addr;     /* NULL = "127.0.0.1" */
    int port;                  /* 0 = any free port (see fo_fake_apiserver_port) */
    bool no_http;              /* in-process only: no listening socket */
    const char *tls_cert_file; /* HTTPS when both are set (PEM) */
    const char *tls_key_file;
    const char *token;        /* when set, every request needs "Authorization: Bearer <token>" */
    const char *client_ca_file; /* with TLS: x509 client certificates this CA (PEM) signed
                                   authenticate too (kube-apiserver's --client-ca-file); then a
                                   request with neither gets 401 */
    const char *openapi_dir;  /* directories (':'-separated) of the upstream OpenAPI v3 files;
                                 NULL = tests/data/kubernetes-openapi/v1.35 and
                                 tests/fakes/apiserver/openapi of the source tree ($FO_SRC_DIR,
                                 else found from the program's path, else the cwd) */
    size_t history_size;      /* events kept per collection; 0 = 1000 */
    size_t watch_queue_size;  /* events a slow watcher may have pending; 0 = 10000 */
    int bookmark_interval_ms; /* periodic BOOKMARKs; 0 = 60000 */
    int max_watch_s;          /* watches without timeoutSeconds end after 1x-2x this (random,
                                 as kube-apiserver's --min-request-timeout); 0 = 1800 */
    bool no_gc;               /* no automatic garbage collection (POST /fake/gc still runs it) */
    const char *const *webhook_service_map; /* "name.namespace=host:port" entries, NULL-ended */
    const fo_clock *clock;                  /* timestamps; NULL = the real clock */
} fo_fake_apiserver_opts;

/* Start serving. Creates the namespaces default, kube-system, kube-public and
 * kube-node-lease. Returns NULL with err on failure (port in use, bad TLS material). */
fo_fake_apiserver *fo_fake_apiserver_start(const fo_fake_apiserver_opts *opts, fo_err *err);

/* The port bound (0 with no_http). */
int fo_fake_apiserver_port(const fo_fake_apiserver *fa);

/* Stop serving, end every watch, free everything. NULL is fine. */
void fo_fake_apiserver_stop(fo_fake_apiserver *fa);

/* One request handled exactly as over HTTP (auth excepted). path_query is a URL path with
 * an optional query ("/api/v1/namespaces/default/configmaps?limit=1"); content_type may be
 * NULL (application/json); body may be NULL. *out receives the JSON answer (new reference;
 * NULL for a non-JSON answer) and warnings (if not NULL) a NULL-terminated array of the
 * Warning texts (free with fo_fake_apiserver_free_warnings). Returns the HTTP status; watch
 * requests are refused (use the watch functions). */
int fo_fake_apiserver_call(fo_fake_apiserver *fa, const char *method, const char *path_query,
                           const char *content_type, const json_t *body, json_t **out,
                           char ***warnings);
void fo_fake_apiserver_free_warnings(char **warnings);

/* In-process watch on a collection, e.g. ("apps/v1", "deployments", "ns" or NULL, rv).
 * from_rv 0 starts with ADDED events for what exists. Events carry kind and apiVersion.
 * Returns NULL when the resource is unknown. */
typedef struct fo_fake_apiserver_watch fo_fake_apiserver_watch;
fo_fake_apiserver_watch *fo_fake_apiserver_watch_open(fo_fake_apiserver *fa,
                                                      const char *api_version, const char *resource,
                                                      const char *ns, uint64_t from_rv);

/* Wait up to timeout_ms for the next change. Returns true with *type ("ADDED", "MODIFIED",
 * "DELETED", "ERROR") and *obj (new reference); false on timeout or when the watch ended
 * (then fo_fake_apiserver_watch_ended is true). */
bool fo_fake_apiserver_watch_next(fo_fake_apiserver_watch *w, int timeout_ms, const char **type,
                                  json_t **obj);
bool fo_fake_apiserver_watch_ended(const fo_fake_apiserver_watch *w);
void fo_fake_apiserver_watch_close(fo_fake_apiserver_watch *w);

/* The current global resourceVersion. */
uint64_t fo_fake_apiserver_resource_version(fo_fake_apiserver *fa);

/* Run one garbage-collection pass now (ownerReferences, foreground/orphan finalizers,
 * namespace and CRD cleanup) and return when it is done. */
void fo_fake_apiserver_gc(fo_fake_apiserver *fa);

#endif
