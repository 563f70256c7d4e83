/* The controllers a real cluster runs next to the API server, as far as objects in the
 * store need them (kube-api-semantics.md §8): the garbage collector (ownerReferences with
 * Background, Foreground and Orphan propagation), the namespace controller (a terminating
 * namespace is emptied, then finalized) and the CRD finalizer (a terminating CRD's custom
 * resources are deleted, then the CRD goes).
 *
 * A pass takes a snapshot of the store under the lock, decides, and then acts through the
 * same internal requests as any client (admission included), with no lock held. Passes run on
 * a background thread after writes (asynchronously, as in a cluster) and on demand. */
#include "tests/fakes/apiserver/gc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "tests/fakes/apiserver/meta.h"
#include "tests/fakes/apiserver/server.h"

#define FKA_CRD_CLEANUP_FINALIZER "customresourcecleanup.apiextensions.k8s.io"
#define CRDS "apiextensions.k8s.io/customresourcedefinitions"
/* The debounce after a write before a pass, so a burst of writes gives one pass. */
#define FKA_GC_DEBOUNCE_MS 20
#define FKA_GC_PERIOD_MS 1000

struct fka_gc {
    fka_server *srv;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool kicked, stop;
    pthread_mutex_t pass_mu;
};

typedef struct snap {
    json_t *objs; /* array of stored objects */
} snap;

static void collect(void *ctx, const char *coll, json_t *obj)
{
    (void)coll;
    json_array_append(((snap *)ctx)->objs, obj);
}

static fka_resource *resource_of(fka_server *srv, const json_t *obj)
{
    return fka_registry_find_kind(srv->reg, fo_json_str(obj, "apiVersion"),
                                  fo_json_str(obj, "kind"));
}

static const char *ns_of(const json_t *obj)
{
    const char *ns = fo_json_get_str(obj, "metadata.namespace");
    return ns ? ns : "";
}

static int internal_delete(fka_server *srv, const json_t *obj, const char *policy)
{
    fka_resource *r = resource_of(srv, obj);
    if (!r)
        return 404;
    char body[128];
    snprintf(body, sizeof body, "{\"propagationPolicy\":\"%s\"}", policy);
    fka_req req = {.method = "DELETE",
                   .path = "",
                   .body = body,
                   .body_len = strlen(body),
                   .content_type = "application/json",
                   .user_agent = "kube-controller-manager"};
    fka_resp resp;
    fka_resp_init(&resp);
    fka_op op = {.srv = srv,
                 .req = &req,
                 .resp = &resp,
                 .res = r,
                 .user = "system:serviceaccount:kube-system:generic-garbage-collector"};
    snprintf(op.ns, sizeof op.ns, "%s", (r->flags & FKA_R_NAMESPACED) ? ns_of(obj) : "");
    const char *name = fo_json_get_str(obj, "metadata.name");
    snprintf(op.name, sizeof op.name, "%s", name ? name : "");
    fka_op_delete(&op);
    int code = resp.status;
    fka_resp_release(&resp);
    fka_resource_unref(r);
    return code;
}

static void replace(fka_server *srv, json_t *obj)
{
    fka_resource *r = resource_of(srv, obj);
    if (r)
        fka_internal_replace(srv, r, obj);
    else
        json_decref(obj);
    fka_resource_unref(r);
}

static void remove_finalizer(fka_server *srv, const json_t *obj, const char *f)
{
    json_t *copy = fo_json_copy(obj);
    json_t *fins = fo_json_get(copy, "metadata.finalizers");
    size_t i;
    json_t *v;
    json_array_foreach(fins, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), f) == 0) {
            json_array_remove(fins, i);
            break;
        }
    }
    replace(srv, copy);
}

/* Does dep name owner (by uid) in its ownerReferences? */
static bool owned_by(const json_t *dep, const char *uid)
{
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(dep, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (u && strcmp(u, uid) == 0)
            return true;
    }
    return false;
}

