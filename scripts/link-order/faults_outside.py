#!/usr/bin/env python3
"""Functions of BINARY whose first instruction fetch faulted outside .text.strata_hot, from
`perf script --no-demangle -F ip,sym,dso` on stdin (page-faults recorded with -d): the ones the
instrumented trace missed (libstdc++'s, which is not built instrumented; clones such as
.isra.0 the plain build made and the instrumented one did not; what the container's init runs
after its pivot_root). One mangled name per line, in fault order.
  faults_outside.py BINARY < perf-script-output"""
import subprocess
import sys

binary = sys.argv[1]
sections = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout
start = size = None
for line in sections.splitlines():
    f = line.replace("[ ", "[").split()
    if len(f) > 6 and f[1] == ".text.strata_hot":
        start, size = int(f[3], 16), int(f[5], 16)
syms = {}
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in "tTwW":
        syms.setdefault(f[2], int(f[0], 16))
seen = set()
for line in sys.stdin:
    f = line.split()
    if len(f) < 3 or binary not in f[-1]:
        continue
    ip, name = int(f[0], 16), f[1]
    if name not in syms:
        continue
    # The load base from this very symbol: the fault's ip lies in the function it names.
    base = ip - syms[name]
    base -= base % 4096
    vaddr = ip - base
    if start is not None and start <= vaddr < start + size:
        continue
    if name not in seen:
        seen.add(name)
        print(name)
