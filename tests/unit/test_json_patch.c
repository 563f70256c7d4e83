/* JSON Pointer (RFC 6901), JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_patch.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"

static json_t *load_json(const char *name)
{
    char *path = fo_test_data_path(name);
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_json_load_file(path, 0, &err);
    if (!v)
        ck_abort_msg("%s: %s", name, err.message);
    free(path);
    return v;
}

static json_t *js(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, jerr.text);
    return v;
}

static void assert_json_eq(const json_t *got, const json_t *want, const char *what)
{
    if (!fo_json_equal(got, want)) {
        char *g = got ? fo_json_dumps_canonical(got) : strdup("(NULL)");
        char *w = fo_json_dumps_canonical(want);
        ck_abort_msg("%s: got %s, want %s", what, g, w);
    }
}

/* Run every case of a fixture: {name, doc, patch, expected} or {..., error, message}. */
static void run_patch_cases(const char *fixture)
{
    json_t *cases = load_json(fixture);
    ck_assert(json_array_size(cases) > 0);
    size_t i;
    json_t *tc;
    json_array_foreach(cases, i, tc)
    {
        const char *name = fo_json_str(tc, "name");
        json_t *doc = json_object_get(tc, "doc");
        json_t *doc_before = json_deep_copy(doc);
        fo_err err;
        fo_err_clear(&err);
        json_t *got = fo_json_patch_apply(doc, json_object_get(tc, "patch"), &err);
        const char *want_error = fo_json_str(tc, "error");
        if (want_error) {
            ck_assert_msg(got == NULL, "%s: expected an error", name);
            fo_rc want_rc = strcmp(want_error, "malformed") == 0 ? FO_EINVAL : FO_EINVALID;
            ck_assert_msg(err.rc == want_rc, "%s: rc %s, want %s (%s)", name, fo_rc_name(err.rc),
                          fo_rc_name(want_rc), err.message);
            const char *msg = fo_json_str(tc, "message");
            if (msg)
                ck_assert_msg(strstr(err.message, msg) != NULL, "%s: message \"%s\" lacks \"%s\"",
                              name, err.message, msg);
        } else {
            ck_assert_msg(got != NULL, "%s: %s", name, err.message);
            assert_json_eq(got, json_object_get(tc, "expected"), name);
        }
        /* apply never changes its input */
        assert_json_eq(doc, doc_before, name);
        json_decref(doc_before);
        json_decref(got);
    }
    json_decref(cases);
}

/* A.13 (an operation with two "op" members) is a JSON parsing matter: jansson keeps the last
 * member unless the caller parses with JSON_REJECT_DUPLICATES, which callers that parse
 * patches from clients (the fake API server) should do. It has no case here. */
START_TEST(rfc6902_appendix_a_examples_apply_as_specified)
{
    run_patch_cases("patch-rfc6902-appendix-a.json");
}
END_TEST

START_TEST(patch_rules_on_indexes_pointers_and_errors_hold)
{
    run_patch_cases("patch-rules.json");
}
END_TEST

START_TEST(rfc6901_section5_pointers_resolve)
{
    json_t *doc = js("{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3,"
                     " \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8}");
    ck_assert_ptr_eq(fo_json_pointer_get(doc, ""), doc);
    ck_assert_uint_eq(json_array_size(fo_json_pointer_get(doc, "/foo")), 2);
    ck_assert_str_eq(json_string_value(fo_json_pointer_get(doc, "/foo/0")), "bar");
    struct {
        const char *ptr;
        int want;
    } cases[] = {{"/", 0},     {"/a~1b", 1}, {"/c%d", 2}, {"/e^f", 3}, {"/g|h", 4},
                 {"/i\\j", 5}, {"/k\"l", 6}, {"/ ", 7},   {"/m~0n", 8}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = fo_json_pointer_get(doc, cases[i].ptr);
        ck_assert_msg(json_is_integer(v), "%s", cases[i].ptr);
        ck_assert_int_eq(json_integer_value(v), cases[i].want);
    }
    /* missing, out of range, bad index, bad escape, no leading slash */
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/nope"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/foo/2"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/foo/00"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/foo/-"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/m~2n"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "foo"));
    ck_assert_ptr_null(fo_json_pointer_get(doc, "/foo/0/x"));
    json_decref(doc);
}
END_TEST

