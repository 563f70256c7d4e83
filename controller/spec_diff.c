#include "controller/spec_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

/* Values longer than this are cut in the summary (it goes into an Event message). */
#define VALUE_TEXT_MAX 40
/* Named lists longer than this are compared as one value (see tree). */
#define NAMED_LIST_MAX 256

const char *fo_diff_type_name(fo_diff_type t)
{
    switch (t) {
    case FO_DIFF_IGNORE:
        return "IGNORE";
    case FO_DIFF_SCALE:
        return "SCALE";
    case FO_DIFF_UPGRADE:
        return "UPGRADE";
    case FO_DIFF_SAVEPOINT_REDEPLOY:
        return "SAVEPOINT_REDEPLOY";
    }
    return "UPGRADE";
}

typedef struct walker {
    fo_spec_diff *out;
    fo_strbuf sb; /* the summary being built */
    bool standalone;
    bool truncated; /* some changes did not fit into the summary */
    const char *role; /* "jobManager" or "taskManager" while walking its members */
} walker;

/* A value as the summary shows it: strings bare, absent as null, others compact JSON. */
static void value_text(const json_t *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "null");
        return;
    }
    char *text = json_is_string(v) ? strdup(json_string_value(v)) : fo_json_dumps_compact(v);
    if (!text) {
        snprintf(buf, len, "?");
        return;
    }
    size_t n = strlen(text), shown = fo_utf8_prefix(text, n, VALUE_TEXT_MAX);
    snprintf(buf, len, "%.*s%s", (int)shown, text, shown < n ? "..." : "");
    free(text);
}

static void record(walker *w, fo_diff_type type, const char *path, const json_t *a, const json_t *b)
{
    w->out->changes++;
    if (type > w->out->type)
        w->out->type = type;
    char av[VALUE_TEXT_MAX + 8], bv[VALUE_TEXT_MAX + 8];
    value_text(a, av, sizeof av);
    value_text(b, bv, sizeof bv);
    size_t before = w->sb.len;
    if (w->out->changes > 1)
        fo_strbuf_puts(&w->sb, ", ");
    if (fo_strbuf_printf(&w->sb, "%s : %s -> %s", path, av, bv) != FO_OK) {
        /* Over the limit: keep what fits; the count still says how many changed. */
        fo_strbuf_truncate(&w->sb, before);
        w->truncated = true;
    }
}

/* Compare a and b (either may be NULL) as one field of the given class. */
static void leaf(walker *w, fo_diff_type type, const char *path, const json_t *a, const json_t *b)
{
    if (!fo_json_equal(a, b))
        record(w, type, path, a, b);
}

/* Lists whose items are named (containers, volumes, env, ...): every item an object with a
 * distinct string "name". */
static bool named_items(const json_t *list)
{
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n; i++) {
        const char *name = fo_json_str(json_array_get(list, i), "name");
        if (!name)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(name, fo_json_str(json_array_get(list, j), "name")) == 0)
                return false;
    }
    return true;
}

static const json_t *item_named(const json_t *list, const char *name)
{
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        if (strcmp(fo_json_str(item, "name"), name) == 0)
            return item;
    }
    return NULL;
}

/* Compare a pod template (or any Kubernetes object) field by field, so a summary names
 * `taskManager.podTemplate.spec.containers[flink-main-container].env[LOG_LEVEL].value`, not
 * two cut-off copies of the whole template: objects member by member, lists of named items
 * item by item (an added or removed item as one value, a new order of the same items as a
 * change of the whole list), everything else as one value. One class for every field. */
