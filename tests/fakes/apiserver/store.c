#include "tests/fakes/apiserver/store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"

typedef struct collection {
    char name[160];
    json_t *objects;    /* "ns/name" -> object */
    fka_event *history; /* ring of history_cap entries */
    size_t head, count; /* oldest entry at head */
    uint64_t oldest_rv; /* watches/lists may start at or after this version */
    struct collection *next;
} collection;

typedef struct qnode {
    fka_event ev;
    struct qnode *next;
} qnode;

struct fka_watcher {
    fka_store *store;
    char coll[160];
    char *ns; /* NULL = all namespaces */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    qnode *head, *tail;
    size_t queued;
    bool closed;
    bool stalled;             /* fka_store_stall_watches: nothing more is queued or sent */
    uint64_t start_rv;        /* the version the synthetic ADDED events reflect */
    struct fka_watcher *next; /* in the store's list */
};

struct fka_store {
    pthread_mutex_t mu;
    uint64_t rv;
    uint64_t compacted_rv; /* the last forced compaction */
    size_t history_cap, queue_cap;
    collection *colls;
    fka_watcher *watchers;
};

const char *fka_event_type_name(fka_event_type t)
{
    switch (t) {
    case FKA_EV_ADDED:
        return "ADDED";
    case FKA_EV_MODIFIED:
        return "MODIFIED";
    case FKA_EV_DELETED:
        return "DELETED";
    case FKA_EV_BOOKMARK:
        return "BOOKMARK";
    case FKA_EV_ERROR:
        return "ERROR";
    default:
        return "";
    }
}

void fka_event_release(fka_event *ev)
{
    if (!ev)
        return;
    json_decref(ev->obj);
    json_decref(ev->prev);
    ev->obj = ev->prev = NULL;
    ev->type = FKA_EV_NONE;
}

fka_store *fka_store_new(size_t history_cap, size_t queue_cap)
{
    fka_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->history_cap = history_cap ? history_cap : 1000;
    s->queue_cap = queue_cap ? queue_cap : 10000;
    return s;
}

static void free_collection(collection *c, size_t cap)
{
    for (size_t i = 0; i < c->count; i++)
        fka_event_release(&c->history[(c->head + i) % cap]);
    free(c->history);
    json_decref(c->objects);
    free(c);
}

