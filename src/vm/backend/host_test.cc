#include "vm/backend/backend_select.h"
#include "vm/backend/host.h"

#include <gtest/gtest.h>

namespace strata::vm {

TEST(Host, CpuinfoFacts) {
    std::string amd = "processor\t: 0\ncpu MHz\t\t: 2596.122\nflags\t\t: fpu vme svm lm\n";
    std::string none = "processor\t: 0\ncpu MHz\t\t: 2596.122\nflags\t\t: fpu vme lm constant_tsc\n";
    EXPECT_EQ(virt_flag(amd), "svm");
    EXPECT_EQ(virt_flag(none), "");
    EXPECT_EQ(virt_flag("flags : vmx\n"), "vmx");
    EXPECT_EQ(read_tsc_khz(none), 2596122u);
    EXPECT_EQ(read_tsc_khz("flags : x\n"), 0u);
}

TEST(BackendSelect, SoftwareKvmMeansQemuTcg) {
    HostVirt h;  // this machine class: /dev/kvm works, no vmx/svm
    h.kvm_device = true;
    h.kvm_detail = "/dev/kvm API 12";
    h.qemu = "/usr/bin/qemu-system-x86_64";
    auto c = choose_backend(h, "");
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->kind, BackendKind::qemu);
    EXPECT_FALSE(c->kvm);
    EXPECT_NE(c->reason.find("TCG"), std::string::npos);
    EXPECT_NE(c->reason.find("no vmx/svm"), std::string::npos);
}

TEST(BackendSelect, HardwareKvm) {
    HostVirt h;
    h.cpu_flag = "vmx";
    h.kvm_device = true;
    h.qemu = "/usr/bin/qemu-system-x86_64";
    auto c = choose_backend(h, "");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, kOwnVmmBuilt ? BackendKind::own : BackendKind::qemu);
    EXPECT_TRUE(c->kvm);
    auto q = choose_backend(h, "qemu");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->kind, BackendKind::qemu);
    EXPECT_TRUE(q->kvm);
}

TEST(BackendSelect, OverridesAreChecked) {
    HostVirt h;
    h.qemu = "/usr/bin/qemu-system-x86_64";
    auto own = choose_backend(h, "own");
    ASSERT_FALSE(own);  // not built here, and no vmx/svm either way
    EXPECT_FALSE(choose_backend(h, "xen"));
    h.qemu.clear();
    auto missing = choose_backend(h, "");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().context.find("qemu-system-x86"), std::string::npos);
}

}  // namespace strata::vm
