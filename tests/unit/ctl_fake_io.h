#ifndef FO_CTL_FAKE_IO_H
#define FO_CTL_FAKE_IO_H

/* In-memory fakes of the controller's I/O seams (controller/ctl_io.h) for unit suites:
 *
 * - a Kubernetes store: objects by kind and "ns/name", a global resourceVersion, server-set
 *   metadata (uid, creationTimestamp, generation bumps on spec changes), merge patches with
 *   resourceVersion preconditions, the status subresource, finalizers and deletionTimestamp,
 *   at most one controller ownerReference (422 otherwise) (kube-api-semantics.md §2, §4, §7,
 *   §8), and a log of every write. Cache reads hand out the
 *   stored objects themselves, as an informer hands out its snapshots (writes replace stored
 *   objects, never change them), and remember a copy of each: fake_check_snapshots asserts that
 *   nobody changed one. Injected failures: the next write, or the n-th write from now;
 * - a Flink REST API under the real common/flink_rest client (at its send seam): canned JSON
 *   answers by "METHOD path" below the cluster's base URL (200; 404 with Flink's error body
 *   when there is none), an "unreachable" switch (no HTTP answer at all), and a log of calls
 *   with their JSON bodies;
 * - an Event sink.
 *
 * Header-only (static inline) so each suite that includes it gets its own copy. Test code:
 * failures abort through Check's ck_assert. Not thread-safe. */

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_rest.h"
#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "controller/ctl_io.h"

#define FAKE_MAX_LOG 512

typedef struct fake_write {
    char verb[16]; /* create, patch, status, delete */
    fo_ctl_kind kind;
    char name[256];
    json_t *body; /* what was sent (patch or object), or NULL */
} fake_write;

typedef struct fake_kube {
    json_t *store[FO_CTL_KIND_COUNT]; /* "ns/name" -> object */
    uint64_t rv;
    int uid_seq;
    fake_write log[FAKE_MAX_LOG];
    size_t nlog;
    fo_rc fail_next; /* the next write fails with this code (then resets) */
    int fail_in;     /* > 0: the fail_in-th write from now fails with fail_rc ("killed") */
    fo_rc fail_rc;
    int writes;     /* writes attempted, failed ones included */
    json_t *handed; /* [[snapshot, copy when handed out], ...] since the last check */
    const fo_clock *clock;
    json_t *core_events; /* core/v1 Events the API server holds (events_about reads them) */
    int event_lists;     /* events_about calls */
} fake_kube;

typedef struct fake_flink {
    json_t *answers;      /* "GET /jobs/overview" -> JSON */
    bool unreachable;     /* no request reaches Flink: no answer at all (FO_EUNAVAIL) */
    char lose_prefix[64]; /* calls starting with this reach Flink, but their answers never */
    int lose_times;       /* come back (FO_ETIMEOUT), this many times */
    char calls[FAKE_MAX_LOG][256];
    char hosts[FAKE_MAX_LOG][128]; /* parallel to calls: "http://host:port" of the request */
    bool received[FAKE_MAX_LOG];   /* parallel to calls: the request reached Flink */
    long timeouts[FAKE_MAX_LOG];   /* parallel to calls: the timeout the request was given */
    size_t ncalls;
    json_t *bodies; /* array of request bodies (or null), parallel to calls */
} fake_flink;

typedef struct fake_events {
    size_t n;
    struct {
        fo_event_type type;
        char component[32];
        char reason[64];
        char message[1024];
    } ev[256];
} fake_events;

typedef struct fake_world {
    fake_kube kube;
    fake_flink flink;
    fake_events events;
    fo_clock *clock;
    fo_flink_rest *flink_rest;         /* over flink */
    fo_flink_rest *flink_rest_patient; /* over flink, reads at the full timeout */
    fo_ctl_settings settings;
    fo_ctl_env env;
    int job_seq;
} fake_world;

/* ---- Kubernetes store ---- */

static inline char *fake_key(const char *ns, const char *name)
{
    char *k = NULL;
    ck_assert(asprintf(&k, "%s/%s", ns ? ns : "", name ? name : "") > 0);
    return k;
}

