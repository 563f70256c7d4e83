/* flinkop-webhook as a real process, spoken to byte by byte over TLS: the HTTP framings a
 * client may use (chunked bodies, Expect: 100-continue, HTTP/1.0, pipelined requests, a body
 * exactly at the limit and one byte over), the reviews the API server sends for requests the
 * webhook does not judge (subresources, DELETE with only oldObject, CONNECT, options, dryRun,
 * requestKind), JSON no API server writes (a BOM, invalid UTF-8, deep nesting, numbers out of
 * range, duplicate keys), and /metrics read by promtool. What the API server sends is
 * ../shared/specs/admission-review-v1.md; the framings are RFC 9112's. Nothing asserts on
 * time. */
#include <check.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/exposition.h"
#include "tests/support/testutil.h"
#include "tests/support/webhookproc.h"
#include "webhook/admission.h"

/* ---- a TLS client that sends exactly the bytes it is given ---- */

typedef struct wire {
    int fd;
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
} wire;

static void wire_open(wire *c, const fo_test_webhook *w)
{
    c->fd = fo_test_connect(w->port);
    ck_assert_int_ge(c->fd, 0);
    gnutls_certificate_allocate_credentials(&c->cred);
    gnutls_certificate_set_x509_trust_file(c->cred, w->ca->ca_cert, GNUTLS_X509_FMT_PEM);
    gnutls_init(&c->s, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->s);
    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->cred);
    gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_session_set_verify_cert(c->s, "localhost", 0);
    gnutls_transport_set_int(c->s, c->fd);
    gnutls_handshake_set_timeout(c->s, 20000);
    gnutls_record_set_timeout(c->s, 20000);
    int ret;
    do {
        ret = gnutls_handshake(c->s);
    } while (ret < 0 && !gnutls_error_is_fatal(ret));
    ck_assert_msg(ret == 0, "handshake: %s", gnutls_strerror(ret));
}

static void wire_send(wire *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = gnutls_record_send(c->s, data, len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        ck_assert_msg(n > 0, "send: %s", gnutls_strerror((int)n));
        data += n;
        len -= (size_t)n;
    }
}

/* Read into out until the server closes (true) or until out holds `until` (when not NULL;
 * false). A read that times out fails the test. */
static bool wire_read(wire *c, fo_strbuf *out, const char *until)
{
    char buf[16384];
    for (;;) {
        if (until && out->data && strstr(out->data, until))
            return false;
        ssize_t n = gnutls_record_recv(c->s, buf, sizeof buf);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
            return true;
        ck_assert_msg(n > 0, "recv: %s (read so far: %s)", gnutls_strerror((int)n),
                      out->data ? out->data : "");
        fo_strbuf_append(out, buf, (size_t)n);
    }
}

static void wire_close(wire *c)
{
    gnutls_deinit(c->s);
    gnutls_certificate_free_credentials(c->cred);
    close(c->fd);
}

/* One answer of a stream of them: its status, and its body parsed (NULL when not JSON).
 * *at moves past it. Only Content-Length framing: the webhook sends nothing else. */
static long next_answer(const char **at, json_t **json)
{
    *json = NULL;
    const char *p = *at;
    ck_assert_msg(strncmp(p, "HTTP/1.", 7) == 0, "no status line at: %.80s", p);
    long status = strtol(p + 9, NULL, 10);
    const char *end = strstr(p, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    const char *cl = strcasestr(p, "\r\nContent-Length:");
    size_t len = 0;
    if (cl && cl < end)
        len = strtoul(cl + strlen("\r\nContent-Length:"), NULL, 10);
    end += 4;
    *json = json_loadb(end, len, 0, NULL);
    *at = end + len;
    return status;
}

static char *request(const char *method, const char *path, const char *version, const char *headers,
                     const char *body)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "%s %s %s\r\nHost: localhost\r\n%s", method, path, version, headers);
    if (body)
        fo_strbuf_printf(&sb, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                         strlen(body), body);
    else
        fo_strbuf_puts(&sb, "\r\n");
    return fo_strbuf_take(&sb);
}

/* The spec's example review with another uid, as compact JSON. */
static char *review_with_uid(const char *uid)
{
    char *t = fo_test_review_text(NULL);
    json_t *d = json_loads(t, 0, NULL);
    free(t);
    json_object_set_new(json_object_get(d, "request"), "uid", json_string(uid));
    t = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return t;
}

static void expect_allowed(long status, json_t *json, const char *uid)
{
    ck_assert_msg(status == 200, "status %ld", status);
    ck_assert_ptr_nonnull(json);
    ck_assert_str_eq(fo_json_get_str(json, "response.uid"), uid);
    ck_assert(json_is_true(fo_json_get(json, "response.allowed")));
}

