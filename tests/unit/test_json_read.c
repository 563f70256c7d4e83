/* json_read's member filter: members left out at any depth, through arrays, with their types
 * reported; everything else built exactly as without a filter. (Acceptance and results without
 * a filter are compared with jansson in test_review_json.) */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "common/jsonutil.h"

/* A List: items[].metadata.secret is left out, items[].metadata.tags goes on in state TAGS,
 * where the member "drop" is left out. */
enum { NONE, LIST, ITEMS, ITEM, META, TAGS };

static int calls_with_null_key;

static int member(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
#define IS(lit) (key && n == sizeof(lit) - 1 && memcmp(key, lit, n) == 0)
    if (!key)
        calls_with_null_key++;
    switch (st) {
    case LIST:
        return IS("items") ? ITEMS : NONE;
    case ITEMS:
        return key ? NONE : ITEM;
    case ITEM:
        return IS("metadata") ? META : NONE;
    case META:
        if (IS("secret"))
            *skip = 0;
        return IS("tags") ? TAGS : NONE;
    case TAGS:
        if (IS("drop"))
            *skip = 1;
        return NONE;
    }
#undef IS
    return NONE;
}

static const char list_text[] =
    "{\"kind\":\"List\",\"metadata\":{\"secret\":\"top-level: kept\"},\"items\":["
    "{\"metadata\":{\"name\":\"a\",\"secret\":[1,2,{\"x\":3}],\"tags\":{\"drop\":\"x\",\"keep\":\"y\"}},"
    "\"spec\":{\"items\":[{\"metadata\":{\"secret\":\"nested: kept\"}}]}},"
    "{\"metadata\":{\"name\":\"b\",\"secret\":null}},"
    "7,"
    "{\"metadata\":[{\"secret\":\"metadata not an object: kept\"}]}"
    "]}";