START_TEST(pointer_tokens_are_escaped_tilde_first)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_json_pointer_append(&sb, "a/b");
    fo_json_pointer_append(&sb, "m~n");
    fo_json_pointer_append(&sb, "~1");
    fo_json_pointer_append(&sb, "");
    ck_assert_str_eq(sb.data, "/a~1b/m~0n/~01/");
    json_t *doc = js("{\"a/b\": {\"m~n\": {\"~1\": {\"\": true}}}}");
    ck_assert(json_is_true(fo_json_pointer_get(doc, sb.data)));
    json_decref(doc);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(patches_over_the_api_server_limit_are_refused)
{
    json_t *doc = js("[]");
    json_t *patch = json_array();
    for (int i = 0; i < FO_JSON_PATCH_MAX_OPS; i++)
        json_array_append_new(patch, js("{\"op\":\"add\",\"path\":\"/-\",\"value\":1}"));
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(json_array_size(got), FO_JSON_PATCH_MAX_OPS);
    json_decref(got);
    json_array_append_new(patch, js("{\"op\":\"add\",\"path\":\"/-\",\"value\":1}"));
    ck_assert_ptr_null(fo_json_patch_apply(doc, patch, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "10000"));
    json_t *not_array = js("{\"op\":\"add\"}");
    ck_assert_ptr_null(fo_json_patch_apply(doc, not_array, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    json_decref(not_array);
    json_decref(patch);
    json_decref(doc);
}
END_TEST

START_TEST(copies_that_multiply_the_document_are_refused)
{
    /* Each "copy" of the whole document into itself doubles it: 40 of them would need 2^40
     * times the memory. Like the API server (JSONPatchMaxCopyBytes), the bytes copied by one
     * patch are limited. */
    json_t *doc = js("{\"a\":\"0123456789012345678901234567890123456789\"}");
    json_t *patch = json_array();
    for (int i = 0; i < 40; i++) {
        char op[96];
        snprintf(op, sizeof op, "{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c%d\"}", i);
        json_array_append_new(patch, js(op));
    }
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_json_patch_apply(doc, patch, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_msg(strstr(err.message, "copy") && strstr(err.message, "bytes"), "%s", err.message);

    /* copies within the limit still work */
    json_array_clear(patch);
    json_array_append_new(patch, js("{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}"));
    json_t *got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_ptr_nonnull(got);
    assert_json_eq(json_object_get(got, "b"), json_object_get(doc, "a"), "copied member");
    json_decref(got);
    json_decref(patch);
    json_decref(doc);
}
END_TEST

/* ---- generated documents for the diff ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: a fixed seed gives the same documents on every run */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static const char *const keys[] = {"a", "b", "c", "a/b", "m~n", "", "~1", "spec", "0"};
#define NKEYS (sizeof keys / sizeof keys[0])

static json_t *gen(int depth, bool nulls)
{
    uint32_t t = rnd(depth > 0 ? 8 : 5);
    switch (t) {
    case 0:
        return json_integer((json_int_t)rnd(5));
    case 1:
        return json_string(keys[rnd(NKEYS)]);
    case 2:
        return json_boolean(rnd(2));
    case 3:
        return nulls ? json_null() : json_real(0.5 * rnd(4));
    case 4:
        return json_real(0.25 * rnd(4));
    case 5:
    case 6: {
        json_t *o = json_object();
        for (uint32_t i = 0, n = rnd(5); i < n; i++)
            json_object_set_new(o, keys[rnd(NKEYS)], gen(depth - 1, nulls));
        return o;
    }
    default: {
        json_t *a = json_array();
        for (uint32_t i = 0, n = rnd(4); i < n; i++)
            json_array_append_new(a, gen(depth - 1, nulls));
        return a;
    }
    }
}

/* A changed copy of v: members dropped, added and changed; arrays grown, shrunk, edited. */
static json_t *mutate(const json_t *v, int depth, bool nulls)
{
    if (rnd(6) == 0)
        return gen(depth, nulls);
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            uint32_t r = rnd(4);
            if (r == 0)
                continue;
            json_object_set_new(o, k, r == 1 ? mutate(m, depth - 1, nulls) : json_deep_copy(m));
        }
        if (rnd(3) == 0)
            json_object_set_new(o, keys[rnd(NKEYS)], gen(depth - 1, nulls));
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            json_array_append_new(a, rnd(3) == 0 ? mutate(m, depth - 1, nulls) : json_deep_copy(m));
        }
        uint32_t r = rnd(5);
        if (r == 0)
            json_array_append_new(a, gen(depth - 1, nulls));
        else if (r == 1 && json_array_size(a) > 0)
            json_array_remove(a, 0);
        return a;
    }
    return rnd(2) ? json_deep_copy(v) : gen(0, nulls);
}

