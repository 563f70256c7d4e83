# shellcheck shell=bash disable=SC2034
# tests/e2e/lib.sh: helpers for the end-to-end suites and `make demo` (scripts/demo.sh).
# Source it; nothing runs at source time.
#
# The processes: the sandbox (build/flinkop-sandbox: fake API server + fake Flink + simulated
# kubelet), the webhook (HTTPS with a CA from certs/gen.sh when it and certtool/openssl exist,
# else plain HTTP on loopback) and the controller(s), all on 127.0.0.1 with free ports. The
# real kubectl is the client. No jq, python or curl needed: JSON comes out of kubectl's
# jsonpath / go-template, HTTP to the sandbox goes through bash's /dev/tcp.
#
# Variables: FO_BIN_DIR (programs, default build/san), FO_SRC_DIR (repository root), E2E_DIR
# (state and logs of this run), KUBECONFIG, API_PORT, FLINK_PORT, WEBHOOK_PORT, WEBHOOK_CA
# (PEM of the CA, empty for plain HTTP).

E2E_ROOT=${FO_SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
E2E_BIN=${FO_BIN_DIR:-$E2E_ROOT/build/san}
E2E_PIDS=()
E2E_NAMES=()
E2E_READY_DELAY_MS=${E2E_READY_DELAY_MS:-200}
# The controller's observe interval, and the webhook's reading of it (--reconcile-interval,
# which judges the autoscaler's metrics window): the two must agree, as docs/install.md says.
E2E_OBSERVE_INTERVAL=${E2E_OBSERVE_INTERVAL:-3s}

# ---- messages and assertions --------------------------------------------------------------

e2e_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Print the last lines of every process log (what went wrong is usually there).
e2e_dump_logs() {
    local f
    for f in "$E2E_DIR"/*.log; do
        [ -f "$f" ] || continue
        echo "----- $(basename "$f") (last 25 lines)" >&2
        tail -n 25 "$f" >&2
    done
}

fail() {
    echo "FAIL: $*" >&2
    [ "${E2E_NO_DUMP:-0}" = 1 ] || e2e_dump_logs
    exit 1
}

expect_eq() { # got want what
    [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

expect_contains() { # haystack needle what
    case $1 in *"$2"*) ;; *) fail "$3: '$2' not found in: $1" ;; esac
}

# wait_for DESCRIPTION TIMEOUT_S COMMAND...: run COMMAND every 0.2 s until it succeeds.
wait_for() {
    local what=$1 timeout=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${timeout}s waiting for $what"
        sleep 0.2
    done
}

# ---- set-up and clean-up ------------------------------------------------------------------

# e2e_init NAME: a fresh state directory, and clean-up (every process we started) on exit.
e2e_init() {
    E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/flinkop-e2e-$1.XXXXXX")
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM
    command -v kubectl >/dev/null 2>&1 || fail "kubectl is not installed"
}

e2e_cleanup() {
    local rc=$?
    local i
    for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
        stop_process "${E2E_PIDS[$i]}" "${E2E_NAMES[$i]}"
    done
    if [ $rc = 0 ] || [ "${E2E_KEEP:-0}" != 1 ]; then
        rm -rf "$E2E_DIR"
    else
        echo "e2e: state kept in $E2E_DIR" >&2
    fi
    exit $rc
}

# Skip (exit 0 with a note) when a program the suite needs is not built yet.
need() {
    local b
    for b in "$@"; do
        [ -x "$E2E_BIN/$b" ] || { echo "SKIP: $E2E_BIN/$b is not built"; exit 0; }
    done
}

# stop_process PID NAME: SIGTERM, then SIGKILL after 10 s. Only our own children.
stop_process() {
    local pid=$1 name=$2 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    e2e_log "$name (pid $pid) did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# A TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        # Below the kernel's ephemeral range (32768-60999), so that no outgoing connection of
        # an already running process can take the port between this check and the bind.
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12700))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port WHAT PID PORT TIMEOUT_S: until the port accepts connections; fails at once when the
# process exits first (its log says why).
wait_port() {
    local what=$1 pid=$2 port=$3 deadline=$((SECONDS + $4))
    until port_open "$port"; do
        kill -0 "$pid" 2>/dev/null || fail "$what exited at start-up"
        [ $SECONDS -lt $deadline ] || fail "timed out after ${4}s waiting for $what on port $port"
        sleep 0.1
    done
}

# spawn NAME LOG COMMAND...: start in the background, remember the pid in E2E_PID. With
# E2E_DETACH=1 (the demo) the process gets its own session (Ctrl-C in the terminal does not
# reach it) and its pid goes to $E2E_DIR/NAME.pid.
spawn() {
    local name=$1 log=$2
    shift 2
    if [ "${E2E_DETACH:-0}" = 1 ]; then
        setsid "$@" >>"$log" 2>&1 </dev/null &
        E2E_PID=$!
        echo "$E2E_PID" >"$E2E_DIR/$name.pid"
    else
        "$@" >>"$log" 2>&1 &
        E2E_PID=$!
    fi
    E2E_PIDS+=("$E2E_PID")
    E2E_NAMES+=("$name")
}

# ---- HTTP over /dev/tcp (plain HTTP on loopback only) ---------------------------------------

# http METHOD PORT PATH [BODY]: prints the body; HTTP_STATUS gets the status code.
http() {
    local method=$1 port=$2 path=$3 body=${4:-} line
    HTTP_STATUS=000
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "$method" "$path" "$port" "${#body}" "$body" >&3
    IFS= read -r line <&3
    HTTP_STATUS=$(echo "$line" | cut -d' ' -f2)
    while IFS= read -r line <&3; do
        [ "$line" = $'\r' ] || [ -z "$line" ] && break
    done
    cat <&3
    exec 3<&-
}

# ---- the processes ------------------------------------------------------------------------

# start_sandbox [ARGS...]: the sandbox on free ports; sets API_PORT, FLINK_PORT, KUBECONFIG.
start_sandbox() {
    local out=$E2E_DIR/sandbox.ports line i
    : >"$out"
    spawn sandbox "$E2E_DIR/sandbox.log" sh -c 'exec "$0" "$@" >"'"$out"'"' \
        "$E2E_BIN/flinkop-sandbox" --api-port 0 --flink-port 0 \
        --ready-delay-ms "$E2E_READY_DELAY_MS" --kubeconfig-out "$E2E_DIR/kubeconfig" "$@"
    SANDBOX_PID=$E2E_PID
    for ((i = 0; i < 150; i++)); do
        line=$(head -n1 "$out" 2>/dev/null)
        [ -n "$line" ] && break
        kill -0 "$SANDBOX_PID" 2>/dev/null || fail "the sandbox exited at start-up"
        sleep 0.1
    done
    [ -n "$line" ] || fail "the sandbox did not start within 15 s"
    API_PORT=$(echo "$line" | sed -n 's/.*"apiPort": *\([0-9]*\).*/\1/p')
    FLINK_PORT=$(echo "$line" | sed -n 's/.*"flinkPort": *\([0-9]*\).*/\1/p')
    export KUBECONFIG=$E2E_DIR/kubeconfig
    e2e_log "sandbox: api server 127.0.0.1:$API_PORT, flink 127.0.0.1:$FLINK_PORT"
}

# install_crds: the CRDs of crds/ (server-side apply: they are too large for the
# last-applied annotation), then wait until they are established.
install_crds() {
    kubectl apply --server-side -f "$E2E_ROOT/crds/flinkdeployments.flink.apache.org.yaml" \
        -f "$E2E_ROOT/crds/flinksessionjobs.flink.apache.org.yaml" >/dev/null ||
        fail "kubectl could not install the CRDs"
    kubectl wait --for condition=established --timeout=30s \
        crd/flinkdeployments.flink.apache.org crd/flinksessionjobs.flink.apache.org >/dev/null ||
        fail "the CRDs were not established"
}

# make_webhook_certs DIR: the webhook's serving certificate from certs/gen.sh, for the name
# "localhost" (the loopback URL the API server calls). Returns 1 when gen.sh or its tools are
# missing (then the webhook serves plain HTTP).
make_webhook_certs() {
    local dir=$1
    [ -x "$E2E_ROOT/certs/gen.sh" ] || return 1
    command -v certtool >/dev/null 2>&1 || command -v openssl >/dev/null 2>&1 || return 1
    "$E2E_ROOT/certs/gen.sh" --service localhost --namespace flinkop-system --out "$dir" \
        >"$dir.gen.log" 2>&1 || { cat "$dir.gen.log" >&2; return 1; }
}

# start_webhook [ARGS...]: sets WEBHOOK_PORT, WEBHOOK_URL (scheme://host:port) and WEBHOOK_CA.
start_webhook() {
    WEBHOOK_PORT=$(free_port) || fail "no free port for the webhook"
    local tls=()
    if make_webhook_certs "$E2E_DIR/certs"; then
        tls=(--tls-cert "$E2E_DIR/certs/tls.crt" --tls-key "$E2E_DIR/certs/tls.key")
        WEBHOOK_URL=https://localhost:$WEBHOOK_PORT
        WEBHOOK_CA=$E2E_DIR/certs/ca-bundle.crt
    else
        tls=(--plain-http)
        WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT
        WEBHOOK_CA=
    fi
    spawn webhook "$E2E_DIR/webhook.log" "$E2E_BIN/flinkop-webhook" --port "$WEBHOOK_PORT" \
        --bind-address 127.0.0.1 "${tls[@]}" \
        --defaults "$E2E_ROOT/manifests/base/cluster-defaults.yaml" --kubeconfig "$KUBECONFIG" \
        --log-level info --reconcile-interval "$E2E_OBSERVE_INTERVAL" "$@"
    WEBHOOK_PID=$E2E_PID
    wait_port "the webhook" "$WEBHOOK_PID" "$WEBHOOK_PORT" 20
    e2e_log "webhook: $WEBHOOK_URL"
}

# register_webhook: manifests/base/webhook-configurations.yaml rendered by kustomize with the
# clientConfig pointing at the loopback webhook (url + caBundle), applied with kubectl.
register_webhook() {
    local dir=$E2E_DIR/webhook-config bundle=""
    mkdir -p "$dir"
    [ -n "$WEBHOOK_CA" ] && bundle=$(base64 -w0 <"$WEBHOOK_CA")
    cp "$E2E_ROOT/manifests/base/webhook-configurations.yaml" "$dir/"
    {
        echo "apiVersion: kustomize.config.k8s.io/v1beta1"
        echo "kind: Kustomization"
        echo "resources: [webhook-configurations.yaml]"
        echo "labels:"
        echo "  - pairs: {app.kubernetes.io/part-of: flinkop}"
        echo "patches:"
        local kind path
        for kind in MutatingWebhookConfiguration:mutate ValidatingWebhookConfiguration:validate; do
            path=${kind#*:}
            echo "  - target: {kind: ${kind%%:*}, name: flinkop}"
            echo "    patch: |-"
            echo "      - op: replace"
            echo "        path: /webhooks/0/clientConfig"
            if [ -n "$bundle" ]; then
                echo "        value: {url: \"$WEBHOOK_URL/$path\", caBundle: \"$bundle\"}"
            else
                echo "        value: {url: \"$WEBHOOK_URL/$path\"}"
            fi
        done
    } >"$dir/kustomization.yaml"
    kubectl kustomize "$dir" >"$dir/rendered.yaml" || fail "kubectl kustomize $dir failed"
    kubectl apply -f "$dir/rendered.yaml" >/dev/null || fail "kubectl could not register the webhook"
}

unregister_webhook() {
    kubectl delete mutatingwebhookconfiguration/flinkop validatingwebhookconfiguration/flinkop \
        --ignore-not-found >/dev/null
}

# start_controller NAME [ARGS...]: a controller with a free health port; CONTROLLER_PID,
# CONTROLLER_HEALTH_PORT.
start_controller() {
    local name=$1
    shift
    CONTROLLER_HEALTH_PORT=$(free_port) || fail "no free port for the controller"
    spawn "$name" "$E2E_DIR/$name.log" "$E2E_BIN/flinkop-controller" --kubeconfig "$KUBECONFIG" \
        --flink-rest-url "http://127.0.0.1:$FLINK_PORT/{namespace}/{name}" \
        --health-port "$CONTROLLER_HEALTH_PORT" \
        --defaults "$E2E_ROOT/manifests/base/cluster-defaults.yaml" --log-level debug \
        --rest-ready-delay "${E2E_REST_READY_DELAY:-1s}" --progress-interval 1s \
        --observe-interval "$E2E_OBSERVE_INTERVAL" "$@"
    CONTROLLER_PID=$E2E_PID
    wait_port "$name" "$CONTROLLER_PID" "$CONTROLLER_HEALTH_PORT" 20
}

# ---- FlinkDeployments -----------------------------------------------------------------------

lifecycle() { kubectl get flinkdeployment "$1" -o jsonpath='{.status.lifecycleState}' 2>/dev/null; }
is_stable() { [ "$(lifecycle "$1")" = STABLE ]; }

wait_stable() { # NAME [TIMEOUT]
    local name=$1 timeout=${2:-60} deadline
    deadline=$((SECONDS + timeout))
    until is_stable "$name"; do
        if [ $SECONDS -ge $deadline ]; then
            kubectl get flinkdeployment "$name" -o yaml >&2 || true
            fail "$name did not reach STABLE within ${timeout}s (now: '$(lifecycle "$name")')"
        fi
        sleep 0.3
    done
}

# Argo CD's health of a FlinkDeployment, by the rules of its resource customization for
# flink.apache.org/FlinkDeployment (written here from the rules, in order): Healthy when
# status.reconciliationStatus.success is true or .state is DEPLOYED; Progressing while
# jobManagerDeploymentStatus is DEPLOYED_NOT_READY or DEPLOYING; Degraded when it is ERROR;
# otherwise (no reconciliationStatus yet, too) Progressing. Prints the status word.
argocd_health() { # NAME
    local out rs success state jm
    out=$(kubectl get flinkdeployment "$1" -o jsonpath='{.status.reconciliationStatus}|{.status.reconciliationStatus.success}|{.status.reconciliationStatus.state}|{.status.jobManagerDeploymentStatus}' 2>/dev/null)
    IFS='|' read -r rs success state jm <<<"$out"
    if [ -n "$rs" ]; then
        if [ "$success" = true ] || [ "$state" = DEPLOYED ]; then echo Healthy; return; fi
        case $jm in
        DEPLOYED_NOT_READY | DEPLOYING) echo Progressing; return ;;
        ERROR) echo Degraded; return ;;
        esac
    fi
    echo Progressing
}

