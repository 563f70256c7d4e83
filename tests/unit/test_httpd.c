/* common/httpd over plain HTTP with libcurl: round trips and query decoding, body limit,
 * chunked streaming in both thread models, concurrency, slow clients, graceful stop. TLS and
 * certificate rotation are in test_certwatch. */
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

static void gate_reset(int want_inside, bool hold)
{
    pthread_mutex_lock(&g_gate.mu);
    g_gate.inside = g_gate.max_inside = g_gate.calls = 0;
    g_gate.want_inside = want_inside;
    g_gate.hold = hold;
    g_gate.open = false;
    pthread_mutex_unlock(&g_gate.mu);
}

static void gate_open(void)
{
    pthread_mutex_lock(&g_gate.mu);
    g_gate.open = true;
    pthread_cond_broadcast(&g_gate.cv);
    pthread_mutex_unlock(&g_gate.mu);
}

/* Wait (for real threads, generous bound) until n handlers are inside. */
static bool gate_wait_inside(int n)
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

static void gate_pass(void)
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

static void feed_reset(void)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.head = g_feed.tail = 0;
    g_feed.closed = g_feed.freed = false;
    pthread_mutex_unlock(&g_feed.mu);
}

static void feed_push(const char *s)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.items[g_feed.tail++ % 16] = strdup(s);
    pthread_cond_broadcast(&g_feed.cv);
    pthread_mutex_unlock(&g_feed.mu);
}

static void feed_close(void)
{
    pthread_mutex_lock(&g_feed.mu);
    g_feed.closed = true;
    pthread_cond_broadcast(&g_feed.cv);
    pthread_mutex_unlock(&g_feed.mu);
}

static ssize_t feed_read(void *ctx, char *buf, size_t max)
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

static void feed_free(void *ctx)
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

static ssize_t counter_read(void *ctx, char *buf, size_t max)
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

static void handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
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
    char path[64];
} g_refused = {PTHREAD_MUTEX_INITIALIZER, 0, 0, ""};

static void on_refused(void *ctx, const char *path, int status)
{
    (void)ctx;
    pthread_mutex_lock(&g_refused.mu);
    g_refused.n413 += status == 413;
    g_refused.n429 += status == 429;
    snprintf(g_refused.path, sizeof g_refused.path, "%s", path);
    pthread_mutex_unlock(&g_refused.mu);
}

static void refused_reset(void)
{
    pthread_mutex_lock(&g_refused.mu);
    g_refused.n413 = g_refused.n429 = 0;
    g_refused.path[0] = '\0';
    pthread_mutex_unlock(&g_refused.mu);
}

static fo_httpd *start(unsigned threads, size_t max_body)
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

static char *url(const fo_httpd *srv, bool tls, const char *path)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "%s://%s:%d%s", tls ? "https" : "http",
                              tls ? "localhost" : "127.0.0.1", fo_httpd_port(srv), path),
                     0);
    return u;
}

/* ---- plain HTTP ---- */

static void check_round_trip(unsigned threads)
{
    fo_httpd *srv = start(threads, 0);
    char *u = url(srv, false, "/a%2Fb+c/d?q=hello%20big+world%2B%28x%29&flag&x=1");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = u, .extra_header = "X-Test: yes"}, &r);
    ck_assert_int_eq(r.cc, CURLE_OK);
    ck_assert_int_eq(r.status, 200);
    ck_assert(fo_test_has_header(&r, "Content-Type: application/json"));
    json_t *o = json_loads(r.body.data, 0, NULL);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(fo_json_str(o, "method"), "GET");
    /* the path stays as sent: not decoded, no query */
    ck_assert_str_eq(fo_json_str(o, "path"), "/a%2Fb+c/d");
    /* as Go's url.ParseQuery: '+' is a space, %2B a plus */
    ck_assert_str_eq(fo_json_str(o, "q"), "hello big world+(x)");
    ck_assert_str_eq(fo_json_str(o, "flag"), "");
    ck_assert_str_eq(fo_json_str(o, "hdr"), "yes");
    ck_assert_str_eq(fo_json_str(o, "remote"), "127.0.0.1");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "len")), 0);
    json_decref(o);
    fo_test_reply_release(&r);
    free(u);

    u = url(srv, false, "/teapot");
    fo_test_perform(&(fo_test_request){.url = u}, &r);
    ck_assert_int_eq(r.status, 418);
    ck_assert_str_eq(r.body.data, "short and stout");
    ck_assert(fo_test_has_header(&r, "X-Brew: earl grey"));
    ck_assert(fo_test_has_header(&r, "Content-Type: text/plain"));
    fo_test_reply_release(&r);
    free(u);
    fo_httpd_stop(srv);
}

