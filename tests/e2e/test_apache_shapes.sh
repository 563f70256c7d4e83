#!/usr/bin/env bash
# The shapes of YAML users of the Apache Flink Kubernetes Operator write (its examples/, its
# e2e-tests/data and its custom-resource docs, rewritten as our own fixtures under
# tests/data/apache-shapes/, one file per Apache file or docs section) are applied with kubectl
# through the webhook: none is refused, every FlinkDeployment reaches STABLE under the real
# controller with its job RUNNING (applications) and no error, every FlinkSessionJob is admitted
# and labelled with its target session (flinkop does not reconcile session jobs yet), applying
# the files again changes nothing, and the objects deployed carry what the Apache operator makes
# of the fields.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-webhook flinkop-controller
e2e_init apache-shapes
start_sandbox
install_crds
# The sandbox has no DNS, so the session jobs' https hosts (public, as in Apache's examples)
# do not resolve, which refuses them as the Apache operator would; the documented operator
# setting turns the host check off (the jars are never fetched here).
defaults=$E2E_DIR/cluster-defaults.yaml
printf 'flinkConfiguration:\n  %s: "false"\n' \
    kubernetes.operator.user.artifacts.disallow-restricted-hosts >"$defaults"
start_webhook --defaults "$defaults"
register_webhook

shapes=$E2E_ROOT/tests/data/apache-shapes
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shape-flink}\n' |
    kubectl apply -f - >/dev/null || fail "kubectl could not create the namespace shape-flink"

