#include "common/kube_oversized.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* How much of an object a stub keeps, most first: each level is tried until one fits. */
enum level { L_META_STATUS, L_LABELS_FINALIZERS, L_FINALIZERS, L_IDENTITY, L_COUNT };

enum { S_NONE, S_EVENT, S_OBJECT, S_META };

#define SKIP 0

static bool is(const char *key, size_t n, const char *lit)
{
    return key && strlen(lit) == n && memcmp(key, lit, n) == 0;
}

static bool identity_member(const char *key, size_t n, enum level level)
{
    static const char *const keep[] = {"name",       "namespace",         "uid",
                                       "generation", "resourceVersion",   "creationTimestamp",
                                       "deletionTimestamp"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (is(key, n, keep[i]))
            return true;
    return (level <= L_FINALIZERS && is(key, n, "finalizers")) ||
           (level <= L_LABELS_FINALIZERS && is(key, n, "labels"));
}

static int stub_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    enum level level = *(const enum level *)ctx;
    if (!key) /* an array where an object belongs: kept as it is */
        return S_NONE;
    switch (st) {
    case S_EVENT:
        if (is(key, n, "object"))
            return S_OBJECT;
        if (!is(key, n, "type"))
            *skip = SKIP;
        return S_NONE;
    case S_OBJECT:
        if (is(key, n, "metadata"))
            return S_META;
        if (!is(key, n, "apiVersion") && !is(key, n, "kind") &&
            !(level == L_META_STATUS && is(key, n, "status")))
            *skip = SKIP;
        return S_NONE;
    case S_META:
        if (level == L_META_STATUS ? is(key, n, "managedFields") || is(key, n, "annotations")
                                   : !identity_member(key, n, level))
            *skip = SKIP;
        return S_NONE;
    }
    return S_NONE;
}

json_t *fo_kube_oversized_stub(const char *text, size_t len, bool event, size_t max_weight,
                               size_t *used, fo_err *err)
{
    static const char *const kept[L_COUNT] = {
        "metadata (without managedFields and annotations) and status",
        "metadata.name, namespace, uid, generation, resourceVersion, timestamps, labels and "
        "finalizers",
        "metadata.name, namespace, uid, generation, resourceVersion, timestamps and finalizers",
        "metadata.name, namespace, uid, generation, resourceVersion and timestamps"};
    static const char *const keeps[L_COUNT] = {FO_KUBE_KEEPS_STATUS, FO_KUBE_KEEPS_LABELS,
                                               FO_KUBE_KEEPS_FINALIZERS, FO_KUBE_KEEPS_IDENTITY};
    for (enum level level = L_META_STATUS; level < L_COUNT; level++) {
        /* room for the member saying why, so the stub is within max_weight when read again */
        fo_json_read_filter f = {.root_state = event ? S_EVENT : S_OBJECT,
                                 .member = stub_member,
                                 .ctx = &level,
                                 .nskipped = 1,
                                 .max_weight = max_weight > 16 ? max_weight - 8 : 1};
        json_t *v = fo_json_read_value(text, len, &f, used, err);
        if (!v && err && err->rc == FO_ELIMIT)
            continue;
        if (!v)
            return NULL;
        json_t *obj = event ? json_object_get(v, "object") : v;
        char why[512];
        snprintf(why, sizeof why,
                 "the object holds more than %zu JSON values (an object counts 3, each of its "
                 "keys 1 more; managedFields and the kubectl last-applied annotation not "
                 "counted): only its %s are kept",
                 max_weight, kept[level]);
        if (!json_is_object(obj) || json_object_set_new(obj, FO_KUBE_OVERSIZED, json_string(why)) ||
            json_object_set_new(obj, FO_KUBE_OVERSIZED_KEEPS, json_string(keeps[level]))) {
            json_decref(v);
            fo_err_set(err, json_is_object(obj) ? FO_ENOMEM : FO_EPROTO,
                       "an oversized object that is not a JSON object");
            return NULL;
        }
        return v;
    }
    return NULL; /* err: the last level's FO_ELIMIT */
}

const char *fo_kube_oversized(const json_t *obj)
{
    return json_string_value(json_object_get(obj, FO_KUBE_OVERSIZED));
}

static bool keeps(const json_t *obj, const char *what)
{
    const char *k = json_string_value(json_object_get(obj, FO_KUBE_OVERSIZED_KEEPS));
    return !fo_kube_oversized(obj) || (k && strcmp(k, what) == 0);
}

bool fo_kube_oversized_keeps_status(const json_t *obj)
{
    return keeps(obj, FO_KUBE_KEEPS_STATUS);
}

bool fo_kube_oversized_keeps_finalizers(const json_t *obj)
{
    return keeps(obj, FO_KUBE_KEEPS_STATUS) || keeps(obj, FO_KUBE_KEEPS_LABELS) ||
           keeps(obj, FO_KUBE_KEEPS_FINALIZERS);
}

/* At most this many items of one page are replaced (each costs a read of the page). */
#define MAX_STUBS_PER_PAGE 10000

json_t *fo_kube_read_with_stubs(const char *body, size_t len, const fo_json_read_filter *filter,
                                fo_err *err)
{
    if (!filter || !filter->item_state || !filter->max_weight)
        return fo_json_read(body, len, filter, err);
    size_t over = (size_t)-1;
    fo_json_read_filter f = *filter;
    f.item_over_at = &over;
    char *copy = NULL; /* the page with the stubs so far, spliced in place */
    size_t cap = 0;
    const char *text = body;
    for (int stubs = 0;; stubs++) {
        json_t *page = fo_json_read(text, len, &f, err);
        if (page || over == (size_t)-1 || stubs == MAX_STUBS_PER_PAGE) {
            free(copy);
            return page;
        }
        size_t used = 0;
        json_t *stub =
            fo_kube_oversized_stub(text + over, len - over, false, f.max_weight, &used, err);
        char *stub_text = stub ? json_dumps(stub, JSON_COMPACT) : NULL;
        json_decref(stub);
        size_t n = stub_text ? strlen(stub_text) : 0;
        size_t need = len - used + n; /* a stub is shorter than the item, but for tiny bounds */
        if (stub && stub_text && (!copy || need > cap)) {
            char *grown = realloc(copy, need > len ? need : len);
            if (grown && !copy)
                memcpy(grown, body, len);
            if (grown) {
                copy = grown;
                cap = need > len ? need : len;
            } else {
                free(stub_text);
                stub_text = NULL;
            }
        }
        if (!stub || !stub_text) {
            if (stub)
                fo_err_set(err, FO_ENOMEM, "out of memory replacing an oversized item");
            free(copy);
            return NULL;
        }
        memmove(copy + over + n, copy + over + used, len - over - used);
        memcpy(copy + over, stub_text, n);
        free(stub_text);
        len = need;
        text = copy;
    }
}
