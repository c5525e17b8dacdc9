#!/usr/bin/env bash
# strata's own VMM vs QEMU microvm under /dev/kvm, same tiny PVH guest (tests/vmm/guests):
#   1. launch -> guest exit of the smallest guest (exit_pvh.elf: its first instructions end the
#      VM), interleaved runs, median and min;
#   2. peak RSS of the VMM process (GNU time %M);
#   3. one port-I/O exit round trip: pio_pvh.elf does N `out` instructions to an unclaimed port;
#      (median t(N) - median t(0)) / N.
# Goals (issue 8): launch-to-exit <= 0.5x QEMU's; RSS overhead <= 5 MiB.
# `strata vmm run` returns as soon as the guest has ended: KVM's teardown of the VM (SRCU grace
# periods, ~15-20 ms here) finishes in a child after it (see src/cli/cmd_vmm.cc); QEMU tears
# down before it exits. Launch-to-exit is what the caller waits for.
#
#   bench/vmm.sh [build-dir]          env: RUNS=15 RSS_RUNS=5 PIO_RUNS=5 PIO_N=20000 MEM=256
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${RUNS:-15}
rss_runs=${RSS_RUNS:-5}
pio_runs=${PIO_RUNS:-5}
pio_n=${PIO_N:-20000}
mem=${MEM:-256}

