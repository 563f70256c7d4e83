#include "tests/support/connproxy.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* How often the threads look at the stop flag. */
#define POLL_MS 50
#define HANDSHAKE_MS 5000

struct fo_connproxy {
    gnutls_certificate_credentials_t cred; /* NULL: plain TCP */
    bool ask_cert;
    char alias[256]; /* loopback_alias; "" = none */
    int lfd, port;
    pthread_t acceptor;
    atomic_int stop;
    atomic_int accepts;
    atomic_int tunnels;
    pthread_mutex_t mu; /* guards target, cn, fds, ups, nconns */
    char target[256];
    char cn[256];
    pthread_t threads[FO_CONNPROXY_MAX_CONNS];
    int fds[FO_CONNPROXY_MAX_CONNS]; /* the client's side; -1 once closed */
    int ups[FO_CONNPROXY_MAX_CONNS]; /* the target's side; -1 when none */
    int nconns;
};

struct conn {
    fo_connproxy *p;
    int slot;
    int fd;
    gnutls_session_t tls; /* NULL on a plain proxy */
    char buf[FO_CONNPROXY_MAX_HEAD];
    size_t have;
};

/* ---- the client's side, plain or TLS ---- */

static ssize_t client_recv(struct conn *c, void *buf, size_t len)
{
    if (!c->tls)
        return recv(c->fd, buf, len, 0);
    ssize_t n;
    do
        n = gnutls_record_recv(c->tls, buf, len);
    while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
    return n < 0 ? -1 : n;
}

static bool client_send(struct conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = c->tls ? gnutls_record_send(c->tls, p, len) : send(c->fd, p, len, MSG_NOSIGNAL);
        if (c->tls && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Record the Common Name of the client's certificate when the client CA verifies it. */
static void record_client_cn(struct conn *c)
{
    unsigned status = 0, n = 0;
    if (gnutls_certificate_verify_peers2(c->tls, &status) != 0 || status != 0)
        return;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(c->tls, &n);
    gnutls_x509_crt_t crt;
    if (!certs || n == 0 || gnutls_x509_crt_init(&crt) != 0)
        return;
    char cn[256];
    size_t len = sizeof cn;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) == 0) {
        pthread_mutex_lock(&c->p->mu);
        snprintf(c->p->cn, sizeof c->p->cn, "%s", cn);
        pthread_mutex_unlock(&c->p->mu);
    }
    gnutls_x509_crt_deinit(crt);
}

static bool handshake(struct conn *c)
{
    fo_connproxy *p = c->p;
    if (gnutls_init(&c->tls, GNUTLS_SERVER) != 0) {
        c->tls = NULL;
        return false;
    }
    gnutls_set_default_priority(c->tls);
    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, p->cred);
    if (p->ask_cert)
        gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUEST);
    gnutls_transport_set_int(c->tls, c->fd);
    gnutls_handshake_set_timeout(c->tls, HANDSHAKE_MS);
    int r;
    do
        r = gnutls_handshake(c->tls);
    while (r < 0 && !gnutls_error_is_fatal(r));
    if (r < 0)
        return false;
    if (p->ask_cert)
        record_client_cn(c);
    return true;
}

/* ---- CONNECT ---- */

/* Read the request head into c->buf (NUL-terminated); what follows it stays after it. */
static size_t read_head(struct conn *c)
{
    const char *end;
    while (!(end = memmem(c->buf, c->have, "\r\n\r\n", 4))) {
        if (c->have >= sizeof c->buf - 1)
            return 0;
        ssize_t n = client_recv(c, c->buf + c->have, sizeof c->buf - 1 - c->have);
        if (n <= 0)
            return 0;
        c->have += (size_t)n;
    }
    return (size_t)(end - c->buf) + 4;
}

static bool is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 ||
           strcmp(host, "::1") == 0;
}

/* A TCP connection to "host:port" ("[::1]:port" for IPv6), or -1; -2 for a target that is
 * not loopback. */
static int dial(const fo_connproxy *p, const char *target)
{
    char host[256];
    const char *colon = strrchr(target, ':');
    if (!colon || (size_t)(colon - target) >= sizeof host)
        return -1;
    const char *h = target;
    size_t hlen = (size_t)(colon - target);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (p->alias[0] && strcasecmp(host, p->alias) == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (!is_loopback(host))
        return -2;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    return fd;
}

/* Bytes both ways until either side closes or the proxy stops. */
static void relay(struct conn *c, int up)
{
    char buf[16384];
    while (!atomic_load(&c->p->stop)) {
        bool pending = c->tls && gnutls_record_check_pending(c->tls) > 0;
        struct pollfd pf[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = up, .events = POLLIN}};
        int n = poll(pf, 2, pending ? 0 : POLL_MS);
        if (n < 0 && errno != EINTR)
            return;
        if (pending || (n > 0 && pf[0].revents)) {
            ssize_t r = client_recv(c, buf, sizeof buf);
            if (r <= 0 || !send_all(up, buf, (size_t)r))
                return;
        }
        if (n > 0 && pf[1].revents) {
            ssize_t r = recv(up, buf, sizeof buf, 0);
            if (r <= 0 || !client_send(c, buf, (size_t)r))
                return;
        }
    }
}

