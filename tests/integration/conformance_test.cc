// Configs that runc and crun run, from an OCI conformance run (issue 16): each one must run
// here too, or fail with a reason where the kernel cannot do it.

#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Conformance : public ContainerTest {
protected:
    CmdResult run_sh(const std::string& script, const std::string& id = "conf") {
        bundle->set_args({"sh", "-c", script});
        return strata({"run", "-b", bundle->path(), id + "-" + std::to_string(::getpid())});
    }
};

// The optional fields of the container's "/" line in its own mountinfo ("shared:5", "master:3",
// "unbindable", or "" for private).
std::string root_propagation(const std::string& mountinfo) {
    std::istringstream in(mountinfo);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::vector<std::string> fields;
        for (std::string w; f >> w;) fields.push_back(w);
        if (fields.size() < 7 || fields[4] != "/") continue;
        std::string out;
        for (size_t i = 6; i < fields.size() && fields[i] != "-"; ++i) out += (out.empty() ? "" : " ") + fields[i];
        return out;
    }
    return "no root in mountinfo";
}

// linux.rootfsPropagation: crun runs all eight values, runc the shared ones too. pivot_root
// used to fail with EINVAL for shared (the rootfs's parent mount was shared) and the rootfs
// bind with EINVAL for unbindable.
TEST_F(Conformance, EveryRootfsPropagationRuns) {
    const std::string host_before = read_text("/proc/self/mountinfo");
    struct Case {
        const char* value;
        const char* expect;  // prefix of the root's optional fields
    };
    for (Case c : {Case{"shared", "shared:"}, Case{"rshared", "shared:"}, Case{"slave", ""}, Case{"rslave", ""},
                   Case{"private", ""}, Case{"rprivate", ""}, Case{"unbindable", "unbindable"},
                   Case{"runbindable", "unbindable"}}) {
        SCOPED_TRACE(c.value);
        bundle->config["linux"]["rootfsPropagation"] = c.value;
        auto r = run_sh("cat /proc/self/mountinfo", std::string("prop-") + c.value);
        ASSERT_EQ(r.status, 0) << r.err;
        std::string got = root_propagation(r.out);
        EXPECT_EQ(got.substr(0, std::string(c.expect).size()), c.expect) << r.out;
        if (std::string(c.expect).empty()) {
            EXPECT_EQ(got, "") << r.out;
        }
    }
    // The host's own mounts kept their propagation.
    EXPECT_EQ(root_propagation(read_text("/proc/self/mountinfo")), root_propagation(host_before));
}

// Options that do not apply to a bind (a conformance config had "mode=755" on one, runc and
// crun ignore them): the bind is made, and --debug says what was ignored.
TEST_F(Conformance, BindMountIgnoresFilesystemOptions) {
    TempDir vol("strata-vol");
    write_text(vol.path() + "/hello", "from the host\n");
    bundle->config["mounts"].push_back({{"destination", "/mnt"}, {"type", "bind"}, {"source", vol.path()},
                                        {"options", {"rbind", "ro", "mode=755", "size=64k", "nr_inodes=8"}}});
    bundle->set_args({"sh", "-c", "cat /mnt/hello; touch /mnt/x 2>/dev/null || echo read-only"});
    std::string id = "bindopts-" + std::to_string(::getpid());
    auto r = strata({"--debug", "run", "-b", bundle->path(), id});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from the host\nread-only\n");
    EXPECT_NE(r.err.find("\"mode=755\" does not apply to a bind mount; ignored"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\"size=64k\" does not apply to a bind mount; ignored"), std::string::npos) << r.err;
}

// Inputs the kernel takes as they are, which runc passes on: a umask with bits beyond 0777,
// relative maskedPaths/readonlyPaths (resolved from the container's root) and a cgroupsPath
// whose ".." is resolved lexically.
TEST_F(Conformance, LenientWhereTheKernelIsLenient) {
    bundle->config["process"]["user"]["umask"] = 07022;
    bundle->config["linux"]["maskedPaths"] = {"proc/cpuinfo"};
    bundle->config["linux"]["readonlyPaths"] = {"tmp"};
    std::string pid = std::to_string(::getpid());
    bundle->config["linux"]["cgroupsPath"] = "strata/a/../c..-" + pid;
    auto r = run_sh("umask; wc -c < /proc/cpuinfo; touch /tmp/x 2>/dev/null || echo ro", "lenient");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0022\n0\nro\n") << r.out;
}

}  // namespace
}  // namespace strata::test
