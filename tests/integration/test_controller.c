/* flinkop-controller as a real process ($FO_BIN_DIR/flinkop-controller) against the fake API
 * server and the fake Flink, both embedded in this test. The test stands in for the kubelet:
 * it marks JobManager Deployments available through /status and starts the Flink cluster the
 * JobManager's ConfigMap describes in the fake Flink (and removes it when the Deployment goes).
 * The CRDs come from crds/ through the API. Waiting on the process uses generous deadlines;
 * nothing asserts on time. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/http_client.h"
#include "common/jsonutil.h"
#include "common/yamlconv.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/fakes/flink/fake_flink.h"
#include "tests/support/exposition.h"
#include "tests/support/testhttp.h"
#include "tests/support/testutil.h"
#include "tests/support/webhookproc.h"
#include "tests/support/testyaml.h"

#define NS "default"
#define WAIT_MS 60000
#define FD_PATH "/apis/flink.apache.org/v1beta1/namespaces/" NS "/flinkdeployments"

typedef struct env {
    char *dir;
    char kubeconfig[600];
    fo_fake_apiserver *fa;
    fo_fake_flink *ff;
    fo_http_client *http;
    json_t *cluster_of; /* cluster name -> uid of the JobManager Deployment that started it */
    json_t *job_extra;  /* fields added to every application job the kubelet starts (what the
                         * job's code does: checkpointRetention), or NULL */
} env;

typedef struct ctl {
    pid_t pid;
    int health_port;
    char log[700];
} ctl;

static env E;

/* ---- API helpers ------------------------------------------------------------------------------
 */

static int api(const char *method, const char *path, const char *content_type, const json_t *body,
               json_t **out)
{
    json_t *local = NULL;
    int st =
        fo_fake_apiserver_call(E.fa, method, path, content_type, body, out ? out : &local, NULL);
    json_decref(local);
    return st;
}

static json_t *api_get(const char *path)
{
    json_t *out = NULL;
    int st = api("GET", path, NULL, NULL, &out);
    if (st != 200) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static int merge_patch(const char *path, const char *patch_json)
{
    json_error_t je;
    json_t *patch = json_loads(patch_json, 0, &je);
    ck_assert_msg(patch != NULL, "%s", je.text);
    int st = api("PATCH", path, "application/merge-patch+json", patch, NULL);
    json_decref(patch);
    return st;
}

static json_t *get_fd(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, FD_PATH "/%s", name);
    return api_get(path);
}

static json_t *get_obj(const char *group_version, const char *resource, const char *name)
{
    char path[400];
    if (strcmp(group_version, "v1") == 0)
        snprintf(path, sizeof path, "/api/v1/namespaces/" NS "/%s/%s", resource, name);
    else
        snprintf(path, sizeof path, "/apis/%s/namespaces/" NS "/%s/%s", group_version, resource,
                 name);
    return api_get(path);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    ck_assert_int_ge(n, 0);
    return text;
}

static void create_crd(const char *file)
{
    const char *src = getenv("FO_SRC_DIR");
    char path[700];
    snprintf(path, sizeof path, "%s/crds/%s", src ? src : ".", file);
    char *text = read_file(path);
    fo_err err;
    json_t *crd = fo_yaml_parse(text, strlen(text), 16u * 1024 * 1024, &err);
    ck_assert_msg(crd != NULL, "%s", err.message);
    ck_assert_int_eq(
        api("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL, crd, NULL),
        201);
    json_decref(crd);
    free(text);
}

/* ---- the stand-in kubelet ------------------------------------------------------------------- */

/* A flat Flink configuration of strings from config.yaml. */
static json_t *cluster_spec_from(const json_t *configmap)
{
    const char *text = fo_json_str(json_object_get(configmap, "data"), "config.yaml");
    ck_assert_ptr_nonnull(text);
    fo_err err;
    json_t *parsed = fo_yaml_parse(text, strlen(text), 1u << 20, &err);
    ck_assert_msg(parsed != NULL, "%s", err.message);
    json_t *conf = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(parsed, k, v)
    {
        char buf[64] = "";
        if (json_is_integer(v))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
        else if (json_is_real(v))
            snprintf(buf, sizeof buf, "%g", json_real_value(v));
        if (json_is_string(v))
            json_object_set(conf, k, v);
        else if (buf[0])
            json_object_set_new(conf, k, json_string(buf));
    }
    json_decref(parsed);
    json_t *spec = json_pack("{s:s, s:o}", "flinkVersion", "1.20.1", "configuration", conf);
    const char *target = fo_json_str(conf, "execution.target");
    if (target && strcmp(target, "kubernetes-application") == 0) {
        json_t *job = json_pack("{s:s?}", "jarURI", fo_json_str(conf, "pipeline.jars"));
        if (E.job_extra)
            json_object_update(job, E.job_extra);
        json_object_set_new(spec, "job", job);
    }
    return spec;
}

/* One round of what the kubelet and Flink would do for the JobManager Deployments. */
static void kubelet(void)
{
    json_t *list = api_get("/apis/apps/v1/namespaces/" NS "/deployments");
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(list, "items"), i, d)
    {
        const char *component = fo_json_get_str(d, "metadata.labels.component");
        const char *app = fo_json_get_str(d, "metadata.labels.app");
        if (!component || strcmp(component, "jobmanager") != 0 || !app ||
            fo_json_get(d, "metadata.deletionTimestamp"))
            continue;
        int64_t avail = 0, gen = 1;
        fo_json_get_int(d, "status.availableReplicas", &avail);
        fo_json_get_int(d, "metadata.generation", &gen);
        const char *name = fo_json_get_str(d, "metadata.name");
        if (avail < 1) {
            char path[400], body[256];
            snprintf(path, sizeof path, "/apis/apps/v1/namespaces/" NS "/deployments/%s/status",
                     name);
            snprintf(body, sizeof body,
                     "{\"status\":{\"replicas\":1,\"readyReplicas\":1,\"availableReplicas\":1,"
                     "\"updatedReplicas\":1,\"observedGeneration\":%lld}}",
                     (long long)gen);
            merge_patch(path, body);
        }
        /* A new JobManager Deployment (another uid) runs a new cluster. */
        const char *uid = fo_json_get_str(d, "metadata.uid");
        const char *started_by = fo_json_str(E.cluster_of, app);
        if (started_by && uid && strcmp(started_by, uid) != 0)
            fo_fake_flink_delete(E.ff, NS, app, NULL);
        if (!fo_fake_flink_exists(E.ff, NS, app)) {
            char cm_name[300];
            snprintf(cm_name, sizeof cm_name, "flink-config-%s", app);
            json_t *cm = get_obj("v1", "configmaps", cm_name);
            if (cm) {
                json_t *spec = cluster_spec_from(cm);
                fo_err err;
                if (fo_fake_flink_create(E.ff, NS, app, spec, &err) == FO_OK && uid)
                    json_object_set_new(E.cluster_of, app, json_string(uid));
                json_decref(spec);
            }
            json_decref(cm);
        }
    }
    /* A cluster whose JobManager Deployment is gone is gone. */
    json_t *clusters = NULL;
    fo_fake_flink_control(E.ff, "GET", "/_fake/clusters", NULL, &clusters);
    json_t *c;
    json_array_foreach(json_object_get(clusters, "clusters"), i, c)
    {
        const char *name = fo_json_str(c, "name");
        json_t *jm = get_obj("apps/v1", "deployments", name);
        if (!jm || fo_json_get(jm, "metadata.deletionTimestamp"))
            fo_fake_flink_delete(E.ff, NS, name, NULL);
        json_decref(jm);
    }
    json_decref(clusters);
    json_decref(list);
}

typedef bool (*cond_fn)(const void *arg);

static bool wait_for(cond_fn cond, const void *arg, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        kubelet();
        if (cond(arg))
            return true;
        fo_test_sleep_ms(100);
    }
    return cond(arg);
}

typedef struct fd_state {
    const char *name;
    const char *path;  /* dotted path in the FlinkDeployment */
    const char *value; /* wanted string value; NULL = the object is gone */
    bool contains;     /* value is a part of the string, not all of it */
} fd_state;

static bool fd_has(const void *arg)
{
    const fd_state *s = arg;
    json_t *fd = get_fd(s->name);
    /* Exact unless asked: "READY" is also a part of "DEPLOYED_NOT_READY". */
    const char *got = fd && s->value ? fo_json_get_str(fd, s->path) : NULL;
    bool ok;
    if (!s->value)
        ok = fd == NULL;
    else
        ok = got && (s->contains ? strstr(got, s->value) != NULL : strcmp(got, s->value) == 0);
    json_decref(fd);
    return ok;
}

static void wait_fd_matching(const char *name, const char *path, const char *value,
                             bool contains)
{
    fd_state s = {name, path, value, contains};
    if (!wait_for(fd_has, &s, WAIT_MS)) {
        json_t *fd = get_fd(name);
        char *text = fd ? fo_json_dumps_compact(json_object_get(fd, "status")) : NULL;
        json_t *view = fo_fake_flink_view(E.ff, NS, name);
        char *vtext = view ? fo_json_dumps_compact(view) : NULL;
        /* The details go to the log: Check limits the length of its messages. */
        fprintf(stderr, "%s: status: %s\nflink: %s\n", name, text ? text : "(none)",
                vtext ? vtext : "(none)");
        free(text);
        free(vtext);
        json_decref(view);
        json_decref(fd);
        ck_abort_msg("%s: %s never %s %s (status and Flink view in the log)", name, path,
                     contains ? "contained" : "became", value ? value : "gone");
    }
}

/* Until `path` reads `value` (NULL: until the resource is gone). */
static void wait_fd(const char *name, const char *path, const char *value)
{
    wait_fd_matching(name, path, value, false);
}

static void wait_fd_containing(const char *name, const char *path, const char *text)
{
    wait_fd_matching(name, path, text, true);
}

/* ---- the controller process ------------------------------------------------------------------ */

static void ctl_start_with2(ctl *c, const char *tag, const char *flag, const char *value,
                            const char *flag2, const char *value2)
{
    memset(c, 0, sizeof *c);
    c->health_port = fo_test_free_port();
    snprintf(c->log, sizeof c->log, "%s/controller-%s.log", E.dir, tag);
    char *bin = fo_test_bin_path("flinkop-controller");
    char url[200], port[16];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/{namespace}/{name}", fo_fake_flink_port(E.ff));
    snprintf(port, sizeof port, "%d", c->health_port);
    char *argv[] = {bin,           "--kubeconfig",
                    E.kubeconfig,  "--flink-rest-url",
                    url,           "--health-port",
                    port,          "--health-bind-address",
                    "127.0.0.1",   "--observe-interval",
                    "1s",          "--progress-interval",
                    "300ms",       "--rest-ready-delay",
                    "300ms",       "--cleanup-timeout",
                    "30s",         "--lease-duration",
                    "3s",          "--renew-deadline",
                    "2s",          "--retry-period",
                    "500ms",       (char *)flag,
                    (char *)value, (char *)flag2,
                    (char *)value2, NULL};
    c->pid = fo_test_spawn(argv, c->log);
    ck_assert_int_gt(c->pid, 0);
    free(bin);
    ck_assert_msg(fo_test_wait_port(c->health_port, 30000), "controller health port not up");
}

