// strata compare's micro-VM columns, run for real (label vm: each instance is a guest under
// emulation here): strata's VM from its template, the same VM cold-booted, bare QEMU microvm
// cold-booted and restored from its own saved state are measured, their JSON matches the
// schema, and the VM's cells come from inside its own kernel, host-directory I/O through its
// file share included.

#include <fcntl.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <thread>

#include <set>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/json_schema.h"
#include "tests/support/require.h"

namespace strata::test {
namespace {

const nlohmann::json* column(const nlohmann::json& doc, const std::string& key) {
    for (const auto& c : doc["columns"])
        if (c["key"] == key) return &c;
    return nullptr;
}

TEST(CompareVm, StrataVmAndBareQemuAreMeasuredFromInsideTheirGuests) {
    STRATA_REQUIRE_ROOT();
    auto info = nlohmann::json::parse(run_cmd({strata_bin(), "info", "--json"}).out)["vm"];
    STRATA_REQUIRE(!info["backend"].is_null() && info["kernel"].contains("path"), "no VM backend or guest kernel: " + info.dump());
    auto r = run_cmd({strata_bin(), "compare", "--json", "--only", "vm,vm-boot,qemu,qemu-restore", "-n", "2", "--budget", "512"}, "",
                     std::chrono::minutes(15));
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    auto errs = validate_json(doc, nlohmann::json::parse(read_text(STRATA_SOURCE_DIR "/docs/compare.schema.json")));
    EXPECT_TRUE(errs.empty()) << errs.front();
    const auto* vm = column(doc, "vm");
    const auto* boot = column(doc, "vm-boot");
    const auto* qemu = column(doc, "qemu");
    const auto* restored = column(doc, "qemu-restore");
    ASSERT_TRUE(vm && boot && qemu && restored);
    ASSERT_TRUE((*boot)["available"].get<bool>()) << boot->dump();
    ASSERT_TRUE((*vm)["available"].get<bool>()) << vm->dump();
    ASSERT_TRUE((*qemu)["available"].get<bool>()) << qemu->dump();
    ASSERT_TRUE((*restored)["available"].get<bool>()) << restored->dump();
    utsname u{};
    uname(&u);
    for (const auto* c : {vm, boot, qemu, restored}) {
        EXPECT_GT((*c)["startup"]["exitMs"]["min"].get<double>(), 0) << c->dump();
        EXPECT_GT((*c)["cpu"]["computeMs"]["median"].get<double>(), 0) << c->dump();
        EXPECT_GT((*c)["io"]["rootfs"]["writeMBps"].get<double>(), 0) << c->dump();
        // Counted until 512 MiB of PSS is used (or the cap of 20): whichever stopped it, another
        // instance would not have fitted.
        const auto& d = (*c)["density"];
        EXPECT_GT(d["started"].get<int>(), 0) << c->dump();
        if (d["stoppedBy"] == "budget")
            EXPECT_GT(d["usedMiB"].get<double>() + (*c)["pssMiB"].get<double>(), 512) << c->dump();
        else
            EXPECT_EQ(d["stoppedBy"], "cap") << c->dump();
        EXPECT_NE((*c)["isolation"]["kernel"].get<std::string>(), u.release) << "measured on the host's kernel: " << c->dump();
        // One memory metric for every column, the PSS of the instance's processes: for strata's
        // VM that is the monitor and its QEMU child, which maps guest RAM (far above 8 MiB).
        EXPECT_GT((*c)["pssMiB"].get<double>(), 8) << c->dump();
    }
    // strata's VM shares the bundle's bind mount into the guest (virtio-9p): a host-dir cell.
    EXPECT_GT((*vm)["io"]["hostDir"]["readMBps"].get<double>(), 0) << vm->dump();
    EXPECT_EQ((*vm)["isolation"]["seccomp"], "filter") << "the guest's workload runs without its seccomp profile";
    // A restore is set against a restore, a boot against a boot: the cold-boot ratio is there,
    // and the template restore is faster than strata's own cold boot (minimums: noise cannot
    // lower them).
    std::set<std::string> ratios;
    for (const auto& x : doc["ratios"]) ratios.insert(x["what"].get<std::string>());
    EXPECT_TRUE(ratios.count("startup to exit: strata micro-VM cold boot / bare QEMU microvm cold boot")) << doc["ratios"].dump();
    EXPECT_TRUE(ratios.count("startup to exit: strata micro-VM template restore / bare QEMU microvm restore"))
        << doc["ratios"].dump();
    for (const auto& what : ratios)
        EXPECT_EQ(what.find("(cold boot)"), std::string::npos) << "a restore set against a boot: " << what;
    EXPECT_LT((*vm)["startup"]["exitMs"]["min"].get<double>(), (*boot)["startup"]["exitMs"]["min"].get<double>());
    // Bare QEMU's restore is a restore, not a second cold boot in disguise.
    EXPECT_LT((*restored)["startup"]["exitMs"]["min"].get<double>(), (*qemu)["startup"]["exitMs"]["min"].get<double>());
}

// ^C in the middle of the density count, with idle micro-VMs running (their monitors and QEMU
// live outside compare's process group): the run exits 130 and nothing it started is left, not
// a process, a mount nor its work directory.
TEST(CompareVm, AnInterruptedRunLeavesNothingBehind) {
    STRATA_REQUIRE_ROOT();
    auto info = nlohmann::json::parse(run_cmd({strata_bin(), "info", "--json"}).out)["vm"];
    STRATA_REQUIRE(!info["backend"].is_null() && info["kernel"].contains("path"), "no VM backend or guest kernel: " + info.dump());
    std::set<std::string> before;
    for (const auto& e : std::filesystem::directory_iterator("/var/tmp")) before.insert(e.path());
    pid_t pid = ::fork();
    if (pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execl(strata_bin().c_str(), "strata", "compare", "--only", "vm", "-n", "1", "--budget", "4096", nullptr);
        ::_exit(127);
    }
    std::string dir;
    bool idle = false;
    for (int i = 0; i < 1800 && !idle; ++i) {  // up to 3 minutes to reach the density count
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (dir.empty())
            for (const auto& e : std::filesystem::directory_iterator("/var/tmp"))
                if (!before.count(e.path()) && e.path().filename().string().starts_with("strata-compare.")) dir = e.path();
        if (dir.empty()) continue;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir + "/state-strata", ec))
            if (e.path().filename().string().starts_with("cmp-vm-idle-")) idle = true;
    }
    ASSERT_TRUE(idle) << "no idle VM appeared under " << dir;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
    std::string left;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream f(e.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (cmdline.find(dir) != std::string::npos) left += name + " ";
    }
    EXPECT_EQ(left, "") << "processes of the interrupted run";
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(dir), std::string::npos) << "a mount of the interrupted run";
}

}  // namespace
}  // namespace strata::test
