/* flinkop-webhook with API access: it watches FlinkDeployments (through a kubeconfig pointing
 * at the fake API server, embedded here) so session-job validation sees the target cluster
 * (reference b.4: a job for an application cluster is refused; an unknown cluster is
 * admitted). The webhook runs with --plain-http: TLS is covered by test_webhook. */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    fo_strbuf_append(ud, p, size * n);
    return size * n;
}

/* POST a session-job AdmissionReview to /validate; returns response.allowed and the message. */
static bool validate_job(int port, const json_t *job, char *msg, size_t cap)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:O, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid",
        "d1e2f3a4-0000-4000-8000-000000000001", "kind", "group", "flink.apache.org", "version",
        "v1beta1", "kind", "FlinkSessionJob", "resource", "group", "flink.apache.org", "version",
        "v1beta1", "resource", "flinksessionjobs", "name",
        fo_json_get_str(job, "metadata.name"), "namespace", "flink-jobs", "operation", "CREATE",
        "object", job, "dryRun", 0);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/validate?timeout=10s", port);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    ck_assert_int_eq(status, 200);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(text);
    json_t *out = json_loads(body.data, 0, NULL);
    ck_assert_ptr_nonnull(out);
    bool allowed = json_is_true(fo_json_get(out, "response.allowed"));
    const char *m = fo_json_get_str(out, "response.status.message");
    snprintf(msg, cap, "%s", m ? m : "");
    json_decref(out);
    fo_strbuf_release(&body);
    return allowed;
}

static void call_ok(fo_fake_apiserver *fa, const char *path, const json_t *obj)
{
    json_t *out = NULL;
    int st = fo_fake_apiserver_call(fa, "POST", path, NULL, obj, &out, NULL);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    ck_assert_msg(st == 201 || st == 200, "POST %s: %d %s", path, st, text ? text : "");
    free(text);
    json_decref(out);
}

static void install_crd(fo_fake_apiserver *fa)
{
    const char *src = getenv("FO_SRC_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/crds/flinkdeployments.flink.apache.org.yaml",
             src && *src ? src : ".");
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    ck_assert_int_gt(n, 0);
    fo_err err;
    fo_err_clear(&err);
    json_t *crd = fo_yaml_parse(text, (size_t)n, 0, &err);
    ck_assert_msg(crd != NULL, "%s", err.message);
    call_ok(fa, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    json_decref(crd);
    free(text);
}

/* The fake API server with the FlinkDeployment CRD, the namespace flink-jobs and, in it, an
 * application cluster (it has a job) named like the session job's target. */
static fo_fake_apiserver *start_cluster_world(void)
{
    fo_err err;
    fo_err_clear(&err);
    fo_fake_apiserver_opts fo = {.port = 0};
    fo_fake_apiserver *fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(fa != NULL, "fake apiserver: %s", err.message);
    install_crd(fa);
    json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                           "metadata", "name", "flink-jobs");
    call_ok(fa, "/api/v1/namespaces", ns);
    json_decref(ns);
    json_t *app = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_object_set_new(json_object_get(app, "metadata"), "name",
                        json_string("session-cluster"));
    call_ok(fa, "/apis/flink.apache.org/v1beta1/namespaces/flink-jobs/flinkdeployments", app);
    json_decref(app);
    return fa;
}

/* flinkop-webhook over plain HTTP on a free port (*port) with a kubeconfig for fa, written
 * in dir, and the extra arguments (NULL-terminated, at most 4); its log in dir. */
static pid_t start_webhook(fo_fake_apiserver *fa, const char *dir, const char *const *extra,
                           int *port)
{
    char kubeconfig[600], log[600], text[1024];
    snprintf(kubeconfig, sizeof kubeconfig, "%s/kubeconfig", dir);
    snprintf(log, sizeof log, "%s/webhook.log", dir);
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n"
             "    server: http://127.0.0.1:%d\nusers:\n- name: tester\n  user: {}\n"
             "contexts:\n- name: fake\n  context: {cluster: fake, user: tester}\n"
             "current-context: fake\n",
             fo_fake_apiserver_port(fa));
    fo_test_write_file(kubeconfig, text);
    *port = fo_test_free_port();
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", *port);
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *argv[14] = {bin,         "--plain-http", "--port",     portstr, "--bind-address",
                      "127.0.0.1", "--kubeconfig", kubeconfig};
    size_t n = 8;
    for (size_t i = 0; extra && extra[i] && n + 1 < sizeof argv / sizeof argv[0]; i++)
        argv[n++] = (char *)extra[i];
    pid_t pid = fo_test_spawn(argv, log);
    free(bin);
    ck_assert(fo_test_wait_port(*port, 30000));
    return pid;
}

