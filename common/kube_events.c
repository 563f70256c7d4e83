#include "common/kube_events.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/kube_event_name.h"
#include "common/log.h"
#include "common/strbuf.h"

#define DEFAULT_QUEUE 1000
#define DEFAULT_CACHE 4096
#define DEFAULT_TIMEOUT_MS 5000
#define DRAIN_MS 2000
/* API requests one event may take (create, read back, bump, again on a conflict). */
#define MAX_REQUESTS 8

/* One event waiting to be written. */
struct pending {
    json_t *involved; /* {apiVersion, kind, name, namespace, uid, resourceVersion} */
    fo_event_type type;
    char *component; /* source.component */
    char *reason, *message;
    int64_t at_ms;
};

/* What the recorder last knew of an Event it wrote: a first guess for the next repeat, never
 * trusted (a bump carries the resourceVersion it was counted from, so a stale guess gets a 409
 * and is read again). */
struct seen {
    char *key; /* the identity: what makes two events the same */
    char name[FO_KUBE_EVENT_NAME_MAX + 1];
    char rv[64];    /* its resourceVersion as last read or written */
    int64_t count;  /* its count then */
    unsigned probe; /* which of the identity's names it is */
    uint64_t used;  /* LRU clock */
};

struct fo_kube_events {
    fo_kube_client *kc; /* ours */
    char *component, *instance;
    const fo_clock *clock;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pending *queue;
    size_t qcap, qhead, qlen;
    bool busy, stopping;
    fo_kube_events_stats stats;
    /* the LRU; touched by the recorder thread only */
    struct seen *cache;
    size_t ccap, clen;
    json_t *index; /* key -> slot */
    uint64_t tick;
};

static void pending_release(struct pending *p)
{
    json_decref(p->involved);
    free(p->component);
    free(p->reason);
    free(p->message);
    memset(p, 0, sizeof *p);
}

/* ---- the LRU of written events ---- */

static struct seen *lru_find(fo_kube_events *ev, const char *key)
{
    json_t *slot = json_object_get(ev->index, key);
    if (!slot)
        return NULL;
    struct seen *s = &ev->cache[json_integer_value(slot)];
    s->used = ++ev->tick;
    return s;
}

static void seen_release(struct seen *s)
{
    free(s->key);
    memset(s, 0, sizeof *s);
}

/* Remember what was written for key: in s when it is key's entry already, else in a new or
 * the least recently used slot. Out of memory: nothing is remembered. */
static void lru_put(fo_kube_events *ev, struct seen *s, const char *key, const struct seen *got)
{
    if (!s) {
        size_t slot;
        if (ev->clen < ev->ccap) {
            slot = ev->clen++;
        } else { /* evict the least recently used */
            slot = 0;
            for (size_t i = 1; i < ev->clen; i++)
                if (ev->cache[i].used < ev->cache[slot].used)
                    slot = i;
            json_object_del(ev->index, ev->cache[slot].key);
            seen_release(&ev->cache[slot]);
        }
        s = &ev->cache[slot];
        s->key = strdup(key);
        if (!s->key || json_object_set_new(ev->index, key, json_integer((json_int_t)slot)) != 0) {
            seen_release(s);
            if (slot == ev->clen - 1)
                ev->clen--;
            return;
        }
    }
    memcpy(s->name, got->name, sizeof s->name);
    memcpy(s->rv, got->rv, sizeof s->rv);
    s->count = got->count;
    s->probe = got->probe;
    s->used = ++ev->tick;
}

static const char *str(const json_t *o, const char *key)
{
    const char *v = fo_json_str(o, key);
    return v ? v : "";
}

static const char *type_name(fo_event_type type)
{
    return type == FO_EVENT_WARNING ? "Warning" : "Normal";
}

