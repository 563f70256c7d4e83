/* The legacy savepoint history (status.jobStatus.savepointInfo.savepointHistory) kept to
 * kubernetes.operator.savepoint.history.max.count and .max.age, as Apache's
 * SnapshotObserver.cleanupSavepointHistoryLegacy does, lazily while the job runs; with
 * kubernetes.operator.savepoint.cleanup.enabled (see cleanup_default) an entry leaves only once
 * Flink disposed of its savepoint (POST /savepoint-disposal, GET /savepoint-disposal/:triggerid).
 * docs/controller.md "Manual and periodic savepoints".
 *
 * Flink draws a disposal's trigger id itself (SavepointDisposalRequest has only savepoint-path),
 * so the intent names the location before the request and the trigger id once Flink gave it. The
 * Apache status has no field for either: they live in status.clusterInfo (a string map of facts
 * about the running cluster, which a disposal under way on its JobManager is), under
 * DISPOSAL_LOCATION and DISPOSAL_TRIGGER. One disposal at a time, oldest entry first, none of
 * what the running job recovers from (needed_by_job), and after failures in a row only once the
 * wait on record has passed (disposal_backoff.h). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/flink_conf.h"
#include "common/flink_model.h"
#include "common/flink_rest.h"
#include "common/java_trace.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "controller/disposal_backoff.h"
#include "controller/reconcile_internal.h"

#define MAX_COUNT_KEY "kubernetes.operator.savepoint.history.max.count"
#define MAX_AGE_KEY "kubernetes.operator.savepoint.history.max.age"
#define CLEANUP_KEY "kubernetes.operator.savepoint.cleanup.enabled"
#define SNAPSHOT_RESOURCES_KEY "kubernetes.operator.snapshot.resource.enabled"
#define DEFAULT_MAX_COUNT 10
#define DEFAULT_MAX_AGE_MS (24LL * 3600 * 1000)
#define DISPOSAL_LOCATION "savepoint-disposal.location"
#define DISPOSAL_TRIGGER "savepoint-disposal.trigger-id"

/* key of conf (flat) as a count or a duration, at most the operator's threshold (key
 * "<key>.threshold" of the cluster defaults, flat) when it sets one
 * (ConfigOptionUtils.getValueWithThreshold). A count may be zero or negative (Flink reads any
 * integer); the caller applies Apache's floor of 1. */
static int64_t read_limit(const json_t *conf, const json_t *defaults, const char *key,
                          bool duration, int64_t dflt)
{
    char tkey[128];
    snprintf(tkey, sizeof tkey, "%s.threshold", key);
    const char *texts[2] = {fo_json_str(conf, key), fo_json_str(defaults, tkey)};
    int64_t vals[2] = {dflt, 0};
    bool set[2] = {true, false};
    for (int i = 0; i < 2; i++) {
        if (!texts[i])
            continue;
        int64_t v = -1;
        bool ok;
        if (duration) {
            fo_err err;
            ok = fo_flink_duration_parse(texts[i], &v, &err) == FO_OK && v >= 0;
        } else {
            char *end = NULL;
            v = strtoll(texts[i], &end, 10);
            ok = end != texts[i] && *end == '\0';
        }
        if (!ok) {
            fo_log_warn("%s: '%s' cannot be read; ignored", i ? tkey : key, texts[i]);
            continue;
        }
        vals[i] = v;
        set[i] = true;
    }
    return set[1] && vals[1] < vals[0] ? vals[1] : vals[0];
}

static json_t *cluster_info(fo_pass *p)
{
    return fo_json_ensure_object(p->st, "clusterInfo");
}

/* The observation rewrites clusterInfo from Flink's answers each pass: the disposal under way,
 * as the stored status records it, is carried into the working status (unless this pass
 * already changed it). */
static void carry(fo_pass *p, const json_t *stored, const char *const *keys, size_t n)
{
    json_t *ci = json_object_get(p->st, "clusterInfo");
    if (!json_object_get(stored, keys[0]) || (ci && json_object_get(ci, keys[0])))
        return;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(stored, keys[i]);
        if (json_is_string(v))
            json_object_set_new(cluster_info(p), keys[i], json_string(json_string_value(v)));
    }
}

