/* Webhook benchmark, two modes over the same AdmissionReview bodies (made by review_gen from
 * examples/basic.yaml and examples/pod-templates.yaml):
 *
 *   webhook_bench load WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds-per-run [rounds]]
 *       req/s, p50 and p99 of /validate and /mutate over keep-alive TLS connections (1, 8 and
 *       64 concurrent clients) next to the bare responder (same httpd, canned answer) and to
 *       the responder with --check-json (it checks that the body is JSON first with the
 *       library's check: the least a webhook must do, so the ceiling of the ratio for a webhook
 *       on this library that answers a malformed review with 400), then a paced run at 1,000 req/s for the latency target, and peak RSS
 *       (VmHWM) of the webhook and the bare responder. With several rounds (default 1) every
 *       server runs once per round at each level and body, in turn; the table shows medians,
 *       and each ratio pairs a run with the responder's run of the same round (range: the
 *       lowest and highest of them): the responder's own rate moves by up to a factor of two
 *       between runs on a shared machine.
 *   webhook_bench cpu WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR
 *       instructions per request under callgrind (repeatable on a shared machine): each server
 *       runs under `valgrind --tool=callgrind`, gets N1 then (in a second run) N2 requests on
 *       one keep-alive TLS connection, and the difference divided by N2 - N1 is the cost of
 *       one request with start-up and shutdown cancelled out; the webhook's phases come from
 *       callgrind_annotate's inclusive costs of its functions.
 *
 * The clients are raw GnuTLS connections sending prepared requests, so the client costs little
 * next to the servers; in load mode they still share the machine's cores with the server under
 * test. Figures only: nothing here passes or fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/strbuf.h"
#include "tests/support/procstat.h"
#include "tests/support/testcerts.h"
#include "tests/support/testutil.h"

#define MAX_CLIENTS 64
#define NBODIES 2
static const char *const BODY_FILES[NBODIES] = {"create-basic.json", "update-pod-templates.json"};
static const char *const ROUTES[2] = {"/validate", "/mutate"};

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

/* Send the whole request; false when the connection failed. */
static bool send_all(conn *c, const char *req, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = gnutls_record_send(c->s, req + off, len - off);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return false;
        off += (size_t)n;
    }
    return true;
}

/* Send one request and read its answer (Content-Length framed) whatever its size: the body is
 * counted, not kept. HTTP status or -1. */
static int roundtrip(conn *c, const char *req, size_t len)
{
    if (!send_all(c, req, len))
        return -1;
    c->have = 0;
    size_t head = 0, body = 0, got = 0;
    int status = -1;
    for (;;) {
        ssize_t n = gnutls_record_recv(c->s, c->buf + c->have, sizeof c->buf - c->have);
        if (n < 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (n <= 0)
            return -1;
        if (head) {
            got += (size_t)n;
        } else {
            c->have += (size_t)n;
            char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
            if (!end)
                continue;
            head = (size_t)(end - c->buf) + 4;
            status = atoi(c->buf + 9);
            char *cl = strcasestr(c->buf, "\r\ncontent-length:");
            if (!cl || cl > end)
                return -1;
            body = (size_t)atol(cl + 17);
            got = c->have - head;
            c->have = 0;
        }
        if (got >= body)
            return status;
    }
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

/* One measured run against a server process: the client's figures and the server's CPU time
 * per request (user + system: TLS, HTTP, the handler; independent of how the clients were
 * scheduled). */
static result run_on(pid_t pid, int port, const char *req, size_t len, int clients, double seconds,
                     double paced_rps, double *server_us)
{
    double before = fo_proc_cpu_s(pid) * 1e6;
    result r = run(port, req, len, clients, seconds, paced_rps);
    double used = fo_proc_cpu_s(pid) * 1e6 - before;
    double n = r.rps * seconds + clients; /* + the warm-up request of each client */
    *server_us = n > 0 ? used / n : 0;
    return r;
}

static char *make_request(const char *route, const char *body)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb,
                     "POST %s?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nAccept: application/json, */*\r\nUser-Agent: "
                     "kube-apiserver-admission\r\nContent-Length: %zu\r\n\r\n%s",
                     route, strlen(body), body);
    return fo_strbuf_take(&sb);
}

