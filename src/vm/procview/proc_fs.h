#pragma once
// ProcFs: a read-only FUSE filesystem with the layout of /proc, listing a guest's workload
// (proc_files.h renders the files). Each listing of its root asks the guest anew through `Ask`;
// lookups of a pid use the latest answer (or ask again if it is over a second old). Served by
// libfuse's low-level API, loaded with dlopen (libfuse3-3) so that strata itself links only libc.
//
//   /stat                btime
//   /PID/stat, status, cmdline, comm
//   /PID/ns/pid          a link to the workload's pid namespace
//
// The mount is made here with mount(2) and handed to libfuse as "/dev/fd/N" (libfuse's way to
// serve a connection it did not mount), so its options are ours: read-only, nosuid, nodev,
// noexec, allow_other.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vm/protocol/guest_query.h"

struct fuse_session;

namespace strata::vm::procview {

class ProcFs {
public:
    using Ask = std::function<Result<agent::GuestProcesses>()>;

    // Loads libfuse and opens /dev/fuse; nothing is mounted yet. Fails naming libfuse3-3 if the
    // library is missing, or /dev/fuse if the kernel has no FUSE.
    static Result<std::unique_ptr<ProcFs>> create(Ask ask);

    // Mounts the filesystem on the directory `dir_fd` refers to. Readers block until serve().
    Result<> mount_on(int dir_fd);
    // Serves requests on a thread of its own until the mount goes away.
    void serve();

    // Unmounts what mount_on mounted (when `dir` is still the path to it) and ends the thread.
    // The monitor never calls it: its mount namespace, and the mount with it, go when it exits.
    void stop(const std::string& dir);

    ProcFs(const ProcFs&) = delete;
    ProcFs& operator=(const ProcFs&) = delete;
    ~ProcFs();

    // For libfuse's callbacks (proc_fs.cc): the current answer, refreshed as described above.
    struct State;

private:
    ProcFs() = default;
    std::unique_ptr<State> m_state;
    UniqueFd m_fuse;
    fuse_session* m_session = nullptr;
    std::thread m_thread;
};

}  // namespace strata::vm::procview
