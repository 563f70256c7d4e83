/* common/schema_check: a value against a structural schema table, as the API server holds a
 * custom resource to its CRD: wrong types refused, unknown fields dropped (both reported here),
 * nulls dropped (not reported), preserved nodes taking anything. A small table written by hand
 * below; the generated pod template table is exercised by test_cluster_defaults. */
#include <check.h>
#include <string.h>

#include "common/json_read.h"
#include "common/schema_check.h"

/*  {name: string, size: integer, ratio: number, on: boolean, port: int-or-string,
 *   tags: [string], labels: {string: string}, extra: preserved object {known: integer},
 *   raw: anything}                                                                       */
static const fo_schema_node nodes[] = {
    {FO_SCHEMA_OBJECT, 0, 9, 0},        /* 0: the root */
    {FO_SCHEMA_OBJECT, 1, 1, 9},        /* 1: extra */
    {FO_SCHEMA_INTEGER, 0, 0, 0},       /* 2 */
    {FO_SCHEMA_MAP, 0, 0, 4},           /* 3: labels */
    {FO_SCHEMA_STRING, 0, 0, 0},        /* 4 */
    {FO_SCHEMA_BOOLEAN, 0, 0, 0},       /* 5 */
    {FO_SCHEMA_INT_OR_STRING, 0, 0, 0}, /* 6 */
    {FO_SCHEMA_ANY, 0, 0, 0},           /* 7 */
    {FO_SCHEMA_NUMBER, 0, 0, 0},        /* 8 */
    {FO_SCHEMA_ARRAY, 0, 0, 4},         /* 9: tags */
};
static const fo_schema_member members[] = {
    {"extra", 1}, {"labels", 3}, {"name", 4}, {"on", 5},   {"port", 6},
    {"ratio", 8}, {"raw", 7},    {"size", 2}, {"tags", 9}, {"known", 2},
};
static const fo_schema schema = {nodes, members, 10, 10};

static char reports[4096];

static void collect(void *ctx, const char *path, const char *problem)
{
    (void)ctx;
    size_t len = strlen(reports);
    snprintf(reports + len, sizeof reports - len, "%s: %s\n", path, problem);
}

static size_t check_text(const char *json)
{
    fo_err err;
    json_t *v = fo_json_read(json, strlen(json), NULL, &err); /* keys may hold NUL */
    ck_assert_msg(v != NULL, "%s: %s", json, err.message);
    reports[0] = '\0';
    size_t n = fo_schema_check(&schema, v, "doc", collect, NULL);
    json_decref(v);
    return n;
}

START_TEST(values_the_schema_holds_pass)
{
    ck_assert_uint_eq(check_text("{\"name\":\"a\",\"size\":3,\"ratio\":0.5,\"on\":false,"
                                 "\"port\":\"http\",\"tags\":[\"x\",\"y\"],\"labels\":{\"a.b/c\":"
                                 "\"v\"},\"extra\":{\"known\":1,\"other\":[{}]},\"raw\":[1,{}]}"),
                      0);
    /* integers written as reals, numbers as integers, an int-or-string as either, nulls */
    ck_assert_uint_eq(check_text("{\"size\":30.0,\"ratio\":2,\"port\":8081,\"name\":null,"
                                 "\"tags\":null,\"labels\":{\"a\":null},\"raw\":[null]}"),
                      0);
    ck_assert_str_eq(reports, "");
}
END_TEST

START_TEST(each_problem_is_reported_with_its_path)
{
    ck_assert_uint_eq(check_text("{\"name\":1,\"size\":1.5,\"ratio\":\"x\",\"on\":\"yes\","
                                 "\"port\":true,\"tags\":[\"a\",2],\"labels\":{\"k\":{}},"
                                 "\"extra\":{\"known\":\"no\"},\"nope\":1}"),
                      9);
    ck_assert_str_eq(reports, "doc.name: must be a string\n"
                              "doc.size: must be an integer\n"
                              "doc.ratio: must be a number\n"
                              "doc.on: must be true or false\n"
                              "doc.port: must be an integer or a string\n"
                              "doc.tags[1]: must be a string\n"
                              "doc.labels[k]: must be a string\n"
                              "doc.extra.known: must be an integer\n"
                              "doc.nope: unknown field (the API server would drop it)\n");
    /* a null list element is refused (not dropped); a real past 2^53 is no integer */
    ck_assert_uint_eq(check_text("{\"tags\":[\"a\",null],\"size\":1e20}"), 2);
    ck_assert_str_eq(reports, "doc.tags[1]: must not be null\ndoc.size: must be an integer\n");
    ck_assert_uint_eq(check_text("[1]"), 1);
    ck_assert_str_eq(reports, "doc: must be an object\n");
    ck_assert_uint_eq(check_text("{\"tags\":{},\"labels\":[]}"), 2);
    ck_assert_str_eq(reports, "doc.tags: must be a list\ndoc.labels: must be an object\n");
}
END_TEST

/* A key with NUL is no field of the schema (it would be stored as another key), and a name
 * that only starts like a field is not that field. */
START_TEST(keys_match_fields_whole)
{
    ck_assert_uint_eq(check_text("{\"name\\u0000x\":\"a\",\"nam\":\"a\",\"names\":\"a\"}"), 3);
    ck_assert_uint_eq(check_text("{\"\":1}"), 1);
}
END_TEST

/* A path too long to show whole is cut visibly; the count stays exact. */
START_TEST(long_paths_are_cut_visibly)
{
    char json[2048];
    char key[700];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(json, sizeof json, "{\"labels\":{\"%s\":1}}", key);
    ck_assert_uint_eq(check_text(json), 1);
    ck_assert_ptr_nonnull(strstr(reports, "...: must be a string\n"));
    ck_assert_uint_eq(fo_schema_check(&schema, NULL, NULL, NULL, NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schema_check");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, values_the_schema_holds_pass);
    tcase_add_test(tc, each_problem_is_reported_with_its_path);
    tcase_add_test(tc, keys_match_fields_whole);
    tcase_add_test(tc, long_paths_are_cut_visibly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
