#include "runtime/sync.h"

#include "base/strings.h"
#include "sys/socket.h"

namespace strata::runtime::sync {

std::string encode(char type, std::string_view payload) {
    std::string msg(1, type);
    msg += payload;
    return msg;
}

Result<> send(int fd, char type, const std::string& payload) {
    return sys::send_msg(fd, encode(type, payload));
}

Result<> send(int fd, char type, const std::string& payload, const std::vector<UniqueFd>& fds) {
    std::vector<int> raw;
    for (const auto& f : fds) raw.push_back(f.get());
    return sys::send_msg(fd, encode(type, payload), raw);
}

Result<> send_error(int fd, const Error& e) {
    return send(fd, kError, std::to_string(e.code) + ":" + e.context);
}

Result<Message> receive(int fd) {
    auto m = STRATA_TRY(sys::recv_msg(fd));
    if (m.eof || m.data.empty()) return Message{};
    Message out{m.data[0], m.data.substr(1), std::move(m.fds)};
    if (out.type == kError) {
        auto colon = out.payload.find(':');
        auto code = parse_int(out.payload.substr(0, colon));
        std::string context = colon == std::string::npos ? out.payload : out.payload.substr(colon + 1);
        return std::unexpected(Error{code ? static_cast<int>(*code) : 0, context});
    }
    return out;
}

Result<std::string> expect(int fd, char type, const std::string& step) {
    Message m = STRATA_TRY(receive(fd));
    if (m.type == 0) return error("container init exited before " + step);
    if (m.type != type)
        return error("unexpected message " + quote(std::string(1, m.type)) + " from container init before " + step);
    return m.payload;
}

}  // namespace strata::runtime::sync
