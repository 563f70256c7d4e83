/* fo_kube_watch: one watch request, its stream fed through the kube_watch parser. */
#include "common/kube_client.h"
#include "common/kube_client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/jsonutil.h"
#include "common/kube_config.h"
#include "common/kube_status.h"
#include "common/kube_watch.h"
#include "common/strbuf.h"

/* Largest error body kept from a refused watch request. */
#define MAX_WATCH_ERROR_BODY (64u * 1024)
/* Client-side limit beyond the server's timeoutSeconds, so a silent dead peer ends too. */
#define WATCH_TIMEOUT_SLACK_MS 30000

struct watch_ctx {
    fo_kube_config *cfg;
    uint64_t gen; /* the exec credential the watch was opened with; 0 = no plugin */
    fo_watch_parser *parser;
    fo_watch_event_fn fn;
    void (*on_open)(void *ctx);
    void *ctx;
    const char *what;
    int status;
    fo_strbuf error_body; /* a non-2xx answer */
    fo_rc rc;             /* why on_chunk stopped */
    fo_err err;
    long idle_ms;         /* the idle limit (0: none), armed by a bookmark or from the start */
    bool idle_armed;
    bool stalled;         /* still_wanted ended the stream on the idle limit */
    int64_t last_rx_ns;   /* when the last bytes came (the request's start before any) */
};

static fo_rc on_event(void *ctx, fo_watch_type type, json_t *object, fo_err *err)
{
    struct watch_ctx *w = ctx;
    if (type == FO_WATCH_ERROR) /* §6: the server ends the stream after it */
        return fo_kube_status_to_err(0, object, w->what, err);
    if (type == FO_WATCH_BOOKMARK)
        w->idle_armed = true; /* this server sends them: silence past the limit is a stall */
    return w->fn(w->ctx, type, object, err);
}

static bool on_head(void *ctx, const fo_http_head *head)
{
    struct watch_ctx *w = ctx;
    w->status = head->status;
    if (w->status >= 200 && w->status < 300 && w->on_open)
        w->on_open(w->ctx);
    return true;
}

static bool on_chunk(void *ctx, const char *data, size_t len)
{
    struct watch_ctx *w = ctx;
    w->last_rx_ns = fo_clock_real_mono_ns();
    if (w->status < 200 || w->status >= 300) {
        /* Keep what fits; the Status is small. */
        size_t room = MAX_WATCH_ERROR_BODY - w->error_body.len;
        fo_strbuf_append(&w->error_body, data, len < room ? len : room);
        return true;
    }
    w->rc = fo_watch_parser_feed(w->parser, data, len, &w->err);
    return w->rc == FO_OK;
}

/* The exec plugin's pair the watch was opened with is still the one to present, and the
 * watch has not gone silent past its armed idle limit. */
static bool still_wanted(void *ctx)
{
    struct watch_ctx *w = ctx;
    if (w->gen != 0 && fo_kube_config_exec_cert_replaced(w->cfg, w->gen))
        return false;
    if (w->idle_ms > 0 && w->idle_armed &&
        fo_clock_real_mono_ns() - w->last_rx_ns >= (int64_t)w->idle_ms * 1000000) {
        w->stalled = true;
        return false;
    }
    return true;
}

