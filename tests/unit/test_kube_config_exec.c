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
#include "tests/support/testcerts.h"
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
    err = plugin_error(V1_ANSWER("{}"), "");
    expect_in(&err, FO_EPROTO, "didn't return a token or cert/key pair");
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

/* <dir>/<name>: an ExecCredential (v1) whose status has these members (NULL = left out). */
static void write_answer(const char *name, const char *cert, const char *key, const char *tok)
{
    json_t *st = json_pack("{s:s}", "expirationTimestamp", "2026-04-20T10:00:00Z");
    if (cert)
        json_object_set_new(st, "clientCertificateData", json_string(cert));
    if (key)
        json_object_set_new(st, "clientKeyData", json_string(key));
    if (tok)
        json_object_set_new(st, "token", json_string(tok));
    json_t *cred = json_pack("{s:s,s:s,s:o}", "apiVersion", "client.authentication.k8s.io/v1",
                             "kind", "ExecCredential", "status", st);
    char *path = in_dir(name);
    ck_assert_int_eq(json_dump_file(cred, path, JSON_COMPACT), 0);
    json_decref(cred);
    free(path);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* Answers $PLUGIN_DIR/answer-<run>.json. */
static const char BY_RUN[] = "n=$(cat \"$PLUGIN_DIR/runs\" 2>/dev/null || echo 0); n=$((n + 1))\n"
                             "echo $n > \"$PLUGIN_DIR/runs\"\n"
                             "cat \"$PLUGIN_DIR/answer-$n.json\"\n";

static fo_kube_config *by_run_config(fo_clock *clk)
{
    write_script("plugin.sh", BY_RUN);
    char *user = NULL;
    ck_assert_int_gt(asprintf(&user,
                              "{exec: {apiVersion: client.authentication.k8s.io/v1, "
                              "command: ./plugin.sh, interactiveMode: Never, "
                              "env: [{name: PLUGIN_DIR, value: '%s'}]}}",
                              dir),
                     0);
    fo_err err;
    fo_kube_config *kc = load_with("", user, clk, &err);
    ck_assert_msg(kc != NULL, "%s", err.message);
    free(user);
    return kc;
}

/* client-go: a plugin may answer with status.clientCertificateData and clientKeyData (PEM)
 * instead of a token; the pair is kept until expirationTimestamp passes, then the plugin runs
 * again, and each run is a new credential generation. */
START_TEST(a_plugins_certificate_pair_is_kept_until_it_expires)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *c1, *k1, *c2, *k2;
    fo_testcerts_issue_client(tc, "exec-user-1", NULL, NULL, &c1, &k1);
    fo_testcerts_issue_client(tc, "exec-user-2", NULL, NULL, &c2, &k2);
    char *pem[4] = {slurp(c1), slurp(k1), slurp(c2), slurp(k2)};
    write_answer("answer-1.json", pem[0], pem[1], NULL);
    write_answer("answer-2.json", pem[2], pem[3], "tok-2");
    fo_clock *clk = fo_clock_fake_new(WALL);
    fo_kube_config *kc = by_run_config(clk);
    char buf[64], *cert = NULL, *key = NULL;
    uint64_t gen = 0;
    fo_err err;
    ck_assert_msg(fo_kube_config_credential(kc, buf, sizeof buf, &gen, &err) == FO_OK, "%s",
                  err.message);
    ck_assert_str_eq(buf, ""); /* no bearer token: the certificate authenticates */
    ck_assert_uint_eq(gen, 1);
    ck_assert_uint_eq(fo_kube_config_exec_cert(kc, 0, &cert, &key), 1);
    ck_assert_str_eq(cert, pem[0]);
    ck_assert_str_eq(key, pem[1]);
    free(cert);
    free(key);
    ck_assert_uint_eq(fo_kube_config_exec_cert(kc, 1, &cert, &key), 1);
    ck_assert_ptr_null(cert);
    ck_assert_ptr_null(key);
    ck_assert(!fo_kube_config_exec_cert_replaced(kc, 1));
    fo_clock_fake_advance(clk, EXPIRY - WALL); /* at the expiry: still good */
    ck_assert_str_eq(token(kc), "");
    fo_clock_fake_advance(clk, 1); /* past it: the second answer, a token and a pair */
    ck_assert_str_eq(token(kc), "tok-2");
    ck_assert_uint_eq(fo_kube_config_exec_cert(kc, 1, &cert, &key), 2);
    ck_assert_str_eq(cert, pem[2]);
    ck_assert_str_eq(key, pem[3]);
    /* connections made with the first pair, by any client, are to end; not the second's */
    ck_assert(fo_kube_config_exec_cert_replaced(kc, 1));
    ck_assert(!fo_kube_config_exec_cert_replaced(kc, 2));
    free(cert);
    free(key);
    fo_kube_config_free(kc);
    fo_clock_free(clk);
    for (int i = 0; i < 4; i++)
        free(pem[i]);
    free(c1);
    free(k1);
    free(c2);
    free(k2);
    fo_testcerts_free(tc);
}
END_TEST

