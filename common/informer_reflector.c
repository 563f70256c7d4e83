/* An informer's reflector: list, then watch from the list's resourceVersion, resume after
 * drops, relist after 410 (kube-api-semantics.md §5-6, client-go's Reflector). */
#include "common/informer.h"
#include "common/informer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"

/* client-go's reflector: watches last minWatchTimeout (5 min) x [1, 2). */
#define MIN_WATCH_TIMEOUT_S 300
/* A watch that ends cleanly this fast without an event is treated as a failure, so a server
 * that closes at once cannot make us spin (client-go does the same). */
#define SHORT_WATCH_NS (1000LL * 1000 * 1000)

static fo_kube_ref ref_of(const struct fo_informer_reflector *r)
{
    const fo_informer *inf = r->inf;
    return (fo_kube_ref){
        .group = inf->group, .version = inf->version, .resource = inf->resource, .ns = r->ns};
}

static const char *where(const struct fo_informer_reflector *r)
{
    return r->ns ? r->ns : "all namespaces";
}

/* Items of built-in lists carry no kind/apiVersion (§5); give every cached object both, so
 * consumers see the same shape from lists and from watch events. */
static void fill_type(json_t *list)
{
    const char *kind = fo_json_str(list, "kind");
    const char *api = fo_json_str(list, "apiVersion");
    char item_kind[256] = "";
    size_t n = kind ? strlen(kind) : 0;
    if (n > 4 && n < sizeof item_kind && strcmp(kind + n - 4, "List") == 0)
        snprintf(item_kind, sizeof item_kind, "%.*s", (int)(n - 4), kind);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        if (*item_kind && !json_object_get(item, "kind"))
            json_object_set_new(item, "kind", json_string(item_kind));
        if (api && !json_object_get(item, "apiVersion"))
            json_object_set_new(item, "apiVersion", json_string(api));
    }
}

/* Contact with the API server, for fo_informer_out_of_contact_ms; why (NULL when in contact)
 * for fo_informer_contact_error. */
static void set_contact(struct fo_informer_reflector *r, const char *why)
{
    fo_informer *inf = r->inf;
    pthread_mutex_lock(&inf->mu);
    if (!why) {
        r->contact_lost_ms = 0;
        r->contact_error[0] = '\0';
    } else {
        if (!r->contact_lost_ms) {
            int64_t now = fo_clock_mono_ms(inf->clock);
            r->contact_lost_ms = now > 0 ? now : 1;
        }
        snprintf(r->contact_error, sizeof r->contact_error, "%s", why);
    }
    pthread_mutex_unlock(&inf->mu);
}

static fo_rc do_list(struct fo_informer_reflector *r, bool after_gone)
{
    fo_informer *inf = r->inf;
    fo_kube_ref ref = ref_of(r);
    fo_kube_list_opts lo = {.label_selector = inf->label_selector,
                            .limit = inf->page_size,
                            .page_filter = fo_informer_list_filter(inf)};
    json_t *list = NULL;
    fo_err err;
    fo_rc rc = fo_kube_list_all(inf->kc, &ref, &lo, &list, &err);
    if (rc != FO_OK) {
        fo_log_warn("informer %s (%s): list failed: %s", inf->name, where(r), err.message);
        set_contact(r, err.message);
        return rc;
    }
    const char *rv = fo_json_get_str(list, "metadata.resourceVersion");
    if (!rv || !*rv || strlen(rv) >= sizeof r->rv) {
        fo_log_warn("informer %s (%s): list has no usable resourceVersion", inf->name, where(r));
        set_contact(r, "the list has no usable resourceVersion");
        json_decref(list);
        return FO_EPROTO;
    }
    snprintf(r->rv, sizeof r->rv, "%s", rv);
    set_contact(r, NULL);
    fill_type(list);
    /* Counted before the handlers hear of it: whoever saw the list's changes also sees the
     * list in the stats. */
    pthread_mutex_lock(&inf->mu);
    inf->stats.lists++;
    if (after_gone)
        inf->stats.relists_gone++;
    pthread_mutex_unlock(&inf->mu);
    uint64_t seq = fo_informer_apply_replace(inf, r->ns, json_object_get(list, "items"));
    fo_log_debug("informer %s (%s): listed %zu objects at %s", inf->name, where(r),
                 json_array_size(json_object_get(list, "items")), r->rv);
    json_decref(list);
    pthread_mutex_lock(&inf->mu);
    if (!r->listed) {
        r->listed = true;
        r->sync_seq = seq;
        pthread_cond_broadcast(&inf->cv);
    }
    pthread_mutex_unlock(&inf->mu);
    return FO_OK;
}

