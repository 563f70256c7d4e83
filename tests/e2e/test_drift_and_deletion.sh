#!/usr/bin/env bash
# The controller repairs drift of what it owns (a deleted rest Service, an edited JobManager
# Deployment) without a redeploy of the job, and deletion of a FlinkDeployment always
# completes: normally (cluster and owned objects gone, HA data removed) and with the Flink
# cluster unreachable (the fake Flink's fault hook drops every connection).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-webhook flinkop-controller
e2e_init drift
start_sandbox
install_crds
start_webhook
register_webhook
start_controller controller

kubectl apply -f "$E2E_ROOT/examples/basic.yaml" -f "$E2E_ROOT/examples/ha.yaml" >/dev/null ||
    fail "kubectl apply"
wait_stable basic-example 90
wait_stable ha-example 90
jid=$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.jobStatus.jobId}')

e2e_log "a deleted rest Service comes back"
old_uid=$(kubectl get service basic-example-rest -o jsonpath='{.metadata.uid}')
kubectl delete service basic-example-rest >/dev/null || fail "kubectl delete service"
rest_back() {
    local uid
    uid=$(kubectl get service basic-example-rest -o jsonpath='{.metadata.uid}' 2>/dev/null)
    [ -n "$uid" ] && [ "$uid" != "$old_uid" ]
}
wait_for "the controller to recreate basic-example-rest" 30 rest_back
expect_eq "$(kubectl get service basic-example-rest -o jsonpath='{.spec.ports[0].port}')" 8081 \
    "the recreated rest Service's port"

e2e_log "an edited JobManager Deployment is put back"
kubectl patch deployment basic-example --type=json -p \
    '[{"op":"replace","path":"/spec/template/spec/containers/0/args","value":["bash","-c","sleep infinity"]},
      {"op":"replace","path":"/spec/replicas","value":3}]' >/dev/null || fail "kubectl patch deployment"
args_back() {
    [ "$(kubectl get deployment basic-example -o jsonpath='{.spec.template.spec.containers[0].args[2]}')" = \
        "kubernetes-jobmanager.sh kubernetes-application" ] &&
        [ "$(kubectl get deployment basic-example -o jsonpath='{.spec.replicas}')" = 1 ]
}
wait_for "the controller to restore the JobManager Deployment" 30 args_back
wait_stable basic-example 60
wait_for "the job to run again" 30 job_state_is default basic-example RUNNING
expect_eq "$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.jobStatus.jobId}')" \
    "$jid" "the job id after drift repair (no new deployment of the job)"

e2e_log "deleting a FlinkDeployment removes its cluster, objects and HA data"
expect_contains "$(kubectl get configmap -l app=ha-example,configmap-type=high-availability -o name)" \
    ha-example-cluster-config-map "HA data before deletion"
kubectl delete flinkdeployment ha-example --timeout=90s >/dev/null || fail "deleting ha-example did not complete"
no_objects() {
    [ -z "$(kubectl get deployment,service,configmap -l app=ha-example -o name 2>/dev/null)" ]
}
wait_for "ha-example's objects and HA ConfigMaps to go" 30 no_objects
cluster_gone() { http GET "$FLINK_PORT" /default/ha-example/config >/dev/null; [ "$HTTP_STATUS" = 503 ]; }
wait_for "ha-example's Flink cluster to go" 30 cluster_gone

e2e_log "deletion completes with the Flink cluster unreachable"
http POST "$FLINK_PORT" /_fake/clusters/default/basic-example/faults '{"unreachable":"reset"}' >/dev/null
expect_eq "$HTTP_STATUS" 200 "the fake Flink's unreachable fault"
kubectl delete flinkdeployment basic-example --timeout=120s >/dev/null ||
    fail "deleting basic-example with Flink unreachable did not complete"
no_basic() { [ -z "$(kubectl get deployment,service,configmap -l app=basic-example -o name 2>/dev/null)" ]; }
wait_for "basic-example's objects to go" 30 no_basic
echo "PASS"