/* The intent, and the record of a failure streak (disposal_backoff.h). */
static void carry_intent(fo_pass *p)
{
    static const char *const intent[] = {DISPOSAL_LOCATION, DISPOSAL_TRIGGER};
    static const char *const streak[] = {FO_DISPOSAL_FAILURES_KEY, FO_DISPOSAL_NEXT_KEY};
    const json_t *stored = json_object_get(json_object_get(p->obj, "status"), "clusterInfo");
    carry(p, stored, intent, 2);
    carry(p, stored, streak, 2);
}

static void clear_intent(fo_pass *p)
{
    json_t *ci = json_object_get(p->st, "clusterInfo");
    json_object_del(ci, DISPOSAL_LOCATION);
    json_object_del(ci, DISPOSAL_TRIGGER);
}

/* A savepoint path as Flink's Path (org.apache.flink.core.fs.Path) reads it. */
typedef struct sp_path {
    char scheme[16]; /* lower case, "" when none; s3a, s3n and s3p read as s3 */
    char auth[256];  /* "" when none ("file:///x" and "file:/x" are one path) */
    char path[1024]; /* no doubled or trailing slashes, no last "_metadata" */
} sp_path;

/* Split loc into out; false when a part does not fit. The S3 file systems serve the same
 * buckets under s3, s3a and s3p (Flink's docs, "Amazon S3"), and a pointer may name the
 * savepoint's _metadata file, whose directory is the savepoint
 * (AbstractFsCheckpointStorageAccess.resolveCheckpointPointer). */
static bool sp_path_parse(const char *loc, sp_path *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strcspn(loc, ":/");
    if (loc[n] == ':' && n > 0) {
        if (n >= sizeof out->scheme)
            return false;
        for (size_t i = 0; i < n; i++)
            out->scheme[i] = (char)tolower((unsigned char)loc[i]);
        if (strcmp(out->scheme, "s3a") == 0 || strcmp(out->scheme, "s3n") == 0 ||
            strcmp(out->scheme, "s3p") == 0)
            strcpy(out->scheme, "s3");
        loc += n + 1;
    }
    if (strncmp(loc, "//", 2) == 0) {
        n = strcspn(loc + 2, "/");
        if (n >= sizeof out->auth)
            return false;
        memcpy(out->auth, loc + 2, n);
        loc += 2 + n;
    }
    size_t o = 0;
    for (; *loc; loc++) {
        if (*loc == '/' && o > 0 && out->path[o - 1] == '/')
            continue;
        if (o + 1 >= sizeof out->path)
            return false;
        out->path[o++] = *loc;
    }
    static const char meta[] = "/_metadata";
    size_t ml = sizeof meta - 1;
    while (o > 1 && out->path[o - 1] == '/')
        o--;
    if (o > ml && strncmp(out->path + o - ml, meta, ml) == 0)
        o -= ml;
    while (o > 1 && out->path[o - 1] == '/')
        o--;
    out->path[o] = '\0';
    return true;
}

/* Do a and b name the same savepoint, however spelled? A part one of them leaves out (no
 * scheme: the default file system; no authority: the default one) is taken to match: wrongly
 * taking two paths for one keeps data, the other way round deletes it. */
static bool same_savepoint(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    sp_path pa, pb;
    if (!sp_path_parse(a, &pa) || !sp_path_parse(b, &pb))
        return false;
    return strcmp(pa.path, pb.path) == 0 &&
           (!pa.scheme[0] || !pb.scheme[0] || strcmp(pa.scheme, pb.scheme) == 0) &&
           (!pa.auth[0] || !pb.auth[0] || strcmp(pa.auth, pb.auth) == 0);
}

/* Is location still a way back for the resource: the path the next deployment restores from
 * (upgradeSavepointPath), the last savepoint, the newest history entry, or a spec's
 * initialSavepointPath, however spelled? Such data is never disposed of, whatever the history
 * settings say. */