static void ctl_start_with(ctl *c, const char *tag, const char *flag, const char *value)
{
    ctl_start_with2(c, tag, flag, value, NULL, NULL);
}

static void ctl_stop(ctl *c)
{
    if (c->pid <= 0)
        return;
    int st = fo_test_stop(c->pid, SIGTERM, 30000);
    c->pid = 0;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "controller did not exit cleanly (status %d); see %s", st, c->log);
}

static void ctl_start(ctl *c, const char *tag)
{
    ctl_start_with(c, tag, NULL, NULL);
}

/* GET a health endpoint; the body into *out (JSON) when it is JSON. Returns the HTTP status. */
static int health(const ctl *c, const char *path, json_t **out)
{
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", c->health_port, path);
    fo_http_result res;
    fo_err err;
    fo_rc rc = fo_http_client_request(E.http, "GET", url, NULL, 0, NULL, 0, 5000, &res, &err);
    int status = rc == FO_OK ? res.status : 0;
    if (out)
        *out = rc == FO_OK ? json_loadb(res.body.data, res.body.len, 0, NULL) : NULL;
    fo_http_result_release(&res);
    return status;
}

static bool leads(const void *arg)
{
    json_t *body = NULL;
    int st = health(arg, "/readyz", &body);
    bool leader = st == 200 && json_is_true(json_object_get(body, "leader"));
    json_decref(body);
    return leader;
}

/* ---- fixture -----------------------------------------------------------------------------------
 */

/* The fake API server sends watch bookmarks every bookmark_ms (0: its default, a minute);
 * the FlinkDeployment CRD is installed when fd_crd. */
static void setup_with(int bookmark_ms, bool fd_crd)
{
    memset(&E, 0, sizeof E);
    fo_err err;
    fo_fake_apiserver_opts ao = {.port = 0, .bookmark_interval_ms = bookmark_ms};
    E.fa = fo_fake_apiserver_start(&ao, &err);
    ck_assert_msg(E.fa != NULL, "%s", err.message);
    fo_fake_flink_opts fo = {.port = 0};
    E.ff = fo_fake_flink_start(&fo, &err);
    ck_assert_msg(E.ff != NULL, "%s", err.message);
    fo_http_client_opts ho = {.timeout_ms = 5000};
    E.http = fo_http_client_new(&ho, &err);
    ck_assert_ptr_nonnull(E.http);
    E.dir = fo_test_mkdtemp();
    E.cluster_of = json_object();
    snprintf(E.kubeconfig, sizeof E.kubeconfig, "%s/kubeconfig", E.dir);
    char *text = NULL;
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
                              "clusters: [{name: fake, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                              "users: [{name: fake, user: {}}]\n"
                              "contexts: [{name: fake, context: {cluster: fake, user: fake}}]\n",
                              fo_fake_apiserver_port(E.fa)),
                     0);
    fo_test_write_file(E.kubeconfig, text);
    free(text);
    if (fd_crd)
        create_crd("flinkdeployments.flink.apache.org.yaml");
    create_crd("flinksessionjobs.flink.apache.org.yaml");
}

static void setup(void)
{
    setup_with(0, true);
}

static void setup_without_fd_crd(void)
{
    setup_with(0, false);
}

/* Bookmarks every 300 ms: a watch hears from a healthy server well within a short
 * --watch-idle-timeout. */
static void setup_quick_bookmarks(void)
{
    setup_with(300, true);
}

static void teardown(void)
{
    fo_http_client_free(E.http);
    json_decref(E.cluster_of);
    json_decref(E.job_extra);
    fo_fake_flink_stop(E.ff);
    fo_fake_apiserver_stop(E.fa);
    fo_test_rmdir(E.dir);
    free(E.dir);
}

static void create_fd(const char *fixture)
{
    json_t *obj = fo_test_load_yaml(fixture);
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
}

static void deploy_until_stable(const char *fixture, const char *name)
{
    create_fd(fixture);
    wait_fd(name, "status.lifecycleState", "STABLE");
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static void assert_owned(const json_t *obj, const char *uid, const char *component)
{
    ck_assert_ptr_nonnull(obj);
    ck_assert_str_eq(fo_json_get_str(obj, "metadata.labels.type"), "flink-native-kubernetes");
    ck_assert_str_eq(fo_json_get_str(obj, "metadata.labels.app"), "basic-example");
    if (component)
        ck_assert_str_eq(fo_json_get_str(obj, "metadata.labels.component"), component);
    json_t *ref = json_array_get(fo_json_get(obj, "metadata.ownerReferences"), 0);
    ck_assert_str_eq(fo_json_str(ref, "kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_str(ref, "name"), "basic-example");
    ck_assert_str_eq(fo_json_str(ref, "uid"), uid);
}

typedef struct obj_state {
    const char *gv, *resource, *name;
    const char *path, *value; /* value NULL: the object exists */
} obj_state;

static bool obj_has(const void *arg)
{
    const obj_state *s = arg;
    json_t *o = get_obj(s->gv, s->resource, s->name);
    bool ok = o && (!s->value || (fo_json_get_str(o, s->path) &&
                                  strcmp(fo_json_get_str(o, s->path), s->value) == 0));
    json_decref(o);
    return ok;
}

static bool gone(const void *arg)
{
    const obj_state *s = arg;
    json_t *o = get_obj(s->gv, s->resource, s->name);
    json_decref(o);
    return o == NULL;
}

START_TEST(application_reaches_stable_and_owns_its_objects)
{
    ctl c;
    ctl_start(&c, "stable");
    deploy_until_stable("controller-application.yaml", "basic-example");
    /* The lifecycle is STABLE once the job runs with the deployed spec (as in the Apache
     * operator); the JobManager is READY from the second observation that finds its REST
     * endpoint up (controller/observe.c), which on a loaded machine can come after. */
    wait_fd("basic-example", "status.jobManagerDeploymentStatus", "READY");
    json_t *fd = get_fd("basic-example");
    const char *uid = fo_json_get_str(fd, "metadata.uid");
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobManagerDeploymentStatus"), "READY");
    ck_assert_str_eq(fo_json_get_str(fd, "status.clusterInfo.flink-version"), "1.20.1");
    ck_assert_str_eq(fo_json_get_str(fd, "status.reconciliationStatus.state"), "DEPLOYED");
    ck_assert_str_eq(json_string_value(json_array_get(fo_json_get(fd, "metadata.finalizers"), 0)),
                     "flinkdeployments.flink.apache.org/finalizer");
    json_t *cm = get_obj("v1", "configmaps", "flink-config-basic-example");
    json_t *rest = get_obj("v1", "services", "basic-example-rest");
    json_t *internal = get_obj("v1", "services", "basic-example");
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    assert_owned(cm, uid, NULL);
    assert_owned(rest, uid, NULL);
    assert_owned(internal, uid, NULL);
    assert_owned(jm, uid, "jobmanager");
    ck_assert_str_eq(fo_json_str(fo_json_get(jm, "metadata.annotations"),
                                 "flinkdeployment.flink.apache.org/generation"),
                     "1");
    json_t *container = json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0);
    ck_assert_str_eq(fo_json_str(container, "name"), "flink-main-container");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(container, "args"), 2)),
                     "kubernetes-jobmanager.sh kubernetes-application");
    /* The job Flink runs is the one status names. */
    json_t *view = fo_fake_flink_view(E.ff, NS, "basic-example");
    char *text = fo_json_dumps_compact(view);
    ck_assert_ptr_nonnull(strstr(text, fo_json_get_str(fd, "status.jobStatus.jobId")));
    free(text);
    json_decref(view);

    /* Settled: passes keep polling Flink but write nothing. */
    const char *rv = fo_json_get_str(fd, "metadata.resourceVersion");
    char rv_before[32];
    snprintf(rv_before, sizeof rv_before, "%s", rv);
    fo_test_sleep_ms(3500); /* several observe intervals */
    json_t *again = get_fd("basic-example");
    ck_assert_str_eq(fo_json_get_str(again, "metadata.resourceVersion"), rv_before);
    json_decref(again);

    /* Metrics and events. */
    json_t *ready = NULL;
    ck_assert_int_eq(health(&c, "/readyz", &ready), 200);
    json_decref(ready);
    ck_assert_int_eq(health(&c, "/healthz", NULL), 200);
    json_t *events = api_get("/api/v1/namespaces/" NS "/events");
    bool submit = false;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(events, "items"), i, ev)
    {
        const char *reason = fo_json_str(ev, "reason");
        if (reason && strcmp(reason, "Submit") == 0) {
            submit = true;
            /* The Apache operator's EventRecorder.Component for a deploy; the process stays
             * the reporting component. */
            ck_assert_str_eq(fo_json_get_str(ev, "source.component"), "JobManagerDeployment");
            ck_assert_str_eq(fo_json_str(ev, "reportingComponent"), "flinkop-controller");
        }
    }
    ck_assert(submit);
    json_decref(events);

    json_decref(cm);
    json_decref(rest);
    json_decref(internal);
    json_decref(jm);
    json_decref(fd);

    /* Deleted: the job is cancelled, the objects go, then the finalizer. */
    ck_assert_int_eq(api("DELETE", FD_PATH "/basic-example", NULL, NULL, NULL), 200);
    wait_fd("basic-example", NULL, NULL);
    obj_state gone_cm = {"v1", "configmaps", "flink-config-basic-example", NULL, NULL};
    ck_assert(wait_for(gone, &gone_cm, WAIT_MS));
    ctl_stop(&c);
}
END_TEST

static bool image_is(const void *arg)
{
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    const char *image =
        fo_json_str(json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0), "image");
    bool ok = image && strcmp(image, arg) == 0;
    json_decref(jm);
    return ok;
}

static bool jm_replaced(const void *old_uid)
{
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    const char *uid = fo_json_get_str(jm, "metadata.uid");
    bool ok = uid && strcmp(uid, old_uid) != 0;
    json_decref(jm);
    return ok;
}

