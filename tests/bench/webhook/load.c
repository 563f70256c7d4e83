/* The webhook benchmark's load and paced modes: req/s, p50 and p99 of the webhook's routes at
 * 1, 8 and 64 clients beside the bare responder and the json check, round by round, and the
 * latency target at 1,000 req/s. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/webhook/bench.h"
#include "tests/support/procstat.h"
#include "tests/support/testutil.h"

/* What load mode measures at each level and body, in this order: the responder first (the
 * baseline of every ratio), the json check, the webhook's two routes. route indexes WB_ROUTES (the
 * responders answer any path; they get the /mutate request). */
typedef struct served {
    const char *name;
    wb_server_kind kind;
    int route;
} served;
static const served SERVED[] = {
    {"responder", WB_RESPONDER, 1},
    {"json check", WB_JSON_CHECK, 1},
    {"/validate", WB_WEBHOOK, 0},
    {"/mutate", WB_WEBHOOK, 1},
};
#define NSERVED (int)(sizeof SERVED / sizeof SERVED[0])

typedef struct sample {
    wb_result r;
    double us; /* server CPU per request */
} sample;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One table row: medians over the rounds; with a baseline (the responder's samples of the same
 * rounds), the median and the range of the paired ratios, round by round. */
static void print_row(const char *body, int clients, const char *name, const sample *s,
                      const sample *base, int rounds)
{
    double rps[WB_MAX_ROUNDS], p50[WB_MAX_ROUNDS], p99[WB_MAX_ROUNDS], us[WB_MAX_ROUNDS];
    double ratio[WB_MAX_ROUNDS], cpu[WB_MAX_ROUNDS];
    for (int k = 0; k < rounds; k++) {
        rps[k] = s[k].r.rps;
        p50[k] = s[k].r.p50_ms;
        p99[k] = s[k].r.p99_ms;
        us[k] = s[k].us;
        if (base) {
            ratio[k] = base[k].r.rps > 0 ? s[k].r.rps / base[k].r.rps : 0;
            /* responder CPU / this server's CPU per request: what the ratio would be with the
             * clients on another machine; steadier than req/s on a shared one */
            cpu[k] = s[k].us > 0 ? base[k].us / s[k].us : 0;
        }
    }
    printf("%-26s %7d %10s %9.0f %8.3f %8.3f", body, clients, name, median(rps, rounds),
           median(p50, rounds), median(p99, rounds));
    if (!base) {
        printf(" %7s %11s %10.1f\n", "", "", median(us, rounds));
        return;
    }
    char range[32] = "";
    if (rounds > 1) {
        double lo = ratio[0], hi = ratio[0];
        for (int k = 1; k < rounds; k++) {
            lo = ratio[k] < lo ? ratio[k] : lo;
            hi = ratio[k] > hi ? ratio[k] : hi;
        }
        snprintf(range, sizeof range, "%.2f-%.2f", lo, hi);
    }
    printf(" %7.2f %11s %10.1f %9.2f\n", median(ratio, rounds), range, median(us, rounds),
           median(cpu, rounds));
}