START_TEST(plain_round_trip_in_pool_mode_keeps_path_raw_and_decodes_query)
{
    check_round_trip(2);
}
END_TEST

START_TEST(plain_round_trip_in_thread_per_connection_mode)
{
    check_round_trip(0);
}
END_TEST

START_TEST(absent_query_parameter_and_header_are_null)
{
    fo_httpd *srv = start(1, 0);
    char *u = url(srv, false, "/x");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = u}, &r);
    json_t *o = json_loads(r.body.data, 0, NULL);
    ck_assert(json_is_null(json_object_get(o, "q")));
    ck_assert(json_is_null(json_object_get(o, "flag")));
    ck_assert(json_is_null(json_object_get(o, "hdr")));
    json_decref(o);
    fo_test_reply_release(&r);
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(post_body_arrives_whole_and_terminated)
{
    fo_httpd *srv = start(2, 0);
    size_t n = 700 * 1024;
    char *body = malloc(n);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    char *u = url(srv, false, "/upload");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.method = "POST", .url = u, .body = body, .body_len = n}, &r);
    ck_assert_int_eq(r.status, 200);
    json_t *o = json_loads(r.body.data, 0, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "len")), (json_int_t)n);
    ck_assert(json_is_true(json_object_get(o, "body_terminated")));
    ck_assert_str_eq(fo_json_str(o, "method"), "POST");
    json_decref(o);
    fo_test_reply_release(&r);

    /* the same with chunked transfer encoding (no Content-Length) */
    fo_test_perform(&(fo_test_request){.method = "POST", .url = u, .body = body, .body_len = n,
                            .chunked_upload = true},
            &r);
    ck_assert_int_eq(r.status, 200);
    o = json_loads(r.body.data, 0, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "len")), (json_int_t)n);
    json_decref(o);
    fo_test_reply_release(&r);
    free(body);
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

/* POST body to u and expect the server's own Status answer: status, reason, code, a part of
 * its message, and (header, may be NULL) a header line. */
static void expect_refused(const char *u, const char *body, size_t len, bool chunked,
                           int status, const char *reason, const char *message_part,
                           const char *header)
{
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.method = "POST", .url = u, .body = body, .body_len = len,
                            .chunked_upload = chunked},
            &r);
    ck_assert_int_eq(r.cc, CURLE_OK);
    ck_assert_int_eq(r.status, status);
    json_t *o = json_loads(r.body.data, 0, NULL);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(fo_json_str(o, "reason"), reason);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "code")), status);
    ck_assert_ptr_nonnull(strstr(fo_json_str(o, "message"), message_part));
    json_decref(o);
    if (header)
        ck_assert_ptr_nonnull(strcasestr(r.headers.data, header));
    fo_test_reply_release(&r);
}

START_TEST(body_over_the_limit_gets_413_with_a_json_message)
{
    gate_reset(0, false);
    refused_reset();
    fo_httpd *srv = start(2, 1000);
    char body[1001];
    memset(body, 'x', sizeof body);
    char *u = url(srv, false, "/gate");
    for (int chunked = 0; chunked <= 1; chunked++)
        expect_refused(u, body, 1001, chunked, 413, "RequestEntityTooLarge", "1000 bytes", NULL);
    /* exactly at the limit is fine */
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.method = "POST", .url = u, .body = body, .body_len = 1000}, &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_reply_release(&r);
    /* the handler never saw the oversized bodies; the refused callback did */
    ck_assert_int_eq(g_gate.calls, 1);
    ck_assert_int_eq(g_refused.n413, 2);
    ck_assert_str_eq(g_refused.path, "/gate");
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

