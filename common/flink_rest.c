/* The I/O half of the Flink REST client (common/flink_rest.h): addresses and ids, URLs,
 * request bodies, the exchange (common/http_client, or the send seam), then the pure decoders
 * of flink_rest_decode.c. */
#include "common/flink_rest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

struct fo_flink_rest {
    fo_http_client *http; /* NULL when send is the caller's */
    long timeout_ms, read_timeout_ms, upload_timeout_ms;
    fo_flink_rest_send_fn send;
    void *send_ctx;
};

static fo_rc send_http(void *ctx, const char *method, const char *url,
                       const fo_http_header *headers, size_t nheaders, const char *body,
                       size_t body_len, long timeout_ms, fo_http_result *res, fo_err *err)
{
    return fo_http_client_request(ctx, method, url, headers, nheaders, body, body_len, timeout_ms,
                                  res, err);
}

fo_flink_rest *fo_flink_rest_new(const fo_flink_rest_opts *opts, fo_err *err)
{
    fo_flink_rest_opts none = {0};
    if (!opts)
        opts = &none;
    fo_flink_rest *fr = calloc(1, sizeof *fr);
    if (!fr) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    fr->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : FO_FLINK_REST_TIMEOUT_MS;
    fr->read_timeout_ms =
        opts->read_timeout_ms > 0 ? opts->read_timeout_ms : FO_FLINK_REST_READ_TIMEOUT_MS;
    if (fr->read_timeout_ms > fr->timeout_ms)
        fr->read_timeout_ms = fr->timeout_ms;
    fr->upload_timeout_ms =
        opts->upload_timeout_ms > 0 ? opts->upload_timeout_ms : FO_FLINK_REST_UPLOAD_TIMEOUT_MS;
    fr->send = opts->send ? opts->send : send_http;
    fr->send_ctx = opts->send_ctx;
    if (!opts->send) {
        /* Flink's RestClient (Netty) and the Apache operator never use a proxy. */
        fo_http_client_opts ho = {.connect_timeout_ms = opts->connect_timeout_ms,
                                  .timeout_ms = fr->timeout_ms,
                                  .user_agent = opts->user_agent,
                                  .max_response_bytes = FO_FLINK_REST_MAX_BODY,
                                  .proxy_env = FO_HTTP_PROXY_NONE};
        fr->http = fo_http_client_new(&ho, err);
        if (!fr->http) {
            free(fr);
            return NULL;
        }
        fr->send_ctx = fr->http;
    }
    return fr;
}

void fo_flink_rest_free(fo_flink_rest *fr)
{
    if (!fr)
        return;
    fo_http_client_free(fr->http);
    free(fr);
}

/* ---- addresses and ids ---- */

bool fo_flink_rest_unreachable(fo_rc rc)
{
    return rc == FO_EUNAVAIL || rc == FO_ETIMEOUT;
}

bool fo_flink_rest_is_id(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

fo_rc fo_flink_rest_base_url(const char *tmpl, const char *ns, const char *name, int port,
                             char *out, size_t len, fo_err *err)
{
    size_t used = 0;
    char port_text[16];
    if (len == 0)
        return fo_err_set(err, FO_ELIMIT, "no room for the Flink REST address");
    out[0] = '\0';
    for (const char *p = tmpl ? tmpl : ""; *p;) {
        const char *add = p;
        size_t n = 1;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t k = close ? (size_t)(close - p + 1) : 0;
            if (k == 11 && !strncmp(p, "{namespace}", 11)) {
                add = ns ? ns : "";
            } else if (k == 6 && !strncmp(p, "{name}", 6)) {
                add = name ? name : "";
            } else if (k == 6 && !strncmp(p, "{port}", 6)) {
                if (port < 1 || port > 65535)
                    return fo_err_set(err, FO_EINVAL, "REST port %d is not a port from 1 to 65535",
                                      port);
                snprintf(port_text, sizeof port_text, "%d", port);
                add = port_text;
            } else {
                return fo_err_set(err, FO_EINVAL, "REST address template '%s': unknown placeholder",
                                  tmpl);
            }
            n = strlen(add);
            p += k;
        } else {
            p++;
        }
        if (used + n >= len)
            return fo_err_set(err, FO_ELIMIT, "REST address longer than %zu bytes", len - 1);
        memcpy(out + used, add, n);
        used += n;
        out[used] = '\0';
    }
    size_t scheme = used >= 7 && memcmp(out, "http://", 7) == 0    ? 7
                    : used >= 8 && memcmp(out, "https://", 8) == 0 ? 8
                                                                   : 0;
    if (!scheme)
        return fo_err_set(err, FO_EINVAL, "REST address '%s' is not an http(s) URL", out);
    while (used > scheme && out[used - 1] == '/') /* paths are appended: "…:8081/" + "/config" */
        out[--used] = '\0';
    return FO_OK;
}

