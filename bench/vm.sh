#!/usr/bin/env bash
# Micro-VM startup: command -> workload exit for /bin/true through `strata run` (vm substrate)
# vs bare QEMU microvm with the same kernel and an initramfs whose /init only powers off.
# Interleaved runs, medians. strata's default path restores a booted template (src/vm/template/template.h);
# its cold boot (org.strata.vm.template: off, or a rootfs packed into the initramfs) is measured
# too, as the overhead strata's own path adds to a boot. Also: the guest's own time to /init, the
# rootfs in the initramfs vs on an erofs disk, strata's kernel vs Debian's cloud kernel
# (fallback), QEMU's RSS.
#   bench/vm.sh [N]        (default N=10; run as root from a built tree: build/strata)
# Prints a table and, last, one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10}
STRATA=${STRATA:-$PWD/build/strata}
[ -x "$STRATA" ] || { echo "build strata first (cmake --build build)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing" >&2; exit 1; }

work=$(mktemp -d /tmp/strata-bench-vm.XXXXXX)
trap 'for id in $("$STRATA" --root "$work/root" list -q 2>/dev/null); do "$STRATA" --root "$work/root" delete -f "$id"; done; rm -rf "$work"' EXIT

kernel=$("$STRATA" vm kernel --path 2>/dev/null)
cloud=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1 || true)
tsc=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000 + 0.5; exit }' /proc/cpuinfo)
info=$("$STRATA" info --json)
accel=$(echo "$info" | sed -n 's/.*"accelerator": "\([a-z]*\)".*/\1/p')

# The workload: Debian's busybox-static rootfs, /bin/true.
bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,etc,tmp,proc,sys,dev,root}
cp /bin/busybox "$bundle/rootfs/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$bundle/rootfs/etc/passwd"
"$STRATA" spec --bundle "$bundle"
# The same rootfs twice: packed into the initramfs (strata's default for small roots) and on erofs.
make_bundle() {  # dir rootfs-mode
    mkdir -p "$1"
    python3 - "$bundle/config.json" "$1/config.json" "$bundle/rootfs" "$2" <<'PY'
import json, sys
src, dst, rootfs, mode = sys.argv[1:]
c = json.load(open(src))
c["root"]["path"] = rootfs
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c.setdefault("annotations", {})["org.strata.substrate"] = "vm"
if mode == "template":
    pass  # the defaults: a booted template, the rootfs on erofs
else:
    c["annotations"]["org.strata.vm.rootfs"] = mode
    c["annotations"]["org.strata.vm.template"] = "off"
json.dump(c, open(dst, "w"))
PY
}
make_bundle "$work/vm-template" template
make_bundle "$work/vm-initramfs" initramfs
make_bundle "$work/vm-erofs" erofs

# The baseline's initramfs: the poweroff init and /dev/console.
gcc -O2 -static -o "$work/init" bench/vm/poweroff_init.c
mkdir -p "$work/ir/dev"
cp "$work/init" "$work/ir/init"
mknod "$work/ir/dev/console" c 5 1
(cd "$work/ir" && find . | cpio -o -H newc --quiet) > "$work/bare.cpio"

# The guest command line strata uses (vm/monitor/plan.cc guest_cmdline), so both boot the same way.
bare_cmdline="console=ttyS0 quiet reboot=t panic=-1 rdinit=/init 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests tsc_early_khz=$tsc"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One measurement per call: prints "<wall ms> <guest ms to /init>".
run_strata() {  # bundle [extra flags]
    local b=$1; shift
    local id=b$RANDOM$RANDOM log=$work/strata.log t0 t1
    : > "$log"
    t0=$(now_ms)
    "$STRATA" --root "$work/root" --debug --log "$log" run "$@" -b "$b" "$id" </dev/null >/dev/null
    t1=$(now_ms)
    echo "$((t1 - t0)) $(sed -n 's/.*guest uptime at \/init \([0-9]*\) ms.*/\1/p' "$log" | tail -1)"
}
run_bare() {  # kernel acpi
    local k=$1 acpi=$2 t0 t1
    t0=$(now_ms)
    qemu-system-x86_64 -M microvm,acpi="$acpi" -nodefaults -no-user-config -display none -no-reboot \
        -accel tcg -cpu max -smp 1 -m 256 -kernel "$k" -initrd "$work/bare.cpio" \
        -append "$bare_cmdline" \
        -chardev file,id=c,path="$work/bare.console" -serial chardev:c </dev/null >/dev/null 2>&1
    t1=$(now_ms)
    echo "$((t1 - t0)) $(sed -n 's/.*uptime_ms=\([0-9]*\).*/\1/p' "$work/bare.console" | tail -1)"
}

