#!/bin/bash
# fuzz.sh: build the libFuzzer harnesses of tests/fuzz/ with clang (ASan + UBSan) and run each
# for a bounded time. Not part of `make test`.
#
#   FUZZ_SECONDS=60  how long each harness runs (default 60)
#   F=name           run only the harnesses whose name contains it (e.g. F=yaml)
#   FUZZ_JOBS=1      parallel fuzzing processes per harness
#
# Corpora live in build/fuzz/corpus/<harness>/ (kept between runs, seeded from tests/data/
# fixtures; tests/fuzz/<harness>.dict, when present, is the harness's libFuzzer dictionary).
# A crash, leak, timeout or failed property leaves its input in build/fuzz/crashes/<harness>/
# and makes the script fail (inputs of earlier runs move to build/fuzz/crashes-earlier/). Reproduce one with
#   build/fuzz/fuzzers/<harness> <file>
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
out=build/fuzz
data=tests/data

# clang and its runtime libraries (libFuzzer lives in libclang-rt-*-dev on Debian 12).
need_clang() {
    command -v clang >/dev/null 2>&1 || return 0
    ls "$(clang -print-resource-dir 2>/dev/null)"/lib/linux/libclang_rt.fuzzer-x86_64.a \
        >/dev/null 2>&1 || return 0
    return 1
}
if need_clang; then
    pkgs="clang libclang-rt-14-dev"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "fuzz: installing $pkgs" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs \
            >/dev/null 2>&1 || { apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs \
                >/dev/null; } || exit 1
    else
        echo "fuzz: clang and libFuzzer are missing: apt-get install -y $pkgs" >&2
        exit 1
    fi
fi

make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" -f mk/build.mk VARIANT=fuzz fuzzers \
    || exit 1

# ---- seeds ----------------------------------------------------------------------------------
seed_dir() { mkdir -p "$out/seeds/$1" && echo "$out/seeds/$1"; }
copy_seeds() { # harness, files...
    local d; d=$(seed_dir "$1"); shift
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$d/"; done
}
text_seeds() { # harness, texts... (one seed file each)
    local d; d=$(seed_dir "$1"); shift
    local i=0
    for t in "$@"; do printf '%s' "$t" >"$d/text-$i"; i=$((i + 1)); done
}
# "doc patch" pairs from the RFC fixtures (needs python3; without it the pairs are skipped)
patch_seeds() { # harness, fixture, doc key, patch key
    local d; d=$(seed_dir "$1")
    command -v python3 >/dev/null 2>&1 || return 0
    python3 - "$2" "$3" "$4" "$d" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
for i, c in enumerate(cases):
    if sys.argv[2] in c and sys.argv[3] in c:
        with open("%s/case-%d" % (sys.argv[4], i), "w") as f:
            f.write(json.dumps(c[sys.argv[2]]) + "\n" + json.dumps(c[sys.argv[3]]))
PY
}

# "lower upper" pairs from the pod-template fixtures (needs python3 with PyYAML; else skipped)
template_seeds() { # harness
    local d; d=$(seed_dir "$1")
    python3 -c 'import yaml' >/dev/null 2>&1 || return 0
    python3 - "$d" "$data"/podtemplate-*.yaml <<'PY'
import json, sys, yaml
n = 0
for path in sys.argv[2:]:
    for case in yaml.safe_load_all(open(path)):
        layers = case.get("layers") or [case.get("lower"), case.get("upper")]
        for lower, upper in zip(layers, layers[1:]):
            with open("%s/case-%d" % (sys.argv[1], n), "w") as f:
                f.write(json.dumps(lower) + "\n" + json.dumps(upper))
            n += 1
PY
}