static inline void fake_log(fake_kube *k, const char *verb, fo_ctl_kind kind, const char *name,
                            const json_t *body)
{
    ck_assert_uint_lt(k->nlog, FAKE_MAX_LOG);
    fake_write *w = &k->log[k->nlog++];
    snprintf(w->verb, sizeof w->verb, "%s", verb);
    w->kind = kind;
    snprintf(w->name, sizeof w->name, "%s", name ? name : "");
    w->body = body ? json_deep_copy(body) : NULL;
}

static inline void fake_bump(fake_kube *k, json_t *obj)
{
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)++k->rv);
    json_object_set_new(fo_json_ensure_object(obj, "metadata"), "resourceVersion", json_string(rv));
}

/* Put an object into the store as the server would keep it (test setup; not logged). */
static inline json_t *fake_put(fake_kube *k, const json_t *obj)
{
    fo_ctl_kind kind = fo_ctl_kind_of(obj);
    ck_assert_int_lt(kind, FO_CTL_KIND_COUNT);
    json_t *copy = json_deep_copy(obj);
    json_t *meta = fo_json_ensure_object(copy, "metadata");
    if (!fo_json_str(meta, "uid")) {
        char uid[64];
        snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012d", ++k->uid_seq);
        json_object_set_new(meta, "uid", json_string(uid));
    }
    if (!json_object_get(meta, "generation") &&
        (kind == FO_CTL_FLINK_DEPLOYMENT || kind == FO_CTL_DEPLOYMENT))
        json_object_set_new(meta, "generation", json_integer(1));
    fake_bump(k, copy);
    char *key = fake_key(fo_json_str(meta, "namespace"), fo_json_str(meta, "name"));
    json_object_set_new(k->store[kind], key, copy);
    free(key);
    return copy;
}

/* Borrowed stored object or NULL. */
static inline json_t *fake_get(fake_kube *k, fo_ctl_kind kind, const char *ns, const char *name)
{
    char *key = fake_key(ns, name);
    json_t *o = json_object_get(k->store[kind], key);
    free(key);
    return o;
}

static inline void fake_drop(fake_kube *k, fo_ctl_kind kind, const char *ns, const char *name)
{
    char *key = fake_key(ns, name);
    json_object_del(k->store[kind], key);
    free(key);
}

/* Make the n-th write from now fail with rc (n = 1: the next one). */
static inline void fake_fail_write(fake_kube *k, int n, fo_rc rc)
{
    k->fail_in = n;
    k->fail_rc = rc;
}

static inline bool fake_fail(fake_kube *k, fo_err *err)
{
    k->writes++;
    if (k->fail_in > 0 && --k->fail_in == 0) {
        fo_err_set(err, k->fail_rc, "injected failure of write %d", k->writes);
        return true;
    }
    if (k->fail_next == FO_OK)
        return false;
    fo_err_set(err, k->fail_next, "injected failure");
    k->fail_next = FO_OK;
    return true;
}

/* A stored object handed out as a cache snapshot (shared, never to be changed). */
static inline json_t *fake_hand_out(fake_kube *k, json_t *o)
{
    json_array_append_new(k->handed, json_pack("[O, o]", o, fo_json_copy(o))); /* keys whole */
    return json_incref(o);
}

/* Every snapshot handed out since the last check is as it was: nobody changed a shared one. */
static inline void fake_check_snapshots(fake_kube *k)
{
    size_t i;
    json_t *pair;
    json_array_foreach(k->handed, i, pair)
    {
        json_t *now = json_array_get(pair, 0), *then = json_array_get(pair, 1);
        char *text = fo_json_equal(now, then) ? NULL : fo_json_dumps_compact(now);
        ck_assert_msg(!text, "a cache snapshot was changed: %s", text ? text : "");
    }
    json_array_clear(k->handed);
}

static inline json_t *fk_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    json_t *o = fake_get(ctx, kind, ns, name);
    return o ? fake_hand_out(ctx, o) : NULL;
}

