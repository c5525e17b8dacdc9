// SCMP_ACT_NOTIFY: the notify fd answers the filtered syscall, and the listener receives the
// container process state with the fd.

#include "security/seccomp/notify.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "security/seccomp/test_child.h"
#include "sys/file.h"
#include "sys/socket.h"

namespace strata::security::seccomp {
namespace {

using json = nlohmann::json;
using test::err_of;
using test::run_filtered;

TEST(SeccompNotify, ContainerProcessStateHasTheSpecsFields) {
    ContainerState st{.id = "c1", .status = "created", .pid = 4422, .bundle = "/b", .annotations = {{"k", "v"}}};
    json j = json::parse(container_process_state(st, "MKNOD=/dev/null"));
    EXPECT_EQ(j["ociVersion"], "1.2.0");
    EXPECT_EQ(j["fds"], json::array({"seccompFd"}));
    EXPECT_EQ(j["pid"], 4422);
    EXPECT_EQ(j["metadata"], "MKNOD=/dev/null");
    EXPECT_EQ(j["state"], json({{"ociVersion", "1.2.0"}, {"id", "c1"}, {"status", "created"},
                                {"pid", 4422}, {"bundle", "/b"}, {"annotations", {{"k", "v"}}}}));
    EXPECT_FALSE(json::parse(container_process_state(st, "")).contains("metadata"));
}

TEST(SeccompNotify, ListenerGetsTheStateAndTheFdInOneMessage) {
    char dir[] = "/tmp/strata-notify-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    UniqueFd dirfd = *sys::open(dir, O_PATH | O_DIRECTORY);
    auto listener = sys::listen_at(dirfd.get(), "agent.sock", SOCK_STREAM);
    ASSERT_TRUE(listener) << listener.error().message();
    sys::Message got;
    std::thread agent([&] {
        auto conn = sys::accept(listener->get());
        if (conn) got = std::move(*sys::recv_msg(conn->get()));
    });
    UniqueFd devnull = *sys::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto r = send_to_listener(std::string(dir) + "/agent.sock", "{\"pid\":1}", devnull.get());
    agent.join();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(got.data, "{\"pid\":1}");
    ASSERT_EQ(got.fds.size(), 1u);
    struct stat st{};
    ASSERT_EQ(::fstat(got.fds[0].get(), &st), 0);
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    (void)sys::remove_tree(dir);
}

TEST(SeccompNotify, MissingListenerIsAnErrorNamingIt) {
    auto r = send_to_listener("/nonexistent-strata/agent.sock", "{}", 0);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("seccomp listener \"/nonexistent-strata/agent.sock\""), std::string::npos)
        << r.error().message();
}

// Sends `fd` over `sock` with raw syscalls only (the child must not allocate once filtered).
long send_fd_raw(int sock, int fd) {
    char byte = 'F';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return ::syscall(SYS_sendmsg, sock, &msg, 0);
}

TEST(SeccompNotify, TheNotifyFdAnswersTheFilteredSyscall) {
    spec::Seccomp cfg{.default_action = "SCMP_ACT_ALLOW", .listener_path = "/unused",
                      .syscalls = {{.names = {"mkdir"}, .action = "SCMP_ACT_NOTIFY"}}};
    auto prog = compile(cfg);
    ASSERT_TRUE(prog) << prog.error().message();
    ASSERT_TRUE(prog->notifies());
    auto pair = sys::socketpair_seqpacket();
    ASSERT_TRUE(pair);
    int child_end = pair->b.get();
    std::thread agent([&] {
        auto m = sys::recv_msg(pair->a.get());
        if (!m || m->fds.size() != 1) return;
        int nfd = m->fds[0].get();
        // First mkdir: answer EXDEV. Second: let it run for real (it then fails with ENOENT).
        for (int i = 0; i < 2; ++i) {
            seccomp_notif req{};
            if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return;
            seccomp_notif_resp resp{};
            resp.id = req.id;
            if (req.data.nr != SYS_mkdir) resp.error = -EINVAL;
            else if (i == 0) resp.error = -EXDEV;
            else resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            (void)::ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        }
    });
    auto r = run_filtered(*prog, [child_end](auto& v, int notify_fd) {
        v[0] = notify_fd >= 0;
        v[1] = send_fd_raw(child_end, notify_fd);
        ::syscall(SYS_close, notify_fd);
        v[2] = err_of(::syscall(SYS_mkdir, "/nonexistent-strata-test/a", 0700));
        v[3] = err_of(::syscall(SYS_mkdir, "/nonexistent-strata-test/b", 0700));
    });
    agent.join();
    ASSERT_TRUE(r.loaded);
    EXPECT_EQ(r.values[0], 1);
    EXPECT_EQ(r.values[1], 1);
    EXPECT_EQ(r.values[2], EXDEV);
    EXPECT_EQ(r.values[3], ENOENT);
}

}  // namespace
}  // namespace strata::security::seccomp
