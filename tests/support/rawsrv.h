#ifndef FO_RAWSRV_H
#define FO_RAWSRV_H

/* A scripted HTTP/1.1 server on a raw TCP socket, for the suites that must control every byte
 * of an answer: a body cut short of its Content-Length, a status a real server would not send,
 * a connection dropped mid-body, silence. A real server (common/httpd) will not misbehave on
 * purpose; this one writes whatever the test's reply callback writes.
 *
 * It listens on a free port of 127.0.0.1 and runs one thread per connection. Each connection
 * reads a request head (up to the blank line) and a body of Content-Length bytes (no chunked
 * uploads), then calls the reply callback with the parsed request and the connection's fd; the
 * callback writes the answer with the send helpers (or not at all) and says whether to read the
 * next request on the same connection (keep-alive) or close it. A connection whose bytes never
 * form a request head (a TLS ClientHello, say) is simply held open, counted as an accept and
 * never answered, until the peer goes or the server stops.
 *
 * Limits: request heads up to FO_RAWSRV_MAX_HEAD bytes and bodies up to FO_RAWSRV_MAX_BODY
 * bytes (a larger one closes the connection unanswered); FO_RAWSRV_MAX_CONNS connections over
 * the server's life (later ones are accepted, counted and closed at once).
 *
 * Thread-safety: the reply and on_accept callbacks run on the server's threads, several at a
 * time when a client opens several connections, so what they share needs its own lock. The
 * counters may be read from any thread at any time. Test code only: a failure to start is a
 * Check assertion. */

#include <stdbool.h>
#include <stddef.h>

#define FO_RAWSRV_MAX_HEAD 8192
#define FO_RAWSRV_MAX_BODY 65536
#define FO_RAWSRV_MAX_CONNS 64

typedef struct fo_rawsrv fo_rawsrv;

typedef struct fo_rawsrv_request {
    char head[FO_RAWSRV_MAX_HEAD]; /* request line and headers, with the blank line; NUL-ended */
    char body[FO_RAWSRV_MAX_BODY]; /* body_len bytes, then a NUL */
    size_t body_len;
    int conn; /* which connection, from 0 in the order they were accepted */
    int seq;  /* which request on that connection, from 0 */
} fo_rawsrv_request;

/* Answer one request on fd (borrowed: the server closes it). Return true to read the next
 * request on this connection, false to close it after this answer. */
typedef bool (*fo_rawsrv_reply_fn)(fo_rawsrv *s, int fd, const fo_rawsrv_request *r, void *ctx);

typedef struct fo_rawsrv_opts {
    fo_rawsrv_reply_fn reply; /* required */
    /* Optional: called on the accepting thread for each accepted connection (conn from 0),
     * before its first byte is read. */
    void (*on_accept)(void *ctx, int conn);
    void *ctx; /* passed to both callbacks */
} fo_rawsrv_opts;

/* Start listening on 127.0.0.1 at a free port. The options are copied. Stop with
 * fo_rawsrv_stop. */
fo_rawsrv *fo_rawsrv_start(const fo_rawsrv_opts *o);

/* Stop accepting, shut every open connection down (so callbacks blocked in fo_rawsrv_hold or
 * a send return), join every thread, close every fd and free s. NULL is fine. Call it from
 * the thread that started s, never from a callback. */
void fo_rawsrv_stop(fo_rawsrv *s);

int fo_rawsrv_port(const fo_rawsrv *s);

/* "http://127.0.0.1:<port><path>". Caller frees. */
char *fo_rawsrv_url(const fo_rawsrv *s, const char *path);

/* How many connections were accepted, and how many requests were read (before each reply). */
int fo_rawsrv_accepts(fo_rawsrv *s);
int fo_rawsrv_requests(fo_rawsrv *s);

/* The last request read, on any connection (zeroed before the first). Borrowed: the pointer
 * is valid until fo_rawsrv_stop, and what it points to is overwritten when the next request
 * arrives, so read it when no request is in flight (after the client has its answer). */
const fo_rawsrv_request *fo_rawsrv_last(fo_rawsrv *s);

/* Write all of data (no SIGPIPE); false when the peer is gone. */
bool fo_rawsrv_send(int fd, const void *data, size_t len);
bool fo_rawsrv_send_str(int fd, const char *text);

/* Say nothing: read and drop what the peer sends until it closes the connection or the
 * server stops. For callbacks that must stall. */
void fo_rawsrv_hold(fo_rawsrv *s, int fd);

#endif
