// Semantic validation of a parsed Spec: the checks that span fields or need tables of names.

#include <sys/resource.h>

#include <set>

#include "base/strings.h"
#include "spec/parse.h"
#include "spec/tables.h"

namespace strata::spec {
namespace {

struct Checker {
    const std::string& file;
    std::unexpected<Error> fail(const std::string& path, const std::string& what) const {
        return std::unexpected(Error{0, file + ": " + path + ": " + what});
    }
};

Result<> check_mappings(const Checker& c, const std::vector<IdMapping>& maps, const std::string& path) {
    for (size_t i = 0; i < maps.size(); ++i)
        if (maps[i].size == 0) return c.fail(path + "[" + std::to_string(i) + "].size", "must be greater than zero");
    return {};
}

// A name strata does not know would otherwise fail only at start, leaving a stopped container
// behind (runc warns and drops it, which silently changes what the process may do).
Result<> check_capabilities(const Checker& c, const Capabilities& caps) {
    const std::pair<const char*, const std::vector<std::string>*> sets[] = {
        {"bounding", &caps.bounding}, {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
        {"permitted", &caps.permitted}, {"ambient", &caps.ambient}};
    for (const auto& [set, names] : sets)
        for (size_t i = 0; i < names->size(); ++i) {
            const std::string& name = (*names)[i];
            if (capability_number(name)) continue;
            std::string upper = name;
            for (auto& ch : upper) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
            std::string hint = capability_number(upper) ? " (capability names are upper case: " + quote(upper) + ")" : "";
            return c.fail(".process.capabilities." + std::string(set) + "[" + std::to_string(i) + "]",
                          "unknown capability " + quote(name) + hint);
        }
    return {};
}

Result<> check_process(const Checker& c, const Process& p) {
    if (p.args.empty()) return c.fail(".process.args", "must be a non-empty array");
    if (p.cwd.empty() || p.cwd[0] != '/') return c.fail(".process.cwd", "must be an absolute path, not " + quote(p.cwd));
    for (size_t i = 0; i < p.env.size(); ++i)
        if (p.env[i].find('=') == std::string::npos)
            return c.fail(".process.env[" + std::to_string(i) + "]", "must be KEY=VALUE, not " + quote(p.env[i]));
    std::set<std::string> seen;
    for (size_t i = 0; i < p.rlimits.size(); ++i) {
        const auto& r = p.rlimits[i];
        std::string path = ".process.rlimits[" + std::to_string(i) + "]";
        if (!rlimit_resource(r.type)) return c.fail(path + ".type", "unknown rlimit " + quote(r.type));
        if (!seen.insert(r.type).second) return c.fail(path + ".type", "duplicate rlimit " + quote(r.type));
        if (r.soft > r.hard) return c.fail(path, "soft limit " + std::to_string(r.soft) + " exceeds hard limit " + std::to_string(r.hard));
    }
    if (p.oom_score_adj && (*p.oom_score_adj < -1000 || *p.oom_score_adj > 1000))
        return c.fail(".process.oomScoreAdj", "must be between -1000 and 1000");
    // umask: the kernel keeps the permission bits of any value (runc passes it as it is).
    if (p.scheduler && !scheduler_policy(p.scheduler->policy))
        return c.fail(".process.scheduler.policy", "unknown policy " + quote(p.scheduler->policy));
    if (p.io_priority && !io_priority_class(p.io_priority->io_class))
        return c.fail(".process.ioPriority.class", "unknown class " + quote(p.io_priority->io_class));
    if (p.io_priority && (p.io_priority->priority < 0 || p.io_priority->priority > 7))
        return c.fail(".process.ioPriority.priority", "must be between 0 and 7");
    if (p.capabilities) STRATA_TRY(check_capabilities(c, *p.capabilities));
    return {};
}

Result<> check_hooks(const Checker& c, const std::vector<Hook>& hooks, const std::string& name) {
    for (size_t i = 0; i < hooks.size(); ++i)
        if (!hooks[i].path.starts_with('/'))
            return c.fail(".hooks." + name + "[" + std::to_string(i) + "].path", "must be an absolute path, not " + quote(hooks[i].path));
    return {};
}

Result<> check_linux(const Checker& c, const Spec& s, const Linux& l) {
    std::set<std::string> types;
    for (size_t i = 0; i < l.namespaces.size(); ++i) {
        const auto& ns = l.namespaces[i];
        std::string path = ".linux.namespaces[" + std::to_string(i) + "]";
        if (!namespace_clone_flag(ns.type)) return c.fail(path + ".type", "unknown namespace type " + quote(ns.type));
        if (!types.insert(ns.type).second) return c.fail(path + ".type", "duplicate namespace " + quote(ns.type));
        if (!ns.path.empty() && !ns.path.starts_with('/'))
            return c.fail(path + ".path", "must be an absolute path, not " + quote(ns.path));
    }
    const Namespace* user = s.find_namespace("user");
    bool new_user = user && user->path.empty();
    if (new_user && (l.uid_mappings.empty() || l.gid_mappings.empty()))
        return c.fail(".linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
    if (!user && (!l.uid_mappings.empty() || !l.gid_mappings.empty()))
        return c.fail(".linux.uidMappings", "mappings given without a user namespace");
    STRATA_TRY(check_mappings(c, l.uid_mappings, ".linux.uidMappings"));
    STRATA_TRY(check_mappings(c, l.gid_mappings, ".linux.gidMappings"));
    if (!l.time_offsets.empty()) {
        const Namespace* t = s.find_namespace("time");
        if (!t || !t->path.empty()) return c.fail(".linux.timeOffsets", "needs a new time namespace");
        for (const auto& [clock, off] : l.time_offsets) {
            if (clock != "monotonic" && clock != "boottime")
                return c.fail(".linux.timeOffsets." + clock, "unknown clock (monotonic or boottime)");
            if (off.nanosecs >= 1000000000U) return c.fail(".linux.timeOffsets." + clock + ".nanosecs", "must be below 1e9");
        }
    }
    for (size_t i = 0; i < l.devices.size(); ++i) {
        const auto& d = l.devices[i];
        std::string path = ".linux.devices[" + std::to_string(i) + "]";
        if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
            return c.fail(path + ".type", "must be one of c, b, u, p, not " + quote(d.type));
        if (!d.path.starts_with('/')) return c.fail(path + ".path", "must be an absolute path, not " + quote(d.path));
        if (d.major < 0 || d.minor < 0) return c.fail(path, "major and minor must not be negative");
    }
    static const std::set<std::string> kPropagation = {"", "private", "rprivate", "slave", "rslave",
                                                       "shared", "rshared", "unbindable", "runbindable"};
    if (!kPropagation.count(l.rootfs_propagation))
        return c.fail(".linux.rootfsPropagation", "unknown propagation " + quote(l.rootfs_propagation));
    // maskedPaths and readonlyPaths are resolved inside the rootfs, a relative one from its root
    // (as runc, which applies them from "/" after pivot_root).
    if (l.resources) {
        for (size_t i = 0; i < l.resources->devices.size(); ++i) {
            const auto& d = l.resources->devices[i];
            std::string path = ".linux.resources.devices[" + std::to_string(i) + "]";
            if (!d.type.empty() && d.type != "a" && d.type != "c" && d.type != "b")
                return c.fail(path + ".type", "must be one of a, c, b, not " + quote(d.type));
            if (d.access.find_first_not_of("rwm") != std::string::npos)
                return c.fail(path + ".access", "must be made of r, w, m, not " + quote(d.access));
        }
    }
    if (l.memory_policy) {
        const auto& m = *l.memory_policy;
        if (!mempolicy_mode(m.mode)) return c.fail(".linux.memoryPolicy.mode", "unknown mode " + quote(m.mode));
        for (size_t i = 0; i < m.flags.size(); ++i)
            if (!mempolicy_flag(m.flags[i]))
                return c.fail(".linux.memoryPolicy.flags[" + std::to_string(i) + "]", "unknown flag " + quote(m.flags[i]));
        if (!parse_node_list(m.nodes))
            return c.fail(".linux.memoryPolicy.nodes", "must be a list of nodes and ranges (\"0-3,7\"), not " + quote(m.nodes));
    }
    if (!l.net_devices.empty()) {
        const Namespace* net = s.find_namespace("network");
        if (!net || !net->path.empty())
            return c.fail(".linux.netDevices", "moving a network device needs a new network namespace");
        for (const auto& [host, dev] : l.net_devices) {
            const std::string& name = dev.name.empty() ? host : dev.name;
            for (const std::string* n : {&host, &name})
                if (n->empty() || n->size() > 15 || n->find_first_of("/: \t\n") != std::string::npos || *n == "." || *n == "..")
                    return c.fail(".linux.netDevices[" + quote(host) + "]", "not a valid interface name: " + quote(*n));
        }
    }
    if (l.personality && l.personality->domain != "LINUX" && l.personality->domain != "LINUX32")
        return c.fail(".linux.personality.domain", "must be LINUX or LINUX32, not " + quote(l.personality->domain));
    return {};
}

}  // namespace

Result<> validate(const Spec& s, const std::string& file) {
    Checker c{file};
    if (!s.oci_version.starts_with("1."))
        return c.fail(".ociVersion", "unsupported version " + quote(s.oci_version) + " (strata supports 1.x)");
    if (s.process) STRATA_TRY(check_process(c, *s.process));
    for (size_t i = 0; i < s.mounts.size(); ++i) {
        const auto& m = s.mounts[i];
        std::string path = ".mounts[" + std::to_string(i) + "]";
        STRATA_TRY(check_mappings(c, m.uid_mappings, path + ".uidMappings"));
        STRATA_TRY(check_mappings(c, m.gid_mappings, path + ".gidMappings"));
    }
    STRATA_TRY(check_hooks(c, s.hooks.prestart, "prestart"));
    STRATA_TRY(check_hooks(c, s.hooks.create_runtime, "createRuntime"));
    STRATA_TRY(check_hooks(c, s.hooks.create_container, "createContainer"));
    STRATA_TRY(check_hooks(c, s.hooks.start_container, "startContainer"));
    STRATA_TRY(check_hooks(c, s.hooks.poststart, "poststart"));
    STRATA_TRY(check_hooks(c, s.hooks.poststop, "poststop"));
    if (s.linux) STRATA_TRY(check_linux(c, s, *s.linux));
    // Set in the container's uts namespace, new or joined by path (as runc); without one it
    // would be the host's name.
    if (!s.hostname.empty() && !s.find_namespace("uts"))
        return c.fail(".hostname", "setting a hostname needs a uts namespace");
    if (!s.domainname.empty() && !s.find_namespace("uts"))
        return c.fail(".domainname", "setting a domainname needs a uts namespace");
    return {};
}

const Namespace* Spec::find_namespace(const std::string& type) const {
    if (!linux) return nullptr;
    for (const auto& ns : linux->namespaces)
        if (ns.type == type) return &ns;
    return nullptr;
}

std::string Spec::annotation(const std::string& key, const std::string& fallback) const {
    auto it = annotations.find(key);
    return it == annotations.end() ? fallback : it->second;
}

}  // namespace strata::spec
