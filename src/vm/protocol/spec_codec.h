#pragma once
// The part of config.json the guest agent acts on, in the agent protocol's binary encoding. The
// host has parsed and validated config.json already; the agent decodes a few hundred bytes with
// a few hundred instructions instead of running a JSON parser, which under software emulation
// costs ~15 ms per boot (every code path runs once, so it is translated once: code size is time).
//
// Carried: root.readonly, mounts (planned on the host: see GuestMount), process (args, env, cwd,
// user, capabilities as bit sets, rlimits, noNewPrivileges, oomScoreAdj), hostname, domainname,
// linux (namespaces, devices, sysctl, maskedPaths, readonlyPaths, resources: memory, cpu, pids,
// blockIO weight). Not carried (the host warns): seccomp, hooks, id mappings, personality.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rootfs/mount_plan.h"
#include "security/caps.h"
#include "spec/spec.h"

namespace strata::vm::agent {

// A config.json mount as the guest makes it: the host planned it (rootfs::plan_mounts), so the
// agent runs mount(2) without parsing options, code it would otherwise translate on every boot.
struct GuestMount {
    std::string destination;  // clean and absolute, inside the workload's root
    std::string fstype;       // "cgroup2" for a cgroup mount (the guest is cgroup v2)
    std::string source;
    std::string data;         // the filesystem's options, comma-separated
    uint64_t flags = 0;       // MS_*
};

// What the agent decodes: the spec (its `mounts` and `process.capabilities` left empty), the
// planned mounts and the capability sets, resolved from their names on the host.
struct GuestSpec {
    spec::Spec spec;
    std::vector<GuestMount> mounts;
    security::CapSets caps;  // all empty when config.json has no process.capabilities
};

// Plans `s`'s mounts and encodes. A bind mount of a host path cannot be made in the guest: it
// is left out and, if `skipped` is given, added to it for the caller to report.
Result<std::string> encode_spec(const spec::Spec& s, std::vector<rootfs::MountOp>* skipped = nullptr);
Result<GuestSpec> decode_spec(std::string_view payload);

}  // namespace strata::vm::agent
