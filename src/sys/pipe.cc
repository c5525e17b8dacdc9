#include "sys/pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace strata::sys {

Result<Pipe> make_pipe(std::string_view what) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) {
        const int err = errno;
        return os_error(err, "pipe for " + std::string(what));
    }
    return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

}  // namespace strata::sys
