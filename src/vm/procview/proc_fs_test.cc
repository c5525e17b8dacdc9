#include "vm/procview/proc_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "sys/file.h"
#include "tests/support/child.h"

namespace strata::vm::procview {
namespace {

agent::GuestProcesses two_processes() {
    agent::GuestProcesses ps;
    ps.uptime_ms = 5000;
    ps.pid_ns = "pid:[4026532999]";
    agent::GuestProcess init;
    init.pid = 1;
    init.state = 'S';
    init.comm = "sleep";
    init.args = {"sleep", "1000"};
    agent::GuestProcess shell = init;
    shell.pid = 12;
    shell.ppid = 1;
    shell.uids = {1000, 1000, 1000, 1000};
    shell.comm = "sh";
    shell.args = {"sh"};
    ps.list = {init, shell};
    return ps;
}

// Runs `body` in a child with a mount namespace of its own and a ProcFs mounted at a fresh
// directory; returns what the child reported ("" when all its checks held).
std::string in_mounted_procfs(ProcFs::Ask ask, const std::function<std::string(const std::string&)>& body) {
    return test::output_of_child([&]() -> std::string {
        if (::unshare(CLONE_NEWNS) < 0 || ::mount("", "/", "", MS_REC | MS_PRIVATE, "") < 0) return "unshare/private";
        char dir[] = "/tmp/procfs-test.XXXXXX";
        if (!::mkdtemp(dir)) return "mkdtemp";
        auto fs = ProcFs::create(std::move(ask));
        if (!fs) return fs.error().message();
        int fd = ::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (auto m = (*fs)->mount_on(fd); !m) return m.error().message();
        (*fs)->serve();
        std::string result = body(dir);
        (*fs)->stop(dir);
        ::rmdir(dir);
        return result;
    });
}

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) names.insert(e->d_name);
        ::closedir(d);
    }
    return names;
}

std::string read_or(const std::string& path) {
    auto r = sys::read_file(path);
    return r ? *r : "<" + r.error().message() + ">";
}

class ProcFsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "did not run: mounting FUSE needs root";
    }
};

TEST_F(ProcFsTest, ListsAndRendersTheGuestsProcesses) {
    int asked = 0;
    std::string failed = in_mounted_procfs(
        [&]() -> Result<agent::GuestProcesses> {
            ++asked;
            return two_processes();
        },
        [&](const std::string& dir) -> std::string {
            auto names = names_in(dir);
            if (names != std::set<std::string>{".", "..", "stat", "1", "12"}) return "listing: " + std::to_string(names.size());
            if (names_in(dir + "/12") != std::set<std::string>{".", "..", "stat", "status", "cmdline", "comm", "ns"})
                return "a process's directory";
            if (read_or(dir + "/12/cmdline") != std::string("sh\0", 3)) return "cmdline: " + read_or(dir + "/12/cmdline");
            if (read_or(dir + "/1/comm") != "sleep\n") return "comm: " + read_or(dir + "/1/comm");
            std::string status = read_or(dir + "/12/status");
            if (status.find("Uid:\t1000\t1000\t1000\t1000\n") == std::string::npos) return "status: " + status;
            if (!read_or(dir + "/1/stat").starts_with("1 (sleep) S 0 ")) return "stat: " + read_or(dir + "/1/stat");
            if (!read_or(dir + "/stat").starts_with("btime ")) return "/stat: " + read_or(dir + "/stat");
            char link[64] = {};
            if (::readlink((dir + "/12/ns/pid").c_str(), link, sizeof link - 1) < 0 || std::string(link) != "pid:[4026532999]")
                return std::string("ns/pid: ") + link;
            struct stat st{};
            if (::stat((dir + "/2").c_str(), &st) == 0 || errno != ENOENT) return "a pid the guest did not list exists";
            if (::open((dir + "/1/status").c_str(), O_WRONLY | O_CLOEXEC) >= 0) return "opened for writing";
            if (::mkdir((dir + "/x").c_str(), 0755) == 0 || errno != EROFS) return "mkdir: " + std::to_string(errno);
            return "";
        });
    EXPECT_EQ(failed, "");
}

TEST_F(ProcFsTest, AGuestThatCannotAnswerIsAnErrorNotAnEmptyList) {
    std::string failed = in_mounted_procfs([]() -> Result<agent::GuestProcesses> { return os_error(ECONNREFUSED, "ask"); },
                                           [](const std::string& dir) -> std::string {
                                               DIR* d = ::opendir(dir.c_str());
                                               if (d) {
                                                   ::closedir(d);
                                                   return "listed";
                                               }
                                               if (errno != ECONNREFUSED) return "errno " + std::to_string(errno);
                                               if (::open((dir + "/1/stat").c_str(), O_RDONLY | O_CLOEXEC) >= 0) return "opened";
                                               return "";
                                           });
    EXPECT_EQ(failed, "");
}

}  // namespace
}  // namespace strata::vm::procview
