#ifndef FO_HTTP_CLIENT_H
#define FO_HTTP_CLIENT_H

/* An HTTP(S) client on libcurl (GnuTLS flavour); the only user of libcurl.
 *
 * libcurl is loaded with dlopen the first time a client is made (libcurl-gnutls.so.4, then
 * libcurl.so.4; FLINKOP_LIBCURL names another file), so a program that seldom makes requests
 * does not map libcurl and its dependency chain at start. The library must be 7.85.0 or later
 * and use GnuTLS; otherwise fo_http_client_new fails with FO_EIO saying what to install.
 *
 * A fo_http_client holds the connection settings (TLS material, timeouts) and a pool of
 * reusable connections; it is thread-safe (each call uses its own easy handle from the pool).
 * Calls are synchronous and bounded by a timeout; streaming calls (watches) deliver the body
 * in pieces through a callback until it returns false, the peer ends, or the timeout passes.
 *
 * Every connection (to a server or a proxy) gives up a peer that went silent and stopped
 * answering, a lost node or a NAT or load balancer that forgot the connection without a reset,
 * after 30 s: TCP keepalive probes it after 15 s without a byte, 3 probes 5 s apart, and data
 * it has not acknowledged for 30 s fails the connection too (TCP_USER_TIMEOUT). A live peer's
 * kernel answers the probes, so a quiet but healthy connection is never ended; a server that
 * is alive and says nothing is a stream's idle_timeout_ms (fo_http_stream_opts). */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/rc.h"
#include "common/strbuf.h"

typedef struct fo_http_client fo_http_client;

/* Where a client that names no proxy (fo_http_client_opts.proxy) finds one. */
typedef enum fo_http_proxy_env {
    /* libcurl reads the environment at each request, as curl(1) does: http_proxy (lower case
     * only) for http URLs, https_proxy or HTTPS_PROXY for https, ALL_PROXY or all_proxy for
     * both when those are unset, and no_proxy or NO_PROXY (libcurl's rules: CURLOPT_NOPROXY;
     * loopback addresses are proxied unless listed there). libcurl judges each redirect's host
     * again. Not with tls_server_name. */
    FO_HTTP_PROXY_ENV_CURL = 0,
    /* As Go's http.ProxyFromEnvironment, the way client-go finds a proxy when the kubeconfig
     * names none (common/proxy_env.h: HTTP_PROXY, HTTPS_PROXY, NO_PROXY, never ALL_PROXY, never
     * for localhost or a loopback address): the variables are read when the client is made,
     * the proxy is decided here for each request's URL and libcurl is told the answer, so it
     * reads no variable itself. A redirect being followed keeps its first URL's decision. A
     * request the rules refuse (an http URL in a CGI program, a proxy whose scheme libcurl
     * cannot speak as Go does) fails with FO_EINVAL, nothing sent. */
    FO_HTTP_PROXY_ENV_GO,
    /* No proxy whatever the environment says (Flink's own REST client uses none). */
    FO_HTTP_PROXY_NONE,
} fo_http_proxy_env;

typedef struct fo_http_client_opts {
    const char *ca_file;          /* PEM bundle to verify the server; NULL = system store */
    const char *ca_pem;           /* ... or PEM in memory */
    const char *client_cert_file; /* mutual TLS; PEM */
    const char *client_cert_pem;
    const char *client_key_file;
    const char *client_key_pem;
    bool insecure_skip_verify;    /* never verify the server (insecure-skip-tls-verify) */
    long connect_timeout_ms;      /* 0 = 5000 */
    long timeout_ms;              /* whole request, non-streaming; 0 = 30000 */
    const char *user_agent;       /* NULL = "flinkop" */
    size_t max_response_bytes;    /* larger bodies fail with FO_ELIMIT; 0 = 64 MiB */
    int max_redirects;            /* follow up to this many redirects; 0 = none (the API server
                                   * and Flink never redirect). https never downgrades to http. */
    /* Every request through this proxy ("http://h:p", "https://...", "socks5h://..."), the
     * environment's proxies and NO_PROXY ignored; NULL = the environment's, read as
     * proxy_env says. */
    const char *proxy;
    fo_http_proxy_env proxy_env;
    /* Check the server's certificate against this name, and send it as SNI, instead of the
     * URL's host (Go's tls.Config.ServerName, kubeconfig's tls-server-name). The connection
     * still goes to the URL's host and port (a proxy is asked for them too), the Host header
     * still names them, and the environment's NO_PROXY is matched against that host, not this
     * name. https URLs only; NULL = the URL's host. fo_http_client_new fails with FO_EINVAL for
     * a name that cannot be a URL's host, and for a client that leaves the environment's proxy
     * to libcurl (FO_HTTP_PROXY_ENV_CURL without proxy), which is given the name as the URL's
     * host and would match NO_PROXY against it: such a client decides as Go does
     * (FO_HTTP_PROXY_ENV_GO, kubeconfig's case), or names its proxy, or has none. */
    const char *tls_server_name;
    /* TLS as client-go's transport does it, with one Go tls.Config for every hop: ca_file or
     * ca_pem replace the system's CAs (libcurl would add them to its CA directory), and an
     * https proxy (proxy above, or the environment's) is checked with the server's settings:
     * that CA, insecure_skip_verify, and the client certificate, offered when the proxy asks
     * for one. The proxy's certificate is checked against the proxy's host, never against
     * tls_server_name (where Go would use tls_server_name for both). false = libcurl's way:
     * the CA adds to the system's, and a proxy is checked against the system's CAs alone. */
    bool client_go_tls;
    /* AWS Signature Version 4 on every request (S3 and S3-compatible stores), computed by
     * libcurl: aws_sigv4 is its provider string "aws:amz:<region>:<service>" (e.g.
     * "aws:amz:eu-west-1:s3"); NULL = unsigned. A session token goes in the request's
     * x-amz-security-token header. */
    const char *aws_sigv4;
    const char *aws_access_key_id;
    const char *aws_secret_access_key;
} fo_http_client_opts;

