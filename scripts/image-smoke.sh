#!/usr/bin/env bash
# scripts/image-smoke.sh: the container image's final stage, tried without a container engine
# (`make image-smoke`; none runs on these machines, and Docker Hub is out of reach).
#
# From the Dockerfile itself it reads the final stage's runtime packages, the programs it
# copies and its USER, then:
#   1. builds (once per package list) a Debian 12 minbase root with exactly those packages, as
#      debian:bookworm-slim plus the stage's apt-get line would (mmdebstrap, a Debian mirror);
#   2. copies the release programs into /usr/local/bin of that root, stripped;
#   3. runs each program there as the image's user: --help; flinkop-fetch downloads over HTTP
#      (so libcurl must load from the runtime packages) and copies a file:// artifact;
#   4. runs end-to-end suites (tests/e2e, default test_examples.sh) with flinkop-controller and
#      flinkop-webhook executed inside that root as the image's user: the sandbox, kubectl and
#      the suites run outside, as the cluster does. Files handed to the programs (kubeconfig,
#      certificates, the defaults file) are made readable by the user's group first, as a
#      Kubernetes volume with the manifests' fsGroup is (the suites keep their state in 0700
#      temporary directories).
# A runtime library missing from the Dockerfile's list fails step 3 or 4.
#
# Needs root (chroot, bind mounts). IMAGE_SMOKE_DIR (default build/image-smoke) keeps the root;
# IMAGE_SMOKE_SUITES names other e2e suites.
set -euo pipefail

root_dir=$(cd "$(dirname "$0")/.." && pwd)
dockerfile=$root_dir/Dockerfile
work=${IMAGE_SMOKE_DIR:-$root_dir/build/image-smoke}
suites=${IMAGE_SMOKE_SUITES:-test_examples.sh}