static bool restore_source(fo_pass *p, const json_t *history, const char *location)
{
    const json_t *js = json_object_get(p->st, "jobStatus");
    const json_t *newest = json_array_get(history, json_array_size(history) - 1);
    return same_savepoint(location, fo_json_str(js, "upgradeSavepointPath")) ||
           same_savepoint(location,
                          fo_json_get_str(js, "savepointInfo.lastSavepoint.location")) ||
           same_savepoint(location, fo_json_str(newest, "location")) ||
           same_savepoint(location, fo_json_get_str(p->last, "job.initialSavepointPath")) ||
           same_savepoint(location, fo_json_get_str(json_object_get(p->want, "spec"),
                                                    "job.initialSavepointPath"));
}

/* savepoint.cleanup.enabled when the configuration does not say: what the Apache operator did
 * with the same configuration. Its legacy status path (snapshot.resource.enabled false, the
 * path flinkop follows) disposes of the savepoints leaving the history (cleanup.enabled
 * defaults to true there); with its FlinkStateSnapshot resources (snapshot.resource.enabled
 * true, its default) it deletes the old resources and keeps their data unless
 * savepoint.dispose-on-delete. So data is disposed of by default only where the user asked for
 * the legacy path; a resource that moved from an Apache default install keeps its data. */
static bool cleanup_default(const json_t *conf)
{
    const char *v = fo_json_str(conf, SNAPSHOT_RESOURCES_KEY);
    bool resources = true;
    return v && fo_flink_parse_bool(v, &resources) && !resources;
}

/* The limits: max.count (Apache's floor of 1: a zero or negative count keeps one) and max.age,
 * and cleanup.enabled; read once a pass. */
static void limits(fo_pass *p, int64_t *max_count, int64_t *max_age, bool *cleanup)
{
    if (!p->hist.read) {
        const json_t *conf = fo_pass_want_conf(p);
        json_t *defaults = fo_flink_conf_flatten(fo_cluster_defaults_flink_config(p->cd), NULL);
        p->hist.max_count = read_limit(conf, defaults, MAX_COUNT_KEY, false, DEFAULT_MAX_COUNT);
        p->hist.max_age = read_limit(conf, defaults, MAX_AGE_KEY, true, DEFAULT_MAX_AGE_MS);
        json_decref(defaults);
        if (p->hist.max_count < 1)
            p->hist.max_count = 1;
        const char *v = fo_json_str(conf, CLEANUP_KEY);
        if (!v || !fo_flink_parse_bool(v, &p->hist.cleanup)) {
            p->hist.cleanup = cleanup_default(conf);
            if (v)
                fo_log_warn("%s: '%s' is not a boolean; %s is used", CLEANUP_KEY, v,
                            p->hist.cleanup ? "true" : "false");
        }
        p->hist.read = true;
    }
    *max_count = p->hist.max_count;
    *max_age = p->hist.max_age;
    *cleanup = p->hist.cleanup;
}

/* Does entry i leave the history: one of the oldest over max.count, or older than max.age (the
 * newest never)? */
static bool leaves(fo_pass *p, const json_t *history, size_t i, int64_t max_count, int64_t max_age)
{
    size_t n = json_array_size(history);
    if (i + 1 >= n)
        return false;
    if ((int64_t)(n - i) > max_count)
        return true;
    int64_t ts = 0;
    return fo_json_get_int(json_array_get(history, i), "timeStamp", &ts) &&
           ts < p->now_ms - max_age;
}

/* Is the savepoint of entry i (which leaves) also listed by an entry the limits keep? Its data
 * is then still the history's: the entry leaves, the data stays. */
static bool listed_by_one_kept(fo_pass *p, const json_t *history, size_t i, int64_t max_count,
                               int64_t max_age)
{
    const char *loc = fo_json_str(json_array_get(history, i), "location");
    for (size_t j = 0; j < json_array_size(history); j++)
        if (j != i && !leaves(p, history, j, max_count, max_age) &&
            same_savepoint(loc, fo_json_str(json_array_get(history, j), "location")))
            return true;
    return false;
}

