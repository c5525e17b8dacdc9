#!/usr/bin/env bash
# bench/exec.sh: `exec ID /bin/true` latency into a running container, interleaved: strata into
# a micro-VM, strata into a container, runc into a container (the same busybox bundle).
#   bench/exec.sh [RUNS]   (default 30; needs root, runc, a VM backend and guest kernel)
#
# Then the VM exec's split, from `strata --debug exec` (medians over RUNS): the host's round
# trip from request to exec'd, the guest's share of it (agent: request received to exec'd),
# and exec'd to exit as the host sees it. The rest of the total is the CLI's own start.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
B=build
STRATA=$PWD/$B/strata
T=$PWD/$B/bench/strata-timeit
for x in "$STRATA" "$T"; do [ -x "$x" ] || { echo "missing $x: run scripts/setup.sh first" >&2; exit 1; }; done
command -v runc >/dev/null || { echo "needs runc (apt-get install runc)" >&2; exit 1; }

work=$(mktemp -d /tmp/strata-bench-exec.XXXXXX)
cleanup() {
    "$STRATA" --root "$work/s" delete -f vm1 >/dev/null 2>&1 || true
    "$STRATA" --root "$work/s" delete -f ct1 >/dev/null 2>&1 || true
    runc --root "$work/r" delete -f rc1 >/dev/null 2>&1 || true
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
b=$work/bundle
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/rootfs/tmp"
cp /bin/busybox "$b/rootfs/bin/busybox"
for a in true sh sleep; do ln -sf busybox "$b/rootfs/bin/$a"; done
(cd "$b" && runc spec)
python3 - "$b/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c['process']['terminal'] = False; c['process']['args'] = ['sleep', '100000']
json.dump(c, open(p, 'w'), indent=1)
PY
vmb=$work/vmbundle; cp -a "$b" "$vmb"
python3 - "$vmb/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c.setdefault('annotations', {})['org.strata.substrate'] = 'vm'
json.dump(c, open(p, 'w'), indent=1)
PY

"$STRATA" --root "$work/s" run -d -b "$vmb" vm1 </dev/null >"$work/vm1.log" 2>&1
"$STRATA" --root "$work/s" run -d -b "$b" ct1 </dev/null >/dev/null 2>&1
runc --root "$work/r" run -d -b "$b" rc1 </dev/null >/dev/null 2>&1

echo "# strata exec benchmark  ($(date -u +%FT%TZ), $RUNS runs each, interleaved)"
echo "# $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# runc $(runc --version | head -1 | awk '{print $3}'), strata $("$STRATA" --version | head -1 | awk '{print $3}'), VM backend: $("$STRATA" info --json | python3 -c 'import json,sys; v=json.load(sys.stdin)["vm"]; print(v["backend"], "(" + str(v.get("accelerator", "?")) + ")")')"
echo
echo "## exec /bin/true into a running container (measured)"
"$T" -n "$RUNS" --ratio "strata vm/strata container" --ratio "strata container/runc" \
    "strata vm::$STRATA --root $work/s exec vm1 /bin/true" \
    "strata container::$STRATA --root $work/s exec ct1 /bin/true" \
    "runc::runc --root $work/r exec rc1 /bin/true"
echo
echo "## strata vm: where the time goes (medians of $RUNS, from --debug, measured)"
for i in $(seq "$RUNS"); do
    "$STRATA" --root "$work/s" --debug exec vm1 /bin/true 2>&1 | grep -E 'exec vm1: (guest pid|exited)' | tr '\n' ' '
    echo
done | python3 -c '
import re, statistics, sys
rt, guest, life = [], [], []
for line in sys.stdin:
    m = re.search(r"started (\d+) us after the request, (\d+) us of it in the guest.*exited (\d+) us", line)
    if m: rt.append(int(m[1])); guest.append(int(m[2])); life.append(int(m[3]))
if not rt: sys.exit("no timings in --debug output")
med = lambda v: statistics.median(v) / 1000
print(f"request -> exec'"'"'d (host round trip) {med(rt):8.2f} ms")
print(f"  of which in the guest (clone, setns, chroot, identity, execve) {med(guest):8.2f} ms")
print(f"  host side and the channel  {med(rt) - med(guest):8.2f} ms")
print(f"exec'"'"'d -> exit seen by the host  {med(life):8.2f} ms")
print(f"({len(rt)} samples)")'
