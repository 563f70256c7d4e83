/* Request routing and the admission flow: HTTP checks -> decode -> validate or mutate ->
 * encode, with one log line and the metrics of each request. */
#include "webhook/webhook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/httpd.h"
#include "common/json_arena.h"
#include "common/log.h"
#include "webhook/admission.h"
#include "webhook/admit_mutate.h"
#include "webhook/admit_validate.h"
#include "webhook/webhook_internal.h"

typedef enum route { R_VALIDATE, R_MUTATE, R_HEALTHZ, R_READYZ, R_METRICS, R_OTHER } route;

/* Metric label values; unknown paths share one label so clients cannot grow the series. */
static const char *const ROUTE_NAMES[] = {"/validate", "/mutate", "/healthz",
                                          "/readyz",   "/metrics", "other"};

static route match(const char *path)
{
    for (int r = R_VALIDATE; r < R_OTHER; r++)
        if (strcmp(path, ROUTE_NAMES[r]) == 0)
            return (route)r;
    return R_OTHER;
}

/* Printable excerpt of a client-supplied string for messages (no quotes or control bytes). */
static void excerpt(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; in && *in && o + 1 < cap; in++)
        out[o++] = (*in >= 0x20 && *in < 0x7f && *in != '"' && *in != '\\') ? *in : '?';
    out[o] = '\0';
}

/* The debug line of a request that is no decoded admission (those are logged with their
 * object: log_admission): every request has one line at debug. method NULL: not known (the
 * server answered before the handler). */
static void log_plain(const char *method, const char *path, int status, const char *verdict,
                      int64_t latency_ns)
{
    if (!fo_log_enabled(FO_LOG_DEBUG))
        return;
    char shown_path[128], shown_method[16];
    excerpt(path, shown_path, sizeof shown_path);
    excerpt(method, shown_method, sizeof shown_method);
    json_t *f = json_pack("{s:s, s:i, s:s, s:I}", "path", shown_path, "status", status,
                          "verdict", verdict, "latency_us", (json_int_t)(latency_ns / 1000));
    if (f && method)
        json_object_set_new(f, "method", json_string(shown_method));
    fo_log_fields(FO_LOG_DEBUG, f, "request %s%s%s: %d %s", method ? shown_method : "",
                  method ? " " : "to ", shown_path, status, verdict);
    json_decref(f);
}

void fo_webhook_refused(void *ctx, const char *path, int status)
{
    fo_webhook *wh = ctx;
    /* 413 and 429 for the body's size, 400 and 501 for its framing, 431 for its headers
     * (common/httpd.h) */
    const char *verdict = status == 429   ? "busy"
                          : status == 413 ? "too_large"
                                          : "bad_request";
    fo_counter_add(wh->requests, 1, (const char *[]){ROUTE_NAMES[match(path)], verdict});
    log_plain(NULL, path, status, verdict, 0); /* answered by the server before the body */
}

void fo_webhook_status(fo_http_response *resp, int code, const char *reason, const char *fmt, ...)
{
    char msg[FO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *body = fo_admission_status_body(code, reason, msg);
    if (body)
        fo_http_response_take_body(resp, code, "application/json", body, strlen(body));
    else
        fo_http_response_text(resp, code, "text/plain", msg);
}

/* The media type is application/json; parameters (charset) are fine. */
static bool is_json(const char *content_type)
{
    if (!content_type)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t n = strcspn(content_type, "; \t");
    return n == strlen("application/json") &&
           strncasecmp(content_type, "application/json", n) == 0;
}

static void log_admission(fo_log_level level, const fo_admission_request *ar,
                          const char *route_name, const char *verdict, int64_t latency_ns,
                          const fo_admission_response *resp)
{
    if (!fo_log_enabled(level))
        return;
    json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I}", "route", route_name,
                          "uid", ar->uid, "kind", ar->kind, "namespace", ar->namespace_, "name",
                          ar->name, "operation", ar->operation, "verdict", verdict, "dryRun",
                          ar->dry_run, "latency_us", (json_int_t)(latency_ns / 1000));
    if (f && resp && !resp->allowed && resp->message)
        json_object_set_new(f, "reason", json_string(resp->message));
    fo_log_fields(level, f, "admission %s %s/%s: %s", ar->kind,
                  ar->namespace_[0] ? ar->namespace_ : "-", ar->name[0] ? ar->name : "-",
                  verdict);
    json_decref(f);
}

