#!/bin/bash
# test_kubectl.sh: the real kubectl (v1.32) against the fake API server, every verb a user runs:
# discovery, create/apply/replace/patch/delete -f, get (tables with printer columns, -o yaml,
# -w), explain, server-side apply, scale, and admission through the real flinkop-webhook.
# Expected outputs are what kubectl prints against a real cluster.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FO_BIN_DIR:-$root/build/san}
if ! command -v kubectl >/dev/null; then
    echo "SKIP: kubectl is not installed"
    exit 0
fi
tmp=$(mktemp -d)
pids=()
fake=
cleanup() {
    for p in "${pids[@]}" $fake; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# expect DESCRIPTION PATTERN TEXT: TEXT must match the extended regex PATTERN.
expect() {
    if grep -Eq -- "$2" <<<"$3"; then pass "$1"; else fail "$1: wanted /$2/ in:"; sed 's/^/     | /' <<<"$3"; fi
}

"$bin/fake-apiserver" --port 0 --port-file "$tmp/port" --bookmark-interval-ms 1000 \
    >"$tmp/fake.log" 2>&1 &
fake=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ] || { echo "FAIL fake-apiserver did not start"; cat "$tmp/fake.log"; exit 1; }

cat >"$tmp/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$port"}}]
users: [{name: dev, user: {token: unused}}]
contexts: [{name: fake, context: {cluster: fake, user: dev, namespace: default}}]
current-context: fake
EOF
k() { kubectl --kubeconfig "$tmp/kubeconfig" --cache-dir "$tmp/cache" "$@" 2>&1; }
data=$root/tests/data

# Discovery and version.
expect "server version is 1.35" 'Server Version: v1\.35' "$(k version)"
out=$(k api-resources)
expect "api-resources lists deployments" 'deployments +deploy +apps/v1 +true +Deployment' "$out"
expect "api-resources lists leases" 'leases +coordination.k8s.io/v1 +true +Lease' "$out"
expect "namespaces default and kube-system exist" 'kube-system +Active' "$(k get namespaces)"

# CRDs: our fixture through client-side apply, the project's CRDs (when present) through
# server-side apply (a CRD larger than 256 KiB cannot go through client-side apply on a real
# cluster either: its last-applied annotation is too long).
expect "apply a CRD" 'widgets.fake.example.com created' "$(k apply -f "$data/apiserver-crd-widgets.yaml")"
expect "CRD becomes Established" 'condition met' \
    "$(k wait --for condition=established --timeout=10s crd/widgets.fake.example.com)"
