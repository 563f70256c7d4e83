/* Informer: the cache of snapshots, the notification dispatcher, and the public API. The
 * list/watch loops live in informer_reflector.c. */
#include "common/informer.h"
#include "common/informer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "common/log.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* What metadata_identity_only keeps of an object's metadata. */
static bool identity_member(const char *key, size_t n)
{
    static const char *const keep[] = {"name", "namespace", "uid", "resourceVersion"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (strlen(keep[i]) == n && memcmp(keep[i], key, n) == 0)
            return true;
    return false;
}

static bool kept_spec_member(const fo_informer *inf, const char *key, size_t n)
{
    for (char **m = inf->spec_members; *m; m++)
        if (strlen(*m) == n && memcmp(*m, key, n) == 0)
            return true;
    return false;
}

/* The same rule while a List page or a watch event is read: items[].metadata.managedFields, the
 * last-applied annotation and, with drop_status, items[].status are never built, nor the parts
 * of spec and metadata that spec_members and metadata_identity_only leave out, and an object
 * is weighed (max_object_weight) on what is built alone, the same from a list as from a watch
 * (trim(), below, still runs on every object). */
enum { LS_NONE, LS_LIST, LS_ITEMS, LS_ITEM, LS_META, LS_ANNOTATIONS, LS_SPEC };

static int list_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    const fo_informer *inf = ctx;
#define IS(lit) (key && n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    switch (st) {
    case LS_LIST:
        return IS("items") ? LS_ITEMS : LS_NONE;
    case LS_ITEMS:
        return key ? LS_NONE : LS_ITEM;
    case LS_ITEM:
        if (IS("status") && inf->drop_status)
            *skip = 2;
        if (IS("spec") && inf->spec_members)
            return LS_SPEC;
        return IS("metadata") ? LS_META : LS_NONE;
    case LS_META:
        if (inf->metadata_identity_only) {
            if (key && !identity_member(key, n))
                *skip = 0;
            return LS_NONE;
        }
        if (IS("managedFields") && !inf->keep_managed_fields)
            *skip = 0;
        return IS("annotations") && !inf->keep_last_applied ? LS_ANNOTATIONS : LS_NONE;
    case LS_ANNOTATIONS:
        if (IS(LAST_APPLIED))
            *skip = 1;
        return LS_NONE;
    case LS_SPEC:
        if (key && !kept_spec_member(inf, key, n))
            *skip = 3;
        return LS_NONE;
    }
#undef IS
    return LS_NONE;
}

static void free_strings(char **list)
{
    for (char **m = list; m && *m; m++)
        free(*m);
    free(list);
}

/* A copy of a NULL-terminated list; NULL for NULL, or when out of memory (*ok false). */
static char **copy_strings(const char *const *list, bool *ok)
{
    if (!list)
        return NULL;
    size_t n = 0;
    while (list[n])
        n++;
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(list[i]))) {
            free_strings(out);
            out = NULL;
        }
    if (!out)
        *ok = false;
    return out;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static void on_tick(void *ctx)
{
    fo_informer *inf = ctx;
    pthread_mutex_lock(&inf->mu);
    pthread_cond_broadcast(&inf->cv);
    pthread_mutex_unlock(&inf->mu);
}