/* ---- streaming ---- */

struct bg_request {
    pthread_t th;
    fo_test_request o;
    fo_test_reply r;
};

static void *bg_run(void *arg)
{
    struct bg_request *b = arg;
    fo_test_perform(&b->o, &b->r);
    return NULL;
}

static void bg_start(struct bg_request *b)
{
    ck_assert_int_eq(pthread_create(&b->th, NULL, bg_run, b), 0);
}

static void bg_join(struct bg_request *b)
{
    pthread_join(b->th, NULL);
}

/* The server gives an answer's bytes back once it has been sent, a moment after the client
 * has it: wait (generous bound) until nothing is held. */
static bool held_drops_to_zero(const fo_httpd *srv)
{
    for (int i = 0; i < 3000 && fo_httpd_bodies_held(srv) > 0; i++)
        fo_test_sleep_ms(10);
    return fo_httpd_bodies_held(srv) == 0;
}

/* A 429 for a body the server cannot hold: reason, Retry-After, the handler never called. */
static void expect_busy(const char *u, const char *body, size_t len, bool chunked)
{
    expect_refused(u, body, len, chunked, 429, "TooManyRequests", "at most 2500 bytes",
                   "\r\nRetry-After: 1\r\n");
}

START_TEST(bodies_past_the_servers_bound_get_429_and_the_bound_frees_as_handlers_return)
{
    gate_reset(0, true);
    fo_err err;
    fo_err_clear(&err);
    /* two 1000-byte bodies fit (each holds its length + 1), a third does not */
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .max_body_bytes = 1000,
                       .max_bodies_bytes = 2500, .threads = 3, .handler = handler,
                       .refused = on_refused};
    refused_reset();
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    char body[1000];
    memset(body, 'x', sizeof body);
    struct bg_request b[2];
    memset(b, 0, sizeof b);
    for (int i = 0; i < 2; i++) {
        b[i].o = (fo_test_request){.method = "POST", .url = url(srv, false, "/gate"),
                                   .body = body, .body_len = sizeof body};
        bg_start(&b[i]);
    }
    ck_assert(gate_wait_inside(2));
    ck_assert_uint_eq(fo_httpd_bodies_held(srv), 2002);
    /* announcing a body holds nothing: a connection that sends headers alone, announcing 400
     * bytes (they would fit), takes none of the bound (it goes to the third thread, the two
     * others being held in their handlers); the 400-byte body below still fits beside it */
    int idle = fo_test_connect(fo_httpd_port(srv));
    const char *announce = "POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 400\r\n\r\n";
    ck_assert_int_eq(write(idle, announce, strlen(announce)), (ssize_t)strlen(announce));
    fo_test_sleep_ms(200);
    ck_assert_uint_eq(fo_httpd_bodies_held(srv), 2002);
    char *other = url(srv, false, "/other");
    expect_busy(other, body, sizeof body, false);
    expect_busy(other, body, sizeof body, true); /* chunked: turned away as it grows */
    ck_assert_int_eq(g_gate.calls, 2);
    ck_assert_int_eq(g_refused.n429, 2);
    ck_assert_str_eq(g_refused.path, "/other");
    /* the bound is in bytes: a smaller body still fits */
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.method = "POST", .url = other, .body = body,
                            .body_len = 400},
            &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_reply_release(&r);
    close(idle);

    gate_open();
    for (int i = 0; i < 2; i++) {
        bg_join(&b[i]);
        ck_assert_int_eq(b[i].r.status, 200);
        fo_test_reply_release(&b[i].r);
        free((char *)b[i].o.url);
    }
    ck_assert(held_drops_to_zero(srv));
    fo_test_perform(&(fo_test_request){.method = "POST", .url = other, .body = body,
                            .body_len = sizeof body},
            &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_reply_release(&r);
    ck_assert(held_drops_to_zero(srv));

    /* an answer counts until it is sent: 8 MiB that its client does not read fill the bound */
    int fd = fo_test_connect(fo_httpd_port(srv));
    ck_assert_int_ge(fd, 0);
    const char *get = "GET /big-answer HTTP/1.1\r\nHost: a\r\n\r\n";
    ck_assert_int_eq(write(fd, get, strlen(get)), (ssize_t)strlen(get));
    for (int i = 0; i < 3000 && fo_httpd_bodies_held(srv) < 8u * 1024 * 1024; i++)
        fo_test_sleep_ms(10);
    ck_assert_uint_ge(fo_httpd_bodies_held(srv), 8u * 1024 * 1024);
    expect_busy(other, body, 400, false);
    close(fd); /* the answer is dropped with its connection */
    ck_assert(held_drops_to_zero(srv));
    fo_test_perform(&(fo_test_request){.method = "POST", .url = other, .body = body,
                            .body_len = 400},
            &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_reply_release(&r);
    free(other);
    fo_httpd_stop(srv);

    /* a bound that cannot hold one largest body is refused at start */
    o.max_bodies_bytes = 1000;
    ck_assert_ptr_null(fo_httpd_start(&o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "max_bodies_bytes (1000) must exceed"));
}
END_TEST

START_TEST(blocking_stream_in_thread_per_connection_mode_is_chunked_and_ordered)
{
    feed_reset();
    fo_httpd *srv = start(0, 0);
    struct bg_request b;
    memset(&b, 0, sizeof b);
    b.o.url = url(srv, false, "/watch");
    bg_start(&b);
    feed_push("{\"type\":\"ADDED\"}\n");
    feed_push("{\"type\":\"MODIFIED\"}\n");
    fo_test_sleep_ms(50);
    feed_push("{\"type\":\"DELETED\"}\n");
    feed_close();
    bg_join(&b);
    ck_assert_int_eq(b.r.cc, CURLE_OK);
    ck_assert_int_eq(b.r.status, 200);
    ck_assert(fo_test_has_header(&b.r, "Transfer-Encoding: chunked"));
    ck_assert_str_eq(b.r.body.data,
                     "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n{\"type\":\"DELETED\"}\n");
    fo_test_reply_release(&b.r);
    free((char *)b.o.url);
    /* The stream's context is freed once MHD is done with the connection, which may be just
     * after the client read the last chunk: by the time the server has stopped, surely. */
    fo_httpd_stop(srv);
    ck_assert(g_feed.freed);
}
END_TEST

START_TEST(stream_that_is_sometimes_empty_completes_in_pool_mode)
{
    fo_httpd *srv = start(2, 0);
    char *u = url(srv, false, "/count");
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = u}, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body.data, "0123456789");
    fo_test_reply_release(&r);
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(stopping_the_server_ends_an_open_stream_and_frees_it)
{
    feed_reset();
    fo_httpd *srv = start(0, 0);
    struct bg_request b;
    memset(&b, 0, sizeof b);
    b.o.url = url(srv, false, "/watch");
    bg_start(&b);
    feed_push("{\"type\":\"ADDED\"}\n");
    /* wait until the client got the event, so the stream is surely open */
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&g_feed.mu);
        bool taken = g_feed.head == g_feed.tail;
        pthread_mutex_unlock(&g_feed.mu);
        if (taken)
            break;
        fo_test_sleep_ms(10);
    }
    fo_httpd_stop(srv);
    bg_join(&b);
    ck_assert_int_eq(b.r.status, 200);
    ck_assert_str_eq(b.r.body.data, "{\"type\":\"ADDED\"}\n");
    ck_assert(g_feed.freed);
    fo_test_reply_release(&b.r);
    free((char *)b.o.url);
}
END_TEST

