#!/usr/bin/env bash
# shellcheck disable=SC2034 # the E2E_* settings below are read by tests/e2e/lib.sh
# scripts/demo.sh [--stop]: what `make demo` / `make demo-stop` run (the Makefile builds
# first). Everything it starts and writes lives in .demo/ (git-ignored); a second run stops
# the first one's processes and starts afresh.
#
# Sandbox (the default): a simulated cluster on this machine, nothing else needed but kubectl.
#   1. build/flinkop-sandbox: fake API server + fake Flink + simulated kubelet on free
#      loopback ports; .demo/kubeconfig points kubectl at it;
#   2. the CRDs (kubectl apply --server-side -f crds/...);
#   3. build/flinkop-webhook on 127.0.0.1, HTTPS with a CA from certs/gen.sh (for the name
#      localhost) when certtool or openssl is installed, else plain HTTP; the webhook
#      configurations of manifests/base, rendered with kubectl kustomize, clientConfig
#      rewritten to the loopback URL (and caBundle);
#   4. build/flinkop-controller against the sandbox, Flink REST at
#      http://127.0.0.1:<flink port>/{namespace}/{name};
#   5. kubectl apply -f examples/basic.yaml, then `kubectl get flinkdeployments -w` until it is
#      STABLE (or 120 s), and the processes keep running.
#
# A real cluster: when $KUBECONFIG names a reachable cluster (and FLINKOP_DEMO_SANDBOX is not 1),
# the demo installs flinkop there instead: certs/gen.sh, then
# `kubectl apply --server-side -k manifests/overlays/self-signed` (CRDs, namespace
# flinkop-system, RBAC, the controller and webhook Deployments with image
# ghcr.io/flinkop/flinkop:latest, the webhook configurations), waits for both Deployments,
# applies examples/basic.yaml to the current namespace and watches it. `make demo-stop` then
# deletes the example only; `kubectl delete -k manifests/overlays/self-signed` uninstalls.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=$root/.demo
export FO_SRC_DIR=$root
export FO_BIN_DIR=${FO_BIN_DIR:-$root/build}
# shellcheck source=../tests/e2e/lib.sh
source "$root/tests/e2e/lib.sh"
E2E_DIR=$state
E2E_DETACH=1
E2E_NO_DUMP=1
E2E_READY_DELAY_MS=${FLINKOP_DEMO_READY_DELAY_MS:-1500}
STABLE_TIMEOUT_S=${FLINKOP_DEMO_TIMEOUT_S:-120}

