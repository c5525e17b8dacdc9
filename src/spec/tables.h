#pragma once
// Name tables of the OCI spec: namespace types, rlimits, scheduler policies, capabilities.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::spec {

// "network" -> CLONE_NEWNET; nullopt for unknown types.
std::optional<int> namespace_clone_flag(std::string_view type);
// CLONE_NEWNET -> "net" (the /proc/<pid>/ns/ file name).
std::string_view namespace_proc_name(int clone_flag);
// The OCI types in the order strata joins/creates them (user first: it owns the others).
const std::vector<std::string>& namespace_types();

std::optional<int> rlimit_resource(std::string_view name);  // "RLIMIT_NOFILE" -> RLIMIT_NOFILE
std::optional<int> scheduler_policy(std::string_view name);
std::optional<int> io_priority_class(std::string_view name);

// linux.memoryPolicy: "MPOL_BIND" -> 2 (linux/mempolicy.h), "MPOL_F_STATIC_NODES" -> 1 << 15.
std::optional<int> mempolicy_mode(std::string_view name);
std::optional<int> mempolicy_flag(std::string_view name);
// "0-3,7" -> {0, 1, 2, 3, 7}; "" -> {}; nullopt if malformed or a node is above 4095.
std::optional<std::vector<int>> parse_node_list(std::string_view list);

// "CAP_NET_RAW" -> 13. Knows every capability up to CAP_CHECKPOINT_RESTORE (40).
std::optional<int> capability_number(std::string_view name);
std::string capability_name(int cap);
int last_known_capability();

}  // namespace strata::spec
