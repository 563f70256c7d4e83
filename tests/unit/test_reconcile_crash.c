/* controller/reconcile_*: a controller killed between any two of its writes (DESIGN.md "The
 * reconcile pass", docs/controller.md "intent first", reference c.5 - c.7, c.18).
 *
 * Each scenario runs once without a crash, counting the API writes it makes, then once per
 * write k with write k failing as if the process died right before it: the passes after that
 * are the restarted controller. Whatever k, the scenario must end where the uncrashed run ends:
 * settled, no savepoint lost or taken twice, one job per deploy, the deployed configuration in
 * line with status. Between two passes world_step plays the kubelet, the Deployment controller
 * and Flink (a JobManager that runs the job of its configuration, stop-with-savepoint and
 * cancel as Flink's REST API answers them, Flink rewriting its HA job graph on start). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "tests/unit/ctl_scenario.h"

#define MAX_PASSES 40
#define STEP_MS 5000
/* What the fake Flink answers a stop request that names no trigger id of its own. */
#define FLINK_TRIGGER "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
/* Flink's HA ConfigMap of last-state-example's job (tests/data/controller-ha-configmaps.yaml) */
#define HA_JOB_MAP "last-state-example-00000000000000000000000000000001-config-map"
#define HA_CHECKPOINT "checkpointID-0000000000000000007"

typedef struct flink_model {
    char jm_uid[64];         /* the JobManager Deployment the model's cluster belongs to */
    char job[33];            /* the job that cluster runs (from its configuration) */
    char job_state[16];      /* RUNNING, FINISHED (stopped with a savepoint), CANCELED */
    size_t calls_seen;       /* Flink calls already played */
    int savepoints;          /* savepoints taken */
    int checkpoints;         /* checkpoints taken on a trigger */
    int jm_creates;          /* JobManager clusters started */
    bool graph_at_start;     /* an HA job graph was there when a JobManager started */
    int64_t clock_behind_ms; /* the JobManager's clock runs this far behind the controller's */
    int port;                /* the REST port the running JobManager listens on (0: none) */
    int calls_elsewhere;     /* calls the controller sent to another port than that one */
} flink_model;

typedef struct outcome {
    bool settled;
    int writes;            /* API writes of the scenario (failed ones included) */
    char job[33];          /* status.jobStatus.jobId at the end */
    char deployed_job[33]; /* the job id in the cluster's configuration */
    char savepoint[256];   /* status.jobStatus.upgradeSavepointPath ("" when none) */
    char restore[256];     /* execution.savepoint.path of the configuration ("" when none) */
    char store[256];       /* job-result-store.storage-path of the configuration at the end */
    char first_store[256]; /* ... before the change */
    char launch[32];       /* status.reconciliationStatus.reconciliationTimestamp at the end */
    int savepoints, jm_creates, stops;
    int manual_posts;        /* POST /jobs/:id/savepoints sent */
    int checkpoints;         /* checkpoints Flink took on a trigger */
    int checkpoint_posts;    /* POST /jobs/:id/checkpoints sent */
    int64_t last_ckpt_nonce; /* checkpointInfo.lastCheckpoint.triggerNonce (-1 when none) */
    char last_savepoint[256]; /* savepointInfo.lastSavepoint.location ("" when none) */
    int64_t last_nonce;       /* its triggerNonce (-1 when none) */
    size_t history;           /* savepointInfo.savepointHistory entries */
    bool graph_at_start;
    bool gone;      /* the resource was deleted (finalizer removed) */
    bool suspended; /* the resource is suspended at the end (no cluster) */
    char mode[16];  /* the recorded spec's job.upgradeMode at the end */
    bool ha_checkpoint; /* the job's HA ConfigMap still holds its checkpoint at the end */
    /* With a change of the cluster defaults at the crash: the set ('a', 'b') the launch's
     * first write of the cluster's ConfigMap or Deployments held, whether a later one held the
     * other, and the set of the JobManager's pods and of the ConfigMap at the end. */
    char first_set, end_jm_set, end_cm_set;
    bool mixed;
    int calls_elsewhere;              /* Flink calls to another port than the cluster's */
    int backoff_warnings;             /* Warnings RestartBackoff sent */
    char streak_since[48]; /* lastTransitionTime of the RestartBackoff condition ("": none) */
    int end_service_port, end_conf_port; /* the REST Service's port, the config's rest.port */
} outcome;

/* The defaults the controller runs with, and what the admin changes them to while it is down
 * (Flink's pod option kubernetes.jobmanager.labels, rendered into the ConfigMap and the
 * JobManager's pods, and the port of its REST API, which the REST Service and the controller's
 * address follow). */
static const char defaults_a[] = "flinkConfiguration:\n"
                                 "  kubernetes.jobmanager.labels: \"team:crash-a\"\n";
static const char defaults_b[] = "flinkConfiguration:\n"
                                 "  kubernetes.jobmanager.labels: \"team:crash-b\"\n"
                                 "  rest.port: \"8082\"\n";

/* The informer of ConfigMaps one pass behind the API (lag_cm): during a pass the cache holds the
 * flink-config ConfigMap as it was before the previous pass, the Deployments' informer is up to
 * date. And GETs of that ConfigMap failing (fail_cm_gets of them). A launch then writes one set
 * of defaults all the same (drift repair's patch of the ConfigMap built from the previous
 * launch's record fails on its stale resourceVersion), but the pass after it observes Flink at
 * the previous launch's rest.port: a known limit, not checked here. */
static struct {
    bool on;
    char name[300];
    json_t *seen, *next; /* what the cache shows, what it shows after the next world step */
    int fail_cm_gets;
} lag_cm;

/* The FlinkDeployment informer one pass behind the API (lag_fd; its watch ended and is being
 * opened again, a relist after 410): during a pass the cache holds the resource as it was
 * before the previous pass, the other informers are up to date. A pass must never act on a
 * status its predecessor replaced: undo the teardown it finished, tear down the cluster it
 * launched. */
static struct {
    bool on;
    char name[300];
    json_t *seen, *next;
} lag_fd;

static json_t *lagging_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    if (lag_cm.on && kind == FO_CTL_CONFIG_MAP && strcmp(name, lag_cm.name) == 0)
        return lag_cm.seen ? fake_hand_out(ctx, lag_cm.seen) : NULL;
    if (lag_fd.on && kind == FO_CTL_FLINK_DEPLOYMENT && strcmp(name, lag_fd.name) == 0)
        return lag_fd.seen ? fake_hand_out(ctx, lag_fd.seen) : NULL;
    return fk_cached(ctx, kind, ns, name);
}

static void lag_fd_step(fake_world *w)
{
    json_decref(lag_fd.seen);
    lag_fd.seen = lag_fd.next;
    json_t *now = fd(w, lag_fd.name);
    lag_fd.next = now ? json_deep_copy(now) : NULL;
}

/* The write numbered lose.at (the fake's count; 0: none) reaches the API server and is made
 * there, but its answer never comes back (a timeout, a connection cut after the request went
 * out): the caller sees FO_ETIMEOUT. */
static struct {
    int at;
    bool done; /* that answer was lost */
} lose;

static fo_rc lost(fake_kube *k, fo_rc rc, json_t **out, fo_err *err)
{
    if (rc != FO_OK || lose.at == 0 || k->writes != lose.at)
        return rc;
    if (out) {
        json_decref(*out);
        *out = NULL;
    }
    lose.done = true;
    return fo_err_set(err, FO_ETIMEOUT, "write %d: no answer within the timeout", k->writes);
}

static fo_rc losing_create(void *ctx, fo_ctl_kind kind, const json_t *obj, json_t **out,
                           fo_err *err)
{
    json_t *got = NULL;
    fo_rc rc = lost(ctx, fk_create(ctx, kind, obj, &got, err), &got, err);
    if (out)
        *out = got;
    else
        json_decref(got);
    return rc;
}

static fo_rc losing_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                          bool status, const json_t *patch, json_t **out, fo_err *err)
{
    json_t *got = NULL;
    fo_rc rc = lost(ctx, fk_patch(ctx, kind, ns, name, status, patch, &got, err), &got, err);
    if (out)
        *out = got;
    else
        json_decref(got);
    return rc;
}

static fo_rc losing_remove(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                           const char *uid, const char *propagation, fo_err *err)
{
    return lost(ctx, fk_remove(ctx, kind, ns, name, uid, propagation, err), NULL, err);
}

