// Filters built from JSON and checked for real: loaded in a forked child, which makes the
// syscall and reports what the kernel answered.

#include "security/seccomp/filter.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "security/seccomp/test_child.h"
#include "spec/default_spec.h"
#include "spec/parse.h"

namespace strata::security::seccomp {
namespace {

using json = nlohmann::json;
using test::err_of;
using test::run_filtered;

// The seccomp section through the real parser, as create would see it.
Result<Program> compile_json(const json& seccomp) {
    json j = spec::default_spec({});
    j["linux"]["seccomp"] = seccomp;
    auto s = spec::parse_config(j.dump());
    if (!s) return std::unexpected(s.error());
    return compile(*s->linux->seccomp);
}

Program must_compile(const json& seccomp) {
    auto p = compile_json(seccomp);
    EXPECT_TRUE(p) << p.error().message();
    return p ? std::move(*p) : Program{};
}

std::string error_of(const json& seccomp) {
    auto p = compile_json(seccomp);
    return p ? "" : p.error().message();
}

// A deny-by-default profile that still lets the test child report and exit.
json deny_by_default(json syscalls, int errno_ret = EPERM) {
    syscalls.push_back({{"names", {"write", "exit_group"}}, {"action", "SCMP_ACT_ALLOW"}});
    return {{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", errno_ret}, {"syscalls", syscalls}};
}

const char* kMissing = "/nonexistent-strata-test/dir";

TEST(SeccompFilter, ErrnoActionReturnsErrnoRet) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 77}}}}});
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_mkdir, kMissing, 0700));
        v[1] = err_of(::syscall(SYS_rmdir, kMissing));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 77);      // the filter answered, not the filesystem
    EXPECT_EQ(r.values[1], ENOENT);  // other syscalls untouched
}

TEST(SeccompFilter, ErrnoWithoutErrnoRetIsEperm) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}}}}});
    auto r = run_filtered(p, [](auto& v, int) { v[0] = err_of(::syscall(SYS_mkdir, kMissing, 0700)); });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], EPERM);
}

TEST(SeccompFilter, DefaultErrnoRetAndEnosysForSyscallsNewerThanTheProfile) {
    Program p = must_compile(deny_by_default(json::array(), EACCES));
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_getppid));  // 110: older than exit_group (231), so denied
        v[1] = err_of(::syscall(SYS_clone3, nullptr, 0));  // 435: newer than the profile
        v[2] = err_of(::syscall(1000));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], EACCES);
    EXPECT_EQ(r.values[1], ENOSYS);
    EXPECT_EQ(r.values[2], ENOSYS);
}

TEST(SeccompFilter, ConditionsOnTheSameArgumentAreAlternatives) {
    // runc's semantics: two comparisons of argument 0 become two rules.
    Program p = must_compile(deny_by_default({{{"names", {"personality"}},
                                               {"action", "SCMP_ACT_ALLOW"},
                                               {"args", {{{"index", 0}, {"value", 0xffffffffULL}, {"op", "SCMP_CMP_EQ"}},
                                                         {{"index", 0}, {"value", 0}, {"op", "SCMP_CMP_EQ"}}}}}}));
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_personality, 0xffffffffUL));
        v[1] = err_of(::syscall(SYS_personality, 0UL));
        v[2] = err_of(::syscall(SYS_personality, 8UL));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 0);
    EXPECT_EQ(r.values[1], 0);
    EXPECT_EQ(r.values[2], EPERM);
}

TEST(SeccompFilter, ConditionsOnDifferentArgumentsMustAllHold) {
    Program p = must_compile(deny_by_default({{{"names", {"socket"}},
                                               {"action", "SCMP_ACT_ALLOW"},
                                               {"args", {{{"index", 0}, {"value", AF_UNIX}, {"op", "SCMP_CMP_EQ"}},
                                                         {{"index", 1}, {"value", SOCK_STREAM}, {"op", "SCMP_CMP_EQ"}}}}}}));
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = err_of(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
        v[1] = err_of(::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0));
        v[2] = err_of(::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 0);
    EXPECT_EQ(r.values[1], EPERM);
    EXPECT_EQ(r.values[2], EPERM);
}

TEST(SeccompFilter, EveryOperatorComparesAsLibseccompDefinesIt) {
    struct Case {
        const char* op;
        uint64_t value, value_two;
        bool hit99, hit100, hit101;
    };
    const Case cases[] = {
        {"SCMP_CMP_NE", 100, 0, true, false, true},  {"SCMP_CMP_LT", 100, 0, true, false, false},
        {"SCMP_CMP_LE", 100, 0, true, true, false},  {"SCMP_CMP_EQ", 100, 0, false, true, false},
        {"SCMP_CMP_GE", 100, 0, false, true, true},  {"SCMP_CMP_GT", 100, 0, false, false, true},
        {"SCMP_CMP_MASKED_EQ", 0x3, 0x0, false, true, false},  // (who & 3) == 0
    };
    for (const auto& c : cases) {
        json arg = {{"index", 1}, {"value", c.value}, {"op", c.op}};
        if (c.value_two) arg["valueTwo"] = c.value_two;
        Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"getpriority"}}, {"action", "SCMP_ACT_ERRNO"},
                                                 {"errnoRet", 77}, {"args", {arg}}}}}});
        auto r = run_filtered(p, [](auto& v, int) {
            for (int i = 0; i < 3; ++i) v[i] = err_of(::syscall(SYS_getpriority, PRIO_PROCESS, 99 + i));
        });
        ASSERT_TRUE(r.loaded) << c.op;
        EXPECT_EQ(r.values[0] == 77, c.hit99) << c.op;
        EXPECT_EQ(r.values[1] == 77, c.hit100) << c.op;
        EXPECT_EQ(r.values[2] == 77, c.hit101) << c.op;
    }
}

