#pragma once
// The part of config.json the guest agent acts on, in the agent protocol's binary encoding. The
// host has parsed and validated config.json already; the agent decodes a few hundred bytes with
// a few hundred instructions instead of running a JSON parser, which under software emulation
// costs ~15 ms per boot (every code path runs once, so it is translated once: code size is time).
//
// Carried: root.readonly, mounts, process (args, env, cwd, user, capabilities, rlimits,
// noNewPrivileges, oomScoreAdj), hostname, domainname, linux (namespaces, devices, sysctl,
// maskedPaths, readonlyPaths, resources: memory, cpu, pids, blockIO weight). Not carried (the
// host warns): seccomp, hooks, id mappings, personality.

#include <string>
#include <string_view>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::vm::agent {

std::string encode_spec(const spec::Spec& s);
Result<spec::Spec> decode_spec(std::string_view payload);

}  // namespace strata::vm::agent
