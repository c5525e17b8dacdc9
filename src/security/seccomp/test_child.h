#pragma once
// Test helper: runs code under a seccomp filter in a forked child, so the test process itself is
// never filtered. The child sets no_new_privs (no root needed), loads the filter, runs `body`
// and sends back up to 32 numbers through a pipe using raw syscalls only: after the load it
// must not allocate, since a test profile may deny brk and mmap.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "security/seccomp/filter.h"

namespace strata::security::seccomp::test {

struct ChildResult {
    int exit_code = -1;  // -1 if killed by a signal
    int signal = 0;      // the signal that killed the child, or 0
    std::array<long, 32> values{};
    bool loaded = false;
};

// errno of a raw syscall's result, or 0 if it succeeded.
inline long err_of(long rc) { return rc < 0 ? errno : 0; }

template <class Body>
ChildResult run_filtered(const Program& prog, Body body) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::array<long, 33> out{};
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto fd = load(prog);
        if (!fd) ::_exit(100);
        out[0] = 1;  // loaded
        std::array<long, 32> values{};
        body(values, fd->get());
        for (size_t i = 0; i < values.size(); ++i) out[i + 1] = values[i];
        ::syscall(SYS_write, p[1], out.data(), sizeof out);
        ::syscall(SYS_exit_group, 0);
    }
    ::close(p[1]);
    std::array<long, 33> in{};
    size_t got = 0;
    while (got < sizeof in) {
        ssize_t n = ::read(p[0], reinterpret_cast<char*>(in.data()) + got, sizeof in - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    ChildResult r;
    if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
    r.loaded = got == sizeof in && in[0] == 1;
    for (size_t i = 0; i < r.values.size(); ++i) r.values[i] = in[i + 1];
    return r;
}

}  // namespace strata::security::seccomp::test
