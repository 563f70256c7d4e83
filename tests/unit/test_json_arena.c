/* json_arena: jansson values of a window come from the calling thread's arena and go with its
 * end; values from outside the window, from a paused stretch or past the size cap come from
 * malloc and are freed as usual; a dropped window value waits for the end; windows nest;
 * threads have their own arenas. Under ASan a use after the window and an overrun into the red
 * zone are reported (the death tests). Under valgrind the thread-exit release of each arena is
 * checked by the leak check. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_arena.h"
#include "common/jsonutil.h"

static void setup(void)
{
    fo_json_arena_install();
}

/* A small document like the ones a request builds: objects, arrays, strings, numbers. */
static json_t *build(int n)
{
    json_t *doc = json_object();
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:i, s:s, s:[b, n]}", "i", i, "name", "taskmanager", "flags", 1));
    json_object_set_new(doc, "items", items);
    json_object_set_new(doc, "kind", json_string("FlinkDeployment"));
    return doc;
}

START_TEST(values_of_a_window_come_from_the_arena_and_go_with_its_end)
{
    ck_assert_uint_eq(fo_json_arena_used(), 0);
    fo_json_arena_begin();
    json_t *doc = build(50);
    ck_assert_ptr_nonnull(doc);
    ck_assert(fo_json_arena_owns(doc));
    ck_assert(fo_json_arena_owns(json_object_get(doc, "items")));
    size_t used = fo_json_arena_used();
    ck_assert_uint_gt(used, 50 * 3 * sizeof(void *));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_array_get(json_object_get(doc, "items"), 49), "i")),
        49);
    /* copies, edits and drops inside the window work as with malloc */
    json_t *copy = fo_json_copy(doc);
    ck_assert(fo_json_equal(copy, doc));
    json_array_clear(json_object_get(copy, "items"));
    ck_assert(!fo_json_equal(copy, doc));
    json_decref(copy);
    json_decref(doc);
    ck_assert_uint_ge(fo_json_arena_used(), used); /* freeing gives nothing back early */
    fo_json_arena_end();
    ck_assert_uint_eq(fo_json_arena_used(), 0);
    ck_assert(!fo_json_arena_owns(doc));

    /* the next window starts empty and reuses the kept chunk */
    fo_json_arena_begin();
    json_t *again = build(50);
    ck_assert_uint_eq(fo_json_arena_used(), used);
    json_decref(again);
    fo_json_arena_end();
}
END_TEST

START_TEST(values_from_outside_the_window_are_used_and_freed_as_usual)
{
    json_t *outside = build(20); /* malloc */
    ck_assert(!fo_json_arena_owns(outside));
    fo_json_arena_begin();
    ck_assert(!fo_json_arena_owns(outside));
    json_t *inside = json_object();
    /* an arena container may hold a reference to an outside value */
    json_object_set(inside, "borrowed", outside);
    json_decref(inside);
    /* the last reference to an outside value dropped inside the window: free(), not the arena
     * (ASan and valgrind would report a wrong free) */
    json_object_del(outside, "items");
    json_decref(outside);
    fo_json_arena_end();
}
END_TEST

START_TEST(a_paused_stretch_makes_values_that_outlive_the_window)
{
    fo_json_arena_begin();
    json_t *request_value = json_string("request");
    bool was = fo_json_arena_pause();
    ck_assert(!was);
    json_t *kept = build(10);
    ck_assert(!fo_json_arena_owns(kept));
    /* a value of the window freed while paused is still the arena's */
    json_decref(request_value);
    fo_json_arena_resume(was);
    ck_assert(fo_json_arena_owns(json_string("back in the arena")));
    fo_json_arena_end();
    ck_assert_int_eq(json_array_size(json_object_get(kept, "items")), 10);
    ck_assert_str_eq(json_string_value(json_object_get(kept, "kind")), "FlinkDeployment");
    json_decref(kept);
}
END_TEST