static fo_rc failing_get(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                         json_t **out, fo_err *err)
{
    if (lag_cm.fail_cm_gets > 0 && kind == FO_CTL_CONFIG_MAP && strcmp(name, lag_cm.name) == 0) {
        lag_cm.fail_cm_gets--;
        return fo_err_set(err, FO_EIO, "injected failure of a GET");
    }
    return fk_get(ctx, kind, ns, name, out, err);
}

static void lag_step(fake_world *w)
{
    json_decref(lag_cm.seen);
    lag_cm.seen = lag_cm.next;
    json_t *now = owned(w, FO_CTL_CONFIG_MAP, lag_cm.name);
    lag_cm.next = now ? json_deep_copy(now) : NULL;
}

static void lag_start(fake_world *w, const char *name)
{
    snprintf(lag_cm.name, sizeof lag_cm.name, "flink-config-%s", name);
    lag_cm.on = true;
    lag_step(w);
    lag_step(w);
}

static void lag_stop(void)
{
    json_decref(lag_cm.seen);
    json_decref(lag_cm.next);
    memset(&lag_cm, 0, sizeof lag_cm);
    json_decref(lag_fd.seen);
    json_decref(lag_fd.next);
    memset(&lag_fd, 0, sizeof lag_fd);
}

/* A port number in the config or the Service (0: none). */
static int rest_port_of_config(fake_world *w, const char *name);

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

/* Which set of defaults_a / defaults_b a text holds ('a', 'b', 0: none, '2': both). */
static char set_in(const char *text)
{
    bool a = text && strstr(text, "crash-a"), b = text && strstr(text, "crash-b");
    return a && b ? '2' : a ? 'a' : b ? 'b' : 0;
}

/* The value of `key: "..."` (or unquoted) in the cluster's config.yaml, into out. */
static void conf_value(fake_world *w, const char *name, const char *key, char *out, size_t len)
{
    char cm[300];
    snprintf(cm, sizeof cm, "flink-config-%s", name);
    const char *text =
        fo_json_str(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, cm), "data"), "config.yaml");
    out[0] = '\0';
    const char *p = text ? strstr(text, key) : NULL;
    if (!p)
        return;
    p += strlen(key);
    while (*p == ':' || *p == ' ' || *p == '"')
        p++;
    size_t n = strcspn(p, "\"\n");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

static int rest_port_of_config(fake_world *w, const char *name)
{
    char port[16];
    conf_value(w, name, "rest.port", port, sizeof port);
    return port[0] ? atoi(port) : 8081;
}

static int rest_port_of_service(fake_world *w, const char *name)
{
    char svc[300];
    snprintf(svc, sizeof svc, "%s-rest", name);
    int64_t port = 0;
    fo_json_get_int(json_array_get(fo_json_get(owned(w, FO_CTL_SERVICE, svc), "spec.ports"), 0),
                    "port", &port);
    return (int)port;
}

static void answer_job(fake_world *w, const flink_model *m)
{
    fake_flink_answer(&w->flink, "GET /config",
                      json_pack("{s:s, s:s}", "flink-version", "1.20.1", "flink-revision",
                                "abc1234 @ 2025-01-01T00:00:00+00:00"));
    fake_flink_answer(&w->flink, "GET /taskmanagers",
                      json_pack("{s:[{s:s}]}", "taskmanagers", "id", "tm-1"));
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I}]}", "jobs", "jid", m->job, "name",
                                "State machine job", "state", m->job_state, "start-time",
                                (json_int_t)1776676400000LL));
    char key[128];
    snprintf(key, sizeof key, "POST /jobs/%s/stop", m->job);
    fake_flink_answer(&w->flink, key, json_pack("{s:s}", "request-id", FLINK_TRIGGER));
    snprintf(key, sizeof key, "POST /jobs/%s/savepoints", m->job);
    fake_flink_answer(&w->flink, key, json_pack("{s:s}", "request-id", FLINK_TRIGGER));
    snprintf(key, sizeof key, "POST /jobs/%s/checkpoints", m->job);
    fake_flink_answer(&w->flink, key, json_pack("{s:s}", "request-id", FLINK_TRIGGER));
}

/* Flink takes the checkpoint of a trigger it received (once per trigger id); the job runs on. */
static void play_checkpoint(fake_world *w, flink_model *m, const char *job, const json_t *body)
{
    const char *tid = fo_json_str(body, "triggerId");
    char key[160];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/%s", job, tid ? tid : FLINK_TRIGGER);
    if (json_object_get(w->flink.answers, key) || strcmp(job, m->job) != 0)
        return;
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:s}, s:{s:i}}", "status", "id", "COMPLETED", "operation",
                                "checkpointId", 200 + ++m->checkpoints));
}

/* Flink takes the savepoint of a trigger it received (once per trigger id); the job runs on. */
static void play_savepoint(fake_world *w, flink_model *m, const char *job, const json_t *body)
{
    const char *tid = fo_json_str(body, "triggerId");
    char key[160];
    snprintf(key, sizeof key, "GET /jobs/%s/savepoints/%s", job, tid ? tid : FLINK_TRIGGER);
    if (json_object_get(w->flink.answers, key) || strcmp(job, m->job) != 0)
        return;
    char loc[128];
    snprintf(loc, sizeof loc, "s3://bucket/savepoints/savepoint-%.6s-%d", job, ++m->savepoints);
    fake_flink_answer(
        &w->flink, key,
        json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation", "location", loc));
}

/* Flink takes the savepoint of a stop request it received (once per trigger id). */
static void play_stop(fake_world *w, flink_model *m, const char *job, const json_t *body)
{
    const char *tid = fo_json_str(body, "triggerId");
    char key[160];
    snprintf(key, sizeof key, "GET /jobs/%s/savepoints/%s", job, tid ? tid : FLINK_TRIGGER);
    if (json_object_get(w->flink.answers, key))
        return; /* the same trigger again: Flink answers with the operation it has */
    char loc[128];
    snprintf(loc, sizeof loc, "s3://bucket/savepoints/savepoint-%.6s-%d", job, ++m->savepoints);
    fake_flink_answer(
        &w->flink, key,
        json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation", "location", loc));
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", job);
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:I}, s:{s:{s:i, s:s, s:b, s:s, s:I}}}", "counts", "completed",
                                (json_int_t)m->savepoints, "latest", "savepoint", "id",
                                100 + m->savepoints, "status", "COMPLETED", "is_savepoint", 1,
                                "external_path", loc, "trigger_timestamp",
                                (json_int_t)(fo_clock_now_ms(w->clock) - m->clock_behind_ms)));
    if (strcmp(job, m->job) == 0)
        snprintf(m->job_state, sizeof m->job_state, "FINISHED");
}

/* What happens in the cluster between two passes. */
static void world_step(fake_world *w, flink_model *m, const char *name)
{
    for (size_t i = m->calls_seen; i < w->flink.ncalls; i++) {
        if (!w->flink.received[i])
            continue;
        const char *colon = strrchr(w->flink.hosts[i], ':');
        if (m->port && (!colon || atoi(colon + 1) != m->port))
            m->calls_elsewhere++;
        char job[33] = "";
        const char *c = w->flink.calls[i];
        if (strncmp(c, "POST /jobs/", 11) == 0 && strstr(c, "/stop")) {
            snprintf(job, sizeof job, "%.32s", c + 11);
            play_stop(w, m, job, json_array_get(w->flink.bodies, i));
        } else if (strncmp(c, "POST /jobs/", 11) == 0 && strstr(c, "/savepoints")) {
            snprintf(job, sizeof job, "%.32s", c + 11);
            play_savepoint(w, m, job, json_array_get(w->flink.bodies, i));
        } else if (strncmp(c, "POST /jobs/", 11) == 0 && strstr(c, "/checkpoints")) {
            snprintf(job, sizeof job, "%.32s", c + 11);
            play_checkpoint(w, m, job, json_array_get(w->flink.bodies, i));
        } else if (strncmp(c, "PATCH /jobs/", 12) == 0 && strncmp(c + 12, m->job, 32) == 0 &&
                   strcmp(m->job_state, "RUNNING") == 0) {
            snprintf(m->job_state, sizeof m->job_state, "CANCELED");
        }
    }
    m->calls_seen = w->flink.ncalls;

    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, name);
    bool up = jm && !fo_json_get(jm, "metadata.deletionTimestamp");
    w->flink.unreachable = !up;
    if (up) {
        const char *uid = fo_json_get_str(jm, "metadata.uid");
        if (strcmp(uid, m->jm_uid) != 0) { /* a new JobManager starts the job it was given */
            snprintf(m->jm_uid, sizeof m->jm_uid, "%s", uid);
            conf_value(w, name, "$internal.pipeline.job-id", m->job, sizeof m->job);
            snprintf(m->job_state, sizeof m->job_state, "RUNNING");
            m->jm_creates++;
            m->port = rest_port_of_config(w, name);
            char cm_name[300];
            snprintf(cm_name, sizeof cm_name, "%s-cluster-config-map", name);
            json_t *cm = owned(w, FO_CTL_CONFIG_MAP, cm_name);
            if (cm) { /* Flink (re)writes the job graph into its HA map */
                const char *key;
                json_t *v;
                json_object_foreach(json_object_get(cm, "data"), key, v)
                {
                    if (strncmp(key, "jobGraph-", 9) == 0)
                        m->graph_at_start = true;
                }
                json_t *copy = json_deep_copy(cm);
                char graph[64];
                snprintf(graph, sizeof graph, "jobGraph-%s", m->job);
                json_object_set_new(fo_json_ensure_object(copy, "data"), graph,
                                    json_string("rO0ABXNy"));
                fake_put(&w->kube, copy);
                json_decref(copy);
            }
        }
        jm_available(w, name);
        answer_job(w, m);
    } else {
        m->port = 0;
    }
    if (lag_cm.on)
        lag_step(w);
    if (lag_fd.on)
        lag_fd_step(w);
    fo_clock_fake_advance(w->clock, STEP_MS);
}

