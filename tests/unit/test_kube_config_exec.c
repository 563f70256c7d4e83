/* kube_config: exec credential plugins (kubeconfig users[].user.exec), with shell-script
 * plugins in a temporary directory. What they must do comes from client-go's exec
 * authenticator and clientcmd's validation (client.authentication.k8s.io v1 and v1beta1). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base64.h"
#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/kube_config.h"
#include "tests/support/testutil.h"

/* 2026-04-20T09:15:02Z */
#define WALL 1776676502000LL
/* The expiry the counting plugin reports, 2026-04-20T10:00:00Z, as epoch ms. */
#define EXPIRY 1776679200000LL

#define CA_PEM "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"

static char *dir;

static void setup(void)
{
    dir = fo_test_mkdtemp();
}

static void teardown(void)
{
    fo_test_rmdir(dir);
    free(dir);
}

static char *in_dir(const char *name)
{
    char *p = NULL;
    ck_assert_int_gt(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

static void write_script(const char *name, const char *body)
{
    char *path = in_dir(name), *text = NULL;
    ck_assert_int_gt(asprintf(&text, "#!/bin/sh\n%s", body), 0);
    fo_test_write_file(path, text);
    ck_assert_int_eq(chmod(path, 0755), 0);
    free(text);
    free(path);
}

/* A kubeconfig whose user is `user` (a flow mapping), against a cluster with `cluster_extra`
 * (flow mapping members) besides the server. */
static fo_kube_config *load_with(const char *cluster_extra, const char *user, const fo_clock *clk,
                                 fo_err *err)
{
    char *path = in_dir("kubeconfig"), *text = NULL;
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: {server: 'https://k8s.example.com'%s"
                              "}}]\n"
                              "users: [{name: u, user: %s}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              cluster_extra, user),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts o = {.kubeconfig = path, .clock = clk};
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, err);
    free(text);
    free(path);
    return kc;
}

static char *read_back(const char *name)
{
    char *path = in_dir(name), *cmd = NULL, buf[8192];
    ck_assert_int_gt(asprintf(&cmd, "cat '%s'", path), 0);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    pclose(f);
    buf[n] = '\0';
    free(cmd);
    free(path);
    return strdup(buf);
}

/* Counts its runs in $PLUGIN_DIR/runs and answers token "tok-<run>-<first argument>". */
static const char COUNTING[] =
    "n=$(cat \"$PLUGIN_DIR/runs\" 2>/dev/null || echo 0); n=$((n + 1))\n"
    "echo $n > \"$PLUGIN_DIR/runs\"\n"
    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"tok-%s-%s\",\"expirationTimestamp\":\"2026-04-20T10:00:00Z\"}}' "
    "\"$n\" \"$1\"\n";

static const char *token(fo_kube_config *kc)
{
    static char buf[256];
    fo_err err;
    fo_rc rc = fo_kube_config_token(kc, buf, sizeof buf, &err);
    ck_assert_msg(rc == FO_OK, "%s", err.message);
    return buf;
}

START_TEST(the_plugins_token_is_kept_until_it_expires_or_is_refused)
{
    write_script("plugin.sh", COUNTING);
    char *user = NULL;
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1, "
                              "command: ./plugin.sh, args: [first], interactiveMode: Never, "
                              "env: [{name: PLUGIN_DIR, value: '%s'}]}}",
                              dir),
                     0);
    fo_clock *clk = fo_clock_fake_new(WALL);
    fo_err err;
    fo_kube_config *kc = load_with("", user, clk, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    /* a command with a slash is found beside the kubeconfig, whatever the working directory */
    ck_assert_str_eq(token(kc), "tok-1-first");
    ck_assert_str_eq(token(kc), "tok-1-first");
    fo_kube_config_token_stale(kc); /* the API server refused it (401) */
    ck_assert_str_eq(token(kc), "tok-2-first");
    ck_assert_str_eq(token(kc), "tok-2-first");
    fo_clock_fake_advance(clk, EXPIRY - WALL); /* at the expiry: still good */
    ck_assert_str_eq(token(kc), "tok-2-first");
    fo_clock_fake_advance(clk, 1); /* past it: the plugin runs again */
    ck_assert_str_eq(token(kc), "tok-3-first");
    /* an answer that has expired already is not kept either */
    ck_assert_str_eq(token(kc), "tok-4-first");
    fo_kube_config_free(kc);
    fo_clock_free(clk);
    free(user);
}
END_TEST

START_TEST(the_plugin_learns_the_cluster_and_runs_without_a_terminal)
{
    write_script("plugin.sh", "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$PLUGIN_DIR/info\"\n"
                              "if [ -t 0 ]; then t=tty; else t=none; fi\n"
                              "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                              "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-%s\"}}' "
                              "\"$t\" \"$OUTER\"\n");
    setenv("OUTER", "from-our-environment", 1);
    char *b64 = fo_base64_encode(CA_PEM, strlen(CA_PEM)), *cluster = NULL, *user = NULL;
    ck_assert_int_gt(asprintf(&cluster,
                              ", certificate-authority-data: %s, extensions: [{name: "
                              "client.authentication.k8s.io/exec, extension: {audience: x}}]",
                              b64),
                     0);
    /* v1beta1 needs no interactiveMode (IfAvailable) */
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, "
                              "command: '%s/plugin.sh', provideClusterInfo: true, "
                              "env: [{name: PLUGIN_DIR, value: '%s'}]}}",
                              dir, dir),
                     0);
    fo_err err;
    fo_kube_config *kc = load_with(cluster, user, NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(token(kc), "none-from-our-environment");
    char *info_text = read_back("info");
    json_t *info = fo_json_parse(info_text, strlen(info_text), 0, &err);
    ck_assert_msg(info != NULL, "%s: %s", info_text, err.message);
    ck_assert_str_eq(fo_json_str(info, "kind"), "ExecCredential");
    ck_assert_str_eq(fo_json_str(info, "apiVersion"), "client.authentication.k8s.io/v1beta1");
    ck_assert(json_is_false(fo_json_get(info, "spec.interactive")));
    ck_assert_str_eq(fo_json_get_str(info, "spec.cluster.server"), "https://k8s.example.com");
    ck_assert_str_eq(fo_json_get_str(info, "spec.cluster.certificate-authority-data"), b64);
    ck_assert_str_eq(fo_json_get_str(info, "spec.cluster.config.audience"), "x");
    json_decref(info);
    free(info_text);
    fo_kube_config_free(kc);
    unsetenv("OUTER");
    free(b64);
    free(cluster);
    free(user);
}
END_TEST