START_TEST(filtered_members_are_left_out_through_arrays_and_the_rest_is_intact)
{
    int types[2];
    fo_json_read_filter f = {.root_state = LIST,
                             .member = member,
                             .skipped_types = types,
                             .nskipped = 2};
    fo_err err;
    calls_with_null_key = 0;
    json_t *got = fo_json_read(list_text, strlen(list_text), &f, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    /* the items array, and the last item's metadata, an array read in state META (its
     * elements get state NONE: no filtering inside) */
    ck_assert_int_eq(calls_with_null_key, 2);

    json_t *want = json_loads(list_text, 0, NULL);
    json_t *items = json_object_get(want, "items");
    json_object_del(json_object_get(json_array_get(items, 0), "metadata"), "secret");
    json_object_del(fo_json_get(json_array_get(items, 0), "metadata.tags"), "drop");
    json_object_del(json_object_get(json_array_get(items, 1), "metadata"), "secret");
    ck_assert_msg(json_equal(got, want), "got %s", json_dumps(got, JSON_COMPACT));
    /* the last one seen of each skipped member */
    ck_assert_int_eq(types[0], JSON_NULL);
    ck_assert_int_eq(types[1], JSON_STRING);
    json_decref(got);
    json_decref(want);
}
END_TEST

START_TEST(skipped_members_are_still_checked)
{
    static const char bad[] = "{\"items\":[{\"metadata\":{\"secret\":[1,}}]}";
    fo_json_read_filter f = {.root_state = LIST, .member = member};
    fo_err err;
    ck_assert_ptr_null(fo_json_read(bad, strlen(bad), &f, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    /* the same message as without the filter: the '}' after "[1," */
    ck_assert_str_eq(err.message, "invalid JSON at line 1, column 36: invalid token");
}
END_TEST

START_TEST(without_a_filter_or_in_state_zero_everything_is_built)
{
    fo_err err;
    json_t *plain = fo_json_read(list_text, strlen(list_text), NULL, &err);
    fo_json_read_filter f = {.root_state = NONE, .member = member};
    calls_with_null_key = 0;
    json_t *zero = fo_json_read(list_text, strlen(list_text), &f, &err);
    json_t *want = json_loads(list_text, 0, NULL);
    ck_assert(json_equal(plain, want));
    ck_assert(json_equal(zero, want));
    ck_assert_int_eq(calls_with_null_key, 0);
    json_decref(plain);
    json_decref(zero);
    json_decref(want);
}
END_TEST

START_TEST(what_is_built_past_max_weight_stops_the_read_and_skipped_members_weigh_nothing)
{
    fo_err err;
    /* [1,[2,3]]: five values of weight 1 */
    fo_json_read_filter five = {.max_weight = 5}, four = {.max_weight = 4};
    json_t *v = fo_json_read("[1,[2,3]]", 9, &five, &err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    ck_assert_ptr_null(fo_json_read("[1,[2,3]]", 9, &four, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_str_eq(err.message,
                     "more than 4 JSON values (an object counts 3, each of its keys 1 more)");
    /* {"a":{}}: two objects (3 each) and one key */
    fo_json_read_filter seven = {.max_weight = 7}, six = {.max_weight = 6};
    v = fo_json_read("{\"a\":{}}", 8, &seven, &err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    ck_assert_ptr_null(fo_json_read("{\"a\":{}}", 8, &six, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    /* the options hold without a member function */
    fo_json_read_filter reals = {.big_integers_as_reals = true};
    v = fo_json_read("100000000000000000000", 21, &reals, &err);
    ck_assert(json_is_real(v));
    json_decref(v);

    /* a skipped member holds any number of values: only what is built weighs */
    static const char text[] = "{\"items\":[{\"metadata\":{\"secret\":[1,2,3,4,5,6,7,8,9],"
                               "\"name\":\"a\"}}]}";
    /* the root object 3 + key 1, items 1, the item 3 + key 1, metadata 3 + key 1 ("name"; the
     * skipped "secret" is not charged), "a" 1 */
    fo_json_read_filter f = {.root_state = LIST, .member = member, .max_weight = 14};
    v = fo_json_read(text, strlen(text), &f, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    json_decref(v);
    f.max_weight = 13;
    ck_assert_ptr_null(fo_json_read(text, strlen(text), &f, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
}
END_TEST

/* A key with \u0000 is read whole (jansson refuses it; the API server stores it). */
START_TEST(keys_with_nul_are_read_with_their_length)
{
    static const char text[] = "{\"a\\u0000b\":1,\"a\":2,\"\\u0000\":[3]}";
    fo_err err;
    json_t *v = fo_json_read(text, strlen(text), NULL, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_uint_eq(json_object_size(v), 3);
    ck_assert_int_eq(json_integer_value(json_object_getn(v, "a\0b", 3)), 1);
    ck_assert_int_eq(json_integer_value(json_object_getn(v, "a", 1)), 2);
    ck_assert(json_is_array(json_object_getn(v, "\0", 1)));
    json_decref(v);
}
END_TEST

/* Skips the member "skipped" of the top-level object. */
static int skip_member_named_skipped(void *ctx, int st, const char *key, size_t n, int *skip)
{
    (void)ctx;
    if (key && n == 7 && memcmp(key, "skipped", 7) == 0)
        *skip = 0;
    return st == 1 ? 2 : 0;
}

/* The reader says whether it built a key holding NUL, without a walk of the result: not for
 * NUL in values, in skipped members, or in other escaped keys. */
START_TEST(the_reader_tells_when_it_built_a_key_holding_nul)
{
    static const struct {
        const char *text;
        bool seen;
    } cases[] = {
        {"{\"a\":{\"b\\u0000\":1}}", true},
        {"[{\"\\u0000\":1}]", true},
        {"{\"a\":\"x\\u0000y\",\"\\u00e9\\n\":1}", false},
        {"{\"skipped\":{\"b\\u0000\":1},\"kept\":2}", false},
        {"{\"kept\":{\"b\\u0000\":1}}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool seen = false;
        fo_json_read_filter f = {.root_state = 1,
                                 .member = skip_member_named_skipped,
                                 .nul_key_built = &seen};
        fo_err err;
        json_t *v = fo_json_read(cases[i].text, strlen(cases[i].text), &f, &err);
        ck_assert_msg(v != NULL, "%s: %s", cases[i].text, err.message);
        ck_assert_msg(seen == cases[i].seen, "%s: seen %d", cases[i].text, seen);
        json_decref(v);
        /* without a member function too */
        fo_json_read_filter plain = {.nul_key_built = &seen};
        seen = false;
        v = fo_json_read(cases[i].text, strlen(cases[i].text), &plain, &err);
        ck_assert(seen == (cases[i].seen || strstr(cases[i].text, "skipped") != NULL));
        json_decref(v);
    }
}
END_TEST

static char g_nul_path[2048], g_nul_key[256];
static void record_nul_key(void *ctx, const char *path, const char *key)
{
    (void)ctx;
    snprintf(g_nul_path, sizeof g_nul_path, "%s", path);
    snprintf(g_nul_key, sizeof g_nul_key, "%s", key);
}

/* fo_json_nul_keys names the object holding such a key by its path, cut visibly when too
 * long (never with a step left out), and the key with its NUL (and any control character) as
 * \u00XX, never cut inside a UTF-8 character. */
START_TEST(nul_keys_are_named_by_path_and_shown_as_json_can_carry_them)
{
    json_t *doc = json_object();
    json_t *inner = json_object();
    json_object_setn_new(inner, "x\0y", 3, json_integer(1));
    json_object_set_new(doc, "a", json_pack("[i, {s:o}]", 1, "b", inner));
    ck_assert_uint_eq(fo_json_nul_keys(doc, "spec", 8, record_nul_key, NULL), 1);
    ck_assert_str_eq(g_nul_path, "spec.a[1].b");
    ck_assert_str_eq(g_nul_key, "x\\u0000y");
    json_decref(doc);
    /* other control characters too: the key goes into a log line or an admission warning */
    doc = json_object();
    json_object_setn_new(doc, "a\nb\0c\x7f", 6, json_integer(1));
    ck_assert_uint_eq(fo_json_nul_keys(doc, "spec", 8, record_nul_key, NULL), 1);
    ck_assert_str_eq(g_nul_key, "a\\u000ab\\u0000c\\u007f");
    json_decref(doc);

    /* a path step too long to name: the path ends in "...", not in a later step */
    char long_key[1101];
    memset(long_key, 'A', 1100);
    long_key[1100] = '\0';
    inner = json_object();
    json_object_setn_new(inner, "z\0", 2, json_integer(1));
    doc = json_pack("{s:{s:o}}", long_key, "b", inner);
    ck_assert_uint_eq(fo_json_nul_keys(doc, "spec", 8, record_nul_key, NULL), 1);
    ck_assert_str_eq(g_nul_path, "spec...");
    json_decref(doc);

    /* a long key of two-byte characters is cut between characters */
    char wide[403];
    for (int i = 0; i < 200; i++)
        memcpy(wide + 2 * i, "\xC3\xA9", 2);
    wide[400] = '\0';
    wide[401] = 'q';
    doc = json_object();
    json_object_setn_new(doc, wide, 402, json_integer(1));
    ck_assert_uint_eq(fo_json_nul_keys(doc, "", 8, record_nul_key, NULL), 1);
    json_t *as_json = json_string(g_nul_key); /* jansson refuses broken UTF-8 */
    ck_assert_ptr_nonnull(as_json);
    ck_assert_uint_gt(strlen(g_nul_key), 100);
    json_decref(as_json);
    json_decref(doc);
}
END_TEST

/* fo_json_weight charges what the reader charges: a document reads with its weight as the
 * bound and not with one less; past `stop` the count stops early but stays over it. */
START_TEST(fo_json_weight_is_the_readers_measure)
{
    static const char *const docs[] = {
        "1", "[]", "{}", "[1,[2,3]]", "{\"a\":{}}", "{\"a\":[1,{\"b\":null,\"c\":\"x\"}],\"d\":true}",
        "[[[[{}]]],{\"k\":{\"l\":{\"m\":[1,2,3]}}}]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        fo_err err;
        json_t *v = fo_json_read(docs[i], strlen(docs[i]), NULL, &err);
        size_t w = fo_json_weight(v, SIZE_MAX);
        fo_json_read_filter exact = {.max_weight = w}, less = {.max_weight = w - 1};
        json_t *again = fo_json_read(docs[i], strlen(docs[i]), &exact, &err);
        ck_assert_msg(again != NULL, "%s: weight %zu refused", docs[i], w);
        json_decref(again);
        if (w > 1) {
            ck_assert_msg(!fo_json_read(docs[i], strlen(docs[i]), &less, &err),
                          "%s: read within %zu", docs[i], w - 1);
            ck_assert_uint_gt(fo_json_weight(v, w - 2), w - 2);
        }
        json_decref(v);
    }
    ck_assert_uint_eq(fo_json_weight(NULL, 10), 0);
}
END_TEST

START_TEST(with_an_item_state_each_item_has_the_bound_to_itself)
{
    fo_err err;
    /* each item {"metadata":{"name":"x"}} weighs 3 + 1 + 3 + 1 + 1 = 9; three of them are 27,
     * over a document bound of 12, but each is within an item bound of 9 */
    static const char text[] =
        "{\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}},"
        "{\"metadata\":{\"name\":\"c\"}}]}";
    size_t over = 0;
    fo_json_read_filter f = {.root_state = LIST,
                             .member = member,
                             .max_weight = 9,
                             .item_state = ITEM,
                             .item_over_at = &over};
    json_t *v = fo_json_read(text, strlen(text), &f, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_uint_eq(json_array_size(json_object_get(v, "items")), 3);
    ck_assert_uint_eq(over, (size_t)-1);
    json_decref(v);
    /* one heavier item: the read stops there and names where that item starts */
    static const char heavy[] =
        "{\"items\":[{\"metadata\":{\"name\":\"a\"}},"
        "{\"metadata\":{\"name\":\"b\",\"x\":1}},"
        "{\"metadata\":{\"name\":\"c\"}}]}";
    ck_assert_ptr_null(fo_json_read(heavy, strlen(heavy), &f, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_uint_eq(over, (size_t)(strstr(heavy, "},{") + 2 - heavy));
    /* what is outside the items has the bound too: the root object 3 + "items" 1 + the
     * array 1 = 5, and "kind" 1 + its value 1 make 7 */
    static const char outside[] = "{\"kind\":\"List\",\"items\":[]}";
    f.max_weight = 6;
    ck_assert_ptr_null(fo_json_read(outside, strlen(outside), &f, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_uint_eq(over, (size_t)-1); /* not in an item */
    f.max_weight = 7;
    v = fo_json_read(outside, strlen(outside), &f, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    json_decref(v);
}
END_TEST

START_TEST(a_value_inside_a_larger_text_is_read_to_its_end)
{
    fo_err err;
    size_t used = 0;
    static const char text[] = "  {\"a\":[1,{\"b\":\"}\"}]} , {\"next\":2}";
    json_t *v = fo_json_read_value(text, strlen(text), NULL, &used, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_uint_eq(used, (size_t)(strstr(text, " ,") - text));
    ck_assert_str_eq(fo_json_str(json_array_get(json_object_get(v, "a"), 1), "b"), "}");
    json_decref(v);
    /* what the value holds is still checked, and fo_json_read wants nothing after it */
    ck_assert_ptr_null(fo_json_read_value("[1,]", 4, NULL, &used, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_null(fo_json_read(text, strlen(text), NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "end of input expected"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_read");
    TCase *tc = tcase_create("filter");
    tcase_add_test(tc, filtered_members_are_left_out_through_arrays_and_the_rest_is_intact);
    tcase_add_test(tc, skipped_members_are_still_checked);
    tcase_add_test(tc, without_a_filter_or_in_state_zero_everything_is_built);
    tcase_add_test(tc, what_is_built_past_max_weight_stops_the_read_and_skipped_members_weigh_nothing);
    tcase_add_test(tc, keys_with_nul_are_read_with_their_length);
    tcase_add_test(tc, the_reader_tells_when_it_built_a_key_holding_nul);
    tcase_add_test(tc, nul_keys_are_named_by_path_and_shown_as_json_can_carry_them);
    tcase_add_test(tc, fo_json_weight_is_the_readers_measure);
    tcase_add_test(tc, with_an_item_state_each_item_has_the_bound_to_itself);
    tcase_add_test(tc, a_value_inside_a_larger_text_is_read_to_its_end);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