static void tree(walker *w, fo_diff_type type, const char *path, const json_t *a, const json_t *b)
{
    char *sub = NULL; /* the member's path: as long as it takes (keys are the user's) */
    if (json_is_object(a) && json_is_object(b)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v)
        {
            if (asprintf(&sub, "%s.%s", path, key) < 0)
                return;
            tree(w, type, sub, v, json_object_get(b, key));
            free(sub);
        }
        json_object_foreach((json_t *)b, key, v)
        {
            if (json_object_get(a, key))
                continue;
            if (asprintf(&sub, "%s.%s", path, key) < 0)
                return;
            tree(w, type, sub, NULL, v);
            free(sub);
        }
        return;
    }
    /* Lists of named items, item by item; very long ones (each lookup walks the list) as one
     * value, so no spec can make a pass quadratic. */
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) <= NAMED_LIST_MAX &&
        json_array_size(b) <= NAMED_LIST_MAX && named_items(a) && named_items(b)) {
        size_t i;
        const json_t *item;
        json_array_foreach(a, i, item)
        {
            const char *name = fo_json_str(item, "name");
            if (asprintf(&sub, "%s[%s]", path, name) < 0)
                return;
            tree(w, type, sub, item, item_named(b, name)); /* removed: -> null */
            free(sub);
        }
        json_array_foreach(b, i, item)
        {
            const char *name = fo_json_str(item, "name");
            if (item_named(a, name))
                continue;
            if (asprintf(&sub, "%s[%s]", path, name) < 0)
                return;
            tree(w, type, sub, NULL, item); /* added: null -> */
            free(sub);
        }
        /* The items both have, in another order: the order is a change of its own. */
        size_t j = 0;
        bool reordered = false;
        json_array_foreach(a, i, item)
        {
            const char *name = fo_json_str(item, "name");
            if (!item_named(b, name))
                continue;
            while (j < json_array_size(b) &&
                   !item_named(a, fo_json_str(json_array_get(b, j), "name")))
                j++;
            if (j >= json_array_size(b) || strcmp(name, fo_json_str(json_array_get(b, j), "name")))
                reordered = true;
            j++;
        }
        if (reordered)
            record(w, type, path, a, b);
        return;
    }
    leaf(w, type, path, a, b);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static fo_diff_type conf_key_type(const walker *w, const char *key)
{
    if (has_prefix(key, "kubernetes.operator.") || has_prefix(key, "job.autoscaler.") ||
        has_prefix(key, "parallelism.default"))
        return FO_DIFF_IGNORE;
    if (has_prefix(key, "pipeline.jobvertex-parallelism-overrides"))
        return w->standalone ? FO_DIFF_UPGRADE : FO_DIFF_SCALE;
    return FO_DIFF_UPGRADE;
}

/* Call fn for every member name of a or b (a's first, then those only in b). */
typedef void (*member_fn)(walker *w, const char *key, const json_t *a, const json_t *b);

static void each_member(walker *w, const json_t *a, const json_t *b, member_fn fn)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)a, key, v)
    {
        fn(w, key, v, json_object_get(b, key));
    }
    json_object_foreach((json_t *)b, key, v)
    {
        if (!json_object_get(a, key))
            fn(w, key, NULL, v);
    }
}

static void conf_member(walker *w, const char *key, const json_t *a, const json_t *b)
{
    char path[FO_FLINK_CONF_MAX_KEY_LEN + 32];
    snprintf(path, sizeof path, "flinkConfiguration.%s", key);
    leaf(w, conf_key_type(w, key), path, a, b);
}

static void job_member(walker *w, const char *key, const json_t *a, const json_t *b)
{
    static const char *const ignored[] = {
        "upgradeMode",           "initialSavepointPath",   "allowNonRestoredState",
        "savepointTriggerNonce", "checkpointTriggerNonce", "autoscalerResetNonce"};
    char path[256];
    snprintf(path, sizeof path, "job.%s", key);
    fo_diff_type type = FO_DIFF_UPGRADE;
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (strcmp(key, ignored[i]) == 0)
            type = FO_DIFF_IGNORE;
    if (strcmp(key, "parallelism") == 0 && w->standalone)
        type = FO_DIFF_SCALE;
    /* A new redeploy nonce asks for a redeploy; removing it asks for nothing. */
    if (strcmp(key, "savepointRedeployNonce") == 0)
        type = b ? FO_DIFF_SAVEPOINT_REDEPLOY : FO_DIFF_IGNORE;
    leaf(w, type, path, a, b);
}

static void resource_member(walker *w, const char *key, const json_t *a, const json_t *b)
{
    char path[256];
    snprintf(path, sizeof path, "%s.resource.%s", w->role, key);
    leaf(w, FO_DIFF_UPGRADE, path, a, b);
}