/* The error of the first token of a plugin answering with `script`. */
static fo_err plugin_error(const char *script, const char *exec_extra)
{
    write_script("plugin.sh", script);
    char *user = NULL;
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1, "
                              "command: ./plugin.sh, interactiveMode: IfAvailable%s}}",
                              exec_extra),
                     0);
    fo_err err;
    fo_kube_config *kc = load_with("", user, NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    char buf[256];
    ck_assert_int_ne(fo_kube_config_token(kc, buf, sizeof buf, &err), FO_OK);
    fo_kube_config_free(kc);
    free(user);
    return err;
}

#define V1_ANSWER(status)                                                                          \
    "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","       \
    "\"status\":" status "}'\n"

static void expect_in(const fo_err *err, fo_rc rc, const char *needle)
{
    ck_assert_msg(err->rc == rc, "%s: %s, not %s", err->message, fo_rc_name(err->rc),
                  fo_rc_name(rc));
    ck_assert_msg(strstr(err->message, needle), "\"%s\" lacks \"%s\"", err->message, needle);
}

START_TEST(a_failing_plugin_says_what_went_wrong_without_its_answer)
{
    fo_err err = plugin_error("echo 'not json: secret-123'\nexit 3\n", "");
    expect_in(&err, FO_EIO, "./plugin.sh failed with exit code 3");
    ck_assert_ptr_null(strstr(err.message, "secret-123"));
    err = plugin_error("echo 'not json: secret-123'\n", "");
    expect_in(&err, FO_EPROTO, "not JSON");
    ck_assert_ptr_null(strstr(err.message, "secret-123"));
    err = plugin_error("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                       "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"secret-123\"}}'\n",
                       "");
    expect_in(&err, FO_EPROTO, "configured to use API version client.authentication.k8s.io/v1");
    ck_assert_ptr_null(strstr(err.message, "secret-123"));
    err = plugin_error(V1_ANSWER("{\"clientCertificateData\":\"c\",\"clientKeyData\":\"k\"}"), "");
    expect_in(&err, FO_EPROTO, "client certificate instead of a token");
    err = plugin_error(V1_ANSWER("{}"), "");
    expect_in(&err, FO_EPROTO, "didn't return a token");
    err = plugin_error(V1_ANSWER("{\"token\":\"t\",\"expirationTimestamp\":\"soon\"}"), "");
    expect_in(&err, FO_EPROTO, "expirationTimestamp");
    /* a bare name is looked up in PATH; the install hint tells what to do */
    const char *user =
        "{exec: {apiVersion: client.authentication.k8s.io/v1, command: "
        "no-such-flinkop-plugin, interactiveMode: Never, installHint: 'install it'}}";
    fo_kube_config *kc = load_with("", user, NULL, &err);
    ck_assert_ptr_nonnull(kc);
    char buf[64];
    ck_assert_int_eq(fo_kube_config_token(kc, buf, sizeof buf, &err), FO_EIO);
    expect_in(&err, FO_EIO, "no-such-flinkop-plugin: executable not found: install it");
    fo_kube_config_free(kc);
}
END_TEST

