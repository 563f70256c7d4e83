#include "common/kube_config.h"

#include "common/base64.h"
#include "common/kube_config_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"

fo_kube_config *fo_kube_config_new_empty(const fo_kube_config_opts *o)
{
    fo_kube_config *kc = calloc(1, sizeof *kc);
    if (!kc)
        return NULL;
    pthread_mutex_init(&kc->mu, NULL);
    kc->clock = o && o->clock ? o->clock : fo_clock_real();
    kc->refresh_ms = o && o->token_refresh_ms > 0 ? o->token_refresh_ms : FO_KUBE_TOKEN_REFRESH_MS;
    kc->exec_timeout_ms =
        o && o->exec_timeout_ms > 0 ? o->exec_timeout_ms : FO_KUBE_EXEC_TIMEOUT_MS;
    return kc;
}

void fo_kube_config_free(fo_kube_config *kc)
{
    if (!kc)
        return;
    free(kc->server);
    free(kc->ns);
    free(kc->source);
    free(kc->ca_file);
    free(kc->ca_pem);
    free(kc->cert_file);
    free(kc->cert_pem);
    free(kc->key_file);
    free(kc->key_pem);
    free(kc->proxy_url);
    free(kc->tls_server_name);
    if (kc->static_token)
        explicit_bzero(kc->static_token, strlen(kc->static_token));
    free(kc->static_token);
    free(kc->token_file);
    fo_kube_exec_free(kc->exec);
    if (kc->cached_token)
        explicit_bzero(kc->cached_token, strlen(kc->cached_token));
    free(kc->cached_token);
    free(kc->exec_cert_pem);
    if (kc->exec_key_pem)
        explicit_bzero(kc->exec_key_pem, strlen(kc->exec_key_pem));
    free(kc->exec_key_pem);
    pthread_mutex_destroy(&kc->mu);
    free(kc);
}

const char *fo_kube_config_server(const fo_kube_config *kc)
{
    return kc->server;
}

const char *fo_kube_config_namespace(const fo_kube_config *kc)
{
    return kc->ns ? kc->ns : "default";
}

const char *fo_kube_config_source(const fo_kube_config *kc)
{
    return kc->source;
}

void fo_kube_config_tls_opts(const fo_kube_config *kc, fo_http_client_opts *out)
{
    out->ca_file = kc->ca_file;
    out->ca_pem = kc->ca_pem;
    out->client_cert_file = kc->cert_file;
    out->client_cert_pem = kc->cert_pem;
    out->client_key_file = kc->key_file;
    out->client_key_pem = kc->key_pem;
    out->insecure_skip_verify = kc->insecure;
    out->proxy = kc->proxy_url;
    /* client-go's transport: http.ProxyFromEnvironment unless the cluster names a proxy */
    out->proxy_env = FO_HTTP_PROXY_ENV_GO;
    out->tls_server_name = kc->tls_server_name;
    out->client_go_tls = true;
}

/* ---- small helpers ---- */

