#include "compare/qemu_baseline.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "base/scope_exit.h"
#include "base/strings.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/socket.h"
#include "vm/assets/assets.h"
#include "vm/assets/cpio.h"
#include "vm/backend/host.h"
#include "vm/backend/qemu/migration.h"
#include "vm/backend/qemu/qmp.h"
#include "vm/monitor/plan.h"

namespace strata::compare {
namespace {

constexpr int kMemMib = 256;
constexpr int kBootTimeoutMs = 120000;  // a cold boot under TCG on a loaded 2-core host
constexpr int kStepTimeoutMs = 20000;

// QEMU's argv up to (not including) -append, and the guest's command line up to "--".
struct QemuMachine {
    std::vector<std::string> argv;
    std::string cmdline;
};

// The machine both baselines run, or why this host cannot run it.
Result<QemuMachine> probe_machine(const std::string& work, const std::string& probe) {
    const vm::HostVirt& host = vm::host_virt();
    if (host.qemu.empty()) return error("qemu-system-x86_64 is not installed");
    // The kernel strata's VM boots for these bundles: they bind-mount a host directory, so it is
    // one with 9p (Debian's linux-image-amd64 when the cloud kernel has none). A boot of the
    // same kernel on both sides, or the ratio compares kernels, not VMMs.
    auto kernel = STRATA_TRY(vm::find_kernel("", true));
    std::string initrd = work + "/qemu-probe.cpio";
    vm::CpioWriter cpio;
    cpio.add_dir("dev");
    cpio.add_node("dev/console", S_IFCHR | 0600, makedev(5, 1));
    cpio.add_dir("proc");
    auto added = cpio.add_host_file("probe", probe, 0755);
    std::string image = cpio.finish();
    auto fd = sys::open(initrd, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!added || !fd || !sys::write_all(fd->get(), image, initrd)) return error("could not write the probe's initramfs in " + work);
    bool kvm = host.kvm_accelerated();
    QemuMachine m;
    m.cmdline = vm::guest_cmdline(kvm, host.tsc_khz);
    auto at = m.cmdline.find("rdinit=/init");
    if (at != std::string::npos) m.cmdline.replace(at, 12, "rdinit=/probe");
    m.argv = {host.qemu, "-M", std::string("microvm,acpi=") + (kernel.acpi ? "on" : "off"),
              "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
              "-m", std::to_string(kMemMib), "-serial", "stdio", "-kernel", kernel.path, "-initrd", initrd};
    if (kvm) m.argv.insert(m.argv.end(), {"-accel", "kvm", "-cpu", "host,-arch-capabilities"});
    else m.argv.insert(m.argv.end(), {"-accel", "tcg", "-cpu", "max"});
    return m;
}

// The probe's arguments from the bundle every column runs (its process.args after argv[0]).
std::vector<std::string> probe_args(const std::string& bundle) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(sys::read_file(bundle + "/config.json").value_or("{}"), nullptr, false);
    if (j.is_object() && j["process"]["args"].is_array())
        for (size_t i = 1; i < j["process"]["args"].size(); ++i) out.push_back(j["process"]["args"][i].get<std::string>());
    return out;
}

struct Qemu {
    pid_t pid = -1;
    UniqueFd out;  // the serial console (stdout and stderr)
    UniqueFd in;   // its input, when asked for
};

// Starts argv with `keep` (QMP's socket) inherited at the same number.
Result<Qemu> start(const std::vector<std::string>& argv, int keep, bool with_input) {
    int out[2], in[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) < 0) return os_error(errno, "pipe");
    if (with_input && ::pipe2(in, O_CLOEXEC) < 0) {
        int err = errno;
        ::close(out[0]);
        ::close(out[1]);
        return os_error(err, "pipe");
    }
    std::vector<std::string> copy = argv;
    std::vector<char*> a;
    for (auto& s : copy) a.push_back(s.data());
    a.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        for (int fd : {out[0], out[1], in[0], in[1]})
            if (fd >= 0) ::close(fd);
        return os_error(err, "fork");
    }
    if (pid == 0) {
        int input = with_input ? in[0] : ::open("/dev/null", O_RDONLY);
        ::dup2(input, 0);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        if (keep >= 0) ::fcntl(keep, F_SETFD, 0);
        ::execv(a[0], a.data());
        ::_exit(127);
    }
    ::close(out[1]);
    Qemu q;
    q.pid = pid;
    q.out.reset(out[0]);
    if (with_input) {
        ::close(in[0]);
        q.in.reset(in[1]);
    }
    return q;
}