START_TEST(every_framing_a_client_may_use_gets_its_answer)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *body = review_with_uid("00000000-0000-4000-8000-000000000001");
    size_t len = strlen(body), half = len / 2;
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    wire c;
    json_t *j;
    long st;

    /* chunked, in two chunks, one with an extension, and a trailer (RFC 9112 section 7.1) */
    fo_strbuf req;
    fo_strbuf_init(&req, 0);
    fo_strbuf_printf(&req,
                     "POST /validate?timeout=5s HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                     "%zx;note=first\r\n%.*s\r\n%zx\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n",
                     half, (int)half, body, len - half, body + half);
    wire_open(&c, &w);
    wire_send(&c, req.data, req.len);
    ck_assert(wire_read(&c, &out, NULL));
    wire_close(&c);
    const char *at = out.data;
    st = next_answer(&at, &j);
    expect_allowed(st, j, "00000000-0000-4000-8000-000000000001");
    json_decref(j);

    /* Expect: 100-continue: the interim answer, then the body, then the real answer */
    fo_strbuf_reset(&req);
    fo_strbuf_printf(&req,
                     "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\nExpect: 100-continue\r\n"
                     "Connection: close\r\n\r\n",
                     len);
    fo_strbuf_reset(&out);
    wire_open(&c, &w);
    wire_send(&c, req.data, req.len);
    ck_assert(!wire_read(&c, &out, "\r\n\r\n"));
    ck_assert_msg(strncmp(out.data, "HTTP/1.1 100 ", 13) == 0, "%s", out.data);
    wire_send(&c, body, len);
    ck_assert(wire_read(&c, &out, NULL));
    wire_close(&c);
    at = strstr(out.data, "\r\n\r\n") + 4;
    st = next_answer(&at, &j);
    expect_allowed(st, j, "00000000-0000-4000-8000-000000000001");
    json_decref(j);

    /* HTTP/1.0 (no keep-alive asked): answered, then the connection is closed */
    char *r10 = request("POST", "/validate", "HTTP/1.0", "", body);
    fo_strbuf_reset(&out);
    wire_open(&c, &w);
    wire_send(&c, r10, strlen(r10));
    ck_assert(wire_read(&c, &out, NULL));
    wire_close(&c);
    at = out.data;
    st = next_answer(&at, &j);
    expect_allowed(st, j, "00000000-0000-4000-8000-000000000001");
    json_decref(j);
    ck_assert_str_eq(at, "");
    free(r10);

    /* pipelined: three requests in one write, answered in order on the one connection */
    char *b2 = review_with_uid("00000000-0000-4000-8000-000000000002");
    char *p1 = request("POST", "/validate", "HTTP/1.1", "", body);
    char *p2 = request("POST", "/mutate", "HTTP/1.1", "", b2);
    char *p3 = request("GET", "/healthz", "HTTP/1.1", "Connection: close\r\n", NULL);
    fo_strbuf_reset(&req);
    fo_strbuf_printf(&req, "%s%s%s", p1, p2, p3);
    fo_strbuf_reset(&out);
    wire_open(&c, &w);
    wire_send(&c, req.data, req.len);
    ck_assert(wire_read(&c, &out, NULL));
    wire_close(&c);
    at = out.data;
    st = next_answer(&at, &j);
    expect_allowed(st, j, "00000000-0000-4000-8000-000000000001");
    ck_assert_ptr_null(fo_json_get(j, "response.patch"));
    json_decref(j);
    st = next_answer(&at, &j);
    expect_allowed(st, j, "00000000-0000-4000-8000-000000000002");
    ck_assert_ptr_nonnull(fo_json_get(j, "response.patch")); /* /mutate's defaults */
    json_decref(j);
    ck_assert_int_eq(next_answer(&at, &j), 200);
    json_decref(j);
    ck_assert_str_eq(at, "");
    free(p1);
    free(p2);
    free(p3);
    free(b2);
    fo_strbuf_release(&req);
    fo_strbuf_release(&out);
    free(body);
    fo_test_webhook_stop(&w);
}
END_TEST

