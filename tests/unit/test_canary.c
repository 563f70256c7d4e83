/* controller/canary: canary health as the Apache operator's CanaryResourceManager does it
 * (reference d.4): a canary a pass has seen gets spec.restartNonce raised every timeout
 * (kubernetes.operator.health.canary.resource.timeout, default 1 min), and is overdue when no
 * pass saw that change within the timeout. Passes run through the real
 * fo_reconcile_deployment over the fake I/O (tests/unit/ctl_fake_io.h), whose store bumps
 * metadata.generation on a spec change as the API server does. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "common/kube_status.h"
#include "controller/canary.h"
#include "tests/support/testyaml.h"
#include "tests/unit/ctl_scenario.h"

#define TIMEOUT_MS 60000

static void seen_hook(void *ctx, const char *ns, const char *name, const json_t *canary)
{
    fo_canary_seen(ctx, ns, name, canary);
}

typedef struct world {
    fake_world *w;
    fo_canary *t;
} world;

/* The Apache operator's example canary (no spec at all) in namespace default. */
static world canary_world(void)
{
    world cw = {fake_world_new(), fo_canary_new()};
    ck_assert_ptr_nonnull(cw.t);
    json_t *obj = fo_test_load_yaml("crd-valid-canary.yaml");
    fo_json_set_path(obj, "metadata.namespace", json_string(NS));
    fake_put(&cw.w->kube, obj);
    json_decref(obj);
    cw.w->env.hooks = (fo_ctl_hooks){.ctx = cw.t, .canary = seen_hook};
    return cw;
}

static void world_free(world *cw)
{
    fo_canary_free(cw->t);
    fake_world_free(cw->w);
}

static int64_t now(const world *cw)
{
    return fo_clock_mono_ms(cw->w->clock);
}

static void advance(world *cw, int64_t ms)
{
    fo_clock_fake_advance(cw->w->clock, ms);
}

static size_t overdue(world *cw, json_t **report)
{
    json_t *r = fo_canary_report(cw->t, now(cw), NULL);
    size_t n = json_array_size(r);
    if (report)
        *report = r;
    else
        json_decref(r);
    return n;
}

static size_t tracked(world *cw)
{
    size_t n = 0;
    json_decref(fo_canary_report(cw->t, now(cw), &n));
    return n;
}

static int64_t generation(world *cw)
{
    int64_t g = -1;
    fo_json_get_int(fd(cw->w, "canary"), "metadata.generation", &g);
    return g;
}

/* ---- the option ---------------------------------------------------------------------------- */

START_TEST(the_timeout_is_the_operator_option_with_apaches_default_of_one_minute)
{
    int64_t ms = 0;
    fo_err err;
    fo_err_clear(&err);
    json_t *conf = json_object();
    ck_assert_int_eq(fo_canary_timeout_from(conf, &ms, &err), FO_OK);
    ck_assert_int_eq(ms, 60000);
    /* Flink's duration syntax (TimeUtils.parseDuration) */
    json_object_set_new(conf, "kubernetes.operator.health.canary.resource.timeout",
                        json_string("30 s"));
    ck_assert_int_eq(fo_canary_timeout_from(conf, &ms, &err), FO_OK);
    ck_assert_int_eq(ms, 30000);
    json_object_set_new(conf, "kubernetes.operator.health.canary.resource.timeout",
                        json_string("2min"));
    ck_assert_int_eq(fo_canary_timeout_from(conf, &ms, &err), FO_OK);
    ck_assert_int_eq(ms, 120000);
    json_object_set_new(conf, "kubernetes.operator.health.canary.resource.timeout",
                        json_string("1500"));
    ck_assert_int_eq(fo_canary_timeout_from(conf, &ms, &err), FO_OK);
    ck_assert_int_eq(ms, 1500);
    /* not a duration, or none that leaves time: the key is named, the default stays */
    const char *bad[] = {"soon", "0 s", "5 fortnights"};
    for (size_t i = 0; i < 3; i++) {
        json_object_set_new(conf, "kubernetes.operator.health.canary.resource.timeout",
                            json_string(bad[i]));
        fo_err_clear(&err);
        ck_assert_int_eq(fo_canary_timeout_from(conf, &ms, &err), FO_EINVAL);
        ck_assert_int_eq(ms, 60000);
        ck_assert_msg(strstr(err.message, "kubernetes.operator.health.canary.resource.timeout"),
                      "%s", err.message);
    }
    json_decref(conf);
}
END_TEST

