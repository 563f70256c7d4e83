#include "common/kube_client.h"
#include "common/kube_client_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/backoff.h"
#include "common/http_client.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/kube_status.h"
#include "common/log.h"
#include "common/strbuf.h"

#define DEFAULT_RETRIES 5
#define DEFAULT_RETRY_INITIAL_MS 200
#define DEFAULT_RETRY_MAX_MS 30000

static void real_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

fo_kube_client *fo_kube_client_new(fo_kube_config *cfg, const fo_kube_client_opts *opts,
                                   fo_err *err)
{
    static const fo_kube_client_opts none;
    if (!opts)
        opts = &none;
    fo_err_clear(err);
    if (!cfg) {
        fo_err_set(err, FO_EINVAL, "kube client: no config");
        return NULL;
    }
    fo_kube_client *kc = calloc(1, sizeof *kc);
    if (!kc) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    kc->cfg = cfg;
    pthread_mutex_init(&kc->cert_mu, NULL);
    kc->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    kc->max_retries = opts->max_retries > 0   ? opts->max_retries
                      : opts->max_retries < 0 ? 0
                                              : DEFAULT_RETRIES;
    kc->retry_initial_ms =
        opts->retry_initial_ms > 0 ? opts->retry_initial_ms : DEFAULT_RETRY_INITIAL_MS;
    kc->retry_max_ms = opts->retry_max_ms > 0 ? opts->retry_max_ms : DEFAULT_RETRY_MAX_MS;
    if (kc->retry_max_ms < kc->retry_initial_ms)
        kc->retry_max_ms = kc->retry_initial_ms;
    kc->sleep_ms = opts->sleep_ms ? opts->sleep_ms : real_sleep;
    kc->sleep_ctx = opts->sleep_ctx;
    kc->field_manager = strdup(opts->field_manager ? opts->field_manager : "flinkop");
    fo_http_client_opts ho = {
        .connect_timeout_ms = opts->connect_timeout_ms,
        .timeout_ms = kc->timeout_ms,
        .user_agent = opts->user_agent ? opts->user_agent : "flinkop",
        .max_response_bytes = FO_KUBE_MAX_RESPONSE,
    };
    fo_kube_config_tls_opts(cfg, &ho);
    if (kc->field_manager)
        kc->http = fo_http_client_new(&ho, err);
    else
        fo_err_set(err, FO_ENOMEM, "out of memory");
    if (!kc->http) {
        fo_kube_client_free(kc);
        return NULL;
    }
    return kc;
}

void fo_kube_client_free(fo_kube_client *kc)
{
    if (!kc)
        return;
    fo_http_client_free(kc->http);
    free(kc->field_manager);
    free(kc->cert_pem);
    pthread_mutex_destroy(&kc->cert_mu);
    free(kc);
}

fo_kube_config *fo_kube_client_config(fo_kube_client *kc)
{
    return kc->cfg;
}

/* ---- credentials ---- */

/* Under kc->cert_mu: present the exec credential's certificate pair when the credential
 * changed since kc->cert_gen. A new credential with the same certificate (a plugin that
 * reissues its token only) leaves the connections alone; client-go does the same. */
static fo_rc sync_cert(fo_kube_client *kc, fo_err *err)
{
    char *cert = NULL, *key = NULL;
    uint64_t gen = fo_kube_config_exec_cert(kc->cfg, kc->cert_gen, &cert, &key);
    fo_rc rc = FO_OK;
    bool same = cert ? kc->cert_pem && strcmp(cert, kc->cert_pem) == 0 : !kc->cert_pem;
    if (gen != kc->cert_gen && !same)
        rc = fo_http_client_set_client_cert(kc->http, cert, key, err);
    if (rc == FO_OK && gen != kc->cert_gen) {
        kc->cert_gen = gen;
        if (!same) {
            free(kc->cert_pem);
            kc->cert_pem = cert;
            cert = NULL;
        }
    }
    if (key) {
        explicit_bzero(key, strlen(key));
        free(key);
    }
    free(cert);
    return rc;
}

