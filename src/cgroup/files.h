#pragma once
// Reading and writing cgroupfs files, with errors that name the OCI field that asked for the write.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace strata::cgroup {

// Writes `value` to dir/file in one write(2). `field` (".linux.resources.memory.limit") leads the
// error so a user knows which setting the kernel refused.
Result<> write_field(const std::string& dir, const std::string& file, const std::string& value,
                     const std::string& field);
bool has_file(const std::string& dir, const std::string& file);
Result<std::string> read_text(const std::string& dir, const std::string& file);
// A single number; "max" reads as nullopt.
Result<std::optional<uint64_t>> read_number(const std::string& dir, const std::string& file);
// "key value" lines (memory.stat, cpu.stat, memory.events) -> map.
Result<std::map<std::string, uint64_t>> read_keyed(const std::string& dir, const std::string& file);
// The same from a file's text (one a guest sent, for instance).
std::map<std::string, uint64_t> parse_keyed(const std::string& text);
// A single number's text; "max" (and v1's -1) read as nullopt; nothing else than a number: an error.
std::optional<std::optional<uint64_t>> parse_number(const std::string& text);

// rmdir of a container's cgroup directory. A task that has just been killed keeps it busy (EBUSY)
// until the kernel has torn it down (QEMU with its guest memory: ~4-5 ms), so this retries every
// 5 ms for up to a second (1 ms steps measured no faster: 6.9 vs 6.5 ms median for a VM's
// release). ENOENT is success.
// Sub-cgroups the container made itself (systemd or a nested runtime inside it) are removed
// first; a cgroup still busy after the second is an error saying what it holds.
Result<> remove_when_released(const std::string& dir);

// Names of the directories in `dir` (sub-cgroups); empty if it cannot be read.
std::vector<std::string> subdirectories(const std::string& dir);

// A field this layout cannot express: an error naming it, never a silent skip.
std::unexpected<Error> unsupported(const std::string& field, const std::string& why);

}  // namespace strata::cgroup
