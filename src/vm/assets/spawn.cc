#include "vm/assets/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "sys/pipe.h"

extern char** environ;

namespace strata::vm {

std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
    const char* path = std::getenv("PATH");
    for (const auto& dir : split(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st{};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return "";
}

Result<> run_program(const std::vector<std::string>& argv, const std::function<void(const std::string&)>& on_line) {
    std::string exe = find_program(argv.at(0));
    if (exe.empty()) return os_error(ENOENT, "run " + argv[0] + ": not found in PATH");
    auto [rd, wr] = STRATA_TRY(sys::make_pipe(argv[0]));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return os_error(rc, "run " + exe);
    wr.reset();
    std::string pending, tail;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (on_line) on_line(line);
            tail += line + "\n";
            if (tail.size() > 2000) tail.erase(0, tail.size() - 2000);
        }
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return {};
    std::string how = WIFEXITED(st) ? "exit status " + std::to_string(WEXITSTATUS(st))
                                    : "signal " + std::to_string(WTERMSIG(st));
    return error(argv[0] + " failed (" + how + "): " + std::string(trim(tail + pending)));
}

}  // namespace strata::vm