/* base + formatted path into url. The base must be an http(s) URL; a trailing '/' is dropped. */
static fo_rc make_url(char url[FO_FLINK_REST_MAX_URL], const char *base, fo_err *err,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static fo_rc make_url(char url[FO_FLINK_REST_MAX_URL], const char *base, fo_err *err,
                      const char *fmt, ...)
{
    if (!base || (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0))
        return fo_err_set(err, FO_EINVAL, "flink base URL '%s' is not an http(s) URL",
                          base ? base : "(null)");
    size_t blen = strlen(base);
    while (blen > 8 && base[blen - 1] == '/')
        blen--;
    char path[FO_FLINK_REST_MAX_URL];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof path || blen + (size_t)n >= FO_FLINK_REST_MAX_URL)
        return fo_err_set(err, FO_ELIMIT, "flink URL longer than %d bytes", FO_FLINK_REST_MAX_URL);
    memcpy(url, base, blen);
    memcpy(url + blen, path, (size_t)n + 1);
    return FO_OK;
}

static fo_rc check_id(const char *what, const char *id, fo_err *err)
{
    if (fo_flink_rest_is_id(id))
        return FO_OK;
    return fo_err_set(err, FO_EINVAL, "%s '%.64s' is not a Flink id (32 lower-case hex digits)",
                      what, id ? id : "(null)");
}

/* One request. On FO_OK *out (when asked for) holds the parsed JSON answer ({} for an empty
 * body). Transport failures keep http_client's codes (FO_EUNAVAIL, FO_ETIMEOUT, ...); HTTP
 * errors are decoded from Flink's {"errors": [...]}. Messages start with "<METHOD> <url>". */
static fo_rc call(fo_flink_rest *fr, const char *method, const char *url, const char *ctype,
                  const char *body, size_t body_len, long timeout_ms, json_t **out, fo_err *err)
{
    if (out)
        *out = NULL;
    fo_http_header hdrs[2] = {{"Accept", "application/json"}, {"Content-Type", ctype}};
    fo_http_result res;
    fo_rc rc = fr->send(fr->send_ctx, method, url, hdrs, ctype ? 2 : 1, body, body_len,
                        timeout_ms ? timeout_ms : fr->timeout_ms, &res, err);
    if (rc != FO_OK) {
        fo_err_wrap(err, "%s %s", method, url);
        goto out;
    }
    if (res.status < 200 || res.status >= 300) {
        rc = fo_flink_rest_decode_error(res.status, res.body.data, res.body.len, err);
        fo_err_wrap(err, "%s %s", method, url);
        goto out;
    }
    if (out) {
        *out = res.body.len
                   ? fo_json_parse(res.body.data, res.body.len, FO_FLINK_REST_MAX_BODY, err)
                   : json_object();
        if (!*out) {
            char why[256];
            snprintf(why, sizeof why, "%s", err ? err->message : "");
            rc = fo_err_set(err, FO_EPROTO, "%s %s: answer is not JSON: %s", method, url, why);
            goto out;
        }
    }
out:
    fo_http_result_release(&res);
    return rc;
}

static fo_rc get_json(fo_flink_rest *fr, const char *url, json_t **out, fo_err *err)
{
    return call(fr, "GET", url, NULL, NULL, 0, fr->read_timeout_ms, out, err);
}

