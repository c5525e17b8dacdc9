#pragma once
// A writer for the kernel's initramfs format (cpio "newc", uncompressed: under software
// emulation decompressing costs more guest time than copying the bytes does).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::vm {

class CpioWriter {
public:
    void add_dir(std::string_view name, mode_t perm = 0755, uid_t uid = 0, gid_t gid = 0);
    void add_file(std::string_view name, std::string_view data, mode_t perm = 0644, uid_t uid = 0,
                  gid_t gid = 0, int64_t mtime = 0);
    void add_symlink(std::string_view name, std::string_view target, uid_t uid = 0, gid_t gid = 0);
    // A device node or fifo: `mode` includes the file type (S_IFCHR | 0600).
    void add_node(std::string_view name, mode_t mode, dev_t rdev, uid_t uid = 0, gid_t gid = 0);
    Result<> add_host_file(std::string_view name, const std::string& host_path, mode_t perm);
    // Everything under `host_dir` below `prefix` ("rootfs"), with owners, modes and mtimes.
    // Hard links become separate copies; sockets are skipped. Returns the file bytes added.
    Result<uint64_t> add_tree(const std::string& host_dir, std::string_view prefix);
    // Appends the trailer and returns the archive.
    std::string finish();

private:
    void entry(std::string_view name, mode_t mode, uid_t uid, gid_t gid, int64_t mtime,
               std::string_view data, dev_t rdev = 0);
    void pad4();
    std::string m_out;
    uint32_t m_ino = 1;
};

}  // namespace strata::vm