static bool suspended_spec(fake_world *w, const char *name)
{
    const char *state = fo_json_get_str(json_object_get(fd(w, name), "spec"), "job.state");
    return state && strcmp(state, "suspended") == 0;
}

static bool settled(fake_world *w, const char *name)
{
    json_t *obj = fd(w, name);
    int64_t gen = 0, seen = -1;
    fo_json_get_int(obj, "metadata.generation", &gen);
    fo_json_get_int(json_object_get(obj, "status"), "observedGeneration", &seen);
    const char *life = st_str(w, name, "lifecycleState");
    const char *rs = st_str(w, name, "reconciliationStatus.state");
    const char *want = suspended_spec(w, name) ? "SUSPENDED" : "STABLE";
    /* a savepointTriggerNonce (checkpointTriggerNonce) asked for is recorded once its
     * savepoint (checkpoint) ended */
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *nonce = fo_json_get(spec, "job.savepointTriggerNonce");
    const json_t *cnonce = fo_json_get(spec, "job.checkpointTriggerNonce");
    json_t *rec = nonce || cnonce ? fo_flink_last_reconciled_spec(obj, NULL, NULL) : NULL;
    bool nonce_done = !nonce || json_is_null(nonce) ||
                      json_equal(nonce, fo_json_get(rec, "job.savepointTriggerNonce"));
    bool cnonce_done = !cnonce || json_is_null(cnonce) ||
                       json_equal(cnonce, fo_json_get(rec, "job.checkpointTriggerNonce"));
    json_decref(rec);
    return nonce_done && cnonce_done && gen == seen && life && strcmp(life, want) == 0 && rs &&
           strcmp(rs, "DEPLOYED") == 0 &&
           !st_str(w, name, "jobStatus.savepointInfo.triggerType") &&
           !st_str(w, name, "jobStatus.checkpointInfo.triggerType");
}

/* Passes (each followed by a world step) until the resource settles or is gone. When `then`
 * is set, the cluster defaults become `then` once the write numbered `at` was made: the
 * controller killed there is restarted with the new defaults. */
static bool run_passes_with(fake_world *w, flink_model *m, const char *name, bool until_gone,
                            fo_cluster_defaults *then, int at)
{
    for (int i = 0; i < MAX_PASSES; i++) {
        pass(w, name, NULL); /* a failed pass is retried, as the work queue does */
        if (then && w->kube.writes >= at) {
            w->env.defaults_ctx = then;
            then = NULL;
        }
        world_step(w, m, name);
        if (until_gone ? fd(w, name) == NULL : settled(w, name))
            return true;
    }
    return false;
}

static bool run_passes(fake_world *w, flink_model *m, const char *name, bool until_gone)
{
    return run_passes_with(w, m, name, until_gone, NULL, 0);
}

typedef struct scenario {
    const char *fixture, *name;
    bool ha_maps;                                    /* Flink's HA ConfigMaps exist (last-state) */
    bool from_scratch;                               /* crash during the first deployment */
    void (*change)(fake_world *w, const char *name); /* the user's change (NULL: none) */
    bool delete;                                     /* the change is a deletion */
    int64_t clock_behind_ms;    /* the JobManager's clock is behind the controller's */
    const char *lose_answer_of; /* the first Flink call starting with this reaches Flink
                                   but its answer is lost */
    bool defaults_change;       /* the cluster defaults change at the crash (a to b) */
    /* run until settled before the change (the resource is then suspended, say) */
    void (*prepare)(fake_world *w, const char *name);
    bool lag_cm;      /* the ConfigMap informer is a pass behind during the change */
    bool lag_fd;      /* the FlinkDeployment informer is a pass behind during the change */
    int fail_cm_gets; /* this many GETs of the flink-config ConfigMap fail during the change */
    bool restarting;  /* the job crash-loops (RESTARTING) when the change comes */
    bool failed;      /* the job FAILED for good when the change comes */
    bool finished;    /* the job (a bounded one) FINISHED when the change comes */
    bool manual;      /* the change asks for a manual savepoint: no launch follows */
} scenario;

static void new_image(fake_world *w, const char *name)
{
    edit_spec(w, name, "image", json_string("flink:1.20.1"));
}

static void new_parallelism(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.parallelism", json_integer(4));
}

static void suspend_job(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.state", json_string("suspended"));
}

static void resume_job(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.state", json_string("running"));
}

static void new_savepoint_nonce(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.savepointTriggerNonce", json_integer(11));
}

/* kubernetes.operator.job.restart.failed set in the resource's flinkConfiguration. */
static void restart_failed_on(fake_world *w, const char *name)
{
    json_t *spec = json_object_get(fd(w, name), "spec");
    json_object_set_new(json_object_get(spec, "flinkConfiguration"),
                        "kubernetes.operator.job.restart.failed", json_string("true"));
    json_t *par = json_deep_copy(fo_json_get(spec, "job.parallelism"));
    edit_spec(w, name, "job.parallelism", par); /* the same value: a new generation */
}

/* restart_failed_on with a restart streak on record that began 30 s before (the job was
 * restarted then and has FAILED again): the restart waits 30 s from the failure, told once
 * (docs/controller.md, "Restarts of a job that keeps failing"). */
static void restart_failed_on_in_a_streak(fake_world *w, const char *name)
{
    restart_failed_on(w, name);
    int64_t gen = 0;
    fo_json_get_int(fd(w, name), "metadata.generation", &gen);
    char since[48];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock) - 30000, false, since, sizeof since);
    json_t *st = json_object_get(fd(w, name), "status");
    json_array_append_new(json_object_get(st, "conditions"),
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "RestartBackoff",
                                    "status", "True", "reason", "JobFailed", "message",
                                    "The failed job was restarted", "lastTransitionTime", since,
                                    "observedGeneration", (json_int_t)gen));
}

#define RETAINED_CHECKPOINT "s3://flink/checkpoints/failed-job/chk-9"

/* restart_failed_on, Flink holding the FAILED job's last checkpoint, retained
 * (RETAIN_ON_CANCELLATION, as the job's checkpoint configuration says). */
static void restart_failed_on_with_a_checkpoint(fake_world *w, const char *name)
{
    char key[128];
    const char *jid = st_str(w, name, "jobStatus.jobId");
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i}, s:{s:{s:i, s:s, s:b, s:s, s:I}}}", "counts",
                                "completed", 9, "latest", "completed", "id", 9, "status",
                                "COMPLETED", "is_savepoint", 0, "external_path",
                                RETAINED_CHECKPOINT, "trigger_timestamp",
                                (json_int_t)fo_clock_now_ms(w->clock)));
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/config", jid);
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:s, s:I, s:I, s:{s:b, s:b}}", "mode", "exactly_once",
                                "interval", (json_int_t)60000, "timeout", (json_int_t)600000,
                                "externalization", "enabled", 1, "delete_on_cancellation", 0));
    restart_failed_on(w, name);
}

