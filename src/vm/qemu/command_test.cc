#include "vm/qemu/command.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace strata::vm::qemu {
namespace {

bool has_pair(const std::vector<std::string>& a, const std::string& k, const std::string& v) {
    for (size_t i = 0; i + 1 < a.size(); ++i)
        if (a[i] == k && a[i + 1] == v) return true;
    return false;
}

}  // namespace

TEST(QemuCommand, TcgMicrovm) {
    VmConfig c;
    c.kernel = "/k/vmlinux";
    c.initrd = "/i.cpio";
    c.cmdline = "console=ttyS0";
    c.vcpus = 2;
    c.mem_mib = 512;
    c.disks.emplace_back();
    FdLayout fds;
    fds.agent = 3;
    fds.console = 4;
    fds.disks = {5};
    auto a = command_line("/usr/bin/qemu-system-x86_64", c, fds);
    EXPECT_EQ(a[0], "/usr/bin/qemu-system-x86_64");
    EXPECT_TRUE(has_pair(a, "-M", "microvm,acpi=off"));
    EXPECT_TRUE(has_pair(a, "-accel", "tcg"));
    EXPECT_TRUE(has_pair(a, "-cpu", "max"));
    EXPECT_TRUE(has_pair(a, "-smp", "2"));
    EXPECT_TRUE(has_pair(a, "-m", "512"));
    EXPECT_TRUE(has_pair(a, "-kernel", "/k/vmlinux"));
    EXPECT_TRUE(has_pair(a, "-append", "console=ttyS0"));
    EXPECT_TRUE(has_pair(a, "-drive", "id=disk0,if=none,format=raw,file=/proc/self/fd/5,readonly=on"));
    EXPECT_TRUE(has_pair(a, "-chardev", "socket,id=agent,fd=3"));
    EXPECT_TRUE(has_pair(a, "-device", "virtio-serial-device,max_ports=1"));
    EXPECT_TRUE(has_pair(a, "-device", "virtconsole,chardev=agent"));
    EXPECT_TRUE(has_pair(a, "-chardev", "file,id=console,path=/proc/self/fd/4"));
    EXPECT_NE(std::find(a.begin(), a.end(), "-no-reboot"), a.end());
    EXPECT_NE(std::find(a.begin(), a.end(), "-nodefaults"), a.end());
}

TEST(QemuCommand, KvmAndAcpi) {
    VmConfig c;
    c.kvm = true;
    c.acpi = true;
    auto a = command_line("qemu", c, FdLayout{});
    EXPECT_TRUE(has_pair(a, "-accel", "kvm"));
    // QEMU 7.2's -cpu host aborts on ARCH_CAPABILITIES on some hosts.
    EXPECT_TRUE(has_pair(a, "-cpu", "host,-arch-capabilities"));
    EXPECT_TRUE(has_pair(a, "-M", "microvm,acpi=on"));
    EXPECT_EQ(std::find(a.begin(), a.end(), "-serial"), a.end());
}

}  // namespace strata::vm::qemu
