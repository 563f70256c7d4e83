#ifndef FO_HTTPD_INTERNAL_H
#define FO_HTTPD_INTERNAL_H

/* What the two halves of the HTTP server share: httpd.c serves requests (MHD's callbacks, the
 * bodies and their bound, the answers), httpd_server.c runs the server (listening, accepting,
 * the daemons, start and stop). Not for use outside common/httpd*.c. */

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/certwatch.h"
#include "common/httpd.h"

/* TLS 1.2 and 1.3 only (issue 3: "TLS 1.2+ only"); GnuTLS's NORMAL set otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* Pool mode runs one single-threaded MHD daemon per pool thread and accepts connections
 * itself (see fo_httpd_start). */
#define MAX_POOL_THREADS 64

struct fo_httpd;

/* One MHD daemon and the connections it holds. */
struct slot {
    struct fo_httpd *srv;
    struct MHD_Daemon *daemon;
    atomic_uint connections;
    atomic_uint busy;   /* handlers running on its thread (0 or 1) */
    atomic_uint queued; /* pool mode: handed to the daemon, not yet started by its thread */
    unsigned limit;     /* pool mode: connections + queued the acceptor keeps it under */
    int64_t last_added_ms; /* pool mode, acceptor only: its last hand-over (monotonic) */
};

/* A connection as the watchdog sees it (httpd_server.c): MHD's socket context of every
 * connection. Fields but slot under fo_httpd.conns_mu. */
enum conn_phase {
    CONN_FREE = 0,
    CONN_WAITING,   /* connected, or answered: until a request line arrives */
    CONN_HEADERS,   /* the request line arrived, its headers are arriving */
    CONN_REQUEST,   /* headers read: the body and the answer (the request timeout's part) */
};

struct conn {
    struct slot *slot;
    int fd;
    enum conn_phase phase;
    int64_t since_ms; /* monotonic: when the phase began */
    bool answered;    /* it has been answered before: a keep-alive connection */
    struct conn *next_free;
};

struct fo_httpd {
    struct MHD_Daemon *daemon; /* thread-per-connection mode: the one daemon, listening */
    fo_httpd_handler handler;
    void *handler_ctx;
    fo_httpd_refused_fn refused;
    fo_certwatch *tls;
    char *client_ca_pem; /* NULL = clients are not asked for certificates */
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
    /* acceptor only: the last connection make_room shut down, until MHD has closed it (its
     * entry, descriptor and the since_ms it was given then); NULL when none is pending */
    struct conn *evicted;
    int evicted_fd;
    int64_t evicted_ms;

    /* every connection's state, for the watchdog that cuts slow headers (httpd_server.c) */
    pthread_mutex_t conns_mu;
    struct conn *conns;      /* conns_capacity entries */
    unsigned conns_capacity;
    struct conn *free_conns; /* under conns_mu */
    unsigned max_connections;
    pthread_t watchdog;
    bool watchdog_running;
    pthread_cond_t watchdog_cv; /* with conns_mu: wakes the watchdog to stop */
};

/* The connection states (httpd.c calls these from MHD's callbacks). */
struct conn *fo_httpd_conn_open(fo_httpd *srv, struct slot *slot, int fd);
void fo_httpd_conn_close(fo_httpd *srv, struct conn *c);
void fo_httpd_conn_phase(fo_httpd *srv, struct conn *c, enum conn_phase phase);

/* MHD's callbacks (httpd.c), registered by httpd_server.c; cls as each option gives it. */
void *fo_httpd_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
void fo_httpd_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe);
void fo_httpd_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
void fo_httpd_on_mhd_log(void *cls, const char *fmt, va_list ap);
size_t fo_httpd_on_unescape(void *cls, struct MHD_Connection *conn, char *s);
int fo_httpd_on_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                     const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                     gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey);
enum MHD_Result fo_httpd_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);

void fo_httpd_sleep_ms(long ms);

#endif
