#include "vm/procview/view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/resolve.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::vm::procview {
namespace {

constexpr size_t kMaxIdFile = 1 << 20;  // a passwd larger than this is not copied

// The image's /etc/<name>, resolved inside the rootfs, into the view's etc.
void copy_id_file(int rootfs, int etc, const char* name) {
    auto path = rootfs::open_in_root(rootfs, std::string("/etc/") + name);
    if (!path) return;  // an image without one: readers show numeric ids
    struct stat st{};
    if (::fstat(path->get(), &st) < 0 || !S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxIdFile) return;
    auto text = sys::read_file("/proc/self/fd/" + std::to_string(path->get()));
    if (!text) return;
    (void)sys::write_file_atomic(etc, name, *text, 0644);
}

}  // namespace

Result<UniqueFd> enter_view(const std::string& dir, const std::string& rootfs) {
    bool mounted = false;
    auto entered = [&]() -> Result<UniqueFd> {
        STRATA_TRY(sys::mkdir_all(dir, 0700));
        STRATA_TRY(sys::mount("strata-view", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=2m,nr_inodes=64"));
        mounted = true;
        UniqueFd view = STRATA_TRY(sys::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
        for (const char* d : {"proc", "etc", "dev", "dev/pts", ".host"}) STRATA_TRY(sys::mkdirat(view.get(), d, 0755));
        {
            UniqueFd etc = STRATA_TRY(sys::openat(view.get(), "etc", O_DIRECTORY | O_CLOEXEC));
            UniqueFd root = STRATA_TRY(sys::open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC));
            copy_id_file(root.get(), etc.get(), "passwd");
            copy_id_file(root.get(), etc.get(), "group");
        }
        UniqueFd proc = STRATA_TRY(sys::openat(view.get(), "proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
        // Read-only from here on: whoever joins the namespace finds nothing to write.
        STRATA_TRY(sys::mount("", dir, "", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
        UniqueFd cwd = STRATA_TRY(sys::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        STRATA_TRY(sys::pivot_root(dir, dir + kHostDir));
        // The namespace's root is the view now, and so is this process's: back to the host's
        // tree, where every path the monitor and QEMU use still means what it meant.
        if (::chroot(kHostDir) < 0) return os_error(errno, std::string("chroot ") + kHostDir);
        if (::fchdir(cwd.get()) < 0) return os_error(errno, "fchdir back to the working directory");
        mounted = false;  // it is the namespace's root now
        return proc;
    }();
    if (!entered && mounted) (void)sys::umount(dir, MNT_DETACH);
    return with_context(std::move(entered), "vm: the view of the monitor's mount namespace at " + dir);
}

}  // namespace strata::vm::procview
