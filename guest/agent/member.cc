#include "agent/member.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/share.h"
#include "base/strings.h"
#include "spec/tables.h"
#include "sys/file.h"

namespace strata::agent {
namespace {

constexpr const char* kMembersDir = "/run/strata/members";

struct NsPlan {
    uint64_t flags = CLONE_NEWNS;  // always: its root and mounts are its own
    bool new_uts = false, own_pid = false;
    UniqueFd join_pid;
    std::vector<std::pair<UniqueFd, int>> joins;  // the pod's namespaces (fd, CLONE_NEW*) but pid
};

// config.json's namespaces in the pod VM: a path (the engine's, naming the sandbox) joins the
// pod workload's namespace of that type; none makes a new one.
Result<NsPlan> plan_namespaces(const spec::Spec& spec, pid_t pod, std::vector<std::string>& warnings) {
    NsPlan p;
    if (!spec.linux) return p;
    for (const auto& n : spec.linux->namespaces) {
        if (n.type == "network" || n.type == "mount") continue;  // the guest's network; always its own mounts
        auto flag = spec::namespace_clone_flag(n.type);
        if (!flag || *flag == CLONE_NEWUSER || *flag == CLONE_NEWTIME) {
            warnings.push_back("the " + n.type + " namespace is not created inside the VM (the VM is the boundary)");
            continue;
        }
        int type = *flag;
        std::string proc_name(spec::namespace_proc_name(type));
        if (n.path.empty()) {
            p.flags |= static_cast<uint64_t>(type);
            if (type == CLONE_NEWUTS) p.new_uts = true;
            if (type == CLONE_NEWPID) p.own_pid = true;
            continue;
        }
        std::string path = "/proc/" + std::to_string(pod) + "/ns/" + proc_name;
        UniqueFd fd = STRATA_TRY(with_context(sys::open(path, O_RDONLY | O_CLOEXEC),
                                              "the pod's " + proc_name + " namespace (config.json: " + quote(n.path) + ")"));
        if (type == CLONE_NEWPID) p.join_pid = std::move(fd);
        else p.joins.emplace_back(std::move(fd), type);
    }
    return p;
}

}  // namespace

Result<std::unique_ptr<Member>> start_member(const Workload& pod, const vm::agent::MemberRequest& req,
                                             std::vector<std::string>& warnings) {
    if (!vm::agent::plain_name(req.name)) return os_error(EINVAL, "pod container: bad name " + quote(req.name));
    if (pod.pid <= 0) return os_error(ESRCH, "pod container " + req.name + ": the pod's workload is not running");
    auto m = std::make_unique<Member>();
    m->name = req.name;
    m->guest = std::make_unique<vm::agent::GuestSpec>(STRATA_TRY(vm::agent::decode_spec(req.spec)));
    const spec::Spec& spec = m->guest->spec;
    auto made = [&]() -> Result<> {
        STRATA_TRY(mount_share_device());
        NsPlan ns = STRATA_TRY(plan_namespaces(spec, pod.pid, warnings));
        m->cgroup_dir = std::string(kRootCgroup) + "/" + req.name;
        // Always one of its own: its stats are its own, and its end kills what it left there.
        UniqueFd cgroup = STRATA_TRY(make_workload_cgroup(spec, warnings, m->cgroup_dir, true));
        m->root_dir = std::string(kMembersDir) + "/" + req.name;
        ChildContext ctx;
        ctx.guest = m->guest.get();
        ctx.wait_for_go = false;  // the host sends it when `start` came: it execs at once
        ctx.new_uts = ns.new_uts;
        ctx.root = m->root_dir;
        ctx.root_source = vm::agent::guest_member_share_dir(req.name) + "/" + vm::agent::kMemberRootfsEntry;
        for (const auto& [fd, type] : ns.joins) ctx.joins.emplace_back(fd.get(), type);
        m->w = STRATA_TRY(clone_workload(std::move(ctx), ns.flags, std::move(cgroup), ns.join_pid ? ns.join_pid.get() : -1, ns.own_pid));
        m->w.cgroup_path = m->cgroup_dir;
        return start_workload(m->w);
    }();
    if (!made) {
        remove_member(*m);
        return std::unexpected(Error{made.error().code, "pod container " + req.name + ": " + made.error().context});
    }
    return m;
}

void remove_member(const Member& m) {
    // A container in the pod's pid namespace leaves its other processes behind when its first one
    // exits; they go with it, as runc kills what is left in a container's cgroup. (One with a pid
    // namespace of its own has none left.) The directory goes once they are gone: if still busy,
    // it stays, and a container of the same name reuses it.
    if (!m.cgroup_dir.empty()) {
        (void)sys::write_file(m.cgroup_dir + "/cgroup.kill", "1");
        ::rmdir(m.cgroup_dir.c_str());
    }
    if (!m.root_dir.empty()) ::rmdir(m.root_dir.c_str());
}

}  // namespace strata::agent