static inline json_t *fk_cached_list(void *ctx, fo_ctl_kind kind, const char *ns,
                                     const json_t *labels)
{
    fake_kube *k = ctx;
    json_t *out = json_array();
    const char *key;
    json_t *o;
    json_object_foreach(k->store[kind], key, o)
    {
        const char *ons = fo_json_get_str(o, "metadata.namespace");
        if (ns && (!ons || strcmp(ons, ns) != 0))
            continue;
        bool match = true;
        const char *lk;
        json_t *lv;
        json_object_foreach((json_t *)labels, lk, lv)
        {
            if (!fo_json_equal(json_object_get(fo_json_get(o, "metadata.labels"), lk), lv))
                match = false;
        }
        if (match)
            json_array_append_new(out, fake_hand_out(k, o));
    }
    return out;
}

static inline fo_rc fk_get(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                           json_t **out, fo_err *err)
{
    json_t *o = fake_get(ctx, kind, ns, name);
    if (!o)
        return fo_err_set(err, FO_ENOTFOUND, "%s \"%s\" not found", fo_ctl_kind_get(kind)->resource,
                          name);
    *out = json_deep_copy(o);
    return FO_OK;
}

/* The API server's check of metadata.ownerReferences (kube-api-semantics.md §8): at most one
 * reference says controller: true, else 422 Invalid. */
static inline fo_rc fake_check_owners(const json_t *obj, fo_err *err)
{
    size_t i, controllers = 0;
    json_t *ref;
    json_array_foreach(fo_json_get(obj, "metadata.ownerReferences"), i, ref)
    {
        if (json_is_true(json_object_get(ref, "controller")))
            controllers++;
    }
    if (controllers > 1)
        return fo_err_set(err, FO_EINVALID,
                          "metadata.ownerReferences: Invalid value: Only one reference can have "
                          "Controller set to true");
    return FO_OK;
}

static inline fo_rc fk_create(void *ctx, fo_ctl_kind kind, const json_t *obj, json_t **out,
                              fo_err *err)
{
    fake_kube *k = ctx;
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    const char *name = fo_json_get_str(obj, "metadata.name");
    if (fake_fail(k, err))
        return err->rc;
    if (fake_get(k, kind, ns, name))
        return fo_err_set(err, FO_EEXISTS, "%s \"%s\" already exists",
                          fo_ctl_kind_get(kind)->resource, name);
    if (fake_check_owners(obj, err) != FO_OK)
        return err->rc;
    fake_log(k, "create", kind, name, obj);
    json_t *stored = fake_put(k, obj);
    char ts[40];
    json_object_set_new(
        json_object_get(stored, "metadata"), "creationTimestamp",
        json_string(fo_clock_format_rfc3339(fo_clock_now_ms(k->clock), false, ts, sizeof ts)));
    if (out)
        *out = json_deep_copy(stored);
    return FO_OK;
}

