#ifndef FO_KUBE_CONFIG_H
#define FO_KUBE_CONFIG_H

/* Where the API server is and how to authenticate to it: in-cluster service-account config
 * (kube-api-semantics.md §11) or kubeconfig files (the `clientcmd` format: clusters, users,
 * contexts, current-context).
 *
 * Supported kubeconfig fields: clusters[].cluster.{server (with a path prefix),
 * certificate-authority, certificate-authority-data, insecure-skip-tls-verify, tls-server-name
 * (the name the server's certificate is checked against and sent as SNI; the connection still
 * goes to server's host), proxy-url (http, https or socks5, dialled at its scheme's port when it
 * names none, socks5 resolving names on the proxy as Go's dialer does; without it the proxy
 * comes from HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Go's http.ProxyFromEnvironment reads them,
 * as with client-go: common/proxy_env.h)},
 * users[].user.{token, tokenFile, client-certificate(-data), client-key(-data), exec},
 * contexts[].context.{cluster, user, namespace}, current-context. Relative file paths are
 * resolved against the directory of the kubeconfig that names them. A path list (`a:b`, as in
 * $KUBECONFIG) is merged like kubectl does: the first file that defines a name (cluster, user,
 * context) or current-context wins. Unsupported authentication (auth-provider,
 * username/password) is refused with an error naming the field. The CA given (kubeconfig or
 * in-cluster) is the only one trusted, and an https proxy is checked with the cluster's CA,
 * insecure flag and client certificate, as client-go's transport does
 * (fo_http_client_opts.client_go_tls).
 *
 * Bearer tokens read from a file (in-cluster, or tokenFile) are re-read when the cached copy
 * is older than token_refresh_ms (kubelet rotates projected tokens; client-go re-reads about
 * once a minute), never cached for the life of the process.
 *
 * An exec credential plugin (users[].user.exec: `aws eks get-token`, gke-gcloud-auth-plugin,
 * kubelogin; client.authentication.k8s.io v1 or v1beta1) is used as client-go uses it: only
 * when the user has no token, tokenFile or client certificate; run without a terminal
 * (interactiveMode Always is refused), with exec.env and KUBERNETES_EXEC_INFO in its
 * environment; its credential kept until status.expirationTimestamp passes or the API server
 * refuses it (fo_kube_config_token_stale, fo_kube_config_credential_refused), then the plugin
 * runs again. The credential is a token, a client certificate pair
 * (status.clientCertificateData and clientKeyData, PEM, checked to load), or both; the kube
 * client presents the pair (fo_kube_config_exec_cert) on its connections.
 *
 * Errors name the file and the field ("/x/config: users[0].user.client-key-data: not valid
 * base64"). A fo_kube_config is immutable after loading except for the token cache, which is
 * guarded: every function is thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/rc.h"

/* Largest kubeconfig file we read. */
#define FO_KUBECONFIG_MAX_BYTES (4u * 1024 * 1024)
/* Largest token, CA or key file we read. */
#define FO_KUBE_CRED_MAX_BYTES (1u * 1024 * 1024)
/* Where a Pod finds its service account (§11). */
#define FO_KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define FO_KUBE_TOKEN_REFRESH_MS 60000
/* Longest an exec credential plugin may take to answer and exit (it is killed then, with
 * whatever it started in its process group). */
#define FO_KUBE_EXEC_TIMEOUT_MS 60000

typedef struct fo_kube_config fo_kube_config;

typedef struct fo_kube_config_opts {
    const char *kubeconfig; /* kubeconfig path or ':'-separated list; NULL = see load() */
    const char *context;    /* context name; NULL = current-context */
    /* In-cluster settings (each NULL = the real one: environment or FO_KUBE_SA_DIR). */
    const char *host;           /* KUBERNETES_SERVICE_HOST */
    const char *port;           /* KUBERNETES_SERVICE_PORT */
    const char *token_path;     /* FO_KUBE_SA_DIR/token */
    const char *ca_path;        /* FO_KUBE_SA_DIR/ca.crt */
    const char *namespace_path; /* FO_KUBE_SA_DIR/namespace */
    const fo_clock *clock;      /* times token re-reads; NULL = real clock */
    long token_refresh_ms;      /* 0 = FO_KUBE_TOKEN_REFRESH_MS */
    long exec_timeout_ms;       /* an exec plugin's whole run; 0 = FO_KUBE_EXEC_TIMEOUT_MS */
} fo_kube_config_opts;