/* savepoint.cleanup.enabled false: entries leave the status only, their data stays. */
static void drop(fo_pass *p, json_t *history, int64_t max_count, int64_t max_age)
{
    size_t before = json_array_size(history);
    while ((int64_t)json_array_size(history) > max_count)
        json_array_remove(history, 0);
    for (size_t i = 0; i < json_array_size(history);) {
        if (leaves(p, history, i, max_count, max_age))
            json_array_remove(history, i);
        else
            i++;
    }
    if (json_array_size(history) != before)
        fo_log_info("%zu savepoint(s) left the history (max.count %lld, max.age %lld ms); their "
                    "data is kept (%s is false)",
                    before - json_array_size(history), (long long)max_count, (long long)max_age,
                    CLEANUP_KEY);
}

/* Remove every entry of the savepoint at location from the history. */
static void forget(json_t *history, const char *location)
{
    for (size_t i = 0; i < json_array_size(history);) {
        if (same_savepoint(fo_json_str(json_array_get(history, i), "location"), location))
            json_array_remove(history, i);
        else
            i++;
    }
}

/* The innermost cause of a failed disposal as Flink's trace prints it ("java.io.IOException:
 * ..." up to the end of its first line), into buf: the last cause of the chain
 * (common/java_trace: the causes of a suppressed exception are not the chain's), else the
 * exception itself. The outer ones only repeat "Could not dispose savepoint <path>."
 * (Dispatcher.disposeSavepoint). */
static const char *root_cause(const fo_flink_failure *f, char *buf, size_t len)
{
    if (!f->stack_trace || !*f->stack_trace)
        return f->message ? f->message : f->class_name;
    fo_java_trace t;
    const char *out = f->message ? f->message : f->class_name;
    if (fo_java_trace_parse(f->stack_trace, f->class_name, &t) == FO_OK && t.n > 0) {
        const fo_java_throwable *c = &t.chain[t.n - 1];
        if (c->message)
            snprintf(buf, len, "%s: %.*s", c->class_name, (int)strcspn(c->message, "\r\n"),
                     c->message);
        else
            snprintf(buf, len, "%s", c->class_name);
        out = buf;
    }
    fo_java_trace_release(&t);
    return out;
}

/* Did Flink find nothing to dispose of at the path? Checkpoints.disposeSavepoint fails at
 * AbstractFsCheckpointStorageAccess.resolveCheckpointPointer with one of two
 * java.io.FileNotFoundExceptions (the same text from Flink 1.15 to 2.x): nothing at the path
 * ("Cannot find checkpoint or savepoint file/directory"), or no metadata file ("Cannot find
 * meta data file"; disposeSavepoint deletes the metadata first, so a disposal cut short leaves
 * nothing Flink can restore or dispose of). Either way the savepoint is gone. Any other
 * failure, a FileNotFoundException among them (java.io.FileInputStream's "(Permission
 * denied)" on a _metadata file the JobManager may not read, one suppressed in a failed delete),
 * may leave the savepoint whole: it is tried again. */
static bool already_gone(const fo_flink_failure *f)
{
    static const char *const gone[] = {
        "java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory",
        "java.io.FileNotFoundException: Cannot find meta data file"};
    char buf[512];
    const char *c = root_cause(f, buf, sizeof buf);
    for (size_t i = 0; c && i < sizeof gone / sizeof *gone; i++)
        if (strncmp(c, gone[i], strlen(gone[i])) == 0)
            return true;
    return false;
}

/* A failed disposal: the intent goes, and the failure joins the streak on record, which puts
 * the next disposal off (disposal_backoff.h); both reach status in the pass's write, before
 * any later pass may start one. A Warning tells the first failure of a streak and the one
 * from which it is tried hourly, not every try. */
