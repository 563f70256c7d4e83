/* workqueue: client-go semantics, time driven by a fake clock. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/workqueue.h"

static fo_clock *clk;

static void setup(void)
{
    clk = fo_clock_fake_new(1776676502000LL);
}

static void teardown(void)
{
    fo_clock_free(clk);
}

static fo_workqueue *new_queue(void)
{
    fo_workqueue_opts o = {.clock = clk};
    fo_workqueue *q = fo_workqueue_new(&o);
    ck_assert_ptr_nonnull(q);
    return q;
}

/* Take the next ready key and check it; the caller owes done(). */
static void expect_get(fo_workqueue *q, const char *want)
{
    char *key = NULL;
    ck_assert_int_eq(fo_workqueue_try_get(q, &key), FO_OK);
    ck_assert_str_eq(key, want);
    free(key);
}

static void expect_empty(fo_workqueue *q)
{
    char *key = NULL;
    ck_assert_int_eq(fo_workqueue_try_get(q, &key), FO_ENOTFOUND);
    ck_assert_ptr_null(key);
}

START_TEST(duplicate_add_is_processed_once)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/b");
    fo_workqueue_add(q, "ns/a");
    ck_assert_uint_eq(fo_workqueue_len(q), 2);
    expect_get(q, "ns/a"); /* first come, first served */
    expect_get(q, "ns/b");
    expect_empty(q);
    fo_workqueue_done(q, "ns/a");
    fo_workqueue_done(q, "ns/b");
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

START_TEST(key_added_while_processing_waits_for_done)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");
    expect_get(q, "ns/a");
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/a");
    ck_assert_uint_eq(fo_workqueue_len(q), 0); /* never to a second worker meanwhile */
    expect_empty(q);
    fo_workqueue_done(q, "ns/a");
    ck_assert_uint_eq(fo_workqueue_len(q), 1);
    expect_get(q, "ns/a");
    fo_workqueue_done(q, "ns/a");
    expect_empty(q); /* the two adds were one */
    fo_workqueue_free(q);
}
END_TEST

START_TEST(add_after_waits_for_the_clock)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add_after(q, "ns/a", 100);
    fo_workqueue_add_after(q, "ns/b", 0); /* no delay: now */
    ck_assert_uint_eq(fo_workqueue_len(q), 1);
    expect_get(q, "ns/b");
    fo_clock_fake_advance(clk, 99);
    expect_empty(q);
    fo_clock_fake_advance(clk, 1);
    ck_assert_uint_eq(fo_workqueue_len(q), 1);
    expect_get(q, "ns/a");
    fo_workqueue_free(q);
}
END_TEST

START_TEST(a_waiting_key_keeps_the_earlier_time)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add_after(q, "ns/a", 100);
    fo_workqueue_add_after(q, "ns/a", 50);
    fo_workqueue_add_after(q, "ns/b", 50);
    fo_workqueue_add_after(q, "ns/b", 100);
    fo_clock_fake_advance(clk, 50);
    ck_assert_uint_eq(fo_workqueue_len(q), 2);
    expect_get(q, "ns/a");
    expect_get(q, "ns/b");
    fo_workqueue_done(q, "ns/a");
    fo_workqueue_done(q, "ns/b");
    fo_clock_fake_advance(clk, 50); /* the later times were dropped, not kept */
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

START_TEST(an_immediate_add_does_not_cancel_a_delayed_one)
{
    /* client-go: Add while the key waits in the delaying queue queues it now, and the waiting
     * entry still fires later. */
    fo_workqueue *q = new_queue();
    fo_workqueue_add_after(q, "ns/a", 100);
    fo_workqueue_add(q, "ns/a");
    expect_get(q, "ns/a");
    fo_workqueue_done(q, "ns/a");
    expect_empty(q);
    fo_clock_fake_advance(clk, 100);
    expect_get(q, "ns/a");
    fo_workqueue_free(q);
}
END_TEST

