/* Many keep-alive TLS clients at once against one server, closed loop or paced, with their
 * requests' latencies: the webhook benchmark's measured runs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/webhook/bench.h"
#include "tests/support/procstat.h"

int64_t wb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct worker {
    pthread_t th;
    int port;
    const char *req;
    size_t req_len;
    int64_t start_ns, end_ns;
    int64_t interval_ns; /* paced: time between sends of this worker; 0 = closed loop */
    int64_t *lat;        /* nanoseconds */
    size_t n, cap;
    size_t errors;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    wb_conn *c = malloc(sizeof *c);
    if (!wb_conn_open(c, w->port)) {
        w->errors++;
        free(c);
        return NULL;
    }
    /* warm-up request, not counted */
    wb_roundtrip(c, w->req, w->req_len);
    while (wb_now_ns() < w->start_ns) {
    }
    int64_t next = w->start_ns;
    for (;;) {
        int64_t t0 = wb_now_ns();
        if (w->interval_ns) {
            while (t0 < next) {
                struct timespec ts = {0, (long)(next - t0 > 200000 ? 100000 : 0)};
                if (ts.tv_nsec)
                    nanosleep(&ts, NULL);
                t0 = wb_now_ns();
            }
            t0 = next; /* from the scheduled time: a late send counts as latency */
            next += w->interval_ns;
        }
        if (t0 >= w->end_ns)
            break;
        int st = wb_roundtrip(c, w->req, w->req_len);
        int64_t t1 = wb_now_ns();
        if (st != 200) {
            w->errors++;
            break;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
        }
        w->lat[w->n++] = t1 - t0;
    }
    wb_conn_close(c);
    free(c);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

wb_result wb_run(int port, const char *req, size_t len, int clients, double seconds,
                 double paced_rps)
{
    worker w[WB_MAX_CLIENTS];
    memset(w, 0, sizeof w);
    int64_t start = wb_now_ns() + 300 * 1000000LL; /* time to connect everyone */
    int64_t end = start + (int64_t)(seconds * 1e9);
    for (int i = 0; i < clients; i++) {
        w[i].port = port;
        w[i].req = req;
        w[i].req_len = len;
        w[i].start_ns = start + (paced_rps > 0 ? (int64_t)(i * 1e9 / paced_rps) : 0);
        w[i].end_ns = end;
        w[i].interval_ns = paced_rps > 0 ? (int64_t)(clients * 1e9 / paced_rps) : 0;
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    size_t total = 0;
    wb_result r = {0};
    for (int i = 0; i < clients; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].n;
        r.errors += w[i].errors;
    }
    int64_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, cmp64);
    r.rps = (double)total / seconds;
    if (total) {
        r.p50_ms = (double)all[total / 2] / 1e6;
        r.p99_ms = (double)all[(size_t)((double)total * 0.99)] / 1e6;
    }
    free(all);
    return r;
}

wb_result wb_run_on(pid_t pid, int port, const char *req, size_t len, int clients, double seconds,
                    double paced_rps, double *server_us)
{
    double before = fo_proc_cpu_s(pid) * 1e6;
    wb_result r = wb_run(port, req, len, clients, seconds, paced_rps);
    double used = fo_proc_cpu_s(pid) * 1e6 - before;
    double n = r.rps * seconds + clients; /* + the warm-up request of each client */
    *server_us = n > 0 ? used / n : 0;
    return r;
}
