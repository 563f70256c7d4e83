/* Serving requests (common/httpd.h): MHD's callbacks, request bodies and the bound on what
 * they hold, handlers' answers and streams. The server's life is httpd_server.c's. */
#include "common/httpd_internal.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"

/* A chunked upload over the body limit is read and dropped up to this much, so the client
 * still gets its 413; past it the connection is cut. */
#define MAX_DISCARD_BYTES (64u * 1024 * 1024)
/* A body's first buffer at most (body_append). */
#define BODY_FIRST_BYTES (64u * 1024)
/* Bodies announced this large are read into pages mapped for them (body_append). */
#define BODY_MAPPED_BYTES (256u * 1024)
#define BODY_PAGE 4096u
/* How long one stream read may wait for its producer before MHD looks at the socket again. */
#define STREAM_WAIT_TPC_MS 1000
#define STREAM_WAIT_POOL_MS 5

/* Per request, from the URI callback (before headers) to the completion callback. */
struct req {
    fo_httpd *srv;
    char *raw_path;  /* as sent, up to '?' */
    char *body;      /* NUL-terminated once complete; NULL until the first byte */
    size_t body_len, body_cap;
    bool started;    /* the access handler saw the headers */
    bool too_big;
    bool busy;       /* its body would pass max_bodies: answered 429 */
    bool body_mapped; /* body is an mmap of body_cap bytes, not malloc'd */
    size_t held;     /* bytes of srv->bodies_held this request holds */
    int64_t start_ms; /* monotonic, at the request line (for request_timeout_s) */
    bool counted;    /* counted in srv->inflight */
    size_t content_length; /* as announced (0 when absent: chunked or no body) */
    uint64_t discarded;
    char remote[INET6_ADDRSTRLEN];
    struct slot *slot; /* the daemon serving the connection */
    struct conn *conn; /* its state for the watchdog (httpd_server.c), or NULL */
};

struct stream {
    fo_httpd *srv;
    fo_httpd_stream_fn fn;
    void *ctx;
    fo_httpd_stream_free_fn free_fn;
};

/* ---- request accessors ---- */

const char *fo_http_request_header(const fo_http_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->impl, MHD_HEADER_KIND,
                                       name);
}

const char *fo_http_request_query(const fo_http_request *req, const char *name)
{
    const char *value = NULL;
    size_t len = 0;
    /* MHD has already percent-decoded the arguments; a key without '=' has a NULL value. */
    if (MHD_lookup_connection_value_n((struct MHD_Connection *)req->impl,
                                      MHD_GET_ARGUMENT_KIND, name, strlen(name), &value,
                                      &len) != MHD_YES)
        return NULL;
    return value ? value : "";
}

/* ---- request body ---- */

/* Count n more bytes of body for r against max_bodies; false (nothing counted) past it. */
static bool hold_body(fo_httpd *srv, struct req *r, size_t n)
{
    size_t cur = atomic_load(&srv->bodies_held);
    do {
        if (srv->max_bodies && (n > srv->max_bodies || cur > srv->max_bodies - n))
            return false;
    } while (!atomic_compare_exchange_weak(&srv->bodies_held, &cur, cur + n));
    r->held += n;
    return true;
}

/* Count an answer of n bytes for r, whatever the bound: it exists already. Held until MHD has
 * sent it, so that while many large answers wait for slow readers new bodies are turned
 * away instead of adding to them. */
static void hold_answer(fo_httpd *srv, struct req *r, size_t n)
{
    atomic_fetch_add(&srv->bodies_held, n);
    r->held += n;
}

/* Free r's body and give back what it held (its answer too, once that is done). */
static void drop_body(struct req *r)
{
    if (r->body_mapped)
        munmap(r->body, r->body_cap);
    else
        free(r->body);
    r->body = NULL;
    r->body_mapped = false;
    r->body_len = r->body_cap = 0;
    atomic_fetch_sub(&r->srv->bodies_held, r->held);
    r->held = 0;
}

/* Append to the body, counting what it takes toward the server's max_bodies as it grows:
 * - announced (Content-Length, want) at BODY_MAPPED_BYTES or more: pages mapped at that size,
 *   counted page by page as they are written (untouched pages take no memory);
 * - announced smaller: the announced size at once up to BODY_FIRST_BYTES (a review of tens of
 *   KB: one allocation, no copies), else from there doubling to it, counted as allocated;
 * - chunked: from 4 KiB, doubling.
 * So a client that announces much and sends little holds at most BODY_FIRST_BYTES, counted.
 * (Sizing a heap buffer from Content-Length at once while counting only the bytes let such a
 * client take resident memory the bound did not see; doubling large ones on the heap left the
 * freed steps there.) FO_ELIMIT past max, FO_ETOOMANY past max_bodies, FO_ENOMEM. */
