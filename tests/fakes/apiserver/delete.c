/* DELETE of one object and of a collection (kube-api-semantics.md §1, §4, §8): DeleteOptions
 * (propagationPolicy, preconditions, gracePeriodSeconds, dryRun), finalizers and
 * deletionTimestamp, the foregroundDeletion/orphan finalizers the garbage collector works
 * on, graceful deletion of Pods bound to a node, namespace and CRD termination, and the
 * answers: the object while it is terminating, else a Success Status (the object for
 * Pods). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/labels.h"
#include "tests/fakes/apiserver/admission.h"
#include "tests/fakes/apiserver/meta.h"
#include "tests/fakes/apiserver/server.h"
#include "tests/fakes/apiserver/status.h"

#define FKA_CRD_CLEANUP_FINALIZER "customresourcecleanup.apiextensions.k8s.io"
#define FKA_DELETE_ATTEMPTS 8

typedef struct delete_opts {
    char policy[32]; /* "", Background, Foreground, Orphan */
    char pre_uid[64];
    char pre_rv[32];
    long grace_s;      /* -1 = not given */
    bool orphan_false; /* the legacy orphanDependents: false was sent */
} delete_opts;

/* DeleteOptions from the body (any apiVersion) and the query; a Status on bad input. */
static json_t *read_opts(fka_op *op, delete_opts *o)
{
    memset(o, 0, sizeof *o);
    o->grace_s = -1;
    if (op->req->body_len > 0) {
        fo_err err = {0};
        json_t *b = fo_json_parse(op->req->body, op->req->body_len, FKA_MAX_BODY, &err);
        if (!b || !json_is_object(b)) {
            json_decref(b);
            return fka_status_bad_request(err.message[0] ? err.message
                                                         : "DeleteOptions must be an object");
        }
        const char *p = fo_json_str(b, "propagationPolicy");
        if (p)
            snprintf(o->policy, sizeof o->policy, "%s", p);
        json_t *od = json_object_get(b, "orphanDependents");
        if (json_is_boolean(od) && !o->policy[0])
            snprintf(o->policy, sizeof o->policy, "%s", json_is_true(od) ? "Orphan" : "Background");
        o->orphan_false = json_is_false(od);
        const char *u = fo_json_get_str(b, "preconditions.uid");
        const char *rv = fo_json_get_str(b, "preconditions.resourceVersion");
        if (u)
            snprintf(o->pre_uid, sizeof o->pre_uid, "%s", u);
        if (rv)
            snprintf(o->pre_rv, sizeof o->pre_rv, "%s", rv);
        json_t *g = json_object_get(b, "gracePeriodSeconds");
        if (json_is_integer(g))
            o->grace_s = (long)json_integer_value(g);
        json_t *dr = json_object_get(b, "dryRun");
        if (json_array_size(dr) > 0)
            op->dry_run = true;
        json_decref(b);
    }
    const char *qp = fka_q(op, "propagationPolicy");
    if (qp && *qp)
        snprintf(o->policy, sizeof o->policy, "%s", qp);
    const char *qg = fka_q(op, "gracePeriodSeconds");
    if (qg && *qg)
        o->grace_s = strtol(qg, NULL, 10);
    if (o->policy[0] && strcmp(o->policy, "Background") != 0 &&
        strcmp(o->policy, "Foreground") != 0 && strcmp(o->policy, "Orphan") != 0) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
                 "Unsupported value: \"%s\": supported values: \"Foreground\", \"Background\", "
                 "\"Orphan\", \"nil\"",
                 o->policy);
        return fka_status_failure(422, "Invalid", msg, NULL);
    }
    return NULL;
}

static void add_finalizer(json_t *obj, const char *f)
{
    if (fka_meta_has_finalizer(obj, f))
        return;
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_t *fins = json_object_get(meta, "finalizers");
    if (!json_is_array(fins)) {
        fins = json_array();
        json_object_set_new(meta, "finalizers", fins);
    }
    json_array_append_new(fins, json_string(f));
}

/* The garbage collector's finalizers for a delete with policy ("" = none given), in place
 * (the registry's deletionFinalizersForGarbageCollection): "orphan" and "foregroundDeletion"
 * are taken out, and the one the policy asks for is put back at the end. Without a policy the
 * first of them the object already has decides. The list is left as it was when it holds
 * the same names. Returns whether it changed. */
