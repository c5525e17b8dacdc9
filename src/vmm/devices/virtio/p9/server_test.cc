// Unit tests of the 9P2000.L server on a real host directory: the test is the guest's v9fs
// client, sending the T-messages Linux sends (built with p9::Writer, checked against hand-laid
// bytes once) and reading the R-messages.

#include "vmm/devices/virtio/p9/server.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace strata::vmm::p9 {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t root_fid = 1;

std::string slurp(const fs::path& p) {
    std::ifstream f(p);
    return {std::istreambuf_iterator<char>(f), {}};
}
void spit(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

// One reply: its type, the errno of an Rlerror, and a Reader over its body.
struct Reply {
    uint8_t type = 0;
    uint32_t err = 0;
    std::vector<uint8_t> bytes;
    Reader body() const { return Reader(std::span(bytes).subspan(header_size)); }
};

class P9Server : public ::testing::Test {
protected:
    void SetUp() override {
        char t[] = "/tmp/p9-server-test.XXXXXX";
        ASSERT_NE(::mkdtemp(t), nullptr);
        top = t;
        exp = top / "export";
        fs::create_directory(exp);
        auto s = Server::open(exp);
        ASSERT_TRUE(s) << s.error().message();
        server = std::move(*s);
        ASSERT_EQ(call(Writer(Tversion, no_tag).u32(512000).str("9P2000.L")).type, Rversion);
        ASSERT_EQ(attach(root_fid, 0).type, Rattach);
    }
    void TearDown() override {
        server.reset();
        fs::remove_all(top);
    }

    Reply call(Writer w, size_t room = 1 << 20) {
        Reply r;
        const auto msg = w.finish();
        r.bytes = server->handle(msg, room);
        EXPECT_GE(r.bytes.size(), header_size);
        Reader h(r.bytes);
        EXPECT_EQ(h.u32(), r.bytes.size());
        r.type = h.u8();
        EXPECT_EQ(h.u16(), msg[5] | (msg[6] << 8));
        if (r.type == Rlerror) r.err = h.u32();
        return r;
    }
    Reply attach(uint32_t fid, uint32_t uid) {
        return call(Writer(Tattach, tag).u32(fid).u32(no_fid).str("").str("").u32(uid));
    }
    Reply walk(uint32_t fid, uint32_t newfid, std::vector<std::string> names) {
        Writer w(Twalk, tag);
        w.u32(fid).u32(newfid).u16(static_cast<uint16_t>(names.size()));
        for (const auto& n : names) w.str(n);
        return call(std::move(w));
    }
    Reply lopen(uint32_t fid, uint32_t flags) { return call(Writer(Tlopen, tag).u32(fid).u32(flags)); }
    Reply clunk(uint32_t fid) { return call(Writer(Tclunk, tag).u32(fid)); }
    std::string read_all(uint32_t fid) {
        std::string out;
        for (;;) {
            Reply r = call(Writer(Tread, tag).u32(fid).u64(out.size()).u32(7));
            EXPECT_EQ(r.type, Rread) << r.err;
            if (r.type != Rread) return out;
            Reader b = r.body();
            const uint32_t n = b.u32();
            if (n == 0) return out;
            auto d = b.bytes(n);
            out.append(reinterpret_cast<const char*>(d.data()), d.size());
        }
    }
    Qid qid_of(const Reply& r) {
        Reader b = r.body();
        Qid q;
        q.type = b.u8();
        q.version = b.u32();
        q.path = b.u64();
        return q;
    }
    // Walks from the root to `names` as fid `fid`.
    void walk_to(uint32_t fid, std::vector<std::string> names) {
        Reply r = walk(root_fid, fid, names);
        ASSERT_EQ(r.type, Rwalk) << r.err;
        ASSERT_EQ(r.body().u16(), names.size());
    }

    fs::path top, exp;
    std::unique_ptr<Server> server;
    uint16_t tag = 7;
};

TEST_F(P9Server, VersionAnswersWithTheBytesLinuxExpects) {
    tag = no_tag;
    // Tversion msize=8192 "9P2000.L", laid out by hand.
    const std::vector<uint8_t> tversion = {21, 0, 0, 0, 100, 0xff, 0xff, 0x00, 0x20, 0, 0,
                                           8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L'};
    const std::vector<uint8_t> rversion = {21, 0, 0, 0, 101, 0xff, 0xff, 0x00, 0x20, 0, 0,
                                           8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L'};
    EXPECT_EQ(server->handle(tversion, 1 << 20), rversion);
    EXPECT_EQ(server->msize(), 8192u);
    // An unknown dialect is answered "unknown", as the protocol says.
    Reply r = call(Writer(Tversion, no_tag).u32(8192).str("9P2000"));
    Reader b = r.body();
    b.u32();
    EXPECT_EQ(b.str(), "unknown");
}

TEST_F(P9Server, ReadsAHostFileThroughWalkOpenAndRead) {
    spit(exp / "hello", "hello from the host\n");
    walk_to(2, {"hello"});
    Reply g = call(Writer(Tgetattr, tag).u32(2).u64(getattr_basic));
    ASSERT_EQ(g.type, Rgetattr) << g.err;
    Reader b = g.body();
    EXPECT_EQ(b.u64(), getattr_basic);
    b.bytes(qid_size);
    EXPECT_TRUE(S_ISREG(b.u32()));
    b.u32();  // uid
    b.u32();  // gid
    b.u64();  // nlink
    b.u64();  // rdev
    EXPECT_EQ(b.u64(), 20u);
    ASSERT_EQ(lopen(2, O_RDONLY).type, Rlopen);
    EXPECT_EQ(read_all(2), "hello from the host\n");  // in 7-byte reads
    EXPECT_EQ(clunk(2).type, Rclunk);
    EXPECT_EQ(server->open_fids(), 1u);
}

TEST_F(P9Server, CreatedFilesAreTheGuestUsersWithTheExactModeAndReachTheHost) {
    ASSERT_EQ(attach(10, 1234).type, Rattach);
    walk_to(2, {});
    ASSERT_EQ(walk(10, 11, {}).type, Rwalk);
    const mode_t old = ::umask(077);  // the server's umask must not cut the guest's mode
    Reply c = call(Writer(Tlcreate, tag).u32(11).str("new").u32(O_WRONLY | O_CREAT).u32(0664).u32(99));
    ::umask(old);
    ASSERT_EQ(c.type, Rlcreate) << c.err;
    const std::string text = "written in the guest";
    Reply w = call(Writer(Twrite, tag).u32(11).u64(0).u32(static_cast<uint32_t>(text.size()))
                       .bytes({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
    ASSERT_EQ(w.type, Rwrite) << w.err;
    EXPECT_EQ(w.body().u32(), text.size());
    EXPECT_EQ(slurp(exp / "new"), text);
    struct ::stat st {};
    ASSERT_EQ(::stat((exp / "new").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 99u);
    EXPECT_EQ(st.st_mode & 07777, 0664u);
    // The fid now names the new file: a second create on it is refused.
    EXPECT_EQ(call(Writer(Tlcreate, tag).u32(11).str("again").u32(O_WRONLY).u32(0600).u32(0)).err, EBADF);
}

TEST_F(P9Server, ASymlinkPointingOutsideTheExportNeverReachesTheHostTarget) {
    fs::create_directory(top / "outside");
    spit(top / "outside" / "secret", "host secret");
    fs::create_symlink(top / "outside", exp / "abs");  // absolute, to the host's directory
    fs::create_symlink("../outside", exp / "rel");     // climbing out of the export
    for (const char* link : {"abs", "rel"}) {
        // A walk through the link fails after its first step, and makes no fid.
        Reply r = walk(root_fid, 2, {link, "secret"});
        ASSERT_EQ(r.type, Rwalk) << link;
        EXPECT_EQ(r.body().u16(), 1u) << link;
        EXPECT_EQ(clunk(2).err, EBADF) << link;
        // The link itself: its text for the guest to resolve, but it cannot be opened.
        walk_to(3, {link});
        Reply l = call(Writer(Treadlink, tag).u32(3));
        ASSERT_EQ(l.type, Rreadlink) << l.err;
        EXPECT_EQ(l.body().str(), fs::read_symlink(exp / link).string());
        EXPECT_EQ(lopen(3, O_RDONLY).err, ELOOP);
        EXPECT_EQ(call(Writer(Tlcreate, tag).u32(3).str("x").u32(O_WRONLY).u32(0600).u32(0)).err, ENOTDIR);
        clunk(3);
    }
    // ".." at the export's root stays there.
    Reply up = walk(root_fid, 4, {"..", "..", "outside"});
    EXPECT_EQ(up.type, Rwalk);
    EXPECT_EQ(up.body().u16(), 2u);  // the two ".." steps, then ENOENT: no "outside" in the export
    Reply root = walk(root_fid, 5, {".."});
    Reply self = walk(root_fid, 6, {"."});
    EXPECT_EQ(qid_of(root).path, qid_of(self).path);
}

TEST_F(P9Server, NamesThatAreNotOneComponentAreRefused) {
    fs::create_directory(exp / "d");
    spit(exp / "d" / "f", "x");
    EXPECT_EQ(walk(root_fid, 2, {"d/f"}).err, EINVAL);
    EXPECT_EQ(walk(root_fid, 2, {""}).err, EINVAL);
    for (const char* bad : {"../x", "..", ".", "a/b", ""}) {
        EXPECT_EQ(call(Writer(Tlcreate, tag).u32(root_fid).str(bad).u32(O_WRONLY).u32(0600).u32(0)).err, EINVAL) << bad;
        EXPECT_EQ(call(Writer(Tmkdir, tag).u32(root_fid).str(bad).u32(0700).u32(0)).err, EINVAL) << bad;
        EXPECT_EQ(call(Writer(Tunlinkat, tag).u32(root_fid).str(bad).u32(0)).err, EINVAL) << bad;
    }
    EXPECT_FALSE(fs::exists(top / "x"));
}

TEST_F(P9Server, AReadOnlyBindRefusesWritesWithErofs) {
    fs::create_directory(exp / "ro");
    spit(exp / "ro" / "f", "old");
    const std::string ro = exp / "ro";
    if (::mount(ro.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        ASSERT_EQ(errno, EPERM);
        GTEST_SKIP() << "needs CAP_SYS_ADMIN to make a read-only bind mount";
    }
    ASSERT_EQ(::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0);
    walk_to(2, {"ro"});
    EXPECT_EQ(call(Writer(Tlcreate, tag).u32(2).str("new").u32(O_WRONLY).u32(0600).u32(0)).err, EROFS);
    walk_to(3, {"ro", "f"});
    EXPECT_EQ(lopen(3, O_WRONLY).err, EROFS);
    EXPECT_EQ(call(Writer(Tsetattr, tag).u32(3).u32(attr_size).u32(0).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0)).err,
              EROFS);
    ASSERT_EQ(lopen(3, O_RDONLY).type, Rlopen);
    EXPECT_EQ(read_all(3), "old");
    server.reset();
    EXPECT_EQ(::umount2(ro.c_str(), MNT_DETACH), 0);
}

TEST_F(P9Server, DeviceNodesAndFifosAreNeverOpenedOnTheHost) {
    // A guest (its kernel is not trusted) makes /dev/null's twin and a FIFO, then asks the server
    // to open them: the server would open the host's device as root, or block on the FIFO.
    Reply m = call(Writer(Tmknod, tag).u32(root_fid).str("null").u32(S_IFCHR | 0666).u32(1).u32(3).u32(0));
    if (m.err == EPERM) GTEST_SKIP() << "needs CAP_MKNOD";
    ASSERT_EQ(m.type, Rmknod) << m.err;
    ASSERT_EQ(::mkfifo((exp / "fifo").c_str(), 0600), 0);
    for (const char* name : {"null", "fifo"}) {
        walk_to(2, {name});
        EXPECT_EQ(lopen(2, O_RDWR).err, EACCES) << name;
        EXPECT_EQ(lopen(2, O_RDONLY | O_NONBLOCK).err, EACCES) << name;
        clunk(2);
    }
    struct ::stat st {};
    ASSERT_EQ(::stat((exp / "null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));  // it exists, for the guest to open as its own device
}

TEST_F(P9Server, ReaddirListsEveryEntryAcrossSmallReplies) {
    std::set<std::string> want = {".", ".."};
    for (int i = 0; i < 40; ++i) {
        spit(exp / ("file-" + std::to_string(i)), "");
        want.insert("file-" + std::to_string(i));
    }
    fs::create_directory(exp / "sub");
    want.insert("sub");
    walk_to(2, {});
    ASSERT_EQ(lopen(2, O_RDONLY | O_DIRECTORY).type, Rlopen);
    std::set<std::string> got;
    uint64_t offset = 0;
    int calls = 0;
    for (;; ++calls) {
        Reply r = call(Writer(Treaddir, tag).u32(2).u64(offset).u32(200));
        ASSERT_EQ(r.type, Rreaddir) << r.err;
        Reader b = r.body();
        const uint32_t n = b.u32();
        ASSERT_LE(n, 200u);
        if (n == 0) break;
        Reader e(b.bytes(n));
        while (e.remaining() > 0) {
            Qid q;
            q.type = e.u8();
            e.u32();
            e.u64();
            offset = e.u64();
            const uint8_t type = e.u8();
            const std::string name = e.str();
            ASSERT_FALSE(e.failed());
            EXPECT_TRUE(got.insert(name).second) << name << " twice";
            EXPECT_EQ(q.type == qt_dir, type == DT_DIR) << name;
        }
    }
    EXPECT_EQ(got, want);
    EXPECT_GT(calls, 3);  // the entries did not fit one reply
}

TEST_F(P9Server, MkdirSymlinkLinkRenameAndUnlinkActOnTheHost) {
    Reply m = call(Writer(Tmkdir, tag).u32(root_fid).str("d").u32(0750).u32(0));
    ASSERT_EQ(m.type, Rmkdir) << m.err;
    EXPECT_EQ(qid_of(m).type, qt_dir);
    EXPECT_EQ(fs::status(exp / "d").permissions(), fs::perms(0750));
    ASSERT_EQ(call(Writer(Tsymlink, tag).u32(root_fid).str("l").str("d/target").u32(0)).type, Rsymlink);
    EXPECT_EQ(fs::read_symlink(exp / "l"), "d/target");
    spit(exp / "f", "data");
    walk_to(2, {"f"});
    walk_to(3, {"d"});
    ASSERT_EQ(call(Writer(Tlink, tag).u32(3).u32(2).str("hard")).type, Rlink);
    EXPECT_EQ(fs::hard_link_count(exp / "f"), 2u);
    ASSERT_EQ(call(Writer(Trenameat, tag).u32(root_fid).str("d").u32(root_fid).str("e")).type, Rrenameat);
    EXPECT_EQ(slurp(exp / "e" / "hard"), "data");
    // fid 3 followed its directory: ".." from it is the root, and it still names "e".
    Reply up = walk(3, 4, {"..", "e", "hard"});
    ASSERT_EQ(up.type, Rwalk) << up.err;
    EXPECT_EQ(up.body().u16(), 3u);
    ASSERT_EQ(call(Writer(Trename, tag).u32(2).u32(3).str("moved")).type, Rrename);
    EXPECT_EQ(slurp(exp / "e" / "moved"), "data");
    EXPECT_EQ(call(Writer(Tunlinkat, tag).u32(root_fid).str("e").u32(0)).err, EISDIR);
    EXPECT_EQ(call(Writer(Tunlinkat, tag).u32(root_fid).str("e").u32(AT_REMOVEDIR)).err, ENOTEMPTY);
    ASSERT_EQ(call(Writer(Tunlinkat, tag).u32(3).str("hard").u32(0)).type, Runlinkat);
    ASSERT_EQ(call(Writer(Tremove, tag).u32(2)).type, Rremove);
    EXPECT_TRUE(fs::is_empty(exp / "e"));
    EXPECT_EQ(clunk(2).err, EBADF);  // Tremove clunked it
}

TEST_F(P9Server, SetattrTruncatesChmodsAndSetsTimes) {
    spit(exp / "f", "0123456789");
    walk_to(2, {"f"});
    Reply r = call(Writer(Tsetattr, tag).u32(2).u32(attr_size | attr_mode | attr_mtime | attr_mtime_set)
                       .u32(0600).u32(0).u32(0).u64(4).u64(0).u64(0).u64(1000000000).u64(5));
    ASSERT_EQ(r.type, Rsetattr) << r.err;
    EXPECT_EQ(slurp(exp / "f"), "0123");
    struct ::stat st {};
    ASSERT_EQ(::stat((exp / "f").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 5);
    walk_to(3, {});
    EXPECT_EQ(call(Writer(Tsetattr, tag).u32(3).u32(attr_size).u32(0).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0)).err,
              EISDIR);
}

TEST_F(P9Server, RepliesAreCutToTheRoomTheDriverGave) {
    spit(exp / "big", std::string(100000, 'x'));
    walk_to(2, {"big"});
    ASSERT_EQ(lopen(2, O_RDONLY).type, Rlopen);
    Reply r = call(Writer(Tread, tag).u32(2).u64(0).u32(100000), 100);
    ASSERT_EQ(r.type, Rread);
    EXPECT_EQ(r.body().u32(), 100 - io_header_size);
    EXPECT_EQ(r.bytes.size(), 100u);
}

TEST_F(P9Server, MalformedOrUnknownRequestsGetAnErrorNotACrash) {
    // Cut short: a Twalk that claims two names and carries one.
    std::vector<uint8_t> cut = Writer(Twalk, tag).u32(root_fid).u32(2).u16(2).str("a").finish();
    Reply r;
    r.bytes = server->handle(cut, 1 << 20);
    EXPECT_EQ(r.bytes, lerror(tag, EPROTO));
    // A size field larger than the message.
    std::vector<uint8_t> lying = Writer(Tclunk, tag).u32(root_fid).finish();
    lying[0] = 200;
    EXPECT_EQ(server->handle(lying, 1 << 20), lerror(tag, EPROTO));
    EXPECT_EQ(server->handle(std::vector<uint8_t>{1, 2}, 1 << 20).size(), 11u);
    EXPECT_EQ(call(Writer(static_cast<Type>(99), tag).u32(0)).err, EOPNOTSUPP);
    EXPECT_EQ(call(Writer(Tauth, tag).u32(9).str("").str("").u32(0)).err, EOPNOTSUPP);
    // Unknown and reused fids.
    EXPECT_EQ(clunk(42).err, EBADF);
    EXPECT_EQ(attach(root_fid, 0).err, EBADF);
    EXPECT_EQ(walk(42, 43, {}).err, EBADF);
    EXPECT_EQ(server->open_fids(), 1u);
}

TEST_F(P9Server, StatfsDescribesTheExportsFilesystem) {
    Reply r = call(Writer(Tstatfs, tag).u32(root_fid));
    ASSERT_EQ(r.type, Rstatfs) << r.err;
    struct statfs host {};
    ASSERT_EQ(::statfs(exp.c_str(), &host), 0);
    Reader b = r.body();
    EXPECT_EQ(b.u32(), static_cast<uint32_t>(host.f_type));
    EXPECT_EQ(b.u32(), static_cast<uint32_t>(host.f_bsize));
    EXPECT_EQ(b.u64(), host.f_blocks);
    b.u64();  // bfree, bavail, files, ffree: they move as the host writes
    b.u64();
    b.u64();
    b.u64();
    b.u64();  // fsid
    EXPECT_EQ(b.u32(), static_cast<uint32_t>(host.f_namelen));
    EXPECT_FALSE(b.failed());
    EXPECT_EQ(b.remaining(), 0u);
}

TEST_F(P9Server, ANewVersionForgetsEveryFid) {
    walk_to(2, {});
    walk_to(3, {});
    EXPECT_EQ(server->open_fids(), 3u);
    ASSERT_EQ(call(Writer(Tversion, tag).u32(65536).str("9P2000.L")).type, Rversion);
    EXPECT_EQ(server->open_fids(), 0u);
    EXPECT_EQ(server->msize(), 65536u);
}

}  // namespace
}  // namespace strata::vmm::p9