fo_informer *fo_informer_new(const fo_informer_opts *o, fo_err *err)
{
    fo_err_clear(err);
    if (!o || !o->kc || !o->version || !*o->version || !o->resource || !*o->resource) {
        fo_err_set(err, FO_EINVAL, "informer: needs a client, a version and a resource");
        return NULL;
    }
    size_t nns = 0;
    while (o->namespaces && o->namespaces[nns])
        nns++;
    if (nns > FO_INFORMER_MAX_NAMESPACES) {
        fo_err_set(err, FO_ELIMIT, "informer %s: more than %d namespaces", o->resource,
                   FO_INFORMER_MAX_NAMESPACES);
        return NULL;
    }
    for (size_t i = 0; i < nns; i++)
        if (!*o->namespaces[i]) {
            fo_err_set(err, FO_EINVAL, "informer %s: namespaces[%zu] is empty", o->resource, i);
            return NULL;
        }
    fo_informer *inf = calloc(1, sizeof *inf);
    if (!inf) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    /* Our own client without retries: the reflector has its own backoff, and a stop must not
     * wait for a retry loop. */
    fo_kube_client_opts ko = {.max_retries = -1, .user_agent = "flinkop-informer"};
    inf->kc = fo_kube_client_new(fo_kube_client_config(o->kc), &ko, err);
    inf->group = dup_or_null(o->group);
    inf->version = strdup(o->version);
    inf->resource = strdup(o->resource);
    inf->label_selector = dup_or_null(o->label_selector);
    inf->name = strdup(o->name ? o->name : o->resource);
    inf->page_size = o->page_size > 0 ? o->page_size : 500;
    inf->watch_timeout_s = o->watch_timeout_s;
    inf->watch_idle_timeout_ms = o->watch_idle_timeout_ms > 0   ? o->watch_idle_timeout_ms
                                 : o->watch_idle_timeout_ms == 0 ? FO_INFORMER_WATCH_IDLE_MS
                                                                 : 0;
    inf->backoff_initial_ms = o->backoff_initial_ms > 0 ? o->backoff_initial_ms : 800;
    inf->backoff_max_ms = o->backoff_max_ms > 0 ? o->backoff_max_ms : 30000;
    if (inf->backoff_max_ms < inf->backoff_initial_ms)
        inf->backoff_max_ms = inf->backoff_initial_ms;
    inf->clock = o->clock ? o->clock : fo_clock_real();
    inf->keep_managed_fields = o->keep_managed_fields;
    inf->keep_last_applied = o->keep_last_applied;
    inf->drop_status = o->drop_status;
    inf->metadata_identity_only = o->metadata_identity_only;
    bool copied = true;
    inf->spec_members = copy_strings(o->spec_members, &copied);
    inf->max_object_weight = o->max_object_weight;
    inf->list_filter = (fo_json_read_filter){.root_state = LS_LIST,
                                             .member = list_member,
                                             .ctx = inf,
                                             .nskipped = 4,
                                             .max_weight = o->max_object_weight,
                                             .item_state = o->max_object_weight ? LS_ITEM : 0};
    inf->watch_filter = (fo_json_read_filter){.root_state = LS_ITEM,
                                              .member = list_member,
                                              .ctx = inf,
                                              .nskipped = 4,
                                              .max_weight = o->max_object_weight};
    pthread_rwlock_init(&inf->cache_lock, NULL);
    pthread_mutex_init(&inf->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&inf->cv, &ca);
    pthread_condattr_destroy(&ca);
    inf->cache = json_object();
    inf->owners = json_object();
    inf->nrefl = nns ? nns : 1;
    inf->refl = calloc(inf->nrefl, sizeof *inf->refl);
    bool ok = copied && inf->kc && inf->version && inf->resource && inf->name && inf->cache &&
              inf->owners &&
              inf->refl && (!o->group || !*o->group || inf->group) &&
              (!o->label_selector || !*o->label_selector || inf->label_selector);
    for (size_t i = 0; ok && i < inf->nrefl; i++) {
        struct fo_informer_reflector *r = &inf->refl[i];
        r->inf = inf;
        if (nns && !(r->ns = strdup(o->namespaces[i])))
            ok = false;
        r->rng = (unsigned)(fo_clock_real_mono_ns() + (int64_t)i);
        fo_backoff_init(&r->backoff, inf->backoff_initial_ms, inf->backoff_max_ms, 2.0, 1.0,
                        (uint64_t)fo_clock_real_mono_ns() + i);
        fo_backoff_init(&r->gone_backoff, inf->backoff_initial_ms, inf->backoff_max_ms, 2.0, 1.0,
                        (uint64_t)fo_clock_real_mono_ns() + i);
    }
    if (!ok) {
        if (!err || err->rc == FO_OK)
            fo_err_set(err, FO_ENOMEM, "out of memory");
        fo_informer_free(inf);
        return NULL;
    }
    return inf;
}

