#ifndef FO_WH_CONFIG_H
#define FO_WH_CONFIG_H

/* flinkop-webhook's flags and their FLINKOP_* environment equivalents (a flag wins over its
 * variable):
 *
 *   --port N (9443; 0: any)   --tls-cert FILE   --tls-key FILE   --defaults FILE
 *   --kubeconfig FILE   --log-level LEVEL   --bind-address ADDR (0.0.0.0)
 *   --plain-http[=BOOL]   --shutdown-delay SEC   --reconcile-interval D (15s)
 *   --cluster-cache-stale-after D (60s)   --namespaces a,b (all)   --check-defaults FILE
 *   --help
 *
 * FLINKOP_PORT, FLINKOP_TLS_CERT, FLINKOP_TLS_KEY, FLINKOP_DEFAULTS, FLINKOP_KUBECONFIG,
 * FLINKOP_LOG_LEVEL, FLINKOP_BIND_ADDRESS, FLINKOP_PLAIN_HTTP=BOOL, FLINKOP_SHUTDOWN_DELAY,
 * FLINKOP_RECONCILE_INTERVAL, FLINKOP_CLUSTER_CACHE_STALE_AFTER, FLINKOP_NAMESPACES.
 * A BOOL is true, false, 1, 0, yes or no (any case); --plain-http alone means true, as for
 * Kubernetes components, and it takes =BOOL or (unlike theirs) the next argument when that is
 * no flag. Kept apart from main so that the install
 * manifests' arguments can be read by the same code in tests (tests/integration/
 * test_manifests.c). */

#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "common/rc.h"

/* The longest --shutdown-delay: Kubernetes kills after terminationGracePeriodSeconds anyway. */
#define FO_WH_MAX_SHUTDOWN_DELAY_S 300
/* --reconcile-interval when not given: the controller's default --observe-interval. */
#define FO_WH_DEFAULT_RECONCILE_INTERVAL_MS 15000
/* --cluster-cache-stale-after when not given: twice the watch's longest retry backoff, so one
 * failed retry does not count. */
#define FO_WH_DEFAULT_CLUSTER_CACHE_STALE_AFTER_MS 60000
/* --namespaces: at most this many names, this much text. */
#define FO_WH_MAX_NAMESPACES 64
#define FO_WH_NAMESPACES_TEXT_MAX 4096

typedef struct fo_wh_config {
    int port;
    const char *tls_cert, *tls_key, *defaults, *kubeconfig, *bind_address;
    const char *check_defaults; /* --check-defaults: check this file and exit */
    bool plain_http;
    int shutdown_delay_s;
    /* the controller's --observe-interval, which the autoscaler's metrics.window must not be
     * below (common/validate_autoscaler.c) unless a resource sets its own */
    int64_t reconcile_interval_ms;
    /* how long the watch of FlinkDeployments may fail before session-job checks stop using
     * what it holds (webhook/cluster_lookup.h) */
    int64_t cluster_cache_stale_after_ms;
    /* the namespaces whose FlinkDeployments the session-job checks watch (the controller's
     * --namespaces, for RBAC granted per namespace): NULL-terminated, empty = all; the
     * names point into namespaces_buf */
    const char *namespaces[FO_WH_MAX_NAMESPACES + 1];
    char namespaces_buf[FO_WH_NAMESPACES_TEXT_MAX];
    fo_log_level log_level;
} fo_wh_config;

const char *fo_wh_config_usage(void);

/* Read argv and the environment into *c (pointers into argv or the environment). FO_OK, with
 * *help set when --help was asked (nothing else is then checked); FO_EINVAL with err naming
 * the flag or the variable a bad value came from: the caller prints it and exits 2. */
fo_rc fo_wh_config_parse(int argc, char **argv, fo_wh_config *c, bool *help, fo_err *err);

#endif
