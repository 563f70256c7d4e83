#!/usr/bin/env bash
# The admission webhook behind the sandbox's API server, registered from
# manifests/base/webhook-configurations.yaml (HTTPS with a CA from certs/gen.sh when possible):
# kubectl apply of examples/invalid.yaml is refused with every field error at once and nothing
# is stored; a valid resource is stored with the webhook's defaults; options and kinds flinkop
# does not act on yet are stored with a warning kubectl prints; a stopped webhook blocks
# changes (failurePolicy: Fail) instead of letting unchecked specs in.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need flinkop-sandbox flinkop-webhook
e2e_init webhook
start_sandbox
install_crds
start_webhook
register_webhook

e2e_log "examples/invalid.yaml is refused with each of its mistakes"
out=$(kubectl apply -f "$E2E_ROOT/examples/invalid.yaml" 2>&1) && fail "invalid.yaml was accepted: $out"
# The example's mistakes (see its comments) and the fields the Apache validator names.
for field in 'spec.flinkConfiguration[kubernetes.namespace]' 'spec.jobManager.replicas' \
    'spec.job.parallelism' 'spec.flinkConfiguration[execution.checkpointing.savepoint-dir]' \
    'spec.serviceAccount'; do
    expect_contains "$out" "$field" "the refusal of invalid.yaml"
done
expect_contains "$out" 'Forbidden Flink config key: kubernetes.namespace' "the namespace key message"
expect_contains "$out" 'Job parallelism must be larger than 0' "the parallelism message"
kubectl get flinkdeployment invalid-example >/dev/null 2>&1 && fail "invalid-example was stored"

e2e_log "a valid resource is stored with the webhook's defaults"
kubectl apply -f "$E2E_ROOT/examples/basic.yaml" >/dev/null || fail "basic.yaml was refused"
expect_eq "$(kubectl get flinkdeployment basic-example -o jsonpath='{.spec.job.state}')" running \
    "spec.job.state defaulted by the mutating webhook"
expect_eq "$(kubectl get flinkdeployment basic-example -o jsonpath='{.spec.jobManager.replicas}')" 1 \
    "spec.jobManager.replicas defaulted by the mutating webhook"
calls=$(http GET "$API_PORT" /fake/webhook-calls)
expect_contains "$calls" '"webhook":"mutate.flinkop.flink.apache.org"' "the API server called /mutate"
expect_contains "$calls" '"webhook":"validate.flinkop.flink.apache.org"' "the API server called /validate"
expect_contains "$calls" '"outcome":"denied"' "the API server recorded the denial"

e2e_log "changes to spec.podTemplate reach both roles after creation (kubectl apply)"
kubectl apply -f "$E2E_ROOT/examples/pod-templates.yaml" >/dev/null || fail "pod-templates.yaml was refused"
get() { kubectl get flinkdeployment pod-template-example -o jsonpath="$1"; }
tz() { get "{.spec.$1.podTemplate.spec.containers[?(@.name==\"flink-main-container\")].env[?(@.name==\"TZ\")].value}"; }
expect_eq "$(tz jobManager)" UTC "TZ layered into the JobManager template"
expect_eq "$(get '{.spec.jobManager.podTemplate.metadata.labels.team}')" data-platform \
    "the team label layered into the JobManager template"
# TZ changed, the team label (spec.podTemplate.metadata) taken out
changed() { sed 's/value: UTC/value: Europe\/Berlin/; /^    metadata:$/,/team: data-platform/d' \
    "$E2E_ROOT/examples/pod-templates.yaml"; }
out=$(changed | kubectl apply -f - 2>&1) || fail "the changed pod-templates.yaml was refused: $out"
for role in jobManager taskManager; do
    expect_eq "$(tz $role)" Europe/Berlin "the changed TZ in the $role template"
    expect_eq "$(get "{.spec.$role.podTemplate.metadata.labels.team}")" "" \
        "the removed team label in the $role template"
done
expect_eq "$(get '{.spec.taskManager.podTemplate.spec.containers[0].env[?(@.name=="ROLE")].value}')" \
    taskmanager "the TaskManager's own env var"
expect_contains "$(get '{.spec.jobManager.podTemplate.spec.containers[*].name}')" fluent-bit \
    "the JobManager's own sidecar"
generation=$(get '{.metadata.generation}')
out=$(changed | kubectl apply -f - 2>&1) || fail "applying the same file again was refused: $out"
expect_eq "$(tz jobManager)" Europe/Berlin "TZ after applying the same file again"
expect_eq "$(get '{.metadata.generation}')" "$generation" "the generation after applying the same file again"

