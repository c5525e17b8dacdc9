// OCI hooks on the vm substrate: prestart, createRuntime, poststart and poststop run on the host
// at the points they run for a container; startContainer runs in the guest, in the workload's
// namespaces with its path in the container's root; createContainer is refused (it would act on
// the host). A failing hook fails its operation and leaves nothing.

#include <sys/stat.h>
#include <unistd.h>

#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmHooks : public Vm {
protected:
    // A host hook that appends "<name> <status> <kernel release>" to the log.
    std::string host_hook(const std::string& name, const std::string& extra = "") {
        std::string path = root.path() + "/hook-" + name;
        write_text(path, "#!/bin/sh\nstatus=$(sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/')\necho \"" + name +
                             " $status $(uname -r)\" >> " + log() + "\n" + extra + "\n");
        chmod(path.c_str(), 0755);
        return path;
    }
    // A hook inside the container's rootfs (startContainer's path resolves there).
    std::string guest_hook(const std::string& name, const std::string& body) {
        write_text(bundle->rootfs() + "/" + name, "#!/bin/sh\n" + body + "\n");
        chmod((bundle->rootfs() + "/" + name).c_str(), 0755);
        return "/" + name;
    }
    std::string log() const { return root.path() + "/hooks.log"; }
};

TEST_F(VmHooks, EachKindRunsAtItsPointWithTheStatusOfItsStep) {
    auto& h = bundle->config["hooks"];
    for (const char* kind : {"prestart", "createRuntime", "poststart", "poststop"}) h[kind] = {{{"path", host_hook(kind)}}};
    h["startContainer"] = {{{"path", guest_hook("hook-start", "echo startContainer $(sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/') "
                                                              "$(uname -r) > /dev/shm/started")}}};
    bundle->config["root"]["readonly"] = false;
    bundle->set_args({"cat", "/dev/shm/started"});
    auto r = strata({"run", "-b", bundle->path(), "vmhk"}, "", kBoot);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("startContainer created ")) << r.out;
    EXPECT_EQ(r.out.find(host_release()), std::string::npos) << "startContainer ran on the host's kernel: " << r.out;
    std::string host = host_release();
    EXPECT_EQ(read_text(log()), "prestart created " + host + "\ncreateRuntime created " + host + "\npoststart running " + host +
                                    "\npoststop stopped " + host + "\n");
    EXPECT_EQ(r.err.find("hooks"), std::string::npos) << "a warning about hooks: " << r.err;
}

TEST_F(VmHooks, AFailingStartContainerHookFailsTheStartAndLeavesNothing) {
    bundle->config["hooks"]["startContainer"] = {{{"path", guest_hook("hook-fail", "exit 3")}}};
    bundle->set_args({"true"});
    auto created = strata.detached({"create", "-b", bundle->path(), "vmhkfail"}, log_path());
    ASSERT_EQ(created.status, 0) << read_text(log_path());
    auto started = strata({"start", "vmhkfail"}, "", kBoot);
    EXPECT_EQ(started.status, 1);
    EXPECT_NE(started.err.find("startContainer hook 0 (/hook-fail): exited with status 3"), std::string::npos) << started.err;
    EXPECT_TRUE(eventually([&] { return status_of("vmhkfail") == "stopped"; }, 20000)) << status_of("vmhkfail");
    ASSERT_EQ(strata({"delete", "vmhkfail"}).status, 0);
    EXPECT_TRUE(eventually([&] { return vmms_holding(root.path()).empty(); }, 10000)) << "QEMU outlived the failed start";
}

TEST_F(VmHooks, AFailingPrestartHookFailsCreateAndLeavesNothing) {
    bundle->config["hooks"]["prestart"] = {{{"path", host_hook("prestart", "exit 4")}}};
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), "vmpre"}, "", kBoot);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("prestart hook 0 (" + root.path() + "/hook-prestart): exited with status 4"), std::string::npos) << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(access((root.path() + "/vmpre").c_str(), F_OK), -1) << "a state dir was left";
    EXPECT_TRUE(eventually([&] { return vmms_holding(root.path()).empty(); }, 10000)) << "QEMU outlived the failed create";
}

TEST_F(VmHooks, CreateContainerHooksAreRefusedNamingTheField) {
    bundle->config["hooks"]["createContainer"] = {{{"path", host_hook("createContainer")}}};
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), "vmcc"}, "", kBoot);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("config.json: .hooks.createContainer: not supported on the vm substrate"), std::string::npos) << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(read_text(log()), "") << "the refused hook ran";
}

}  // namespace
}  // namespace strata::test