static void disposal_failed(fo_pass *p, const char *location, const char *why)
{
    fo_disposal_streak s;
    bool tell = fo_disposal_streak_fail(cluster_info(p), p->set->observe_interval_ms, p->now_ms,
                                        &s);
    long long wait_s = (long long)((s.next_ms - p->now_ms + 999) / 1000);
    if (tell && s.failures == 1)
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_SAVEPOINT_ERROR,
                         "Disposal of savepoint %s failed (%s); it stays in the history and is "
                         "tried again in %llds, then after a wait doubling at each failure up to "
                         "an hour",
                         location, why, wait_s);
    else if (tell)
        fo_ctl_evbuf_add(&p->events, FO_EVENT_WARNING, FO_COMPONENT_OPERATOR,
                         FO_REASON_SAVEPOINT_ERROR,
                         "Disposal of savepoint %s failed %d times in a row (%s); it stays in the "
                         "history and is tried again every %llds",
                         location, s.failures, why, wait_s);
    fo_log_warn("disposal of savepoint %s failed (%d in a row), tried again in %llds: %s",
                location, s.failures, wait_s, why);
    clear_intent(p);
    fo_pass_requeue(p, p->set->observe_interval_ms);
}

/* Is location what the running job recovers from? On a JobManager failover Flink restores the
 * latest checkpoint of its completed checkpoint store, and with none there the savepoint the
 * job graph was submitted with (DefaultExecutionGraphFactory.createAndRestoreExecutionGraph:
 * CheckpointCoordinator.restoreInitialCheckpointIfPresent, else the restore settings). A
 * savepoint the job was restored from enters that store (CheckpointCoordinator.restoreSavepoint)
 * and stays its latest entry until a checkpoint completes, while the savepoints the job takes
 * do not (completePendingCheckpoint; FLIP-193, Flink 1.15): with checkpointing off or failing,
 * periodic savepoints push the restore point out of the history while the job still needs it.
 * So GET /jobs/:id/checkpoints is read (once a pass, into stats) and neither latest.restored
 * nor latest.completed is disposed of. 1: it is needed; 0: it is not; -1: Flink did not say (a
 * failed read, "Checkpointing has not been enabled.", CheckpointingStatisticsHandler's answer
 * for a graph without checkpoint statistics, or a restore without a path): nothing is disposed
 * of then. The status does not name every restore point (a last-state deploy restores the HA
 * data's), and a wrong guess must keep the data. */
static int needed_by_job(fo_pass *p, fo_flink_checkpoint_stats *stats, bool *read,
                         const char *location)
{
    if (!*read) {
        const char *jid = fo_json_get_str(p->st, "jobStatus.jobId");
        char job_id[33];
        snprintf(job_id, sizeof job_id, "%s", jid ? jid : "");
        fo_err ferr;
        fo_err_clear(&ferr);
        fo_rc rc = fo_ctl_rest_counted(
            p->env, "/jobs/:id/checkpoints",
            fo_flink_rest_checkpoints(p->env->flink, p->base_url, job_id, stats, &ferr));
        *read = true;
        if (rc != FO_OK || !stats->enabled) {
            fo_log_info("no savepoint is disposed of: what job %s recovers from is unknown (%s)",
                        job_id, rc != FO_OK ? ferr.message : "checkpointing not enabled");
            stats->enabled = false;
        }
    }
    if (!stats->enabled ||
        (stats->restored_from.id >= 0 && !stats->restored_from.external_path))
        return -1;
    return same_savepoint(location, stats->restored_from.external_path) ||
           (stats->latest_completed.id >= 0 &&
            same_savepoint(location, stats->latest_completed.external_path));
}

/* POST /savepoint-disposal for location (its intent recorded); the trigger id Flink answers
 * goes into the intent. */
