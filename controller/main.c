/* flinkop-controller: flags and FLINKOP_* environment (controller/config.h), signals, wiring.
 *
 *   flinkop-controller [--kubeconfig FILE] [--namespaces a,b] [--workers 16]
 *                      [--flink-rest-url 'http://{name}-rest.{namespace}.svc:{port}'] ...
 *
 * Exit status: 0 after SIGTERM or SIGINT (current passes finished, Lease released), 1 when it
 * cannot start or lost leadership (a fresh process takes over cleanly), 2 for bad usage. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/flink_rest.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/kube_events.h"
#include "common/log.h"
#include "controller/config.h"
#include "controller/ctl_io.h"
#include "controller/kube_io.h"
#include "controller/manager.h"

#define TICK_MS 1000
/* A JobManager that does not accept a connection within this is not there. */
#define FLINK_CONNECT_TIMEOUT_MS 3000

static fo_kube_config *load_kube_config(const fo_ctl_config *c, bool *in_cluster, fo_err *err)
{
    fo_kube_config_opts ko = {.kubeconfig = c->kubeconfig};
    *in_cluster = false;
    if (c->kubeconfig)
        return fo_kube_config_from_kubeconfig(&ko, err);
    fo_kube_config *kcfg = fo_kube_config_in_cluster(&ko, err);
    if (kcfg) {
        *in_cluster = true;
        return kcfg;
    }
    if (err && err->rc != FO_ENOTFOUND)
        return NULL;
    /* Not in a cluster: the usual search ($KUBECONFIG, ~/.kube/config), for local runs. */
    fo_err_clear(err);
    kcfg = fo_kube_config_load(&ko, err);
    if (kcfg)
        fo_log_info("not running in a cluster; using %s", fo_kube_config_source(kcfg));
    return kcfg;
}

/* Leadership lost: end the process at once. Waiting for the passes in flight would let them
 * go on acting (write status, trigger a savepoint, delete a JobManager) for a replica that no
 * longer leads, while another one may (controller-runtime exits the same way, without waiting
 * for its reconciles). A pass may be stopped at any instant: intent is written first. */
static void exit_at_once(void *ctx)
{
    (void)ctx;
    fo_log_error("exiting at once: passes in flight must not act without the Lease");
    _exit(1);
}

int main(int argc, char **argv)
{
    fo_log_set_component("controller");
    fo_ctl_config c;
    bool help = false;
    fo_err err;
    fo_err_clear(&err);
    if (fo_ctl_config_parse(argc, argv, &c, &help, &err) != FO_OK) {
        fprintf(stderr, "flinkop-controller: %s\n%s", err.message, fo_ctl_config_usage());
        fo_ctl_config_release(&c);
        return 2;
    }
    if (help) {
        fputs(fo_ctl_config_usage(), stdout);
        fo_ctl_config_release(&c);
        return 0;
    }
    fo_log_set_level(c.log_level);

    /* Signals are taken synchronously by the main loop: block them before any thread starts
     * so every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = 1;
    fo_kube_config *kcfg = NULL;
    fo_kube_client *kc = NULL;
    fo_flink_rest *flink = NULL, *flink_patient = NULL;
    fo_kube_events *events = NULL;
    fo_manager *m = NULL;

    bool in_cluster = false;
    kcfg = load_kube_config(&c, &in_cluster, &err);
    if (!kcfg) {
        fo_log_error("no API access: %s", err.message);
        goto out;
    }
    fo_kube_client_opts kco = {.user_agent = "flinkop-controller",
                               .field_manager = "flinkop-controller"};
    kc = fo_kube_client_new(kcfg, &kco, &err);
    if (!kc) {
        fo_log_error("cannot create the API client: %s", err.message);
        goto out;
    }
    fo_flink_rest_opts fo = {.connect_timeout_ms = FLINK_CONNECT_TIMEOUT_MS,
                             .read_timeout_ms = (long)c.flink_observe_timeout_ms,
                             .user_agent = "flinkop-controller"};
    flink = fo_flink_rest_new(&fo, &err);
    /* The passes that decide on a change read at the full timeout (fo_ctl_env.flink_patient). */
    fo.read_timeout_ms = FO_FLINK_REST_TIMEOUT_MS;
    flink_patient = flink ? fo_flink_rest_new(&fo, &err) : NULL;
    if (!flink || !flink_patient) {
        fo_log_error("cannot create the Flink REST client: %s", err.message);
        goto out;
    }
    fo_kube_events_opts eo = {.kc = kc, .component = "flinkop-controller"};
    events = fo_kube_events_new(&eo, &err);
    if (!events)
        fo_log_warn("events are only logged: %s", err.message);

    char host[256] = "flinkop";
    gethostname(host, sizeof host - 1);
    char suffix[33], identity[320];
    fo_ctl_random_id(suffix);
    snprintf(identity, sizeof identity, "%s_%.8s", host, suffix);
    const char *lease_ns = c.lease_namespace ? c.lease_namespace
                           : in_cluster      ? fo_kube_config_namespace(kcfg)
                                             : "default";

    fo_manager_opts mo = {.kc = kc,
                          .flink = flink,
                          .flink_patient = flink_patient,
                          .events = events,
                          .cfg = &c,
                          .lease_namespace = lease_ns,
                          .identity = identity,
                          .on_lost = exit_at_once};
    m = fo_manager_start(&mo, &err);
    if (!m) {
        fo_log_error("cannot start: %s", err.message);
        goto out;
    }
    char watched[1024] = "";
    for (int i = 0; c.namespaces[i]; i++) {
        size_t n = strlen(watched);
        snprintf(watched + n, sizeof watched - n, "%s%s", i ? "," : "", c.namespaces[i]);
    }
    fo_log_info("started against %s, watching %s, %d workers, health on port %d",
                fo_kube_config_server(kcfg), watched[0] ? watched : "all namespaces", c.workers,
                fo_manager_health_port(m));

    struct timespec tick = {TICK_MS / 1000, (TICK_MS % 1000) * 1000000L};
    status = 0;
    for (;;) {
        int sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            fo_log_info("%s received: finishing the passes in flight, then exiting",
                        sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (sig == SIGHUP) { /* reload by hand: the defaults are read again, changed or not */
            fo_log_info("SIGHUP received: reading the defaults file again");
            fo_manager_recheck_defaults(m);
        }
        fo_manager_tick(m); /* every tick, and at once on SIGHUP */
        if (fo_manager_lost_leadership(m)) {
            status = 1;
            break;
        }
    }
out:
    fo_manager_stop(m);
    fo_kube_events_free(events);
    fo_flink_rest_free(flink_patient);
    fo_flink_rest_free(flink);
    fo_kube_client_free(kc);
    fo_kube_config_free(kcfg);
    fo_ctl_config_release(&c);
    if (status == 0)
        fo_log_info("stopped");
    return status;
}
