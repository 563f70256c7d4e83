/* The record of what the cluster defaults gave a launch (see the header). */
#include "controller/launch_defaults.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

/* The operator key Flink never reads that still changes the JobManager's pod
 * (controller/resources_pod.c). */
#define STARTUP_PROBE_KEY "kubernetes.operator.jm-deployment.startup.probe.enabled"

bool fo_launch_defaults_recorded_key(const char *key)
{
    if (strcmp(key, STARTUP_PROBE_KEY) == 0)
        return true;
    /* what fo_flink_conf_cluster_side leaves out of the configuration file */
    return strncmp(key, "kubernetes.operator.", 20) != 0 &&
           strncmp(key, "job.autoscaler.", 15) != 0 && strcmp(key, "kubernetes.config.file") != 0 &&
           strcmp(key, "$internal.deployment.config-dir") != 0;
}

char *fo_launch_defaults_record(const json_t *scoped, const json_t *spec_conf, int64_t launch_ms)
{
    char *text = NULL;
    json_t *conf = json_object();
    json_t *rec =
        conf ? json_pack("{s:I, s:O}", "launch", (json_int_t)launch_ms, "flinkConfiguration", conf)
             : NULL;
    if (!rec)
        goto out;
    json_t *into = json_object_get(rec, "flinkConfiguration");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)scoped, key, v)
    {
        if (json_is_string(v) && fo_launch_defaults_recorded_key(key) &&
            !json_object_get(spec_conf, key) && json_object_set(into, key, v) != 0)
            goto out;
    }
    text = fo_json_dumps_canonical(rec);
out:
    json_decref(rec);
    json_decref(conf);
    return text;
}

fo_rc fo_launch_defaults_parse(const char *text, int64_t *launch_ms, json_t **conf, fo_err *err)
{
    *conf = NULL;
    *launch_ms = 0;
    if (!text)
        return fo_err_set(err, FO_EINVAL, "no record");
    json_t *rec = fo_json_parse(text, strlen(text), FO_LAUNCH_DEFAULTS_MAX_TEXT, err);
    if (!rec)
        return err->rc;
    fo_rc rc = FO_OK;
    int64_t ms = 0;
    json_t *c = json_object_get(rec, "flinkConfiguration");
    if (!fo_json_get_int(rec, "launch", &ms) || ms < 0) {
        rc = fo_err_set(err, FO_EINVAL, "launch: must be a non-negative integer");
        goto out;
    }
    if (!json_is_object(c)) {
        rc = fo_err_set(err, FO_EINVAL, "flinkConfiguration: must be an object");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v)
    {
        if (!json_is_string(v)) {
            rc = fo_err_set(err, FO_EINVAL, "flinkConfiguration.%s: must be a string", key);
            goto out;
        }
    }
    *launch_ms = ms;
    *conf = json_incref(c);
out:
    json_decref(rec);
    return rc;
}

json_t *fo_launch_defaults_merge(const json_t *scoped, const json_t *recorded)
{
    json_t *out = json_object();
    if (!out)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)scoped, key, v)
    {
        if (!fo_launch_defaults_recorded_key(key) && json_object_set(out, key, v) != 0)
            goto fail;
    }
    json_object_foreach((json_t *)recorded, key, v)
    {
        if (json_object_set(out, key, v) != 0)
            goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}
