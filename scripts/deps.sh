#!/bin/sh
# Check the build dependencies with pkg-config. As root on Debian, install what is missing;
# otherwise print the exact apt-get line and fail.
set -eu

# pkg-config module -> Debian package providing it
pairs="libmicrohttpd:libmicrohttpd-dev
libcurl:libcurl4-gnutls-dev
jansson:libjansson-dev
yaml-0.1:libyaml-dev
gnutls:libgnutls28-dev
check:check"
tools="pkg-config:pkg-config
gnutls-certtool:gnutls-bin
valgrind:valgrind"

missing=""
if ! command -v pkg-config >/dev/null 2>&1; then
    missing="pkg-config"
fi
for pair in $pairs; do
    mod=${pair%%:*}
    pkg=${pair#*:}
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$mod"; then
        missing="$missing $pkg"
    fi
done
# libcurl must be the GnuTLS flavour: one TLS library in the process.
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libcurl &&
    ! dpkg -s libcurl4-gnutls-dev >/dev/null 2>&1; then
    missing="$missing libcurl4-gnutls-dev"
fi
# certtool (tests make their own CA) and valgrind (make valgrind).
command -v certtool >/dev/null 2>&1 || missing="$missing gnutls-bin"
[ "${FO_DEPS_SKIP_VALGRIND:-}" = 1 ] || command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
: "$tools"

missing=$(echo "$missing" | xargs -n1 2>/dev/null | sort -u | xargs)
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends $missing >/dev/null
    fi
    exit 0
fi
echo "deps: missing Debian packages: $missing" >&2
echo "deps: run as root: $line" >&2
exit 1
