/* flink_conf: Flink/Java value syntax, flinkConfiguration flattening, scoped operator defaults,
 * the spec -> configuration mapping and the config file rendering. Expected values come from
 * Flink's and the Apache operator's documented behaviour (MemorySize, TimeUtils,
 * Double.toString, ConfigObjectNode.asFlatMap, FlinkConfigBuilder) and fixtures in tests/data. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_conf.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "tests/support/testutil.h"
#include "tests/support/testyaml.h"

static json_t *load_json(const char *name)
{
    char *path = fo_test_data_path(name);
    fo_err err;
    fo_err_clear(&err);
    json_t *v = fo_json_load_file(path, 1 << 20, &err);
    ck_assert_msg(v != NULL, "%s: %s", name, err.message);
    free(path);
    return v;
}

static void assert_same_json(const json_t *got, const json_t *want)
{
    char *g = fo_json_dumps_canonical(got);
    char *w = fo_json_dumps_canonical(want);
    ck_assert_str_eq(g, w);
    free(g);
    free(w);
}

/* ---- memory --------------------------------------------------------------------------- */

static const struct {
    const char *text;
    long long bytes;
} memory_cases[] = {
    {"2048m", 2147483648LL}, /* Flink syntax first: m = MiB */
    {"1g", 1073741824LL},
    {"1G", 1073741824LL}, /* MemorySize: G is GiB too */
    {"100", 100},
    {"10b", 10},
    {"10 bytes", 10},
    {"2 KB", 2048},
    {"512 mebibytes", 536870912LL},
    {"2MB", 2097152},
    {"1t", 1099511627776LL},
    {" 64 m ", 67108864},
    {"2Gi", 2147483648LL}, /* then Kubernetes quantities */
    {"1Gi", 1073741824LL},
    {"500Mi", 524288000},
    {"0.5Gi", 536870912},
    {"1.5G", 1500000000},
    {"1e3", 1000},
    {"2gib", 2147483648LL}, /* upper-cased: 2GIB -> 2GI -> 2Gi */
    {"-2Gi", -2147483648LL},
};

START_TEST(memory_sizes_read_flink_syntax_then_kubernetes_quantities)
{
    for (size_t i = 0; i < sizeof memory_cases / sizeof memory_cases[0]; i++) {
        int64_t bytes = 0;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_msg(fo_flink_memory_parse(memory_cases[i].text, &bytes, &err) == FO_OK, "%s: %s",
                      memory_cases[i].text, err.message);
        ck_assert_msg(bytes == memory_cases[i].bytes, "%s: got %lld want %lld",
                      memory_cases[i].text, (long long)bytes, memory_cases[i].bytes);
    }
}
END_TEST

START_TEST(bad_memory_sizes_fail_naming_the_text)
{
    const char *bad[] = {"invalid", "", "   ", "12 parsecs", "Gi", "1.2.3g"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t bytes = 42;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_int_eq(fo_flink_memory_parse(bad[i], &bytes, &err), FO_EINVAL);
        ck_assert_msg(strstr(err.message, bad[i]) != NULL, "%s", err.message);
        ck_assert_int_eq(bytes, 42);
    }
    int64_t bytes = 0;
    ck_assert_int_eq(fo_flink_memory_parse("99999999999999999999", &bytes, NULL), FO_ELIMIT);
    ck_assert_int_eq(fo_flink_memory_parse("9999999999t", &bytes, NULL), FO_ELIMIT);
    /* Flink's own syntax only: no quantities there. */
    ck_assert_int_eq(fo_flink_memory_parse_flink("2Gi", &bytes, NULL), FO_EINVAL);
}
END_TEST

START_TEST(memory_sizes_print_like_flink_memory_size)
{
    char buf[32];
    ck_assert_str_eq(fo_flink_memory_format(2147483648LL, buf, sizeof buf), "2 gb");
    ck_assert_str_eq(fo_flink_memory_format(1536LL << 20, buf, sizeof buf), "1536 mb");
    ck_assert_str_eq(fo_flink_memory_format(100, buf, sizeof buf), "100 bytes");
    ck_assert_str_eq(fo_flink_memory_format(3072, buf, sizeof buf), "3 kb");
    ck_assert_str_eq(fo_flink_memory_format(1500000000, buf, sizeof buf), "1500000000 bytes");
    /* MemorySize falls back to bytes when every unit divides (0, whole TiB). */
    ck_assert_str_eq(fo_flink_memory_format(0, buf, sizeof buf), "0 bytes");
    ck_assert_str_eq(fo_flink_memory_format(1099511627776LL, buf, sizeof buf),
                     "1099511627776 bytes");
}
END_TEST

/* ---- durations, doubles, booleans, lists ------------------------------------------------ */

START_TEST(durations_take_only_flink_units_and_iso_8601_as_java_reads_it)
{
    int64_t ms = 0;
    /* TimeUtils.TimeUnit: MINUTES is singular("min"), singular("m"), plural("minute"). */
    ck_assert_int_eq(fo_flink_duration_parse("5 mins", &ms, NULL), FO_EINVAL);
    ck_assert_int_eq(fo_flink_duration_parse("5 secs", &ms, NULL), FO_OK);
    ck_assert_int_eq(ms, 5000);

    /* java.time.Duration.parse: any case, signed sections, a fraction ('.' or ',') only on
     * seconds, sections in D, H, M, S order. */
    static const struct {
        const char *text;
        long long ms;
    } ok[] = {{"PT1.5S", 1500}, {"pt10m", 600000},  {"P1DT2H", 93600000},
              {"PT0,25S", 250}, {"P2D", 172800000}, {"PT1H-30M", 1800000},
              {"-PT1S", -1000}, {"PT0.0001S", 0},   {"+PT1M+1S", 61000}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ms = -42;
        ck_assert_msg(fo_flink_duration_parse(ok[i].text, &ms, NULL) == FO_OK, "%s", ok[i].text);
        ck_assert_msg(ms == ok[i].ms, "%s: %lld", ok[i].text, (long long)ms);
    }
    /* What strtold would take but Duration.parse refuses: infinities, NaN, hex, exponents,
     * fractions of minutes, sections out of order or twice, an empty time part, overflow. */
    static const char *const bad[] = {"PTnanS",
                                      "PTinfS",
                                      "PT-infS",
                                      "PT1e3S",
                                      "PT0x10S",
                                      "PT1.5M",
                                      "PT1M1H",
                                      "P1H",
                                      "PT1S1S",
                                      "PT",
                                      "P",
                                      "P1DT",
                                      "PT1.1234567891S",
                                      "P99999999999999999999D",
                                      "PT-1e30S",
                                      "P106751991167301D"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ms = -42;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_msg(fo_flink_duration_parse(bad[i], &ms, &err) != FO_OK, "%s read as %lld",
                      bad[i], (long long)ms);
        ck_assert_msg(strstr(err.message, bad[i]) != NULL, "%s", err.message);
        ck_assert_int_eq(ms, -42);
    }
}
END_TEST

