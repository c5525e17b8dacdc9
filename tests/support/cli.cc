#include "tests/support/cli.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace strata::test {

void read_until(int fd, std::string& out, const std::string& until, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (out.find(until) == std::string::npos && std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
}

OnPty run_on_pty(const std::vector<std::string>& argv, unsigned short rows, unsigned short cols) {
    std::vector<std::string> a = argv;
    std::vector<char*> args;
    for (auto& s : a) args.push_back(s.data());
    args.push_back(nullptr);
    winsize ws{};
    ws.ws_row = rows;
    ws.ws_col = cols;
    OnPty p;
    p.pid = ::forkpty(&p.master, nullptr, nullptr, &ws);
    if (p.pid == 0) {
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    return p;
}

int OnPty::wait() {
    int st = -1;
    if (pid > 0) ::waitpid(pid, &st, 0);
    if (master >= 0) ::close(master);
    pid = master = -1;
    return st;
}

const std::string& strata_bin() {
    static const std::string bin = [] {
        const char* e = std::getenv("STRATA_BIN");
        return std::string(e ? e : STRATA_BIN_DEFAULT);
    }();
    return bin;
}

CmdResult run_cmd(const std::vector<std::string>& argv, const std::string& input,
                  std::chrono::milliseconds timeout, const std::vector<std::string>& extra_env) {
    CmdResult r;
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return r;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    for (const auto& e : extra_env) env_store.push_back(e);
    std::vector<char*> env;
    for (auto& e : env_store) env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid;
    int rc = argv[0].find('/') == std::string::npos
                 ? posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), env.data())
                 : posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        r.err = std::string("spawn ") + argv[0] + ": " + strerror(rc);
        return r;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!input.empty()) (void)!write(in[1], input.data(), input.size());
    close(in[1]);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        int n = poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(got));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (r.timed_out) return r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

CmdResult run_cmd_to_file(const std::vector<std::string>& argv, const std::string& log_path,
                          std::chrono::milliseconds timeout, const std::vector<std::string>& extra_env) {
    CmdResult r;
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.push_back(*e);
    for (const auto& e : extra_env) env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) return r;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, out, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in);
    close(out);
    if (rc != 0) return r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            r.timed_out = true;
            return r;
        }
        usleep(2000);
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    int fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
    if (fd >= 0) close(fd);
    r.err = r.out;
    return r;
}

CmdResult Strata::detached(const std::vector<std::string>& args, const std::string& log_path) const {
    std::vector<std::string> argv = {strata_bin(), "--root", m_root};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_cmd_to_file(argv, log_path);
}

CmdResult Strata::operator()(const std::vector<std::string>& args, const std::string& input,
                             std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv = {strata_bin(), "--root", m_root};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_cmd(argv, input, timeout);
}

}  // namespace strata::test
