/* The fake Flink cluster's job state machine (tests/fakes/flink/flink_sim.h), driven by
 * explicit times: JobStatus transitions, checkpoints, savepoints, restores, faults. Expected
 * states and shapes come from Flink's JobStatus enum and REST API spec (rest_v1_dispatcher.yml)
 * and from the path formats Flink writes (savepoint-<6 hex>-<12 hex>, <dir>/<job>/chk-<n>). */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/fakes/flink/flink_sim.h"

#define T0 1700000000000LL

static fo_flink_sim *sim_from(const char *spec_text)
{
    fo_err err = {0};
    json_t *spec = spec_text ? fo_json_parse(spec_text, strlen(spec_text), 0, &err) : NULL;
    ck_assert_msg(!spec_text || spec, "bad test spec: %s", err.message);
    fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 42, NULL, &err);
    ck_assert_msg(sim, "sim: %s", err.message);
    json_decref(spec);
    return sim;
}

/* The id of the first job. */
static void first_job(fo_flink_sim *sim, char jid[33])
{
    json_t *jobs = fo_flink_sim_json_jobs(sim);
    const char *id = fo_json_str(json_array_get(json_object_get(jobs, "jobs"), 0), "id");
    ck_assert_ptr_nonnull(id);
    strcpy(jid, id);
    json_decref(jobs);
}

static json_t *operation(fo_flink_sim *sim, const char *kind, const char *jid, const char *trig)
{
    fo_err err = {0};
    json_t *v = fo_flink_sim_json_operation(sim, kind, jid, trig, &err);
    ck_assert_msg(v, "operation: %s", err.message);
    return v;
}

static bool matches(const char *s, const char *pattern)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = s && regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static const char *APP = "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
                         " \"savepointDir\": \"s3://b/sp\","
                         " \"timings\": {\"initializingMs\": 100, \"createdMs\": 100,"
                         " \"checkpointMs\": 50, \"savepointMs\": 200, \"cancelMs\": 100,"
                         " \"failingMs\": 50, \"restartMs\": 200},"
                         " \"job\": {\"entryClass\": \"org.example.Top\", \"parallelism\": 2}}";

START_TEST(application_job_walks_initializing_created_running)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33];
    first_job(sim, jid);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "INITIALIZING");
    fo_flink_sim_advance(sim, T0 + 99);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "INITIALIZING");
    fo_flink_sim_advance(sim, T0 + 100);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "CREATED");
    fo_flink_sim_advance(sim, T0 + 200);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");

    fo_err err = {0};
    json_t *d = fo_flink_sim_json_job(sim, jid, &err);
    ck_assert_ptr_nonnull(d);
    int64_t ts = 0;
    ck_assert(fo_json_get_int(d, "timestamps.RUNNING", &ts));
    ck_assert_int_eq(ts, T0 + 200);
    ck_assert(fo_json_get_int(d, "timestamps.CREATED", &ts));
    ck_assert_int_eq(ts, T0 + 100);
    ck_assert_int_eq(json_array_size(json_object_get(d, "vertices")), 2);
    ck_assert_str_eq(fo_json_get_str(d, "name"), "Top");
    json_decref(d);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(periodic_checkpoints_land_under_the_checkpoint_dir_and_older_ones_are_subsumed)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], want[128];
    first_job(sim, jid);
    /* RUNNING at +200; checkpoints trigger at +1200, +2200, +3200 and take 50 ms. */
    fo_flink_sim_advance(sim, T0 + 1220);
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    int64_t n = -1;
    ck_assert(fo_json_get_int(c, "counts.in_progress", &n));
    ck_assert_int_eq(n, 1);
    ck_assert_ptr_null(fo_json_get(c, "latest.completed"));
    json_decref(c);

    fo_flink_sim_advance(sim, T0 + 3250);
    c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert(fo_json_get_int(c, "counts.completed", &n));
    ck_assert_int_eq(n, 3);
    snprintf(want, sizeof want, "s3://b/ck/%s/chk-3", jid);
    ck_assert_str_eq(fo_json_get_str(c, "latest.completed.external_path"), want);
    ck_assert_str_eq(fo_json_get_str(c, "latest.completed.className"), "completed");
    /* history is newest first; num-retained = 1 discards chk-1 and chk-2 */
    json_t *hist = json_object_get(c, "history");
    ck_assert_int_eq(json_array_size(hist), 3);
    bool discarded = false;
    ck_assert(fo_json_get_bool(json_array_get(hist, 0), "discarded", &discarded));
    ck_assert(!discarded);
    ck_assert(fo_json_get_bool(json_array_get(hist, 2), "discarded", &discarded));
    ck_assert(discarded);
    json_decref(c);

    json_t *m = fo_flink_sim_json_metrics(sim, jid, "numberOfCompletedCheckpoints,nope", &err);
    ck_assert_int_eq(json_array_size(m), 1);
    ck_assert_str_eq(fo_json_str(json_array_get(m, 0), "value"), "3");
    json_decref(m);
    fo_flink_sim_free(sim);
}
END_TEST

/* Whether checkpoint n of the job is marked discarded in its history (newest first); one still
 * in progress (its HA pointer write pending) has no such mark and is not. */
static bool checkpoint_discarded(fo_flink_sim *sim, const char *jid, int64_t n)
{
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_msg(c, "checkpoints: %s", err.message);
    bool discarded = false, found = false;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(c, "history"), i, h)
    {
        int64_t id = -1;
        if (fo_json_get_int(h, "id", &id) && id == n) {
            found = true;
            fo_json_get_bool(h, "discarded", &discarded);
        }
    }
    json_decref(c);
    ck_assert_msg(found, "checkpoint %lld is not in the history", (long long)n);
    return discarded;
}

/* DefaultCompletedCheckpointStore.addCheckpoint writes the HA pointer first and subsumes only
 * after that write: with haPointerAck the harness reports the write, and until it does the
 * older checkpoints the HA data still names stay. */
