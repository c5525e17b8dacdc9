#include "security/rlimits.h"

#include <sys/resource.h>

#include "spec/tables.h"

namespace strata::security {

Result<> apply_rlimits(const std::vector<spec::Rlimit>& rlimits) {
    for (const auto& r : rlimits) {
        int res = *spec::rlimit_resource(r.type);  // validated by spec
        rlimit lim{r.soft, r.hard};
        if (::setrlimit(res, &lim) == 0) continue;
        int err = errno;
        std::string what = "set " + r.type + " to " + std::to_string(r.soft) + ":" + std::to_string(r.hard);
        rlimit cur{};
        if (err == EPERM && ::getrlimit(res, &cur) == 0 && r.hard > cur.rlim_max)
            what += " (the hard limit here is " + std::to_string(cur.rlim_max) +
                    "; raising it needs CAP_SYS_RESOURCE)";
        return os_error(err, what);
    }
    return {};
}

}  // namespace strata::security
