#!/usr/bin/env bash
# Spec changes and suspend/resume keep or drop state as the upgrade mode says, end to end:
# - stateless: a parallelism change redeploys with a new job and empty state;
# - last-state (Kubernetes HA): a parallelism change keeps the job id and the new job restores
#   from the latest completed checkpoint;
# - savepoint: job.state suspended stops with a savepoint, records its path in status and
#   releases the cluster; running again restores from exactly that savepoint;
# - a job cancelled from outside (Flink's REST API) is resumed from its latest state, as the
#   Apache operator's observer marks its record suspended (reference c.3);
# - savepoint with HA, the job crash-looping: the upgrade falls back to last-state (c.6,
#   kubernetes.operator.job.upgrade.last-state-fallback.enabled, default true) and the new
#   spec restores from the job's last checkpoint, with no savepoint and the job id kept.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-controller
e2e_init stateful
start_sandbox
install_crds
start_controller controller

jid() { kubectl get flinkdeployment "$1" -o jsonpath='{.status.jobStatus.jobId}'; }
# The restore source the fake Flink recorded for the cluster's job ("" = empty state).
restored_from() { # NAME
    http GET "$FLINK_PORT" "/_fake/clusters/default/$1" 2>/dev/null |
        sed -n 's/.*"restoredFrom":{"path":"\([^"]*\)".*/\1/p' | head -n1
}
parallelism_of() { # NAME: the parallelism the running cluster was started with
    http GET "$FLINK_PORT" "/_fake/clusters/default/$1" 2>/dev/null |
        sed -n 's/.*"parallelismDefault":\([0-9]*\).*/\1/p' | head -n1
}
wait_parallelism() { [ "$(parallelism_of "$1")" = "$2" ]; }

ha=$E2E_DIR/ha.yaml
sed 's/execution.checkpointing.interval: 30s/execution.checkpointing.interval: 1s/' \
    "$E2E_ROOT/examples/ha.yaml" >"$ha"
sp=$E2E_DIR/savepoint.yaml
sed -e 's/name: basic-example/name: savepoint-example/' -e 's/upgradeMode: stateless/upgradeMode: savepoint/' \
    -e 's|taskmanager.numberOfTaskSlots: "2"|taskmanager.numberOfTaskSlots: "2"\n    execution.checkpointing.dir: file:///flink-data/checkpoints\n    execution.checkpointing.savepoint-dir: file:///flink-data/savepoints|' \
    "$E2E_ROOT/examples/basic.yaml" >"$sp"
kubectl apply -f "$E2E_ROOT/examples/basic.yaml" -f "$ha" -f "$sp" >/dev/null || fail "kubectl apply"
wait_stable basic-example 90
wait_stable ha-example 90
wait_stable savepoint-example 90

e2e_log "stateless: a parallelism change starts a new job from empty state"
before=$(jid basic-example)
kubectl patch flinkdeployment basic-example --type=merge -p '{"spec":{"job":{"parallelism":4}}}' >/dev/null ||
    fail "kubectl patch basic-example"
wait_for "basic-example to run with parallelism 4" 60 wait_parallelism basic-example 4
wait_stable basic-example 60
after=$(jid basic-example)
[ -n "$after" ] && [ "$after" != "$before" ] || fail "stateless upgrade kept job id $before"
expect_eq "$(restored_from basic-example)" "" "stateless restore source"

e2e_log "last-state: the job keeps its id and restores from its latest checkpoint"
checkpointed() {
    http GET "$FLINK_PORT" /default/ha-example/jobs/"$(jid ha-example)"/checkpoints 2>/dev/null |
        grep -q '"completed":[1-9]'
}
wait_for "a completed checkpoint of ha-example" 30 checkpointed
before=$(jid ha-example)
kubectl patch flinkdeployment ha-example --type=merge -p '{"spec":{"job":{"parallelism":4}}}' >/dev/null ||
    fail "kubectl patch ha-example"
wait_for "ha-example to run with parallelism 4" 60 wait_parallelism ha-example 4
wait_stable ha-example 60
expect_eq "$(jid ha-example)" "$before" "the job id after a last-state upgrade"
expect_contains "$(restored_from ha-example)" "/chk-" "the last-state restore source (a checkpoint)"

e2e_log "savepoint: suspend stops with a savepoint and releases the cluster"
kubectl patch flinkdeployment savepoint-example --type=merge -p '{"spec":{"job":{"state":"suspended"}}}' >/dev/null ||
    fail "kubectl patch savepoint-example"
