// The image store under kill -9 (load, pull, rmi, prune killed at each named stage through
// `strata-faults`), on a full disk (--root and --data-root on a small tmpfs), and under
// concurrency (parallel loads of one tarball, parallel `run --rm`, rmi of an image in use,
// delete of a running container).

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/faults/trials.h"
#include "tests/image/fixture.h"
#include "tests/image/registry.h"

namespace strata::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class StoreFaults : public ImageTest {
protected:
    void SetUp() override {
        ImageTest::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        OciLayout l(dir("layout"));
        l.add_image({{busybox_tar(), "gzip"}, {TarWriter().file("one", "1").finish(), "none"}},
                    {{"Cmd", {"cat", "/one"}}});
        layout = l.path();
    }

    CmdResult faulty(const std::string& stage, const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {STRATA_FAULTS_BIN, "--root", run_root(), "--data-root", data()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd(argv, "", std::chrono::seconds(60), {"STRATA_FAULT_AT=" + stage});
    }

    std::vector<std::string> image_names() const {
        auto r = strata({"images", "--format", "json"});
        EXPECT_EQ(r.status, 0) << r.err;
        std::vector<std::string> out;
        if (r.status != 0) return out;
        for (const auto& i : json::parse(r.out))
            for (const auto& n : i["Names"]) out.push_back(n);
        return out;
    }

    // Nothing in the store is half-named: every layer has its content and size, every link
    // leads to a layer, every blob hashes to its name, every listed image can be inspected.
    void expect_consistent(const std::string& what) const {
        std::string root = data();
        if (fs::exists(root + "/layers"))
            for (const auto& e : fs::directory_iterator(root + "/layers")) {
                EXPECT_TRUE(fs::is_directory(e.path() / "diff")) << what << ": " << e.path();
                EXPECT_TRUE(fs::exists(e.path() / "size")) << what << ": " << e.path();
            }
        if (fs::exists(root + "/l")) {
            for (const auto& e : fs::directory_iterator(root + "/l")) {
                EXPECT_TRUE(fs::exists(e.path())) << what << ": dangling link " << e.path();
            }
        }
        if (fs::exists(root + "/blobs/sha256"))
            for (const auto& e : fs::directory_iterator(root + "/blobs/sha256")) {
                std::string name = e.path().filename();
                auto sum = run_cmd({"sha256sum", e.path().string()}).out;
                EXPECT_EQ(sum.substr(0, 64), name) << what << ": blob " << name;
            }
        for (const auto& n : image_names()) {
            auto r = strata({"image", "inspect", n});
            EXPECT_EQ(r.status, 0) << what << ": " << n << ": " << r.err;
        }
    }

    void expect_tmp_empty(const std::string& what) const {
        EXPECT_EQ(ls(data() + "/tmp"), "") << what << ": temporaries left after the next command";
    }

    // The image works: a container of it runs and prints the extra layer's file; with short
    // lowerdir links as on older kernels, so that a missing l/ link would show.
    void expect_runs(const std::string& tag, const std::string& what) const {
        std::vector<std::string> argv = {strata_bin(), "--root", run_root(), "--data-root", data(), "run", "--rm", tag};
        auto r = run_cmd(argv, "", std::chrono::seconds(60), {"STRATA_IMAGE_LOWERDIR=short"});
        EXPECT_EQ(r.status, 0) << what << ": " << r.err;
        EXPECT_EQ(r.out, "1") << what;
    }

    void wipe() {
        fs::remove_all(data());
        fs::remove_all(run_root());
    }

    std::string layout;
};

TEST_F(StoreFaults, LoadKilledAtEachStage) {
    int trials = 0;
    const std::vector<std::string> stages = {"load.staged", "load.blobs", "store.layer_renamed", "load.layers",
                                             "load.indexed"};
    for (const auto& stage : stages)
        for (int t = 0; t < kTrials; ++t) {
            wipe();
            std::string what = "load killed at " + stage;
            auto k = faulty(stage, {"load", "-i", layout, "--tag", "bb:1"});
            ASSERT_EQ(k.status, 128 + SIGKILL) << what << ": " << k.err;
            auto names = image_names();
            // Before (nothing) or after (the image), never in between.
            if (stage == "load.indexed") EXPECT_EQ(names, std::vector<std::string>{"localhost/bb:1"}) << what;
            else EXPECT_EQ(names, std::vector<std::string>{}) << what;
            expect_consistent(what);
            auto again = strata({"load", "-i", layout, "--tag", "bb:1"});
            ASSERT_EQ(again.status, 0) << what << ": " << again.err;
            expect_tmp_empty(what);
            expect_consistent(what + ", loaded again");
            expect_runs("bb:1", what);
            ++trials;
        }
    std::cout << "load: " << stages.size() << " stages, " << trials << " trials\n";
}

TEST_F(StoreFaults, RmiAndPruneKilledAtEachStage) {
    int trials = 0;
    const std::vector<std::string> stages = {"rmi.indexed", "store.layer_unlinked", "rmi.layer"};
    for (const auto& stage : stages)
        for (int t = 0; t < kTrials; ++t) {
            wipe();
            std::string what = "rmi killed at " + stage;
            ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0);
            auto k = faulty(stage, {"rmi", "bb:1"});
            ASSERT_EQ(k.status, 128 + SIGKILL) << what << ": " << k.err;
            EXPECT_EQ(image_names(), std::vector<std::string>{}) << what;  // the index goes first
            expect_consistent(what);
            // The leftover layers are garbage now; a prune killed half-way, then a whole one.
            auto kp = faulty("prune.layer", {"prune"});
            EXPECT_TRUE(kp.status == 128 + SIGKILL || kp.status == 0) << what << ": " << kp.err;
            expect_consistent(what + ", prune killed");
            auto p = strata({"prune"});
            ASSERT_EQ(p.status, 0) << what << ": " << p.err;
            expect_tmp_empty(what);
            EXPECT_EQ(ls(data() + "/layers"), "") << what;
            EXPECT_EQ(ls(data() + "/l"), "") << what;
            ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0) << what;
            expect_runs("bb:1", what);
            ++trials;
        }
    // A layer whose link a killed removal took: loaded again, it gets its link back.
    for (int t = 0; t < kTrials; ++t) {
        wipe();
        std::string what = "rmi killed at store.layer_unlinked, then load";
        ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0);
        ASSERT_EQ(faulty("store.layer_unlinked", {"rmi", "bb:1"}).status, 128 + SIGKILL);
        ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0) << what;
        expect_consistent(what);
        expect_runs("bb:1", what);
        ++trials;
    }
    std::cout << "rmi/prune: " << stages.size() + 1 << " stages, " << trials << " trials\n";
}

