#ifndef FKA_STORE_H
#define FKA_STORE_H

/* The fake API server's storage: objects by collection ("<group>/<plural>") and key
 * ("<namespace>/<name>"), one global resourceVersion counter (like etcd's revision), a
 * bounded per-collection event history, and watchers fed from it
 * (kube-api-semantics.md §4-§6).
 *
 * Stored objects are immutable jansson values: a writer builds a new object and hands it
 * over; readers take references and may keep them after unlocking (jansson's reference
 * counts are atomic). Never modify an object you got from the store.
 *
 * Locking: one mutex (fka_store_lock/unlock) guards everything except watcher queues.
 * Functions marked "lock held" must be called between them; the others take it themselves.
 * Never block on the network while holding it. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"

typedef enum fka_event_type {
    FKA_EV_NONE = 0,
    FKA_EV_ADDED,
    FKA_EV_MODIFIED,
    FKA_EV_DELETED,
    FKA_EV_BOOKMARK,
    FKA_EV_ERROR,
} fka_event_type;

/* "ADDED", "MODIFIED", ... */
const char *fka_event_type_name(fka_event_type t);

typedef struct fka_event {
    fka_event_type type;
    uint64_t rv;
    json_t *obj;  /* ADDED/MODIFIED: new state; DELETED: last state stamped with the deletion
                     resourceVersion; ERROR: a Status; BOOKMARK: NULL */
    json_t *prev; /* MODIFIED/DELETED: the state before; else NULL */
    char coll[160];
} fka_event;

/* Drop the references an event holds. */
void fka_event_release(fka_event *ev);

typedef struct fka_store fka_store;
typedef struct fka_watcher fka_watcher;

/* history_cap: events kept per collection (0 = 1000); queue_cap: events a watcher may have
 * waiting before it is closed as too slow (0 = 10000). */
fka_store *fka_store_new(size_t history_cap, size_t queue_cap);
void fka_store_free(fka_store *s);

void fka_store_lock(fka_store *s);
void fka_store_unlock(fka_store *s);

/* The latest resourceVersion (lock held). */
uint64_t fka_store_rv(const fka_store *s);

/* The stored object or NULL (lock held; borrowed until the lock is released, take a
 * reference to keep it). ns is "" for cluster-scoped objects. */
json_t *fka_store_get(fka_store *s, const char *coll, const char *ns, const char *name);

/* Store obj (reference stolen) under coll/ns/name with the next resourceVersion, which is
 * written into obj's metadata.resourceVersion; record ADDED or MODIFIED and feed watchers.
 * Returns the new resourceVersion (lock held). */
uint64_t fka_store_put(fka_store *s, const char *coll, const char *ns, const char *name,
                       json_t *obj);

/* Remove coll/ns/name: record DELETED (the last state stamped with the deletion RV) and feed
 * watchers. Returns the deletion RV, 0 when absent (lock held). */
uint64_t fka_store_delete(fka_store *s, const char *coll, const char *ns, const char *name);

/* The objects of coll (all namespaces when ns is NULL) sorted by namespace/name, as a new
 * array of references, at the current state (at_rv == 0) or as they were at at_rv (rolled
 * back through the history). FO_EGONE when at_rv is older than the history kept; err then
 * names the oldest version kept. *list_rv gets the version the list reflects (lock held). */
fo_rc fka_store_list(fka_store *s, const char *coll, const char *ns, uint64_t at_rv, json_t **items,
                     uint64_t *list_rv, fo_err *err);

/* Call fn for every stored object of every collection (lock held; fn must not write). */
void fka_store_foreach(fka_store *s, void (*fn)(void *ctx, const char *coll, json_t *obj),
                       void *ctx);

/* The oldest resourceVersion a watch may start from in coll (lock held). */
uint64_t fka_store_oldest(fka_store *s, const char *coll);

/* Forget all history (every collection's oldest version becomes the current one), so a watch
 * or list from an older version gets 410 (lock held). */
void fka_store_compact(fka_store *s);

/* Open a watch on coll (one namespace, or all when ns is NULL). from_rv == 0 means "start
 * with synthetic ADDED events for the current objects". A from_rv older than the history
 * kept gives a watcher holding one ERROR event (410 Expired) and then closed. Takes the lock
 * itself. Returns NULL only when out of memory. */
fka_watcher *fka_store_watch(fka_store *s, const char *coll, const char *ns, uint64_t from_rv);

/* For a watch opened with from_rv 0: the resourceVersion its synthetic ADDED events reflect
 * (every later event has a greater one). 0 otherwise. */
uint64_t fka_watcher_start_rv(const fka_watcher *w);

typedef enum fka_wait {
    FKA_WAIT_EVENT,
    FKA_WAIT_TIMEOUT,
    FKA_WAIT_CLOSED,
} fka_wait;

/* Wait up to timeout_ms for the next event. FKA_WAIT_EVENT fills ev (release it);
 * FKA_WAIT_CLOSED when the watcher was closed (dropped, too slow, store stopping) and its
 * queue is empty. Thread-safe against the store; one consumer per watcher. */
fka_wait fka_watcher_next(fka_watcher *w, int timeout_ms, fka_event *ev);

/* Unregister and free (takes the lock). NULL is fine. */
void fka_watcher_free(fka_watcher *w);

/* Close every open watcher (their streams end after what is queued). Takes the lock. */
void fka_store_drop_watches(fka_store *s);

/* Stall every open watcher, as a proxy that stopped passing data or a hung server would: its
 * stream sends nothing more (no event, no bookmark, no end at its timeout) and holds the
 * connection open until the client closes it or the server stops. Watchers opened later are
 * not affected. Takes the lock. */
void fka_store_stall_watches(fka_store *s);

/* Whether w was stalled. Thread-safe. */
bool fka_watcher_stalled(fka_watcher *w);

/* Queue a BOOKMARK carrying the current resourceVersion on every watcher. Takes the lock. */
void fka_store_bookmark_all(fka_store *s);

/* Number of open watchers (tests). Takes the lock. */
size_t fka_store_watcher_count(fka_store *s);

#endif
