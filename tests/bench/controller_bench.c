/* Controller benchmark: flinkop-controller (release build) against the sandbox (fake API
 * server, fake Flink, simulated kubelet) with N FlinkDeployments made from examples/basic.yaml.
 *
 *   controller_bench SANDBOX_BIN CONTROLLER_BIN SRC_DIR IDLE_SECONDS N...
 *
 * For each N, in a fresh sandbox: the deployments are created first, then the controller
 * starts, and the bench reports
 *   - start-up: from exec to /readyz answering 200 (caches synced);
 *   - time until every deployment is STABLE (the controller's resources-by-state gauge, so the
 *     sandbox is not loaded with lists), and the controller's peak RSS (VmHWM) by then;
 *   - an idle stretch of IDLE_SECONDS after that: reconcile passes per second, CPU seconds
 *     used, CPU per pass, steady RSS (VmRSS), and the API server and Flink REST requests the
 *     controller made, per pass and by kind (writes are what an idle pass must not make).
 * The requests are counted by two small proxies in this process that the controller talks
 * through (its kubeconfig and --flink-rest-url point at them); they parse request heads on
 * the way in and copy every byte unchanged both ways. Leader election is off (a Lease renewal
 * every 2 s is a write of its own, counted apart from the passes). Figures only. */
#include <arpa/inet.h>
#include <errno.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/kube_client.h"
#include "common/kube_config.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "tests/support/procstat.h"
#include "tests/support/testutil.h"

#define NS "bench"
#define MAX_KEYS 128

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- request counting proxy ---- */

typedef struct counts {
    pthread_mutex_t mu;
    size_t n;
    struct {
        char key[128];
        unsigned long count;
    } e[MAX_KEYS];
} counts;

typedef struct proxy {
    const char *name;
    bool flink; /* key requests by Flink REST endpoint, else by Kubernetes verb and resource */
    int listen_fd, port, upstream_port;
    pthread_t th;
    counts c;
} proxy;

static void count(counts *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    size_t i = 0;
    while (i < c->n && strcmp(c->e[i].key, key) != 0)
        i++;
    if (i == c->n && c->n < MAX_KEYS) {
        snprintf(c->e[i].key, sizeof c->e[i].key, "%s", key);
        c->e[i].count = 0;
        c->n++;
    }
    if (i < c->n)
        c->e[i].count++;
    pthread_mutex_unlock(&c->mu);
}

static void snapshot(counts *c, counts *out)
{
    pthread_mutex_lock(&c->mu);
    out->n = c->n;
    memcpy(out->e, c->e, sizeof c->e);
    pthread_mutex_unlock(&c->mu);
}

/* "PATCH flinkdeployments/status", "GET configmaps (watch)", "POST events": the verb and what
 * it was applied to, from /api/v1/... or /apis/group/version/... paths. */
static void kube_key(const char *method, const char *target, char *key, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(target, "?"), target);
    const char *query = strchr(target, '?');
    char *seg[16];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(path, "/", &save); t && n < 16;
         t = strtok_r(NULL, "/", &save))
        seg[n++] = t;
    int i = 0;
    if (i < n && strcmp(seg[i], "api") == 0)
        i += 2;
    else if (i < n && strcmp(seg[i], "apis") == 0)
        i += 3;
    if (i + 2 < n && strcmp(seg[i], "namespaces") == 0)
        i += 2;
    const char *res = i < n ? seg[i] : "?";
    bool named = i + 1 < n;
    const char *sub = i + 2 < n ? seg[i + 2] : NULL;
    bool watch = query && strstr(query, "watch=true");
    snprintf(key, cap, "%s %s%s%s%s", method, res, sub ? "/" : "", sub ? sub : "",
             watch                                    ? " (watch)"
             : (!named && strcmp(method, "GET") == 0) ? " (list)"
                                                      : "");
}