/* Requests refused with a certificate-only credential (its token is always "") run the plugin
 * once, not once per request: the credential's generation tells them apart. */
START_TEST(requests_refused_with_the_same_certificate_run_the_plugin_once)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *c1, *k1;
    fo_testcerts_issue_client(tc, "exec-user-1", NULL, NULL, &c1, &k1);
    char *cp = slurp(c1), *kp = slurp(k1);
    for (int i = 1; i <= 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "answer-%d.json", i);
        write_answer(name, cp, kp, NULL);
    }
    fo_clock *clk = fo_clock_fake_new(WALL);
    fo_kube_config *kc = by_run_config(clk);
    char buf[64];
    uint64_t gen = 0, again = 0;
    fo_err err;
    ck_assert_int_eq(fo_kube_config_credential(kc, buf, sizeof buf, &gen, &err), FO_OK);
    fo_kube_config_credential_refused(kc, "", gen);
    fo_kube_config_credential_refused(kc, "", gen);
    ck_assert_int_eq(fo_kube_config_credential(kc, buf, sizeof buf, &again, &err), FO_OK);
    ck_assert_uint_eq(again, gen + 1);
    /* the same pair again: connections made with it may go on (client-go closes them only
     * when the certificate changes) */
    ck_assert(!fo_kube_config_exec_cert_replaced(kc, gen));
    fo_kube_config_credential_refused(kc, "", gen); /* late: that one was replaced already */
    ck_assert_int_eq(fo_kube_config_credential(kc, buf, sizeof buf, &again, &err), FO_OK);
    ck_assert_uint_eq(again, gen + 1);
    char *runs = read_back("runs");
    ck_assert_str_eq(runs, "2\n");
    free(runs);
    fo_kube_config_free(kc);
    fo_clock_free(clk);
    free(cp);
    free(kp);
    free(c1);
    free(k1);
    fo_testcerts_free(tc);
}
END_TEST

/* client-go refuses a certificate without its key (and the other way round) and a pair that
 * does not load; the error names the plugin and never quotes the PEM. */
START_TEST(a_bad_certificate_pair_is_refused_without_quoting_it)
{
    fo_testcerts *tc = fo_testcerts_new();
    char *c1, *k1, *c2, *k2;
    fo_testcerts_issue_client(tc, "exec-user-1", NULL, NULL, &c1, &k1);
    fo_testcerts_issue_client(tc, "exec-user-2", NULL, NULL, &c2, &k2);
    char *cp = slurp(c1), *kp = slurp(k1), *other_key = slurp(k2);
    static const char bad_pem[] =
        "-----BEGIN CERTIFICATE-----\nsecret-123\n-----END CERTIFICATE-----\n";
    static const char bad_key[] =
        "-----BEGIN PRIVATE KEY-----\nsecret-456\n-----END PRIVATE KEY-----\n";
    struct {
        const char *cert, *key, *needle;
    } cases[] = {
        {cp, NULL, "returned only a certificate, no key"},
        {NULL, kp, "returned only a key, no certificate"},
        {bad_pem, kp, "bad client certificate: certificate status.clientCertificateData"},
        {cp, bad_key, "bad client certificate: key status.clientKeyData"},
        {cp, other_key, "does not belong to certificate status.clientCertificateData"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *runs = in_dir("runs");
        remove(runs);
        free(runs);
        write_answer("answer-1.json", cases[i].cert, cases[i].key, NULL);
        fo_kube_config *kc = by_run_config(NULL);
        char buf[64];
        fo_err err;
        ck_assert_int_ne(fo_kube_config_token(kc, buf, sizeof buf, &err), FO_OK);
        expect_in(&err, FO_EPROTO, "exec plugin ./plugin.sh");
        expect_in(&err, FO_EPROTO, cases[i].needle);
        ck_assert_msg(!strstr(err.message, "BEGIN") && !strstr(err.message, "secret-") &&
                          !strstr(err.message, "MI"),
                      "quotes the PEM: %s", err.message);
        fo_kube_config_free(kc);
    }
    free(cp);
    free(kp);
    free(other_key);
    free(c1);
    free(k1);
    free(c2);
    free(k2);
    fo_testcerts_free(tc);
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
    tcase_add_test(tc, a_plugins_certificate_pair_is_kept_until_it_expires);
    tcase_add_test(tc, requests_refused_with_the_same_certificate_run_the_plugin_once);
    tcase_add_test(tc, a_bad_certificate_pair_is_refused_without_quoting_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
