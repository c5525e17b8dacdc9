#include "image/overlay.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::image {

bool kernel_has_lowerdir_append() {
    static const bool has = [] {
        int fs = ::fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0) return false;
        UniqueFd owned(fs);
        return ::fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", "/", 0) == 0;
    }();
    return has;
}

namespace {

Result<> mount_appended(const Store& store, const OverlaySpec& spec) {
    std::vector<std::string> opts;
    // OverlayFS lists the topmost layer first.
    for (auto it = spec.diff_ids.rbegin(); it != spec.diff_ids.rend(); ++it)
        opts.push_back("lowerdir+=" + store.layer_diff(*it));
    opts.push_back("upperdir=" + spec.upper);
    opts.push_back("workdir=" + spec.work);
    // index=off: with the inodes index on, a lower layer shared by several overlays ties them
    // to one another's upper directories.
    opts.push_back("index=off");
    UniqueFd mnt = STRATA_TRY(sys::fs_mount("overlay", "overlay", opts, MOUNT_ATTR_NODEV));
    UniqueFd target = STRATA_TRY(sys::open(spec.target, O_PATH | O_DIRECTORY | O_NOFOLLOW));
    return sys::attach_mount(mnt.get(), target.get(), "overlay on " + quote(spec.target));
}

// Short relative paths need the data root as the working directory for the one mount(2) call.
class Chdir {
public:
    static Result<Chdir> to(int dirfd) {
        Chdir c;
        c.m_old = STRATA_TRY(sys::open(".", O_PATH | O_DIRECTORY));
        if (::fchdir(dirfd) < 0) return os_error(errno, "chdir to the data root");
        return c;
    }
    ~Chdir() {
        if (m_old) (void)!::fchdir(m_old.get());
    }
    Chdir(Chdir&&) = default;

private:
    Chdir() = default;
    UniqueFd m_old;
};

Result<> mount_short(const Store& store, const OverlaySpec& spec) {
    std::vector<std::string> lowers;
    for (auto it = spec.diff_ids.rbegin(); it != spec.diff_ids.rend(); ++it)
        lowers.push_back("l/" + store.layer_link(*it));
    auto relative = [&](const std::string& p) {
        return p.starts_with(store.root() + "/") ? p.substr(store.root().size() + 1) : p;
    };
    std::string data = "lowerdir=" + join(lowers, ":") + ",upperdir=" + relative(spec.upper) +
                       ",workdir=" + relative(spec.work) + ",index=off";
    if (data.size() >= static_cast<size_t>(::getpagesize()))
        return error("overlay on " + quote(spec.target) + ": " + std::to_string(spec.diff_ids.size()) +
                     " layers do not fit one mount option page on this kernel");
    Chdir cd = STRATA_TRY(Chdir::to(store.fd()));
    return sys::mount("overlay", spec.target, "overlay", MS_NODEV, data);
}

}  // namespace

Result<> mount_overlay(const Store& store, const OverlaySpec& spec, LowerSyntax syntax) {
    if (spec.diff_ids.empty()) return error("overlay on " + quote(spec.target) + ": an image without layers");
    if (syntax == LowerSyntax::automatic)
        syntax = kernel_has_lowerdir_append() ? LowerSyntax::append : LowerSyntax::short_paths;
    if (syntax == LowerSyntax::append) return mount_appended(store, spec);
    return mount_short(store, spec);
}

}  // namespace strata::image