int wb_load_main(const char *webhook, const char *responder, const char *dir, double seconds,
                 int rounds)
{
    wb_setup s;
    wb_setup_init(&s, dir);
    int port[3];
    pid_t pid[3]; /* by wb_server_kind */
    pid[WB_WEBHOOK] = wb_start_server(&s, webhook, WB_WEBHOOK, NULL, &port[WB_WEBHOOK], 20000);
    pid[WB_RESPONDER] =
        wb_start_server(&s, responder, WB_RESPONDER, NULL, &port[WB_RESPONDER], 20000);
    pid[WB_JSON_CHECK] =
        wb_start_server(&s, responder, WB_JSON_CHECK, NULL, &port[WB_JSON_CHECK], 20000);
    pid_t wpid = pid[WB_WEBHOOK], rpid = pid[WB_RESPONDER];
    int wport = port[WB_WEBHOOK];
    fo_test_sleep_ms(300);
    long w_idle = fo_proc_vm_kib(wpid, "VmRSS"), r_idle = fo_proc_vm_kib(rpid, "VmRSS");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0};
    getloadavg(load, 3);
    printf("webhook load: %ld CPUs (clients share them), load average %.2f %.2f %.2f, TLS "
           "keep-alive, %.1f s per run, %d round%s (medians; ratios paired round by round)\n",
           cpus, load[0], load[1], load[2], seconds, rounds, rounds == 1 ? "" : "s");
    for (int b = 0; b < WB_NBODIES; b++)
        printf("  body %d: %s, %zu bytes\n", b + 1, WB_BODY_FILES[b], strlen(s.bodies[b]));
    printf("%-26s %7s %10s %9s %8s %8s %7s %11s %10s %9s\n", "body", "clients", "server", "req/s",
           "p50 ms", "p99 ms", "ratio", "range", "server us", "cpu ratio");
    const int clients[] = {1, 8, 64};
    int failures = 0;
    /* Concurrency-major, so the peak RSS after each level can be told apart (VmHWM only
     * grows). The responder's cost does not depend on the route: one run per body and round. */
    long peak_at[3], anon_at[3], file_at[3];
    for (int ci = 0; ci < 3; ci++) {
        for (int b = 0; b < WB_NBODIES; b++) {
            sample m[NSERVED][WB_MAX_ROUNDS];
            for (int k = 0; k < rounds; k++) {
                /* one round: every server in turn, so each ratio compares runs seconds apart,
                 * under the same machine state */
                for (int v = 0; v < NSERVED; v++) {
                    const served *sv = &SERVED[v];
                    m[v][k].r =
                        wb_run_on(pid[sv->kind], port[sv->kind], s.reqs[b][sv->route],
                                  s.lens[b][sv->route], clients[ci], seconds, 0, &m[v][k].us);
                    failures += (int)m[v][k].r.errors;
                }
            }
            for (int v = 0; v < NSERVED; v++)
                print_row(WB_BODY_FILES[b], clients[ci], SERVED[v].name, m[v], v ? m[0] : NULL,
                          rounds);
        }
        peak_at[ci] = fo_proc_vm_kib(wpid, "VmHWM");
        anon_at[ci] = fo_proc_vm_kib(wpid, "RssAnon");
        file_at[ci] = fo_proc_vm_kib(wpid, "RssFile");
    }
    /* the latency target: p99 at 1,000 req/s */
    for (int b = 0; b < WB_NBODIES; b++) {
        for (int r = 0; r < 2; r++) {
            double us;
            wb_result p = wb_run_on(wpid, wport, s.reqs[b][r], s.lens[b][r], 8, seconds, 1000, &us);
            failures += (int)p.errors;
            getloadavg(load, 3);
            printf("paced 1000 req/s, 8 connections: %-26s %-9s %6.0f req/s, p50 %.3f ms, "
                   "p99 %.3f ms, server %.1f us/request (load average %.2f)\n",
                   WB_BODY_FILES[b], WB_ROUTES[r], p.rps, p.p50_ms, p.p99_ms, us, load[0]);
        }
    }
    long r_peak = fo_proc_vm_kib(rpid, "VmHWM");
    fo_test_sleep_ms(2500); /* the webhook gives memory back after a quiet second */
    printf("RSS webhook: idle %.1f MiB; peak (VmHWM) after 1 client %.1f, 8 clients %.1f, "
           "64 clients %.1f MiB; 2.5 s after the last request %.1f MiB\n",
           w_idle / 1024.0, peak_at[0] / 1024.0, peak_at[1] / 1024.0, peak_at[2] / 1024.0,
           fo_proc_vm_kib(wpid, "VmRSS") / 1024.0);
    printf("RSS webhook right after each level (anonymous + file-backed): 1 client %.1f + %.1f, "
           "8 clients %.1f + %.1f, 64 clients %.1f + %.1f MiB\n",
           anon_at[0] / 1024.0, file_at[0] / 1024.0, anon_at[1] / 1024.0, file_at[1] / 1024.0,
           anon_at[2] / 1024.0, file_at[2] / 1024.0);
    printf("RSS responder: idle %.1f MiB; peak %.1f MiB (now %.1f anonymous + %.1f file-backed)\n",
           r_idle / 1024.0, r_peak / 1024.0, fo_proc_vm_kib(rpid, "RssAnon") / 1024.0,
           fo_proc_vm_kib(rpid, "RssFile") / 1024.0);
    getloadavg(load, 3);
    printf("load average at the end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    if (failures)
        printf("note: %d client errors (see %s)\n", failures, s.log);
    fo_test_stop(wpid, SIGTERM, 20000);
    fo_test_stop(rpid, SIGTERM, 20000);
    fo_test_stop(pid[WB_JSON_CHECK], SIGTERM, 20000);
    wb_setup_release(&s);
    return 0;
}

/* Only the latency target, with the responder beside it to tell the webhook's tail from the
 * machine's: each body and route paced at 1,000 req/s over 8 connections on the webhook, then
 * the responder with the same body, `rounds` times, every run printed (the target is each
 * run's p99). */
int wb_paced_main(const char *webhook, const char *responder, const char *dir, double seconds,
                  int rounds)
{
    wb_setup s;
    wb_setup_init(&s, dir);
    int port[2];
    pid_t pid[2] = {wb_start_server(&s, webhook, WB_WEBHOOK, NULL, &port[0], 20000),
                    wb_start_server(&s, responder, WB_RESPONDER, NULL, &port[1], 20000)};
    const char *names[2] = {"webhook", "responder"};
    fo_test_sleep_ms(300);
    int failures = 0;
    double worst[2] = {0, 0};
    for (int k = 0; k < rounds; k++) {
        for (int b = 0; b < WB_NBODIES; b++) {
            for (int r = 0; r < 3; r++) {
                int v = r < 2 ? 0 : 1, route = r < 2 ? r : 1;
                double us, load[3] = {0};
                wb_result p = wb_run_on(pid[v], port[v], s.reqs[b][route], s.lens[b][route], 8,
                                        seconds, 1000, &us);
                failures += (int)p.errors;
                worst[v] = p.p99_ms > worst[v] ? p.p99_ms : worst[v];
                getloadavg(load, 3);
                printf("paced 1000 req/s, 8 connections: %-26s %-9s %6.0f req/s, p50 %.3f ms, "
                       "p99 %.3f ms, server %.1f us/request (load average %.2f)\n",
                       WB_BODY_FILES[b], v ? names[v] : WB_ROUTES[route], p.rps, p.p50_ms, p.p99_ms,
                       us, load[0]);
            }
        }
    }
    printf("highest p99: webhook %.3f ms (%d runs), responder %.3f ms (%d runs)\n", worst[0],
           rounds * WB_NBODIES * 2, worst[1], rounds * WB_NBODIES);
    if (failures)
        printf("note: %d client errors (see %s)\n", failures, s.log);
    fo_test_stop(pid[0], SIGTERM, 20000);
    fo_test_stop(pid[1], SIGTERM, 20000);
    wb_setup_release(&s);
    return 0;
}
