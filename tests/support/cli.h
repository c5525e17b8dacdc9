#pragma once
// Runs the built strata binary (and other commands) from tests, capturing output and status.

#include <chrono>
#include <string>
#include <vector>

namespace strata::test {

struct CmdResult {
    int status = -1;  // exit code, or 128+signal; -1 if it could not be run or timed out
    std::string out, err;
    bool timed_out = false;
};

// argv[0] is looked up in PATH unless it contains '/'. `input` goes to stdin.
CmdResult run_cmd(const std::vector<std::string>& argv, const std::string& input = "",
                  std::chrono::milliseconds timeout = std::chrono::seconds(60),
                  const std::vector<std::string>& extra_env = {});

// Like run_cmd, but stdout and stderr go to `log_path` (stdin is /dev/null): for commands that
// leave a container running with the same stdio, which would otherwise hold our pipes open.
CmdResult run_cmd_to_file(const std::vector<std::string>& argv, const std::string& log_path,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::vector<std::string>& extra_env = {});

// Appends what `fd` (a pty master, say) yields to `out` until `out` holds `until`, the fd ends
// or `timeout` passes.
void read_until(int fd, std::string& out, const std::string& until, std::chrono::milliseconds timeout);

// A command on a new pty of the test's, at `rows` x `cols`: its controlling terminal and stdio,
// as a user's terminal runs it. argv[0] is looked up in PATH.
struct OnPty {
    int pid = -1;     // -1: forkpty failed
    int master = -1;  // type into it, read the screen from it
    // waitpid's status of the command; closes the master.
    int wait();
};
OnPty run_on_pty(const std::vector<std::string>& argv, unsigned short rows = 24, unsigned short cols = 80);

// The strata binary under test (STRATA_BIN, set by CMake).
const std::string& strata_bin();

// strata with a private --root: each test's containers are invisible to the others.
class Strata {
public:
    explicit Strata(std::string root) : m_root(std::move(root)) {}
    CmdResult operator()(const std::vector<std::string>& args, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
    // For create / run -d: output to `log_path`; the result's `out` is the log so far.
    CmdResult detached(const std::vector<std::string>& args, const std::string& log_path) const;
    const std::string& root() const { return m_root; }

private:
    std::string m_root;
};

}  // namespace strata::test
