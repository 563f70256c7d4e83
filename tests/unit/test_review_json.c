/* webhook/review_json: the AdmissionReview reader must accept exactly what jansson's
 * json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts and build equal values (jansson is the
 * reference here: it is what the rest of the project parses JSON with), on hand-picked edge
 * cases (RFC 8259 and RFC 3629 corners), on the fixtures, and on deterministic corruptions of a
 * realistic review. In review mode the unread members are left out. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "tests/support/testcorrupt.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"
#include "webhook/review_json.h"

/* Parse with both; they must agree on success, and on the value built. */
static void agree(const char *buf, size_t len, const char *label)
{
    json_error_t jerr;
    json_t *want = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_wh_json_parse(buf, len, FO_WH_JSON_ALL, NULL, &err);
    if (want) {
        ck_assert_msg(got != NULL, "%s: jansson accepts, the reader refuses: %s", label,
                      err.message);
        ck_assert_msg(json_equal(want, got), "%s: the values differ", label);
    } else if (strstr(jerr.text, "NUL byte in object key")) {
        /* the one refusal the reader does not share (common/json_read.h) */
        ck_assert_msg(got != NULL, "%s: a key with NUL refused: %s", label, err.message);
    } else {
        ck_assert_msg(got == NULL, "%s: jansson refuses (%s), the reader accepts", label,
                      jerr.text);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strstr(err.message, "invalid JSON at line ") == err.message, "%s: %s", label,
                      err.message);
    }
    json_decref(want);
    json_decref(got);
}

static void agree_str(const char *text)
{
    agree(text, strlen(text), text);
}

START_TEST(edge_cases_are_judged_as_jansson_judges_them)
{
    static const char *const cases[] = {
        /* structure */
        "{}",
        "[]",
        " {\"a\" : [ 1 , 2 ] } ",
        "{\"a\":1,}",
        "[1,]",
        "[,1]",
        "{,}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
        "{\"a\":1}}",
        "[[]]]",
        "",
        " ",
        "\t\r\n[]",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"b\":[{}]},\"a\":null}",
        "\xEF\xBB\xBF{}",
        "[1]x",
        "[1] 2",
        /* literals */
        "true",
        "false",
        "null",
        "tru",
        "truex",
        "nulll",
        "True",
        "[true,false,null]",
        "nan",
        /* numbers */
        "0",
        "-0",
        "01",
        "-01",
        "1.",
        ".5",
        "1.5",
        "-1.5e3",
        "1e5",
        "1E+5",
        "1e-5",
        "1e",
        "1e+",
        "-",
        "+1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "-1e400",
        "1e-400",
        "123456789012345678901234567890.5",
        "0.000000000000000000000000000000000000000000000000000000000000000000000001",
        /* strings */
        "\"\"",
        "\"abc\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\x\"",
        "\"\\u00e9\"",
        "\"\\u00E9\\u20AC\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\ud83dx\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"\\u0000\"",
        "{\"\\u0000\":1}",
        "{\"a\\u0000b\":1}",
        "\"tab\there\"",
        "\"new\nline\"",
        "\"unterminated",
        "\"\\",
        "\"\\u",
        "\"caf\xC3\xA9\"",
        "\"\xE2\x82\xAC\"",
        "\"\xF0\x9F\x98\x80\"",
        "\"\xC0\x80\"",
        "\"\xC1\xBF\"",
        "\"\xE0\x80\x80\"",
        "\"\xED\xA0\x80\"",
        "\"\xF4\x90\x80\x80\"",
        "\"\xF5\x80\x80\x80\"",
        "\"\x80\"",
        "\"\xC3\"",
        "\"\xE2\x82\"",
        "\"\xFF\"",
        "\xC3\xA9",
        "{\"k\xC3\xA9y\":\"v\"}",
        "{\"k\\u00e9y\":\"v\"}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        agree_str(cases[i]);
    /* NUL bytes: inside a string (control character) and outside */
    agree("\"a\0b\"", 5, "NUL in a string");
    agree("[1,\0]", 5, "NUL between values");
}
END_TEST

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 2);
    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