START_TEST(durations_read_flink_units_and_print_like_java)
{
    static const struct {
        const char *text;
        long long ms;
    } cases[] = {
        {"30 s", 30000}, {"5 min", 300000},    {"1m", 60000},          {"100", 100},
        {"2h", 7200000}, {"1 d", 86400000},    {"10 minutes", 600000}, {"1500 ms", 1500},
        {"PT1M", 60000}, {"PT1H30M", 5400000}, {"2 SECONDS", 2000},    {"3000 micros", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = -1;
        ck_assert_msg(fo_flink_duration_parse(cases[i].text, &ms, NULL) == FO_OK, "%s",
                      cases[i].text);
        ck_assert_msg(ms == cases[i].ms, "%s: %lld", cases[i].text, (long long)ms);
    }
    int64_t ms;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_int_eq(fo_flink_duration_parse("5 parsecs", &ms, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "5 parsecs"));
    ck_assert_int_eq(fo_flink_duration_parse("soon", &ms, NULL), FO_EINVAL);

    char buf[48];
    ck_assert_str_eq(fo_flink_duration_format_iso(30000, buf, sizeof buf), "PT30S");
    ck_assert_str_eq(fo_flink_duration_format_iso(60000, buf, sizeof buf), "PT1M");
    ck_assert_str_eq(fo_flink_duration_format_iso(5400000, buf, sizeof buf), "PT1H30M");
    ck_assert_str_eq(fo_flink_duration_format_iso(500, buf, sizeof buf), "PT0.5S");
    ck_assert_str_eq(fo_flink_duration_format_iso(0, buf, sizeof buf), "PT0S");
    ck_assert_str_eq(fo_flink_duration_format_iso(90061001, buf, sizeof buf), "PT25H1M1.001S");
}
END_TEST

START_TEST(doubles_print_like_java_double_to_string)
{
    static const struct {
        double d;
        const char *text;
    } cases[] = {
        {1.0, "1.0"},
        {0.7, "0.7"},
        {1e10, "1.0E10"},
        {1e7, "1.0E7"},
        {9999999.0, "9999999.0"},
        {0.001, "0.001"},
        {0.0001, "1.0E-4"},
        {100000.0, "100000.0"},
        {-0.5, "-0.5"},
        {1.5e-5, "1.5E-5"},
        {123456789.0, "1.23456789E8"},
        {0.1 + 0.2, "0.30000000000000004"},
        {0.0, "0.0"},
        {0.01, "0.01"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(fo_flink_format_double(cases[i].d, buf, sizeof buf), cases[i].text);

    double d = 0;
    ck_assert(fo_flink_parse_double(" 0.75 ", &d) && d == 0.75);
    ck_assert(fo_flink_parse_double("1e-3", &d) && d == 0.001);
    ck_assert(fo_flink_parse_double("-Infinity", &d) && d < -1e308);
    ck_assert(!fo_flink_parse_double("0x1p3", &d));
    ck_assert(!fo_flink_parse_double("abc", &d));
    ck_assert(!fo_flink_parse_double("", &d));

    bool b = false;
    ck_assert(fo_flink_parse_bool("TRUE", &b) && b);
    ck_assert(fo_flink_parse_bool(" false ", &b) && !b);
    ck_assert(!fo_flink_parse_bool("yes", &b));
}
END_TEST

START_TEST(lists_use_flink_semicolon_syntax_with_quoting)
{
    json_t *list = json_pack("[sss]", "--input", "a;b", "it's");
    char *text = fo_flink_conf_format_list(list);
    ck_assert_str_eq(text, "--input;'a;b';'it''s'");
    free(text);
    json_decref(list);
}
END_TEST

/* ---- flattening ----------------------------------------------------------------------- */

START_TEST(flattening_matches_as_flat_map_and_drops_unset_keys)
{
    json_t *in = fo_test_load_yaml("conf-flatten-input.yaml");
    json_t *want = load_json("conf-flatten-expected.json");
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_flink_conf_flatten(in, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    assert_same_json(got, want);
    json_decref(got);
    json_decref(want);
    json_decref(in);
}
END_TEST

START_TEST(flattening_lets_later_members_win_and_refuses_non_objects)
{
    json_t *in = json_loads("{\"a.b\":\"flat\",\"a\":{\"b\":\"nested\",\"c\":1}}", 0, NULL);
    json_t *got = fo_flink_conf_flatten(in, NULL);
    ck_assert_str_eq(fo_json_str(got, "a.b"), "nested");
    ck_assert_str_eq(fo_json_str(got, "a.c"), "1");
    json_decref(got);
    json_decref(in);

    got = fo_flink_conf_flatten(NULL, NULL);
    ck_assert_int_eq(json_object_size(got), 0);
    json_decref(got);

    json_t *arr = json_array();
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_flatten(arr, &err));
    ck_assert_int_eq(err.rc, FO_EINVAL);
    json_decref(arr);

    /* A list of objects keeps its content (Apache would write ""). */
    in = json_loads("{\"k\":[{\"x\":1},\"y\",null,2]}", 0, NULL);
    got = fo_flink_conf_flatten(in, NULL);
    ck_assert_str_eq(fo_json_str(got, "k"), "{\"x\":1};y;2");
    json_decref(got);
    json_decref(in);
}
END_TEST

START_TEST(flattening_refuses_values_with_nul_characters_naming_the_key)
{
    /* "\u0000" would cut the value short ("s3://a" instead of what was written). */
    static const char *const inputs[] = {"{\"state\":{\"dir\":\"s3://a\\u0000b\"}}",
                                         "{\"state.dir\":[\"x\",\"s3://a\\u0000b\"]}"};
    for (size_t i = 0; i < 2; i++) {
        json_t *in = json_loads(inputs[i], JSON_ALLOW_NUL, NULL);
        ck_assert_ptr_nonnull(in);
        fo_err err;
        fo_err_clear(&err);
        ck_assert_ptr_null(fo_flink_conf_flatten(in, &err));
        ck_assert_int_eq(err.rc, FO_EINVAL);
        ck_assert_msg(strstr(err.message, "state.dir") && strstr(err.message, "NUL"), "%s",
                      err.message);
        json_decref(in);
    }
}
END_TEST

START_TEST(flattening_limits_depth)
{
    json_t *root = json_object(), *cur = root;
    for (int i = 0; i < FO_FLINK_CONF_MAX_DEPTH + 5; i++) {
        json_t *child = json_object();
        json_object_set_new(cur, "k", child);
        cur = child;
    }
    json_object_set_new(cur, "leaf", json_string("v"));
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_flatten(root, &err));
    ck_assert_int_eq(err.rc, FO_ELIMIT);
    json_decref(root);
}
END_TEST

/* ---- scoped defaults ------------------------------------------------------------------- */

START_TEST(defaults_apply_namespace_then_version_scopes)
{
    json_t *defaults = fo_test_load_yaml("conf-defaults-scoped.yaml");

    json_t *c = fo_flink_conf_defaults_for(defaults, "team-a", FO_FLINK_V1_19);
    ck_assert_str_eq(fo_json_str(c, "taskmanager.numberOfTaskSlots"), "4");
    ck_assert_str_eq(fo_json_str(c, "env.java.opts.all"), "-D119plus"); /* 1.19+ over 1.18+ */
    ck_assert_ptr_null(fo_json_str(c, "pipeline.name"));
    json_decref(c);

    c = fo_flink_conf_defaults_for(defaults, "other", FO_FLINK_V1_20);
    ck_assert_str_eq(fo_json_str(c, "taskmanager.numberOfTaskSlots"), "1");
    ck_assert_str_eq(fo_json_str(c, "env.java.opts.all"), "-D120"); /* exact version last */
    json_decref(c);

    c = fo_flink_conf_defaults_for(defaults, NULL, FO_FLINK_V1_17);
    ck_assert_str_eq(fo_json_str(c, "env.java.opts.all"), "-Dbase");
    ck_assert_str_eq(fo_json_str(c, "pipeline.name"), "only-117");
    json_decref(c);

    c = fo_flink_conf_defaults_for(NULL, "x", FO_FLINK_V1_20);
    ck_assert_int_eq(json_object_size(c), 0);
    json_decref(c);
    json_decref(defaults);
}
END_TEST

/* ---- spec -> configuration ------------------------------------------------------------- */

START_TEST(application_maps_to_the_golden_configuration)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    json_t *want = load_json("conf-effective-valid-application.json");
    fo_err err;
    fo_err_clear(&err);
    json_t *got = fo_flink_conf_build(obj, NULL, NULL, &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    assert_same_json(got, want);
    json_decref(got);
    json_decref(want);
    json_decref(obj);
}
END_TEST

static void expect(const json_t *conf, const char *key, const char *value)
{
    const char *got = fo_json_str(conf, key);
    if (!value)
        ck_assert_msg(got == NULL, "%s should be unset, is %s", key, got);
    else
        ck_assert_msg(got && strcmp(got, value) == 0, "%s: got %s want %s", key,
                      got ? got : "(unset)", value);
}

START_TEST(standalone_application_gets_classpath_replicas_and_job_settings)
{
    json_t *obj = fo_test_load_yaml("deployment-standalone-application.yaml");
    json_t *c = fo_flink_conf_build(obj, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    expect(c, "kubernetes.container.image", "registry.example.com/flink-job:1.2"); /* < 1.17 */
    expect(c, "kubernetes.container.image.ref", NULL);
    expect(c, "jobmanager.memory.process.size", "1 gb");
    expect(c, "kubernetes.jobmanager.cpu.amount", "0.5");
    expect(c, "kubernetes.jobmanager.cpu", "0.5");
    expect(c, "kubernetes.jobmanager.replicas", "1");
    expect(c, "taskmanager.memory.process.size", "4 gb");
    expect(c, "kubernetes.taskmanager.cpu.amount", "2.0");
    expect(c, "kubernetes.internal.taskmanager.replicas", "2"); /* ceil(3 / 2 slots) */
    expect(c, "execution.target", "remote");
    expect(c, "kubernetes.internal.cluster-mode", "APPLICATION");
    expect(c, "pipeline.jars", NULL);
    expect(c, "pipeline.classpaths", "file:///opt/flink/usrlib/job.jar");
    expect(c, "parallelism.default", "3");
    expect(c, "execution.checkpointing.interval", "5 min"); /* last-state default */
    expect(c, "execution.savepoint.ignore-unclaimed-state", "true");
    expect(c, "$internal.application.main", "com.example.Job");
    expect(c, "$internal.application.program-args", "--input;'a;b'");
    expect(c, "pipeline.name", "standalone-app");
    expect(c, "kubernetes.cluster-id", "standalone-app");
    expect(c, "kubernetes.namespace", "jobs");
    expect(c, "high-availability.cluster-id", NULL); /* no HA */
    /* Operator keys stay for the controller, and leave for the cluster's file. */
    expect(c, "kubernetes.operator.periodic.savepoint.interval", "6h");
    json_t *cluster = fo_flink_conf_cluster_side(c);
    expect(cluster, "kubernetes.operator.periodic.savepoint.interval", NULL);
    expect(cluster, "job.autoscaler.enabled", NULL);
    expect(cluster, "pipeline.classpaths", "file:///opt/flink/usrlib/job.jar");
    /* What Flink's own deployer would add: fixed ports, the internal Service as address. */
    expect(cluster, "blob.server.port", "6124");
    expect(cluster, "taskmanager.rpc.port", "6122");
    expect(cluster, "rest.bind-port", NULL);
    expect(cluster, "jobmanager.rpc.address", "standalone-app.jobs");
    expect(cluster, "high-availability.jobmanager.port", NULL);
    json_decref(cluster);
    json_decref(c);
    json_decref(obj);
}
END_TEST

START_TEST(cluster_side_pins_ports_like_flinks_deployer)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    json_t *c = fo_flink_conf_build(obj, NULL, NULL, NULL);
    json_object_set_new(c, "taskmanager.rpc.port", json_string("50100-50200"));
    json_object_set_new(c, "blob.server.port", json_string("6200"));
    json_object_set_new(c, "rest.bind-port", json_string("8081-8090"));
    json_object_set_new(c, "kubernetes.config.file", json_string("/home/op/.kube/config"));
    json_t *cluster = fo_flink_conf_cluster_side(c);
    expect(cluster, "taskmanager.rpc.port", "6122"); /* a range is replaced */
    expect(cluster, "blob.server.port", "6200");     /* a fixed port is kept */
    expect(cluster, "rest.bind-port", "8081");
    expect(cluster, "kubernetes.config.file", NULL);
    expect(cluster, "high-availability.jobmanager.port", "6123"); /* HA: no internal Service */
    expect(cluster, "jobmanager.rpc.address", NULL);
    json_decref(cluster);
    json_decref(c);
    json_decref(obj);
}
END_TEST

/* high-availability.type "standalone" is Flink's old default recovery mode: no HA
 * (HighAvailabilityMode.fromConfig), so the cluster is deployed as one without HA: the
 * internal Service as address, no HA cluster id or port. */
START_TEST(legacy_standalone_recovery_mode_deploys_like_no_ha)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"), "high-availability.type",
                        json_string("Standalone"));
    json_t *c = fo_flink_conf_build(obj, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    expect(c, "high-availability.cluster-id", NULL);
    json_t *cluster = fo_flink_conf_cluster_side(c);
    expect(cluster, "jobmanager.rpc.address", "test-cluster.flink-operator-test");
    expect(cluster, "high-availability.jobmanager.port", NULL);
    json_decref(cluster);
    json_decref(c);
    json_decref(obj);
}
END_TEST

START_TEST(session_cluster_gets_limit_factors_and_legacy_keys)
{
    json_t *obj = fo_test_load_yaml("deployment-session-cluster-limits.yaml");
    json_t *c = fo_flink_conf_build(obj, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    expect(c, "execution.target", "kubernetes-session");
    expect(c, "kubernetes.container.image", "flink:1.16");
    expect(c, "jobmanager.memory.process.size", "2 gb"); /* request over limit */
    expect(c, "kubernetes.jobmanager.cpu.amount", "0.5");
    expect(c, "kubernetes.jobmanager.cpu", "0.5"); /* legacy key before 1.17 */
    expect(c, "kubernetes.jobmanager.cpu.limit-factor", "2.0");
    expect(c, "kubernetes.jobmanager.memory.limit-factor", "1.5");
    expect(c, "taskmanager.memory.process.size", "4 gb"); /* limits only */
    expect(c, "kubernetes.taskmanager.cpu.amount", "2.0");
    expect(c, "kubernetes.taskmanager.cpu.limit-factor", NULL);
    expect(c, "kubernetes.internal.taskmanager.replicas", "3");
    expect(c, "pipeline.name", NULL);
    expect(c, "parallelism.default", NULL);
    json_decref(c);
    json_decref(obj);
}
END_TEST

START_TEST(defaults_sit_under_the_spec_and_deploy_options_come_last)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    json_t *defaults = json_pack("{ssssssss}", "taskmanager.numberOfTaskSlots", "8",
                                 "kubernetes.rest-service.exposed.type", "LoadBalancer",
                                 "kubernetes.jobmanager.annotations",
                                 "team:a,"
                                 "flinkdeployment.flink.apache.org/generation:1",
                                 "execution.savepoint.path", "s3://old");
    char *owner = fo_flink_conf_owner_reference(obj);
    ck_assert_str_eq(owner, "apiVersion:flink.apache.org/v1beta1,blockOwnerDeletion:true,"
                            "controller:false,kind:FlinkDeployment,name:test-cluster,"
                            "uid:6f1c2f7e-4a43-4d3b-9d0e-2b9b8f0e7a11");
    fo_flink_deploy_opts opts = {
        .savepoint_path = "s3://bucket/sp-1",
        .job_id = "00000000000000000000000000000001",
        .owner_reference = owner,
        .generation = 7,
        .job_result_store_id = "u-1",
        .tm_pod_template_file = "/opt/flink/pod-template/taskmanager-pod-template.yaml",
    };
    json_t *c = fo_flink_conf_build(obj, defaults, &opts, NULL);
    ck_assert_ptr_nonnull(c);
    expect(c, "taskmanager.numberOfTaskSlots", "2");                   /* spec over default */
    expect(c, "kubernetes.rest-service.exposed.type", "LoadBalancer"); /* default kept */
    expect(c, "execution.savepoint.path", "s3://bucket/sp-1");
    expect(c, "$internal.pipeline.job-id", "00000000000000000000000000000001");
    expect(c, "kubernetes.jobmanager.owner.reference", owner);
    expect(c, "kubernetes.jobmanager.annotations",
           "team:a,flinkdeployment.flink.apache.org/generation:7");
    expect(c, "job-result-store.storage-path", "test/job-result-store/test-cluster/u-1");
    expect(c, "job-result-store.delete-on-commit", "false");
    expect(c, "kubernetes.pod-template-file.taskmanager",
           "/opt/flink/pod-template/taskmanager-pod-template.yaml");
    json_decref(c);

    /* c.6 (FLINK-27573): a user's delete-on-commit stays; a session cluster gets no
     * launch-specific store; without an HA storage directory there is none either. */
    json_t *spec = json_object_get(obj, "spec");
    json_t *user = json_object_get(spec, "flinkConfiguration");
    json_object_set_new(user, "job-result-store.delete-on-commit", json_string("true"));
    json_object_set_new(user, "high-availability.storageDir", json_string("s3://b/ha/"));
    c = fo_flink_conf_build(obj, defaults, &opts, NULL);
    expect(c, "job-result-store.storage-path", "s3://b/ha/job-result-store/test-cluster/u-1");
    expect(c, "job-result-store.delete-on-commit", "true");
    json_decref(c);
    json_object_del(user, "high-availability.storageDir");
    c = fo_flink_conf_build(obj, defaults, &opts, NULL);
    expect(c, "job-result-store.storage-path", NULL);
    json_decref(c);
    json_object_set_new(user, "high-availability.storageDir", json_string("test"));
    json_object_del(user, "job-result-store.delete-on-commit");
    json_t *job = json_incref(json_object_get(spec, "job"));
    json_object_del(spec, "job");
    c = fo_flink_conf_build(obj, defaults, &opts, NULL);
    expect(c, "job-result-store.storage-path", NULL);
    expect(c, "job-result-store.delete-on-commit", NULL);
    json_decref(c);
    json_object_set_new(spec, "job", job);

    /* A stateless start removes a savepoint path that came from anywhere. */
    fo_flink_deploy_opts fresh = {0};
    c = fo_flink_conf_build(obj, defaults, &fresh, NULL);
    expect(c, "execution.savepoint.path", NULL);
    json_decref(c);
    free(owner);
    json_decref(defaults);
    json_decref(obj);
}
END_TEST

/* FlinkUtils.setGenerationAnnotation reads kubernetes.jobmanager.annotations as a map, puts
 * the generation in and writes the map back: Flink then reads the user's annotations and the
 * generation as separate entries, also where appending ",<key>:<n>" to the text would be read
 * otherwise (with config.yaml "team: data" is YAML, and the appended text part of its value). */
START_TEST(the_generation_is_merged_into_the_annotations_as_a_map)
{
    static const struct {
        const char *version, *annotations;
    } cases[] = {
        {"v1_20", "team: data"},
        {"v1_20", "{team: data, 'note': \"a, b: c\", "
                  "flinkdeployment.flink.apache.org/generation: 3}"},
        {"v1_18", "team: data, 'note:''a, b: c''',flinkdeployment.flink.apache.org/generation:3"},
        {"v1_18", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
        json_t *spec = json_object_get(obj, "spec");
        json_object_set_new(spec, "flinkVersion", json_string(cases[i].version));
        json_object_set_new(json_object_get(spec, "flinkConfiguration"),
                            "kubernetes.jobmanager.annotations", json_string(cases[i].annotations));
        fo_flink_deploy_opts opts = {.generation = 7, .generation_in_flink_map = true};
        json_t *c = fo_flink_conf_build(obj, NULL, &opts, NULL);
        ck_assert_ptr_nonnull(c);
        json_t *map = NULL;
        fo_err err;
        fo_err_clear(&err);
        fo_flink_version v = fo_flink_version_parse(cases[i].version);
        ck_assert_msg(fo_flink_conf_map(fo_json_str(c, "kubernetes.jobmanager.annotations"), v,
                                        &map, &err) == FO_OK,
                      "%s", err.message);
        ck_assert_str_eq(fo_json_str(map, "flinkdeployment.flink.apache.org/generation"), "7");
        if (*cases[i].annotations)
            ck_assert_str_eq(fo_json_str(map, "team"), "data");
        ck_assert_uint_eq(json_object_size(map), *cases[i].annotations ? (i == 0 ? 2 : 3) : 1);
        if (i == 1 || i == 2)
            ck_assert_str_eq(fo_json_str(map, "note"), "a, b: c");
        json_decref(map);
        json_decref(c);
        json_decref(obj);
    }
}
END_TEST

START_TEST(specs_the_builder_cannot_map_fail_naming_the_field)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    fo_err err;
    fo_err_clear(&err);
    json_object_set_new(json_object_get(obj, "spec"), "imagePullPolicy", json_string("always"));
    ck_assert_ptr_null(fo_flink_conf_build(obj, NULL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "spec.imagePullPolicy"));
    json_object_set_new(json_object_get(obj, "spec"), "imagePullPolicy", json_string("Always"));

    fo_json_set_path(obj, "spec.jobManager.resources.requests.memory", json_string("lots"));
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_build(obj, NULL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "spec.jobManager.resources.requests.memory"));
    fo_json_set_path(obj, "spec.jobManager.resources.requests.memory", json_string("1g"));

    json_object_del(json_object_get(obj, "spec"), "flinkVersion");
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_build(obj, NULL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "spec.flinkVersion"));
    json_decref(obj);
}
END_TEST

