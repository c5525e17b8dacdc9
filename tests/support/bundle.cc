#include "tests/support/bundle.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/support/cli.h"

namespace strata::test {

TempDir::TempDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    m_path = buf.data();
    chmod(m_path.c_str(), 0755);
}

TempDir::~TempDir() {
    if (m_path.empty()) return;
    // rm -rf that stays on this filesystem: a leaked mount inside must not lose host data.
    run_cmd({"rm", "-rf", "--one-file-system", m_path});
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

void make_busybox_rootfs(const std::string& dir) {
    for (const char* d : {"", "/bin", "/etc", "/tmp", "/root", "/home", "/proc", "/sys", "/dev"})
        mkdir((dir + d).c_str(), 0755);
    chmod((dir + "/tmp").c_str(), 01777);
    auto cp = run_cmd({"cp", "/bin/busybox", dir + "/bin/busybox"});
    if (cp.status != 0) throw std::runtime_error("copy /bin/busybox (install busybox-static): " + cp.err);
    auto list = run_cmd({dir + "/bin/busybox", "--list"});
    std::istringstream names(list.out);
    std::string name;
    while (std::getline(names, name))
        if (!name.empty() && name != "busybox") symlink("busybox", (dir + "/bin/" + name).c_str());
    write_text(dir + "/etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    write_text(dir + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
}

Bundle Bundle::busybox() {
    Bundle b{TempDir("strata-bundle")};
    make_busybox_rootfs(b.rootfs());
    auto spec = run_cmd({strata_bin(), "spec", "--bundle", b.path()});
    if (spec.status != 0) throw std::runtime_error("strata spec: " + spec.err);
    b.config = nlohmann::json::parse(read_text(b.path() + "/config.json"));
    b.config["process"]["terminal"] = false;
    b.save();
    return b;
}

void Bundle::set_args(const std::vector<std::string>& args) {
    config["process"]["args"] = args;
    save();
}

void Bundle::save() const { write_text(path() + "/config.json", config.dump(1)); }

std::vector<std::string> mounts_containing(const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(read_text("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(in, line))
        if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
}

std::vector<int> processes_matching(const std::string& needle) {
    std::vector<int> out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        std::string cmd = read_text("/proc/" + std::to_string(pid) + "/cmdline");
        for (auto& c : cmd)
            if (c == '\0') c = ' ';
        std::string comm = read_text("/proc/" + std::to_string(pid) + "/comm");
        if (cmd.find(needle) != std::string::npos || comm.find(needle) != std::string::npos) out.push_back(pid);
    }
    closedir(d);
    return out;
}

}  // namespace strata::test