fo_rc fo_kube_config_read_file(const char *path, size_t limit, char **out, size_t *out_len,
                               const char *what, fo_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fo_err_set(err, errno == ENOENT ? FO_ENOTFOUND : FO_EIO, "%s %s: %s", what, path,
                          strerror(errno));
    fo_strbuf sb;
    fo_strbuf_init(&sb, limit);
    char buf[8192];
    size_t n;
    fo_rc rc = FO_OK;
    while (rc == FO_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = fo_strbuf_append(&sb, buf, n);
    if (rc == FO_OK && ferror(f))
        rc = fo_err_set(err, FO_EIO, "%s %s: read failed", what, path);
    else if (rc == FO_ELIMIT)
        fo_err_set(err, rc, "%s %s: larger than %zu bytes", what, path, limit);
    else if (rc != FO_OK)
        fo_err_set(err, rc, "%s %s: out of memory", what, path);
    fclose(f);
    if (rc != FO_OK) {
        fo_strbuf_release(&sb);
        return rc;
    }
    if (out_len)
        *out_len = sb.len;
    *out = fo_strbuf_take(&sb);
    return *out ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
}

/* Token files end with a newline more often than not; the token is what lies between. */
char *fo_kube_config_trim_dup(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return strndup(s, n);
}

/* kubeconfig *-data fields are []byte in client-go: Go's standard base64. */
char *fo_kube_config_b64_decode(const char *in, size_t *out_len)
{
    return fo_base64_decode(in, strlen(in), out_len);
}

/* ---- in-cluster ---- */

fo_kube_config *fo_kube_config_in_cluster(const fo_kube_config_opts *o, fo_err *err)
{
    static const fo_kube_config_opts none;
    if (!o)
        o = &none;
    fo_err_clear(err);
    const char *host = o->host ? o->host : getenv("KUBERNETES_SERVICE_HOST");
    const char *port = o->port ? o->port : getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port) {
        fo_err_set(err, FO_ENOTFOUND,
                   "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must "
                   "be set");
        return NULL;
    }
    fo_kube_config *kc = fo_kube_config_new_empty(o);
    if (!kc) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    char *nsbuf = NULL;
    bool v6 = strchr(host, ':') && host[0] != '[';
    if (asprintf(&kc->server, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port) < 0) {
        kc->server = NULL;
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    kc->source = strdup("in-cluster");
    kc->token_file = strdup(o->token_path ? o->token_path : FO_KUBE_SA_DIR "/token");
    kc->ca_file = strdup(o->ca_path ? o->ca_path : FO_KUBE_SA_DIR "/ca.crt");
    if (!kc->source || !kc->token_file || !kc->ca_file) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    FILE *ca = fopen(kc->ca_file, "rb");
    if (!ca) {
        fo_err_set(err, FO_EIO, "in-cluster config: CA bundle %s: %s", kc->ca_file,
                   strerror(errno));
        goto fail;
    }
    fclose(ca);
    char probe[8];
    if (fo_kube_config_token(kc, probe, sizeof probe, err) == FO_EIO) {
        fo_err_wrap(err, "in-cluster config");
        goto fail;
    }
    const char *ns_path = o->namespace_path ? o->namespace_path : FO_KUBE_SA_DIR "/namespace";
    if (fo_kube_config_read_file(ns_path, 4096, &nsbuf, NULL, "namespace file", NULL) == FO_OK) {
        kc->ns = fo_kube_config_trim_dup(nsbuf);
        if (kc->ns && !*kc->ns) {
            free(kc->ns);
            kc->ns = NULL;
        }
    }
    free(nsbuf);
    fo_err_clear(err);
    return kc;
fail:
    free(nsbuf);
    fo_kube_config_free(kc);
    return NULL;
}

/* ---- tokens ---- */

/* Replace the cached token by tok (stolen). */
static void set_cached(fo_kube_config *kc, char *tok)
{
    if (kc->cached_token)
        explicit_bzero(kc->cached_token, strlen(kc->cached_token));
    free(kc->cached_token);
    kc->cached_token = tok;
}

/* Under kc->mu: run the exec plugin when its credential expired (client-go: once the
 * expiration time has passed) or the API server refused it. */
static fo_rc exec_refresh(fo_kube_config *kc, fo_err *err)
{
    int64_t now = fo_clock_now_ms(kc->clock);
    if (kc->cached_token && !kc->stale && !(kc->expiry_ms && now > kc->expiry_ms))
        return FO_OK;
    fo_kube_exec_cred cred;
    fo_rc rc = fo_kube_exec_run(kc->exec, kc->exec_timeout_ms, &cred, err);
    char *tok = rc == FO_OK ? (cred.token ? cred.token : strdup("")) : NULL;
    if (rc == FO_OK && !tok)
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
    if (rc != FO_OK) {
        fo_kube_exec_cred_clear(&cred);
        return rc;
    }
    cred.token = NULL;
    set_cached(kc, tok);
    /* A run that gives the same pair again (a plugin that reissues its token only) leaves the
     * connections made with it alone, as client-go does. */
    const char *was = kc->exec_cert_pem;
    bool same_pair = cred.cert_pem ? was && strcmp(cred.cert_pem, was) == 0 : !was;
    free(kc->exec_cert_pem);
    if (kc->exec_key_pem)
        explicit_bzero(kc->exec_key_pem, strlen(kc->exec_key_pem));
    free(kc->exec_key_pem);
    kc->exec_cert_pem = cred.cert_pem;
    kc->exec_key_pem = cred.key_pem;
    kc->expiry_ms = cred.expiry_ms;
    kc->exec_gen++;
    if (!same_pair)
        atomic_store(&kc->exec_cert_gen, kc->exec_gen);
    kc->stale = false;
    return FO_OK;
}

fo_rc fo_kube_config_token(fo_kube_config *kc, char *buf, size_t len, fo_err *err)
{
    uint64_t gen;
    return fo_kube_config_credential(kc, buf, len, &gen, err);
}

fo_rc fo_kube_config_credential(fo_kube_config *kc, char *buf, size_t len, uint64_t *gen,
                                fo_err *err)
{
    fo_rc rc = FO_OK;
    pthread_mutex_lock(&kc->mu);
    if (kc->exec) {
        rc = exec_refresh(kc, err);
    } else if (kc->token_file) {
        int64_t now = fo_clock_mono_ms(kc->clock);
        if (!kc->cached_token || kc->stale || now - kc->read_mono_ms >= kc->refresh_ms) {
            char *raw = NULL;
            fo_err rerr;
            fo_rc r = fo_kube_config_read_file(kc->token_file, FO_KUBE_CRED_MAX_BYTES, &raw, NULL,
                                               "token file", &rerr);
            char *tok = r == FO_OK ? fo_kube_config_trim_dup(raw) : NULL;
            if (r == FO_OK && (!tok || !*tok))
                r = fo_err_set(&rerr, FO_EIO, "token file %s: empty", kc->token_file);
            if (raw) {
                explicit_bzero(raw, strlen(raw));
                free(raw);
            }
            if (r == FO_OK) {
                set_cached(kc, tok);
                tok = NULL;
                kc->read_mono_ms = now;
                kc->stale = false;
            } else if (kc->cached_token) {
                fo_log_warn("bearer token re-read failed, keeping the previous one: %s",
                            rerr.message);
                kc->read_mono_ms = now; /* try again after another interval */
            } else {
                rc = FO_EIO;
                fo_err_set(err, FO_EIO, "%s", rerr.message);
            }
            free(tok);
        }
    }
    const char *tok = kc->cached_token ? kc->cached_token : kc->static_token;
    if (rc == FO_OK) {
        size_t n = tok ? strlen(tok) : 0;
        if (n + 1 > len)
            rc = fo_err_set(err, FO_ELIMIT, "bearer token longer than %zu bytes", len);
        else {
            memcpy(buf, tok ? tok : "", n + 1);
        }
    }
    *gen = kc->exec_gen;
    pthread_mutex_unlock(&kc->mu);
    return rc;
}

void fo_kube_config_token_stale(fo_kube_config *kc)
{
    pthread_mutex_lock(&kc->mu);
    kc->stale = true;
    pthread_mutex_unlock(&kc->mu);
}

void fo_kube_config_token_refused(fo_kube_config *kc, const char *token)
{
    fo_kube_config_credential_refused(kc, token, 0);
}

void fo_kube_config_credential_refused(fo_kube_config *kc, const char *token, uint64_t gen)
{
    pthread_mutex_lock(&kc->mu);
    if (!kc->cached_token || !token)
        kc->stale = true;
    else if (gen != 0)
        kc->stale = kc->stale || gen == kc->exec_gen;
    else if (strcmp(kc->cached_token, token) == 0)
        kc->stale = true;
    pthread_mutex_unlock(&kc->mu);
}

uint64_t fo_kube_config_exec_cert(fo_kube_config *kc, uint64_t have, char **cert_pem,
                                  char **key_pem)
{
    *cert_pem = *key_pem = NULL;
    pthread_mutex_lock(&kc->mu);
    uint64_t gen = kc->exec_gen;
    if (gen != have && kc->exec_cert_pem) {
        *cert_pem = strdup(kc->exec_cert_pem);
        *key_pem = strdup(kc->exec_key_pem);
        if (!*cert_pem || !*key_pem) {
            free(*cert_pem);
            free(*key_pem);
            *cert_pem = *key_pem = NULL;
            gen = have; /* out of memory: the caller keeps what it has and asks again */
        }
    }
    pthread_mutex_unlock(&kc->mu);
    return gen;
}

/* ---- the search ---- */

fo_kube_config *fo_kube_config_load(const fo_kube_config_opts *opts, fo_err *err)
{
    static const fo_kube_config_opts none;
    const fo_kube_config_opts *o = opts ? opts : &none;
    fo_kube_config_opts copy = *o;
    if (o->kubeconfig && *o->kubeconfig)
        return fo_kube_config_from_kubeconfig(o, err);
    const char *env = getenv("KUBECONFIG");
    if (env && *env) {
        copy.kubeconfig = env;
        return fo_kube_config_from_kubeconfig(&copy, err);
    }
    const char *host = o->host ? o->host : getenv("KUBERNETES_SERVICE_HOST");
    if (host && *host)
        return fo_kube_config_in_cluster(o, err);
    const char *home = getenv("HOME");
    char *path = NULL;
    if (home && *home && asprintf(&path, "%s/.kube/config", home) > 0) {
        copy.kubeconfig = path;
        fo_kube_config *kc = fo_kube_config_from_kubeconfig(&copy, err);
        free(path);
        return kc;
    }
    fo_err_set(err, FO_ENOTFOUND, "no kubeconfig given, $KUBECONFIG unset, not in a cluster");
    return NULL;
}

bool fo_kube_config_exec_cert_replaced(fo_kube_config *kc, uint64_t gen)
{
    /* Without mu, which a plugin run holds for as long as it takes: a watch still delivers
     * its events and sees its stop flag meanwhile. */
    return atomic_load(&kc->exec_cert_gen) > gen;
}