fo_rc fo_informer_add_handlers(fo_informer *inf, const fo_informer_handlers *h)
{
    fo_rc rc = FO_OK;
    pthread_mutex_lock(&inf->mu);
    if (inf->started || !h)
        rc = FO_EINVAL;
    else if (inf->nhandlers == FO_INFORMER_MAX_HANDLERS)
        rc = FO_ELIMIT;
    else
        inf->handlers[inf->nhandlers++] = *h;
    pthread_mutex_unlock(&inf->mu);
    return rc;
}

/* ---- dispatcher ---- */

static void note_free(struct fo_informer_note *n)
{
    json_decref(n->old_obj);
    json_decref(n->new_obj);
    free(n);
}

static void *dispatch_run(void *arg)
{
    fo_informer *inf = arg;
    pthread_mutex_lock(&inf->mu);
    for (;;) {
        while (!inf->head && !inf->stopping)
            pthread_cond_wait(&inf->cv, &inf->mu);
        if (inf->stopping)
            break;
        struct fo_informer_note *n = inf->head;
        inf->head = n->next;
        if (!inf->head)
            inf->tail = NULL;
        int nh = inf->nhandlers;
        pthread_mutex_unlock(&inf->mu);
        for (int i = 0; i < nh; i++) {
            const fo_informer_handlers *h = &inf->handlers[i];
            if (n->type == FO_NOTE_ADD && h->on_add)
                h->on_add(h->ctx, n->new_obj);
            else if (n->type == FO_NOTE_UPDATE && h->on_update)
                h->on_update(h->ctx, n->old_obj, n->new_obj);
            else if (n->type == FO_NOTE_DELETE && h->on_delete)
                h->on_delete(h->ctx, n->old_obj);
        }
        pthread_mutex_lock(&inf->mu);
        inf->delivered_seq = n->seq;
        inf->stats.notifications++;
        note_free(n);
        pthread_cond_broadcast(&inf->cv);
    }
    pthread_mutex_unlock(&inf->mu);
    return NULL;
}

/* Queue a note (references stolen). Returns its sequence number. */
static uint64_t enqueue(fo_informer *inf, enum fo_informer_note_type type, json_t *old_obj,
                        json_t *new_obj)
{
    struct fo_informer_note *n = calloc(1, sizeof *n);
    pthread_mutex_lock(&inf->mu);
    uint64_t seq = inf->next_seq;
    if (n) {
        n->type = type;
        n->old_obj = old_obj;
        n->new_obj = new_obj;
        n->seq = seq = ++inf->next_seq;
        if (inf->tail)
            inf->tail->next = n;
        else
            inf->head = n;
        inf->tail = n;
        pthread_cond_broadcast(&inf->cv);
    }
    pthread_mutex_unlock(&inf->mu);
    if (!n) {
        fo_log_error("informer %s: out of memory, a notification was dropped", inf->name);
        json_decref(old_obj);
        json_decref(new_obj);
    }
    return seq;
}

void fo_informer_count(fo_informer *inf, uint64_t *counter)
{
    pthread_mutex_lock(&inf->mu);
    (*counter)++;
    pthread_mutex_unlock(&inf->mu);
}

/* ---- the cache ---- */

char *fo_informer_key_of(const json_t *obj)
{
    const char *name = fo_json_get_str(obj, "metadata.name");
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    if (!name || !*name)
        return NULL;
    char *key = NULL;
    if (ns && *ns) {
        if (asprintf(&key, "%s/%s", ns, name) < 0)
            return NULL;
        return key;
    }
    return strdup(name);
}

/* Owner index upkeep (under the write lock). */
static void index_owners(fo_informer *inf, const json_t *obj, const char *key, bool add)
{
    json_t *refs = fo_json_get(obj, "metadata.ownerReferences");
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *uid = fo_json_str(ref, "uid");
        if (!uid || !*uid)
            continue;
        json_t *set = json_object_get(inf->owners, uid);
        if (add) {
            if (!set) {
                set = json_object();
                json_object_set_new(inf->owners, uid, set);
            }
            json_object_set_new(set, key, json_true());
        } else if (set) {
            json_object_del(set, key);
            if (json_object_size(set) == 0)
                json_object_del(inf->owners, uid);
        }
    }
}