/* ---- the exercise ---------------------------------------------------------------------------- */

START_TEST(a_canary_a_pass_saw_is_changed_at_once_and_the_change_must_be_seen_in_time)
{
    world cw = canary_world();
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 0); /* not seen yet */
    fo_reconcile_result res;
    ck_assert_int_eq(pass(cw.w, "canary", &res), FO_OK);
    ck_assert_str_eq(res.action, "CANARY");
    ck_assert_uint_eq(cw.w->kube.nlog, 0); /* the pass writes nothing, status least of all */
    ck_assert_uint_eq(tracked(&cw), 1);

    const char *rv = fo_json_get_str(fd(cw.w, "canary"), "metadata.resourceVersion");
    char want_rv[32];
    snprintf(want_rv, sizeof want_rv, "%s", rv);
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
    /* Apache: restartNonce null -> 1, written on top of the object it read */
    ck_assert_uint_eq(cw.w->kube.nlog, 1);
    const fake_write *wr = &cw.w->kube.log[0];
    ck_assert_str_eq(wr->verb, "patch");
    ck_assert_str_eq(wr->name, "canary");
    int64_t nonce = 0;
    ck_assert(fo_json_get_int(wr->body, "spec.restartNonce", &nonce));
    ck_assert_int_eq(nonce, 1);
    ck_assert_str_eq(fo_json_get_str(wr->body, "metadata.resourceVersion"), want_rv);
    ck_assert_int_eq(generation(&cw), 2);

    /* within the timeout nothing is overdue, seen or not */
    advance(&cw, TIMEOUT_MS);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    /* past it, the unseen change makes the canary overdue, by how much it says */
    advance(&cw, 1500);
    json_t *r = NULL;
    ck_assert_uint_eq(overdue(&cw, &r), 1);
    json_t *one = json_array_get(r, 0);
    ck_assert_str_eq(fo_json_str(one, "kind"), "FlinkDeployment");
    ck_assert_str_eq(fo_json_str(one, "namespace"), NS);
    ck_assert_str_eq(fo_json_str(one, "name"), "canary");
    ck_assert_int_eq(json_integer_value(json_object_get(one, "overdueMs")), 1500);
    ck_assert_int_eq(json_integer_value(json_object_get(one, "unseenForMs")), 61500);
    ck_assert_int_eq(json_integer_value(json_object_get(one, "generationSeen")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(one, "generationAwaitedAbove")), 1);
    json_decref(r);

    /* a pass that sees the change ends it */
    ck_assert_int_eq(pass(cw.w, "canary", NULL), FO_OK);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    world_free(&cw);
}
END_TEST

START_TEST(a_healthy_canary_is_changed_once_a_timeout_and_stays_healthy)
{
    world cw = canary_world();
    pass(cw.w, "canary", NULL);
    for (int round = 1; round <= 3; round++) {
        ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
        ck_assert_int_eq(generation(&cw), round + 1);
        ck_assert_int_eq(pass(cw.w, "canary", NULL), FO_OK); /* the watch event's pass */
        /* not again before a timeout has passed */
        advance(&cw, TIMEOUT_MS - 1);
        ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 0);
        ck_assert_uint_eq(overdue(&cw, NULL), 0);
        advance(&cw, 1);
    }
    int64_t nonce = 0;
    fo_json_get_int(fd(cw.w, "canary"), "spec.restartNonce", &nonce);
    ck_assert_int_eq(nonce, 3);
    world_free(&cw);
}
END_TEST

/* Passes stop (stuck workers, a stalled watch): the canary is still changed every timeout,
 * and it is overdue from the first change no pass saw, not from the latest. */
START_TEST(an_unseen_change_keeps_its_wait_across_the_next_exercises)
{
    world cw = canary_world();
    pass(cw.w, "canary", NULL);
    fo_canary_exercise(cw.t, &cw.w->env, now(&cw));
    advance(&cw, TIMEOUT_MS);
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
    ck_assert_int_eq(generation(&cw), 3);
    advance(&cw, TIMEOUT_MS);
    json_t *r = NULL;
    ck_assert_uint_eq(overdue(&cw, &r), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(r, 0), "overdueMs")), 60000);
    json_decref(r);
    world_free(&cw);
}
END_TEST

