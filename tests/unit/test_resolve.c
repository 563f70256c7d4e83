/* webhook/resolve: the time-bounded lookup behind the restricted-host check of session-job jar
 * URIs. Only what needs no DNS server: literal addresses (getaddrinfo answers them itself)
 * and the arguments it refuses. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "webhook/resolve.h"

START_TEST(a_literal_address_resolves_to_itself)
{
    char out[4][64];
    memset(out, 0, sizeof out);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "127.0.0.1", out, 4), 1);
    ck_assert_str_eq(out[0], "127.0.0.1");
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "169.254.169.254", out, 4), 1);
    ck_assert_str_eq(out[0], "169.254.169.254");
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "::1", out, 4), 1);
    ck_assert_str_eq(out[0], "::1");
}
END_TEST

START_TEST(bad_arguments_are_refused_without_a_lookup)
{
    char out[1][64];
    char long_host[300];
    memset(long_host, 'a', sizeof long_host - 1);
    long_host[sizeof long_host - 1] = '\0';
    ck_assert_int_eq(fo_wh_resolve_host(NULL, NULL, out, 1), -1);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "", out, 1), -1);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, long_host, out, 1), -1);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "127.0.0.1", out, 0), -1);
}
END_TEST

START_TEST(an_answer_is_kept_and_the_next_lookup_of_the_name_needs_no_resolver)
{
    char out[4][64], again[4][64];
    memset(out, 0, sizeof out);
    memset(again, 0, sizeof again);
    unsigned long before = fo_wh_resolve_lookups_started();
    int n = fo_wh_resolve_host(NULL, "10.11.12.13", out, 4);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 1);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "10.11.12.13", again, 4), 1);
    ck_assert_str_eq(again[0], "10.11.12.13");
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 1); /* from the cache */
    /* a smaller room gets the first addresses of the kept answer */
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "10.11.12.13", again, 1), 1);
    /* more names than the cache holds: the oldest give way, every answer stays right */
    char host[32];
    for (int i = 0; i < FO_RESOLVE_CACHE_ENTRIES + 8; i++) {
        snprintf(host, sizeof host, "10.20.%d.%d", i / 200, i % 200 + 1);
        ck_assert_int_eq(fo_wh_resolve_host(NULL, host, out, 1), 1);
        ck_assert_str_eq(out[0], host);
    }
    before = fo_wh_resolve_lookups_started();
    snprintf(host, sizeof host, "10.20.0.1"); /* the first of them: replaced since */
    ck_assert_int_eq(fo_wh_resolve_host(NULL, host, out, 1), 1);
    ck_assert_str_eq(out[0], host);
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 1);
}
END_TEST

/* Lookups from many threads at once: each gets its own answer (the lookup threads share
 * nothing with each other). */
static void *resolve_one(void *arg)
{
    int i = (int)(long)arg;
    char host[32], out[1][64];
    snprintf(host, sizeof host, "10.0.0.%d", i + 1);
    int n = fo_wh_resolve_host(NULL, host, out, 1);
    /* past FO_RESOLVE_MAX_PENDING at once a call may answer -1 at once: never a wrong address */
    return (void *)(long)(n == -1 || (n == 1 && strcmp(out[0], host) == 0));
}

START_TEST(concurrent_lookups_each_get_their_own_answer)
{
    pthread_t th[32];
    for (long i = 0; i < 32; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, resolve_one, (void *)i), 0);
    for (int i = 0; i < 32; i++) {
        void *ok = NULL;
        pthread_join(th[i], &ok);
        ck_assert_msg(ok, "lookup %d answered another host's address", i);
    }
}
END_TEST

/* A resolver held shut until the test opens it: it answers every name with 192.0.2.7 (by
 * asking getaddrinfo for the literal, so the result is freeaddrinfo's to release). */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static int gated_getaddrinfo(const char *host, const char *service, const struct addrinfo *hints,
                             struct addrinfo **res)
{
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    (void)host;
    return getaddrinfo("192.0.2.7", service, hints, res);
}

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void *resolve_slow(void *arg)
{
    (void)arg;
    char out[1][64];
    int n = fo_wh_resolve_host(NULL, "slow.example", out, 1);
    return (void *)(long)(n == 1 && strcmp(out[0], "192.0.2.7") == 0);
}

