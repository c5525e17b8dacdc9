#include "sys/bpf.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace strata::sys {
namespace {

long bpf(int cmd, bpf_attr* attr) { return ::syscall(SYS_bpf, cmd, attr, sizeof *attr); }

}  // namespace

Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& prog) {
    // Without a log first: asking the verifier for one makes every load slower. Only a failed
    // load is repeated with the log, for the error message.
    auto load = [&](char* log, uint32_t size) {
        bpf_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = reinterpret_cast<uint64_t>(prog.data());
        attr.insn_cnt = static_cast<uint32_t>(prog.size());
        attr.license = reinterpret_cast<uint64_t>("Apache-2.0");
        attr.log_buf = reinterpret_cast<uint64_t>(log);
        attr.log_size = size;
        attr.log_level = log ? 1 : 0;
        return bpf(BPF_PROG_LOAD, &attr);
    };
    long fd = load(nullptr, 0);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    int err = errno;
    static char log[16384];
    log[0] = '\0';
    long again = load(log, sizeof log);
    if (again >= 0) return UniqueFd(static_cast<int>(again));  // a transient failure
    return os_error(err, std::string("load the device-cgroup BPF program") + (log[0] ? " (verifier: " + std::string(log) + ")" : ""));
}

Result<> attach_device_program(int cgroup_fd, int prog, int replace) {
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (replace >= 0) {
        attr.attach_flags |= BPF_F_REPLACE;
        attr.replace_bpf_fd = static_cast<uint32_t>(replace);
    }
    if (bpf(BPF_PROG_ATTACH, &attr) < 0) return os_error(errno, "attach the device-cgroup BPF program");
    return {};
}

Result<> detach_device_programs(int cgroup_fd) {
    uint32_t ids[64];
    bpf_attr q;
    std::memset(&q, 0, sizeof q);
    q.query.target_fd = static_cast<uint32_t>(cgroup_fd);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(ids);
    q.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, &q) < 0) return os_error(errno, "query the device-cgroup BPF programs");
    for (uint32_t i = 0; i < q.query.prog_cnt; ++i) {
        bpf_attr g;
        std::memset(&g, 0, sizeof g);
        g.prog_id = ids[i];
        long pfd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (pfd < 0) return os_error(errno, "get BPF program " + std::to_string(ids[i]));
        UniqueFd owned(static_cast<int>(pfd));
        bpf_attr d;
        std::memset(&d, 0, sizeof d);
        d.target_fd = static_cast<uint32_t>(cgroup_fd);
        d.attach_bpf_fd = static_cast<uint32_t>(pfd);
        d.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, &d) < 0) return os_error(errno, "detach BPF program " + std::to_string(ids[i]));
    }
    return {};
}

}  // namespace strata::sys
