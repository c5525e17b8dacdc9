#include "vm/assets/assets.h"

#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "base/strings.h"
#include "sys/file.h"
#include "vm/assets/cache.h"

#ifndef STRATA_KERNEL_KEY
#error "STRATA_KERNEL_KEY (the SHA-256 of guest/kernel/config.fragment) is set by CMake"
#endif

namespace strata::vm {
namespace {

// The virtio drivers and filesystems the agent needs from a modular (Debian) kernel.
constexpr const char* kNeededModules[] = {"virtio_mmio", "virtio_console", "virtio_blk", "virtio_net", "erofs", "overlay"};

std::string self_dir() {
    auto exe = sys::readlink("/proc/self/exe");
    return exe ? sys::dirname(*exe) : ".";
}

// A file in the build tree (next to the binary) or installed under the binary's prefix.
std::string first_existing(const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
        if (::access(c.c_str(), R_OK) == 0) return c;
    return "";
}

// Modules of Debian kernel `version` to load, dependencies first, from modules.dep.
Result<std::vector<std::string>> module_closure(const std::string& version) {
    std::string dir = "/lib/modules/" + version;
    std::string dep = STRATA_TRY(with_context(sys::read_file(dir + "/modules.dep"), "modules of kernel " + version));
    std::map<std::string, std::vector<std::string>> deps;  // "kernel/fs/erofs/erofs.ko" -> its deps
    std::map<std::string, std::string> by_name;             // "erofs" -> path
    for (const auto& line : split_nonempty(dep, '\n')) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string path = line.substr(0, colon);
        deps[path] = split_nonempty(line.substr(colon + 1), ' ');
        std::string name = sys::basename(path);
        name = name.substr(0, name.find(".ko"));
        std::replace(name.begin(), name.end(), '-', '_');
        by_name[name] = path;
    }
    std::vector<std::string> order;
    std::set<std::string> seen;
    std::function<void(const std::string&)> visit = [&](const std::string& path) {
        if (!seen.insert(path).second) return;
        for (const auto& d : deps[path]) visit(d);
        order.push_back(dir + "/" + path);
    };
    for (const char* name : kNeededModules) {
        auto it = by_name.find(name);
        if (it != by_name.end()) visit(it->second);  // absent = built in
    }
    return order;
}

}  // namespace

std::string_view kernel_kind_name(KernelKind k) {
    switch (k) {
        case KernelKind::strata: return "strata";
        case KernelKind::debian: return "debian";
        case KernelKind::custom: return "custom";
    }
    return "custom";
}

std::string strata_kernel_dir() { return cache_dir("kernel") + "/" + std::string(STRATA_KERNEL_KEY).substr(0, 16); }

std::string kernel_fragment_path() {
    return first_existing({std::string(STRATA_SOURCE_DIR) + "/guest/kernel/config.fragment",
                           self_dir() + "/../share/strata/kernel/config.fragment",
                           "/usr/share/strata/kernel/config.fragment"});
}

std::string kernel_build_script() {
    return first_existing({std::string(STRATA_SOURCE_DIR) + "/guest/kernel/build.sh",
                           self_dir() + "/../share/strata/kernel/build.sh", "/usr/share/strata/kernel/build.sh"});
}

Result<Kernel> describe_kernel(const std::string& path, std::string origin) {
    if (::access(path.c_str(), R_OK) < 0) return os_error(errno, "guest kernel " + quote(path));
    Kernel k;
    k.path = path;
    k.origin = std::move(origin);
    k.kind = KernelKind::custom;
    std::string base = sys::basename(path);
    if (base.starts_with("vmlinuz-") && sys::exists("/lib/modules/" + base.substr(8) + "/modules.dep")) {
        k.kind = KernelKind::debian;
        k.version = base.substr(8);
        k.modules = STRATA_TRY(module_closure(k.version));
        k.acpi = true;
    }
    return k;
}

Result<Kernel> find_kernel(const std::string& override_path) {
    if (!override_path.empty()) return describe_kernel(override_path, "chosen by --vm-kernel or org.strata.vm.kernel");
    std::string own = strata_kernel_dir();
    if (sys::exists(own + "/vmlinux")) {
        Kernel k;
        k.path = own + "/vmlinux";
        k.kind = KernelKind::strata;
        auto v = sys::read_file(own + "/version");
        k.version = v ? std::string(trim(*v)) : "";
        k.origin = "strata's minimal kernel (built by `strata vm kernel build`)";
        return k;
    }
    // Newest Debian cloud kernel in /boot.
    std::vector<std::string> found;
    if (DIR* d = ::opendir("/boot")) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.starts_with("vmlinuz-") && n.ends_with("-cloud-amd64")) found.push_back(n);
        }
        ::closedir(d);
    }
    if (found.empty())
        return error("no guest kernel: run `strata vm kernel build` (needs linux-source-6.1), or install "
                     "linux-image-cloud-amd64 for the prebuilt fallback, or pass --vm-kernel");
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        return ::strverscmp(a.c_str(), b.c_str()) < 0;
    });
    return describe_kernel("/boot/" + found.back(),
                           "Debian's linux-image-cloud-amd64: the fallback until `strata vm kernel build` has run");
}

Result<std::string> find_agent() {
    std::string dir = self_dir();
    std::string a = first_existing({dir + "/strata-agent", dir + "/../lib/strata/strata-agent", "/usr/lib/strata/strata-agent"});
    if (a.empty()) return error("the guest agent strata-agent is missing (looked next to " + dir + "/strata and in lib/strata)");
    return a;
}

}  // namespace strata::vm