START_TEST(task_slots_and_parallelism_stay_java_ints)
{
    /* parallelism = taskManager.replicas x taskmanager.numberOfTaskSlots: with the slots from
     * the user's configuration this multiplied two unchecked int64s (undefined on overflow). */
    static const char *const slots[] = {"9223372036854775807", "3000000000", "two", "0"};
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
        json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
        fo_json_set_path(obj, "spec.taskManager.replicas", json_integer(2));
        json_object_set_new(
            fo_json_ensure_object(json_object_get(obj, "spec"), "flinkConfiguration"),
            "taskmanager.numberOfTaskSlots", json_string(slots[i]));
        fo_err err;
        fo_err_clear(&err);
        ck_assert_ptr_null(fo_flink_conf_build(obj, NULL, NULL, &err));
        ck_assert_msg(strstr(err.message, "taskmanager.numberOfTaskSlots") != NULL, "%s: %s",
                      slots[i], err.message);
        json_decref(obj);
    }
    /* 2 x 1073741824 slots is a parallelism beyond Java's int. */
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    fo_json_set_path(obj, "spec.taskManager.replicas", json_integer(2));
    json_object_set_new(fo_json_ensure_object(json_object_get(obj, "spec"), "flinkConfiguration"),
                        "taskmanager.numberOfTaskSlots", json_string("1073741824"));
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_build(obj, NULL, NULL, &err));
    ck_assert_msg(strstr(err.message, "spec.taskManager.replicas") != NULL, "%s", err.message);
    /* ... while 2 x 4 is 8 */
    json_object_set_new(json_object_get(json_object_get(obj, "spec"), "flinkConfiguration"),
                        "taskmanager.numberOfTaskSlots", json_string("4"));
    json_t *c = fo_flink_conf_build(obj, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    expect(c, "parallelism.default", "8");
    json_decref(c);
    json_decref(obj);
}
END_TEST

