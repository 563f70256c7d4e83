#!/usr/bin/env bash
# The controller does not trust that the webhook ran: with no webhook registered, an invalid
# change lands in status.error (the same messages the webhook gives) and the running cluster is
# left alone; fixing the spec clears the error.
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
echo "PASS"