/* Flink holding the FAILED job's last checkpoint, retained (restart_failed_on_with_a_checkpoint
 * without the option), and a new parallelism. */
static void new_parallelism_with_a_checkpoint(fake_world *w, const char *name)
{
    char key[128];
    const char *jid = st_str(w, name, "jobStatus.jobId");
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i}, s:{s:{s:i, s:s, s:b, s:s, s:I}}}", "counts", "completed",
                                9, "latest", "completed", "id", 9, "status", "COMPLETED",
                                "is_savepoint", 0, "external_path", RETAINED_CHECKPOINT,
                                "trigger_timestamp", (json_int_t)fo_clock_now_ms(w->clock)));
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/config", jid);
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:s, s:I, s:I, s:{s:b, s:b}}", "mode", "exactly_once", "interval",
                                (json_int_t)60000, "timeout", (json_int_t)600000, "externalization",
                                "enabled", 1, "delete_on_cancellation", 0));
    new_parallelism(w, name);
}

/* Flink's statistics of the FINISHED job: checkpointing on, its checkpoints discarded with it
 * (none restorable: the latest completed one, chk-9, not externally kept), and a new
 * parallelism (the user reruns the bounded job). */
static void new_parallelism_of_a_finished_job(fake_world *w, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, name, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i}, s:{s:{s:i, s:s, s:b, s:s, s:b, s:I}}}", "counts",
                                "completed", 9, "latest", "completed", "id", 9, "status",
                                "COMPLETED", "is_savepoint", 0, "external_path",
                                RETAINED_CHECKPOINT, "discarded", 1, "trigger_timestamp",
                                (json_int_t)fo_clock_now_ms(w->clock)));
    new_parallelism(w, name);
}

/* Flink's statistics of the job that failed before its first checkpoint, deployed from empty
 * state: checkpointing on, nothing completed, latest.restored null (its state is empty). */
static void no_snapshot_and_no_restore(fake_world *w, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, name, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:n, s:n, s:n, s:n}}", "counts",
                                "restored", 0, "total", 0, "in_progress", 0, "completed", 0,
                                "failed", 0, "latest", "completed", "savepoint", "failed",
                                "restored"));
}

static void restart_failed_on_with_empty_state(fake_world *w, const char *name)
{
    no_snapshot_and_no_restore(w, name);
    restart_failed_on(w, name);
}

static void new_parallelism_with_empty_state(fake_world *w, const char *name)
{
    no_snapshot_and_no_restore(w, name);
    new_parallelism(w, name);
}

static void new_checkpoint_nonce(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.checkpointTriggerNonce", json_integer(13));
}

static void savepoint_mode(fake_world *w, const char *name)
{
    edit_spec(w, name, "job.upgradeMode", json_string("savepoint"));
}

/* Run the scenario, with the crash_at-th write of the change failing (0: no crash), or when
 * lose_at the lose_at-th write of the change made but its answer lost (0: none). */
static outcome run_losing(const scenario *sc, int crash_at, int lose_at);

static void check_every_lost_answer(const scenario *sc);

static outcome run(const scenario *sc, int crash_at)
{
    return run_losing(sc, crash_at, 0);
}

static outcome run_losing(const scenario *sc, int crash_at, int lose_at)
{
    outcome o;
    memset(&o, 0, sizeof o);
    fake_world *w = world_with(sc->fixture);
    /* the controller reaches Flink at the port of the cluster's REST Service */
    w->settings.rest_url_template = "http://flink.test:{port}/{namespace}/{name}";
    w->env.kube.cached = lagging_cached;
    w->env.kube.get = failing_get;
    w->env.kube.create = losing_create;
    w->env.kube.patch = losing_patch;
    w->env.kube.remove = losing_remove;
    fo_cluster_defaults *a = NULL, *b = NULL;
    if (sc->defaults_change) {
        fo_err err;
        a = fo_cluster_defaults_parse(defaults_a, sizeof defaults_a - 1, &err);
        b = fo_cluster_defaults_parse(defaults_b, sizeof defaults_b - 1, &err);
        ck_assert(a && b);
        w->env.defaults = given_defaults;
        w->env.defaults_ctx = a;
    }
    flink_model m;
    memset(&m, 0, sizeof m);
    m.clock_behind_ms = sc->clock_behind_ms;
    if (sc->ha_maps)
        put_ha_configmaps(w);
    int start = w->kube.writes;
    if (!sc->from_scratch) {
        ck_assert_msg(run_passes(w, &m, sc->name, false), "%s never became stable", sc->name);
        if (sc->prepare) {
            sc->prepare(w, sc->name);
            ck_assert_msg(run_passes(w, &m, sc->name, false), "%s never settled", sc->name);
        }
        if (sc->restarting) { /* Flink restarts the job over and over, never RUNNING */
            snprintf(m.job_state, sizeof m.job_state, "RESTARTING");
            answer_job(w, &m);
        }
        if (sc->failed) { /* its restart strategy exhausted: FAILED, globally terminal */
            snprintf(m.job_state, sizeof m.job_state, "FAILED");
            answer_job(w, &m);
        }
        if (sc->finished) { /* its sources ended: FINISHED, globally terminal */
            snprintf(m.job_state, sizeof m.job_state, "FINISHED");
            answer_job(w, &m);
        }
        m.jm_creates = 0;
        m.savepoints = 0;
        m.checkpoints = 0;
        m.graph_at_start = false;
        conf_value(w, sc->name, "job-result-store.storage-path", o.first_store,
                   sizeof o.first_store);
        if (sc->delete) {
            fo_err err;
            ck_assert_int_eq(
                fk_remove(&w->kube, FO_CTL_FLINK_DEPLOYMENT, NS, sc->name, NULL, NULL, &err),
                FO_OK);
        } else if (sc->change) {
            sc->change(w, sc->name);
        }
        start = w->kube.writes;
    }
    size_t calls = w->flink.ncalls;
    m.calls_elsewhere = 0;
    if (sc->lag_cm)
        lag_start(w, sc->name);
    if (sc->lag_fd) {
        snprintf(lag_fd.name, sizeof lag_fd.name, "%s", sc->name);
        lag_fd.on = true;
        lag_fd_step(w);
        lag_fd_step(w);
    }
    if (sc->fail_cm_gets) {
        snprintf(lag_cm.name, sizeof lag_cm.name, "flink-config-%s", sc->name);
        lag_cm.fail_cm_gets = sc->fail_cm_gets;
    }
    if (sc->lose_answer_of) {
        snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", sc->lose_answer_of);
        w->flink.lose_times = 1;
    }
    if (crash_at > 0)
        fake_fail_write(&w->kube, crash_at, FO_EIO);
    lose.at = lose_at > 0 ? start + lose_at : 0;
    lose.done = false;
    size_t log_from = w->kube.nlog;
    o.settled = run_passes_with(w, &m, sc->name, sc->delete, crash_at > 0 ? b : NULL,
                                start + crash_at);
    o.writes = w->kube.writes - start;
    lose.at = 0;
    lag_stop();
    o.calls_elsewhere = m.calls_elsewhere;
    char cm_name[300];
    snprintf(cm_name, sizeof cm_name, "flink-config-%s", sc->name);
    for (size_t i = log_from; sc->defaults_change && i < w->kube.nlog; i++) {
        const fake_write *fw = &w->kube.log[i];
        if (!(fw->kind == FO_CTL_CONFIG_MAP && strcmp(fw->name, cm_name) == 0) &&
            !(fw->kind == FO_CTL_DEPLOYMENT && strcmp(fw->name, sc->name) == 0))
            continue;
        char *text = fo_json_dumps_compact(fw->body);
        char set = set_in(text);
        free(text);
        if (set && !o.first_set)
            o.first_set = set;
        if (set && set != o.first_set)
            o.mixed = true;
    }
    if (sc->defaults_change && !sc->delete) {
        o.end_jm_set = set_in(fo_json_get_str(owned(w, FO_CTL_DEPLOYMENT, sc->name),
                                              "spec.template.metadata.labels.team"));
        json_t *cm = owned(w, FO_CTL_CONFIG_MAP, cm_name);
        char *text = fo_json_dumps_compact(cm);
        o.end_cm_set = set_in(text);
        free(text);
        o.end_service_port = rest_port_of_service(w, sc->name);
        o.end_conf_port = rest_port_of_config(w, sc->name);
    }
    o.gone = fd(w, sc->name) == NULL;
    o.suspended = !o.gone && suspended_spec(w, sc->name);
    if (!o.gone) {
        json_t *rec = fo_flink_last_reconciled_spec(fd(w, sc->name), NULL, NULL);
        const char *mode = fo_json_get_str(rec, "job.upgradeMode");
        snprintf(o.mode, sizeof o.mode, "%s", mode ? mode : "");
        json_decref(rec);
        json_t *ha = owned(w, FO_CTL_CONFIG_MAP, HA_JOB_MAP);
        o.ha_checkpoint = json_object_get(fo_json_get(ha, "data"), HA_CHECKPOINT) != NULL;
    }
    o.savepoints = m.savepoints;
    o.checkpoints = m.checkpoints;
    o.jm_creates = m.jm_creates;
    o.graph_at_start = m.graph_at_start;
    for (size_t i = calls; i < w->flink.ncalls; i++) {
        if (strncmp(w->flink.calls[i], "POST /jobs/", 11) == 0 &&
            strstr(w->flink.calls[i], "/stop"))
            o.stops++;
        if (strncmp(w->flink.calls[i], "POST /jobs/", 11) == 0 &&
            strstr(w->flink.calls[i], "/savepoints"))
            o.manual_posts++;
        if (strncmp(w->flink.calls[i], "POST /jobs/", 11) == 0 &&
            strstr(w->flink.calls[i], "/checkpoints"))
            o.checkpoint_posts++;
    }
    o.last_nonce = -1;
    o.last_ckpt_nonce = -1;
    if (!o.gone) {
        const json_t *si = fo_json_get(json_object_get(fd(w, sc->name), "status"),
                                       "jobStatus.savepointInfo");
        const char *loc = fo_json_get_str(si, "lastSavepoint.location");
        snprintf(o.last_savepoint, sizeof o.last_savepoint, "%s", loc ? loc : "");
        fo_json_get_int(si, "lastSavepoint.triggerNonce", &o.last_nonce);
        o.history = json_array_size(json_object_get(si, "savepointHistory"));
        fo_json_get_int(json_object_get(fd(w, sc->name), "status"),
                        "jobStatus.checkpointInfo.lastCheckpoint.triggerNonce",
                        &o.last_ckpt_nonce);
    }
    if (!o.gone) {
        const char *jid = st_str(w, sc->name, "jobStatus.jobId");
        const char *sp = st_str(w, sc->name, "jobStatus.upgradeSavepointPath");
        snprintf(o.job, sizeof o.job, "%s", jid ? jid : "");
        snprintf(o.savepoint, sizeof o.savepoint, "%s", sp ? sp : "");
        conf_value(w, sc->name, "$internal.pipeline.job-id", o.deployed_job, sizeof o.deployed_job);
        conf_value(w, sc->name, "execution.savepoint.path", o.restore, sizeof o.restore);
        conf_value(w, sc->name, "job-result-store.storage-path", o.store, sizeof o.store);
        int64_t ts = 0;
        fo_json_get_int(json_object_get(fd(w, sc->name), "status"),
                        "reconciliationStatus.reconciliationTimestamp", &ts);
        snprintf(o.launch, sizeof o.launch, "-%lld", (long long)ts);
        const char *since = NULL;
        size_t i;
        json_t *c;
        json_array_foreach(fo_json_get(json_object_get(fd(w, sc->name), "status"), "conditions"),
                           i, c)
        {
            if (fo_json_str(c, "type") && strcmp(fo_json_str(c, "type"), "RestartBackoff") == 0)
                since = fo_json_str(c, "lastTransitionTime");
        }
        snprintf(o.streak_since, sizeof o.streak_since, "%s", since ? since : "");
    }
    o.backoff_warnings = fake_events_count(&w->events, "RestartBackoff");
    fake_world_free(w);
    fo_cluster_defaults_unref(a);
    fo_cluster_defaults_unref(b);
    return o;
}