declare -A wall guest
record() { wall[$1]+="${2% *} "; guest[$1]+="${2#* } "; }
# Warm the caches (initramfs, erofs image, the booted template) so every measured run finds them built.
run_strata "$work/vm-template" >/dev/null; run_strata "$work/vm-initramfs" >/dev/null; run_strata "$work/vm-erofs" >/dev/null
[ -n "$cloud" ] && run_strata "$work/vm-initramfs" --vm-kernel "$cloud" >/dev/null
echo "bench/vm.sh: $N interleaved runs each; kernel $kernel; accelerator $accel" >&2
paired="" paired_cold=""  # strata / bare of each round: adjacent runs, so slow drifts in host load cancel
for i in $(seq "$N"); do
    # Every other round in reverse order: a run can slow the one after it (teardown in the host).
    if [ $((i % 2)) = 1 ]; then
        t=$(run_strata "$work/vm-template"); s=$(run_strata "$work/vm-initramfs"); b=$(run_bare "$kernel" off)
    else
        b=$(run_bare "$kernel" off); s=$(run_strata "$work/vm-initramfs"); t=$(run_strata "$work/vm-template")
    fi
    record strata_template "$t"
    record strata "$s"
    record bare "$b"
    paired+="$(awk -v a="${t% *}" -v b="${b% *}" 'BEGIN { printf "%.4f", a / b }') "
    paired_cold+="$(awk -v a="${s% *}" -v b="${b% *}" 'BEGIN { printf "%.4f", a / b }') "
    record strata_erofs "$(run_strata "$work/vm-erofs")"
    if [ -n "$cloud" ]; then
        record strata_cloud "$(run_strata "$work/vm-initramfs" --vm-kernel "$cloud")"
        record bare_cloud "$(run_bare "$cloud" on)"
    fi
    printf '.' >&2
done
echo >&2

# QEMU's RSS with the guest booted and idle (a created container waits for start), and the
# monitor's; the bare baseline's peak RSS over its whole (short) life.
"$STRATA" --root "$work/root" create -b "$work/vm-template" rss </dev/null >/dev/null 2>&1
mon=$("$STRATA" --root "$work/root" state rss | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
qemu=$(pgrep -P "$mon" qemu-system || true)
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
qemu_rss=$(rss_kib "$qemu"); monitor_rss=$(rss_kib "$mon")
"$STRATA" --root "$work/root" delete -f rss
bare_rss=$( { /usr/bin/time -f '%M' qemu-system-x86_64 -M microvm,acpi=off -nodefaults -no-user-config -display none \
    -no-reboot -accel tcg -cpu max -smp 1 -m 256 -kernel "$kernel" -initrd "$work/bare.cpio" \
    -append "$bare_cmdline" >/dev/null; } 2>&1 | tail -1)

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "null"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m() { echo "${wall[$1]:-}" | median; }
g() { echo "${guest[$1]:-}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.3f", a / b }'; }

printf '%-44s %10s %14s\n' "median of $N (ms)" "wall" "guest->/init"
printf '%-44s %10s %14s\n' "strata run (booted template, rootfs on erofs)" "$(m strata_template)" "(template)"
printf '%-44s %10s %14s\n' "strata run, cold boot, rootfs in initramfs" "$(m strata)" "$(g strata)"
printf '%-44s %10s %14s\n' "bare QEMU microvm, poweroff init" "$(m bare)" "$(g bare)"
printf '%-44s %10s %14s\n' "strata run, cold boot, rootfs on erofs" "$(m strata_erofs)" "$(g strata_erofs)"
if [ -n "$cloud" ]; then
    printf '%-44s %10s %14s\n' "strata run, cold boot, Debian cloud kernel" "$(m strata_cloud)" "$(g strata_cloud)"
    printf '%-44s %10s %14s\n' "bare QEMU, Debian cloud kernel" "$(m bare_cloud)" "$(g bare_cloud)"
fi
paired_median=$(echo "$paired" | median | awk '{ printf "%.3f", $1 }')
paired_cold_median=$(echo "$paired_cold" | median | awk '{ printf "%.3f", $1 }')
echo "ratio strata/bare QEMU: $(ratio "$(m strata_template)" "$(m bare)") (goal <= 1.1); median of the $N per-round ratios: $paired_median"
echo "ratio strata cold boot/bare QEMU (what strata's path adds to a boot): $(ratio "$(m strata)" "$(m bare)"); per-round median: $paired_cold_median"
echo "QEMU RSS, guest booted and idle: $((qemu_rss / 1024)) MiB; monitor: $((monitor_rss / 1024)) MiB; bare QEMU peak: $((bare_rss / 1024)) MiB"
printf '{"n":%d,"accelerator":"%s","kernel":"%s","strata_ms":%s,"bare_qemu_ms":%s,"ratio":%s,"paired_ratio_median":%s,"strata_cold_ms":%s,"cold_ratio":%s,"paired_cold_ratio_median":%s,"strata_guest_init_ms":%s,"bare_guest_init_ms":%s,"strata_erofs_ms":%s,"strata_cloud_ms":%s,"bare_cloud_ms":%s,"strata_cloud_guest_init_ms":%s,"qemu_rss_kib":%s,"monitor_rss_kib":%s,"bare_qemu_peak_rss_kib":%s}\n' \
    "$N" "$accel" "$kernel" "$(m strata_template)" "$(m bare)" "$(ratio "$(m strata_template)" "$(m bare)")" "$paired_median" \
    "$(m strata)" "$(ratio "$(m strata)" "$(m bare)")" "$paired_cold_median" "$(g strata)" "$(g bare)" \
    "$(m strata_erofs)" "$(m strata_cloud)" "$(m bare_cloud)" "$(g strata_cloud)" "${qemu_rss:-null}" "${monitor_rss:-null}" "${bare_rss:-null}"
