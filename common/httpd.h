#ifndef FO_HTTPD_H
#define FO_HTTPD_H

/* An HTTP/1.1 (and HTTPS) server on libmicrohttpd; with certwatch, the only user of MHD and
 * GnuTLS. Used by the webhook, the controller's health port, and the fakes.
 *
 * The server reads the whole request body (up to max_body_bytes; larger -> 413 with a JSON
 * message, never reaching the handler), then calls the handler once on one of its threads.
 * The handler fills a fo_http_response: a complete body, or a stream (chunked transfer
 * encoding, for watches). Handlers run concurrently: they must be thread-safe.
 *
 * Thread model: `threads` > 0 runs an epoll thread pool of that size (fast, keep-alive; a
 * stream callback must not block): one MHD daemon per thread, and the server accepts
 * connections itself, giving each new one to a thread that is not inside a handler, else to
 * the one with the fewest connections (round robin on ties), so a burst of connections uses
 * every core; a connection then stays on its thread. `threads` == 0 runs a thread per
 * connection (a stream callback may block for up to ~1 s waiting for data, which is what
 * watches need).
 * A stream callback that returns 0 without blocking is asked again after short naps (up to
 * ~1 s per turn in thread-per-connection mode, ~5 ms in pool mode, where the nap holds a pool
 * thread: pool-mode streams should have their data ready).
 *
 * Limits and failures: a body over max_body_bytes gets 413 with a Kubernetes Status JSON body
 * (reason RequestEntityTooLarge; announced by Content-Length to a client waiting for 100
 * Continue, or past 64 MiB, it is refused before it is read; otherwise it is read and dropped
 * first, so that a client still sending reads the answer instead of a reset); idle connections
 * close after connection_timeout_s
 * (streaming responses have no idle timeout); one slow client holds no thread in pool mode.
 * HTTPS serves TLS 1.2 and 1.3 only, with the certificate certwatch holds at handshake time.
 *
 * Stopping: fo_httpd_drain (optional, first) keeps serving but closes each connection after
 * its next answer; fo_httpd_quiesce closes the listening socket; fo_httpd_stop then waits up
 * to 5 s, or the request timeout when that is longer, for requests in flight (responses
 * written meanwhile carry `Connection: close`), ends
 * open streams with their terminating chunk, and frees everything. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/rc.h"

typedef struct fo_httpd fo_httpd;
typedef struct fo_certwatch fo_certwatch; /* common/certwatch.h */

typedef struct fo_http_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* URL path without the query string, not decoded ("/apis/x/y") */
    const char *body;   /* NUL-terminated copy of the body ("" when none) */
    size_t body_len;
    const char *remote_addr; /* "127.0.0.1" */
    void *impl;              /* the server's private state for the accessors below */
} fo_http_request;

/* A request header (case-insensitive name), or NULL. Borrowed for the handler's duration. */
const char *fo_http_request_header(const fo_http_request *req, const char *name);

/* The Common Name of the certificate the client presented on this TLS connection, when one
 * of opts.client_ca_pem verified it (signature chain, validity period at the handshake's
 * check, now), into buf; false when there is none, it did not verify, or the name does not
 * fit. */
bool fo_http_request_client_cn(const fo_http_request *req, char *buf, size_t len);

/* A URL query parameter, decoded as Go's url.ParseQuery does ('+' is a space, %HH a byte),
 * or NULL when absent ("" when present without a value). Borrowed for the handler's duration. */
const char *fo_http_request_query(const fo_http_request *req, const char *name);

/* Stream producer for chunked responses. Write at most `max` bytes into buf and return the
 * count; return 0 when there is nothing yet (the server calls again; in thread-per-connection
 * mode the callback may instead block up to ~1 s); return FO_HTTPD_STREAM_END to finish the
 * response cleanly, FO_HTTPD_STREAM_ABORT to drop the connection. */
#define FO_HTTPD_STREAM_END ((ssize_t)-1)
#define FO_HTTPD_STREAM_ABORT ((ssize_t)-2)
typedef ssize_t (*fo_httpd_stream_fn)(void *stream_ctx, char *buf, size_t max);
typedef void (*fo_httpd_stream_free_fn)(void *stream_ctx);

#define FO_HTTP_MAX_RESPONSE_HEADERS 16

typedef struct fo_http_response {
    int status;               /* default 200 */
    char content_type[128];   /* default "application/json" */
    char *body;               /* heap, owned by the response; the server frees it */
    size_t body_len;
    struct {
        char *name, *value;   /* heap, owned */
    } headers[FO_HTTP_MAX_RESPONSE_HEADERS];
    size_t nheaders;
    fo_httpd_stream_fn stream; /* set by fo_http_response_stream */
    void *stream_ctx;
    fo_httpd_stream_free_fn stream_free;
} fo_http_response;

/* An empty answer: status 200, application/json, no body or headers (what a handler is given). */
void fo_http_response_init(fo_http_response *resp);

/* Free what the answer holds (body, headers, a stream's context) and leave it empty; the
 * server does this with every answer it sends. */
void fo_http_response_release(fo_http_response *resp);

/* Set a body the response takes ownership of (body may be NULL for an empty body). */
void fo_http_response_take_body(fo_http_response *resp, int status, const char *content_type,
                                char *body, size_t len);

/* Copy text as the body. */
void fo_http_response_text(fo_http_response *resp, int status, const char *content_type,
                           const char *text);

/* Serialise value (compact JSON, borrowed) as an application/json body. */
void fo_http_response_json(fo_http_response *resp, int status, const json_t *value);

