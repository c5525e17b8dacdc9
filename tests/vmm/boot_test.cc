// Boot paths of strata's VMM under /dev/kvm, with tiny guests: the 64-bit boot protocol (ELF and
// bzImage), PVH, and the ways a machine ends (i8042 reset, triple fault, timeout, stop()).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/socket.h>

#include <filesystem>
#include <future>
#include <thread>

#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"
#include "vmm/arch/x86_64/e820.h"
#include "vmm/memory/layout.h"

namespace strata::vmm::test {
namespace {

using namespace std::chrono_literals;

#define REQUIRE_KVM() STRATA_REQUIRE_KVM()

std::string hexs(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

// What boot_check prints must be what Linux's 64-bit boot protocol promises.
void expect_linux_entry(const GuestRun& r, uint32_t mem_mib) {
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\nserial:\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset) << r.serial;
    EXPECT_NE(r.serial.find("boot_check: done"), std::string::npos) << r.serial;
    const uint64_t efer = std::stoull(value(r.serial, "efer"), nullptr, 16);
    EXPECT_TRUE(efer & (1u << 10)) << "EFER.LMA clear: not in long mode";
    EXPECT_TRUE(efer & (1u << 8)) << "EFER.LME clear";
    const uint64_t cr0 = std::stoull(value(r.serial, "cr0"), nullptr, 16);
    EXPECT_TRUE(cr0 & 1) << "CR0.PE";
    EXPECT_TRUE(cr0 & (1ull << 31)) << "CR0.PG";
    EXPECT_TRUE(std::stoull(value(r.serial, "cr4"), nullptr, 16) & (1u << 5)) << "CR4.PAE";
    EXPECT_EQ(value(r.serial, "cs"), "0x10") << "__BOOT_CS";
    EXPECT_EQ(value(r.serial, "ds"), "0x18") << "__BOOT_DS";
    EXPECT_EQ(value(r.serial, "if"), "0x0") << "interrupts must be off at entry";
    EXPECT_EQ(value(r.serial, "rsi"), hexs(layout::zero_page));
    EXPECT_EQ(value(r.serial, "boot_flag"), "0xaa55");
    EXPECT_EQ(value(r.serial, "header"), "0x53726448");  // "HdrS"
    EXPECT_EQ(value(r.serial, "type_of_loader"), "0xff");
    EXPECT_TRUE(std::stoul(value(r.serial, "loadflags"), nullptr, 16) & 1) << "LOADED_HIGH";
    EXPECT_EQ(value(r.serial, "cmd_line_ptr"), hexs(layout::cmdline));
    EXPECT_EQ(value(r.serial, "cmdline"), r.cmdline);

    std::vector<std::string> want;
    for (const auto& e : x86::build_e820(uint64_t{mem_mib} << 20))
        want.push_back(hexs(e.addr) + " " + hexs(e.size) + " " + std::to_string(static_cast<uint32_t>(e.type)));
    EXPECT_EQ(values(r.serial, "e820"), want);
    EXPECT_EQ(value(r.serial, "e820_entries"), hexs(want.size()));
}

TEST(VmmBoot, ElfEnteredInLongModeWithZeroPage) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("boot_check.elf");
    c.cmdline = "console=ttyS0 strata.test=elf";
    c.mem_mib = 64;
    auto r = run_guest(c);
    EXPECT_EQ(r.format, "ELF");
    expect_linux_entry(r, c.mem_mib);
    EXPECT_EQ(value(r.serial, "cmdline"), "console=ttyS0 strata.test=elf");
}

TEST(VmmBoot, BzImageSetupHeaderReachesTheZeroPage) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("boot_check.bzImage");
    c.cmdline = "strata.test=bzimage";
    c.mem_mib = 32;
    auto r = run_guest(c);
    EXPECT_EQ(r.format, "bzImage");
    expect_linux_entry(r, c.mem_mib);
    // Copied from the image's own header, not synthesised: boot protocol 2.15.
    EXPECT_EQ(value(r.serial, "version"), "0x20f");
}

TEST(VmmBoot, InitrdIsLoadedWhereTheZeroPageSays) {
    REQUIRE_KVM();
    TempFile initrd("STRATA-INITRD-01" + std::string(5000, 'x'));
    MachineConfig c;
    c.kernel = guest("boot_check.elf");
    c.initrd = initrd.path();
    c.mem_mib = 16;
    auto r = run_guest(c);
    expect_linux_entry(r, c.mem_mib);
    EXPECT_EQ(value(r.serial, "initrd_head"), "STRATA-INITRD-01");
    EXPECT_EQ(value(r.serial, "ramdisk_size"), hexs(5016));
    const uint64_t at = std::stoull(value(r.serial, "ramdisk_image"), nullptr, 16);
    EXPECT_EQ(at % 4096, 0u);
    EXPECT_LE(at + 5016, 16ull << 20) << "initrd must lie in RAM";
}