e2e_log "a label moved from spec.podTemplate into the JobManager's template stays there"
# kubectl sends nothing for the JobManager's label (the layered template already has it); the
# last applied manifest says it is the JobManager's own now
kubectl apply -f "$E2E_ROOT/examples/pod-templates.yaml" >/dev/null || fail "re-applying the original"
expect_eq "$(get '{.spec.taskManager.podTemplate.metadata.labels.team}')" data-platform \
    "the team label back in the TaskManager template"
out=$(awk '/^    metadata:$/ {skip=3} skip>0 {skip--; next} {print}
    /podTemplate: +# JobManager only/ {print "      metadata:"; print "        labels:";
        print "          team: data-platform"}' "$E2E_ROOT/examples/pod-templates.yaml" |
    kubectl apply -f - 2>&1) || fail "the moved label was refused: $out"
expect_eq "$(get '{.spec.jobManager.podTemplate.metadata.labels.team}')" data-platform \
    "the label in the JobManager's own template"
expect_eq "$(get '{.spec.taskManager.podTemplate.metadata.labels.team}')" "" \
    "the label gone from the TaskManager template"

e2e_log "moving to server-side apply (as Argo CD's ServerSideApply does) keeps the layering"
# kubectl apply --server-side takes over the fields client-side apply recorded and rewrites the
# last applied manifest, so the webhook still tells the user's changes from its layering. The
# role templates' container lists are atomic (as in the Apache operator's CRD) and differ from
# the manifest's by what was layered in, so the move conflicts on them, on a real API server
# too: forced, as Argo CD's server-side apply does.
tokyo() { changed | sed 's/value: Europe\/Berlin/value: Asia\/Tokyo/'; }
out=$(tokyo | kubectl apply --server-side -f - 2>&1) && fail "no conflict on the layered lists"
expect_contains "$out" ".spec.jobManager.podTemplate.spec.containers" "the conflict"
out=$(tokyo | kubectl apply --server-side --force-conflicts -f - 2>&1) ||
    fail "server-side apply was refused: $out"
for role in jobManager taskManager; do
    expect_eq "$(tz $role)" Asia/Tokyo "TZ after server-side apply in the $role template"
done
expect_contains "$(get '{.spec.jobManager.podTemplate.spec.containers[*].name}')" fluent-bit \
    "the JobManager's own sidecar after server-side apply"
generation=$(get '{.metadata.generation}')
out=$(tokyo | kubectl apply --server-side -f - 2>&1) ||
    fail "the same server-side apply, unforced: $out"
expect_eq "$(get '{.metadata.generation}')" "$generation" "the generation after the same apply"
out=$(tokyo | kubectl diff --server-side -f - 2>&1)
expect_eq "$?" 0 "kubectl diff --server-side after the apply: $out"

e2e_log "another server-side applier (Argo CD's field manager, forced) is told from the layering too"
# no last applied manifest is kept for it: its change is told against the stored object
seoul() { tokyo | sed 's/value: Asia\/Tokyo/value: Asia\/Seoul/'; }
argo() { kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f -; }
out=$(seoul | argo 2>&1) || fail "Argo CD's apply was refused: $out"
for role in jobManager taskManager; do
    expect_eq "$(tz $role)" Asia/Seoul "TZ after Argo CD's apply in the $role template"
done
expect_contains "$(get '{.spec.jobManager.podTemplate.spec.containers[*].name}')" fluent-bit \
    "the JobManager's own sidecar after Argo CD's apply"
generation=$(get '{.metadata.generation}')
out=$(seoul | argo 2>&1) || fail "Argo CD's same apply: $out"
expect_eq "$(get '{.metadata.generation}')" "$generation" "the generation after Argo CD's same apply"

e2e_log "kubectl edit taking an env var out of a role leaves the rest of the list following"
# The edit removes the TaskManager's own ROLE from the env list it shares with the inherited TZ:
# TZ must keep following spec.podTemplate afterwards (a merge patch of the edit made the whole
# list the TaskManager's own, so TZ stayed as it was).
role_env() { get '{.spec.taskManager.podTemplate.spec.containers[0].env[?(@.name=="ROLE")].value}'; }
out=$(KUBE_EDITOR="sed -i -e '/- name: ROLE/{N;d}'" kubectl edit flinkdeployment \
    pod-template-example 2>&1) || fail "kubectl edit was refused: $out"
