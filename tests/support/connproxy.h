#ifndef FO_CONNPROXY_H
#define FO_CONNPROXY_H

/* A forward proxy that only tunnels (HTTP CONNECT, RFC 9110 section 9.3.6), spoken over plain
 * TCP or over TLS (an "https proxy", what kubeconfig's proxy-url https://... names), for the
 * suites that check how a client reaches an https server through a proxy.
 *
 * It listens on a free port of 127.0.0.1 and runs one thread per connection: the TLS
 * handshake when it has a certificate (asking for a client certificate when it has a client
 * CA), the CONNECT request head, a TCP connection to its target, "200 Connection established",
 * then bytes both ways until either side closes. Targets are loopback only (127.0.0.1,
 * localhost, [::1], and the name loopback_alias): any other answers 403, and a request that is
 * not a CONNECT 405.
 *
 * Limits: request heads up to FO_CONNPROXY_MAX_HEAD bytes, FO_CONNPROXY_MAX_CONNS connections
 * over the proxy's life (later ones are closed at once).
 *
 * Thread-safety: the counters and records may be read from any thread. Test code only: a
 * failure to start is a Check assertion. */

#include <stddef.h>

#define FO_CONNPROXY_MAX_HEAD 8192
#define FO_CONNPROXY_MAX_CONNS 64

typedef struct fo_connproxy fo_connproxy;

typedef struct fo_connproxy_opts {
    const char *tls_cert_file; /* TLS when both are set (PEM) */
    const char *tls_key_file;
    /* With TLS: ask every client for a certificate (not required) and record the Common Name
     * of one this CA (PEM) signed. */
    const char *client_ca_file;
    /* A name the proxy reaches at 127.0.0.1, as a line of its own hosts file: for a client
     * that never sends a loopback target through a proxy (Go's rules), a server on this host
     * with a name that is not loopback to that client. NULL = none. */
    const char *loopback_alias;
} fo_connproxy_opts;

/* Start listening on 127.0.0.1 at a free port (the options are copied). */
fo_connproxy *fo_connproxy_start(const fo_connproxy_opts *o);

/* Stop accepting, end every tunnel, join every thread and free p. NULL is fine. */
void fo_connproxy_stop(fo_connproxy *p);

int fo_connproxy_port(const fo_connproxy *p);

/* Connections accepted; tunnels opened (CONNECTs answered 200). A client that refuses the
 * proxy's certificate opens no tunnel (libcurl checks the certificate once the handshake is
 * over, so the handshake itself may well succeed). */
int fo_connproxy_accepts(fo_connproxy *p);
int fo_connproxy_tunnels(fo_connproxy *p);

/* The target of the last CONNECT ("127.0.0.1:6443", "" before any) into buf. */
void fo_connproxy_last_target(fo_connproxy *p, char *buf, size_t len);

/* The Common Name of the last verified client certificate ("" when no client presented one
 * the client CA signed) into buf. */
void fo_connproxy_client_cn(fo_connproxy *p, char *buf, size_t len);

#endif
