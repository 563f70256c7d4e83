#ifndef FO_KUBE_CLIENT_INTERNAL_H
#define FO_KUBE_CLIENT_INTERNAL_H

/* Shared by kube_client.c (verbs) and kube_client_watch.c (watches); not for other
 * modules. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/http_client.h"
#include "common/json_read.h"
#include "common/kube_client.h"
#include "common/strbuf.h"

struct fo_kube_client {
    fo_kube_config *cfg;
    fo_http_client *http;
    char *field_manager;
    long timeout_ms;
    int max_retries;
    int64_t retry_initial_ms, retry_max_ms;
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *sleep_ctx;
    pthread_mutex_t cert_mu; /* guards the two below */
    uint64_t cert_gen;       /* the exec credential whose certificate http presents */
    char *cert_pem;          /* that certificate (NULL = none), to see whether a new one differs */
};

/* A bearer token longer than this is refused (projected tokens are ~1-2 KiB). */
#define FO_KUBE_MAX_TOKEN 16384
/* Largest URL we build (selectors can be long, but not this long). */
#define FO_KUBE_MAX_URL (64u * 1024)

/* One API request as fo_kube_do_call runs it. */
struct fo_kube_call {
    const char *verb; /* "get", "list", ... (messages) */
    const char *method;
    const fo_kube_ref *ref;
    const char *query; /* "?a=b&c=d" or "" */
    const char *content_type;
    const char *body;
    size_t body_len;
    bool idempotent;
    long timeout_ms; /* per attempt; 0 = the client's */
    json_t **out;    /* parsed 2xx body (new reference), or NULL to drop it */
    const fo_json_read_filter *filter; /* parts of the body to leave out; NULL = none */
};

static inline bool fo_kube_has(const char *s)
{
    return s && *s;
}

/* The bearer token (into token, FO_KUBE_MAX_TOKEN bytes; "" = none) for the next request and
 * the generation of the exec credential it belongs to (*gen), after having the http client
 * present that credential's client certificate (or a newer one's). */
fo_rc fo_kube_credential(fo_kube_client *kc, char *token, uint64_t *gen, fo_err *err);

/* Run c with auth, retries and Status decoding (see kube_client.h). */
fo_rc fo_kube_do_call(fo_kube_client *kc, const struct fo_kube_call *c, fo_err *err);

/* Append "?name=value" or "&name=value" (value escaped) to q; nothing when value is NULL. */
void fo_kube_query_add(fo_strbuf *q, const char *name, const char *value);

/* A short description of a request for messages ("get configmaps ns/x"). */
void fo_kube_describe(const char *verb, const fo_kube_ref *ref, char *buf, size_t len);

#endif