START_TEST(with_ha_pointer_ack_checkpoints_are_subsumed_only_after_the_pointer_write)
{
    fo_flink_sim *sim = sim_from(
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\", \"haPointerAck\": true,"
        " \"timings\": {\"initializingMs\": 100, \"createdMs\": 100, \"checkpointMs\": 50},"
        " \"job\": {\"entryClass\": \"org.example.Top\"}}");
    char jid[33];
    first_job(sim, jid);
    fo_err err = {0};
    /* Checkpoints 1..3 complete at +1250, +2250, +3250; num-retained is 1. */
    fo_flink_sim_advance(sim, T0 + 1250);
    ck_assert_int_eq(fo_flink_sim_ha_written(sim, jid, 1, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 3250);
    ck_assert_msg(!checkpoint_discarded(sim, jid, 1),
                  "chk-1, the last one the HA data names, was discarded before a newer write");
    ck_assert(!checkpoint_discarded(sim, jid, 2));
    ck_assert_int_eq(fo_flink_sim_ha_written(sim, jid, 3, &err), FO_OK);
    ck_assert(checkpoint_discarded(sim, jid, 1));
    ck_assert(checkpoint_discarded(sim, jid, 2));
    ck_assert(!checkpoint_discarded(sim, jid, 3));
    ck_assert_int_eq(fo_flink_sim_ha_written(sim, "00000000000000000000000000000bad", 3, &err),
                     FO_ENOTFOUND);
    fo_flink_sim_free(sim);
}
END_TEST

/* Flink reports a checkpoint completed (statistics, the trigger's operation, the checkpoint
 * a failover restores) only once the completed checkpoint store holds it: CheckpointCoordinator
 * .completePendingCheckpoint adds it to the store (the HA pointer write) before it reports it
 * completed. With haPointerAck a checkpoint whose pointer write has not landed is still in
 * progress; a savepoint is never added to the store and completes as before. */
START_TEST(with_ha_pointer_ack_a_checkpoint_is_reported_completed_once_its_pointer_is_written)
{
    fo_flink_sim *sim = sim_from(
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\", \"haPointerAck\": true,"
        " \"savepointDir\": \"s3://b/sp\","
        " \"timings\": {\"initializingMs\": 100, \"createdMs\": 100, \"checkpointMs\": 50,"
        " \"savepointMs\": 50},"
        " \"job\": {\"entryClass\": \"org.example.Top\"}}");
    char jid[33], trig[33], sp[33];
    first_job(sim, jid);
    fo_err err = {0};
    /* Checkpoint 1 completes at +1250; its pointer is written. */
    fo_flink_sim_advance(sim, T0 + 1250);
    ck_assert_int_eq(fo_flink_sim_ha_written(sim, jid, 1, &err), FO_OK);
    /* A checkpoint asked for at +1300 (2) completes at +1350: no pointer write yet. */
    fo_flink_sim_advance(sim, T0 + 1300);
    ck_assert_int_eq(fo_flink_sim_trigger_checkpoint(sim, jid, NULL, NULL, trig, &err), FO_OK);
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    NULL, sp, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 1400);
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_msg(c, "checkpoints: %s", err.message);
    int64_t latest = -1, completed = -1, in_progress = -1;
    fo_json_get_int(c, "latest.completed.id", &latest);
    fo_json_get_int(c, "counts.completed", &completed);
    fo_json_get_int(c, "counts.in_progress", &in_progress);
    ck_assert_msg(latest == 1, "latest.completed is checkpoint %lld, not 1 (the one in the store)",
                  (long long)latest);
    ck_assert_int_eq(in_progress, 1);
    ck_assert_int_eq(completed, 2); /* checkpoint 1 and the savepoint */
    ck_assert_ptr_nonnull(fo_json_get(c, "latest.savepoint"));
    json_decref(c);
    json_t *op = operation(sim, "checkpoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "IN_PROGRESS");
    json_decref(op);
    op = operation(sim, "savepoint", jid, sp);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    json_decref(op);

    ck_assert_int_eq(fo_flink_sim_ha_written(sim, jid, 2, &err), FO_OK);
    c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    fo_json_get_int(c, "latest.completed.id", &latest);
    ck_assert_int_eq(latest, 2);
    json_decref(c);
    op = operation(sim, "checkpoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    int64_t id = 0;
    ck_assert(fo_json_get_int(op, "operation.checkpointId", &id));
    ck_assert_int_eq(id, 2);
    json_decref(op);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(savepoint_is_in_progress_then_completed_with_a_flink_style_path)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 500);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, "s3://other/sp/", false, false,
                                                    false, NULL, NULL, trig, &err),
                     FO_OK);
    ck_assert(fo_flink_sim_is_id(trig));
    json_t *op = operation(sim, "savepoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "IN_PROGRESS");
    ck_assert_ptr_null(json_object_get(op, "operation"));
    json_decref(op);

    fo_flink_sim_advance(sim, T0 + 700);
    op = operation(sim, "savepoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    char pattern[128];
    snprintf(pattern, sizeof pattern, "^s3://other/sp/savepoint-%.6s-[0-9a-f]{12}$", jid);
    ck_assert_msg(matches(fo_json_get_str(op, "operation.location"), pattern), "location %s",
                  fo_json_get_str(op, "operation.location"));
    json_decref(op);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");

    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    bool sp = false;
    ck_assert(fo_json_get_bool(c, "latest.savepoint.is_savepoint", &sp));
    ck_assert(sp);
    ck_assert_str_eq(fo_json_get_str(c, "latest.savepoint.checkpoint_type"), "SAVEPOINT");
    json_decref(c);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(stop_with_savepoint_finishes_the_job_after_the_savepoint)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 500);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false,
                                                    "NATIVE", NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 699);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    fo_flink_sim_advance(sim, T0 + 700);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FINISHED");
    json_t *op = operation(sim, "savepoint", jid, trig);
    ck_assert(matches(fo_json_get_str(op, "operation.location"), "^s3://b/sp/savepoint-"));
    json_decref(op);
    json_t *r = fo_flink_sim_json_execution_result(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(r, "status.id"), "COMPLETED");
    ck_assert_str_eq(fo_json_get_str(r, "job-execution-result.application-status"), "SUCCEEDED");
    json_decref(r);
    fo_flink_sim_free(sim);
}
END_TEST

/* The checkpoint statistics' counter `what` (counts.<what>) of the job. */
static int64_t checkpoint_count(fo_flink_sim *sim, const char *jid, const char *what)
{
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_msg(c, "%s", err.message);
    char key[64];
    snprintf(key, sizeof key, "counts.%s", what);
    int64_t n = -1;
    ck_assert(fo_json_get_int(c, key, &n));
    json_decref(c);
    return n;
}

/* SchedulerBase.stopWithSavepoint stops the checkpoint scheduler before it triggers the
 * synchronous savepoint ("so that we are guaranteed to have only the data of the synchronous
 * savepoint committed"): CheckpointCoordinator.stopCheckpointScheduler aborts the pending
 * checkpoints (CHECKPOINT_COORDINATOR_SUSPEND) and no periodic one is triggered while the stop
 * runs, so the savepoint is the job's last snapshot; a stop that fails starts the scheduler
 * again (StopWithSavepointTerminationHandlerImpl). */
START_TEST(stop_with_savepoint_stops_periodic_checkpoints_until_it_fails)
{
    fo_flink_sim *sim = sim_from(
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
        " \"savepointDir\": \"s3://b/sp\", \"timings\": {\"initializingMs\": 100,"
        " \"createdMs\": 100, \"checkpointMs\": 50, \"savepointMs\": 2500},"
        " \"job\": {\"entryClass\": \"org.example.Top\"}}");
    char jid[33], trig[33];
    first_job(sim, jid);
    /* RUNNING at +200: chk-1 triggered at +1200, in flight until +1250 */
    fo_flink_sim_advance(sim, T0 + 1210);
    ck_assert_int_eq(checkpoint_count(sim, jid, "in_progress"), 1);
    fo_err err = {0};
    json_t *faults = json_pack("{s:i}", "failSavepoints", 1);
    ck_assert_int_eq(fo_flink_sim_set_faults(sim, faults, &err), FO_OK);
    json_decref(faults);
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 3700);
    /* chk-1 aborted; the periodic triggers of +2200 and +3200 skipped */
    ck_assert_int_eq(checkpoint_count(sim, jid, "completed"), 0);
    ck_assert_int_eq(checkpoint_count(sim, jid, "in_progress"), 1);
    fo_flink_sim_advance(sim, T0 + 3710);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    ck_assert_int_eq(checkpoint_count(sim, jid, "failed"), 2);
    /* the failed stop gave checkpointing back: the next periodic one completes */
    fo_flink_sim_advance(sim, T0 + 4300);
    ck_assert_int_eq(checkpoint_count(sim, jid, "completed"), 1);

    /* a stop that succeeds is the job's last snapshot */
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 7000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FINISHED");
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    int64_t sp = -1, ck = -1;
    ck_assert(fo_json_get_int(c, "latest.savepoint.id", &sp));
    ck_assert(fo_json_get_int(c, "latest.completed.id", &ck));
    json_decref(c);
    ck_assert_msg(ck <= sp, "checkpoint %lld completed after the stop's savepoint %lld",
                  (long long)ck, (long long)sp);
    ck_assert_int_eq(checkpoint_count(sim, jid, "completed"), 2);
    fo_flink_sim_free(sim);
}
END_TEST

/* A cluster configured with `conf_retention` (NULL: none) running one job whose code sets
 * `job_retention` (NULL: none), checkpointing every second; the job is RUNNING with chk-1
 * completed at +1250. */
static fo_flink_sim *retention_sim(const char *conf_retention, const char *job_retention,
                                   char jid[33])
{
    char spec[1024], conf[200] = "", job[120] = "";
    if (conf_retention)
        snprintf(conf, sizeof conf,
                 ", \"configuration\": {\"execution.checkpointing.externalized-checkpoint-"
                 "retention\": \"%s\"}",
                 conf_retention);
    if (job_retention)
        snprintf(job, sizeof job, ", \"checkpointRetention\": \"%s\"", job_retention);
    snprintf(spec, sizeof spec,
             "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
             " \"savepointDir\": \"s3://b/sp\"%s,"
             " \"job\": {\"entryClass\": \"org.example.Top\"%s}}",
             conf, job);
    fo_flink_sim *sim = sim_from(spec);
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 1250);
    return sim;
}