TEST(VmmBoot, PvhEntryGetsStartInfoInEbx) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("pvh_check.elf");
    c.cmdline = "strata.test=pvh";
    c.mem_mib = 16;
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message();
    EXPECT_EQ(*r.exit, ExitReason::reset);
    EXPECT_EQ(r.format, "ELF (PVH)");
    EXPECT_NE(r.serial.find("pvh: magic ok"), std::string::npos) << r.serial;
    const uint64_t cr0 = std::stoull(value(r.serial, "cr0"), nullptr, 16);
    EXPECT_TRUE(cr0 & 1) << "protected mode";
    EXPECT_FALSE(cr0 & (1ull << 31)) << "PVH enters with paging off";
    EXPECT_EQ(value(r.serial, "cmdline"), "strata.test=pvh");
}

TEST(VmmBoot, SecondVcpuStartsOnInitAndStartupIpis) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("smp.elf");
    c.mem_mib = 16;
    c.vcpus = 2;
    auto r = run_guest(c, 60s);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset) << r.serial;
    EXPECT_EQ(value(r.serial, "mptable"), "found");
    EXPECT_EQ(value(r.serial, "mptable_cpus"), "0x2");
    EXPECT_EQ(value(r.serial, "bsp_apic_id"), "0x0");
    EXPECT_EQ(value(r.serial, "smp: ap running in real mode, apic id"), "1") << r.serial;
}

TEST(VmmExit, I8042ResetEndsTheMachine) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("reset.elf");
    c.mem_mib = 8;
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message();
    EXPECT_EQ(*r.exit, ExitReason::reset);
    EXPECT_NE(r.serial.find("reset: pulsing"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("still running"), std::string::npos) << "the vCPU ran on after the reset";
}

TEST(VmmExit, TripleFaultIsReported) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("triple_fault.elf");
    c.mem_mib = 8;
    auto r = run_guest(c, 30s);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::triple_fault) << r.serial;
    EXPECT_EQ(r.serial.find("survived"), std::string::npos);
}

TEST(VmmExit, TimeoutStopsAHaltedGuest) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("hang.elf");
    c.mem_mib = 8;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run_guest(c, 300ms);
    ASSERT_TRUE(r.exit) << r.exit.error().message();
    EXPECT_EQ(*r.exit, ExitReason::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(VmmExit, HostNotReadingSerialOutputCannotWedgeTheMachine) {
    REQUIRE_KVM();
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    MachineConfig c;
    c.kernel = guest("chatty.elf");
    c.mem_mib = 8;
    c.serial_out = p[1];  // nobody reads p[0]: the 64 KiB pipe fills within a few seconds
    auto m = Machine::create(c);
    ASSERT_TRUE(m) << m.error().message();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = (*m)->run(3s);
    const auto took = std::chrono::steady_clock::now() - t0;
    ::close(p[0]);
    ::close(p[1]);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, ExitReason::timeout);
    EXPECT_LT(took, 6s);
}

TEST(VmmExit, StopFromAnotherThread) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = guest("hang.elf");
    c.mem_mib = 8;
    c.vcpus = 2;  // the AP sits in wait-for-SIPI inside KVM_RUN: it must be kicked out too
    auto m = Machine::create(c);
    ASSERT_TRUE(m) << m.error().message();
    auto done = std::async(std::launch::async, [&] { return (*m)->run(60s); });
    std::this_thread::sleep_for(200ms);
    (*m)->stop();
    ASSERT_EQ(done.wait_for(10s), std::future_status::ready) << "run() did not return after stop()";
    auto r = done.get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, ExitReason::stopped);
    auto again = (*m)->run();
    EXPECT_FALSE(again) << "a machine runs once";
}

size_t count_entries(const char* dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}

TEST(VmmExit, NoFdOrThreadOutlivesTheMachine) {
    REQUIRE_KVM();
    const size_t fds = count_entries("/proc/self/fd"), threads = count_entries("/proc/self/task");
    TempFile disk(std::string(4096, 0));
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    {
        MachineConfig c;
        c.kernel = guest("reset.elf");
        c.mem_mib = 8;
        c.vcpus = 2;
        c.disks.push_back({disk.path(), false});
        c.console_fd = sv[1];
        auto r = run_guest(c);
        ASSERT_TRUE(r.exit) << r.exit.error().message();
    }
    ::close(sv[0]);
    ::close(sv[1]);
    EXPECT_EQ(count_entries("/proc/self/fd"), fds);
    EXPECT_EQ(count_entries("/proc/self/task"), threads);
}

TEST(VmmErrors, NamesTheObjectAndTheProblem) {
    REQUIRE_KVM();
    MachineConfig c;
    c.kernel = "/nonexistent/vmlinux";
    auto r = Machine::create(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("/nonexistent/vmlinux"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().code, ENOENT);

    TempFile junk("this is not a kernel");
    c.kernel = junk.path();
    r = Machine::create(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("neither a bzImage nor an ELF"), std::string::npos) << r.error().message();

    c.kernel = guest("boot_check.elf");
    c.mem_mib = 1;
    r = Machine::create(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("1 MiB of memory"), std::string::npos) << r.error().message();

    c.mem_mib = 16;
    c.cmdline = std::string(5000, 'a');
    r = Machine::create(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("longer than the kernel's limit"), std::string::npos) << r.error().message();

    c.cmdline = "";
    c.disks.push_back({"/nonexistent/disk.img", true});
    r = Machine::create(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("disk 0"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace strata::vmm::test