/* ---- concurrency, slow clients, stop ---- */

static void check_parallel(unsigned threads, int clients)
{
    gate_reset(clients, false);
    fo_httpd *srv = start(threads, 0);
    struct bg_request b[8];
    memset(b, 0, sizeof b);
    char *u = url(srv, false, "/gate");
    for (int i = 0; i < clients; i++) {
        b[i].o.url = u;
        bg_start(&b[i]);
    }
    for (int i = 0; i < clients; i++) {
        bg_join(&b[i]);
        ck_assert_int_eq(b[i].r.status, 200);
        fo_test_reply_release(&b[i].r);
    }
    /* every handler waited until all were inside at once */
    ck_assert_int_eq(g_gate.max_inside, clients);
    free(u);
    fo_httpd_stop(srv);
}

START_TEST(new_connections_are_spread_over_the_pool_threads)
{
    /* A connection stays on the pool thread it was given; the first N connections of a pool of
     * N threads get one thread each, so N handlers run at once (with MHD's own accept, a burst
     * of connections could all land on one thread and its handlers would run one by one). */
    check_parallel(4, 4);
    check_parallel(2, 2);
}
END_TEST

START_TEST(a_handler_that_blocks_holds_only_its_own_pool_thread)
{
    /* What must also hold: a stuck handler does not stop the others. */
    gate_reset(0, true);
    fo_httpd *srv = start(2, 0);
    struct bg_request b;
    memset(&b, 0, sizeof b);
    b.o.url = url(srv, false, "/gate");
    bg_start(&b);
    ck_assert(gate_wait_inside(1));
    char *u = url(srv, false, "/other");
    for (int i = 0; i < 4; i++) {
        fo_test_reply r;
        fo_test_perform(&(fo_test_request){.url = u}, &r);
        ck_assert_int_eq(r.status, 200);
        fo_test_reply_release(&r);
    }
    gate_open();
    bg_join(&b);
    ck_assert_int_eq(b.r.status, 200);
    fo_test_reply_release(&b.r);
    free((char *)b.o.url);
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(thread_per_connection_serves_requests_in_parallel)
{
    check_parallel(0, 6);
}
END_TEST

START_TEST(a_slow_client_does_not_block_a_single_threaded_server)
{
    fo_httpd *srv = start(1, 0);
    /* half a request, then silence */
    int slow = fo_test_connect(fo_httpd_port(srv));
    ck_assert_int_ge(slow, 0);
    const char *part = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab";
    ck_assert_int_eq(write(slow, part, strlen(part)), (ssize_t)strlen(part));
    char *u = url(srv, false, "/fast");
    for (int i = 0; i < 5; i++) {
        fo_test_reply r;
        fo_test_perform(&(fo_test_request){.url = u}, &r);
        ck_assert_int_eq(r.status, 200);
        fo_test_reply_release(&r);
    }
    close(slow);
    free(u);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(an_idle_connection_is_closed_after_the_timeout)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = 1, .connection_timeout_s = 1,
                       .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_ptr_nonnull(srv);
    int fd = fo_test_connect(fo_httpd_port(srv));
    ck_assert_int_ge(fd, 0);
    const char *part = "GET /x HTTP/1.1\r\nHost: a\r\n"; /* and then nothing */
    ck_assert_int_eq(write(fd, part, strlen(part)), (ssize_t)strlen(part));
    /* the server hangs up by itself: read sees EOF (generous bound for a loaded machine) */
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
    }
    ck_assert_int_eq(n, 0);
    close(fd);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(a_large_body_counts_the_pages_that_arrived_not_what_it_announced)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .max_body_bytes = 1024 * 1024,
                       .max_bodies_bytes = 4 * 1024 * 1024, .threads = 2, .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_ptr_nonnull(srv);
    /* 512 KiB announced (read into mapped pages), 10 KiB sent: three pages held */
    int fd = fo_test_connect(fo_httpd_port(srv));
    char head[128];
    int hl = snprintf(head, sizeof head,
                      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 512 * 1024);
    ck_assert_int_eq(write(fd, head, (size_t)hl), hl);
    char part[10240];
    memset(part, 'x', sizeof part);
    ck_assert_int_eq(write(fd, part, sizeof part), (ssize_t)sizeof part);
    for (int i = 0; i < 3000 && fo_httpd_bodies_held(srv) < 3 * 4096; i++)
        fo_test_sleep_ms(10);
    ck_assert_uint_eq(fo_httpd_bodies_held(srv), 3 * 4096);
    close(fd);
    ck_assert(held_drops_to_zero(srv));
    fo_httpd_stop(srv);
}
END_TEST

