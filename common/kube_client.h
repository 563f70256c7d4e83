#ifndef FO_KUBE_CLIENT_H
#define FO_KUBE_CLIENT_H

/* A Kubernetes API client over http_client and kube_config (kube-api-semantics.md §1-9).
 *
 * Every call addresses a resource through a fo_kube_ref (group, version, plural resource,
 * namespace, name, subresource; the core group maps to /api/v1, others to
 * /apis/<group>/<version>). Objects go in and out as jansson values; inputs are borrowed and
 * never modified, outputs are new references the caller owns.
 *
 * Errors: a non-2xx answer decodes its Status into err (kube_status.h): FO_ENOTFOUND,
 * FO_EEXISTS, FO_ECONFLICT, FO_EINVALID (causes joined into the message), FO_EGONE,
 * FO_EFORBIDDEN, FO_ETOOMANY, ...; err->reason holds Status.reason and err->http_status the
 * code. Transport failures give FO_EUNAVAIL / FO_ETIMEOUT / FO_EIO.
 *
 * Retries (with exponential backoff, honouring Retry-After up to retry_max_ms):
 * - 429 and 503 for every verb (the server did not act);
 * - other 5xx and failed transports for idempotent verbs (GET, PUT, DELETE) only;
 * - connection failures before anything was sent (refused, unresolvable) for every verb;
 * - one 401 per call after marking the token stale (a rotated service-account token).
 * Each attempt is bounded by timeout_ms.
 *
 * A client is thread-safe and meant to be shared by every worker. */

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/json_read.h"
#include "common/kube_config.h"
#include "common/kube_watch.h"
#include "common/rc.h"

/* Largest response body we accept (a big List). */
#define FO_KUBE_MAX_RESPONSE (256u * 1024 * 1024)

typedef struct fo_kube_client fo_kube_client;

typedef struct fo_kube_ref {
    const char *group;       /* NULL or "" = core */
    const char *version;     /* "v1" */
    const char *resource;    /* plural, lower case: "configmaps", "flinkdeployments" */
    const char *ns;          /* NULL or "" = cluster-scoped, or every namespace (list, watch) */
    const char *name;        /* NULL for collections */
    const char *subresource; /* NULL, "status", "scale" */
} fo_kube_ref;

typedef struct fo_kube_client_opts {
    const char *user_agent;    /* NULL = "flinkop" */
    const char *field_manager; /* default fieldManager of writes; NULL = "flinkop" */
    long timeout_ms;           /* per attempt; 0 = 30000 */
    long connect_timeout_ms;   /* 0 = 5000 */
    int max_retries;           /* attempts after the first; 0 = 5, < 0 = none */
    int64_t retry_initial_ms;  /* first backoff; 0 = 200 */
    int64_t retry_max_ms;      /* longest wait, Retry-After included; 0 = 30000 */
    /* How to wait between attempts; NULL = sleep. Tests record the delays here. */
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *sleep_ctx;
} fo_kube_client_opts;

/* A client for cfg (borrowed: it must outlive the client). opts may be NULL. */
fo_kube_client *fo_kube_client_new(fo_kube_config *cfg, const fo_kube_client_opts *opts,
                                   fo_err *err);
void fo_kube_client_free(fo_kube_client *kc);

/* The config the client was made with (borrowed). */
fo_kube_config *fo_kube_client_config(fo_kube_client *kc);

/* The URL path of ref ("/apis/flink.apache.org/v1beta1/namespaces/ns/flinkdeployments/x")
 * into sb, without the server part. FO_EINVAL when version or resource is missing. */
fo_rc fo_kube_ref_path(const fo_kube_ref *ref, fo_strbuf *sb);

/* GET one object. */
fo_rc fo_kube_get(fo_kube_client *kc, const fo_kube_ref *ref, json_t **out, fo_err *err);

/* The same with each attempt bounded by timeout_ms instead of the client's timeout (0 = the
 * client's): for a caller with a deadline of its own (the leader elector's renew deadline). */
fo_rc fo_kube_get_within(fo_kube_client *kc, const fo_kube_ref *ref, long timeout_ms,
                         json_t **out, fo_err *err);

typedef struct fo_kube_list_opts {
    const char *label_selector;         /* "app=x,tier!=y" */
    const char *field_selector;         /* "metadata.name=x" */
    long limit;                         /* page size; 0 = no limit (one page) */
    const char *continue_token;         /* fo_kube_list only */
    const char *resource_version;       /* NULL = most recent */
    const char *resource_version_match; /* "NotOlderThan", "Exact" */
    /* Parts of each page to leave out while it is read (common/json_read.h; its root state
     * is the List object), so what the caller drops anyway is never built: an informer's
     * first list of a thousand objects would otherwise hold all their managedFields at once.
     * NULL = keep everything. With an item_state and max_weight, an item past the bound is
     * replaced by its stub (common/kube_oversized.h). */
    const fo_json_read_filter *page_filter;
} fo_kube_list_opts;

/* One page: the List object as the server sent it (items, metadata.resourceVersion and
 * metadata.continue). opts may be NULL. */
fo_rc fo_kube_list(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_list_opts *opts,
                   json_t **out, fo_err *err);

/* Every page (following `continue`): one List object whose items are all the pages' items and
 * whose metadata.resourceVersion is the snapshot's. When a continue token expires (410), the
 * list starts again once without a limit (as client-go's pager does). */
fo_rc fo_kube_list_all(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_list_opts *opts,
                       json_t **out, fo_err *err);

