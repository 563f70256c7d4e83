/* flinkop-webhook's life as a real process ($FO_BIN_DIR/flinkop-webhook, HTTPS with a test
 * CA): certificate rotation and defaults reload through Kubernetes-style `..data` symlink
 * swaps, the bound on bodies held at once (429), SIGTERM with a request in flight, the
 * shutdown delay, and bad flags and files at start. Waiting on the process uses generous
 * deadlines; nothing asserts on time. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "tests/support/webhookproc.h"
#include "webhook/admission.h"
#include "webhook/review_json.h"

/* ---- tests ---- */

static bool eventually(bool (*fn)(fo_test_webhook *), fo_test_webhook *w)
{
    for (int i = 0; i < 200; i++) {
        if (fn(w))
            return true;
        fo_test_sleep_ms(100);
    }
    return false;
}

static const char *g_ca2;
static bool serves_ca2(fo_test_webhook *w)
{
    return fo_test_webhook_get(w, "/healthz", g_ca2, NULL) == 200;
}

START_TEST(a_rotated_certificate_is_served_and_a_bad_one_refused)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    fo_testcerts *ca2 = fo_testcerts_new();
    g_ca2 = ca2->ca_cert;
    char *crt2, *key2, *crt3, *key3;
    fo_testcerts_issue(ca2, "rotated", NULL, &crt2, &key2);
    fo_testcerts_issue(ca2, "other", NULL, &crt3, &key3);
    /* not trusted yet */
    ck_assert_int_eq(fo_test_webhook_get(&w, "/healthz", ca2->ca_cert, NULL), 0);

    /* a mismatched pair: refused, the old certificate keeps serving */
    fo_test_webhook_publish_tls(&w, crt2, key3);
    for (int i = 0; i < 200 && !fo_test_webhook_log_has(&w, "tls certificate change refused", NULL);
         i++)
        fo_test_sleep_ms(100);
    ck_assert(fo_test_webhook_log_has(&w, "tls certificate change refused", "does not belong"));
    ck_assert_int_eq(fo_test_webhook_get(&w, "/healthz", w.ca->ca_cert, NULL), 200);

    /* the good pair: picked up while serving */
    fo_test_webhook_publish_tls(&w, crt2, key2);
    ck_assert(eventually(serves_ca2, &w));
    ck_assert_int_eq(fo_test_webhook_get(&w, "/healthz", w.ca->ca_cert, NULL), 0);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    fo_test_webhook_get(&w, "/metrics", ca2->ca_cert, &body);
    ck_assert_ptr_nonnull(
        strstr(body.data, "flinkop_webhook_tls_reloads_total{result=\"failure\"} 1"));
    ck_assert_ptr_nonnull(
        strstr(body.data, "flinkop_webhook_tls_reloads_total{result=\"success\"} 1"));
    fo_strbuf_release(&body);
    free(crt2);
    free(key2);
    free(crt3);
    free(key3);
    fo_testcerts_free(ca2);
    fo_test_webhook_stop(&w);
}
END_TEST

static json_t *readyz(fo_test_webhook *w)
{
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    long st = fo_test_webhook_get(w, "/readyz", w->ca->ca_cert, &body);
    ck_assert_int_eq(st, 200);
    json_t *j = json_loads(body.data, 0, NULL);
    fo_strbuf_release(&body);
    ck_assert_ptr_nonnull(j);
    return j;
}

static bool is_degraded(fo_test_webhook *w)
{
    json_t *j = readyz(w);
    bool d = json_is_true(json_object_get(j, "degraded"));
    json_decref(j);
    return d;
}

static bool is_healthy(fo_test_webhook *w)
{
    return !is_degraded(w);
}

/* The cost-center label /mutate puts on the JobManager template now. */
static char *mutated_cost_center(fo_test_webhook *w)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = fo_test_review("99999999-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(w, "/mutate", doc, &r);
    json_t *m = fo_test_apply_patch(resp, obj);
    const char *v =
        fo_json_str(fo_json_get(m, "spec.jobManager.podTemplate.metadata.labels"), "cost-center");
    char *out = strdup(v ? v : "");
    json_decref(m);
    fo_test_webhook_reply_release(&r);
    json_decref(doc);
    json_decref(obj);
    return out;
}

