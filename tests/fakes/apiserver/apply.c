#include "tests/fakes/apiserver/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/fakes/apiserver/fieldset.h"
#include "tests/fakes/apiserver/lastapplied.h"
#include "tests/fakes/apiserver/status.h"

/* ---- merging the applied configuration into the live object ---- */

static json_t *merge_value(const json_t *live, const json_t *applied, fka_schema s);

static json_t *merge_list(const json_t *live, const json_t *applied, fka_schema s)
{
    const char *keys[FKA_SCHEMA_MAX_KEYS];
    size_t nkeys = 0;
    fka_list_kind lk = fka_schema_list(s, keys, &nkeys);
    if (lk == FKA_LIST_ATOMIC)
        return fo_json_copy(applied);
    json_t *out = fo_json_copy(live);
    fka_schema is = fka_schema_items(s);
    size_t i;
    json_t *a;
    json_array_foreach(applied, i, a)
    {
        size_t j, at = 0;
        json_t *l, *match = NULL;
        json_array_foreach(out, j, l)
        {
            bool same;
            if (lk == FKA_LIST_SET) {
                same = fo_json_equal(l, a);
            } else {
                same = true;
                for (size_t k = 0; k < nkeys; k++) {
                    /* Missing key fields take the schema default (ports' protocol). */
                    const json_t *d = fka_schema_default(fka_schema_field(is, keys[k]));
                    const json_t *lv = json_object_get(l, keys[k]);
                    const json_t *av = json_object_get(a, keys[k]);
                    if (!fo_json_equal(lv ? lv : d, av ? av : d))
                        same = false;
                }
            }
            if (same) {
                match = l;
                at = j;
                break;
            }
        }
        if (!match)
            json_array_append_new(out, fo_json_copy(a));
        else if (lk == FKA_LIST_MAP)
            json_array_set_new(out, at, merge_value(match, a, is));
    }
    return out;
}

static json_t *merge_value(const json_t *live, const json_t *applied, fka_schema s)
{
    if (json_is_object(live) && json_is_object(applied)) {
        json_t *out = fo_json_copy(live);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)applied, k, v)
        {
            json_t *lv = json_object_get(out, k);
            if (lv)
                json_object_set_new(out, k, merge_value(lv, v, fka_schema_field(s, k)));
            else
                json_object_set(out, k, v);
        }
        return out;
    }
    if (json_is_array(live) && json_is_array(applied))
        return merge_list(live, applied, s);
    return fo_json_copy(applied);
}

/* ---- conflicts ---- */

typedef struct conflict_ctx {
    const json_t *applied, *live;
    const char *who;   /* printed manager */
    json_t *conflicts; /* [{who, path(array)}] */
} conflict_ctx;

static void check_leaf(void *vctx, const json_t *path)
{
    conflict_ctx *c = vctx;
    const json_t *a = fka_fields_value_at(c->applied, path);
    const json_t *l = fka_fields_value_at(c->live, path);
    /* The same value is shared ownership, not a conflict; "." only says that a node exists,
     * which both sides agree on. */
    size_t n = json_array_size(path);
    const char *last = n ? json_string_value(json_array_get(path, n - 1)) : NULL;
    if (last && strcmp(last, ".") == 0)
        return;
    /* Merging a map into a map does not change the node itself. */
    if (json_is_object(a) && json_is_object(l))
        return;
    if (a && l && fo_json_equal(a, l))
        return;
    /* path is reused by the walk: keep a copy. */
    json_array_append_new(c->conflicts,
                          json_pack("{s:s, s:o}", "who", c->who, "path", fo_json_copy(path)));
}

/* How the API server prints a manager in conflict messages. */
static void print_manager(const json_t *e, char *buf, size_t len)
{
    const char *m = fo_json_str(e, "manager"), *op = fo_json_str(e, "operation");
    const char *sub = fo_json_str(e, "subresource"), *av = fo_json_str(e, "apiVersion");
    int n = snprintf(buf, len, "\"%s\"", m ? m : "");
    if (sub && *sub && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " with subresource \"%s\"", sub);
    if (op && strcmp(op, "Update") == 0 && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " using %s", av ? av : "");
}

static int cmp_who(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(fo_json_str(x, "who"), fo_json_str(y, "who"));
}

