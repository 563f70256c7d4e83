/* FlinkSessionJob validation (common/validate.h): reference b.4 and the session-job and jarURI
 * cases of the Apache DefaultValidatorTest (b.7), with a fake cluster lookup and a fake DNS
 * resolver (the validator itself never touches the network). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/field_errors.h"
#include "common/jsonutil.h"
#include "common/validate.h"
#include "tests/support/testyaml.h"

#define BASE "sessionjob-valid.yaml"

/* ---- fakes -------------------------------------------------------------------------------- */

typedef struct fake {
    json_t *cluster; /* returned by lookup (a copy), or NULL */
    bool any_name;   /* return it whatever name is asked for */
    int lookups;
    char asked_ns[64], asked_name[64];
} fake;

static json_t *lookup(void *ctx, const char *ns, const char *name)
{
    fake *f = ctx;
    f->lookups++;
    snprintf(f->asked_ns, sizeof f->asked_ns, "%s", ns);
    snprintf(f->asked_name, sizeof f->asked_name, "%s", name);
    if (!f->cluster)
        return NULL;
    const char *cname = fo_json_get_str(f->cluster, "metadata.name");
    if (!f->any_name && (!cname || strcmp(cname, name) != 0))
        return NULL;
    return json_deep_copy(f->cluster);
}

/* example.com is public, private.example.com resolves into 10/8, nowhere.example does not
 * resolve, flaky.example cannot be looked up, dual.example has a public and a loopback
 * address. */
static int resolve(void *ctx, const char *host, char out[][64], int max)
{
    (void)ctx;
    const char *addrs[2] = {NULL, NULL};
    if (strcmp(host, "example.com") == 0)
        addrs[0] = "93.184.215.14";
    else if (strcmp(host, "private.example.com") == 0)
        addrs[0] = "10.1.2.3";
    else if (strcmp(host, "dual.example") == 0)
        addrs[0] = "2606:2800:21f:cb07:6820:80da:af6b:8b2c", addrs[1] = "::1";
    else if (strcmp(host, "flaky.example") == 0)
        return -1;
    int n = 0;
    for (int i = 0; i < 2 && addrs[i] && n < max; i++)
        snprintf(out[n++], 64, "%s", addrs[i]);
    return n;
}

static fo_field_errors *run(const json_t *obj, const fo_validate_env *env)
{
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_session_job(obj, env, errs);
    return errs;
}

static void dump(const fo_field_errors *errs, const char *what)
{
    char *all = fo_field_errors_join(errs, "\n  ");
    fprintf(stderr, "%s:\n  %s\n", what, all);
    free(all);
}

/* ---- fixtures ------------------------------------------------------------------------- */

START_TEST(valid_job_passes_with_and_without_its_cluster)
{
    json_t *job = fo_test_load_yaml(BASE);
    fake f = {.cluster = fo_test_load_yaml("deployment-valid-session-cluster.yaml")};
    fo_validate_env env = {.lookup_deployment = lookup, .resolve_host = resolve, .ctx = &f};
    fo_field_errors *errs = run(job, &env);
    if (fo_field_errors_count(errs))
        dump(errs, "with cluster");
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_int_eq(f.lookups, 1);
    ck_assert_str_eq(f.asked_ns, "flink-operator-test");
    ck_assert_str_eq(f.asked_name, "test-cluster");
    fo_field_errors_free(errs);

    json_decref(f.cluster);
    f.cluster = NULL; /* the cluster may not exist yet: allowed */
    errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(job);
}
END_TEST

