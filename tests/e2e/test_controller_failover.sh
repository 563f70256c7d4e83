#!/usr/bin/env bash
# Two controllers elect one leader through a Lease; after `kill -9` of the leader the other
# takes over once the lease has run out (a 4 s lease here) and keeps reconciling: it repairs
# drift and deploys a new resource.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-controller
e2e_init failover
start_sandbox
install_crds

LEASE_S=4
election=(--leader-elect=true --lease-name flinkop-e2e --lease-namespace default
    --lease-duration "${LEASE_S}s" --renew-deadline 3s --retry-period 1s)
start_controller c1 "${election[@]}"
pid1=$CONTROLLER_PID port1=$CONTROLLER_HEALTH_PORT
start_controller c2 "${election[@]}"
pid2=$CONTROLLER_PID port2=$CONTROLLER_HEALTH_PORT

# 1 when the controller on that health port holds the Lease (its leader gauge).
leads() { http GET "$1" /metrics 2>/dev/null | grep -q '^flinkop_controller_leader 1'; }
one_leader() {
    local n=0
    leads "$port1" && n=$((n + 1))
    leads "$port2" && n=$((n + 1))
    [ $n = 1 ]
}
wait_for "exactly one leader" 30 one_leader
if leads "$port1"; then
    leader=c1 leader_pid=$pid1 follower=c2 follower_port=$port2
else
    leader=c2 leader_pid=$pid2 follower=c1 follower_port=$port1
fi
holder=$(kubectl get lease flinkop-e2e -n default -o jsonpath='{.spec.holderIdentity}')
[ -n "$holder" ] || fail "the Lease has no holder"
e2e_log "$leader leads (lease holder $holder)"

kubectl apply -f "$E2E_ROOT/examples/basic.yaml" >/dev/null || fail "kubectl apply basic.yaml"
wait_stable basic-example 90
grep -q 'leading: reconciling' "$E2E_DIR/$follower.log" && fail "$follower says it leads too"

e2e_log "kill -9 $leader; $follower must take over within the lease duration"
kill -KILL "$leader_pid"
start=$SECONDS
wait_for "$follower to lead" $((LEASE_S * 3)) leads "$follower_port"
e2e_log "$follower leads after $((SECONDS - start)) s"
new_holder=$(kubectl get lease flinkop-e2e -n default -o jsonpath='{.spec.holderIdentity}')
[ "$new_holder" != "$holder" ] || fail "the Lease still names $holder"

e2e_log "the new leader reconciles: drift repair and a new deployment"
old_uid=$(kubectl get service basic-example-rest -o jsonpath='{.metadata.uid}')
kubectl delete service basic-example-rest >/dev/null || fail "kubectl delete service"
rest_back() {
    local uid
    uid=$(kubectl get service basic-example-rest -o jsonpath='{.metadata.uid}' 2>/dev/null)
    [ -n "$uid" ] && [ "$uid" != "$old_uid" ]
}
wait_for "$follower to recreate basic-example-rest" 30 rest_back
kubectl apply -f "$E2E_ROOT/examples/session.yaml" >/dev/null || fail "kubectl apply session.yaml"
wait_stable session-cluster 90
echo "PASS"
