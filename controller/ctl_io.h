#ifndef FO_CTL_IO_H
#define FO_CTL_IO_H

/* The seams between a reconcile pass and the outside world. A pass never talks to a socket
 * itself: it reads caches and writes through a fo_ctl_kube, calls Flink through the
 * common/flink_rest client and records Events through a fo_ctl_events, all reached from one
 * fo_ctl_env. The process wires them to informers, the kube client, a fo_flink_rest over the
 * HTTP client and the Event recorder (controller/kube_io.c, main.c); unit tests wire them to
 * in-memory fakes (tests/unit/ctl_fake_io.h: the Flink fake sits under the same fo_flink_rest,
 * at its send seam), so the whole pass is tested without sockets.
 *
 * Ownership follows the project rules: borrowed inputs, new references out. Every callback
 * must be thread-safe (workers run passes for different keys at the same time). */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/cluster_defaults.h"
#include "common/flink_rest.h"
#include "common/kube_events.h"
#include "common/rc.h"
#include "controller/own_writes.h"

/* The kinds a FlinkDeployment pass reads and writes. */
typedef enum fo_ctl_kind {
    FO_CTL_FLINK_DEPLOYMENT = 0,
    FO_CTL_CONFIG_MAP,
    FO_CTL_SERVICE,
    FO_CTL_DEPLOYMENT,
    FO_CTL_INGRESS,
    FO_CTL_POD, /* read only: JobManager pods, for failures the Deployment does not report */
    FO_CTL_KIND_COUNT
} fo_ctl_kind;

typedef struct fo_ctl_kind_info {
    const char *kind;        /* "ConfigMap" */
    const char *group;       /* "" for core */
    const char *version;     /* "v1" */
    const char *api_version; /* "v1", "apps/v1" */
    const char *resource;    /* "configmaps" */
} fo_ctl_kind_info;

/* Static description of a kind. Never NULL for a valid kind. */
const fo_ctl_kind_info *fo_ctl_kind_get(fo_ctl_kind kind);

/* The kind of an object from its "kind" member; FO_CTL_KIND_COUNT when not one of ours. */
fo_ctl_kind fo_ctl_kind_of(const json_t *obj);

/* Kubernetes: reads come from the informer caches, writes go to the API server. */
typedef struct fo_ctl_kube {
    void *ctx;
    /* The cached object (new reference to an immutable snapshot; never modify it) or NULL. */
    json_t *(*cached)(void *ctx, fo_ctl_kind kind, const char *ns, const char *name);
    /* Cached objects of kind in ns whose labels include every member of `labels` (a
     * {"k": "v"} object): a new array of shared snapshots. */
    json_t *(*cached_list)(void *ctx, fo_ctl_kind kind, const char *ns, const json_t *labels);
    /* GET from the API server, bypassing the cache (after a create found the name taken). */
    fo_rc (*get)(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, json_t **out,
                 fo_err *err);
    /* POST obj (its metadata.namespace names the namespace). out may be NULL. */
    fo_rc (*create)(void *ctx, fo_ctl_kind kind, const json_t *obj, json_t **out, fo_err *err);
    /* JSON merge patch (RFC 7386) of the object, or of its status subresource when `status`.
     * A patch carrying metadata.resourceVersion is conditional (FO_ECONFLICT when stale).
     * out may be NULL; a FlinkDeployment comes back as the informer holds it (without
     * managedFields, a stub past the weight bound: common/kube_oversized.h). */
    fo_rc (*patch)(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, bool status,
                   const json_t *patch, json_t **out, fo_err *err);
    /* DELETE with an optional uid precondition and propagation policy (NULL = the server's
     * default). FO_ENOTFOUND when already gone. */
    fo_rc (*remove)(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, const char *uid,
                    const char *propagation, fo_err *err);
    /* The core/v1 Events in ns about the object with this uid and with this reason, listed
     * from the API server (fieldSelector involvedObject.uid=<uid>,reason=<reason>; Events are
     * not cached): *items is a new array. Read only while a JobManager pod cannot start, for
     * the kubelet's FailedMount Events. NULL callback: no Events are read. */
    fo_rc (*events_about)(void *ctx, const char *ns, const char *uid, const char *reason,
                          json_t **items, fo_err *err);
} fo_ctl_kube;

/* Events about a resource (borrowed obj: its identity is copied), from component (the Event's
 * source.component). Never blocks or fails. */