# fixtures behind a fixed first part (the harness's selector bytes)
prefixed_seeds() { # harness, prefix, files...
    local d; d=$(seed_dir "$1"); local prefix=$2; shift 2
    for f in "$@"; do [ -f "$f" ] && { printf '%s' "$prefix"; cat "$f"; } >"$d/$prefix-$(basename "$f")"; done
}
# the stack traces of the Flink REST fixtures (needs python3; without it they are skipped)
trace_seeds() { # harness, fixtures...
    local d; d=$(seed_dir "$1"); shift
    command -v python3 >/dev/null 2>&1 || return 0
    python3 - "$d" "$@" <<'PY'
import json, sys
n = 0
def walk(v):
    global n
    if isinstance(v, dict):
        for k, m in v.items():
            if k in ("stack-trace", "stacktrace") and isinstance(m, str):
                with open("%s/trace-%d" % (sys.argv[1], n), "w") as f:
                    f.write(m)
                n += 1
            walk(m)
    elif isinstance(v, list):
        for m in v:
            walk(m)
for path in sys.argv[2:]:
    walk(json.load(open(path)))
PY
}

template_seeds fuzz_podtemplate
copy_seeds fuzz_json_read "$data"/admission-*.json "$data"/conf-*.json "$data"/patch-*.json
text_seeds fuzz_json_read '{"request":{"object":{"metadata":{"annotations":{"a":"{\"k\":\"v\\\"q\"}"}}},"oldObject":{"status":{"s":"{\"x\":[1,2.5,true,null]}"}}}}' \
    '[1,-0,0.5e-3,"\u00e9\ud83d\ude00",{"b":{"c":[{}]}},"é"]'
text_seeds fuzz_kube_stubs \
    '{"kind":"L","items":[{"metadata":{"name":"a"},"spec":{"k":[1,2,3]}},{"metadata":{"name":"b","finalizers":["f"]},"spec":{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{},"h":{},"i":{},"j":{},"k":{},"l":{},"m":{},"n":{}},"status":{"s":1}},7]}' \
    '{"items":[{"metadata":{"name":"x","labels":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10","k":"11","l":"12","m":"13","n":"14","o":"15","p":"16","q":"17"},"finalizers":["f"]}}]}'
copy_seeds fuzz_yaml "$data"/yaml-*.yaml "$data"/podtemplate-*.yaml "$data"/cluster-defaults-*.yaml \
    "$data"/deployment-valid-application.yaml "$data"/kubeconfig-*.yaml
patch_seeds fuzz_json_patch "$data/patch-rfc6902-appendix-a.json" doc patch
patch_seeds fuzz_json_patch "$data/patch-rules.json" doc patch
patch_seeds fuzz_merge_patch "$data/patch-rfc7386-appendix-a.json" original patch
text_seeds fuzz_labels "0app=flink,component in (jobmanager,taskmanager)" "0!a,b!=c,d notin (x,)" \
    "0example.com/x==y,n>2,n<10" '1{"matchLabels":{"a":"b"},"matchExpressions":[{"key":"c","operator":"In","values":["d"]}]}' \
    '1{"app":"flink","example.com/role":"jm"}'
text_seeds fuzz_quantity 1 1.5 -2Gi 500m 1e3 100Ki 0.000000001 9223372036854775807 1E 12.5e-3 +7Pi
text_seeds fuzz_flink_values "2048m" "1g" "100 bytes" "1.5Gi" "2gb" "5 min" "PT1H30M" "30 s" \
    "1.0E10" "NaN" "-0.5d" "true" " FALSE "
# first byte: bit 0 the Flink version (1: 1.20, config.yaml), (byte >> 1) % 3 the reader
# ('`'/'a' tolerations, 'b'/'c' env from Secrets, 'd'/'e' Secret mounts)
text_seeds fuzz_flink_pod_options \
    "\`key:dedicated,operator:Equal,value:flink,effect:NoSchedule;'key:spot,operator:Exists'" \
    "a[{key: a, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]" \
    "benv:A,secret:s,key:k;'env: B , secret: s ,''key: k2'''" "c- {env: A, secret: s, key: k}" \
    "ds3:/opt/s3,'tls:/opt/tls',\"a''b\":/x" "e{s3: /opt/s3, 'tls': /opt/it's}"
copy_seeds fuzz_cluster_defaults "$data"/cluster-defaults-*.yaml "$data"/admission-cluster-defaults*.yaml \
    "$root"/manifests/base/cluster-defaults.yaml
copy_seeds fuzz_flink_conf "$data"/conf-*.yaml "$data"/conf-*.json "$data"/cluster-defaults-full.yaml
copy_seeds fuzz_admission "$data"/deployment-*.yaml "$data"/sessionjob-*.yaml "$data"/normalize-*.yaml \
    "$data"/admission-flink*.yaml "$data"/crd-valid-*.yaml "$data"/controller-*.yaml
