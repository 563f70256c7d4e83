#ifndef FO_BENCH_WEBHOOK_BENCH_H
#define FO_BENCH_WEBHOOK_BENCH_H

/* The parts of tests/bench/webhook_bench.c (the webhook's benchmark program): TLS clients,
 * the closed-loop and paced runner, the servers under test, and the four modes (load, paced,
 * flood, cpu), each in its own file here. Figures only: nothing passes or fails. */

#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/support/testcerts.h"

#define WB_MAX_CLIENTS 64
#define WB_MAX_ROUNDS 15
#define WB_NBODIES 2

/* The request bodies (made by review_gen in REVIEW_DIR) and the webhook's routes. */
extern const char *const WB_BODY_FILES[WB_NBODIES];
extern const char *const WB_ROUTES[2];

int64_t wb_now_ns(void);

/* ---- one keep-alive TLS connection (tls_client.c) ---- */

typedef struct wb_conn {
    int fd;
    gnutls_session_t s;
    char buf[256 * 1024];
    size_t have;
} wb_conn;

/* Trust the CA file for every connection opened after (and drop it with NULL). */
void wb_client_trust(const char *ca_file);
bool wb_conn_open(wb_conn *c, int port);
void wb_conn_close(wb_conn *c);
/* Send one request and read its answer (Content-Length framed) whatever its size: the body is
 * counted, not kept. HTTP status or -1. */
int wb_roundtrip(wb_conn *c, const char *req, size_t len);

/* ---- many clients at once (runner.c) ---- */

typedef struct wb_result {
    double rps, p50_ms, p99_ms;
    size_t errors;
} wb_result;

/* `clients` connections sending req for `seconds`: closed loop, or paced at paced_rps in all
 * (latency from each request's scheduled send time) when paced_rps > 0. */
wb_result wb_run(int port, const char *req, size_t len, int clients, double seconds,
                 double paced_rps);

/* The same against a server process, with its CPU time (user + system) per request in
 * *server_us: independent of how the clients were scheduled. */
wb_result wb_run_on(pid_t pid, int port, const char *req, size_t len, int clients, double seconds,
                    double paced_rps, double *server_us);

/* ---- the servers under test (servers.c) ---- */

/* The servers compared: the webhook; the bare responder (TLS, HTTP and the server loop: the
 * baseline); the responder checking that each body is JSON (--check-json: the least a webhook
 * must do with a review). */
typedef enum wb_server_kind { WB_WEBHOOK, WB_RESPONDER, WB_JSON_CHECK } wb_server_kind;

typedef struct wb_setup {
    fo_testcerts *ca;
    char *crt, *key, *defaults, *log;
    char *bodies[WB_NBODIES];
    char *reqs[WB_NBODIES][2]; /* body x route */
    size_t lens[WB_NBODIES][2];
} wb_setup;

/* Certificates, the clients' trust, the bodies of review_dir and their requests; exits on a
 * missing body. */
void wb_setup_init(wb_setup *s, const char *review_dir);
void wb_setup_release(wb_setup *s);

/* An HTTP request for route with body, as the API server sends it. */
char *wb_make_request(const char *route, const char *body);

/* Start a server (optionally under a wrapper such as valgrind); its port in *port. Exits when
 * it does not listen within wait_ms. */
pid_t wb_start_server(const wb_setup *s, const char *bin, wb_server_kind kind, char *const *wrapper,
                      int *port, int wait_ms);

/* ---- the modes ---- */

int wb_load_main(const char *webhook, const char *responder, const char *dir, double seconds,
                 int rounds);
int wb_paced_main(const char *webhook, const char *responder, const char *dir, double seconds,
                  int rounds);
int wb_flood_main(const char *webhook, const char *dir);
int wb_cpu_main(const char *webhook, const char *responder, const char *dir);

#endif
