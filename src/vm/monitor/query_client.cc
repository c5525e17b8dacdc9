#include "vm/monitor/query_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sys/file.h"
#include "sys/socket.h"
#include "vm/monitor/exec_socket.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm {

Result<std::string> ask_guest(const std::string& vm_dir, agent::Query what, const std::string& who, int timeout_s,
                              const std::string& container) {
    UniqueFd dir = STRATA_TRY(with_context(sys::open(vm_dir, O_PATH | O_DIRECTORY | O_CLOEXEC), who));
    auto conn = sys::connect_at(dir.get(), kExecSocket, SOCK_SEQPACKET);
    if (!conn) {
        if (conn.error().code == ENOENT || conn.error().code == ECONNREFUSED)
            return os_error(conn.error().code,
                            who + ": the VM is not running (nothing listens on " + vm_dir + "/" + kExecSocket + ")");
        return wrap(conn.error(), who);
    }
    timeval tv{timeout_s, 0};
    ::setsockopt(conn->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string q = std::string{kQueryRequest, static_cast<char>(what)} + container;
    STRATA_TRY(with_context(sys::send_msg(conn->get(), q), who + ": ask the VM's monitor"));
    auto reply = sys::recv_msg(conn->get(), agent::kMaxPayload);
    if (!reply && reply.error().code == EAGAIN)
        return os_error(ETIMEDOUT, who + ": the guest did not answer within " + std::to_string(timeout_s) + " s");
    if (!reply) return wrap(reply.error(), who + ": the VM's answer");
    if (reply->eof || reply->data.empty()) return error(who + ": the VM's monitor hung up (the VM stopped?)");
    if (reply->data[0] == kExecFailed) {
        Error e = agent::decode_error(std::string_view(reply->data).substr(1));
        return std::unexpected(Error{e.code, who + " (in the VM): " + e.context});
    }
    if (reply->data[0] != kQueryAnswer) return error(who + ": unexpected reply from the VM's monitor");
    return reply->data.substr(1);
}

}  // namespace strata::vm