static bool gc_finalizers(json_t *obj, const char *policy)
{
    bool orphan = false, foreground = false;
    if (*policy) {
        orphan = strcmp(policy, "Orphan") == 0;
        foreground = strcmp(policy, "Foreground") == 0;
    } else {
        size_t i;
        json_t *f;
        json_array_foreach(fo_json_get(obj, "metadata.finalizers"), i, f)
        {
            const char *n = json_string_value(f);
            if (n && (strcmp(n, "orphan") == 0 || strcmp(n, "foregroundDeletion") == 0)) {
                orphan = strcmp(n, "orphan") == 0;
                foreground = !orphan;
                break;
            }
        }
    }
    bool has_orphan = fka_meta_has_finalizer(obj, "orphan");
    bool has_foreground = fka_meta_has_finalizer(obj, "foregroundDeletion");
    if (has_orphan == orphan && has_foreground == foreground)
        return false;
    json_t *fins = fo_json_get(obj, "metadata.finalizers");
    for (size_t i = json_array_size(fins); i-- > 0;) {
        const char *n = json_string_value(json_array_get(fins, i));
        if (n && (strcmp(n, "orphan") == 0 || strcmp(n, "foregroundDeletion") == 0))
            json_array_remove(fins, i);
    }
    if (orphan)
        add_finalizer(obj, "orphan");
    if (foreground)
        add_finalizer(obj, "foregroundDeletion");
    if (fka_meta_finalizer_count(obj) == 0)
        json_object_del(json_object_get(obj, "metadata"), "finalizers");
    return true;
}

/* A DELETE of an object that is already terminating, with no grace period pending: the
 * original deletionTimestamp stays, but the policy may still change the garbage collector's
 * finalizers (the registry's updateForGracefulDeletionAndFinalizers). Returns the object's
 * next state (new reference; NULL when it did not change), and *now whether the change left
 * no finalizer, so that the object goes at once. */
static json_t *terminating_again(const json_t *cur, const delete_opts *o, bool *now)
{
    *now = false;
    json_t *obj = fo_json_copy(cur);
    if (!gc_finalizers(obj, o->policy)) {
        json_decref(obj);
        return NULL;
    }
    *now = fka_meta_finalizer_count(obj) == 0;
    return obj;
}

/* The terminating state of cur (new reference), or NULL when it goes at once. */
static json_t *terminating(fka_op *op, const json_t *cur, const delete_opts *o)
{
    const fka_resource *r = op->res;
    int64_t now = fo_clock_now_ms(op->srv->clock);
    json_t *obj = fo_json_copy(cur);
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    long grace = 0;
    bool pods = strcmp(r->storage, "/pods") == 0;
    if (pods && fo_json_get_str(cur, "spec.nodeName")) {
        /* A Pod on a node waits for its kubelet (graceful deletion). */
        int64_t tg = 30;
        fo_json_get_int(cur, "spec.terminationGracePeriodSeconds", &tg);
        grace = o->grace_s >= 0 ? o->grace_s : (long)tg;
    }
    gc_finalizers(obj, o->policy);
    if (strcmp(r->storage, "apiextensions.k8s.io/customresourcedefinitions") == 0)
        add_finalizer(obj, FKA_CRD_CLEANUP_FINALIZER);
    bool ns = strcmp(r->storage, "/namespaces") == 0;
    if (ns) {
        /* Namespaces wait for the namespace controller (spec.finalizers). */
        fo_json_set_path(obj, "status.phase", json_string("Terminating"));
    }
    bool waits = fka_meta_finalizer_count(obj) > 0 || grace > 0 ||
                 (ns && json_array_size(fo_json_get(obj, "spec.finalizers")) > 0);
    if (!waits) {
        json_decref(obj);
        return NULL;
    }
    char ts[40];
    json_object_set_new(
        meta, "deletionTimestamp",
        json_string(fo_clock_format_rfc3339(now + grace * 1000, false, ts, sizeof ts)));
    json_object_set_new(meta, "deletionGracePeriodSeconds", json_integer(grace));
    if (r->flags & FKA_R_GENERATION) {
        json_int_t g = json_integer_value(json_object_get(meta, "generation"));
        json_object_set_new(meta, "generation", json_integer(g + 1));
    }
    return obj;
}

/* Delete op->name; on success *result gets the answer object (the terminating object, the
 * last state, or a Success Status) and the code is returned. */