typedef struct fo_ctl_events {
    void *ctx;
    void (*record)(void *ctx, const json_t *obj, const char *component, fo_event_type type,
                   const char *reason, const char *message);
} fo_ctl_events;

/* Operator settings a pass reads (controller/config fills them from flags). */
typedef struct fo_ctl_settings {
    int64_t observe_interval_ms;   /* requeue of a settled resource (default 15 s) */
    int64_t progress_interval_ms;  /* requeue while deploying or waiting (default 5 s) */
    int64_t rest_ready_delay_ms;   /* DEPLOYED_NOT_READY -> READY (default 10 s) */
    int64_t cleanup_timeout_ms;    /* deletion waits at most this for owned objects (5 min) */
    const char *rest_url_template; /* "http://{name}-rest.{namespace}.svc:{port}" */
    bool delete_ha_data;           /* deletion also removes Flink's HA ConfigMaps (default) */
} fo_ctl_settings;

/* What a pass tells the manager (any pointer may be NULL). Implemented by the manager. */
typedef struct fo_ctl_hooks {
    void *ctx;
    /* A Flink REST call failed; endpoint is its route ("/jobs/:id/stop"), a constant. */
    void (*rest_error)(void *ctx, const char *endpoint);
    /* The pass read the FlinkDeployment ns/name: canary is the cached object (borrowed) when
     * it is a canary the pass leaves alone, NULL when the key is gone, no canary or a canary
     * being deleted (controller/canary.h, fo_canary_seen). */
    void (*canary)(void *ctx, const char *ns, const char *name, const json_t *canary);
} fo_ctl_hooks;

/* Everything a pass needs. Lives as long as the workers; all members borrowed. */
typedef struct fo_ctl_env {
    fo_ctl_kube kube;
    fo_flink_rest *flink; /* Flink's REST API (borrowed, never NULL; shared by the workers) */
    /* The same API with reads given the full timeout of the calls that change things, for the
     * passes that decide on a change (fo_reconcile_deployment): a slow JobManager's answer
     * then still decides how to upgrade, as it did before reads were cut short. Borrowed;
     * NULL = flink. */
    fo_flink_rest *flink_patient;
    fo_ctl_events events;
    fo_ctl_hooks hooks;
    const fo_clock *clock;
    const fo_ctl_settings *settings;
    /* The cluster defaults to use now: a new reference (fo_cluster_defaults_unref it), never
     * NULL. NULL callback = no defaults. */
    fo_cluster_defaults *(*defaults)(void *ctx);
    void *defaults_ctx;
    /* A fresh Flink id, for new jobs and for savepoint triggers (32 lower-case hex + NUL).
     * NULL = random from the system. */
    void (*new_id)(void *ctx, char out[33]);
    void *new_id_ctx;
    /* The versions of each FlinkDeployment this process replaced by its own writes, which the
     * cache may still hold (controller/own_writes.h). NULL = not tracked. */
    fo_own_writes *own_writes;
} fo_ctl_env;

/* Fill settings with the defaults above. */
void fo_ctl_settings_defaults(fo_ctl_settings *s);

/* The cluster's REST base URL from env->settings' template (fo_flink_rest_base_url) and the
 * cluster's REST port (fo_flink_conf_rest_port of its deployed configuration: a pass calls
 * this through fo_build_rest_base, which knows that configuration) into out; "" when it cannot
 * be made (the template is checked at start, so only an overlong name gets here), which every
 * Flink call then refuses. */
void fo_ctl_rest_base(const fo_ctl_env *env, const char *ns, const char *name, int port,
                      char out[FO_FLINK_REST_MAX_URL]);

/* Count a Flink REST call that ended with rc (failures only) under endpoint, a route such as
 * "/jobs/:id/stop", through env->hooks. Returns rc, so a call reads
 * rc = fo_ctl_rest_counted(env, "/config", fo_flink_rest_config(env->flink, ...)). */
fo_rc fo_ctl_rest_counted(const fo_ctl_env *env, const char *endpoint, fo_rc rc);

/* A random 32-hex Flink id from getrandom(2) (falls back to the clock and a counter). */
void fo_ctl_random_id(char out[33]);

/* A fresh Flink id: env->new_id, or a random one. */
void fo_ctl_new_id(const fo_ctl_env *env, char out[33]);

/* The current cluster defaults of env (new reference; empty defaults when there is none). */
fo_cluster_defaults *fo_ctl_defaults(const fo_ctl_env *env);

#endif
