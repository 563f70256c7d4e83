/* controller/launch_defaults: the record of what the cluster defaults gave a launch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "controller/launch_defaults.h"

static json_t *parse_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    ck_assert_msg(v != NULL, "%s", e.text);
    return v;
}

/* What goes into the record: the defaults the cluster got, among the keys that shape it (its
 * configuration file: everything but the operator's keys; and the JobManager's startup probe
 * switch). A default the spec overrides never reached the cluster, and its value (an admin's
 * S3 secret) is not copied next to the user's. */
START_TEST(the_record_holds_what_the_defaults_gave_and_the_spec_did_not_set)
{
    json_t *scoped =
        parse_json("{\"rest.port\": \"8082\", \"kubernetes.jobmanager.labels\": \"team:x\","
                   " \"s3.secret-key\": \"admin\", \"s3.access-key\": \"AKIA\","
                   " \"kubernetes.operator.savepoint.history.max.count\": \"5\","
                   " \"kubernetes.operator.default-configuration.namespace.ns.rest.port\": \"1\","
                   " \"job.autoscaler.enabled\": \"true\","
                   " \"kubernetes.operator.jm-deployment.startup.probe.enabled\": \"false\","
                   " \"kubernetes.config.file\": \"/etc/kube\"}");
    json_t *spec = parse_json("{\"s3.secret-key\": \"user\", \"parallelism.default\": \"2\"}");
    char *text = fo_launch_defaults_record(scoped, spec, 1776676500000LL);
    ck_assert_ptr_nonnull(text);
    json_t *rec = parse_json(text);
    json_t *want =
        parse_json("{\"launch\": 1776676500000, \"flinkConfiguration\": {\"rest.port\": \"8082\","
                   " \"kubernetes.jobmanager.labels\": \"team:x\", \"s3.access-key\": \"AKIA\","
                   " \"kubernetes.operator.jm-deployment.startup.probe.enabled\": \"false\"}}");
    ck_assert_msg(fo_json_equal(rec, want), "record %s", text);

    int64_t ms = 0;
    json_t *conf = NULL;
    fo_err err;
    ck_assert_int_eq(fo_launch_defaults_parse(text, &ms, &conf, &err), FO_OK);
    ck_assert_int_eq(ms, 1776676500000LL);
    ck_assert(fo_json_equal(conf, json_object_get(want, "flinkConfiguration")));
    json_decref(conf);
    json_decref(want);
    json_decref(rec);
    free(text);
    json_decref(spec);
    json_decref(scoped);
}
END_TEST

START_TEST(an_empty_record_is_a_record)
{
    json_t *scoped = json_object();
    char *text = fo_launch_defaults_record(scoped, NULL, 0);
    ck_assert_str_eq(text, "{\"flinkConfiguration\":{},\"launch\":0}");
    int64_t ms = -1;
    json_t *conf = NULL;
    fo_err err;
    ck_assert_int_eq(fo_launch_defaults_parse(text, &ms, &conf, &err), FO_OK);
    ck_assert_int_eq(ms, 0);
    ck_assert_int_eq(json_object_size(conf), 0);
    json_decref(conf);
    free(text);
    json_decref(scoped);
}
END_TEST

/* A record someone edited into something else is not one (the cluster then gets the current
 * defaults, as one launched before records). */
START_TEST(what_is_not_a_record_is_refused_naming_why)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"team:x", "line"},
        {"{\"flinkConfiguration\": {}}", "launch"},
        {"{\"launch\": \"1\", \"flinkConfiguration\": {}}", "launch"},
        {"{\"launch\": -1, \"flinkConfiguration\": {}}", "launch"},
        {"{\"launch\": 1}", "flinkConfiguration: must be an object"},
        {"{\"launch\": 1, \"flinkConfiguration\": {\"rest.port\": 8082}}",
         "flinkConfiguration.rest.port: must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ms = 7;
        json_t *conf = NULL;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_int_ne(fo_launch_defaults_parse(cases[i].text, &ms, &conf, &err), FO_OK);
        ck_assert_ptr_null(conf);
        ck_assert_msg(strstr(err.message, cases[i].says), "%s: %s", cases[i].text, err.message);
    }
    /* past the bound: refused before it is parsed */
    size_t n = FO_LAUNCH_DEFAULTS_MAX_TEXT + 1;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', n);
    big[n] = '\0';
    int64_t ms = 0;
    json_t *conf = NULL;
    fo_err err;
    ck_assert_int_eq(fo_launch_defaults_parse(big, &ms, &conf, &err), FO_ELIMIT);
    free(big);
}
END_TEST

/* A running cluster is built with the recorded keys as recorded, a recorded key the launch did
 * not get stays unset, and the operator's keys are today's. */
START_TEST(merged_defaults_take_recorded_keys_from_the_record_only)
{
    json_t *now = parse_json("{\"rest.port\": \"9000\", \"kubernetes.jobmanager.labels\": \"b:c\","
                             " \"kubernetes.operator.savepoint.history.max.count\": \"7\","
                             " \"kubernetes.operator.jm-deployment.startup.probe.enabled\": "
                             "\"false\"}");
    json_t *recorded = parse_json("{\"rest.port\": \"8082\"}");
    json_t *merged = fo_launch_defaults_merge(now, recorded);
    json_t *want = parse_json("{\"rest.port\": \"8082\","
                              " \"kubernetes.operator.savepoint.history.max.count\": \"7\"}");
    ck_assert(fo_json_equal(merged, want));
    json_decref(want);
    json_decref(merged);
    json_decref(recorded);
    json_decref(now);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("launch_defaults");
    TCase *tc = tcase_create("record");
    tcase_add_test(tc, the_record_holds_what_the_defaults_gave_and_the_spec_did_not_set);
    tcase_add_test(tc, an_empty_record_is_a_record);
    tcase_add_test(tc, what_is_not_a_record_is_refused_naming_why);
    tcase_add_test(tc, merged_defaults_take_recorded_keys_from_the_record_only);
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
