#pragma once
// Test fixtures: temp directories and a busybox bundle built from Debian's busybox-static
// (rootfs with /bin/busybox and its applet links, config.json from `strata spec`).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace strata::test {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "strata-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&& o) noexcept : m_path(std::move(o.m_path)) { o.m_path.clear(); }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

class Bundle {
public:
    // A fresh bundle in its own temp dir; config.json as `strata spec` writes it but with
    // terminal off and args ["sh"].
    static Bundle busybox();
    const std::string& path() const { return m_dir.path(); }
    std::string rootfs() const { return path() + "/rootfs"; }
    nlohmann::json config;
    void set_args(const std::vector<std::string>& args);
    // Writes `config` to config.json.
    void save() const;

private:
    explicit Bundle(TempDir d) : m_dir(std::move(d)) {}
    TempDir m_dir;
};

// Makes `dir` a busybox rootfs (bin/busybox + applet symlinks, /etc/passwd, /tmp).
void make_busybox_rootfs(const std::string& dir);

// Lines of /proc/self/mountinfo that mention `needle`.
std::vector<std::string> mounts_containing(const std::string& needle);
// Pids of processes whose /proc/<pid>/cmdline or comm contains `needle`.
std::vector<int> processes_matching(const std::string& needle);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace strata::test
