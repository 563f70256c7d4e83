/* http_client's requests against a scripted raw server (tests/support/rawsrv, so tests control
 * every byte, drops and stalls included): verbs and bodies, keep-alive, error statuses and
 * limits, timeouts and dropped connections, streams, and one client shared by many threads.
 * Redirects, SigV4 and how libcurl is loaded are in test_http_client_options.c. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/http_client.h"
#include "common/strbuf.h"
#include "tests/support/rawsrv.h"
#include "tests/support/testutil.h"

/* ---- replies ---- */

static bool reply_json(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Content-Length: 11\r\n\r\n{\"a\":\"xyz\"}");
    return true;
}

static bool reply_echo(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)ctx;
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
             r->body_len);
    fo_rawsrv_send_str(fd, head);
    fo_rawsrv_send(fd, r->body, r->body_len);
    return true;
}

static bool reply_throttled(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd,
                       "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                       "Retry-After: 7\r\nWarning: 299 - \"first\"\r\nWarning: 299 - \"second\"\r\n"
                       "Content-Length: 2\r\n\r\n{}");
    return true;
}

static bool reply_big(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    char body[1000];
    memset(body, 'x', sizeof body);
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    fo_rawsrv_send(fd, body, sizeof body);
    return true;
}

static bool reply_never(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)r;
    (void)ctx;
    fo_rawsrv_hold(s, fd);
    return true;
}

static bool reply_truncated(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    shutdown(fd, SHUT_RDWR);
    return true;
}

static bool reply_stream(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n");
    fo_rawsrv_send_str(fd, "6\r\n{\"a\":1\r\n");
    fo_rawsrv_send_str(fd, "3\r\n}\n{\r\n");
    fo_rawsrv_send_str(fd, "7\r\n\"b\":2}\n\r\n");
    fo_rawsrv_send_str(fd, "0\r\n\r\n");
    return true;
}

static bool reply_stream_forever(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    fo_rawsrv_send_str(fd, "2\r\n{}\r\n");
    fo_rawsrv_hold(s, fd);
    return true;
}

static bool reply_gone(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 410 Gone\r\nContent-Type: application/json\r\n"
                           "Content-Length: 15\r\n\r\n{\"code\":410}\n\r\n");
    return true;
}

/* ---- tests ---- */