static inline fo_rc fk_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                             bool status, const json_t *patch, json_t **out, fo_err *err)
{
    fake_kube *k = ctx;
    if (fake_fail(k, err))
        return err->rc;
    json_t *o = fake_get(k, kind, ns, name);
    if (!o)
        return fo_err_set(err, FO_ENOTFOUND, "%s \"%s\" not found", fo_ctl_kind_get(kind)->resource,
                          name);
    const char *want_rv = fo_json_get_str(patch, "metadata.resourceVersion");
    const char *rv = fo_json_get_str(o, "metadata.resourceVersion");
    if (want_rv && (!rv || strcmp(want_rv, rv) != 0))
        return fo_err_set(err, FO_ECONFLICT, "the object has been modified");
    if (!status) { /* a refused write is not stored (nor logged, as other failures) */
        json_t *after = fo_json_merge_patch_apply(o, patch);
        fo_rc orc = fake_check_owners(after, err);
        json_decref(after);
        if (orc != FO_OK)
            return orc;
    }
    fake_log(k, status ? "status" : "patch", kind, name, patch);
    json_t *next;
    if (status) {
        next = json_deep_copy(o);
        json_t *empty = json_object();
        json_t *old = json_object_get(o, "status");
        json_t *st = fo_json_merge_patch_apply(old ? old : empty, json_object_get(patch, "status"));
        json_decref(empty);
        json_object_set_new(next, "status", st);
    } else {
        json_t *p = json_deep_copy(patch);
        json_object_del(p, "status");
        next = fo_json_merge_patch_apply(o, p);
        json_decref(p);
        /* Server-owned metadata survives whatever the patch says (§2). */
        json_t *nm = json_object_get(next, "metadata");
        const char *keep[] = {"uid", "creationTimestamp", "deletionTimestamp", "generation"};
        for (size_t i = 0; i < 4; i++) {
            json_t *v = json_object_get(fo_json_get(o, "metadata"), keep[i]);
            if (v)
                json_object_set(nm, keep[i], v);
            else
                json_object_del(nm, keep[i]);
        }
        if (!fo_json_equal(json_object_get(o, "spec"), json_object_get(next, "spec"))) {
            int64_t g = 0;
            if (fo_json_get_int(o, "metadata.generation", &g))
                json_object_set_new(nm, "generation", json_integer(g + 1));
        }
    }
    fake_bump(k, next);
    bool gone = fo_json_get(next, "metadata.deletionTimestamp") &&
                json_array_size(fo_json_get(next, "metadata.finalizers")) == 0;
    char *key = fake_key(ns, name);
    if (gone)
        json_object_del(k->store[kind], key);
    else
        json_object_set(k->store[kind], key, next);
    free(key);
    if (out)
        *out = gone ? NULL : json_deep_copy(next);
    json_decref(next);
    return FO_OK;
}

static inline fo_rc fk_remove(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                              const char *uid, const char *propagation, fo_err *err)
{
    (void)propagation;
    fake_kube *k = ctx;
    if (fake_fail(k, err))
        return err->rc;
    json_t *o = fake_get(k, kind, ns, name);
    if (!o)
        return fo_err_set(err, FO_ENOTFOUND, "%s \"%s\" not found", fo_ctl_kind_get(kind)->resource,
                          name);
    if (uid && strcmp(uid, fo_json_get_str(o, "metadata.uid")) != 0)
        return fo_err_set(err, FO_ECONFLICT, "Precondition failed: UID");
    fake_log(k, "delete", kind, name, NULL);
    if (json_array_size(fo_json_get(o, "metadata.finalizers")) > 0) {
        if (!fo_json_get(o, "metadata.deletionTimestamp")) {
            json_t *next = json_deep_copy(o); /* stored objects are replaced, never changed */
            char ts[40];
            json_object_set_new(json_object_get(next, "metadata"), "deletionTimestamp",
                                json_string(fo_clock_format_rfc3339(fo_clock_now_ms(k->clock),
                                                                    false, ts, sizeof ts)));
            fake_bump(k, next);
            char *key = fake_key(ns, name);
            json_object_set_new(k->store[kind], key, next);
            free(key);
        }
        return FO_OK;
    }
    fake_drop(k, kind, ns, name);
    return FO_OK;
}

/* Writes since index `from` with this verb and kind (kind FO_CTL_KIND_COUNT = any). */
/* events_about: the stored core/v1 Events selected by involvedObject.uid and reason, as the
 * API server's field selector selects them. */
static inline fo_rc fk_events_about(void *ctx, const char *ns, const char *uid, const char *reason,
                                    json_t **items, fo_err *err)
{
    fake_kube *k = ctx;
    (void)err;
    k->event_lists++;
    *items = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(k->core_events, i, e)
    {
        const char *ens = fo_json_get_str(e, "metadata.namespace");
        const char *euid = fo_json_get_str(e, "involvedObject.uid");
        const char *er = fo_json_str(e, "reason");
        if (ens && strcmp(ens, ns) == 0 && euid && strcmp(euid, uid) == 0 && er &&
            strcmp(er, reason) == 0)
            json_array_append_new(*items, json_deep_copy(e));
    }
    return FO_OK;
}

static inline int fake_count(const fake_kube *k, size_t from, const char *verb, fo_ctl_kind kind)
{
    int n = 0;
    for (size_t i = from; i < k->nlog; i++)
        if ((!verb || strcmp(k->log[i].verb, verb) == 0) &&
            (kind == FO_CTL_KIND_COUNT || k->log[i].kind == kind))
            n++;
    return n;
}

