// Boots a QEMU guest with a pure cgroup2 hierarchy and runs guest_test.cc in it (see there).
// Debian's cloud kernel is used because it has cgroups, BPF, an 8250 console and initramfs
// support built in; the initramfs holds busybox, the guest test and strata with their libc.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/require.h"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

std::string find_cloud_kernel() {
    for (const auto& e : fs::directory_iterator("/boot"))
        if (e.path().filename().string().starts_with("vmlinuz-") && e.path().string().ends_with("-cloud-amd64"))
            return e.path();
    return "";
}

bool cpu_has_virtualization() {
    std::string info = read_text("/proc/cpuinfo");
    return std::regex_search(info, std::regex("\\b(vmx|svm)\\b"));
}

std::string tsc_khz() {
    std::smatch m;
    std::string info = read_text("/proc/cpuinfo");
    if (!std::regex_search(info, m, std::regex("cpu MHz\\s*:\\s*([0-9]+)\\.([0-9]{3})"))) return "";
    return m[1].str() + m[2].str();
}

// Copies `bin` and the shared libraries it needs (per ldd) into the staging tree.
void stage_with_libs(const std::string& stage, const std::string& bin, const std::string& dest) {
    fs::create_directories(stage + fs::path(dest).parent_path().string());
    fs::copy_file(bin, stage + dest, fs::copy_options::overwrite_existing);
    auto ldd = run_cmd({"ldd", bin});
    std::istringstream in(ldd.out);
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, std::regex("(/[^ ]+\\.so[^ ]*)"))) {
            fs::path lib = m[1].str();
            fs::create_directories(stage + lib.parent_path().string());
            fs::copy_file(lib, stage + lib.string(), fs::copy_options::overwrite_existing);
        }
}

TEST(CgroupV2Guest, RuntimeAndManagerPassOnPureCgroup2) {
    std::string qemu = "/usr/bin/qemu-system-x86_64";
    std::string kernel = find_cloud_kernel();
    STRATA_REQUIRE(fs::exists(qemu), "qemu-system-x86 is not installed");
    STRATA_REQUIRE(!kernel.empty(), "linux-image-cloud-amd64 is not installed");
    TempDir work("strata-v2-guest");
    std::string stage = work.path() + "/root";
    for (const char* d : {"/bin", "/proc", "/sys", "/dev", "/tmp", "/run", "/usr/bin", "/etc"})
        fs::create_directories(stage + d);
    fs::copy_file("/bin/busybox", stage + "/bin/busybox");
    stage_with_libs(stage, GUEST_TEST_BIN, "/cgroup_v2_guest");
    stage_with_libs(stage, strata_bin(), "/usr/bin/strata");
    // The initramfs copies itself to a tmpfs and switch_roots there, as a distribution's initramfs
    // would: pivot_root (which containers need) is impossible with the initramfs as "/".
    write_text(stage + "/init", R"(#!/bin/busybox sh
if [ "$1" != switched ]; then
    /bin/busybox mkdir /newroot
    /bin/busybox mount -t tmpfs -o size=300m tmpfs /newroot
    /bin/busybox cp -a /bin /cgroup_v2_guest /usr /lib /lib64 /etc /init /newroot/ 2>/dev/null
    /bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
    exec /bin/busybox switch_root /newroot /init switched
fi
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo STRATA-GUEST-START
STRATA_BIN=/usr/bin/strata /cgroup_v2_guest --gtest_color=no
echo "STRATA-GUEST-RESULT rc=$?"
reboot -f
)");
    chmod((stage + "/init").c_str(), 0755);
    std::string initrd = work.path() + "/initramfs.cpio";
    auto cpio = run_cmd({"sh", "-c", "cd " + stage + " && find . | /bin/busybox cpio -o -H newc > " + initrd});
    ASSERT_EQ(cpio.status, 0) << cpio.err;

    bool kvm = cpu_has_virtualization() && have_kvm();
    std::vector<std::string> argv = {qemu, "-M", "microvm", "-m", "512", "-smp", "2", "-nodefaults", "-no-user-config",
                                     "-nographic", "-serial", "stdio", "-no-reboot", "-kernel", kernel, "-initrd", initrd};
    std::string cmdline = "console=ttyS0 loglevel=1 reboot=t panic=-1 rdinit=/init";
    if (kvm) {
        argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host,-arch-capabilities"});
    } else {
        // No hardware virtualization here: QEMU's software CPU. Without an explicit TSC rate a
        // third of boots hang calibrating it (measured, see shared research notes).
        argv.insert(argv.end(), {"-accel", "tcg", "-cpu", "max"});
        cmdline += " tsc_early_khz=" + tsc_khz();
    }
    argv.insert(argv.end(), {"-append", cmdline});
    auto r = run_cmd(argv, "", std::chrono::minutes(8));
    std::string out = r.out;
    ASSERT_FALSE(r.timed_out) << "the guest did not finish in 8 minutes:\n" << out;
    ASSERT_NE(out.find("STRATA-GUEST-START"), std::string::npos) << "the guest did not reach /init:\n" << out << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex("\\[  PASSED  \\] ([0-9]+) tests?"))) << out;
    EXPECT_GE(std::stoi(m[1].str()), 8) << out;
    EXPECT_NE(out.find("STRATA-GUEST-RESULT rc=0"), std::string::npos) << out;
    // The guest's gtest lines, for the record in CTest's log.
    std::cout << out.substr(out.find("STRATA-GUEST-START")) << std::endl;
}

}  // namespace
}  // namespace strata::test