/* "GET /jobs/{id}/checkpoints": the endpoint under /{namespace}/{name}, with ids folded. */
static void flink_key(const char *method, const char *target, char *key, size_t cap)
{
    const char *p = target;
    for (int skip = 0; skip < 2 && *p; skip++) {
        p = strchr(p + 1, '/');
        if (!p)
            p = "";
    }
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_strbuf_printf(&sb, "%s ", method);
    size_t n = strcspn(p, "?");
    for (size_t i = 0; i < n;) {
        size_t seg = strcspn(p + i + 1, "/?") + 1;
        if (seg == 33 && strspn(p + i + 1, "0123456789abcdef") >= 32)
            fo_strbuf_puts(&sb, "/{id}");
        else
            fo_strbuf_append(&sb, p + i, seg);
        i += seg;
    }
    snprintf(key, cap, "%s", sb.data);
    fo_strbuf_release(&sb);
}

typedef struct pipe_args {
    proxy *px;
    int from, to;
    bool parse; /* client -> server: count requests */
} pipe_args;

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Request framing on the client side: heads are parsed, bodies (Content-Length or chunked)
 * skipped; bytes are forwarded as they come. */
typedef struct framer {
    char head[16384];
    size_t have;
    unsigned long long body_left;
    bool chunked, in_body;
    char line[64]; /* chunk-size line being read */
    size_t line_len;
    int chunk_state; /* 0 size line, 1 data, 2 CRLF after data, 3 trailers */
} framer;

static void on_head(proxy *px, framer *f)
{
    char method[16] = "", target[2048] = "";
    sscanf(f->head, "%15s %2047s", method, target);
    char key[128];
    if (px->flink)
        flink_key(method, target, key, sizeof key);
    else
        kube_key(method, target, key, sizeof key);
    count(&px->c, key);
    f->body_left = 0;
    f->chunked = false;
    for (char *l = strstr(f->head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, "content-length:", 15) == 0)
            f->body_left = strtoull(l + 17, NULL, 10);
        if (strncasecmp(l + 2, "transfer-encoding:", 18) == 0 && strstr(l + 2, "chunked"))
            f->chunked = true;
    }
    f->in_body = f->chunked || f->body_left > 0;
    f->chunk_state = 0;
    f->line_len = 0;
}

static void feed(proxy *px, framer *f, const char *p, size_t n)
{
    while (n > 0) {
        if (!f->in_body) {
            f->head[f->have < sizeof f->head - 1 ? f->have++ : f->have] = *p++;
            n--;
            f->head[f->have] = '\0';
            if (f->have >= 4 && memcmp(f->head + f->have - 4, "\r\n\r\n", 4) == 0) {
                on_head(px, f);
                f->have = 0;
            }
        } else if (!f->chunked) {
            size_t take = n < f->body_left ? n : (size_t)f->body_left;
            p += take;
            n -= take;
            f->body_left -= take;
            f->in_body = f->body_left > 0;
        } else if (f->chunk_state == 1) {
            size_t take = n < f->body_left ? n : (size_t)f->body_left;
            p += take;
            n -= take;
            f->body_left -= take;
            if (!f->body_left)
                f->chunk_state = 2;
        } else {
            char c = *p++;
            n--;
            if (f->line_len < sizeof f->line - 1)
                f->line[f->line_len++] = c;
            if (c != '\n')
                continue;
            f->line[f->line_len] = '\0';
            f->line_len = 0;
            if (f->chunk_state == 0) {
                f->body_left = strtoull(f->line, NULL, 16);
                f->chunk_state = f->body_left ? 1 : 3;
            } else if (f->chunk_state == 2) {
                f->chunk_state = 0;
            } else if (strcmp(f->line, "\r\n") == 0) { /* end of trailers */
                f->in_body = false;
            }
        }
    }
}

