/* controller/config and controller/enqueue: flags and FLINKOP_* environment, Go durations
 * (common/flag_values, time.ParseDuration), and which FlinkDeployment a change concerns. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/flag_values.h"
#include "common/jsonutil.h"
#include "controller/config.h"
#include "controller/ctl_io.h"
#include "controller/enqueue.h"

static int64_t dur(const char *text)
{
    int64_t ms = -1;
    fo_err err;
    fo_err_clear(&err);
    ck_assert_msg(fo_go_duration_parse(text, &ms, &err) == FO_OK, "%s: %s", text, err.message);
    return ms;
}

START_TEST(durations_read_like_go)
{
    ck_assert_int_eq(dur("15s"), 15000);
    ck_assert_int_eq(dur("500ms"), 500);
    ck_assert_int_eq(dur("1m30s"), 90000);
    ck_assert_int_eq(dur("2h45m"), 9900000);
    ck_assert_int_eq(dur("1.5h"), 5400000);
    ck_assert_int_eq(dur("0"), 0);
    ck_assert_int_eq(dur("+3s"), 3000);
    ck_assert_int_eq(dur("1500us"), 2); /* 1.5 ms rounds to 2 */
    ck_assert_int_eq(dur("2000000ns"), 2);
    ck_assert_int_eq(dur(".5s"), 500);
}
END_TEST

