#pragma once
// The workload every column runs: a busybox-static rootfs holding strata-probe, and one bundle per
// probe mode sharing that rootfs. Built by strata itself in a work directory.

#include <string>
#include <vector>

#include "base/result.h"

namespace strata::compare {

struct Workload {
    std::string dir;      // the work directory (state roots, bundles, I/O target)
    std::string rootfs;
    std::string probe;    // the host path of strata-probe
    std::string host_dir; // bind-mounted at /data for the I/O test
    // The bundle whose process is `strata-probe <args...>`; made on first use.
    Result<std::string> bundle(const std::vector<std::string>& args, bool writable_root = false);
};

// Finds strata-probe next to the strata binary (build tree or install prefix).
Result<std::string> find_probe();
// Builds the rootfs under `dir` (busybox from /bin/busybox, its applets, the probe).
Result<Workload> make_workload(const std::string& dir);

}  // namespace strata::compare