START_TEST(nesting_is_limited_where_jansson_limits_it)
{
    for (int d = FO_WH_JSON_MAX_DEPTH - 2; d <= FO_WH_JSON_MAX_DEPTH + 2; d++) {
        char *s = nested(d);
        char label[64];
        snprintf(label, sizeof label, "%d nested arrays", d);
        agree(s, strlen(s), label);
        free(s);
    }
    fo_err err;
    fo_err_clear(&err);
    char *deep = nested(100000);
    ck_assert_ptr_null(fo_wh_json_parse(deep, strlen(deep), FO_WH_JSON_ALL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "maximum parsing depth"));
    free(deep);
}
END_TEST

START_TEST(errors_name_line_and_column)
{
    const char *bad = "{\"apiVersion\": \"admission.k8s.io/v1\",\n \"kind\": }";
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_wh_json_parse(bad, strlen(bad), FO_WH_JSON_REVIEW, NULL, &err));
    ck_assert_str_eq(err.message, "invalid JSON at line 2, column 10: invalid token");
    ck_assert_ptr_null(fo_wh_json_parse("[1,", 3, FO_WH_JSON_ALL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "near end of input"));
}
END_TEST

/* An UPDATE review with every member the reader skips, from a fixture object. */
static json_t *update_review(void)
{
    json_t *obj = fo_test_load_yaml("admission-flinkdeployment-with-templates.yaml");
    json_t *meta = fo_json_ensure_object(obj, "metadata");
    json_object_set_new(meta, "generation", json_integer(4));
    json_object_set_new(meta, "managedFields",
                        json_pack("[{s:s, s:s, s:s, s:{s:{s:{}, s:{}}}}]", "manager", "kubectl",
                                  "operation", "Update", "fieldsType", "FieldsV1", "fieldsV1",
                                  "f:spec", ".", "f:image"));
    /* a status with JSON inside a string, as the operator writes lastReconciledSpec */
    char *spec = json_dumps(json_object_get(obj, "spec"), JSON_COMPACT);
    json_object_set_new(obj, "status",
                        json_pack("{s:s, s:{s:s, s:s}}", "lifecycleState", "STABLE",
                                  "reconciliationStatus", "state", "DEPLOYED", "lastReconciledSpec",
                                  spec));
    free(spec);
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:s, s:O, s:O, s:{s:s, s:[s]}, s:{s:s}, s:b}}",
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", "u1",
        "kind", "group", "flink.apache.org", "version", "v1beta1", "kind", "FlinkDeployment",
        "operation", "UPDATE", "object", obj, "oldObject", obj, "userInfo", "username", "jane",
        "groups", "devs", "options", "kind", "UpdateOptions", "dryRun", 0);
    json_decref(obj);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

