#include <sys/socket.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/strings.h"
#include "runtime/hooks.h"
#include "runtime/exec_wait.h"
#include "runtime/lifecycle.h"
#include "spec/parse.h"
#include "sys/file.h"
#include "runtime/sync.h"
#include "sys/socket.h"

namespace strata::runtime {

void run_poststart(const ContainerDir& dir, const State& s) {
    auto raw = sys::read_file_at(dir.fd(), "config.json");
    if (!raw) return;
    auto spec = spec::parse_config(*raw, "config.json");
    if (spec && !spec->hooks.poststart.empty())
        run_hooks_warn(spec->hooks.poststart, hook_state(s.id, "running", s.pid, s.bundle, s.annotations), "poststart");
}

Result<> start(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    Status now = current_status(s);
    if (now != Status::created)
        return error("cannot start container " + quote(id) + ": it is " + std::string(status_name(now)) + ", not created");
    auto conn = sys::connect_at(dir.fd(), "init.sock", SOCK_SEQPACKET);
    if (!conn) return wrap(conn.error(), "start " + id + ": reach the container init");
    // One start only: later attempts find no socket.
    ::unlinkat(dir.fd(), "init.sock", 0);
    fault::point("start.connected");
    STRATA_TRY(sync::send(conn->get(), sync::kGo));
    // The init exec'd the process when its end of the connection closes (it is CLOEXEC).
    auto exec = wait_for_exec(conn->get(), s);
    if (!exec) return wrap(exec.error(), "start " + id);
    fault::point("start.exec");
    s.status = Status::running;
    STRATA_TRY(dir.save(s));
    run_poststart(dir, s);
    return {};
}

}  // namespace strata::runtime
