#ifndef FO_TEST_HTTPD_FIXTURE_H
#define FO_TEST_HTTPD_FIXTURE_H

/* The server of the common/httpd suites (test_httpd, test_httpd_bounds): a handler whose
 * routes echo, block at a gate, stream from a queue or count, a refusal recorder, and requests
 * run in the background. Header-only (static) so each suite has its own copy; call
 * httpd_fixture_init() first. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/httpd.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testhttp.h"
#include "tests/support/testutil.h"

/* ---- a test server ---- */

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int inside;      /* handlers currently inside */
    int max_inside;  /* most seen at once */
    int want_inside; /* handlers wait until this many are inside (0 = don't wait) */
    bool open;       /* handlers wait until open (when hold is set) */
    bool hold;
    int calls;
} gate;

static gate g_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, false, false,
                      0};

static inline void gate_reset(int want_inside, bool hold)
{
    pthread_mutex_lock(&g_gate.mu);
    g_gate.inside = g_gate.max_inside = g_gate.calls = 0;
    g_gate.want_inside = want_inside;
    g_gate.hold = hold;
    g_gate.open = false;
    pthread_mutex_unlock(&g_gate.mu);
}

static inline void gate_open(void)
{
    pthread_mutex_lock(&g_gate.mu);
    g_gate.open = true;
    pthread_cond_broadcast(&g_gate.cv);
    pthread_mutex_unlock(&g_gate.mu);
}

/* Wait (for real threads, generous bound) until n handlers are inside. */
static inline bool gate_wait_inside(int n)
{
    bool ok = true;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&g_gate.mu);
    while (g_gate.inside < n && ok)
        ok = pthread_cond_timedwait(&g_gate.cv, &g_gate.mu, &dl) == 0;
    pthread_mutex_unlock(&g_gate.mu);
    return ok;
}

static inline void gate_pass(void)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&g_gate.mu);
    g_gate.calls++;
    g_gate.inside++;
    if (g_gate.inside > g_gate.max_inside)
        g_gate.max_inside = g_gate.inside;
    pthread_cond_broadcast(&g_gate.cv);
    while (g_gate.want_inside && g_gate.max_inside < g_gate.want_inside)
        if (pthread_cond_timedwait(&g_gate.cv, &g_gate.mu, &dl) != 0)
            break;
    while (g_gate.hold && !g_gate.open)
        if (pthread_cond_timedwait(&g_gate.cv, &g_gate.mu, &dl) != 0)
            break;
    g_gate.inside--;
    pthread_mutex_unlock(&g_gate.mu);
}

/* Blocking producer for watch-like streams: lines pushed by the test, one per read. */
typedef struct feedq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *items[16];
    int head, tail;
    bool closed;
    bool freed;
} feedq;

static feedq g_feed;

static inline void feed_reset(void)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.head = g_feed.tail = 0;
    g_feed.closed = g_feed.freed = false;
    pthread_mutex_unlock(&g_feed.mu);
}

static inline void feed_push(const char *s)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.items[g_feed.tail++ % 16] = strdup(s);
    pthread_cond_broadcast(&g_feed.cv);
    pthread_mutex_unlock(&g_feed.mu);
}

static inline void feed_close(void)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.closed = true;
    pthread_cond_broadcast(&g_feed.cv);
    pthread_mutex_unlock(&g_feed.mu);
}

static inline ssize_t feed_read(void *ctx, char *buf, size_t max)
{
    feedq *q = ctx;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 500 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    while (q->head == q->tail && !q->closed)
        if (pthread_cond_timedwait(&q->cv, &q->mu, &dl) != 0)
            break;
    ssize_t n = 0;
    if (q->head != q->tail) {
        char *s = q->items[q->head++ % 16];
        n = (ssize_t)strlen(s);
        if ((size_t)n > max)
            n = (ssize_t)max;
        memcpy(buf, s, (size_t)n);
        free(s);
    } else if (q->closed) {
        n = FO_HTTPD_STREAM_END;
    }
    pthread_mutex_unlock(&q->mu);
    return n;
}