static bool cost_center_is_7(fo_test_webhook *w)
{
    char *v = mutated_cost_center(w);
    bool ok = strcmp(v, "7") == 0;
    free(v);
    return ok;
}

static bool names_the_unknown_field(fo_test_webhook *w)
{
    json_t *j = readyz(w);
    const char *err = fo_json_get_str(j, "defaults.error");
    bool named = err && strstr(err, "podTemplate.spec.schedulerNameTypo: unknown field");
    json_decref(j);
    return named;
}

START_TEST(the_defaults_file_is_reloaded_and_a_broken_one_keeps_the_last_good)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "42");
    free(v);

    /* a new good version */
    char *path = fo_test_data_path("admission-cluster-defaults.yaml");
    char *text = fo_test_read_text(path);
    free(path);
    char *seven = strdup(text);
    char *p = strstr(seven, "\"42\"");
    memcpy(p, "\"7\" ", 4);
    char tmpfile[600];
    snprintf(tmpfile, sizeof tmpfile, "%s/defaults-7.yaml", w.dir);
    fo_test_write_file(tmpfile, seven);
    const char *names[] = {"defaults.yaml"};
    const char *src[] = {tmpfile};
    fo_test_webhook_publish(&w, w.cfg_dir, names, src, 1);
    ck_assert(eventually(cost_center_is_7, &w));
    ck_assert(!is_degraded(&w));

    /* a broken version: the last good defaults stay, the log and /readyz say so */
    fo_test_webhook_publish_defaults(&w, "admission-cluster-defaults-broken.yaml");
    ck_assert(eventually(is_degraded, &w));
    json_t *j = readyz(&w);
    ck_assert_str_eq(fo_json_str(j, "status"), "degraded");
    const char *err = fo_json_get_str(j, "defaults.error");
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "podTemplate"));
    json_decref(j);
    ck_assert(fo_test_webhook_log_has(&w, "cluster defaults not reloaded", "podTemplate"));
    v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "7");
    free(v);

    /* a version the CRD's pod template schema would drop or refuse: the same, naming fields */
    fo_test_webhook_publish_defaults(&w, "admission-cluster-defaults-unknown-field.yaml");
    ck_assert(eventually(names_the_unknown_field, &w));
    ck_assert(fo_test_webhook_log_has(&w, "cluster defaults not reloaded",
                                      "podTemplate.spec.terminationGracePeriodSeconds: must be an "
                                      "integer"));
    v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "7");
    free(v);

    /* fixed again */
    fo_test_webhook_publish_defaults(&w, "admission-cluster-defaults.yaml");
    ck_assert(eventually(is_healthy, &w));
    v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "42");
    free(v);
    free(text);
    free(seven);
    fo_test_webhook_stop(&w);
}
END_TEST

static bool names_the_missing_file(fo_test_webhook *w)
{
    json_t *j = readyz(w);
    const char *err = fo_json_get_str(j, "defaults.error");
    bool named = json_is_true(json_object_get(j, "degraded")) && err &&
                 strstr(err, "No such file or directory");
    json_decref(j);
    return named;
}

/* The key taken out of the ConfigMap: the kubelet swaps ..data to a version without the file,
 * and the defaults.yaml symlink dangles. Like a broken file (the issue: the last good
 * defaults stay, the log and /readyz say so), and ready all along: an unready webhook would
 * refuse every FlinkDeployment change (failurePolicy Fail). */
START_TEST(a_removed_defaults_file_keeps_the_last_good_and_says_so)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    fo_test_webhook_publish(&w, w.cfg_dir, NULL, NULL, 0);
    ck_assert(eventually(names_the_missing_file, &w));
    ck_assert(fo_test_webhook_log_has(&w, "cluster defaults not reloaded", "No such file"));
    char *v = mutated_cost_center(&w);
    ck_assert_str_eq(v, "42");
    free(v);
    /* put back: healthy again */
    fo_test_webhook_publish_defaults(&w, "admission-cluster-defaults.yaml");
    ck_assert(eventually(is_healthy, &w));
    fo_test_webhook_stop(&w);
}
END_TEST

/* A request whose body arrives in two parts, the second only when `go` is set: the first
 * ends at stall_at (0: half the body). */
struct slow_upload {
    fo_test_webhook *w;
    const char *body;
    size_t len, off, stall_at;
    atomic_int half_sent;
    atomic_int go;
    fo_test_webhook_reply r;
};

