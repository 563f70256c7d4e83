/* Exec credential plugins (kubeconfig users[].user.exec): a program that prints an
 * ExecCredential (client.authentication.k8s.io v1 or v1beta1) whose status holds a bearer
 * token (`aws eks get-token`, gke-gcloud-auth-plugin, kubelogin), a client certificate and
 * key (`tsh kube credentials`), or both. The rules follow
 * client-go's exec authenticator: the plugin gets the process environment, exec.env on top,
 * and KUBERNETES_EXEC_INFO (an ExecCredential whose spec says whether it may talk to the user
 * and, with provideClusterInfo, which cluster it is for); its answer must carry the configured
 * apiVersion and a token or a certificate pair; what it gave is kept until
 * status.expirationTimestamp, or until the API server refuses it. */
#include "common/kube_config.h"
#include "common/kube_config_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/certwatch.h"
#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

extern char **environ;

#define EXEC_INFO_ENV "KUBERNETES_EXEC_INFO"
#define API_V1 "client.authentication.k8s.io/v1"
#define API_V1BETA1 "client.authentication.k8s.io/v1beta1"
/* Arguments and environment entries one exec section may give. */
#define MAX_EXEC_ITEMS 256

struct fo_kube_exec {
    char *command; /* for messages: as written (a path with a slash is resolved) */
    char **argv;   /* command, args..., NULL */
    char **env;    /* "NAME=value" of exec.env, then KUBERNETES_EXEC_INFO, NULL-terminated */
    size_t nenv;
    char *api_version;
    char *install_hint;
};

static void free_strv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

void fo_kube_exec_free(fo_kube_exec *x)
{
    if (!x)
        return;
    free(x->command);
    free_strv(x->argv);
    free_strv(x->env);
    free(x->api_version);
    free(x->install_hint);
    free(x);
}

