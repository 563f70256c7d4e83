#!/usr/bin/env bash
# certs/gen.sh: a CA and a serving certificate for flinkop's admission webhook, for clusters
# without cert-manager. Writes, into the output directory (default
# manifests/overlays/self-signed/certs, git-ignored):
#
#   ca.key ca.crt        the CA (kept across runs; replaced when it would expire within the
#                        new serving certificate's lifetime + 30 days, or with --rotate-ca)
#   ca-previous.crt      the CA before the last CA rotation, still trusted until it expires
#   ca-bundle.crt        what the API server trusts: ca.crt (+ ca-previous.crt)
#   tls.key tls.crt      a new serving certificate on every run, for the webhook Service's DNS
#                        names (<service>, <service>.<ns>, <service>.<ns>.svc,
#                        <service>.<ns>.svc.cluster.local)
#   secret.yaml          the kubernetes.io/tls Secret the webhook mounts (tls.crt, tls.key,
#                        ca.crt = the bundle)
#   cabundle-patch.yaml  a kustomize patch setting caBundle in both webhook configurations
#
# then `kubectl apply --server-side -k manifests/overlays/self-signed` installs or updates.
# Rotation without downtime: re-run both. The Secret keeps its name, the kubelet updates the
# mounted files and the webhook reloads them; the old serving certificate and the new one
# chain to a CA in the bundle throughout (also across --rotate-ca, because the previous CA
# stays in the bundle).
#
# Tools: GnuTLS certtool (Debian package gnutls-bin) or openssl, whichever is installed
# (certtool first); force one with --tool or FLINKOP_CERT_TOOL. Keys are ECDSA P-256.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
namespace=flinkop-system
service=flinkop-webhook
secret=flinkop-webhook-tls
overlay_out=$root/manifests/overlays/self-signed/certs
out=$overlay_out
days=365
ca_days=3650
rotate_ca=0
tool=${FLINKOP_CERT_TOOL:-}
# Names in manifests/base/webhook-configurations.yaml.
webhook_config=flinkop
mutating_webhook=mutate.flinkop.flink.apache.org
validating_webhook=validate.flinkop.flink.apache.org

usage() {
    cat <<EOF
usage: certs/gen.sh [--namespace NS] [--service NAME] [--secret NAME] [--out DIR]
                    [--days N] [--ca-days N] [--rotate-ca] [--tool certtool|openssl]
defaults: --namespace $namespace --service $service --secret $secret --days $days
          --ca-days $ca_days --out manifests/overlays/self-signed/certs
The self-signed overlay installs the webhook as Service flinkop-webhook with Secret
flinkop-webhook-tls in namespace flinkop-system (the names its webhook configurations,
bindings and selectors use): other names need --out for manifests of your own that use them.
EOF
}

die() {
    echo "gen.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --namespace) namespace=${2:?}; shift 2 ;;
    --service) service=${2:?}; shift 2 ;;
    --secret) secret=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --days) days=${2:?}; shift 2 ;;
    --ca-days) ca_days=${2:?}; shift 2 ;;
    --rotate-ca) rotate_ca=1; shift ;;
    --tool) tool=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

case $days$ca_days in *[!0-9]*) die "--days and --ca-days take whole numbers of days" ;; esac
[ "$days" -ge 1 ] && [ "$ca_days" -ge 1 ] || die "--days and --ca-days must be at least 1"
[ "$ca_days" -gt $((days + 30)) ] || die "--ca-days must exceed --days by more than 30"
for name in "$namespace" "$service" "$secret"; do
    [[ $name =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "not a valid Kubernetes name: $name"
done
# The overlay's objects keep their names: a certificate for others would never be served there.
if [ "$(realpath -m "$out")" = "$(realpath -m "$overlay_out")" ] &&
    [ "$namespace/$service/$secret" != \
    flinkop-system/flinkop-webhook/flinkop-webhook-tls ]; then
    die "manifests/overlays/self-signed installs Service flinkop-webhook and Secret" \
        "flinkop-webhook-tls in namespace flinkop-system; for other names give --out for" \
        "manifests of your own that use them"
fi
if [ -z "$tool" ]; then
    if command -v certtool >/dev/null 2>&1; then tool=certtool
    elif command -v openssl >/dev/null 2>&1; then tool=openssl
    else die "needs certtool (apt-get install gnutls-bin) or openssl"; fi
fi
case $tool in
certtool | openssl) command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed" ;;
*) die "--tool must be certtool or openssl" ;;
esac

dns_names=("$service" "$service.$namespace" "$service.$namespace.svc"
    "$service.$namespace.svc.cluster.local")

umask 077
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# True when the certificate expires within $2 days (or cannot be read).
expires_within() {
    local cert=$1 within=$2
    if [ "$tool" = openssl ]; then
        ! openssl x509 -noout -checkend $((within * 86400)) -in "$cert" >/dev/null 2>&1
    else
        local not_after end
        not_after=$(certtool -i --infile "$cert" 2>/dev/null |
            sed -n 's/^[[:space:]]*Not After: //p' | head -n1)
        [ -n "$not_after" ] || return 0
        end=$(date -u -d "$not_after" +%s) || return 0
        [ $((end - $(date -u +%s))) -lt $((within * 86400)) ]
    fi
}