/* A controller that cannot write cannot reconcile either: the canary turns overdue (Apache
 * checks the generation all the same after a failed replace). */
START_TEST(a_change_that_could_not_be_written_turns_the_canary_overdue)
{
    world cw = canary_world();
    pass(cw.w, "canary", NULL);
    cw.w->kube.fail_next = FO_EUNAVAIL;
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
    ck_assert_int_eq(generation(&cw), 1);
    pass(cw.w, "canary", NULL); /* a pass of the unchanged canary is no answer */
    advance(&cw, TIMEOUT_MS + 1);
    ck_assert_uint_eq(overdue(&cw, NULL), 1);
    world_free(&cw);
}
END_TEST

START_TEST(a_canary_deleted_relabelled_or_being_deleted_is_forgotten)
{
    const char *how[] = {"deleted", "relabelled", "deleting"};
    for (int i = 0; i < 3; i++) {
        world cw = canary_world();
        pass(cw.w, "canary", NULL);
        fo_canary_exercise(cw.t, &cw.w->env, now(&cw));
        json_t *obj = fd(cw.w, "canary");
        if (i == 0)
            json_object_del(cw.w->kube.store[FO_CTL_FLINK_DEPLOYMENT], NS "/canary");
        else if (i == 1)
            json_object_set_new(fo_json_get(obj, "metadata.labels"), "flink.apache.org/canary",
                                json_string("false"));
        else
            json_object_set_new(json_object_get(obj, "metadata"), "deletionTimestamp",
                                json_string("2026-04-20T09:15:00Z"));
        pass(cw.w, "canary", NULL);
        ck_assert_msg(tracked(&cw) == 0, "%s canary still tracked", how[i]);
        advance(&cw, 2 * TIMEOUT_MS);
        ck_assert_uint_eq(overdue(&cw, NULL), 0);
        world_free(&cw);
    }
}
END_TEST

/* Deleted and made again between two passes: a new uid, generations from 1 again. */
START_TEST(a_canary_made_again_under_its_name_starts_over)
{
    world cw = canary_world();
    pass(cw.w, "canary", NULL);
    fo_canary_exercise(cw.t, &cw.w->env, now(&cw));
    pass(cw.w, "canary", NULL); /* saw generation 2 */
    json_object_del(cw.w->kube.store[FO_CTL_FLINK_DEPLOYMENT], NS "/canary");
    json_t *obj = fo_test_load_yaml("crd-valid-canary.yaml");
    fo_json_set_path(obj, "metadata.namespace", json_string(NS));
    fake_put(&cw.w->kube, obj);
    json_decref(obj);
    ck_assert_int_eq(generation(&cw), 1);
    pass(cw.w, "canary", NULL);
    /* due at once, and its first change is seen at generation 2 of the new object */
    size_t before = cw.w->kube.nlog;
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
    ck_assert_uint_eq(cw.w->kube.nlog, before + 1);
    advance(&cw, TIMEOUT_MS + 1);
    ck_assert_uint_eq(overdue(&cw, NULL), 1);
    pass(cw.w, "canary", NULL);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    world_free(&cw);
}
END_TEST

START_TEST(a_shorter_timeout_applies_to_the_wait_under_way)
{
    world cw = canary_world();
    pass(cw.w, "canary", NULL);
    fo_canary_exercise(cw.t, &cw.w->env, now(&cw));
    advance(&cw, 3000);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    fo_canary_set_timeout_ms(cw.t, 2000);
    ck_assert_int_eq(fo_canary_timeout_ms(cw.t), 2000);
    json_t *r = NULL;
    ck_assert_uint_eq(overdue(&cw, &r), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(r, 0), "overdueMs")), 1000);
    json_decref(r);
    world_free(&cw);
}
END_TEST

/* A slow API server (each write answered 500 ms after it is sent) and many canaries: one
 * exercise writes them one after the other for 75 s, and a healthy controller's pass sees each
 * change 500 ms after it was sent. Each canary's wait starts when its own change is sent, not
 * when the exercise began: else the last ones read overdue before their change was written. */
#define MANY 150
#define WRITE_MS 500

static fo_ctl_kube slow_orig;
static fake_world *slow_world;
static char slow_last[32];

