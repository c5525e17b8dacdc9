#!/usr/bin/env bash
# bench/density.sh: how many idle instances this host holds, counted, not projected.
#   bench/density.sh [CONTAINERS] [VMS] [STARTERS]   (default 1000 50 8; root; a build: scripts/setup.sh)
#
# Each batch starts its instances at once (STARTERS parallel `run -d` of `sleep`), holds them all
# running, and reports: how many ran, the batch's wall time, the failures (with the first error),
# and the host memory each instance takes, in one metric for every batch: the PSS of the
# instance's processes (the container's sleep; a VM's monitor and QEMU) plus its cgroup's kernel
# memory (v1 memory.kmem.usage_in_bytes), median and total; beside it the drop of MemAvailable,
# which also counts what no cgroup is charged for. Then it removes them all (`delete --force`,
# also timed) and shows that nothing leaked: no state, cgroup, mount or process of the batch.
#
# Batches: strata containers, runc containers (the peer, same bundles), strata micro-VMs from one
# booted template (the template is made before the batch, by a first VM that is not counted).
# Containers and VMs use one busybox rootfs shared read-only; each instance has its own bundle
# (config.json with root.path absolute) and cgroup /strata-density-PID/<id>.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
V=${2:-50}
P=${3:-8}
STRATA=$PWD/build/strata
[ -x "$STRATA" ] || { echo "missing $STRATA: run scripts/setup.sh first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

work=$(mktemp -d /tmp/strata-density.XXXXXX)
cg=strata-density-$$
cleanup() {
    for r in "$work"/root-*; do
        [ -d "$r" ] || continue
        case "$r" in *runc*) rt=runc ;; *) rt=$STRATA ;; esac
        ls "$r" 2>/dev/null | xargs -r -P "$P" -I{} "$rt" --root "$r" delete --force {} >/dev/null 2>&1 || true
    done
    find /sys/fs/cgroup/*/"$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh sleep true; do ln -sf busybox "$work/rootfs/bin/$a"; done
"$STRATA" spec --bundle "$work" >/dev/null
mv "$work/config.json" "$work/base.json"

# bundles KIND COUNT: $work/b-KIND/<id>/config.json, ids KIND1..KINDn.
bundles() {
    python3 - "$work" "$1" "$2" "$cg" <<'PY'
import json, os, sys
work, kind, count, cg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = json.load(open(os.path.join(work, "base.json")))
base["ociVersion"] = "1.0.2"
base["process"]["terminal"] = False
base["process"]["args"] = ["sleep", "100000"]
base["root"] = {"path": os.path.join(work, "rootfs"), "readonly": True}
if kind == "vm":
    base.setdefault("annotations", {})["org.strata.substrate"] = "vm"
for i in range(count + 1):  # id 0: the VMs' template maker, the others' warm-up
    cid = "%s%d" % (kind, i)
    d = os.path.join(work, "b-" + kind, cid)
    os.makedirs(d)
    base["linux"]["cgroupsPath"] = "/%s/%s" % (cg, cid)
    json.dump(base, open(os.path.join(d, "config.json"), "w"))
PY
}

# memory ROOT KIND RUNTIME: per instance, PSS of its processes + its cgroup's kernel memory.
memory() {
    python3 - "$1" "$2" "$cg" "$3" <<'PY'
import json, os, statistics, subprocess, sys
root, kind, cg, rt = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []
def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            return sum(int(l.split()[1]) for l in f if l.startswith("Pss:"))
    except OSError:
        return 0
def kmem_kib(cid):
    try:
        with open("/sys/fs/cgroup/memory/%s/%s/memory.kmem.usage_in_bytes" % (cg, cid)) as f:
            return int(f.read()) // 1024
    except OSError:
        return 0
per = []
for cid in sorted(os.listdir(root)):
    if cid == kind + "0":
        continue  # the uncounted first instance
    r = subprocess.run([rt, "--root", root, "state", cid], capture_output=True, text=True)
    pid = json.loads(r.stdout).get("pid", 0) if r.returncode == 0 else 0
    if not pid:
        continue
    procs, todo = [], [pid]
    while todo:
        p = todo.pop()
        procs.append(p)
        todo += children(p)
    pss, kmem = sum(pss_kib(p) for p in procs), kmem_kib(cid)
    per.append((pss + kmem, pss, kmem))
if per:
    total = [t for t, _, _ in per]
    print("memory per instance (PSS of its processes + its cgroup's kernel memory): median %.2f MiB (PSS %.2f + kernel %.2f), "
          "min %.2f, max %.2f; all %d: %.1f MiB" % (
              statistics.median(total) / 1024, statistics.median(p for _, p, _ in per) / 1024,
              statistics.median(k for _, _, k in per) / 1024, min(total) / 1024, max(total) / 1024, len(per), sum(total) / 1024))
PY
}

avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# batch LABEL RUNTIME KIND COUNT
batch() {
    local label=$1 rt=$2 kind=$3 count=$4 root=$work/root-$3-$(basename "$2")
    bundles "$kind" "$count"
    mkdir -p "$root"
    echo "## $label: $count at once ($P starters)"
    # The uncounted first instance: page cache warm, and for VMs the booted template made.
    local t=$(date +%s%N)
    "$rt" --root "$root" run -d --bundle "$work/b-$kind/${kind}0" "${kind}0" </dev/null >/dev/null 2>"$work/first.err" ||
        { echo "the first instance failed: $(cat "$work/first.err")"; return 1; }
    echo "first instance (not counted): $(ms_since "$t") ms"
    local before; before=$(avail_kib)
    : > "$work/failed-$kind"
    t=$(date +%s%N)
    seq 1 "$count" | xargs -P "$P" -I{} sh -c \
        '"$0" --root "$1" run -d --bundle "$2/$3{}" "$3{}" </dev/null >/dev/null 2>"$2/$3{}.err" || echo "$3{}" >> "$4"' \
        "$rt" "$root" "$work/b-$kind" "$kind" "$work/failed-$kind"
    local batch_ms; batch_ms=$(ms_since "$t")
    local failed; failed=$(wc -l < "$work/failed-$kind")
    sleep 2
    local running; running=$("$rt" --root "$root" list -q 2>/dev/null | wc -l)
    local after; after=$(avail_kib)
    echo "started $((count - failed)) of $count in $batch_ms ms ($(( batch_ms / (count > 0 ? count : 1) )) ms each on average); failures: $failed"
    [ "$failed" = 0 ] || echo "first failure: $(head -1 "$work/failed-$kind"): $(head -c 400 "$work/b-$kind/$(head -1 "$work/failed-$kind").err")"
    echo "running after 2 s: $((running - 1)) (of the batch; plus the first instance)"
    memory "$root" "$kind" "$rt"
    echo "MemAvailable dropped by $(( (before - after) / 1024 )) MiB: $(( (before - after) / (count > 0 ? count : 1) )) KiB per instance"
    t=$(date +%s%N)
    "$rt" --root "$root" list -q | xargs -r -P "$P" -I{} "$rt" --root "$root" delete --force {} >/dev/null 2>&1 || true
    echo "removed all in $(ms_since "$t") ms"
    local state cgroups mounts procs
    state=$(ls "$root" | wc -l)  # not strata's dot-named caches (the seccomp cache)
    cgroups=$(find /sys/fs/cgroup/*/"$cg" -mindepth 1 -type d 2>/dev/null | wc -l)
    mounts=$(grep -c -e "$work" -e "$root" /proc/self/mountinfo || true)
    procs=$( (pgrep -f "$work/b-$kind" || true) | wc -l)
    echo "left behind: $state state dirs, $cgroups cgroups, $mounts mounts, $procs processes"
    echo
}

echo "# strata density benchmark ($(date -u +%FT%TZ)): $N containers, $V micro-VMs, $P starters"
echo "# $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); strata $("$STRATA" --version | head -1 | awk '{print $3}')"
echo
batch "strata containers" "$STRATA" c "$N"
if command -v runc >/dev/null; then batch "runc containers (the peer)" "$(command -v runc)" r "$N"; else echo "## runc: not installed"; echo; fi
if [ "$V" -gt 0 ]; then batch "strata micro-VMs from one booted template" "$STRATA" vm "$V"; fi