/* The session job of the fixture, with an address literal for its jar (TEST-NET-3, RFC 5737:
 * public, not restricted), which keeps DNS, which this sandbox may not have, out of the
 * verdict. */
static json_t *session_job(void)
{
    json_t *job = fo_test_load_yaml("admission-flinksessionjob-basic.yaml");
    json_object_set_new(json_object_get(job, "spec"), "job",
                        json_pack("{s:s, s:i, s:s}", "jarURI",
                                  "https://203.0.113.10/jobs/state-machine.jar", "parallelism", 2,
                                  "upgradeMode", "stateless"));
    return job;
}

/* GET path from the webhook; the body (caller frees). */
static char *get_text(int port, const char *path)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    fo_strbuf_append(&out, "", 0);
    return fo_strbuf_take(&out);
}

/* Stop a webhook started by start_webhook: SIGTERM, and it exits 0. */
static void stop_webhook(pid_t pid)
{
    int status = fo_test_stop(pid, SIGTERM, 20000);
    ck_assert(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(session_job_checks_see_the_target_cluster_through_the_watch)
{
    fo_fake_apiserver *fa = start_cluster_world();
    json_t *app = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    /* a session cluster (no job) whose Flink configuration gives the checkpoint and savepoint
     * directories a savepoint-mode job needs (the checks layer the cluster's configuration
     * under the job's, so the webhook's cache must keep it) */
    json_object_set_new(json_object_get(app, "metadata"), "name", json_string("with-dirs"));
    json_t *spec = json_object_get(app, "spec");
    json_object_del(spec, "job");
    json_object_set_new(
        spec, "flinkConfiguration",
        json_pack("{s:s, s:s}", "execution.checkpointing.dir", "s3://bucket/checkpoints",
                  "execution.checkpointing.savepoint-dir", "s3://bucket/savepoints"));
    call_ok(fa, "/apis/flink.apache.org/v1beta1/namespaces/flink-jobs/flinkdeployments", app);
    /* a session cluster too heavy to keep (30,000 configuration keys, where the bound is
     * 50,000 values): cached as a stub, looked up as unknown, so its jobs are not judged by
     * a configuration the webhook does not hold */
    json_object_set_new(json_object_get(app, "metadata"), "name", json_string("heavy"));
    json_t *conf = json_object();
    for (int i = 0; i < 30000; i++) {
        char key[32];
        snprintf(key, sizeof key, "custom.key-%d", i);
        json_object_set_new(conf, key, json_string(""));
    }
    json_object_set_new(spec, "flinkConfiguration", conf);
    call_ok(fa, "/apis/flink.apache.org/v1beta1/namespaces/flink-jobs/flinkdeployments", app);
    json_decref(app);

    char *dir = fo_test_mkdtemp();
    int port = 0;
    pid_t pid = start_webhook(fa, dir, NULL, &port);
    json_t *job = session_job();
    char msg[1024] = "";
    /* the watch fills the cache shortly after start; until then the cluster is unknown */
    bool denied = false;
    for (int i = 0; i < 300 && !denied; i++) {
        denied = !validate_job(port, job, msg, sizeof msg);
        if (!denied)
            fo_test_sleep_ms(100);
    }
    ck_assert_msg(denied, "the session job for an application cluster was admitted");
    ck_assert_ptr_nonnull(strstr(msg, "FlinkSessionJob \"basic-session-job\" is invalid"));
    /* reference b.4 item 5: "Can not submit session job to application cluster" */
    ck_assert_msg(strstr(msg, "application cluster") != NULL, "unexpected reason: %s", msg);

    /* a savepoint-mode job: the directories come from its cluster's configuration */
    json_object_set_new(json_object_get(job, "spec"), "deploymentName", json_string("with-dirs"));
    json_object_set_new(json_object_get(json_object_get(job, "spec"), "job"), "upgradeMode",
                        json_string("savepoint"));
    ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);
    json_object_set_new(json_object_get(job, "spec"), "deploymentName",
                        json_string("session-cluster"));
    ck_assert(!validate_job(port, job, msg, sizeof msg)); /* no directories there */
    ck_assert_msg(strstr(msg, "execution.checkpointing.savepoint-dir") != NULL, "%s", msg);
    json_object_set_new(json_object_get(job, "spec"), "deploymentName", json_string("heavy"));
    ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);
    json_object_set_new(json_object_get(json_object_get(job, "spec"), "job"), "upgradeMode",
                        json_string("stateless"));

    /* a cluster that does not exist (yet) is no reason to refuse */
    json_object_set_new(json_object_get(job, "spec"), "deploymentName",
                        json_string("not-created-yet"));
    ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);

    /* the watch keeps the three deployments (one as a stub), which /metrics shows */
    char *metrics = get_text(port, "/metrics");
    ck_assert_msg(strstr(metrics, "\nflinkop_webhook_cached_flinkdeployments 3\n") != NULL, "%s",
                  metrics);
    free(metrics);

    stop_webhook(pid);
    json_decref(job);
    fo_test_rmdir(dir);
    free(dir);
    fo_fake_apiserver_stop(fa);
}
END_TEST

