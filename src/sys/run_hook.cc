#include "sys/run_hook.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "sys/process.h"

namespace strata::sys {
namespace {

std::vector<char*> c_array(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<> run_hook(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                  std::optional<int64_t> timeout_s, const std::string& input, const std::string& what) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) < 0) return os_error(errno, what + ": pipe");
    std::vector<std::string> argv = args.empty() ? std::vector<std::string>{path} : args;
    auto a = c_array(argv);
    auto e = c_array(env);
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(in[0]);
        ::close(in[1]);
        return os_error(errno, what + ": fork");
    }
    if (pid == 0) {
        // Its own process group, so a timeout kills what the hook started too.
        ::setpgid(0, 0);
        ::dup2(in[0], 0);
        // Hooks run with default signal handling, whatever the caller blocked.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(path.c_str(), a.data(), e.data());
        int err = errno;
        std::string msg = "strata: " + what + ": exec: " + std::strerror(err) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(in[0]);
    // The state is small (a few hundred bytes): one write into the pipe buffer cannot block.
    ::signal(SIGPIPE, SIG_IGN);
    (void)!::write(in[1], input.data(), input.size());
    ::close(in[1]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s.value_or(0));
    for (;;) {
        auto st = STRATA_TRY(try_wait_exit_status(pid));
        if (st) {
            if (*st == 0) return {};
            if (*st == 127) return error(what + ": could not be executed");
            if (*st > 128) return error(what + ": killed by " + std::to_string(*st - 128) + " (signal)");
            return error(what + ": exited with status " + std::to_string(*st));
        }
        if (timeout_s && std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            (void)wait_exit_status(pid);
            return os_error(ETIMEDOUT, what + ": timed out after " + std::to_string(*timeout_s) + " s");
        }
        ::usleep(1000);
    }
}

}  // namespace strata::sys
