/* The HTTP server's life (common/httpd.h): its listening socket, the thread that accepts
 * connections and spreads them over the pool's daemons (or MHD's own thread per connection),
 * start, quiesce, drain and stop. Serving the requests is httpd.c's. */
#include "common/httpd_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* How long fo_httpd_stop waits for requests in flight at least; with a request timeout, that
 * long (a request within it may still be answered in time). */
#define STOP_GRACE_MS 5000
/* While every daemon is full, the acceptor looks again this often. */
#define FULL_POLL_MS 10
/* MHD's connection limit per daemon over the acceptor's (acceptor_main). */
#define LIMIT_HEADROOM 8
/* Connections still counted as queued this long after the last hand-over are leaks. */
#define QUEUED_STALE_MS 2000
/* While every place is taken and a client waits to connect, a connection that has waited this
 * long for its first request gives its place up (make_room); younger ones keep it, so a
 * newcomer has that long to send its request. */
#define EVICT_MIN_AGE_MS 500
/* A connection answered before (a client's keep-alive connection, which it may be about to
 * use: a request written as the connection closes fails) is taken only after this long idle,
 * and only when no silent one can go. */
#define EVICT_MIN_IDLE_MS 5000
/* How long the acceptor waits for MHD to close a connection it shut down. */
#define EVICT_CLOSE_WAIT_MS 200

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
 * wakes first, which could leave every connection, and all the handlers' work, on one core.)
 * Only a daemon under its limit, counting the connections handed to it that its thread has
 * not started yet: NULL when every one is full. */
static struct slot *least_loaded(fo_httpd *srv)
{
    /* A connection handed over but never started (MHD failed to allocate its pool: no notice
     * follows) would count as queued for good, and enough of them would keep the acceptor
     * from ever adding again. A daemon starts what it was handed within a loop of its thread
     * (handlers end in well under a second), so what is still counted two seconds after the
     * last hand-over is such a leak. */
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    for (unsigned k = 0; k < srv->nslots; k++) {
        struct slot *s = &srv->slots[k];
        if (now - s->last_added_ms > QUEUED_STALE_MS && atomic_load(&s->queued) > 0)
            atomic_store(&s->queued, 0);
    }
    unsigned first = srv->next_slot++ % srv->nslots;
    struct slot *best = NULL;
    unsigned best_busy = 0, best_conns = 0;
    for (unsigned k = 0; k < srv->nslots; k++) {
        struct slot *s = &srv->slots[(first + k) % srv->nslots];
        unsigned busy = atomic_load(&s->busy);
        unsigned conns = atomic_load(&s->connections) + atomic_load(&s->queued);
        if (conns >= s->limit)
            continue;
        if (!best || busy < best_busy || (busy == best_busy && conns < best_conns)) {
            best = s;
            best_busy = busy;
            best_conns = conns;
        }
    }
    return best;
}

static struct conn *oldest_waiting(fo_httpd *srv, int64_t now);

/* Has the connection make_room shut down last been closed (or its entry reused)? */
static bool evicted_gone(fo_httpd *srv)
{
    struct conn *c = srv->evicted;
    if (!c)
        return true;
    pthread_mutex_lock(&srv->conns_mu);
    bool gone = c->phase == CONN_FREE || c->fd != srv->evicted_fd || c->since_ms != srv->evicted_ms;
    pthread_mutex_unlock(&srv->conns_mu);
    if (gone)
        srv->evicted = NULL;
    return gone;
}

/* Every place is taken. When a client waits in the backlog, one connection waiting for a
 * request (oldest_waiting: silent since it connected, else idle keep-alive) is shut down
 * and, once MHD has closed it, its place goes to the newcomer, one at a time: a crowd of
 * idle or silent connections, which MHD's timeouts would let go only one by one after 10 s,
 * cannot keep a client that sends at once waiting (as a web server reuses its idle
 * keep-alive connections when it runs out). True when a place was freed. */
