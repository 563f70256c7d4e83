/* The multi-cluster fake Flink server: cluster registry, snapshot registry shared by all
 * clusters (a job restored on a new cluster finds the savepoint an old one wrote), HTTP
 * front end with per-cluster faults. See fake_flink.h. */
#include "tests/fakes/flink/fake_flink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "tests/fakes/flink/fake_flink_int.h"

int64_t ff_now_locked(fo_fake_flink *ff)
{
    return fo_clock_now_ms(ff->clock) + ff->offset_ms;
}

ff_cluster *ff_cluster_find(fo_fake_flink *ff, const char *ns, const char *name)
{
    for (size_t i = 0; i < ff->nclusters; i++)
        if (!strcmp(ff->clusters[i]->ns, ns) && !strcmp(ff->clusters[i]->name, name))
            return ff->clusters[i];
    return NULL;
}

void ff_advance_all(fo_fake_flink *ff)
{
    int64_t now = ff_now_locked(ff);
    for (size_t i = 0; i < ff->nclusters; i++)
        fo_flink_sim_advance(ff->clusters[i]->sim, now);
}

/* ---- snapshot registry (callbacks of fo_flink_sim_registry; called under ff->mu) ---- */

static ff_snapshot_entry *snap_find(fo_fake_flink *ff, const char *path)
{
    for (size_t i = 0; i < ff->nsnaps; i++)
        if (!strcmp(ff->snaps[i].path, path))
            return &ff->snaps[i];
    return NULL;
}

static int reg_lookup(void *ctx, const char *path, int64_t *id)
{
    ff_snapshot_entry *e = snap_find(((ff_cluster *)ctx)->ff, path);
    if (!e)
        return 0;
    *id = e->checkpoint_id;
    return e->disposed ? 2 : 1;
}

