/* Label selectors (string and metav1.LabelSelector forms) and label key/value validity.
 * Expected results follow the Kubernetes "Labels and Selectors" documentation and
 * apimachinery's validation rules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/labels.h"
#include "common/strbuf.h"

static json_t *js(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, jerr.text);
    return v;
}

static bool sel_matches(const char *selector, const char *labels_json)
{
    fo_err err;
    fo_err_clear(&err);
    fo_label_selector *sel = fo_label_selector_parse(selector, &err);
    ck_assert_msg(sel != NULL, "\"%s\" did not parse: %s", selector, err.message);
    json_t *labels = labels_json ? js(labels_json) : NULL;
    bool m = fo_label_selector_matches(sel, labels);
    json_decref(labels);
    fo_label_selector_free(sel);
    return m;
}

#define LABELS "{\"env\":\"prod\",\"tier\":\"web\",\"empty\":\"\",\"replicas\":\"3\"}"

START_TEST(equality_requirements_match_as_kubernetes_does)
{
    ck_assert(sel_matches("", LABELS));
    ck_assert(sel_matches("", NULL));
    ck_assert(sel_matches("env=prod", LABELS));
    ck_assert(sel_matches("env==prod", LABELS));
    ck_assert(!sel_matches("env=dev", LABELS));
    ck_assert(!sel_matches("missing=x", LABELS));
    ck_assert(sel_matches("env!=dev", LABELS));
    ck_assert(!sel_matches("env!=prod", LABELS));
    ck_assert(sel_matches("empty=", LABELS));
    ck_assert(!sel_matches("env=", LABELS));
}
END_TEST

START_TEST(not_equal_and_notin_match_objects_without_the_key)
{
    ck_assert(sel_matches("missing!=x", LABELS));
    ck_assert(sel_matches("missing notin (x)", LABELS));
    ck_assert(sel_matches("missing!=x", NULL));
    ck_assert(sel_matches("missing notin (x,y)", "{}"));
    /* but `in` and `=` require the key */
    ck_assert(!sel_matches("missing in (x)", LABELS));
}
END_TEST

START_TEST(set_requirements_and_existence_match)
{
    ck_assert(sel_matches("env in (prod,dev)", LABELS));
    ck_assert(!sel_matches("env in (dev,qa)", LABELS));
    ck_assert(sel_matches("env notin (dev)", LABELS));
    ck_assert(!sel_matches("env notin (dev,prod)", LABELS));
    ck_assert(sel_matches("env", LABELS));
    ck_assert(!sel_matches("missing", LABELS));
    ck_assert(sel_matches("!missing", LABELS));
    ck_assert(!sel_matches("!env", LABELS));
    ck_assert(sel_matches("empty in (,x)", LABELS));
    ck_assert(sel_matches("empty in (x,)", LABELS));
    ck_assert(sel_matches("replicas>2", LABELS));
    ck_assert(!sel_matches("replicas<2", LABELS));
    ck_assert(!sel_matches("env>2", LABELS));
}
END_TEST

START_TEST(requirements_are_anded_and_whitespace_is_tolerated)
{
    ck_assert(sel_matches("env=prod,tier=web", LABELS));
    ck_assert(!sel_matches("env=prod,tier=db", LABELS));
    ck_assert(sel_matches("  env  =  prod  ,  tier in ( web , db ) , !gone ", LABELS));
    ck_assert(sel_matches("env in(prod),tier notin(db)", LABELS));
    ck_assert(sel_matches("\tenv\n==\tprod", LABELS));
    ck_assert(sel_matches("   ", NULL));
    ck_assert(
        sel_matches("app.kubernetes.io/name=flink", "{\"app.kubernetes.io/name\":\"flink\"}"));
}
END_TEST

START_TEST(bad_selector_syntax_is_an_error_with_a_position)
{
    const char *bad[] = {
        "env=prod,",      /* trailing comma */
        ",",              /* empty requirement */
        "=prod",          /* no key */
        "env in prod",    /* no parentheses */
        "env in ()",      /* empty set */
        "env in (a b)",   /* missing comma */
        "env in (a",      /* unclosed */
        "env notin",      /* no values */
        "env prod",       /* no operator */
        "env=a=b",        /* two operators */
        "env=(a)",        /* parentheses after = */
        "!",              /* nothing to negate */
        "!env=x",         /* ! takes no operator */
        "env=-bad",       /* invalid value */
        "-bad=x",         /* invalid key */
        "a/b/c=x",        /* two slashes */
        "replicas>x",     /* not a number */
        "env in (a,(b))", /* nested */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fo_err err;
        fo_err_clear(&err);
        fo_label_selector *sel = fo_label_selector_parse(bad[i], &err);
        ck_assert_msg(sel == NULL, "\"%s\" should not parse", bad[i]);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strstr(err.message, bad[i]) != NULL, "message names the selector: %s",
                      err.message);
    }
    fo_err err;
    fo_label_selector_parse("env in (a b)", &err);
    ck_assert_str_eq(err.message, "label selector \"env in (a b)\": found \"b\" at position 10, "
                                  "expected ',' or ')'");
    fo_label_selector_parse("env=prod,", &err);
    ck_assert_str_eq(err.message, "label selector \"env=prod,\": unexpected end at position 9, "
                                  "expected '!' or a label key");
}
END_TEST