START_TEST(per_key_backoff_doubles_until_the_cap_and_forget_resets_it)
{
    fo_workqueue *q = new_queue();
    /* defaults: 5 ms doubling (ItemExponentialFailureRateLimiter(5ms, 1000s)) */
    ck_assert_int_eq(fo_workqueue_when(q, "ns/a"), 5);
    ck_assert_int_eq(fo_workqueue_when(q, "ns/a"), 10);
    ck_assert_int_eq(fo_workqueue_when(q, "ns/a"), 20);
    ck_assert_int_eq(fo_workqueue_when(q, "ns/b"), 5); /* per key */
    ck_assert_int_eq(fo_workqueue_num_requeues(q, "ns/a"), 3);
    ck_assert_int_eq(fo_workqueue_num_requeues(q, "ns/b"), 1);
    fo_workqueue_forget(q, "ns/a");
    ck_assert_int_eq(fo_workqueue_num_requeues(q, "ns/a"), 0);
    ck_assert_int_eq(fo_workqueue_when(q, "ns/a"), 5);
    fo_workqueue_free(q);

    fo_workqueue_opts o = {.clock = clk, .base_delay_ms = 1, .max_delay_ms = 8};
    q = fo_workqueue_new(&o);
    int64_t want[] = {1, 2, 4, 8, 8, 8};
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(fo_workqueue_when(q, "k"), want[i]);
    for (int i = 0; i < 90; i++) /* 2^96 would overflow a naive shift; below the burst of 100 */
        ck_assert_int_eq(fo_workqueue_when(q, "k"), 8);
    fo_workqueue_free(q);
}
END_TEST

START_TEST(overall_bucket_spaces_out_many_keys)
{
    /* 10 qps with burst 2: two go at once, then one every 100 ms (BucketRateLimiter). */
    fo_workqueue_opts o = {.clock = clk, .base_delay_ms = 1, .qps = 10, .burst = 2};
    fo_workqueue *q = fo_workqueue_new(&o);
    ck_assert_int_eq(fo_workqueue_when(q, "k1"), 1);
    ck_assert_int_eq(fo_workqueue_when(q, "k2"), 1);
    ck_assert_int_eq(fo_workqueue_when(q, "k3"), 100);
    ck_assert_int_eq(fo_workqueue_when(q, "k4"), 200);
    fo_clock_fake_advance(clk, 1000); /* refilled, never beyond burst */
    ck_assert_int_eq(fo_workqueue_when(q, "k5"), 1);
    ck_assert_int_eq(fo_workqueue_when(q, "k6"), 1);
    ck_assert_int_eq(fo_workqueue_when(q, "k7"), 100);
    fo_workqueue_free(q);
}
END_TEST

START_TEST(add_rate_limited_queues_after_the_backoff)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add_rate_limited(q, "ns/a");
    expect_empty(q);
    fo_clock_fake_advance(clk, 4);
    expect_empty(q);
    fo_clock_fake_advance(clk, 1);
    expect_get(q, "ns/a");
    fo_workqueue_done(q, "ns/a");
    fo_workqueue_add_rate_limited(q, "ns/a");
    fo_clock_fake_advance(clk, 9);
    expect_empty(q);
    fo_clock_fake_advance(clk, 1);
    expect_get(q, "ns/a");
    ck_assert_int_eq(fo_workqueue_num_requeues(q, "ns/a"), 2);
    fo_workqueue_free(q);
}
END_TEST

struct getter {
    fo_workqueue *q;
    fo_rc rc;
    char *key;
};

static void *get_main(void *arg)
{
    struct getter *g = arg;
    g->rc = fo_workqueue_get(g->q, &g->key);
    return NULL;
}

START_TEST(blocked_get_wakes_on_add_and_on_the_clock)
{
    fo_workqueue *q = new_queue();
    struct getter g = {.q = q};
    pthread_t th;
    pthread_create(&th, NULL, get_main, &g);
    fo_workqueue_add(q, "ns/a");
    pthread_join(th, NULL);
    ck_assert_int_eq(g.rc, FO_OK);
    ck_assert_str_eq(g.key, "ns/a");
    fo_workqueue_done(q, g.key);
    free(g.key);

    g = (struct getter){.q = q};
    fo_workqueue_add_after(q, "ns/b", 1000);
    pthread_create(&th, NULL, get_main, &g);
    fo_clock_fake_advance(clk, 1000); /* the clock listener wakes the sleeper */
    pthread_join(th, NULL);
    ck_assert_int_eq(g.rc, FO_OK);
    ck_assert_str_eq(g.key, "ns/b");
    free(g.key);
    fo_workqueue_free(q);
}
END_TEST