static void reg_record(void *ctx, const char *path, int64_t id)
{
    fo_fake_flink *ff = ((ff_cluster *)ctx)->ff;
    ff_snapshot_entry *e = snap_find(ff, path);
    if (e) {
        e->checkpoint_id = id;
        e->disposed = false;
        return;
    }
    if (ff->nsnaps == FO_FAKE_FLINK_MAX_SNAPSHOTS) {
        /* Forget the oldest; a restore from it then counts as an unknown path. */
        free(ff->snaps[0].path);
        memmove(&ff->snaps[0], &ff->snaps[1], (ff->nsnaps - 1) * sizeof ff->snaps[0]);
        ff->nsnaps--;
    }
    if (ff->nsnaps == ff->capsnaps) {
        size_t cap = ff->capsnaps ? ff->capsnaps * 2 : 64;
        ff_snapshot_entry *p = realloc(ff->snaps, cap * sizeof *p);
        if (!p)
            return;
        ff->snaps = p;
        ff->capsnaps = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return;
    ff->snaps[ff->nsnaps++] = (ff_snapshot_entry){copy, id, false};
}

static void reg_dispose(void *ctx, const char *path)
{
    ff_snapshot_entry *e = snap_find(((ff_cluster *)ctx)->ff, path);
    if (e)
        e->disposed = true;
}

/* ---- HA store (callbacks with the cluster as ctx; called under ff->mu) ---- */

static ff_ha_entry *ha_find(fo_fake_flink *ff, const char *ns, const char *name, const char *job)
{
    for (size_t i = 0; i < ff->nha; i++)
        if (!strcmp(ff->ha[i].ns, ns) && !strcmp(ff->ha[i].name, name) &&
            !strcmp(ff->ha[i].job, job))
            return &ff->ha[i];
    return NULL;
}

static bool ha_lookup(void *ctx, const char *job, char *path, size_t len, int64_t *id)
{
    ff_cluster *c = ctx;
    ff_ha_entry *e = ha_find(c->ff, c->ns, c->name, job);
    if (!e)
        return false;
    snprintf(path, len, "%s", e->path);
    *id = e->checkpoint_id;
    return true;
}

static void ha_free_entry(ff_ha_entry *e)
{
    free(e->ns);
    free(e->name);
    free(e->path);
}

static void ha_record(void *ctx, const char *job, const char *path, int64_t id)
{
    ff_cluster *c = ctx;
    fo_fake_flink *ff = c->ff;
    ff_ha_entry *e = ha_find(ff, c->ns, c->name, job);
    char *copy = strdup(path);
    if (!copy)
        return;
    if (e) {
        free(e->path);
        e->path = copy;
        e->checkpoint_id = id;
        return;
    }
    if (ff->nha == FO_FAKE_FLINK_MAX_SNAPSHOTS) { /* full: the job then recovers without HA */
        free(copy);
        return;
    }
    if (ff->nha == ff->capha) {
        size_t cap = ff->capha ? ff->capha * 2 : 16;
        ff_ha_entry *p = realloc(ff->ha, cap * sizeof *p);
        if (!p) {
            free(copy);
            return;
        }
        ff->ha = p;
        ff->capha = cap;
    }
    e = &ff->ha[ff->nha];
    *e = (ff_ha_entry){.ns = strdup(c->ns), .name = strdup(c->name), .path = copy,
                       .checkpoint_id = id};
    snprintf(e->job, sizeof e->job, "%s", job);
    if (!e->ns || !e->name) {
        ha_free_entry(e);
        return;
    }
    ff->nha++;
}

static void ha_remove(void *ctx, const char *job)
{
    ff_cluster *c = ctx;
    fo_fake_flink *ff = c->ff;
    ff_ha_entry *e = ha_find(ff, c->ns, c->name, job);
    if (!e)
        return;
    size_t i = (size_t)(e - ff->ha);
    ha_free_entry(e);
    memmove(&ff->ha[i], &ff->ha[i + 1], (ff->nha - i - 1) * sizeof ff->ha[0]);
    ff->nha--;
}

int ff_ha_delete_locked(fo_fake_flink *ff, const char *ns, const char *name)
{
    int removed = 0;
    for (size_t i = 0; i < ff->nha;) {
        if (!strcmp(ff->ha[i].ns, ns) && !strcmp(ff->ha[i].name, name)) {
            ha_free_entry(&ff->ha[i]);
            memmove(&ff->ha[i], &ff->ha[i + 1], (ff->nha - i - 1) * sizeof ff->ha[0]);
            ff->nha--;
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

json_t *ff_ha_json_locked(fo_fake_flink *ff)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ff->nha; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I}", "namespace",
                                             ff->ha[i].ns, "name", ff->ha[i].name, "jobId",
                                             ff->ha[i].job, "path", ff->ha[i].path,
                                             "checkpointId", (json_int_t)ff->ha[i].checkpoint_id));
    return json_pack("{s:o}", "ha", arr);
}

json_t *ff_snapshots_json_locked(fo_fake_flink *ff)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ff->nsnaps; i++)
        json_array_append_new(arr, json_pack("{s:s, s:I, s:b}", "path", ff->snaps[i].path,
                                             "checkpointId",
                                             (json_int_t)ff->snaps[i].checkpoint_id, "disposed",
                                             ff->snaps[i].disposed));
    return json_pack("{s:o}", "snapshots", arr);
}

/* ---- clusters ---- */

/* Namespaces and names are DNS labels/subdomains: this keeps "_fake" and odd paths out. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return false;
    return true;
}

static uint64_t fnv1a(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

fo_rc ff_cluster_create_locked(fo_fake_flink *ff, const char *ns, const char *name,
                               const json_t *spec, fo_err *err)
{
    if (!valid_name(ns) || !valid_name(name))
        return fo_err_set(err, FO_EINVAL, "'%s/%s' is not a namespace/name pair", ns, name);
    if (ff_cluster_find(ff, ns, name))
        return fo_err_set(err, FO_EEXISTS, "cluster %s/%s exists", ns, name);
    if (ff->nclusters == FO_FAKE_FLINK_MAX_CLUSTERS)
        return fo_err_set(err, FO_ELIMIT, "the fake holds %d clusters already",
                          FO_FAKE_FLINK_MAX_CLUSTERS);
    /* Seeds differ per incarnation, so a recreated cluster never reuses savepoint names. */
    uint64_t seed = fnv1a(ns, name) ^ (++ff->seq * 0x9E3779B97F4A7C15ULL);
    ff_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_flink_sim_registry reg = {c, reg_lookup, reg_record, reg_dispose, ha_lookup, ha_record,
                                 ha_remove};
    c->ff = ff;
    c->ns = strdup(ns);
    c->name = strdup(name);
    c->sim = fo_flink_sim_new(spec, ff_now_locked(ff), seed, &reg, err);
    if (!c->ns || !c->name || !c->sim) {
        fo_flink_sim_free(c->sim);
        free(c->ns);
        free(c->name);
        free(c);
        if (err && err->rc == FO_OK)
            fo_err_set(err, FO_ENOMEM, "out of memory");
        return err ? err->rc : FO_EINVAL;
    }
    ff->clusters[ff->nclusters++] = c;
    return FO_OK;
}

