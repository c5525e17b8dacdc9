#pragma once
// `strata vm kernel build`: runs guest/kernel/build.sh into strata_kernel_dir() (once: the
// directory is keyed by the fragment's hash), reporting progress as it goes.

#include <functional>
#include <string>

#include "base/result.h"

namespace strata::vm {

struct KernelBuildProgress {
    std::string stage;        // "unpack", "configure", "compile", "install", "done"
    unsigned compiled = 0;    // objects compiled so far (compile stage)
    unsigned expected = 0;    // about how many there will be
};

struct KernelBuildOptions {
    unsigned jobs = 0;        // 0: every CPU
    int nice = 10;            // the build shares the machine with running workloads
    std::function<void(const KernelBuildProgress&)> on_progress;
    std::function<void(const std::string&)> on_line;  // every line of the build's output
};

// Builds if needed; returns the vmlinux path.
Result<std::string> build_kernel(const KernelBuildOptions& o);

}  // namespace strata::vm
