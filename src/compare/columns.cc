#include "compare/columns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strings.h"
#include "cgroup/layout.h"
#include "compare/qemu_baseline.h"
#include "sys/file.h"

namespace strata::compare {

std::string_view group_name(Group g) {
    switch (g) {
        case Group::bare: return "bare";
        case Group::container: return "container";
        case Group::vm: return "vm";
    }
    return "";
}

namespace {

std::vector<std::string> with(std::vector<std::string> base, std::initializer_list<std::string> more) {
    base.insert(base.end(), more);
    return base;
}

Column runtime_column(std::string key, std::string title, Group group, bool peer, std::vector<std::string> base,
                      std::vector<std::string> extra_run) {
    Column c;
    c.key = std::move(key);
    c.title = std::move(title);
    c.group = group;
    c.peer = peer;
    auto run = with(base, {"run"});
    run.insert(run.end(), extra_run.begin(), extra_run.end());
    c.run = with(run, {"-b", "{bundle}", "{id}"});
    c.detach = with(run, {"-d", "-b", "{bundle}", "{id}"});
    c.state = with(base, {"state", "{id}"});
    c.remove = with(base, {"delete", "--force", "{id}"});
    c.list = with(base, {"list", "-q"});
    return c;
}

}  // namespace

std::vector<Column> make_columns(const std::string& strata_bin, const std::string& work, const std::string& probe) {
    std::vector<Column> cols;
    std::vector<std::string> strata = {strata_bin, "--root", work + "/state-strata"};
    cols.push_back(runtime_column("bare", "bare metal", Group::bare, false, strata, {"--substrate", "bare"}));
    cols.push_back(runtime_column("container", "container", Group::container, false, strata, {"--substrate", "container"}));
    auto crun = runtime_column("crun", "crun", Group::container, true, {"crun", "--root", work + "/state-crun"}, {});
    if (!sys::exists("/usr/bin/crun")) {
        crun.available = false;
        crun.unavailable_reason = "crun is not installed";
    }
    // crun refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported"); it runs in a
    // mount namespace of its own where the cgroup2 mount is not there.
    auto layout = cgroup::host_layout();
    crun.private_v1_namespace = layout && (*layout)->mode == cgroup::Mode::hybrid;
    if (crun.private_v1_namespace) crun.title = "crun (v1 view)";
    cols.push_back(crun);
    auto runc = runtime_column("runc", "runc", Group::container, true, {"runc", "--root", work + "/state-runc"}, {});
    if (!sys::exists("/usr/sbin/runc") && !sys::exists("/usr/bin/runc")) {
        runc.available = false;
        runc.unavailable_reason = "runc is not installed";
    }
    cols.push_back(runc);
    cols.push_back(runtime_column("vm", "micro-VM", Group::vm, false, strata, {"--substrate", "vm"}));
    // The same VM booted every time: the column to set against bare QEMU's cold boot.
    cols.push_back(runtime_column("vm-boot", "micro-VM, cold boot", Group::vm, false, strata,
                                  {"--substrate", "vm", "--vm-template", "off"}));
    for (auto& c : qemu_columns(work, probe)) cols.push_back(std::move(c));
    return cols;
}

namespace {

std::vector<std::string> fill(const std::vector<std::string>& argv, const std::string& bundle, const std::string& id) {
    std::vector<std::string> out;
    for (auto a : argv) {
        if (a == "{bundle}") a = bundle;
        if (a == "{id}") a = id;
        out.push_back(a);
    }
    return out;
}

std::string argv_in_words(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
}

}  // namespace

Result<Spawned> spawn(const Column& c, const std::vector<std::string>& argv_in, const std::string& bundle,
                      const std::string& id) {
    if (c.launch) return c.launch(bundle);
    auto argv = c.argv_for ? c.argv_for(bundle) : fill(argv_in, bundle, id);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) return os_error(errno, "pipe");
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return os_error(errno, "fork");
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(pipefd[1], 1);
        ::dup2(pipefd[1], 2);
        if (c.private_v1_namespace) {
            if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) ::_exit(125);
            ::umount2("/sys/fs/cgroup/unified", MNT_DETACH);
        }
        ::execvp(a[0], a.data());
        ::_exit(127);
    }
    ::close(pipefd[1]);
    Spawned s;
    s.pid = pid;
    s.out.reset(pipefd[0]);
    return s;
}

Result<std::string> run_capture(const Column& c, const std::vector<std::string>& argv, const std::string& bundle,
                                const std::string& id) {
    Spawned s = STRATA_TRY(spawn(c, argv, bundle, id));
    std::string out = sys::read_all(s.out.get(), "output of " + c.title).value_or("");
    int st = 0;
    ::waitpid(s.pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return error(c.title + ": " + argv_in_words(argv) + " failed: " + std::string(trim(out)));
    return out;
}

}  // namespace strata::compare
