#!/usr/bin/env bash
# The main job: set up, build, make a workload from Debian's busybox-static and run it on every
# substrate strata has, printing the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
exec build/strata compare "$@"