/* What GET /jobs/:id/checkpoints/config says of the job: "enabled/delete_on_cancellation". */
static void assert_externalization(fo_flink_sim *sim, const char *jid, bool enabled,
                                   bool delete_on_cancellation)
{
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoint_config(sim, jid, &err);
    ck_assert_msg(c, "%s", err.message);
    bool b = !enabled;
    ck_assert(fo_json_get_bool(c, "externalization.enabled", &b));
    ck_assert_int_eq(b, enabled);
    b = !delete_on_cancellation;
    ck_assert(fo_json_get_bool(c, "externalization.delete_on_cancellation", &b));
    ck_assert_int_eq(b, delete_on_cancellation);
    json_decref(c);
}

/* Is the job's latest completed checkpoint discarded (the statistics' flag)? */
static bool latest_checkpoint_discarded(fo_flink_sim *sim, const char *jid)
{
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_msg(c, "%s", err.message);
    bool discarded = false;
    ck_assert(fo_json_get_bool(c, "latest.completed.discarded", &discarded));
    json_decref(c);
    return discarded;
}

/* Flink's CheckpointRetentionPolicy as CheckpointConfigHandler reports it (enabled unless
 * NEVER_RETAIN_AFTER_TERMINATION, delete_on_cancellation unless RETAIN_ON_CANCELLATION) and as
 * the checkpoint store applies it when the job ends (CheckpointProperties: FINISHED discards
 * every retention's checkpoints, CANCELED all but RETAIN_ON_CANCELLATION's, FAILED only
 * NO_EXTERNALIZED_CHECKPOINTS'). The job's own setting wins over the configuration. */
START_TEST(a_jobs_checkpoints_outlive_it_by_the_retention_it_runs_with)
{
    char jid[33], path[128];
    fo_err err = {0};
    /* The configuration's RETAIN_ON_CANCELLATION: kept on cancel. */
    fo_flink_sim *sim = retention_sim("RETAIN_ON_CANCELLATION", NULL, jid);
    assert_externalization(sim, jid, true, false);
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "CANCELED");
    ck_assert(!latest_checkpoint_discarded(sim, jid));
    assert_externalization(sim, jid, true, false); /* still answered for the ended job */
    fo_flink_sim_free(sim);

    /* The job's code sets DELETE_ON_CANCELLATION (in lower case: Flink reads enums so) over
     * that configuration: deleted on cancel, and a restore from it fails. */
    sim = retention_sim("RETAIN_ON_CANCELLATION", "delete_on_cancellation", jid);
    assert_externalization(sim, jid, true, true);
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert(latest_checkpoint_discarded(sim, jid));
    snprintf(path, sizeof path, "s3://b/ck/%s/chk-1", jid);
    fo_flink_sim_job_spec again = {.job_id = "00000000000000000000000000000bad",
                                   .restore_path = path};
    char jid2[33];
    ck_assert_int_eq(fo_flink_sim_submit(sim, &again, jid2, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 3000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid2), "FAILED");
    fo_flink_sim_free(sim);

    /* ... and kept when it fails (RETAIN_ON_FAILURE). */
    sim = retention_sim("RETAIN_ON_CANCELLATION", "DELETE_ON_CANCELLATION", jid);
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, false, NULL, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FAILED");
    ck_assert(!latest_checkpoint_discarded(sim, jid));
    fo_flink_sim_free(sim);

    /* The configuration deletes, the job's code retains: kept on cancel. */
    sim = retention_sim("DELETE_ON_CANCELLATION", "RETAIN_ON_CANCELLATION", jid);
    assert_externalization(sim, jid, true, false);
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert(!latest_checkpoint_discarded(sim, jid));
    fo_flink_sim_free(sim);

    /* Neither says anything: Flink's NO_EXTERNALIZED_CHECKPOINTS, gone even on failure. */
    sim = retention_sim(NULL, NULL, jid);
    assert_externalization(sim, jid, false, true);
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, false, NULL, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert(latest_checkpoint_discarded(sim, jid));
    fo_flink_sim_free(sim);

    /* FINISHED (stop-with-savepoint): the checkpoints go whatever the retention, the
     * savepoint stays. */
    sim = retention_sim("RETAIN_ON_CANCELLATION", NULL, jid);
    char trig[33];
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 2000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FINISHED");
    ck_assert(latest_checkpoint_discarded(sim, jid));
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    bool discarded = true;
    ck_assert(fo_json_get_bool(c, "latest.savepoint.discarded", &discarded));
    ck_assert(!discarded);
    json_decref(c);

    /* A session job submitted with its own configuration (a jar run's flinkConfiguration). */
    json_t *conf = json_pack("{s:s}", "execution.checkpointing.externalized-checkpoint-retention",
                             "DELETE_ON_CANCELLATION");
    fo_flink_sim_job_spec session = {.configuration = conf};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &session, jid2, &err), FO_OK);
    assert_externalization(sim, jid2, true, true);
    /* Values Flink cannot read are refused, naming where they came from. */
    json_object_set_new(conf, "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("KEEP"));
    ck_assert_int_eq(fo_flink_sim_submit(sim, &session, jid2, &err), FO_EINVAL);
    ck_assert_int_eq(err.http_status, 400);
    ck_assert_ptr_nonnull(strstr(
        err.message, "flinkConfiguration[execution.checkpointing.externalized-checkpoint-"
                     "retention]: 'KEEP'"));
    fo_flink_sim_job_spec coded = {.checkpoint_retention = "SOMETIMES"};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &coded, jid2, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "checkpointRetention: 'SOMETIMES'"));
    json_decref(conf);
    ck_assert_ptr_null(fo_flink_sim_json_checkpoint_config(sim, "0000000000000000000000000000dead",
                                                           &err));
    ck_assert_int_eq(err.http_status, 404);
    fo_flink_sim_free(sim);

    /* No checkpointing (a batch job): CheckpointConfigHandler's 404, see
     * a_batch_job_has_no_checkpointing. */
    json_t *bad = json_pack("{s:{s:s}}", "configuration",
                            "execution.checkpointing.externalized-checkpoint-retention", "KEEP");
    ck_assert_ptr_null(fo_flink_sim_new(bad, T0, 1, NULL, &err));
    ck_assert_ptr_nonnull(strstr(
        err.message,
        "configuration[execution.checkpointing.externalized-checkpoint-retention]: must be"));
    json_decref(bad);
}
END_TEST

/* Every streaming job has checkpointing settings, interval or not: the job graph generator
 * turns a missing interval into Long.MAX_VALUE (periodic checkpoints off, triggered ones and
 * savepoints still possible), and DefaultExecutionGraphBuilder enables checkpointing whenever
 * the graph has settings. So its statistics and checkpoint config are answered: nothing
 * counted, no latest entry, the interval as Long.MAX_VALUE and the mode at_least_once (the
 * generator's mode without an interval). */
START_TEST(a_streaming_job_without_an_interval_has_statistics_and_a_config)
{
    const char *jid = "0000000000000000000000000000a002";
    fo_flink_sim *sim = sim_from("{\"savepointDir\": \"s3://b/sp\","
                                 " \"job\": {\"jobId\": \"0000000000000000000000000000a002\"}}");
    fo_flink_sim_advance(sim, T0 + 60000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_msg(c, "GET /jobs/:id/checkpoints: %d %s", err.http_status, err.message);
    static const char *const counts[] = {"restored", "total", "in_progress", "completed",
                                         "failed"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char key[32];
        int64_t n = -1;
        snprintf(key, sizeof key, "counts.%s", counts[i]);
        ck_assert_msg(fo_json_get_int(c, key, &n) && n == 0, "%s: %lld", key, (long long)n);
    }
    static const char *const latest[] = {"completed", "savepoint", "failed", "restored"};
    json_t *l = json_object_get(c, "latest");
    ck_assert(json_is_object(l));
    for (size_t i = 0; i < sizeof latest / sizeof latest[0]; i++) {
        json_t *e = json_object_get(l, latest[i]);
        ck_assert_msg(!e || json_is_null(e), "latest.%s is set", latest[i]);
    }
    ck_assert_int_eq(json_array_size(json_object_get(c, "history")), 0);
    json_decref(c);

    json_t *cc = fo_flink_sim_json_checkpoint_config(sim, jid, &err);
    ck_assert_msg(cc, "GET /jobs/:id/checkpoints/config: %d %s", err.http_status, err.message);
    int64_t interval = 0;
    ck_assert(fo_json_get_int(cc, "interval", &interval));
    ck_assert_int_eq(interval, INT64_MAX); /* Long.MAX_VALUE */
    ck_assert_str_eq(fo_json_get_str(cc, "mode"), "at_least_once");
    json_decref(cc);

    /* A savepoint completes and shows in the statistics. */
    char trig[33];
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 120000);
    c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(fo_json_get_str(c, "latest.savepoint.external_path"));
    json_decref(c);
    fo_flink_sim_free(sim);
}
END_TEST