/* Every crash point of sc ends like the uncrashed run. */
static void check_every_crash_point(const scenario *sc)
{
    outcome base = run(sc, 0);
    ck_assert_msg(base.settled, "%s: the uncrashed run did not settle", sc->name);
    ck_assert_int_gt(base.writes, 0);
    for (int k = 0; k <= base.writes; k++) {
        outcome o = k ? run(sc, k) : base;
        ck_assert_msg(o.settled, "%s: killed before write %d of %d, it never settled", sc->name, k,
                      base.writes);
        ck_assert_msg(o.gone == base.gone, "%s: killed before write %d: gone %d", sc->name, k,
                      o.gone);
        ck_assert_msg(o.savepoints == base.savepoints,
                      "%s: killed before write %d: %d savepoints taken instead of %d", sc->name, k,
                      o.savepoints, base.savepoints);
        ck_assert_msg(o.checkpoints == base.checkpoints &&
                          o.last_ckpt_nonce == base.last_ckpt_nonce,
                      "%s: killed before write %d: %d checkpoints taken (last nonce %lld) "
                      "instead of %d (%lld)",
                      sc->name, k, o.checkpoints, (long long)o.last_ckpt_nonce, base.checkpoints,
                      (long long)base.last_ckpt_nonce);
        ck_assert_msg(o.jm_creates == base.jm_creates,
                      "%s: killed before write %d: %d JobManagers started instead of %d", sc->name,
                      k, o.jm_creates, base.jm_creates);
        ck_assert_msg(!o.graph_at_start,
                      "%s: killed before write %d: the old job graph was there at start", sc->name,
                      k);
        /* (Not while the ConfigMap informer lags: the pass after a launch builds the address
         * from the record of the previous launch the cache still shows, see lag_cm.) */
        ck_assert_msg(sc->lag_cm || o.calls_elsewhere == 0,
                      "%s: killed before write %d: %d call(s) to Flink at another port than "
                      "the one its JobManager listens on",
                      sc->name, k, o.calls_elsewhere);
        ck_assert_msg(o.backoff_warnings == base.backoff_warnings,
                      "%s: killed before write %d: %d Warnings RestartBackoff instead of %d",
                      sc->name, k, o.backoff_warnings, base.backoff_warnings);
        ck_assert_msg(strcmp(o.mode, base.mode) == 0,
                      "%s: killed before write %d: recorded upgradeMode '%s' instead of '%s'",
                      sc->name, k, o.mode, base.mode);
        ck_assert_msg(o.ha_checkpoint == base.ha_checkpoint,
                      "%s: killed before write %d: HA checkpoint kept %d", sc->name, k,
                      o.ha_checkpoint);
        ck_assert_msg(o.last_nonce == base.last_nonce && o.history == base.history &&
                          (o.last_savepoint[0] != 0) == (base.last_savepoint[0] != 0),
                      "%s: killed before write %d: lastSavepoint '%s' nonce %lld, %zu in "
                      "history, instead of '%s' nonce %lld, %zu",
                      sc->name, k, o.last_savepoint, (long long)o.last_nonce, o.history,
                      base.last_savepoint, (long long)base.last_nonce, base.history);
        if (o.gone || o.suspended)
            continue;
        ck_assert_msg(strcmp(o.job, o.deployed_job) == 0,
                      "%s: killed before write %d: status says job %s, the cluster runs %s",
                      sc->name, k, o.job, o.deployed_job);
        ck_assert_msg((o.savepoint[0] != 0) == (base.savepoint[0] != 0),
                      "%s: killed before write %d: savepoint path '%s'", sc->name, k, o.savepoint);
        ck_assert_msg(strcmp(o.savepoint, o.restore) == 0,
                      "%s: killed before write %d: recorded savepoint '%s', restored from '%s'",
                      sc->name, k, o.savepoint, o.restore);
        /* The job result store is the one of the launch status recorded in its intent, never
         * the previous launch's (whose result would stop the job from running). */
        size_t sn = strlen(o.store), ln = strlen(o.launch);
        if (sc->manual) /* no launch: the store stays the running cluster's */
            continue;
        ck_assert_msg(!base.store[0] || (sn > ln && strcmp(o.store + sn - ln, o.launch) == 0),
                      "%s: killed before write %d: job result store '%s' of another launch "
                      "than %s",
                      sc->name, k, o.store, o.launch + 1);
        ck_assert_msg(!o.first_store[0] || strcmp(o.first_store, o.store) != 0,
                      "%s: killed before write %d: the new launch kept the store '%s'", sc->name,
                      k, o.store);
        if (!sc->defaults_change)
            continue;
        /* One set of defaults for the whole launch: the one it wrote first. */
        ck_assert_msg(!o.mixed,
                      "%s: killed before write %d, restarted with other defaults: the launch "
                      "wrote both sets",
                      sc->name, k);
        ck_assert_msg(o.end_jm_set && o.end_jm_set == o.end_cm_set,
                      "%s: killed before write %d: the JobManager runs defaults '%c', the "
                      "ConfigMap holds '%c'",
                      sc->name, k, o.end_jm_set ? o.end_jm_set : '-',
                      o.end_cm_set ? o.end_cm_set : '-');
        ck_assert_msg(o.end_service_port == o.end_conf_port,
                      "%s: killed before write %d: the REST Service has port %d, the "
                      "configuration %d",
                      sc->name, k, o.end_service_port, o.end_conf_port);
        ck_assert_msg(!o.first_set || o.end_jm_set == o.first_set,
                      "%s: killed before write %d: the launch began with defaults '%c' and "
                      "ended with '%c'",
                      sc->name, k, o.first_set, o.end_jm_set);
    }
}

