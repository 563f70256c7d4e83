#ifndef FO_INFORMER_H
#define FO_INFORMER_H

/* A list-and-watch cache of one resource, like client-go's shared informer
 * (kube-api-semantics.md §5-6).
 *
 * For each watched namespace (one, several, or all) a reflector thread lists (paginated) and
 * then watches from the list's resourceVersion with allowWatchBookmarks=true. When the watch
 * ends or the connection drops, it watches again from the last resourceVersion it saw (event
 * or bookmark), with backoff after errors. On 410 Gone/Expired it lists again and turns the
 * difference with the cache into add/update/delete notifications (deletes for objects that
 * vanished meanwhile).
 *
 * The cache holds immutable snapshots: readers get a new reference (json_incref'd) to the
 * cached object and must never modify it (copy with fo_json_copy first). Snapshots are
 * replaced, never changed, so a reader's reference stays valid and consistent however long it
 * is kept. Reads take a read lock briefly and copy nothing.
 *
 * Notifications are delivered by one dispatcher thread per informer, in the order the changes
 * reached the cache, after the cache was updated (a handler that reads the cache sees at least
 * that state). Handlers must not block for long and must not stop or free the informer.
 *
 * Every function is thread-safe unless said otherwise. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/json_read.h"
#include "common/kube_client.h"
#include "common/rc.h"

#define FO_INFORMER_MAX_HANDLERS 8
#define FO_INFORMER_MAX_NAMESPACES 64
/* A watch that hears nothing from the API server this long is taken as stalled (see
 * watch_idle_timeout_ms): three of kube-apiserver's BOOKMARK intervals (one minute), so one
 * bookmark dropped (the server skips it for a watcher whose buffer is full) ends nothing. */
#define FO_INFORMER_WATCH_IDLE_MS 180000

typedef struct fo_informer fo_informer;

/* Objects are borrowed for the call (take a json_incref to keep one). old_obj is the cached
 * state before the change. Any callback may be NULL. */
typedef struct fo_informer_handlers {
    void (*on_add)(void *ctx, const json_t *obj);
    void (*on_update)(void *ctx, const json_t *old_obj, const json_t *new_obj);
    void (*on_delete)(void *ctx, const json_t *last_obj);
    void *ctx;
} fo_informer_handlers;

typedef struct fo_informer_opts {
    fo_kube_client *kc;            /* borrowed for its config, which must outlive the informer
                                      (the informer makes its own client without retries) */
    const char *group;             /* "" or NULL = core */
    const char *version;           /* "v1" */
    const char *resource;          /* plural: "configmaps" */
    const char *const *namespaces; /* NULL-terminated list; NULL or empty = all namespaces (and
                                      the only choice for cluster-scoped resources) */
    const char *label_selector;    /* NULL = everything */
    long page_size;                /* list page size; 0 = 500 */
    long watch_timeout_s;          /* timeoutSeconds per watch; 0 = random 300..600 */
    /* A watch that receives nothing (no event, no bookmark) for this long is ended and opened
     * again at once from the last resourceVersion: the server, or a proxy on the way, stopped
     * sending without closing the connection. Watches ask for bookmarks, which kube-apiserver
     * sends about every minute when its watch cache serves them; the limit holds for a watch
     * that heard one, or whose previous watch did (fo_kube_watch_opts.idle_timeout_ms), so a
     * quiet healthy watch of a server that sends none (no watch cache; before 1.31, a
     * restarted one that has seen no event of the resource yet) is not ended over and over
     * (after a restart, at most once). 0 = FO_INFORMER_WATCH_IDLE_MS; < 0 = no limit (the
     * watch then ends only 30 s past its timeoutSeconds). */
    int64_t watch_idle_timeout_ms;
    int64_t backoff_initial_ms;    /* after errors; 0 = 800 (client-go's reflector) */
    int64_t backoff_max_ms;        /* 0 = 30000 */
    const fo_clock *clock;         /* backoff waits; NULL = real */
    const char *name;              /* for logs; NULL = the resource */
    /* Cached objects drop metadata.managedFields and the kubectl last-applied annotation
     * (kubectl.kubernetes.io/last-applied-configuration): bookkeeping of other clients, often
     * the largest part of an object, that a controller never reads. Set these to keep them. */
    bool keep_managed_fields;
    bool keep_last_applied;
    /* Leave out each object's status too, for a reader of spec and metadata only (the webhook's
     * session-job checks): a running FlinkDeployment's status is half of it. */
    bool drop_status;
    /* Keep only these members of each object's spec (NULL-terminated; NULL keeps it all), and
     * of its metadata only what identifies it (name, namespace, uid, resourceVersion): for a
     * reader of a few fields of many objects (the webhook's session-job checks read a
     * FlinkDeployment's name, job, flinkConfiguration and flinkVersion), whose cache would
     * otherwise grow with every pod template in the cluster. Without metadata the owner index
     * (fo_informer_by_owner) stays empty. */
    const char *const *spec_members;
    bool metadata_identity_only;
    /* What each object may build (common/json_read.h's weight, without what the options above
     * leave out; 0: no bound). An object past it, from a list or a watch, is cached as its
     * stub (common/kube_oversized.h: metadata and status when they fit, and why), so that a
     * custom resource of a million empty objects cannot take the process's memory, and its
     * deletion is still seen. */
    size_t max_object_weight;
} fo_informer_opts;

