#pragma once
// pipe2(2) as two owned ends.

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

// Both ends close-on-exec; `what` names the pipe's purpose in the error.
Result<Pipe> make_pipe(std::string_view what);

}  // namespace strata::sys