/* Put obj under key; returns the previous snapshot (new reference) or NULL. */
static json_t *put_locked(fo_informer *inf, const char *key, json_t *obj)
{
    json_t *old = json_object_get(inf->cache, key);
    if (old) {
        json_incref(old);
        index_owners(inf, old, key, false);
    }
    json_object_set(inf->cache, key, obj);
    index_owners(inf, obj, key, true);
    return old;
}

static json_t *remove_locked(fo_informer *inf, const char *key)
{
    json_t *old = json_object_get(inf->cache, key);
    if (!old)
        return NULL;
    json_incref(old);
    index_owners(inf, old, key, false);
    json_object_del(inf->cache, key);
    return old;
}


/* Drop what the cache should not hold (see fo_informer_opts). obj is fresh from the server
 * and not shared yet, so it may still be changed. */
static void trim(const fo_informer *inf, json_t *obj)
{
    if (inf->drop_status)
        json_object_del(obj, "status");
    json_t *spec = json_object_get(obj, "spec");
    const char *key;
    json_t *v;
    void *tmp;
    if (inf->spec_members && json_is_object(spec))
        json_object_foreach_safe(spec, tmp, key, v) {
            if (!kept_spec_member(inf, key, strlen(key)))
                json_object_del(spec, key);
        }
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta))
        return;
    if (inf->metadata_identity_only) {
        json_object_foreach_safe(meta, tmp, key, v) {
            if (!identity_member(key, strlen(key)))
                json_object_del(meta, key);
        }
        return;
    }
    if (!inf->keep_managed_fields)
        json_object_del(meta, "managedFields");
    json_t *annotations = json_object_get(meta, "annotations");
    if (!inf->keep_last_applied && json_is_object(annotations)) {
        json_object_del(annotations, LAST_APPLIED);
        if (json_object_size(annotations) == 0)
            json_object_del(meta, "annotations");
    }
}

const fo_json_read_filter *fo_informer_watch_filter(const fo_informer *inf)
{
    return fo_informer_list_filter(inf) ? &inf->watch_filter : NULL;
}

bool fo_informer_answer_filter(const fo_informer *inf, fo_json_read_filter *out)
{
    const fo_json_read_filter *w = fo_informer_watch_filter(inf);
    if (!w)
        return false;
    *out = *w;
    out->item_state = w->max_weight ? w->root_state : 0; /* the object is the item */
    return true;
}

const fo_json_read_filter *fo_informer_list_filter(const fo_informer *inf)
{
    if (inf->keep_managed_fields && inf->keep_last_applied && !inf->drop_status &&
        !inf->spec_members && !inf->metadata_identity_only && !inf->max_object_weight)
        return NULL;
    return &inf->list_filter;
}

void fo_informer_apply_upsert(fo_informer *inf, json_t *obj)
{
    trim(inf, obj);
    char *key = fo_informer_key_of(obj);
    if (!key) {
        fo_log_warn("informer %s: object without a name ignored", inf->name);
        return;
    }
    pthread_rwlock_wrlock(&inf->cache_lock);
    json_t *old = put_locked(inf, key, obj);
    pthread_rwlock_unlock(&inf->cache_lock);
    free(key);
    if (old)
        enqueue(inf, FO_NOTE_UPDATE, old, json_incref(obj));
    else
        enqueue(inf, FO_NOTE_ADD, NULL, json_incref(obj));
}

void fo_informer_apply_delete(fo_informer *inf, json_t *obj)
{
    char *key = fo_informer_key_of(obj);
    if (!key)
        return;
    pthread_rwlock_wrlock(&inf->cache_lock);
    json_t *old = remove_locked(inf, key);
    pthread_rwlock_unlock(&inf->cache_lock);
    free(key);
    /* Handlers get the final state the server sent (client-go does the same). */
    json_decref(old);
    enqueue(inf, FO_NOTE_DELETE, json_incref(obj), NULL);
}