static void cluster_free(ff_cluster *c)
{
    fo_flink_sim_free(c->sim);
    free(c->ns);
    free(c->name);
    free(c);
}

fo_rc ff_cluster_delete_locked(fo_fake_flink *ff, const char *ns, const char *name, fo_err *err)
{
    for (size_t i = 0; i < ff->nclusters; i++) {
        ff_cluster *c = ff->clusters[i];
        if (strcmp(c->ns, ns) != 0 || strcmp(c->name, name) != 0)
            continue;
        cluster_free(c);
        memmove(&ff->clusters[i], &ff->clusters[i + 1],
                (ff->nclusters - i - 1) * sizeof ff->clusters[0]);
        ff->nclusters--;
        pthread_cond_broadcast(&ff->hang_cv); /* its held requests answer "no cluster" */
        return FO_OK;
    }
    return fo_err_set(err, FO_ENOTFOUND, "no cluster %s/%s", ns, name);
}

json_t *ff_cluster_view_locked(fo_fake_flink *ff, const ff_cluster *c)
{
    (void)ff;
    static const char *const modes[] = {"none", "reset", "503", "hang"};
    json_t *v = fo_flink_sim_json_control(c->sim);
    json_object_set_new(v, "namespace", json_string(c->ns));
    json_object_set_new(v, "name", json_string(c->name));
    json_t *faults = json_object_get(v, "faults");
    json_object_set_new(faults, "unreachable", json_string(modes[c->unreachable]));
    json_object_set_new(faults, "delayMs", json_integer(c->delay_ms));
    return v;
}

/* ---- public API ---- */

fo_fake_flink *fo_fake_flink_start(const fo_fake_flink_opts *opts, fo_err *err)
{
    fo_fake_flink_opts none = {0};
    if (!opts)
        opts = &none;
    fo_fake_flink *ff = calloc(1, sizeof *ff);
    if (!ff) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&ff->mu, NULL);
    pthread_cond_init(&ff->hang_cv, NULL);
    ff->clock = opts->clock ? opts->clock : fo_clock_real();
    snprintf(ff->host, sizeof ff->host, "%s", opts->bind_addr ? opts->bind_addr : "127.0.0.1");
    if (!opts->no_server) {
        fo_httpd_opts ho = {.bind_addr = ff->host,
                            .port = opts->port,
                            .max_body_bytes = FO_FAKE_FLINK_MAX_BODY,
                            .threads = 0, /* a thread per connection: delays may sleep */
                            .handler = fo_fake_flink_handle,
                            .handler_ctx = ff};
        ff->srv = fo_httpd_start(&ho, err);
        if (!ff->srv) {
            fo_err_wrap(err, "fake-flink");
            pthread_cond_destroy(&ff->hang_cv);
            pthread_mutex_destroy(&ff->mu);
            free(ff);
            return NULL;
        }
    }
    return ff;
}

void fo_fake_flink_quiesce(fo_fake_flink *ff)
{
    if (!ff)
        return;
    pthread_mutex_lock(&ff->mu);
    ff->quiescing = true;
    pthread_cond_broadcast(&ff->hang_cv);
    pthread_mutex_unlock(&ff->mu);
}

size_t fo_fake_flink_held(fo_fake_flink *ff)
{
    pthread_mutex_lock(&ff->mu);
    size_t n = ff->held;
    pthread_mutex_unlock(&ff->mu);
    return n;
}

