/* common/httpd's bounds on what a request may hold and for how long: the body limit (413), the
 * bound on bodies and answers held at once (429, freed as handlers return), bodies counted by
 * the pages that arrived, the idle timeout and the request timeout. */
#include "tests/unit/httpd_fixture.h"

/* ---- the body limit ---- */

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

/* ---- bodies held at once ---- */

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

/* ---- timeouts and what a slow body holds ---- */

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

/* A server for clients that send at once: a 1 s request timeout, 30 s idle; max_conns 0 is
 * the default. */
static fo_httpd *start_timed(unsigned threads, unsigned max_conns)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = threads,
                       .max_connections = max_conns, .connection_timeout_s = 30,
                       .request_timeout_s = 1, .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    return srv;
}

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
    fo_httpd *srv = start_timed(1, 0);
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

/* Everything sent on a fresh connection, then what the server answered until it hung up. */
static void exchange(int port, const char *text, char *out, size_t cap)
{
    int fd = fo_test_connect(port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t used = 0;
    ssize_t n;
    while (used + 1 < cap && (n = read(fd, out + used, cap - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close(fd);
}

/* Headers trickling in a byte at a time never let MHD's idle timeout run out: the watchdog
 * cuts them at the request timeout, counted from the request line. */
START_TEST(headers_that_trickle_are_cut_at_the_request_timeout)
{
    fo_httpd *srv = start_timed(2, 0);
    int fd = fo_test_connect(fo_httpd_port(srv));
    const char *line = "GET /teapot HTTP/1.1\r\nHost: a\r\n";
    ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
    int64_t t0 = fo_clock_mono_ms(fo_clock_real());
    bool cut = false;
    for (int i = 0; i < 60 && !cut; i++) { /* "X: y" forever, a byte every 200 ms */
        fo_test_sleep_ms(200);
        cut = send(fd, "x", 1, MSG_NOSIGNAL) != 1;
    }
    ck_assert(cut || hung_up(fd));
    ck_assert_int_lt(fo_clock_mono_ms(fo_clock_real()) - t0, 6000);
    close(fd);
    fo_httpd_stop(srv);
}
END_TEST

/* While three quarters of the places are taken, a connection idle past the request timeout
 * makes room: 8 kept-alive connections fill a server of 8, and a ninth client is answered
 * within seconds, not after the 30 s idle timeout. */
START_TEST(idle_connections_make_room_when_the_server_is_crowded)
{
    fo_httpd *srv = start_timed(2, 8);
    int port = fo_httpd_port(srv);
    const char *get = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    char buf[1024];
    int kept[8];
    for (int i = 0; i < 8; i++) {
        kept[i] = fo_test_connect(port);
        ck_assert_int_eq(write(kept[i], get, strlen(get)), (ssize_t)strlen(get));
        ck_assert_int_gt(read(kept[i], buf, sizeof buf), 12);
    }
    int64_t t0 = fo_clock_mono_ms(fo_clock_real());
    char out[1024];
    exchange(port, "GET /teapot HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", out,
             sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 418", 12) == 0, "%s", out);
    ck_assert_int_lt(fo_clock_mono_ms(fo_clock_real()) - t0, 10000);
    for (int i = 0; i < 8; i++)
        close(kept[i]);
    fo_httpd_stop(srv);
}
END_TEST

/* Every place held by connections that never send anything (or sit idle), and the request
 * timeout long: a client that sends at once is still answered at once, in the place of the
 * connection that waited longest, not after those time out (20 s here). */
START_TEST(a_newcomer_takes_the_place_of_the_longest_waiting_connection)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = 2, .max_connections = 8,
                       .connection_timeout_s = 30, .request_timeout_s = 20, .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    int port = fo_httpd_port(srv);
    int silent[8];
    for (int i = 0; i < 8; i++) {
        silent[i] = fo_test_connect(port);
        ck_assert_int_ge(silent[i], 0);
    }
    for (int i = 0; i < 100 && fo_httpd_connections(srv) < 8; i++)
        fo_test_sleep_ms(20);
    ck_assert_uint_eq(fo_httpd_connections(srv), 8);
    fo_test_sleep_ms(1200); /* older than a newcomer's grace */
    int fd = fo_test_connect(port);
    ck_assert_int_ge(fd, 0);
    const char *get = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    ck_assert_int_eq(write(fd, get, strlen(get)), (ssize_t)strlen(get));
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    ck_assert_int_gt(n, 12);
    buf[n] = '\0';
    ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 418"));
    ck_assert_uint_le(fo_httpd_connections(srv), 8);
    /* one silent connection went (hung up: read 0); the others still hold their places */
    int gone = 0;
    struct timeval none = {0, 100000};
    for (int i = 0; i < 8; i++) {
        setsockopt(silent[i], SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
        gone += read(silent[i], buf, sizeof buf) == 0;
    }
    ck_assert_int_eq(gone, 1);
    close(fd);
    for (int i = 0; i < 8; i++)
        close(silent[i]);
    fo_httpd_stop(srv);
}
END_TEST

/* How many of n sockets the server hung up on (read 0 within 100 ms). */
static int hung_up_count(const int *fds, int n)
{
    int gone = 0;
    char buf[64];
    struct timeval tv = {0, 100000};
    for (int i = 0; i < n; i++) {
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        gone += read(fds[i], buf, sizeof buf) == 0;
    }
    return gone;
}

/* Making room takes one connection at a time, and silent ones before a client's idle
 * keep-alive connection (which it may be about to use): while the only thread is inside a
 * handler (it cannot close what was shut down), one newcomer does not cost every waiting
 * connection its place. */
START_TEST(room_is_made_one_connection_at_a_time_and_keep_alive_goes_last)
{
    fo_err err;
    fo_err_clear(&err);
    fo_httpd_opts o = {.bind_addr = "127.0.0.1", .threads = 1, .max_connections = 6,
                       .connection_timeout_s = 30, .request_timeout_s = 20, .handler = handler};
    fo_httpd *srv = fo_httpd_start(&o, &err);
    ck_assert_msg(srv != NULL, "%s", err.message);
    int port = fo_httpd_port(srv);
    /* two keep-alive clients answered once, three silent ones, one request held at the gate */
    const char *get = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    char buf[1024];
    int kept[2], silent[3];
    for (int i = 0; i < 2; i++) {
        kept[i] = fo_test_connect(port);
        ck_assert_int_eq(write(kept[i], get, strlen(get)), (ssize_t)strlen(get));
        ck_assert_int_gt(read(kept[i], buf, sizeof buf), 12);
    }
    for (int i = 0; i < 3; i++)
        silent[i] = fo_test_connect(port);
    gate_reset(0, true);
    int held = fo_test_connect(port);
    const char *to_gate = "GET /gate HTTP/1.1\r\nHost: a\r\n\r\n";
    ck_assert_int_eq(write(held, to_gate, strlen(to_gate)), (ssize_t)strlen(to_gate));
    ck_assert(gate_wait_inside(1));
    fo_test_sleep_ms(1200);
    int fd = fo_test_connect(port); /* the newcomer */
    ck_assert_int_eq(write(fd, get, strlen(get)), (ssize_t)strlen(get));
    fo_test_sleep_ms(1500);
    gate_open();
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    ck_assert_int_gt(n, 12);
    buf[n] = '\0';
    ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 418"));
    ck_assert_int_eq(hung_up_count(silent, 3), 1);
    ck_assert_int_eq(hung_up_count(kept, 2), 0);
    close(fd);
    close(held);
    for (int i = 0; i < 3; i++)
        close(silent[i]);
    for (int i = 0; i < 2; i++)
        close(kept[i]);
    fo_httpd_stop(srv);
}
END_TEST

/* A body whose end is ambiguous is refused before it is read, and nothing in it is taken for
 * another request (two Content-Length headers: MHD takes the first, and a proxy in front
 * might take the other). */
START_TEST(ambiguous_framing_is_refused_and_nothing_is_smuggled)
{
    fo_httpd *srv = start(2, 1024);
    int port = fo_httpd_port(srv);
    char out[4096];
    exchange(port,
             "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n"
             "abcdeGET /teapot HTTP/1.1\r\nHost: a\r\n\r\n",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "more than one Content-Length header"));
    ck_assert_ptr_null(strstr(out, "418"));
    exchange(port,
             "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
             "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "both Content-Length and Transfer-Encoding"));
    exchange(port,
             "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxyz", out,
             sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 501", 12) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "transfer codings other than chunked"));
    /* RFC 9112 section 5.1: whitespace before the colon is refused. MHD takes
     * "Content-Length " for another header, reads no body and then the body as the next
     * request, where a proxy in front may have framed it by that length. */
    static const char *const spaced[] = {"Content-Length : 33", "Transfer-Encoding\t: chunked",
                                         "X-Other : 1\r\nContent-Length: 33"};
    for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "POST /echo HTTP/1.1\r\nHost: a\r\n%s\r\n\r\n"
                 "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n",
                 spaced[i]);
        exchange(port, req, out, sizeof out);
        ck_assert_msg(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s: %s", spaced[i], out);
        ck_assert_msg(strstr(out, "whitespace before the colon of a header"), "%s: %s",
                      spaced[i], out);
        ck_assert_msg(!strstr(out, "418"), "%s: smuggled: %s", spaced[i], out);
    }
    /* the control: one Content-Length, and chunked alone, are read as usual */
    exchange(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close"
                   "\r\n\r\nabcde",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 200", 12) == 0, "%s", out);
    exchange(port, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n"
                   "Connection: close\r\n\r\n5\r\nabcde\r\n0\r\n\r\n",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 200", 12) == 0, "%s", out);
    fo_httpd_stop(srv);
}
END_TEST

/* RFC 9110 section 5.1: a field name is a token. MHD keeps "Content-Length\v" (any byte but
 * space and tab before the colon) as a header of its own, reads no body and then the body as
 * the next request; a proxy in front that takes vertical tab or form feed for whitespace
 * framed it by that length. A name that is no token is refused before a byte of the body. */
START_TEST(a_header_name_that_is_no_token_is_refused_and_nothing_is_smuggled)
{
    fo_httpd *srv = start(2, 1024);
    int port = fo_httpd_port(srv);
    char out[4096];
    static const char *const names[] = {"Content-Length\v", "Content-Length\f",
                                        "Content\x7fLength", "X-\xc3\xa9"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "POST /echo HTTP/1.1\r\nHost: a\r\n%s: 33\r\n\r\n"
                 "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n",
                 names[i]);
        exchange(port, req, out, sizeof out);
        ck_assert_msg(strncmp(out, "HTTP/1.1 400", 12) == 0, "name %zu: %s", i, out);
        ck_assert_msg(!strstr(out, "418"), "name %zu: smuggled: %s", i, out);
    }
    /* every tchar is a name */
    exchange(port,
             "GET /echo HTTP/1.1\r\nHost: a\r\nX-!#$%&'*+-.^_`|~09azAZ: 1\r\n"
             "Connection: close\r\n\r\n",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 200", 12) == 0, "%s", out);
    fo_httpd_stop(srv);
}
END_TEST

/* Send all of text on fd (false when the connection failed first). */
static bool send_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* A client that sends a body past the limit at once, without waiting for 100 Continue (as curl
 * does without Expect, and Go's client always): it can send all of it and then reads its 413.
 * Refused before a byte was read, the connection was closed with the body unread, which resets
 * it: the client failed sending and never saw the answer. One that waits for 100 Continue is
 * refused at once, without it. */
START_TEST(a_body_announced_past_the_limit_is_drained_before_its_413)
{
    fo_httpd *srv = start(2, 1024);
    int port = fo_httpd_port(srv);
    refused_reset();
    size_t len = 24u * 1024 * 1024; /* past what the sockets' buffers hold */
    char *req = malloc(len + 200);
    int head = snprintf(req, 200, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n",
                        len);
    memset(req + head, 'x', len);
    int fd = fo_test_connect(port);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ck_assert_msg(send_all(fd, req, (size_t)head + len), "the body could not be sent whole");
    char out[2048];
    ssize_t n = recv(fd, out, sizeof out - 1, 0);
    ck_assert_int_gt(n, 0);
    out[n] = '\0';
    ck_assert_msg(strncmp(out, "HTTP/1.1 413", 12) == 0, "%s", out);
    close(fd);
    free(req);
    pthread_mutex_lock(&g_refused.mu);
    ck_assert_int_eq(g_refused.n413, 1);
    pthread_mutex_unlock(&g_refused.mu);

    char out2[4096];
    exchange(port,
             "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n"
             "Expect: 100-continue\r\n\r\n",
             out2, sizeof out2);
    ck_assert_msg(strncmp(out2, "HTTP/1.1 413", 12) == 0, "%s", out2);
    ck_assert_ptr_null(strstr(out2, "100 Continue"));
    fo_httpd_stop(srv);
}
END_TEST

/* The status the refused callback was last told, once it is told one (the server tells it
 * after the answer has been sent: waited for), or 0. */
static int refused_status_told(void)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&g_refused.mu);
        int last = g_refused.last;
        pthread_mutex_unlock(&g_refused.mu);
        if (last)
            return last;
        fo_test_sleep_ms(5);
    }
    return 0;
}

/* Requests libmicrohttpd answers itself, before the handler sees their headers (a
 * Content-Length it cannot read, one past what it can hold), reach the refused callback too:
 * the webhook logs and counts every request through it. */
START_TEST(requests_the_library_refuses_itself_are_told_too)
{
    fo_httpd *srv = start(2, 1024);
    int port = fo_httpd_port(srv);
    char out[4096];
    refused_reset();
    exchange(port, "POST /gate HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\nabc", out,
             sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
    ck_assert_int_eq(refused_status_told(), 400);
    pthread_mutex_lock(&g_refused.mu);
    ck_assert_str_eq(g_refused.path, "/gate");
    pthread_mutex_unlock(&g_refused.mu);
    refused_reset();
    exchange(port,
             "POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
             out, sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 413", 12) == 0, "%s", out);
    ck_assert_int_eq(refused_status_told(), 413);
    /* a request the handler answered is not told */
    refused_reset();
    exchange(port, "GET /teapot HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", out,
             sizeof out);
    ck_assert_msg(strncmp(out, "HTTP/1.1 418", 12) == 0, "%s", out);
    fo_test_sleep_ms(100);
    pthread_mutex_lock(&g_refused.mu);
    int told = g_refused.last;
    pthread_mutex_unlock(&g_refused.mu);
    ck_assert_int_eq(told, 0);
    fo_httpd_stop(srv);
}
END_TEST

/* More connections at once than the server takes (40 silent ones where 8 fit): the rest wait
 * in the listening socket's backlog, never more than 8 are held, the silent ones are dropped
 * after the request timeout, a request behind them is answered, and the server stops. Handing
 * libmicrohttpd 0.9.75 a connection past its limit locked its thread for good
 * (common/httpd_server.c). */
START_TEST(a_burst_past_the_connection_limit_waits_and_the_server_recovers)
{
    fo_httpd *srv = start_timed(2, 8);
    int port = fo_httpd_port(srv);
    int silent[40];
    for (int i = 0; i < 40; i++) {
        silent[i] = fo_test_connect(port);
        ck_assert_int_ge(silent[i], 0);
    }
    int fd = fo_test_connect(port);
    ck_assert_int_ge(fd, 0);
    const char *get = "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n";
    ck_assert_int_eq(write(fd, get, strlen(get)), (ssize_t)strlen(get));
    /* 40 silent ones, 8 dropped a second: about 5 s; the connections held are sampled while
     * the answer is awaited */
    struct timeval tick = {0, 100000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    char buf[1024];
    unsigned most = 0;
    ssize_t n = -1;
    int64_t deadline = fo_clock_mono_ms(fo_clock_real()) + 30000;
    while (fo_clock_mono_ms(fo_clock_real()) < deadline) {
        unsigned now = fo_httpd_connections(srv);
        most = now > most ? now : most;
        n = read(fd, buf, sizeof buf - 1);
        if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            break;
    }
    ck_assert_int_gt(n, 12);
    buf[n] = '\0';
    ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 418"));
    ck_assert_uint_le(most, 8);
    close(fd);
    for (int i = 0; i < 40; i++)
        close(silent[i]);
    fo_httpd_stop(srv);
}
END_TEST

int main(void)
{
    httpd_fixture_init();
    Suite *s = suite_create("httpd_bounds");
    TCase *tc = tcase_create("bounds");
    tcase_add_test(tc, body_over_the_limit_gets_413_with_a_json_message);
    tcase_add_test(tc, bodies_past_the_servers_bound_get_429_and_the_bound_frees_as_handlers_return);
    tcase_add_test(tc, a_request_not_read_within_the_request_timeout_is_cut_and_idle_keep_alive_is_not);
    tcase_add_test(tc, a_large_body_counts_the_pages_that_arrived_not_what_it_announced);
    tcase_add_test(tc, an_idle_connection_is_closed_after_the_timeout);
    tcase_add_test(tc, a_burst_past_the_connection_limit_waits_and_the_server_recovers);
    tcase_add_test(tc, ambiguous_framing_is_refused_and_nothing_is_smuggled);
    tcase_add_test(tc, a_header_name_that_is_no_token_is_refused_and_nothing_is_smuggled);
    tcase_add_test(tc, requests_the_library_refuses_itself_are_told_too);
    tcase_add_test(tc, a_body_announced_past_the_limit_is_drained_before_its_413);
    tcase_add_test(tc, a_newcomer_takes_the_place_of_the_longest_waiting_connection);
    tcase_add_test(tc, room_is_made_one_connection_at_a_time_and_keep_alive_goes_last);
    tcase_add_test(tc, headers_that_trickle_are_cut_at_the_request_timeout);
    tcase_add_test(tc, idle_connections_make_room_when_the_server_is_crowded);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