trace_seeds fuzz_java_trace "$data"/flink-execution-result-failed.json "$data"/flink-exceptions.json \
    "$data"/flink-savepoint-status-failed.json "$data"/flink-checkpoint-status-failed.json
text_seeds fuzz_java_trace $'java.lang.IllegalStateException: first line\r\nsecond line\r\n\tat a.B.c(B.java:1)\r\nCaused by: java.lang.NullPointerException\r\n\t... 3 more\r\nCaused by: java.lang.Exception: \r\n' \
    $'java.io.IOException: close failed\n\tat a.B.c(B.java:1)\n\tSuppressed: java.lang.RuntimeException: also\n\t\tat a.B.d(B.java:2)\n\tCaused by: java.lang.Error: inner\nCaused by: java.net.SocketException: Connection reset\n' \
    $'java.lang.IllegalStateException: top\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: middle\nline two\n\t... 1 more\nCaused by: [CIRCULAR REFERENCE: java.lang.IllegalStateException: top]\n' \
    $'java.lang.Error\nCaused by: java.lang.Exception\nCaused by: [CIRCULAR REFERENCE: java.lang.Error]'
# first byte: the decoder ('0'-'9', ':', ';', '<', '=', '>'; '?' the error decoder, whose
# second byte picks the HTTP status: '7' is 500, '3' 404)
prefixed_seeds fuzz_flink_rest 0 "$data"/flink-config.json
prefixed_seeds fuzz_flink_rest 1 "$data"/flink-overview.json
prefixed_seeds fuzz_flink_rest 2 "$data"/flink-taskmanagers.json
prefixed_seeds fuzz_flink_rest 3 "$data"/flink-jobs-overview*.json
prefixed_seeds fuzz_flink_rest 4 "$data"/flink-job-details.json
prefixed_seeds fuzz_flink_rest 5 "$data"/flink-execution-result-*.json
prefixed_seeds fuzz_flink_rest 6 "$data"/flink-exceptions.json
prefixed_seeds fuzz_flink_rest 7 "$data"/flink-savepoint-status-*.json "$data"/flink-checkpoint-status-*.json
prefixed_seeds fuzz_flink_rest 8 "$data"/flink-checkpoints*.json
prefixed_seeds fuzz_flink_rest 9 "$data"/flink-checkpoint-details.json
prefixed_seeds fuzz_flink_rest : "$data"/flink-checkpoint-config.json
prefixed_seeds fuzz_flink_rest ";" "$data"/flink-metrics.json
prefixed_seeds fuzz_flink_rest "<" "$data"/flink-trigger.json
prefixed_seeds fuzz_flink_rest = "$data"/flink-jar-run.json
prefixed_seeds fuzz_flink_rest ">" "$data"/flink-jar-upload.json
prefixed_seeds fuzz_flink_rest "?3" "$data"/flink-error-job-not-found.json
text_seeds fuzz_flink_rest '?7{"errors":["org.apache.flink.runtime.client.DuplicateJobSubmissionException: x\n\tat y"]}' \
    '?0<html><body>Bad Gateway</body></html>'
# first two bytes: how the stream is cut and the limits
prefixed_seeds fuzz_kube_watch "a@" "$data"/watch-*.jsonl
text_seeds fuzz_kube_watch $'a\x01{"type":"ERROR","object":{"kind":"Status","code":410}}\n{"type":"ADDED","object":{"metadata":{"name":"n"},"data":{"a":[{},{},{"b":"}{]["}]}}}' \
    'z~ {"type":"BOOKMARK","object":{}}{"type":"DELETED","object":{"metadata":{"name":"x"}}} {"type":"MOD'
