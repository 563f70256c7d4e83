#ifndef FO_FAKE_FLINK_INT_H
#define FO_FAKE_FLINK_INT_H

/* Internal pieces of the fake Flink server shared by fake_flink*.c: a transport-neutral request
 * (so routing is tested without sockets) and the routers. */

#include <jansson.h>
#include <stddef.h>

#include "tests/fakes/flink/flink_sim.h"

/* Largest JSON request body the fake parses (jar uploads are not JSON). */
#define FF_MAX_JSON_BODY (1u * 1024 * 1024)

typedef struct ff_request {
    const char *method;
    const char *path; /* relative to the cluster: "/jobs/overview" */
    const char *body; /* NUL-terminated */
    size_t body_len;
    const char *content_type; /* may be NULL */
    const char *(*query)(void *ctx, const char *name); /* may be NULL */
    void *query_ctx;
} ff_request;

typedef struct ff_response {
    int status;
    json_t *body; /* new reference; NULL = empty body */
} ff_response;

/* Answer a Flink REST request for one cluster (fake_flink_rest.c). */
void ff_rest_handle(fo_flink_sim *sim, const ff_request *req, ff_response *resp);

/* Set resp to Flink's error body {"errors": [message]}. */
void ff_error(ff_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Find the file parts of a multipart/form-data body (RFC 7578). Returns the number of parts
 * that carry a filename; the first one's name (copied into name, truncated to name_len) and
 * size are returned. -1 when the body is not well-formed multipart for the boundary in
 * content_type (fake_flink_multipart.c). */
int ff_multipart_files(const char *body, size_t len, const char *content_type, char *name,
                       size_t name_len, size_t *size);

/* ---- the multi-cluster fake (fake_flink.c, fake_flink_control.c) ---- */

#include <pthread.h>

#include "tests/fakes/flink/fake_flink.h"

/* FF_HANG: the request is read and then held, unanswered and not acted on, until the fault is
 * lifted (then it is served as if it had just come), the cluster is deleted (503 no cluster) or
 * the fake quiesces (the connection is dropped). */
enum ff_unreachable { FF_REACHABLE, FF_RESET, FF_503, FF_HANG };

typedef struct ff_cluster {
    fo_fake_flink *ff;
    char *ns, *name;
    fo_flink_sim *sim;
    int unreachable; /* enum ff_unreachable */
    int64_t delay_ms;
} ff_cluster;

/* The HA store: the latest completed checkpoint of each job of an HA cluster, surviving the
 * cluster (as HA ConfigMaps survive a JobManager). */
typedef struct ff_ha_entry {
    char *ns, *name, *path;
    char job[33];
    int64_t checkpoint_id;
} ff_ha_entry;

typedef struct ff_snapshot_entry {
    char *path;
    int64_t checkpoint_id;
    bool disposed;
} ff_snapshot_entry;

struct fo_fake_flink {
    pthread_mutex_t mu;
    pthread_cond_t hang_cv; /* broadcast under mu whenever a held request may go on */
    bool quiescing;         /* under mu: hold no request any more */
    size_t held;            /* under mu: requests a "hang" fault holds now */
    const fo_clock *clock;
    int64_t offset_ms; /* ticks given */
    uint64_t seq;      /* clusters created, for seeds */
    fo_httpd *srv;
    char host[64];
    ff_cluster *clusters[FO_FAKE_FLINK_MAX_CLUSTERS];
    size_t nclusters;
    ff_snapshot_entry *snaps;
    size_t nsnaps, capsnaps;
    ff_ha_entry *ha;
    size_t nha, capha;
};

/* Under ff->mu: the current time, a cluster by name, advancing everything. */
int64_t ff_now_locked(fo_fake_flink *ff);
ff_cluster *ff_cluster_find(fo_fake_flink *ff, const char *ns, const char *name);
void ff_advance_all(fo_fake_flink *ff);
fo_rc ff_cluster_create_locked(fo_fake_flink *ff, const char *ns, const char *name,
                               const json_t *spec, fo_err *err);
fo_rc ff_cluster_delete_locked(fo_fake_flink *ff, const char *ns, const char *name, fo_err *err);
json_t *ff_cluster_view_locked(fo_fake_flink *ff, const ff_cluster *c);
json_t *ff_snapshots_json_locked(fo_fake_flink *ff);
json_t *ff_ha_json_locked(fo_fake_flink *ff);
int ff_ha_delete_locked(fo_fake_flink *ff, const char *ns, const char *name);

/* Answer a control-API request (path starts with "/_fake/"); takes ff->mu itself. */
void ff_control_handle(fo_fake_flink *ff, const char *method, const char *path,
                       const json_t *body, ff_response *resp);

#endif