say() { printf 'image-smoke: %s\n' "$*"; }
die() {
    printf 'image-smoke: error: %s\n' "$*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (chroot and bind mounts)"

# ---- what the Dockerfile's final stage says ----------------------------------------------------

# The lines after the last FROM, continuation lines joined.
final_stage=$(awk '/^FROM /{buf=""} {buf = buf $0 "\n"} END{printf "%s", buf}' "$dockerfile" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
packages=$(printf '%s\n' "$final_stage" | grep 'apt-get install' |
    sed -e 's/.*apt-get install//' -e 's/&&.*//' | tr ' ' '\n' | grep -v '^-' | grep . | sort -u |
    paste -sd, -)
programs=$(printf '%s\n' "$final_stage" | grep '^COPY --from=build' | tr ' ' '\n' |
    grep '^/src/build/' | sed 's|^/src/build/||')
user=$(printf '%s\n' "$final_stage" | awk '/^USER /{print $2}' | tail -n 1)
[ -n "$packages" ] || die "no apt-get install line in the Dockerfile's final stage"
[ -n "$programs" ] || die "no COPY --from=build of programs in the Dockerfile's final stage"
[[ $user =~ ^[0-9]+:[0-9]+$ ]] || die "the final stage's USER ('$user') is not numeric uid:gid"
say "runtime packages: $packages"
say "programs: $(echo "$programs" | paste -sd' ' -); user $user"

# ---- the root -----------------------------------------------------------------------------------

command -v mmdebstrap >/dev/null || apt-get install -y -qq mmdebstrap >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq mmdebstrap >/dev/null; } ||
    die "mmdebstrap is missing and could not be installed"
rootfs=$work/root-$(printf '%s' "$packages" | sha256sum | cut -c1-12)
if [ ! -x "$rootfs/bin/sh" ]; then
    say "building the runtime root in $rootfs (about 30 s)"
    rm -rf "$rootfs"
    mkdir -p "$work"
    mmdebstrap --variant=minbase --aptopt='Acquire::Check-Valid-Until "false"' \
        --aptopt='Acquire::Check-Date "false"' --include="$packages" \
        bookworm "$rootfs" /etc/apt/sources.list.d/debian.sources >"$work/mmdebstrap.log" 2>&1 ||
        { tail -n 5 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $work/mmdebstrap.log)"; }
fi

make -s -C "$root_dir" -f mk/build.mk VARIANT=release $(printf 'build/%s ' $programs) \
    build/flinkop-sandbox >/dev/null
mkdir -p "$rootfs/usr/local/bin"
for p in $programs; do
    install -m 0755 "$root_dir/build/$p" "$rootfs/usr/local/bin/$p"
    strip "$rootfs/usr/local/bin/$p"
done

# The repository (read-only) and a scratch directory at the same paths inside, so the paths the
# suites pass (kubeconfig, certificates, the defaults file) mean the same thing there; /proc and
# /dev as a container has them.
scratch=$work/tmp
rm -rf "$scratch"
mkdir -p "$scratch"
chmod 1777 "$scratch"
mounts=()
bind() { # SRC DEST-INSIDE [ro]
    mkdir -p "$rootfs$2"
    mount --bind "$1" "$rootfs$2"
    [ "${3:-}" != ro ] || mount -o remount,bind,ro "$rootfs$2"
    mounts+=("$rootfs$2")
}
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mkdir -p "$rootfs/proc"
mount -t proc proc "$rootfs/proc"
mounts+=("$rootfs/proc")
bind /dev /dev
bind "$root_dir" "$root_dir" ro
bind "$scratch" "$scratch"

inside() { chroot --userspec="$user" "$rootfs" "$@"; }

# ---- the programs, one by one -------------------------------------------------------------------

for p in $programs; do
    inside "/usr/local/bin/$p" --help >/dev/null 2>&1 || die "$p --help fails in the runtime root"
    say "$p starts"
done
if echo "$programs" | grep -qx flinkop-fetch; then
    printf 'PK\003\004 a jar\n' >"$scratch/job.jar"
    mkdir -m 1777 "$scratch/dest"
    out=$(inside /usr/local/bin/flinkop-fetch --uri "file://$scratch/job.jar" --dest "$scratch/dest" 2>&1) ||
        die "flinkop-fetch file:// failed: $out"
    cmp -s "$scratch/job.jar" "$scratch/dest/job.jar" || die "flinkop-fetch file:// copied something else"
    # An HTTP download needs libcurl, loaded on first use from the runtime packages: the
    # sandbox's API server answers /version.
    port=$(shuf -i 20000-32000 -n 1)
    "$root_dir/build/flinkop-sandbox" --api-port "$port" --flink-port "$((port + 1))" \
        >"$scratch/sandbox.log" 2>&1 &
    sandbox_pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    out=$(inside /usr/local/bin/flinkop-fetch --uri "http://127.0.0.1:$port/version" --dest "$scratch/dest" 2>&1) ||
        { kill "$sandbox_pid"; die "flinkop-fetch over HTTP failed: $out"; }
    kill "$sandbox_pid"
    wait "$sandbox_pid" 2>/dev/null || true
    grep -q gitVersion "$scratch/dest/version" || die "flinkop-fetch over HTTP saved something else"
    say "flinkop-fetch copies file:// and downloads over HTTP (libcurl loaded)"
fi

# ---- end-to-end suites with the product programs inside ----------------------------------------

bin=$work/bin
rm -rf "$bin"
mkdir -p "$bin"
ln -s "$root_dir/build/flinkop-sandbox" "$bin/flinkop-sandbox"
gid=${user#*:}
for p in $programs; do
    {
        echo '#!/bin/sh'
        echo "# $p inside the runtime root as $user (written by scripts/image-smoke.sh)"
        # fsGroup: files given as arguments, and the directories above them up to the scratch
        # directory, belong to the user's group and are readable by it.
        echo 'for a in "$@"; do'
        echo '    [ -f "$a" ] || continue'
        echo '    chgrp '"$gid"' "$a" && chmod g+r "$a"'
        echo '    d=$(dirname "$a")'
        echo '    while [ "${d#'"$scratch"'/}" != "$d" ]; do chgrp '"$gid"' "$d"; chmod g+rx "$d"; d=$(dirname "$d"); done'
        echo 'done'
        echo "exec chroot --userspec=$user $rootfs /usr/local/bin/$p \"\$@\""
    } >"$bin/$p"
    chmod 0755 "$bin/$p"
done

status=0
for s in $suites; do
    say "tests/e2e/$s with the image's programs"
    if TMPDIR=$scratch FO_BIN_DIR=$bin FO_SRC_DIR=$root_dir bash "$root_dir/tests/e2e/$s"; then
        say "PASS $s"
    else
        say "FAIL $s"
        status=1
    fi
done
exit $status