static fo_rc slow_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                        bool status, const json_t *patch, json_t **out, fo_err *err)
{
    if (slow_last[0]) /* the watch event of the change written before, and its pass */
        pass(slow_world, slow_last, NULL);
    fo_clock_fake_advance(slow_world->clock, WRITE_MS);
    snprintf(slow_last, sizeof slow_last, "%s", name);
    return slow_orig.patch(ctx, kind, ns, name, status, patch, out, err);
}

START_TEST(with_many_canaries_each_wait_starts_when_its_own_change_is_sent)
{
    world cw = canary_world();
    json_t *tmpl = fo_test_load_yaml("crd-valid-canary.yaml");
    char name[32];
    for (int i = 1; i < MANY; i++) {
        json_t *obj = json_deep_copy(tmpl);
        snprintf(name, sizeof name, "canary-%d", i);
        fo_json_set_path(obj, "metadata.namespace", json_string(NS));
        fo_json_set_path(obj, "metadata.name", json_string(name));
        fake_put(&cw.w->kube, obj);
        json_decref(obj);
        pass(cw.w, name, NULL);
    }
    json_decref(tmpl);
    pass(cw.w, "canary", NULL);
    ck_assert_uint_eq(tracked(&cw), MANY);
    slow_orig = cw.w->env.kube;
    slow_world = cw.w;
    slow_last[0] = '\0';
    fo_ctl_env env = cw.w->env;
    env.kube.patch = slow_patch;
    int64_t start = now(&cw);
    ck_assert_int_eq(fo_canary_exercise(cw.t, &env, start), MANY);
    ck_assert_int_eq(now(&cw) - start, (int64_t)MANY * WRITE_MS); /* past the timeout */
    /* every change but the last was seen 500 ms after it was sent, the last was sent 500 ms
     * ago: nothing is late */
    json_t *r = NULL;
    size_t n = overdue(&cw, &r);
    char *text = json_dumps(json_array_get(r, 0), JSON_COMPACT);
    ck_assert_msg(n == 0, "%zu canaries overdue, e.g. %s", n, text);
    free(text);
    json_decref(r);
    pass(cw.w, slow_last, NULL);
    advance(&cw, TIMEOUT_MS);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    world_free(&cw);
}
END_TEST

/* ---- writes refused for good ----------------------------------------------------------------- */

/* The API server's answer to the next canary writes: a Status body as it sends it
 * (kube-api-semantics.md section 3, admission-review-v1.md section 4 for a webhook's denial),
 * decoded as the kube client decodes it; code 0 lets writes through to the fake store. */
static fo_ctl_kube answer_orig;
static int answer_code;
static const char *answer_body;
static int answer_writes;

static fo_rc answering_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                             bool status, const json_t *patch, json_t **out, fo_err *err)
{
    answer_writes++;
    if (!answer_code)
        return answer_orig.patch(ctx, kind, ns, name, status, patch, out, err);
    return fo_kube_status_body_to_err(answer_code, answer_body, strlen(answer_body),
                                      "patch flinkdeployments.flink.apache.org default/canary",
                                      err);
}

static fo_ctl_env answering_env(world *cw, int code, const char *body)
{
    answer_orig = cw->w->env.kube;
    answer_code = code;
    answer_body = body;
    answer_writes = 0;
    fo_ctl_env env = cw->w->env;
    env.kube.patch = answering_patch;
    return env;
}

#define GATEKEEPER_403                                                                             \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"admission webhook \\\"validation.gatekeeper.sh\\\" denied the request: "        \
    "[frozen-specs] spec changes are not allowed in this namespace\",\"reason\":\"Forbidden\","    \
    "\"code\":403}"
#define RBAC_403                                                                                   \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"flinkdeployments.flink.apache.org \\\"canary\\\" is forbidden: User "           \
    "\\\"system:serviceaccount:flinkop:flinkop-controller\\\" cannot patch resource "              \
    "\\\"flinkdeployments\\\" in API group \\\"flink.apache.org\\\" in the namespace "             \
    "\\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"canary\",\"group\":"       \
    "\"flink.apache.org\",\"kind\":\"flinkdeployments\"},\"code\":403}"
#define SCHEMA_422                                                                                 \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"FlinkDeployment.flink.apache.org \\\"canary\\\" is invalid: "                   \
    "spec.restartNonce: Invalid value: 1: spec.restartNonce in body should be less than or "       \
    "equal to 0\",\"reason\":\"Invalid\",\"details\":{\"name\":\"canary\",\"group\":"              \
    "\"flink.apache.org\",\"kind\":\"FlinkDeployment\",\"causes\":[{\"reason\":"                   \
    "\"FieldValueInvalid\",\"message\":\"Invalid value: 1: spec.restartNonce in body should "      \
    "be less than or equal to 0\",\"field\":\"spec.restartNonce\"}]},\"code\":422}"
