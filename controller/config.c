#include "controller/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flag_values.h"
#include "common/flink_conf.h"
#include "common/flink_rest.h"
#include "common/informer.h"

static const char usage_text[] =
    "usage: flinkop-controller [options]\n"
    "  --kubeconfig FILE          API access (default: in-cluster)     FLINKOP_KUBECONFIG\n"
    "  --namespaces a,b           watched namespaces (default: all)    FLINKOP_NAMESPACES\n"
    "  --workers N                reconcile workers (default 16)       FLINKOP_WORKERS\n"
    "  --observe-interval D       Flink status poll (default 15s)      FLINKOP_OBSERVE_INTERVAL\n"
    "  --progress-interval D      poll while deploying (default 5s)    FLINKOP_PROGRESS_INTERVAL\n"
    "  --rest-ready-delay D       REST up -> READY (default 10s)       FLINKOP_REST_READY_DELAY\n"
    "  --cleanup-timeout D        deletion gives up after (5m)         FLINKOP_CLEANUP_TIMEOUT\n"
    "  --delete-ha-data[=BOOL]    deletion removes HA data (true)      FLINKOP_DELETE_HA_DATA\n"
    "  --defaults FILE            cluster defaults YAML (reloaded)     FLINKOP_DEFAULTS\n"
    "  --flink-rest-url TEMPLATE  {name}/{namespace}/{port} template   FLINKOP_FLINK_REST_URL\n"
    "                             (default http://{name}-rest.{namespace}.svc:{port}; {port}\n"
    "                             is the rest.port the cluster was deployed with, else 8081)\n"
    "  --flink-observe-timeout D  watching passes' Flink GETs end (5s) "
    "FLINKOP_FLINK_OBSERVE_TIMEOUT\n"
    "                             (at most 10s, the timeout of the calls that change things)\n"
    "  --leader-elect[=BOOL]      Lease leader election (default true) FLINKOP_LEADER_ELECT\n"
    "  --lease-name NAME          (default flinkop-controller)         FLINKOP_LEASE_NAME\n"
    "  --lease-namespace NS       (default: own namespace or default)  FLINKOP_LEASE_NAMESPACE\n"
    "  --lease-duration D         (default 15s)                        FLINKOP_LEASE_DURATION\n"
    "  --renew-deadline D         (default 10s)                        FLINKOP_RENEW_DEADLINE\n"
    "  --retry-period D           (default 2s)                         FLINKOP_RETRY_PERIOD\n"
    "  --watch-idle-timeout D     reopen a silent watch after (3m)     FLINKOP_WATCH_IDLE_TIMEOUT\n"
    "                             (0: never; keep it over the API server's 1m bookmarks)\n"
    "  --health-port N            /healthz /readyz /metrics (8085)     FLINKOP_HEALTH_PORT\n"
    "  --health-bind-address A    (default 0.0.0.0)                    "
    "FLINKOP_HEALTH_BIND_ADDRESS\n"
    "  --log-level LEVEL          debug, info, warn, error             FLINKOP_LOG_LEVEL\n"
    "Durations use Go's syntax: 500ms, 15s, 1m30s, 2h. A BOOL is true, false, 1, 0, yes or\n"
    "no; a boolean flag alone means true (--leader-elect), as for Kubernetes components, and\n"
    "takes =BOOL or, unlike theirs, the next argument when it is no flag.\n";

const char *fo_ctl_config_usage(void)
{
    return usage_text;
}

/* ---- flags -------------------------------------------------------------------------------- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static fo_rc parse_int(const char *flag, const char *s, long lo, long hi, int *out, fo_err *err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return fo_err_set(err, FO_EINVAL, "--%s: \"%s\" is not a number from %ld to %ld", flag, s,
                          lo, hi);
    *out = (int)v;
    return FO_OK;
}

static fo_rc parse_bool(const char *flag, const char *s, bool *out, fo_err *err)
{
    if (fo_flag_bool_parse(s, out))
        return FO_OK;
    return fo_err_set(err, FO_EINVAL, "--%s: \"%s\" is not true or false", flag, s);
}

static fo_rc parse_dur(const char *flag, const char *s, int64_t min_ms, int64_t *out, fo_err *err)
{
    fo_rc rc = fo_go_duration_parse(s, out, err);
    if (rc != FO_OK) {
        fo_err_wrap(err, "--%s", flag); /* returns FO_OK without an err: keep rc */
        return rc;
    }
    if (*out < min_ms)
        return fo_err_set(err, FO_EINVAL, "--%s: %s is shorter than %lld ms", flag, s,
                          (long long)min_ms);
    return FO_OK;
}

/* Split "a, b,,c" into c->namespaces. */
static fo_rc parse_namespaces(const char *s, fo_ctl_config *c, fo_err *err)
{
    free(c->namespaces_buf);
    c->namespaces_buf = strdup(s);
    if (!c->namespaces_buf)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    return fo_flag_namespaces_parse(c->namespaces_buf, c->namespaces, FO_CTL_MAX_NAMESPACES,
                                    "--namespaces", err);
}