static json_t *conflict_status(json_t *conflicts)
{
    size_t n = json_array_size(conflicts);
    json_t *causes = json_array();
    fo_strbuf sb;
    fo_strbuf_init(&sb, 64 * 1024);
    json_t **sorted = calloc(n, sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(conflicts, i);
        sorted[i] = c;
        char *p = fka_fields_path_string(json_object_get(c, "path"));
        char msg[600];
        snprintf(msg, sizeof msg, "conflict with %s", fo_json_str(c, "who"));
        json_array_append_new(causes, json_pack("{s:s, s:s, s:s}", "reason", "FieldManagerConflict",
                                                "message", msg, "field", p ? p : ""));
        if (n == 1)
            fo_strbuf_printf(&sb, "Apply failed with 1 conflict: conflict with %s: %s",
                             fo_json_str(c, "who"), p ? p : "");
        free(p);
    }
    if (n > 1) {
        qsort(sorted, n, sizeof *sorted, cmp_who);
        fo_strbuf_printf(&sb, "Apply failed with %zu conflicts: ", n);
        const char *last = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *who = fo_json_str(sorted[i], "who");
            if (!last || strcmp(last, who) != 0)
                fo_strbuf_printf(&sb, "%sconflicts with %s:", last ? "\n" : "", who);
            last = who;
            char *p = fka_fields_path_string(json_object_get(sorted[i], "path"));
            fo_strbuf_printf(&sb, "\n- %s", p ? p : "");
            free(p);
        }
    }
    free(sorted);
    json_t *st = fka_status_failure(409, "Conflict", sb.data, json_pack("{s:o}", "causes", causes));
    fo_strbuf_release(&sb);
    return st;
}

/* A set holding one path. */
static json_t *set_of_path(const json_t *path)
{
    json_t *root = json_object(), *cur = root;
    size_t n = json_array_size(path);
    for (size_t i = 0; i < n; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, json_string_value(json_array_get(path, i)), next);
        cur = next;
    }
    return root;
}

static bool is_mine(const json_t *e, const char *manager, const char *subresource)
{
    const char *m = fo_json_str(e, "manager"), *op = fo_json_str(e, "operation");
    const char *sub = fo_json_str(e, "subresource");
    return m && op && strcmp(m, manager) == 0 && strcmp(op, "Apply") == 0 &&
           strcmp(sub ? sub : "", subresource ? subresource : "") == 0;
}

static json_t *apply_entry(const char *manager, const char *api_version, const char *subresource,
                           json_t *set, int64_t now_ms)
{
    char ts[40];
    json_t *e = json_object();
    json_object_set_new(e, "manager", json_string(manager));
    json_object_set_new(e, "operation", json_string("Apply"));
    json_object_set_new(e, "apiVersion", json_string(api_version));
    json_object_set_new(e, "time",
                        json_string(fo_clock_format_rfc3339(now_ms, false, ts, sizeof ts)));
    json_object_set_new(e, "fieldsType", json_string("FieldsV1"));
    json_object_set_new(e, "fieldsV1", set);
    if (subresource && *subresource)
        json_object_set_new(e, "subresource", json_string(subresource));
    return e;
}

/* The live object's managedFields. When they are empty (never tracked, or reset by a client)
 * the API server first records its fields as an Update by "before-first-apply"
 * (skipnonapplied.go), so an apply can conflict with them. New reference. */
static json_t *live_managed_fields(const fka_apply_in *in, const char *gv, bool with_status)
{
    const json_t *live = fo_json_get(in->cur, "metadata.managedFields");
    if (json_array_size(live))
        return fo_json_copy(live);
    json_t *view = fo_json_copy(in->cur);
    fo_json_del_path(view, "metadata.managedFields");
    fka_fields_record_update(view, NULL, in->s, "before-first-apply", gv, in->subresource,
                             with_status, in->now_ms);
    json_t *mf = json_incref(fo_json_get(view, "metadata.managedFields"));
    json_decref(view);
    return mf ? mf : json_array();
}

