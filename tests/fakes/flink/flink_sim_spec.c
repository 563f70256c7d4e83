/* The control-API document that creates a simulated cluster (fields listed in fake_flink.h).
 *
 * Explicit fields win; otherwise values come from the Flink configuration the cluster was given
 * (the same keys Flink reads, in their 1.x and 2.x spellings), so a harness can pass the
 * flink-conf of a FlinkDeployment as it is. */
#include "tests/fakes/flink/flink_sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/fakes/flink/flink_sim_int.h"

/* Flink's Duration syntax (TimeUtils.parseDuration): a number with an optional unit, spaces
 * allowed between them; no unit means milliseconds. */
bool ff_parse_duration_ms(const char *s, int64_t *out)
{
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    long long n = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    char unit[16] = "";
    size_t k = 0;
    while (*end && !isspace((unsigned char)*end) && k < sizeof unit - 1)
        unit[k++] = (char)tolower((unsigned char)*end++);
    unit[k] = '\0';
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    static const struct {
        const char *names;
        long long ms;
    } units[] = {
        {"|ms|milli|millis|millisecond|milliseconds|", 1},
        {"|s|sec|secs|second|seconds|", 1000},
        {"|m|min|minute|minutes|", 60000},
        {"|h|hour|hours|", 3600000},
        {"|d|day|days|", 86400000},
    };
    long long mult = 0;
    if (!unit[0]) {
        mult = 1;
    } else {
        char key[20];
        snprintf(key, sizeof key, "|%s|", unit);
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strstr(units[i].names, key))
                mult = units[i].ms;
    }
    if (!mult || n > INT64_MAX / mult)
        return false;
    *out = n * mult;
    return true;
}

static const char *const retention_names[] = {"NO_EXTERNALIZED_CHECKPOINTS",
                                               "DELETE_ON_CANCELLATION", "RETAIN_ON_CANCELLATION"};

bool ff_parse_retention(const char *s, int *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcasecmp(s, retention_names[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

const char *ff_retention_name(int retention)
{
    return retention >= 0 && retention < 3 ? retention_names[retention] : retention_names[0];
}

bool ff_parse_runtime_mode(const char *s, bool bounded, bool *batch)
{
    *batch = false;
    if (!s || strcasecmp(s, "STREAMING") == 0)
        return true;
    if (strcasecmp(s, "BATCH") == 0 || strcasecmp(s, "AUTOMATIC") == 0) {
        *batch = strcasecmp(s, "BATCH") == 0 || bounded;
        return true;
    }
    return false;
}

/* The configuration value of the first key present, or NULL. */
static const char *conf_get(const fo_flink_sim *sim, const char *k1, const char *k2)
{
    const char *v = json_string_value(json_object_get(sim->conf, k1));
    if (!v && k2)
        v = json_string_value(json_object_get(sim->conf, k2));
    return v;
}

static fo_rc bad(fo_err *err, const char *field, const char *what)
{
    return ff_http_err(err, 400, FO_EINVAL, "spec.%s: %s", field, what);
}

static fo_rc get_int(const json_t *obj, const char *key, const char *field, int64_t lo, int64_t hi,
                     int64_t *out, fo_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return FO_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char what[96];
        snprintf(what, sizeof what, "must be an integer from %lld to %lld", (long long)lo,
                 (long long)hi);
        return bad(err, field, what);
    }
    *out = json_integer_value(v);
    return FO_OK;
}

static fo_rc get_str(const json_t *obj, const char *key, const char *field, const char **out,
                     fo_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return FO_OK;
    if (!json_is_string(v))
        return bad(err, field, "must be a string");
    *out = json_string_value(v);
    return FO_OK;
}

static bool only_keys(const json_t *obj, const char *const *keys, const char **unknown)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;
        for (size_t i = 0; keys[i] && !ok; i++)
            ok = strcmp(keys[i], key) == 0;
        if (!ok) {
            *unknown = key;
            return false;
        }
    }
    return true;
}

/* A scalar as Flink prints it; false for objects, arrays and null. */
static bool scalar_text(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    else
        return false;
    return true;
}

/* Flink configuration: flat "a.b.c" keys (flink-conf.yaml) or the nested maps of Flink 2's
 * config.yaml, flattened the way Flink reads them; a list becomes Flink's "x;y" form. */