START_TEST(diff_applied_to_before_gives_after_for_generated_documents)
{
    rng_state = 0x9E3779B97F4A7C15ULL;
    int changed = 0;
    for (int round = 0; round < 3000; round++) {
        json_t *before = gen(4, true);
        json_t *after = mutate(before, 4, true);
        json_t *patch = fo_json_patch_diff(before, after);
        fo_err err;
        fo_err_clear(&err);
        json_t *got = fo_json_patch_apply(before, patch, &err);
        ck_assert_msg(got != NULL, "round %d: %s", round, err.message);
        assert_json_eq(got, after, "diff round trip");
        /* the diff only uses add, remove and replace */
        size_t i;
        json_t *op;
        json_array_foreach(patch, i, op)
        {
            const char *name = fo_json_str(op, "op");
            ck_assert(strcmp(name, "add") == 0 || strcmp(name, "remove") == 0 ||
                      strcmp(name, "replace") == 0);
        }
        changed += json_array_size(patch) > 0;
        json_t *same = fo_json_patch_diff(after, after);
        ck_assert_uint_eq(json_array_size(same), 0);
        json_decref(same);
        json_decref(got);
        json_decref(patch);
        json_decref(after);
        json_decref(before);
    }
    /* the generator really produced differences */
    ck_assert_int_gt(changed, 1500);
}
END_TEST

/* A key may hold NUL (common/json_read.h reads such keys, the API server stores them): the diff
 * names the whole key, never the part before the NUL (a "remove" of that part would name a
 * member that is not there, and the API server would fail the whole patch). */
START_TEST(diff_names_keys_holding_nul_whole)
{
    json_t *before = json_object(), *after = json_object();
    json_object_setn_new(before, "a\0b", 3, json_integer(1));
    json_object_setn_new(before, "x~/\0", 4, json_integer(1));
    json_object_setn_new(after, "a\0b", 3, json_integer(1));
    json_object_setn_new(after, "x~/\0", 4, json_integer(2));
    json_object_set_new(after, "c", json_integer(2));
    json_t *patch = fo_json_patch_diff(before, after);
    ck_assert_ptr_nonnull(patch);
    /* RFC 6901: '~' as "~0", '/' as "~1", NUL as itself */
    json_error_t jerr;
    json_t *want = json_loads("[{\"op\":\"replace\",\"path\":\"/x~0~1\\u0000\",\"value\":2},"
                              "{\"op\":\"add\",\"path\":\"/c\",\"value\":2}]",
                              JSON_ALLOW_NUL, &jerr);
    ck_assert_ptr_nonnull(want);
    assert_json_eq(patch, want, "diff of keys holding NUL");
    json_decref(want);
    json_decref(patch);
    json_decref(after);
    json_decref(before);
}
END_TEST

/* A test document that may hold NUL in keys (jansson's own reader refuses those). */
static json_t *nul_json(const char *text)
{
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_json_parse(text, strlen(text), 0, &err);
    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, err.message);
    return v;
}

/* RFC 6901 section 3: every character but '~' and '/' stands for itself in a reference token,
 * NUL included (a JSON string may hold "\u0000", and the API server's JSON patch reads such a
 * token whole). A pointer naming "a\u0000b" is that member, never the member "a". */
