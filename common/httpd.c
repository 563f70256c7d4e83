#include "common/httpd.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"

/* TLS 1.2 and 1.3 only (issue 3: "TLS 1.2+ only"); GnuTLS's NORMAL set otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* A chunked upload over the body limit is read and dropped up to this much, so the client
 * still gets its 413; past it the connection is cut. */
#define MAX_DISCARD_BYTES (64u * 1024 * 1024)
/* A body's first buffer at most (body_append). */
#define BODY_FIRST_BYTES (64u * 1024)
/* Bodies announced this large are read into pages mapped for them (body_append). */
#define BODY_MAPPED_BYTES (256u * 1024)
#define BODY_PAGE 4096u
/* How long fo_httpd_stop waits for requests in flight. */
#define STOP_GRACE_MS 5000
/* How long one stream read may wait for its producer before MHD looks at the socket again. */
#define STREAM_WAIT_TPC_MS 1000
#define STREAM_WAIT_POOL_MS 5

/* Pool mode runs one single-threaded MHD daemon per pool thread and accepts connections
 * itself (see fo_httpd_start). */
#define MAX_POOL_THREADS 64

struct fo_httpd;

/* One MHD daemon and the connections it holds. */
struct slot {
    struct fo_httpd *srv;
    struct MHD_Daemon *daemon;
    atomic_uint connections;
    atomic_uint busy; /* handlers running on its thread (0 or 1) */
};

struct fo_httpd {
    struct MHD_Daemon *daemon; /* thread-per-connection mode: the one daemon, listening */
    fo_httpd_handler handler;
    void *handler_ctx;
    fo_httpd_refused_fn refused;
    fo_certwatch *tls;
    size_t max_body;
    size_t max_bodies;         /* 0: no bound */
    unsigned idle_timeout_s, request_timeout_s;
    atomic_size_t bodies_held; /* bytes; see hold_body */
    bool thread_per_connection;
    int port;
    atomic_bool quiescing;
    atomic_bool draining; /* fo_httpd_drain: every answer closes its connection */
    atomic_bool stopping;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    unsigned inflight; /* requests seen and not yet completed (streams excluded); under mu */
    atomic_uint connections;

    /* pool mode: the daemons, our listening socket and the thread accepting on it */
    struct slot slots[MAX_POOL_THREADS];
    unsigned nslots;
    int listen_fd;
    pthread_t acceptor;
    bool acceptor_running;
    unsigned next_slot; /* acceptor only: where the search for the least-loaded slot starts */
};

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

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
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
    r->slot = sc ? sc->socket_context : NULL;
    if (srv->request_timeout_s) {
        r->start_ms = fo_clock_mono_ms(fo_clock_real());
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, srv->request_timeout_s);
    }
    inflight_add(srv, r);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct req *r = *con_cls;
    if (!r)
        return;
    /* Answered: the connection waits for its next request with the idle timeout again. Only
     * then: every other code means MHD is closing the connection. */
    if (r->srv->request_timeout_s && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, r->srv->idle_timeout_s);
    inflight_done(r->srv, r);
    drop_body(r);
    free(r->raw_path);
    free(r);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    struct slot *slot = cls;
    fo_httpd *srv = slot->srv;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* The TLS certificate callback and the requests find their slot through this. */
        *socket_context = slot;
        atomic_fetch_add(&srv->connections, 1);
        atomic_fetch_add(&slot->connections, 1);
    } else {
        atomic_fetch_sub(&srv->connections, 1);
        atomic_fetch_sub(&slot->connections, 1);
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
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
 * the path, but handlers get the raw path (from on_uri), so '+' there stays literal. A malformed
 * escape is kept as it is. */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
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
static int on_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
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
    struct slot *slot = ci ? ci->socket_context : NULL;
    fo_httpd *srv = slot ? slot->srv : NULL;
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

static void sleep_ms(long ms)
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
        sleep_ms(nap);
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url;
    (void)version;
    fo_httpd *srv = cls;
    struct req *r = *con_cls;
    if (!r)
        return MHD_NO; /* out of memory in on_uri: drop the connection */

    if (!r->started) {
        r->started = true;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            /* Refuse before reading a byte of it; MHD then closes the connection. */
            if (errno == 0 && end != cl && n > srv->max_body) {
                r->too_big = true;
                return queue_too_big(srv, r, conn);
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

/* ---- lifecycle ---- */

static bool parse_bind(const char *addr, int port, struct sockaddr_storage *ss, bool *v6,
                       fo_err *err)
{
    memset(ss, 0, sizeof *ss);
    *v6 = false;
    if (!addr || !*addr)
        addr = "0.0.0.0";
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        return true;
    }
    if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return true;
    }
    fo_err_set(err, FO_EINVAL, "bind address %s is not an IPv4 or IPv6 address", addr);
    return false;
}

/* Our listening socket for pool mode (what MHD would do: SO_REUSEADDR, IPv6 only for an
 * IPv6 address); -1 with err. */
static int listen_on(const struct sockaddr_storage *ss, bool v6, const char *addr_text, int *port,
                     fo_err *err)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fo_err_set(err, FO_EIO, "httpd: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        fo_err_set(err, FO_EIO, "httpd: cannot listen on %s port %d: %s", addr_text, *port,
                   strerror(errno));
        close(fd);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
        *port = ntohs(v6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                         : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

/* Where a new connection goes: a thread that is not inside a handler (a busy thread reads no
 * new connection until its handler returns: MHD's own accept had that for free), then the one
 * with the fewest connections, ties broken round robin, so that a burst of new connections is
 * spread over the threads. (MHD's thread pool accepts up to ten at a time on whichever thread
 * wakes first, which could leave every connection, and all the handlers' work, on one core.) */
static struct slot *least_loaded(fo_httpd *srv)
{
    unsigned first = srv->next_slot++ % srv->nslots;
    struct slot *best = NULL;
    unsigned best_busy = 0, best_conns = 0;
    for (unsigned k = 0; k < srv->nslots; k++) {
        struct slot *s = &srv->slots[(first + k) % srv->nslots];
        unsigned busy = atomic_load(&s->busy), conns = atomic_load(&s->connections);
        if (!best || busy < best_busy || (busy == best_busy && conns < best_conns)) {
            best = s;
            best_busy = busy;
            best_conns = conns;
        }
    }
    return best;
}

static void *acceptor_main(void *arg)
{
    fo_httpd *srv = arg;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            /* MHD closes the socket when it cannot take it */
            (void)MHD_add_connection(least_loaded(srv)->daemon, fd, (struct sockaddr *)&ss, len);
            continue;
        }
        if (atomic_load(&srv->quiescing) || errno == EINVAL || errno == EBADF)
            return NULL; /* the listening socket was shut down */
        if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) {
            /* out of descriptors or memory: let connections end before trying again */
            fo_log_warn("httpd: accept: %s", strerror(errno));
            sleep_ms(50);
        }
    }
}

