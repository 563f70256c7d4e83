#ifndef FO_CTL_CONFIG_H
#define FO_CTL_CONFIG_H

/* flinkop-controller's settings from flags and FLINKOP_* environment variables (a flag wins
 * over its variable):
 *
 *   --kubeconfig FILE          FLINKOP_KUBECONFIG        in-cluster config when absent
 *   --namespaces a,b           FLINKOP_NAMESPACES        watched namespaces; empty = all
 *   --workers N                FLINKOP_WORKERS           default 16 (1..256)
 *   --observe-interval D       FLINKOP_OBSERVE_INTERVAL  default 15s
 *   --progress-interval D      FLINKOP_PROGRESS_INTERVAL default 5s (while deploying/waiting)
 *   --rest-ready-delay D       FLINKOP_REST_READY_DELAY  default 10s
 *   --cleanup-timeout D        FLINKOP_CLEANUP_TIMEOUT   default 5m
 *   --delete-ha-data BOOL      FLINKOP_DELETE_HA_DATA    default true: deleting a resource
 *                                                        removes its HA ConfigMaps (Apache)
 *   --defaults FILE            FLINKOP_DEFAULTS          cluster defaults (reloaded on change)
 *   --flink-rest-url TEMPLATE  FLINKOP_FLINK_REST_URL    default
 *                              http://{name}-rest.{namespace}.svc:{port}: {name}, {namespace}
 *                              and {port} (the rest.port the cluster was deployed with, 8081
 *                              unset); a template without {port} keeps its own port
 *   --flink-observe-timeout D  FLINKOP_FLINK_OBSERVE_TIMEOUT default 5s (at most 10s): Flink
 *                                                        REST GETs (observation, savepoint
 *                                                        status) of passes with nothing to
 *                                                        decide give up after it; the calls
 *                                                        that change things, and passes that
 *                                                        decide a change, keep 10s
 *   --leader-elect BOOL        FLINKOP_LEADER_ELECT      default true
 *   --lease-name NAME          FLINKOP_LEASE_NAME        default flinkop-controller
 *   --lease-namespace NS       FLINKOP_LEASE_NAMESPACE   default: in-cluster namespace, else
 * default
 *   --lease-duration D         FLINKOP_LEASE_DURATION    default 15s (renew deadline 10s,
 *   --renew-deadline D         FLINKOP_RENEW_DEADLINE     retry period 2s: controller-runtime's)
 *   --retry-period D           FLINKOP_RETRY_PERIOD
 *   --watch-idle-timeout D     FLINKOP_WATCH_IDLE_TIMEOUT default 3m: an informer's watch that
 *                                                        hears nothing (no event, no bookmark)
 *                                                        this long after the server's bookmarks
 *                                                        is opened again; 0 = never
 *   --health-port N            FLINKOP_HEALTH_PORT       default 8085 (/healthz /readyz /metrics)
 *   --health-bind-address A    FLINKOP_HEALTH_BIND_ADDRESS default 0.0.0.0
 *   --log-level LEVEL          FLINKOP_LOG_LEVEL         debug, info, warn, error
 *
 * Durations are Go's time.ParseDuration syntax ("300ms", "1.5h", "2h45m"). Pure apart from
 * reading the environment; not thread-safe (called once at start). */

#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "common/rc.h"
#include "controller/ctl_io.h"

#define FO_CTL_MAX_NAMESPACES 64
#define FO_CTL_MAX_WORKERS 256

typedef struct fo_ctl_config {
    const char *kubeconfig; /* NULL = in-cluster */
    char *namespaces_buf;   /* heap copy the namespace pointers point into */
    const char *namespaces[FO_CTL_MAX_NAMESPACES + 1]; /* NULL-terminated; empty = all */
    int workers;
    fo_ctl_settings pass;      /* what a reconcile pass reads (intervals, REST template, HA data) */
    int64_t flink_observe_timeout_ms; /* Flink REST GETs (fo_flink_rest_opts.read_timeout_ms) */
    const char *defaults_path; /* NULL = none */
    bool leader_elect;
    const char *lease_name;
    const char *lease_namespace; /* NULL = decided once the API config is known */
    int64_t lease_duration_ms, renew_deadline_ms, retry_period_ms;
    int64_t watch_idle_timeout_ms; /* 0 = no limit */
    int health_port;
    const char *health_bind;
    fo_log_level log_level;
} fo_ctl_config;

/* Parse argv and the environment into c. Returns FO_OK, or FO_EINVAL with err naming the flag
 * and its bad value. *help is set when --help was given (usage printed to stdout). Strings in
 * c point into argv, the environment or c->namespaces_buf (free it with fo_ctl_config_release). */
fo_rc fo_ctl_config_parse(int argc, char **argv, fo_ctl_config *c, bool *help, fo_err *err);

void fo_ctl_config_release(fo_ctl_config *c);

/* The usage text. */
const char *fo_ctl_config_usage(void);

#endif