/* An owner is present when an object with its uid exists where the dependent may see it:
 * the same namespace, or cluster-scoped. */
static const json_t *find_owner(const json_t *objs, const json_t *dep, const char *uid)
{
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        const char *u = fo_json_get_str(o, "metadata.uid");
        if (!u || strcmp(u, uid) != 0)
            continue;
        const char *ons = ns_of(o);
        if (!*ons || strcmp(ons, ns_of(dep)) == 0)
            return o;
        return NULL;
    }
    return NULL;
}

/* An owner deleting its dependents in the foreground: terminating with foregroundDeletion. */
static bool waiting_for_dependents(const json_t *owner)
{
    return fka_meta_deleting(owner) && fka_meta_has_finalizer(owner, "foregroundDeletion");
}

/* Does any object name dep (by uid) as its owner? */
static bool has_dependents(const json_t *objs, const json_t *dep)
{
    const char *uid = fo_json_get_str(dep, "metadata.uid");
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        if (uid && owned_by(o, uid))
            return true;
    }
    return false;
}

/* The garbage collector's attemptToDeleteItem for one dependent: its owner references are
 * solid (the owner is there and not deleting its dependents in the foreground), dangling (no
 * such owner where the dependent can see it) or waiting (the owner deletes its dependents in
 * the foreground). With a solid owner the dependent stays and loses its dangling and waiting
 * references; otherwise it is deleted, in the foreground when an owner waits and it has
 * dependents of its own, else as its own finalizers say (Background by default). A dependent
 * already being deleted is left to that deletion. Returns whether it acted. */
static bool attempt_to_delete(fka_server *srv, const json_t *objs, const json_t *dep)
{
    const json_t *refs = fo_json_get(dep, "metadata.ownerReferences");
    if (json_array_size(refs) == 0 || fka_meta_deleting(dep))
        return false;
    size_t solid = 0, dangling = 0, waiting = 0, j;
    json_t *ref;
    json_array_foreach(refs, j, ref)
    {
        const char *uid = fo_json_str(ref, "uid");
        const json_t *owner = uid ? find_owner(objs, dep, uid) : NULL;
        if (!owner)
            dangling++;
        else if (waiting_for_dependents(owner))
            waiting++;
        else
            solid++;
    }
    if (dangling == 0 && waiting == 0)
        return false;
    if (solid > 0) {
        json_t *copy = fo_json_copy(dep);
        json_t *crefs = fo_json_get(copy, "metadata.ownerReferences");
        for (size_t k = json_array_size(crefs); k-- > 0;) {
            const char *uid = fo_json_str(json_array_get(crefs, k), "uid");
            const json_t *owner = uid ? find_owner(objs, dep, uid) : NULL;
            if (!owner || waiting_for_dependents(owner))
                json_array_remove(crefs, k);
        }
        replace(srv, copy);
        return true;
    }
    const char *policy = "Background";
    if (waiting > 0 && has_dependents(objs, dep))
        policy = "Foreground";
    else if (fka_meta_has_finalizer(dep, "orphan"))
        policy = "Orphan";
    else if (fka_meta_has_finalizer(dep, "foregroundDeletion"))
        policy = "Foreground";
    internal_delete(srv, dep, policy);
    return true;
}

static bool pass_owner_references(fka_server *srv, const json_t *objs)
{
    bool acted = false;
    size_t i;
    json_t *dep;
    json_array_foreach(objs, i, dep)
    {
        if (attempt_to_delete(srv, objs, dep))
            acted = true;
    }
    return acted;
}

/* Does dep block the deletion of the owner with this uid (blockOwnerDeletion: true)? */
static bool blocks(const json_t *dep, const char *uid)
{
    size_t i;
    json_t *ref;
    json_array_foreach(fo_json_get(dep, "metadata.ownerReferences"), i, ref)
    {
        const char *u = fo_json_str(ref, "uid");
        if (u && strcmp(u, uid) == 0 && json_is_true(json_object_get(ref, "blockOwnerDeletion")))
            return true;
    }
    return false;
}