START_TEST(first_deploy_survives_a_crash_before_any_write)
{
    scenario sc = {
        .fixture = "controller-application.yaml", .name = "basic-example", .from_scratch = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(stateless_upgrade_survives_a_crash_before_any_write)
{
    scenario sc = {
        .fixture = "controller-application.yaml", .name = "basic-example", .change = new_image};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(savepoint_upgrade_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.savepoints, 1);
    ck_assert_str_eq(base.savepoint, base.restore);
    check_every_crash_point(&sc);
}
END_TEST

/* Flink stopped the job with a savepoint but its answer never came (the REST timeout): the
 * savepoint is still found and restored, not reported lost. */
START_TEST(savepoint_upgrade_keeps_a_savepoint_whose_stop_answer_was_lost)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .lose_answer_of = "POST /jobs/"};
    outcome o = run(&sc, 0);
    ck_assert_msg(o.settled, "the upgrade never ended");
    ck_assert_int_eq(o.savepoints, 1);
    ck_assert_str_ne(o.savepoint, "");
    ck_assert_str_eq(o.savepoint, o.restore);
}
END_TEST

/* Timestamps of two machines are not compared to find the savepoint after a crash. */
START_TEST(savepoint_upgrade_survives_a_crash_with_the_jobmanager_clock_behind)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .clock_behind_ms = 10000};
    check_every_crash_point(&sc);
}
END_TEST

/* A manual savepoint (a new savepointTriggerNonce): one savepoint whatever write the controller
 * dies before, the job never stopped, the nonce recorded once it is in lastSavepoint. */
START_TEST(manual_savepoint_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_savepoint_nonce,
                   .manual = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.savepoints, 1);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_int_eq(base.jm_creates, 0);
    ck_assert_int_eq(base.last_nonce, 11);
    ck_assert_uint_eq(base.history, 1);
    ck_assert_str_eq(base.savepoint, "");
    check_every_crash_point(&sc);
}
END_TEST

/* The trigger reached Flink but its answer never came: the trigger id is asked about, and
 * found; Flink took one savepoint. And with every write's answer lost in turn while the
 * FlinkDeployment informer lags. */
START_TEST(manual_savepoint_is_taken_once_when_an_answer_is_lost)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_savepoint_nonce,
                   .manual = true,
                   .lose_answer_of = "POST /jobs/"};
    outcome o = run(&sc, 0);
    ck_assert_msg(o.settled, "the manual savepoint never ended");
    ck_assert_int_eq(o.savepoints, 1);
    ck_assert_int_eq(o.manual_posts, 1);
    ck_assert_int_eq(o.last_nonce, 11);
    sc.lose_answer_of = NULL;
    sc.lag_fd = true;
    check_every_lost_answer(&sc);
    check_every_crash_point(&sc);
}
END_TEST

/* A manual checkpoint (a new checkpointTriggerNonce), the same design: one checkpoint whatever
 * write the controller dies before, the job never stopped or redeployed, the nonce recorded
 * once it is in lastCheckpoint. */
START_TEST(manual_checkpoint_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_checkpoint_nonce,
                   .manual = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.checkpoints, 1);
    ck_assert_int_eq(base.checkpoint_posts, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_int_eq(base.jm_creates, 0);
    ck_assert_int_eq(base.last_ckpt_nonce, 13);
    check_every_crash_point(&sc);
}
END_TEST

/* The checkpoint trigger reached Flink but its answer never came: one checkpoint, one POST;
 * and every write's answer lost in turn while the FlinkDeployment informer lags. */
START_TEST(manual_checkpoint_is_taken_once_when_an_answer_is_lost)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_checkpoint_nonce,
                   .manual = true,
                   .lose_answer_of = "POST /jobs/"};
    outcome o = run(&sc, 0);
    ck_assert_msg(o.settled, "the manual checkpoint never ended");
    ck_assert_int_eq(o.checkpoints, 1);
    ck_assert_int_eq(o.checkpoint_posts, 1);
    ck_assert_int_eq(o.last_ckpt_nonce, 13);
    sc.lose_answer_of = NULL;
    sc.lag_fd = true;
    check_every_lost_answer(&sc);
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(last_state_upgrade_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .change = new_parallelism};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_str_eq(base.job, "00000000000000000000000000000001"); /* kept */
    check_every_crash_point(&sc);
}
END_TEST

/* kubernetes.operator.job.restart.failed turned on while the job has FAILED, its statistics
 * unreadable (the fake's 404), so no final state is recorded: the job is restarted through the
 * last-state path (the HA data kept, the same job id recovering its checkpoint, a new launch
 * whose job result store does not hold the failed result) whatever write the controller dies
 * before: one new JobManager, no savepoint, the checkpoint kept. With a final state recorded
 * the restart takes it instead (restart_of_a_failed_job_with_stale_ha_data_survives_a_crash). */
START_TEST(restart_of_a_failed_job_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .failed = true,
                   .change = restart_failed_on};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the failed job was not restarted");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert(base.ha_checkpoint);
    ck_assert_str_eq(base.job, "00000000000000000000000000000001"); /* kept */
    ck_assert_str_eq(base.mode, "last-state");
    check_every_crash_point(&sc);
}
END_TEST

/* The chaos run's race: Flink deletes a FAILED job's HA data right after the failure, but the
 * HA ConfigMaps are still seen (here they stay), while the observer recorded the job's final
 * state (its retained checkpoint) when it saw it fail. The restart takes that recorded path as
 * a savepoint restore with a new job id, not the last-state path (which would tear the cluster
 * down and find the HA data gone), and the HA maps go with the cluster, whatever write the
 * controller dies before. */
START_TEST(restart_of_a_failed_job_with_stale_ha_data_survives_a_crash)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .failed = true,
                   .change = restart_failed_on_with_a_checkpoint};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the failed job was not restarted");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_msg(strcmp(base.restore, RETAINED_CHECKPOINT) == 0 &&
                      strcmp(base.job, "00000000000000000000000000000001") != 0,
                  "the failed job with a recorded final state was restarted as job %s from '%s'",
                  base.job, base.restore);
    ck_assert_str_eq(base.mode, "last-state"); /* the spec's, recorded again */
    check_every_crash_point(&sc);
}
END_TEST

/* A job that failed before its first checkpoint, deployed from empty state (Flink's statistics:
 * nothing completed, latest.restored null): its restart.failed restart, and a change of it,
 * deploy it from empty state, savepoint and last-state alike (the HA data gone with the failed
 * job), whatever write the controller dies before (the first read of the statistics lost too):
 * one new JobManager, no savepoint, no restore path, a new job id. */
START_TEST(a_job_with_empty_state_starts_empty_whatever_write_fails)
{
    static const char *const fixtures[][2] = {
        {"controller-application-savepoint.yaml", "savepoint-example"},
        {"controller-application-last-state.yaml", "last-state-example"},
    };
    for (size_t c = 0; c < 2; c++) {
        for (int change = 0; change < 2; change++) {
            scenario sc = {.fixture = fixtures[c][0],
                           .name = fixtures[c][1],
                           .failed = true,
                           .lose_answer_of =
                               "GET /jobs/00000000000000000000000000000001/checkpoints",
                           .change = change ? new_parallelism_with_empty_state
                                            : restart_failed_on_with_empty_state};
            outcome base = run(&sc, 0);
            ck_assert_msg(base.settled, "%s (%s): the failed job with empty state is not back",
                          sc.name, change ? "change" : "restart");
            ck_assert_int_eq(base.jm_creates, 1);
            ck_assert_int_eq(base.savepoints, 0);
            ck_assert_int_eq(base.stops, 0);
            ck_assert_str_eq(base.restore, "");
            ck_assert_str_ne(base.job, "00000000000000000000000000000001");
            check_every_crash_point(&sc);
        }
    }
}
END_TEST

