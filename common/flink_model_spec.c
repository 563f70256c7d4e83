/* flink_model, second half: the lastReconciledSpec / lastStableSpec string format (the Apache
 * operator's SpecUtils.writeSpecWithMeta / deserializeSpecWithMeta), the canonical form used to
 * compare specs, and the lifecycle state derivation (CommonStatus.getLifecycleState). */
#include "common/flink_model.h"

#include <string.h>

#include "common/flink_conf.h"
#include "common/json_read.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define META_KEY "resource_metadata"

/* ---- canonical form ----------------------------------------------------------------------- */

/* Map-typed (Map<String, ...>) members of the Kubernetes objects in a pod template. */
static bool is_map_member(const char *key)
{
    static const char *const maps[] = {"labels",           "annotations", "nodeSelector",
                                       "requests",         "limits",      "overhead",
                                       "volumeAttributes", "options",     NULL};
    for (size_t i = 0; maps[i]; i++)
        if (strcmp(key, maps[i]) == 0)
            return true;
    return false;
}

/* Remove JSON nulls from objects, recursively (Jackson reads null as "not set"). When
 * drop_empty is set, also drop empty arrays and empty maps: fabric8 model classes (pod
 * templates, ResourceRequirements) serialise their collections with NON_EMPTY, so the Apache
 * operator's copy of a pod template has lost them and they must not count as a difference.
 * Empty *objects* stay: fabric8 writes them (`emptyDir: {}` is a volume source, and dropping
 * it would leave a volume without one). */
static void strip(json_t *v, bool drop_empty)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, child)
        {
            strip(child, drop_empty);
            bool empty_collection =
                (json_is_array(child) || (json_is_object(child) && is_map_member(key))) &&
                fo_json_is_empty(child);
            if (json_is_null(child) || (drop_empty && empty_collection))
                json_object_del(v, key);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) strip(child, drop_empty);
    }
}

/* Kubernetes quantities may be written as numbers (cpu: 1); fabric8's Quantity always writes
 * strings ("1"). Compare them as strings. */
static void quantities_as_strings(json_t *map)
{
    if (!json_is_object(map))
        return;
    const char *key;
    json_t *val;
    json_object_foreach(map, key, val)
    {
        if (json_is_integer(val)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(val));
            json_object_set_new(map, key, json_string(buf));
        } else if (json_is_real(val)) {
            char buf[40];
            json_object_set_new(
                map, key,
                json_string(fo_flink_format_double(json_real_value(val), buf, sizeof buf)));
        }
    }
}

static void canonical_requirements(json_t *res)
{
    if (!json_is_object(res))
        return;
    quantities_as_strings(json_object_get(res, "requests"));
    quantities_as_strings(json_object_get(res, "limits"));
}

/* Pod templates: drop empties, and compare container resource quantities as strings. */
static void canonical_pod_template(json_t *pt)
{
    if (!json_is_object(pt))
        return;
    strip(pt, true);
    /* An empty template part (spec: {}) adds nothing to a merge: the same as none. */
    if (fo_json_is_empty(json_object_get(pt, "spec")))
        json_object_del(pt, "spec");
    if (fo_json_is_empty(json_object_get(pt, "metadata")))
        json_object_del(pt, "metadata");
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    json_t *spec = json_object_get(pt, "spec");
    for (size_t l = 0; l < 3 && json_is_object(spec); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
            canonical_requirements(json_object_get(c, "resources"));
    }
}

static void canonical_role(json_t *role, bool is_jm)
{
    if (!json_is_object(role))
        return;
    if (is_jm && !json_object_get(role, "replicas"))
        json_object_set_new(role, "replicas", json_integer(1));
    json_t *res = json_object_get(role, "resources");
    if (json_is_object(res)) {
        strip(res, true);
        canonical_requirements(res);
        if (json_object_size(res) == 0)
            json_object_del(role, "resources");
    }
    canonical_pod_template(json_object_get(role, "podTemplate"));
    if (fo_json_is_empty(json_object_get(role, "podTemplate")))
        json_object_del(role, "podTemplate");
}

