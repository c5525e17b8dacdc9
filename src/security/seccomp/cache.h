#pragma once
// A cache of compiled filters, as crun keeps one: libseccomp needs ~9 ms to build the default
// profile for three architectures (x86_64, x86, x32), about as long as the rest of a container
// start. Entries are keyed by the whole profile plus everything else the output depends on
// (libseccomp version, kernel, the strata binary itself) and the key is stored and compared in
// full, so a hash collision can only cost a recompile, never load the wrong filter.

#include <string>

#include "base/result.h"
#include "security/seccomp/filter.h"

namespace strata::security::seccomp {

// compile() through the cache directory `dir` (created 0700 if missing). A cache that cannot be
// read or written is skipped: it only ever saves time.
Result<Program> compile_cached(const spec::Seccomp& config, const std::string& file, const std::string& dir);

}  // namespace strata::security::seccomp