TEST(SeccompFilter, KillActionsKillWithSigsys) {
    for (const char* action : {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"}) {
        Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"getppid"}}, {"action", action}}}}});
        auto r = run_filtered(p, [](auto& v, int) { v[0] = ::syscall(SYS_getppid); });
        EXPECT_FALSE(r.loaded) << action << ": the child reported instead of dying";
        EXPECT_EQ(r.signal, SIGSYS) << action;
    }
}

TEST(SeccompFilter, LogAllowsAndTraceWithoutTracerIsEnosys) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"syscalls", {{{"names", {"getppid"}}, {"action", "SCMP_ACT_LOG"}},
                                            {{"names", {"mkdir"}}, {"action", "SCMP_ACT_TRACE"}, {"errnoRet", 5}}}}});
    auto r = run_filtered(p, [](auto& v, int) {
        v[0] = ::syscall(SYS_getppid);
        v[1] = err_of(::syscall(SYS_mkdir, kMissing, 0700));
    });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], ::getpid());
    EXPECT_EQ(r.values[1], ENOSYS);  // seccomp(2): no tracer -> ENOSYS
}

TEST(SeccompFilter, UnknownSyscallNamesAreSkipped) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"syscalls", {{{"names", {"strata_no_such_call", "mkdir"}},
                                             {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 77}}}}});
    EXPECT_EQ(p.skipped, std::vector<std::string>{"strata_no_such_call"});
    auto r = run_filtered(p, [](auto& v, int) { v[0] = err_of(::syscall(SYS_mkdir, kMissing, 0700)); });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 77);
}

TEST(SeccompFilter, RulesRepeatingTheDefaultActionAreIgnored) {
    Program p = must_compile(deny_by_default({{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}}}));
    auto r = run_filtered(p, [](auto& v, int) { v[0] = err_of(::syscall(SYS_mkdir, kMissing, 0700)); });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], EPERM);
}

TEST(SeccompFilter, ArchitecturesAndFlags) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
                              {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                         "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
                              {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 77}}}}});
    // Without a notify rule WAIT_KILLABLE_RECV means nothing, and the kernel would refuse it.
    EXPECT_EQ(p.flags, unsigned(SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC));
    EXPECT_FALSE(p.notifies());
    auto r = run_filtered(p, [](auto& v, int) { v[0] = err_of(::syscall(SYS_mkdir, kMissing, 0700)); });
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 77);
}

TEST(SeccompFilter, BadInputNamesTheJsonPath) {
    json ok = {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}};
    struct Case {
        json seccomp;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{{"defaultAction", "SCMP_ACT_ERRNO"},
          {"syscalls", {ok, ok, ok, {{"names", {"read"}}, {"action", "SCMP_ACT_FOO"}}}}},
         "config.json: .linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\""},
        {{{"defaultAction", "SCMP_ACT_NOPE"}},
         "config.json: .linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""},
        {{{"defaultAction", "SCMP_ACT_ERRNO"},
          {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"},
                         {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_XX"}}}}}}}},
         "config.json: .linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\""},
        {{{"defaultAction", "SCMP_ACT_ERRNO"},
          {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"},
                         {"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}}}},
         "config.json: .linux.seccomp.syscalls[0].args[0].index: must be below 6"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"}}},
         "config.json: .linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\""},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"}}},
         "config.json: .linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\""},
        {{{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}, {"errnoRet", 1}}}}},
         "config.json: .linux.seccomp.syscalls[0].errnoRet: is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_ALLOW"},
        {{{"defaultAction", "SCMP_ACT_KILL"}, {"defaultErrnoRet", 1}},
         "config.json: .linux.seccomp.defaultErrnoRet: is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_KILL"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 5000}}}}},
         "config.json: .linux.seccomp.syscalls[0].errnoRet: must be at most 4095"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", json::array()}, {"action", "SCMP_ACT_ERRNO"}}}}},
         "config.json: .linux.seccomp.syscalls[0].names: must name at least one syscall"},
        {{{"defaultAction", "SCMP_ACT_NOTIFY"}, {"listenerPath", "/run/agent.sock"}},
         "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}},
         "config.json: .linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs .linux.seccomp.listenerPath"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/run/agent.sock"},
          {"syscalls", {{{"names", {"mkdir", "sendmsg"}}, {"action", "SCMP_ACT_NOTIFY"}}}}},
         "config.json: .linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY cannot be used for sendmsg: strata passes the notify fd on with it"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerMetadata", "x"}},
         "config.json: .linux.seccomp.listenerMetadata: must not be set without listenerPath"},
        {{{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "agent.sock"}},
         "config.json: .linux.seccomp.listenerPath: must be an absolute path, not \"agent.sock\""},
    };
    for (const auto& c : cases) EXPECT_EQ(error_of(c.seccomp), c.message) << c.seccomp.dump();
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
TEST(SeccompFilter, ArchitectureOfTheOtherByteOrderIsRefused) {
    EXPECT_EQ(error_of({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_S390X"}}}),
              "config.json: .linux.seccomp.architectures[0]: SCMP_ARCH_S390X cannot be filtered on this host (other byte order)");
}
#endif

TEST(SeccompFilter, NotifyRuleAsksForAListener) {
    Program p = must_compile({{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"listenerPath", "/run/agent.sock"},
                              {"listenerMetadata", "meta"},
                              {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}});
    EXPECT_TRUE(p.notifies());
    EXPECT_EQ(p.listener_path, "/run/agent.sock");
    EXPECT_EQ(p.listener_metadata, "meta");
}

}  // namespace
}  // namespace strata::security::seccomp