START_TEST(pointers_name_keys_holding_nul_whole)
{
    json_t *doc = nul_json("{\"a\":1,\"a\\u0000b\":2,\"x\":{\"k\\u0000~/\":3,\"k\":5}}");
    ck_assert_ptr_nonnull(doc);
    json_t *patch = nul_json("[{\"op\":\"test\",\"path\":\"/a\\u0000b\",\"value\":2},"
                             "{\"op\":\"replace\",\"path\":\"/a\\u0000b\",\"value\":20},"
                             "{\"op\":\"remove\",\"path\":\"/x/k\\u0000~0~1\"},"
                             "{\"op\":\"add\",\"path\":\"/x/n\\u0000\",\"value\":4},"
                             "{\"op\":\"move\",\"from\":\"/a\\u0000b\",\"path\":\"/m\\u0000\"},"
                             "{\"op\":\"copy\",\"from\":\"/m\\u0000\",\"path\":\"/c\\u0000\"}]");
    ck_assert_ptr_nonnull(patch);
    json_t *want = nul_json("{\"a\":1,\"x\":{\"k\":5,\"n\\u0000\":4},\"m\\u0000\":20,"
                            "\"c\\u0000\":20}");
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    assert_json_eq(got, want, "operations on keys holding NUL");
    json_decref(got);
    json_decref(want);
    json_decref(patch);

    /* The member "a" holds 1, "a\u0000b" holds 2: a test of "a\u0000b" against 1 fails, and
     * a remove of "x/k\u0000" names a member that is not there. */
    patch = nul_json("[{\"op\":\"test\",\"path\":\"/a\\u0000b\",\"value\":1}]");
    fo_err_clear(&err);
    got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(err.rc, FO_EINVALID);
    json_decref(patch);
    patch = nul_json("[{\"op\":\"remove\",\"path\":\"/x/k\\u0000\"}]");
    fo_err_clear(&err);
    got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(err.rc, FO_EINVALID);
    json_decref(patch);

    /* What the diff writes for such keys, apply reads back. */
    json_t *after = nul_json("{\"a\":1,\"a\\u0000b\":7,\"x\":{\"k\":5}}");
    patch = fo_json_patch_diff(doc, after);
    fo_err_clear(&err);
    got = fo_json_patch_apply(doc, patch, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    assert_json_eq(got, after, "diff then apply with keys holding NUL");
    json_decref(got);
    json_decref(patch);
    json_decref(after);
    json_decref(doc);
}
END_TEST

START_TEST(diff_is_minimal_for_small_changes)
{
    json_t *before = js("{\"spec\":{\"job\":{\"state\":\"running\",\"args\":[\"a\",\"b\"]},"
                        "\"image\":\"flink:1.20\"},\"x/y\":1}");
    json_t *after = js("{\"spec\":{\"job\":{\"state\":\"suspended\",\"args\":[\"a\",\"c\"]},"
                       "\"image\":\"flink:1.20\",\"new\":{\"k\":[1]}}}");
    json_t *patch = fo_json_patch_diff(before, after);
    json_t *want = js("[{\"op\":\"remove\",\"path\":\"/x~1y\"},"
                      "{\"op\":\"replace\",\"path\":\"/spec/job/state\",\"value\":\"suspended\"},"
                      "{\"op\":\"replace\",\"path\":\"/spec/job/args/1\",\"value\":\"c\"},"
                      "{\"op\":\"add\",\"path\":\"/spec/new\",\"value\":{\"k\":[1]}}]");
    assert_json_eq(patch, want, "minimal diff");
    /* the added value is after's own (shared, not copied), and outlives it */
    json_t *minimal = patch;
    ck_assert_ptr_eq(json_object_get(json_array_get(minimal, 3), "value"),
                     fo_json_get(after, "spec.new"));
    json_decref(want);

    /* arrays of another length are replaced whole; a changed type is replaced */
    json_t *a = js("{\"l\":[1,2],\"t\":{\"x\":1}}");
    json_t *b = js("{\"l\":[1,2,3],\"t\":[1]}");
    patch = fo_json_patch_diff(a, b);
    want = js("[{\"op\":\"replace\",\"path\":\"/l\",\"value\":[1,2,3]},"
              "{\"op\":\"replace\",\"path\":\"/t\",\"value\":[1]}]");
    assert_json_eq(patch, want, "replace whole");
    json_decref(patch);
    json_decref(want);

    /* numbers equal by value make no patch; a changed root scalar replaces "" */
    json_t *one = js("1"), *one_real = js("1.0"), *two = js("2");
    patch = fo_json_patch_diff(one, one_real);
    ck_assert_uint_eq(json_array_size(patch), 0);
    json_decref(patch);
    patch = fo_json_patch_diff(one, two);
    want = js("[{\"op\":\"replace\",\"path\":\"\",\"value\":2}]");
    assert_json_eq(patch, want, "root replace");
    json_decref(patch);
    json_decref(want);
    json_decref(one);
    json_decref(one_real);
    json_decref(two);
    json_decref(a);
    json_decref(b);
    json_decref(before);
    json_decref(after);
    json_t *added = json_object_get(json_array_get(minimal, 3), "value");
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(added, "k"), 0)), 1);
    json_decref(minimal);
}
END_TEST

