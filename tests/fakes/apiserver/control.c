#include "tests/fakes/apiserver/control.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/gc.h"
#include "tests/fakes/apiserver/status.h"

#define FKA_MAX_RULES 64
#define FKA_MAX_RECORDS 10000
/* Longest delay a rule may ask for. */
#define FKA_MAX_DELAY_MS 60000

typedef struct rule {
    bool delay;
    bool watch_error; /* a watch is accepted (200) and its stream is one ERROR event */
    long count; /* -1 = until cleared */
    int code;
    long delay_ms;
    int retry_after_s;
    char method[16];
    char prefix[256];
    char message[512];
} rule;

struct fka_control {
    pthread_mutex_t mu;
    rule rules[FKA_MAX_RULES];
    size_t nrules;
    json_t *records;
    json_t *requests_seen; /* GET /fake/requests */
    unsigned long requests;
};

fka_control *fka_control_new(void)
{
    fka_control *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->records = json_array();
    c->requests_seen = json_array();
    return c;
}

void fka_control_free(fka_control *c)
{
    if (!c)
        return;
    json_decref(c->records);
    json_decref(c->requests_seen);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static bool rule_matches(const rule *r, const fka_req *req)
{
    if (r->count == 0)
        return false;
    if (r->method[0] && strcasecmp(r->method, req->method) != 0)
        return false;
    return !r->prefix[0] || strncmp(req->path, r->prefix, strlen(r->prefix)) == 0;
}

static const char *reason_for(int code)
{
    switch (code) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 409:
        return "Conflict";
    case 410:
        return "Expired";
    case 422:
        return "Invalid";
    case 429:
        return "TooManyRequests";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "Timeout";
    default:
        return code >= 500 ? "InternalError" : "";
    }
}