static bool make_room(fo_httpd *srv)
{
    struct pollfd p = {.fd = srv->listen_fd, .events = POLLIN};
    if (poll(&p, 1, FULL_POLL_MS) <= 0 || !(p.revents & POLLIN))
        return false; /* nobody waiting (this waited FULL_POLL_MS) */
    if (!evicted_gone(srv)) { /* one at a time: its daemon is still in a handler */
        fo_httpd_sleep_ms(FULL_POLL_MS);
        return false;
    }
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    pthread_mutex_lock(&srv->conns_mu);
    struct conn *victim = oldest_waiting(srv, now);
    int fd = victim ? victim->fd : -1;
    if (victim) {
        shutdown(fd, SHUT_RDWR); /* MHD closes it as on the client's hang-up */
        victim->since_ms = now;  /* and it is not picked again meanwhile */
    }
    pthread_mutex_unlock(&srv->conns_mu);
    if (!victim) {
        fo_httpd_sleep_ms(FULL_POLL_MS);
        return false;
    }
    srv->evicted = victim;
    srv->evicted_fd = fd;
    srv->evicted_ms = now;
    for (int waited = 0; waited < EVICT_CLOSE_WAIT_MS; waited += 2) {
        if (evicted_gone(srv))
            return true;
        fo_httpd_sleep_ms(2);
    }
    return false; /* its daemon is inside a handler: it closes it next, the slot frees then */
}

/* The acceptor keeps every daemon under its connection limit itself, and while all are full
 * leaves new connections waiting in the listening socket's backlog, as MHD's own accept loop
 * does, unless a place can be made (make_room): a newcomer is handed over only once the
 * place is free. A connection handed to a daemon at its limit would reach libmicrohttpd
 * 0.9.75's "firm check" of the limit in new_connection_process_(), which locks the daemon's cleanup
 * mutex and returns without unlocking it (fixed upstream in 1.0.0, commit 67061d5c): the
 * daemon's thread then blocks for good on its next connection, with every connection it holds,
 * and stopping the server hangs. A burst of a few hundred connections did that. */
static void *acceptor_main(void *arg)
{
    fo_httpd *srv = arg;
    for (;;) {
        if (atomic_load(&srv->quiescing))
            return NULL;
        struct slot *room = least_loaded(srv);
        if (!room) {
            make_room(srv); /* waits a little either way */
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            /* Chosen again (the accept may have waited long, and which thread is busy
             * changed), but never dropped: the slot found before still has room, since only
             * this thread adds. (A connection just started can be counted as queued and as
             * started for a moment, so the pool can look full when it is not.) */
            struct slot *slot = least_loaded(srv);
            if (!slot)
                slot = room;
            atomic_fetch_add(&slot->queued, 1);
            slot->last_added_ms = fo_clock_mono_ms(fo_clock_real());
            /* MHD closes the socket when it cannot take it */
            if (MHD_add_connection(slot->daemon, fd, (struct sockaddr *)&ss, len) != MHD_YES)
                atomic_fetch_sub(&slot->queued, 1);
            continue;
        }
        if (atomic_load(&srv->quiescing) || errno == EINVAL || errno == EBADF)
            return NULL; /* the listening socket was shut down */
        if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) {
            /* out of descriptors or memory: let connections end before trying again */
            fo_log_warn("httpd: accept: %s", strerror(errno));
            fo_httpd_sleep_ms(50);
        }
    }
}

/* ---- connection states and the watchdog ---- */

/* The watchdog looks at every connection this often. */
#define WATCHDOG_TICK_MS 500

/* A connection's state from MHD's start notice to its close notice; NULL only when the table
 * is full (it is sized to every daemon's MHD limit, so never). */
struct conn *fo_httpd_conn_open(fo_httpd *srv, struct slot *slot, int fd)
{
    pthread_mutex_lock(&srv->conns_mu);
    struct conn *c = srv->free_conns;
    if (c) {
        srv->free_conns = c->next_free;
        *c = (struct conn){.slot = slot,
                           .fd = fd,
                           .phase = CONN_WAITING,
                           .since_ms = fo_clock_mono_ms(fo_clock_real())};
    }
    pthread_mutex_unlock(&srv->conns_mu);
    return c;
}

/* Called from MHD's close notice, before MHD closes the socket: once this returns the
 * watchdog never touches the descriptor again (it may be reused). */
void fo_httpd_conn_close(fo_httpd *srv, struct conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    c->phase = CONN_FREE;
    c->fd = -1;
    c->next_free = srv->free_conns;
    srv->free_conns = c;
    pthread_mutex_unlock(&srv->conns_mu);
}

void fo_httpd_conn_phase(fo_httpd *srv, struct conn *c, enum conn_phase phase)
{
    if (!c)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    if (phase == CONN_WAITING) /* only ever set again after an answer */
        c->answered = true;
    c->phase = phase;
    c->since_ms = fo_clock_mono_ms(fo_clock_real());
    pthread_mutex_unlock(&srv->conns_mu);
}

