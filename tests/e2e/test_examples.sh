#!/usr/bin/env bash
# Every example of examples/ applied with kubectl through the webhook reaches STABLE under the
# real controller, and the objects the controller owns match the expected fixtures
# (tests/data/sandbox-expected-*.yaml: names, labels, owner references, containers with
# command/args/ports, Services, ConfigMap keys); their jobs run in the fake Flink and the HA
# example gets Flink's HA ConfigMaps.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-webhook flinkop-controller
e2e_init examples
start_sandbox
install_crds
start_webhook
register_webhook
start_controller controller

data=$E2E_ROOT/tests/data
examples=(basic session standalone ha ingress pod-templates)
names=(basic-example session-cluster standalone-example ha-example ingress-example
    pod-template-example)

e2e_log "applying examples: ${examples[*]}"
for ex in "${examples[@]}"; do
    kubectl apply -f "$E2E_ROOT/examples/$ex.yaml" >/dev/null || fail "kubectl apply examples/$ex.yaml"
done
for name in "${names[@]}"; do
    wait_stable "$name" 90
done
e2e_log "all examples are STABLE"
kubectl get flinkdeployments >&2

e2e_log "the owned objects match the fixtures"
for name in basic-example standalone-example ha-example session-cluster pod-template-example; do
    # Flink's HA ConfigMaps carry the app label too, without an owner: not ours.
    sel="app=$name,configmap-type!=high-availability"
    expect_objects configmap,service,deployment "$sel" "$data/sandbox-expected-$name.yaml"
    uid=$(kubectl get flinkdeployment "$name" -o jsonpath='{.metadata.uid}')
    owners=$(kubectl get configmap,service,deployment -l "$sel" \
        -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].uid}{"\n"}{end}' | sort -u)
    expect_eq "$owners" "$uid" "owner reference uid of $name's objects"
done
expect_objects ingress component=ingress "$data/sandbox-expected-ingress-example.yaml"

e2e_log "the status says what runs"
for name in basic-example standalone-example ha-example ingress-example pod-template-example; do
    expect_eq "$(kubectl get flinkdeployment "$name" -o jsonpath='{.status.jobStatus.state}')" \
        RUNNING "$name status.jobStatus.state"
    expect_eq "$(flink_job_state default "$name")" RUNNING "$name's job in the fake Flink"
    jid=$(kubectl get flinkdeployment "$name" -o jsonpath='{.status.jobStatus.jobId}')
    expect_contains "$(http GET "$FLINK_PORT" "/default/$name/jobs/overview")" "\"jid\":\"$jid\"" \
        "$name status.jobStatus.jobId"
done
for name in "${names[@]}"; do
    expect_eq "$(kubectl get flinkdeployment "$name" -o jsonpath='{.status.jobManagerDeploymentStatus}')" \
        READY "$name status.jobManagerDeploymentStatus"
    expect_eq "$(kubectl get flinkdeployment "$name" -o jsonpath='{.status.reconciliationStatus.state}')" \
        DEPLOYED "$name status.reconciliationStatus.state"
done

e2e_log "the HA example has Flink's HA ConfigMaps"
expect_contains "$(kubectl get configmap -l app=ha-example,configmap-type=high-availability -o name)" \
    configmap/ha-example-cluster-config-map "HA ConfigMaps of ha-example"
echo "PASS"