START_TEST(drift_in_owned_objects_is_repaired)
{
    ctl c;
    ctl_start(&c, "drift");
    deploy_until_stable("controller-application.yaml", "basic-example");
    ck_assert_int_eq(
        api("DELETE", "/api/v1/namespaces/" NS "/services/basic-example-rest", NULL, NULL, NULL),
        200);
    ck_assert_int_eq(merge_patch("/apis/apps/v1/namespaces/" NS "/deployments/basic-example",
                                 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
                                 "\"flink-main-container\",\"image\":\"evil:latest\"}]}}}}"),
                     200);
    obj_state svc = {"v1", "services", "basic-example-rest", NULL, NULL};
    ck_assert_msg(wait_for(obj_has, &svc, WAIT_MS), "rest Service not recreated");
    ck_assert_msg(wait_for(image_is, "flink:1.20", WAIT_MS), "JobManager image not restored");
    /* The JobManager Deployment itself vanishes: recovered (c.9). */
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    char old_uid[64];
    snprintf(old_uid, sizeof old_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    json_decref(jm);
    ck_assert_int_eq(api("DELETE", "/apis/apps/v1/namespaces/" NS "/deployments/basic-example",
                         NULL, NULL, NULL),
                     200);
    ck_assert_msg(wait_for(jm_replaced, old_uid, WAIT_MS), "JobManager Deployment not recovered");
    wait_fd("basic-example", "status.lifecycleState", "STABLE");
    ctl_stop(&c);
}
END_TEST

/* A proxy between the controller and the API server stops passing data but keeps its
 * connections open (the fake's stalled watches): no event reaches the informers, and TCP
 * keepalive sees a live peer. Each watch is opened again once it has heard nothing for
 * --watch-idle-timeout, and what changed meanwhile is repaired as usual; without that limit
 * the caches stayed stale until the watches' timeoutSeconds (5 to 10 minutes). */
START_TEST(stalled_watches_are_opened_again_and_the_controller_goes_on)
{
    ctl c;
    ctl_start_with(&c, "stall", "--watch-idle-timeout", "2s");
    deploy_until_stable("controller-application.yaml", "basic-example");
    ck_assert_int_eq(api("POST", "/fake/stall-watches", NULL, NULL, NULL), 200);
    ck_assert_int_eq(
        api("DELETE", "/api/v1/namespaces/" NS "/services/basic-example-rest", NULL, NULL, NULL),
        200);
    obj_state svc = {"v1", "services", "basic-example-rest", NULL, NULL};
    /* 2 s of silence, a new watch, a pass: well within 15 s even under the sanitizers */
    ck_assert_msg(wait_for(obj_has, &svc, 15000), "rest Service not recreated; see %s", c.log);
    ck_assert_int_eq(merge_patch(FD_PATH "/basic-example", "{\"spec\":{\"job\":{\"state\":"
                                                           "\"suspended\"}}}"),
                     200);
    wait_fd("basic-example", "status.lifecycleState", "SUSPENDED");
    ctl_stop(&c);
}
END_TEST

/* ---- health ------------------------------------------------------------------------------ */

typedef struct probe {
    const ctl *c;
    const char *path;
    int status;   /* wanted HTTP status */
    json_t *body; /* the last body read (owned) */
} probe;

static bool answers(const void *arg)
{
    probe *p = (probe *)arg;
    json_decref(p->body);
    p->body = NULL;
    return health(p->c, p->path, &p->body) == p->status;
}

static int64_t canary_nonce(void)
{
    json_t *fd = get_fd("canary");
    int64_t nonce = 0;
    fo_json_get_int(fd, "spec.restartNonce", &nonce);
    json_decref(fd);
    return nonce;
}

static bool canary_exercised_twice(const void *arg)
{
    (void)arg;
    return canary_nonce() >= 2;
}

/* A canary (reference d.4) with a 2 s timeout from the cluster defaults' flinkConfiguration,
 * as the Apache operator reads kubernetes.operator.health.canary.resource.timeout from its
 * configuration. Reconciled, it is changed every timeout and /healthz stays 200; once the
 * API server's watches deliver nothing more (a stalled proxy), no pass sees its changes and
 * /healthz fails, naming it. The canary itself is never deployed nor given a status. */
START_TEST(healthz_fails_when_no_pass_sees_a_canarys_change_within_its_timeout)
{
    char path[700];
    snprintf(path, sizeof path, "%s/defaults.yaml", E.dir);
    fo_test_write_file(path, "flinkConfiguration:\n"
                             "  kubernetes.operator.health.canary.resource.timeout: 2 s\n");
    ctl c;
    ctl_start_with(&c, "canary", "--defaults", path);
    json_t *canary = fo_test_load_yaml("crd-valid-canary.yaml");
    ck_assert_int_eq(api("POST", FD_PATH, NULL, canary, NULL), 201);
    json_decref(canary);

    /* changed at its first pass, and again a timeout later: healthy all along */
    ck_assert_msg(wait_for(canary_exercised_twice, NULL, 30000),
                  "canary's restartNonce not raised twice (%lld); see %s",
                  (long long)canary_nonce(), c.log);
    probe ok = {&c, "/healthz", 200, NULL};
    ck_assert_msg(wait_for(answers, &ok, 10000), "healthz not 200 with a reconciled canary; see %s",
                  c.log);
    ck_assert_str_eq(fo_json_str(ok.body, "status"), "ok");
    ck_assert_int_eq(json_integer_value(json_object_get(ok.body, "canaries")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(ok.body, "canaryTimeoutMs")), 2000);
    json_decref(ok.body);
    json_t *fd = get_fd("canary");
    ck_assert_ptr_null(json_object_get(fd, "status"));
    ck_assert_ptr_null(fo_json_get(fd, "metadata.finalizers"));
    json_decref(fd);
    ck_assert_ptr_null(get_obj("apps/v1", "deployments", "canary"));
    ck_assert_ptr_null(get_obj("v1", "configmaps", "flink-config-canary"));

    /* the watches go silent: the canary's changes reach no pass */
    ck_assert_int_eq(api("POST", "/fake/stall-watches", NULL, NULL, NULL), 200);
    int64_t nonce = canary_nonce();
    probe failing = {&c, "/healthz", 503, NULL};
    /* a change at most 2 s later, overdue 2 s after it: well within 30 s */
    ck_assert_msg(wait_for(answers, &failing, 30000), "healthz never failed; see %s", c.log);
    ck_assert_str_eq(fo_json_str(failing.body, "status"), "canary overdue");
    json_t *late = json_array_get(json_object_get(failing.body, "overdueCanaries"), 0);
    ck_assert_str_eq(fo_json_str(late, "namespace"), NS);
    ck_assert_str_eq(fo_json_str(late, "name"), "canary");
    ck_assert_int_gt(json_integer_value(json_object_get(late, "overdueMs")), 0);
    json_decref(failing.body);
    ck_assert_int_gt(canary_nonce(), nonce); /* the exercise went on: the passes did not */
    ctl_stop(&c);
}
END_TEST

static bool canary_tracked(const void *arg)
{
    json_t *body = NULL;
    health(arg, "/healthz", &body);
    bool one = json_integer_value(json_object_get(body, "canaries")) == 1;
    json_decref(body);
    return one;
}

static bool no_refusal_listed(const void *arg)
{
    probe *p = (probe *)arg;
    return answers(p) && json_array_size(json_object_get(p->body, "refusedCanaries")) == 0 &&
           json_array_size(json_object_get(p->body, "overdueCanaries")) == 0;
}

static bool canary_exercised(const void *arg)
{
    (void)arg;
    return canary_nonce() >= 1;
}

/* An admission policy refuses every change of the canary (Gatekeeper denies with 403): no
 * restart can mend that, and a liveness probe failing on it would restart the controller
 * into CrashLoopBackOff and stop every reconcile. /healthz stays 200 and says which canary
 * cannot be exercised and what the API server answered; so does a gauge. Once the policy is
 * lifted, the canary is exercised again. */
START_TEST(a_canary_whose_change_is_refused_leaves_healthz_ok_and_says_why)
{
    char path[700];
    snprintf(path, sizeof path, "%s/defaults.yaml", E.dir);
    fo_test_write_file(path, "flinkConfiguration:\n"
                             "  kubernetes.operator.health.canary.resource.timeout: 2 s\n");
    json_t *fault = json_pack(
        "{s:i, s:s, s:s, s:i, s:s}", "code", 403, "method", "PATCH", "pathPrefix",
        FD_PATH "/canary", "count", -1, "message",
        "admission webhook \"validation.gatekeeper.sh\" denied the request: [frozen-specs] "
        "spec changes are not allowed in this namespace");
    ck_assert_int_eq(api("POST", "/fake/faults", NULL, fault, NULL), 200);
    json_decref(fault);
    ctl c;
    ctl_start_with(&c, "canary-refused", "--defaults", path);
    json_t *canary = fo_test_load_yaml("crd-valid-canary.yaml");
    ck_assert_int_eq(api("POST", FD_PATH, NULL, canary, NULL), 201);
    json_decref(canary);

    ck_assert_msg(wait_for(canary_tracked, &c, 30000), "canary never tracked; see %s", c.log);
    /* well past two timeouts: before, the canary was overdue 2 s after the refused write */
    fo_test_sleep_ms(5000);
    json_t *body = NULL;
    int status = health(&c, "/healthz", &body);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_msg(status == 200, "/healthz %d with a refused canary: %s", status, text);
    free(text);
    ck_assert_str_eq(fo_json_str(body, "status"), "ok");
    ck_assert_uint_eq(json_array_size(json_object_get(body, "overdueCanaries")), 0);
    json_t *one = json_array_get(json_object_get(body, "refusedCanaries"), 0);
    ck_assert_str_eq(fo_json_str(one, "namespace"), NS);
    ck_assert_str_eq(fo_json_str(one, "name"), "canary");
    ck_assert_int_eq(json_integer_value(json_object_get(one, "code")), 403);
    ck_assert_str_eq(fo_json_str(one, "reason"), "Forbidden");
    ck_assert_msg(strstr(fo_json_str(one, "message"), "validation.gatekeeper.sh"), "%s",
                  fo_json_str(one, "message"));
    json_decref(body);
    ck_assert_int_eq(canary_nonce(), 0);
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", c.health_port);
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = url}, &r);
    ck_assert_msg(strstr(r.body.data,
                         "flinkop_controller_canaries_not_exercised{reason=\"write_refused\"} 1\n"),
                  "%s", r.body.data);
    char why[512];
    ck_assert_msg(fo_test_exposition_check(r.body.data, why, sizeof why), "%s", why);
    if (access("/usr/bin/promtool", X_OK) == 0) { /* and promtool itself, where installed */
        char file[760], cmd[1700];
        snprintf(file, sizeof file, "%s/metrics.txt", E.dir);
        fo_test_write_file(file, r.body.data);
        snprintf(cmd, sizeof cmd, "/usr/bin/promtool check metrics < %s > %s.out 2>&1", file,
                 file);
        ck_assert_msg(system(cmd) == 0, "promtool check metrics failed: see %s.out", file);
    }
    fo_test_reply_release(&r);
    char *log = fo_test_read_text(c.log);
    char *line = log ? strstr(log, "change was refused") : NULL;
    while (line && line > log && line[-1] != '\n')
        line--;
    ck_assert_msg(line && strncmp(strchr(line, ',') + 1, "\"level\":\"error\"", 15) == 0,
                  "no error line for the refusal in %s", c.log);
    free(log);

    /* the policy is lifted */
    ck_assert_int_eq(api("DELETE", "/fake/faults", NULL, NULL, NULL), 200);
    ck_assert_msg(wait_for(canary_exercised, NULL, 10000), "canary not exercised again; see %s",
                  c.log);
    probe clear = {&c, "/healthz", 200, NULL};
    ck_assert_msg(wait_for(no_refusal_listed, &clear, 10000), "refusal still listed; see %s",
                  c.log);
    json_decref(clear.body);
    ctl_stop(&c);
}
END_TEST