# A job's state in the fake Flink ("" when the cluster or job is missing).
flink_job_state() { # NAMESPACE NAME
    http GET "$FLINK_PORT" "/$1/$2/jobs/overview" 2>/dev/null |
        sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p' | head -n1
}

# job_state_is NAMESPACE NAME STATE: for wait_for.
job_state_is() { [ "$(flink_job_state "$1" "$2")" = "$3" ]; }

# Render objects the same way for actual-versus-expected comparisons, one line per object:
# kind and name, labels, owner references, Deployment replicas / selector / pod labels /
# containers (image, command, args, ports) / volumes (name: source kind), Service type / clusterIP / ports /
# selector, ConfigMap keys, Ingress class and hosts. kubectl prints maps sorted by key.
OBJECT_TEMPLATE='{{define "kv"}}{{range $k, $v := .}}{{$k}}={{$v}},{{end}}{{end}}
{{- define "obj"}}{{.kind}} {{.metadata.name}} | labels {{template "kv" .metadata.labels}}
{{- " | owners "}}{{range .metadata.ownerReferences}}{{.apiVersion}}/{{.kind}}/{{.name}} controller={{.controller}} block={{.blockOwnerDeletion}};{{end}}
{{- if eq .kind "Deployment"}} | replicas {{.spec.replicas}} | selector {{template "kv" .spec.selector.matchLabels}}
{{- " | pod labels "}}{{template "kv" .spec.template.metadata.labels}}
{{- range .spec.template.spec.containers}} | container {{.name}} image={{.image}} command={{range .command}}[{{.}}]{{end}} args={{range .args}}[{{.}}]{{end}} ports={{range .ports}}{{.name}}:{{.containerPort}},{{end}}{{end}}
{{- " | volumes "}}{{range .spec.template.spec.volumes}}{{.name}}:{{range $k, $v := .}}{{if ne $k "name"}}{{$k}}{{end}}{{end}},{{end}}{{end}}
{{- if eq .kind "Service"}} | type {{.spec.type}} | clusterIP {{if eq (printf "%v" .spec.clusterIP) "None"}}None{{else}}allocated{{end}}
{{- " | ports "}}{{range .spec.ports}}{{.name}}:{{.port}}->{{.targetPort}},{{end}} | selector {{template "kv" .spec.selector}}{{end}}
{{- if eq .kind "ConfigMap"}} | keys {{range $k, $v := .data}}{{$k}},{{end}}{{end}}
{{- if eq .kind "Ingress"}} | class {{.spec.ingressClassName}} | hosts {{range .spec.rules}}{{.host}},{{end}}{{end}}
{{end}}'

# summarize_live KINDS SELECTOR: the live objects, one line each, sorted.
summarize_live() {
    kubectl get "$1" -l "$2" -o go-template="$OBJECT_TEMPLATE"'{{range .items}}{{template "obj" .}}{{end}}' |
        sort
}

# summarize_file FILE: a fixture of expected objects, rendered offline the same way.
summarize_file() {
    kubectl annotate --local -f "$1" e2e-rendered=true \
        -o go-template="$OBJECT_TEMPLATE"'{{template "obj" .}}' | sort
}

# expect_objects KINDS SELECTOR FIXTURE: the live objects equal the fixture's, line by line.
expect_objects() {
    local want=$E2E_DIR/want.txt got=$E2E_DIR/got.txt
    summarize_file "$3" >"$want" || fail "cannot render $3"
    summarize_live "$1" "$2" >"$got" || fail "cannot list $1 -l $2"
    diff -u "$want" "$got" >&2 || fail "objects $1 -l $2 differ from $(basename "$3") (- want, + got)"
}