typedef struct fo_http_header {
    const char *name;
    const char *value;
} fo_http_header;

/* Retry-After values are capped at a day: a server cannot park a client for longer. */
#define FO_HTTP_RETRY_AFTER_MAX_S 86400L

typedef struct fo_http_result {
    int status;             /* HTTP status, 0 when no response arrived */
    fo_strbuf body;         /* response body (initialised by the call; caller releases) */
    char content_type[128];
    long retry_after_s;     /* Retry-After in seconds (at most a day) when present, else -1 */
    char **warnings;        /* Warning header values (NULL-terminated, heap) or NULL */
} fo_http_result;

fo_http_client *fo_http_client_new(const fo_http_client_opts *opts, fo_err *err);
void fo_http_client_free(fo_http_client *c);

/* Present this client certificate pair (PEM; both NULL = none) from now on, instead of the
 * one of the options or of an earlier call. Connections and TLS sessions made with the old
 * pair are not used again: idle ones are closed at once, those of requests in flight when the
 * request ends, and running streams end as if the server had closed them (FO_OK; as client-go
 * closes every connection when an exec plugin's certificate rotates). Thread-safe. */
fo_rc fo_http_client_set_client_cert(fo_http_client *c, const char *cert_pem,
                                     const char *key_pem, fo_err *err);

/* Release what a result holds (body, warnings). */
void fo_http_result_release(fo_http_result *res);

/* One request. headers has nheaders entries (may be 0). body may be NULL (a POST, PUT or
 * PATCH then sends an empty body; a body without a Content-Type header goes as
 * application/json). timeout_ms 0 = the client's default. Returns FO_OK whenever an HTTP
 * response arrived (any status: inspect res->status), FO_ETIMEOUT / FO_EUNAVAIL / FO_EIO when
 * none did (err->reason is "ConnectFailed" when the connection could not even be made, so
 * nothing was sent and any verb may be retried), FO_ELIMIT for a too large body. res is always
 * initialised and must be released.
 * (Named fo_http_client_request, not fo_http_request: httpd.h uses that name for its request
 * type, and both headers must be usable in one file.) */
fo_rc fo_http_client_request(fo_http_client *c, const char *method, const char *url,
                             const fo_http_header *headers, size_t nheaders, const char *body,
                             size_t body_len, long timeout_ms, fo_http_result *res, fo_err *err);

/* Called with each piece of a streamed body; return false to stop. */
typedef bool (*fo_http_chunk_fn)(void *ctx, const char *data, size_t len);

/* What a streamed response's head says, told before any of its body arrives. */
typedef struct fo_http_head {
    int status;               /* the final response's (a redirect being followed is not told) */
    long long content_length; /* Content-Length, -1 when the server sent none (chunked) */
    long retry_after_s;       /* Retry-After in seconds (both forms, at most
                                 FO_HTTP_RETRY_AFTER_MAX_S), -1 when absent */
} fo_http_head;

/* Return false to end the transfer before its body (e.g. a Content-Length over a limit). */
typedef bool (*fo_http_head_fn)(void *ctx, const fo_http_head *head);

/* Asked about every 100 ms while a stream runs; false ends it as if the server had closed it. */
typedef bool (*fo_http_wanted_fn)(void *ctx);

typedef struct fo_http_stream_opts {
    long timeout_ms; /* the whole stream; 0 = no limit */
    /* Nothing received for this long (no byte of the head or body, from the request on):
     * the stream ends with FO_ETIMEOUT, err->reason "Idle". For a server that is alive but
     * stopped sending (a stuck proxy holding the connection open), which TCP keepalive cannot
     * see. 0 = no limit. */
    long idle_timeout_ms;
    fo_http_head_fn on_head;   /* may be NULL */
    fo_http_chunk_fn on_chunk; /* required */
    fo_http_wanted_fn still_wanted; /* may be NULL */
    void *ctx;                      /* for the three callbacks */
    const atomic_int *stop;         /* may be NULL; read with relaxed order */
} fo_http_stream_opts;

/* Streamed GET: on_head is told the response's head before any body arrives; non-2xx bodies
 * are still delivered to on_chunk. Ends FO_OK when the server closed the stream, on_head /
 * on_chunk returned false, still_wanted said false, or the client certificate pair was
 * replaced (fo_http_client_set_client_cert); FO_ETIMEOUT after timeout_ms or idle_timeout_ms;
 * the `stop` flag is polled about every 100 ms and ends the call with FO_ESHUTDOWN. */
fo_rc fo_http_stream_with(fo_http_client *c, const char *url, const fo_http_header *headers,
                          size_t nheaders, const fo_http_stream_opts *opts, fo_err *err);

/* fo_http_stream_with without an idle limit or still_wanted. */
fo_rc fo_http_stream(fo_http_client *c, const char *url, const fo_http_header *headers,
                     size_t nheaders, long timeout_ms, fo_http_head_fn on_head,
                     fo_http_chunk_fn on_chunk, void *ctx, const atomic_int *stop, fo_err *err);

/* Percent-encode s for a query value into sb. */
fo_rc fo_http_query_escape(fo_strbuf *sb, const char *s);

#endif