/* A member of jobManager or taskManager (w->role). Like Apache's ReflectiveDiffBuilder, the
 * summary descends into the operator's own types (the role spec and its Resource) when both
 * sides are set, so an Event names `jobManager.resource.memory`, not two cut-off copies of the
 * whole jobManager object; a pod template is compared field by field (tree). */
static void role_member(walker *w, const char *key, const json_t *a, const json_t *b)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", w->role, key);
    fo_diff_type type = FO_DIFF_UPGRADE;
    if (strcmp(w->role, "taskManager") == 0 && strcmp(key, "replicas") == 0 && w->standalone)
        type = FO_DIFF_SCALE;
    if (strcmp(key, "resource") == 0 && json_is_object(a) && json_is_object(b))
        each_member(w, a, b, resource_member);
    else if (strcmp(key, "podTemplate") == 0)
        tree(w, type, path, a, b);
    else
        leaf(w, type, path, a, b);
}

/* Both sides as objects ({} when absent), or false when one is present but not an object. */
static bool both_objects(const json_t *a, const json_t *b)
{
    return (!a || json_is_object(a)) && (!b || json_is_object(b));
}

static void spec_member(walker *w, const char *key, const json_t *a, const json_t *b)
{
    if (strcmp(key, "job") == 0 && a && b && both_objects(a, b)) {
        each_member(w, a, b, job_member);
    } else if ((strcmp(key, "jobManager") == 0 || strcmp(key, "taskManager") == 0) &&
               both_objects(a, b)) {
        w->role = key;
        each_member(w, a, b, role_member);
    } else if (strcmp(key, "restartNonce") == 0) {
        /* Apache: a restartNonce set back to null restarts nothing. */
        leaf(w, b ? FO_DIFF_UPGRADE : FO_DIFF_IGNORE, key, a, b);
    } else if (strcmp(key, "ingress") == 0) {
        leaf(w, FO_DIFF_IGNORE, key, a, b);
    } else if (strcmp(key, "podTemplate") == 0) {
        tree(w, FO_DIFF_UPGRADE, key, a, b);
    } else if (strcmp(key, "flinkConfiguration") != 0) {
        leaf(w, FO_DIFF_UPGRADE, key, a, b);
    }
}

fo_rc fo_spec_diff_compute(const json_t *old_spec, const json_t *new_spec, fo_flink_mode mode,
                           fo_spec_diff *out, fo_err *err)
{
    memset(out, 0, sizeof *out);
    fo_rc rc = FO_OK;
    json_t *a = NULL, *b = NULL, *ca = NULL, *cb = NULL;
    walker w = {.out = out, .standalone = mode == FO_FLINK_MODE_STANDALONE};
    fo_strbuf_init(&w.sb, FO_SPEC_DIFF_SUMMARY_MAX - 64);

    a = fo_flink_spec_canonical(old_spec, FO_FLINK_DEPLOYMENT);
    b = fo_flink_spec_canonical(new_spec, FO_FLINK_DEPLOYMENT);
    if (!a || !b) {
        rc = fo_err_set(err, FO_EINVAL, "spec diff: a spec is not an object");
        goto out;
    }
    ca = fo_flink_conf_flatten(json_object_get(a, "flinkConfiguration"), err);
    if (!ca) {
        rc = fo_err_wrap(err, "last reconciled spec.flinkConfiguration");
        goto out;
    }
    cb = fo_flink_conf_flatten(json_object_get(b, "flinkConfiguration"), err);
    if (!cb) {
        rc = fo_err_wrap(err, "spec.flinkConfiguration");
        goto out;
    }
    each_member(&w, a, b, spec_member);
    each_member(&w, ca, cb, conf_member);
    if (out->changes)
        snprintf(out->summary, sizeof out->summary, "FlinkDeploymentSpec[%s%s]", w.sb.data,
                 w.truncated ? ", ..." : "");
out:
    fo_strbuf_release(&w.sb);
    json_decref(a);
    json_decref(b);
    json_decref(ca);
    json_decref(cb);
    return rc;
}
