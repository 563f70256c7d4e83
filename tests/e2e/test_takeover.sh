#!/usr/bin/env bash
# Clusters the Apache Flink Kubernetes Operator deployed are taken over as they run
# (docs/install.md, "Migrating"). Their objects are owned the way Apache and Flink own them:
# the JobManager Deployment (and a standalone cluster's TaskManager Deployment) by the
# FlinkDeployment through kubernetes.jobmanager.owner.reference (Apache 1.3 and later), or by
# nothing (before 1.3; a session cluster Apache recovered before 1.15, FLINK-39559), and the
# Services and ConfigMaps Flink's client creates beside the JobManager Deployment by that
# Deployment alone (Fabric8FlinkKubeClient.createJobManagerComponent). The clusters are
# deployed by flinkop, the controller is stopped, their ownerReferences, records and annotations
# are made Apache's and Flink's (basic-example's pod template and configuration as Flink's
# client renders them), and a new controller takes them over: STABLE, no status.error, the
# same JobManager Deployment at the same generation with the same pod template and
# configuration, marked as another operator's launch, and the same job; then an upgrade
# deletes a JobManager Deployment (the sandbox's garbage collector runs), the objects beside it
# stay and the new cluster is flinkop's rendering, and a deletion removes everything.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-webhook flinkop-controller
e2e_init takeover
start_sandbox
install_crds
start_webhook
register_webhook
start_controller controller
FIRST_CONTROLLER=$CONTROLLER_PID

kubectl apply -f "$E2E_ROOT/examples/basic.yaml" -f "$E2E_ROOT/examples/session.yaml" \
    -f "$E2E_ROOT/examples/standalone.yaml" >/dev/null || fail "kubectl apply"
for n in basic-example session-cluster standalone-example; do wait_stable "$n" 90; done
stop_process "$FIRST_CONTROLLER" controller

# ---- as Apache's operator and Flink leave them ---------------------------------------------

uid_of() { kubectl get "$1" "$2" -o jsonpath='{.metadata.uid}'; }

