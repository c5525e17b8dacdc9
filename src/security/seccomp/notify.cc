#include "security/seccomp/notify.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/socket.h"

namespace strata::security::seccomp {

std::string container_process_state(const ContainerState& s, const std::string& metadata) {
    nlohmann::json state = {
        {"ociVersion", s.oci_version}, {"id", s.id}, {"status", s.status},
        {"pid", s.pid},                {"bundle", s.bundle},
    };
    if (!s.annotations.empty()) state["annotations"] = s.annotations;
    nlohmann::json j = {
        {"ociVersion", s.oci_version},
        {"fds", {"seccompFd"}},
        {"pid", s.pid},
        {"state", state},
    };
    if (!metadata.empty()) j["metadata"] = metadata;
    return j.dump();
}

Result<> send_to_listener(const std::string& listener_path, const std::string& state_json, int notify_fd) {
    std::string where = "seccomp listener " + quote(listener_path);
    // Through the directory's fd: sun_path holds only 108 bytes.
    auto dir = sys::open(sys::dirname(listener_path), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!dir) return wrap(dir.error(), where);
    auto conn = sys::connect_at(dir->get(), sys::basename(listener_path), SOCK_STREAM);
    if (!conn) return wrap(conn.error(), where);
    int fds[] = {notify_fd};
    STRATA_TRY(with_context(sys::send_msg(conn->get(), state_json, fds), where));
    return {};
}

}  // namespace strata::security::seccomp
