#include "spec/parse.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "base/strings.h"

namespace strata::spec {
namespace {

using json = nlohmann::json;

// A JSON value with the path that led to it, for error messages.
struct Node {
    const json& j;
    std::string path;  // ".process.args[0]"
    const std::string& file;

    std::unexpected<Error> fail(const std::string& what) const {
        return std::unexpected(Error{0, file + ": " + (path.empty() ? "." : path) + ": " + what});
    }
    bool has(const char* key) const {
        auto it = j.find(key);
        return it != j.end() && !it->is_null();
    }
    Node at(const char* key) const { return Node{j.at(key), path + "." + key, file}; }
};

const char* type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::string: return "a string";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_float: return "a fractional number";
        default: return "a number";
    }
}

Result<> read(const Node& n, std::string& out) {
    if (!n.j.is_string()) return n.fail(std::string("must be a string, not ") + type_name(n.j));
    out = n.j.get<std::string>();
    return {};
}

Result<> read(const Node& n, bool& out) {
    if (!n.j.is_boolean()) return n.fail(std::string("must be a boolean, not ") + type_name(n.j));
    out = n.j.get<bool>();
    return {};
}

template <class Int>
    requires std::is_integral_v<Int>
Result<> read(const Node& n, Int& out) {
    if (!n.j.is_number_integer())
        return n.fail(std::string("must be an integer, not ") + type_name(n.j));
    if (n.j.is_number_unsigned()) {
        uint64_t v = n.j.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<Int>::max()))
            return n.fail("value " + std::to_string(v) + " is out of range");
        out = static_cast<Int>(v);
        return {};
    }
    int64_t v = n.j.get<int64_t>();
    if constexpr (std::is_unsigned_v<Int>) {
        if (v < 0) return n.fail("must not be negative");
        if (static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))
            return n.fail("value " + std::to_string(v) + " is out of range");
    } else {
        if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max())
            return n.fail("value " + std::to_string(v) + " is out of range");
    }
    out = static_cast<Int>(v);
    return {};
}

template <class T>
Result<> read(const Node& n, std::vector<T>& out);
template <class T>
Result<> read(const Node& n, std::optional<T>& out);
template <class T>
Result<> read(const Node& n, std::map<std::string, T>& out);

// Reads obj.key into out if present (and not null); leaves out untouched otherwise.
template <class T>
Result<> opt(const Node& obj, const char* key, T& out) {
    if (!obj.has(key)) return {};
    return read(obj.at(key), out);
}

template <class T>
Result<> req(const Node& obj, const char* key, T& out) {
    if (!obj.has(key)) return Node{obj.j, obj.path + "." + key, obj.file}.fail("is required");
    return read(obj.at(key), out);
}

Result<> object(const Node& n) {
    if (!n.j.is_object()) return n.fail(std::string("must be an object, not ") + type_name(n.j));
    return {};
}

template <class T>
Result<> read(const Node& n, std::vector<T>& out) {
    if (!n.j.is_array()) return n.fail(std::string("must be an array, not ") + type_name(n.j));
    out.clear();
    out.reserve(n.j.size());
    for (size_t i = 0; i < n.j.size(); ++i) {
        T v{};
        STRATA_TRY(read(Node{n.j[i], n.path + "[" + std::to_string(i) + "]", n.file}, v));
        out.push_back(std::move(v));
    }
    return {};
}

template <class T>
Result<> read(const Node& n, std::optional<T>& out) {
    T v{};
    STRATA_TRY(read(n, v));
    out = std::move(v);
    return {};
}

template <class T>
Result<> read(const Node& n, std::map<std::string, T>& out) {
    STRATA_TRY(object(n));
    out.clear();
    for (auto it = n.j.begin(); it != n.j.end(); ++it) {
        T v{};
        STRATA_TRY(read(Node{it.value(), n.path + "." + it.key(), n.file}, v));
        out.emplace(it.key(), std::move(v));
    }
    return {};
}

Result<> read(const Node& n, IdMapping& m) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "containerID", m.container_id));
    STRATA_TRY(req(n, "hostID", m.host_id));
    STRATA_TRY(req(n, "size", m.size));
    return {};
}

Result<> read(const Node& n, Mount& m) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "destination", m.destination));
    if (m.destination.empty()) return n.at("destination").fail("must not be empty");
    STRATA_TRY(opt(n, "type", m.type));
    STRATA_TRY(opt(n, "source", m.source));
    STRATA_TRY(opt(n, "options", m.options));
    STRATA_TRY(opt(n, "uidMappings", m.uid_mappings));
    STRATA_TRY(opt(n, "gidMappings", m.gid_mappings));
    return {};
}

