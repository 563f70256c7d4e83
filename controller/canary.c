/* Canary resources: what passes saw, the periodic change that asks for a pass, overdue. */
#include "controller/canary.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_conf.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/log.h"

typedef struct entry {
    char ns[64], name[256], uid[64];
    int64_t seen_gen; /* the highest generation a pass saw */
    /* The exercise still unseen: a pass must see a generation above base_gen (the cached one
     * the write started from); -1 = none waits. */
    int64_t base_gen;
    int64_t pending_since_ms; /* when that wait began (monotonic) */
    int64_t exercised_ms;     /* the last exercise (monotonic) */
    bool exercised;           /* there was one */
    bool reported;            /* its being overdue was logged */
    bool landed;              /* the write that began the wait was accepted */
    /* The last write was refused for good (refused_for_good): its HTTP code, else 0. */
    int refused_code;
    char refused_reason[64], refused_message[512];
    /* The cache holds a stub of it (common/kube_oversized.h): why, else "". */
    char oversized[384];
} entry;

struct fo_canary {
    pthread_mutex_t mu;
    entry *v;
    size_t n, cap;
    int64_t timeout_ms;
    bool full_reported; /* FO_CANARY_MAX was reached and said so */
};

typedef struct target {
    char ns[64], name[256], uid[64];
} target;

fo_canary *fo_canary_new(void)
{
    fo_canary *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->mu, NULL);
    t->timeout_ms = FO_CANARY_TIMEOUT_DEFAULT_MS;
    return t;
}

void fo_canary_free(fo_canary *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t->v);
    free(t);
}

fo_rc fo_canary_timeout_from(const json_t *flat_conf, int64_t *ms, fo_err *err)
{
    *ms = FO_CANARY_TIMEOUT_DEFAULT_MS;
    const char *v = fo_json_str(flat_conf, FO_CANARY_TIMEOUT_KEY);
    if (!v)
        return FO_OK;
    int64_t got = 0;
    fo_err why;
    fo_err_clear(&why);
    if (fo_flink_duration_parse(v, &got, &why) != FO_OK)
        return fo_err_set(err, FO_EINVAL, "%s: %s", FO_CANARY_TIMEOUT_KEY, why.message);
    if (got <= 0)
        return fo_err_set(err, FO_EINVAL, "%s: '%.60s' is not a positive duration",
                          FO_CANARY_TIMEOUT_KEY, v);
    *ms = got;
    return FO_OK;
}

void fo_canary_set_timeout_ms(fo_canary *t, int64_t timeout_ms)
{
    if (timeout_ms <= 0)
        return;
    pthread_mutex_lock(&t->mu);
    t->timeout_ms = timeout_ms;
    pthread_mutex_unlock(&t->mu);
}

int64_t fo_canary_timeout_ms(fo_canary *t)
{
    pthread_mutex_lock(&t->mu);
    int64_t ms = t->timeout_ms;
    pthread_mutex_unlock(&t->mu);
    return ms;
}

/* Under t->mu. */
static entry *find(fo_canary *t, const char *ns, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].ns, ns) == 0 && strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    return NULL;
}

static bool waiting(const entry *e)
{
    return e->base_gen >= 0 && e->seen_gen <= e->base_gen;
}

static void reset(entry *e, const char *uid, int64_t gen)
{
    snprintf(e->uid, sizeof e->uid, "%s", uid);
    e->seen_gen = gen;
    e->base_gen = -1;
    e->pending_since_ms = e->exercised_ms = 0;
    e->exercised = e->reported = e->landed = false;
    e->refused_code = 0;
    e->refused_reason[0] = e->refused_message[0] = e->oversized[0] = '\0';
}