static const char *opt_str(const json_t *o, const char *key, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

/* The ExecCredential of KUBERNETES_EXEC_INFO: the plugin runs without a terminal (a
 * controller has no user to ask), and with provideClusterInfo it learns the cluster. */
static char *exec_info(const char *api_version, const json_t *cluster)
{
    json_t *spec = json_pack("{s:b}", "interactive", 0);
    if (spec && cluster)
        json_object_set(spec, "cluster", (json_t *)cluster);
    json_t *cred = spec ? json_pack("{s:s,s:s,s:o}", "kind", "ExecCredential", "apiVersion",
                                    api_version, "spec", spec)
                        : NULL;
    char *text = cred ? fo_json_dumps_compact(cred) : NULL;
    json_decref(cred);
    char *entry = NULL;
    if (text && asprintf(&entry, EXEC_INFO_ENV "=%s", text) < 0)
        entry = NULL;
    free(text);
    return entry;
}

static fo_kube_exec *fail(fo_kube_exec *x, fo_err *err, fo_rc rc, const char *where,
                          const char *field, const char *problem)
{
    fo_err_set(err, rc, "%s%s%s: %s", where, field ? "." : "", field ? field : "", problem);
    fo_kube_exec_free(x);
    return NULL;
}

fo_kube_exec *fo_kube_exec_new(const json_t *exec, const char *dir, const json_t *cluster,
                               const char *where, fo_err *err)
{
    if (!json_is_object(exec))
        return fail(NULL, err, FO_EINVAL, where, NULL, "must be a mapping");
    fo_kube_exec *x = calloc(1, sizeof *x);
    if (!x)
        return fail(NULL, err, FO_ENOMEM, where, NULL, "out of memory");
    bool bad = false;
    const char *command = opt_str(exec, "command", &bad);
    if (bad || !command || !*command)
        return fail(x, err, FO_EINVAL, where, "command", bad ? "must be a string" : "required");
    const char *api = opt_str(exec, "apiVersion", &bad);
    if (bad || !api || !*api)
        return fail(x, err, FO_EINVAL, where, "apiVersion", bad ? "must be a string" : "required");
    if (strcmp(api, API_V1) != 0 && strcmp(api, API_V1BETA1) != 0)
        return fail(x, err, FO_EINVAL, where, "apiVersion", "must be " API_V1 " or " API_V1BETA1);
    /* clientcmd's rules: v1beta1 defaults to IfAvailable, v1 must say. Without a terminal,
     * IfAvailable and Never both run the plugin without one; Always cannot be honoured. */
    const char *mode = opt_str(exec, "interactiveMode", &bad);
    if (bad)
        return fail(x, err, FO_EINVAL, where, "interactiveMode", "must be a string");
    if ((!mode || !*mode) && strcmp(api, API_V1) == 0)
        return fail(x, err, FO_EINVAL, where, "interactiveMode",
                    "required with " API_V1 " (Never, IfAvailable or Always)");
    if (mode && *mode && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0) {
        if (strcmp(mode, "Always") == 0)
            return fail(x, err, FO_EINVAL, where, "interactiveMode",
                        "Always needs a terminal, which flinkop never has: use a plugin that "
                        "can run with IfAvailable or Never");
        return fail(x, err, FO_EINVAL, where, "interactiveMode",
                    "must be Never, IfAvailable or Always");
    }
    const char *hint = opt_str(exec, "installHint", &bad);
    json_t *pci = json_object_get(exec, "provideClusterInfo");
    if (bad || (pci && !json_is_null(pci) && !json_is_boolean(pci)))
        return fail(x, err, FO_EINVAL, where, bad ? "installHint" : "provideClusterInfo",
                    bad ? "must be a string" : "must be a boolean");

    /* As clientcmd does, a command with a slash is a path, relative ones taken from the
     * kubeconfig's directory; a bare name is looked up in PATH when the plugin runs. */
    x->command = strdup(command);
    x->api_version = strdup(api);
    x->install_hint = hint && *hint ? strdup(hint) : NULL;
    json_t *args = json_object_get(exec, "args"), *env = json_object_get(exec, "env");
    if ((args && !json_is_null(args) && !json_is_array(args)) ||
        (env && !json_is_null(env) && !json_is_array(env)))
        return fail(x, err, FO_EINVAL, where, json_is_array(args) ? "env" : "args",
                    "must be a list");
    size_t nargs = json_array_size(args), nenv = json_array_size(env);
    if (nargs > MAX_EXEC_ITEMS || nenv > MAX_EXEC_ITEMS)
        return fail(x, err, FO_ELIMIT, where, nargs > MAX_EXEC_ITEMS ? "args" : "env",
                    "too many entries");
    x->argv = calloc(nargs + 2, sizeof *x->argv);
    x->env = calloc(nenv + 2, sizeof *x->env);
    if (!x->command || !x->api_version || (hint && *hint && !x->install_hint) || !x->argv ||
        !x->env)
        return fail(x, err, FO_ENOMEM, where, NULL, "out of memory");
    if (strchr(command, '/') && command[0] != '/') {
        if (asprintf(&x->argv[0], "%s/%s", dir, command) < 0)
            x->argv[0] = NULL;
    } else {
        x->argv[0] = strdup(command);
    }
    if (!x->argv[0])
        return fail(x, err, FO_ENOMEM, where, NULL, "out of memory");
    size_t i;
    json_t *item;
    json_array_foreach(args, i, item)
    {
        char field[32];
        snprintf(field, sizeof field, "args[%zu]", i);
        if (!json_is_string(item))
            return fail(x, err, FO_EINVAL, where, field, "must be a string");
        if (!(x->argv[i + 1] = strdup(json_string_value(item))))
            return fail(x, err, FO_ENOMEM, where, NULL, "out of memory");
    }
    json_array_foreach(env, i, item)
    {
        char field[32];
        snprintf(field, sizeof field, "env[%zu]", i);
        const char *name = json_is_object(item) ? opt_str(item, "name", &bad) : NULL;
        const char *value = json_is_object(item) ? opt_str(item, "value", &bad) : NULL;
        if (bad || !json_is_object(item))
            return fail(x, err, FO_EINVAL, where, field, "must be a mapping of name and value");
        if (!name || !*name || strchr(name, '='))
            return fail(x, err, FO_EINVAL, where, field, "name: required, without '='");
        if (asprintf(&x->env[x->nenv], "%s=%s", name, value ? value : "") < 0) {
            x->env[x->nenv] = NULL;
            return fail(x, err, FO_ENOMEM, where, NULL, "out of memory");
        }
        x->nenv++;
    }
    if (!(x->env[x->nenv] = exec_info(api, json_is_true(pci) ? cluster : NULL)))
        return fail(x, err, FO_ENOMEM, where, NULL, "out of memory");
    x->nenv++;
    return x;
}

/* Is `entry` ("NAME=value") overridden by one of x->env? */
static bool overridden(const fo_kube_exec *x, const char *entry)
{
    const char *eq = strchr(entry, '=');
    size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; i < x->nenv; i++)
        if (strncmp(x->env[i], entry, n) == 0 && x->env[i][n] == '=')
            return true;
    return false;
}

