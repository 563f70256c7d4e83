/* yamlconv: YAML -> JSON as Kubernetes (sigs.k8s.io/yaml, go-yaml v2) decodes it, and
 * JSON -> YAML that reads back equal. Expected values live in tests/data/yaml-*.json. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "tests/support/testutil.h"

#define LIMIT (1024u * 1024)

/* Equal values of equal JSON types: unlike fo_json_equal, 2 and 2.0 differ here, because
 * which one the decoder produces is part of what these tests check. Key order is ignored. */
static bool strict_equal(const json_t *a, const json_t *b, char *where, size_t n)
{
    if (json_typeof(a) != json_typeof(b)) {
        snprintf(where, n, "type %d vs %d", json_typeof(a), json_typeof(b));
        return false;
    }
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) {
            snprintf(where, n, "object sizes %zu vs %zu", json_object_size(a), json_object_size(b));
            return false;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            json_t *w = json_object_get(b, k);
            if (!w) {
                snprintf(where, n, "missing key %s", k);
                return false;
            }
            if (!strict_equal(v, w, where, n)) {
                char tail[512];
                snprintf(tail, sizeof tail, "%s", where);
                snprintf(where, n, "%s: %s", k, tail);
                return false;
            }
        }
        return true;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            snprintf(where, n, "array sizes %zu vs %zu", json_array_size(a), json_array_size(b));
            return false;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!strict_equal(json_array_get(a, i), json_array_get(b, i), where, n)) {
                char tail[512];
                snprintf(tail, sizeof tail, "%s", where);
                snprintf(where, n, "[%zu]: %s", i, tail);
                return false;
            }
        }
        return true;
    case JSON_REAL:
        if (json_real_value(a) != json_real_value(b)) {
            snprintf(where, n, "%.17g vs %.17g", json_real_value(a), json_real_value(b));
            return false;
        }
        return true;
    default:
        if (!json_equal((json_t *)a, (json_t *)b)) {
            char *sa = json_dumps(a, JSON_ENCODE_ANY), *sb = json_dumps(b, JSON_ENCODE_ANY);
            snprintf(where, n, "%s vs %s", sa, sb);
            free(sa);
            free(sb);
            return false;
        }
        return true;
    }
}

static void assert_strict_equal(const json_t *got, const json_t *want)
{
    char where[1024] = "";
    ck_assert_msg(strict_equal(got, want, where, sizeof where), "differs at %s", where);
}

static json_t *parse_text(const char *text, fo_err *err)
{
    fo_err_clear(err);
    return fo_yaml_parse(text, strlen(text), LIMIT, err);
}

static json_t *parse_fixture(const char *name, bool all, fo_err *err)
{
    size_t len = 0;
    char *text = fo_test_read_data(name, &len);
    fo_err_clear(err);
    json_t *v =
        all ? fo_yaml_parse_all(text, len, LIMIT, err) : fo_yaml_parse(text, len, LIMIT, err);
    free(text);
    return v;
}

static json_t *json_fixture(const char *name)
{
    char *path = fo_test_data_path(name);
    fo_err err;
    json_t *v = fo_json_load_file(path, LIMIT, &err);
    ck_assert_msg(v != NULL, "%s: %s", name, err.message);
    free(path);
    return v;
}

/* Parse <stem>.yaml and compare it with <stem>.json. */
static void check_fixture(const char *stem, bool all)
{
    char yname[128], jname[128];
    snprintf(yname, sizeof yname, "%s.yaml", stem);
    snprintf(jname, sizeof jname, "%s.json", stem);
    fo_err err;
    json_t *got = parse_fixture(yname, all, &err);
    ck_assert_msg(got != NULL, "%s: %s", yname, err.message);
    json_t *want = json_fixture(jname);
    assert_strict_equal(got, want);
    json_decref(got);
    json_decref(want);
}

START_TEST(plain_scalars_resolve_like_go_yaml_v2)
{
    check_fixture("yaml-tricky-scalars", false);
}
END_TEST

START_TEST(quoted_version_stays_a_string_and_plain_one_is_a_number)
{
    fo_err err;
    json_t *v = parse_text("a: \"1.20\"\nb: '1.20'\nc: 1.20\n", &err);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(fo_json_str(v, "a"), "1.20");
    ck_assert_str_eq(fo_json_str(v, "b"), "1.20");
    ck_assert(json_is_real(json_object_get(v, "c")));
    json_decref(v);
}
END_TEST

START_TEST(block_scalars_follow_chomping_and_folding)
{
    check_fixture("yaml-block-scalars", false);
}
END_TEST

