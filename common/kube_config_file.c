/* kubeconfig files (the clientcmd "Config" format) into a fo_kube_config. */
#include "common/kube_config.h"
#include "common/kube_config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/jsonutil.h"
#include "common/proxy_env.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"

/* Files in one path list we look at. */
#define MAX_KUBECONFIG_FILES 32

/* A named entry of clusters/users/contexts with where it came from, for messages and for
 * resolving relative paths. */
struct ent {
    const json_t *body; /* the inner object ("cluster", "user", "context"); may be NULL */
    const char *file;
    const char *dir;
    size_t idx;
    const char *list;  /* "clusters" */
    const char *inner; /* "cluster" */
};

struct merged {
    json_t *docs;     /* array of parsed files (keeps bodies alive) */
    json_t *files;    /* array of [path, dir] strings (keeps names alive) */
    json_t *index[3]; /* name -> integer slot into ents, per list */
    struct ent *ents;
    size_t nents, cap;
    char *current;     /* current-context of the first file that sets it */
    const char *first; /* first file read, for messages without a better file */
};

static const char *const lists[3] = {"clusters", "users", "contexts"};
static const char *const inners[3] = {"cluster", "user", "context"};

static void merged_release(struct merged *m)
{
    json_decref(m->docs);
    json_decref(m->files);
    for (int i = 0; i < 3; i++)
        json_decref(m->index[i]);
    free(m->ents);
    free(m->current);
}

static const struct ent *lookup(const struct merged *m, int list, const char *name)
{
    json_t *slot = json_object_get(m->index[list], name);
    return slot ? &m->ents[json_integer_value(slot)] : NULL;
}

static fo_rc field_err(fo_err *err, fo_rc rc, const struct ent *e, const char *field,
                       const char *problem)
{
    return fo_err_set(err, rc, "%s: %s[%zu].%s.%s: %s", e->file, e->list, e->idx, e->inner, field,
                      problem);
}

/* A string field: *out NULL when absent; an error when present with another type. */
static fo_rc get_str(const struct ent *e, const char *field, const char **out, fo_err *err)
{
    *out = NULL;
    json_t *v = e->body ? json_object_get(e->body, field) : NULL;
    if (!v || json_is_null(v))
        return FO_OK;
    if (!json_is_string(v))
        return field_err(err, FO_EINVAL, e, field, "must be a string");
    *out = json_string_value(v);
    if (!**out)
        *out = NULL;
    return FO_OK;
}

static fo_rc add_file(struct merged *m, const char *path, bool must_exist, fo_err *err)
{
    char *text = NULL;
    size_t len = 0;
    fo_rc rc =
        fo_kube_config_read_file(path, FO_KUBECONFIG_MAX_BYTES, &text, &len, "kubeconfig", err);
    if (rc == FO_ENOTFOUND && !must_exist)
        return FO_OK;
    if (rc != FO_OK)
        return rc;
    json_t *root = fo_yaml_parse(text, len, FO_KUBECONFIG_MAX_BYTES, err);
    free(text);
    if (!root)
        return fo_err_wrap(err, "%s", path);
    json_array_append_new(m->docs, root);
    if (!json_is_null(root) && !json_is_object(root))
        return fo_err_set(err, FO_EINVAL, "%s: not a kubeconfig (top level is not a mapping)",
                          path);
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    json_t *names = json_pack("[ss]", path, slash ? dir : ".");
    free(dir);
    if (!names)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    json_array_append_new(m->files, names);
    const char *file = json_string_value(json_array_get(names, 0));
    const char *fdir = json_string_value(json_array_get(names, 1));
    if (!m->first)
        m->first = file; /* read, even when empty: later messages name it */
    if (json_is_null(root))
        return FO_OK; /* an empty file is an empty config */

    json_t *cur = json_object_get(root, "current-context");
    if (cur && !json_is_null(cur) && !json_is_string(cur))
        return fo_err_set(err, FO_EINVAL, "%s: current-context: must be a string", path);
    if (!m->current && json_string_length(cur) > 0)
        m->current = strdup(json_string_value(cur));

    for (int l = 0; l < 3; l++) {
        json_t *arr = json_object_get(root, lists[l]);
        if (!arr || json_is_null(arr))
            continue;
        if (!json_is_array(arr))
            return fo_err_set(err, FO_EINVAL, "%s: %s: must be a list", path, lists[l]);
        size_t i;
        json_t *item;
        json_array_foreach(arr, i, item)
        {
            const char *name = fo_json_str(item, "name");
            if (!json_is_object(item) || !name || !*name)
                return fo_err_set(err, FO_EINVAL, "%s: %s[%zu].name: required", path, lists[l], i);
            json_t *body = json_object_get(item, inners[l]);
            if (body && !json_is_null(body) && !json_is_object(body))
                return fo_err_set(err, FO_EINVAL, "%s: %s[%zu].%s: must be a mapping", path,
                                  lists[l], i, inners[l]);
            if (json_object_get(m->index[l], name))
                continue; /* the first file that names it wins (kubectl's merge rule) */
            if (m->nents == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 16;
                struct ent *e = realloc(m->ents, cap * sizeof *e);
                if (!e)
                    return fo_err_set(err, FO_ENOMEM, "out of memory");
                m->ents = e;
                m->cap = cap;
            }
            m->ents[m->nents] = (struct ent){.body = json_is_object(body) ? body : NULL,
                                             .file = file,
                                             .dir = fdir,
                                             .idx = i,
                                             .list = lists[l],
                                             .inner = inners[l]};
            json_object_set_new(m->index[l], name, json_integer((json_int_t)m->nents));
            m->nents++;
        }
    }
    return FO_OK;
}

