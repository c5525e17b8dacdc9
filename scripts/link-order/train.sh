#!/usr/bin/env bash
# The container path as engines drive it (the OCI CLI contract), `run` first: the order its
# functions first run in is the layout's (update.sh).
#   train.sh STRATA WORK     (WORK: an empty scratch directory)
set -euo pipefail
S=$1 work=$2
mkdir -p "$work/rootfs"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$work/rootfs/bin/"
for a in true sh sleep; do ln -sf busybox "$work/rootfs/bin/$a"; done
for b in t s; do  # t: /bin/true (run); s: sleep (create, start, exec, kill, delete)
    mkdir -p "$work/$b" && ln -sfn ../rootfs "$work/$b/rootfs" && rm -f "$work/$b/config.json" && "$S" spec --bundle "$work/$b"
done
python3 - "$work" <<'PY'
import json, sys
for b, args in (("t", ["/bin/true"]), ("s", ["/bin/sleep", "30"])):
    p = f"{sys.argv[1]}/{b}/config.json"; c = json.load(open(p))
    c["process"]["terminal"] = False; c["process"]["args"] = args
    json.dump(c, open(p, "w"))
PY
st=(--root "$work/state")
"$S" "${st[@]}" run -b "$work/t" r1
"$S" "${st[@]}" create -b "$work/s" c1
"$S" "${st[@]}" start c1
"$S" "${st[@]}" state c1 >/dev/null
"$S" "${st[@]}" list >/dev/null
"$S" "${st[@]}" exec c1 /bin/true
"$S" "${st[@]}" kill c1 TERM
sleep 0.3
"$S" "${st[@]}" delete --force c1