/* A canary past the weight bound (FO_FLINK_MAX_OBJECT_WEIGHT) is cached as a stub without its
 * spec, so its restartNonce cannot be read: it is not exercised (written from the stub it would
 * get 1 every time and turn overdue), and /healthz says so. */
START_TEST(a_canary_too_heavy_to_cache_is_not_exercised_and_healthz_says_why)
{
    char path[700];
    snprintf(path, sizeof path, "%s/defaults.yaml", E.dir);
    fo_test_write_file(path, "flinkConfiguration:\n"
                             "  kubernetes.operator.health.canary.resource.timeout: 2 s\n");
    ctl c;
    ctl_start_with(&c, "canary-oversized", "--defaults", path);
    json_t *canary = fo_test_load_yaml("crd-valid-canary.yaml");
    json_t *conf = json_object();
    char key[32];
    for (int i = 0; i < 30000; i++) { /* 60,000 JSON values and more */
        snprintf(key, sizeof key, "k%d", i);
        json_object_set_new(conf, key, json_string("v"));
    }
    json_object_set_new(
        canary, "spec",
        json_pack("{s:I, s:o}", "restartNonce", (json_int_t)5, "flinkConfiguration", conf));
    ck_assert_int_eq(api("POST", FD_PATH, NULL, canary, NULL), 201);
    json_decref(canary);

    ck_assert_msg(wait_for(canary_tracked, &c, 30000), "canary never tracked; see %s", c.log);
    fo_test_sleep_ms(5000); /* more than two timeouts */
    json_t *body = NULL;
    int status = health(&c, "/healthz", &body);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_msg(status == 200, "/healthz %d with an oversized canary: %s", status, text);
    free(text);
    json_t *one = json_array_get(json_object_get(body, "oversizedCanaries"), 0);
    ck_assert_str_eq(fo_json_str(one, "name"), "canary");
    ck_assert_msg(strstr(fo_json_str(one, "reason"), "more than 50000 JSON values"), "%s",
                  fo_json_str(one, "reason"));
    json_decref(body);
    ck_assert_int_eq(canary_nonce(), 5); /* never written */
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", c.health_port);
    fo_test_reply r;
    fo_test_perform(&(fo_test_request){.url = url}, &r);
    ck_assert_msg(
        strstr(r.body.data, "flinkop_controller_canaries_not_exercised{reason=\"oversized\"} 1\n"),
        "%s", r.body.data);
    fo_test_reply_release(&r);
    ctl_stop(&c);
}
END_TEST

/* The probes and /metrics take GET (and HEAD, which the kubelet never sends but HTTP servers
 * answer); any other method is 405, which RFC 9110 section 15.5.6 says must carry an Allow
 * header listing the methods the resource takes. */
START_TEST(the_health_server_answers_another_method_405_with_allow)
{
    ctl c;
    ctl_start(&c, "methods");
    static const char *const paths[] = {"/healthz", "/readyz", "/metrics"};
    static const char *const methods[] = {"POST", "PUT", "DELETE"};
    for (size_t i = 0; i < 3; i++) {
        char url[200];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", c.health_port, paths[i]);
        fo_test_reply r;
        fo_test_perform(&(fo_test_request){.method = methods[i], .url = url}, &r);
        ck_assert_msg(r.status == 405, "%s %s: %ld", methods[i], paths[i], r.status);
        ck_assert_msg(fo_test_has_header(&r, "\nAllow: GET, HEAD\r\n"), "%s %s: no Allow in %s",
                      methods[i], paths[i], r.headers.data);
        fo_test_reply_release(&r);
        fo_test_perform(&(fo_test_request){.method = "HEAD", .url = url}, &r);
        ck_assert_msg(r.status != 405, "HEAD %s: %ld", paths[i], r.status);
        fo_test_reply_release(&r);
    }
    ctl_stop(&c);
}
END_TEST

static bool fd_informer_reason(const void *arg)
{
    probe *p = (probe *)arg;
    if (!answers(p))
        return false;
    /* the other kinds sync at once; until then they are listed too */
    json_t *infs = json_object_get(p->body, "informers");
    json_t *inf = json_array_get(infs, 0);
    return json_array_size(infs) == 1 && fo_json_str(inf, "reason");
}

/* Without the FlinkDeployment CRD the controller cannot list FlinkDeployments: /readyz is 503
 * and says which informer waits and what the API server answered it; once the CRD is there it
 * syncs and the list is empty. */
START_TEST(readyz_names_the_informer_that_cannot_sync_and_why)
{
    ctl c;
    ctl_start(&c, "nocrd");
    probe waiting = {&c, "/readyz", 503, NULL};
    ck_assert_msg(wait_for(fd_informer_reason, &waiting, 30000), "no reason in /readyz; see %s",
                  c.log);
    ck_assert_str_eq(fo_json_str(waiting.body, "status"), "not ready");
    json_t *inf = json_array_get(json_object_get(waiting.body, "informers"), 0);
    ck_assert_str_eq(fo_json_str(inf, "resource"), "flinkdeployments");
    ck_assert(json_is_false(json_object_get(inf, "synced")));
    /* kube-api-semantics: an unknown resource is a 404 with this message */
    ck_assert_msg(strstr(fo_json_str(inf, "reason"), "the server could not find the requested "
                                                     "resource"),
                  "%s", fo_json_str(inf, "reason"));
    json_decref(waiting.body);

    create_crd("flinkdeployments.flink.apache.org.yaml");
    probe ready = {&c, "/readyz", 200, NULL};
    ck_assert_msg(wait_for(answers, &ready, WAIT_MS), "never ready; see %s", c.log);
    ck_assert_uint_eq(json_array_size(json_object_get(ready.body, "informers")), 0);
    json_decref(ready.body);
    ctl_stop(&c);
}
END_TEST

static bool error_cleared(const void *arg)
{
    json_t *fd = get_fd(arg);
    bool ok = fd && !fo_json_get(fd, "status.error");
    json_decref(fd);
    return ok;
}

START_TEST(invalid_spec_lands_in_status_without_touching_the_cluster)
{
    ctl c;
    ctl_start(&c, "invalid");
    deploy_until_stable("controller-application.yaml", "basic-example");
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    json_t *cm = get_obj("v1", "configmaps", "flink-config-basic-example");
    char jm_rv[32], cm_rv[32];
    snprintf(jm_rv, sizeof jm_rv, "%s", fo_json_get_str(jm, "metadata.resourceVersion"));
    snprintf(cm_rv, sizeof cm_rv, "%s", fo_json_get_str(cm, "metadata.resourceVersion"));
    /* A key the CRD accepts and the validator forbids (reference b.3). */
    ck_assert_int_eq(merge_patch(FD_PATH "/basic-example",
                                 "{\"spec\":{\"flinkConfiguration\":{\"kubernetes.namespace\":"
                                 "\"elsewhere\"}}}"),
                     200);
    wait_fd_containing("basic-example", "status.error", "ValidationException");
    wait_fd_containing("basic-example", "status.error", "kubernetes.namespace");
    fo_test_sleep_ms(2500);
    json_t *jm2 = get_obj("apps/v1", "deployments", "basic-example");
    json_t *cm2 = get_obj("v1", "configmaps", "flink-config-basic-example");
    ck_assert_str_eq(fo_json_get_str(jm2, "metadata.resourceVersion"), jm_rv);
    ck_assert_str_eq(fo_json_get_str(cm2, "metadata.resourceVersion"), cm_rv);
    json_t *fd = get_fd("basic-example");
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.state"), "RUNNING");
    int64_t og = 0;
    fo_json_get_int(fd, "status.observedGeneration", &og);
    ck_assert_int_eq(og, 1);
    json_decref(fd);
    /* Fixed: the error goes away and the spec is current again. */
    ck_assert_int_eq(merge_patch(FD_PATH "/basic-example",
                                 "{\"spec\":{\"flinkConfiguration\":{\"kubernetes.namespace\":"
                                 "null}}}"),
                     200);
    ck_assert_msg(wait_for(error_cleared, "basic-example", WAIT_MS), "status.error stayed");
    wait_fd("basic-example", "status.lifecycleState", "STABLE");
    json_decref(jm);
    json_decref(cm);
    json_decref(jm2);
    json_decref(cm2);
    ctl_stop(&c);
}
END_TEST

START_TEST(deletion_completes_when_flink_is_unreachable)
{
    ctl c;
    ctl_start(&c, "delete");
    deploy_until_stable("controller-application.yaml", "basic-example");
    json_t *faults = json_pack("{s:s}", "unreachable", "503");
    ck_assert_int_eq(fo_fake_flink_control(
                         E.ff, "POST", "/_fake/clusters/" NS "/basic-example/faults", faults, NULL),
                     200);
    json_decref(faults);
    ck_assert_int_eq(api("DELETE", FD_PATH "/basic-example", NULL, NULL, NULL), 200);
    wait_fd("basic-example", NULL, NULL);
    obj_state cm = {"v1", "configmaps", "flink-config-basic-example", NULL, NULL};
    obj_state jm = {"apps/v1", "deployments", "basic-example", NULL, NULL};
    ck_assert(wait_for(gone, &cm, WAIT_MS));
    ck_assert(wait_for(gone, &jm, WAIT_MS));
    ctl_stop(&c);
}
END_TEST