START_TEST(windows_nest_and_only_the_outermost_end_releases)
{
    fo_json_arena_begin();
    json_t *a = json_string("outer");
    fo_json_arena_begin();
    json_t *b = json_string("inner");
    fo_json_arena_end();
    ck_assert(fo_json_arena_owns(a));
    ck_assert(fo_json_arena_owns(b));
    ck_assert_str_eq(json_string_value(b), "inner");
    fo_json_arena_end();
    ck_assert(!fo_json_arena_owns(a));
    fo_json_arena_end(); /* an end without a window does nothing */
    ck_assert_uint_eq(fo_json_arena_used(), 0);
}
END_TEST

START_TEST(large_values_get_chunks_of_their_own)
{
    size_t n = 3u * 1024 * 1024; /* over FO_JSON_ARENA_KEEP_BYTES */
    char *text = malloc(n + 1);
    memset(text, 'x', n);
    text[n] = '\0';
    fo_json_arena_begin();
    json_t *small = json_string("before");
    json_t *big = json_stringn(text, n);
    json_t *after = json_string("after");
    ck_assert(fo_json_arena_owns(big));
    ck_assert(fo_json_arena_owns(small));
    ck_assert(fo_json_arena_owns(after));
    ck_assert_uint_eq(json_string_length(big), n);
    ck_assert_int_eq(memcmp(json_string_value(big), text, n), 0);
    ck_assert_str_eq(json_string_value(small), "before");
    ck_assert_str_eq(json_string_value(after), "after");
    fo_json_arena_end();
    free(text);
}
END_TEST

START_TEST(past_the_size_cap_allocations_come_from_malloc)
{
    size_t n = 1024 * 1024;
    char *text = malloc(n + 1);
    memset(text, 'y', n);
    text[n] = '\0';
    size_t count = FO_JSON_ARENA_MAX_BYTES / n + 4;
    json_t **values = calloc(count, sizeof *values);
    fo_json_arena_begin();
    size_t owned = 0;
    for (size_t i = 0; i < count; i++) {
        values[i] = json_stringn_nocheck(text, n);
        ck_assert_ptr_nonnull(values[i]);
        owned += fo_json_arena_owns(json_string_value(values[i]));
    }
    ck_assert_uint_lt(owned, count);
    ck_assert_uint_gt(owned, 0);
    ck_assert_uint_le(fo_json_arena_used(), FO_JSON_ARENA_MAX_BYTES);
    ck_assert(!fo_json_arena_owns(json_string_value(values[count - 1])));
    for (size_t i = 0; i < count; i++)
        json_decref(values[i]); /* the malloc'd ones are freed here (leak check) */
    fo_json_arena_end();
    free(values);
    free(text);
}
END_TEST

START_TEST(dumps_inside_a_window_returns_malloc_memory)
{
    fo_json_arena_begin();
    json_t *doc = build(3);
    char *text = fo_json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    ck_assert(!fo_json_arena_owns(text));
    ck_assert_ptr_nonnull(strstr(text, "\"kind\":\"FlinkDeployment\""));
    char *canonical = fo_json_dumps_canonical(doc);
    ck_assert_ptr_eq(strstr(canonical, "{\"items\":"), canonical); /* sorted keys */
    json_decref(doc);
    fo_json_arena_end();
    free(text); /* after the window: plain malloc memory */
    free(canonical);
    ck_assert_ptr_null(fo_json_dumps(NULL, JSON_COMPACT));
    json_t *scalar = json_integer(7);
    ck_assert_ptr_null(fo_json_dumps(scalar, JSON_COMPACT)); /* needs JSON_ENCODE_ANY */
    char *seven = fo_json_dumps(scalar, JSON_ENCODE_ANY);
    ck_assert_str_eq(seven, "7");
    free(seven);
    json_decref(scalar);
}
END_TEST

/* Each thread builds, checks and drops documents in its own windows; another thread's values
 * are never its arena's. */
