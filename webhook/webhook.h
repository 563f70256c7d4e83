#ifndef FO_WEBHOOK_H
#define FO_WEBHOOK_H

/* The webhook service behind the HTTPS server: routes, the cluster defaults it serves (with
 * reload), readiness, metrics. main.c wires it to common/httpd; tests can call the handler
 * without a socket.
 *
 * Routes (exact paths; a query string is ignored, the API server adds `?timeout=10s`):
 *   POST /validate, POST /mutate  AdmissionReview v1 in and out (webhook/admission.h)
 *   GET  /healthz                  200 "ok" while the process serves
 *   GET  /readyz                   200 when ready (JSON; says "degraded" when the defaults file
 *                                  is broken and the last good defaults are still served),
 *                                  503 before fo_webhook_set_ready(true) and after quiesce
 *   GET  /metrics                  Prometheus text
 * HTTP-level problems answer with a Kubernetes Status JSON naming the problem: wrong method,
 * wrong Content-Type, malformed or incomplete AdmissionReview -> 400; unknown path -> 404.
 *
 * Cluster defaults: read from opts.defaults_path at start (a file that cannot be loaded then
 * is an error: the process should not start with silently different defaults), then re-read by
 * fo_webhook_reload_defaults when the file changes (common/defaults_file.h). A broken new
 * version keeps the last good defaults in service, is logged at error once per reason, and
 * shows in /readyz and the flinkop_webhook_defaults_degraded gauge until a good version is
 * read. The handler is
 * thread-safe; reloads may run concurrently with requests. */

#include <stdbool.h>
#include <stdint.h>

#include "common/metrics.h"
#include "common/rc.h"
#include "common/validate.h"
#include "webhook/cluster_lookup.h"

/* How main.c serves the webhook (common/httpd options); the benchmark's bare responder serves
 * with the same ones, so that its figures are the server loop's cost and nothing more. */
/* Idle keep-alive connections close after this. Longer than the API server's client idle
 * timeout (90 s), so the client closes first and never sends into a connection we close. */
#define FO_WEBHOOK_IDLE_TIMEOUT_S 120
/* Per-connection buffer pool: API server requests carry a few hundred bytes of headers and the
 * body is copied out as it arrives, so a quarter of MHD's default 32 KiB is plenty. Measured
 * against 16 KiB (make bench-webhook, -cpu): 0.6 MiB less peak RSS with 64 connections and
 * 12,000 fewer instructions per request (a smaller pool to set up). 4 KiB saved another 6,000
 * on a create and a few hundred KiB at 64 connections, but leaves about 2 KiB for the request
 * headers: an API server configured to authenticate to its webhooks sends a bearer token,
 * and an OIDC one alone can take that. */
#define FO_WEBHOOK_CONN_MEMORY_BYTES (8u * 1024)

/* Request bodies held at once over all connections (common/httpd max_bodies_bytes): past it a
 * request gets 429 with Retry-After. Two of the largest reviews (FO_ADMISSION_MAX_BODY) and
 * hundreds of ordinary ones fit; with the pool threads' handlers (each bounded by the review
 * reader's weight) and the connections' buffers, it bounds the process's memory: the
 * arithmetic is in docs/install.md. */
#define FO_WEBHOOK_MAX_BODIES_BYTES (16u * 1024 * 1024)
/* Reviews larger than this are handled one at a time: while one is handled, another gets 429
 * with Retry-After (waiting for it would stall every connection of the waiting pool thread).
 * Handling costs up to seven times the body for /mutate (the parsed object, the patch that
 * layers templates into both roles, its base64), so two of the largest at once would double
 * the process's peak. API servers send a few KB as a rule. */
#define FO_WEBHOOK_HEAVY_BODY_BYTES (1024u * 1024)
/* From a request's first line until its answer is sent: the connection's idle timeout, and
 * the time its body has to arrive (common/httpd request_timeout_s). The API server sends at
 * once, reads at once and gives up after its webhook timeout (5 s in our manifests, 30 s at
 * most); a client that stalls or trickles its body holds its part of the bound this long at
 * most, one that stops reading its answer this long after its last read. */
#define FO_WEBHOOK_REQUEST_TIMEOUT_S 10
/* Connections at once. The API server opens one per admission call in flight (HTTP/1.1) and
 * keeps a few idle; each costs ~15 KiB idle, ~32 KiB while a request is read. */
#define FO_WEBHOOK_MAX_CONNECTIONS 256