START_TEST(shutdown_wakes_blocked_workers_and_drains)
{
    fo_workqueue *q = new_queue();
    struct getter g[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        g[i] = (struct getter){.q = q};
        pthread_create(&th[i], NULL, get_main, &g[i]);
    }
    fo_workqueue_shutdown(q);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(g[i].rc, FO_ESHUTDOWN);
        ck_assert_ptr_null(g[i].key);
    }
    fo_workqueue_free(q);

    q = new_queue();
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/b");
    fo_workqueue_add_after(q, "ns/c", 10);
    fo_workqueue_shutdown(q);
    ck_assert(fo_workqueue_shutting_down(q));
    fo_workqueue_add(q, "ns/d"); /* ignored */
    char *key = NULL;
    ck_assert_int_eq(fo_workqueue_get(q, &key), FO_OK);
    ck_assert_str_eq(key, "ns/a");
    free(key);
    ck_assert_int_eq(fo_workqueue_get(q, &key), FO_OK);
    ck_assert_str_eq(key, "ns/b");
    free(key);
    fo_clock_fake_advance(clk, 10);
    ck_assert_int_eq(fo_workqueue_get(q, &key), FO_ESHUTDOWN);
    ck_assert_ptr_null(key);
    fo_workqueue_free(q);
}
END_TEST

/* Informer events (add_urgent) go ahead of periodic requeues: a user's change does not wait
 * behind a fleet's observations. */
START_TEST(an_urgent_key_goes_ahead_of_the_queued_ones)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/b");
    fo_workqueue_add_after(q, "ns/c", 1000);
    fo_clock_fake_advance(clk, 1000);
    fo_workqueue_add_urgent(q, "ns/u");
    ck_assert_uint_eq(fo_workqueue_len(q), 4);
    expect_get(q, "ns/u");
    expect_get(q, "ns/a");
    expect_get(q, "ns/b");
    expect_get(q, "ns/c");
    expect_empty(q);
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    fo_workqueue_free(q);
}
END_TEST

/* A key already waiting in the normal lane moves ahead when an event comes for it, and is
 * handed out once; a later normal add does not move it back. */
START_TEST(an_urgent_add_moves_a_waiting_key_ahead_once)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add(q, "ns/b");
    fo_workqueue_add_urgent(q, "ns/b");
    fo_workqueue_add(q, "ns/b");
    ck_assert_uint_eq(fo_workqueue_len(q), 2);
    expect_get(q, "ns/b");
    expect_get(q, "ns/a");
    expect_empty(q);
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    /* b's stale entry in the normal lane must not hand it out again after done. */
    fo_workqueue_done(q, "ns/b");
    fo_workqueue_done(q, "ns/a");
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

/* An event for a key a worker holds queues it again at done, ahead of the others. */
START_TEST(an_urgent_add_while_processing_goes_ahead_at_done)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");
    expect_get(q, "ns/a");
    fo_workqueue_add(q, "ns/b");
    fo_workqueue_add_urgent(q, "ns/a");
    expect_get(q, "ns/b"); /* a is held: b goes */
    fo_workqueue_add(q, "ns/c");
    fo_workqueue_done(q, "ns/a");
    expect_get(q, "ns/a");
    expect_get(q, "ns/c");
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

/* A stale entry left behind when a key moved lanes must not hand the key out while a worker
 * holds it from a later add. */
START_TEST(a_moved_key_is_never_handed_out_twice)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/a");        /* normal entry */
    fo_workqueue_add_urgent(q, "ns/a"); /* moves; the normal entry is stale */
    expect_get(q, "ns/a");
    fo_workqueue_add(q, "ns/a"); /* dirty again (normal) while held */
    expect_empty(q);             /* the stale normal entry must not hand it out */
    fo_workqueue_done(q, "ns/a");
    expect_get(q, "ns/a");
    expect_empty(q);
    fo_workqueue_done(q, "ns/a");
    expect_empty(q);
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    fo_workqueue_free(q);
}
END_TEST

/* The same with the stale entry behind another key, so that it is still in the normal lane
 * when the key, held by a worker, is added to that lane again: it must not hand the key out a
 * second time (a stale entry at the head is dropped before; one further back reached the head
 * only after). */