/* A path from the kubeconfig, relative ones taken from the kubeconfig's directory. */
static char *resolve(const struct ent *e, const char *p)
{
    char *out = NULL;
    if (p[0] == '/')
        return strdup(p);
    if (asprintf(&out, "%s/%s", e->dir, p) < 0)
        return NULL;
    return out;
}

/* "-data" (base64 PEM) wins over the file form, as in client-go. */
static fo_rc take_pem(const struct ent *e, const char *file_field, const char *data_field,
                      char **file_out, char **pem_out, fo_err *err)
{
    const char *file = NULL, *data = NULL;
    fo_rc rc = get_str(e, file_field, &file, err);
    if (rc == FO_OK)
        rc = get_str(e, data_field, &data, err);
    if (rc != FO_OK)
        return rc;
    if (data) {
        size_t n = 0;
        *pem_out = fo_kube_config_b64_decode(data, &n);
        if (!*pem_out)
            return field_err(err, FO_EINVAL, e, data_field, "not valid base64");
        if (n == 0 || strlen(*pem_out) != n || !strstr(*pem_out, "-----BEGIN "))
            return field_err(err, FO_EINVAL, e, data_field, "does not hold PEM data");
        return FO_OK;
    }
    if (file) {
        *file_out = resolve(e, file);
        if (!*file_out)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
        if (access(*file_out, R_OK) != 0)
            return field_err(err, FO_EIO, e, file_field, "file cannot be read");
    }
    return FO_OK;
}

static fo_rc refuse(const struct ent *e, const char *field, fo_err *err)
{
    json_t *v = e->body ? json_object_get(e->body, field) : NULL;
    if (v && !json_is_null(v))
        return field_err(err, FO_EINVAL, e, field,
                         "not supported (use a token, tokenFile or a client certificate)");
    return FO_OK;
}

static fo_rc build_cluster(fo_kube_config *kc, const struct ent *c, fo_err *err)
{
    const char *server = NULL;
    fo_rc rc = get_str(c, "server", &server, err);
    if (rc != FO_OK)
        return rc;
    if (!server)
        return field_err(err, FO_EINVAL, c, "server", "required");
    if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
        return field_err(err, FO_EINVAL, c, "server", "must start with https:// or http://");
    size_t n = strlen(server);
    while (n > 0 && server[n - 1] == '/')
        n--;
    kc->server = strndup(server, n);
    if (!kc->server)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    json_t *insecure = c->body ? json_object_get(c->body, "insecure-skip-tls-verify") : NULL;
    if (insecure && !json_is_null(insecure) && !json_is_boolean(insecure))
        return field_err(err, FO_EINVAL, c, "insecure-skip-tls-verify", "must be a boolean");
    kc->insecure = json_is_true(insecure);
    rc = take_pem(c, "certificate-authority", "certificate-authority-data", &kc->ca_file,
                  &kc->ca_pem, err);
    if (rc != FO_OK)
        return rc;
    /* client-go sends every request through proxy-url, whatever NO_PROXY says, and takes the
     * schemes http, https and socks5 (any case, as url.Parse reads them); libcurl is told the
     * proxy Go's transport dials (common/proxy_env.h: the scheme's port, socks5 resolving on
     * the proxy, the credentials as Go decodes them). */
    const char *proxy = NULL;
    rc = get_str(c, "proxy-url", &proxy, err);
    if (rc != FO_OK)
        return rc;
    if (proxy && strncasecmp(proxy, "http://", 7) != 0 && strncasecmp(proxy, "https://", 8) != 0 &&
        strncasecmp(proxy, "socks5://", 9) != 0)
        return field_err(err, FO_EINVAL, c, "proxy-url",
                         "the scheme must be http, https or socks5");
    if (proxy) {
        fo_err perr;
        fo_err_clear(&perr);
        rc = fo_proxy_env_curl_proxy(proxy, &kc->proxy_url, &perr);
        if (rc == FO_ENOMEM)
            return fo_err_set(err, rc, "out of memory");
        if (rc != FO_OK)
            return field_err(err, rc, c, "proxy-url", perr.message);
    }
    /* client-go's tls.Config.ServerName: the name the server's certificate is checked against
     * and sent as SNI, instead of the host of server. */
    const char *tls_name = NULL;
    rc = get_str(c, "tls-server-name", &tls_name, err);
    if (rc != FO_OK)
        return rc;
    if (tls_name && !(kc->tls_server_name = strdup(tls_name)))
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    /* client-go refuses this pair: trusting a CA and trusting anyone contradict each other. */
    if (kc->insecure && (kc->ca_file || kc->ca_pem))
        return field_err(err, FO_EINVAL, c, "insecure-skip-tls-verify",
                         "cannot be combined with certificate-authority(-data)");
    return FO_OK;
}

