#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "base/log.h"
#include "base/strings.h"
#include "sys/process.h"

namespace strata::runtime {
namespace {

std::vector<char*> c_array(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

Result<> run_one(const spec::Hook& h, const std::string& state, const std::string& what) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) < 0) return os_error(errno, what + ": pipe");
    std::vector<std::string> argv = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
    auto a = c_array(argv);
    auto e = c_array(h.env);
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
        // Hooks run with default signal handling, whatever strata blocked.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(h.path.c_str(), a.data(), e.data());
        int err = errno;
        std::string msg = "strata: " + what + ": exec: " + strerror(err) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(in[0]);
    // The state is small (a few hundred bytes): one write into the pipe buffer cannot block.
    ::signal(SIGPIPE, SIG_IGN);
    (void)!::write(in[1], state.data(), state.size());
    ::close(in[1]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(h.timeout.value_or(0));
    for (;;) {
        auto st = STRATA_TRY(sys::try_wait_exit_status(pid));
        if (st) {
            if (*st == 0) return {};
            if (*st == 127) return error(what + ": could not be executed");
            if (*st > 128) return error(what + ": killed by " + std::to_string(*st - 128) + " (signal)");
            return error(what + ": exited with status " + std::to_string(*st));
        }
        if (h.timeout && std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            (void)sys::wait_exit_status(pid);
            return os_error(ETIMEDOUT, what + ": timed out after " + std::to_string(*h.timeout) + " s");
        }
        ::usleep(1000);
    }
}

}  // namespace

Result<> run_hooks(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind) {
    std::string text = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i) {
        log::Timer t("hook");
        STRATA_TRY(run_one(hooks[i], text, kind + " hook " + std::to_string(i) + " (" + hooks[i].path + ")"));
    }
    return {};
}

void run_hooks_warn(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind) {
    std::string text = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i)
        if (auto r = run_one(hooks[i], text, kind + " hook " + std::to_string(i) + " (" + hooks[i].path + ")"); !r)
            log::warn(r.error().message());
}

nlohmann::json hook_state(const std::string& id, const std::string& status, pid_t pid, const std::string& bundle,
                          const std::map<std::string, std::string>& annotations) {
    nlohmann::json j{{"ociVersion", "1.2.0"}, {"id", id}, {"status", status}, {"bundle", bundle}};
    if (pid > 0) j["pid"] = pid;
    j["annotations"] = annotations.empty() ? nlohmann::json::object() : nlohmann::json(annotations);
    return j;
}

}  // namespace strata::runtime
