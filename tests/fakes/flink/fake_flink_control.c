/* The fake's control API under /_fake/ (documented in fake_flink.h): create and delete
 * clusters, inject faults, fail or suspend jobs, move time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/flink/fake_flink_int.h"

static void ok(ff_response *resp, int status, json_t *body)
{
    json_decref(resp->body);
    resp->status = status;
    resp->body = body ? body : json_object();
}

static int status_of(fo_rc rc)
{
    switch (rc) {
    case FO_ENOTFOUND: return 404;
    case FO_EEXISTS:
    case FO_ECONFLICT: return 409;
    case FO_ELIMIT: return 507;
    case FO_ENOMEM: return 500;
    default: return 400;
    }
}

static void fail(ff_response *resp, const fo_err *err)
{
    int status = err->http_status ? err->http_status : status_of(err->rc);
    ff_error(resp, status, "%s", err->message);
}

/* Merge the transport faults (unreachable, delayMs) and hand the rest to the simulation. */
static void set_faults(ff_cluster *c, const json_t *body, ff_response *resp)
{
    if (!json_is_object(body)) {
        ff_error(resp, 400, "faults: must be an object");
        return;
    }
    json_t *sim_faults = json_deep_copy(body);
    json_t *u = json_object_get(body, "unreachable");
    json_t *d = json_object_get(body, "delayMs");
    int mode = c->unreachable;
    if (u) {
        const char *s = json_string_value(u);
        if (s && !strcmp(s, "none"))
            mode = FF_REACHABLE;
        else if (s && !strcmp(s, "reset"))
            mode = FF_RESET;
        else if (s && !strcmp(s, "503"))
            mode = FF_503;
        else if (s && !strcmp(s, "hang"))
            mode = FF_HANG;
        else {
            ff_error(resp, 400,
                     "faults.unreachable: must be \"none\", \"reset\", \"503\" or \"hang\"");
            goto out;
        }
    }
    if (d && (!json_is_integer(d) || json_integer_value(d) < 0 ||
              json_integer_value(d) > 600000)) {
        ff_error(resp, 400, "faults.delayMs: must be an integer from 0 to 600000");
        goto out;
    }
    json_object_del(sim_faults, "unreachable");
    json_object_del(sim_faults, "delayMs");
    fo_err err = {0};
    if (fo_flink_sim_set_faults(c->sim, sim_faults, &err) != FO_OK) {
        fail(resp, &err);
        goto out;
    }
    c->unreachable = mode;
    if (d)
        c->delay_ms = json_integer_value(d);
    ok(resp, 200, NULL);
out:
    json_decref(sim_faults);
}

static void submit(ff_cluster *c, const json_t *body, ff_response *resp)
{
    if (!json_is_object(body)) {
        ff_error(resp, 400, "job: must be an object");
        return;
    }
    fo_flink_sim_job_spec spec = {0};
    json_t *v;
    spec.job_id = json_string_value(json_object_get(body, "jobId"));
    spec.name = json_string_value(json_object_get(body, "name"));
    spec.jar_uri = json_string_value(json_object_get(body, "jarURI"));
    spec.entry_class = json_string_value(json_object_get(body, "entryClass"));
    spec.restore_path = json_string_value(json_object_get(body, "restorePath"));
    if (!spec.restore_path)
        spec.restore_path = json_string_value(json_object_get(body, "initialSavepointPath"));
    spec.restore_mode = json_string_value(json_object_get(body, "restoreMode"));
    spec.checkpoint_retention = json_string_value(json_object_get(body, "checkpointRetention"));
    spec.args = json_object_get(body, "args");
    if ((v = json_object_get(body, "parallelism")) && json_is_integer(v))
        spec.parallelism = (int)json_integer_value(v);
    if ((v = json_object_get(body, "finishAfterMs")) && json_is_integer(v))
        spec.finish_after_ms = json_integer_value(v);
    spec.allow_non_restored_state = json_is_true(json_object_get(body, "allowNonRestoredState"));
    fo_err err = {0};
    char jid[33];
    if (fo_flink_sim_submit(c->sim, &spec, jid, &err) != FO_OK)
        fail(resp, &err);
    else
        ok(resp, 200, json_pack("{s:s}", "jobid", jid));
}

static void job_action(ff_cluster *c, const char *jid, const char *action, const json_t *body,
                       ff_response *resp)
{
    fo_err err = {0};
    fo_rc rc;
    if (!strcmp(action, "fail")) {
        json_t *restart = json_object_get(body, "restart");
        json_t *msg = json_object_get(body, "message");
        if ((restart && !json_is_boolean(restart)) || (msg && !json_is_string(msg))) {
            ff_error(resp, 400, "fail: restart must be a boolean and message a string");
            return;
        }
        rc = fo_flink_sim_fail_job(c->sim, jid, json_is_true(restart), json_string_value(msg),
                                   &err);
    } else if (!strcmp(action, "suspend")) {
        rc = fo_flink_sim_suspend_job(c->sim, jid, &err);
    } else if (!strcmp(action, "ha-written")) {
        json_t *id = json_object_get(body, "checkpointId");
        if (!json_is_integer(id)) {
            ff_error(resp, 400, "ha-written: checkpointId must be an integer");
            return;
        }
        rc = fo_flink_sim_ha_written(c->sim, jid, json_integer_value(id), &err);
    } else {
        ff_error(resp, 404, "unknown job action '%s'", action);
        return;
    }
    if (rc != FO_OK)
        fail(resp, &err);
    else
        ok(resp, 200, NULL);
}

