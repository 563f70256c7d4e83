/* fake-flink: the fake Flink JobManager REST server as a program (see fake_flink.h).
 *
 *   fake-flink --port F [--bind ADDR] [--manual-time] [--log-level debug]
 *              [--cluster NS/NAME[=SPEC.json]]...
 *
 * --manual-time freezes the fake's clock at start-up: time then moves only through
 * POST /_fake/tick {"ms": n}, so scripted tests are deterministic. --cluster creates a cluster
 * at start-up (spec from a JSON file, else defaults). Runs until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "tests/fakes/flink/fake_flink.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: fake-flink --port PORT [--bind ADDR] [--manual-time] "
                    "[--log-level LEVEL] [--cluster NS/NAME[=SPEC.json]]...\n");
}

static int create_cluster(fo_fake_flink *ff, const char *arg)
{
    char nsname[600];
    snprintf(nsname, sizeof nsname, "%s", arg);
    char *eq = strchr(nsname, '=');
    const char *spec_file = NULL;
    if (eq) {
        *eq = '\0';
        spec_file = eq + 1;
    }
    char *slash = strchr(nsname, '/');
    if (!slash) {
        fprintf(stderr, "fake-flink: --cluster wants NS/NAME, got '%s'\n", arg);
        return -1;
    }
    *slash = '\0';
    fo_err err = {0};
    json_t *spec = NULL;
    if (spec_file && !(spec = fo_json_load_file(spec_file, 1024 * 1024, &err))) {
        fprintf(stderr, "fake-flink: %s\n", err.message);
        return -1;
    }
    fo_rc rc = fo_fake_flink_create(ff, nsname, slash + 1, spec, &err);
    json_decref(spec);
    if (rc != FO_OK) {
        fprintf(stderr, "fake-flink: cluster %s: %s\n", arg, err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int port = -1;
    const char *bind = "127.0.0.1";
    bool manual = false;
    const char *clusters[64];
    int nclusters = 0;
    fo_log_set_component("fake-flink");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v) {
            port = atoi(v);
            i++;
        } else if (!strcmp(a, "--bind") && v) {
            bind = v;
            i++;
        } else if (!strcmp(a, "--manual-time")) {
            manual = true;
        } else if (!strcmp(a, "--log-level") && v) {
            fo_log_level level;
            if (!fo_log_parse_level(v, &level)) {
                usage();
                return 2;
            }
            fo_log_set_level(level);
            i++;
        } else if (!strcmp(a, "--cluster") && v && nclusters < 64) {
            clusters[nclusters++] = v;
            i++;
        } else {
            usage();
            return 2;
        }
    }
    if (port < 0 || port > 65535) {
        usage();
        return 2;
    }
    fo_clock *fake_clock = manual ? fo_clock_fake_new(fo_clock_now_ms(fo_clock_real())) : NULL;
    fo_fake_flink_opts opts = {.bind_addr = bind, .port = port, .clock = fake_clock};
    fo_err err = {0};
    fo_fake_flink *ff = fo_fake_flink_start(&opts, &err);
    if (!ff) {
        fprintf(stderr, "fake-flink: %s\n", err.message);
        fo_clock_free(fake_clock);
        return 1;
    }
    for (int i = 0; i < nclusters; i++) {
        if (create_cluster(ff, clusters[i]) != 0) {
            fo_fake_flink_stop(ff);
            fo_clock_free(fake_clock);
            return 1;
        }
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fo_log_info("fake flink listening on %s:%d", bind, fo_fake_flink_port(ff));
    while (!stop_requested)
        pause();
    fo_log_info("fake flink stopping");
    fo_fake_flink_stop(ff);
    fo_clock_free(fake_clock);
    return 0;
}
