#!/usr/bin/env python3
"""QEMU's template mechanism alone, without strata's monitor: the probe that src/vm/template/template.h grew
out of (strata's templates boot the bzImage; this probe boots what `strata vm kernel --path` says).

Boots strata's guest (its kernel, its cached agent initramfs) once under QEMU microvm with guest
RAM in a shared file, waits for the agent's hello, pauses it and saves the device state with QEMU
migration (x-ignore-shared: the RAM stays in the file). Then, N times interleaved with N cold
boots: a QEMU that maps that file privately (copy-on-write) and loads the state, until the
restored agent answers a frame. Prints the medians.
    bench/vm-template-probe.py [N]     (root; after `strata run` of a vm bundle filled the caches)
"""
import json, os, socket, statistics, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5
strata = os.environ.get("STRATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "strata"))
kernel = subprocess.run([strata, "vm", "kernel", "--path"], capture_output=True, text=True, check=True).stdout.strip()
cache = "/var/cache/strata/initramfs"
initrd = max((os.path.join(cache, f) for f in os.listdir(cache) if f.endswith(".cpio")), key=os.path.getmtime)
tsc = int(float(next(l for l in open("/proc/cpuinfo") if l.startswith("cpu MHz")).split(":")[1]) * 1000 + 0.5)
cmdline = ("console=ttyS0 quiet reboot=t panic=-1 rdinit=/init 8250.nr_uarts=1 i8042.noaux i8042.nomux "
           f"i8042.nopnp i8042.dumbkbd cryptomgr.notests tsc_early_khz={tsc}")
work = tempfile.mkdtemp(prefix="strata-template-probe.")
ram = os.path.join(work, "ram")


def qemu(extra, ram_share=None):
    machine = "microvm,acpi=off" + (",memory-backend=mem" if ram_share else "")
    argv = ["qemu-system-x86_64", "-M", machine, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "256", "-kernel", kernel, "-initrd", initrd,
            "-append", cmdline, "-chardev", f"file,id=console,path={work}/console.log", "-serial", "chardev:console",
            "-chardev", f"socket,id=agent,path={work}/agent.sock,server=on,wait=off",
            "-device", "virtio-serial-device,max_ports=1", "-device", "virtconsole,chardev=agent",
            "-qmp", f"unix:{work}/qmp.sock,server=on,wait=off"]
    if ram_share:
        argv += ["-object", f"memory-backend-file,id=mem,size=256M,mem-path={ram},share={ram_share}"]
    for s in ("agent.sock", "qmp.sock"):
        if os.path.exists(f"{work}/{s}"):
            os.unlink(f"{work}/{s}")
    return subprocess.Popen(argv + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def connect(name):
    for _ in range(20000):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(f"{work}/{name}")
            return s
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError(f"QEMU did not open {name}")


class Qmp:
    def __init__(self):
        self.f = connect("qmp.sock").makefile("rw")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "error" in r:
                raise RuntimeError(f"{name}: {r['error']}")
            if "return" in r:
                return r["return"]


def frame_type(sock):
    hdr = b""
    while len(hdr) < 8:
        hdr += sock.recv(8 - len(hdr))
    return hdr[4]


def cold_boot():
    t0 = time.monotonic()
    q = qemu([])
    a = connect("agent.sock")
    assert frame_type(a) == 64  # hello
    t = time.monotonic() - t0
    q.kill()
    q.wait()
    return t


def make_template():
    q = qemu([], ram_share="on")
    a = connect("agent.sock")
    assert frame_type(a) == 64
    qmp = Qmp()
    qmp.cmd("stop")
    qmp.cmd("migrate-set-capabilities", capabilities=[{"capability": "x-ignore-shared", "state": True}])
    qmp.cmd("migrate", uri=f"exec:cat > {work}/state")
    while qmp.cmd("query-migrate").get("status") not in ("completed", "failed"):
        time.sleep(0.01)
    qmp.cmd("quit")
    q.wait()


def restore():
    t0 = time.monotonic()
    q = qemu(["-incoming", "defer"], ram_share="off")
    qmp = Qmp()
    qmp.cmd("migrate-set-capabilities", capabilities=[{"capability": "x-ignore-shared", "state": True}])
    qmp.cmd("migrate-incoming", uri=f"exec:cat {work}/state")
    while qmp.cmd("query-status")["status"] == "inmigrate":
        time.sleep(0.0005)
    t_restored = time.monotonic() - t0
    qmp.cmd("cont")
    a = connect("agent.sock")
    # A config frame the agent cannot decode: it answers with an error frame, so it runs.
    a.sendall(bytes([4, 0, 0, 0, 1, 0, 0, 0]) + b"\x09\x00\x00\x00")
    assert frame_type(a) == 71
    t = time.monotonic() - t0
    q.kill()
    q.wait()
    return t_restored, t


make_template()
print(f"template: RAM file {os.stat(ram).st_blocks * 512 >> 20} MiB allocated, device state "
      f"{os.path.getsize(work + '/state') >> 10} KiB", flush=True)
cold, restored, answered = [], [], []
for _ in range(N):
    cold.append(cold_boot())
    r, a = restore()
    restored.append(r)
    answered.append(a)
ms = lambda v: round(statistics.median(v) * 1000, 1)
print(f"medians of {N}: cold boot, launch -> agent hello: {ms(cold)} ms; template restore, launch -> "
      f"running: {ms(restored)} ms, -> agent answers: {ms(answered)} ms")
subprocess.run(["rm", "-rf", work])