static void send(fo_pass *p, const char *location)
{
    char *loc = strdup(location); /* location may be the intent's, which changes below */
    if (!loc)
        return;
    char tid[33] = "";
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/savepoint-disposal",
        fo_flink_rest_dispose_savepoint(p->env->flink, p->base_url, loc, tid, &ferr));
    fo_pass_requeue(p, p->set->progress_interval_ms);
    if (rc == FO_OK) {
        json_object_set_new(cluster_info(p), DISPOSAL_TRIGGER, json_string(tid));
        fo_log_info("disposal of savepoint %s triggered: %s", loc, tid);
    } else if (fo_flink_rest_unreachable(rc)) {
        /* it may have reached Flink: sent again at the next pass, which disposes of it or
         * finds it gone */
        json_object_del(cluster_info(p), DISPOSAL_TRIGGER);
        fo_log_info("disposal of savepoint %s not answered (%s); sent again next", loc,
                    ferr.message);
    } else {
        disposal_failed(p, loc, ferr.message);
    }
    free(loc);
}

/* Start the disposal of location: its intent (the location) is written first, so that a
 * controller killed after the request knows what may be under way. */
static fo_rc start(fo_pass *p, const char *location, fo_err *err)
{
    char *loc = strdup(location); /* the write replaces the working status's strings */
    if (!loc)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    json_object_set_new(cluster_info(p), DISPOSAL_LOCATION, json_string(loc));
    json_object_del(cluster_info(p), DISPOSAL_TRIGGER);
    if (!p->action) /* a snapshot's trigger of the same pass names it first */
        p->action = "DISPOSE_SAVEPOINT";
    fo_rc rc = fo_pass_write_status(p, err);
    if (rc == FO_OK)
        send(p, loc);
    free(loc);
    return rc;
}

/* The disposal on record sent again, unless the running job recovers from its savepoint (the
 * intent goes: an intent recorded before that was checked, or a restore since) or Flink does
 * not say (the intent stays, asked about at a later pass). */
static void resend(fo_pass *p, const char *location)
{
    fo_flink_checkpoint_stats stats;
    bool read = false;
    int needed = needed_by_job(p, &stats, &read, location);
    if (needed > 0) {
        fo_log_warn("savepoint %s is what the running job recovers from: its disposal is not "
                    "sent again",
                    location);
        clear_intent(p);
    } else if (needed == 0) {
        send(p, location);
    } else {
        fo_pass_requeue(p, p->set->observe_interval_ms);
    }
    fo_flink_rest_checkpoint_stats_release(&stats);
}

/* The disposal under way (intent in clusterInfo): asked about, and its entry removed once
 * Flink disposed of it or found it gone. True while it is still under way, or when it failed
 * this pass: no other one starts in this pass. */
static bool follow(fo_pass *p, json_t *history)
{
    json_t *ci = json_object_get(p->st, "clusterInfo");
    const char *loc = fo_json_str(ci, DISPOSAL_LOCATION);
    const char *tid = fo_json_str(ci, DISPOSAL_TRIGGER);
    if (!loc)
        return false;
    if (restore_source(p, history, loc)) { /* never sent (again) for a way back */
        fo_log_warn("savepoint %s is a restore source again: its disposal is not followed", loc);
        clear_intent(p);
        return false;
    }
    if (!tid || !fo_flink_rest_is_id(tid)) {
        resend(p, loc); /* killed after the intent, or the answer was lost */
        return true;
    }
    char trig[33];
    snprintf(trig, sizeof trig, "%s", tid);
    fo_flink_operation op;
    fo_err ferr;
    fo_err_clear(&ferr);
    fo_rc rc = fo_ctl_rest_counted(
        p->env, "/savepoint-disposal/:id",
        fo_flink_rest_disposal_status(p->env->flink, p->base_url, trig, &op, &ferr));
    bool busy = true;
    if (rc == FO_OK && !op.completed) {
        fo_pass_requeue(p, p->set->progress_interval_ms);
    } else if (rc == FO_OK && (!op.failure.class_name || already_gone(&op.failure))) {
        fo_log_info("savepoint %s %s; it leaves the history", loc,
                    op.failure.class_name ? "was already gone" : "disposed of");
        if (json_is_array(history))
            forget(history, loc);
        clear_intent(p);
        fo_disposal_streak_clear(json_object_get(p->st, "clusterInfo"));
        busy = false;
    } else if (rc == FO_OK) {
        char cause[512];
        disposal_failed(p, loc, root_cause(&op.failure, cause, sizeof cause));
    } else if (rc == FO_ENOTFOUND) {
        /* a restarted JobManager, or one past rest.async.store-duration, forgot it */
        resend(p, loc);
    } else {
        fo_pass_requeue(p, p->set->progress_interval_ms);
    }
    fo_flink_rest_operation_release(&op);
    return busy;
}

