/* The kubeconfig reader (fo_kube_config_from_kubeconfig, common/kube_config_file.c) on
 * arbitrary bytes as a user's kubeconfig file. The file is written to a scratch directory that
 * also holds tests/data/kubeconfig-files (so relative CA, certificate and token paths can name
 * real files); inputs naming paths under /dev, /proc, /sys, /run, /tmp or /var are skipped (a
 * FIFO or a terminal would block the harness; the reader follows what the user wrote). No exec
 * plugin is ever run: only the token of a tokenFile is read, as loading does. Properties:
 *  - a refusal names the file (every message holds its path) and is not FO_OK;
 *  - a loaded config is usable: server http(s):// without a trailing '/', a namespace, a
 *    client certificate only with its key, never an insecure cluster with a CA, a proxy only
 *    in a scheme libcurl takes (http, https, socks5h);
 *  - the same document written as JSON (its YAML reading dumped by jansson) loads to the same
 *    config, or fails with the same code and message (the file name aside);
 *  - kubectl's merge rule: the path list "<file>:<file>" and "<missing>:<file>" load exactly
 *    what "<file>" loads (the first file that names a thing wins; missing files in a list are
 *    skipped). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kube_config.h"
#include "common/kube_config_internal.h"
#include "common/yamlconv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char yaml_path[128], json_path[128], missing_path[128];

static void copy_fixture(const char *name)
{
    const char *root = getenv("FO_TEST_DATA");
    char from[512], to[256], buf[65536];
    snprintf(from, sizeof from, "%s/kubeconfig-files/%s", root ? root : "tests/data", name);
    snprintf(to, sizeof to, "%s/kubeconfig-files/%s", dir, name);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (in && out) {
        size_t n = fread(buf, 1, sizeof buf, in);
        fwrite(buf, 1, n, out);
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static void setup(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/fuzz-kubeconfig-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char sub[128];
    snprintf(sub, sizeof sub, "%s/kubeconfig-files", dir);
    mkdir(sub, 0700);
    copy_fixture("ca.crt");
    copy_fixture("client.crt");
    copy_fixture("client.key");
    copy_fixture("token");
    snprintf(yaml_path, sizeof yaml_path, "%s/config", dir);
    snprintf(json_path, sizeof json_path, "%s/config.json", dir);
    snprintf(missing_path, sizeof missing_path, "%s/absent", dir);
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

/* Does text name a place whose files may block or never end? */
static bool risky(const char *text, size_t len)
{
    static const char *const words[] = {"dev", "proc", "sys", "run", "tmp", "var", "fd"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (memmem(text, len, words[i], strlen(words[i])))
            return true;
    return false;
}

typedef struct loaded {
    fo_kube_config *kc;
    fo_err err;
} loaded;

static void load(const char *paths, loaded *out)
{
    fo_kube_config_opts o = {.kubeconfig = paths, .token_refresh_ms = 3600000};
    fo_err_clear(&out->err);
    out->kc = fo_kube_config_from_kubeconfig(&o, &out->err);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The message with every occurrence of path replaced by "<file>". */
static void normalized(const char *msg, const char *path, char *out, size_t n)
{
    size_t used = 0, plen = strlen(path);
    while (*msg && used + 8 < n) {
        if (strncmp(msg, path, plen) == 0) {
            used += (size_t)snprintf(out + used, n - used, "<file>");
            msg += plen;
        } else {
            out[used++] = *msg++;
        }
    }
    out[used] = '\0';
}

static void check_same(const loaded *a, const char *a_path, const loaded *b, const char *b_path,
                       const char *what)
{
    if (!a->kc || !b->kc) {
        char ma[FO_ERR_MSG_MAX + 64], mb[FO_ERR_MSG_MAX + 64];
        normalized(a->err.message, a_path, ma, sizeof ma);
        normalized(b->err.message, b_path, mb, sizeof mb);
        FUZZ_CHECK(!a->kc && !b->kc && a->err.rc == b->err.rc && strcmp(ma, mb) == 0, "%s: %s / %s",
                   what, a->kc ? "loaded" : a->err.message, b->kc ? "loaded" : b->err.message);
        return;
    }
    const fo_kube_config *x = a->kc, *y = b->kc;
    FUZZ_CHECK(same_str(x->server, y->server) && same_str(x->ns, y->ns) &&
                   x->insecure == y->insecure && same_str(x->ca_file, y->ca_file) &&
                   same_str(x->ca_pem, y->ca_pem) && same_str(x->cert_file, y->cert_file) &&
                   same_str(x->cert_pem, y->cert_pem) && same_str(x->key_file, y->key_file) &&
                   same_str(x->key_pem, y->key_pem) && same_str(x->proxy_url, y->proxy_url) &&
                   same_str(x->tls_server_name, y->tls_server_name) &&
                   same_str(x->static_token, y->static_token) &&
                   same_str(x->token_file, y->token_file) && !x->exec == !y->exec,
               "%s: the configs differ (server %s / %s)", what, x->server, y->server);
}

static void check_usable(const loaded *l, const char *path)
{
    if (!l->kc) {
        FUZZ_CHECK(l->err.rc != FO_OK && (l->err.rc == FO_ENOMEM || strstr(l->err.message, path)),
                   "a refusal that does not name the file: %s", l->err.message);
        return;
    }
    const fo_kube_config *kc = l->kc;
    size_t n = strlen(kc->server);
    FUZZ_CHECK(
        (strncmp(kc->server, "https://", 8) == 0 || strncmp(kc->server, "http://", 7) == 0) &&
            kc->server[n - 1] != '/',
        "server %s", kc->server);
    FUZZ_CHECK(fo_kube_config_namespace(kc)[0], "no namespace");
    FUZZ_CHECK(!(kc->insecure && (kc->ca_file || kc->ca_pem)), "insecure with a CA");
    FUZZ_CHECK(!(kc->cert_file || kc->cert_pem) == !(kc->key_file || kc->key_pem),
               "a client certificate without its key, or the other way round");
    FUZZ_CHECK(!kc->proxy_url || strncmp(kc->proxy_url, "http://", 7) == 0 ||
                   strncmp(kc->proxy_url, "https://", 8) == 0 ||
                   strncmp(kc->proxy_url, "socks5h://", 10) == 0,
               "proxy %s", kc->proxy_url);
    fo_http_client_opts tls = {0};
    fo_kube_config_tls_opts(kc, &tls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT || risky((const char *)data, size))
        return 0;
    setup();
    json_t *doc = fo_yaml_parse((const char *)data, size, FO_KUBECONFIG_MAX_BYTES, NULL);
    char *json = doc ? json_dumps(doc, JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    if (json && risky(json, strlen(json))) {
        free(json);
        return 0;
    }
    write_file(yaml_path, data, size);
    loaded a;
    load(yaml_path, &a);
    check_usable(&a, yaml_path);

    if (json && !strstr(json, "\\u0000")) {
        write_file(json_path, json, strlen(json));
        loaded b;
        load(json_path, &b);
        check_same(&a, yaml_path, &b, json_path, "written as JSON");
        fo_kube_config_free(b.kc);
    }
    free(json);

    char list[400];
    snprintf(list, sizeof list, "%s:%s", yaml_path, yaml_path);
    loaded twice;
    load(list, &twice);
    check_same(&a, yaml_path, &twice, yaml_path, "listed twice");
    fo_kube_config_free(twice.kc);
    snprintf(list, sizeof list, "%s:%s", missing_path, yaml_path);
    loaded after_missing;
    load(list, &after_missing);
    check_same(&a, yaml_path, &after_missing, yaml_path, "after a missing file");
    fo_kube_config_free(after_missing.kc);
    fo_kube_config_free(a.kc);
    return 0;
}
