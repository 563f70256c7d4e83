/* Lifecycle of the fake API server, its HTTP binding (common/httpd, thread per connection so
 * watches can block), the in-process API, and what happens after a commit (CRDs become
 * served and Established). */
#include "tests/fakes/apiserver/fake_apiserver.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/httpd.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/control.h"
#include "tests/fakes/apiserver/gc.h"
#include "tests/fakes/apiserver/openapi.h"
#include "tests/fakes/apiserver/server.h"
#include "tests/fakes/apiserver/status.h"

#define CRDS "apiextensions.k8s.io/customresourcedefinitions"
#define FKA_MAX_QUERY 8192
#define FKA_MAX_QUERY_PARAMS 32

/* ---- responses ---- */

void fka_resp_init(fka_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    resp->retry_after_s = -1;
    snprintf(resp->content_type, sizeof resp->content_type, "application/json");
}

void fka_resp_release(fka_resp *resp)
{
    json_decref(resp->json);
    free(resp->raw);
    for (size_t i = 0; i < resp->nwarnings; i++)
        free(resp->warnings[i]);
    if (resp->stream)
        resp->stream->free(resp->stream);
    memset(resp, 0, sizeof *resp);
}

void fka_resp_json(fka_resp *resp, int status, json_t *body)
{
    json_decref(resp->json);
    resp->json = body;
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "application/json");
}

void fka_resp_status(fka_resp *resp, json_t *status)
{
    fka_resp_json(resp, fka_status_code(status), status);
}

void fka_resp_warn(fka_resp *resp, const char *text)
{
    for (size_t i = 0; i < resp->nwarnings; i++)
        if (strcmp(resp->warnings[i], text) == 0)
            return;
    if (resp->nwarnings < FKA_MAX_WARNINGS)
        resp->warnings[resp->nwarnings++] = strdup(text);
}

/* ---- after a commit (store lock held) ---- */

static json_t *established(const json_t *crd)
{
    json_t *next = fo_json_copy(crd);
    json_t *status = fo_json_ensure_object(next, "status");
    char ts[40];
    const char *now = fo_json_get_str(crd, "metadata.creationTimestamp");
    snprintf(ts, sizeof ts, "%s", now ? now : "");
    json_t *conds = json_pack(
        "[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}]", "type", "NamesAccepted", "status",
        "True", "lastTransitionTime", ts, "reason", "NoConflicts", "message", "no conflicts found",
        "type", "Established", "status", "True", "lastTransitionTime", ts, "reason",
        "InitialNamesAccepted", "message", "the initial names have been accepted");
    json_object_set_new(status, "conditions", conds);
    json_t *names = fo_json_get(crd, "spec.names");
    json_object_set_new(status, "acceptedNames", names ? fo_json_copy(names) : json_object());
    json_t *stored = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(fo_json_get(crd, "spec.versions"), i, v)
    {
        if (json_is_true(json_object_get(v, "storage")) && fo_json_str(v, "name"))
            json_array_append_new(stored, json_string(fo_json_str(v, "name")));
    }
    json_object_set_new(status, "storedVersions", stored);
    return next;
}

void fka_after_commit(fka_server *srv, const fka_resource *r, const json_t *stored, bool deleted)
{
    if (strcmp(r->storage, CRDS) != 0)
        return;
    const char *name = fo_json_get_str(stored, "metadata.name");
    if (deleted) {
        fka_registry_remove_crd(srv->reg, name ? name : "");
        return;
    }
    /* The CRD controllers accept the names and establish the CRD at once. */
    const json_t *conds = fo_json_get(stored, "status.conditions");
    if (!json_array_size(conds) && name) {
        json_t *next = established(stored);
        fka_store_put(srv->store, CRDS, "", name, json_incref(next));
        fka_registry_put_crd(srv->reg, next);
        json_decref(next);
        return;
    }
    fka_registry_put_crd(srv->reg, stored);
}

/* ---- HTTP binding ---- */

static const char *http_query(void *ctx, const char *name)
{
    return fo_http_request_query(ctx, name);
}

typedef struct http_stream {
    fka_stream *st;
} http_stream;

static ssize_t http_stream_read(void *ctx, char *buf, size_t max)
{
    fka_stream *st = ctx;
    ssize_t n = st->read(st, buf, max);
    if (n == FKA_STREAM_END)
        return FO_HTTPD_STREAM_END;
    if (n == FKA_STREAM_ABORT)
        return FO_HTTPD_STREAM_ABORT;
    return n;
}

static void http_stream_free(void *ctx)
{
    fka_stream *st = ctx;
    st->free(st);
}

