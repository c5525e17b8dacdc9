// strata load: OCI layouts and archives into the store; layers shared, verified, unpacked safely.

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "base/strings.h"
#include "tests/image/fixture.h"

namespace strata::test {
namespace {

using json = nlohmann::json;

class Load : public ImageTest {
protected:
    std::string layer_dir(const std::string& tar) const {
        return data() + "/layers/" + sha256_digest(tar).substr(7) + "/diff";
    }
    // What the store holds besides lock files, the index and its empty directories.
    std::string store_contents() const {
        return run_cmd({"sh", "-c", "cd '" + data() + "' && find layers blobs/sha256 tmp containers l -mindepth 1 2>/dev/null | sort"}).out;
    }
    // Loads a one-image layout of these layers; returns the result of `strata load`.
    CmdResult load_layers(const std::string& name, const std::vector<TestLayer>& layers,
                          const json& config = {{"Cmd", {"sh"}}}) {
        OciLayout l(dir(name));
        l.add_image(layers, config);
        return strata({"load", "-i", l.path(), "--tag", name});
    }
};

TEST_F(Load, OciLayoutLoadsAndRuns) {
    load_busybox("bb:1", {}, {{"Cmd", {"echo", "from-cmd"}}});
    auto images = strata({"images"});
    ASSERT_EQ(images.status, 0) << images.err;
    EXPECT_NE(images.out.find("localhost/bb"), std::string::npos) << images.out;
    auto r = strata({"run", "--rm", "bb:1"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from-cmd\n");
    auto inspect = strata({"image", "inspect", "bb:1"});
    ASSERT_EQ(inspect.status, 0) << inspect.err;
    auto j = json::parse(inspect.out);
    EXPECT_EQ(j[0]["RepoTags"][0], "localhost/bb:1");
    EXPECT_EQ(j[0]["RootFS"]["Layers"][0], sha256_digest(busybox_tar()));
}

TEST_F(Load, SharedBaseLayerIsStoredOnce) {
    std::string extra = TarWriter().file("app/hello.txt", "hello\n").finish();
    load_busybox("base:1");
    long k1 = std::stol(run_cmd({"du", "-sk", data() + "/layers"}).out);
    load_busybox("app:1", {{extra, "zstd"}});
    long k2 = std::stol(run_cmd({"du", "-sk", data() + "/layers"}).out);
    // Two layer directories: busybox's, once, and the extra one.
    std::string base = sha256_digest(busybox_tar()).substr(7), top = sha256_digest(extra).substr(7);
    EXPECT_EQ(ls(data() + "/layers"), base < top ? base + " " + top + " " : top + " " + base + " ");
    // The second image cost its own small layer on disk, not another copy of busybox (~2 MB).
    EXPECT_LT(k2 - k1, 64) << "the second image added " << (k2 - k1) << " KiB";
    auto r = strata({"run", "--rm", "app:1", "cat", "/app/hello.txt"});
    EXPECT_EQ(r.out, "hello\n") << r.err;
    auto again = strata({"load", "-i", dir("layout-1")});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.err.find("already present"), std::string::npos) << again.err;
}

TEST_F(Load, WhiteoutsHideLowerFiles) {
    std::string lower = TarWriter()
                            .file("etc/secret", "s3cret\n")
                            .dir("data")
                            .file("data/old1", "1")
                            .file("data/old2", "2")
                            .file("keep", "k")
                            .finish();
    std::string upper = TarWriter().whiteout("etc/secret").dir("data").opaque("data").file("data/new", "n").finish();
    load_busybox("wh:1", {{lower, "gzip"}, {upper, "gzip"}});
    // In the layer: the overlay's own whiteout (0/0 char device) and opaque directory.
    struct stat st{};
    ASSERT_EQ(lstat((layer_dir(upper) + "/etc/secret").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(0, 0));
    char v[8] = {};
    EXPECT_EQ(getxattr((layer_dir(upper) + "/data").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
    EXPECT_EQ(v[0], 'y');
    // In the container: gone.
    auto r = strata({"run", "--rm", "wh:1", "sh", "-c", "ls /etc/secret; ls /data; cat /keep"});
    EXPECT_EQ(r.out, "new\nk") << r.err;
    EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
}

TEST_F(Load, CorruptedLayerBlobIsRefusedAndLeavesNothing) {
    OciLayout l(dir("corrupt"));
    std::string extra = TarWriter().file("x", "x").finish();
    auto desc = l.add_image({{busybox_tar(), "gzip"}, {extra, "none"}});
    json manifest = json::parse(read_text(l.blob_file(desc["digest"])));
    std::string blob = l.blob_file(manifest["layers"][0]["digest"]);
    std::string bytes = read_text(blob);
    bytes[bytes.size() / 2] ^= 0x55;
    write_text(blob, bytes);
    auto r = strata({"load", "-i", l.path(), "--tag", "corrupt:1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
    EXPECT_EQ(store_contents(), "");
    EXPECT_EQ(strata({"images", "-q"}).out, "");
}

TEST_F(Load, CorruptedConfigIsRefused) {
    OciLayout l(dir("badcfg"));
    auto desc = l.add_image({{busybox_tar(), "gzip"}});
    json manifest = json::parse(read_text(l.blob_file(desc["digest"])));
    std::string cfg = l.blob_file(manifest["config"]["digest"]);
    std::string text = read_text(cfg);
    text.replace(text.find("linux"), 5, "LINUX");
    write_text(cfg, text);
    auto r = strata({"load", "-i", l.path()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("config sha256:"), std::string::npos) << r.err;
    EXPECT_EQ(store_contents(), "");
}

TEST_F(Load, WrongDiffIdIsRefused) {
    // The config names the diff-id of another tar: the layer is unpacked, then thrown away.
    OciLayout l(dir("diffid"));
    std::string a = TarWriter().file("a", "a").finish(), b = TarWriter().file("b", "b").finish();
    auto desc = l.add_image({{a, "gzip"}});
    json manifest = json::parse(read_text(l.blob_file(desc["digest"])));
    json cfg = json::parse(read_text(l.blob_file(manifest["config"]["digest"])));
    cfg["rootfs"]["diff_ids"][0] = sha256_digest(b);
    std::string cfg_text = cfg.dump();
    manifest["config"]["digest"] = l.add_blob(cfg_text);
    manifest["config"]["size"] = cfg_text.size();
    std::string m_text = manifest.dump();
    std::string m_digest = l.add_blob(m_text);
    write_text(l.path() + "/index.json",
               json{{"schemaVersion", 2},
                    {"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", m_digest}, {"size", m_text.size()}}}}}
                   .dump());
    auto r = strata({"load", "-i", l.path()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("does not match diff-id"), std::string::npos) << r.err;
    EXPECT_EQ(store_contents(), "");
}

TEST_F(Load, PathsEscapingTheLayerAreRefused) {
    struct Case {
        const char* what;
        std::string tar;
        const char* message;
    };
    std::vector<Case> cases = {
        {"dot-dot", TarWriter().file("../../etc/passwd", "owned\n").finish(), "leaves the layer"},
        {"inner dot-dot", TarWriter().dir("a").file("a/../../x", "x").finish(), "leaves the layer"},
        {"absolute symlink", TarWriter().symlink("evil", "/etc").file("evil/passwd", "owned\n").finish(),
         "leads out of the layer"},
        {"relative symlink up", TarWriter().symlink("up", "../../../../..").file("up/tmp/x", "x").finish(),
         "leads out of the layer"},
        {"hard link out", TarWriter().hardlink("pw", "../../etc/passwd").finish(), "leaves the layer"},
    };
    std::string passwd = read_text("/etc/passwd");
    for (const auto& c : cases) {
        auto r = load_layers("evil", {{c.tar, "gzip"}});
        EXPECT_EQ(r.status, 1) << c.what;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.what << ": " << r.err;
        EXPECT_EQ(store_contents(), "") << c.what;
        run_cmd({"rm", "-rf", dir("evil")});
    }
    EXPECT_EQ(read_text("/etc/passwd"), passwd);
    EXPECT_FALSE(access("/tmp/x", F_OK) == 0 && read_text("/tmp/x") == "x");
}

TEST_F(Load, MetadataIsPreserved) {
    TarWriter::Meta suid{.mode = 04755, .uid = 1234, .gid = 2345, .mtime = 1234567890};
    TarWriter::Meta with_xattr{.mode = 0640, .xattrs = {{"user.strata", "yes"}, {"trusted.overlay.redirect", "/etc"}}};
    std::string t = TarWriter()
                        .dir("d", {.mode = 0750, .uid = 7, .gid = 8, .mtime = 1111111111})
                        .file("d/tool", "#!/bin/sh\n", suid)
                        .file("d/attr", "a", with_xattr)
                        .hardlink("d/tool-link", "d/tool")
                        .symlink("d/sym", "tool", {.mode = 0777, .uid = 5, .gid = 6, .mtime = 1222222222})
                        .chardev("d/null", 1, 3)
                        .fifo("d/pipe")
                        .finish();
    auto r = load_layers("meta", {{t, "none"}});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string d = layer_dir(t) + "/d";
    struct stat st{};
    ASSERT_EQ(lstat((d + "/tool").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 2345u);
    EXPECT_EQ(st.st_mtime, 1234567890);
    EXPECT_EQ(st.st_nlink, 2u);
    struct stat link{};
    ASSERT_EQ(lstat((d + "/tool-link").c_str(), &link), 0);
    EXPECT_EQ(link.st_ino, st.st_ino);
    ASSERT_EQ(lstat((d + "/sym").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(st.st_uid, 5u);
    EXPECT_EQ(st.st_mtime, 1222222222);
    ASSERT_EQ(lstat((d + "/null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    ASSERT_EQ(lstat((d + "/pipe").c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    char v[16] = {};
    EXPECT_EQ(getxattr((d + "/attr").c_str(), "user.strata", v, sizeof v), 3);
    EXPECT_STREQ(v, "yes");
    // Overlay metadata from a tar is dropped: only whiteout entries make whiteouts.
    EXPECT_LT(getxattr((d + "/attr").c_str(), "trusted.overlay.redirect", v, sizeof v), 0);
    ASSERT_EQ(lstat(d.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    EXPECT_EQ(st.st_uid, 7u);
    EXPECT_EQ(st.st_mtime, 1111111111);  // set after its entries were written
}

TEST_F(Load, PlainGzipAndZstdLayers) {
    std::string a = TarWriter().file("a", "A").finish(), b = TarWriter().file("b", "B").finish();
    load_busybox("comp:1", {{a, "none"}, {b, "zstd"}});
    auto r = strata({"run", "--rm", "comp:1", "cat", "/a", "/b"});
    EXPECT_EQ(r.out, "AB") << r.err;
}

TEST_F(Load, PodmanSaveArchives) {
    STRATA_REQUIRE(access("/usr/bin/podman", X_OK) == 0, "needs podman (apt-get install podman)");
    TempDir tmp("strata-podman");
    std::string rootfs = tmp.path() + "/rootfs";
    make_busybox_rootfs(rootfs);
    std::string tag = "localhost/strata-test-" + std::to_string(getpid()) + ":latest";
    std::vector<std::string> podman = {"podman", "--cgroup-manager=cgroupfs", "--root", tmp.path() + "/storage",
                                       "--runroot", tmp.path() + "/runroot"};
    auto cmd = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = podman;
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd(argv, "", std::chrono::seconds(120));
    };
    write_text(tmp.path() + "/rootfs.tar", tar_of_dir(rootfs));
    auto imp = cmd({"import", "--change", "CMD [\"echo\", \"podman-made\"]", tmp.path() + "/rootfs.tar", tag});
    ASSERT_EQ(imp.status, 0) << imp.err;
    ASSERT_EQ(cmd({"save", "-o", tmp.path() + "/docker.tar", tag}).status, 0);
    ASSERT_EQ(cmd({"save", "--format", "oci-archive", "-o", tmp.path() + "/oci.tar", tag}).status, 0);
    cmd({"rmi", "-a", "-f"});

    auto d = strata({"load", "-i", tmp.path() + "/docker.tar"});
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_EQ(d.out, "Loaded image: " + tag + "\n");
    auto o = strata({"load", "-i", tmp.path() + "/oci.tar"});
    ASSERT_EQ(o.status, 0) << o.err;
    // The same image either way: one ID, one layer directory.
    EXPECT_EQ(strata({"images", "-q"}).out.size(), 13u);
    EXPECT_EQ(split_nonempty(run_cmd({"ls", data() + "/layers"}).out, '\n').size(), 1u);
    auto r = strata({"run", "--rm", tag});
    EXPECT_EQ(r.out, "podman-made\n") << r.err;
    // A compressed archive is unpacked to staging first; same result.
    ASSERT_EQ(run_cmd({"sh", "-c", "gzip -c '" + tmp.path() + "/docker.tar' > '" + tmp.path() + "/docker.tar.gz'"}).status, 0);
    auto gz = strata({"load", "-i", tmp.path() + "/docker.tar.gz", "--tag", "fromgz:1"});
    EXPECT_EQ(gz.status, 0) << gz.err;
    EXPECT_EQ(ls(data() + "/tmp"), "");
}

}  // namespace
}  // namespace strata::test