START_TEST(session_job_config_layers_job_settings_over_the_cluster)
{
    json_t *job = json_loads("{\"kind\":\"FlinkSessionJob\",\"metadata\":{\"name\":\"wordcount\","
                             "\"namespace\":\"ns\"},\"spec\":{\"deploymentName\":\"s\","
                             "\"flinkConfiguration\":{\"parallelism.default\":4},"
                             "\"job\":{\"upgradeMode\":\"last-state\",\"args\":[\"x\"]}}}",
                             0, NULL);
    json_t *cluster = json_pack("{ssss}", "parallelism.default", "1", "pipeline.name", "cluster");
    json_t *c = fo_flink_conf_build_session_job(job, cluster, NULL);
    expect(c, "parallelism.default", "4");
    expect(c, "pipeline.name", "cluster"); /* only a default */
    expect(c, "execution.checkpointing.interval", "5 min");
    expect(c, "$internal.application.program-args", "x");
    json_decref(c);
    json_decref(cluster);
    json_decref(job);
}
END_TEST

/* ---- rendering -------------------------------------------------------------------------- */

START_TEST(config_yaml_is_flat_quoted_where_needed_and_reads_back)
{
    ck_assert_str_eq(fo_flink_conf_file_name(FO_FLINK_V1_19), "config.yaml");
    ck_assert_str_eq(fo_flink_conf_file_name(FO_FLINK_V2_1), "config.yaml");
    ck_assert_str_eq(fo_flink_conf_file_name(FO_FLINK_V1_18), "flink-conf.yaml");

    json_t *in = load_json("conf-render-input.json");
    fo_err err;
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(in, FO_FLINK_V2_0, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    char *want = fo_test_read_data("conf-render-expected-config.yaml", NULL);
    ck_assert_str_eq(text, want);

    /* Standard YAML readers get every value back as the same text. */
    json_t *back = fo_yaml_parse(text, strlen(text), 1 << 20, &err);
    ck_assert_msg(back != NULL, "%s", err.message);
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        json_t *b = json_object_get(back, k);
        ck_assert_msg(b != NULL, "%s missing", k);
        char num[32];
        const char *bt =
            json_is_string(b) ? json_string_value(b)
            : json_is_integer(b)
                ? (snprintf(num, sizeof num, "%lld", (long long)json_integer_value(b)), num)
            : json_is_true(b)  ? "true"
            : json_is_false(b) ? "false"
                               : "?";
        ck_assert_msg(strcmp(bt, json_string_value(v)) == 0, "%s: %s != %s", k, bt,
                      json_string_value(v));
    }
    json_decref(back);
    free(want);
    free(text);
    json_decref(in);
}
END_TEST