/* Index of the first write at or after `from` with this verb and kind, or -1. */
static inline int fake_find(const fake_kube *k, size_t from, const char *verb, fo_ctl_kind kind)
{
    for (size_t i = from; i < k->nlog; i++)
        if (strcmp(k->log[i].verb, verb) == 0 &&
            (kind == FO_CTL_KIND_COUNT || k->log[i].kind == kind))
            return (int)i;
    return -1;
}

/* ---- Flink ---- */

static inline void fake_flink_answer(fake_flink *f, const char *method_path, json_t *answer)
{
    json_object_set_new(f->answers, method_path, answer);
}

/* The send seam of fo_flink_rest (fo_http_client_request's contract). */
static inline fo_rc ff_send(void *ctx, const char *method, const char *url,
                            const fo_http_header *headers, size_t nheaders, const char *body,
                            size_t body_len, long timeout_ms, fo_http_result *res, fo_err *err)
{
    (void)headers;
    (void)nheaders;
    fake_flink *f = ctx;
    memset(res, 0, sizeof *res);
    res->retry_after_s = -1;
    fo_strbuf_init(&res->body, FO_FLINK_REST_MAX_BODY);
    /* The base URL is http://flink.test/{namespace}/{name}: keep the path after it. */
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : url;
    int slashes = 0;
    while (p && *p && slashes < 2) {
        p = strchr(p + 1, '/');
        slashes++;
    }
    char key[512];
    snprintf(key, sizeof key, "%s %s", method, p ? p : "/");
    ck_assert_uint_lt(f->ncalls, FAKE_MAX_LOG);
    const char *auth = strstr(url, "://");
    size_t hlen = auth ? (size_t)(auth + 3 - url) + strcspn(auth + 3, "/") : 0;
    snprintf(f->hosts[f->ncalls], sizeof f->hosts[0], "%.*s", (int)hlen, url);
    f->received[f->ncalls] = !f->unreachable;
    f->timeouts[f->ncalls] = timeout_ms;
    snprintf(f->calls[f->ncalls++], sizeof f->calls[0], "%s", key);
    json_t *sent = body && body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
    json_array_append_new(f->bodies, sent ? sent : json_null());
    if (f->unreachable)
        return fo_err_set(err, FO_EUNAVAIL, "connection refused");
    if (f->lose_times > 0 && strncmp(key, f->lose_prefix, strlen(f->lose_prefix)) == 0) {
        f->lose_times--;
        return fo_err_set(err, FO_ETIMEOUT, "no answer within the timeout");
    }
    char *q = strchr(key, '?');
    json_t *a = json_object_get(f->answers, key);
    if (!a && q) {
        *q = '\0';
        a = json_object_get(f->answers, key);
    }
    /* Flink's error body: {"errors": ["Not found: /path"]} (rest_v1_dispatcher.yml). */
    json_t *answer = a ? json_incref(a) : json_pack("{s:[s]}", "errors", "Not found: fake flink");
    /* A trigger request that names its triggerId gets it back as the operation's request-id
     * (rest_v1_dispatcher.yml: TriggerId; Flink keeps triggers idempotent by that id). */
    const char *tid = fo_json_str(json_array_get(f->bodies, f->ncalls - 1), "triggerId");
    if (a && tid && json_object_get(a, "request-id")) {
        json_t *echo = json_deep_copy(a);
        json_object_set_new(echo, "request-id", json_string(tid));
        json_decref(answer);
        answer = echo;
    }
    /* A canned ErrorResponseBody is answered as Flink's handlers answer the RestHandlerException
     * of something they do not have ("Checkpointing has not been enabled."): 404. */
    bool error_body = a && json_object_size(a) == 1 && json_is_array(json_object_get(a, "errors"));
    res->status = a && !error_body ? 200 : 404;
    char *text = fo_json_dumps_compact(answer);
    json_decref(answer);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(fo_strbuf_puts(&res->body, text), FO_OK);
    free(text);
    snprintf(res->content_type, sizeof res->content_type, "application/json; charset=UTF-8");
    return FO_OK;
}

