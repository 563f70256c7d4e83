/* http_client against a scripted raw-socket server (so tests control every byte, drops and
 * stalls included), redirects (plain, and from an HTTPS server of common/httpd), AWS SigV4,
 * and how libcurl is loaded (dlopen on first use; tried in a child process of this suite). */
#include <arpa/inet.h>
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/http_client.h"
#include "common/httpd.h"
#include "common/strbuf.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

/* ---- a scripted server: one thread per connection, keep-alive ---- */

struct req {
    char head[8192]; /* request line + headers */
    char body[65536];
    size_t body_len;
};

struct srv;
typedef void (*reply_fn)(struct srv *s, int fd, const struct req *r);

#define MAX_CONNS 64

struct srv {
    int lfd, port;
    pthread_t acceptor;
    atomic_int stop;
    atomic_int accepts;
    atomic_int requests;
    reply_fn reply;
    pthread_mutex_t mu;
    struct req last; /* copy of the last request */
    pthread_t conns[MAX_CONNS];
    int conn_fds[MAX_CONNS];
    int nconns;
};

struct conn_arg {
    struct srv *s;
    int fd;
};

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

/* Read one request; false when the peer closed or sent garbage. */
static bool read_request(int fd, struct req *r, char *carry, size_t *carry_len)
{
    memset(r, 0, sizeof *r);
    size_t len = *carry_len;
    char buf[sizeof r->head + sizeof r->body];
    memcpy(buf, carry, len);
    char *end = NULL;
    for (;;) {
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end)
            break;
        if (len >= sizeof r->head - 1)
            return false;
        ssize_t n = recv(fd, buf + len, sizeof r->head - 1 - len, 0);
        if (n <= 0)
            return false;
        len += (size_t)n;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    memcpy(r->head, buf, head_len);
    r->head[head_len] = '\0';
    size_t clen = 0;
    const char *cl = strcasestr(r->head, "\r\ncontent-length:");
    if (cl)
        clen = strtoul(cl + 17, NULL, 10);
    if (clen >= sizeof r->body)
        return false;
    while (len - head_len < clen) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            return false;
        len += (size_t)n;
    }
    memcpy(r->body, buf + head_len, clen);
    r->body_len = clen;
    *carry_len = len - head_len - clen;
    memmove(carry, buf + head_len + clen, *carry_len);
    return true;
}

static void *conn_main(void *arg)
{
    struct conn_arg *a = arg;
    struct srv *s = a->s;
    int fd = a->fd;
    free(a);
    char *carry = malloc(sizeof(struct req));
    size_t carry_len = 0;
    struct req *r = malloc(sizeof *r);
    while (!atomic_load(&s->stop) && read_request(fd, r, carry, &carry_len)) {
        atomic_fetch_add(&s->requests, 1);
        pthread_mutex_lock(&s->mu);
        s->last = *r;
        pthread_mutex_unlock(&s->mu);
        s->reply(s, fd, r);
    }
    free(r);
    free(carry);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct srv *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&s->accepts, 1);
        pthread_mutex_lock(&s->mu);
        if (s->nconns == MAX_CONNS) {
            pthread_mutex_unlock(&s->mu);
            close(fd);
            continue;
        }
        struct conn_arg *a = malloc(sizeof *a);
        a->s = s;
        a->fd = fd;
        s->conn_fds[s->nconns] = fd;
        pthread_create(&s->conns[s->nconns++], NULL, conn_main, a);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

static struct srv *srv_start(reply_fn reply)
{
    struct srv *s = calloc(1, sizeof *s);
    s->reply = reply;
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(s->lfd, 64), 0);
    socklen_t sl = sizeof sa;
    getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
    s->port = ntohs(sa.sin_port);
    pthread_create(&s->acceptor, NULL, accept_main, s);
    return s;
}

static void srv_stop(struct srv *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->acceptor, NULL);
    for (int i = 0; i < s->nconns; i++)
        shutdown(s->conn_fds[i], SHUT_RDWR);
    for (int i = 0; i < s->nconns; i++) {
        pthread_join(s->conns[i], NULL);
        close(s->conn_fds[i]);
    }
    close(s->lfd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static char *url(struct srv *s, const char *path)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "http://127.0.0.1:%d%s", s->port, path), 0);
    return u;
}

