#!/usr/bin/env bash
# Builds strata's guest kernel: Debian's linux-source-6.1, `make ARCH=x86_64 tinyconfig`, the
# fragment beside this script merged on top, olddefconfig, then bzImage (which also links vmlinux).
#   guest/kernel/build.sh OUT_DIR [-j N]
# OUT_DIR receives vmlinux (stripped, PVH entry), bzImage, config and version; it appears
# atomically and only when the build succeeded. `strata vm kernel build` runs this script with
# OUT_DIR = /var/cache/strata/kernel/<sha256 of the fragment>; run by hand it works the same.
# Lines starting with "strata-kernel:" mark the stages (strata's progress display reads them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR [-j N]}
shift
jobs=$(nproc)
if [ "${1:-}" = -j ]; then jobs=${2:?-j needs a number}; fi
tarball=${STRATA_KERNEL_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
fragment=$here/config.fragment

[ -r "$tarball" ] || { echo "strata-kernel: error: $tarball is missing (apt-get install linux-source-6.1)" >&2; exit 1; }
for tool in make gcc flex bison bc strip; do
    command -v $tool >/dev/null || { echo "strata-kernel: error: $tool is missing (scripts/setup.sh dev installs the build tools)" >&2; exit 1; }
done
[ -f /usr/include/libelf.h ] || { echo "strata-kernel: error: libelf-dev is missing" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
# One build per output directory at a time; a second caller waits and then finds it done.
exec 9>"$out.lock"
flock 9
if [ -f "$out/vmlinux" ]; then echo "strata-kernel: done $out (already built)"; exit 0; fi

work=$(mktemp -d "$out.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP  # so that the EXIT trap cleans up after ^C or kill too
echo "strata-kernel: stage unpack $tarball"
tar -xf "$tarball" -C "$work"
src=$(echo "$work"/linux-source-*)
cd "$src"
echo "strata-kernel: stage configure"
make -s ARCH=x86_64 tinyconfig >/dev/null
KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null
make -s ARCH=x86_64 olddefconfig >/dev/null
# Kconfig silently drops an option whose dependencies are unmet: say which, and stop.
missing=0
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue ;; esac
    opt=${line%%=*} val=${line#*=}
    if [ "$val" = n ]; then
        grep -q "^$opt=" .config && { echo "strata-kernel: error: $opt is set but the fragment says n" >&2; missing=1; }
    elif ! grep -qx "$opt=$val" .config; then
        echo "strata-kernel: error: $opt=$val did not survive olddefconfig (unmet dependency)" >&2
        missing=1
    fi
done < "$fragment"
[ $missing = 0 ] || exit 1
echo "strata-kernel: stage compile $(grep -c '=y' .config) options"
make ARCH=x86_64 -j"$jobs" bzImage
echo "strata-kernel: stage install"
stage=$work/out
mkdir "$stage"
strip -o "$stage/vmlinux" vmlinux
cp arch/x86/boot/bzImage "$stage/bzImage"
cp .config "$stage/config"
make -s ARCH=x86_64 kernelrelease > "$stage/version"
rm -rf "$out"
mv "$stage" "$out"
echo "strata-kernel: done $out"