/* A webhook that denies without a code (Kyverno's enforce policies): the API server makes it
 * 400 with no reason. */
#define KYVERNO_400                                                                                \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"admission webhook \\\"validate.kyverno.svc-fail\\\" denied the request: "       \
    "resource FlinkDeployment/default/canary was blocked due to the following policies "           \
    "freeze: no-updates: updates are not allowed\",\"code\":400}"
/* A webhook's denial with code 409 and no reason: no resourceVersion conflict. */
#define WEBHOOK_409                                                                                \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"admission webhook \\\"lock.example.com\\\" denied the request: a change "       \
    "is under review\",\"code\":409}"
#define CONFLICT_409                                                                               \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","           \
    "\"message\":\"Operation cannot be fulfilled on flinkdeployments.flink.apache.org "            \
    "\\\"canary\\\": the object has been modified; please apply your changes to the latest "       \
    "version and try again\",\"reason\":\"Conflict\",\"details\":{\"name\":\"canary\","            \
    "\"group\":\"flink.apache.org\",\"kind\":\"flinkdeployments\"},\"code\":409}"

/* A refusal a restart cannot mend (an admission policy, RBAC, the schema) must not fail the
 * liveness probe, which would restart the controller into CrashLoopBackOff and stop every
 * reconcile: the canary starts no wait, is tried again once a timeout, and is reported with
 * the API's answer until a change is accepted. */
START_TEST(a_change_refused_for_good_fails_no_health_check_and_is_reported)
{
    static const struct {
        int code;
        const char *body, *reason, *says;
    } refusals[] = {
        {403, GATEKEEPER_403, "Forbidden", "validation.gatekeeper.sh"},
        {403, RBAC_403, "Forbidden", "cannot patch resource"},
        {422, SCHEMA_422, "Invalid", "should be less than or equal to 0"},
        {400, KYVERNO_400, "", "validate.kyverno.svc-fail"},
        {409, WEBHOOK_409, "", "a change is under review"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        world cw = canary_world();
        fo_ctl_env env = answering_env(&cw, refusals[i].code, refusals[i].body);
        pass(cw.w, "canary", NULL);
        json_t *none = fo_canary_refused(cw.t);
        ck_assert_uint_eq(json_array_size(none), 0);
        json_decref(none);
        for (int period = 0; period < 3; period++) {
            ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 1);
            pass(cw.w, "canary", NULL);
            advance(&cw, TIMEOUT_MS / 2);
            ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 0); /* once a period */
            advance(&cw, TIMEOUT_MS / 2 + 1);
            json_t *r = NULL;
            size_t n = overdue(&cw, &r);
            char *text = json_dumps(r, JSON_COMPACT);
            ck_assert_msg(n == 0, "HTTP %d: overdue after a refused change: %s", refusals[i].code,
                          text);
            free(text);
            json_decref(r);
        }
        ck_assert_int_eq(answer_writes, 3);
        ck_assert_uint_eq(tracked(&cw), 1);
        json_t *refused = fo_canary_refused(cw.t);
        ck_assert_uint_eq(json_array_size(refused), 1);
        json_t *one = json_array_get(refused, 0);
        ck_assert_str_eq(fo_json_str(one, "kind"), "FlinkDeployment");
        ck_assert_str_eq(fo_json_str(one, "namespace"), NS);
        ck_assert_str_eq(fo_json_str(one, "name"), "canary");
        ck_assert_int_eq(json_integer_value(json_object_get(one, "code")), refusals[i].code);
        ck_assert_str_eq(fo_json_str(one, "reason"), refusals[i].reason);
        ck_assert_msg(strstr(fo_json_str(one, "message"), refusals[i].says), "%s",
                      fo_json_str(one, "message"));
        json_decref(refused);

        /* the policy is lifted: the next change is written and checked again */
        answer_code = 0;
        ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 1);
        ck_assert_int_eq(generation(&cw), 2);
        refused = fo_canary_refused(cw.t);
        ck_assert_uint_eq(json_array_size(refused), 0);
        json_decref(refused);
        advance(&cw, TIMEOUT_MS + 1);
        ck_assert_uint_eq(overdue(&cw, NULL), 1); /* no pass saw it */
        pass(cw.w, "canary", NULL);
        ck_assert_uint_eq(overdue(&cw, NULL), 0);
        world_free(&cw);
    }
}
END_TEST