START_TEST(a_stale_entry_behind_another_key_never_hands_out_a_held_key)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/x");
    fo_workqueue_add(q, "ns/a");        /* normal entry behind x */
    fo_workqueue_add_urgent(q, "ns/a"); /* moves; that entry is stale */
    expect_get(q, "ns/a");
    fo_workqueue_add(q, "ns/a"); /* dirty for the normal lane again, while held */
    fo_workqueue_add(q, "ns/y");
    ck_assert_uint_eq(fo_workqueue_len(q), 2);
    expect_get(q, "ns/x");
    expect_get(q, "ns/y"); /* the stale entry of a is at the head now: a is held */
    expect_empty(q);
    fo_workqueue_done(q, "ns/x");
    fo_workqueue_done(q, "ns/y");
    fo_workqueue_done(q, "ns/a");
    expect_get(q, "ns/a");
    expect_empty(q);
    fo_workqueue_done(q, "ns/a");
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    fo_workqueue_free(q);
}
END_TEST

/* A key that moved to the urgent lane leaves its old entry in the normal lane. Queued there
 * again after it was handed out, it waits its turn behind the keys queued before it (first
 * come, first served; "the oldest periodic one" goes while events wait): it took the place of
 * its old entry and went ahead of y, queued before it. */
START_TEST(a_key_queued_again_after_a_move_waits_behind_older_keys)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/x");
    fo_workqueue_add(q, "ns/a");
    fo_workqueue_add_urgent(q, "ns/a"); /* an event: a moves ahead */
    fo_workqueue_add(q, "ns/y");
    expect_get(q, "ns/a");
    fo_workqueue_done(q, "ns/a");
    fo_workqueue_add(q, "ns/a"); /* its next periodic pass, after y's */
    ck_assert_uint_eq(fo_workqueue_len(q), 3);
    expect_get(q, "ns/x");
    expect_get(q, "ns/y");
    expect_get(q, "ns/a");
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

/* A stream of events does not starve the periodic passes: every fourth key handed out while
 * both kinds wait is a normal one. */
START_TEST(urgent_keys_do_not_starve_the_others)
{
    fo_workqueue *q = new_queue();
    char key[16];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "ns/n%d", i);
        fo_workqueue_add(q, key);
    }
    for (int i = 0; i < 9; i++) {
        snprintf(key, sizeof key, "ns/u%d", i);
        fo_workqueue_add_urgent(q, key);
    }
    const char *want[] = {"ns/u0", "ns/u1", "ns/u2", "ns/n0", "ns/u3", "ns/u4", "ns/u5",
                          "ns/n1", "ns/u6", "ns/u7", "ns/u8", "ns/n2"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        expect_get(q, want[i]);
    expect_empty(q);
    fo_workqueue_free(q);
}
END_TEST

/* The next step of a change under way (add_after_urgent) goes ahead of periodic passes whose
 * time came first; a key waiting in the normal lane moves to the urgent one, keeping the earlier
 * time. */
START_TEST(a_delayed_urgent_key_goes_ahead_when_its_time_comes)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add_after(q, "ns/a", 1000);
    fo_workqueue_add_after(q, "ns/b", 1000);
    fo_workqueue_add_after_urgent(q, "ns/step", 2000);
    fo_workqueue_add_after(q, "ns/moved", 500);
    fo_workqueue_add_after_urgent(q, "ns/moved", 3000); /* keeps 500, goes urgent */
    fo_clock_fake_advance(clk, 999);
    expect_get(q, "ns/moved");
    expect_empty(q);
    fo_workqueue_done(q, "ns/moved");
    fo_clock_fake_advance(clk, 1001);
    ck_assert_uint_eq(fo_workqueue_len(q), 3);
    expect_get(q, "ns/step");
    expect_get(q, "ns/a");
    expect_get(q, "ns/b");
    expect_empty(q);
    fo_workqueue_done(q, "ns/step");
    fo_workqueue_done(q, "ns/a");
    fo_workqueue_done(q, "ns/b");
    /* the lane went with the entry: a later normal delay of the same key is normal */
    fo_workqueue_add_after(q, "ns/step", 100);
    fo_workqueue_add_after(q, "ns/c", 50);
    fo_clock_fake_advance(clk, 100);
    expect_get(q, "ns/c");
    expect_get(q, "ns/step");
    fo_workqueue_free(q);
}
END_TEST

