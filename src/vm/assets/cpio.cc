#include "vm/assets/cpio.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "sys/file.h"
#include "vm/assets/tree.h"

namespace strata::vm {

void CpioWriter::pad4() {
    while (m_out.size() % 4) m_out.push_back('\0');
}

void CpioWriter::entry(std::string_view name, mode_t mode, uid_t uid, gid_t gid, int64_t mtime,
                       std::string_view data, dev_t rdev) {
    char head[111];
    std::snprintf(head, sizeof head, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                  m_ino++, unsigned(mode), unsigned(uid), unsigned(gid), 1u,
                  unsigned(mtime < 0 ? 0 : mtime), unsigned(data.size()), 0u, 0u,
                  unsigned(major(rdev)), unsigned(minor(rdev)), unsigned(name.size() + 1), 0u);
    m_out.append(head, 110);
    m_out.append(name);
    m_out.push_back('\0');
    pad4();
    m_out.append(data);
    pad4();
}

void CpioWriter::add_dir(std::string_view name, mode_t perm, uid_t uid, gid_t gid) {
    entry(name, S_IFDIR | perm, uid, gid, 0, {});
}

void CpioWriter::add_file(std::string_view name, std::string_view data, mode_t perm, uid_t uid,
                          gid_t gid, int64_t mtime) {
    entry(name, S_IFREG | perm, uid, gid, mtime, data);
}

void CpioWriter::add_symlink(std::string_view name, std::string_view target, uid_t uid, gid_t gid) {
    entry(name, S_IFLNK | 0777, uid, gid, 0, target);
}

void CpioWriter::add_node(std::string_view name, mode_t mode, dev_t rdev, uid_t uid, gid_t gid) {
    entry(name, mode, uid, gid, 0, {}, rdev);
}

Result<> CpioWriter::add_host_file(std::string_view name, const std::string& host_path, mode_t perm) {
    std::string data = STRATA_TRY(sys::read_file(host_path));
    add_file(name, data, perm);
    return {};
}

Result<uint64_t> CpioWriter::add_tree(const std::string& host_dir, std::string_view prefix) {
    uint64_t bytes = 0;
    STRATA_TRY(walk_tree(host_dir, [&](const TreeEntry& e) -> Result<> {
        std::string name = e.path.empty() ? std::string(prefix) : std::string(prefix) + "/" + e.path;
        const struct stat& st = e.st;
        mode_t perm = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode)) {
            entry(name, S_IFDIR | perm, st.st_uid, st.st_gid, st.st_mtim.tv_sec, {});
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd fd = STRATA_TRY(sys::openat(e.dirfd, e.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            std::string data = STRATA_TRY(sys::read_all(fd.get(), e.path));
            bytes += data.size();
            entry(name, S_IFREG | perm, st.st_uid, st.st_gid, st.st_mtim.tv_sec, data);
        } else if (S_ISLNK(st.st_mode)) {
            std::string target = STRATA_TRY(link_target(e));
            entry(name, S_IFLNK | 0777, st.st_uid, st.st_gid, st.st_mtim.tv_sec, target);
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
            entry(name, st.st_mode, st.st_uid, st.st_gid, st.st_mtim.tv_sec, {}, st.st_rdev);
        }
        return {};
    }));
    return bytes;
}

std::string CpioWriter::finish() {
    entry("TRAILER!!!", 0, 0, 0, 0, {});
    while (m_out.size() % 512) m_out.push_back('\0');
    return std::move(m_out);
}

}  // namespace strata::vm