/* What an exec plugin that sets provideClusterInfo learns of the cluster (the Cluster of
 * client.authentication.k8s.io): server, CA and TLS settings, and the cluster's extension
 * named "client.authentication.k8s.io/exec" as its config. NULL when out of memory. */
static json_t *cluster_info(const fo_kube_config *kc, const struct ent *c)
{
    json_t *info = json_pack("{s:s}", "server", kc->server);
    if (info && kc->tls_server_name)
        json_object_set_new(info, "tls-server-name", json_string(kc->tls_server_name));
    if (info && kc->insecure)
        json_object_set_new(info, "insecure-skip-tls-verify", json_true());
    const char *proxy = fo_json_str(c->body, "proxy-url");
    if (info && proxy && *proxy)
        json_object_set_new(info, "proxy-url", json_string(proxy));
    char *pem = NULL;
    if (kc->ca_file)
        fo_kube_config_read_file(kc->ca_file, FO_KUBE_CRED_MAX_BYTES, &pem, NULL, "CA", NULL);
    const char *ca = kc->ca_pem ? kc->ca_pem : pem;
    char *b64 = ca ? fo_base64_encode(ca, strlen(ca)) : NULL;
    if (info && b64)
        json_object_set_new(info, "certificate-authority-data", json_string(b64));
    free(b64);
    free(pem);
    size_t i;
    json_t *ext;
    json_array_foreach(c->body ? json_object_get(c->body, "extensions") : NULL, i, ext)
    {
        const char *name = fo_json_str(ext, "name");
        json_t *v = json_object_get(ext, "extension");
        if (info && v && name && strcmp(name, "client.authentication.k8s.io/exec") == 0)
            json_object_set(info, "config", v);
    }
    return info;
}

/* users[].user.exec, which client-go uses only when the user has no other credential. */
static fo_rc build_exec(fo_kube_config *kc, const struct ent *u, const struct ent *c, fo_err *err)
{
    json_t *exec = u->body ? json_object_get(u->body, "exec") : NULL;
    if (!exec || json_is_null(exec) || kc->static_token || kc->token_file || kc->cert_file ||
        kc->cert_pem)
        return FO_OK;
    json_t *info = cluster_info(kc, c);
    if (!info)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    char where[600];
    snprintf(where, sizeof where, "%s: %s[%zu].%s.exec", u->file, u->list, u->idx, u->inner);
    fo_err xerr;
    kc->exec = fo_kube_exec_new(exec, u->dir, info, where, &xerr);
    json_decref(info);
    if (kc->exec)
        return FO_OK;
    if (err)
        *err = xerr;
    return xerr.rc;
}

