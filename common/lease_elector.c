/* The leader election loop: fo_lease_state's decisions carried out with a kube client. */
#include "common/lease.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "common/log.h"

/* client-go's JitterFactor for the acquire loop. */
#define ACQUIRE_JITTER 1.2

struct fo_lease_elector {
    fo_lease_state *st;
    fo_kube_client *kc; /* our own: short timeouts, no retries */
    fo_kube_ref ref;
    char *ns, *name;
    const fo_clock *clock;
    fo_lease_elector_opts opts;
    pthread_t thread;
    pthread_t deadline_thread; /* ends leadership at the renew deadline (watch_deadline) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, leader, done;
    bool ended;            /* leadership ended (lost or released): on_stopped_leading ran */
    int64_t deadline_mono; /* while leading: when leadership ends without a renewal */
    json_t *last; /* the Lease as we last read or wrote it */
    unsigned rng;
};

static void on_tick(void *ctx)
{
    fo_lease_elector *e = ctx;
    pthread_mutex_lock(&e->mu);
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Wait ms by the elector's clock; false when asked to stop. */
static bool wait_ms(fo_lease_elector *e, int64_t ms)
{
    int64_t until = fo_clock_mono_ms(e->clock) + ms;
    bool fake = fo_clock_is_fake(e->clock);
    pthread_mutex_lock(&e->mu);
    while (!e->stop && fo_clock_mono_ms(e->clock) < until) {
        if (fake) {
            pthread_cond_wait(&e->cv, &e->mu);
        } else {
            struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
            pthread_cond_timedwait(&e->cv, &e->mu, &ts);
        }
    }
    bool go_on = !e->stop;
    pthread_mutex_unlock(&e->mu);
    return go_on;
}

static void set_last(fo_lease_elector *e, json_t *obj)
{
    json_decref(e->last);
    e->last = obj;
}

/* How long the next request may take: the client's timeout (0), or while we lead no more
 * than what is left of the renew deadline, so that no request keeps us leading past it. -1
 * when nothing is left: send nothing. */
static long request_budget(fo_lease_elector *e)
{
    int64_t left = fo_lease_renew_left_ms(e->st, fo_clock_mono_ms(e->clock));
    if (left <= 0)
        return -1;
    return left < fo_lease_retry_period_ms(e->st) ? (long)left : 0;
}

/* One tryAcquireOrRenew: true when we hold the Lease afterwards. */
static bool attempt(fo_lease_elector *e)
{
    fo_err err;
    json_t *cur = NULL, *body = NULL, *written = NULL;
    bool ok = false;
    long budget = request_budget(e);
    if (budget < 0)
        return false;
    fo_rc rc = fo_kube_get_within(e->kc, &e->ref, budget, &cur, &err);
    if (rc != FO_OK && rc != FO_ENOTFOUND) {
        fo_log_warn("lease %s/%s: read failed: %s", e->ns, e->name, err.message);
        goto out;
    }
    int64_t mono = fo_clock_mono_ms(e->clock);
    fo_lease_action act = fo_lease_decide(e->st, cur, mono, fo_clock_now_ms(e->clock), &body);
    if (cur)
        set_last(e, json_incref(cur));
    if (act == FO_LEASE_WAIT)
        goto out;
    budget = request_budget(e); /* the read took some of it */
    if (budget < 0)
        goto out;
    fo_kube_write_opts wo = {.timeout_ms = budget};
    if (act == FO_LEASE_CREATE)
        rc = fo_kube_create(e->kc, &e->ref, body, &wo, &written, &err);
    else
        rc = fo_kube_update(e->kc, &e->ref, body, &wo, &written, &err);
    if (rc != FO_OK) {
        /* 409: someone else wrote first; they win this round. */
        if (rc == FO_EEXISTS || rc == FO_ECONFLICT)
            fo_log_debug("lease %s/%s: lost a race: %s", e->ns, e->name, err.message);
        else
            fo_log_warn("lease %s/%s: write failed: %s", e->ns, e->name, err.message);
        goto out;
    }
    fo_lease_written(e->st, written, fo_clock_mono_ms(e->clock));
    set_last(e, json_incref(written));
    ok = fo_lease_leading(e->st);
out:
    json_decref(cur);
    json_decref(body);
    json_decref(written);
    return ok;
}

static void set_leader(fo_lease_elector *e, bool v)
{
    pthread_mutex_lock(&e->mu);
    e->leader = v;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* After a renewal: the deadline moves to what the state allows from now. */
static void set_deadline(fo_lease_elector *e)
{
    int64_t now = fo_clock_mono_ms(e->clock);
    int64_t left = fo_lease_renew_left_ms(e->st, now);
    pthread_mutex_lock(&e->mu);
    e->deadline_mono = left == INT64_MAX ? 0 : now + left;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Take the end of leadership for ourselves: true for the first caller only (the renew loop,
 * the deadline watch or a stop), which then runs on_stopped_leading. */
static bool claim_end(fo_lease_elector *e, bool lost)
{
    pthread_mutex_lock(&e->mu);
    bool first = !e->ended;
    e->ended = true;
    if (first && lost) {
        e->leader = false;
        e->done = true;
    }
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    return first;
}

static bool has_ended(fo_lease_elector *e)
{
    pthread_mutex_lock(&e->mu);
    bool v = e->ended;
    pthread_mutex_unlock(&e->mu);
    return v;
}

/* The renew deadline, whatever the renewal is doing: its requests are bounded by what is
 * left of it, but not the wait for a token (an exec plugin) or the one retry after a 401,
 * which gets a whole request time again. Leadership ends at the deadline itself, before the
 * Lease we last wrote can run out and another replica lead. */
static void *watch_deadline(void *arg)
{
    fo_lease_elector *e = arg;
    bool fake = fo_clock_is_fake(e->clock);
    pthread_mutex_lock(&e->mu);
    while (!e->stop && !e->ended) {
        int64_t deadline = e->leader ? e->deadline_mono : 0;
        if (deadline > 0 && fo_clock_mono_ms(e->clock) >= deadline) {
            pthread_mutex_unlock(&e->mu);
            if (claim_end(e, true)) {
                fo_log_error("lease %s/%s: leadership lost (the renew deadline passed while a "
                             "renewal was under way)",
                             e->ns, e->name);
                if (e->opts.on_stopped_leading)
                    e->opts.on_stopped_leading(e->opts.ctx);
            }
            return NULL;
        }
        if (fake || deadline <= 0) {
            pthread_cond_wait(&e->cv, &e->mu);
        } else {
            struct timespec ts = {.tv_sec = deadline / 1000,
                                  .tv_nsec = (deadline % 1000) * 1000000};
            pthread_cond_timedwait(&e->cv, &e->mu, &ts);
        }
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static void release(fo_lease_elector *e)
{
    json_t *body = fo_lease_release_body(e->st, e->last, fo_clock_now_ms(e->clock));
    if (!body)
        return;
    fo_err err;
    json_t *written = NULL;
    if (fo_kube_update(e->kc, &e->ref, body, NULL, &written, &err) == FO_OK)
        fo_log_info("lease %s/%s released", e->ns, e->name);
    else
        fo_log_warn("lease %s/%s: release failed: %s", e->ns, e->name, err.message);
    json_decref(written);
    json_decref(body);
}

static void *run(void *arg)
{
    fo_lease_elector *e = arg;
    int64_t retry = fo_lease_retry_period_ms(e->st);
    /* Acquire: try, then wait retry * (1 + up to 1.2) between tries (client-go's jitter). */
    for (;;) {
        if (attempt(e))
            break;
        int64_t jitter =
            (int64_t)((double)rand_r(&e->rng) / RAND_MAX * ACQUIRE_JITTER * (double)retry);
        if (!wait_ms(e, retry + jitter))
            goto stopped;
    }
    fo_log_info("lease %s/%s acquired by %s", e->ns, e->name, e->opts.params.identity);
    set_deadline(e);
    set_leader(e, true);
    if (e->opts.on_started_leading)
        e->opts.on_started_leading(e->opts.ctx);
    /* Renew every retry period; give up once the renew deadline passed without a success,
     * at the deadline itself: waits and requests end there (request_budget). */
    for (;;) {
        int64_t left = fo_lease_renew_left_ms(e->st, fo_clock_mono_ms(e->clock));
        if (!wait_ms(e, left < retry ? (left > 0 ? left : 0) : retry))
            break;
        bool renewed = attempt(e);
        if (has_ended(e))
            return NULL; /* the deadline passed during the attempt (watch_deadline) */
        if (renewed) {
            set_deadline(e);
            continue;
        }
        if (fo_lease_failed(e->st, fo_clock_mono_ms(e->clock))) {
            if (claim_end(e, true)) {
                fo_log_error("lease %s/%s: leadership lost (no renewal within the deadline)",
                             e->ns, e->name);
                if (e->opts.on_stopped_leading)
                    e->opts.on_stopped_leading(e->opts.ctx);
            }
            return NULL;
        }
    }
    /* Asked to stop while leading (unless the deadline ended it meanwhile). */
    if (!claim_end(e, false))
        return NULL;
    if (!e->opts.no_release)
        release(e);
    set_leader(e, false);
    if (e->opts.on_stopped_leading)
        e->opts.on_stopped_leading(e->opts.ctx);
stopped:
    return NULL;
}

fo_lease_elector *fo_lease_elector_start(const fo_lease_elector_opts *opts, fo_err *err)
{
    fo_err_clear(err);
    if (!opts || !opts->kc) {
        fo_err_set(err, FO_EINVAL, "lease elector: no kube client");
        return NULL;
    }
    fo_lease_elector *e = calloc(1, sizeof *e);
    if (!e) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    e->opts = *opts;
    e->clock = opts->clock ? opts->clock : fo_clock_real();
    e->st = fo_lease_state_new(&opts->params);
    if (!e->st) {
        fo_err_set(err, FO_EINVAL,
                   "lease elector: need namespace, name and identity (<= %d bytes), and lease "
                   "duration > renew deadline > 1.2 x retry period",
                   FO_LEASE_MAX_IDENTITY);
        free(e);
        return NULL;
    }
    e->ns = strdup(opts->params.ns);
    e->name = strdup(opts->params.name);
    e->ref = (fo_kube_ref){.group = "coordination.k8s.io",
                           .version = "v1",
                           .resource = "leases",
                           .ns = e->ns,
                           .name = e->name};
    e->rng = (unsigned)fo_clock_real_mono_ns();
    /* Requests must not outlast the renew deadline: one retry period each, no retries (the
     * loop itself retries). */
    int64_t retry = fo_lease_retry_period_ms(e->st);
    fo_kube_client_opts ko = {.timeout_ms = retry,
                              .connect_timeout_ms = retry,
                              .max_retries = -1,
                              .user_agent = "flinkop-leader-election"};
    e->kc = fo_kube_client_new(fo_kube_client_config(opts->kc), &ko, err);
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    bool watching = false;
    if (!e->kc || !e->ns || !e->name || !fo_clock_subscribe(e->clock, on_tick, e) ||
        !(watching = pthread_create(&e->deadline_thread, NULL, watch_deadline, e) == 0) ||
        pthread_create(&e->thread, NULL, run, e) != 0) {
        if (err && err->rc == FO_OK)
            fo_err_set(err, FO_ENOMEM, "lease elector: cannot start");
        if (watching) {
            pthread_mutex_lock(&e->mu);
            e->stop = true;
            pthread_cond_broadcast(&e->cv);
            pthread_mutex_unlock(&e->mu);
            pthread_join(e->deadline_thread, NULL);
        }
        fo_clock_unsubscribe(e->clock, on_tick, e);
        fo_kube_client_free(e->kc);
        fo_lease_state_free(e->st);
        pthread_cond_destroy(&e->cv);
        pthread_mutex_destroy(&e->mu);
        free(e->ns);
        free(e->name);
        free(e);
        return NULL;
    }
    return e;
}

bool fo_lease_elector_is_leader(fo_lease_elector *e)
{
    pthread_mutex_lock(&e->mu);
    bool v = e->leader;
    pthread_mutex_unlock(&e->mu);
    return v;
}

bool fo_lease_elector_done(fo_lease_elector *e)
{
    pthread_mutex_lock(&e->mu);
    bool v = e->done;
    pthread_mutex_unlock(&e->mu);
    return v;
}

void fo_lease_elector_stop(fo_lease_elector *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    pthread_join(e->deadline_thread, NULL);
    fo_clock_unsubscribe(e->clock, on_tick, e);
    fo_kube_client_free(e->kc);
    fo_lease_state_free(e->st);
    json_decref(e->last);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e->ns);
    free(e->name);
    free(e);
}
