#include "webhook/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/flag_values.h"

static const char usage_text[] =
    "usage: flinkop-webhook --tls-cert FILE --tls-key FILE [options]\n"
    "  --port N              HTTPS port (default 9443; 0: any)    FLINKOP_PORT\n"
    "  --tls-cert FILE       serving certificate (PEM, chain)     FLINKOP_TLS_CERT\n"
    "  --tls-key FILE        its private key (PEM)                FLINKOP_TLS_KEY\n"
    "  --defaults FILE       cluster defaults YAML (reloaded)     FLINKOP_DEFAULTS\n"
    "  --kubeconfig FILE     API access for session-job checks    FLINKOP_KUBECONFIG\n"
    "  --log-level LEVEL     debug, info, warn, error             FLINKOP_LOG_LEVEL\n"
    "  --bind-address ADDR   listen address (default 0.0.0.0)     FLINKOP_BIND_ADDRESS\n"
    "  --plain-http[=BOOL]   serve HTTP without TLS (local tests) FLINKOP_PLAIN_HTTP\n"
    "  --shutdown-delay SEC  SEC s more after SIGTERM (0)         FLINKOP_SHUTDOWN_DELAY\n"
    "                        (not ready; each connection closed after its next answer)\n"
    "  --reconcile-interval D the controller's --observe-interval  FLINKOP_RECONCILE_INTERVAL\n"
    "                        (15s): the least autoscaler metrics.window\n"
    "  --cluster-cache-stale-after D                      FLINKOP_CLUSTER_CACHE_STALE_AFTER\n"
    "                        (60s) session-job checks skip the target cluster once the watch\n"
    "                        of FlinkDeployments has failed this long\n"
    "  --namespaces a,b      where session-job checks watch           FLINKOP_NAMESPACES\n"
    "                        FlinkDeployments (default: all; the controller's --namespaces)\n"
    "  --check-defaults FILE check a cluster defaults file and exit (0: it loads; 1: the\n"
    "                        problems are printed), e.g. before an upgrade\n";

const char *fo_wh_config_usage(void)
{
    return usage_text;
}

/* A whole number in [0, max]: digits (strtol alone would also take " 5" and "+5"), then the
 * optional suffix (NULL: none), such as the "s" of "5s". */
static bool parse_number(const char *s, long max, const char *suffix, int *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || v > max || (*end && (!suffix || strcmp(end, suffix) != 0)))
        return false;
    *out = (int)v;
    return true;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

