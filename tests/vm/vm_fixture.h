#pragma once
// The fixture of the micro-VM CLI tests: the integration fixture's bundle annotated
// org.strata.substrate=vm, skipped (with the reason) where the host has no VM backend, guest
// kernel or agent, and helpers to find the VM's processes.

#include <dirent.h>
#include <sys/utsname.h>

#include <sstream>
#include <string>

#include "tests/integration/fixture.h"

namespace strata::test {

// QEMU processes that hold a file under `dir` open (a VM's console and VMM logs are in its
// state directory): what a micro-VM leaves if its monitor's death did not end its VMM.
inline std::vector<int> vmms_holding(const std::string& dir) {
    std::vector<int> out;
    DIR* d = opendir("/proc");
    while (dirent* e = d ? readdir(d) : nullptr) {
        int pid = atoi(e->d_name);
        if (pid <= 0) continue;
        std::string proc = "/proc/" + std::to_string(pid);
        if (read_text(proc + "/comm").find("qemu") == std::string::npos) continue;
        std::string stat = read_text(proc + "/stat");
        auto close = stat.rfind(')');
        if (close == std::string::npos || stat.substr(close + 2, 1) == "Z") continue;  // gone, or a zombie
        DIR* fds = opendir((proc + "/fd").c_str());
        bool holds = false;
        while (dirent* f = fds ? readdir(fds) : nullptr) {
            char target[4096];
            ssize_t n = readlink((proc + "/fd/" + f->d_name).c_str(), target, sizeof target - 1);
            if (n > 0 && std::string(target, static_cast<size_t>(n)).starts_with(dir + "/")) holds = true;
        }
        if (fds) closedir(fds);
        if (holds) out.push_back(pid);
    }
    if (d) closedir(d);
    return out;
}

class Vm : public ContainerTest {
protected:
    void SetUp() override {
        ContainerTest::SetUp();
        if (IsSkipped() || HasFailure()) return;
        auto info = strata({"info", "--json"});
        ASSERT_EQ(info.status, 0) << info.err;
        host = nlohmann::json::parse(info.out)["vm"];
        STRATA_REQUIRE(!host["backend"].is_null(), "no vm backend: " + host["reason"].dump());
        STRATA_REQUIRE(host["kernel"].contains("path"), "no guest kernel: " + host["kernel"].dump() +
                                                            " (run `strata vm kernel build` or install linux-image-cloud-amd64)");
        STRATA_REQUIRE(host["agent"].get<std::string>().starts_with("/"), "no guest agent: " + host["agent"].dump());
        bundle->config["annotations"]["org.strata.substrate"] = "vm";
        bundle->save();
    }
    // The QEMU process under the monitor `pid` (0 if none).
    static int vmm_of(int monitor) {
        DIR* d = opendir("/proc");
        int found = 0;
        while (dirent* e = d ? readdir(d) : nullptr) {
            int pid = atoi(e->d_name);
            if (pid <= 0) continue;
            std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
            auto close = stat.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(stat.substr(close + 2));
            std::string state;
            int ppid = 0;
            rest >> state >> ppid;
            if (ppid == monitor && stat.find("(qemu-system") != std::string::npos) found = pid;
        }
        if (d) closedir(d);
        return found;
    }
    int state_pid(const std::string& id) { return nlohmann::json::parse(strata({"state", id}).out)["pid"]; }
    static std::string host_release() {
        utsname u{};
        uname(&u);
        return u.release;
    }

    nlohmann::json host;
    static constexpr auto kBoot = std::chrono::seconds(120);  // a loaded machine under TCG
};

}  // namespace strata::test
