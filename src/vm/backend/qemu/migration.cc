#include "vm/backend/qemu/migration.h"

#include <unistd.h>

#include "base/strings.h"
#include "sys/clock.h"

namespace strata::vm::qemu {
namespace {

// Both ends leave the RAM out of the stream: it is in the file.
Result<nlohmann::json> ignore_shared_ram(Qmp& qmp) {
    return qmp.execute("migrate-set-capabilities", {{"capabilities", {{{"capability", "x-ignore-shared"}, {"state", true}}}}});
}

}  // namespace

Result<> save_state(Qmp& qmp, int out, int timeout_ms) {
    STRATA_TRY(qmp.execute("stop"));
    STRATA_TRY(ignore_shared_ram(qmp));
    STRATA_TRY(qmp.pass_fd("state", out));
    STRATA_TRY(qmp.execute("migrate", {{"uri", "fd:state"}}));
    for (int64_t deadline = sys::monotonic_ms() + timeout_ms;; ::usleep(5000)) {
        auto m = STRATA_TRY(qmp.execute("query-migrate"));
        std::string status = m.value("status", "");
        if (status == "completed") return {};
        if (status == "failed" || status == "cancelled" || sys::monotonic_ms() > deadline)
            return error("saving the VM's state ended " + quote(status) + ": " + m.value("error-desc", ""));
    }
}

Result<> load_state(Qmp& qmp, int in, int timeout_ms) {
    STRATA_TRY(ignore_shared_ram(qmp));
    STRATA_TRY(qmp.pass_fd("state", in));
    STRATA_TRY(qmp.execute("migrate-incoming", {{"uri", "fd:state"}}));
    // Loading ~40 KiB of device state takes a few ms.
    std::string status;
    int64_t deadline = sys::monotonic_ms() + timeout_ms;
    while ((status = STRATA_TRY(qmp.execute("query-status")).value("status", "")) == "inmigrate" &&
           sys::monotonic_ms() < deadline)
        ::usleep(1000);
    if (status == "paused") STRATA_TRY(qmp.execute("cont"));
    else if (status != "running") return error("loading the VM's saved state left QEMU " + quote(status));
    return {};
}

}  // namespace strata::vm::qemu