/* The plugin's environment: ours, then exec.env and KUBERNETES_EXEC_INFO over it. The
 * strings are borrowed; the array is the caller's to free. */
static char **plugin_env(const fo_kube_exec *x)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **envp = calloc(n + x->nenv + 1, sizeof *envp);
    if (!envp)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(x, environ[i]))
            envp[k++] = environ[i];
    for (size_t i = 0; i < x->nenv; i++)
        envp[k++] = x->env[i];
    return envp;
}

/* The program to run, as exec.LookPath finds it for client-go: a command with a slash as it
 * is, else the first executable file of that name along our PATH. Looked up before the spawn
 * so that a missing plugin is told the same way whether posix_spawnp reports it as ENOENT or,
 * where it falls back to fork and exec (under valgrind), as exit status 127. */
static int find_program(const char *cmd, char *path, size_t len)
{
    if (strchr(cmd, '/')) {
        if (snprintf(path, len, "%s", cmd) >= (int)len)
            return ENAMETOOLONG;
        return access(path, X_OK) == 0 ? 0 : errno;
    }
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/bin:/usr/bin"; /* what glibc searches without PATH */
    int found = ENOENT;
    for (const char *d = dirs;; d++) {
        const char *end = strchr(d, ':');
        size_t n = end ? (size_t)(end - d) : strlen(d);
        /* an empty entry is the working directory */
        int w = n ? snprintf(path, len, "%.*s/%s", (int)n, d, cmd) : snprintf(path, len, "%s", cmd);
        if (w > 0 && w < (int)len) {
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (access(path, X_OK) == 0)
                    return 0;
                found = EACCES; /* there, but not executable: the next one may be */
            }
        }
        if (!end)
            return found;
        d = end;
    }
}

/* Start the plugin with its stdout on a pipe (*out_fd), stdin on /dev/null and its stderr
 * ours (client-go passes it through: plugins explain their failures there). */
static fo_rc spawn(const fo_kube_exec *x, pid_t *pid, int *out_fd, fo_err *err)
{
    char program[PATH_MAX];
    int found = find_program(x->argv[0], program, sizeof program);
    if (found == ENOENT)
        return fo_err_set(err, FO_EIO, "exec plugin %s: executable not found%s%s", x->command,
                          x->install_hint ? ": " : "", x->install_hint ? x->install_hint : "");
    if (found != 0)
        return fo_err_set(err, FO_EIO, "exec plugin %s: cannot start: %s", x->command,
                          strerror(found));
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return fo_err_set(err, FO_EIO, "exec plugin %s: pipe: %s", x->command, strerror(errno));
    char **envp = plugin_env(x);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    /* Only stdin, stdout and stderr reach the plugin, whatever else we have open. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    /* The controller blocks SIGTERM and friends and ignores SIGPIPE: a plugin starts with
     * every signal unblocked and at its default. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    /* Its own process group, so that a plugin out of time is killed with what it started
     * (a wrapper script's children would otherwise live on). */
    posix_spawnattr_setpgroup(&attr, 0);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setflags(&attr, flags);
    int e = envp ? posix_spawn(pid, program, &fa, &attr, x->argv, envp) : ENOMEM;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(envp);
    close(p[1]);
    if (e != 0) {
        close(p[0]);
        if (e == ENOENT)
            return fo_err_set(err, FO_EIO, "exec plugin %s: executable not found%s%s", x->command,
                              x->install_hint ? ": " : "", x->install_hint ? x->install_hint : "");
        return fo_err_set(err, FO_EIO, "exec plugin %s: cannot start: %s", x->command, strerror(e));
    }
    *out_fd = p[0];
    return FO_OK;
}

