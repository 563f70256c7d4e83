#include "common/podtemplate.h"
#include "common/podtemplate_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

/* Pod template layering, path-aware.
 *
 * Spec followed: the Kubernetes v1.35 OpenAPI v3 document for core/v1
 * (shared/specs/kubernetes/v1.35/api__v1_openapi.json), i.e. the strategic-merge-patch
 * markers on PodTemplateSpec and everything below it:
 *   x-kubernetes-patch-strategy: merge + x-kubernetes-patch-merge-key / list-map-keys
 *     -> the list merges element by element on those keys (RULE_MAP below);
 *   patch strategy "merge,retainKeys" (volumes, resourceClaims) -> a matched element keeps
 *     only the members the upper element names, so a volume redefined as another source
 *     (emptyDir -> configMap) does not end up with two sources;
 *   list-type "set" with patch strategy merge (finalizers) -> union (RULE_UNION);
 *   list-type atomic, or no patch strategy -> the upper list replaces the lower one.
 * Four deliberate departures, for what users of Apache's operator ask for (reference c.15):
 *   - tolerations (atomic in the schema) are appended without exact duplicates, so a cluster
 *     toleration survives a user adding their own;
 *   - envFrom (atomic) is appended without exact duplicates, for the same reason;
 *   - resources.claims (list-type map, no patch strategy) merges by name like other maps;
 *   - nodeSelector (x-kubernetes-map-type atomic) merges key by key like labels.
 * List map keys are compared with their schema defaults: ports match on containerPort and
 * protocol, a missing protocol counting as "TCP".
 * Fields the API server takes only one of (its validation, not a schema marker) follow the
 * upper layer whole, so that layers written by different people never combine into a pod the
 * API server refuses: an env var's value or valueFrom, and valueFrom's source; a volume
 * mount's subPath or subPathExpr; a probe's or lifecycle hook's handler (exec, httpGet,
 * tcpSocket, grpc, sleep). And a container port name stays unique: a lower port whose name an
 * upper port of another containerPort takes loses it (the port stays).
 *
 * Everything else: objects merge member by member, recursively; a non-null upper value of
 * another type, or a scalar, replaces the lower one. An upper `null` never deletes or
 * replaces a lower value (a template has no way to unset what a lower layer set; that is the
 * admin's intent for cluster defaults); where the lower layer has no value, the upper value
 * is copied as written. These rules make merge(merge(a, b), b) == merge(a, b) and
 * merge(a, merge(a, b)) == merge(a, b), which normalisation relies on. */

