#!/usr/bin/env bash
# A JobManager that fails (the sandbox's fault hook: its pod in CrashLoopBackOff, its
# Deployment with condition ReplicaFailure) shows in the FlinkDeployment's status as
# jobManagerDeploymentStatus ERROR with the reason (reference c.3); once the pod recovers the
# resource is READY and its job RUNNING again. The failure is also told in a Warning Event named
# by its reason. A JobManager pod whose Secret volume does not exist stays in ContainerCreating
# with the kubelet's FailedMount Events on it: ERROR with the kubelet's message, as Apache's
# observer reads those Events; READY once the Secret is created.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-controller
e2e_init jmfailure
start_sandbox
install_crds
start_controller controller

kubectl apply -f "$E2E_ROOT/examples/basic.yaml" >/dev/null || fail "kubectl apply basic.yaml"
wait_stable basic-example 90
# Argo CD reads a deployed spec as Healthy whatever its JobManager does (as under the Apache
# operator, whose fields flinkop writes): checked here and while the JobManager fails.
expect_eq "$(argocd_health basic-example)" Healthy "Argo CD health of the stable deployment"

e2e_log "the JobManager crashes"
http POST "$FLINK_PORT" /_sandbox/faults/default/basic-example \
    '{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container: OutOfMemoryError: Java heap space"}' \
    >/dev/null
expect_eq "$HTTP_STATUS" 200 "POST /_sandbox/faults"
jm_status() { kubectl get flinkdeployment basic-example -o jsonpath='{.status.jobManagerDeploymentStatus}'; }
jm_error() { [ "$(jm_status)" = ERROR ]; }
wait_for "jobManagerDeploymentStatus ERROR" 30 jm_error
expect_contains "$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.error}')" \
    "CrashLoopBackOff" "status.error of a crashing JobManager"
# As the Apache operator tells a DeploymentFailedException: a Warning named by its reason.
warned() {
    [ -n "$(kubectl get events -o name --field-selector \
        reason=CrashLoopBackOff,type=Warning,involvedObject.name=basic-example)" ]
}
wait_for "a Warning CrashLoopBackOff Event about basic-example" 10 warned
expect_eq "$(argocd_health basic-example)" Healthy "Argo CD health with the JobManager in ERROR"

e2e_log "the JobManager recovers"
http DELETE "$FLINK_PORT" /_sandbox/faults/default/basic-example >/dev/null
jm_ready() { [ "$(jm_status)" = READY ]; }
wait_for "jobManagerDeploymentStatus READY again" 60 jm_ready
wait_for "the job to run again" 60 job_state_is default basic-example RUNNING
running() {
    [ "$(kubectl get flinkdeployment basic-example -o jsonpath='{.status.jobStatus.state}')" = RUNNING ]
}
wait_for "status.jobStatus.state RUNNING again" 60 running

e2e_log "a JobManager pod whose Secret volume does not exist"
kubectl apply -f - >/dev/null <<'YAML' || fail "kubectl apply mount-example"
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: mount-example
spec:
  image: flink:1.20
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  serviceAccount: flink
  jobManager:
    resource:
      memory: "2048m"
      cpu: 1
    podTemplate:
      spec:
        containers:
          - name: flink-main-container
            volumeMounts:
              - name: s3-credentials
                mountPath: /opt/flink/s3
        volumes:
          - name: s3-credentials
            secret:
              secretName: s3-credentials
  taskManager:
    resource:
      memory: "2048m"
      cpu: 1
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
YAML
mount_status() {
    kubectl get flinkdeployment mount-example -o jsonpath='{.status.jobManagerDeploymentStatus}'
}
mount_error() { [ "$(mount_status)" = ERROR ]; }
wait_for "jobManagerDeploymentStatus ERROR of mount-example" 60 mount_error
expect_contains "$(kubectl get flinkdeployment mount-example -o jsonpath='{.status.error}')" \
    'MountVolume.SetUp failed for volume \"s3-credentials\" : secret \"s3-credentials\" not found' \
    "status.error of a JobManager whose Secret is missing"
expect_eq "$(kubectl get flinkdeployment mount-example -o jsonpath='{.status.jobStatus.state}')" \
    RECONCILING "job state while the JobManager cannot mount its volume"
mount_warned() {
    [ -n "$(kubectl get events -o name --field-selector reason=FailedMount,type=Warning,\
involvedObject.kind=FlinkDeployment,involvedObject.name=mount-example)" ]
}
wait_for "a Warning FailedMount Event about mount-example" 10 mount_warned
kubectl apply -f - >/dev/null <<'YAML' || fail "kubectl apply secret s3-credentials"
apiVersion: v1
kind: Secret
metadata:
  name: s3-credentials
stringData:
  key: value
YAML
mount_ready() { [ "$(mount_status)" = READY ]; }
wait_for "jobManagerDeploymentStatus READY once the Secret exists" 60 mount_ready
no_error() { [ -z "$(kubectl get flinkdeployment mount-example -o jsonpath='{.status.error}')" ]; }
wait_for "status.error cleared" 30 no_error
echo "PASS"