static fo_rc add_configuration(fo_flink_sim *sim, const char *prefix, const json_t *conf,
                               int depth, fo_err *err)
{
    if (!json_is_object(conf) || depth > 16)
        return bad(err, "configuration", "must be an object of strings (maps nest keys)");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)conf, key, v) {
        char full[512], text[4096];
        snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (json_is_object(v)) {
            if (add_configuration(sim, full, v, depth + 1, err) != FO_OK)
                return FO_EINVAL;
            continue;
        }
        if (json_is_array(v)) {
            size_t used = 0, i;
            json_t *item;
            text[0] = '\0';
            json_array_foreach(v, i, item) {
                char one[1024];
                if (!scalar_text(item, one, sizeof one)) {
                    char field[600];
                    snprintf(field, sizeof field, "configuration[%s][%zu]", full, i);
                    return bad(err, field, "must be a string");
                }
                int n = snprintf(text + used, sizeof text - used, "%s%s", i ? ";" : "", one);
                if (n > 0 && (size_t)n < sizeof text - used)
                    used += (size_t)n;
            }
        } else if (json_is_null(v)) {
            continue;
        } else {
            scalar_text(v, text, sizeof text);
        }
        json_object_set_new(sim->conf, full, json_string(text));
    }
    return FO_OK;
}

static fo_rc parse_configuration(fo_flink_sim *sim, const json_t *conf, fo_err *err)
{
    return add_configuration(sim, "", conf, 0, err);
}

static fo_rc parse_timings(fo_flink_sim *sim, const json_t *t, fo_err *err)
{
    static const char *const keys[] = {"initializingMs", "createdMs", "checkpointMs", "savepointMs",
                                       "cancelMs",       "failingMs", "restartMs",    NULL};
    int64_t *dst[] = {&sim->t.initializing_ms, &sim->t.created_ms, &sim->t.checkpoint_ms,
                      &sim->t.savepoint_ms,    &sim->t.cancel_ms,  &sim->t.failing_ms,
                      &sim->t.restart_ms};
    const char *unknown;
    if (!json_is_object(t))
        return bad(err, "timings", "must be an object");
    if (!only_keys(t, keys, &unknown)) {
        char field[300];
        snprintf(field, sizeof field, "timings.%s", unknown);
        return bad(err, field, "unknown field");
    }
    for (size_t i = 0; keys[i]; i++) {
        char field[64];
        snprintf(field, sizeof field, "timings.%s", keys[i]);
        if (get_int(t, keys[i], field, 0, 86400000, dst[i], err) != FO_OK)
            return FO_EINVAL;
    }
    return FO_OK;
}

static fo_rc parse_version(fo_flink_sim *sim, const char *v, fo_err *err)
{
    int major = 0, minor = 0;
    if (sscanf(v, "%d.%d", &major, &minor) != 2 || major < 1 || strlen(v) >= sizeof sim->version)
        return bad(err, "flinkVersion", "must look like \"1.20.1\" or \"2.0.0\"");
    snprintf(sim->version, sizeof sim->version, "%s", v);
    sim->major = major;
    sim->minor = minor;
    return FO_OK;
}

static fo_rc parse_job(fo_flink_sim *sim, const json_t *job, fo_flink_sim_job_spec *js,
                       fo_err *err)
{
    static const char *const keys[] = {"jobId",       "name",        "jarURI",
                                       "entryClass",  "args",        "parallelism",
                                       "restorePath", "initialSavepointPath",
                                       "allowNonRestoredState",     "restoreMode",
                                       "finishAfterMs",             "checkpointRetention",
                                       NULL};
    const char *unknown;
    if (!json_is_object(job))
        return bad(err, "job", "must be an object");
    if (!only_keys(job, keys, &unknown)) {
        char field[300];
        snprintf(field, sizeof field, "job.%s", unknown);
        return bad(err, field, "unknown field");
    }
    /* What Flink itself reads when the operator deploys an application cluster. */
    js->job_id = conf_get(sim, "$internal.pipeline.job-id", NULL);
    js->entry_class = conf_get(sim, "$internal.application.main", NULL);
    js->jar_uri = conf_get(sim, "pipeline.jars", NULL);
    js->restore_path = conf_get(sim, "execution.state-recovery.path", "execution.savepoint.path");
    const char *par = conf_get(sim, "parallelism.default", NULL);
    if (par)
        js->parallelism = atoi(par);
    const char *nrs = conf_get(sim, "execution.state-recovery.ignore-unclaimed-state",
                               "execution.savepoint.ignore-unclaimed-state");
    js->allow_non_restored_state = nrs && strcmp(nrs, "true") == 0;

    int64_t n = js->parallelism;
    if (get_str(job, "jobId", "job.jobId", &js->job_id, err) ||
        get_str(job, "name", "job.name", &js->name, err) ||
        get_str(job, "jarURI", "job.jarURI", &js->jar_uri, err) ||
        get_str(job, "entryClass", "job.entryClass", &js->entry_class, err) ||
        get_str(job, "initialSavepointPath", "job.initialSavepointPath", &js->restore_path, err) ||
        get_str(job, "restorePath", "job.restorePath", &js->restore_path, err) ||
        get_str(job, "restoreMode", "job.restoreMode", &js->restore_mode, err) ||
        get_str(job, "checkpointRetention", "job.checkpointRetention", &js->checkpoint_retention,
                err) ||
        get_int(job, "parallelism", "job.parallelism", 0, FO_FLINK_SIM_MAX_PARALLELISM, &n, err) ||
        get_int(job, "finishAfterMs", "job.finishAfterMs", 0, INT64_MAX / 4, &js->finish_after_ms,
                err))
        return FO_EINVAL;
    js->parallelism = (int)n;
    json_t *nrsv = json_object_get(job, "allowNonRestoredState");
    if (nrsv && !json_is_boolean(nrsv))
        return bad(err, "job.allowNonRestoredState", "must be a boolean");
    if (nrsv)
        js->allow_non_restored_state = json_is_true(nrsv);
    json_t *args = json_object_get(job, "args");
    const char *conf_args = conf_get(sim, "$internal.application.program-args", NULL);
    if (!args && conf_args && *conf_args) {
        /* Flink's list form "a;b" (the operator writes the job's args there). */
        json_t *list = json_array();
        char *copy = strdup(conf_args), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ";", &save) : NULL; t; t = strtok_r(NULL, ";", &save))
            json_array_append_new(list, json_string(t));
        free(copy);
        json_object_set_new(sim->scratch, "args", list);
        js->args = list;
    }
    if (args) {
        if (!json_is_array(args))
            return bad(err, "job.args", "must be a list of strings");
        size_t i;
        json_t *a;
        json_array_foreach(args, i, a) {
            if (json_is_string(a))
                continue;
            char field[64];
            snprintf(field, sizeof field, "job.args[%zu]", i);
            return bad(err, field, "must be a string");
        }
        js->args = args;
    }
    if (js->job_id && !ff_is_hex32(js->job_id))
        return bad(err, "job.jobId", "must be 32 lower-case hex digits");
    return FO_OK;
}