static bool in_namespace(const char *key, const char *ns)
{
    if (!ns)
        return true;
    size_t n = strlen(ns);
    return strncmp(key, ns, n) == 0 && key[n] == '/';
}

uint64_t fo_informer_apply_replace(fo_informer *inf, const char *ns, json_t *items)
{
    json_t *fresh = json_object(); /* key -> item */
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        trim(inf, item);
        char *key = fo_informer_key_of(item);
        if (key)
            json_object_set(fresh, key, item);
        free(key);
    }
    /* Work out the notes under the lock, queue them after it. */
    json_t *adds = json_array(), *updates = json_array(), *deletes = json_array();
    pthread_rwlock_wrlock(&inf->cache_lock);
    const char *key;
    json_t *obj;
    void *tmp;
    json_object_foreach_safe(inf->cache, tmp, key, obj)
    {
        if (in_namespace(key, ns) && !json_object_get(fresh, key))
            json_array_append_new(deletes, remove_locked(inf, key));
    }
    json_object_foreach(fresh, key, obj)
    {
        json_t *old = json_object_get(inf->cache, key);
        const char *orv = old ? fo_json_get_str(old, "metadata.resourceVersion") : NULL;
        const char *nrv = fo_json_get_str(obj, "metadata.resourceVersion");
        if (old && orv && nrv && strcmp(orv, nrv) == 0)
            continue; /* unchanged: no notification */
        json_t *prev = put_locked(inf, key, obj);
        if (prev)
            json_array_append_new(updates, json_pack("[oO]", prev, obj));
        else
            json_array_append(adds, obj);
    }
    pthread_rwlock_unlock(&inf->cache_lock);
    json_array_foreach(deletes, i, obj) enqueue(inf, FO_NOTE_DELETE, json_incref(obj), NULL);
    json_array_foreach(updates, i, obj)
        enqueue(inf, FO_NOTE_UPDATE, json_incref(json_array_get(obj, 0)),
                json_incref(json_array_get(obj, 1)));
    json_array_foreach(adds, i, obj) enqueue(inf, FO_NOTE_ADD, NULL, json_incref(obj));
    json_decref(adds);
    json_decref(updates);
    json_decref(deletes);
    json_decref(fresh);
    pthread_mutex_lock(&inf->mu);
    uint64_t seq = inf->next_seq;
    pthread_mutex_unlock(&inf->mu);
    return seq;
}

/* ---- lifecycle ---- */

bool fo_informer_wait_ms(fo_informer *inf, int64_t ms)
{
    int64_t until = fo_clock_mono_ms(inf->clock) + ms;
    bool fake = fo_clock_is_fake(inf->clock);
    pthread_mutex_lock(&inf->mu);
    while (!inf->stopping && fo_clock_mono_ms(inf->clock) < until) {
        if (fake) {
            pthread_cond_wait(&inf->cv, &inf->mu);
        } else {
            struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
            pthread_cond_timedwait(&inf->cv, &inf->mu, &ts);
        }
    }
    bool go_on = !inf->stopping;
    pthread_mutex_unlock(&inf->mu);
    return go_on;
}