void fka_store_free(fka_store *s)
{
    if (!s)
        return;
    fka_store_drop_watches(s);
    collection *c = s->colls;
    while (c) {
        collection *n = c->next;
        free_collection(c, s->history_cap);
        c = n;
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void fka_store_lock(fka_store *s)
{
    pthread_mutex_lock(&s->mu);
}

void fka_store_unlock(fka_store *s)
{
    pthread_mutex_unlock(&s->mu);
}

uint64_t fka_store_rv(const fka_store *s)
{
    return s->rv;
}

static collection *find_coll(fka_store *s, const char *name, bool create)
{
    for (collection *c = s->colls; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    if (!create)
        return NULL;
    collection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->history = calloc(s->history_cap, sizeof *c->history);
    c->objects = json_object();
    if (!c->history || !c->objects) {
        free(c->history);
        json_decref(c->objects);
        free(c);
        return NULL;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
    /* Nothing happened in a new collection, so its history is complete back to the last
     * forced compaction. */
    c->oldest_rv = s->compacted_rv;
    c->next = s->colls;
    s->colls = c;
    return c;
}

static void make_key(char *key, size_t len, const char *ns, const char *name)
{
    snprintf(key, len, "%s/%s", ns ? ns : "", name);
}

json_t *fka_store_get(fka_store *s, const char *coll, const char *ns, const char *name)
{
    collection *c = find_coll(s, coll, false);
    if (!c)
        return NULL;
    char key[600];
    make_key(key, sizeof key, ns, name);
    return json_object_get(c->objects, key);
}

static const char *obj_ns(const json_t *obj)
{
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    return ns ? ns : "";
}

static void push(fka_watcher *w, const fka_event *ev, size_t cap)
{
    pthread_mutex_lock(&w->mu);
    if (!w->closed && !w->stalled) {
        if (w->queued >= cap) {
            /* Like the watch cache, end a watcher that cannot keep up; its client
             * re-watches from the last version it saw. */
            w->closed = true;
        } else {
            qnode *n = calloc(1, sizeof *n);
            if (n) {
                n->ev = *ev;
                json_incref(n->ev.obj);
                json_incref(n->ev.prev);
                if (w->tail)
                    w->tail->next = n;
                else
                    w->head = n;
                w->tail = n;
                w->queued++;
            } else {
                w->closed = true;
            }
        }
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static bool watcher_wants(const fka_watcher *w, const char *coll, const json_t *obj)
{
    if (strcmp(w->coll, coll) != 0)
        return false;
    return !w->ns || strcmp(w->ns, obj_ns(obj)) == 0;
}

static void record(fka_store *s, collection *c, fka_event_type type, json_t *obj, json_t *prev)
{
    fka_event ev = {.type = type, .rv = s->rv, .obj = obj, .prev = prev};
    snprintf(ev.coll, sizeof ev.coll, "%s", c->name);
    if (c->count == s->history_cap) {
        fka_event *old = &c->history[c->head];
        c->oldest_rv = old->rv;
        fka_event_release(old);
        c->head = (c->head + 1) % s->history_cap;
        c->count--;
    }
    c->history[(c->head + c->count) % s->history_cap] = ev; /* takes the references */
    c->count++;
    for (fka_watcher *w = s->watchers; w; w = w->next)
        if (watcher_wants(w, c->name, obj))
            push(w, &ev, s->queue_cap);
}

static void set_rv(json_t *obj, uint64_t rv)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, rv);
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_object_set_new(meta, "resourceVersion", json_string(buf));
}

uint64_t fka_store_put(fka_store *s, const char *coll, const char *ns, const char *name,
                       json_t *obj)
{
    collection *c = find_coll(s, coll, true);
    if (!c) {
        json_decref(obj);
        return 0;
    }
    char key[600];
    make_key(key, sizeof key, ns, name);
    json_t *prev = json_object_get(c->objects, key);
    json_incref(prev);
    s->rv++;
    set_rv(obj, s->rv);
    json_object_set(c->objects, key, obj);
    record(s, c, prev ? FKA_EV_MODIFIED : FKA_EV_ADDED, obj, prev);
    return s->rv;
}

uint64_t fka_store_delete(fka_store *s, const char *coll, const char *ns, const char *name)
{
    collection *c = find_coll(s, coll, false);
    if (!c)
        return 0;
    char key[600];
    make_key(key, sizeof key, ns, name);
    json_t *prev = json_object_get(c->objects, key);
    if (!prev)
        return 0;
    json_incref(prev);
    json_object_del(c->objects, key);
    s->rv++;
    /* kube-api-semantics.md §6: DELETED carries the version of the deletion. */
    json_t *last = fo_json_copy(prev);
    set_rv(last, s->rv);
    record(s, c, FKA_EV_DELETED, last, prev);
    return s->rv;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

fo_rc fka_store_list(fka_store *s, const char *coll, const char *ns, uint64_t at_rv, json_t **items,
                     uint64_t *list_rv, fo_err *err)
{
    *items = NULL;
    *list_rv = s->rv;
    collection *c = find_coll(s, coll, false);
    json_t *view = NULL;
    if (at_rv && at_rv < s->rv) {
        uint64_t oldest = c ? c->oldest_rv : s->compacted_rv;
        if (at_rv < oldest)
            return fo_err_set(err, FO_EGONE, "too old resource version: %" PRIu64 " (%" PRIu64 ")",
                              at_rv, oldest);
        *list_rv = at_rv;
        if (c) {
            /* Roll the current state back through the history, newest first. */
            view = json_copy(c->objects);
            for (size_t i = c->count; i-- > 0;) {
                fka_event *ev = &c->history[(c->head + i) % s->history_cap];
                if (ev->rv <= at_rv)
                    break;
                char key[600];
                const json_t *any = ev->prev ? ev->prev : ev->obj;
                make_key(key, sizeof key, obj_ns(any), fo_json_get_str(any, "metadata.name"));
                if (ev->type == FKA_EV_ADDED)
                    json_object_del(view, key);
                else
                    json_object_set(view, key, ev->prev);
            }
        }
    } else if (c) {
        view = json_incref(c->objects);
    }
    json_t *arr = json_array();
    if (view) {
        size_t n = json_object_size(view), k = 0;
        const char **keys = calloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *v;
        json_object_foreach(view, key, v)
        {
            if (ns && strcmp(obj_ns(v), ns) != 0)
                continue;
            keys[k++] = key;
        }
        qsort(keys, k, sizeof *keys, cmp_keys);
        for (size_t i = 0; i < k; i++)
            json_array_append(arr, json_object_get(view, keys[i]));
        free(keys);
        json_decref(view);
    }
    *items = arr;
    return FO_OK;
}

void fka_store_foreach(fka_store *s, void (*fn)(void *ctx, const char *coll, json_t *obj),
                       void *ctx)
{
    for (collection *c = s->colls; c; c = c->next) {
        const char *key;
        json_t *v;
        json_object_foreach(c->objects, key, v) fn(ctx, c->name, v);
    }
}

uint64_t fka_store_oldest(fka_store *s, const char *coll)
{
    collection *c = find_coll(s, coll, false);
    return c ? c->oldest_rv : 0;
}

void fka_store_compact(fka_store *s)
{
    for (collection *c = s->colls; c; c = c->next) {
        for (size_t i = 0; i < c->count; i++)
            fka_event_release(&c->history[(c->head + i) % s->history_cap]);
        c->head = c->count = 0;
        c->oldest_rv = s->rv;
    }
    s->compacted_rv = s->rv;
}

static void queue_local(fka_watcher *w, fka_event_type type, uint64_t rv, json_t *obj)
{
    /* Only before the watcher is published: no lock needed. */
    qnode *n = calloc(1, sizeof *n);
    if (!n) {
        json_decref(obj);
        w->closed = true;
        return;
    }
    n->ev.type = type;
    n->ev.rv = rv;
    n->ev.obj = obj;
    snprintf(n->ev.coll, sizeof n->ev.coll, "%s", w->coll);
    if (w->tail)
        w->tail->next = n;
    else
        w->head = n;
    w->tail = n;
    w->queued++;
}

fka_watcher *fka_store_watch(fka_store *s, const char *coll, const char *ns, uint64_t from_rv)
{
    fka_watcher *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->store = s;
    snprintf(w->coll, sizeof w->coll, "%s", coll);
    w->ns = ns ? strdup(ns) : NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);

    fka_store_lock(s);
    collection *c = find_coll(s, coll, false);
    if (from_rv == 0) {
        json_t *items = NULL;
        uint64_t rv = 0;
        fka_store_list(s, coll, ns, 0, &items, &rv, NULL);
        w->start_rv = rv;
        size_t i;
        json_t *o;
        json_array_foreach(items, i, o) queue_local(w, FKA_EV_ADDED, rv, json_incref(o));
        json_decref(items);
    } else if (from_rv < (c ? c->oldest_rv : s->compacted_rv)) {
        char msg[128];
        snprintf(msg, sizeof msg, "too old resource version: %" PRIu64 " (%" PRIu64 ")", from_rv,
                 c ? c->oldest_rv : s->compacted_rv);
        json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
                               "apiVersion", "v1", "metadata", "status", "Failure", "message", msg,
                               "reason", "Expired", "code", 410);
        queue_local(w, FKA_EV_ERROR, 0, st);
        w->closed = true;
        fka_store_unlock(s);
        return w;
    } else if (c) {
        for (size_t i = 0; i < c->count; i++) {
            fka_event *ev = &c->history[(c->head + i) % s->history_cap];
            if (ev->rv <= from_rv || (ns && strcmp(obj_ns(ev->obj), ns) != 0))
                continue;
            qnode *n = calloc(1, sizeof *n);
            if (!n) {
                w->closed = true;
                break;
            }
            n->ev = *ev;
            json_incref(n->ev.obj);
            json_incref(n->ev.prev);
            if (w->tail)
                w->tail->next = n;
            else
                w->head = n;
            w->tail = n;
            w->queued++;
        }
    }
    w->next = s->watchers;
    s->watchers = w;
    fka_store_unlock(s);
    return w;
}

uint64_t fka_watcher_start_rv(const fka_watcher *w)
{
    return w ? w->start_rv : 0;
}

fka_wait fka_watcher_next(fka_watcher *w, int timeout_ms, fka_event *ev)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->head && !w->closed) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &dl) == ETIMEDOUT)
            break;
    }
    fka_wait res;
    if (w->head) {
        qnode *n = w->head;
        w->head = n->next;
        if (!w->head)
            w->tail = NULL;
        w->queued--;
        *ev = n->ev;
        free(n);
        res = FKA_WAIT_EVENT;
    } else {
        res = w->closed ? FKA_WAIT_CLOSED : FKA_WAIT_TIMEOUT;
    }
    pthread_mutex_unlock(&w->mu);
    return res;
}