static int delete_one(fka_op *op, const delete_opts *o, json_t **result)
{
    const fka_resource *r = op->res;
    fka_store *store = op->srv->store;
    *result = NULL;
    for (int attempt = 0; attempt < FKA_DELETE_ATTEMPTS; attempt++) {
        fka_store_lock(store);
        json_t *cur = json_incref(fka_store_get(store, r->storage, fka_op_store_ns(op), op->name));
        fka_store_unlock(store);
        if (!cur) {
            *result = fka_status_not_found(r, op->name);
            return 404;
        }
        const char *uid = fo_json_get_str(cur, "metadata.uid");
        const char *rv = fo_json_get_str(cur, "metadata.resourceVersion");
        char detail[300];
        if (o->pre_uid[0] && strcmp(o->pre_uid, uid ? uid : "") != 0) {
            snprintf(detail, sizeof detail, "UID in precondition: %s, UID in object meta: %s",
                     o->pre_uid, uid ? uid : "");
            *result = fka_status_precondition(r, op->name, detail);
            json_decref(cur);
            return 409;
        }
        if (o->pre_rv[0] && strcmp(o->pre_rv, rv ? rv : "") != 0) {
            snprintf(detail, sizeof detail,
                     "ResourceVersion in precondition: %s, ResourceVersion in object meta: %s",
                     o->pre_rv, rv ? rv : "");
            *result = fka_status_precondition(r, op->name, detail);
            json_decref(cur);
            return 409;
        }
        json_t *none = NULL;
        json_t *st = fka_admit(op, "DELETE", &none, cur, true);
        if (!st)
            st = fka_admit(op, "DELETE", &none, cur, false);
        if (st) {
            json_decref(cur);
            *result = st;
            return fka_status_code(st);
        }
        bool finish_pod = fka_meta_deleting(cur) && o->grace_s == 0 &&
                          fka_meta_finalizer_count(cur) == 0 && strcmp(r->storage, "/pods") == 0;
        json_t *term = NULL;
        if (fka_meta_deleting(cur) && !finish_pod) {
            /* Already terminating: the original deletionTimestamp stays (§8). A grace period
             * still running leaves everything as it is; else the policy may change the
             * garbage collector's finalizers, and removing the last one deletes now. */
            bool now = false;
            bool grace = json_integer_value(
                             fo_json_get(cur, "metadata.deletionGracePeriodSeconds")) > 0;
            term = grace ? NULL : terminating_again(cur, o, &now);
            if (!term) {
                *result = fka_to_wire(r, cur);
                json_decref(cur);
                return 200;
            }
            if (now) {
                json_decref(term);
                term = NULL;
            }
        } else if (!finish_pod) {
            term = terminating(op, cur, o);
        }
        fka_store_lock(store);
        if (fka_store_get(store, r->storage, fka_op_store_ns(op), op->name) != cur) {
            fka_store_unlock(store);
            json_decref(term);
            json_decref(cur);
            continue;
        }
        int code = 200;
        if (term) {
            if (!op->dry_run) {
                fka_store_put(store, r->storage, fka_op_store_ns(op), op->name, json_incref(term));
                fka_after_commit(op->srv, r, term, false);
            }
            *result = fka_to_wire(r, term);
            /* §1: 202 only for a deletion that is not immediate under the legacy
             * orphanDependents: false. */
            if (o->orphan_false)
                code = 202;
        } else {
            if (!op->dry_run) {
                fka_store_delete(store, r->storage, fka_op_store_ns(op), op->name);
                fka_after_commit(op->srv, r, cur, true);
            }
            if (r->flags & FKA_R_DELETE_RETURNS_OBJ)
                *result = fka_to_wire(r, cur);
            else
                *result = fka_status_deleted(r, op->name, uid);
        }
        fka_store_unlock(store);
        json_decref(term);
        json_decref(cur);
        fka_gc_kick(op->srv->gc);
        return code;
    }
    *result = fka_status_conflict(r, op->name);
    return 409;
}

void fka_op_delete(fka_op *op)
{
    delete_opts o;
    json_t *st = read_opts(op, &o);
    if (st) {
        fka_resp_status(op->resp, st);
        return;
    }
    json_t *result = NULL;
    int code = delete_one(op, &o, &result);
    if (code >= 400)
        fka_resp_status(op->resp, result);
    else
        fka_resp_json(op->resp, code, result);
}

void fka_op_delete_collection(fka_op *op)
{
    delete_opts o;
    json_t *st = read_opts(op, &o);
    if (st) {
        fka_resp_status(op->resp, st);
        return;
    }
    fo_err err = {0};
    const char *ls = fka_q(op, "labelSelector");
    fo_label_selector *sel = fo_label_selector_parse(ls ? ls : "", &err);
    if (!sel) {
        char msg[FO_ERR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "unable to parse requirement: %s", err.message);
        fka_resp_status(op->resp, fka_status_bad_request(msg));
        return;
    }
    json_t *items = NULL;
    uint64_t rv = 0;
    fka_store_lock(op->srv->store);
    fka_store_list(op->srv->store, op->res->storage,
                   (op->res->flags & FKA_R_NAMESPACED) && !op->all_ns ? op->ns : NULL, 0, &items,
                   &rv, NULL);
    fka_store_unlock(op->srv->store);
    json_t *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (!fo_label_selector_matches(sel, fo_json_get(item, "metadata.labels")))
            continue;
        const char *name = fo_json_get_str(item, "metadata.name");
        const char *ns = fo_json_get_str(item, "metadata.namespace");
        snprintf(op->name, sizeof op->name, "%s", name ? name : "");
        snprintf(op->ns, sizeof op->ns, "%s", ns ? ns : "");
        json_t *result = NULL;
        int code = delete_one(op, &o, &result);
        if (code < 300)
            json_array_append_new(out, fka_to_wire(op->res, item));
        json_decref(result);
    }
    op->name[0] = '\0';
    json_decref(items);
    fo_label_selector_free(sel);
    char gv[300], rvs[32];
    snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)rv);
    json_t *list = json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", op->res->list_kind, "apiVersion",
                             fka_resource_api_version(op->res, gv, sizeof gv), "metadata",
                             "resourceVersion", rvs, "items", out);
    fka_resp_json(op->resp, 200, list);
}