/* MHD's timeouts count silence: a client that sends a request's headers a byte every few
 * seconds keeps its connection as long as it likes, and 256 such clients held every place.
 * The watchdog gives headers the request timeout from the request line on, and while three
 * quarters of the places are taken, gives a connection waiting for its next request (or for
 * its first: a request line trickling in looks the same) no longer either. It shuts the socket
 * down and MHD closes the connection as it would on the client's hang-up. */
static void *watchdog_main(void *arg)
{
    fo_httpd *srv = arg;
    int64_t limit_ms = (int64_t)srv->request_timeout_s * 1000;
    pthread_mutex_lock(&srv->conns_mu);
    while (!atomic_load(&srv->stopping)) {
        struct timespec t; /* the condition variable waits on the monotonic clock */
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += WATCHDOG_TICK_MS * 1000000L;
        t.tv_sec += t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&srv->watchdog_cv, &srv->conns_mu, &t);
        int64_t now = fo_clock_mono_ms(fo_clock_real());
        bool crowded = atomic_load(&srv->connections) * 4 >= srv->max_connections * 3;
        for (unsigned i = 0; i < srv->conns_capacity; i++) {
            struct conn *c = &srv->conns[i];
            bool late = now - c->since_ms > limit_ms && c->fd >= 0;
            if (late && (c->phase == CONN_HEADERS || (c->phase == CONN_WAITING && crowded))) {
                shutdown(c->fd, SHUT_RDWR);
                c->since_ms = now; /* once: MHD closes it on its next look */
            }
        }
    }
    pthread_mutex_unlock(&srv->conns_mu);
    return NULL;
}

/* Under conns_mu: the connection to close for a newcomer: of those waiting for a request,
 * one never answered and silent for EVICT_MIN_AGE_MS, else one idle for EVICT_MIN_IDLE_MS
 * since its last answer; the longest waiting, on a thread that is not inside a handler (it
 * closes the connection at once) if there is one. NULL when none qualifies. */
static struct conn *oldest_waiting(fo_httpd *srv, int64_t now)
{
    struct conn *best = NULL;
    int best_rank = 0;
    for (unsigned i = 0; i < srv->conns_capacity; i++) {
        struct conn *c = &srv->conns[i];
        if (c->phase != CONN_WAITING || c->fd < 0 ||
            now - c->since_ms < (c->answered ? EVICT_MIN_IDLE_MS : EVICT_MIN_AGE_MS))
            continue;
        int rank = (c->answered ? 0 : 2) + (atomic_load(&c->slot->busy) == 0 ? 1 : 0);
        if (!best || rank > best_rank || (rank == best_rank && c->since_ms < best->since_ms)) {
            best = c;
            best_rank = rank;
        }
    }
    return best;
}

static bool conns_init(fo_httpd *srv, unsigned max_conns, fo_err *err)
{
    /* every daemon's MHD limit: the acceptor's share of max_conns (rounded up) + headroom */
    unsigned capacity = max_conns + MAX_POOL_THREADS * (LIMIT_HEADROOM + 1);
    srv->max_connections = max_conns;
    srv->conns_capacity = capacity;
    srv->conns = calloc(capacity, sizeof *srv->conns);
    if (!srv->conns) {
        fo_err_set(err, FO_ENOMEM, "httpd: out of memory");
        return false;
    }
    for (unsigned i = capacity; i-- > 0;) {
        srv->conns[i].fd = -1;
        srv->conns[i].next_free = srv->free_conns;
        srv->free_conns = &srv->conns[i];
    }
    return true;
}

static void stop_watchdog(fo_httpd *srv)
{
    if (!srv->watchdog_running)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    atomic_store(&srv->stopping, true);
    pthread_cond_broadcast(&srv->watchdog_cv);
    pthread_mutex_unlock(&srv->conns_mu);
    pthread_join(srv->watchdog, NULL);
    srv->watchdog_running = false;
}