if ls "$root"/crds/*.flink.apache.org.yaml >/dev/null 2>&1; then
    for f in "$root"/crds/*.flink.apache.org.yaml; do
        expect "server-side apply $(basename "$f")" 'serverside-applied' \
            "$(k apply --server-side -f "$f")"
    done
    big=$(ls -S "$root"/crds/*.flink.apache.org.yaml | head -1)
    if [ "$(stat -c %s "$big")" -gt 700000 ]; then
        expect "client-side apply of a >256KiB CRD is refused like a real cluster" \
            'metadata.annotations: Too long: may not be more than 262144 bytes' \
            "$(k apply -f "$big")"
    fi
fi

# Custom resources: create, printer columns, -o yaml, patch, replace, get -w, delete.
expect "apply a widget" 'widget.fake.example.com/w1 created' "$(k apply -f "$data/apiserver-widget.yaml")"
expect "apply again is unchanged" 'widget.fake.example.com/w1 unchanged' "$(k apply -f "$data/apiserver-widget.yaml")"
out=$(k get widgets)
expect "table has the CRD printer columns" '^NAME +STATE +REPLICAS +READY +AGE' "$out"
expect "table row shows spec.replicas" '^w1 +2 ' "$(k get widgets --no-headers)"
expect "short name works" '^w1 ' "$(k get wd --no-headers)"
expect "category all includes widgets" 'widget.fake.example.com/w1' "$(k get all)"
out=$(k get widget w1 -o yaml)
expect "-o yaml shows generation 1" 'generation: 1' "$out"
expect "-o yaml shows the defaulted enum" 'mode: slow' "$out"
expect "merge patch" 'widget.fake.example.com/w1 patched' "$(k patch widget w1 --type=merge -p '{"spec":{"replicas":3}}')"
expect "generation moved with the spec" '^2$' "$(k get widget w1 -o jsonpath='{.metadata.generation}')"
expect "strategic merge patch is refused for CRs" 'application/strategic-merge-patch\+json is not supported' \
    "$(k patch widget w1 -p '{"spec":{"replicas":4}}')"
expect "json patch" 'patched' "$(k patch widget w1 --type=json -p '[{"op":"replace","path":"/spec/replicas","value":5}]')"
expect "scale subresource" 'widget.fake.example.com/w1 scaled' "$(k scale widget w1 --replicas=6)"
expect "scale wrote spec.replicas" '^6$' "$(k get widget w1 -o jsonpath='{.spec.replicas}')"
expect "schema validation (minimum)" 'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0' \
    "$(k patch widget w1 --type=merge -p '{"spec":{"replicas":-1}}')"
expect "unknown field refused (fieldValidation=Strict)" 'unknown field "spec.colour"' \
    "$(sed 's/replicas: 2/colour: red/' "$data/apiserver-widget.yaml" | k apply -f -)"
k get widget w1 -o yaml >"$tmp/w1.yaml"
sed -i 's/image: demo:1/image: demo:2/' "$tmp/w1.yaml"
expect "replace -f" 'widget.fake.example.com/w1 replaced' "$(k replace -f "$tmp/w1.yaml")"
expect "replace with the old resourceVersion conflicts" 'the object has been modified' "$(k replace -f "$tmp/w1.yaml")"
expect "create -f of an existing name" 'AlreadyExists|already exists' "$(k create -f "$data/apiserver-widget.yaml")"
expect "explain a CRD field" 'FIELD: replicas <integer>' "$(k explain widget.spec.replicas)"

k get widgets -w --no-headers >"$tmp/watch.out" 2>&1 &
watcher=$!
pids+=($watcher)
sleep 1
k patch widget w1 --type=merge -p '{"metadata":{"labels":{"seen":"yes"}}}' >/dev/null
k label widget w1 more=yes >/dev/null
sleep 1
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
[ "$(grep -c '^w1 ' "$tmp/watch.out")" -ge 3 ] && pass "get -w saw 3 rows" || fail "get -w saw $(grep -c '^w1 ' "$tmp/watch.out") rows"

# Finalizers: delete waits while one is set; removing it deletes.
k patch widget w1 --type=merge -p '{"metadata":{"finalizers":["fake.example.com/hold"]}}' >/dev/null
expect "delete --wait=false with a finalizer" 'deleted' "$(k delete widget w1 --wait=false)"
expect "object stays with a deletionTimestamp" '[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
    "$(k get widget w1 -o jsonpath='{.metadata.deletionTimestamp}')"
k patch widget w1 --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
expect "removing the last finalizer deletes" 'NotFound' "$(k get widget w1)"

# Built-ins: apply (strategic merge 3-way patch), scale, rollout of a change, delete -f.
expect "apply a Deployment" 'deployment.apps/web created' "$(k apply -f "$data/apiserver-deployment.yaml")"
out=$(k get deployment web -o yaml)
expect "Deployment defaults filled" 'revisionHistoryLimit: 10' "$out"
expect "container defaults filled" 'terminationMessagePath: /dev/termination-log' "$out"
sed -e 's/nginx:1.27/nginx:1.28/' -e '/- name: sidecar/,+1d' "$data/apiserver-deployment.yaml" >"$tmp/web2.yaml"
expect "apply a change" 'deployment.apps/web configured' "$(k apply -f "$tmp/web2.yaml")"
out=$(k get deployment web -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image} {end}')
expect "strategic merge kept main, updated its image, removed sidecar" '^main=nginx:1.28 $' "$out"
expect "Deployment generation 2" '^2$' "$(k get deployment web -o jsonpath='{.metadata.generation}')"
expect "scale a Deployment" 'deployment.apps/web scaled' "$(k scale deployment web --replicas=3)"
expect "Deployment table columns" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE' "$(k get deployments)"
expect "explain a built-in field" 'FIELD: replicas <integer>' "$(k explain deployment.spec.replicas)"
expect "server-side apply conflict" 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas' \
    "$(sed 's/replicas: 1/replicas: 7/' "$tmp/web2.yaml" | k apply --server-side -f -)"
expect "server-side apply --force-conflicts" 'serverside-applied' \
    "$(sed 's/replicas: 1/replicas: 7/' "$tmp/web2.yaml" | k apply --server-side --force-conflicts -f -)"
expect "delete -f" 'deployment.apps "web" deleted' "$(k delete -f "$tmp/web2.yaml")"

# Client-side apply, then `kubectl apply --server-side` of a change: the API server lets
# kubectl take over what the last-applied annotation records (no conflict with
# kubectl-client-side-apply) and rewrites the annotation from the applied manifest.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\ndata:\n  a: "1"\n' \
    >"$tmp/mig.yaml"
expect "client-side apply of a ConfigMap" 'configmap/migrate created' \
    "$(k apply -f "$tmp/mig.yaml")"
sed -i 's/"1"/"2"/' "$tmp/mig.yaml"
expect "server-side apply after client-side apply" 'configmap/migrate serverside-applied' \
    "$(k apply --server-side -f "$tmp/mig.yaml")"
last_applied='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}'
expect "server-side apply rewrote last-applied" '^\{"apiVersion":"v1","data":\{"a":"2"\}' \
    "$(k get cm migrate -o jsonpath="$last_applied")"
expect "delete the migrated ConfigMap" 'configmap "migrate" deleted' "$(k delete cm migrate)"

cat >"$tmp/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
EOF
expect "create -f" 'configmap/settings created' "$(k create -f "$tmp/cm.yaml")"
sed -i 's/"1"/"2"/' "$tmp/cm.yaml"
expect "replace -f without resourceVersion overwrites ConfigMaps" 'configmap/settings replaced' "$(k replace -f "$tmp/cm.yaml")"
expect "get -o yaml of the ConfigMap" 'a: "2"' "$(k get cm settings -o yaml)"
expect "delete -f" 'configmap "settings" deleted' "$(k delete -f "$tmp/cm.yaml")"

# Admission: the real webhook refuses a bad FlinkDeployment with its message.
if [ -x "$bin/flinkop-webhook" ] && [ -f "$root/examples/basic.yaml" ] &&
    command -v certtool >/dev/null && command -v python3 >/dev/null && command -v curl >/dev/null &&
    k get crd flinkdeployments.flink.apache.org >/dev/null; then
    (
        cd "$tmp" || exit 1
        printf 'cn = "fake CA"\nca\ncert_signing_key\nexpiration_days = 1\n' >ca.tmpl
        printf 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ndns_name = "localhost"\ntls_www_server\nexpiration_days = 1\n' >srv.tmpl
        certtool --generate-privkey --key-type=ecdsa --outfile ca.key 2>/dev/null
        certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.crt 2>/dev/null
        certtool --generate-privkey --key-type=ecdsa --outfile srv.key 2>/dev/null
        certtool --generate-certificate --load-privkey srv.key --load-ca-certificate ca.crt \
            --load-ca-privkey ca.key --template srv.tmpl --outfile srv.crt 2>/dev/null
    )
    wport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$bin/flinkop-webhook" --port "$wport" --bind-address 127.0.0.1 --tls-cert "$tmp/srv.crt" \
        --tls-key "$tmp/srv.key" >"$tmp/webhook.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$wport") 2>/dev/null && break; sleep 0.1; done
    cat >"$tmp/vwc.yaml" <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: flinkop-e2e
webhooks:
  - name: validate.flinkop.example.com
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 5
    clientConfig:
      url: https://127.0.0.1:$wport/validate
      caBundle: $(base64 -w0 "$tmp/ca.crt")
    rules:
      - operations: [CREATE, UPDATE]
        apiGroups: [flink.apache.org]
        apiVersions: [v1beta1]
        resources: [flinkdeployments, flinksessionjobs]
EOF
    expect "register the validating webhook" 'created' "$(k apply -f "$tmp/vwc.yaml")"
    # Variants of the project's example: parallelism 0 passes the CRD schema (validated first,
    # as on a real server) and fails the webhook's rules; upgradeMode "fast" fails the schema.
    k create --dry-run=client -o json -f "$root/examples/basic.yaml" >"$tmp/basic.json"
    variant() { # NAME FIELD VALUE -> $tmp/NAME.json
        python3 - "$tmp/basic.json" "$1" "$2" "$3" >"$tmp/$1.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["metadata"]["name"] = sys.argv[2]
node = doc
path = sys.argv[3].split(".")
for key in path[:-1]:
    node = node[key]
node[path[-1]] = json.loads(sys.argv[4])
print(json.dumps(doc))
PY
    }
    variant bad-example spec.job.parallelism 0
    variant enum-example spec.job.upgradeMode '"fast"'
    cp "$tmp/bad-example.json" "$tmp/bad.json"
    # kubectl prints Invalid errors from their causes; the Status message is the API server's.
    expect "a bad FlinkDeployment is refused by the webhook" 'parallelism.*Invalid value: 0' \
        "$(k apply -f "$tmp/bad-example.json")"
    expect "the Status message names the webhook" \
        '"message":"admission webhook \\"validate.flinkop.example.com\\" denied the request: ' \
        "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/bad.json" \
            "http://127.0.0.1:$port/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments")"
    expect "the webhook call was recorded" '"outcome":"denied"' "$(curl -s "http://127.0.0.1:$port/fake/webhook-calls")"
    expect "a schema violation is refused before the webhook runs" 'spec.job.upgradeMode: Unsupported value: "fast"' \
        "$(k apply -f "$tmp/enum-example.json")"
    expect "a good FlinkDeployment passes" 'created|configured' "$(k apply -f "$root/examples/basic.yaml")"
    expect "printer columns of the project's CRD" '^NAME +JOB STATUS +LIFECYCLE STATE' "$(k get flinkdeployments)"
else
    echo "skip admission through flinkop-webhook (webhook, example, certtool or CRDs missing)"
fi

# A clean stop (and, under ASan, no leak report).
kill "$fake"
wait "$fake"
status=$?
[ "$status" -eq 0 ] && pass "fake-apiserver stops cleanly" || fail "fake-apiserver exited with $status"
if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed; fake-apiserver log:"
    tail -40 "$tmp/fake.log"
    exit 1
fi
echo "all kubectl checks passed"
