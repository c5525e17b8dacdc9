#pragma once
// Podman driving the built strata (--runtime), for the clients tests: an environment of its own
// (storage, run dir, temp dir in a temp directory, cgroupfs, file events) with a busybox image
// imported from a rootfs built here, and a fixture that requires root and Podman.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/require.h"

namespace strata::test {

// One Podman environment for the suite: its own storage, run dir and a busybox image imported
// from a rootfs built here.
class PodmanEnv {
public:
    PodmanEnv() : m_dir("strata-podman") {
        m_base = {"podman",      "--root",         m_dir.path() + "/storage", "--runroot",     m_dir.path() + "/run",
                  "--tmpdir",    m_dir.path() + "/tmp", "--cgroup-manager=cgroupfs", "--events-backend=file",
                  "--runtime",   strata_bin()};
        std::string rootfs = m_dir.path() + "/rootfs";
        make_busybox_rootfs(rootfs);
        auto imp = run_cmd({"sh", "-c", "tar -C " + rootfs + " -c . | " + join() + " import - localhost/strata-test:busybox"});
        m_ok = imp.status == 0;
        m_import_error = imp.err;
    }
    ~PodmanEnv() {
        run(std::vector<std::string>{"rm", "-af"});
        run(std::vector<std::string>{"rmi", "-af"});
        // Podman unmounts its overlays on rm; anything left would block the temp dir's removal.
        run_cmd({"sh", "-c", "grep -o ' " + m_dir.path() + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r umount -l"});
    }
    bool ok() const { return m_ok; }
    const std::string& import_error() const { return m_import_error; }
    const std::string& dir() const { return m_dir.path(); }
    std::vector<std::string> argv(const std::vector<std::string>& args) const {
        auto a = m_base;
        a.insert(a.end(), args.begin(), args.end());
        return a;
    }
    CmdResult run(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(120)) const {
        return run_cmd(argv(args), "", timeout);
    }
    std::string join() const {
        std::string s;
        for (const auto& a : m_base) s += a + " ";
        return s;
    }

private:
    TempDir m_dir;
    std::vector<std::string> m_base;
    bool m_ok = false;
    std::string m_import_error;
};

// Podman on this host needs low ulimits: the sandbox lacks CAP_SYS_RESOURCE (DEVELOPERS.md).
inline const std::vector<std::string> kUlimits = {"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"};
inline const std::string kImage = "localhost/strata-test:busybox";

class Podman : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (is_root() && std::filesystem::exists("/usr/bin/podman")) env = new PodmanEnv();
    }
    static void TearDownTestSuite() {
        delete env;
        env = nullptr;
    }
    void SetUp() override {
        STRATA_REQUIRE_ROOT();
        STRATA_REQUIRE(env != nullptr, "podman is not installed (apt-get install podman)");
        ASSERT_TRUE(env->ok()) << "podman import: " << env->import_error();
    }
    static std::vector<std::string> run_args(std::vector<std::string> extra) {
        std::vector<std::string> a = {"run"};
        a.insert(a.end(), kUlimits.begin(), kUlimits.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    inline static PodmanEnv* env = nullptr;
};


}  // namespace strata::test