struct watch_state {
    struct fo_informer_reflector *r;
    uint64_t events;
    uint64_t bookmarks;
};

static fo_rc on_event(void *ctx, fo_watch_type type, json_t *object, fo_err *err)
{
    struct watch_state *ws = ctx;
    struct fo_informer_reflector *r = ws->r;
    fo_informer *inf = r->inf;
    const char *rv = fo_json_get_str(object, "metadata.resourceVersion");
    switch (type) {
    case FO_WATCH_ADDED:
    case FO_WATCH_MODIFIED:
        fo_informer_apply_upsert(inf, object);
        break;
    case FO_WATCH_DELETED:
        fo_informer_apply_delete(inf, object);
        break;
    case FO_WATCH_BOOKMARK:
        ws->bookmarks++;
        break;
    case FO_WATCH_ERROR: /* decoded by fo_kube_watch, never delivered */
        break;
    }
    /* Resume from here next time: the version of this event or bookmark (a DELETED event
     * carries the deletion's version, §6). */
    if (rv && *rv && strlen(rv) < sizeof r->rv)
        snprintf(r->rv, sizeof r->rv, "%s", rv);
    ws->events++;
    fo_informer_count(inf, &inf->stats.events);
    (void)err;
    return FO_OK;
}

static void on_watch_open(void *ctx)
{
    struct watch_state *ws = ctx;
    fo_informer *inf = ws->r->inf;
    pthread_mutex_lock(&inf->mu);
    int64_t now = fo_clock_mono_ms(inf->clock);
    ws->r->open_since_ms = now > 0 ? now : 1;
    pthread_mutex_unlock(&inf->mu);
}

/* A watch ended: it was contact if it delivered events or lasted a while. */
static void watch_ended(struct fo_informer_reflector *r, uint64_t events)
{
    fo_informer *inf = r->inf;
    pthread_mutex_lock(&inf->mu);
    int64_t now = fo_clock_mono_ms(inf->clock);
    if (events > 0 || (r->open_since_ms && now - r->open_since_ms >= FO_INFORMER_CONTACT_MS)) {
        r->contact_lost_ms = 0;
        r->contact_error[0] = '\0';
    }
    r->open_since_ms = 0;
    pthread_mutex_unlock(&inf->mu);
}

/* The watch heard nothing for the idle limit: the server or a proxy stopped sending while
 * holding the connection open. Its connection is closed; a new one is tried at once, as
 * client-go's reflector watches again at once when a connection is lost. */
static bool stalled(fo_rc rc, const fo_err *err)
{
    return rc == FO_ETIMEOUT && strcmp(err->reason, "Idle") == 0;
}

/* One watch from r->rv. FO_OK when the server ended it normally after a while; *events the
 * events (bookmarks included) it delivered; *was_stalled whether it ended on the idle limit. */
