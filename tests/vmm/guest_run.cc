#include "tests/vmm/guest_run.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace strata::vmm::test {

std::string guest(const std::string& name) { return std::string(STRATA_VMM_GUEST_DIR) + "/" + name; }

GuestRun run_guest(MachineConfig config, std::chrono::milliseconds timeout) {
    GuestRun out;
    // A memfd, not a pipe: a chatty guest can never block on a full buffer nobody drains.
    int fd = ::memfd_create("vmm-serial", MFD_CLOEXEC);
    if (fd < 0) {
        out.exit = os_error(errno, "memfd_create");
        return out;
    }
    config.serial_out = fd;
    auto m = Machine::create(config);
    if (!m) {
        out.exit = std::unexpected(m.error());
    } else {
        out.cmdline = (*m)->cmdline();
        out.format = (*m)->kernel_format();
        out.exit = (*m)->run(timeout);
    }
    char buf[4096];
    ssize_t n;
    off_t off = 0;
    while ((n = ::pread(fd, buf, sizeof buf, off)) > 0) {
        out.serial.append(buf, static_cast<size_t>(n));
        off += n;
    }
    ::close(fd);
    return out;
}

std::vector<std::string> values(const std::string& serial, const std::string& key) {
    std::vector<std::string> out;
    std::istringstream in(serial);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + "=", 0) == 0) out.push_back(line.substr(key.size() + 1));
    return out;
}

std::string value(const std::string& serial, const std::string& key) {
    auto v = values(serial, key);
    return v.empty() ? "" : v.front();
}

TempFile::TempFile(const std::string& contents) {
    char tmpl[] = "/tmp/strata-vmm-test-XXXXXX";
    int fd = ::mkstemp(tmpl);
    m_path = tmpl;
    if (fd >= 0) {
        (void)!::write(fd, contents.data(), contents.size());
        ::close(fd);
    }
}

TempFile::~TempFile() { ::unlink(m_path.c_str()); }

std::string TempFile::read() const {
    std::ifstream in(m_path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace strata::vmm::test