void fo_canary_seen(fo_canary *t, const char *ns, const char *name, const json_t *canary)
{
    const char *uid = canary ? fo_json_get_str(canary, "metadata.uid") : NULL;
    int64_t gen = 0;
    if (canary)
        fo_json_get_int(canary, "metadata.generation", &gen);
    if (!uid)
        uid = "";
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, ns, name);
    if (!canary) {
        if (e) {
            fo_log_info("canary %s/%s no longer tracked", ns, name);
            *e = t->v[--t->n];
        }
    } else if (e && strcmp(e->uid, uid) != 0) {
        reset(e, uid, gen); /* made again under the same name: generations start over */
    } else if (e) {
        if (e->reported && waiting(e) && gen > e->base_gen)
            fo_log_info("canary %s/%s reconciled again (generation %lld)", ns, name,
                        (long long)gen);
        if (gen > e->seen_gen)
            e->seen_gen = gen;
        if (!waiting(e))
            e->reported = false;
    } else if (t->n == FO_CANARY_MAX) {
        if (!t->full_reported)
            fo_log_warn("canary %s/%s not tracked: %d canaries are already", ns, name,
                        FO_CANARY_MAX);
        t->full_reported = true;
    } else {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            entry *v = realloc(t->v, cap * sizeof *v);
            if (!v) {
                pthread_mutex_unlock(&t->mu);
                fo_log_error("canary %s/%s not tracked: out of memory", ns, name);
                return;
            }
            t->v = v;
            t->cap = cap;
        }
        e = &t->v[t->n++];
        memset(e, 0, sizeof *e);
        snprintf(e->ns, sizeof e->ns, "%s", ns);
        snprintf(e->name, sizeof e->name, "%s", name);
        reset(e, uid, gen);
        char every[48];
        fo_log_info("canary %s/%s tracked: a pass must see each change of it within %s", ns, name,
                    fo_flink_duration_format_iso(t->timeout_ms, every, sizeof every));
    }
    pthread_mutex_unlock(&t->mu);
}

/* The canaries due at now (copies, *n of them; caller frees); logs the ones that turned overdue,
 * once. Takes t->mu. */