static fo_rc body_append(struct req *r, const char *data, size_t n, size_t want, size_t max)
{
    if (n > max - r->body_len)
        return FO_ELIMIT;
    size_t need = r->body_len + n + 1;
    if (!r->body && want && want <= max && want + 1 >= BODY_MAPPED_BYTES) {
        /* Mapped: its pages take memory as they are written, and count so, whatever a
         * client announces; no copies as it grows. */
        void *m = mmap(NULL, want + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return FO_ENOMEM;
        r->body = m;
        r->body_cap = want + 1;
        r->body_mapped = true;
    }
    if (r->body_mapped) {
        if (need > r->body_cap)
            return FO_ELIMIT; /* more than announced: MHD does not pass it on */
        size_t pages = (need + BODY_PAGE - 1) / BODY_PAGE * BODY_PAGE;
        if (pages > r->held && !hold_body(r->srv, r, pages - r->held))
            return FO_ETOOMANY;
    } else if (need > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap * 2 : want ? BODY_FIRST_BYTES : 4096;
        if (want && want <= max && cap > want + 1 && need <= want + 1)
            cap = want + 1;
        if (cap < need)
            cap = need;
        if (cap > max + 1)
            cap = max + 1;
        if (!hold_body(r->srv, r, cap - r->body_cap))
            return FO_ETOOMANY;
        char *b = realloc(r->body, cap);
        if (!b)
            return FO_ENOMEM;
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return FO_OK;
}

/* ---- in-flight accounting ---- */

static void inflight_add(fo_httpd *srv, struct req *r)
{
    pthread_mutex_lock(&srv->mu);
    srv->inflight++;
    r->counted = true;
    pthread_mutex_unlock(&srv->mu);
}

static void inflight_done(fo_httpd *srv, struct req *r)
{
    if (!r->counted)
        return;
    pthread_mutex_lock(&srv->mu);
    r->counted = false;
    if (--srv->inflight == 0)
        pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
}

/* ---- MHD callbacks ---- */

void *fo_httpd_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    fo_httpd *srv = cls;
    struct req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = srv;
    size_t n = strcspn(uri, "?");
    r->raw_path = strndup(uri, n);
    if (!r->raw_path) {
        free(r);
        return NULL;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->remote,
                  sizeof r->remote);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->remote,
                  sizeof r->remote);
    const union MHD_ConnectionInfo *sc =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->conn = sc ? sc->socket_context : NULL;
    r->slot = r->conn ? r->conn->slot : NULL;
    fo_httpd_conn_phase(srv, r->conn, CONN_HEADERS);
    if (srv->request_timeout_s) {
        r->start_ms = fo_clock_mono_ms(fo_clock_real());
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, srv->request_timeout_s);
    }
    inflight_add(srv, r);
    return r;
}

void fo_httpd_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct req *r = *con_cls;
    if (!r)
        return;
    /* Answered by MHD itself before the handler saw the headers (a Content-Length it cannot
     * read or too large to hold, headers past the connection's memory): told like the
     * server's own refusals, so that such a request too has its log line and its count. */
    if (!r->started && r->srv->refused) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (ci && ci->http_status >= 400)
            r->srv->refused(r->srv->handler_ctx, r->raw_path, (int)ci->http_status);
    }
    /* Answered: the connection waits for its next request with the idle timeout again. Only
     * then: every other code means MHD is closing the connection. */
    if (r->srv->request_timeout_s && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, r->srv->idle_timeout_s);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        fo_httpd_conn_phase(r->srv, r->conn, CONN_WAITING);
    inflight_done(r->srv, r);
    drop_body(r);
    free(r->raw_path);
    free(r);
    *con_cls = NULL;
}

void fo_httpd_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    struct slot *slot = cls;
    fo_httpd *srv = slot->srv;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* The TLS certificate callback and the requests find their slot through this. */
        const union MHD_ConnectionInfo *fdi =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = fo_httpd_conn_open(srv, slot, fdi ? fdi->connect_fd : -1);
        atomic_fetch_add(&srv->connections, 1);
        atomic_fetch_add(&slot->connections, 1);
        /* no longer queued (httpd_server.c); never below 0 (thread-per-connection mode
         * queues nothing) */
        unsigned q = atomic_load(&slot->queued);
        while (q > 0 && !atomic_compare_exchange_weak(&slot->queued, &q, q - 1)) {
        }
    } else {
        fo_httpd_conn_close(srv, *socket_context);
        *socket_context = NULL;
        atomic_fetch_sub(&srv->connections, 1);
        atomic_fetch_sub(&slot->connections, 1);
    }
}

