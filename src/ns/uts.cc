#include "ns/uts.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/ns.h"

namespace strata::ns {

Result<UtsNames> uts_names_at(const std::string& path) {
    UniqueFd own = STRATA_TRY(sys::open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC));
    UniqueFd target = STRATA_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
    STRATA_TRY(sys::setns(target.get(), CLONE_NEWUTS, "uts namespace " + quote(path)));
    utsname u{};
    int rc = ::uname(&u);
    int saved = errno;
    STRATA_TRY(sys::setns(own.get(), CLONE_NEWUTS, "the caller's own uts namespace again"));
    if (rc < 0) return os_error(saved, "uname in uts namespace " + quote(path));
    UtsNames n;
    n.hostname = u.nodename;
    // "(none)" is the kernel's unset domain name.
    if (std::string(u.domainname) != "(none)") n.domainname = u.domainname;
    return n;
}

}  // namespace strata::ns
