#!/usr/bin/env bash
# hanging_jobmanagers.sh: what JobManagers that take the REST connection and never answer cost
# a healthy FlinkDeployment's spec change. Against the sandbox (release build): N
# FlinkDeployments from examples/basic.yaml plus one named "healthy", all STABLE; then H of the
# N hang (the fake Flink's "unreachable": "hang" fault) and, after the controller has met them
# for HANG_SETTLE_SECONDS, "healthy" gets ROUNDS spec changes (job.parallelism, a stateless
# upgrade) one after the other. For each change: the seconds until a pass took it up
# (status.observedGeneration reaches the new generation) and until it was STABLE again. The
# controller runs with the production defaults (observe 15 s, progress 5 s, REST-ready delay
# 10 s), --leader-elect false, and HANG_WORKERS workers when set (else its default). Also the
# controller's RSS (VmRSS, VmHWM) before the hang and at the end. Prints figures, never fails on
# them (a change not STABLE within 300 s is reported so and ends that run's rounds).
#
#   hanging_jobmanagers.sh [N [H...]]      defaults: 50, then H = 0 12 50 (one run each)
#   HANG_WORKERS, HANG_ROUNDS (3), HANG_SETTLE_SECONDS (30)
set -uo pipefail
export FO_BIN_DIR=${FO_BIN_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
export E2E_READY_DELAY_MS=1000
source "$(dirname "$0")/../e2e/lib.sh"
need flinkop-sandbox flinkop-controller

N=${1:-50}
shift || true
HANGS=("$@")
[ ${#HANGS[@]} -eq 0 ] && HANGS=(0 12 50)
ROUNDS=${HANG_ROUNDS:-3}
SETTLE=${HANG_SETTLE_SECONDS:-30}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rss() { awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$1/status"; }

deployment() { # NAME
    sed -e "s/name: basic-example/name: $1/" "$E2E_ROOT/examples/basic.yaml"
    echo "---"
}

all_stable() {
    local want=$1 got
    got=$(kubectl get flinkdeployments \
        -o jsonpath='{range .items[*]}{.status.lifecycleState}{"\n"}{end}' | grep -c '^STABLE$')
    [ "$got" -ge "$want" ]
}

one_run() { # H
    local h=$1 i
    e2e_init hang
    start_sandbox
    install_crds
    CONTROLLER_HEALTH_PORT=$(free_port) || fail "no free port for the controller"
    local args=(--kubeconfig "$KUBECONFIG"
        --flink-rest-url "http://127.0.0.1:$FLINK_PORT/{namespace}/{name}"
        --health-port "$CONTROLLER_HEALTH_PORT" --leader-elect false
        --defaults "$E2E_ROOT/manifests/base/cluster-defaults.yaml" --log-level info)
    [ -n "${HANG_WORKERS:-}" ] && args+=(--workers "$HANG_WORKERS")
    spawn controller "$E2E_DIR/controller.log" "$E2E_BIN/flinkop-controller" "${args[@]}"
    CONTROLLER_PID=$E2E_PID
    wait_port controller "$CONTROLLER_PID" "$CONTROLLER_HEALTH_PORT" 20
    {
        for ((i = 0; i < N; i++)); do deployment "$(printf 'hang-%03d' "$i")"; done
        deployment healthy
    } >"$E2E_DIR/all.yaml"
    kubectl apply -f "$E2E_DIR/all.yaml" >/dev/null || fail "kubectl apply"
    wait_for "$((N + 1)) deployments STABLE" 600 all_stable $((N + 1))
    sleep 20 # every first-pass burst over: the controller idles
    local before
    before=$(rss "$CONTROLLER_PID")
    for ((i = 0; i < h; i++)); do
        http POST "$FLINK_PORT" "/_fake/clusters/default/$(printf 'hang-%03d' "$i")/faults" \
            '{"unreachable": "hang"}' >/dev/null
        [ "$HTTP_STATUS" = 200 ] || fail "hang fault: HTTP $HTTP_STATUS"
    done
    sleep "$SETTLE"
    local p=2 r gen t0 seen stable out og lc deadline
    local line="workers=${HANG_WORKERS:-default} deployments=$N hanging=$h:"
    for ((r = 0; r < ROUNDS; r++)); do
        p=$((p == 2 ? 3 : 2))
        t0=$(now)
        kubectl patch flinkdeployment healthy --type merge \
            -p "{\"spec\":{\"job\":{\"parallelism\":$p}}}" >/dev/null || fail "kubectl patch"
        gen=$(kubectl get flinkdeployment healthy -o jsonpath='{.metadata.generation}')
        seen="" stable="" deadline=$((SECONDS + 300))
        while [ -z "$stable" ] && [ $SECONDS -lt $deadline ]; do
            out=$(kubectl get flinkdeployment healthy \
                -o jsonpath='{.status.observedGeneration}|{.status.lifecycleState}')
            IFS='|' read -r og lc <<<"$out"
            [ -z "$seen" ] && [ "${og:-0}" -ge "$gen" ] && seen=$(now)
            [ -n "$seen" ] && [ "$lc" = STABLE ] && stable=$(now)
            sleep 0.1
        done
        if [ -z "$stable" ]; then # the next changes would only pile up behind this one
            line="$line  taken up ${seen:+$(secs "$t0" "$seen") s}${seen:-not in 300 s},"
            line="$line not STABLE in 300 s;"
            break
        fi
        line="$line  taken up $(secs "$t0" "$seen") s, STABLE $(secs "$t0" "$stable") s;"
        sleep 5
    done
    echo "$line"
    echo "  controller before the hang: $before  at the end: $(rss "$CONTROLLER_PID")"
}

for h in "${HANGS[@]}"; do
    (one_run "$h")
done
