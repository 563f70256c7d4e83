/* Webhook benchmark: req/s, p50 and p99 latency of /validate and /mutate over keep-alive TLS
 * connections (1, 8 and 64 concurrent clients), next to the bare responder (same httpd, canned
 * answer), then a paced run at a fixed rate for the latency target, and peak RSS of both
 * processes (VmHWM from /proc/<pid>/status).
 *
 *   webhook_bench WEBHOOK_BIN RESPONDER_BIN [seconds-per-run]
 *
 * The clients are raw GnuTLS connections sending prepared requests, so the client costs little
 * next to the servers; they still share the machine's cores with the server under test, which
 * the printed CPU count makes visible. Figures only: nothing here passes or fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tests/support/testcerts.h"
#include "webhook/admission.h"
#include "webhook/admit_mutate.h"
#include "webhook/admit_validate.h"
#include "tests/support/testutil.h"

#define MAX_CLIENTS 64

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- one keep-alive TLS connection ---- */

typedef struct conn {
    int fd;
    gnutls_session_t s;
    char buf[256 * 1024];
    size_t have;
} conn;

static gnutls_certificate_credentials_t g_cred;

static bool conn_open(conn *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return false;
    gnutls_init(&c->s, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->s);
    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, g_cred);
    gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_session_set_verify_cert(c->s, "localhost", 0);
    gnutls_transport_set_int(c->s, c->fd);
    int ret;
    do {
        ret = gnutls_handshake(c->s);
    } while (ret < 0 && !gnutls_error_is_fatal(ret));
    if (ret < 0) {
        fprintf(stderr, "bench: handshake: %s\n", gnutls_strerror(ret));
        return false;
    }
    return true;
}

static void conn_close(conn *c)
{
    if (c->s) {
        gnutls_bye(c->s, GNUTLS_SHUT_WR);
        gnutls_deinit(c->s);
    }
    if (c->fd > 0)
        close(c->fd);
}

/* Send one request and read one whole response (Content-Length framed). HTTP status or -1. */
static int roundtrip(conn *c, const char *req, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = gnutls_record_send(c->s, req + off, len - off);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    size_t head = 0, need = 0;
    int status = -1;
    for (;;) {
        if (!head) {
            char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
            if (end) {
                head = (size_t)(end - c->buf) + 4;
                status = atoi(c->buf + 9);
                char *cl = strcasestr(c->buf, "\r\ncontent-length:");
                if (!cl || cl > end)
                    return -1;
                need = head + (size_t)atol(cl + 17);
                if (need > sizeof c->buf)
                    return -1;
            }
        }
        if (head && c->have >= need)
            break;
        ssize_t n = gnutls_record_recv(c->s, c->buf + c->have, sizeof c->buf - c->have);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return -1;
        c->have += (size_t)n;
    }
    memmove(c->buf, c->buf + need, c->have - need);
    c->have -= need;
    return status;
}

/* ---- load ---- */

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
    conn *c = malloc(sizeof *c);
    if (!conn_open(c, w->port)) {
        w->errors++;
        free(c);
        return NULL;
    }
    /* warm-up request, not counted */
    roundtrip(c, w->req, w->req_len);
    while (now_ns() < w->start_ns) {
    }
    int64_t next = w->start_ns;
    for (;;) {
        int64_t t0 = now_ns();
        if (w->interval_ns) {
            while (t0 < next) {
                struct timespec ts = {0, (long)(next - t0 > 200000 ? 100000 : 0)};
                if (ts.tv_nsec)
                    nanosleep(&ts, NULL);
                t0 = now_ns();
            }
            t0 = next; /* from the scheduled time: a late send counts as latency */
            next += w->interval_ns;
        }
        if (t0 >= w->end_ns)
            break;
        int st = roundtrip(c, w->req, w->req_len);
        int64_t t1 = now_ns();
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
    conn_close(c);
    free(c);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    double rps, p50_ms, p99_ms;
    size_t errors;
} result;

static result run(int port, const char *req, size_t len, int clients, double seconds,
                  double paced_rps)
{
    worker w[MAX_CLIENTS];
    memset(w, 0, sizeof w);
    int64_t start = now_ns() + 300 * 1000000LL; /* time to connect everyone */
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
    result r = {0};
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

/* ---- processes ---- */

static long vm_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = atol(line + n + 1);
    if (f)
        fclose(f);
    return kib;
}

static char *make_request(const char *route, const char *body)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb,
                     "POST %s?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nAccept: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     route, strlen(body), body);
    return fo_strbuf_take(&sb);
}

/* Where a request's time goes inside the webhook: each step alone, in this process, on one
 * thread, averaged over many rounds (no sockets, no TLS). */
