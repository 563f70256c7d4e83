#!/bin/bash
# certs/gen.sh, end to end with each installed tool (certtool, openssl): the serving
# certificate carries the webhook Service's DNS names and chains to the CA; the Secret and the
# caBundle patch hold exactly the generated files; re-running rotates the serving certificate
# but keeps the CA (so the API server keeps trusting the webhook while pods pick up the new
# files); --rotate-ca keeps the previous CA in the bundle; bad input is refused.
set -u
root=${FO_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FO_BIN_DIR:-$root/build/san}
gen=$root/certs/gen.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
check() { # description command...
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then echo "ok: $what"; else fail "$what"; fi
}

# Certificates are inspected with certtool (scripts/deps.sh installs it for make test), also
# those openssl made: each tool's output is read by the other.
info() { certtool -i --infile "$1" 2>/dev/null; }
sans() { info "$1" | sed -n 's/^[[:space:]]*DNSname: //p' | sort; }
fingerprint() { info "$1" | sed -n 's/^[[:space:]]*sha256:\([0-9a-f]*\)$/\1/p' | head -n1; }
trusted() { # ca-file cert
    certtool --verify --load-ca-certificate "$1" --infile "$2" 2>/dev/null |
        grep -q 'Verified. The certificate is trusted'
}
key_id() { # the sha256 Public Key ID of a certificate (-i) or a private key (-k)
    certtool "$1" --infile "$2" 2>/dev/null |
        sed -n '/Public Key ID:/,/^[[:space:]]*$/s/^[[:space:]]*sha256:\([0-9a-f]*\)$/\1/p' | head -n1
}
is_ca() { info "$1" | grep -q 'Certificate Authority (CA): TRUE'; }
is_server_leaf() {
    info "$1" | grep -q 'TLS WWW Server' && info "$1" | grep -q 'Certificate Authority (CA): FALSE'
}
same_key() { [ -n "$(key_id -k "$1")" ] && [ "$(key_id -k "$1")" = "$(key_id -i "$2")" ]; }
yaml_value() { # file key -> the value of "  key: value"
    sed -n "s/^ *$2: //p" "$1" | head -n1
}

command -v certtool >/dev/null || { echo "FAIL: certtool (gnutls-bin) is needed"; exit 1; }

