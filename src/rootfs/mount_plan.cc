#include "rootfs/mount_plan.h"

#include <sys/mount.h>

#include <string_view>

#include "base/log.h"
#include "base/strings.h"
#include "sys/file.h"

namespace strata::rootfs {
namespace {

struct AttrOption {
    std::string_view name;
    unsigned attr;
    bool clear;  // "rw" clears RDONLY, "suid" clears NOSUID...
};

// Per-mount attributes that mount_setattr can set or clear.
constexpr AttrOption kAttrs[] = {
    {"ro", MOUNT_ATTR_RDONLY, false},          {"rw", MOUNT_ATTR_RDONLY, true},
    {"nosuid", MOUNT_ATTR_NOSUID, false},      {"suid", MOUNT_ATTR_NOSUID, true},
    {"nodev", MOUNT_ATTR_NODEV, false},        {"dev", MOUNT_ATTR_NODEV, true},
    {"noexec", MOUNT_ATTR_NOEXEC, false},      {"exec", MOUNT_ATTR_NOEXEC, true},
    {"nodiratime", MOUNT_ATTR_NODIRATIME, false}, {"diratime", MOUNT_ATTR_NODIRATIME, true},
    {"nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false}, {"symfollow", MOUNT_ATTR_NOSYMFOLLOW, true},
};

// atime modes are one field: setting one clears the others.
struct AtimeOption {
    std::string_view name;
    unsigned mode;  // MOUNT_ATTR_RELATIME / NOATIME / STRICTATIME
};
constexpr AtimeOption kAtime[] = {
    {"relatime", MOUNT_ATTR_RELATIME},   {"norelatime", MOUNT_ATTR_STRICTATIME},
    {"noatime", MOUNT_ATTR_NOATIME},     {"atime", MOUNT_ATTR_RELATIME},
    {"strictatime", MOUNT_ATTR_STRICTATIME}, {"nostrictatime", MOUNT_ATTR_RELATIME},
};

struct PropOption {
    std::string_view name;
    unsigned long flag;
    bool recursive;
};
constexpr PropOption kPropagation[] = {
    {"private", MS_PRIVATE, false},       {"rprivate", MS_PRIVATE, true},
    {"shared", MS_SHARED, false},         {"rshared", MS_SHARED, true},
    {"slave", MS_SLAVE, false},           {"rslave", MS_SLAVE, true},
    {"unbindable", MS_UNBINDABLE, false}, {"runbindable", MS_UNBINDABLE, true},
};

// Superblock flags the VFS parses in fsconfig (they are not per-mount attributes).
constexpr std::string_view kSuperblockFlags[] = {"sync", "async", "dirsync", "lazytime",
                                                 "nolazytime", "mand", "nomand"};

bool apply_attr(std::string_view opt, unsigned& set, unsigned& clear) {
    for (const auto& a : kAttrs) {
        if (a.name != opt) continue;
        if (a.clear) {
            clear |= a.attr;
            set &= ~a.attr;
        } else {
            set |= a.attr;
            clear &= ~a.attr;
        }
        return true;
    }
    for (const auto& a : kAtime) {
        if (a.name != opt) continue;
        set = (set & ~MOUNT_ATTR__ATIME) | a.mode;
        clear |= MOUNT_ATTR__ATIME;
        return true;
    }
    return false;
}

}  // namespace

const std::vector<std::string>& known_mount_options() {
    static const std::vector<std::string> kAll = [] {
        std::vector<std::string> v;
        for (const auto& a : kAttrs) {
            v.emplace_back(a.name);
            v.emplace_back("r" + std::string(a.name));
        }
        for (const auto& a : kAtime) {
            v.emplace_back(a.name);
            v.emplace_back("r" + std::string(a.name));
        }
        for (const auto& p : kPropagation) v.emplace_back(p.name);
        for (auto s : kSuperblockFlags) v.emplace_back(s);
        for (auto s : {"bind", "rbind", "defaults", "tmpcopyup", "idmap", "ridmap"}) v.emplace_back(s);
        return v;
    }();
    return kAll;
}

Result<MountOp> plan_mount(const spec::Mount& m, const std::string& bundle, size_t index) {
    MountOp op;
    std::string where = "config.json: .mounts[" + std::to_string(index) + "]";
    op.destination = sys::clean_path("/" + m.destination);
    op.fstype = m.type;
    op.uid_mappings = m.uid_mappings;
    op.gid_mappings = m.gid_mappings;
    bool bind = (m.type == "bind");
    for (const auto& raw : m.options) {
        std::string_view opt = raw;
        if (opt == "bind") {
            bind = true;
        } else if (opt == "rbind") {
            bind = true;
            op.recursive = true;
        } else if (opt == "defaults" || opt.starts_with("X-")) {
            // "defaults" means nothing beyond the defaults; X-* are userspace hints (fstab).
        } else if (opt == "tmpcopyup") {
            op.tmpcopyup = true;
        } else if (opt == "idmap" || opt == "ridmap") {
            op.idmap = true;
            op.idmap_recursive = (opt == "ridmap");
        } else if (apply_attr(opt, op.attr_set, op.attr_clear)) {
        } else if (opt.size() > 1 && opt[0] == 'r' && apply_attr(opt.substr(1), op.rec_attr_set, op.rec_attr_clear)) {
            // rro, rnosuid, ...: applied with mount_setattr(AT_RECURSIVE) to the whole subtree.
        } else {
            bool matched = false;
            for (const auto& p : kPropagation) {
                if (p.name != opt) continue;
                op.propagation = p.flag;
                op.propagation_recursive = p.recursive;
                matched = true;
            }
            if (!matched) op.fs_options.emplace_back(opt);
        }
    }
    if (m.type == "cgroup" || m.type == "cgroup2") {
        op.kind = MountOp::Kind::cgroup;
        return op;
    }
    if (bind) {
        op.kind = MountOp::Kind::bind;
        if (m.source.empty()) return error(where + ".source: a bind mount needs a source");
        op.source = m.source.starts_with('/') ? sys::clean_path(m.source) : sys::path_join(bundle, m.source);
        // A bind takes no filesystem data: runc and crun ignore such options ("mode=755",
        // "size=64k", ...), and so does strata, saying so with --debug.
        for (const auto& o : op.fs_options)
            if (o != "sync" && o != "async")
                log::debug(where + ".options: " + quote(o) + " does not apply to a bind mount; ignored");
        op.fs_options.clear();
        return op;
    }
    if (op.idmap) return error(where + ".options: idmap is only valid for bind mounts");
    if (m.type.empty()) return error(where + ".type: needed for a mount that is not a bind mount");
    op.kind = MountOp::Kind::filesystem;
    op.source = m.source.empty() ? m.type : m.source;
    return op;
}

Result<std::vector<MountOp>> plan_mounts(const spec::Spec& spec, const std::string& bundle) {
    std::vector<MountOp> ops;
    ops.reserve(spec.mounts.size());
    for (size_t i = 0; i < spec.mounts.size(); ++i) ops.push_back(STRATA_TRY(plan_mount(spec.mounts[i], bundle, i)));
    return ops;
}

}  // namespace strata::rootfs