say() { printf 'demo: %s\n' "$*"; }
die() {
    printf 'demo: error: %s\n' "$*" >&2
    local f
    for f in "$state"/*.log; do
        [ -s "$f" ] || continue
        printf 'demo: last lines of %s:\n' "${f#"$root"/}" >&2
        tail -n 8 "$f" | sed 's/^/    /' >&2
    done
    printf 'demo: logs are in .demo/; `make demo-stop` stops what was started\n' >&2
    exit 1
}
# lib.sh's helpers call fail() and e2e_log(); in the demo: a clear error with the logs, and
# the demo's own voice.
fail() { die "$*"; }
e2e_log() { say "$*"; }

# Stop the processes of a previous run (pid files whose process is still one of ours).
stop_previous() {
    local f pid name stopped=0
    for f in "$state"/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        name=$(basename "$f" .pid)
        if [ -n "$pid" ] && grep -qa "flinkop-" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            local i
            for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
            stopped=$((stopped + 1))
            say "stopped $name (pid $pid)"
        fi
        rm -f "$f"
    done
    return 0
}

stop() {
    if [ "$(cat "$state/mode" 2>/dev/null)" = cluster ]; then
        say "deleting examples/basic.yaml from the cluster (flinkop stays installed;"
        say "uninstall with: kubectl delete -k manifests/overlays/self-signed)"
        kubectl delete -f "$root/examples/basic.yaml" --ignore-not-found --wait=false ||
            die "kubectl could not delete examples/basic.yaml"
        rm -f "$state/mode"
        return 0
    fi
    stop_previous
    rm -f "$state/mode" "$state/kubeconfig"
    say "stopped"
}

need_programs() {
    command -v kubectl >/dev/null 2>&1 ||
        die "kubectl is not installed (https://kubernetes.io/docs/tasks/tools/; v1.30 or newer)"
    local b
    for b in flinkop-sandbox flinkop-webhook flinkop-controller; do
        [ -x "$FO_BIN_DIR/$b" ] || die "$FO_BIN_DIR/$b is not built (run \`make\`)"
    done
}

# True when $KUBECONFIG names a cluster that answers (and is not a previous demo's sandbox).
real_cluster() {
    [ "${FLINKOP_DEMO_SANDBOX:-0}" != 1 ] || return 1
    [ -n "${KUBECONFIG:-}" ] || return 1
    case $KUBECONFIG in *.demo/kubeconfig*) return 1 ;; esac
    kubectl --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

# Watch the example until it is STABLE: kubectl's own watch in the background, bounded.
watch_example() {
    local name=basic-example deadline watch_pid
    kubectl get flinkdeployments -w &
    watch_pid=$!
    deadline=$((SECONDS + STABLE_TIMEOUT_S))
    until is_stable "$name"; do
        if [ $SECONDS -ge $deadline ]; then
            kill "$watch_pid" 2>/dev/null
            wait "$watch_pid" 2>/dev/null
            echo
            kubectl get flinkdeployment "$name" -o jsonpath='{.status.error}{"\n"}' 2>/dev/null
            die "$name did not reach STABLE within ${STABLE_TIMEOUT_S}s (lifecycle: '$(lifecycle "$name")')"
        fi
        sleep 0.5
    done
    sleep 0.5 # let the watch print the STABLE row
    kill "$watch_pid" 2>/dev/null
    wait "$watch_pid" 2>/dev/null
    echo
}

demo_cluster() {
    say "\$KUBECONFIG reaches a cluster ($(kubectl config current-context 2>/dev/null)): installing flinkop there"
    echo cluster >"$state/mode"
    "$root/certs/gen.sh" || die "certs/gen.sh failed"
    kubectl apply --server-side -k "$root/manifests/overlays/self-signed" ||
        die "kubectl could not install manifests/overlays/self-signed"
    kubectl -n flinkop-system rollout status deploy/flinkop-webhook deploy/flinkop-controller \
        --timeout=300s || die "flinkop did not become ready in flinkop-system (image pulled?)"
    kubectl apply -f "$root/examples/basic.yaml" || die "kubectl could not apply examples/basic.yaml"
    watch_example
    say "running. More: kubectl apply -f examples/<name>.yaml. Stop: make demo-stop"
}

demo_sandbox() {
    echo sandbox >"$state/mode"
    local f
    for f in sandbox webhook controller; do : >"$state/$f.log"; done
    start_sandbox --log-level info
    install_crds
    start_webhook
    register_webhook
    [ -n "$WEBHOOK_CA" ] || say "(plain HTTP on loopback: certs/gen.sh, certtool or openssl missing)"
    start_controller controller --log-level info
    kubectl apply -f "$root/examples/basic.yaml" || die "kubectl could not apply examples/basic.yaml"
    watch_example
    say "running: API server http://127.0.0.1:$API_PORT, Flink REST http://127.0.0.1:$FLINK_PORT/{namespace}/{name}, logs in .demo/"
    say "more: KUBECONFIG=.demo/kubeconfig kubectl apply -f examples/session.yaml (or any examples/*.yaml); stop: make demo-stop"
}

main() {
    mkdir -p "$state"
    if [ "${1:-}" = --stop ]; then
        stop
        return
    fi
    [ $# -eq 0 ] || die "usage: scripts/demo.sh [--stop]"
    stop_previous
    rm -f "$state/mode"
    need_programs
    if real_cluster; then
        demo_cluster
    else
        if [ -n "${KUBECONFIG:-}" ] && [ "${FLINKOP_DEMO_SANDBOX:-0}" != 1 ]; then
            case $KUBECONFIG in
            *.demo/kubeconfig*) ;;
            *) say "\$KUBECONFIG ($KUBECONFIG) reaches no cluster: using the sandbox" ;;
            esac
        fi
        demo_sandbox
    fi
}

main "$@"
