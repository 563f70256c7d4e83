#!/usr/bin/env bash
# The sandbox as a user sees it through kubectl: Deployments roll out (kubectl rollout status
# reads the status the simulated deployment controller writes), a JobManager Deployment runs
# its job in the fake Flink, faults show on the pod, scaling to 0 and deleting stop the cluster,
# and a JobManager whose pod is deleted comes back from its HA data.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox
e2e_init sandbox
start_sandbox

data=$E2E_ROOT/tests/data
job_a=0000000000000000000000000000a001
job_b=0000000000000000000000000000b002

e2e_log "a native application JobManager rolls out and runs its job"
kubectl apply -f "$data/sandbox-native-application.yaml" >/dev/null || fail "kubectl apply"
kubectl rollout status deploy/app --timeout=30s >/dev/null || fail "deploy/app did not roll out"
expect_eq "$(kubectl get deploy app -o jsonpath='{.status.availableReplicas}')" 1 \
    "available replicas of deploy/app"
wait_for "job $job_a RUNNING" 20 job_state_is default app RUNNING
overview=$(http GET "$FLINK_PORT" /default/app/jobs/overview)
expect_contains "$overview" "\"jid\":\"$job_a\"" "the job id from \$internal.pipeline.job-id"
expect_eq "$(kubectl get pods -l component=taskmanager -o name | wc -l)" 2 \
    "native TaskManager pods for parallelism 3 with 2 slots"

e2e_log "a CrashLoopBackOff fault shows on the pod and stops the cluster"
http POST "$FLINK_PORT" /_sandbox/faults/default/app '{"reason":"CrashLoopBackOff"}' >/dev/null
expect_eq "$HTTP_STATUS" 200 "POST /_sandbox/faults"
crash() {
    [ "$(kubectl get pods -l component=jobmanager \
        -o jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}')" = \
        CrashLoopBackOff ]
}
wait_for "the JobManager pod in CrashLoopBackOff" 20 crash
http GET "$FLINK_PORT" /default/app/config >/dev/null
expect_eq "$HTTP_STATUS" 503 "REST API of a crashing JobManager"
http DELETE "$FLINK_PORT" /_sandbox/faults/default/app >/dev/null
kubectl rollout status deploy/app --timeout=30s >/dev/null || fail "deploy/app did not recover"
wait_for "job RUNNING again" 20 job_state_is default app RUNNING

e2e_log "scaling to 0 stops the cluster"
kubectl scale deploy/app --replicas=0 >/dev/null || fail "kubectl scale"
gone() { http GET "$FLINK_PORT" /default/app/config >/dev/null; [ "$HTTP_STATUS" = 503 ]; }
wait_for "the cluster of a scaled-down JobManager to go" 20 gone
no_pods() { [ -z "$(kubectl get pods -l app=app -o name)" ]; }
wait_for "the pods of app to go" 20 no_pods
expect_eq "$(kubectl get deploy app -o jsonpath='{.status.replicas}')" "" "status.replicas at 0"
kubectl scale deploy/app --replicas=1 >/dev/null
kubectl rollout status deploy/app --timeout=30s >/dev/null || fail "deploy/app did not scale up"
kubectl delete -f "$data/sandbox-native-application.yaml" --wait=true >/dev/null || fail "delete"
wait_for "the cluster of a deleted JobManager to go" 20 gone

e2e_log "HA: the ConfigMaps follow checkpoints; a new JobManager pod restores the latest"
kubectl apply -f "$data/sandbox-ha-application.yaml" >/dev/null || fail "kubectl apply ha"
has_checkpoint() {
    kubectl get configmap "ha-$job_b-config-map" -o jsonpath='{.data}' | grep -q checkpointID-
}
wait_for "a checkpoint in ha-$job_b-config-map" 30 has_checkpoint
expect_eq "$(kubectl get cm -l app=ha,configmap-type=high-availability -o name | sort | tr '\n' ' ')" \
    "configmap/ha-$job_b-config-map configmap/ha-cluster-config-map " "HA ConfigMaps"
kubectl delete pod -l component=jobmanager --wait=false >/dev/null || fail "delete pod"
restored() {
    http GET "$FLINK_PORT" /_fake/clusters/default/ha | grep -q "\"path\":\"file:///flink-data/checkpoints/$job_b/chk-"
}
wait_for "the new JobManager to restore a checkpoint from HA" 30 restored
kubectl rollout status deploy/ha --timeout=30s >/dev/null || fail "deploy/ha did not come back"
echo "PASS"