void fo_history_observe(fo_pass *p, bool job_runs)
{
    carry_intent(p);
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    /* lazily, while the job runs (Apache); not of a JobManager that let the observation time
     * out: asking it now would hold the worker for a second timeout */
    if (!job_runs || rs != FO_RECON_DEPLOYED || p->obs.rest_timed_out)
        return;
    json_t *history = (json_t *)fo_json_get(p->st, "jobStatus.savepointInfo.savepointHistory");
    bool under_way = fo_json_str(json_object_get(p->st, "clusterInfo"), DISPOSAL_LOCATION);
    if (!under_way && (!json_is_array(history) || json_array_size(history) < 2))
        return; /* nothing can leave: the options are not even read */
    int64_t max_count, max_age;
    bool cleanup;
    limits(p, &max_count, &max_age, &cleanup);
    if (!cleanup) {
        clear_intent(p);
        fo_disposal_streak_clear(json_object_get(p->st, "clusterInfo"));
        if (json_is_array(history) && json_array_size(history) >= 2)
            drop(p, history, max_count, max_age);
        return;
    }
    p->disposal_busy = follow(p, history);
}

fo_rc fo_history_dispose(fo_pass *p, fo_err *err)
{
    fo_flink_recon_state rs =
        fo_flink_recon_state_parse(fo_json_get_str(p->st, "reconciliationStatus.state"));
    json_t *history = (json_t *)fo_json_get(p->st, "jobStatus.savepointInfo.savepointHistory");
    if (p->disposal_busy || rs != FO_RECON_DEPLOYED || p->obs.rest_timed_out ||
        !json_is_array(history) || json_array_size(history) < 2 ||
        fo_json_str(json_object_get(p->st, "clusterInfo"), DISPOSAL_LOCATION))
        return FO_OK;
    int64_t max_count, max_age;
    bool cleanup;
    limits(p, &max_count, &max_age, &cleanup);
    if (!cleanup)
        return FO_OK;
    json_t *ci = json_object_get(p->st, "clusterInfo");
    fo_disposal_streak streak;
    bool failing = fo_disposal_streak_read(ci, &streak);
    if (failing && p->now_ms < streak.next_ms) { /* a failure streak puts the next one off */
        fo_pass_requeue(p, streak.next_ms - p->now_ms);
        return FO_OK;
    }
    fo_flink_checkpoint_stats stats;
    bool read = false;
    fo_rc rc = FO_OK;
    for (size_t i = 0; i < json_array_size(history); i++) {
        const char *loc = fo_json_str(json_array_get(history, i), "location");
        if (!leaves(p, history, i, max_count, max_age))
            continue;
        if (!loc || !*loc) { /* nothing to dispose of */
            json_array_remove(history, i--);
            continue;
        }
        if (listed_by_one_kept(p, history, i, max_count, max_age)) {
            fo_log_info("savepoint %s leaves the history, its data stays: an entry kept lists it",
                        loc);
            json_array_remove(history, i--);
            continue;
        }
        if (restore_source(p, history, loc))
            continue; /* stays until nothing restores from it */
        int needed = needed_by_job(p, &stats, &read, loc);
        if (needed < 0)
            goto out; /* asked again at a later pass */
        if (needed > 0) {
            fo_log_info("savepoint %s stays past the history limits: the running job recovers "
                        "from it",
                        loc);
            continue;
        }
        p->disposal_busy = true;
        rc = start(p, loc, err);
        goto out;
    }
    if (failing) /* nothing left to dispose of: the streak is over */
        fo_disposal_streak_clear(ci);
out:
    if (read)
        fo_flink_rest_checkpoint_stats_release(&stats);
    return rc;
}
