#include "ns/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"
#include "spec/tables.h"
#include "sys/file.h"
#include "sys/ns.h"

namespace strata::ns {

bool Plan::two_stage() const {
    bool joins_other = false;
    for (const auto& j : joins) joins_other = joins_other || j.type != CLONE_NEWPID;
    if (creates(CLONE_NEWUSER) && joins_other) return true;
    // Joining a user namespace and creating a pid namespace: the new pid namespace must be
    // created after the join so that it belongs to the joined user namespace.
    return joined(CLONE_NEWUSER) && creates(CLONE_NEWPID);
}

const Join* Plan::joined(int flag) const {
    for (const auto& j : joins)
        if (j.type == flag) return &j;
    return nullptr;
}

Result<Plan> plan(const spec::Spec& spec) {
    Plan p;
    if (!spec.linux) return p;
    for (const auto& type : spec::namespace_types()) {  // user first
        const spec::Namespace* n = spec.find_namespace(type);
        if (!n) continue;
        int flag = *spec::namespace_clone_flag(type);
        if (n->path.empty()) {
            p.create |= flag;
            continue;
        }
        Join j;
        j.type = flag;
        j.path = n->path;
        j.fd = STRATA_TRY(with_context(sys::open(n->path, O_RDONLY), type + " namespace"));
        int actual = STRATA_TRY(sys::namespace_type(j.fd.get(), quote(n->path)));
        if (actual != flag)
            return error(type + " namespace " + quote(n->path) + " is a " +
                         std::string(spec::namespace_proc_name(actual)) + " namespace");
        p.joins.push_back(std::move(j));
    }
    return p;
}

int clone_flags(const Plan& p) { return p.create & ~(CLONE_NEWCGROUP | CLONE_NEWTIME); }

Result<> join(const Plan& p, int types) {
    for (const auto& j : p.joins) {
        if (!(j.type & types)) continue;
        STRATA_TRY(sys::setns(j.fd.get(), j.type,
                              std::string(spec::namespace_proc_name(j.type)) + " namespace " + quote(j.path)));
    }
    return {};
}

std::string format_id_map(const std::vector<spec::IdMapping>& maps) {
    std::string out;
    for (const auto& m : maps)
        out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
               std::to_string(m.size) + "\n";
    return out;
}

Result<> write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids) {
    std::string base = "/proc/" + std::to_string(pid) + "/";
    // The whole map in one write(2): the kernel accepts a map file exactly once.
    STRATA_TRY(with_context(sys::write_file(base + "uid_map", format_id_map(uids)), "uid mappings"));
    STRATA_TRY(with_context(sys::write_file(base + "gid_map", format_id_map(gids)), "gid mappings"));
    return {};
}

Result<> prepare_time_namespace(const std::map<std::string, spec::TimeOffset>& offsets) {
    STRATA_TRY(with_context(sys::unshare(CLONE_NEWTIME), "time namespace"));
    if (offsets.empty()) return {};
    std::string text;
    for (const auto& [clock, off] : offsets)
        text += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    return with_context(sys::write_file("/proc/self/timens_offsets", text), "time offsets");
}

Result<> loopback_up() {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return os_error(errno, "socket for lo");
    UniqueFd sock(s);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return os_error(errno, "get flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return os_error(errno, "bring up lo");
    return {};
}

}  // namespace strata::ns
