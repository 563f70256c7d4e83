#include "common/http_client.h"

/* libcurl is not linked: it is loaded with dlopen when the first client is made. The programs
 * that hold an http client but seldom use it (the webhook looks session jobs up only when one
 * is reviewed) would otherwise map and relocate libcurl and its whole dependency chain
 * (Kerberos, LDAP, SASL, SSH, RTMP, nghttp2, ...) at start: about 3 MiB of resident memory.
 * <curl/curl.h> is used for types, constants and prototypes only; every call goes through the
 * table `lc` below. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/proxy_env.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_RESPONSE (64u * 1024 * 1024)
/* Idle easy handles (each with its own connection cache) kept for reuse. The controller's 16
 * workers, its Lease, Events and canary thread can use some 20 at once; past the bound a
 * handle is freed after its request, and its kept-alive TLS connection with it. */
#define POOL_MAX_IDLE 32
/* Warning headers kept per response; more are dropped. */
#define MAX_WARNINGS 32
/* How often a stream checks its stop flag. */
#define STREAM_POLL_MS 100

/* A peer that went away without a word (its node lost, a NAT or load balancer that dropped
 * the connection's state without a reset) is given up after DEAD_PEER_MS: once KEEPALIVE_IDLE_S
 * pass without a byte from it the kernel sends a keepalive probe, and when neither it nor the
 * next ones, KEEPALIVE_INTERVAL_S apart, are answered by the end of the KEEPALIVE_PROBES-th
 * interval, the connection fails. Data sent and not acknowledged (a request to a dead peer,
 * when keepalive does not run) fails it after the same time: TCP_USER_TIMEOUT, which Linux
 * also uses in place of the probe count while keepalive runs, ending at the same moment.
 * client-go's HTTP/2 transport gives up about as soon: a ping after 30 s without a frame and
 * 15 s for its answer (k8s.io/apimachinery pkg/util/net/http.go, ReadIdleTimeout and
 * PingTimeout); here a silent peer is probed after 15 s and has the same 15 s to answer. The
 * kernel's probe count (9) and libcurl's options alone, which cannot set it before libcurl
 * 8.9, gave 30 + 9 * 10 s, and unacknowledged data took about 15 minutes (tcp_retries2). */
#define KEEPALIVE_IDLE_S 15
#define KEEPALIVE_INTERVAL_S 5
#define KEEPALIVE_PROBES 3
#define DEAD_PEER_MS ((KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_PROBES) * 1000)

/* The client certificate new connections present, with the DNS and TLS session cache that
 * goes with it. Replaced as a whole when the pair changes (fo_http_client_set_client_cert):
 * libcurl tells connections and TLS sessions apart by the certificate's file name, not by what
 * the file holds, so a connection or session made with the old pair must never meet a
 * transfer that should use the new one. */
struct tls_id {
    int refs;                  /* under the client's mu: the client's own, one per transfer */
    char *cert_path, *key_path; /* files or /proc/self/fd/N of a memfd; NULL = no certificate */
    int memfds[2];
    CURLSH *share;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
};

struct fo_http_client {
    char *ca_path; /* a file or /proc/self/fd/N of a memfd */
    int ca_memfd;
    bool insecure;
    bool client_go_tls; /* one TLS config for the server and an https proxy, as Go has it */
    long connect_timeout_ms, timeout_ms;
    char *user_agent;
    size_t max_response;
    long max_redirects;
    char *proxy;                             /* NULL = the environment's */
    fo_http_proxy_env proxy_env;
    /* FO_HTTP_PROXY_ENV_GO: the environment's values when the client was made (NULL = unset) */
    char *env_http, *env_https, *env_no;
    bool env_cgi;
    char *tls_name; /* tls_server_name as a URL's host ("[::1]" for IPv6); NULL = none */
    char *aws_sigv4, *aws_user, *aws_secret; /* NULL unless requests are signed */
    pthread_mutex_t mu; /* guards id and the pool */
    struct tls_id *id;
    CURL *pool[POOL_MAX_IDLE]; /* idle handles, all made with id */
    size_t npool;
};

/* ---- loading libcurl ---- */

/* The libraries tried, in order: Debian's GnuTLS build (package libcurl3-gnutls, what the
 * image installs), then the plain name, which some systems give a GnuTLS build. The
 * environment variable FLINKOP_LIBCURL names one library (a path or a soname) to try instead. */
static const char *const LIBCURL_NAMES[] = {"libcurl-gnutls.so.4", "libcurl.so.4"};
#define LIBCURL_ENV "FLINKOP_LIBCURL"
#define LIBCURL_PACKAGE "libcurl3-gnutls"
/* 7.85.0: CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR, the newest options used
 * (the others: CURLOPT_AWS_SIGV4 7.75.0, CURLINFO_RETRY_AFTER and curl_multi_poll 7.66.0). */
#define LIBCURL_MIN_VERSION 0x075500
#define LIBCURL_MIN_VERSION_STR "7.85.0"

/* Every libcurl function this file calls, declared from curl.h's own prototypes (so
 * curl_easy_setopt, curl_easy_getinfo and curl_share_setopt keep their variadic types). */
/* clang-format off */
#define LIBCURL_FUNCTIONS(X) \
    X(version_info) \
    X(global_sslset) \
    X(global_init) \
    X(easy_strerror) \
    X(easy_init) \
    X(easy_reset) \
    X(easy_cleanup) \
    X(easy_setopt) \
    X(easy_getinfo) \
    X(easy_perform) \
    X(share_init) \
    X(share_setopt) \
    X(share_cleanup) \
    X(slist_append) \
    X(slist_free_all) \
    X(url) \
    X(url_set) \
    X(url_get) \
    X(url_cleanup) \
    X(free) \
    X(multi_init) \
    X(multi_add_handle) \
    X(multi_remove_handle) \
    X(multi_perform) \
    X(multi_poll) \
    X(multi_info_read) \
    X(multi_strerror) \
    X(multi_cleanup)