void fo_httpd_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (!fo_log_enabled(FO_LOG_DEBUG))
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    fo_log_debug("httpd: %s", line);
}

/* Query decoding as HTML forms and Go's url.ParseQuery do it ('+' is a space, %HH a byte), so
 * a labelSelector from kubectl ("app+in+%28a%2Cb%29") arrives as written. MHD also runs this on
 * the path, but handlers get the raw path (from fo_httpd_on_uri), so '+' there stays literal.
 * A malformed escape is kept as it is. */
size_t fo_httpd_on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *out = s;
    for (const char *in = s; *in; in++) {
        if (*in == '+') {
            *out++ = ' ';
        } else if (*in == '%' && fo_hex_digit(in[1]) >= 0 && fo_hex_digit(in[2]) >= 0) {
            *out++ = (char)(fo_hex_digit(in[1]) * 16 + fo_hex_digit(in[2]));
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

/* GnuTLS asks for the certificate at every handshake: hand it the pair certwatch serves now,
 * so a rotated pair is used from the next connection on. */
int fo_httpd_on_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                     const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                     gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    (void)req_ca_dn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    struct MHD_Connection *conn = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    struct conn *c = ci ? ci->socket_context : NULL;
    fo_httpd *srv = c && c->slot ? c->slot->srv : NULL;
    if (!srv || !srv->tls)
        return -1;
    struct gnutls_pcert_st *certs = NULL;
    unsigned n = 0;
    struct gnutls_privkey_st *key = NULL;
    if (!fo_certwatch_current(srv->tls, &certs, &n, &key))
        return -1;
    *pcert = certs;
    *pcert_length = n;
    *pkey = key;
    return 0;
}

bool fo_http_request_client_cn(const fo_http_request *req, char *buf, size_t len)
{
    struct MHD_Connection *conn = req->impl;
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned status = 0, n = 0;
    if (!s || len == 0 || gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
        return false;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
    gnutls_x509_crt_t crt = NULL;
    bool ok = false;
    size_t sz = len;
    if (peers && n > 0 && gnutls_x509_crt_init(&crt) >= 0 &&
        gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &sz) >= 0)
        ok = true;
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return ok;
}

void fo_httpd_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    int64_t wait_ms = st->srv->thread_per_connection ? STREAM_WAIT_TPC_MS : STREAM_WAIT_POOL_MS;
    int64_t deadline = fo_clock_mono_ms(fo_clock_real()) + wait_ms;
    long nap = 1;
    for (;;) {
        /* A stopping server ends streams cleanly (terminating chunk) so clients see EOF. */
        if (atomic_load(&st->srv->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        ssize_t n = st->fn(st->ctx, buf, max);
        if (n == FO_HTTPD_STREAM_END)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n < 0 || (size_t)n > max)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (n > 0)
            return n;
        /* Nothing yet. MHD would call again at once (a busy loop), so wait a little here
         * before handing control back; a producer that blocks by itself never gets here. */
        if (fo_clock_mono_ms(fo_clock_real()) >= deadline)
            return 0;
        fo_httpd_sleep_ms(nap);
        if (nap < 20)
            nap *= 2;
    }
}

static void stream_free(void *cls)
{
    struct stream *st = cls;
    if (st->free_fn)
        st->free_fn(st->ctx);
    free(st);
}

/* A Kubernetes Status answer; retry_after (seconds, as text) adds a Retry-After header. */
static enum MHD_Result queue_json_error_after(struct MHD_Connection *conn, unsigned status,
                                              const char *reason, const char *message,
                                              const char *retry_after)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    /* The shape of a Kubernetes Status, so API clients show the message. */
    fo_strbuf_printf(&sb, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                          "\"status\":\"Failure\",\"message\":");
    fo_strbuf_put_json_str(&sb, message);
    fo_strbuf_printf(&sb, ",\"reason\":\"%s\",\"code\":%u}", reason, status);
    size_t len = sb.len;
    char *text = fo_strbuf_take(&sb);
    if (!text)
        return MHD_NO;
    struct MHD_Response *mr = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!mr) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (retry_after)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    enum MHD_Result ret = MHD_queue_response(conn, status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result queue_json_error(struct MHD_Connection *conn, unsigned status,
                                        const char *reason, const char *message)
{
    return queue_json_error_after(conn, status, reason, message, NULL);
}

static enum MHD_Result queue_too_big(fo_httpd *srv, struct req *r, struct MHD_Connection *conn)
{
    if (srv->refused)
        srv->refused(srv->handler_ctx, r->raw_path, 413);
    char msg[160];
    snprintf(msg, sizeof msg, "request body too large: the limit is %zu bytes", srv->max_body);
    return queue_json_error(conn, 413, "RequestEntityTooLarge", msg);
}

static enum MHD_Result queue_busy(fo_httpd *srv, struct req *r, struct MHD_Connection *conn)
{
    if (srv->refused)
        srv->refused(srv->handler_ctx, r->raw_path, 429);
    char msg[200];
    snprintf(msg, sizeof msg, "too many requests at once: the server holds at most %zu bytes "
             "of request bodies together; try again in a second", srv->max_bodies);
    return queue_json_error_after(conn, 429, "TooManyRequests", msg, "1");
}

/* What the request's headers say about its framing. */
struct framing {
    unsigned content_lengths;   /* Content-Length headers */
    const char *transfer_coding; /* the last Transfer-Encoding header, or NULL */
    unsigned transfer_codings;
    bool spaced_name;           /* a header name with whitespace in it */
    bool bad_name;              /* one with another byte no token has */
};

/* RFC 9110 section 5.6.2: tchar, the bytes of a token (a field name is one). */
static bool is_token(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(c < 0x80 && isalnum(c)) && !strchr("!#$%&'*+-.^_`|~", c))
            return false;
    }
    return true;
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct framing *f = cls;
    if (strpbrk(key, " \t"))
        f->spaced_name = true;
    else if (!is_token(key))
        f->bad_name = true;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->content_lengths++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_codings++;
        f->transfer_coding = value;
    }
    return MHD_YES;
}