static fo_rc post_json(fo_flink_rest *fr, const char *url, json_t *body /* stolen */,
                       long timeout_ms, json_t **out, fo_err *err)
{
    char *text = body ? fo_json_dumps_compact(body) : strdup("{}");
    json_decref(body);
    if (!text)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_rc rc = call(fr, "POST", url, "application/json", text, strlen(text), timeout_ms, out, err);
    free(text);
    return rc;
}

/* Wrap a decoder failure with the URL it came from. */
static fo_rc decoded(fo_rc rc, const char *url, fo_err *err)
{
    if (rc != FO_OK)
        fo_err_wrap(err, "%s", url);
    return rc;
}

#define GET_AND_DECODE(decoder, outp, ...)                                                         \
    do {                                                                                           \
        char url[FO_FLINK_REST_MAX_URL];                                                           \
        json_t *v = NULL;                                                                          \
        fo_rc rc = make_url(url, base, err, __VA_ARGS__);                                          \
        if (rc == FO_OK)                                                                           \
            rc = get_json(fr, url, &v, err);                                                       \
        if (rc == FO_OK)                                                                           \
            rc = decoded(decoder(v, outp, err), url, err);                                         \
        json_decref(v);                                                                            \
        return rc;                                                                                 \
    } while (0)

fo_rc fo_flink_rest_config(fo_flink_rest *fr, const char *base, fo_flink_config *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    GET_AND_DECODE(fo_flink_rest_decode_config, out, "/config");
}

fo_rc fo_flink_rest_overview(fo_flink_rest *fr, const char *base, fo_flink_overview *out,
                             fo_err *err)
{
    memset(out, 0, sizeof *out);
    GET_AND_DECODE(fo_flink_rest_decode_overview, out, "/overview");
}

fo_rc fo_flink_rest_taskmanagers(fo_flink_rest *fr, const char *base, fo_flink_taskmanagers *out,
                                 fo_err *err)
{
    memset(out, 0, sizeof *out);
    GET_AND_DECODE(fo_flink_rest_decode_taskmanagers, out, "/taskmanagers");
}

fo_rc fo_flink_rest_jobs(fo_flink_rest *fr, const char *base, fo_flink_jobs *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    GET_AND_DECODE(fo_flink_rest_decode_jobs, out, "/jobs/overview");
}

fo_rc fo_flink_rest_job_details(fo_flink_rest *fr, const char *base, const char *job_id,
                                fo_flink_job_details *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    GET_AND_DECODE(fo_flink_rest_decode_job_details, out, "/jobs/%s", job_id);
}

fo_rc fo_flink_rest_execution_result(fo_flink_rest *fr, const char *base, const char *job_id,
                                     fo_flink_execution_result *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    GET_AND_DECODE(fo_flink_rest_decode_execution_result, out, "/jobs/%s/execution-result", job_id);
}

fo_rc fo_flink_rest_exceptions(fo_flink_rest *fr, const char *base, const char *job_id,
                               int max_exceptions, fo_flink_exceptions *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    if (max_exceptions > 0)
        GET_AND_DECODE(fo_flink_rest_decode_exceptions, out, "/jobs/%s/exceptions?maxExceptions=%d",
                       job_id, max_exceptions);
    GET_AND_DECODE(fo_flink_rest_decode_exceptions, out, "/jobs/%s/exceptions", job_id);
}

fo_rc fo_flink_rest_cancel(fo_flink_rest *fr, const char *base, const char *job_id, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s?mode=cancel", job_id);
    return rc == FO_OK ? call(fr, "PATCH", url, NULL, NULL, 0, 0, NULL, err) : rc;
}