static const char *lookup_state(int port, char *buf, size_t cap)
{
    char *text = get_text(port, "/readyz");
    json_t *doc = json_loads(text, 0, NULL);
    const char *st = fo_json_get_str(doc, "clusterLookup.state");
    snprintf(buf, cap, "%s", st ? st : "(none)");
    json_decref(doc);
    free(text);
    return buf;
}

/* /readyz's clusterLookup.reason, "" when absent. */
static const char *lookup_reason(int port, char *buf, size_t cap)
{
    char *text = get_text(port, "/readyz");
    json_t *doc = json_loads(text, 0, NULL);
    ck_assert_msg(doc != NULL, "/readyz is no JSON: %s", text);
    const char *why = fo_json_get_str(doc, "clusterLookup.reason");
    snprintf(buf, cap, "%s", why ? why : "");
    json_decref(doc);
    free(text);
    return buf;
}

static void fault(fo_fake_apiserver *fa, const char *method, const char *body)
{
    json_t *b = body ? json_loads(body, 0, NULL) : NULL;
    int st = fo_fake_apiserver_call(fa, method, "/fake/faults", NULL, b, NULL, NULL);
    ck_assert_int_lt(st, 300);
    json_decref(b);
}

/* Poll a session-job verdict until it is want (30 s at most). */
static bool wait_verdict(int port, const json_t *job, bool want)
{
    char msg[1024];
    for (int i = 0; i < 300; i++) {
        if (validate_job(port, job, msg, sizeof msg) == want)
            return true;
        fo_test_sleep_ms(100);
    }
    return false;
}

/* Without access to FlinkDeployments (RBAC refuses them), the checks of the watch's first
 * 2 s wait for it, later ones are skipped at once (each waiting 2 s, a few concurrent
 * checks passed the API server's 5 s). A watch that loses the API server after it synced is
 * not trusted past --cluster-cache-stale-after: its clusters read as unknown (the job is
 * admitted) until it is back. /readyz says which, and stays ready throughout. */