/* A body whose end is ambiguous is refused before a byte of it is read (MHD then closes the
 * connection): two Content-Length headers (MHD takes the first, and the rest of the body would
 * be read as the next request: request smuggling through any proxy that takes the other),
 * Content-Length beside Transfer-Encoding, or a transfer coding other than chunked (MHD would
 * wait for a body it cannot frame). So is whitespace before a header's colon, which RFC 9112
 * section 5.1 requires a server to refuse: MHD keeps "Content-Length " as another header and
 * reads the body as the next request, where a proxy that trims the name framed it by that
 * length; and so is any other byte a token does not have (RFC 9110 section 5.1: a vertical tab
 * or form feed some proxies trim too). NULL when the framing is sound. */
static const char *framing_problem(struct MHD_Connection *conn, unsigned *status)
{
    struct framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    *status = 400;
    if (f.spaced_name)
        return "whitespace before the colon of a header (RFC 9112 section 5.1)";
    if (f.bad_name)
        return "a header name that is no token (RFC 9110 section 5.1)";
    if (f.content_lengths > 1)
        return "more than one Content-Length header";
    if (f.content_lengths && f.transfer_codings)
        return "both Content-Length and Transfer-Encoding";
    if (f.transfer_codings > 1)
        return "more than one Transfer-Encoding header";
    if (f.transfer_codings && strcasecmp(f.transfer_coding, "chunked") != 0) {
        *status = 501;
        return "transfer codings other than chunked are not supported";
    }
    return NULL;
}

/* Does the client wait for "100 Continue" before sending its body (RFC 9110 section 10.1.1)?
 * MHD answers that only to HTTP/1.1 requests. */
static bool expects_continue(struct MHD_Connection *conn, const char *version)
{
    const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return expect && strcasecmp(expect, "100-continue") == 0 && version &&
           strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
}

