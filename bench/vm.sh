#!/usr/bin/env bash
# Micro-VM startup: command -> workload exit for /bin/true through `strata run` (vm substrate)
# vs bare QEMU microvm with the same kernel and an initramfs whose /init only powers off.
# Interleaved runs, medians. strata's default path restores a booted template (src/vm/template/template.h);
# its cold boot (org.strata.vm.template: off, or a rootfs packed into the initramfs) is measured
# too, as the overhead strata's own path adds to a boot. Also: the guest's own time to /init, the
# rootfs in the initramfs vs on an erofs disk, strata's kernel vs Debian's cloud kernel
# (fallback), QEMU's RSS; a VM with 5 bind mounts (the 9p file share) against none, with the same
# kernel (one with 9p: Debian's generic kernel unless strata's own is built), and 9p read/write
# throughput against the container substrate's bind mount; a VM with one NIC (a network
# namespace with a veth, as CNI builds one: vm/net redirects it to a tap) against none, and TCP
# throughput host <-> guest over it against a container in the same namespace.
#   bench/vm.sh [N]        (default N=10; run as root from a built tree: build/strata)
# Prints a table and, last, one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10}
STRATA=${STRATA:-$PWD/build/strata}
[ -x "$STRATA" ] || { echo "build strata first (cmake --build build)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing" >&2; exit 1; }

work=$(mktemp -d /tmp/strata-bench-vm.XXXXXX)
netns=strata-bench-$$ host_if=sbv$(($$ % 100000)) subnet=10.219.$(($$ % 250))
# (set -e holds in the trap too: a namespace the run removed already must not stop the clean-up.)
trap 'for id in $("$STRATA" --root "$work/root" list -q 2>/dev/null); do "$STRATA" --root "$work/root" delete -f "$id" || true; done
      ip netns del "$netns" 2>/dev/null || true; ip link del "$host_if" 2>/dev/null || true; rm -rf "$work"' EXIT

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
# The file share: a kernel with 9p (strata's own, else Debian's generic one), booted templates,
# no binds vs 5 directory binds.
share_kernel=$kernel
case "$kernel" in *-cloud-amd64) share_kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | grep -v cloud | sort -V | tail -1 || true) ;; esac
if [ -n "$share_kernel" ]; then
    for v in nobinds binds; do
        make_bundle "$work/vm-$v" template
        python3 - "$work/vm-$v/config.json" "$share_kernel" "$v" "$work/vol" <<'PY'
import json, os, sys
path, kernel, v, vol = sys.argv[1:]
c = json.load(open(path))
c["annotations"]["org.strata.vm.kernel"] = kernel
if v == "binds":
    for i in range(5):
        os.makedirs(f"{vol}/{i}", exist_ok=True)
        c["mounts"].append({"destination": f"/vol{i}", "type": "bind", "source": f"{vol}/{i}", "options": ["rbind", "rw"]})
json.dump(c, open(path, "w"))
PY
    done
fi

# One NIC: the namespace's veth (eth0, SUBNET.2) becomes the guest's; the host side is SUBNET.1.
if [ -n "$share_kernel" ]; then
    ip netns add "$netns"
    ip link add "$host_if" type veth peer name eth0 netns "$netns"
    ip addr add "$subnet.1/24" dev "$host_if" && ip link set "$host_if" up
    ip -n "$netns" addr add "$subnet.2/24" dev eth0 && ip -n "$netns" link set eth0 up && ip -n "$netns" link set lo up
    ip -n "$netns" route add default via "$subnet.1"
    for v in nic ct-net vm-net; do
        cp -r "$work/vm-nobinds" "$work/vm-$v"
        python3 - "$work/vm-$v/config.json" "/run/netns/$netns" "$v" "$subnet.1" <<'PY'
import json, sys
path, ns, v, host = sys.argv[1:]
c = json.load(open(path))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"] + [{"type": "network", "path": ns}]
if v != "nic":  # the throughput workload: 64 MiB host -> guest, then 64 MiB guest -> host
    c["process"]["args"] = ["sh", "-c", "nc -l -p 7000 >/dev/null; dd if=/dev/zero bs=1M count=64 2>/dev/null | nc %s 7001" % host]
if v == "ct-net":
    c["annotations"]["org.strata.substrate"] = "container"
json.dump(c, open(path, "w"))
PY
    done