void fo_fake_flink_stop(fo_fake_flink *ff)
{
    if (!ff)
        return;
    fo_fake_flink_quiesce(ff); /* the listener's threads may hold requests */
    fo_httpd_stop(ff->srv);
    for (size_t i = 0; i < ff->nclusters; i++)
        cluster_free(ff->clusters[i]);
    for (size_t i = 0; i < ff->nsnaps; i++)
        free(ff->snaps[i].path);
    free(ff->snaps);
    for (size_t i = 0; i < ff->nha; i++)
        ha_free_entry(&ff->ha[i]);
    free(ff->ha);
    pthread_cond_destroy(&ff->hang_cv);
    pthread_mutex_destroy(&ff->mu);
    free(ff);
}

int fo_fake_flink_port(const fo_fake_flink *ff)
{
    return ff->srv ? fo_httpd_port(ff->srv) : 0;
}

void fo_fake_flink_cluster_url(const fo_fake_flink *ff, const char *ns, const char *name,
                               char *buf, size_t len)
{
    const char *host = strcmp(ff->host, "0.0.0.0") == 0 ? "127.0.0.1" : ff->host;
    snprintf(buf, len, "http://%s:%d/%s/%s", host, fo_fake_flink_port(ff), ns, name);
}

fo_rc fo_fake_flink_create(fo_fake_flink *ff, const char *ns, const char *name,
                           const json_t *spec, fo_err *err)
{
    pthread_mutex_lock(&ff->mu);
    ff_advance_all(ff);
    fo_rc rc = ff_cluster_create_locked(ff, ns, name, spec, err);
    pthread_mutex_unlock(&ff->mu);
    return rc;
}

fo_rc fo_fake_flink_delete(fo_fake_flink *ff, const char *ns, const char *name, fo_err *err)
{
    pthread_mutex_lock(&ff->mu);
    fo_rc rc = ff_cluster_delete_locked(ff, ns, name, err);
    pthread_mutex_unlock(&ff->mu);
    return rc;
}

bool fo_fake_flink_exists(fo_fake_flink *ff, const char *ns, const char *name)
{
    pthread_mutex_lock(&ff->mu);
    bool found = ff_cluster_find(ff, ns, name) != NULL;
    pthread_mutex_unlock(&ff->mu);
    return found;
}

json_t *fo_fake_flink_view(fo_fake_flink *ff, const char *ns, const char *name)
{
    pthread_mutex_lock(&ff->mu);
    ff_advance_all(ff);
    ff_cluster *c = ff_cluster_find(ff, ns, name);
    json_t *v = c ? ff_cluster_view_locked(ff, c) : NULL;
    pthread_mutex_unlock(&ff->mu);
    return v;
}

int fo_fake_flink_control(fo_fake_flink *ff, const char *method, const char *path,
                          const json_t *body, json_t **out)
{
    ff_response resp = {0};
    ff_control_handle(ff, method, path, body, &resp);
    if (out)
        *out = resp.body;
    else
        json_decref(resp.body);
    return resp.status;
}

int fo_fake_flink_ha_delete(fo_fake_flink *ff, const char *ns, const char *name)
{
    pthread_mutex_lock(&ff->mu);
    int n = ff_ha_delete_locked(ff, ns, name);
    pthread_mutex_unlock(&ff->mu);
    return n;
}

void fo_fake_flink_tick(fo_fake_flink *ff, int64_t ms)
{
    pthread_mutex_lock(&ff->mu);
    if (ms > 0)
        ff->offset_ms += ms;
    ff_advance_all(ff);
    pthread_mutex_unlock(&ff->mu);
}

int64_t fo_fake_flink_now_ms(fo_fake_flink *ff)
{
    pthread_mutex_lock(&ff->mu);
    int64_t now = ff_now_locked(ff);
    pthread_mutex_unlock(&ff->mu);
    return now;
}

/* ---- HTTP front end ---- */

static const char *req_query(void *ctx, const char *name)
{
    return fo_http_request_query(ctx, name);
}

