// Runs inside a QEMU guest whose /sys/fs/cgroup is a pure cgroup2 hierarchy (this project's CI
// hosts bind their controllers to v1, so v2 cannot be mounted with controllers there). Started
// by host_test.cc; every test here runs against the guest kernel's real cgroup2.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cgroup/layout.h"
#include "cgroup/manager.h"
#include "cgroup/v2/manager.h"
#include "tests/support/bundle.h"
#include "tests/support/cli.h"

namespace strata::test {
namespace {

std::string cat(const std::string& p) {
    std::string s = read_text(p);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// A child that runs `body` inside `dir`'s cgroup; returns its pid (the child _exits when done).
template <class F>
pid_t child_in(const std::string& dir, F body) {
    pid_t pid = fork();
    if (pid == 0) {
        std::ofstream(dir + "/cgroup.procs") << getpid();
        _exit(body());
    }
    return pid;
}

int wait_status(pid_t pid) {
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::unique_ptr<cgroup::Manager> make(const std::string& id) {
    auto m = cgroup::new_manager("", id);
    EXPECT_TRUE(m) << m.error().message();
    auto c = (*m)->create();
    EXPECT_TRUE(c) << c.error().message();
    return std::move(*m);
}

std::string dir_of(const cgroup::Manager& m) { return m.to_json()["dir"]; }

TEST(CgroupV2, HostLayoutIsPureV2) {
    auto l = cgroup::read_layout();
    ASSERT_TRUE(l) << l.error().message();
    EXPECT_EQ(l->mode, cgroup::Mode::v2);
}

TEST(CgroupV2, DefaultPathDelegatesControllersAndMapsOciFields) {
    auto m = make("limits");
    std::string d = dir_of(*m);
    EXPECT_EQ(d, "/sys/fs/cgroup/strata/limits");
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 16 << 20;
    r.cpu = spec::Cpu{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.pids_limit = 42;
    r.unified = {{"memory.high", "50000000"}};
    auto a = m->apply(r);
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(cat(d + "/memory.max"), std::to_string(64 << 20));
    EXPECT_EQ(cat(d + "/memory.low"), std::to_string(16 << 20));
    EXPECT_EQ(cat(d + "/memory.high"), "49999872");  // rounded down to pages
    EXPECT_EQ(cat(d + "/cpu.weight"), "39");          // OCI conversion of 1024 shares
    EXPECT_EQ(cat(d + "/cpu.max"), "50000 100000");
    EXPECT_EQ(cat(d + "/cpuset.cpus"), "0");
    EXPECT_EQ(cat(d + "/pids.max"), "42");
    ASSERT_TRUE(m->destroy());
    EXPECT_FALSE(std::filesystem::exists(d));
    EXPECT_TRUE(std::filesystem::exists("/sys/fs/cgroup/strata"));  // the shared level stays (v1/manager.cc)
}

TEST(CgroupV2, FieldsV2CannotExpressAreErrors) {
    auto m = make("inexpressible");
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->swappiness = 10;
    auto a = m->apply(r);
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message().find(".linux.resources.memory.swappiness"), std::string::npos) << a.error().message();
    spec::Resources rt;
    rt.cpu = spec::Cpu{};
    rt.cpu->realtime_runtime = 1000;
    auto b = m->apply(rt);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message().find("realtimeRuntime"), std::string::npos);
    ASSERT_TRUE(m->destroy());
}

TEST(CgroupV2, EbpfDeviceFilterAllowsDefaultsAndDeniesTheRest) {
    auto m = make("devices");
    spec::Resources r;
    spec::DeviceRule deny;
    deny.allow = false;
    deny.type = "a";
    deny.access = "rwm";
    r.devices = {deny};
    ASSERT_TRUE(m->apply(r));
    pid_t p = child_in(dir_of(*m), [] {
        bool null_ok = open("/dev/null", O_RDWR) >= 0;
        bool zero_ok = open("/dev/zero", O_RDONLY) >= 0;
        int k = open("/dev/kmsg", O_WRONLY);
        bool kmsg_denied = k < 0 && errno == EPERM;
        return null_ok && zero_ok && kmsg_denied ? 0 : 1;
    });
    EXPECT_EQ(wait_status(p), 0);
    ASSERT_TRUE(m->destroy());
}

TEST(CgroupV2, FreezeStopsAndThawResumes) {
    auto m = make("freezer");
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t p = child_in(dir_of(*m), [&] {
        for (unsigned i = 0;; ++i) {
            (void)!write(pipefd[1], &i, sizeof i);
            usleep(2000);
        }
        return 0;
    });
    close(pipefd[1]);
    unsigned v;
    ASSERT_EQ(read(pipefd[0], &v, sizeof v), (ssize_t)sizeof v);
    ASSERT_TRUE(m->set_frozen(true));
    EXPECT_TRUE(*m->frozen());
    // Drain what was written before the freeze, then nothing more may come.
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    while (read(pipefd[0], &v, sizeof v) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_LT(read(pipefd[0], &v, sizeof v), 0) << "the frozen child kept writing";
    ASSERT_TRUE(m->set_frozen(false));
    pollfd pf{pipefd[0], POLLIN, 0};
    EXPECT_EQ(poll(&pf, 1, 2000), 1) << "the thawed child did not resume";
    ASSERT_TRUE(m->kill_all(SIGKILL));  // cgroup.kill
    EXPECT_EQ(wait_status(p), 128 + SIGKILL);
    close(pipefd[0]);
    ASSERT_TRUE(m->destroy());
}

TEST(CgroupV2, OomKillIsCountedAndNotified) {
    auto m = make("oom");
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 16 << 20;
    r.memory->swap = 16 << 20;  // memory+swap = memory: no swap
    ASSERT_TRUE(m->apply(r));
    auto notifier = m->oom_notifier();
    ASSERT_TRUE(notifier) << notifier.error().message();
    pid_t p = child_in(dir_of(*m), [] {
        std::vector<char*> blocks;
        for (int i = 0; i < 64; ++i) {
            char* b = new char[1 << 20];
            for (int j = 0; j < (1 << 20); j += 4096) b[j] = 1;
            blocks.push_back(b);
        }
        return 0;
    });
    EXPECT_EQ(wait_status(p), 128 + SIGKILL);
    pollfd pf{notifier->get(), POLLIN, 0};
    EXPECT_EQ(poll(&pf, 1, 2000), 1);
    EXPECT_GE(*m->oom_kill_count(), 1u);
    auto st = m->stats();
    ASSERT_TRUE(st);
    EXPECT_GE(st->memory.oom_kills, 1u);
    EXPECT_EQ(st->memory.usage.limit, 16u << 20);
    ASSERT_TRUE(m->destroy());
}

// The whole runtime on cgroup v2: strata itself, a busybox bundle, the CLI.
class RuntimeOnV2 : public ::testing::Test {
protected:
    void SetUp() override {
        bundle_dir = "/tmp/bundle";
        std::filesystem::remove_all(bundle_dir);
        std::filesystem::create_directories(bundle_dir);
        make_busybox_rootfs(bundle_dir + "/rootfs");
        auto spec = run_cmd({strata_bin(), "spec", "--bundle", bundle_dir});
        ASSERT_EQ(spec.status, 0) << spec.err;
        config = nlohmann::json::parse(read_text(bundle_dir + "/config.json"));
        config["process"]["terminal"] = false;
    }
    void save() { write_text(bundle_dir + "/config.json", config.dump()); }
    std::string bundle_dir;
    nlohmann::json config;
    Strata strata{"/run/strata-v2-test"};
};

TEST_F(RuntimeOnV2, ContainerSeesItsOwnCgroupWithLimits) {
    config["linux"]["resources"]["memory"] = {{"limit", 32 << 20}};
    config["linux"]["resources"]["pids"] = {{"limit", 20}};
    // The node exists in the container; the default device policy must refuse opening it.
    config["linux"]["devices"] = {{{"type", "c"}, {"path", "/dev/kmsg"}, {"major", 1}, {"minor", 11}, {"fileMode", 0644}}};
    config["process"]["args"] = {"sh", "-c", "cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; "
                                             "head -c 1 /dev/null; (exec 3>/dev/kmsg) 2>/dev/null || echo kmsg-denied"};
    save();
    auto r = strata({"run", "-b", bundle_dir, "v2c"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0::/\n" + std::to_string(32 << 20) + "\n20\nkmsg-denied\n");
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/strata/v2c"));
}

TEST_F(RuntimeOnV2, PauseResumeKillAllAndDelete) {
    config["process"]["args"] = {"sh", "-c", "sleep 100 & sleep 100 & wait"};
    save();
    auto r = strata.detached({"run", "-d", "-b", bundle_dir, "v2p"}, "/tmp/v2p.log");
    ASSERT_EQ(r.status, 0) << r.out;
    std::vector<int> pids;
    for (int i = 0; i < 200 && pids.size() != 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        pids = nlohmann::json::parse(strata({"ps", "--format", "json", "v2p"}).out).get<std::vector<int>>();
    }
    ASSERT_EQ(pids.size(), 3u);
    ASSERT_EQ(strata({"pause", "v2p"}).status, 0);
    EXPECT_EQ(cat("/sys/fs/cgroup/strata/v2p/cgroup.freeze"), "1");
    EXPECT_NE(strata({"state", "v2p"}).out.find("\"paused\""), std::string::npos);
    ASSERT_EQ(strata({"resume", "v2p"}).status, 0);
    ASSERT_EQ(strata({"update", "--memory", "48M", "v2p"}).status, 0);
    EXPECT_EQ(cat("/sys/fs/cgroup/strata/v2p/memory.max"), std::to_string(48 << 20));
    auto st = nlohmann::json::parse(strata({"events", "--stats", "v2p"}).out);
    EXPECT_EQ(st["data"]["pids"]["current"], 3);
    ASSERT_EQ(strata({"kill", "--all", "v2p", "KILL"}).status, 0);
    ASSERT_EQ(strata({"delete", "--force", "v2p"}).status, 0);
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/strata/v2p"));
}

}  // namespace
}  // namespace strata::test
