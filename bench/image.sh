#!/usr/bin/env bash
# bench/image.sh: strata's image store against Podman, on a ~100 MB Debian image.
#   1. import: `strata load` vs `podman load` of the same docker-archive (podman save of a
#      debootstrap'd bookworm minbase), each into an empty store every run;
#   2. start: the 2nd..Nth container of an image already in the store, from the command to the
#      container's first instruction (a static /stamp that prints CLOCK_MONOTONIC), `strata run
#      --rm` vs `podman run --rm` with runc;
#   3. the OverlayFS mount of each new strata container (from `strata --debug`).
# Prints a table, then one JSON object. Needs root, debootstrap, podman, runc, gcc.
#   RUNS=5 N=21 BENCH_DIR=/var/tmp/strata-bench STRATA=build/strata bench/image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STRATA=$(realpath "${STRATA:-build/strata}")
W=${BENCH_DIR:-/var/tmp/strata-bench}
RUNS=${RUNS:-5}
N=${N:-21}
IMG=localhost/strata-bench-debian:latest
mkdir -p "$W"
# Podman in its own storage, so that the benchmark neither sees nor disturbs anyone's images.
podman_in() { local d=$1; shift; podman --root "$W/$d/root" --runroot "$W/$d/runroot" --cgroup-manager=cgroupfs --events-backend=file "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk '{printf "%.3f", $1/1e6}'; }

# --- the image (cached in $W) ---
gcc -O2 -static -o "$W/stamp" bench/lib/stamp.c
if [ ! -f "$W/debian.tar" ]; then
    echo "bench: debootstrap bookworm (minbase) into $W/rootfs" >&2
    rm -rf "$W/rootfs"
    debootstrap --variant=minbase bookworm "$W/rootfs" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1
    # Apt's caches and the translations are not part of what an image carries (~100 MB left).
    rm -rf "$W"/rootfs/var/cache/apt/archives/*.deb "$W"/rootfs/var/lib/apt/lists/* "$W/rootfs/usr/share/locale"
    cp "$W/stamp" "$W/rootfs/stamp"
    rm -rf "$W/build-podman"
    tar --numeric-owner --xattrs -C "$W/rootfs" -cf - . | podman_in build-podman import - "$IMG" >/dev/null
    podman_in build-podman save -o "$W/debian.tar" "$IMG" >/dev/null 2>&1
    podman_in build-podman rmi -a -f >/dev/null 2>&1 || true
fi
size_mb=$(du -m "$W/debian.tar" | cut -f1)
echo "image: $W/debian.tar, ${size_mb} MB (docker-archive, one layer)" >&2

# --- 1. import ---
# On the data disk (what a user gets; shared with whatever else writes to it) and on a tmpfs
# (the import's own cost, without the disk's journal and flushes).
mkdir -p "$W/tmpfs"
mountpoint -q "$W/tmpfs" || mount -t tmpfs -o size=2g,mode=0700 tmpfs "$W/tmpfs"
# Each store is removed right after its run, then synced and left to settle: deleting ~5000
# files (with online discard) keeps the filesystem's journal busy for a while, and that must
# not be charged to whichever runtime happens to go next.
settle() { sync; sleep 2; }
import_round() {  # $1: where the stores go; $2: suffix of the result files
    settle
    t0=$(date +%s%N); "$STRATA" --data-root "$1/sdata" load -q -i "$W/debian.tar" >/dev/null; t1=$(date +%s%N)
    echo $((t1 - t0)) >>"$W/load.strata$2"
    rm -rf "$1/sdata"
    settle
    t0=$(date +%s%N)
    podman --root "$1/pload/root" --runroot "$1/pload/runroot" --cgroup-manager=cgroupfs --events-backend=file \
        load -q -i "$W/debian.tar" >/dev/null
    t1=$(date +%s%N)
    echo $((t1 - t0)) >>"$W/load.podman$2"
    podman --root "$1/pload/root" --runroot "$1/pload/runroot" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$1/pload"
}
rm -rf "$W/sdata" "$W/pload"
: >"$W/load.strata"; : >"$W/load.podman"; : >"$W/load.strata.tmpfs"; : >"$W/load.podman.tmpfs"
for i in $(seq "$RUNS"); do
    import_round "$W" ""
    import_round "$W/tmpfs" .tmpfs
done
umount "$W/tmpfs"

# --- 2. Nth container to its first instruction, and 3. the overlay mount ---
# Each runtime gets the image into its store once (not timed).
rm -rf "$W/prun" "$W/srun"
"$STRATA" --data-root "$W/sdata" load -q -i "$W/debian.tar" >/dev/null
podman_in prun load -q -i "$W/debian.tar" >/dev/null
strata_cmd=("$STRATA" --debug --root "$W/srun" --data-root "$W/sdata" run --rm "$IMG" /stamp)
podman_cmd=(podman --root "$W/prun/root" --runroot "$W/prun/runroot" --cgroup-manager=cgroupfs --events-backend=file
            run --runtime runc --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$IMG" /stamp)
: >"$W/start.strata"; : >"$W/start.podman"; : >"$W/strata.debug"
for rt in strata podman; do
    declare -n cmd="${rt}_cmd"
    "${cmd[@]}" >/dev/null 2>>"$W/strata.debug"  # the 1st container: not counted
    for i in $(seq 2 "$N"); do
        # stamp writes t0 and execs the runtime itself: nothing else is in the measured path.
        t1=$("$W/stamp" exec "$W/t0" "${cmd[@]}" 2>>"$W/strata.debug")
        echo $((t1 - $(cat "$W/t0"))) >>"$W/start.$rt"
    done
done
grep -o 'overlay mounted in [0-9.]* ms' "$W/strata.debug" | awk '{print $4 * 1e6}' | tail -n +2 >"$W/mount.strata"

# The stores go; the image (debian.tar, rootfs) stays cached for the next run.
podman_in prun rmi -a -f >/dev/null 2>&1 || true
rm -rf "$W/prun" "$W/sdata" "$W/srun"

ls=$(median <"$W/load.strata"); lp=$(median <"$W/load.podman")
lst=$(median <"$W/load.strata.tmpfs"); lpt=$(median <"$W/load.podman.tmpfs")
ss=$(median <"$W/start.strata"); sp=$(median <"$W/start.podman")
mo=$(median <"$W/mount.strata"); mmax=$(sort -n "$W/mount.strata" | tail -1)
# Other work on the machine shows up in every number: the load average is part of the result.
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs" >&2
printf '%-44s %12s %12s %8s\n' "median over runs" strata podman ratio
printf '%-44s %12s %12s %8s\n' "import ${size_mb} MB docker-archive (ms, $RUNS runs)" "$(echo "$ls" | ms)" "$(echo "$lp" | ms)" \
    "$(awk -v a="$lp" -v b="$ls" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-44s %12s %12s %8s\n' "  the same, stores on tmpfs (ms)" "$(echo "$lst" | ms)" "$(echo "$lpt" | ms)" \
    "$(awk -v a="$lpt" -v b="$lst" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-44s %12s %12s %8s\n' "container 2..$N to first instruction (ms)" "$(echo "$ss" | ms)" "$(echo "$sp" | ms)" \
    "$(awk -v a="$sp" -v b="$ss" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-44s %12s\n' "overlay mount per container (ms; max)" "$(echo "$mo" | ms); $(echo "$mmax" | ms)"
printf '{"loadavg":"%s","image_mb":%s,"runs":%s,"n":%s,"import_ms":{"strata":%s,"podman":%s},"import_tmpfs_ms":{"strata":%s,"podman":%s},"first_instruction_ms":{"strata":%s,"podman_runc":%s},"overlay_mount_ms":{"median":%s,"max":%s}}\n' \
    "$(cut -d' ' -f1 /proc/loadavg)" "$size_mb" "$RUNS" "$N" "$(echo "$ls" | ms)" "$(echo "$lp" | ms)" "$(echo "$lst" | ms)" "$(echo "$lpt" | ms)" "$(echo "$ss" | ms)" "$(echo "$sp" | ms)" \
    "$(echo "$mo" | ms)" "$(echo "$mmax" | ms)"