/* clang-format on */

#define LIBCURL_FIELD(name) __typeof__(curl_##name) *name;
/* Filled once under global_once, read-only afterwards. */
static struct {
    LIBCURL_FUNCTIONS(LIBCURL_FIELD)
} lc;
#undef LIBCURL_FIELD

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static bool global_ok;
static char global_error[768];

/* Open one candidate and check it: every function present, new enough, TLS by GnuTLS (the
 * project's one TLS library: the webhook's server and the process's certificates already use
 * it, and a second stack would cost the memory this loading saves). Returns the handle with
 * `lc` filled, or NULL with the reason in why. */
static void *load_one(const char *name, char *why, size_t whylen)
{
    void *dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        snprintf(why, whylen, "%s", e ? e : "dlopen failed");
        return NULL;
    }
    const char *missing = NULL;
#define LIBCURL_RESOLVE(fn)                                                                        \
    if (!missing && !(lc.fn = (__typeof__(lc.fn))dlsym(dl, "curl_" #fn)))                          \
        missing = "curl_" #fn;
    LIBCURL_FUNCTIONS(LIBCURL_RESOLVE)
#undef LIBCURL_RESOLVE
    if (missing) {
        snprintf(why, whylen, "%s has no %s (libcurl %s or later is needed)", name, missing,
                 LIBCURL_MIN_VERSION_STR);
        goto reject;
    }
    const curl_version_info_data *vi = lc.version_info(CURLVERSION_NOW);
    if (!vi || vi->version_num < LIBCURL_MIN_VERSION) {
        snprintf(why, whylen, "%s is libcurl %s; %s or later is needed", name,
                 vi && vi->version ? vi->version : "of unknown version", LIBCURL_MIN_VERSION_STR);
        goto reject;
    }
    /* Selects GnuTLS in a build with several TLS backends, and in a build with one only says
     * whether that one is GnuTLS. */
    if (lc.global_sslset(CURLSSLBACKEND_GNUTLS, NULL, NULL) != CURLSSLSET_OK) {
        snprintf(why, whylen, "%s %s does TLS with %s, not GnuTLS", name, vi->version,
                 vi->ssl_version ? vi->ssl_version : "nothing");
        goto reject;
    }
    return dl;
reject:
    memset(&lc, 0, sizeof lc);
    dlclose(dl);
    return NULL;
}

static void global_init(void)
{
    char why[2][320];
    const char *env = getenv(LIBCURL_ENV);
    void *dl = NULL;
    if (env && *env) {
        dl = load_one(env, why[0], sizeof why[0]);
        if (!dl) {
            snprintf(global_error, sizeof global_error, "cannot load %s (from %s): %s", env,
                     LIBCURL_ENV, why[0]);
            return;
        }
    } else {
        for (size_t i = 0; i < 2 && !dl; i++)
            dl = load_one(LIBCURL_NAMES[i], why[i], sizeof why[0]);
        if (!dl) {
            snprintf(global_error, sizeof global_error,
                     "cannot load %s: %s; nor %s: %s; install %s (libcurl %s or later)",
                     LIBCURL_NAMES[0], why[0], LIBCURL_NAMES[1], why[1], LIBCURL_PACKAGE,
                     LIBCURL_MIN_VERSION_STR);
            return;
        }
    }
    /* The library stays loaded for the life of the process (dl is never closed). */
    CURLcode rc = lc.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(global_error, sizeof global_error, "curl_global_init: %s", lc.easy_strerror(rc));
        return;
    }
    global_ok = true;
}

/* Typed wrappers for the variadic curl_easy_setopt: the argument types are what libcurl
 * reads for each kind of option (curl.h's compile-time type checks need the real symbol). */
static void opt_long(CURL *h, CURLoption o, long v)
{
    lc.easy_setopt(h, o, v);
}

static void opt_str(CURL *h, CURLoption o, const char *v)
{
    lc.easy_setopt(h, o, v);
}

static void opt_ptr(CURL *h, CURLoption o, void *v)
{
    lc.easy_setopt(h, o, v);
}

static void opt_off(CURL *h, CURLoption o, curl_off_t v)
{
    lc.easy_setopt(h, o, v);
}

static void opt_fn(CURL *h, CURLoption o, curl_write_callback v)
{
    lc.easy_setopt(h, o, v);
}

static void opt_sockopt_fn(CURL *h, CURLoption o, curl_sockopt_callback v)
{
    lc.easy_setopt(h, o, v);
}

/* ---- clients ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
    (void)h;
    (void)access;
    struct tls_id *id = ctx;
    pthread_mutex_lock(&id->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
    (void)h;
    struct tls_id *id = ctx;
    pthread_mutex_unlock(&id->share_mu[data]);
}

/* libcurl's GnuTLS backend takes TLS material only from files (no *_BLOB options), so PEM
 * given in memory goes into an anonymous memfd, read back through /proc/self/fd: nothing is
 * written to disk and nothing is left behind when the process dies. */
static fo_rc pem_to_path(int *memfd, const char *name, const char *pem, char **path,
                         fo_err *err)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return fo_err_set(err, FO_EIO, "%s: memfd_create: %s", name, strerror(errno));
    *memfd = fd;
    size_t len = strlen(pem), off = 0;
    while (off < len) {
        ssize_t n = write(fd, pem + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fo_err_set(err, FO_EIO, "%s: write: %s", name, strerror(errno));
        off += (size_t)n;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
    *path = strdup(buf);
    return *path ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
}

static fo_rc pick_path(int *memfd, const char *name, const char *file, const char *pem,
                       char **path, fo_err *err)
{
    if (pem && *pem)
        return pem_to_path(memfd, name, pem, path, err);
    if (file && *file) {
        *path = strdup(file);
        return *path ? FO_OK : fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

static void id_free(struct tls_id *id)
{
    if (!id)
        return;
    if (id->share)
        lc.share_cleanup(id->share);
    for (int i = 0; i < 2; i++)
        if (id->memfds[i] >= 0)
            close(id->memfds[i]);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&id->share_mu[i]);
    free(id->cert_path);
    free(id->key_path);
    free(id);
}

/* A client identity: the pair from a file or PEM (none when all are NULL) and a fresh share. */
static struct tls_id *id_new(const char *cert_file, const char *cert_pem, const char *key_file,
                             const char *key_pem, fo_err *err)
{
    struct tls_id *id = calloc(1, sizeof *id);
    if (!id) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    id->refs = 1;
    id->memfds[0] = id->memfds[1] = -1;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&id->share_mu[i], NULL);
    if (pick_path(&id->memfds[0], "client-cert", cert_file, cert_pem, &id->cert_path, err) !=
            FO_OK ||
        pick_path(&id->memfds[1], "client-key", key_file, key_pem, &id->key_path, err) != FO_OK)
        goto fail;
    if (!id->cert_path != !id->key_path) {
        fo_err_set(err, FO_EINVAL, "a client certificate needs both a certificate and a key");
        goto fail;
    }
    /* DNS answers and TLS sessions are shared; connections are not (libcurl documents the
     * shared connection cache as unsafe across threads), each pooled handle keeps its own. */
    id->share = lc.share_init();
    if (!id->share) {
        fo_err_set(err, FO_ENOMEM, "curl_share_init failed");
        goto fail;
    }
    lc.share_setopt(id->share, CURLSHOPT_LOCKFUNC, share_lock);
    lc.share_setopt(id->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    lc.share_setopt(id->share, CURLSHOPT_USERDATA, id);
    lc.share_setopt(id->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    lc.share_setopt(id->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return id;
fail:
    id_free(id);
    return NULL;
}

/* The identity a transfer uses, held until id_put (after its handle is pooled or freed). */
static struct tls_id *id_get(fo_http_client *c)
{
    pthread_mutex_lock(&c->mu);
    struct tls_id *id = c->id;
    id->refs++;
    pthread_mutex_unlock(&c->mu);
    return id;
}

static void id_put(fo_http_client *c, struct tls_id *id)
{
    pthread_mutex_lock(&c->mu);
    bool last = --id->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        id_free(id);
}

static bool id_is_current(fo_http_client *c, const struct tls_id *id)
{
    pthread_mutex_lock(&c->mu);
    bool current = c->id == id;
    pthread_mutex_unlock(&c->mu);
    return current;
}

fo_rc fo_http_client_set_client_cert(fo_http_client *c, const char *cert_pem,
                                     const char *key_pem, fo_err *err)
{
    fo_err_clear(err);
    struct tls_id *id = id_new(NULL, cert_pem, NULL, key_pem, err); /* a half pair: refused */
    if (!id)
        return err ? err->rc : FO_EIO;
    CURL *idle[POOL_MAX_IDLE];
    pthread_mutex_lock(&c->mu);
    struct tls_id *old = c->id;
    c->id = id;
    size_t n = c->npool;
    memcpy(idle, c->pool, n * sizeof *idle);
    c->npool = 0;
    pthread_mutex_unlock(&c->mu);
    /* client-go closes every connection when the exec plugin's certificate changes: the idle
     * ones go now, those in use when their transfer ends (streams end early, see
     * fo_http_stream). */
    for (size_t i = 0; i < n; i++)
        lc.easy_cleanup(idle[i]);
    id_put(c, old);
    return FO_OK;
}

/* Keep name as the host libcurl is to use in its URLs (an IPv6 address in brackets), once a
 * URL's host it can be. */
static fo_rc check_tls_name(fo_http_client *c, const char *name, fo_err *err)
{
    bool v6 = strchr(name, ':') && name[0] != '[';
    if (asprintf(&c->tls_name, "%s%s%s", v6 ? "[" : "", name, v6 ? "]" : "") < 0) {
        c->tls_name = NULL;
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    CURLU *u = lc.url();
    if (!u)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    CURLUcode uc = lc.url_set(u, CURLUPART_URL, "https://localhost/", 0);
    if (uc == CURLUE_OK)
        uc = lc.url_set(u, CURLUPART_HOST, c->tls_name, 0);
    lc.url_cleanup(u);
    if (uc != CURLUE_OK)
        return fo_err_set(err, FO_EINVAL, "tls server name \"%s\": not a host name", name);
    return FO_OK;
}

/* Go's ProxyFromEnvironment reads the variables once, at its first request; a client keeps
 * them from when it is made. */
static fo_rc copy_proxy_env(fo_http_client *c)
{
    fo_proxy_env env;
    fo_proxy_env_from_environ(&env);
    c->env_cgi = env.cgi;
    if ((env.http_proxy && !(c->env_http = strdup(env.http_proxy))) ||
        (env.https_proxy && !(c->env_https = strdup(env.https_proxy))) ||
        (env.no_proxy && !(c->env_no = strdup(env.no_proxy))))
        return FO_ENOMEM;
    return FO_OK;
}

fo_http_client *fo_http_client_new(const fo_http_client_opts *opts, fo_err *err)
{
    static const fo_http_client_opts none;
    if (!opts)
        opts = &none;
    pthread_once(&global_once, global_init);
    if (!global_ok) {
        fo_err_set(err, FO_EIO, "%s", global_error);
        return NULL;
    }
    fo_err_clear(err);
    fo_http_client *c = calloc(1, sizeof *c);
    if (!c) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    c->ca_memfd = -1;
    pthread_mutex_init(&c->mu, NULL);
    c->insecure = opts->insecure_skip_verify;
    c->client_go_tls = opts->client_go_tls;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_response = opts->max_response_bytes ? opts->max_response_bytes : DEFAULT_MAX_RESPONSE;
    c->user_agent = strdup(opts->user_agent ? opts->user_agent : "flinkop");
    if (!c->user_agent) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    c->max_redirects = opts->max_redirects > 0 ? opts->max_redirects : 0;
    if (opts->proxy && *opts->proxy && !(c->proxy = strdup(opts->proxy))) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    c->proxy_env = opts->proxy_env;
    if (!c->proxy && c->proxy_env == FO_HTTP_PROXY_ENV_GO && copy_proxy_env(c) != FO_OK) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        goto fail;
    }
    /* libcurl, given the name as the URL's host, would match NO_PROXY against it */
    if (opts->tls_server_name && *opts->tls_server_name && !c->proxy &&
        c->proxy_env == FO_HTTP_PROXY_ENV_CURL) {
        fo_err_set(err, FO_EINVAL,
                   "tls_server_name: needs a proxy, or proxy_env FO_HTTP_PROXY_ENV_GO or "
                   "FO_HTTP_PROXY_NONE");
        goto fail;
    }
    if (opts->tls_server_name && *opts->tls_server_name &&
        check_tls_name(c, opts->tls_server_name, err) != FO_OK)
        goto fail;
    if (opts->aws_sigv4) {
        if (!opts->aws_access_key_id || !opts->aws_secret_access_key) {
            fo_err_set(err, FO_EINVAL, "AWS signing needs an access key id and a secret key");
            goto fail;
        }
        c->aws_sigv4 = strdup(opts->aws_sigv4);
        c->aws_user = strdup(opts->aws_access_key_id);
        c->aws_secret = strdup(opts->aws_secret_access_key);
        if (!c->aws_sigv4 || !c->aws_user || !c->aws_secret) {
            fo_err_set(err, FO_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (pick_path(&c->ca_memfd, "ca", opts->ca_file, opts->ca_pem, &c->ca_path, err) != FO_OK)
        goto fail;
    c->id = id_new(opts->client_cert_file, opts->client_cert_pem, opts->client_key_file,
                   opts->client_key_pem, err);
    if (!c->id)
        goto fail;
    return c;
fail:
    fo_http_client_free(c);
    return NULL;
}

void fo_http_client_free(fo_http_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->npool; i++)
        lc.easy_cleanup(c->pool[i]);
    id_free(c->id); /* every transfer has ended: the client's reference is the last */
    if (c->ca_memfd >= 0)
        close(c->ca_memfd);
    pthread_mutex_destroy(&c->mu);
    free(c->ca_path);
    free(c->user_agent);
    free(c->proxy);
    free(c->env_http);
    free(c->env_https);
    free(c->env_no);
    free(c->tls_name);
    free(c->aws_sigv4);
    free(c->aws_user);
    if (c->aws_secret) {
        explicit_bzero(c->aws_secret, strlen(c->aws_secret));
        free(c->aws_secret);
    }
    free(c);
}

void fo_http_result_release(fo_http_result *res)
{
    if (!res)
        return;
    fo_strbuf_release(&res->body);
    if (res->warnings) {
        for (char **w = res->warnings; *w; w++)
            free(*w);
        free(res->warnings);
        res->warnings = NULL;
    }
}

static void result_init(fo_http_result *res, size_t limit)
{
    memset(res, 0, sizeof *res);
    fo_strbuf_init(&res->body, limit);
    res->retry_after_s = -1;
}

/* A handle for a transfer with the current identity (*id, held: id_put it after easy_put). */
static CURL *easy_get(fo_http_client *c, struct tls_id **id)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->mu);
    *id = c->id;
    (*id)->refs++;
    if (c->npool > 0)
        h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->mu);
    if (h)
        lc.easy_reset(h); /* keeps the handle's live connections */
    else
        h = lc.easy_init();
    return h;
}

/* Pool h, unless its identity was replaced meanwhile (its connections are the old pair's). */
static void easy_put(fo_http_client *c, CURL *h, struct tls_id *id)
{
    pthread_mutex_lock(&c->mu);
    if (c->id == id && c->npool < POOL_MAX_IDLE) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h)
        lc.easy_cleanup(h);
}

/* State shared by the callbacks of one transfer. */
struct xfer {
    fo_http_result *res;
    bool too_big;
    bool stopped_by_caller;
    bool status_told;
    bool follows, location_seen;
    bool retry_after_seen; /* this response (not an earlier one of the transfer) has one */
    size_t nwarnings;
    CURL *h;
    fo_http_head_fn on_head;
    fo_http_chunk_fn on_chunk;
    void *ctx;
    int64_t last_byte_ms; /* monotonic: when the transfer last received something */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    x->last_byte_ms = fo_clock_mono_ms(fo_clock_real());
    if (x->on_chunk) {
        if (!x->on_chunk(x->ctx, data, n)) {
            x->stopped_by_caller = true;
            return 0; /* CURLE_WRITE_ERROR ends the transfer */
        }
        return n;
    }
    if (fo_strbuf_append(&x->res->body, data, n) != FO_OK) {
        x->too_big = true;
        return 0;
    }
    return n;
}

static void free_warnings(fo_http_result *res, size_t *n)
{
    if (res->warnings) {
        for (char **w = res->warnings; *w; w++)
            free(*w);
        free(res->warnings);
        res->warnings = NULL;
    }
    *n = 0;
}

static void add_warning(struct xfer *x, const char *v, size_t len)
{
    fo_http_result *res = x->res;
    if (x->nwarnings >= MAX_WARNINGS)
        return;
    char **w = realloc(res->warnings, (x->nwarnings + 2) * sizeof *w);
    if (!w)
        return;
    res->warnings = w;
    char *s = strndup(v, len);
    if (!s) {
        w[x->nwarnings] = NULL;
        return;
    }
    w[x->nwarnings++] = s;
    w[x->nwarnings] = NULL;
}

/* Tell x->on_head what the head of the response (status code) said. */
static bool tell_head(struct xfer *x, long code)
{
    fo_http_head head = {.status = (int)code, .content_length = -1, .retry_after_s = -1};
    curl_off_t v = -1;
    if (lc.easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &v) == CURLE_OK && v >= 0)
        head.content_length = (long long)v;
    /* libcurl parses both forms of Retry-After (seconds and an HTTP date), but keeps the value
     * of an earlier response of the transfer (a redirect's) and caps nothing: only this
     * response's, at most a day. */
    v = 0;
    if (x->retry_after_seen && lc.easy_getinfo(x->h, CURLINFO_RETRY_AFTER, &v) == CURLE_OK &&
        v > 0)
        head.retry_after_s = v > FO_HTTP_RETRY_AFTER_MAX_S ? FO_HTTP_RETRY_AFTER_MAX_S : (long)v;
    return x->on_head(x->ctx, &head);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, len = n;
    x->last_byte_ms = fo_clock_mono_ms(fo_clock_real());
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): forget the previous one's headers. */
        free_warnings(x->res, &x->nwarnings);
        x->location_seen = x->retry_after_seen = false;
        return n;
    }
    if (len == 0) {
        long code = 0;
        lc.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
        /* A redirect libcurl follows is not the answer: the next response is. */
        if (x->follows && x->location_seen && code >= 300 && code < 400 && code != 304)
            return n;
        if (code >= 200 && !x->status_told) {
            x->status_told = true;
            x->res->status = (int)code;
            if (x->on_head && !tell_head(x, code)) {
                x->stopped_by_caller = true;
                return 0; /* CURLE_WRITE_ERROR ends the transfer */
            }
        }
        return n;
    }
    if (len > 9 && strncasecmp(data, "location:", 9) == 0)
        x->location_seen = true;
    if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0)
        x->retry_after_seen = true;
    static const char warning[] = "warning:";
    if (len > sizeof warning - 1 && strncasecmp(data, warning, sizeof warning - 1) == 0) {
        const char *v = data + sizeof warning - 1;
        size_t vlen = len - (sizeof warning - 1);
        while (vlen > 0 && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        add_warning(x, v, vlen);
    }
    return n;
}