/* In-cluster config. FO_ENOTFOUND when host or port is missing (not in a cluster);
 * FO_EIO/FO_EINVAL when the token or CA cannot be read. The namespace file is optional
 * (namespace "default" without it). */
fo_kube_config *fo_kube_config_in_cluster(const fo_kube_config_opts *opts, fo_err *err);

/* From kubeconfig file(s) opts->kubeconfig (required here) and opts->context. */
fo_kube_config *fo_kube_config_from_kubeconfig(const fo_kube_config_opts *opts, fo_err *err);

/* The usual search (controller-runtime's): opts->kubeconfig when set, else $KUBECONFIG when
 * set, else in-cluster when KUBERNETES_SERVICE_HOST is set, else $HOME/.kube/config. */
fo_kube_config *fo_kube_config_load(const fo_kube_config_opts *opts, fo_err *err);

void fo_kube_config_free(fo_kube_config *kc);

/* Base URL without a trailing slash: "https://10.96.0.1:443", "https://h:6443/prefix".
 * Borrowed: valid while kc lives. */
const char *fo_kube_config_server(const fo_kube_config *kc);

/* Default namespace: the context's, or the in-cluster namespace file's, else "default". */
const char *fo_kube_config_namespace(const fo_kube_config *kc);

/* Where the config came from ("in-cluster" or the kubeconfig path), for messages. */
const char *fo_kube_config_source(const fo_kube_config *kc);

/* Fill the connection part of http client options (CA, client certificate, insecure flag,
 * tls-server-name, the cluster's proxy or else the environment's as client-go reads it
 * (FO_HTTP_PROXY_ENV_GO), client_go_tls). The strings are borrowed from kc; other fields of
 * out are left as they are. */
void fo_kube_config_tls_opts(const fo_kube_config *kc, fo_http_client_opts *out);

/* The current bearer token into buf ("" when the config has none). A token file is re-read
 * when the cached copy is older than the refresh interval or after fo_kube_config_token_stale;
 * when a re-read fails the previous token is kept (and logged). An exec plugin runs when its
 * token expired or went stale (other callers wait for it). FO_ELIMIT when buf is too small,
 * FO_EIO when the file was never readable or the plugin failed (FO_ETIMEOUT, FO_EPROTO for a
 * plugin that hung or answered nonsense). */
fo_rc fo_kube_config_token(fo_kube_config *kc, char *buf, size_t len, fo_err *err);

/* fo_kube_config_token, and the generation of the exec plugin's credential it belongs to into
 * *gen (counts the plugin's successful runs; 0 for configs without a plugin). */
fo_rc fo_kube_config_credential(fo_kube_config *kc, char *buf, size_t len, uint64_t *gen,
                                fo_err *err);

/* The exec plugin's client certificate pair (PEM) when the plugin's credential is not of
 * generation `have` any more: returns the current generation, with heap copies of the pair
 * in *cert_pem and *key_pem (the caller wipes the key and frees both), or both NULL when that
 * credential has no certificate (or when the generation is still `have`). Thread-safe. */
uint64_t fo_kube_config_exec_cert(fo_kube_config *kc, uint64_t have, char **cert_pem,
                                  char **key_pem);

/* Whether a credential of the exec plugin newer than generation gen (from
 * fo_kube_config_credential) came with another client certificate pair than gen's: then
 * connections made with gen's pair, of any client of kc, are to end (client-go's exec
 * authenticator, one per plugin configuration, closes all of them when its pair rotates). A
 * new credential with the same pair (a token reissued) does not count. false without a plugin.
 * Cheap, and never waits for a plugin run in progress; thread-safe. */
bool fo_kube_config_exec_cert_replaced(fo_kube_config *kc, uint64_t gen);

/* Mark the cached token stale (after a 401), so the next fo_kube_config_token re-reads. */
void fo_kube_config_token_stale(fo_kube_config *kc);

/* The API server refused `token` (401): mark the cache stale only when it still holds that
 * token. Requests in flight with the old token all come back refused; the first one has the
 * token re-read or the plugin run, the others then find a new token and use it (client-go's
 * maybeRefreshCreds), instead of running the plugin once each. Thread-safe. */
void fo_kube_config_token_refused(fo_kube_config *kc, const char *token);

/* The same for a request made with `token` and the exec credential of generation gen (from
 * fo_kube_config_credential): with a plugin, stale only when the plugin's credential is still
 * that generation (a certificate-only credential has the token "" every time). gen 0 =
 * compare the token only. */
void fo_kube_config_credential_refused(fo_kube_config *kc, const char *token, uint64_t gen);

#endif