static bool pass_terminating(fka_server *srv, const json_t *objs)
{
    bool acted = false;
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        if (!fka_meta_deleting(o))
            continue;
        const char *uid = fo_json_get_str(o, "metadata.uid");
        if (!uid)
            continue;
        if (fka_meta_has_finalizer(o, "orphan")) {
            size_t j;
            json_t *dep;
            json_array_foreach(objs, j, dep)
            {
                if (!owned_by(dep, uid))
                    continue;
                json_t *copy = fo_json_copy(dep);
                json_t *refs = fo_json_get(copy, "metadata.ownerReferences");
                for (size_t k = json_array_size(refs); k-- > 0;) {
                    const char *u = fo_json_str(json_array_get(refs, k), "uid");
                    if (u && strcmp(u, uid) == 0)
                        json_array_remove(refs, k);
                }
                if (json_array_size(refs) == 0)
                    json_object_del(json_object_get(copy, "metadata"), "ownerReferences");
                replace(srv, copy);
            }
            remove_finalizer(srv, o, "orphan");
            acted = true;
            continue;
        }
        if (fka_meta_has_finalizer(o, "foregroundDeletion")) {
            /* processDeletingDependentsItem: the owner waits only for the dependents whose
             * reference to it has blockOwnerDeletion; the others are collected (by
             * attempt_to_delete) without holding it. */
            size_t j, blocking = 0;
            json_t *dep;
            json_array_foreach(objs, j, dep) blocking += blocks(dep, uid);
            if (blocking == 0) {
                remove_finalizer(srv, o, "foregroundDeletion");
                acted = true;
            }
            continue;
        }
        const char *av = fo_json_str(o, "apiVersion"), *kind = fo_json_str(o, "kind");
        if (av && kind && strcmp(av, "v1") == 0 && strcmp(kind, "Namespace") == 0 &&
            json_array_size(fo_json_get(o, "spec.finalizers")) > 0) {
            /* The namespace controller: empty it, then finalize. */
            const char *name = fo_json_get_str(o, "metadata.name");
            size_t j, remaining = 0;
            json_t *x;
            json_array_foreach(objs, j, x)
            {
                if (strcmp(ns_of(x), name ? name : "") != 0)
                    continue;
                remaining++;
                if (!fka_meta_deleting(x)) {
                    internal_delete(srv, x, "Background");
                    acted = true;
                }
            }
            if (remaining == 0) {
                json_t *copy = fo_json_copy(o);
                fo_json_set_path(copy, "spec.finalizers", json_array());
                fka_resource *r = resource_of(srv, copy);
                char *text = fo_json_dumps_compact(copy);
                json_decref(copy);
                if (r && text) {
                    fka_req req = {.method = "PUT",
                                   .path = "",
                                   .body = text,
                                   .body_len = strlen(text),
                                   .content_type = "application/json",
                                   .user_agent = "kube-controller-manager"};
                    fka_resp resp;
                    fka_resp_init(&resp);
                    fka_op op = {.srv = srv,
                                 .req = &req,
                                 .resp = &resp,
                                 .res = r,
                                 .user = "system:serviceaccount:kube-system:namespace-controller"};
                    snprintf(op.name, sizeof op.name, "%s", name ? name : "");
                    snprintf(op.sub, sizeof op.sub, "finalize");
                    snprintf(op.field_manager, sizeof op.field_manager, "kube-controller-manager");
                    fka_op_update(&op);
                    fka_resp_release(&resp);
                }
                free(text);
                fka_resource_unref(r);
                acted = true;
            }
            continue;
        }
        if (av && kind && strcmp(kind, "CustomResourceDefinition") == 0 &&
            fka_meta_has_finalizer(o, FKA_CRD_CLEANUP_FINALIZER)) {
            const char *group = fo_json_get_str(o, "spec.group");
            const char *crd_kind = fo_json_get_str(o, "spec.names.kind");
            size_t j, remaining = 0;
            json_t *x;
            json_array_foreach(objs, j, x)
            {
                const char *xav = fo_json_str(x, "apiVersion");
                const char *xk = fo_json_str(x, "kind");
                size_t gl = group ? strlen(group) : 0;
                if (!xav || !xk || !crd_kind || gl == 0 || strncmp(xav, group, gl) != 0 ||
                    xav[gl] != '/' || strcmp(xk, crd_kind) != 0)
                    continue;
                remaining++;
                if (!fka_meta_deleting(x)) {
                    internal_delete(srv, x, "Background");
                    acted = true;
                }
            }
            if (remaining == 0) {
                remove_finalizer(srv, o, FKA_CRD_CLEANUP_FINALIZER);
                acted = true;
            }
        }
    }
    return acted;
}