is_suspended() { [ "$(lifecycle savepoint-example)" = SUSPENDED ]; }
wait_for "savepoint-example to be SUSPENDED" 60 is_suspended
path=$(kubectl get flinkdeployment savepoint-example -o jsonpath='{.status.jobStatus.upgradeSavepointPath}')
expect_contains "$path" "file:///flink-data/savepoints/savepoint-" "the recorded savepoint path"
no_jm() { ! kubectl get deployment savepoint-example >/dev/null 2>&1; }
wait_for "the suspended cluster's JobManager Deployment to go" 30 no_jm
# The scale subresource (what an HPA reads) says no TaskManager runs, as under the Apache
# operator: 0 replicas and no selector.
scale=$(kubectl get flinkdeployment savepoint-example --subresource=scale \
    -o jsonpath='{.status.replicas}|{.status.selector}')
expect_eq "$scale" "0|" "the suspended deployment's scale status (replicas|selector)"

e2e_log "savepoint: resume restores from exactly that savepoint"
kubectl patch flinkdeployment savepoint-example --type=merge -p '{"spec":{"job":{"state":"running"}}}' >/dev/null ||
    fail "kubectl patch savepoint-example"
wait_stable savepoint-example 60
expect_eq "$(restored_from savepoint-example)" "$path" "the resumed job's restore source"
expect_eq "$(kubectl get flinkdeployment savepoint-example --subresource=scale \
    -o jsonpath='{.status.selector}')" "component=taskmanager,app=savepoint-example" \
    "the resumed deployment's scale selector"

e2e_log "savepoint: a job cancelled through Flink's REST API is resumed from its latest state"
before=$(jid savepoint-example)
latest=$(http GET "$FLINK_PORT" "/default/savepoint-example/jobs/$before/checkpoints" |
    sed -n 's/.*"completed":{[^}]*"external_path":"\([^"]*\)".*/\1/p')
[ -n "$latest" ] || latest=$path # nothing checkpointed since the restore
http PATCH "$FLINK_PORT" "/default/savepoint-example/jobs/$before?mode=cancel" >/dev/null
expect_eq "$HTTP_STATUS" 202 "PATCH /jobs/:id?mode=cancel"
new_job() { [ -n "$(jid savepoint-example)" ] && [ "$(jid savepoint-example)" != "$before" ]; }
wait_for "savepoint-example to deploy a new job" 60 new_job
wait_stable savepoint-example 60
expect_eq "$(restored_from savepoint-example)" "$latest" "the restore source after the cancel"
spec=$(kubectl get flinkdeployment savepoint-example \
    -o jsonpath='{.status.reconciliationStatus.lastReconciledSpec}')
expect_contains "$spec" '"state":"running"' "the recorded job state after the resume"

e2e_log "savepoint with HA: a crash-looping job is upgraded from its last checkpoint"
kubectl patch flinkdeployment ha-example --type=merge -p '{"spec":{"job":{"upgradeMode":"savepoint"}}}' >/dev/null ||
    fail "kubectl patch ha-example upgradeMode"
recorded_savepoint() {
    kubectl get flinkdeployment ha-example -o jsonpath='{.status.reconciliationStatus.lastReconciledSpec}' |
        grep -q '"upgradeMode":"savepoint"'
}
wait_for "ha-example to record upgradeMode savepoint" 30 recorded_savepoint
wait_for "a completed checkpoint of ha-example" 30 checkpointed
# Every run fails 1 ms after its restart (restarts take 200 ms): a crash loop, mostly RESTARTING.
http POST "$FLINK_PORT" /_fake/clusters/default/ha-example/faults '{"failEveryMs":1}' >/dev/null
expect_eq "$HTTP_STATUS" 200 "POST /_fake/clusters/default/ha-example/faults"
restarting() {
    [ "$(kubectl get flinkdeployment ha-example -o jsonpath='{.status.jobStatus.state}')" = RESTARTING ]
}
wait_for "ha-example to be seen RESTARTING" 30 restarting
before=$(jid ha-example)
kubectl patch flinkdeployment ha-example --type=merge -p '{"spec":{"job":{"parallelism":2}}}' >/dev/null ||
    fail "kubectl patch ha-example parallelism"
wait_for "ha-example to run with parallelism 2" 60 wait_parallelism ha-example 2
wait_stable ha-example 60
expect_eq "$(jid ha-example)" "$before" "the job id after the last-state fallback"
expect_contains "$(restored_from ha-example)" "/chk-" "the fallback's restore source (a checkpoint)"
expect_eq "$(kubectl get flinkdeployment ha-example -o jsonpath='{.status.jobStatus.upgradeSavepointPath}')" "" \
    "the upgrade savepoint path after the fallback"
expect_contains "$(kubectl get events --field-selector involvedObject.name=ha-example,reason=Suspended \
    -o jsonpath='{.items[*].message}')" "Falling back to last-state upgrade mode from savepoint" \
    "the Suspended Event of the fallback"
echo "PASS"