TEST_F(StoreFaults, PullKilledAtEachStage) {
    std::string why;
    auto reg = LocalRegistry::start({}, &why);
    STRATA_REQUIRE(reg != nullptr, "local registry: " + why);
    OciLayout l(dir("push"));
    l.add_image({{busybox_tar(), "gzip"}, {TarWriter().file("one", "1").finish(), "none"}}, {{"Cmd", {"cat", "/one"}}},
                "latest");
    auto p = reg->push(l.path(), "latest", "bb:latest");
    ASSERT_EQ(p.status, 0) << p.err << reg->log();
    std::string ref = reg->host() + "/bb:latest";
    int trials = 0;
    const std::vector<std::string> stages = {"pull.blob", "store.layer_renamed", "pull.layer", "pull.stored",
                                             "pull.indexed"};
    for (const auto& stage : stages)
        for (int t = 0; t < kTrials; ++t) {
            wipe();
            std::string what = "pull killed at " + stage;
            auto k = faulty(stage, {"pull", ref});
            ASSERT_EQ(k.status, 128 + SIGKILL) << what << ": " << k.err;
            auto names = image_names();
            if (stage == "pull.indexed") EXPECT_EQ(names, std::vector<std::string>{ref}) << what;
            else EXPECT_EQ(names, std::vector<std::string>{}) << what;
            expect_consistent(what);
            auto again = strata({"pull", ref});
            ASSERT_EQ(again.status, 0) << what << ": " << again.err;
            expect_tmp_empty(what);
            expect_consistent(what + ", pulled again");
            expect_runs(ref, what);
            ++trials;
        }
    std::cout << "pull: " << stages.size() << " stages, " << trials << " trials\n";
}