START_TEST(bad_options_and_keys_are_refused)
{
    fo_workqueue_opts o = {.clock = clk, .base_delay_ms = 10, .max_delay_ms = 5};
    ck_assert_ptr_null(fo_workqueue_new(&o));
    o = (fo_workqueue_opts){.clock = clk, .base_delay_ms = -1};
    ck_assert_ptr_null(fo_workqueue_new(&o));
    fo_workqueue *q = new_queue();
    char long_key[FO_WORKQUEUE_MAX_KEY + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    fo_workqueue_add(q, long_key);
    fo_workqueue_add(q, "");
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    fo_workqueue_free(q);
    fo_workqueue_free(NULL);
}
END_TEST

/* ---- many threads ---- */

#define NKEYS 64
#define NWORKERS 8
#define NPRODUCERS 3
#define ADDS_PER_PRODUCER 4000

struct stress {
    fo_workqueue *q;
    atomic_int busy[NKEYS];       /* workers inside a key right now */
    atomic_int generation[NKEYS]; /* bumped before each add */
    atomic_int seen[NKEYS];       /* generation a worker saw when it took the key */
    atomic_int overlaps;
    atomic_int processed;
    bool urgent; /* producers use add_urgent for about half of their adds */
};

static int key_index(const char *key)
{
    return atoi(key + 3);
}

static void *stress_worker(void *arg)
{
    struct stress *s = arg;
    char *key;
    while (fo_workqueue_get(s->q, &key) == FO_OK) {
        int k = key_index(key);
        if (atomic_fetch_add(&s->busy[k], 1) != 0)
            atomic_fetch_add(&s->overlaps, 1);
        atomic_store(&s->seen[k], atomic_load(&s->generation[k]));
        sched_yield();
        atomic_fetch_sub(&s->busy[k], 1);
        atomic_fetch_add(&s->processed, 1);
        fo_workqueue_done(s->q, key);
        free(key);
    }
    return NULL;
}

static void *stress_producer(void *arg)
{
    struct stress *s = arg;
    unsigned seed = (unsigned)(uintptr_t)pthread_self();
    for (int i = 0; i < ADDS_PER_PRODUCER; i++) {
        int k = (int)(rand_r(&seed) % NKEYS);
        char key[16];
        snprintf(key, sizeof key, "ns/%d", k);
        atomic_fetch_add(&s->generation[k], 1);
        /* with the urgent lane on: events and periodic passes for the same keys, mixed */
        if (s->urgent && rand_r(&seed) % 2)
            fo_workqueue_add_urgent(s->q, key);
        else
            fo_workqueue_add(s->q, key);
    }
    return NULL;
}

static void run_stress(bool urgent)
{
    static struct stress s;
    memset(&s, 0, sizeof s);
    s.urgent = urgent;
    fo_workqueue_opts o = {.clock = fo_clock_real()};
    s.q = fo_workqueue_new(&o);
    pthread_t workers[NWORKERS], producers[NPRODUCERS];
    for (int i = 0; i < NWORKERS; i++)
        pthread_create(&workers[i], NULL, stress_worker, &s);
    for (int i = 0; i < NPRODUCERS; i++)
        pthread_create(&producers[i], NULL, stress_producer, &s);
    for (int i = 0; i < NPRODUCERS; i++)
        pthread_join(producers[i], NULL);
    /* Shutdown drains: keys still queued, or re-queued by done, are handed out first. */
    fo_workqueue_shutdown(s.q);
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(workers[i], NULL);
    ck_assert_int_eq(atomic_load(&s.overlaps), 0);
    ck_assert_int_gt(atomic_load(&s.processed), 0);
    ck_assert_int_le(atomic_load(&s.processed), NPRODUCERS * ADDS_PER_PRODUCER);
    /* Every add was followed by a pass that saw it. */
    for (int k = 0; k < NKEYS; k++)
        ck_assert_int_eq(atomic_load(&s.seen[k]), atomic_load(&s.generation[k]));
    ck_assert_uint_eq(fo_workqueue_len(s.q), 0);
    fo_workqueue_free(s.q);
}

START_TEST(no_key_is_ever_processed_by_two_workers_at_once)
{
    run_stress(false);
}
END_TEST

/* The same with the urgent lane: keys moving between the lanes (a stale entry left behind
 * each time) are still never held by two workers, never lost, and drained at shutdown. */
START_TEST(no_key_is_processed_twice_at_once_or_lost_across_the_two_lanes)
{
    run_stress(true);
}
END_TEST

/* Take keys until ns/a comes, handing the periodic key ns/p back (done, then queued again as
 * its next pass would be); at most one ns/p comes first (the fairness rule). */
static char *take_a(fo_workqueue *q)
{
    char *key = NULL;
    ck_assert_int_eq(fo_workqueue_try_get(q, &key), FO_OK);
    if (strcmp(key, "ns/p") == 0) {
        fo_workqueue_done(q, key);
        fo_workqueue_add(q, key);
        free(key);
        ck_assert_int_eq(fo_workqueue_try_get(q, &key), FO_OK);
    }
    ck_assert_str_eq(key, "ns/a");
    return key;
}

/* A key moved between the lanes over and over, while held and while waiting, next to a
 * periodic key: each add while held queues it once at done, each move while waiting leaves
 * one key ready, and the count of ready keys stays exact throughout (the stale entries the
 * moves leave are dropped, or the loop would slow down and grow). */
START_TEST(a_key_moved_between_lanes_over_and_over_stays_one_key)
{
    fo_workqueue *q = new_queue();
    fo_workqueue_add(q, "ns/p");
    for (int i = 0; i < 5000; i++) {
        fo_workqueue_add(q, "ns/a");
        fo_workqueue_add_urgent(q, "ns/a");
        fo_workqueue_add(q, "ns/a");
        ck_assert_uint_eq(fo_workqueue_len(q), 2);
        char *key = take_a(q);
        ck_assert_uint_eq(fo_workqueue_len(q), 1);
        /* held: moved back and forth, queued once at done */
        fo_workqueue_add(q, "ns/a");
        fo_workqueue_add_urgent(q, "ns/a");
        fo_workqueue_add(q, "ns/a");
        ck_assert_uint_eq(fo_workqueue_len(q), 1);
        fo_workqueue_done(q, key);
        free(key);
        ck_assert_uint_eq(fo_workqueue_len(q), 2);
        key = take_a(q);
        fo_workqueue_done(q, key);
        free(key);
        ck_assert_uint_eq(fo_workqueue_len(q), 1);
    }
    expect_get(q, "ns/p");
    expect_empty(q);
    ck_assert_uint_eq(fo_workqueue_len(q), 0);
    fo_workqueue_free(q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workqueue");
    TCase *tc = tcase_create("workqueue");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, duplicate_add_is_processed_once);
    tcase_add_test(tc, key_added_while_processing_waits_for_done);
    tcase_add_test(tc, add_after_waits_for_the_clock);
    tcase_add_test(tc, a_waiting_key_keeps_the_earlier_time);
    tcase_add_test(tc, an_immediate_add_does_not_cancel_a_delayed_one);
    tcase_add_test(tc, per_key_backoff_doubles_until_the_cap_and_forget_resets_it);
    tcase_add_test(tc, overall_bucket_spaces_out_many_keys);
    tcase_add_test(tc, add_rate_limited_queues_after_the_backoff);
    tcase_add_test(tc, blocked_get_wakes_on_add_and_on_the_clock);
    tcase_add_test(tc, shutdown_wakes_blocked_workers_and_drains);
    tcase_add_test(tc, bad_options_and_keys_are_refused);
    tcase_add_test(tc, an_urgent_key_goes_ahead_of_the_queued_ones);
    tcase_add_test(tc, a_delayed_urgent_key_goes_ahead_when_its_time_comes);
    tcase_add_test(tc, an_urgent_add_moves_a_waiting_key_ahead_once);
    tcase_add_test(tc, an_urgent_add_while_processing_goes_ahead_at_done);
    tcase_add_test(tc, a_moved_key_is_never_handed_out_twice);
    tcase_add_test(tc, a_stale_entry_behind_another_key_never_hands_out_a_held_key);
    tcase_add_test(tc, a_key_queued_again_after_a_move_waits_behind_older_keys);
    tcase_add_test(tc, urgent_keys_do_not_starve_the_others);
    tcase_add_test(tc, no_key_is_ever_processed_by_two_workers_at_once);
    tcase_add_test(tc, no_key_is_processed_twice_at_once_or_lost_across_the_two_lanes);
    tcase_add_test(tc, a_key_moved_between_lanes_over_and_over_stays_one_key);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