/* Go's warning header form: 299 - "<text>" with '"' and '\' escaped. */
static char *warning_header(const char *text)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 4096);
    fo_strbuf_puts(&sb, "299 - \"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fo_strbuf_putc(&sb, '\\');
        if ((unsigned char)*p >= 0x20)
            fo_strbuf_putc(&sb, *p);
    }
    fo_strbuf_putc(&sb, '"');
    return fo_strbuf_take(&sb);
}

static void http_handler(void *ctx, const fo_http_request *hreq, fo_http_response *hresp)
{
    fka_server *srv = ctx;
    fka_req req = {.method = hreq->method,
                   .path = hreq->path,
                   .body = hreq->body,
                   .body_len = hreq->body_len,
                   .content_type = fo_http_request_header(hreq, "Content-Type"),
                   .accept = fo_http_request_header(hreq, "Accept"),
                   .user_agent = fo_http_request_header(hreq, "User-Agent"),
                   .query = http_query,
                   .query_ctx = (void *)hreq};
    char cn[256];
    if (srv->client_ca_pem && fo_http_request_client_cn(hreq, cn, sizeof cn))
        req.cert_user = cn;
    fka_resp resp;
    fka_resp_init(&resp);
    fka_handle_as(srv, &req, &resp, fo_http_request_header(hreq, "Authorization"), false);
    for (size_t i = 0; i < resp.nwarnings; i++) {
        char *w = warning_header(resp.warnings[i]);
        fo_http_response_header(hresp, "Warning", w);
        free(w);
    }
    if (resp.retry_after_s >= 0) {
        char ra[32];
        snprintf(ra, sizeof ra, "%d", resp.retry_after_s);
        fo_http_response_header(hresp, "Retry-After", ra);
    }
    fo_http_response_header(hresp, "Cache-Control", "no-cache, private");
    if (resp.stream) {
        fka_stream *st = resp.stream;
        resp.stream = NULL;
        fo_http_response_stream(hresp, resp.status, resp.content_type, http_stream_read, st,
                                http_stream_free);
    } else if (resp.json) {
        char *text = json_dumps(resp.json, JSON_COMPACT);
        fo_http_response_take_body(hresp, resp.status, resp.content_type, text,
                                   text ? strlen(text) : 0);
    } else {
        fo_http_response_take_body(hresp, resp.status, resp.content_type, resp.raw, resp.raw_len);
        resp.raw = NULL;
    }
    fka_resp_release(&resp);
}

/* ---- start and stop ---- */

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The OpenAPI directories of a source tree: tests/data's shared copy, then ours. */
static bool openapi_dirs_at(const char *root, char *out, size_t len)
{
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s/tests/data/kubernetes-openapi/v1.35", root);
    snprintf(b, sizeof b, "%s/tests/fakes/apiserver/openapi", root);
    if (!is_dir(a) && !is_dir(b))
        return false;
    snprintf(out, len, "%s:%s", a, b);
    return true;
}

static char *find_openapi_dirs(const char *given)
{
    if (given)
        return strdup(given);
    char buf[2 * PATH_MAX + 8];
    const char *src = getenv("FO_SRC_DIR");
    if (src && openapi_dirs_at(src, buf, sizeof buf))
        return strdup(buf);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const ups[] = {"/..", "/../..", "/../../.."};
        for (size_t i = 0; i < 3; i++) {
            char root[PATH_MAX + 16];
            snprintf(root, sizeof root, "%s%s", exe, ups[i]);
            if (openapi_dirs_at(root, buf, sizeof buf))
                return strdup(buf);
        }
    }
    if (openapi_dirs_at(".", buf, sizeof buf))
        return strdup(buf);
    return NULL;
}

static void seed_namespace(fka_server *srv, const char *name)
{
    json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                           "metadata", "name", name);
    int code = fo_fake_apiserver_call(srv, "POST", "/api/v1/namespaces?fieldManager=kube-apiserver",
                                      NULL, ns, NULL, NULL);
    if (code != 201)
        fo_log_error("fake apiserver: seeding namespace %s failed with %d", name, code);
    json_decref(ns);
}