static bool is_zero(const json_t *v)
{
    return (json_is_integer(v) && json_integer_value(v) == 0) ||
           (json_is_real(v) && json_real_value(v) == 0.0);
}

/* Canonicalise c (an object the caller owns alone) in place; returns c. */
static json_t *canonical_in_place(json_t *c, fo_flink_kind kind)
{
    strip(c, false);

    json_t *job = json_object_get(c, "job");
    if (json_is_object(job)) {
        if (is_zero(json_object_get(job, "parallelism")))
            json_object_del(job, "parallelism");
        json_t *args = json_object_get(job, "args");
        if (json_is_array(args) && json_array_size(args) == 0)
            json_object_del(job, "args");
        if (!json_object_get(job, "state"))
            json_object_set_new(job, "state", json_string("running"));
        if (!json_object_get(job, "upgradeMode"))
            json_object_set_new(job, "upgradeMode", json_string("stateless"));
    }

    /* flinkConfiguration: flat string map, as both operators read it (asFlatMap). */
    json_t *conf = json_object_get(c, "flinkConfiguration");
    if (json_is_object(conf)) {
        json_t *flat = fo_flink_conf_flatten(conf, NULL);
        if (flat && json_object_size(flat) > 0)
            json_object_set_new(c, "flinkConfiguration", flat);
        else {
            json_decref(flat);
            json_object_del(c, "flinkConfiguration");
        }
    }

    if (kind != FO_FLINK_SESSION_JOB) {
        canonical_role(json_object_get(c, "jobManager"), true);
        canonical_role(json_object_get(c, "taskManager"), false);
        canonical_pod_template(json_object_get(c, "podTemplate"));
        if (fo_json_is_empty(json_object_get(c, "podTemplate")))
            json_object_del(c, "podTemplate");
    }
    return c;
}

json_t *fo_flink_spec_canonical(const json_t *spec, fo_flink_kind kind)
{
    if (!json_is_object(spec))
        return NULL;
    json_t *c = fo_json_copy(spec);
    return c ? canonical_in_place(c, kind) : NULL;
}

/* ---- lastReconciledSpec string --------------------------------------------------------- */

/* The members of a spec the admission rules compare with the last reconciled spec
 * (common/validate_*.c: job, mode and flinkVersion; a session job's deploymentName). */
enum { RULES_OTHER = 0, RULES_ROOT, RULES_SPEC };

static bool is_rules_member(const char *key, size_t n)
{
    static const char *const members[] = {"job", "mode", "flinkVersion", "deploymentName"};
    for (size_t i = 0; i < sizeof members / sizeof *members; i++)
        if (strlen(members[i]) == n && memcmp(members[i], key, n) == 0)
            return true;
    return false;
}

/* Builds the format's own members and the rules' members of the spec; leaves out the rest
 * (checked as JSON, not built). In the old format the wrapper is the spec. */
static int rules_member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    if (!key)
        return RULES_OTHER;
    if (st == RULES_ROOT) {
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
        if (IS("spec"))
            return RULES_SPEC;
        if (IS(META_KEY) || IS("apiVersion") || IS("metadata"))
            return RULES_OTHER;
#undef IS
    }
    if (!is_rules_member(key, n))
        *skip = 0;
    return RULES_OTHER;
}

static const fo_json_read_filter rules_filter = {.root_state = RULES_ROOT, .member = rules_member};

