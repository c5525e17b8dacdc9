#include "runtime/exec_wait.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "runtime/sync.h"
#include "security/seccomp/notify.h"

namespace strata::runtime {
namespace {

Result<> pass_to_listener(const sync::Message& m, const State& st) {
    if (m.fds.size() != 1) return error("seccomp notify fd from container init: got " + std::to_string(m.fds.size()) + " fds");
    auto j = nlohmann::json::parse(m.payload, nullptr, false);
    if (!j.is_object() || !j.value("listenerPath", nlohmann::json()).is_string() ||
        !j.value("listenerMetadata", nlohmann::json()).is_string())
        return error("seccomp notify fd from container init: bad payload " + quote(m.payload));
    security::seccomp::ContainerState cs;
    cs.oci_version = st.oci_version;
    cs.id = st.id;
    // The filter goes in as the last step before the exec: the process is created, not running.
    cs.status = std::string(status_name(Status::created));
    cs.pid = st.pid;
    cs.bundle = st.bundle;
    cs.annotations = st.annotations;
    std::string metadata = j["listenerMetadata"].get<std::string>();
    return security::seccomp::send_to_listener(j["listenerPath"].get<std::string>(),
                                               security::seccomp::container_process_state(cs, metadata),
                                               m.fds[0].get());
}

}  // namespace

Result<> wait_for_exec(int fd, const State& state) {
    for (;;) {
        sync::Message m = STRATA_TRY(sync::receive(fd));
        if (m.type == 0) return {};
        if (m.type != sync::kSeccomp)
            return error("unexpected message " + quote(std::string(1, m.type)) + " from container init before its exec");
        auto sent = pass_to_listener(m, state);
        if (!sent) {
            // The init waits for the answer; an error makes it exit instead of running unwatched.
            (void)sync::send_error(fd, sent.error());
            return sent;
        }
        STRATA_TRY(sync::send(fd, sync::kAck));
    }
}

}  // namespace strata::runtime