static fo_rc timed_out(const fo_kube_exec *x, long timeout_ms, fo_err *err)
{
    return fo_err_set(err, FO_ETIMEOUT, "exec plugin %s: no answer within %ld ms", x->command,
                      timeout_ms);
}

/* Read the plugin's stdout to its end, at most FO_KUBE_CRED_MAX_BYTES, until mono ms `until`. */
static fo_rc read_all(const fo_kube_exec *x, int fd, int64_t until, long timeout_ms,
                      fo_strbuf *out, fo_err *err)
{
    char buf[4096];
    for (;;) {
        int64_t left = until - fo_clock_mono_ms(fo_clock_real());
        if (left <= 0)
            return timed_out(x, timeout_ms, err);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fo_err_set(err, FO_EIO, "exec plugin %s: poll: %s", x->command, strerror(errno));
        if (r == 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fo_err_set(err, FO_EIO, "exec plugin %s: read: %s", x->command, strerror(errno));
        if (n == 0)
            return FO_OK;
        if (fo_strbuf_append(out, buf, (size_t)n) != FO_OK)
            return fo_err_set(err, FO_ELIMIT, "exec plugin %s: answer larger than %u bytes",
                              x->command, FO_KUBE_CRED_MAX_BYTES);
    }
}

static char *wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
    return NULL;
}

void fo_kube_exec_cred_clear(fo_kube_exec_cred *c)
{
    c->token = wipe_free(c->token);
    c->cert_pem = wipe_free(c->cert_pem);
    c->key_pem = wipe_free(c->key_pem);
    c->expiry_ms = 0;
}

/* A token, a certificate pair or both, as client-go's exec authenticator takes them: a
 * certificate needs its key and the other way round, and the pair must load (tls.X509KeyPair).
 * Messages never quote the answer: it holds the secrets. */