START_TEST(a_body_at_the_limit_is_read_and_one_byte_more_is_413)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *t = review_with_uid("00000000-0000-4000-8000-000000000003");
    size_t n = strlen(t);
    /* JSON allows whitespace after the value: the review padded to the limit */
    char *big = malloc(FO_ADMISSION_MAX_BODY + 1);
    memcpy(big, t, n);
    memset(big + n, ' ', FO_ADMISSION_MAX_BODY + 1 - n);
    fo_test_webhook_reply r;
    fo_test_webhook_send(&w, "POST", "/validate", big, FO_ADMISSION_MAX_BODY, "application/json",
                         &r);
    ck_assert_msg(r.cc == CURLE_OK, "curl: %s", curl_easy_strerror(r.cc));
    expect_allowed(r.status, r.json, "00000000-0000-4000-8000-000000000003");
    fo_test_webhook_reply_release(&r);
    fo_test_webhook_expect_error(&w, "POST", "/validate", big, FO_ADMISSION_MAX_BODY + 1,
                                 "application/json", 413, "too large");
    free(big);
    free(t);
    fo_test_webhook_stop(&w);
}
END_TEST

/* ---- reviews of requests the webhook does not judge ---- */

static json_t *g_review; /* the spec's example review, edited by each case */

static json_t *req_of(json_t *d)
{
    return json_object_get(d, "request");
}

/* An object the validating webhook refuses (spec.job.parallelism -1). */
static void make_invalid(json_t *d)
{
    json_object_set_new(fo_json_get(req_of(d), "object.spec.job"), "parallelism", json_integer(-1));
}

static void status_update(json_t *d)
{
    make_invalid(d);
    json_t *r = req_of(d);
    json_object_set_new(r, "operation", json_string("UPDATE"));
    json_object_set_new(r, "subResource", json_string("status"));
    json_object_set_new(r, "requestSubResource", json_string("status"));
    json_object_set(r, "oldObject", json_object_get(r, "object"));
    json_object_set_new(
        r, "options",
        json_pack("{s:s, s:s}", "apiVersion", "meta.k8s.io/v1", "kind", "UpdateOptions"));
}

/* kubectl scale: the subresource's own kind, autoscaling/v1 Scale (spec section 2). */
static void scale_update(json_t *d)
{
    json_t *r = req_of(d);
    json_t *scale = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}}", "apiVersion", "autoscaling/v1",
                              "kind", "Scale", "metadata", "name", "basic-example", "namespace",
                              "flink-jobs", "spec", "replicas", 0);
    json_t *gvk =
        json_pack("{s:s, s:s, s:s}", "group", "autoscaling", "version", "v1", "kind", "Scale");
    json_object_set_new(r, "operation", json_string("UPDATE"));
    json_object_set_new(r, "subResource", json_string("scale"));
    json_object_set(r, "kind", gvk);
    json_object_set_new(r, "requestKind", gvk);
    json_object_set(r, "object", scale);
    json_object_set_new(r, "oldObject", scale);
}

static void delete_with_old_object(json_t *d)
{
    make_invalid(d);
    json_t *r = req_of(d);
    json_object_set_new(r, "operation", json_string("DELETE"));
    json_object_set(r, "oldObject", json_object_get(r, "object"));
    json_object_set_new(r, "object", json_null());
    json_object_set_new(r, "options",
                        json_pack("{s:s, s:s, s:s, s:i}", "apiVersion", "meta.k8s.io/v1", "kind",
                                  "DeleteOptions", "propagationPolicy", "Foreground",
                                  "gracePeriodSeconds", 0));
}

static void delete_without_object_member(json_t *d)
{
    delete_with_old_object(d);
    json_object_del(req_of(d), "object");
}

static void connect_request(json_t *d)
{
    json_t *r = req_of(d);
    json_object_set_new(r, "operation", json_string("CONNECT"));
    json_object_set_new(r, "object", json_null());
    json_object_set_new(r, "oldObject", json_null());
    json_object_set_new(r, "options",
                        json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "PodProxyOptions"));
}

static json_t *answer(fo_test_webhook *w, const char *path, void (*edit)(json_t *))
{
    json_t *d = json_deep_copy(g_review);
    edit(d);
    fo_test_webhook_reply r;
    json_t *resp = json_incref(fo_test_admit(w, path, d, &r));
    fo_test_webhook_reply_release(&r);
    json_decref(d);
    return resp;
}

static void expect_untouched(fo_test_webhook *w, void (*edit)(json_t *), const char *what)
{
    static const char *const routes[] = {"/validate", "/mutate"};
    for (int i = 0; i < 2; i++) {
        json_t *resp = answer(w, routes[i], edit);
        ck_assert_msg(json_is_true(json_object_get(resp, "allowed")), "%s on %s: not allowed", what,
                      routes[i]);
        ck_assert_msg(!json_object_get(resp, "patch") && !json_object_get(resp, "patchType") &&
                          !json_object_get(resp, "status"),
                      "%s on %s: more than an allow", what, routes[i]);
        json_decref(resp);
    }
}

