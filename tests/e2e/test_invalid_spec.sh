#!/usr/bin/env bash
# The controller does not trust that the webhook ran: with no webhook registered, an invalid
# change lands in status.error (the same messages the webhook gives) and the running cluster is
# left alone; fixing the spec clears the error. A change too heavy to hold is cached as a stub,
# reported the same way, and the deployment can still be deleted.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-controller
e2e_init invalid
start_sandbox
install_crds
start_controller controller

kubectl apply -f "$E2E_ROOT/examples/basic.yaml" >/dev/null || fail "kubectl apply basic.yaml"
wait_stable basic-example 90
jid=$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.jobStatus.jobId}')
gen=$(kubectl get deployment basic-example -o jsonpath='{.metadata.generation}')
pod=$(kubectl get pods -l app=basic-example,component=jobmanager -o jsonpath='{.items[0].metadata.name}')

e2e_log "an invalid change is stored (no webhook) and reported in status"
kubectl patch flinkdeployment basic-example --type=merge \
    -p '{"spec":{"job":{"parallelism":0},"flinkConfiguration":{"kubernetes.namespace":"elsewhere"}}}' \
    >/dev/null || fail "kubectl patch (no webhook) was refused"
has_error() {
    kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}' | grep -q 'Job parallelism must be larger than 0'
}
wait_for "status.error to report the invalid spec" 30 has_error
err=$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}')
expect_contains "$err" 'Forbidden Flink config key: kubernetes.namespace' "status.error"
# The Warning names the Operator as its source, as the Apache operator's does: alerting built
# on `--field-selector source=Operator` finds it.
validation_event() {
    kubectl get events --field-selector source=Operator,reason=ValidationError \
        -o jsonpath='{.items[*].message}' | grep -q 'Job parallelism must be larger than 0'
}
wait_for "a ValidationError Event with source Operator" 30 validation_event
sleep 2 # passes that could wrongly act on the invalid spec
expect_eq "$(flink_job_state default basic-example)" RUNNING "the job after an invalid change"
expect_contains "$(http GET "$FLINK_PORT" /default/basic-example/jobs/overview)" "\"jid\":\"$jid\"" \
    "the same job runs"
expect_eq "$(kubectl get deployment basic-example -o jsonpath='{.metadata.generation}')" "$gen" \
    "the JobManager Deployment's generation"
expect_eq "$(kubectl get pods -l app=basic-example,component=jobmanager -o jsonpath='{.items[0].metadata.name}')" \
    "$pod" "the JobManager pod"
expect_eq "$(kubectl get deployment basic-example -o jsonpath='{.spec.template.spec.containers[0].args[2]}')" \
    "kubernetes-jobmanager.sh kubernetes-application" "the JobManager's args"

e2e_log "fixing the spec clears the error"
kubectl patch flinkdeployment basic-example --type=json \
    -p '[{"op":"replace","path":"/spec/job/parallelism","value":2},{"op":"remove","path":"/spec/flinkConfiguration/kubernetes.namespace"}]' \
    >/dev/null || fail "kubectl patch (fix)"
no_error() { [ -z "$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}')" ]; }
wait_for "status.error to clear" 30 no_error
wait_stable basic-example 60

e2e_log "a resource invalid from its first apply: nothing deployed, the status Apache writes"
sed -e 's/name: basic-example/name: never-deployed/' -e 's/parallelism: 2/parallelism: 0/' \
    "$E2E_ROOT/examples/basic.yaml" | kubectl apply -f - >/dev/null ||
    fail "kubectl apply never-deployed (no webhook) was refused"
never_failed() {
    [ "$(kubectl get flinkdeployment never-deployed -o jsonpath='{.status.lifecycleState}')" = FAILED ]
}
wait_for "never-deployed to read FAILED" 30 never_failed
expect_eq "$(kubectl get flinkdeployment never-deployed \
    -o jsonpath='{.status.jobManagerDeploymentStatus}|{.status.reconciliationStatus.state}|{.status.reconciliationStatus.reconciliationTimestamp}')" \
    "MISSING|UPGRADING|0" "jobManagerDeploymentStatus, reconciliation state and timestamp"
expect_eq "$(kubectl get flinkdeployment never-deployed -o jsonpath='{.status.observedGeneration}')" \
    "" "observedGeneration of a spec never reconciled"
expect_contains "$(kubectl get flinkdeployment never-deployed --no-headers)" FAILED \
    "the Lifecycle State column"
expect_eq "$(argocd_health never-deployed)" Progressing "Argo CD health of never-deployed"
expect_eq "$(kubectl get deployment never-deployed --ignore-not-found -o name)" "" \
    "a JobManager Deployment of never-deployed"
kubectl delete flinkdeployment never-deployed --wait=false >/dev/null || fail "kubectl delete"

e2e_log "a change too heavy to hold (60,000 JSON values): the cluster is kept, status says why"
# 30,000 pod-template annotations: about 450 KB, 60,000 values where the bound is 50,000 (what
# the webhook would have refused). Without the bound the controller would build all of them.
awk 'BEGIN { printf "{\"spec\":{\"podTemplate\":{\"metadata\":{\"annotations\":{";
             for (i = 0; i < 30000; i++) printf "%s\"note-%d\":\"\"", (i ? "," : ""), i;
             print "}}}}}" }' >"$E2E_DIR/heavy-patch.json"
kubectl patch flinkdeployment basic-example --type=merge --patch-file "$E2E_DIR/heavy-patch.json" \
    >/dev/null || fail "kubectl patch (heavy) was refused"
too_heavy() {
    kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}' |
        grep -q 'more than 50000 JSON values'
}
wait_for "status.error to report the object too large" 30 too_heavy
sleep 2 # passes that could wrongly act on it
expect_eq "$(flink_job_state default basic-example)" RUNNING "the job after a heavy change"
expect_contains "$(http GET "$FLINK_PORT" /default/basic-example/jobs/overview)" "\"jid\":\"$jid\"" \
    "the same job runs"
expect_eq "$(kubectl get pods -l app=basic-example,component=jobmanager -o jsonpath='{.items[0].metadata.name}')" \
    "$pod" "the JobManager pod"
expect_contains "$(kubectl get events --field-selector involvedObject.name=basic-example -o jsonpath='{.items[*].message}')" \
    "too large for flinkop" "the Events of the deployment"
counted() {
    http GET "$CONTROLLER_HEALTH_PORT" /metrics 2>/dev/null |
        grep -q '^flinkop_controller_oversized_resources{kind="FlinkDeployment"} 1$'
}
wait_for "the controller's metrics to count the heavy resource" 30 counted
rss=$(awk '/^VmHWM/ {print $2}' "/proc/$CONTROLLER_PID/status")
e2e_log "controller peak RSS with the heavy object cached as a stub: $rss kB"

e2e_log "deleting it still ends: the stub keeps the finalizers"
kubectl delete flinkdeployment basic-example --wait=false >/dev/null || fail "kubectl delete"
gone() { ! kubectl get flinkdeployment basic-example >/dev/null 2>&1; }
wait_for "the heavy deployment to be gone" 60 gone
no_jm() { [ -z "$(kubectl get deployment basic-example --ignore-not-found -o name)" ]; }
wait_for "its JobManager Deployment to be gone" 30 no_jm
echo "PASS"