void end(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

// Reads the console until `marker` shows (or EOF, or the deadline).
Result<> wait_for(int fd, std::string_view marker, int timeout_ms, std::string& seen) {
    int64_t deadline = sys::monotonic_ms() + timeout_ms;
    while (seen.find(marker) == std::string::npos) {
        int64_t left = deadline - sys::monotonic_ms();
        if (left <= 0) return os_error(ETIMEDOUT, "waiting for " + std::string(marker) + " on the guest's console");
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return error("QEMU ended before " + std::string(marker) + ": " + std::string(trim(seen)).substr(0, 300));
        seen.append(buf, static_cast<size_t>(n));
    }
    return {};
}

// One saved guest and the instances restored from it. Saved on first use (compare's check
// run, which is not timed), in the comparison's work directory.
class Snapshot {
public:
    Snapshot(QemuMachine m, const std::string& work)
        : m_machine(std::move(m)), m_ram(work + "/qemu-restore.ram"), m_state(work + "/qemu-restore.state") {}

    Result<Spawned> restore(const std::vector<std::string>& args) {
        if (!m_saved) {
            if (!m_failure.empty()) return error(m_failure);
            auto saved = save();
            if (!saved) {
                m_failure = "saving bare QEMU's guest: " + saved.error().message();
                return error(m_failure);
            }
            m_saved = true;
        }
        UniqueFd qmp_fd;
        Qemu q = STRATA_TRY(launch(false, qmp_fd));
        ScopeExit kill_it([&] { end(q.pid); });
        auto qmp = STRATA_TRY(vm::qemu::Qmp::connect(std::move(qmp_fd), kStepTimeoutMs));
        UniqueFd state = STRATA_TRY(sys::open(m_state, O_RDONLY | O_CLOEXEC));
        STRATA_TRY(with_context(vm::qemu::load_state(qmp, state.get(), kStepTimeoutMs), "restoring bare QEMU's saved guest"));
        // The probe waits on the console for its mode.
        std::string line = join(args, " ") + "\n";
        STRATA_TRY(sys::write_all(q.in.get(), line, "bare QEMU's console"));
        q.in.reset();
        kill_it.dismiss();
        Spawned s;
        s.pid = q.pid;
        s.out = std::move(q.out);
        return s;
    }

private:
    // The machine with its RAM in the file, and a QMP socket (its host end in `qmp`): shared
    // to be saved, or mapped copy-on-write and waiting at -incoming to be restored.
    Result<Qemu> launch(bool save, UniqueFd& qmp) const {
        auto ch = STRATA_TRY(sys::socketpair_stream());
        auto a = m_machine.argv;
        a[2] += ",memory-backend=ram";
        a.insert(a.end(), {"-object", "memory-backend-file,id=ram,size=" + std::to_string(kMemMib) + "M,mem-path=" + m_ram +
                                          ",share=" + (save ? "on" : "off")});
        a.insert(a.end(), {"-append", m_machine.cmdline + " -- wait"});
        a.insert(a.end(), {"-chardev", "socket,id=qmp,fd=" + std::to_string(ch.b.get()), "-mon", "chardev=qmp,mode=control"});
        if (!save) a.insert(a.end(), {"-incoming", "defer"});
        Qemu q = STRATA_TRY(start(a, ch.b.get(), !save));
        qmp = std::move(ch.a);
        return q;
    }

    // Boots the guest with its RAM in the file (shared), waits until the probe waits for its
    // arguments, and saves the device state.
    Result<> save() {
        ::unlink(m_ram.c_str());
        UniqueFd qmp_fd;
        Qemu q = STRATA_TRY(launch(true, qmp_fd));
        ScopeExit reap([&] { end(q.pid); });
        std::string console;
        STRATA_TRY(wait_for(q.out.get(), "STRATA-SAVE-POINT", kBootTimeoutMs, console));
        auto qmp = STRATA_TRY(vm::qemu::Qmp::connect(std::move(qmp_fd), kStepTimeoutMs));
        UniqueFd out = STRATA_TRY(sys::open(m_state, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        STRATA_TRY(vm::qemu::save_state(qmp, out.get(), kStepTimeoutMs));
        (void)qmp.execute("quit");
        return {};
    }

    QemuMachine m_machine;
    std::string m_ram, m_state;
    bool m_saved = false;
    std::string m_failure;
};

Column baseline(std::string key, std::string title) {
    Column c;
    c.key = std::move(key);
    c.title = std::move(title);
    c.group = Group::vm;
    c.peer = true;
    return c;
}

}  // namespace

std::vector<Column> qemu_columns(const std::string& work, const std::string& probe) {
    Column cold = baseline("qemu", "QEMU microvm");
    Column restored = baseline("qemu-restore", "QEMU microvm, restored");
    auto m = probe_machine(work, probe);  // (writes the probe's initramfs: once, for both)
    if (!m) {
        for (Column* c : {&cold, &restored}) {
            c->available = false;
            c->unavailable_reason = m.error().message();
        }
        return {cold, restored};
    }
    cold.argv_for = [m = *m](const std::string& bundle) {
        // The probe's arguments go to init after "--".
        std::string append = m.cmdline + " --";
        for (const auto& a : probe_args(bundle)) append += " " + a;
        auto a = m.argv;
        a.insert(a.end(), {"-append", append});
        return a;
    };
    auto snapshot = std::make_shared<Snapshot>(std::move(*m), work);
    restored.launch = [snapshot](const std::string& bundle) { return snapshot->restore(probe_args(bundle)); };
    return {cold, restored};
}

}  // namespace strata::compare
