#pragma once
// The part of config.json the guest agent acts on, in the agent protocol's binary encoding. The
// host has parsed and validated config.json already; the agent decodes a few hundred bytes with
// a few hundred instructions instead of running a JSON parser, which under software emulation
// costs ~15 ms per boot (every code path runs once, so it is translated once: code size is time).
//
// Carried: root.readonly, mounts (planned on the host: see GuestMount), process (args, env, cwd,
// user, capabilities as bit sets, rlimits, noNewPrivileges, oomScoreAdj), hostname, domainname,
// linux (namespaces, devices, sysctl, maskedPaths, readonlyPaths, resources: memory, cpu, pids,
// blockIO weight), linux.seccomp as the host compiled it, and the startContainer hooks (which
// run in the container's namespaces: in the guest) with their state JSON. Not carried: the
// other hooks (run on the host), id mappings, personality (the host warns).

#include <linux/filter.h>

#include <cstdint>
#include <optional>
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
// A bind mount of a host path arrives as fstype "" with MS_BIND in `flags` and `source` its
// entry in the 9p share (kGuestShareDir/<index in config.json's mounts>): the agent binds that
// onto the destination, then remounts it with the other MS_* flags (MS_RDONLY for `ro`).
struct GuestMount {
    std::string destination;  // clean and absolute, inside the workload's root
    std::string fstype;       // "cgroup2" for a cgroup mount (the guest is cgroup v2); "" a bind
    std::string source;
    std::string data;         // the filesystem's options, comma-separated
    uint64_t flags = 0;       // MS_*
};

// The file share (vm/share/share.h): config.json's bind mounts, one virtio-9p device per VM
// with this mount tag, which the agent mounts at kGuestShareDir (outside the workload's root).
inline constexpr const char* kShareTag = "strata";
inline constexpr const char* kGuestShareDir = "/run/strata/share";
// Where the share holds config.json's mounts[index]: under kGuestShareDir, or under `dir` for a
// pod VM's further container (guest_member_share_dir).
std::string guest_share_entry(size_t index, const std::string& dir = kGuestShareDir);
// A pod VM's further container `name` has its entries under this directory of the share: its
// rootfs (kMemberRootfsEntry) and its bind mounts by index (vm/pod/member_share.h on the host).
std::string guest_member_share_dir(const std::string& name);
inline constexpr const char* kMemberRootfsEntry = "rootfs";
// Whether `name` can name such a container or a share entry: one path component.
bool plain_name(const std::string& name);
// A bind mount the guest replaces by a tmpfs of its own instead of sharing the host's: /dev/shm
// (shared memory between host and guest processes cannot work through a file share).
bool guest_tmpfs_bind(const rootfs::MountOp& op);
inline constexpr uint64_t kDefaultShmBytes = 64ull << 20;  // Podman's and Docker's default

// linux.seccomp compiled on the host with libseccomp (security/seccomp, with its cache), so
// that the static agent needs no libseccomp and a bad profile fails before any VM work. The
// agent loads it into the workload and into every exec'd process, last before exec.
struct GuestFilter {
    unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*; never NEW_LISTENER (the host refuses notify)
    std::vector<sock_filter> code;
};
inline constexpr uint32_t kMaxFilterInsns = 4096;  // BPF_MAXINSNS

// What the agent decodes: the spec (its `mounts`, `process.capabilities` and `linux.seccomp`
// left empty), the planned mounts, the capability sets resolved from their names on the host,
// and the compiled filter.
struct GuestSpec {
    spec::Spec spec;
    std::vector<GuestMount> mounts;
    security::CapSets caps;  // all empty when config.json has no process.capabilities
    std::optional<GuestFilter> seccomp;
    std::string hook_state;  // the state JSON the startContainer hooks (spec.hooks) get on stdin
};

// Plans `s`'s mounts and encodes. Bind mounts become binds from the share's entries (the host
// must stage them: vm/share/share.h), or a tmpfs of `shm_bytes` for guest_tmpfs_bind ones.
// `seccomp` is linux.seccomp as the host compiled it (none: no filter); `hook_state` the state
// JSON for s.hooks.startContainer.
// `share_dir`: where the share holds this spec's bind sources (guest_share_entry).
Result<std::string> encode_spec(const spec::Spec& s, uint64_t shm_bytes = kDefaultShmBytes,
                                const GuestFilter* seccomp = nullptr, const std::string& hook_state = "",
                                const std::string& share_dir = kGuestShareDir);
// Whether the encoded mounts need the share (a bind from it).
bool uses_share(const std::vector<GuestMount>& mounts);
Result<GuestSpec> decode_spec(std::string_view payload);

// An exec into the running workload (the exec_start frame): the process as `strata exec` built
// it (with process.terminal and consoleSize: the guest makes the pty), and --user as given when it names a user or group, which only the guest can resolve (in
// the container's /etc/passwd and /etc/group).
struct ExecRequest {
    uint32_t session = 0;
    spec::Process process;
    std::string user;  // "" (process.user holds the ids), or "name[:group]" / "uid[:gid]"
    std::string container;  // a pod VM's further container to exec into ("": the VM's workload)
};
Result<std::string> encode_exec(const ExecRequest& req);
// What the agent decodes: process.capabilities left empty, `caps` resolved on the host.
struct GuestExec {
    uint32_t session = 0;
    spec::Process process;
    std::string user;
    std::string container;
    security::CapSets caps;
};
Result<GuestExec> decode_exec(std::string_view payload);

// A pod VM's further container (the member_start frame, docs/design/kubernetes-cri.md "Micro-VM
// pods"): its name (the container's id), and its config as encode_spec encoded it with its bind
// sources under guest_member_share_dir(name). The agent runs it as a session of its own, like an
// exec'd process, in a mount namespace on its own root (the share's entry) and its own cgroup,
// joining the pod workload's namespaces where config.json gives a namespace path.
struct MemberRequest {
    uint32_t session = 0;
    std::string name;
    std::string spec;
};
std::string encode_member(const MemberRequest& req);
Result<MemberRequest> decode_member(std::string_view payload);

}  // namespace strata::vm::agent
