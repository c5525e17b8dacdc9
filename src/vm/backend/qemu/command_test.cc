#include "vm/backend/qemu/command.h"

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

TEST(QemuCommand, NicsAreTapFdsOnVirtioNet) {
    VmConfig c;
    c.nets.push_back({UniqueFd(), "0a:58:0a:58:00:05"});
    c.nets.push_back({UniqueFd(), "0a:58:0a:59:00:07"});
    FdLayout fds;
    fds.nets = {6, 7};
    auto a = command_line("qemu", c, fds);
    EXPECT_TRUE(has_pair(a, "-netdev", "tap,id=net0,fd=6,vhost=off"));
    EXPECT_TRUE(has_pair(a, "-device", "virtio-net-device,netdev=net0,mac=0a:58:0a:58:00:05"));
    EXPECT_TRUE(has_pair(a, "-netdev", "tap,id=net1,fd=7,vhost=off"));
    EXPECT_TRUE(has_pair(a, "-device", "virtio-net-device,netdev=net1,mac=0a:58:0a:59:00:07"));
    auto none = command_line("qemu", VmConfig{}, FdLayout{});
    EXPECT_EQ(std::find(none.begin(), none.end(), "-netdev"), none.end());
}

TEST(QemuCommand, BootedTemplateAndItsRestore) {
    // Saving a template: RAM shared with its file, a placeholder disk, a QMP socket.
    VmConfig c;
    c.mem_mib = 256;
    c.ram_file = "/cache/t.ram";
    c.ram_shared = true;
    Disk placeholder;
    placeholder.placeholder_bytes = 1ull << 40;
    c.disks.push_back(std::move(placeholder));
    FdLayout fds;
    fds.disks = {-1};
    fds.qmp = 4;
    auto a = command_line("qemu", c, fds);
    EXPECT_TRUE(has_pair(a, "-M", "microvm,acpi=off,memory-backend=ram"));
    EXPECT_TRUE(has_pair(a, "-object", "memory-backend-file,id=ram,size=256M,mem-path=/cache/t.ram,share=on"));
    EXPECT_TRUE(has_pair(a, "-blockdev", "driver=null-co,node-name=disk0,size=1099511627776,read-zeroes=on,read-only=on"));
    EXPECT_TRUE(has_pair(a, "-device", "virtio-blk-device,drive=disk0"));
    EXPECT_TRUE(has_pair(a, "-chardev", "socket,id=qmp,fd=4"));
    EXPECT_TRUE(has_pair(a, "-mon", "chardev=qmp,mode=control"));
    EXPECT_EQ(std::find(a.begin(), a.end(), "-incoming"), a.end());
    // Restoring one: the same RAM file, copy-on-write, and QEMU waiting for the device state.
    c.ram_shared = false;
    c.incoming = true;
    a = command_line("qemu", c, fds);
    EXPECT_TRUE(has_pair(a, "-object", "memory-backend-file,id=ram,size=256M,mem-path=/cache/t.ram,share=off"));
    EXPECT_TRUE(has_pair(a, "-incoming", "defer"));
}

}  // namespace strata::vm::qemu