START_TEST(errors_in_long_selectors_still_name_their_position)
{
    /* The whole selector used to be quoted first, so past ~2 KiB the position and the reason
     * fell off the end of the message. */
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    for (int i = 0; i < 1000; i++)
        fo_strbuf_printf(&sb, "k%d=v,", i);
    size_t at = sb.len + 4;
    fo_strbuf_puts(&sb, "env in (a b)");
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_label_selector_parse(sb.data, &err));
    char want[64];
    snprintf(want, sizeof want, "found \"b\" at position %zu, expected ',' or ')'", at + 6);
    ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);

    /* an invalid value or key: the value is shown cut short, the position stays */
    fo_strbuf_reset(&sb);
    fo_strbuf_puts(&sb, "a=");
    for (int i = 0; i < 3000; i++)
        fo_strbuf_putc(&sb, 'x');
    fo_strbuf_puts(&sb, "-");
    ck_assert_ptr_null(fo_label_selector_parse(sb.data, &err));
    ck_assert_msg(strstr(err.message, "at position 2") && strstr(err.message, "or empty"), "%s",
                  err.message);
    fo_strbuf_release(&sb);
}
END_TEST

START_TEST(overlong_selectors_are_refused)
{
    size_t n = FO_LABEL_SELECTOR_MAX_LEN + 1;
    char *text = malloc(n + 1);
    memset(text, 'a', n);
    text[n] = '\0';
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_label_selector_parse(text, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    free(text);
}
END_TEST

START_TEST(label_keys_follow_qualified_name_rules)
{
    char name63[64], name64[65], prefix253[300], prefix254[300];
    memset(name63, 'a', 63);
    name63[63] = '\0';
    memset(name64, 'a', 64);
    name64[64] = '\0';
    /* 253 = 4 labels of 62 + 1 dots... built as "aaa...a.aaa" */
    memset(prefix253, 'b', 253);
    prefix253[100] = '.';
    strcpy(prefix253 + 253, "/x");
    memset(prefix254, 'b', 254);
    prefix254[100] = '.';
    strcpy(prefix254 + 254, "/x");
    const char *good[] = {"a",          "A1",
                          "a.b-c_d",    "example.com/name",
                          "k8s.io/X_y", "flink.apache.org/deployment-name",
                          name63,       prefix253,
                          "1-2"};
    const char *bad[] = {"",       "-a",        "a-",   "a/",      "/a",  "Example.com/a",
                         "a..b/x", "a_b.com/x", name64, prefix254, "a b", "a/b/c",
                         ".a/x",   "a-.b/x",    "a:b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(fo_label_key_valid(good[i]), "%s should be valid", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!fo_label_key_valid(bad[i]), "%s should be invalid", bad[i]);
    ck_assert(!fo_label_key_valid(NULL));
}
END_TEST

START_TEST(label_values_may_be_empty_and_at_most_63_characters)
{
    char v63[64], v64[65];
    memset(v63, 'z', 63);
    v63[63] = '\0';
    memset(v64, 'z', 64);
    v64[64] = '\0';
    const char *good[] = {"", "a", "1.20", "my_value-1", "A.b", v63};
    const char *bad[] = {"-a", "a-", "_a", "a b", "a/b", v64, "é"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(fo_label_value_valid(good[i]), "%s should be valid", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!fo_label_value_valid(bad[i]), "%s should be invalid", bad[i]);
}
END_TEST

static fo_label_selector *from_json(const char *text, fo_err *err)
{
    json_t *v = js(text);
    fo_label_selector *sel = fo_label_selector_from_json(v, err);
    json_decref(v);
    return sel;
}

START_TEST(label_selector_objects_match_labels_and_expressions)
{
    fo_err err;
    fo_err_clear(&err);
    fo_label_selector *sel = from_json(
        "{\"matchLabels\":{\"app\":\"flink\"},\"matchExpressions\":["
        "{\"key\":\"component\",\"operator\":\"In\",\"values\":[\"jobmanager\",\"taskmanager\"]},"
        "{\"key\":\"env\",\"operator\":\"NotIn\",\"values\":[\"dev\"]},"
        "{\"key\":\"type\",\"operator\":\"Exists\"},"
        "{\"key\":\"legacy\",\"operator\":\"DoesNotExist\",\"values\":[]}]}",
        &err);
    ck_assert_msg(sel != NULL, "%s", err.message);
    json_t *yes = js("{\"app\":\"flink\",\"component\":\"jobmanager\",\"type\":\"native\"}");
    json_t *no1 =
        js("{\"app\":\"flink\",\"component\":\"jobmanager\",\"type\":\"x\",\"env\":\"dev\"}");
    json_t *no2 =
        js("{\"app\":\"flink\",\"component\":\"jobmanager\",\"type\":\"x\",\"legacy\":\"\"}");
    json_t *no3 = js("{\"app\":\"other\",\"component\":\"jobmanager\",\"type\":\"x\"}");
    json_t *no4 = js("{\"app\":\"flink\",\"component\":\"client\",\"type\":\"x\"}");
    ck_assert(fo_label_selector_matches(sel, yes));
    ck_assert(!fo_label_selector_matches(sel, no1));
    ck_assert(!fo_label_selector_matches(sel, no2));
    ck_assert(!fo_label_selector_matches(sel, no3));
    ck_assert(!fo_label_selector_matches(sel, no4));
    ck_assert(!fo_label_selector_matches(sel, NULL));
    fo_label_selector_free(sel);
    json_decref(yes);
    json_decref(no1);
    json_decref(no2);
    json_decref(no3);
    json_decref(no4);
}
END_TEST

START_TEST(null_selector_object_selects_nothing_and_empty_selects_everything)
{
    fo_err err;
    fo_label_selector *none = fo_label_selector_from_json(NULL, &err);
    json_t *jnull = json_null();
    fo_label_selector *none2 = fo_label_selector_from_json(jnull, &err);
    fo_label_selector *all = from_json("{}", &err);
    json_t *labels = js("{\"a\":\"b\"}");
    ck_assert(!fo_label_selector_matches(none, labels));
    ck_assert(!fo_label_selector_matches(none2, labels));
    ck_assert(fo_label_selector_matches(all, labels));
    ck_assert(fo_label_selector_matches(all, NULL));
    json_decref(labels);
    json_decref(jnull);
    fo_label_selector_free(none);
    fo_label_selector_free(none2);
    fo_label_selector_free(all);
}
END_TEST

START_TEST(bad_selector_objects_name_the_field)
{
    struct {
        const char *json, *field;
    } cases[] = {
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Gt\",\"values\":[\"1\"]}]}",
         "matchExpressions[0].operator: unsupported value \"Gt\""},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\"},"
         "{\"key\":\"a\",\"operator\":\"In\"}]}",
         "matchExpressions[1].values: must be specified"},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
         "matchExpressions[0].values: may not be specified"},
        {"{\"matchExpressions\":[{\"key\":\"-a\",\"operator\":\"Exists\"}]}",
         "matchExpressions[0].key"},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"a b\"]}]}",
         "matchExpressions[0].values[0]"},
        {"{\"matchLabels\":{\"app\":1}}", "matchLabels.app"},
        {"{\"matchLabels\":{\"a b\":\"x\"}}", "matchLabels: invalid label key \"a b\""},
        {"{\"matchLabels\":[]}", "matchLabels: must be an object"},
        {"{\"matchExpressions\":{}}", "matchExpressions: must be a list"},
        {"[]", "must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fo_err err;
        fo_err_clear(&err);
        fo_label_selector *sel = from_json(cases[i].json, &err);
        ck_assert_msg(sel == NULL, "%s should fail", cases[i].json);
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strstr(err.message, cases[i].field) != NULL, "\"%s\" lacks \"%s\"",
                      err.message, cases[i].field);
    }
}
END_TEST

