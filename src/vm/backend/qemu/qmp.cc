#include "vm/backend/qemu/qmp.h"

#include <poll.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/file.h"
#include "sys/socket.h"

namespace strata::vm::qemu {
namespace {

std::string request(std::string_view command, const nlohmann::json& arguments) {
    nlohmann::json j = {{"execute", command}};
    if (!arguments.is_null()) j["arguments"] = arguments;
    return j.dump() + "\n";
}

}  // namespace

Result<Qmp> Qmp::connect(UniqueFd fd, int timeout_ms) {
    Qmp q(std::move(fd));
    auto greeting = STRATA_TRY(q.next_message(sys::monotonic_ms() + timeout_ms));
    if (!greeting.contains("QMP")) return error("QMP: QEMU greeted with " + greeting.dump());
    STRATA_TRY(q.execute("qmp_capabilities", nullptr, timeout_ms));
    return q;
}

Result<nlohmann::json> Qmp::execute(std::string_view command, const nlohmann::json& arguments, int timeout_ms) {
    STRATA_TRY(sys::write_all(m_fd.get(), request(command, arguments), "QMP"));
    return reply(command, timeout_ms);
}

Result<> Qmp::pass_fd(const std::string& name, int fd, int timeout_ms) {
    int fds[] = {fd};
    STRATA_TRY(sys::send_msg(m_fd.get(), request("getfd", {{"fdname", name}}), fds));
    STRATA_TRY(reply("getfd", timeout_ms));
    return {};
}

Result<nlohmann::json> Qmp::reply(std::string_view command, int timeout_ms) {
    int64_t deadline = sys::monotonic_ms() + timeout_ms;
    for (;;) {
        auto m = STRATA_TRY(next_message(deadline));
        if (m.contains("return")) return m["return"];
        if (m.contains("error"))
            return error("QMP " + std::string(command) + ": " + m["error"].value("desc", m["error"].dump()));
        // {"event": ...}: not an answer.
    }
}

Result<nlohmann::json> Qmp::next_message(int64_t deadline_ms) {
    for (;;) {
        if (size_t nl = m_buf.find('\n'); nl != std::string::npos) {
            std::string line = m_buf.substr(0, nl);
            m_buf.erase(0, nl + 1);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) return error("QMP: malformed message from QEMU: " + line.substr(0, 200));
            return j;
        }
        int left = static_cast<int>(std::max<int64_t>(deadline_ms - sys::monotonic_ms(), 0));
        pollfd p{m_fd.get(), POLLIN, 0};
        int r = ::poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return os_error(errno, "QMP: poll");
        if (r == 0) return os_error(ETIMEDOUT, "QMP: QEMU did not answer");
        char buf[4096];
        ssize_t n = ::read(m_fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(errno, "QMP: read");
        if (n == 0) return error("QMP: QEMU closed its control socket (it exited)");
        m_buf.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace strata::vm::qemu
