#ifndef FO_INFORMER_INTERNAL_H
#define FO_INFORMER_INTERNAL_H

/* Shared by informer.c (cache, dispatcher, public API) and informer_reflector.c (the
 * list/watch loops); not for other modules. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/backoff.h"
#include "common/informer.h"
#include "common/json_read.h"

enum fo_informer_note_type { FO_NOTE_ADD, FO_NOTE_UPDATE, FO_NOTE_DELETE };

struct fo_informer_note {
    enum fo_informer_note_type type;
    json_t *old_obj, *new_obj; /* references held by the note */
    uint64_t seq;
    struct fo_informer_note *next;
};

/* How long a watch must stay open (without events) to count as contact with the API server. */
#define FO_INFORMER_CONTACT_MS 1000

struct fo_informer_reflector {
    fo_informer *inf;
    char *ns; /* NULL = every namespace */
    pthread_t thread;
    bool thread_started;
    bool listed;       /* the first list is in the cache */
    uint64_t sync_seq; /* last notification of the first list */
    char rv[128];      /* last resourceVersion seen */
    fo_backoff backoff;
    fo_backoff gone_backoff; /* before relisting after a 410 that came right after a list */
    unsigned rng;
    /* When this reflector lost the API server (a failed list, a watch that failed or could
     * not open), by inf->clock's monotonic ms; 0 while in contact (its last list worked, or
     * a watch delivered events or stayed open a while). Set at start: before the first list
     * it has not been in contact. Under inf->mu, as open_since_ms: when its current watch was
     * accepted (0: none open), which counts as contact once it has lasted
     * FO_INFORMER_CONTACT_MS (a watch accepted only to fail at once is no contact). */
    int64_t contact_lost_ms;
    int64_t open_since_ms;
    /* Why it lost contact last (a list's or a watch's error), "" while in contact or when it
     * has not tried yet; under inf->mu. For fo_informer_contact_error. */
    char contact_error[256];
    /* The last watch heard a BOOKMARK: the server sends them, so the next watch's idle limit
     * holds from its start (a stall right at the reopen is caught too). */
    bool heard_bookmark;
};

struct fo_informer {
    /* options (strings owned) */
    fo_kube_client *kc;
    char *group, *version, *resource, *label_selector, *name;
    long page_size, watch_timeout_s;
    int64_t watch_idle_timeout_ms; /* 0 = none */
    int64_t backoff_initial_ms, backoff_max_ms;
    const fo_clock *clock;
    bool keep_managed_fields, keep_last_applied, drop_status, metadata_identity_only;
    char **spec_members; /* NULL-terminated, or NULL: the whole spec */
    size_t max_object_weight; /* 0: none */
    fo_json_read_filter list_filter;  /* see fo_informer_list_filter */
    fo_json_read_filter watch_filter; /* see fo_informer_watch_filter */

    /* the cache: key -> immutable snapshot; owner uid -> {key: true} */
    pthread_rwlock_t cache_lock;
    json_t *cache;
    json_t *owners;

    /* everything below is guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* notes queued, delivered, synced, stopping, clock moved */
    struct fo_informer_note *head, *tail;
    uint64_t next_seq, delivered_seq;
    fo_informer_handlers handlers[FO_INFORMER_MAX_HANDLERS];
    int nhandlers;
    bool started, stopping;
    fo_informer_stats stats;
    /* Set once by fo_informer_stop, polled by the reflectors and their streaming watches
     * (outside mu). Relaxed: it carries no data, mu and the joins that follow order the rest. */
    atomic_int stop_flag;
    pthread_t dispatcher;
    bool dispatcher_started;

    struct fo_informer_reflector *refl;
    size_t nrefl;
};

/* Cache changes from reflectors; each also queues the notification. obj references are
 * borrowed (the cache takes its own). */
void fo_informer_apply_upsert(fo_informer *inf, json_t *obj);

/* A filter for reading a List page (fo_kube_list_opts.page_filter) that leaves out of every
 * item what the cache drops anyway (see fo_informer_opts keep_* and drop_status), so a first
 * list of a thousand objects never holds all their managedFields at once. NULL when nothing is
 * dropped. The filter lives as long as inf. */
const fo_json_read_filter *fo_informer_list_filter(const fo_informer *inf);
/* The same rule for a watched object (its root in the items' state), with the same weight
 * bound; NULL when the list filter is. */
const fo_json_read_filter *fo_informer_watch_filter(const fo_informer *inf);
void fo_informer_apply_delete(fo_informer *inf, json_t *obj);

/* Replace the part of the cache that belongs to namespace ns (NULL = all) by items (a JSON
 * array, borrowed), queuing adds, updates (for a changed resourceVersion) and deletes.
 * Returns the sequence number of the last notification queued so far. */
uint64_t fo_informer_apply_replace(fo_informer *inf, const char *ns, json_t *items);

/* Wait ms by the informer's clock; false when the informer is stopping. */
bool fo_informer_wait_ms(fo_informer *inf, int64_t ms);

/* Count an event in the stats (under mu). */
void fo_informer_count(fo_informer *inf, uint64_t *counter);

/* The reflector thread body. */
void *fo_informer_reflector_run(void *arg);

#endif