fo_rc fo_informer_start(fo_informer *inf, fo_err *err)
{
    fo_err_clear(err);
    pthread_mutex_lock(&inf->mu);
    if (inf->started) {
        pthread_mutex_unlock(&inf->mu);
        return fo_err_set(err, FO_EINVAL, "informer %s: already started", inf->name);
    }
    inf->started = true;
    int64_t now = fo_clock_mono_ms(inf->clock);
    for (size_t i = 0; i < inf->nrefl; i++)
        inf->refl[i].contact_lost_ms = now > 0 ? now : 1; /* not yet in contact */
    pthread_mutex_unlock(&inf->mu);
    if (!fo_clock_subscribe(inf->clock, on_tick, inf))
        return fo_err_set(err, FO_ELIMIT, "informer %s: clock listener table full", inf->name);
    if (pthread_create(&inf->dispatcher, NULL, dispatch_run, inf) != 0)
        return fo_err_set(err, FO_ENOMEM, "informer %s: cannot start a thread", inf->name);
    inf->dispatcher_started = true;
    for (size_t i = 0; i < inf->nrefl; i++) {
        if (pthread_create(&inf->refl[i].thread, NULL, fo_informer_reflector_run, &inf->refl[i]) !=
            0) {
            fo_informer_stop(inf);
            return fo_err_set(err, FO_ENOMEM, "informer %s: cannot start a thread", inf->name);
        }
        inf->refl[i].thread_started = true;
    }
    return FO_OK;
}

void fo_informer_stop(fo_informer *inf)
{
    if (!inf)
        return;
    pthread_mutex_lock(&inf->mu);
    inf->stopping = true;
    atomic_store_explicit(&inf->stop_flag, 1, memory_order_relaxed);
    pthread_cond_broadcast(&inf->cv);
    pthread_mutex_unlock(&inf->mu);
    for (size_t i = 0; i < inf->nrefl; i++) {
        if (inf->refl[i].thread_started)
            pthread_join(inf->refl[i].thread, NULL);
        inf->refl[i].thread_started = false;
    }
    if (inf->dispatcher_started)
        pthread_join(inf->dispatcher, NULL);
    inf->dispatcher_started = false;
    fo_clock_unsubscribe(inf->clock, on_tick, inf);
    pthread_mutex_lock(&inf->mu);
    while (inf->head) {
        struct fo_informer_note *n = inf->head;
        inf->head = n->next;
        note_free(n);
    }
    inf->tail = NULL;
    pthread_mutex_unlock(&inf->mu);
}

void fo_informer_free(fo_informer *inf)
{
    if (!inf)
        return;
    fo_informer_stop(inf);
    for (size_t i = 0; inf->refl && i < inf->nrefl; i++)
        free(inf->refl[i].ns);
    free(inf->refl);
    fo_kube_client_free(inf->kc);
    json_decref(inf->cache);
    json_decref(inf->owners);
    pthread_rwlock_destroy(&inf->cache_lock);
    pthread_cond_destroy(&inf->cv);
    pthread_mutex_destroy(&inf->mu);
    free(inf->group);
    free(inf->version);
    free(inf->resource);
    free(inf->label_selector);
    free(inf->name);
    free_strings(inf->spec_members);
    free(inf);
}

static bool synced_locked(fo_informer *inf)
{
    uint64_t need = 0;
    for (size_t i = 0; i < inf->nrefl; i++) {
        if (!inf->refl[i].listed)
            return false;
        if (inf->refl[i].sync_seq > need)
            need = inf->refl[i].sync_seq;
    }
    return inf->delivered_seq >= need;
}

/* Under inf->mu: how long one reflector has been out of contact. */
static int64_t reflector_away_ms(const struct fo_informer_reflector *r, int64_t now)
{
    bool watching = r->open_since_ms && now - r->open_since_ms >= FO_INFORMER_CONTACT_MS;
    return !watching && r->contact_lost_ms ? now - r->contact_lost_ms : 0;
}

int64_t fo_informer_out_of_contact_ms(fo_informer *inf)
{
    int64_t now = fo_clock_mono_ms(inf->clock), longest = 0;
    pthread_mutex_lock(&inf->mu);
    for (size_t i = 0; i < inf->nrefl; i++) {
        int64_t away = reflector_away_ms(&inf->refl[i], now);
        longest = away > longest ? away : longest;
    }
    pthread_mutex_unlock(&inf->mu);
    return longest;
}

