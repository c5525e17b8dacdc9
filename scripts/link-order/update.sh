#!/usr/bin/env bash
# Regenerates scripts/link-order/strata.order: the functions strata's container path runs, in
# the order it first runs them. The build links them first in .text (strata_link_order in
# CMakeLists.txt), so that a `run` touches a few contiguous pages of code instead of pages all
# over the binary: the kernel maps file pages around each fault in 64 KiB windows, so scattered
# code costs RSS and page faults (docs/design/runtime.md, "Hot code first").
#   scripts/link-order/update.sh   (as root; needs perf (linux-perf) for the second phase;
#                                   builds in build-order/, ~10 min on 2 cores)
# 1. An instrumented build (-finstrument-functions, trace_hook.c) runs train.sh: every function
#    of strata's own code it enters, in first-entry order.
# 2. A plain build with that order runs train.sh under `perf record -e page-faults`: functions
#    whose first fetch faulted outside the ordered section (libstdc++'s, clones the plain build
#    made, what the container's init runs after its pivot_root) are appended; repeated until
#    none is new (at most 4 times).
# A stale list is harmless: names that no longer exist match nothing, and new functions land
# in the default order. Rerun it when bench/run-true.sh's RSS section says the layout drifted.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$PWD/build-order
list=$PWD/scripts/link-order/strata.order
mkdir -p "$out"
work=$(mktemp -d /tmp/strata-link-order.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. The instrumented trace.
gcc -O2 -Wall -c scripts/link-order/trace_hook.c -o "$out/trace_hook.o"
cmake -S . -B "$out/traced" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TESTS=OFF -DSTRATA_LINK_ORDER=OFF \
    -DCMAKE_C_FLAGS=-finstrument-functions -DCMAKE_CXX_FLAGS=-finstrument-functions \
    -DCMAKE_EXE_LINKER_FLAGS="$out/trace_hook.o" >/dev/null
rm -f "$out/traced/strata"  # the hook is a linker flag, not a dependency: relink it in
cmake --build "$out/traced" -j"$(nproc)" --target strata >/dev/null
T=$out/traced/strata
mkdir -p "$work/trace"
STRATA_TRACE_DIR=$work/trace scripts/link-order/train.sh "$T" "$work/t1" >/dev/null
nm --defined-only "$T" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' > "$work/symbols"
cat "$work"/trace/trace.* | python3 -c '
import re, sys
syms = {}
for line in open(sys.argv[1]):
    addr, name = line.split()
    syms.setdefault(int(addr, 16), name)
# A constructor or destructor has two names at one address (C1/C2, D1/D2: "complete" and
# "base object"), and the one nm lists first need not be the one its section is named after.
def variants(n):
    out = [n]
    for m in re.finditer(r"([CD])([12])(?=[EI])", n):
        out.append(n[:m.start()] + m.group(1) + ("2" if m.group(2) == "1" else "1") + n[m.end():])
    return out
seen = set()
for line in sys.stdin:
    n = syms.get(int(line, 16))
    for v in variants(n) if n else []:
        if v not in seen:
            seen.add(v)
            print(v)
' "$work/symbols" > "$list"
echo "link-order: $(wc -l < "$list") functions traced"

# 2. Page faults outside the ordered section, in a plain build with the order.
if ! command -v perf >/dev/null; then
    echo "link-order: no perf (apt-get install linux-perf): libstdc++'s functions stay unordered" >&2
    exit 0
fi
cmake -S . -B "$out/plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TESTS=OFF >/dev/null
for pass in 1 2 3 4; do
    cmake -S . -B "$out/plain" >/dev/null  # the list changed: regenerate the linker script
    cmake --build "$out/plain" -j"$(nproc)" --target strata >/dev/null
    P=$out/plain/strata
    rm -rf "$work/t2"
    perf record -q -e page-faults -c 1 -d -o "$work/perf.data" -- scripts/link-order/train.sh "$P" "$work/t2" >/dev/null 2>&1
    perf script --no-demangle -i "$work/perf.data" -F ip,sym,dso 2>/dev/null |
        python3 scripts/link-order/faults_outside.py "$P" | grep -vxF -f "$list" | grep -v '^_\(start\|init\|fini\)$' > "$work/new" || true
    echo "link-order: pass $pass: $(wc -l < "$work/new") functions faulted outside the ordered section"
    [ -s "$work/new" ] || break
    cat "$work/new" >> "$list"
done
echo "scripts/link-order/strata.order: $(wc -l < "$list") functions"