START_TEST(labels_render_as_a_sorted_selector_that_selects_them)
{
    json_t *labels = js("{\"tier\":\"web\",\"app.kubernetes.io/name\":\"flink\",\"env\":\"\"}");
    char *s = fo_labels_to_selector(labels);
    ck_assert_str_eq(s, "app.kubernetes.io/name=flink,env=,tier=web");
    ck_assert(sel_matches(s, "{\"tier\":\"web\",\"app.kubernetes.io/name\":\"flink\",\"env\":\"\","
                             "\"extra\":\"x\"}"));
    ck_assert(!sel_matches(s, "{\"tier\":\"web\",\"app.kubernetes.io/name\":\"flink\"}"));
    free(s);
    s = fo_labels_to_selector(NULL);
    ck_assert_str_eq(s, "");
    free(s);
    json_decref(labels);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("labels");
    TCase *tc = tcase_create("labels");
    tcase_add_test(tc, equality_requirements_match_as_kubernetes_does);
    tcase_add_test(tc, not_equal_and_notin_match_objects_without_the_key);
    tcase_add_test(tc, set_requirements_and_existence_match);
    tcase_add_test(tc, requirements_are_anded_and_whitespace_is_tolerated);
    tcase_add_test(tc, bad_selector_syntax_is_an_error_with_a_position);
    tcase_add_test(tc, errors_in_long_selectors_still_name_their_position);
    tcase_add_test(tc, overlong_selectors_are_refused);
    tcase_add_test(tc, label_keys_follow_qualified_name_rules);
    tcase_add_test(tc, label_values_may_be_empty_and_at_most_63_characters);
    tcase_add_test(tc, label_selector_objects_match_labels_and_expressions);
    tcase_add_test(tc, null_selector_object_selects_nothing_and_empty_selects_everything);
    tcase_add_test(tc, bad_selector_objects_name_the_field);
    tcase_add_test(tc, labels_render_as_a_sorted_selector_that_selects_them);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