expect_eq "$(role_env)" "" "ROLE after the edit took it out"
out=$(kubectl patch flinkdeployment pod-template-example --type=json -p \
    '[{"op":"replace","path":"/spec/podTemplate/spec/containers/0/env/0/value","value":"America/Lima"}]' \
    2>&1) || fail "changing TZ in spec.podTemplate was refused: $out"
for role in jobManager taskManager; do
    expect_eq "$(tz $role)" America/Lima "TZ after the edit, in the $role template"
done
expect_eq "$(role_env)" "" "ROLE after the next change"

e2e_log "a server-side dry run is checked too"
out=$(sed 's/parallelism: 2/parallelism: 0/' "$E2E_ROOT/examples/basic.yaml" |
    kubectl apply --dry-run=server -f - 2>&1) && fail "parallelism 0 passed a server dry run: $out"
expect_contains "$out" 'spec.job.parallelism' "the dry run refusal"

e2e_log "options flinkop does not act on yet are admitted with a warning kubectl prints"
# examples/basic.yaml with the Apache docs' autoscaler switch nested and a Quartz cron savepoint
# schedule (the checkpoint and savepoint directories the latter needs)
autoscaled() { sed 's/name: basic-example/name: autoscaled-example/
    s/^    taskmanager.numberOfTaskSlots: "2"$/&\
    job: {autoscaler: {enabled: '"$1"'}}\
    execution.checkpointing.dir: file:\/\/\/tmp\/cp\
    execution.checkpointing.savepoint-dir: file:\/\/\/tmp\/sp\
    kubernetes.operator.periodic.savepoint.interval: "'"$2"'"/' "$E2E_ROOT/examples/basic.yaml"; }
out=$(autoscaled true '0 0 0\/6 * * ?' | kubectl apply -f - 2>&1) ||
    fail "the autoscaled deployment was refused: $out"
expect_contains "$out" 'Warning: spec.flinkConfiguration[job.autoscaler.enabled]: flinkop does not act on this yet: no autoscaler runs' \
    "kubectl's warning for the autoscaler"
expect_contains "$out" "Warning: spec.flinkConfiguration[kubernetes.operator.periodic.savepoint.interval]: flinkop does not act on this yet: '0 0 0/6 * * ?' is not a duration" \
    "kubectl's warning for the cron schedule"
expect_contains "$out" 'flinkdeployment.flink.apache.org/autoscaled-example created' "the deployment stored"
# turned off, and a duration: nothing to say, on an UPDATE as well
out=$(autoscaled false 6h | kubectl apply -f - 2>&1) || fail "the update was refused: $out"
expect_eq "$(echo "$out" | grep -c '^Warning:')" 0 "warnings for options turned off: $out"
# a FlinkSessionJob, on CREATE and on UPDATE (a public address: no DNS needed for the jar host)
session_job() { cat <<YAML
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: warned-session-job
spec:
  deploymentName: session-cluster
  job:
    jarURI: https://93.184.215.14/jobs/top-speed.jar
    parallelism: $1
    upgradeMode: stateless
YAML
}
for parallelism in 2 3; do
    out=$(session_job $parallelism | kubectl apply -f - 2>&1) ||
        fail "the session job was refused: $out"
    expect_contains "$out" 'Warning: spec.job: flinkop does not act on FlinkSessionJobs yet: the job is not submitted to session cluster "session-cluster"' \
        "kubectl's warning for the session job (parallelism $parallelism)"
done
expect_eq "$(kubectl get flinksessionjob warned-session-job -o jsonpath='{.spec.job.parallelism}')" 3 \
    "the session job stored with its update"

e2e_log "with the webhook down, changes are refused (failurePolicy: Fail)"
# the Apache operator's examples/canary.yaml
kubectl apply -f - >/dev/null <<'EOF' || fail "the canary was refused"
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: canary
  labels:
    flink.apache.org/canary: "true"
EOF
stop_process "$WEBHOOK_PID" webhook
out=$(kubectl annotate flinkdeployment basic-example e2e=1 2>&1) &&
    fail "a change went through without the webhook: $out"
expect_contains "$out" 'failed calling webhook' "the refusal while the webhook is down"
# except a canary's, which the webhook leaves alone: the controller's change of its
# restartNonce must not fail with the webhook, or the controller's /healthz would
out=$(kubectl patch flinkdeployment canary --type=merge -p '{"spec":{"restartNonce":7}}' 2>&1) ||
    fail "the canary's change was refused with the webhook down: $out"
echo "PASS"