START_TEST(review_mode_leaves_out_the_unread_members)
{
    json_t *doc = update_review();
    char *text = json_dumps(doc, JSON_INDENT(2));
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_wh_json_parse(text, strlen(text), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    /* what is left is the document without those members; of oldObject, its generation */
    json_t *r = json_object_get(doc, "request");
    json_object_set_new(r, "oldObject", json_pack("{s:{s:i}}", "metadata", "generation", 4));
    json_object_del(r, "userInfo");
    json_object_del(r, "options");
    json_object_del(fo_json_get(r, "object.metadata"), "managedFields");
    /* of the status, the spec the rules compare with */
    json_t *status = fo_json_get(r, "object.status");
    json_object_del(status, "lifecycleState");
    json_object_del(json_object_get(status, "reconciliationStatus"), "state");
    ck_assert(json_equal(doc, got));
    json_decref(got);
    free(text);

    /* for /mutate the status goes too */
    json_object_set_new(json_object_get(r, "object"), "status",
                        json_pack("{s:s}", "lifecycleState", "STABLE"));
    char *with_status = json_dumps(doc, JSON_COMPACT);
    got = fo_wh_json_parse(with_status, strlen(with_status), FO_WH_JSON_REVIEW_NO_STATUS, NULL,
                           &err);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_null(fo_json_get(got, "request.object.status"));
    ck_assert_ptr_nonnull(fo_json_get(got, "request.object.spec"));
    json_decref(got);
    got = fo_wh_json_parse(with_status, strlen(with_status), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_int_eq(json_object_size(fo_json_get(got, "request.object.status")), 0);
    json_decref(got);
    free(with_status);
    json_object_del(json_object_get(r, "object"), "status");

    /* /mutate keeps oldObject's pod templates too (the role templates, common/own_templates.h,
     * and spec.podTemplate, which they were layered over), nothing else of its spec */
    static const char old_roles[] =
        "{\"request\":{\"oldObject\":{\"metadata\":{\"generation\":2,\"name\":\"n\","
        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\",\"o\":\"x\"}},"
        "\"spec\":{\"image\":\"i\",\"jobManager\":{\"replicas\":1,\"podTemplate\":{\"a\":1}},"
        "\"taskManager\":{\"podTemplate\":{\"b\":[2]},\"resource\":{}},\"podTemplate\":{\"c\":3}},"
        "\"status\":{}}}}";
    got = fo_wh_json_parse(old_roles, strlen(old_roles), FO_WH_JSON_REVIEW_NO_STATUS, NULL, &err);
    json_t *want = json_loads("{\"request\":{\"oldObject\":{\"metadata\":{\"generation\":2,"
                              "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
                              "\"{}\"}},"
                              "\"spec\":{\"jobManager\":{\"podTemplate\":{\"a\":1}},"
                              "\"taskManager\":{\"podTemplate\":{\"b\":[2]}},"
                              "\"podTemplate\":{\"c\":3}}}}}",
                              0, NULL);
    ck_assert(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    got = fo_wh_json_parse(old_roles, strlen(old_roles), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_ptr_null(fo_json_get(got, "request.oldObject.spec"));
    json_decref(got);

    /* past the weight bound only the object's identity is read */
    static const char identity[] =
        "{\"request\":{\"uid\":\"u\",\"object\":{\"metadata\":{\"name\":\"n\",\"namespace\":\"s\","
        "\"generation\":2,\"deletionTimestamp\":\"t\",\"labels\":{\"a\":\"b\","
        "\"flink.apache.org/canary\":\"true\"},"
        "\"annotations\":{}},\"spec\":{\"image\":\"i\"},\"status\":{}},"
        "\"oldObject\":{\"metadata\":{\"generation\":2},\"spec\":{}}}}";
    got = fo_wh_json_parse(identity, strlen(identity), FO_WH_JSON_REVIEW_IDENTITY, NULL, &err);
    want = json_loads("{\"request\":{\"uid\":\"u\",\"object\":{\"metadata\":{\"name\":\"n\","
                      "\"namespace\":\"s\",\"generation\":2,\"deletionTimestamp\":\"t\","
                      "\"labels\":{\"flink.apache.org/canary\":\"true\"}}},"
                      "\"oldObject\":{\"metadata\":{\"generation\":2}}}}",
                      0, NULL);
    ck_assert(json_equal(got, want));
    json_decref(got);
    json_decref(want);

    /* a null oldObject is kept as null, an oldObject that is no object as it is (the caller
     * refuses it) */
    json_object_set_new(r, "oldObject", json_null());
    text = json_dumps(doc, JSON_COMPACT);
    got = fo_wh_json_parse(text, strlen(text), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_ptr_nonnull(got);
    ck_assert(json_is_null(fo_json_get(got, "request.oldObject")));
    json_decref(got);
    free(text);
    json_object_set_new(r, "oldObject", json_pack("[s, {s:s}]", "x", "metadata", "y"));
    text = json_dumps(doc, JSON_COMPACT);
    got = fo_wh_json_parse(text, strlen(text), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert(json_equal(json_object_get(r, "oldObject"), fo_json_get(got, "request.oldObject")));
    json_decref(got);
    free(text);

    /* a skipped member is still checked: a bad byte inside oldObject is an error */
    json_object_set_new(r, "oldObject", json_pack("{s:s}", "x", "y"));
    text = json_dumps(doc, JSON_COMPACT);
    char *y = strstr(text, "\"y\"");
    y[1] = (char)0xC0;
    ck_assert_ptr_null(fo_wh_json_parse(text, strlen(text), FO_WH_JSON_REVIEW, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "invalid UTF-8"));
    free(text);
    json_decref(doc);

    /* With duplicate keys the last member wins, as in jansson (the last "request" has no
     * oldObject). */
    static const char dup[] = "{\"request\":{\"oldObject\":{\"metadata\":{\"generation\":1}},"
                              "\"object\":{\"metadata\":{}}},\"request\":{\"uid\":\"u\","
                              "\"object\":{\"metadata\":{}}}}";
    got = fo_wh_json_parse(dup, strlen(dup), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_null(fo_json_get(got, "request.oldObject"));
    ck_assert_str_eq(fo_json_get_str(got, "request.uid"), "u");
    json_decref(got);
}
END_TEST

/* The API server decodes a number past 64 bits into a float64 and writes it back without a
 * decimal point: a review reads it as that real, built or skipped, where jansson (and the
 * reader without the filter) refuse the document. Past a float64's range it is still refused. */
START_TEST(integers_past_64_bits_are_read_as_reals_in_reviews)
{
    static const char review[] =
        "{\"request\":{\"uid\":\"u\",\"object\":{\"spec\":{\"job\":{\"parallelism\":"
        "100000000000000000000}},\"metadata\":{\"managedFields\":[-99999999999999999999]}},"
        "\"oldObject\":{\"spec\":{\"x\":18446744073709551616}}}}";
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_wh_json_parse(review, strlen(review), FO_WH_JSON_ALL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "too big integer"));
    json_t *got = fo_wh_json_parse(review, strlen(review), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    const json_t *p = fo_json_get(got, "request.object.spec.job.parallelism");
    ck_assert(json_is_real(p));
    ck_assert(json_real_value(p) == 1e20);
    json_decref(got);
    /* the largest integers still are integers */
    static const char edges[] = "{\"a\":9223372036854775807,\"b\":-9223372036854775808}";
    got = fo_wh_json_parse(edges, strlen(edges), FO_WH_JSON_REVIEW, NULL, &err);
    ck_assert(json_is_integer(json_object_get(got, "a")));
    ck_assert(json_integer_value(json_object_get(got, "b")) == INT64_MIN);
    json_decref(got);
    static const char beyond[] = "{\"a\":1000000000000000000000000000000000000000000000000000"
                                 "0000000000000000000000000000000000000000000000000000000000000000"
                                 "0000000000000000000000000000000000000000000000000000000000000000"
                                 "0000000000000000000000000000000000000000000000000000000000000000"
                                 "0000000000000000000000000000000000000000000000000000000000000000"
                                 "00000000000000000000000000000000000000000000000000000000000000}";
    ck_assert_ptr_null(fo_wh_json_parse(beyond, strlen(beyond), FO_WH_JSON_REVIEW, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "real number overflow"));
}
END_TEST

static void parses_as_jansson(const char *name, const char *text, size_t len, void *ctx)
{
    (void)ctx;
    agree(text, len, name);
}

START_TEST(the_fixtures_parse_as_jansson_parses_them)
{
    ck_assert_int_gt(fo_test_each_json_fixture(parses_as_jansson, NULL), 10);
}
END_TEST

START_TEST(corrupted_reviews_are_judged_as_jansson_judges_them)
{
    json_t *doc = update_review();
    char *text = json_dumps(doc, JSON_INDENT(1));
    json_decref(doc);
    size_t len = strlen(text);
    static const char interesting[] = "{}[],:\"\\u0123456789-+.eE tfnrlsa\x80\xC3\xA9\xED\xF0\n\t";
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char *buf = malloc(len + 16);
    for (int round = 0; round < 4000; round++) {
        memcpy(buf, text, len);
        size_t n = len;
        fo_test_corrupt(buf, &n, 0, interesting, true, &seed);
        char label[64];
        snprintf(label, sizeof label, "corruption round %d", round);
        agree(buf, n, label);
        /* review mode accepts and refuses the same inputs, but for integers past 64 bits,
         * which it reads as reals */
        fo_err err, err_all;
        fo_err_clear(&err);
        fo_err_clear(&err_all);
        json_t *a = fo_wh_json_parse(buf, n, FO_WH_JSON_ALL, NULL, &err_all);
        json_t *b = fo_wh_json_parse(buf, n, FO_WH_JSON_REVIEW, NULL, &err);
        json_t *c = fo_wh_json_parse(buf, n, FO_WH_JSON_REVIEW_NO_STATUS, NULL, &err);
        bool big = !a && strstr(err_all.message, "too big");
        ck_assert_msg(((a == NULL) == (b == NULL) && (a == NULL) == (c == NULL)) ||
                          (big && b && c),
                      "%s: review mode judges differently", label);
        json_decref(a);
        json_decref(b);
        json_decref(c);
    }
    free(buf);
    free(text);
}
END_TEST

/* Strings dense with escapes (JSON inside a string: last-applied-configuration,
 * lastReconciledSpec) are read sixteen bytes at a time: every piece lands at every offset of
 * a block, with runs of backslashes, \u escapes, UTF-8, and now and then a bad escape, a control
 * character or bad UTF-8, built and skipped. */
START_TEST(escape_dense_strings_are_judged_as_jansson_judges_them)
{
    static const char *const pieces[] = {
        "a",       "key",  "\\\"",   "\\\\",         "\\/",    "\\n",      "\\t",
        "\\b",     "\\f",  "\\r",    "\\\\\\\"",     "\\u00e9", "\\ud83d\\ude00", "\xC3\xA9",
        "\\\\\\\\", ":",    "\\\"x\\\":\\\"y\\\"", "{",      "\\ud83d",  "\\x",
        "\x01",    "\xFF", "\\u12",
    };
    /* the last five are invalid: picked one time in sixteen */
    const size_t nvalid = sizeof pieces / sizeof pieces[0] - 5;
    uint64_t seed = 0xA0761D6478BD642FULL;
    char body[512], text[400];
    for (int round = 0; round < 6000; round++) {
        size_t n = 0;
        size_t pad = (size_t)(fo_test_rand(&seed) % 32);
        for (size_t i = 0; i < pad; i++)
            text[n++] = 'p';
        size_t count = 1 + (size_t)(fo_test_rand(&seed) % 40);
        for (size_t i = 0; i < count; i++) {
            size_t k = fo_test_rand(&seed) % 16 == 0 ? nvalid + (size_t)(fo_test_rand(&seed) % 5)
                                            : (size_t)(fo_test_rand(&seed) % nvalid);
            size_t len = strlen(pieces[k]);
            if (n + len >= sizeof text - 1)
                break;
            memcpy(text + n, pieces[k], len);
            n += len;
        }
        if (fo_test_rand(&seed) % 8 == 0)
            text[n++] = '\\'; /* escapes the closing quote: unterminated */
        text[n] = '\0';
        char label[64];
        snprintf(label, sizeof label, "escape-dense round %d", round);
        /* the text as a value, as a key, and with 40 bytes of input after it (the block
         * unescaper reads up to 32 bytes ahead, so that takes it to the string's end) */
        int blen = snprintf(body, sizeof body, "{\"k\":\"%s\",\"n\":1}", text);
        agree(body, (size_t)blen, label);
        blen = snprintf(body, sizeof body, "{\"%s\":1}%40s", text, "");
        agree(body, (size_t)blen, label);
        /* the same string skipped (inside oldObject) is judged the same */
        json_error_t jerr;
        json_t *want = json_loadb(body, (size_t)blen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        blen = snprintf(body, sizeof body, "{\"request\":{\"oldObject\":{\"k\":\"%s\"}}}", text);
        fo_err err;
        fo_err_clear(&err);
        json_t *got = fo_wh_json_parse(body, (size_t)blen, FO_WH_JSON_REVIEW, NULL, &err);
        ck_assert_msg((want == NULL) == (got == NULL), "%s, skipped: %s", label,
                      got ? "accepted" : err.message);
        json_decref(want);
        json_decref(got);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("review_json");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, edge_cases_are_judged_as_jansson_judges_them);
    tcase_add_test(tc, nesting_is_limited_where_jansson_limits_it);
    tcase_add_test(tc, errors_name_line_and_column);
    tcase_add_test(tc, review_mode_leaves_out_the_unread_members);
    tcase_add_test(tc, integers_past_64_bits_are_read_as_reals_in_reviews);
    tcase_add_test(tc, the_fixtures_parse_as_jansson_parses_them);
    tcase_add_test(tc, corrupted_reviews_are_judged_as_jansson_judges_them);
    tcase_add_test(tc, escape_dense_strings_are_judged_as_jansson_judges_them);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