fo_rc fo_kube_credential(fo_kube_client *kc, char *token, uint64_t *gen, fo_err *err)
{
    fo_rc rc = fo_kube_config_credential(kc->cfg, token, FO_KUBE_MAX_TOKEN, gen, err);
    if (rc != FO_OK || *gen == 0)
        return rc; /* no exec plugin: the config's certificate never changes */
    pthread_mutex_lock(&kc->cert_mu);
    if (*gen > kc->cert_gen) /* never back to an older credential another thread replaced */
        rc = sync_cert(kc, err);
    pthread_mutex_unlock(&kc->cert_mu);
    return rc;
}

/* ---- paths and queries ---- */

fo_rc fo_kube_ref_path(const fo_kube_ref *ref, fo_strbuf *sb)
{
    if (!ref || !fo_kube_has(ref->version) || !fo_kube_has(ref->resource))
        return FO_EINVAL;
    fo_rc rc;
    /* §1: the core group lives under /api, named groups under /apis/<group>. */
    if (fo_kube_has(ref->group))
        rc = fo_strbuf_puts(sb, "/apis/");
    else
        rc = fo_strbuf_puts(sb, "/api");
    if (rc == FO_OK && fo_kube_has(ref->group))
        rc = fo_http_query_escape(sb, ref->group);
    if (rc == FO_OK)
        rc = fo_strbuf_putc(sb, '/');
    if (rc == FO_OK)
        rc = fo_http_query_escape(sb, ref->version);
    if (rc == FO_OK && fo_kube_has(ref->ns)) {
        rc = fo_strbuf_puts(sb, "/namespaces/");
        if (rc == FO_OK)
            rc = fo_http_query_escape(sb, ref->ns);
    }
    if (rc == FO_OK)
        rc = fo_strbuf_putc(sb, '/');
    if (rc == FO_OK)
        rc = fo_http_query_escape(sb, ref->resource);
    if (rc == FO_OK && fo_kube_has(ref->name)) {
        rc = fo_strbuf_putc(sb, '/');
        if (rc == FO_OK)
            rc = fo_http_query_escape(sb, ref->name);
        if (rc == FO_OK && fo_kube_has(ref->subresource)) {
            rc = fo_strbuf_putc(sb, '/');
            if (rc == FO_OK)
                rc = fo_http_query_escape(sb, ref->subresource);
        }
    }
    return rc;
}

void fo_kube_query_add(fo_strbuf *q, const char *name, const char *value)
{
    if (!value)
        return;
    fo_strbuf_putc(q, q->len ? '&' : '?');
    fo_strbuf_puts(q, name);
    fo_strbuf_putc(q, '=');
    fo_http_query_escape(q, value);
}

/* "get configmaps.<group> ns/name", "patch flinkdeployments.flink.apache.org/status ns/x",
 * "list pods (all namespaces)" for messages. */
void fo_kube_describe(const char *verb, const fo_kube_ref *ref, char *buf, size_t len)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, len > 0 ? len - 1 : 0);
    fo_strbuf_printf(&sb, "%s %s", verb, fo_kube_has(ref->resource) ? ref->resource : "?");
    if (fo_kube_has(ref->group))
        fo_strbuf_printf(&sb, ".%s", ref->group);
    if (fo_kube_has(ref->name) && fo_kube_has(ref->subresource))
        fo_strbuf_printf(&sb, "/%s", ref->subresource);
    if (fo_kube_has(ref->name))
        fo_strbuf_printf(&sb, " %s%s%s", fo_kube_has(ref->ns) ? ref->ns : "",
                         fo_kube_has(ref->ns) ? "/" : "", ref->name);
    else if (fo_kube_has(ref->ns))
        fo_strbuf_printf(&sb, " in %s", ref->ns);
    snprintf(buf, len, "%s", sb.data);
    fo_strbuf_release(&sb);
}

/* ---- the request loop ---- */

static bool retryable_status(int status, bool idempotent)
{
    if (status == 429 || status == 503)
        return true; /* the server did not act on the request */
    return idempotent && status >= 500;
}

