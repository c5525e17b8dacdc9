// The -ENOSYS stub on its own: built in front of a trivial program and checked by the kernel's
// verifier (load) and by the syscalls' results.

#include "security/seccomp/enosys.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "security/seccomp/test_child.h"

namespace strata::security::seccomp {
namespace {

using test::err_of;
using test::run_filtered;

Program allow_all_with_stub(const std::vector<ArchMax>& maxima) {
    Program p;
    p.code = prepend_enosys_stub({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}, maxima);
    return p;
}

TEST(EnosysStub, SyscallsAboveTheMaximumGetEnosys) {
    // exit_group (231) is the largest the "profile" names.
    Program p = allow_all_with_stub({{SCMP_ARCH_X86_64, 231}});
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_getppid));
        v[1] = err_of(::syscall(SYS_clone3, nullptr, 0));
        v[2] = err_of(::syscall(300));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 0);
    EXPECT_EQ(r.values[1], ENOSYS);
    EXPECT_EQ(r.values[2], ENOSYS);
}

TEST(EnosysStub, SeveralArchitecturesPassTheKernelsVerifier) {
    Program p = allow_all_with_stub({{SCMP_ARCH_X86_64, 231}, {SCMP_ARCH_X86, 252},
                                     {SCMP_ARCH_X32, 0x40000000 + 231}, {SCMP_ARCH_AARCH64, 94},
                                     {SCMP_ARCH_S390X, 248}});
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_getppid));
        v[1] = err_of(::syscall(SYS_clone3, nullptr, 0));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 0);
    EXPECT_EQ(r.values[1], ENOSYS);
}

TEST(EnosysStub, NoArchitecturesLeaveTheProgramAlone) {
    std::vector<sock_filter> prog = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    EXPECT_EQ(prepend_enosys_stub(prog, {}).size(), 1u);
}

bool has_enosys_return(const Program& p) {
    for (const auto& in : p.code)
        if (in.code == (BPF_RET | BPF_K) && in.k == (SECCOMP_RET_ERRNO | ENOSYS)) return true;
    return false;
}

Program compile_profile(const char* default_action, int default_errno = -1) {
    auto p = compile(spec::Seccomp{.default_action = default_action,
                                   .default_errno_ret = default_errno >= 0 ? std::optional<uint32_t>(default_errno) : std::nullopt,
                                   .syscalls = {{.names = {"mkdir"}, .action = "SCMP_ACT_KILL"}}});
    EXPECT_TRUE(p) << p.error().message();
    return p ? *p : Program{};
}

TEST(EnosysStub, OnlyForProfilesThatDenyByDefault) {
    EXPECT_TRUE(has_enosys_return(compile_profile("SCMP_ACT_ERRNO")));
    EXPECT_TRUE(has_enosys_return(compile_profile("SCMP_ACT_KILL_PROCESS")));
    // Permissive defaults let new syscalls through anyway; a tracer handles ENOSYS itself.
    EXPECT_FALSE(has_enosys_return(compile_profile("SCMP_ACT_ALLOW")));
    EXPECT_FALSE(has_enosys_return(compile_profile("SCMP_ACT_LOG")));
    EXPECT_FALSE(has_enosys_return(compile_profile("SCMP_ACT_TRACE")));
}

}  // namespace
}  // namespace strata::security::seccomp