fo_rc fo_wh_config_parse(int argc, char **argv, fo_wh_config *c, bool *help, fo_err *err)
{
    memset(c, 0, sizeof *c);
    *help = false;
    c->port = 9443;
    c->log_level = FO_LOG_INFO;
    c->reconcile_interval_ms = FO_WH_DEFAULT_RECONCILE_INTERVAL_MS;
    c->cluster_cache_stale_after_ms = FO_WH_DEFAULT_CLUSTER_CACHE_STALE_AFTER_MS;
    const char *port = env("FLINKOP_PORT");
    c->tls_cert = env("FLINKOP_TLS_CERT");
    c->tls_key = env("FLINKOP_TLS_KEY");
    c->defaults = env("FLINKOP_DEFAULTS");
    c->kubeconfig = env("FLINKOP_KUBECONFIG");
    const char *level = env("FLINKOP_LOG_LEVEL");
    c->bind_address = env("FLINKOP_BIND_ADDRESS");
    const char *plain = env("FLINKOP_PLAIN_HTTP");
    const char *delay = env("FLINKOP_SHUTDOWN_DELAY");
    const char *interval = env("FLINKOP_RECONCILE_INTERVAL");
    const char *interval_from = "FLINKOP_RECONCILE_INTERVAL";
    const char *stale = env("FLINKOP_CLUSTER_CACHE_STALE_AFTER");
    const char *stale_from = "FLINKOP_CLUSTER_CACHE_STALE_AFTER";
    const char *namespaces = env("FLINKOP_NAMESPACES");
    const char *namespaces_from = "FLINKOP_NAMESPACES";
    const char *port_from = "FLINKOP_PORT", *delay_from = "FLINKOP_SHUTDOWN_DELAY";
    const char *level_from = "FLINKOP_LOG_LEVEL", *bind_from = "FLINKOP_BIND_ADDRESS";
    const char *kubeconfig_from = "FLINKOP_KUBECONFIG", *plain_from = "FLINKOP_PLAIN_HTTP";
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"defaults", required_argument, NULL, 'd'},
        {"kubeconfig", required_argument, NULL, 'K'},
        {"log-level", required_argument, NULL, 'l'},
        {"bind-address", required_argument, NULL, 'b'},
        {"plain-http", optional_argument, NULL, 'P'},
        {"shutdown-delay", required_argument, NULL, 'D'},
        {"check-defaults", required_argument, NULL, 'C'},
        {"reconcile-interval", required_argument, NULL, 'R'},
        {"cluster-cache-stale-after", required_argument, NULL, 'S'},
        {"namespaces", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int ch;
    /* "+": no reordering, so taking the argument after a boolean flag is safe */
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (ch) {
        case 'p': port = optarg; port_from = "--port"; break;
        case 'c': c->tls_cert = optarg; break;
        case 'k': c->tls_key = optarg; break;
        case 'd': c->defaults = optarg; break;
        case 'K': c->kubeconfig = optarg; kubeconfig_from = "--kubeconfig"; break;
        case 'l': level = optarg; level_from = "--log-level"; break;
        case 'b': c->bind_address = optarg; bind_from = "--bind-address"; break;
        case 'P':
            /* without "=", the next argument is the value unless it is a flag */
            plain = optarg ? optarg
                    : optind < argc && argv[optind][0] != '-' ? argv[optind++]
                                                                : "true";
            plain_from = "--plain-http";
            break;
        case 'D': delay = optarg; delay_from = "--shutdown-delay"; break;
        case 'C': c->check_defaults = optarg; break;
        case 'R': interval = optarg; interval_from = "--reconcile-interval"; break;
        case 'S': stale = optarg; stale_from = "--cluster-cache-stale-after"; break;
        case 'N': namespaces = optarg; namespaces_from = "--namespaces"; break;
        case 'h': *help = true; return FO_OK;
        default:
            return fo_err_set(err, FO_EINVAL, "unknown option or missing value: %s (see --help)",
                              argv[optind - 1]);
        }
    }
    if (optind < argc)
        return fo_err_set(err, FO_EINVAL, "unexpected argument %s", argv[optind]);
    if (plain && !fo_flag_bool_parse(plain, &c->plain_http))
        return fo_err_set(err, FO_EINVAL, "%s: %s is not true or false", plain_from, plain);
    if (port && !parse_number(port, 65535, NULL, &c->port))
        return fo_err_set(err, FO_EINVAL, "%s: %s is not a port number (0-65535)", port_from,
                          port);
    if (delay && !parse_number(delay, FO_WH_MAX_SHUTDOWN_DELAY_S, "s", &c->shutdown_delay_s))
        return fo_err_set(err, FO_EINVAL, "%s: %s is not a number of seconds (0-%d)", delay_from,
                          delay, FO_WH_MAX_SHUTDOWN_DELAY_S);
    fo_err why;
    fo_err_clear(&why);
    if (interval && (fo_go_duration_parse(interval, &c->reconcile_interval_ms, &why) != FO_OK ||
                     c->reconcile_interval_ms < 100))
        return fo_err_set(err, FO_EINVAL, "%s: %s", interval_from,
                          why.message[0] ? why.message : "must be at least 100ms");
    fo_err_clear(&why);
    if (stale &&
        (fo_go_duration_parse(stale, &c->cluster_cache_stale_after_ms, &why) != FO_OK ||
         c->cluster_cache_stale_after_ms < 1000))
        return fo_err_set(err, FO_EINVAL, "%s: %s", stale_from,
                          why.message[0] ? why.message : "must be at least 1s");
    if (namespaces) {
        if (strlen(namespaces) >= sizeof c->namespaces_buf)
            return fo_err_set(err, FO_ELIMIT, "%s: longer than %zu bytes", namespaces_from,
                              sizeof c->namespaces_buf - 1);
        snprintf(c->namespaces_buf, sizeof c->namespaces_buf, "%s", namespaces);
        fo_rc rc = fo_flag_namespaces_parse(c->namespaces_buf, c->namespaces,
                                            FO_WH_MAX_NAMESPACES, namespaces_from, err);
        if (rc != FO_OK)
            return rc;
    }
    if (level && !fo_log_parse_level(level, &c->log_level))
        return fo_err_set(err, FO_EINVAL, "%s: %s is not debug, info, warn or error", level_from,
                          level);
    unsigned char addr[sizeof(struct in6_addr)];
    if (c->bind_address && inet_pton(AF_INET, c->bind_address, addr) != 1 &&
        inet_pton(AF_INET6, c->bind_address, addr) != 1)
        return fo_err_set(err, FO_EINVAL, "%s: %s is not an IPv4 or IPv6 address", bind_from,
                          c->bind_address);
    /* a file named by hand that cannot be read is a mistake, not "no API access" */
    if (c->kubeconfig && access(c->kubeconfig, R_OK) != 0)
        return fo_err_set(err, FO_EINVAL, "%s: %s: %s", kubeconfig_from, c->kubeconfig,
                          strerror(errno));
    if (c->check_defaults)
        return FO_OK; /* nothing else is needed */
    if (!c->plain_http && (!c->tls_cert || !c->tls_key))
        return fo_err_set(err, FO_EINVAL,
                          "--tls-cert and --tls-key are required (the API server calls webhooks "
                          "over HTTPS only); --plain-http is for local tests");
    if (!c->bind_address)
        c->bind_address = "0.0.0.0";
    return FO_OK;
}