// --root and --data-root on a 3 MiB tmpfs that a filler file nearly fills.
class FullDisk : public StoreFaults {
protected:
    void SetUp() override {
        StoreFaults::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        small = dir("small");
        fs::create_directories(small);
        ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=3m"), 0) << strerror(errno);
        mounted = true;
    }
    void TearDown() override {
        if (mounted) {
            for (const auto& id : split_ids(run_cmd({strata_bin(), "--root", small + "/run", "list", "-q"}).out))
                run_cmd({strata_bin(), "--root", small + "/run", "delete", "--force", id});
            ::umount2(small.c_str(), MNT_DETACH);
        }
        StoreFaults::TearDown();
    }
    static std::vector<std::string> split_ids(const std::string& s) {
        std::vector<std::string> out;
        std::istringstream in(s);
        for (std::string l; std::getline(in, l);)
            if (!l.empty()) out.push_back(l);
        return out;
    }
    CmdResult on_small(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {strata_bin(), "--root", small + "/run", "--data-root", small + "/data"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd(argv, "", std::chrono::seconds(60));
    }
    // Fills the tmpfs, leaving `leave` KiB.
    void fill(int leave_kib) {
        run_cmd({"sh", "-c", "dd if=/dev/zero of=" + small + "/filler bs=4k 2>/dev/null; truncate -s -" +
                                 std::to_string(leave_kib) + "K " + small + "/filler"});
    }
    void unfill() { fs::remove(small + "/filler"); }
    static void expect_enospc(const CmdResult& r, const std::string& path, const std::string& what) {
        EXPECT_EQ(r.status, 1) << what << ": " << r.err;
        EXPECT_NE(r.err.find("ENOSPC"), std::string::npos) << what << ": " << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << what << ": the message names no path: " << r.err;
    }
    std::string small;
    bool mounted = false;
};

TEST_F(FullDisk, LoadCreateAndPullFailWithEnospcAndWorkAfterwards) {
    // load: room for the store's directories but not for the unpacked layer.
    ASSERT_EQ(on_small({"images"}).status, 0);
    fill(512);
    auto l = on_small({"load", "-i", layout, "--tag", "bb:1"});
    expect_enospc(l, small + "/data", "load");
    EXPECT_EQ(ls(small + "/data/layers"), "");
    EXPECT_EQ(ls(small + "/data/tmp"), "");
    unfill();
    auto l2 = on_small({"load", "-i", layout, "--tag", "bb:1"});
    ASSERT_EQ(l2.status, 0) << l2.err;

    // create: the state directory cannot be written.
    auto b = Bundle::busybox();
    b.set_args({"true"});
    fill(0);
    std::string id = "full" + std::to_string(getpid());
    auto c = on_small({"create", "-b", b.path(), id});
    expect_enospc(c, small + "/run", "create");
    EXPECT_FALSE(fs::exists(small + "/run/" + id));
    EXPECT_FALSE(fs::exists("/sys/fs/cgroup/pids/strata/" + id));
    // run from the image: the writable layer cannot be made.
    auto ri = on_small({"run", "--rm", "bb:1"});
    EXPECT_EQ(ri.status, 1) << ri.err;
    EXPECT_NE(ri.err.find("ENOSPC"), std::string::npos) << ri.err;
    unfill();
    auto r = on_small({"run", "-b", b.path(), id});
    EXPECT_EQ(r.status, 0) << r.err;
    auto r2 = on_small({"run", "--rm", "bb:1"});
    EXPECT_EQ(r2.status, 0) << r2.err;
    EXPECT_EQ(r2.out, "1");

    // pull: the download does not fit.
    std::string why;
    auto reg = LocalRegistry::start({}, &why);
    STRATA_REQUIRE(reg != nullptr, "local registry: " + why);
    OciLayout pl(dir("push"));
    pl.add_image({{busybox_tar(), "none"}, {TarWriter().file("two", "2").finish(), "none"}}, {{"Cmd", {"cat", "/two"}}},
                 "latest");
    ASSERT_EQ(reg->push(pl.path(), "latest", "bb2:latest").status, 0) << reg->log();
    ASSERT_EQ(on_small({"rmi", "bb:1"}).status, 0);
    fill(512);
    auto p = on_small({"pull", reg->host() + "/bb2:latest"});
    expect_enospc(p, small + "/data", "pull");
    unfill();
    auto p2 = on_small({"pull", reg->host() + "/bb2:latest"});
    ASSERT_EQ(p2.status, 0) << p2.err;
    EXPECT_EQ(ls(small + "/data/tmp"), "");
    auto r3 = on_small({"run", "--rm", reg->host() + "/bb2:latest"});
    EXPECT_EQ(r3.out, "2") << r3.err;
}

class Concurrency : public StoreFaults {};

TEST_F(Concurrency, FourParallelLoadsOfOneTarball) {
    std::string tarball = dir("image.tar");
    ASSERT_EQ(run_cmd({"tar", "-C", layout, "-cf", tarball, "."}).status, 0);
    std::vector<CmdResult> rs(4);
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) ts.emplace_back([&, i] { rs[i] = strata({"load", "-i", tarball, "--tag", "bb:1"}); });
    for (auto& t : ts) t.join();
    for (const auto& r : rs) EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(image_names(), std::vector<std::string>{"localhost/bb:1"});
    expect_consistent("4 parallel loads");
    expect_tmp_empty("4 parallel loads");
    expect_runs("bb:1", "4 parallel loads");
}