/* MHD options shared by both layouts; returns the count written (items has room for 16). */
static size_t common_options(struct MHD_OptionItem *items, const fo_httpd_opts *opts,
                             fo_httpd *srv, void *conn_cls, unsigned max_conns)
{
    size_t k = 0;
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                         (intptr_t)srv->idle_timeout_s, NULL};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)max_conns, NULL};
    if (opts->connection_memory_bytes)
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                             (intptr_t)opts->connection_memory_bytes, NULL};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)on_unescape,
                                         NULL};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed,
                                         srv};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection,
                                         conn_cls};
    if (srv->tls) {
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)TLS_PRIORITIES};
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)on_cert};
    }
    return k;
}

static void stop_daemons(fo_httpd *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    for (unsigned i = 0; i < srv->nslots; i++)
        MHD_stop_daemon(srv->slots[i].daemon);
    srv->daemon = NULL;
    srv->nslots = 0;
}

/* Thread-per-connection mode: one MHD daemon listening on its own. */
static bool start_per_connection(fo_httpd *srv, const fo_httpd_opts *opts,
                                 struct sockaddr_storage *ss, bool v6, unsigned max_conns)
{
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem items[16];
    srv->slots[0].srv = srv; /* the connection callback's context; not a pool slot */
    size_t k = common_options(items, opts, srv, &srv->slots[0], max_conns);
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, ss};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, items,
                                   MHD_OPTION_END);
    if (!srv->daemon)
        return false;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : opts->port;
    return true;
}

/* Pool mode: one epoll daemon per thread without a listening socket of its own; the acceptor
 * hands each new connection to the least-loaded one. */
static bool start_pool(fo_httpd *srv, const fo_httpd_opts *opts, struct sockaddr_storage *ss,
                       bool v6, unsigned max_conns, fo_err *err)
{
    unsigned n = opts->threads > MAX_POOL_THREADS ? MAX_POOL_THREADS : opts->threads;
    srv->port = opts->port;
    srv->listen_fd = listen_on(ss, v6, opts->bind_addr ? opts->bind_addr : "0.0.0.0",
                               &srv->port, err);
    if (srv->listen_fd < 0)
        return false;
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    unsigned per_daemon = (max_conns + n - 1) / n;
    for (unsigned i = 0; i < n; i++) {
        struct slot *slot = &srv->slots[i];
        slot->srv = srv;
        struct MHD_OptionItem items[16];
        size_t k = common_options(items, opts, srv, slot, per_daemon);
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        slot->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
                                        items, MHD_OPTION_END);
        if (!slot->daemon)
            return false;
        srv->nslots++;
    }
    if (pthread_create(&srv->acceptor, NULL, acceptor_main, srv) != 0) {
        fo_err_set(err, FO_ENOMEM, "httpd: cannot start the accepting thread");
        return false;
    }
    srv->acceptor_running = true;
    return true;
}