/* A cluster whose rest.port is not 8081 is reached at that port: "{port}" in the REST address
 * template is the rest.port the cluster was deployed with, the port of its REST Service
 * (Flink's ExternalServiceDecorator). The fake Flink's own port stands for that port here, so
 * the job is only seen, and the lifecycle only turns STABLE, when the controller connects to
 * the port the spec names. */
START_TEST(a_cluster_on_another_rest_port_is_reached_at_it)
{
    ctl c;
    ctl_start_with(&c, "rest-port", "--flink-rest-url",
                   "http://127.0.0.1:{port}/{namespace}/{name}");
    json_t *obj = fo_test_load_yaml("controller-application.yaml");
    char port[16];
    snprintf(port, sizeof port, "%d", fo_fake_flink_port(E.ff));
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"), "rest.port",
                        json_string(port));
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
    wait_fd("basic-example", "status.lifecycleState", "STABLE");
    wait_fd("basic-example", "status.jobManagerDeploymentStatus", "READY");
    json_t *fd = get_fd("basic-example");
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(fd, "status.clusterInfo.flink-version"), "1.20.1");
    json_decref(fd);
    json_t *rest = get_obj("v1", "services", "basic-example-rest");
    json_t *sp = json_array_get(fo_json_get(rest, "spec.ports"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(sp, "port")), fo_fake_flink_port(E.ff));
    json_decref(rest);
    ck_assert_int_eq(api("DELETE", FD_PATH "/basic-example", NULL, NULL, NULL), 200);
    wait_fd("basic-example", NULL, NULL);
    ctl_stop(&c);
}
END_TEST

START_TEST(stateless_upgrade_runs_a_new_job_with_the_new_spec)
{
    ctl c;
    ctl_start(&c, "upgrade");
    deploy_until_stable("controller-application.yaml", "basic-example");
    json_t *fd = get_fd("basic-example");
    char old_job[40];
    snprintf(old_job, sizeof old_job, "%s", fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);
    ck_assert_int_eq(
        merge_patch(FD_PATH "/basic-example", "{\"spec\":{\"image\":\"flink:1.20.1\"}}"), 200);
    ck_assert_msg(wait_for(image_is, "flink:1.20.1", WAIT_MS), "new JobManager never deployed");
    wait_fd("basic-example", "status.lifecycleState", "STABLE");
    wait_fd("basic-example", "status.jobStatus.state", "RUNNING");
    fd = get_fd("basic-example");
    ck_assert_str_ne(fo_json_get_str(fd, "status.jobStatus.jobId"), old_job);
    int64_t og = 0;
    fo_json_get_int(fd, "status.observedGeneration", &og);
    ck_assert_int_eq(og, 2);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

/* Stable again, with the given generation observed. */
static bool stable_at(const void *arg)
{
    const fd_state *s = arg;
    json_t *fd = get_fd(s->name);
    int64_t og = 0;
    fo_json_get_int(fd, "status.observedGeneration", &og);
    const char *life = fo_json_get_str(fd, "status.lifecycleState");
    bool ok = life && strcmp(life, "STABLE") == 0 && og == atoi(s->value);
    json_decref(fd);
    return ok;
}

typedef struct log_line {
    const char *path, *text;
} log_line;

static bool log_says(const void *arg)
{
    const log_line *l = arg;
    char *log = read_file(l->path);
    bool ok = log && strstr(log, l->text);
    free(log);
    return ok;
}

/* JobManagers that take the connection and never answer (a GC pause, an overloaded one) hold
 * a worker for the whole timeout of each observation. With more of them than workers, a
 * healthy resource's change must still go through: their observation gives up after
 * --flink-observe-timeout, and passes that only come back to observe a silent one are spaced
 * out (docs/controller.md, "A JobManager that does not answer"). One worker, four silent
 * JobManagers: before, each of their passes held the worker for Flink's 10 s client timeout,
 * every observe interval, and each pass of the healthy one's upgrade waited behind them. */
START_TEST(silent_jobmanagers_do_not_starve_a_healthy_resource)
{
    static const char *const names[] = {"silent-a", "silent-b", "silent-c", "silent-d",
                                        "healthy"};
    ctl c;
    ctl_start_with2(&c, "silent", "--workers", "1", "--flink-observe-timeout", "300ms");
    for (size_t i = 0; i < 5; i++) {
        json_t *obj = fo_test_load_yaml("controller-application.yaml");
        json_object_set_new(json_object_get(obj, "metadata"), "name", json_string(names[i]));
        ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
        json_decref(obj);
    }
    for (size_t i = 0; i < 5; i++)
        wait_fd(names[i], "status.lifecycleState", "STABLE");
    json_t *hang = json_pack("{s:s}", "unreachable", "hang");
    for (size_t i = 0; i < 4; i++) {
        char path[200];
        snprintf(path, sizeof path, "/_fake/clusters/" NS "/%s/faults", names[i]);
        ck_assert_int_eq(fo_fake_flink_control(E.ff, "POST", path, hang, NULL), 200);
    }
    json_decref(hang);
    /* The controller has met every silence: their jobs are no longer known to run. */
    for (size_t i = 0; i < 4; i++)
        wait_fd(names[i], "status.jobStatus.state", "RECONCILING");
    ck_assert_int_eq(merge_patch(FD_PATH "/healthy", "{\"spec\":{\"job\":{\"parallelism\":1}}}"),
                     200);
    fd_state s = {"healthy", NULL, "2", false};
    ck_assert_msg(wait_for(stable_at, &s, WAIT_MS),
                  "the healthy resource's change was not STABLE behind four silent JobManagers");
    /* Each silent JobManager was given up on after the observation timeout, not Flink's 10 s,
     * and its passes were spaced out. */
    ck_assert_msg(wait_for(log_says, &(log_line){c.log, "jobmanager silent 2 passes in a row"},
                           WAIT_MS),
                  "no second silent pass logged; see %s", c.log);
    ctl_stop(&c);
}
END_TEST

START_TEST(savepoint_upgrade_restores_the_new_job_from_the_savepoint)
{
    ctl c;
    ctl_start(&c, "savepoint");
    deploy_until_stable("controller-application-savepoint.yaml", "savepoint-example");
    ck_assert_int_eq(
        merge_patch(FD_PATH "/savepoint-example", "{\"spec\":{\"job\":{\"parallelism\":4}}}"), 200);
    fd_state s = {"savepoint-example", NULL, "2", false};
    ck_assert_msg(wait_for(stable_at, &s, WAIT_MS), "never stable at generation 2");
    json_t *fd = get_fd("savepoint-example");
    const char *path = fo_json_get_str(fd, "status.jobStatus.upgradeSavepointPath");
    ck_assert_ptr_nonnull(path);
    ck_assert_ptr_nonnull(strstr(path, "s3://bucket/savepoints/"));
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.savepointInfo.lastSavepoint.location"),
                     path);
    /* The running job is the new one, restored from that savepoint at the new parallelism. */
    json_t *view = fo_fake_flink_view(E.ff, NS, "savepoint-example");
    json_t *jobs = json_object_get(view, "jobs");
    json_t *job = json_array_get(jobs, json_array_size(jobs) - 1);
    ck_assert_str_eq(fo_json_str(job, "jobId"), fo_json_get_str(fd, "status.jobStatus.jobId"));
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"), path);
    int64_t par = 0;
    fo_json_get_int(job, "submission.parallelism", &par);
    ck_assert_int_eq(par, 4);
    json_decref(view);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

/* The cluster `name` in the fake Flink has completed a checkpoint of its first job. */
/* A new savepointTriggerNonce: Flink takes a savepoint of the running job (POST
 * /jobs/:id/savepoints, not stop), which status records with its nonce; the job and its
 * JobManager are left as they were. */
START_TEST(a_savepoint_trigger_nonce_takes_a_savepoint_of_the_running_job)
{
    ctl c;
    ctl_start(&c, "manual");
    deploy_until_stable("controller-application-savepoint.yaml", "savepoint-example");
    json_t *fd = get_fd("savepoint-example");
    char job[40];
    snprintf(job, sizeof job, "%s", fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);
    json_t *jm = get_obj("apps/v1", "deployments", "savepoint-example");
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    json_decref(jm);
    ck_assert_int_eq(merge_patch(FD_PATH "/savepoint-example",
                                 "{\"spec\":{\"job\":{\"savepointTriggerNonce\":5}}}"),
                     200);
    wait_fd("savepoint-example", "status.jobStatus.savepointInfo.lastSavepoint.triggerType",
            "MANUAL");
    wait_fd_containing("savepoint-example", "status.reconciliationStatus.lastReconciledSpec",
                       "\"savepointTriggerNonce\":5");
    fd = get_fd("savepoint-example");
    const char *loc = fo_json_get_str(fd, "status.jobStatus.savepointInfo.lastSavepoint.location");
    ck_assert_ptr_nonnull(loc);
    int64_t nonce = 0;
    fo_json_get_int(fd, "status.jobStatus.savepointInfo.lastSavepoint.triggerNonce", &nonce);
    ck_assert_int_eq(nonce, 5);
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.jobId"), job);
    ck_assert_ptr_null(fo_json_get_str(fd, "status.jobStatus.upgradeSavepointPath"));
    /* Flink: one job, still running, with that savepoint. */
    json_t *view = fo_fake_flink_view(E.ff, NS, "savepoint-example");
    json_t *jobs = json_object_get(view, "jobs");
    ck_assert_uint_eq(json_array_size(jobs), 1);
    json_t *j = json_array_get(jobs, 0);
    ck_assert_str_eq(fo_json_str(j, "jobId"), job);
    ck_assert_str_eq(fo_json_str(j, "state"), "RUNNING");
    json_t *sps = json_object_get(j, "savepoints");
    ck_assert_uint_eq(json_array_size(sps), 1);
    ck_assert_str_eq(json_string_value(json_array_get(sps, 0)), loc);
    jm = get_obj("apps/v1", "deployments", "savepoint-example");
    ck_assert_str_eq(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    json_decref(jm);
    json_decref(view);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

/* The history entries of name (new reference to the array, or NULL). */
static json_t *history_of(const char *name)
{
    json_t *fd = get_fd(name);
    json_t *h = json_incref(
        (json_t *)fo_json_get(fd, "status.jobStatus.savepointInfo.savepointHistory"));
    json_decref(fd);
    return h;
}

static bool history_of_one(const void *arg)
{
    json_t *h = history_of(arg);
    bool one = json_array_size(h) == 1;
    json_decref(h);
    return one;
}

/* Was path disposed of in the fake Flink (GET /_fake/snapshots)? -1 when it does not know it. */
static int disposed_in_flink(const char *path)
{
    json_t *out = NULL;
    ck_assert_int_eq(fo_fake_flink_control(E.ff, "GET", "/_fake/snapshots", NULL, &out), 200);
    int found = -1;
    size_t i;
    json_t *sn;
    json_array_foreach(json_object_get(out, "snapshots"), i, sn)
    {
        if (strcmp(fo_json_str(sn, "path") ? fo_json_str(sn, "path") : "", path) == 0)
            found = json_is_true(json_object_get(sn, "disposed"));
    }
    json_decref(out);
    return found;
}

/* savepoint.history.max.count 1: once a second manual savepoint completes, the first one is
 * disposed of through Flink's POST /savepoint-disposal, and leaves the history only then. The
 * fake fails the first disposal (faults.failDisposals): a Warning SavepointError says so, the
 * entry stays, and a later pass disposes of it. */
START_TEST(a_savepoint_leaving_the_history_is_disposed_of_in_flink)
{
    ctl c;
    ctl_start(&c, "disposal");
    json_t *obj = fo_test_load_yaml("controller-application-savepoint.yaml");
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"),
                        "kubernetes.operator.savepoint.history.max.count", json_string("1"));
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"),
                        "kubernetes.operator.savepoint.cleanup.enabled", json_string("true"));
    /* No checkpoint interval: a streaming job has checkpoint statistics all the same, which
     * tell what it recovers from (without them nothing would be disposed of). */
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
    wait_fd("savepoint-example", "status.lifecycleState", "STABLE");
    json_t *faults = json_pack("{s:i}", "failDisposals", 1);
    ck_assert_int_eq(fo_fake_flink_control(E.ff, "POST",
                                           "/_fake/clusters/" NS "/savepoint-example/faults",
                                           faults, NULL),
                     200);
    json_decref(faults);

    ck_assert_int_eq(merge_patch(FD_PATH "/savepoint-example",
                                 "{\"spec\":{\"job\":{\"savepointTriggerNonce\":5}}}"),
                     200);
    wait_fd_containing("savepoint-example", "status.reconciliationStatus.lastReconciledSpec",
                       "\"savepointTriggerNonce\":5");
    json_t *fd = get_fd("savepoint-example");
    char first[300];
    snprintf(first, sizeof first, "%s",
             fo_json_get_str(fd, "status.jobStatus.savepointInfo.lastSavepoint.location"));
    json_decref(fd);
    ck_assert_int_eq(disposed_in_flink(first), 0);

    ck_assert_int_eq(merge_patch(FD_PATH "/savepoint-example",
                                 "{\"spec\":{\"job\":{\"savepointTriggerNonce\":6}}}"),
                     200);
    wait_fd_containing("savepoint-example", "status.reconciliationStatus.lastReconciledSpec",
                       "\"savepointTriggerNonce\":6");
    ck_assert_msg(wait_for(history_of_one, "savepoint-example", WAIT_MS),
                  "the first savepoint never left the history");
    fd = get_fd("savepoint-example");
    const char *second =
        fo_json_get_str(fd, "status.jobStatus.savepointInfo.lastSavepoint.location");
    json_t *h = history_of("savepoint-example");
    ck_assert_str_eq(fo_json_str(json_array_get(h, 0), "location"), second);
    json_decref(h);
    ck_assert_int_eq(disposed_in_flink(first), 1);
    ck_assert_int_eq(disposed_in_flink(second), 0);
    ck_assert_ptr_null(json_object_get(fo_json_get(fd, "status.clusterInfo"),
                                       "savepoint-disposal.location"));
    ck_assert_ptr_nonnull(fo_json_get_str(fd, "status.clusterInfo.flink-version"));

    /* the failed try was told */
    char path[400];
    snprintf(path, sizeof path,
             "/api/v1/namespaces/" NS "/events?fieldSelector=involvedObject.uid%%3D%s,"
             "reason%%3DSavepointError",
             fo_json_get_str(fd, "metadata.uid"));
    json_t *list = api_get(path);
    bool told = false;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(list, "items"), i, e)
    {
        const char *msg = fo_json_str(e, "message");
        told = told || (msg && strstr(msg, "Disposal of savepoint") && strstr(msg, first) &&
                        strstr(msg, "injected failure"));
    }
    ck_assert_msg(told, "no Warning SavepointError told the failed disposal");
    json_decref(list);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

/* A new checkpointTriggerNonce: Flink takes a checkpoint of the running job (POST
 * /jobs/:id/checkpoints, Flink 1.17+), which status records in checkpointInfo.lastCheckpoint
 * with its nonce; nothing is stopped or redeployed. */
START_TEST(a_checkpoint_trigger_nonce_takes_a_checkpoint_of_the_running_job)
{
    ctl c;
    ctl_start(&c, "manual-checkpoint");
    deploy_until_stable("controller-application-savepoint.yaml", "savepoint-example");
    json_t *fd = get_fd("savepoint-example");
    char job[40];
    snprintf(job, sizeof job, "%s", fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);
    json_t *jm = get_obj("apps/v1", "deployments", "savepoint-example");
    char jm_uid[64];
    snprintf(jm_uid, sizeof jm_uid, "%s", fo_json_get_str(jm, "metadata.uid"));
    json_decref(jm);
    ck_assert_int_eq(merge_patch(FD_PATH "/savepoint-example",
                                 "{\"spec\":{\"job\":{\"checkpointTriggerNonce\":6}}}"),
                     200);
    wait_fd("savepoint-example", "status.jobStatus.checkpointInfo.lastCheckpoint.triggerType",
            "MANUAL");
    wait_fd_containing("savepoint-example", "status.reconciliationStatus.lastReconciledSpec",
                       "\"checkpointTriggerNonce\":6");
    fd = get_fd("savepoint-example");
    int64_t nonce = 0;
    fo_json_get_int(fd, "status.jobStatus.checkpointInfo.lastCheckpoint.triggerNonce", &nonce);
    ck_assert_int_eq(nonce, 6);
    ck_assert_str_eq(
        fo_json_get_str(fd, "status.jobStatus.checkpointInfo.lastCheckpoint.formatType"), "FULL");
    ck_assert_ptr_null(fo_json_get_str(fd, "status.jobStatus.checkpointInfo.triggerId"));
    ck_assert_str_eq(fo_json_get_str(fd, "status.jobStatus.jobId"), job);
    /* Flink: one job, still running, with the one checkpoint it was asked for (the fixture
     * has no periodic checkpointing) and no savepoint. */
    json_t *view = fo_fake_flink_view(E.ff, NS, "savepoint-example");
    json_t *jobs = json_object_get(view, "jobs");
    ck_assert_uint_eq(json_array_size(jobs), 1);
    json_t *j = json_array_get(jobs, 0);
    ck_assert_str_eq(fo_json_str(j, "jobId"), job);
    ck_assert_str_eq(fo_json_str(j, "state"), "RUNNING");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "checkpoints")), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "savepoints")), 0);
    jm = get_obj("apps/v1", "deployments", "savepoint-example");
    ck_assert_str_eq(fo_json_get_str(jm, "metadata.uid"), jm_uid);
    json_decref(jm);
    json_decref(view);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

