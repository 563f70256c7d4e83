/* common/httpd over plain HTTP with libcurl: round trips and query decoding, chunked streaming
 * in both thread models, concurrency, slow clients, graceful stop. What a request may hold and
 * for how long is test_httpd_bounds's; TLS and certificate rotation are in test_certwatch. */
#include "tests/unit/httpd_fixture.h"

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

/* RFC 9110 section 15.5.6: a 405 carries an Allow header listing the methods the resource
 * takes; section 9.1: methods are case-sensitive, so "get" is not GET. */
START_TEST(a_method_the_resource_does_not_take_is_405_with_allow)
{
    fo_httpd *srv = start(1, 0);
    char *u = url(srv, false, "/read-only");
    static const char *const refused[] = {"POST", "DELETE", "get", "GE", "HEADER"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        fo_test_reply r;
        fo_test_perform(&(fo_test_request){.method = refused[i], .url = u}, &r);
        ck_assert_msg(r.status == 405, "%s: %ld", refused[i], r.status);
        ck_assert_msg(fo_test_has_header(&r, "\nAllow: GET,  HEAD\r\n"), "%s: %s", refused[i],
                      r.headers.data);
        ck_assert_msg(strstr(r.body.data, refused[i]), "%s", r.body.data);
        fo_test_reply_release(&r);
    }
    static const char *const taken[] = {"GET", "HEAD"};
    for (size_t i = 0; i < 2; i++) {
        fo_test_reply r;
        fo_test_perform(&(fo_test_request){.method = taken[i], .url = u}, &r);
        ck_assert_msg(r.status == 200, "%s: %ld", taken[i], r.status);
        ck_assert(!fo_test_has_header(&r, "\nAllow:"));
        fo_test_reply_release(&r);
    }
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
/* ---- streaming ---- */

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
    httpd_fixture_init();
    Suite *s = suite_create("httpd");
    TCase *tc = tcase_create("plain");
    tcase_add_test(tc, plain_round_trip_in_pool_mode_keeps_path_raw_and_decodes_query);
    tcase_add_test(tc, plain_round_trip_in_thread_per_connection_mode);
    tcase_add_test(tc, absent_query_parameter_and_header_are_null);
    tcase_add_test(tc, a_method_the_resource_does_not_take_is_405_with_allow);
    tcase_add_test(tc, post_body_arrives_whole_and_terminated);
    tcase_add_test(tc, blocking_stream_in_thread_per_connection_mode_is_chunked_and_ordered);
    tcase_add_test(tc, stream_that_is_sometimes_empty_completes_in_pool_mode);
    tcase_add_test(tc, stopping_the_server_ends_an_open_stream_and_frees_it);
    tcase_add_test(tc, new_connections_are_spread_over_the_pool_threads);
    tcase_add_test(tc, a_handler_that_blocks_holds_only_its_own_pool_thread);
    tcase_add_test(tc, thread_per_connection_serves_requests_in_parallel);
    tcase_add_test(tc, a_slow_client_does_not_block_a_single_threaded_server);
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
