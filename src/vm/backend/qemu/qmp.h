#pragma once
// A QMP client (QEMU's JSON control protocol) over the host end of a connected stream socket
// that QEMU serves as `-chardev socket,fd=N -mon chardev=..,mode=control`. Only what booted
// templates need: commands, their replies, and passing a descriptor (getfd).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vm::qemu {

class Qmp {
public:
    // Reads QEMU's greeting and leaves capability negotiation mode (qmp_capabilities).
    static Result<Qmp> connect(UniqueFd fd, int timeout_ms);

    // Runs `command`: its "return" value, or its "error" as an error naming the command.
    // Asynchronous events that arrive in between are skipped.
    Result<nlohmann::json> execute(std::string_view command, const nlohmann::json& arguments = nullptr,
                                   int timeout_ms = 10000);
    // Gives QEMU a copy of `fd` under `name` (for URIs such as "fd:<name>").
    Result<> pass_fd(const std::string& name, int fd, int timeout_ms = 10000);

private:
    explicit Qmp(UniqueFd fd) : m_fd(std::move(fd)) {}
    Result<nlohmann::json> reply(std::string_view command, int timeout_ms);
    Result<nlohmann::json> next_message(int64_t deadline_ms);

    UniqueFd m_fd;
    std::string m_buf;
};

}  // namespace strata::vm::qemu