static target *due(fo_canary *t, int64_t now_ms, size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&t->mu);
    target *out = t->n ? calloc(t->n, sizeof *out) : NULL;
    for (size_t i = 0; i < t->n; i++) {
        entry *e = &t->v[i];
        if (waiting(e) && !e->reported && now_ms - e->pending_since_ms > t->timeout_ms) {
            fo_log_error("canary %s/%s overdue: no pass saw its change of %lld ms ago "
                         "(generation above %lld) within the timeout of %lld ms",
                         e->ns, e->name, (long long)(now_ms - e->pending_since_ms),
                         (long long)e->base_gen, (long long)t->timeout_ms);
            e->reported = true;
        }
        if (out && (!e->exercised || now_ms - e->exercised_ms >= t->timeout_ms)) {
            memcpy(out[*n].ns, e->ns, sizeof e->ns);
            memcpy(out[*n].name, e->name, sizeof e->name);
            memcpy(out[*n].uid, e->uid, sizeof e->uid);
            (*n)++;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return out;
}

/* The entry of c under its uid, or NULL when it is no longer tracked so. Under t->mu. */
static entry *find_target(fo_canary *t, const target *c)
{
    entry *e = find(t, c->ns, c->name);
    return e && strcmp(e->uid, c->uid) == 0 ? e : NULL;
}

/* Record the exercise of c at now_ms (the next one is a timeout later). stub: why its cached
 * object is a stub, which is not written; NULL: a whole object, whose write from generation
 * gen is about to be sent, and whose change a pass must see from now on. False when c is no
 * longer tracked under its uid: nothing is written. */
static bool claim(fo_canary *t, const target *c, const char *stub, int64_t gen, int64_t now_ms)
{
    pthread_mutex_lock(&t->mu);
    entry *e = find_target(t, c);
    if (e) {
        if (!stub && !waiting(e)) { /* an unseen change keeps its wait: the oldest one counts */
            e->base_gen = gen;
            e->pending_since_ms = now_ms;
            e->reported = false;
            e->landed = false;
        }
        e->exercised = true;
        e->exercised_ms = now_ms;
        if (stub && !e->oversized[0])
            fo_log_warn("canary %s/%s not exercised: its cached object is a stub without its "
                        "spec, whose restartNonce cannot be read (%s); a canary needs no spec",
                        c->ns, c->name, stub);
        else if (!stub && e->oversized[0])
            fo_log_info("canary %s/%s exercised again: its object is cached whole", c->ns, c->name);
        snprintf(e->oversized, sizeof e->oversized, "%s", stub ? stub : "");
    }
    pthread_mutex_unlock(&t->mu);
    return e != NULL;
}

/* A refusal that every later write of the same change would get as well: the request was
 * malformed (400), is not permitted (403: RBAC, or an admission webhook such as Gatekeeper's),
 * or the object it would make is refused (422: the schema, a CEL rule, a validating admission
 * policy); a 409 that is no Conflict (a webhook's denial with that code: the API server's own
 * stale-resourceVersion answer has reason Conflict, kube-api-semantics.md section 3). A
 * restart mends none of them. Not: 404 (the canary is gone: the next pass forgets it), a
 * Conflict (the cache was behind: the next write starts from a newer object), 401, 429, 5xx
 * and errors without an answer (http_status 0), which a restart may mend. */
static bool refused_for_good(const fo_err *err)
{
    switch (err->http_status) {
    case 400:
    case 403:
    case 422:
        return true;
    case 409:
        return strcmp(err->reason, "Conflict") != 0;
    default:
        return false;
    }
}

/* What became of the write of c (rc, err). A refusal for good ends the wait claim began, or
 * an earlier one for a change a failed write never made: nothing changed that a pass could
 * see, and the API server answering shows it is reached. Any other failure keeps the wait (a
 * restart may mend it), and so does every answer while a change written is still unseen. */
static void settle(fo_canary *t, const target *c, fo_rc rc, const fo_err *err)
{
    pthread_mutex_lock(&t->mu);
    entry *e = find_target(t, c);
    if (!e) {
        pthread_mutex_unlock(&t->mu);
        return;
    }
    if (rc != FO_OK && refused_for_good(err)) {
        if (waiting(e) && !e->landed) {
            e->base_gen = -1;
            e->reported = false;
        }
        e->refused_code = err->http_status;
        snprintf(e->refused_reason, sizeof e->refused_reason, "%s", err->reason);
        snprintf(e->refused_message, sizeof e->refused_message, "%s", err->message);
        /* once a timeout at most: the next write is a timeout later */
        fo_log_error("canary %s/%s not exercised: its spec.restartNonce change was refused "
                     "(HTTP %d%s%s): %s; it fails no health check until a change is accepted",
                     c->ns, c->name, err->http_status, err->reason[0] ? " " : "", err->reason,
                     err->message);
    } else {
        if (e->refused_code && rc == FO_OK)
            fo_log_info("canary %s/%s exercised again: its spec.restartNonce change was accepted",
                        c->ns, c->name);
        e->refused_code = 0;
        e->refused_reason[0] = e->refused_message[0] = '\0';
        if (rc == FO_OK)
            e->landed = true; /* the wait is for a change that exists */
        else
            fo_log_warn("canary %s/%s: spec.restartNonce not raised (%s): %s", c->ns, c->name,
                        fo_rc_name(rc), err->message);
    }
    pthread_mutex_unlock(&t->mu);
}

/* Raise c's spec.restartNonce from the cached object. True when a write was tried. Its wait
 * starts when this write is sent: the writes before it in the same exercise may have taken
 * most of a timeout (many canaries, a slow API server). */
static bool exercise_one(fo_canary *t, const fo_ctl_env *env, const target *c)
{
    json_t *obj = env->kube.cached(env->kube.ctx, FO_CTL_FLINK_DEPLOYMENT, c->ns, c->name);
    const char *uid = fo_json_get_str(obj, "metadata.uid");
    const char *rv = fo_json_get_str(obj, "metadata.resourceVersion");
    /* gone, made again or no canary any more: the pass that follows forgets it */
    if (!obj || !fo_flink_is_canary(obj) || fo_json_get(obj, "metadata.deletionTimestamp") ||
        strcmp(uid ? uid : "", c->uid) != 0 || !rv) {
        json_decref(obj);
        return false;
    }
    /* A stub has no spec: the nonce written would always be 1, the same value from the second
     * time on, which changes nothing, and the canary would turn overdue for ever. Reading the
     * object whole to learn one number is what the stub is there to prevent. */
    const char *stub = fo_kube_oversized(obj);
    if (stub) {
        claim(t, c, stub, 0, fo_clock_mono_ms(env->clock));
        json_decref(obj);
        return false;
    }
    int64_t gen = 0, nonce = 0;
    fo_json_get_int(obj, "metadata.generation", &gen);
    fo_json_get_int(obj, "spec.restartNonce", &nonce);
    nonce = nonce >= 0 && nonce < INT64_MAX ? nonce + 1 : 1;
    json_t *patch = json_pack("{s:{s:s}, s:{s:I}}", "metadata", "resourceVersion", rv, "spec",
                              "restartNonce", (json_int_t)nonce);
    json_decref(obj);
    bool tried = false;
    if (patch && claim(t, c, NULL, gen, fo_clock_mono_ms(env->clock))) {
        fo_err err;
        fo_err_clear(&err);
        fo_rc rc = env->kube.patch(env->kube.ctx, FO_CTL_FLINK_DEPLOYMENT, c->ns, c->name, false,
                                   patch, NULL, &err);
        settle(t, c, rc, &err);
        tried = true;
    }
    json_decref(patch);
    return tried;
}

int fo_canary_exercise(fo_canary *t, const fo_ctl_env *env, int64_t now_ms)
{
    size_t n = 0;
    target *todo = due(t, now_ms, &n);
    int writes = 0;
    for (size_t i = 0; i < n; i++)
        writes += exercise_one(t, env, &todo[i]) ? 1 : 0;
    free(todo);
    return writes;
}

json_t *fo_canary_report(fo_canary *t, int64_t now_ms, size_t *tracked)
{
    json_t *out = json_array();
    pthread_mutex_lock(&t->mu);
    if (tracked)
        *tracked = t->n;
    for (size_t i = 0; i < t->n; i++) {
        const entry *e = &t->v[i];
        int64_t unseen = now_ms - e->pending_since_ms;
        if (!waiting(e) || unseen <= t->timeout_ms)
            continue;
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "kind",
                                             "FlinkDeployment", "namespace", e->ns, "name", e->name,
                                             "overdueMs", (json_int_t)(unseen - t->timeout_ms),
                                             "unseenForMs", (json_int_t)unseen, "generationSeen",
                                             (json_int_t)e->seen_gen, "generationAwaitedAbove",
                                             (json_int_t)e->base_gen));
    }
    pthread_mutex_unlock(&t->mu);
    return out;
}

json_t *fo_canary_refused(fo_canary *t)
{
    json_t *out = json_array();
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++) {
        const entry *e = &t->v[i];
        if (!e->refused_code)
            continue;
        json_t *one = json_pack("{s:s, s:s, s:s, s:i}", "kind", "FlinkDeployment", "namespace",
                                e->ns, "name", e->name, "code", e->refused_code);
        if (one) { /* the API's texts, cut to the entry's room perhaps inside a character */
            json_object_set_new(one, "reason", fo_json_string_lossy(e->refused_reason));
            json_object_set_new(one, "message", fo_json_string_lossy(e->refused_message));
        }
        json_array_append_new(out, one);
    }
    pthread_mutex_unlock(&t->mu);
    return out;
}

json_t *fo_canary_oversized(fo_canary *t)
{
    json_t *out = json_array();
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++) {
        const entry *e = &t->v[i];
        if (e->oversized[0])
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "kind", "FlinkDeployment",
                                                 "namespace", e->ns, "name", e->name, "reason",
                                                 e->oversized));
    }
    pthread_mutex_unlock(&t->mu);
    return out;
}