enum opt_id {
    OPT_KUBECONFIG = 1000,
    OPT_NAMESPACES,
    OPT_WORKERS,
    OPT_OBSERVE,
    OPT_PROGRESS,
    OPT_READY_DELAY,
    OPT_CLEANUP,
    OPT_DELETE_HA,
    OPT_DEFAULTS,
    OPT_REST_URL,
    OPT_OBSERVE_TIMEOUT,
    OPT_LEADER_ELECT,
    OPT_LEASE_NAME,
    OPT_LEASE_NS,
    OPT_LEASE_DURATION,
    OPT_RENEW_DEADLINE,
    OPT_RETRY_PERIOD,
    OPT_WATCH_IDLE,
    OPT_HEALTH_PORT,
    OPT_HEALTH_BIND,
    OPT_LOG_LEVEL,
    OPT_HELP,
};

static const struct {
    int id;
    const char *flag;
    const char *env;
    bool boolean; /* may stand alone (true), or take =BOOL or the next argument */
} table[] = {
    {OPT_KUBECONFIG, "kubeconfig", "FLINKOP_KUBECONFIG", false},
    {OPT_NAMESPACES, "namespaces", "FLINKOP_NAMESPACES", false},
    {OPT_WORKERS, "workers", "FLINKOP_WORKERS", false},
    {OPT_OBSERVE, "observe-interval", "FLINKOP_OBSERVE_INTERVAL", false},
    {OPT_PROGRESS, "progress-interval", "FLINKOP_PROGRESS_INTERVAL", false},
    {OPT_READY_DELAY, "rest-ready-delay", "FLINKOP_REST_READY_DELAY", false},
    {OPT_CLEANUP, "cleanup-timeout", "FLINKOP_CLEANUP_TIMEOUT", false},
    {OPT_DELETE_HA, "delete-ha-data", "FLINKOP_DELETE_HA_DATA", true},
    {OPT_DEFAULTS, "defaults", "FLINKOP_DEFAULTS", false},
    {OPT_REST_URL, "flink-rest-url", "FLINKOP_FLINK_REST_URL", false},
    {OPT_OBSERVE_TIMEOUT, "flink-observe-timeout", "FLINKOP_FLINK_OBSERVE_TIMEOUT", false},
    {OPT_LEADER_ELECT, "leader-elect", "FLINKOP_LEADER_ELECT", true},
    {OPT_LEASE_NAME, "lease-name", "FLINKOP_LEASE_NAME", false},
    {OPT_LEASE_NS, "lease-namespace", "FLINKOP_LEASE_NAMESPACE", false},
    {OPT_LEASE_DURATION, "lease-duration", "FLINKOP_LEASE_DURATION", false},
    {OPT_RENEW_DEADLINE, "renew-deadline", "FLINKOP_RENEW_DEADLINE", false},
    {OPT_RETRY_PERIOD, "retry-period", "FLINKOP_RETRY_PERIOD", false},
    {OPT_WATCH_IDLE, "watch-idle-timeout", "FLINKOP_WATCH_IDLE_TIMEOUT", false},
    {OPT_HEALTH_PORT, "health-port", "FLINKOP_HEALTH_PORT", false},
    {OPT_HEALTH_BIND, "health-bind-address", "FLINKOP_HEALTH_BIND_ADDRESS", false},
    {OPT_LOG_LEVEL, "log-level", "FLINKOP_LOG_LEVEL", false},
};
#define NOPTS (sizeof table / sizeof *table)