/* Wait (bounded) until a stalled connection's peer goes away; used by replies that must not
 * answer. */
static void hold_until_stop(struct srv *s, int fd)
{
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            char b[256];
            if (recv(fd, b, sizeof b, 0) <= 0)
                return;
        }
    }
}

/* ---- replies ---- */

static void reply_json(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: 11\r\n\r\n{\"a\":\"xyz\"}");
}

static void reply_echo(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
             r->body_len);
    send_str(fd, head);
    send_all(fd, r->body, r->body_len);
}

static void reply_throttled(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    send_str(fd, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                 "Retry-After: 7\r\nWarning: 299 - \"first\"\r\nWarning: 299 - \"second\"\r\n"
                 "Content-Length: 2\r\n\r\n{}");
}

static void reply_big(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    char body[1000];
    memset(body, 'x', sizeof body);
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    send_all(fd, body, sizeof body);
}

static void reply_never(struct srv *s, int fd, const struct req *r)
{
    (void)r;
    hold_until_stop(s, fd);
}

static void reply_truncated(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    shutdown(fd, SHUT_RDWR);
}

static void reply_stream(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n");
    send_str(fd, "6\r\n{\"a\":1\r\n");
    send_str(fd, "3\r\n}\n{\r\n");
    send_str(fd, "7\r\n\"b\":2}\n\r\n");
    send_str(fd, "0\r\n\r\n");
}

static void reply_stream_forever(struct srv *s, int fd, const struct req *r)
{
    (void)r;
    send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    send_str(fd, "2\r\n{}\r\n");
    hold_until_stop(s, fd);
}

static void reply_gone(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    (void)r;
    send_str(fd, "HTTP/1.1 410 Gone\r\nContent-Type: application/json\r\n"
                 "Content-Length: 15\r\n\r\n{\"code\":410}\n\r\n");
}

/* GET /hop/N answers 302 to /hop/N-1 (a relative Location, RFC 9110 section 10.2.2), and
 * /hop/0 answers 200 "landed". */
static void reply_hops(struct srv *s, int fd, const struct req *r)
{
    (void)s;
    int n = 0;
    if (sscanf(r->head, "GET /hop/%d ", &n) != 1 || n <= 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: 6\r\n\r\nlanded");
        return;
    }
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 302 Found\r\nLocation: /hop/%d\r\nContent-Length: 0\r\n\r\n", n - 1);
    send_str(fd, head);
}

/* ---- tests ---- */

