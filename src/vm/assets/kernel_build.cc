#include "vm/assets/kernel_build.h"

#include <unistd.h>

#include "base/strings.h"
#include "sys/file.h"
#include "vm/assets/assets.h"
#include "vm/assets/spawn.h"

namespace strata::vm {

// Objects compiled by a build of this fragment (counted from a real build: 1050 "CC" lines).
constexpr unsigned kExpectedObjects = 1050;

Result<std::string> build_kernel(const KernelBuildOptions& o) {
    std::string dir = strata_kernel_dir();
    std::string vmlinux = dir + "/vmlinux";
    KernelBuildProgress p;
    p.expected = kExpectedObjects;
    if (sys::exists(vmlinux)) {
        p.stage = "done";
        if (o.on_progress) o.on_progress(p);
        return vmlinux;
    }
    std::string script = kernel_build_script();
    if (script.empty()) return error("guest/kernel/build.sh not found (neither in the source tree nor under share/strata)");
    unsigned jobs = o.jobs ? o.jobs : static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    std::vector<std::string> argv = {"nice", "-n", std::to_string(o.nice), "bash", script, dir, "-j", std::to_string(jobs)};
    auto r = run_program(argv, [&](const std::string& line) {
        if (o.on_line) o.on_line(line);
        if (line.starts_with("strata-kernel: stage ")) {
            auto words = split_nonempty(line.substr(21), ' ');
            p.stage = words.empty() ? "" : words[0];
        } else if (line.starts_with("  CC ")) {
            ++p.compiled;
        } else {
            return;
        }
        if (o.on_progress) o.on_progress(p);
    });
    if (!r) return wrap(r.error(), "build the guest kernel");
    if (!sys::exists(vmlinux)) return error("build the guest kernel: " + script + " finished without " + vmlinux);
    p.stage = "done";
    if (o.on_progress) o.on_progress(p);
    return vmlinux;
}

}  // namespace strata::vm