/* A 2xx body as JSON, without the parts c->filter leaves out. */
static json_t *parse_answer(const struct fo_kube_call *c, const char *body, size_t len,
                            fo_err *err)
{
    if (!c->filter)
        return fo_json_parse(body, len, FO_KUBE_MAX_RESPONSE, err);
    if (len > FO_KUBE_MAX_RESPONSE) {
        fo_err_set(err, FO_ELIMIT, "document of %zu bytes exceeds the limit of %u bytes", len,
                   FO_KUBE_MAX_RESPONSE);
        return NULL;
    }
    return fo_kube_read_with_stubs(body, len, c->filter, err);
}

fo_rc fo_kube_do_call(fo_kube_client *kc, const struct fo_kube_call *c, fo_err *err)
{
    char what[512];
    fo_kube_describe(c->verb, c->ref, what, sizeof what);
    fo_strbuf url;
    fo_strbuf_init(&url, FO_KUBE_MAX_URL);
    fo_rc rc = fo_strbuf_puts(&url, fo_kube_config_server(kc->cfg));
    if (rc == FO_OK)
        rc = fo_kube_ref_path(c->ref, &url);
    if (rc == FO_OK)
        rc = fo_strbuf_puts(&url, c->query ? c->query : "");
    if (rc != FO_OK) {
        fo_strbuf_release(&url);
        return fo_err_set(err, rc == FO_EINVAL ? FO_EINVAL : rc,
                          "%s: bad reference or URL too long", what);
    }
    char *token = malloc(FO_KUBE_MAX_TOKEN);
    fo_backoff bo;
    fo_backoff_init(&bo, kc->retry_initial_ms, kc->retry_max_ms, 2.0, 0.2,
                    (uint64_t)fo_clock_real_mono_ns() ^ (uint64_t)(uintptr_t)c);
    bool refreshed = false;
    int attempt = 0;
    uint64_t gen = 0;
    fo_http_result res = {0};
    fo_strbuf_init(&res.body, 0);
    if (!token) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        fo_http_result_release(&res);
        rc = fo_kube_credential(kc, token, &gen, err);
        if (rc != FO_OK) {
            fo_err_wrap(err, "%s", what);
            goto out;
        }
        char auth[FO_KUBE_MAX_TOKEN + 16];
        fo_http_header h[3];
        size_t nh = 0;
        h[nh++] = (fo_http_header){"Accept", "application/json"};
        if (c->content_type)
            h[nh++] = (fo_http_header){"Content-Type", c->content_type};
        if (*token) {
            snprintf(auth, sizeof auth, "Bearer %s", token);
            h[nh++] = (fo_http_header){"Authorization", auth};
        }
        rc = fo_http_client_request(kc->http, c->method, url.data, h, nh, c->body, c->body_len,
                                    c->timeout_ms > 0 ? c->timeout_ms : kc->timeout_ms, &res,
                                    err);
        explicit_bzero(auth, sizeof auth);
        bool retry = false;
        long retry_after_s = -1;
        if (rc != FO_OK) {
            bool unsent = err && strcmp(err->reason, "ConnectFailed") == 0;
            retry = (rc == FO_EUNAVAIL || rc == FO_ETIMEOUT) && (c->idempotent || unsent);
            fo_err_wrap(err, "%s", what);
        } else if (res.status >= 200 && res.status < 300) {
            if (c->out) {
                *c->out = parse_answer(c, res.body.data, res.body.len, err);
                if (!*c->out) {
                    rc = FO_EPROTO;
                    if (err) {
                        fo_err_wrap(err, "%s: undecodable answer", what);
                        err->rc = rc;
                    }
                }
            }
            goto out;
        } else if (res.status == 401 && !refreshed) {
            /* The credential may have rotated under us: re-read it once, at once. */
            refreshed = true;
            fo_kube_config_credential_refused(kc->cfg, token, gen);
            continue;
        } else {
            json_t *st = NULL;
            if (res.body.len > 0 && res.body.len <= FO_KUBE_STATUS_MAX_BODY) {
                json_error_t jerr;
                st = json_loadb(res.body.data, res.body.len, 0, &jerr);
            }
            if (st && json_is_object(st) && fo_json_str(st, "kind"))
                rc = fo_kube_status_to_err(res.status, st, what, err);
            else
                rc = fo_kube_status_body_to_err(res.status, res.body.data, res.body.len, what, err);
            retry_after_s =
                res.retry_after_s >= 0 ? res.retry_after_s : fo_kube_status_retry_after_s(st);
            json_decref(st);
            retry = retryable_status(res.status, c->idempotent);
        }
        if (!retry || attempt >= kc->max_retries)
            goto out;
        attempt++;
        int64_t delay = fo_backoff_next_ms(&bo);
        if (retry_after_s >= 0 && retry_after_s * 1000 > delay)
            delay = retry_after_s * 1000;
        if (delay > kc->retry_max_ms)
            delay = kc->retry_max_ms;
        fo_log_debug("retrying in %lld ms (attempt %d): %s", (long long)delay, attempt,
                     err ? err->message : what);
        kc->sleep_ms(kc->sleep_ctx, delay);
    }