/* Pool threads: one per CPU the process may use (its container's CPU limit counts:
 * common/cpu_limit.h), at least 2, at most 8. Each thread handling a large review holds up to
 * ~15 MiB while it does (docs/performance.md), so threads past the CPUs only add memory. */
unsigned fo_webhook_pool_threads(void);

/* Allocations from this size up get pages of their own, given back when freed. glibc's
 * default threshold climbs to the largest block freed so far (up to 32 MiB): after one large
 * review, the next one's megabyte buffers came from a thread's heap and stayed there, and
 * each pool thread kept its own (two large /mutate reviews one after the other on two
 * threads: 94 MB peak, with this 57-63). Ordinary reviews (tens of KB, the json arena's kept
 * chunk) stay below it. */
#define FO_WEBHOOK_MMAP_THRESHOLD_BYTES (256 * 1024)

/* Set the process's malloc as the webhook serves with it (the threshold above; a fixed one
 * also keeps glibc from raising its trim threshold). Once, at start, before threads; the
 * benchmark's bare responder does the same, so that both pay the same for their buffers. */
void fo_webhook_tune_malloc(void);

struct fo_httpd_opts;
/* Set the serving options above in o (body limit, bound on bodies, connections, idle
 * timeout, connection pools, threads); the caller sets address, TLS and handler. The bare
 * responder of the benchmark serves with the same. */
void fo_webhook_serving_opts(struct fo_httpd_opts *o);

typedef struct fo_webhook fo_webhook;
struct fo_httpd;
struct fo_http_request;
struct fo_http_response;

typedef struct fo_webhook_opts {
    const char *defaults_path; /* cluster defaults YAML; NULL = none */
    /* Session-job checks that need the target cluster (NULL = skipped, never failing closed). */
    json_t *(*lookup_deployment)(void *ctx, const char *ns, const char *name);
    /* Restricted-host checks of jar URIs (NULL = skipped). Must be time-bounded. */
    int (*resolve_host)(void *ctx, const char *host, char out[][64], int max);
    /* The lookup's state (fo_wh_cluster_lookup_health), for /readyz and /metrics (NULL = no
     * lookup: nothing reported). */
    void (*lookup_health)(void *ctx, fo_wh_lookup_health *out);
    void *lookup_ctx;
    /* The controller's observe interval (the least autoscaler metrics.window); 0: the rule's
     * own default, Apache's 1 min. */
    int64_t reconcile_interval_ms;
} fo_webhook_opts;

/* Create the service (not ready yet). NULL with err when the defaults file cannot be loaded. */
fo_webhook *fo_webhook_new(const fo_webhook_opts *opts, fo_err *err);
void fo_webhook_free(fo_webhook *wh); /* after the server stopped; NULL ok */

/* The common/httpd handler; ctx is the fo_webhook. */
void fo_webhook_handle(void *ctx, const struct fo_http_request *req,
                       struct fo_http_response *resp);

/* The common/httpd refused callback (fo_httpd_refused_fn; ctx is the fo_webhook): counts a
 * request the server answered itself in flinkop_webhook_requests_total, verdict "too_large"
 * (413) or "busy" (429), so that every request shows in the metrics. */
void fo_webhook_refused(void *ctx, const char *path, int status);

/* Look at the defaults file; when it changed, load it. Returns FO_OK when unchanged or loaded
 * (*reloaded says which; may be NULL), else the load error (the last good defaults stay; a
 * retry refused for the reason already returned returns FO_OK: each reason counts once). */
fo_rc fo_webhook_reload_defaults(fo_webhook *wh, bool *reloaded, fo_err *err);

/* Make the next fo_webhook_reload_defaults load the file whether it changed or not (SIGHUP). */
void fo_webhook_recheck_defaults(fo_webhook *wh);


/* Readiness as reported by /readyz (false at creation; main sets it once serving, and back to
 * false when stopping). */
void fo_webhook_set_ready(fo_webhook *wh, bool ready);

/* Count a TLS certificate reload attempt in the metrics. */
void fo_webhook_note_tls_reload(fo_webhook *wh, bool ok);

/* The server whose open connections and held bytes /metrics shows (NULL: none; tests call
 * the handler without one). Set once, before serving. */
void fo_webhook_set_server(fo_webhook *wh, const struct fo_httpd *srv);

/* Requests answered so far (any route). Thread-safe. */
uint64_t fo_webhook_requests_handled(const fo_webhook *wh);

/* The registry /metrics renders (borrowed; lives as long as wh). */
fo_metrics *fo_webhook_metrics(fo_webhook *wh);

#endif
