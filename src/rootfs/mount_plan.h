#pragma once
// The pure half of mounting: OCI mount entries -> MountOps (flags, attributes, fs options,
// propagation), with no syscalls, so it is unit-tested without root.

#include <string>
#include <vector>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::rootfs {

struct MountOp {
    enum class Kind { filesystem, bind, cgroup };
    Kind kind = Kind::filesystem;
    std::string destination;           // clean, absolute, inside the rootfs
    std::string fstype;                // filesystem: "tmpfs", "proc", ...
    std::string source;                // bind: absolute host path; filesystem: source string
    std::vector<std::string> fs_options;  // filesystem-specific "key=value" / "flag"
    unsigned attr_set = 0, attr_clear = 0;  // MOUNT_ATTR_* on the mount itself
    unsigned rec_attr_set = 0, rec_attr_clear = 0;  // r* options: recursively (rro, rnosuid...)
    unsigned long propagation = 0;     // MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE, 0 = keep
    bool propagation_recursive = false;
    bool recursive = false;            // rbind
    bool tmpcopyup = false;            // copy the directory's contents into the new tmpfs
    std::vector<spec::IdMapping> uid_mappings, gid_mappings;  // idmapped bind
    bool idmap = false, idmap_recursive = false;
};

// Translates one OCI mount; `bundle` anchors relative bind sources.
Result<MountOp> plan_mount(const spec::Mount& m, const std::string& bundle, size_t index);
Result<std::vector<MountOp>> plan_mounts(const spec::Spec& spec, const std::string& bundle);

// Mount option names strata understands (for `features`).
const std::vector<std::string>& known_mount_options();

}  // namespace strata::rootfs