TEST_F(Concurrency, EightParallelRunRm) {
    ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0);
    std::vector<CmdResult> rs(8);
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i) ts.emplace_back([&, i] { rs[i] = strata({"run", "--rm", "bb:1"}); });
    for (auto& t : ts) t.join();
    for (const auto& r : rs) {
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "1");
    }
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(ls(data() + "/containers"), "");
}

TEST_F(Concurrency, RmiOfAnImageInUseAndDeleteOfARunningContainerAreRefused) {
    ASSERT_EQ(strata({"load", "-i", layout, "--tag", "bb:1"}).status, 0);
    std::string id = "busy" + std::to_string(getpid());
    auto d = strata_detached({"run", "-d", "--name", id, "bb:1", "sleep", "1000"});
    ASSERT_EQ(d.status, 0) << d.out;
    auto rmi = strata({"rmi", "bb:1"});
    EXPECT_EQ(rmi.status, 1);
    EXPECT_NE(rmi.err.find("in use by container \"" + id + "\""), std::string::npos) << rmi.err;
    auto del = strata({"delete", id});
    EXPECT_EQ(del.status, 1);
    EXPECT_NE(del.err.find("it is running"), std::string::npos) << del.err;
    auto st = strata({"state", id});
    ASSERT_EQ(st.status, 0) << st.err;
    EXPECT_EQ(json::parse(st.out)["status"], "running");
    expect_consistent("refused rmi");
    ASSERT_EQ(strata({"delete", "--force", id}).status, 0);
    EXPECT_EQ(strata({"rmi", "bb:1"}).status, 0);
    EXPECT_EQ(image_names(), std::vector<std::string>{});
}

}  // namespace
}  // namespace strata::test