static void dry_run_invalid(json_t *d)
{
    make_invalid(d);
    json_object_set_new(req_of(d), "dryRun", json_true());
    json_object_set_new(req_of(d), "options",
                        json_pack("{s:s, s:s, s:[s]}", "apiVersion", "meta.k8s.io/v1", "kind",
                                  "CreateOptions", "dryRun", "All"));
}

/* matchPolicy Equivalent: a client's request of another version, converted to v1beta1. */
static void converted_invalid(json_t *d)
{
    make_invalid(d);
    json_object_set_new(req_of(d), "requestKind",
                        json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version",
                                  "v1beta2", "kind", "FlinkDeployment"));
    json_object_set_new(req_of(d), "requestResource",
                        json_pack("{s:s, s:s, s:s}", "group", "flink.apache.org", "version",
                                  "v1beta2", "resource", "flinkdeployments"));
}

static void expect_parallelism_denied(fo_test_webhook *w, void (*edit)(json_t *))
{
    json_t *resp = answer(w, "/validate", edit);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    ck_assert_int_eq(json_integer_value(fo_json_get(resp, "status.code")), 422);
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(resp, "status.message"), "spec.job.parallelism"));
    json_decref(resp);
}

START_TEST(reviews_of_what_the_webhook_does_not_judge_are_allowed_untouched)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *t = fo_test_review_text(NULL);
    g_review = json_loads(t, 0, NULL);
    free(t);
    /* status writes carry the spec the controller cannot change; scale writes the Scale */
    expect_untouched(&w, status_update, "an UPDATE of /status");
    expect_untouched(&w, scale_update, "an UPDATE of /scale");
    /* DELETE: object null (or left out), the stored object in oldObject, DeleteOptions */
    expect_untouched(&w, delete_with_old_object, "a DELETE");
    expect_untouched(&w, delete_without_object_member, "a DELETE without object");
    expect_untouched(&w, connect_request, "a CONNECT");
    /* what is judged is judged the same for a dry run and for a converted request */
    expect_parallelism_denied(&w, make_invalid);
    expect_parallelism_denied(&w, dry_run_invalid);
    expect_parallelism_denied(&w, converted_invalid);
    json_decref(g_review);
    fo_test_webhook_stop(&w);
}
END_TEST

/* ---- JSON no API server writes ---- */

/* The example review with its text edited: `from` (first occurrence) replaced by `to`. */
static char *review_replacing(const char *from, const char *to)
{
    char *t = fo_test_review_text(NULL);
    char *at = strstr(t, from);
    ck_assert_ptr_nonnull(at);
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_append(&sb, t, (size_t)(at - t));
    fo_strbuf_puts(&sb, to);
    fo_strbuf_puts(&sb, at + strlen(from));
    free(t);
    return fo_strbuf_take(&sb);
}

static void expect_malformed(fo_test_webhook *w, const char *body, size_t len, const char *what)
{
    fo_test_webhook_reply r;
    fo_test_webhook_send(w, "POST", "/validate", body, len, "application/json", &r);
    ck_assert_msg(r.status == 400, "%s: status %ld", what, r.status);
    const char *msg = fo_json_str(r.json, "message");
    ck_assert_msg(msg && strstr(msg, "malformed JSON") && strstr(msg, "line 1, column"),
                  "%s: message %s", what, msg ? msg : r.body.data);
    fo_test_webhook_reply_release(&r);
}