static const struct {
    const char *fixture;
    bool with_cluster, any_name;
    const char *field;
    fo_fe_type type;
    const char *detail_prefix;
} failing[] = {
    {"sessionjob-invalid-missing-deployment-name.yaml", true, false, "spec.deploymentName",
     FO_FE_REQUIRED, "the name of the session cluster"},
    {"sessionjob-invalid-empty-deployment-name.yaml", true, false, "spec.deploymentName",
     FO_FE_REQUIRED, "the name of the session cluster"},
    {"sessionjob-invalid-deployment-name-pattern.yaml", true, false, "spec.deploymentName",
     FO_FE_INVALID, "The FlinkDeployment name: Session.Cluster is invalid"},
    {"sessionjob-invalid-missing-job.yaml", true, false, "spec.job", FO_FE_REQUIRED,
     "The job spec should not be empty"},
    {"sessionjob-invalid-cluster-id-mismatch.yaml", true, true, "spec.deploymentName",
     FO_FE_INVALID, "The session job's cluster id is not match with the session cluster"},
    {"sessionjob-invalid-deployment-name-changed.yaml", true, false, "spec.deploymentName",
     FO_FE_FORBIDDEN, "The deploymentName can't be changed"},
    {"sessionjob-invalid-jar-scheme.yaml", false, false, "spec.job.jarURI", FO_FE_INVALID,
     "jarURI scheme 'http' is not in the allowlist [https]. Configure "
     "'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist."},
    {"sessionjob-invalid-parallelism-zero.yaml", true, false, "spec.job.parallelism", FO_FE_INVALID,
     "Job parallelism must be larger than 0"},
    {"sessionjob-invalid-upgrade-mode.yaml", false, false, "spec.job.upgradeMode",
     FO_FE_UNSUPPORTED, ""},
};

START_TEST(each_failing_fixture_reports_exactly_its_error)
{
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        json_t *job = fo_test_load_yaml(failing[i].fixture);
        fake f = {.any_name = failing[i].any_name};
        if (failing[i].with_cluster)
            f.cluster = fo_test_load_yaml("deployment-valid-session-cluster.yaml");
        fo_validate_env env = {.lookup_deployment = lookup, .resolve_host = resolve, .ctx = &f};
        fo_field_errors *errs = run(job, &env);
        if (fo_field_errors_count(errs) != 1)
            dump(errs, failing[i].fixture);
        ck_assert_msg(fo_field_errors_count(errs) == 1, "%s", failing[i].fixture);
        const fo_field_error *e = fo_field_errors_get(errs, 0);
        ck_assert_str_eq(e->field, failing[i].field);
        ck_assert_int_eq(e->type, failing[i].type);
        ck_assert_msg(
            strncmp(e->detail, failing[i].detail_prefix, strlen(failing[i].detail_prefix)) == 0,
            "%s: %s", failing[i].fixture, e->message);
        fo_field_errors_free(errs);
        json_decref(f.cluster);
        json_decref(job);
    }
}
END_TEST

START_TEST(job_rules_need_the_cluster_as_in_apache)
{
    /* Parallelism 0 is only judged with the cluster's configuration at hand. */
    json_t *job = fo_test_load_yaml("sessionjob-invalid-parallelism-zero.yaml");
    fo_field_errors *errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(job);
}
END_TEST

START_TEST(application_cluster_cannot_take_session_jobs)
{
    json_t *job = fo_test_load_yaml(BASE);
    fake f = {.cluster = fo_test_load_yaml("deployment-valid-application.yaml")};
    fo_validate_env env = {.lookup_deployment = lookup, .ctx = &f};
    fo_field_errors *errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->message,
                     "spec.deploymentName: Invalid value: \"test-cluster\": Can not submit "
                     "session job to application cluster");
    fo_field_errors_free(errs);
    json_decref(f.cluster);
    json_decref(job);
}
END_TEST