/* Stop accepting: pool mode shuts our socket down (which wakes the acceptor) and closes it. */
static void stop_accepting(fo_httpd *srv)
{
    if (srv->acceptor_running) {
        shutdown(srv->listen_fd, SHUT_RDWR);
        pthread_join(srv->acceptor, NULL);
        srv->acceptor_running = false;
    }
    if (srv->listen_fd >= 0) {
        close(srv->listen_fd);
        srv->listen_fd = -1;
    }
}

fo_httpd *fo_httpd_start(const fo_httpd_opts *opts, fo_err *err)
{
    if (!opts || !opts->handler) {
        fo_err_set(err, FO_EINVAL, "httpd: a handler is required");
        return NULL;
    }
    if (opts->port < 0 || opts->port > 65535) {
        fo_err_set(err, FO_EINVAL, "httpd: port %d is out of range", opts->port);
        return NULL;
    }
    fo_httpd *srv = calloc(1, sizeof *srv);
    if (!srv) {
        fo_err_set(err, FO_ENOMEM, "httpd: out of memory");
        return NULL;
    }
    srv->handler = opts->handler;
    srv->handler_ctx = opts->handler_ctx;
    srv->refused = opts->refused;
    srv->tls = opts->tls;
    srv->max_body = opts->max_body_bytes ? opts->max_body_bytes : 1024 * 1024;
    srv->max_bodies = opts->max_bodies_bytes;
    srv->idle_timeout_s = opts->connection_timeout_s ? opts->connection_timeout_s : 30;
    srv->request_timeout_s = opts->request_timeout_s;
    srv->thread_per_connection = opts->threads == 0;
    srv->listen_fd = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle, NULL);
    if (srv->max_bodies && srv->max_bodies <= srv->max_body) {
        fo_err_set(err, FO_EINVAL, "httpd: max_bodies_bytes (%zu) must exceed max_body_bytes "
                   "(%zu): one largest body must fit", srv->max_bodies, srv->max_body);
        goto fail;
    }

    struct sockaddr_storage ss;
    bool v6 = false;
    if (!parse_bind(opts->bind_addr, opts->port, &ss, &v6, err))
        goto fail;
    unsigned max_conns = opts->max_connections ? opts->max_connections : 1000;
    fo_err_clear(err);
    bool ok = srv->thread_per_connection
                  ? start_per_connection(srv, opts, &ss, v6, max_conns)
                  : start_pool(srv, opts, &ss, v6, max_conns, err);
    if (!ok) {
        if (!err || !err->message[0])
            fo_err_set(err, FO_EIO, "httpd: cannot serve on %s port %d (address in use, or bad "
                       "TLS settings)", opts->bind_addr ? opts->bind_addr : "0.0.0.0",
                       opts->port);
        atomic_store(&srv->quiescing, true);
        stop_accepting(srv);
        stop_daemons(srv);
        goto fail;
    }
    return srv;
fail:
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
    return NULL;
}

int fo_httpd_port(const fo_httpd *srv)
{
    return srv->port;
}

unsigned fo_httpd_connections(const fo_httpd *srv)
{
    return atomic_load(&((fo_httpd *)srv)->connections);
}

size_t fo_httpd_bodies_held(const fo_httpd *srv)
{
    return atomic_load(&((fo_httpd *)srv)->bodies_held);
}

void fo_httpd_drain(fo_httpd *srv)
{
    if (srv)
        atomic_store(&srv->draining, true);
}

void fo_httpd_quiesce(fo_httpd *srv)
{
    if (!srv || atomic_exchange(&srv->quiescing, true))
        return;
    if (srv->daemon) {
        MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    stop_accepting(srv);
}

void fo_httpd_stop(fo_httpd *srv)
{
    if (!srv)
        return;
    fo_httpd_quiesce(srv);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += STOP_GRACE_MS / 1000;
    pthread_mutex_lock(&srv->mu);
    while (srv->inflight > 0) {
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &deadline) == ETIMEDOUT)
            break;
    }
    unsigned left = srv->inflight;
    pthread_mutex_unlock(&srv->mu);
    if (left)
        fo_log_warn("httpd: stopping with %u requests still in flight", left);
    atomic_store(&srv->stopping, true);
    stop_daemons(srv);
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}