static fo_rc build_user(fo_kube_config *kc, const struct ent *u, const struct ent *c, fo_err *err)
{
    static const char *const unsupported[] = {"auth-provider", "username", "password"};
    fo_rc rc = FO_OK;
    for (size_t i = 0; i < 3 && rc == FO_OK; i++)
        rc = refuse(u, unsupported[i], err);
    if (rc != FO_OK)
        return rc;
    rc = take_pem(u, "client-certificate", "client-certificate-data", &kc->cert_file, &kc->cert_pem,
                  err);
    if (rc == FO_OK)
        rc = take_pem(u, "client-key", "client-key-data", &kc->key_file, &kc->key_pem, err);
    if (rc != FO_OK)
        return rc;
    bool has_cert = kc->cert_file || kc->cert_pem, has_key = kc->key_file || kc->key_pem;
    if (has_cert && !has_key)
        return field_err(err, FO_EINVAL, u, "client-key", "required with client-certificate");
    if (has_key && !has_cert)
        return field_err(err, FO_EINVAL, u, "client-certificate", "required with client-key");
    const char *token = NULL, *token_file = NULL;
    rc = get_str(u, "token", &token, err);
    if (rc == FO_OK)
        rc = get_str(u, "tokenFile", &token_file, err);
    if (rc != FO_OK)
        return rc;
    if (token && !(kc->static_token = strdup(token)))
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    if (token_file) {
        /* As in client-go, the file (read now and then) takes precedence over `token`. */
        kc->token_file = resolve(u, token_file);
        if (!kc->token_file)
            return fo_err_set(err, FO_ENOMEM, "out of memory");
        char probe[8];
        fo_err terr;
        if (fo_kube_config_token(kc, probe, sizeof probe, &terr) == FO_EIO)
            return field_err(err, FO_EIO, u, "tokenFile", terr.message);
    }
    return build_exec(kc, u, c, err);
}

fo_kube_config *fo_kube_config_from_kubeconfig(const fo_kube_config_opts *o, fo_err *err)
{
    fo_err_clear(err);
    if (!o || !o->kubeconfig || !*o->kubeconfig) {
        fo_err_set(err, FO_EINVAL, "kubeconfig: no path given");
        return NULL;
    }
    struct merged m = {.docs = json_array(), .files = json_array()};
    for (int i = 0; i < 3; i++)
        m.index[i] = json_object();
    fo_kube_config *kc = fo_kube_config_new_empty(o);
    char *paths = strdup(o->kubeconfig);
    fo_rc rc = FO_OK;
    if (!kc || !paths || !m.docs || !m.files || !m.index[0] || !m.index[1] || !m.index[2]) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    /* In a list, missing files are skipped (kubectl does the same); a single path must exist. */
    bool single = strchr(o->kubeconfig, ':') == NULL;
    int nfiles = 0;
    char *save = NULL;
    for (char *p = strtok_r(paths, ":", &save); p && rc == FO_OK; p = strtok_r(NULL, ":", &save)) {
        if (++nfiles > MAX_KUBECONFIG_FILES) {
            rc = fo_err_set(err, FO_ELIMIT, "kubeconfig: more than %d files", MAX_KUBECONFIG_FILES);
            break;
        }
        rc = add_file(&m, p, single, err);
    }
    if (rc != FO_OK)
        goto fail;
    if (!m.first) {
        fo_err_set(err, FO_ENOTFOUND, "kubeconfig %s: no such file", o->kubeconfig);
        goto fail;
    }
    kc->source = strdup(o->kubeconfig);

    const char *ctxname = o->context && *o->context ? o->context : m.current;
    if (!ctxname) {
        fo_err_set(err, FO_EINVAL, "%s: current-context: not set and no context was given",
                   m.first);
        goto fail;
    }
    const struct ent *ctx = lookup(&m, 2, ctxname);
    if (!ctx) {
        fo_err_set(err, FO_ENOTFOUND, "%s: contexts: no context named \"%s\"", m.first, ctxname);
        goto fail;
    }
    const char *cluster_name = NULL, *user_name = NULL, *ns = NULL;
    if (get_str(ctx, "cluster", &cluster_name, err) != FO_OK ||
        get_str(ctx, "user", &user_name, err) != FO_OK ||
        get_str(ctx, "namespace", &ns, err) != FO_OK)
        goto fail;
    if (!cluster_name) {
        field_err(err, FO_EINVAL, ctx, "cluster", "required");
        goto fail;
    }
    const struct ent *cluster = lookup(&m, 0, cluster_name);
    if (!cluster) {
        char msg[320];
        snprintf(msg, sizeof msg, "no cluster named \"%s\"", cluster_name);
        field_err(err, FO_ENOTFOUND, ctx, "cluster", msg);
        goto fail;
    }
    if (build_cluster(kc, cluster, err) != FO_OK)
        goto fail;
    if (user_name) {
        const struct ent *user = lookup(&m, 1, user_name);
        if (!user) {
            char msg[320];
            snprintf(msg, sizeof msg, "no user named \"%s\"", user_name);
            field_err(err, FO_ENOTFOUND, ctx, "user", msg);
            goto fail;
        }
        if (build_user(kc, user, cluster, err) != FO_OK)
            goto fail;
    }
    if (ns && !(kc->ns = strdup(ns))) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    merged_release(&m);
    free(paths);
    fo_err_clear(err);
    return kc;
fail:
    merged_release(&m);
    free(paths);
    fo_kube_config_free(kc);
    return NULL;
}
