#include "vm/backend/agent_channel.h"

#include <fcntl.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include "base/unique_fd.h"
#include "sys/file.h"

namespace strata::vm {

// A guest console's last lines go into the host's error message with their terminal escapes
// and carriage returns escaped (issue 16, item 12).
TEST(AgentChannel, GuestLogLinesInAnErrorAreEscaped) {
    char tmpl[] = "/tmp/strata-agent-channel-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string dir = tmpl;
    UniqueFd dirfd(::open(tmpl, O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(sys::write_file_atomic(dirfd.get(), "console.log", "booting\n\x1b[2J\x1b]0;owned\x07 panic\r\n"));
    Error e = with_guest_logs(Error{EIO, "vm: start"}, dir + "/console.log", dir + "/absent.log");
    ::unlink((dir + "/console.log").c_str());
    ::rmdir(tmpl);
    std::string m = e.message();
    EXPECT_NE(m.find("\\x1b[2J\\x1b]0;owned\\x07 panic\\x0d"), std::string::npos) << m;
    EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
    EXPECT_EQ(m.find('\r'), std::string::npos) << m;
    EXPECT_EQ(m.find("QEMU"), std::string::npos) << "an absent VMM log adds nothing: " << m;
}

}  // namespace strata::vm