typedef struct fo_kube_write_opts {
    const char *field_manager; /* NULL = the client's */
    bool dry_run;              /* ?dryRun=All */
    long timeout_ms;           /* per attempt; 0 = the client's */
} fo_kube_write_opts;

/* POST obj to the collection of ref (ref->name is ignored). out may be NULL. */
fo_rc fo_kube_create(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                     const fo_kube_write_opts *opts, json_t **out, fo_err *err);

/* PUT obj (full replacement; carry metadata.resourceVersion for optimistic concurrency).
 * With ref->subresource "status" this is an update of the status subresource. */
fo_rc fo_kube_update(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                     const fo_kube_write_opts *opts, json_t **out, fo_err *err);

typedef enum fo_kube_patch_type {
    FO_PATCH_MERGE,     /* application/merge-patch+json (RFC 7386) */
    FO_PATCH_JSON,      /* application/json-patch+json (RFC 6902); patch is an array */
    FO_PATCH_APPLY,     /* application/apply-patch+yaml (server-side apply, JSON body) */
    FO_PATCH_STRATEGIC, /* application/strategic-merge-patch+json (built-in kinds only) */
} fo_kube_patch_type;

typedef struct fo_kube_patch_opts {
    const char *field_manager; /* NULL = the client's (apply requires one) */
    bool force;                /* apply: take conflicting fields */
    bool dry_run;
    /* How the answer is read (common/json_read.h): with item_state its root_state and a
     * max_weight, an object past the bound comes back as its stub (common/kube_oversized.h),
     * its resourceVersion current. NULL: whole. */
    const fo_json_read_filter *answer_filter;
} fo_kube_patch_opts;

/* PATCH ref (with ref->subresource "status" for the status). */
fo_rc fo_kube_patch(fo_kube_client *kc, const fo_kube_ref *ref, fo_kube_patch_type type,
                    const json_t *patch, const fo_kube_patch_opts *opts, json_t **out, fo_err *err);

/* Shorthands for the status subresource (ref->subresource is replaced by "status"). */
fo_rc fo_kube_update_status(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                            json_t **out, fo_err *err);
fo_rc fo_kube_patch_status(fo_kube_client *kc, const fo_kube_ref *ref, fo_kube_patch_type type,
                           const json_t *patch, json_t **out, fo_err *err);

typedef struct fo_kube_delete_opts {
    const char *propagation_policy; /* "Background", "Foreground", "Orphan"; NULL = default */
    const char *precondition_uid;   /* delete only this incarnation */
    const char *precondition_rv;    /* delete only this version */
    bool set_grace_period;          /* send grace_period_s (else the server's default) */
    int64_t grace_period_s;
    bool dry_run;
} fo_kube_delete_opts;

/* DELETE ref. out (may be NULL) gets what the server answered: the object (finalizers pending)
 * or a success Status. opts may be NULL. */
fo_rc fo_kube_delete(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_delete_opts *opts,
                     json_t **out, fo_err *err);

typedef struct fo_kube_watch_opts {
    const char *resource_version; /* start after this version (the list's) */
    const char *label_selector;
    const char *field_selector;
    bool allow_bookmarks;
    long timeout_s;         /* server-side timeoutSeconds; 0 = none */
    /* Nothing from the server (no event, no bookmark, no byte) for this long ends the watch
     * with FO_ETIMEOUT (err->reason "Idle"): a server that is alive but stopped sending, or a
     * stuck proxy holding the connection open, which TCP keepalive cannot see. The limit holds
     * once the watch has heard a BOOKMARK (or from its start with idle_from_start): a
     * kube-apiserver with its watch cache sends one about every minute to a watch that allows
     * them, but none without the cache (--watch-cache=false, Events) and, before 1.31, none
     * after its start until it has seen an event of the resource, so a quiet watch that never
     * heard one is healthy as far as anyone can tell. 0 = no limit. */
    long idle_timeout_ms;
    bool idle_from_start; /* the previous watch heard bookmarks: this one should too */
    size_t max_event_bytes; /* 0 = FO_WATCH_MAX_EVENT_BYTES */
    /* How each event's object is read (fo_watch_parser_set_object_filter): what is left out,
     * and the weight past which it arrives as its stub. NULL = whole. */
    const fo_json_read_filter *object_filter;
    /* Called (with the event callback's ctx) once the server accepted the watch (a 2xx
     * answer), before any event: the stream is open. NULL = not told. */
    void (*on_open)(void *ctx);
} fo_kube_watch_opts;

/* Watch the collection of ref, calling fn for every ADDED, MODIFIED, DELETED and BOOKMARK
 * event in order, on the calling thread, until the stream ends. Returns FO_OK when the server
 * closed the stream cleanly, or when the exec plugin's client certificate pair the watch was
 * opened with was replaced (by a request of any client of the same config: the caller opens
 * it again, with the new pair, as client-go closes every connection of a rotated pair); an
 * ERROR event's Status decoded into err (FO_EGONE for a too old resourceVersion); a non-2xx
 * answer likewise; FO_EUNAVAIL/FO_ETIMEOUT/FO_EPROTO when the connection broke, went silent
 * past timeout_s or idle_timeout_ms, or sent garbage; FO_ESHUTDOWN when *stop became non-zero
 * (polled about every 100 ms); or fn's own code. Not retried: the caller (the informer)
 * resumes. */
fo_rc fo_kube_watch(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_watch_opts *opts,
                    fo_watch_event_fn fn, void *ctx, const atomic_int *stop, fo_err *err);

#endif
