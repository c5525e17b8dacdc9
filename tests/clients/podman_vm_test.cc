// Podman driving strata's micro-VMs (--annotation org.strata.substrate=vm): what Podman gives a
// container reaches the guest. Network: Podman's netavark network namespace is the guest's NIC,
// so a published port and a second VM on the same network reach the workload.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/support/podman.h"

namespace strata::test {
namespace {

class PodmanVm : public Podman {
protected:
    void SetUp() override {
        Podman::SetUp();
        if (IsSkipped() || HasFailure()) return;
        auto info = run_cmd({strata_bin(), "info", "--json"});
        ASSERT_EQ(info.status, 0) << info.err;
        auto vm = nlohmann::json::parse(info.out)["vm"];
        STRATA_REQUIRE(!vm["backend"].is_null() && vm["kernel"].contains("path"), "no VM backend or guest kernel: " + vm.dump());
    }
    void TearDown() override { env->run({"rm", "-af", "-t", "0"}); }
    static std::vector<std::string> vm_args(std::vector<std::string> extra) {
        std::vector<std::string> a = {"--annotation", "org.strata.substrate=vm"};
        a.insert(a.end(), extra.begin(), extra.end());
        return run_args(a);
    }
    // busybox httpd serving one page (busybox's static wget crashes on this glibc: nc is the client).
    static std::vector<std::string> web(const std::string& page) {
        return {"sh", "-c", "mkdir -p /tmp/www && echo " + page + " > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www"};
    }
};

// GET / from ip:port, retried until `timeout` (the guest is booting): the body, or "".
std::string http_get(const std::string& ip, int port, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string got;
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            std::string req = "GET / HTTP/1.0\r\n\r\n";
            if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
                char buf[512];
                ssize_t n;
                while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
            }
        }
        close(fd);
        if (auto body = got.find("\r\n\r\n"); body != std::string::npos) return got.substr(body + 4);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return "";
}

TEST_F(PodmanVm, APublishedPortReachesTheGuest) {
    auto args = vm_args({"-d", "--name", "vmweb", "-p", "127.0.0.1:18093:80", kImage});
    for (auto& a : web("hello-from-the-guest")) args.push_back(a);
    auto d = env->run(args, std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_EQ(http_get("127.0.0.1", 18093, std::chrono::seconds(120)), "hello-from-the-guest\n");
}

TEST_F(PodmanVm, TwoVmsOnOneNetworkReachEachOther) {
    std::string net = "strata-vmnet-" + std::to_string(getpid());
    ASSERT_EQ(env->run({"network", "create", net}).status, 0);
    auto srv = vm_args({"-d", "--name", "vmsrv", "--network", net, kImage});
    for (auto& a : web("from-the-server")) srv.push_back(a);
    auto s = env->run(srv, std::chrono::seconds(180));
    ASSERT_EQ(s.status, 0) << s.err;
    auto ip = env->run({"inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "vmsrv"});
    std::string addr = ip.out.substr(0, ip.out.find('\n'));
    ASSERT_FALSE(addr.empty()) << ip.err;
    auto c = env->run(vm_args({"--rm", "--network", net, kImage, "sh", "-c",
                               "for i in $(seq 60); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + addr +
                                   " 80 | grep -q from-the-server && echo reached && exit 0; sleep 1; done; exit 1"}),
                      std::chrono::seconds(240));
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    EXPECT_NE(c.out.find("reached"), std::string::npos) << c.out;
    env->run({"rm", "-af", "-t", "0"});
    env->run({"network", "rm", net});
}

}  // namespace
}  // namespace strata::test