# The record as Apache writes it: the spec as read, without flinkop's mark.
record_as_apache() { # NAME
    local spec record
    spec=$(kubectl get flinkdeployment "$1" -o jsonpath='{.spec}') || fail "reading $1's spec"
    record="{\"spec\":$spec,\"resource_metadata\":{\"apiVersion\":\"flink.apache.org/v1beta1\",\"firstDeployment\":false}}"
    record=${record//\\/\\\\}
    record=${record//\"/\\\"}
    kubectl patch flinkdeployment "$1" --subresource=status --type=merge \
        -p "{\"status\":{\"reconciliationStatus\":{\"lastReconciledSpec\":\"$record\"}}}" \
        >/dev/null || fail "writing $1's record as Apache's"
}

# Deployment NAME of FlinkDeployment FD: Apache's reference (AbstractFlinkResourceReconciler
# .setOwnerReference), or none.
deployment_owned_by_apache() { # NAME FD
    kubectl patch deployment "$1" --type=merge -p "{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkDeployment\",\"name\":\"$2\",\"uid\":\"$(uid_of flinkdeployment "$2")\",\"controller\":false,\"blockOwnerDeletion\":true}]}}" \
        >/dev/null || fail "giving Deployment $1 Apache's owner reference"
}
deployment_without_owner() { # NAME
    kubectl patch deployment "$1" --type=json -p '[{"op":"remove","path":"/metadata/ownerReferences"}]' \
        >/dev/null || fail "taking Deployment $1's owner away"
}

# What Flink's client creates beside the JobManager Deployment NAME, owned by it alone.
beside_owned_by_deployment() { # NAME
    local jm_uid ref obj
    jm_uid=$(uid_of deployment "$1")
    ref="{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"$1\",\"uid\":\"$jm_uid\",\"controller\":true,\"blockOwnerDeletion\":true}"
    for obj in "service/$1-rest" "service/$1" "configmap/flink-config-$1" "configmap/pod-template-$1"; do
        kubectl get "$obj" >/dev/null 2>&1 || continue
        kubectl patch "$obj" --type=merge -p "{\"metadata\":{\"ownerReferences\":[$ref]}}" \
            >/dev/null || fail "giving $obj the JobManager Deployment as its owner"
    done
}

# Neither Flink's client nor the Apache operator writes flinkop's annotations (the rendering
# level and launch of a Deployment, the launch and its defaults' record on flink-config).
without_flinkops_marks() { # KIND NAME
    kubectl get "$1" "$2" >/dev/null 2>&1 || return 0
    kubectl patch "$1" "$2" --type=merge -p '{"metadata":{"annotations":{"flinkop.io/render":null,"flinkop.io/launch":null,"flinkop.io/launch-defaults":null}}}' \
        >/dev/null || fail "taking flinkop's annotations off $1 $2"
}

RENDER_LEVEL=$(kubectl get deployment basic-example -o jsonpath='{.metadata.annotations.flinkop\.io/render}')
for n in basic-example session-cluster standalone-example; do
    without_flinkops_marks deployment "$n"
    without_flinkops_marks configmap "flink-config-$n"
done
without_flinkops_marks deployment standalone-example-taskmanager

# basic-example's JobManager as Flink's native client renders it where flinkop's rendering
# differs: CmdJobManagerDecorator's arguments end with a blank (kubernetes.jobmanager
# .entrypoint.args empty), InitJobManagerDecorator adds FLINK_LOG_DIR (kubernetes.flink.log.dir)
# and the annotations of kubernetes.jobmanager.annotations, and FlinkConfMountDecorator ships
# the log configurations of the deployer's directory (logback-console.xml). Written back by
# flinkop, the first two would roll the JobManager (a job without HA starts over from empty
# state), the last its configuration at its next start.
FLINK_ARGS='kubernetes-jobmanager.sh kubernetes-application '
kubectl patch deployment basic-example --type=json -p "[
    {\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/args/2\",\"value\":\"$FLINK_ARGS\"},
    {\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/env/-\",\"value\":{\"name\":\"FLINK_LOG_DIR\",\"value\":\"/opt/flink/log\"}},
    {\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations/prometheus.io~1scrape\",\"value\":\"true\"}]" \
    >/dev/null || fail "rendering basic-example's pod template as Flink's client does"
kubectl patch configmap flink-config-basic-example --type=json \
    -p '[{"op":"add","path":"/data/logback-console.xml","value":"<configuration/>"}]' \
    >/dev/null || fail "adding Flink's logback-console.xml to flink-config-basic-example"

record_as_apache basic-example
deployment_owned_by_apache basic-example basic-example
beside_owned_by_deployment basic-example
record_as_apache session-cluster
beside_owned_by_deployment session-cluster
deployment_without_owner session-cluster
record_as_apache standalone-example
beside_owned_by_deployment standalone-example
deployment_without_owner standalone-example
deployment_without_owner standalone-example-taskmanager

declare -A GEN JM_UID JOB
for n in basic-example session-cluster standalone-example; do
    GEN[$n]=$(kubectl get deployment "$n" -o jsonpath='{.metadata.generation}')
    JM_UID[$n]=$(uid_of deployment "$n")
    JOB[$n]=$(kubectl get flinkdeployment "$n" -o jsonpath='{.status.jobStatus.jobId}')
done
TM_GEN=$(kubectl get deployment standalone-example-taskmanager -o jsonpath='{.metadata.generation}')
REST_UID=$(uid_of service basic-example-rest)
CM_UID=$(uid_of configmap flink-config-basic-example)

# ---- the takeover ------------------------------------------------------------------------

start_controller controller2
owner_kinds() { kubectl get "$1" "$2" -o jsonpath='{range .metadata.ownerReferences[*]}{.kind}/{.name}:{.controller};{end}'; }
taken_over() { # NAME
    [ "$(owner_kinds service "$1-rest")" = "Deployment/$1:false;FlinkDeployment/$1:true;" ] &&
        [ -n "$(owner_kinds deployment "$1")" ]
}
for n in basic-example session-cluster standalone-example; do
    wait_for "$n's objects to be taken over" 60 taken_over "$n"
done
sleep 4 # more than one observe interval: a refusal or a restart would show by now
for n in basic-example session-cluster standalone-example; do
    wait_stable "$n" 30
    expect_eq "$(kubectl get flinkdeployment "$n" -o jsonpath='{.status.error}')" "" \
        "$n's status.error after the takeover"
    expect_eq "$(uid_of deployment "$n")" "${JM_UID[$n]}" "$n's JobManager Deployment (not recreated)"
    expect_eq "$(kubectl get deployment "$n" -o jsonpath='{.metadata.generation}')" "${GEN[$n]}" \
        "$n's JobManager Deployment's generation (nothing written to it but its owner)"
    expect_eq "$(kubectl get flinkdeployment "$n" -o jsonpath='{.status.jobStatus.jobId}')" \
        "${JOB[$n]}" "$n's job (not submitted again)"
    expect_eq "$(owner_kinds deployment "$n")" "FlinkDeployment/$n:false;" \
        "$n's JobManager Deployment's owner"
done
render_of() { kubectl get deployment "$1" -o jsonpath='{.metadata.annotations.flinkop\.io/render}'; }
foreign_of() { kubectl get deployment "$1" -o jsonpath='{.metadata.labels.flinkop\.io/foreign-launch}'; }
for d in basic-example session-cluster standalone-example standalone-example-taskmanager; do
    expect_eq "$(foreign_of "$d")" true "$d's label (launched by another operator)"
    expect_eq "$(render_of "$d")" "" "$d's rendering level (none of flinkop's)"
done
expect_eq "$(kubectl get deployment basic-example -o jsonpath='{.spec.template.spec.containers[0].args[2]}')" \
    "$FLINK_ARGS" "basic-example's JobManager arguments (as Flink's client wrote them)"
expect_eq "$(kubectl get deployment basic-example -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="FLINK_LOG_DIR")].value}')" \
    /opt/flink/log "basic-example's FLINK_LOG_DIR (as Flink's client wrote it)"
expect_eq "$(kubectl get configmap flink-config-basic-example -o jsonpath='{.data.logback-console\.xml}')" \
    "<configuration/>" "flink-config-basic-example's data (as Flink's client wrote it)"
expect_eq "$(owner_kinds deployment standalone-example-taskmanager)" \
    "FlinkDeployment/standalone-example:true;" "the standalone TaskManager Deployment's owner"
expect_eq "$(kubectl get deployment standalone-example-taskmanager -o jsonpath='{.metadata.generation}')" \
    "$TM_GEN" "the standalone TaskManager Deployment's generation"
expect_eq "$(owner_kinds configmap flink-config-basic-example)" \
    "Deployment/basic-example:false;FlinkDeployment/basic-example:true;" \
    "flink-config-basic-example's owners"
wait_for "basic-example's job to run" 10 job_state_is default basic-example RUNNING
adopted=$(kubectl get events --field-selector reason=Adopted -o jsonpath='{range .items[*]}{.message}{"\n"}{end}')
expect_contains "$adopted" "Deployment session-cluster had no owner" "the Adopted Event"
expect_contains "$adopted" "Deployment standalone-example-taskmanager had no owner" "the Adopted Event"
expect_eq "$(kubectl get events --field-selector reason=Missing -o name)" "" "Missing Events"

e2e_log "an upgrade deletes the JobManager Deployment; what is beside it stays"
kubectl patch flinkdeployment basic-example --type=merge -p '{"spec":{"job":{"parallelism":4}}}' \
    >/dev/null || fail "kubectl patch basic-example"
new_jm() { [ "$(uid_of deployment basic-example 2>/dev/null)" != "${JM_UID[basic-example]}" ]; }
wait_for "basic-example's new JobManager Deployment" 60 new_jm
wait_stable basic-example 60
expect_eq "$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}')" "" \
    "basic-example's status.error after the upgrade"
expect_eq "$(uid_of service basic-example-rest)" "$REST_UID" "basic-example-rest (kept through the upgrade)"
expect_eq "$(uid_of configmap flink-config-basic-example)" "$CM_UID" \
    "flink-config-basic-example (kept through the upgrade)"
expect_eq "$(owner_kinds service basic-example-rest)" "FlinkDeployment/basic-example:true;" \
    "basic-example-rest's owner once the old JobManager Deployment is gone"
expect_eq "$(render_of basic-example)" "$RENDER_LEVEL" "basic-example's rendering once flinkop launched it"
expect_eq "$(foreign_of basic-example)" "" "basic-example's label once flinkop launched it"
expect_eq "$(kubectl get configmap flink-config-basic-example -o jsonpath='{.data.logback-console\.xml}')" \
    "" "flink-config-basic-example's data once flinkop launched the cluster"

e2e_log "deleting a taken-over resource deletes its cluster"
kubectl delete flinkdeployment session-cluster standalone-example --timeout=90s >/dev/null ||
    fail "deleting the taken-over resources did not complete"
none_left() {
    [ -z "$(kubectl get deployment,service,configmap -l app=session-cluster -o name 2>/dev/null)" ] &&
        [ -z "$(kubectl get deployment,service,configmap -l app=standalone-example -o name 2>/dev/null)" ]
}
wait_for "the taken-over clusters' objects to go" 30 none_left
echo "PASS"