fo_rc fo_kube_watch(fo_kube_client *kc, const fo_kube_ref *ref, const fo_kube_watch_opts *opts,
                    fo_watch_event_fn fn, void *ctx, const atomic_int *stop, fo_err *err)
{
    static const fo_kube_watch_opts none;
    if (!opts)
        opts = &none;
    fo_err_clear(err);
    fo_kube_ref coll = *ref;
    coll.name = NULL;
    coll.subresource = NULL;
    char what[512];
    fo_kube_describe("watch", &coll, what, sizeof what);
    struct watch_ctx w = {.cfg = kc->cfg,
                          .fn = fn,
                          .on_open = opts->on_open,
                          .ctx = ctx,
                          .what = what,
                          .idle_ms = opts->idle_timeout_ms > 0 ? opts->idle_timeout_ms : 0,
                          .idle_armed = opts->idle_from_start};
    fo_strbuf_init(&w.error_body, MAX_WATCH_ERROR_BODY);
    fo_strbuf url;
    fo_strbuf_init(&url, FO_KUBE_MAX_URL);
    char *token = malloc(FO_KUBE_MAX_TOKEN);
    char *auth = malloc(FO_KUBE_MAX_TOKEN + 16);
    fo_rc rc = FO_OK;
    w.parser = fo_watch_parser_new(opts->max_event_bytes, on_event, &w);
    if (w.parser)
        fo_watch_parser_set_object_filter(w.parser, opts->object_filter);
    if (!token || !auth || !w.parser) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    fo_strbuf q;
    fo_strbuf_init(&q, FO_KUBE_MAX_URL);
    fo_kube_query_add(&q, "watch", "true");
    fo_kube_query_add(&q, "resourceVersion",
                      fo_kube_has(opts->resource_version) ? opts->resource_version : NULL);
    if (opts->allow_bookmarks)
        fo_kube_query_add(&q, "allowWatchBookmarks", "true");
    fo_kube_query_add(&q, "labelSelector",
                      fo_kube_has(opts->label_selector) ? opts->label_selector : NULL);
    fo_kube_query_add(&q, "fieldSelector",
                      fo_kube_has(opts->field_selector) ? opts->field_selector : NULL);
    if (opts->timeout_s > 0) {
        char n[32];
        snprintf(n, sizeof n, "%ld", opts->timeout_s);
        fo_kube_query_add(&q, "timeoutSeconds", n);
    }
    rc = fo_strbuf_puts(&url, fo_kube_config_server(kc->cfg));
    if (rc == FO_OK)
        rc = fo_kube_ref_path(&coll, &url);
    if (rc == FO_OK)
        rc = fo_strbuf_puts(&url, q.data);
    fo_strbuf_release(&q);
    if (rc != FO_OK) {
        rc = fo_err_set(err, FO_EINVAL, "%s: bad reference or URL too long", what);
        goto out;
    }
    rc = fo_kube_credential(kc, token, &w.gen, err);
    if (rc != FO_OK) {
        fo_err_wrap(err, "%s", what);
        goto out;
    }
    fo_http_header h[2];
    size_t nh = 0;
    h[nh++] = (fo_http_header){"Accept", "application/json"};
    if (*token) {
        snprintf(auth, FO_KUBE_MAX_TOKEN + 16, "Bearer %s", token);
        h[nh++] = (fo_http_header){"Authorization", auth};
    }
    fo_http_stream_opts so = {
        .timeout_ms = opts->timeout_s > 0 ? opts->timeout_s * 1000 + WATCH_TIMEOUT_SLACK_MS : 0,
        .on_head = on_head,
        .on_chunk = on_chunk,
        .still_wanted = still_wanted,
        .ctx = &w,
        .stop = stop};
    fo_err_clear(&w.err);
    w.last_rx_ns = fo_clock_real_mono_ns();
    rc = fo_http_stream_with(kc->http, url.data, h, nh, &so, err);
    if (rc == FO_OK && w.stalled) {
        rc = fo_err_set(err, FO_ETIMEOUT, "%s: nothing received for %ld ms", what, w.idle_ms);
        if (err)
            snprintf(err->reason, sizeof err->reason, "Idle");
        goto out;
    }
    if (rc != FO_OK) {
        fo_err_wrap(err, "%s", what);
        goto out;
    }
    if (w.status < 200 || w.status >= 300) {
        if (w.status == 401)
            fo_kube_config_credential_refused(kc->cfg, token, w.gen);
        rc = fo_kube_status_body_to_err(w.status, w.error_body.data, w.error_body.len, what, err);
        goto out;
    }
    if (w.rc != FO_OK) { /* an ERROR event, bad data, or the callback said stop */
        rc = w.rc;
        if (err)
            *err = w.err;
        goto out;
    }
    rc = fo_watch_parser_finish(w.parser, err);
    if (rc == FO_EPROTO) { /* cut in the middle of an event: a broken connection */
        rc = FO_EUNAVAIL;
        if (err) {
            fo_err_wrap(err, "%s", what);
            err->rc = rc;
        }
    }
out:
    if (token) {
        explicit_bzero(token, FO_KUBE_MAX_TOKEN);
        free(token);
    }
    if (auth) {
        explicit_bzero(auth, FO_KUBE_MAX_TOKEN + 16);
        free(auth);
    }
    fo_watch_parser_free(w.parser);
    fo_strbuf_release(&w.error_body);
    fo_strbuf_release(&url);
    return rc;
}