static ssize_t drop_connection(void *ctx, char *buf, size_t max)
{
    (void)ctx;
    (void)buf;
    (void)max;
    return FO_HTTPD_STREAM_ABORT;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void send_json(fo_http_response *out, int status, json_t *body)
{
    char *text = body ? fo_json_dumps_compact(body) : strdup("");
    fo_http_response_take_body(out, status, "application/json; charset=UTF-8", text,
                               text ? strlen(text) : 0);
}

/* "/{ns}/{name}{rest}" -> ns, name and rest (rest "" becomes "/"). */
static bool split_cluster_path(const char *path, char *ns, size_t nslen, char *name,
                               size_t namelen, const char **rest)
{
    if (path[0] != '/')
        return false;
    const char *a = path + 1, *b = strchr(a, '/');
    if (!b || (size_t)(b - a) >= nslen || b == a)
        return false;
    const char *c = strchr(b + 1, '/');
    size_t n = c ? (size_t)(c - b - 1) : strlen(b + 1);
    if (n == 0 || n >= namelen)
        return false;
    snprintf(ns, nslen, "%.*s", (int)(b - a), a);
    snprintf(name, namelen, "%.*s", (int)n, b + 1);
    *rest = c ? c : "/";
    return true;
}

void fo_fake_flink_handle(void *ctx, const fo_http_request *req, fo_http_response *out)
{
    fo_fake_flink *ff = ctx;
    ff_response resp = {0};
    if (strncmp(req->path, "/_fake/", 7) == 0 || strcmp(req->path, "/_fake") == 0) {
        json_t *body = NULL;
        if (req->body_len) {
            body = fo_json_parse(req->body, req->body_len, FF_MAX_JSON_BODY, NULL);
            if (!body) {
                ff_error(&resp, 400, "request body is not JSON");
                send_json(out, resp.status, resp.body);
                json_decref(resp.body);
                return;
            }
        }
        ff_control_handle(ff, req->method, req->path, body, &resp);
        json_decref(body);
        send_json(out, resp.status, resp.body);
        json_decref(resp.body);
        return;
    }

    char ns[256], name[256];
    const char *rest;
    if (!split_cluster_path(req->path, ns, sizeof ns, name, sizeof name, &rest)) {
        ff_error(&resp, 404, "Not found: %s", req->path);
        send_json(out, resp.status, resp.body);
        json_decref(resp.body);
        return;
    }
    int unreachable = FF_REACHABLE;
    int64_t delay = 0;
    pthread_mutex_lock(&ff->mu);
    ff_cluster *c = ff_cluster_find(ff, ns, name);
    /* A JobManager that took the connection and answers nothing (a GC pause, an overloaded
     * one): the request waits, not acted on, until the fault is lifted. */
    while (c && c->unreachable == FF_HANG && !ff->quiescing) {
        ff->held++;
        pthread_cond_wait(&ff->hang_cv, &ff->mu);
        ff->held--;
        c = ff_cluster_find(ff, ns, name);
    }
    if (!c) {
        ff_error(&resp, 503, "fake-flink: no cluster %s/%s (JobManager not running)", ns, name);
        fo_http_response_header(out, "X-Fake-Flink", "no-cluster");
    } else if (c->unreachable != FF_REACHABLE) {
        unreachable = c->unreachable == FF_HANG ? FF_RESET : c->unreachable; /* quiescing */
        ff_error(&resp, 503, "fake-flink: cluster %s/%s is unreachable (fault injected)", ns,
                 name);
    } else {
        delay = c->delay_ms;
        fo_flink_sim_advance(c->sim, ff_now_locked(ff));
        ff_request r = {.method = req->method,
                        .path = rest,
                        .body = req->body,
                        .body_len = req->body_len,
                        .content_type = fo_http_request_header(req, "Content-Type"),
                        .query = req_query,
                        .query_ctx = (void *)req};
        ff_rest_handle(c->sim, &r, &resp);
    }
    pthread_mutex_unlock(&ff->mu);
    fo_log_debug("fake-flink %s %s -> %d", req->method, req->path, resp.status);
    if (delay > 0)
        sleep_ms(delay);
    if (unreachable == FF_RESET)
        fo_http_response_stream(out, 200, "application/json", drop_connection, NULL, NULL);
    else
        send_json(out, resp.status, resp.body);
    json_decref(resp.body);
}