static inline int fake_flink_calls(const fake_flink *f, const char *prefix)
{
    int n = 0;
    for (size_t i = 0; i < f->ncalls; i++)
        if (strncmp(f->calls[i], prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

/* ---- events ---- */

static inline void fe_record(void *ctx, const json_t *obj, const char *component,
                             fo_event_type type, const char *reason, const char *message)
{
    (void)obj;
    fake_events *e = ctx;
    ck_assert_uint_lt(e->n, 256);
    e->ev[e->n].type = type;
    snprintf(e->ev[e->n].component, sizeof e->ev[e->n].component, "%s",
             component ? component : "");
    snprintf(e->ev[e->n].reason, sizeof e->ev[e->n].reason, "%s", reason);
    snprintf(e->ev[e->n].message, sizeof e->ev[e->n].message, "%s", message);
    e->n++;
}

static inline int fake_events_count(const fake_events *e, const char *reason)
{
    int n = 0;
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->ev[i].reason, reason) == 0)
            n++;
    return n;
}

/* The component of the last event with this reason ("" when there is none). */
static inline const char *fake_events_component(const fake_events *e, const char *reason)
{
    for (size_t i = e->n; i-- > 0;)
        if (strcmp(e->ev[i].reason, reason) == 0)
            return e->ev[i].component;
    return "";
}

/* ---- the world ---- */

static inline void fake_job_id(void *ctx, char out[33])
{
    fake_world *w = ctx;
    snprintf(out, 33, "%032x", ++w->job_seq);
}

static inline fake_world *fake_world_new(void)
{
    fake_world *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->clock = fo_clock_fake_new(1776676500000LL); /* 2026-04-20T09:15:00Z */
    w->kube.clock = w->clock;
    w->kube.handed = json_array();
    w->kube.core_events = json_array();
    for (int i = 0; i < FO_CTL_KIND_COUNT; i++)
        w->kube.store[i] = json_object();
    w->flink.answers = json_object();
    w->flink.bodies = json_array();
    fo_ctl_settings_defaults(&w->settings);
    w->settings.rest_url_template = "http://flink.test/{namespace}/{name}";
    w->env.kube = (fo_ctl_kube){&w->kube,  fk_cached, fk_cached_list, fk_get,
                                fk_create, fk_patch,  fk_remove,      fk_events_about};
    fo_flink_rest_opts fro = {.send = ff_send, .send_ctx = &w->flink};
    w->flink_rest = fo_flink_rest_new(&fro, NULL);
    ck_assert_ptr_nonnull(w->flink_rest);
    w->env.flink = w->flink_rest;
    fro.read_timeout_ms = FO_FLINK_REST_TIMEOUT_MS;
    w->flink_rest_patient = fo_flink_rest_new(&fro, NULL);
    ck_assert_ptr_nonnull(w->flink_rest_patient);
    w->env.flink_patient = w->flink_rest_patient;
    w->env.events = (fo_ctl_events){&w->events, fe_record};
    w->env.clock = w->clock;
    w->env.settings = &w->settings;
    w->env.new_id = fake_job_id;
    w->env.new_id_ctx = w;
    w->env.own_writes = fo_own_writes_new(); /* as the process tracks them */
    ck_assert_ptr_nonnull(w->env.own_writes);
    return w;
}

static inline void fake_world_free(fake_world *w)
{
    for (int i = 0; i < FO_CTL_KIND_COUNT; i++)
        json_decref(w->kube.store[i]);
    for (size_t i = 0; i < w->kube.nlog; i++)
        json_decref(w->kube.log[i].body);
    json_decref(w->kube.handed);
    json_decref(w->kube.core_events);
    json_decref(w->flink.answers);
    json_decref(w->flink.bodies);
    fo_flink_rest_free(w->flink_rest);
    fo_flink_rest_free(w->flink_rest_patient);
    fo_own_writes_free(w->env.own_writes);
    fo_clock_free(w->clock);
    free(w);
}

#endif
