#!/usr/bin/python3
"""Kubernetes through containerd's CRI, as kubelet drives it: a CRI v1 client runs pods with
runtime_handler "strata" on a containerd this test starts (its config: `containerd config
default`, the README's strata runtime, a CNI bridge of the test's own). Each scenario checks what
kubelet would see and that strata keeps nothing once the pod is removed.

Run by ctest (label cri) with STRATA_BIN, STRATA_CRI_PAUSE and STRATA_CRI_PROTO set. A missing
prerequisite skips, or fails under STRATA_REQUIRE_ALL=1 (CI)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REQUIRE_ALL = os.environ.get("STRATA_REQUIRE_ALL") == "1"


def missing_prerequisite():
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("containerd", "ctr", "protoc", "ip"):
        if not shutil.which(tool):
            return "%s is not installed" % tool
    if not os.path.exists("/usr/lib/cni/bridge"):
        return "containernetworking-plugins is not installed"
    try:
        import grpc  # noqa: F401
        import google.protobuf  # noqa: F401
    except ImportError as e:
        return "python3-grpcio / python3-protobuf: %s" % e
    for var in ("STRATA_BIN", "STRATA_CRI_PAUSE", "STRATA_CRI_PROTO"):
        if not os.environ.get(var):
            return "%s is not set (run through ctest)" % var
    return None


class CriTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = missing_prerequisite()
        if why:
            if REQUIRE_ALL:
                raise RuntimeError("cri: " + why + " (STRATA_REQUIRE_ALL=1)")
            raise unittest.SkipTest(why)
        import cri

        cls.gen = tempfile.mkdtemp(prefix="strata-cri-gen-")
        cls.api = cri.load_api(os.environ["STRATA_CRI_PROTO"], cls.gen)
        cls.cri_mod = cri
        cls.containerd = cri.Containerd(os.environ["STRATA_BIN"], os.environ["STRATA_CRI_PAUSE"])
        cls.client = cri.Cri(cls.api, cls.containerd.socket)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "client", None):
            cls.client.close()
        if getattr(cls, "containerd", None):
            cls.containerd.close()
        if getattr(cls, "gen", None):
            shutil.rmtree(cls.gen, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------------

    def pod_config(self, name, annotations=None):
        api = self.api
        uid = "%s-%d-%d" % (name, os.getpid(), int(time.time() * 1000) % 100000)
        log_dir = os.path.join(self.containerd.dir, "pods", uid)
        os.makedirs(log_dir, exist_ok=True)
        return api.PodSandboxConfig(
            metadata=api.PodSandboxMetadata(name=name, uid=uid, namespace="default", attempt=0),
            hostname=name,
            log_directory=log_dir,
            annotations=annotations or {},
            linux=api.LinuxPodSandboxConfig(
                cgroup_parent=self.containerd.cgroup_parent,
                security_context=api.LinuxSandboxSecurityContext(
                    namespace_options=api.NamespaceOption(network=api.POD, pid=api.POD, ipc=api.POD)),
            ),
        )

    def run_pod(self, config):
        pod = self.client.runtime("RunPodSandbox", config=config, runtime_handler=self.cri_mod.HANDLER).pod_sandbox_id
        self.pods.append(pod)
        return pod

    def setUp(self):
        self.pods = []

    def tearDown(self):
        # A failed scenario's pod must not leak into the next one's checks.
        for pod in self.pods:
            try:
                self.remove_pod(pod)
            except Exception:  # removed already, or containerd is gone
                pass

    def container_config(self, name, command, resources=None):
        api = self.api
        linux = api.LinuxContainerConfig(
            security_context=api.LinuxContainerSecurityContext(
                namespace_options=api.NamespaceOption(network=api.POD, pid=api.POD, ipc=api.POD)))
        if resources:
            linux.resources.CopyFrom(resources)
        return api.ContainerConfig(
            metadata=api.ContainerMetadata(name=name, attempt=0),
            image=api.ImageSpec(image=self.cri_mod.BUSYBOX_IMAGE),
            command=command,
            log_path=name + ".log",
            linux=linux,
        )

    def start_container(self, pod_id, pod_config, config):
        cid = self.client.runtime("CreateContainer", pod_sandbox_id=pod_id, config=config, sandbox_config=pod_config).container_id
        self.client.runtime("StartContainer", container_id=cid)
        return cid

    def wait_running(self, cid, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.client.runtime("ContainerStatus", container_id=cid).status
            if status.state == self.api.CONTAINER_RUNNING:
                return status
            if status.state == self.api.CONTAINER_EXITED:
                self.fail("container %s exited (%d): %s" % (cid, status.exit_code, status.message))
            time.sleep(0.1)
        self.fail("container %s never ran" % cid)

    def exec_sync(self, cid, cmd, timeout=60):
        return self.client.runtime("ExecSync", container_id=cid, cmd=cmd, timeout=timeout)

    def eventually(self, check, timeout=30):
        deadline = time.time() + timeout
        while True:
            value = check()
            if value or time.time() > deadline:
                return value
            time.sleep(0.2)

    def remove_pod(self, pod_id):
        self.client.runtime("StopPodSandbox", pod_sandbox_id=pod_id)
        self.client.runtime("RemovePodSandbox", pod_sandbox_id=pod_id)

    def cgroup_dirs(self, cid):
        parent = self.containerd.cgroup_parent.lstrip("/")
        return [os.path.join("/sys/fs/cgroup", h, parent, cid) for h in os.listdir("/sys/fs/cgroup")
                if os.path.isdir(os.path.join("/sys/fs/cgroup", h, parent, cid))]

    def assert_nothing_left(self, ids):
        self.assertEqual(self.containerd.strata_state(), [], "strata's state dir still holds containers")
        with open("/proc/self/mountinfo") as f:
            mounts = [l.split()[4] for l in f if any(i in l for i in ids)]
        self.assertEqual(mounts, [], "mounts of the pod are left")
        for i in ids:
            self.assertEqual(self.cgroup_dirs(i), [], "cgroups of %s are left" % i)

    def require_vm(self):
        """A VM pod needs a backend and a guest kernel with 9p (a pod's containers get bind mounts)."""
        import json
        info = json.loads(subprocess.run([self.containerd.strata_bin, "info", "--json"], capture_output=True,
                                         text=True, check=True).stdout)["vm"]
        why = None
        if info.get("backend") is None:
            why = "no VM backend: %s" % info.get("reason")
        elif "path" not in info.get("kernel", {}):
            why = "no guest kernel: %s" % info.get("kernel")
        if why:
            if REQUIRE_ALL:
                self.fail(why + " (STRATA_REQUIRE_ALL=1)")
            self.skipTest(why)

    @staticmethod
    def http_get(ip, port, timeout):
        import socket
        deadline = time.time() + timeout
        while True:
            try:
                with socket.create_connection((ip, port), timeout=5) as s:
                    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    data = b""
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                return data.split(b"\r\n\r\n", 1)[-1]
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def strata_record(self, cid):
        """strata's own state record of a container (substrate, podSandbox...)."""
        import json
        with open(os.path.join(self.containerd.shim_root, self.cri_mod.NAMESPACE, cid, "state.json")) as f:
            return json.load(f)

    def host_pid(self, cid):
        import json
        r = self.containerd.strata("state", cid)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["pid"]

    # --- scenarios -----------------------------------------------------------------------------

    def test_1_pod_lifecycle_exec_sync_and_log(self):
        version = self.client.runtime("Version", version="v1")
        self.assertEqual(version.runtime_api_version, "v1")
        config = self.pod_config("lifecycle")
        pod = self.run_pod(config)
        self.assertIn(pod, self.containerd.strata_state(), "the sandbox is not strata's")
        status = self.client.runtime("PodSandboxStatus", pod_sandbox_id=pod).status
        self.assertEqual(status.state, self.api.SANDBOX_READY)
        self.assertEqual(status.runtime_handler, "strata")
        self.assertTrue(status.network.ip.startswith(self.containerd.subnet + "."), status.network.ip)
        cid = self.start_container(pod, config, self.container_config("app", ["sh", "-c", "echo hello-from-cri; exec sleep 1000"]))
        self.assertIn(cid, self.containerd.strata_state(), "the container is not strata's")
        self.wait_running(cid)
        r = self.exec_sync(cid, ["sh", "-c", "echo exec-out; echo exec-err >&2; exit 3"])
        self.assertEqual((r.stdout, r.stderr, r.exit_code), (b"exec-out\n", b"exec-err\n", 3))
        log = os.path.join(config.log_directory, "app.log")
        def log_text():
            if not os.path.exists(log):
                return ""
            with open(log) as f:
                text = f.read()
            return text if "hello-from-cri" in text else ""

        text = self.eventually(log_text)
        self.assertTrue(text, "no CRI log at %s" % log)
        # CRI log format: "<RFC3339Nano> stdout F hello-from-cri"
        line = [l for l in text.splitlines() if "hello-from-cri" in l][0]
        self.assertRegex(line, r"^\S+ stdout F hello-from-cri$")
        self.remove_pod(pod)
        self.assertEqual(len(self.client.runtime("ListContainers").containers), 0)
        self.assert_nothing_left([pod, cid])

    def test_2_two_containers_share_the_pods_network_ipc_and_pid(self):
        config = self.pod_config("shared")
        pod = self.run_pod(config)
        web = self.start_container(pod, config, self.container_config(
            "web", ["sh", "-c", "mkdir -p /tmp/www && echo served-by-web > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]))
        client = self.start_container(pod, config, self.container_config("client", ["sleep", "1000"]))
        self.wait_running(web)
        self.wait_running(client)
        fetch = "for i in $(seq 50); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080 && exit 0; sleep 0.1; done; exit 1"
        r = self.exec_sync(client, ["sh", "-c", fetch])
        self.assertEqual(r.exit_code, 0, r.stderr)
        self.assertIn(b"served-by-web", r.stdout)
        ns = "readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/pid"
        a, b = self.exec_sync(web, ["sh", "-c", ns]).stdout, self.exec_sync(client, ["sh", "-c", ns]).stdout
        self.assertEqual(a, b, "the containers do not share the pod's namespaces")
        # A shared pid namespace: the client sees the web container's httpd.
        ps = self.exec_sync(client, ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]).stdout
        self.assertIn(b"httpd -f -p 8080", ps)
        self.remove_pod(pod)
        self.assert_nothing_left([pod, web, client])

    def test_3_resource_limits_reach_the_containers_cgroup(self):
        api = self.api
        config = self.pod_config("limits")
        pod = self.run_pod(config)
        resources = api.LinuxContainerResources(memory_limit_in_bytes=96 << 20, cpu_period=100000, cpu_quota=50000, cpu_shares=512)
        cid = self.start_container(pod, config, self.container_config("limited", ["sleep", "1000"], resources))
        self.wait_running(cid)
        pid = self.host_pid(cid)
        cgroups = {}
        with open("/proc/%d/cgroup" % pid) as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for c in controllers.split(","):
                    cgroups[c] = path
        self.assertTrue(cgroups["memory"].endswith("/" + cid), cgroups)

        def read(controller, name):
            # The v1 hierarchy that has the controller ("cpu", or "cpu,cpuacct" on some hosts).
            mounts = [h for h in os.listdir("/sys/fs/cgroup") if controller in h.split(",")]
            self.assertEqual(len(mounts), 1, "no single v1 hierarchy has %s: %s" % (controller, mounts))
            with open(os.path.join("/sys/fs/cgroup", mounts[0], cgroups[controller].lstrip("/"), name)) as f:
                return f.read().strip()

        self.assertEqual(read("memory", "memory.limit_in_bytes"), str(96 << 20))
        self.assertEqual(read("cpu", "cpu.cfs_quota_us"), "50000")
        self.assertEqual(read("cpu", "cpu.cfs_period_us"), "100000")
        self.assertEqual(read("cpu", "cpu.shares"), "512")
        self.remove_pod(pod)
        self.assert_nothing_left([pod, cid])

    def test_4_an_unknown_runtime_handler_is_a_clear_error_and_leaves_nothing(self):
        import grpc

        config = self.pod_config("unknown")
        with self.assertRaises(grpc.RpcError) as caught:
            self.client.runtime("RunPodSandbox", config=config, runtime_handler="no-such-handler")
        self.assertIn("no-such-handler", caught.exception.details())
        names = [p.metadata.name for p in self.client.runtime("ListPodSandbox").items]
        self.assertNotIn("unknown", names)
        self.assertEqual(self.containerd.strata_state(), [])

    # --- pods on the vm substrate ----------------------------------------------------------------

    def test_5_a_vm_pod_runs_its_container_in_a_guest_reachable_on_the_pod_ip(self):
        self.require_vm()
        config = self.pod_config("vmpod", {"org.strata.substrate": "vm"})
        pod = self.run_pod(config)
        status = self.client.runtime("PodSandboxStatus", pod_sandbox_id=pod).status
        self.assertEqual(status.state, self.api.SANDBOX_READY)
        ip = status.network.ip
        self.assertTrue(ip.startswith(self.containerd.subnet + "."), ip)
        # The sandbox is the pod's VM (runtime/pod.h), and the container runs in it.
        import json
        sandbox = json.loads(self.containerd.strata("state", pod).stdout)
        self.assertEqual(sandbox.get("annotations", {}).get("org.strata.substrate"), "vm")
        self.assertEqual(self.strata_record(pod)["substrate"], "vm")
        cid = self.start_container(pod, config, self.container_config("web", [
            "sh", "-c", "echo hello-from-the-guest; mkdir -p /tmp/www && echo served-by-a-vm > /tmp/www/index.html && "
                        "exec httpd -f -p 8080 -h /tmp/www"]))
        self.wait_running(cid, timeout=300)
        self.assertEqual(self.strata_record(cid).get("podSandbox"), pod, "the container is not in the pod's VM")
        # Another kernel: its boot id is not the host's.
        with open("/proc/sys/kernel/random/boot_id") as f:
            host_boot = f.read().strip()
        r = self.exec_sync(cid, ["sh", "-c", "cat /proc/sys/kernel/random/boot_id; echo exec-err >&2; exit 5"], timeout=120)
        self.assertEqual(r.exit_code, 5, r.stderr)
        self.assertEqual(r.stderr, b"exec-err\n")
        guest_boot = r.stdout.decode().strip()
        self.assertRegex(guest_boot, r"^[0-9a-f-]{36}$")
        self.assertNotEqual(guest_boot, host_boot, "ExecSync ran on the host's kernel")
        # The engine's files reached the guest: the pod's hostname and /etc/hosts.
        r = self.exec_sync(cid, ["sh", "-c", "hostname; cat /etc/hostname"], timeout=120)
        self.assertEqual(r.exit_code, 0, r.stderr)
        self.assertEqual(r.stdout.decode().split(), ["vmpod", "vmpod"])
        # From the host, on the pod IP: bridge -> the pod's veth -> tc redirect -> tap -> the guest.
        self.assertEqual(self.http_get(ip, 8080, 120), b"served-by-a-vm\n")
        log = os.path.join(config.log_directory, "web.log")
        def logged():
            if not os.path.exists(log):
                return False
            with open(log) as f:
                return "stdout F hello-from-the-guest" in f.read()

        self.assertTrue(self.eventually(logged), "no CRI log line from the guest at %s" % log)
        self.remove_pod(pod)
        self.assert_nothing_left([pod, cid])

    def test_6_two_vm_containers_run_in_the_pod_vm_sharing_its_ip_ipc_and_pid(self):
        """The pod VM: the sandbox is the VM, each container of the pod a workload in it (Kata's
        model). What kubelet sees: both running, one pod IP reaching both, localhost between them,
        the pod's IPC and pid namespaces shared, and each container its own root and lifetime."""
        self.require_vm()
        config = self.pod_config("vmpair", {"org.strata.substrate": "vm"})
        pod = self.run_pod(config)
        ip = self.client.runtime("PodSandboxStatus", pod_sandbox_id=pod).status.network.ip
        self.assertTrue(ip.startswith(self.containerd.subnet + "."), ip)

        def server(name, port):
            return self.container_config(name, [
                "sh", "-c", "mkdir -p /tmp/www && echo served-by-%s > /tmp/www/index.html && echo only-%s > /marker && "
                            "exec httpd -f -p %d -h /tmp/www" % (name, name, port)])

        web = self.start_container(pod, config, server("web", 8080))
        api = self.start_container(pod, config, server("api", 8081))
        for cid in (web, api):
            self.wait_running(cid, timeout=300)
            self.assertEqual(self.strata_record(cid).get("podSandbox"), pod, "%s is not in the pod's VM" % cid)
        # One guest kernel for both, not the host's.
        with open("/proc/sys/kernel/random/boot_id") as f:
            host_boot = f.read().strip()
        boots = [self.exec_sync(c, ["cat", "/proc/sys/kernel/random/boot_id"], timeout=120).stdout.decode().strip() for c in (web, api)]
        self.assertRegex(boots[0], r"^[0-9a-f-]{36}$")
        self.assertEqual(boots[0], boots[1], "the containers run in two kernels")
        self.assertNotEqual(boots[0], host_boot, "the containers run on the host's kernel")
        # The pod IP reaches both, from the host.
        self.assertEqual(self.http_get(ip, 8080, 120), b"served-by-web\n")
        self.assertEqual(self.http_get(ip, 8081, 120), b"served-by-api\n")
        # localhost between them, and the pod's network, IPC and pid namespaces.
        fetch = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080"
        r = self.exec_sync(api, ["sh", "-c", fetch], timeout=120)
        self.assertEqual(r.exit_code, 0, r.stderr)
        self.assertIn(b"served-by-web", r.stdout)
        ns = "readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/uts"
        a, b = (self.exec_sync(c, ["sh", "-c", ns], timeout=120).stdout for c in (web, api))
        self.assertEqual(a, b, "the containers do not share the pod's namespaces")
        ps = self.exec_sync(api, ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"], timeout=120).stdout
        self.assertIn(b"httpd -f -p 8080", ps)
        self.assertEqual(self.exec_sync(api, ["hostname"], timeout=120).stdout, b"vmpair\n")
        # Each its own root: what one wrote is not in the other's.
        self.assertEqual(self.exec_sync(web, ["cat", "/marker"], timeout=120).stdout, b"only-web\n")
        self.assertEqual(self.exec_sync(api, ["cat", "/marker"], timeout=120).stdout, b"only-api\n")
        # Each its own lifetime: one stopped, the other runs on and serves.
        self.client.runtime("StopContainer", container_id=web, timeout=10)
        self.assertEqual(self.client.runtime("ContainerStatus", container_id=web).status.state, self.api.CONTAINER_EXITED)
        self.assertEqual(self.client.runtime("ContainerStatus", container_id=api).status.state, self.api.CONTAINER_RUNNING)
        self.assertEqual(self.http_get(ip, 8081, 60), b"served-by-api\n")
        self.client.runtime("RemoveContainer", container_id=web)
        self.remove_pod(pod)
        self.assertEqual(len(self.client.runtime("ListContainers").containers), 0)
        self.assert_nothing_left([pod, web, api])

    def test_7_a_vm_pod_whose_guest_kernel_is_missing_fails_run_pod_sandbox(self):
        import grpc

        config = self.pod_config("nokernel", {"org.strata.substrate": "vm", "org.strata.vm.kernel": "/nonexistent/vmlinuz"})
        with self.assertRaises(grpc.RpcError) as caught:
            self.run_pod(config)
        details = caught.exception.details()
        self.assertIn("org.strata.substrate=vm", details)
        if shutil.which("qemu-system-x86_64"):
            self.assertIn("/nonexistent/vmlinuz", details)
        self.assertEqual(self.containerd.strata_state(), [])
        names = [p.metadata.name for p in self.client.runtime("ListPodSandbox").items if p.state == self.api.SANDBOX_READY]
        self.assertNotIn("nokernel", names)


if __name__ == "__main__":
    unittest.main()
