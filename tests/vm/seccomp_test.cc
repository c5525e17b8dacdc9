// linux.seccomp inside the guest: the host compiles the profile (libseccomp, its cache) and the
// agent loads it last before exec, into the workload and every exec'd process, in the container
// init's order; SCMP_ACT_NOTIFY is refused at create with the rule's path.

#include <unistd.h>

#include <algorithm>

#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmSeccomp : public Vm {
protected:
    // `strata spec`'s default profile with mkdir taken out of its allow rules and denied with
    // EPERM, on a writable root (a read-only one would fail mkdir with EROFS instead).
    void deny_mkdir() {
        auto& sc = bundle->config["linux"]["seccomp"];
        ASSERT_TRUE(sc.is_object()) << "strata spec's bundle has no default seccomp profile";
        auto& rules = sc["syscalls"];
        for (size_t r = rules.size(); r-- > 0;) {
            auto& names = rules[r]["names"];
            for (size_t i = names.size(); i-- > 0;)
                if (names[i] == "mkdir" || names[i] == "mkdirat") names.erase(i);
            if (names.empty()) rules.erase(r);
        }
        sc["syscalls"].push_back({{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}});
        bundle->config["root"]["readonly"] = false;
        bundle->save();
    }
    static constexpr const char* kProbe =
        "grep '^Seccomp:' /proc/self/status; mkdir /tmp/denied 2>&1 || echo mkdir refused; echo done";
};

// Both orders: without no_new_privs the filter goes in before the identity switch (while the
// agent's child still has CAP_SYS_ADMIN), with it right before exec.
TEST_F(VmSeccomp, ADeniedSyscallIsEpermInTheWorkloadWithOrWithoutNoNewPrivileges) {
    deny_mkdir();
    for (bool nnp : {false, true}) {
        bundle->config["process"]["noNewPrivileges"] = nnp;
        bundle->config["process"]["user"] = {{"uid", nnp ? 65534 : 0}, {"gid", nnp ? 65534 : 0}};
        bundle->set_args({"sh", "-c", kProbe});
        std::string id = nnp ? "sc-nnp" : "sc-caps";
        auto r = strata({"run", "-b", bundle->path(), id}, "", kBoot);
        EXPECT_EQ(r.status, 0) << id << ": " << r.err;
        EXPECT_NE(r.out.find("Seccomp:\t2\n"), std::string::npos) << id << ": no filter in force: " << r.out;
        EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << id << ": " << r.out;
        EXPECT_NE(r.out.find("mkdir refused\ndone\n"), std::string::npos) << id << ": " << r.out;
        EXPECT_EQ(r.err.find("seccomp"), std::string::npos) << "a warning about seccomp: " << r.err;
    }
}

// runc's exec puts the container's profile on exec'd processes too; so does the agent.
TEST_F(VmSeccomp, ExecdProcessesGetTheWorkloadsFilter) {
    deny_mkdir();
    bundle->set_args({"sleep", "1000"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "sc-exec"}, log_path()).status, 0) << read_text(log_path());
    auto r = strata({"exec", "sc-exec", "sh", "-c", kProbe}, "", kBoot);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Seccomp:\t2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mkdir refused\ndone\n"), std::string::npos) << r.out;
    EXPECT_EQ(strata({"delete", "--force", "sc-exec"}).status, 0);
}

// The notify fd would be the guest kernel's; the host's listener cannot serve it.
TEST_F(VmSeccomp, NotifyIsRefusedAtCreateNamingTheRuleAndLeavesNothing) {
    auto& sc = bundle->config["linux"]["seccomp"];
    sc["listenerPath"] = root.path() + "/listener.sock";
    sc["syscalls"].push_back({{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}});
    size_t index = sc["syscalls"].size() - 1;
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), "sc-notify"}, "", kBoot);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("config.json: .linux.seccomp.syscalls[" + std::to_string(index) + "].action: SCMP_ACT_NOTIFY is not supported on the vm substrate"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "more than one error line: " << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(access((root.path() + "/sc-notify").c_str(), F_OK), -1) << "a state dir was left";
}

}  // namespace
}  // namespace strata::test