fi

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
staged="" netsetup=""
record() { wall[$1]+="${2% *} "; guest[$1]+="${2#* } "; }
# Warm the caches (initramfs, erofs image, the booted template) so every measured run finds them built.
run_strata "$work/vm-template" >/dev/null; run_strata "$work/vm-initramfs" >/dev/null; run_strata "$work/vm-erofs" >/dev/null
[ -n "$cloud" ] && run_strata "$work/vm-initramfs" --vm-kernel "$cloud" >/dev/null
[ -n "$share_kernel" ] && { run_strata "$work/vm-nobinds" >/dev/null; run_strata "$work/vm-binds" >/dev/null; run_strata "$work/vm-nic" >/dev/null; }
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
    if [ -n "$share_kernel" ]; then
        record strata_nobinds "$(run_strata "$work/vm-nobinds")"
        record strata_binds "$(run_strata "$work/vm-binds")"
        staged+="$(sed -n 's/.*bind mount(s) staged in \([0-9]*\) us.*/\1/p' "$work/strata.log" | tail -1) "
        record strata_nic "$(run_strata "$work/vm-nic")"
        netsetup+="$(sed -n 's/.*interface(s) attached in \([0-9]*\) us.*/\1/p' "$work/strata.log" | tail -1) "
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

# 9p throughput: 256 MiB written (fsync'ed) and read back through a bind mount, in the VM (the
# guest's dd runs under the same accelerator as every guest) and in a container.
dd_mbs() {  # bundle-dir substrate -> "write_MiB/s read_MiB/s" (busybox dd prints no rate: timed with time)
    local b=$1 out
    python3 - "$b/config.json" "$work/io" "$2" <<'PY'
import json, os, sys
path, io, sub = sys.argv[1:]
os.makedirs(io, exist_ok=True)
c = json.load(open(path))
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/io"] + [{"destination": "/io", "type": "bind", "source": io, "options": ["rbind", "rw"]}]
c["process"]["args"] = ["sh", "-c", "time sh -c 'dd if=/dev/zero of=/io/f bs=1M count=256 conv=fsync 2>/dev/null' 2>&1 | grep real; "
                        "time sh -c 'dd if=/io/f of=/dev/null bs=1M 2>/dev/null' 2>&1 | grep real; rm /io/f"]
c["annotations"]["org.strata.substrate"] = sub
json.dump(c, open(path, "w"))
PY
    # busybox time: "real<TAB>0m 1.23s"
    "$STRATA" --root "$work/root" run -b "$b" io$RANDOM </dev/null 2>/dev/null |
        awk '{ split($2, m, "m"); s = m[1] * 60 + $3; if (s > 0) printf "%.0f ", 256 / s; else printf "? " }'
}
io_vm="" io_container=""
if [ -n "$share_kernel" ]; then
    cp -r "$work/vm-nobinds" "$work/vm-io"; cp -r "$work/vm-nobinds" "$work/ct-io"
    io_vm=$(dd_mbs "$work/vm-io" vm); io_container=$(dd_mbs "$work/ct-io" container)
fi