copy_seeds fuzz_kubeconfig "$data"/kubeconfig-*.yaml
# first byte: the HTTP status ('0' 400, '3' 404, '4' 409, '6' 422, '9' 502); second: odd adds a
# prefix ("create pods ns/x")
text_seeds fuzz_kube_status '61{"kind":"Status","apiVersion":"v1","status":"Failure","message":"FlinkDeployment.flink.apache.org \"x\" is invalid","reason":"Invalid","details":{"causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.image"}]},"code":422}' \
    '30{"kind":"Status","message":"configmaps \"a\" not found","reason":"NotFound","code":404}' \
    '41{"kind":"Status","reason":"Conflict","code":409,"message":"Operation cannot be fulfilled"}' \
    '90<html><head><title>502 Bad Gateway</title></head></html>' \
    '00{"kind":"Status","code":410,"reason":"Expired","details":{"retryAfterSeconds":3}}'
# first byte: odd reads flink-conf.yaml, even config.yaml
prefixed_seeds fuzz_flink_conf_read 1 "$data"/conf-render-expected-flink-conf.yaml
prefixed_seeds fuzz_flink_conf_read 0 "$data"/conf-render-expected-config.yaml \
    "$data"/conf-flatten-input.yaml "$data"/conf-defaults-scoped.yaml
text_seeds fuzz_flink_conf_read $'1a.b: 1\rc: 2 # x\r\nd:e: f\n e : \tg  \nh:\n' \
    $'0a:\n  b: 0x1A\n  c: [1, 2]\nd: "x: #y"\ne: ~\n'
text_seeds fuzz_artifact_uri "https://h.example/dir%20one/my%20job+v2.jar" "http://[::1]:9000/x.jar" \
    "https://user:secret@h.example/a.jar?X-Amz-Signature=abcdef" "s3a://my-bucket/jobs/app.jar" \
    "file://localhost/opt/app.jar" "local:///opt/flink/usrlib/my%2Bjob.jar" \
    "https://h.example/a%2Fb.jar" "https://h.example/dir/%2E%2E" "file:/opt/a.jar"
text_seeds fuzz_flink_spec \
    '{"spec":{"job":{"jarURI":"local:///a.jar","parallelism":2,"upgradeMode":"savepoint"},"flinkConfiguration":{"a.b":"1"}},"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}}' \
    '{"apiVersion":"flink.apache.org/v1beta1","job":{"state":"suspended"},"jobManager":{"resource":{"memory":"2048m","cpu":1}},"metadata":{"generation":2}}'

# ---- run ------------------------------------------------------------------------------------
failed=()
for bin in "$out"/fuzzers/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    [ -n "${F:-}" ] && [[ $name != *"$F"* ]] && continue
    corpus="$out/corpus/$name" crashes="$out/crashes/$name"
    # findings of an earlier run are kept aside, so this run judges only what it finds itself
    if ls "$crashes"/* >/dev/null 2>&1; then
        mkdir -p "$out/crashes-earlier/$name" && mv "$crashes"/* "$out/crashes-earlier/$name/"
    fi
    mkdir -p "$corpus" "$crashes"
    seeds="$out/seeds/$name"
    [ -d "$seeds" ] || seeds=""
    echo "  FUZZ  $name (${seconds}s)"
    log="$out/$name.log"
    # -use_value_profile helps with the many string comparisons; timeouts and memory are
    # bounded so a hang or a blow-up counts as a finding.
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
    parallel=()
    [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
    # -max_total_time is wall-clock time; -print_final_stats reports executions and memory.
    (cd "$out" && FO_TEST_DATA="$root/$data" "$root/$bin" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -use_value_profile=1 -print_final_stats=1 \
        "${dict[@]}" "${parallel[@]}" -artifact_prefix="$root/$crashes/" "$root/$corpus" \
        ${seeds:+"$root/$seeds"}) >"$log" 2>&1
    rc=$?
    if [ "$jobs" -gt 1 ]; then cat "$out"/fuzz-*.log >>"$log" 2>/dev/null; rm -f "$out"/fuzz-*.log; fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/        /'
    if [ $rc -ne 0 ] || ls "$crashes"/* >/dev/null 2>&1; then
        echo "  FAIL  $name (log: $log, inputs: $crashes)"
        grep -m1 -A12 -E "ERROR: |fuzz property failed|runtime error" "$log" | sed 's/^/        /'
        failed+=("$name")
    fi
done
echo "  fuzz: ${#failed[@]} harness(es) failed"
[ ${#failed[@]} -eq 0 ]
