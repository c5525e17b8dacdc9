#!/usr/bin/python3
"""bench/cri-pod-start.py: pod start through containerd's CRI, as kubelet starts a pod:
RunPodSandbox + CreateContainer + StartContainer until ContainerStatus is RUNNING, with the
RuntimeClass handler `strata` against `runc`, on one containerd (tests/cri's harness), runs
interleaved. Medians, minimums and the ratio, and the medians of the two parts: RunPodSandbox (for
a VM pod, the VM's start) and the container's create and start (for a VM pod, a container added to
the running VM); removal is not timed.

    bench/cri-pod-start.py [RUNS]   (default 20; needs root, containerd, runc and a build with
                                     build/tests/cri/strata-cri-pause: scripts/setup.sh test)

Three columns: strata's container substrate, strata's vm substrate (the pod annotated
org.strata.substrate=vm: the sandbox is the pod's micro-VM, restored from a booted template, and
the app a container in it; docs/design/kubernetes-cri.md) and runc. The vm column is a VM start against a
container start: the price of the guest kernel, not a like-for-like runtime ratio."""

import os
import shutil
import statistics
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(root, "tests", "cri"))
import cri  # noqa: E402

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
strata_bin = os.path.join(root, "build", "strata")
pause_bin = os.path.join(root, "build", "tests", "cri", "strata-cri-pause")
for path in (strata_bin, pause_bin):
    if not os.access(path, os.X_OK):
        sys.exit("missing %s: run scripts/setup.sh test first" % path)

gen = tempfile.mkdtemp(prefix="strata-cri-bench-gen-")
api = cri.load_api(os.path.join(root, "tests", "cri", "proto"), gen)
containerd = cri.Containerd(strata_bin, pause_bin)
client = cri.Cri(api, containerd.socket)


# column -> (runtime handler, pod annotations)
columns = {
    "strata": ("strata", {}),
    "strata-vm": ("strata", {"org.strata.substrate": "vm"}),
    "runc": ("runc", {}),
}


def pod_start(column, n):
    handler, annotations = columns[column]
    uid = "bench-%s-%d-%d" % (column, os.getpid(), n)
    log_dir = os.path.join(containerd.dir, "pods", uid)
    os.makedirs(log_dir, exist_ok=True)
    ns = api.NamespaceOption(network=api.POD, pid=api.POD, ipc=api.POD)
    config = api.PodSandboxConfig(
        metadata=api.PodSandboxMetadata(name="bench", uid=uid, namespace="default"), hostname="bench", log_directory=log_dir,
        annotations=annotations,
        linux=api.LinuxPodSandboxConfig(cgroup_parent=containerd.cgroup_parent,
                                        security_context=api.LinuxSandboxSecurityContext(namespace_options=ns)))
    container = api.ContainerConfig(
        metadata=api.ContainerMetadata(name="app"), image=api.ImageSpec(image=cri.BUSYBOX_IMAGE), command=["sleep", "1000"],
        log_path="app.log", linux=api.LinuxContainerConfig(security_context=api.LinuxContainerSecurityContext(namespace_options=ns)))
    t0 = time.perf_counter()
    pod = client.runtime("RunPodSandbox", config=config, runtime_handler=handler).pod_sandbox_id
    sandbox_ms = (time.perf_counter() - t0) * 1000
    cid = client.runtime("CreateContainer", pod_sandbox_id=pod, config=container, sandbox_config=config).container_id
    client.runtime("StartContainer", container_id=cid)
    while client.runtime("ContainerStatus", container_id=cid).status.state != api.CONTAINER_RUNNING:
        time.sleep(0.001)
    ms = (time.perf_counter() - t0) * 1000
    client.runtime("StopPodSandbox", pod_sandbox_id=pod)
    client.runtime("RemovePodSandbox", pod_sandbox_id=pod)
    return ms, sandbox_ms


try:
    handlers = list(columns)
    for h in handlers:  # one warm-up each: image snapshots, the shim binary in the page cache
        pod_start(h, -1)
    times = {h: [] for h in handlers}
    sandbox = {h: [] for h in handlers}
    for n in range(runs):
        for h in (handlers if n % 2 == 0 else handlers[::-1]):  # interleaved, alternating order
            total, sb = pod_start(h, n)
            times[h].append(total)
            sandbox[h].append(sb)
    print("pod start (RunPodSandbox + CreateContainer + StartContainer to RUNNING), %d interleaved runs" % runs)
    print("%-10s %10s %10s %10s %14s %14s" % ("column", "median ms", "min ms", "p90 ms", "sandbox ms", "container ms"))
    for h in handlers:
        t = sorted(times[h])
        container = [a - b for a, b in zip(times[h], sandbox[h])]
        print("%-10s %10.1f %10.1f %10.1f %14.1f %14.1f" % (h, statistics.median(t), t[0], t[int(0.9 * (len(t) - 1))],
                                                             statistics.median(sandbox[h]), statistics.median(container)))
    print("(sandbox: RunPodSandbox, for a VM pod the VM's start; container: Create+StartContainer until RUNNING, for a")
    print(" VM pod a container added to its running VM; medians of each part, so they need not add up to the total's)")
    med = {h: statistics.median(times[h]) for h in handlers}
    print("strata / runc, container pods (median): %.2fx" % (med["strata"] / med["runc"]))
    print("strata-vm / runc, a VM pod against a container pod (median): %.2fx" % (med["strata-vm"] / med["runc"]))
finally:
    client.close()
    containerd.close()
    shutil.rmtree(gen, ignore_errors=True)
