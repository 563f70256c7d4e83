/* Leader election between real processes against the fake API server
 * (kube-api-semantics.md §10): two electors, one wins; SIGKILL it, the other takes over once
 * the lease has run out; a clean stop releases the lease for an immediate successor.
 *
 * The electors are this same program started as `test_leader_election --elector PORT ID`
 * (exec'd, so no threads are forked). They print "started ID" / "stopped ID" lines. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/lease.h"
#include "tests/fakes/apiserver/fake_apiserver.h"
#include "tests/support/testutil.h"

/* Short timings so the suite is quick; the same ratios as controller-runtime's 15/10/2 s. */
#define LEASE_MS 3000
#define RENEW_DEADLINE_MS 2000
#define RETRY_MS 400
#define WAIT_BOUND_MS 30000

/* ---- the elector process ---- */

static volatile sig_atomic_t term;

static void on_term(int sig)
{
    (void)sig;
    term = 1;
}

static void say(const char *what, void *ctx)
{
    printf("%s %s\n", what, (const char *)ctx);
    fflush(stdout);
}

static void started(void *ctx)
{
    say("started", ctx);
}

static void stopped(void *ctx)
{
    say("stopped", ctx);
}

static int elector_main(const char *port, const char *id)
{
    signal(SIGTERM, on_term);
    char *dir = fo_test_mkdtemp(), *path = NULL, *text = NULL;
    if (asprintf(&path, "%s/kubeconfig", dir) < 0 ||
        asprintf(&text,
                 "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                 "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:%s'}}]\n"
                 "contexts: [{name: c, context: {cluster: c}}]\n",
                 port) < 0)
        return 2;
    fo_test_write_file(path, text);
    fo_kube_config_opts co = {.kubeconfig = path};
    fo_err err;
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&co, &err);
    fo_kube_client *kc = cfg ? fo_kube_client_new(cfg, NULL, &err) : NULL;
    if (!kc) {
        fprintf(stderr, "elector %s: %s\n", id, err.message);
        return 2;
    }
    fo_lease_elector_opts eo = {.params = {.ns = "default",
                                           .name = "flinkop-leader",
                                           .identity = id,
                                           .lease_duration_ms = LEASE_MS,
                                           .renew_deadline_ms = RENEW_DEADLINE_MS,
                                           .retry_period_ms = RETRY_MS},
                                .kc = kc,
                                .on_started_leading = started,
                                .on_stopped_leading = stopped,
                                .ctx = (void *)id};
    fo_lease_elector *e = fo_lease_elector_start(&eo, &err);
    if (!e) {
        fprintf(stderr, "elector %s: %s\n", id, err.message);
        return 2;
    }
    while (!term && !fo_lease_elector_done(e))
        usleep(20000);
    fo_lease_elector_stop(e); /* releases the lease when leading */
    fo_kube_client_free(kc);
    fo_kube_config_free(cfg);
    fo_test_rmdir(dir);
    free(dir);
    free(path);
    free(text);
    return 0;
}

/* ---- the test side ---- */

static struct {
    fo_fake_apiserver *fa;
    char *dir;
    fo_kube_config *cfg;
    fo_kube_client *kc;
    char port[16];
} env;

static void setup(void)
{
    memset(&env, 0, sizeof env);
    fo_err err;
    fo_fake_apiserver_opts fo = {.port = 0};
    env.fa = fo_fake_apiserver_start(&fo, &err);
    ck_assert_msg(env.fa != NULL, "%s", err.message);
    snprintf(env.port, sizeof env.port, "%d", fo_fake_apiserver_port(env.fa));
    env.dir = fo_test_mkdtemp();
    char *path = NULL, *text = NULL;
    ck_assert_int_gt(asprintf(&path, "%s/kubeconfig", env.dir), 0);
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:%s'}}]\n"
                              "contexts: [{name: c, context: {cluster: c}}]\n",
                              env.port),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts co = {.kubeconfig = path};
    env.cfg = fo_kube_config_from_kubeconfig(&co, &err);
    env.kc = fo_kube_client_new(env.cfg, NULL, &err);
    ck_assert_ptr_nonnull(env.kc);
    free(path);
    free(text);
}

static void teardown(void)
{
    fo_kube_client_free(env.kc);
    fo_kube_config_free(env.cfg);
    fo_fake_apiserver_stop(env.fa);
    fo_test_rmdir(env.dir);
    free(env.dir);
}

struct child {
    pid_t pid;
    char id[32];
    char *log;
};

static void spawn(struct child *c, const char *id)
{
    snprintf(c->id, sizeof c->id, "%s", id);
    ck_assert_int_gt(asprintf(&c->log, "%s/%s.log", env.dir, id), 0);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    char *argv[] = {self, "--elector", env.port, c->id, NULL};
    c->pid = fo_test_spawn(argv, c->log);
    ck_assert_int_gt(c->pid, 0);
}

/* Has the child printed "<what> <id>"? */
static bool said(const struct child *c, const char *what)
{
    FILE *f = fopen(c->log, "r");
    if (!f)
        return false;
    char line[512], want[128];
    snprintf(want, sizeof want, "%s %s\n", what, c->id);
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strcmp(line, want) == 0;
    fclose(f);
    return found;
}