strata=$build/strata
guests=$build/tests/vmm/guests
for f in "$strata" "$guests/exit_pvh.elf" "$guests/pio_pvh.elf"; do
    [ -e "$f" ] || { echo "vmm.sh: $f missing; build first (cmake --build $build)" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "vmm.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "vmm.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[ -w /dev/kvm ] || { echo "vmm.sh: /dev/kvm not usable" >&2; exit 1; }

# QEMU microvm with every optional device off; isa-debug-exit is how the guest ends it (exit 1).
# -cpu host aborts on QEMU 7.2 here (MSR 0x10a), hence -arch-capabilities.
qemu=(qemu-system-x86_64 -M microvm,x-option-roms=off,rtc=off,pit=off,pic=off,acpi=off -nodefaults
      -no-reboot -enable-kvm -cpu host,-arch-capabilities -m "$mem" -display none
      -device isa-debug-exit,iobase=0xf4,iosize=4)
# strata: the default machine (with PIT), and without the PIT as QEMU above runs without one.
strata_default=("$strata" vmm run --mem "$mem")
strata_nopit=("$strata" vmm run --mem "$mem" --no-pit)

# run_ms EXPECTED_STATUS CMD...: wall milliseconds from launch to exit (bash's clock: no fork).
run_ms() {
    local want=$1; shift
    local t0=$EPOCHREALTIME rc=0
    "$@" </dev/null >/dev/null 2>/tmp/vmm-bench.err || rc=$?
    local t1=$EPOCHREALTIME
    if [ "$rc" != "$want" ]; then
        echo "vmm.sh: '$*' exited $rc, expected $want:" >&2; cat /tmp/vmm-bench.err >&2; exit 1
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}
# rss_kib EXPECTED_STATUS CMD...: peak RSS in KiB.
rss_kib() {
    local want=$1; shift
    local rc=0
    /usr/bin/time -f %M -o /tmp/vmm-bench.rss "$@" </dev/null >/dev/null 2>/dev/null || rc=$?
    [ "$rc" = "$want" ] || { echo "vmm.sh: '$*' exited $rc, expected $want" >&2; exit 1; }
    tail -1 /tmp/vmm-bench.rss
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { sort -n | head -1; }

echo "vmm.sh: $runs interleaved launch-to-exit runs of each (guest exit_pvh.elf, $mem MiB)..." >&2
: >/tmp/vmm-bench.s; : >/tmp/vmm-bench.n; : >/tmp/vmm-bench.q
for _ in $(seq "$runs"); do
    run_ms 0 "${strata_default[@]}" --kernel "$guests/exit_pvh.elf" >>/tmp/vmm-bench.s
    run_ms 0 "${strata_nopit[@]}" --kernel "$guests/exit_pvh.elf" >>/tmp/vmm-bench.n
    run_ms 1 "${qemu[@]}" -kernel "$guests/exit_pvh.elf" >>/tmp/vmm-bench.q
done
s_med=$(median </tmp/vmm-bench.s); s_min=$(minimum </tmp/vmm-bench.s)
n_med=$(median </tmp/vmm-bench.n); n_min=$(minimum </tmp/vmm-bench.n)
q_med=$(median </tmp/vmm-bench.q); q_min=$(minimum </tmp/vmm-bench.q)

echo "vmm.sh: $rss_runs peak-RSS runs of each..." >&2
: >/tmp/vmm-bench.rs; : >/tmp/vmm-bench.rq
for _ in $(seq "$rss_runs"); do
    rss_kib 0 "${strata_default[@]}" --kernel "$guests/exit_pvh.elf" >>/tmp/vmm-bench.rs
    rss_kib 1 "${qemu[@]}" -kernel "$guests/exit_pvh.elf" >>/tmp/vmm-bench.rq
done
rs=$(median </tmp/vmm-bench.rs); rq=$(median </tmp/vmm-bench.rq)

echo "vmm.sh: $pio_runs PIO runs of each with N=0 and N=$pio_n..." >&2
: >/tmp/vmm-bench.p0; : >/tmp/vmm-bench.pn; : >/tmp/vmm-bench.q0; : >/tmp/vmm-bench.qn
for _ in $(seq "$pio_runs"); do
    run_ms 0 "${strata_nopit[@]}" --kernel "$guests/pio_pvh.elf" --cmdline 0 >>/tmp/vmm-bench.p0
    run_ms 0 "${strata_nopit[@]}" --kernel "$guests/pio_pvh.elf" --cmdline "$pio_n" >>/tmp/vmm-bench.pn
    run_ms 1 "${qemu[@]}" -kernel "$guests/pio_pvh.elf" -append 0 >>/tmp/vmm-bench.q0
    run_ms 1 "${qemu[@]}" -kernel "$guests/pio_pvh.elf" -append "$pio_n" >>/tmp/vmm-bench.qn
done
s_pio=$(awk -v a="$(median </tmp/vmm-bench.pn)" -v b="$(median </tmp/vmm-bench.p0)" -v n="$pio_n" 'BEGIN { printf "%.2f", (a - b) * 1000 / n }')
q_pio=$(awk -v a="$(median </tmp/vmm-bench.qn)" -v b="$(median </tmp/vmm-bench.q0)" -v n="$pio_n" 'BEGIN { printf "%.2f", (a - b) * 1000 / n }')
rm -f /tmp/vmm-bench.*

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf '\n%-34s %12s %12s %12s %8s\n' "" "strata" "strata -pit" "qemu" "ratio"
printf '%-34s %12s %12s %12s %8s\n' "launch->exit median (ms)" "$s_med" "$n_med" "$q_med" "$(ratio "$s_med" "$q_med")"
printf '%-34s %12s %12s %12s %8s\n' "launch->exit min (ms)" "$s_min" "$n_min" "$q_min" "$(ratio "$s_min" "$q_min")"
printf '%-34s %12s %12s %12s %8s\n' "peak RSS (MiB)" "$(mib "$rs")" "" "$(mib "$rq")" "$(ratio "$rs" "$rq")"
printf '%-34s %12s %12s %12s %8s\n' "PIO exit round trip (us)" "" "$s_pio" "$q_pio" "$(ratio "$s_pio" "$q_pio")"
printf '\nratio = strata (default machine) / qemu; "strata -pit" = --no-pit, like qemu'"'"'s pit=off.\n'
printf 'goal launch->exit <= 0.5x qemu: %s (%s)   goal RSS overhead <= 5 MiB: %s MiB total\n' \
    "$(ratio "$s_med" "$q_med")" "$(awk -v a="$s_med" -v b="$q_med" 'BEGIN { print (a <= 0.5 * b) ? "met" : "NOT met" }')" "$(mib "$rs")"
printf '{"runs":%d,"mem_mib":%d,"strata_ms":{"median":%s,"min":%s},"strata_nopit_ms":{"median":%s,"min":%s},"qemu_ms":{"median":%s,"min":%s},"rss_kib":{"strata":%s,"qemu":%s},"pio_us":{"strata":%s,"qemu":%s}}\n' \
    "$runs" "$mem" "$s_med" "$s_min" "$n_med" "$n_min" "$q_med" "$q_min" "$rs" "$rq" "$s_pio" "$q_pio"
