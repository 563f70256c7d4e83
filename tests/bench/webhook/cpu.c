/* The webhook benchmark's cpu mode: instructions per request under callgrind, start-up and
 * shutdown cancelled out, with the webhook's phases from callgrind_annotate. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/webhook/bench.h"
#include "tests/support/testutil.h"

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
static bool callgrind_run(const wb_setup *s, const char *bin, wb_server_kind kind, const char *req,
                          size_t len, int n, counts *c)
{
    char out[600], outopt[700];
    snprintf(out, sizeof out, "%s/callgrind.%d.out", s->ca->dir, n);
    snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", out);
    char *wrapper[] = {"/usr/bin/valgrind", "--tool=callgrind", outopt, NULL};
    int port;
    pid_t pid = wb_start_server(s, bin, kind, wrapper, &port, 120000);
    wb_conn *cn = malloc(sizeof *cn);
    bool ok = wb_conn_open(cn, port);
    for (int i = 0; ok && i < n; i++)
        ok = wb_roundtrip(cn, req, len) == 200;
    wb_conn_close(cn);
    free(cn);
    fo_test_stop(pid, SIGTERM, 120000);
    ok = ok && read_counts(out, c);
    if (getenv("FO_BENCH_DEBUG"))
        fprintf(stderr, "%s: n=%d total %.0f release %.0f\n", out, n, c->total, c->phase[5]);
    else
        unlink(out);
    return ok;
}

static bool per_request(const wb_setup *s, const char *bin, wb_server_kind kind, const char *req,
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

int wb_cpu_main(const char *webhook, const char *responder, const char *dir)
{
    if (access("/usr/bin/valgrind", X_OK) != 0) {
        printf("webhook cpu: valgrind is not installed, skipped\n");
        return 0;
    }
    wb_setup s;
    wb_setup_init(&s, dir);
    double load[3] = {0};
    getloadavg(load, 3);
    printf("webhook cpu: instructions per request under callgrind (server side, user space; "
           "load average %.2f, which does not affect these counts)\n",
           load[0]);
    printf("%-26s %-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", "body", "route", "total", "handler",
           "decode", "validate", "mutate", "encode", "release", "outside");
    for (int b = 0; b < WB_NBODIES; b++) {
        counts base;
        if (!per_request(&s, responder, WB_RESPONDER, s.reqs[b][1], s.lens[b][1], &base)) {
            printf("%-26s responder: run failed (see %s)\n", WB_BODY_FILES[b], s.log);
            continue;
        }
        printf("%-26s %-10s %9.0f\n", WB_BODY_FILES[b], "responder", base.total);
        counts chk;
        if (per_request(&s, responder, WB_JSON_CHECK, s.reqs[b][1], s.lens[b][1], &chk))
            printf("%-26s %-10s %9.0f %59s  (ratio %.2f)\n", WB_BODY_FILES[b], "json check",
                   chk.total, "", chk.total > 0 ? base.total / chk.total : 0);
        for (int r = 0; r < 2; r++) {
            counts c;
            if (!per_request(&s, webhook, WB_WEBHOOK, s.reqs[b][r], s.lens[b][r], &c)) {
                printf("%-26s %s: run failed (see %s)\n", WB_BODY_FILES[b], WB_ROUTES[r], s.log);
                continue;
            }
            printf("%-26s %-10s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f  (ratio %.2f)\n",
                   WB_BODY_FILES[b], WB_ROUTES[r], c.total, c.phase[0], c.phase[1], c.phase[2],
                   c.phase[3], c.phase[4], c.phase[5], c.total - c.phase[0],
                   c.total > 0 ? base.total / c.total : 0);
        }
    }
    printf("(ratio: responder instructions / webhook instructions per request; 'outside' is "
           "TLS, HTTP and the server loop around the handler; 'json check' is the responder "
           "checking that the body is JSON, the least a webhook must do)\n");
    wb_setup_release(&s);
    return 0;
}
