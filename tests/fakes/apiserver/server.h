#ifndef FKA_SERVER_H
#define FKA_SERVER_H

/* Internals shared by the fake API server's modules: the server object, the transport-free
 * request and response, and the per-request operation context. Nothing here is for users
 * of the fake; they include fake_apiserver.h. */

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include <sys/types.h>
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/apiserver/resources.h"
#include "tests/fakes/apiserver/schema.h"
#include "tests/fakes/apiserver/store.h"

/* Largest request body accepted (kube-apiserver's limit is 3 MiB for most requests). */
#define FKA_MAX_BODY (3u * 1024 * 1024)
#define FKA_MAX_WARNINGS 16

typedef struct fka_control fka_control; /* control.h */
typedef struct fka_gc fka_gc;           /* gc.h */
typedef struct fka_openapi fka_openapi; /* openapi.h */

struct fo_fake_apiserver {
    const fo_clock *clock;
    fka_store *store;
    fka_registry *reg;
    fka_control *control;
    fka_gc *gc;
    fka_openapi *openapi;
    struct fo_httpd *httpd; /* common/httpd.h */
    struct fo_certwatch *tls;
    char *token;
    char *client_ca_pem; /* NULL = no x509 client authentication */
    char **service_map; /* "name.namespace=host:port" copies, NULL-terminated */
    unsigned ip_seq;    /* Service clusterIP allocation (atomic) */
    int bookmark_interval_ms;
    int max_watch_s;
    volatile int stopping;
};
typedef struct fo_fake_apiserver fka_server;

/* A request without its transport. */
typedef struct fka_req {
    const char *method;
    const char *path; /* no query string, not decoded */
    const char *body;
    size_t body_len;
    const char *content_type;
    const char *accept;
    const char *user_agent;
    const char *(*query)(void *ctx, const char *name); /* decoded value, NULL when absent */
    void *query_ctx;
    const char *cert_user; /* CN of a client certificate the client CA verified, or NULL */
} fka_req;

/* Streamed answers (watches) implement this; read returns a byte count, 0 for "nothing
 * yet", or one of these (the HTTP layer maps them to httpd's). */
#define FKA_STREAM_END ((ssize_t)-1)
#define FKA_STREAM_ABORT ((ssize_t)-2)
typedef struct fka_stream {
    ssize_t (*read)(struct fka_stream *st, char *buf, size_t max);
    void (*free)(struct fka_stream *st);
} fka_stream;

typedef struct fka_resp {
    int status;
    json_t *json; /* JSON body, or */
    char *raw;    /* a raw body (heap) */
    size_t raw_len;
    char content_type[160];
    char *warnings[FKA_MAX_WARNINGS];
    size_t nwarnings;
    int retry_after_s; /* -1 = none */
    fka_stream *stream;
} fka_resp;

void fka_resp_init(fka_resp *resp);
void fka_resp_release(fka_resp *resp);
/* Answer with a JSON body (stolen). */
void fka_resp_json(fka_resp *resp, int status, json_t *body);
/* Answer with a Status (stolen); the HTTP status is its code. */
void fka_resp_status(fka_resp *resp, json_t *status);
/* Add a Warning text (copied; dropped past FKA_MAX_WARNINGS or when already present). */
void fka_resp_warn(fka_resp *resp, const char *text);

/* The operation a request asks for, after routing. */
typedef struct fka_op {
    fka_server *srv;
    const fka_req *req;
    fka_resp *resp;
    fka_resource *res; /* held */
    char ns[256];      /* "" for cluster-scoped resources and all-namespace lists */
    bool all_ns;       /* namespaced resource addressed without a namespace */
    char name[256];    /* "" for a collection */
    char sub[32];      /* "" or "status", "scale", "finalize" */
    bool dry_run;
    char field_manager[160]; /* ?fieldManager, else the user agent up to its first '/' */
    const char *user;        /* "admin" for tokens, the service account of in-process callers */
} fka_op;

/* A query parameter of the request (NULL when absent). */
const char *fka_q(const fka_op *op, const char *name);
bool fka_q_true(const fka_op *op, const char *name);

/* The whole request: route, check, answer. Thread-safe. fka_handle is the in-process form
 * (no authentication); fka_handle_as serves HTTP requests, auth being the Authorization
 * header (or NULL). */
void fka_handle(fka_server *srv, const fka_req *req, fka_resp *resp);
void fka_handle_as(fka_server *srv, const fka_req *req, fka_resp *resp, const char *auth,
                   bool in_process);

/* Verbs (read.c, write.c, delete.c). Each answers through op->resp. */
void fka_op_get(fka_op *op);
void fka_op_list(fka_op *op);
void fka_op_watch(fka_op *op);
void fka_op_create(fka_op *op);
void fka_op_update(fka_op *op);
void fka_op_patch(fka_op *op);
void fka_op_delete(fka_op *op);
void fka_op_delete_collection(fka_op *op);

/* The wire form of a stored object for op's resource version: a new reference with
 * apiVersion/kind of the request (events.k8s.io/v1 converted from core/v1). */
json_t *fka_to_wire(const fka_resource *res, const json_t *stored);

/* The stored form of an incoming object (events.k8s.io/v1 to core/v1). New reference. */
json_t *fka_from_wire(const fka_resource *res, const json_t *wire);

/* Store key helpers: the namespace an object is stored under for op ("" if cluster). */
const char *fka_op_store_ns(const fka_op *op);

/* Wake the garbage collector after a write (gc.c). */
void fka_gc_kick(fka_gc *gc);

/* The schema of op's resource (built-in definition or CRD schema). */
fka_schema fka_op_schema(const fka_op *op);

/* Parse the request body (JSON, or YAML when the Content-Type says so). NULL with *status
 * (400) when it is not an object. New reference. */
json_t *fka_op_body(const fka_op *op, json_t **status);

/* Answer with the autoscaling/v1 Scale view of a stored object (write.c). */
void fka_op_get_scale(fka_op *op, const json_t *stored);

/* Answer with the wire form of a stored object. */
void fka_op_reply_obj(fka_op *op, int code, const json_t *stored);

/* Run after a committed write of a CRD, namespace or any object (lock held): keeps the
 * registry in step with stored CRDs. (write.c) */
void fka_after_commit(fka_server *srv, const fka_resource *r, const json_t *stored, bool deleted);

/* Internal writes used by the GC and the CRD/namespace lifecycle: a PUT of obj (stolen) with
 * full semantics (removing the last finalizer deletes), as the garbage collector's service
 * account; returns the HTTP status. (write.c) */
int fka_internal_replace(fka_server *srv, fka_resource *r, json_t *obj);

#endif