static char *dedupe_key(const struct pending *p)
{
    char *key = NULL;
    const json_t *o = p->involved;
    if (asprintf(&key, "%s\n%s\n%s\n%s\n%s\n%s\n%d\n%s\n%s", str(o, "apiVersion"),
                 str(o, "kind"), str(o, "namespace"), str(o, "name"), str(o, "uid"), p->component,
                 (int)p->type, p->reason, p->message) < 0)
        return NULL;
    return key;
}

/* Does the stored Event e tell p's identity (the fields dedupe_key is made of)? Its name may
 * come from another identity's hash, or from someone else. */
static bool same_identity(const json_t *e, const struct pending *p)
{
    static const char *const involved[] = {"apiVersion", "kind", "namespace", "name", "uid"};
    const json_t *io = json_object_get(e, "involvedObject");
    for (size_t i = 0; i < sizeof involved / sizeof involved[0]; i++)
        if (strcmp(str(io, involved[i]), str(p->involved, involved[i])) != 0)
            return false;
    return strcmp(str(json_object_get(e, "source"), "component"), p->component) == 0 &&
           strcmp(str(e, "type"), type_name(p->type)) == 0 &&
           strcmp(str(e, "reason"), p->reason) == 0 && strcmp(str(e, "message"), p->message) == 0;
}

/* ---- writing ---- */

static void count(fo_kube_events *ev, uint64_t *c)
{
    pthread_mutex_lock(&ev->mu);
    (*c)++;
    pthread_mutex_unlock(&ev->mu);
}

static const char *event_ns(const struct pending *p)
{
    const char *ns = fo_json_str(p->involved, "namespace");
    return ns && *ns ? ns : "default"; /* cluster-scoped objects: client-go uses "default" */
}

/* The resourceVersion and count of a stored Event into t. A count below 1 (an Event someone
 * else wrote without one) counts as the one event it tells. */
static void take_state(struct seen *t, const json_t *e)
{
    snprintf(t->rv, sizeof t->rv, "%s", str(json_object_get(e, "metadata"), "resourceVersion"));
    const json_t *c = json_object_get(e, "count");
    t->count = json_is_integer(c) && json_integer_value(c) > 0 ? json_integer_value(c) : 1;
}

/* POST p as a new Event named name, count 1. */
static fo_rc post_event(fo_kube_events *ev, const struct pending *p, const char *ns,
                        const char *name, json_t **out, fo_err *err)
{
    char ts[40];
    fo_clock_format_rfc3339(p->at_ms, false, ts, sizeof ts);
    json_t *body = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:O,s:s,s:s,s:s,s:{s:s},s:s,s:s,s:i,s:s,s:s}", "apiVersion", "v1",
        "kind", "Event", "metadata", "name", name, "namespace", ns, "involvedObject", p->involved,
        "reason", p->reason, "message", p->message, "type", type_name(p->type), "source",
        "component", p->component, "firstTimestamp", ts, "lastTimestamp", ts, "count", 1,
        "reportingComponent", ev->component, "reportingInstance", ev->instance);
    if (!body)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_kube_ref ref = {.version = "v1", .resource = "events", .ns = ns};
    fo_rc rc = fo_kube_create(ev->kc, &ref, body, NULL, out, err);
    json_decref(body);
    return rc;
}

/* Count one more into the Event t, as of the resourceVersion t was read at: a merge patch
 * that names the resourceVersion is refused with 409 when the Event changed since
 * (kube-api-semantics.md §4), so a repeat another process counted meanwhile is never
 * overwritten. */
static fo_rc bump_event(fo_kube_events *ev, const struct pending *p, const char *ns,
                        const struct seen *t, json_t **out, fo_err *err)
{
    char ts[40];
    fo_clock_format_rfc3339(p->at_ms, false, ts, sizeof ts);
    json_t *patch = json_pack("{s:{s:s},s:I,s:s}", "metadata", "resourceVersion", t->rv, "count",
                              (json_int_t)(t->count + 1), "lastTimestamp", ts);
    if (!patch)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_kube_ref ref = {.version = "v1", .resource = "events", .ns = ns, .name = t->name};
    fo_rc rc = fo_kube_patch(ev->kc, &ref, FO_PATCH_MERGE, patch, NULL, out, err);
    json_decref(patch);
    return rc;
}