/* Read from fd until EOF or 10 s; true when the server hung up (read 0). */
static bool hung_up(int fd)
{
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
    }
    return n == 0;
}

START_TEST(a_request_not_read_within_the_request_timeout_is_cut_and_idle_keep_alive_is_not)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = 1, .connection_timeout_s = 30,
                       .request_timeout_s = 1, .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_ptr_nonnull(srv);
    int port = fo_httpd_port(srv);
    /* a body that stops halfway: cut after a second of silence, not after 30 */
    int64_t t0 = fo_clock_mono_ms(fo_clock_real());
    int fd = fo_test_connect(port);
    const char *part = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab";
    ck_assert_int_eq(write(fd, part, strlen(part)), (ssize_t)strlen(part));
    ck_assert(hung_up(fd));
    ck_assert_int_lt(fo_clock_mono_ms(fo_clock_real()) - t0, 8000);
    close(fd);
    /* a body that trickles, a byte every 300 ms: cut at the first byte past the second */
    t0 = fo_clock_mono_ms(fo_clock_real());
    fd = fo_test_connect(port);
    ck_assert_int_eq(write(fd, part, strlen(part)), (ssize_t)strlen(part));
    bool cut = false;
    for (int i = 0; i < 40 && !cut; i++) {
        fo_test_sleep_ms(300);
        cut = send(fd, "x", 1, MSG_NOSIGNAL) != 1;
    }
    ck_assert(cut || hung_up(fd));
    ck_assert_int_lt(fo_clock_mono_ms(fo_clock_real()) - t0, 8000);
    close(fd);
    /* between requests the idle timeout is the connection's again: 2 s idle, then another */
    fd = fo_test_connect(port);
    char buf[1024];
    const char *get = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(write(fd, get, strlen(get)), (ssize_t)strlen(get));
        ssize_t n = read(fd, buf, sizeof buf - 1);
        ck_assert_int_gt(n, 12);
        buf[n] = '\0';
        ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 418"));
        fo_test_sleep_ms(2000);
    }
    close(fd);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(quiesce_refuses_new_connections_and_lets_the_request_in_flight_finish)
{
    gate_reset(0, true);
    fo_httpd *srv = start(2, 0);
    int port = fo_httpd_port(srv);
    struct bg_request b;
    memset(&b, 0, sizeof b);
    b.o.url = url(srv, false, "/gate");
    bg_start(&b);
    ck_assert(gate_wait_inside(1));
    fo_httpd_quiesce(srv);
    fo_httpd_quiesce(srv); /* idempotent */
    ck_assert_int_eq(fo_test_connect(port), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    gate_open();
    fo_httpd_stop(srv); /* waits for the request in flight */
    bg_join(&b);
    ck_assert_int_eq(b.r.cc, CURLE_OK);
    ck_assert_int_eq(b.r.status, 200);
    ck_assert(fo_test_has_header(&b.r, "Connection: close"));
    fo_test_reply_release(&b.r);
    free((char *)b.o.url);
}
END_TEST

/* One request on an open connection, its whole answer read (headers and Content-Length bytes
 * of body) into buf; then whether the server hung up after it. A hang-up that is expected is
 * waited for as long as a loaded machine may need (EOF comes as soon as it happens); the
 * keep-alive control waits briefly, and a slow machine can only make it weaker. */
static bool ask_teapot(int fd, char *buf, size_t cap, bool expect_hang_up, bool *hung_up)
{
    const char *req = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        return false;
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, cap - 1 - have);
        if (n <= 0)
            return false;
        have += (size_t)n;
        buf[have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strcasestr(buf, "Content-Length: ");
        if (end && cl && have >= (size_t)(end + 4 - buf) + (size_t)atoi(cl + 16))
            break;
    }
    /* a hang-up shows as EOF; an open connection as a timeout */
    struct timeval wait = expect_hang_up ? (struct timeval){10, 0} : (struct timeval){0, 300000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    char extra;
    *hung_up = read(fd, &extra, 1) == 0;
    return true;
}

START_TEST(drain_keeps_serving_and_closes_each_connection_after_its_answer)
{
    fo_httpd *srv = start(2, 0);
    int port = fo_httpd_port(srv);
    char buf[4096];
    bool hung_up = true;
    int kept = fo_test_connect(port);
    ck_assert_int_ge(kept, 0);
    ck_assert(ask_teapot(kept, buf, sizeof buf, false, &hung_up));
    ck_assert_ptr_null(strcasestr(buf, "Connection: close")); /* the control: kept alive */
    ck_assert(!hung_up);

    fo_httpd_drain(srv);
    fo_httpd_drain(srv); /* idempotent */
    /* the connection opened before: its next answer is its last */
    ck_assert(ask_teapot(kept, buf, sizeof buf, true, &hung_up));
    ck_assert_ptr_nonnull(strstr(buf, "418"));
    ck_assert_ptr_nonnull(strcasestr(buf, "Connection: close"));
    ck_assert(hung_up);
    close(kept);
    /* new connections are still accepted and answered, once each */
    int fresh = fo_test_connect(port);
    ck_assert_int_ge(fresh, 0);
    ck_assert(ask_teapot(fresh, buf, sizeof buf, true, &hung_up));
    ck_assert_ptr_nonnull(strcasestr(buf, "Connection: close"));
    ck_assert(hung_up);
    close(fresh);
    fo_httpd_stop(srv);
}
END_TEST

START_TEST(a_port_in_use_is_a_clear_error)
{
    fo_httpd *srv = start(1, 0);
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .port = fo_httpd_port(srv), .threads = 1,
                       .handler = handler};
    ck_assert_ptr_null(fo_httpd_start(&o, &err));
    ck_assert_int_eq(err.rc, FO_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "port"));
    o.bind_addr = "not-an-address";
    o.port = 0;
    ck_assert_ptr_null(fo_httpd_start(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    fo_httpd_stop(srv);
    fo_httpd_stop(NULL);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&g_feed.mu, NULL);
    pthread_cond_init(&g_feed.cv, NULL);
    Suite *s = suite_create("httpd");
    TCase *tc = tcase_create("plain");
    tcase_add_test(tc, plain_round_trip_in_pool_mode_keeps_path_raw_and_decodes_query);
    tcase_add_test(tc, plain_round_trip_in_thread_per_connection_mode);
    tcase_add_test(tc, absent_query_parameter_and_header_are_null);
    tcase_add_test(tc, post_body_arrives_whole_and_terminated);
    tcase_add_test(tc, body_over_the_limit_gets_413_with_a_json_message);
    tcase_add_test(tc, bodies_past_the_servers_bound_get_429_and_the_bound_frees_as_handlers_return);
    tcase_add_test(tc, a_request_not_read_within_the_request_timeout_is_cut_and_idle_keep_alive_is_not);
    tcase_add_test(tc, a_large_body_counts_the_pages_that_arrived_not_what_it_announced);
    tcase_add_test(tc, blocking_stream_in_thread_per_connection_mode_is_chunked_and_ordered);
    tcase_add_test(tc, stream_that_is_sometimes_empty_completes_in_pool_mode);
    tcase_add_test(tc, stopping_the_server_ends_an_open_stream_and_frees_it);
    tcase_add_test(tc, new_connections_are_spread_over_the_pool_threads);
    tcase_add_test(tc, a_handler_that_blocks_holds_only_its_own_pool_thread);
    tcase_add_test(tc, thread_per_connection_serves_requests_in_parallel);
    tcase_add_test(tc, a_slow_client_does_not_block_a_single_threaded_server);
    tcase_add_test(tc, an_idle_connection_is_closed_after_the_timeout);
    tcase_add_test(tc, quiesce_refuses_new_connections_and_lets_the_request_in_flight_finish);
    tcase_add_test(tc, drain_keeps_serving_and_closes_each_connection_after_its_answer);
    tcase_add_test(tc, a_port_in_use_is_a_clear_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