void fka_watcher_free(fka_watcher *w)
{
    if (!w)
        return;
    fka_store *s = w->store;
    fka_store_lock(s);
    for (fka_watcher **pp = &s->watchers; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    fka_store_unlock(s);
    qnode *n = w->head;
    while (n) {
        qnode *next = n->next;
        fka_event_release(&n->ev);
        free(n);
        n = next;
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->ns);
    free(w);
}

void fka_store_drop_watches(fka_store *s)
{
    fka_store_lock(s);
    for (fka_watcher *w = s->watchers; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        w->closed = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    fka_store_unlock(s);
}

void fka_store_stall_watches(fka_store *s)
{
    fka_store_lock(s);
    for (fka_watcher *w = s->watchers; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        w->stalled = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    fka_store_unlock(s);
}

bool fka_watcher_stalled(fka_watcher *w)
{
    pthread_mutex_lock(&w->mu);
    bool stalled = w->stalled;
    pthread_mutex_unlock(&w->mu);
    return stalled;
}

void fka_store_bookmark_all(fka_store *s)
{
    fka_store_lock(s);
    fka_event ev = {.type = FKA_EV_BOOKMARK, .rv = s->rv};
    for (fka_watcher *w = s->watchers; w; w = w->next) {
        snprintf(ev.coll, sizeof ev.coll, "%s", w->coll);
        push(w, &ev, s->queue_cap + 1);
    }
    fka_store_unlock(s);
}

size_t fka_store_watcher_count(fka_store *s)
{
    size_t n = 0;
    fka_store_lock(s);
    for (fka_watcher *w = s->watchers; w; w = w->next)
        n++;
    fka_store_unlock(s);
    return n;
}
