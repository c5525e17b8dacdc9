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
// And for a VM with a file share (config.json's bind mounts: vm/share/share.h).
constexpr const char* kShareModules[] = {"9p", "9pnet_virtio"};

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
Result<std::vector<std::string>> module_closure(const std::string& version, bool share) {
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
    // Soft pre-dependencies (modprobe's): Debian's generic kernel has erofs -> libcrc32c, whose
    // init needs a "crc32c" crypto module that modules.dep does not name. An alias resolves to
    // its generic implementation where there is one (the accelerated ones may not fit the vCPU).
    std::map<std::string, std::vector<std::string>> soft;  // module path -> pre-dependency paths
    {
        std::map<std::string, std::vector<std::string>> alias;  // "crc32c" -> module names
        for (const auto& line : split_nonempty(sys::read_file(dir + "/modules.alias").value_or(""), '\n')) {
            auto f = split_nonempty(line, ' ');
            if (f.size() == 3 && f[0] == "alias") alias[f[1]].push_back(f[2]);
        }
        auto resolve = [&](std::string name) -> std::string {
            std::replace(name.begin(), name.end(), '-', '_');
            if (auto it = by_name.find(name); it != by_name.end()) return it->second;
            std::string a = name;
            std::replace(a.begin(), a.end(), '_', '-');
            auto c = alias.find(a);
            if (c == alias.end()) c = alias.find(name);
            if (c == alias.end()) return "";
            std::string pick = c->second.front();
            for (const auto& m : c->second)
                if (m.ends_with("_generic")) pick = m;
            auto it = by_name.find(pick);
            return it == by_name.end() ? "" : it->second;
        };
        for (const auto& line : split_nonempty(sys::read_file(dir + "/modules.softdep").value_or(""), '\n')) {
            auto f = split_nonempty(line, ' ');
            if (f.size() < 4 || f[0] != "softdep" || f[2] != "pre:") continue;
            auto owner = by_name.find(f[1]);
            if (owner == by_name.end()) continue;
            for (size_t i = 3; i < f.size() && f[i] != "post:"; ++i)
                if (std::string p = resolve(f[i]); !p.empty()) soft[owner->second].push_back(p);
        }
    }
    std::vector<std::string> order;
    std::set<std::string> seen;
    std::function<void(const std::string&)> visit = [&](const std::string& path) {
        if (!seen.insert(path).second) return;
        for (const auto& d : soft[path]) visit(d);
        for (const auto& d : deps[path]) visit(d);
        order.push_back(dir + "/" + path);
    };
    std::vector<const char*> names(std::begin(kNeededModules), std::end(kNeededModules));
    if (share) names.insert(names.end(), std::begin(kShareModules), std::end(kShareModules));
    for (const char* name : names) {
        auto it = by_name.find(name);
        if (it != by_name.end()) visit(it->second);  // absent = built in
    }
    return order;
}

// Whether Debian kernel `version` has 9p over virtio, as modules or built in. Debian's cloud
// kernel has neither (CONFIG_NET_9P is not set); its generic one has both as modules.
bool has_9p(const std::string& version) {
    std::string dir = "/lib/modules/" + version;
    std::string text = sys::read_file(dir + "/modules.dep").value_or("") + sys::read_file(dir + "/modules.builtin").value_or("");
    return text.find("kernel/fs/9p/9p.ko") != std::string::npos &&
           text.find("kernel/net/9p/9pnet_virtio.ko") != std::string::npos;
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

Result<Kernel> describe_kernel(const std::string& path, std::string origin, bool share) {
    if (::access(path.c_str(), R_OK) < 0) return os_error(errno, "guest kernel " + quote(path));
    Kernel k;
    k.path = path;
    k.origin = std::move(origin);
    k.kind = KernelKind::custom;
    std::string base = sys::basename(path);
    if (base.starts_with("vmlinuz-") && sys::exists("/lib/modules/" + base.substr(8) + "/modules.dep")) {
        k.kind = KernelKind::debian;
        k.version = base.substr(8);
        if (share && !has_9p(k.version))
            return error("guest kernel " + quote(path) + " has no 9p file system (CONFIG_9P_FS, CONFIG_NET_9P_VIRTIO), "
                         "which config.json's bind mounts need: install linux-image-amd64 or run `strata vm kernel build`");
        k.modules = STRATA_TRY(module_closure(k.version, share));
        k.acpi = true;
    }
    return k;
}

Result<Kernel> find_kernel(const std::string& override_path, bool share) {
    if (!override_path.empty()) return describe_kernel(override_path, "chosen by --vm-kernel or org.strata.vm.kernel", share);
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
    // Newest Debian cloud kernel in /boot. It has no 9p: a VM with a file share takes the
    // newest other Debian kernel that has it (linux-image-amd64), which boots slower.
    std::vector<std::string> found, with_9p;
    if (DIR* d = ::opendir("/boot")) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (!n.starts_with("vmlinuz-") || !sys::exists("/lib/modules/" + n.substr(8) + "/modules.dep")) continue;
            if (n.ends_with("-cloud-amd64")) found.push_back(n);
            if (share && has_9p(n.substr(8))) with_9p.push_back(n);
        }
        ::closedir(d);
    }
    auto newest = [](std::vector<std::string>& v) {
        std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
            // Cloud kernels first (faster to boot), then by version.
            bool ca = a.ends_with("-cloud-amd64"), cb = b.ends_with("-cloud-amd64");
            if (ca != cb) return cb;
            return ::strverscmp(a.c_str(), b.c_str()) < 0;
        });
        return v.back();
    };
    if (share && !with_9p.empty())
        return describe_kernel("/boot/" + newest(with_9p),
                               "Debian's linux-image-amd64 (the cloud kernel has no 9p, which the file share needs)", true);
    if (found.empty())
        return error("no guest kernel: run `strata vm kernel build` (needs linux-source-6.1), or install "
                     "linux-image-cloud-amd64 for the prebuilt fallback, or pass --vm-kernel");
    return describe_kernel("/boot/" + newest(found),
                           "Debian's linux-image-cloud-amd64: the fallback until `strata vm kernel build` has run", share);
}

Result<std::string> find_agent() {
    std::string dir = self_dir();
    std::string a = first_existing({dir + "/strata-agent", dir + "/../lib/strata/strata-agent", "/usr/lib/strata/strata-agent"});
    if (a.empty()) return error("the guest agent strata-agent is missing (looked next to " + dir + "/strata and in lib/strata)");
    return a;
}

}  // namespace strata::vm