fo_rc fo_flink_rest_job_metrics(fo_flink_rest *fr, const char *base, const char *job_id,
                                const char *const *names, size_t n, fo_flink_metrics *out,
                                fo_err *err)
{
    memset(out, 0, sizeof *out);
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    if (n == 0)
        return fo_err_set(err, FO_EINVAL, "no metric names");
    fo_strbuf q;
    fo_strbuf_init(&q, FO_FLINK_REST_MAX_URL);
    fo_rc rc = FO_OK;
    for (size_t i = 0; i < n && rc == FO_OK; i++) {
        if (i)
            rc = fo_strbuf_putc(&q, ',');
        if (rc == FO_OK)
            rc = fo_http_query_escape(&q, names[i]);
    }
    if (rc != FO_OK) {
        fo_strbuf_release(&q);
        return fo_err_set(err, rc, "metric names too long");
    }
    char url[FO_FLINK_REST_MAX_URL];
    json_t *v = NULL;
    rc = make_url(url, base, err, "/jobs/%s/metrics?get=%s", job_id, q.data);
    fo_strbuf_release(&q);
    if (rc == FO_OK)
        rc = get_json(fr, url, &v, err);
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_metrics(v, out, err), url, err);
    json_decref(v);
    return rc;
}

/* ---- snapshots ---- */

static fo_rc trigger(fo_flink_rest *fr, const char *url, json_t *body, char out[33], fo_err *err)
{
    json_t *v = NULL;
    out[0] = '\0';
    fo_rc rc = post_json(fr, url, body, 0, &v, err);
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_trigger(v, out, err), url, err);
    json_decref(v);
    return rc;
}

static fo_rc check_savepoint_opts(const fo_flink_savepoint_opts *o, fo_err *err)
{
    if (o && o->trigger_id && check_id("trigger id", o->trigger_id, err) != FO_OK)
        return FO_EINVAL;
    if (o && o->format_type && strcmp(o->format_type, "CANONICAL") != 0 &&
        strcmp(o->format_type, "NATIVE") != 0)
        return fo_err_set(err, FO_EINVAL, "savepoint format '%s' is not CANONICAL or NATIVE",
                          o->format_type);
    return FO_OK;
}

/* The two savepoint requests differ in their path and in how their body spells things:
 * SavepointTriggerRequestBody {"cancel-job", "target-directory"} and StopWithSavepointRequestBody
 * {"drain", "targetDirectory"}; both take formatType and triggerId. */
typedef struct savepoint_kind {
    const char *path, *flag_key, *dir_key;
    bool stop;
} savepoint_kind;

static fo_rc savepoint_request(fo_flink_rest *fr, const char *base, const char *job_id,
                               const fo_flink_savepoint_opts *o, const savepoint_kind *k,
                               char out[33], fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    out[0] = '\0';
    if (check_id("job id", job_id, err) != FO_OK || check_savepoint_opts(o, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s/%s", job_id, k->path);
    if (rc != FO_OK)
        return rc;
    bool flag = o && (k->stop ? o->drain : o->cancel_job);
    json_t *body = json_pack("{s:b}", k->flag_key, flag);
    if (o && o->target_dir)
        json_object_set_new(body, k->dir_key, json_string(o->target_dir));
    if (o && o->format_type)
        json_object_set_new(body, "formatType", json_string(o->format_type));
    if (o && o->trigger_id)
        json_object_set_new(body, "triggerId", json_string(o->trigger_id));
    return trigger(fr, url, body, out, err);
}

fo_rc fo_flink_rest_trigger_savepoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                      const fo_flink_savepoint_opts *o, char out[33], fo_err *err)
{
    static const savepoint_kind k = {"savepoints", "cancel-job", "target-directory", false};
    return savepoint_request(fr, base, job_id, o, &k, out, err);
}

fo_rc fo_flink_rest_stop_with_savepoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                        const fo_flink_savepoint_opts *o, char out[33], fo_err *err)
{
    static const savepoint_kind k = {"stop", "drain", "targetDirectory", true};
    return savepoint_request(fr, base, job_id, o, &k, out, err);
}