static void *pipe_run(void *arg)
{
    pipe_args *a = arg;
    framer *f = a->parse ? calloc(1, sizeof *f) : NULL;
    char buf[65536];
    for (;;) {
        ssize_t n = recv(a->from, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (f)
            feed(a->px, f, buf, (size_t)n);
        if (!write_all(a->to, buf, (size_t)n))
            break;
    }
    shutdown(a->to, SHUT_WR);
    shutdown(a->from, SHUT_RD);
    free(f);
    return NULL;
}

static void *conn_run(void *arg)
{
    pipe_args *up = arg;
    pipe_args down = {.px = up->px, .from = up->to, .to = up->from, .parse = false};
    pthread_t t;
    pthread_create(&t, NULL, pipe_run, &down);
    pipe_run(up);
    pthread_join(t, NULL);
    close(up->from);
    close(up->to);
    free(up);
    return NULL;
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *accept_run(void *arg)
{
    proxy *px = arg;
    for (;;) {
        int c = accept(px->listen_fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            break; /* closed */
        }
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int u = connect_port(px->upstream_port);
        if (u < 0) {
            close(c);
            continue;
        }
        pipe_args *a = calloc(1, sizeof *a);
        *a = (pipe_args){.px = px, .from = c, .to = u, .parse = true};
        pthread_t t;
        pthread_create(&t, NULL, conn_run, a);
        pthread_detach(t);
    }
    return NULL;
}

static void proxy_start(proxy *px, const char *name, bool flink, int upstream_port)
{
    memset(px, 0, sizeof *px);
    px->name = name;
    px->flink = flink;
    px->upstream_port = upstream_port;
    pthread_mutex_init(&px->c.mu, NULL);
    px->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(px->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(px->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(px->listen_fd, 128) != 0 ||
        getsockname(px->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("bench: proxy");
        exit(1);
    }
    px->port = ntohs(sa.sin_port);
    pthread_create(&px->th, NULL, accept_run, px);
}

static void proxy_stop(proxy *px)
{
    shutdown(px->listen_fd, SHUT_RDWR);
    close(px->listen_fd);
    pthread_join(px->th, NULL);
}

/* ---- processes and endpoints ---- */

/* GET http://127.0.0.1:port/path (HTTP/1.0, whole answer); status or -1; body in sb. */
static int http_get(int port, const char *path, fo_strbuf *sb)
{
    fo_strbuf_reset(sb);
    int fd = connect_port(port);
    if (fd < 0)
        return -1;
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (!write_all(fd, req, (size_t)n)) {
        close(fd);
        return -1;
    }
    fo_strbuf all;
    fo_strbuf_init(&all, 0);
    char buf[16384];
    ssize_t r;
    while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
        fo_strbuf_append(&all, buf, (size_t)r);
    close(fd);
    int status = -1;
    char *body = strstr(all.data, "\r\n\r\n");
    if (all.len > 12 && body) {
        status = atoi(all.data + 9);
        fo_strbuf_puts(sb, body + 4);
    }
    fo_strbuf_release(&all);
    return status;
}

/* Sum of a metric's samples whose label text contains `labels` (NULL = all). */
static double metric(const char *text, const char *name, const char *labels)
{
    double sum = 0;
    size_t n = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        if (strncmp(l, name, n) != 0 || (l[n] != '{' && l[n] != ' '))
            continue;
        const char *end = strchr(l, '\n');
        const char *sp = l + n;
        if (*sp == '{')
            sp = strchr(sp, '}');
        if (!sp || (end && sp > end))
            continue;
        if (labels) {
            char lab[512];
            snprintf(lab, sizeof lab, "%.*s", (int)(sp - l), l);
            if (!strstr(lab, labels))
                continue;
        }
        sum += atof(sp + 1);
    }
    return sum;
}

static pid_t spawn_sandbox(const char *bin, const char *dir, int *api_port, int *flink_port)
{
    char log[600], kc[600];
    snprintf(log, sizeof log, "%s/sandbox.log", dir);
    snprintf(kc, sizeof kc, "%s/sandbox.kubeconfig", dir);
    char *argv[] = {(char *)bin,        "--api-port", "0",           "--flink-port", "0",
                    "--kubeconfig-out", kc,           "--log-level", "warn",         NULL};
    pid_t pid = fo_test_spawn(argv, log);
    for (int i = 0; i < 300; i++) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            const char *a = strstr(line, "\"apiPort\":"), *b = strstr(line, "\"flinkPort\":");
            if (a && b) {
                *api_port = atoi(a + 10);
                *flink_port = atoi(b + 12);
                fclose(f);
                return pid;
            }
        }
        if (f)
            fclose(f);
        fo_test_sleep_ms(100);
    }
    fprintf(stderr, "bench: the sandbox did not start (see %s)\n", log);
    exit(1);
}

static void write_kubeconfig(const char *path, int port)
{
    char text[1024];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n"
             "    server: http://127.0.0.1:%d\nusers:\n- name: bench\n  user: {}\n"
             "contexts:\n- name: bench\n  context: {cluster: bench, user: bench}\n"
             "current-context: bench\n",
             port);
    fo_test_write_file(path, text);
}

