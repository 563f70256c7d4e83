#ifndef FO_KUBE_CONFIG_INTERNAL_H
#define FO_KUBE_CONFIG_INTERNAL_H

/* Shared between kube_config.c (in-cluster, tokens) and kube_config_file.c (kubeconfig
 * files); not for other modules. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/kube_config.h"

struct fo_kube_config {
    char *server, *ns, *source;
    char *ca_file, *ca_pem;
    char *cert_file, *cert_pem, *key_file, *key_pem;
    bool insecure;
    char *static_token;
    char *token_file;
    const fo_clock *clock;
    long refresh_ms;
    pthread_mutex_t mu; /* guards the token cache below */
    char *cached_token;
    int64_t read_mono_ms;
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

/* A copy of s without leading and trailing whitespace. */
char *fo_kube_config_trim_dup(const char *s);

#endif