gen_key() {
    if [ "$tool" = certtool ]; then
        certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
            --outfile "$1" 2>/dev/null
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
    fi
}

gen_ca() { # key crt
    if [ "$tool" = certtool ]; then
        cat >"$work/ca.tmpl" <<EOF
cn = "flinkop webhook CA"
ca
cert_signing_key
crl_signing_key
expiration_days = $ca_days
EOF
        certtool --generate-self-signed --load-privkey "$1" --template "$work/ca.tmpl" \
            --outfile "$2" 2>/dev/null
    else
        openssl req -x509 -new -key "$1" -sha256 -days "$ca_days" -subj "/CN=flinkop webhook CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$2" 2>/dev/null
    fi
}

gen_serving() { # key crt ca-key ca-crt
    local cn="$service.$namespace.svc" name
    if [ "$tool" = certtool ]; then
        {
            echo "cn = \"$cn\""
            for name in "${dns_names[@]}"; do echo "dns_name = \"$name\""; done
            echo "tls_www_server"
            echo "signing_key"
            echo "expiration_days = $days"
        } >"$work/tls.tmpl"
        certtool --generate-certificate --load-privkey "$1" --load-ca-privkey "$3" \
            --load-ca-certificate "$4" --template "$work/tls.tmpl" --outfile "$2" 2>/dev/null
    else
        local sans=""
        for name in "${dns_names[@]}"; do sans="$sans${sans:+,}DNS:$name"; done
        cat >"$work/tls.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $sans
EOF
        openssl req -new -key "$1" -subj "/CN=$cn" -out "$work/tls.csr" 2>/dev/null
        openssl x509 -req -in "$work/tls.csr" -CA "$4" -CAkey "$3" -sha256 -days "$days" \
            -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
            -extfile "$work/tls.ext" -out "$2" 2>/dev/null
    fi
}

b64() { base64 -w0 <"$1"; }

# 1. The CA: keep it while it outlives the serving certificate we are about to issue.
if [ "$rotate_ca" = 1 ] || [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ] ||
    expires_within "$out/ca.crt" $((days + 30)); then
    gen_key "$work/ca.key" || die "$tool could not generate the CA key"
    gen_ca "$work/ca.key" "$work/ca.crt" || die "$tool could not create the CA"
    if [ -s "$out/ca.crt" ]; then
        cp "$out/ca.crt" "$out/ca-previous.crt"
        echo "gen.sh: new CA; the previous one stays trusted until it expires" >&2
    fi
    mv "$work/ca.key" "$out/ca.key"
    mv "$work/ca.crt" "$out/ca.crt"
fi
cat "$out/ca.crt" >"$work/ca-bundle.crt"
if [ -s "$out/ca-previous.crt" ]; then
    if expires_within "$out/ca-previous.crt" 0; then
        rm -f "$out/ca-previous.crt"
    else
        cat "$out/ca-previous.crt" >>"$work/ca-bundle.crt"
    fi
fi

# 2. A fresh serving certificate.
gen_key "$work/tls.key" || die "$tool could not generate the serving key"
gen_serving "$work/tls.key" "$work/tls.crt" "$out/ca.key" "$out/ca.crt" ||
    die "$tool could not issue the serving certificate"

# 3. The Secret and the caBundle patch (written to the side, then moved into place).
cat >"$work/secret.yaml" <<EOF
# Generated by certs/gen.sh: the webhook's serving certificate. Contains a private key.
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata:
  name: $secret
  namespace: $namespace
  labels:
    app.kubernetes.io/part-of: flinkop
data:
  tls.crt: $(b64 "$work/tls.crt")
  tls.key: $(b64 "$work/tls.key")
  ca.crt: $(b64 "$work/ca-bundle.crt")
EOF
bundle=$(b64 "$work/ca-bundle.crt")
cat >"$work/cabundle-patch.yaml" <<EOF
# Generated by certs/gen.sh: the CA bundle the API server uses to verify the webhook.
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: $webhook_config
webhooks:
  - name: $mutating_webhook
    clientConfig:
      caBundle: $bundle
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: $webhook_config
webhooks:
  - name: $validating_webhook
    clientConfig:
      caBundle: $bundle
EOF
for f in ca-bundle.crt tls.key tls.crt secret.yaml cabundle-patch.yaml; do
    mv "$work/$f" "$out/$f"
done
chmod 644 "$out/ca.crt" "$out/ca-bundle.crt" "$out/tls.crt" "$out/cabundle-patch.yaml"
[ ! -e "$out/ca-previous.crt" ] || chmod 644 "$out/ca-previous.crt"

echo "gen.sh: wrote $out ($tool): serving certificate for ${dns_names[*]}, valid $days days"
echo "gen.sh: next: kubectl apply --server-side -k manifests/overlays/self-signed"