static fo_rc take_cred(const fo_kube_exec *x, const char *tok, const char *cert, const char *key,
                       fo_kube_exec_cred *out, fo_err *err)
{
    bool has_tok = tok && *tok, has_cert = cert && *cert, has_key = key && *key;
    if (!has_tok && !has_cert && !has_key)
        return fo_err_set(err, FO_EPROTO, "exec plugin %s didn't return a token or cert/key pair",
                          x->command);
    if (has_cert != has_key)
        return fo_err_set(err, FO_EPROTO,
                          "exec plugin %s returned only %s: status.clientCertificateData and "
                          "status.clientKeyData must come together",
                          x->command, has_cert ? "a certificate, no key" : "a key, no certificate");
    if (has_cert) {
        fo_err perr;
        if (fo_certwatch_check_pem(cert, key, "status.clientCertificateData",
                                   "status.clientKeyData", &perr) != FO_OK)
            return fo_err_set(err, FO_EPROTO, "exec plugin %s: bad client certificate: %s",
                              x->command, perr.message);
        out->cert_pem = strdup(cert);
        out->key_pem = strdup(key);
    }
    if (has_tok)
        out->token = strdup(tok);
    if ((has_tok && !out->token) || (has_cert && (!out->cert_pem || !out->key_pem))) {
        fo_kube_exec_cred_clear(out);
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

/* The credential of the plugin's ExecCredential. */
static fo_rc decode(const fo_kube_exec *x, const char *text, size_t len, fo_kube_exec_cred *out,
                    fo_err *err)
{
    fo_err jerr;
    json_t *cred = fo_json_parse(text, len, FO_KUBE_CRED_MAX_BYTES, &jerr);
    fo_rc rc = FO_EPROTO;
    const char *api = fo_json_str(cred, "apiVersion"), *kind = fo_json_str(cred, "kind");
    json_t *status = json_object_get(cred, "status");
    const char *tok = fo_json_str(status, "token");
    const char *cert = fo_json_str(status, "clientCertificateData");
    const char *key = fo_json_str(status, "clientKeyData");
    const char *exp = fo_json_str(status, "expirationTimestamp");
    if (!cred) {
        fo_err_set(err, rc, "exec plugin %s: its answer is not JSON: %s", x->command, jerr.message);
    } else if (!kind || strcmp(kind, "ExecCredential") != 0) {
        fo_err_set(err, rc, "exec plugin %s: its answer is not an ExecCredential", x->command);
    } else if (!api || strcmp(api, x->api_version) != 0) {
        fo_err_set(err, rc, "exec plugin %s is configured to use API version %s, it returned %s",
                   x->command, x->api_version, api ? api : "none");
    } else if (!json_is_object(status)) {
        fo_err_set(err, rc, "exec plugin %s didn't return a status field", x->command);
    } else if (exp && !fo_clock_parse_rfc3339(exp, &out->expiry_ms)) {
        fo_err_set(err, rc, "exec plugin %s: status.expirationTimestamp: not RFC 3339", x->command);
    } else {
        if (!exp)
            out->expiry_ms = 0;
        rc = take_cred(x, tok, cert, key, out, err);
    }
    if (tok)
        explicit_bzero((char *)tok, strlen(tok));
    if (key)
        explicit_bzero((char *)key, strlen(key));
    json_decref(cred);
    return rc;
}

/* Reap the plugin once it exits, until mono ms `until`; false when it is still running. An
 * end of its stdout is not its end: it may close it and go on (a hung helper, a daemon). */
static bool reaped(pid_t pid, int64_t until, int *st)
{
    for (int64_t pause_ms = 1;; pause_ms = pause_ms < 50 ? pause_ms * 2 : 50) {
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return true;
        int64_t left = until - fo_clock_mono_ms(fo_clock_real());
        if (left <= 0)
            return false;
        struct timespec ts = {0, (left < pause_ms ? left : pause_ms) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

fo_rc fo_kube_exec_run(const fo_kube_exec *x, long timeout_ms, fo_kube_exec_cred *out,
                       fo_err *err)
{
    *out = (fo_kube_exec_cred){0};
    if (timeout_ms <= 0)
        timeout_ms = FO_KUBE_EXEC_TIMEOUT_MS;
    int64_t until = fo_clock_mono_ms(fo_clock_real()) + timeout_ms;
    pid_t pid;
    int fd;
    fo_rc rc = spawn(x, &pid, &fd, err);
    if (rc != FO_OK)
        return rc;
    fo_strbuf answer;
    fo_strbuf_init(&answer, FO_KUBE_CRED_MAX_BYTES);
    rc = read_all(x, fd, until, timeout_ms, &answer, err);
    close(fd);
    int st = 0;
    if (rc != FO_OK || !reaped(pid, until, &st)) {
        if (rc == FO_OK)
            rc = timed_out(x, timeout_ms, err);
        kill(-pid, SIGKILL); /* its process group: what it started goes too */
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (rc == FO_OK && WIFEXITED(st) && WEXITSTATUS(st) != 0)
        rc = fo_err_set(err, FO_EIO, "exec plugin %s failed with exit code %d", x->command,
                        WEXITSTATUS(st));
    else if (rc == FO_OK && WIFSIGNALED(st))
        rc =
            fo_err_set(err, FO_EIO, "exec plugin %s killed by signal %d", x->command, WTERMSIG(st));
    if (rc == FO_OK)
        rc = decode(x, answer.data ? answer.data : "", answer.len, out, err);
    if (answer.data)
        explicit_bzero(answer.data, answer.len);
    fo_strbuf_release(&answer);
    return rc;
}