static void serve(struct conn *c)
{
    fo_connproxy *p = c->p;
    if (p->cred && !handshake(c))
        return;
    size_t head_len = read_head(c);
    if (head_len == 0)
        return;
    c->buf[c->have] = '\0';
    char method[16], target[256];
    if (sscanf(c->buf, "%15s %255s", method, target) != 2 || strcmp(method, "CONNECT") != 0) {
        static const char no[] = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
        client_send(c, no, sizeof no - 1);
        return;
    }
    int up = dial(p, target);
    if (up < 0) {
        const char *no = up == -2 ? "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                                  : "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
        client_send(c, no, strlen(no));
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->ups[c->slot] = up;
    snprintf(p->target, sizeof p->target, "%s", target);
    pthread_mutex_unlock(&p->mu);
    atomic_fetch_add(&p->tunnels, 1);
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (!client_send(c, ok, sizeof ok - 1))
        return;
    /* Bytes the client sent after the head belong to the tunnel. */
    if (c->have > head_len && !send_all(up, c->buf + head_len, c->have - head_len))
        return;
    relay(c, up);
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    fo_connproxy *p = c->p;
    serve(c);
    /* fo_connproxy_stop shuts fds down under the lock, so closing under it never hits a number
     * the kernel has already given to someone else. */
    pthread_mutex_lock(&p->mu);
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
    p->fds[c->slot] = -1;
    if (p->ups[c->slot] >= 0) {
        shutdown(p->ups[c->slot], SHUT_RDWR);
        close(p->ups[c->slot]);
        p->ups[c->slot] = -1;
    }
    pthread_mutex_unlock(&p->mu);
    if (c->tls)
        gnutls_deinit(c->tls);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    fo_connproxy *p = arg;
    while (!atomic_load(&p->stop)) {
        struct pollfd pf = {.fd = p->lfd, .events = POLLIN};
        if (poll(&pf, 1, POLL_MS) <= 0)
            continue;
        int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        atomic_fetch_add(&p->accepts, 1);
        struct conn *c = p->nconns < FO_CONNPROXY_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        c->p = p;
        c->fd = fd;
        pthread_mutex_lock(&p->mu);
        c->slot = p->nconns;
        p->fds[c->slot] = fd;
        p->ups[c->slot] = -1;
        if (pthread_create(&p->threads[c->slot], NULL, conn_main, c) == 0) {
            p->nconns++;
        } else {
            close(fd);
            free(c);
        }
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

fo_connproxy *fo_connproxy_start(const fo_connproxy_opts *o)
{
    fo_connproxy *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    pthread_mutex_init(&p->mu, NULL);
    if (o && o->loopback_alias)
        snprintf(p->alias, sizeof p->alias, "%s", o->loopback_alias);
    if (o && o->tls_cert_file && o->tls_key_file) {
        ck_assert_int_eq(gnutls_certificate_allocate_credentials(&p->cred), 0);
        ck_assert_int_eq(gnutls_certificate_set_x509_key_file(p->cred, o->tls_cert_file,
                                                              o->tls_key_file, GNUTLS_X509_FMT_PEM),
                         0);
        if (o->client_ca_file) {
            ck_assert_int_gt(gnutls_certificate_set_x509_trust_file(p->cred, o->client_ca_file,
                                                                    GNUTLS_X509_FMT_PEM),
                             0);
            p->ask_cert = true;
        }
    }
    p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(p->lfd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(bind(p->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(p->lfd, 64), 0);
    ck_assert_int_eq(getsockname(p->lfd, (struct sockaddr *)&sa, &sl), 0);
    p->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&p->acceptor, NULL, accept_main, p), 0);
    return p;
}

void fo_connproxy_stop(fo_connproxy *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    pthread_join(p->acceptor, NULL);
    /* No thread is added from here on. Shutting both sides down wakes a thread blocked in a
     * read or a handshake, which then closes its fds itself. */
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->nconns; i++) {
        if (p->fds[i] >= 0)
            shutdown(p->fds[i], SHUT_RDWR);
        if (p->ups[i] >= 0)
            shutdown(p->ups[i], SHUT_RDWR);
    }
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nconns; i++)
        pthread_join(p->threads[i], NULL);
    close(p->lfd);
    if (p->cred)
        gnutls_certificate_free_credentials(p->cred);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int fo_connproxy_port(const fo_connproxy *p)
{
    return p->port;
}

int fo_connproxy_accepts(fo_connproxy *p)
{
    return atomic_load(&p->accepts);
}

int fo_connproxy_tunnels(fo_connproxy *p)
{
    return atomic_load(&p->tunnels);
}

void fo_connproxy_last_target(fo_connproxy *p, char *buf, size_t len)
{
    pthread_mutex_lock(&p->mu);
    snprintf(buf, len, "%s", p->target);
    pthread_mutex_unlock(&p->mu);
}

void fo_connproxy_client_cn(fo_connproxy *p, char *buf, size_t len)
{
    pthread_mutex_lock(&p->mu);
    snprintf(buf, len, "%s", p->cn);
    pthread_mutex_unlock(&p->mu);
}
