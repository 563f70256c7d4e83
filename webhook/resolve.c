#include "webhook/resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"

#define MAX_ADDRS 16

/* Shared by the waiting callers and the lookup thread; the last one out frees it. While it
 * runs it is on the in-flight list (under cache_mu), where a caller asking for the same name
 * joins it instead of starting another thread (unless it has run past a caller's wait: a
 * lost packet keeps glibc's resolver 5 s per try, and the next caller starts afresh); the
 * thread holds its reference until it has taken it off the list, so a lookup found there is
 * never freed under the one joining it. */
struct lookup {
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    int refs;
    bool done;
    struct lookup *next_in_flight;
    int64_t started_ms; /* monotonic */
    int count; /* addresses found, 0 = does not resolve, -1 = lookup failed */
    char addrs[MAX_ADDRS][64];
    char host[256];
};

static atomic_int pending;
static atomic_ulong started;

/* The answers kept: a slot is free when its host is empty; the one to replace is the one that
 * expires first. */
struct cached {
    char host[256];
    int count; /* >= 0 */
    char addrs[MAX_ADDRS][64];
    int64_t expires_ms;
};
static struct cached cache[FO_RESOLVE_CACHE_ENTRIES];
static struct lookup *in_flight;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(fo_wh_getaddrinfo_fn) lookup_fn = getaddrinfo;

void fo_wh_resolve_use(fo_wh_getaddrinfo_fn fn)
{
    atomic_store(&lookup_fn, fn ? fn : getaddrinfo);
}

/* A kept answer for host into out (up to max): its count, or -1 when none is kept. Called
 * with cache_mu held. */
static int cache_get_locked(const char *host, char out[][64], int max)
{
    int result = -1;
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    for (int i = 0; i < FO_RESOLVE_CACHE_ENTRIES && result < 0; i++) {
        struct cached *c = &cache[i];
        if (c->host[0] && c->expires_ms > now && strcmp(c->host, host) == 0) {
            result = c->count < max ? c->count : max;
            for (int k = 0; k < result; k++)
                memcpy(out[k], c->addrs[k], 64);
        }
    }
    return result;
}

/* Called with cache_mu held. */
static void cache_put_locked(const char *host, int count, char addrs[][64])
{
    int64_t now = fo_clock_mono_ms(fo_clock_real());
    struct cached *slot = &cache[0];
    for (int i = 0; i < FO_RESOLVE_CACHE_ENTRIES; i++) {
        struct cached *c = &cache[i];
        if (strcmp(c->host, host) == 0) { /* the same name again: refresh it */
            slot = c;
            break;
        }
        if (c->expires_ms < slot->expires_ms)
            slot = c; /* a free slot expires at 0: first of all */
    }
    snprintf(slot->host, sizeof slot->host, "%s", host);
    slot->count = count;
    if (count > 0)
        memcpy(slot->addrs, addrs, sizeof addrs[0] * (size_t)count);
    slot->expires_ms = now + (count > 0 ? FO_RESOLVE_CACHE_MS : FO_RESOLVE_NEGATIVE_CACHE_MS);
}

/* The lookup of host already running, with a reference taken for the caller, or NULL (also
 * when it has run longer than a caller waits). Called with cache_mu held. */
static struct lookup *join_in_flight_locked(const char *host, int64_t now_ms)
{
    for (struct lookup *l = in_flight; l; l = l->next_in_flight)
        if (now_ms - l->started_ms < FO_RESOLVE_TIMEOUT_MS && strcmp(l->host, host) == 0) {
            pthread_mutex_lock(&l->mu);
            l->refs++;
            pthread_mutex_unlock(&l->mu);
            return l;
        }
    return NULL;
}

static void leave_in_flight_locked(struct lookup *l)
{
    for (struct lookup **p = &in_flight; *p; p = &(*p)->next_in_flight)
        if (*p == l) {
            *p = l->next_in_flight;
            return;
        }
}

unsigned long fo_wh_resolve_lookups_started(void)
{
    return atomic_load(&started);
}

int fo_wh_resolve_lookups_running(void)
{
    return atomic_load(&pending);
}

static void lookup_unref(struct lookup *l)
{
    pthread_mutex_lock(&l->mu);
    bool last = --l->refs == 0;
    pthread_mutex_unlock(&l->mu);
    if (last) {
        pthread_cond_destroy(&l->done_cv);
        pthread_mutex_destroy(&l->mu);
        free(l);
    }
}