static json_t *get_lease(void)
{
    fo_kube_ref ref = {.group = "coordination.k8s.io",
                       .version = "v1",
                       .resource = "leases",
                       .ns = "default",
                       .name = "flinkop-leader"};
    json_t *out = NULL;
    fo_err err;
    fo_kube_get(env.kc, &ref, &out, &err);
    return out;
}

/* Wait (bounded) until one of the children says started; return its index or -1. */
static int wait_leader(struct child *cs, int n)
{
    for (int waited = 0; waited < WAIT_BOUND_MS; waited += 50) {
        for (int i = 0; i < n; i++)
            if (cs[i].pid > 0 && said(&cs[i], "started"))
                return i;
        fo_test_sleep_ms(50);
    }
    return -1;
}

static void reap(struct child *c)
{
    if (c->pid > 0)
        fo_test_stop(c->pid, SIGKILL, 5000);
    c->pid = -1;
    free(c->log);
}

START_TEST(one_of_two_wins_and_the_other_takes_over_after_a_kill)
{
    struct child cs[2];
    spawn(&cs[0], "elector-a");
    spawn(&cs[1], "elector-b");
    int leader = wait_leader(cs, 2);
    ck_assert_int_ge(leader, 0);
    int other = 1 - leader;
    json_t *lease = get_lease();
    ck_assert_str_eq(fo_json_get_str(lease, "spec.holderIdentity"), cs[leader].id);
    int64_t transitions = -1;
    fo_json_get_int(lease, "spec.leaseTransitions", &transitions);
    json_decref(lease);
    /* let the loser retry a few times: it must keep waiting while the leader renews */
    fo_test_sleep_ms(3 * LEASE_MS / 2);
    ck_assert(!said(&cs[other], "started"));

    /* SIGKILL: no release; the other waits out the lease, by its own clock */
    json_t *last = get_lease();
    int64_t last_renew = 0;
    ck_assert(fo_clock_parse_rfc3339(fo_json_get_str(last, "spec.renewTime"), &last_renew));
    int64_t before = -1;
    fo_json_get_int(last, "spec.leaseTransitions", &before);
    json_decref(last);
    ck_assert_int_eq(fo_test_stop(cs[leader].pid, SIGKILL, 5000) >= 0, 1);
    cs[leader].pid = -1;
    ck_assert_int_eq(wait_leader(&cs[other], 1), 0);
    lease = get_lease();
    ck_assert_str_eq(fo_json_get_str(lease, "spec.holderIdentity"), cs[other].id);
    int64_t after = -1, acquired = 0;
    fo_json_get_int(lease, "spec.leaseTransitions", &after);
    ck_assert_int_eq(after, before + 1);
    ck_assert(fo_clock_parse_rfc3339(fo_json_get_str(lease, "spec.acquireTime"), &acquired));
    /* Takeover came after the lease ran out since the last renewal the loser could have seen,
     * and not much later (one lease plus the loser's observation lag and retry jitter). */
    fprintf(stderr, "takeover %lld ms after the last renewal (lease %d ms)\n",
            (long long)(acquired - last_renew), LEASE_MS);
    ck_assert_int_ge(acquired - last_renew, LEASE_MS - RETRY_MS * 3);
    ck_assert_int_le(acquired - last_renew, 2 * LEASE_MS + 4 * RETRY_MS);
    json_decref(lease);
    (void)transitions;
    reap(&cs[0]);
    reap(&cs[1]);
}
END_TEST

START_TEST(a_clean_stop_releases_the_lease_for_a_successor)
{
    struct child a, b;
    spawn(&a, "first");
    ck_assert_int_eq(wait_leader(&a, 1), 0);
    ck_assert_int_eq(fo_test_stop(a.pid, SIGTERM, 10000) >= 0, 1);
    a.pid = -1;
    ck_assert(said(&a, "stopped"));
    json_t *lease = get_lease();
    ck_assert_str_eq(fo_json_get_str(lease, "spec.holderIdentity"), "");
    int64_t dur = 0;
    fo_json_get_int(lease, "spec.leaseDurationSeconds", &dur);
    ck_assert_int_eq(dur, 1);
    json_decref(lease);
    /* a released lease is taken at once, without waiting out LEASE_MS */
    spawn(&b, "second");
    ck_assert_int_eq(wait_leader(&b, 1), 0);
    lease = get_lease();
    ck_assert_str_eq(fo_json_get_str(lease, "spec.holderIdentity"), "second");
    json_decref(lease);
    reap(&a);
    reap(&b);
}
END_TEST

/* ---- an elector in this process, for its timing ---- */

static int64_t stopped_wall_ms;

static void record_stop(void *ctx)
{
    (void)ctx;
    stopped_wall_ms = fo_clock_now_ms(fo_clock_real());
}

