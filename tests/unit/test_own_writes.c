/* controller/own_writes: the versions of a FlinkDeployment this process replaced by its own
 * conditional writes. An object goes from the version a conditional write named straight to
 * the write's (kube-api-semantics.md §4: the precondition fails when anything came between),
 * and an informer's copy only moves forward; so a cached version is behind exactly when it is
 * one of the replaced ones. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>

#include "controller/own_writes.h"

START_TEST(a_cached_version_the_process_replaced_is_behind_until_the_cache_catches_up)
{
    fo_own_writes *w = fo_own_writes_new();
    ck_assert_ptr_nonnull(w);
    /* A pass read 10 and wrote twice: an intent (10 -> 11), then its record (11 -> 12). */
    fo_own_writes_note(w, "ns", "fd", "10", "11");
    fo_own_writes_note(w, "ns", "fd", "11", NULL); /* its answer did not say */
    ck_assert(fo_own_writes_behind(w, "ns", "fd", "10"));
    ck_assert(fo_own_writes_behind(w, "ns", "fd", "11"));
    ck_assert_int_eq(fo_own_writes_count(w), 1);
    /* The cache shows the last write: caught up, and forgotten. */
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "12"));
    ck_assert_int_eq(fo_own_writes_count(w), 0);
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "11"));
    fo_own_writes_free(w);
}
END_TEST

START_TEST(a_version_past_the_last_write_is_current_and_resources_are_apart)
{
    fo_own_writes *w = fo_own_writes_new();
    fo_own_writes_note(w, "ns", "a", "5", NULL);
    fo_own_writes_note(w, "other", "a", "7", NULL);
    ck_assert(!fo_own_writes_behind(w, "ns", "b", "5"));   /* never written */
    ck_assert(fo_own_writes_behind(w, "other", "a", "7")); /* same name, other namespace */
    /* Someone else wrote after the process: a version it never replaced is current. */
    ck_assert(!fo_own_writes_behind(w, "ns", "a", "9"));
    ck_assert(fo_own_writes_behind(w, "other", "a", "7"));
    fo_own_writes_free(w);
}
END_TEST

START_TEST(a_resource_gone_is_forgotten_and_unconditional_writes_note_nothing)
{
    fo_own_writes *w = fo_own_writes_new();
    fo_own_writes_note(w, "ns", "fd", NULL, NULL);
    fo_own_writes_note(w, "ns", "fd", "", NULL);
    ck_assert_int_eq(fo_own_writes_count(w), 0);
    fo_own_writes_note(w, "ns", "fd", "3", NULL);
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", NULL)); /* gone */
    ck_assert_int_eq(fo_own_writes_count(w), 0);
    /* Made again under its name: its versions are new ones. */
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "3"));
    ck_assert(!fo_own_writes_behind(NULL, "ns", "fd", "3")); /* not tracked */
    fo_own_writes_free(NULL);
    fo_own_writes_free(w);
}
END_TEST

/* A write the API server stored nothing for answers with the version it was conditional on,
 * which stays current: nothing may wait for the cache to pass it. */
START_TEST(a_write_that_left_the_object_as_it_was_replaced_nothing)
{
    fo_own_writes *w = fo_own_writes_new();
    fo_own_writes_note(w, "ns", "fd", "10", "10");
    ck_assert_int_eq(fo_own_writes_count(w), 0);
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "10"));
    /* one that did change it, then one that did not: the first version alone is replaced */
    fo_own_writes_note(w, "ns", "fd", "10", "11");
    fo_own_writes_note(w, "ns", "fd", "11", "11");
    ck_assert(fo_own_writes_behind(w, "ns", "fd", "10"));
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "11"));
    fo_own_writes_free(w);
}
END_TEST

START_TEST(only_the_latest_replaced_versions_are_kept)
{
    fo_own_writes *w = fo_own_writes_new();
    char rv[16];
    for (int i = 1; i <= FO_OWN_WRITES_MAX_PER_RESOURCE + 4; i++) {
        snprintf(rv, sizeof rv, "%d", i);
        fo_own_writes_note(w, "ns", "fd", rv, NULL);
    }
    snprintf(rv, sizeof rv, "%d", FO_OWN_WRITES_MAX_PER_RESOURCE + 4);
    ck_assert(fo_own_writes_behind(w, "ns", "fd", rv));
    ck_assert(fo_own_writes_behind(w, "ns", "fd", "5"));
    ck_assert(!fo_own_writes_behind(w, "ns", "fd", "4")); /* dropped: taken as current */
    fo_own_writes_free(w);
}
END_TEST

typedef struct job {
    fo_own_writes *w;
    int id;
} job;

static void *writer(void *arg)
{
    job *j = arg;
    char name[32], rv[32];
    snprintf(name, sizeof name, "fd-%d", j->id);
    for (int i = 0; i < 2000; i++) {
        snprintf(rv, sizeof rv, "%d", i);
        fo_own_writes_note(j->w, "ns", name, rv, NULL);
        ck_assert(fo_own_writes_behind(j->w, "ns", name, rv));
        snprintf(rv, sizeof rv, "%d", i + 1);
        ck_assert(!fo_own_writes_behind(j->w, "ns", name, rv));
    }
    return NULL;
}

START_TEST(workers_note_and_ask_at_the_same_time)
{
    fo_own_writes *w = fo_own_writes_new();
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){w, i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, writer, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(fo_own_writes_count(w), 0);
    fo_own_writes_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("own_writes");
    TCase *tc = tcase_create("own_writes");
    tcase_add_test(tc, a_cached_version_the_process_replaced_is_behind_until_the_cache_catches_up);
    tcase_add_test(tc, a_version_past_the_last_write_is_current_and_resources_are_apart);
    tcase_add_test(tc, a_resource_gone_is_forgotten_and_unconditional_writes_note_nothing);
    tcase_add_test(tc, a_write_that_left_the_object_as_it_was_replaced_nothing);
    tcase_add_test(tc, only_the_latest_replaced_versions_are_kept);
    tcase_add_test(tc, workers_note_and_ask_at_the_same_time);
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