static void *run(void *arg)
{
    struct lookup *l = arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    fo_wh_getaddrinfo_fn fn = atomic_load(&lookup_fn);
    int rc = fn(l->host, NULL, &hints, &res);
    int count = 0;
    char addrs[MAX_ADDRS][64];
    if (rc == 0) {
        for (struct addrinfo *ai = res; ai && count < MAX_ADDRS; ai = ai->ai_next) {
            const void *src = NULL;
            if (ai->ai_family == AF_INET)
                src = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
            else if (ai->ai_family == AF_INET6)
                src = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
            if (src && inet_ntop(ai->ai_family, src, addrs[count], 64))
                count++;
        }
        freeaddrinfo(res);
    } else if (rc != EAI_NONAME && rc != EAI_NODATA) {
        count = -1; /* the resolver failed (timeout, no network): we cannot tell */
    }
    pthread_mutex_lock(&cache_mu);
    if (count >= 0)
        cache_put_locked(l->host, count, addrs);
    leave_in_flight_locked(l);
    pthread_mutex_unlock(&cache_mu);
    pthread_mutex_lock(&l->mu);
    l->count = count;
    if (count > 0)
        memcpy(l->addrs, addrs, sizeof addrs[0] * (size_t)count);
    l->done = true;
    pthread_cond_broadcast(&l->done_cv);
    pthread_mutex_unlock(&l->mu);
    atomic_fetch_sub(&pending, 1);
    lookup_unref(l);
    return NULL;
}

/* A new lookup of host, on the in-flight list (the newest first), with references for the
 * caller and for its thread; NULL when none can be started (too many pending, no memory).
 * Called with cache_mu held; start_thread runs it. */
static struct lookup *new_locked(const char *host, int64_t now_ms)
{
    if (atomic_fetch_add(&pending, 1) >= FO_RESOLVE_MAX_PENDING) {
        atomic_fetch_sub(&pending, 1);
        return NULL;
    }
    struct lookup *l = calloc(1, sizeof *l);
    if (!l) {
        atomic_fetch_sub(&pending, 1);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    l->refs = 2;
    l->started_ms = now_ms;
    strcpy(l->host, host);
    l->next_in_flight = in_flight;
    in_flight = l;
    return l;
}

/* Run l on its own thread (outside cache_mu: creating a thread maps its stack, and cache hits
 * should not wait for that). False when no thread could be started: l is then off the list,
 * failed, and the thread's reference dropped (joiners see it done with nothing). */
static bool start_thread(struct lookup *l)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    atomic_fetch_add(&started, 1);
    int rc = pthread_create(&th, &attr, run, l);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        return true;
    pthread_mutex_lock(&cache_mu);
    leave_in_flight_locked(l);
    pthread_mutex_unlock(&cache_mu);
    atomic_fetch_sub(&pending, 1);
    pthread_mutex_lock(&l->mu);
    l->count = -1;
    l->done = true;
    pthread_cond_broadcast(&l->done_cv);
    pthread_mutex_unlock(&l->mu);
    lookup_unref(l);
    return false;
}

int fo_wh_resolve_host(void *ctx, const char *host, char out[][64], int max)
{
    (void)ctx;
    if (!host || !*host || strlen(host) >= sizeof ((struct lookup *)0)->host || max <= 0)
        return -1;
    /* the deadline counts from the call, also for a caller joining a running lookup */
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += FO_RESOLVE_TIMEOUT_MS / 1000;
    dl.tv_nsec += (long)(FO_RESOLVE_TIMEOUT_MS % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int64_t now_ms = fo_clock_mono_ms(fo_clock_real());
    pthread_mutex_lock(&cache_mu);
    int kept = cache_get_locked(host, out, max);
    struct lookup *l = NULL;
    bool fresh = false;
    if (kept < 0 && !(l = join_in_flight_locked(host, now_ms)))
        fresh = (l = new_locked(host, now_ms)) != NULL;
    pthread_mutex_unlock(&cache_mu);
    if (kept >= 0 || !l)
        return kept;
    if (fresh && !start_thread(l)) {
        lookup_unref(l);
        return -1;
    }
    int result = -1;
    pthread_mutex_lock(&l->mu);
    while (!l->done)
        if (pthread_cond_timedwait(&l->done_cv, &l->mu, &dl) == ETIMEDOUT)
            break;
    if (l->done) {
        result = l->count < max ? l->count : max;
        for (int i = 0; i < result; i++)
            memcpy(out[i], l->addrs[i], 64);
    }
    pthread_mutex_unlock(&l->mu);
    lookup_unref(l);
    return result;
}
