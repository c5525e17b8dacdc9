// The answers of a 9P2000.L server are errnos, so this file reads errno itself (as sys/ does
// elsewhere): each host call's failure becomes the Rlerror the guest sees.

#include "vmm/devices/virtio/p9/server.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "sys/file.h"

namespace strata::vmm::p9 {
namespace {

// The error a Reply carries when a request is cut short or malformed.
constexpr int bad_message = EPROTO;

std::string proc_fd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// A single path component the guest may create or look up: not empty, no '/', not "." or "..".
bool valid_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

std::string join(const std::vector<std::string>& names, size_t n) {
    std::string p;
    for (size_t i = 0; i < n; ++i) {
        if (!p.empty()) p += '/';
        p += names[i];
    }
    return p.empty() ? "." : p;
}

// Open flags the guest may ask of Tlopen/Tlcreate (9P2000.L's values are x86 Linux's): the
// access mode and the flags that change I/O, not the ones that would follow links, make a
// controlling terminal, or need the caller to own the file (O_NOATIME).
int host_open_flags(uint32_t guest) {
    constexpr uint32_t allowed = O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT |
                                 O_LARGEFILE | O_DIRECTORY | O_SYNC;
    return static_cast<int>(guest & allowed) | O_NOFOLLOW | O_CLOEXEC;
}

Result<UniqueFd> dup_fd(int fd) {
    const int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) return os_error(errno, "dup fd " + std::to_string(fd));
    return UniqueFd(d);
}

// Rread's and Rreaddir's count[4], known only once the data is in.
void patch_count(std::vector<uint8_t>& msg, size_t count) {
    const auto c = static_cast<uint32_t>(count);
    for (size_t i = 0; i < 4; ++i) msg[header_size + i] = static_cast<uint8_t>(c >> (8 * i));
}

uint8_t dirent_qid_type(unsigned char d_type) {
    if (d_type == DT_DIR) return qt_dir;
    if (d_type == DT_LNK) return qt_symlink;
    return qt_file;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::open(const std::string& root) {
    UniqueFd fd = STRATA_TRY(sys::open(root, O_PATH | O_DIRECTORY | O_CLOEXEC));
    return std::unique_ptr<Server>(new Server(std::move(fd)));
}

std::vector<uint8_t> Server::handle(std::span<const uint8_t> request, size_t max_reply) {
    Reader in(request);
    const uint32_t size = in.u32();
    const uint8_t type = in.u8();
    const uint16_t tag = in.u16();
    if (in.failed() || size < header_size || size > request.size()) return lerror(tag, bad_message);
    Reader body(request.subspan(header_size, size - header_size));
    const size_t room = std::min<size_t>(max_reply, m_msize);
    Reply r = dispatch(type, tag, body, room);
    if (r.size() > room) return lerror(tag, ERANGE);  // only a reply cut by the caller's room
    return r;
}

Server::Reply Server::dispatch(uint8_t type, uint16_t tag, Reader& in, size_t max_reply) {
    switch (type) {
    case Tversion: return version(tag, in);
    case Tattach: return attach(tag, in);
    case Twalk: return walk(tag, in);
    case Tgetattr: return getattr(tag, in);
    case Tsetattr: return setattr(tag, in);
    case Tlopen: return lopen(tag, in);
    case Tlcreate: return lcreate(tag, in);
    case Tread: return read(tag, in, max_reply);
    case Twrite: return write(tag, in);
    case Treaddir: return readdir(tag, in, max_reply);
    case Tclunk: return clunk(tag, in);
    case Tremove: return remove(tag, in);
    case Tstatfs: return statfs(tag, in);
    case Tmkdir:
    case Tsymlink:
    case Tmknod: return make(type, tag, in);
    case Treadlink: return readlink(tag, in);
    case Tlink: return link(tag, in);
    case Trename: return rename(tag, in);
    case Trenameat: return renameat(tag, in);
    case Tunlinkat: return unlinkat(tag, in);
    case Tfsync: return fsync(tag, in);
    case Txattrwalk: return xattrwalk(tag, in);
    case Tlock:
    case Tgetlock: return lock(type, tag, in);
    case Tflush: {
        (void)in.u16();  // oldtag: answered already, since requests run one at a time
        return Writer(Rflush, tag).finish();
    }
    case Tauth:  // no authentication: the transport is the VM's own device
    case Txattrcreate:
    default: return lerror(tag, EOPNOTSUPP);
    }
}

Server::Fid* Server::find(uint32_t fid) {
    auto it = m_fids.find(fid);
    return it == m_fids.end() ? nullptr : &it->second;
}

uint32_t Server::iounit() const { return m_msize - static_cast<uint32_t>(write_header_size); }

Result<UniqueFd> Server::resolve(const std::vector<std::string>& names, size_t n) const {
    return sys::openat2(m_root.get(), join(names, n), O_PATH | O_NOFOLLOW | O_CLOEXEC,
                        RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

Qid Server::qid_of(const struct stat& st) {
    // Bind mounts of several filesystems meet in the export: their inode numbers can collide, and
    // the guest keys its inodes by qid path. Each further device gets a prefix in the top bits.
    auto [it, added] = m_devices.emplace(st.st_dev, m_devices.size());
    (void)added;
    Qid q;
    q.type = S_ISDIR(st.st_mode) ? qt_dir : S_ISLNK(st.st_mode) ? qt_symlink : qt_file;
    q.version = static_cast<uint32_t>(st.st_mtim.tv_sec ^ (st.st_size << 8));
    q.path = st.st_ino ^ (it->second << 48);
    return q;
}

Result<Qid> Server::qid_at(int dirfd, const std::string& name) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
        return os_error(errno, "stat " + name);
    return qid_of(st);
}

Server::Reply Server::version(uint16_t tag, Reader& in) {
    const uint32_t msize = in.u32();
    const std::string v = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    // A Tversion starts a new session: every fid of the old one is gone.
    m_fids.clear();
    m_msize = std::clamp<uint32_t>(msize, 4096, max_msize);
    const bool ours = v == version_l;
    return Writer(Rversion, tag).u32(m_msize).str(ours ? version_l : "unknown").finish();
}

Server::Reply Server::attach(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    (void)in.u32();  // afid: no authentication
    (void)in.str();  // uname
    (void)in.str();  // aname: one export per device
    const uint32_t n_uname = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    if (find(fid)) return lerror(tag, EBADF);
    auto root = sys::openat(m_root.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!root) return lerror(tag, root.error().code);
    auto q = qid_at(root->get(), "");
    if (!q) return lerror(tag, q.error().code);
    Fid f;
    f.path = std::move(*root);
    f.uid = n_uname == no_fid ? 0 : n_uname;
    m_fids.emplace(fid, std::move(f));
    return Writer(Rattach, tag).qid(*q).finish();
}

Server::Reply Server::walk(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t newfid = in.u32();
    const uint16_t n = in.u16();
    std::vector<std::string> names;
    for (uint16_t i = 0; i < n && !in.failed(); ++i) names.push_back(in.str());
    if (in.failed()) return lerror(tag, bad_message);
    if (n > max_walk_names) return lerror(tag, EINVAL);
    Fid* from = find(fid);
    if (!from) return lerror(tag, EBADF);
    if (newfid != fid && find(newfid)) return lerror(tag, EBADF);

    auto start = dup_fd(from->path.get());
    if (!start) return lerror(tag, start.error().code);
    UniqueFd cur = std::move(*start);
    std::vector<std::string> path = from->names;
    std::vector<Qid> qids;
    int failure = 0;
    for (const auto& name : names) {
        UniqueFd next;
        if (name == "..") {
            if (!path.empty()) path.pop_back();
            auto r = resolve(path, path.size());
            if (!r) { failure = r.error().code; break; }
            next = std::move(*r);
        } else if (name == ".") {
            auto d = dup_fd(cur.get());
            if (!d) { failure = d.error().code; break; }
            next = std::move(*d);
        } else {
            if (!valid_name(name)) { failure = EINVAL; break; }
            // One name under the current directory, never following it: through a symlink the
            // next step fails with ENOTDIR, as the link is not a directory on the host.
            int d = ::openat(cur.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (d < 0) { failure = errno; break; }
            next = UniqueFd(d);
            path.push_back(name);
        }
        auto q = qid_at(next.get(), "");
        if (!q) { failure = q.error().code; break; }
        qids.push_back(*q);
        cur = std::move(next);
    }
    // A walk that fails at its first name is an error; one that fails later answers the qids it
    // got, and newfid is not made (9P's partial walk).
    if (failure && qids.empty() && !names.empty()) return lerror(tag, failure);
    if (qids.size() == names.size()) {
        Fid f;
        f.path = std::move(cur);
        f.names = std::move(path);
        f.uid = from->uid;
        m_fids.insert_or_assign(newfid, std::move(f));
    }
    Writer w(Rwalk, tag);
    w.u16(static_cast<uint16_t>(qids.size()));
    for (const auto& q : qids) w.qid(q);
    return std::move(w).finish();
}

Server::Reply Server::getattr(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    (void)in.u64();  // request_mask: every basic field is cheap, so all are sent
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    auto got = sys::fstat(f->path.get(), "");
    if (!got) return lerror(tag, got.error().code);
    const struct stat& st = *got;
    Writer w(Rgetattr, tag);
    w.u64(getattr_basic).qid(qid_of(st)).u32(st.st_mode).u32(st.st_uid).u32(st.st_gid);
    w.u64(st.st_nlink).u64(st.st_rdev).u64(static_cast<uint64_t>(st.st_size)).u64(static_cast<uint64_t>(st.st_blksize));
    w.u64(static_cast<uint64_t>(st.st_blocks));
    w.u64(static_cast<uint64_t>(st.st_atim.tv_sec)).u64(static_cast<uint64_t>(st.st_atim.tv_nsec));
    w.u64(static_cast<uint64_t>(st.st_mtim.tv_sec)).u64(static_cast<uint64_t>(st.st_mtim.tv_nsec));
    w.u64(static_cast<uint64_t>(st.st_ctim.tv_sec)).u64(static_cast<uint64_t>(st.st_ctim.tv_nsec));
    w.u64(0).u64(0).u64(0).u64(0);  // btime, gen, data_version: not given
    return std::move(w).finish();
}

Server::Reply Server::setattr(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t valid = in.u32();
    const uint32_t mode = in.u32();
    const uint32_t uid = in.u32();
    const uint32_t gid = in.u32();
    const uint64_t size = in.u64();
    const uint64_t atime_sec = in.u64(), atime_nsec = in.u64();
    const uint64_t mtime_sec = in.u64(), mtime_nsec = in.u64();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    const std::string self = proc_fd(f->path.get());
    auto got = sys::fstat(f->path.get(), "");
    if (!got) return lerror(tag, got.error().code);
    const struct stat& st = *got;
    // An O_PATH fd cannot be written through, so mode, size and times go through its
    // /proc/self/fd link, which names this very inode, not a path the guest could swap.
    if ((valid & attr_mode) && !S_ISLNK(st.st_mode) && ::chmod(self.c_str(), mode & 07777) < 0)
        return lerror(tag, errno);
    if (valid & (attr_uid | attr_gid)) {
        const uid_t u = (valid & attr_uid) ? uid : static_cast<uid_t>(-1);
        const gid_t g = (valid & attr_gid) ? gid : static_cast<gid_t>(-1);
        if (::fchownat(f->path.get(), "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) return lerror(tag, errno);
    }
    if (valid & attr_size) {
        if (!S_ISREG(st.st_mode)) return lerror(tag, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
        if (::truncate(self.c_str(), static_cast<off_t>(size)) < 0) return lerror(tag, errno);
    }
    if (valid & (attr_atime | attr_mtime)) {
        struct timespec ts[2];
        ts[0].tv_nsec = UTIME_OMIT;
        ts[1].tv_nsec = UTIME_OMIT;
        if (valid & attr_atime) {
            if (valid & attr_atime_set) {
                ts[0].tv_sec = static_cast<time_t>(atime_sec);
                ts[0].tv_nsec = static_cast<long>(atime_nsec);
            } else {
                ts[0].tv_nsec = UTIME_NOW;
            }
        }
        if (valid & attr_mtime) {
            if (valid & attr_mtime_set) {
                ts[1].tv_sec = static_cast<time_t>(mtime_sec);
                ts[1].tv_nsec = static_cast<long>(mtime_nsec);
            } else {
                ts[1].tv_nsec = UTIME_NOW;
            }
        }
        if (!S_ISLNK(st.st_mode) && ::utimensat(AT_FDCWD, self.c_str(), ts, 0) < 0) return lerror(tag, errno);
    }
    // attr_ctime alone: the kernel sets ctime on any change; nothing to do.
    return Writer(Rsetattr, tag).finish();
}

Server::Reply Server::lopen(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t flags = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (f->open.get() >= 0) return lerror(tag, EBADF);  // a fid is opened once
    auto got = sys::fstat(f->path.get(), "");
    if (!got) return lerror(tag, got.error().code);
    const struct stat& st = *got;
    if (S_ISLNK(st.st_mode)) return lerror(tag, ELOOP);
    // Only files and directories are opened on the host. A guest's kernel opens device nodes,
    // FIFOs and sockets on 9p itself (they are its own); a server opening them as root would
    // reach the host's devices, or block on a FIFO with no writer.
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return lerror(tag, EACCES);
    int host = host_open_flags(flags);
    if (S_ISDIR(st.st_mode)) host = (host & ~O_ACCMODE & ~O_TRUNC) | O_RDONLY | O_DIRECTORY;
    // Reopened through the O_PATH fd's link, without O_NOFOLLOW, which would refuse the magic
    // link itself: the fd already names a non-symlink inode.
    const int fd = ::open(proc_fd(f->path.get()).c_str(), host & ~O_NOFOLLOW);
    if (fd < 0) return lerror(tag, errno);
    f->open = UniqueFd(fd);
    f->is_dir = S_ISDIR(st.st_mode);
    return Writer(Rlopen, tag).qid(qid_of(st)).u32(iounit()).finish();
}

Server::Reply Server::lcreate(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const std::string name = in.str();
    const uint32_t flags = in.u32();
    const uint32_t mode = in.u32();
    const uint32_t gid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (f->open.get() >= 0) return lerror(tag, EBADF);
    if (!valid_name(name)) return lerror(tag, EINVAL);
    const int fd = ::openat(f->path.get(), name.c_str(), host_open_flags(flags) | O_CREAT | O_EXCL, mode & 07777);
    if (fd < 0) return lerror(tag, errno);
    UniqueFd file(fd);
    // Passthrough: the file is the guest user's, with exactly the mode it asked (no host umask).
    if (::fchown(fd, f->uid, gid) < 0 || ::fchmod(fd, mode & 07777) < 0) {
        const int err = errno;
        ::unlinkat(f->path.get(), name.c_str(), 0);
        return lerror(tag, err);
    }
    const int p = ::openat(f->path.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (p < 0) return lerror(tag, errno);
    struct stat st {};
    if (::fstat(fd, &st) < 0) return lerror(tag, errno);
    // The fid now stands for the new, open file.
    f->path = UniqueFd(p);
    f->names.push_back(name);
    f->open = std::move(file);
    f->is_dir = false;
    return Writer(Rlcreate, tag).qid(qid_of(st)).u32(iounit()).finish();
}

Server::Reply Server::read(uint16_t tag, Reader& in, size_t max_reply) {
    const uint32_t fid = in.u32();
    const uint64_t offset = in.u64();
    const uint32_t count = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    const size_t room = max_reply > io_header_size ? max_reply - io_header_size : 0;
    const size_t n = std::min<size_t>(count, room);
    Writer w(Rread, tag);
    w.u32(0);  // count, patched below
    if (f->xattr) {
        const auto& v = *f->xattr;
        const size_t at = std::min<uint64_t>(offset, v.size());
        const size_t got = std::min(n, v.size() - at);
        w.bytes({v.data() + at, got});
        auto out = std::move(w).finish();
        patch_count(out, got);
        return out;
    }
    if (f->open.get() < 0 || f->is_dir) return lerror(tag, EBADF);
    auto buf = w.reserve(n);
    const ssize_t got = ::pread(f->open.get(), buf.data(), n, static_cast<off_t>(offset));
    if (got < 0) return lerror(tag, errno);
    w.shrink_to(io_header_size + static_cast<size_t>(got));
    auto out = std::move(w).finish();
    patch_count(out, static_cast<size_t>(got));
    return out;
}

Server::Reply Server::write(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint64_t offset = in.u64();
    const uint32_t count = in.u32();
    auto data = in.bytes(count);
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (f->open.get() < 0 || f->is_dir) return lerror(tag, EBADF);
    // With O_APPEND the kernel ignores the offset, as the guest expects.
    const ssize_t n = ::pwrite(f->open.get(), data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) return lerror(tag, errno);
    return Writer(Rwrite, tag).u32(static_cast<uint32_t>(n)).finish();
}

Server::Reply Server::readdir(uint16_t tag, Reader& in, size_t max_reply) {
    const uint32_t fid = in.u32();
    const uint64_t offset = in.u64();
    const uint32_t count = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (f->open.get() < 0 || !f->is_dir) return lerror(tag, EBADF);
    const size_t room = std::min<size_t>(count, max_reply > io_header_size ? max_reply - io_header_size : 0);
    // The offsets the guest passes back are the host's d_off cookies: seek there and read on.
    if (::lseek(f->open.get(), static_cast<off_t>(offset), SEEK_SET) < 0) return lerror(tag, errno);
    Writer w(Rreaddir, tag);
    w.u32(0);
    size_t used = 0;
    std::vector<char> buf(std::max<size_t>(room, 512) + 512);
    bool full = false;
    while (!full) {
        const long n = ::syscall(SYS_getdents64, f->open.get(), buf.data(), buf.size());
        if (n < 0) return lerror(tag, errno);
        if (n == 0) break;
        for (long pos = 0; pos < n;) {
            const auto* d = reinterpret_cast<const struct dirent64*>(buf.data() + pos);
            const size_t name_len = std::strlen(d->d_name);
            const size_t entry = qid_size + 8 + 1 + 2 + name_len;
            if (used + entry > room) {
                full = true;
                break;
            }
            Qid q;
            q.type = dirent_qid_type(d->d_type);
            q.path = d->d_ino;
            w.qid(q).u64(static_cast<uint64_t>(d->d_off)).u8(d->d_type).str({d->d_name, name_len});
            used += entry;
            pos += d->d_reclen;
        }
    }
    auto out = std::move(w).finish();
    patch_count(out, used);
    return out;
}

Server::Reply Server::clunk(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    if (m_fids.erase(fid) == 0) return lerror(tag, EBADF);
    return Writer(Rclunk, tag).finish();
}

Server::Reply Server::remove(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    // The fid goes whatever happens (9P's Tremove is also a clunk).
    std::vector<std::string> names = f->names;
    const bool dir = f->is_dir || [&] {
        auto st = sys::fstat(f->path.get(), "");
        return st && S_ISDIR(st->st_mode);
    }();
    m_fids.erase(fid);
    if (names.empty()) return lerror(tag, EBUSY);  // the export root itself
    auto parent = resolve(names, names.size() - 1);
    if (!parent) return lerror(tag, parent.error().code);
    if (::unlinkat(parent->get(), names.back().c_str(), dir ? AT_REMOVEDIR : 0) < 0) return lerror(tag, errno);
    return Writer(Rremove, tag).finish();
}

Server::Reply Server::statfs(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    struct statfs s {};
    if (::fstatfs(f->path.get(), &s) < 0) return lerror(tag, errno);
    uint64_t fsid = 0;
    std::memcpy(&fsid, &s.f_fsid, std::min(sizeof fsid, sizeof s.f_fsid));
    return Writer(Rstatfs, tag)
        .u32(static_cast<uint32_t>(s.f_type)).u32(static_cast<uint32_t>(s.f_bsize))
        .u64(s.f_blocks).u64(s.f_bfree).u64(s.f_bavail).u64(s.f_files).u64(s.f_ffree)
        .u64(fsid).u32(static_cast<uint32_t>(s.f_namelen))
        .finish();
}

Server::Reply Server::make(uint8_t type, uint16_t tag, Reader& in) {
    const uint32_t dfid = in.u32();
    const std::string name = in.str();
    std::string target;
    uint32_t mode = 0, major = 0, minor = 0;
    if (type == Tsymlink) {
        target = in.str();
    } else {
        mode = in.u32();
        if (type == Tmknod) {
            major = in.u32();
            minor = in.u32();
        }
    }
    const uint32_t gid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* d = find(dfid);
    if (!d) return lerror(tag, EBADF);
    if (!valid_name(name)) return lerror(tag, EINVAL);
    const int dir = d->path.get();
    int rc = 0;
    if (type == Tmkdir) rc = ::mkdirat(dir, name.c_str(), mode & 07777);
    else if (type == Tsymlink) rc = ::symlinkat(target.c_str(), dir, name.c_str());
    else rc = ::mknodat(dir, name.c_str(), mode, makedev(major, minor));
    if (rc < 0) return lerror(tag, errno);
    // Passthrough: the guest user's owner, and the exact mode (no host umask); a symlink's
    // mode is always 0777.
    bool ok = ::fchownat(dir, name.c_str(), d->uid, gid, AT_SYMLINK_NOFOLLOW) == 0;
    if (ok && type != Tsymlink) ok = ::fchmodat(dir, name.c_str(), mode & 07777, 0) == 0;
    if (!ok) {
        const int err = errno;
        ::unlinkat(dir, name.c_str(), type == Tmkdir ? AT_REMOVEDIR : 0);
        return lerror(tag, err);
    }
    auto q = qid_at(dir, name);
    if (!q) return lerror(tag, q.error().code);
    const auto reply = type == Tmkdir ? Rmkdir : type == Tsymlink ? Rsymlink : Rmknod;
    return Writer(reply, tag).qid(*q).finish();
}

Server::Reply Server::readlink(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    std::vector<char> buf(4096);
    const ssize_t n = ::readlinkat(f->path.get(), "", buf.data(), buf.size());
    if (n < 0) return lerror(tag, errno);
    return Writer(Rreadlink, tag).str({buf.data(), static_cast<size_t>(n)}).finish();
}

Server::Reply Server::link(uint16_t tag, Reader& in) {
    const uint32_t dfid = in.u32();
    const uint32_t fid = in.u32();
    const std::string name = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* d = find(dfid);
    Fid* f = find(fid);
    if (!d || !f) return lerror(tag, EBADF);
    if (!valid_name(name)) return lerror(tag, EINVAL);
    if (::linkat(f->path.get(), "", d->path.get(), name.c_str(), AT_EMPTY_PATH) < 0) return lerror(tag, errno);
    return Writer(Rlink, tag).finish();
}

void Server::renamed(const std::vector<std::string>& from, const std::vector<std::string>& to) {
    for (auto& [id, f] : m_fids) {
        (void)id;
        if (f.names.size() < from.size() || !std::equal(from.begin(), from.end(), f.names.begin())) continue;
        std::vector<std::string> n = to;
        n.insert(n.end(), f.names.begin() + static_cast<ptrdiff_t>(from.size()), f.names.end());
        f.names = std::move(n);
    }
}

int Server::move(int from_dir, const std::vector<std::string>& from_names, const std::string& from_name,
                 const Fid& to_dir, const std::string& to_name) {
    if (::renameat(from_dir, from_name.c_str(), to_dir.path.get(), to_name.c_str()) < 0) return errno;
    std::vector<std::string> from = from_names, to = to_dir.names;
    from.push_back(from_name);
    to.push_back(to_name);
    renamed(from, to);
    return 0;
}

Server::Reply Server::rename(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t dfid = in.u32();
    const std::string name = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    Fid* d = find(dfid);
    if (!f || !d) return lerror(tag, EBADF);
    if (!valid_name(name)) return lerror(tag, EINVAL);
    if (f->names.empty()) return lerror(tag, EBUSY);
    auto parent = resolve(f->names, f->names.size() - 1);
    if (!parent) return lerror(tag, parent.error().code);
    std::vector<std::string> from_dir(f->names.begin(), f->names.end() - 1);
    if (int err = move(parent->get(), from_dir, f->names.back(), *d, name)) return lerror(tag, err);
    return Writer(Rrename, tag).finish();
}

Server::Reply Server::renameat(uint16_t tag, Reader& in) {
    const uint32_t olddir = in.u32();
    const std::string oldname = in.str();
    const uint32_t newdir = in.u32();
    const std::string newname = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* o = find(olddir);
    Fid* n = find(newdir);
    if (!o || !n) return lerror(tag, EBADF);
    if (!valid_name(oldname) || !valid_name(newname)) return lerror(tag, EINVAL);
    if (int err = move(o->path.get(), o->names, oldname, *n, newname)) return lerror(tag, err);
    return Writer(Rrenameat, tag).finish();
}

Server::Reply Server::unlinkat(uint16_t tag, Reader& in) {
    const uint32_t dfid = in.u32();
    const std::string name = in.str();
    const uint32_t flags = in.u32();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* d = find(dfid);
    if (!d) return lerror(tag, EBADF);
    if (!valid_name(name)) return lerror(tag, EINVAL);
    if (::unlinkat(d->path.get(), name.c_str(), static_cast<int>(flags & AT_REMOVEDIR)) < 0) return lerror(tag, errno);
    return Writer(Runlinkat, tag).finish();
}

Server::Reply Server::fsync(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t datasync = in.remaining() >= 4 ? in.u32() : 0;  // older clients send fid only
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (f->open.get() >= 0 && (datasync ? ::fdatasync(f->open.get()) : ::fsync(f->open.get())) < 0)
        return lerror(tag, errno);
    return Writer(Rfsync, tag).finish();
}

Server::Reply Server::xattrwalk(uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    const uint32_t newfid = in.u32();
    const std::string name = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    Fid* f = find(fid);
    if (!f) return lerror(tag, EBADF);
    if (newfid != fid && find(newfid)) return lerror(tag, EBADF);
    auto got = sys::fstat(f->path.get(), "");
    if (!got) return lerror(tag, got.error().code);
    const struct stat& st = *got;
    // Symlinks carry no user xattrs the guest can use, and their /proc link would be followed.
    if (S_ISLNK(st.st_mode)) return lerror(tag, ENODATA);
    const std::string self = proc_fd(f->path.get());
    std::vector<uint8_t> value(65536);
    const ssize_t n = name.empty() ? ::listxattr(self.c_str(), reinterpret_cast<char*>(value.data()), value.size())
                                   : ::getxattr(self.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) return lerror(tag, errno);
    value.resize(static_cast<size_t>(n));
    auto d = dup_fd(f->path.get());
    if (!d) return lerror(tag, d.error().code);
    Fid x;
    x.path = std::move(*d);
    x.names = f->names;
    x.uid = f->uid;
    x.xattr = std::move(value);
    m_fids.insert_or_assign(newfid, std::move(x));
    return Writer(Rxattrwalk, tag).u64(static_cast<uint64_t>(n)).finish();
}

Server::Reply Server::lock(uint8_t type, uint16_t tag, Reader& in) {
    const uint32_t fid = in.u32();
    (void)in.u8();                   // type
    if (type == Tlock) (void)in.u32();  // flags
    const uint64_t start = in.u64();
    const uint64_t length = in.u64();
    const uint32_t proc_id = in.u32();
    const std::string client = in.str();
    if (in.failed()) return lerror(tag, bad_message);
    if (!find(fid)) return lerror(tag, EBADF);
    // POSIX locks stay in the guest's kernel (one guest per share): the host takes none.
    if (type == Tlock) return Writer(Rlock, tag).u8(lock_success).finish();
    return Writer(Rgetlock, tag).u8(lock_type_unlck).u64(start).u64(length).u32(proc_id).str(client).finish();
}

}  // namespace strata::vmm::p9