/* MHD options shared by both layouts; returns the count written (items has room for 16). */
static size_t common_options(struct MHD_OptionItem *items, const fo_httpd_opts *opts, fo_httpd *srv,
                             void *conn_cls, unsigned max_conns)
{
    size_t k = 0;
    items[k++] =
        (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)fo_httpd_on_mhd_log, NULL};
    /* Until its first answer a connection has the request's timeout, not the idle one (set
     * when a request completes): a client that connects (or starts its TLS handshake) and
     * sends nothing more holds its place that long, not two minutes. (Set here, not in the
     * start notice: 0.9.75's error path after that notice assumes the connection is still in
     * the default timeout list, and one moved out of it corrupted MHD's lists.) */
    unsigned first_timeout_s =
        srv->request_timeout_s ? srv->request_timeout_s : srv->idle_timeout_s;
    items[k++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)first_timeout_s, NULL};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)max_conns, NULL};
    if (opts->connection_memory_bytes)
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                             (intptr_t)opts->connection_memory_bytes, NULL};
    items[k++] =
        (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)fo_httpd_on_uri, srv};
    items[k++] =
        (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)fo_httpd_on_unescape, NULL};
    items[k++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)fo_httpd_on_completed, srv};
    items[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                         (intptr_t)fo_httpd_on_connection, conn_cls};
    if (srv->tls) {
        items[k++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
        items[k++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)fo_httpd_on_cert};
        /* MHD then asks each client for a certificate (GNUTLS_CERT_REQUEST) */
        if (srv->client_ca_pem)
            items[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                                 srv->client_ca_pem};
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
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, fo_httpd_on_request, srv, MHD_OPTION_ARRAY,
                                   items, MHD_OPTION_END);
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
    srv->listen_fd =
        listen_on(ss, v6, opts->bind_addr ? opts->bind_addr : "0.0.0.0", &srv->port, err);
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
        slot->limit = per_daemon;
        struct MHD_OptionItem items[16];
        /* MHD's own limit stays above the acceptor's, never to be reached (see acceptor_main) */
        size_t k = common_options(items, opts, srv, slot, per_daemon + LIMIT_HEADROOM);
        items[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        slot->daemon = MHD_start_daemon(flags, 0, NULL, NULL, fo_httpd_on_request, srv,
                                        MHD_OPTION_ARRAY, items, MHD_OPTION_END);
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
    if (opts->tls && opts->client_ca_pem && !(srv->client_ca_pem = strdup(opts->client_ca_pem))) {
        free(srv);
        fo_err_set(err, FO_ENOMEM, "httpd: out of memory");
        return NULL;
    }
    srv->max_body = opts->max_body_bytes ? opts->max_body_bytes : 1024 * 1024;
    srv->max_bodies = opts->max_bodies_bytes;
    srv->idle_timeout_s = opts->connection_timeout_s ? opts->connection_timeout_s : 30;
    srv->request_timeout_s = opts->request_timeout_s;
    srv->thread_per_connection = opts->threads == 0;
    srv->listen_fd = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle, NULL);
    pthread_mutex_init(&srv->conns_mu, NULL);
    pthread_condattr_t cattr; /* a step of the wall clock must not stall the watchdog */
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->watchdog_cv, &cattr);
    pthread_condattr_destroy(&cattr);
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
    if (!conns_init(srv, max_conns, err))
        goto fail;
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
    /* the pool serves clients that send at once (the webhook's API server): slow headers are
     * cut (watchdog_main) */
    if (!srv->thread_per_connection && srv->request_timeout_s) {
        if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0)
            fo_log_warn("httpd: no watchdog thread: slow headers are cut only by the idle "
                        "timeout");
        else
            srv->watchdog_running = true;
    }
    return srv;
fail:
    free(srv->conns);
    free(srv->client_ca_pem);
    pthread_cond_destroy(&srv->watchdog_cv);
    pthread_mutex_destroy(&srv->conns_mu);
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
    unsigned grace_s = STOP_GRACE_MS / 1000;
    if (srv->request_timeout_s > grace_s)
        grace_s = srv->request_timeout_s;
    deadline.tv_sec += grace_s;
    pthread_mutex_lock(&srv->mu);
    while (srv->inflight > 0) {
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &deadline) == ETIMEDOUT)
            break;
    }
    unsigned left = srv->inflight;
    pthread_mutex_unlock(&srv->mu);
    if (left)
        fo_log_warn("httpd: stopping with %u requests still in flight", left);
    stop_watchdog(srv); /* before the daemons: it must touch no socket of theirs after */
    atomic_store(&srv->stopping, true);
    stop_daemons(srv);
    free(srv->conns);
    free(srv->client_ca_pem);
    pthread_cond_destroy(&srv->watchdog_cv);
    pthread_mutex_destroy(&srv->conns_mu);
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}
