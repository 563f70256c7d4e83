#ifndef FKA_TESTCLIENT_H
#define FKA_TESTCLIENT_H

/* A small JSON client for tests that talk to the fake API server over HTTP(S) (built on
 * common/http_client): one call per request, the answer's status, JSON body, Warning texts
 * and Retry-After; and a watch reader that collects events. Test code; each fka_tc is used
 * by one thread at a time. */

#include <jansson.h>
#include <stddef.h>

typedef struct fka_tc fka_tc;

/* base_url "http://127.0.0.1:PORT"; ca_file and token may be NULL. NULL on failure. */
fka_tc *fka_tc_new(const char *base_url, const char *ca_file, const char *token);
void fka_tc_free(fka_tc *c);

typedef struct fka_tc_res {
    int status;   /* 0 when no answer arrived */
    json_t *body; /* parsed JSON body or NULL */
    char *raw;    /* the body as text */
    char content_type[128];
    char **warnings;    /* Warning header values (NULL-terminated) or NULL */
    long retry_after_s; /* -1 when absent */
} fka_tc_res;

/* One request; body may be NULL; content_type NULL = application/json; accept NULL =
 * application/json. res must be released. Returns res->status. */
int fka_tc_req(fka_tc *c, const char *method, const char *path, const char *content_type,
               const char *accept, const char *body, fka_tc_res *res);
void fka_tc_res_release(fka_tc_res *res);

/* Shorthand: the status, and the JSON body in *out (new reference; NULL when none). */
int fka_tc_json(fka_tc *c, const char *method, const char *path, const char *body, json_t **out);

/* The fake API server started in this process with opts (plain HTTP, port from opts) in *fa,
 * and a client for it. Aborts the test when either cannot start. */
struct fo_fake_apiserver;
struct fo_fake_apiserver_opts;
fka_tc *fka_tc_start_fake(const struct fo_fake_apiserver_opts *opts, struct fo_fake_apiserver **fa);

/* POST the YAML fixture tests/data/<fixture> to path: the status, and the JSON answer in *out
 * (new reference) when out is not NULL. */
int fka_tc_post_fixture(fka_tc *c, const char *path, const char *fixture, json_t **out);

/* POST the CustomResourceDefinition fixture tests/data/<fixture> and assert it was created. */
void fka_tc_install_crd(fka_tc *c, const char *fixture);

/* For assertions: the string at the dotted path of o, "" when there is none. */
const char *fka_str(const json_t *o, const char *path);

/* The metadata.managedFields entry of manager in obj, or NULL. */
const json_t *fka_managed_entry(const json_t *obj, const char *manager);

/* Read a watch (path includes ?watch=true...) until max_events events arrived, the server
 * ended the stream, or timeout_ms passed. Returns a JSON array of the events. */
json_t *fka_tc_watch(fka_tc *c, const char *path, size_t max_events, long timeout_ms);

#endif
