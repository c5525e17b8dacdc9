#pragma once
// The fixture of image tests: root and OverlayFS required, a private data root (--data-root)
// and runtime root (--root) in one temp dir, and a check at the end that no container, mount
// or process of the test is left behind.

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/image/oci_layout.h"
#include "tests/image/tar_writer.h"
#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/require.h"

namespace strata::test {

class ImageTest : public ::testing::Test {
protected:
    void SetUp() override {
        STRATA_REQUIRE_ROOT();
        STRATA_REQUIRE(kernel_has_filesystem("overlay"), "needs OverlayFS (modprobe overlay)");
        m_ready = true;
    }
    void TearDown() override {
        if (!m_ready) return;
        auto ids = strata({"list", "-q"});
        std::istringstream in(ids.out);
        std::string id;
        while (std::getline(in, id))
            if (!id.empty()) strata({"delete", "--force", id});
        EXPECT_EQ(mounts_containing(work.path()), std::vector<std::string>{});
        EXPECT_EQ(strata({"list", "-q"}).out, "");
    }

    // strata --root <run> --data-root <data> ARGS...
    CmdResult strata(const std::vector<std::string>& args, std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
        std::vector<std::string> argv = {strata_bin(), "--root", run_root(), "--data-root", data()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd(argv, "", timeout);
    }
    CmdResult strata_detached(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {strata_bin(), "--root", run_root(), "--data-root", data()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd_to_file(argv, work.path() + "/detached.log");
    }
    std::string data() const { return work.path() + "/data"; }
    std::string run_root() const { return work.path() + "/run"; }
    std::string dir(const std::string& name) const { return work.path() + "/" + name; }

    // An OCI layout with the busybox layer (plus `extra` layers) as NAME, loaded with --tag.
    void load_busybox(const std::string& tag, const std::vector<TestLayer>& extra = {},
                      const nlohmann::json& config = {{"Cmd", {"sh"}}}) {
        OciLayout l(dir("layout-" + std::to_string(m_layouts++)));
        std::vector<TestLayer> layers = {{busybox_tar(), "gzip"}};
        layers.insert(layers.end(), extra.begin(), extra.end());
        l.add_image(layers, config);
        auto r = strata({"load", "-i", l.path(), "--tag", tag});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    // Entries of a directory, sorted ("" if missing).
    static std::string ls(const std::string& path) {
        return run_cmd({"sh", "-c", "ls -A '" + path + "' 2>/dev/null | sort | tr '\\n' ' '"}).out;
    }
    template <class F>
    static bool eventually(F cond, int ms = 10000) {
        for (int i = 0; i < ms / 10; ++i) {
            if (cond()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return cond();
    }

    TempDir work{"strata-image"};

private:
    bool m_ready = false;
    int m_layouts = 0;
};

}  // namespace strata::test