START_TEST(bad_durations_are_refused_with_the_text)
{
    static const char *const bad[] = {"", "15", "s", "1x", "-1s", "1.s.", "5 s", "."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t ms;
        fo_err err;
        fo_err_clear(&err);
        ck_assert_msg(fo_go_duration_parse(bad[i], &ms, &err) == FO_EINVAL, "%s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err.message, bad[i]));
    }
}
END_TEST

static fo_rc parse(fo_ctl_config *c, int argc, char **argv, fo_err *err)
{
    bool help = false;
    fo_err_clear(err);
    return fo_ctl_config_parse(argc, argv, c, &help, err);
}

START_TEST(defaults_match_the_contract)
{
    unsetenv("FLINKOP_WORKERS");
    char *argv[] = {"flinkop-controller", NULL};
    fo_ctl_config c;
    fo_err err;
    ck_assert_int_eq(parse(&c, 1, argv, &err), FO_OK);
    /* a few JobManagers that do not answer leave workers for the rest (docs/controller.md) */
    ck_assert_int_eq(c.workers, 16);
    ck_assert_int_eq(c.pass.observe_interval_ms, 15000);
    /* Flink's GETs give up sooner than its client's 10 s timeout (docs/controller.md) */
    ck_assert_int_eq(c.flink_observe_timeout_ms, 5000);
    ck_assert_str_eq(c.pass.rest_url_template, "http://{name}-rest.{namespace}.svc:{port}");
    ck_assert(c.leader_elect);
    ck_assert_str_eq(c.lease_name, "flinkop-controller");
    ck_assert_ptr_null(c.lease_namespace);
    ck_assert_int_eq(c.health_port, 8085);
    /* two of kube-apiserver's one-minute bookmark intervals */
    ck_assert_int_eq(c.watch_idle_timeout_ms, 180000);
    ck_assert(c.pass.delete_ha_data);
    ck_assert_ptr_null(c.kubeconfig);
    ck_assert_ptr_null(c.namespaces[0]);
    fo_ctl_config_release(&c);
}
END_TEST

START_TEST(flags_win_over_the_environment)
{
    setenv("FLINKOP_WORKERS", "8", 1);
    setenv("FLINKOP_NAMESPACES", "ignored", 1);
    char *argv[] = {"flinkop-controller",
                    "--namespaces",
                    "team-a, team-b,,team-a",
                    "--observe-interval",
                    "2s",
                    "--leader-elect",
                    "false",
                    "--flink-rest-url",
                    "http://127.0.0.1:9/{namespace}/{name}",
                    NULL};
    fo_ctl_config c;
    fo_err err;
    ck_assert_int_eq(parse(&c, 9, argv, &err), FO_OK);
    ck_assert_int_eq(c.workers, 8); /* from the environment */
    ck_assert_str_eq(c.namespaces[0], "team-a");
    ck_assert_str_eq(c.namespaces[1], "team-b");
    ck_assert_ptr_null(c.namespaces[2]); /* team-a named twice: watched once */
    ck_assert_int_eq(c.pass.observe_interval_ms, 2000);
    ck_assert(!c.leader_elect);
    fo_ctl_config_release(&c);
    unsetenv("FLINKOP_WORKERS");
    unsetenv("FLINKOP_NAMESPACES");
}
END_TEST

/* The result code does not depend on whether the caller wants the message. */
/* Every flag of the usage text reaches the setting it names (config.h). */
START_TEST(every_pass_setting_flag_is_read)
{
    char *argv[] = {"flinkop-controller",
                    "--progress-interval",
                    "3s",
                    "--rest-ready-delay",
                    "4s",
                    "--cleanup-timeout",
                    "1m",
                    "--delete-ha-data",
                    "false",
                    "--watch-idle-timeout",
                    "90s",
                    "--flink-observe-timeout",
                    "2s",
                    NULL};
    fo_ctl_config c;
    fo_err err;
    ck_assert_int_eq(parse(&c, 13, argv, &err), FO_OK);
    ck_assert_int_eq(c.watch_idle_timeout_ms, 90000);
    ck_assert_int_eq(c.flink_observe_timeout_ms, 2000);
    ck_assert_int_eq(c.pass.progress_interval_ms, 3000);
    ck_assert_int_eq(c.pass.rest_ready_delay_ms, 4000);
    ck_assert_int_eq(c.pass.cleanup_timeout_ms, 60000);
    ck_assert(!c.pass.delete_ha_data);
    fo_ctl_config_release(&c);
    setenv("FLINKOP_DELETE_HA_DATA", "no", 1);
    char *none[] = {"flinkop-controller", NULL};
    ck_assert_int_eq(parse(&c, 1, none, &err), FO_OK);
    ck_assert(!c.pass.delete_ha_data);
    fo_ctl_config_release(&c);
    unsetenv("FLINKOP_DELETE_HA_DATA");
    char *bad[] = {"flinkop-controller", "--delete-ha-data", "perhaps", NULL};
    ck_assert_int_eq(parse(&c, 3, bad, &err), FO_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "--delete-ha-data"));
    fo_ctl_config_release(&c);
}
END_TEST

START_TEST(a_bad_value_is_refused_without_an_err_too)
{
    setenv("FLINKOP_OBSERVE_INTERVAL", "soon", 1);
    char *argv[] = {"flinkop-controller", NULL};
    fo_ctl_config c;
    bool help = false;
    ck_assert_int_eq(fo_ctl_config_parse(1, argv, &c, &help, NULL), FO_EINVAL);
    fo_ctl_config_release(&c);
    unsetenv("FLINKOP_OBSERVE_INTERVAL");
    char *argv2[] = {"flinkop-controller", "--observe-interval", "soon", NULL};
    ck_assert_int_eq(fo_ctl_config_parse(3, argv2, &c, &help, NULL), FO_EINVAL);
    fo_ctl_config_release(&c);
}
END_TEST

/* Boolean flags alone mean true, as for Kubernetes components (the manifests pass a bare
 * --leader-elect), and =BOOL or the next argument, when it is no flag, sets them. */