/* A batch job (execution.runtime-mode BATCH, the cluster's or its submission's) under the
 * AdaptiveBatchScheduler (the default for batch jobs since 1.17) has no checkpointing: the
 * statistics and config handlers' 404s, no periodic checkpoints even with an interval, and
 * snapshot triggers fail as SchedulerBase fails them. */
START_TEST(a_batch_job_has_no_checkpointing)
{
    const char *jid = "0000000000000000000000000000a003";
    fo_flink_sim *sim = sim_from("{\"checkpointIntervalMs\": 1000, \"savepointDir\": \"s3://b/sp\","
                                 " \"configuration\": {\"execution.runtime-mode\": \"BATCH\"},"
                                 " \"job\": {\"jobId\": \"0000000000000000000000000000a003\"}}");
    fo_flink_sim_advance(sim, T0 + 60000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    fo_err err = {0};
    ck_assert_ptr_null(fo_flink_sim_json_checkpoints(sim, jid, &err));
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_str_eq(err.message, "Checkpointing has not been enabled.");
    ck_assert_ptr_null(fo_flink_sim_json_checkpoint_config(sim, jid, &err));
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_str_eq(err.message, "Checkpointing is not enabled for this job "
                                  "(0000000000000000000000000000a003).");
    ck_assert_ptr_null(fo_flink_sim_json_checkpoint_details(sim, jid, 1, &err));
    char trig[33];
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    json_t *op = operation(sim, "savepoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(op, "operation.failure-cause.stack-trace"),
                                 "Job 0000000000000000000000000000a003 is not a streaming job."));
    json_decref(op);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    ck_assert_int_eq(fo_flink_sim_trigger_checkpoint(sim, jid, NULL, NULL, trig, &err), FO_OK);
    op = operation(sim, "checkpoint", jid, trig);
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(op, "operation.failureCause.stack-trace"),
                                 "is not a streaming job."));
    json_decref(op);
    fo_flink_sim_free(sim);

    /* A session job submitted in BATCH mode on a streaming cluster; STREAMING stays one. */
    sim = sim_from("{\"checkpointIntervalMs\": 1000}");
    json_t *conf = json_pack("{s:s}", "execution.runtime-mode", "batch");
    fo_flink_sim_job_spec batch = {.job_id = jid, .configuration = conf};
    char out[33];
    ck_assert_int_eq(fo_flink_sim_submit(sim, &batch, out, &err), FO_OK);
    ck_assert_ptr_null(fo_flink_sim_json_checkpoints(sim, jid, &err));
    ck_assert_int_eq(err.http_status, 404);
    json_object_set_new(conf, "execution.runtime-mode", json_string("STREAMING"));
    batch.job_id = "0000000000000000000000000000a004";
    ck_assert_int_eq(fo_flink_sim_submit(sim, &batch, out, &err), FO_OK);
    json_t *c = fo_flink_sim_json_checkpoints(sim, batch.job_id, &err);
    ck_assert_ptr_nonnull(c);
    json_decref(c);
    /* A mode Flink cannot read is refused, naming where it came from. */
    json_object_set_new(conf, "execution.runtime-mode", json_string("SOMETIMES"));
    batch.job_id = "0000000000000000000000000000a005";
    ck_assert_int_eq(fo_flink_sim_submit(sim, &batch, out, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "flinkConfiguration[execution.runtime-mode]"));
    json_decref(conf);
    fo_flink_sim_free(sim);

    /* The DefaultScheduler's static graph keeps the checkpointing settings (before 1.17, or
     * jobmanager.scheduler: default): statistics and a config with periodic checkpoints off,
     * even with an interval configured, as BATCH mode disables checkpointing. */
    static const char *const static_graph[] = {
        "{\"flinkVersion\": \"1.16.3\", \"checkpointIntervalMs\": 1000,"
        " \"configuration\": {\"execution.runtime-mode\": \"BATCH\"},"
        " \"job\": {\"jobId\": \"0000000000000000000000000000a003\"}}",
        "{\"flinkVersion\": \"1.20.1\", \"checkpointIntervalMs\": 1000,"
        " \"configuration\": {\"execution.runtime-mode\": \"BATCH\","
        " \"jobmanager.scheduler\": \"default\"},"
        " \"job\": {\"jobId\": \"0000000000000000000000000000a003\"}}"};
    for (size_t i = 0; i < 2; i++) {
        sim = sim_from(static_graph[i]);
        fo_flink_sim_advance(sim, T0 + 60000);
        c = fo_flink_sim_json_checkpoints(sim, jid, &err);
        ck_assert_msg(c, "case %zu: %s", i, err.message);
        int64_t total = -1;
        ck_assert(fo_json_get_int(c, "counts.total", &total));
        ck_assert_int_eq(total, 0);
        json_decref(c);
        json_t *cc = fo_flink_sim_json_checkpoint_config(sim, jid, &err);
        ck_assert_ptr_nonnull(cc);
        int64_t interval = 0;
        ck_assert(fo_json_get_int(cc, "interval", &interval));
        ck_assert_int_eq(interval, INT64_MAX);
        json_decref(cc);
        fo_flink_sim_free(sim);
    }
}
END_TEST