static json_t *read_yaml(const char *path)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    fo_err err;
    fo_err_clear(&err);
    if (fo_strbuf_read_file(&sb, path, &err) != FO_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(1);
    }
    json_t *v = fo_yaml_parse(sb.data, sb.len, 0, &err);
    fo_strbuf_release(&sb);
    if (!v) {
        fprintf(stderr, "bench: %s: %s\n", path, err.message);
        exit(1);
    }
    return v;
}

static void must(fo_rc rc, const fo_err *err, const char *what)
{
    if (rc != FO_OK && rc != FO_EEXISTS) {
        fprintf(stderr, "bench: %s: %s\n", what, err->message);
        exit(1);
    }
}

/* CRDs, the namespace and n FlinkDeployments, straight at the API server. Seconds taken. */
static double populate(int api_port, const char *src, const char *dir, int n)
{
    char kc[600], path[1200];
    snprintf(kc, sizeof kc, "%s/direct.kubeconfig", dir);
    write_kubeconfig(kc, api_port);
    fo_err err;
    fo_err_clear(&err);
    fo_kube_config_opts co = {.kubeconfig = kc};
    fo_kube_config *cfg = fo_kube_config_from_kubeconfig(&co, &err);
    fo_kube_client_opts ko = {.user_agent = "controller-bench"};
    fo_kube_client *kc_ = cfg ? fo_kube_client_new(cfg, &ko, &err) : NULL;
    if (!kc_) {
        fprintf(stderr, "bench: kube client: %s\n", err.message);
        exit(1);
    }
    fo_kube_ref crds = {
        .group = "apiextensions.k8s.io", .version = "v1", .resource = "customresourcedefinitions"};
    const char *files[] = {"flinkdeployments.flink.apache.org.yaml",
                           "flinksessionjobs.flink.apache.org.yaml"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/crds/%s", src, files[i]);
        json_t *crd = read_yaml(path);
        must(fo_kube_create(kc_, &crds, crd, NULL, NULL, &err), &err, path);
        json_decref(crd);
    }
    fo_kube_ref nsref = {.version = "v1", .resource = "namespaces"};
    json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                           "metadata", "name", NS);
    must(fo_kube_create(kc_, &nsref, ns, NULL, NULL, &err), &err, "namespace");
    json_decref(ns);
    /* the CRD is served once established; a create before that is a 404 */
    fo_kube_ref fd = {.group = "flink.apache.org",
                      .version = "v1beta1",
                      .resource = "flinkdeployments",
                      .ns = NS};
    snprintf(path, sizeof path, "%s/examples/basic.yaml", src);
    json_t *basic = read_yaml(path);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        json_t *obj = json_deep_copy(basic);
        char name[64];
        snprintf(name, sizeof name, "basic-%04d", i);
        json_object_set_new(json_object_get(obj, "metadata"), "name", json_string(name));
        fo_rc rc;
        for (int tries = 0;; tries++) {
            rc = fo_kube_create(kc_, &fd, obj, NULL, NULL, &err);
            if (rc != FO_ENOTFOUND || tries > 100)
                break;
            fo_test_sleep_ms(100);
        }
        must(rc, &err, name);
        json_decref(obj);
    }
    double took = now_s() - t0;
    json_decref(basic);
    fo_kube_client_free(kc_);
    fo_kube_config_free(cfg);
    return took;
}