static void list_clusters(fo_fake_flink *ff, ff_response *resp)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ff->nclusters; i++) {
        const ff_cluster *c = ff->clusters[i];
        json_t *jobs = fo_flink_sim_json_jobs(c->sim);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I}", "namespace", c->ns, "name", c->name,
                           "flinkVersion", fo_flink_sim_version(c->sim), "jobs",
                           (json_int_t)json_array_size(json_object_get(jobs, "jobs"))));
        json_decref(jobs);
    }
    ok(resp, 200, json_pack("{s:o}", "clusters", arr));
}

/* /_fake/clusters/{ns}/{name}[/...]: everything under one cluster. */
static void cluster_routes(fo_fake_flink *ff, const char *method, char **s, size_t n,
                           const json_t *body, ff_response *resp)
{
    const char *ns = s[1], *name = s[2];
    fo_err err = {0};
    if (n == 3 && !strcmp(method, "POST")) {
        if (ff_cluster_create_locked(ff, ns, name, body, &err) != FO_OK) {
            fail(resp, &err);
            return;
        }
        ok(resp, 201, ff_cluster_view_locked(ff, ff_cluster_find(ff, ns, name)));
        return;
    }
    ff_cluster *c = ff_cluster_find(ff, ns, name);
    if (!c) {
        ff_error(resp, 404, "no cluster %s/%s", ns, name);
        return;
    }
    if (n == 3 && !strcmp(method, "GET")) {
        ok(resp, 200, ff_cluster_view_locked(ff, c));
    } else if (n == 3 && !strcmp(method, "DELETE")) {
        ff_cluster_delete_locked(ff, ns, name, NULL);
        ok(resp, 200, NULL);
    } else if (n == 4 && !strcmp(method, "POST") && !strcmp(s[3], "faults")) {
        set_faults(c, body, resp);
    } else if (n == 4 && !strcmp(method, "POST") && !strcmp(s[3], "taskmanagers")) {
        json_t *v = json_object_get(body, "taskManagers");
        if (!json_is_integer(v) || json_integer_value(v) > FO_FLINK_SIM_MAX_TASKMANAGERS ||
            json_integer_value(v) < 0) {
            ff_error(resp, 400, "taskManagers: must be an integer from 0 to %d",
                     FO_FLINK_SIM_MAX_TASKMANAGERS);
            return;
        }
        fo_flink_sim_set_taskmanagers(c->sim, (int)json_integer_value(v), NULL);
        fo_flink_sim_advance(c->sim, ff_now_locked(ff));
        ok(resp, 200, NULL);
    } else if (n == 4 && !strcmp(method, "POST") && !strcmp(s[3], "jobs")) {
        submit(c, body, resp);
    } else if (n == 6 && !strcmp(method, "POST") && !strcmp(s[3], "jobs")) {
        job_action(c, s[4], s[5], body, resp);
    } else {
        ff_error(resp, 404, "Not found: control route");
    }
}

void ff_control_handle(fo_fake_flink *ff, const char *method, const char *path,
                       const json_t *body, ff_response *resp)
{
    resp->status = 200;
    resp->body = NULL;
    char copy[1024];
    char *s[8];
    size_t n = 0;
    if (strlen(path) >= sizeof copy) {
        ff_error(resp, 404, "Not found: %.200s", path);
        return;
    }
    snprintf(copy, sizeof copy, "%s", path);
    char *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == 8) {
            ff_error(resp, 404, "Not found: %s", path);
            return;
        }
        s[n++] = t;
    }
    pthread_mutex_lock(&ff->mu);
    ff_advance_all(ff);
    /* s[0] is "_fake" */
    if (n == 2 && !strcmp(s[1], "tick") && !strcmp(method, "POST")) {
        json_t *ms = json_object_get(body, "ms");
        if (!json_is_integer(ms) || json_integer_value(ms) < 0) {
            ff_error(resp, 400, "tick: ms must be a non-negative integer");
        } else {
            ff->offset_ms += json_integer_value(ms);
            ff_advance_all(ff);
            ok(resp, 200, json_pack("{s:I}", "nowMs", (json_int_t)ff_now_locked(ff)));
        }
    } else if (n == 2 && !strcmp(s[1], "time") && !strcmp(method, "GET")) {
        ok(resp, 200, json_pack("{s:I}", "nowMs", (json_int_t)ff_now_locked(ff)));
    } else if (n == 2 && !strcmp(s[1], "snapshots") && !strcmp(method, "GET")) {
        ok(resp, 200, ff_snapshots_json_locked(ff));
    } else if (n == 2 && !strcmp(s[1], "ha") && !strcmp(method, "GET")) {
        ok(resp, 200, ff_ha_json_locked(ff));
    } else if (n == 4 && !strcmp(s[1], "ha") && !strcmp(method, "DELETE")) {
        ok(resp, 200, json_pack("{s:i}", "removed", ff_ha_delete_locked(ff, s[2], s[3])));
    } else if (n == 2 && !strcmp(s[1], "clusters") && !strcmp(method, "GET")) {
        list_clusters(ff, resp);
    } else if (n >= 4 && !strcmp(s[1], "clusters")) {
        cluster_routes(ff, method, s + 1, n - 1, body, resp);
    } else {
        ff_error(resp, 404, "Not found: %s", path);
    }
    pthread_cond_broadcast(&ff->hang_cv); /* a fault lifted: held requests go on */
    pthread_mutex_unlock(&ff->mu);
    if (!resp->body)
        ff_error(resp, 500, "out of memory");
}