/* A bare command is looked up along PATH as exec.LookPath does: a file of that name that is
 * not executable is passed over for the next directory's. */
START_TEST(a_bare_command_is_the_first_executable_along_path)
{
    char *first = in_dir("first"), *second = in_dir("second"), *path = NULL;
    ck_assert_int_eq(mkdir(first, 0755), 0);
    ck_assert_int_eq(mkdir(second, 0755), 0);
    write_script("first/flinkop-test-plugin", "echo nope\nexit 9\n");
    char *shadow = in_dir("first/flinkop-test-plugin");
    ck_assert_int_eq(chmod(shadow, 0644), 0);
    write_script("second/flinkop-test-plugin",
                 "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                 "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-second\"}}'\n");
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    ck_assert_int_gt(asprintf(&path, "%s:%s:%s", first, second, old ? old : "/usr/bin:/bin"), 0);
    setenv("PATH", path, 1);
    const char *user = "{exec: {apiVersion: client.authentication.k8s.io/v1, command: "
                       "flinkop-test-plugin, interactiveMode: Never}}";
    fo_err err;
    fo_kube_config *kc = load_with("", user, NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(token(kc), "from-second");
    fo_kube_config_free(kc);
    if (saved)
        setenv("PATH", saved, 1);
    else
        unsetenv("PATH");
    free(saved);
    free(path);
    free(shadow);
    free(second);
    free(first);
}
END_TEST

START_TEST(requests_refused_with_the_same_token_run_the_plugin_once)
{
    write_script("plugin.sh", COUNTING);
    char *user = NULL;
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1, "
                              "command: ./plugin.sh, args: [x], interactiveMode: Never, "
                              "env: [{name: PLUGIN_DIR, value: '%s'}]}}",
                              dir),
                     0);
    fo_clock *clk = fo_clock_fake_new(WALL);
    fo_err err;
    fo_kube_config *kc = load_with("", user, clk, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(token(kc), "tok-1-x");
    /* Three requests in flight with tok-1 come back 401, one after the other: the first has
     * the plugin run, the two others find tok-2 and use it (client-go's maybeRefreshCreds). */
    fo_kube_config_token_refused(kc, "tok-1-x");
    ck_assert_str_eq(token(kc), "tok-2-x");
    fo_kube_config_token_refused(kc, "tok-1-x");
    ck_assert_str_eq(token(kc), "tok-2-x");
    fo_kube_config_token_refused(kc, "tok-1-x");
    ck_assert_str_eq(token(kc), "tok-2-x");
    /* the new one refused in turn: the plugin runs again */
    fo_kube_config_token_refused(kc, "tok-2-x");
    ck_assert_str_eq(token(kc), "tok-3-x");
    fo_kube_config_free(kc);
    fo_clock_free(clk);
    free(user);
}
END_TEST

/* Is process pid gone (or a zombie, which init reaps)? */
static bool process_gone(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')');
    return paren && paren[1] == ' ' && paren[2] == 'Z';
}