START_TEST(get_returns_status_body_and_content_type)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_json});
    const fo_rawsrv_request *last = fo_rawsrv_last(s);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    ck_assert_ptr_nonnull(c);
    char *u = fo_rawsrv_url(s, "/api/v1/pods?limit=5");
    fo_http_header h[] = {{"Accept", "application/json"}};
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, h, 1, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "{\"a\":\"xyz\"}");
    ck_assert_str_eq(res.content_type, "application/json");
    ck_assert_int_eq(res.retry_after_s, -1);
    ck_assert_ptr_null(res.warnings);
    ck_assert(strncmp(last->head, "GET /api/v1/pods?limit=5 HTTP/1.1\r\n", 35) == 0);
    ck_assert_ptr_nonnull(strstr(last->head, "\r\nAccept: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(last->head, "\r\nUser-Agent: flinkop\r\n"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(write_verbs_send_their_body_and_content_type)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_echo});
    const fo_rawsrv_request *last = fo_rawsrv_last(s);
    fo_err err;
    fo_http_client_opts o = {.user_agent = "flinkop-test/1"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = fo_rawsrv_url(s, "/x");
    fo_http_result res;
    const char *body = "{\"k\":\"v\"}";
    ck_assert_int_eq(
        fo_http_client_request(c, "POST", u, NULL, 0, body, strlen(body), 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 201);
    ck_assert_str_eq(res.body.data, body);
    ck_assert(strncmp(last->head, "POST /x HTTP/1.1", 16) == 0);
    ck_assert_ptr_nonnull(strstr(last->head, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(last->head, "\r\nUser-Agent: flinkop-test/1\r\n"));
    ck_assert_ptr_null(strcasestr(last->head, "Expect:"));
    fo_http_result_release(&res);

    fo_http_header h[] = {{"Content-Type", "application/merge-patch+json"}};
    ck_assert_int_eq(fo_http_client_request(c, "PATCH", u, h, 1, body, strlen(body), 0, &res, &err),
                     FO_OK);
    ck_assert(strncmp(last->head, "PATCH /x HTTP/1.1", 17) == 0);
    ck_assert_ptr_nonnull(strstr(last->head, "\r\nContent-Type: application/merge-patch+json\r\n"));
    ck_assert_ptr_null(strstr(last->head, "application/json"));
    ck_assert_str_eq(last->body, body);
    fo_http_result_release(&res);

    /* DELETE carries DeleteOptions in its body. */
    const char *opts = "{\"propagationPolicy\":\"Foreground\"}";
    ck_assert_int_eq(
        fo_http_client_request(c, "DELETE", u, NULL, 0, opts, strlen(opts), 0, &res, &err), FO_OK);
    ck_assert(strncmp(last->head, "DELETE /x HTTP/1.1", 18) == 0);
    ck_assert_str_eq(last->body, opts);
    fo_http_result_release(&res);

    /* A PUT without a body still says Content-Length: 0. */
    ck_assert_int_eq(fo_http_client_request(c, "PUT", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_ptr_nonnull(strcasestr(last->head, "\r\nContent-Length: 0\r\n"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(sequential_requests_reuse_one_connection)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_json});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/a");
    for (int i = 0; i < 5; i++) {
        fo_http_result res;
        ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                         FO_OK);
        fo_http_result_release(&res);
    }
    ck_assert_int_eq(fo_rawsrv_requests(s), 5);
    ck_assert_int_eq(fo_rawsrv_accepts(s), 1);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(error_statuses_are_responses_with_retry_after_and_warnings)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_throttled});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/t");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 429);
    ck_assert_int_eq(res.retry_after_s, 7);
    ck_assert_ptr_nonnull(res.warnings);
    ck_assert_str_eq(res.warnings[0], "299 - \"first\"");
    ck_assert_str_eq(res.warnings[1], "299 - \"second\"");
    ck_assert_ptr_null(res.warnings[2]);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(body_over_the_limit_fails_with_limit)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_big});
    fo_err err;
    fo_http_client_opts o = {.max_response_bytes = 100};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = fo_rawsrv_url(s, "/big");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                     FO_ELIMIT);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "100 bytes"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(silent_server_times_out)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_never});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/slow");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 200, &res, &err),
                     FO_ETIMEOUT);
    ck_assert_int_eq(res.status, 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(refused_connection_is_unavailable_and_marked_unsent)
{
    int port = fo_test_free_port();
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "http://127.0.0.1:%d/x", port), 0);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "POST", u, NULL, 0, "{}", 2, 0, &res, &err),
                     FO_EUNAVAIL);
    ck_assert_str_eq(err.reason, "ConnectFailed");
    ck_assert_ptr_nonnull(strstr(err.message, "POST "));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
}
END_TEST

START_TEST(connection_dropped_mid_body_is_unavailable)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_truncated});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/cut");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                     FO_EUNAVAIL);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(err.reason, "");
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

struct collect {
    int status;
    int status_calls;
    bool status_before_body;
    fo_strbuf got;
    int chunks;
    int stop_after; /* chunks; 0 = never */
    bool set_flag;  /* instead of returning false, raise the stop flag */
    atomic_int flag;
    long long content_length; /* from the head */
    long retry_after_s;
    bool refuse_head; /* on_status returns false: no body wanted */
};

static bool on_status(void *ctx, const fo_http_head *head)
{
    struct collect *c = ctx;
    c->status = head->status;
    c->content_length = head->content_length;
    c->retry_after_s = head->retry_after_s;
    c->status_calls++;
    c->status_before_body = c->got.len == 0;
    return !c->refuse_head;
}

static bool on_chunk(void *ctx, const char *data, size_t len)
{
    struct collect *c = ctx;
    fo_strbuf_append(&c->got, data, len);
    c->chunks++;
    if (c->stop_after && c->chunks >= c->stop_after) {
        if (c->set_flag) {
            c->flag = 1;
            return true;
        }
        return false;
    }
    return true;
}

