#include "security/caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/strings.h"
#include "spec/tables.h"
#include "sys/file.h"

namespace strata::security {
namespace {

Result<uint64_t> to_mask(const std::vector<std::string>& names, const char* set, int last_cap,
                         std::vector<std::string>* skipped) {
    uint64_t mask = 0;
    for (const auto& name : names) {
        auto n = spec::capability_number(name);
        if (!n) return error(std::string("config.json: .process.capabilities.") + set + ": unknown capability " + quote(name));
        if (*n > last_cap) {
            if (skipped) skipped->push_back(name);
            continue;
        }
        mask |= 1ULL << *n;
    }
    return mask;
}

}  // namespace

int kernel_last_cap() {
    static int cached = -1;
    if (cached < 0) {
        auto text = sys::read_file("/proc/sys/kernel/cap_last_cap");
        auto v = text ? parse_int(trim(*text)) : std::nullopt;
        cached = v ? static_cast<int>(*v) : spec::last_known_capability();
        if (cached > 63) cached = 63;
    }
    return cached;
}

Result<CapSets> resolve(const spec::Capabilities& caps, int last_cap, std::vector<std::string>* skipped) {
    CapSets s;
    s.bounding = STRATA_TRY(to_mask(caps.bounding, "bounding", last_cap, skipped));
    s.effective = STRATA_TRY(to_mask(caps.effective, "effective", last_cap, skipped));
    s.permitted = STRATA_TRY(to_mask(caps.permitted, "permitted", last_cap, skipped));
    s.inheritable = STRATA_TRY(to_mask(caps.inheritable, "inheritable", last_cap, skipped));
    s.ambient = STRATA_TRY(to_mask(caps.ambient, "ambient", last_cap, skipped));
    return s;
}

Result<> apply_bounding(uint64_t bounding, int last_cap) {
    for (int c = 0; c <= last_cap; ++c) {
        if (bounding & (1ULL << c)) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return os_error(errno, "drop " + spec::capability_name(c) + " from the bounding set");
    }
    return {};
}

Result<> apply(const CapSets& s, int last_cap) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    data[0].effective = static_cast<uint32_t>(s.effective);
    data[1].effective = static_cast<uint32_t>(s.effective >> 32);
    data[0].permitted = static_cast<uint32_t>(s.permitted);
    data[1].permitted = static_cast<uint32_t>(s.permitted >> 32);
    data[0].inheritable = static_cast<uint32_t>(s.inheritable);
    data[1].inheritable = static_cast<uint32_t>(s.inheritable >> 32);
    if (::syscall(SYS_capset, &hdr, data) < 0)
        return os_error(errno, "set capabilities (effective " + format_mask(s.effective) + ")");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return os_error(errno, "clear ambient capabilities");
    for (int c = 0; c <= last_cap; ++c) {
        uint64_t bit = 1ULL << c;
        if (!(s.ambient & bit)) continue;
        // The kernel allows an ambient capability only if it is permitted and inheritable.
        // runc's and crun's default configs list ambient capabilities with no inheritable ones
        // (CVE-2022-29162); like them, strata skips what the kernel cannot grant.
        if (!(s.permitted & s.inheritable & bit)) {
            log::debug("ambient " + spec::capability_name(c) + " skipped: not permitted and inheritable");
            continue;
        }
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            return os_error(errno, "raise ambient " + spec::capability_name(c));
    }
    return {};
}

Result<> keep_caps(bool keep) {
    if (::prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0) return os_error(errno, "prctl PR_SET_KEEPCAPS");
    return {};
}

std::string format_mask(uint64_t mask) {
    std::vector<std::string> names;
    for (int c = 0; c < 64; ++c)
        if (mask & (1ULL << c)) names.push_back(spec::capability_name(c));
    return names.empty() ? "none" : join(names, ",");
}

}  // namespace strata::security