/* The same under a restart streak: the restart waits its turn (one Warning RestartBackoff),
 * then goes as above, and the streak goes on from its start, whatever write the controller
 * dies before. */
START_TEST(restart_of_a_failed_job_in_a_streak_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .failed = true,
                   .change = restart_failed_on_in_a_streak};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the failed job was not restarted");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.backoff_warnings, 1);
    ck_assert_msg(base.streak_since[0], "no restart streak on record after the restart");
    ck_assert_str_eq(base.job, "00000000000000000000000000000001"); /* kept */
    check_every_crash_point(&sc);
    for (int k = 1; k <= base.writes; k++) {
        outcome o = run(&sc, k);
        ck_assert_msg(strcmp(o.streak_since, base.streak_since) == 0,
                      "killed before write %d: the restart streak began '%s', not '%s'", k,
                      o.streak_since, base.streak_since);
    }
}
END_TEST

/* The same without HA metadata (a savepoint-mode spec, no HA): the job is restarted from the
 * retained checkpoint the observer recorded when it FAILED, as a savepoint restore, whatever
 * write the controller dies before: one new JobManager, no savepoint taken, a new job id. */
START_TEST(restart_of_a_failed_job_from_a_checkpoint_survives_a_crash)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .failed = true,
                   .change = restart_failed_on_with_a_checkpoint};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the failed job was not restarted");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_str_eq(base.restore, RETAINED_CHECKPOINT);
    ck_assert_str_ne(base.job, "00000000000000000000000000000001");
    ck_assert_str_eq(base.mode, "savepoint");
    check_every_crash_point(&sc);
}
END_TEST

/* The same, the statistics' answer to the pass that first sees the job FAILED lost (the
 * JobManager slower than the timeout): the restart is refused until a later pass reads the
 * checkpoint again and records it, then goes ahead from it whatever write the controller dies
 * before, as above. */
START_TEST(restart_of_a_failed_job_whose_checkpoint_read_was_lost_survives_a_crash)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .failed = true,
                   .lose_answer_of = "GET /jobs/00000000000000000000000000000001/checkpoints",
                   .change = restart_failed_on_with_a_checkpoint};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the failed job was not restarted");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_str_eq(base.restore, RETAINED_CHECKPOINT);
    ck_assert_str_ne(base.job, "00000000000000000000000000000001");
    ck_assert_str_eq(base.mode, "savepoint");
    check_every_crash_point(&sc);
}
END_TEST

/* A last-state change of a job that FAILED for good, its HA data gone with it (FLINK-35857):
 * made from the retained checkpoint the observer recorded when the job failed, as a savepoint
 * restore, whatever write the controller dies before (the first read of it lost too): one new
 * JobManager, no savepoint taken, the new spec restored from that checkpoint. */
START_TEST(a_last_state_change_of_a_failed_job_from_its_checkpoint_survives_a_crash)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .failed = true,
                   .lose_answer_of = "GET /jobs/00000000000000000000000000000001/checkpoints",
                   .change = new_parallelism_with_a_checkpoint};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the change of the failed job was not made");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_str_eq(base.restore, RETAINED_CHECKPOINT);
    ck_assert_str_eq(base.mode, "last-state");
    check_every_crash_point(&sc);
}
END_TEST

/* A change of a bounded job that FINISHED with nothing restorable (FLINK-39043): deployed
 * again from empty state with a new job id, whatever write the controller dies before, the
 * first read of its statistics lost too (the change waits for a later read): one new
 * JobManager, no savepoint, no restore path. */
START_TEST(a_change_of_a_finished_job_from_empty_state_survives_a_crash)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .finished = true,
                   .lose_answer_of = "GET /jobs/00000000000000000000000000000001/checkpoints",
                   .change = new_parallelism_of_a_finished_job};
    outcome base = run(&sc, 0);
    ck_assert_msg(base.settled, "the change of the finished job was not made");
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.stops, 0);
    ck_assert_str_eq(base.restore, "");
    ck_assert_str_eq(base.savepoint, "");
    ck_assert_str_ne(base.job, "00000000000000000000000000000001");
    ck_assert_str_eq(base.mode, "savepoint");
    check_every_crash_point(&sc);
    sc.fixture = "controller-application-last-state.yaml";
    sc.name = "last-state-example";
    base = run(&sc, 0);
    ck_assert_msg(base.settled, "the last-state change of the finished job was not made");
    ck_assert_str_eq(base.restore, "");
    ck_assert_str_eq(base.mode, "last-state");
    check_every_crash_point(&sc);
}
END_TEST

/* The controller is killed at each write of a launch and restarted after the admin changed
 * the cluster defaults: the launch ends with the defaults it recorded first, in all of its
 * objects (before its first write of them: the new ones). */
START_TEST(first_deploy_keeps_the_defaults_it_wrote_first_across_a_crash)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .from_scratch = true,
                   .defaults_change = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(stateless_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .change = new_image,
                   .defaults_change = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(last_state_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .change = new_parallelism,
                   .defaults_change = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(savepoint_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .defaults_change = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(suspend_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = suspend_job};
    check_every_crash_point(&sc);
}
END_TEST

/* A resume is a launch: it takes the defaults of its time, once. */
START_TEST(resume_keeps_the_defaults_it_wrote_first_across_a_crash)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .prepare = suspend_job,
                   .change = resume_job,
                   .defaults_change = true};
    check_every_crash_point(&sc);
}
END_TEST

/* The informer has not seen the launch's write of the ConfigMap yet when the next passes come:
 * they must not take the record of the previous launch it still shows for this one's. */
START_TEST(first_deploy_keeps_its_defaults_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .from_scratch = true,
                   .defaults_change = true,
                   .lag_cm = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(stateless_upgrade_keeps_its_defaults_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .change = new_image,
                   .defaults_change = true,
                   .lag_cm = true};
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(savepoint_upgrade_keeps_its_defaults_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .defaults_change = true,
                   .lag_cm = true};
    check_every_crash_point(&sc);
}
END_TEST

/* The FlinkDeployment's informer a pass behind (reopening its watch, relisting) while the
 * Deployments' is current: every step is taken once, from the status its predecessor wrote.
 * Before, the pass after a resume's or an upgrade's launch read the record of the teardown it
 * had finished, found the new JobManager Deployment and deleted it. */
START_TEST(stateless_upgrade_acts_once_per_step_while_the_resources_informer_lags)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .change = new_image,
                   .lag_fd = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.jm_creates, 1);
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(savepoint_upgrade_acts_once_per_step_while_the_resources_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .lag_fd = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_int_eq(base.savepoints, 1);
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(last_state_upgrade_acts_once_per_step_while_the_resources_informer_lags)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .change = new_parallelism,
                   .lag_fd = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_str_eq(base.job, "00000000000000000000000000000001"); /* kept */
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(resume_acts_once_per_step_while_the_resources_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .prepare = suspend_job,
                   .change = resume_job,
                   .lag_fd = true};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.jm_creates, 1);
    check_every_crash_point(&sc);
}
END_TEST

/* Every write of sc made but its answer lost ends like the run that lost none: the same
 * JobManagers started, savepoints taken, the job the status names running. */
