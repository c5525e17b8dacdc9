#!/usr/bin/env bash
# bench/run-true.sh: `run` of /bin/true from a busybox bundle, strata vs crun vs runc, interleaved.
#   bench/run-true.sh [RUNS]   (default 50; needs root, crun, runc; builds nothing)
#
# Environments: crun 1.8 refuses this host's hybrid cgroups, so it runs in a private mount
# namespace with /sys/fs/cgroup/unified unmounted (build/bench/in-v1-ns). strata runs both there
# (same environment as crun: the fair ratio) and on the real host. The namespace wrapper's own
# cost is measured and printed. All runtimes use `crun spec`'s config (crun accepts only 1.0.x).
# Section 1 also times the floor: a namespaced fork + exec + wait of /bin/true (unshare(1)).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-50}
B=build
STRATA=$PWD/$B/strata
T=$PWD/$B/bench/strata-timeit
NS=$PWD/$B/bench/in-v1-ns
for x in "$STRATA" "$T" "$NS"; do [ -x "$x" ] || { echo "missing $x: run scripts/setup.sh first" >&2; exit 1; }; done
command -v crun >/dev/null && command -v runc >/dev/null || { echo "needs crun and runc (apt-get install crun runc)" >&2; exit 1; }

work=$(mktemp -d /tmp/strata-bench.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
mkbundle() {  # mkbundle DIR JQ-LIKE-PYTHON-EDIT
    mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/sys" "$1/rootfs/dev" "$1/rootfs/tmp"
    cp /bin/busybox "$1/rootfs/bin/busybox"
    for a in true sh; do ln -sf busybox "$1/rootfs/bin/$a"; done
}
edit() {  # edit CONFIG 'python statements on c'
    python3 - "$1" "$2" <<'PY'
import json, sys
p, code = sys.argv[1], sys.argv[2]
c = json.load(open(p)); exec(code); json.dump(c, open(p, "w"), indent=1)
PY
}
plain=$work/plain; mkbundle "$plain"; (cd "$plain" && crun spec)
edit "$plain/config.json" "c['process']['terminal']=False; c['process']['args']=['/bin/true']"
limits=$work/limits; mkbundle "$limits"; cp "$plain/config.json" "$limits/"
edit "$limits/config.json" "c['linux'].setdefault('resources',{})['memory']={'limit':67108864}; c['linux']['resources']['pids']={'limit':100}"
hard=$work/hardened; mkbundle "$hard"; "$STRATA" spec --bundle "$hard"
edit "$hard/config.json" "c['process']['terminal']=False; c['process']['args']=['/bin/true']; c['ociVersion']='1.0.2'"
noseccomp=$work/noseccomp; mkbundle "$noseccomp"; cp "$hard/config.json" "$noseccomp/"
edit "$noseccomp/config.json" "c['linux'].pop('seccomp', None)"

echo "# strata run-true benchmark  ($(date -u +%FT%TZ), $RUNS runs each, interleaved)"
echo "# $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# crun $(crun --version | head -1 | awk '{print $3}'), runc $(runc --version | head -1 | awk '{print $3}'), strata $("$STRATA" --version | head -1 | awk '{print $3}')"
echo
echo "## Wrapper cost (private mount namespace for crun)"
"$T" -n "$RUNS" "true::/bin/true" "in-v1-ns true::$NS /bin/true"
echo
echo "## 1. crun spec's config (foundation: strata/crun <= 1.0, goal <= 0.5; strata/floor goal <= 3)"
# The floor: what any runtime must at least do, a fork into new pid, mount, uts, ipc and net
# namespaces, exec of /bin/true and a wait (unshare(1) adds its own exec on top).
"$T" -n "$RUNS" --ratio "strata (v1 ns)/crun (v1 ns)" --ratio "strata (host)/runc (host)" \
    --ratio "strata (v1 ns)/floor (v1 ns)" \
    "floor (v1 ns)::$NS unshare --fork --pid --mount --uts --ipc --net /bin/true" \
    "strata (v1 ns)::$NS $STRATA --root $work/s1 run -b $plain s{i}" \
    "crun (v1 ns)::$NS crun --root $work/c1 run -b $plain c{i}" \
    "strata (host)::$STRATA --root $work/s2 run -b $plain s{i}" \
    "runc (host)::runc --root $work/r1 run -b $plain r{i}"
echo
echo "## 2. with memory (64 MiB) and pids (100) limits (cgroup setup must not make strata slower than crun)"
"$T" -n "$RUNS" --ratio "strata (v1 ns)/crun (v1 ns)" --ratio "strata (host)/runc (host)" \
    "strata (v1 ns)::$NS $STRATA --root $work/s3 run -b $limits s{i}" \
    "crun (v1 ns)::$NS crun --root $work/c3 run -b $limits c{i}" \
    "strata (host)::$STRATA --root $work/s4 run -b $limits s{i}" \
    "runc (host)::runc --root $work/r3 run -b $limits r{i}"
echo
echo "## 3. strata spec's hardened default (seccomp profile, no_new_privs) and strata's exec guard"
"$T" -n "$RUNS" --ratio "strata (v1 ns)/crun (v1 ns)" --ratio "strata no exec guard (v1 ns)/strata (v1 ns)" \
    --ratio "strata no seccomp (v1 ns)/strata (v1 ns)" \
    "strata (v1 ns)::$NS $STRATA --root $work/s5 run -b $hard s{i}" \
    "crun (v1 ns)::$NS crun --root $work/c5 run -b $hard c{i}" \
    "strata no exec guard (v1 ns)::$NS env STRATA_UNSAFE_NO_EXEC_GUARD=1 $STRATA --root $work/s6 run -b $hard s{i}" \
    "strata no seccomp (v1 ns)::$NS $STRATA --root $work/s7 run -b $noseccomp s{i}" \
    "runc (host)::runc --root $work/r5 run -b $hard r{i}"
echo
echo "## 4. peak RSS of the run (GNU time %M: the largest process of the tree; goal: strata <= crun)"
# Interleaved like the timings; the median of each. The figure counts file pages mapped (code,
# libraries) as well as private memory, so it is what the code's layout costs too
# (docs/design/runtime.md, "Hot code first").
if [ -x /usr/bin/time ]; then
    rss() { "$NS" /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
    s_rss=() c_rss=()
    for i in $(seq "$RUNS"); do
        s_rss+=("$(rss "$STRATA" --root "$work/s8" run -b "$plain" m$i)")
        c_rss+=("$(rss crun --root "$work/c8" run -b "$plain" m$i)")
    done
    med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
    sm=$(med "${s_rss[@]}") cm=$(med "${c_rss[@]}")
    printf '%-20s %8s KiB (median of %d)\n' "strata (v1 ns)" "$sm" "$RUNS" "crun (v1 ns)" "$cm" "$RUNS"
    awk -v s="$sm" -v c="$cm" 'BEGIN { printf "ratio strata / crun peak RSS: %.2f\n", s / c }'
else
    echo "(no /usr/bin/time: apt-get install time)"
fi