/* fo_flink_spec_parse, building what filter lets through (NULL: everything). */
static fo_rc parse_spec_text(const char *text, fo_flink_kind kind,
                             const fo_json_read_filter *filter, bool canonical, json_t **spec_out,
                             fo_flink_spec_meta *meta, fo_err *err)
{
    *spec_out = NULL;
    if (meta)
        memset(meta, 0, sizeof *meta);
    if (!text)
        return fo_err_set(err, FO_EINVAL, "spec string is missing");
    json_t *wrapper =
        fo_json_parse_filtered(text, strlen(text), FO_FLINK_SPEC_JSON_MAX, filter, err);
    if (!wrapper)
        return err ? fo_err_wrap(err, "reconciled spec") : FO_EINVAL;
    fo_rc rc = FO_OK;
    const json_t *spec = NULL;
    if (!json_is_object(wrapper)) {
        rc = fo_err_set(err, FO_EINVAL, "reconciled spec: not a JSON object");
        goto out;
    }
    const json_t *m = json_object_get(wrapper, META_KEY);
    if (m) {
        if (!json_is_object(m)) {
            rc = fo_err_set(err, FO_EINVAL, "reconciled spec: %s is not an object", META_KEY);
            goto out;
        }
        spec = json_object_get(wrapper, "spec");
        if (!json_is_object(spec)) {
            rc =
                fo_err_set(err, FO_EINVAL, "reconciled spec: \"spec\" is missing or not an object");
            goto out;
        }
        if (meta) {
            meta->present = true;
            const char *av = fo_json_str(m, "apiVersion");
            snprintf(meta->api_version, sizeof meta->api_version, "%s", av ? av : "");
            meta->first_deployment = json_is_true(json_object_get(m, "firstDeployment"));
            const char *writer = fo_json_get_str(m, "metadata.writer");
            meta->by_flinkop = writer && strcmp(writer, "flinkop") == 0;
        }
    } else {
        /* Old format: the spec itself plus apiVersion (and, in some versions, metadata). */
        const char *av = fo_json_str(wrapper, "apiVersion");
        if (meta)
            snprintf(meta->api_version, sizeof meta->api_version, "%s", av ? av : "");
        json_object_del(wrapper, "apiVersion");
        json_object_del(wrapper, "metadata");
        spec = wrapper;
    }
    /* The parsed text is ours alone: canonicalise it where it lies instead of copying it.
     * (The old format's spec is the wrapper itself, minus apiVersion and metadata.) */
    *spec_out = canonical ? canonical_in_place(json_incref((json_t *)spec), kind)
                          : json_incref((json_t *)spec);
out:
    json_decref(wrapper);
    return rc;
}

fo_rc fo_flink_spec_parse(const char *text, fo_flink_kind kind, json_t **spec_out,
                          fo_flink_spec_meta *meta, fo_err *err)
{
    return parse_spec_text(text, kind, NULL, true, spec_out, meta, err);
}

char *fo_flink_spec_write(const json_t *spec, const char *api_version, bool first_deployment)
{
    if (!json_is_object(spec))
        return NULL;
    /* Built by hand so the key order is exactly Jackson's: "spec", then "resource_metadata"
     * with "apiVersion" before "firstDeployment" (ReconciliationMetadata field order). The
     * spec keeps its own member order. */
    char *body = fo_json_dumps_compact(spec);
    if (!body)
        return NULL;
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "{\"spec\":");
    fo_strbuf_puts(&sb, body);
    fo_strbuf_puts(&sb, ",\"" META_KEY "\":{\"apiVersion\":");
    fo_strbuf_put_json_str(&sb, api_version ? api_version : FO_FLINK_API_VERSION);
    /* the Apache operator's reader removes "metadata" from here before it reads the rest */
    fo_strbuf_puts(&sb, ",\"metadata\":{\"writer\":\"flinkop\"}");
    fo_strbuf_puts(&sb, first_deployment ? ",\"firstDeployment\":true}}"
                                         : ",\"firstDeployment\":false}}");
    free(body);
    return fo_strbuf_take(&sb);
}