Result<> read(const Node& n, Root& r) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "path", r.path));
    if (r.path.empty()) return n.at("path").fail("must not be empty");
    STRATA_TRY(opt(n, "readonly", r.readonly));
    return {};
}

Result<> read(const Node& n, User& u) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "uid", u.uid));
    STRATA_TRY(opt(n, "gid", u.gid));
    STRATA_TRY(opt(n, "umask", u.umask));
    STRATA_TRY(opt(n, "additionalGids", u.additional_gids));
    return {};
}

Result<> read(const Node& n, Capabilities& c) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "bounding", c.bounding));
    STRATA_TRY(opt(n, "effective", c.effective));
    STRATA_TRY(opt(n, "inheritable", c.inheritable));
    STRATA_TRY(opt(n, "permitted", c.permitted));
    STRATA_TRY(opt(n, "ambient", c.ambient));
    return {};
}

Result<> read(const Node& n, Rlimit& r) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "type", r.type));
    STRATA_TRY(req(n, "soft", r.soft));
    STRATA_TRY(req(n, "hard", r.hard));
    return {};
}

Result<> read(const Node& n, Scheduler& s) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "policy", s.policy));
    STRATA_TRY(opt(n, "nice", s.nice));
    STRATA_TRY(opt(n, "priority", s.priority));
    STRATA_TRY(opt(n, "flags", s.flags));
    STRATA_TRY(opt(n, "runtime", s.runtime));
    STRATA_TRY(opt(n, "deadline", s.deadline));
    STRATA_TRY(opt(n, "period", s.period));
    return {};
}

Result<> read(const Node& n, IoPriority& p) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "class", p.io_class));
    STRATA_TRY(opt(n, "priority", p.priority));
    return {};
}

Result<> read(const Node& n, ConsoleSize& c) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "height", c.height));
    STRATA_TRY(req(n, "width", c.width));
    return {};
}

Result<> read(const Node& n, Process& p) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "terminal", p.terminal));
    STRATA_TRY(opt(n, "consoleSize", p.console_size));
    STRATA_TRY(opt(n, "user", p.user));
    STRATA_TRY(opt(n, "args", p.args));
    STRATA_TRY(opt(n, "env", p.env));
    STRATA_TRY(opt(n, "cwd", p.cwd));
    STRATA_TRY(opt(n, "capabilities", p.capabilities));
    STRATA_TRY(opt(n, "rlimits", p.rlimits));
    STRATA_TRY(opt(n, "noNewPrivileges", p.no_new_privileges));
    STRATA_TRY(opt(n, "apparmorProfile", p.apparmor_profile));
    STRATA_TRY(opt(n, "oomScoreAdj", p.oom_score_adj));
    STRATA_TRY(opt(n, "selinuxLabel", p.selinux_label));
    STRATA_TRY(opt(n, "scheduler", p.scheduler));
    STRATA_TRY(opt(n, "ioPriority", p.io_priority));
    return {};
}

Result<> read(const Node& n, Hook& h) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "path", h.path));
    STRATA_TRY(opt(n, "args", h.args));
    STRATA_TRY(opt(n, "env", h.env));
    STRATA_TRY(opt(n, "timeout", h.timeout));
    if (h.timeout && *h.timeout <= 0) return n.at("timeout").fail("must be greater than zero");
    return {};
}

Result<> read(const Node& n, Hooks& h) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "prestart", h.prestart));
    STRATA_TRY(opt(n, "createRuntime", h.create_runtime));
    STRATA_TRY(opt(n, "createContainer", h.create_container));
    STRATA_TRY(opt(n, "startContainer", h.start_container));
    STRATA_TRY(opt(n, "poststart", h.poststart));
    STRATA_TRY(opt(n, "poststop", h.poststop));
    return {};
}

Result<> read(const Node& n, Namespace& ns) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "type", ns.type));
    STRATA_TRY(opt(n, "path", ns.path));
    return {};
}

Result<> read(const Node& n, Device& d) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "type", d.type));
    STRATA_TRY(req(n, "path", d.path));
    STRATA_TRY(opt(n, "major", d.major));
    STRATA_TRY(opt(n, "minor", d.minor));
    STRATA_TRY(opt(n, "fileMode", d.file_mode));
    STRATA_TRY(opt(n, "uid", d.uid));
    STRATA_TRY(opt(n, "gid", d.gid));
    return {};
}

Result<> read(const Node& n, DeviceRule& d) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "allow", d.allow));
    STRATA_TRY(opt(n, "type", d.type));
    STRATA_TRY(opt(n, "major", d.major));
    STRATA_TRY(opt(n, "minor", d.minor));
    STRATA_TRY(opt(n, "access", d.access));
    return {};
}