static void check_every_lost_answer(const scenario *sc)
{
    outcome base = run(sc, 0);
    ck_assert_msg(base.settled, "%s: the run did not settle", sc->name);
    for (int k = 1; k <= base.writes; k++) {
        outcome o = run_losing(sc, 0, k);
        ck_assert_msg(lose.done, "%s: write %d was not made", sc->name, k);
        ck_assert_msg(o.settled, "%s: answer of write %d of %d lost: it never settled", sc->name, k,
                      base.writes);
        ck_assert_msg(o.gone == base.gone, "%s: answer of write %d lost: gone %d", sc->name, k,
                      o.gone);
        ck_assert_msg(o.savepoints == base.savepoints,
                      "%s: answer of write %d lost: %d savepoints taken instead of %d", sc->name, k,
                      o.savepoints, base.savepoints);
        ck_assert_msg(o.checkpoints == base.checkpoints &&
                          o.last_ckpt_nonce == base.last_ckpt_nonce,
                      "%s: answer of write %d lost: %d checkpoints taken (last nonce %lld) "
                      "instead of %d (%lld)",
                      sc->name, k, o.checkpoints, (long long)o.last_ckpt_nonce, base.checkpoints,
                      (long long)base.last_ckpt_nonce);
        ck_assert_msg(o.jm_creates == base.jm_creates,
                      "%s: answer of write %d lost: %d JobManagers started instead of %d", sc->name,
                      k, o.jm_creates, base.jm_creates);
        ck_assert_msg(!o.graph_at_start,
                      "%s: answer of write %d lost: the old job graph was there at start", sc->name,
                      k);
        if (o.gone || o.suspended)
            continue;
        ck_assert_msg(strcmp(o.job, o.deployed_job) == 0,
                      "%s: answer of write %d lost: status says job %s, the cluster runs %s",
                      sc->name, k, o.job, o.deployed_job);
        ck_assert_msg(strcmp(o.savepoint, o.restore) == 0,
                      "%s: answer of write %d lost: recorded savepoint '%s', restored from '%s'",
                      sc->name, k, o.savepoint, o.restore);
    }
}

/* A write whose answer is lost may have been made: the FlinkDeployment informer a pass behind
 * then shows the version it replaced, or the one before. */
START_TEST(stateless_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .change = new_image,
                   .lag_fd = true};
    check_every_lost_answer(&sc);
}
END_TEST

START_TEST(savepoint_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .change = new_image,
                   .lag_fd = true};
    check_every_lost_answer(&sc);
}
END_TEST

START_TEST(last_state_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .change = new_parallelism,
                   .lag_fd = true};
    check_every_lost_answer(&sc);
}
END_TEST

START_TEST(resume_acts_once_when_an_answer_is_lost_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .prepare = suspend_job,
                   .change = resume_job,
                   .lag_fd = true};
    check_every_lost_answer(&sc);
}
END_TEST

START_TEST(deletion_acts_once_when_an_answer_is_lost_while_the_informer_lags)
{
    scenario sc = {.fixture = "controller-application-savepoint.yaml",
                   .name = "savepoint-example",
                   .delete = true,
                   .lag_fd = true};
    check_every_lost_answer(&sc);
}
END_TEST

/* A GET of the ConfigMap that fails is the pass's error, never "no record". */
START_TEST(stateless_upgrade_keeps_its_defaults_when_reading_the_config_map_fails)
{
    scenario sc = {.fixture = "controller-application.yaml",
                   .name = "basic-example",
                   .change = new_image,
                   .defaults_change = true,
                   .lag_cm = true,
                   .fail_cm_gets = 2};
    check_every_crash_point(&sc);
}
END_TEST

/* The last-state fallback of a savepoint upgrade (c.6): the savepoint-mode job crash-loops, so
 * its upgrade goes through its HA data. Killed at any write, the restarted controller goes on
 * the same way: no savepoint asked for, the HA checkpoint kept, the job id kept, never a
 * restore from nothing. */
START_TEST(fallback_upgrade_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .prepare = savepoint_mode,
                   .restarting = true,
                   .change = new_parallelism};
    outcome base = run(&sc, 0);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.jm_creates, 1);
    ck_assert_str_eq(base.job, "00000000000000000000000000000001"); /* kept */
    ck_assert_str_eq(base.savepoint, "");
    ck_assert(base.ha_checkpoint);
    ck_assert_str_eq(base.mode, "savepoint"); /* the user's spec, once it runs */
    check_every_crash_point(&sc);
}
END_TEST

/* The same fallback for job.state suspended: the record keeps last-state (how the job was
 * suspended) and its HA checkpoint, whichever write the controller was killed at. */
START_TEST(fallback_suspend_survives_a_crash_before_any_write)
{
    scenario sc = {.fixture = "controller-application-last-state.yaml",
                   .name = "last-state-example",
                   .ha_maps = true,
                   .prepare = savepoint_mode,
                   .restarting = true,
                   .change = suspend_job};
    outcome base = run(&sc, 0);
    ck_assert(base.suspended);
    ck_assert_int_eq(base.savepoints, 0);
    ck_assert_int_eq(base.jm_creates, 0);
    ck_assert(base.ha_checkpoint);
    ck_assert_str_eq(base.mode, "last-state");
    check_every_crash_point(&sc);
}
END_TEST

START_TEST(deletion_survives_a_crash_before_any_write)
{
    scenario sc = {
        .fixture = "controller-application.yaml", .name = "basic-example", .delete = true};
    check_every_crash_point(&sc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_crash");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, first_deploy_survives_a_crash_before_any_write);
    tcase_add_test(tc, stateless_upgrade_survives_a_crash_before_any_write);
    tcase_add_test(tc, savepoint_upgrade_survives_a_crash_before_any_write);
    tcase_add_test(tc, savepoint_upgrade_keeps_a_savepoint_whose_stop_answer_was_lost);
    tcase_add_test(tc, savepoint_upgrade_survives_a_crash_with_the_jobmanager_clock_behind);
    tcase_add_test(tc, last_state_upgrade_survives_a_crash_before_any_write);
    tcase_add_test(tc, restart_of_a_failed_job_survives_a_crash_before_any_write);
    tcase_add_test(tc, restart_of_a_failed_job_with_stale_ha_data_survives_a_crash);
    tcase_add_test(tc, a_job_with_empty_state_starts_empty_whatever_write_fails);
    tcase_add_test(tc, restart_of_a_failed_job_in_a_streak_survives_a_crash_before_any_write);
    tcase_add_test(tc, restart_of_a_failed_job_from_a_checkpoint_survives_a_crash);
    tcase_add_test(tc, restart_of_a_failed_job_whose_checkpoint_read_was_lost_survives_a_crash);
    tcase_add_test(tc, a_last_state_change_of_a_failed_job_from_its_checkpoint_survives_a_crash);
    tcase_add_test(tc, a_change_of_a_finished_job_from_empty_state_survives_a_crash);
    tcase_add_test(tc, manual_savepoint_survives_a_crash_before_any_write);
    tcase_add_test(tc, manual_savepoint_is_taken_once_when_an_answer_is_lost);
    tcase_add_test(tc, manual_checkpoint_survives_a_crash_before_any_write);
    tcase_add_test(tc, manual_checkpoint_is_taken_once_when_an_answer_is_lost);
    tcase_add_test(tc, deletion_survives_a_crash_before_any_write);
    tcase_add_test(tc, fallback_upgrade_survives_a_crash_before_any_write);
    tcase_add_test(tc, fallback_suspend_survives_a_crash_before_any_write);
    tcase_add_test(tc, first_deploy_keeps_the_defaults_it_wrote_first_across_a_crash);
    tcase_add_test(tc, stateless_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash);
    tcase_add_test(tc, last_state_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash);
    tcase_add_test(tc, savepoint_upgrade_keeps_the_defaults_it_wrote_first_across_a_crash);
    tcase_add_test(tc, suspend_survives_a_crash_before_any_write);
    tcase_add_test(tc, resume_keeps_the_defaults_it_wrote_first_across_a_crash);
    tcase_add_test(tc, first_deploy_keeps_its_defaults_while_the_informer_lags);
    tcase_add_test(tc, stateless_upgrade_keeps_its_defaults_while_the_informer_lags);
    tcase_add_test(tc, stateless_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags);
    tcase_add_test(tc, savepoint_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags);
    tcase_add_test(tc, last_state_upgrade_acts_once_when_an_answer_is_lost_while_the_informer_lags);
    tcase_add_test(tc, resume_acts_once_when_an_answer_is_lost_while_the_informer_lags);
    tcase_add_test(tc, deletion_acts_once_when_an_answer_is_lost_while_the_informer_lags);
    tcase_add_test(tc, savepoint_upgrade_keeps_its_defaults_while_the_informer_lags);
    tcase_add_test(tc, stateless_upgrade_keeps_its_defaults_when_reading_the_config_map_fails);
    tcase_add_test(tc, stateless_upgrade_acts_once_per_step_while_the_resources_informer_lags);
    tcase_add_test(tc, savepoint_upgrade_acts_once_per_step_while_the_resources_informer_lags);
    tcase_add_test(tc, last_state_upgrade_acts_once_per_step_while_the_resources_informer_lags);
    tcase_add_test(tc, resume_acts_once_per_step_while_the_resources_informer_lags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