files=("$shapes"/*.yaml)
e2e_log "applying the ${#files[@]} files of tests/data/apache-shapes"
out=$(kubectl apply -f "$shapes" 2>&1) || fail "kubectl apply refused some of them: $out"
# Started after the applies, which then do not compete with its passes for the CPU.
start_controller controller --defaults "$defaults"

# One line per FlinkDeployment: namespace/name|lifecycle|jarURI|job state|error.
STATES='{range .items[*]}{.metadata.namespace}/{.metadata.name}|{.status.lifecycleState}|'
STATES+='{.spec.job.jarURI}|{.status.jobStatus.state}|{.status.error}{"\n"}{end}'
states() { kubectl get flinkdeployments -A -o jsonpath="$STATES"; }
# (Not "states | grep -q": under pipefail, grep quitting early fails the kubectl before it.)
unstable() { states | grep -v '^[^|]*|STABLE|'; }
expect_eq "$(states | wc -l)" 29 "FlinkDeployments created"
deadline=$((SECONDS + 120))
until [ -z "$(unstable)" ]; do
    [ $SECONDS -lt $deadline ] || fail "not STABLE within 120 s: $(unstable)"
    sleep 0.5
done
e2e_log "all FlinkDeployments are STABLE"
kubectl get flinkdeployments -A >&2

e2e_log "application jobs run, nothing reports an error"
while IFS='|' read -r nn _ jar state err; do
    expect_eq "$err" "" "$nn status.error"
    [ -z "$jar" ] || expect_eq "$state" RUNNING "$nn status.jobStatus.state"
done < <(states)

# The mutating webhook's defaults must not make kubectl see a difference in the users' files.
e2e_log "applying the same files again changes nothing"
out=$(kubectl apply -f "$shapes" 2>&1) || fail "the second kubectl apply failed: $out"
expect_eq "$(echo "$out" | grep -v ' unchanged$')" "" "objects the second kubectl apply changed"

# jp KIND NAME JSONPATH: fields of one object of the default namespace.
jp() { kubectl get "$1" "$2" -o jsonpath="$3" 2>&1; }

# What the Apache operator makes of these fields (reference a.4, a.5, c.13 to c.16, and Flink's
# native Kubernetes decorators), on the objects a real cluster would get.
e2e_log "the objects carry what the Apache operator would have deployed"
main='.spec.template.spec.containers[0]'
pod='.spec.template.spec'
# "1536m" in resources.requests is Flink's MemorySize (MiB), not milli-bytes; cpu "1" stays.
expect_eq "$(jp deploy shape-basic "{$main.resources.requests}")" \
    '{"cpu":"1","memory":"1536Mi"}' "shape-basic JobManager requests"
# The deprecated resource block: cpu as a YAML float, memory "1024m".
expect_eq "$(jp deploy shape-e2e-batch \
    "{$main.resources.requests.cpu} {$main.resources.requests.memory}")" \
    "500m 1Gi" "shape-e2e-batch JobManager cpu and memory"
# Requests below limits: the limits through Flink's limit factors.
expect_eq "$(jp deploy shape-resources-limits "{$main.resources}")" \
    '{"limits":{"cpu":"2","memory":"4Gi"},"requests":{"cpu":"1","memory":"2Gi"}}' \
    "shape-resources-limits JobManager resources"
# Other resources of the spec, and the pod template's volumes, reach the main container.
expect_eq "$(jp deploy shape-e2e-autoscaler "{$main.resources.limits.ephemeral-storage} \
{$pod.volumes[?(@.name=='state-volume')].persistentVolumeClaim.claimName}")" \
    "1536Mi shape-e2e-autoscaler-state" "shape-e2e-autoscaler ephemeral storage and claim"
expect_eq "$(jp deploy shape-resources-limits-only "{$main.resources.limits.ephemeral-storage}")" \
    1Gi "shape-resources-limits-only resource.ephemeralStorage"
# The shared template's sidecar and the JobManager-only init container.
expect_eq "$(jp deploy shape-pod-template \
    "{$pod.initContainers[*].name}|{$pod.containers[*].name}")" \
    "fetch-jar|flink-main-container log-shipper" "shape-pod-template containers"
# Standalone: a TaskManager Deployment, parallelism 2 over 2 slots = 1 TaskManager.
expect_eq "$(jp deploy shape-reactive-standalone-taskmanager '{.spec.replicas}')" 1 \
    "shape-reactive-standalone TaskManagers"
# kubernetes.secrets mounts the Secret at the path given.
expect_eq "$(jp deploy shape-tls "{$pod.volumes[?(@.secret)].secret.secretName} \
{$main.volumeMounts[?(@.name=='shape-tls-cert-volume')].mountPath}")" \
    "shape-tls-cert /opt/flink/certs" "shape-tls kubernetes.secrets"
# Flink's native options: REST Service type and port, pod labels and node selector.
expect_eq "$(jp service shape-native-options-rest '{.spec.type} {.spec.ports[0].port}')" \
    "NodePort 8082" "shape-native-options REST Service"
expect_eq "$(jp deploy shape-native-options \
    "{.spec.template.metadata.labels.tier} {$pod.nodeSelector.pool}")" \
    "jm jm" "shape-native-options JobManager labels and node selector"
# Nested flinkConfiguration is flattened into Flink's keys.
conf=$(jp configmap flink-config-shape-checkpoint-ha-nested '{.data.config\.yaml}')
for line in "high-availability.type: kubernetes" "high-availability.storageDir: file:///data/ha" \
    "state.checkpoints.dir: file:///data/cp" "state.savepoints.dir: file:///data/sp"; do
    expect_contains "$conf" "$line" "shape-checkpoint-ha-nested config.yaml"
done
expect_contains "$(jp configmap flink-config-shape-custom-logging \
    '{.data.log4j-console\.properties}')" "rootLogger.level = WARN" \
    "shape-custom-logging log4j-console.properties"
# Ingress templates (reference c.16): a path with a regular expression, and a host.
rewrite='{.metadata.annotations.nginx\.ingress\.kubernetes\.io/rewrite-target}'
expect_eq "$(jp ingress shape-ingress-path \
    "{.spec.ingressClassName} {.spec.rules[0].http.paths[0].path} $rewrite")" \
    "nginx /default/shape-ingress-path(/|\$)(.*) /\$2" "shape-ingress-path Ingress"
expect_eq "$(jp ingress shape-ingress-host '{.spec.rules[0].host}')" \
    shape-ingress-host.default.flink.example.com "shape-ingress-host Ingress host"

e2e_log "session jobs are admitted and labelled with their session"
JOBS='{range .items[*]}{.metadata.namespace}/{.metadata.name}|{.spec.deploymentName}|'
JOBS+='{.metadata.labels.target\.session}{"\n"}{end}'
jobs=$(kubectl get flinksessionjobs -A -o jsonpath="$JOBS")
expect_eq "$(echo "$jobs" | wc -l)" 6 "FlinkSessionJobs created"
while IFS='|' read -r nn target label; do
    expect_eq "$label" "$target" "$nn label target.session"
done <<<"$jobs"
echo "PASS"
