#include "tests/fuzz/fuzz_p9.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "vmm/devices/virtio/p9/server.h"
#include "vmm/devices/virtio/p9/wire.h"

namespace strata::fuzz {
namespace {

using vmm::p9::Writer;
namespace p9 = vmm::p9;

std::string g_top, g_export;
std::unique_ptr<p9::Server> g_server;
size_t g_inputs = 0;

void must(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "p9 fuzz: %s\n", what);
        std::abort();
    }
}

void write_file(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    must(fd >= 0, "create a scratch file");
    must(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()), "write a scratch file");
    ::close(fd);
}

// rm -rf without following links (the export holds symlinks out of it).
void remove_tree(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        if (DIR* d = ::opendir(path.c_str())) {
            while (dirent* e = ::readdir(d)) {
                const std::string n = e->d_name;
                if (n != "." && n != "..") remove_tree(path + "/" + n);
            }
            ::closedir(d);
        }
        ::chmod(path.c_str(), 0700);
        ::rmdir(path.c_str());
    } else {
        ::unlink(path.c_str());
    }
}

// A fresh export: two files, a directory with a file, links out of it (absolute, relative).
void make_export() {
    g_server.reset();
    remove_tree(g_export);
    must(::mkdir(g_export.c_str(), 0755) == 0, "mkdir the export");
    write_file(g_export + "/hello", "hello from the host\n");
    write_file(g_export + "/big", std::string(20000, 'b'));
    must(::mkdir((g_export + "/sub").c_str(), 0755) == 0, "mkdir sub");
    write_file(g_export + "/sub/inner", "inner");
    must(::symlink(g_top.c_str(), (g_export + "/abs").c_str()) == 0, "symlink abs");
    must(::symlink("../", (g_export + "/rel").c_str()) == 0, "symlink rel");
    auto s = p9::Server::open(g_export);
    must(s.has_value(), "open the server");
    g_server = std::move(*s);
}

// Only "export" may stand beside the export: anything else was made through an escape.
void check_nothing_escaped() {
    DIR* d = ::opendir(g_top.c_str());
    must(d != nullptr, "list the scratch directory");
    while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n == "." || n == ".." || n == "export") continue;
        std::fprintf(stderr, "p9 fuzz: %s appeared beside the export\n", n.c_str());
        std::abort();
    }
    ::closedir(d);
}

void send(std::span<const uint8_t> msg, size_t room) {
    const auto reply = g_server->handle(msg, room);
    must(reply.size() >= p9::header_size, "a reply shorter than a header");
    must(reply.size() <= room, "a reply larger than the room");
    const uint32_t size = reply[0] | reply[1] << 8 | reply[2] << 16 | static_cast<uint32_t>(reply[3]) << 24;
    must(size == reply.size(), "a reply whose size field is not its length");
    must(reply[4] % 2 == 1, "a reply that is not an R-message");
}

}  // namespace

void p9_init() {
    char t[] = "/tmp/strata-p9-fuzz.XXXXXX";
    must(::mkdtemp(t) != nullptr, "mkdtemp");
    g_top = t;
    g_export = g_top + "/export";
    make_export();
    std::atexit([] { remove_tree(g_top); });
}

void check_p9(std::span<const uint8_t> input) {
    // Every 500 inputs a fresh export, so that what inputs create does not pile up.
    if (++g_inputs % 500 == 0) make_export();
    const auto version = Writer(p9::Tversion, p9::no_tag).u32(65536).str("9P2000.L").finish();
    send(version, 1 << 16);
    const auto attach = Writer(p9::Tattach, 1).u32(0).u32(p9::no_fid).str("").str("").u32(0).finish();
    send(attach, 1 << 16);
    size_t at = 0;
    while (input.size() - at >= p9::header_size) {
        size_t n = input[at] | input[at + 1] << 8 | input[at + 2] << 16 | static_cast<size_t>(input[at + 3]) << 24;
        n = std::max(p9::header_size, std::min(n, input.size() - at));
        std::vector<uint8_t> msg(input.begin() + static_cast<ptrdiff_t>(at), input.begin() + static_cast<ptrdiff_t>(at + n));
        for (size_t i = 0; i < 4; ++i) msg[i] = static_cast<uint8_t>(n >> (8 * i));
        // The room varies with the input, as the driver's chains do; at least an Rlerror's.
        const size_t room = 11 + (msg.size() > 5 ? msg[5] * 64u : 0u);
        send(msg, room);
        at += n;
    }
    check_nothing_escaped();
}

std::vector<std::vector<uint8_t>> p9_seeds() {
    auto cat = [](std::vector<std::vector<uint8_t>> msgs) {
        std::vector<uint8_t> out;
        for (auto& m : msgs) out.insert(out.end(), m.begin(), m.end());
        return out;
    };
    std::vector<std::vector<uint8_t>> seeds;
    // Read a file.
    seeds.push_back(cat({Writer(p9::Twalk, 2).u32(0).u32(1).u16(1).str("hello").finish(),
                         Writer(p9::Tgetattr, 3).u32(1).u64(p9::getattr_basic).finish(),
                         Writer(p9::Tlopen, 4).u32(1).u32(O_RDONLY).finish(),
                         Writer(p9::Tread, 5).u32(1).u64(0).u32(4096).finish(),
                         Writer(p9::Tclunk, 6).u32(1).finish()}));
    // Create, write, rename, list, remove.
    seeds.push_back(cat({Writer(p9::Twalk, 2).u32(0).u32(1).u16(0).finish(),
                         Writer(p9::Tlcreate, 3).u32(1).str("new").u32(O_RDWR).u32(0644).u32(0).finish(),
                         Writer(p9::Twrite, 4).u32(1).u64(0).u32(4).str("da").finish(),
                         Writer(p9::Trenameat, 5).u32(0).str("new").u32(0).str("moved").finish(),
                         Writer(p9::Twalk, 6).u32(0).u32(2).u16(1).str("sub").finish(),
                         Writer(p9::Tlopen, 7).u32(2).u32(O_RDONLY | O_DIRECTORY).finish(),
                         Writer(p9::Treaddir, 8).u32(2).u64(0).u32(512).finish(),
                         Writer(p9::Tunlinkat, 9).u32(0).str("moved").u32(0).finish()}));
    // Symlinks and "..".
    seeds.push_back(cat({Writer(p9::Twalk, 2).u32(0).u32(1).u16(2).str("abs").str("export").finish(),
                         Writer(p9::Twalk, 3).u32(0).u32(2).u16(3).str("..").str("..").str("sub").finish(),
                         Writer(p9::Twalk, 4).u32(0).u32(3).u16(1).str("rel").finish(),
                         Writer(p9::Treadlink, 5).u32(3).finish(),
                         Writer(p9::Tsymlink, 6).u32(0).str("l").str("/etc").u32(0).finish(),
                         Writer(p9::Tmkdir, 7).u32(0).str("d").u32(0755).u32(0).finish(),
                         Writer(p9::Tsetattr, 8).u32(0).u32(p9::attr_mode).u32(0700).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0).finish(),
                         Writer(p9::Txattrwalk, 9).u32(0).u32(4).str("").finish(),
                         Writer(p9::Tstatfs, 10).u32(0).finish()}));
    return seeds;
}

}  // namespace strata::fuzz
