/* Leader election decisions (kube-api-semantics.md §10), on explicit times. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/lease.h"

/* 2026-04-20T09:15:02.123Z */
#define WALL 1776676502123LL

static fo_lease_params params(const char *identity)
{
    return (fo_lease_params){.ns = "flinkop", .name = "flinkop-leader", .identity = identity};
}

static json_t *lease(const char *holder, int duration_s, const char *renew, int transitions,
                     const char *rv)
{
    return json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:{s:s,s:i,s:s,s:s,s:i}}", "apiVersion",
                     "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
                     "flinkop-leader", "namespace", "flinkop", "resourceVersion", rv, "spec",
                     "holderIdentity", holder, "leaseDurationSeconds", duration_s, "acquireTime",
                     "2026-04-20T09:00:00.000000Z", "renewTime", renew, "leaseTransitions",
                     transitions);
}

START_TEST(a_missing_lease_is_created_held_by_us)
{
    fo_lease_params p = params("pod-a_1234");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *body = NULL;
    ck_assert_int_eq(fo_lease_decide(st, NULL, 0, WALL, &body), FO_LEASE_CREATE);
    ck_assert_str_eq(fo_json_str(body, "apiVersion"), "coordination.k8s.io/v1");
    ck_assert_str_eq(fo_json_str(body, "kind"), "Lease");
    ck_assert_str_eq(fo_json_get_str(body, "metadata.name"), "flinkop-leader");
    ck_assert_str_eq(fo_json_get_str(body, "metadata.namespace"), "flinkop");
    ck_assert_str_eq(fo_json_get_str(body, "spec.holderIdentity"), "pod-a_1234");
    int64_t v = -1;
    ck_assert(fo_json_get_int(body, "spec.leaseDurationSeconds", &v));
    ck_assert_int_eq(v, 15); /* controller-runtime's default */
    ck_assert(fo_json_get_int(body, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 0);
    /* MicroTime: six fractional digits, UTC */
    ck_assert_str_eq(fo_json_get_str(body, "spec.acquireTime"), "2026-04-20T09:15:02.123000Z");
    ck_assert_str_eq(fo_json_get_str(body, "spec.renewTime"), "2026-04-20T09:15:02.123000Z");
    ck_assert(!fo_lease_leading(st));
    json_decref(body);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(a_lease_held_by_another_is_respected_until_it_stops_changing)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *cur = lease("b", 15, "2026-04-20T09:15:00.000000Z", 3, "100");
    json_t *body = NULL;
    ck_assert_int_eq(fo_lease_decide(st, cur, 1000, WALL, &body), FO_LEASE_WAIT);
    ck_assert_ptr_null(body);
    ck_assert_int_eq(fo_lease_decide(st, cur, 1000 + 14999, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, cur, 1000 + 15000, WALL + 15000, &body), FO_LEASE_UPDATE);
    ck_assert_str_eq(fo_json_get_str(body, "spec.holderIdentity"), "a");
    ck_assert_str_eq(fo_json_get_str(body, "metadata.resourceVersion"), "100");
    int64_t v = 0;
    ck_assert(fo_json_get_int(body, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 4);
    ck_assert_str_eq(fo_json_get_str(body, "spec.acquireTime"), "2026-04-20T09:15:17.123000Z");
    ck_assert_str_eq(fo_json_get_str(body, "spec.renewTime"), "2026-04-20T09:15:17.123000Z");
    json_decref(body);
    json_decref(cur);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(a_renewed_record_restarts_the_wait)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *body = NULL;
    json_t *r1 = lease("b", 15, "2026-04-20T09:15:00.000000Z", 0, "100");
    json_t *r2 = lease("b", 15, "2026-04-20T09:15:10.000000Z", 0, "101");
    ck_assert_int_eq(fo_lease_decide(st, r1, 0, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, r2, 10000, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, r2, 24999, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, r2, 25000, WALL, &body), FO_LEASE_UPDATE);
    json_decref(body);
    json_decref(r1);
    json_decref(r2);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(an_old_renew_time_is_not_trusted_against_our_clock)
{
    /* renewTime years ago (a skewed clock elsewhere): still wait a full lease duration from
     * when we first saw the record. */
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *cur = lease("b", 15, "2001-01-01T00:00:00.000000Z", 0, "7");
    json_t *body = NULL;
    ck_assert_int_eq(fo_lease_decide(st, cur, 500000, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, cur, 514999, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, cur, 515000, WALL, &body), FO_LEASE_UPDATE);
    json_decref(body);
    json_decref(cur);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(a_released_lease_is_taken_at_once)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *cur = lease("", 1, "2026-04-20T09:15:00.000000Z", 5, "9");
    json_t *body = NULL;
    ck_assert_int_eq(fo_lease_decide(st, cur, 0, WALL, &body), FO_LEASE_UPDATE);
    int64_t v = 0;
    ck_assert(fo_json_get_int(body, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 6);
    ck_assert(fo_json_get_int(body, "spec.leaseDurationSeconds", &v));
    ck_assert_int_eq(v, 15);
    json_decref(body);
    json_decref(cur);
    /* The wait uses the holder's own leaseDurationSeconds. */
    cur = lease("b", 1, "2026-04-20T09:15:00.000000Z", 5, "10");
    ck_assert_int_eq(fo_lease_decide(st, cur, 5000, WALL, &body), FO_LEASE_WAIT);
    ck_assert_int_eq(fo_lease_decide(st, cur, 6000, WALL, &body), FO_LEASE_UPDATE);
    json_decref(body);
    json_decref(cur);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(renewing_keeps_acquire_time_and_transitions)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *cur = lease("a", 15, "2026-04-20T09:15:00.000000Z", 2, "50");
    json_t *body = NULL;
    ck_assert_int_eq(fo_lease_decide(st, cur, 0, WALL, &body), FO_LEASE_UPDATE);
    fo_lease_written(st, body, 0);
    ck_assert(fo_lease_leading(st));
    ck_assert_str_eq(fo_json_get_str(body, "spec.acquireTime"), "2026-04-20T09:00:00.000000Z");
    int64_t v = 0;
    ck_assert(fo_json_get_int(body, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 2);
    json_t *next = NULL;
    ck_assert_int_eq(fo_lease_decide(st, body, 2000, WALL + 2000, &next), FO_LEASE_UPDATE);
    ck_assert_str_eq(fo_json_get_str(next, "spec.acquireTime"), "2026-04-20T09:00:00.000000Z");
    ck_assert_str_eq(fo_json_get_str(next, "spec.renewTime"), "2026-04-20T09:15:04.123000Z");
    ck_assert(fo_json_get_int(next, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 2);
    json_decref(next);
    json_decref(body);
    json_decref(cur);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(leadership_is_lost_only_after_the_renew_deadline)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *body = NULL;
    ck_assert(!fo_lease_failed(st, 0)); /* not leading: nothing to lose */
    fo_lease_decide(st, NULL, 1000, WALL, &body);
    fo_lease_written(st, body, 1000);
    ck_assert(fo_lease_leading(st));
    ck_assert(!fo_lease_failed(st, 3000));
    ck_assert(!fo_lease_failed(st, 1000 + 9999));
    ck_assert(fo_lease_leading(st));
    ck_assert(fo_lease_failed(st, 1000 + 10000)); /* controller-runtime's 10 s deadline */
    ck_assert(!fo_lease_leading(st));
    ck_assert(!fo_lease_failed(st, 1000 + 20000)); /* lost once */
    json_decref(body);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(someone_else_holding_it_while_we_lead_is_a_failed_renewal)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *body = NULL;
    fo_lease_decide(st, NULL, 0, WALL, &body);
    fo_lease_written(st, body, 0);
    json_decref(body);
    json_t *theirs = lease("b", 15, "2026-04-20T09:15:30.000000Z", 1, "70");
    ck_assert_int_eq(fo_lease_decide(st, theirs, 2000, WALL, &body), FO_LEASE_WAIT);
    ck_assert(!fo_lease_failed(st, 2000));
    ck_assert(fo_lease_failed(st, 10000));
    json_decref(theirs);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(release_clears_the_holder_and_keeps_transitions)
{
    fo_lease_params p = params("a");
    fo_lease_state *st = fo_lease_state_new(&p);
    json_t *ours = lease("a", 15, "2026-04-20T09:15:00.000000Z", 4, "80");
    json_t *body = fo_lease_release_body(st, ours, WALL);
    ck_assert_str_eq(fo_json_get_str(body, "spec.holderIdentity"), "");
    int64_t v = 0;
    ck_assert(fo_json_get_int(body, "spec.leaseDurationSeconds", &v));
    ck_assert_int_eq(v, 1);
    ck_assert(fo_json_get_int(body, "spec.leaseTransitions", &v));
    ck_assert_int_eq(v, 4);
    ck_assert_str_eq(fo_json_get_str(body, "spec.acquireTime"), "2026-04-20T09:15:02.123000Z");
    ck_assert_str_eq(fo_json_get_str(body, "spec.renewTime"), "2026-04-20T09:15:02.123000Z");
    ck_assert_str_eq(fo_json_get_str(body, "metadata.resourceVersion"), "80");
    json_decref(body);
    json_t *theirs = lease("b", 15, "2026-04-20T09:15:00.000000Z", 4, "81");
    ck_assert_ptr_null(fo_lease_release_body(st, theirs, WALL));
    json_decref(theirs);
    json_decref(ours);
    fo_lease_state_free(st);
}
END_TEST

START_TEST(inconsistent_timings_are_refused)
{
    fo_lease_params p = params("a");
    p.lease_duration_ms = 10000;
    p.renew_deadline_ms = 10000;
    ck_assert_ptr_null(fo_lease_state_new(&p));
    p = params("a");
    p.renew_deadline_ms = 2400; /* must exceed 1.2 x retry (2 s) */
    ck_assert_ptr_null(fo_lease_state_new(&p));
    p = params("");
    ck_assert_ptr_null(fo_lease_state_new(&p));
    char id[FO_LEASE_MAX_IDENTITY + 2];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    p = params(id);
    ck_assert_ptr_null(fo_lease_state_new(&p));
    p = params("a");
    p.lease_duration_ms = 1500; /* rounds up to 2 s on the wire */
    p.renew_deadline_ms = 1000;
    p.retry_period_ms = 200;
    fo_lease_state *st = fo_lease_state_new(&p);
    ck_assert_ptr_nonnull(st);
    json_t *body = NULL;
    fo_lease_decide(st, NULL, 0, WALL, &body);
    int64_t v = 0;
    ck_assert(fo_json_get_int(body, "spec.leaseDurationSeconds", &v));
    ck_assert_int_eq(v, 2);
    json_decref(body);
    fo_lease_state_free(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lease");
    TCase *tc = tcase_create("lease");
    tcase_add_test(tc, a_missing_lease_is_created_held_by_us);
    tcase_add_test(tc, a_lease_held_by_another_is_respected_until_it_stops_changing);
    tcase_add_test(tc, a_renewed_record_restarts_the_wait);
    tcase_add_test(tc, an_old_renew_time_is_not_trusted_against_our_clock);
    tcase_add_test(tc, a_released_lease_is_taken_at_once);
    tcase_add_test(tc, renewing_keeps_acquire_time_and_transitions);
    tcase_add_test(tc, leadership_is_lost_only_after_the_renew_deadline);
    tcase_add_test(tc, someone_else_holding_it_while_we_lead_is_a_failed_renewal);
    tcase_add_test(tc, release_clears_the_holder_and_keeps_transitions);
    tcase_add_test(tc, inconsistent_timings_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