START_TEST(failing_savepoints_report_a_failure_cause_and_the_job_keeps_running)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 500);
    fo_err err = {0};
    json_t *faults = json_pack("{s:i, s:s}", "failSavepoints", 1, "failureMessage", "disk full");
    ck_assert_int_eq(fo_flink_sim_set_faults(sim, faults, &err), FO_OK);
    json_decref(faults);
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, true, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 800);
    json_t *op = operation(sim, "savepoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    ck_assert_ptr_null(fo_json_get(op, "operation.location"));
    const char *stack = fo_json_get_str(op, "operation.failure-cause.stack-trace");
    ck_assert_ptr_nonnull(stack);
    ck_assert_ptr_nonnull(strstr(stack, "disk full"));
    json_decref(op);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");

    /* only one savepoint was to fail */
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_OK);
    fo_flink_sim_advance(sim, T0 + 1100);
    op = operation(sim, "savepoint", jid, trig);
    ck_assert_ptr_nonnull(fo_json_get_str(op, "operation.location"));
    json_decref(op);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(snapshots_of_a_job_that_is_not_running_are_accepted_then_fail)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_err err = {0};
    /* still INITIALIZING */
    ck_assert_int_eq(fo_flink_sim_trigger_checkpoint(sim, jid, "FULL", NULL, trig, &err), FO_OK);
    json_t *op = operation(sim, "checkpoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(op, "operation.failureCause.stack-trace"),
                                 "Not all required tasks are currently running"));
    json_decref(op);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(checkpoint_trigger_completes_with_its_checkpoint_id)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 300);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_trigger_checkpoint(sim, jid, NULL, NULL, trig, &err), FO_OK);
    json_t *op = operation(sim, "checkpoint", jid, trig);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "IN_PROGRESS");
    json_decref(op);
    fo_flink_sim_advance(sim, T0 + 350);
    op = operation(sim, "checkpoint", jid, trig);
    int64_t id = 0;
    ck_assert(fo_json_get_int(op, "operation.checkpointId", &id));
    ck_assert_int_eq(id, 1);
    json_decref(op);
    json_t *details = fo_flink_sim_json_checkpoint_details(sim, jid, 1, &err);
    char want[128];
    snprintf(want, sizeof want, "s3://b/ck/%s/chk-1", jid);
    ck_assert_str_eq(fo_json_get_str(details, "external_path"), want);
    ck_assert_int_eq(json_object_size(json_object_get(details, "tasks")), 2);
    json_decref(details);
    ck_assert_ptr_null(fo_flink_sim_json_checkpoint_details(sim, jid, 99, &err));
    ck_assert_int_eq(err.http_status, 404);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(savepoint_without_any_directory_is_a_bad_request_naming_the_config_key)
{
    fo_flink_sim *sim = sim_from("{\"job\": {}}");
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 1000);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    NULL, trig, &err),
                     FO_EINVAL);
    ck_assert_int_eq(err.http_status, 400);
    ck_assert_str_eq(err.message, "Config key [state.savepoints.dir] is not set. Property "
                                  "[target-directory] must be provided.");
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(a_trigger_id_in_the_request_makes_the_trigger_idempotent)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], t1[33], t2[33];
    const char *mine = "0123456789abcdef0123456789abcdef";
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 300);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    mine, t1, &err),
                     FO_OK);
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    mine, t2, &err),
                     FO_OK);
    ck_assert_str_eq(t1, mine);
    ck_assert_str_eq(t2, mine);
    fo_flink_sim_advance(sim, T0 + 600);
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    int64_t total = 0;
    ck_assert(fo_json_get_int(c, "counts.total", &total));
    ck_assert_int_eq(total, 1); /* one savepoint, no periodic checkpoint yet */
    json_decref(c);
    ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL,
                                                    "not-hex", t1, &err),
                     FO_EINVAL);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(cancel_goes_through_cancelling_and_repeats_are_accepted)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 300);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "CANCELLING");
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 400);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "CANCELED");
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    json_t *r = fo_flink_sim_json_execution_result(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(r, "job-execution-result.application-status"), "CANCELED");
    json_decref(r);
    json_t *o = fo_flink_sim_json_overview(sim);
    int64_t n = 0;
    ck_assert(fo_json_get_int(o, "jobs-cancelled", &n));
    ck_assert_int_eq(n, 1);
    json_decref(o);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(cancelling_a_finished_job_is_a_conflict)
{
    fo_flink_sim *sim = sim_from("{\"job\": {\"finishAfterMs\": 1000}}");
    char jid[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 10000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FINISHED");
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_ECONFLICT);
    ck_assert_int_eq(err.http_status, 409);
    ck_assert_ptr_nonnull(strstr(err.message, "FINISHED"));
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(failure_with_restart_restores_from_the_latest_checkpoint_and_counts_restarts)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], want[128];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 2300); /* chk-1, chk-2 done */
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, true, "boom", &err), FO_OK);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RESTARTING");
    fo_flink_sim_advance(sim, T0 + 2500);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");

    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    snprintf(want, sizeof want, "s3://b/ck/%s/chk-2", jid);
    ck_assert_str_eq(fo_json_get_str(c, "latest.restored.external_path"), want);
    bool sp = true;
    ck_assert(fo_json_get_bool(c, "latest.restored.is_savepoint", &sp));
    ck_assert(!sp);
    json_decref(c);
    json_t *m = fo_flink_sim_json_metrics(sim, jid, "numRestarts", &err);
    ck_assert_str_eq(fo_json_str(json_array_get(m, 0), "value"), "1");
    json_decref(m);
    json_t *e = fo_flink_sim_json_exceptions(sim, jid, -1, &err);
    json_t *entry = json_array_get(fo_json_get(e, "exceptionHistory.entries"), 0);
    ck_assert_ptr_nonnull(strstr(fo_json_str(entry, "stacktrace"), "boom"));
    ck_assert_ptr_nonnull(fo_json_str(e, "root-exception")); /* 1.20 keeps the old members */
    json_decref(e);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(failure_without_restart_ends_failed_with_the_cause_in_the_execution_result)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 300);
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, false, "bad record", &err), FO_OK);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FAILING");
    json_t *r = fo_flink_sim_json_execution_result(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(r, "status.id"), "IN_PROGRESS");
    json_decref(r);
    fo_flink_sim_advance(sim, T0 + 350);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FAILED");
    r = fo_flink_sim_json_execution_result(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(r, "job-execution-result.application-status"), "FAILED");
    ck_assert_ptr_nonnull(
        strstr(fo_json_get_str(r, "job-execution-result.failure-cause.stack-trace"), "bad record"));
    json_decref(r);
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, true, NULL, &err), FO_ECONFLICT);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(fail_every_ms_makes_a_restart_loop)
{
    fo_flink_sim *sim = sim_from(
        "{\"faults\": {\"failEveryMs\": 1000}, \"timings\": {\"restartMs\": 100}, \"job\": {}}");
    char jid[33];
    first_job(sim, jid);
    /* RUNNING at 200, fails at 1200, RUNNING at 1300, fails at 2300, ... */
    fo_flink_sim_advance(sim, T0 + 5000);
    fo_err err = {0};
    json_t *m = fo_flink_sim_json_metrics(sim, jid, "numRestarts", &err);
    ck_assert_str_eq(fo_json_str(json_array_get(m, 0), "value"), "4");
    json_decref(m);
    fo_flink_sim_free(sim);
}
END_TEST

/* A registry that knows one savepoint with checkpoint id 7 and one disposed path. */
static int test_lookup(void *ctx, const char *path, int64_t *id)
{
    (void)ctx;
    if (!strcmp(path, "s3://b/sp/savepoint-abcdef-0123456789ab")) {
        *id = 7;
        return 1;
    }
    if (!strcmp(path, "s3://b/sp/savepoint-abcdef-gone00000000")) {
        *id = 3;
        return 2;
    }
    return 0;
}

START_TEST(restore_source_is_recorded_and_checkpoint_ids_continue_after_it)
{
    fo_flink_sim_registry reg = {.lookup = test_lookup};
    json_t *spec = json_pack("{s:I, s:s, s:{s:s}}", "checkpointIntervalMs", (json_int_t)1000,
                             "checkpointDir", "s3://b/ck", "job", "restorePath",
                             "s3://b/sp/savepoint-abcdef-0123456789ab");
    fo_err err = {0};
    fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, &reg, &err);
    json_decref(spec);
    ck_assert_ptr_nonnull(sim);
    char jid[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 1300);
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(c, "latest.restored.external_path"),
                     "s3://b/sp/savepoint-abcdef-0123456789ab");
    int64_t id = 0;
    ck_assert(fo_json_get_int(c, "latest.restored.id", &id));
    ck_assert_int_eq(id, 7);
    ck_assert(fo_json_get_int(c, "latest.completed.id", &id));
    ck_assert_int_eq(id, 8);
    json_decref(c);
    json_t *view = fo_flink_sim_json_control(sim);
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"),
                     "s3://b/sp/savepoint-abcdef-0123456789ab");
    bool sp = false;
    ck_assert(fo_json_get_bool(job, "restoredFrom.savepoint", &sp));
    ck_assert(sp);
    json_decref(view);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(restoring_from_a_disposed_savepoint_fails_the_job)
{
    fo_flink_sim_registry reg = {.lookup = test_lookup};
    json_t *spec = json_pack("{s:{s:s}}", "job", "restorePath",
                             "s3://b/sp/savepoint-abcdef-gone00000000");
    fo_err err = {0};
    fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, &reg, &err);
    json_decref(spec);
    char jid[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 1000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FAILED");
    json_t *r = fo_flink_sim_json_execution_result(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(r, "job-execution-result.failure-cause.class"),
                     "java.io.FileNotFoundException");
    json_decref(r);
    fo_flink_sim_free(sim);
}
END_TEST

/* A one-entry HA store. */
static char ha_path[256];
static char ha_job[33];
static int64_t ha_id = -1;

static bool t_ha_lookup(void *ctx, const char *job, char *path, size_t len, int64_t *id)
{
    (void)ctx;
    if (ha_id < 0 || strcmp(job, ha_job) != 0)
        return false;
    snprintf(path, len, "%s", ha_path);
    *id = ha_id;
    return true;
}

static void t_ha_record(void *ctx, const char *job, const char *path, int64_t id)
{
    (void)ctx;
    snprintf(ha_job, sizeof ha_job, "%s", job);
    snprintf(ha_path, sizeof ha_path, "%s", path);
    ha_id = id;
}

static void t_ha_remove(void *ctx, const char *job)
{
    (void)ctx;
    if (!strcmp(job, ha_job))
        ha_id = -1;
}