/* Write p into the Event named t->name: create it, or count the repeat into it. known: t's
 * resourceVersion and count are a guess to bump from (the LRU's); else the Event is created,
 * and read back when it exists (another process, or this one before a restart, wrote it).
 * Each request spends one of *budget. FO_OK: written, t holds the Event's state;
 * FO_EEXISTS: the name holds another identity's Event; else the failure in err. */
static fo_rc fold_into(fo_kube_events *ev, const struct pending *p, const char *ns, struct seen *t,
                       bool known, int *budget, fo_err *err)
{
    enum { CREATE, READ, BUMP } step = known ? BUMP : CREATE;
    fo_kube_ref ref = {.version = "v1", .resource = "events", .ns = ns, .name = t->name};
    while (*budget > 0) {
        (*budget)--;
        json_t *got = NULL;
        fo_rc rc;
        bool done = false, again = false; /* other failures are not tried again */
        if (step == CREATE) {
            rc = post_event(ev, p, ns, t->name, &got, err);
            done = rc == FO_OK;
            if (done)
                count(ev, &ev->stats.created);
            /* this identity's Event (written before a restart, or by another replica), or
             * another identity's under the same name: read it */
            again = rc == FO_EEXISTS;
            step = READ;
        } else if (step == READ) {
            rc = fo_kube_get(ev->kc, &ref, &got, err);
            if (rc == FO_OK && !same_identity(got, p))
                rc = fo_err_set(err, FO_EEXISTS, "event %s/%s tells another event", ns, t->name);
            else if (rc == FO_OK)
                take_state(t, got);
            again = rc == FO_OK || rc == FO_ENOTFOUND; /* gone: it expired meanwhile */
            step = rc == FO_OK ? BUMP : CREATE;
        } else {
            rc = bump_event(ev, p, ns, t, &got, err);
            done = rc == FO_OK;
            if (done)
                count(ev, &ev->stats.patched);
            /* a conflict: someone counted since t was read, so read it again */
            again = rc == FO_ECONFLICT || rc == FO_ENOTFOUND;
            step = rc == FO_ECONFLICT ? READ : CREATE;
        }
        if (done)
            take_state(t, got);
        json_decref(got);
        if (done || !again)
            return rc;
    }
    return fo_err_set(err, FO_ECONFLICT, "event %s/%s: given up after %d requests", ns, t->name,
                      MAX_REQUESTS);
}

static void write_one(fo_kube_events *ev, const struct pending *p)
{
    char *key = dedupe_key(p);
    if (!key) {
        count(ev, &ev->stats.failed);
        return;
    }
    const char *ns = event_ns(p);
    struct seen *s = lru_find(ev, key);
    struct seen t = {.probe = s ? s->probe : 0};
    bool known = s != NULL;
    if (s) {
        memcpy(t.name, s->name, sizeof t.name);
        memcpy(t.rv, s->rv, sizeof t.rv);
        t.count = s->count;
    }
    int budget = MAX_REQUESTS;
    fo_err err;
    fo_err_clear(&err);
    fo_rc rc = FO_EEXISTS;
    for (; t.probe < FO_KUBE_EVENT_NAME_PROBES; t.probe++) {
        if (!known)
            fo_kube_event_name(fo_json_str(p->involved, "name"), key, t.probe, t.name);
        rc = fold_into(ev, p, ns, &t, known, &budget, &err);
        known = false;
        if (rc != FO_EEXISTS)
            break;
        fo_log_warn("event %s for %s/%s: %s", p->reason, ns, fo_json_str(p->involved, "name"),
                    err.message);
    }
    if (rc == FO_OK) {
        lru_put(ev, s, key, &t);
    } else {
        fo_log_warn("event %s for %s/%s not written: %s", p->reason, ns,
                    fo_json_str(p->involved, "name"), err.message);
        count(ev, &ev->stats.failed);
    }
    free(key);
}

