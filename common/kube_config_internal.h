#ifndef FO_KUBE_CONFIG_INTERNAL_H
#define FO_KUBE_CONFIG_INTERNAL_H

/* Shared between kube_config.c (in-cluster, tokens), kube_config_file.c (kubeconfig files)
 * and kube_config_exec.c (exec credential plugins); not for other modules. */

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/kube_config.h"

/* An exec credential plugin (kube_config_exec.c). */
typedef struct fo_kube_exec fo_kube_exec;

struct fo_kube_config {
    char *server, *ns, *source;
    char *ca_file, *ca_pem;
    char *cert_file, *cert_pem, *key_file, *key_pem;
    bool insecure;
    char *proxy_url; /* clusters[].cluster.proxy-url, in libcurl's terms; NULL = none */
    char *tls_server_name; /* clusters[].cluster.tls-server-name; NULL = the server's host */
    char *static_token;
    char *token_file;
    fo_kube_exec *exec; /* NULL unless the user's credential comes from a plugin */
    const fo_clock *clock;
    long refresh_ms;
    long exec_timeout_ms; /* an exec plugin's whole run */
    pthread_mutex_t mu; /* guards the token cache below */
    char *cached_token;    /* "" when the exec plugin gave a certificate only */
    char *exec_cert_pem;   /* the exec plugin's client certificate pair, or NULL */
    char *exec_key_pem;
    uint64_t exec_gen;     /* successful exec plugin runs so far */
    /* The run whose pair exec_cert_pem is (0: never a pair). Written under mu, read without
     * it: every running watch asks for it every 100 ms, and mu is held for a whole plugin
     * run (up to exec_timeout_ms), which must not stop the watches' streams meanwhile. */
    _Atomic uint64_t exec_cert_gen;
    int64_t read_mono_ms;
    int64_t expiry_ms; /* the exec plugin's token expires then (wall ms; 0 = never) */
    bool stale;
};

/* An empty config with the clock and refresh interval of o (may be NULL). */
fo_kube_config *fo_kube_config_new_empty(const fo_kube_config_opts *o);

/* Read a whole file of at most limit bytes into a heap string; errors say "<what> <path>". */
fo_rc fo_kube_config_read_file(const char *path, size_t limit, char **out, size_t *out_len,
                               const char *what, fo_err *err);

/* RFC 4648 standard base64 to a NUL-terminated heap buffer (whitespace skipped, padding
 * optional); NULL when not valid base64. *out_len gets the decoded length. */
char *fo_kube_config_b64_decode(const char *in, size_t *out_len);

/* The plugin of users[].user.exec (borrowed) of a kubeconfig in directory dir. cluster
 * (borrowed, may be NULL) is what KUBERNETES_EXEC_INFO tells about the cluster when the
 * plugin asks for it (provideClusterInfo). where prefixes messages ("<file>:
 * users[1].user.exec"). NULL with err naming the field. */
fo_kube_exec *fo_kube_exec_new(const json_t *exec, const char *dir, const json_t *cluster,
                               const char *where, fo_err *err);
void fo_kube_exec_free(fo_kube_exec *x);

/* What a plugin answered: a token, a client certificate pair, or both (client-go's rules). */
typedef struct fo_kube_exec_cred {
    char *token;    /* NULL when the plugin gave a certificate only */
    char *cert_pem; /* status.clientCertificateData and clientKeyData: both or neither */
    char *key_pem;
    int64_t expiry_ms; /* status.expirationTimestamp (epoch ms, 0 = none) */
} fo_kube_exec_cred;

/* Wipe and free what c holds; c is left empty. */
void fo_kube_exec_cred_clear(fo_kube_exec_cred *c);

/* Run the plugin: it must answer and exit within timeout_ms, or it is killed with its process
 * group (FO_ETIMEOUT). Its credential into *out (emptied first; the caller clears it). A
 * certificate pair must parse and the key must be the certificate's. Errors name the command,
 * never the answer (it holds the secrets). */
fo_rc fo_kube_exec_run(const fo_kube_exec *x, long timeout_ms, fo_kube_exec_cred *out,
                       fo_err *err);

/* A copy of s without leading and trailing whitespace. */
char *fo_kube_config_trim_dup(const char *s);

#endif