static char *read_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fo_strbuf_append(&sb, buf, n);
    fclose(f);
    return fo_strbuf_take(&sb);
}

typedef struct setup {
    fo_testcerts *ca;
    char *crt, *key, *defaults, *log;
    char *bodies[NBODIES];
    char *reqs[NBODIES][2]; /* body x route */
    size_t lens[NBODIES][2];
} setup;

static void setup_init(setup *s, const char *review_dir)
{
    memset(s, 0, sizeof *s);
    /* Hermetic: the webhook must not find a developer's cluster through ~/.kube/config. */
    setenv("KUBECONFIG", "/nonexistent/flinkop-test-kubeconfig", 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    signal(SIGPIPE, SIG_IGN);
    s->ca = fo_testcerts_new();
    fo_testcerts_issue(s->ca, "bench", NULL, &s->crt, &s->key);
    gnutls_certificate_allocate_credentials(&g_cred);
    gnutls_certificate_set_x509_trust_file(g_cred, s->ca->ca_cert, GNUTLS_X509_FMT_PEM);
    s->defaults = fo_test_data_path("admission-cluster-defaults.yaml");
    s->log = malloc(strlen(s->ca->dir) + 16);
    sprintf(s->log, "%s/bench.log", s->ca->dir);
    for (int b = 0; b < NBODIES; b++) {
        s->bodies[b] = read_file(review_dir, BODY_FILES[b]);
        for (int r = 0; r < 2; r++) {
            s->reqs[b][r] = make_request(ROUTES[r], s->bodies[b]);
            s->lens[b][r] = strlen(s->reqs[b][r]);
        }
    }
}

static void setup_release(setup *s)
{
    for (int b = 0; b < NBODIES; b++) {
        free(s->bodies[b]);
        for (int r = 0; r < 2; r++)
            free(s->reqs[b][r]);
    }
    gnutls_certificate_free_credentials(g_cred);
    free(s->defaults);
    free(s->crt);
    free(s->key);
    free(s->log);
    fo_testcerts_free(s->ca);
}

/* The servers compared: the webhook; the bare responder (TLS, HTTP and the server loop: the
 * baseline); the responder checking that each body is JSON (--check-json: the least a webhook
 * must do with a review). */
typedef enum server_kind { WEBHOOK, RESPONDER, JSON_CHECK } server_kind;

/* Start a server (optionally under a wrapper such as valgrind); its port in *port. */
static pid_t start_server(const setup *s, const char *bin, server_kind kind, char *const *wrapper,
                          int *port, int wait_ms)
{
    static char ports[16];
    *port = fo_test_free_port();
    snprintf(ports, sizeof ports, "%d", *port);
    char *argv[32];
    int k = 0;
    for (; wrapper && wrapper[k]; k++)
        argv[k] = wrapper[k];
    argv[k++] = (char *)bin;
    argv[k++] = "--port";
    argv[k++] = ports;
    argv[k++] = "--tls-cert";
    argv[k++] = s->crt;
    argv[k++] = "--tls-key";
    argv[k++] = s->key;
    if (kind == JSON_CHECK)
        argv[k++] = "--check-json";
    if (kind == WEBHOOK) {
        char *more[] = {"--bind-address", "127.0.0.1",   "--defaults",
                        s->defaults,      "--log-level", "warn"};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            argv[k++] = more[i];
    }
    argv[k] = NULL;
    pid_t pid = fo_test_spawn(argv, s->log);
    if (!fo_test_wait_port(*port, wait_ms)) {
        fprintf(stderr, "bench: %s did not start, see %s\n", bin, s->log);
        exit(1);
    }
    return pid;
}

/* What load mode measures at each level and body, in this order: the responder first (the
 * baseline of every ratio), the json check, the webhook's two routes. route indexes ROUTES (the
 * responders answer any path; they get the /mutate request). */
typedef struct served {
    const char *name;
    server_kind kind;
    int route;
} served;
static const served SERVED[] = {
    {"responder", RESPONDER, 1},
    {"json check", JSON_CHECK, 1},
    {"/validate", WEBHOOK, 0},
    {"/mutate", WEBHOOK, 1},
};
#define NSERVED (int)(sizeof SERVED / sizeof SERVED[0])
#define MAX_ROUNDS 15

typedef struct sample {
    result r;
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
    double rps[MAX_ROUNDS], p50[MAX_ROUNDS], p99[MAX_ROUNDS], us[MAX_ROUNDS];
    double ratio[MAX_ROUNDS], cpu[MAX_ROUNDS];
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

static int load_main(const char *webhook, const char *responder, const char *dir, double seconds,
                     int rounds)
{
    setup s;
    setup_init(&s, dir);
    int port[3];
    pid_t pid[3]; /* by server_kind */
    pid[WEBHOOK] = start_server(&s, webhook, WEBHOOK, NULL, &port[WEBHOOK], 20000);
    pid[RESPONDER] = start_server(&s, responder, RESPONDER, NULL, &port[RESPONDER], 20000);
    pid[JSON_CHECK] = start_server(&s, responder, JSON_CHECK, NULL, &port[JSON_CHECK], 20000);
    pid_t wpid = pid[WEBHOOK], rpid = pid[RESPONDER];
    int wport = port[WEBHOOK];
    fo_test_sleep_ms(300);
    long w_idle = fo_proc_vm_kib(wpid, "VmRSS"), r_idle = fo_proc_vm_kib(rpid, "VmRSS");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0};
    getloadavg(load, 3);
    printf("webhook load: %ld CPUs (clients share them), load average %.2f %.2f %.2f, TLS "
           "keep-alive, %.1f s per run, %d round%s (medians; ratios paired round by round)\n",
           cpus, load[0], load[1], load[2], seconds, rounds, rounds == 1 ? "" : "s");
    for (int b = 0; b < NBODIES; b++)
        printf("  body %d: %s, %zu bytes\n", b + 1, BODY_FILES[b], strlen(s.bodies[b]));
    printf("%-26s %7s %10s %9s %8s %8s %7s %11s %10s %9s\n", "body", "clients", "server", "req/s",
           "p50 ms", "p99 ms", "ratio", "range", "server us", "cpu ratio");
    const int clients[] = {1, 8, 64};
    int failures = 0;
    /* Concurrency-major, so the peak RSS after each level can be told apart (VmHWM only
     * grows). The responder's cost does not depend on the route: one run per body and round. */
    long peak_at[3], anon_at[3], file_at[3];
    for (int ci = 0; ci < 3; ci++) {
        for (int b = 0; b < NBODIES; b++) {
            sample m[NSERVED][MAX_ROUNDS];
            for (int k = 0; k < rounds; k++) {
                /* one round: every server in turn, so each ratio compares runs seconds apart,
                 * under the same machine state */
                for (int v = 0; v < NSERVED; v++) {
                    const served *sv = &SERVED[v];
                    m[v][k].r = run_on(pid[sv->kind], port[sv->kind], s.reqs[b][sv->route],
                                       s.lens[b][sv->route], clients[ci], seconds, 0, &m[v][k].us);
                    failures += (int)m[v][k].r.errors;
                }
            }
            for (int v = 0; v < NSERVED; v++)
                print_row(BODY_FILES[b], clients[ci], SERVED[v].name, m[v], v ? m[0] : NULL,
                          rounds);
        }
        peak_at[ci] = fo_proc_vm_kib(wpid, "VmHWM");
        anon_at[ci] = fo_proc_vm_kib(wpid, "RssAnon");
        file_at[ci] = fo_proc_vm_kib(wpid, "RssFile");
    }
    /* the latency target: p99 at 1,000 req/s */
    for (int b = 0; b < NBODIES; b++) {
        for (int r = 0; r < 2; r++) {
            double us;
            result p = run_on(wpid, wport, s.reqs[b][r], s.lens[b][r], 8, seconds, 1000, &us);
            failures += (int)p.errors;
            getloadavg(load, 3);
            printf("paced 1000 req/s, 8 connections: %-26s %-9s %6.0f req/s, p50 %.3f ms, "
                   "p99 %.3f ms, server %.1f us/request (load average %.2f)\n",
                   BODY_FILES[b], ROUTES[r], p.rps, p.p50_ms, p.p99_ms, us, load[0]);
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
    fo_test_stop(pid[JSON_CHECK], SIGTERM, 20000);
    setup_release(&s);
    return 0;
}

/* Only the latency target, with the responder beside it to tell the webhook's tail from the
 * machine's: each body and route paced at 1,000 req/s over 8 connections on the webhook, then
 * the responder with the same body, `rounds` times, every run printed (the target is each
 * run's p99). */
static int paced_main(const char *webhook, const char *responder, const char *dir,
                      double seconds, int rounds)
{
    setup s;
    setup_init(&s, dir);
    int port[2];
    pid_t pid[2] = {start_server(&s, webhook, WEBHOOK, NULL, &port[0], 20000),
                    start_server(&s, responder, RESPONDER, NULL, &port[1], 20000)};
    const char *names[2] = {"webhook", "responder"};
    fo_test_sleep_ms(300);
    int failures = 0;
    double worst[2] = {0, 0};
    for (int k = 0; k < rounds; k++) {
        for (int b = 0; b < NBODIES; b++) {
            for (int r = 0; r < 3; r++) {
                int v = r < 2 ? 0 : 1, route = r < 2 ? r : 1;
                double us, load[3] = {0};
                result p = run_on(pid[v], port[v], s.reqs[b][route], s.lens[b][route], 8,
                                  seconds, 1000, &us);
                failures += (int)p.errors;
                worst[v] = p.p99_ms > worst[v] ? p.p99_ms : worst[v];
                getloadavg(load, 3);
                printf("paced 1000 req/s, 8 connections: %-26s %-9s %6.0f req/s, p50 %.3f ms, "
                       "p99 %.3f ms, server %.1f us/request (load average %.2f)\n",
                       BODY_FILES[b], v ? names[v] : ROUTES[route], p.rps, p.p50_ms, p.p99_ms,
                       us, load[0]);
            }
        }
    }
    printf("highest p99: webhook %.3f ms (%d runs), responder %.3f ms (%d runs)\n", worst[0],
           rounds * NBODIES * 2, worst[1], rounds * NBODIES);
    if (failures)
        printf("note: %d client errors (see %s)\n", failures, s.log);
    fo_test_stop(pid[0], SIGTERM, 20000);
    fo_test_stop(pid[1], SIGTERM, 20000);
    setup_release(&s);
    return 0;
}

/* ---- flood: the memory bound ---- */

typedef struct flooder {
    pthread_t th;
    int port;
    const char *req;
    size_t len;
    int64_t start_ns;
    int rounds;
    int ok, busy, other;
} flooder;

static void *flood_work(void *arg)
{
    flooder *f = arg;
    conn *c = malloc(sizeof *c);
    bool open = conn_open(c, f->port);
    while (now_ns() < f->start_ns) {
    }
    for (int i = 0; open && i < f->rounds; i++) {
        int st = roundtrip(c, f->req, f->len);
        f->ok += st == 200;
        f->busy += st == 429;
        f->other += st != 200 && st != 429;
        if (st < 0) { /* the connection is gone: a new one for the next round */
            conn_close(c);
            open = conn_open(c, f->port);
        }
    }
    f->other += open ? 0 : 1;
    conn_close(c);
    free(c);
    return NULL;
}

/* create-basic.json's object with `add` under spec.podTemplate.metadata.annotations (or
 * spec.flinkConfiguration when config is set): n members, each `size` bytes of text. */
static char *flood_body(const char *base_text, size_t n, size_t size, bool config)
{
    json_t *doc = json_loads(base_text, 0, NULL);
    json_t *spec = json_object_get(json_object_get(json_object_get(doc, "request"), "object"),
                                   "spec");
    json_t *members = json_object();
    char *text = malloc(size + 1);
    memset(text, 'x', size);
    text[size] = '\0';
    for (size_t i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%zu", i);
        json_object_set_new(members, key, json_string(text));
    }
    free(text);
    if (config) {
        json_object_set_new(spec, "flinkConfiguration", members);
    } else {
        json_t *tpl = json_object_get(spec, "podTemplate");
        if (!tpl)
            json_object_set_new(spec, "podTemplate", tpl = json_object());
        json_object_set_new(tpl, "metadata", json_pack("{s:o}", "annotations", members));
    }
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}

/* Many clients at once, each sending the same review `rounds` times, with shapes that cost the
 * webhook the most memory per byte or per request; prints how many got 200 and 429 and the
 * webhook's peak RSS after each. What docs/install.md sizes the memory limit by. */
static int flood_main(const char *webhook, const char *dir)
{
    setup s;
    setup_init(&s, dir);
    int port;
    pid_t pid = start_server(&s, webhook, WEBHOOK, NULL, &port, 20000);
    fo_test_sleep_ms(300);
    printf("webhook flood: peak RSS (VmHWM) idle %.1f MiB\n",
           fo_proc_vm_kib(pid, "VmHWM") / 1024.0);
    const struct {
        const char *name, *route;
        size_t n, size;
        bool config;
        int clients, rounds;
    } shapes[] = {
        /* just under the reader's bound (weight 50,000: a key and a string weigh 2) */
        {"24,000 template annotations (0.3 MB)", "/mutate", 24000, 1, false, 100, 3},
        {"24,000 configuration keys (0.3 MB)", "/validate", 24000, 1, true, 100, 3},
        /* the largest body the webhook reads (7 MiB), in long strings */
        {"1,100 template annotations of 6 KB (6.6 MB)", "/mutate", 1100, 6000, false, 10, 2},
        {"1,100 configuration values of 6 KB (6.6 MB)", "/validate", 1100, 6000, true, 10, 2},
        /* what an API server can send: an object of at most 3 MiB */
        {"500 template annotations of 6 KB (3 MB)", "/mutate", 500, 6000, false, 20, 3},
    };
    flooder *f = calloc(128, sizeof *f);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        char *body = flood_body(s.bodies[0], shapes[k].n, shapes[k].size, shapes[k].config);
        char *req = make_request(shapes[k].route, body);
        size_t len = strlen(req);
        int64_t start = now_ns() + 500 * 1000000LL; /* time to connect everyone */
        for (int i = 0; i < shapes[k].clients; i++) {
            f[i] = (flooder){.port = port, .req = req, .len = len, .start_ns = start,
                             .rounds = shapes[k].rounds};
            pthread_create(&f[i].th, NULL, flood_work, &f[i]);
        }
        int ok = 0, busy = 0, other = 0;
        for (int i = 0; i < shapes[k].clients; i++) {
            pthread_join(f[i].th, NULL);
            ok += f[i].ok;
            busy += f[i].busy;
            other += f[i].other;
        }
        printf("  %-44s %-9s %3d clients x %d: %4d ok, %4d 429, %d other; peak RSS %.1f MiB\n",
               shapes[k].name, shapes[k].route, shapes[k].clients, shapes[k].rounds, ok, busy,
               other, fo_proc_vm_kib(pid, "VmHWM") / 1024.0);
        free(req);
        free(body);
    }
    free(f);
    fo_test_stop(pid, SIGTERM, 20000);
    setup_release(&s);
    return 0;
}

/* ---- cpu (callgrind) ---- */

/* Functions whose inclusive cost is shown per request, in the order printed ('|' separates
 * alternatives: the route calls one of them). */
static const char *const PHASES[] = {
    "fo_webhook_handle",   "fo_admission_decode|fo_admission_decode_without_status",
    "fo_admit_validate",   "fo_admit_mutate",
    "fo_admission_encode", "fo_admission_request_release",
};
#define NPHASES (sizeof PHASES / sizeof PHASES[0])

typedef struct counts {
    double total;
    double phase[NPHASES];
} counts;

/* Program total and the inclusive cost of each phase function from a callgrind out file. */
static bool read_counts(const char *out, counts *c)
{
    memset(c, 0, sizeof *c);
    char cmd[4200];
    snprintf(cmd, sizeof cmd,
             "callgrind_annotate --inclusive=yes --threshold=100 --auto=no %s 2>/dev/null", out);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    char line[4096];
    while (fgets(line, sizeof line, p)) {
        char digits[64];
        size_t k = 0;
        const char *q = line;
        while (*q == ' ')
            q++;
        for (; (*q >= '0' && *q <= '9') || *q == ','; q++)
            if (*q != ',' && k + 1 < sizeof digits)
                digits[k++] = *q;
        digits[k] = '\0';
        if (!k)
            continue;
        double v = atof(digits);
        if (strstr(line, "PROGRAM TOTALS"))
            c->total = v;
        for (size_t i = 0; i < NPHASES; i++) {
            /* "file.c:name" and, for code inlined into it, "header.h:name"; not the recursion
             * entries ("name'2"). Callgrind shows the inlined part either inside the function's
             * own entry or beside it, so the larger of the two is taken (off by the part the
             * header's code costs in the second case: a few instructions). */
            for (const char *alt = PHASES[i]; *alt;) {
                size_t n = strcspn(alt, "|");
                char pat[128];
                snprintf(pat, sizeof pat, ":%.*s", (int)n, alt);
                const char *m = strstr(line, pat);
                if (m) {
                    char after = m[strlen(pat)];
                    if ((after == ' ' || after == '\n') && v > c->phase[i])
                        c->phase[i] = v;
                }
                alt += n + (alt[n] == '|');
            }
        }
    }
    pclose(p);
    return c->total > 0;
}

/* Run a server under callgrind, send n requests on one connection, stop it, read counts. */
static bool callgrind_run(const setup *s, const char *bin, server_kind kind, const char *req,
                          size_t len, int n, counts *c)
{
    char out[600], outopt[700];
    snprintf(out, sizeof out, "%s/callgrind.%d.out", s->ca->dir, n);
    snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", out);
    char *wrapper[] = {"/usr/bin/valgrind", "--tool=callgrind", outopt, NULL};
    int port;
    pid_t pid = start_server(s, bin, kind, wrapper, &port, 120000);
    conn *cn = malloc(sizeof *cn);
    bool ok = conn_open(cn, port);
    for (int i = 0; ok && i < n; i++)
        ok = roundtrip(cn, req, len) == 200;
    conn_close(cn);
    free(cn);
    fo_test_stop(pid, SIGTERM, 120000);
    ok = ok && read_counts(out, c);
    if (getenv("FO_BENCH_DEBUG"))
        fprintf(stderr, "%s: n=%d total %.0f release %.0f\n", out, n, c->total, c->phase[5]);
    else
        unlink(out);
    return ok;
}

static bool per_request(const setup *s, const char *bin, server_kind kind, const char *req,
                        size_t len, counts *per)
{
    const int n1 = 50, n2 = 250;
    counts a, b;
    if (!callgrind_run(s, bin, kind, req, len, n1, &a) ||
        !callgrind_run(s, bin, kind, req, len, n2, &b))
        return false;
    per->total = (b.total - a.total) / (n2 - n1);
    for (size_t i = 0; i < NPHASES; i++)
        per->phase[i] = (b.phase[i] - a.phase[i]) / (n2 - n1);
    return true;
}

static int cpu_main(const char *webhook, const char *responder, const char *dir)
{
    if (access("/usr/bin/valgrind", X_OK) != 0) {
        printf("webhook cpu: valgrind is not installed, skipped\n");
        return 0;
    }
    setup s;
    setup_init(&s, dir);
    double load[3] = {0};
    getloadavg(load, 3);
    printf("webhook cpu: instructions per request under callgrind (server side, user space; "
           "load average %.2f, which does not affect these counts)\n",
           load[0]);
    printf("%-26s %-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", "body", "route", "total", "handler",
           "decode", "validate", "mutate", "encode", "release", "outside");
    for (int b = 0; b < NBODIES; b++) {
        counts base;
        if (!per_request(&s, responder, RESPONDER, s.reqs[b][1], s.lens[b][1], &base)) {
            printf("%-26s responder: run failed (see %s)\n", BODY_FILES[b], s.log);
            continue;
        }
        printf("%-26s %-10s %9.0f\n", BODY_FILES[b], "responder", base.total);
        counts chk;
        if (per_request(&s, responder, JSON_CHECK, s.reqs[b][1], s.lens[b][1], &chk))
            printf("%-26s %-10s %9.0f %59s  (ratio %.2f)\n", BODY_FILES[b], "json check", chk.total,
                   "", chk.total > 0 ? base.total / chk.total : 0);
        for (int r = 0; r < 2; r++) {
            counts c;
            if (!per_request(&s, webhook, WEBHOOK, s.reqs[b][r], s.lens[b][r], &c)) {
                printf("%-26s %s: run failed (see %s)\n", BODY_FILES[b], ROUTES[r], s.log);
                continue;
            }
            printf("%-26s %-10s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f  (ratio %.2f)\n",
                   BODY_FILES[b], ROUTES[r], c.total, c.phase[0], c.phase[1], c.phase[2],
                   c.phase[3], c.phase[4], c.phase[5], c.total - c.phase[0],
                   c.total > 0 ? base.total / c.total : 0);
        }
    }
    printf("(ratio: responder instructions / webhook instructions per request; 'outside' is "
           "TLS, HTTP and the server loop around the handler; 'json check' is the responder "
           "checking that the body is JSON, the least a webhook must do)\n");
    setup_release(&s);
    return 0;
}

/* The optional rounds argument of load and paced (default 1); 0 when out of range. */
static int rounds_arg(int argc, char **argv, int at)
{
    int rounds = argc > at ? atoi(argv[at]) : 1;
    if (rounds >= 1 && rounds <= MAX_ROUNDS)
        return rounds;
    fprintf(stderr, "webhook_bench: rounds must be 1 to %d\n", MAX_ROUNDS);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    bool load = argc >= 5 && strcmp(argv[1], "load") == 0;
    if (load || (argc >= 5 && strcmp(argv[1], "paced") == 0)) {
        int rounds = rounds_arg(argc, argv, 6);
        if (!rounds)
            return 2;
        double seconds = argc > 5 ? atof(argv[5]) : 3.0;
        return load ? load_main(argv[2], argv[3], argv[4], seconds, rounds)
                    : paced_main(argv[2], argv[3], argv[4], seconds, rounds);
    }
    if (argc >= 4 && strcmp(argv[1], "flood") == 0)
        return flood_main(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "cpu") == 0)
        return cpu_main(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: webhook_bench load WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds "
                    "[rounds]]\n"
                    "       webhook_bench paced WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds [rounds]]\n"
                    "       webhook_bench flood WEBHOOK_BIN REVIEW_DIR\n"
                    "       webhook_bench cpu WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR\n");
    return 2;
}