START_TEST(with_ha_a_new_jobmanager_recovers_from_the_ha_store_not_the_savepoint_path)
{
    fo_flink_sim_registry reg = {.ha_lookup = t_ha_lookup, .ha_record = t_ha_record,
                                 .ha_remove = t_ha_remove};
    static const char spec_text[] =
        "{\"checkpointIntervalMs\": 1000, \"checkpointDir\": \"s3://b/ck\","
        " \"highAvailabilityStore\": true,"
        " \"configuration\": {\"high-availability.type\": \"kubernetes\","
        " \"execution.savepoint.path\": \"KUBERNETES_OPERATOR_LAST_STATE\"},"
        " \"job\": {\"jobId\": \"000000000000000000000000000000aa\"}}";
    json_t *spec = json_loads(spec_text, 0, NULL);
    ck_assert_ptr_nonnull(spec);
    fo_err err = {0};
    ha_id = -1;
    /* first JobManager: the placeholder path does not exist and there is no HA data yet... */
    fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, &reg, &err);
    const char *jid = "000000000000000000000000000000aa";
    fo_flink_sim_advance(sim, T0 + 1000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "FAILED");
    fo_flink_sim_free(sim);

    /* ...so start it clean, let it checkpoint twice into the HA store */
    json_object_del(json_object_get(spec, "configuration"), "execution.savepoint.path");
    sim = fo_flink_sim_new(spec, T0, 1, &reg, &err);
    fo_flink_sim_advance(sim, T0 + 2300);
    ck_assert_int_eq(ha_id, 2);
    ck_assert_str_eq(ha_path, "s3://b/ck/000000000000000000000000000000aa/chk-2");
    fo_flink_sim_free(sim); /* the JobManager Deployment is deleted, HA data stays */

    /* the redeploy names the placeholder, yet recovers from HA */
    json_object_set_new(json_object_get(spec, "configuration"), "execution.savepoint.path",
                        json_string("KUBERNETES_OPERATOR_LAST_STATE"));
    sim = fo_flink_sim_new(spec, T0 + 10000, 2, &reg, &err);
    fo_flink_sim_advance(sim, T0 + 11300);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
    json_t *view = fo_flink_sim_json_control(sim);
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.source"), "ha");
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"),
                     "s3://b/ck/000000000000000000000000000000aa/chk-2");
    json_decref(view);
    ck_assert_int_eq(ha_id, 3); /* checkpoint ids go on from the recovered one */

    /* a globally terminal job leaves no HA data behind */
    ck_assert_int_eq(fo_flink_sim_cancel(sim, jid, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 12000);
    ck_assert_int_eq(ha_id, -1);
    fo_flink_sim_free(sim);
    json_decref(spec);
}
END_TEST

/* Since Flink 1.15 (FLINK-25191) CheckpointCoordinator.completePendingCheckpoint adds only
 * checkpoints to the completed checkpoint store: a savepoint taken while the job runs is
 * neither in the HA data nor restored by a failover, which takes the latest checkpoint. Before
 * 1.15 a savepoint went into the store like a checkpoint, and a failover right after it
 * restored it. */
START_TEST(a_failover_restores_a_savepoint_only_before_flink_1_15)
{
    static const struct {
        const char *version;
        bool from_savepoint;
    } cases[] = {{"1.14.6", true}, {"1.15.0", false}, {"1.20.1", false}, {"2.0.0", false}};
    fo_flink_sim_registry reg = {.ha_lookup = t_ha_lookup, .ha_record = t_ha_record,
                                 .ha_remove = t_ha_remove};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char spec_text[1024];
        snprintf(spec_text, sizeof spec_text,
                 "{\"flinkVersion\": \"%s\", \"checkpointIntervalMs\": 1000,"
                 " \"checkpointDir\": \"s3://b/ck\", \"savepointDir\": \"s3://b/sp\","
                 " \"highAvailabilityStore\": true,"
                 " \"configuration\": {\"high-availability.type\": \"kubernetes\"},"
                 " \"timings\": {\"initializingMs\": 100, \"createdMs\": 100,"
                 " \"checkpointMs\": 50, \"savepointMs\": 200, \"failingMs\": 50,"
                 " \"restartMs\": 200},"
                 " \"job\": {\"jobId\": \"000000000000000000000000000000bb\"}}",
                 cases[c].version);
        json_t *spec = json_loads(spec_text, 0, NULL);
        ck_assert_ptr_nonnull(spec);
        fo_err err = {0};
        ha_id = -1;
        fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, &reg, &err);
        ck_assert_msg(sim, "%s: %s", cases[c].version, err.message);
        json_decref(spec);
        const char *jid = "000000000000000000000000000000bb";
        char chk2[128], trig[33];
        snprintf(chk2, sizeof chk2, "s3://b/ck/%s/chk-2", jid);
        fo_flink_sim_advance(sim, T0 + 2300); /* chk-1, chk-2 done */
        ck_assert_str_eq(ha_path, chk2);
        ck_assert_int_eq(fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false,
                                                        NULL, NULL, trig, &err),
                         FO_OK);
        fo_flink_sim_advance(sim, T0 + 2600); /* the savepoint is done, no checkpoint since */
        json_t *op = operation(sim, "savepoint", jid, trig);
        ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
        char sp[256];
        snprintf(sp, sizeof sp, "%s", fo_json_get_str(op, "operation.location"));
        json_decref(op);
        const char *want = cases[c].from_savepoint ? sp : chk2;
        ck_assert_msg(strcmp(ha_path, want) == 0, "%s: the HA store names %s, not %s",
                      cases[c].version, ha_path, want);

        ck_assert_int_eq(fo_flink_sim_fail_job(sim, jid, true, "boom", &err), FO_OK);
        fo_flink_sim_advance(sim, T0 + 2900);
        ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "RUNNING");
        json_t *view = fo_flink_sim_json_control(sim);
        json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
        ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.source"), "failover");
        ck_assert_msg(strcmp(fo_json_get_str(job, "restoredFrom.path"), want) == 0,
                      "%s: the failover restored %s, not %s", cases[c].version,
                      fo_json_get_str(job, "restoredFrom.path"), want);
        json_decref(view);
        fo_flink_sim_free(sim);
    }
}
END_TEST

START_TEST(only_paths_named_like_snapshots_are_restorable_without_being_known)
{
    static const struct {
        const char *path, *state;
    } cases[] = {
        {"s3://b/sp/savepoint-abc123-0123456789ab", "RUNNING"},
        {"s3://b/sp/savepoint-abc123-0123456789ab/", "RUNNING"},
        {"s3://b/sp/savepoint-abc123-0123456789ab/_metadata", "RUNNING"},
        {"file:///ck/00000000000000000000000000000001/chk-17", "RUNNING"},
        {"KUBERNETES_OPERATOR_LAST_STATE", "FAILED"},
        {"s3://b/sp/my-backup", "FAILED"},
        {"s3://b/sp/savepoint-", "FAILED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *spec = json_pack("{s:{s:s}}", "job", "restorePath", cases[i].path);
        fo_err err = {0};
        fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, NULL, &err);
        json_decref(spec);
        char jid[33];
        first_job(sim, jid);
        fo_flink_sim_advance(sim, T0 + 1000);
        ck_assert_msg(!strcmp(fo_flink_sim_job_state(sim, jid), cases[i].state), "%s -> %s",
                      cases[i].path, fo_flink_sim_job_state(sim, jid));
        fo_flink_sim_free(sim);
    }
}
END_TEST

/* Flink's default scheduler turns a job RUNNING when it starts scheduling
 * (DefaultScheduler.startSchedulingInternal: transitionToRunning, then the slot requests): a
 * job short of slots is RUNNING with its tasks SCHEDULED, and a checkpoint is declined because
 * not all required tasks are running. */