fo_fake_apiserver *fo_fake_apiserver_start(const fo_fake_apiserver_opts *opts, fo_err *err)
{
    fo_fake_apiserver_opts none = {0};
    if (!opts)
        opts = &none;
    fka_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    srv->clock = opts->clock ? opts->clock : fo_clock_real();
    srv->store = fka_store_new(opts->history_size, opts->watch_queue_size);
    srv->reg = fka_registry_new();
    srv->control = fka_control_new();
    char *dir = find_openapi_dirs(opts->openapi_dir);
    srv->openapi = fka_openapi_new(dir);
    if (!fka_openapi_has_builtins(srv->openapi))
        fo_log_warn("fake apiserver: no OpenAPI files found (%s): built-in kinds get no schema",
                    dir ? dir : "searched FO_SRC_DIR and next to the program");
    free(dir);
    srv->token = opts->token ? strdup(opts->token) : NULL;
    srv->bookmark_interval_ms = opts->bookmark_interval_ms > 0 ? opts->bookmark_interval_ms : 60000;
    srv->max_watch_s = opts->max_watch_s > 0 ? opts->max_watch_s : 1800;
    size_t nmap = 0;
    while (opts->webhook_service_map && opts->webhook_service_map[nmap])
        nmap++;
    srv->service_map = calloc(nmap + 1, sizeof *srv->service_map);
    for (size_t i = 0; srv->service_map && i < nmap; i++)
        srv->service_map[i] = strdup(opts->webhook_service_map[i]);
    if (!srv->store || !srv->reg || !srv->control || !srv->openapi || !srv->service_map) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        fo_fake_apiserver_stop(srv);
        return NULL;
    }
    srv->gc = fka_gc_new(srv, !opts->no_gc);
    static const char *const namespaces[] = {"default", "kube-system", "kube-public",
                                             "kube-node-lease"};
    for (size_t i = 0; i < 4; i++)
        seed_namespace(srv, namespaces[i]);
    if (opts->no_http)
        return srv;
    if (opts->tls_cert_file && opts->tls_key_file) {
        srv->tls = fo_certwatch_new(opts->tls_cert_file, opts->tls_key_file, err);
        if (!srv->tls) {
            fo_fake_apiserver_stop(srv);
            return NULL;
        }
        if (opts->client_ca_file) {
            fo_strbuf ca;
            fo_strbuf_init(&ca, 1024 * 1024);
            if (fo_strbuf_read_file(&ca, opts->client_ca_file, err) != FO_OK) {
                fo_strbuf_release(&ca);
                fo_fake_apiserver_stop(srv);
                return NULL;
            }
            srv->client_ca_pem = fo_strbuf_take(&ca);
        }
    }
    fo_httpd_opts ho = {.bind_addr = opts->bind_addr ? opts->bind_addr : "127.0.0.1",
                        .port = opts->port,
                        .max_body_bytes = FKA_MAX_BODY,
                        .connection_timeout_s = 3600,
                        .threads = 0,
                        .tls = srv->tls,
                        .client_ca_pem = srv->client_ca_pem,
                        .handler = http_handler,
                        .handler_ctx = srv};
    srv->httpd = fo_httpd_start(&ho, err);
    if (!srv->httpd) {
        fo_fake_apiserver_stop(srv);
        return NULL;
    }
    return srv;
}

int fo_fake_apiserver_port(const fo_fake_apiserver *fa)
{
    return fa && fa->httpd ? fo_httpd_port(fa->httpd) : 0;
}

void fo_fake_apiserver_stop(fo_fake_apiserver *fa)
{
    if (!fa)
        return;
    fa->stopping = 1;
    if (fa->store)
        fka_store_drop_watches(fa->store);
    fo_httpd_stop(fa->httpd);
    fka_gc_free(fa->gc);
    fo_certwatch_free(fa->tls);
    fka_control_free(fa->control);
    fka_openapi_free(fa->openapi);
    fka_store_free(fa->store);
    fka_registry_free(fa->reg);
    for (size_t i = 0; fa->service_map && fa->service_map[i]; i++)
        free(fa->service_map[i]);
    free(fa->service_map);
    free(fa->token);
    free(fa->client_ca_pem);
    free(fa);
}

uint64_t fo_fake_apiserver_resource_version(fo_fake_apiserver *fa)
{
    fka_store_lock(fa->store);
    uint64_t rv = fka_store_rv(fa->store);
    fka_store_unlock(fa->store);
    return rv;
}

void fo_fake_apiserver_gc(fo_fake_apiserver *fa)
{
    fka_gc_run(fa->gc);
}

/* ---- in-process requests ---- */

typedef struct query {
    char *buf;
    char *names[FKA_MAX_QUERY_PARAMS];
    char *values[FKA_MAX_QUERY_PARAMS];
    size_t n;
} query;

static void percent_decode(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') {
            *w++ = ' ';
        } else if (*p == '%' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

static const char *query_get(void *ctx, const char *name)
{
    query *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->names[i], name) == 0)
            return q->values[i];
    return NULL;
}

