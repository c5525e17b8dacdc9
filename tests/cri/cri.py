"""The CRI test harness: a CRI v1 client over gRPC, a containerd of the test's own with strata
as the RuntimeClass handler `strata`, and local OCI images (the pause image from
strata-cri-pause, a busybox image from /bin/busybox) imported with ctr. Nothing here reaches a
registry or the host's containerd."""

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

import grpc

NAMESPACE = "k8s.io"
PAUSE_IMAGE = "localhost/strata-pause:1"
BUSYBOX_IMAGE = "localhost/strata-busybox:1"
HANDLER = "strata"
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def load_api(proto_dir, out_dir):
    """api_pb2, compiled by protoc from tests/cri/proto/api.proto into `out_dir`."""
    subprocess.run(["protoc", "-I" + proto_dir, "--python_out=" + out_dir, os.path.join(proto_dir, "api.proto")], check=True)
    sys.path.insert(0, out_dir)
    import api_pb2  # noqa: E402

    return api_pb2


class Cri:
    """runtime.v1.RuntimeService and ImageService, called by method name."""

    def __init__(self, api, socket_path):
        self.api = api
        self.channel = grpc.insecure_channel("unix://" + socket_path)

    def call(self, service, method, request, timeout=180):
        response = getattr(self.api, method + "Response")
        stub = self.channel.unary_unary(
            "/runtime.v1.%s/%s" % (service, method),
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response.FromString,
        )
        return stub(request, timeout=timeout)

    def runtime(self, method, **fields):
        return self.call("RuntimeService", method, getattr(self.api, method + "Request")(**fields))

    def image(self, method, **fields):
        return self.call("ImageService", method, getattr(self.api, method + "Request")(**fields))

    def close(self):
        self.channel.close()