START_TEST(a_job_short_of_slots_runs_with_its_tasks_scheduled)
{
    fo_flink_sim *sim = sim_from("{\"taskManagers\": 1, \"slotsPerTaskManager\": 2}");
    fo_flink_sim_job_spec a = {.parallelism = 2}, b = {.parallelism = 2};
    char ja[33], jb[33], trig[33];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &a, ja, &err), FO_OK);
    ck_assert_int_eq(fo_flink_sim_submit(sim, &b, jb, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 5000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, ja), "RUNNING");
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jb), "RUNNING");
    json_t *jobs = fo_flink_sim_json_jobs_overview(sim);
    int64_t n = -1;
    ck_assert(fo_json_get_int(json_array_get(json_object_get(jobs, "jobs"), 0), "tasks.running",
                              &n));
    ck_assert_int_eq(n, 4);
    const json_t *eb = json_array_get(json_object_get(jobs, "jobs"), 1);
    ck_assert(fo_json_get_int(eb, "tasks.scheduled", &n));
    ck_assert_int_eq(n, 4);
    ck_assert(fo_json_get_int(eb, "tasks.running", &n));
    ck_assert_int_eq(n, 0);
    json_decref(jobs);
    json_t *o = fo_flink_sim_json_overview(sim);
    ck_assert(fo_json_get_int(o, "slots-available", &n));
    ck_assert_int_eq(n, 0);
    json_decref(o);
    ck_assert_int_eq(fo_flink_sim_trigger_checkpoint(sim, jb, NULL, NULL, trig, &err), FO_OK);
    json_t *op = fo_flink_sim_json_operation(sim, "checkpoint", jb, trig, &err);
    ck_assert_ptr_nonnull(strstr(fo_json_get_str(op, "operation.failureCause.stack-trace"),
                                 "Not all required tasks are currently running"));
    json_decref(op);
    ck_assert_int_eq(fo_flink_sim_set_taskmanagers(sim, 2, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 5001);
    jobs = fo_flink_sim_json_jobs_overview(sim);
    ck_assert(fo_json_get_int(json_array_get(json_object_get(jobs, "jobs"), 1), "tasks.running",
                              &n));
    ck_assert_int_eq(n, 4);
    json_decref(jobs);
    fo_flink_sim_free(sim);
}
END_TEST

/* A job whose tasks never got slots has none to keep through a restart: back RUNNING, its tasks
 * are SCHEDULED again while another job holds every slot (the restart strategy restarts the
 * job; the slot requests start over). */
START_TEST(a_job_short_of_slots_that_restarts_still_has_no_slots)
{
    fo_flink_sim *sim = sim_from("{\"taskManagers\": 1, \"slotsPerTaskManager\": 2}");
    fo_flink_sim_job_spec a = {.parallelism = 2}, b = {.parallelism = 2};
    char ja[33], jb[33];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &a, ja, &err), FO_OK);
    ck_assert_int_eq(fo_flink_sim_submit(sim, &b, jb, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 5000);
    ck_assert_int_eq(fo_flink_sim_fail_job(sim, jb, true, "slot request timeout", &err), FO_OK);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jb), "RESTARTING");
    fo_flink_sim_advance(sim, T0 + 60000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, ja), "RUNNING");
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jb), "RUNNING");
    json_t *jobs = fo_flink_sim_json_jobs_overview(sim);
    const json_t *eb = json_array_get(json_object_get(jobs, "jobs"), 1);
    int64_t n = -1;
    ck_assert(fo_json_get_int(eb, "tasks.running", &n));
    ck_assert_int_eq(n, 0);
    ck_assert(fo_json_get_int(eb, "tasks.scheduled", &n));
    ck_assert_int_eq(n, 4);
    json_decref(jobs);
    fo_flink_sim_free(sim);
}
END_TEST

/* The AdaptiveScheduler waits for resources before it builds the execution graph, and reports
 * the job CREATED meanwhile (WaitingForResources). */
START_TEST(adaptive_scheduler_jobs_wait_in_created_for_slots)
{
    fo_flink_sim *sim =
        sim_from("{\"taskManagers\": 1, \"slotsPerTaskManager\": 2, \"configuration\":"
                 " {\"jobmanager.scheduler\": \"adaptive\"}}");
    fo_flink_sim_job_spec a = {.parallelism = 2}, b = {.parallelism = 2};
    char ja[33], jb[33];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &a, ja, &err), FO_OK);
    ck_assert_int_eq(fo_flink_sim_submit(sim, &b, jb, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 5000);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, ja), "RUNNING");
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jb), "CREATED");
    json_t *o = fo_flink_sim_json_overview(sim);
    int64_t avail = -1;
    ck_assert(fo_json_get_int(o, "slots-available", &avail));
    ck_assert_int_eq(avail, 0);
    json_decref(o);
    ck_assert_int_eq(fo_flink_sim_set_taskmanagers(sim, 2, &err), FO_OK);
    fo_flink_sim_advance(sim, T0 + 5001);
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jb), "RUNNING");
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(duplicate_job_ids_are_refused_like_flink_does)
{
    fo_flink_sim *sim = sim_from(NULL);
    fo_flink_sim_job_spec a = {.job_id = "00000000000000000000000000000abc"};
    char j[33];
    fo_err err = {0};
    ck_assert_int_eq(fo_flink_sim_submit(sim, &a, j, &err), FO_OK);
    ck_assert_str_eq(j, "00000000000000000000000000000abc");
    ck_assert_int_eq(fo_flink_sim_submit(sim, &a, j, &err), FO_EEXISTS);
    ck_assert_ptr_nonnull(strstr(err.message, "DuplicateJobSubmissionException"));
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(unknown_jobs_and_triggers_are_not_found)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33];
    first_job(sim, jid);
    fo_err err = {0};
    const char *other = "ffffffffffffffffffffffffffffffff";
    ck_assert_ptr_null(fo_flink_sim_json_job(sim, other, &err));
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_int_eq(fo_flink_sim_cancel(sim, other, &err), FO_ENOTFOUND);
    ck_assert_ptr_null(fo_flink_sim_json_operation(sim, "savepoint", jid, other, &err));
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_ptr_null(fo_flink_sim_json_operation(sim, "disposal", NULL, other, &err));
    ck_assert_int_eq(err.http_status, 404);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(disposal_succeeds_for_a_known_savepoint_and_fails_for_an_unknown_path)
{
    fo_flink_sim *sim = sim_from(APP);
    char jid[33], trig[33];
    first_job(sim, jid);
    fo_flink_sim_advance(sim, T0 + 300);
    fo_err err = {0};
    fo_flink_sim_trigger_savepoint(sim, jid, NULL, false, false, false, NULL, NULL, trig, &err);
    fo_flink_sim_advance(sim, T0 + 500);
    json_t *op = operation(sim, "savepoint", jid, trig);
    char *path = strdup(fo_json_get_str(op, "operation.location"));
    json_decref(op);
    char d1[33], d2[33];
    ck_assert_int_eq(fo_flink_sim_dispose(sim, path, d1, &err), FO_OK);
    ck_assert_int_eq(fo_flink_sim_dispose(sim, "s3://b/sp/nothing", d2, &err), FO_OK);
    op = operation(sim, "disposal", NULL, d1);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "IN_PROGRESS");
    json_decref(op);
    fo_flink_sim_advance(sim, T0 + 700);
    op = operation(sim, "disposal", NULL, d1);
    ck_assert_str_eq(fo_json_get_str(op, "status.id"), "COMPLETED");
    ck_assert_ptr_null(fo_json_get(op, "operation.failure-cause"));
    json_decref(op);
    op = operation(sim, "disposal", NULL, d2);
    ck_assert_str_eq(fo_json_get_str(op, "operation.failure-cause.class"),
                     "java.util.concurrent.CompletionException");
    json_decref(op);
    free(path);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(flink_configuration_keys_set_directories_interval_and_the_restore_path)
{
    fo_flink_sim *sim = sim_from(
        "{\"flinkVersion\": \"2.0.0\", \"configuration\": {"
        "\"execution.checkpointing.interval\": \"2 s\","
        "\"execution.checkpointing.dir\": \"s3://c/ck\","
        "\"execution.checkpointing.savepoint-dir\": \"s3://c/sp\","
        "\"execution.state-recovery.path\": \"s3://c/sp/savepoint-000000-aaaaaaaaaaaa\","
        "\"$internal.pipeline.job-id\": \"00000000000000000000000000000001\","
        "\"taskmanager.numberOfTaskSlots\": 2, \"parallelism.default\": \"4\"},"
        "\"job\": {}}");
    const char *jid = "00000000000000000000000000000001";
    ck_assert_str_eq(fo_flink_sim_job_state(sim, jid), "INITIALIZING");
    fo_flink_sim_advance(sim, T0 + 2300);
    fo_err err = {0};
    json_t *c = fo_flink_sim_json_checkpoints(sim, jid, &err);
    ck_assert_str_eq(fo_json_get_str(c, "latest.completed.external_path"),
                     "s3://c/ck/00000000000000000000000000000001/chk-1");
    ck_assert_str_eq(fo_json_get_str(c, "latest.restored.external_path"),
                     "s3://c/sp/savepoint-000000-aaaaaaaaaaaa");
    json_decref(c);
    json_t *o = fo_flink_sim_json_overview(sim);
    int64_t tms = 0;
    ck_assert(fo_json_get_int(o, "taskmanagers", &tms));
    ck_assert_int_eq(tms, 2); /* parallelism 4 over 2 slots each */
    json_decref(o);
    /* 2.x: only exceptionHistory */
    json_t *e = fo_flink_sim_json_exceptions(sim, jid, -1, &err);
    ck_assert_ptr_null(json_object_get(e, "all-exceptions"));
    ck_assert_ptr_nonnull(json_object_get(e, "exceptionHistory"));
    json_decref(e);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(nested_config_yaml_is_flattened_and_application_keys_fill_the_job)
{
    /* Flink 2 config.yaml nests keys; the operator writes the job into $internal keys. */
    fo_flink_sim *sim = sim_from(
        "{\"flinkVersion\": \"2.1.0\", \"configuration\": {"
        "\"execution\": {\"checkpointing\": {\"interval\": \"1 min\", \"dir\": \"s3://n/ck\"}},"
        "\"pipeline\": {\"jars\": [\"local:///opt/flink/usrlib/app.jar\"]},"
        "\"$internal.application.main\": \"org.example.Nested\","
        "\"$internal.application.program-args\": \"--mode;fast\","
        "\"$internal.pipeline.job-id\": \"000000000000000000000000000000cc\","
        "\"taskmanager.numberOfTaskSlots\": 4, \"kubernetes.operator.x\": null},"
        "\"job\": {}}");
    json_t *cfg = fo_flink_sim_json_jm_config(sim);
    bool seen_interval = false, seen_jars = false;
    size_t i;
    json_t *kv;
    json_array_foreach(cfg, i, kv) {
        const char *k = fo_json_str(kv, "key"), *v = fo_json_str(kv, "value");
        if (!strcmp(k, "execution.checkpointing.interval"))
            seen_interval = !strcmp(v, "1 min");
        if (!strcmp(k, "pipeline.jars"))
            seen_jars = !strcmp(v, "local:///opt/flink/usrlib/app.jar");
        ck_assert_str_ne(k, "kubernetes.operator.x");
    }
    json_decref(cfg);
    ck_assert(seen_interval && seen_jars);
    json_t *view = fo_flink_sim_json_control(sim);
    int64_t interval = 0;
    ck_assert(fo_json_get_int(view, "checkpointIntervalMs", &interval));
    ck_assert_int_eq(interval, 60000);
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_get_str(job, "jobId"), "000000000000000000000000000000cc");
    ck_assert_str_eq(fo_json_get_str(job, "submission.entryClass"), "org.example.Nested");
    ck_assert_str_eq(fo_json_get_str(job, "submission.jarURI"), "local:///opt/flink/usrlib/app.jar");
    json_t *args = fo_json_get(job, "submission.args");
    ck_assert_int_eq(json_array_size(args), 2);
    ck_assert_str_eq(json_string_value(json_array_get(args, 1)), "fast");
    json_decref(view);
    fo_flink_sim_free(sim);
}
END_TEST