static void breakdown(const char *review)
{
    const int rounds = 5000;
    size_t len = strlen(review);
    fo_admission_request req;
    fo_err err;
    fo_err_clear(&err);
    if (fo_admission_decode(review, len, &req, &err) != FO_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        return;
    }
    double t[4] = {0};
    size_t patch_bytes = 0;
    for (int i = 0; i < rounds; i++) {
        int64_t a = now_ns();
        fo_admission_request r2;
        fo_admission_decode(review, len, &r2, &err);
        int64_t b = now_ns();
        fo_admission_response v;
        fo_admission_response_init(&v);
        fo_admit_validate(&r2, NULL, &v);
        int64_t c = now_ns();
        fo_admission_response m;
        fo_admission_response_init(&m);
        fo_admit_mutate(&r2, NULL, &m);
        int64_t d = now_ns();
        size_t n = 0;
        char *out = fo_admission_encode(r2.uid, &m, &n, &patch_bytes);
        int64_t e = now_ns();
        free(out);
        fo_admission_response_release(&v);
        fo_admission_response_release(&m);
        fo_admission_request_release(&r2);
        t[0] += (double)(b - a);
        t[1] += (double)(c - b);
        t[2] += (double)(d - c);
        t[3] += (double)(e - d);
    }
    printf("in-process cost per request (one thread, no I/O): decode %.1f us, validate %.1f us, "
           "mutate %.1f us, encode with a %zu-byte patch %.1f us\n",
           t[0] / rounds / 1e3, t[1] / rounds / 1e3, t[2] / rounds / 1e3, patch_bytes,
           t[3] / rounds / 1e3);
    fo_admission_request_release(&req);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: webhook_bench WEBHOOK_BIN RESPONDER_BIN [seconds]\n");
        return 2;
    }
    double seconds = argc > 3 ? atof(argv[3]) : 3.0;
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    signal(SIGPIPE, SIG_IGN);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    fo_testcerts *ca = fo_testcerts_new();
    char *crt, *key;
    fo_testcerts_issue(ca, "bench", NULL, &crt, &key);
    gnutls_certificate_allocate_credentials(&g_cred);
    gnutls_certificate_set_x509_trust_file(g_cred, ca->ca_cert, GNUTLS_X509_FMT_PEM);

    char *review = fo_test_read_data("admission-review-create-flinkdeployment.json", NULL);
    char *defaults = fo_test_data_path("admission-cluster-defaults.yaml");

    int wport = fo_test_free_port(), rport = fo_test_free_port();
    char wp[16], rp[16], threads[16];
    snprintf(wp, sizeof wp, "%d", wport);
    snprintf(rp, sizeof rp, "%d", rport);
    snprintf(threads, sizeof threads, "%ld", cpus < 2 ? 2 : cpus > 8 ? 8 : cpus);
    char log[600];
    snprintf(log, sizeof log, "%s/bench.log", ca->dir);
    char *wargv[] = {argv[1],   "--port",  wp,       "--bind-address", "127.0.0.1", "--tls-cert",
                     crt,       "--tls-key", key,    "--defaults",     defaults,    "--log-level",
                     "warn",    NULL};
    char *rargv[] = {argv[2], "--port", rp, "--tls-cert", crt, "--tls-key", key, "--threads",
                     threads, NULL};
    pid_t wpid = fo_test_spawn(wargv, log);
    pid_t rpid = fo_test_spawn(rargv, log);
    if (!fo_test_wait_port(wport, 20000) || !fo_test_wait_port(rport, 20000)) {
        fprintf(stderr, "bench: servers did not start, see %s\n", log);
        return 1;
    }
    long w_idle = vm_kib(wpid, "VmRSS"), r_idle = vm_kib(rpid, "VmRSS");

    printf("webhook benchmark: %ld CPUs (clients share them), TLS keep-alive, %.1f s per run, "
           "AdmissionReview of %zu bytes (admission-review-v1.md section 5)\n",
           cpus, seconds, strlen(review));
    breakdown(review);
    printf("%-10s %7s %10s %10s %8s %8s %7s\n", "route", "clients", "server", "req/s", "p50 ms",
           "p99 ms", "ratio");
    const char *routes[] = {"/validate", "/mutate"};
    const int clients[] = {1, 8, 64};
    int failures = 0;
    char *reqs[2];
    size_t lens[2];
    for (int ri = 0; ri < 2; ri++) {
        reqs[ri] = make_request(routes[ri], review);
        lens[ri] = strlen(reqs[ri]);
    }
    /* Concurrency-major, so the peak RSS after each level can be told apart (VmHWM only
     * grows). */
    long peak_at[3];
    for (int ci = 0; ci < 3; ci++) {
        for (int ri = 0; ri < 2; ri++) {
            result a = run(wport, reqs[ri], lens[ri], clients[ci], seconds, 0);
            result b = run(rport, reqs[ri], lens[ri], clients[ci], seconds, 0);
            failures += (int)(a.errors + b.errors);
            printf("%-10s %7d %10s %10.0f %8.3f %8.3f\n", routes[ri], clients[ci], "webhook",
                   a.rps, a.p50_ms, a.p99_ms);
            printf("%-10s %7d %10s %10.0f %8.3f %8.3f %7.2f\n", routes[ri], clients[ci],
                   "responder", b.rps, b.p50_ms, b.p99_ms, b.rps > 0 ? a.rps / b.rps : 0);
        }
        peak_at[ci] = vm_kib(wpid, "VmHWM");
    }
    /* the latency target: p99 at 1,000 req/s */
    for (int ri = 0; ri < 2; ri++) {
        result p = run(wport, reqs[ri], lens[ri], 8, seconds, 1000);
        failures += (int)p.errors;
        printf("%-10s paced at 1000 req/s over 8 connections: %6.0f req/s, p50 %.3f ms, "
               "p99 %.3f ms\n",
               routes[ri], p.rps, p.p50_ms, p.p99_ms);
        free(reqs[ri]);
    }
    long r_peak = vm_kib(rpid, "VmHWM");
    printf("RSS webhook: idle %.1f MiB; peak (VmHWM) after 1 client %.1f, 8 clients %.1f, "
           "64 clients %.1f MiB\n",
           w_idle / 1024.0, peak_at[0] / 1024.0, peak_at[1] / 1024.0, peak_at[2] / 1024.0);
    printf("RSS responder: idle %.1f MiB; peak %.1f MiB\n", r_idle / 1024.0, r_peak / 1024.0);
    if (failures)
        printf("note: %d client errors (see %s)\n", failures, log);
    fo_test_stop(wpid, SIGTERM, 20000);
    fo_test_stop(rpid, SIGTERM, 20000);
    gnutls_certificate_free_credentials(g_cred);
    free(review);
    free(defaults);
    free(crt);
    free(key);
    fo_testcerts_free(ca);
    return 0;
}
