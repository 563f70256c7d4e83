#include "tests/support/rawsrv.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* How often the accepting thread and fo_rawsrv_hold look at the stop flag. */
#define POLL_MS 50

struct fo_rawsrv {
    fo_rawsrv_opts o;
    int lfd, port;
    pthread_t acceptor;
    atomic_int stop;
    atomic_int accepts;
    atomic_int requests;
    pthread_mutex_t mu; /* guards last, fds, nconns */
    fo_rawsrv_request last;
    pthread_t threads[FO_RAWSRV_MAX_CONNS];
    int fds[FO_RAWSRV_MAX_CONNS]; /* -1 once the connection's thread has closed it */
    int nconns;
};

struct conn {
    fo_rawsrv *s;
    int slot;
    int fd;
    /* Bytes read and not yet used: a request can arrive in pieces, and a keep-alive client
     * may send the next one in the same segment. */
    char buf[FO_RAWSRV_MAX_HEAD + FO_RAWSRV_MAX_BODY];
    size_t have;
    fo_rawsrv_request req;
};

bool fo_rawsrv_send(int fd, const void *data, size_t len)
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

bool fo_rawsrv_send_str(int fd, const char *text)
{
    return fo_rawsrv_send(fd, text, strlen(text));
}

void fo_rawsrv_hold(fo_rawsrv *s, int fd)
{
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, POLL_MS) > 0) {
            char b[512];
            if (recv(fd, b, sizeof b, 0) <= 0)
                return;
        }
    }
}

static bool fill(struct conn *c)
{
    if (c->have == sizeof c->buf)
        return false;
    ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
    if (n <= 0)
        return false;
    c->have += (size_t)n;
    return true;
}

/* The value of Content-Length in a request head (RFC 9112 section 6.2), 0 when absent; -1
 * when it is not a number. Field names are case-insensitive (RFC 9110 section 5.1). */
static long content_length(const char *head)
{
    const char *p = strcasestr(head, "\r\ncontent-length:");
    if (!p)
        return 0;
    p += strlen("\r\ncontent-length:");
    while (*p == ' ' || *p == '\t')
        p++;
    char *end = NULL;
    long v = strtol(p, &end, 10);
    return end == p || v < 0 ? -1 : v;
}

/* Read the next request into c->req; false when the peer closed, the server is stopping, or
 * the bytes do not make a request within the limits. */
static bool read_request(struct conn *c)
{
    const char *end;
    while (!(end = memmem(c->buf, c->have, "\r\n\r\n", 4))) {
        if (c->have >= FO_RAWSRV_MAX_HEAD || !fill(c))
            return false;
    }
    size_t head_len = (size_t)(end - c->buf) + 4;
    if (head_len >= FO_RAWSRV_MAX_HEAD)
        return false;
    fo_rawsrv_request *r = &c->req;
    memcpy(r->head, c->buf, head_len);
    r->head[head_len] = '\0';
    long clen = content_length(r->head);
    if (clen < 0 || clen >= FO_RAWSRV_MAX_BODY)
        return false;
    while (c->have < head_len + (size_t)clen)
        if (!fill(c))
            return false;
    memcpy(r->body, c->buf + head_len, (size_t)clen);
    r->body[clen] = '\0';
    r->body_len = (size_t)clen;
    size_t used = head_len + (size_t)clen;
    memmove(c->buf, c->buf + used, c->have - used);
    c->have -= used;
    return true;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    fo_rawsrv *s = c->s;
    c->req.conn = c->slot;
    for (int seq = 0; !atomic_load(&s->stop) && read_request(c); seq++) {
        c->req.seq = seq;
        pthread_mutex_lock(&s->mu);
        s->last = c->req;
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add(&s->requests, 1);
        if (!s->o.reply(s, c->fd, &c->req, s->o.ctx))
            break;
    }
    /* fo_rawsrv_stop shuts fds down under the lock, so closing under it never hits a number
     * the kernel has already given to someone else. */
    pthread_mutex_lock(&s->mu);
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
    s->fds[c->slot] = -1;
    pthread_mutex_unlock(&s->mu);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    fo_rawsrv *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, POLL_MS) <= 0)
            continue;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int conn = atomic_fetch_add(&s->accepts, 1);
        if (s->o.on_accept)
            s->o.on_accept(s->o.ctx, conn);
        struct conn *c = s->nconns < FO_RAWSRV_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        c->slot = s->nconns;
        s->fds[c->slot] = fd;
        if (pthread_create(&s->threads[c->slot], NULL, conn_main, c) == 0) {
            s->nconns++;
        } else {
            close(fd);
            free(c);
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

fo_rawsrv *fo_rawsrv_start(const fo_rawsrv_opts *o)
{
    ck_assert(o && o->reply);
    fo_rawsrv *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(s->lfd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(s->lfd, 64), 0);
    ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&s->acceptor, NULL, accept_main, s), 0);
    return s;
}

void fo_rawsrv_stop(fo_rawsrv *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->acceptor, NULL);
    /* No thread is added from here on. Shutting a connection down wakes a blocked recv or
     * send in its thread, which then closes the fd itself. */
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nconns; i++)
        if (s->fds[i] >= 0)
            shutdown(s->fds[i], SHUT_RDWR);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nconns; i++)
        pthread_join(s->threads[i], NULL);
    close(s->lfd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int fo_rawsrv_port(const fo_rawsrv *s)
{
    return s->port;
}

char *fo_rawsrv_url(const fo_rawsrv *s, const char *path)
{
    char *u = NULL;
    ck_assert_int_gt(asprintf(&u, "http://127.0.0.1:%d%s", s->port, path), 0);
    return u;
}

int fo_rawsrv_accepts(fo_rawsrv *s)
{
    return atomic_load(&s->accepts);
}

int fo_rawsrv_requests(fo_rawsrv *s)
{
    return atomic_load(&s->requests);
}

const fo_rawsrv_request *fo_rawsrv_last(fo_rawsrv *s)
{
    return &s->last;
}