START_TEST(stream_tells_status_first_then_delivers_every_byte)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_stream});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w?watch=true");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(col.status, 200);
    ck_assert_int_eq(col.status_calls, 1);
    ck_assert(col.status_before_body);
    ck_assert_str_eq(col.got.data, "{\"a\":1}\n{\"b\":2}\n");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(stream_head_tells_length_and_retry_after_and_may_refuse_the_body)
{
    /* Content-Length and Retry-After come with the status; a chunked answer has no length. */
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_throttled});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(col.status, 429);
    ck_assert_int_eq(col.content_length, 2);
    ck_assert_int_eq(col.retry_after_s, 7);
    ck_assert_str_eq(col.got.data, "{}");
    /* Refusing the head ends the transfer before any body, without an error. */
    struct collect no = {.refuse_head = true};
    fo_strbuf_init(&no.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &no, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(no.status_calls, 1);
    ck_assert_int_eq(no.chunks, 0);
    free(u);
    fo_rawsrv_stop(s);
    s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_stream});
    u = fo_rawsrv_url(s, "/w");
    struct collect chunked = {0};
    fo_strbuf_init(&chunked.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &chunked, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(chunked.content_length, -1);
    ck_assert_int_eq(chunked.retry_after_s, -1);
    fo_strbuf_release(&col.got);
    fo_strbuf_release(&no.got);
    fo_strbuf_release(&chunked.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

/* GET /hop: a redirect that itself says Retry-After: 50, to /final: a 503 without one (or, for
 * /huge, a Retry-After no client should honour). */
static bool reply_retry_after_hops(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)ctx;
    if (strncmp(r->head, "GET /hop ", 9) == 0) {
        char *loc = fo_rawsrv_url(s, "/final");
        char buf[512];
        snprintf(buf, sizeof buf,
                 "HTTP/1.1 302 Found\r\nLocation: %s\r\nRetry-After: 50\r\n"
                 "Content-Length: 0\r\n\r\n",
                 loc);
        free(loc);
        fo_rawsrv_send_str(fd, buf);
    } else if (strncmp(r->head, "GET /huge ", 10) == 0) {
        fo_rawsrv_send_str(fd, "HTTP/1.1 503 Service Unavailable\r\n"
                               "Retry-After: 9223372036854775807\r\nContent-Length: 0\r\n\r\n");
    } else {
        fo_rawsrv_send_str(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    }
    return true;
}

START_TEST(stream_head_retry_after_is_the_final_answers_and_at_most_a_day)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_retry_after_hops});
    fo_err err;
    fo_http_client *c = fo_http_client_new(&(fo_http_client_opts){.max_redirects = 2}, &err);
    char *u = fo_rawsrv_url(s, "/hop");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(col.status, 503);
    ck_assert_int_eq(col.retry_after_s, -1); /* the redirect's 50 is not the 503's */
    free(u);
    u = fo_rawsrv_url(s, "/huge");
    struct collect huge = {0};
    fo_strbuf_init(&huge.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &huge, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(huge.retry_after_s, FO_HTTP_RETRY_AFTER_MAX_S);
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.retry_after_s, FO_HTTP_RETRY_AFTER_MAX_S);
    fo_http_result_release(&res);
    fo_strbuf_release(&col.got);
    fo_strbuf_release(&huge.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(stream_ends_ok_when_the_callback_says_stop)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_stream_forever});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct collect col = {.stop_after = 1};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_str_eq(col.got.data, "{}");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(stream_stop_flag_ends_with_shutdown)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_stream_forever});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct collect col = {.stop_after = 1, .set_flag = true};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, &col.flag, &err),
                     FO_ESHUTDOWN);
    ck_assert_str_eq(col.got.data, "{}");
    /* An already raised flag does not even connect. */
    int before = fo_rawsrv_accepts(s);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, &col.flag, &err),
                     FO_ESHUTDOWN);
    ck_assert_int_eq(fo_rawsrv_accepts(s), before);
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(stream_timeout_ends_with_timeout)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_stream_forever});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 300, on_status, on_chunk, &col, NULL, &err),
                     FO_ETIMEOUT);
    ck_assert_str_eq(col.got.data, "{}");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(stream_delivers_error_bodies_with_their_status)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_gone});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(col.status, 410);
    ck_assert_str_eq(col.got.data, "{\"code\":410}\n\r\n");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(query_escape_keeps_only_unreserved_characters)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    ck_assert_int_eq(fo_http_query_escape(&sb, "app in (a b),tier!=x/y~_.-Z9"), FO_OK);
    ck_assert_str_eq(sb.data, "app%20in%20%28a%20b%29%2Ctier%21%3Dx%2Fy~_.-Z9");
    fo_strbuf_reset(&sb);
    ck_assert_int_eq(fo_http_query_escape(&sb, "\xc3\xa9&="), FO_OK);
    ck_assert_str_eq(sb.data, "%C3%A9%26%3D");
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(header_values_with_line_breaks_are_refused)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_json});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/x");
    fo_http_header h[] = {{"Authorization", "Bearer abc\r\nX-Evil: 1"}};
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, h, 1, NULL, 0, 0, &res, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "Authorization"));
    ck_assert_ptr_null(strstr(err.message, "abc"));
    ck_assert_int_eq(fo_rawsrv_requests(s), 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(half_a_client_certificate_is_refused)
{
    fo_err err;
    fo_http_client_opts o = {.client_cert_pem = "-----BEGIN CERTIFICATE-----\n"};
    ck_assert_ptr_null(fo_http_client_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
}
END_TEST

struct worker_arg {
    fo_http_client *c;
    const char *url;
    int ok;
};

static void *worker(void *arg)
{
    struct worker_arg *a = arg;
    for (int i = 0; i < 40; i++) {
        fo_http_result res;
        fo_err err;
        if (fo_http_client_request(a->c, "GET", a->url, NULL, 0, NULL, 0, 0, &res, &err) == FO_OK &&
            res.status == 200 && strcmp(res.body.data, "{\"a\":\"xyz\"}") == 0)
            a->ok++;
        fo_http_result_release(&res);
    }
    return NULL;
}

START_TEST(one_client_serves_many_threads)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_json});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/x");
    pthread_t th[8];
    struct worker_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (struct worker_arg){.c = c, .url = u};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(args[i].ok, 40);
    }
    ck_assert_int_eq(fo_rawsrv_requests(s), 320);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_client");
    TCase *tc = tcase_create("http_client");
    tcase_add_test(tc, get_returns_status_body_and_content_type);
    tcase_add_test(tc, write_verbs_send_their_body_and_content_type);
    tcase_add_test(tc, sequential_requests_reuse_one_connection);
    tcase_add_test(tc, error_statuses_are_responses_with_retry_after_and_warnings);
    tcase_add_test(tc, body_over_the_limit_fails_with_limit);
    tcase_add_test(tc, silent_server_times_out);
    tcase_add_test(tc, refused_connection_is_unavailable_and_marked_unsent);
    tcase_add_test(tc, connection_dropped_mid_body_is_unavailable);
    tcase_add_test(tc, stream_tells_status_first_then_delivers_every_byte);
    tcase_add_test(tc, stream_head_tells_length_and_retry_after_and_may_refuse_the_body);
    tcase_add_test(tc, stream_head_retry_after_is_the_final_answers_and_at_most_a_day);
    tcase_add_test(tc, stream_ends_ok_when_the_callback_says_stop);
    tcase_add_test(tc, stream_stop_flag_ends_with_shutdown);
    tcase_add_test(tc, stream_timeout_ends_with_timeout);
    tcase_add_test(tc, stream_delivers_error_bodies_with_their_status);
    tcase_add_test(tc, query_escape_keeps_only_unreserved_characters);
    tcase_add_test(tc, header_values_with_line_breaks_are_refused);
    tcase_add_test(tc, half_a_client_certificate_is_refused);
    tcase_add_test(tc, one_client_serves_many_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