static bool has_checkpoint(const void *arg)
{
    json_t *view = fo_fake_flink_view(E.ff, NS, arg);
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    bool ok = json_array_size(json_object_get(job, "checkpoints")) > 0;
    json_decref(view);
    return ok;
}

/* The job now running in cluster `name` is not the one cancelled (arg: its id) and runs. */
typedef struct resumed_job {
    const char *name, *old_job;
} resumed_job;

static bool resumed(const void *arg)
{
    const resumed_job *r = arg;
    json_t *fd = get_fd(r->name);
    const char *jid = fo_json_get_str(fd, "status.jobStatus.jobId");
    const char *state = fo_json_get_str(fd, "status.jobStatus.state");
    bool ok = jid && strcmp(jid, r->old_job) != 0 && state && strcmp(state, "RUNNING") == 0;
    json_decref(fd);
    return ok;
}

/* kubernetes.operator.job.restart.failed: the fake Flink fails the job for good (no restart
 * strategy left); the controller restarts it from the last checkpoint the failed job kept
 * (RETAIN_ON_CANCELLATION keeps them on failure), and it comes back RUNNING, restored from it.
 * Before, the job stayed FAILED under its JobManager. */
START_TEST(a_failed_job_comes_back_running_from_its_checkpoint)
{
    ctl c;
    ctl_start(&c, "restart-failed");
    json_t *obj = fo_test_load_yaml("controller-application-savepoint.yaml");
    json_t *conf = fo_json_get(obj, "spec.flinkConfiguration");
    json_object_set_new(conf, "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    json_object_set_new(conf, "execution.checkpointing.interval", json_string("200 ms"));
    json_object_set_new(conf, "kubernetes.operator.job.restart.failed", json_string("true"));
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
    wait_fd("savepoint-example", "status.lifecycleState", "STABLE");
    ck_assert_msg(wait_for(has_checkpoint, "savepoint-example", WAIT_MS), "no checkpoint");
    json_t *fd = get_fd("savepoint-example");
    char jid[40], path[300];
    snprintf(jid, sizeof jid, "%s", fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);

    snprintf(path, sizeof path, "/_fake/clusters/" NS "/savepoint-example/jobs/%s/fail", jid);
    json_t *fail = json_pack("{s:b,s:s}", "restart", 0, "message", "boom");
    ck_assert_int_eq(fo_fake_flink_control(E.ff, "POST", path, fail, NULL), 200);
    json_decref(fail);

    resumed_job r = {.name = "savepoint-example", .old_job = jid};
    ck_assert_msg(wait_for(resumed, &r, WAIT_MS), "the failed job was not restarted");
    fd = get_fd("savepoint-example");
    const char *from = fo_json_get_str(fd, "status.jobStatus.upgradeSavepointPath");
    ck_assert_ptr_nonnull(from);
    char want[80];
    snprintf(want, sizeof want, "/%s/chk-", jid); /* a checkpoint of the failed job */
    ck_assert_msg(strstr(from, want), "restored from '%s', not a checkpoint of %s", from, jid);
    json_t *view = fo_fake_flink_view(E.ff, NS, "savepoint-example");
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_str(job, "state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"), from);
    json_decref(view);
    json_decref(fd);
    wait_fd("savepoint-example", "status.lifecycleState", "STABLE");
    ctl_stop(&c);
}
END_TEST

/* A job whose code keeps its checkpoints on cancel (RETAIN_ON_CANCELLATION) in a deployment
 * whose configuration says DELETE_ON_CANCELLATION, cancelled in the Flink UI: Flink keeps its
 * checkpoints and says so in GET /jobs/:id/checkpoints/config. The controller read only the
 * configuration, took the checkpoint for deleted and refused the resume ("Manual restore
 * required") with a good restore point in place; it now resumes the job from it, through the
 * real REST client and the fake's endpoint. */