out:
    fo_http_result_release(&res);
    if (token) {
        explicit_bzero(token, FO_KUBE_MAX_TOKEN);
        free(token);
    }
    fo_strbuf_release(&url);
    return rc;
}

static char *dump(const json_t *obj, size_t *len)
{
    char *s = obj ? fo_json_dumps_compact(obj) : NULL;
    *len = s ? strlen(s) : 0;
    return s;
}

/* ---- verbs ---- */

fo_rc fo_kube_get(fo_kube_client *kc, const fo_kube_ref *ref, json_t **out, fo_err *err)
{
    return fo_kube_get_within(kc, ref, 0, out, err);
}

fo_rc fo_kube_get_within(fo_kube_client *kc, const fo_kube_ref *ref, long timeout_ms,
                         json_t **out, fo_err *err)
{
    *out = NULL;
    struct fo_kube_call c = {.verb = "get",
                             .method = "GET",
                             .ref = ref,
                             .idempotent = true,
                             .timeout_ms = timeout_ms,
                             .out = out};
    return fo_kube_do_call(kc, &c, err);
}

static void list_query(fo_strbuf *q, const fo_kube_list_opts *o, const char *cont)
{
    if (!o)
        return;
    fo_kube_query_add(q, "labelSelector",
                      fo_kube_has(o->label_selector) ? o->label_selector : NULL);
    fo_kube_query_add(q, "fieldSelector",
                      fo_kube_has(o->field_selector) ? o->field_selector : NULL);
    if (o->limit > 0) {
        char n[32];
        snprintf(n, sizeof n, "%ld", o->limit);
        fo_kube_query_add(q, "limit", n);
    }
    fo_kube_query_add(q, "continue", fo_kube_has(cont) ? cont : NULL);
    /* A continued list is pinned by its token: resourceVersion must not be sent with it. */
    if (!fo_kube_has(cont)) {
        fo_kube_query_add(q, "resourceVersion", o->resource_version);
        fo_kube_query_add(q, "resourceVersionMatch",
                          fo_kube_has(o->resource_version_match) ? o->resource_version_match
                                                                 : NULL);
    }
}

static fo_rc list_page(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_list_opts *o,
                       const char *cont, json_t **out, fo_err *err)
{
    *out = NULL;
    fo_kube_ref coll = *ref;
    coll.name = NULL;
    coll.subresource = NULL;
    fo_strbuf q;
    fo_strbuf_init(&q, FO_KUBE_MAX_URL);
    list_query(&q, o, cont);
    struct fo_kube_call c = {.verb = "list",
                             .method = "GET",
                             .ref = &coll,
                             .query = q.data,
                             .idempotent = true,
                             .out = out,
                             .filter = o ? o->page_filter : NULL};
    fo_rc rc = fo_kube_do_call(kc, &c, err);
    fo_strbuf_release(&q);
    if (rc == FO_OK && !json_is_array(json_object_get(*out, "items"))) {
        json_decref(*out);
        *out = NULL;
        rc = fo_err_set(err, FO_EPROTO, "list %s: answer has no items", ref->resource);
    }
    return rc;
}

fo_rc fo_kube_list(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_list_opts *opts,
                   json_t **out, fo_err *err)
{
    return list_page(kc, ref, opts, opts ? opts->continue_token : NULL, out, err);
}

