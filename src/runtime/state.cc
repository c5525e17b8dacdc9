#include "runtime/state.h"

namespace strata::runtime {

using json = nlohmann::json;

std::string_view status_name(Status s) {
    switch (s) {
        case Status::creating: return "creating";
        case Status::created: return "created";
        case Status::running: return "running";
        case Status::paused: return "paused";
        case Status::stopped: return "stopped";
    }
    return "unknown";
}

namespace {
Status parse_status(const std::string& s) {
    if (s == "created") return Status::created;
    if (s == "running") return Status::running;
    if (s == "paused") return Status::paused;
    if (s == "stopped") return Status::stopped;
    return Status::creating;
}
}  // namespace

json State::to_json() const {
    json j{{"ociVersion", oci_version},   {"id", id},
                {"status", status_name(status)}, {"pid", pid},
                {"pidStartTime", pid_start_time}, {"bundle", bundle},
                {"rootfs", rootfs},             {"created", created},
                {"owner", owner},               {"annotations", annotations},
                {"substrate", substrate},       {"cgroup", cgroup},
                {"extra", extra},               {"newPidNamespace", new_pid_namespace},
                {"ownedMounts", owned_mounts},  {"ownedPaths", owned_paths}};
    if (!pod_sandbox.empty()) j["podSandbox"] = pod_sandbox;
    return j;
}

Result<State> State::from_json(const std::string& text, const std::string& where) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error(where + ": corrupt state file");
    State s;
    try {
        s.oci_version = j.value("ociVersion", s.oci_version);
        s.id = j.at("id").get<std::string>();
        s.status = parse_status(j.value("status", std::string("creating")));
        s.pid = j.value("pid", 0);
        s.pid_start_time = j.value("pidStartTime", uint64_t{0});
        s.bundle = j.value("bundle", std::string());
        s.rootfs = j.value("rootfs", std::string());
        s.created = j.value("created", std::string());
        s.owner = j.value("owner", std::string());
        if (j.contains("annotations") && j["annotations"].is_object())
            s.annotations = j["annotations"].get<std::map<std::string, std::string>>();
        s.substrate = j.value("substrate", std::string("container"));
        if (j.contains("cgroup")) s.cgroup = j["cgroup"];
        if (j.contains("extra")) s.extra = j["extra"];
        s.new_pid_namespace = j.value("newPidNamespace", true);
        s.owned_mounts = j.value("ownedMounts", std::vector<std::string>{});
        s.owned_paths = j.value("ownedPaths", std::vector<std::string>{});
        s.pod_sandbox = j.value("podSandbox", std::string());
    } catch (const json::exception& e) {
        return error(where + ": corrupt state file: " + e.what());
    }
    return s;
}

json State::public_json(Status current) const {
    bool alive = current != Status::stopped;
    json j{{"ociVersion", oci_version}, {"id", id},          {"pid", alive ? pid : 0},
           {"status", status_name(current)}, {"bundle", bundle}, {"rootfs", rootfs},
           {"created", created},        {"owner", owner}};
    j["annotations"] = annotations.empty() ? json::object() : json(annotations);
    return j;
}

}  // namespace strata::runtime