static void *run(void *arg)
{
    fo_kube_events *ev = arg;
    int64_t drain_until = 0;
    pthread_mutex_lock(&ev->mu);
    for (;;) {
        while (ev->qlen == 0 && !ev->stopping)
            pthread_cond_wait(&ev->cv, &ev->mu);
        if (ev->qlen == 0)
            break;
        if (ev->stopping) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
            if (!drain_until)
                drain_until = ms + DRAIN_MS;
            if (ms > drain_until)
                break;
        }
        struct pending p = ev->queue[ev->qhead];
        memset(&ev->queue[ev->qhead], 0, sizeof p);
        ev->qhead = (ev->qhead + 1) % ev->qcap;
        ev->qlen--;
        ev->busy = true;
        pthread_mutex_unlock(&ev->mu);
        write_one(ev, &p);
        pending_release(&p);
        pthread_mutex_lock(&ev->mu);
        ev->busy = false;
        pthread_cond_broadcast(&ev->cv);
    }
    /* Whatever is left after the drain time is dropped. */
    while (ev->qlen > 0) {
        pending_release(&ev->queue[ev->qhead]);
        ev->qhead = (ev->qhead + 1) % ev->qcap;
        ev->qlen--;
        ev->stats.dropped++;
    }
    pthread_cond_broadcast(&ev->cv);
    pthread_mutex_unlock(&ev->mu);
    return NULL;
}

/* ---- public ---- */

fo_kube_events *fo_kube_events_new(const fo_kube_events_opts *opts, fo_err *err)
{
    fo_err_clear(err);
    if (!opts || !opts->kc) {
        fo_err_set(err, FO_EINVAL, "event recorder: no kube client");
        return NULL;
    }
    fo_kube_events *ev = calloc(1, sizeof *ev);
    if (!ev) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    char host[256] = "";
    if (!opts->instance)
        gethostname(host, sizeof host - 1);
    ev->component = strdup(opts->component ? opts->component : "flinkop");
    ev->instance = strdup(opts->instance ? opts->instance : host);
    ev->clock = opts->clock ? opts->clock : fo_clock_real();
    ev->qcap = opts->queue_size ? opts->queue_size : DEFAULT_QUEUE;
    ev->ccap = opts->cache_size ? opts->cache_size : DEFAULT_CACHE;
    ev->queue = calloc(ev->qcap, sizeof *ev->queue);
    ev->cache = calloc(ev->ccap, sizeof *ev->cache);
    ev->index = json_object();
    long timeout = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    fo_kube_client_opts ko = {.timeout_ms = timeout,
                              .connect_timeout_ms = timeout,
                              .max_retries = -1,
                              .user_agent = "flinkop-events"};
    ev->kc = fo_kube_client_new(fo_kube_client_config(opts->kc), &ko, err);
    pthread_mutex_init(&ev->mu, NULL);
    pthread_cond_init(&ev->cv, NULL);
    if (!ev->kc || !ev->component || !ev->instance || !ev->queue || !ev->cache || !ev->index ||
        pthread_create(&ev->thread, NULL, run, ev) != 0) {
        if (err && err->rc == FO_OK)
            fo_err_set(err, FO_ENOMEM, "event recorder: cannot start");
        fo_kube_client_free(ev->kc);
        free(ev->component);
        free(ev->instance);
        free(ev->queue);
        free(ev->cache);
        json_decref(ev->index);
        pthread_cond_destroy(&ev->cv);
        pthread_mutex_destroy(&ev->mu);
        free(ev);
        return NULL;
    }
    return ev;
}