static bool run_pass(fka_gc *gc)
{
    fka_server *srv = gc->srv;
    snap s = {json_array()};
    fka_store_lock(srv->store);
    fka_store_foreach(srv->store, collect, &s);
    fka_store_unlock(srv->store);
    bool acted = pass_terminating(srv, s.objs);
    acted = pass_owner_references(srv, s.objs) || acted;
    json_decref(s.objs);
    return acted;
}

void fka_gc_run(fka_gc *gc)
{
    if (!gc)
        return;
    pthread_mutex_lock(&gc->pass_mu);
    /* Cascades take several passes (a dependent's own dependents, finalizers). */
    for (int i = 0; i < 16 && run_pass(gc); i++)
        ;
    pthread_mutex_unlock(&gc->pass_mu);
}

static void *loop(void *arg)
{
    fka_gc *gc = arg;
    pthread_mutex_lock(&gc->mu);
    while (!gc->stop) {
        if (!gc->kicked) {
            struct timespec dl;
            clock_gettime(CLOCK_MONOTONIC, &dl);
            dl.tv_sec += FKA_GC_PERIOD_MS / 1000;
            pthread_cond_timedwait(&gc->cv, &gc->mu, &dl);
        }
        if (gc->stop)
            break;
        bool kicked = gc->kicked;
        gc->kicked = false;
        pthread_mutex_unlock(&gc->mu);
        if (kicked) {
            struct timespec d = {0, FKA_GC_DEBOUNCE_MS * 1000000L};
            nanosleep(&d, NULL);
        }
        pthread_mutex_lock(&gc->pass_mu);
        bool acted = run_pass(gc);
        pthread_mutex_unlock(&gc->pass_mu);
        pthread_mutex_lock(&gc->mu);
        if (acted)
            gc->kicked = true;
    }
    pthread_mutex_unlock(&gc->mu);
    return NULL;
}

fka_gc *fka_gc_new(fka_server *srv, bool automatic)
{
    fka_gc *gc = calloc(1, sizeof *gc);
    if (!gc)
        return NULL;
    gc->srv = srv;
    pthread_mutex_init(&gc->mu, NULL);
    pthread_mutex_init(&gc->pass_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&gc->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (automatic && pthread_create(&gc->thread, NULL, loop, gc) == 0)
        gc->running = true;
    return gc;
}

void fka_gc_kick(fka_gc *gc)
{
    if (!gc || !gc->running)
        return;
    pthread_mutex_lock(&gc->mu);
    gc->kicked = true;
    pthread_cond_signal(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
}

void fka_gc_free(fka_gc *gc)
{
    if (!gc)
        return;
    if (gc->running) {
        pthread_mutex_lock(&gc->mu);
        gc->stop = true;
        pthread_cond_signal(&gc->cv);
        pthread_mutex_unlock(&gc->mu);
        pthread_join(gc->thread, NULL);
    }
    pthread_cond_destroy(&gc->cv);
    pthread_mutex_destroy(&gc->mu);
    pthread_mutex_destroy(&gc->pass_mu);
    free(gc);
}