static void print_counts(const char *what, const counts *a, const counts *b, double passes)
{
    unsigned long total = 0, writes = 0, delta[MAX_KEYS];
    for (size_t i = 0; i < b->n; i++) {
        unsigned long before = 0;
        for (size_t j = 0; j < a->n; j++)
            if (strcmp(a->e[j].key, b->e[i].key) == 0)
                before = a->e[j].count;
        delta[i] = b->e[i].count - before;
        total += delta[i];
        if (strncmp(b->e[i].key, "GET ", 4) != 0)
            writes += delta[i];
    }
    printf("  %s requests: %lu (%.3f per pass), writes among them: %lu\n", what, total,
           passes > 0 ? total / passes : 0, writes);
    for (size_t i = 0; i < b->n; i++)
        if (delta[i])
            printf("    %-44s %8lu  (%.3f per pass)\n", b->e[i].key, delta[i],
                   passes > 0 ? delta[i] / passes : 0);
}

static void bench_one(const char *sandbox_bin, const char *ctl_bin, const char *src, int n,
                      double idle_s)
{
    char *dir = fo_test_mkdtemp();
    int api_port = 0, flink_port = 0;
    pid_t sb = spawn_sandbox(sandbox_bin, dir, &api_port, &flink_port);
    double made = populate(api_port, src, dir, n);

    proxy api, flink;
    proxy_start(&api, "api", false, api_port);
    proxy_start(&flink, "flink", true, flink_port);
    char kc[600], log[600], url[128], hp[16], defaults[1200];
    snprintf(kc, sizeof kc, "%s/controller.kubeconfig", dir);
    write_kubeconfig(kc, api.port);
    snprintf(log, sizeof log, "%s/controller.log", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/{namespace}/{name}", flink.port);
    int health = fo_test_free_port();
    snprintf(hp, sizeof hp, "%d", health);
    snprintf(defaults, sizeof defaults, "%s/manifests/base/cluster-defaults.yaml", src);
    char *argv[] = {(char *)ctl_bin,
                    "--kubeconfig",
                    kc,
                    "--flink-rest-url",
                    url,
                    "--health-port",
                    hp,
                    "--health-bind-address",
                    "127.0.0.1",
                    "--defaults",
                    defaults,
                    "--leader-elect",
                    "false",
                    "--log-level",
                    "warn",
                    NULL};
    double load[3];
    getloadavg(load, 3);
    printf("== %d FlinkDeployment%s (created in %.2f s; load average %.2f)\n", n, n == 1 ? "" : "s",
           made, load[0]);
    double t0 = now_s();
    pid_t ctl = fo_test_spawn(argv, log);
    fo_strbuf body;
    fo_strbuf_init(&body, 0);
    double ready = -1;
    while (now_s() - t0 < 120) {
        if (http_get(health, "/readyz", &body) == 200) {
            ready = now_s() - t0;
            break;
        }
        fo_test_sleep_ms(20);
    }
    printf("  start-up to /readyz: %.3f s\n", ready);

    /* every deployment STABLE, read from the controller's own gauge (refreshed every 5 s) */
    double stable_at = -1, sb_cpu0 = fo_proc_cpu_s(sb);
    double limit_s = 120 + n * 0.6;
    double stable = 0;
    while (now_s() - t0 < limit_s) {
        if (http_get(health, "/metrics", &body) == 200) {
            stable = metric(body.data, "flinkop_controller_resources", "state=\"STABLE\"");
            if (stable >= n) {
                stable_at = now_s() - t0;
                break;
            }
        }
        fo_test_sleep_ms(500);
    }
    double sb_cpu = fo_proc_cpu_s(sb) - sb_cpu0;
    if (stable_at >= 0)
        printf("  all STABLE after %.1f s (the gauge lags up to 5 s); sandbox CPU meanwhile "
               "%.1f s\n",
               stable_at, sb_cpu);
    else
        printf("  only %.0f of %d STABLE after %.0f s; sandbox CPU meanwhile %.1f s\n", stable, n,
               limit_s, sb_cpu);
    printf("  controller RSS: peak (VmHWM) %.1f MiB by then\n",
           fo_proc_vm_kib(ctl, "VmHWM") / 1024.0);

    /* idle: every pass is a periodic observation of a running job */
    fo_test_sleep_ms(5000);
    counts a0, a1, f0, f1;
    http_get(health, "/metrics", &body);
    double r0 = metric(body.data, "flinkop_controller_reconciles_total", NULL);
    double c0 = fo_proc_cpu_s(ctl), s0 = fo_proc_cpu_s(sb);
    snapshot(&api.c, &a0);
    snapshot(&flink.c, &f0);
    double i0 = now_s();
    fo_test_sleep_ms((int)(idle_s * 1000));
    double took = now_s() - i0;
    snapshot(&api.c, &a1);
    snapshot(&flink.c, &f1);
    double c1 = fo_proc_cpu_s(ctl), s1 = fo_proc_cpu_s(sb);
    http_get(health, "/metrics", &body);
    double passes = metric(body.data, "flinkop_controller_reconciles_total", NULL) - r0;
    getloadavg(load, 3);
    printf("  idle %.0f s (load average %.2f): %.0f passes (%.2f/s), controller CPU %.3f s "
           "(%.2f%% of a core, %.3f ms per pass), sandbox CPU %.2f s\n",
           took, load[0], passes, passes / took, c1 - c0, (c1 - c0) / took * 100,
           passes > 0 ? (c1 - c0) / passes * 1000 : 0, s1 - s0);
    printf("  controller RSS: steady (VmRSS) %.1f MiB, peak (VmHWM) %.1f MiB\n",
           fo_proc_vm_kib(ctl, "VmRSS") / 1024.0, fo_proc_vm_kib(ctl, "VmHWM") / 1024.0);
    print_counts("API server", &a0, &a1, passes);
    print_counts("Flink REST", &f0, &f1, passes);

    /* a restart with everything running: the caches fill with the owned objects too, and
     * the first round of passes must find nothing to write */
    fo_test_stop(ctl, SIGTERM, 30000);
    snapshot(&api.c, &a0);
    snapshot(&flink.c, &f0);
    http_get(health, "/metrics", &body);
    t0 = now_s();
    ctl = fo_test_spawn(argv, log);
    ready = -1;
    while (now_s() - t0 < 120) {
        if (http_get(health, "/readyz", &body) == 200) {
            ready = now_s() - t0;
            break;
        }
        fo_test_sleep_ms(20);
    }
    /* the restart enqueues every deployment at once: wait for that round (each pass reads
     * Flink once) plus a margin */
    double round_s = -1;
    while (now_s() - t0 < 60 + n * 0.2) {
        counts now;
        snapshot(&flink.c, &now);
        unsigned long overview = 0;
        for (size_t i = 0; i < now.n; i++)
            if (strcmp(now.e[i].key, "GET /jobs/overview") == 0)
                overview = now.e[i].count;
        for (size_t i = 0; i < f0.n; i++)
            if (strcmp(f0.e[i].key, "GET /jobs/overview") == 0)
                overview -= f0.e[i].count;
        if (overview >= (unsigned long)n) {
            round_s = now_s() - t0;
            break;
        }
        fo_test_sleep_ms(100);
    }
    fo_test_sleep_ms(2000);
    snapshot(&api.c, &a1);
    snapshot(&flink.c, &f1);
    printf("  restart with all running: /readyz after %.3f s, every deployment observed after "
           "%.1f s, RSS peak (VmHWM) %.1f MiB\n",
           ready, round_s, fo_proc_vm_kib(ctl, "VmHWM") / 1024.0);
    print_counts("restart API server", &a0, &a1, n);
    printf("  (per pass here means per deployment)\n");

    fo_test_stop(ctl, SIGTERM, 30000);
    fo_test_stop(sb, SIGTERM, 30000);
    proxy_stop(&api);
    proxy_stop(&flink);
    fo_strbuf_release(&body);
    fo_test_rmdir(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: controller_bench SANDBOX_BIN CONTROLLER_BIN SRC_DIR "
                        "IDLE_SECONDS N...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows while a long run goes on */
    /* Hermetic: nothing from a developer's cluster. */
    unsetenv("KUBERNETES_SERVICE_HOST");
    printf("controller benchmark: %ld CPUs shared by the controller, the sandbox and this "
           "program\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    double idle = atof(argv[4]);
    for (int i = 5; i < argc; i++)
        bench_one(argv[1], argv[2], argv[3], atoi(argv[i]), idle);
    return 0;
}