START_TEST(session_job_checks_never_wait_on_or_trust_a_failing_watch)
{
    fo_fake_apiserver *fa = start_cluster_world();
    const char *refuse = "{\"count\":-1,\"code\":403,\"method\":\"GET\","
                         "\"pathPrefix\":\"/apis/flink.apache.org/\"}";
    fault(fa, "POST", refuse);

    char *dir = fo_test_mkdtemp();
    int port = 0;
    const char *const stale_after[] = {"--cluster-cache-stale-after", "2s", NULL};
    pid_t pid = start_webhook(fa, dir, stale_after, &port);
    char st[64];
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "idle");

    json_t *job = session_job();
    char msg[1024];
    /* the first check starts the watch and waits for it (refused: the cluster is unknown) */
    ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);
    fo_test_sleep_ms(2100);
    /* past the first 2 s: ten checks in a row, where each used to wait 2 s */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(took < 10.0, "ten checks took %.1f s: they waited for the watch", took);
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "syncing");
    /* and why, as the log said it: the list the API server refused (with the fake's
     * message) */
    char why[512];
    lookup_reason(port, why, sizeof why);
    ck_assert_msg(strstr(why, "list flinkdeployments") && strstr(why, "injected fault"),
                  "reason: '%s'", why);

    /* access granted: the watch syncs, the application cluster refuses the job */
    fault(fa, "DELETE", NULL);
    ck_assert(wait_verdict(port, job, false));
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "synced");
    ck_assert_str_eq(lookup_reason(port, why, sizeof why), "");
    /* access lost again: the cache is not trusted after 2 s, the job is admitted */
    fault(fa, "POST", refuse);
    int drop = fo_fake_apiserver_call(fa, "POST", "/fake/drop-watches", NULL, NULL, NULL, NULL);
    ck_assert_int_lt(drop, 300);
    ck_assert(wait_verdict(port, job, true));
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "stale");
    char *metrics = get_text(port, "/metrics");
    ck_assert_msg(strstr(metrics, "flinkop_webhook_cluster_lookup_state{state=\"stale\"} 1\n"),
                  "%s", metrics);
    free(metrics);
    char *readyz = get_text(port, "/readyz");
    ck_assert_msg(strstr(readyz, "\"status\":\"ready\""), "%s", readyz);
    free(readyz);
    ck_assert_msg(lookup_reason(port, why, sizeof why)[0], "stale without a reason");
    /* and back */
    fault(fa, "DELETE", NULL);
    ck_assert(wait_verdict(port, job, false));
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "synced");

    stop_webhook(pid);
    json_decref(job);
    fo_test_rmdir(dir);
    free(dir);
    fo_fake_apiserver_stop(fa);
}
END_TEST

/* With --namespaces (RBAC granted per namespace), the checks watch only those namespaces: a
 * target cluster elsewhere is unknown (admitted) and no watch starts for it; in a watched
 * namespace the cluster is seen. */
START_TEST(session_job_checks_watch_only_the_namespaces_given)
{
    fo_fake_apiserver *fa = start_cluster_world();
    json_t *job = session_job();
    char *dir = fo_test_mkdtemp(), msg[1024], st[64];
    int port = 0;
    const char *const elsewhere[] = {"--namespaces=team-a, team-b", NULL};
    pid_t pid = start_webhook(fa, dir, elsewhere, &port);
    ck_assert_msg(validate_job(port, job, msg, sizeof msg), "refused: %s", msg);
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "idle");
    stop_webhook(pid);

    const char *const here[] = {"--namespaces=team-a,flink-jobs", NULL};
    pid = start_webhook(fa, dir, here, &port);
    ck_assert(wait_verdict(port, job, false)); /* the application cluster refuses it */
    ck_assert_str_eq(lookup_state(port, st, sizeof st), "synced");
    stop_webhook(pid);

    /* a watch that fails in one namespace (no RoleBinding there) does not switch the checks
     * off in the others, also once it is past the stale time */
    fault(fa, "POST",
          "{\"count\":-1,\"code\":403,\"method\":\"GET\","
          "\"pathPrefix\":\"/apis/flink.apache.org/v1beta1/namespaces/team-b/\"}");
    const char *const one_failing[] = {"--namespaces=flink-jobs,team-b",
                                       "--cluster-cache-stale-after", "1s", NULL};
    pid = start_webhook(fa, dir, one_failing, &port);
    ck_assert(!validate_job(port, job, msg, sizeof msg)); /* seen at once (the first 2 s) */
    fo_test_sleep_ms(3000);
    ck_assert(!validate_job(port, job, msg, sizeof msg)); /* and still: flink-jobs is fine */
    stop_webhook(pid);
    fault(fa, "DELETE", NULL);
    json_decref(job);
    fo_test_rmdir(dir);
    free(dir);
    fo_fake_apiserver_stop(fa);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("webhook_cluster");
    TCase *tc = tcase_create("webhook_cluster");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, session_job_checks_see_the_target_cluster_through_the_watch);
    tcase_add_test(tc, session_job_checks_never_wait_on_or_trust_a_failing_watch);
    tcase_add_test(tc, session_job_checks_watch_only_the_namespaces_given);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
