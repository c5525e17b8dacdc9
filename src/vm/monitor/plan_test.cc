#include "vm/monitor/plan.h"

#include <gtest/gtest.h>

namespace strata::vm {
namespace {

spec::Spec with_resources(std::optional<int64_t> mem, std::optional<int64_t> quota, std::optional<uint64_t> period,
                          std::string cpus = "") {
    spec::Spec s;
    s.linux.emplace();
    s.linux->resources.emplace();
    if (mem) s.linux->resources->memory.emplace().limit = mem;
    if (quota || period || !cpus.empty()) {
        auto& c = s.linux->resources->cpu.emplace();
        c.quota = quota;
        c.period = period;
        c.cpus = cpus;
    }
    return s;
}

}  // namespace

TEST(VmPlan, Defaults) {
    auto p = plan_vm(spec::Spec{}, "", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->vcpus, 1u);
    EXPECT_EQ(p->mem_mib, 256u);
    EXPECT_EQ(p->rootfs, RootfsMode::automatic);
}

TEST(VmPlan, FromResources) {
    auto p = plan_vm(with_resources(300ll << 20, 150000, 100000), "", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->vcpus, 2u);  // 1.5 CPUs round up
    EXPECT_EQ(p->mem_mib, 512u);  // 300 MiB + the guest's reserve: the 512 MiB class
    EXPECT_EQ(plan_vm(with_resources(std::nullopt, std::nullopt, std::nullopt, "0-2,5"), "", "")->vcpus, 4u);
    // A memory limit too small to boot a kernel gets the smallest class.
    EXPECT_EQ(plan_vm(with_resources(1 << 20, std::nullopt, std::nullopt), "", "")->mem_mib, 128u);
    EXPECT_EQ(plan_vm(with_resources(std::nullopt, 6400000, 100000), "", "")->vcpus, kMaxVcpus);
}

// Limits from 97 to 224 MiB share the default 256 MiB shape, hence its booted template.
TEST(VmPlan, MemoryLimitsShareSizeClasses) {
    EXPECT_EQ(memory_class_mib(1), 128u);
    EXPECT_EQ(memory_class_mib(96), 128u);
    EXPECT_EQ(memory_class_mib(97), 256u);
    EXPECT_EQ(memory_class_mib(224), 256u);
    EXPECT_EQ(memory_class_mib(225), 512u);
    EXPECT_EQ(memory_class_mib(4000), 4096u);
    EXPECT_EQ(memory_class_mib(4065), 8192u);
    EXPECT_EQ(plan_vm(with_resources(150ll << 20, std::nullopt, std::nullopt), "", "")->mem_mib, kDefaultMemMib);
    EXPECT_EQ(plan_vm(with_resources(200ll << 20, std::nullopt, std::nullopt), "", "")->mem_mib, kDefaultMemMib);
}

TEST(VmPlan, AMemoryAnnotationBelowTheMinimumIsRefusedWithTheMinimum) {
    spec::Spec s;
    s.annotations[kMemoryAnnotation] = "64";
    auto bad = plan_vm(s, "", "");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().context.find("org.strata.vm.memory_mib"), std::string::npos) << bad.error().context;
    EXPECT_NE(bad.error().context.find("from 96"), std::string::npos) << bad.error().context;
}

TEST(VmPlan, AnnotationsWinAndAreChecked) {
    spec::Spec s = with_resources(300ll << 20, 150000, 100000);
    s.annotations[kCpusAnnotation] = "3";
    s.annotations[kMemoryAnnotation] = "512";
    s.annotations[kRootfsAnnotation] = "erofs";
    s.annotations[kKernelAnnotation] = "/k";
    auto p = plan_vm(s, "", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->vcpus, 3u);
    EXPECT_EQ(p->mem_mib, 512u);
    EXPECT_EQ(p->rootfs, RootfsMode::erofs);
    EXPECT_EQ(p->kernel, "/k");
    EXPECT_EQ(plan_vm(s, "/flag", "qemu")->kernel, "/flag");
    s.annotations[kCpusAnnotation] = "0";
    auto bad = plan_vm(s, "", "");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().context.find("org.strata.vm.cpus"), std::string::npos);
    s.annotations[kCpusAnnotation] = "1";
    s.annotations[kRootfsAnnotation] = "nfs";
    EXPECT_FALSE(plan_vm(s, "", ""));
}

TEST(VmPlan, BootedTemplateUnlessOff) {
    spec::Spec s;
    EXPECT_TRUE(plan_vm(s, "", "")->booted_template);
    s.annotations[kTemplateAnnotation] = "off";
    EXPECT_FALSE(plan_vm(s, "", "")->booted_template);
    s.annotations[kTemplateAnnotation] = "sometimes";
    auto bad = plan_vm(s, "", "");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().context.find("org.strata.vm.template"), std::string::npos);
    // --vm-template wins over the annotation, both ways.
    s.annotations[kTemplateAnnotation] = "auto";
    EXPECT_FALSE(plan_vm(s, "", "", "off")->booted_template);
    s.annotations[kTemplateAnnotation] = "off";
    EXPECT_TRUE(plan_vm(s, "", "", "auto")->booted_template);
}

TEST(VmPlan, CmdlineTellsTcgTheTscRate) {
    std::string tcg = guest_cmdline(false, 2596122);
    EXPECT_NE(tcg.find("tsc_early_khz=2596122"), std::string::npos);
    EXPECT_NE(tcg.find(" quiet"), std::string::npos);
    EXPECT_NE(tcg.find("reboot=t"), std::string::npos);
    EXPECT_EQ(guest_cmdline(true, 2596122).find("tsc_early_khz"), std::string::npos);
}

TEST(VmPlan, CpusetSize) {
    EXPECT_EQ(cpuset_size("0"), 1u);
    EXPECT_EQ(cpuset_size("0-3,6"), 5u);
    EXPECT_EQ(cpuset_size("3-1"), 0u);
    EXPECT_EQ(cpuset_size("x"), 0u);
}

}  // namespace strata::vm