static bool has_header(const fo_http_header *headers, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(headers[i].name, name) == 0)
            return true;
    return false;
}

/* client_go_tls: Go's http.Transport does an https proxy's handshake with the same
 * TLSClientConfig as the server's (net/http transport.go: dialConn runs addTLS on the proxy's
 * address before the CONNECT), so client-go checks the proxy with the cluster's CA alone, not
 * at all under insecure-skip-tls-verify, and offers the client certificate to a proxy that
 * asks for one. Go would also check the proxy against a tls-server-name (its ServerName);
 * libcurl checks it against the proxy's host, the one name it can. */
static void proxy_tls_as_server(const fo_http_client *c, const struct tls_id *id, CURL *h)
{
    if (c->insecure) {
        opt_long(h, CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
        opt_long(h, CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
    } else {
        opt_long(h, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
        opt_long(h, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
        if (c->ca_path) {
            opt_str(h, CURLOPT_PROXY_CAINFO, c->ca_path);
            opt_str(h, CURLOPT_PROXY_CAPATH, NULL);
        }
    }
    if (id->cert_path) {
        opt_str(h, CURLOPT_PROXY_SSLCERT, id->cert_path);
        opt_str(h, CURLOPT_PROXY_SSLCERTTYPE, "PEM");
        opt_str(h, CURLOPT_PROXY_SSLKEY, id->key_path);
        opt_str(h, CURLOPT_PROXY_SSLKEYTYPE, "PEM");
    }
}

/* What setup() makes for one transfer; libcurl reads it until the transfer ends. */
struct prep {
    struct curl_slist *headers;
    struct curl_slist *connect_to;
    char *url; /* the URL libcurl is given when it is not the caller's (libcurl's heap) */
};

static void prep_release(struct prep *p)
{
    lc.slist_free_all(p->headers);
    lc.slist_free_all(p->connect_to);
    lc.free(p->url);
    memset(p, 0, sizeof *p);
}

/* tls_server_name. libcurl checks the server's certificate against the URL's host, and sends
 * that as SNI, with no option to name another, so libcurl is given the URL with its host
 * replaced by the name, CURLOPT_CONNECT_TO takes the connection to the URL's real host and
 * port (a proxy's CONNECT asks for them too), and the Host header names them as the URL has
 * them, as Go's transport sends req.URL.Host. libcurl tells connections and TLS sessions
 * apart by both names, so a kept one is reused for the same pair only. */
static fo_rc aim_at_tls_name(const fo_http_client *c, const char *url, bool own_host,
                             struct prep *p, fo_err *err)
{
    CURLU *u = lc.url();
    char *host = NULL, *port = NULL, *given = NULL, *line = NULL;
    fo_rc rc = FO_OK;
    if (!u)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    if (lc.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        lc.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        lc.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        lc.url_set(u, CURLUPART_HOST, c->tls_name, 0) != CURLUE_OK ||
        lc.url_get(u, CURLUPART_URL, &p->url, 0) != CURLUE_OK) {
        rc = fo_err_set(err, FO_EINVAL, "%s: not a URL", url);
        goto out;
    }
    if (lc.url_get(u, CURLUPART_PORT, &given, 0) != CURLUE_OK)
        given = NULL; /* none written: the Host header has none either */
    if (asprintf(&line, "%s:%s:%s:%s", c->tls_name, port, host, port) < 0) {
        line = NULL;
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    p->connect_to = lc.slist_append(NULL, line);
    free(line);
    line = NULL;
    if (!p->connect_to) {
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        goto out;
    }
    if (own_host)
        goto out;
    struct curl_slist *nl = NULL;
    if (asprintf(&line, "Host: %s%s%s", host, given ? ":" : "", given ? given : "") >= 0)
        nl = lc.slist_append(p->headers, line);
    else
        line = NULL;
    if (nl)
        p->headers = nl;
    else
        rc = fo_err_set(err, FO_ENOMEM, "out of memory");
out:
    free(line);
    lc.free(host);
    lc.free(port);
    lc.free(given);
    lc.url_cleanup(u);
    return rc;
}

/* Every connection's socket (to the server, or to a proxy), before it connects: give up a
 * silent dead peer after DEAD_PEER_MS (see KEEPALIVE_IDLE_S). libcurl's keepalive options
 * cannot set the probe count before 8.9, so all of it is set here. Best effort: a socket that
 * refuses an option still connects. */
static int on_socket(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
    (void)ctx;
    (void)purpose;
    int on = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTERVAL_S, cnt = KEEPALIVE_PROBES;
    unsigned int user_timeout_ms = DEAD_PEER_MS;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
    return CURL_SOCKOPT_OK;
}

/* Options common to plain requests and streams, with what they need kept in *p (released by
 * the caller with prep_release, whatever this returns). */
static fo_rc setup(fo_http_client *c, const struct tls_id *id, CURL *h, const char *url,
                   const fo_http_header *headers, size_t nheaders, bool has_body,
                   struct prep *p, char *errbuf, struct xfer *x, fo_err *err)
{
    struct curl_slist *l = NULL;
    fo_strbuf line;
    fo_strbuf_init(&line, 0);
    fo_rc rc = FO_OK;
    for (size_t i = 0; i < nheaders && rc == FO_OK; i++) {
        fo_strbuf_reset(&line);
        if (strpbrk(headers[i].name, "\r\n:") || strpbrk(headers[i].value, "\r\n")) {
            rc = fo_err_set(err, FO_EINVAL, "header %s: line breaks are not allowed",
                            headers[i].name);
            break;
        }
        rc = fo_strbuf_printf(&line, "%s: %s", headers[i].name, headers[i].value);
        struct curl_slist *nl = rc == FO_OK ? lc.slist_append(l, line.data) : NULL;
        if (!nl && rc == FO_OK)
            rc = fo_err_set(err, FO_ENOMEM, "out of memory");
        if (nl)
            l = nl;
    }
    /* Bodies we send are JSON unless the caller said otherwise (libcurl would default to a
     * form encoding); and no "Expect: 100-continue" round trip. */
    if (rc == FO_OK && has_body && !has_header(headers, nheaders, "Content-Type")) {
        struct curl_slist *nl = lc.slist_append(l, "Content-Type: application/json");
        l = nl ? nl : l;
    }
    x->follows = c->max_redirects > 0;
    if (rc == FO_OK && has_body) {
        struct curl_slist *nl = lc.slist_append(l, "Expect:");
        l = nl ? nl : l;
    }
    fo_strbuf_release(&line);
    p->headers = l;
    if (rc == FO_OK && c->tls_name && strncasecmp(url, "https:", 6) == 0)
        rc = aim_at_tls_name(c, url, has_header(headers, nheaders, "Host"), p, err);
    if (rc != FO_OK)
        return rc;

    errbuf[0] = '\0';
    opt_str(h, CURLOPT_URL, p->url ? p->url : url);
    opt_ptr(h, CURLOPT_HTTPHEADER, p->headers);
    opt_ptr(h, CURLOPT_CONNECT_TO, p->connect_to);
    opt_ptr(h, CURLOPT_ERRORBUFFER, errbuf);
    opt_long(h, CURLOPT_NOSIGNAL, 1L);
    opt_ptr(h, CURLOPT_SHARE, id->share);
    opt_str(h, CURLOPT_USERAGENT, c->user_agent);
    opt_long(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    opt_str(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->proxy) {
        /* A proxy named for this client is used for every host: "" overrides NO_PROXY. */
        opt_str(h, CURLOPT_PROXY, c->proxy);
        opt_str(h, CURLOPT_NOPROXY, "");
    } else if (c->proxy_env != FO_HTTP_PROXY_ENV_CURL) {
        /* Decided here for the caller's URL (its real host, not a tls_server_name). An empty
         * CURLOPT_PROXY is no proxy at all: libcurl then reads none of its variables. */
        char *chosen = NULL;
        if (c->proxy_env == FO_HTTP_PROXY_ENV_GO) {
            fo_proxy_env env = {c->env_http, c->env_https, c->env_no, c->env_cgi};
            rc = fo_proxy_env_for_url(&env, url, &chosen, err);
            if (rc != FO_OK) {
                fo_err_wrap(err, "proxy for %s", url);
                return rc;
            }
        }
        opt_str(h, CURLOPT_PROXY, chosen ? chosen : "");
        opt_str(h, CURLOPT_NOPROXY, chosen ? "" : "*");
        free(chosen);
    }
    if (c->max_redirects > 0) {
        opt_long(h, CURLOPT_FOLLOWLOCATION, 1L);
        opt_long(h, CURLOPT_MAXREDIRS, c->max_redirects);
        /* An https URL may only be redirected to https. */
        opt_str(h, CURLOPT_REDIR_PROTOCOLS_STR,
                strncasecmp(url, "https:", 6) == 0 ? "https" : "http,https");
    } else {
        opt_long(h, CURLOPT_FOLLOWLOCATION, 0L);
    }
    if (c->aws_sigv4) {
        opt_str(h, CURLOPT_AWS_SIGV4, c->aws_sigv4);
        opt_str(h, CURLOPT_USERNAME, c->aws_user);
        opt_str(h, CURLOPT_PASSWORD, c->aws_secret);
    }
    opt_sockopt_fn(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
    opt_fn(h, CURLOPT_WRITEFUNCTION, on_body);
    opt_ptr(h, CURLOPT_WRITEDATA, x);
    opt_fn(h, CURLOPT_HEADERFUNCTION, on_header);
    opt_ptr(h, CURLOPT_HEADERDATA, x);
    if (c->insecure) {
        opt_long(h, CURLOPT_SSL_VERIFYPEER, 0L);
        opt_long(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        opt_long(h, CURLOPT_SSL_VERIFYPEER, 1L);
        opt_long(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (c->ca_path)
            opt_str(h, CURLOPT_CAINFO, c->ca_path);
        /* Go's RootCAs replace the system's pool; libcurl would also trust its CA directory. */
        if (c->ca_path && c->client_go_tls)
            opt_str(h, CURLOPT_CAPATH, NULL);
    }
    if (c->client_go_tls)
        proxy_tls_as_server(c, id, h);
    if (id->cert_path) {
        opt_str(h, CURLOPT_SSLCERT, id->cert_path);
        opt_str(h, CURLOPT_SSLCERTTYPE, "PEM");
        opt_str(h, CURLOPT_SSLKEY, id->key_path);
        opt_str(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    return FO_OK;
}

/* libcurl quotes a proxy it cannot use as it was given ("Unsupported proxy syntax in
 * 'http://alice:s3cret@proxy.corp:3128'"), and an error text is logged and shown by the
 * unauthenticated health endpoints (an informer's reason in /readyz): into out, text with the
 * password of every URL in it written "xxxxx", as Go's URL.Redacted writes it (and all after
 * the ':' of an authority the text ends in, which its cut may have left without its '@'). */
static void redact_passwords(const char *text, char *out, size_t len)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    const char *p = text;
    for (const char *s; (s = strstr(p, "://"));) {
        const char *auth = s + 3;
        size_t n = strcspn(auth, "/?#'\" \t\r\n");
        const char *at = NULL; /* the userinfo ends at the authority's last '@', as in Go */
        for (size_t i = 0; i < n; i++)
            if (auth[i] == '@')
                at = auth + i;
        /* libcurl cuts its text at CURL_ERROR_SIZE: an authority running to the end may have
         * lost its '@' to the cut, so what follows its first ':' may be a password */
        bool cut = !at && auth[n] == '\0';
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (cut)
            colon = memchr(auth, ':', n);
        if (colon) {
            fo_strbuf_append(&sb, p, (size_t)(colon + 1 - p));
            fo_strbuf_puts(&sb, "xxxxx");
            p = at ? at : auth + n;
        } else {
            fo_strbuf_append(&sb, p, (size_t)(auth + n - p));
            p = auth + n;
        }
    }
    fo_strbuf_puts(&sb, p);
    snprintf(out, len, "%s", sb.data);
    fo_strbuf_release(&sb);
}

/* Map a failed transfer to our codes. Failures before anything was sent get the reason
 * "ConnectFailed" so callers know a retry cannot repeat a write. */
static fo_rc map_curl(const fo_http_client *c, CURL *h, CURLcode cc, const char *errbuf,
                      const char *method, const char *url, fo_err *err)
{
    char detail[2 * CURL_ERROR_SIZE];
    redact_passwords(errbuf && *errbuf ? errbuf : lc.easy_strerror(cc), detail, sizeof detail);
    fo_rc rc;
    const char *reason = "";
    if (cc == CURLE_TOO_MANY_REDIRECTS) {
        return fo_err_set(err, FO_EIO, "%s %s: more than %ld redirects", method, url,
                          c->max_redirects);
    }
    if (cc == CURLE_UNSUPPORTED_PROTOCOL && c->max_redirects > 0) {
        /* After a refused redirect the effective URL is the refused target. */
        char *eff = NULL;
        bool tls = strncasecmp(url, "https:", 6) == 0;
        if (lc.easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff &&
            strcmp(eff, url) != 0)
            return fo_err_set(err, FO_EIO, "%s %s: redirect to %s refused (only to %s)", method,
                              url, eff, tls ? "https: https is never downgraded" : "http or https");
    }
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        rc = FO_ETIMEOUT;
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        rc = FO_EUNAVAIL;
        reason = "ConnectFailed";
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        rc = FO_EUNAVAIL;
        break;
    case CURLE_OUT_OF_MEMORY:
        rc = FO_ENOMEM;
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        rc = FO_EINVAL;
        break;
    default:
        rc = FO_EIO;
        break;
    }
    fo_err_set(err, rc, "%s %s: %s", method, url, detail);
    if (err)
        snprintf(err->reason, sizeof err->reason, "%s", reason);
    return rc;
}

static void finish_result(CURL *h, fo_http_result *res)
{
    long code = 0;
    lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    res->status = (int)code;
    char *ct = NULL;
    if (lc.easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(res->content_type, sizeof res->content_type, "%s", ct);
    /* libcurl parses both forms of Retry-After (seconds and an HTTP date). */
    curl_off_t ra = 0;
    if (lc.easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        res->retry_after_s = ra > FO_HTTP_RETRY_AFTER_MAX_S ? FO_HTTP_RETRY_AFTER_MAX_S : (long)ra;
}

fo_rc fo_http_client_request(fo_http_client *c, const char *method, const char *url,
                             const fo_http_header *headers, size_t nheaders, const char *body,
                             size_t body_len, long timeout_ms, fo_http_result *res, fo_err *err)
{
    result_init(res, c ? c->max_response : 0);
    fo_err_clear(err);
    if (!c || !method || !url)
        return fo_err_set(err, FO_EINVAL, "http request: missing client, method or url");
    struct tls_id *id;
    CURL *h = easy_get(c, &id);
    if (!h) {
        id_put(c, id);
        return fo_err_set(err, FO_ENOMEM, "curl_easy_init failed");
    }
    struct prep prep = {0};
    char errbuf[CURL_ERROR_SIZE];
    struct xfer x = {.res = res, .h = h};
    bool is_get = strcmp(method, "GET") == 0, is_head = strcmp(method, "HEAD") == 0;
    bool send_body = body != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                     strcmp(method, "PATCH") == 0;
    fo_rc rc = setup(c, id, h, url, headers, nheaders, send_body, &prep, errbuf, &x, err);
    if (rc != FO_OK)
        goto out;
    opt_long(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : c->timeout_ms);
    if (is_head) {
        opt_long(h, CURLOPT_NOBODY, 1L);
    } else if (is_get && !body) {
        opt_long(h, CURLOPT_HTTPGET, 1L);
    } else {
        if (send_body) {
            opt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
            opt_str(h, CURLOPT_POSTFIELDS, body ? body : "");
        }
        opt_str(h, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode cc = lc.easy_perform(h);
    finish_result(h, res);
    if (x.too_big) {
        rc = fo_err_set(err, FO_ELIMIT, "%s %s: response body over %zu bytes", method, url,
                        c->max_response);
    } else if (cc != CURLE_OK) {
        res->status = 0; /* a partial response is no response */
        rc = map_curl(c, h, cc, errbuf, method, url, err);
    }
out:
    prep_release(&prep);
    if (rc == FO_OK)
        easy_put(c, h, id);
    else
        lc.easy_cleanup(h); /* its connection may be in an odd state */
    id_put(c, id);
    return rc;
}

/* A stop flag carries no data (whoever sets it joins the thread after): relaxed is enough. */
static bool stopped(const atomic_int *stop)
{
    return stop && atomic_load_explicit(stop, memory_order_relaxed);
}

fo_rc fo_http_stream_with(fo_http_client *c, const char *url, const fo_http_header *headers,
                          size_t nheaders, const fo_http_stream_opts *o, fo_err *err)
{
    fo_err_clear(err);
    if (!c || !url || !o || !o->on_chunk)
        return fo_err_set(err, FO_EINVAL, "http stream: missing client, url or callback");
    if (stopped(o->stop))
        return fo_err_set(err, FO_ESHUTDOWN, "GET %s: stopped", url);
    fo_http_result res;
    result_init(&res, 0);
    struct tls_id *id = id_get(c);
    CURL *h = lc.easy_init();
    CURLM *m = lc.multi_init();
    struct prep prep = {0};
    char errbuf[CURL_ERROR_SIZE];
    struct xfer x = {.res = &res,
                     .h = h,
                     .on_head = o->on_head,
                     .on_chunk = o->on_chunk,
                     .ctx = o->ctx,
                     .last_byte_ms = fo_clock_mono_ms(fo_clock_real())};
    fo_rc rc = FO_OK;
    if (!h || !m) {
        rc = fo_err_set(err, FO_ENOMEM, "curl init failed");
        goto out;
    }
    rc = setup(c, id, h, url, headers, nheaders, false, &prep, errbuf, &x, err);
    if (rc != FO_OK)
        goto out;
    opt_long(h, CURLOPT_HTTPGET, 1L);
    opt_long(h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 0L);
    /* The multi interface lets us wake every STREAM_POLL_MS to look at the stop flag, which
     * the progress callback (about once a second when idle) could not promise. */
    lc.multi_add_handle(m, h);
    int running = 1;
    bool ended_here = false; /* by us, as if the server had closed the stream */
    while (running) {
        CURLMcode mc = lc.multi_perform(m, &running);
        if (mc != CURLM_OK) {
            rc = fo_err_set(err, FO_EIO, "GET %s: %s", url, lc.multi_strerror(mc));
            break;
        }
        if (!running)
            break;
        if (stopped(o->stop)) {
            rc = fo_err_set(err, FO_ESHUTDOWN, "GET %s: stopped", url);
            break;
        }
        if (!id_is_current(c, id) || (o->still_wanted && !o->still_wanted(o->ctx))) {
            /* As client-go closes the connections of a rotated exec certificate: the stream
             * ends as if the server had closed it, and the caller opens it again (a watch
             * from its last resourceVersion) with the new pair. */
            ended_here = true;
            break;
        }
        /* libcurl's low-speed limit would measure whole seconds over a sliding 5 s window;
         * this is the silence itself, to the poll. */
        int64_t quiet_ms = fo_clock_mono_ms(fo_clock_real()) - x.last_byte_ms;
        if (o->idle_timeout_ms > 0 && quiet_ms >= o->idle_timeout_ms) {
            rc = fo_err_set(err, FO_ETIMEOUT, "GET %s: nothing received for %lld ms", url,
                            (long long)quiet_ms);
            if (err)
                snprintf(err->reason, sizeof err->reason, "Idle");
            break;
        }
        mc = lc.multi_poll(m, NULL, 0, STREAM_POLL_MS, NULL);
        if (mc != CURLM_OK) {
            rc = fo_err_set(err, FO_EIO, "GET %s: %s", url, lc.multi_strerror(mc));
            break;
        }
    }
    if (rc == FO_OK && !ended_here) {
        CURLcode cc = CURLE_OK;
        int left = 0;
        CURLMsg *msg;
        while ((msg = lc.multi_info_read(m, &left)))
            if (msg->msg == CURLMSG_DONE)
                cc = msg->data.result;
        if (x.stopped_by_caller)
            cc = CURLE_OK;
        if (cc != CURLE_OK)
            rc = map_curl(c, h, cc, errbuf, "GET", url, err);
        else if (!x.status_told && o->on_head) {
            long code = 0;
            lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            x.status_told = true;
            tell_head(&x, code);
        }
    }
    lc.multi_remove_handle(m, h);
out:
    prep_release(&prep);
    if (m)
        lc.multi_cleanup(m);
    if (h)
        lc.easy_cleanup(h);
    id_put(c, id);
    fo_http_result_release(&res);
    return rc;
}

fo_rc fo_http_stream(fo_http_client *c, const char *url, const fo_http_header *headers,
                     size_t nheaders, long timeout_ms, fo_http_head_fn on_head,
                     fo_http_chunk_fn on_chunk, void *ctx, const atomic_int *stop, fo_err *err)
{
    fo_http_stream_opts o = {.timeout_ms = timeout_ms,
                             .on_head = on_head,
                             .on_chunk = on_chunk,
                             .ctx = ctx,
                             .stop = stop};
    return fo_http_stream_with(c, url, headers, nheaders, &o, err);
}

fo_rc fo_http_query_escape(fo_strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    fo_rc rc = FO_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == FO_OK; p++) {
        /* RFC 3986 section 2.3: only unreserved characters go through as they are. */
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rc = fo_strbuf_putc(sb, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = fo_strbuf_append(sb, enc, 3);
        }
    }
    return rc;
}