/* status.reconciliationStatus.lastReconciledSpec of obj, parsed with filter. */
static json_t *last_reconciled(const json_t *obj, const fo_json_read_filter *filter,
                               bool canonical, fo_flink_spec_meta *meta, fo_rc *rc)
{
    if (rc)
        *rc = FO_OK;
    if (meta)
        memset(meta, 0, sizeof *meta);
    const char *text = fo_json_get_str(obj, "status.reconciliationStatus.lastReconciledSpec");
    if (!text)
        return NULL;
    json_t *spec = NULL;
    fo_flink_kind kind = fo_flink_kind_of(obj);
    fo_rc r = parse_spec_text(text, kind == FO_FLINK_SESSION_JOB ? kind : FO_FLINK_DEPLOYMENT,
                              filter, canonical, &spec, meta, NULL);
    if (rc)
        *rc = r;
    return spec;
}

json_t *fo_flink_last_reconciled_spec(const json_t *obj, fo_flink_spec_meta *meta, fo_rc *rc)
{
    return last_reconciled(obj, NULL, true, meta, rc);
}

json_t *fo_flink_last_reconciled_spec_as_written(const json_t *obj)
{
    return last_reconciled(obj, NULL, false, NULL, NULL);
}

json_t *fo_flink_last_reconciled_spec_for_rules(const json_t *obj, fo_rc *rc)
{
    return last_reconciled(obj, &rules_filter, true, NULL, rc);
}

/* ---- lifecycle (reference a.7) -------------------------------------------------------------- */

/* CommonStatus message constants the Apache operator matches inside status.error. */
static const char *const unrecoverable_msgs[] = {
    "Manual restore required.",
    ("It is possible that the job has finished or terminally failed, or the configmaps have "
     "been deleted."),
    "HA metadata is not available",
};

fo_flink_lifecycle fo_flink_lifecycle_derive(const json_t *obj)
{
    const json_t *status = json_object_get(obj, "status");
    const char *stored = fo_json_str(status, "lifecycleState");
    fo_flink_lifecycle l = fo_flink_lifecycle_parse(stored);
    if (l == FO_LIFECYCLE_DELETING || l == FO_LIFECYCLE_DELETED)
        return l;

    const json_t *rs = json_object_get(status, "reconciliationStatus");
    const char *last = fo_json_str(rs, "lastReconciledSpec");
    const char *error = fo_json_str(status, "error");
    if (!last)
        return error && *error ? FO_LIFECYCLE_FAILED : FO_LIFECYCLE_CREATED;

    fo_flink_recon_state rstate = fo_flink_recon_state_parse(fo_json_str(rs, "state"));
    if (rstate == FO_RECON_UPGRADING)
        return FO_LIFECYCLE_UPGRADING;
    if (rstate == FO_RECON_ROLLING_BACK)
        return FO_LIFECYCLE_ROLLING_BACK;

    json_t *spec = fo_flink_last_reconciled_spec(obj, NULL, NULL);
    const char *job_state = fo_json_get_str(spec, "job.state");
    bool suspended = job_state && strcmp(job_state, "suspended") == 0;
    json_decref(spec);
    if (suspended)
        return FO_LIFECYCLE_SUSPENDED;

    if (fo_flink_job_status_parse(fo_json_get_str(status, "jobStatus.state")) ==
        FO_JOB_STATUS_FAILED)
        return FO_LIFECYCLE_FAILED;

    if (fo_flink_kind_of(obj) != FO_FLINK_SESSION_JOB) {
        fo_flink_jm_status jm =
            fo_flink_jm_status_parse(fo_json_str(status, "jobManagerDeploymentStatus"));
        if ((jm == FO_JM_MISSING || jm == FO_JM_ERROR) && error) {
            for (size_t i = 0; i < sizeof unrecoverable_msgs / sizeof *unrecoverable_msgs; i++)
                if (strstr(error, unrecoverable_msgs[i]))
                    return FO_LIFECYCLE_FAILED;
        }
    }

    if (rstate == FO_RECON_ROLLED_BACK)
        return FO_LIFECYCLE_ROLLED_BACK;
    /* ReconciliationStatus.isLastReconciledSpecStable compares the strings. */
    const char *stable = fo_json_str(rs, "lastStableSpec");
    if (stable && strcmp(stable, last) == 0)
        return FO_LIFECYCLE_STABLE;
    return FO_LIFECYCLE_DEPLOYED;
}
