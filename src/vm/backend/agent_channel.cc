#include "vm/backend/agent_channel.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "vm/protocol/frame_io.h"

namespace strata::vm {
namespace {

// The last lines of a log, indented, for an error message.
std::string tail_of(const std::string& path, size_t max_lines = 12) {
    auto text = sys::read_file(path);
    if (!text || text->empty()) return "";
    auto lines = split_nonempty(*text, '\n');
    size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
    std::vector<std::string> last;
    for (size_t i = from; i < lines.size(); ++i) last.push_back(escape_controls(lines[i]));
    return "\n  " + join(last, "\n  ");
}

}  // namespace

using agent::Msg;

Result<> send_to_agent(int agent_fd, agent::Msg type, std::string_view payload, int timeout_ms) {
    return agent::write_frame(agent_fd, type, payload, timeout_ms);
}

bool log_agent_frame(const agent::Frame& f) {
    if (f.type == Msg::log) log::warn("vm: " + escape_controls(f.payload));
    else if (f.type == Msg::trace) log::debug("vm: " + escape_controls(f.payload));
    else return false;
    return true;
}

Error with_guest_logs(Error e, const std::string& console_log, const std::string& vmm_log) {
    std::string console = tail_of(console_log), vmm = tail_of(vmm_log);
    if (!console.empty()) e.context += "; guest console (" + console_log + "):" + console;
    if (!vmm.empty()) e.context += "; QEMU:" + vmm;
    return e;
}

Result<agent::Frame> expect_agent_frame(int agent_fd, agent::FrameParser& parser, agent::Msg want, int timeout_ms) {
    int64_t deadline = sys::monotonic_ms() + timeout_ms;
    for (;;) {
        int left = static_cast<int>(std::max<int64_t>(deadline - sys::monotonic_ms(), 0));
        auto f = agent::read_frame(agent_fd, parser, left);
        if (!f) {
            if (f.error().code == ETIMEDOUT)
                return os_error(ETIMEDOUT, "the guest agent did not answer within " + std::to_string(timeout_ms / 1000) + " s");
            return std::unexpected(f.error());
        }
        if (log_agent_frame(*f)) continue;
        if (f->type == Msg::error) return std::unexpected(agent::decode_error(f->payload));
        if (f->type != want)
            return error("vm: expected " + std::string(agent::msg_name(want)) + " from the agent, got " +
                         std::string(agent::msg_name(f->type)));
        return std::move(*f);
    }
}

}  // namespace strata::vm