int fo_fake_apiserver_call(fo_fake_apiserver *fa, const char *method, const char *path_query,
                           const char *content_type, const json_t *body, json_t **out,
                           char ***warnings)
{
    if (out)
        *out = NULL;
    if (warnings)
        *warnings = NULL;
    char path[FKA_MAX_QUERY];
    snprintf(path, sizeof path, "%s", path_query);
    query q = {0};
    char *qm = strchr(path, '?');
    if (qm) {
        *qm = '\0';
        q.buf = strdup(qm + 1);
        char *save = NULL;
        for (char *kv = strtok_r(q.buf, "&", &save); kv && q.n < FKA_MAX_QUERY_PARAMS;
             kv = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(kv, '=');
            if (eq)
                *eq = '\0';
            percent_decode(kv);
            if (eq)
                percent_decode(eq + 1);
            q.names[q.n] = kv;
            q.values[q.n++] = eq ? eq + 1 : kv + strlen(kv);
        }
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    fka_req req = {.method = method,
                   .path = path,
                   .body = text ? text : "",
                   .body_len = text ? strlen(text) : 0,
                   .content_type = content_type ? content_type : "application/json",
                   .accept = "application/json",
                   .user_agent = "in-process/fake-apiserver",
                   .query = query_get,
                   .query_ctx = &q};
    fka_resp resp;
    fka_resp_init(&resp);
    if (query_get(&q, "watch") &&
        (strcmp(query_get(&q, "watch"), "true") == 0 || strcmp(query_get(&q, "watch"), "1") == 0)) {
        resp.status = 400;
        resp.json = fka_status_bad_request("use fo_fake_apiserver_watch_open for watches");
    } else {
        fka_handle(fa, &req, &resp);
    }
    int code = resp.status;
    if (out) {
        if (resp.json)
            *out = json_incref(resp.json);
    }
    if (warnings && resp.nwarnings) {
        *warnings = calloc(resp.nwarnings + 1, sizeof **warnings);
        for (size_t i = 0; *warnings && i < resp.nwarnings; i++)
            (*warnings)[i] = strdup(resp.warnings[i]);
    }
    fka_resp_release(&resp);
    free(text);
    free(q.buf);
    return code;
}

void fo_fake_apiserver_free_warnings(char **warnings)
{
    for (size_t i = 0; warnings && warnings[i]; i++)
        free(warnings[i]);
    free(warnings);
}

/* ---- in-process watches ---- */

struct fo_fake_apiserver_watch {
    fka_watcher *w;
    fka_resource *res;
    bool ended;
};

fo_fake_apiserver_watch *fo_fake_apiserver_watch_open(fo_fake_apiserver *fa,
                                                      const char *api_version, const char *resource,
                                                      const char *ns, uint64_t from_rv)
{
    char group[256] = "";
    const char *version = api_version;
    const char *slash = strchr(api_version, '/');
    if (slash) {
        snprintf(group, sizeof group, "%.*s", (int)(slash - api_version), api_version);
        version = slash + 1;
    }
    fka_resource *r = fka_registry_find(fa->reg, group, version, resource);
    if (!r)
        return NULL;
    fo_fake_apiserver_watch *w = calloc(1, sizeof *w);
    if (!w) {
        fka_resource_unref(r);
        return NULL;
    }
    w->res = r;
    w->w =
        fka_store_watch(fa->store, r->storage, (r->flags & FKA_R_NAMESPACED) ? ns : NULL, from_rv);
    return w;
}

bool fo_fake_apiserver_watch_next(fo_fake_apiserver_watch *w, int timeout_ms, const char **type,
                                  json_t **obj)
{
    *obj = NULL;
    *type = NULL;
    for (;;) {
        if (w->ended)
            return false;
        fka_event ev;
        fka_wait r = fka_watcher_next(w->w, timeout_ms, &ev);
        if (r == FKA_WAIT_CLOSED) {
            w->ended = true;
            return false;
        }
        if (r == FKA_WAIT_TIMEOUT)
            return false;
        if (ev.type == FKA_EV_BOOKMARK) {
            fka_event_release(&ev);
            continue;
        }
        *type = fka_event_type_name(ev.type);
        *obj = ev.type == FKA_EV_ERROR ? json_incref(ev.obj) : fka_to_wire(w->res, ev.obj);
        if (ev.type == FKA_EV_ERROR)
            w->ended = true;
        fka_event_release(&ev);
        return true;
    }
}

bool fo_fake_apiserver_watch_ended(const fo_fake_apiserver_watch *w)
{
    return w->ended;
}

void fo_fake_apiserver_watch_close(fo_fake_apiserver_watch *w)
{
    if (!w)
        return;
    fka_watcher_free(w->w);
    fka_resource_unref(w->res);
    free(w);
}