static size_t slow_read(char *buf, size_t size, size_t n, void *ud)
{
    struct slow_upload *u = ud;
    size_t half = u->stall_at ? u->stall_at : u->len / 2;
    if (u->off >= half && !atomic_load(&u->go)) {
        atomic_store(&u->half_sent, 1);
        for (int i = 0; i < 3000 && !atomic_load(&u->go); i++)
            fo_test_sleep_ms(10);
    }
    size_t end = u->off < half ? half : u->len;
    size_t want = size * n;
    if (want > end - u->off)
        want = end - u->off;
    memcpy(buf, u->body + u->off, want);
    u->off += want;
    return want;
}

static void *slow_run(void *arg)
{
    struct slow_upload *u = arg;
    fo_strbuf_init(&u->r.body, 0);
    CURL *c = fo_test_webhook_client(u->w, "/validate", u->w->ca->ca_cert, &u->r.body);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->len);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    u->r.cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &u->r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    u->r.json = json_loadb(u->r.body.data, u->r.body.len, 0, NULL);
    return NULL;
}

static bool port_refuses(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    close(fd);
    return rc != 0 && e == ECONNREFUSED;
}

START_TEST(sigterm_finishes_the_request_in_flight_and_exits_zero)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    char *t = fo_test_review_text(NULL);
    struct slow_upload u = {.w = &w, .body = t, .len = strlen(t)};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, slow_run, &u), 0);
    for (int i = 0; i < 3000 && !atomic_load(&u.half_sent); i++)
        fo_test_sleep_ms(10);
    ck_assert(atomic_load(&u.half_sent));
    fo_test_sleep_ms(200); /* let the first half reach the server */
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    /* it stops accepting */
    bool refused = false;
    for (int i = 0; i < 300 && !refused; i++) {
        refused = port_refuses(w.port);
        if (!refused)
            fo_test_sleep_ms(10);
    }
    ck_assert(refused);
    /* the rest of the body comes late: past 5 s, within the 10 s request timeout */
    fo_test_sleep_ms(6000);
    atomic_store(&u.go, 1);
    pthread_join(th, NULL);
    ck_assert_msg(u.r.cc == CURLE_OK, "curl: %s", curl_easy_strerror(u.r.cc));
    ck_assert_int_eq(u.r.status, 200);
    ck_assert_str_eq(fo_json_get_str(u.r.json, "response.uid"),
                     "7f0b2c6e-3d8a-4f5e-9b1c-2a6d4e8f1c3b");
    fo_test_webhook_reply_release(&u.r);
    int status = fo_test_stop(w.pid, 0, 20000);
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d",
                  status);
    w.pid = 0;
    free(t);
    fo_test_webhook_stop(&w);
}
END_TEST

/* Poll /metrics (into metrics) until flinkop_webhook_held_bytes is within [lo, hi]. */
static bool held_reaches(fo_test_webhook *w, fo_strbuf *metrics, double lo, double hi)
{
    for (int i = 0; i < 100; i++) {
        fo_strbuf_reset(metrics);
        ck_assert_int_eq(fo_test_webhook_get(w, "/metrics", w->ca->ca_cert, metrics), 200);
        const char *g = strstr(metrics->data, "\nflinkop_webhook_held_bytes ");
        double v = g ? strtod(g + strlen("\nflinkop_webhook_held_bytes "), NULL) : -1;
        if (v >= lo && v <= hi)
            return true;
        fo_test_sleep_ms(50);
    }
    return false;
}