def _add_bytes(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def _blob(tar, data):
    digest = hashlib.sha256(data).hexdigest()
    _add_bytes(tar, "blobs/sha256/" + digest, data)
    return "sha256:" + digest


def write_oci_archive(path, name, layer_files, entrypoint, env=("PATH=/bin:/usr/bin",)):
    """An OCI image archive of one layer, named `name` for ctr's import. `layer_files` maps a
    path in the image to a host file to copy, or to ('symlink', target), or to ('dir',)."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for arcname, src in sorted(layer_files.items()):
            if isinstance(src, tuple) and src[0] == "symlink":
                info = tarfile.TarInfo(arcname)
                info.type = tarfile.SYMTYPE
                info.linkname = src[1]
                t.addfile(info)
            elif isinstance(src, tuple) and src[0] == "dir":
                info = tarfile.TarInfo(arcname)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755 if arcname != "tmp" else 0o1777
                t.addfile(info)
            else:
                with open(src, "rb") as f:
                    _add_bytes(t, arcname, f.read(), 0o755)
    raw = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    compressed = gzip.compress(raw, mtime=0)
    with tarfile.open(path, "w") as out:
        _add_bytes(out, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        layer_digest = _blob(out, compressed)
        config = json.dumps({
            "architecture": "amd64", "os": "linux",
            "config": {"Entrypoint": list(entrypoint), "Env": list(env)},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }).encode()
        config_digest = _blob(out, config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": len(compressed)}],
        }).encode()
        manifest_digest = _blob(out, manifest)
        index = json.dumps({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": len(manifest),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]},
            }],
        }).encode()
        _add_bytes(out, "index.json", index)


def busybox_files():
    files = {"bin/busybox": "/bin/busybox", "tmp": ("dir",), "proc": ("dir",), "sys": ("dir",), "dev": ("dir",), "etc": ("dir",)}
    listed = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in listed:
        if applet != "busybox":
            files["bin/" + applet] = ("symlink", "busybox")
    return files


def readme_strata_runtime(strata_bin, shim_root):
    """strata's runtime tables from the README's containerd snippet, with this build's binary and
    the test's own runtime root."""
    text = open(README).read()
    snippet = text[text.index("<!-- containerd-snippet"):]
    lines = []
    started = False
    for line in snippet.splitlines()[1:]:
        if not line.strip():
            if started and lines and not lines[-1].strip():
                continue
            lines.append("")
            continue
        if not line.startswith("    "):
            if started:
                break
            continue
        started = True
        lines.append(line[4:])
    body = "\n".join(lines)
    start = body.index('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.strata]')
    strata = body[start:].replace("/usr/local/bin/strata", strata_bin)
    return strata.rstrip() + '\n        Root = "%s"\n' % shim_root


class Containerd:
    """containerd with its own root, state, socket, CNI config and runtime root for strata."""

    def __init__(self, strata_bin, pause_bin):
        self.dir = tempfile.mkdtemp(prefix="strata-cri-")
        self.strata_bin = strata_bin
        self.socket = os.path.join(self.dir, "containerd.sock")
        self.shim_root = os.path.join(self.dir, "strata")
        self.bridge = "stcri%d" % (os.getpid() % 10000)
        self.subnet = "10.218.%d" % (os.getpid() % 250)
        self.cgroup_parent = "/strata-cri-%d" % os.getpid()
        self.proc = None
        self.netns_before = self._netns()
        self._write_cni()
        self._write_config()
        self.log = open(os.path.join(self.dir, "containerd.log"), "w")
        self.proc = subprocess.Popen(["containerd", "--config", os.path.join(self.dir, "config.toml")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(400):
            if os.path.exists(self.socket):
                break
            time.sleep(0.05)
        self._import(pause_bin)

    def _write_cni(self):
        conf_dir = os.path.join(self.dir, "cni")
        os.makedirs(conf_dir)
        conflist = {
            "cniVersion": "1.0.0", "name": "strata-cri",
            "plugins": [{
                "type": "bridge", "bridge": self.bridge, "isGateway": True, "ipMasq": False,
                "ipam": {"type": "host-local", "ranges": [[{"subnet": self.subnet + ".0/24"}]],
                         "routes": [{"dst": "0.0.0.0/0"}], "dataDir": os.path.join(self.dir, "ipam")},
            }],
        }
        with open(os.path.join(conf_dir, "10-strata-cri.conflist"), "w") as f:
            json.dump(conflist, f)

    def _write_config(self):
        d = self.dir
        config = subprocess.run(["containerd", "config", "default"], capture_output=True, text=True, check=True).stdout
        subs = [
            (r'(?m)^root = ".*"$', 'root = "%s/root"' % d),
            (r'(?m)^state = ".*"$', 'state = "%s/state"' % d),
            (r'(?m)^disabled_plugins = \[\]$', 'disabled_plugins = ["io.containerd.internal.v1.opt"]'),
            (r'(?m)^(\[grpc\]\n  address = )".*"$', r'\1"%s"' % self.socket),
            (r'(?m)^(\[ttrpc\]\n  address = )".*"$', r'\1"%s.ttrpc"' % self.socket),
            (r'(?m)^(\s*sandbox_image = )".*"$', r'\1"%s"' % PAUSE_IMAGE),
            (r'(?m)^(\s*bin_dir = )"/opt/cni/bin"$', r'\1"/usr/lib/cni"'),
            (r'(?m)^(\s*conf_dir = )"/etc/cni/net.d"$', r'\1"%s/cni"' % d),
            # This host gives no process CAP_SYS_RESOURCE, so the sandbox's oom_score_adj of -998
            # cannot be set (runc fails the same way): containerd's option for such hosts keeps
            # every score at or above its own.
            (r'(?m)^(\s*restrict_oom_score_adj = )false$', r'\1true'),
            # runc's state in the test's dir too (the bench runs pods with runc beside strata).
            (r'(?m)^(\s*Root = )""$', r'\1"%s/runc"' % d),
        ]
        for pattern, repl in subs:
            config, n = re.subn(pattern, repl, config)
            if n == 0:
                raise RuntimeError("containerd config default has no match for " + pattern)
        config += "\n" + readme_strata_runtime(self.strata_bin, self.shim_root)
        with open(os.path.join(d, "config.toml"), "w") as f:
            f.write(config)

    def ctr(self, *args, check=True):
        return subprocess.run(["ctr", "--address", self.socket, "-n", NAMESPACE] + list(args),
                              capture_output=True, text=True, check=check, timeout=300)

    def _import(self, pause_bin):
        pause = os.path.join(self.dir, "pause.tar")
        write_oci_archive(pause, PAUSE_IMAGE, {"pause": pause_bin}, ["/pause"])
        box = os.path.join(self.dir, "busybox.tar")
        write_oci_archive(box, BUSYBOX_IMAGE, busybox_files(), ["/bin/sh"])
        for archive in (pause, box):
            self.ctr("images", "import", archive)

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.dir, "containerd.log")) as f:
            return f.read()

    def strata_state(self):
        """The containers strata keeps for containerd's k8s.io namespace."""
        root = os.path.join(self.shim_root, NAMESPACE)
        return sorted(os.listdir(root)) if os.path.isdir(root) else []

    def strata(self, *args):
        return subprocess.run([self.strata_bin, "--root", os.path.join(self.shim_root, NAMESPACE)] + list(args),
                              capture_output=True, text=True, timeout=60)

    @staticmethod
    def _netns():
        return set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()

    def close(self):
        # What a failed scenario left: its containers (killed through their cgroups), then the
        # shims (which outlive containerd by design) and the pods' network namespaces.
        for cid in self.strata_state():
            self.strata("delete", "--force", cid)
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if b"containerd-shim" in cmdline and self.socket.encode() in cmdline:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        for ns in self._netns() - self.netns_before:
            if ns.startswith("cni-"):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # What containerd mounted under its root (snapshots, the shm of sandboxes) and the bridge.
        with open("/proc/self/mountinfo") as f:
            points = [l.split()[4] for l in f if self.dir in l.split()[4]]
        for p in sorted(points, reverse=True):
            subprocess.run(["umount", "-l", p], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        for hierarchy in os.listdir("/sys/fs/cgroup"):
            path = os.path.join("/sys/fs/cgroup", hierarchy, self.cgroup_parent.lstrip("/"))
            if os.path.isdir(path):
                for sub in os.listdir(path):
                    if os.path.isdir(os.path.join(path, sub)):
                        try:
                            os.rmdir(os.path.join(path, sub))
                        except OSError:
                            pass
                try:
                    os.rmdir(path)
                except OSError:
                    pass
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