START_TEST(merged_configuration_decides_the_job_rules)
{
    json_t *job = fo_test_load_yaml(BASE);
    fake f = {.cluster = fo_test_load_yaml("deployment-valid-session-cluster.yaml")};
    fo_validate_env env = {.lookup_deployment = lookup, .ctx = &f};
    json_t *jspec = json_object_get(job, "spec");
    json_t *cconf = fo_json_get(f.cluster, "spec.flinkConfiguration");

    /* last-state: the cluster has the directories */
    json_object_set_new(json_object_get(jspec, "job"), "upgradeMode", json_string("last-state"));
    fo_field_errors *errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);

    /* periodic savepoints on the job: the cluster has a savepoint dir */
    json_object_set_new(json_object_get(jspec, "flinkConfiguration"),
                        "kubernetes.operator.periodic.savepoint.interval", json_string("1m"));
    errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);

    /* savepoint mode with the directories only in the job's configuration */
    json_object_clear(cconf);
    json_object_set_new(json_object_get(jspec, "job"), "upgradeMode", json_string("savepoint"));
    json_t *jconf =
        json_pack("{ssss}", "execution.checkpointing.savepoint-dir", "test-savepoint-dir",
                  "execution.checkpointing.dir", "test-checkpoint-dir");
    json_object_set_new(jspec, "flinkConfiguration", jconf);
    errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);

    /* ... and nowhere: both directories are reported */
    json_object_clear(jconf);
    errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 2);
    ck_assert(
        fo_field_errors_has_field(errs, "spec.flinkConfiguration[execution.checkpointing.dir]"));
    fo_field_errors_free(errs);

    /* http header config is just configuration */
    json_object_set_new(jconf, "kubernetes.operator.user.artifacts.http.header",
                        json_string("headerKey1:headerValue1,headerKey2:headerValue2"));
    json_object_set_new(json_object_get(jspec, "job"), "upgradeMode", json_string("stateless"));
    errs = run(job, &env);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(f.cluster);
    json_decref(job);
}
END_TEST

/* ---- jarURI ---------------------------------------------------------------------------- */

static fo_field_errors *jar_errors(const char *jar, const fo_validate_env *env)
{
    json_t *job = fo_test_load_yaml(BASE);
    if (jar)
        fo_json_set_path(job, "spec.job.jarURI", json_string(jar));
    else
        fo_json_del_path(job, "spec.job.jarURI");
    fo_field_errors *errs = run(job, env);
    json_decref(job);
    return errs;
}

static void expect_jar(const char *jar, const fo_validate_env *env, const char *prefix)
{
    fo_field_errors *errs = jar_errors(jar, env);
    if (!prefix) {
        if (fo_field_errors_count(errs))
            dump(errs, jar ? jar : "(null)");
        ck_assert_msg(fo_field_errors_count(errs) == 0, "%s should pass", jar);
    } else {
        ck_assert_msg(fo_field_errors_count(errs) == 1, "%s: %zu errors", jar,
                      fo_field_errors_count(errs));
        const fo_field_error *e = fo_field_errors_get(errs, 0);
        ck_assert_str_eq(e->field, "spec.job.jarURI");
        ck_assert_msg(strncmp(e->detail, prefix, strlen(prefix)) == 0 || strstr(e->detail, prefix),
                      "%s: %s", jar, e->message);
    }
    fo_field_errors_free(errs);
}

START_TEST(jar_uri_schemes_follow_the_operator_allow_list)
{
    fo_validate_env env = {.resolve_host = resolve};
    expect_jar("https://example.com/path/to/job.jar", &env, NULL);
    expect_jar(NULL, &env, NULL); /* entryClass-only jobs */
    expect_jar("http://example.com/job.jar", &env, "jarURI scheme '");
    expect_jar("file:///var/run/secrets/kubernetes.io/serviceaccount/token", &env,
               "jarURI scheme '");
    expect_jar("s3://my-bucket/job.jar", &env, "jarURI scheme '");
    expect_jar("local:///tmp/sample.jar", &env, "jarURI scheme '");
    expect_jar("/no/scheme/job.jar", &env, "jarURI must include a scheme");
    expect_jar("ht tp://bad uri", &env,
               "jarURI is not a valid URI: Illegal character in scheme name at index 2");
    expect_jar("https://example.com/a b.jar", &env, "jarURI is not a valid URI");
    expect_jar("https:", &env, "jarURI is not a valid URI");

    static const char *const https_s3[] = {"https", "s3", NULL};
    fo_validate_env s3 = {.allowed_jar_schemes = https_s3};
    expect_jar("S3://my-bucket/job.jar", &s3, NULL); /* case-insensitive */
    expect_jar("file:///etc/passwd", &s3,
               "jarURI scheme 'file' is not in the allowlist [https, s3]");

    /* A CR cannot extend the operator's allow-list through its flinkConfiguration. */
    json_t *job = fo_test_load_yaml(BASE);
    fo_json_set_path(job, "spec.job.jarURI", json_string("file:///etc/passwd"));
    json_object_set_new(fo_json_get(job, "spec.flinkConfiguration"),
                        "kubernetes.operator.user.artifacts.allowed-schemes",
                        json_string("https;file"));
    fo_field_errors *errs = run(job, &s3);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    ck_assert(strncmp(fo_field_errors_get(errs, 0)->detail, "jarURI scheme 'file'", 20) == 0);
    fo_field_errors_free(errs);
    json_decref(job);
}
END_TEST