Result<> read(const Node& n, Memory& m) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "limit", m.limit));
    STRATA_TRY(opt(n, "reservation", m.reservation));
    STRATA_TRY(opt(n, "swap", m.swap));
    STRATA_TRY(opt(n, "kernel", m.kernel));
    STRATA_TRY(opt(n, "kernelTCP", m.kernel_tcp));
    STRATA_TRY(opt(n, "swappiness", m.swappiness));
    STRATA_TRY(opt(n, "disableOOMKiller", m.disable_oom_killer));
    STRATA_TRY(opt(n, "useHierarchy", m.use_hierarchy));
    STRATA_TRY(opt(n, "checkBeforeUpdate", m.check_before_update));
    return {};
}

Result<> read(const Node& n, Cpu& c) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "shares", c.shares));
    STRATA_TRY(opt(n, "quota", c.quota));
    STRATA_TRY(opt(n, "burst", c.burst));
    STRATA_TRY(opt(n, "period", c.period));
    STRATA_TRY(opt(n, "realtimeRuntime", c.realtime_runtime));
    STRATA_TRY(opt(n, "realtimePeriod", c.realtime_period));
    STRATA_TRY(opt(n, "cpus", c.cpus));
    STRATA_TRY(opt(n, "mems", c.mems));
    STRATA_TRY(opt(n, "idle", c.idle));
    return {};
}

Result<> read(const Node& n, WeightDevice& d) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "major", d.major));
    STRATA_TRY(req(n, "minor", d.minor));
    STRATA_TRY(opt(n, "weight", d.weight));
    STRATA_TRY(opt(n, "leafWeight", d.leaf_weight));
    return {};
}

Result<> read(const Node& n, ThrottleDevice& d) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "major", d.major));
    STRATA_TRY(req(n, "minor", d.minor));
    STRATA_TRY(req(n, "rate", d.rate));
    return {};
}

Result<> read(const Node& n, BlockIo& b) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "weight", b.weight));
    STRATA_TRY(opt(n, "leafWeight", b.leaf_weight));
    STRATA_TRY(opt(n, "weightDevice", b.weight_device));
    STRATA_TRY(opt(n, "throttleReadBpsDevice", b.throttle_read_bps));
    STRATA_TRY(opt(n, "throttleWriteBpsDevice", b.throttle_write_bps));
    STRATA_TRY(opt(n, "throttleReadIOPSDevice", b.throttle_read_iops));
    STRATA_TRY(opt(n, "throttleWriteIOPSDevice", b.throttle_write_iops));
    return {};
}

Result<> read(const Node& n, HugepageLimit& h) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "pageSize", h.page_size));
    STRATA_TRY(req(n, "limit", h.limit));
    return {};
}

Result<> read(const Node& n, NetworkPriority& p) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "name", p.name));
    STRATA_TRY(req(n, "priority", p.priority));
    return {};
}

Result<> read(const Node& n, Network& net) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "classID", net.class_id));
    STRATA_TRY(opt(n, "priorities", net.priorities));
    return {};
}

Result<> read(const Node& n, Resources& r) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "devices", r.devices));
    STRATA_TRY(opt(n, "memory", r.memory));
    STRATA_TRY(opt(n, "cpu", r.cpu));
    if (n.has("pids")) {
        Node p = n.at("pids");
        STRATA_TRY(object(p));
        // runc treats 0 as "unlimited" too; keep the value and let cgroup/ interpret it.
        int64_t limit = 0;
        STRATA_TRY(req(p, "limit", limit));
        r.pids_limit = limit;
    }
    STRATA_TRY(opt(n, "blockIO", r.block_io));
    STRATA_TRY(opt(n, "hugepageLimits", r.hugepage_limits));
    STRATA_TRY(opt(n, "network", r.network));
    STRATA_TRY(opt(n, "unified", r.unified));
    return {};
}

Result<> read(const Node& n, SeccompArg& a) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "index", a.index));
    STRATA_TRY(req(n, "value", a.value));
    STRATA_TRY(opt(n, "valueTwo", a.value_two));
    STRATA_TRY(req(n, "op", a.op));
    return {};
}

Result<> read(const Node& n, SeccompSyscall& s) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "names", s.names));
    STRATA_TRY(req(n, "action", s.action));
    STRATA_TRY(opt(n, "errnoRet", s.errno_ret));
    STRATA_TRY(opt(n, "args", s.args));
    return {};
}