/* What a restart may mend still counts, as in the Apache operator: a conflict (the cache was
 * behind; the next write starts from a newer object), an expired credential, throttling, an
 * API server or a webhook down. */
START_TEST(a_conflict_throttling_or_a_server_error_still_turns_the_canary_overdue)
{
    static const struct {
        int code;
        const char *body;
    } failures[] = {
        {409, CONFLICT_409},
        {401, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
              "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}"},
        {429, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
              "\"Too many requests, please try again later.\",\"reason\":\"TooManyRequests\","
              "\"details\":{\"retryAfterSeconds\":1},\"code\":429}"},
        {500, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
              "\"Internal error occurred: failed calling webhook \\\"validation.gatekeeper.sh\\\""
              ": Post \\\"https://gatekeeper-webhook-service.gatekeeper-system.svc:443/v1/admit"
              "\\\": dial tcp 10.96.1.1:443: connect: connection refused\",\"reason\":"
              "\"InternalError\",\"code\":500}"},
        {503, "<html><body>503 Service Unavailable</body></html>"},
    };
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
        world cw = canary_world();
        fo_ctl_env env = answering_env(&cw, failures[i].code, failures[i].body);
        pass(cw.w, "canary", NULL);
        ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 1);
        pass(cw.w, "canary", NULL);
        advance(&cw, TIMEOUT_MS + 1);
        ck_assert_msg(overdue(&cw, NULL) == 1, "HTTP %d did not count", failures[i].code);
        json_t *refused = fo_canary_refused(cw.t);
        ck_assert_uint_eq(json_array_size(refused), 0);
        json_decref(refused);
        world_free(&cw);
    }
}
END_TEST

/* A refusal after a failed write: the change that write was to make was never made, and the
 * API server answering shows it is reached, so the wait ends. A change that was written and
 * that no pass saw keeps its wait, whatever the next write gets. */
START_TEST(a_refusal_ends_only_the_wait_for_a_change_never_made)
{
    world cw = canary_world();
    fo_ctl_env env = answering_env(&cw, 503,
                                   "{\"kind\":\"Status\",\"code\":503,\"reason\":"
                                   "\"ServiceUnavailable\",\"message\":\"down\"}");
    pass(cw.w, "canary", NULL);
    fo_canary_exercise(cw.t, &env, now(&cw));
    advance(&cw, TIMEOUT_MS);
    answer_code = 403;
    answer_body = GATEKEEPER_403;
    ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 1);
    advance(&cw, 1);
    ck_assert_uint_eq(overdue(&cw, NULL), 0);
    world_free(&cw);

    cw = canary_world();
    env = answering_env(&cw, 0, NULL);
    pass(cw.w, "canary", NULL);
    fo_canary_exercise(cw.t, &env, now(&cw)); /* written; the passes are stuck */
    advance(&cw, TIMEOUT_MS);
    answer_code = 403;
    answer_body = GATEKEEPER_403;
    ck_assert_int_eq(fo_canary_exercise(cw.t, &env, now(&cw)), 1);
    advance(&cw, 1);
    ck_assert_uint_eq(overdue(&cw, NULL), 1);
    world_free(&cw);
}
END_TEST

/* ---- a canary cached as a stub --------------------------------------------------------------- */

/* The informer's cache as it holds an object past its weight bound: a stub of its metadata and
 * status (common/kube_oversized.h), made from what the store (the API server) holds. */
static fo_ctl_kube stub_orig;
static bool stub_on;

static json_t *stub_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    json_t *obj = stub_orig.cached(ctx, kind, ns, name);
    if (!stub_on || !obj || kind != FO_CTL_FLINK_DEPLOYMENT)
        return obj;
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    fo_err err;
    fo_err_clear(&err);
    json_t *stub = fo_kube_oversized_stub(text, strlen(text), false, 200, NULL, &err);
    free(text);
    ck_assert_msg(stub != NULL, "%s", err.message);
    return stub;
}

/* A canary too heavy to hold has no spec in the cache, so its restartNonce cannot be read:
 * written from the stub it would be 1 every time, the same value from the second write on,
 * which changes nothing, and the canary would turn overdue for ever. It is not exercised;
 * the reason is reported, and it is exercised again once it is cached whole. */