START_TEST(config_yaml_escapes_what_json_lets_stand_but_yaml_refuses)
{
    /* Found by tests/fuzz/fuzz_flink_conf: a DEL in a key was written raw inside JSON-style
     * quotes, and YAML readers refuse the whole file ("control characters are not allowed");
     * NEL, LS and the C1 controls are the same story. */
    size_t len = 0;
    char *input = fo_test_read_data("fuzz-regress-flink-conf-render-del-in-key.json", &len);
    json_t *conf = json_loadb(input, len, 0, NULL);
    ck_assert_ptr_nonnull(conf);
    fo_err err;
    fo_err_clear(&err);
    json_t *flat = fo_flink_conf_flatten(conf, &err);
    ck_assert_msg(flat != NULL, "%s", err.message);
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        ck_assert_msg(*p != 0x7f && !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) &&
                          !(p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xa8),
                      "raw control character in:\n%s", text);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    ck_assert_msg(back != NULL, "%s\n%s", err.message, text);
    ck_assert_msg(json_equal(back, flat), "did not read back:\n%s", text);
    json_decref(back);
    free(text);
    json_decref(flat);
    json_decref(conf);
    free(input);
}
END_TEST

START_TEST(config_yaml_keys_too_long_for_implicit_keys_use_the_explicit_form)
{
    /* Found by tests/fuzz/fuzz_flink_conf: a key within FO_FLINK_CONF_MAX_KEY_LEN grows past
     * YAML's 1024-character limit on implicit keys once escaped ("\u007F" is 6 characters), and
     * the whole file is refused ("mapping values are not allowed in this context"). */
    size_t len = 0;
    char *input = fo_test_read_data("fuzz-regress-flink-conf-render-long-escaped-key.json", &len);
    json_t *conf = json_loadb(input, len, 0, NULL);
    ck_assert_ptr_nonnull(conf);
    json_t *flat = fo_flink_conf_flatten(conf, NULL);
    ck_assert_ptr_nonnull(flat);
    fo_err err;
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    ck_assert_msg(back != NULL, "%s", err.message);
    ck_assert_msg(json_equal(back, flat), "did not read back");
    ck_assert_ptr_nonnull(strstr(text, "? \""));
    json_decref(back);
    free(text);
    json_decref(flat);
    json_decref(conf);
    free(input);
}
END_TEST

START_TEST(config_yaml_quotes_minus_zero_which_yaml_reads_as_the_integer_zero)
{
    /* Found by tests/fuzz/fuzz_flink_conf: the key "-0" (here from YAML's -00.00 key) was
     * written plain and read back as the key "0". */
    size_t len = 0;
    char *input = fo_test_read_data("fuzz-regress-flink-conf-render-minus-zero-key.yaml", &len);
    fo_err err;
    fo_err_clear(&err);
    json_t *conf = fo_yaml_parse(input, len, 0, &err);
    ck_assert_msg(conf != NULL, "%s", err.message);
    json_t *flat = fo_flink_conf_flatten(conf, NULL);
    ck_assert_str_eq(fo_json_str(flat, "-0"), "k");
    ck_assert_str_eq(fo_json_str(flat, "v"), "-0");
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    ck_assert_msg(back != NULL, "%s", err.message);
    ck_assert_msg(json_equal(back, flat), "did not read back:\n%s", text);
    json_decref(back);
    free(text);
    json_decref(flat);
    json_decref(conf);
    free(input);
}
END_TEST

