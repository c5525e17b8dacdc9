#!/usr/bin/env bash
# bench/podman-run.sh: `podman run --rm IMAGE /bin/true` with --runtime strata vs runc vs crun,
# interleaved. Podman's own overhead dominates; strata must not be slower than runc.
#   bench/podman-run.sh [RUNS]   (default 20; needs root and podman)
# All three run inside one private mount namespace with /sys/fs/cgroup/unified unmounted (crun
# 1.8 refuses hybrid cgroups), so each sees the same host.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
STRATA=$PWD/build/strata
T=$PWD/build/bench/strata-timeit
NS=$PWD/build/bench/in-v1-ns
work=$(mktemp -d /tmp/strata-podman-bench.XXXXXX)
P="podman --root $work/storage --runroot $work/run --tmpdir $work/tmp --cgroup-manager=cgroupfs --events-backend=file"
cleanup() {
    $P rm -af >/dev/null 2>&1 || true
    $P rmi -af >/dev/null 2>&1 || true
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r umount -l 2>/dev/null || true
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/true"
tar -C "$work/rootfs" -c . | $P import - localhost/bench:true >/dev/null
U="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
echo "# podman run --rm /bin/true, $RUNS runs each, interleaved ($(podman --version))"
"$T" -n "$RUNS" -w 2 --ratio "strata/runc" --ratio "strata/crun" \
    "strata::$NS $P --runtime $STRATA run --rm $U localhost/bench:true /bin/true" \
    "runc::$NS $P --runtime /usr/sbin/runc run --rm $U localhost/bench:true /bin/true" \
    "crun::$NS $P --runtime /usr/bin/crun run --rm $U localhost/bench:true /bin/true"