static void control(const char *method, const char *path, const char *body_json)
{
    json_t *body = NULL, *out = NULL;
    if (body_json) {
        fo_err err;
        body = fo_json_parse(body_json, strlen(body_json), 0, &err);
        ck_assert_ptr_nonnull(body);
    }
    int status = fo_fake_apiserver_call(env.fa, method, path, NULL, body, &out, NULL);
    ck_assert_msg(status >= 200 && status < 300, "%s %s: %d", method, path, status);
    json_decref(body);
    json_decref(out);
}

/* Timings where one renewal round (a retry period's wait, a slow read, a failed write) is
 * longer than what the renew deadline leaves of the lease. */
#define SLOW_LEASE_MS 5000
#define SLOW_DEADLINE_MS 4000
#define SLOW_RETRY_MS 3000

/* An elector with the slow timings (retry period retry_ms) that leads once this returns; it
 * records when it stops leading and keeps the Lease on stop. */
static fo_lease_elector *start_leading(const char *identity, int64_t retry_ms)
{
    stopped_wall_ms = 0;
    fo_lease_elector_opts eo = {.params = {.ns = "default",
                                           .name = "flinkop-leader",
                                           .identity = identity,
                                           .lease_duration_ms = SLOW_LEASE_MS,
                                           .renew_deadline_ms = SLOW_DEADLINE_MS,
                                           .retry_period_ms = retry_ms},
                                .kc = env.kc,
                                .on_stopped_leading = record_stop,
                                .no_release = true};
    fo_err err;
    fo_lease_elector *e = fo_lease_elector_start(&eo, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    for (int waited = 0; waited < WAIT_BOUND_MS && !fo_lease_elector_is_leader(e); waited += 20)
        fo_test_sleep_ms(20);
    ck_assert(fo_lease_elector_is_leader(e));
    return e;
}

/* Once e has stopped leading: how long after the Lease's last renewal it did. */
static int64_t gave_up_after_ms(fo_lease_elector *e)
{
    for (int waited = 0; waited < WAIT_BOUND_MS && !fo_lease_elector_done(e); waited += 20)
        fo_test_sleep_ms(20);
    ck_assert(fo_lease_elector_done(e));
    control("DELETE", "/fake/faults", NULL);
    control("DELETE", "/fake/delay", NULL);
    json_t *lease = get_lease();
    int64_t renewed = 0;
    ck_assert(fo_clock_parse_rfc3339(fo_json_get_str(lease, "spec.renewTime"), &renewed));
    json_decref(lease);
    fprintf(stderr, "gave up %lld ms after the last renewal (deadline %d, lease %d ms)\n",
            (long long)(stopped_wall_ms - renewed), SLOW_DEADLINE_MS, SLOW_LEASE_MS);
    return stopped_wall_ms - renewed;
}

START_TEST(a_leader_gives_up_before_the_lease_it_last_wrote_runs_out)
{
    fo_lease_elector *e = start_leading("slow", SLOW_RETRY_MS);
    /* From now on every read of the Lease answers just within the request timeout, and every
     * write fails. */
    control("POST", "/fake/delay",
            "{\"ms\":2800,\"count\":-1,\"method\":\"GET\","
            "\"pathPrefix\":\"/apis/coordination.k8s.io/\"}");
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":500,\"method\":\"PUT\","
            "\"pathPrefix\":\"/apis/coordination.k8s.io/\"}");
    /* §10: another replica may take the Lease once it has not changed for the lease duration;
     * the holder must have stopped leading before then. */
    ck_assert_int_lt(gave_up_after_ms(e), SLOW_LEASE_MS);
    fo_lease_elector_stop(e);
}
END_TEST

/* A renewal whose requests outlast the renew deadline: every write of the Lease answers 401
 * just within the request timeout, and the client tries once more with the token read again,
 * for a whole request timeout. Leadership must still end at the deadline, not when that
 * retry ends (here past the lease duration, when another replica may lead). */
#define RETRIED_RETRY_MS 2000

START_TEST(a_renewal_retried_past_the_deadline_does_not_hold_leadership)
{
    fo_lease_elector *e = start_leading("retried", RETRIED_RETRY_MS);
    control("POST", "/fake/delay",
            "{\"ms\":1900,\"count\":-1,\"method\":\"PUT\","
            "\"pathPrefix\":\"/apis/coordination.k8s.io/\"}");
    control("POST", "/fake/faults",
            "{\"count\":-1,\"code\":401,\"method\":\"PUT\","
            "\"pathPrefix\":\"/apis/coordination.k8s.io/\"}");
    /* the deadline, give or take scheduling (renewTime has microseconds, the clock ms) */
    ck_assert_int_lt(gave_up_after_ms(e), SLOW_DEADLINE_MS + 300);
    ck_assert(!fo_lease_elector_is_leader(e));
    fo_lease_elector_stop(e);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--elector") == 0)
        return elector_main(argv[2], argv[3]);
    Suite *s = suite_create("leader_election");
    TCase *tc = tcase_create("leader_election");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, one_of_two_wins_and_the_other_takes_over_after_a_kill);
    tcase_add_test(tc, a_clean_stop_releases_the_lease_for_a_successor);
    tcase_add_test(tc, a_leader_gives_up_before_the_lease_it_last_wrote_runs_out);
    tcase_add_test(tc, a_renewal_retried_past_the_deadline_does_not_hold_leadership);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