# TCP over the NIC: the host sends 64 MiB to the workload's nc and receives 64 MiB from it; MiB/s
# from the first byte to the peer's close. The VM's path: veth -> tc mirred -> tap -> virtio-net;
# the container's: the veth alone.
tcp_mibs() {  # bundle-dir -> "to_guest_MiB/s from_guest_MiB/s"
    python3 - "$STRATA" "$work/root" "$1" "$subnet" <<'PY'
import socket, subprocess, sys, time
strata, root, bundle, subnet = sys.argv[1:]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((subnet + ".1", 7001))
srv.listen(1)
p = subprocess.Popen([strata, "--root", root, "run", "-b", bundle, "tput%d" % time.time_ns()],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
data = b"\0" * (1 << 20)
deadline = time.time() + 120
while True:
    try:
        c = socket.create_connection((subnet + ".2", 7000), timeout=2)
        break
    except OSError:
        if time.time() > deadline:
            print("? ?"); p.kill(); sys.exit(0)
        time.sleep(0.05)
t0 = time.perf_counter()
for _ in range(64):
    c.sendall(data)
c.shutdown(socket.SHUT_WR)
c.recv(1)  # EOF: the workload's nc has read everything and closed
to_guest = 64 / (time.perf_counter() - t0)
c.close()
srv.settimeout(60)
a, _ = srv.accept()
n, t0 = 0, time.perf_counter()
while True:
    b = a.recv(1 << 20)
    if not b:
        break
    n += len(b)
from_guest = n / (1 << 20) / (time.perf_counter() - t0)
a.close()  # the workload's nc exits once its peer closes too
p.wait(timeout=60)
print("%.0f %.0f" % (to_guest, from_guest))
PY
}
tcp_vm="" tcp_container=""
if [ -n "$share_kernel" ]; then
    tcp_vm=$(tcp_mibs "$work/vm-vm-net" || echo "? ?"); tcp_container=$(tcp_mibs "$work/vm-ct-net" || echo "? ?")
fi

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
if [ -n "$share_kernel" ]; then
    printf '%-44s %10s %14s\n' "strata run, template, 9p kernel, no binds" "$(m strata_nobinds)" "(template)"
    printf '%-44s %10s %14s\n' "strata run, template, 9p kernel, 5 binds" "$(m strata_binds)" "(template)"
    echo "5 binds: host share set-up (staging) median $(echo "$staged" | median) us (goal <= 10 ms); wall +$(awk -v a="$(m strata_binds)" -v b="$(m strata_nobinds)" 'BEGIN { print a - b }') ms"
    echo "bind mount I/O, 256 MiB dd (MiB/s write read): VM over 9p: ${io_vm:-?}; container: ${io_container:-?}"
    printf '%-44s %10s %14s\n' "strata run, template, 9p kernel, one NIC" "$(m strata_nic)" "(template)"
    echo "one NIC: host network set-up (tap + tc redirects) median $(echo "$netsetup" | median) us (goal <= 10 ms); wall +$(awk -v a="$(m strata_nic)" -v b="$(m strata_nobinds)" 'BEGIN { print a - b }') ms"
    echo "TCP over the NIC, 64 MiB each way (MiB/s host->workload workload->host): VM (tap, virtio-net): ${tcp_vm:-?}; container (veth): ${tcp_container:-?}"
fi
paired_median=$(echo "$paired" | median | awk '{ printf "%.3f", $1 }')
paired_cold_median=$(echo "$paired_cold" | median | awk '{ printf "%.3f", $1 }')
echo "ratio strata/bare QEMU: $(ratio "$(m strata_template)" "$(m bare)") (goal <= 1.1); median of the $N per-round ratios: $paired_median"
echo "ratio strata cold boot/bare QEMU (what strata's path adds to a boot): $(ratio "$(m strata)" "$(m bare)"); per-round median: $paired_cold_median"
echo "QEMU RSS, guest booted and idle: $((qemu_rss / 1024)) MiB; monitor: $((monitor_rss / 1024)) MiB; bare QEMU peak: $((bare_rss / 1024)) MiB"
printf '{"n":%d,"accelerator":"%s","kernel":"%s","strata_ms":%s,"bare_qemu_ms":%s,"ratio":%s,"paired_ratio_median":%s,"strata_cold_ms":%s,"cold_ratio":%s,"paired_cold_ratio_median":%s,"strata_guest_init_ms":%s,"bare_guest_init_ms":%s,"strata_erofs_ms":%s,"strata_cloud_ms":%s,"bare_cloud_ms":%s,"strata_cloud_guest_init_ms":%s,"qemu_rss_kib":%s,"monitor_rss_kib":%s,"bare_qemu_peak_rss_kib":%s,"share_nobinds_ms":%s,"share_5binds_ms":%s,"share_staging_us":%s,"io_vm_9p_mibs":"%s","io_container_mibs":"%s","nic_ms":%s,"nic_setup_us":%s,"tcp_vm_mibs":"%s","tcp_container_mibs":"%s"}\n' \
    "$N" "$accel" "$kernel" "$(m strata_template)" "$(m bare)" "$(ratio "$(m strata_template)" "$(m bare)")" "$paired_median" \
    "$(m strata)" "$(ratio "$(m strata)" "$(m bare)")" "$paired_cold_median" "$(g strata)" "$(g bare)" \
    "$(m strata_erofs)" "$(m strata_cloud)" "$(m bare_cloud)" "$(g strata_cloud)" "${qemu_rss:-null}" "${monitor_rss:-null}" "${bare_rss:-null}" \
    "$(m strata_nobinds)" "$(m strata_binds)" "$(echo "$staged" | median)" "${io_vm% }" "${io_container% }" \
    "$(m strata_nic)" "$(echo "$netsetup" | median)" "${tcp_vm:-}" "${tcp_container:-}"