START_TEST(a_plugin_that_answers_but_does_not_exit_is_killed_in_time)
{
    /* It answers, closes its stdout and stays on (as a hung helper would) with a child of its
     * own: the end of its output is not its end. */
    write_script("plugin.sh", V1_ANSWER("{\"token\":\"secret-123\"}") "exec >&-\n"
                              "sleep 8 &\necho $! > \"$PLUGIN_DIR/child\"\nwait\n");
    char *user = NULL;
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1, "
                              "command: ./plugin.sh, interactiveMode: Never, "
                              "env: [{name: PLUGIN_DIR, value: '%s'}]}}",
                              dir),
                     0);
    char *path = in_dir("kubeconfig"), *text = NULL;
    ck_assert_int_gt(asprintf(&text,
                              "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                              "clusters: [{name: c, cluster: "
                              "{server: 'https://k8s.example.com'}}]\n"
                              "users: [{name: u, user: %s}]\n"
                              "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
                              user),
                     0);
    fo_test_write_file(path, text);
    fo_kube_config_opts o = {.kubeconfig = path, .exec_timeout_ms = 500};
    fo_err err;
    fo_kube_config *kc = fo_kube_config_from_kubeconfig(&o, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    char buf[64];
    int64_t t0 = fo_clock_real_mono_ns();
    fo_rc rc = fo_kube_config_token(kc, buf, sizeof buf, &err);
    int64_t took_ms = (fo_clock_real_mono_ns() - t0) / 1000000;
    ck_assert_msg(took_ms < 4000, "the plugin held the token for %lld ms", (long long)took_ms);
    expect_in(&err, FO_ETIMEOUT, "./plugin.sh: no answer within 500 ms");
    ck_assert_int_ne(rc, FO_OK);
    char *child = read_back("child");
    pid_t pid = (pid_t)atoi(child);
    ck_assert_int_gt(pid, 1);
    for (int i = 0; i < 100 && !process_gone(pid); i++)
        fo_test_sleep_ms(20);
    ck_assert_msg(process_gone(pid), "what the plugin started lives on");
    free(child);
    fo_kube_config_free(kc);
    free(text);
    free(path);
    free(user);
}
END_TEST

static void expect_refused(const char *user, const char *needle)
{
    fo_err err;
    fo_kube_config *kc = load_with("", user, NULL, &err);
    ck_assert_msg(kc == NULL, "%s was accepted", user);
    expect_in(&err, FO_EINVAL, needle);
}

START_TEST(exec_sections_follow_clientcmds_rules)
{
    expect_refused("{exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}",
                   ": users[0].user.exec.interactiveMode: required with "
                   "client.authentication.k8s.io/v1");
    expect_refused("{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, "
                   "interactiveMode: Always}}",
                   "users[0].user.exec.interactiveMode: Always needs a terminal");
    expect_refused("{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}",
                   "users[0].user.exec.apiVersion: must be");
    expect_refused("{exec: {apiVersion: client.authentication.k8s.io/v1beta1}}",
                   "users[0].user.exec.command: required");
    expect_refused("{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: x, "
                   "env: [{value: v}]}}",
                   "users[0].user.exec.env[0]: name: required");
    /* a user with a token of its own does not run the plugin (client-go's rule) */
    fo_err err;
    fo_kube_config *kc = load_with("",
                                   "{token: own, exec: {apiVersion: "
                                   "client.authentication.k8s.io/v1beta1, command: /bin/false}}",
                                   NULL, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    ck_assert_str_eq(token(kc), "own");
    fo_kube_config_free(kc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_config_exec");
    TCase *tc = tcase_create("kube_config_exec");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_plugins_token_is_kept_until_it_expires_or_is_refused);
    tcase_add_test(tc, the_plugin_learns_the_cluster_and_runs_without_a_terminal);
    tcase_add_test(tc, a_failing_plugin_says_what_went_wrong_without_its_answer);
    tcase_add_test(tc, exec_sections_follow_clientcmds_rules);
    tcase_add_test(tc, a_plugin_that_answers_but_does_not_exit_is_killed_in_time);
    tcase_add_test(tc, requests_refused_with_the_same_token_run_the_plugin_once);
    tcase_add_test(tc, a_bare_command_is_the_first_executable_along_path);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