/* Lists directly under the pod template. */
static const list_rule template_rules[] = {
    {"metadata.finalizers", RULE_UNION, {NULL}, {NULL}, false, NULL},
    {"metadata.ownerReferences", RULE_MAP, {"uid"}, {NULL}, false, NULL},
    {"spec.containers", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.initContainers", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.ephemeralContainers", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.volumes", RULE_MAP, {"name"}, {NULL}, true, NULL},
    {"spec.volumes[].ephemeral.volumeClaimTemplate.metadata.finalizers",
     RULE_UNION,
     {NULL},
     {NULL},
     false, NULL},
    {"spec.volumes[].ephemeral.volumeClaimTemplate.metadata.ownerReferences",
     RULE_MAP,
     {"uid"},
     {NULL},
     false, NULL},
    {"spec.imagePullSecrets", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.hostAliases", RULE_MAP, {"ip"}, {NULL}, false, NULL},
    {"spec.resourceClaims", RULE_MAP, {"name"}, {NULL}, true, NULL},
    {"spec.schedulingGates", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.topologySpreadConstraints",
     RULE_MAP,
     {"topologyKey", "whenUnsatisfiable"},
     {NULL, NULL},
     false, NULL},
    {"spec.resources.claims", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"spec.tolerations", RULE_UNION, {NULL}, {NULL}, false, NULL},
};

/* Lists inside a container (containers, initContainers, ephemeralContainers). */
static const list_rule container_rules[] = {
    {"env", RULE_MAP, {"name"}, {NULL}, false, NULL},
    {"envFrom", RULE_UNION, {NULL}, {NULL}, false, NULL},
    {"volumeMounts", RULE_MAP, {"mountPath"}, {NULL}, false, NULL},
    {"volumeDevices", RULE_MAP, {"devicePath"}, {NULL}, false, NULL},
    {"ports", RULE_MAP, {"containerPort", "protocol"}, {NULL, "TCP"}, false, "name"},
    {"resources.claims", RULE_MAP, {"name"}, {NULL}, false, NULL},
};

static const char *const container_lists[] = {"spec.containers[].", "spec.initContainers[].",
                                              "spec.ephemeralContainers[]."};

/* Members of which the API server takes one: when the upper object sets one, the lower
 * object's others go (paths inside a container). */
typedef struct one_of {
    const char *path;
    const char *members[6];
} one_of;

#define HANDLERS {"exec", "httpGet", "tcpSocket", "grpc", "sleep", NULL}
static const one_of container_one_ofs[] = {
    {"env[]", {"value", "valueFrom", NULL}},
    {"volumeMounts[]", {"subPath", "subPathExpr", NULL}},
    {"env[].valueFrom",
     {"fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef", NULL}},
    {"livenessProbe", HANDLERS},
    {"readinessProbe", HANDLERS},
    {"startupProbe", HANDLERS},
    {"lifecycle.postStart", HANDLERS},
    {"lifecycle.preStop", HANDLERS},
};
#undef HANDLERS

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The path inside a container, or NULL when path is not inside one. */
static const char *in_container(const char *path)
{
    for (size_t c = 0; c < COUNT(container_lists); c++) {
        size_t n = strlen(container_lists[c]);
        if (strncmp(path, container_lists[c], n) == 0)
            return path + n;
    }
    return NULL;
}

static const list_rule *find_rule(const char *path)
{
    for (size_t i = 0; i < COUNT(template_rules); i++)
        if (strcmp(template_rules[i].path, path) == 0)
            return &template_rules[i];
    const char *p = in_container(path);
    for (size_t i = 0; p && i < COUNT(container_rules); i++)
        if (strcmp(container_rules[i].path, p) == 0)
            return &container_rules[i];
    return NULL;
}

static const one_of *find_one_of(const char *path)
{
    const char *p = in_container(path);
    for (size_t i = 0; p && i < COUNT(container_one_ofs); i++)
        if (strcmp(container_one_ofs[i].path, p) == 0)
            return &container_one_ofs[i];
    return NULL;
}

/* ---- list elements ------------------------------------------------------------------ */

static const json_t *key_field(const json_t *e, const char *key)
{
    const json_t *v = json_object_get(e, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Does e carry every key (or a default for it)? Elements without their key cannot be
 * matched; they are kept and appended like union elements. */
static bool keyed(const json_t *e, const list_rule *r)
{
    if (!json_is_object(e))
        return false;
    for (size_t i = 0; i < COUNT(r->keys) && r->keys[i]; i++)
        if (!key_field(e, r->keys[i]) && !r->key_defaults[i])
            return false;
    return true;
}

static bool field_equal(const json_t *a, const json_t *b, const char *dflt)
{
    if (a && b)
        return fo_json_equal(a, b);
    if (!a && !b)
        return true;
    const json_t *set = a ? a : b;
    return json_is_string(set) && strcmp(json_string_value(set), dflt) == 0;
}

static bool same_key(const json_t *a, const json_t *b, const list_rule *r)
{
    for (size_t i = 0; i < COUNT(r->keys) && r->keys[i]; i++)
        if (!field_equal(key_field(a, r->keys[i]), key_field(b, r->keys[i]), r->key_defaults[i]))
            return false;
    return true;
}

/* For the other files of this module (common/podtemplate_internal.h). */
const list_rule *fo_pt_find_rule(const char *path)
{
    return find_rule(path);
}

bool fo_pt_keyed(const json_t *e, const list_rule *r)
{
    return keyed(e, r);
}

bool fo_pt_same_key(const json_t *a, const json_t *b, const list_rule *r)
{
    return same_key(a, b, r);
}

const json_t *fo_pt_key_field(const json_t *e, const char *key)
{
    return key_field(e, key);
}

/* ---- hashing, so that long lists merge in linear time ------------------------------------- */

/* ---- the merge ---------------------------------------------------------------------- */

static json_t *merge_into(json_t *target, const json_t *upper, fo_strbuf *path);

void fo_pt_path_push(fo_strbuf *path, const char *seg)
{
    if (path->len && strcmp(seg, "[]") != 0)
        fo_strbuf_putc(path, '.');
    fo_strbuf_puts(path, seg);
}

static void path_pop(fo_strbuf *path, size_t mark)
{
    fo_strbuf_truncate(path, mark);
}

/* The merge works on a target the caller owns alone (no part of it is referenced from
 * elsewhere: a fresh copy of the lowest layer), which it changes in place and returns; only
 * the upper layer's parts that end up in the result are copied. Layering n templates so copies
 * each of them once, instead of copying the accumulated result again at every layer. */

/* Objects: member by member. Members of the target keep their places, the upper layer's new
 * members follow in its order (what a fresh merged object would have). */
static json_t *merge_object_into(json_t *target, const json_t *upper, fo_strbuf *path)
{
    const char *k;
    json_t *uv;
    size_t mark = path->len;
    const one_of *group = find_one_of(path->data);
    bool upper_picks = false;
    for (size_t i = 0; group && group->members[i] && !upper_picks; i++) {
        const json_t *v = json_object_get(upper, group->members[i]);
        upper_picks = v && !json_is_null(v);
    }
    for (size_t i = 0; upper_picks && group->members[i]; i++) {
        const json_t *v = json_object_get(upper, group->members[i]);
        const char *m = group->members[i];
        if (!json_object_get(target, m) || (v && !json_is_null(v)))
            continue;
        if (v) /* an upper null: null in place, where the merge keeps the member */
            json_object_set_new(target, m, json_null());
        else
            json_object_del(target, m);
    }
    json_object_foreach((json_t *)upper, k, uv)
    {
        json_t *tv = json_object_get(target, k), *v = NULL;
        if (!tv) {
            v = fo_json_copy_containers(uv);
        } else if (!json_is_null(uv)) {
            fo_pt_path_push(path, k);
            /* the member is taken out (a reference of its own) and put back merged */
            v = merge_into(json_incref(tv), uv, path);
            path_pop(path, mark);
        } else {
            continue;
        }
        /* v is NULL only when memory ran out: no half-merged result */
        if (!v || json_object_set_new(target, k, v) != 0) {
            json_decref(target);
            return NULL;
        }
    }
    return target;
}

/* A matched element: with retainKeys, the lower element first loses the members the upper
 * element does not name. */
static json_t *merge_element_into(json_t *target, const json_t *upper, bool retain,
                                  fo_strbuf *path)
{
    if (retain && json_is_object(target) && json_is_object(upper)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(target, tmp, k, v)
        {
            if (!json_object_get(upper, k))
                json_object_del(target, k);
        }
    }
    return merge_into(target, upper, path);
}

/* RULE_UNION: the upper elements not yet in the list, appended in order. */
static json_t *union_list(json_t *out, const json_t *upper)
{
    size_t nl = json_array_size(out), nu = json_array_size(upper);
    fo_pt_index seen;
    if (!fo_pt_index_init(&seen, nl + nu)) {
        fo_pt_index_release(&seen);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < nl; i++)
        fo_pt_index_add(&seen, fo_pt_value_hash(json_array_get(out, i)), i);
    for (size_t i = 0; i < nu; i++) {
        const json_t *u = json_array_get(upper, i);
        uint64_t h = fo_pt_value_hash(u);
        if (fo_pt_index_contains(&seen, out, u, h))
            continue;
        fo_pt_index_add(&seen, h, json_array_size(out));
        if (json_array_append_new(out, fo_json_copy_containers(u)) != 0) {
            json_decref(out); /* out of memory: no half-merged list */
            out = NULL;
            break;
        }
    }
    fo_pt_index_release(&seen);
    return out;
}

/* Are the string values of `member` in list[0..n) distinct? *distinct says; false when memory
 * runs out. Hashed: lists come from users. */
static bool distinct_strings(const json_t *list, size_t n, const char *member, bool *distinct)
{
    fo_pt_index seen;
    *distinct = true;
    if (!fo_pt_index_init(&seen, n)) {
        fo_pt_index_release(&seen);
        return false;
    }
    for (size_t i = 0; i < n && *distinct; i++) {
        const json_t *v = json_object_get(json_array_get(list, i), member);
        if (!json_is_string(v))
            continue;
        size_t it = 0, at = 0;
        uint64_t h = fo_pt_value_hash(v);
        while (*distinct && fo_pt_index_each(&seen, h, &it, &at))
            *distinct = !fo_json_equal(json_object_get(json_array_get(list, at), member), v);
        fo_pt_index_add(&seen, h, i);
    }
    fo_pt_index_release(&seen);
    return true;
}

/* Are the keys of upper (all keyed) distinct? *distinct says; false when memory runs out. */
static bool distinct_keys(const json_t *upper, const list_rule *r, bool *distinct)
{
    size_t nu = json_array_size(upper);
    fo_pt_index seen;
    *distinct = true;
    if (!fo_pt_index_init(&seen, nu)) {
        fo_pt_index_release(&seen);
        return false;
    }
    for (size_t i = 0; i < nu && *distinct; i++) {
        const json_t *u = json_array_get(upper, i);
        size_t it = 0, at = 0;
        uint64_t h = fo_pt_key_hash(u, r);
        while (*distinct && fo_pt_index_each(&seen, h, &it, &at))
            *distinct = !same_key(json_array_get(upper, at), u, r);
        fo_pt_index_add(&seen, h, i);
    }
    fo_pt_index_release(&seen);
    return true;
}

/* The `unique` member (a port's name) stays unique: out[0..nl) are the lower elements, merged
 * in place (partner[i]: the upper element merged into out[i], + 1; 0: none), and one whose
 * member an upper element other than its partner has loses it. Only where the lists are what
 * the API server takes (map_list checks the lower layer: every element keyed, keys and members
 * distinct), and the upper layer likewise (checked here); elsewhere nothing changes, so that
 * merging again pairs the same elements and normalising twice gives the same result. The
 * member goes, not the element: a port one layer declares is never lost. */
static bool rename_lower_taken(json_t *out, size_t nl, const size_t *partner, const json_t *upper,
                               const list_rule *r)
{
    size_t nu = json_array_size(upper), j;
    bool clean = true;
    for (j = 0; j < nu && clean; j++)
        clean = keyed(json_array_get(upper, j), r);
    if (!clean)
        return true;
    if (!distinct_keys(upper, r, &clean) || (clean && !distinct_strings(upper, nu, r->unique,
                                                                        &clean)))
        return false;
    if (!clean)
        return true;
    fo_pt_index names;
    if (!fo_pt_index_init(&names, nu)) {
        fo_pt_index_release(&names);
        return false;
    }
    json_t *u;
    json_array_foreach(upper, j, u)
    {
        const json_t *w = json_object_get(u, r->unique);
        if (json_is_string(w))
            fo_pt_index_add(&names, fo_pt_value_hash(w), j);
    }
    for (size_t i = 0; i < nl; i++) {
        json_t *e = json_array_get(out, i);
        const json_t *v = json_object_get(e, r->unique);
        if (!json_is_string(v))
            continue;
        size_t it = 0, at = 0;
        uint64_t h = fo_pt_value_hash(v);
        while (fo_pt_index_each(&names, h, &it, &at)) {
            if (at + 1 != partner[i] &&
                fo_json_equal(json_object_get(json_array_get(upper, at), r->unique), v)) {
                /* a partner's null stays in place, as the merge keeps it (merging again then
                 * finds the same) */
                const json_t *mine =
                    partner[i] ? json_object_get(json_array_get(upper, partner[i] - 1), r->unique)
                               : NULL;
                if (json_is_null(mine))
                    json_object_set_new(e, r->unique, json_null());
                else
                    json_object_del(e, r->unique);
                break;
            }
        }
    }
    fo_pt_index_release(&names);
    return true;
}

/* RULE_MAP. Each upper element merges into the first lower element with its key that no
 * earlier upper element took; duplicates keep their own places, so merging again changes
 * nothing. Elements appended from the upper list are never merge targets. Lower elements with
 * equal keys form a group whose members are taken in list order (`cursor`), so each upper
 * element costs one lookup. */
static json_t *map_list(json_t *out, const json_t *upper, const list_rule *r, fo_strbuf *path)
{
    size_t nl = json_array_size(out), nu = json_array_size(upper);
    fo_pt_index groups, plain; /* key hash -> group leader; hash -> unkeyed index */
    size_t *member_next = calloc(nl + 1, sizeof *member_next); /* index -> next in group + 1 */
    size_t *group_last = calloc(nl + 1, sizeof *group_last);   /* leader -> last member + 1 */
    size_t *cursor = calloc(nl + 1, sizeof *cursor);           /* leader -> next free + 1 */
    size_t *partner = calloc(nl + 1, sizeof *partner); /* index -> upper merged into it + 1 */
    bool groups_ok = fo_pt_index_init(&groups, nl), plain_ok = fo_pt_index_init(&plain, nl + nu);
    bool ok = groups_ok && plain_ok && member_next && group_last && cursor && partner;
    /* rename_lower_taken's conditions on the lower layer: every element keyed, keys and
     * unique members distinct */
    bool plain_keys = ok && r->unique;
    if (plain_keys && !distinct_strings(out, nl, r->unique, &plain_keys))
        ok = false;
    if (!ok) {
        json_decref(out);
        out = NULL;
        goto done;
    }
    for (size_t j = 0; j < nl; j++) {
        const json_t *l = json_array_get(out, j);
        if (!keyed(l, r)) {
            fo_pt_index_add(&plain, fo_pt_value_hash(l), j);
            plain_keys = false;
            continue;
        }
        uint64_t h = fo_pt_key_hash(l, r);
        size_t it = 0, leader = 0;
        bool found = false;
        while (!found && fo_pt_index_each(&groups, h, &it, &leader))
            found = same_key(json_array_get(out, leader), l, r);
        if (!found) {
            fo_pt_index_add(&groups, h, j);
            cursor[j] = j + 1;
            group_last[j] = j + 1;
        } else {
            member_next[group_last[leader] - 1] = j + 1;
            group_last[leader] = j + 1;
            plain_keys = false;
        }
    }
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    bool lost = false; /* out of memory: no half-merged list */
    for (size_t i = 0; i < nu && !lost; i++) {
        const json_t *u = json_array_get(upper, i);
        if (!keyed(u, r)) {
            uint64_t h = fo_pt_value_hash(u);
            plain_keys = false;
            if (!fo_pt_index_contains(&plain, out, u, h)) {
                fo_pt_index_add(&plain, h, json_array_size(out));
                lost = json_array_append_new(out, fo_json_copy_containers(u)) != 0;
            }
            continue;
        }
        size_t it = 0, leader = 0, at = 0;
        bool found = false;
        uint64_t h = fo_pt_key_hash(u, r);
        while (!found && fo_pt_index_each(&groups, h, &it, &leader))
            found = same_key(json_array_get(out, leader), u, r);
        if (found && cursor[leader]) {
            at = cursor[leader] - 1;
            cursor[leader] = member_next[at];
            partner[at] = i + 1;
            lost = json_array_set_new(out, at,
                                      merge_element_into(json_incref(json_array_get(out, at)),
                                                         u, r->retain_keys, path)) != 0;
        } else {
            lost = json_array_append_new(out, fo_json_copy_containers(u)) != 0;
        }
    }
    path_pop(path, mark);
    if (lost || (plain_keys && !rename_lower_taken(out, nl, partner, upper, r))) {
        json_decref(out);
        out = NULL;
    }
done:
    fo_pt_index_release(&groups);
    fo_pt_index_release(&plain);
    free(member_next);
    free(group_last);
    free(cursor);
    free(partner);
    return out;
}

static json_t *merge_list_into(json_t *target, const json_t *upper, fo_strbuf *path)
{
    const list_rule *r = find_rule(path->data);
    if (!r) { /* atomic: the upper list wins */
        json_decref(target);
        return fo_json_copy_containers(upper);
    }
    return r->kind == RULE_UNION ? union_list(target, upper) : map_list(target, upper, r, path);
}

/* merge(target, upper) in place: target (may be NULL) is owned alone by the caller and
 * consumed; returns the result (target itself when it could be reused), NULL when both are
 * absent or memory runs out. */
static json_t *merge_into(json_t *target, const json_t *upper, fo_strbuf *path)
{
    if (!upper || json_is_null(upper))
        return target;
    if (!target || json_is_null(target)) {
        json_decref(target);
        return fo_json_copy_containers(upper);
    }
    if (json_is_object(target) && json_is_object(upper))
        return merge_object_into(target, upper, path);
    if (json_is_array(target) && json_is_array(upper))
        return merge_list_into(target, upper, path);
    json_decref(target);
    return fo_json_copy_containers(upper);
}

/* ---- does a merge keep the upper layer as it is? -------------------------------------- */

/* keeps(lower, upper): would merge_into(copy of lower, upper) be identical (fo_json_identical:
 * member order and number types included) to upper? It follows merge_into step by step without
 * building anything. Conservative: false also where it cannot tell cheaply (lists of unkeyed
 * elements, long lists of lower elements, keys with NUL bytes), and the caller then merges. */

/* Most lower elements of a list-map whose keys are compared pairwise (n^2 / 2 comparisons). */
#define KEEPS_MAX_MAP_LOWER 16
/* Most element comparisons for the elements a union list appends. */
#define KEEPS_MAX_UNION_COMPARISONS 1024

static bool keeps(const json_t *lower, const json_t *upper, fo_strbuf *path);

/* merge_object_into (after merge_element_into's retainKeys step when retain): the target keeps
 * its members in place and the upper layer's new members follow in its order, so the result is
 * written like upper only when the lower members that stay come first in upper, in the same
 * order, and each merged member keeps upper's value. */
static bool keeps_object(const json_t *lower, const json_t *upper, bool retain, fo_strbuf *path)
{
    void *il = json_object_iter((json_t *)lower);
    const char *k;
    size_t klen, mark = path->len;
    json_t *uv;
    json_object_keylen_foreach((json_t *)upper, k, klen, uv)
    {
        if (strlen(k) != klen)
            return false; /* merge_into looks members up by C string */
        while (retain && il && !json_object_get(upper, json_object_iter_key(il)))
            il = json_object_iter_next((json_t *)lower, il);
        const json_t *tv = NULL;
        if (il) {
            if (json_object_iter_key_len(il) != klen ||
                memcmp(json_object_iter_key(il), k, klen) != 0)
                return false; /* a lower member before this one, or in another order */
            tv = json_object_iter_value(il);
            il = json_object_iter_next((json_t *)lower, il);
        }
        if (!tv)
            continue; /* a new member: copied as written */
        if (json_is_null(uv)) {
            if (!json_is_null(tv))
                return false; /* an upper null keeps the lower value */
            continue;
        }
        fo_pt_path_push(path, k);
        bool same = keeps(tv, uv, path);
        path_pop(path, mark);
        if (!same)
            return false;
    }
    while (retain && il && !json_object_get(upper, json_object_iter_key(il)))
        il = json_object_iter_next((json_t *)lower, il);
    return !il; /* a lower member upper does not name stays */
}

/* union_list: lower elements stay as they are, then the upper elements not yet in the list. */
static bool keeps_union(const json_t *lower, const json_t *upper)
{
    size_t nl = json_array_size(lower), nu = json_array_size(upper);
    if (nl > nu || (nu - nl) * nu > KEEPS_MAX_UNION_COMPARISONS)
        return false;
    for (size_t i = 0; i < nl; i++)
        if (!fo_json_identical(json_array_get(lower, i), json_array_get(upper, i)))
            return false;
    for (size_t j = nl; j < nu; j++)
        for (size_t i = 0; i < j; i++)
            if (fo_json_equal(json_array_get(upper, j), json_array_get(upper, i)))
                return false; /* a duplicate is dropped */
    return true;
}

/* map_list, in the case it can follow cheaply: every element keyed, the lower keys distinct,
 * upper element i (i < lower length) of lower element i's key. Then upper element i merges into
 * lower element i in place and the rest of upper is appended: each lower key's element is taken
 * by then. */
static bool keeps_map(const json_t *lower, const json_t *upper, const list_rule *r,
                      fo_strbuf *path)
{
    size_t nl = json_array_size(lower), nu = json_array_size(upper);
    if (nl > nu || nl > KEEPS_MAX_MAP_LOWER)
        return false;
    for (size_t i = 0; i < nu; i++)
        if (!keyed(json_array_get(upper, i), r))
            return false;
    for (size_t i = 0; i < nl; i++) {
        const json_t *l = json_array_get(lower, i);
        if (!keyed(l, r) || !same_key(l, json_array_get(upper, i), r))
            return false;
        for (size_t j = 0; j < i; j++)
            if (same_key(json_array_get(lower, j), l, r))
                return false;
    }
    size_t mark = path->len;
    fo_pt_path_push(path, "[]");
    bool same = true;
    for (size_t i = 0; same && i < nl; i++)
        same = keeps_object(json_array_get(lower, i), json_array_get(upper, i), r->retain_keys,
                            path);
    path_pop(path, mark);
    return same;
}

/* upper is neither absent nor null. */
static bool keeps(const json_t *lower, const json_t *upper, fo_strbuf *path)
{
    if (!lower || json_is_null(lower))
        return true; /* a copy of upper */
    if (json_is_object(lower) && json_is_object(upper))
        return keeps_object(lower, upper, false, path);
    if (!json_is_array(lower) || !json_is_array(upper))
        return true; /* upper replaces lower: a copy of upper */
    const list_rule *r = find_rule(path->data);
    if (!r)
        return true; /* atomic list: a copy of upper */
    return r->kind == RULE_UNION ? keeps_union(lower, upper) : keeps_map(lower, upper, r, path);
}

bool fo_podtemplate_merge_keeps(const json_t *lower, const json_t *upper)
{
    if (!upper || json_is_null(upper))
        return false;
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    bool same = keeps(lower, upper, &path);
    fo_strbuf_release(&path);
    return same;
}

json_t *fo_podtemplate_merge(const json_t *lower, const json_t *upper)
{
    bool no_lower = !lower || json_is_null(lower), no_upper = !upper || json_is_null(upper);
    if (no_lower && no_upper)
        return NULL;
    json_t *target = no_lower ? NULL : fo_json_copy_containers(lower);
    if (!no_lower && !target)
        return NULL;
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    json_t *out = merge_into(target, no_upper ? NULL : upper, &path);
    fo_strbuf_release(&path);
    return out;
}

/* Merge layers[0..n) into acc (consumed) in place; returns the accumulator. */
static json_t *layer_into(json_t *acc, const json_t *const *layers, size_t n, fo_strbuf *path)
{
    for (size_t i = 0; i < n; i++) {
        if (!layers[i] || json_is_null(layers[i]))
            continue;
        path_pop(path, 0);
        acc = merge_into(acc, layers[i], path);
        if (!acc)
            return NULL; /* out of memory (a layer was there): not the layers above alone */
    }
    return acc;
}

json_t *fo_podtemplate_layer(const json_t *const *layers, size_t nlayers)
{
    /* one accumulator, merged into layer by layer (merge_into consumes and returns it) */
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    json_t *acc = layer_into(NULL, layers, nlayers, &path);
    fo_strbuf_release(&path);
    return acc;
}

json_t *fo_podtemplate_layer_keep(const json_t *const *layers, size_t nlayers, bool *top_kept)
{
    *top_kept = false;
    const json_t *top = nlayers ? layers[nlayers - 1] : NULL;
    if (!top || json_is_null(top))
        return fo_podtemplate_layer(layers, nlayers);
    fo_strbuf path;
    fo_strbuf_init(&path, 0);
    /* One layer below the top (or none) is the lower template as it is: asked without a copy. */
    size_t below = 0;
    const json_t *only = NULL;
    for (size_t i = 0; i + 1 < nlayers; i++) {
        if (layers[i] && !json_is_null(layers[i])) {
            below++;
            only = layers[i];
        }
    }
    if (below <= 1 && keeps(only, top, &path)) {
        *top_kept = true;
        fo_strbuf_release(&path);
        return NULL;
    }
    path_pop(&path, 0);
    json_t *acc = layer_into(NULL, layers, nlayers - 1, &path);
    if (below && !acc) { /* out of memory */
        fo_strbuf_release(&path);
        return NULL;
    }
    path_pop(&path, 0);
    /* the cheap answer first (asked above for one layer); where it cannot tell, merge and
     * compare */
    *top_kept = below > 1 && keeps(acc, top, &path);
    if (!*top_kept) {
        path_pop(&path, 0);
        acc = merge_into(acc, top, &path);
        *top_kept = acc && fo_json_identical(acc, top);
    }
    fo_strbuf_release(&path);
    if (*top_kept) {
        json_decref(acc);
        return NULL;
    }
    return acc;
}