START_TEST(callers_of_a_name_being_looked_up_wait_for_that_lookup)
{
    fo_wh_resolve_use(gated_getaddrinfo);
    gate_set(false);
    unsigned long before = fo_wh_resolve_lookups_started();
    enum { CALLERS = 8 };
    pthread_t th[CALLERS];
    for (int i = 0; i < CALLERS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, resolve_slow, NULL), 0);
    usleep(200 * 1000); /* all callers in (well inside their 1 s wait) while the gate is shut */
    gate_set(true);
    for (int i = 0; i < CALLERS; i++) {
        void *ok = NULL;
        pthread_join(th[i], &ok);
        ck_assert_msg(ok, "caller %d did not get the running lookup's answer", i);
    }
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 1);
    fo_wh_resolve_use(NULL);
}
END_TEST

static void *resolve_late(void *arg)
{
    (void)arg;
    char out[1][64];
    int n = fo_wh_resolve_host(NULL, "late.example", out, 1);
    return (void *)(long)(n == 1 && strcmp(out[0], "192.0.2.7") == 0);
}

/* A lookup that has run longer than a caller waits (glibc's resolver waits 5 s for a lost
 * packet) is not joined: the next caller starts its own, which answers when DNS does. */
START_TEST(a_lookup_past_a_callers_wait_is_not_joined)
{
    fo_wh_resolve_use(gated_getaddrinfo);
    gate_set(false);
    char out[1][64];
    unsigned long before = fo_wh_resolve_lookups_started();
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "late.example", out, 1), -1); /* 1 s, gate shut */
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, resolve_late, NULL), 0);
    for (int i = 0; i < 100 && fo_wh_resolve_lookups_started() < before + 2; i++)
        usleep(10 * 1000);
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 2);
    gate_set(true);
    void *ok = NULL;
    pthread_join(th, &ok);
    ck_assert_msg(ok, "the second caller did not get its lookup's answer");
    fo_wh_resolve_use(NULL);
}
END_TEST

/* A caller that gave up leaves its lookup to finish, and what it finds is kept for the next
 * caller, who starts no lookup. (Each test asks for its own name: under valgrind the tests
 * share one process and its cache.) */
START_TEST(a_lookup_that_outlived_its_caller_fills_the_cache)
{
    fo_wh_resolve_use(gated_getaddrinfo);
    gate_set(false);
    char out[1][64];
    unsigned long before = fo_wh_resolve_lookups_started();
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "outlived.example", out, 1), -1); /* 1 s, gate shut */
    gate_set(true);
    for (int i = 0; i < 500 && fo_wh_resolve_lookups_running() > 0; i++)
        usleep(10 * 1000);
    ck_assert_int_eq(fo_wh_resolve_lookups_running(), 0);
    ck_assert_int_eq(fo_wh_resolve_host(NULL, "outlived.example", out, 1), 1);
    ck_assert_str_eq(out[0], "192.0.2.7");
    ck_assert_uint_eq(fo_wh_resolve_lookups_started(), before + 1);
    fo_wh_resolve_use(NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("resolve");
    TCase *tc = tcase_create("resolve");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_literal_address_resolves_to_itself);
    tcase_add_test(tc, bad_arguments_are_refused_without_a_lookup);
    tcase_add_test(tc, an_answer_is_kept_and_the_next_lookup_of_the_name_needs_no_resolver);
    tcase_add_test(tc, concurrent_lookups_each_get_their_own_answer);
    tcase_add_test(tc, callers_of_a_name_being_looked_up_wait_for_that_lookup);
    tcase_add_test(tc, a_lookup_past_a_callers_wait_is_not_joined);
    tcase_add_test(tc, a_lookup_that_outlived_its_caller_fills_the_cache);
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