/* A stopped informer. NULL with err when options are invalid (no client, version or resource,
 * too many namespaces). */
fo_informer *fo_informer_new(const fo_informer_opts *opts, fo_err *err);

/* Register handlers (copied). Only before start: FO_EINVAL afterwards, FO_ELIMIT past
 * FO_INFORMER_MAX_HANDLERS. */
fo_rc fo_informer_add_handlers(fo_informer *inf, const fo_informer_handlers *h);

/* Start the reflector and dispatcher threads. FO_EINVAL when already started. */
fo_rc fo_informer_start(fo_informer *inf, fo_err *err);

/* Stop every thread (watches end within about 100 ms) and wait for them. Notifications not
 * yet delivered are dropped. Idempotent. */
void fo_informer_stop(fo_informer *inf);

/* Stop if needed, then free the cache. Snapshots readers still hold stay valid. NULL ok. */
void fo_informer_free(fo_informer *inf);

/* True once every namespace's first list is in the cache and its notifications were
 * delivered to the handlers. */
bool fo_informer_synced(fo_informer *inf);

/* Block until synced, stopped, or timeout_ms passed (by the real clock; < 0 = no limit).
 * Returns fo_informer_synced(). */
bool fo_informer_wait_synced(fo_informer *inf, int64_t timeout_ms);

/* The cached object ns/name (ns NULL or "" for cluster-scoped): a new reference to an
 * immutable snapshot, or NULL. */
json_t *fo_informer_get(fo_informer *inf, const char *ns, const char *name);

/* Same by cache key ("ns/name", or "name" for cluster-scoped objects). */
json_t *fo_informer_get_key(fo_informer *inf, const char *key);

/* Every cached object (of namespace ns; NULL = all): a new JSON array whose elements are the
 * snapshots themselves (shared, immutable). Caller decrefs the array. */
json_t *fo_informer_list(fo_informer *inf, const char *ns);

/* Every cached object that has an ownerReference with this uid (a new array, as above). */
json_t *fo_informer_by_owner(fo_informer *inf, const char *owner_uid);

/* The informer's rule for one object read on its own (the API server's answer to a write of
 * it): into *out, what a list or a watch leaves out and the same weight bound, so the answer
 * is whole or a stub exactly when the cached copy would be (give it to
 * fo_kube_patch_opts.answer_filter). False when the informer reads objects whole. The filter
 * borrows the informer. */
bool fo_informer_answer_filter(const fo_informer *inf, fo_json_read_filter *out);

/* How long the informer has been out of contact with the API server, in ms of its clock: 0
 * while every reflector's last list worked, or its watch has been open a second or delivered
 * events; otherwise since the first one lost contact (a list failed, a watch failed, was
 * refused or was accepted only to fail at once) or, before its first list, since start. A
 * cache out of contact for long may be stale: callers that must not act on stale data can
 * treat it as unknown. Thread-safe. */
int64_t fo_informer_out_of_contact_ms(fo_informer *inf);

/* The same for the objects of one namespace: the time of the reflector that watches it (the
 * informer's only one when it watches every namespace); 0 when none watches it. */
int64_t fo_informer_namespace_out_of_contact_ms(fo_informer *inf, const char *ns);

/* Why the informer is out of contact: the error of the last list or watch that failed, of
 * the reflector out of contact longest, into buf; false ("" in buf) while in contact or
 * before any attempt failed. Thread-safe. */
bool fo_informer_contact_error(fo_informer *inf, char *buf, size_t len);

/* Number of cached objects. */
size_t fo_informer_len(fo_informer *inf);

/* The cache key of an object: "namespace/name", or "name" without a namespace. Caller frees;
 * NULL when the object has no name. */
char *fo_informer_key_of(const json_t *obj);

typedef struct fo_informer_stats {
    uint64_t lists;         /* complete lists (first ones included) */
    uint64_t relists_gone;  /* lists caused by 410 */
    uint64_t watches;       /* watch requests started */
    uint64_t watch_errors;  /* watches that ended with an error (backoff followed) */
    uint64_t watch_stalls;  /* watches ended for hearing nothing for watch_idle_timeout_ms */
    uint64_t events;        /* watch events applied (bookmarks included) */
    uint64_t notifications; /* handler notifications delivered */
} fo_informer_stats;

/* Counters since start (for tests, logs and metrics). */
void fo_informer_get_stats(fo_informer *inf, fo_informer_stats *out);

#endif