fo_rc fo_kube_list_all(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_list_opts *opts,
                       json_t **out, fo_err *err)
{
    *out = NULL;
    fo_kube_list_opts o = opts ? *opts : (fo_kube_list_opts){0};
    o.continue_token = NULL;
    bool restarted = false;
    for (;;) {
        json_t *all = NULL;
        fo_rc rc = list_page(kc, ref, &o, NULL, &all, err);
        if (rc != FO_OK)
            return rc;
        json_t *items = json_object_get(all, "items");
        char *cont = NULL;
        const char *c0 = fo_json_get_str(all, "metadata.continue");
        if (fo_kube_has(c0))
            cont = strdup(c0);
        while (rc == FO_OK && cont) {
            json_t *page = NULL;
            rc = list_page(kc, ref, &o, cont, &page, err);
            free(cont);
            cont = NULL;
            if (rc != FO_OK)
                break;
            json_array_extend(items, json_object_get(page, "items"));
            const char *c1 = fo_json_get_str(page, "metadata.continue");
            if (fo_kube_has(c1))
                cont = strdup(c1);
            json_decref(page);
        }
        free(cont);
        if (rc == FO_EGONE && !restarted && o.limit > 0) {
            /* The snapshot behind the token expired: list once more, in one piece. */
            json_decref(all);
            restarted = true;
            o.limit = 0;
            continue;
        }
        if (rc != FO_OK) {
            json_decref(all);
            return rc;
        }
        json_t *meta = fo_json_ensure_object(all, "metadata");
        json_object_del(meta, "continue");
        json_object_del(meta, "remainingItemCount");
        *out = all;
        return FO_OK;
    }
}

static void write_query(fo_kube_client *kc, fo_strbuf *q, const char *field_manager, bool dry_run)
{
    fo_kube_query_add(q, "fieldManager", field_manager ? field_manager : kc->field_manager);
    if (dry_run)
        fo_kube_query_add(q, "dryRun", "All");
}

fo_rc fo_kube_create(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                     const fo_kube_write_opts *opts, json_t **out, fo_err *err)
{
    if (out)
        *out = NULL;
    fo_kube_ref coll = *ref;
    coll.name = NULL;
    coll.subresource = NULL;
    fo_strbuf q;
    fo_strbuf_init(&q, FO_KUBE_MAX_URL);
    write_query(kc, &q, opts ? opts->field_manager : NULL, opts && opts->dry_run);
    size_t len;
    char *body = dump(obj, &len);
    struct fo_kube_call c = {.verb = "create",
                             .method = "POST",
                             .ref = &coll,
                             .query = q.data,
                             .content_type = "application/json",
                             .body = body,
                             .body_len = len,
                             .timeout_ms = opts ? opts->timeout_ms : 0,
                             .out = out};
    fo_rc rc = body ? fo_kube_do_call(kc, &c, err)
                    : fo_err_set(err, FO_EINVAL, "create %s: no object", ref->resource);
    free(body);
    fo_strbuf_release(&q);
    return rc;
}

fo_rc fo_kube_update(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                     const fo_kube_write_opts *opts, json_t **out, fo_err *err)
{
    if (out)
        *out = NULL;
    if (!fo_kube_has(ref->name))
        return fo_err_set(err, FO_EINVAL, "update %s: no name", ref->resource);
    fo_strbuf q;
    fo_strbuf_init(&q, FO_KUBE_MAX_URL);
    write_query(kc, &q, opts ? opts->field_manager : NULL, opts && opts->dry_run);
    size_t len;
    char *body = dump(obj, &len);
    struct fo_kube_call c = {.verb = "update",
                             .method = "PUT",
                             .ref = ref,
                             .query = q.data,
                             .content_type = "application/json",
                             .body = body,
                             .body_len = len,
                             .idempotent = true,
                             .timeout_ms = opts ? opts->timeout_ms : 0,
                             .out = out};
    fo_rc rc = body ? fo_kube_do_call(kc, &c, err)
                    : fo_err_set(err, FO_EINVAL, "update %s: no object", ref->resource);
    free(body);
    fo_strbuf_release(&q);
    return rc;
}