START_TEST(a_subtree_both_documents_share_is_not_walked)
{
    /* /mutate's copy shares the pod templates with the request object (fo_normalize_copy), so
     * the diff must stop at a shared value instead of walking it. The shared value here is a
     * reference loop (a -> b -> a): walking it would never end, so only a diff that stops at
     * the identical pointer returns, with the one change beside it. */
    json_t *a = json_object(), *b = json_object();
    json_object_set(a, "b", b);
    json_object_set(b, "a", a);
    json_t *before = json_pack("{s:O, s:{s:O, s:i}}", "loop", a, "spec", "loop", a, "n", 1);
    json_t *after = json_pack("{s:O, s:{s:O, s:i}}", "loop", a, "spec", "loop", a, "n", 2);
    json_t *patch = fo_json_patch_diff(before, after);
    char *text = fo_json_dumps_compact(patch);
    ck_assert_str_eq(text, "[{\"op\":\"replace\",\"path\":\"/spec/n\",\"value\":2}]");
    json_t *same = fo_json_patch_diff(before, before);
    ck_assert_uint_eq(json_array_size(same), 0);
    ck_assert(fo_json_equal(a, a) && fo_json_identical(a, a));
    free(text);
    json_decref(same);
    json_decref(patch);
    json_decref(before);
    json_decref(after);
    json_object_del(b, "a"); /* break the loop so that it can be freed */
    json_decref(b);
    json_decref(a);
}
END_TEST

/* Counts the operations it is handed, and refuses the one at `stop_at`. */
typedef struct op_counter {
    size_t seen, stop_at;
    char paths[4][32];
} op_counter;

static fo_rc count_op(void *ctx, const char *op, const char *path, size_t path_len,
                      const json_t *value)
{
    op_counter *c = ctx;
    ck_assert_uint_eq(strlen(path), path_len);
    ck_assert((value == NULL) == (strcmp(op, "remove") == 0));
    if (c->seen < 4)
        snprintf(c->paths[c->seen], sizeof c->paths[0], "%s %s", op, path);
    return c->seen++ == c->stop_at ? FO_ELIMIT : FO_OK;
}

START_TEST(diff_each_hands_over_the_operations_in_order_and_stops_when_told)
{
    json_t *before = json_pack("{s:i, s:i, s:{s:s}}", "gone", 1, "same", 2, "m", "a/b", "x");
    json_t *after = json_pack("{s:i, s:{s:s}, s:[i]}", "same", 2, "m", "a/b", "y", "new", 3);
    op_counter c = {.stop_at = 99};
    ck_assert_int_eq(fo_json_patch_diff_each(before, after, count_op, &c), FO_OK);
    ck_assert_uint_eq(c.seen, 3);
    ck_assert_str_eq(c.paths[0], "remove /gone");
    ck_assert_str_eq(c.paths[1], "replace /m/a~1b");
    ck_assert_str_eq(c.paths[2], "add /new");
    /* the array form holds the same operations */
    json_t *patch = fo_json_patch_diff(before, after);
    ck_assert_uint_eq(json_array_size(patch), 3);
    ck_assert_str_eq(fo_json_get_str(json_array_get(patch, 1), "path"), "/m/a~1b");
    json_decref(patch);
    /* a refusal stops the diff and is returned */
    c = (op_counter){.stop_at = 1};
    ck_assert_int_eq(fo_json_patch_diff_each(before, after, count_op, &c), FO_ELIMIT);
    ck_assert_uint_eq(c.seen, 2);
    json_decref(before);
    json_decref(after);
}
END_TEST

START_TEST(rfc7386_appendix_a_examples_apply_as_specified)
{
    json_t *cases = load_json("patch-rfc7386-appendix-a.json");
    ck_assert_uint_eq(json_array_size(cases), 15);
    size_t i;
    json_t *tc;
    json_array_foreach(cases, i, tc)
    {
        json_t *orig = json_object_get(tc, "original");
        json_t *orig_copy = json_deep_copy(orig);
        json_t *got = fo_json_merge_patch_apply(orig, json_object_get(tc, "patch"));
        char what[32];
        snprintf(what, sizeof what, "example %zu", i + 1);
        assert_json_eq(got, json_object_get(tc, "result"), what);
        assert_json_eq(orig, orig_copy, "original untouched");
        json_decref(got);
        json_decref(orig_copy);
    }
    json_decref(cases);
}
END_TEST