START_TEST(block_and_flow_styles_nest_freely)
{
    check_fixture("yaml-block-flow-mix", false);
}
END_TEST

START_TEST(kubernetes_deployment_parses_to_the_exact_json_in_document_order)
{
    check_fixture("yaml-k8s-deployment", false);
    fo_err err;
    json_t *v = parse_fixture("yaml-k8s-deployment.yaml", false, &err);
    ck_assert_ptr_nonnull(v);
    const char *order[] = {"apiVersion", "kind", "metadata", "spec"};
    size_t i = 0;
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        ck_assert_uint_lt(i, 4);
        ck_assert_str_eq(k, order[i++]);
    }
    json_decref(v);
}
END_TEST

START_TEST(multi_document_stream_skips_empty_documents)
{
    check_fixture("yaml-multi-doc-with-empty-docs", true);
    fo_err err;
    json_t *v = fo_yaml_parse_all("", 0, LIMIT, &err);
    ck_assert_ptr_nonnull(v);
    ck_assert(json_is_array(v) && json_array_size(v) == 0);
    json_decref(v);
}
END_TEST

START_TEST(single_document_parse_refuses_a_second_document)
{
    fo_err err;
    json_t *v = parse_text("a: 1\n---\nb: 2\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "more than one document"));
    /* a trailing separator or empty documents around the one document are fine */
    v = parse_text("---\na: 1\n---\n", &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert(json_is_object(v));
    json_decref(v);
}
END_TEST

START_TEST(empty_and_comment_only_inputs_are_null)
{
    fo_err err;
    json_t *v = fo_yaml_parse("", 0, LIMIT, &err);
    ck_assert(json_is_null(v));
    json_decref(v);
    v = parse_text("# nothing here\n\n", &err);
    ck_assert(json_is_null(v));
    json_decref(v);
    v = parse_text("~", &err);
    ck_assert(json_is_null(v));
    json_decref(v);
}
END_TEST

START_TEST(anchors_aliases_and_merge_keys_expand)
{
    check_fixture("yaml-anchors-aliases-merge", false);
}
END_TEST

START_TEST(alias_expansions_are_independent_copies)
{
    fo_err err;
    json_t *v = parse_text("a: &x {k: [1]}\nb: *x\n", &err);
    ck_assert_ptr_nonnull(v);
    json_t *a = json_object_get(v, "a"), *b = json_object_get(v, "b");
    ck_assert_ptr_ne(a, b);
    json_array_append_new(json_object_get(b, "k"), json_integer(2));
    ck_assert_uint_eq(json_array_size(json_object_get(a, "k")), 1);
    json_decref(v);
}
END_TEST

START_TEST(merge_of_something_other_than_maps_is_refused)
{
    fo_err err;
    json_t *v = parse_text("a: &s text\nb:\n  <<: *s\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "merge"));
    ck_assert_ptr_nonnull(strstr(err.message, "line 3"));
    v = parse_text("b:\n  <<: [{a: 1}, 2]\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
}
END_TEST

START_TEST(alias_bomb_is_refused_by_the_node_budget)
{
    fo_err err;
    json_t *v = parse_fixture("yaml-alias-bomb.yaml", false, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "nodes"));
}
END_TEST

START_TEST(unknown_alias_is_refused)
{
    fo_err err;
    json_t *v = parse_text("a: *nowhere\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "nowhere"));
}
END_TEST

START_TEST(non_string_keys_become_strings_like_sigs_yaml)
{
    check_fixture("yaml-non-string-keys", false);
}
END_TEST

START_TEST(keys_json_cannot_hold_are_refused)
{
    static const char *bad[] = {
        "~: x\n",                    /* null key: unsupported map key */
        "? [1, 2]\n: x\n",           /* sequence as key */
        "? {a: 1}\n: x\n",           /* mapping as key */
        "18446744073709551615: x\n", /* uint64 key: unsupported map key */
        "a: &s [1]\n*s : x\n",       /* alias to a sequence as key */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fo_err err;
        json_t *v = parse_text(bad[i], &err);
        ck_assert_msg(v == NULL, "accepted: %s", bad[i]);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strncmp(err.message, "line ", 5) == 0, "%s", err.message);
    }
}
END_TEST

START_TEST(duplicate_key_is_refused_naming_key_and_line)
{
    fo_err err;
    json_t *v = parse_fixture("yaml-duplicate-key.yaml", false, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_str_eq(err.message, "line 6, column 3: duplicate key \"name\"");
    /* keys that only become equal after conversion to strings are duplicates too */
    v = parse_text("1: a\n\"1\": b\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(strstr(err.message, "duplicate key \"1\""));
}
END_TEST

START_TEST(input_over_the_size_limit_is_refused_before_parsing)
{
    const char *text = "a: [unclosed\n"; /* invalid, but the limit is checked first */
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_yaml_parse(text, strlen(text), 8, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    fo_err_clear(&err);
    v = fo_yaml_parse_all(text, strlen(text), 8, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    v = fo_yaml_parse("a: 1", 4, 4, &err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
}
END_TEST

START_TEST(bad_yaml_error_names_line_and_column)
{
    fo_err err;
    json_t *v = parse_text("metadata:\n  name: x\n  labels: [a, b\nspec: {}\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_msg(strncmp(err.message, "line 4, column ", 15) == 0, "%s", err.message);
    v = parse_text("key: value\n  bad: indent\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_msg(strncmp(err.message, "line 2, column ", 15) == 0, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "mapping values are not allowed"));
}
END_TEST

START_TEST(invalid_utf8_is_refused_with_its_position)
{
    fo_err err;
    json_t *v = parse_text("a: 1\nb: \xff\xfe\n", &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_msg(strncmp(err.message, "line 2, column 4", 16) == 0, "%s", err.message);
}
END_TEST

START_TEST(infinity_and_nan_values_are_refused_with_their_position)
{
    static const char *bad[] = {"x: .inf\n", "x: -.Inf\n", "x: .nan\n", "x: !!float .NaN\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fo_err err;
        json_t *v = parse_text(bad[i], &err);
        ck_assert_msg(v == NULL, "accepted: %s", bad[i]);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strncmp(err.message, "line 1, column 4: ", 18) == 0, "%s", err.message);
        ck_assert_ptr_nonnull(strstr(err.message, "JSON"));
    }
    /* as keys they are fine (sigs.k8s.io/yaml names them ".inf", ".nan") */
    fo_err err;
    json_t *v = parse_text(".inf: a\n-.inf: b\n.nan: c\n", &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_str_eq(fo_json_str(v, ".inf"), "a");
    ck_assert_str_eq(fo_json_str(v, "-.inf"), "b");
    ck_assert_str_eq(fo_json_str(v, ".nan"), "c");
    json_decref(v);
    /* An anchored .inf key held a null placeholder: an alias of it became a null value
     * instead of the same error, and could not be a key again. */
    fo_err_clear(&err);
    ck_assert_ptr_null(parse_text("&a .inf : 1\nb: *a\n", &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    ck_assert_msg(strstr(err.message, "line 2") && strstr(err.message, "JSON"), "%s", err.message);
    ck_assert_ptr_null(parse_text("&n .nan : 1\nb: [*n]\n", &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    json_t *keys = parse_text("&a -.inf : 1\nm: {*a : 2}\n", &err);
    ck_assert_msg(keys != NULL, "%s", err.message);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(keys, "m"), "-.inf")), 2);
    json_decref(keys);
}
END_TEST

START_TEST(tag_that_does_not_fit_the_value_is_refused)
{
    static const char *bad[] = {"x: !!int abc\n", "x: !!bool 1\n", "x: !!null a\n",
                                "x: !!float yes\n", "x: !!binary '***'\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fo_err err;
        json_t *v = parse_text(bad[i], &err);
        ck_assert_msg(v == NULL, "accepted: %s", bad[i]);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strncmp(err.message, "line 1, column 4: ", 18) == 0, "%s", err.message);
    }
}
END_TEST

START_TEST(deep_nesting_is_refused_cleanly)
{
    size_t n = 5000;
    char *text = malloc(2 * n + 1);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\0';
    fo_err err;
    json_t *v = parse_text(text, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    /* nesting built up through a chain of aliases counts too */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_puts(&sb, "a0: &a0 [1]\n");
    for (int i = 1; i < 1200; i++)
        fo_strbuf_printf(&sb, "a%d: &a%d [*a%d]\n", i, i, i - 1);
    v = parse_text(sb.data, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    fo_strbuf_release(&sb);
    free(text);
}
END_TEST

START_TEST(json_documents_parse_as_yaml_to_the_same_value)
{
    static const char *names[] = {"yaml-tricky-scalars.json", "yaml-block-flow-mix.json",
                                  "yaml-k8s-deployment.json", "yaml-non-string-keys.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fo_err err;
        json_t *got = parse_fixture(names[i], false, &err);
        ck_assert_msg(got != NULL, "%s: %s", names[i], err.message);
        json_t *want = json_fixture(names[i]);
        ck_assert_msg(fo_json_equal(got, want), "%s", names[i]);
        json_decref(got);
        json_decref(want);
    }
}
END_TEST

/* ---- emit ---- */

static void assert_round_trip(const json_t *v)
{
    char *text = fo_yaml_emit(v);
    ck_assert_ptr_nonnull(text);
    fo_err err;
    fo_err_clear(&err);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    char *want = json_dumps(v, JSON_ENCODE_ANY);
    ck_assert_msg(back != NULL, "%s does not parse back: %s\n%s", want, err.message, text);
    ck_assert_msg(fo_json_equal(back, v), "%s came back different from:\n%s", want, text);
    free(want);
    free(text);
    json_decref(back);
}

static const struct {
    const char *value;
    const char *yaml;
} emitted[] = {
    {"true", "\"true\"\n"},
    {"", "\"\"\n"},
    {"null", "\"null\"\n"},
    {"0755", "\"0755\"\n"},
    {"1e3", "\"1e3\"\n"},
    {" x", "\" x\"\n"},
    {"x ", "\"x \"\n"},
    {"a: b", "\"a: b\"\n"},
    {"yes", "\"yes\"\n"},
    {"y", "\"y\"\n"},
    {"1.20", "\"1.20\"\n"},
    {"0x1F", "\"0x1F\"\n"},
    {"- a", "\"- a\"\n"},
    {": ", "\": \"\n"},
    {"#", "\"#\"\n"},
    {"~", "\"~\"\n"},
    {"<<", "\"<<\"\n"},
    {"quote\"back\\slash", "\"quote\\\"back\\\\slash\"\n"},
    {"tab\there", "\"tab\\there\"\n"},
    {"plain text", "plain text\n"},
    {"nginx:1.20.2", "nginx:1.20.2\n"},
    {"http://x:8081/y", "http://x:8081/y\n"},
    {"héllo", "héllo\n"},
    {"a\nb", "|-\n  a\n  b\n"},
    {"a\nb\n", "|\n  a\n  b\n"},
};

START_TEST(emit_quotes_strings_that_would_read_back_as_something_else)
{
    for (size_t i = 0; i < sizeof emitted / sizeof emitted[0]; i++) {
        json_t *v = json_string(emitted[i].value);
        char *text = fo_yaml_emit(v);
        ck_assert_str_eq(text, emitted[i].yaml);
        free(text);
        json_decref(v);
    }
}
END_TEST

START_TEST(emitted_strings_read_back_unchanged)
{
    /* clang-format off */
    static const char *strings[] = {
        "true", "", "null", "0755", "1e3", " x", "a: b", "yes", "1.20", "0x1F", "- a", ": ",
        "#", "~", "y", "<<", "x #y", "a\nb", "a\nb\n", "a\n\nb\n\n", " lead\nx", "x\n  \ny",
        "trailing \nspace", "tab\there", "ctl\x01\x7f", "é ünïcødé 日本 🎉", "\xc2\x85nel",
        "line\xe2\x80\xa8sep", "\xef\xbb\xbf_bom", "--- ", "---", "...", "- ", "?", "@foo",
        "`x`", "!tag", "&a", "*a", "%x", "|", "> x", "{a}", "[1]", "a,b", "trailing:",
        "2001-12-14", "1_000", ".inf", "-.5", "+1", "NaN", "\n", "\n\n", "x\n", "\"", "'",
        "a\r\nb", "1.", "0o17", "0b1", "-", "=", "key: value\nother: x\n", "  two\n  lines",
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        json_t *v = json_string(strings[i]);
        ck_assert_msg(v != NULL, "fixture %zu is not UTF-8", i);
        assert_round_trip(v);
        /* as a key and inside a sequence too */
        json_t *doc = json_pack("{s:[O,{s:O}]}", strings[i], v, strings[i], v);
        assert_round_trip(doc);
        json_decref(doc);
        json_decref(v);
    }
    json_t *nul = json_stringn("a\0b", 3);
    assert_round_trip(nul);
    json_decref(nul);
}
END_TEST

START_TEST(emitted_numbers_and_literals_read_back_unchanged)
{
    json_t *v = json_pack("[I,I,i,f,f,f,f,f,b,b,n,{},[]]", (json_int_t)INT64_MAX,
                          (json_int_t)INT64_MIN, 0, 0.1, 1e300, -2.5e-10, 2.0, 1e21, 1, 0);
    assert_round_trip(v);
    char *text = fo_yaml_emit(json_array_get(v, 3));
    ck_assert_str_eq(text, "0.1\n");
    free(text);
    json_decref(v);
}
END_TEST

START_TEST(emit_writes_block_style_in_insertion_order)
{
    json_t *v = json_loads("{\"b\": 1, \"a\": {\"x\": [1, \"two\", {\"k\": \"v\", \"k2\": null}, "
                           "[true, []]]}, \"s\": \"true\", \"e\": [], \"m\": {}, "
                           "\"text\": \"line 1\\nline 2\\n\"}",
                           0, NULL);
    ck_assert_ptr_nonnull(v);
    char *text = fo_yaml_emit(v);
    ck_assert_str_eq(text, "b: 1\n"
                           "a:\n"
                           "  x:\n"
                           "    - 1\n"
                           "    - two\n"
                           "    - k: v\n"
                           "      k2: null\n"
                           "    -\n"
                           "      - true\n"
                           "      - []\n"
                           "s: \"true\"\n"
                           "e: []\n"
                           "m: {}\n"
                           "text: |\n"
                           "  line 1\n"
                           "  line 2\n");
    free(text);
    assert_round_trip(v);
    json_decref(v);
}
END_TEST

START_TEST(emit_round_trips_every_fixture)
{
    static const char *names[] = {"yaml-tricky-scalars.json",           "yaml-block-flow-mix.json",
                                  "yaml-k8s-deployment.json",           "yaml-non-string-keys.json",
                                  "yaml-anchors-aliases-merge.json",    "yaml-block-scalars.json",
                                  "yaml-multi-doc-with-empty-docs.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_fixture(names[i]);
        assert_round_trip(v);
        json_decref(v);
    }
}
END_TEST

START_TEST(emit_handles_keys_too_long_for_implicit_keys)
{
    char key[3000];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    json_t *v = json_pack("{s:i,s:{s:s},s:[i]}", key, 1, "nested", key, "v", "after", 2);
    assert_round_trip(v);
    json_t *w = json_pack("{s:{s:i}}", key, "inner", 3);
    assert_round_trip(w);
    json_decref(w);
    json_decref(v);
}
END_TEST

START_TEST(emit_of_top_level_scalars_and_empty_collections_reads_back)
{
    json_t *values[] = {json_null(),   json_true(),  json_integer(-7), json_string("a\nb"),
                        json_object(), json_array(), json_real(0.5)};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        assert_round_trip(values[i]);
        json_decref(values[i]);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("yamlconv");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, plain_scalars_resolve_like_go_yaml_v2);
    tcase_add_test(parse, quoted_version_stays_a_string_and_plain_one_is_a_number);
    tcase_add_test(parse, block_scalars_follow_chomping_and_folding);
    tcase_add_test(parse, block_and_flow_styles_nest_freely);
    tcase_add_test(parse, kubernetes_deployment_parses_to_the_exact_json_in_document_order);
    tcase_add_test(parse, multi_document_stream_skips_empty_documents);
    tcase_add_test(parse, single_document_parse_refuses_a_second_document);
    tcase_add_test(parse, empty_and_comment_only_inputs_are_null);
    tcase_add_test(parse, anchors_aliases_and_merge_keys_expand);
    tcase_add_test(parse, alias_expansions_are_independent_copies);
    tcase_add_test(parse, merge_of_something_other_than_maps_is_refused);
    tcase_add_test(parse, alias_bomb_is_refused_by_the_node_budget);
    tcase_add_test(parse, unknown_alias_is_refused);
    tcase_add_test(parse, non_string_keys_become_strings_like_sigs_yaml);
    tcase_add_test(parse, keys_json_cannot_hold_are_refused);
    tcase_add_test(parse, duplicate_key_is_refused_naming_key_and_line);
    tcase_add_test(parse, input_over_the_size_limit_is_refused_before_parsing);
    tcase_add_test(parse, bad_yaml_error_names_line_and_column);
    tcase_add_test(parse, invalid_utf8_is_refused_with_its_position);
    tcase_add_test(parse, infinity_and_nan_values_are_refused_with_their_position);
    tcase_add_test(parse, tag_that_does_not_fit_the_value_is_refused);
    tcase_add_test(parse, deep_nesting_is_refused_cleanly);
    tcase_add_test(parse, json_documents_parse_as_yaml_to_the_same_value);
    suite_add_tcase(s, parse);
    TCase *emit = tcase_create("emit");
    tcase_add_test(emit, emit_quotes_strings_that_would_read_back_as_something_else);
    tcase_add_test(emit, emitted_strings_read_back_unchanged);
    tcase_add_test(emit, emitted_numbers_and_literals_read_back_unchanged);
    tcase_add_test(emit, emit_writes_block_style_in_insertion_order);
    tcase_add_test(emit, emit_round_trips_every_fixture);
    tcase_add_test(emit, emit_handles_keys_too_long_for_implicit_keys);
    tcase_add_test(emit, emit_of_top_level_scalars_and_empty_collections_reads_back);
    suite_add_tcase(s, emit);
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
