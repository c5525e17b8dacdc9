#include "security/exec_guard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.h"
#include "sys/file.h"

extern "C" const char strata_exec_shim_start[];
extern "C" const char strata_exec_shim_end[];

namespace strata::security {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

std::vector<char*> c_array(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

bool ExecGuard::disabled() {
    const char* v = std::getenv("STRATA_UNSAFE_NO_EXEC_GUARD");
    return v && std::strcmp(v, "1") == 0;
}

Result<ExecGuard> ExecGuard::create() {
    // MFD_EXEC: kernels with vm.memfd_noexec need it spelled out; older kernels reject the flag.
    int fd = ::memfd_create("strata-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = ::memfd_create("strata-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return os_error(errno, "memfd_create for the exec shim");
    ExecGuard g;
    g.m_fd.reset(fd);
    size_t size = static_cast<size_t>(strata_exec_shim_end - strata_exec_shim_start);
    STRATA_TRY(sys::write_all(fd, std::string_view(strata_exec_shim_start, size), "exec shim"));
    if (::fchmod(fd, 0555) < 0) return os_error(errno, "chmod exec shim");
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return os_error(errno, "seal exec shim");
    return g;
}

Result<> ExecGuard::exec(const std::string& path, const std::vector<std::string>& argv,
                         const std::vector<std::string>& envp) const {
    std::vector<std::string> shim_argv;
    shim_argv.reserve(argv.size() + 2);
    shim_argv.push_back("strata-exec");
    shim_argv.push_back(path);
    shim_argv.insert(shim_argv.end(), argv.begin(), argv.end());
    auto a = c_array(shim_argv);
    auto e = c_array(envp);
    ::execveat(m_fd.get(), "", a.data(), e.data(), AT_EMPTY_PATH);
    int err = errno;
    // A seccomp profile may allow execve but not execveat: go through procfs instead.
    std::string proc = "/proc/self/fd/" + std::to_string(m_fd.get());
    ::execve(proc.c_str(), a.data(), e.data());
    return os_error(err, "exec " + quote(path) + " through the exec shim");
}

Result<> exec_direct(const std::string& path, const std::vector<std::string>& argv,
                     const std::vector<std::string>& envp) {
    auto a = c_array(argv);
    auto e = c_array(envp);
    ::execve(path.c_str(), a.data(), e.data());
    return os_error(errno, "exec " + quote(path));
}

}  // namespace strata::security