START_TEST(bodies_past_the_bound_get_429_until_the_held_ones_are_done)
{
    fo_test_webhook w;
    fo_test_webhook_start(&w);
    /* three uploads of the largest body, stalled a little past 4 MiB: a large body counts page
     * by page as it arrives, 12 MiB of the 16. (They must go on within the webhook's 10 s
     * request timeout.) */
    size_t big = FO_ADMISSION_MAX_BODY;
    char *spaces = malloc(big);
    memset(spaces, ' ', big);
    struct slow_upload u[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        memset(&u[i], 0, sizeof u[i]);
        u[i].w = &w;
        u[i].body = spaces;
        u[i].len = big;
        u[i].stall_at = 4u * 1024 * 1024 + 4096;
        ck_assert_int_eq(pthread_create(&th[i], NULL, slow_run, &u[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3000 && !atomic_load(&u[i].half_sent); k++)
            fo_test_sleep_ms(10);
        ck_assert(atomic_load(&u[i].half_sent));
    }
    /* until the server has read them: 12 MiB held */
    fo_strbuf metrics;
    fo_strbuf_init(&metrics, 0);
    ck_assert_msg(held_reaches(&w, &metrics, 3.0 * 4 * 1024 * 1024, INFINITY), "%s",
                  strstr(metrics.data, "flinkop_webhook_held_bytes"));
    /* a fourth large review does not fit (past 4 MiB of it): the rest of its body is read and
     * dropped, then 429 */
    fo_test_webhook_expect_error(&w, "POST", "/validate", spaces, big, "application/json", 429,
                                 "at most 16777216 bytes of request bodies");
    /* an ordinary review still fits */
    char *t = fo_test_review_text(NULL);
    fo_test_webhook_reply r;
    fo_test_webhook_send(&w, "POST", "/validate", t, strlen(t), "application/json", &r);
    ck_assert_int_eq(r.status, 200);
    fo_test_webhook_reply_release(&r);
    /* going on, they pass the bound themselves, and large reviews are handled one at a time:
     * each gets 400 (all spaces: not a review) or 429 */
    for (int i = 0; i < 3; i++)
        atomic_store(&u[i].go, 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(u[i].r.status == 400 || u[i].r.status == 429, "status %ld", u[i].r.status);
        fo_test_webhook_reply_release(&u[i].r);
    }
    /* their bytes are given back: the fourth now gets as far as being read */
    fo_test_webhook_expect_error(&w, "POST", "/validate", spaces, big, "application/json", 400,
                                 "malformed JSON");
    /* the 429s show in the metrics, and the bytes held (none, once the last answer is sent) */
    ck_assert(held_reaches(&w, &metrics, 0, 0));
    ck_assert_ptr_nonnull(strstr(
        metrics.data, "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"busy\"}"));
    fo_strbuf_release(&metrics);
    free(t);
    free(spaces);
    fo_test_webhook_stop(&w);
}
END_TEST

static bool is_unready(fo_test_webhook *w)
{
    return fo_test_webhook_get(w, "/readyz", w->ca->ca_cert, NULL) == 503;
}

/* --shutdown-delay: after SIGTERM the pod is reported not ready but goes on answering (the
 * API server's connections and the Service's endpoints catch up meanwhile), each answer
 * closing its connection; a second SIGTERM ends the delay. A long delay, so that a loaded
 * machine has all the time it needs inside it. */
START_TEST(a_shutdown_delay_serves_unready_and_a_second_sigterm_ends_it)
{
    fo_test_webhook w;
    setenv("FLINKOP_SHUTDOWN_DELAY", "120s", 1);
    fo_test_webhook_start(&w);
    unsetenv("FLINKOP_SHUTDOWN_DELAY");
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *doc = fo_test_review("55555555-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(&w, "/validate", doc, &r);
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_null(strcasestr(r.headers.data, "Connection: close")); /* the control */
    fo_test_webhook_reply_release(&r);

    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    ck_assert(eventually(is_unready, &w));
    resp = fo_test_admit(&w, "/validate", doc, &r); /* still answered: the port did not close */
    ck_assert(json_is_true(json_object_get(resp, "allowed")));
    ck_assert_ptr_nonnull(strcasestr(r.headers.data, "Connection: close"));
    fo_test_webhook_reply_release(&r);
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    int status = fo_test_stop(w.pid, 0, 20000); /* long before 120 s */
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d",
                  status);
    w.pid = 0;
    fo_test_webhook_stop(&w);
    json_decref(doc);
    json_decref(obj);
}
END_TEST

/* The autoscaler's metrics.window may not be below the interval the controller observes at:
 * the webhook judges it against --reconcile-interval (the controller's default 15 s unless
 * told), not against the rule's own 1 min, which refused windows the controller accepts. */
static const char *window_verdict(const char *interval)
{
    fo_test_webhook w;
    if (interval)
        setenv("FLINKOP_RECONCILE_INTERVAL", interval, 1);
    fo_test_webhook_start(&w);
    unsetenv("FLINKOP_RECONCILE_INTERVAL");
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-basic.yaml");
    json_t *conf = fo_json_ensure_object(json_object_get(obj, "spec"), "flinkConfiguration");
    json_object_set_new(conf, "job.autoscaler.enabled", json_string("true"));
    json_object_set_new(conf, "job.autoscaler.metrics.window", json_string("30 s"));
    json_t *doc = fo_test_review("66666666-2222-4333-8444-555555555555", "CREATE", obj, false);
    fo_test_webhook_reply r;
    json_t *resp = fo_test_admit(&w, "/validate", doc, &r);
    const char *verdict = json_is_true(json_object_get(resp, "allowed")) ? "allowed"
                          : strstr(fo_json_get_str(resp, "status.message"),
                                   "job.autoscaler.metrics.window")
                              ? "denied for the window"
                              : "denied otherwise";
    fo_test_webhook_reply_release(&r);
    fo_test_webhook_stop(&w);
    json_decref(doc);
    json_decref(obj);
    return verdict;
}

START_TEST(the_autoscaler_window_is_judged_against_the_controllers_interval)
{
    ck_assert_str_eq(window_verdict(NULL), "allowed");
    ck_assert_str_eq(window_verdict("1m"), "denied for the window");
}
END_TEST

/* Without a second signal the delay ends by itself, and the process exits 0. */
START_TEST(a_shutdown_delay_ends_by_itself)
{
    fo_test_webhook w;
    setenv("FLINKOP_SHUTDOWN_DELAY", "1", 1);
    fo_test_webhook_start(&w);
    unsetenv("FLINKOP_SHUTDOWN_DELAY");
    ck_assert_int_eq(kill(w.pid, SIGTERM), 0);
    int status = fo_test_stop(w.pid, 0, 20000);
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d",
                  status);
    ck_assert(fo_test_webhook_log_has(&w, "shutdown delay over", NULL));
    w.pid = 0;
    fo_test_webhook_stop(&w);
}
END_TEST

START_TEST(bad_flags_and_files_stop_the_start_with_a_message)
{
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *dir = fo_test_mkdtemp();
    char log[600];
    snprintf(log, sizeof log, "%s/out.log", dir);
    char *a1[] = {bin, "--port", "99999", "--plain-http", NULL};
    pid_t pid = fo_test_spawn(a1, log);
    int st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    char *a2[] = {bin, "--port", "0", NULL}; /* no TLS material and no --plain-http */
    pid = fo_test_spawn(a2, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    char *a3[] = {bin, "--tls-cert", "/nonexistent.crt", "--tls-key", "/nonexistent.key", NULL};
    pid = fo_test_spawn(a3, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *broken = fo_test_data_path("admission-cluster-defaults-broken.yaml");
    char *a4[] = {bin,         "--plain-http", "--port", "0", "--bind-address",
                  "127.0.0.1", "--defaults",   broken,   NULL};
    pid = fo_test_spawn(a4, log);
    st = fo_test_stop(pid, 0, 20000);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *text = fo_test_read_text(log);
    ck_assert_ptr_nonnull(strstr(text, "--port: 99999"));
    ck_assert_ptr_nonnull(strstr(text, "--tls-cert and --tls-key are required"));
    ck_assert_ptr_nonnull(strstr(text, "/nonexistent.crt"));
    ck_assert_ptr_nonnull(strstr(text, "admission-cluster-defaults-broken.yaml"));
    free(text);
    free(broken);
    fo_test_rmdir(dir);
    free(dir);
    free(bin);
}
END_TEST

/* Runs the webhook with argv and, when var is set, the environment variable var=value; its
 * exit status (it must exit within 20 s) and its output in *out (caller frees). */
static int exit_status(char *const argv[], const char *var, const char *value, char **out)
{
    char *dir = fo_test_mkdtemp();
    char log[600];
    snprintf(log, sizeof log, "%s/out.log", dir);
    if (var)
        setenv(var, value, 1);
    pid_t pid = fo_test_spawn(argv, log);
    if (var)
        unsetenv(var);
    int st = fo_test_stop(pid, 0, 20000);
    *out = fo_test_read_text(log);
    fo_test_rmdir(dir);
    free(dir);
    ck_assert_msg(WIFEXITED(st), "did not exit by itself: %s", *out);
    return WEXITSTATUS(st);
}

/* Bad usage exits 2 naming the flag or the variable it came from; a FIFO where a file is
 * expected is refused at once (it used to hang the start, SIGTERM included). */
START_TEST(flags_and_variables_are_refused_naming_their_source)
{
    char *bin = fo_test_bin_path("flinkop-webhook");
    char *out;
    char *env_port[] = {bin, "--plain-http", NULL};
    ck_assert_int_eq(exit_status(env_port, "FLINKOP_PORT", "70000", &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "FLINKOP_PORT: 70000 is not a port number"));
    free(out);
    char *no_flags[] = {bin, NULL};
    ck_assert_int_eq(exit_status(no_flags, "FLINKOP_PLAIN_HTTP", "maybe", &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "FLINKOP_PLAIN_HTTP: maybe is not true or false"));
    free(out);
    /* a boolean flag takes a value: --plain-http=false, or the next argument when it is no
     * flag */
    char *plain_word[] = {bin, "--plain-http", "maybe", NULL};
    ck_assert_int_eq(exit_status(plain_word, NULL, NULL, &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "--plain-http: maybe is not true or false"));
    free(out);
    char *plain_false[] = {bin, "--plain-http=false", NULL};
    ck_assert_int_eq(exit_status(plain_false, "FLINKOP_PLAIN_HTTP", "true", &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "--tls-cert and --tls-key are required"));
    free(out);
    char *bind[] = {bin, "--plain-http", "--bind-address", "localhost:80", NULL};
    ck_assert_int_eq(exit_status(bind, NULL, NULL, &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "--bind-address: localhost:80 is not an IPv4 or IPv6"));
    free(out);
    char *kube[] = {bin, "--plain-http", "--kubeconfig", "/nonexistent/kubeconfig", NULL};
    ck_assert_int_eq(exit_status(kube, NULL, NULL, &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "--kubeconfig: /nonexistent/kubeconfig: No such file"));
    free(out);
    ck_assert_int_eq(exit_status(env_port, "FLINKOP_LOG_LEVEL", "loud", &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "FLINKOP_LOG_LEVEL: loud is not debug"));
    free(out);

    /* the pre-flight check of a defaults file */
    char *good = fo_test_data_path("admission-cluster-defaults.yaml");
    char *unknown = fo_test_data_path("admission-cluster-defaults-unknown-field.yaml");
    char *check_good[] = {bin, "--check-defaults", good, NULL};
    ck_assert_int_eq(exit_status(check_good, NULL, NULL, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, ": ok"));
    free(out);
    char *check_bad[] = {bin, "--check-defaults", unknown, NULL};
    ck_assert_int_eq(exit_status(check_bad, NULL, NULL, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "podTemplate.spec.schedulerNameTypo: unknown field"));
    free(out);
    free(good);
    free(unknown);

    char *dir = fo_test_mkdtemp();
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/defaults.yaml", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    char *with_fifo[] = {bin,         "--plain-http", "--port", "0", "--bind-address",
                         "127.0.0.1", "--defaults",   fifo,     NULL};
    ck_assert_int_eq(exit_status(with_fifo, NULL, NULL, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "not a regular file"));
    free(out);
    fo_test_rmdir(dir);
    free(dir);
    free(bin);
}
END_TEST

int main(void)
{
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("webhook_process");
    TCase *tc = tcase_create("webhook_process");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bodies_past_the_bound_get_429_until_the_held_ones_are_done);
    tcase_add_test(tc, a_rotated_certificate_is_served_and_a_bad_one_refused);
    tcase_add_test(tc, the_defaults_file_is_reloaded_and_a_broken_one_keeps_the_last_good);
    tcase_add_test(tc, a_removed_defaults_file_keeps_the_last_good_and_says_so);
    tcase_add_test(tc, sigterm_finishes_the_request_in_flight_and_exits_zero);
    tcase_add_test(tc, a_shutdown_delay_serves_unready_and_a_second_sigterm_ends_it);
    tcase_add_test(tc, a_shutdown_delay_ends_by_itself);
    tcase_add_test(tc, bad_flags_and_files_stop_the_start_with_a_message);
    tcase_add_test(tc, flags_and_variables_are_refused_naming_their_source);
    tcase_add_test(tc, the_autoscaler_window_is_judged_against_the_controllers_interval);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