START_TEST(merge_patch_diff_round_trips_and_is_empty_for_equal_documents)
{
    json_t *before = js("{\"a\":{\"b\":1,\"c\":[1]},\"d\":\"x\",\"e\":{\"f\":1}}");
    json_t *after = js("{\"a\":{\"b\":2,\"c\":[1]},\"e\":{\"f\":1},\"g\":[null]}");
    json_t *diff = fo_json_merge_patch_diff(before, after);
    json_t *want = js("{\"a\":{\"b\":2},\"d\":null,\"g\":[null]}");
    assert_json_eq(diff, want, "merge diff");
    json_decref(want);
    json_decref(diff);
    diff = fo_json_merge_patch_diff(after, after);
    ck_assert(json_is_object(diff) && json_object_size(diff) == 0);
    json_decref(diff);
    json_decref(before);
    json_decref(after);

    /* generated documents without null members (a merge patch cannot set null) */
    rng_state = 12345;
    for (int round = 0; round < 2000; round++) {
        json_t *o = json_object();
        json_object_set_new(o, "root", gen(4, false));
        json_t *m = mutate(o, 4, false);
        if (!json_is_object(m)) {
            json_decref(m);
            m = json_object();
        }
        json_t *d = fo_json_merge_patch_diff(o, m);
        json_t *got = fo_json_merge_patch_apply(o, d);
        assert_json_eq(got, m, "merge diff round trip");
        json_decref(got);
        json_decref(d);
        json_decref(m);
        json_decref(o);
    }
}
END_TEST

/* A fuzz input as tests/fuzz reads it: the first JSON value is the document, the rest the
 * patch. */
static void load_pair(const char *name, json_t **doc, json_t **patch)
{
    size_t len = 0;
    char *text = fo_test_read_data(name, &len);
    json_error_t jerr;
    *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
    ck_assert_msg(*doc != NULL, "%s: %s", name, jerr.text);
    size_t used = (size_t)jerr.position;
    *patch = json_loadb(text + used, len - used, JSON_DECODE_ANY, &jerr);
    ck_assert_msg(*patch != NULL, "%s: %s", name, jerr.text);
    free(text);
}

START_TEST(merge_patch_diff_of_equal_non_objects_leaves_them_alone)
{
    /* Found by tests/fuzz/fuzz_merge_patch: the diff of two equal strings was {}, which RFC
     * 7386 applies by replacing the string with {}. */
    json_t *doc, *patch;
    load_pair("fuzz-regress-merge-patch-diff-equal-strings.txt", &doc, &patch);
    json_t *once = fo_json_merge_patch_apply(doc, patch);
    json_t *diff = fo_json_merge_patch_diff(doc, once);
    json_t *again = fo_json_merge_patch_apply(doc, diff);
    assert_json_eq(again, once, "diff of equal strings");
    json_decref(again);
    json_decref(diff);
    json_decref(once);
    json_decref(patch);
    json_decref(doc);

    static const char *const same[] = {"[1,{\"a\":2}]", "7", "null", "true", "{}"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        json_t *v = js(same[i]);
        json_t *d = fo_json_merge_patch_diff(v, v);
        json_t *got = fo_json_merge_patch_apply(v, d);
        assert_json_eq(got, v, same[i]);
        json_decref(got);
        json_decref(d);
        json_decref(v);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_patch");
    TCase *tc = tcase_create("json_patch");
    tcase_add_test(tc, rfc6902_appendix_a_examples_apply_as_specified);
    tcase_add_test(tc, patch_rules_on_indexes_pointers_and_errors_hold);
    tcase_add_test(tc, rfc6901_section5_pointers_resolve);
    tcase_add_test(tc, diff_each_hands_over_the_operations_in_order_and_stops_when_told);
    tcase_add_test(tc, pointer_tokens_are_escaped_tilde_first);
    tcase_add_test(tc, patches_over_the_api_server_limit_are_refused);
    tcase_add_test(tc, copies_that_multiply_the_document_are_refused);
    tcase_add_test(tc, diff_applied_to_before_gives_after_for_generated_documents);
    tcase_add_test(tc, diff_is_minimal_for_small_changes);
    tcase_add_test(tc, diff_names_keys_holding_nul_whole);
    tcase_add_test(tc, pointers_name_keys_holding_nul_whole);
    tcase_add_test(tc, a_subtree_both_documents_share_is_not_walked);
    tcase_add_test(tc, rfc7386_appendix_a_examples_apply_as_specified);
    tcase_add_test(tc, merge_patch_diff_round_trips_and_is_empty_for_equal_documents);
    tcase_add_test(tc, merge_patch_diff_of_equal_non_objects_leaves_them_alone);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