static fo_rc do_watch(struct fo_informer_reflector *r, uint64_t *events, bool *was_stalled)
{
    fo_informer *inf = r->inf;
    fo_kube_ref ref = ref_of(r);
    long timeout_s = inf->watch_timeout_s > 0
                         ? inf->watch_timeout_s
                         : MIN_WATCH_TIMEOUT_S + (long)(rand_r(&r->rng) % MIN_WATCH_TIMEOUT_S);
    fo_kube_watch_opts wo = {.resource_version = r->rv,
                             .label_selector = inf->label_selector,
                             .allow_bookmarks = true,
                             .timeout_s = timeout_s,
                             .idle_timeout_ms = (long)inf->watch_idle_timeout_ms,
                             .idle_from_start = r->heard_bookmark,
                             .object_filter = fo_informer_watch_filter(inf),
                             .on_open = on_watch_open};
    struct watch_state ws = {.r = r};
    fo_err err;
    fo_informer_count(inf, &inf->stats.watches);
    int64_t t0 = fo_clock_real_mono_ns();
    fo_rc rc = fo_kube_watch(inf->kc, &ref, &wo, on_event, &ws, &inf->stop_flag, &err);
    watch_ended(r, ws.events);
    /* Whether the server sends bookmarks: told by a watch that heard one, that ended cleanly
     * (its timeoutSeconds; also one ended early by a certificate rotation, which disarms the
     * next watch's limit until it hears a bookmark) or that stalled; a watch that broke says
     * nothing. */
    if (ws.bookmarks > 0 || rc == FO_OK || stalled(rc, &err))
        r->heard_bookmark = ws.bookmarks > 0;
    if (rc == FO_OK && ws.events == 0 && fo_clock_real_mono_ns() - t0 < SHORT_WATCH_NS) {
        fo_log_warn("informer %s (%s): watch ended at once without events", inf->name, where(r));
        set_contact(r, "the watch ended at once without events");
        return FO_EUNAVAIL;
    }
    if (rc != FO_OK && rc != FO_ESHUTDOWN && rc != FO_EGONE)
        set_contact(r, err.message[0] ? err.message : "the watch failed");
    *was_stalled = stalled(rc, &err);
    if (*was_stalled) {
        fo_informer_count(inf, &inf->stats.watch_stalls);
        fo_log_warn("informer %s (%s): watch from %s stalled, watching again: %s", inf->name,
                    where(r), r->rv, err.message);
    } else if (rc != FO_OK && rc != FO_ESHUTDOWN && rc != FO_EGONE) {
        fo_log_warn("informer %s (%s): watch from %s ended: %s", inf->name, where(r), r->rv,
                    err.message);
    } else if (rc == FO_EGONE) {
        fo_log_info("informer %s (%s): resourceVersion %s too old, relisting", inf->name, where(r),
                    r->rv);
    }
    if (ws.events > 0) { /* it worked for a while */
        fo_backoff_reset(&r->backoff);
        fo_backoff_reset(&r->gone_backoff);
    }
    *events = ws.events;
    return rc;
}

void *fo_informer_reflector_run(void *arg)
{
    struct fo_informer_reflector *r = arg;
    fo_informer *inf = r->inf;
    bool need_list = true, after_gone = false, just_listed = false;
    while (!atomic_load_explicit(&inf->stop_flag, memory_order_relaxed)) {
        if (need_list) {
            fo_rc rc = do_list(r, after_gone);
            if (rc != FO_OK) {
                if (!fo_informer_wait_ms(inf, fo_backoff_next_ms(&r->backoff)))
                    break;
                continue;
            }
            need_list = false;
            after_gone = false;
            just_listed = true;
        }
        uint64_t events = 0;
        bool stalled_now = false;
        fo_rc rc = do_watch(r, &events, &stalled_now);
        bool right_after_list = just_listed;
        just_listed = false;
        if (rc == FO_ESHUTDOWN)
            break;
        if (rc == FO_OK || stalled_now)
            continue; /* ended normally or stalled: resume from the last version at once */
        if (rc == FO_EGONE) {
            need_list = true;
            after_gone = true;
            /* Too old at once, from the version a list just gave: the server is not making
             * sense, and relisting at once would spin (a list and a watch per round trip). */
            if (right_after_list && events == 0 &&
                !fo_informer_wait_ms(inf, fo_backoff_next_ms(&r->gone_backoff)))
                break;
            continue;
        }
        fo_informer_count(inf, &inf->stats.watch_errors);
        if (!fo_informer_wait_ms(inf, fo_backoff_next_ms(&r->backoff)))
            break;
    }
    return NULL;
}