bool fo_informer_contact_error(fo_informer *inf, char *buf, size_t len)
{
    int64_t now = fo_clock_mono_ms(inf->clock), longest = 0;
    bool found = false;
    if (len)
        buf[0] = '\0';
    pthread_mutex_lock(&inf->mu);
    for (size_t i = 0; i < inf->nrefl; i++) {
        const struct fo_informer_reflector *r = &inf->refl[i];
        int64_t away = reflector_away_ms(r, now);
        if (away > 0 && r->contact_error[0] && (!found || away > longest)) {
            longest = away;
            found = true;
            if (len)
                snprintf(buf, len, "%s", r->contact_error);
        }
    }
    pthread_mutex_unlock(&inf->mu);
    return found;
}

int64_t fo_informer_namespace_out_of_contact_ms(fo_informer *inf, const char *ns)
{
    int64_t now = fo_clock_mono_ms(inf->clock), away = 0;
    pthread_mutex_lock(&inf->mu);
    for (size_t i = 0; i < inf->nrefl; i++) {
        const struct fo_informer_reflector *r = &inf->refl[i];
        if (!r->ns || (ns && strcmp(r->ns, ns) == 0)) {
            away = reflector_away_ms(r, now);
            break;
        }
    }
    pthread_mutex_unlock(&inf->mu);
    return away;
}

bool fo_informer_synced(fo_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool v = synced_locked(inf);
    pthread_mutex_unlock(&inf->mu);
    return v;
}

bool fo_informer_wait_synced(fo_informer *inf, int64_t timeout_ms)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t until = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
    struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
    pthread_mutex_lock(&inf->mu);
    bool v;
    while (!(v = synced_locked(inf)) && !inf->stopping) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&inf->cv, &inf->mu);
        } else if (pthread_cond_timedwait(&inf->cv, &inf->mu, &ts) != 0) {
            v = synced_locked(inf);
            break;
        }
    }
    pthread_mutex_unlock(&inf->mu);
    return v;
}

/* ---- readers ---- */

json_t *fo_informer_get_key(fo_informer *inf, const char *key)
{
    if (!key)
        return NULL;
    pthread_rwlock_rdlock(&inf->cache_lock);
    json_t *obj = json_incref(json_object_get(inf->cache, key));
    pthread_rwlock_unlock(&inf->cache_lock);
    return obj;
}

json_t *fo_informer_get(fo_informer *inf, const char *ns, const char *name)
{
    if (!name || !*name)
        return NULL;
    char *key = NULL;
    if (ns && *ns) {
        if (asprintf(&key, "%s/%s", ns, name) < 0)
            return NULL;
    } else {
        key = strdup(name);
    }
    json_t *obj = fo_informer_get_key(inf, key);
    free(key);
    return obj;
}

json_t *fo_informer_list(fo_informer *inf, const char *ns)
{
    json_t *out = json_array();
    if (!out)
        return NULL;
    pthread_rwlock_rdlock(&inf->cache_lock);
    const char *key;
    json_t *obj;
    json_object_foreach(inf->cache, key, obj)
    {
        if (!ns || in_namespace(key, ns))
            json_array_append(out, obj);
    }
    pthread_rwlock_unlock(&inf->cache_lock);
    return out;
}

json_t *fo_informer_by_owner(fo_informer *inf, const char *owner_uid)
{
    json_t *out = json_array();
    if (!out || !owner_uid)
        return out;
    pthread_rwlock_rdlock(&inf->cache_lock);
    json_t *set = json_object_get(inf->owners, owner_uid);
    const char *key;
    json_t *v;
    json_object_foreach(set, key, v)
    {
        json_t *obj = json_object_get(inf->cache, key);
        if (obj)
            json_array_append(out, obj);
    }
    pthread_rwlock_unlock(&inf->cache_lock);
    return out;
}

size_t fo_informer_len(fo_informer *inf)
{
    pthread_rwlock_rdlock(&inf->cache_lock);
    size_t n = json_object_size(inf->cache);
    pthread_rwlock_unlock(&inf->cache_lock);
    return n;
}

void fo_informer_get_stats(fo_informer *inf, fo_informer_stats *out)
{
    pthread_mutex_lock(&inf->mu);
    *out = inf->stats;
    pthread_mutex_unlock(&inf->mu);
}
