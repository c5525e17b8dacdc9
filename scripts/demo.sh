#!/usr/bin/env bash
# The main job: set up, build, make a workload from Debian's busybox-static and run it on every
# substrate strata has, printing the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
# The comparison needs root (namespaces, cgroups, VMs).
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
exec $SUDO build/strata compare --svg build/compare.svg "$@"