START_TEST(bad_cluster_specs_name_the_field)
{
    static const struct {
        const char *spec, *msg;
    } cases[] = {
        {"{\"flinkVersion\": 1}", "spec.flinkVersion: must be a string"},
        {"{\"flinkVersion\": \"abc\"}", "spec.flinkVersion: must look like"},
        {"{\"taskManagers\": -1}", "spec.taskManagers: must be an integer"},
        {"{\"bogus\": 1}", "spec.bogus: unknown field"},
        {"{\"job\": {\"jobId\": \"XYZ\"}}", "spec.job.jobId: must be 32"},
        {"{\"job\": {\"args\": [1]}}", "spec.job.args[0]: must be a string"},
        {"{\"timings\": {\"fastMs\": 1}}", "spec.timings.fastMs: unknown field"},
        {"{\"configuration\": {\"execution.checkpointing.interval\": \"soon\"}}",
         "spec.configuration[execution.checkpointing.interval]: not a duration"},
        {"{\"faults\": {\"failSavepoints\": \"x\"}}", "faults.failSavepoints"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_err err = {0};
        json_t *spec = json_loads(cases[i].spec, 0, NULL);
        fo_flink_sim *sim = fo_flink_sim_new(spec, T0, 1, NULL, &err);
        json_decref(spec);
        ck_assert_msg(!sim, "accepted %s", cases[i].spec);
        ck_assert_msg(strstr(err.message, cases[i].msg), "%s -> %s", cases[i].spec, err.message);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fake_flink_jobs");
    TCase *tc = tcase_create("sim");
    tcase_add_test(tc, application_job_walks_initializing_created_running);
    tcase_add_test(tc, periodic_checkpoints_land_under_the_checkpoint_dir_and_older_ones_are_subsumed);
    tcase_add_test(tc, with_ha_pointer_ack_checkpoints_are_subsumed_only_after_the_pointer_write);
    tcase_add_test(tc, with_ha_pointer_ack_a_checkpoint_is_reported_completed_once_its_pointer_is_written);
    tcase_add_test(tc, savepoint_is_in_progress_then_completed_with_a_flink_style_path);
    tcase_add_test(tc, stop_with_savepoint_finishes_the_job_after_the_savepoint);
    tcase_add_test(tc, stop_with_savepoint_stops_periodic_checkpoints_until_it_fails);
    tcase_add_test(tc, failing_savepoints_report_a_failure_cause_and_the_job_keeps_running);
    tcase_add_test(tc, snapshots_of_a_job_that_is_not_running_are_accepted_then_fail);
    tcase_add_test(tc, checkpoint_trigger_completes_with_its_checkpoint_id);
    tcase_add_test(tc, savepoint_without_any_directory_is_a_bad_request_naming_the_config_key);
    tcase_add_test(tc, a_trigger_id_in_the_request_makes_the_trigger_idempotent);
    tcase_add_test(tc, cancel_goes_through_cancelling_and_repeats_are_accepted);
    tcase_add_test(tc, cancelling_a_finished_job_is_a_conflict);
    tcase_add_test(tc, failure_with_restart_restores_from_the_latest_checkpoint_and_counts_restarts);
    tcase_add_test(tc, failure_without_restart_ends_failed_with_the_cause_in_the_execution_result);
    tcase_add_test(tc, fail_every_ms_makes_a_restart_loop);
    tcase_add_test(tc, restore_source_is_recorded_and_checkpoint_ids_continue_after_it);
    tcase_add_test(tc, restoring_from_a_disposed_savepoint_fails_the_job);
    tcase_add_test(tc, with_ha_a_new_jobmanager_recovers_from_the_ha_store_not_the_savepoint_path);
    tcase_add_test(tc, a_failover_restores_a_savepoint_only_before_flink_1_15);
    tcase_add_test(tc, only_paths_named_like_snapshots_are_restorable_without_being_known);
    tcase_add_test(tc, a_job_short_of_slots_runs_with_its_tasks_scheduled);
    tcase_add_test(tc, a_job_short_of_slots_that_restarts_still_has_no_slots);
    tcase_add_test(tc, adaptive_scheduler_jobs_wait_in_created_for_slots);
    tcase_add_test(tc, duplicate_job_ids_are_refused_like_flink_does);
    tcase_add_test(tc, unknown_jobs_and_triggers_are_not_found);
    tcase_add_test(tc, disposal_succeeds_for_a_known_savepoint_and_fails_for_an_unknown_path);
    tcase_add_test(tc, flink_configuration_keys_set_directories_interval_and_the_restore_path);
    tcase_add_test(tc, nested_config_yaml_is_flattened_and_application_keys_fill_the_job);
    tcase_add_test(tc, bad_cluster_specs_name_the_field);
    tcase_add_test(tc, a_jobs_checkpoints_outlive_it_by_the_retention_it_runs_with);
    tcase_add_test(tc, a_streaming_job_without_an_interval_has_statistics_and_a_config);
    tcase_add_test(tc, a_batch_job_has_no_checkpointing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
