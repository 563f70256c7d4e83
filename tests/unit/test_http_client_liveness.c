/* How http_client notices a peer that is gone or silent: the TCP options every connection's
 * socket carries (read back from the kernel with getsockopt on the client's own socket), a
 * stream's idle limit, and a stream its caller no longer wants. Against tests/support/rawsrv,
 * which can go silent while holding a connection open. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/strbuf.h"
#include "tests/support/rawsrv.h"
#include "tests/support/testutil.h"

/* ---- replies ---- */

/* A chunked answer with one chunk, then silence on an open connection. */
static bool reply_then_silence(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    fo_rawsrv_send_str(fd, "2\r\n{}\r\n");
    fo_rawsrv_hold(s, fd);
    return true;
}

/* A chunk every 100 ms for a second, then the end. */
static bool reply_trickle(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 10; i++) {
        fo_test_sleep_ms(100);
        if (!fo_rawsrv_send_str(fd, "1\r\nx\r\n"))
            return false;
    }
    fo_rawsrv_send_str(fd, "0\r\n\r\n");
    return true;
}

static bool reply_small(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx)
{
    (void)s;
    (void)r;
    (void)ctx;
    fo_rawsrv_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    return true;
}

/* ---- the client's sockets ---- */

typedef struct tcp_opts {
    int found; /* client sockets to the port */
    int keepalive, idle_s, interval_s, probes;
    unsigned int user_timeout_ms;
} tcp_opts;

/* The options of this process's sockets connected to 127.0.0.1:port: the client's ends of its
 * connections (the server's ends have the client's port as their peer). Each must agree with
 * the first; *out has the first's. */
static void read_client_sockets(int port, tcp_opts *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        struct stat st;
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
            getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 || peer.sin_family != AF_INET ||
            ntohs(peer.sin_port) != port || peer.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
            continue;
        tcp_opts o = {0};
        socklen_t len = sizeof(int);
        ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &o.keepalive, &len), 0);
        len = sizeof(int);
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o.idle_s, &len), 0);
        len = sizeof(int);
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o.interval_s, &len), 0);
        len = sizeof(int);
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o.probes, &len), 0);
        len = sizeof(unsigned int);
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &o.user_timeout_ms, &len),
                         0);
        if (out->found == 0) {
            *out = o;
        } else {
            ck_assert_int_eq(o.keepalive, out->keepalive);
            ck_assert_int_eq(o.idle_s, out->idle_s);
            ck_assert_int_eq(o.interval_s, out->interval_s);
            ck_assert_int_eq(o.probes, out->probes);
            ck_assert_uint_eq(o.user_timeout_ms, out->user_timeout_ms);
        }
        out->found++;
    }
    closedir(d);
}

/* What http_client.h promises: a peer silent for 15 s is probed, 3 probes 5 s apart, and the
 * connection fails 30 s after the peer's last byte; data unacknowledged for 30 s fails it too.
 * That is within client-go's 45 s (a ping after 30 s without a frame, 15 s for its answer:
 * k8s.io/apimachinery pkg/util/net/http.go), where the kernel's defaults under libcurl's
 * options gave 30 + 9 * 10 s and about 15 minutes. */
static void assert_gives_up_in_30_s(const tcp_opts *o)
{
    ck_assert_msg(o->found > 0, "no client socket to the server was found");
    ck_assert_msg(o->keepalive, "SO_KEEPALIVE is off");
    ck_assert_int_eq(o->idle_s, 15);
    ck_assert_int_eq(o->interval_s, 5);
    ck_assert_int_eq(o->probes, 3);
    ck_assert_uint_eq(o->user_timeout_ms, 30000);
    ck_assert_int_le((o->idle_s + o->interval_s * o->probes) * 1000, 45000);
}

struct stream_probe {
    int port;
    tcp_opts seen;
    fo_strbuf got;
    int wanted_calls;
    int wanted_until; /* still_wanted answers true this many times */
};

/* Read the socket options while the stream's connection is open, then end the stream. */
static bool probe_chunk(void *ctx, const char *data, size_t len)
{
    struct stream_probe *p = ctx;
    fo_strbuf_append(&p->got, data, len);
    read_client_sockets(p->port, &p->seen);
    return false;
}