START_TEST(a_canary_cached_as_a_stub_is_not_written_and_says_why)
{
    world cw = canary_world();
    json_t *heavy = json_deep_copy(fd(cw.w, "canary"));
    json_t *conf = json_object();
    char key[32];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        json_object_set_new(conf, key, json_string("v"));
    }
    json_t *spec =
        json_pack("{s:I, s:o}", "restartNonce", (json_int_t)5, "flinkConfiguration", conf);
    json_object_set_new(heavy, "spec", spec);
    fake_put(&cw.w->kube, heavy);
    json_decref(heavy);
    stub_orig = cw.w->env.kube;
    stub_on = true;
    cw.w->env.kube.cached = stub_cached;
    json_t *cached =
        cw.w->env.kube.cached(cw.w->env.kube.ctx, FO_CTL_FLINK_DEPLOYMENT, NS, "canary");
    ck_assert_ptr_nonnull(fo_kube_oversized(cached));
    ck_assert_ptr_null(json_object_get(cached, "spec"));
    json_decref(cached);

    pass(cw.w, "canary", NULL);
    ck_assert_uint_eq(tracked(&cw), 1);
    for (int period = 0; period < 3; period++) {
        fo_canary_exercise(cw.t, &cw.w->env, now(&cw));
        pass(cw.w, "canary", NULL);
        advance(&cw, TIMEOUT_MS + 1);
        json_t *r = NULL;
        size_t n = overdue(&cw, &r);
        char *text = json_dumps(r, JSON_COMPACT);
        ck_assert_msg(n == 0, "period %d: a stub canary overdue: %s", period, text);
        free(text);
        json_decref(r);
    }
    ck_assert_uint_eq(cw.w->kube.nlog, 0); /* nothing written from a stub */
    int64_t nonce = 0;
    fo_json_get_int(fd(cw.w, "canary"), "spec.restartNonce", &nonce);
    ck_assert_int_eq(nonce, 5);
    json_t *big = fo_canary_oversized(cw.t);
    ck_assert_uint_eq(json_array_size(big), 1);
    ck_assert_str_eq(fo_json_str(json_array_get(big, 0), "name"), "canary");
    const char *why = fo_json_str(json_array_get(big, 0), "reason");
    ck_assert_msg(strstr(why, "more than 200 JSON values"), "%s", why);
    json_decref(big);

    /* slimmed down, it is cached whole: exercised from its own nonce */
    stub_on = false;
    ck_assert_int_eq(fo_canary_exercise(cw.t, &cw.w->env, now(&cw)), 1);
    fo_json_get_int(fd(cw.w, "canary"), "spec.restartNonce", &nonce);
    ck_assert_int_eq(nonce, 6);
    big = fo_canary_oversized(cw.t);
    ck_assert_uint_eq(json_array_size(big), 0);
    json_decref(big);
    world_free(&cw);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("canary");
    TCase *tc = tcase_create("canary");
    tcase_add_test(tc, the_timeout_is_the_operator_option_with_apaches_default_of_one_minute);
    tcase_add_test(tc, a_canary_a_pass_saw_is_changed_at_once_and_the_change_must_be_seen_in_time);
    tcase_add_test(tc, a_healthy_canary_is_changed_once_a_timeout_and_stays_healthy);
    tcase_add_test(tc, an_unseen_change_keeps_its_wait_across_the_next_exercises);
    tcase_add_test(tc, a_change_that_could_not_be_written_turns_the_canary_overdue);
    tcase_add_test(tc, a_canary_deleted_relabelled_or_being_deleted_is_forgotten);
    tcase_add_test(tc, a_canary_made_again_under_its_name_starts_over);
    tcase_add_test(tc, a_shorter_timeout_applies_to_the_wait_under_way);
    tcase_add_test(tc, with_many_canaries_each_wait_starts_when_its_own_change_is_sent);
    tcase_add_test(tc, a_change_refused_for_good_fails_no_health_check_and_is_reported);
    tcase_add_test(tc, a_conflict_throttling_or_a_server_error_still_turns_the_canary_overdue);
    tcase_add_test(tc, a_refusal_ends_only_the_wait_for_a_change_never_made);
    tcase_add_test(tc, a_canary_cached_as_a_stub_is_not_written_and_says_why);
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