START_TEST(get_returns_status_body_and_content_type)
{
    struct srv *s = srv_start(reply_json);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    ck_assert_ptr_nonnull(c);
    char *u = url(s, "/api/v1/pods?limit=5");
    fo_http_header h[] = {{"Accept", "application/json"}};
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, h, 1, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "{\"a\":\"xyz\"}");
    ck_assert_str_eq(res.content_type, "application/json");
    ck_assert_int_eq(res.retry_after_s, -1);
    ck_assert_ptr_null(res.warnings);
    ck_assert(strncmp(s->last.head, "GET /api/v1/pods?limit=5 HTTP/1.1\r\n", 35) == 0);
    ck_assert_ptr_nonnull(strstr(s->last.head, "\r\nAccept: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(s->last.head, "\r\nUser-Agent: flinkop\r\n"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(write_verbs_send_their_body_and_content_type)
{
    struct srv *s = srv_start(reply_echo);
    fo_err err;
    fo_http_client_opts o = {.user_agent = "flinkop-test/1"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = url(s, "/x");
    fo_http_result res;
    const char *body = "{\"k\":\"v\"}";
    ck_assert_int_eq(
        fo_http_client_request(c, "POST", u, NULL, 0, body, strlen(body), 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 201);
    ck_assert_str_eq(res.body.data, body);
    ck_assert(strncmp(s->last.head, "POST /x HTTP/1.1", 16) == 0);
    ck_assert_ptr_nonnull(strstr(s->last.head, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(s->last.head, "\r\nUser-Agent: flinkop-test/1\r\n"));
    ck_assert_ptr_null(strcasestr(s->last.head, "Expect:"));
    fo_http_result_release(&res);

    fo_http_header h[] = {{"Content-Type", "application/merge-patch+json"}};
    ck_assert_int_eq(fo_http_client_request(c, "PATCH", u, h, 1, body, strlen(body), 0, &res, &err),
                     FO_OK);
    ck_assert(strncmp(s->last.head, "PATCH /x HTTP/1.1", 17) == 0);
    ck_assert_ptr_nonnull(
        strstr(s->last.head, "\r\nContent-Type: application/merge-patch+json\r\n"));
    ck_assert_ptr_null(strstr(s->last.head, "application/json"));
    ck_assert_str_eq(s->last.body, body);
    fo_http_result_release(&res);

    /* DELETE carries DeleteOptions in its body. */
    const char *opts = "{\"propagationPolicy\":\"Foreground\"}";
    ck_assert_int_eq(
        fo_http_client_request(c, "DELETE", u, NULL, 0, opts, strlen(opts), 0, &res, &err), FO_OK);
    ck_assert(strncmp(s->last.head, "DELETE /x HTTP/1.1", 18) == 0);
    ck_assert_str_eq(s->last.body, opts);
    fo_http_result_release(&res);

    /* A PUT without a body still says Content-Length: 0. */
    ck_assert_int_eq(fo_http_client_request(c, "PUT", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_ptr_nonnull(strcasestr(s->last.head, "\r\nContent-Length: 0\r\n"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(sequential_requests_reuse_one_connection)
{
    struct srv *s = srv_start(reply_json);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/a");
    for (int i = 0; i < 5; i++) {
        fo_http_result res;
        ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                         FO_OK);
        fo_http_result_release(&res);
    }
    ck_assert_int_eq(atomic_load(&s->requests), 5);
    ck_assert_int_eq(atomic_load(&s->accepts), 1);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(error_statuses_are_responses_with_retry_after_and_warnings)
{
    struct srv *s = srv_start(reply_throttled);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/t");
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
    srv_stop(s);
}
END_TEST

START_TEST(body_over_the_limit_fails_with_limit)
{
    struct srv *s = srv_start(reply_big);
    fo_err err;
    fo_http_client_opts o = {.max_response_bytes = 100};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = url(s, "/big");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                     FO_ELIMIT);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "100 bytes"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(silent_server_times_out)
{
    struct srv *s = srv_start(reply_never);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/slow");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 200, &res, &err),
                     FO_ETIMEOUT);
    ck_assert_int_eq(res.status, 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
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
    struct srv *s = srv_start(reply_truncated);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/cut");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err),
                     FO_EUNAVAIL);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(err.reason, "");
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
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
    volatile int flag;
};

static void on_status(void *ctx, int status)
{
    struct collect *c = ctx;
    c->status = status;
    c->status_calls++;
    c->status_before_body = c->got.len == 0;
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
    struct srv *s = srv_start(reply_stream);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/w?watch=true");
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
    srv_stop(s);
}
END_TEST

START_TEST(stream_ends_ok_when_the_callback_says_stop)
{
    struct srv *s = srv_start(reply_stream_forever);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/w");
    struct collect col = {.stop_after = 1};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_str_eq(col.got.data, "{}");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(stream_stop_flag_ends_with_shutdown)
{
    struct srv *s = srv_start(reply_stream_forever);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/w");
    struct collect col = {.stop_after = 1, .set_flag = true};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, &col.flag, &err),
                     FO_ESHUTDOWN);
    ck_assert_str_eq(col.got.data, "{}");
    /* An already raised flag does not even connect. */
    int before = atomic_load(&s->accepts);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, &col.flag, &err),
                     FO_ESHUTDOWN);
    ck_assert_int_eq(atomic_load(&s->accepts), before);
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(stream_timeout_ends_with_timeout)
{
    struct srv *s = srv_start(reply_stream_forever);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/w");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 300, on_status, on_chunk, &col, NULL, &err),
                     FO_ETIMEOUT);
    ck_assert_str_eq(col.got.data, "{}");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(stream_delivers_error_bodies_with_their_status)
{
    struct srv *s = srv_start(reply_gone);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/w");
    struct collect col = {0};
    fo_strbuf_init(&col.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, on_status, on_chunk, &col, NULL, &err),
                     FO_OK);
    ck_assert_int_eq(col.status, 410);
    ck_assert_str_eq(col.got.data, "{\"code\":410}\n\r\n");
    fo_strbuf_release(&col.got);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
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
    struct srv *s = srv_start(reply_json);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/x");
    fo_http_header h[] = {{"Authorization", "Bearer abc\r\nX-Evil: 1"}};
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, h, 1, NULL, 0, 0, &res, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "Authorization"));
    ck_assert_ptr_null(strstr(err.message, "abc"));
    ck_assert_int_eq(atomic_load(&s->requests), 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
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
    struct srv *s = srv_start(reply_json);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = url(s, "/x");
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
    ck_assert_int_eq(atomic_load(&s->requests), 320);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

/* ---- redirects ---- */

START_TEST(redirects_are_followed_up_to_the_limit)
{
    struct srv *s = srv_start(reply_hops);
    fo_err err;
    fo_http_client_opts o = {.max_redirects = 3};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *u = url(s, "/hop/3");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "landed");
    ck_assert_int_eq(atomic_load(&s->requests), 4);
    ck_assert(strncmp(s->last.head, "GET /hop/0 HTTP/1.1\r\n", 21) == 0);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(without_redirects_a_302_is_the_answer)
{
    struct srv *s = srv_start(reply_hops);
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err); /* max_redirects 0 */
    char *u = url(s, "/hop/1");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 302);
    ck_assert_int_eq(atomic_load(&s->requests), 1);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(a_redirect_chain_longer_than_the_limit_fails)
{
    struct srv *s = srv_start(reply_hops);
    fo_err err;
    fo_http_client_opts o = {.max_redirects = 2};
    fo_http_client *c = fo_http_client_new(&o, &err);
    char *u = url(s, "/hop/5");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_EIO);
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(err.message, u) && strstr(err.message, "more than 2 redirects"), "%s",
                  err.message);
    /* The first answer and the two redirects allowed; the third is not followed. */
    ck_assert_int_eq(atomic_load(&s->requests), 3);
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

/* An HTTPS server (common/httpd) that redirects /down to the plain server's /hop/0, /up to its
 * own /final, and answers /final with 200 "secure". */
struct tls_redirector {
    int plain_port, tls_port;
};

static void tls_redirect_handler(void *ctx, const fo_http_request *req, fo_http_response *resp)
{
    struct tls_redirector *t = ctx;
    char loc[128];
    if (strcmp(req->path, "/down") == 0) {
        snprintf(loc, sizeof loc, "http://127.0.0.1:%d/hop/0", t->plain_port);
    } else if (strcmp(req->path, "/up") == 0) {
        snprintf(loc, sizeof loc, "https://localhost:%d/final", t->tls_port);
    } else {
        fo_http_response_text(resp, 200, "text/plain", "secure");
        return;
    }
    fo_http_response_text(resp, 302, "text/plain", "");
    fo_http_response_header(resp, "Location", loc);
}

START_TEST(https_is_never_redirected_to_http)
{
    struct srv *plain = srv_start(reply_hops);
    fo_testcerts *certs = fo_testcerts_new();
    char *crt, *key;
    fo_testcerts_issue(certs, "srv", NULL, &crt, &key);
    fo_err err;
    fo_err_clear(&err);
    fo_certwatch *cw = fo_certwatch_new(crt, key, &err);
    ck_assert_msg(cw != NULL, "%s", err.message);
    struct tls_redirector t = {.plain_port = plain->port};
    fo_httpd_opts ho = {.bind_addr = "127.0.0.1",
                        .threads = 2,
                        .tls = cw,
                        .handler = tls_redirect_handler,
                        .handler_ctx = &t};
    fo_httpd *srv = fo_httpd_start(&ho, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    t.tls_port = fo_httpd_port(srv);

    fo_http_client_opts o = {.max_redirects = 3, .ca_file = certs->ca_cert};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *up = NULL, *down = NULL;
    ck_assert_int_gt(asprintf(&up, "https://localhost:%d/up", t.tls_port), 0);
    ck_assert_int_gt(asprintf(&down, "https://localhost:%d/down", t.tls_port), 0);
    fo_http_result res;
    /* https to https is followed... */
    ck_assert_int_eq(fo_http_client_request(c, "GET", up, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_str_eq(res.body.data, "secure");
    fo_http_result_release(&res);
    /* ... https to http is refused, and nothing reaches the plain server. */
    fo_rc rc = fo_http_client_request(c, "GET", down, NULL, 0, NULL, 0, 0, &res, &err);
    ck_assert_int_ne(rc, FO_OK);
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(err.message, down) && strstr(err.message, "redirect to http://127.0.0.1:"),
                  "%s", err.message);
    ck_assert_int_eq(rc, FO_EIO);
    ck_assert_int_eq(atomic_load(&plain->requests), 0);
    fo_http_result_release(&res);
    free(up);
    free(down);
    fo_http_client_free(c);
    fo_httpd_stop(srv);
    fo_certwatch_free(cw);
    free(crt);
    free(key);
    fo_testcerts_free(certs);
    srv_stop(plain);
}
END_TEST

/* ---- AWS Signature Version 4 ---- */

START_TEST(aws_sigv4_signs_every_request)
{
    struct srv *s = srv_start(reply_json);
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:eu-west-1:s3",
                             .aws_access_key_id = "AKIDEXAMPLE",
                             .aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    fo_http_client *c = fo_http_client_new(&o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    char *u = url(s, "/bucket/job.jar");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    /* Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/<service>/
     * aws4_request, SignedHeaders=..., Signature=<64 hex> (AWS SigV4 documentation). */
    const char *a = strcasestr(s->last.head, "\r\nAuthorization: AWS4-HMAC-SHA256 ");
    ck_assert_msg(a != NULL, "%s", s->last.head);
    const char *cred = strstr(a, "Credential=AKIDEXAMPLE/");
    ck_assert_ptr_nonnull(cred);
    ck_assert(strncmp(cred + 23 + 8, "/eu-west-1/s3/aws4_request,", 27) == 0);
    ck_assert_ptr_nonnull(strstr(a, "Signature="));
    ck_assert_ptr_nonnull(strcasestr(s->last.head, "\r\nX-Amz-Date: "));
    ck_assert_ptr_null(strstr(s->last.head, "wJalrXUtnFEMI"));
    fo_http_result_release(&res);
    free(u);
    fo_http_client_free(c);
    srv_stop(s);
}
END_TEST

START_TEST(aws_sigv4_without_keys_is_refused)
{
    fo_err err;
    fo_http_client_opts o = {.aws_sigv4 = "aws:amz:eu-west-1:s3", .aws_access_key_id = "AKID"};
    ck_assert_ptr_null(fo_http_client_new(&o, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
}
END_TEST

/* ---- loading libcurl ---- */

/* This suite's own binary, run as a probe (see main): it makes one client in a fresh process
 * with FLINKOP_LIBCURL set to `lib` and prints "<rc> <message>". */
static char *run_probe(const char *lib)
{
    char *self = fo_test_bin_path("tests/unit/test_http_client");
    char *dir = fo_test_mkdtemp();
    char *log = NULL;
    ck_assert_int_gt(asprintf(&log, "%s/probe.out", dir), 0);
    setenv("FO_HTTP_CLIENT_PROBE", "1", 1);
    setenv("FLINKOP_LIBCURL", lib, 1);
    char *argv[] = {self, NULL};
    pid_t pid = fo_test_spawn(argv, log);
    unsetenv("FO_HTTP_CLIENT_PROBE");
    unsetenv("FLINKOP_LIBCURL");
    ck_assert_int_gt(pid, 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probe ended with status %d", st);
    char *out = NULL;
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 0;
    ck_assert_int_gt(getline(&out, &cap, f), 0);
    fclose(f);
    free(log);
    fo_test_rmdir(dir);
    free(dir);
    free(self);
    return out;
}

static int probe_main(void)
{
    fo_err err;
    fo_err_clear(&err);
    fo_http_client *c = fo_http_client_new(NULL, &err);
    printf("%d %s\n", c ? FO_OK : (int)err.rc, c ? "ok" : err.message);
    fo_http_client_free(c);
    return 0;
}

START_TEST(a_missing_libcurl_is_a_clear_error)
{
    char *out = run_probe("libflinkop-no-such-curl.so.4");
    char want[32];
    snprintf(want, sizeof want, "%d ", (int)FO_EIO);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_msg(strstr(out, "cannot load libflinkop-no-such-curl.so.4 (from FLINKOP_LIBCURL)"),
                  "%s", out);
    ck_assert_msg(strstr(out, "cannot open shared object file"), "%s", out);
    free(out);
}
END_TEST

START_TEST(a_library_that_is_not_libcurl_is_refused)
{
    char *out = run_probe("libc.so.6");
    char want[32];
    snprintf(want, sizeof want, "%d ", (int)FO_EIO);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_msg(strstr(out, "libc.so.6 has no curl_"), "%s", out);
    free(out);
}
END_TEST

START_TEST(the_gnutls_libcurl_loads_by_its_debian_name)
{
    char *out = run_probe("libcurl-gnutls.so.4");
    ck_assert_str_eq(out, "0 ok\n");
    free(out);
}
END_TEST

/* The DT_NEEDED entries of a 64-bit ELF file (the libraries the loader maps at start), each
 * followed by a space. */
static void elf_needed(const char *path, fo_strbuf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "%s: cannot open", path);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    size_t size = (size_t)st.st_size;
    ck_assert_uint_gt(size, sizeof(Elf64_Ehdr));
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ck_assert(m != MAP_FAILED);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    ck_assert(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64);
    ck_assert_uint_le(eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr), size);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNAMIC)
            continue;
        ck_assert_uint_lt(sh[i].sh_link, eh->e_shnum);
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        ck_assert_uint_le(sh[i].sh_offset + sh[i].sh_size, size);
        ck_assert_uint_le(strs->sh_offset + strs->sh_size, size);
        const Elf64_Dyn *d = (const Elf64_Dyn *)(m + sh[i].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *d && d[k].d_tag != DT_NULL; k++) {
            if (d[k].d_tag != DT_NEEDED)
                continue;
            ck_assert_uint_lt(d[k].d_un.d_val, strs->sh_size);
            const char *name = (const char *)(m + strs->sh_offset + d[k].d_un.d_val);
            fo_strbuf_printf(out, "%s ", name);
        }
    }
    munmap((void *)m, size);
    close(fd);
}

START_TEST(programs_do_not_link_libcurl)
{
    /* Only a request loads libcurl: the webhook and the controller do not map it (nor its
     * dependency chain) at start. */
    static const char *const programs[] = {"flinkop-webhook", "flinkop-controller"};
    for (size_t i = 0; i < 2; i++) {
        char *path = fo_test_bin_path(programs[i]);
        fo_strbuf needed;
        fo_strbuf_init(&needed, 0);
        elf_needed(path, &needed);
        ck_assert_msg(needed.data && strstr(needed.data, "libc.so.6 "), "%s: NEEDED %s", path,
                      needed.data ? needed.data : "(none)");
        ck_assert_msg(!strstr(needed.data, "libcurl"), "%s: NEEDED %s", path, needed.data);
        fo_strbuf_release(&needed);
        free(path);
    }
}
END_TEST

int main(void)
{
    if (getenv("FO_HTTP_CLIENT_PROBE"))
        return probe_main();
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
    tcase_add_test(tc, stream_ends_ok_when_the_callback_says_stop);
    tcase_add_test(tc, stream_stop_flag_ends_with_shutdown);
    tcase_add_test(tc, stream_timeout_ends_with_timeout);
    tcase_add_test(tc, stream_delivers_error_bodies_with_their_status);
    tcase_add_test(tc, query_escape_keeps_only_unreserved_characters);
    tcase_add_test(tc, header_values_with_line_breaks_are_refused);
    tcase_add_test(tc, half_a_client_certificate_is_refused);
    tcase_add_test(tc, one_client_serves_many_threads);
    tcase_add_test(tc, redirects_are_followed_up_to_the_limit);
    tcase_add_test(tc, without_redirects_a_302_is_the_answer);
    tcase_add_test(tc, a_redirect_chain_longer_than_the_limit_fails);
    tcase_add_test(tc, https_is_never_redirected_to_http);
    tcase_add_test(tc, aws_sigv4_signs_every_request);
    tcase_add_test(tc, aws_sigv4_without_keys_is_refused);
    tcase_add_test(tc, a_missing_libcurl_is_a_clear_error);
    tcase_add_test(tc, a_library_that_is_not_libcurl_is_refused);
    tcase_add_test(tc, the_gnutls_libcurl_loads_by_its_debian_name);
    tcase_add_test(tc, programs_do_not_link_libcurl);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
