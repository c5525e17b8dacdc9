#include "sys/exec_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace strata::sys {
namespace {

namespace fs = std::filesystem;

TEST(ExecPath, EnvLookupTakesTheFirstExactKey) {
    std::vector<std::string> env = {"PATHX=no", "PATH=/a:/b", "PATH=/c", "EMPTY="};
    EXPECT_EQ(env_lookup(env, "PATH"), "/a:/b");
    EXPECT_EQ(env_lookup(env, "EMPTY"), "");
    EXPECT_EQ(env_lookup(env, "PAT"), std::nullopt);
}

TEST(ExecPath, FindsAlongPathUnderAPrefixAndNamesTheReason) {
    char tmpl[] = "/tmp/strata-exec-path-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string root = tmpl;
    fs::create_directories(root + "/bin");
    fs::create_directories(root + "/opt/dir");
    std::ofstream(root + "/bin/tool") << "#!/bin/sh\n";
    std::ofstream(root + "/bin/plain") << "data\n";
    ::chmod((root + "/bin/tool").c_str(), 0755);
    std::vector<std::string> env = {"PATH=/opt:/bin"};
    EXPECT_EQ(find_executable("tool", env, root), root + "/bin/tool");
    EXPECT_EQ(find_executable("/bin/tool", {}, root), root + "/bin/tool");
    auto missing = find_executable("nothing", env, root);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENOENT);
    EXPECT_EQ(find_executable("/bin/plain", env, root).error().code, EACCES);
    EXPECT_EQ(find_executable("/opt/dir", env, root).error().code, EISDIR);
    // Without PATH in the env, the default one (which has /bin).
    EXPECT_EQ(find_executable("tool", {}, root), root + "/bin/tool");
    fs::remove_all(root);
}

}  // namespace
}  // namespace strata::sys