fo_rc fo_kube_patch(fo_kube_client *kc, const fo_kube_ref *ref, fo_kube_patch_type type,
                    const json_t *patch, const fo_kube_patch_opts *opts, json_t **out, fo_err *err)
{
    static const char *const types[] = {
        [FO_PATCH_MERGE] = "application/merge-patch+json",
        [FO_PATCH_JSON] = "application/json-patch+json",
        [FO_PATCH_APPLY] = "application/apply-patch+yaml",
        [FO_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
    };
    if (out)
        *out = NULL;
    if (!fo_kube_has(ref->name))
        return fo_err_set(err, FO_EINVAL, "patch %s: no name", ref->resource);
    if ((unsigned)type > FO_PATCH_STRATEGIC)
        return fo_err_set(err, FO_EINVAL, "patch %s: unknown patch type", ref->resource);
    fo_strbuf q;
    fo_strbuf_init(&q, FO_KUBE_MAX_URL);
    write_query(kc, &q, opts ? opts->field_manager : NULL, opts && opts->dry_run);
    if (type == FO_PATCH_APPLY && opts && opts->force)
        fo_kube_query_add(&q, "force", "true");
    size_t len;
    char *body = dump(patch, &len);
    struct fo_kube_call c = {.verb = "patch",
                             .method = "PATCH",
                             .ref = ref,
                             .query = q.data,
                             .content_type = types[type],
                             .body = body,
                             .body_len = len,
                             .out = out,
                             .filter = opts ? opts->answer_filter : NULL};
    fo_rc rc = body ? fo_kube_do_call(kc, &c, err)
                    : fo_err_set(err, FO_EINVAL, "patch %s: no patch", ref->resource);
    free(body);
    fo_strbuf_release(&q);
    return rc;
}

fo_rc fo_kube_update_status(fo_kube_client *kc, const fo_kube_ref *ref, const json_t *obj,
                            json_t **out, fo_err *err)
{
    fo_kube_ref r = *ref;
    r.subresource = "status";
    return fo_kube_update(kc, &r, obj, NULL, out, err);
}

fo_rc fo_kube_patch_status(fo_kube_client *kc, const fo_kube_ref *ref, fo_kube_patch_type type,
                           const json_t *patch, json_t **out, fo_err *err)
{
    fo_kube_ref r = *ref;
    r.subresource = "status";
    return fo_kube_patch(kc, &r, type, patch, NULL, out, err);
}

fo_rc fo_kube_delete(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_delete_opts *opts,
                     json_t **out, fo_err *err)
{
    if (out)
        *out = NULL;
    if (!fo_kube_has(ref->name))
        return fo_err_set(err, FO_EINVAL, "delete %s: no name", ref->resource);
    /* DeleteOptions (meta/v1) in the body. */
    json_t *o = json_pack("{s:s,s:s}", "apiVersion", "v1", "kind", "DeleteOptions");
    if (opts) {
        if (fo_kube_has(opts->propagation_policy))
            json_object_set_new(o, "propagationPolicy", json_string(opts->propagation_policy));
        if (fo_kube_has(opts->precondition_uid) || fo_kube_has(opts->precondition_rv)) {
            json_t *pre = json_object();
            if (fo_kube_has(opts->precondition_uid))
                json_object_set_new(pre, "uid", json_string(opts->precondition_uid));
            if (fo_kube_has(opts->precondition_rv))
                json_object_set_new(pre, "resourceVersion", json_string(opts->precondition_rv));
            json_object_set_new(o, "preconditions", pre);
        }
        if (opts->set_grace_period)
            json_object_set_new(o, "gracePeriodSeconds", json_integer(opts->grace_period_s));
        if (opts->dry_run)
            json_object_set_new(o, "dryRun", json_pack("[s]", "All"));
    }
    size_t len;
    char *body = dump(o, &len);
    json_decref(o);
    json_t *ans = NULL;
    struct fo_kube_call c = {.verb = "delete",
                             .method = "DELETE",
                             .ref = ref,
                             .content_type = "application/json",
                             .body = body,
                             .body_len = len,
                             .idempotent = true,
                             .out = &ans};
    fo_rc rc = body ? fo_kube_do_call(kc, &c, err) : fo_err_set(err, FO_ENOMEM, "out of memory");
    free(body);
    if (out)
        *out = ans;
    else
        json_decref(ans);
    return rc;
}