/* Add a response header (both strings copied). Extra headers past the limit are dropped. */
void fo_http_response_header(fo_http_response *resp, const char *name, const char *value);

/* Whether req's method is one of allow, the methods the resource takes as an Allow header lists
 * them ("GET, HEAD"; compared case by case, RFC 9110 section 9.1). When it is not, resp becomes
 * the answer RFC 9110 section 15.5.6 asks for: 405 with the Allow header naming allow (which
 * a 405 must carry) and a plain text body saying so. A caller with a body format of its own
 * may replace the body, keeping resp->status and the header. */
bool fo_http_method_allowed(const fo_http_request *req, fo_http_response *resp,
                            const char *allow);

/* Answer with a chunked stream; the server calls fn until it ends, then free_fn(ctx) (also
 * when the client goes away or the server stops). */
void fo_http_response_stream(fo_http_response *resp, int status, const char *content_type,
                             fo_httpd_stream_fn fn, void *ctx, fo_httpd_stream_free_fn free_fn);

typedef void (*fo_httpd_handler)(void *ctx, const fo_http_request *req, fo_http_response *resp);

/* Told of each request the server answered itself, without the handler: 413 (body over
 * max_body_bytes), 429 (over max_bodies_bytes), 400 (ambiguous framing: two Content-Length
 * headers, Content-Length with Transfer-Encoding, whitespace before a header's colon or any
 * other header name that is no token) or 501 (a transfer coding other than chunked); also,
 * once answered, of those libmicrohttpd refused before the handler saw their headers (400 for
 * a Content-Length it cannot read, 413 for one too large to hold, 431 for headers past the
 * connection's memory). path as sent, up to '?'. For metrics and logs. */
typedef void (*fo_httpd_refused_fn)(void *ctx, const char *path, int status);

typedef struct fo_httpd_opts {
    const char *bind_addr;        /* "127.0.0.1", "0.0.0.0", "::"; NULL = all IPv4 */
    int port;                     /* 0 = pick a free port (see fo_httpd_port) */
    size_t max_body_bytes;        /* larger bodies get 413; 0 = 1 MiB */
    /* Request bodies and answers held at once, all connections together (0 = no bound; else
     * more than max_body_bytes). A request whose body would pass it is answered 429 with
     * Retry-After: 1, its body read and dropped, so memory stays bounded however many
     * clients send at once; clients that honour Retry-After (client-go) try again. A body
     * counts from its first byte until its handler returns: one announced at 256 KiB or more
     * page by page as its bytes arrive (it is read into mapped pages), a smaller one as its
     * buffer is allocated (at most 64 KiB ahead of its bytes); an announced Content-Length
     * alone holds nothing. An answer (not a stream) counts from then until it has been sent,
     * even past the bound, which then turns new bodies away until they are sent. */
    size_t max_bodies_bytes;
    unsigned connection_timeout_s;/* idle connection timeout; 0 = 30 s */
    /* 0: none. Else, from a request's first line until its answer has been sent, the
     * connection's idle timeout is this instead of connection_timeout_s (and so from the
     * connection's start until its first answer), and the request's
     * body must have arrived whole within it; past either the connection is closed. For
     * servers whose clients send at once and read at once (the webhook's API server waits at
     * most 30 s), so that a client that stalls or trickles cannot hold a body (and its part
     * of max_bodies_bytes) for long; not for slow uploads. An answer has no deadline of its
     * own: sending it is cut only after this long without progress (each part the client
     * reads starts it again). */
    unsigned request_timeout_s;
    unsigned threads;             /* see the thread model above */
    unsigned max_connections;     /* concurrent connections; 0 = 1000 */
    size_t connection_memory_bytes; /* per-connection buffer pool (headers, I/O); 0 = 32 KiB */
    fo_certwatch *tls;            /* NULL = plain HTTP; else HTTPS (TLS 1.2+) with live reload */
    /* With tls: PEM CA certificates; clients are asked for a certificate (not required), and
     * one these verify is told by fo_http_request_client_cn. NULL = none asked. */
    const char *client_ca_pem;
    fo_httpd_handler handler;
    void *handler_ctx;            /* also the ctx of refused */
    fo_httpd_refused_fn refused;  /* may be NULL */
} fo_httpd_opts;

/* Start serving. Returns NULL with err on failure (port in use, bad TLS material). */
fo_httpd *fo_httpd_start(const fo_httpd_opts *opts, fo_err *err);

/* The port actually bound. */
int fo_httpd_port(const fo_httpd *srv);

/* Connections open right now (for metrics and tests). Thread-safe. */
unsigned fo_httpd_connections(const fo_httpd *srv);

/* Bytes of request bodies and answers held right now (see max_bodies_bytes). Thread-safe. */
size_t fo_httpd_bodies_held(const fo_httpd *srv);

/* Go on accepting and serving, but close every connection after its next answer
 * (`Connection: close`), so that keep-alive clients open their next connection elsewhere: for
 * the seconds between a pod's SIGTERM and its removal from the Service's endpoints, before
 * quiesce. Idempotent; thread-safe. */
void fo_httpd_drain(fo_httpd *srv);

/* Stop accepting new connections; requests already being handled complete. Idempotent. */
void fo_httpd_quiesce(fo_httpd *srv);

/* Stop (after quiesce, waits for in-flight requests up to a few seconds) and free. NULL ok. */
void fo_httpd_stop(fo_httpd *srv);

#endif
