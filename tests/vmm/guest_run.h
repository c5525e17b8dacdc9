#pragma once
// Running the VMM test guests: where they are, one run with COM1 captured, and reading the
// key=value lines the guests print.

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"
#include "vmm/machine.h"

namespace strata::vmm::test {

// Path of a guest built by tests/vmm/CMakeLists.txt ("blk.elf").
std::string guest(const std::string& name);

struct GuestRun {
    Result<ExitReason> exit = ExitReason::stopped;  // create() or run() errors end up here too
    std::string serial;                              // everything the guest wrote to COM1
    std::string cmdline;                             // as the kernel got it
    std::string format;                              // kernel format detected
};

// Creates a Machine from `config` with serial_out going to a buffer, and runs it.
GuestRun run_guest(MachineConfig config, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The value of the first "key=value" line in `serial` ("" if none).
std::string value(const std::string& serial, const std::string& key);
// Values of every "key=value" line, in order.
std::vector<std::string> values(const std::string& serial, const std::string& key);

// A temporary file removed when the object dies.
class TempFile {
public:
    explicit TempFile(const std::string& contents);
    ~TempFile();
    const std::string& path() const { return m_path; }
    std::string read() const;

private:
    std::string m_path;
};

}  // namespace strata::vmm::test