static json_t *admit_text(fo_test_webhook *w, const char *text)
{
    fo_test_webhook_reply r;
    fo_test_webhook_send(w, "POST", "/validate", text, strlen(text), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    json_t *resp = json_incref(json_object_get(r.json, "response"));
    ck_assert_ptr_nonnull(resp);
    fo_test_webhook_reply_release(&r);
    return resp;
}

START_TEST(json_no_api_server_writes_is_refused_or_read_as_go_reads_it)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *t = fo_test_review_text(NULL);
    /* RFC 8259 section 8.1: no byte order mark; Go's encoder writes none */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "\xEF\xBB\xBF");
    fo_strbuf_puts(&sb, t);
    expect_malformed(&w, sb.data, sb.len, "a byte order mark");
    fo_strbuf_release(&sb);
    /* invalid UTF-8 (Go's encoder writes U+FFFD instead) */
    char *bad = review_replacing("basic-example", "basic-\xFF\xFE");
    expect_malformed(&w, bad, strlen(bad), "invalid UTF-8");
    free(bad);
    /* nesting far past any object's: refused, no stack overflow */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 32);
    char *p = deep;
    p += sprintf(p, "\"deep\":");
    memset(p, '[', depth);
    memset(p + depth, ']', depth);
    strcpy(p + 2 * depth, ",\"image\":");
    bad = review_replacing("\"image\":", deep);
    expect_malformed(&w, bad, strlen(bad), "100000 nested arrays");
    free(bad);
    free(deep);
    /* a number no float64 holds (Go cannot have decoded it) */
    bad = review_replacing("\"parallelism\":2", "\"parallelism\":1e400");
    expect_malformed(&w, bad, strlen(bad), "1e400");
    free(bad);
    /* an integer past 32 bits where the schema says int32: a denial naming the field */
    bad = review_replacing("\"parallelism\":2", "\"parallelism\":99999999999999999999999");
    json_t *resp = admit_text(&w, bad);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(resp, "status.message"), "spec.job.parallelism"));
    json_decref(resp);
    free(bad);
    /* duplicate keys: the last one counts, as in Go's encoding/json */
    bad = review_replacing("\"uid\":\"", "\"uid\":\"first\",\"uid\":\"");
    resp = admit_text(&w, bad);
    ck_assert_str_eq(fo_json_str(resp, "uid"), "7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b");
    json_decref(resp);
    free(bad);
    bad = review_replacing("\"parallelism\":2", "\"parallelism\":2,\"parallelism\":-5");
    resp = admit_text(&w, bad);
    ck_assert(json_is_false(json_object_get(resp, "allowed")));
    json_decref(resp);
    free(bad);
    bad = review_replacing("\"parallelism\":2", "\"parallelism\":-5,\"parallelism\":2");
    resp = admit_text(&w, bad);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_decref(resp);
    free(bad);
    /* still serving */
    resp = admit_text(&w, t);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    json_decref(resp);
    free(t);
    fo_test_webhook_stop(&w);
}
END_TEST

/* The format and promtool's lint on every machine (tests/support/exposition), and promtool
 * itself where it is installed (Debian package prometheus). */
START_TEST(metrics_pass_promtool)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    /* one of each verdict and a patch, so every family has samples */
    char *t = fo_test_review_text(NULL);
    fo_test_webhook_reply r;
    fo_test_webhook_send(&w, "POST", "/mutate", t, strlen(t), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_webhook_reply_release(&r);
    char *bad = review_replacing("\"parallelism\":2", "\"parallelism\":-1");
    fo_test_webhook_send(&w, "POST", "/validate", bad, strlen(bad), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_webhook_reply_release(&r);
    fo_test_webhook_expect_error(&w, "POST", "/validate", "{", 1, "application/json", 400,
                                 "malformed");
    fo_test_webhook_expect_error(&w, "GET", "/nope", NULL, 0, NULL, 404, "no route");
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    ck_assert_int_eq(fo_test_webhook_get(&w, "/metrics", w.ca->ca_cert, &body), 200);
    char why[512];
    ck_assert_msg(fo_test_exposition_check(body.data, why, sizeof why), "%s", why);
    if (access("/usr/bin/promtool", X_OK) != 0) {
        fo_strbuf_release(&body);
        free(bad);
        free(t);
        fo_test_webhook_stop(&w);
        return;
    }
    char file[600], out[620], cmd[1400];
    snprintf(file, sizeof file, "%s/metrics.txt", w.dir);
    snprintf(out, sizeof out, "%s.out", file);
    fo_test_write_file(file, body.data);
    snprintf(cmd, sizeof cmd, "/usr/bin/promtool check metrics < %s > %s 2>&1", file, out);
    int rc = system(cmd);
    char *said = fo_test_read_text(out);
    ck_assert_msg(rc == 0, "promtool check metrics: %s", said);
    free(said);
    fo_strbuf_release(&body);
    free(bad);
    free(t);
    fo_test_webhook_stop(&w);
}
END_TEST

int main(void)
{
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    gnutls_global_init();
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("webhook_wire");
    TCase *tc = tcase_create("webhook_wire");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_framing_a_client_may_use_gets_its_answer);
    tcase_add_test(tc, a_body_at_the_limit_is_read_and_one_byte_more_is_413);
    tcase_add_test(tc, reviews_of_what_the_webhook_does_not_judge_are_allowed_untouched);
    tcase_add_test(tc, json_no_api_server_writes_is_refused_or_read_as_go_reads_it);
    tcase_add_test(tc, metrics_pass_promtool);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    gnutls_global_deinit();
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