START_TEST(a_job_cancelled_outside_is_resumed_by_the_retention_its_code_set)
{
    ctl c;
    ctl_start(&c, "retention");
    E.job_extra = json_pack("{s:s}", "checkpointRetention", "RETAIN_ON_CANCELLATION");
    json_t *obj = fo_test_load_yaml("controller-application-savepoint.yaml");
    json_t *conf = fo_json_get(obj, "spec.flinkConfiguration");
    json_object_set_new(conf, "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("DELETE_ON_CANCELLATION"));
    json_object_set_new(conf, "execution.checkpointing.interval", json_string("200 ms"));
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
    wait_fd("savepoint-example", "status.lifecycleState", "STABLE");
    ck_assert_msg(wait_for(has_checkpoint, "savepoint-example", WAIT_MS), "no checkpoint");
    json_t *fd = get_fd("savepoint-example");
    char jid[40], url[400];
    snprintf(jid, sizeof jid, "%s", fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);

    /* Cancelled in the Flink UI. */
    fo_fake_flink_cluster_url(E.ff, NS, "savepoint-example", url, sizeof url);
    snprintf(url + strlen(url), sizeof url - strlen(url), "/jobs/%s?mode=cancel", jid);
    fo_http_result res;
    fo_err err;
    ck_assert_int_eq(fo_http_client_request(E.http, "PATCH", url, NULL, 0, NULL, 0, 5000, &res,
                                            &err),
                     FO_OK);
    ck_assert_int_eq(res.status, 202);
    fo_http_result_release(&res);

    wait_fd_containing("savepoint-example", "status.jobStatus.upgradeSavepointPath", "/chk-");
    resumed_job r = {"savepoint-example", jid};
    ck_assert_msg(wait_for(resumed, &r, WAIT_MS), "the cancelled job was never resumed");
    fd = get_fd("savepoint-example");
    const char *path = fo_json_get_str(fd, "status.jobStatus.upgradeSavepointPath");
    json_t *view = fo_fake_flink_view(E.ff, NS, "savepoint-example");
    json_t *job = json_array_get(json_object_get(view, "jobs"), 0);
    ck_assert_str_eq(fo_json_str(job, "jobId"), fo_json_get_str(fd, "status.jobStatus.jobId"));
    ck_assert_str_eq(fo_json_get_str(job, "restoredFrom.path"), path);
    ck_assert_str_eq(fo_json_str(job, "state"), "RUNNING");
    json_decref(view);
    json_decref(fd);
    ctl_stop(&c);
}
END_TEST

static bool defaults_degraded(const void *arg)
{
    json_t *body = NULL;
    int st = health(arg, "/readyz", &body);
    bool degraded = st == 200 && json_is_true(json_object_get(body, "defaultsDegraded"));
    json_decref(body);
    return degraded;
}

START_TEST(cluster_defaults_apply_and_a_broken_file_keeps_the_last_good_one)
{
    char path[700];
    snprintf(path, sizeof path, "%s/defaults.yaml", E.dir);
    char *good = fo_test_read_data("admission-cluster-defaults.yaml", NULL);
    fo_test_write_file(path, good);
    free(good);
    ctl c;
    ctl_start_with(&c, "defaults", "--defaults", path);
    deploy_until_stable("controller-application.yaml", "basic-example");
    /* The admin's pod template is layered under the resource's (common/normalize). */
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    ck_assert_str_eq(fo_json_get_str(jm, "spec.template.metadata.labels.cost-center"), "42");
    ck_assert_str_eq(fo_json_get_str(jm, "spec.template.spec.priorityClassName"), "flink-standard");
    json_decref(jm);
    /* A broken file: reported, the last good defaults stay in use. */
    char *broken = fo_test_read_data("admission-cluster-defaults-broken.yaml", NULL);
    fo_test_write_file(path, broken);
    free(broken);
    ck_assert_msg(wait_for(defaults_degraded, &c, WAIT_MS), "broken defaults not reported");
    ck_assert_int_eq(merge_patch("/apis/apps/v1/namespaces/" NS "/deployments/basic-example",
                                 "{\"spec\":{\"replicas\":3}}"),
                     200);
    obj_state fixed = {"apps/v1", "deployments", "basic-example",
                       "spec.template.spec.priorityClassName", "flink-standard"};
    ck_assert(wait_for(obj_has, &fixed, WAIT_MS));
    ctl_stop(&c);
}
END_TEST

/* The controller has read the defaults file `loads` times (its start included). */
static bool defaults_loaded(const ctl *c, int loads)
{
    char url[200], want[80];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", c->health_port);
    snprintf(want, sizeof want, "flinkop_controller_defaults_reloads_total{result=\"success\"} %d",
             loads);
    fo_http_result res;
    fo_err err;
    bool ok = false;
    if (fo_http_client_request(E.http, "GET", url, NULL, 0, NULL, 0, 5000, &res, &err) == FO_OK) {
        ok = res.body.data && strstr(res.body.data, want);
        fo_http_result_release(&res);
    }
    return ok;
}

static bool second_load(const void *arg)
{
    return defaults_loaded(arg, 2);
}

static const char *resource_version(const char *gv, const char *resource, const char *name,
                                    char *buf, size_t len)
{
    json_t *o = get_obj(gv, resource, name);
    snprintf(buf, len, "%s", o ? fo_json_get_str(o, "metadata.resourceVersion") : "");
    json_decref(o);
    return buf;
}

static int64_t rest_port(void)
{
    json_t *svc = get_obj("v1", "services", "basic-example-rest");
    int64_t port = 0;
    fo_json_get_int(json_array_get(fo_json_get(svc, "spec.ports"), 0), "port", &port);
    json_decref(svc);
    return port;
}

/* An admin changes the cluster defaults' Flink configuration (Flink's pod options, a port):
 * the running cluster is not touched, by this controller or by one started after the change;
 * its next launch takes the new defaults. The JobManager Deployment was patched at once, its
 * pod rolled without the upgrade mode. */
START_TEST(a_changed_default_configuration_waits_for_the_next_launch)
{
    char path[700];
    snprintf(path, sizeof path, "%s/defaults.yaml", E.dir);
    fo_test_write_file(path, "flinkConfiguration:\n  kubernetes.jobmanager.labels: \"team:a\"\n");
    ctl c;
    ctl_start_with(&c, "launch-defaults", "--defaults", path);
    deploy_until_stable("controller-application.yaml", "basic-example");
    obj_state team_a = {"apps/v1", "deployments", "basic-example",
                        "spec.template.metadata.labels.team", "a"};
    ck_assert(obj_has(&team_a));
    char jm_rv[32], cm_rv[32], svc_rv[32], now[32];
    resource_version("apps/v1", "deployments", "basic-example", jm_rv, sizeof jm_rv);
    resource_version("v1", "configmaps", "flink-config-basic-example", cm_rv, sizeof cm_rv);
    resource_version("v1", "services", "basic-example-rest", svc_rv, sizeof svc_rv);

    fo_test_write_file(path, "flinkConfiguration:\n"
                             "  kubernetes.jobmanager.labels: \"team:x\"\n"
                             "  kubernetes.jobmanager.tolerations: "
                             "\"key:k,operator:Exists,effect:NoSchedule\"\n"
                             "  rest.port: \"8082\"\n");
    ck_assert_msg(wait_for(second_load, &c, WAIT_MS), "the changed defaults were never loaded");
    fo_test_sleep_ms(3000); /* three observe intervals */
    ck_assert_str_eq(resource_version("apps/v1", "deployments", "basic-example", now, sizeof now),
                     jm_rv);
    ck_assert_str_eq(
        resource_version("v1", "configmaps", "flink-config-basic-example", now, sizeof now), cm_rv);
    ck_assert_str_eq(resource_version("v1", "services", "basic-example-rest", now, sizeof now),
                     svc_rv);
    ctl_stop(&c);

    /* A controller started with the new defaults reads the launch's from the ConfigMap. */
    ctl_start_with(&c, "launch-defaults-2", "--defaults", path);
    ck_assert_msg(wait_for(leads, &c, WAIT_MS), "the restarted controller never led");
    fo_test_sleep_ms(3000);
    ck_assert_str_eq(resource_version("apps/v1", "deployments", "basic-example", now, sizeof now),
                     jm_rv);
    ck_assert_int_eq(rest_port(), 8081);
    wait_fd("basic-example", "status.lifecycleState", "STABLE");

    /* The next launch takes them. */
    ck_assert_int_eq(
        merge_patch(FD_PATH "/basic-example", "{\"spec\":{\"image\":\"flink:1.20.1\"}}"), 200);
    ck_assert_msg(wait_for(image_is, "flink:1.20.1", WAIT_MS), "new JobManager never deployed");
    wait_fd("basic-example", "status.lifecycleState", "STABLE");
    obj_state team_x = {"apps/v1", "deployments", "basic-example",
                        "spec.template.metadata.labels.team", "x"};
    ck_assert(obj_has(&team_x));
    json_t *jm = get_obj("apps/v1", "deployments", "basic-example");
    json_t *tol = json_array_get(fo_json_get(jm, "spec.template.spec.tolerations"), 0);
    ck_assert_str_eq(fo_json_str(tol, "key"), "k");
    json_decref(jm);
    ck_assert_int_eq(rest_port(), 8082);
    ctl_stop(&c);
}
END_TEST

START_TEST(two_controllers_elect_one_leader_and_the_other_takes_over)
{
    ctl a, b;
    ctl_start(&a, "a");
    ck_assert_msg(wait_for(leads, &a, WAIT_MS), "first controller never led");
    ctl_start(&b, "b");
    /* b is ready (caches warm) but does not lead while a renews. */
    json_t *body = NULL;
    for (int i = 0; i < 50 && health(&b, "/readyz", &body) != 200; i++) {
        json_decref(body);
        body = NULL;
        fo_test_sleep_ms(100);
    }
    ck_assert_ptr_nonnull(body);
    ck_assert(json_is_false(json_object_get(body, "leader")));
    json_decref(body);
    ck_assert(leads(&a));
    /* a dies without releasing the Lease: b takes over once it expires. */
    kill(a.pid, SIGKILL);
    waitpid(a.pid, NULL, 0);
    a.pid = 0;
    ck_assert_msg(wait_for(leads, &b, WAIT_MS), "second controller never took over");
    deploy_until_stable("controller-application.yaml", "basic-example");
    ctl_stop(&b);
}
END_TEST

/* ---- Events across a restart ---------------------------------------------------------------- */

typedef struct ev_count {
    const char *uid;  /* the FlinkDeployment's */
    const char *text; /* a part of the message */
    int64_t count;    /* wanted: one such Event, counted this many times */
} ev_count;

/* The ValidationError Events about uid whose message holds text: how many, and the count of
 * the last one. */
static size_t validation_events(const char *uid, const char *text, int64_t *count)
{
    char path[400];
    snprintf(path, sizeof path,
             "/api/v1/namespaces/" NS "/events?fieldSelector=involvedObject.uid%%3D%s,"
             "reason%%3DValidationError",
             uid);
    json_t *list = api_get(path);
    size_t n = 0, i;
    json_t *e;
    *count = 0;
    json_array_foreach(json_object_get(list, "items"), i, e)
    {
        const char *msg = fo_json_str(e, "message");
        if (!msg || !strstr(msg, text))
            continue;
        n++;
        fo_json_get_int(e, "count", count);
    }
    json_decref(list);
    return n;
}

static bool counted(const void *arg)
{
    const ev_count *w = arg;
    int64_t count;
    return validation_events(w->uid, w->text, &count) == 1 && count == w->count;
}

static void wait_counted(const char *uid, const char *text, int64_t want)
{
    ev_count w = {uid, text, want};
    if (!wait_for(counted, &w, WAIT_MS)) {
        int64_t count;
        size_t n = validation_events(uid, text, &count);
        ck_abort_msg("ValidationError \"%s\": %zu Event(s), the last counted %lld, not one "
                     "counted %lld",
                     text, n, (long long)count, (long long)want);
    }
}

/* Flip the spec between two errors: the one it has now and the other, and back. */
static void error_to(const char *key, const char *other)
{
    char patch[300];
    snprintf(patch, sizeof patch, "{\"spec\":{\"flinkConfiguration\":{\"%s\":\"x\",\"%s\":null}}}",
             key, other);
    ck_assert_int_eq(merge_patch(FD_PATH "/basic-example", patch), 200);
    wait_fd_containing("basic-example", "status.error", key);
}

/* A repeat counts into the Event an earlier controller process wrote, as in the Apache
 * operator: the Event's name comes from what it tells, and the new process reads it back. A
 * spec invalid in two ways in turn (A, B, A) tells A's ValidationError twice; after a restart
 * (B, A) the third time is counted into the same Event, and B's second into B's. */
START_TEST(repeats_of_an_event_are_counted_into_one_across_a_restart)
{
    const char *a = "kubernetes.namespace", *b = "kubernetes.cluster-id";
    ctl c;
    ctl_start(&c, "events-1");
    json_t *obj = fo_test_load_yaml("controller-application.yaml");
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"), a, json_string("x"));
    ck_assert_int_eq(api("POST", FD_PATH, NULL, obj, NULL), 201);
    json_decref(obj);
    wait_fd_containing("basic-example", "status.error", a);
    json_t *fd = get_fd("basic-example");
    char uid[64];
    snprintf(uid, sizeof uid, "%s", fo_json_get_str(fd, "metadata.uid"));
    json_decref(fd);
    wait_counted(uid, a, 1);
    error_to(b, a);
    error_to(a, b);
    wait_counted(uid, a, 2);
    wait_counted(uid, b, 1);
    ctl_stop(&c);

    ctl_start(&c, "events-2");
    error_to(b, a);
    error_to(a, b);
    wait_counted(uid, a, 3);
    wait_counted(uid, b, 2);
    ctl_stop(&c);
}
END_TEST

/* Has the process ended? Its exit status into *status. */
static bool exited(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == pid;
}

/* Every Flink answer of basic-example takes 4 s from now on, its job fails meanwhile, and the
 * Lease can no longer be renewed (every PUT of it answers 500). */
static void fail_job_behind_slow_flink_and_lease(void)
{
    json_t *fd = get_fd("basic-example");
    char fail_path[300];
    snprintf(fail_path, sizeof fail_path, "/_fake/clusters/" NS "/basic-example/jobs/%s/fail",
             fo_json_get_str(fd, "status.jobStatus.jobId"));
    json_decref(fd);
    json_t *faults = json_pack("{s:i}", "delayMs", 4000);
    ck_assert_int_eq(fo_fake_flink_control(
                         E.ff, "POST", "/_fake/clusters/" NS "/basic-example/faults", faults, NULL),
                     200);
    json_decref(faults);
    json_t *fail = json_pack("{s:b,s:s}", "restart", 0, "message", "boom");
    ck_assert_int_eq(fo_fake_flink_control(E.ff, "POST", fail_path, fail, NULL), 200);
    json_decref(fail);
    json_t *rule = json_pack("{s:i,s:i,s:s,s:s}", "count", -1, "code", 500, "method", "PUT",
                             "pathPrefix", "/apis/coordination.k8s.io/");
    ck_assert_int_eq(api("POST", "/fake/faults", NULL, rule, NULL), 200);
    json_decref(rule);
}

START_TEST(a_controller_that_lost_its_lease_writes_nothing_more)
{
    ctl a;
    ctl_start(&a, "lost");
    deploy_until_stable("controller-application.yaml", "basic-example");
    ck_assert(leads(&a));
    /* No pass can see the job fail before the 2 s renew deadline has passed, since the Lease
     * cannot be renewed any more. */
    fail_job_behind_slow_flink_and_lease();
    int st = 0;
    bool ended = false;
    for (int waited = 0; waited < WAIT_MS && !(ended = exited(a.pid, &st)); waited += 100)
        fo_test_sleep_ms(100);
    ck_assert_msg(ended, "the controller kept running without its Lease; see %s", a.log);
    a.pid = 0;
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    /* A replica that lost the Lease is no longer the one that acts (another one may lead by
     * now): what its passes in flight saw after the loss is never written. */
    fo_test_sleep_ms(5000);
    json_t *fd = get_fd("basic-example");
    const char *state = fo_json_get_str(fd, "status.jobStatus.state");
    ck_assert_msg(state && strcmp(state, "FAILED") != 0,
                  "the controller wrote job state %s after it lost the Lease; see %s",
                  state ? state : "(none)", a.log);
    json_decref(fd);
    api("DELETE", "/fake/faults", NULL, NULL, NULL);
}
END_TEST

START_TEST(a_lease_lost_while_stopping_ends_the_passes_in_flight_too)
{
    ctl a;
    ctl_start(&a, "lost-stopping");
    deploy_until_stable("controller-application.yaml", "basic-example");
    ck_assert(leads(&a));
    /* A pass sees the job fail 4 s from now at best... */
    fail_job_behind_slow_flink_and_lease();
    /* ... and a SIGTERM once a pass waits on Flink (the observe interval is 1 s) lets it
     * finish, while the Lease runs out (renew deadline 2 s). */
    fo_test_sleep_ms(1300);
    ck_assert_int_eq(kill(a.pid, SIGTERM), 0);
    int st = 0;
    bool ended = false;
    for (int waited = 0; waited < WAIT_MS && !(ended = exited(a.pid, &st)); waited += 100)
        fo_test_sleep_ms(100);
    ck_assert_msg(ended, "the controller did not stop; see %s", a.log);
    a.pid = 0;
    fo_test_sleep_ms(5000);
    json_t *fd = get_fd("basic-example");
    const char *state = fo_json_get_str(fd, "status.jobStatus.state");
    ck_assert_msg(state && strcmp(state, "FAILED") != 0,
                  "a pass wrote job state %s after the Lease was lost during shutdown; see %s",
                  state ? state : "(none)", a.log);
    json_decref(fd);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit status %d; see %s", st, a.log);
    api("DELETE", "/fake/faults", NULL, NULL, NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller");
    TCase *tc = tcase_create("process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, application_reaches_stable_and_owns_its_objects);
    tcase_add_test(tc, drift_in_owned_objects_is_repaired);
    tcase_add_test(tc, invalid_spec_lands_in_status_without_touching_the_cluster);
    tcase_add_test(tc, deletion_completes_when_flink_is_unreachable);
    tcase_add_test(tc, a_cluster_on_another_rest_port_is_reached_at_it);
    tcase_add_test(tc, stateless_upgrade_runs_a_new_job_with_the_new_spec);
    tcase_add_test(tc, silent_jobmanagers_do_not_starve_a_healthy_resource);
    tcase_add_test(tc, savepoint_upgrade_restores_the_new_job_from_the_savepoint);
    tcase_add_test(tc, a_savepoint_trigger_nonce_takes_a_savepoint_of_the_running_job);
    tcase_add_test(tc, a_savepoint_leaving_the_history_is_disposed_of_in_flink);
    tcase_add_test(tc, a_checkpoint_trigger_nonce_takes_a_checkpoint_of_the_running_job);
    tcase_add_test(tc, a_job_cancelled_outside_is_resumed_by_the_retention_its_code_set);
    tcase_add_test(tc, a_failed_job_comes_back_running_from_its_checkpoint);
    tcase_add_test(tc, cluster_defaults_apply_and_a_broken_file_keeps_the_last_good_one);
    tcase_add_test(tc, a_changed_default_configuration_waits_for_the_next_launch);
    tcase_add_test(tc, two_controllers_elect_one_leader_and_the_other_takes_over);
    tcase_add_test(tc, repeats_of_an_event_are_counted_into_one_across_a_restart);
    tcase_add_test(tc, a_controller_that_lost_its_lease_writes_nothing_more);
    tcase_add_test(tc, a_lease_lost_while_stopping_ends_the_passes_in_flight_too);
    suite_add_tcase(s, tc);
    TCase *live = tcase_create("liveness");
    tcase_add_checked_fixture(live, setup_quick_bookmarks, teardown);
    tcase_set_timeout(live, 300);
    tcase_add_test(live, stalled_watches_are_opened_again_and_the_controller_goes_on);
    suite_add_tcase(s, live);
    TCase *probes = tcase_create("health");
    tcase_add_checked_fixture(probes, setup, teardown);
    tcase_set_timeout(probes, 300);
    tcase_add_test(probes, healthz_fails_when_no_pass_sees_a_canarys_change_within_its_timeout);
    tcase_add_test(probes, the_health_server_answers_another_method_405_with_allow);
    tcase_add_test(probes, a_canary_whose_change_is_refused_leaves_healthz_ok_and_says_why);
    tcase_add_test(probes, a_canary_too_heavy_to_cache_is_not_exercised_and_healthz_says_why);
    suite_add_tcase(s, probes);
    TCase *nocrd = tcase_create("without the FlinkDeployment CRD");
    tcase_add_checked_fixture(nocrd, setup_without_fd_crd, teardown);
    tcase_set_timeout(nocrd, 300);
    tcase_add_test(nocrd, readyz_names_the_informer_that_cannot_sync_and_why);
    suite_add_tcase(s, nocrd);
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