/* /validate and /mutate. Returns the verdict label. */
static const char *admission(fo_webhook *wh, route r, const fo_http_request *req,
                             fo_http_response *resp, int64_t t0_ns, bool *logged)
{
    /* 400 (issue 3's contract for a wrong method, which clients of the webhook test for),
     * with the Allow header the shared check sets; the body is the webhook's Status. */
    if (!fo_http_method_allowed(req, resp, "POST")) {
        fo_webhook_status(resp, 400, "BadRequest", "method %s is not allowed on %s: use POST",
                          req->method, ROUTE_NAMES[r]);
        return "bad_request";
    }
    const char *ct = fo_http_request_header(req, "Content-Type");
    if (!is_json(ct)) {
        char shown[96];
        excerpt(ct, shown, sizeof shown);
        if (ct)
            fo_webhook_status(resp, 400, "BadRequest",
                              "Content-Type must be application/json, got \"%s\"", shown);
        else
            fo_webhook_status(resp, 400, "BadRequest",
                              "Content-Type must be application/json, and it is missing");
        return "bad_request";
    }
    /* The API server sends plain JSON; a compressed body would only read as malformed. */
    const char *ce = fo_http_request_header(req, "Content-Encoding");
    if (ce && strcasecmp(ce, "identity") != 0) {
        char shown[96];
        excerpt(ce, shown, sizeof shown);
        fo_webhook_status(resp, 415, "UnsupportedMediaType",
                          "Content-Encoding \"%s\" is not supported: send the AdmissionReview "
                          "as plain JSON",
                          shown);
        return "bad_request";
    }
    fo_admission_request ar;
    fo_err err;
    fo_err_clear(&err);
    /* /mutate never reads the status: it is checked as JSON but not built */
    fo_rc rc = r == R_MUTATE
                   ? fo_admission_decode_without_status(req->body, req->body_len, &ar, &err)
                   : fo_admission_decode(req->body, req->body_len, &ar, &err);
    if (rc != FO_OK) {
        if (rc == FO_ELIMIT)
            fo_webhook_status(resp, 413, "RequestEntityTooLarge", "%s", err.message);
        else
            fo_webhook_status(resp, 400, "BadRequest", "invalid AdmissionReview: %s", err.message);
        fo_log_info("admission request refused on %s: %s", ROUTE_NAMES[r], err.message);
        *logged = true;
        return rc == FO_ELIMIT ? "too_large" : "bad_request";
    }

    fo_admission_response ans;
    fo_admission_response_init(&ans);
    fo_cluster_defaults *cd = fo_webhook_defaults_ref(wh);
    if (r == R_VALIDATE) {
        fo_validate_env env = {
            .default_flink_config = fo_cluster_defaults_flink_config(cd),
            .lookup_deployment = wh->opts.lookup_deployment,
            .resolve_host = wh->opts.resolve_host,
            .ctx = wh->opts.lookup_ctx,
            .reconcile_interval_ms = wh->opts.reconcile_interval_ms,
        };
        fo_admit_validate(&ar, &env, &ans);
    } else {
        fo_admit_mutate(&ar, cd, &ans);
    }
    fo_cluster_defaults_unref(cd);

    size_t len = 0, patch_bytes = 0;
    char *body = fo_admission_encode(ar.uid, &ans, &len, &patch_bytes);
    const char *verdict = !ans.allowed ? "denied" : patch_bytes ? "patched" : "allowed";
    if (!body) {
        fo_webhook_status(resp, 500, "InternalError", "out of memory encoding the answer");
        verdict = "error";
    } else {
        fo_http_response_take_body(resp, 200, "application/json", body, len);
    }
    if (patch_bytes)
        fo_histogram_observe(wh->patch_bytes, (double)patch_bytes, NULL);
    *logged = true;
    log_admission(ans.allowed ? FO_LOG_DEBUG : FO_LOG_INFO, &ar, ROUTE_NAMES[r], verdict,
                  fo_clock_real_mono_ns() - t0_ns, &ans);
    fo_admission_response_release(&ans);
    fo_admission_request_release(&ar);
    return verdict;
}

static bool is_get(const fo_http_request *req, fo_http_response *resp, route r)
{
    if (fo_http_method_allowed(req, resp, "GET, HEAD"))
        return true;
    fo_webhook_status(resp, 400, "BadRequest", "method %s is not allowed on %s: use GET",
                      req->method, ROUTE_NAMES[r]);
    return false;
}

void fo_webhook_handle(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    fo_webhook *wh = ctx;
    int64_t t0 = fo_clock_real_mono_ns();
    route r = match(req->path);
    const char *verdict = "ok";
    bool logged = false; /* by admission(), with the object */
    switch (r) {
    case R_VALIDATE:
    case R_MUTATE:
    {
        bool heavy = req->body_len > FO_WEBHOOK_HEAVY_BODY_BYTES;
        if (heavy && pthread_mutex_trylock(&wh->heavy) != 0) {
            fo_webhook_status(resp, 429, "TooManyRequests",
                              "another review of more than %u bytes is being handled; try "
                              "again in a second",
                              FO_WEBHOOK_HEAVY_BODY_BYTES);
            fo_http_response_header(resp, "Retry-After", "1");
            verdict = "busy";
            break;
        }
        /* Every jansson value of the request lives and dies in this window. */
        fo_json_arena_begin();
        verdict = admission(wh, r, req, resp, t0, &logged);
        fo_json_arena_end();
        if (heavy)
            pthread_mutex_unlock(&wh->heavy);
        break;
    }
    case R_HEALTHZ:
    case R_READYZ:
    case R_METRICS:
        if (!is_get(req, resp, r)) {
            verdict = "bad_request";
            break;
        }
        if (r == R_HEALTHZ)
            fo_webhook_healthz(wh, resp);
        else if (r == R_READYZ)
            fo_webhook_readyz(wh, resp);
        else
            fo_webhook_render_metrics(wh, resp);
        break;
    case R_OTHER: {
        char shown[128];
        excerpt(req->path, shown, sizeof shown);
        fo_webhook_status(resp, 404, "NotFound",
                          "no route for %s: the webhook serves POST /validate, POST /mutate, "
                          "GET /healthz, /readyz and /metrics",
                          shown);
        verdict = "not_found";
        break;
    }
    }
    const char *route_name = ROUTE_NAMES[r];
    atomic_fetch_add_explicit(&wh->handled, 1, memory_order_relaxed);
    fo_counter_add(wh->requests, 1, (const char *[]){route_name, verdict});
    int64_t took = fo_clock_real_mono_ns() - t0;
    fo_histogram_observe(wh->latency, (double)took / 1e9, (const char *[]){route_name});
    if (!logged)
        log_plain(req->method, req->path, resp->status, verdict, took);
}