Result<> read(const Node& n, Seccomp& s) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "defaultAction", s.default_action));
    STRATA_TRY(opt(n, "defaultErrnoRet", s.default_errno_ret));
    STRATA_TRY(opt(n, "architectures", s.architectures));
    STRATA_TRY(opt(n, "flags", s.flags));
    STRATA_TRY(opt(n, "listenerPath", s.listener_path));
    STRATA_TRY(opt(n, "listenerMetadata", s.listener_metadata));
    STRATA_TRY(opt(n, "syscalls", s.syscalls));
    return {};
}

Result<> read(const Node& n, TimeOffset& t) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "secs", t.secs));
    STRATA_TRY(opt(n, "nanosecs", t.nanosecs));
    return {};
}

Result<> read(const Node& n, Personality& p) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "domain", p.domain));
    STRATA_TRY(opt(n, "flags", p.flags));
    return {};
}

Result<> read(const Node& n, MemoryPolicy& m) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "mode", m.mode));
    STRATA_TRY(opt(n, "nodes", m.nodes));
    STRATA_TRY(opt(n, "flags", m.flags));
    return {};
}

Result<> read(const Node& n, NetDevice& d) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "name", d.name));
    return {};
}

Result<> read(const Node& n, Linux& l) {
    STRATA_TRY(object(n));
    STRATA_TRY(opt(n, "namespaces", l.namespaces));
    STRATA_TRY(opt(n, "uidMappings", l.uid_mappings));
    STRATA_TRY(opt(n, "gidMappings", l.gid_mappings));
    STRATA_TRY(opt(n, "timeOffsets", l.time_offsets));
    STRATA_TRY(opt(n, "devices", l.devices));
    STRATA_TRY(opt(n, "cgroupsPath", l.cgroups_path));
    STRATA_TRY(opt(n, "resources", l.resources));
    STRATA_TRY(opt(n, "rootfsPropagation", l.rootfs_propagation));
    STRATA_TRY(opt(n, "seccomp", l.seccomp));
    STRATA_TRY(opt(n, "sysctl", l.sysctl));
    STRATA_TRY(opt(n, "maskedPaths", l.masked_paths));
    STRATA_TRY(opt(n, "readonlyPaths", l.readonly_paths));
    STRATA_TRY(opt(n, "mountLabel", l.mount_label));
    STRATA_TRY(opt(n, "personality", l.personality));
    STRATA_TRY(opt(n, "memoryPolicy", l.memory_policy));
    STRATA_TRY(opt(n, "netDevices", l.net_devices));
    l.intel_rdt = n.has("intelRdt") && !n.at("intelRdt").j.is_null();
    return {};
}

Result<> read(const Node& n, Spec& s) {
    STRATA_TRY(object(n));
    STRATA_TRY(req(n, "ociVersion", s.oci_version));
    STRATA_TRY(req(n, "root", s.root));
    STRATA_TRY(opt(n, "mounts", s.mounts));
    STRATA_TRY(opt(n, "process", s.process));
    STRATA_TRY(opt(n, "hostname", s.hostname));
    STRATA_TRY(opt(n, "domainname", s.domainname));
    STRATA_TRY(opt(n, "hooks", s.hooks));
    STRATA_TRY(opt(n, "annotations", s.annotations));
    STRATA_TRY(opt(n, "linux", s.linux));
    return {};
}

Result<json> parse_json(std::string_view text, const std::string& file) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        // Parse again with exceptions only to get the position for the message.
        try {
            json again = json::parse(text);
            (void)again;
        } catch (const json::exception& e) {
            // Not only parse_error: a number too large for a double ("1e400") is out_of_range,
            // and letting it escape crashed strata (found by tests/fuzz).
            std::string what = e.what();
            // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> after "] "
            auto pos = what.find("] ");
            return error(file + ": invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
        }
        return error(file + ": invalid JSON");
    }
    return j;
}

template <class T>
Result<T> parse_as(std::string_view text, const std::string& file) {
    json j = STRATA_TRY(parse_json(text, file));
    T out{};
    STRATA_TRY(read(Node{j, "", file}, out));
    return out;
}

}  // namespace

Result<Spec> parse_config(std::string_view text, const std::string& file) {
    Spec s = STRATA_TRY(parse_as<Spec>(text, file));
    STRATA_TRY(validate(s, file));
    return s;
}

Result<Resources> parse_resources(std::string_view text, const std::string& file) {
    return parse_as<Resources>(text, file);
}

Result<Process> parse_process(std::string_view text, const std::string& file) {
    Process p = STRATA_TRY(parse_as<Process>(text, file));
    if (p.args.empty()) return error(file + ": .args: must be a non-empty array");
    if (!p.cwd.starts_with('/')) return error(file + ": .cwd: must be an absolute path");
    return p;
}

}  // namespace strata::spec