START_TEST(config_yaml_quotes_integers_beyond_64_bits)
{
    /* Found by tests/fuzz/fuzz_flink_conf: a 41-digit key written plain came back from a
     * Kubernetes-style YAML reader as the float key "5.5555557e+40". Flink's reader keeps the
     * digits either way, so quoting costs nothing and every reader agrees. */
    size_t len = 0;
    char *input = fo_test_read_data("fuzz-regress-flink-conf-render-huge-integer-key.yaml", &len);
    fo_err err;
    fo_err_clear(&err);
    json_t *conf = fo_yaml_parse(input, len, 0, &err);
    ck_assert_msg(conf != NULL, "%s", err.message);
    json_object_set_new(conf, "big.value", json_string("123456789012345678901234567890"));
    json_t *flat = fo_flink_conf_flatten(conf, NULL);
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    json_t *back = fo_yaml_parse(text, strlen(text), 0, &err);
    ck_assert_msg(back != NULL, "%s", err.message);
    ck_assert_msg(json_equal(back, flat), "did not read back:\n%s", text);
    json_decref(back);
    free(text);
    json_decref(flat);
    json_decref(conf);
    free(input);
}
END_TEST

START_TEST(flink_conf_yaml_is_plain_lines_and_refuses_what_it_cannot_carry)
{
    json_t *in = load_json("conf-render-input.json");
    fo_err err;
    fo_err_clear(&err);
    ck_assert_ptr_null(fo_flink_conf_render(in, FO_FLINK_V1_18, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "my.comment"));

    json_object_del(in, "my.comment");
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(in, FO_FLINK_V1_18, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    char *want = fo_test_read_data("conf-render-expected-flink-conf.yaml", NULL);
    ck_assert_str_eq(text, want);
    free(want);
    free(text);

    json_object_set_new(in, "multi", json_string("a\nb"));
    ck_assert_ptr_null(fo_flink_conf_render(in, FO_FLINK_V1_17, NULL));
    json_object_set_new(in, "multi", json_integer(3));
    ck_assert_ptr_null(fo_flink_conf_render(in, FO_FLINK_V1_20, NULL));
    json_decref(in);
}
END_TEST

/* What the JobManager reads from the files the renderer writes is the configuration it was
 * given: the config.yaml fixture in full, the flink-conf.yaml one without the values its line
 * parser cannot carry (my.comment was refused, my.empty is skipped as Flink skips "key:"). */
START_TEST(a_rendered_file_reads_back_as_its_configuration)
{
    json_t *in = load_json("conf-render-input.json");
    char *text = fo_test_read_data("conf-render-expected-config.yaml", NULL);
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("config.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    assert_same_json(back, in);
    json_decref(back);
    free(text);

    text = fo_test_read_data("conf-render-expected-flink-conf.yaml", NULL);
    ck_assert_msg(fo_flink_conf_read("flink-conf.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    json_object_del(in, "my.comment");
    json_object_del(in, "my.empty");
    assert_same_json(back, in);
    json_decref(back);
    free(text);
    json_decref(in);
}
END_TEST

/* GlobalConfiguration.loadYAMLResource (the legacy file): '#' starts a comment anywhere, a
 * line is split at its first ": " and trimmed, lines without one or with an empty key or value
 * are skipped, the last line of a key wins. */
START_TEST(flink_conf_yaml_is_read_as_flinks_line_parser_reads_it)
{
    const char *text = "# written by hand\n"
                       "  a.b :  x  # a comment\n"
                       "no-separator\n"
                       "c.d:e\n"
                       "empty: \n"
                       ": no key\n"
                       "key.with: value: and more\n"
                       "\ta.b: later\r\n"
                       "last: line without a break";
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("flink-conf.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    json_t *want = json_pack("{s:s, s:s, s:s}", "a.b", "later", "key.with", "value: and more",
                             "last", "line without a break");
    assert_same_json(back, want);
    json_decref(want);
    json_decref(back);
}
END_TEST

/* GlobalConfiguration reads flink-conf.yaml with BufferedReader.readLine, for which a lone
 * carriage return ends a line as "\n" and "\r\n" do (java.io.BufferedReader): a file written
 * with old Mac line ends holds a key per line, not one key whose value swallows the rest. */
START_TEST(flink_conf_yaml_lines_end_at_a_carriage_return_too)
{
    const char *text = "a.b: 1\rc.d: 2\r\ne.f: 3 # x\rg.h: 4";
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("flink-conf.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    json_t *want =
        json_pack("{s:s, s:s, s:s, s:s}", "a.b", "1", "c.d", "2", "e.f", "3", "g.h", "4");
    assert_same_json(back, want);
    json_decref(want);
    json_decref(back);
}
END_TEST

/* The bound on keys counts keys, not lines: a line that sets a key again replaces its value
 * (the last line wins, as in GlobalConfiguration), so a file of exactly the bound's keys with a
 * key repeated is read, and one key more is refused. */
START_TEST(flink_conf_yaml_key_bound_counts_keys_not_lines)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    for (int i = 0; i < FO_FLINK_CONF_MAX_KEYS; i++)
        fo_strbuf_printf(&sb, "k.%d: v\n", i);
    fo_strbuf_puts(&sb, "k.0: again\n");
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("flink-conf.yaml", sb.data, &back, &err) == FO_OK, "%s",
                  err.message);
    ck_assert_uint_eq(json_object_size(back), FO_FLINK_CONF_MAX_KEYS);
    ck_assert_str_eq(json_string_value(json_object_get(back, "k.0")), "again");
    json_decref(back);
    back = NULL;
    fo_strbuf_puts(&sb, "one.more: v\n");
    ck_assert_int_eq(fo_flink_conf_read("flink-conf.yaml", sb.data, &back, &err), FO_ELIMIT);
    ck_assert_ptr_null(back);
    fo_strbuf_release(&sb);
}
END_TEST

/* Flink 2 writes config.yaml nested (YamlParserUtils.convertAndDumpYamlFromFlatMap) and reads
 * it flattened with '.'; a map option stays the text of its value, scalars the text snakeyaml
 * gives back. */
START_TEST(config_yaml_is_read_flattened_with_flinks_scalars)
{
    const char *text = "kubernetes:\n"
                       "  cluster-id: basic-example\n"
                       "  jobmanager:\n"
                       "    annotations: '{flinkdeployment.flink.apache.org/generation: ''2''}'\n"
                       "    cpu.amount: 1.0\n"
                       "rest:\n"
                       "  port: 8082\n"
                       "web.cancel.enable: false\n"
                       "high-availability.storageDir: file:///flink-data/ha\n";
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("config.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    json_t *want = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s}", "kubernetes.cluster-id", "basic-example",
        "kubernetes.jobmanager.annotations", "{flinkdeployment.flink.apache.org/generation: '2'}",
        "kubernetes.jobmanager.cpu.amount", "1.0", "rest.port", "8082", "web.cancel.enable",
        "false", "high-availability.storageDir", "file:///flink-data/ha");
    assert_same_json(back, want);
    json_decref(want);
    json_decref(back);

    ck_assert_int_eq(fo_flink_conf_read("config.yaml", "", &back, &err), FO_OK);
    ck_assert_int_eq(json_object_size(back), 0);
    json_decref(back);
    ck_assert_int_eq(fo_flink_conf_read("config.yaml", "a: [", &back, &err), FO_EINVAL);
    ck_assert_ptr_null(back);
    ck_assert_ptr_nonnull(strstr(err.message, "config.yaml"));
    ck_assert_int_eq(fo_flink_conf_read("log4j-console.properties", "a: b", &back, &err),
                     FO_EINVAL);
    ck_assert_ptr_null(back);
}
END_TEST

START_TEST(equal_configurations_render_equal_files)
{
    json_t *a = json_pack("{ssss}", "b.key", "2", "a.key", "1");
    json_t *b = json_pack("{ssss}", "a.key", "1", "b.key", "2");
    char *ta = fo_flink_conf_render(a, FO_FLINK_V1_20, NULL);
    char *tb = fo_flink_conf_render(b, FO_FLINK_V1_20, NULL);
    ck_assert_str_eq(ta, tb);
    ck_assert_str_eq(ta, "a.key: 1\nb.key: 2\n");
    free(ta);
    free(tb);
    json_decref(a);
    json_decref(b);
}
END_TEST

/* The text Flink's standard YAML reading gives a plain scalar (fo_flink_conf_yaml_scalar),
 * "<null>" for a null, or "<legacy>" where snakeyaml-engine throws and Flink reads the legacy
 * syntax instead. */
static const char *flink_text(const char *scalar)
{
    static char out[512];
    json_t *v = fo_flink_conf_yaml_scalar(scalar, strlen(scalar), false);
    snprintf(out, sizeof out, "%s",
             !v                  ? "<legacy>"
             : json_is_null(v)   ? "<null>"
             : json_is_string(v) ? json_string_value(v)
                                 : "<refused>");
    json_decref(v);
    return out;
}

/* Flink 1.19+ loads config.yaml with snakeyaml-engine's CoreSchema (YamlParserUtils, FLINK-34257):
 * YAML 1.2.2 section 10.3.2. Booleans are true/True/TRUE/false/False/FALSE only, nulls are
 * ~/null/Null/NULL and the empty scalar; YAML 1.1's yes/no/on/off/y/n are text. */
START_TEST(yaml_scalars_are_booleans_and_nulls_only_where_the_core_schema_says)
{
    const char *text[] = {"yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF",
                          "tRUE", "nULL", "=", NULL};
    for (int i = 0; text[i]; i++)
        ck_assert_str_eq(flink_text(text[i]), text[i]);
    ck_assert_str_eq(flink_text("True"), "true");
    ck_assert_str_eq(flink_text("TRUE"), "true");
    ck_assert_str_eq(flink_text("False"), "false");
    ck_assert_str_eq(flink_text("false"), "false");
    ck_assert_str_eq(flink_text("~"), "<null>");
    ck_assert_str_eq(flink_text("Null"), "<null>");
    ck_assert_str_eq(flink_text("NULL"), "<null>");
    ck_assert_str_eq(flink_text(""), "<null>");
}
END_TEST

/* Core int: [-+]?[0-9]+ in base 10 (a leading 0 is no octal), 0o[0-7]+ and 0x[0-9a-fA-F]+
 * without a sign; no '_', no 0b, no base 60. ConstructYamlCoreInt makes an Integer, Long or
 * BigInteger, which the representer writes in decimal. */
START_TEST(yaml_integers_follow_the_core_schema)
{
    ck_assert_str_eq(flink_text("010"), "10");
    ck_assert_str_eq(flink_text("-010"), "-10");
    ck_assert_str_eq(flink_text("+7"), "7");
    ck_assert_str_eq(flink_text("-0"), "0");
    ck_assert_str_eq(flink_text("-000"), "0");
    ck_assert_str_eq(flink_text("09"), "9");
    ck_assert_str_eq(flink_text("0o17"), "15");
    ck_assert_str_eq(flink_text("0o0000"), "0");
    ck_assert_str_eq(flink_text("0x1F"), "31");
    ck_assert_str_eq(flink_text("0x1f"), "31");
    ck_assert_str_eq(flink_text("99999999999999999999999"), "99999999999999999999999");
    const char *text[] = {"0X1F", "-0x1F", "+0o17", "0o", "0o8", "0x", "0b101", "1_000",
                          "0_8",  "_1",    "1:30",  "190:20:30", "-1:30", "12 34", NULL};
    for (int i = 0; text[i]; i++)
        ck_assert_str_eq(flink_text(text[i]), text[i]);
}
END_TEST

/* Core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?\.(inf|Inf|INF) and
 * \.(nan|NaN|NAN). ConstructYamlCoreFloat lower-cases the text, takes ".inf", "-.inf" and
 * ".nan" as such and the rest, sign taken off, with Double.parseDouble ("+.inf" throws there);
 * the representer writes Double.toString, ".inf", "-.inf" and ".nan". */
START_TEST(yaml_floats_follow_the_core_schema)
{
    ck_assert_str_eq(flink_text("1e5"), "100000.0");
    ck_assert_str_eq(flink_text("1E5"), "100000.0");
    ck_assert_str_eq(flink_text("1e7"), "1.0E7");
    ck_assert_str_eq(flink_text("2.0"), "2.0");
    ck_assert_str_eq(flink_text("1."), "1.0");
    ck_assert_str_eq(flink_text(".5"), "0.5");
    ck_assert_str_eq(flink_text("-.5"), "-0.5");
    ck_assert_str_eq(flink_text("+1.5e-3"), "0.0015");
    ck_assert_str_eq(flink_text("-0.0"), "-0.0");
    ck_assert_str_eq(flink_text("1e400"), ".inf");
    ck_assert_str_eq(flink_text("-1e400"), "-.inf");
    ck_assert_str_eq(flink_text(".inf"), ".inf");
    ck_assert_str_eq(flink_text(".Inf"), ".inf");
    ck_assert_str_eq(flink_text("-.INF"), "-.inf");
    ck_assert_str_eq(flink_text("+.inf"), "<legacy>");
    ck_assert_str_eq(flink_text(".NaN"), ".nan");
    ck_assert_str_eq(flink_text(".NAN"), ".nan");
    const char *text[] = {"-.nan", "+.NaN", ".nAn", ".iNf", ".", "-.", "._5", "1_.5", ".5_0",
                          "e5",    "1e",    "1e+",  ".e5",  "1.5.", "1:30.5", "1.0f", NULL};
    for (int i = 0; text[i]; i++)
        ck_assert_str_eq(flink_text(text[i]), text[i]);
}
END_TEST

/* The core schema has no timestamps: a date is text to Flink, whatever its form. */
START_TEST(yaml_dates_are_plain_text)
{
    const char *text[] = {"2001-12-14", "2001-12-14t21:59:43.10-05:00",
                          "2001-12-14 21:59:43.10 -5", "2001-1-4 1:59:43Z",
                          "2024-05-01 12:00", NULL};
    for (int i = 0; text[i]; i++)
        ck_assert_str_eq(flink_text(text[i]), text[i]);
}
END_TEST

/* A config.yaml a cluster holds (taken over, or written by Flink) reads as Flink 1.19+ reads
 * it: YAML 1.1's booleans stay the user's text, a leading zero is no octal, a date is text. */
START_TEST(config_yaml_is_read_with_the_core_schema)
{
    const char *text = "my.flag: yes\n"
                       "my.switch: on\n"
                       "my.count: 010\n"
                       "my.mode: 0o17\n"
                       "my.window: 1:30\n"
                       "my.since: 2024-05-01\n"
                       "my.at: 2024-05-01 12:00:00\n"
                       "my.ratio: 1e5\n";
    json_t *back = NULL;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_flink_conf_read("config.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "my.flag", "yes",
                             "my.switch", "on", "my.count", "10", "my.mode", "15", "my.window",
                             "1:30", "my.since", "2024-05-01", "my.at", "2024-05-01 12:00:00",
                             "my.ratio", "100000.0");
    assert_same_json(back, want);
    json_decref(want);
    json_decref(back);
}
END_TEST

/* A string the core schema would read as a number is written quoted, so that Flink keeps the
 * user's text: plain 0o17 would come back as "15", 1e5 as "100000.0", 010 as "10". A date
 * needs no quotes there. */
START_TEST(config_yaml_quotes_what_the_core_schema_reads_as_numbers)
{
    json_t *flat = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "a.octal", "0o17", "a.exp", "1e5",
                             "a.zero", "010", "a.hex", "0x1F", "a.date", "2024-05-01 12:00:00",
                             "a.int", "42");
    fo_err err;
    fo_err_clear(&err);
    char *text = fo_flink_conf_render(flat, FO_FLINK_V1_20, &err);
    ck_assert_msg(text != NULL, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(text, "a.octal: \"0o17\"\n"));
    ck_assert_ptr_nonnull(strstr(text, "a.exp: \"1e5\"\n"));
    ck_assert_ptr_nonnull(strstr(text, "a.zero: \"010\"\n"));
    ck_assert_ptr_nonnull(strstr(text, "a.hex: \"0x1F\"\n"));
    ck_assert_ptr_nonnull(strstr(text, "a.date: 2024-05-01 12:00:00\n"));
    ck_assert_ptr_nonnull(strstr(text, "a.int: 42\n"));
    json_t *back = NULL;
    ck_assert_msg(fo_flink_conf_read("config.yaml", text, &back, &err) == FO_OK, "%s",
                  err.message);
    assert_same_json(back, flat);
    json_decref(back);
    json_decref(flat);
    free(text);
}
END_TEST

/* createNumber makes a BigInteger of a long base 8 or 16 number; Flink writes it in decimal. */
START_TEST(integers_past_64_bits_in_any_base_are_written_in_decimal)
{
    ck_assert_str_eq(flink_text("0x10000000000000000"), "18446744073709551616");
    /* 2^72 - 1 */
    ck_assert_str_eq(flink_text("0o777777777777777777777777"), "4722366482869645213695");
    ck_assert_str_eq(flink_text("0xFFFFFFFFFFFFFFFF"), "18446744073709551615");
    ck_assert_str_eq(flink_text("0x3B9ACA00"), "1000000000"); /* 10^9: one more decimal limb */
    /* 16^256 - 1 = 2^1024 - 1 ends in ...137215 and has 309 digits */
    char hex[2 + 256 + 1] = "0x";
    memset(hex + 2, 'f', 256);
    hex[258] = '\0';
    const char *t = flink_text(hex);
    ck_assert_uint_eq(strlen(t), 309);
    ck_assert_str_eq(t + 303, "137215");
    char longer[2 + 257 + 1] = "0x"; /* past FO_FLINK_YAML_RADIX_MAX_BITS: refused, not slow */
    memset(longer + 2, 'f', 257);
    longer[259] = '\0';
    ck_assert_str_eq(flink_text(longer), "<refused>");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flink_conf");
    TCase *tc = tcase_create("flink_conf");
    tcase_add_test(tc, memory_sizes_read_flink_syntax_then_kubernetes_quantities);
    tcase_add_test(tc, bad_memory_sizes_fail_naming_the_text);
    tcase_add_test(tc, memory_sizes_print_like_flink_memory_size);
    tcase_add_test(tc, durations_read_flink_units_and_print_like_java);
    tcase_add_test(tc, durations_take_only_flink_units_and_iso_8601_as_java_reads_it);
    tcase_add_test(tc, doubles_print_like_java_double_to_string);
    tcase_add_test(tc, lists_use_flink_semicolon_syntax_with_quoting);
    tcase_add_test(tc, flattening_matches_as_flat_map_and_drops_unset_keys);
    tcase_add_test(tc, flattening_lets_later_members_win_and_refuses_non_objects);
    tcase_add_test(tc, flattening_refuses_values_with_nul_characters_naming_the_key);
    tcase_add_test(tc, flattening_limits_depth);
    tcase_add_test(tc, defaults_apply_namespace_then_version_scopes);
    tcase_add_test(tc, application_maps_to_the_golden_configuration);
    tcase_add_test(tc, standalone_application_gets_classpath_replicas_and_job_settings);
    tcase_add_test(tc, cluster_side_pins_ports_like_flinks_deployer);
    tcase_add_test(tc, legacy_standalone_recovery_mode_deploys_like_no_ha);
    tcase_add_test(tc, session_cluster_gets_limit_factors_and_legacy_keys);
    tcase_add_test(tc, defaults_sit_under_the_spec_and_deploy_options_come_last);
    tcase_add_test(tc, the_generation_is_merged_into_the_annotations_as_a_map);
    tcase_add_test(tc, specs_the_builder_cannot_map_fail_naming_the_field);
    tcase_add_test(tc, task_slots_and_parallelism_stay_java_ints);
    tcase_add_test(tc, session_job_config_layers_job_settings_over_the_cluster);
    tcase_add_test(tc, config_yaml_is_flat_quoted_where_needed_and_reads_back);
    tcase_add_test(tc, flink_conf_yaml_is_plain_lines_and_refuses_what_it_cannot_carry);
    tcase_add_test(tc, equal_configurations_render_equal_files);
    tcase_add_test(tc, a_rendered_file_reads_back_as_its_configuration);
    tcase_add_test(tc, flink_conf_yaml_is_read_as_flinks_line_parser_reads_it);
    tcase_add_test(tc, flink_conf_yaml_lines_end_at_a_carriage_return_too);
    tcase_add_test(tc, flink_conf_yaml_key_bound_counts_keys_not_lines);
    tcase_add_test(tc, config_yaml_is_read_flattened_with_flinks_scalars);
    tcase_add_test(tc, config_yaml_escapes_what_json_lets_stand_but_yaml_refuses);
    tcase_add_test(tc, config_yaml_keys_too_long_for_implicit_keys_use_the_explicit_form);
    tcase_add_test(tc, config_yaml_quotes_minus_zero_which_yaml_reads_as_the_integer_zero);
    tcase_add_test(tc, config_yaml_quotes_integers_beyond_64_bits);
    tcase_add_test(tc, yaml_scalars_are_booleans_and_nulls_only_where_the_core_schema_says);
    tcase_add_test(tc, yaml_integers_follow_the_core_schema);
    tcase_add_test(tc, yaml_floats_follow_the_core_schema);
    tcase_add_test(tc, yaml_dates_are_plain_text);
    tcase_add_test(tc, config_yaml_is_read_with_the_core_schema);
    tcase_add_test(tc, config_yaml_quotes_what_the_core_schema_reads_as_numbers);
    tcase_add_test(tc, integers_past_64_bits_in_any_base_are_written_in_decimal);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