START_TEST(boolean_flags_stand_alone_or_take_a_value)
{
    struct {
        char *args[3];
        int argc;
        bool leader_elect, delete_ha_data;
    } cases[] = {
        {{"--leader-elect", "--lease-name=x"}, 2, true, true},
        {{"--leader-elect=false", "--delete-ha-data=no"}, 2, false, false},
        {{"--leader-elect", "false", "--delete-ha-data"}, 3, false, true},
        {{"--delete-ha-data", "0", "--leader-elect"}, 3, true, false},
        {{"--leader-elect=TRUE", "--delete-ha-data", "yes"}, 3, true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[5] = {"flinkop-controller"};
        for (int a = 0; a < cases[i].argc; a++)
            argv[a + 1] = cases[i].args[a];
        fo_ctl_config c;
        fo_err err;
        ck_assert_msg(parse(&c, cases[i].argc + 1, argv, &err) == FO_OK, "case %zu: %s", i,
                      err.message);
        ck_assert_msg(c.leader_elect == cases[i].leader_elect, "case %zu", i);
        ck_assert_msg(c.pass.delete_ha_data == cases[i].delete_ha_data, "case %zu", i);
        fo_ctl_config_release(&c);
    }
    /* a following word that is no BOOL is refused by name, not taken as an argument */
    char *argv[] = {"flinkop-controller", "--leader-elect", "--workers", "2", "--delete-ha-data",
                    "later", NULL};
    fo_ctl_config c;
    fo_err err;
    ck_assert_int_eq(parse(&c, 6, argv, &err), FO_EINVAL);
    ck_assert_msg(strstr(err.message, "--delete-ha-data: \"later\""), "%s", err.message);
    fo_ctl_config_release(&c);
}
END_TEST

START_TEST(bad_values_name_their_flag)
{
    struct {
        char *flag, *value, *word;
    } cases[] = {
        {"--workers", "0", "--workers"},
        {"--observe-interval", "fast", "--observe-interval"},
        {"--leader-elect", "maybe", "--leader-elect"},
        {"--health-port", "70000", "--health-port"},
        {"--namespaces", "Bad_Name", "--namespaces"},
        {"--namespaces", "-a-", "--namespaces"}, /* a DNS label: no '-' first or last */
        {"--namespaces", "a234567890123456789012345678901234567890123456789012345678901234",
         "--namespaces"}, /* 64 characters: one too many */
        {"--flink-rest-url", "ftp://x", "--flink-rest-url"},
        {"--flink-rest-url", "http://{cluster}.svc:8081", "--flink-rest-url"},
        {"--flink-rest-url", "http://{name}.svc:{Port}", "--flink-rest-url"},
        {"--log-level", "loud", "--log-level"},
        /* longer than the 10 s of the calls that change things, or too short to answer */
        {"--flink-observe-timeout", "11s", "--flink-observe-timeout"},
        {"--flink-observe-timeout", "50ms", "--flink-observe-timeout"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[] = {"flinkop-controller", cases[i].flag, cases[i].value, NULL};
        fo_ctl_config c;
        fo_err err;
        ck_assert_int_ne(parse(&c, 3, argv, &err), FO_OK);
        ck_assert_msg(strstr(err.message, cases[i].word), "%s", err.message);
        fo_ctl_config_release(&c);
    }
    char *argv[] = {"flinkop-controller", "--lease-duration", "1s", "--renew-deadline", "2s", NULL};
    fo_ctl_config c;
    fo_err err;
    ck_assert_int_eq(parse(&c, 5, argv, &err), FO_EINVAL);
    fo_ctl_config_release(&c);
}
END_TEST

START_TEST(rest_url_template_fills_name_and_namespace)
{
    fo_ctl_settings set;
    fo_ctl_settings_defaults(&set);
    fo_ctl_env env = {.settings = &set};
    char url[FO_FLINK_REST_MAX_URL];
    set.rest_url_template = "http://{name}-rest.{namespace}.svc:8081/";
    fo_ctl_rest_base(&env, "ns1", "app", 8082, url);
    ck_assert_str_eq(url, "http://app-rest.ns1.svc:8081");
    set.rest_url_template = "http://127.0.0.1:9/{namespace}/{name}";
    fo_ctl_rest_base(&env, "ns1", "app", 8082, url);
    ck_assert_str_eq(url, "http://127.0.0.1:9/ns1/app");
    fo_ctl_settings_defaults(&set); /* the cluster's REST Service: <name>-rest, its rest.port */
    fo_ctl_rest_base(&env, "ns1", "app", 8082, url);
    ck_assert_str_eq(url, "http://app-rest.ns1.svc:8082");
}
END_TEST

/* ---- enqueue ---- */

START_TEST(changes_map_to_their_flink_deployment)
{
    char key[300];
    json_t *fd = json_pack("{s:s, s:{s:s, s:s}}", "kind", "FlinkDeployment", "metadata", "name",
                           "app", "namespace", "ns1");
    ck_assert(fo_enqueue_key(fd, FO_CTL_FLINK_DEPLOYMENT, key, sizeof key));
    ck_assert_str_eq(key, "ns1/app");
    /* The JobManager Deployment's reference has controller: false, and still counts. */
    json_t *jm =
        json_pack("{s:{s:s, s:s, s:[{s:s, s:s, s:s, s:b}]}}", "metadata", "name", "app",
                  "namespace", "ns1", "ownerReferences", "apiVersion", "flink.apache.org/v1beta1",
                  "kind", "FlinkDeployment", "name", "app", "controller", 0);
    ck_assert(fo_enqueue_key(jm, FO_CTL_DEPLOYMENT, key, sizeof key));
    ck_assert_str_eq(key, "ns1/app");
    /* Flink's HA ConfigMaps have no owner: their app label names the resource. */
    json_t *ha =
        json_pack("{s:{s:s, s:s, s:{s:s, s:s, s:s}}}", "metadata", "name", "app-cluster-config-map",
                  "namespace", "ns1", "labels", "app", "app", "type", "flink-native-kubernetes",
                  "configmap-type", "high-availability");
    ck_assert(fo_enqueue_key(ha, FO_CTL_CONFIG_MAP, key, sizeof key));
    ck_assert_str_eq(key, "ns1/app");
    /* Something else entirely. */
    json_t *other = json_pack("{s:{s:s, s:s, s:{s:s}}}", "metadata", "name", "x", "namespace",
                              "ns1", "labels", "app", "app");
    ck_assert(!fo_enqueue_key(other, FO_CTL_CONFIG_MAP, key, sizeof key));
    ck_assert_str_eq(key, "");
    json_decref(fd);
    json_decref(jm);
    json_decref(ha);
    json_decref(other);
}
END_TEST

START_TEST(keys_split_into_namespace_and_name)
{
    char ns[256], name[256];
    ck_assert(fo_enqueue_split("ns1/app", ns, name));
    ck_assert_str_eq(ns, "ns1");
    ck_assert_str_eq(name, "app");
    ck_assert(!fo_enqueue_split("app", ns, name));
    ck_assert(!fo_enqueue_split("/app", ns, name));
    ck_assert(!fo_enqueue_split("ns/", ns, name));
    ck_assert(!fo_enqueue_split("a/b/c", ns, name));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, durations_read_like_go);
    tcase_add_test(tc, bad_durations_are_refused_with_the_text);
    tcase_add_test(tc, defaults_match_the_contract);
    tcase_add_test(tc, flags_win_over_the_environment);
    tcase_add_test(tc, boolean_flags_stand_alone_or_take_a_value);
    tcase_add_test(tc, bad_values_name_their_flag);
    tcase_add_test(tc, a_bad_value_is_refused_without_an_err_too);
    tcase_add_test(tc, every_pass_setting_flag_is_read);
    tcase_add_test(tc, rest_url_template_fills_name_and_namespace);
    tcase_add_test(tc, changes_map_to_their_flink_deployment);
    tcase_add_test(tc, keys_split_into_namespace_and_name);
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