static fo_rc set_one(fo_ctl_config *c, int id, const char *v, fo_err *err)
{
    /* On the enum, so that the compiler names a flag without a case (-Wswitch). */
    switch ((enum opt_id)id) {
    case OPT_HELP:
        return FO_OK; /* taken by the caller */
    case OPT_KUBECONFIG:
        c->kubeconfig = v;
        return FO_OK;
    case OPT_NAMESPACES:
        return parse_namespaces(v, c, err);
    case OPT_WORKERS:
        return parse_int("workers", v, 1, FO_CTL_MAX_WORKERS, &c->workers, err);
    case OPT_OBSERVE:
        return parse_dur("observe-interval", v, 100, &c->pass.observe_interval_ms, err);
    case OPT_PROGRESS:
        return parse_dur("progress-interval", v, 100, &c->pass.progress_interval_ms, err);
    case OPT_READY_DELAY:
        return parse_dur("rest-ready-delay", v, 0, &c->pass.rest_ready_delay_ms, err);
    case OPT_CLEANUP:
        return parse_dur("cleanup-timeout", v, 0, &c->pass.cleanup_timeout_ms, err);
    case OPT_DELETE_HA:
        return parse_bool("delete-ha-data", v, &c->pass.delete_ha_data, err);
    case OPT_DEFAULTS:
        c->defaults_path = v;
        return FO_OK;
    case OPT_REST_URL: {
        /* Filled once here, so a bad template fails at start, not in every pass. */
        char url[FO_FLINK_REST_MAX_URL];
        fo_err why;
        fo_err_clear(&why);
        if (fo_flink_rest_base_url(v, "namespace", "name", FO_FLINK_REST_PORT_DEFAULT, url,
                                   sizeof url, &why) != FO_OK)
            return fo_err_set(err, FO_EINVAL, "--flink-rest-url: %s", why.message);
        c->pass.rest_url_template = v;
        return FO_OK;
    }
    case OPT_OBSERVE_TIMEOUT: {
        fo_rc rc = parse_dur("flink-observe-timeout", v, 100, &c->flink_observe_timeout_ms, err);
        if (rc == FO_OK && c->flink_observe_timeout_ms > FO_FLINK_REST_TIMEOUT_MS)
            rc = fo_err_set(err, FO_EINVAL, "--flink-observe-timeout: %s is longer than %d ms", v,
                            FO_FLINK_REST_TIMEOUT_MS);
        return rc;
    }
    case OPT_LEADER_ELECT:
        return parse_bool("leader-elect", v, &c->leader_elect, err);
    case OPT_LEASE_NAME:
        c->lease_name = v;
        return FO_OK;
    case OPT_LEASE_NS:
        c->lease_namespace = v;
        return FO_OK;
    case OPT_LEASE_DURATION:
        return parse_dur("lease-duration", v, 100, &c->lease_duration_ms, err);
    case OPT_RENEW_DEADLINE:
        return parse_dur("renew-deadline", v, 100, &c->renew_deadline_ms, err);
    case OPT_RETRY_PERIOD:
        return parse_dur("retry-period", v, 10, &c->retry_period_ms, err);
    case OPT_WATCH_IDLE:
        return parse_dur("watch-idle-timeout", v, 0, &c->watch_idle_timeout_ms, err);
    case OPT_HEALTH_PORT:
        return parse_int("health-port", v, 0, 65535, &c->health_port, err);
    case OPT_HEALTH_BIND:
        c->health_bind = v;
        return FO_OK;
    case OPT_LOG_LEVEL:
        if (!fo_log_parse_level(v, &c->log_level))
            return fo_err_set(err, FO_EINVAL,
                              "--log-level: \"%s\" is not debug, info, warn or error", v);
        return FO_OK;
    }
    return FO_OK;
}

fo_rc fo_ctl_config_parse(int argc, char **argv, fo_ctl_config *c, bool *help, fo_err *err)
{
    memset(c, 0, sizeof *c);
    *help = false;
    c->workers = 16;
    fo_ctl_settings_defaults(&c->pass);
    c->flink_observe_timeout_ms = FO_FLINK_REST_READ_TIMEOUT_MS;
    c->leader_elect = true;
    c->lease_name = "flinkop-controller";
    c->lease_duration_ms = 15000;
    c->renew_deadline_ms = 10000;
    c->retry_period_ms = 2000;
    c->watch_idle_timeout_ms = FO_INFORMER_WATCH_IDLE_MS;
    c->health_port = 8085;
    c->health_bind = "0.0.0.0";
    c->log_level = FO_LOG_INFO;

    /* Environment first, flags override. */
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = env(table[i].env);
        fo_rc rc = v ? set_one(c, table[i].id, v, err) : FO_OK;
        if (rc != FO_OK) {
            fo_err_wrap(err, "%s", table[i].env);
            return rc;
        }
    }
    struct option opts[NOPTS + 2];
    for (size_t i = 0; i < NOPTS; i++)
        opts[i] = (struct option){table[i].flag,
                                  table[i].boolean ? optional_argument : required_argument, NULL,
                                  table[i].id};
    opts[NOPTS] = (struct option){"help", no_argument, NULL, OPT_HELP};
    opts[NOPTS + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int ch;
    /* "+": no reordering, so taking the argument after a boolean flag is safe */
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            *help = true;
            return FO_OK;
        }
        if (ch == '?' || ch == ':')
            return fo_err_set(err, FO_EINVAL, "unknown option or missing value: %s",
                              argv[optind - 1]);
        /* A boolean flag without "=": the next argument is its value unless it is a flag
         * (no argument is taken otherwise), so "--leader-elect false" reads as meant. */
        const char *v = optarg;
        if (!v)
            v = optind < argc && argv[optind][0] != '-' ? argv[optind++] : "true";
        fo_rc rc = set_one(c, ch, v, err);
        if (rc != FO_OK)
            return rc;
    }
    if (optind < argc)
        return fo_err_set(err, FO_EINVAL, "unexpected argument: %s", argv[optind]);
    if (c->leader_elect &&
        !(c->retry_period_ms < c->renew_deadline_ms && c->renew_deadline_ms < c->lease_duration_ms))
        return fo_err_set(err, FO_EINVAL,
                          "leader election needs retry-period < renew-deadline "
                          "< lease-duration");
    return FO_OK;
}

void fo_ctl_config_release(fo_ctl_config *c)
{
    free(c->namespaces_buf);
    c->namespaces_buf = NULL;
}
