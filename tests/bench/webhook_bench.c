/* Webhook benchmark, two modes over the same AdmissionReview bodies (made by review_gen from
 * examples/basic.yaml and examples/pod-templates.yaml):
 *
 *   webhook_bench load WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds-per-run [rounds]]
 *       req/s, p50 and p99 of /validate and /mutate over keep-alive TLS connections (1, 8 and
 *       64 concurrent clients) next to the bare responder (same httpd, canned answer) and to
 *       the responder with --check-json (it checks that the body is JSON first with the
 *       library's check: the least a webhook must do, so the ceiling of the ratio for a webhook
 *       on this library that answers a malformed review with 400), then a paced run at 1,000 req/s
 * for the latency target, and peak RSS (VmHWM) of the webhook and the bare responder. With several
 * rounds (default 1) every server runs once per round at each level and body, in turn; the table
 * shows medians, and each ratio pairs a run with the responder's run of the same round (range: the
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/webhook/bench.h"

/* The optional rounds argument of load and paced (default 1); 0 when out of range. */
static int rounds_arg(int argc, char **argv, int at)
{
    int rounds = argc > at ? atoi(argv[at]) : 1;
    if (rounds >= 1 && rounds <= WB_MAX_ROUNDS)
        return rounds;
    fprintf(stderr, "webhook_bench: rounds must be 1 to %d\n", WB_MAX_ROUNDS);
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
        return load ? wb_load_main(argv[2], argv[3], argv[4], seconds, rounds)
                    : wb_paced_main(argv[2], argv[3], argv[4], seconds, rounds);
    }
    if (argc >= 4 && strcmp(argv[1], "flood") == 0)
        return wb_flood_main(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "cpu") == 0)
        return wb_cpu_main(argv[2], argv[3], argv[4]);
    fprintf(stderr,
            "usage: webhook_bench load WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds "
            "[rounds]]\n"
            "       webhook_bench paced WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR [seconds [rounds]]\n"
            "       webhook_bench flood WEBHOOK_BIN REVIEW_DIR\n"
            "       webhook_bench cpu WEBHOOK_BIN RESPONDER_BIN REVIEW_DIR\n");
    return 2;
}