static fo_rc set_dir(char **dst, const char *v)
{
    free(*dst);
    *dst = v && *v ? strdup(v) : NULL;
    return FO_OK;
}

fo_rc ff_parse_spec(fo_flink_sim *sim, const json_t *spec, fo_flink_sim_job_spec *js,
                    bool *has_job, fo_err *err)
{
    static const char *const keys[] = {
        "flinkVersion",     "flinkRevision",        "configuration", "taskManagers",
        "slotsPerTaskManager", "parallelismDefault", "checkpointDir", "savepointDir",
        "checkpointIntervalMs", "retainedCheckpoints", "timings",     "faults",
        "job",              "highAvailabilityStore", "haPointerAck", NULL};
    *has_job = false;
    if (!spec || json_is_null(spec))
        spec = NULL;
    else if (!json_is_object(spec))
        return ff_http_err(err, 400, FO_EINVAL, "spec: must be an object");
    const char *unknown;
    if (spec && !only_keys(spec, keys, &unknown))
        return bad(err, unknown, "unknown field");

    const char *version = NULL, *revision = NULL;
    if (spec && (get_str(spec, "flinkVersion", "flinkVersion", &version, err) ||
                 get_str(spec, "flinkRevision", "flinkRevision", &revision, err)))
        return FO_EINVAL;
    if (version && parse_version(sim, version, err) != FO_OK)
        return FO_EINVAL;
    if (revision)
        snprintf(sim->revision, sizeof sim->revision, "%s", revision);
    else
        snprintf(sim->revision, sizeof sim->revision, "f1a2b3c @ 2025-01-01T00:00:00+01:00");
    json_t *conf = spec ? json_object_get(spec, "configuration") : NULL;
    if (conf && parse_configuration(sim, conf, err) != FO_OK)
        return FO_EINVAL;

    /* Settings from the Flink configuration first, explicit fields override them. */
    const char *v;
    if ((v = conf_get(sim, "taskmanager.numberOfTaskSlots", NULL)))
        sim->slots_per_tm = atoi(v) > 0 ? atoi(v) : 1;
    /* AdaptiveScheduler (also under reactive mode) waits for resources in CREATED. */
    v = conf_get(sim, "jobmanager.scheduler", NULL);
    const char *mode = conf_get(sim, "scheduler-mode", NULL);
    sim->adaptive =
        (v && strcasecmp(v, "adaptive") == 0) || (mode && strcasecmp(mode, "reactive") == 0);
    if ((v = conf_get(sim, "parallelism.default", NULL)))
        sim->default_parallelism = atoi(v) > 0 ? atoi(v) : 1;
    set_dir(&sim->checkpoint_dir, conf_get(sim, "execution.checkpointing.dir", "state.checkpoints.dir"));
    set_dir(&sim->savepoint_dir,
            conf_get(sim, "execution.checkpointing.savepoint-dir", "state.savepoints.dir"));
    if ((v = conf_get(sim, "execution.checkpointing.interval", NULL)) &&
        !ff_parse_duration_ms(v, &sim->checkpoint_interval_ms))
        return bad(err, "configuration[execution.checkpointing.interval]", "not a duration");
    /* The HA store is opt-in: a harness that keeps Flink's HA ConfigMaps itself (the sandbox)
     * decides the restore path, and an implicit store could resurrect deleted HA data. */
    v = conf_get(sim, "high-availability.type", "high-availability");
    json_t *store = spec ? json_object_get(spec, "highAvailabilityStore") : NULL;
    if (store && !json_is_boolean(store))
        return bad(err, "highAvailabilityStore", "must be a boolean");
    sim->ha = json_is_true(store) && v && *v && strcasecmp(v, "none") != 0;
    /* A harness writing the HA pointers itself tells when each write succeeded. */
    json_t *ack = spec ? json_object_get(spec, "haPointerAck") : NULL;
    if (ack && !json_is_boolean(ack))
        return bad(err, "haPointerAck", "must be a boolean");
    sim->ha_pointer_ack = json_is_true(ack);
    if ((v = conf_get(sim, "execution.checkpointing.num-retained", "state.checkpoints.num-retained")))
        sim->retained = atoi(v) > 0 ? atoi(v) : 1;
    /* Flink's default is NO_EXTERNALIZED_CHECKPOINTS; a value it cannot read fails the job. */
    sim->retention = FF_RETAIN_NEVER;
    if ((v = conf_get(sim, FF_KEY_RETENTION, NULL)) && !ff_parse_retention(v, &sim->retention))
        return bad(err, "configuration[" FF_KEY_RETENTION "]",
                   "must be NO_EXTERNALIZED_CHECKPOINTS, DELETE_ON_CANCELLATION or "
                   "RETAIN_ON_CANCELLATION");

    bool batch;
    if (!ff_parse_runtime_mode(conf_get(sim, FF_KEY_RUNTIME_MODE, NULL), false, &batch))
        return bad(err, "configuration[" FF_KEY_RUNTIME_MODE "]",
                   "must be STREAMING, BATCH or AUTOMATIC");

    int64_t tms = -1, slots = sim->slots_per_tm, par = sim->default_parallelism;
    int64_t interval = sim->checkpoint_interval_ms, retained = sim->retained;
    const char *ckdir = NULL, *spdir = NULL;
    if (spec && (get_int(spec, "taskManagers", "taskManagers", 0, FO_FLINK_SIM_MAX_TASKMANAGERS,
                         &tms, err) ||
                 get_int(spec, "slotsPerTaskManager", "slotsPerTaskManager", 1, 1024, &slots,
                         err) ||
                 get_int(spec, "parallelismDefault", "parallelismDefault", 1,
                         FO_FLINK_SIM_MAX_PARALLELISM, &par, err) ||
                 get_int(spec, "checkpointIntervalMs", "checkpointIntervalMs", 0, INT64_MAX / 4,
                         &interval, err) ||
                 get_int(spec, "retainedCheckpoints", "retainedCheckpoints", 1, 1000, &retained,
                         err) ||
                 get_str(spec, "checkpointDir", "checkpointDir", &ckdir, err) ||
                 get_str(spec, "savepointDir", "savepointDir", &spdir, err)))
        return FO_EINVAL;
    sim->slots_per_tm = (int)slots;
    sim->default_parallelism = (int)par;
    sim->checkpoint_interval_ms = interval;
    sim->retained = (int)retained;
    if (ckdir)
        set_dir(&sim->checkpoint_dir, ckdir);
    if (spdir)
        set_dir(&sim->savepoint_dir, spdir);
    json_t *t = spec ? json_object_get(spec, "timings") : NULL;
    if (t && parse_timings(sim, t, err) != FO_OK)
        return FO_EINVAL;
    json_t *faults = spec ? json_object_get(spec, "faults") : NULL;
    if (faults && fo_flink_sim_set_faults(sim, faults, err) != FO_OK)
        return fo_err_wrap(err, "spec");

    json_t *job = spec ? json_object_get(spec, "job") : NULL;
    if (job && !json_is_null(job)) {
        if (parse_job(sim, job, js, err) != FO_OK)
            return FO_EINVAL;
        *has_job = true;
    }
    /* Without an explicit count, start enough TaskManagers for the job (native mode asks the
     * resource manager for what the job needs). */
    if (tms < 0) {
        int need = *has_job && js->parallelism > 0 ? js->parallelism : sim->default_parallelism;
        tms = (need + sim->slots_per_tm - 1) / sim->slots_per_tm;
        if (tms < 1)
            tms = 1;
        if (tms > FO_FLINK_SIM_MAX_TASKMANAGERS)
            tms = FO_FLINK_SIM_MAX_TASKMANAGERS;
    }
    sim->taskmanagers = (int)tms;
    return FO_OK;
}
