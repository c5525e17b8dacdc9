#include "vm/template/template.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <ctime>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/sha256.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/socket.h"
#include "vm/assets/cache.h"
#include "vm/backend/agent_channel.h"
#include "vm/backend/qemu/command.h"
#include "vm/backend/qemu/migration.h"
#include "vm/backend/qemu/qmp.h"
#include "vm/protocol/agent_protocol.h"
#include "vm/protocol/frame_io.h"

namespace strata::vm {
namespace {

constexpr int kBootTimeoutMs = 90000;
constexpr int kStepTimeoutMs = 20000;

// What identifies a file without reading it: a rebuilt kernel or QEMU gets a new key.
std::string file_identity(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) < 0) return path + " missing";
    return path + " " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + " " + std::to_string(st.st_size) +
           " " + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// The command line without tsc_early_khz=: the rate the host reports moves by a few kHz from one
// read to the next, and a restored guest keeps the one its template calibrated with.
std::string stable_cmdline(const std::string& cmdline) {
    std::vector<std::string> kept;
    for (const auto& word : split_nonempty(cmdline, ' '))
        if (!word.starts_with("tsc_early_khz=")) kept.push_back(word);
    return join(kept, " ");
}

// The directory a template's 9p device exports: empty, and never attached by its guest (the
// agent mounts the share only once a container's config came, in the restored VM, whose device
// exports the container's share). QEMU adds its migration blocker on the guest's attach only,
// and the export path is not part of the migrated state.
std::string placeholder_share_dir() { return cache_dir("vm-template") + "/empty-share"; }

// A template VM of `shape`: its devices are what every VM restored from it must have.
VmConfig template_config(const VmConfig& shape) {
    VmConfig c = same_shape(shape);
    Disk placeholder;
    placeholder.what = "the template's placeholder disk";
    placeholder.placeholder_bytes = kPlaceholderDiskBytes;
    c.disks.push_back(std::move(placeholder));
    if (!c.share_tag.empty()) c.share_dir = placeholder_share_dir();
    return c;
}

// Under KVM the guest runs on the host's CPU model (-cpu host): a template saved on another CPU
// (a disk moved, a cloud VM resized) could hand the guest features this one lacks.
std::string host_cpu() {
    auto text = sys::read_file("/proc/cpuinfo");
    if (!text) return "unknown";
    std::string out;
    for (const auto& line : split_nonempty(*text, '\n')) {
        if ((line.starts_with("model name") || line.starts_with("flags")) && out.find(line) == std::string::npos)
            out += line + "\n";
        if (line.empty() || out.size() > 8192) break;
    }
    return out;
}

// Fixed descriptor numbers, so that the command line in the key depends on the shape alone.
const qemu::FdLayout kKeyLayout = [] {
    qemu::FdLayout l;
    l.console = 4;
    l.qmp = 5;
    l.disks = {-1};
    return l;
}();

qemu::FdLayout key_layout(const VmConfig& s) {
    qemu::FdLayout l = kKeyLayout;
    l.nets.assign(s.nets.size(), -1);
    return l;
}

// The initrd is named by its content's digest (vm/assets/cache.h: a use refreshes its mtime, so its
// path is its identity).
Result<std::string> template_key(const std::string& qemu, const VmConfig& s) {
    std::string in = "strata-vm-template-v1\nagent protocol " + std::string(agent::kVersion) + "\nqemu " +
                     file_identity(qemu) + "\nkernel " + file_identity(s.kernel) + "\ninitrd " + s.initrd +
                     "\ncmdline " + stable_cmdline(s.cmdline) + "\nvcpus " + std::to_string(s.vcpus) + " mem " + std::to_string(s.mem_mib) +
                     " acpi " + std::to_string(s.acpi) + " kvm " + std::to_string(s.kvm) + "\n" +
                     (s.kvm ? "cpu " + host_cpu() : std::string()) +
                     // The machine as strata asks QEMU for it: another strata's devices or options are another template.
                     "\nargv " + join(qemu::command_line("qemu", template_config(s), key_layout(s)), " ");
    return STRATA_TRY(crypto::sha256_hex(in)).substr(0, 32);
}

struct CloseDir {
    void operator()(DIR* d) const { ::closedir(d); }
};
using DirStream = std::unique_ptr<DIR, CloseDir>;
DirStream open_dir(const std::string& path) { return DirStream(::opendir(path.c_str())); }

// One builder per template: two would each rename their RAM file into place, and the state that
// wins might be paired with the other's RAM. (Dot files: the cache's pruning leaves them alone.)
Result<UniqueFd> lock_template(const std::string& dir, const std::string& key) {
    UniqueFd lock = STRATA_TRY(sys::open(dir + "/." + key + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    while (::flock(lock.get(), LOCK_EX) < 0)
        if (errno != EINTR) return os_error(errno, "lock the VM template " + key);
    return lock;
}

std::string failed_marker(const std::string& dir, const std::string& key) { return dir + "/." + key + ".failed"; }

// A shape whose template failed (to build, or to restore) boots for an hour before the next
// attempt, instead of paying a failed template every time.
void mark_failed(const std::string& dir, const std::string& key, const std::string& why) {
    UniqueFd fd(::open(failed_marker(dir, key).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd) (void)sys::write_all(fd.get(), why + "\n", "the template's failure marker");
}

// Waits up to `timeout_ms` for the VM to stop by itself, then stops it.
void wait_or_kill(Vm& vm, int timeout_ms) {
    pollfd p{vm.stopped_fd(), POLLIN, 0};
    while (::poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
    }
    vm.kill();
}

Result<> sync_file(const std::string& path) {
    UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
    if (::fsync(fd.get()) < 0) return os_error(errno, "fsync " + path);
    return {};
}

// Boots `shape` with its RAM in `ram` (shared), waits until the agent waits for its config, and
// saves the device state to `state`.
Result<> boot_and_save(Backend& backend, const VmConfig& shape, const std::string& ram, const std::string& state,
                       const std::string& log_dir) {
    VmConfig c = template_config(shape);
    if (!c.share_dir.empty()) STRATA_TRY(sys::mkdir_all(c.share_dir, 0755));
    c.ram_file = ram;
    c.ram_shared = true;
    ::unlink(ram.c_str());  // a dead build's file of the same name: QEMU would boot over its contents
    // a: the monitor's end, b: QEMU's.
    auto agent_ch = STRATA_TRY(with_context(sys::socketpair_stream(), "the template's agent channel"));
    auto qmp_ch = STRATA_TRY(with_context(sys::socketpair_stream(), "the template's QMP socket"));
    c.agent_fd = std::move(agent_ch.b);
    c.qmp_fd = std::move(qmp_ch.b);
    c.console_fd = STRATA_TRY(sys::open(log_dir + "/template-console.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    c.log_fd = STRATA_TRY(sys::open(log_dir + "/template-vmm.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    auto vm = STRATA_TRY(backend.launch(std::move(c)));

    agent::FrameParser parser;
    int fd = agent_ch.a.get();
    auto hello = STRATA_TRY(expect_agent_frame(fd, parser, agent::Msg::hello, kBootTimeoutMs));
    STRATA_TRY(agent::check_version(STRATA_TRY(agent::decode_hello(hello.payload))));
    STRATA_TRY(send_to_agent(fd, agent::Msg::sync));
    STRATA_TRY(expect_agent_frame(fd, parser, agent::Msg::synced, kStepTimeoutMs));

    auto qmp = STRATA_TRY(qemu::Qmp::connect(std::move(qmp_ch.a), kStepTimeoutMs));
    UniqueFd out = STRATA_TRY(sys::open(state, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    STRATA_TRY(with_context(qemu::save_state(qmp, out.get(), kStepTimeoutMs), "template"));
    (void)qmp.execute("quit");
    wait_or_kill(*vm, kStepTimeoutMs);
    // On disk before the renames make them the template: a crash must not leave a torn one.
    if (::fsync(out.get()) < 0) return os_error(errno, "fsync " + state);
    STRATA_TRY(sync_file(ram));
    if (::chmod(ram.c_str(), 0600) < 0) return os_error(errno, "chmod 0600 " + ram);
    return {};
}

}  // namespace

std::optional<std::string> template_kernel(const Kernel& k) {
    auto is_bzimage = [](const std::string& path) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        char magic[4] = {};
        return fd && ::pread(fd.get(), magic, 4, 0x202) == 4 && std::string_view(magic, 4) == "HdrS";
    };
    if (is_bzimage(k.path)) return k.path;
    // strata's kernel directory holds the bzImage the vmlinux was linked into.
    std::string sibling = sys::dirname(k.path) + "/bzImage";
    if (k.kind == KernelKind::strata && is_bzimage(sibling)) return sibling;
    return std::nullopt;
}

Result<Template> ensure_template(Backend& backend, const std::string& qemu, const VmConfig& shape,
                                 const std::string& log_dir, bool* built) {
    std::string key = STRATA_TRY(template_key(qemu, shape));
    // Guest memory is in these files: root's alone.
    std::string dir = cache_dir("vm-template");
    STRATA_TRY(sys::mkdir_all(dir, 0700));
    if (::chmod(dir.c_str(), 0700) < 0) return os_error(errno, "chmod 0700 " + dir);
    UniqueFd lock = STRATA_TRY(lock_template(dir, key));
    std::string failed = failed_marker(dir, key);
    struct stat st{};
    if (::stat(failed.c_str(), &st) == 0 && st.st_mtime > std::time(nullptr) - 3600)
        return error("this VM shape's template failed less than an hour ago (see " + failed + ")");
    Template t;
    t.key = key;
    t.ram = dir + "/" + key + ".ram";
    // A state without its RAM (pruned apart) is useless: build both again.
    std::string state_path = dir + "/" + key + ".state";
    if (sys::exists(state_path) && !sys::exists(t.ram)) ::unlink(state_path.c_str());
    auto entry = cached("vm-template", key + ".state", [&](const std::string& temp) -> Result<> {
        std::string ram_temp = temp + ".ram";
        auto saved = boot_and_save(backend, shape, ram_temp, temp, log_dir);
        if (!saved) {
            ::unlink(ram_temp.c_str());
            return std::unexpected(
                with_guest_logs(saved.error(), log_dir + "/template-console.log", log_dir + "/template-vmm.log"));
        }
        // The RAM first: whoever finds the state finds its RAM.
        if (::rename(ram_temp.c_str(), t.ram.c_str()) < 0) {
            int err = errno;
            ::unlink(ram_temp.c_str());
            return os_error(err, "rename " + ram_temp + " to " + t.ram);
        }
        return {};
    }, CacheBudget{16, 16ull << 30}, built);  // two files per template; the RAM ones sparse (~40 MiB used)
    if (!entry) {
        mark_failed(dir, key, entry.error().message());
        return std::unexpected(entry.error());
    }
    t.state = *entry;
    ::unlink(failed.c_str());
    ::utimensat(AT_FDCWD, t.ram.c_str(), nullptr, 0);  // used: pruned with its state, not before
    return t;
}

Result<std::unique_ptr<Vm>> restore_template(Backend& backend, const Template& t, VmConfig c) {
    UniqueFd state = STRATA_TRY(sys::open(t.state, O_RDONLY | O_CLOEXEC));
    c.ram_file = t.ram;
    c.ram_shared = false;
    c.incoming = true;
    auto qmp_ch = STRATA_TRY(with_context(sys::socketpair_stream(), "the VM's QMP socket"));
    c.qmp_fd = std::move(qmp_ch.b);
    auto vm = STRATA_TRY(backend.launch(std::move(c)));
    fault::point("init.vm_restoring");  // QEMU waits at -incoming, nothing restored yet
    auto qmp = STRATA_TRY(qemu::Qmp::connect(std::move(qmp_ch.a), kStepTimeoutMs));
    STRATA_TRY(with_context(qemu::load_state(qmp, state.get(), kStepTimeoutMs), "template: restoring " + t.state));
    return vm;
}

size_t saved_templates() {
    size_t n = 0;
    if (DirStream d = open_dir(cache_dir("vm-template")))
        while (dirent* e = ::readdir(d.get()))
            if (e->d_name[0] != '.' && std::string_view(e->d_name).ends_with(".state")) ++n;
    return n;
}

void discard_template(const Template& t, const std::string& why) {
    std::string dir = cache_dir("vm-template");
    auto lock = lock_template(dir, t.key);  // not while another process builds it
    ::unlink(t.state.c_str());
    ::unlink(t.ram.c_str());
    mark_failed(dir, t.key, "restoring it failed: " + why);
}

}  // namespace strata::vm
