#include "tests/support/testcerts.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/testutil.h"

extern char **environ;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "testcerts: %s: %s\n", what, detail);
    abort();
}

static char *path_in(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 3;
    char *p = malloc(n);
    if (!p)
        die("path", "out of memory");
    snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

/* Run certtool with args; its output goes to <dir>/certtool.log. */
static void certtool(const fo_testcerts *tc, char *const args[])
{
    char *log = path_in(tc->dir, "certtool", ".log");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, "certtool", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        die("certtool (install gnutls-bin)", strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("certtool failed, see", log);
    free(log);
}

static void make_key(const fo_testcerts *tc, const char *key)
{
    char *args[] = {"certtool", "--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
                    "--no-text", "--outfile", (char *)key, NULL};
    certtool(tc, args);
}

static char *write_template(const fo_testcerts *tc, const char *name, const char *text)
{
    char *tmpl = path_in(tc->dir, name, ".tmpl");
    fo_test_write_file(tmpl, text);
    return tmpl;
}

fo_testcerts *fo_testcerts_new(void)
{
    fo_testcerts *tc = calloc(1, sizeof *tc);
    if (!tc)
        die("new", "out of memory");
    tc->dir = fo_test_mkdtemp();
    tc->ca_cert = path_in(tc->dir, "ca", ".crt");
    tc->ca_key = path_in(tc->dir, "ca", ".key");
    make_key(tc, tc->ca_key);
    char *tmpl = write_template(tc, "ca",
                                "cn = \"flinkop test CA\"\n"
                                "ca\n"
                                "cert_signing_key\n"
                                "expiration_days = 30\n");
    char *args[] = {"certtool", "--generate-self-signed", "--load-privkey", tc->ca_key,
                    "--template", tmpl, "--outfile", tc->ca_cert, NULL};
    certtool(tc, args);
    free(tmpl);
    return tc;
}

void fo_testcerts_free(fo_testcerts *tc)
{
    if (!tc)
        return;
    fo_test_rmdir(tc->dir);
    free(tc->dir);
    free(tc->ca_cert);
    free(tc->ca_key);
    free(tc);
}

/* valid_from / valid_until: "YYYY-MM-DD HH:MM:SS" (UTC), or NULL for now and 30 days. */
static char *server_template(const fo_testcerts *tc, const char *name, bool loopback,
                             const char *extra_dns, const char *valid_from,
                             const char *valid_until)
{
    char text[2048];
    int n = snprintf(text, sizeof text, "tls_www_server\nsigning_key\n");
    if (loopback)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "cn = \"localhost\"\n"
                      "dns_name = \"localhost\"\n"
                      "ip_address = \"127.0.0.1\"\n");
    else
        n += snprintf(text + n, sizeof text - (size_t)n, "cn = \"%s\"\n", name);
    if (valid_from && valid_until)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "activation_date = \"%s\"\nexpiration_date = \"%s\"\n", valid_from,
                      valid_until);
    else
        n += snprintf(text + n, sizeof text - (size_t)n, "expiration_days = 30\n");
    if (extra_dns) {
        char *copy = strdup(extra_dns);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save))
            n += snprintf(text + n, sizeof text - (size_t)n, "dns_name = \"%s\"\n", tok);
        free(copy);
    }
    return write_template(tc, name, text);
}

static void issue(fo_testcerts *tc, const char *name, bool loopback, const char *extra_dns,
                  const char *valid_from, const char *valid_until, char **cert_path,
                  char **key_path)
{
    char *crt = path_in(tc->dir, name, ".crt");
    char *key = path_in(tc->dir, name, ".key");
    make_key(tc, key);
    char *tmpl = server_template(tc, name, loopback, extra_dns, valid_from, valid_until);
    char *args[] = {"certtool", "--generate-certificate", "--load-privkey", key,
                    "--load-ca-certificate", tc->ca_cert, "--load-ca-privkey", tc->ca_key,
                    "--template", tmpl, "--outfile", crt, NULL};
    certtool(tc, args);
    free(tmpl);
    *cert_path = crt;
    *key_path = key;
}

void fo_testcerts_issue(fo_testcerts *tc, const char *name, const char *extra_dns,
                        char **cert_path, char **key_path)
{
    issue(tc, name, true, extra_dns, NULL, NULL, cert_path, key_path);
}

void fo_testcerts_issue_names(fo_testcerts *tc, const char *name, const char *dns_names,
                              char **cert_path, char **key_path)
{
    issue(tc, name, false, dns_names, NULL, NULL, cert_path, key_path);
}

void fo_testcerts_issue_dated(fo_testcerts *tc, const char *name, const char *valid_from,
                              const char *valid_until, char **cert_path, char **key_path)
{
    issue(tc, name, true, NULL, valid_from, valid_until, cert_path, key_path);
}

void fo_testcerts_issue_client(fo_testcerts *tc, const char *cn, const char *valid_from,
                               const char *valid_until, char **cert_path, char **key_path)
{
    char *crt = path_in(tc->dir, cn, ".crt");
    char *key = path_in(tc->dir, cn, ".key");
    make_key(tc, key);
    char text[1024];
    int n = snprintf(text, sizeof text, "cn = \"%s\"\ntls_www_client\nsigning_key\n", cn);
    if (valid_from && valid_until)
        snprintf(text + n, sizeof text - (size_t)n,
                 "activation_date = \"%s\"\nexpiration_date = \"%s\"\n", valid_from,
                 valid_until);
    else
        snprintf(text + n, sizeof text - (size_t)n, "expiration_days = 30\n");
    char *tmpl = write_template(tc, cn, text);
    char *args[] = {"certtool", "--generate-certificate", "--load-privkey", key,
                    "--load-ca-certificate", tc->ca_cert, "--load-ca-privkey", tc->ca_key,
                    "--template", tmpl, "--outfile", crt, NULL};
    certtool(tc, args);
    free(tmpl);
    *cert_path = crt;
    *key_path = key;
}

void fo_testcerts_self_signed(fo_testcerts *tc, const char *name, char **cert_path,
                              char **key_path)
{
    char *crt = path_in(tc->dir, name, ".crt");
    char *key = path_in(tc->dir, name, ".key");
    make_key(tc, key);
    char *tmpl = server_template(tc, name, true, NULL, NULL, NULL);
    char *args[] = {"certtool", "--generate-self-signed", "--load-privkey", key, "--template",
                    tmpl, "--outfile", crt, NULL};
    certtool(tc, args);
    free(tmpl);
    *cert_path = crt;
    *key_path = key;
}