static inline void feed_free(void *ctx)
{
    feedq *q = ctx;
    pthread_mutex_lock(&q->mu);
    while (q->head != q->tail)
        free(q->items[q->head++ % 16]);
    q->freed = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* A non-blocking producer: "0".."9" with a nothing-yet answer between pieces. */
typedef struct counter {
    int next;
    int polls;
} counter;

static inline ssize_t counter_read(void *ctx, char *buf, size_t max)
{
    counter *c = ctx;
    (void)max;
    if (c->next == 10)
        return FO_HTTPD_STREAM_END;
    if (c->polls++ % 2 == 0)
        return 0;
    buf[0] = (char)('0' + c->next++);
    return 1;
}

static inline void handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    (void)ctx;
    if (strcmp(req->path, "/gate") == 0)
        gate_pass();
    if (strcmp(req->path, "/watch") == 0) {
        fo_http_response_stream(resp, 200, "application/json", feed_read, &g_feed, feed_free);
        return;
    }
    if (strcmp(req->path, "/count") == 0) {
        counter *c = calloc(1, sizeof *c);
        fo_http_response_stream(resp, 200, "text/plain", counter_read, c, free);
        return;
    }
    if (strcmp(req->path, "/big-answer") == 0) { /* 8 MiB of 'a' */
        size_t n = 8u * 1024 * 1024;
        char *text = malloc(n);
        memset(text, 'a', n);
        fo_http_response_take_body(resp, 200, "text/plain", text, n);
        return;
    }
    if (strcmp(req->path, "/read-only") == 0) { /* takes GET and HEAD only */
        if (fo_http_method_allowed(req, resp, "GET,  HEAD"))
            fo_http_response_text(resp, 200, "text/plain", "read\n");
        return;
    }
    if (strcmp(req->path, "/teapot") == 0) {
        fo_http_response_text(resp, 418, "text/plain", "short and stout");
        fo_http_response_header(resp, "X-Brew", "earl grey");
        return;
    }
    const char *q = fo_http_request_query(req, "q");
    const char *flag = fo_http_request_query(req, "flag");
    const char *hdr = fo_http_request_header(req, "x-test");
    json_t *o = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s, s:b}", "method", req->method,
                          "path", req->path, "len", (json_int_t)req->body_len, "q", q, "flag",
                          flag, "hdr", hdr, "remote", req->remote_addr, "body_terminated",
                          req->body[req->body_len] == '\0');
    fo_http_response_json(resp, 200, o);
    json_decref(o);
}

/* What the refused callback was told. */
static struct {
    pthread_mutex_t mu;
    int n413, n429;
    int last; /* the last status told */
    char path[64];
} g_refused = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, ""};

static inline void on_refused(void *ctx, const char *path, int status)
{
    (void)ctx;
    pthread_mutex_lock(&g_refused.mu);
    g_refused.n413 += status == 413;
    g_refused.n429 += status == 429;
    g_refused.last = status;
    snprintf(g_refused.path, sizeof g_refused.path, "%s", path);
    pthread_mutex_unlock(&g_refused.mu);
}

static inline void refused_reset(void)
{
    pthread_mutex_lock(&g_refused.mu);
    g_refused.n413 = g_refused.n429 = g_refused.last = 0;
    g_refused.path[0] = '\0';
    pthread_mutex_unlock(&g_refused.mu);
}

static inline fo_httpd *start(unsigned threads, size_t max_body)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1",
                       .port = 0,
                       .max_body_bytes = max_body,
                       .threads = threads,
                       .handler = handler,
                       .refused = on_refused};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "start: %s", err.message);
    ck_assert_int_gt(fo_httpd_port(srv), 0);
    return srv;
}

static inline char *url(const fo_httpd *srv, bool tls, const char *path)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "%s://%s:%d%s", tls ? "https" : "http",
                              tls ? "localhost" : "127.0.0.1", fo_httpd_port(srv), path),
                     0);
    return u;
}

/* ---- requests in the background ---- */

struct bg_request {
    pthread_t th;
    fo_test_request o;
    fo_test_reply r;
};

static inline void *bg_run(void *arg)
{
    struct bg_request *b = arg;
    fo_test_perform(&b->o, &b->r);
    return NULL;
}

static inline void bg_start(struct bg_request *b)
{
    ck_assert_int_eq(pthread_create(&b->th, NULL, bg_run, b), 0);
}

static inline void bg_join(struct bg_request *b)
{
    pthread_join(b->th, NULL);
}

static inline void httpd_fixture_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&g_feed.mu, NULL);
    pthread_cond_init(&g_feed.cv, NULL);
}

#endif
