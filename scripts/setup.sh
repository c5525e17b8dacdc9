#!/usr/bin/env bash
# Installs the Debian packages strata needs that are missing, then builds it. Idempotent: a second
# run installs nothing and rebuilds only what changed.
#   scripts/setup.sh [demo|test|dev]   (default: demo; `test` adds what the test suite drives:
#                                       Podman, containerd, a registry, skopeo, clang, ...; `dev`
#                                       adds what no test needs: the guest kernel's sources and
#                                       build tools (`strata vm kernel build`), bench/image.sh's
#                                       debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-demo}

build=(build-essential cmake pkg-config libseccomp-dev nlohmann-json3-dev libcli11-dev
       libarchive-dev libssl-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libfuse3-dev)
# linux-image-amd64: the VM file share needs 9p, which the cloud kernel lacks (vm/assets/assets.h).
run=(busybox-static crun runc erofs-utils qemu-system-x86 linux-image-cloud-amd64 linux-image-amd64 gnuplot-nox
     iproute2 procps util-linux libfuse3-3)
tests=(podman conmon containerd skopeo umoci docker-registry uidmap
       cpio xz-utils zstd e2fsprogs clang libclang-rt-14-dev
       containernetworking-plugins catatonit time openssl
       python3-grpcio python3-protobuf protobuf-compiler)
# Not for the tests (CI installs none of it): ~150 MB of kernel sources to download and unpack.
dev=(linux-source-6.1 bc flex bison libelf-dev debootstrap)

want=("${build[@]}" "${run[@]}")
case "$profile" in
    demo) ;;
    test) want+=("${tests[@]}") ;;
    dev) want+=("${tests[@]}" "${dev[@]}") ;;
    *) echo "setup: unknown profile '$profile' (demo, test or dev)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if [ "$profile" != demo ]; then
    cmake --build build -j"$(nproc)"
else
    # The demo needs the runtime and what it runs (the probe workload, the VM pieces), not the
    # tests: on a 2-core machine that halves the build.
    cmake --build build -j"$(nproc)" --target strata strata-probe
fi
