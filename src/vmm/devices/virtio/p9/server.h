#pragma once
// A 9P2000.L file server that exports one host directory: the own VMM's side of the VM's file
// share (vm/share stages config.json's bind mounts in that directory; the guest agent mounts it
// with trans=virtio,version=9p2000.L,cache=none,access=client, as it does under QEMU).
//
// Transport-free: handle() takes one T-message and returns its R-message; virtio::NineP
// carries them over a virtqueue, the tests call it directly.
//
// The security model is QEMU's "passthrough", the one documented for the share in
// docs/design/vm.md: the server acts as the VMM's user (root), files the guest creates get the
// guest caller's uid and gid (access=client: each guest user attaches with its own uid), and the
// guest kernel checks permissions. What confines the guest is the export itself:
//  - every walk step is one name opened O_PATH|O_NOFOLLOW under the previous fid's directory, so
//    a symlink is never followed on the host (a walk through one fails with ENOTDIR; readlink
//    gives its text, which the guest resolves in its own tree), and names holding '/' are refused;
//  - ".." is resolved from the export root by path with RESOLVE_BENEATH, and at the root stays
//    there;
//  - files are reopened through their O_PATH fds, never by a name the guest could swap;
//  - only regular files and directories are opened: not a device node (the host's device,
//    outside the container's device rules), FIFO or socket, which a guest kernel opens itself;
//  - `ro`, `nodev`, `nosuid` and `noexec` are the host mounts' own (vm/share sets them on each
//    bind before it is attached), so a write to a read-only bind fails with EROFS here too.
// Not offered: extended attributes are readable (Txattrwalk) but not writable (Txattrcreate gets
// EOPNOTSUPP); Tlock/Tgetlock answer success without locking on the host, as QEMU does.
//
// Requests are answered in order, one at a time (virtio::NineP's worker thread): Tflush has
// nothing in flight to cancel.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/devices/virtio/p9/wire.h"

namespace strata::vmm::p9 {

class Server {
public:
    // Exports the directory `root` (opened now: a later rename of it does not move the export).
    static Result<std::unique_ptr<Server>> open(const std::string& root);

    // Answers one T-message. The R-message is at most `max_reply` bytes (the room the driver
    // gave) and at most the negotiated msize; an Rread or Rreaddir is cut to fit.
    std::vector<uint8_t> handle(std::span<const uint8_t> request, size_t max_reply);

    // The largest message this server accepts, offered in Rversion.
    static constexpr uint32_t max_msize = 1u << 20;
    uint32_t msize() const { return m_msize; }
    size_t open_fids() const { return m_fids.size(); }

private:
    struct Fid {
        UniqueFd path;                   // O_PATH, never followed
        std::vector<std::string> names;  // from the export root, for ".." and Tremove/Trename
        uid_t uid = 0;                   // the attaching guest user (access=client)
        UniqueFd open;                   // after Tlopen/Tlcreate
        bool is_dir = false;
        // Txattrwalk: the value (or the name list) read through Tread.
        std::optional<std::vector<uint8_t>> xattr;
    };

    explicit Server(UniqueFd root) : m_root(std::move(root)) {}

    using Reply = std::vector<uint8_t>;
    Reply dispatch(uint8_t type, uint16_t tag, Reader& in, size_t max_reply);
    Reply version(uint16_t tag, Reader& in);
    Reply attach(uint16_t tag, Reader& in);
    Reply walk(uint16_t tag, Reader& in);
    Reply getattr(uint16_t tag, Reader& in);
    Reply setattr(uint16_t tag, Reader& in);
    Reply lopen(uint16_t tag, Reader& in);
    Reply lcreate(uint16_t tag, Reader& in);
    Reply read(uint16_t tag, Reader& in, size_t max_reply);
    Reply write(uint16_t tag, Reader& in);
    Reply readdir(uint16_t tag, Reader& in, size_t max_reply);
    Reply clunk(uint16_t tag, Reader& in);
    Reply remove(uint16_t tag, Reader& in);
    Reply statfs(uint16_t tag, Reader& in);
    Reply make(uint8_t type, uint16_t tag, Reader& in);  // Tmkdir, Tsymlink, Tmknod
    Reply readlink(uint16_t tag, Reader& in);
    Reply link(uint16_t tag, Reader& in);
    Reply rename(uint16_t tag, Reader& in);
    Reply renameat(uint16_t tag, Reader& in);
    Reply unlinkat(uint16_t tag, Reader& in);
    Reply fsync(uint16_t tag, Reader& in);
    Reply xattrwalk(uint16_t tag, Reader& in);
    Reply lock(uint8_t type, uint16_t tag, Reader& in);

    Fid* find(uint32_t fid);
    // The O_PATH fd of names[0..n) under the root, resolved beneath it with no symlinks.
    Result<UniqueFd> resolve(const std::vector<std::string>& names, size_t n) const;
    Qid qid_of(const struct stat& st);
    Result<Qid> qid_at(int dirfd, const std::string& name);
    // After a rename on the host: fids under the old path now live under the new one.
    void renamed(const std::vector<std::string>& from, const std::vector<std::string>& to);
    // Renames from_dir/from_name (from_names: that directory's names from the root) to
    // to_dir/to_name and moves the fids beneath; 0 or the errno.
    int move(int from_dir, const std::vector<std::string>& from_names, const std::string& from_name, const Fid& to_dir,
             const std::string& to_name);
    uint32_t iounit() const;

    UniqueFd m_root;
    uint32_t m_msize = 8192;
    std::unordered_map<uint32_t, Fid> m_fids;
    std::map<dev_t, uint64_t> m_devices;  // st_dev -> a prefix that keeps qid paths unique
};

}  // namespace strata::vmm::p9