bool fka_control_intercept(fka_control *c, const fka_req *req, const char *user, fka_resp *resp)
{
    long delay_ms = 0;
    bool fail = false;
    rule hit = {0};
    const char *watch = req->query ? req->query(req->query_ctx, "watch") : NULL;
    bool is_watch = watch && (strcmp(watch, "true") == 0 || strcmp(watch, "1") == 0);
    const char *rv = req->query ? req->query(req->query_ctx, "resourceVersion") : NULL;
    json_t *seen = user ? json_pack("{s:s, s:s, s:b, s:s?, s:s}", "method", req->method, "path",
                                    req->path, "watch", is_watch, "resourceVersion", rv, "user",
                                    user)
                        : NULL;
    pthread_mutex_lock(&c->mu);
    c->requests++;
    if (seen && json_array_size(c->requests_seen) >= FKA_MAX_RECORDS)
        json_array_remove(c->requests_seen, 0);
    if (seen)
        json_array_append_new(c->requests_seen, seen);
    for (size_t i = 0; i < c->nrules; i++) {
        rule *r = &c->rules[i];
        if (!rule_matches(r, req) || (r->watch_error && !is_watch))
            continue;
        if (r->count > 0)
            r->count--;
        if (r->delay) {
            delay_ms += r->delay_ms;
            continue;
        }
        hit = *r;
        fail = true;
        break;
    }
    pthread_mutex_unlock(&c->mu);
    if (delay_ms > 0) {
        struct timespec d = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    if (!fail)
        return false;
    const char *msg = hit.message[0] ? hit.message : "injected fault (fake API server)";
    if (hit.watch_error) {
        /* kube-api-semantics: a watch reports a failure as an ERROR event carrying a Status,
         * then the server ends the stream */
        json_t *ev = json_pack("{s:s, s:o}", "type", "ERROR", "object",
                               fka_status_failure(hit.code, reason_for(hit.code), msg, NULL));
        char *line = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
        json_decref(ev);
        if (line) {
            size_t n = strlen(line);
            resp->status = 200;
            resp->raw = realloc(line, n + 2);
            if (!resp->raw) {
                free(line);
                return false;
            }
            resp->raw[n] = '\n';
            resp->raw[n + 1] = '\0';
            resp->raw_len = n + 1;
            snprintf(resp->content_type, sizeof resp->content_type, "application/json");
            return true;
        }
        return false;
    }
    json_t *st;
    if (hit.code == 429) {
        st = fka_status_too_many(msg, hit.retry_after_s);
    } else {
        st = fka_status_failure(hit.code, reason_for(hit.code), msg, NULL);
    }
    fka_resp_status(resp, st);
    if (hit.retry_after_s > 0)
        resp->retry_after_s = hit.retry_after_s;
    return true;
}

void fka_control_record_webhook(fka_control *c, json_t *record)
{
    pthread_mutex_lock(&c->mu);
    if (json_array_size(c->records) >= FKA_MAX_RECORDS)
        json_array_remove(c->records, 0);
    json_array_append_new(c->records, record);
    pthread_mutex_unlock(&c->mu);
}

static json_t *add_rule(fka_control *c, const json_t *spec, bool delay)
{
    if (!json_is_object(spec))
        return fka_status_bad_request("the body must be a JSON object");
    rule r = {.delay = delay, .count = 1, .code = 500};
    json_t *v;
    if ((v = json_object_get(spec, "count")) && json_is_integer(v))
        r.count = (long)json_integer_value(v);
    if ((v = json_object_get(spec, "code")) && json_is_integer(v))
        r.code = (int)json_integer_value(v);
    if ((v = json_object_get(spec, "ms")) && json_is_integer(v))
        r.delay_ms = (long)json_integer_value(v);
    if ((v = json_object_get(spec, "retryAfterSeconds")) && json_is_integer(v))
        r.retry_after_s = (int)json_integer_value(v);
    r.watch_error = json_is_true(json_object_get(spec, "watchError"));
    const char *s;
    if ((s = fo_json_str(spec, "method")))
        snprintf(r.method, sizeof r.method, "%s", s);
    if ((s = fo_json_str(spec, "pathPrefix")))
        snprintf(r.prefix, sizeof r.prefix, "%s", s);
    if ((s = fo_json_str(spec, "message")))
        snprintf(r.message, sizeof r.message, "%s", s);
    if (r.code < 400 || r.code > 599)
        return fka_status_bad_request("code must be between 400 and 599");
    if (r.delay_ms < 0 || r.delay_ms > FKA_MAX_DELAY_MS)
        return fka_status_bad_request("ms must be between 0 and 60000");
    if (r.count == 1 && r.code == 429 && !r.retry_after_s)
        r.retry_after_s = 1;
    pthread_mutex_lock(&c->mu);
    bool full = c->nrules == FKA_MAX_RULES;
    if (!full)
        c->rules[c->nrules++] = r;
    pthread_mutex_unlock(&c->mu);
    return full ? fka_status_bad_request("too many rules (64)") : NULL;
}

void fka_control_handle(fka_server *srv, const fka_req *req, fka_resp *resp)
{
    fka_control *c = srv->control;
    const char *what = req->path + strlen("/fake/");
    bool post = strcmp(req->method, "POST") == 0;
    bool get = strcmp(req->method, "GET") == 0;
    bool del = strcmp(req->method, "DELETE") == 0;
    json_t *ok = json_pack("{s:s}", "status", "ok");
    if ((strcmp(what, "faults") == 0 || strcmp(what, "delay") == 0) && post) {
        json_t *spec = fo_json_parse(req->body, req->body_len, FKA_MAX_BODY, NULL);
        json_t *st = add_rule(c, spec, strcmp(what, "delay") == 0);
        json_decref(spec);
        if (st) {
            json_decref(ok);
            fka_resp_status(resp, st);
            return;
        }
    } else if ((strcmp(what, "faults") == 0 || strcmp(what, "delay") == 0) && del) {
        pthread_mutex_lock(&c->mu);
        c->nrules = 0;
        pthread_mutex_unlock(&c->mu);
    } else if (strcmp(what, "drop-watches") == 0 && post) {
        fka_store_drop_watches(srv->store);
    } else if (strcmp(what, "compact") == 0 && post) {
        fka_store_lock(srv->store);
        fka_store_compact(srv->store);
        fka_store_unlock(srv->store);
    } else if (strcmp(what, "bookmark") == 0 && post) {
        fka_store_bookmark_all(srv->store);
    } else if (strcmp(what, "gc") == 0 && post) {
        fka_gc_run(srv->gc);
    } else if (strcmp(what, "webhook-calls") == 0 && get) {
        json_decref(ok);
        pthread_mutex_lock(&c->mu);
        ok = json_pack("{s:O}", "items", c->records);
        json_t *copy = fo_json_copy(ok);
        pthread_mutex_unlock(&c->mu);
        json_decref(ok);
        ok = copy;
    } else if (strcmp(what, "requests") == 0 && get) {
        json_decref(ok);
        pthread_mutex_lock(&c->mu);
        ok = json_pack("{s:O}", "items", c->requests_seen);
        json_t *copy = fo_json_copy(ok);
        pthread_mutex_unlock(&c->mu);
        json_decref(ok);
        ok = copy;
    } else if (strcmp(what, "requests") == 0 && del) {
        pthread_mutex_lock(&c->mu);
        json_array_clear(c->requests_seen);
        pthread_mutex_unlock(&c->mu);
    } else if (strcmp(what, "stall-watches") == 0 && post) {
        fka_store_stall_watches(srv->store);
    } else if (strcmp(what, "webhook-calls") == 0 && del) {
        pthread_mutex_lock(&c->mu);
        json_array_clear(c->records);
        pthread_mutex_unlock(&c->mu);
    } else if (strcmp(what, "state") == 0 && get) {
        char rv[32];
        fka_store_lock(srv->store);
        snprintf(rv, sizeof rv, "%llu", (unsigned long long)fka_store_rv(srv->store));
        fka_store_unlock(srv->store);
        pthread_mutex_lock(&c->mu);
        unsigned long requests = c->requests;
        pthread_mutex_unlock(&c->mu);
        json_decref(ok);
        ok = json_pack("{s:s, s:I, s:I}", "resourceVersion", rv, "watches",
                       (json_int_t)fka_store_watcher_count(srv->store), "requests",
                       (json_int_t)requests);
    } else {
        json_decref(ok);
        fka_resp_status(resp, fka_status_failure(404, "NotFound",
                                                 "the server could not find the requested "
                                                 "resource",
                                                 NULL));
        return;
    }
    fka_resp_json(resp, 200, ok);
}
