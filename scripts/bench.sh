#!/bin/bash
# bench.sh [SUITE...]: run benchmarks against the release build (build/, build/bench/).
# Called by `make bench` (every suite) and `make bench-<suite>`. Benchmarks print figures and
# never fail on them; they are not part of `make test`.
#
# Add a suite: write a bench_<name> function below and list it in ALL_SUITES.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build"
export FO_BIN_DIR="$bin" FO_SRC_DIR="$root" FO_TEST_DATA="$root/tests/data"

ALL_SUITES=(webhook webhook-cpu webhook-loop webhook-flood controller)

need() {
    for f in "$@"; do
        [ -x "$f" ] || { echo "bench: $f is missing (run make bench)" >&2; exit 1; }
    done
}

# The webhook suites' request bodies: AdmissionReviews of examples/basic.yaml (CREATE) and
# examples/pod-templates.yaml (UPDATE of a running deployment) as an API server sends them.
reviews() {
    need "$bin/bench/review_gen"
    review_dir=$(mktemp -d)
    trap 'rm -rf "$review_dir"' EXIT
    "$bin/bench/review_gen" "$review_dir" "$root/examples" \
        "$root/tests/data/admission-cluster-defaults.yaml" >/dev/null || exit 1
}

# Webhook: req/s and p50/p99 of /validate and /mutate at 1, 8, 64 keep-alive TLS clients beside
# the bare responder and the responder that only checks the JSON, a paced 1000 req/s run, and
# peak RSS. BENCH_SECONDS sets each run's length, BENCH_ROUNDS how many times each server runs
# at each level (medians and paired ratios are printed).
bench_webhook() {
    need "$bin/flinkop-webhook" "$bin/bench/bare_responder" "$bin/bench/webhook_bench"
    reviews
    "$bin/bench/webhook_bench" load "$bin/flinkop-webhook" "$bin/bench/bare_responder" \
        "$review_dir" "${BENCH_SECONDS:-3}" "${BENCH_ROUNDS:-3}"
}

# Webhook latency target alone: each body and route paced at 1,000 req/s over 8 connections,
# with the bare responder paced the same way beside it (the machine's own tail), every run
# printed. BENCH_SECONDS per run, BENCH_ROUNDS rounds (default 3). Not part of `make bench`:
# bench-webhook runs one round of it.
bench_webhook-paced() {
    need "$bin/flinkop-webhook" "$bin/bench/bare_responder" "$bin/bench/webhook_bench"
    reviews
    "$bin/bench/webhook_bench" paced "$bin/flinkop-webhook" "$bin/bench/bare_responder" \
        "$review_dir" "${BENCH_SECONDS:-3}" "${BENCH_ROUNDS:-3}"
}

# Webhook memory bound: many clients at once sending the reviews that cost it the most memory
# (at the reader's weight bound; 6.6 MB and 3 MB of long template strings), with 200 / 429
# counts and the peak RSS after each. What the manifests' memory limit is sized by.
bench_webhook-flood() {
    need "$bin/flinkop-webhook" "$bin/bench/webhook_bench"
    reviews
    "$bin/bench/webhook_bench" flood "$bin/flinkop-webhook" "$review_dir"
}

# Webhook CPU: instructions per request under callgrind (repeatable on a busy machine), with
# the webhook's phases, next to the bare responder.
bench_webhook-cpu() {
    need "$bin/flinkop-webhook" "$bin/bench/bare_responder" "$bin/bench/webhook_bench"
    reviews
    "$bin/bench/webhook_bench" cpu "$bin/flinkop-webhook" "$bin/bench/bare_responder" \
        "$review_dir"
}

# Webhook handler in a loop, in process: time per request of decode, judge or change, encode
# for each body and route, without TLS and HTTP and with warm caches (the handler's floor).
# BENCH_LOOP_ROUNDS sets the requests per body and route.
bench_webhook-loop() {
    need "$bin/bench/webhook_loop"
    reviews
    "$bin/bench/webhook_loop" "$review_dir" "$root/tests/data/admission-cluster-defaults.yaml" \
        "${BENCH_LOOP_ROUNDS:-20000}"
}

# Controller: against the sandbox with 1, 100 and 1,000 FlinkDeployments from examples/basic.yaml:
# start-up to /readyz, time to all STABLE, peak and steady RSS, CPU and requests per idle pass.
# BENCH_CONTROLLER_COUNTS sets the sizes, BENCH_IDLE_SECONDS the idle stretch (default 60).
bench_controller() {
    need "$bin/flinkop-sandbox" "$bin/flinkop-controller" "$bin/bench/controller_bench"
    # shellcheck disable=SC2086
    "$bin/bench/controller_bench" "$bin/flinkop-sandbox" "$bin/flinkop-controller" "$root" \
        "${BENCH_IDLE_SECONDS:-60}" ${BENCH_CONTROLLER_COUNTS:-1 100 1000}
}

# Controller beside JobManagers that take the REST connection and never answer: seconds until a
# healthy FlinkDeployment's spec change is taken up and STABLE with 0, 12 and 50 of 50 others
# hanging, and the controller's RSS (tests/bench/hanging_jobmanagers.sh; HANG_WORKERS,
# HANG_ROUNDS, HANG_SETTLE_SECONDS). Not part of `make bench` (about 15 min).
bench_controller-hang() {
    need "$bin/flinkop-sandbox" "$bin/flinkop-controller"
    "$root/tests/bench/hanging_jobmanagers.sh" 50 0 12 50
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=("${ALL_SUITES[@]}")
status=0
for s in "${suites[@]}"; do
    if ! declare -F "bench_$s" >/dev/null; then
        echo "bench: unknown suite '$s' (known: ${ALL_SUITES[*]})" >&2
        exit 2
    fi
    echo "== bench: $s"
    "bench_$s" || status=1
done
exit $status
