#include "image/run_spec.h"

#include <cstdlib>

#include "base/round.h"
#include "base/strings.h"
#include "spec/default_seccomp.h"
#include "spec/default_spec.h"
#include "sys/file.h"

namespace strata::image {

using json = nlohmann::json;

namespace {

// Strings of a JSON array; anything else (null, missing) is empty.
std::vector<std::string> strings(const json& j, const char* key) {
    std::vector<std::string> out;
    if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return out;
    for (const auto& v : j[key])
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

std::string string_of(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
    return j[key].get<std::string>();
}

std::string env_key(const std::string& e) { return e.substr(0, e.find('=')); }

// KEY=VALUE entries, later ones replacing earlier ones with the same key, first order kept.
void set_env(std::vector<std::string>& env, const std::string& entry) {
    std::string key = env_key(entry);
    for (auto& e : env)
        if (env_key(e) == key) {
            e = entry;
            return;
        }
    env.push_back(entry);
}

// One line of /etc/passwd or /etc/group split into fields, for the entry named or numbered `who`.
std::optional<std::vector<std::string>> find_entry(const std::string& file, const std::string& who) {
    for (const auto& line : split(file, '\n')) {
        auto f = split(line, ':');
        if (f.size() < 4) continue;
        if (f[0] == who || f[2] == who) return f;
    }
    return std::nullopt;
}

// Podman's default capability set: what images expect root to be able to do (chown files,
// bind low ports, setuid to service users) without the rest of root's powers.
const std::vector<std::string>& image_capabilities() {
    static const std::vector<std::string> caps = {
        "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",  "CAP_KILL",
        "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
        "CAP_SYS_CHROOT"};
    return caps;
}

Result<json> volume_mount(const std::string& v) {
    auto parts = split(v, ':');
    if (parts.size() < 2 || parts.size() > 3)
        return error("-v " + quote(v) + ": want HOST:CONTAINER[:ro|:rw]");
    const std::string& host = parts[0];
    const std::string& ctr = parts[1];
    std::string mode = parts.size() == 3 ? parts[2] : "rw";
    if (!host.starts_with('/')) return error("-v " + quote(v) + ": the host path must be absolute (named volumes are not supported)");
    if (!ctr.starts_with('/')) return error("-v " + quote(v) + ": the container path must be absolute");
    if (mode != "ro" && mode != "rw") return error("-v " + quote(v) + ": mode must be ro or rw");
    return json{{"destination", sys::clean_path(ctr)},
                {"type", "bind"},
                {"source", sys::clean_path(host)},
                {"options", {"rbind", "rprivate", mode}}};
}

}  // namespace

Result<UserIds> resolve_user(const std::string& spec, const std::string& passwd, const std::string& group) {
    UserIds ids;
    if (spec.empty()) return ids;
    std::string user = spec, grp;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
        user = spec.substr(0, colon);
        grp = spec.substr(colon + 1);
    }
    std::string user_name;
    if (auto n = parse_uint(user); n && *n <= UINT32_MAX) {
        ids.uid = static_cast<uint32_t>(*n);
        if (auto e = find_entry(passwd, user)) {
            ids.gid = static_cast<uint32_t>(parse_uint((*e)[3]).value_or(0));
            user_name = (*e)[0];
        }
    } else {
        auto e = find_entry(passwd, user);
        if (!e) return error("user " + quote(user) + ": no such user in the image's /etc/passwd");
        auto uid = parse_uint((*e)[2]);
        auto gid = parse_uint((*e)[3]);
        if (!uid || !gid) return error("user " + quote(user) + ": bad /etc/passwd entry");
        ids.uid = static_cast<uint32_t>(*uid);
        ids.gid = static_cast<uint32_t>(*gid);
        user_name = user;
    }
    if (!grp.empty()) {
        if (auto n = parse_uint(grp); n && *n <= UINT32_MAX) {
            ids.gid = static_cast<uint32_t>(*n);
        } else {
            auto e = find_entry(group, grp);
            if (!e) return error("group " + quote(grp) + ": no such group in the image's /etc/group");
            ids.gid = static_cast<uint32_t>(parse_uint((*e)[2]).value_or(0));
        }
    }
    // Supplementary groups: those that list the user as a member, as login(1) would set them.
    if (!user_name.empty())
        for (const auto& line : split(group, '\n')) {
            auto f = split(line, ':');
            if (f.size() < 4) continue;
            for (const auto& m : split(f[3], ','))
                if (m == user_name)
                    if (auto g = parse_uint(f[2]); g && *g != ids.gid) ids.additional_gids.push_back(static_cast<uint32_t>(*g));
        }
    return ids;
}

std::string effective_user(const json& image_config, const RunSpecOptions& opts) {
    return opts.user.empty() ? string_of(image_config, "User") : opts.user;
}

std::string effective_workdir(const json& image_config, const RunSpecOptions& opts) {
    std::string w = opts.workdir.empty() ? string_of(image_config, "WorkingDir") : opts.workdir;
    return w.empty() ? "/" : sys::clean_path("/" + w);
}

std::string hosts_file(const std::string& hostname) {
    return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + hostname + "\n";
}

std::string container_resolv_conf(const std::string& host_resolv_conf) {
    std::string out;
    for (const auto& line : split(host_resolv_conf, '\n')) {
        auto words = split_nonempty(line, ' ');
        bool loopback_server = words.size() >= 2 && words[0] == "nameserver" &&
                               (words[1].starts_with("127.") || words[1] == "::1");
        if (!loopback_server && !line.empty()) out += line + "\n";
    }
    return out;
}

Result<json> container_spec(const json& image_config, const RunSpecOptions& opts, const UserIds& user) {
    json spec = spec::default_spec({});
    json& proc = spec["process"];

    // Docker's rule: the entrypoint stays; a command given on the command line replaces Cmd.
    std::vector<std::string> args = strings(image_config, "Entrypoint");
    std::vector<std::string> cmd = opts.command.empty() ? strings(image_config, "Cmd") : opts.command;
    args.insert(args.end(), cmd.begin(), cmd.end());
    if (args.empty()) return error("the image has no Entrypoint or Cmd: give a command after the image name");
    proc["args"] = args;
    proc["terminal"] = opts.terminal;

    std::vector<std::string> env = proc["env"].get<std::vector<std::string>>();
    for (const auto& e : strings(image_config, "Env")) set_env(env, e);
    for (const auto& e : opts.env) {
        if (e.find('=') != std::string::npos) {
            set_env(env, e);
        } else if (const char* v = std::getenv(e.c_str())) {
            set_env(env, e + "=" + v);  // -e KEY passes the caller's value, as in Docker
        }
    }
    proc["env"] = env;
    proc["cwd"] = effective_workdir(image_config, opts);
    proc["user"] = {{"uid", user.uid}, {"gid", user.gid}};
    if (!user.additional_gids.empty()) proc["user"]["additionalGids"] = user.additional_gids;
    // A non-root user keeps them only in the bounding set (as in Docker and Podman): reachable
    // through a setuid binary of the image, not held by the process itself. No ambient set.
    json caps = image_capabilities();
    json held = user.uid == 0 ? caps : json::array();
    proc["capabilities"] = {{"bounding", caps}, {"effective", held}, {"permitted", held}, {"ambient", json::array()}};
    // The profile's capability-gated rules (chroot with CAP_SYS_CHROOT, ...) resolved for this
    // set, not for the three of the bare default spec it started from.
    spec["linux"]["seccomp"] = spec::default_seccomp_profile(caps.get<std::vector<std::string>>());

    spec["root"] = {{"path", "rootfs"}, {"readonly", opts.read_only}};
    // /proc as Docker and Podman mount it: no setuid, device or executable files through it.
    for (auto& m : spec["mounts"])
        if (m["destination"] == "/proc") m["options"] = {"nosuid", "noexec", "nodev"};
    // Podman's default: ping through ICMP sockets for the container's root group, so ping works
    // without CAP_NET_RAW (namespaced: the host's setting is untouched).
    spec["linux"]["sysctl"]["net.ipv4.ping_group_range"] = "0 0";
    if (!opts.hostname.empty()) spec["hostname"] = opts.hostname.substr(0, 63);
    for (const auto& v : opts.volumes) spec["mounts"].push_back(STRATA_TRY(volume_mount(v)));
    if (!opts.identity_dir.empty())
        for (const char* f : {"hosts", "hostname", "resolv.conf"}) {
            std::string dest = std::string("/etc/") + f;
            bool taken = false;
            for (const auto& m : spec["mounts"]) taken = taken || m["destination"] == dest;
            if (!taken)
                spec["mounts"].push_back({{"destination", dest},
                                          {"type", "bind"},
                                          {"source", opts.identity_dir + "/" + f},
                                          {"options", {"bind", "rprivate", "nosuid", "nodev", "noexec"}}});
        }

    json& res = spec["linux"]["resources"];
    if (opts.memory) {
        if (*opts.memory < 6 * 1024 * 1024) return error("--memory: at least 6 MiB");
        res["memory"] = {{"limit", *opts.memory}};
    }
    if (opts.cpus) {
        if (!(*opts.cpus > 0) || *opts.cpus > 1024) return error("--cpus: must be more than 0");
        res["cpu"] = {{"period", 100000}, {"quota", round_to_int64(*opts.cpus * 100000)}};
    }
    json annotations = json::object();
    if (!opts.image_name.empty()) annotations["org.strata.image"] = opts.image_name;
    if (!opts.image_id.empty()) annotations["org.strata.image.id"] = opts.image_id;
    spec["annotations"] = annotations;
    return spec;
}

}  // namespace strata::image