static bool keep_chunk(void *ctx, const char *data, size_t len)
{
    struct stream_probe *p = ctx;
    fo_strbuf_append(&p->got, data, len);
    return true;
}

static bool wanted_a_while(void *ctx)
{
    struct stream_probe *p = ctx;
    return ++p->wanted_calls <= p->wanted_until;
}

/* ---- tests ---- */

START_TEST(every_connection_gives_up_a_silent_dead_peer_within_30_s)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_then_silence});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    ck_assert_ptr_nonnull(c);
    char *u = fo_rawsrv_url(s, "/w?watch=true");
    struct stream_probe p = {.port = fo_rawsrv_port(s)};
    fo_strbuf_init(&p.got, 0);
    ck_assert_int_eq(fo_http_stream(c, u, NULL, 0, 0, NULL, probe_chunk, &p, NULL, &err), FO_OK);
    ck_assert_str_eq(p.got.data, "{}");
    assert_gives_up_in_30_s(&p.seen);
    free(u);
    fo_rawsrv_stop(s);

    /* A plain request's connection, kept in the pool after its answer. */
    s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_small});
    u = fo_rawsrv_url(s, "/x");
    fo_http_result res;
    ck_assert_int_eq(fo_http_client_request(c, "GET", u, NULL, 0, NULL, 0, 0, &res, &err), FO_OK);
    ck_assert_int_eq(res.status, 200);
    fo_http_result_release(&res);
    tcp_opts pooled;
    read_client_sockets(fo_rawsrv_port(s), &pooled);
    assert_gives_up_in_30_s(&pooled);
    fo_strbuf_release(&p.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(a_stream_that_hears_nothing_ends_at_its_idle_limit)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_then_silence});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct stream_probe p = {0};
    fo_strbuf_init(&p.got, 0);
    fo_http_stream_opts o = {.idle_timeout_ms = 400, .on_chunk = keep_chunk, .ctx = &p};
    int64_t t0 = fo_clock_real_mono_ns();
    ck_assert_int_eq(fo_http_stream_with(c, u, NULL, 0, &o, &err), FO_ETIMEOUT);
    int64_t took_ms = (fo_clock_real_mono_ns() - t0) / 1000000;
    ck_assert_str_eq(err.reason, "Idle");
    ck_assert_str_eq(p.got.data, "{}");
    ck_assert_int_ge(took_ms, 400);
    ck_assert_msg(took_ms < 5000, "took %lld ms", (long long)took_ms);
    free(u);
    fo_rawsrv_stop(s);

    /* The limit is on silence, not on the stream's length: one that keeps sending goes on. */
    s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_trickle});
    u = fo_rawsrv_url(s, "/w");
    fo_strbuf_reset(&p.got);
    ck_assert_msg(fo_http_stream_with(c, u, NULL, 0, &o, &err) == FO_OK, "%s", err.message);
    ck_assert_str_eq(p.got.data, "xxxxxxxxxx");
    fo_strbuf_release(&p.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

START_TEST(a_stream_no_longer_wanted_ends_as_if_the_server_closed_it)
{
    fo_rawsrv *s = fo_rawsrv_start(&(fo_rawsrv_opts){.reply = reply_then_silence});
    fo_err err;
    fo_http_client *c = fo_http_client_new(NULL, &err);
    char *u = fo_rawsrv_url(s, "/w");
    struct stream_probe p = {.wanted_until = 5};
    fo_strbuf_init(&p.got, 0);
    fo_http_stream_opts o = {.on_chunk = keep_chunk, .still_wanted = wanted_a_while, .ctx = &p};
    ck_assert_int_eq(fo_http_stream_with(c, u, NULL, 0, &o, &err), FO_OK);
    ck_assert_int_eq(p.wanted_calls, 6);
    fo_strbuf_release(&p.got);
    free(u);
    fo_http_client_free(c);
    fo_rawsrv_stop(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_client_liveness");
    TCase *tc = tcase_create("http_client_liveness");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, every_connection_gives_up_a_silent_dead_peer_within_30_s);
    tcase_add_test(tc, a_stream_that_hears_nothing_ends_at_its_idle_limit);
    tcase_add_test(tc, a_stream_no_longer_wanted_ends_as_if_the_server_closed_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