START_TEST(jar_uri_hosts_must_not_be_restricted_addresses)
{
    fo_validate_env env = {.resolve_host = resolve};
    const char *restricted[] = {
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://127.0.0.1/job.jar",
        "https://localhost/job.jar",
        "https://10.0.0.1/job.jar",
        "https://192.168.1.1/job.jar",
        "https://172.20.0.5:8443/job.jar",
        "https://[::1]/job.jar",
        "https://[fe80::1]/job.jar",
        "https://[::ffff:127.0.0.1]/job.jar",
        "https://0.0.0.0/job.jar",
        "https://224.0.0.1/job.jar",
        "https://api.localhost/job.jar",
        "https://private.example.com/job.jar", /* resolves into 10/8 */
        "https://dual.example/job.jar",        /* one of its addresses is loopback */
    };
    for (size_t i = 0; i < sizeof restricted / sizeof restricted[0]; i++)
        expect_jar(restricted[i], &env, "resolves to a restricted address");
    /* Even without a resolver, literal addresses and localhost are judged. */
    expect_jar("https://127.0.0.1/job.jar", NULL, "resolves to a restricted address");
    expect_jar("https://localhost/job.jar", NULL, "resolves to a restricted address");

    expect_jar("https://nowhere.example/job.jar", &env,
               "jarURI host 'nowhere.example' cannot be "
               "resolved");
    expect_jar("https://flaky.example/job.jar", &env, NULL);   /* lookup impossible: skipped */
    expect_jar("https://nowhere.example/job.jar", NULL, NULL); /* no resolver: skipped */
    expect_jar("https://93.184.215.14/job.jar", &env, NULL);
    expect_jar("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/job.jar", &env, NULL);
    expect_jar("https:///job.jar", &env, "jarURI must include a host for http/https schemes");
    expect_jar("https://bad_host.example/job.jar", &env, "jarURI must include a host");
    /* Short IPv4 forms are no host names for java.net.URI either: refused before any lookup. */
    expect_jar("https://2130706433/job.jar", &env, "jarURI must include a host");
    expect_jar("https://user@127.1:443/x.jar", &env, "jarURI must include a host");

    fo_validate_env open = {.resolve_host = resolve, .allow_restricted_hosts = true};
    expect_jar("https://127.0.0.1/job.jar", &open, NULL);
    expect_jar("https://nowhere.example/job.jar", &open, NULL);

    /* the operator configuration (the cluster defaults' flinkConfiguration) turns it off */
    json_t *conf = json_pack("{s:s}", "kubernetes.operator.user.artifacts.disallow-restricted-hosts",
                             "False");
    fo_validate_env by_conf = {.resolve_host = resolve, .default_flink_config = conf};
    expect_jar("https://127.0.0.1/job.jar", &by_conf, NULL);
    json_object_set_new(conf, "kubernetes.operator.user.artifacts.disallow-restricted-hosts",
                        json_string("true"));
    expect_jar("https://127.0.0.1/job.jar", &by_conf, "resolves to a restricted address");
    json_decref(conf);
}
END_TEST

/* The allow-list comes from the operator configuration too, as the Apache operator reads it
 * (a Flink list: ';'-separated; ',' taken as well), the resource's own configuration never. */
