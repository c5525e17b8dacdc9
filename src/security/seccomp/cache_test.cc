// The compiled-filter cache: a hit returns the same program, and a damaged or foreign entry is
// never used.

#include "security/seccomp/cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>

#include "spec/default_spec.h"
#include "spec/parse.h"
#include "sys/file.h"

namespace strata::security::seccomp {
namespace {

class SeccompCache : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/strata-seccomp-cache-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_root = tmpl;
        dir = m_root + "/cache";
        config = *spec::parse_config(spec::default_spec_json({}))->linux->seccomp;
    }
    void TearDown() override { (void)sys::remove_tree(m_root); }

    std::vector<std::string> entries() const {
        std::vector<std::string> out;
        if (DIR* d = ::opendir(dir.c_str())) {
            while (dirent* e = ::readdir(d))
                if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
            ::closedir(d);
        }
        return out;
    }
    static bool same(const Program& a, const Program& b) {
        return a.flags == b.flags && a.code.size() == b.code.size() &&
               std::memcmp(a.code.data(), b.code.data(), a.code.size() * sizeof(sock_filter)) == 0;
    }

    std::string m_root, dir;
    spec::Seccomp config;
};

TEST_F(SeccompCache, SecondCompileIsAHitWithTheSameProgram) {
    Program direct = *compile(config);
    auto first = compile_cached(config, "config.json", dir);
    ASSERT_TRUE(first) << first.error().message();
    ASSERT_EQ(entries().size(), 1u);
    struct stat before {};
    ASSERT_EQ(::stat(entries()[0].c_str(), &before), 0);
    auto t0 = std::chrono::steady_clock::now();
    auto second = compile_cached(config, "config.json", dir);
    auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(second);
    EXPECT_TRUE(same(direct, *first));
    EXPECT_TRUE(same(direct, *second));
    // A miss compiles again and replaces the entry atomically (a new inode); a hit only reads it.
    // The time is printed, not asserted: under ASan on a shared CI machine it is noise.
    struct stat after {};
    ASSERT_EQ(::stat(entries()[0].c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino) << "the second compile rewrote the entry: it was a miss";
    std::cout << "seccomp cache hit: " << us << " us (not asserted; bench/ measures it)\n";
}

TEST_F(SeccompCache, DifferentProfilesGetDifferentEntries) {
    ASSERT_TRUE(compile_cached(config, "config.json", dir));
    config.syscalls.push_back({.names = {"mkdir"}, .action = "SCMP_ACT_KILL"});
    auto other = compile_cached(config, "config.json", dir);
    ASSERT_TRUE(other);
    EXPECT_TRUE(same(*compile(config), *other));
    EXPECT_EQ(entries().size(), 2u);
}

TEST_F(SeccompCache, ListenerPathsShareAnEntryButKeepTheirOwnPath) {
    config.listener_path = "/run/agent-1.sock";
    config.syscalls.push_back({.names = {"mkdir"}, .action = "SCMP_ACT_NOTIFY"});
    auto a = compile_cached(config, "config.json", dir);
    config.listener_path = "/run/agent-2.sock";
    config.listener_metadata = "m";
    auto b = compile_cached(config, "config.json", dir);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->listener_path, "/run/agent-1.sock");
    EXPECT_EQ(b->listener_path, "/run/agent-2.sock");
    EXPECT_EQ(b->listener_metadata, "m");
    EXPECT_TRUE(b->notifies());
    // Metadata-or-not is part of the key (it decides an error elsewhere), so two entries.
    EXPECT_EQ(entries().size(), 2u);
    config.listener_path = "/run/agent-3.sock";
    ASSERT_TRUE(compile_cached(config, "config.json", dir));
    EXPECT_EQ(entries().size(), 2u);
    // Without a path the same profile is an error, never a cache hit.
    config.listener_path.clear();
    config.listener_metadata.clear();
    EXPECT_FALSE(compile_cached(config, "config.json", dir));
}

TEST_F(SeccompCache, DamagedEntriesAreRecompiledNotLoaded) {
    ASSERT_TRUE(compile_cached(config, "config.json", dir));
    auto path = entries().at(0);
    std::string text = *sys::read_file(path);
    Program direct = *compile(config);
    // Truncated by a concurrent writer, flipped bits, a different key: each must miss.
    for (std::string damaged : {text.substr(0, text.size() - 8), text.substr(0, text.find('\n') + 1),
                                std::string("junk"), [&] { std::string t = text; t[t.size() - 3] ^= 1; return t; }(),
                                [&] { std::string t = text; t.replace(t.find("\"key\""), 5, "\"kez\""); return t; }()}) {
        { std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged; }
        auto p = compile_cached(config, "config.json", dir);
        ASSERT_TRUE(p);
        EXPECT_TRUE(same(direct, *p));
    }
}

TEST_F(SeccompCache, UnusableDirectoryFallsBackToCompiling) {
    auto p = compile_cached(config, "config.json", "/proc/strata-no-such-dir/cache");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_TRUE(same(*compile(config), *p));
}

TEST_F(SeccompCache, ErrorsAreNotCached) {
    config.default_action = "SCMP_ACT_FOO";
    auto p = compile_cached(config, "b/config.json", dir);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message(), "b/config.json: .linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
    EXPECT_TRUE(entries().empty());
}

}  // namespace
}  // namespace strata::security::seccomp