/* Turn the handler's answer into an MHD response and queue it. Consumes resp. */
static enum MHD_Result queue_answer(fo_httpd *srv, struct req *r, struct MHD_Connection *conn,
                                    fo_http_response *resp)
{
    struct MHD_Response *mr = NULL;
    bool is_stream = resp->stream != NULL;
    if (is_stream) {
        struct stream *st = calloc(1, sizeof *st);
        if (st) {
            st->srv = srv;
            st->fn = resp->stream;
            st->ctx = resp->stream_ctx;
            st->free_fn = resp->stream_free;
            mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, st,
                                                   stream_free);
            if (mr) {
                resp->stream = NULL; /* the MHD response owns it now */
            } else {
                free(st);
            }
        }
    } else {
        if (resp->body && resp->body_len)
            mr = MHD_create_response_from_buffer(resp->body_len, resp->body,
                                                 MHD_RESPMEM_MUST_FREE);
        else
            mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (mr && resp->body && resp->body_len)
            resp->body = NULL; /* MHD frees it */
    }
    if (!mr) {
        fo_http_response_release(resp);
        return queue_json_error(conn, 500, "InternalError", "out of memory");
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    for (size_t i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
    if (atomic_load(&srv->quiescing) || atomic_load(&srv->draining))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    int status = resp->status ? resp->status : 200;
    fo_http_response_release(resp);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, mr);
    MHD_destroy_response(mr);
    if (is_stream) {
        /* A watch may stay quiet for minutes: no idle timeout, and it must not hold up a
         * graceful stop (stop ends it instead). */
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
        inflight_done(srv, r);
    }
    return ret;
}

enum MHD_Result fo_httpd_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    (void)url;
    fo_httpd *srv = cls;
    struct req *r = *con_cls;
    if (!r)
        return MHD_NO; /* out of memory in fo_httpd_on_uri: drop the connection */

    if (!r->started) {
        r->started = true;
        fo_httpd_conn_phase(srv, r->conn, CONN_REQUEST);
        unsigned status;
        const char *framing = framing_problem(conn, &status);
        if (framing) {
            r->too_big = true; /* the body is not read */
            if (srv->refused)
                srv->refused(srv->handler_ctx, r->raw_path, (int)status);
            return queue_json_error(conn, status,
                                    status == 501 ? "NotImplemented" : "BadRequest", framing);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == 0 && end != cl && n > srv->max_body) {
                r->too_big = true;
                /* A client waiting for 100 Continue has sent none of it: refused at once (MHD
                 * then closes the connection). One that is sending it already has it read and
                 * dropped first, as a chunked one (up to MAX_DISCARD_BYTES, within the request
                 * timeout): closing with its bytes unread resets the connection, and a client
                 * still sending (curl without Expect) saw the reset instead of the 413. */
                if (expects_continue(conn, version) || n > MAX_DISCARD_BYTES)
                    return queue_too_big(srv, r, conn);
                return MHD_YES;
            }
            if (errno == 0 && end != cl)
                r->content_length = (size_t)n;
        }
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (srv->request_timeout_s &&
            fo_clock_mono_ms(fo_clock_real()) - r->start_ms >
                (int64_t)srv->request_timeout_s * 1000) {
            fo_log_info("httpd: request %s from %s not read whole within %u s: connection "
                        "closed",
                        r->raw_path, r->remote, srv->request_timeout_s);
            return MHD_NO;
        }
        if (!r->too_big && !r->busy) {
            fo_rc rc = body_append(r, upload_data, n, r->content_length, srv->max_body);
            /* Over a limit: the rest of the body is read and dropped (no memory kept) and the
             * 413 or 429 follows, so the client reads its answer instead of a connection reset
             * halfway through sending, and the connection stays open for its next request. */
            if (rc == FO_ELIMIT || rc == FO_ETOOMANY) {
                r->too_big = rc == FO_ELIMIT;
                r->busy = rc == FO_ETOOMANY;
                r->discarded = r->body_len;
                drop_body(r);
            } else if (rc != FO_OK) {
                return MHD_NO;
            }
        }
        if (r->too_big || r->busy) {
            r->discarded += n;
            if (r->discarded > MAX_DISCARD_BYTES)
                return MHD_NO;
        }
        return MHD_YES;
    }

    if (r->too_big)
        return queue_too_big(srv, r, conn);
    if (r->busy)
        return queue_busy(srv, r, conn);

    fo_http_request req = {
        .method = method,
        .path = r->raw_path,
        .body = r->body ? r->body : "",
        .body_len = r->body_len,
        .remote_addr = r->remote,
        .impl = conn,
    };
    fo_http_response resp;
    fo_http_response_init(&resp);
    if (r->slot)
        atomic_fetch_add(&r->slot->busy, 1);
    srv->handler(srv->handler_ctx, &req, &resp);
    if (r->slot)
        atomic_fetch_sub(&r->slot->busy, 1);
    drop_body(r); /* the answer does not need it: others may use its bytes while it is sent */
    if (!resp.stream)
        hold_answer(srv, r, resp.body_len);
    return queue_answer(srv, r, conn, &resp);
}