START_TEST(the_operator_configuration_sets_the_jar_scheme_allowlist)
{
    json_t *conf = json_pack("{s:s}", "kubernetes.operator.user.artifacts.allowed-schemes",
                             " https; S3 ,gs;;");
    fo_validate_env env = {.default_flink_config = conf};
    expect_jar("s3://bucket/job.jar", &env, NULL);
    expect_jar("gs://bucket/job.jar", &env, NULL);
    expect_jar("hdfs://nn/job.jar", &env,
               "jarURI scheme 'hdfs' is not in the allowlist [https, s3, gs]");
    static const char *const only_file[] = {"file", NULL};
    fo_validate_env explicit = {.default_flink_config = conf, .allowed_jar_schemes = only_file};
    expect_jar("s3://bucket/job.jar", &explicit, "jarURI scheme 's3' is not in the allowlist");
    json_object_set_new(conf, "kubernetes.operator.user.artifacts.allowed-schemes",
                        json_string(" ; "));
    expect_jar("s3://bucket/job.jar", &env, "is not in the allowlist [https]"); /* the default */
    json_decref(conf);
}
END_TEST

START_TEST(canary_session_jobs_are_not_validated)
{
    json_t *job = fo_test_load_yaml("sessionjob-invalid-missing-job.yaml");
    fo_json_set_path(job, "metadata.labels", json_pack("{ss}", "flink.apache.org/canary", "true"));
    fo_field_errors *errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(job);

    json_t *bad = json_loads("{\"kind\":\"FlinkSessionJob\",\"spec\":7}", 0, NULL);
    errs = run(bad, NULL);
    ck_assert(fo_field_errors_has_field(errs, "spec"));
    fo_field_errors_free(errs);
    json_decref(bad);
}
END_TEST

START_TEST(a_session_job_passes_with_a_warning_that_flinkop_does_not_submit_it)
{
    /* README, docs/controller.md "Not done": no controller reconciles FlinkSessionJobs yet */
    json_t *job = fo_test_load_yaml(BASE);
    fo_field_errors *errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    const char *w = fo_field_errors_warning(errs, 0);
    ck_assert_msg(strncmp(w, "spec.job: flinkop does not act on FlinkSessionJobs yet", 54) == 0 &&
                      strstr(w, "not submitted to session cluster \"test-cluster\""),
                  "%s", w);
    ck_assert_uint_le(strlen(w), 256); /* webhook/admission.h: the API server's bound */
    fo_field_errors_free(errs);
    /* an update (the resource recorded as the Apache operator left it) is told the same */
    fo_json_set_path(job, "status.reconciliationStatus.lastReconciledSpec",
                     json_string("{\"deploymentName\":\"test-cluster\",\"job\":{\"jarURI\":"
                                 "\"https://example.com/sample.jar\"}}"));
    errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    fo_field_errors_free(errs);
    /* its own options of no effect are not told one by one: the job runs nowhere */
    fo_json_set_path(job, "spec.flinkConfiguration",
                     json_pack("{ss}", "job.autoscaler.enabled", "true"));
    errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 1);
    fo_field_errors_free(errs);
    /* a canary is told nothing */
    fo_json_set_path(job, "metadata.labels", json_pack("{ss}", "flink.apache.org/canary", "true"));
    errs = run(job, NULL);
    ck_assert_uint_eq(fo_field_errors_warning_count(errs), 0);
    fo_field_errors_free(errs);
    json_decref(job);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate_sessionjob");
    TCase *tc = tcase_create("validate_sessionjob");
    tcase_add_test(tc, valid_job_passes_with_and_without_its_cluster);
    tcase_add_test(tc, each_failing_fixture_reports_exactly_its_error);
    tcase_add_test(tc, job_rules_need_the_cluster_as_in_apache);
    tcase_add_test(tc, application_cluster_cannot_take_session_jobs);
    tcase_add_test(tc, merged_configuration_decides_the_job_rules);
    tcase_add_test(tc, jar_uri_schemes_follow_the_operator_allow_list);
    tcase_add_test(tc, jar_uri_hosts_must_not_be_restricted_addresses);
    tcase_add_test(tc, the_operator_configuration_sets_the_jar_scheme_allowlist);
    tcase_add_test(tc, canary_session_jobs_are_not_validated);
    tcase_add_test(tc, a_session_job_passes_with_a_warning_that_flinkop_does_not_submit_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