void fo_kube_events_free(fo_kube_events *ev)
{
    if (!ev)
        return;
    pthread_mutex_lock(&ev->mu);
    ev->stopping = true;
    pthread_cond_broadcast(&ev->cv);
    pthread_mutex_unlock(&ev->mu);
    pthread_join(ev->thread, NULL);
    for (size_t i = 0; i < ev->clen; i++) {
        seen_release(&ev->cache[i]);
    }
    free(ev->cache);
    free(ev->queue);
    json_decref(ev->index);
    fo_kube_client_free(ev->kc);
    free(ev->component);
    free(ev->instance);
    pthread_cond_destroy(&ev->cv);
    pthread_mutex_destroy(&ev->mu);
    free(ev);
}

/* Cut s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
    s[fo_utf8_prefix(s, strlen(s), max)] = '\0';
}

static void vrecord(fo_kube_events *ev, const json_t *obj, const char *component,
                    fo_event_type type, const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
static void vrecord(fo_kube_events *ev, const json_t *obj, const char *component,
                    fo_event_type type, const char *reason, const char *fmt, va_list ap)
{
    if (!ev)
        return;
    const char *name = fo_json_get_str(obj, "metadata.name");
    if (!name || !*name || !reason || !*reason || strlen(reason) > FO_EVENT_MAX_REASON || !fmt) {
        fo_log_warn("event dropped: the object has no name or the reason is empty or too long");
        count(ev, &ev->stats.dropped);
        return;
    }
    struct pending p = {.type = type, .at_ms = fo_clock_now_ms(ev->clock)};
    if (vasprintf(&p.message, fmt, ap) < 0)
        p.message = NULL;
    p.component = strdup(component && *component ? component : ev->component);
    p.reason = strdup(reason);
    p.involved = json_object();
    static const char *const fields[][2] = {
        {"apiVersion", "apiVersion"}, {"kind", "kind"},
        {"name", "metadata.name"},    {"namespace", "metadata.namespace"},
        {"uid", "metadata.uid"},      {"resourceVersion", "metadata.resourceVersion"},
    };
    for (size_t i = 0; p.involved && i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = fo_json_get_str(obj, fields[i][1]);
        if (v && *v)
            json_object_set_new(p.involved, fields[i][0], json_string(v));
    }
    if (!p.message || !p.component || !p.reason || !p.involved) {
        pending_release(&p);
        count(ev, &ev->stats.dropped);
        return;
    }
    cut_utf8(p.message, FO_EVENT_MAX_MESSAGE);
    pthread_mutex_lock(&ev->mu);
    if (ev->qlen == ev->qcap || ev->stopping) {
        ev->stats.dropped++;
        pthread_mutex_unlock(&ev->mu);
        fo_log_warn("event %s for %s dropped: queue full", reason, name);
        pending_release(&p);
        return;
    }
    ev->queue[(ev->qhead + ev->qlen) % ev->qcap] = p;
    ev->qlen++;
    ev->stats.recorded++;
    pthread_cond_broadcast(&ev->cv);
    pthread_mutex_unlock(&ev->mu);
}

void fo_kube_events_record(fo_kube_events *ev, const json_t *obj, fo_event_type type,
                           const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(ev, obj, NULL, type, reason, fmt, ap);
    va_end(ap);
}

void fo_kube_events_record_as(fo_kube_events *ev, const json_t *obj, const char *component,
                              fo_event_type type, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(ev, obj, component, type, reason, fmt, ap);
    va_end(ap);
}

void fo_kube_events_get_stats(fo_kube_events *ev, fo_kube_events_stats *out)
{
    pthread_mutex_lock(&ev->mu);
    *out = ev->stats;
    pthread_mutex_unlock(&ev->mu);
}

bool fo_kube_events_flush(fo_kube_events *ev, int64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&ev->mu);
    bool idle;
    while (!(idle = ev->qlen == 0 && !ev->busy))
        if (pthread_cond_timedwait(&ev->cv, &ev->mu, &ts) != 0) {
            idle = ev->qlen == 0 && !ev->busy;
            break;
        }
    pthread_mutex_unlock(&ev->mu);
    return idle;
}