fo_rc fo_flink_rest_trigger_checkpoint(fo_flink_rest *fr, const char *base, const char *job_id,
                                       const char *checkpoint_type, const char *trigger_id,
                                       char out[33], fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    out[0] = '\0';
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    if (trigger_id && check_id("trigger id", trigger_id, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s/checkpoints", job_id);
    if (rc != FO_OK)
        return rc;
    /* CheckpointTriggerRequestBody */
    json_t *body = json_object();
    if (checkpoint_type)
        json_object_set_new(body, "checkpointType", json_string(checkpoint_type));
    if (trigger_id)
        json_object_set_new(body, "triggerId", json_string(trigger_id));
    return trigger(fr, url, body, out, err);
}

static fo_rc operation(fo_flink_rest *fr, const char *url, fo_flink_operation *out, fo_err *err)
{
    json_t *v = NULL;
    fo_rc rc = get_json(fr, url, &v, err);
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_operation(v, out, err), url, err);
    json_decref(v);
    return rc;
}

static fo_rc job_operation(fo_flink_rest *fr, const char *base, const char *job_id,
                           const char *kind, const char *trig, fo_flink_operation *out, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    memset(out, 0, sizeof *out);
    out->checkpoint_id = -1;
    if (check_id("job id", job_id, err) != FO_OK || check_id("trigger id", trig, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s/%s/%s", job_id, kind, trig);
    return rc == FO_OK ? operation(fr, url, out, err) : rc;
}

fo_rc fo_flink_rest_savepoint_status(fo_flink_rest *fr, const char *base, const char *job_id,
                                     const char *trig, fo_flink_operation *out, fo_err *err)
{
    return job_operation(fr, base, job_id, "savepoints", trig, out, err);
}

fo_rc fo_flink_rest_checkpoint_status(fo_flink_rest *fr, const char *base, const char *job_id,
                                      const char *trig, fo_flink_operation *out, fo_err *err)
{
    return job_operation(fr, base, job_id, "checkpoints", trig, out, err);
}

fo_rc fo_flink_rest_checkpoints(fo_flink_rest *fr, const char *base, const char *job_id,
                                fo_flink_checkpoint_stats *out, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    json_t *v = NULL;
    fo_flink_checkpoint_stats zero = {0};
    *out = zero;
    fo_flink_rest_checkpoint_stats_release(out);
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s/checkpoints", job_id);
    if (rc == FO_OK)
        rc = get_json(fr, url, &v, err);
    /* A job without checkpointing answers 404 "Checkpointing has not been enabled." (the
     * handler has no statistics to show); that is an answer, not a failure. */
    if (rc == FO_ENOTFOUND && err && strstr(err->message, "Checkpointing has not been enabled")) {
        fo_err_clear(err);
        return FO_OK;
    }
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_checkpoints(v, out, err), url, err);
    json_decref(v);
    return rc;
}

fo_rc fo_flink_rest_checkpoint_config(fo_flink_rest *fr, const char *base, const char *job_id,
                                      fo_flink_checkpoint_config *out, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    json_t *v = NULL;
    memset(out, 0, sizeof *out);
    out->interval_ms = -1;
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/jobs/%s/checkpoints/config", job_id);
    if (rc == FO_OK)
        rc = get_json(fr, url, &v, err);
    /* CheckpointConfigHandler answers 404 "Checkpointing is not enabled for this job (<id>)."
     * for a job without a checkpoint coordinator: an answer, as for the statistics. */
    if (rc == FO_ENOTFOUND && err && strstr(err->message, "Checkpointing is not enabled")) {
        fo_err_clear(err);
        return FO_OK;
    }
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_checkpoint_config(v, out, err), url, err);
    json_decref(v);
    return rc;
}

fo_rc fo_flink_rest_checkpoint_details(fo_flink_rest *fr, const char *base, const char *job_id,
                                       int64_t checkpoint_id, fo_flink_checkpoint *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = -1;
    if (check_id("job id", job_id, err) != FO_OK)
        return FO_EINVAL;
    GET_AND_DECODE(fo_flink_rest_decode_checkpoint, out, "/jobs/%s/checkpoints/details/%lld",
                   job_id, (long long)checkpoint_id);
}

fo_rc fo_flink_rest_dispose_savepoint(fo_flink_rest *fr, const char *base, const char *path,
                                      char out[33], fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    out[0] = '\0';
    if (!path || !*path)
        return fo_err_set(err, FO_EINVAL, "no savepoint path to dispose");
    fo_rc rc = make_url(url, base, err, "/savepoint-disposal");
    if (rc != FO_OK)
        return rc;
    return trigger(fr, url, json_pack("{s:s}", "savepoint-path", path), out, err);
}

fo_rc fo_flink_rest_disposal_status(fo_flink_rest *fr, const char *base, const char *trig,
                                    fo_flink_operation *out, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    memset(out, 0, sizeof *out);
    out->checkpoint_id = -1;
    if (check_id("trigger id", trig, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = make_url(url, base, err, "/savepoint-disposal/%s", trig);
    return rc == FO_OK ? operation(fr, url, out, err) : rc;
}

/* ---- jars ---- */

/* The jar id is a file name that goes, percent-encoded, into one URL path segment. */
static fo_rc check_jar_id(const char *jar_id, fo_err *err)
{
    if (!jar_id || !*jar_id || strlen(jar_id) > 255 || strpbrk(jar_id, "/\\\r\n") ||
        !strcmp(jar_id, ".") || !strcmp(jar_id, ".."))
        return fo_err_set(err, FO_EINVAL, "jar id '%.64s' is not a file name",
                          jar_id ? jar_id : "(null)");
    return FO_OK;
}

/* base + "/jars/<escaped id>" + suffix. */
static fo_rc jar_url(char url[FO_FLINK_REST_MAX_URL], const char *base, const char *jar_id,
                     const char *suffix, fo_err *err)
{
    fo_strbuf esc;
    fo_strbuf_init(&esc, FO_FLINK_REST_MAX_URL);
    fo_rc rc = fo_http_query_escape(&esc, jar_id);
    if (rc == FO_OK)
        rc = make_url(url, base, err, "/jars/%s%s", esc.data, suffix);
    else
        fo_err_set(err, rc, "jar id too long");
    fo_strbuf_release(&esc);
    return rc;
}

/* multipart/form-data (RFC 7578) with one part "jarfile", as the spec's curl example sends. */
static fo_rc multipart(fo_strbuf *sb, char *boundary, size_t blen, const char *filename,
                       const void *data, size_t len)
{
    /* A boundary that does not occur in the data (RFC 2046 5.1.1). */
    for (unsigned attempt = 0;; attempt++) {
        snprintf(boundary, blen, "----flinkop-%016llx-%u",
                 (unsigned long long)fo_clock_real_mono_ns(), attempt);
        if (!memmem(data, len, boundary, strlen(boundary)))
            break;
    }
    fo_rc rc =
        fo_strbuf_printf(sb,
                         "--%s\r\nContent-Disposition: form-data; name=\"jarfile\"; "
                         "filename=\"%s\"\r\nContent-Type: application/x-java-archive\r\n\r\n",
                         boundary, filename);
    if (rc == FO_OK)
        rc = fo_strbuf_append(sb, data, len);
    if (rc == FO_OK)
        rc = fo_strbuf_printf(sb, "\r\n--%s--\r\n", boundary);
    return rc;
}

fo_rc fo_flink_rest_jar_upload(fo_flink_rest *fr, const char *base, const char *filename,
                               const void *data, size_t len, char **jar_id, fo_err *err)
{
    *jar_id = NULL;
    if (!filename || !*filename || strlen(filename) > 200 || strpbrk(filename, "\"\r\n/\\"))
        return fo_err_set(err, FO_EINVAL, "jar file name '%.64s' cannot be sent",
                          filename ? filename : "(null)");
    if (len > FO_FLINK_REST_MAX_JAR)
        return fo_err_set(err, FO_ELIMIT, "jar of %zu bytes exceeds the limit of %u bytes", len,
                          FO_FLINK_REST_MAX_JAR);
    char url[FO_FLINK_REST_MAX_URL], boundary[64], ctype[128];
    fo_rc rc = make_url(url, base, err, "/jars/upload");
    if (rc != FO_OK)
        return rc;
    fo_strbuf sb;
    fo_strbuf_init(&sb, FO_FLINK_REST_MAX_JAR + 4096);
    rc = multipart(&sb, boundary, sizeof boundary, filename, data, len);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return fo_err_set(err, rc, "cannot build the upload of %s", filename);
    }
    snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
    json_t *v = NULL;
    rc = call(fr, "POST", url, ctype, sb.data, sb.len, fr->upload_timeout_ms, &v, err);
    fo_strbuf_release(&sb);
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_jar_upload(v, jar_id, err), url, err);
    json_decref(v);
    return rc;
}

fo_rc fo_flink_rest_jar_upload_file(fo_flink_rest *fr, const char *base, const char *path,
                                    char **jar_id, fo_err *err)
{
    *jar_id = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fo_err_set(err, FO_EIO, "%s: %s", path, strerror(errno));
    fo_strbuf sb;
    fo_strbuf_init(&sb, FO_FLINK_REST_MAX_JAR);
    char buf[65536];
    size_t n;
    fo_rc rc = FO_OK;
    while (rc == FO_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = fo_strbuf_append(&sb, buf, n);
    if (rc == FO_OK && ferror(f))
        rc = fo_err_set(err, FO_EIO, "%s: read error", path);
    else if (rc != FO_OK)
        fo_err_set(err, rc, "%s: larger than %u bytes", path, FO_FLINK_REST_MAX_JAR);
    fclose(f);
    if (rc == FO_OK) {
        const char *slash = strrchr(path, '/');
        rc = fo_flink_rest_jar_upload(fr, base, slash ? slash + 1 : path, sb.data, sb.len, jar_id,
                                      err);
    }
    fo_strbuf_release(&sb);
    return rc;
}

fo_rc fo_flink_rest_jar_run(fo_flink_rest *fr, const char *base, const char *jar_id,
                            const fo_flink_jar_run *run, char job_id[33], fo_err *err)
{
    static const fo_flink_jar_run none = {0};
    char url[FO_FLINK_REST_MAX_URL];
    job_id[0] = '\0';
    if (!run)
        run = &none;
    if (check_jar_id(jar_id, err) != FO_OK)
        return FO_EINVAL;
    if (run->job_id && check_id("job id", run->job_id, err) != FO_OK)
        return FO_EINVAL;
    if (run->flink_configuration && !json_is_object(run->flink_configuration))
        return fo_err_set(err, FO_EINVAL, "flinkConfiguration must be an object");
    fo_rc rc = jar_url(url, base, jar_id, "/run", err);
    if (rc != FO_OK)
        return rc;
    /* JarRunRequestBody: programArgsList exists in 1.20 and 2.x (the programArgs string was
     * removed in 2.0). */
    json_t *body = json_object(), *args = json_array();
    for (size_t i = 0; i < run->nargs; i++)
        json_array_append_new(args, json_string(run->args[i] ? run->args[i] : ""));
    json_object_set_new(body, "programArgsList", args);
    if (run->entry_class)
        json_object_set_new(body, "entryClass", json_string(run->entry_class));
    if (run->parallelism > 0)
        json_object_set_new(body, "parallelism", json_integer(run->parallelism));
    if (run->job_id)
        json_object_set_new(body, "jobId", json_string(run->job_id));
    if (run->savepoint_path)
        json_object_set_new(body, "savepointPath", json_string(run->savepoint_path));
    json_object_set_new(body, "allowNonRestoredState", json_boolean(run->allow_non_restored_state));
    if (run->restore_mode)
        json_object_set_new(body, "restoreMode", json_string(run->restore_mode));
    if (run->flink_configuration)
        json_object_set_new(body, "flinkConfiguration",
                            fo_json_copy(run->flink_configuration)); /* never touch a lent one */
    json_t *v = NULL;
    rc = post_json(fr, url, body, fr->upload_timeout_ms, &v, err);
    if (rc == FO_OK)
        rc = decoded(fo_flink_rest_decode_jar_run(v, job_id, err), url, err);
    json_decref(v);
    return rc;
}

fo_rc fo_flink_rest_jar_delete(fo_flink_rest *fr, const char *base, const char *jar_id, fo_err *err)
{
    char url[FO_FLINK_REST_MAX_URL];
    if (check_jar_id(jar_id, err) != FO_OK)
        return FO_EINVAL;
    fo_rc rc = jar_url(url, base, jar_id, "", err);
    return rc == FO_OK ? call(fr, "DELETE", url, NULL, NULL, 0, 0, NULL, err) : rc;
}
