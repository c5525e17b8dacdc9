#include "vm/share/member_share.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "sys/file.h"
#include "tests/support/child.h"
#include "vm/protocol/spec_codec.h"

namespace strata::vm {
namespace {

// In a child with a mount namespace of its own: a tmpfs "share", an image dir and a volume.
std::string in_private_mounts(const std::function<std::string(const std::string&)>& body) {
    if (::geteuid() != 0) return "";
    return test::output_of_child([&]() -> std::string {
        if (::unshare(CLONE_NEWNS) < 0 || ::mount("", "/", "", MS_REC | MS_PRIVATE, "") < 0) return "unshare/private";
        char dir[] = "/tmp/member-share-test.XXXXXX";
        if (!::mkdtemp(dir)) return "mkdtemp";
        std::string d = dir;
        if (::mount("t", dir, "tmpfs", 0, "mode=0755") < 0) return "tmpfs";
        for (const char* sub : {"/share", "/rootfs", "/rootfs/etc", "/volume"}) ::mkdir((d + sub).c_str(), 0755);
        std::ofstream(d + "/rootfs/etc/os") << "image\n";
        std::ofstream(d + "/volume/greeting") << "hi\n";
        return body(d);
    });
}

TEST(MemberShare, StagesTheRootfsAndBindsAndDetachesThemWhenItGoes) {
    std::string out = in_private_mounts([](const std::string& d) -> std::string {
        spec::Spec s;
        s.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
        s.mounts.push_back({"/data", "bind", d + "/volume", {"rbind", "ro"}, {}, {}});
        auto entries = member_entries(s, "/", d + "/rootfs");
        if (!entries) return entries.error().message();
        if (entries->size() != 2 || (*entries)[0].name != "1" || (*entries)[1].name != agent::kMemberRootfsEntry) return "entries";
        // The mount point is made in the image, as runc makes it.
        struct stat st{};
        if (::stat((d + "/rootfs/data").c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return "no mount point in the rootfs";
        {
            auto staged = MemberShare::stage(d + "/share", "app", std::move(*entries));
            if (!staged) return staged.error().message();
            if (sys::read_file(d + "/share/c/app/rootfs/etc/os").value_or("") != "image\n") return "rootfs not staged";
            if (sys::read_file(d + "/share/c/app/1/greeting").value_or("") != "hi\n") return "volume not staged";
            if (sys::write_file(d + "/share/c/app/1/x", "no")) return "a read-only bind is writable";
            // A second container of the same name while the first is staged.
            auto again = MemberShare::stage(d + "/share", "app", {});
            if (again || again.error().context.find("is in the pod's VM already") == std::string::npos) return "a second app was staged";
            for (const char* bad : {"..", "a/b", ""})
                if (MemberShare::stage(d + "/share", bad, {})) return std::string("a bad name was accepted: ") + bad;
        }
        if (::access((d + "/share/c/app").c_str(), F_OK) == 0) return "the container's entries are left";
        return "";
    });
    EXPECT_EQ(out, "");
}

TEST(MemberShare, AMissingSourceNamesTheMount) {
    std::string out = in_private_mounts([](const std::string& d) -> std::string {
        spec::Spec s;
        s.mounts.push_back({"/data", "bind", "/nonexistent/volume", {"rbind"}, {}, {}});
        auto entries = member_entries(s, "/", d + "/rootfs");
        if (entries) return "a missing source was accepted";
        std::string m = entries.error().message();
        if (m.find(".mounts[0].source \"/nonexistent/volume\"") == std::string::npos || m.find("ENOENT") == std::string::npos) return m;
        return "";
    });
    EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace strata::vm