for tool in certtool openssl; do
    if ! command -v $tool >/dev/null; then
        echo "skip: $tool is not installed"
        continue
    fi
    out=$work/$tool
    echo "== $tool"
    check "gen.sh succeeds" "$gen" --tool $tool --out "$out" --namespace flink-ops --service hooks
    expected=$(printf '%s\n' hooks hooks.flink-ops hooks.flink-ops.svc \
        hooks.flink-ops.svc.cluster.local | sort)
    [ "$(sans "$out/tls.crt")" = "$expected" ] || fail "$tool: SANs are $(sans "$out/tls.crt" | xargs)"
    check "$tool: serving certificate chains to the CA" trusted "$out/ca.crt" "$out/tls.crt"
    check "$tool: serving certificate is a TLS server leaf" is_server_leaf "$out/tls.crt"
    check "$tool: the CA is a CA" is_ca "$out/ca.crt"
    check "$tool: key matches certificate" same_key "$out/tls.key" "$out/tls.crt"
    check "$tool: private keys are readable by the owner only" \
        sh -c "[ \"\$(stat -c %a '$out/tls.key')\" = 600 ] && [ \"\$(stat -c %a '$out/ca.key')\" = 600 ]"

    # The Secret: a valid kubernetes.io/tls Secret holding exactly the files.
    check "$tool: secret.yaml passes the Kubernetes schema" \
        "$bin/flinkop-kubecheck" --schemas "$root/tests/data/kubernetes-openapi/v1.35" "$out/secret.yaml"
    [ "$(yaml_value "$out/secret.yaml" tls.crt)" = "$(base64 -w0 <"$out/tls.crt")" ] ||
        fail "$tool: Secret tls.crt differs from tls.crt"
    [ "$(yaml_value "$out/secret.yaml" tls.key)" = "$(base64 -w0 <"$out/tls.key")" ] ||
        fail "$tool: Secret tls.key differs from tls.key"
    [ "$(yaml_value "$out/secret.yaml" ca.crt)" = "$(base64 -w0 <"$out/ca.crt")" ] ||
        fail "$tool: Secret ca.crt is not the CA"
    grep -q '^  namespace: flink-ops$' "$out/secret.yaml" || fail "$tool: Secret namespace"
    grep -q '^type: kubernetes.io/tls$' "$out/secret.yaml" || fail "$tool: Secret type"
    # The caBundle patch names both webhooks of manifests/base and carries the CA.
    [ "$(grep -c "caBundle: $(base64 -w0 <"$out/ca.crt")\$" "$out/cabundle-patch.yaml")" = 2 ] ||
        fail "$tool: caBundle patch does not carry the CA twice"
    for hook in mutate.flinkop.flink.apache.org validate.flinkop.flink.apache.org; do
        grep -q "name: $hook\$" "$out/cabundle-patch.yaml" || fail "$tool: patch lacks $hook"
        grep -q "name: $hook\$" "$root/manifests/base/webhook-configurations.yaml" ||
            fail "$tool: base has no webhook $hook"
    done

    # Rotation: new serving certificate, same CA, old certificate still trusted.
    cp "$out/tls.crt" "$work/old-tls.crt"
    ca_before=$(fingerprint "$out/ca.crt")
    check "$tool: second run succeeds" "$gen" --tool $tool --out "$out" --namespace flink-ops --service hooks
    [ "$(fingerprint "$out/ca.crt")" = "$ca_before" ] || fail "$tool: re-run replaced the CA"
    [ "$(fingerprint "$out/tls.crt")" != "$(fingerprint "$work/old-tls.crt")" ] ||
        fail "$tool: re-run kept the serving certificate"
    check "$tool: the old serving certificate is still trusted by the bundle" \
        trusted "$out/ca-bundle.crt" "$work/old-tls.crt"

    # CA rotation: the bundle trusts certificates of the old and the new CA.
    check "$tool: --rotate-ca succeeds" "$gen" --tool $tool --out "$out" --namespace flink-ops --service hooks --rotate-ca
    [ "$(fingerprint "$out/ca.crt")" != "$ca_before" ] || fail "$tool: --rotate-ca kept the CA"
    [ "$(grep -c 'BEGIN CERTIFICATE' "$out/ca-bundle.crt")" = 2 ] || fail "$tool: bundle does not hold two CAs"
    check "$tool: new serving certificate trusted by the bundle" \
        trusted "$out/ca-bundle.crt" "$out/tls.crt"
    check "$tool: certificate of the previous CA still trusted by the bundle" \
        trusted "$out/ca-bundle.crt" "$work/old-tls.crt"
    [ "$(yaml_value "$out/secret.yaml" ca.crt)" = "$(base64 -w0 <"$out/ca-bundle.crt")" ] ||
        fail "$tool: Secret ca.crt is not the bundle after CA rotation"

    # A CA that would expire before the new serving certificate is replaced automatically.
    rm -rf "$work/short"
    check "$tool: short-lived CA is accepted" "$gen" --tool $tool --out "$work/short" --days 1 --ca-days 32
    ca_short=$(fingerprint "$work/short/ca.crt")
    check "$tool: longer serving certificate" "$gen" --tool $tool --out "$work/short" --days 300 --ca-days 400
    [ "$(fingerprint "$work/short/ca.crt")" != "$ca_short" ] ||
        fail "$tool: a CA expiring before the serving certificate was kept"
done

# Bad input is refused with a message, and nothing is written.
if msg=$("$gen" --out "$work/bad" --namespace Not_Valid 2>&1 >/dev/null); then
    fail "an invalid namespace was accepted"
elif [[ $msg != *"not a valid Kubernetes name: Not_Valid"* ]]; then
    fail "the refusal does not name the bad value: $msg"
else
    echo "ok: invalid namespace refused, naming it"
fi
[ ! -e "$work/bad" ] || fail "a refused run wrote files"
check "non-numeric days refused" sh -c "! '$gen' --out '$work/bad' --days soon >/dev/null 2>&1"
# Other names for the self-signed overlay, whose objects keep theirs, are refused before
# anything is written there.
overlay_certs=$root/manifests/overlays/self-signed/certs
before=$(ls -l --time-style=full-iso "$overlay_certs" 2>/dev/null)
if msg=$("$gen" --namespace flink-ops 2>&1 >/dev/null); then
    fail "another namespace was accepted for the self-signed overlay"
elif [[ $msg != *"installs Service flinkop-webhook"*"flinkop-system"*"--out"* ]]; then
    fail "the refusal does not say why: $msg"
else
    echo "ok: another namespace for the self-signed overlay refused, saying why"
fi
(cd "$root" && ! "$gen" --namespace flink-ops --out manifests/overlays/self-signed/certs/ \
    >/dev/null 2>&1) || fail "another namespace was accepted for the overlay named relatively"
[ "$(ls -l --time-style=full-iso "$overlay_certs" 2>/dev/null)" = "$before" ] ||
    fail "a refused run changed the overlay's certificates"
check "unknown tool refused" sh -c "! '$gen' --out '$work/bad' --tool nss >/dev/null 2>&1"

if [ $failures -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "all certificate checks passed"