static json_t *other_thread_value;

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int round = 0; round < 200; round++) {
        fo_json_arena_begin();
        json_t *doc = build(10 + (int)id);
        if (!fo_json_arena_owns(doc) ||
            (other_thread_value && fo_json_arena_owns(other_thread_value)) ||
            json_array_size(json_object_get(doc, "items")) != (size_t)(10 + id)) {
            fo_json_arena_end();
            return (void *)1;
        }
        json_decref(doc);
        fo_json_arena_end();
    }
    return NULL;
}

START_TEST(a_dropped_window_value_is_left_for_the_end_and_others_are_decrefed)
{
    fo_json_arena_begin();
    json_t *doc = build(50);
    json_t *items = json_object_get(doc, "items");
    size_t used = fo_json_arena_used();
    fo_json_arena_drop(doc);
    /* not walked: the tree is untouched until the window's end */
    ck_assert_uint_eq(doc->refcount, 1);
    ck_assert_uint_eq(items->refcount, 1);
    ck_assert_int_eq(json_array_size(items), 50);
    ck_assert_uint_eq(fo_json_arena_used(), used);
    /* a value from outside the window is released at once, window or not */
    bool was = fo_json_arena_pause();
    json_t *outside = build(5);
    fo_json_arena_resume(was);
    json_incref(outside);
    fo_json_arena_drop(outside);
    ck_assert_uint_eq(outside->refcount, 1);
    fo_json_arena_end();
    fo_json_arena_drop(outside); /* the last reference: freed (the leak checks see it) */
    fo_json_arena_drop(NULL);
}
END_TEST

START_TEST(threads_have_arenas_of_their_own)
{
    fo_json_arena_begin();
    other_thread_value = json_string("main thread");
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *ret = (void *)1;
        pthread_join(t[i], &ret);
        ck_assert_ptr_null(ret);
    }
    ck_assert(fo_json_arena_owns(other_thread_value));
    fo_json_arena_end();
    other_thread_value = NULL;
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
START_TEST(asan_reports_a_use_after_the_window)
{
    fo_json_arena_begin();
    json_t *s = json_string("gone");
    fo_json_arena_end();
    volatile char c = json_string_value(s)[0]; /* reported: exits with ASan's status 1 */
    (void)c;
}
END_TEST

START_TEST(asan_reports_an_overrun_into_the_red_zone)
{
    fo_json_arena_begin();
    json_t *s = json_string("0123456789abcdef"); /* 17 bytes of text */
    char *text = (char *)json_string_value(s);
    volatile char c = text[17 + 2];
    (void)c;
    fo_json_arena_end();
}
END_TEST
#endif

static Suite *suite(void)
{
    Suite *s = suite_create("json_arena");
    TCase *tc = tcase_create("arena");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, values_of_a_window_come_from_the_arena_and_go_with_its_end);
    tcase_add_test(tc, values_from_outside_the_window_are_used_and_freed_as_usual);
    tcase_add_test(tc, a_paused_stretch_makes_values_that_outlive_the_window);
    tcase_add_test(tc, windows_nest_and_only_the_outermost_end_releases);
    tcase_add_test(tc, large_values_get_chunks_of_their_own);
    tcase_add_test(tc, past_the_size_cap_allocations_come_from_malloc);
    tcase_add_test(tc, dumps_inside_a_window_returns_malloc_memory);
    tcase_add_test(tc, a_dropped_window_value_is_left_for_the_end_and_others_are_decrefed);
    tcase_add_test(tc, threads_have_arenas_of_their_own);
#if defined(__SANITIZE_ADDRESS__)
    /* death tests need a child process per test */
    const char *fork_mode = getenv("CK_FORK");
    if (!fork_mode || strcmp(fork_mode, "no") != 0) {
        tcase_add_exit_test(tc, asan_reports_a_use_after_the_window, 1);
        tcase_add_exit_test(tc, asan_reports_an_overrun_into_the_red_zone, 1);
    }
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