static bool same_apart_from_managed_fields(const json_t *a, const json_t *b)
{
    json_t *x = fo_json_copy(a), *y = fo_json_copy(b);
    fo_json_del_path(x, "metadata.managedFields");
    fo_json_del_path(y, "metadata.managedFields");
    bool same = fo_json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

/* An apply that changes nothing leaves its entry's time as it was, and a new entry has none
 * (managedfieldsupdater.go sets the time only when the apply returned an object, and the
 * structured merge returns none for a no-op). */
static void keep_time(json_t *out_mf, const json_t *live_mf, const char *manager,
                      const char *subresource)
{
    const json_t *before = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(live_mf, i, e)
    {
        if (is_mine(e, manager, subresource))
            before = json_object_get(e, "time");
    }
    json_array_foreach(out_mf, i, e)
    {
        if (!is_mine(e, manager, subresource))
            continue;
        if (before)
            json_object_set(e, "time", (json_t *)before);
        else
            json_object_del(e, "time");
    }
}

/* One apply: the new object, or NULL with the conflicts (new reference) in *conflicts. */
static json_t *apply_once(const fka_apply_in *in, bool force, json_t **conflicts_out)
{
    const fka_resource *r = in->r;
    fka_schema s = in->s;
    const json_t *cur = in->cur, *applied = in->applied;
    const char *manager = in->manager, *subresource = in->subresource;
    int64_t now_ms = in->now_ms;
    char gv[300];
    fka_resource_api_version(r, gv, sizeof gv);
    *conflicts_out = NULL;
    bool status_sub = subresource && strcmp(subresource, "status") == 0;
    bool with_status = status_sub || !(r->flags & FKA_R_STATUS);
    json_t *set = fka_fields_of(applied, s, with_status);
    if (!cur) {
        json_t *obj = fo_json_copy(applied);
        json_t *meta = fo_json_ensure_object(obj, "metadata");
        json_object_set_new(meta, "managedFields",
                            json_pack("[o]", apply_entry(manager, gv, subresource, set, now_ms)));
        return obj;
    }
    json_t *mf = live_managed_fields(in, gv, with_status);
    json_t *conflicts = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (is_mine(e, manager, subresource))
            continue;
        char who[600];
        print_manager(e, who, sizeof who);
        json_t *common = fka_fields_intersect(set, json_object_get(e, "fieldsV1"));
        conflict_ctx cc = {applied, cur, who, conflicts};
        fka_fields_foreach_leaf(common, check_leaf, &cc);
        if (force && json_array_size(conflicts)) {
            /* force: the applier takes the conflicting fields over. */
            json_t *taken = json_object();
            size_t j;
            json_t *c;
            json_array_foreach(conflicts, j, c)
            {
                if (strcmp(fo_json_str(c, "who"), who) != 0)
                    continue;
                json_t *one = set_of_path(json_object_get(c, "path"));
                json_t *u = fka_fields_union(taken, one);
                json_decref(taken);
                json_decref(one);
                taken = u;
            }
            json_object_set_new(e, "fieldsV1",
                                fka_fields_minus(json_object_get(e, "fieldsV1"), taken));
            json_decref(taken);
        }
        json_decref(common);
    }
    if (json_array_size(conflicts) && !force) {
        *conflicts_out = conflicts;
        json_decref(mf);
        json_decref(set);
        return NULL;
    }
    json_decref(conflicts);

    json_t *merged = merge_value(cur, applied, s);
    /* Fields this manager applied before and left out now go, unless someone else owns
     * them. */
    json_t *prev = NULL, *others = json_object();
    json_array_foreach(mf, i, e)
    {
        if (is_mine(e, manager, subresource)) {
            prev = json_object_get(e, "fieldsV1");
            continue;
        }
        json_t *u = fka_fields_union(others, json_object_get(e, "fieldsV1"));
        json_decref(others);
        others = u;
    }
    if (prev) {
        json_t *dropped = fka_fields_minus(prev, set);
        json_t *gone = fka_fields_minus(dropped, others);
        fka_fields_remove(merged, gone);
        json_decref(dropped);
        json_decref(gone);
    }
    json_decref(others);
    json_t *out_mf = json_array();
    bool placed = false;
    json_array_foreach(mf, i, e)
    {
        if (is_mine(e, manager, subresource)) {
            json_array_append_new(out_mf,
                                  apply_entry(manager, gv, subresource, json_incref(set), now_ms));
            placed = true;
        } else if (!fka_fields_empty(json_object_get(e, "fieldsV1"))) {
            json_array_append(out_mf, e);
        }
    }
    if (!placed)
        json_array_append_new(out_mf,
                              apply_entry(manager, gv, subresource, json_incref(set), now_ms));
    if (same_apart_from_managed_fields(cur, merged))
        keep_time(out_mf, mf, manager, subresource);
    fka_managed_fields_sort(out_mf);
    json_object_set_new(fo_json_ensure_object(merged, "metadata"), "managedFields", out_mf);
    json_decref(mf);
    json_decref(set);
    return merged;
}

/* lastAppliedManager: conflicts the live object's last-applied annotation all allows are
 * taken over as if forced; otherwise only the ones it does not allow are reported. */
static json_t *migrate(const fka_apply_in *in, json_t **conflicts)
{
    char gv[300];
    fka_resource_api_version(in->r, gv, sizeof gv);
    json_t *left = fka_last_applied_remaining(in->cur, in->s, gv, *conflicts);
    json_decref(*conflicts);
    *conflicts = left;
    if (json_array_size(left))
        return NULL;
    json_decref(left);
    return apply_once(in, true, conflicts);
}

json_t *fka_apply(const fka_apply_in *in, json_t **status)
{
    json_t *conflicts = NULL;
    json_t *out = apply_once(in, in->force, &conflicts);
    bool kubectl = fka_last_applied_manager(in->manager);
    if (!out && kubectl)
        out = migrate(in, &conflicts);
    if (!out) {
        *status = conflict_status(conflicts);
        json_decref(conflicts);
        return NULL;
    }
    json_decref(conflicts);
    /* lastAppliedUpdater, after the apply (and the migration) succeeded. */
    if (kubectl)
        fka_last_applied_update(out, in->sent ? in->sent : in->applied,
                                (in->r->flags & FKA_R_CUSTOM) != 0);
    return out;
}
