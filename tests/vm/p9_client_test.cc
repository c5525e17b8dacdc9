// The own VMM's 9P2000.L server (vmm/devices/virtio/p9/server.h) with Linux's own 9p client:
// a micro-VM (QEMU, Debian's kernel) mounts a host directory served by p9::Server over TCP
// (`trans=tcp`; the guest reaches the host over its namespace's veth) and reads, writes, lists,
// renames and removes through it. The transport differs from the own VMM's virtio one, the
// messages are the same: this is the check of the server against a real client that runs on
// machines without hardware virtualization, where the own VMM cannot boot Linux.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/unique_fd.h"
#include "tests/vm/test_netns.h"
#include "tests/vm/vm_fixture.h"
#include "vmm/devices/virtio/p9/server.h"
#include "vmm/devices/virtio/p9/wire.h"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

bool read_exact(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t got = ::read(fd, p, n);
        if (got <= 0) return false;
        p += got;
        n -= static_cast<size_t>(got);
    }
    return true;
}

// Serves `dir` with p9::Server to one TCP connection on ip:port (port chosen by the kernel).
class TcpShare {
public:
    TcpShare(const std::string& dir, const std::string& ip) {
        auto s = vmm::p9::Server::open(dir);
        if (!s) throw std::runtime_error(s.error().message());
        m_server = std::move(*s);
        m_listen = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
        if (::bind(m_listen.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(m_listen.get(), 1) < 0)
            throw std::runtime_error("listen on " + ip + ": " + std::strerror(errno));
        socklen_t len = sizeof a;
        ::getsockname(m_listen.get(), reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~TcpShare() {
        m_stop = true;
        m_thread.join();
    }
    int port = 0;
    std::atomic<int> requests{0};

private:
    void serve() {
        UniqueFd conn;
        while (!m_stop) {
            pollfd p{m_listen.get(), POLLIN, 0};
            if (::poll(&p, 1, 100) == 1) {
                conn = UniqueFd(::accept4(m_listen.get(), nullptr, nullptr, SOCK_CLOEXEC));
                break;
            }
        }
        if (conn.get() < 0) return;
        std::vector<uint8_t> msg;
        while (!m_stop) {
            pollfd p{conn.get(), POLLIN, 0};
            if (::poll(&p, 1, 100) != 1) continue;
            uint8_t size[4];
            if (!read_exact(conn.get(), size, 4)) return;
            const uint32_t n = size[0] | size[1] << 8 | size[2] << 16 | static_cast<uint32_t>(size[3]) << 24;
            if (n < 7 || n > vmm::p9::Server::max_msize) return;
            msg.assign(size, size + 4);
            msg.resize(n);
            if (!read_exact(conn.get(), msg.data() + 4, n - 4)) return;
            const auto reply = m_server->handle(msg, m_server->msize());
            ++requests;
            if (::write(conn.get(), reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) return;
        }
    }

    std::unique_ptr<vmm::p9::Server> m_server;
    UniqueFd m_listen;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// Debian's 9p-over-TCP transport module, for the guest to load: 9pnet, which it needs, is loaded
// by the agent for any VM with a bind mount.
std::string tcp_transport_module() {
    auto r = run_cmd({"sh", "-c", "ls /lib/modules/*/kernel/net/9p/9pnet_fd.ko 2>/dev/null | sort -V | tail -1"});
    std::string p = r.out;
    if (!p.empty() && p.back() == '\n') p.pop_back();
    return p;
}

TEST_F(Vm, LinuxsNinePClientMountsTheOwnVmmsServer) {
    STRATA_REQUIRE(run_cmd({"ip", "netns", "list"}).status == 0, "no `ip netns` (install iproute2)");
    const std::string module = tcp_transport_module();
    STRATA_REQUIRE(!module.empty(), "no 9pnet_fd.ko of a Debian kernel (linux-image-amd64)");
    TestNetns ns;
    TempDir exported("strata-p9-export"), bound("strata-p9-bind");
    write_text(exported.path() + "/hello", "hello from the host\n");
    ::mkdir((exported.path() + "/sub").c_str(), 0755);
    // Bigger than msize (several Treads and Twrites) and a directory of many entries (several
    // Treaddirs).
    std::string big(300000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 3);
    write_text(exported.path() + "/big", big);
    ::mkdir((exported.path() + "/many").c_str(), 0755);
    for (int i = 0; i < 300; ++i) write_text(exported.path() + "/many/entry-with-a-long-name-" + std::to_string(i), "");
    TcpShare share(exported.path(), ns.subnet + ".1");

    join_netns(bundle->config, ns.path());
    // A bind mount, so the guest boots a kernel with 9p and loads 9pnet.
    bundle->config["mounts"].push_back({{"destination", "/bound"}, {"type", "bind"}, {"source", bound.path()}, {"options", {"bind"}}});
    for (const char* set : {"bounding", "effective", "permitted"})
        for (const char* cap : {"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_CHOWN"})
            bundle->config["process"]["capabilities"][set].push_back(cap);
    // The default profile allows init_module and mount only for the capabilities it was made for.
    bundle->config["linux"].erase("seccomp");
    fs::copy_file(module, bundle->path() + "/rootfs/9pnet_fd.ko");
    fs::create_directories(bundle->path() + "/rootfs/mnt/p9");  // the root is read-only in the guest
    const std::string opts = "trans=tcp,port=" + std::to_string(share.port) +
                             ",version=9p2000.L,cache=none,access=client,msize=65536";
    bundle->set_args({"sh", "-c",
                      "insmod /9pnet_fd.ko || exit 10; mount -t 9p -o " + opts + " " + ns.subnet +
                          ".1 /mnt/p9 || exit 11; cd /mnt/p9; cat hello; echo guest-data > sub/new; "
                          "chown 1234:5678 sub/new; mv sub/new sub/renamed; ls -a sub | tr '\\n' ' '; echo; "
                          "mkdir gone && rmdir gone && echo rmdir-ok; ln -s hello link && readlink link; "
                          "stat -c '%s %a' hello; cp big big-copy; ls many | wc -l; cd /; umount /mnt/p9 && echo umount-ok"});
    bundle->save();
    auto r = strata({"run", "-b", bundle->path(), "p9client"}, "", std::chrono::seconds(180));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "hello from the host\n"
                     ". .. renamed \n"
                     "rmdir-ok\n"
                     "hello\n"
                     "20 644\n"
                     "300\n"
                     "umount-ok\n")
        << r.err;
    EXPECT_EQ(read_text(exported.path() + "/sub/renamed"), "guest-data\n");
    struct stat st{};
    ASSERT_EQ(::stat((exported.path() + "/sub/renamed").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    EXPECT_EQ(fs::read_symlink(exported.path() + "/link"), "hello");
    EXPECT_EQ(read_text(exported.path() + "/big-copy"), big);
    EXPECT_GT(share.requests.load(), 10);
}

}  // namespace
}  // namespace strata::test
